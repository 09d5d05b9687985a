/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Automatic disposal: a rule bound to an ATT&CK sub-technique runs for each finding of it that
 * the policy alerts on or blocks, with the finding's values in its ${variables}.
 *
 * The binding is a file: /etc/zhijia/arr.d/TECHNIQUE.json ("T1055.008.json" binds to that
 * sub-technique).  The rules are read and validated when zhijiad starts and on SIGHUP; a rule
 * that is not valid is reported and not bound.  (The policy file itself has no place for
 * bindings yet; this directory is that place until it has.)
 *
 * zhijiad runs each disposal in a child process, at most ZJ_ARR_DISPOSE_MAX at a time and at
 * most one per technique per second (more are dropped and counted): the event path never
 * waits, and a storm of findings cannot become a storm of processes.  Findings whose actor is
 * zhijiad or one of its disposal children (or their children) are never disposed of, so that
 * a rule cannot feed on what it does itself.
 */
#ifndef ZHIJIA_ARR_DISPOSE_H
#define ZHIJIA_ARR_DISPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "zhijia/detect.h"
#include "zhijia/event.h"
#include "arr-exec.h"

#define ZJ_ARR_BIND_DIR "/etc/zhijia/arr.d"
#define ZJ_ARR_DISPOSE_MAX 4

struct zj_arr_bindings;

/*
 * Read every TECHNIQUE.json of dir.  Rules that do not parse are left out, and each is
 * reported through warn (may be NULL) with its error.  A missing dir gives no bindings.
 */
typedef void (*zj_arr_warn_fn)(void *userdata, const char *file, const char *error);
int zj_arr_bindings_load(const char *dir, zj_arr_warn_fn warn, void *userdata,
			 struct zj_arr_bindings **ret);
void zj_arr_bindings_free(struct zj_arr_bindings *b);
size_t zj_arr_bindings_count(const struct zj_arr_bindings *b);
/* The rule bound to technique, or NULL. */
const struct zj_arr_rule *zj_arr_bindings_find(const struct zj_arr_bindings *b,
					       const char *technique);

/*
 * Run rule for finding f of event ev, here: its variables expanded with the finding's values
 * (an expansion error is a refused run), the run appended to event_log with "source":
 * "finding", "technique" and "event" (the event's seq).  0 or a negative errno.
 */
int zj_arr_dispose_run(const struct zj_arr_rule *rule, const struct zj_event *ev,
		       const struct zj_finding *f, const struct zj_arr_exec_opts *opts,
		       const char *event_log);

/* zhijiad's side: children in flight and the rate limit. */
struct zj_arr_disposer {
	pid_t pids[ZJ_ARR_DISPOSE_MAX];
	char last_technique[ZJ_ARR_DISPOSE_MAX * 4][16];
	int64_t last_sec[ZJ_ARR_DISPOSE_MAX * 4];
	uint64_t started, dropped;
};

/* Should this finding be disposed of now?  Takes a slot if so (the caller forks). */
bool zj_arr_disposer_admit(struct zj_arr_disposer *d, const struct zj_event *ev,
			   const char *technique, int64_t now_sec, size_t *ret_slot);
/* Reap finished children (WNOHANG). */
void zj_arr_disposer_reap(struct zj_arr_disposer *d);

#endif /* ZHIJIA_ARR_DISPOSE_H */
