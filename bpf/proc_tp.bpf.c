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
	zj_emit_exit(ctx, (struct task_struct *)bpf_get_current_task());
	return 0;
}
