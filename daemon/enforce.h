/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Enforcement in the kernel (bpf/lsm.bpf.c): the policy mirrored into the zj_enforce and
 * zj_exceptions maps, the start-up canary that proves each LSM hook really denies, and, per
 * sub-technique, what the policy requests next to what is in effect.
 *
 * BPF LSM can load and attach and yet never run (bpf not in lsm=, a hook compiled out), so a
 * loaded program proves nothing: zhijiad forks a canary child, names it in
 * ZJ_CFG_CANARY_TGID (every LSM class then denies it, without a record), has it attempt each
 * operation on objects zhijiad made for the purpose -- a sibling process to attach to and
 * write into, its own vDSO, files in a directory watched with the class ZJ_ENF_CANARY, which
 * denies nobody else -- and counts what failed with EPERM.  A block the kernel cannot enforce
 * is said so at start, in `zhijiactl status` and in every finding ("enforced": false); it
 * never silently becomes an alert or a record.
 */
#ifndef ZHIJIA_ENFORCE_H
#define ZHIJIA_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "zhijia/bpf_abi.h"
#include "zhijia/detect.h"
#include "zhijia/event.h"
#include "zhijia/policy.h"

struct zj_sensor;
struct zj_watch;

#define ZJ_ENFORCE_WHY_MAX 192

struct zj_enforce {
	bool lsm;				    /* the BPF LSM programs are attached */
	bool signal; /* bpf_send_signal works: the fallback for classes no proved hook denies */
	bool canary_ran;			    /* the canary ran to its end */
	bool proved[ZJ_ENF_NR];			    /* the canary was denied for the class */
	char why[ZJ_ENFORCE_WHY_MAX];		    /* !lsm: why there is no enforcement */
	char failed[ZJ_ENF_NR][ZJ_ENFORCE_WHY_MAX]; /* !proved: what went through, in words */
	pid_t canary_pids[2];			    /* the canary and its target, while drained */
	uint32_t kexc;	/* exceptions in the kernel after the last sync */
	char note[512]; /* the last sync's exceptions that could not go into the kernel */
};

/* lsm: zj_sensor_lsm(); why: the features' lsm_why when false; signal: send_signal. */
void zj_enforce_init(struct zj_enforce *e, bool lsm, const char *why, bool signal);

/*
 * How class k is enforced when the policy blocks it: "lsm" (denied in the kernel: a proved
 * hook), "kill" (the fallback: the actor is killed with SIGKILL from the tracepoint
 * programs, and what the operation left is quarantined) or "none".
 */
const char *zj_enforce_mode(const struct zj_enforce *e, uint32_t k);

/*
 * Mirror the policy into the kernel: zj_enforce[class].block = (action == block), .kill =
 * (block, and the class's mode is "kill": see zj_enforce_mode), and the
 * exceptions that name an executable, uid or parent into zj_exceptions, executables by
 * (device, inode).  An exception whose executable does not exist, or is reached through a
 * symbolic link (user space compares resolved paths, the kernel inodes: they would disagree),
 * or that is past ZJ_KEXC_MAX, stays out of the kernel -- what it would let through stays
 * blocked -- and is described in e->note ("" when none).  Returns 1 when e->note changed,
 * 0, or a negative errno from the map updates.
 */
int zj_enforce_sync(struct zj_enforce *e, const struct zj_policy *p, struct zj_sensor *s);

/*
 * The start-up canary (see the head of this file).  Sets proved[] and failed[]; e->canary_pids
 * name the processes whose records the caller must drop until zj_enforce_canary_done().
 * Without LSM it only fills failed[].  Returns 0, or a negative errno when the canary could
 * not be run at all (failed[] says so too).
 */
int zj_enforce_canary(struct zj_enforce *e, struct zj_sensor *s);
void zj_enforce_canary_done(struct zj_enforce *e);
bool zj_enforce_is_canary(const struct zj_enforce *e, uint32_t tgid);

/*
 * For class k under policy p: the configured action (ZJ_ACTION_*), what is in effect --
 * "block" when requested and enforced (mode lsm or kill), else the configured action's name,
 * and "alert" for a block that cannot be enforced (its findings still say block, not
 * enforced, and alert) -- and, for such a block, why (else NULL).
 */
void zj_enforce_effective(const struct zj_enforce *e, const struct zj_policy *p, uint32_t k,
			  uint32_t *ret_requested, const char **ret_effective,
			  const char **ret_why);

/* {"mode":"lsm"|"lsm+kill"|"kill"|"none",["why":...],
 *  "T1055.008":{"requested":..,"effective":..,"mode":..,...},...} */
json_object *zj_enforce_to_json(const struct zj_enforce *e, const struct zj_policy *p);

/* One line for the start-up message. */
void zj_enforce_format(const struct zj_enforce *e, const struct zj_policy *p, char *buf,
		       size_t len);

/* The finding of a deny event: the class's sub-technique, high, blocked in the kernel. */
void zj_enforce_deny_finding(const struct zj_event *ev, struct zj_finding *ret);

/*
 * Complete a deny event's path from the watch list: the kernel sends it relative to the
 * watched directory of entry deny.watch_id.  Writes into buf and points ev->deny.path at it;
 * leaves the event alone when the entry is unknown.
 */
void zj_enforce_deny_path(struct zj_event *ev, const struct zj_watch *w, char *buf, size_t len);

#endif /* ZHIJIA_ENFORCE_H */
