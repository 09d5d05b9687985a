/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiad's kill of a process that exec'd a black binary (daemon/scand.c): only the same
 * process (pid and start time) still running the same program is killed; a pid that is gone,
 * reused or running another program is left alone.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	pid_t p = child();
	uint64_t s = start_ns(p);

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

int main(void)
{
	Suite *s = suite_create("scand");
	TCase *tc = tcase_create("kill");
	SRunner *sr;
	long hz = sysconf(_SC_CLK_TCK);
	int failed;

	tick_ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	tcase_add_test(tc, test_kill_same_by_inode);
	tcase_add_test(tc, test_kill_same_by_path);
	tcase_add_test(tc, test_never_killed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
