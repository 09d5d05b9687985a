/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-hold N SECONDS: fork N children that only sleep, say "held N" on stdout once all of them
 * exist, keep them for SECONDS (or until SIGTERM/SIGINT), then kill and reap them.  make bench
 * uses it to fill zhijiad's process table (its private memory with 10k processes in it).
 * Every child dies with its parent (PR_SET_PDEATHSIG), so none is left behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
	pid_t parent = getpid(), *kids;
	long n, i, made = 0;
	double secs;
	int rc = 0;

	if (argc != 3 || (n = atol(argv[1])) < 1 || n > 100000 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: zj-hold N SECONDS (N 1..100000)\n");
		return 2;
	}
	kids = calloc((size_t)n, sizeof(*kids));
	if (!kids || sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return 1;
	for (i = 0; i < n && !stop; i++) {
		pid_t c = fork();

		if (c < 0) {
			fprintf(stderr, "zj-hold: fork after %ld children: %s\n", made, strerror(errno));
			rc = 1;
			break;
		}
		if (c == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
				_exit(1);
			for (;;)
				pause();
		}
		kids[made++] = c;
	}
	if (!rc) {
		printf("held %ld\n", made);
		fflush(stdout);
		for (double t = 0; t < secs && !stop; t += 0.1)
			nanosleep(&ts, NULL);
	}
	for (i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < made; i++)
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(kids);
	return rc;
}
