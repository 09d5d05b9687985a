// SPDX-License-Identifier: GPL-2.0-only
/*
 * Setuid and setgid (T1548.001): chmod, fchmodat, fchmodat2 and fchmod whose new mode has
 * S_ISUID or S_ISGID, on any path.  Filtered in the kernel: a mode without those bits costs a
 * test of the argument and nothing leaves the kernel.  Reported at entry as ZJ_REC_SETID
 * (struct zj_rec_file: op ZJ_FOP_CHMOD, the new mode, the path resolved against dirfd/cwd --
 * for fchmod, the file's own path and inode -- watch_id 0).
 *
 * At the entry of a path-taking call the file is not looked up yet, so whether it is a
 * regular file, and which bits it had, is known only for fchmod (ZJ_F_NOT_REG,
 * ZJ_F_SETID_HAD); the daemon looks at the path for the others.  The BPF LSM hook
 * (lsm.bpf.c: path_chmod) sees the inode and denies only what adds a bit to a regular file.
 *
 * The path-taking calls are held from entry to exit (zj_setid_held) and reported at exit: a
 * path string in a page the process has not touched yet cannot be read at entry (BPF cannot
 * fault it in), and at exit the record can say whether the LSM denied the call.
 *
 * Fallback enforcement (ZJ_ENF_SETID): SIGKILL at entry, for fchmod of a regular file that
 * gains a bit, and for the path-taking calls when S_ISUID is asked for (S_ISGID alone is
 * common on shared directories, which the tracepoint cannot tell apart).  The chmod itself
 * still completes.
 */
#include "enforce.bpf.h"

#define ZJ_S_ISUID 04000
#define ZJ_S_ISGID 02000
#define ZJ_S_IFMT 0170000
#define ZJ_S_IFREG 0100000

static __always_inline void zj_setid_emit(void *ctx, struct zj_scratch *s, __u32 flags, __u32 mode, __u32 w,
					  __u64 dev, __u64 ino)
{
	struct zj_rec_file *r = (struct zj_rec_file *)s->rec;
	__u32 size, len = (w - 1) & ZJ_PMASK;

	s->rec[sizeof(struct zj_rec_file) + len + 1] = 0; /* empty path2 */
	size = sizeof(struct zj_rec_file) + len + 2;
	zj_fill_hdr(&r->hdr, ZJ_REC_SETID, size);
	r->hdr.flags = flags;
	r->op = ZJ_FOP_CHMOD;
	r->mode = mode;
	r->path_len = len;
	r->dev = dev;
	r->ino = ino;
	zj_output(ctx, s->rec, size, ZJ_REC_SETID, 0);
}

struct zj_setid_args {
	__u64 upath;
	__s32 dirfd;
	__u32 mode;
	__u32 flags; /* ZJ_F_KILLED when the fallback killed the caller at entry */
	__u32 _pad;
};

/* Path-taking calls asking for a set-id bit, held from entry to exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct zj_setid_args);
} zj_setid_held SEC(".maps");

/*
 * Entry: only the arguments are kept (and the fallback's kill decided, which needs the mode
 * alone).  The path is read at exit, where the kernel's own copy has faulted its page in -- a
 * string in a page the process never touched cannot be read by BPF at entry -- and where the
 * result and an LSM denial are known.
 */
static __always_inline void zj_setid_enter(int dirfd, const char *upath, __u32 mode)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_setid_args a = {};

	if (!(mode & (ZJ_S_ISUID | ZJ_S_ISGID)) || zj_is_daemon())
		return;
	a.upath = (__u64)upath;
	a.dirfd = dirfd;
	a.mode = mode;
	if (mode & ZJ_S_ISUID)
		a.flags = zj_kill(ZJ_ENF_SETID);
	zj_denied_reset(tid);
	if (bpf_map_update_elem(&zj_setid_held, &tid, &a, BPF_ANY))
		zj_stat_inc(ZJ_STAT_STASH_FULL);
}

static __always_inline void zj_setid_exit(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_setid_args *ap = bpf_map_lookup_elem(&zj_setid_held, &tid);
	struct zj_pathres pr = {};
	struct zj_setid_args a;
	struct zj_scratch *s;
	__u32 w, flags;

	if (!ap)
		return;
	a = *ap;
	bpf_map_delete_elem(&zj_setid_held, &tid);
	flags = a.flags | zj_denied_take(tid);
	s = zj_scratch();
	if (!s)
		return;
	if (zj_upath_resolve(s, a.dirfd, (const char *)a.upath, 1, &pr) < 0) {
		zj_stat_inc(ZJ_STAT_READ_FAIL);
		return;
	}
	__builtin_memset(s->rec, 0, sizeof(struct zj_rec_file));
	w = zj_rec_put_path(s, 0, pr.off, pr.len);
	flags |= pr.flags & (ZJ_F_RESOLVE | ZJ_F_TRUNC_PATH);
	zj_setid_emit(ctx, s, flags, a.mode, w, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_chmod")
int zj_setid_exit_chmod(struct trace_event_raw_sys_exit *ctx)
{
	zj_setid_exit(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fchmodat")
int zj_setid_exit_fchmodat(struct trace_event_raw_sys_exit *ctx)
{
	zj_setid_exit(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fchmodat2")
int zj_setid_exit_fchmodat2(struct trace_event_raw_sys_exit *ctx)
{
	zj_setid_exit(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int zj_setid_chmod(struct trace_event_raw_sys_enter *ctx)
{
	zj_setid_enter(ZJ_AT_FDCWD, (const char *)ctx->args[0], (__u32)ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int zj_setid_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	zj_setid_enter((int)ctx->args[0], (const char *)ctx->args[1], (__u32)ctx->args[2]);
	return 0;
}

/* fchmodat2 exists from v6.6; the daemon does not load this where the tracepoint is absent. */
SEC("tracepoint/syscalls/sys_enter_fchmodat2")
int zj_setid_fchmodat2(struct trace_event_raw_sys_enter *ctx)
{
	zj_setid_enter((int)ctx->args[0], (const char *)ctx->args[1], (__u32)ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmod")
int zj_setid_fchmod(struct trace_event_raw_sys_enter *ctx)
{
	__u32 mode = (__u32)ctx->args[1], flags = 0, len = 0, trunc = 0, off, w, imode;
	struct zj_scratch *s;
	struct inode *ino;
	struct file *f;

	if (!(mode & (ZJ_S_ISUID | ZJ_S_ISGID)) || zj_is_daemon())
		return 0;
	f = zj_fd_file((int)ctx->args[0]);
	if (!f)
		return 0;
	s = zj_scratch();
	if (!s)
		return 0;
	ino = BPF_CORE_READ(f, f_inode);
	imode = BPF_CORE_READ(ino, i_mode);
	if ((imode & ZJ_S_IFMT) != ZJ_S_IFREG)
		flags |= ZJ_F_NOT_REG;
	else if (!(mode & (ZJ_S_ISUID | ZJ_S_ISGID) & ~imode))
		flags |= ZJ_F_SETID_HAD;
	off = zj_dentry_path(s, BPF_CORE_READ(f, f_path.mnt), BPF_CORE_READ(f, f_path.dentry), &len,
			     &trunc);
	__builtin_memset(s->rec, 0, sizeof(struct zj_rec_file));
	w = zj_rec_put_path(s, 0, off, len);
	if (trunc)
		flags |= ZJ_F_TRUNC_PATH;
	if (!(flags & (ZJ_F_NOT_REG | ZJ_F_SETID_HAD)))
		flags |= zj_kill(ZJ_ENF_SETID);
	zj_setid_emit(ctx, s, flags, mode, w, BPF_CORE_READ(ino, i_sb, s_dev), BPF_CORE_READ(ino, i_ino));
	return 0;
}
