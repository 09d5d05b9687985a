/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The alert queue (daemon/alertq.c): alerts leave in order through the sender thread; when
 * the sender is held up (here: a send function that waits at a gate, as sendmsg() waits on a
 * journald that does not read), pushing never waits, the ring fills, further alerts are
 * counted per technique and action, and once the ring has room one summary per technique
 * covers exactly the events that were not sent one by one.  (The integration test
 * check_policy_live does the same with a stopped journald.)
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../daemon/alertq.h"

#define MAX_SEEN 20000

/* What the send function saw: each entry's fields joined by '\n'. */
struct sink {
	pthread_mutex_t lock;
	pthread_cond_t open_cv;
	bool open;
	size_t n;
	char *entries[MAX_SEEN];
	int fail; /* return this instead of 0 */
};

static int sink_send(const struct iovec *iov, int n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = 0, off = 0;
	char *e;

	pthread_mutex_lock(&s->lock);
	while (!s->open)
		pthread_cond_wait(&s->open_cv, &s->lock);
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len + 1;
	e = malloc(len + 1);
	ck_assert_ptr_nonnull(e);
	for (int i = 0; i < n; i++) {
		memcpy(e + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
		e[off++] = '\n';
	}
	e[off] = '\0';
	pthread_mutex_lock(&s->lock);
	ck_assert_uint_lt(s->n, MAX_SEEN);
	s->entries[s->n++] = e;
	pthread_mutex_unlock(&s->lock);
	return s->fail;
}

static void sink_init(struct sink *s, bool open)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->open_cv, NULL);
	s->open = open;
}

static void sink_open(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	s->open = true;
	pthread_cond_broadcast(&s->open_cv);
	pthread_mutex_unlock(&s->lock);
}

static void sink_free(struct sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->entries[i]);
	pthread_cond_destroy(&s->open_cv);
	pthread_mutex_destroy(&s->lock);
}

/* The value of FIELD in entry e ("" when absent), into buf. */
static const char *field(const char *e, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);
	const char *p = e;

	while (*p) {
		const char *end = strchr(p, '\n');

		if (!end)
			break;
		if ((size_t)(end - p) > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			snprintf(buf, len, "%.*s", (int)(end - p - (ptrdiff_t)nl - 1), p + nl + 1);
			return buf;
		}
		p = end + 1;
	}
	buf[0] = '\0';
	return buf;
}

static unsigned long long field_u(const char *e, const char *name)
{
	char b[64];

	return strtoull(field(e, name, b, sizeof(b)), NULL, 10);
}

/* An alert of technique for event seq, by pid 4242 "attacker", with a cmdline of cmdlen bytes. */
struct alert {
	struct zj_event ev;
	struct zj_finding f;
	struct zj_decision d;
	char cmd[4096];
};

static void alert(struct alert *a, const char *technique, uint64_t seq, size_t cmdlen)
{
	memset(a, 0, sizeof(*a));
	a->ev.type = ZJ_EV_FILE;
	a->ev.seq = seq;
	a->ev.actor.pid = 4242;
	snprintf(a->ev.actor.comm, sizeof(a->ev.actor.comm), "attacker");
	memset(a->cmd, 'x', sizeof(a->cmd));
	a->ev.actor.cmdline.ptr = a->cmd;
	a->ev.actor.cmdline.len = cmdlen < sizeof(a->cmd) ? cmdlen : sizeof(a->cmd);
	snprintf(a->f.technique, sizeof(a->f.technique), "%s", technique);
	a->f.severity = ZJ_SEV_HIGH;
	snprintf(a->f.reason, sizeof(a->f.reason), "a file in /etc/cron.d");
	a->d.action = ZJ_ACTION_ALERT;
	a->d.configured = ZJ_ACTION_ALERT;
}

static void wait_pending(struct zj_alertq *q, uint64_t want)
{
	struct zj_alertq_stats st;
	struct timespec ts = {0, 1000000};

	for (int i = 0; i < 10000; i++) {
		zj_alertq_stats(q, &st);
		if (st.pending == want)
			return;
		nanosleep(&ts, NULL);
	}
	ck_abort_msg("alert queue: %llu pending after 10 s, want %llu",
		     (unsigned long long)st.pending, (unsigned long long)want);
}

/* A sender that keeps up: every alert, in order, with its fields. */
START_TEST(test_in_order)
{
	struct zj_alertq *q;
	struct zj_alertq_stats st;
	struct sink s;
	struct alert a;
	char b[256];

	sink_init(&s, true);
	ck_assert_int_eq(zj_alertq_new(ZJ_ALERTQ_BYTES, sink_send, &s, &q), 0);
	ck_assert_int_eq(zj_alertq_start(q), 0);
	ck_assert_int_eq(zj_alertq_start(q), -EALREADY);
	for (uint64_t i = 1; i <= 1000; i++) {
		alert(&a, "T1053.003", i, 100);
		ck_assert_int_eq(zj_alertq_push(q, &a.ev, &a.f, &a.d, "hash1", 1), 0);
	}
	wait_pending(q, 0);
	ck_assert_uint_eq(zj_alertq_free(q, 3000, &st), 0);
	ck_assert_uint_eq(st.queued, 1000);
	ck_assert_uint_eq(st.sent, 1000);
	ck_assert_uint_eq(st.coalesced, 0);
	ck_assert_uint_eq(st.failed, 0);
	ck_assert_uint_eq(s.n, 1000);
	for (size_t i = 0; i < s.n; i++) {
		ck_assert_uint_eq(field_u(s.entries[i], "ZHIJIA_EVENT_SEQ"), i + 1);
		ck_assert_str_eq(field(s.entries[i], "ZHIJIA_TECHNIQUE", b, sizeof(b)),
				 "T1053.003");
		ck_assert_str_eq(field(s.entries[i], "ZHIJIA_POLICY_HASH", b, sizeof(b)), "hash1");
		ck_assert_str_eq(field(s.entries[i], "ZHIJIA_ACTOR_COMM", b, sizeof(b)),
				 "attacker");
		ck_assert_uint_eq(strlen(field(s.entries[i], "ZHIJIA_ACTOR_CMDLINE", b, sizeof(b))),
				  100);
	}
	sink_free(&s);
}
END_TEST

/*
 * journald stalls: pushes never wait, the ring fills, the rest is counted; when it drains,
 * summaries say which events; every alert is either sent alone or in exactly one summary.
 */
START_TEST(test_stall_coalesces)
{
	static const char *const tech[] = {"T1053.003", "T1543.002"};
	static uint8_t covered[MAX_SEEN + 1];
	struct zj_alertq *q;
	struct zj_alertq_stats st;
	struct sink s;
	struct alert a;
	uint64_t n = 6000, alone = 0, in_summaries = 0, summaries = 0;
	int r, coalesced_from = 0;
	char b[512];

	memset(covered, 0, sizeof(covered));
	sink_init(&s, false);
	ck_assert_int_eq(zj_alertq_new(65536 * 4, sink_send, &s, &q), 0);
	ck_assert_int_eq(zj_alertq_start(q), 0);
	for (uint64_t i = 1; i <= n; i++) {
		alert(&a, tech[i % 2], i, 500);
		/* the sender is stuck: this returns at once either way */
		r = zj_alertq_push(q, &a.ev, &a.f, &a.d, "hash2", 1);
		ck_assert_int_ge(r, 0);
		if (r == 1 && !coalesced_from)
			coalesced_from = (int)i;
		/* once counting began, every later alert is counted until the summaries are out */
		if (coalesced_from)
			ck_assert_int_eq(r, 1);
	}
	ck_assert_int_gt(coalesced_from, 100);
	zj_alertq_stats(q, &st);
	ck_assert_uint_eq(st.queued + st.coalesced, n);
	ck_assert_uint_eq(st.coalesced, n - (uint64_t)coalesced_from + 1);
	ck_assert_uint_eq(st.summaries, 0);
	ck_assert_uint_eq(st.owed, st.coalesced);
	/* the ring is full: no summary fits yet */
	ck_assert_uint_eq(zj_alertq_flush_coalesced(q, 2), 0);

	sink_open(&s);
	wait_pending(q, 0);
	/* room now, but the second they were counted in is not over */
	ck_assert_uint_eq(zj_alertq_flush_coalesced(q, 1), 0);
	ck_assert_uint_eq(zj_alertq_flush_coalesced(q, 2), 2);
	zj_alertq_stats(q, &st);
	ck_assert_uint_eq(st.owed, 0);
	wait_pending(q, 0);
	/* after the summaries, alerts go one by one again */
	alert(&a, tech[0], n + 1, 10);
	ck_assert_int_eq(zj_alertq_push(q, &a.ev, &a.f, &a.d, "hash2", 2), 0);
	ck_assert_uint_eq(zj_alertq_free(q, 3000, &st), 0);
	ck_assert_uint_eq(st.summaries, 2);
	ck_assert_uint_eq(st.sent, st.queued + st.summaries);
	ck_assert_uint_eq(s.n, st.sent);

	for (size_t i = 0; i < s.n; i++) {
		const char *e = s.entries[i];
		uint64_t c = field_u(e, "ZHIJIA_COALESCED");

		if (!c) {
			uint64_t seq = field_u(e, "ZHIJIA_EVENT_SEQ");

			ck_assert_uint_le(seq, n + 1);
			ck_assert_uint_eq(covered[seq], 0);
			covered[seq] = 1;
			alone++;
			continue;
		}
		/* a summary: its technique's alerts from first to last, all not sent alone */
		uint64_t first = field_u(e, "ZHIJIA_FIRST_EVENT_SEQ");
		uint64_t last = field_u(e, "ZHIJIA_LAST_EVENT_SEQ");
		const char *t = field(e, "ZHIJIA_TECHNIQUE", b, sizeof(b));
		uint64_t k = 0;

		summaries++;
		ck_assert(!strcmp(t, tech[0]) || !strcmp(t, tech[1]));
		for (uint64_t seq = first; seq <= last; seq++) {
			if (strcmp(tech[seq % 2], t))
				continue;
			ck_assert_uint_eq(covered[seq], 0);
			covered[seq] = 1;
			k++;
		}
		ck_assert_uint_eq(k, c);
		in_summaries += c;
		ck_assert_str_eq(field(e, "ZHIJIA_ACTION", b, sizeof(b)), "alert");
		ck_assert_str_eq(field(e, "ZHIJIA_ACTOR_COMM", b, sizeof(b)), "attacker");
		ck_assert_str_eq(field(e, "ZHIJIA_POLICY_HASH", b, sizeof(b)), "hash2");
		ck_assert_str_eq(field(e, "PRIORITY", b, sizeof(b)), "3");
		ck_assert_uint_eq(strlen(field(e, "MESSAGE_ID", b, sizeof(b))), 32);
		ck_assert_ptr_nonnull(
			strstr(field(e, "MESSAGE", b, sizeof(b)), "not sent one by one"));
	}
	ck_assert_uint_eq(summaries, 2);
	ck_assert_uint_eq(alone + in_summaries, n + 1);
	for (uint64_t seq = 1; seq <= n + 1; seq++)
		ck_assert_msg(covered[seq], "event %llu neither alerted nor in a summary",
			      (unsigned long long)seq);
	sink_free(&s);
}
END_TEST

/* More techniques than the table keeps apart: the rest in one "further techniques" summary. */
START_TEST(test_other_techniques)
{
	struct zj_alertq *q;
	struct zj_alertq_stats st;
	struct sink s;
	struct alert a;
	uint64_t seq = 0, total = 0;
	char t[16], b[512];
	bool other = false;

	sink_init(&s, false);
	ck_assert_int_eq(zj_alertq_new(65536, sink_send, &s, &q), 0);
	ck_assert_int_eq(zj_alertq_start(q), 0);
	/* fill the ring with alerts of the size of those that follow (no catalog names) */
	do {
		alert(&a, "T9999.999", ++seq, 10);
	} while (zj_alertq_push(q, &a.ev, &a.f, &a.d, "h", 1) == 0);
	for (int i = 0; i < ZJ_ALERTQ_TECHNIQUES + 5; i++) {
		snprintf(t, sizeof(t), "T9%03d.001", i % 1000);
		alert(&a, t, ++seq, 10);
		ck_assert_int_eq(zj_alertq_push(q, &a.ev, &a.f, &a.d, "h", 1), 1);
	}
	sink_open(&s);
	wait_pending(q, 0);
	ck_assert_uint_eq(zj_alertq_flush_coalesced(q, 2), ZJ_ALERTQ_TECHNIQUES + 1);
	ck_assert_uint_eq(zj_alertq_free(q, 3000, &st), 0);
	for (size_t i = 0; i < s.n; i++) {
		uint64_t c = field_u(s.entries[i], "ZHIJIA_COALESCED");

		total += c ? c : 1;
		if (c && !field(s.entries[i], "ZHIJIA_TECHNIQUE", b, sizeof(b))[0]) {
			/* T9999.999 (the one that filled it) and 31 T9xxx had slots; 6 did not */
			ck_assert_uint_eq(c, 6);
			ck_assert_ptr_nonnull(strstr(field(s.entries[i], "MESSAGE", b, sizeof(b)),
						     "further techniques"));
			other = true;
		}
	}
	ck_assert(other);
	ck_assert_uint_eq(total, seq);
	sink_free(&s);
}
END_TEST

/*
 * A storm of one technique with journald keeping up: ZJ_ALERTQ_BURST a second go one by one,
 * the rest of the second in one summary the next second; another technique is not touched.
 */
START_TEST(test_burst)
{
	struct zj_alertq *q;
	struct zj_alertq_stats st;
	struct sink s;
	struct alert a;
	uint64_t seq = 0, first = 0, last = 0;
	size_t summaries = 0, alone_other = 0;
	char b[512];

	sink_init(&s, true);
	ck_assert_int_eq(zj_alertq_new(ZJ_ALERTQ_BYTES, sink_send, &s, &q), 0);
	ck_assert_int_eq(zj_alertq_start(q), 0);
	for (int i = 0; i < ZJ_ALERTQ_BURST + 1500; i++) {
		alert(&a, "T1055.009", ++seq, 10);
		/* the sender keeps up: the ring never fills, only the burst counts */
		wait_pending(q, 0);
		int r = zj_alertq_push(q, &a.ev, &a.f, &a.d, "h", 10);
		ck_assert_int_eq(r, i < ZJ_ALERTQ_BURST ? 0 : 1);
		if (r == 1) {
			first = first ? first : seq;
			last = seq;
		}
		if (i % 250 == 0) {
			alert(&a, "T1053.003", ++seq, 10);
			ck_assert_int_eq(zj_alertq_push(q, &a.ev, &a.f, &a.d, "h", 10), 0);
		}
	}
	/* due once its second is over */
	ck_assert_uint_eq(zj_alertq_flush_coalesced(q, 10), 0);
	ck_assert_uint_eq(zj_alertq_flush_coalesced(q, 11), 1);
	alert(&a, "T1055.009", ++seq, 10);
	ck_assert_int_eq(zj_alertq_push(q, &a.ev, &a.f, &a.d, "h", 11), 0);
	wait_pending(q, 0);
	ck_assert_uint_eq(zj_alertq_free(q, 3000, &st), 0);
	ck_assert_uint_eq(st.queued, ZJ_ALERTQ_BURST + 1 + 10);
	ck_assert_uint_eq(st.coalesced, 1500);
	ck_assert_uint_eq(st.summaries, 1);
	ck_assert_uint_eq(st.owed, 0);
	for (size_t i = 0; i < s.n; i++) {
		const char *e = s.entries[i];

		if (field_u(e, "ZHIJIA_COALESCED")) {
			summaries++;
			ck_assert_uint_eq(field_u(e, "ZHIJIA_COALESCED"), 1500);
			ck_assert_uint_eq(field_u(e, "ZHIJIA_FIRST_EVENT_SEQ"), first);
			ck_assert_uint_eq(field_u(e, "ZHIJIA_LAST_EVENT_SEQ"), last);
			ck_assert_str_eq(field(e, "ZHIJIA_TECHNIQUE", b, sizeof(b)), "T1055.009");
		} else if (!strcmp(field(e, "ZHIJIA_TECHNIQUE", b, sizeof(b)), "T1053.003"))
			alone_other++;
	}
	ck_assert_uint_eq(summaries, 1);
	ck_assert_uint_eq(alone_other, 10);
	sink_free(&s);
}
END_TEST

/* Never started (zhijiad stopped before ready): free sends from the calling thread. */
START_TEST(test_unstarted_free_sends)
{
	struct zj_alertq *q;
	struct zj_alertq_stats st;
	struct sink s;
	struct alert a;

	sink_init(&s, true);
	s.fail = -ECONNREFUSED;
	ck_assert_int_eq(zj_alertq_new(65536, sink_send, &s, &q), 0);
	for (uint64_t i = 1; i <= 3; i++) {
		alert(&a, "T1543.002", i, 10);
		ck_assert_int_eq(zj_alertq_push(q, &a.ev, &a.f, &a.d, NULL, 1), 0);
	}
	zj_alertq_stats(q, &st);
	ck_assert_uint_eq(st.pending, 3);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(zj_alertq_free(q, 3000, &st), 0);
	ck_assert_uint_eq(s.n, 3);
	/* journald refused them: counted, with the error */
	ck_assert_uint_eq(st.failed, 3);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_int_eq(st.last_error, -ECONNREFUSED);
	ck_assert_uint_eq(zj_alertq_free(NULL, 0, &st), 0);
	ck_assert_uint_eq(st.queued, 0);
	sink_free(&s);
}
END_TEST

START_TEST(test_bad_size)
{
	struct zj_alertq *q = NULL;

	ck_assert_int_eq(zj_alertq_new(1000, NULL, NULL, &q), -EINVAL);
	ck_assert_int_eq(zj_alertq_new(65536 + 4, NULL, NULL, &q), -EINVAL);
	ck_assert_ptr_null(q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("alertq");
	TCase *tc = tcase_create("queue");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_stall_coalesces);
	tcase_add_test(tc, test_other_techniques);
	tcase_add_test(tc, test_burst);
	tcase_add_test(tc, test_unstarted_free_sends);
	tcase_add_test(tc, test_bad_size);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
