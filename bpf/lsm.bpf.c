// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enforcement: BPF LSM programs that deny, with -EPERM, the operations of the sub-techniques
 * the policy sets to block (zj_enforce, filled by zhijiad), unless an exception lets the actor
 * through (zj_exceptions).  Every denial sends a ZJ_REC_DENY record and marks the thread in
 * zj_denied_bits, so that the syscall-exit record of the same call says ZJ_F_BLOCKED.
 *
 *   ptrace_access_check  T1055.008: ptrace(2) ATTACH/SEIZE and process_vm_writev(2), told apart
 *                        from the hook's other callers by the syscall in progress
 *   file_open            T1055.009: another process's /proc/<pid>/mem opened for writing;
 *                        T1053.*, T1543.002, T1574.006: a watched file opened for writing
 *   file_mprotect        T1055.014: mprotect of the caller's vDSO or vvar
 *   inode_create, inode_rename, inode_link, inode_symlink
 *                        T1053.*, T1543.002, T1574.006: a name created, renamed or linked onto
 *                        under a watched persistence path
 *
 * Never denied: PID 1, kernel threads, zhijiad itself.  These programs are loaded only where
 * BPF LSM is active ("bpf" in lsm=); zhijiad proves at start that each hook really denies
 * (ZJ_CFG_CANARY_TGID: its canary child is denied by every class, silently).
 *
 * Missing map entries, and what they mean here (each fails open or closed, and says why):
 *  - zj_config, zj_enforce: array maps always hold every index; a zero means "not set", and
 *    a class the daemon has not set to block is not denied (fails open): enforcement is what
 *    the policy asked for, never more.
 *  - zj_exceptions: an entry that cannot be read lets no one through (fails closed): an
 *    exception is a carve-out from a block the administrator asked for.
 *  - the watched-path maps: a path not in them is not watched and not denied (fails open):
 *    only what the watch configuration names is persistence.
 *  - the scratch map (record building): the operation is denied all the same; the record
 *    goes without its path.
 */
#include "path.bpf.h"

#define ZJ_EPERM 1
#define ZJ_PF_KTHREAD 0x00200000   /* task_struct.flags: a kernel thread */
#define ZJ_PTRACE_MODE_ATTACH 0x02 /* ptrace_may_access(): attach, not read */

#define ZJ_ALLOW 0
#define ZJ_DENY 1
#define ZJ_DENY_CANARY 2

/*
 * Syscall numbers told apart in ptrace_access_check.  x86_64, with the ia32 compat numbers
 * (26: msync and 348: unused in the 64-bit table, neither reaches the hook) and the x32 ones.
 * arm64 (ptrace 117, process_vm_writev 271, pt_regs.syscallno) is to come; until then no
 * syscall matches there, the hook denies nothing and the start-up canary says T1055.008 is
 * not enforced.
 */
#ifdef __TARGET_ARCH_x86
#define ZJ_NR_PTRACE 101
#define ZJ_NR_PROCESS_VM_WRITEV 311
#define ZJ_NR_IA32_PTRACE 26
#define ZJ_NR_IA32_PROCESS_VM_WRITEV 348
#define ZJ_X32_SYSCALL_BIT 0x40000000
#define ZJ_NR_X32_PTRACE 521
#define ZJ_NR_X32_PROCESS_VM_WRITEV 540
#endif

/* Missing entry: fails open (see the head of this file). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_ENF_NR);
	__type(key, __u32);
	__type(value, struct zj_enforce_val);
} zj_enforce SEC(".maps");

/* Unreadable entry: fails closed (see the head of this file). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_KEXC_MAX);
	__type(key, __u32);
	__type(value, struct zj_kexc);
} zj_exceptions SEC(".maps");

/* What a denial reports. */
struct zj_denial {
	struct dentry *dentry; /* file classes: the name denied; NULL otherwise */
	__u32 klass;
	__u32 hook;
	__u32 op;
	__u32 target; /* global tgid of the target process, or 0 */
	__u32 flags;  /* ZJ_F_* besides ZJ_F_BLOCKED */
	__u32 level;  /* zj_wmatch.level: components of the path below the watched directory */
	__u32 watch_id;
	__u32 _pad;
};

/* PID 1, kernel threads and zhijiad are never denied. */
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

/* ZJ_ALLOW, ZJ_DENY, or ZJ_DENY_CANARY for zhijiad's start-up canary. */
static __always_inline int zj_decide(__u32 klass)
{
	__u64 canary = zj_cfg(ZJ_CFG_CANARY_TGID);
	struct zj_enforce_val *v;
	__u32 k = klass;

	if (canary && (bpf_get_current_pid_tgid() >> 32) == canary)
		return ZJ_DENY_CANARY;
	if (klass >= ZJ_ENF_NR)
		return ZJ_ALLOW; /* ZJ_ENF_NONE, ZJ_ENF_CANARY: observed only */
	v = bpf_map_lookup_elem(&zj_enforce, &k);
	if (!v || !v->block)
		return ZJ_ALLOW; /* fails open */
	if (zj_excepted(klass))
		return ZJ_ALLOW;
	return ZJ_DENY;
}

/*
 * The path of dentry d relative to the watched directory `level` (1..4) levels up ("name",
 * "unit.d/name"), written after the record header in s->rec.  Returns its length.  The inode
 * hooks have no vfsmount, so an absolute path cannot be built here; zhijiad prepends the
 * watch entry's directory.
 */
static __always_inline __u64 zj_deny_relpath(struct zj_scratch *s, struct dentry *d0, __u32 level,
					     __u32 *trunc)
{
	const __u64 base = sizeof(struct zj_rec_deny);
	__u64 off = 0;
	__u32 j, k;

	for (j = 4; j > 0; j--) {
		struct dentry *d = d0;
		long n;

		if (j > level)
			continue;
		/* component j from the bottom: j - 1 steps above d0 */
		for (k = 1; k < 4; k++)
			if (k < j)
				d = BPF_CORE_READ(d, d_parent);
		if (off > ZJ_DENY_PATH_MAX - 1) {
			*trunc = 1;
			break;
		}
		off &= ZJ_DENY_PATH_MAX - 1;
		n = bpf_probe_read_kernel_str(&s->rec[base + off], ZJ_NAME_MAX,
					      BPF_CORE_READ(d, d_name.name));
		if (n <= 0 || n > ZJ_NAME_MAX) {
			zj_stat_inc(ZJ_STAT_READ_FAIL);
			n = 1;
		}
		off += (__u64)n - 1;
		if (j > 1) {
			off &= 2 * ZJ_DENY_PATH_MAX - 1;
			s->rec[base + off] = '/';
			off++;
		}
	}
	if (off > ZJ_DENY_PATH_MAX - 1) {
		off = ZJ_DENY_PATH_MAX - 1;
		*trunc = 1;
	}
	barrier_var(off);
	s->rec[base + off] = 0;
	return off;
}

/* Send the ZJ_REC_DENY record, built in the scratch map (sent at its exact size). */
static __always_inline void zj_deny_emit(const struct zj_denial *dn)
{
	struct zj_scratch *s = zj_scratch();
	struct zj_rec_deny *r;
	__u32 trunc = 0;
	__u64 len = 0, size;

	if (!s) {
		zj_stat_inc(ZJ_STAT_LOST); /* denied all the same; the record is lost */
		return;
	}
	r = (struct zj_rec_deny *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	if (dn->dentry)
		len = zj_deny_relpath(s, dn->dentry, dn->level, &trunc);
	else
		s->rec[sizeof(*r)] = 0;
	if (len > ZJ_DENY_PATH_MAX - 1)
		len = ZJ_DENY_PATH_MAX - 1;
	size = sizeof(*r) + len + 1;
	zj_fill_hdr(&r->hdr, ZJ_REC_DENY, (__u32)size);
	r->hdr.flags = dn->flags | ZJ_F_BLOCKED | (trunc ? ZJ_F_TRUNC_PATH : 0);
	r->klass = dn->klass;
	r->hook = dn->hook;
	r->op = dn->op;
	r->target_pid = dn->target;
	r->watch_id = dn->watch_id;
	barrier_var(size);
	zj_output(s->rec, (__u32)size, ZJ_REC_DENY, 0);
}

/* Deny: count, mark the thread for its syscall-exit record, report (not the canary). */
static __always_inline int zj_deny(int verdict, const struct zj_denial *dn)
{
	zj_stat_inc(ZJ_STAT_DENIED);
	if (verdict == ZJ_DENY_CANARY) {
		zj_stat_inc(ZJ_STAT_CANARY);
		return -ZJ_EPERM;
	}
	zj_bit_set(&zj_denied_bits, (__u32)bpf_get_current_pid_tgid());
	zj_deny_emit(dn);
	return -ZJ_EPERM;
}

/* ---- T1055.008: ptrace attach, process_vm_writev ----------------------------------------- */

/* ZJ_DOP_* of the syscall in progress, 0 for any other caller of the hook. */
static __always_inline __u32 zj_ptrace_op(void)
{
#ifdef __TARGET_ARCH_x86
	struct task_struct *t = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	__u64 nr = BPF_CORE_READ(regs, orig_ax);

	if (nr == ZJ_NR_PTRACE || nr == ZJ_NR_IA32_PTRACE)
		return ZJ_DOP_PTRACE_ATTACH;
	if (nr == ZJ_NR_PROCESS_VM_WRITEV || nr == ZJ_NR_IA32_PROCESS_VM_WRITEV)
		return ZJ_DOP_VM_WRITEV;
	if (nr == (ZJ_X32_SYSCALL_BIT | ZJ_NR_X32_PTRACE))
		return ZJ_DOP_PTRACE_ATTACH;
	if (nr == (ZJ_X32_SYSCALL_BIT | ZJ_NR_X32_PROCESS_VM_WRITEV))
		return ZJ_DOP_VM_WRITEV;
#endif
	return 0;
}

/*
 * The gate ptrace attach, process_vm_writev and /proc/<pid>/mem opens pass through (and
 * /proc reads, process_vm_readv, pidfd_getfd, kcmp, ...).  Only attach-mode checks during
 * ptrace(2) and process_vm_writev(2) are decided here: during open(2) the hook cannot tell a
 * read from a write, so a mem file is left to file_open, which sees the access mode.  The
 * kernel does not call the hook for a thread of the caller's own group.
 */
SEC("lsm/ptrace_access_check")
int BPF_PROG(zj_lsm_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct zj_denial dn = {};
	int verdict;

	if (ret)
		return ret; /* an earlier program refused already */
	if (!(mode & ZJ_PTRACE_MODE_ATTACH))
		return 0;
	dn.op = zj_ptrace_op();
	if (!dn.op || zj_exempt())
		return 0;
	verdict = zj_decide(ZJ_ENF_PTRACE);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.klass = ZJ_ENF_PTRACE;
	dn.hook = ZJ_HOOK_PTRACE_ACCESS_CHECK;
	dn.target = BPF_CORE_READ(child, tgid);
	return zj_deny(verdict, &dn);
}

/* ---- file classes ------------------------------------------------------------------------ */

/* Does the name of dentry d end in suf (n bytes, n <= 12)? */
static __always_inline int zj_name_ends(struct dentry *d, const char *suf, __u32 n)
{
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	__u32 len = BPF_CORE_READ(d, d_name.len);
	char buf[12] = {};
	__u32 i;

	if (len < n || n > sizeof(buf))
		return 0;
	if (bpf_probe_read_kernel(buf, n & 15, name + len - n))
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
	if (m->klass == ZJ_ENF_CANARY || (m->klass >= ZJ_ENF_AT && m->klass <= ZJ_ENF_PRELOAD))
		return m->klass;
	return ZJ_ENF_NONE;
}

/* A name created, opened for writing, renamed or linked onto: watched, and to be denied? */
static __always_inline int zj_file_hook(struct dentry *d, __u32 hook, __u32 op)
{
	struct zj_wmatch m = {};
	struct zj_denial dn = {};
	int verdict;

	if (!d || zj_exempt())
		return 0;
	if (!zj_watch_match_dir(BPF_CORE_READ(d, d_parent),
				(const char *)BPF_CORE_READ(d, d_name.name), &m))
		return 0; /* not watched: fails open */
	dn.klass = zj_file_klass(&m, d);
	verdict = zj_decide(dn.klass);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.dentry = d;
	dn.hook = hook;
	dn.op = op;
	dn.level = m.level;
	dn.watch_id = m.id;
	return zj_deny(verdict, &dn);
}

/* The global tgid of the process a /proc/<pid>/mem or .../task/<tid>/mem file belongs to. */
static __always_inline __u32 zj_proc_file_tgid(struct file *f)
{
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	struct pid *pid;
	struct hlist_node *first;
	struct task_struct *t;

	pid = BPF_CORE_READ(
		(struct proc_inode *)((void *)ino -
				      bpf_core_field_offset(struct proc_inode, vfs_inode)),
		pid);
	first = BPF_CORE_READ(pid, tasks[0].first); /* PIDTYPE_PID */
	if (!first)
		return BPF_CORE_READ(pid, numbers[0].nr); /* gone: the open fails anyway */
	t = (struct task_struct *)((void *)first -
				   bpf_core_field_offset(struct task_struct, pid_links));
	return BPF_CORE_READ(t, tgid);
}

/*
 * Opens for writing: another process's /proc/<pid>/mem (T1055.009), or a watched file.  Runs
 * before the file system's open (proc_mem_open()), on every open of the system: an open
 * without FMODE_WRITE returns at the first test.  One's own mem file is let through: writing
 * one's own memory is not injection (JITs, checkpointing tools do it).
 */
SEC("lsm/file_open")
int BPF_PROG(zj_lsm_file_open, struct file *file, int ret)
{
	struct zj_denial dn = {};
	__u32 target = 0, flags = 0;
	int verdict;

	if (ret)
		return ret;
	if (!(BPF_CORE_READ(file, f_mode) & ZJ_FMODE_WRITE))
		return 0;
	if (!zj_file_is_proc_mem(file, &target, &flags))
		return zj_file_hook(BPF_CORE_READ(file, f_path.dentry), ZJ_HOOK_FILE_OPEN,
				    ZJ_DOP_OPEN_WRITE);
	dn.target = zj_proc_file_tgid(file);
	if (dn.target == (bpf_get_current_pid_tgid() >> 32) || zj_exempt())
		return 0;
	verdict = zj_decide(ZJ_ENF_PROC_MEM);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.klass = ZJ_ENF_PROC_MEM;
	dn.hook = ZJ_HOOK_FILE_OPEN;
	dn.op = ZJ_DOP_MEM_OPEN;
	dn.flags = flags & ZJ_F_THREAD_TARGET;
	return zj_deny(verdict, &dn);
}

/*
 * mprotect of the caller's vDSO text or of the vvar pages right below it (x86 maps vvar so
 * that it ends where the text starts): T1055.014.  mprotect acts on the caller's own mm only.
 */
SEC("lsm/file_mprotect")
int BPF_PROG(zj_lsm_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct zj_denial dn = {};
	__u64 vdso, start, end;
	int verdict;

	if (ret)
		return ret;
	vdso = (__u64)BPF_CORE_READ(vma, vm_mm, context.vdso);
	if (!vdso)
		return 0;
	start = BPF_CORE_READ(vma, vm_start);
	end = BPF_CORE_READ(vma, vm_end);
	if (start != vdso && end != vdso)
		return 0;
	if (zj_exempt())
		return 0;
	verdict = zj_decide(ZJ_ENF_VDSO);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.klass = ZJ_ENF_VDSO;
	dn.hook = ZJ_HOOK_FILE_MPROTECT;
	dn.op = ZJ_DOP_MPROTECT;
	dn.flags = ZJ_F_SELF | ZJ_F_VDSO;
	return zj_deny(verdict, &dn);
}

SEC("lsm/inode_create")
int BPF_PROG(zj_lsm_inode_create, struct inode *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return zj_file_hook(dentry, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE);
}

/* Onto new_dentry (RENAME_EXCHANGE: the kernel calls the hook for both directions). */
SEC("lsm/inode_rename")
int BPF_PROG(zj_lsm_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return zj_file_hook(new_dentry, ZJ_HOOK_INODE_RENAME, ZJ_DOP_RENAME);
}

SEC("lsm/inode_link")
int BPF_PROG(zj_lsm_inode_link, struct dentry *old_dentry, struct inode *dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return zj_file_hook(new_dentry, ZJ_HOOK_INODE_LINK, ZJ_DOP_LINK);
}

/* A symlink is a creation too: `systemctl enable` plants units as links in .wants/. */
SEC("lsm/inode_symlink")
int BPF_PROG(zj_lsm_inode_symlink, struct inode *dir, struct dentry *dentry, const char *old_name,
	     int ret)
{
	if (ret)
		return ret;
	return zj_file_hook(dentry, ZJ_HOOK_INODE_SYMLINK, ZJ_DOP_SYMLINK);
}
