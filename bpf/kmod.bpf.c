// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel modules (T1547.006): init_module(2) and finit_module(2).
 *
 * The record is built at syscall entry (the arguments; finit_module: the file's absolute path
 * and inode) and held until the exit, so that it carries the result, whether an LSM program
 * denied the call (lsm.bpf.c: kernel_read_file / kernel_load_data) and -- when the kernel got
 * as far as loading a module -- the module's own name, taken from the module:module_load
 * tracepoint that fires inside the call.
 *
 * Module loading is rare, so nothing is filtered in the kernel: every call is reported.  The
 * daemon tells the boot-time loaders (systemd-udevd, systemd-modules-load, kmod run by them)
 * from the rest (detectors/kernel.c).
 *
 * Fallback enforcement (enforce.bpf.h, ZJ_ENF_KMOD): the caller is sent SIGKILL at entry.  The
 * load itself is not stopped by that: the kernel does not check for a fatal signal on its
 * way to do_init_module(), so a valid module still loads.  The record says so (result and
 * name); only the LSM hooks prevent the load.
 *
 * A kernel built without CONFIG_MODULES has none of these tracepoints: the daemon does not
 * load these programs there (sensor.c), and init_module/finit_module return ENOSYS.
 */
#include "enforce.bpf.h"

#define ZJ_KMOD_REC_MAX (sizeof(struct zj_rec_kmod) + ZJ_PATH_MAX)
struct zj_kmod_held {
	char rec[ZJ_KMOD_REC_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct zj_kmod_held);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} zj_kmod_stash SEC(".maps");

/* module:module_load's raw layout (the tracepoint's format file: a stable ABI, not CO-RE). */
struct zj_tp_module_load {
	__u64 common;
	__u32 taints;
	__u32 name_loc; /* __data_loc char[]: offset in the low 16 bits, length in the high 16 */
};

static __always_inline void zj_kmod_enter(void *ctx, __u32 op, int fd, __u64 len, __u32 mflags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_scratch *s = zj_scratch();
	struct zj_rec_kmod *r;
	__u32 flags = 0, plen = 0, trunc = 0, off;
	__u64 size;

	if (!s)
		return;
	r = (struct zj_rec_kmod *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->op = op;
	r->fd = op == ZJ_KMOD_FINIT ? fd : -1;
	r->len = len;
	r->mflags = mflags;
	s->rec[sizeof(*r)] = 0;
	if (op == ZJ_KMOD_FINIT) {
		struct file *f = zj_fd_file(fd);

		if (f) {
			struct inode *ino = BPF_CORE_READ(f, f_inode);

			r->dev = BPF_CORE_READ(ino, i_sb, s_dev);
			r->ino = BPF_CORE_READ(ino, i_ino);
			off = zj_dentry_path(s, BPF_CORE_READ(f, f_path.mnt),
					     BPF_CORE_READ(f, f_path.dentry), &plen, &trunc);
			if (plen > ZJ_PBUF_END - 1)
				plen = ZJ_PBUF_END - 1;
			if (off > ZJ_PATH_MAX + 1)
				off = ZJ_PATH_MAX + 1;
			plen &= ZJ_PMASK;
			if (bpf_probe_read_kernel(&s->rec[sizeof(*r)], plen, &s->pbuf[off]))
				zj_stat_inc(ZJ_STAT_READ_FAIL);
			s->rec[(sizeof(*r) + plen) & (4 * ZJ_PATH_MAX - 1)] = 0;
			if (trunc)
				flags |= ZJ_F_TRUNC_PATH;
		}
	}
	r->path_len = plen;
	size = sizeof(*r) + plen + 1;
	zj_fill_hdr(&r->hdr, ZJ_REC_KMOD, (__u32)size);
	flags |= zj_kill(ZJ_ENF_KMOD);
	r->hdr.flags = flags;
	zj_denied_reset(tid);
	if (bpf_map_update_elem(&zj_kmod_stash, &tid, s->rec, BPF_ANY)) {
		/* cannot hold it: report it now, without the outcome */
		zj_stat_inc(ZJ_STAT_STASH_FULL);
		zj_output(ctx, s->rec, (__u32)size, ZJ_REC_KMOD, 0);
		return;
	}
	zj_bit_set(&zj_held_bits, tid);
}

static __always_inline void zj_kmod_exit(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_kmod_held *v;
	struct zj_rec_kmod *r;
	__u64 size;

	if (!zj_bit_test(&zj_held_bits, tid))
		return;
	zj_bit_clear(&zj_held_bits, tid);
	v = bpf_map_lookup_elem(&zj_kmod_stash, &tid);
	if (!v) {
		zj_stat_inc(ZJ_STAT_STASH_MISS);
		return;
	}
	r = (struct zj_rec_kmod *)v->rec;
	r->hdr.flags |= zj_denied_take(tid);
	r->result = (__s32)ret;
	size = r->hdr.size;
	if (size > ZJ_KMOD_REC_MAX)
		size = ZJ_KMOD_REC_MAX;
	if (size < sizeof(struct zj_rec_kmod))
		size = sizeof(struct zj_rec_kmod);
	barrier_var(size);
	zj_output_n(ctx, v, size, ZJ_REC_KMOD, 0);
	bpf_map_delete_elem(&zj_kmod_stash, &tid);
}

SEC("tracepoint/syscalls/sys_enter_init_module")
int zj_enter_init_module(struct trace_event_raw_sys_enter *ctx)
{
	zj_kmod_enter(ctx, ZJ_KMOD_INIT, -1, ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_init_module")
int zj_exit_init_module(struct trace_event_raw_sys_exit *ctx)
{
	zj_kmod_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_finit_module")
int zj_enter_finit_module(struct trace_event_raw_sys_enter *ctx)
{
	zj_kmod_enter(ctx, ZJ_KMOD_FINIT, (int)ctx->args[0], 0, (__u32)ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_finit_module")
int zj_exit_finit_module(struct trace_event_raw_sys_exit *ctx)
{
	zj_kmod_exit(ctx, ctx->ret);
	return 0;
}

/* A module was loaded (before its init function runs): name it in the caller's held record. */
SEC("tracepoint/module/module_load")
int zj_module_load(struct zj_tp_module_load *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_kmod_held *v;
	struct zj_rec_kmod *r;
	__u32 loc, off;

	if (!zj_bit_test(&zj_held_bits, tid))
		return 0;
	v = bpf_map_lookup_elem(&zj_kmod_stash, &tid);
	if (!v)
		return 0;
	r = (struct zj_rec_kmod *)v->rec;
	if (bpf_probe_read_kernel(&loc, sizeof(loc), &ctx->name_loc))
		return 0;
	off = loc & 0xffff;
	if (bpf_probe_read_kernel_str(r->name, sizeof(r->name), (char *)ctx + off) < 0) {
		zj_stat_inc(ZJ_STAT_READ_FAIL);
		r->name[0] = 0;
	}
	return 0;
}
