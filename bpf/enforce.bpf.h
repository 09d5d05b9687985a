/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the enforcing programs share: the policy as the daemon mirrors it (zj_enforce,
 * zj_exceptions), who is never stopped, the class of a watched name, and the fallback that
 * stops an actor with SIGKILL where no proved BPF LSM hook denies its class.
 *
 * Missing map entries, and what they mean (each fails open or closed, and says why):
 *  - zj_config, zj_enforce: array maps always hold every index; a zero means "not set", and
 *    a class the daemon has not set to block is neither denied nor killed (fails open):
 *    enforcement is what the policy asked for, never more.
 *  - zj_exceptions: an entry that cannot be read lets no one through (fails closed): an
 *    exception is a carve-out from a block the administrator asked for.
 *  - zj_self_ids: an object not in it is not zhijiad's (fails open): other tools' BPF
 *    objects are none of zhijia's business.
 */
#ifndef ZHIJIA_ENFORCE_BPF_H
#define ZHIJIA_ENFORCE_BPF_H

#include "path.bpf.h"

#define ZJ_PF_KTHREAD 0x00200000 /* task_struct.flags: a kernel thread */
#define ZJ_SIGKILL 9
#define ZJ_USER_HZ_NS 10000000ull /* /proc/<pid>/stat starttime unit (USER_HZ 100) */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_ENF_NR);
	__type(key, __u32);
	__type(value, struct zj_enforce_val);
} zj_enforce SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_KEXC_MAX);
	__type(key, __u32);
	__type(value, struct zj_kexc);
} zj_exceptions SEC(".maps") __weak;

/* zhijiad's own maps, programs and links: ZJ_SELF_KEY(kind, id) -> 1 (self-protection). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZJ_SELF_MAX);
	__type(key, __u64);
	__type(value, __u32);
} zj_self_ids SEC(".maps") __weak;

/* PID 1, kernel threads and zhijiad are never denied nor killed. */
static __always_inline int zj_exempt(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid == 1) /* the init namespace's PID 1: a container's init is not exempt */
		return 1;
	if (BPF_CORE_READ(t, flags) & ZJ_PF_KTHREAD)
		return 1;
	return tgid == zj_cfg(ZJ_CFG_DAEMON_TGID);
}

/* Who is asking, for the exception check (bpf_loop's context, on the caller's stack). */
struct zj_excq {
	__u64 exe_dev, exe_ino;
	__u64 par_dev, par_ino;
	__u32 uid;
	__u32 bit; /* 1 << klass */
	__u32 found;
	__u32 unreadable;
};

static __always_inline void zj_file_id(struct inode *ino, __u64 *ret_dev, __u64 *ret_ino)
{
	if (!ino)
		return;
	*ret_dev = BPF_CORE_READ(ino, i_sb, s_dev);
	*ret_ino = BPF_CORE_READ(ino, i_ino);
}

/* One exception per step: bpf_loop() has the verifier check it once, not 64 times. */
static long zj_exc_step(__u32 i, void *ctx)
{
	struct zj_excq *q = ctx;
	struct zj_kexc *e;
	__u32 key = i;

	e = bpf_map_lookup_elem(&zj_exceptions, &key);
	if (!e) {
		q->unreadable = 1; /* fails closed */
		return 1;
	}
	if (!(e->klass_mask & q->bit))
		return 0;
	if (e->uid != ZJ_KEXC_ANY_UID && e->uid != q->uid)
		return 0;
	if (e->exe_ino && (e->exe_ino != q->exe_ino || e->exe_dev != q->exe_dev))
		return 0;
	if (e->parent_ino && (e->parent_ino != q->par_ino || e->parent_dev != q->par_dev))
		return 0;
	q->found = 1;
	return 1;
}

/* Does an exception let the current task through for this class? */
static __always_inline int zj_excepted(__u32 klass)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct zj_excq q = {};

	zj_file_id(BPF_CORE_READ(t, mm, exe_file, f_inode), &q.exe_dev, &q.exe_ino);
	zj_file_id(BPF_CORE_READ(t, real_parent, mm, exe_file, f_inode), &q.par_dev, &q.par_ino);
	q.uid = (__u32)bpf_get_current_uid_gid();
	q.bit = 1u << (klass & 31);
	bpf_loop(ZJ_KEXC_MAX, zj_exc_step, &q, 0);
	return q.found && !q.unreadable;
}

/* Does the name of dentry d end in suf (n bytes, n <= 16)? */
static __always_inline int zj_name_ends(struct dentry *d, const char *suf, __u32 n)
{
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	__u32 len = BPF_CORE_READ(d, d_name.len);
	char buf[16] = {};
	__u32 i;

	if (len < n || n > sizeof(buf))
		return 0;
	if (bpf_probe_read_kernel(buf, n & 31, name + len - n))
		return 0;
	for (i = 0; i < sizeof(buf); i++)
		if (i < n && buf[i] != suf[i])
			return 0;
	return 1;
}

/*
 * The class of a watched name: the watch entry's, except that in a systemd tree a timer is
 * T1053.006 -- "NAME.timer" (a unit, or a link in a .wants/ directory: the link's name is the
 * unit it pulls in) or a drop-in of a timer ("NAME.timer.d/", the type-wide "timer.d/"), as
 * the daemon's classifier (detectors/persist.c) counts them.
 */
static __always_inline __u32 zj_file_klass(const struct zj_wmatch *m, struct dentry *d)
{
	struct dentry *dir;

	if (m->klass == ZJ_ENF_SERVICE) {
		if (zj_name_ends(d, ".timer", 6))
			return ZJ_ENF_TIMER;
		dir = BPF_CORE_READ(d, d_parent);
		if (zj_name_ends(dir, ".timer.d", 8) ||
		    (BPF_CORE_READ(dir, d_name.len) == 7 && zj_name_ends(dir, "timer.d", 7)))
			return ZJ_ENF_TIMER;
		return ZJ_ENF_SERVICE;
	}
	if (m->klass == ZJ_ENF_PYSTART) {
		/* site-packages holds every module: only what the interpreter runs at start-up */
		if (zj_name_ends(d, ".pth", 4) ||
		    (BPF_CORE_READ(d, d_name.len) == 16 && zj_name_ends(d, "sitecustomize.py", 16)) ||
		    (BPF_CORE_READ(d, d_name.len) == 16 && zj_name_ends(d, "usercustomize.py", 16)))
			return ZJ_ENF_PYSTART;
		return ZJ_ENF_NONE;
	}
	if (m->klass == ZJ_ENF_CANARY ||
	    (m->klass >= ZJ_ENF_FILE_FIRST && m->klass <= ZJ_ENF_FILE_LAST))
		return m->klass;
	return ZJ_ENF_NONE;
}

/*
 * The class of a watched path a path-taking syscall names (zj_upath_resolve() decided it in
 * the kernel: pr->id != 0).  A systemd unit whose name ends in ".timer" is T1053.006; a
 * drop-in of a timer is not told apart here (the dentry hooks and the daemon do), so the
 * fallback treats it as T1543.002.
 */
static __always_inline __u32 zj_path_klass(struct zj_scratch *s, const struct zj_pathres *pr)
{
	char tail[8] = {};
	__u64 at = (__u64)pr->off + pr->len;

	if (pr->klass == ZJ_ENF_PYSTART) {
		/* "*.pth", "*customize.py" (sitecustomize.py, usercustomize.py) */
		char t[12] = {};

		if (pr->len < 4 || at < 12 || at > 2 * ZJ_PATH_MAX)
			return ZJ_ENF_NONE;
		at -= 12;
		at &= 2 * ZJ_PATH_MAX - 1;
		if (at > 2 * ZJ_PATH_MAX - 12)
			return ZJ_ENF_NONE;
		barrier_var(at);
		if (bpf_probe_read_kernel(t, 12, &s->pbuf[at]))
			return ZJ_ENF_NONE;
		if (t[8] == '.' && t[9] == 'p' && t[10] == 't' && t[11] == 'h')
			return ZJ_ENF_PYSTART;
		if (t[0] == 'c' && t[1] == 'u' && t[2] == 's' && t[3] == 't' && t[4] == 'o' &&
		    t[5] == 'm' && t[6] == 'i' && t[7] == 'z' && t[8] == 'e' && t[9] == '.' &&
		    t[10] == 'p' && t[11] == 'y')
			return ZJ_ENF_PYSTART;
		return ZJ_ENF_NONE;
	}
	if (pr->klass != ZJ_ENF_SERVICE)
		return pr->klass >= ZJ_ENF_FILE_FIRST && pr->klass <= ZJ_ENF_FILE_LAST
			       ? pr->klass
			       : ZJ_ENF_NONE;
	if (pr->len < 6 || at < 6 || at > 2 * ZJ_PATH_MAX)
		return ZJ_ENF_SERVICE;
	at -= 6;
	at &= 2 * ZJ_PATH_MAX - 1;
	if (at > 2 * ZJ_PATH_MAX - 6)
		return ZJ_ENF_SERVICE;
	barrier_var(at);
	if (bpf_probe_read_kernel(tail, 6, &s->pbuf[at]))
		return ZJ_ENF_SERVICE;
	if (tail[0] == '.' && tail[1] == 't' && tail[2] == 'i' && tail[3] == 'm' &&
	    tail[4] == 'e' && tail[5] == 'r')
		return ZJ_ENF_TIMER;
	return ZJ_ENF_SERVICE;
}

/*
 * The fallback where no proved LSM hook denies class klass (zj_enforce[klass].kill): when the
 * policy blocks it and no exception lets the actor through, send SIGKILL to the actor's whole
 * process, from the syscall's entry (or, for opens, its exit: the open has happened, but the
 * process dies before it returns to user space and can never use the file).  The syscall in
 * progress still completes -- what it leaves behind is the daemon's to quarantine -- except
 * where the kernel checks for a fatal signal first: process_vm_writev and writes to
 * /proc/<pid>/mem pin the target's pages with get_user_pages, which gives up with -EINTR
 * when SIGKILL is pending, so nothing is written.  Returns ZJ_F_KILLED or 0.
 */
/* 0 where the kernel lacks bpf_send_signal() (before 5.3): set by the daemon before load, the
 * verifier then drops the call below as dead code and the programs load; nothing is killed. */
const volatile __u32 zj_can_signal __weak = 1;

static __always_inline __u32 zj_kill(__u32 klass)
{
	__u64 canary = zj_cfg(ZJ_CFG_CANARY_TGID);
	struct zj_enforce_val *v;
	__u32 k = klass;

	if (klass >= ZJ_ENF_NR || !zj_can_signal || !zj_can_loop)
		return 0; /* no exception check without bpf_loop(): never kill blind */
	v = bpf_map_lookup_elem(&zj_enforce, &k);
	if (!v || !v->block || !v->kill)
		return 0; /* fails open */
	if (zj_exempt())
		return 0;
	if (canary && (bpf_get_current_pid_tgid() >> 32) == canary)
		return 0;
	if (zj_excepted(klass))
		return 0;
	if (bpf_send_signal(ZJ_SIGKILL)) {
		zj_stat_inc(ZJ_STAT_SIGNAL_FAIL);
		return 0;
	}
	zj_stat_inc(ZJ_STAT_KILLED);
	return ZJ_F_KILLED;
}

#define ZJ_TMPFS_MAGIC 0x01021994
#define ZJ_HUGETLBFS_MAGIC 0x958458f6

/*
 * An anonymous in-memory file (T1620): no name in any directory (i_nlink 0) on tmpfs or
 * hugetlbfs -- what memfd_create() makes, and an O_TMPFILE or unlinked file on /dev/shm.
 */
static __always_inline int zj_file_anon(struct file *f)
{
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	unsigned long magic;

	if (!ino || BPF_CORE_READ(ino, __i_nlink) != 0)
		return 0;
	magic = BPF_CORE_READ(ino, i_sb, s_magic);
	return magic == ZJ_TMPFS_MAGIC || magic == ZJ_HUGETLBFS_MAGIC;
}

#endif /* ZHIJIA_ENFORCE_BPF_H */
