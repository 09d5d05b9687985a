/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiad's kill of a process that exec'd a black binary (daemon/scand.c): only the same
 * process (pid and start time) still running the same program is killed; a pid that is gone,
 * reused or running another program is left alone.
 */
#define _GNU_SOURCE /* getline */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zhijia/policy.h"
#include "../../daemon/eventlog.h"
#include "../../daemon/scan.h"
#include "../../daemon/scand.h"

static uint64_t tick_ns;

static pid_t child(void)
{
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p == 0) {
		pause();
		_exit(0);
	}
	return p;
}

/* /proc/<pid>/stat's starttime as the kernel's boot-time ns (tick-granular). */
static uint64_t start_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	ck_assert_int_eq(sscanf(p, "%llu", &v), 1);
	return v * tick_ns;
}

static int reap(pid_t p)
{
	int status;

	ck_assert_int_eq(waitpid(p, &status, 0), p);
	return status;
}

static bool alive(pid_t p)
{
	return waitpid(p, NULL, WNOHANG) == 0;
}

START_TEST(test_kill_same_by_inode)
{
	struct stat st;
	pid_t p = child();
	uint64_t s = start_ns(p);

	ck_assert_int_eq(stat("/proc/self/exe", &st), 0);
	/* another start time: a reused pid */
	ck_assert_int_eq(zj_proc_kill_if_same((uint32_t)p, s + 5 * tick_ns, tick_ns, st.st_dev,
					      st.st_ino, NULL),
			 -ESTALE);
	/* another program */
	ck_assert_int_eq(
		zj_proc_kill_if_same((uint32_t)p, s, tick_ns, st.st_dev, st.st_ino + 1, NULL),
		-ESTALE);
	ck_assert(alive(p));
	ck_assert_int_eq(zj_proc_kill_if_same((uint32_t)p, s, tick_ns, st.st_dev, st.st_ino, NULL),
			 0);
	int status = reap(p);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* gone */
	ck_assert_int_eq(zj_proc_kill_if_same((uint32_t)p, s, tick_ns, st.st_dev, st.st_ino, NULL),
			 -ESRCH);
}
END_TEST

START_TEST(test_kill_same_by_path)
{
	char exe[PATH_MAX], link[64];
	pid_t p = child();
	uint64_t s = start_ns(p);
	ssize_t n;

	/*
	 * The child's program as the kernel names it: natively this program, as our own
	 * /proc/self/exe says; under qemu-user (make ARCH=arm64 check-unit), which answers a
	 * process's own /proc/self/exe itself, the kernel names the emulator.
	 */
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)p);
	n = readlink(link, exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	ck_assert_int_eq(zj_proc_kill_if_same((uint32_t)p, s, tick_ns, 0, 0, "/usr/bin/other"),
			 -ESTALE);
	ck_assert(alive(p));
	ck_assert_int_eq(zj_proc_kill_if_same((uint32_t)p, s, tick_ns, 0, 0, exe), 0);
	int status = reap(p);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}
END_TEST

START_TEST(test_never_killed)
{
	struct stat st;

	ck_assert_int_eq(stat("/proc/self/exe", &st), 0);
	ck_assert_int_eq(zj_proc_kill_if_same(1, 0, tick_ns, 0, 0, "/sbin/init"), -EPERM);
	ck_assert_int_eq(zj_proc_kill_if_same((uint32_t)getpid(), start_ns(getpid()), tick_ns,
					      st.st_dev, st.st_ino, NULL),
			 -EPERM);
	/* nothing to check the program against */
	ck_assert_int_eq(zj_proc_kill_if_same((uint32_t)getppid(), 0, tick_ns, 0, 0, NULL), -EPERM);
}
END_TEST

/* ---- the queue: what a full queue refuses is held and tried again -------------------------- */

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

START_TEST(test_full_queue_defers)
{
	char dir[] = "/tmp/zj-scand-test-XXXXXX", rules[64], logp[64], path[8][96];
	char err[256] = "", *line = NULL;
	struct zj_eventlog *log = NULL;
	struct zj_policy *pol = NULL;
	struct zj_watch *watch = NULL;
	struct zj_scand *sd = NULL;
	uint64_t seq = 100;
	size_t cap = 0, verdicts = 0;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(rules, sizeof(rules), "%s/rules", dir);
	ck_assert_int_eq(mkdir(rules, 0700), 0);
	snprintf(path[0], sizeof(path[0]), "%s/r.yar", rules);
	ck_assert_int_eq(write_text(path[0], "rule r { strings: $a = \"zj-defer\" "
					     "condition: $a }\n"),
			 0);
	snprintf(logp, sizeof(logp), "%s/events.jsonl", dir);
	ck_assert_int_eq(zj_eventlog_open(logp, false, &log), 0);
	ck_assert_int_eq(zj_policy_new_default(&pol), 0);
	const struct zj_scand_opts o = {
		.rules_dir = rules,
		.quarantine_dir = dir,
		.workers = 1,
		.queue_max = 1, /* one waits, the rest are refused */
		.timeout_s = 10,
		.log = log,
		.seq = &seq,
		.policy = &pol,
		.watch = &watch,
	};
	ck_assert_int_eq(zj_scand_new(&o, &sd, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_scand_start(sd), 0);

	/* 8 execs of 8 files (the process is gone: nothing is killed, every verdict is logged) */
	for (int i = 0; i < 8; i++) {
		struct zj_event ev;

		snprintf(path[i], sizeof(path[i]), "%s/bin%d", dir, i);
		ck_assert_int_eq(write_text(path[i], i % 2 ? "zj-defer" : "clean"), 0);
		memset(&ev, 0, sizeof(ev));
		ev.type = ZJ_EV_EXEC;
		ev.seq = ++seq;
		ev.actor.pid = 0x3ffffff0; /* above pid_max: never a live process */
		ev.actor.start_ns = 1;
		ev.actor.exe.ptr = path[i];
		ev.actor.exe.len = strlen(path[i]);
		zj_scand_event(sd, &ev);
	}
	json_object *st = zj_scand_status(sd), *v;
	ck_assert(json_object_object_get_ex(st, "deferred", &v));
	ck_assert_int_ge(json_object_get_int(v), 1);
	json_object_put(st);
	/* drain until every one has its verdict (at most 10 s) */
	for (int t = 0; t < 1000; t++) {
		struct pollfd pfd = {.fd = zj_scand_fd(sd), .events = POLLIN};

		(void)poll(&pfd, 1, 10);
		ck_assert_int_ge(zj_scand_drain(sd), 0);
		zj_scand_tick(sd, UINT64_MAX);
		st = zj_scand_status(sd);
		ck_assert(json_object_object_get_ex(st, "verdicts", &v));
		verdicts = (size_t)json_object_get_int64(v);
		json_object_put(st);
		if (verdicts == 8)
			break;
	}
	ck_assert_uint_eq(verdicts, 8);
	st = zj_scand_status(sd);
	ck_assert(json_object_object_get_ex(st, "dropped", &v));
	ck_assert_int_eq(json_object_get_int(v), 0);
	ck_assert(json_object_object_get_ex(st, "matches", &v));
	ck_assert_int_eq(json_object_get_int(v), 4);
	ck_assert(json_object_object_get_ex(st, "not_killed", &v));
	ck_assert_int_eq(json_object_get_int(v), 4);
	json_object_put(st);
	zj_scand_free(sd);
	ck_assert_int_eq(zj_eventlog_close(log), 0);

	/* the log: 8 verdict lines, each naming its file once, seqs past the events' */
	f = fopen(logp, "re");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 8; i++) {
		int seen = 0;

		rewind(f);
		while (getline(&line, &cap, f) > 0) {
			char want[sizeof(path) + 16];

			snprintf(want, sizeof(want), "\"path\":\"%s\"", path[i]);
			seen += strstr(line, want) != NULL;
			ck_assert_msg(strstr(line, "\"type\":\"verdict\""), "%s", line);
		}
		ck_assert_msg(seen == 1, "%s: %d verdict lines", path[i], seen);
	}
	free(line);
	fclose(f);
	zj_policy_free(pol);
	for (int i = 0; i < 8; i++)
		unlink(path[i]);
	unlink(logp);
	snprintf(path[0], sizeof(path[0]), "%s/r.yar", rules);
	unlink(path[0]);
	rmdir(rules);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scand");
	TCase *tc = tcase_create("kill");
	SRunner *sr;
	long hz = sysconf(_SC_CLK_TCK);
	int failed;

	if (zj_scan_library_init() < 0) {
		fprintf(stderr, "check_scand: libyara did not initialise\n");
		return EXIT_FAILURE;
	}

	tick_ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	tcase_add_test(tc, test_kill_same_by_inode);
	tcase_add_test(tc, test_kill_same_by_path);
	tcase_add_test(tc, test_never_killed);
	tcase_add_test(tc, test_full_queue_defers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	zj_scan_library_done();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
