/* SPDX-License-Identifier: GPL-2.0-only */
/* YARA verdicts (daemon/scan.c): rules from a directory, one scan, the worker pool. */
#define _GNU_SOURCE /* gettid */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../daemon/scan.h"

static char dir[64], rules[128];

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/zj-scan-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(rules, sizeof(rules), "%s/rules.d", dir);
	ck_assert_int_eq(mkdir(rules, 0700), 0);
}

static void teardown(void)
{
	const char *argv[] = {"rm", "-rf", dir, NULL};
	pid_t p = fork();

	if (p == 0) {
		execv("/bin/rm", (char *const *)argv);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
}

static const char miner_rule[] = "rule miner : coin {\n"
				 "  strings: $a = \"stratum+tcp://\"\n"
				 "  condition: $a\n"
				 "}\n";

START_TEST(test_compile_and_scan)
{
	char path[192], err[512];
	struct zj_rules *r = NULL;
	struct zj_verdict v;

	snprintf(path, sizeof(path), "%s/miner.yar", rules);
	put(path, miner_rule);
	snprintf(path, sizeof(path), "%s/notes.txt", rules); /* not a rule file: ignored */
	put(path, "this is not yara");
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(zj_rules_count(r), 1);

	snprintf(path, sizeof(path), "%s/bad.sh", dir);
	put(path, "#!/bin/sh\nexec xmrig -o stratum+tcp://pool:3333\n");
	ck_assert_int_eq(zj_rules_scan_path(r, path, 10, &v), 0);
	ck_assert_str_eq(zj_verdict_name(v.state), "match");
	ck_assert_uint_eq(v.n_matches, 1);
	ck_assert_str_eq(v.matches[0], "miner:miner [coin]");
	ck_assert_uint_eq(strlen(v.sha256), 64);

	snprintf(path, sizeof(path), "%s/good.sh", dir);
	put(path, "#!/bin/sh\necho hello\n");
	ck_assert_int_eq(zj_rules_scan_path(r, path, 10, &v), 0);
	ck_assert_uint_eq(v.state, ZJ_VERDICT_CLEAN);
	ck_assert_uint_eq(v.size, strlen("#!/bin/sh\necho hello\n"));

	ck_assert_int_eq(zj_rules_scan_path(r, "/nonexistent/zj", 10, &v), 0);
	ck_assert_uint_eq(v.state, ZJ_VERDICT_ERROR);
	ck_assert_int_eq(v.error, -ENOENT);
	ck_assert_int_eq(zj_rules_scan_path(r, dir, 10, &v), 0);
	ck_assert_uint_eq(v.state, ZJ_VERDICT_ERROR);
	ck_assert_int_eq(v.error, -EINVAL);
	zj_rules_unref(r);
}
END_TEST

START_TEST(test_compile_errors)
{
	char path[192], err[512], want[256];
	struct zj_rules *r = NULL;

	snprintf(path, sizeof(path), "%s/a.yar", rules);
	put(path, "rule ok { condition: true }\n\nrule broken { condition: nosuchthing }\n");
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(r);
	snprintf(want, sizeof(want), "%s:3: ", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "err: %s", err);

	/* include: a file of the directory only */
	put(path, "include \"common.yar\"\nrule x { condition: common_rule }\n");
	snprintf(path, sizeof(path), "%s/common.yar.inc", rules);
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), -EINVAL);
	snprintf(path, sizeof(path), "%s/common.yar", rules);
	put(path, "private rule common_rule { condition: true }\n");
	snprintf(path, sizeof(path), "%s/a.yar", rules);
	put(path, "include \"common.yar\"\nrule x { condition: true }\n");
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), 0);
	zj_rules_unref(r);
	r = NULL;
	put(path, "include \"../outside.yar\"\nrule x { condition: true }\n");
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "a.yar:1:") && strstr(err, "include"), "err: %s", err);
	put(path, "include \"/etc/hostname\"\nrule x { condition: true }\n");
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

struct got {
	int n;
	int match, clean, cached;
};

static void on_done(void *ud, uint64_t cookie, const char *path, const struct zj_verdict *v)
{
	struct got *g = ud;

	g->n++;
	g->match += v->state == ZJ_VERDICT_MATCH;
	g->clean += v->state == ZJ_VERDICT_CLEAN;
	g->cached += v->cached;
	ck_assert_uint_eq(cookie, (uint64_t)strlen(path));
}

static void wait_for(struct zj_scanpool *p, struct got *g, int n)
{
	struct pollfd pfd = {.fd = zj_scanpool_fd(p), .events = POLLIN};
	int rounds = 0;

	while (g->n < n && rounds++ < 200) {
		ck_assert_int_ge(poll(&pfd, 1, 100), 0);
		ck_assert_int_ge(zj_scanpool_drain(p, on_done, g), 0);
	}
	ck_assert_int_eq(g->n, n);
}

START_TEST(test_pool)
{
	char path[192], err[512];
	struct zj_rules *r = NULL, *none = NULL;
	struct zj_scanpool *p = NULL;
	struct zj_scanpool_stats st;
	struct got g = {0};
	int i;

	snprintf(path, sizeof(path), "%s/miner.yar", rules);
	put(path, miner_rule);
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_scanpool_new(2, 64, 10, &p), 0);
	ck_assert_int_eq(zj_scanpool_start(p), 0);
	zj_scanpool_set_rules(p, r);
	for (i = 0; i < 20; i++) {
		char text[64];

		/* distinct contents: the hash cache must not answer in this round */
		snprintf(text, sizeof(text), "%s %d", i % 2 ? "stratum+tcp://x" : "harmless", i);
		snprintf(path, sizeof(path), "%s/f%02d", dir, i);
		put(path, text);
		ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	}
	wait_for(p, &g, 20);
	ck_assert_int_eq(g.match, 10);
	ck_assert_int_eq(g.clean, 10);
	ck_assert_int_eq(g.cached, 0);
	/* the same content under another name: the hash cache answers */
	memset(&g, 0, sizeof(g));
	snprintf(path, sizeof(path), "%s/copy", dir);
	put(path, "harmless 0");
	ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	wait_for(p, &g, 1);
	ck_assert_int_eq(g.cached, 1);
	ck_assert_int_eq(g.clean, 1);
	/* unchanged files: answered from the cache */
	memset(&g, 0, sizeof(g));
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "%s/f%02d", dir, i);
		ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	}
	wait_for(p, &g, 20);
	ck_assert_int_eq(g.cached, 20);
	ck_assert_int_eq(g.match, 10);
	/* new rules: the cache does not answer for the old ones */
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/miner.yar", rules);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(zj_rules_compile_dir(rules, &none, err, sizeof(err)), 0);
	ck_assert_uint_eq(zj_rules_count(none), 0);
	zj_scanpool_set_rules(p, none);
	memset(&g, 0, sizeof(g));
	snprintf(path, sizeof(path), "%s/f01", dir);
	ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	wait_for(p, &g, 1);
	ck_assert_int_eq(g.clean, 1);
	ck_assert_int_eq(g.cached, 0);
	zj_scanpool_stats(p, &st);
	ck_assert_uint_eq(st.submitted, 42);
	ck_assert_uint_eq(st.scanned, 42);
	ck_assert_uint_eq(st.cache_hits, 21);
	ck_assert_uint_eq(st.shed, 0);
	zj_scanpool_free(p);
	zj_rules_unref(r);
	zj_rules_unref(none);
}
END_TEST

/* A full queue sheds (and counts) instead of blocking the caller. */
START_TEST(test_pool_sheds)
{
	char path[192], err[512];
	struct zj_rules *r = NULL;
	struct zj_scanpool *p = NULL;
	struct zj_scanpool_stats st;
	int i, refused = 0;

	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_scanpool_new(1, 4, 10, &p), 0);
	ck_assert_int_eq(zj_scanpool_start(p), 0);
	zj_scanpool_set_rules(p, r);
	snprintf(path, sizeof(path), "%s/big", dir);
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(ftruncate(fd, 8 << 20), 0);
		close(fd);
	}
	for (i = 0; i < 200; i++)
		if (zj_scanpool_submit(p, path, strlen(path)) == -EAGAIN)
			refused++;
	zj_scanpool_stats(p, &st);
	ck_assert_int_gt(refused, 0);
	ck_assert_uint_eq(st.shed, (uint64_t)refused);
	ck_assert_uint_eq(st.submitted, 200);
	zj_scanpool_free(p); /* queued jobs are freed: no leak under ASan */
	zj_rules_unref(r);
}
END_TEST

/* Jobs queued before zj_scanpool_start() wait, then run; a pool never started frees clean. */
START_TEST(test_pool_queued_before_start)
{
	char path[192], err[512];
	struct zj_rules *r = NULL;
	struct zj_scanpool *p = NULL;
	struct got g = {0};
	struct pollfd pfd;
	int i;

	snprintf(path, sizeof(path), "%s/miner.yar", rules);
	put(path, miner_rule);
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_scanpool_new(2, 16, 10, &p), 0);
	zj_scanpool_set_rules(p, r);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/early%d", dir, i);
		put(path, i % 2 ? "stratum+tcp://early" : "harmless early");
		ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	}
	/* no worker yet: nothing is answered */
	pfd = (struct pollfd){.fd = zj_scanpool_fd(p), .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 200), 0);
	ck_assert_int_eq(zj_scanpool_drain(p, on_done, &g), 0);
	ck_assert_int_eq(zj_scanpool_start(p), 0);
	ck_assert_int_eq(zj_scanpool_start(p), -EALREADY);
	wait_for(p, &g, 4);
	ck_assert_int_eq(g.match, 2);
	ck_assert_int_eq(g.clean, 2);
	zj_scanpool_free(p);

	/* never started, jobs queued: freed without a leak (ASan) */
	p = NULL;
	ck_assert_int_eq(zj_scanpool_new(1, 4, 10, &p), 0);
	ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	zj_scanpool_free(p);
	zj_rules_unref(r);
}
END_TEST

/* "CapEff:\t0000..." of /proc/self/task/<tid>/status; false when the file has no such line. */
static bool task_caps(const char *tid, uint64_t *ret_eff, uint64_t *ret_prm, uint64_t *ret_inh,
		      uint64_t *ret_amb, char *comm, size_t commlen)
{
	char path[128], line[256];
	int seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%s/comm", tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, (int)commlen, f))
		comm[0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
	snprintf(path, sizeof(path), "/proc/self/task/%s/status", tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "CapEff: %llx", &v) == 1)
			*ret_eff = v, seen |= 1;
		else if (sscanf(line, "CapPrm: %llx", &v) == 1)
			*ret_prm = v, seen |= 2;
		else if (sscanf(line, "CapInh: %llx", &v) == 1)
			*ret_inh = v, seen |= 4;
		else if (sscanf(line, "CapAmb: %llx", &v) == 1)
			*ret_amb = v, seen |= 8;
	}
	fclose(f);
	return seen == 15;
}

/*
 * The workers keep CAP_DAC_READ_SEARCH at most, whatever the thread that started them holds
 * (as root: everything; as another user: nothing), and a scan still reads a file of another
 * owner's mode 0600 when they keep it.
 */
START_TEST(test_pool_workers_drop_caps)
{
	const uint64_t dac = 1ull << CAP_DAC_READ_SEARCH;
	uint64_t me_eff = 0, me_prm = 0, inh = 0, amb = 0;
	char path[192], err[512], comm[32], self[32];
	struct zj_rules *r = NULL;
	struct zj_scanpool *p = NULL;
	struct got g = {0};
	struct dirent *de;
	int workers = 0;
	DIR *d;

	snprintf(self, sizeof(self), "%d", (int)gettid());
	ck_assert(task_caps(self, &me_eff, &me_prm, &inh, &amb, comm, sizeof(comm)));
	snprintf(path, sizeof(path), "%s/miner.yar", rules);
	put(path, miner_rule);
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_scanpool_new(2, 16, 10, &p), 0);
	zj_scanpool_set_rules(p, r);
	ck_assert_int_eq(zj_scanpool_start(p), 0);
	d = opendir("/proc/self/task");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		uint64_t eff = ~0ull, prm = ~0ull;

		if (de->d_name[0] == '.' || strcmp(de->d_name, self) == 0)
			continue;
		inh = amb = ~0ull;
		if (!task_caps(de->d_name, &eff, &prm, &inh, &amb, comm, sizeof(comm)) ||
		    strcmp(comm, "zj-scan") != 0)
			continue; /* gone, or not a worker (a sanitizer's thread) */
		workers++;
		ck_assert_msg(prm == (me_prm & dac) && eff == (me_prm & dac),
			      "worker %s: CapPrm %016llx CapEff %016llx, want %016llx (the "
			      "starter's permitted %016llx & CAP_DAC_READ_SEARCH)",
			      de->d_name, (unsigned long long)prm, (unsigned long long)eff,
			      (unsigned long long)(me_prm & dac), (unsigned long long)me_prm);
		ck_assert_msg(inh == 0 && amb == 0, "worker %s: CapInh %016llx CapAmb %016llx",
			      de->d_name, (unsigned long long)inh, (unsigned long long)amb);
	}
	closedir(d);
	ck_assert_int_eq(workers, 2);
	/* the starting thread kept what it had */
	{
		uint64_t eff = 0, prm = 0;

		ck_assert(task_caps(self, &eff, &prm, &inh, &amb, comm, sizeof(comm)));
		ck_assert_uint_eq(eff, me_eff);
		ck_assert_uint_eq(prm, me_prm);
	}

	/* a scan still works: a file only its owner may read, owned by someone else */
	snprintf(path, sizeof(path), "%s/locked", dir);
	put(path, "stratum+tcp://locked");
	if (me_prm & dac) {
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		ck_assert_int_eq(chmod(path, 0400), 0);
	}
	ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	wait_for(p, &g, 1);
	ck_assert_int_eq(g.match, 1);
	zj_scanpool_free(p);
	zj_rules_unref(r);
}
END_TEST

START_TEST(test_cache_rewrite_same_mtime)
{
	char path[192], err[512];
	struct zj_rules *r = NULL;
	struct zj_scanpool *p = NULL;
	struct got g = {0};
	struct stat st;
	struct timespec ts[2];

	snprintf(path, sizeof(path), "%s/miner.yar", rules);
	put(path, miner_rule);
	ck_assert_int_eq(zj_rules_compile_dir(rules, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_scanpool_new(1, 8, 10, &p), 0);
	ck_assert_int_eq(zj_scanpool_start(p), 0);
	zj_scanpool_set_rules(p, r);
	snprintf(path, sizeof(path), "%s/sly", dir);
	put(path, "harmless harmless");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	wait_for(p, &g, 1);
	ck_assert_int_eq(g.clean, 1);
	/* the same size, the old mtime put back: only ctime tells, and the cache must not hit */
	put(path, "stratum+tcp://xyz");
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(zj_scanpool_submit(p, path, strlen(path)), 0);
	wait_for(p, &g, 1);
	ck_assert_int_eq(g.cached, 0);
	ck_assert_int_eq(g.match, 1);
	zj_scanpool_free(p);
	zj_rules_unref(r);
}
END_TEST

START_TEST(test_open_regular_only)
{
	char fifo[192], link[192], file[192];
	struct stat st;
	int fd;

	/* a FIFO would block an open for reading, a device may act when opened: neither is */
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(zj_scan_open_regular(fifo, &st), -EINVAL);
	ck_assert_int_eq(zj_scan_open_regular("/dev/null", &st), -EINVAL);
	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink("/dev/zero", link), 0);
	ck_assert_int_eq(zj_scan_open_regular(link, &st), -EINVAL);
	ck_assert_int_eq(zj_scan_open_regular(dir, &st), -EINVAL);
	ck_assert_str_eq(zj_verdict_error(-EINVAL), "not a regular file");
	/* a symlink to a regular file is followed */
	snprintf(file, sizeof(file), "%s/file", dir);
	put(file, "text");
	ck_assert_int_eq(unlink(link), 0);
	ck_assert_int_eq(symlink(file, link), 0);
	fd = zj_scan_open_regular(link, &st);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(st.st_size, 4);
	ck_assert_int_eq(close(fd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (zj_scan_library_init() < 0) {
		fprintf(stderr, "check_scan: libyara did not initialise\n");
		return EXIT_FAILURE;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_compile_and_scan);
	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_pool);
	tcase_add_test(tc, test_pool_sheds);
	tcase_add_test(tc, test_pool_queued_before_start);
	tcase_add_test(tc, test_pool_workers_drop_caps);
	tcase_add_test(tc, test_cache_rewrite_same_mtime);
	tcase_add_test(tc, test_open_regular_only);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	zj_scan_library_done();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
