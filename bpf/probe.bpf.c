// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feature probes: the smallest programs of each kind zhijia may use.  zhijiad loads them one
 * at a time (the others' autoload off) to learn what the running kernel accepts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

SEC("tp_btf/sched_process_fork")
int BPF_PROG(zj_probe_tp_btf, struct task_struct *parent, struct task_struct *child)
{
	return 0;
}

/* Allows everything: the probe only learns whether BPF LSM programs load and attach. */
SEC("lsm/file_open")
int BPF_PROG(zj_probe_lsm, struct file *file)
{
	return 0;
}

static long zj_probe_cb(__u32 i, void *ctx)
{
	return 1;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int zj_probe_loop(void *ctx)
{
	bpf_loop(1, zj_probe_cb, NULL, 0);
	return 0;
}

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* bpf_rdonly_cast() (6.2) and a plain load through its result: the _rc programs' way. */
SEC("tracepoint/syscalls/sys_enter_getppid")
int zj_probe_rdonly_cast(void *ctx)
{
	struct task_struct *t = bpf_rdonly_cast((const void *)bpf_get_current_task(),
						bpf_core_type_id_kernel(struct task_struct));

	return t->pid == 0;
}

char LICENSE[] SEC("license") = "GPL";
