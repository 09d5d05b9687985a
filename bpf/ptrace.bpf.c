// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptrace(2) requests that act on another process.  Which requests are reported is a bitmap
 * the daemon writes (ZJ_CFG_PTRACE_LO/HI): by default the ones that attach or modify, not the
 * PEEK/GETREGS/CONT traffic of a debugger or strace.  The arguments are stashed at entry and
 * reported at exit with the result.
 */
#include "common.bpf.h"

struct zj_ptrace_args {
	__s64 request;
	__u64 pid;
	__u64 addr;
	__u64 data;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct zj_ptrace_args);
} zj_ptrace_stash SEC(".maps");

static __always_inline int zj_ptrace_wanted(__s64 req)
{
	if (req >= 0 && req < 64)
		return (zj_cfg(ZJ_CFG_PTRACE_LO) >> req) & 1;
	if (req >= 0x4200 && req < 0x4240)
		return (zj_cfg(ZJ_CFG_PTRACE_HI) >> (req - 0x4200)) & 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int zj_enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	struct zj_ptrace_args a = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	a.request = (__s64)ctx->args[0];
	if (!zj_ptrace_wanted(a.request))
		return 0;
	a.pid = ctx->args[1];
	a.addr = ctx->args[2];
	a.data = ctx->args[3];
	if (bpf_map_update_elem(&zj_ptrace_stash, &tid, &a, BPF_ANY))
		zj_stat_inc(ZJ_STAT_STASH_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ptrace")
int zj_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_ptrace_args *a = bpf_map_lookup_elem(&zj_ptrace_stash, &tid);
	struct zj_rec_ptrace *r;

	if (!a)
		return 0;
	r = zj_reserve(ZJ_REC_PTRACE, sizeof(*r));
	if (r) {
		__builtin_memset(r, 0, sizeof(*r));
		zj_fill_hdr(&r->hdr, ZJ_REC_PTRACE, sizeof(*r));
		r->request = a->request;
		r->target_pid = (__u32)a->pid;
		r->addr = a->addr;
		r->data = a->data;
		r->result = ctx->ret;
		if (r->target_pid == r->hdr.tgid)
			r->hdr.flags |= ZJ_F_SELF;
		zj_submit(r, ZJ_REC_PTRACE, 0);
	}
	bpf_map_delete_elem(&zj_ptrace_stash, &tid);
	return 0;
}
