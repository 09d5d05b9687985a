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
#include <sys/stat.h>
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
	parse_bad("dir /x bogus\n", "unknown class 'bogus' (valid: at, cron, systemd, preload, "
				    "ssh_keys, shell_rc, rc_scripts, kmod, account, groups, sudo, "
				    "pam, udev, xdg_autostart, python_startup, or a technique id)");
	parse_bad("dir /x 2 timer\n", "unknown class 'timer'");
	parse_bad("dir /x cron 2\n", "depth '2' is not a number from 1 to 4 (it comes before");
	parse_bad("dir /x 9 cron\n", "depth '9' is not a number from 1 to 4");
	parse_bad("dir /x 0\n", "depth '0' is not a number from 1 to 4");
	parse_bad("dir /x 2 cron extra\n", "expected 'KIND PATH [DEPTH] [CLASS]");
	parse_bad("dir\n", "expected 'KIND PATH [DEPTH] [CLASS]");
	parse_bad("dir /x T1234.56\n", "unknown class 'T1234.56'");
	parse_bad("dir /x cron ops=write,bogus\n", "ops 'write,bogus'");
	parse_bad("dir /x cron ops=\n", "ops ''");
	parse_bad("dir /x cron names=a/b\n", "names 'a/b'");
	parse_bad("file /x cron names=*.pth\n", "names= is for directories");
	parse_bad("dir /x cron color=red\n", "unknown option 'color=red'");
	parse_bad("homefile .x 2 shell_rc\n", "a homefile entry takes no depth");
	parse_bad("sshkeys /x 2 ssh_keys\n", "a sshkeys entry takes no depth");
	parse_bad("file /x 2\n", "a file entry takes no depth");
	parse_bad("file /x 2 cron\n", "a file entry takes no depth");
	parse_bad("dir x cron\n", "is not absolute");
	parse_bad("link /x cron\n", "unknown kind 'link' (valid: dir, file, home, homefile, sshkeys)");
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
		{"/root/.ssh/authorized_keys", ZJ_ENF_SSH_KEYS},
		{"/home/alice/.ssh/authorized_keys2", ZJ_ENF_SSH_KEYS},
		{"/etc/profile", ZJ_ENF_SHELL_RC},
		{"/etc/profile.d", ZJ_ENF_SHELL_RC},
		{"/etc/bash.bashrc", ZJ_ENF_SHELL_RC},
		{"/etc/zsh", ZJ_ENF_SHELL_RC},
		{"/home/alice/.bashrc", ZJ_ENF_SHELL_RC},
		{"/root/.profile", ZJ_ENF_SHELL_RC},
		{"/home/alice/.zshrc", ZJ_ENF_SHELL_RC},
		{"/etc/rc.local", ZJ_ENF_RC_SCRIPTS},
		{"/etc/init.d", ZJ_ENF_RC_SCRIPTS},
		{"/etc/modules", ZJ_ENF_KMOD},
		{"/etc/modules-load.d", ZJ_ENF_KMOD},
		{"/etc/modprobe.d", ZJ_ENF_KMOD},
		{"/etc/passwd", ZJ_ENF_ACCOUNT},
		{"/etc/shadow", ZJ_ENF_ACCOUNT},
		{"/etc/group", ZJ_ENF_GROUPS},
		{"/etc/gshadow", ZJ_ENF_GROUPS},
		{"/etc/sudoers", ZJ_ENF_SUDO},
		{"/etc/sudoers.d", ZJ_ENF_SUDO},
		{"/etc/pam.d", ZJ_ENF_PAM},
		{"/etc/udev/rules.d", ZJ_ENF_UDEV},
		{"/usr/lib/udev/rules.d", ZJ_ENF_UDEV},
		{"/lib/udev/rules.d", ZJ_ENF_UDEV},
		{"/run/udev/rules.d", ZJ_ENF_UDEV},
		{"/etc/xdg/autostart", ZJ_ENF_XDG},
		{"/home/alice/.config/autostart", ZJ_ENF_XDG},
		{"/usr/lib/python3/dist-packages", ZJ_ENF_PYSTART},
	};
	struct zj_watch *w = parse_ok(zj_watch_default_text());

	/* glob entries (python3.*, /lib/ * /security) add what this machine has */
	ck_assert_uint_ge(w->n, sizeof(want) / sizeof(want[0]));
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

/* A class word or a technique id; ops= and names= decide what counts. */
START_TEST(test_technique_ops_names)
{
	struct zj_watch *w = parse_ok("dir /p python_startup names=*.pth,sitecustomize.py\n"
				      "file /q T1556.003 ops=write,rename\n"
				      "dir /r T1053.006\n"
				      "dir /s T1001.001\n"
				      "dir /t\n");
	const struct zj_watch_entry *p = find(w, "/p"), *q = find(w, "/q");

	ck_assert_uint_eq(p->klass, ZJ_ENF_PYSTART);
	ck_assert_str_eq(p->technique, "T1546.018");
	ck_assert_uint_eq(p->ops, ZJ_WATCH_OPS_ALL);
	ck_assert(zj_watch_counts(p, "/p/evil.pth", 11, ZJ_FOP_CREATE));
	ck_assert(zj_watch_counts(p, "/p/sitecustomize.py", 19, ZJ_FOP_OPEN_WRITE));
	ck_assert(!zj_watch_counts(p, "/p/six.py", 9, ZJ_FOP_CREATE));
	ck_assert(!zj_watch_counts(p, "/p/x.pthx", 9, ZJ_FOP_CREATE));
	/* a technique id takes the class that stands for it */
	ck_assert_uint_eq(q->klass, ZJ_ENF_PAM);
	ck_assert_str_eq(q->technique, "T1556.003");
	ck_assert_uint_eq(q->ops, ZJ_WATCH_OP(ZJ_FOP_OPEN_WRITE) | ZJ_WATCH_OP(ZJ_FOP_RENAME));
	ck_assert(zj_watch_counts(q, "/q", 2, ZJ_FOP_RENAME));
	ck_assert(!zj_watch_counts(q, "/q", 2, ZJ_FOP_CHMOD));
	ck_assert(!zj_watch_counts(q, "/q", 2, ZJ_FOP_UNLINK));
	/* timers are told apart inside a systemd tree: no class of their own */
	ck_assert_uint_eq(find(w, "/r")->klass, ZJ_ENF_NONE);
	/* any technique id is observed under it, never denied */
	ck_assert_uint_eq(find(w, "/s")->klass, ZJ_ENF_NONE);
	ck_assert_str_eq(find(w, "/s")->technique, "T1001.001");
	ck_assert_ptr_null(find(w, "/t")->technique);
	ck_assert_str_eq(find(w, "/r")->technique, "T1053.006");
	zj_watch_free(w);
}
END_TEST

/* The most specific entry answers: a file over its directory, a deeper directory. */
START_TEST(test_match_specific)
{
	struct zj_watch *w = parse_ok("dir /a 3 cron\ndir /a/b pam\nfile /a/b/c sudo\n");

	ck_assert_uint_eq(zj_watch_match(w, "/a/x"), 1);
	ck_assert_uint_eq(zj_watch_match(w, "/a/b/x"), 2);
	ck_assert_uint_eq(zj_watch_match(w, "/a/b/c"), 3);
	ck_assert_uint_eq(zj_watch_match(w, "/b"), 0);
	zj_watch_free(w);
}
END_TEST

/* The rule zj_watch_match() keeps, tried entry by entry (how it was done before its index). */
static bool ref_in_dir(const char *path, const char *dir, uint32_t depth)
{
	size_t n = strlen(dir);
	uint32_t levels = 1;

	if (strncmp(path, dir, n) != 0 || path[n] != '/' || path[n + 1] == '\0')
		return false;
	for (const char *rest = path + n + 1; *rest; rest++)
		if (*rest == '/')
			levels++;
	return levels <= depth;
}

static uint32_t ref_match(const struct zj_watch *w, const char *path)
{
	size_t best_len = 0;
	uint32_t best = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct zj_watch_entry *e = &w->entries[i];

		if (e->kind == ZJ_WATCH_FILE) {
			if (!strcmp(path, e->path) || (e->real && !strcmp(path, e->real)))
				return e->id;
		} else if (ref_in_dir(path, e->path, e->depth) ||
			   (e->real && ref_in_dir(path, e->real, e->depth))) {
			if (!best || strlen(e->path) > best_len) {
				best = e->id;
				best_len = strlen(e->path);
			}
		}
	}
	return best;
}

/* Every entry's path and real, with children, grandchildren, parents and odd spellings. */
static size_t match_like_ref(const struct zj_watch *w)
{
	static const char *const tails[] = {"",	  "/x",	    "/x/y",	 "/x/y/z", "/.x",
					    "//x", "/x/",    "/x//y",	 "x",	   "/a/b/c/d/e",
					    "/",   "/x.conf", "/sshd_config"};
	char path[PATH_MAX];
	size_t n = 0;

	for (size_t i = 0; i < w->n; i++) {
		const char *bases[2] = {w->entries[i].path, w->entries[i].real};

		for (size_t b = 0; b < 2 && bases[b]; b++) {
			for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
				snprintf(path, sizeof(path), "%s%s", bases[b], tails[t]);
				ck_assert_msg(zj_watch_match(w, path) == ref_match(w, path),
					      "%s: %u, entry by entry %u", path,
					      zj_watch_match(w, path), ref_match(w, path));
				n++;
				/* the parent */
				char *slash = strrchr(path, '/');
				if (slash && slash != path) {
					*slash = '\0';
					ck_assert_uint_eq(zj_watch_match(w, path), ref_match(w, path));
					n++;
				}
			}
		}
	}
	return n;
}

/* The index answers as trying every entry did: the built-in list, and nested, linked, deep ones. */
START_TEST(test_match_index)
{
	char dir[PATH_MAX], link[PATH_MAX + 8], text[4 * PATH_MAX];
	struct zj_watch *w = parse_ok(zj_watch_default_text());
	size_t n = match_like_ref(w);

	ck_assert_uint_gt(w->n, 50);
	ck_assert_uint_gt(n, 1000);
	zj_watch_free(w);

	/* a real directory and a symlink to it: matched through either (real) */
	snprintf(dir, sizeof(dir), "%s/zj-watch-idx-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s-l", dir);
	ck_assert_int_eq(symlink(dir, link), 0);
	snprintf(text, sizeof(text),
		 "dir /a 3\ndir /a/b 1\ndir /a/b/c 2\nfile /a/b/c/d\nfile /a/b/c/d\n"
		 "dir /a/b/c/d 1\ndir %s 2\nfile %s/f\ndir /p/q/r/s/t/u/v/w 4\ndir / 4\n",
		 link, link);
	w = parse_ok(text);
	ck_assert_ptr_nonnull(w->entries[5].real);
	match_like_ref(w);
	ck_assert_uint_eq(zj_watch_match(w, "/a/b/c/d"), 4);
	ck_assert_uint_eq(zj_watch_match(w, "/a/b/c/d/e"), 5);
	ck_assert_uint_eq(zj_watch_match(w, "/a/b/x/y"), 1);
	ck_assert_uint_eq(zj_watch_match(w, "/a/b/c/x/y"), 3);
	ck_assert_uint_eq(zj_watch_match(w, "/a/b/c/x/y/z"), 0);
	ck_assert_uint_eq(zj_watch_match(w, "/x"), 0);
	zj_watch_free(w);
	unlink(link);
	rmdir(dir);
}
END_TEST

/* homefile entries: one file per user, with the user's uid. */
START_TEST(test_homefile)
{
	struct zj_watch *w = parse_ok("homefile .bashrc shell_rc\n");

	ck_assert_uint_eq(w->n, 2);
	ck_assert_uint_eq(find(w, "/root/.bashrc")->kind, ZJ_WATCH_FILE);
	ck_assert_uint_eq(find(w, "/root/.bashrc")->uid, 0);
	ck_assert_uint_eq(find(w, "/home/alice/.bashrc")->uid, 1000);
	ck_assert_uint_eq(find(w, "/home/alice/.bashrc")->klass, ZJ_ENF_SHELL_RC);
	zj_watch_free(w);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* AuthorizedKeysFile: tokens, relative paths, Include, and sshd's default. */
START_TEST(test_sshkeys)
{
	char dir[] = "/tmp/zj-watch-sshd-XXXXXX", conf[PATH_MAX], inc[PATH_MAX], text[PATH_MAX * 2];
	struct zj_watch *w;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/sshd_config", dir);
	snprintf(inc, sizeof(inc), "%s/extra.conf", dir);
	snprintf(text, sizeof(text), "# comment\nPort 22\nInclude %s/*.conf\n", dir);
	write_file(conf, text);
	write_file(inc, "AuthorizedKeysFile .ssh/k1 /etc/keys/%u %h/k3 /var/%U/%%x none\n");
	snprintf(text, sizeof(text), "sshkeys %s ssh_keys\n", conf);
	w = parse_ok(text);
	ck_assert_uint_eq(w->n, 8);
	ck_assert_uint_eq(find(w, "/root/.ssh/k1")->klass, ZJ_ENF_SSH_KEYS);
	find(w, "/etc/keys/alice");
	find(w, "/etc/keys/root");
	ck_assert_uint_eq(find(w, "/home/alice/k3")->uid, 1000);
	find(w, "/var/1000/%x");
	find(w, "/var/0/%x");
	zj_watch_free(w);
	/* no AuthorizedKeysFile: sshd's default */
	write_file(inc, "PasswordAuthentication no\n");
	w = parse_ok(text);
	ck_assert_uint_eq(w->n, 4);
	find(w, "/home/alice/.ssh/authorized_keys");
	find(w, "/home/alice/.ssh/authorized_keys2");
	zj_watch_free(w);
	unlink(inc);
	unlink(conf);
	rmdir(dir);
}
END_TEST

/* Users come and go: the passwd file changes, the table is expanded again. */
START_TEST(test_reexpand)
{
	struct zj_watch *w = parse_ok("homefile .profile shell_rc\ndir /x cron\n"), *nw = NULL;
	char err[256] = "";
	FILE *f;

	ck_assert_uint_eq(w->n, 3);
	ck_assert(!zj_watch_stale(w));
	f = fopen(passwd, "a");
	ck_assert_ptr_nonnull(f);
	fputs("bob:x:1001:1001::/home/bob:/bin/sh\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert(zj_watch_stale(w));
	ck_assert_int_eq(zj_watch_reexpand(w, &nw, err, sizeof(err)), 0);
	ck_assert_uint_eq(nw->n, 4);
	ck_assert_uint_eq(find(nw, "/home/bob/.profile")->uid, 1001);
	ck_assert(!zj_watch_stale(nw));
	zj_watch_free(nw);
	zj_watch_free(w);
}
END_TEST

/* The main file, then watch.d/ *.conf in name order; errors name the drop-in. */
START_TEST(test_load_dropins)
{
	char dir[] = "/tmp/zj-watch-load-XXXXXX", p[PATH_MAX], d[PATH_MAX];
	struct zj_watch *w = NULL;
	char err[512] = "";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/watch.conf", dir);
	/* absent main file, not explicit: the built-in list, then drop-ins */
	snprintf(d, sizeof(d), "%s/watch.d", dir);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	snprintf(d, sizeof(d), "%s/watch.d/20-b.conf", dir);
	write_file(d, "dir /zz/b T1546.004\n");
	snprintf(d, sizeof(d), "%s/watch.d/10-a.conf", dir);
	write_file(d, "file /zz/a pam\n");
	snprintf(d, sizeof(d), "%s/watch.d/ignored.txt", dir);
	write_file(d, "garbage\n");
	ck_assert_int_eq(zj_watch_load(p, false, passwd, &w, err, sizeof(err)), 0);
	ck_assert_str_eq(w->source, "built-in");
	ck_assert_uint_eq(find(w, "/zz/a")->klass, ZJ_ENF_PAM);
	ck_assert_uint_eq(find(w, "/zz/b")->klass, ZJ_ENF_SHELL_RC);
	ck_assert_uint_gt(find(w, "/zz/b")->id, find(w, "/zz/a")->id);
	ck_assert_ptr_nonnull(strstr(find(w, "/zz/a")->source, "10-a.conf"));
	find(w, "/etc/crontab");
	zj_watch_free(w);
	/* explicit and absent: an error */
	w = NULL;
	ck_assert_int_eq(zj_watch_load(p, true, passwd, &w, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(w);
	/* the main file replaces the built-in list; a bad drop-in fails with its name */
	write_file(p, "dir /zz/main cron\n");
	snprintf(d, sizeof(d), "%s/watch.d/30-bad.conf", dir);
	write_file(d, "\ndir /zz/c bogus\n");
	ck_assert_int_eq(zj_watch_load(p, true, passwd, &w, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "30-bad.conf:2: unknown class 'bogus'"), "%s", err);
	unlink(d);
	ck_assert_int_eq(zj_watch_load(p, true, passwd, &w, err, sizeof(err)), 0);
	ck_assert_uint_eq(w->n, 3);
	ck_assert_str_eq(w->entries[0].path, "/zz/main");
	zj_watch_free(w);
	snprintf(d, sizeof(d), "%s/watch.d/10-a.conf", dir);
	unlink(d);
	snprintf(d, sizeof(d), "%s/watch.d/20-b.conf", dir);
	unlink(d);
	snprintf(d, sizeof(d), "%s/watch.d/ignored.txt", dir);
	unlink(d);
	snprintf(d, sizeof(d), "%s/watch.d", dir);
	rmdir(d);
	unlink(p);
	rmdir(dir);
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
	tcase_add_test(tc, test_technique_ops_names);
	tcase_add_test(tc, test_match_specific);
	tcase_add_test(tc, test_match_index);
	tcase_add_test(tc, test_homefile);
	tcase_add_test(tc, test_sshkeys);
	tcase_add_test(tc, test_reexpand);
	tcase_add_test(tc, test_load_dropins);
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
