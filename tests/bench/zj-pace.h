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

/*
 * How many operations to run now so that ops done since t0 keep to rate a second on average
 * (catching up in bursts when behind): 64 when rate is 0 (as fast as it goes), 1 when one is
 * due, 0 after sleeping until the next is.
 */
static inline int pace_batch(double t0, long ops, double rate)
{
	double due;

	if (rate <= 0)
		return 64;
	due = t0 + (double)ops / rate;
	if (due > now()) {
		wait_until(due);
		return 0;
	}
	return 1;
}

#endif /* ZJ_BENCH_PACE_H */
