/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The clock and the pacing of the bench's workload programs (zj-storm, zj-syscalls): one
 * definition for both.
 */
#ifndef ZJ_BENCH_PACE_H
#define ZJ_BENCH_PACE_H

#include <time.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Sleep until t, and 100 us at least: a paced worker sleeps rather than spins (the CPU is
 * zhijiad's to use), and catches up in a burst of operations after.
 */
static inline void wait_until(double t)
{
	double d = t - now();
	struct timespec ts;

	if (d < 100e-6)
		d = 100e-6;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

#endif /* ZJ_BENCH_PACE_H */
