/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fields renamed across kernels, as old/new flavour structs (libbpf ignores the ___suffix
 * when matching types against the running kernel's BTF).  BPF code only.
 */
#ifndef ZHIJIA_COMPAT_BPF_H
#define ZHIJIA_COMPAT_BPF_H

/*
 * task_struct::real_start_time became start_boottime in v5.5, commit cf25e24db61c
 * ("time: Rename tsk->real_start_time to ->start_boottime").  Both are CLOCK_BOOTTIME ns.
 */
struct task_struct___pre55 {
	u64 real_start_time;
} __attribute__((preserve_access_index));

static __always_inline __u64 zj_task_start_ns(struct task_struct *t)
{
	if (bpf_core_field_exists(t->start_boottime))
		return BPF_CORE_READ(t, start_boottime);
	return BPF_CORE_READ((struct task_struct___pre55 *)t, real_start_time);
}

/* The same from a BTF pointer (common.bpf.h: zj_task_btf), whose kernels all have it. */
static __always_inline __u64 zj_task_start_ns_btf(struct task_struct *t)
{
	if (bpf_core_field_exists(t->start_boottime))
		return t->start_boottime;
	return 0;
}

#endif /* ZHIJIA_COMPAT_BPF_H */
