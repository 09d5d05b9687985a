/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Enforcement without BPF LSM (issue 4), as root on the real kernel: with `block`, the
 * tracepoint programs kill the actor with SIGKILL at the syscall and zhijiad cleans up what the
 * killed syscall left.  Each case performs the real operation and checks that
 *   - the actor died of SIGKILL, and its event says "killed", with a block finding that is
 *     enforced;
 *   - nothing changed that the operation meant to change: the target's memory (read back
 *     through /proc/<pid>/mem), its run state (a killed PTRACE_ATTACH leaves no SIGSTOP), the
 *     file system (what was created, renamed or linked onto a watched path is gone, and kept
 *     in the quarantine, restorable by content and hash);
 *   - with alert, or with an exception for the actor's executable, the operation succeeds.
 * Last, `zhijiactl stop` stops zhijiad (how root stops it when it protects itself).
 *
 * Where BPF LSM enforces (zhijiad's start-up canary proved it), the kernel denies instead of
 * killing: that is tests/vm's; this program then skips, saying so.
 *
 * One zhijiad serves the suite, with its own --policy, --socket and --quarantine-dir in a
 * folder of the test's.  Files are created under /etc/cron.d and /etc/systemd/system with the
 * harness's zj-test-<pid>- names, removed by its sweep even when a test fails.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CROND "/etc/cron.d"
#define SYSTEMD "/etc/systemd/system"
#define ATJOBS "/var/spool/cron/atjobs"
#define PRELOAD_FILE "/etc/ld.so.preload"
#define CTL_TIMEOUT_MS 15000
#define ORIG0 0x1111111111111111ull /* zj-trigger's zj_target[] before any write */
#define ORIG1 0x2222222222222222ull

static const char *const test_dirs[] = {CROND, SYSTEMD, ATJOBS, NULL};
static const char *const used[] = {"T1055.008", "T1055.009", "T1055.014", "T1053.002",
				   "T1053.003", "T1053.006", "T1543.002", "T1574.006"};

static struct zj_daemon zd;
static int zd_r = -ENOTCONN;
static bool zd_problem, lsm_enforces;
static char setup_problem[2 * PATH_MAX];
static struct zj_tail tail;
static char dir[64], sock_path[96], policy_path[96], qdir[96], victim[96];
static char ctl_path[PATH_MAX + 16];

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- zhijiactl ----------------------------------------------------------------------------- */

static void ctl_run(struct zj_cmd *c, const char *const *args)
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
	int r = zj_cmd_run(c, argv, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS);
	ck_assert_msg(r == 0, "running %s: %s", ctl_path, strerror(-r));
}

static void ctl_ok_(const char *file, int line, const char *const *args)
{
	struct zj_cmd c;
	ctl_run(&c, args);
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0)
		_ck_assert_failed(file, line, "zhijiactl succeeded",
				  "zhijiactl %s ...: wait status 0x%x\n  stdout: %s\n  stderr: %s",
				  args[0], c.status, c.out, c.err);
	zj_cmd_free(&c);
}
#define CTL_OK(...) ctl_ok_(__FILE__, __LINE__, (const char *const[]){__VA_ARGS__, NULL})

/* `zhijiactl --json ARGS`: the reply, parsed. */
static json_object *ctl_json(const char *const *args)
{
	const char *a[16] = {"--json"};
	size_t n = 1;
	struct zj_cmd c;
	for (; *args && n < 15; args++)
		a[n++] = *args;
	a[n] = NULL;
	ctl_run(&c, a);
	json_object *o = json_tokener_parse(c.out ? c.out : "");
	ck_assert_msg(o && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
		      "zhijiactl --json %s: wait status 0x%x, stdout: %s, stderr: %s", a[1], c.status,
		      c.out, c.err);
	zj_cmd_free(&c);
	return o;
}

/* No exception, every sub-technique used here back to default. */
static void policy_clean(void)
{
	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		CTL_OK("policy", "reset", used[i]);
	for (int i = 0; i < 16; i++) {
		json_object *o = ctl_json((const char *const[]){"allow", "list", NULL}), *list;
		bool any = json_object_object_get_ex(o, "exceptions", &list) &&
			   json_object_array_length(list) > 0;
		json_object_put(o);
		if (!any)
			break;
		CTL_OK("allow", "del", "1");
	}
}

/* ---- what the kernel and the file system say ----------------------------------------------- */

static void expect_killed_(const char *file, int line, const struct zj_run *r, const char *what)
{
	if (!WIFSIGNALED(r->status) || WTERMSIG(r->status) != SIGKILL)
		_ck_assert_failed(file, line, "killed",
				  "%s: expected the actor (pid %d) to die of SIGKILL, wait status "
				  "0x%x",
				  what, (int)r->pid, r->status);
}
#define EXPECT_KILLED(r, what) expect_killed_(__FILE__, __LINE__, (r), (what))

static void run_trigger(struct zj_run *r, const char *const *args)
{
	int rc = zj_run_trigger(r, args, ZJ_TRIGGER_TIMEOUT_MS);
	ck_assert_msg(rc == 0, "running zj-trigger %s: %s", args[0], strerror(-rc));
}
#define TRIGGER(r, ...) run_trigger((r), (const char *const[]){__VA_ARGS__, NULL})

/* The two words at addr in pid's memory, read through /proc/<pid>/mem (a read: never denied). */
static void read_words(pid_t pid, uint64_t addr, uint64_t w[2])
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ssize_t n = pread(fd, w, 2 * sizeof(uint64_t), (off_t)addr);
	int err = errno;
	close(fd);
	ck_assert_msg(n == 2 * (ssize_t)sizeof(uint64_t), "pread %s at 0x%" PRIx64 ": %s", path,
		      addr, n < 0 ? strerror(err) : "short");
}

static void expect_untouched(const struct zj_hold *h)
{
	uint64_t w[2];
	read_words(h->pid, h->addr, w);
	ck_assert_msg(w[0] == ORIG0 && w[1] == ORIG1,
		      "the target's memory changed: 0x%016" PRIx64 " 0x%016" PRIx64
		      " (was 0x%016llx 0x%016llx)",
		      w[0], w[1], ORIG0, ORIG1);
}

/* The state letter of /proc/<pid>/stat: 'S', 'R', 'T' (stopped)... */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* The event's block finding: enforced, "killed" in its why, and the event flagged killed. */
static void expect_killed_event_(const char *file, int line, const struct zj_line *l,
				 const char *technique)
{
	json_object *f = zj_line_finding(l, technique), *v;
	if (!f)
		_ck_assert_failed(file, line, "finding", "no finding of %s\n  line: %s", technique,
				  l->raw);
	const char *action = json_object_object_get_ex(f, "action", &v) ? json_object_get_string(v)
									: "";
	bool enforced = json_object_object_get_ex(f, "enforced", &v) && json_object_get_boolean(v);
	const char *why = json_object_object_get_ex(f, "why", &v) ? json_object_get_string(v) : "";
	if (strcmp(action, "block") != 0 || !enforced || !strstr(why, "killed"))
		_ck_assert_failed(file, line, "enforced block",
				  "%s: expected action block, enforced, why naming the kill\n"
				  "  line: %s",
				  technique, l->raw);
	bool killed = false;
	if (zj_json_get(l->obj, "flags", &v) && v)
		for (size_t i = 0; i < json_object_array_length(v); i++)
			killed |= strcmp(json_object_get_string(json_object_array_get_idx(v, i)),
					 "killed") == 0;
	if (!killed)
		_ck_assert_failed(file, line, "killed flag", "no \"killed\" flag\n  line: %s",
				  l->raw);
}
#define EXPECT_KILLED_EVENT(l, t) expect_killed_event_(__FILE__, __LINE__, (l), (t))

static const char *finding_response(const struct zj_line *l, const char *technique)
{
	json_object *f = zj_line_finding(l, technique), *v;
	return f && json_object_object_get_ex(f, "response", &v) ? json_object_get_string(v) : NULL;
}

/* The quarantine item (its .json, parsed) that kept path; NULL when there is none. */
static json_object *quarantined(const char *path)
{
	DIR *d = opendir(qdir);
	struct dirent *e;
	json_object *found = NULL;
	if (!d)
		return NULL;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char p[PATH_MAX];
		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", qdir, e->d_name);
		json_object *o = json_object_from_file(p), *v;
		if (o && json_object_object_get_ex(o, "path", &v) &&
		    strcmp(json_object_get_string(v), path) == 0)
			found = o;
		else
			json_object_put(o);
	}
	closedir(d);
	return found;
}

static void expect_quarantined(const struct zj_line *l, const char *technique, const char *path,
			       const char *type, int64_t size)
{
	json_object *v;
	const char *resp = finding_response(l, technique);
	ZJ_EXPECT(l, resp && strstr(resp, "quarantined") && strstr(resp, path),
		  "expected a response naming the quarantine of %s", path);
	ck_assert_msg(!zj_path_exists(path), "%s is still there after the kill", path);
	json_object *q = quarantined(path);
	ck_assert_msg(q, "no item for %s in the quarantine %s", path, qdir);
	ck_assert_msg(json_object_object_get_ex(q, "type", &v) &&
			      strcmp(json_object_get_string(v), type) == 0,
		      "quarantine item of %s: type is not %s: %s", path, type,
		      json_object_to_json_string(q));
	ck_assert_msg(json_object_object_get_ex(q, "size", &v) && json_object_get_int64(v) == size,
		      "quarantine item of %s: size is not %" PRId64 ": %s", path, size,
		      json_object_to_json_string(q));
	ck_assert_msg(json_object_object_get_ex(q, "reason", &v) &&
			      strstr(json_object_get_string(v), technique),
		      "quarantine item of %s: reason does not name %s", path, technique);
	json_object_put(q);
}

/* ---- fixture ------------------------------------------------------------------------------- */

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), r = 0;
	if (in < 0)
		return -errno;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			r = -EIO;
			break;
		}
	}
	close(in);
	if (close(out) < 0 && r == 0)
		r = -errno;
	return r;
}

static void suite_setup(void)
{
	int r;

	zj_catch_signals();
	r = zj_dirs_prepare(test_dirs);
	if (r < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "preparing %s and %s: %s", CROND,
			 SYSTEMD, strerror(-r));
		return;
	}
	snprintf(dir, sizeof(dir), "/tmp/" ZJ_TEST_PREFIX "%d-fb", (int)zj_main_pid());
	snprintf(sock_path, sizeof(sock_path), "%s/zhijiad.sock", dir);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.json", dir);
	snprintf(qdir, sizeof(qdir), "%s/quarantine", dir);
	snprintf(victim, sizeof(victim), "%s/excepted", dir);
	snprintf(ctl_path, sizeof(ctl_path), "%s/zhijiactl", zj_build_dir());
	if (mkdir(dir, 0700) < 0 || (r = copy_file(zj_trigger_exe(), victim, 0755)) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "%s: %s", dir,
			 strerror(r < 0 ? -r : errno));
		return;
	}
	zd_r = zj_daemon_start(&zd, (const char *const[]){"--policy", policy_path, "--socket",
							  sock_path, "--quarantine-dir", qdir,
							  NULL});
	if (zd_r < 0) {
		fprintf(stderr, "check_fallback: zhijiad did not start (%s); its stderr:\n%s\n",
			strerror(-zd_r), zd.err_text ? zd.err_text : "");
		return;
	}
	/* the start-up line says how blocks are enforced here */
	lsm_enforces = zd.err_text && strstr(zd.err_text, "enforcement lsm") &&
		       !strstr(zd.err_text, "enforcement lsm+kill");
	if (!zd.err_text || (!strstr(zd.err_text, "enforcement kill") && !lsm_enforces &&
			     !strstr(zd.err_text, "enforcement lsm+kill")))
		snprintf(setup_problem, sizeof(setup_problem),
			 "zhijiad's start-up line names no enforcement mode kill: %s",
			 zd.err_text ? zd.err_text : "(nothing)");
}

static void suite_teardown(void)
{
	if (zd_r == 0) {
		zj_daemon_stop(&zd);
		if (!WIFEXITED(zd.status) || WEXITSTATUS(zd.status) != 0) {
			zd_problem = true;
			fprintf(stderr,
				"check_fallback: zhijiad did not stop cleanly: wait status 0x%x; "
				"its stderr:\n%s\n",
				zd.status, zd.err_text ? zd.err_text : "");
		}
	}
	zj_daemon_free(&zd);
	zj_cleanup();
	char cmd[PATH_MAX];
	if (dir[0] && strstr(dir, ZJ_TEST_PREFIX)) {
		/* our own temporary folder: the quarantine, the policy, the copy */
		DIR *d = opendir(qdir);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(cmd, sizeof(cmd), "%s/%s", qdir, e->d_name);
				unlink(cmd);
			}
		if (d)
			closedir(d);
		rmdir(qdir);
		unlink(victim);
		unlink(policy_path);
		unlink(sock_path);
		rmdir(dir);
	}
}

static void test_setup(void)
{
	zj_test_begin();
	ck_assert_msg(!setup_problem[0], "%s", setup_problem);
	ck_assert_msg(zd_r == 0, "zhijiad did not start: %s", strerror(-zd_r));
	ck_assert_msg(kill(zd.pid, 0) == 0 && proc_state(zd.pid) != 'Z',
		      "zhijiad (pid %d) is gone", (int)zd.pid);
	policy_clean();
	zj_tail_open(&tail, zd.log_path, true);
}

static void test_teardown(void)
{
	zj_tail_close(&tail);
	zj_test_end();
}

/* ---- tests --------------------------------------------------------------------------------- */

/* status says how each blocked sub-technique is enforced. */
START_TEST(test_status_mode)
{
	CTL_OK("policy", "set", "T1055.008", "block");
	json_object *o = ctl_json((const char *const[]){"status", NULL}), *v;
	ck_assert_msg(zj_json_get(o, "enforcement.mode", &v) && v &&
			      strcmp(json_object_get_string(v), "kill") == 0,
		      "status: enforcement.mode is not \"kill\": %s", json_object_to_json_string(o));
	json_object *enf = NULL, *t = NULL;
	ck_assert(json_object_object_get_ex(o, "enforcement", &enf));
	ck_assert_msg(json_object_object_get_ex(enf, "T1055.008", &t), "no T1055.008 in status");
	ck_assert_msg(json_object_object_get_ex(t, "mode", &v) &&
			      strcmp(json_object_get_string(v), "kill") == 0 &&
			      json_object_object_get_ex(t, "effective", &v) &&
			      strcmp(json_object_get_string(v), "block") == 0,
		      "status T1055.008: %s", json_object_to_json_string(t));
	ck_assert_msg(json_object_object_get_ex(enf, "self_protection", &v) &&
			      strstr(json_object_get_string(v), "off"),
		      "self-protection needs BPF LSM and status must say it is off here: %s",
		      json_object_to_json_string(enf));
	json_object_put(o);
}
END_TEST

/* PTRACE_ATTACH then POKEDATA: the tracer dies at the attach; no poke, no stop left. */
START_TEST(test_ptrace_killed)
{
	struct zj_hold h;
	struct zj_run r;
	char pid[16], addr[32];

	CTL_OK("policy", "set", "T1055.008", "block");
	ck_assert_int_eq(zj_hold_start(&h, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	snprintf(addr, sizeof(addr), "0x%" PRIx64, h.addr);
	TRIGGER(&r, "ptrace-pid", pid, addr);
	EXPECT_KILLED(&r, "ptrace-pid");
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	EXPECT_KILLED_EVENT(l, "T1055.008");
	ZJ_SETTLE(&tail, r.pid);
	ZJ_EXPECT(l, ZJ_COUNT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_POKEDATA")) == 0,
		  "the killed tracer went on to PTRACE_POKEDATA");
	const char *resp = finding_response(l, "T1055.008");
	ZJ_EXPECT(l, resp && strstr(resp, "SIGCONT"), "expected the SIGCONT of the target");
	/* the SIGSTOP the attach queued is undone: the target runs (sleeps in read) */
	char st = '?';
	for (int i = 0; i < 50 && (st = proc_state(h.pid)) != 'S'; i++)
		sleep_ms(20);
	ck_assert_msg(st == 'S', "the target is left in state %c (T: stopped)", st);
	expect_untouched(&h);
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* /proc/<pid>/mem opened for writing: killed at the open, before the write. */
START_TEST(test_mem_killed)
{
	struct zj_hold h;
	struct zj_run r;
	char pid[16], addr[32];

	CTL_OK("policy", "set", "T1055.009", "block");
	ck_assert_int_eq(zj_hold_start(&h, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	snprintf(addr, sizeof(addr), "0x%" PRIx64, h.addr);
	TRIGGER(&r, "mem-pid", pid, addr);
	EXPECT_KILLED(&r, "mem-pid");
	const struct zj_line *l = ZJ_WAIT(&tail, "mem_open", r.pid);
	EXPECT_KILLED_EVENT(l, "T1055.009");
	ZJ_SETTLE(&tail, r.pid);
	ZJ_EXPECT(l, ZJ_COUNT(&tail, "mem_write", r.pid) == 0, "a write followed the killed open");
	expect_untouched(&h);
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* process_vm_writev: with SIGKILL pending the kernel pins no page: nothing is written. */
START_TEST(test_vm_writev_killed)
{
	struct zj_hold h;
	struct zj_run r;
	char pid[16], addr[32];

	CTL_OK("policy", "set", "T1055.008", "block");
	ck_assert_int_eq(zj_hold_start(&h, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	snprintf(addr, sizeof(addr), "0x%" PRIx64, h.addr);
	TRIGGER(&r, "vm-pid", pid, addr);
	EXPECT_KILLED(&r, "vm-pid");
	const struct zj_line *l = ZJ_WAIT(&tail, "vm_write", r.pid);
	EXPECT_KILLED_EVENT(l, "T1055.008");
	expect_untouched(&h);
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

START_TEST(test_vdso_killed)
{
	struct zj_run r;

	CTL_OK("policy", "set", "T1055.014", "block");
	TRIGGER(&r, "vdso-mprotect");
	EXPECT_KILLED(&r, "vdso-mprotect");
	const struct zj_line *l = ZJ_WAIT(&tail, "vdso_map", r.pid);
	EXPECT_KILLED_EVENT(l, "T1055.014");
	zj_run_done(&r);
}
END_TEST

/* A cron table created: the writer dies before its first byte; the empty file is quarantined. */
START_TEST(test_cron_create_quarantined)
{
	struct zj_run r;
	char path[PATH_MAX];

	CTL_OK("policy", "set", "T1053.003", "block");
	zj_test_path(path, sizeof(path), CROND, "create");
	TRIGGER(&r, "file-create", path);
	EXPECT_KILLED(&r, "file-create");
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", path));
	ZJ_EXPECT_STR(l, "file.op", "create");
	EXPECT_KILLED_EVENT(l, "T1053.003");
	expect_quarantined(l, "T1053.003", path, "file", 0);
	zj_run_done(&r);
}
END_TEST

/* The same for the other persistence classes: an at job, a systemd timer, ld.so.preload. */
static void create_case(const char *technique, const char *path)
{
	struct zj_run r;

	CTL_OK("policy", "set", technique, "block");
	TRIGGER(&r, "file-create", path);
	EXPECT_KILLED(&r, "file-create");
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", path));
	ZJ_EXPECT_STR(l, "file.op", "create");
	EXPECT_KILLED_EVENT(l, technique);
	expect_quarantined(l, technique, path, "file", 0);
	zj_run_done(&r);
}

START_TEST(test_at_create_quarantined)
{
	char path[PATH_MAX];
	zj_test_path(path, sizeof(path), ATJOBS, "a");
	create_case("T1053.002", path);
}
END_TEST

START_TEST(test_timer_create_quarantined)
{
	char path[PATH_MAX];
	zj_test_path(path, sizeof(path), SYSTEMD, "x.timer");
	create_case("T1053.006", path);
}
END_TEST

/* /etc/ld.so.preload: only where it does not exist (it is never touched otherwise). */
START_TEST(test_preload_create_quarantined)
{
	if (zj_path_exists(PRELOAD_FILE)) {
		printf("check_fallback: test_preload_create_quarantined: %s exists on this host: "
		       "not touched, case not run\n",
		       PRELOAD_FILE);
		return;
	}
	zj_claim_file(PRELOAD_FILE);
	create_case("T1574.006", PRELOAD_FILE);
}
END_TEST

/* A cron table opened for appending: the writer dies at the open; the file is unchanged. */
START_TEST(test_cron_write_unchanged)
{
	struct zj_run r;
	char path[PATH_MAX], *after = NULL;
	static const char body[] = ZJ_FILE_MARK ": 0 0 * * * root /bin/true\n";

	zj_test_path(path, sizeof(path), CROND, "existing");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert(write(fd, body, sizeof(body) - 1) == (ssize_t)sizeof(body) - 1);
	ck_assert(close(fd) == 0);
	CTL_OK("policy", "set", "T1053.003", "block");
	TRIGGER(&r, "file-write", path);
	EXPECT_KILLED(&r, "file-write");
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", path));
	ZJ_EXPECT_STR(l, "file.op", "open_write");
	EXPECT_KILLED_EVENT(l, "T1053.003");
	ZJ_EXPECT(l, finding_response(l, "T1053.003") == NULL,
		  "nothing was written: nothing to quarantine or report");
	FILE *f = fopen(path, "re");
	ck_assert_msg(f, "%s is gone: %s", path, strerror(errno));
	char buf[256] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	after = buf;
	ck_assert_msg(strcmp(after, body) == 0, "%s changed: \"%s\"", path, after);
	zj_run_done(&r);
}
END_TEST

/* A prepared file renamed onto a cron table: the rename happened; its result is quarantined. */
START_TEST(test_cron_rename_quarantined)
{
	struct zj_run r;
	char src[PATH_MAX], dst[PATH_MAX];
	static const char body[] = ZJ_FILE_MARK ": * * * * * root /bin/true\n";

	CTL_OK("policy", "set", "T1053.003", "block");
	snprintf(src, sizeof(src), "%s/staged", dir);
	int fd = open(src, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "%s: %s", src, strerror(errno));
	ck_assert(write(fd, body, sizeof(body) - 1) == (ssize_t)sizeof(body) - 1);
	ck_assert(close(fd) == 0);
	zj_test_path(dst, sizeof(dst), CROND, "renamed");
	TRIGGER(&r, "file-rename", src, dst);
	EXPECT_KILLED(&r, "file-rename");
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", dst));
	ZJ_EXPECT_STR(l, "file.op", "rename");
	ZJ_EXPECT_INT(l, "file.result", 0);
	EXPECT_KILLED_EVENT(l, "T1053.003");
	expect_quarantined(l, "T1053.003", dst, "file", (int64_t)sizeof(body) - 1);
	ck_assert_msg(!zj_path_exists(src), "%s: the rename did not happen?", src);
	zj_run_done(&r);
}
END_TEST

/* `systemctl enable` plants a symlink: one under /etc/systemd/system is quarantined. */
START_TEST(test_unit_symlink_quarantined)
{
	struct zj_run r;
	char path[PATH_MAX];
	static const char target[] = "/lib/systemd/system/zj-nonexistent.service";

	CTL_OK("policy", "set", "T1543.002", "block");
	zj_test_path(path, sizeof(path), SYSTEMD, "link.service");
	TRIGGER(&r, "file-symlink", target, path);
	EXPECT_KILLED(&r, "file-symlink");
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", path));
	ZJ_EXPECT_STR(l, "file.op", "symlink");
	EXPECT_KILLED_EVENT(l, "T1543.002");
	expect_quarantined(l, "T1543.002", path, "symlink", (int64_t)strlen(target));
	zj_run_done(&r);
}
END_TEST

/* alert: the same attach goes through, alerted, nobody killed. */
START_TEST(test_alert_not_killed)
{
	struct zj_hold h;
	struct zj_run r;
	char pid[16];

	CTL_OK("policy", "set", "T1055.008", "alert");
	ck_assert_int_eq(zj_hold_start(&h, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	TRIGGER(&r, "ptrace-pid", pid);
	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
		      "alert: ptrace-pid did not succeed: wait status 0x%x", r.status);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	ZJ_EXPECT_INT(l, "ptrace.result", 0);
	json_object *f = zj_line_finding(l, "T1055.008"), *v;
	ZJ_EXPECT(l, f && json_object_object_get_ex(f, "action", &v) &&
			     strcmp(json_object_get_string(v), "alert") == 0,
		  "expected an alert finding");
	ZJ_EXPECT(l, !strstr(l->raw, "\"killed\""), "alert must not kill");
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* An exception for an executable lets it through a block; another program is still killed. */
START_TEST(test_exception_passes)
{
	struct zj_hold h;
	struct zj_cmd c;
	struct zj_run r;
	char pid[16];

	CTL_OK("policy", "set", "T1055.008", "block");
	CTL_OK("allow", "add", "T1055.008", "--exe", victim);
	ck_assert_int_eq(zj_hold_start(&h, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	int rc = zj_cmd_run(&c, (const char *const[]){victim, "ptrace-pid", pid, NULL}, (uid_t)-1,
			    (gid_t)-1, ZJ_TRIGGER_TIMEOUT_MS);
	ck_assert_msg(rc == 0 && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
		      "the excepted %s was stopped: wait status 0x%x, stderr: %s", victim,
		      c.status, c.err ? c.err : "");
	zj_cmd_free(&c);
	TRIGGER(&r, "ptrace-pid", pid);
	EXPECT_KILLED(&r, "ptrace-pid (not excepted)");
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* Last: `zhijiactl stop` stops zhijiad, which exits 0 (checked at suite teardown). */
START_TEST(test_ctl_stop)
{
	struct zj_cmd c;
	ctl_run(&c, (const char *const[]){"stop", NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0 &&
			      strstr(c.out ? c.out : "", "stopped"),
		      "zhijiactl stop: wait status 0x%x, stdout: %s, stderr: %s", c.status, c.out,
		      c.err);
	zj_cmd_free(&c);
	char st = proc_state(zd.pid);
	ck_assert_msg(st == 'Z' || st == '?', "zhijiad (pid %d) still runs (state %c)",
		      (int)zd.pid, st);
}
END_TEST

static Suite *fallback_suite(void)
{
	Suite *s = suite_create("fallback");
	TCase *tc = tcase_create("kill");
	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_status_mode);
	tcase_add_test(tc, test_ptrace_killed);
	tcase_add_test(tc, test_mem_killed);
	tcase_add_test(tc, test_vm_writev_killed);
	tcase_add_test(tc, test_vdso_killed);
	tcase_add_test(tc, test_cron_create_quarantined);
	tcase_add_test(tc, test_cron_rename_quarantined);
	tcase_add_test(tc, test_unit_symlink_quarantined);
	tcase_add_test(tc, test_at_create_quarantined);
	tcase_add_test(tc, test_timer_create_quarantined);
	tcase_add_test(tc, test_preload_create_quarantined);
	tcase_add_test(tc, test_cron_write_unchanged);
	tcase_add_test(tc, test_alert_not_killed);
	tcase_add_test(tc, test_exception_passes);
	tcase_add_test(tc, test_ctl_stop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	zj_env_init("check_fallback");
	suite_setup(); /* here, not as a fixture: its finding decides whether the suite runs */
	if (lsm_enforces) {
		suite_teardown();
		printf("check_fallback: SKIP: BPF LSM enforces every class on this kernel (the "
		       "start-up canary proved it), so blocks are denied, not killed: tests/vm "
		       "checks that\n");
		return 77;
	}
	SRunner *sr = srunner_create(fallback_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	zj_catch_signals();
	suite_teardown();
	if (zd_problem)
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
