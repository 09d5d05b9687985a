/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-evlat FILE SECONDS [MATCH]: the latency of zhijiad's event log, kernel timestamp to
 * log line.
 * Every line zhijiad writes carries "ktime_ns", the kernel's bpf_ktime_get_boot_ns() when the
 * record was made (CLOCK_BOOTTIME).  zj-evlat follows FILE from its end with inotify, reads
 * each line as soon as it can be read, and takes CLOCK_BOOTTIME then: the difference is the
 * time the event spent in the ring buffer, in zhijiad and in its write to the file (plus the
 * wake-up of this process, a few microseconds).  After SECONDS, or at SIGINT/SIGTERM, prints
 *   {"samples":N,"median_us":X,"p99_us":Y,"max_us":Z,"match_samples":..,"match_median_us":..}
 * the second set for the lines that contain MATCH (e.g. "type":"mem_write": the records of a
 * storm apart from the machine's own exec/fork/exit, which zhijiad lets wait on purpose).
 * Lines already in FILE when it starts are not counted.  Not a test: it asserts nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (4u << 20) /* 32 MiB of samples at most; later lines are not sampled */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ,"PREFIXsamples":N,"PREFIXmedian_us":.. of n samples, sorted here. */
static void print_set(const char *prefix, uint64_t *lat, uint64_t n)
{
	printf("\"%ssamples\":%llu", prefix, (unsigned long long)n);
	if (n == 0)
		return;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf(",\"%smedian_us\":%.1f,\"%sp99_us\":%.1f,\"%smax_us\":%.1f", prefix,
	       (double)lat[n / 2] / 1e3, prefix, (double)lat[n * 99 / 100] / 1e3, prefix,
	       (double)lat[n - 1] / 1e3);
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t *lat, *mlat, deadline, n = 0, mn = 0;
	const char *match;
	size_t have = 0;
	double secs;
	int fd, in;

	if (argc < 3 || argc > 4 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: zj-evlat FILE SECONDS [MATCH]\n");
		return 2;
	}
	match = argc > 3 ? argv[3] : NULL;
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return 1;
	lat = malloc(sizeof(*lat) * MAX_SAMPLES);
	mlat = malloc(sizeof(*mlat) * MAX_SAMPLES);
	if (!lat || !mlat)
		return 1;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || lseek(fd, 0, SEEK_END) < 0) {
		fprintf(stderr, "zj-evlat: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0 || inotify_add_watch(in, argv[1], IN_MODIFY) < 0) {
		fprintf(stderr, "zj-evlat: inotify on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	deadline = boot_ns() + (uint64_t)(secs * 1e9);
	while (!stop) {
		struct pollfd p = { .fd = in, .events = POLLIN };
		char ev[4096];
		uint64_t t;
		ssize_t r;
		char *line, *nl;

		t = boot_ns();
		if (t >= deadline)
			break;
		r = poll(&p, 1, (int)((deadline - t) / 1000000u) + 1);
		if (r < 0 && errno != EINTR)
			return 1;
		if (r <= 0)
			continue;
		while (read(in, ev, sizeof(ev)) > 0)
			;
		/* read all that is there; a line cut at the end of a read waits for the rest */
		for (;;) {
			r = read(fd, buf + have, sizeof(buf) - 1 - have);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			t = boot_ns();
			have += (size_t)r;
			buf[have] = '\0';
			for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
				char *k = strstr(line, "\"ktime_ns\":");
				uint64_t kt;

				*nl = '\0';
				if (!k)
					continue;
				kt = strtoull(k + 11, NULL, 10);
				if (!kt || kt > t)
					continue;
				if (n < MAX_SAMPLES)
					lat[n++] = t - kt;
				if (match && mn < MAX_SAMPLES && strstr(line, match))
					mlat[mn++] = t - kt;
			}
			have = (size_t)(buf + have - line);
			memmove(buf, line, have);
			if (have == sizeof(buf) - 1)
				have = 0; /* a line longer than the buffer: drop it */
		}
	}
	putchar('{');
	print_set("", lat, n);
	if (match) {
		putchar(',');
		print_set("match_", mlat, mn);
	}
	printf("}\n");
	free(lat);
	free(mlat);
	return 0;
}
