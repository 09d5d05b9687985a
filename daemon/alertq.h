/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The alert queue: journald gets alerts from a thread of their own, so that the consumer of
 * the ring buffer never waits on journald.
 *
 * journald takes some tens of thousands of entries a second; a flood of alerts (a storm of
 * cron files, an attacker hiding one operation among 100k) made zhijiad block in sendmsg()
 * to journald's socket while the kernel dropped records -- the events themselves, not only
 * their alerts.  Now zhijiad puts each alert into a bounded byte ring (ZJ_ALERTQ_BYTES) and
 * goes on; the sender thread sends them in order.  Past ZJ_ALERTQ_BURST alerts of one
 * technique and action in a second, or when the ring is full, an alert is counted instead
 * (zj_coalesced) and, in a later second with half of the ring free, one summary entry per
 * technique and action says how many, which events, and the last actor: journald's own load
 * stays bounded in a storm (its per-service rate limit, which drops silently, is off for
 * zhijia.service), and one flood does not bury the alerts of other techniques.  Nothing is
 * silent: every event and finding is in the event log either way, and the counters (queued,
 * sent, failed, coalesced, pending) are in `zhijiactl status`, the metrics and the stop line.
 *
 * One producer (zhijiad's main thread) and one sender thread.  The sender starts with
 * zj_alertq_start(), after the capability drop (capabilities are per thread); alerts pushed
 * before wait for it.
 */
#ifndef ZHIJIA_ALERTQ_H
#define ZHIJIA_ALERTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "journal.h"

#define ZJ_ALERTQ_BYTES (2u << 20)
#define ZJ_ALERTQ_TECHNIQUES 32 /* coalesced per technique+action; past that, in one "other" */
#define ZJ_ALERTQ_BURST 1000	/* alerts a second sent one by one, per technique+action */

struct zj_alertq;

/* How an entry leaves: sd_journal_sendv() in zhijiad; 0 or a negative errno. */
typedef int (*zj_alertq_send_fn)(const struct iovec *iov, int n, void *userdata);

struct zj_alertq_stats {
	uint64_t queued;    /* alerts put into the ring */
	uint64_t sent;	    /* entries journald took (alerts and summaries) */
	uint64_t failed;    /* entries journald refused (the last errno in last_error) */
	uint64_t coalesced; /* alerts counted into a summary instead of queued */
	uint64_t summaries; /* summary entries queued */
	uint64_t owed;	    /* coalesced alerts whose summary is not queued yet */
	uint64_t pending;   /* entries queued and not yet sent, the one being sent included */
	int last_error;
};

/*
 * A queue of `bytes` (a multiple of 8, at least 64 KiB) sending with send(iov, n, userdata);
 * send NULL: sd_journal_sendv().  The sender does not run before zj_alertq_start().
 */
int zj_alertq_new(size_t bytes, zj_alertq_send_fn send, void *userdata, struct zj_alertq **ret);

/* Start the sender thread (all signals blocked in it).  0 or a negative errno. */
int zj_alertq_start(struct zj_alertq *q);

/*
 * Queue the alert of finding f of event ev decided as d at now_s (a monotonic second); never
 * waits for the sender.  0 when queued, 1 when it was counted into its technique's summary.
 */
int zj_alertq_push(struct zj_alertq *q, const struct zj_event *ev, const struct zj_finding *f,
		   const struct zj_decision *d, const char *policy_hash, uint64_t now_s);

/*
 * Queue the summaries that are due at now_s: counts from earlier seconds, when half of the
 * ring is free.  Called by push and each second by zhijiad.  The number queued.
 */
size_t zj_alertq_flush_coalesced(struct zj_alertq *q, uint64_t now_s);

void zj_alertq_stats(struct zj_alertq *q, struct zj_alertq_stats *ret);

/*
 * Stop: queue the summaries still owed, let the sender send what is queued for up to
 * timeout_ms, then free.  The final counters into *ret_stats (may be NULL; zeroed for a NULL
 * q); returns how many entries were left unsent (the sender, when it is still stuck in
 * journald, is left to the process's exit, with the queue).  A queue never started is sent
 * from the calling thread.
 */
uint64_t zj_alertq_free(struct zj_alertq *q, unsigned timeout_ms,
			struct zj_alertq_stats *ret_stats);

#endif /* ZHIJIA_ALERTQ_H */
