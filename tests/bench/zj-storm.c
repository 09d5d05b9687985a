/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-storm MODE WORKERS SECONDS [RATE]: load generator for zhijiad's event path.
 *   exec    each worker fork+execs /bin/true in a loop
 *   fork    each worker forks a child that exits at once
 *   ptrace  each worker keeps a child and PTRACE_ATTACH/POKEDATA/DETACHes it in a loop
 *   write   each worker write()s 64 bytes to /dev/null (no record should leave the kernel)
 *   mem     each worker keeps a child and pwrite()s 8 bytes into its /proc/<pid>/mem in a loop
 *           (the file opened once: every write is an event)
 *   vmwrite each worker keeps a child and process_vm_writev()s 8 bytes into it in a loop
 * RATE (mem and vmwrite; default 0, as fast as they can) paces the workers to RATE operations
 * a second in all: how make bench finds the event rate zhijiad carries without loss.
 * Prints {"mode":..,"workers":..,"seconds":..,"ops":N,"wall_s":W,"cpu_s":C} with the
 * operations performed, the wall time and the user + system time of the workers and their
 * children (task-clock, the BPF programs' run time included).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zj-pace.h"

static volatile long target_word = 42;

/*
 * A child that only waits to be written into; the caller kills and reaps it, and should the
 * caller die first (a signal, a failed ptrace), the kernel kills it: it holds the caller's
 * stdout, and a reader of that pipe would wait for it for ever.
 */
static pid_t spawn_target(void)
{
	pid_t parent = getpid(), c = fork();

	if (c == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		for (;;)
			pause();
	}
	return c;
}

static long run_worker(const char *mode, double until, double rate)
{
	long ops = 0;

	if (strcmp(mode, "exec") == 0 || strcmp(mode, "fork") == 0) {
		int ex = mode[0] == 'e';

		while (now() < until) {
			pid_t p = fork();

			if (p < 0)
				return -1;
			if (p == 0) {
				if (ex) {
					char *argv[] = {"/bin/true", NULL};

					execv(argv[0], argv);
				}
				_exit(0);
			}
			if (waitpid(p, NULL, 0) < 0)
				return -1;
			ops++;
		}
	} else if (strcmp(mode, "ptrace") == 0) {
		pid_t c = spawn_target();

		if (c < 0)
			return -1;
		while (now() < until) {
			int st;

			if (ptrace(PTRACE_ATTACH, c, NULL, NULL) < 0)
				break;
			if (waitpid(c, &st, 0) < 0)
				break;
			if (ptrace(PTRACE_POKEDATA, c, (void *)&target_word, (void *)42L) < 0)
				break;
			if (ptrace(PTRACE_DETACH, c, NULL, NULL) < 0)
				break;
			ops += 2; /* ATTACH and POKEDATA are reported */
		}
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
	} else if (strcmp(mode, "mem") == 0 || strcmp(mode, "vmwrite") == 0) {
		int vm = mode[0] == 'v', fd = -1;
		long word = 42;
		struct iovec local = { .iov_base = &word, .iov_len = sizeof(word) };
		struct iovec remote = { .iov_base = (void *)&target_word, .iov_len = sizeof(word) };
		char path[64];
		pid_t c = spawn_target();

		if (c < 0)
			return -1;
		if (!vm) {
			snprintf(path, sizeof(path), "/proc/%d/mem", (int)c);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				ops = -1;
		}
		double t0 = now();

		while (ops >= 0 && now() < until) {
			for (int i = pace_batch(t0, ops, rate); i > 0; i--, ops++) {
				ssize_t n = vm ? process_vm_writev(c, &local, 1, &remote, 1, 0) :
						 pwrite(fd, &word, sizeof(word),
							(off_t)(unsigned long)&target_word);

				if (n != (ssize_t)sizeof(word)) {
					ops = -1;
					break;
				}
			}
		}
		if (fd >= 0)
			close(fd);
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
	} else if (strcmp(mode, "write") == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		char buf[64] = {0};

		if (fd < 0)
			return -1;
		while (now() < until)
			for (int i = 0; i < 1000; i++, ops++)
				if (write(fd, buf, sizeof(buf)) < 0)
					return -1;
		close(fd);
	} else {
		return -2;
	}
	return ops;
}

int main(int argc, char **argv)
{
	long *counts, total = 0;
	int workers, i;
	double secs, t0, until, cpu, rate = 0;
	struct rusage ru;

	if (argc != 4 && argc != 5) {
		fprintf(stderr,
			"usage: zj-storm exec|fork|ptrace|mem|vmwrite|write WORKERS SECONDS [RATE]\n");
		return 2;
	}
	workers = atoi(argv[2]);
	secs = atof(argv[3]);
	if (argc == 5)
		rate = atof(argv[4]);
	if (workers < 1 || workers > 256 || secs <= 0 || rate < 0) {
		fprintf(stderr, "zj-storm: WORKERS 1..256, SECONDS > 0, RATE >= 0\n");
		return 2;
	}
	counts = mmap(NULL, sizeof(long) * (size_t)workers, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 1;
	t0 = now();
	until = t0 + secs;
	for (i = 0; i < workers; i++) {
		pid_t p = fork();

		if (p < 0)
			return 1;
		if (p == 0) {
			counts[i] = run_worker(argv[1], until, rate / workers);
			_exit(counts[i] < 0);
		}
	}
	for (i = 0; i < workers; i++) {
		int st;

		if (wait(&st) < 0)
			return 1;
	}
	for (i = 0; i < workers; i++) {
		if (counts[i] < 0) {
			fprintf(stderr, "zj-storm: worker %d failed\n", i);
			return 1;
		}
		total += counts[i];
	}
	/* the workers are reaped: their time and their children's is in RUSAGE_CHILDREN */
	if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return 1;
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("{\"mode\":\"%s\",\"workers\":%d,\"seconds\":%g,\"ops\":%ld,\"wall_s\":%.3f,"
	       "\"cpu_s\":%.3f}\n",
	       argv[1], workers, secs, total, now() - t0, cpu);
	return 0;
}
