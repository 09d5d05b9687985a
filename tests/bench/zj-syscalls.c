/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-syscalls MODE SECONDS [DIR [RATE]]: a syscall-heavy workload that passes the hooks zhijia's
 * programs sit on, for measuring what they cost (make bench-lsm).  One process, one loop:
 *   open_ro        openat(O_RDONLY) + close of a file in DIR       (file_open, sys_*_openat)
 *   open_wr        openat(O_WRONLY) + close of the same file       (file_open with FMODE_WRITE)
 *   create_unlink  openat(O_CREAT|O_EXCL) + close + unlink         (inode_create, unlink)
 *   rename         rename a file back and forth in DIR             (inode_rename, sys_*_rename)
 *   mprotect       mprotect of an anonymous page, RW <-> R         (file_mprotect, mprotect)
 *   kill0          kill(getppid(), 0)                              (task_kill)
 *   write          write(2) of 64 bytes to /dev/null               (sys_enter_write)
 *   getppid        getppid(2): a syscall no program of zhijia's sits on
 *   owc            openat(O_WRONLY) + write of 64 bytes + close    (a benign file loop)
 *   persist        create + rename + unlink of a file in DIR      (a persistence storm when DIR
 *                  is watched, e.g. /etc/cron.d: every operation is an event)
 * DIR (default /tmp) is not watched by zhijia unless the caller says so (persist): the cost
 * measured is that of every such call on the system, not of a reported one.  The files it
 * makes in DIR are named zj-bench.PID.a and .b (a dot, so that cron ignores them) and are
 * removed at the end, on SIGINT, SIGTERM and SIGHUP too.  Prints one JSON line:
 *   {"mode":"open_ro","seconds":S,"ops":N,"ns_per_op":X,"cpu_s":C}
 * cpu_s is the task's user + system time (task-clock), the BPF programs' run time included.
 * RATE (default 0, as fast as it can) paces the loop to RATE operations a second, sleeping in
 * between: tests/bench/cg-record.sh's persistence storm, slow enough for callgrind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zj-pace.h"

/* The two names in DIR, for the signal handler: unlink(2) is async-signal-safe. */
static char path_a[4096], path_b[4096];

static void on_signal(int sig)
{
	(void)unlink(path_a);
	(void)unlink(path_b);
	_exit(128 + sig);
}

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "zj-syscalls: %s: %s\n", what, strerror(errno));
	(void)unlink(path_a);
	(void)unlink(path_b);
	exit(1);
}

/* One operation of the mode; 64 of them between two looks at the clock. */
static void one(const char *mode, const char *a, const char *b, char *page, int *flip)
{
	int fd;

	if (strcmp(mode, "open_ro") == 0 || strcmp(mode, "open_wr") == 0) {
		fd = open(a, (mode[5] == 'r' ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
		if (fd < 0 || close(fd) < 0)
			die(a);
	} else if (strcmp(mode, "create_unlink") == 0) {
		fd = open(b, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || close(fd) < 0 || unlink(b) < 0)
			die(b);
	} else if (strcmp(mode, "rename") == 0) {
		if (rename(*flip ? b : a, *flip ? a : b) < 0)
			die("rename");
		*flip = !*flip;
	} else if (strcmp(mode, "mprotect") == 0) {
		if (mprotect(page, 4096, *flip ? PROT_READ | PROT_WRITE : PROT_READ) < 0)
			die("mprotect");
		*flip = !*flip;
	} else if (strcmp(mode, "kill0") == 0) {
		if (kill(getppid(), 0) < 0)
			die("kill");
	} else if (strcmp(mode, "write") == 0) {
		static int null_fd = -1;
		static const char buf[64];

		if (null_fd < 0 && (null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
			die("/dev/null");
		if (write(null_fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write");
	} else if (strcmp(mode, "getppid") == 0) {
		/* the raw syscall: a libc may cache what it returns */
		if (syscall(SYS_getppid) < 0)
			die("getppid");
	} else if (strcmp(mode, "owc") == 0) {
		static const char buf[64];

		fd = open(a, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || close(fd) < 0)
			die(a);
	} else if (strcmp(mode, "persist") == 0) {
		fd = open(b, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || close(fd) < 0 || rename(b, a) < 0 || unlink(a) < 0)
			die(b);
	} else {
		fprintf(stderr, "zj-syscalls: unknown mode '%s'\n", mode);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 3 ? argv[3] : "/tmp";
	char *a = path_a, *b = path_b;
	struct sigaction sa = { .sa_handler = on_signal };
	struct rusage ru;
	double secs, t0, until, cpu, rate = 0;
	long ops = 0;
	int flip = 0, fd;
	char *page;

	if (argc > 4)
		rate = atof(argv[4]);
	if (argc < 3 || argc > 5 || (secs = atof(argv[2])) <= 0 || rate < 0) {
		fprintf(stderr, "usage: zj-syscalls MODE SECONDS [DIR [RATE]]\n");
		return 2;
	}
	if (snprintf(a, sizeof(path_a), "%s/zj-bench.%d.a", dir, (int)getpid()) >=
		    (int)sizeof(path_a) ||
	    snprintf(b, sizeof(path_b), "%s/zj-bench.%d.b", dir, (int)getpid()) >=
		    (int)sizeof(path_b)) {
		fprintf(stderr, "zj-syscalls: %s: path too long\n", dir);
		return 2;
	}
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		die("sigaction");
	/* persist makes its own file each time; the other modes work on one made here */
	if (strcmp(argv[1], "persist") != 0) {
		fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || close(fd) < 0)
			die(a);
	}
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		die("mmap");
	t0 = now();
	until = t0 + secs;
	while (now() < until)
		for (int i = pace_batch(t0, ops, rate); i > 0; i--, ops++)
			one(argv[1], a, b, page, &flip);
	secs = now() - t0;
	(void)unlink(a);
	(void)unlink(b);
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		die("getrusage");
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("{\"mode\":\"%s\",\"seconds\":%.3f,\"ops\":%ld,\"ns_per_op\":%.1f,\"cpu_s\":%.3f}\n",
	       argv[1], secs, ops, secs * 1e9 / (double)ops, cpu);
	return 0;
}
