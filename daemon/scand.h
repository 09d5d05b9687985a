/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File verdicts inside zhijiad: what to scan, and what to do with a verdict.
 *
 * From events: every exec (the executable, and the script when an interpreter runs one), and
 * every file created, written, renamed, linked or chmod'ed under a watched persistence path --
 * debounced, because the create event comes before the content -- and, once that file's
 * verdict is in, the programs it schedules (sched.h).  Scans run on the pool's threads
 * (scan.h); zhijiad polls zj_scand_fd() in its epoll loop and calls zj_scand_drain(), so the
 * event path only queues.
 *
 * A verdict becomes one "verdict" line in the event log (its own seq, and the seq of the event
 * it answers), and for a match a journald entry.  A match is black unless its SHA-256 is on the
 * allow-list (scan.h: recorded only).  Black executable: the process that exec'd it is
 * SIGKILLed if it is still that process (pid, start time and executable checked through a
 * pidfd), and the black_binary hook gets its (dev, ino) for the kernel's exec deny map.  Black
 * persistence file, or a persistence file that schedules a black program: quarantined when the
 * policy of its sub-technique is block, alerted otherwise.
 *
 * The verdict line (event.h's envelope, type "verdict"):
 *   {"v":1,"seq":N,"time":"...","type":"verdict",
 *    "verdict":{"event_seq":N,"origin":"exec|file|scheduled","path":"...",
 *               ["scheduled_by":"..." (origin scheduled)], "state":"clean|match|error|timeout|
 *               too_big", "rules":["file:rule",...], "tags":["tag",...], "sha256":"...",
 *               "size":N, "cached":bool, "allowed":bool, "action":"...",
 *               ["pid":N (exec)], ["technique":"T1053.003" (persistence)],
 *               ["quarantine_id":"..."], ["error":"..."]}}
 *   action: "none" (clean, error), "recorded" (allowed match), "killed", "not_killed: <why>",
 *   "quarantined", "quarantine_failed: <why>", "alerted".
 */
#ifndef ZHIJIA_SCAND_H
#define ZHIJIA_SCAND_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "zhijia/event.h"
#include "zhijia/policy.h"
#include "eventlog.h"
#include "watch.h"

#define ZJ_SCAND_WORKERS 2
#define ZJ_SCAND_QUEUE 1024
#define ZJ_SCAND_TIMEOUT_S 10
#define ZJ_SCAND_DEBOUNCE_USEC (300 * 1000) /* quiet time after a persistence file's write */

struct zj_scand;

/* (dev, ino) of a black executable: st_dev as stat(2) gives it (zj_kdev() makes the kernel's). */
typedef void (*zj_black_binary_fn)(void *userdata, uint64_t dev, uint64_t ino, const char *sha256);

struct zj_scand_opts {
	const char *rules_dir;
	const char *quarantine_dir;
	unsigned workers;
	size_t queue_max;
	int timeout_s;
	struct zj_eventlog *log;
	uint64_t *seq; /* the decoder's sequence: a verdict line takes the next number */
	struct zj_policy *const *policy; /* the daemon's live policy (replaced on reload) */
	struct zj_watch *const *watch;	 /* the live watch list */
	zj_black_binary_fn black_binary; /* may be NULL */
	void *userdata;
};

/*
 * Compile the rules and make the pool, its workers not started: events may be queued at once
 * and wait for zj_scand_start().  A rule error: -EINVAL, "FILE:LINE: ..." in err.
 */
int zj_scand_new(const struct zj_scand_opts *o, struct zj_scand **ret, char *err, size_t errlen);
/*
 * Start the scan workers (zj_scanpool_start()): in zhijiad after the capability drop, so that
 * no thread keeps what the main thread dropped.  0 or a negative errno.
 */
int zj_scand_start(struct zj_scand *s);
/* Started or not. */
void zj_scand_free(struct zj_scand *s);

/*
 * Compile the rules directory and read its allow-list again; on any error both stay as they
 * were and err says why (FILE:LINE for a rule).  0 or a negative errno.
 */
int zj_scand_reload(struct zj_scand *s, char *err, size_t errlen);
size_t zj_scand_rules(const struct zj_scand *s);
size_t zj_scand_allowed(const struct zj_scand *s);

/* Readable when verdicts wait: then call zj_scand_drain(). */
int zj_scand_fd(const struct zj_scand *s);
int zj_scand_drain(struct zj_scand *s);

/* An event was logged: queue what it names (never blocks). */
void zj_scand_event(struct zj_scand *s, const struct zj_event *ev);
/* From the daemon's timer: queue the persistence files that have been quiet long enough. */
void zj_scand_tick(struct zj_scand *s, uint64_t now_usec);

/*
 * SIGKILL process pid if it is still the one that started at start_ns (boot-time ns, compared
 * in clock ticks of tick_ns as /proc shows them) and still runs that program: the file (dev,
 * ino) when exe is NULL, else the executable path exe (a script's interpreter).  A pidfd is
 * opened first, then /proc is checked, then the signal goes through the pidfd: a pid reused
 * at any point fails the check or the signal.  0 killed; -ESRCH gone; -ESTALE another process
 * or another program now; -EPERM for PID 1, zhijiad itself, or nothing to check against.
 */
int zj_proc_kill_if_same(uint32_t pid, uint64_t start_ns, uint64_t tick_ns, uint64_t dev,
			 uint64_t ino, const char *exe);

/* "scan" of `zhijiactl status`. */
json_object *zj_scand_status(struct zj_scand *s);

#endif /* ZHIJIA_SCAND_H */
