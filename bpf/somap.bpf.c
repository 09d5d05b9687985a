// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared-object injection (T1055.008 / T1055.009 with the payload): after a process attached
 * to another with ptrace or wrote its memory (inject.bpf.h marks the target), an mmap with
 * PROT_EXEC of a file in that target within ZJ_INJECT_WINDOW_NS is reported with the file's
 * path and the injector -- what a dlopen() forced on the target by an injector (linux-inject,
 * hotpatch, a gdb "call dlopen") does, and what a plain memory write cannot show.
 *
 * Cost: one bit test per mmap(2) of the system; the path is built only for marked targets.
 * A session ends when its window passes (the bit is cleared at the next mmap that sees it
 * expired) or when the LRU map evicts it.
 */
#include "inject.bpf.h"
#include "path.bpf.h"

#define ZJ_PROT_EXEC 0x4

SEC("tracepoint/syscalls/sys_enter_mmap")
int zj_enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, prot = (__u32)ctx->args[2];
	__u32 len = 0, trunc = 0, off, flags = 0;
	struct zj_inject_sess *sess;
	struct zj_rec_somap *r;
	struct zj_scratch *s;
	struct inode *ino;
	struct file *f;
	__u64 size;

	if (!(prot & ZJ_PROT_EXEC) || (long)ctx->args[4] < 0)
		return 0;
	if (!zj_bit_test(&zj_inject_bits, tgid))
		return 0;
	sess = bpf_map_lookup_elem(&zj_inject_sess, &tgid);
	if (!sess || bpf_ktime_get_boot_ns() - sess->ktime_ns > ZJ_INJECT_WINDOW_NS) {
		zj_bit_clear(&zj_inject_bits, tgid);
		if (sess)
			bpf_map_delete_elem(&zj_inject_sess, &tgid);
		return 0;
	}
	f = zj_fd_file((int)ctx->args[4]);
	s = zj_scratch();
	if (!f || !s)
		return 0;
	r = (struct zj_rec_somap *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->injector_tgid = sess->injector_tgid;
	r->via = sess->via;
	r->injector_start_ns = sess->injector_start_ns;
	r->session_ns = sess->ktime_ns;
	r->prot = prot;
	ino = BPF_CORE_READ(f, f_inode);
	r->dev = BPF_CORE_READ(ino, i_sb, s_dev);
	r->ino = BPF_CORE_READ(ino, i_ino);
	off = zj_dentry_path(s, BPF_CORE_READ(f, f_path.mnt), BPF_CORE_READ(f, f_path.dentry), &len,
			     &trunc);
	if (len > ZJ_PBUF_END - 1)
		len = ZJ_PBUF_END - 1;
	if (off > ZJ_PATH_MAX + 1)
		off = ZJ_PATH_MAX + 1;
	len &= ZJ_PMASK;
	if (bpf_probe_read_kernel(&s->rec[sizeof(*r)], len, &s->pbuf[off]))
		zj_stat_inc(ZJ_STAT_READ_FAIL);
	s->rec[(sizeof(*r) + len) & (4 * ZJ_PATH_MAX - 1)] = 0;
	if (trunc)
		flags |= ZJ_F_TRUNC_PATH;
	r->path_len = len;
	size = sizeof(*r) + len + 1;
	zj_fill_hdr(&r->hdr, ZJ_REC_SOMAP, (__u32)size);
	r->hdr.flags = flags;
	zj_output(ctx, s->rec, (__u32)size, ZJ_REC_SOMAP, 0);
	return 0;
}
