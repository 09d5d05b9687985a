// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes into another process's memory: write/pwrite64/writev/pwritev/pwritev2 on a
 * /proc/<pid>/mem file, and process_vm_writev(2).
 *
 * write(2) is the hottest syscall there is, so the test that runs on every call is one bit
 * in zj_memfd_bits: only thread groups that opened a /proc/<pid>/mem file for writing (or
 * inherited one through fork) have their writes inspected.  Known limit: an fd received over
 * a Unix socket or taken with pidfd_getfd() is not marked (its open was reported).
 *
 * Fallback enforcement (enforce.bpf.h): a write into another process's memory kills the
 * writer at entry (T1055.009 for a mem file, T1055.008 for process_vm_writev, as the LSM
 * classes go); with SIGKILL pending the kernel pins none of the target's pages, so nothing
 * is written.
 */
#include "enforce.bpf.h"
#include "inject.bpf.h"

struct zj_iovec {
	__u64 base;
	__u64 len;
};

/* Sum of the first ZJ_IOV_MAX vector lengths; ZJ_F_TRUNC_IOV if there are more. */
static __always_inline __u64 zj_iov_sum(const void *uvec, __u64 cnt, __u64 *ret_first,
					__u32 *flags)
{
	struct zj_iovec v[ZJ_IOV_MAX] = {};
	__u64 sum = 0;
	__u32 n = cnt > ZJ_IOV_MAX ? ZJ_IOV_MAX : (__u32)cnt;
	int i;

	if (cnt > ZJ_IOV_MAX)
		*flags |= ZJ_F_TRUNC_IOV;
	if (!n || bpf_probe_read_user(v, n * sizeof(v[0]), uvec))
		return 0;
	for (i = 0; i < ZJ_IOV_MAX; i++) {
		if (i >= n)
			break;
		sum += v[i].len;
	}
	*ret_first = v[0].base;
	return sum;
}

#define ZJ_VM_EXEC 0x4

/* bpf_find_vma() callback: is the mapping executable and backed by a file? */
static long zj_vma_text(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	__u32 *hit = ctx;

	if ((BPF_CORE_READ(vma, vm_flags) & ZJ_VM_EXEC) && BPF_CORE_READ(vma, vm_file))
		*hit = 1;
	return 0;
}

/*
 * rc: the program is the _rc twin (zj_rc(), common.bpf.h): the file and the target's mm are
 * read with plain loads.  A constant in each program: the other branch is not compiled in.
 */
static __always_inline void zj_mem_write(void *ctx, int rc, int fd, __u32 via, __u64 pos,
					 int has_pos, __u64 len, const void *uvec, __u64 iovcnt)
{
	struct task_struct *t;
	struct zj_rec_mem *r;
	struct mm_struct *mm;
	struct file *f;
	__u32 target = 0, flags = 0;
	__u64 first = 0;

	if (!zj_bit_test(&zj_memfd_bits, bpf_get_current_pid_tgid() >> 32))
		return;
	f = zj_fd_file_direct(fd);
	if (!f)
		return;
	if (rc) {
		f = zj_rc(struct file, f);
		if (!(f->f_mode & ZJ_FMODE_WRITE) || !zj_file_is_proc_mem_rc(f, &target, &flags))
			return;
	} else if (!(BPF_CORE_READ(f, f_mode) & ZJ_FMODE_WRITE) ||
		   !zj_file_is_proc_mem(f, &target, &flags)) {
		return;
	}
	if (uvec)
		len = zj_iov_sum(uvec, iovcnt, &first, &flags);
	if (!has_pos)
		pos = rc ? f->f_pos : BPF_CORE_READ(f, f_pos);
	r = zj_reserve(ZJ_REC_MEM_WRITE, sizeof(*r));
	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	zj_fill_hdr_direct(&r->hdr, ZJ_REC_MEM_WRITE, sizeof(*r));
	if (rc) {
		mm = zj_rc(struct mm_struct, f->private_data);
		if (mm && mm == bpf_get_current_task_btf()->mm)
			flags |= ZJ_F_SELF;
		if (mm)
			zj_mm_vdso_btf(mm, &r->vdso_start, &r->vdso_end);
	} else {
		t = (struct task_struct *)bpf_get_current_task();
		mm = BPF_CORE_READ(f, private_data);
		if (mm && mm == BPF_CORE_READ(t, mm))
			flags |= ZJ_F_SELF;
		if (mm)
			zj_mm_vdso(mm, &r->vdso_start, &r->vdso_end);
	}
	if (zj_in_vdso_area(pos, len, r->vdso_start, r->vdso_end))
		flags |= ZJ_F_VDSO;
	if (!(flags & ZJ_F_SELF)) {
		flags |= zj_kill(ZJ_ENF_PROC_MEM);
		zj_inject_mark(target, ZJ_INJ_PROC_MEM, &r->hdr); /* somap.bpf.c */
	} else if (zj_task_btf) {
		/* one's own program text (DDexec, T1620): a file-backed executable mapping */
		__u32 hit = 0;

		bpf_find_vma(bpf_get_current_task_btf(), pos, zj_vma_text, &hit, 0);
		if (hit)
			flags |= ZJ_F_EXEC_TEXT;
	}
	r->hdr.flags = flags;
	r->via = via;
	r->target_pid = target;
	r->fd = fd;
	r->iovcnt = uvec ? (__u32)iovcnt : 1;
	r->addr = pos;
	r->len = len;
	zj_submit(ctx, r, ZJ_REC_MEM_WRITE, 0);
}

/*
 * Each write syscall has two programs: zj_enter_X, and zj_enter_X_rc where the kernel has
 * bpf_rdonly_cast() and its own BTF (daemon/sensor.c loads one of the two).
 */
#define ZJ_MEM_PROGS(sc, ...)                                                              \
	SEC("tracepoint/syscalls/sys_enter_" #sc)                                          \
	int zj_enter_##sc(struct trace_event_raw_sys_enter *ctx)                           \
	{                                                                                  \
		zj_mem_write(ctx, 0, __VA_ARGS__);                                         \
		return 0;                                                                  \
	}                                                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #sc)                                          \
	int zj_enter_##sc##_rc(struct trace_event_raw_sys_enter *ctx)                      \
	{                                                                                  \
		zj_mem_write(ctx, 1, __VA_ARGS__);                                         \
		return 0;                                                                  \
	}

ZJ_MEM_PROGS(write, (int)ctx->args[0], ZJ_VIA_WRITE, 0, 0, ctx->args[2], NULL, 0)
ZJ_MEM_PROGS(pwrite64, (int)ctx->args[0], ZJ_VIA_PWRITE64, ctx->args[3], 1, ctx->args[2], NULL,
	     0)
ZJ_MEM_PROGS(writev, (int)ctx->args[0], ZJ_VIA_WRITEV, 0, 0, 0, (const void *)ctx->args[1],
	     ctx->args[2])
/* 64-bit: pos_l carries the whole offset */
ZJ_MEM_PROGS(pwritev, (int)ctx->args[0], ZJ_VIA_PWRITEV, ctx->args[3], 1, 0,
	     (const void *)ctx->args[1], ctx->args[2])
/* offset -1 means "at the file position", as writev */
ZJ_MEM_PROGS(pwritev2, (int)ctx->args[0], ZJ_VIA_PWRITEV2, ctx->args[3],
	     (long)ctx->args[3] != -1, 0, (const void *)ctx->args[1], ctx->args[2])

/*
 * process_vm_writev: where BPF LSM is on, the record is built at entry (the arguments) and held
 * until exit, so that it can say whether ptrace_access_check denied the call (lsm.bpf.c) --
 * reported at entry, a denied write would read as one that happened.  Elsewhere nothing can
 * deny it but the kill at entry: the record goes out at once.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct zj_rec_mem);
} zj_vmw_stash SEC(".maps");

/* The record of the current call; r is zeroed. */
static __always_inline void zj_vmw_fill(struct trace_event_raw_sys_enter *ctx,
					struct zj_rec_mem *r)
{
	__u32 flags = 0, pid = (__u32)ctx->args[0];
	__u64 first = 0, len;

	len = zj_iov_sum((const void *)ctx->args[3], ctx->args[4], &first, &flags);
	zj_fill_hdr_direct(&r->hdr, ZJ_REC_VM_WRITE, sizeof(*r));
	if (pid == r->hdr.tgid) {
		flags |= ZJ_F_SELF;
	} else {
		flags |= zj_kill(ZJ_ENF_PTRACE);
		zj_inject_mark(pid, ZJ_INJ_PTRACE, &r->hdr); /* somap.bpf.c */
	}
	r->hdr.flags = flags;
	r->via = ZJ_VIA_PROCESS_VM_WRITEV;
	r->target_pid = pid;
	r->fd = -1;
	r->iovcnt = (__u32)ctx->args[4];
	r->addr = first;
	r->len = len;
}

SEC("tracepoint/syscalls/sys_enter_process_vm_writev")
int zj_enter_process_vm_writev(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_scratch *s;
	struct zj_rec_mem *r;

	if (!zj_lsm_on) {
		r = zj_reserve(ZJ_REC_VM_WRITE, sizeof(*r));
		if (!r)
			return 0;
		__builtin_memset(r, 0, sizeof(*r));
		zj_vmw_fill(ctx, r);
		zj_submit(ctx, r, ZJ_REC_VM_WRITE, 0);
		return 0;
	}
	s = zj_scratch();
	if (!s)
		return 0;
	r = (struct zj_rec_mem *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	zj_vmw_fill(ctx, r);
	zj_denied_reset(tid);
	if (bpf_map_update_elem(&zj_vmw_stash, &tid, r, BPF_ANY)) {
		/* cannot hold it: report it now, without the outcome */
		zj_stat_inc(ZJ_STAT_STASH_FULL);
		zj_output(ctx, r, sizeof(*r), ZJ_REC_VM_WRITE, 0);
		return 0;
	}
	zj_bit_set(&zj_held_bits, tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_process_vm_writev")
int zj_exit_process_vm_writev(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_rec_mem *r;

	if (!zj_lsm_on || !zj_bit_test(&zj_held_bits, tid))
		return 0;
	zj_bit_clear(&zj_held_bits, tid);
	r = bpf_map_lookup_elem(&zj_vmw_stash, &tid);
	if (!r) {
		zj_stat_inc(ZJ_STAT_STASH_MISS);
		return 0;
	}
	r->hdr.flags |= zj_denied_take(tid);
	zj_output(ctx, r, sizeof(*r), ZJ_REC_VM_WRITE, 0);
	bpf_map_delete_elem(&zj_vmw_stash, &tid);
	return 0;
}
