/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The watch configuration (daemon/watch.c): "KIND PATH [DEPTH] [CLASS]", the class words that
 * tell the LSM programs which sub-technique's policy applies under a path, the built-in list's
 * classes, and the entry lookup the daemon completes deny paths with.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zhijia/bpf_abi.h"
#include "../../daemon/watch.h"

static char passwd[PATH_MAX];

static void setup(void)
{
	FILE *f;

	(void)snprintf(passwd, sizeof(passwd), "%s/zj-watch-passwd-XXXXXX",
		       getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	{
		int fd = mkstemp(passwd);

		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	f = fopen(passwd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("root:x:0:0:root:/root:/bin/bash\n"
	      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	      "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n",
	      f);
	ck_assert_int_eq(fclose(f), 0);
}

static void teardown(void)
{
	unlink(passwd);
}

static struct zj_watch *parse_ok(const char *text)
{
	struct zj_watch *w = NULL;
	char err[512] = "";
	int r = zj_watch_parse(text, "test", passwd, &w, err, sizeof(err));

	ck_assert_msg(r == 0, "'%s': %d %s", text, r, err);
	return w;
}

static void parse_bad(const char *text, const char *msg)
{
	struct zj_watch *w = NULL;
	char err[512] = "";
	int r = zj_watch_parse(text, "test", passwd, &w, err, sizeof(err));

	ck_assert_msg(r == -EINVAL, "'%s' parsed (%d)", text, r);
	ck_assert_ptr_null(w);
	ck_assert_msg(strstr(err, msg), "'%s': message '%s' lacks '%s'", text, err, msg);
	ck_assert_msg(strncmp(err, "test:1: ", 8) == 0, "'%s': message '%s'", text, err);
}

static const struct zj_watch_entry *find(const struct zj_watch *w, const char *path)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->entries[i].path, path) == 0)
			return &w->entries[i];
	ck_abort_msg("no entry %s", path);
	return NULL;
}

START_TEST(test_grammar)
{
	struct zj_watch *w = parse_ok("dir /a\n"
				      "dir /b 3\n"
				      "dir /c cron\n"
				      "dir /d 2 systemd\n"
				      "file /e preload\n"
				      "file /f\n"
				      "  dir\t/g\t1\tat  \n"
				      "# dir /h cron\n"
				      "\n");

	ck_assert_uint_eq(w->n, 7);
	ck_assert_uint_eq(find(w, "/a")->klass, ZJ_ENF_NONE);
	ck_assert_uint_eq(find(w, "/a")->depth, 1);
	ck_assert_uint_eq(find(w, "/b")->klass, ZJ_ENF_NONE);
	ck_assert_uint_eq(find(w, "/b")->depth, 3);
	ck_assert_uint_eq(find(w, "/c")->klass, ZJ_ENF_CRON);
	ck_assert_uint_eq(find(w, "/c")->depth, 1);
	ck_assert_uint_eq(find(w, "/d")->klass, ZJ_ENF_SERVICE);
	ck_assert_uint_eq(find(w, "/d")->depth, 2);
	ck_assert_uint_eq(find(w, "/e")->klass, ZJ_ENF_PRELOAD);
	ck_assert_uint_eq(find(w, "/e")->kind, ZJ_WATCH_FILE);
	ck_assert_uint_eq(find(w, "/f")->klass, ZJ_ENF_NONE);
	ck_assert_uint_eq(find(w, "/g")->klass, ZJ_ENF_AT);
	ck_assert_uint_eq(w->max_depth, 3);
	zj_watch_free(w);
}
END_TEST

START_TEST(test_grammar_errors)
{
	parse_bad("dir /x bogus\n", "unknown class 'bogus' (valid: at, cron, systemd, preload)");
	parse_bad("dir /x 2 timer\n", "unknown class 'timer'");
	parse_bad("dir /x cron 2\n", "depth 'cron' is not a number from 1 to 4");
	parse_bad("dir /x 9 cron\n", "depth '9' is not a number from 1 to 4");
	parse_bad("dir /x 0\n", "depth '0' is not a number from 1 to 4");
	parse_bad("dir /x 2 cron extra\n", "expected 'KIND PATH [DEPTH] [CLASS]'");
	parse_bad("dir\n", "expected 'KIND PATH [DEPTH] [CLASS]'");
	parse_bad("file /x 2\n", "a file entry takes no depth");
	parse_bad("file /x 2 cron\n", "a file entry takes no depth");
	parse_bad("dir x cron\n", "is not absolute");
	parse_bad("link /x cron\n", "unknown kind 'link'");
	parse_bad("home /abs systemd\n", "relative to the home directory");
}
END_TEST

START_TEST(test_home_class)
{
	struct zj_watch *w = parse_ok("home .config/systemd/user 2 systemd\n");

	/* root and alice; nobody's home does not exist */
	ck_assert_uint_eq(w->n, 2);
	ck_assert_uint_eq(find(w, "/root/.config/systemd/user")->klass, ZJ_ENF_SERVICE);
	ck_assert_uint_eq(find(w, "/home/alice/.config/systemd/user")->klass, ZJ_ENF_SERVICE);
	ck_assert_uint_eq(find(w, "/home/alice/.config/systemd/user")->depth, 2);
	zj_watch_free(w);
}
END_TEST

/* The built-in list: every persistence path says which sub-technique it enforces. */
START_TEST(test_default_classes)
{
	static const struct {
		const char *path;
		uint32_t klass;
	} want[] = {
		{"/etc/crontab", ZJ_ENF_CRON},
		{"/etc/cron.d", ZJ_ENF_CRON},
		{"/etc/cron.hourly", ZJ_ENF_CRON},
		{"/etc/cron.daily", ZJ_ENF_CRON},
		{"/etc/cron.weekly", ZJ_ENF_CRON},
		{"/etc/cron.monthly", ZJ_ENF_CRON},
		{"/var/spool/cron", ZJ_ENF_CRON},
		{"/var/spool/cron/atjobs", ZJ_ENF_AT},
		{"/var/spool/cron/atspool", ZJ_ENF_NONE},
		{"/var/spool/at", ZJ_ENF_AT},
		{"/etc/systemd/system", ZJ_ENF_SERVICE},
		{"/usr/lib/systemd/system", ZJ_ENF_SERVICE},
		{"/lib/systemd/system", ZJ_ENF_SERVICE},
		{"/run/systemd/system", ZJ_ENF_SERVICE},
		{"/etc/systemd/user", ZJ_ENF_SERVICE},
		{"/root/.config/systemd/user", ZJ_ENF_SERVICE},
		{"/home/alice/.config/systemd/user", ZJ_ENF_SERVICE},
		{"/etc/ld.so.preload", ZJ_ENF_PRELOAD},
	};
	struct zj_watch *w = parse_ok(zj_watch_default_text());

	ck_assert_uint_eq(w->n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(find(w, want[i].path)->klass == want[i].klass, "%s: class %u",
			      want[i].path, find(w, want[i].path)->klass);
	ck_assert_uint_eq(find(w, "/var/spool/cron")->depth, 2);
	ck_assert_uint_eq(find(w, "/etc/systemd/system")->depth, 2);
	zj_watch_free(w);
}
END_TEST

START_TEST(test_entry_lookup)
{
	struct zj_watch *w = parse_ok("dir /a cron\nfile /b/c preload\n");

	ck_assert_str_eq(zj_watch_entry(w, 1)->path, "/a");
	ck_assert_str_eq(zj_watch_entry(w, 2)->path, "/b/c");
	ck_assert_ptr_null(zj_watch_entry(w, 0));
	ck_assert_ptr_null(zj_watch_entry(w, 3));
	ck_assert_ptr_null(zj_watch_entry(NULL, 1));
	ck_assert_uint_eq(zj_watch_match(w, "/a/x"), 1);
	ck_assert_uint_eq(zj_watch_match(w, "/b/c"), 2);
	ck_assert_str_eq(zj_watch_class_word(ZJ_ENF_AT), "at");
	ck_assert_str_eq(zj_watch_class_word(ZJ_ENF_CRON), "cron");
	ck_assert_str_eq(zj_watch_class_word(ZJ_ENF_SERVICE), "systemd");
	ck_assert_str_eq(zj_watch_class_word(ZJ_ENF_PRELOAD), "preload");
	ck_assert_ptr_null(zj_watch_class_word(ZJ_ENF_TIMER));
	ck_assert_ptr_null(zj_watch_class_word(ZJ_ENF_NONE));
	zj_watch_free(w);
}
END_TEST

static Suite *watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("watch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_grammar);
	tcase_add_test(tc, test_grammar_errors);
	tcase_add_test(tc, test_home_class);
	tcase_add_test(tc, test_default_classes);
	tcase_add_test(tc, test_entry_lookup);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(watch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
