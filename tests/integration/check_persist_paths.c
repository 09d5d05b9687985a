/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The path table (issue 12) on the real kernel, as root: for every sub-technique the table
 * maps, a real file is created or opened for writing at its real path and the event carries
 * the finding; the benign counterparts (a package manager installing a package, the account
 * tools adding and removing a user and a group, a user's own shell editing their own ~/.bashrc)
 * are recorded, not alerted; a user added to the password database is watched within seconds;
 * additions in watch.d/ take effect at start and on SIGHUP, without a rebuild; the
 * AuthorizedKeysFile of an sshd configuration is followed and re-read when it changes.
 *
 * System files are never changed: /etc/passwd, /etc/shadow, /etc/group and /etc/gshadow are
 * opened for appending and closed without a byte written (that open is the operation the
 * sensor reports and the LSM denies); the account-tool case saves every file those tools touch
 * and puts back the exact bytes, mode and owner afterwards, also when a check failed.  Files
 * created elsewhere are named zj-test-<pid>-* and removed by the harness, also on failure;
 * directories that did not exist are created before zhijiad starts and removed again.
 *
 * One zhijiad serves the test case: --watch-config names a copy of the built-in table in a
 * folder of the test's own, plus an sshkeys line for an sshd configuration there; its
 * watch.d/ holds the drop-ins.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD_TIMEOUT_MS 60000
#define RELOAD_WAIT_MS 6000 /* the daemon re-expands on a 2 s tick */

/* Directories the cases write into; created (and removed again) when absent. */
static const char *const test_dirs[] = {
	"/etc/profile.d",      "/etc/init.d",	     "/etc/modules-load.d", "/etc/modprobe.d",
	"/etc/sudoers.d",      "/etc/pam.d",	     "/etc/udev/rules.d",   "/etc/xdg/autostart",
	"/root/.ssh",	       "/usr/lib/python3/dist-packages", NULL};

static struct zj_daemon zd;
static int zd_r = -ENOTCONN;
static struct zj_tail tail;
static char conf_dir[PATH_MAX], conf_path[PATH_MAX], dropin_dir[PATH_MAX], sshd_path[PATH_MAX];
static char keys_dir[PATH_MAX], extra_dir[PATH_MAX], start_file[PATH_MAX];
static char setup_problem[PATH_MAX + 256];

/* ---- helpers ------------------------------------------------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int write_text(const char *path, const char *text)
{
	char tmp[PATH_MAX + 8];
	int fd, r = 0;
	size_t len = strlen(text);

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/*
 * The operation under test, from a child of the test (the actor: this program, which is no
 * shell, editor, account tool or package manager).  O_CREAT: a new file with ZJ_FILE_MARK;
 * otherwise an open for appending that writes nothing.  Returns the child's pid after it
 * exited 0.
 */
static pid_t child_open(const char *path, int flags)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(path, flags | O_WRONLY | O_CLOEXEC, 0644);

		if (fd < 0)
			_exit(2);
		if ((flags & O_CREAT) && write(fd, ZJ_FILE_MARK "\n", sizeof(ZJ_FILE_MARK)) < 0)
			_exit(3);
		_exit(close(fd) < 0 ? 4 : 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child open of %s failed: wait status 0x%x", path, status);
	return pid;
}

/* Run a program (no shell), as uid/gid unless -1; it must exit 0. */
static void run_ok(const char *const *argv, uid_t uid, gid_t gid)
{
	struct zj_cmd c;
	int r = zj_cmd_run(&c, argv, uid, gid, CMD_TIMEOUT_MS);

	ck_assert_msg(r == 0 && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
		      "%s: %s, wait status 0x%x\nstdout: %s\nstderr: %s", argv[0],
		      r < 0 ? strerror(-r) : "ran", c.status, c.out ? c.out : "",
		      c.err ? c.err : "");
	zj_cmd_free(&c);
}

/* The finding of technique on l: its action, benign text (NULL: none) and a reason part. */
static void expect_finding(const struct zj_line *l, const char *technique, const char *action,
			   const char *benign_has, const char *reason_has)
{
	json_object *f = zj_line_finding(l, technique), *v;
	const char *s;

	ZJ_EXPECT(l, f != NULL, "expected a finding of %s", technique);
	ZJ_EXPECT(l, json_object_object_get_ex(f, "action", &v), "finding without action");
	s = json_object_get_string(v);
	ZJ_EXPECT(l, strcmp(s, action) == 0, "%s: action '%s', expected '%s'", technique, s,
		  action);
	if (benign_has) {
		ZJ_EXPECT(l, json_object_object_get_ex(f, "benign", &v), "%s: expected benign '%s'",
			  technique, benign_has);
		s = json_object_get_string(v);
		ZJ_EXPECT(l, strstr(s, benign_has) != NULL, "%s: benign '%s' lacks '%s'", technique,
			  s, benign_has);
	} else {
		ZJ_EXPECT(l, !json_object_object_get_ex(f, "benign", &v),
			  "%s: expected no benign pattern", technique);
	}
	if (reason_has) {
		ZJ_EXPECT(l, json_object_object_get_ex(f, "reason", &v), "finding without reason");
		s = json_object_get_string(v);
		ZJ_EXPECT(l, strstr(s, reason_has) != NULL, "%s: reason '%s' lacks '%s'", technique,
			  s, reason_has);
	}
}

/* Create a new file at path from a child: the event, with an alert of technique. */
static void attack_create(const char *path, const char *technique)
{
	pid_t pid = child_open(path, O_CREAT | O_EXCL);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "file", pid, ZJ_S("file.path", path), ZJ_S("file.op", "create"));

	expect_finding(l, technique, "alert", NULL, path);
	ck_assert_int_eq(unlink(path), 0);
}

/* Open an existing file for appending, write nothing: the event, with an alert. */
static void attack_open(const char *path, const char *technique, const char *action)
{
	struct stat before, after;
	pid_t pid;
	const struct zj_line *l;

	ck_assert_int_eq(stat(path, &before), 0);
	pid = child_open(path, O_APPEND);
	l = ZJ_WAIT(&tail, "file", pid, ZJ_S("file.path", path), ZJ_S("file.op", "open_write"));
	expect_finding(l, technique, action, NULL, path);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_int_eq(before.st_size, after.st_size);
	ck_assert_int_eq(before.st_ino, after.st_ino);
}

/* An existing file: open it; an absent one (its directory exists): create and remove it. */
static void attack_file(const char *path, const char *technique)
{
	if (zj_path_exists(path)) {
		attack_open(path, technique, "alert");
		return;
	}
	zj_claim_file(path);
	attack_create(path, technique);
}

/* ---- the fixture ------------------------------------------------------------------------- */

static void suite_setup(void)
{
	const char *print[] = {zj_daemon_path(), "--print-watch-config", NULL};
	struct zj_cmd c;
	char *text = NULL, dropin[PATH_MAX], line[3 * PATH_MAX];
	size_t n;
	int r;

	zj_catch_signals();
	if (zj_dirs_prepare(test_dirs) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "cannot create the test dirs: %s",
			 strerror(errno));
		return;
	}
	zj_test_path(conf_dir, sizeof(conf_dir), "/tmp", "conf");
	zj_test_path(keys_dir, sizeof(keys_dir), "/tmp", "keys");
	zj_test_path(extra_dir, sizeof(extra_dir), "/tmp", "extra");
	zj_test_path(start_file, sizeof(start_file), "/tmp", "startfile");
	zj_pathf(conf_path, sizeof(conf_path), "%s/watch.conf", conf_dir);
	zj_pathf(dropin_dir, sizeof(dropin_dir), "%s/watch.d", conf_dir);
	zj_pathf(sshd_path, sizeof(sshd_path), "%s/sshd_config", conf_dir);
	if (mkdir(conf_dir, 0755) < 0 || mkdir(dropin_dir, 0755) < 0 || mkdir(keys_dir, 0755) < 0 ||
	    mkdir(extra_dir, 0755) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "mkdir in /tmp: %s",
			 strerror(errno));
		return;
	}
	/* the built-in table, plus an sshd configuration of our own */
	r = zj_cmd_run(&c, print, (uid_t)-1, (gid_t)-1, CMD_TIMEOUT_MS);
	if (r < 0 || !WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0 || !c.out) {
		snprintf(setup_problem, sizeof(setup_problem), "zhijiad --print-watch-config failed");
		if (r == 0)
			zj_cmd_free(&c);
		return;
	}
	n = strlen(c.out) + sizeof(line);
	text = malloc(n);
	ck_assert_ptr_nonnull(text);
	snprintf(text, n, "%s\nsshkeys %s ssh_keys\n", c.out, sshd_path);
	zj_cmd_free(&c);
	snprintf(line, sizeof(line), "# test\nAuthorizedKeysFile %s/%%u\n", keys_dir);
	zj_pathf(dropin, sizeof(dropin), "%s/10-start.conf", dropin_dir);
	if (write_text(conf_path, text) < 0 || write_text(sshd_path, line) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "writing %s: %s", conf_path,
			 strerror(errno));
		free(text);
		return;
	}
	free(text);
	/* a drop-in present at start: a single file, under a technique id only */
	snprintf(line, sizeof(line), "file %s T1098.004\n", start_file);
	zj_claim_file(start_file);
	if (write_text(dropin, line) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "writing %s", dropin);
		return;
	}
	zd_r = zj_daemon_start(&zd, (const char *const[]){"--watch-config", conf_path, NULL});
	if (zd_r < 0)
		fprintf(stderr, "check_persist_paths: zhijiad did not start: %s; stderr:\n%s\n",
			strerror(-zd_r), zd.err_text ? zd.err_text : "");
}

static void suite_teardown(void)
{
	char p[PATH_MAX];
	DIR *d;

	if (zd_r == 0) {
		zj_daemon_stop(&zd);
		zj_daemon_free(&zd);
	}
	/* our configuration folder: files first */
	if ((d = opendir(dropin_dir))) {
		struct dirent *e;

		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				if ((size_t)snprintf(p, sizeof(p), "%s/%s", dropin_dir, e->d_name) <
				    sizeof(p))
					unlink(p);
			}
		closedir(d);
	}
	rmdir(dropin_dir);
	unlink(conf_path);
	unlink(sshd_path);
	rmdir(conf_dir);
	rmdir(keys_dir);
	rmdir(extra_dir);
	zj_cleanup();
}

static void test_setup(void)
{
	zj_test_begin();
	ck_assert_msg(!setup_problem[0], "%s", setup_problem);
	ck_assert_msg(zd_r == 0, "zhijiad did not start: %s", strerror(-zd_r));
	zj_tail_open(&tail, zd.log_path, true);
}

static void test_teardown(void)
{
	zj_tail_close(&tail);
	zj_test_end();
}

/* ---- one case per sub-technique ----------------------------------------------------------- */

START_TEST(test_ssh_authorized_keys)
{
	char p[PATH_MAX];

	/* root's, by the built-in homefile entry */
	attack_file("/root/.ssh/authorized_keys", "T1098.004");
	attack_file("/root/.ssh/authorized_keys2", "T1098.004");
	/* the AuthorizedKeysFile of the sshd configuration: KEYS/%u */
	zj_pathf(p, sizeof(p), "%s/root", keys_dir);
	attack_create(p, "T1098.004");
}
END_TEST

START_TEST(test_shell_rc)
{
	char p[PATH_MAX];
	const struct zj_line *l;
	struct zj_cmd c;
	int r;

	zj_test_path(p, sizeof(p), "/etc/profile.d", "rc.sh");
	attack_create(p, "T1546.004");
	attack_file("/etc/bash.bashrc", "T1546.004");
	/* root's own file, by this program: root is uid 0 (system-wide target), not benign */
	attack_file("/root/.bashrc", "T1546.004");
	/* root's own shell on root's own ~/.bashrc: recorded as the user's own editing */
	if (!zj_path_exists("/root/.bashrc"))
		return;
	r = zj_cmd_run(&c, (const char *const[]){"/bin/bash", "-c", ": >> /root/.bashrc", NULL},
		       (uid_t)-1, (gid_t)-1, CMD_TIMEOUT_MS);
	ck_assert_int_eq(r, 0);
	zj_cmd_free(&c);
	l = ZJ_WAIT(&tail, "file", 0, ZJ_S("file.path", "/root/.bashrc"),
		    ZJ_S("actor.comm", "bash"));
	expect_finding(l, "T1546.004", "record", "user editing their own shell file with bash",
		       "of uid 0");
}
END_TEST

START_TEST(test_rc_scripts)
{
	char p[PATH_MAX];

	zj_test_path(p, sizeof(p), "/etc/init.d", "svc");
	attack_create(p, "T1037.004");
	attack_file("/etc/rc.local", "T1037.004");
}
END_TEST

START_TEST(test_kernel_module_files)
{
	char p[PATH_MAX];

	zj_test_path(p, sizeof(p), "/etc/modules-load.d", "m.conf");
	attack_create(p, "T1547.006");
	zj_test_path(p, sizeof(p), "/etc/modprobe.d", "m.conf");
	attack_create(p, "T1547.006");
	attack_file("/etc/modules", "T1547.006");
}
END_TEST

START_TEST(test_account_files)
{
	attack_open("/etc/passwd", "T1136.001", "alert");
	attack_open("/etc/shadow", "T1136.001", "alert");
	attack_open("/etc/group", "T1098.007", "alert");
	attack_open("/etc/gshadow", "T1098.007", "alert");
}
END_TEST

START_TEST(test_sudo)
{
	char p[PATH_MAX];

	zj_test_path(p, sizeof(p), "/etc/sudoers.d", "s");
	attack_create(p, "T1548.003");
	attack_file("/etc/sudoers", "T1548.003");
}
END_TEST

START_TEST(test_pam)
{
	char p[PATH_MAX], name[64];
	glob_t g;

	zj_test_path(p, sizeof(p), "/etc/pam.d", "p");
	attack_create(p, "T1556.003");
	/* the module directory of this machine's multiarch triplet */
	ck_assert_int_eq(glob("/usr/lib/*/security", 0, NULL, &g), 0);
	snprintf(name, sizeof(name), "%s%d-pam_x.so", ZJ_TEST_PREFIX, (int)zj_main_pid());
	zj_pathf(p, sizeof(p), "%s/%s", g.gl_pathv[0], name);
	globfree(&g);
	zj_claim_file(p);
	attack_create(p, "T1556.003");
}
END_TEST

START_TEST(test_udev)
{
	char p[PATH_MAX];

	zj_test_path(p, sizeof(p), "/etc/udev/rules.d", "r.rules");
	attack_create(p, "T1546.017");
}
END_TEST

START_TEST(test_xdg_autostart)
{
	char p[PATH_MAX];

	zj_test_path(p, sizeof(p), "/etc/xdg/autostart", "a.desktop");
	attack_create(p, "T1547.013");
}
END_TEST

START_TEST(test_python_startup)
{
	char p[PATH_MAX];
	pid_t pid;
	const struct zj_line *l;

	zj_test_path(p, sizeof(p), "/usr/lib/python3/dist-packages", "hook.pth");
	attack_create(p, "T1546.018");
	/* a module next to it is no start-up hook: logged, no finding (names=) */
	zj_test_path(p, sizeof(p), "/usr/lib/python3/dist-packages", "mod.py");
	pid = child_open(p, O_CREAT | O_EXCL);
	l = ZJ_WAIT(&tail, "file", pid, ZJ_S("file.path", p));
	ZJ_EXPECT(l, zj_line_finding_count(l) == 0, "a .py module is not a start-up hook");
	ck_assert_int_eq(unlink(p), 0);
}
END_TEST

/* ---- benign counterparts ----------------------------------------------------------------- */

/* A copy of a file's bytes, mode and owner, put back exactly. */
struct saved {
	const char *path;
	char *data;
	size_t len;
	struct stat st;
	bool present;
};

/* Runs in main(), outside any test: failures exit, before anything was changed. */
static void save_file(struct saved *s)
{
	FILE *f;

	s->present = stat(s->path, &s->st) == 0;
	s->data = NULL;
	s->len = 0;
	if (!s->present)
		return;
	f = fopen(s->path, "re");
	s->data = malloc((size_t)s->st.st_size + 1);
	if (f && s->data)
		s->len = fread(s->data, 1, (size_t)s->st.st_size, f);
	if (!f || !s->data || s->len != (size_t)s->st.st_size) {
		fprintf(stderr, "check_persist_paths: cannot save %s: %s\n", s->path,
			strerror(errno));
		exit(EXIT_FAILURE);
	}
	fclose(f);
}

/* Put the bytes back if they differ (tmp + fsync + rename); mode and owner too.  0/-errno. */
static int restore_file(struct saved *s)
{
	char tmp[PATH_MAX];
	struct stat st;
	FILE *f;
	bool same = false;
	int fd, r = 0;

	if (!s->present) {
		if (unlink(s->path) < 0 && errno != ENOENT)
			r = -errno;
		return r;
	}
	if (stat(s->path, &st) == 0 && (size_t)st.st_size == s->len &&
	    (f = fopen(s->path, "re"))) {
		char *buf = malloc(s->len + 1);

		same = buf && fread(buf, 1, s->len, f) == s->len &&
		       memcmp(buf, s->data, s->len) == 0;
		free(buf);
		fclose(f);
	}
	if (!same) {
		snprintf(tmp, sizeof(tmp), "%s.zj-test-restore", s->path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (write(fd, s->data, s->len) != (ssize_t)s->len || fsync(fd) < 0)
			r = -EIO;
		if (r == 0 && (fchmod(fd, s->st.st_mode & 07777) < 0 ||
			       fchown(fd, s->st.st_uid, s->st.st_gid) < 0))
			r = -errno;
		close(fd);
		if (r == 0 && rename(tmp, s->path) < 0)
			r = -errno;
		if (r < 0)
			unlink(tmp);
		return r;
	}
	if ((st.st_mode & 07777) != (s->st.st_mode & 07777) && chmod(s->path, s->st.st_mode) < 0)
		r = -errno;
	if ((st.st_uid != s->st.st_uid || st.st_gid != s->st.st_gid) &&
	    chown(s->path, s->st.st_uid, s->st.st_gid) < 0)
		r = -errno;
	return r;
}

static const char *const account_files[] = {
	"/etc/passwd",	"/etc/shadow",	"/etc/group",  "/etc/gshadow",	"/etc/subuid",
	"/etc/subgid",	"/etc/passwd-", "/etc/shadow-", "/etc/group-", "/etc/gshadow-",
	"/etc/subuid-", "/etc/subgid-",
};
#define N_ACCOUNT_FILES (sizeof(account_files) / sizeof(account_files[0]))
static struct saved account_saved[N_ACCOUNT_FILES];
static bool account_saved_valid;

/* In the main process, before any test: the copy every restore puts back. */
static void account_save(void)
{
	for (size_t i = 0; i < N_ACCOUNT_FILES; i++) {
		account_saved[i].path = account_files[i];
		save_file(&account_saved[i]);
	}
	account_saved_valid = true;
}

static void account_restore(void)
{
	if (!account_saved_valid)
		return;
	for (size_t i = 0; i < N_ACCOUNT_FILES; i++) {
		int r = restore_file(&account_saved[i]);

		if (r < 0)
			fprintf(stderr, "check_persist_paths: RESTORING %s FAILED: %s\n",
				account_saved[i].path, strerror(-r));
		free(account_saved[i].data);
		account_saved[i].data = NULL;
	}
	account_saved_valid = false;
}

/*
 * The account tools doing their job: groupadd and useradd write the group and account
 * databases (recorded: "account tool"); the new user's home is watched within seconds (the
 * passwd file changed); that user's own bash on their own ~/.bashrc is recorded, root's
 * program on it is not benign.  userdel and groupdel, then every byte is put back.
 */
START_TEST(test_benign_account_tools_and_new_user)
{
	char user[32], group[32], home[PATH_MAX], rc[PATH_MAX], uidbuf[32];
	const struct zj_line *l;
	struct stat st;
	struct zj_cmd c;
	pid_t pid;
	uid_t uid;
	int r;

	ck_assert_msg(account_saved_valid, "the account databases were not saved");
	snprintf(user, sizeof(user), "zjtu%d", (int)zj_main_pid() % 1000000);
	snprintf(group, sizeof(group), "zjtg%d", (int)zj_main_pid() % 1000000);
	zj_test_path(home, sizeof(home), "/tmp", "home");
	zj_pathf(rc, sizeof(rc), "%s/.bashrc", home);

	run_ok((const char *const[]){"/usr/sbin/groupadd", group, NULL}, (uid_t)-1, (gid_t)-1);
	l = ZJ_WAIT(&tail, "file", 0, ZJ_S("file.path", "/etc/group"),
		    ZJ_S("actor.comm", "groupadd"));
	expect_finding(l, "T1098.007", "record", "account tool groupadd", NULL);

	run_ok((const char *const[]){"/usr/sbin/useradd", "-M", "-N", "-g", group, "-d", home, "-s",
				     "/bin/bash", user, NULL},
	       (uid_t)-1, (gid_t)-1);
	l = ZJ_WAIT(&tail, "file", 0, ZJ_S("file.path", "/etc/passwd"),
		    ZJ_S("actor.comm", "useradd"));
	expect_finding(l, "T1136.001", "record", "account tool useradd", NULL);
	l = ZJ_WAIT(&tail, "file", 0, ZJ_S("file.path", "/etc/shadow"),
		    ZJ_S("actor.comm", "useradd"));
	expect_finding(l, "T1136.001", "record", "account tool useradd", NULL);

	/* the new user's home: made now, owned by them; zhijiad expands its entries again */
	ck_assert_int_eq(mkdir(home, 0755), 0);
	r = zj_cmd_run(&c, (const char *const[]){"/usr/bin/id", "-u", user, NULL}, (uid_t)-1,
		       (gid_t)-1, CMD_TIMEOUT_MS);
	ck_assert_int_eq(r, 0);
	uid = (uid_t)strtoul(c.out, NULL, 10);
	zj_cmd_free(&c);
	ck_assert_int_gt(uid, 0);
	ck_assert_int_eq(chown(home, uid, 0), 0);
	ck_assert_int_eq(write_text(rc, "# " ZJ_FILE_MARK "\n"), 0);
	ck_assert_int_eq(chown(rc, uid, 0), 0);
	sleep_ms(RELOAD_WAIT_MS);
	ck_assert_int_eq(stat(rc, &st), 0);
	snprintf(uidbuf, sizeof(uidbuf), "of uid %u", (unsigned)uid);

	/* the user's own bash on their own file: recorded */
	r = zj_cmd_run(&c, (const char *const[]){"/bin/bash", "-c", "exec 3>>\"$0\"", rc, NULL},
		       uid, 0, CMD_TIMEOUT_MS);
	ck_assert_msg(r == 0 && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
		      "bash as uid %u: 0x%x %s", (unsigned)uid, c.status, c.err ? c.err : "");
	zj_cmd_free(&c);
	l = ZJ_WAIT(&tail, "file", 0, ZJ_S("file.path", rc), ZJ_S("actor.comm", "bash"),
		    ZJ_N("actor.uid", uid));
	expect_finding(l, "T1546.004", "record", "user editing their own shell file", uidbuf);

	/* another program (this one, as root) on it: not the user's own editing */
	pid = child_open(rc, O_APPEND);
	l = ZJ_WAIT(&tail, "file", pid, ZJ_S("file.path", rc));
	ZJ_EXPECT(l, zj_line_finding(l, "T1546.004") != NULL, "expected T1546.004");
	ZJ_EXPECT(l, !json_object_object_get_ex(zj_line_finding(l, "T1546.004"), "benign", NULL),
		  "root's program on a user's ~/.bashrc is not benign");

	run_ok((const char *const[]){"/usr/sbin/userdel", user, NULL}, (uid_t)-1, (gid_t)-1);
	run_ok((const char *const[]){"/usr/sbin/groupdel", group, NULL}, (uid_t)-1, (gid_t)-1);
	unlink(rc);
	rmdir(home);
	account_restore();
}
END_TEST

/* Check runs each test in a child: the main process restores after it, whatever happened. */
static void account_teardown(void)
{
	char user[32], group[32], home[PATH_MAX], rc[PATH_MAX];
	struct zj_cmd c;

	snprintf(user, sizeof(user), "zjtu%d", (int)zj_main_pid() % 1000000);
	snprintf(group, sizeof(group), "zjtg%d", (int)zj_main_pid() % 1000000);
	/* a failed test left them: userdel/groupdel quietly, then compare every byte */
	if (zj_cmd_run(&c, (const char *const[]){"/usr/bin/id", "-u", user, NULL}, (uid_t)-1,
		       (gid_t)-1, CMD_TIMEOUT_MS) == 0) {
		bool exists = WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0;

		zj_cmd_free(&c);
		if (exists && zj_cmd_run(&c, (const char *const[]){"/usr/sbin/userdel", user, NULL},
					 (uid_t)-1, (gid_t)-1, CMD_TIMEOUT_MS) == 0)
			zj_cmd_free(&c);
	}
	if (zj_cmd_run(&c, (const char *const[]){"/usr/sbin/groupdel", group, NULL}, (uid_t)-1,
		       (gid_t)-1, CMD_TIMEOUT_MS) == 0)
		zj_cmd_free(&c);
	/* no ck_* here: it runs in main(), outside any test */
	snprintf(home, sizeof(home), "/tmp/%s%d-home", ZJ_TEST_PREFIX, (int)zj_main_pid());
	snprintf(rc, sizeof(rc), "/tmp/%s%d-home/.bashrc", ZJ_TEST_PREFIX, (int)zj_main_pid());
	unlink(rc);
	rmdir(home);
}

/*
 * A package manager at work: dpkg installs a package with files in six watched directories
 * (written as NAME.dpkg-new and renamed into place), then purges it.  Every one is recorded as
 * the package manager's, none alerted.
 */
START_TEST(test_benign_package_manager)
{
	static const struct {
		const char *dir, *tag, *technique;
	} files[] = {
		{"/etc/profile.d", "pkg.sh", "T1546.004"},
		{"/etc/sudoers.d", "pkg", "T1548.003"},
		{"/etc/pam.d", "pkg", "T1556.003"},
		{"/etc/udev/rules.d", "pkg.rules", "T1546.017"},
		{"/etc/modprobe.d", "pkg.conf", "T1547.006"},
		{"/etc/xdg/autostart", "pkg.desktop", "T1547.013"},
	};
	char root[PATH_MAX], p[PATH_MAX], deb[PATH_MAX], pkg[64], ctl[512];
	const struct zj_line *l;
	struct zj_cmd c;
	int r;

	if (access("/usr/bin/dpkg", X_OK) < 0 || access("/usr/bin/dpkg-deb", X_OK) < 0) {
		printf("check_persist_paths: test_benign_package_manager: SKIP: no dpkg here\n");
		return;
	}
	snprintf(pkg, sizeof(pkg), "zj-test-%d", (int)zj_main_pid());
	zj_test_path(root, sizeof(root), "/tmp", "pkgroot");
	zj_test_path(deb, sizeof(deb), "/tmp", "pkg.deb");
	zj_pathf(p, sizeof(p), "%s/DEBIAN", root);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(ctl, sizeof(ctl),
		 "Package: %s\nVersion: 1\nArchitecture: all\nMaintainer: zhijia tests "
		 "<root@localhost>\nDescription: zhijia integration test package\n",
		 pkg);
	zj_pathf(p, sizeof(p), "%s/DEBIAN/control", root);
	ck_assert_int_eq(write_text(p, ctl), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char d[PATH_MAX], name[PATH_MAX];

		zj_pathf(d, sizeof(d), "%s%s", root, files[i].dir);
		run_ok((const char *const[]){"/bin/mkdir", "-p", d, NULL}, (uid_t)-1, (gid_t)-1);
		zj_test_path(name, sizeof(name), d, files[i].tag);
		ck_assert_int_eq(write_text(name, "# " ZJ_FILE_MARK "\n"), 0);
	}
	run_ok((const char *const[]){"/usr/bin/dpkg-deb", "--root-owner-group", "--build", root,
				     deb, NULL},
	       (uid_t)-1, (gid_t)-1);
	r = zj_cmd_run(&c, (const char *const[]){"/usr/bin/dpkg", "-i", deb, NULL}, (uid_t)-1,
		       (gid_t)-1, CMD_TIMEOUT_MS);
	ck_assert_int_eq(r, 0);
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
		/* another apt/dpkg holds the lock: a precondition, not a failure of ours */
		bool locked = c.err && strstr(c.err, "lock");

		ck_assert_msg(locked, "dpkg -i: 0x%x\n%s", c.status, c.err ? c.err : "");
		printf("check_persist_paths: test_benign_package_manager: SKIP: dpkg is locked by "
		       "another process\n");
		zj_cmd_free(&c);
		return;
	}
	zj_cmd_free(&c);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		zj_test_path(p, sizeof(p), files[i].dir, files[i].tag);
		l = ZJ_WAIT(&tail, "file", 0, ZJ_S("file.path", p), ZJ_S("file.op", "rename"));
		expect_finding(l, files[i].technique, "record", "package manager dpkg", p);
	}
	run_ok((const char *const[]){"/usr/bin/dpkg", "--purge", pkg, NULL}, (uid_t)-1,
	       (gid_t)-1);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		zj_test_path(p, sizeof(p), files[i].dir, files[i].tag);
		ck_assert_msg(!zj_path_exists(p), "dpkg --purge left %s", p);
	}
	run_ok((const char *const[]){"/bin/rm", "-rf", root, deb, NULL}, (uid_t)-1, (gid_t)-1);
}
END_TEST

/* ---- the table is configuration ---------------------------------------------------------- */

/* A drop-in present at start counts; one added later counts after SIGHUP, not before. */
START_TEST(test_dropins_and_sighup)
{
	char dropin[PATH_MAX], line[PATH_MAX + 64], p[PATH_MAX];
	pid_t pid;
	const struct zj_line *l;

	/* at start: 10-start.conf made start_file T1098.004 (a technique id: observed) */
	attack_create(start_file, "T1098.004");

	/* before the drop-in: a file in extra_dir is nobody's business */
	zj_pathf(p, sizeof(p), "%s/%s%d-a", extra_dir, ZJ_TEST_PREFIX, (int)zj_main_pid());
	pid = child_open(p, O_CREAT | O_EXCL);
	ZJ_SETTLE(&tail, pid);
	ck_assert_uint_eq(ZJ_COUNT(&tail, "file", pid), 0);
	ck_assert_int_eq(unlink(p), 0);

	zj_pathf(dropin, sizeof(dropin), "%s/20-extra.conf", dropin_dir);
	snprintf(line, sizeof(line), "dir %s udev ops=create\n", extra_dir);
	ck_assert_int_eq(write_text(dropin, line), 0);
	ck_assert_int_eq(kill(zd.pid, SIGHUP), 0);
	sleep_ms(1500);
	attack_create(p, "T1546.017");
	/* ops=create: removing it is logged without a finding */
	l = ZJ_WAIT(&tail, "file", getpid(), ZJ_S("file.path", p), ZJ_S("file.op", "unlink"));
	ZJ_EXPECT(l, zj_line_finding_count(l) == 0, "unlink is not in ops=create");
}
END_TEST

/* A changed AuthorizedKeysFile is followed within seconds, without SIGHUP. */
START_TEST(test_sshd_config_change)
{
	char line[PATH_MAX + 64], p[PATH_MAX];

	snprintf(line, sizeof(line), "AuthorizedKeysFile %s/%%u.new\n", keys_dir);
	ck_assert_int_eq(write_text(sshd_path, line), 0);
	sleep_ms(RELOAD_WAIT_MS);
	zj_pathf(p, sizeof(p), "%s/root.new", keys_dir);
	attack_create(p, "T1098.004");
}
END_TEST

/* zhijiactl --socket <the daemon's> ARGS...: it must exit 0. */
static void ctl_ok(const char *const *args)
{
	const char *argv[16];
	char ctl[PATH_MAX];
	size_t n = 0;

	zj_pathf(ctl, sizeof(ctl), "%s/zhijiactl", zj_build_dir());
	argv[n++] = ctl;
	argv[n++] = "--socket";
	argv[n++] = zd.own[0];
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	run_ok(argv, (uid_t)-1, (gid_t)-1);
}

/*
 * block without BPF LSM (this host): the fallback kills the actor at the open's exit, before
 * it writes a byte, and what the open created goes to the quarantine.  (Denial by the LSM
 * hooks is tests/vm's.)  An ordinary module next to it is not a start-up hook: it goes on.
 */
START_TEST(test_block_fallback)
{
	char p[PATH_MAX];
	const struct zj_line *l;
	json_object *f, *v;
	pid_t pid;
	int status;

	zj_test_path(p, sizeof(p), "/usr/lib/python3/dist-packages", "blocked.pth");
	zj_claim_file(p);
	ctl_ok((const char *const[]){"policy", "set", "T1546.018", "block", NULL});
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd >= 0 && write(fd, "import os\n", 10) == 10)
			_exit(0); /* the write went through: the block failed */
		_exit(fd < 0 ? 2 : 3);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	l = ZJ_WAIT(&tail, "file", pid, ZJ_S("file.path", p));
	f = zj_line_finding(l, "T1546.018");
	ZJ_EXPECT(l, f && json_object_object_get_ex(f, "action", &v) &&
			     strcmp(json_object_get_string(v), "block") == 0,
		  "expected a block finding of T1546.018");
	if (zj_line_finding(l, "T1546.018") && strstr(l->raw, "\"killed\"")) {
		/* the fallback acted: the actor died before its write */
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			      "the event says killed, the actor's wait status is 0x%x", status);
		for (int i = 0; i < 50 && zj_path_exists(p); i++)
			sleep_ms(100);
		ck_assert_msg(!zj_path_exists(p), "%s left in place after the kill", p);
	} else {
		/* no bpf_send_signal here: the finding must say it was not enforced */
		ZJ_EXPECT(l, strstr(l->raw, "\"enforced\":false") != NULL,
			  "neither killed nor marked not enforced");
		unlink(p);
	}
	zj_test_path(p, sizeof(p), "/usr/lib/python3/dist-packages", "plain.py");
	pid = child_open(p, O_CREAT | O_EXCL);
	ck_assert_int_eq(unlink(p), 0);
	ctl_ok((const char *const[]){"policy", "set", "T1546.018", "default", NULL});
}
END_TEST

static Suite *paths_suite(void)
{
	Suite *s = suite_create("persist_paths");
	TCase *tc = tcase_create("persist_paths");
	TCase *acc = tcase_create("accounts");

	tcase_add_unchecked_fixture(tc, suite_setup, NULL);
	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_ssh_authorized_keys);
	tcase_add_test(tc, test_shell_rc);
	tcase_add_test(tc, test_rc_scripts);
	tcase_add_test(tc, test_kernel_module_files);
	tcase_add_test(tc, test_account_files);
	tcase_add_test(tc, test_sudo);
	tcase_add_test(tc, test_pam);
	tcase_add_test(tc, test_udev);
	tcase_add_test(tc, test_xdg_autostart);
	tcase_add_test(tc, test_python_startup);
	tcase_add_test(tc, test_block_fallback);
	tcase_add_test(tc, test_benign_package_manager);
	tcase_add_test(tc, test_dropins_and_sighup);
	tcase_add_test(tc, test_sshd_config_change);
	suite_add_tcase(s, tc);
	/* last, with the daemon still up: it changes the password database and puts it back */
	tcase_add_unchecked_fixture(acc, NULL, suite_teardown);
	tcase_add_checked_fixture(acc, test_setup, test_teardown);
	tcase_set_timeout(acc, 120);
	tcase_add_test(acc, test_benign_account_tools_and_new_user);
	suite_add_tcase(s, acc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	zj_env_init("check_persist_paths");
	account_save();
	sr = srunner_create(paths_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* whatever the account case did or did not do: the databases as they were */
	account_teardown();
	account_restore();
	zj_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
