/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-storm MODE WORKERS SECONDS: load generator for zhijiad's event path.
 *   exec    each worker fork+execs /bin/true in a loop
 *   fork    each worker forks a child that exits at once
 *   ptrace  each worker keeps a child and PTRACE_ATTACH/POKEDATA/DETACHes it in a loop
 *   write   each worker write()s 64 bytes to /dev/null (no record should leave the kernel)
 * Prints {"mode":..,"workers":..,"seconds":..,"ops":N} with the operations performed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile long target_word = 42;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long run_worker(const char *mode, double until)
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
		pid_t c = fork();

		if (c < 0)
			return -1;
		if (c == 0) {
			for (;;)
				pause();
		}
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
	double secs, until;

	if (argc != 4) {
		fprintf(stderr, "usage: zj-storm exec|fork|ptrace|write WORKERS SECONDS\n");
		return 2;
	}
	workers = atoi(argv[2]);
	secs = atof(argv[3]);
	if (workers < 1 || workers > 256 || secs <= 0) {
		fprintf(stderr, "zj-storm: WORKERS 1..256, SECONDS > 0\n");
		return 2;
	}
	counts = mmap(NULL, sizeof(long) * (size_t)workers, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 1;
	until = now() + secs;
	for (i = 0; i < workers; i++) {
		pid_t p = fork();

		if (p < 0)
			return 1;
		if (p == 0) {
			counts[i] = run_worker(argv[1], until);
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
	printf("{\"mode\":\"%s\",\"workers\":%d,\"seconds\":%g,\"ops\":%ld}\n", argv[1], workers,
	       secs, total);
	return 0;
}
