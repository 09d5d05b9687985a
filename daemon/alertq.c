/* SPDX-License-Identifier: GPL-2.0-only */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "alertq.h"
#include "util.h"

/*
 * The ring holds entries at byte positions head..tail (positions only grow; the offset is
 * position % size).  An entry: struct ent, then n field lengths (uint32_t), then the fields'
 * bytes, padded to 8.  An entry never wraps: when it does not fit before the end, a header
 * of len 0 there says "go on at offset 0".
 */
struct ent {
	uint32_t len; /* the whole entry, padding included; 0: wrap to offset 0 */
	uint32_t n;
};

/* A technique+action: its alerts this second, and what is owed a summary. */
struct slot {
	struct zj_coalesced c; /* c.count 0: nothing owed */
	bool used;	       /* c.technique and c.action are set */
	uint64_t window_s;     /* the second window_n counts in */
	uint32_t window_n;     /* alerts queued one by one in it */
	uint64_t last_s;       /* when the last alert was counted into c */
};

struct zj_alertq {
	pthread_mutex_t lock;
	pthread_cond_t more;
	pthread_t thread;
	bool started, stop;
	zj_alertq_send_fn send;
	void *userdata;
	unsigned char *ring;
	size_t size;
	/* guarded by lock */
	uint64_t head, tail;
	uint64_t pushed, done; /* entries */
	struct zj_alertq_stats st;
	/* the producer's own */
	struct slot slots[ZJ_ALERTQ_TECHNIQUES + 1]; /* the last: every other technique */
	bool owing;				     /* some slot has a count to send */
	struct zj_jfields scratch;
};

static int send_journal(const struct iovec *iov, int n, void *userdata)
{
	(void)userdata;
	return sd_journal_sendv(iov, n);
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int zj_alertq_new(size_t bytes, zj_alertq_send_fn send, void *userdata, struct zj_alertq **ret)
{
	struct zj_alertq *q;

	if (bytes < 65536 || bytes % 8 || bytes > (1u << 30))
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->ring = malloc(bytes);
	if (!q->ring) {
		free(q);
		return -ENOMEM;
	}
	q->size = bytes;
	q->send = send ? send : send_journal;
	q->userdata = userdata;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->more, NULL);
	*ret = q;
	return 0;
}

/* Copy j into the ring.  0, or -ENOBUFS when it has no room for it. */
static int enqueue(struct zj_alertq *q, const struct zj_jfields *j)
{
	size_t need = align8(sizeof(struct ent) + j->n * sizeof(uint32_t) + j->used), off, waste;
	struct ent *e;
	uint32_t *lens;
	unsigned char *data;

	pthread_mutex_lock(&q->lock);
	off = (size_t)(q->tail % q->size);
	waste = q->size - off < need ? q->size - off : 0;
	if (q->size - (size_t)(q->tail - q->head) < waste + need) {
		pthread_mutex_unlock(&q->lock);
		return -ENOBUFS;
	}
	if (waste) {
		e = (struct ent *)(q->ring + off);
		e->len = 0;
		e->n = 0;
		q->tail += waste;
		off = 0;
	}
	/* the sender reads only head..tail: these bytes are the producer's until tail moves */
	e = (struct ent *)(q->ring + off);
	e->len = (uint32_t)need;
	e->n = (uint32_t)j->n;
	lens = (uint32_t *)(e + 1);
	data = (unsigned char *)(lens + j->n);
	for (size_t i = 0; i < j->n; i++) {
		lens[i] = (uint32_t)j->iov[i].iov_len;
		memcpy(data, j->iov[i].iov_base, j->iov[i].iov_len);
		data += j->iov[i].iov_len;
	}
	q->tail += need;
	q->pushed++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* Send until the ring is empty and stop is set (with the lock held on entry and exit). */
static void drain_locked(struct zj_alertq *q)
{
	struct iovec iov[ZJ_JFIELDS_MAX];

	for (;;) {
		const struct ent *e;
		const uint32_t *lens;
		const unsigned char *data;
		size_t off;
		uint32_t len, n;
		int r;

		while (q->head == q->tail && !q->stop)
			pthread_cond_wait(&q->more, &q->lock);
		if (q->head == q->tail)
			return;
		off = (size_t)(q->head % q->size);
		e = (const struct ent *)(q->ring + off);
		if (e->len == 0) {
			q->head += q->size - off;
			continue;
		}
		len = e->len;
		n = e->n < ZJ_JFIELDS_MAX ? e->n : ZJ_JFIELDS_MAX;
		lens = (const uint32_t *)(e + 1);
		data = (const unsigned char *)(lens + e->n);
		for (uint32_t i = 0; i < n; i++) {
			iov[i].iov_base = (void *)data;
			iov[i].iov_len = lens[i];
			data += lens[i];
		}
		/* the entry stays the sender's until head moves past it */
		pthread_mutex_unlock(&q->lock);
		r = q->send(iov, (int)n, q->userdata);
		pthread_mutex_lock(&q->lock);
		q->head += len;
		q->done++;
		if (r < 0) {
			q->st.failed++;
			q->st.last_error = r;
		} else
			q->st.sent++;
	}
}

static void *sender(void *arg)
{
	struct zj_alertq *q = arg;

	pthread_mutex_lock(&q->lock);
	drain_locked(q);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int zj_alertq_start(struct zj_alertq *q)
{
	sigset_t all, old;
	int e;

	if (q->started)
		return -EALREADY;
	/* the daemon takes its signals through a signalfd in the main thread */
	sigfillset(&all);
	e = -pthread_sigmask(SIG_SETMASK, &all, &old);
	if (e < 0)
		return e;
	e = -pthread_create(&q->thread, NULL, sender, q);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e < 0)
		return e;
	(void)pthread_setname_np(q->thread, "zj-alerts");
	q->started = true;
	return 0;
}

/*
 * Queue the summaries that are due: with half of the ring free (or force), each owed count
 * whose second is over (at most one summary a second per technique and action).
 */
static size_t flush(struct zj_alertq *q, uint64_t now_s, bool force)
{
	size_t sent = 0;
	bool room;

	if (!q->owing)
		return 0;
	pthread_mutex_lock(&q->lock);
	room = q->size - (size_t)(q->tail - q->head) >= q->size / 2;
	pthread_mutex_unlock(&q->lock);
	if (!room && !force)
		return 0;
	q->owing = false;
	for (size_t i = 0; i < ZJ_ALERTQ_TECHNIQUES + 1; i++) {
		struct slot *s = &q->slots[i];
		uint64_t count = s->c.count;

		if (!count)
			continue;
		if (!force && s->last_s == now_s) {
			q->owing = true; /* its second is not over */
			continue;
		}
		zj_journal_coalesced_fields(&q->scratch, &s->c);
		if (enqueue(q, &q->scratch) < 0) {
			q->owing = true;
			continue;
		}
		s->c.count = 0;
		sent++;
		pthread_mutex_lock(&q->lock);
		q->st.summaries++;
		q->st.owed -= count;
		pthread_mutex_unlock(&q->lock);
	}
	return sent;
}

size_t zj_alertq_flush_coalesced(struct zj_alertq *q, uint64_t now_s)
{
	return flush(q, now_s, false);
}

/*
 * The slot of technique+action: its own, a free one, one idle since before this second, or
 * at worst the last, shared by every technique that found none.
 */
static struct slot *slot_for(struct zj_alertq *q, const char *technique, uint32_t action,
			     uint64_t now_s)
{
	struct slot *spare = NULL;

	for (size_t i = 0; i < ZJ_ALERTQ_TECHNIQUES; i++) {
		struct slot *s = &q->slots[i];

		if (s->used && s->c.action == action && !strcmp(s->c.technique, technique))
			return s;
		if (!spare && (!s->used || (!s->c.count && s->window_s < now_s)))
			spare = s;
	}
	if (!spare)
		return &q->slots[ZJ_ALERTQ_TECHNIQUES]; /* technique "": every other */
	memset(spare, 0, sizeof(*spare));
	spare->used = true;
	snprintf(spare->c.technique, sizeof(spare->c.technique), "%s", technique);
	spare->c.action = action;
	spare->window_s = now_s;
	return spare;
}

/* Count the alert into slot s's summary. */
static void coalesce(struct zj_alertq *q, struct slot *s, const struct zj_event *ev,
		     const struct zj_finding *f, const struct zj_decision *d,
		     const char *policy_hash, uint64_t now_s)
{
	struct zj_coalesced *c = &s->c;

	if (!c->count) {
		c->first_seq = ev->seq;
		c->severity = f->severity;
		if (s == &q->slots[ZJ_ALERTQ_TECHNIQUES])
			c->action = d->action;
	}
	if (f->severity > c->severity)
		c->severity = f->severity;
	if (d->action > c->action)
		c->action = d->action; /* the shared slot: the strongest */
	c->count++;
	c->last_seq = ev->seq;
	c->last_pid = ev->actor.pid;
	memcpy(c->last_comm, ev->actor.comm, sizeof(c->last_comm));
	c->last_comm[sizeof(c->last_comm) - 1] = '\0';
	/* in a storm nearly every alert is counted here: no snprintf() */
	zj_strcpy_cut(c->policy_hash, sizeof(c->policy_hash), policy_hash);
	s->last_s = now_s;
	q->owing = true;
	pthread_mutex_lock(&q->lock);
	q->st.coalesced++;
	q->st.owed++;
	pthread_mutex_unlock(&q->lock);
}

int zj_alertq_push(struct zj_alertq *q, const struct zj_event *ev, const struct zj_finding *f,
		   const struct zj_decision *d, const char *policy_hash, uint64_t now_s)
{
	struct slot *s = slot_for(q, f->technique, d->action, now_s);
	bool shared = s == &q->slots[ZJ_ALERTQ_TECHNIQUES];

	/* once its alerts are being counted, they are until their summary is out: in order */
	if (s->c.count) {
		(void)flush(q, now_s, false);
		if (s->c.count) {
			coalesce(q, s, ev, f, d, policy_hash, now_s);
			return 1;
		}
	}
	if (!shared) {
		if (s->window_s != now_s) {
			s->window_s = now_s;
			s->window_n = 0;
		}
		if (s->window_n >= ZJ_ALERTQ_BURST) {
			coalesce(q, s, ev, f, d, policy_hash, now_s);
			return 1;
		}
	}
	zj_journal_alert_fields(&q->scratch, ev, f, d, NULL, policy_hash);
	if (enqueue(q, &q->scratch) < 0) {
		coalesce(q, s, ev, f, d, policy_hash, now_s);
		return 1;
	}
	s->window_n++;
	pthread_mutex_lock(&q->lock);
	q->st.queued++;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void zj_alertq_stats(struct zj_alertq *q, struct zj_alertq_stats *ret)
{
	pthread_mutex_lock(&q->lock);
	*ret = q->st;
	ret->pending = q->pushed - q->done;
	pthread_mutex_unlock(&q->lock);
}

uint64_t zj_alertq_free(struct zj_alertq *q, unsigned timeout_ms, struct zj_alertq_stats *ret_stats)
{
	struct zj_alertq_stats dummy;
	struct timespec deadline;
	uint64_t left;

	if (!ret_stats)
		ret_stats = &dummy;
	memset(ret_stats, 0, sizeof(*ret_stats));
	if (!q)
		return 0;
	(void)flush(q, 0, true);
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->more);
	if (!q->started)
		drain_locked(q);
	pthread_mutex_unlock(&q->lock);
	if (q->started) {
		(void)clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(q->thread, NULL, &deadline) != 0) {
			/* stuck in journald: the thread keeps the queue until the process exits */
			zj_alertq_stats(q, ret_stats);
			return ret_stats->pending;
		}
	}
	/* summaries the full ring had no room for: the ring is empty now */
	if (flush(q, 0, true)) {
		pthread_mutex_lock(&q->lock);
		drain_locked(q);
		pthread_mutex_unlock(&q->lock);
	}
	zj_alertq_stats(q, ret_stats);
	left = ret_stats->pending;
	for (size_t i = 0; i < ZJ_ALERTQ_TECHNIQUES + 1; i++)
		left += q->slots[i].c.count ? 1 : 0;
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
	return left;
}
