/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sensor integration tests, as root on the real kernel: zhijiad runs, zj-trigger performs each
 * operation for real, and every field of the event that arrives in the event log is asserted
 * against the schema of include/zhijia/event.h (trigger-then-assert, as Falco's driver tests).
 *
 * One zhijiad serves the "sensor" test case (started by an unchecked fixture, so a crashing test
 * does not take it down): a start costs seconds of BPF loading, a test well under one, and the
 * tests are independent of each other because each one matches events by the pid of its own
 * trigger.  The "storm" test case starts its own fresh daemon, because it asserts on the
 * daemon's final kernel-record counters.
 *
 * Absence is asserted only after the actor's exit event has arrived (ZJ_SETTLE): a process's
 * records enter the one ring buffer in program order, so nothing of it can still come later.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Directories the file tests write into; created (and removed afterwards) when absent. */
static const char *const test_dirs[] = {
	"/etc/cron.d",
	"/etc/cron.hourly",
	"/etc/cron.daily",
	"/etc/cron.weekly",
	"/etc/cron.monthly",
	"/var/spool/cron/crontabs",
	"/var/spool/cron/atjobs",
	"/etc/systemd/system",
	"/etc/systemd/user",
	"/etc",
	NULL,
};

#define CROND "/etc/cron.d"
#define SYSTEMD "/etc/systemd/system"

/* The test program's state (a main() file: STYLE.md allows it here). */
static struct zj_daemon sensor;
static int sensor_r = -ENOTCONN;
static bool sensor_problem;  /* the shared daemon did not stop as the contract says */
static struct zj_tail tail;  /* per test, from the log's end at the test's start */
static char stage[PATH_MAX]; /* /etc/zj-test-<pid>-stage: unwatched, same file system */
static bool preload_absent, crontab_absent; /* before the suite: only then may tests create them */

/* ---- fixtures ------------------------------------------------------------------------------ */

/* Why zj_daemon_start() failed, in words (a static buffer: test-program state). */
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

/* Unchecked: runs in the Check parent, also when a test crashes. */
static void sensor_setup(void)
{
	zj_catch_signals();
	preload_absent = !zj_path_exists("/etc/ld.so.preload");
	crontab_absent = !zj_path_exists("/etc/crontab");
	int r = zj_dirs_prepare(test_dirs);
	if (r < 0) {
		fprintf(stderr, "check_sensor: preparing the test directories: %s\n", strerror(-r));
		sensor_r = r;
		return;
	}
	/* staging folder, and a symlink in it that leads into /etc/cron.d */
	snprintf(stage, sizeof(stage), "/etc/" ZJ_TEST_PREFIX "%d-stage", (int)zj_main_pid());
	char link[PATH_MAX];
	zj_pathf(link, sizeof(link), "%s/crondir", stage);
	if (mkdir(stage, 0755) < 0 || symlink(CROND, link) < 0) {
		sensor_r = -errno;
		fprintf(stderr, "check_sensor: %s: %s\n", stage, strerror(errno));
		return;
	}
	/* the directories must exist before zhijiad resolves its watch list */
	sensor_r = zj_daemon_start(&sensor, NULL);
	if (sensor_r < 0)
		fprintf(stderr, "check_sensor: %s; its stderr:\n%s\n",
			start_failure(&sensor, sensor_r), sensor.err_text ? sensor.err_text : "");
}

static void sensor_teardown(void)
{
	if (sensor_r == 0) {
		zj_daemon_stop(&sensor);
		bool ok = !sensor.stop_timed_out && WIFEXITED(sensor.status) &&
			  WEXITSTATUS(sensor.status) == 0 && sensor.have_counters;
		if (!ok) {
			sensor_problem = true;
			fprintf(stderr,
				"check_sensor: zhijiad (shared) did not stop as the contract says: "
				"wait status 0x%x%s, kernel-records line %s; its stderr:\n%s\n",
				sensor.status, sensor.stop_timed_out ? " (SIGTERM timed out)" : "",
				sensor.have_counters ? "present" : "MISSING",
				sensor.err_text ? sensor.err_text : "");
		} else {
			const struct zj_counters *c = &sensor.counters;
			printf("check_sensor: shared zhijiad kernel records: exec=%" PRId64
			       " fork=%" PRId64 " exit=%" PRId64 " ptrace=%" PRId64
			       " mem_open=%" PRId64 " mem_write=%" PRId64 " vm_write=%" PRId64
			       " vdso_map=%" PRId64 " file=%" PRId64 " lost=%" PRId64
			       " read_fail=%" PRId64 "\n",
			       c->exec, c->fork, c->exit, c->ptrace, c->mem_open, c->mem_write,
			       c->vm_write, c->vdso_map, c->file, c->lost, c->read_fail);
		}
	}
	zj_daemon_free(&sensor);
	zj_cleanup();
}

/* Checked: runs in each test's process. */
static void test_setup(void)
{
	zj_test_begin();
	ck_assert_msg(sensor_r == 0, "%s; its stderr:\n%s", start_failure(&sensor, sensor_r),
		      sensor.err_text ? sensor.err_text : "(none)");
	zj_tail_open(&tail, sensor.log_path, true);
}

static void test_teardown(void)
{
	zj_tail_close(&tail);
	zj_test_end();
}

/* ---- expectations shared by several tests -------------------------------------------------- */

static void expect_actor_trigger(const struct zj_line *l, const struct zj_run *r, const char *sub)
{
	struct zj_proc_want w;
	zj_want_trigger(&w, r, sub);
	ZJ_EXPECT_PROC(l, "actor", &w);
}

static void expect_target_child(const struct zj_line *l, const struct zj_run *r, const char *sub)
{
	struct zj_proc_want w;
	zj_want_child(&w, r, sub);
	ZJ_EXPECT_PROC(l, "target", &w);
}

/* A process's own memory: "target" may be left out, but when present it is the actor. */
static void expect_target_self(const struct zj_line *l, const struct zj_run *r, const char *sub)
{
	json_object *v;
	if (!zj_json_get(l->obj, "target", &v))
		return;
	struct zj_proc_want w;
	zj_want_trigger(&w, r, sub);
	ZJ_EXPECT_PROC(l, "target", &w);
}

static void expect_ptrace(const struct zj_line *l, const struct zj_run *r, const char *sub,
			  const char *req, int64_t req_num, uint64_t addr, uint64_t data,
			  int64_t result, bool vdso)
{
	ZJ_EXPECT_HEADER(l, "ptrace", r);
	expect_actor_trigger(l, r, sub);
	expect_target_child(l, r, sub);
	ZJ_EXPECT_KEYS(l, "ptrace", "request", "request_num", "addr", "data", "result", "vdso");
	ZJ_EXPECT_STR(l, "ptrace.request", req);
	ZJ_EXPECT_INT(l, "ptrace.request_num", req_num);
	ZJ_EXPECT_HEX(l, "ptrace.addr", addr);
	ZJ_EXPECT_HEX(l, "ptrace.data", data);
	ZJ_EXPECT_INT(l, "ptrace.result", result);
	ZJ_EXPECT_BOOL(l, "ptrace.vdso", vdso);
}

/* The child a trigger wrote into was SIGKILLed by the trigger at the end. */
static void expect_child_killed(const struct zj_run *r, const char *sub)
{
	struct zj_proc_want w;
	zj_want_child(&w, r, sub);
	const struct zj_line *l = ZJ_WAIT(&tail, "exit", w.pid);
	ZJ_EXPECT_HEADER(l, "exit", r);
	ZJ_EXPECT_PROC(l, "actor", &w);
	ZJ_EXPECT_KEYS(l, "exit", "code", "signal");
	ZJ_EXPECT_INT(l, "exit.code", 0);
	ZJ_EXPECT_INT(l, "exit.signal", SIGKILL);
	ZJ_EXPECT_ABSENT(l, "target");
}

/*
 * The requests a trigger made that are not reported by default (PEEK*, GET*, CONT, DETACH,
 * INTERRUPT) left no record: after the trigger's exit, exactly `want` ptrace events.
 */
static void expect_ptrace_count(const struct zj_run *r, size_t want)
{
	static const char *const quiet[] = {
		"PTRACE_PEEKDATA",  "PTRACE_PEEKTEXT",	"PTRACE_PEEKUSER",   "PTRACE_GETREGS",
		"PTRACE_GETREGSET", "PTRACE_GETFPREGS", "PTRACE_GETSIGINFO", "PTRACE_CONT",
		"PTRACE_DETACH",    "PTRACE_INTERRUPT"};
	ZJ_SETTLE(&tail, r->pid);
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		size_t c = ZJ_COUNT(&tail, "ptrace", r->pid, ZJ_S("ptrace.request", quiet[i]));
		ck_assert_msg(c == 0, "%s was reported although it is not in the default set",
			      quiet[i]);
	}
	size_t n = ZJ_COUNT(&tail, "ptrace", r->pid);
	ck_assert_msg(n == want, "pid %d: %zu ptrace events, expected %zu", (int)r->pid, n, want);
}

/* "flags" of a mem_open: a hex string with the access mode O_RDWR. */
static void expect_open_flags(const struct zj_line *l)
{
	json_object *v;
	ck_assert(zj_json_get(l->obj, "mem.flags", &v));
	const char *s =
		v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	char *end = NULL;
	uint64_t f = strncmp(s, "0x", 2) == 0 ? strtoull(s + 2, &end, 16) : 0;
	ZJ_EXPECT(l, end && !*end && (f & O_ACCMODE) == O_RDWR && !(f & (O_CREAT | O_TRUNC)),
		  "mem.flags: expected a \"0x...\" string of f_flags with O_RDWR, seen %s",
		  v ? json_object_to_json_string(v) : "null");
}

static void expect_mem_open(const struct zj_line *l, const struct zj_run *r, const char *sub,
			    bool self)
{
	ZJ_EXPECT_HEADER(l, "mem_open", r);
	expect_actor_trigger(l, r, sub);
	if (self)
		expect_target_self(l, r, sub);
	else
		expect_target_child(l, r, sub);
	ZJ_EXPECT_KEYS(l, "mem", "via", "fd", "flags", "self");
	ZJ_EXPECT_STR(l, "mem.via", "open");
	ZJ_EXPECT_INT(l, "mem.fd", ZJ_OUT_INT(r, "fd"));
	expect_open_flags(l);
	ZJ_EXPECT_BOOL(l, "mem.self", self);
}

/* iovcnt: the vector count, 1 for write/pwrite64 (one buffer). */
static void expect_iovcnt(const struct zj_line *l, int64_t want)
{
	ZJ_EXPECT_INT(l, "mem.iovcnt", want);
}

static void expect_mem_write(const struct zj_line *l, const struct zj_run *r, const char *sub,
			     const char *via, bool vector, bool self, bool vdso)
{
	ZJ_EXPECT_HEADER(l, "mem_write", r);
	expect_actor_trigger(l, r, sub);
	if (self)
		expect_target_self(l, r, sub);
	else
		expect_target_child(l, r, sub);
	ZJ_EXPECT_KEYS(l, "mem", "via", "fd", "addr", "len", "iovcnt", "self", "vdso", "region");
	ZJ_EXPECT_STR(l, "mem.via", via);
	ZJ_EXPECT_INT(l, "mem.fd", ZJ_OUT_INT(r, "fd"));
	ZJ_EXPECT_HEX(l, "mem.addr", ZJ_OUT_HEX(r, "addr"));
	ZJ_EXPECT_INT(l, "mem.len", ZJ_OUT_INT(r, "len"));
	expect_iovcnt(l, vector ? ZJ_OUT_INT(r, "iovcnt") : 1);
	ZJ_EXPECT_BOOL(l, "mem.self", self);
	ZJ_EXPECT_BOOL(l, "mem.vdso", vdso);
	if (vdso)
		ZJ_EXPECT_STR(l, "mem.region", "vdso");
	else
		ZJ_EXPECT_NULL(l, "mem.region");
}

/* After the trigger exited: exactly one mem_open and one mem_write from it. */
static void expect_mem_counts(const struct zj_run *r, size_t opens, size_t writes)
{
	ZJ_SETTLE(&tail, r->pid);
	size_t o = ZJ_COUNT(&tail, "mem_open", r->pid), w = ZJ_COUNT(&tail, "mem_write", r->pid);
	ck_assert_msg(o == opens && w == writes,
		      "pid %d: %zu mem_open and %zu mem_write events, expected %zu and %zu",
		      (int)r->pid, o, w, opens, writes);
}

/* A /proc/<child>/mem write test: the open, the write, nothing else, the child's end. */
static void mem_case(const char *sub, const char *via, bool vector)
{
	struct zj_run r;
	ZJ_TRIGGER(&r, sub);
	const struct zj_line *l = ZJ_WAIT(&tail, "mem_open", r.pid);
	expect_mem_open(l, &r, sub, false);
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	expect_mem_write(l, &r, sub, via, vector, false, false);
	expect_mem_counts(&r, 1, 1);
	expect_child_killed(&r, sub);
	zj_run_done(&r);
}

/* mode as the schema writes it: "0644" */
static void mode_str(char *buf, size_t size, unsigned mode)
{
	snprintf(buf, size, "%04o", mode);
}

/*
 * A file event: actor the trigger, no target, the op, the absolute path, old_path only for
 * rename and link, link_target only for symlink, mode only for chmod and create.
 */
static void expect_file(const struct zj_line *l, const struct zj_run *r, const char *sub,
			const char *op, const char *path, const char *old_path,
			const char *link_target, int mode, bool o_trunc)
{
	char m[16];
	ZJ_EXPECT_HEADER(l, "file", r);
	expect_actor_trigger(l, r, sub);
	ZJ_EXPECT_ABSENT(l, "target");
	ZJ_EXPECT_KEYS(l, "file", "op", "path", "old_path", "link_target", "mode", "o_trunc",
		       "result");
	ZJ_EXPECT_STR(l, "file.op", op);
	/* rename, link, symlink are reported at their exit, with the result: these succeeded */
	if (strcmp(op, "rename") == 0 || strcmp(op, "link") == 0 || strcmp(op, "symlink") == 0)
		ZJ_EXPECT_INT(l, "file.result", 0);
	else
		ZJ_EXPECT_ABSENT(l, "file.result");
	ZJ_EXPECT_STR(l, "file.path", path);
	if (old_path)
		ZJ_EXPECT_STR(l, "file.old_path", old_path);
	else
		ZJ_EXPECT_ABSENT(l, "file.old_path");
	if (link_target)
		ZJ_EXPECT_STR(l, "file.link_target", link_target);
	else
		ZJ_EXPECT_ABSENT(l, "file.link_target");
	if (mode >= 0) {
		mode_str(m, sizeof(m), (unsigned)mode);
		ZJ_EXPECT_STR(l, "file.mode", m);
	} else {
		ZJ_EXPECT_ABSENT(l, "file.mode");
	}
	ZJ_EXPECT_BOOL(l, "file.o_trunc", o_trunc);
	ZJ_EXPECT_ABSENT(l, "file.path_hex");
}

/* After the trigger exited: exactly n file events from it. */
static void expect_file_count(const struct zj_run *r, size_t n)
{
	ZJ_SETTLE(&tail, r->pid);
	size_t got = ZJ_COUNT(&tail, "file", r->pid);
	if (got != n) {
		char seen[4000] = "";
		size_t s = 0;
		for (size_t i = 0; i < tail.n && s < sizeof(seen) - 1; i++)
			if (zj_line_matches(&tail.lines[i], "file", r->pid, NULL, 0))
				s += (size_t)snprintf(seen + s, sizeof(seen) - s, "\n    %s",
						      tail.lines[i].raw);
		ck_abort_msg("pid %d: %zu file events, expected %zu:%s", (int)r->pid, got, n, seen);
	}
}

/* Run a trigger whose file events are not under test (set-up and clean-up steps). */
static void step(const char *const *args)
{
	struct zj_run r;
	zj_trigger_ok_(__FILE__, __LINE__, &r, args);
	zj_run_done(&r);
}
#define STEP(...) step((const char *const[]){__VA_ARGS__, NULL})

/* Do `args`; expect exactly one file event with op and path (and the other fields). */
static void file_case(const char *const *args, const char *op, const char *path,
		      const char *old_path, const char *link_target, int mode, bool o_trunc)
{
	struct zj_run r;
	zj_trigger_ok_(__FILE__, __LINE__, &r, args);
	const char *sub = args[0][0] == '-' ? args[2] : args[0]; /* after --cwd DIR */
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", path));
	expect_file(l, &r, sub, op, path, old_path, link_target, mode, o_trunc);
	expect_file_count(&r, 1);
	zj_run_done(&r);
}
#define FILE_CASE(op, path, old, target, mode, trunc, ...)                                         \
	file_case((const char *const[]){__VA_ARGS__, NULL}, (op), (path), (old), (target), (mode), \
		  (trunc))

/* ---- exec, fork, exit ---------------------------------------------------------------------- */

/* argv of an exec event equals want[0..n) exactly (byte strings; NULs impossible in argv). */
static void expect_argv(const struct zj_line *l, const char *const *want, size_t n)
{
	json_object *argv;
	ck_assert(zj_json_get(l->obj, "exec.argv", &argv));
	ZJ_EXPECT(l, argv && json_object_is_type(argv, json_type_array),
		  "exec.argv: expected an array");
	ZJ_EXPECT(l, json_object_array_length(argv) == n,
		  "exec.argv: expected %zu elements, seen %zu", n, json_object_array_length(argv));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(argv, i);
		ZJ_EXPECT(l,
			  e && json_object_is_type(e, json_type_string) &&
				  (size_t)json_object_get_string_len(e) == strlen(want[i]) &&
				  memcmp(json_object_get_string(e), want[i], strlen(want[i])) == 0,
			  "exec.argv[%zu]: expected \"%s\", seen %s", i, want[i],
			  e ? json_object_to_json_string(e) : "null");
	}
}

/* The exec object's keys; "ld_preload" only when LD_PRELOAD was in the new environment. */
static void expect_exec_keys(const struct zj_line *l)
{
	ZJ_EXPECT_KEYS(l, "exec", "filename", "exe", "argv", "argc", "ld_preload");
	if (!getenv("LD_PRELOAD"))
		ZJ_EXPECT_ABSENT(l, "exec.ld_preload");
}

START_TEST(test_exec_fork_exit_of_trigger)
{
	struct zj_run r;
	struct zj_proc_want w;
	ZJ_TRIGGER(&r, "noop", "x");

	/* fork: this test process is the parent of the trigger */
	const struct zj_line *l = ZJ_WAIT(&tail, "fork", getpid(), ZJ_N("fork.child_pid", r.pid));
	ZJ_EXPECT_HEADER(l, "fork", &r);
	zj_want_self(&w);
	ZJ_EXPECT_PROC(l, "actor", &w);
	ZJ_EXPECT_KEYS(l, "fork", "child_pid");
	ZJ_EXPECT_INT(l, "fork.child_pid", r.pid);
	if (zj_json_get(l->obj, "target", &(json_object *){NULL}))
		ZJ_EXPECT_INT(l, "target.pid", r.pid);

	/* the exec of zj-trigger itself */
	l = ZJ_WAIT(&tail, "exec", r.pid);
	ZJ_EXPECT_HEADER(l, "exec", &r);
	expect_actor_trigger(l, &r, "noop");
	ZJ_EXPECT_ABSENT(l, "target");
	expect_exec_keys(l);
	ZJ_EXPECT_STR(l, "exec.filename", zj_trigger_path());
	ZJ_EXPECT_STR(l, "exec.exe", zj_trigger_exe());
	ZJ_EXPECT_INT(l, "exec.argc", 3);
	expect_argv(l, (const char *const[]){zj_trigger_path(), "noop", "x"}, 3);
	ZJ_EXPECT_ABSENT(l, "exec.argv_hex");

	/* its exit */
	l = ZJ_SETTLE(&tail, r.pid);
	ZJ_EXPECT_HEADER(l, "exit", &r);
	expect_actor_trigger(l, &r, "noop");
	ZJ_EXPECT_ABSENT(l, "target");
	ZJ_EXPECT_KEYS(l, "exit", "code", "signal");
	ZJ_EXPECT_INT(l, "exit.code", 0);
	ZJ_EXPECT_INT(l, "exit.signal", 0);
	ck_assert_uint_eq(ZJ_COUNT(&tail, "exec", r.pid), 1);
	zj_run_done(&r);
}
END_TEST

static void hex_of(char *out, const char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[(unsigned char)p[i] >> 4];
		out[2 * i + 1] = digits[(unsigned char)p[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * Hostile argv through a symlink: spaces, quotes, a newline, a tab, an empty argument, invalid
 * UTF-8, a backslash, a control byte, CJK.  One valid JSON line (the tail checks that), argv
 * decoded exactly, the invalid bytes as U+FFFD with the raw bytes in "argv_hex"; "filename" is
 * the symlink asked for, "exe" the file that ran, "comm" the symlink's name.
 */
START_TEST(test_exec_hostile_argv)
{
	char link[PATH_MAX];
	zj_pathf(link, sizeof(link), "%s/zj-link", stage);
	ck_assert_msg(symlink(zj_trigger_exe(), link) == 0 || errno == EEXIST, "symlink %s: %s",
		      link, strerror(errno));
	const char *const argv[] = {link,
				    "noop",
				    "two words",
				    "quo\"te 'single'",
				    "new\nline",
				    "tab\there",
				    "",
				    "bad\xff\xfe!",
				    "back\\slash",
				    "\001ctl",
				    "\xe4\xb8\xad\xe6\x96\x87"};
	const size_t argc = sizeof(argv) / sizeof(argv[0]);
	const char *args[2 + sizeof(argv) / sizeof(argv[0])];
	args[0] = "exec";
	for (size_t i = 0; i < argc; i++)
		args[1 + i] = argv[i];
	args[1 + argc] = NULL;

	struct zj_run r;
	struct zj_proc_want w;
	zj_trigger_ok_(__FILE__, __LINE__, &r, args);
	const struct zj_line *l = ZJ_WAIT(&tail, "exec", r.pid, ZJ_S("exec.filename", link));
	ZJ_EXPECT_HEADER(l, "exec", &r);
	zj_want_trigger(&w, &r, "two words");
	w.comm = "zj-link";
	ZJ_EXPECT_PROC(l, "actor", &w);
	expect_exec_keys(l);
	ZJ_EXPECT_STR(l, "exec.filename", link);
	ZJ_EXPECT_STR(l, "exec.exe", zj_trigger_exe());
	ZJ_EXPECT_INT(l, "exec.argc", (int64_t)argc);

	const char *decoded[sizeof(argv) / sizeof(argv[0])];
	for (size_t i = 0; i < argc; i++)
		decoded[i] = argv[i];
	decoded[7] = "bad\xef\xbf\xbd\xef\xbf\xbd!"; /* two invalid bytes, two U+FFFD */
	expect_argv(l, decoded, argc);

	/* the raw bytes: all arguments, NUL-separated (the NULs tell separators from spaces) */
	char blob[512], hex[1100];
	size_t n = 0;
	for (size_t i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;
		memcpy(blob + n, argv[i], len);
		n += len;
	}
	json_object *v;
	ZJ_EXPECT(l, zj_json_get(l->obj, "exec.argv_hex", &v) && v,
		  "exec.argv_hex: expected the raw argv bytes (an argument was not UTF-8)");
	if (json_object_is_type(v, json_type_array)) {
		ZJ_EXPECT(l, json_object_array_length(v) == argc,
			  "exec.argv_hex: an array must have argc elements");
		hex_of(hex, argv[7], strlen(argv[7]));
		json_object *e = json_object_array_get_idx(v, 7);
		ZJ_EXPECT(l, e && strcasecmp(json_object_get_string(e), hex) == 0,
			  "exec.argv_hex[7]: expected \"%s\"", hex);
	} else {
		const char *s = json_object_get_string(v);
		char hex2[1100];
		hex_of(hex, blob, n);
		hex_of(hex2, blob, n - 1);
		ZJ_EXPECT(l, strcasecmp(s, hex) == 0 || strcasecmp(s, hex2) == 0,
			  "exec.argv_hex: expected \"%s\" (hex of the NUL-separated argv)", hex);
	}
	l = ZJ_SETTLE(&tail, r.pid);
	ZJ_EXPECT_INT(l, "exit.code", 0);
	unlink(link);
	zj_run_done(&r);
}
END_TEST

/* argv beyond ZJ_ARGS_MAX (8192 bytes): "truncated" names argv, argc stays the real count. */
START_TEST(test_exec_long_argv)
{
	enum { NARGS = 120, ARGLEN = 100 };
	static char bufs[NARGS][ARGLEN + 1];
	const char *args[NARGS + 4];
	size_t k = 0;
	args[k++] = "exec";
	args[k++] = zj_trigger_path();
	args[k++] = "noop";
	for (int i = 0; i < NARGS; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "arg-%03d-", i);
		memset(bufs[i] + 8, 'a' + i % 26, ARGLEN - 8);
		bufs[i][ARGLEN] = '\0';
		args[k++] = bufs[i];
	}
	args[k] = NULL;

	struct zj_run r;
	zj_trigger_ok_(__FILE__, __LINE__, &r, args);
	/* the second exec of this pid is the long one */
	ZJ_SETTLE(&tail, r.pid);
	const struct zj_line *l = NULL;
	for (size_t i = 0; i < tail.n; i++) {
		if (zj_line_matches(&tail.lines[i], "exec", r.pid,
				    ZJ_KVS(ZJ_N("exec.argc", NARGS + 2))))
			l = &tail.lines[i];
	}
	ck_assert_msg(l, "no exec event with argc %d for pid %d", NARGS + 2, (int)r.pid);
	zj_expect_header_(__FILE__, __LINE__, l, "exec", &r, true);
	json_object *tr, *argv;
	ck_assert(zj_json_get(l->obj, "truncated", &tr));
	bool named = false;
	for (size_t i = 0; tr && i < json_object_array_length(tr); i++)
		named |= strcmp(json_object_get_string(json_object_array_get_idx(tr, i)), "argv") ==
			 0;
	ZJ_EXPECT(l, named, "truncated: expected an array naming \"argv\"");
	ck_assert(zj_json_get(l->obj, "exec.argv", &argv) && argv);
	size_t m = json_object_array_length(argv), bytes = 0;
	ZJ_EXPECT(l, m > 2 && m <= (size_t)NARGS + 2, "exec.argv: %zu elements", m);
	for (size_t i = 0; i < m; i++) {
		const char *want = i == 0 ? zj_trigger_path() : i == 1 ? "noop" : bufs[i - 2];
		json_object *e = json_object_array_get_idx(argv, i);
		const char *got = json_object_get_string(e);
		size_t glen = (size_t)json_object_get_string_len(e);
		bytes += glen + 1;
		/* all kept arguments exact; the last one may be cut */
		bool ok = i + 1 < m ? strcmp(got, want) == 0
				    : glen <= strlen(want) && memcmp(got, want, glen) == 0;
		ZJ_EXPECT(l, ok, "exec.argv[%zu]: expected \"%s\"%s, seen \"%s\"", i, want,
			  i + 1 < m ? "" : " or a prefix of it", got);
	}
	ZJ_EXPECT(l, bytes <= 8192, "exec.argv: %zu bytes kept, more than ZJ_ARGS_MAX", bytes);
	zj_run_done(&r);
}
END_TEST

/* LD_PRELOAD in the environment of an exec (T1574.006): "ld_preload" holds its value. */
START_TEST(test_exec_ld_preload)
{
	/* a bare soname the dynamic linker finds and that is loaded anyway: harmless */
	static const char value[] = "libc.so.6";
	struct zj_run r;
	ZJ_TRIGGER(&r, "exec-env", "LD_PRELOAD=libc.so.6", zj_trigger_path(), "noop", "preload");
	const struct zj_line *l = ZJ_WAIT(&tail, "exec", r.pid, ZJ_S("exec.ld_preload", value));
	ZJ_EXPECT_HEADER(l, "exec", &r);
	expect_actor_trigger(l, &r, "preload");
	ZJ_EXPECT_KEYS(l, "exec", "filename", "exe", "argv", "argc", "ld_preload");
	ZJ_EXPECT_STR(l, "exec.filename", zj_trigger_path());
	ZJ_EXPECT_STR(l, "exec.exe", zj_trigger_exe());
	ZJ_EXPECT_INT(l, "exec.argc", 3);
	expect_argv(l, (const char *const[]){zj_trigger_path(), "noop", "preload"}, 3);
	ZJ_EXPECT_STR(l, "exec.ld_preload", value);
	/* the first exec (the harness starting zj-trigger) had no LD_PRELOAD */
	ZJ_SETTLE(&tail, r.pid);
	ck_assert_uint_eq(ZJ_COUNT(&tail, "exec", r.pid), 2);
	if (!getenv("LD_PRELOAD"))
		ck_assert_uint_eq(ZJ_COUNT(&tail, "exec", r.pid, ZJ_S("exec.ld_preload", value)),
				  1);
	zj_run_done(&r);
}
END_TEST

START_TEST(test_fork_and_child_exit)
{
	struct zj_run r;
	struct zj_proc_want w;
	ZJ_TRIGGER(&r, "fork");
	pid_t child = (pid_t)ZJ_OUT_INT(&r, "child");
	const struct zj_line *l = ZJ_WAIT(&tail, "fork", r.pid, ZJ_N("fork.child_pid", child));
	ZJ_EXPECT_HEADER(l, "fork", &r);
	expect_actor_trigger(l, &r, "fork");
	ZJ_EXPECT_KEYS(l, "fork", "child_pid");
	ZJ_EXPECT_INT(l, "fork.child_pid", child);
	if (zj_json_get(l->obj, "target", &(json_object *){NULL}))
		ZJ_EXPECT_INT(l, "target.pid", child);

	l = ZJ_WAIT(&tail, "exit", child);
	ZJ_EXPECT_HEADER(l, "exit", &r);
	zj_want_child(&w, &r, "fork");
	ZJ_EXPECT_PROC(l, "actor", &w);
	ZJ_EXPECT_KEYS(l, "exit", "code", "signal");
	ZJ_EXPECT_INT(l, "exit.code", 7);
	ZJ_EXPECT_INT(l, "exit.signal", 0);
	zj_run_done(&r);
}
END_TEST

START_TEST(test_exit_code)
{
	struct zj_run r;
	int err = zj_run_trigger(&r, (const char *const[]){"exit", "42", NULL},
				 ZJ_TRIGGER_TIMEOUT_MS);
	ck_assert_msg(err == 0 && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 42,
		      "zj-trigger exit 42: %s, status 0x%x", strerror(-err), r.status);
	const struct zj_line *l = ZJ_SETTLE(&tail, r.pid);
	ZJ_EXPECT_HEADER(l, "exit", &r);
	expect_actor_trigger(l, &r, "exit");
	ZJ_EXPECT_KEYS(l, "exit", "code", "signal");
	ZJ_EXPECT_INT(l, "exit.code", 42);
	ZJ_EXPECT_INT(l, "exit.signal", 0);
	zj_run_done(&r);
}
END_TEST

/* ---- ptrace -------------------------------------------------------------------------------- */

/* ATTACH then one writing request: both events, nothing else, the child's end. */
static void ptrace_case(const char *sub, const char *req, int64_t num)
{
	struct zj_run r;
	ZJ_TRIGGER(&r, sub);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	expect_ptrace(l, &r, sub, "PTRACE_ATTACH", 16, 0, 0, 0, false);
	l = ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_N("ptrace.request_num", num));
	expect_ptrace(l, &r, sub, req, num, ZJ_OUT_HEX(&r, "addr"), ZJ_OUT_HEX(&r, "data"), 0,
		      false);
	expect_ptrace_count(&r, 2);
	expect_child_killed(&r, sub);
	zj_run_done(&r);
}

START_TEST(test_ptrace_attach_pokedata)
{
	ptrace_case("ptrace-poke", "PTRACE_POKEDATA", 5);
}
END_TEST

START_TEST(test_ptrace_poketext)
{
	ptrace_case("ptrace-poketext", "PTRACE_POKETEXT", 4);
}
END_TEST

START_TEST(test_ptrace_setregset)
{
	ptrace_case("ptrace-setregset", "PTRACE_SETREGSET", 0x4205);
}
END_TEST

START_TEST(test_ptrace_setsiginfo)
{
	ptrace_case("ptrace-setsiginfo", "PTRACE_SETSIGINFO", 0x4203);
}
END_TEST

#if defined(__x86_64__)
START_TEST(test_ptrace_pokeuser)
{
	ptrace_case("ptrace-pokeuser", "PTRACE_POKEUSER", 6);
}
END_TEST

START_TEST(test_ptrace_setregs)
{
	ptrace_case("ptrace-setregs", "PTRACE_SETREGS", 13);
}
END_TEST

START_TEST(test_ptrace_setfpregs)
{
	ptrace_case("ptrace-setfpregs", "PTRACE_SETFPREGS", 15);
}
END_TEST
#endif

START_TEST(test_ptrace_seize)
{
	struct zj_run r;
	ZJ_TRIGGER(&r, "ptrace-seize");
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_SEIZE"));
	expect_ptrace(l, &r, "ptrace-seize", "PTRACE_SEIZE", 0x4206, 0, ZJ_OUT_HEX(&r, "data"), 0,
		      false);
	expect_ptrace_count(&r, 1); /* INTERRUPT and DETACH are not reported */
	expect_child_killed(&r, "ptrace-seize");
	zj_run_done(&r);
}
END_TEST

/* PTRACE_TRACEME: the child asks to be traced; its tracer-to-be is the trigger. */
START_TEST(test_ptrace_traceme)
{
	struct zj_run r;
	struct zj_proc_want w;
	ZJ_TRIGGER(&r, "traceme");
	zj_want_child(&w, &r, "traceme");
	const struct zj_line *l = ZJ_WAIT(&tail, "ptrace", w.pid);
	ZJ_EXPECT_HEADER(l, "ptrace", &r);
	ZJ_EXPECT_PROC(l, "actor", &w);
	/* no pid argument: a target, if given, can only be the parent that will trace */
	if (zj_json_get(l->obj, "target", &(json_object *){NULL}))
		ZJ_EXPECT_INT(l, "target.pid", r.pid);
	ZJ_EXPECT_KEYS(l, "ptrace", "request", "request_num", "addr", "data", "result", "vdso");
	ZJ_EXPECT_STR(l, "ptrace.request", "PTRACE_TRACEME");
	ZJ_EXPECT_INT(l, "ptrace.request_num", 0);
	ZJ_EXPECT_HEX(l, "ptrace.addr", 0);
	ZJ_EXPECT_HEX(l, "ptrace.data", 0);
	ZJ_EXPECT_INT(l, "ptrace.result", 0);
	ZJ_EXPECT_BOOL(l, "ptrace.vdso", false);
	expect_child_killed(&r, "traceme");
	ck_assert_uint_eq(ZJ_COUNT(&tail, "ptrace", w.pid), 1);
	ck_assert_uint_eq(ZJ_COUNT(&tail, "ptrace", r.pid), 0);
	zj_run_done(&r);
}
END_TEST

/* ---- /proc/<pid>/mem, process_vm_writev ---------------------------------------------------- */

START_TEST(test_mem_pwrite64)
{
	mem_case("mem-pwrite", "pwrite64", false);
}
END_TEST

START_TEST(test_mem_lseek_write)
{
	mem_case("mem-write", "write", false);
}
END_TEST

START_TEST(test_mem_writev)
{
	mem_case("mem-writev", "writev", true);
}
END_TEST

START_TEST(test_mem_pwritev)
{
	mem_case("mem-pwritev", "pwritev", true);
}
END_TEST

START_TEST(test_mem_pwritev2)
{
	mem_case("mem-pwritev2", "pwritev2", true);
}
END_TEST

START_TEST(test_mem_self)
{
	struct zj_run r;
	ZJ_TRIGGER(&r, "mem-self");
	const struct zj_line *l = ZJ_WAIT(&tail, "mem_open", r.pid);
	expect_mem_open(l, &r, "mem-self", true);
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	expect_mem_write(l, &r, "mem-self", "pwrite64", false, true, false);
	expect_mem_counts(&r, 1, 1);
	zj_run_done(&r);
}
END_TEST

START_TEST(test_vm_writev)
{
	struct zj_run r;
	ZJ_TRIGGER(&r, "vm-writev");
	const struct zj_line *l = ZJ_WAIT(&tail, "vm_write", r.pid);
	ZJ_EXPECT_HEADER(l, "vm_write", &r);
	expect_actor_trigger(l, &r, "vm-writev");
	expect_target_child(l, &r, "vm-writev");
	ZJ_EXPECT_KEYS(l, "mem", "via", "addr", "len", "iovcnt", "self", "vdso", "region");
	ZJ_EXPECT_STR(l, "mem.via", "process_vm_writev");
	ZJ_EXPECT_HEX(l, "mem.addr", ZJ_OUT_HEX(&r, "addr"));
	ZJ_EXPECT_INT(l, "mem.len", ZJ_OUT_INT(&r, "len"));
	ZJ_EXPECT_INT(l, "mem.iovcnt", ZJ_OUT_INT(&r, "iovcnt"));
	ZJ_EXPECT_BOOL(l, "mem.self", false);
	ZJ_EXPECT_BOOL(l, "mem.vdso", false);
	ZJ_EXPECT_NULL(l, "mem.region");
	ZJ_SETTLE(&tail, r.pid);
	ck_assert_uint_eq(ZJ_COUNT(&tail, "vm_write", r.pid), 1);
	ck_assert_uint_eq(ZJ_COUNT(&tail, "mem_write", r.pid), 0);
	expect_child_killed(&r, "vm-writev");
	zj_run_done(&r);
}
END_TEST

/* ---- vDSO ---------------------------------------------------------------------------------- */

START_TEST(test_vdso_pwrite)
{
	struct zj_run r;
	ZJ_TRIGGER(&r, "vdso-pwrite");
	const struct zj_line *l = ZJ_WAIT(&tail, "mem_open", r.pid);
	expect_mem_open(l, &r, "vdso-pwrite", false);
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	expect_mem_write(l, &r, "vdso-pwrite", "pwrite64", false, false, true);
	ck_assert_uint_eq(ZJ_OUT_HEX(&r, "addr"), ZJ_OUT_HEX(&r, "vdso_start"));
	expect_mem_counts(&r, 1, 1);
	expect_child_killed(&r, "vdso-pwrite");
	zj_run_done(&r);
}
END_TEST

START_TEST(test_vdso_pokedata)
{
	struct zj_run r;
	ZJ_TRIGGER(&r, "vdso-poke");
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	expect_ptrace(l, &r, "vdso-poke", "PTRACE_ATTACH", 16, 0, 0, 0, false);
	l = ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_POKEDATA"));
	expect_ptrace(l, &r, "vdso-poke", "PTRACE_POKEDATA", 5, ZJ_OUT_HEX(&r, "vdso_start"),
		      ZJ_OUT_HEX(&r, "data"), 0, true);
	expect_ptrace_count(&r, 2);
	expect_child_killed(&r, "vdso-poke");
	zj_run_done(&r);
}
END_TEST

static void expect_vdso_map(const struct zj_line *l, const struct zj_run *r, const char *op,
			    int64_t prot, uint64_t new_addr, int64_t new_len)
{
	ZJ_EXPECT_HEADER(l, "vdso_map", r);
	ZJ_EXPECT_ABSENT(l, "target");
	ZJ_EXPECT_KEYS(l, "vdso_map", "op", "addr", "len", "prot", "new_addr", "new_len", "region");
	ZJ_EXPECT_STR(l, "vdso_map.op", op);
	ZJ_EXPECT_HEX(l, "vdso_map.addr", ZJ_OUT_HEX(r, "addr"));
	ZJ_EXPECT_INT(l, "vdso_map.len", ZJ_OUT_INT(r, "len"));
	ZJ_EXPECT_INT(l, "vdso_map.prot", prot);
	ZJ_EXPECT_HEX(l, "vdso_map.new_addr", new_addr);
	ZJ_EXPECT_INT(l, "vdso_map.new_len", new_len);
	ZJ_EXPECT_STR(l, "vdso_map.region", "vdso");
}

/* Every process mprotects at start-up (RELRO): only the vDSO one is a record. */
START_TEST(test_vdso_mprotect)
{
	struct zj_run r;
	ZJ_TRIGGER(&r, "vdso-mprotect");
	const struct zj_line *l = ZJ_WAIT(&tail, "vdso_map", r.pid);
	expect_vdso_map(l, &r, "mprotect", ZJ_OUT_INT(&r, "prot"), 0, 0);
	expect_actor_trigger(l, &r, "vdso-mprotect");
	ZJ_SETTLE(&tail, r.pid);
	ck_assert_uint_eq(ZJ_COUNT(&tail, "vdso_map", r.pid), 1);
	zj_run_done(&r);
}
END_TEST

/* mremap / munmap happen in a throwaway child: it is the actor. */
static void vdso_unmap_case(const char *sub, const char *op, bool remap)
{
	struct zj_run r;
	struct zj_proc_want w;
	ZJ_TRIGGER(&r, sub);
	zj_want_child(&w, &r, sub);
	const struct zj_line *l = ZJ_WAIT(&tail, "vdso_map", w.pid);
	expect_vdso_map(l, &r, op, 0, remap ? ZJ_OUT_HEX(&r, "new_addr") : 0,
			remap ? ZJ_OUT_INT(&r, "new_len") : 0);
	ZJ_EXPECT_PROC(l, "actor", &w);
	l = ZJ_SETTLE(&tail, w.pid);
	ZJ_EXPECT_INT(l, "exit.code", 0);
	ck_assert_uint_eq(ZJ_COUNT(&tail, "vdso_map", w.pid), 1);
	zj_run_done(&r);
}

START_TEST(test_vdso_mremap)
{
	vdso_unmap_case("vdso-mremap", "mremap", true);
}
END_TEST

START_TEST(test_vdso_munmap)
{
	vdso_unmap_case("vdso-munmap", "munmap", false);
}
END_TEST

/* ---- persistence files --------------------------------------------------------------------- */

START_TEST(test_file_crond_create)
{
	char p[PATH_MAX];
	zj_test_path(p, sizeof(p), CROND, "create");
	FILE_CASE("create", p, NULL, NULL, 0644, false, "file-create", p);
	STEP("file-unlink", p);
}
END_TEST

START_TEST(test_file_crond_open_write)
{
	char p[PATH_MAX];
	zj_test_path(p, sizeof(p), CROND, "write");
	STEP("file-create", p);
	FILE_CASE("open_write", p, NULL, NULL, -1, false, "file-write", p);
	STEP("file-unlink", p);
}
END_TEST

START_TEST(test_file_crond_open_trunc)
{
	char p[PATH_MAX];
	zj_test_path(p, sizeof(p), CROND, "otrunc");
	STEP("file-create", p);
	FILE_CASE("open_write", p, NULL, NULL, -1, true, "file-otrunc", p);
	STEP("file-unlink", p);
}
END_TEST

START_TEST(test_file_crond_truncate)
{
	char p[PATH_MAX];
	zj_test_path(p, sizeof(p), CROND, "truncate");
	STEP("file-create", p);
	FILE_CASE("truncate", p, NULL, NULL, -1, false, "file-trunc", p);
	STEP("file-unlink", p);
}
END_TEST

START_TEST(test_file_crond_chmod)
{
	char p[PATH_MAX];
	zj_test_path(p, sizeof(p), CROND, "chmod");
	STEP("file-create", p);
	FILE_CASE("chmod", p, NULL, NULL, 0600, false, "file-chmod", p, "0600");
	STEP("file-unlink", p);
}
END_TEST

START_TEST(test_file_crond_unlink)
{
	char p[PATH_MAX];
	zj_test_path(p, sizeof(p), CROND, "unlink");
	STEP("file-create", p);
	FILE_CASE("unlink", p, NULL, NULL, -1, false, "file-unlink", p);
}
END_TEST

START_TEST(test_file_crond_rename_within)
{
	char a[PATH_MAX], b[PATH_MAX];
	zj_test_path(a, sizeof(a), CROND, "ren-a");
	zj_test_path(b, sizeof(b), CROND, "ren-b");
	STEP("file-create", a);
	FILE_CASE("rename", b, a, NULL, -1, false, "file-rename", a, b);
	STEP("file-unlink", b);
}
END_TEST

/* The dropper's way: write elsewhere, then rename into place. */
START_TEST(test_file_crond_rename_into)
{
	char s[PATH_MAX], b[PATH_MAX];
	zj_test_path(s, sizeof(s), stage, "into");
	zj_test_path(b, sizeof(b), CROND, "into");
	STEP("file-create", s);
	FILE_CASE("rename", b, s, NULL, -1, false, "file-rename", s, b);
	STEP("file-unlink", b);
}
END_TEST

/* watch.conf: "rename or link onto (or away)": moving a job out is reported too. */
START_TEST(test_file_crond_rename_away)
{
	char a[PATH_MAX], s[PATH_MAX];
	zj_test_path(a, sizeof(a), CROND, "away");
	zj_test_path(s, sizeof(s), stage, "away");
	STEP("file-create", a);
	FILE_CASE("rename", s, a, NULL, -1, false, "file-rename", a, s);
	STEP("file-unlink", s);
}
END_TEST

/* renameat / renameat2 with a directory fd and relative names: "path" is absolute. */
static void renameat_case(const char *sub, const char *tag)
{
	char a[PATH_MAX], b[PATH_MAX], na[128], nb[128];
	snprintf(na, sizeof(na), ZJ_TEST_PREFIX "%d-%s-a", (int)zj_main_pid(), tag);
	snprintf(nb, sizeof(nb), ZJ_TEST_PREFIX "%d-%s-b", (int)zj_main_pid(), tag);
	snprintf(a, sizeof(a), CROND "/%s", na);
	snprintf(b, sizeof(b), CROND "/%s", nb);
	STEP("file-create", a);
	FILE_CASE("rename", b, a, NULL, -1, false, sub, CROND, na, nb);
	STEP("file-unlink", b);
}

START_TEST(test_file_crond_renameat_dirfd)
{
	renameat_case("file-renameat", "rat");
}
END_TEST

START_TEST(test_file_crond_renameat2_dirfd)
{
	renameat_case("file-renameat2", "rat2");
}
END_TEST

/* rename(2) of relative names in the working directory. */
START_TEST(test_file_crond_rename_cwd)
{
	char a[PATH_MAX], b[PATH_MAX], na[128], nb[128];
	snprintf(na, sizeof(na), ZJ_TEST_PREFIX "%d-cwdren-a", (int)zj_main_pid());
	snprintf(nb, sizeof(nb), ZJ_TEST_PREFIX "%d-cwdren-b", (int)zj_main_pid());
	snprintf(a, sizeof(a), CROND "/%s", na);
	snprintf(b, sizeof(b), CROND "/%s", nb);
	STEP("file-create", a);
	FILE_CASE("rename", b, a, NULL, -1, false, "--cwd", CROND, "file-rename", na, nb);
	STEP("file-unlink", b);
}
END_TEST

START_TEST(test_file_crond_link)
{
	char s[PATH_MAX], b[PATH_MAX];
	zj_test_path(s, sizeof(s), stage, "link-src");
	zj_test_path(b, sizeof(b), CROND, "link");
	STEP("file-create", s);
	FILE_CASE("link", b, s, NULL, -1, false, "file-link", s, b);
	STEP("file-unlink", b);
	STEP("file-unlink", s);
}
END_TEST

/* The link's contents, verbatim (relative, not resolved). */
START_TEST(test_file_crond_symlink)
{
	char b[PATH_MAX], target[PATH_MAX];
	zj_test_path(b, sizeof(b), CROND, "symlink");
	snprintf(target, sizeof(target), "../%s/nowhere", strrchr(stage, '/') + 1);
	FILE_CASE("symlink", b, NULL, target, -1, false, "file-symlink", target, b);
	STEP("file-unlink", b);
}
END_TEST

START_TEST(test_file_crond_create_cwd)
{
	char p[PATH_MAX], n[128];
	snprintf(n, sizeof(n), ZJ_TEST_PREFIX "%d-cwdcreate", (int)zj_main_pid());
	snprintf(p, sizeof(p), CROND "/%s", n);
	FILE_CASE("create", p, NULL, NULL, 0644, false, "file-cwd-create", CROND, n);
	STEP("file-unlink", p);
}
END_TEST

START_TEST(test_file_crond_createat_dirfd)
{
	char p[PATH_MAX], n[128];
	snprintf(n, sizeof(n), ZJ_TEST_PREFIX "%d-createat", (int)zj_main_pid());
	snprintf(p, sizeof(p), CROND "/%s", n);
	FILE_CASE("create", p, NULL, NULL, 0644, false, "file-createat", CROND, n);
	STEP("file-unlink", p);
}
END_TEST

/* "..", "." and "//" in the argument: the event still names the normalised path. */
START_TEST(test_file_crond_dotdot)
{
	char p[PATH_MAX], rel[PATH_MAX], abs_odd[PATH_MAX], p2[PATH_MAX];
	zj_test_path(p, sizeof(p), CROND, "dotdot");
	snprintf(rel, sizeof(rel), "cron.d/../cron.d/./%s", strrchr(p, '/') + 1);
	FILE_CASE("create", p, NULL, NULL, 0644, false, "--cwd", "/etc", "file-create", rel);
	STEP("file-unlink", p);

	zj_test_path(p2, sizeof(p2), CROND, "slashes");
	snprintf(abs_odd, sizeof(abs_odd), "/etc//cron.d/./%s", strrchr(p2, '/') + 1);
	FILE_CASE("create", p2, NULL, NULL, 0644, false, "file-create", abs_odd);
	STEP("file-unlink", p2);
}
END_TEST

/* Through a symlinked directory: the file's real path. */
START_TEST(test_file_crond_via_symlinked_dir)
{
	char p[PATH_MAX], via[PATH_MAX];
	zj_test_path(p, sizeof(p), CROND, "vialink");
	zj_pathf(via, sizeof(via), "%s/crondir/%s", stage, strrchr(p, '/') + 1);
	FILE_CASE("create", p, NULL, NULL, 0644, false, "file-create", via);
	STEP("file-unlink", p);
}
END_TEST

/*
 * A name with a newline, quote, backslash, tab, control byte, invalid UTF-8 and CJK: one valid
 * JSON line (the tail checks), the path decoded exactly but for U+FFFD, "path_hex" the raw bytes.
 */
START_TEST(test_file_hostile_name)
{
	char p[PATH_MAX], want[PATH_MAX], hex[2 * PATH_MAX + 1];
	zj_test_path(p, sizeof(p), CROND,
		     "ho\nst\"i\\le\t\x01\xff\xfe"
		     "\xe4\xb8\xad");
	zj_test_path(want, sizeof(want), CROND,
		     "ho\nst\"i\\le\t\x01\xef\xbf\xbd\xef\xbf\xbd"
		     "\xe4\xb8\xad");
	struct zj_run r;
	ZJ_TRIGGER(&r, "file-create", p);
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.op", "create"));
	ZJ_EXPECT_HEADER(l, "file", &r);
	expect_actor_trigger(l, &r, "file-create");
	ZJ_EXPECT_STR(l, "file.path", want);
	hex_of(hex, p, strlen(p));
	json_object *v;
	ZJ_EXPECT(l,
		  zj_json_get(l->obj, "file.path_hex", &v) && v &&
			  strcasecmp(json_object_get_string(v), hex) == 0,
		  "file.path_hex: expected \"%s\"", hex);
	ZJ_EXPECT_STR(l, "file.mode", "0644");
	expect_file_count(&r, 1);
	zj_run_done(&r);
	STEP("file-unlink", p);
}
END_TEST

/* A unit's whole life in /etc/systemd/system: create, edit, rename, remove. */
START_TEST(test_file_systemd_lifecycle)
{
	char a[PATH_MAX], b[PATH_MAX];
	zj_test_path(a, sizeof(a), SYSTEMD, "unit.service");
	zj_test_path(b, sizeof(b), SYSTEMD, "unit2.service");
	FILE_CASE("create", a, NULL, NULL, 0644, false, "file-create", a);
	FILE_CASE("open_write", a, NULL, NULL, -1, false, "file-write", a);
	FILE_CASE("rename", b, a, NULL, -1, false, "file-rename", a, b);
	FILE_CASE("chmod", b, NULL, NULL, 0600, false, "file-chmod", b, "0600");
	FILE_CASE("unlink", b, NULL, NULL, -1, false, "file-unlink", b);
}
END_TEST

/* Rewriting a unit in place: open(O_TRUNC) of the existing file. */
START_TEST(test_file_systemd_open_trunc)
{
	char p[PATH_MAX];
	zj_test_path(p, sizeof(p), SYSTEMD, "trunc.service");
	STEP("file-create", p);
	FILE_CASE("open_write", p, NULL, NULL, -1, true, "file-otrunc", p);
	STEP("file-unlink", p);
}
END_TEST

/* A drop-in two levels down (watched with depth 2) and a .wants symlink. */
START_TEST(test_file_systemd_dropin_and_wants)
{
	char d[PATH_MAX], conf[PATH_MAX], wants[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	zj_test_path(d, sizeof(d), SYSTEMD, "x.service.d");
	ck_assert_msg(mkdir(d, 0755) == 0, "mkdir %s: %s", d, strerror(errno));
	zj_pathf(conf, sizeof(conf), "%s/override.conf", d);
	FILE_CASE("create", conf, NULL, NULL, 0644, false, "file-create", conf);
	STEP("file-unlink", conf);

	zj_test_path(wants, sizeof(wants), SYSTEMD, "y.target.wants");
	ck_assert_msg(mkdir(wants, 0755) == 0, "mkdir %s: %s", wants, strerror(errno));
	zj_pathf(link, sizeof(link), "%s/zj.service", wants);
	snprintf(target, sizeof(target), SYSTEMD "/zj.service");
	FILE_CASE("symlink", link, NULL, target, -1, false, "file-symlink", target, link);
	STEP("file-unlink", link);
	rmdir(d);
	rmdir(wants);
}
END_TEST

/* The other cron and at spools, and systemd's user units: create and unlink in each. */
START_TEST(test_file_other_watched_dirs)
{
	static const char *const dirs[] = {"/etc/cron.hourly",	       "/etc/cron.daily",
					   "/etc/cron.weekly",	       "/etc/cron.monthly",
					   "/var/spool/cron/crontabs", "/var/spool/cron/atjobs",
					   "/etc/systemd/user"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[PATH_MAX];
		zj_test_path(p, sizeof(p), dirs[i], "job");
		FILE_CASE("create", p, NULL, NULL, 0644, false, "file-create", p);
		FILE_CASE("unlink", p, NULL, NULL, -1, false, "file-unlink", p);
	}
}
END_TEST

/* /etc/ld.so.preload: only when absent, created empty (content would reach every exec). */
START_TEST(test_file_ld_so_preload)
{
	static const char p[] = "/etc/ld.so.preload";
	if (!preload_absent || zj_path_exists(p)) {
		printf("check_sensor: test_file_ld_so_preload: SKIP: %s exists here and is never "
		       "clobbered\n",
		       p);
		return;
	}
	zj_claim_file(p);
	FILE_CASE("create", p, NULL, NULL, 0644, false, "file-touch", p);
	FILE_CASE("unlink", p, NULL, NULL, -1, false, "file-unlink", p);
}
END_TEST

START_TEST(test_file_etc_crontab)
{
	static const char p[] = "/etc/crontab";
	if (!crontab_absent || zj_path_exists(p)) {
		printf("check_sensor: test_file_etc_crontab: SKIP: %s exists here and is never "
		       "clobbered\n",
		       p);
		return;
	}
	zj_claim_file(p);
	FILE_CASE("create", p, NULL, NULL, 0644, false, "file-create", p);
	FILE_CASE("open_write", p, NULL, NULL, -1, false, "file-write", p);
	FILE_CASE("unlink", p, NULL, NULL, -1, false, "file-unlink", p);
}
END_TEST

static void silent(const char *const *args)
{
	struct zj_run r;
	zj_trigger_ok_(__FILE__, __LINE__, &r, args);
	expect_file_count(&r, 0);
	zj_run_done(&r);
}
#define SILENT(...) silent((const char *const[]){__VA_ARGS__, NULL})

/*
 * Every operation on an unwatched path is silent: in the staging folder (same file system as
 * /etc/cron.d) and directly in /etc, next to the watched names crontab and ld.so.preload.
 */
START_TEST(test_file_unwatched_silent)
{
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], e[PATH_MAX];
	zj_test_path(a, sizeof(a), stage, "q-a");
	zj_test_path(b, sizeof(b), stage, "q-b");
	zj_test_path(c, sizeof(c), stage, "q-c");
	zj_test_path(e, sizeof(e), "/etc", "lookalike");
	SILENT("file-create", a);
	SILENT("file-write", a);
	SILENT("file-otrunc", a);
	SILENT("file-trunc", a);
	SILENT("file-chmod", a, "0600");
	SILENT("file-rename", a, b);
	SILENT("file-link", b, c);
	SILENT("file-symlink", "/etc/cron.d", a);
	SILENT("file-unlink", a);
	SILENT("file-unlink", b);
	SILENT("file-unlink", c);
	SILENT("file-create", e);
	SILENT("file-write", e);
	SILENT("file-unlink", e);
}
END_TEST

/*
 * The whole shared log so far, every process of the machine included: one JSON object a line,
 * strictly increasing "seq", "v":1 and a known type everywhere.
 */
START_TEST(test_whole_log_valid)
{
	static const char *const types[] = {"exec",	"fork",	    "exit",
					    "ptrace",	"mem_open", "mem_write",
					    "vm_write", "vdso_map", "file"};
	struct zj_tail all;
	zj_tail_open(&all, sensor.log_path, false);
	zj_tail_poll(&all); /* fails the test on the first bad line */
	ck_assert_msg(all.n > 100, "only %zu lines in %s", all.n, sensor.log_path);
	for (size_t i = 0; i < all.n; i++) {
		const struct zj_line *l = &all.lines[i];
		bool known = false;
		for (size_t k = 0; k < sizeof(types) / sizeof(types[0]) && !known; k++)
			known = zj_line_matches(l, types[k], 0, NULL, 0);
		ZJ_EXPECT(l, known, "line %zu: \"type\" is not one of the schema's", l->lineno);
		ZJ_EXPECT_INT(l, "v", 2);
	}
	zj_tail_close(&all);
}
END_TEST

/* ---- the storm: ordinary writes never leave the kernel ------------------------------------- */

static void storm_setup(void)
{
	zj_catch_signals();
	/* the sensor case's teardown removed what it created; the canary needs /etc/cron.d */
	int r = zj_dirs_prepare((const char *const[]){CROND, NULL});
	if (r < 0)
		fprintf(stderr, "check_sensor: %s: %s\n", CROND, strerror(-r));
}

static bool pid_in(pid_t pid, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int64_t line_pid(const struct zj_line *l, const char *path)
{
	json_object *v;
	return zj_json_get(l->obj, path, &v) && v ? json_object_get_int64(v) : -1;
}

/*
 * A fresh daemon; 200000 writes to a temp file, 200000 to /dev/null, 2000 create + write +
 * rename + unlink rounds in a temp dir; then one /proc/<pid>/mem write and one cron.d create +
 * unlink as canaries.  The kernel-record counters on the stop line must hold exactly the
 * canaries (plus whatever other processes on the machine did, which the log shows), the log
 * must hold exactly what the counters say, and nothing in it may name a storm process but its
 * exec/fork/exit.  So the storm never left the kernel.
 */
START_TEST(test_storm_filtered_in_kernel)
{
	struct zj_daemon d;
	struct zj_tail t;
	int err = zj_daemon_start(&d, NULL);
	ck_assert_msg(err == 0, "%s; its stderr:\n%s", start_failure(&d, err),
		      d.err_text ? d.err_text : "");
	ck_assert_msg(d.banner,
		      "no start-up line beginning \"zhijiad \" before \"zhijiad: ready\":\n%s",
		      d.err_text);
	zj_tail_open(&t, d.log_path, false);

	char dir[PATH_MAX], file[PATH_MAX], canary[PATH_MAX];
	snprintf(dir, sizeof(dir), "/tmp/" ZJ_TEST_PREFIX "%d-storm-XXXXXX", (int)zj_main_pid());
	ck_assert(mkdtemp(dir) != NULL);
	zj_pathf(file, sizeof(file), "%s/writes", dir);
	zj_test_path(canary, sizeof(canary), CROND, "canary");

	pid_t storm[3];
	const char *const *storms[3] = {
		(const char *const[]){"write-storm", file, "200000", NULL},
		(const char *const[]){"write-storm", "/dev/null", "200000", NULL},
		(const char *const[]){"file-storm", dir, "2000", NULL},
	};
	for (int i = 0; i < 3; i++) {
		struct zj_run r;
		zj_trigger_ok_(__FILE__, __LINE__, &r, storms[i]);
		storm[i] = r.pid;
		zj_run_done(&r);
	}

	pid_t mine[3];
	struct zj_run r;
	ZJ_TRIGGER(&r, "mem-pwrite");
	mine[0] = r.pid;
	zj_run_done(&r);
	ZJ_TRIGGER(&r, "file-create", canary);
	mine[1] = r.pid;
	zj_run_done(&r);
	ZJ_TRIGGER(&r, "file-unlink", canary);
	mine[2] = r.pid;
	zj_run_done(&r);

	/* the canaries arrived, so everything before them did */
	ZJ_WAIT(&t, "mem_write", mine[0]);
	ZJ_WAIT(&t, "file", mine[1], ZJ_S("file.op", "create"));
	ZJ_WAIT(&t, "file", mine[2], ZJ_S("file.op", "unlink"));
	for (int i = 0; i < 3; i++)
		ZJ_SETTLE(&t, mine[i]);
	for (int i = 0; i < 3; i++) {
		ZJ_SETTLE(&t, storm[i]);
		ck_assert_msg(ZJ_COUNT(&t, "exec", storm[i]) == 1,
			      "the storm process %d has no exec event", (int)storm[i]);
	}

	zj_daemon_stop(&d);
	zj_tail_poll(&t);
	ck_assert_msg(!d.stop_timed_out && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0,
		      "zhijiad did not exit 0 on SIGTERM: wait status 0x%x%s; stderr:\n%s",
		      d.status, d.stop_timed_out ? " (timed out, killed)" : "", d.err_text);
	ck_assert_msg(
		d.have_counters,
		"no line \"zhijiad: kernel records: exec=N fork=N exit=N ptrace=N mem_open=N "
		"mem_write=N vm_write=N vdso_map=N file=N lost=N read_fail=N\" on stderr:\n%s",
		d.err_text);
	ck_assert_msg(d.counters.lost == 0, "the ring buffer lost %" PRId64 " records",
		      d.counters.lost);

	/* what the log holds, and what of it came from the machine's other processes */
	size_t log_mem = 0, log_file = 0, other_mem = 0, other_file = 0;
	for (size_t i = 0; i < t.n; i++) {
		const struct zj_line *l = &t.lines[i];
		pid_t actor = (pid_t)line_pid(l, "actor.pid"),
		      target = (pid_t)line_pid(l, "target.pid");
		bool is_mem = zj_line_matches(l, "mem_write", 0, NULL, 0);
		bool is_file = zj_line_matches(l, "file", 0, NULL, 0);
		log_mem += is_mem;
		log_file += is_file;
		other_mem += is_mem && !pid_in(actor, mine, 3);
		other_file += is_file && !pid_in(actor, mine, 3);
		if (pid_in(actor, storm, 3) || pid_in(target, storm, 3))
			ck_assert_msg(zj_line_matches(l, "exec", 0, NULL, 0) ||
					      zj_line_matches(l, "fork", 0, NULL, 0) ||
					      zj_line_matches(l, "exit", 0, NULL, 0),
				      "an event names a storm process:\n  %s", l->raw);
	}
	ck_assert_msg((size_t)d.counters.mem_write == 1 + other_mem,
		      "kernel mem_write records: %" PRId64 ", expected 1 (the canary) + %zu "
		      "(other processes, from the log)",
		      d.counters.mem_write, other_mem);
	ck_assert_msg((size_t)d.counters.file == 2 + other_file,
		      "kernel file records: %" PRId64 ", expected 2 (the canaries) + %zu (other "
		      "processes, from the log)",
		      d.counters.file, other_file);
	ck_assert_msg((size_t)d.counters.mem_write == log_mem &&
			      (size_t)d.counters.file == log_file,
		      "records vs log lines: mem_write %" PRId64 "/%zu, file %" PRId64 "/%zu",
		      d.counters.mem_write, log_mem, d.counters.file, log_file);

	/* --foreground: stdout carries the same lines as the log */
	FILE *a = fopen(d.log_path, "re"), *b = fopen(d.out_path, "re");
	ck_assert(a && b);
	char la[65536], lb[65536];
	size_t lineno = 0;
	for (;;) {
		char *ra = fgets(la, sizeof(la), a), *rb = fgets(lb, sizeof(lb), b);
		lineno++;
		if (!ra && !rb)
			break;
		ck_assert_msg(ra && rb && strcmp(la, lb) == 0,
			      "stdout (--foreground) and the event log differ at line %zu:\n  log: "
			      "%s\n  out: %s",
			      lineno, ra ? la : "(end)", rb ? lb : "(end)");
	}
	fclose(a);
	fclose(b);

	printf("check_sensor: storm daemon kernel records: exec=%" PRId64 " fork=%" PRId64
	       " exit=%" PRId64 " mem_write=%" PRId64 " file=%" PRId64 " (log: %zu lines)\n",
	       d.counters.exec, d.counters.fork, d.counters.exit, d.counters.mem_write,
	       d.counters.file, t.n);
	zj_tail_close(&t);
	unlink(file);
	rmdir(dir);
	zj_daemon_free(&d);
}
END_TEST

/* ---- main ---------------------------------------------------------------------------------- */

static Suite *sensor_suite(void)
{
	Suite *s = suite_create("sensor");
	TCase *tc = tcase_create("sensor");
	tcase_add_unchecked_fixture(tc, sensor_setup, sensor_teardown);
	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_exec_fork_exit_of_trigger);
	tcase_add_test(tc, test_exec_hostile_argv);
	tcase_add_test(tc, test_exec_long_argv);
	tcase_add_test(tc, test_exec_ld_preload);
	tcase_add_test(tc, test_fork_and_child_exit);
	tcase_add_test(tc, test_exit_code);
	tcase_add_test(tc, test_ptrace_attach_pokedata);
	tcase_add_test(tc, test_ptrace_poketext);
	tcase_add_test(tc, test_ptrace_setregset);
	tcase_add_test(tc, test_ptrace_setsiginfo);
#if defined(__x86_64__)
	tcase_add_test(tc, test_ptrace_pokeuser);
	tcase_add_test(tc, test_ptrace_setregs);
	tcase_add_test(tc, test_ptrace_setfpregs);
#endif
	tcase_add_test(tc, test_ptrace_seize);
	tcase_add_test(tc, test_ptrace_traceme);
	tcase_add_test(tc, test_mem_pwrite64);
	tcase_add_test(tc, test_mem_lseek_write);
	tcase_add_test(tc, test_mem_writev);
	tcase_add_test(tc, test_mem_pwritev);
	tcase_add_test(tc, test_mem_pwritev2);
	tcase_add_test(tc, test_mem_self);
	tcase_add_test(tc, test_vm_writev);
	tcase_add_test(tc, test_vdso_pwrite);
	tcase_add_test(tc, test_vdso_pokedata);
	tcase_add_test(tc, test_vdso_mprotect);
	tcase_add_test(tc, test_vdso_mremap);
	tcase_add_test(tc, test_vdso_munmap);
	tcase_add_test(tc, test_file_crond_create);
	tcase_add_test(tc, test_file_crond_open_write);
	tcase_add_test(tc, test_file_crond_open_trunc);
	tcase_add_test(tc, test_file_crond_truncate);
	tcase_add_test(tc, test_file_crond_chmod);
	tcase_add_test(tc, test_file_crond_unlink);
	tcase_add_test(tc, test_file_crond_rename_within);
	tcase_add_test(tc, test_file_crond_rename_into);
	tcase_add_test(tc, test_file_crond_rename_away);
	tcase_add_test(tc, test_file_crond_renameat_dirfd);
	tcase_add_test(tc, test_file_crond_renameat2_dirfd);
	tcase_add_test(tc, test_file_crond_rename_cwd);
	tcase_add_test(tc, test_file_crond_link);
	tcase_add_test(tc, test_file_crond_symlink);
	tcase_add_test(tc, test_file_crond_create_cwd);
	tcase_add_test(tc, test_file_crond_createat_dirfd);
	tcase_add_test(tc, test_file_crond_dotdot);
	tcase_add_test(tc, test_file_crond_via_symlinked_dir);
	tcase_add_test(tc, test_file_hostile_name);
	tcase_add_test(tc, test_file_systemd_lifecycle);
	tcase_add_test(tc, test_file_systemd_open_trunc);
	tcase_add_test(tc, test_file_systemd_dropin_and_wants);
	tcase_add_test(tc, test_file_other_watched_dirs);
	tcase_add_test(tc, test_file_ld_so_preload);
	tcase_add_test(tc, test_file_etc_crontab);
	tcase_add_test(tc, test_file_unwatched_silent);
	tcase_add_test(tc, test_whole_log_valid); /* last: it reads what all the others caused */
	suite_add_tcase(s, tc);

	TCase *st = tcase_create("storm");
	tcase_add_unchecked_fixture(st, storm_setup, zj_cleanup);
	tcase_add_checked_fixture(st, zj_test_begin, zj_test_end);
	/* a daemon start (up to 60 s) plus the storm */
	tcase_set_timeout(st, 180);
	tcase_add_test(st, test_storm_filtered_in_kernel);
	suite_add_tcase(s, st);
	return s;
}

int main(void)
{
	zj_env_init("check_sensor");
	SRunner *sr = srunner_create(sensor_suite());
	srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (sensor_problem) {
		fprintf(stderr, "check_sensor: FAIL: the shared zhijiad did not stop cleanly (see "
				"above)\n");
		failed++;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
