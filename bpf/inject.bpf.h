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

/* The current process acted on target (attached, wrote its memory): a session starts. */
static __always_inline void zj_inject_mark(__u32 target, __u32 via)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct zj_inject_sess v = {};
	__u32 self = bpf_get_current_pid_tgid() >> 32;

	if (!target || target == self)
		return;
	v.injector_tgid = self;
	v.via = via;
	v.injector_start_ns = zj_task_start_ns(BPF_CORE_READ(t, group_leader));
	v.ktime_ns = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&zj_inject_sess, &target, &v, BPF_ANY) == 0)
		zj_bit_set(&zj_inject_bits, target);
}

#endif /* ZHIJIA_INJECT_BPF_H */
