/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Integration-test harness: runs the real zhijiad and the real zj-trigger, tails the event log
 * and asserts fields of the JSON lines (schema: include/zhijia/event.h).
 *
 * - Environment: zj_env_init() exits 77 (saying why) when the machine cannot run these tests
 *   (not root, no kernel BTF); ZJ_BUILD names the build folder.  Optional: ZJ_WATCH_CONFIG is
 *   passed to zhijiad as --watch-config; ZJ_TRANSPORT as --transport; ZJ_KEEP_LOGS=1 keeps the
 *   temporary event logs.
 * - Every file or directory a test creates is named "<dir>/zj-test-<pid>-<tag>" where <pid> is
 *   the pid of the test program's main process; zj_cleanup() removes them (also from atexit and
 *   SIGINT/SIGTERM handlers, with async-signal-safe calls only), and zj_env_init() removes
 *   leftovers of earlier runs whose process is gone.
 * - The assertion helpers fail the current Check test with the field, the value expected, the
 *   value seen and the raw JSON line.  ZJ_* macros pass the caller's file and line.
 */
#ifndef ZJ_INTEGRATION_HARNESS_H
#define ZJ_INTEGRATION_HARNESS_H

#include <check.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZJ_TEST_PREFIX "zj-test-"
#define ZJ_READY_TIMEOUT_MS 60000 /* BPF load and attach can be slow */
#define ZJ_STOP_TIMEOUT_MS 30000
#define ZJ_EVENT_TIMEOUT_MS 5000 /* the daemon flushes at least every 100 ms */
#define ZJ_TRIGGER_TIMEOUT_MS 30000
#define ZJ_MAX_DIRS 32

/* ---- environment --------------------------------------------------------------------------- */

/*
 * Check root, kernel BTF and $ZJ_BUILD (exit 77 or 1 with a message), resolve the paths below,
 * install the atexit and SIGINT/SIGTERM cleanup and remove leftovers of dead earlier runs.
 * Call first in main().
 */
void zj_env_init(const char *prog);

const char *zj_build_dir(void);
const char *zj_daemon_path(void);
const char *zj_trigger_path(void); /* $ZJ_BUILD/tests/zj-trigger, as executed */
const char *zj_trigger_exe(void);  /* its realpath: what "exe" must say */
const char *zj_self_exe(void);	   /* realpath of the test program */
pid_t zj_main_pid(void);

/* snprintf into a path buffer; the test fails if it does not fit. */
void zj_pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "<dir>/zj-test-<main pid>-<tag>" into buf; the test fails if it does not fit. */
void zj_test_path(char *buf, size_t size, const char *dir, const char *tag);

/*
 * Create the directories tests write into (mkdir -p) and register them for the sweep; ones that
 * did not exist are removed again by zj_cleanup().  Call before the daemon starts, so that it
 * finds them when it resolves its watch list.  0 or -errno.
 */
int zj_dirs_prepare(const char *const *dirs);

/*
 * Remove every zj-test-<main pid>-* entry of the registered directories, the claimed files that
 * are still ours and the directories zj_dirs_prepare() created.  Async-signal-safe.
 */
void zj_cleanup(void);

/* What zj-trigger writes first into every file it creates. */
#define ZJ_FILE_MARK "# zhijia integration test"

/*
 * A fixed-name file a test is about to create (/etc/ld.so.preload): zj_cleanup(), or the next
 * run if this one is killed, removes it if it is still empty or starts with ZJ_FILE_MARK.
 */
void zj_claim_file(const char *path);

/*
 * (Re-)install the SIGINT/SIGTERM/SIGHUP cleanup handler.  Check replaces it with its own
 * (which SIGKILLs its whole process group, cleanup-less) while srunner_run_all() runs, so
 * unchecked fixtures call this again.
 */
void zj_catch_signals(void);

/*
 * Checked fixture of every test: records the test's process in memory shared with the main
 * process, whose SIGINT/SIGTERM handler then kills the test's process group (its triggers and
 * daemons too) before it sweeps; and makes the test process die with the main one.
 */
void zj_test_begin(void);
void zj_test_end(void);

/* Files that must never be clobbered: true when PATH exists (lstat). */
bool zj_path_exists(const char *path);

/* ---- the daemon ---------------------------------------------------------------------------- */

struct zj_counters {
	int64_t exec, fork, exit, ptrace, mem_open, mem_write, vm_write, vdso_map, file, lost,
		read_fail;
};

struct zj_daemon {
	pid_t pid;
	pid_t drain_pid; /* copies the stderr pipe into err_path once the daemon is ready */
	int err_fd;
	char dir[PATH_MAX]; /* temporary folder of the files below */
	char own[4][PATH_MAX]; /* --socket, --policy, --rules, --quarantine-dir in dir, unless given */
	char log_path[PATH_MAX];
	char out_path[PATH_MAX]; /* its stdout (--foreground copies every event there) */
	char err_path[PATH_MAX];
	char *err_text; /* stderr so far (start) or all of it (after stop) */
	size_t err_len;
	bool banner; /* a start-up line beginning "zhijiad " came before "zhijiad: ready" */
	bool ready;
	int status; /* wait status after stop; -1 while running */
	bool stop_timed_out;
	bool have_counters;
	struct zj_counters counters;
};

/*
 * Start $ZJ_BUILD/zhijiad --foreground --event-log <fresh temp file> [extra...] and wait for the
 * line "zhijiad: ready" on its stderr.  0, -ETIMEDOUT, -ECHILD (it exited: d->status) or -errno.
 * d->err_text holds what it printed either way.
 */
int zj_daemon_start(struct zj_daemon *d, const char *const *extra);

/* SIGTERM, wait, collect stderr and parse the kernel-records line.  0 or -errno. */
int zj_daemon_stop(struct zj_daemon *d);

/* Remove its temporary files (unless ZJ_KEEP_LOGS=1) and free. */
void zj_daemon_free(struct zj_daemon *d);

/* ---- zj-trigger ---------------------------------------------------------------------------- */

struct zj_run {
	pid_t pid;
	int status;	  /* wait status */
	json_object *out; /* its stdout's first line, parsed (NULL when it printed nothing) */
	char out_text[4096];
	uint64_t t0_boot; /* CLOCK_BOOTTIME / CLOCK_REALTIME ns just before it started */
	int64_t t0_real;
	uint64_t start_ticks; /* from its output */
};

/* Run zj-trigger with args (NULL-terminated; no shell), wait for it. 0 or -errno. */
int zj_run_trigger(struct zj_run *r, const char *const *args, int timeout_ms);
void zj_run_done(struct zj_run *r);

/* Run it and assert: exit 0, one JSON line whose "pid" is the trigger's pid. */
void zj_trigger_ok_(const char *file, int line, struct zj_run *r, const char *const *args);
#define ZJ_TRIGGER(r, ...)                                                                         \
	zj_trigger_ok_(__FILE__, __LINE__, (r), (const char *const[]){__VA_ARGS__, NULL})

/* Fields of the trigger's output line; the test fails when missing. */
int64_t zj_out_int_(const char *file, int line, const struct zj_run *r, const char *key);
uint64_t zj_out_hex_(const char *file, int line, const struct zj_run *r, const char *key);
#define ZJ_OUT_INT(r, k) zj_out_int_(__FILE__, __LINE__, (r), (k))
#define ZJ_OUT_HEX(r, k) zj_out_hex_(__FILE__, __LINE__, (r), (k))

/* ---- the event log ------------------------------------------------------------------------- */

struct zj_line {
	json_object *obj;
	char *raw;
	size_t lineno; /* 1-based, counted from where the tail started */
};

struct zj_tail {
	char path[PATH_MAX];
	int fd;
	uint64_t off;
	bool resync; /* started inside a line: drop bytes up to the first '\n' */
	char *part;  /* bytes of an incomplete last line */
	size_t part_len, part_cap;
	struct zj_line *lines;
	size_t n, cap;
	bool have_seq;
	int64_t last_seq;
};

/*
 * Tail a log from its current end (from_end) or its beginning.  Every complete line read is
 * checked to be one JSON object (strict, valid UTF-8, no raw control bytes) with an increasing
 * "seq"; the test fails otherwise, naming the line.
 */
void zj_tail_open(struct zj_tail *t, const char *path, bool from_end);
void zj_tail_close(struct zj_tail *t);
/* Read what has been appended. */
void zj_tail_poll(struct zj_tail *t);

/* A field test for zj_wait/zj_count: a string value, or an integer one. */
struct zj_kv {
	const char *key; /* dotted path, e.g. "ptrace.request" */
	const char *str;
	int64_t num;
	int kind; /* 0 end, 1 string, 2 integer */
};
#define ZJ_S(k, v) ((struct zj_kv){.key = (k), .str = (v), .kind = 1})
#define ZJ_N(k, v) ((struct zj_kv){.key = (k), .num = (int64_t)(v), .kind = 2})
/* The list starts with an empty entry so that it may be otherwise empty (GNU ", ##"). */
#define ZJ_KVS(...)                                                                                \
	(const struct zj_kv[]){{NULL}, ##__VA_ARGS__},                                             \
		sizeof((const struct zj_kv[]){{NULL}, ##__VA_ARGS__}) / sizeof(struct zj_kv)

/* Does the line have this type ("" or NULL: any), actor.pid (0: any) and field values? */
bool zj_line_matches(const struct zj_line *l, const char *type, pid_t actor,
		     const struct zj_kv *kvs, size_t n_kvs);

/*
 * The first line (from where the tail started) that matches; waits up to timeout_ms for it.
 * The test fails on timeout, listing the lines of the same actor that did arrive.
 */
const struct zj_line *zj_wait_(const char *file, int line, struct zj_tail *t, int timeout_ms,
			       const char *type, pid_t actor, const struct zj_kv *kvs,
			       size_t n_kvs);
#define ZJ_WAIT(t, type, actor, ...)                                                               \
	zj_wait_(__FILE__, __LINE__, (t), ZJ_EVENT_TIMEOUT_MS, (type), (actor), ZJ_KVS(__VA_ARGS__))

/* How many lines read so far match. */
size_t zj_count(const struct zj_tail *t, const char *type, pid_t actor, const struct zj_kv *kvs,
		size_t n_kvs);
#define ZJ_COUNT(t, type, actor, ...) zj_count((t), (type), (actor), ZJ_KVS(__VA_ARGS__))

/*
 * Wait for the exit event of pid: everything that process did was submitted to the ring buffer
 * before it, so after this, absence of an event is meaningful.
 */
const struct zj_line *zj_settle_(const char *file, int line, struct zj_tail *t, pid_t pid);
#define ZJ_SETTLE(t, pid) zj_settle_(__FILE__, __LINE__, (t), (pid))

/* ---- JSON field access and assertions ------------------------------------------------------ */

/* Node at a dotted path; false when a component is missing.  *ret is NULL for a JSON null. */
bool zj_json_get(json_object *obj, const char *path, json_object **ret);

void zj_expect_int_(const char *file, int line, const struct zj_line *l, const char *path,
		    int64_t want);
void zj_expect_str_(const char *file, int line, const struct zj_line *l, const char *path,
		    const char *want);
void zj_expect_bool_(const char *file, int line, const struct zj_line *l, const char *path,
		     bool want);
/* A "0x..." string whose value is want. */
void zj_expect_hex_(const char *file, int line, const struct zj_line *l, const char *path,
		    uint64_t want);
/* Present, and JSON null. */
void zj_expect_null_(const char *file, int line, const struct zj_line *l, const char *path);
void zj_expect_absent_(const char *file, int line, const struct zj_line *l, const char *path);
/* Object at path has no key outside `allowed` (NULL-terminated; "<key>_hex" of each allowed). */
void zj_expect_keys_(const char *file, int line, const struct zj_line *l, const char *path,
		     const char *const *allowed);
#define ZJ_EXPECT_INT(l, p, v) zj_expect_int_(__FILE__, __LINE__, (l), (p), (v))
#define ZJ_EXPECT_STR(l, p, v) zj_expect_str_(__FILE__, __LINE__, (l), (p), (v))
#define ZJ_EXPECT_BOOL(l, p, v) zj_expect_bool_(__FILE__, __LINE__, (l), (p), (v))
#define ZJ_EXPECT_HEX(l, p, v) zj_expect_hex_(__FILE__, __LINE__, (l), (p), (v))
#define ZJ_EXPECT_NULL(l, p) zj_expect_null_(__FILE__, __LINE__, (l), (p))
#define ZJ_EXPECT_ABSENT(l, p) zj_expect_absent_(__FILE__, __LINE__, (l), (p))
#define ZJ_EXPECT_KEYS(l, p, ...)                                                                  \
	zj_expect_keys_(__FILE__, __LINE__, (l), (p), (const char *const[]){__VA_ARGS__, NULL})
/* Fail with the raw line appended to the message. */
#define ZJ_EXPECT(l, cond, fmt, ...)                                                               \
	((cond) ? (void)0                                                                          \
		: _ck_assert_failed(__FILE__, __LINE__, "Assertion '" #cond "' failed",            \
				    fmt "\n  line: %s", ##__VA_ARGS__, (l)->raw))

/*
 * The envelope: "v":1, "seq", "time" (RFC 3339 UTC with ns, within the run's window),
 * "ktime_ns" (CLOCK_BOOTTIME within the window), "type", "flags" (absent or strings),
 * "truncated" absent unless allow_truncated, the type's object, and no other top-level key.
 */
void zj_expect_header_(const char *file, int line, const struct zj_line *l, const char *type,
		       const struct zj_run *r, bool allow_truncated);
#define ZJ_EXPECT_HEADER(l, type, r) zj_expect_header_(__FILE__, __LINE__, (l), (type), (r), false)

/* What a PROC object must say. */
struct zj_proc_want {
	pid_t pid;
	pid_t tid; /* 0: must equal pid */
	pid_t ppid;
	uint32_t uid, gid, euid;
	const char *comm;
	const char *exe;
	const char *cmdline_has; /* a substring of "cmdline" (its separator is not fixed) */
	uint64_t start_ticks;	 /* /proc/<pid>/stat starttime; 0: not checked */
};

/*
 * "actor" (every field required) or "target" (pid required, "known":true required; a known
 * target must carry the same fields, "tid" optional).
 */
void zj_expect_proc_(const char *file, int line, const struct zj_line *l, const char *which,
		     const struct zj_proc_want *w);
#define ZJ_EXPECT_PROC(l, which, w) zj_expect_proc_(__FILE__, __LINE__, (l), (which), (w))

/* The trigger itself as actor / its child as target, from its output. */
void zj_want_trigger(struct zj_proc_want *w, const struct zj_run *r, const char *subcommand);
void zj_want_child(struct zj_proc_want *w, const struct zj_run *r, const char *subcommand);
/* This test process (the parent of every trigger). */
void zj_want_self(struct zj_proc_want *w);

/* Read /proc/<pid>/stat's starttime (clock ticks). 0 or -errno. */
int zj_start_ticks(pid_t pid, uint64_t *ret);

/* ---- findings (event.h: the "findings" array of an event line) ----------------------------- */

/* The element of l's "findings" whose "technique" is technique; NULL when there is none. */
json_object *zj_line_finding(const struct zj_line *l, const char *technique);
/* How many findings l carries (0 when "findings" is absent). */
size_t zj_line_finding_count(const struct zj_line *l);

/* What one finding must say. */
struct zj_finding_want {
	const char *technique;
	const char *name;	   /* ATT&CK's name of the sub-technique */
	const char *tactic;	   /* "TA0004" */
	const char *severity;	   /* "medium" */
	const char *action;	   /* what was done: "record", "alert", "block" */
	const char *configured;	   /* the policy's setting: "default", "alert", ... */
	const char *why_has;	   /* a substring of "why" (NULL: any, but present) */
	const char *benign;	   /* "benign" exactly; NULL: must be absent */
	int enforced;		   /* -1: "enforced" absent; 0: false; 1: true */
	const char *reason_has[6]; /* substrings of "reason", NULL-terminated */
};

/*
 * l has a finding of w->technique with these values, a non-empty "name_zh" when present, and
 * no key outside the schema.  Fails naming the field and the raw line.
 */
void zj_expect_finding_(const char *file, int line, const struct zj_line *l,
			const struct zj_finding_want *w);
#define ZJ_EXPECT_FINDING(l, w) zj_expect_finding_(__FILE__, __LINE__, (l), (w))

/* ---- other programs ------------------------------------------------------------------------ */

struct zj_cmd {
	int status; /* wait status */
	char *out;  /* standard output, NUL-terminated */
	char *err;  /* standard error, NUL-terminated */
	size_t out_len, err_len;
};

/*
 * Run argv[0] (a path; no shell, the test's environment) with standard input /dev/null and
 * both outputs captured.  uid other than (uid_t)-1: the child drops to gid and uid (no
 * supplementary groups) before execve -- a real unprivileged caller.  Killed after timeout_ms
 * (then -ETIMEDOUT, outputs kept).  0 or -errno.
 */
int zj_cmd_run(struct zj_cmd *c, const char *const *argv, uid_t uid, gid_t gid, int timeout_ms);
void zj_cmd_free(struct zj_cmd *c);

/*
 * A process that is not the trigger's child: `zj-trigger hold` (or a copy of zj-trigger at exe)
 * started by the test, waiting on a pipe.  Returns once it has printed its line (pid, the
 * address of its zj_target[0]).  0 or -errno.  Stop: closes the pipe, waits (SIGKILL after
 * 5 s).  It dies with the test process.
 */
struct zj_hold {
	pid_t pid;
	int in_fd;
	uint64_t addr;
	uint64_t start_ticks;
	char exe[PATH_MAX]; /* what it runs (as given: NULL became the trigger's path) */
};
int zj_hold_start(struct zj_hold *h, const char *exe);
void zj_hold_stop(struct zj_hold *h);

/* ---- journald ------------------------------------------------------------------------------ */

#define ZJ_JOURNAL_SOCKET "/run/systemd/journal/socket"
#define ZJ_JOURNAL_VARLINK "/run/systemd/journal/io.systemd.journal"
#define ZJ_JOURNALD "/lib/systemd/systemd-journald"

/*
 * Make sure a journald listens: when nothing answers on ZJ_JOURNAL_SOCKET and
 * ZJ_JOURNAL_VARLINK (missing, or left behind by a journald that was killed), start ZJ_JOURNALD
 * (in a session of its own, detached: it is left running for whoever logs next, and never
 * stopped by the tests) and wait until both answer.  1 when this call started it (*ret_pid), 0 when one
 * was running, -errno with a sentence in why when neither (journald or journalctl missing,
 * or it did not come up).
 */
int zj_journal_ensure(pid_t *ret_pid, char *why, size_t why_len);

/* journalctl --sync: returns once journald has stored every entry sent before it. 0/-errno. */
int zj_journal_sync(void);

/*
 * Entries matching every "FIELD=VALUE" of matches (NULL-terminated), oldest first, as a JSON
 * array of `journalctl -o json --all` objects (the caller puts it).  A "_PID=N" of a daemon
 * this process started (zj_daemon_start) matches only entries since that start: the journal
 * keeps what earlier processes of a reused pid sent.  0 or -errno.
 */
int zj_journal_query(const char *const *matches, json_object **ret_entries);

#endif /* ZJ_INTEGRATION_HARNESS_H */
