// SPDX-License-Identifier: GPL-2.0-only
/*
 * A process changing its own vDSO mapping: mprotect/pkey_mprotect (making it writable),
 * mremap (moving it, or moving something onto it) and munmap.  Writes into another process's
 * vDSO are flagged by mem.bpf.c and the daemon (ptrace POKE*).
 *
 * The record is built at entry and held until exit, so that it can say whether file_mprotect
 * denied the call (lsm.bpf.c).
 *
 * Fallback enforcement of T1055.014 (enforce.bpf.h): mprotect/pkey_mprotect of the vDSO kill
 * the caller at entry, as file_mprotect would have denied them.  The vDSO is the process's
 * own: nothing is left behind once it is gone.
 */
#include "enforce.bpf.h"

#define ZJ_MREMAP_FIXED 2

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct zj_rec_vdso_map);
} zj_vdso_stash SEC(".maps");

static __always_inline void zj_vdso_op(void *ctx, __u32 op, __u64 addr, __u64 len, __u32 prot,
				       __u64 new_addr, __u64 new_len, int check_new)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_rec_vdso_map *r;
	struct zj_scratch *s;
	__u64 vs = 0, ve = 0;

	/* every mprotect/munmap/mremap of the system comes here: plain loads where possible */
	if (zj_task_btf) {
		struct mm_struct *mm = bpf_get_current_task_btf()->mm;

		if (!mm)
			return;
		zj_mm_vdso_btf(mm, &vs, &ve);
	} else {
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();
		struct mm_struct *mm = BPF_CORE_READ(t, mm);

		if (!mm)
			return;
		zj_mm_vdso(mm, &vs, &ve);
	}
	if (!zj_in_vdso_area(addr, len, vs, ve) &&
	    !(check_new && zj_in_vdso_area(new_addr, new_len, vs, ve)))
		return;
	s = zj_scratch();
	if (!s)
		return;
	r = (struct zj_rec_vdso_map *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	zj_fill_hdr(&r->hdr, ZJ_REC_VDSO_MAP, sizeof(*r));
	r->hdr.flags = ZJ_F_SELF | ZJ_F_VDSO;
	if (op == ZJ_VMAP_MPROTECT || op == ZJ_VMAP_PKEY_MPROTECT)
		r->hdr.flags |= zj_kill(ZJ_ENF_VDSO);
	r->op = op;
	r->prot = prot;
	r->addr = addr;
	r->len = len;
	r->new_addr = new_addr;
	r->new_len = new_len;
	r->vdso_start = vs;
	r->vdso_end = ve;
	zj_denied_reset(tid);
	if (bpf_map_update_elem(&zj_vdso_stash, &tid, r, BPF_ANY)) {
		zj_stat_inc(ZJ_STAT_STASH_FULL);
		zj_output(ctx, r, sizeof(*r), ZJ_REC_VDSO_MAP, 0);
		return;
	}
	zj_bit_set(&zj_held_bits, tid);
}

/* Exit of any of the four: send the held record, if there is one, with the outcome. */
static __always_inline void zj_vdso_exit(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_rec_vdso_map *r;

	if (!zj_bit_test(&zj_held_bits, tid))
		return;
	zj_bit_clear(&zj_held_bits, tid);
	r = bpf_map_lookup_elem(&zj_vdso_stash, &tid);
	if (!r) {
		zj_stat_inc(ZJ_STAT_STASH_MISS);
		return;
	}
	r->hdr.flags |= zj_denied_take(tid);
	zj_output(ctx, r, sizeof(*r), ZJ_REC_VDSO_MAP, 0);
	bpf_map_delete_elem(&zj_vdso_stash, &tid);
}

SEC("tracepoint/syscalls/sys_enter_mprotect")
int zj_enter_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	zj_vdso_op(ctx, ZJ_VMAP_MPROTECT, ctx->args[0], ctx->args[1], (__u32)ctx->args[2], 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pkey_mprotect")
int zj_enter_pkey_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	zj_vdso_op(ctx, ZJ_VMAP_PKEY_MPROTECT, ctx->args[0], ctx->args[1], (__u32)ctx->args[2], 0, 0,
		   0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mremap")
int zj_enter_mremap(struct trace_event_raw_sys_enter *ctx)
{
	zj_vdso_op(ctx, ZJ_VMAP_MREMAP, ctx->args[0], ctx->args[1], 0, ctx->args[4], ctx->args[2],
		   (ctx->args[3] & ZJ_MREMAP_FIXED) != 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int zj_enter_munmap(struct trace_event_raw_sys_enter *ctx)
{
	zj_vdso_op(ctx, ZJ_VMAP_MUNMAP, ctx->args[0], ctx->args[1], 0, 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mprotect")
int zj_exit_mprotect(struct trace_event_raw_sys_exit *ctx)
{
	zj_vdso_exit(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pkey_mprotect")
int zj_exit_pkey_mprotect(struct trace_event_raw_sys_exit *ctx)
{
	zj_vdso_exit(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int zj_exit_mremap(struct trace_event_raw_sys_exit *ctx)
{
	zj_vdso_exit(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_munmap")
int zj_exit_munmap(struct trace_event_raw_sys_exit *ctx)
{
	zj_vdso_exit(ctx);
	return 0;
}
