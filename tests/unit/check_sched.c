/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What persistence files schedule (daemon/sched.c), and the SHA-256 allow-list's parser
 * (daemon/scan.c): texts as they are found in /etc/cron.d, crontabs, units and
 * /etc/ld.so.preload, and the ways they go wrong.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/bpf_abi.h"
#include "../../daemon/scan.h"
#include "../../daemon/sched.h"

static struct zj_sched sch;

static void parse(uint32_t kind, const char *text)
{
	zj_sched_parse(kind, text, strlen(text), &sch);
}

/* Exactly these paths, in this order. */
static void expect(const char *const *want)
{
	size_t n = 0;

	while (want[n])
		n++;
	ck_assert_msg(sch.n == n, "expected %zu programs, got %zu (first: %s)", n, sch.n,
		      sch.n ? sch.path[0] : "-");
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(sch.path[i], want[i]);
}
#define EXPECT(...) expect((const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_NONE() expect((const char *const[]){NULL})

START_TEST(test_kind)
{
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_CRON, "/etc/crontab"), ZJ_SCHED_CRON_SYSTEM);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_CRON, "/etc/cron.d/x"), ZJ_SCHED_CRON_SYSTEM);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_CRON, "/var/spool/cron/crontabs/bob"),
			  ZJ_SCHED_CRON_USER);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_CRON, "/var/spool/cron/bob"), ZJ_SCHED_CRON_USER);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_CRON, "/etc/cron.daily/logrotate"), ZJ_SCHED_NONE);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_SERVICE, "/etc/systemd/system/x.service"),
			  ZJ_SCHED_UNIT);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_SERVICE, "/etc/systemd/system/x.service.d/o.conf"),
			  ZJ_SCHED_UNIT);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_SERVICE, "/etc/systemd/system/x.timer"),
			  ZJ_SCHED_NONE);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_PRELOAD, "/etc/ld.so.preload"), ZJ_SCHED_PRELOAD);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_AT, "/var/spool/cron/atjobs/a0001"), ZJ_SCHED_NONE);
	ck_assert_uint_eq(zj_sched_kind(ZJ_ENF_NONE, "/etc/cron.d/x"), ZJ_SCHED_NONE);
}
END_TEST

START_TEST(test_cron_system)
{
	parse(ZJ_SCHED_CRON_SYSTEM, "# m h dom mon dow user command\n"
				    "SHELL=/bin/sh\n"
				    "PATH = /usr/bin:/bin\n"
				    "\n"
				    "*/5 * * * * root /usr/local/bin/backup --all > /dev/null\n"
				    "  17 *\t* * *  www-data   /opt/app/job.sh\n"
				    "@reboot root /usr/sbin/evil\n"
				    "30 2 * * 0 root test -x /usr/sbin/anacron || run-parts x\n"
				    "0 0 * * * root /usr/local/bin/backup\n");
	EXPECT("/usr/local/bin/backup", "/opt/app/job.sh", "/usr/sbin/evil");
}
END_TEST

START_TEST(test_cron_user)
{
	/* a user crontab has no user field: the sixth word is the command */
	parse(ZJ_SCHED_CRON_USER, "* * * * * /home/bob/bin/miner -o pool\n"
				  "@daily /home/bob/clean\n");
	EXPECT("/home/bob/bin/miner", "/home/bob/clean");
	/* the same line in a system file: "/home/bob/bin/miner" would be the user */
	parse(ZJ_SCHED_CRON_SYSTEM, "* * * * * /home/bob/bin/miner -o pool\n");
	EXPECT_NONE();
}
END_TEST

START_TEST(test_cron_interpreter)
{
	parse(ZJ_SCHED_CRON_SYSTEM, "* * * * * root sh /tmp/x.sh\n"
				    "* * * * * root /bin/bash -e /tmp/y.sh arg\n"
				    "* * * * * root /usr/bin/python3 /opt/z.py\n"
				    "* * * * * root /bin/sh -c '/tmp/hidden'\n"
				    "* * * * * root perl relative.pl\n");
	EXPECT("/tmp/x.sh", "/bin/bash", "/tmp/y.sh", "/usr/bin/python3", "/opt/z.py", "/bin/sh");
}
END_TEST

START_TEST(test_cron_conservative)
{
	/* nothing that a shell would expand, quote or redirect, and no relative names */
	parse(ZJ_SCHED_CRON_SYSTEM, "* * * * * root $HOME/bin/x\n"
				    "* * * * * root \"/opt/my app/x\"\n"
				    "* * * * * root `curl evil`\n"
				    "* * * * * root ./x\n"
				    "* * * * * root /opt/x;/opt/y\n"
				    "* * * * * root /opt/a%stdin text\n"
				    "* * * *\n"
				    "* * * * * root\n"
				    "@reboot\n");
	EXPECT("/opt/a");
}
END_TEST

START_TEST(test_cron_crlf_and_no_newline)
{
	parse(ZJ_SCHED_CRON_SYSTEM, "* * * * * root /opt/a\r\n* * * * * root /opt/b");
	EXPECT("/opt/a", "/opt/b");
}
END_TEST

START_TEST(test_unit)
{
	parse(ZJ_SCHED_UNIT, "[Unit]\n"
			     "Description=x\n"
			     "ExecStart=/usr/bin/not-in-service\n"
			     "[Service]\n"
			     "Type=simple\n"
			     "ExecStartPre=-/usr/bin/prep --x\n"
			     "ExecStart=@/usr/local/bin/agent agent-name --flag\n"
			     "ExecStart=\n"
			     "ExecStart = +/usr/local/bin/spaced\n"
			     "ExecStart=\"/opt/quoted/bin\" arg\n"
			     "ExecStart=relative\n"
			     "# ExecStart=/commented\n"
			     "; ExecStart=/commented2\n"
			     "ExecStop=/usr/bin/stopper\n"
			     "ExecStartPost=!!/usr/bin/post\n"
			     "[Install]\n"
			     "ExecStart=/after/service\n");
	EXPECT("/usr/bin/prep", "/usr/local/bin/agent", "/usr/local/bin/spaced", "/opt/quoted/bin",
	       "/usr/bin/post");
}
END_TEST

START_TEST(test_unit_socket_and_dropin)
{
	parse(ZJ_SCHED_UNIT, "[Socket]\nExecStartPre=/usr/bin/sockprep\n");
	EXPECT("/usr/bin/sockprep");
	parse(ZJ_SCHED_UNIT, "[Service]\nExecStart=\nExecStart=/opt/override\n");
	EXPECT("/opt/override");
	/* no section: nothing is taken (a fragment systemd would reject) */
	parse(ZJ_SCHED_UNIT, "ExecStart=/opt/none\n");
	EXPECT_NONE();
}
END_TEST

START_TEST(test_preload)
{
	parse(ZJ_SCHED_PRELOAD, "/lib/x86_64-linux-gnu/libevil.so\n"
				"/usr/lib/a.so:/usr/lib/b.so  /usr/lib/c.so\n"
				"relative.so $LIB/x.so\n"
				"/usr/lib/a.so\n");
	EXPECT("/lib/x86_64-linux-gnu/libevil.so", "/usr/lib/a.so", "/usr/lib/b.so",
	       "/usr/lib/c.so");
}
END_TEST

START_TEST(test_limits)
{
	char text[ZJ_SCHED_MAX * 64 + 4096];
	size_t n = 0;

	/* more programs than kept: counted as dropped */
	for (int i = 0; i < ZJ_SCHED_MAX + 3; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "/usr/lib/l%d.so\n", i);
	parse(ZJ_SCHED_PRELOAD, text);
	ck_assert_uint_eq(sch.n, ZJ_SCHED_MAX);
	ck_assert_uint_eq(sch.dropped, 3);
	/* a path longer than ZJ_SCHED_PATH_MAX is dropped, not cut */
	memset(text, 'a', sizeof(text));
	text[0] = '/';
	text[ZJ_SCHED_PATH_MAX + 10] = '\0';
	parse(ZJ_SCHED_PRELOAD, text);
	ck_assert_uint_eq(sch.n, 0);
	ck_assert_uint_eq(sch.dropped, 1);
	/* an embedded NUL ends nothing and is no path */
	zj_sched_parse(ZJ_SCHED_CRON_USER, "* * * * * /opt/a\0b\n", 19, &sch);
	ck_assert_uint_eq(sch.n, 0);
	/* empty text and unknown kinds */
	parse(ZJ_SCHED_UNIT, "");
	EXPECT_NONE();
	parse(ZJ_SCHED_NONE, "* * * * * root /opt/a\n");
	EXPECT_NONE();
	parse(99, "/opt/a\n");
	EXPECT_NONE();
}
END_TEST

/* ---- allow.sha256 -------------------------------------------------------------------------- */

#define H1 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define H2 "45187d71b14024af0fdde200cc031262315fee5e4abf6ae20ecf69d4ddb77bd5"

START_TEST(test_allow_parse)
{
	const char *text = "# known-good builds\n"
			   "\n"
			   "  " H1 "  # empty file\n"
			   "45187D71B14024AF0FDDE200CC031262315FEE5E4ABF6AE20ECF69D4DDB77BD5\r\n";
	struct zj_allow *a = NULL;
	char err[256] = "";

	ck_assert_int_eq(zj_allow_parse(text, strlen(text), "allow.sha256", &a, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(zj_allow_count(a), 2);
	ck_assert(zj_allow_has(a, H1));
	ck_assert(zj_allow_has(a, H2)); /* upper case in the file, lower case asked */
	ck_assert(!zj_allow_has(
		a, "f3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	ck_assert(!zj_allow_has(a, "abc"));
	ck_assert(!zj_allow_has(NULL, H1));
	zj_allow_free(a);
	ck_assert_int_eq(zj_allow_parse("", 0, "x", &a, err, sizeof(err)), 0);
	ck_assert_uint_eq(zj_allow_count(a), 0);
	zj_allow_free(a);
}
END_TEST

static void allow_bad(const char *text, const char *want_err)
{
	struct zj_allow *a = NULL;
	char err[256] = "";

	ck_assert_int_eq(
		zj_allow_parse(text, strlen(text), "rules.d/allow.sha256", &a, err, sizeof(err)),
		-EINVAL);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(err, want_err), "error '%s' does not say '%s'", err, want_err);
}

START_TEST(test_allow_errors)
{
	allow_bad("# ok\n" H1 "\nnothex\n", "rules.d/allow.sha256:3: not a SHA-256");
	allow_bad(H1 "0\n", ":1: not a SHA-256");	  /* 65 digits */
	allow_bad("e3b0c442\n", ":1: not a SHA-256");	  /* too short */
	allow_bad(H1 " trailing\n", ":1: not a SHA-256"); /* words after it */
	allow_bad("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
		  ":1: not a SHA-256: 'g' is not a hex digit");
	allow_bad("sha256:" H1 "\n", ":1: not a SHA-256");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_kind);
	tcase_add_test(tc, test_cron_system);
	tcase_add_test(tc, test_cron_user);
	tcase_add_test(tc, test_cron_interpreter);
	tcase_add_test(tc, test_cron_conservative);
	tcase_add_test(tc, test_cron_crlf_and_no_newline);
	tcase_add_test(tc, test_unit);
	tcase_add_test(tc, test_unit_socket_and_dropin);
	tcase_add_test(tc, test_preload);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_allow_parse);
	tcase_add_test(tc, test_allow_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
