/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiactl arr validate|dry-run|run|inbox and quarantine list|restore, the real binary, on a
 * planted scenario in a temporary root (--root, --system-disk, --quarantine, --event-log):
 * exit codes, text and --json output, the event-log line, restoring from the quarantine.
 * The brief's cleanup rule is run as the brief writes it.  No zhijiad is needed.
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
#include <unistd.h>

#include <json-c/json.h>

#include "harness.h"

static char root[PATH_MAX];

struct out {
	int status; /* exit code */
	char text[65536];
};

/* Run zhijiactl with args (NULL-terminated), stdout and stderr into o->text. */
static void ctl(struct out *o, const char *const *args)
{
	char prog[PATH_MAX];
	const char *argv[32];
	int p[2], status;
	size_t n = 0, used = 0;
	pid_t pid;

	zj_pathf(prog, sizeof(prog), "%s/zhijiactl", zj_build_dir());
	argv[n++] = prog;
	for (; *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t r = read(p[0], o->text + used, sizeof(o->text) - 1 - used);

		if (r <= 0)
			break;
		used += (size_t)r;
	}
	close(p[0]);
	o->text[used] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	o->status = WEXITSTATUS(status);
}

static void put(const char *rel, const void *data, size_t len)
{
	char p[PATH_MAX];
	int fd;

	zj_pathf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static bool there(const char *rel)
{
	char p[PATH_MAX];

	zj_pathf(p, sizeof(p), "%s/%s", root, rel);
	return zj_path_exists(p);
}

static const char cleanup_rule[] =
	"{\n  \"name\": \"暗云清除规则\",\n  \"actions\": [\n    {\n"
	"      \"action\": \"Proc_Module_Threads\",\n"
	"      \"modules\": [\"upcfg.db\", \"DtCrashCatch.dll\"],\n      \"condition\": \"\"\n"
	"    },\n    {\n      \"action\": \"File_Delete\",\n"
	"      \"filenames\": [\"upcfg.db\", \"DtCrashCatch.dll\", \"DrvSvc.zip\"],\n"
	"      \"condition\": \"alldisk\"\n    },\n    {\n"
	"      \"action\": \"File_repairMbr\",\n      \"data\": \"backup\",\n"
	"      \"condition\": \"[equal],[offset:0],[31 C0 FA 31 D8 8E D3 36 89 26 FE 7B BC FE 7B "
	"1E]\"\n    },\n    {\n      \"action\": \"Other_QuickScan\"\n    }\n  ]\n}\n";

static void setup(void)
{
	char p[PATH_MAX];
	unsigned char sector[512], good[512];

	zj_test_begin();
	zj_test_path(root, sizeof(root), "/tmp", "arr-cli");
	ck_assert_int_eq(mkdir(root, 0700), 0);
	zj_pathf(p, sizeof(p), "%s/home", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	zj_pathf(p, sizeof(p), "%s/var", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	zj_pathf(p, sizeof(p), "%s/var/lib", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	zj_pathf(p, sizeof(p), "%s/var/lib/zhijia", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	zj_pathf(p, sizeof(p), "%s/var/lib/zhijia/mbr", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	put("home/upcfg.db", "upcfg", 5);
	put("DrvSvc.zip", "PK", 2);
	memset(good, 0, sizeof(good));
	good[0] = 0xeb;
	good[510] = 0x55;
	good[511] = 0xaa;
	memcpy(sector, good, sizeof(sector));
	memcpy(sector, "\x31\xC0\xFA\x31\xD8\x8E\xD3\x36\x89\x26\xFE\x7B\xBC\xFE\x7B\x1E", 16);
	put("disk.img", sector, sizeof(sector));
	put("var/lib/zhijia/mbr/disk.img.mbr", good, sizeof(good));
	put("rule.json", cleanup_rule, strlen(cleanup_rule));
}

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

static void teardown(void)
{
	if (root[0])
		rm_rf(root);
	zj_test_end();
}

START_TEST(test_cli)
{
	char rule[PATH_MAX], disk[PATH_MAX], q[PATH_MAX], log[PATH_MAX], bad[PATH_MAX];
	char id[128] = "", inbox[PATH_MAX];
	struct out o;
	json_object *j, *items, *v;

	zj_pathf(rule, sizeof(rule), "%s/rule.json", root);
	zj_pathf(disk, sizeof(disk), "%s/disk.img", root);
	zj_pathf(q, sizeof(q), "%s/quarantine", root);
	zj_pathf(log, sizeof(log), "%s/log/events.jsonl", root);

	ctl(&o, (const char *[]){"arr", "validate", rule, NULL});
	ck_assert_int_eq(o.status, 0);
	ck_assert_ptr_nonnull(strstr(o.text, "valid: rule '暗云清除规则', 4 actions"));

	/* a Windows rule: refused at validation, with the JSON path */
	put("bad.json", "{\"name\": \"w\", \"actions\": [{\"action\": \"Reg_Delete\"}]}", 52);
	zj_pathf(bad, sizeof(bad), "%s/bad.json", root);
	ctl(&o, (const char *[]){"--json", "arr", "validate", bad, NULL});
	ck_assert_int_eq(o.status, 1);
	j = json_tokener_parse(o.text);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(strstr(json_object_get_string(json_object_object_get(j, "error")),
				     "actions[0].action: Reg_Delete is not supported on linux"));
	json_object_put(j);
	ctl(&o, (const char *[]){"arr", "run", bad, "--root", root, "--quarantine", q, NULL});
	ck_assert_int_eq(o.status, 1);

	ctl(&o, (const char *[]){"arr", "dry-run", rule, "--root", root, "--system-disk", disk,
				 NULL});
	ck_assert_int_eq(o.status, 0);
	ck_assert_ptr_nonnull(strstr(o.text, "/home/upcfg.db"));
	ck_assert_ptr_nonnull(strstr(o.text, "disk.img: sector 0 from"));
	ck_assert(there("home/upcfg.db"));

	ctl(&o, (const char *[]){"--json", "--event-log", log, "arr", "run", rule, "--root", root,
				 "--system-disk", disk, "--quarantine", q, NULL});
	ck_assert_msg(o.status == 0, "%s", o.text);
	j = json_tokener_parse(o.text);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(j, "done")), 2);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(j, "failed")), 0);
	json_object_put(j);
	ck_assert(!there("home/upcfg.db") && !there("DrvSvc.zip"));
	{
		char line[65536];
		int fd = open(log, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		ck_assert_int_ge(fd, 0);
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
		ck_assert_int_gt(n, 0);
		line[n] = '\0';
		ck_assert_ptr_nonnull(strstr(line, "{\"type\":\"arr\",\"rule\":\"暗云清除规则\""));
		ck_assert_int_eq(line[n - 1], '\n');
		ck_assert_ptr_eq(strchr(line, '\n'), line + n - 1); /* one line */
	}

	ctl(&o, (const char *[]){"--json", "quarantine", "list", "--quarantine", q, NULL});
	ck_assert_int_eq(o.status, 0);
	j = json_tokener_parse(o.text);
	ck_assert(json_object_object_get_ex(j, "items", &items));
	ck_assert_uint_eq(json_object_array_length(items), 3); /* 2 files, 1 sector */
	for (size_t i = 0; i < 3; i++) {
		v = json_object_array_get_idx(items, i);
		if (strstr(json_object_get_string(json_object_object_get(v, "path")), "upcfg.db"))
			snprintf(id, sizeof(id), "%s",
				 json_object_get_string(json_object_object_get(v, "id")));
	}
	json_object_put(j);
	ck_assert(id[0]);
	ctl(&o, (const char *[]){"quarantine", "restore", id, "--quarantine", q, NULL});
	ck_assert_int_eq(o.status, 0);
	ck_assert(there("home/upcfg.db"));
	ctl(&o, (const char *[]){"quarantine", "restore", id, "--quarantine", q, NULL});
	ck_assert_int_eq(o.status, 1); /* it is there now */
	ck_assert_ptr_nonnull(strstr(o.text, "--overwrite"));

	/* the inbox, once by hand */
	zj_pathf(inbox, sizeof(inbox), "%s/inbox", root);
	ck_assert_int_eq(mkdir(inbox, 0700), 0);
	put("inbox/a.json",
	    "{\"name\": \"i\", \"actions\": [{\"action\": \"Task_Create\", \"type\": \"cron\", "
	    "\"task\": \"zjclitest\", \"schedule\": \"@daily\", \"command\": \"true\"}]}",
	    131);
	ctl(&o, (const char *[]){"arr", "inbox", "--dir", inbox, "--root", root, "--quarantine", q,
				 NULL});
	ck_assert_msg(o.status == 0, "%s", o.text);
	ck_assert_ptr_nonnull(strstr(o.text, "1 rule files run"));
	ck_assert(there("inbox/a.json.result"));
	ck_assert(there("etc/cron.d/zjclitest"));

	ctl(&o, (const char *[]){"arr", "frobnicate", NULL});
	ck_assert_int_eq(o.status, 2);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	zj_env_init("check_arr_cli");
	s = suite_create("arr_cli");
	tc = tcase_create("cli");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cli);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
