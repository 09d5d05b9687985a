// SPDX-License-Identifier: GPL-2.0-only
/*
 * A process changing its own vDSO mapping: mprotect/pkey_mprotect (making it writable),
 * mremap (moving it, or moving something onto it) and munmap.  Writes into another process's
 * vDSO are flagged by mem.bpf.c and the daemon (ptrace POKE*).
 */
#include "common.bpf.h"

#define ZJ_MREMAP_FIXED 2

static __always_inline void zj_vdso_op(__u32 op, __u64 addr, __u64 len, __u32 prot,
				       __u64 new_addr, __u64 new_len, int check_new)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	struct zj_rec_vdso_map *r;
	__u64 vs = 0, ve = 0;

	if (!mm)
		return;
	zj_mm_vdso(mm, &vs, &ve);
	if (!zj_in_vdso_area(addr, len, vs, ve) &&
	    !(check_new && zj_in_vdso_area(new_addr, new_len, vs, ve)))
		return;
	r = zj_reserve(ZJ_REC_VDSO_MAP, sizeof(*r));
	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	zj_fill_hdr(&r->hdr, ZJ_REC_VDSO_MAP, sizeof(*r));
	r->hdr.flags = ZJ_F_SELF | ZJ_F_VDSO;
	r->op = op;
	r->prot = prot;
	r->addr = addr;
	r->len = len;
	r->new_addr = new_addr;
	r->new_len = new_len;
	r->vdso_start = vs;
	r->vdso_end = ve;
	zj_submit(r, ZJ_REC_VDSO_MAP, 0);
}

SEC("tracepoint/syscalls/sys_enter_mprotect")
int zj_enter_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	zj_vdso_op(ZJ_VMAP_MPROTECT, ctx->args[0], ctx->args[1], (__u32)ctx->args[2], 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pkey_mprotect")
int zj_enter_pkey_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	zj_vdso_op(ZJ_VMAP_PKEY_MPROTECT, ctx->args[0], ctx->args[1], (__u32)ctx->args[2], 0, 0,
		   0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mremap")
int zj_enter_mremap(struct trace_event_raw_sys_enter *ctx)
{
	zj_vdso_op(ZJ_VMAP_MREMAP, ctx->args[0], ctx->args[1], 0, ctx->args[4], ctx->args[2],
		   (ctx->args[3] & ZJ_MREMAP_FIXED) != 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int zj_enter_munmap(struct trace_event_raw_sys_enter *ctx)
{
	zj_vdso_op(ZJ_VMAP_MUNMAP, ctx->args[0], ctx->args[1], 0, 0, 0, 0);
	return 0;
}
