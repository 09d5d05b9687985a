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
 *   kernel_read_file, kernel_load_data
 *                        T1547.006: finit_module (READING_MODULE), init_module (LOADING_MODULE)
 *   path_chmod           T1548.001: a set-id bit added to a regular file
 *   bprm_check_security  T1620: the exec of an anonymous in-memory file (memfd)
 *
 * Self-protection (ZJ_ENF_SELF, T1562.001), whatever the policy says:
 *   ptrace_access_check  attach-mode access to zhijiad: ptrace, /proc/<pid>/mem, process_vm_*
 *   task_kill            a signal that would stop or end zhijiad, except from PID 1 and from
 *                        the process that started it (its service manager, ZJ_CFG_MANAGER_*)
 *   bpf_map, bpf_prog, bpf
 *                        an fd for one of zhijiad's maps, programs or links (zj_self_ids)
 * And the exec of a file a YARA rule matched (bprm_check_security, zj_exec_deny).
 * `zhijiactl stop` asks zhijiad to stop over its control socket, which only root may use.
 *
 * Never denied: PID 1, kernel threads, zhijiad itself.  These programs are loaded only where
 * BPF LSM is active ("bpf" in lsm=); zhijiad proves at start that each hook really denies
 * (ZJ_CFG_CANARY_TGID: its canary child is denied by every class, silently).  A class whose
 * hook is not proved is enforced by the tracepoint programs' SIGKILL instead
 * (zj_enforce.kill, enforce.bpf.h); these programs then leave it alone.
 *
 * Missing map entries, and what they mean here (each fails open or closed, and says why): see
 * enforce.bpf.h for zj_config, zj_enforce, zj_exceptions and zj_self_ids;
 *  - the watched-path maps: a path not in them is not watched and not denied (fails open):
 *    only what the watch configuration names is persistence.
 *  - the scratch map (record building): the operation is denied all the same; the record
 *    goes without its path.
 */
#include "enforce.bpf.h"

#define ZJ_EPERM 1
#define ZJ_PTRACE_MODE_ATTACH 0x02 /* ptrace_may_access(): attach, not read */

#define ZJ_ALLOW 0
#define ZJ_DENY 1
#define ZJ_DENY_CANARY 2

/*
 * Syscall numbers told apart in ptrace_access_check, per target architecture.
 * x86_64, with the ia32 compat numbers (26: msync and 348: unused in the 64-bit table, neither
 * reaches the hook) and the x32 ones.  arm64 (the generic table, include/uapi/asm-generic/
 * unistd.h), with the AArch32 compat numbers (arch/arm/tools/syscall.tbl: 26 is inotify_init1
 * and 377 is unused in the 64-bit table, neither reaches the hook).
 */
#if defined(__TARGET_ARCH_x86)
#define ZJ_NR_PTRACE 101
#define ZJ_NR_PROCESS_VM_WRITEV 311
#define ZJ_NR_COMPAT_PTRACE 26
#define ZJ_NR_COMPAT_PROCESS_VM_WRITEV 348
#define ZJ_X32_SYSCALL_BIT 0x40000000
#define ZJ_NR_X32_PTRACE 521
#define ZJ_NR_X32_PROCESS_VM_WRITEV 540
#elif defined(__TARGET_ARCH_arm64)
#define ZJ_NR_PTRACE 117
#define ZJ_NR_PROCESS_VM_WRITEV 271
#define ZJ_NR_COMPAT_PTRACE 26
#define ZJ_NR_COMPAT_PROCESS_VM_WRITEV 377
#else
#error "zhijia's BPF programs know the syscall numbers of x86 and arm64 only"
#endif

/* Executables on the deny list (YARA): missing entry = not denied (fails open). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZJ_EXEC_DENY_MAX);
	__type(key, struct zj_watch_key);
	__type(value, __u32);
} zj_exec_deny SEC(".maps");

/* What a denial reports. */
struct zj_denial {
	struct dentry *dentry; /* file classes: the name denied; NULL otherwise */
	const char *kstr;      /* ZJ_ENF_VERDICT: a kernel string for the path; NULL otherwise */
	__u32 klass;
	__u32 hook;
	__u32 op;
	__u32 target; /* global tgid of the target process, or 0 */
	__u32 flags;  /* ZJ_F_* besides ZJ_F_BLOCKED */
	__u32 level;  /* zj_wmatch.level: components of the path below the watched directory */
	__u32 watch_id;
	__u32 arg; /* zj_rec_deny.arg */
};

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
	if (!v || !v->block || v->kill)
		return ZJ_ALLOW; /* fails open; or the fallback's (zj_kill) */
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
static __always_inline void zj_deny_emit(void *ctx, const struct zj_denial *dn)
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
	if (dn->dentry) {
		len = zj_deny_relpath(s, dn->dentry, dn->level, &trunc);
	} else if (dn->kstr) {
		long n = bpf_probe_read_kernel_str(&s->rec[sizeof(*r)], ZJ_DENY_PATH_MAX, dn->kstr);

		if (n <= 0) {
			s->rec[sizeof(*r)] = 0;
		} else {
			len = (__u64)n - 1;
			trunc = n == ZJ_DENY_PATH_MAX;
		}
	} else {
		s->rec[sizeof(*r)] = 0;
	}
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
	r->arg = dn->arg;
	barrier_var(size);
	zj_output(ctx, s->rec, (__u32)size, ZJ_REC_DENY, 0);
}

/* Deny: count, mark the thread for its syscall-exit record, report (not the canary). */
static __always_inline int zj_deny(void *ctx, int verdict, const struct zj_denial *dn)
{
	zj_stat_inc(ZJ_STAT_DENIED);
	if (verdict == ZJ_DENY_CANARY) {
		zj_stat_inc(ZJ_STAT_CANARY);
		return -ZJ_EPERM;
	}
	zj_bit_set(&zj_denied_bits, (__u32)bpf_get_current_pid_tgid());
	zj_deny_emit(ctx, dn);
	return -ZJ_EPERM;
}

/* ---- self-protection --------------------------------------------------------------------- */

/* Is tgid zhijiad's (and not zhijiad asking)? */
static __always_inline int zj_is_self(__u32 tgid)
{
	__u64 self = zj_cfg(ZJ_CFG_DAEMON_TGID);

	return self && tgid == self && !zj_exempt();
}

/* Deny an operation on zhijiad itself; the record names zhijiad as the target. */
static __always_inline int zj_self_deny(void *ctx, __u32 hook, __u32 op, __u32 arg)
{
	struct zj_denial dn = {};

	dn.klass = ZJ_ENF_SELF;
	dn.hook = hook;
	dn.op = op;
	dn.arg = arg;
	dn.target = (__u32)zj_cfg(ZJ_CFG_DAEMON_TGID);
	return zj_deny(ctx, ZJ_DENY, &dn);
}

/* The process that started zhijiad (its service manager), by tgid and start time. */
static __always_inline int zj_is_manager(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 tgid = zj_cfg(ZJ_CFG_MANAGER_TGID), start = zj_cfg(ZJ_CFG_MANAGER_START);
	__u64 ns;

	if (!tgid || (bpf_get_current_pid_tgid() >> 32) != tgid)
		return 0;
	ns = BPF_CORE_READ(t, group_leader, start_boottime);
	return ns / ZJ_USER_HZ_NS == start;
}

/* Signals that cannot stop or end zhijiad: 0 (is it there?), SIGHUP (reload), SIGCHLD,
 * SIGCONT, SIGURG, SIGWINCH.  Every other one would, by default or by design. */
static __always_inline int zj_signal_harmless(int sig)
{
	return sig == 0 || sig == 1 || sig == 17 || sig == 18 || sig == 23 || sig == 28;
}

SEC("lsm/task_kill")
int BPF_PROG(zj_lsm_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	if (zj_signal_harmless(sig) || !zj_is_self(BPF_CORE_READ(p, tgid)) || zj_is_manager())
		return 0;
	return zj_self_deny(ctx, ZJ_HOOK_TASK_KILL, ZJ_DOP_SELF_SIGNAL, (__u32)sig);
}

static __always_inline int zj_self_object(__u32 kind, __u32 id)
{
	__u64 key = ZJ_SELF_KEY(kind, id);

	return id && bpf_map_lookup_elem(&zj_self_ids, &key) && !zj_exempt();
}

/* An fd for a map: BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET of a pin, and map creation. */
SEC("lsm/bpf_map")
int BPF_PROG(zj_lsm_bpf_map, struct bpf_map *map, unsigned int fmode, int ret)
{
	__u32 id;

	if (ret)
		return ret;
	id = BPF_CORE_READ(map, id);
	if (!zj_self_object(ZJ_SELF_MAP, id))
		return 0;
	return zj_self_deny(ctx, ZJ_HOOK_BPF_MAP, ZJ_DOP_SELF_BPF, id);
}

/* An fd for a program: BPF_PROG_GET_FD_BY_ID, BPF_OBJ_GET, and program load. */
SEC("lsm/bpf_prog")
int BPF_PROG(zj_lsm_bpf_prog, struct bpf_prog *prog, int ret)
{
	__u32 id;

	if (ret)
		return ret;
	id = BPF_CORE_READ(prog, aux, id);
	if (!zj_self_object(ZJ_SELF_PROG, id))
		return 0;
	return zj_self_deny(ctx, ZJ_HOOK_BPF_PROG, ZJ_DOP_SELF_BPF, id);
}

/*
 * Links have no hook of their own: BPF_LINK_GET_FD_BY_ID is refused at the bpf(2) gate.  The
 * hook gained a fourth argument (bool kernel) after 6.1, so the earlier programs' verdict,
 * which follows the arguments, is not read here: an -EPERM is only ever added.
 */
#define ZJ_BPF_LINK_GET_FD_BY_ID 30
SEC("lsm/bpf")
int BPF_PROG(zj_lsm_bpf, int cmd, union bpf_attr *attr)
{
	__u32 id;

	if (cmd != ZJ_BPF_LINK_GET_FD_BY_ID)
		return 0;
	id = BPF_CORE_READ(attr, link_id);
	if (!zj_self_object(ZJ_SELF_LINK, id))
		return 0;
	return zj_self_deny(ctx, ZJ_HOOK_BPF, ZJ_DOP_SELF_BPF, id);
}

/* ---- YARA verdicts: exec of a black binary ------------------------------------------------ */

/*
 * The exec of a file on zj_exec_deny (a YARA match zhijiad found in an earlier exec or a scan),
 * by inode: a copy under another name is denied as long as it is the same file; a new copy is
 * scanned afresh.  PID 1, kernel threads and zhijiad are never denied.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(zj_lsm_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct zj_watch_key k = {};
	struct zj_denial dn = {};
	struct file *f;
	int verdict;

	if (ret)
		return ret;
	f = BPF_CORE_READ(bprm, file);
	if (!f)
		return 0;
	k.dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	k.ino = BPF_CORE_READ(f, f_inode, i_ino);
	if (bpf_map_lookup_elem(&zj_exec_deny, &k) && !zj_exempt()) {
		dn.klass = ZJ_ENF_VERDICT;
		dn.hook = ZJ_HOOK_BPRM_CHECK;
		dn.op = ZJ_DOP_EXEC;
		dn.kstr = BPF_CORE_READ(bprm, filename);
		return zj_deny(ctx, ZJ_DENY, &dn);
	}
	/* T1620: the exec of an anonymous in-memory file (memfd_create, O_TMPFILE on tmpfs) */
	if (!zj_file_anon(f) || zj_exempt())
		return 0;
	verdict = zj_decide(ZJ_ENF_REFLECT);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.klass = ZJ_ENF_REFLECT;
	dn.hook = ZJ_HOOK_BPRM_CHECK;
	dn.op = ZJ_DOP_ANON_EXEC;
	dn.kstr = BPF_CORE_READ(bprm, filename);
	return zj_deny(ctx, verdict, &dn);
}

/* ---- T1547.006: kernel modules ------------------------------------------------------------ */

/*
 * finit_module(2): the module file is read through kernel_read_file (READING_MODULE) after the
 * CAP_SYS_MODULE check and before a byte of it is parsed; the record's path is the file's name.
 * Other readers (firmware, kexec images, policies) are none of this class's business.
 */
SEC("lsm/kernel_read_file")
int BPF_PROG(zj_lsm_kernel_read_file, struct file *file, enum kernel_read_file_id id,
	     bool contents, int ret)
{
	struct zj_denial dn = {};
	int verdict;

	if (ret)
		return ret;
	if (id != READING_MODULE || zj_exempt())
		return 0;
	verdict = zj_decide(ZJ_ENF_KMOD);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.klass = ZJ_ENF_KMOD;
	dn.hook = ZJ_HOOK_KERNEL_READ_FILE;
	dn.op = ZJ_DOP_KMOD_LOAD;
	if (file)
		dn.kstr = (const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name);
	return zj_deny(ctx, verdict, &dn);
}

/* init_module(2): the image comes from the caller's memory (kernel_load_data, LOADING_MODULE). */
SEC("lsm/kernel_load_data")
int BPF_PROG(zj_lsm_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	struct zj_denial dn = {};
	int verdict;

	if (ret)
		return ret;
	if (id != LOADING_MODULE || zj_exempt())
		return 0;
	verdict = zj_decide(ZJ_ENF_KMOD);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.klass = ZJ_ENF_KMOD;
	dn.hook = ZJ_HOOK_KERNEL_LOAD_DATA;
	dn.op = ZJ_DOP_KMOD_LOAD;
	return zj_deny(ctx, verdict, &dn);
}

/* ---- T1548.001: setuid and setgid --------------------------------------------------------- */

#define ZJ_S_ISUID 04000
#define ZJ_S_ISGID 02000
#define ZJ_S_IFMT 0170000
#define ZJ_S_IFREG 0100000

/*
 * chmod, fchmod, fchmodat, fchmodat2 (chmod_common() calls the hook with the mode asked for):
 * denied when it gives a regular file a set-id bit it did not have.  A bit kept (chmod of a
 * file that has it already), removed, or put on a directory (setgid directories) goes through.
 */
SEC("lsm/path_chmod")
int BPF_PROG(zj_lsm_path_chmod, const struct path *path, umode_t mode, int ret)
{
	struct zj_denial dn = {};
	struct dentry *d;
	__u32 imode;
	int verdict;

	if (ret)
		return ret;
	if (!(mode & (ZJ_S_ISUID | ZJ_S_ISGID)))
		return 0;
	d = BPF_CORE_READ(path, dentry);
	imode = BPF_CORE_READ(d, d_inode, i_mode);
	if ((imode & ZJ_S_IFMT) != ZJ_S_IFREG || !(mode & (ZJ_S_ISUID | ZJ_S_ISGID) & ~imode))
		return 0;
	if (zj_exempt())
		return 0;
	verdict = zj_decide(ZJ_ENF_SETID);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.klass = ZJ_ENF_SETID;
	dn.hook = ZJ_HOOK_PATH_CHMOD;
	dn.op = ZJ_DOP_SETID;
	dn.arg = mode & 07777;
	dn.kstr = (const char *)BPF_CORE_READ(d, d_name.name);
	return zj_deny(ctx, verdict, &dn);
}

/* ---- T1055.008: ptrace attach, process_vm_writev ----------------------------------------- */

/* ZJ_DOP_* of the syscall in progress, 0 for any other caller of the hook. */
static __always_inline __u32 zj_ptrace_op(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
#ifdef __TARGET_ARCH_x86
	__u64 nr = BPF_CORE_READ(regs, orig_ax);
#else
	/* arm64: the number the syscall was entered with (-1 outside a syscall) */
	__u64 nr = (__u64)(__s64)BPF_CORE_READ(regs, syscallno);
#endif

	if (nr == ZJ_NR_PTRACE || nr == ZJ_NR_COMPAT_PTRACE)
		return ZJ_DOP_PTRACE_ATTACH;
	if (nr == ZJ_NR_PROCESS_VM_WRITEV || nr == ZJ_NR_COMPAT_PROCESS_VM_WRITEV)
		return ZJ_DOP_VM_WRITEV;
#ifdef __TARGET_ARCH_x86
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
	if (zj_is_self(BPF_CORE_READ(child, tgid)))
		return zj_self_deny(ctx, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_SELF_TRACE, 0);
	dn.op = zj_ptrace_op();
	if (!dn.op || zj_exempt())
		return 0;
	verdict = zj_decide(ZJ_ENF_PTRACE);
	if (verdict == ZJ_ALLOW)
		return 0;
	dn.klass = ZJ_ENF_PTRACE;
	dn.hook = ZJ_HOOK_PTRACE_ACCESS_CHECK;
	dn.target = BPF_CORE_READ(child, tgid);
	return zj_deny(ctx, verdict, &dn);
}

/* ---- file classes ------------------------------------------------------------------------ */

/* A name created, opened for writing, renamed or linked onto: watched, and to be denied? */
static __always_inline int zj_file_hook(void *ctx, struct dentry *d, __u32 hook, __u32 op)
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
	return zj_deny(ctx, verdict, &dn);
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
		return zj_file_hook(ctx, BPF_CORE_READ(file, f_path.dentry), ZJ_HOOK_FILE_OPEN,
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
	return zj_deny(ctx, verdict, &dn);
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
	return zj_deny(ctx, verdict, &dn);
}

SEC("lsm/inode_create")
int BPF_PROG(zj_lsm_inode_create, struct inode *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return zj_file_hook(ctx, dentry, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE);
}

/* Onto new_dentry (RENAME_EXCHANGE: the kernel calls the hook for both directions). */
SEC("lsm/inode_rename")
int BPF_PROG(zj_lsm_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return zj_file_hook(ctx, new_dentry, ZJ_HOOK_INODE_RENAME, ZJ_DOP_RENAME);
}

SEC("lsm/inode_link")
int BPF_PROG(zj_lsm_inode_link, struct dentry *old_dentry, struct inode *dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return zj_file_hook(ctx, new_dentry, ZJ_HOOK_INODE_LINK, ZJ_DOP_LINK);
}

/* A symlink is a creation too: `systemctl enable` plants units as links in .wants/. */
SEC("lsm/inode_symlink")
int BPF_PROG(zj_lsm_inode_symlink, struct inode *dir, struct dentry *dentry, const char *old_name,
	     int ret)
{
	if (ret)
		return ret;
	return zj_file_hook(ctx, dentry, ZJ_HOOK_INODE_SYMLINK, ZJ_DOP_SYMLINK);
}
