/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux back end of ARR: runs a parsed, validated rule (zhijia/arr.h) for real, one action
 * after the other, each leaving a result: done, failed or skipped, with a reason and the
 * objects it touched.  What an action removes or overwrites goes to the quarantine first
 * (quarantine.h).  System-critical paths are checked again here, on the path after its
 * symbolic links are resolved (realpath), so that a link cannot smuggle /etc/shadow past the
 * validator; "force": true lifts that, as it does at validation.
 *
 * The same code plans: zj_arr_exec_plan() runs every action in "dry" mode, which finds the
 * objects (files a search finds, processes chosen, crontab lines, disks whose sector matches)
 * and records them in the plan instead of acting.
 *
 * The root (opts.root, `zhijiactl arr --root DIR`) is where a rule sees the system: search
 * scopes start there (alldisk: DIR and the local file systems mounted under it; systemdisk:
 * those on DIR's disk; diskroot: DIR's top directory...), and the configuration directories
 * are looked up under it (DIR/etc/cron.d, DIR/etc/crontab, DIR/var/spool/cron,
 * DIR/etc/systemd/system, DIR/var/lib/zhijia/mbr, DIR/sys/bus/usb/devices,
 * DIR/etc/zhijia/rules.d, DIR/run/zhijia).  Paths written in the rule itself are not
 * prefixed.  It exists for tests and for cleaning a mounted disk of another host; the default
 * is "/".  With a root other than "/", systemd is never asked to reload.
 */
#ifndef ZHIJIA_ARR_EXEC_H
#define ZHIJIA_ARR_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zhijia/arr.h"

struct zj_quarantine;

struct zj_arr_exec_opts {
	const char *root;		 /* NULL or "/": the host itself */
	struct zj_quarantine *q;	 /* required by zj_arr_exec_run() */
	const struct zj_arr_ctx *ctx;	 /* the finding's values for scripts; NULL: none */
	const char *const *system_disks; /* NULL-terminated; NULL: the disks of / and /boot */
};

enum zj_arr_status {
	ZJ_ARR_DONE,
	ZJ_ARR_FAILED,
	ZJ_ARR_SKIPPED, /* nothing to do: no object found, the condition did not hold */
};

const char *zj_arr_status_name(enum zj_arr_status s);

struct zj_arr_result {
	size_t index; /* in rule->actions */
	enum zj_arr_instr instr;
	enum zj_arr_status status;
	int error;		    /* the first failure's negative errno, or 0 */
	char *reason;		    /* one line, for people */
	struct zj_arr_strv objects; /* "quarantined /x/upcfg.db as ID", "stopped pid 12 (x)" */
};

struct zj_arr_run {
	char *name;
	int64_t started; /* seconds since the epoch */
	int64_t ended;
	size_t n_done, n_failed, n_skipped;
	size_t n_results;
	struct zj_arr_result *results;
};

/*
 * Run every action of rule, in order; an action that fails does not stop the ones after it.
 * Refuses (-EINVAL) a rule that still has ${variables} (zj_arr_expand() it first) and runs
 * without opts->q.  Returns 0 when the run happened (whatever its results), a negative errno
 * when it could not start; *ret is set only on 0.
 */
int zj_arr_exec_run(const struct zj_arr_rule *rule, const struct zj_arr_exec_opts *opts,
		    struct zj_arr_run **ret);
void zj_arr_run_free(struct zj_arr_run *run);

/* The plan of zj_arr_plan_build(), with the objects each action would touch now. */
int zj_arr_exec_plan(const struct zj_arr_rule *rule, const struct zj_arr_exec_opts *opts,
		     struct zj_arr_plan **ret);

/*
 * The run as one JSON object, the event log's "arr" record:
 * {"type":"arr","rule":...,"started":...,"ended":...,"done":N,"failed":N,"skipped":N,
 *  "results":[{"index":0,"action":"File_Delete","status":"done","error":"...","reason":...,
 *              "objects":[...]}]}.  Allocated, NUL-terminated, one line; returns its length or
 * -ENOMEM.
 */
int zj_arr_run_to_json(const struct zj_arr_run *run, char **ret_text);
/* One line per action, as zhijiactl prints it. */
int zj_arr_run_to_text(const struct zj_arr_run *run, char **ret_text);

/*
 * Take zhijia's copy of sector 0 of disk into DIR/var/lib/zhijia/mbr/NAME.mbr (NAME: the
 * disk's file name, "sda"), atomically.  File_repairMbr's "data": "backup" restores it.
 */
int zj_arr_mbr_backup(const char *root, const char *disk);
/*
 * zhijiad at start: a backup of each system disk (those of / and /boot) that has none, or
 * whose backup's partition table (bytes 446-509) is no longer the disk's.  ret_taken (may be
 * NULL): how many were taken.
 */
int zj_arr_mbr_backup_system(const char *root, size_t *ret_taken);

/*
 * zhijiad at start: load zhijia's nftables table as the network instructions last left it
 * (ROOT/var/lib/zhijia/nft/zhijia.nft), so that an isolation or a block outlives a restart.
 * 1 loaded, 0 nothing kept, -ENOENT nft is not installed, or a negative errno.
 */
int zj_arr_net_restore(const char *root);

#endif /* ZHIJIA_ARR_EXEC_H */
