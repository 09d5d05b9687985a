/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Policy integration tests (issue 3), as root on the real kernel: the sensor's real operations
 * get the right technique and action in the event log's "findings" and, for alerts and
 * blocks, in journald (read back with journalctl -o json); `zhijiactl policy set` changes what
 * the very next event gets and is saved to the --policy file; a non-root caller cannot change
 * the policy; a corrupted policy file stops a start and does not replace the live policy on
 * SIGHUP.
 *
 * One zhijiad (temporary event log, --policy and --socket in a 0755 folder of our own, so that
 * uid 65534 reaches the socket) serves the test case; it starts with no policy file, i.e. the
 * built-in defaults.  Each test begins by putting the policy back to the defaults through
 * zhijiactl (a failed test does not reach its own clean-up), and matches events by the pid of
 * its own trigger.  Targets of injection are `zj-trigger hold` processes started by the test:
 * the trigger that writes into one is its sibling, not its parent, so the benign "debugger on
 * its own child" pattern does not apply.
 *
 * Absence in journald: zhijiad queues an alert before it writes the event's line, its status
 * says when the queue is empty ("journald_alerts": "pending" and "owed" 0), and `journalctl
 * --sync` returns once journald has stored everything sent before it -- so after the line
 * arrived, an empty queue and a sync, an entry that is not there was never sent.
 *
 * A journald that stops reading (SIGSTOP) must not stop zhijiad: the events of a storm of cron
 * files are all logged meanwhile, and what did not fit the alert queue reaches journald later
 * as per-technique summaries that account for every alert.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CROND "/etc/cron.d"
#define SYSTEMD "/etc/systemd/system"
#define PRELOAD_FILE "/etc/ld.so.preload"
#define NOBODY 65534 /* uid and gid of the unprivileged caller */
#define CTL_TIMEOUT_MS 15000
#define JOURNAL_TIMEOUT_MS 5000

/* ATT&CK's names and primary tactics (catalog.h: T1053 -> Execution, T1055 -> Privilege
 * Escalation, T1543/T1574 -> Persistence). */
#define T_PTRACE "T1055.008", "Ptrace System Calls", "TA0004"
#define T_PROCMEM "T1055.009", "Proc Memory", "TA0004"
#define T_VDSO "T1055.014", "VDSO Hijacking", "TA0004"
#define T_CRON "T1053.003", "Cron", "TA0002"
#define T_TIMER "T1053.006", "Systemd Timers", "TA0002"
#define T_SERVICE "T1543.002", "Systemd Service", "TA0003"
#define T_PRELOAD "T1574.006", "Dynamic Linker Hijacking", "TA0003"

#define WHY_ORDINARY "default: target is not a system process or a protected application"
#define WHY_SYSTEM "default: target is a system process"
#define WHY_REMOVAL "default: removal of a persistence file"
#define WHY_PROTECTED "default: target is a protected application"

/* The sub-techniques zhijia observes on Linux (policy/attack/capabilities.tsv). */
static const char *const observed[] = {"T1053.002", "T1053.003", "T1053.006", "T1055.008",
				       "T1055.009", "T1055.014", "T1543.002", "T1574.006",
				       "T1037.004", "T1098.004", "T1098.007", "T1136.001",
				       "T1546.004", "T1546.017", "T1546.018", "T1547.006",
				       "T1547.013", "T1548.003", "T1556.003"};

static const char *const test_dirs[] = {CROND, SYSTEMD, NULL};

/* The test program's state (a main() file: STYLE.md allows it here). */
static struct zj_daemon zd;
static int zd_r = -ENOTCONN;
static bool zd_problem;
static char setup_problem[2 * PATH_MAX]; /* why the fixture could not serve the tests */
static struct zj_tail tail;
/* "/tmp/zj-test-<pid>-ctl" and the files in it: short, fixed names */
static char ctl_dir[64], sock_path[96], policy_path[96], victim[96];
static char ctl_path[PATH_MAX + 16];
static bool preload_absent;

/* ---- small helpers ------------------------------------------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The whole file; -ENOENT when absent. */
static int slurp(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!f)
		return -errno;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char *data;
	size_t len;
	int r = slurp(from, &data, &len);
	if (r < 0)
		return r;
	int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		r = -errno;
		free(data);
		return r;
	}
	if (write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) < 0)
		r = -errno;
	close(fd);
	free(data);
	return r;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0)
		return -errno;
	int r = write(fd, text, len) == (ssize_t)len ? 0 : -errno;
	close(fd);
	return r;
}

static int64_t line_seq(const struct zj_line *l)
{
	json_object *v;
	ck_assert(zj_json_get(l->obj, "seq", &v) && v);
	return json_object_get_int64(v);
}

/* ---- zhijiactl ----------------------------------------------------------------------------- */

/* zhijiactl --socket S --policy P ARGS..., as uid (-1: root).  --policy is given so that a
 * zhijiactl that falls back to the file never touches /etc/zhijia. */
static void ctl_run(struct zj_cmd *c, uid_t uid, const char *const *args)
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = ctl_path;
	argv[n++] = "--socket";
	argv[n++] = sock_path;
	argv[n++] = "--policy";
	argv[n++] = policy_path;
	for (; *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	int r = zj_cmd_run(c, argv, uid, uid == (uid_t)-1 ? (gid_t)-1 : NOBODY, CTL_TIMEOUT_MS);
	ck_assert_msg(r == 0, "running %s: %s; stderr: %s", ctl_path, strerror(-r),
		      c->err ? c->err : "");
}
#define CTL(c, uid, ...) ctl_run((c), (uid), (const char *const[]){__VA_ARGS__, NULL})

static void cmdline_of(char *buf, size_t size, const char *const *args)
{
	size_t used = (size_t)snprintf(buf, size, "zhijiactl");
	for (; *args && used < size; args++)
		used += (size_t)snprintf(buf + used, size - used, " %s", *args);
}

/* Run as root; it must exit 0. */
static void ctl_ok_(const char *file, int line, const char *const *args)
{
	struct zj_cmd c;
	char cmd[256];
	ctl_run(&c, (uid_t)-1, args);
	cmdline_of(cmd, sizeof(cmd), args);
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0)
		_ck_assert_failed(file, line, "zhijiactl succeeded",
				  "%s: wait status 0x%x\n  stdout: %s\n  stderr: %s", cmd, c.status,
				  c.out, c.err);
	zj_cmd_free(&c);
}
#define CTL_OK(...) ctl_ok_(__FILE__, __LINE__, (const char *const[]){__VA_ARGS__, NULL})

/* `zhijiactl --json policy get ID` as uid: the reply's "action". */
static void expect_get_action_(const char *file, int line, uid_t uid, const char *id,
			       const char *want)
{
	struct zj_cmd c;
	json_object *o, *v;
	CTL(&c, uid, "--json", "policy", "get", id);
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0)
		_ck_assert_failed(file, line, "policy get",
				  "zhijiactl --json policy get %s as uid %d: wait status 0x%x\n  "
				  "stdout: %s\n  stderr: %s",
				  id, uid == (uid_t)-1 ? 0 : (int)uid, c.status, c.out, c.err);
	o = json_tokener_parse(c.out);
	if (!o || !json_object_object_get_ex(o, "action", &v) ||
	    !json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), want))
		_ck_assert_failed(file, line, "policy get action",
				  "zhijiactl --json policy get %s: expected \"action\":\"%s\"\n  "
				  "stdout: %s",
				  id, want, c.out);
	json_object_put(o);
	zj_cmd_free(&c);
}
#define EXPECT_GET_ACTION(uid, id, want) expect_get_action_(__FILE__, __LINE__, (uid), (id), (want))

/* ---- the policy file ----------------------------------------------------------------------- */

static json_object *policy_file_parse(char **ret_text)
{
	char *text = NULL;
	size_t len;
	int r = slurp(policy_path, &text, &len);
	ck_assert_msg(r == 0, "policy file %s: %s", policy_path, strerror(-r));
	json_object *root = json_tokener_parse(text);
	ck_assert_msg(root && json_object_is_type(root, json_type_object),
		      "policy file %s is not a JSON object:\n%s", policy_path, text);
	*ret_text = text;
	return root;
}

/* After a change: the file says actions[id] == want (json-c, not a text search). */
static void expect_file_action_(const char *file, int line, const char *id, const char *want)
{
	char *text;
	json_object *root = policy_file_parse(&text), *actions, *v;
	if (!json_object_object_get_ex(root, "actions", &actions) ||
	    !json_object_object_get_ex(actions, id, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), want) != 0)
		_ck_assert_failed(
			file, line, "policy file",
			"policy file %s: expected \"actions\":{\"%s\":\"%s\"}; it says:\n%s",
			policy_path, id, want, text);
	json_object_put(root);
	free(text);
}
#define EXPECT_FILE_ACTION(id, want) expect_file_action_(__FILE__, __LINE__, (id), (want))

static bool policy_file_protects(const char *exe)
{
	char *text;
	json_object *root = policy_file_parse(&text), *list;
	bool found = false;
	if (json_object_object_get_ex(root, "protected", &list) &&
	    json_object_is_type(list, json_type_array))
		for (size_t i = 0; i < json_object_array_length(list) && !found; i++)
			found = strcmp(json_object_get_string(json_object_array_get_idx(list, i)),
				       exe) == 0;
	json_object_put(root);
	free(text);
	return found;
}

/* What the file was: its bytes and inode (a rewrite, even of the same bytes, changes it). */
struct snapshot {
	bool exists;
	char *data;
	size_t len;
	ino_t ino;
};

static void snapshot_take(struct snapshot *s)
{
	struct stat st;
	memset(s, 0, sizeof(*s));
	int r = slurp(policy_path, &s->data, &s->len);
	ck_assert_msg(r == 0 || r == -ENOENT, "%s: %s", policy_path, strerror(-r));
	s->exists = r == 0;
	if (s->exists && stat(policy_path, &st) == 0)
		s->ino = st.st_ino;
}

static void expect_unchanged_(const char *file, int line, const struct snapshot *s,
			      const char *after)
{
	struct snapshot now;
	snapshot_take(&now);
	if (now.exists != s->exists || now.len != s->len ||
	    (s->exists && (memcmp(now.data, s->data, s->len) != 0 || now.ino != s->ino)))
		_ck_assert_failed(
			file, line, "policy file unchanged",
			"policy file %s changed after %s:\n  before (%s, inode %lu):\n%s\n  "
			"after (%s, inode %lu):\n%s",
			policy_path, after, s->exists ? "present" : "absent", (unsigned long)s->ino,
			s->exists ? s->data : "", now.exists ? "present" : "absent",
			(unsigned long)now.ino, now.exists ? now.data : "");
	free(now.data);
}
#define EXPECT_UNCHANGED(s, after) expect_unchanged_(__FILE__, __LINE__, (s), (after))

/*
 * Back to the built-in defaults: every observed sub-technique at default, nothing protected.
 * Through zhijiactl, so the daemon's live policy and the file agree.
 */
static void policy_restore(void)
{
	char *text = NULL;
	size_t len;
	if (slurp(policy_path, &text, &len) == -ENOENT)
		return; /* never written: the daemon still runs the defaults */
	json_object *root = text ? json_tokener_parse(text) : NULL, *actions = NULL, *list, *v;
	if (root)
		json_object_object_get_ex(root, "actions", &actions);
	for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++)
		if (!actions || !json_object_object_get_ex(actions, observed[i], &v) ||
		    strcmp(json_object_get_string(v), "default") != 0)
			CTL_OK("policy", "reset", observed[i]);
	if (root && json_object_object_get_ex(root, "protected", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++)
			CTL_OK("protect", "del",
			       json_object_get_string(json_object_array_get_idx(list, i)));
	json_object_put(root);
	free(text);
	/* a file a failed test left corrupted, which no reset rewrote: the defaults again */
	if (slurp(policy_path, &text, &len) == 0) {
		root = json_tokener_parse(text);
		if (!root)
			unlink(policy_path);
		json_object_put(root);
		free(text);
	}
}

static void policy_set(const char *id, const char *action)
{
	CTL_OK("policy", "set", id, action);
	EXPECT_FILE_ACTION(id, action);
}

static void policy_reset(const char *id)
{
	CTL_OK("policy", "reset", id);
	EXPECT_FILE_ACTION(id, "default");
}

/* ---- journald ------------------------------------------------------------------------------ */

/* A field of an entry as a string; NULL when absent or not text (binary, repeated). */
static const char *jfield(json_object *e, const char *name)
{
	json_object *v;
	if (!json_object_object_get_ex(e, name, &v) || !v ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Our zhijiad's entries for the event seq (and technique, unless NULL). */
static json_object *jrn_for(int64_t seq, const char *technique)
{
	char m_pid[32], m_seq[48], m_tech[48];
	const char *matches[4] = {m_pid, m_seq, NULL, NULL};
	json_object *arr;
	snprintf(m_pid, sizeof(m_pid), "_PID=%d", (int)zd.pid);
	snprintf(m_seq, sizeof(m_seq), "ZHIJIA_EVENT_SEQ=%" PRId64, seq);
	if (technique) {
		snprintf(m_tech, sizeof(m_tech), "ZHIJIA_TECHNIQUE=%s", technique);
		matches[2] = m_tech;
	}
	int r = zj_journal_query(matches, &arr);
	ck_assert_msg(r == 0, "journalctl -o json %s %s: %s", m_pid, m_seq, strerror(-r));
	return arr;
}

/* `zhijiactl --json status`, parsed (the caller puts it). */
static json_object *ctl_status(void)
{
	struct zj_cmd c;
	json_object *o;
	CTL(&c, (uid_t)-1, "--json", "status");
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
		      "zhijiactl --json status: wait status 0x%x\n  stderr: %s", c.status, c.err);
	o = json_tokener_parse(c.out);
	ck_assert_msg(o, "zhijiactl --json status: not JSON: %s", c.out);
	zj_cmd_free(&c);
	return o;
}

static int64_t status_int(json_object *st, const char *path)
{
	json_object *v;
	ck_assert_msg(zj_json_get(st, path, &v) && v && json_object_is_type(v, json_type_int),
		      "zhijiactl --json status has no integer %s: %s", path,
		      json_object_to_json_string(st));
	return json_object_get_int64(v);
}

/* Until zhijiad's alert queue is empty and owes no summary: all it alerted is with journald. */
static void alerts_drained(void)
{
	uint64_t deadline = now_ms() + 4 * JOURNAL_TIMEOUT_MS;
	for (;;) {
		json_object *st = ctl_status();
		int64_t pending = status_int(st, "journald_alerts.pending");
		int64_t owed = status_int(st, "journald_alerts.owed");
		json_object_put(st);
		if (!pending && !owed)
			return;
		ck_assert_msg(now_ms() < deadline,
			      "zhijiad's alert queue did not empty in %d ms: %" PRId64
			      " entries pending, %" PRId64 " alerts owed a summary",
			      4 * JOURNAL_TIMEOUT_MS, pending, owed);
		sleep_ms(20);
	}
}

static void jrn_sync(void)
{
	static bool warned;
	alerts_drained();
	if (zj_journal_sync() == 0)
		return;
	/* no synchronisation point: give journald time instead (weaker, so say it) */
	if (!warned)
		printf("check_policy_live: journalctl --sync failed: absence in journald is "
		       "checked after a 1 s wait instead\n");
	warned = true;
	sleep_ms(1000);
}

/* The one entry for l's event and technique, waiting for journald (the caller puts it). */
static json_object *jrn_wait_(const char *file, int line, const struct zj_line *l,
			      const char *technique)
{
	int64_t seq = line_seq(l);
	uint64_t deadline = now_ms() + JOURNAL_TIMEOUT_MS;
	json_object *arr;
	for (;;) {
		(void)zj_journal_sync();
		arr = jrn_for(seq, technique);
		if (json_object_array_length(arr) > 0 || now_ms() > deadline)
			break;
		json_object_put(arr);
		sleep_ms(50);
	}
	size_t n = json_object_array_length(arr);
	if (n != 1)
		_ck_assert_failed(
			file, line, "journald entry",
			"journald: expected one entry with _PID=%d ZHIJIA_EVENT_SEQ=%" PRId64
			" ZHIJIA_TECHNIQUE=%s within %d ms, found %zu: %s\n  line: %s",
			(int)zd.pid, seq, technique, JOURNAL_TIMEOUT_MS, n,
			json_object_to_json_string(arr), l->raw);
	json_object *e = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return e;
}

/* No entry at all for l's event: its findings were recorded, not alerted. */
static void jrn_none_(const char *file, int line, const struct zj_line *l)
{
	jrn_sync();
	json_object *arr = jrn_for(line_seq(l), NULL);
	if (json_object_array_length(arr) != 0)
		_ck_assert_failed(file, line, "no journald entry",
				  "journald has %zu entries for a recorded event (_PID=%d "
				  "ZHIJIA_EVENT_SEQ=%" PRId64 "): %s\n  line: %s",
				  json_object_array_length(arr), (int)zd.pid, line_seq(l),
				  json_object_to_json_string(arr), l->raw);
	json_object_put(arr);
}
#define JRN_NONE(l) jrn_none_(__FILE__, __LINE__, (l))

struct jrn_want {
	const char *technique;
	const char *name;
	const char *tactic;
	const char *action;
	const char *configured;
	const char *enforced; /* ZHIJIA_ENFORCED: "no"/"yes"; NULL: absent (not a block) */
	int priority;
	pid_t actor;
	pid_t target; /* 0: no ZHIJIA_TARGET_* */
	const char *target_exe;
	const char *path;	 /* ZHIJIA_PATH; NULL: absent */
	const char *ld_preload;	 /* ZHIJIA_LD_PRELOAD; NULL: absent */
	const char *message_has; /* also in MESSAGE (case-insensitive); NULL: nothing more */
};

static void jexpect_eq(const char *file, int line, json_object *e, const struct zj_line *l,
		       const char *field, const char *want)
{
	const char *got = jfield(e, field);
	if (want && (!got || strcmp(got, want) != 0))
		_ck_assert_failed(
			file, line, "journald field",
			"journald %s: expected \"%s\", seen %s%s%s\n  entry: %s\n  line: %s", field,
			want, got ? "\"" : "", got ? got : "(absent)", got ? "\"" : "",
			json_object_to_json_string(e), l->raw);
	if (!want && json_object_object_get_ex(e, field, NULL))
		_ck_assert_failed(
			file, line, "journald field absent",
			"journald %s: expected absent, seen \"%s\"\n  entry: %s\n  line: %s", field,
			got ? got : "(not text)", json_object_to_json_string(e), l->raw);
}

/* The entry e says what w says, and what l's finding of w->technique says. */
static void expect_jrn_(const char *file, int line, json_object *e, const struct zj_line *l,
			const struct jrn_want *w)
{
	char buf[64];
	json_object *f = zj_line_finding(l, w->technique), *v;
	ck_assert(f != NULL);
	const char *reason =
		json_object_object_get_ex(f, "reason", &v) ? json_object_get_string(v) : "";
	const char *severity =
		json_object_object_get_ex(f, "severity", &v) ? json_object_get_string(v) : "";

	snprintf(buf, sizeof(buf), "%d", (int)zd.pid);
	jexpect_eq(file, line, e, l, "_PID", buf);
	jexpect_eq(file, line, e, l, "SYSLOG_IDENTIFIER", "zhijiad");
	snprintf(buf, sizeof(buf), "%d", w->priority);
	jexpect_eq(file, line, e, l, "PRIORITY", buf);
	jexpect_eq(file, line, e, l, "ZHIJIA_TECHNIQUE", w->technique);
	jexpect_eq(file, line, e, l, "ZHIJIA_TACTIC", w->tactic);
	jexpect_eq(file, line, e, l, "ZHIJIA_ACTION", w->action);
	jexpect_eq(file, line, e, l, "ZHIJIA_CONFIGURED", w->configured);
	jexpect_eq(file, line, e, l, "ZHIJIA_ENFORCED", w->enforced);
	jexpect_eq(file, line, e, l, "ZHIJIA_SEVERITY", severity);
	jexpect_eq(file, line, e, l, "ZHIJIA_REASON", reason);
	snprintf(buf, sizeof(buf), "%" PRId64, line_seq(l));
	jexpect_eq(file, line, e, l, "ZHIJIA_EVENT_SEQ", buf);
	snprintf(buf, sizeof(buf), "%d", (int)w->actor);
	jexpect_eq(file, line, e, l, "ZHIJIA_ACTOR_PID", buf);
	jexpect_eq(file, line, e, l, "ZHIJIA_ACTOR_EXE", zj_trigger_exe());
	if (w->target) {
		snprintf(buf, sizeof(buf), "%d", (int)w->target);
		jexpect_eq(file, line, e, l, "ZHIJIA_TARGET_PID", buf);
		jexpect_eq(file, line, e, l, "ZHIJIA_TARGET_EXE", w->target_exe);
	} else {
		jexpect_eq(file, line, e, l, "ZHIJIA_TARGET_PID", NULL);
		jexpect_eq(file, line, e, l, "ZHIJIA_TARGET_EXE", NULL);
	}
	jexpect_eq(file, line, e, l, "ZHIJIA_PATH", w->path);
	jexpect_eq(file, line, e, l, "ZHIJIA_LD_PRELOAD", w->ld_preload);

	/* MESSAGE: "<technique> <name> ...: <reason> [...]" */
	const char *msg = jfield(e, "MESSAGE");
	char head[96];
	snprintf(head, sizeof(head), "%s %s", w->technique, w->name);
	if (!msg || strncmp(msg, head, strlen(head)) != 0 || !strstr(msg, reason) ||
	    (w->message_has && !strcasestr(msg, w->message_has)))
		_ck_assert_failed(file, line, "journald MESSAGE",
				  "journald MESSAGE: expected \"%s ...\" with the finding's reason "
				  "\"%s\"%s%s, seen %s\n  entry: %s\n  line: %s",
				  head, reason, w->message_has ? " and " : "",
				  w->message_has ? w->message_has : "", msg ? msg : "(absent)",
				  json_object_to_json_string(e), l->raw);

	const char *mid = jfield(e, "MESSAGE_ID");
	bool hex = mid && strlen(mid) == 32;
	for (size_t i = 0; hex && i < 32; i++)
		hex = (mid[i] >= '0' && mid[i] <= '9') || (mid[i] >= 'a' && mid[i] <= 'f');
	if (!hex)
		_ck_assert_failed(
			file, line, "journald MESSAGE_ID",
			"journald MESSAGE_ID: expected 32 lowercase hex digits, seen %s\n  "
			"entry: %s",
			mid ? mid : "(absent)", json_object_to_json_string(e));
}

/* Assert entry e of l and keep its MESSAGE_ID in mid (33 bytes); puts e. */
static void jrn_check_(const char *file, int line, const struct zj_line *l,
		       const struct jrn_want *w, char *mid)
{
	json_object *e = jrn_wait_(file, line, l, w->technique);
	expect_jrn_(file, line, e, l, w);
	if (mid)
		snprintf(mid, 33, "%s", jfield(e, "MESSAGE_ID"));
	json_object_put(e);
}

/*
 * JRN_CHECK(l, mid, technique, name, tactic, action, configured, enforced, priority, actor,
 *           target, target_exe, path, ld_preload, message_has): see struct jrn_want.
 */
#define JRN_CHECK(l, mid, ...)                                                                     \
	jrn_check_(__FILE__, __LINE__, (l), &(const struct jrn_want){__VA_ARGS__}, (mid))

static void expect_same_id(const char *what, const char *a, const char *b)
{
	ck_assert_msg(strcmp(a, b) == 0, "MESSAGE_ID differs between two alerts of %s: %s, %s",
		      what, a, b);
}

/* Every MESSAGE_ID in ids[0..n) differs from the others (one per technique). */
static void expect_distinct_ids(const char *const *ids, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			ck_assert_msg(strcmp(ids[i], ids[k]) != 0,
				      "MESSAGE_ID %s is shared by %s and %s", ids[i], names[i],
				      names[k]);
}

/* ---- fixtures ------------------------------------------------------------------------------ */

static const char *start_failure(const struct zj_daemon *d, int r)
{
	static char msg[256];
	if (r == -ECHILD)
		snprintf(msg, sizeof(msg),
			 "zhijiad exited (wait status 0x%x) before printing \"zhijiad: ready\"",
			 d->status);
	else if (r == -ETIMEDOUT)
		snprintf(msg, sizeof(msg), "zhijiad did not print \"zhijiad: ready\" within %d s",
			 ZJ_READY_TIMEOUT_MS / 1000);
	else
		snprintf(msg, sizeof(msg), "starting zhijiad failed: %s", strerror(-r));
	return msg;
}

static bool is_socket(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Unchecked: runs in the Check parent, also when a test crashes. */
static void suite_setup(void)
{
	struct zj_cmd c;
	int r;

	zj_catch_signals();
	preload_absent = !zj_path_exists(PRELOAD_FILE);
	r = zj_dirs_prepare(test_dirs);
	if (r < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "preparing %s and %s: %s", CROND,
			 SYSTEMD, strerror(-r));
		return;
	}
	/* 0755 so that uid 65534 reaches the socket (the harness's own folders are 0700) */
	snprintf(ctl_dir, sizeof(ctl_dir), "/tmp/" ZJ_TEST_PREFIX "%d-ctl", (int)zj_main_pid());
	snprintf(sock_path, sizeof(sock_path), "%s/zhijiad.sock", ctl_dir);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.json", ctl_dir);
	snprintf(victim, sizeof(victim), "%s/victim", ctl_dir);
	snprintf(ctl_path, sizeof(ctl_path), "%s/zhijiactl", zj_build_dir());
	if (mkdir(ctl_dir, 0755) < 0 || chmod(ctl_dir, 0755) < 0 ||
	    (r = copy_file(zj_trigger_exe(), victim, 0755)) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "%s: %s", ctl_dir,
			 strerror(r < 0 ? -r : errno));
		return;
	}

	/* zhijiactl must know the policy noun (issue 3) */
	const char *help[] = {ctl_path, "--help", NULL};
	r = zj_cmd_run(&c, help, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS);
	if (r < 0 || !strstr(c.out, "policy")) {
		snprintf(setup_problem, sizeof(setup_problem),
			 "%s --help does not list the \"policy\" noun (%s):\n%s%s", ctl_path,
			 r < 0 ? strerror(-r) : "ran", c.out ? c.out : "", c.err ? c.err : "");
		zj_cmd_free(&c);
		return;
	}
	zj_cmd_free(&c);

	zd_r = zj_daemon_start(
		&zd, (const char *const[]){"--policy", policy_path, "--socket", sock_path, NULL});
	if (zd_r < 0) {
		fprintf(stderr, "check_policy_live: %s; its stderr:\n%s\n",
			start_failure(&zd, zd_r), zd.err_text ? zd.err_text : "");
		return;
	}
	for (int i = 0; i < 200 && !is_socket(sock_path); i++)
		sleep_ms(10);
	if (!is_socket(sock_path))
		snprintf(setup_problem, sizeof(setup_problem),
			 "zhijiad is ready but there is no control socket at %s (--socket)",
			 sock_path);
	if (zj_path_exists(policy_path))
		snprintf(setup_problem, sizeof(setup_problem),
			 "zhijiad wrote %s at start: a missing policy file means the built-in "
			 "defaults, not a file to create",
			 policy_path);
}

static void suite_teardown(void)
{
	if (zd_r == 0) {
		zj_daemon_stop(&zd);
		if (zd.stop_timed_out || !WIFEXITED(zd.status) || WEXITSTATUS(zd.status) != 0) {
			zd_problem = true;
			fprintf(stderr,
				"check_policy_live: zhijiad did not stop cleanly: wait status "
				"0x%x%s; its stderr:\n%s\n",
				zd.status, zd.stop_timed_out ? " (SIGTERM timed out)" : "",
				zd.err_text ? zd.err_text : "");
		}
	}
	zj_daemon_free(&zd);
	zj_cleanup();
}

/* Checked: runs in each test's process. */
static void test_setup(void)
{
	zj_test_begin();
	ck_assert_msg(!setup_problem[0], "%s", setup_problem);
	ck_assert_msg(zd_r == 0, "%s; its stderr:\n%s", start_failure(&zd, zd_r),
		      zd.err_text ? zd.err_text : "(none)");
	ck_assert_msg(kill(zd.pid, 0) == 0, "zhijiad (pid %d) is gone", (int)zd.pid);
	policy_restore();
	zj_tail_open(&tail, zd.log_path, true);
}

static void test_teardown(void)
{
	zj_tail_close(&tail);
	zj_test_end();
}

/* ---- triggers ------------------------------------------------------------------------------ */

struct hold_args {
	char pid[16];
	char addr[32];
};

static void hold_start(struct zj_hold *h, struct hold_args *a, const char *exe)
{
	int r = zj_hold_start(h, exe);
	ck_assert_msg(r == 0, "starting %s hold: %s", exe ? exe : zj_trigger_path(), strerror(-r));
	snprintf(a->pid, sizeof(a->pid), "%d", (int)h->pid);
	snprintf(a->addr, sizeof(a->addr), "0x%" PRIx64, h->addr);
}

/* ptrace-pid into h (no poke): wait for its PTRACE_ATTACH line, whose target is h. */
static const struct zj_line *attach(struct zj_run *r, const struct hold_args *a)
{
	ZJ_TRIGGER(r, "ptrace-pid", a->pid);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r->pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	ZJ_EXPECT_INT(l, "target.pid", atoi(a->pid));
	return l;
}

/*
 * FINDING(l, technique, name, tactic, severity, action, configured, why_has, benign, enforced,
 *         reason_has...): see struct zj_finding_want; the technique's three come from T_*.
 */
#define FINDING(l, ...) FINDING_(l, __VA_ARGS__) /* expands T_* into its three first */
#define FINDING_(l, t, n, tac, sev, act, conf, why, benign, enf, ...)                              \
	zj_expect_finding_(__FILE__, __LINE__, (l),                                                \
			   &(const struct zj_finding_want){(t),                                    \
							   (n),                                    \
							   (tac),                                  \
							   (sev),                                  \
							   (act),                                  \
							   (conf),                                 \
							   (why),                                  \
							   (benign),                               \
							   (enf),                                  \
							   {__VA_ARGS__, NULL}})

/* ptrace-pid into h under block: denied (EPERM, exit 1) or killed (the fallback). */
static const struct zj_line *attach_blocked(struct zj_run *r, const struct hold_args *a)
{
	int rc = zj_run_trigger(r, (const char *const[]){"ptrace-pid", a->pid, NULL},
				ZJ_TRIGGER_TIMEOUT_MS);
	ck_assert_msg(rc == 0, "running zj-trigger ptrace-pid: %s", strerror(-rc));
	ck_assert_msg((WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGKILL) ||
			      (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 1),
		      "block: ptrace-pid was neither denied nor killed: wait status 0x%x",
		      r->status);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r->pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	ZJ_EXPECT_INT(l, "target.pid", atoi(a->pid));
	return l;
}

static void expect_no_finding(const struct zj_line *l, const char *technique)
{
	ZJ_EXPECT(l, zj_line_finding(l, technique) == NULL,
		  "expected no finding of %s (its policy is off)", technique);
}

/* ---- tests: what each real operation gets under the built-in defaults ---------------------- */

START_TEST(test_start_with_corrupted_policy)
{
	char bad[PATH_MAX], sock[PATH_MAX], want[PATH_MAX + 16];
	struct zj_daemon d;
	zj_pathf(bad, sizeof(bad), "%s/corrupted.json", ctl_dir);
	zj_pathf(sock, sizeof(sock), "%s/corrupted.sock", ctl_dir);
	/* line 4, column 18: the bare word where a string must be */
	ck_assert_int_eq(write_text(bad,
				    "{\n  \"version\": 1,\n  \"actions\": {\n    \"T1055.008\": "
				    "block\n  }\n}\n"),
			 0);
	int r = zj_daemon_start(&d, (const char *const[]){"--policy", bad, "--socket", sock, NULL});
	ck_assert_msg(r == -ECHILD,
		      "zhijiad with a corrupted policy file: expected it to exit before \"ready\", "
		      "got %s; stderr:\n%s",
		      r == 0 ? "ready" : strerror(-r), d.err_text ? d.err_text : "");
	ck_assert_msg(WIFEXITED(d.status) && WEXITSTATUS(d.status) == 1,
		      "zhijiad with a corrupted policy file: expected exit status 1, wait status "
		      "0x%x; stderr:\n%s",
		      d.status, d.err_text ? d.err_text : "");
	snprintf(want, sizeof(want), "%s:4:18:", bad);
	ck_assert_msg(d.err_text && strstr(d.err_text, want),
		      "zhijiad's stderr does not name the error as \"%s\":\n%s", want,
		      d.err_text ? d.err_text : "");
	ck_assert_msg(!is_socket(sock), "zhijiad left a control socket at %s", sock);
	zj_daemon_free(&d);
	unlink(bad);
}
END_TEST

/* ptrace, /proc/<pid>/mem and vDSO writes into a process that is not the actor's child. */
START_TEST(test_injection_default_records)
{
	struct zj_hold h;
	struct hold_args a;
	struct zj_run r;
	char rp[32], hp[32], mem[64], at[48];
	hold_start(&h, &a, NULL);
	snprintf(hp, sizeof(hp), "(pid %d)", (int)h.pid);
	snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)h.pid);

	ZJ_TRIGGER(&r, "ptrace-pid", a.pid, a.addr);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	ZJ_EXPECT_INT(l, "target.pid", h.pid);
	ZJ_EXPECT_INT(l, "target.ppid", getpid()); /* not the actor: no debugger pattern */
	ZJ_EXPECT(l, zj_line_finding_count(l) == 1, "expected one finding");
	FINDING(l, T_PTRACE, "medium", "record", "default", WHY_ORDINARY, NULL, -1, rp, hp,
		"PTRACE_ATTACH");
	JRN_NONE(l);
	l = ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_POKEDATA"));
	ZJ_EXPECT(l, zj_line_finding_count(l) == 1, "expected one finding");
	FINDING(l, T_PTRACE, "high", "record", "default", WHY_ORDINARY, NULL, -1, rp, hp, a.addr,
		"PTRACE_POKEDATA");
	JRN_NONE(l);
	zj_run_done(&r);

	ZJ_TRIGGER(&r, "mem-pid", a.pid, a.addr);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	l = ZJ_WAIT(&tail, "mem_open", r.pid);
	ZJ_EXPECT_INT(l, "target.pid", h.pid);
	FINDING(l, T_PROCMEM, "medium", "record", "default", WHY_ORDINARY, NULL, -1, rp, hp, mem);
	JRN_NONE(l);
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	ZJ_EXPECT_INT(l, "target.pid", h.pid);
	ZJ_EXPECT(l, zj_line_finding_count(l) == 1, "expected one finding (not in the vDSO)");
	FINDING(l, T_PROCMEM, "high", "record", "default", WHY_ORDINARY, NULL, -1, rp, hp, mem,
		a.addr);
	JRN_NONE(l);
	zj_run_done(&r);

	ZJ_TRIGGER(&r, "vdso-pid", a.pid);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	snprintf(at, sizeof(at), "0x%" PRIx64, ZJ_OUT_HEX(&r, "vdso_start"));
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	ZJ_EXPECT_STR(l, "mem.region", "vdso");
	ZJ_EXPECT(l, zj_line_finding_count(l) == 2, "expected two findings (T1055.009, T1055.014)");
	FINDING(l, T_PROCMEM, "high", "record", "default", WHY_ORDINARY, NULL, -1, rp, hp, mem);
	FINDING(l, T_VDSO, "critical", "record", "default", WHY_ORDINARY, NULL, -1, rp, hp, "vDSO",
		mem, at);
	JRN_NONE(l);
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* The benign counterparts: a debugger on its own child, a process writing its own memory. */
START_TEST(test_injection_benign_records)
{
	struct zj_run r;
	char rp[32], cp[32];
	ZJ_TRIGGER(&r, "ptrace-poke");
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	snprintf(cp, sizeof(cp), "(pid %d)", (int)ZJ_OUT_INT(&r, "child"));
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	ZJ_EXPECT_INT(l, "target.ppid", r.pid);
	FINDING(l, T_PTRACE, "low", "record", "default", "default: benign",
		"debugger on its own child", -1, rp, cp, "its own child");
	JRN_NONE(l);
	l = ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_POKEDATA"));
	FINDING(l, T_PTRACE, "low", "record", "default", "default: benign",
		"debugger on its own child", -1, rp, cp, "PTRACE_POKEDATA");
	JRN_NONE(l);
	zj_run_done(&r);

	ZJ_TRIGGER(&r, "mem-self");
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	l = ZJ_WAIT(&tail, "mem_open", r.pid);
	FINDING(l, T_PROCMEM, "low", "record", "default", "default: benign", "self write", -1, rp,
		"its own memory");
	JRN_NONE(l);
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	FINDING(l, T_PROCMEM, "low", "record", "default", "default: benign", "self write", -1, rp,
		"its own memory");
	JRN_NONE(l);
	zj_run_done(&r);
}
END_TEST

/* Set to alert: every injection finding goes to journald with its fields. */
START_TEST(test_injection_alert_journald)
{
	struct zj_hold h;
	struct hold_args a;
	struct zj_run r;
	char rp[32], hp[32], mem[64], at[48];
	char id_attach[33], id_poke[33], id_open[33], id_write[33], id_vdso_mem[33], id_vdso[33];
	const char *exe = zj_trigger_exe();

	policy_set("T1055.008", "alert");
	policy_set("T1055.009", "alert");
	policy_set("T1055.014", "alert");
	hold_start(&h, &a, NULL);
	snprintf(hp, sizeof(hp), "(pid %d)", (int)h.pid);
	snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)h.pid);

	ZJ_TRIGGER(&r, "ptrace-pid", a.pid, a.addr);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	FINDING(l, T_PTRACE, "medium", "alert", "alert", "policy: alert", NULL, -1, rp, hp,
		"PTRACE_ATTACH");
	JRN_CHECK(l, id_attach, T_PTRACE, "alert", "alert", NULL, 4, r.pid, h.pid, exe, NULL, NULL,
		  NULL);
	l = ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_POKEDATA"));
	FINDING(l, T_PTRACE, "high", "alert", "alert", "policy: alert", NULL, -1, rp, hp, a.addr,
		"PTRACE_POKEDATA");
	JRN_CHECK(l, id_poke, T_PTRACE, "alert", "alert", NULL, 3, r.pid, h.pid, exe, NULL, NULL,
		  NULL);
	zj_run_done(&r);

	ZJ_TRIGGER(&r, "mem-pid", a.pid, a.addr);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	l = ZJ_WAIT(&tail, "mem_open", r.pid);
	FINDING(l, T_PROCMEM, "medium", "alert", "alert", "policy: alert", NULL, -1, rp, hp, mem);
	JRN_CHECK(l, id_open, T_PROCMEM, "alert", "alert", NULL, 4, r.pid, h.pid, exe, NULL, NULL,
		  NULL);
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	FINDING(l, T_PROCMEM, "high", "alert", "alert", "policy: alert", NULL, -1, rp, hp, mem,
		a.addr);
	JRN_CHECK(l, id_write, T_PROCMEM, "alert", "alert", NULL, 3, r.pid, h.pid, exe, NULL, NULL,
		  NULL);
	zj_run_done(&r);

	/* one write into the vDSO: two findings, two entries */
	ZJ_TRIGGER(&r, "vdso-pid", a.pid);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	snprintf(at, sizeof(at), "0x%" PRIx64, ZJ_OUT_HEX(&r, "vdso_start"));
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	FINDING(l, T_PROCMEM, "high", "alert", "alert", "policy: alert", NULL, -1, rp, hp, mem);
	FINDING(l, T_VDSO, "critical", "alert", "alert", "policy: alert", NULL, -1, rp, hp, "vDSO",
		mem, at);
	JRN_CHECK(l, id_vdso_mem, T_PROCMEM, "alert", "alert", NULL, 3, r.pid, h.pid, exe, NULL,
		  NULL, NULL);
	JRN_CHECK(l, id_vdso, T_VDSO, "alert", "alert", NULL, 2, r.pid, h.pid, exe, NULL, NULL,
		  NULL);
	zj_run_done(&r);
	zj_hold_stop(&h);

	expect_same_id("T1055.008", id_attach, id_poke);
	expect_same_id("T1055.009", id_open, id_write);
	expect_same_id("T1055.009", id_open, id_vdso_mem);
	expect_distinct_ids((const char *const[]){id_attach, id_open, id_vdso},
			    (const char *const[]){"T1055.008", "T1055.009", "T1055.014"}, 3);

	/* alert set explicitly still records a benign finding */
	ZJ_TRIGGER(&r, "ptrace-poke");
	l = ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	FINDING(l, T_PTRACE, "low", "record", "alert", "policy: alert; recorded: benign",
		"debugger on its own child", -1, "its own child");
	JRN_NONE(l);
	zj_run_done(&r);

	policy_reset("T1055.008");
	policy_reset("T1055.009");
	policy_reset("T1055.014");
}
END_TEST

/* Create a persistence file (alerted: system-wide) and remove it (recorded). */
static void persist_case(const char *path, const char *technique, const char *name,
			 const char *tactic, const char *severity, int priority, bool touch,
			 char *mid)
{
	struct zj_run r;
	char rp[32];
	ZJ_TRIGGER(&r, touch ? "file-touch" : "file-create", path);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", path));
	ZJ_EXPECT_STR(l, "file.op", "create");
	ZJ_EXPECT(l, zj_line_finding_count(l) == 1, "expected one finding");
	FINDING(l, technique, name, tactic, severity, "alert", "default", WHY_SYSTEM, NULL, -1, rp,
		path);
	JRN_CHECK(l, mid, technique, name, tactic, "alert", "default", NULL, priority, r.pid, 0,
		  NULL, path, NULL, NULL);
	zj_run_done(&r);

	ZJ_TRIGGER(&r, "file-unlink", path);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", path));
	ZJ_EXPECT_STR(l, "file.op", "unlink");
	FINDING(l, technique, name, tactic, "low", "record", "default", WHY_REMOVAL, NULL, -1, rp,
		path);
	JRN_NONE(l);
	zj_run_done(&r);
}

START_TEST(test_persistence_default)
{
	char cron[PATH_MAX], cron2[PATH_MAX], svc[PATH_MAX], tmr[PATH_MAX];
	char id_cron[33], id_cron2[33], id_svc[33], id_tmr[33], id_preload[33];
	zj_test_path(cron, sizeof(cron), CROND, "job");
	zj_test_path(cron2, sizeof(cron2), CROND, "job2");
	zj_test_path(svc, sizeof(svc), SYSTEMD, "svc.service");
	zj_test_path(tmr, sizeof(tmr), SYSTEMD, "tmr.timer");

	persist_case(cron, T_CRON, "medium", 4, false, id_cron);
	persist_case(cron2, T_CRON, "medium", 4, false, id_cron2);
	persist_case(svc, T_SERVICE, "medium", 4, false, id_svc);
	persist_case(tmr, T_TIMER, "medium", 4, false, id_tmr);
	expect_same_id("T1053.003", id_cron, id_cron2);
	if (preload_absent && !zj_path_exists(PRELOAD_FILE)) {
		/* created empty: any content would reach every exec on the machine */
		zj_claim_file(PRELOAD_FILE);
		persist_case(PRELOAD_FILE, T_PRELOAD, "high", 3, true, id_preload);
		expect_distinct_ids(
			(const char *const[]){id_cron, id_svc, id_tmr, id_preload},
			(const char *const[]){"T1053.003", "T1543.002", "T1053.006", "T1574.006"},
			4);
	} else {
		printf("check_policy_live: test_persistence_default: %s exists here and is never "
		       "clobbered: its case is left out\n",
		       PRELOAD_FILE);
		expect_distinct_ids((const char *const[]){id_cron, id_svc, id_tmr},
				    (const char *const[]){"T1053.003", "T1543.002", "T1053.006"},
				    3);
	}
}
END_TEST

/*
 * exec with LD_PRELOAD naming a library outside the system directories.  It does not exist:
 * nothing is loaded into the trigger, and ld.so only warns on stderr ("cannot be preloaded ...
 * ignored") -- the variable in the environment is what the sensor reports.
 */
static const struct zj_line *preload_exec(struct zj_run *r, const char *value)
{
	char env[PATH_MAX + 16];
	snprintf(env, sizeof(env), "LD_PRELOAD=%s", value);
	ZJ_TRIGGER(r, "exec-env", env, zj_trigger_path(), "noop", "preload");
	return ZJ_WAIT(&tail, "exec", r->pid, ZJ_S("exec.ld_preload", value));
}

START_TEST(test_ld_preload_exec)
{
	struct zj_run r;
	char lib[PATH_MAX], rp[32], has[PATH_MAX + 16], id1[33], id2[33];
	zj_test_path(lib, sizeof(lib), "/tmp", "hook.so");
	snprintf(has, sizeof(has), "LD_PRELOAD=%s", lib);

	/* default: the program hijacked is the actor itself, an ordinary one: recorded */
	const struct zj_line *l = preload_exec(&r, lib);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	FINDING(l, T_PRELOAD, "high", "record", "default", WHY_ORDINARY, NULL, -1, rp, has);
	JRN_NONE(l);
	zj_run_done(&r);

	policy_set("T1574.006", "alert");
	l = preload_exec(&r, lib);
	snprintf(rp, sizeof(rp), "pid %d ", (int)r.pid);
	FINDING(l, T_PRELOAD, "high", "alert", "alert", "policy: alert", NULL, -1, rp, has);
	JRN_CHECK(l, id1, T_PRELOAD, "alert", "alert", NULL, 3, r.pid, 0, NULL, NULL, lib, NULL);
	zj_run_done(&r);
	l = preload_exec(&r, lib);
	JRN_CHECK(l, id2, T_PRELOAD, "alert", "alert", NULL, 3, r.pid, 0, NULL, NULL, lib, NULL);
	expect_same_id("T1574.006", id1, id2);
	zj_run_done(&r);
	policy_reset("T1574.006");
}
END_TEST

/* ---- tests: the live policy ---------------------------------------------------------------- */

/* Each `policy set` decides the very next PTRACE_ATTACH, and is in the file. */
START_TEST(test_policy_set_next_event)
{
	struct zj_hold h;
	struct hold_args a;
	struct zj_run r;
	char hp[32], id_alert[33], id_block[33];
	const char *exe = zj_trigger_exe();
	hold_start(&h, &a, NULL);
	snprintf(hp, sizeof(hp), "(pid %d)", (int)h.pid);

	const struct zj_line *l = attach(&r, &a);
	ZJ_EXPECT_FINDING(
		l, (&(struct zj_finding_want){
			   T_PTRACE, "medium", "record", "default", WHY_ORDINARY, NULL, -1, {hp}}));
	zj_run_done(&r);

	policy_set("T1055.008", "record");
	l = attach(&r, &a);
	ZJ_EXPECT_FINDING(
		l,
		(&(struct zj_finding_want){
			T_PTRACE, "medium", "record", "record", "policy: record", NULL, -1, {hp}}));
	JRN_NONE(l);
	zj_run_done(&r);

	policy_set("T1055.008", "alert");
	EXPECT_GET_ACTION((uid_t)-1, "T1055.008", "alert");
	l = attach(&r, &a);
	ZJ_EXPECT_FINDING(
		l, (&(struct zj_finding_want){
			   T_PTRACE, "medium", "alert", "alert", "policy: alert", NULL, -1, {hp}}));
	JRN_CHECK(l, id_alert, T_PTRACE, "alert", "alert", NULL, 4, r.pid, h.pid, exe, NULL, NULL,
		  NULL);
	zj_run_done(&r);

	/* block: enforced -- denied by BPF LSM, or here, without it, the tracer killed at the
	 * attach (check_fallback has the details) -- and it says so everywhere */
	policy_set("T1055.008", "block");
	l = attach_blocked(&r, &a);
	ZJ_EXPECT_FINDING(
		l, (&(struct zj_finding_want){
			   T_PTRACE, "medium", "block", "block", "policy: block", NULL, 1, {hp}}));
	JRN_CHECK(l, id_block, T_PTRACE, "block", "block", "yes", 4, r.pid, h.pid, exe, NULL, NULL,
		  "blocked");
	expect_same_id("T1055.008 (alert, then block)", id_alert, id_block);
	zj_run_done(&r);

	policy_set("T1055.008", "off");
	l = attach(&r, &a);
	expect_no_finding(l, "T1055.008");
	JRN_NONE(l);
	zj_run_done(&r);

	policy_reset("T1055.008");
	l = attach(&r, &a);
	ZJ_EXPECT_FINDING(
		l, (&(struct zj_finding_want){
			   T_PTRACE, "medium", "record", "default", WHY_ORDINARY, NULL, -1, {hp}}));
	JRN_NONE(l);
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* A refused `policy set`: exit 1, a message naming the valid choices, nothing changed. */
static void expect_refused_set(const char *id, const char *action, const char *const *names)
{
	struct zj_cmd c;
	struct snapshot s;
	char what[128];
	snprintf(what, sizeof(what), "zhijiactl policy set %s %s", id, action);
	snapshot_take(&s);
	CTL(&c, (uid_t)-1, "policy", "set", id, action);
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 1,
		      "%s: expected exit status 1, wait status 0x%x\n  stdout: %s\n  stderr: %s",
		      what, c.status, c.out, c.err);
	for (const char *const *n = names; *n; n++)
		ck_assert_msg(strstr(c.err, *n), "%s: stderr does not name \"%s\":\n  %s", what, *n,
			      c.err);
	EXPECT_UNCHANGED(&s, what);
	free(s.data);
	zj_cmd_free(&c);
}

START_TEST(test_policy_set_errors)
{
	struct zj_hold h;
	struct hold_args a;
	struct zj_run r;
	/* a file to keep intact: one setting that is not the default */
	policy_set("T1055.009", "record");
	expect_refused_set(
		"T1055.99", "block",
		(const char *const[]){"T1055.99", "T1055.008", "T1055.009", "T1055.014", NULL});
	expect_refused_set(
		"T1055.008", "blok",
		(const char *const[]){"blok", "block", "alert", "record", "off", "default", NULL});
	EXPECT_GET_ACTION((uid_t)-1, "T1055.008", "default");
	EXPECT_GET_ACTION((uid_t)-1, "T1055.009", "record");
	/* and the daemon still decides as before */
	hold_start(&h, &a, NULL);
	const struct zj_line *l = attach(&r, &a);
	FINDING(l, T_PTRACE, "medium", "record", "default", WHY_ORDINARY, NULL, -1,
		"PTRACE_ATTACH");
	zj_run_done(&r);
	zj_hold_stop(&h);
	policy_reset("T1055.009");
}
END_TEST

/* STYLE.md: with --json every output, errors too, is valid JSON. */
START_TEST(test_policy_set_error_json)
{
	struct zj_cmd c;
	CTL(&c, (uid_t)-1, "--json", "policy", "set", "T1055.99", "block");
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 1,
		      "zhijiactl --json policy set T1055.99 block: expected exit status 1, wait "
		      "status 0x%x",
		      c.status);
	json_object *o = json_tokener_parse(c.out[0] ? c.out : c.err), *v;
	ck_assert_msg(o && json_object_is_type(o, json_type_object) &&
			      json_object_object_get_ex(o, "error", &v) &&
			      strstr(json_object_get_string(v), "T1055.008"),
		      "zhijiactl --json policy set T1055.99 block: expected a JSON object with an "
		      "\"error\" naming the valid choices\n  stdout: %s\n  stderr: %s",
		      c.out, c.err);
	json_object_put(o);
	zj_cmd_free(&c);
}
END_TEST

/* protect add: a ptrace into an otherwise ordinary process of that executable alerts. */
START_TEST(test_protect_add)
{
	struct zj_hold h;
	struct hold_args a;
	struct zj_run r;
	char hp[32];
	hold_start(&h, &a, victim);
	snprintf(hp, sizeof(hp), "(pid %d)", (int)h.pid);

	const struct zj_line *l = attach(&r, &a);
	ZJ_EXPECT_STR(l, "target.exe", victim);
	ZJ_EXPECT_FINDING(
		l, (&(struct zj_finding_want){
			   T_PTRACE, "medium", "record", "default", WHY_ORDINARY, NULL, -1, {hp}}));
	JRN_NONE(l);
	zj_run_done(&r);

	CTL_OK("protect", "add", victim);
	ck_assert_msg(policy_file_protects(victim), "policy file %s: \"protected\" lacks %s",
		      policy_path, victim);
	l = attach(&r, &a);
	ZJ_EXPECT_FINDING(
		l, (&(struct zj_finding_want){
			   T_PTRACE, "medium", "alert", "default", WHY_PROTECTED, NULL, -1, {hp}}));
	JRN_CHECK(l, NULL, T_PTRACE, "alert", "default", NULL, 4, r.pid, h.pid, victim, NULL, NULL,
		  NULL);
	zj_run_done(&r);

	CTL_OK("protect", "del", victim);
	ck_assert_msg(!policy_file_protects(victim), "policy file %s: \"protected\" still has %s",
		      policy_path, victim);
	l = attach(&r, &a);
	ZJ_EXPECT_FINDING(
		l, (&(struct zj_finding_want){
			   T_PTRACE, "medium", "record", "default", WHY_ORDINARY, NULL, -1, {hp}}));
	JRN_NONE(l);
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* uid 65534 may read the policy but not change it. */
START_TEST(test_nonroot_refused)
{
	struct zj_cmd c;
	struct snapshot s;
	struct zj_hold h;
	struct hold_args a;
	struct zj_run r;
	snapshot_take(&s);
	CTL(&c, NOBODY, "policy", "set", "T1055.008", "block");
	ck_assert_msg(!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0,
		      "zhijiactl policy set T1055.008 block as uid %d succeeded\n  stdout: %s",
		      NOBODY, c.out);
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) != 126,
		      "could not run zhijiactl as uid %d: %s", NOBODY, c.err);
	ck_assert_msg(strcasestr(c.err, "permission") || strcasestr(c.err, "root"),
		      "zhijiactl policy set as uid %d: stderr does not say permission or root:\n  "
		      "%s",
		      NOBODY, c.err);
	zj_cmd_free(&c);
	EXPECT_UNCHANGED(&s, "a refused policy set as uid 65534");

	CTL(&c, NOBODY, "policy", "reset", "T1055.008");
	ck_assert_msg(!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0,
		      "zhijiactl policy reset as uid %d succeeded", NOBODY);
	zj_cmd_free(&c);
	EXPECT_UNCHANGED(&s, "a refused policy reset as uid 65534");
	free(s.data);

	CTL(&c, NOBODY, "policy", "get", "T1055.008");
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
		      "zhijiactl policy get T1055.008 as uid %d: wait status 0x%x\n  stdout: "
		      "%s\n  stderr: %s",
		      NOBODY, c.status, c.out, c.err);
	ck_assert_msg(strstr(c.out, "T1055.008"), "policy get as uid %d: no T1055.008 in:\n%s",
		      NOBODY, c.out);
	zj_cmd_free(&c);
	EXPECT_GET_ACTION((uid_t)NOBODY, "T1055.008", "default");

	/* the live policy too is what it was */
	hold_start(&h, &a, NULL);
	const struct zj_line *l = attach(&r, &a);
	FINDING(l, T_PTRACE, "medium", "record", "default", WHY_ORDINARY, NULL, -1,
		"PTRACE_ATTACH");
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* An error entry of our zhijiad (no ZHIJIA_TECHNIQUE) whose MESSAGE contains has. */
static json_object *jrn_error_entry(const char *has)
{
	char m_pid[32];
	json_object *arr, *found = NULL;
	snprintf(m_pid, sizeof(m_pid), "_PID=%d", (int)zd.pid);
	ck_assert(zj_journal_query((const char *const[]){m_pid, NULL}, &arr) == 0);
	for (size_t i = 0; i < json_object_array_length(arr) && !found; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *msg = jfield(e, "MESSAGE");
		if (!json_object_object_get_ex(e, "ZHIJIA_TECHNIQUE", NULL) && msg &&
		    strstr(msg, has))
			found = json_object_get(e);
	}
	json_object_put(arr);
	return found;
}

/* Does zhijiad's stderr (copied to a file by the harness) contain has yet? */
static bool stderr_has(const char *has)
{
	char *text = NULL;
	size_t len;
	bool found = slurp(zd.err_path, &text, &len) == 0 && strstr(text, has);
	free(text);
	return found;
}

/*
 * SIGHUP with a corrupted file: the last good policy stays, and journald says so.  The reload
 * attempt is known to be over when its error shows on stderr or in journald; the event is
 * checked first, so that a missing journald entry does not hide how the policy behaved.
 */
START_TEST(test_sighup_corrupted_keeps_last_good)
{
	struct zj_hold h;
	struct hold_args a;
	struct zj_run r;
	char where[PATH_MAX + 16], *err = NULL;
	size_t len;
	json_object *e = NULL;
	const char *exe = zj_trigger_exe();

	policy_set("T1055.008", "alert");
	ck_assert_int_eq(write_text(policy_path, "{\n  \"version\": 1,\n  \"actions\": {\n    "
						 "\"T1055.008\": record\n  }\n}\n"),
			 0);
	snprintf(where, sizeof(where), "%s:4:18", policy_path);
	ck_assert_msg(jrn_error_entry(where) == NULL && !stderr_has(where),
		      "an error naming %s was logged before the SIGHUP", where);
	hold_start(&h, &a, NULL);
	ck_assert_int_eq(kill(zd.pid, SIGHUP), 0);

	uint64_t deadline = now_ms() + JOURNAL_TIMEOUT_MS;
	while (!stderr_has(where) && !(e = jrn_error_entry(where)) && now_ms() < deadline)
		sleep_ms(20);
	(void)slurp(zd.err_path, &err, &len);
	ck_assert_msg(e || stderr_has(where),
		      "zhijiad logged no error naming %s within %d ms of SIGHUP; its stderr:\n%s",
		      where, JOURNAL_TIMEOUT_MS, err ? err : "");
	ck_assert_msg(kill(zd.pid, 0) == 0, "zhijiad exited after SIGHUP with a corrupted policy");

	/* the very next event still gets the last good policy */
	const struct zj_line *l = attach(&r, &a);
	FINDING(l, T_PTRACE, "medium", "alert", "alert", "policy: alert", NULL, -1,
		"PTRACE_ATTACH");
	JRN_CHECK(l, NULL, T_PTRACE, "alert", "alert", NULL, 4, r.pid, h.pid, exe, NULL, NULL,
		  NULL);
	zj_run_done(&r);
	zj_hold_stop(&h);

	/* and journald has the error, saying that the last good policy is kept */
	deadline = now_ms() + JOURNAL_TIMEOUT_MS;
	while (!e && now_ms() < deadline) {
		(void)zj_journal_sync();
		e = jrn_error_entry(where);
		if (!e)
			sleep_ms(50);
	}
	ck_assert_msg(
		e,
		"no journald entry from zhijiad (_PID=%d, without ZHIJIA_TECHNIQUE) naming %s "
		"after the SIGHUP; the error went only to its stderr:\n%s",
		(int)zd.pid, where, err ? err : "");
	const char *msg = jfield(e, "MESSAGE"), *prio = jfield(e, "PRIORITY");
	ck_assert_msg(prio && atoi(prio) <= 3,
		      "the reload error's PRIORITY is %s, not an error: %s",
		      prio ? prio : "(absent)", json_object_to_json_string(e));
	ck_assert_msg(strcasestr(msg, "last good") || strcasestr(msg, "keep"),
		      "the reload error does not say the last good policy is kept: %s", msg);
	json_object_put(e);
	free(err);

	/* a change through zhijiactl writes a good file again */
	policy_reset("T1055.008");
}
END_TEST

/* ---- journald stops reading ---------------------------------------------------------------- */

/* journald's pid: the listener of its varlink socket (0 when that is not journald). */
static pid_t journald_pid(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char comm_path[64], *comm = NULL;
	size_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ZJ_JOURNAL_VARLINK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect %s: %s",
		      ZJ_JOURNAL_VARLINK, strerror(errno));
	ck_assert_msg(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0,
		      "SO_PEERCRED on %s: %s", ZJ_JOURNAL_VARLINK, strerror(errno));
	close(fd);
	snprintf(comm_path, sizeof(comm_path), "/proc/%d/comm", (int)cr.pid);
	if (slurp(comm_path, &comm, &n) < 0)
		return 0;
	bool is = !strncmp(comm, "systemd-journal", 15);
	free(comm);
	return is ? cr.pid : 0;
}

/*
 * A child in a session of its own that sends SIGCONT to pid once *ret_fd is closed -- by us,
 * or by the kernel when this test process dies however it dies (the harness SIGKILLs the
 * test's process group on a timeout): journald is never left stopped.
 */
static pid_t cont_guard(pid_t pid, int *ret_fd)
{
	int p[2];
	ck_assert_msg(pipe2(p, O_CLOEXEC) == 0, "pipe2: %s", strerror(errno));
	pid_t g = fork();
	ck_assert_msg(g >= 0, "fork: %s", strerror(errno));
	if (g == 0) {
		char c;
		close(p[1]);
		(void)setsid();
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		(void)kill(pid, SIGCONT);
		_exit(0);
	}
	close(p[0]);
	*ret_fd = p[1];
	return g;
}

START_TEST(test_journald_stalled)
{
	char name[NAME_MAX + 1], path[PATH_MAX];
	int64_t lost0, coalesced0, summaries0, first = INT64_MAX, last = 0;
	size_t alerts = 0, creates = 0, alone = 0, counted = 0, n_summaries = 0;
	struct zj_run r;
	json_object *st, *arr;
	int gfd;

	pid_t jp = journald_pid();
	if (!jp) {
		printf("check_policy_live: test_journald_stalled: SKIP: the listener of %s is not "
		       "systemd-journald\n",
		       ZJ_JOURNAL_VARLINK);
		return;
	}
	zj_test_path(path, sizeof(path), CROND, "storm");
	snprintf(name, sizeof(name), "%s", strrchr(path, '/') + 1);
	alerts_drained();
	st = ctl_status();
	lost0 = status_int(st, "kernel_counters.lost");
	coalesced0 = status_int(st, "journald_alerts.coalesced");
	summaries0 = status_int(st, "journald_alerts.summaries");
	json_object_put(st);

	pid_t g = cont_guard(jp, &gfd);
	ck_assert_msg(kill(jp, SIGSTOP) == 0, "SIGSTOP journald (pid %d): %s", (int)jp,
		      strerror(errno));
	/* 3000 x (create, rename, unlink) in /etc/cron.d: 6000 T1053.003 alerts, journald asleep */
	ZJ_TRIGGER(&r, "file-storm", CROND, "3000", name);
	/* its exit is logged while journald sleeps: zhijiad did not wait for journald */
	ZJ_SETTLE(&tail, r.pid);
	st = ctl_status();
	int64_t coalesced1 = status_int(st, "journald_alerts.coalesced");
	ck_assert_msg(status_int(st, "kernel_counters.lost") == lost0,
		      "records were lost while journald slept: %s", json_object_to_json_string(st));
	ck_assert_msg(coalesced1 > coalesced0,
		      "6000 alerts with journald stopped, yet none coalesced: %s",
		      json_object_to_json_string(st));
	json_object_put(st);
	for (size_t i = 0; i < tail.n; i++) {
		const struct zj_line *l = &tail.lines[i];
		json_object *fs;
		if (!zj_line_matches(l, "file", r.pid, ZJ_KVS()))
			continue;
		if (zj_line_matches(l, "file", r.pid, ZJ_KVS(ZJ_S("file.op", "create"))))
			creates++;
		if (!zj_json_get(l->obj, "findings", &fs) || !fs)
			continue;
		for (size_t k = 0; k < json_object_array_length(fs); k++) {
			json_object *a;
			if (zj_json_get(json_object_array_get_idx(fs, k), "action", &a) && a &&
			    !strcmp(json_object_get_string(a), "alert")) {
				alerts++;
				first = line_seq(l) < first ? line_seq(l) : first;
				last = line_seq(l) > last ? line_seq(l) : last;
			}
		}
	}
	ck_assert_msg(creates == 3000, "%zu of 3000 creations of %s logged", creates, path);
	ck_assert_msg(alerts >= 3000, "only %zu alert findings for 3000 cron files", alerts);

	close(gfd);
	ck_assert(waitpid(g, NULL, 0) == g);
	alerts_drained();
	(void)zj_journal_sync();
	st = ctl_status();
	ck_assert_msg(status_int(st, "journald_alerts.summaries") > summaries0,
		      "no summary of the coalesced alerts: %s", json_object_to_json_string(st));
	json_object_put(st);

	/* every alert of the storm is in journald: alone, or counted by exactly one summary */
	char m_pid[32];
	snprintf(m_pid, sizeof(m_pid), "_PID=%d", (int)zd.pid);
	ck_assert(zj_journal_query((const char *const[]){m_pid, NULL}, &arr) == 0);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *c = jfield(e, "ZHIJIA_COALESCED"), *seq = jfield(e, "ZHIJIA_EVENT_SEQ");
		if (c) {
			int64_t f = strtoll(jfield(e, "ZHIJIA_FIRST_EVENT_SEQ"), NULL, 10);
			int64_t l = strtoll(jfield(e, "ZHIJIA_LAST_EVENT_SEQ"), NULL, 10);
			if (l < first || f > last)
				continue;
			ck_assert_msg(f >= first && l <= last,
				      "a summary spans events %" PRId64 "-%" PRId64
				      " beyond the storm's %" PRId64 "-%" PRId64 ": %s",
				      f, l, first, last, json_object_to_json_string(e));
			ck_assert_str_eq(jfield(e, "ZHIJIA_TECHNIQUE"), "T1053.003");
			ck_assert_int_eq(atoi(jfield(e, "ZHIJIA_ACTOR_PID")), r.pid);
			ck_assert_ptr_nonnull(strstr(jfield(e, "MESSAGE"), "not sent one by one"));
			counted += (size_t)strtoull(c, NULL, 10);
			n_summaries++;
		} else if (seq && strtoll(seq, NULL, 10) >= first && strtoll(seq, NULL, 10) <= last)
			alone++;
	}
	json_object_put(arr);
	ck_assert_msg(n_summaries >= 1, "no summary entry in journald for events %" PRId64 "-%" PRId64,
		      first, last);
	ck_assert_msg(alone + counted == alerts,
		      "journald accounts for %zu alerts (%zu alone, %zu in %zu summaries); the "
		      "event log has %zu",
		      alone + counted, alone, counted, n_summaries, alerts);
	printf("check_policy_live: journald stopped for a storm of %zu alerts: %zu sent alone, "
	       "%zu in %zu summaries, 0 records lost\n",
	       alerts, alone, counted, n_summaries);
	zj_run_done(&r);
}
END_TEST

/* ---- main ---------------------------------------------------------------------------------- */

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy_live");
	TCase *tc = tcase_create("policy_live");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_start_with_corrupted_policy);
	tcase_add_test(tc, test_injection_default_records);
	tcase_add_test(tc, test_injection_benign_records);
	tcase_add_test(tc, test_injection_alert_journald);
	tcase_add_test(tc, test_persistence_default);
	tcase_add_test(tc, test_ld_preload_exec);
	tcase_add_test(tc, test_policy_set_next_event);
	tcase_add_test(tc, test_policy_set_errors);
	tcase_add_test(tc, test_policy_set_error_json);
	tcase_add_test(tc, test_protect_add);
	tcase_add_test(tc, test_nonroot_refused);
	tcase_add_test(tc, test_journald_stalled);
	tcase_add_test(tc, test_sighup_corrupted_keeps_last_good); /* last: it corrupts the file */
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	char why[512];
	pid_t jpid = 0;

	zj_env_init("check_policy_live");
	int r = zj_journal_ensure(&jpid, why, sizeof(why));
	if (r == -ENOENT) {
		printf("check_policy_live: SKIP: %s\n", why);
		return 77;
	}
	if (r < 0) {
		printf("check_policy_live: FAIL: journald is installed but not usable: %s\n", why);
		return EXIT_FAILURE;
	}
	if (r == 1)
		printf("check_policy_live: no journald was running: started %s (pid %d), left "
		       "running\n",
		       ZJ_JOURNALD, (int)jpid);
	SRunner *sr = srunner_create(policy_suite());
	srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (zd_problem) {
		fprintf(stderr,
			"check_policy_live: FAIL: zhijiad did not stop cleanly (see above)\n");
		failed++;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
