// SPDX-License-Identifier: GPL-2.0-only
/*
 * File operations: opens for writing (persistence paths, /proc/<pid>/mem), truncate, rename,
 * link, symlink, unlink and chmod under the watched persistence paths.
 *
 * Cost discipline: an open(2) without write intent costs one bit-set-free test at entry and
 * a bit test at exit; an open for writing costs a few reads and one or two hash lookups on
 * the parent directories' inodes.  Nothing leaves the kernel unless it is watched.
 *
 * Path-taking syscalls (rename, unlink, ...) are decided from the argument resolved against
 * dirfd / cwd (path.bpf.h).  Known limit of this tracepoint-only path: a symlinked directory
 * inside an absolute argument is not followed; the BPF LSM programs see the real dentries.
 *
 * Fallback enforcement of the persistence classes (enforce.bpf.h): an open for writing of a
 * watched file kills the caller at the open's exit, before it can write a byte (a file the
 * open created, or truncated, stays: the daemon quarantines the one and reports the other);
 * rename, link and symlink onto a watched name kill it at entry, when the kernel decided the
 * path (zj_pathres.id), and the held record carries the call's result, so that the daemon
 * quarantines what the call left only when it succeeded.
 */
#include "enforce.bpf.h"

/*
 * rename, link and symlink records are held from entry to exit, so that they can say whether
 * an LSM program denied the call (lsm.bpf.c): reported at entry, a denied rename onto a cron
 * directory would read as one that happened.  Only operations on watched paths are held.
 */
#define ZJ_FILE_REC_MAX (sizeof(struct zj_rec_file) + 2 * ZJ_PATH_MAX)
struct zj_file_held {
	char rec[ZJ_FILE_REC_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct zj_file_held);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} zj_file_stash SEC(".maps");

static __always_inline struct zj_rec_file *zj_file_begin(struct zj_scratch *s)
{
	__builtin_memset(s->rec, 0, sizeof(struct zj_rec_file));
	return (struct zj_rec_file *)s->rec;
}

static __always_inline void zj_file_finish(void *ctx, struct zj_scratch *s, __u32 op, __u32 flags, __u32 id,
					   __u32 len1, __u32 len2, int hold)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_rec_file *r = (struct zj_rec_file *)s->rec;
	__u32 size;

	len1 &= ZJ_PMASK;
	len2 &= ZJ_PMASK;
	if (len2 == 0)
		s->rec[sizeof(struct zj_rec_file) + len1 + 1] = 0;
	size = sizeof(struct zj_rec_file) + len1 + 1 + len2 + 1;
	zj_fill_hdr(&r->hdr, ZJ_REC_FILE, size);
	r->hdr.flags = flags;
	r->op = op;
	r->watch_id = id;
	r->path_len = len1;
	r->path2_len = len2;
	if (hold) {
		zj_denied_reset(tid);
		if (!bpf_map_update_elem(&zj_file_stash, &tid, s->rec, BPF_ANY)) {
			zj_bit_set(&zj_held_bits, tid);
			return;
		}
		/* cannot hold it: report it now, without the outcome */
		zj_stat_inc(ZJ_STAT_STASH_FULL);
	}
	zj_output(ctx, s->rec, size, ZJ_REC_FILE, 0);
}

/* Exit of rename/link/symlink: send the held record, if there is one, with the outcome. */
static __always_inline void zj_file_exit(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_file_held *v;
	struct zj_rec_hdr *h;
	__u64 size;

	if (!zj_bit_test(&zj_held_bits, tid))
		return;
	zj_bit_clear(&zj_held_bits, tid);
	v = bpf_map_lookup_elem(&zj_file_stash, &tid);
	if (!v) {
		zj_stat_inc(ZJ_STAT_STASH_MISS);
		return;
	}
	h = (struct zj_rec_hdr *)v->rec;
	h->flags |= zj_denied_take(tid);
	((struct zj_rec_file *)v->rec)->result = (__s32)ret;
	size = h->size;
	if (size > ZJ_FILE_REC_MAX)
		size = ZJ_FILE_REC_MAX;
	if (size < sizeof(struct zj_rec_file))
		size = sizeof(struct zj_rec_file);
	barrier_var(size);
	zj_output_n(ctx, v, size, ZJ_REC_FILE, 0);
	bpf_map_delete_elem(&zj_file_stash, &tid);
}

/* Report an operation on an open file whose directory matched. */
/* (BPF passes five arguments: the scratch map is looked up here, not passed.) */
static __noinline void zj_emit_fd_file(void *ctx, struct file *f, __u32 op, __u32 mode,
				       struct zj_pathres *pr)
{
	struct zj_scratch *s = zj_scratch();
	__u32 flags = pr->flags, id = pr->id;
	struct vfsmount *m = BPF_CORE_READ(f, f_path.mnt);
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	struct zj_rec_file *r;
	__u32 len = 0, trunc = 0, off, w;

	if (!s)
		return;
	off = zj_dentry_path(s, m, d, &len, &trunc);
	r = zj_file_begin(s);
	w = zj_rec_put_path(s, 0, off, len);
	r->dev = BPF_CORE_READ(ino, i_sb, s_dev);
	r->ino = BPF_CORE_READ(ino, i_ino);
	r->mode = mode;
	r->open_flags = BPF_CORE_READ(f, f_flags);
	if (trunc)
		flags |= ZJ_F_TRUNC_PATH;
	zj_file_finish(ctx, s, op, flags, id, w - 1, 0, 0);
}

/* Is this open file inside a watched directory?  Its enforcement class into *ret_klass. */
static __always_inline int zj_file_watched(struct file *f, __u32 *ret_id, __u32 *ret_klass)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct zj_wmatch m = {};
	int r;

	r = zj_watch_match_dir(BPF_CORE_READ(d, d_parent),
			       (const char *)BPF_CORE_READ(d, d_name.name), &m);
	*ret_id = m.id;
	if (r && ret_klass)
		*ret_klass = zj_file_klass(&m, d);
	return r;
}

/* ---- opens ------------------------------------------------------------------------------ */

static __always_inline void zj_open_enter(__u64 flags, int always)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!always && !(flags & (ZJ_O_WRONLY | ZJ_O_RDWR | ZJ_O_CREAT | ZJ_O_TRUNC)))
		return;
	zj_bit_set(&zj_pending_bits, tid);
	/* creat() is O_CREAT|O_WRONLY|O_TRUNC */
	if (always || (flags & ZJ_O_TRUNC))
		zj_bit_set(&zj_otrunc_bits, tid);
}

static __noinline void zj_emit_mem_open(void *ctx, struct file *f, int fd, __u32 target, __u32 flags)
{
	struct zj_rec_mem *r;
	struct mm_struct *mm = BPF_CORE_READ(f, private_data);
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	/* proc_mem_open() stores the target's mm in private_data: same mm means "self". */
	if (mm && mm == BPF_CORE_READ(t, mm))
		flags |= ZJ_F_SELF;
	else
		flags |= zj_kill(ZJ_ENF_PROC_MEM); /* dies before its first write */
	r = zj_reserve(ZJ_REC_MEM_OPEN, sizeof(*r));
	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	zj_fill_hdr(&r->hdr, ZJ_REC_MEM_OPEN, sizeof(*r));
	r->hdr.flags = flags;
	r->via = ZJ_VIA_OPEN;
	r->target_pid = target;
	r->fd = fd;
	r->open_flags = BPF_CORE_READ(f, f_flags);
	if (mm)
		zj_mm_vdso(mm, &r->vdso_start, &r->vdso_end);
	zj_submit(ctx, r, ZJ_REC_MEM_OPEN, 0);
}

static __always_inline void zj_open_exit(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_pathres pr = {};
	struct zj_scratch *s;
	struct file *f;
	__u32 target = 0, flags = 0, id = 0, klass = ZJ_ENF_NONE;
	unsigned int fmode;
	int otrunc;

	if (!zj_bit_test(&zj_pending_bits, tid))
		return;
	zj_bit_clear(&zj_pending_bits, tid);
	otrunc = zj_bit_test(&zj_otrunc_bits, tid);
	if (otrunc)
		zj_bit_clear(&zj_otrunc_bits, tid);
	if (ret < 0)
		return;
	f = zj_fd_file((int)ret);
	if (!f)
		return;
	fmode = BPF_CORE_READ(f, f_mode);
	if ((fmode & ZJ_FMODE_WRITE) && zj_file_is_proc_mem(f, &target, &flags)) {
		zj_bit_set(&zj_memfd_bits, bpf_get_current_pid_tgid() >> 32);
		zj_emit_mem_open(ctx, f, (int)ret, target, flags);
		return;
	}
	if (!(fmode & (ZJ_FMODE_WRITE | ZJ_FMODE_CREATED)) || zj_is_daemon())
		return;
	if (!zj_file_watched(f, &id, &klass))
		return;
	flags |= zj_kill(klass); /* dies before its first write */
	s = zj_scratch();
	if (!s)
		return;
	if (otrunc)
		flags |= ZJ_F_O_TRUNC;
	if (fmode & ZJ_FMODE_CREATED)
		flags |= ZJ_F_CREATED;
	pr.flags = flags;
	pr.id = id;
	zj_emit_fd_file(ctx, f, (fmode & ZJ_FMODE_CREATED) ? ZJ_FOP_CREATE : ZJ_FOP_OPEN_WRITE,
			BPF_CORE_READ(f, f_inode, i_mode), &pr);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int zj_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	zj_open_enter(ctx->args[2], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int zj_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	zj_open_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int zj_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	zj_open_enter(ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int zj_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	zj_open_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_creat")
int zj_enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	zj_open_enter(0, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_creat")
int zj_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	zj_open_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int zj_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = 0;

	/* struct open_how starts with __u64 flags; unreadable -> inspect at exit anyway */
	if (bpf_probe_read_user(&flags, sizeof(flags), (void *)ctx->args[2]))
		flags = ZJ_O_RDWR;
	zj_open_enter(flags, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int zj_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	zj_open_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open_by_handle_at")
int zj_enter_open_by_handle_at(struct trace_event_raw_sys_enter *ctx)
{
	zj_open_enter(ctx->args[2], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open_by_handle_at")
int zj_exit_open_by_handle_at(struct trace_event_raw_sys_exit *ctx)
{
	zj_open_exit(ctx, ctx->ret);
	return 0;
}

/* ---- fd-based: ftruncate, fchmod -------------------------------------------------------- */

static __always_inline void zj_fd_op(void *ctx, int fd, __u32 op, __u32 mode)
{
	struct zj_pathres pr = {};
	struct zj_scratch *s;
	struct file *f;

	if (zj_is_daemon())
		return;
	f = zj_fd_file(fd);
	if (!f || !zj_file_watched(f, &pr.id, NULL))
		return;
	s = zj_scratch();
	if (!s)
		return;
	zj_emit_fd_file(ctx, f, op, mode, &pr);
}

SEC("tracepoint/syscalls/sys_enter_ftruncate")
int zj_enter_ftruncate(struct trace_event_raw_sys_enter *ctx)
{
	zj_fd_op(ctx, (int)ctx->args[0], ZJ_FOP_TRUNCATE, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmod")
int zj_enter_fchmod(struct trace_event_raw_sys_enter *ctx)
{
	zj_fd_op(ctx, (int)ctx->args[0], ZJ_FOP_CHMOD, (__u32)ctx->args[1]);
	return 0;
}

/* ---- path-based ------------------------------------------------------------------------- */

static __always_inline void zj_path_op(void *ctx, int dirfd, const char *upath, __u32 op, __u32 mode)
{
	struct zj_pathres pr = {};
	struct zj_scratch *s;
	struct zj_rec_file *r;
	__u32 w;

	if (zj_is_daemon())
		return;
	s = zj_scratch();
	if (!s)
		return;
	if (zj_upath_resolve(s, dirfd, upath, 0, &pr) != 1)
		return;
	r = zj_file_begin(s);
	w = zj_rec_put_path(s, 0, pr.off, pr.len);
	r->mode = mode;
	zj_file_finish(ctx, s, op, pr.flags, pr.id, w - 1, 0, 0);
}

/*
 * rename and link: path = the new name, path2 = the old one.  Reported when the new name is
 * watched ("onto"), and for rename also when the old one is (a file moved out of a watched
 * directory).
 */
static __always_inline void zj_path_op2(void *ctx, int ndfd, const char *newp, int odfd, const char *oldp,
					__u32 op, int check_old)
{
	struct zj_pathres pn = {}, po = {};
	struct zj_scratch *s;
	__u32 flags, id, w1, w2;
	int rn;

	if (zj_is_daemon())
		return;
	s = zj_scratch();
	if (!s)
		return;
	rn = zj_upath_resolve(s, ndfd, newp, 0, &pn);
	if (rn < 0)
		return;
	id = pn.id;
	flags = pn.flags;
	if (rn == 1 && pn.id)
		flags |= zj_kill(zj_path_klass(s, &pn));
	if (rn == 0) {
		if (!check_old || zj_upath_resolve(s, odfd, oldp, 0, &po) != 1)
			return;
		/* the old name is watched: build the new one too, for the record */
		id = po.id;
		flags = po.flags & ZJ_F_RESOLVE;
		__builtin_memset(&pn, 0, sizeof(pn));
		if (zj_upath_resolve(s, ndfd, newp, 1, &pn) < 0)
			return;
		flags |= pn.flags & ZJ_F_TRUNC_PATH;
	}
	zj_file_begin(s);
	w1 = zj_rec_put_path(s, 0, pn.off, pn.len);
	__builtin_memset(&po, 0, sizeof(po));
	if (zj_upath_resolve(s, odfd, oldp, 1, &po) < 0) {
		zj_file_finish(ctx, s, op, flags, id, w1 - 1, 0, 1);
		return;
	}
	w2 = zj_rec_put_path(s, w1, po.off, po.len);
	if (po.flags & ZJ_F_TRUNC_PATH)
		flags |= ZJ_F_TRUNC_PATH2;
	flags |= po.flags & ZJ_F_RESOLVE;
	zj_file_finish(ctx, s, op, flags, id, w1 - 1, w2 - 1, 1);
}

static __always_inline void zj_symlink_op(void *ctx, const char *target, int ndfd, const char *newp)
{
	struct zj_pathres pr = {};
	struct zj_scratch *s;
	__u32 flags, w1;
	long n;

	if (zj_is_daemon())
		return;
	s = zj_scratch();
	if (!s)
		return;
	if (zj_upath_resolve(s, ndfd, newp, 0, &pr) != 1)
		return;
	flags = pr.flags;
	if (pr.id)
		flags |= zj_kill(zj_path_klass(s, &pr));
	zj_file_begin(s);
	w1 = zj_rec_put_path(s, 0, pr.off, pr.len);
	/* the link's contents, as given: not a path of ours to resolve */
	/* w1 is up to ZJ_PATH_MAX (a path of PATH_MAX - 1 bytes and its NUL) */
	n = bpf_probe_read_user_str(
		&s->rec[sizeof(struct zj_rec_file) + (w1 & (2 * ZJ_PATH_MAX - 1))],
		ZJ_PATH_MAX - 1, target);
	if (n < 1)
		n = 1;
	/* a full buffer is a cut target unless its NUL was the byte that just fitted */
	if (n == ZJ_PATH_MAX - 1) {
		char c = 1;

		if (bpf_probe_read_user(&c, 1, target + ZJ_PATH_MAX - 2) || c)
			flags |= ZJ_F_TRUNC_PATH2;
	}
	zj_file_finish(ctx, s, ZJ_FOP_SYMLINK, flags, pr.id, w1 - 1, (__u32)n - 1, 1);
}

SEC("tracepoint/syscalls/sys_enter_truncate")
int zj_enter_truncate(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op(ctx, ZJ_AT_FDCWD, (const char *)ctx->args[0], ZJ_FOP_TRUNCATE, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int zj_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op(ctx, ZJ_AT_FDCWD, (const char *)ctx->args[0], ZJ_FOP_UNLINK, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int zj_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op(ctx, (int)ctx->args[0], (const char *)ctx->args[1], ZJ_FOP_UNLINK, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int zj_enter_chmod(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op(ctx, ZJ_AT_FDCWD, (const char *)ctx->args[0], ZJ_FOP_CHMOD, (__u32)ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int zj_enter_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op(ctx, (int)ctx->args[0], (const char *)ctx->args[1], ZJ_FOP_CHMOD,
		   (__u32)ctx->args[2]);
	return 0;
}

/* fchmodat2 exists from v6.6; the daemon does not load this where the tracepoint is absent. */
SEC("tracepoint/syscalls/sys_enter_fchmodat2")
int zj_enter_fchmodat2(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op(ctx, (int)ctx->args[0], (const char *)ctx->args[1], ZJ_FOP_CHMOD,
		   (__u32)ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_rename")
int zj_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op2(ctx, ZJ_AT_FDCWD, (const char *)ctx->args[1], ZJ_AT_FDCWD,
		    (const char *)ctx->args[0], ZJ_FOP_RENAME, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int zj_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op2(ctx, (int)ctx->args[2], (const char *)ctx->args[3], (int)ctx->args[0],
		    (const char *)ctx->args[1], ZJ_FOP_RENAME, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int zj_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op2(ctx, (int)ctx->args[2], (const char *)ctx->args[3], (int)ctx->args[0],
		    (const char *)ctx->args[1], ZJ_FOP_RENAME, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_link")
int zj_enter_link(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op2(ctx, ZJ_AT_FDCWD, (const char *)ctx->args[1], ZJ_AT_FDCWD,
		    (const char *)ctx->args[0], ZJ_FOP_LINK, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_linkat")
int zj_enter_linkat(struct trace_event_raw_sys_enter *ctx)
{
	zj_path_op2(ctx, (int)ctx->args[2], (const char *)ctx->args[3], (int)ctx->args[0],
		    (const char *)ctx->args[1], ZJ_FOP_LINK, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_symlink")
int zj_enter_symlink(struct trace_event_raw_sys_enter *ctx)
{
	zj_symlink_op(ctx, (const char *)ctx->args[0], ZJ_AT_FDCWD, (const char *)ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_symlinkat")
int zj_enter_symlinkat(struct trace_event_raw_sys_enter *ctx)
{
	zj_symlink_op(ctx, (const char *)ctx->args[0], (int)ctx->args[1], (const char *)ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_rename")
int zj_exit_rename(struct trace_event_raw_sys_exit *ctx)
{
	zj_file_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_renameat")
int zj_exit_renameat(struct trace_event_raw_sys_exit *ctx)
{
	zj_file_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_renameat2")
int zj_exit_renameat2(struct trace_event_raw_sys_exit *ctx)
{
	zj_file_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_link")
int zj_exit_link(struct trace_event_raw_sys_exit *ctx)
{
	zj_file_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_linkat")
int zj_exit_linkat(struct trace_event_raw_sys_exit *ctx)
{
	zj_file_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_symlink")
int zj_exit_symlink(struct trace_event_raw_sys_exit *ctx)
{
	zj_file_exit(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_symlinkat")
int zj_exit_symlinkat(struct trace_event_raw_sys_exit *ctx)
{
	zj_file_exit(ctx, ctx->ret);
	return 0;
}
