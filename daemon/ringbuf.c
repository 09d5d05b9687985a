/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF ring buffer read directly (ringbuf.h says why).  The layout is the kernel's
 * (kernel/bpf/ringbuf.c): page 0 is the consumer position, the only page the reader may
 * write; page 1 the producer position; then the data area, mapped twice in a row so that a
 * record that wraps is contiguous.  Each record is an 8-byte header (length with a busy and
 * a discard bit, then padding) and its data, rounded up to 8 bytes.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "ringbuf.h"

struct zj_ring {
	unsigned long *consumer_pos; /* page 0, read-write */
	unsigned long *producer_pos; /* page 1, read-only */
	const uint8_t *data;	     /* 2 x (mask + 1), read-only */
	unsigned long mask;
	size_t page_size;
	size_t data_map_size; /* page 1 and the data */
	zj_ring_fn fn;
	void *ctx;
	int epoll_fd;
};

int zj_ring_new(int map_fd, zj_ring_fn fn, void *ctx, struct zj_ring **ret)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct epoll_event ev = {.events = EPOLLIN};
	struct zj_ring *r;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t size;
	void *p;
	int e;

	if (map_fd < 0 || !fn || !ret || page <= 0)
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) < 0)
		return -errno;
	/* the kernel makes max_entries a power of two and a multiple of the page size */
	if (info.type != BPF_MAP_TYPE_RINGBUF || info.max_entries == 0 ||
	    (info.max_entries & (info.max_entries - 1)) || info.max_entries % (unsigned long)page)
		return -EINVAL;
	size = (uint64_t)page + 2 * (uint64_t)info.max_entries;
	if (size != (uint64_t)(size_t)size)
		return -E2BIG;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->page_size = (size_t)page;
	r->mask = info.max_entries - 1;
	r->fn = fn;
	r->ctx = ctx;
	r->epoll_fd = -1;
	p = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED) {
		e = -errno;
		free(r);
		return e;
	}
	r->consumer_pos = p;
	p = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, map_fd, (off_t)r->page_size);
	if (p == MAP_FAILED) {
		e = -errno;
		goto fail;
	}
	r->data_map_size = (size_t)size;
	r->producer_pos = p;
	r->data = (const uint8_t *)p + r->page_size;
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epoll_fd < 0) {
		e = -errno;
		goto fail;
	}
	if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev) < 0) {
		e = -errno;
		goto fail;
	}
	*ret = r;
	return 0;
fail:
	zj_ring_free(r);
	return e;
}

void zj_ring_free(struct zj_ring *r)
{
	if (!r)
		return;
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	if (r->producer_pos)
		munmap(r->producer_pos, r->data_map_size);
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page_size);
	free(r);
}

int zj_ring_epoll_fd(const struct zj_ring *r)
{
	return r->epoll_fd;
}

static void publish(struct zj_ring *r, unsigned long pos)
{
	__atomic_store_n(r->consumer_pos, pos, __ATOMIC_RELEASE);
}

int zj_ring_consume(struct zj_ring *r)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	unsigned long published = cons, prod;
	int n = 0;

	for (;;) {
		prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		if (cons == prod)
			break;
		while (cons != prod) {
			const uint8_t *rec = r->data + (cons & r->mask);
			uint32_t hdr = __atomic_load_n((const uint32_t *)rec, __ATOMIC_ACQUIRE);
			uint32_t len = hdr & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			unsigned long step = ((unsigned long)len + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;

			if (hdr & BPF_RINGBUF_BUSY_BIT)
				goto out; /* still being written: the next drain takes it */
			/* the kernel bounds a record by the ring; a corrupt length stops here */
			if (step > r->mask + 1 || step > prod - cons)
				goto out;
			cons += step;
			if (!(hdr & BPF_RINGBUF_DISCARD_BIT)) {
				int x = r->fn(r->ctx, (void *)(rec + BPF_RINGBUF_HDR_SZ), len);

				if (n < INT_MAX)
					n++;
				if (x < 0) {
					publish(r, cons);
					return x;
				}
			}
			if (cons - published >= ZJ_RING_RELEASE_BYTES) {
				publish(r, cons);
				published = cons;
			}
		}
	}
out:
	if (cons != published)
		publish(r, cons);
	return n;
}
