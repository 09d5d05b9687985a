/* SPDX-License-Identifier: GPL-2.0-only */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "zhijia/bpf_abi.h"
#include "journal.h"
#include "log.h"
#include "quarantine.h"
#include "scan.h"
#include "proctab.h"
#include "scand.h"
#include "sched.h"
#include "util.h"

#define ORIGIN_EXEC 1
#define ORIGIN_FILE 2
#define ORIGIN_SCHED 3

#define PENDING_MAX 256

/* What a queued scan answers; found again by its cookie. */
struct job_ctx {
	uint64_t cookie; /* 0: free */
	uint32_t origin;
	uint32_t klass; /* ORIGIN_FILE, ORIGIN_SCHED: the persistence file's class */
	uint64_t event_seq;
	uint32_t pid;	   /* ORIGIN_EXEC */
	uint64_t start_ns; /* ORIGIN_EXEC: the process's start (boot-time ns) */
	bool check_ino;	   /* ORIGIN_EXEC: /proc/pid/exe must be the scanned file */
	char *exe;	   /* ORIGIN_EXEC of a script: what /proc/pid/exe must say */
	char *parent;	   /* ORIGIN_SCHED: the persistence file that schedules it */
};

/*
 * Scans waiting to be queued: persistence files until they have been quiet for
 * ZJ_SCAND_DEBOUNCE_USEC, and scans the full queue refused (shed), tried again as it drains --
 * one entry per (origin, path), the newest context winning: a storm of one binary's execs
 * holds one entry, and the malware exec'd in the middle of it still gets its turn.
 */
struct pending {
	char *path; /* NULL: free */
	uint64_t due_usec;
	struct job_ctx c; /* its strings are owned here */
};

struct zj_scand {
	struct zj_scand_opts o;
	struct zj_rules *rules;
	struct zj_allow *allow;
	struct zj_scanpool *pool;
	struct zj_quarantine *q;
	char last_error[512];
	uint64_t reloads, reload_failures;
	uint64_t next_cookie;
	size_t n_ctx;
	struct job_ctx *ctx;
	struct pending pending[PENDING_MAX];
	uint64_t tick_ns;
	/* counters for status */
	uint64_t verdicts, matches, allowed, killed, kill_skipped, quarantined, quarantine_failed,
		pending_overflow, submit_failed, deferred, dropped;
};

/* ---- rules --------------------------------------------------------------------------------- */

static int load(const char *dir, struct zj_rules **ret_rules, struct zj_allow **ret_allow,
		char *err, size_t errlen)
{
	struct zj_rules *r = NULL;
	struct zj_allow *a = NULL;
	int e;

	e = zj_rules_compile_dir(dir, &r, err, errlen);
	if (e < 0)
		return e;
	e = zj_allow_load_dir(dir, &a, err, errlen);
	if (e < 0) {
		zj_rules_unref(r);
		return e;
	}
	*ret_rules = r;
	*ret_allow = a;
	return 0;
}

int zj_scand_reload(struct zj_scand *s, char *err, size_t errlen)
{
	struct zj_rules *r = NULL;
	struct zj_allow *a = NULL;
	int e;

	s->reloads++;
	e = load(s->o.rules_dir, &r, &a, err, errlen);
	if (e < 0) {
		s->reload_failures++;
		snprintf(s->last_error, sizeof(s->last_error), "%s", err);
		return e;
	}
	zj_scanpool_set_rules(s->pool, r);
	zj_rules_unref(s->rules);
	s->rules = r;
	zj_allow_free(s->allow);
	s->allow = a;
	s->last_error[0] = '\0';
	return 0;
}

size_t zj_scand_rules(const struct zj_scand *s)
{
	return zj_rules_count(s->rules);
}

size_t zj_scand_allowed(const struct zj_scand *s)
{
	return zj_allow_count(s->allow);
}

int zj_scand_new(const struct zj_scand_opts *o, struct zj_scand **ret, char *err, size_t errlen)
{
	struct zj_scand *s = calloc(1, sizeof(*s));
	long hz = sysconf(_SC_CLK_TCK);
	int e;

	if (!s)
		return -ENOMEM;
	s->o = *o;
	s->tick_ns = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
	s->n_ctx = o->queue_max * 2 + PENDING_MAX;
	s->ctx = calloc(s->n_ctx, sizeof(*s->ctx));
	if (!s->ctx) {
		free(s);
		return -ENOMEM;
	}
	e = load(o->rules_dir, &s->rules, &s->allow, err, errlen);
	if (e == 0) {
		e = zj_scanpool_new(o->workers, o->queue_max, o->timeout_s, &s->pool);
		if (e < 0)
			snprintf(err, errlen, "cannot make the scan pool: %s", strerror(-e));
	}
	if (e < 0) {
		zj_scand_free(s);
		return e;
	}
	zj_scanpool_set_rules(s->pool, s->rules);
	*ret = s;
	return 0;
}

int zj_scand_start(struct zj_scand *s)
{
	return zj_scanpool_start(s->pool);
}

static void ctx_clear(struct job_ctx *c)
{
	free(c->exe);
	free(c->parent);
	memset(c, 0, sizeof(*c));
}

void zj_scand_free(struct zj_scand *s)
{
	if (!s)
		return;
	zj_scanpool_free(s->pool);
	for (size_t i = 0; i < s->n_ctx; i++)
		ctx_clear(&s->ctx[i]);
	free(s->ctx);
	for (size_t i = 0; i < PENDING_MAX; i++) {
		free(s->pending[i].path);
		ctx_clear(&s->pending[i].c);
	}
	zj_quarantine_free(s->q);
	zj_rules_unref(s->rules);
	zj_allow_free(s->allow);
	free(s);
}

int zj_scand_fd(const struct zj_scand *s)
{
	return zj_scanpool_fd(s->pool);
}

/* ---- queueing ------------------------------------------------------------------------------ */

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Queue path; on success the context (and its strings) is taken, else left to the caller. */
static int try_submit(struct zj_scand *s, const char *path, struct job_ctx *c)
{
	uint64_t cookie = s->next_cookie + 1;
	struct job_ctx *slot = &s->ctx[cookie % s->n_ctx];
	int r;

	r = zj_scanpool_submit(s->pool, path, cookie);
	if (r < 0)
		return r;
	s->next_cookie = cookie;
	/* a context older than n_ctx cookies belongs to a scan long answered */
	ctx_clear(slot);
	*slot = *c;
	slot->cookie = cookie;
	memset(c, 0, sizeof(*c));
	return 0;
}

/*
 * Hold path (taken) and c (taken) until due; the same origin and path held already: the newer
 * context replaces the older, the later due time stays.  false when every slot is taken (then
 * nothing was taken).
 */
static bool hold(struct zj_scand *s, char *path, struct job_ctx *c, uint64_t due)
{
	struct pending *free_slot = NULL;

	for (size_t i = 0; i < PENDING_MAX; i++) {
		struct pending *p = &s->pending[i];

		if (!p->path) {
			if (!free_slot)
				free_slot = p;
			continue;
		}
		if (p->c.origin == c->origin && strcmp(p->path, path) == 0) {
			ctx_clear(&p->c);
			p->c = *c;
			if (due > p->due_usec)
				p->due_usec = due;
			free(path);
			return true;
		}
	}
	if (!free_slot)
		return false;
	free_slot->path = path;
	free_slot->c = *c;
	free_slot->due_usec = due;
	return true;
}

/* Queue path with a context (taken over); a full queue: held and tried again as it drains. */
static void submit(struct zj_scand *s, const char *path, struct job_ctx *c)
{
	char *copy;
	int r;

	r = try_submit(s, path, c);
	if (r == 0)
		return;
	if (r == -EAGAIN && (copy = strdup(path))) {
		/* the pool counted it as shed; it is not lost yet */
		if (hold(s, copy, c, 0)) {
			s->deferred++;
			return;
		}
		free(copy);
		s->dropped++;
	} else {
		s->submit_failed++;
	}
	free(c->exe);
	free(c->parent);
}

static char *strndup_zj(const struct zj_str *s)
{
	size_t n = s->len;

	while (n && s->ptr[n - 1] == '\0')
		n--;
	if (!n || memchr(s->ptr, '\0', n))
		return NULL;
	return strndup(s->ptr, n);
}

static void on_exec(struct zj_scand *s, const struct zj_event *ev)
{
	_cleanup_free_ char *exe = strndup_zj(&ev->actor.exe);
	_cleanup_free_ char *file = strndup_zj(&ev->exec.filename);
	struct job_ctx c;

	if (exe && exe[0] == '/') {
		memset(&c, 0, sizeof(c));
		c.origin = ORIGIN_EXEC;
		c.event_seq = ev->seq;
		c.pid = ev->actor.pid;
		c.start_ns = ev->actor.start_ns;
		c.check_ino = true;
		submit(s, exe, &c);
	}
	/* a script run through its #! interpreter: the script is what runs */
	if (file && file[0] == '/' && (!exe || strcmp(file, exe) != 0)) {
		memset(&c, 0, sizeof(c));
		c.origin = ORIGIN_EXEC;
		c.event_seq = ev->seq;
		c.pid = ev->actor.pid;
		c.start_ns = ev->actor.start_ns;
		if (exe) {
			c.exe = strdup(exe);
			if (!c.exe)
				return;
		} else {
			/* no executable known: the file itself must be what /proc/pid/exe is */
			c.check_ino = true;
		}
		submit(s, file, &c);
	}
}

static void on_file(struct zj_scand *s, const struct zj_event *ev)
{
	const struct zj_watch_entry *we = zj_watch_entry(*s->o.watch, ev->file.watch_id);
	_cleanup_free_ char *path = strndup_zj(&ev->file.path);
	struct job_ctx c = {.origin = ORIGIN_FILE, .event_seq = ev->seq};

	switch (ev->file.op) {
	case ZJ_FOP_CREATE:
	case ZJ_FOP_OPEN_WRITE:
	case ZJ_FOP_TRUNCATE:
	case ZJ_FOP_RENAME:
	case ZJ_FOP_LINK:
	case ZJ_FOP_SYMLINK:
	case ZJ_FOP_CHMOD:
		break;
	default:
		return;
	}
	if (!path || path[0] != '/' || (ev->flags & ZJ_EVF_BLOCKED))
		return;
	c.klass = we ? we->klass : ZJ_ENF_NONE;
	/* the writer may still be writing: wait until the file has been quiet for a moment */
	if (hold(s, path, &c, mono_usec() + ZJ_SCAND_DEBOUNCE_USEC)) {
		path = NULL; /* taken */
		return;
	}
	s->pending_overflow++;
	submit(s, path, &c); /* no room to wait: scan now */
}

void zj_scand_event(struct zj_scand *s, const struct zj_event *ev)
{
	if (!zj_rules_count(s->rules))
		return; /* no rules: nothing can match */
	if (ev->type == ZJ_EV_EXEC && !(ev->flags & ZJ_EVF_BLOCKED))
		on_exec(s, ev);
	else if (ev->type == ZJ_EV_FILE && ev->file.watch_id)
		on_file(s, ev);
}

void zj_scand_tick(struct zj_scand *s, uint64_t now_usec)
{
	for (size_t i = 0; i < PENDING_MAX; i++) {
		struct pending *p = &s->pending[i];
		int r;

		if (!p->path || p->due_usec > now_usec)
			continue;
		r = try_submit(s, p->path, &p->c);
		if (r == -EAGAIN)
			break; /* still full: the next drain or tick tries again */
		if (r < 0) {
			s->submit_failed++;
			ctx_clear(&p->c);
		}
		free(p->path);
		p->path = NULL;
	}
}

/* ---- acting on a verdict ------------------------------------------------------------------- */

int zj_proc_kill_if_same(uint32_t pid, uint64_t start_ns, uint64_t tick_ns, uint64_t dev,
			 uint64_t ino, const char *exe)
{
	_cleanup_close_ int pfd = -1;
	uint64_t ticks;
	char path[64];
	int r;

	if (pid <= 1 || (pid_t)pid == getpid() || !tick_ns || (!exe && !ino))
		return -EPERM; /* never PID 1, never ourselves, never unchecked */
	/*
	 * Kernels before 5.3 (Kylin's and UOS's 4.19) have no pidfd_open: then the check is
	 * followed by kill(2), and a pid reused in the microseconds between them would be hit.
	 */
	pfd = pidfd_open((pid_t)pid, 0);
	if (pfd < 0 && errno != ENOSYS)
		return errno == ESRCH ? -ESRCH : negative_errno();
	r = zj_proc_start_ticks(pid, &ticks);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	if (ticks != start_ns / tick_ns)
		return -ESTALE;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	if (!exe) {
		struct stat st;

		if (stat(path, &st) < 0)
			return errno == ENOENT ? -ESRCH : negative_errno();
		if ((uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)
			return -ESTALE;
	} else {
		char link[PATH_MAX];
		ssize_t n = readlink(path, link, sizeof(link) - 1);

		if (n < 0)
			return errno == ENOENT ? -ESRCH : negative_errno();
		link[n] = '\0';
		if (strcmp(link, exe) != 0)
			return -ESTALE;
	}
	if (pfd >= 0 ? pidfd_send_signal(pfd, SIGKILL, NULL, 0) < 0 : kill((pid_t)pid, SIGKILL) < 0)
		return negative_errno();
	return 0;
}

static int kill_same(struct zj_scand *s, const struct job_ctx *c, const struct zj_verdict *v)
{
	if (c->check_ino)
		return zj_proc_kill_if_same(c->pid, c->start_ns, s->tick_ns, v->dev, v->ino, NULL);
	if (!c->exe)
		return -EPERM;
	return zj_proc_kill_if_same(c->pid, c->start_ns, s->tick_ns, 0, 0, c->exe);
}

static int quarantine(struct zj_scand *s, const char *path, const char *reason, char *ret_id)
{
	int r;

	if (!s->q) {
		r = zj_quarantine_open(s->o.quarantine_dir, &s->q);
		if (r < 0)
			return r;
	}
	return zj_quarantine_put(s->q, path, reason, true, ret_id);
}

/* The sub-technique of a persistence file: its class's, a timer unit T1053.006. */
static const char *file_technique(uint32_t klass, const char *path)
{
	size_t n = strlen(path);

	if (klass == ZJ_ENF_SERVICE && n > 6 && strcmp(path + n - 6, ".timer") == 0)
		klass = ZJ_ENF_TIMER;
	return zj_deny_class_technique(klass);
}

/* Valid UTF-8 without control bytes? (json-c escapes controls, but not broken sequences.) */
static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80	      ? 0
			: (*p & 0xe0) == 0xc0 ? 1
			: (*p & 0xf0) == 0xe0 ? 2
			: (*p & 0xf8) == 0xf0 ? 3
					      : -1;

		if (n < 0 || (n == 1 && *p < 0xc2))
			return false;
		p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static void add_path(json_object *o, const char *key, const char *path)
{
	char hexkey[64];
	size_t n = strlen(path);
	char *hex, *safe;

	if (utf8_ok(path)) {
		json_object_object_add(o, key, json_object_new_string(path));
		return;
	}
	/* evidence is never lost: the raw bytes in hex, a readable approximation beside */
	hex = malloc(n * 2 + 1);
	safe = strdup(path);
	if (!hex || !safe) {
		free(hex);
		free(safe);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)path[i]);
		if ((unsigned char)safe[i] >= 0x80)
			safe[i] = '?';
	}
	snprintf(hexkey, sizeof(hexkey), "%s_hex", key);
	json_object_object_add(o, key, json_object_new_string(safe));
	json_object_object_add(o, hexkey, json_object_new_string(hex));
	free(hex);
	free(safe);
}

static void rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

/* "ns:rule [a,b]" -> rules ["ns:rule"], tags ["a","b"] (deduplicated) and a text list. */
static void split_matches(const struct zj_verdict *v, json_object *rules, json_object *tags,
			  char *rule_text, size_t rlen, char *tag_text, size_t tlen)
{
	size_t n = v->n_matches < ZJ_SCAN_MATCH_MAX ? v->n_matches : ZJ_SCAN_MATCH_MAX;

	rule_text[0] = tag_text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char m[ZJ_SCAN_NAME_MAX], *br, *t, *save = NULL;

		snprintf(m, sizeof(m), "%s", v->matches[i]);
		br = strstr(m, " [");
		if (br)
			*br = '\0';
		json_object_array_add(rules, json_object_new_string(m));
		snprintf(rule_text + strlen(rule_text), rlen - strlen(rule_text), "%s%s",
			 i ? ", " : "", m);
		if (!br)
			continue;
		br[strcspn(br + 2, "]") + 2] = '\0';
		for (t = strtok_r(br + 2, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			bool dup = false;

			for (size_t k = 0; k < json_object_array_length(tags) && !dup; k++)
				dup = strcmp(json_object_get_string(
						     json_object_array_get_idx(tags, k)),
					     t) == 0;
			if (dup)
				continue;
			json_object_array_add(tags, json_object_new_string(t));
			snprintf(tag_text + strlen(tag_text), tlen - strlen(tag_text), "%s%s",
				 tag_text[0] ? ", " : "", t);
		}
	}
}

/* The persistence file at path had its verdict: queue what it schedules. */
static void queue_scheduled(struct zj_scand *s, const char *path, const struct job_ctx *c)
{
	uint32_t kind = zj_sched_kind(c->klass, path);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct zj_sched *sch = NULL;
	struct stat st;
	size_t len = 0;

	if (kind == ZJ_SCHED_NONE)
		return;
	fd = zj_scan_open_regular(path, &st); /* never a device a planted symlink names */
	if (fd < 0)
		return;
	buf = malloc(ZJ_SCHED_TEXT_MAX);
	sch = malloc(sizeof(*sch));
	if (!buf || !sch)
		return;
	while (len < ZJ_SCHED_TEXT_MAX) {
		ssize_t n = read(fd, buf + len, ZJ_SCHED_TEXT_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	zj_sched_parse(kind, buf, len, sch);
	for (size_t i = 0; i < sch->n; i++) {
		struct job_ctx n = {
			.origin = ORIGIN_SCHED, .klass = c->klass, .event_seq = c->event_seq};

		n.parent = strdup(path);
		if (!n.parent)
			return;
		submit(s, sch->path[i], &n);
	}
}

static void journal_match(const struct job_ctx *c, const char *path, const struct zj_verdict *v,
			  uint64_t seq, const char *rules, const char *tags, const char *action,
			  const char *technique, const char *qid)
{
	char mid[ZJ_MESSAGE_ID_LEN + 1];
	int r;

	zj_message_id("yara-match", mid);
	r = sd_journal_send(
		"MESSAGE=YARA match: %s in %s%s%s (sha256 %s) [%s]", rules, path,
		c->parent ? ", scheduled by " : "", c->parent ? c->parent : "", v->sha256, action,
		"MESSAGE_ID=%s", mid, "PRIORITY=%d", 2, "SYSLOG_IDENTIFIER=zhijiad",
		"ZHIJIA_VERDICT=match", "ZHIJIA_RULES=%s", rules, "ZHIJIA_TAGS=%s", tags,
		"ZHIJIA_SHA256=%s", v->sha256, "ZHIJIA_PATH=%s", path, "ZHIJIA_ACTION=%s", action,
		"ZHIJIA_EVENT_SEQ=%llu", (unsigned long long)c->event_seq,
		"ZHIJIA_VERDICT_SEQ=%llu", (unsigned long long)seq, "ZHIJIA_ORIGIN=%s",
		c->origin == ORIGIN_EXEC   ? "exec"
		: c->origin == ORIGIN_FILE ? "file"
					   : "scheduled",
		"ZHIJIA_ACTOR_PID=%u", c->pid, "ZHIJIA_SCHEDULED_BY=%s", c->parent ? c->parent : "",
		"ZHIJIA_TECHNIQUE=%s", technique ? technique : "", "ZHIJIA_QUARANTINE_ID=%s",
		qid ? qid : "", NULL);
	if (r < 0)
		log_warning_errno(r, "Failed to send a YARA alert to journald: %m; it is in the "
				     "event log");
}

static void on_verdict(void *userdata, uint64_t cookie, const char *path,
		       const struct zj_verdict *v)
{
	struct zj_scand *s = userdata;
	struct job_ctx *slot = &s->ctx[cookie % s->n_ctx];
	struct job_ctx c = {0};
	json_object *o = NULL, *vo = NULL, *rules = NULL, *tags = NULL;
	char rule_text[1024], tag_text[512], when[64], action[160] = "none",
						       qid[ZJ_QUARANTINE_ID_MAX];
	const char *technique = NULL, *line;
	bool black, allowed;
	uint64_t seq;
	size_t len;
	int r;

	qid[0] = '\0';
	if (slot->cookie == cookie) {
		c = *slot; /* takes its strings */
		memset(slot, 0, sizeof(*slot));
	}
	s->verdicts++;
	allowed = v->state == ZJ_VERDICT_MATCH && zj_allow_has(s->allow, v->sha256);
	black = v->state == ZJ_VERDICT_MATCH && !allowed;
	s->matches += v->state == ZJ_VERDICT_MATCH;
	s->allowed += allowed;
	if (c.origin == ORIGIN_FILE || c.origin == ORIGIN_SCHED)
		technique = file_technique(c.klass, c.parent ? c.parent : path);

	if (allowed) {
		snprintf(action, sizeof(action), "recorded");
	} else if (black && c.origin == ORIGIN_EXEC) {
		r = kill_same(s, &c, v);
		if (r == 0) {
			s->killed++;
			snprintf(action, sizeof(action), "killed");
		} else {
			s->kill_skipped++;
			snprintf(action, sizeof(action), "not_killed: %s",
				 r == -ESRCH	? "the process is gone"
				 : r == -ESTALE ? "pid reused or another program runs now"
						: strerror(-r));
		}
		if (s->o.black_binary && v->dev && v->ino)
			s->o.black_binary(s->o.userdata, v->dev, v->ino, v->sha256);
	} else if (black && technique) {
		const char *victim = c.parent ? c.parent : path;
		uint32_t want = ZJ_ACTION_DEFAULT;
		char reason[256];

		(void)zj_policy_get(*s->o.policy, technique, &want);
		if (want == ZJ_ACTION_BLOCK) {
			snprintf(reason, sizeof(reason), "%s blocked: YARA match in %s", technique,
				 path);
			r = quarantine(s, victim, reason, qid);
			if (r == 0) {
				s->quarantined++;
				snprintf(action, sizeof(action), "quarantined");
			} else {
				s->quarantine_failed++;
				qid[0] = '\0';
				snprintf(action, sizeof(action), "quarantine_failed: %s",
					 strerror(-r));
			}
		} else {
			snprintf(action, sizeof(action), "alerted");
		}
	} else if (black) {
		snprintf(action, sizeof(action), "alerted");
	}

	seq = ++*s->o.seq;
	o = json_object_new_object();
	vo = json_object_new_object();
	rules = json_object_new_array();
	tags = json_object_new_array();
	if (!o || !vo || !rules || !tags) {
		json_object_put(o);
		json_object_put(vo);
		json_object_put(rules);
		json_object_put(tags);
		log_warning("Out of memory for the verdict of %s, ignoring", path);
		goto out;
	}
	split_matches(v, rules, tags, rule_text, sizeof(rule_text), tag_text, sizeof(tag_text));
	rfc3339_now(when, sizeof(when));
	json_object_object_add(o, "v", json_object_new_int(1));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "type", json_object_new_string("verdict"));
	json_object_object_add(vo, "event_seq", json_object_new_int64((int64_t)c.event_seq));
	json_object_object_add(vo, "origin",
			       json_object_new_string(c.origin == ORIGIN_EXEC	 ? "exec"
						      : c.origin == ORIGIN_FILE	 ? "file"
						      : c.origin == ORIGIN_SCHED ? "scheduled"
										 : "unknown"));
	add_path(vo, "path", path);
	if (c.parent)
		add_path(vo, "scheduled_by", c.parent);
	json_object_object_add(vo, "state", json_object_new_string(zj_verdict_name(v->state)));
	json_object_object_add(vo, "rules", rules);
	json_object_object_add(vo, "tags", tags);
	json_object_object_add(vo, "sha256", json_object_new_string(v->sha256));
	json_object_object_add(vo, "size", json_object_new_int64((int64_t)v->size));
	json_object_object_add(vo, "cached", json_object_new_boolean(v->cached));
	json_object_object_add(vo, "allowed", json_object_new_boolean(allowed));
	json_object_object_add(vo, "action", json_object_new_string(action));
	if (c.origin == ORIGIN_EXEC)
		json_object_object_add(vo, "pid", json_object_new_int64(c.pid));
	if (technique)
		json_object_object_add(vo, "technique", json_object_new_string(technique));
	if (qid[0])
		json_object_object_add(vo, "quarantine_id", json_object_new_string(qid));
	if (v->state == ZJ_VERDICT_ERROR || v->state == ZJ_VERDICT_TOO_BIG)
		json_object_object_add(vo, "error",
				       json_object_new_string(zj_verdict_error(v->error)));
	json_object_object_add(o, "verdict", vo);
	line = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	r = line ? zj_eventlog_append_line(s->o.log, line, len) : -ENOMEM;
	if (r < 0)
		log_warning_errno(r, "Failed to log the verdict of %s: %m, ignoring", path);
	if (black) {
		journal_match(&c, path, v, seq, rule_text, tag_text, action, technique,
			      qid[0] ? qid : NULL);
		log_warning("YARA match: %s in %s%s%s (event %llu): %s", rule_text, path,
			    c.parent ? ", scheduled by " : "", c.parent ? c.parent : "",
			    (unsigned long long)c.event_seq, action);
	}
	json_object_put(o);
out:
	/* a persistence file that is still in place: what does it run? */
	if (c.origin == ORIGIN_FILE && !qid[0] &&
	    (v->state == ZJ_VERDICT_CLEAN || v->state == ZJ_VERDICT_MATCH))
		queue_scheduled(s, path, &c);
	free(c.exe);
	free(c.parent);
}

int zj_scand_drain(struct zj_scand *s)
{
	int r = zj_scanpool_drain(s->pool, on_verdict, s);

	/* the queue has room again: what it refused goes first */
	zj_scand_tick(s, mono_usec());
	return r;
}

json_object *zj_scand_status(struct zj_scand *s)
{
	struct zj_scanpool_stats st;
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	zj_scanpool_stats(s->pool, &st);
	json_object_object_add(o, "rules_dir", json_object_new_string(s->o.rules_dir));
	json_object_object_add(o, "rules",
			       json_object_new_int64((int64_t)zj_rules_count(s->rules)));
	json_object_object_add(o, "allow_sha256",
			       json_object_new_int64((int64_t)zj_allow_count(s->allow)));
	json_object_object_add(o, "reloads", json_object_new_int64((int64_t)s->reloads));
	json_object_object_add(o, "reload_failures",
			       json_object_new_int64((int64_t)s->reload_failures));
	if (s->last_error[0])
		json_object_object_add(o, "last_reload_error",
				       json_object_new_string(s->last_error));
	json_object_object_add(o, "submitted", json_object_new_int64((int64_t)st.submitted));
	json_object_object_add(o, "shed", json_object_new_int64((int64_t)st.shed));
	json_object_object_add(o, "scanned", json_object_new_int64((int64_t)st.scanned));
	json_object_object_add(o, "cache_hits", json_object_new_int64((int64_t)st.cache_hits));
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)st.errors));
	json_object_object_add(o, "timeouts", json_object_new_int64((int64_t)st.timeouts));
	json_object_object_add(o, "verdicts", json_object_new_int64((int64_t)s->verdicts));
	json_object_object_add(o, "matches", json_object_new_int64((int64_t)s->matches));
	json_object_object_add(o, "allowed", json_object_new_int64((int64_t)s->allowed));
	json_object_object_add(o, "killed", json_object_new_int64((int64_t)s->killed));
	json_object_object_add(o, "not_killed", json_object_new_int64((int64_t)s->kill_skipped));
	json_object_object_add(o, "quarantined", json_object_new_int64((int64_t)s->quarantined));
	json_object_object_add(o, "quarantine_failed",
			       json_object_new_int64((int64_t)s->quarantine_failed));
	json_object_object_add(o, "debounce_overflow",
			       json_object_new_int64((int64_t)s->pending_overflow));
	/* shed by the full queue, then held and tried again; and those there was no room for */
	json_object_object_add(o, "deferred", json_object_new_int64((int64_t)s->deferred));
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)s->dropped));
	return o;
}
