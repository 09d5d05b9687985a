/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy: for each ATT&CK sub-technique zhijia observes, what to do with its findings --
 * block, alert, record, off, or default -- plus protected applications and exceptions.
 * Portable tier: C11 + json-c; no file I/O (the daemon passes callbacks for that).
 *
 * Actions (ZJ_ACTION_*):
 *   block    deny the operation (in the kernel, or by stopping the actor) and alert
 *   alert    let it happen, alert (journald) and record
 *   record   let it happen, record it in the event log for later hunting
 *   off      drop the finding
 *   default  the brief's context-aware rule: alert when the target is a system process or a
 *            protected application, record otherwise.  Every sub-technique starts at default.
 *
 * The target the default rule weighs is the finding's (zj_finding.target): the process
 * written to or traced; the actor for its own vDSO or its own LD_PRELOAD image; for a
 * persistence file, the processes that will run it -- system-wide files (/etc/crontab,
 * /etc/systemd/system, /etc/ld.so.preload) are run by system processes (cron, PID 1, the
 * dynamic linker of every program) and alert; one user's files (user units, a user's
 * crontab) record.  A benign finding (debugger on its own child, package manager, self
 * write) and the removal of a persistence file are recorded under default.
 *
 * Precedence in zj_policy_decide(): off drops; an explicit block, alert or record applies as
 * set, except that alert becomes record for a benign finding (an explicit block stays: the
 * administrator asked for it, and carves out what must pass with an exception); then an
 * exception that matches turns alert or block into record and says which exception did.
 *
 * Exceptions match the actor: a technique ("*", a technique id covering its sub-techniques,
 * or a sub-technique), and any of the actor's executable, its real uid, its parent's
 * executable -- every criterion given must hold.  Paths are compared exactly, as the kernel
 * resolved them.
 *
 * The file (ZJ_POLICY_PATH), version 1:
 *
 *   {
 *     "version": 1,
 *     "actions": { "T1053.002": "default", ..., "T1574.006": "default" },
 *     "protected": [ "/usr/sbin/sshd" ],
 *     "exceptions": [
 *       { "technique": "T1055.008", "exe": "/usr/bin/gdb", "uid": 1000,
 *         "parent": "/usr/bin/bash", "comment": "developers debug their builds" }
 *     ]
 *   }
 *
 * Every key is optional; "actions" names sub-techniques zhijia observes (zhijiactl policy
 * list).  zj_policy_to_json() writes every observed sub-technique, in id order, so that the
 * file shows what there is to set.
 *
 * A policy object is not thread-safe.  To apply a change atomically, change a copy
 * (zj_policy_copy()) and swap it in; every mutator leaves the policy unchanged on error.
 *
 * Enforcement: the catalog says what this platform can block (ZJ_CAP_ENFORCE); the daemon
 * lowers that at run time with zj_policy_set_enforceable(false) when the kernel cannot
 * enforce.  A block decision always says whether the operation was actually blocked.
 */
#ifndef ZHIJIA_POLICY_H
#define ZHIJIA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zhijia/catalog.h"
#include "zhijia/detect.h"
#include "zhijia/event.h"

#define ZJ_POLICY_PATH "/etc/zhijia/policy.json"
#define ZJ_POLICY_VERSION 1

#define ZJ_ACTION_DEFAULT 0
#define ZJ_ACTION_OFF 1
#define ZJ_ACTION_RECORD 2
#define ZJ_ACTION_ALERT 3
#define ZJ_ACTION_BLOCK 4

#define ZJ_POLICY_LIST_MAX 4096 /* protected applications; exceptions */
#define ZJ_POLICY_PATH_MAX 4096 /* bytes of a path in the policy, NUL included */
#define ZJ_POLICY_ERR_MAX 512	/* a size for err buffers that fits every message */

struct zj_policy;

struct zj_exception {
	const char *technique; /* "*", a technique (and its sub-techniques) or a sub-technique */
	const char *exe;       /* the actor's executable; NULL: any */
	int64_t uid;	       /* the actor's real uid; -1: any */
	const char *parent;    /* the executable of the actor's parent; NULL: any */
	const char *comment;   /* kept with it, shown in lists; NULL: none */
};

/* zj_decision.flags */
#define ZJ_DECISION_ENFORCED (1u << 0)	   /* block: the kernel denied it or stopped the actor */
#define ZJ_DECISION_NOT_ENFORCED (1u << 1) /* block: the operation went ahead */

#define ZJ_WHY_MAX 256

struct zj_decision {
	uint32_t action;      /* ZJ_ACTION_OFF, _RECORD, _ALERT or _BLOCK: what to do */
	uint32_t configured;  /* the policy's setting for the sub-technique, _DEFAULT included */
	uint32_t exception;   /* number (1-based) of the exception that applied; 0: none */
	uint32_t flags;	      /* ZJ_DECISION_* */
	char why[ZJ_WHY_MAX]; /* "default: target is a system process", "exception #2: ..." */
	/* The finding's catalog entry, looked up once by zj_policy_decide() (NULL: not set). */
	const struct zj_technique *technique;
};

/* "default", "off", "record", "alert", "block"; "unknown" out of range. */
const char *zj_action_name(uint32_t action);
/* -EINVAL for anything but the five names. */
int zj_action_parse(const char *name, uint32_t *ret_action);

/*
 * Every function taking `err` writes a message there on failure (a one-line sentence naming
 * what was wrong and the valid choices; ZJ_POLICY_ERR_MAX bytes are always enough; err may
 * be NULL) and leaves the policy unchanged.
 */

/* The built-in policy: default for everything, nothing protected, no exceptions.  -ENOMEM. */
int zj_policy_new_default(struct zj_policy **ret);
void zj_policy_free(struct zj_policy *p);
int zj_policy_copy(const struct zj_policy *p, struct zj_policy **ret);

/*
 * Parse a policy file's text (need not be NUL-terminated).  filename is only used in
 * messages, which are "FILE:LINE:COLUMN: message" (line and column 1-based, columns in
 * characters) for syntax errors and schema errors alike.  -EBADMSG on invalid JSON, -EINVAL
 * on a schema error, -ENOMEM; *ret is set only on success.
 */
int zj_policy_from_json(const char *text, size_t len, const char *filename, struct zj_policy **ret,
			char *err, size_t errlen);

/*
 * Serialise: pretty-printed, keys in a stable order (version, actions by id, protected,
 * exceptions), ending in '\n'.  *ret_text is NUL-terminated, allocated with malloc(); free()
 * it.  Returns its length, or -ENOMEM.
 */
int zj_policy_to_json(const struct zj_policy *p, char **ret_text);

/*
 * File access, provided by the daemon.  read: the whole file into a malloc()ed buffer the core
 * frees; -ENOENT when it does not exist.  write: replace the file atomically (temporary file,
 * fsync, rename).  Both return 0 or a negative errno.
 */
typedef int (*zj_policy_read_fn)(const char *path, char **ret_data, size_t *ret_len,
				 void *userdata);
typedef int (*zj_policy_write_fn)(const char *path, const char *data, size_t len, void *userdata);

/*
 * Load the policy at path: 0 when read from the file, 1 when the file does not exist and the
 * built-in defaults apply; the read error, or zj_policy_from_json()'s.
 */
int zj_policy_load(const char *path, zj_policy_read_fn read_file, void *userdata,
		   struct zj_policy **ret, char *err, size_t errlen);
/* Serialise and hand to write_file.  On failure err says "failed to write PATH". */
int zj_policy_save(const struct zj_policy *p, const char *path, zj_policy_write_fn write_file,
		   void *userdata, char *err, size_t errlen);

/*
 * Set the action of a sub-technique ("T1055.008", "block").  Errors (-EINVAL unless noted):
 *   unknown technique 'T1055.99'; sub-techniques of T1055 Process Injection: T1055.008,
 *     T1055.009, T1055.014; see `zhijiactl policy list`              (-ENOENT)
 *   T1055 Process Injection has sub-techniques; set one of them: ...
 *   T1574.007 ... is not observed by zhijia on this platform; observed: ...
 *   unknown action 'blok' for T1055.008; valid actions: block, alert, record, off, default
 *   T1055.008 cannot be enforced on this platform; valid: alert, record, off, default
 *                                                                    (-EOPNOTSUPP)
 */
int zj_policy_set(struct zj_policy *p, const char *id, const char *action, char *err,
		  size_t errlen);
/* Back to the built-in default: one sub-technique, or all of them when id is NULL. */
int zj_policy_reset(struct zj_policy *p, const char *id, char *err, size_t errlen);
/* The configured action (ZJ_ACTION_DEFAULT included).  -ENOENT for an unknown id. */
int zj_policy_get(const struct zj_policy *p, const char *id, uint32_t *ret_action);

/*
 * Whether this host can enforce at all (default: true, trusting the catalog).  The daemon
 * sets false when the kernel offers no way to block; then block cannot be set (a block
 * already in the policy stays, and its decisions say they were not enforced).
 */
void zj_policy_set_enforceable(struct zj_policy *p, bool can_enforce);
bool zj_policy_enforceable(const struct zj_policy *p);
/* What can be done about t here: the catalog's capability, lowered by the above. */
uint32_t zj_policy_capability(const struct zj_policy *p, const struct zj_technique *t);

/*
 * Protected applications: absolute executable paths ("/usr/sbin/sshd"; on Windows "C:\...").
 * add: -EINVAL (not a normalised absolute path), -EEXIST, -ENOSPC; del: -ENOENT.
 */
int zj_policy_protect_add(struct zj_policy *p, const char *exe, char *err, size_t errlen);
int zj_policy_protect_del(struct zj_policy *p, const char *exe, char *err, size_t errlen);
size_t zj_policy_protect_count(const struct zj_policy *p);
/* In the order added; NULL past the end. */
const char *zj_policy_protect_get(const struct zj_policy *p, size_t index);
/* The whole list, e.g. for zj_proctab_set_protected(); valid until the policy changes. */
const char *const *zj_policy_protect_list(const struct zj_policy *p, size_t *ret_n);
bool zj_policy_protects(const struct zj_policy *p, struct zj_str exe);
/* Does zj_policy_decide() read ctx->ancestors (an exception names a parent)? */
bool zj_policy_uses_ancestors(const struct zj_policy *p);

/*
 * Exceptions, numbered from 1 in the order added.  add copies e and returns its number;
 * -EINVAL (unknown technique, no criterion, bad path), -EEXIST (the same exception exists),
 * -ENOSPC.  del: -ENOENT; later exceptions move up one number.
 */
int zj_policy_allow_add(struct zj_policy *p, const struct zj_exception *e, char *err,
			size_t errlen);
int zj_policy_allow_del(struct zj_policy *p, size_t number, char *err, size_t errlen);
size_t zj_policy_allow_count(const struct zj_policy *p);
/* NULL unless 1 <= number <= count. */
const struct zj_exception *zj_policy_allow_get(const struct zj_policy *p, size_t number);

/*
 * What to do with finding f, which the detectors produced from ev and ctx (ctx may be NULL).
 * Returns 0, or -ENOENT if f names no catalog entry, -EINVAL on NULL.
 */
int zj_policy_decide(const struct zj_policy *p, const struct zj_event *ev,
		     const struct zj_detect_ctx *ctx, const struct zj_finding *f,
		     struct zj_decision *ret);

#endif /* ZHIJIA_POLICY_H */
