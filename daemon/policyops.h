/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy commands, implemented once: zhijiad runs them on its live policy for requests on
 * the control socket, zhijiactl on the policy file when zhijiad is not running.  A command is
 * a name and a JSON object of arguments -- the control protocol's request -- and its answer a
 * JSON object that zhijiactl renders as text or prints with --json.
 *
 *   command        args                                         reply (besides "ok":true)
 *   policy.list    {"tactic":"TA0004"|"privilege-escalation",   "attack_version", "platform",
 *                   "all":bool}                                 "enforceable", "tactics":[TAC]
 *   policy.get     {"id":"T1055.008"}                           TECH (with "technique" and
 *                                                               "tactics"; a technique: "subs")
 *   policy.set     {"id":"T1055.008","action":"block"}          "id", "action", "previous",
 *                                                               "changed"
 *   policy.reset   {"ids":["T1055.008",...]} (none: all)        "reset":[ids] or "all",
 *                                                               "changed"
 *   protect.add    {"path":"/usr/sbin/sshd"}                    "path", "changed"
 *   protect.del    {"path":"/usr/sbin/sshd"}                    "path", "changed"
 *   protect.list   {}                                           "protected":["...",...]
 *   allow.add      {"technique":"T1055.008","exe":"...",        "number", "exception":EXC,
 *                   "uid":1000,"parent":"...","comment":"..."}  "changed"
 *   allow.del      {"number":2}                                 "number", "exception":EXC,
 *                                                               "changed"
 *   allow.list     {}                                           "exceptions":[EXC,...]
 *   policy.export  {}                                           "policy" (zj_policy_to_json()),
 *                                                               "policy_hash"
 *   policy.apply   {"policy":"<a policy file's text>",          "changes" (zj_policy_diff()),
 *                   "name":"FILE","dry_run":bool}               "policy_hash", "changed",
 *                                                               "dry_run" (policy-apply.h)
 *
 *   TAC  = {"id","name","name_zh"?,"techniques":[TECH...]}
 *   TECH = {"id","name","name_zh"?,"capability":"none|observe|enforce","action"?,"subs"?:[TECH]}
 *          ("action" on what has one: a sub-technique, or a technique without any, that zhijia
 *           observes; "name_zh" where the catalog has a Chinese name)
 *   EXC  = {"number","technique","exe"?,"uid"?,"parent"?,"comment"?}
 *
 * policy.list lists what zhijia observes, each technique under every tactic it belongs to (the
 * ATT&CK matrix's and the brief's policy page's way); "all" lists the whole catalog.
 */
#ifndef ZHIJIA_POLICYOPS_H
#define ZHIJIA_POLICYOPS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "zhijia/catalog.h"
#include "zhijia/policy.h"

/* An err buffer of this size holds every message (the core's and this module's). */
#define ZJ_POLICYOPS_ERR_MAX 1024

/* Where a changed policy is saved: zj_policy_save(p, path, write, userdata). */
struct zj_policy_store {
	const char *path;
	zj_policy_write_fn write; /* zj_policyfile_write; NULL: not saved (tests) */
	void *userdata;
};

/*
 * Run cmd with args (a JSON object, or NULL for none) on *policy.
 *
 * A read-only command (*.list, *.get) leaves *policy alone.  A changing command works on a
 * copy; when the copy differs from *policy it is saved through store (if not NULL) and only
 * then replaces *policy -- the old policy is freed -- and *ret_changed becomes true.  So a
 * failure, the save's included, changes neither the policy nor the file, and a pointer taken
 * from the old policy (zj_policy_protect_list()) is stale only when *ret_changed says so.
 * With "dry_run":true (policy.apply) nothing is saved or swapped: the reply's "changed" and
 * "changes" say what would be.
 *
 * Returns 0 and the reply (the caller owns it), or a negative errno with a message in err:
 * the portable core's validation message (unknown technique, unknown action, block where it
 * cannot be enforced, bad path, ...) or this module's (unknown command, malformed arguments,
 * failed save).  -EBADRQC for a command this module does not know.  ret_changed may be NULL.
 */
int zj_policy_command(struct zj_policy **policy, const char *cmd, json_object *args,
		      const struct zj_policy_store *store, json_object **ret_reply,
		      bool *ret_changed, char *err, size_t errlen);

/* Whether cmd is one of the commands above. */
bool zj_policy_command_known(const char *cmd);

/*
 * Look up a technique or sub-technique id for a command-line filter ("T1055", "t1055.008").
 * -ENOENT with the portable core's message ("unknown technique 'T1055.99'; sub-techniques of
 * T1055 Process Injection: ...") when the catalog has no such entry.
 */
int zj_policy_find_technique(const char *id, const struct zj_technique **ret, char *err,
			     size_t errlen);

#endif /* ZHIJIA_POLICYOPS_H */
