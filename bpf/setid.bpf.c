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
 * A path argument the entry cannot read (a string in a page the process has not touched yet:
 * BPF cannot fault it in) is read again at the syscall's exit, when the kernel's own copy has
 * brought the page in (zj_setid_retry); the fallback's kill is not possible then.
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

static __always_inline void zj_setid_emit(struct zj_scratch *s, __u32 flags, __u32 mode, __u32 w,
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
	zj_output(s->rec, size, ZJ_REC_SETID, 0);
}

struct zj_setid_args {
	__u64 upath;
	__s32 dirfd;
	__u32 mode;
};

/* Path-taking calls whose argument the entry could not read: tried again at exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct zj_setid_args);
} zj_setid_retry SEC(".maps");

static __always_inline void zj_setid_path(int dirfd, const char *upath, __u32 mode, int at_exit)
{
	struct zj_pathres pr = {};
	struct zj_scratch *s;
	__u32 w, flags;

	if (!(mode & (ZJ_S_ISUID | ZJ_S_ISGID)) || zj_is_daemon())
		return;
	s = zj_scratch();
	if (!s)
		return;
	if (zj_upath_resolve(s, dirfd, upath, 1, &pr) < 0) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct zj_setid_args a = {(__u64)upath, dirfd, mode};

		if (!at_exit)
			bpf_map_update_elem(&zj_setid_retry, &tid, &a, BPF_ANY);
		else
			zj_stat_inc(ZJ_STAT_READ_FAIL);
		return;
	}
	__builtin_memset(s->rec, 0, sizeof(struct zj_rec_file));
	w = zj_rec_put_path(s, 0, pr.off, pr.len);
	flags = pr.flags & (ZJ_F_RESOLVE | ZJ_F_TRUNC_PATH);
	if ((mode & ZJ_S_ISUID) && !at_exit)
		flags |= zj_kill(ZJ_ENF_SETID);
	zj_setid_emit(s, flags, mode, w, 0, 0);
}

static __always_inline void zj_setid_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_setid_args *a = bpf_map_lookup_elem(&zj_setid_retry, &tid);
	struct zj_setid_args c;

	if (!a)
		return;
	c = *a;
	bpf_map_delete_elem(&zj_setid_retry, &tid);
	zj_setid_path(c.dirfd, (const char *)c.upath, c.mode, 1);
}

SEC("tracepoint/syscalls/sys_exit_chmod")
int zj_setid_exit_chmod(struct trace_event_raw_sys_exit *ctx)
{
	zj_setid_exit();
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fchmodat")
int zj_setid_exit_fchmodat(struct trace_event_raw_sys_exit *ctx)
{
	zj_setid_exit();
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fchmodat2")
int zj_setid_exit_fchmodat2(struct trace_event_raw_sys_exit *ctx)
{
	zj_setid_exit();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int zj_setid_chmod(struct trace_event_raw_sys_enter *ctx)
{
	zj_setid_path(ZJ_AT_FDCWD, (const char *)ctx->args[0], (__u32)ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int zj_setid_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	zj_setid_path((int)ctx->args[0], (const char *)ctx->args[1], (__u32)ctx->args[2], 0);
	return 0;
}

/* fchmodat2 exists from v6.6; the daemon does not load this where the tracepoint is absent. */
SEC("tracepoint/syscalls/sys_enter_fchmodat2")
int zj_setid_fchmodat2(struct trace_event_raw_sys_enter *ctx)
{
	zj_setid_path((int)ctx->args[0], (const char *)ctx->args[1], (__u32)ctx->args[2], 0);
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
	zj_setid_emit(s, flags, mode, w, BPF_CORE_READ(ino, i_sb, s_dev), BPF_CORE_READ(ino, i_ino));
	return 0;
}
