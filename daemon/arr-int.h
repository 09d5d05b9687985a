/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the Linux back end of ARR (arr-exec.h): one struct arr_x per action being run or
 * planned, the helpers every instruction uses, and one handler per instruction family:
 *   arr-exec.c    the loop, results, files, File_repairMbr
 *   arr-search.c  search scopes (mounts, local file systems, the walk)
 *   arr-proc.c    processes, scripts, and spawning programs
 *   arr-task.c    cron entries and systemd timers
 *   arr-other.c   nftables, USB devices, markers, the quick scan
 * A handler acts (x->dry false) or only records what it would touch (x->dry true).  It calls
 * arx_ok() for each object acted on and arx_bad() for each it failed on; the loop turns the
 * counts into done / failed / skipped.  It returns a negative errno only when the action as a
 * whole could not run (and sets the reason with arx_reason()).
 */
#ifndef ZHIJIA_ARR_INT_H
#define ZHIJIA_ARR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "arr-exec.h"

#define ARR_OUTPUT_MAX (64u << 10) /* bytes of a script's output kept */

struct arr_x {
	const struct zj_arr_rule *rule;
	const struct zj_arr_action *a;
	size_t index;
	const struct zj_arr_exec_opts *o;
	const char *root; /* "" for the host, else the root without a trailing '/' */
	bool dry;
	struct zj_arr_plan *plan;   /* dry */
	struct zj_arr_result *res;  /* run */
	size_t n_ok, n_bad, n_seen; /* objects acted on, failed on, looked at */
	int error;		    /* first failure */
	char reason[512];
	char first_bad[512]; /* what the first arx_bad() said */
};

#define ARR_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Record an object: acted on (or, dry, would be). */
void arx_ok(struct arr_x *x, const char *fmt, ...) ARR_PRINTF(2, 3);
/* Record a failure on one object; error is a negative errno. */
void arx_bad(struct arr_x *x, int error, const char *fmt, ...) ARR_PRINTF(3, 4);
/* Record an object looked at and left alone (no counts change but n_seen). */
void arx_note(struct arr_x *x, const char *fmt, ...) ARR_PRINTF(2, 3);
/* The action's one-line reason (the last call wins). */
void arx_reason(struct arr_x *x, const char *fmt, ...) ARR_PRINTF(2, 3);
/* The reason and an error: returns error, for `return arx_fail(x, r, "...")`. */
int arx_fail(struct arr_x *x, int error, const char *fmt, ...) ARR_PRINTF(3, 4);

/* root + abs (abs starts with '/'): -ENAMETOOLONG. */
int arx_rooted(const struct arr_x *x, const char *abs, char *buf, size_t len);
/*
 * May this path be changed?  0 yes; -EPERM a system-critical path (the rule lacks "force"),
 * checked on the path as written, on its parent resolved (realpath) plus its name, and, with
 * follow, on the whole path resolved.  ret_real (PATH_MAX, may be NULL) gets the resolved path
 * (parent resolved plus name when !follow or it does not exist).
 */
int arx_guard(struct arr_x *x, const char *path, bool follow, char *ret_real);
/* Keep path in quarantine (and unlink it with remove); ret_id ZJ_QUARANTINE_ID_MAX bytes. */
int arx_keep(struct arr_x *x, const char *path, bool remove, char *ret_id);

/* Files: read whole (at most max bytes, else -EFBIG), NUL-terminated; write atomically. */
int arx_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
int arx_write_atomic(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
		     gid_t gid);
int arx_mkdir_p(const char *path, mode_t mode);
/* "user", "user:group", ":group" (names or numbers); absent parts are (uid_t)-1. */
int arx_parse_owner(const char *owner, uid_t *ret_uid, gid_t *ret_gid);
int arx_lookup_user(const char *user, uid_t *ret_uid, gid_t *ret_gid);
/* Is systemd PID 1 (and the root the host's)? */
bool arx_systemd_running(const struct arr_x *x);

/*
 * Run argv[0] (an absolute path) with envp, standard input from `in` (NULL: /dev/null), in
 * its own process group and session, in "/", as uid/gid (-1: unchanged).  With timeout > 0,
 * wait for it (killing its process group after timeout seconds: -ETIME) and return its wait
 * status and up to ARR_OUTPUT_MAX bytes of stdout+stderr (NUL-terminated, may be NULL);
 * with timeout 0, do not wait (it is reparented by a double fork) and return its pid.
 */
int arx_spawn(char *const argv[], char *const envp[], const char *in, size_t in_len, uid_t uid,
	      gid_t gid, uint32_t timeout, int *ret_status, char **ret_out, pid_t *ret_pid);

/* Search: fn is called for every entry (not followed) whose name is in names (all with
 * names NULL) in the scope of cond.  fn returns < 0 to stop. */
typedef int (*arx_found_fn)(struct arr_x *x, const char *path, const struct stat *st, void *ud);
int arx_search(struct arr_x *x, const struct zj_arr_cond *cond, const struct zj_arr_strv *names,
	       arx_found_fn fn, void *ud);
/* "sda" for a block device major:minor (the disk, not the partition); -ENOENT. */
int arx_disk_of(unsigned major, unsigned minor, char *ret, size_t len);

int arx_do_proc(struct arr_x *x);   /* Proc_Modify, Proc_Terminate, Proc_Module_Threads */
int arx_do_proc_create(struct arr_x *x);
int arx_do_script(struct arr_x *x); /* Script_Shell, Script_File */
int arx_do_task(struct arr_x *x);   /* Task_* */
int arx_do_net(struct arr_x *x);    /* Other_NetOff, Other_Disabled_Port, Other_Disabled_Ip */
int arx_do_device(struct arr_x *x);
int arx_do_mutex(struct arr_x *x);
int arx_do_quickscan(struct arr_x *x);

#endif /* ZHIJIA_ARR_INT_H */
