// SPDX-License-Identifier: GPL-2.0-only
/*
 * Alternatives to proc.bpf.c's BTF tracepoints, for kernels without their own BTF (BTF-typed
 * tracepoints need /sys/kernel/btf/vmlinux; CO-RE alone can come from a file).  The daemon
 * loads these only where tp_btf programs do not load (sensor.c), so exactly one of each pair
 * runs.  The record is the same, field for field.
 *
 * Only the exit has one so far: it keeps the process table and is what zhijiad's delivery
 * canary waits for.  The classic sched_process_exit tracepoint runs in the exiting task, so
 * the task is `current`.  Fork and exec have none yet (their classic tracepoints do not give
 * the child task and the bprm): on such kernels zhijiad learns processes from /proc.
 */
#include "common.bpf.h"

SEC("tracepoint/sched/sched_process_exit")
int zj_exit_tp(void *ctx)
{
	struct task_struct *p = (struct task_struct *)bpf_get_current_task();
	struct zj_rec_exit *r;
	__u64 pt = bpf_get_current_pid_tgid();

	zj_bit_clear(&zj_pending_bits, (__u32)pt);
	zj_bit_clear(&zj_otrunc_bits, (__u32)pt);
	/* signal->live was decremented before this tracepoint: 0 means the last thread */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	zj_bit_clear(&zj_memfd_bits, pt >> 32);
	r = zj_reserve(ZJ_REC_EXIT, sizeof(*r));
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	zj_fill_hdr(&r->hdr, ZJ_REC_EXIT, sizeof(*r));
	r->exit_code = BPF_CORE_READ(p, exit_code);
	zj_submit(ctx, r, ZJ_REC_EXIT, 1);
	return 0;
}
