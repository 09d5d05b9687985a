/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ZJ_RINGBUF_H
#define ZJ_RINGBUF_H

#include <stddef.h>

/*
 * zhijiad's reader of a BPF ring buffer map (BPF_MAP_TYPE_RINGBUF), in place of libbpf's
 * ring_buffer__consume(), which publishes its position to the kernel after every record.
 * Every record a BPF program reserves reads that position, so a reader that writes it once per
 * record moves its cache line between the two CPUs once per record; in an injection storm
 * that was a fifth of what the storm cost the writer.  Here the position is published every
 * ZJ_RING_RELEASE_BYTES and when a drain ends: the records read but not yet released are at
 * most that much of the ring, which the producer cannot reuse a little longer.
 */
#define ZJ_RING_RELEASE_BYTES (64 * 1024)

struct zj_ring;

/* Called for each record; a negative answer stops the drain (that record is consumed). */
typedef int (*zj_ring_fn)(void *ctx, void *data, size_t size);

/* Map map_fd's ring; 0 or -errno.  The fd stays the caller's. */
int zj_ring_new(int map_fd, zj_ring_fn fn, void *ctx, struct zj_ring **ret);
void zj_ring_free(struct zj_ring *r);
/* An epoll fd that is readable while records are waiting. */
int zj_ring_epoll_fd(const struct zj_ring *r);
/*
 * Deliver the waiting records: their count (at most INT_MAX), or the callback's negative
 * answer (the position is published first).
 */
int zj_ring_consume(struct zj_ring *r);

#endif
