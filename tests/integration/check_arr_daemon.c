/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiad and ARR, end to end: the real daemon (--arr-root: its inbox, bindings and
 * quarantine in a temporary root) runs a rule dropped into its inbox, and a rule bound to
 * T1055.008 when zj-trigger ptrace-attaches a process that is not its child (the policy set
 * to alert on T1055.008 first).  Both runs must leave their line in the event log.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 15000

static char root[PATH_MAX];

static void rm_rf(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/rm", "rm", "-rf", "--one-file-system", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		(void)waitpid(pid, NULL, 0);
}

static void mkdir_in(const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	zj_pathf(p, sizeof(p), "%s/%s", root, rel);
	ck_assert_msg(mkdir(p, mode) == 0, "mkdir %s: %s", p, strerror(errno));
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

static bool wait_for(const char *path)
{
	for (int i = 0; i < WAIT_MS / 50; i++) {
		if (zj_path_exists(path))
			return true;
		usleep(50 * 1000);
	}
	return false;
}

static int run_ctl(const char *const *args)
{
	char prog[PATH_MAX];
	const char *argv[16];
	size_t n = 0;
	int status;
	pid_t pid;

	zj_pathf(prog, sizeof(prog), "%s/zhijiactl", zj_build_dir());
	argv[n++] = prog;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_inbox_and_disposal)
{
	char policy[PATH_MAX], sock[PATH_MAX], p[PATH_MAX], tmp[PATH_MAX], rule[2 * PATH_MAX];
	char done_inbox[PATH_MAX], done_finding[PATH_MAX], pidstr[16];
	struct zj_daemon zd;
	struct zj_hold h;
	struct zj_run r;
	char *log = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	zj_test_path(root, sizeof(root), "/tmp", "arrd");
	ck_assert_int_eq(mkdir(root, 0755), 0);
	mkdir_in("etc", 0755);
	mkdir_in("etc/zhijia", 0755);
	mkdir_in("etc/zhijia/arr.d", 0755);
	zj_pathf(policy, sizeof(policy), "%s/policy.json", root);
	zj_pathf(sock, sizeof(sock), "%s/none.sock", root);
	zj_pathf(done_inbox, sizeof(done_inbox), "%s/from-inbox", root);
	zj_pathf(done_finding, sizeof(done_finding), "%s/disposed-T1055.008", root);

	/* the policy file, written by zhijiactl (no zhijiad answers on that socket) */
	rc = run_ctl((const char *const[]){"--socket", sock, "--policy", policy, "policy", "set",
					   "T1055.008", "alert", NULL});
	ck_assert_int_eq(rc, 0);
	/* the binding */
	snprintf(rule, sizeof(rule),
		 "{\"name\": \"disposal test\", \"actions\": [{\"action\": \"File_Create\", "
		 "\"path\": \"%s/disposed-${technique}\", \"content\": \"disposed\"}]}",
		 root);
	zj_pathf(p, sizeof(p), "%s/etc/zhijia/arr.d/T1055.008.json", root);
	write_file(p, rule);

	rc = zj_daemon_start(&zd, (const char *const[]){"--policy", policy, "--socket", sock,
							"--arr-root", root, NULL});
	ck_assert_msg(rc == 0, "zhijiad did not start: %s\n%s", strerror(-rc),
		      zd.err_text ? zd.err_text : "");
	ck_assert_ptr_nonnull(strstr(zd.err_text ? zd.err_text : "", "1 ARR rules bound"));

	/* the inbox: the file appears whole (rename), is run once, the result beside it */
	snprintf(rule, sizeof(rule),
		 "{\"name\": \"inbox test\", \"actions\": [{\"action\": \"File_Create\", "
		 "\"path\": \"%s\", \"content\": \"inbox\"}]}",
		 done_inbox);
	zj_pathf(tmp, sizeof(tmp), "%s/var/lib/zhijia/arr-inbox/.a.json.tmp", root);
	zj_pathf(p, sizeof(p), "%s/var/lib/zhijia/arr-inbox/a.json", root);
	write_file(tmp, rule);
	ck_assert_int_eq(rename(tmp, p), 0);
	ck_assert_msg(wait_for(done_inbox), "the inbox rule did not run");
	zj_pathf(p, sizeof(p), "%s/var/lib/zhijia/arr-inbox/a.json.result", root);
	ck_assert(wait_for(p));

	/* a finding the policy alerts on runs the bound rule */
	rc = zj_hold_start(&h, NULL);
	ck_assert_int_eq(rc, 0);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)h.pid);
	ZJ_TRIGGER(&r, "ptrace-pid", pidstr);
	ck_assert_msg(wait_for(done_finding), "the rule bound to T1055.008 did not run");
	zj_run_done(&r);
	zj_hold_stop(&h);

	ck_assert_int_eq(zj_daemon_stop(&zd), 0);
	f = fopen(zd.log_path, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(getdelim(&log, &len, '\0', f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(log, "\"rule\":\"inbox test\""));
	ck_assert_ptr_nonnull(strstr(log, "\"source\":\"inbox\""));
	ck_assert_ptr_nonnull(strstr(log, "\"rule\":\"disposal test\""));
	ck_assert_ptr_nonnull(strstr(log, "\"source\":\"finding\",\"technique\":\"T1055.008\""));
	free(log);
	zj_daemon_free(&zd);
}
END_TEST

static void teardown(void)
{
	if (root[0])
		rm_rf(root);
	zj_test_end();
}

int main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	zj_env_init("check_arr_daemon");
	s = suite_create("arr_daemon");
	tc = tcase_create("daemon");
	tcase_set_timeout(tc, 180);
	tcase_add_checked_fixture(tc, zj_test_begin, teardown);
	tcase_add_test(tc, test_inbox_and_disposal);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
