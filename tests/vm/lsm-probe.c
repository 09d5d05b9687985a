/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lsm-probe DENY ALLOW [-- COMMAND [ARG]...]: loads lsm_probe.bpf.c, tells it to deny opening
 * DENY, attaches it, and checks, printing one "ok"/"not ok" line per step:
 *
 *   - before attaching, DENY and ALLOW both open;
 *   - attached, opening DENY fails with EPERM, ALLOW opens, and the program counted one denial;
 *   - COMMAND, if given, runs while the program is attached and must exit 0 (a test can show
 *     that another process, busybox cat say, is refused too);
 *   - detached again, DENY opens.
 *
 * Exit status: 0 every step passed; 1 a step failed; 2 the command line is wrong.
 * Runs where BPF LSM programs load (the test guest); on a host that refuses them it says so at
 * the load or attach step and fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lsm_probe.h"
#include "lsm_probe.skel.h"

static int failures;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

/* libbpf's warnings (a verifier log, a failed attach) are what explains a failure: keep them. */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* open(path, O_RDONLY): 0 when it opened, else the negative errno. */
static int try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* One check that opening `path` gives `want` (0 or a negative errno). */
static void expect_open(const char *when, const char *path, int want)
{
	int r = try_open(path);

	if (want == 0)
		check(r == 0, "%s: %s opens%s%s", when, path, r ? ": " : "", r ? strerror(-r) : "");
	else
		check(r == want, "%s: opening %s fails with %s (got: %s)", when, path,
		      strerrorname_np(-want), r ? strerror(-r) : "it opened");
}

static int run_command(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "lsm-probe: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	struct zj_lsm_probe_target target = {0};
	struct lsm_probe_bpf *skel = NULL;
	const char *deny, *allow;
	char **command = NULL;
	__u32 key = 0;
	struct stat st;
	int r;

	if (argc < 3 || (argc > 3 && (strcmp(argv[3], "--") != 0 || argc == 4))) {
		fprintf(stderr, "usage: lsm-probe DENY ALLOW [-- COMMAND [ARG]...]\n");
		return 2;
	}
	deny = argv[1];
	allow = argv[2];
	if (argc > 4)
		command = argv + 4;
	if (stat(deny, &st) < 0) {
		fprintf(stderr, "lsm-probe: %s: %s\n", deny, strerror(errno));
		return 2;
	}
	target.ino = st.st_ino;
	/* User space's dev_t (glibc: major << 8 | minor, spread) is not the kernel's, which
	 * super_block.s_dev holds: MKDEV(major, minor) = major << 20 | minor. */
	target.dev = (__u32)major(st.st_dev) << 20 | minor(st.st_dev);

	libbpf_set_print(print_libbpf);

	expect_open("before attach", deny, 0);
	expect_open("before attach", allow, 0);

	skel = lsm_probe_bpf__open_and_load();
	r = skel ? 0 : -errno;
	check(r == 0, "lsm_probe.bpf.o loads%s%s", r ? ": " : "", r ? strerror(-r) : "");
	if (r < 0)
		goto out;
	r = bpf_map__update_elem(skel->maps.zj_target, &key, sizeof(key), &target, sizeof(target),
				 BPF_ANY);
	check(r == 0, "target (device %u:%u, inode %llu) set in the map%s%s", major(st.st_dev),
	      minor(st.st_dev), (unsigned long long)target.ino, r ? ": " : "",
	      r ? strerror(-r) : "");
	if (r < 0)
		goto out;
	r = lsm_probe_bpf__attach(skel);
	check(r == 0, "lsm/file_open attaches%s%s", r ? ": " : "", r ? strerror(-r) : "");
	if (r < 0)
		goto out;

	expect_open("attached", deny, -EPERM);
	expect_open("attached", allow, 0);
	check(skel->bss->zj_denied == 1, "the program counted 1 denial (counted %llu)",
	      (unsigned long long)skel->bss->zj_denied);

	if (command) {
		r = run_command(command);
		check(r == 0, "attached: '%s' exits 0 (status %d)", command[0], r);
	}

	lsm_probe_bpf__destroy(skel);
	skel = NULL;
	expect_open("detached", deny, 0);
out:
	lsm_probe_bpf__destroy(skel);
	printf("lsm-probe: %s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}
