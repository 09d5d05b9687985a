/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-scanbench: what YARA scanning costs zhijiad's event path.
 *
 *   zj-scanbench latency EVENT_LOG N
 *	N times: PTRACE_ATTACH to a child of ours (an injection event, T1055.008), then poll the
 *	event log until the line of that attach is there.  Prints the latencies from just before
 *	the syscall to the line being readable: {"n":..,"p50_us":..,"p95_us":..,"p99_us":..,
 *	"max_us":..,"missed":..}.
 *   zj-scanbench rules N
 *	N YARA rules on standard output, the same every time: each has 4 text strings of 8-16
 *	letters and digits and one 9-byte hex string with 2 wildcards, condition "any of them".
 *   zj-scanbench storm DIR COPIES MIB SECONDS
 *	A scan storm: COPIES copies of /bin/true padded to MIB MiB each in DIR, exec'd round-robin
 *	for SECONDS; before each exec a counter at the file's end is rewritten, so that every exec
 *	is a new SHA-256 and a full scan (no cache hit).  Prints {"execs":..}.
 *
 * Build: make bench (or cc -O2 -o build/tests/zj-scanbench tests/bench/zj-scanbench.c).  The
 * numbers in the report of issue 6 came from tests/bench/README-scan.md's commands.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Is there a ptrace line of actor pid and target tpid in log past *off?  Advances *off. */
static int seen(int fd, off_t *off, pid_t pid, pid_t tpid)
{
	static char buf[1 << 20];
	char a[64], t[64];
	ssize_t n;
	int found = 0;

	snprintf(a, sizeof(a), "\"actor\":{\"pid\":%d,", (int)pid);
	snprintf(t, sizeof(t), "\"target\":{\"pid\":%d,", (int)tpid);
	while ((n = pread(fd, buf, sizeof(buf) - 1, *off)) > 0) {
		char *end;

		buf[n] = '\0';
		end = strrchr(buf, '\n');
		if (!end)
			break; /* an incomplete line: read it again later */
		*end = '\0';
		for (char *l = buf, *nl; l; l = nl) {
			nl = strchr(l, '\n');
			if (nl)
				*nl++ = '\0';
			if (strstr(l, "\"type\":\"ptrace\"") && strstr(l, a) && strstr(l, t) &&
			    strstr(l, "PTRACE_ATTACH"))
				found = 1;
		}
		*off += end + 1 - buf;
		if (found)
			return 1;
	}
	return 0;
}

static int latency(const char *log, int n)
{
	uint64_t *lat = calloc((size_t)n, sizeof(*lat));
	int fd = open(log, O_RDONLY | O_CLOEXEC), got = 0, missed = 0;
	struct stat st;
	off_t off;

	if (!lat || fd < 0 || fstat(fd, &st) < 0) {
		perror(log);
		return 1;
	}
	off = st.st_size;
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		uint64_t t0, deadline;
		int status;

		if (c < 0)
			return 1;
		if (c == 0) {
			pause();
			_exit(0);
		}
		usleep(2000);
		t0 = now_ns();
		if (ptrace(PTRACE_ATTACH, c, NULL, NULL) < 0) {
			perror("PTRACE_ATTACH");
			return 1;
		}
		deadline = t0 + 2000000000ull;
		while (!seen(fd, &off, getpid(), c) && now_ns() < deadline)
			usleep(200);
		if (now_ns() < deadline)
			lat[got++] = (now_ns() - t0) / 1000;
		else
			missed++;
		(void)waitpid(c, &status, 0);
		(void)ptrace(PTRACE_DETACH, c, NULL, NULL);
		kill(c, SIGKILL);
		(void)waitpid(c, &status, 0);
		usleep(20000); /* one attach at a time, spread out */
	}
	qsort(lat, (size_t)got, sizeof(*lat), cmp_u64);
	printf("{\"n\":%d,\"p50_us\":%llu,\"p95_us\":%llu,\"p99_us\":%llu,\"max_us\":%llu,"
	       "\"missed\":%d}\n",
	       got, got ? (unsigned long long)lat[got / 2] : 0,
	       got ? (unsigned long long)lat[got * 95 / 100] : 0,
	       got ? (unsigned long long)lat[got * 99 / 100] : 0,
	       got ? (unsigned long long)lat[got - 1] : 0, missed);
	free(lat);
	close(fd);
	return missed > 0;
}

static int storm(const char *dir, int copies, int mib, int seconds)
{
	size_t pad = (size_t)mib << 20;
	char(*paths)[4096] = calloc((size_t)copies, sizeof(*paths));
	char *data = NULL, *block = malloc(1 << 20);
	int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint64_t until, counter = 0;
	long execs = 0;

	if (!paths || !block || in < 0 || fstat(in, &st) < 0)
		return 1;
	data = malloc((size_t)st.st_size);
	if (!data || read(in, data, (size_t)st.st_size) != st.st_size)
		return 1;
	close(in);
	srand((unsigned)getpid());
	for (size_t i = 0; i < (1 << 20); i++)
		block[i] = (char)rand();
	for (int i = 0; i < copies; i++) {
		int fd;

		snprintf(paths[i], sizeof(paths[i]), "%s/storm-%d", dir, i);
		fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
		if (fd < 0 || write(fd, data, (size_t)st.st_size) != st.st_size)
			return 1;
		for (size_t done = (size_t)st.st_size; done < pad; done += 1 << 20)
			if (write(fd, block, 1 << 20) != 1 << 20)
				return 1;
		close(fd);
	}
	until = now_ns() + (uint64_t)seconds * 1000000000ull;
	while (now_ns() < until) {
		const char *p = paths[execs % copies];
		int fd = open(p, O_WRONLY | O_CLOEXEC);
		pid_t c;

		counter++;
		if (fd < 0 || pwrite(fd, &counter, sizeof(counter), (off_t)pad - 8) != 8)
			return 1;
		close(fd);
		c = fork();
		if (c == 0) {
			execl(p, p, (char *)NULL);
			_exit(127);
		}
		if (c < 0 || waitpid(c, NULL, 0) < 0)
			return 1;
		execs++;
	}
	for (int i = 0; i < copies; i++)
		unlink(paths[i]);
	printf("{\"execs\":%ld,\"seconds\":%d,\"mib_each\":%d}\n", execs, seconds, mib);
	free(paths);
	free(data);
	free(block);
	return 0;
}

static int rules(int n)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint32_t x = 6; /* xorshift: the same rules on every run */

	for (int i = 0; i < n; i++) {
		printf("rule bench_%d : bench {\n  strings:\n", i);
		for (int j = 0; j < 4; j++) {
			int len;

			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			len = 8 + (int)(x % 9);
			printf("    $s%d = \"", j);
			for (int k = 0; k < len; k++) {
				x ^= x << 13, x ^= x >> 17, x ^= x << 5;
				putchar(alnum[x % (sizeof(alnum) - 1)]);
			}
			printf("\"\n");
		}
		printf("    $h = {");
		for (int k = 0; k < 7; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			printf(k == 6 ? " ?? ?? %02X" : " %02X", x & 0xff);
		}
		printf(" }\n  condition:\n    any of them\n}\n\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "latency") == 0)
		return latency(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "rules") == 0)
		return rules(atoi(argv[2]));
	if (argc == 6 && strcmp(argv[1], "storm") == 0)
		return storm(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: zj-scanbench latency EVENT_LOG N\n"
			"       zj-scanbench rules N\n"
			"       zj-scanbench storm DIR COPIES MIB SECONDS\n");
	return 2;
}
