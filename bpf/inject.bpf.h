/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Injection sessions (bpf_abi.h: struct zj_inject_sess), shared by the programs that see one
 * start (ptrace.bpf.c, mem.bpf.c) and the one that reports what the target maps next
 * (somap.bpf.c).  A bit per target tgid keeps the mmap hot path at one array lookup.
 */
#ifndef ZHIJIA_INJECT_BPF_H
#define ZHIJIA_INJECT_BPF_H

#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct zj_inject_sess);
} zj_inject_sess SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_PID_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} zj_inject_bits SEC(".maps") __weak;

/*
 * The current process acted on target (attached, wrote its memory): a session starts, or, when
 * the same injector goes on the same way, the one it has is refreshed in place (a lookup and a
 * store, where an update of the LRU hash costs a lock and its lists).  h is the header of the
 * record being made, filled for the current task: its process, start time and clock.  Racing
 * CPUs store near-equal times.
 */
static __always_inline void zj_inject_mark(__u32 target, __u32 via, const struct zj_rec_hdr *h)
{
	struct zj_inject_sess v = {}, *cur;

	if (!target || target == h->tgid)
		return;
	cur = bpf_map_lookup_elem(&zj_inject_sess, &target);
	if (cur && cur->injector_tgid == h->tgid && cur->via == via &&
	    cur->injector_start_ns == h->start_ns) {
		cur->ktime_ns = h->ktime_ns;
		zj_bit_set(&zj_inject_bits, target);
		return;
	}
	v.injector_tgid = h->tgid;
	v.via = via;
	v.injector_start_ns = h->start_ns;
	v.ktime_ns = h->ktime_ns;
	if (bpf_map_update_elem(&zj_inject_sess, &target, &v, BPF_ANY) == 0)
		zj_bit_set(&zj_inject_bits, target);
}

#endif /* ZHIJIA_INJECT_BPF_H */
