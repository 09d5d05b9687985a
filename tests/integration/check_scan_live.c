/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File verdicts in the live daemon (issue 6), as root on the real kernel: zhijiad runs with a
 * rules directory the test writes (one rule that matches a marker made at run time, so that
 * nothing on the machine but the test's own samples can match -- not even this program, which
 * holds only the marker's format), and:
 *
 *  - a binary carrying the marker, exec'd here (no BPF LSM on this host), is SIGKILLed and the
 *    "verdict" line names the rule, the exec event's seq and the pid; journald has the alert;
 *    so is the shell running a script that carries it;
 *  - a unit file carrying it is alerted (T1543.002 at its default) and left in place, and the
 *    program its ExecStart= names gets a verdict of its own;
 *  - a cron file in /etc/cron.d (named zj-test-<pid>-..., removed by the harness even when a
 *    test fails) that schedules a script carrying the marker is alerted with the rule's name
 *    and, T1053.003 being "block" in the policy, quarantined (the test itself is excepted from
 *    the block, as a deployment tool would be, so that the write itself goes through);
 *  - a broken rule file makes `zhijiactl rules reload` (and SIGHUP) fail naming FILE:LINE,
 *    and the old rules go on killing;
 *  - a hash on allow.sha256 is recorded, not killed;
 *  - `zhijiactl scan` answers per file with exit 0 / 1 / 2.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <inttypes.h>
#include <linux/capability.h>
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
#define CTL_TIMEOUT_MS 15000
#define VERDICT_TIMEOUT_MS 10000
#define RULE_NS "live"
#define RULE_NAME "zj_live_marker"

static const char *const test_dirs[] = {CROND, SYSTEMD, NULL};

/* The test program's state (a main() file: STYLE.md allows it here). */
static struct zj_daemon zd;
static int zd_r = -ENOTCONN;
static bool zd_problem;
static char setup_problem[2 * PATH_MAX];
static struct zj_tail tail;
static char top[64], rules_dir[96], qdir[96], sock_path[96], policy_path[96], ctl_path[PATH_MAX];
static char marker[64];
static int sample_no;

/* ---- helpers ------------------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int r = 0;
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = (size_t)n;
	return 0;
}

/* A copy of /bin/sleep with the marker (and a salt: a fresh hash) appended: still runs. */
static void make_sample(char *path, size_t size, const char *salt)
{
	char *data, tagged[256];
	size_t len;

	zj_pathf(path, size, "%s/sample-%d-%s", top, ++sample_no, salt);
	ck_assert_int_eq(read_file("/bin/sleep", &data, &len), 0);
	int n = snprintf(tagged, sizeof(tagged), "\n%s %s\n", marker, salt);
	char *all = malloc(len + (size_t)n);
	ck_assert_ptr_nonnull(all);
	memcpy(all, data, len);
	memcpy(all + len, tagged, (size_t)n);
	ck_assert_int_eq(write_file(path, all, len + (size_t)n, 0755), 0);
	free(all);
	free(data);
}

/* fork + exec path with one argument (no shell); the child's pid. */
static pid_t spawn(const char *path, const char *arg)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait for pid up to timeout_ms; its wait status, or -1 on timeout (then it is killed). */
static int wait_for(pid_t pid, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	int status;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(10);
	}
}

static int64_t jint(const struct zj_line *l, const char *path)
{
	json_object *v;
	ck_assert_msg(zj_json_get(l->obj, path, &v) && v, "no %s in %s", path, l->raw);
	return json_object_get_int64(v);
}

/* "verdict.rules" holds "live:zj_live_marker". */
static void expect_rule(const struct zj_line *l)
{
	json_object *rules;
	bool found = false;
	ck_assert_msg(zj_json_get(l->obj, "verdict.rules", &rules) && rules &&
			      json_object_is_type(rules, json_type_array),
		      "no verdict.rules array: %s", l->raw);
	for (size_t i = 0; i < json_object_array_length(rules); i++)
		found |= strcmp(json_object_get_string(json_object_array_get_idx(rules, i)),
				RULE_NS ":" RULE_NAME) == 0;
	ZJ_EXPECT(l, found, "verdict.rules lacks " RULE_NS ":" RULE_NAME);
}

/* The journald entry of our zhijiad for the verdict line l (waits for it; caller puts it). */
static json_object *journal_for(const struct zj_line *l)
{
	char m_pid[32], m_seq[64];
	const char *matches[] = {m_pid, m_seq, NULL};
	uint64_t deadline = now_ms() + 5000;
	json_object *arr = NULL;

	snprintf(m_pid, sizeof(m_pid), "_PID=%d", (int)zd.pid);
	snprintf(m_seq, sizeof(m_seq), "ZHIJIA_VERDICT_SEQ=%" PRId64, jint(l, "seq"));
	for (;;) {
		(void)zj_journal_sync();
		ck_assert_int_eq(zj_journal_query(matches, &arr), 0);
		if (json_object_array_length(arr) > 0 || now_ms() > deadline)
			break;
		json_object_put(arr);
		sleep_ms(50);
	}
	ZJ_EXPECT(l, json_object_array_length(arr) == 1,
		  "expected one journald entry with %s %s, found %zu", m_pid, m_seq,
		  json_object_array_length(arr));
	json_object *e = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return e;
}

static const char *jfield(json_object *e, const char *name)
{
	json_object *v;
	if (!json_object_object_get_ex(e, name, &v) || !v ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* zhijiactl --socket S --rules R ARGS...; 0 or -errno. */
static void ctl_run(struct zj_cmd *c, const char *const *args)
{
	const char *argv[16];
	size_t n = 0;
	argv[n++] = ctl_path;
	argv[n++] = "--socket";
	argv[n++] = sock_path;
	argv[n++] = "--rules";
	argv[n++] = rules_dir;
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int r = zj_cmd_run(c, argv, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS);
	ck_assert_msg(r == 0, "zhijiactl: %s", strerror(-r));
}

static const struct zj_line *wait_verdict(const char *key, const char *path, const char *action)
{
	return zj_wait_(__FILE__, __LINE__, &tail, VERDICT_TIMEOUT_MS, "verdict", 0,
			ZJ_KVS(ZJ_S(key, path), ZJ_S("verdict.action", action)));
}

/* ---- fixtures ------------------------------------------------------------------------------ */

static const char *start_failure(const struct zj_daemon *d, int r)
{
	static char msg[256];
	if (r == -ECHILD)
		snprintf(msg, sizeof(msg), "zhijiad exited (wait status 0x%x) before it was ready",
			 d->status);
	else
		snprintf(msg, sizeof(msg), "starting zhijiad failed: %s", strerror(-r));
	return msg;
}

static void write_rule(void)
{
	char path[PATH_MAX], text[512];
	int n = snprintf(text, sizeof(text),
			 "rule " RULE_NAME " : zjtest malware {\n"
			 "  strings: $m = \"%s\"\n"
			 "  condition: $m\n"
			 "}\n",
			 marker);
	zj_pathf(path, sizeof(path), "%s/" RULE_NS ".yar", rules_dir);
	int r = write_file(path, text, (size_t)n, 0644);
	if (r < 0)
		snprintf(setup_problem, sizeof(setup_problem), "%s: %s", path, strerror(-r));
}

static void suite_setup(void)
{
	char policy[PATH_MAX + 256];
	struct timespec ts;
	int r;

	/*
	 * T1053.003 is blocked, and this program -- standing for a trusted deployment tool -- is
	 * excepted: its cron file goes through the block (without the exception the kernel or
	 * the kill fallback would stop the write itself), and the YARA verdict on what the file
	 * schedules is what quarantines it.
	 */
	if (snprintf(policy, sizeof(policy),
		     "{\"version\": 1, \"actions\": {\"T1053.003\": \"block\"},\n"
		     " \"exceptions\": [{\"technique\": \"T1053.003\", \"exe\": \"%s\"}]}\n",
		     zj_self_exe()) >= (int)sizeof(policy)) {
		snprintf(setup_problem, sizeof(setup_problem), "policy text too long");
		return;
	}

	zj_catch_signals();
	r = zj_dirs_prepare(test_dirs);
	if (r < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "preparing %s: %s", CROND,
			 strerror(-r));
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	/* made here, never a literal: no file on the machine can carry it by chance */
	snprintf(marker, sizeof(marker), "zj-scan-live-%d-%08lx", (int)zj_main_pid(),
		 (unsigned long)(ts.tv_nsec ^ (ts.tv_sec << 12)));
	snprintf(top, sizeof(top), "/tmp/" ZJ_TEST_PREFIX "%d-scan", (int)zj_main_pid());
	snprintf(rules_dir, sizeof(rules_dir), "%s/rules.d", top);
	snprintf(qdir, sizeof(qdir), "%s/quarantine", top);
	snprintf(sock_path, sizeof(sock_path), "%s/zhijiad.sock", top);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.json", top);
	snprintf(ctl_path, sizeof(ctl_path), "%s/zhijiactl", zj_build_dir());
	if (mkdir(top, 0755) < 0 || mkdir(rules_dir, 0755) < 0 ||
	    (r = write_file(policy_path, policy, strlen(policy), 0644)) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "%s: %s", top,
			 strerror(r < 0 ? -r : errno));
		return;
	}
	write_rule();
	if (setup_problem[0])
		return;
	zd_r = zj_daemon_start(&zd, (const char *const[]){"--rules", rules_dir, "--quarantine-dir",
							  qdir, "--policy", policy_path, "--socket",
							  sock_path, NULL});
	if (zd_r < 0) {
		fprintf(stderr, "check_scan_live: %s; its stderr:\n%s\n", start_failure(&zd, zd_r),
			zd.err_text ? zd.err_text : "");
		return;
	}
	for (int i = 0; i < 200 && !zj_path_exists(sock_path); i++)
		sleep_ms(10);
	if (!zd.err_text || !strstr(zd.err_text, "YARA rules from"))
		snprintf(setup_problem, sizeof(setup_problem),
			 "zhijiad did not say which YARA rules it loaded:\n%s",
			 zd.err_text ? zd.err_text : "");
}

static void suite_teardown(void)
{
	if (zd_r == 0) {
		zj_daemon_stop(&zd);
		if (zd.stop_timed_out || !WIFEXITED(zd.status) || WEXITSTATUS(zd.status) != 0) {
			zd_problem = true;
			fprintf(stderr,
				"check_scan_live: zhijiad did not stop cleanly: wait status 0x%x; "
				"its stderr:\n%s\n",
				zd.status, zd.err_text ? zd.err_text : "");
		}
	}
	zj_daemon_free(&zd);
	zj_cleanup();
}

static void test_setup(void)
{
	zj_test_begin();
	ck_assert_msg(!setup_problem[0], "%s", setup_problem);
	ck_assert_msg(zd_r == 0, "%s; its stderr:\n%s", start_failure(&zd, zd_r),
		      zd.err_text ? zd.err_text : "(none)");
	ck_assert_msg(kill(zd.pid, 0) == 0, "zhijiad (pid %d) is gone", (int)zd.pid);
	zj_tail_open(&tail, zd.log_path, true);
}

static void test_teardown(void)
{
	zj_tail_close(&tail);
	zj_test_end();
}

/* ---- tests --------------------------------------------------------------------------------- */

/*
 * exec a black binary, expect it killed; returns the verdict line.  owner other than -1: the
 * sample is chown'ed to it and made mode 0700 first.
 */
static const struct zj_line *exec_killed_owned(const char *salt, uid_t owner)
{
	char sample[PATH_MAX];

	make_sample(sample, sizeof(sample), salt);
	if (owner != (uid_t)-1) {
		ck_assert_int_eq(chown(sample, owner, (gid_t)owner), 0);
		ck_assert_int_eq(chmod(sample, 0700), 0);
	}
	pid_t pid = spawn(sample, "30");
	int status = wait_for(pid, VERDICT_TIMEOUT_MS);
	ck_assert_msg(status != -1, "%s (pid %d) still ran after %d ms", sample, (int)pid,
		      VERDICT_TIMEOUT_MS);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "%s (pid %d) ended with wait status 0x%x, not SIGKILL", sample, (int)pid,
		      status);
	const struct zj_line *v = wait_verdict("verdict.path", sample, "killed");
	ZJ_EXPECT_STR(v, "verdict.origin", "exec");
	ZJ_EXPECT_STR(v, "verdict.state", "match");
	ZJ_EXPECT_INT(v, "verdict.pid", pid);
	ZJ_EXPECT_BOOL(v, "verdict.allowed", false);
	expect_rule(v);
	/* the event it answers: the exec of the sample by that pid */
	const struct zj_line *ex = ZJ_WAIT(&tail, "exec", pid);
	ZJ_EXPECT_INT(v, "verdict.event_seq", jint(ex, "seq"));
	ZJ_EXPECT(v, jint(v, "seq") > jint(ex, "seq"), "the verdict comes after its event");
	return v;
}

static const struct zj_line *exec_killed(const char *salt)
{
	return exec_killed_owned(salt, (uid_t)-1);
}

/*
 * Every task of zhijiad holds no capability the main thread dropped (capset(2) is per thread:
 * the scan workers are started after the drop, and each keeps CAP_DAC_READ_SEARCH only), and
 * a worker still scans: a black binary exec'd now is killed on its verdict.
 */
struct task_caps {
	uint64_t eff, prm, inh, amb;
	char comm[32];
};

/* /proc/<pid>/task/<tid>/{status,comm}; false when the task is gone. */
static bool read_task_caps(pid_t pid, const char *tid, struct task_caps *ret)
{
	char path[PATH_MAX], buf[256], *line;
	int seen = 0;
	FILE *f;

	/* through stdio: read_file() sizes by fstat, and /proc files say 0 bytes */
	memset(ret, 0, sizeof(*ret));
	zj_pathf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid, tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(ret->comm, sizeof(ret->comm), f))
		ret->comm[strcspn(ret->comm, "\n")] = '\0';
	fclose(f);
	zj_pathf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while ((line = fgets(buf, sizeof(buf), f))) {
		unsigned long long v;
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			ret->eff = v, seen |= 1;
		else if (sscanf(line, "CapPrm: %llx", &v) == 1)
			ret->prm = v, seen |= 2;
		else if (sscanf(line, "CapInh: %llx", &v) == 1)
			ret->inh = v, seen |= 4;
		else if (sscanf(line, "CapAmb: %llx", &v) == 1)
			ret->amb = v, seen |= 8;
	}
	fclose(f);
	ck_assert_msg(seen == 15, "%s lacks a Cap line (%x)", path, seen);
	return true;
}

START_TEST(test_threads_keep_no_more)
{
	/* what drop_capabilities() keeps: CAP_BPF where the kernel has it, else CAP_SYS_ADMIN */
	const uint64_t dac = 1ull << CAP_DAC_READ_SEARCH;
	char main_tid[32], path[PATH_MAX];
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last_cap = -1;
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &last_cap), 1);
	fclose(f);
	const uint64_t kept = dac | 1ull << CAP_KILL | 1ull << CAP_SYS_PTRACE |
			      1ull << (last_cap >= CAP_BPF ? CAP_BPF : CAP_SYS_ADMIN);
	struct task_caps m, t;
	int tasks = 0, workers = 0;

	snprintf(main_tid, sizeof(main_tid), "%d", (int)zd.pid);
	ck_assert(read_task_caps(zd.pid, main_tid, &m));
	ck_assert_msg(m.eff == kept && m.prm == kept,
		      "zhijiad's main thread: CapEff %016llx CapPrm %016llx, want %016llx",
		      (unsigned long long)m.eff, (unsigned long long)m.prm,
		      (unsigned long long)kept);

	zj_pathf(path, sizeof(path), "/proc/%d/task", (int)zd.pid);
	DIR *d = opendir(path);
	ck_assert_msg(d, "%s: %s", path, strerror(errno));
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !read_task_caps(zd.pid, de->d_name, &t))
			continue;
		tasks++;
		ck_assert_msg(!(t.eff & ~m.prm) && !(t.prm & ~m.prm) && !t.inh && !t.amb,
			      "zhijiad task %s (%s): CapEff %016llx CapPrm %016llx CapInh %016llx "
			      "CapAmb %016llx; the main thread keeps %016llx",
			      de->d_name, t.comm, (unsigned long long)t.eff,
			      (unsigned long long)t.prm, (unsigned long long)t.inh,
			      (unsigned long long)t.amb, (unsigned long long)m.prm);
		if (strcmp(t.comm, "zj-scan") != 0)
			continue;
		workers++;
		ck_assert_msg(t.eff == dac && t.prm == dac,
			      "scan worker %s: CapEff %016llx CapPrm %016llx, want %016llx "
			      "(cap_dac_read_search)",
			      de->d_name, (unsigned long long)t.eff, (unsigned long long)t.prm,
			      (unsigned long long)dac);
	}
	closedir(d);
	ck_assert_msg(tasks > 1 && workers >= 1, "zhijiad has %d tasks, %d scan workers", tasks,
		      workers);
	/*
	 * and they still scan, with what they kept: the sample is another user's, mode 0700 --
	 * root runs it (CAP_DAC_OVERRIDE), a worker reads it only through CAP_DAC_READ_SEARCH
	 */
	const struct zj_line *v = exec_killed_owned("threads", 65534);
	ZJ_EXPECT_BOOL(v, "verdict.cached", false);
}
END_TEST

START_TEST(test_exec_black_killed)
{
	const struct zj_line *v = exec_killed("exec");
	json_object *sha;
	ck_assert(zj_json_get(v->obj, "verdict.sha256", &sha) && sha);
	ZJ_EXPECT(v, strlen(json_object_get_string(sha)) == 64, "sha256 is 64 hex digits");

	json_object *e = journal_for(v);
	ck_assert_str_eq(jfield(e, "ZHIJIA_VERDICT"), "match");
	ck_assert_str_eq(jfield(e, "ZHIJIA_ACTION"), "killed");
	ck_assert_str_eq(jfield(e, "ZHIJIA_SHA256"), json_object_get_string(sha));
	ck_assert_msg(strstr(jfield(e, "ZHIJIA_RULES"), RULE_NS ":" RULE_NAME), "ZHIJIA_RULES=%s",
		      jfield(e, "ZHIJIA_RULES"));
	ck_assert_msg(strstr(jfield(e, "ZHIJIA_TAGS"), "malware"), "ZHIJIA_TAGS=%s",
		      jfield(e, "ZHIJIA_TAGS"));
	json_object_put(e);
}
END_TEST

START_TEST(test_exec_black_script_killed)
{
	/* run through its #! interpreter: the script is scanned, the shell running it killed */
	char script[PATH_MAX], body[256];
	int in[2];

	zj_pathf(script, sizeof(script), "%s/script-%d.sh", top, ++sample_no);
	int n = snprintf(body, sizeof(body), "#!/bin/sh\n# %s\nread x\n", marker);
	ck_assert_int_eq(write_file(script, body, (size_t)n, 0755), 0);
	ck_assert_int_eq(pipe(in), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[1]);
		execl(script, script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	int status = wait_for(pid, VERDICT_TIMEOUT_MS);
	close(in[1]);
	ck_assert_msg(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "%s (pid %d): wait status 0x%x, not SIGKILL", script, (int)pid, status);
	const struct zj_line *v = wait_verdict("verdict.path", script, "killed");
	ZJ_EXPECT_INT(v, "verdict.pid", pid);
	expect_rule(v);
}
END_TEST

START_TEST(test_unit_black_alerted)
{
	/* a black unit file itself: T1543.002 is at its default, so alerted and left in place */
	char unit[PATH_MAX], text[256];

	zj_test_path(unit, sizeof(unit), SYSTEMD, "unit.service");
	int n = snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\n# %s\n", marker);
	ck_assert_int_eq(write_file(unit, text, (size_t)n, 0644), 0);
	const struct zj_line *v = wait_verdict("verdict.path", unit, "alerted");
	ZJ_EXPECT_STR(v, "verdict.origin", "file");
	ZJ_EXPECT_STR(v, "verdict.technique", "T1543.002");
	expect_rule(v);
	ck_assert_msg(zj_path_exists(unit), "%s was removed under a default policy", unit);
	/* and what it runs got a verdict of its own */
	v = wait_verdict("verdict.scheduled_by", unit, "none");
	ZJ_EXPECT_STR(v, "verdict.path", "/bin/true");
	ZJ_EXPECT_STR(v, "verdict.state", "clean");
	json_object *e = journal_for(zj_wait_(__FILE__, __LINE__, &tail, VERDICT_TIMEOUT_MS,
					      "verdict", 0, ZJ_KVS(ZJ_S("verdict.path", unit))));
	ck_assert_str_eq(jfield(e, "ZHIJIA_ACTION"), "alerted");
	ck_assert_str_eq(jfield(e, "ZHIJIA_ORIGIN"), "file");
	json_object_put(e);
	ck_assert_int_eq(unlink(unit), 0);
}
END_TEST

START_TEST(test_clean_exec_runs)
{
	/* a clean program runs to its end and gets a clean verdict */
	pid_t pid = spawn("/bin/sleep", "0.2");
	int status = wait_for(pid, VERDICT_TIMEOUT_MS);
	ck_assert_msg(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "/bin/sleep 0.2: wait status 0x%x", status);
	const struct zj_line *v = zj_wait_(__FILE__, __LINE__, &tail, VERDICT_TIMEOUT_MS, "verdict",
					   0, ZJ_KVS(ZJ_N("verdict.pid", pid)));
	ZJ_EXPECT_STR(v, "verdict.state", "clean");
	ZJ_EXPECT_STR(v, "verdict.action", "none");
}
END_TEST

START_TEST(test_cron_black_quarantined)
{
	char script[PATH_MAX], cron[PATH_MAX], text[PATH_MAX + 64], body[256];

	zj_pathf(script, sizeof(script), "%s/job-%d.sh", top, ++sample_no);
	int n = snprintf(body, sizeof(body), "#!/bin/sh\n# %s\nexit 0\n", marker);
	ck_assert_int_eq(write_file(script, body, (size_t)n, 0755), 0);
	zj_test_path(cron, sizeof(cron), CROND, "cron");
	n = snprintf(text, sizeof(text), "# zhijia test\n*/30 * * * * root %s\n", script);
	ck_assert_int_eq(write_file(cron, text, (size_t)n, 0644), 0);

	const struct zj_line *v = wait_verdict("verdict.scheduled_by", cron, "quarantined");
	ZJ_EXPECT_STR(v, "verdict.origin", "scheduled");
	ZJ_EXPECT_STR(v, "verdict.path", script);
	ZJ_EXPECT_STR(v, "verdict.technique", "T1053.003");
	expect_rule(v);
	json_object *qid;
	ck_assert(zj_json_get(v->obj, "verdict.quarantine_id", &qid) && qid);
	ck_assert_msg(!zj_path_exists(cron), "%s is still there after its quarantine", cron);

	/* the quarantine keeps it: <id>.json names the path */
	char meta[PATH_MAX], *data;
	size_t len;
	zj_pathf(meta, sizeof(meta), "%s/%s.json", qdir, json_object_get_string(qid));
	ck_assert_msg(read_file(meta, &data, &len) == 0, "no quarantine item %s", meta);
	ck_assert_msg(strstr(data, cron), "%s does not name %s:\n%s", meta, cron, data);
	free(data);

	json_object *e = journal_for(v);
	ck_assert_str_eq(jfield(e, "ZHIJIA_ACTION"), "quarantined");
	ck_assert_str_eq(jfield(e, "ZHIJIA_SCHEDULED_BY"), cron);
	ck_assert_str_eq(jfield(e, "ZHIJIA_TECHNIQUE"), "T1053.003");
	ck_assert_msg(strstr(jfield(e, "ZHIJIA_RULES"), RULE_NS ":" RULE_NAME), "ZHIJIA_RULES=%s",
		      jfield(e, "ZHIJIA_RULES"));
	ck_assert_msg(strstr(jfield(e, "MESSAGE"), RULE_NAME), "MESSAGE=%s", jfield(e, "MESSAGE"));
	json_object_put(e);
}
END_TEST

START_TEST(test_bad_rule_keeps_old)
{
	char bad[PATH_MAX];
	struct zj_cmd c;
	const char *text = "rule broken {\n  strings: $a = \"x\"\n  condition: $a and $nope\n}\n";

	zj_pathf(bad, sizeof(bad), "%s/zz-broken.yar", rules_dir);
	ck_assert_int_eq(write_file(bad, text, strlen(text), 0644), 0);

	ctl_run(&c, (const char *const[]){"rules", "reload", NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 1,
		      "rules reload with a broken rule: wait status 0x%x, stderr %s", c.status,
		      c.err);
	ck_assert_msg(strstr(c.err, "zz-broken.yar:3:") || strstr(c.err, "zz-broken.yar:4:"),
		      "the error does not name the file and line: %s", c.err);
	ck_assert_msg(strstr(c.err, "previous 1 rules stay in force"), "%s", c.err);
	zj_cmd_free(&c);

	ctl_run(&c, (const char *const[]){"--json", "rules", "reload", NULL});
	json_object *o = json_tokener_parse(c.out);
	ck_assert_msg(o, "--json: not JSON: %s", c.out);
	json_object *err;
	ck_assert(json_object_object_get_ex(o, "error", &err));
	ck_assert_msg(strstr(json_object_get_string(err), "zz-broken.yar:"), "%s", c.out);
	json_object_put(o);
	zj_cmd_free(&c);

	/* SIGHUP too: the daemon stays, says why in the journal, and keeps the old rules */
	ck_assert_int_eq(kill(zd.pid, SIGHUP), 0);
	sleep_ms(300);
	ck_assert_msg(kill(zd.pid, 0) == 0, "zhijiad died of SIGHUP");
	(void)exec_killed("after-bad-reload");

	ck_assert_int_eq(unlink(bad), 0);
	ctl_run(&c, (const char *const[]){"rules", "reload", NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "reload: %s", c.err);
	ck_assert_msg(strstr(c.out, "1 rules"), "%s", c.out);
	zj_cmd_free(&c);
}
END_TEST

START_TEST(test_allow_list_records)
{
	char sample[PATH_MAX], allow[PATH_MAX], line[128];
	struct zj_cmd c;

	make_sample(sample, sizeof(sample), "allowed");
	/* its hash, as `zhijiactl scan --json` says it */
	ctl_run(&c, (const char *const[]){"--json", "scan", sample, NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 1, "scan: 0x%x %s", c.status,
		      c.out);
	json_object *o = json_tokener_parse(c.out), *files, *sha;
	ck_assert_msg(o && json_object_object_get_ex(o, "files", &files), "%s", c.out);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(files, 0), "sha256", &sha));
	int n = snprintf(line, sizeof(line), "%s  # test sample\n", json_object_get_string(sha));
	json_object_put(o);
	zj_cmd_free(&c);
	zj_pathf(allow, sizeof(allow), "%s/allow.sha256", rules_dir);
	ck_assert_int_eq(write_file(allow, line, (size_t)n, 0644), 0);
	ctl_run(&c, (const char *const[]){"rules", "reload", NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "reload: %s", c.err);
	zj_cmd_free(&c);

	pid_t pid = spawn(sample, "0.3");
	int status = wait_for(pid, VERDICT_TIMEOUT_MS);
	ck_assert_msg(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "an allow-listed binary did not run to its end: wait status 0x%x", status);
	const struct zj_line *v = wait_verdict("verdict.path", sample, "recorded");
	ZJ_EXPECT_BOOL(v, "verdict.allowed", true);
	ZJ_EXPECT_STR(v, "verdict.state", "match");
	expect_rule(v);

	ck_assert_int_eq(unlink(allow), 0);
	ctl_run(&c, (const char *const[]){"rules", "reload", NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "reload: %s", c.err);
	zj_cmd_free(&c);
}
END_TEST

START_TEST(test_zhijiactl_scan)
{
	char sample[PATH_MAX];
	struct zj_cmd c;

	make_sample(sample, sizeof(sample), "ctl");
	ctl_run(&c, (const char *const[]){"scan", sample, "/bin/true", NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 1, "match: 0x%x %s %s",
		      c.status, c.out, c.err);
	ck_assert_msg(strstr(c.out, RULE_NS ":" RULE_NAME), "%s", c.out);
	ck_assert_msg(strstr(c.out, "/bin/true: clean"), "%s", c.out);
	zj_cmd_free(&c);
	ctl_run(&c, (const char *const[]){"scan", "/bin/true", NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "clean: 0x%x %s", c.status,
		      c.err);
	zj_cmd_free(&c);
	ctl_run(&c, (const char *const[]){"scan", "/nonexistent/zj-none", NULL});
	ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 2, "error: 0x%x %s", c.status,
		      c.out);
	zj_cmd_free(&c);
	/* --json: one document, a verdict per file, the exit status in it */
	ctl_run(&c, (const char *const[]){"--json", "scan", top, NULL});
	json_object *o = json_tokener_parse(c.out), *v;
	ck_assert_msg(o, "not JSON: %s", c.out);
	ck_assert(json_object_object_get_ex(o, "match", &v));
	ck_assert_int_ge(json_object_get_int(v), 1);
	ck_assert(json_object_object_get_ex(o, "exit_status", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	ck_assert_int_eq(WEXITSTATUS(c.status), 1);
	json_object_put(o);
	zj_cmd_free(&c);
}
END_TEST

START_TEST(test_status_counts)
{
	struct zj_cmd c;
	ctl_run(&c, (const char *const[]){"--json", "status", NULL});
	json_object *o = json_tokener_parse(c.out), *scan, *v;
	ck_assert_msg(o && json_object_object_get_ex(o, "scan", &scan), "%s", c.out);
	ck_assert(json_object_object_get_ex(scan, "rules", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	ck_assert(json_object_object_get_ex(scan, "killed", &v));
	ck_assert_int_ge(json_object_get_int(v), 1);
	ck_assert(json_object_object_get_ex(scan, "quarantined", &v));
	ck_assert_int_ge(json_object_get_int(v), 1);
	ck_assert(json_object_object_get_ex(scan, "shed", &v));
	json_object_put(o);
	zj_cmd_free(&c);
}
END_TEST

static Suite *scan_suite(void)
{
	Suite *s = suite_create("scan_live");
	TCase *tc = tcase_create("scan_live");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_threads_keep_no_more);
	tcase_add_test(tc, test_exec_black_killed);
	tcase_add_test(tc, test_exec_black_script_killed);
	tcase_add_test(tc, test_unit_black_alerted);
	tcase_add_test(tc, test_clean_exec_runs);
	tcase_add_test(tc, test_cron_black_quarantined);
	tcase_add_test(tc, test_bad_rule_keeps_old);
	tcase_add_test(tc, test_allow_list_records);
	tcase_add_test(tc, test_zhijiactl_scan);
	tcase_add_test(tc, test_status_counts); /* last: counts what the others did */
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	char why[512];
	pid_t jpid = 0;

	zj_env_init("check_scan_live");
	int r = zj_journal_ensure(&jpid, why, sizeof(why));
	if (r == -ENOENT) {
		printf("check_scan_live: SKIP: %s\n", why);
		return 77;
	}
	if (r < 0) {
		printf("check_scan_live: FAIL: journald is installed but not usable: %s\n", why);
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(scan_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (zd_problem) {
		fprintf(stderr,
			"check_scan_live: FAIL: zhijiad did not stop cleanly (see above)\n");
		failed++;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
