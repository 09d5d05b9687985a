/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by every zhijia BPF program: the maps (declared once here, __weak so that the
 * per-concern objects linked by `bpftool gen object` merge them into one), the record header,
 * counters and the ring-buffer submit policy.  BPF code only.
 */
#ifndef ZHIJIA_COMMON_BPF_H
#define ZHIJIA_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "zhijia/bpf_abi.h"
#include "compat.bpf.h"

#ifndef NULL
#define NULL ((void *)0)
#endif

#define ZJ_AT_FDCWD -100
#define ZJ_O_WRONLY 01
#define ZJ_O_RDWR 02
#define ZJ_O_CREAT 0100
#define ZJ_O_TRUNC 01000
#define ZJ_FMODE_WRITE 0x2
#define ZJ_FMODE_CREATED 0x100000
#define ZJ_PROC_SUPER_MAGIC 0x9fa0
#define ZJ_PAGE_SIZE 4096
/*
 * [vvar] and friends sit right below the vDSO text; this many pages count as "vDSO area" for
 * the in-kernel pre-filter (and the kill fallback, enforce.bpf.h), and the text is this many
 * pages where the kernel does not say.  The daemon classifies exactly from /proc/<pid>/maps.
 *   x86: 4 vvar pages in 6.1 (8 allowed for); the text size is in mm->context.vdso_image.
 *   arm64 (arch/arm64/kernel/vdso.c): 2 vvar pages (data, time namespace; 1 before 5.7) and a
 *   text of one page, as 6.1 maps it; mm_context_t has only the text's base.  No more than
 *   that: the mmap allocator puts ordinary mappings (a library's RELRO, which every process
 *   mprotects at start-up) right below [vvar] and above the text, and those must neither
 *   leave the kernel nor be killed for.
 */
#if defined(__TARGET_ARCH_arm64)
#define ZJ_VVAR_PAGES 2
#define ZJ_VDSO_TEXT_PAGES 1
#else
#define ZJ_VVAR_PAGES 8
#define ZJ_VDSO_TEXT_PAGES 2
#endif

/*
 * Transport (daemon/sensor.c chooses it by probing, before load).  One ring buffer for every
 * record where the kernel has one (5.8+); its size is set by the daemon before load.  Where it
 * has none, a perf buffer: zj_perfbuf is 1, zj_rb is turned into a one-entry array before load
 * (a ring-buffer map cannot be created there, and the programs still name it) and every
 * ring-buffer helper call is dead code that the verifier drops, since it knows the value of
 * this frozen read-only variable.  Records are byte for byte the same on both.
 */
const volatile __u32 zj_perfbuf __weak = 0;

/*
 * 0 where the kernel lacks bpf_loop() (before 5.17), set before load like zj_perfbuf: the
 * uses that can do without it skip it (the kill fallback, whose exception check loops; the
 * tracee search; the LD_PRELOAD scan), so that the programs around them load from 5.13 on
 * (callbacks); programs that cannot do without it (path walks) are refused and dropped.
 */
const volatile __u32 zj_can_loop __weak = 1;

/*
 * 1 where the kernel has BTF of its own and bpf_get_current_task_btf() (5.11), set before
 * load: where a program asks for it (zj_fill_hdr_direct(), zj_fd_file_direct(), the vDSO
 * check) the current task's fields are read with plain loads the verifier turns into
 * fault-safe ones, instead of one bpf_probe_read_kernel() call each (~15 ns on this VM; a
 * header takes half a dozen).  0: BPF_CORE_READ, which needs only CO-RE (a BTF file will do),
 * and the branch that would not load is dropped as dead code.
 */
const volatile __u32 zj_task_btf __weak = 0;

/*
 * 1 where the BPF LSM programs are loaded (daemon/sensor.c), set before load.  Only they deny
 * a syscall (the kill fallback is known at entry), so only then does a program hold a record
 * until the syscall's exit to say whether it was denied (ZJ_F_BLOCKED): with 0 such records
 * go out at entry.
 */
const volatile __u32 zj_lsm_on __weak = 0;

/*
 * bpf_rdonly_cast() (6.2): a kernel address as a read-only pointer of a BTF type, read with
 * plain loads the verifier turns into fault-safe ones (a fault reads as 0), where each field
 * would otherwise take a bpf_probe_read_kernel() call.  The verifier replaces the call by a
 * register move.  Weak: where the kernel lacks it the reference stays unresolved, and only the
 * programs that make it -- their names end in _rc, each the twin of one without the suffix --
 * are left out (daemon/sensor.c; the probe is probe.bpf.c's zj_probe_rdonly_cast).  Needs the
 * kernel's own BTF (the type ids are the running kernel's).
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define zj_rc(type, addr) \
	((type *)bpf_rdonly_cast((const void *)(addr), bpf_core_type_id_kernel(type)))

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} zj_rb SEC(".maps") __weak;

/* One perf ring per CPU (libbpf sizes the array to the possible CPUs), read by perf_buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} zj_pb SEC(".maps") __weak;

/*
 * What zj_reserve() hands out on the perf buffer: bpf_perf_event_output() copies from memory
 * the program owns, so fixed-size records are built in this per-CPU slot and copied out by
 * zj_submit().  Tracing programs do not nest on a CPU (the kernel's recursion guard), so one
 * slot per CPU suffices.
 */
#define ZJ_SLOT_SIZE 256
struct zj_slot {
	char rec[ZJ_SLOT_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zj_slot);
} zj_slot_map SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZJ_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} zj_stats SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_CFG_NR);
	__type(key, __u32);
	__type(value, __u64);
} zj_config SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct zj_watch_key);
	__type(value, struct zj_watch_val);
} zj_watch_inodes SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct zj_watch_name_key);
	__type(value, struct zj_watch_val);
} zj_watch_names SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__type(key, struct zj_prefix_key);
	__type(value, struct zj_watch_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} zj_watch_prefix SEC(".maps") __weak;

/*
 * Bitmaps indexed by pid (PID_MAX_LIMIT is 4M = 65536 * 64 bits).  Array lookups are inlined
 * by the verifier, so testing a bit costs a few instructions: that is what keeps the write(2)
 * and open(2) hot paths cheap.
 *  - zj_memfd_bits: thread groups that opened some /proc/<pid>/mem for writing (or inherited
 *    such an fd across fork).  Only their writes are inspected.
 *  - zj_pending_bits: threads inside an open(2) with write intent, set at entry and consumed
 *    at exit, so read-only opens cost nothing at exit.
 */
#define ZJ_PID_WORDS 65536
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_PID_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} zj_memfd_bits SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_PID_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} zj_pending_bits SEC(".maps") __weak;

/* Threads whose pending open asked for O_TRUNC: the kernel clears it from f_flags. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_PID_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} zj_otrunc_bits SEC(".maps") __weak;

/*
 * Threads an LSM program denied in their current syscall (set by lsm.bpf.c, taken by the
 * syscall-exit programs so that their record says ZJ_F_BLOCKED).  Every consumer clears the
 * thread's bit at syscall entry first: a denial in a syscall without such a consumer (open)
 * must not leak into the thread's next one.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_PID_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} zj_denied_bits SEC(".maps") __weak;

/*
 * Threads with a record held from syscall entry to exit (process_vm_writev, vDSO remaps,
 * rename/link/symlink of watched paths): the exit program tests this bit before it looks in
 * a stash map, so that the common case (nothing held) costs one array lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZJ_PID_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} zj_held_bits SEC(".maps") __weak;

/* State of a dentry walk and of a path scan (path.bpf.h), kept in the scratch map. */
struct zj_walk {
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *dentry;
	__u32 off;
	__u32 trunc;
	__u32 done;
	__u32 _pad;
};

struct zj_shape {
	__u64 odd;
	__u64 slash;
};

/* State of the scan of a new image's environment for LD_PRELOAD (proc.bpf.c). */
struct zj_envscan {
	__u64 cur;
	__u64 end;
	__u64 val; /* user address of LD_PRELOAD's value */
	__u32 found;
	__u32 done;
};

/* Search of the caller's tracees for a ptrace target (ptrace.bpf.c). */
struct zj_ptfind {
	__u64 cur;  /* list node being looked at */
	__u64 head; /* &current->ptraced */
	__u64 mm;   /* the tracee's mm, once found */
	__u32 want; /* pid number in the caller's pid namespace */
	__u32 level;
	__u32 tgid; /* the tracee's global tgid, once found */
	__u32 found;
};

/* Per-CPU scratch for records that carry strings; too large for the 512-byte stack. */
struct zj_scratch {
	struct zj_walk walk;
	struct zj_shape shape;
	struct zj_envscan env;
	struct zj_ptfind ptf;
	char rec[ZJ_REC_MAX_SIZE];
	char pbuf[2 * ZJ_PATH_MAX]; /* dentry walks build paths right-aligned in the first half */
	char ubuf[ZJ_PATH_MAX];     /* a user path argument */
	struct zj_prefix_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zj_scratch);
} zj_scratch_map SEC(".maps") __weak;

/* The daemon checks this against its own ZJ_ABI_VERSION after opening the object. */
const volatile __u32 zj_abi_version __weak = ZJ_ABI_VERSION;

static __always_inline void zj_stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&zj_stats, &idx);

	if (v)
		*v += 1; /* per-CPU: no atomics needed */
}

static __always_inline __u64 zj_cfg(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&zj_config, &idx);

	return v ? *v : 0;
}

static __always_inline struct zj_scratch *zj_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&zj_scratch_map, &zero);
}

static __always_inline int zj_bit_test(void *map, __u32 id)
{
	__u32 w = (id >> 6) & (ZJ_PID_WORDS - 1);
	__u64 *v = bpf_map_lookup_elem(map, &w);

	return v ? (int)((*v >> (id & 63)) & 1) : 0;
}

static __always_inline void zj_bit_set(void *map, __u32 id)
{
	__u32 w = (id >> 6) & (ZJ_PID_WORDS - 1);
	__u64 *v = bpf_map_lookup_elem(map, &w);

	if (v && !((*v >> (id & 63)) & 1))
		__sync_fetch_and_or(v, 1ULL << (id & 63));
}

static __always_inline void zj_bit_clear(void *map, __u32 id)
{
	__u32 w = (id >> 6) & (ZJ_PID_WORDS - 1);
	__u64 *v = bpf_map_lookup_elem(map, &w);

	if (v && ((*v >> (id & 63)) & 1))
		__sync_fetch_and_and(v, ~(1ULL << (id & 63)));
}

/* Syscall entry: forget a denial of this thread's previous syscall. */
static __always_inline void zj_denied_reset(__u32 tid)
{
	zj_bit_clear(&zj_denied_bits, tid);
}

/* Syscall exit: ZJ_F_BLOCKED when an LSM program denied this syscall (and forget it). */
static __always_inline __u32 zj_denied_take(__u32 tid)
{
	if (!zj_bit_test(&zj_denied_bits, tid))
		return 0;
	zj_bit_clear(&zj_denied_bits, tid);
	return ZJ_F_BLOCKED;
}

static __always_inline int zj_is_daemon(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == zj_cfg(ZJ_CFG_DAEMON_TGID);
}

/*
 * Fill the common header for the current task.  The caller zeroed the record.  direct: with
 * plain loads where zj_task_btf allows (zj_fill_hdr_direct()).
 */
static __always_inline void zj_fill_hdr_how(struct zj_rec_hdr *h, __u16 type, __u32 size,
					    int direct)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	h->type = type;
	h->size = (__u16)size;
	h->ktime_ns = bpf_ktime_get_boot_ns();
	h->tgid = pt >> 32;
	h->tid = (__u32)pt;
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	if (direct && zj_task_btf) {
		struct task_struct *bt = bpf_get_current_task_btf();

		h->ppid = bt->real_parent->tgid;
		h->euid = bt->cred->euid.val;
		h->start_ns = zj_task_start_ns_btf(bt->group_leader);
	} else {
		h->ppid = BPF_CORE_READ(t, real_parent, tgid);
		h->euid = BPF_CORE_READ(t, cred, euid.val);
		h->start_ns = zj_task_start_ns(BPF_CORE_READ(t, group_leader));
	}
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void zj_fill_hdr(struct zj_rec_hdr *h, __u16 type, __u32 size)
{
	zj_fill_hdr_how(h, type, size, 0);
}

/*
 * The same with plain loads: for the small programs on the hottest paths only (mem.bpf.c,
 * vdso.bpf.c).  The verifier walks the kernel's BTF of the struct at each plain load and each
 * state that reaches it: inlined into the big programs (exec, rename with their path walks)
 * it made loading 4x slower (1.28 s of BPF_PROG_LOAD instead of 0.31 s, start to ready 1.3 s).
 */
static __always_inline void zj_fill_hdr_direct(struct zj_rec_hdr *h, __u16 type, __u32 size)
{
	zj_fill_hdr_how(h, type, size, 1);
}

/*
 * Wake-up policy: one forced wake-up of the daemon per ZJ_WAKE_GAP_NS at most, whatever the
 * record.  A forced wake-up queues an irq_work, i.e. an inter-processor interrupt charged to
 * the process that made the record (on a VM a trap to the hypervisor): one per record in an
 * injection storm was most of what the storm cost (87 % of the writer's samples in
 * native_write_msr).  The data itself needs no wake-up: the ring buffer's poll is
 * level-triggered on unread data, so a daemon that is awake, or about to sleep, sees it.
 *
 *  - Records that may be an attack wake the daemon at once when no forced wake-up went out in
 *    the last ZJ_WAKE_GAP_NS (an isolated injection: delivered within the daemon's scheduling
 *    latency), and while less than ZJ_CFG_WAKEUP_BYTES is queued (past it the daemon has been
 *    woken and is busy draining).
 *  - Lifecycle records (exec/fork/exit) come in storms and are not urgent: they wake the
 *    daemon only once ZJ_CFG_WAKEUP_BYTES are queued, under the same gap.
 *
 * A record that was not woken for sits at most until the daemon's next look: the daemon
 * looks again ZJ_RELOOK_MS (> ZJ_WAKE_GAP_NS) after every batch that was not empty, and a
 * forced wake-up happened at most ZJ_WAKE_GAP_NS before, so it is in that batch or the
 * next; the daemon's 10 ms poll while records flow and its 100 ms timer bound what is left
 * (a producer preempted between its decision and its commit).  Enforcement never depends on
 * this: the LSM programs and the kill fallback act in the syscall, before any record.
 *
 * One global timestamp (not per CPU): the gap is for the daemon, which is one.  Racing CPUs
 * may both wake it, which is harmless.
 */
#define ZJ_WAKE_GAP_NS 1000000ULL

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} zj_wake_ns SEC(".maps") __weak;

/*
 * rec's header has its time (CLOCK_BOOTTIME) already: that is "now" for the gap -- a clock
 * read costs ~40 ns on a VM, a fifth of a cheap record.  Another CPU may have stored a later
 * time than this record's: the difference is then negative, i.e. within the gap.
 */
static __always_inline __u64 zj_wakeup_flags(const void *rec, int bulk)
{
	__u64 avail = bpf_ringbuf_query(&zj_rb, BPF_RB_AVAIL_DATA);
	__u64 limit = zj_cfg(ZJ_CFG_WAKEUP_BYTES);
	__u64 now = ((const struct zj_rec_hdr *)rec)->ktime_ns;
	__u32 zero = 0;
	__u64 *last;

	if (bulk ? avail < limit : avail >= limit)
		return BPF_RB_NO_WAKEUP;
	last = bpf_map_lookup_elem(&zj_wake_ns, &zero);
	if (!last)
		return BPF_RB_FORCE_WAKEUP;
	if (!now)
		now = bpf_ktime_get_boot_ns();
	if ((__s64)(now - *last) < (__s64)ZJ_WAKE_GAP_NS)
		return BPF_RB_NO_WAKEUP;
	*last = now;
	return BPF_RB_FORCE_WAKEUP;
}

/*
 * Reserve a fixed-size record (the caller zeroes it and fills the header).  NULL (and counted)
 * when full.  On the perf buffer it is the per-CPU slot, and nothing can be full yet.
 */
static __always_inline void *zj_reserve(__u16 type, __u32 size)
{
	struct zj_rec_hdr *h;
	__u32 zero = 0;

	if (zj_perfbuf) {
		if (size > ZJ_SLOT_SIZE)
			return NULL; /* a record type grew: constant, folded at compile time */
		h = bpf_map_lookup_elem(&zj_slot_map, &zero);
	} else {
		h = bpf_ringbuf_reserve(&zj_rb, size, 0);
	}
	if (!h) {
		zj_stat_inc(ZJ_STAT_LOST);
		return NULL;
	}
	return h;
}

/* Send a record from zj_reserve().  ctx: the program's context, which the perf buffer needs. */
static __always_inline void zj_submit(void *ctx, void *rec, __u16 type, int bulk)
{
	__u64 size;

	if (zj_perfbuf) {
		size = ((struct zj_rec_hdr *)rec)->size;
		if (size > ZJ_SLOT_SIZE)
			size = ZJ_SLOT_SIZE;
		if (bpf_perf_event_output(ctx, &zj_pb, BPF_F_CURRENT_CPU, rec, size)) {
			zj_stat_inc(ZJ_STAT_LOST);
			return;
		}
	} else {
		bpf_ringbuf_submit(rec, zj_wakeup_flags(rec, bulk));
	}
	zj_stat_inc(ZJ_STAT_EMITTED + type);
}

/*
 * Copy a record of size bytes out to the daemon; the caller has bounded size by what rec
 * points to, in a way the verifier sees (a second clamp here, to a larger bound, loses that
 * on 6.1's verifier).
 */
static __always_inline void zj_output_n(void *ctx, void *rec, __u64 size, __u16 type, int bulk)
{
	long r;

	if (zj_perfbuf)
		r = bpf_perf_event_output(ctx, &zj_pb, BPF_F_CURRENT_CPU, rec, size);
	else
		r = bpf_ringbuf_output(&zj_rb, rec, size, zj_wakeup_flags(rec, bulk));
	if (r) {
		zj_stat_inc(ZJ_STAT_LOST);
		return;
	}
	zj_stat_inc(ZJ_STAT_EMITTED + type);
}

/* Copy a record assembled in scratch memory (or a map value) out to the daemon. */
static __always_inline void zj_output(void *ctx, void *rec, __u32 size, __u16 type, int bulk)
{
	long r;

	if (size > ZJ_REC_MAX_SIZE)
		size = ZJ_REC_MAX_SIZE;
	if (zj_perfbuf)
		r = bpf_perf_event_output(ctx, &zj_pb, BPF_F_CURRENT_CPU, rec, size);
	else
		r = bpf_ringbuf_output(&zj_rb, rec, size, zj_wakeup_flags(rec, bulk));
	if (r) {
		zj_stat_inc(ZJ_STAT_LOST);
		return;
	}
	zj_stat_inc(ZJ_STAT_EMITTED + type);
}

/* The struct file behind fd in the current task, or NULL.  direct: as zj_fill_hdr_how(). */
static __always_inline struct file *zj_fd_file_how(int fd, int direct)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;
	unsigned int max;

	if (fd < 0)
		return NULL;
	if (direct && zj_task_btf) {
		struct files_struct *files = bpf_get_current_task_btf()->files;

		if (!files)
			return NULL;
		fdt = files->fdt;
		if (!fdt || (unsigned int)fd >= fdt->max_fds)
			return NULL;
		fds = fdt->fd;
	} else {
		fdt = BPF_CORE_READ(t, files, fdt);
		if (!fdt)
			return NULL;
		max = BPF_CORE_READ(fdt, max_fds);
		if ((unsigned int)fd >= max)
			return NULL;
		fds = BPF_CORE_READ(fdt, fd);
	}
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd])) {
		zj_stat_inc(ZJ_STAT_READ_FAIL);
		return NULL;
	}
	return f;
}

static __always_inline struct file *zj_fd_file(int fd)
{
	return zj_fd_file_how(fd, 0);
}

/* The same with plain loads of the task's fd table (see zj_fill_hdr_direct()). */
static __always_inline struct file *zj_fd_file_direct(int fd)
{
	return zj_fd_file_how(fd, 1);
}

/* Is this file a procfs "mem" file?  Returns 1 and the target's pid number if so. */
static __always_inline int zj_file_is_proc_mem(struct file *f, __u32 *ret_pid, __u32 *ret_flags)
{
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	struct dentry *d;
	char name[4] = {};
	struct pid *pid;
	const unsigned char *nm;

	if (BPF_CORE_READ(ino, i_sb, s_magic) != ZJ_PROC_SUPER_MAGIC)
		return 0;
	d = BPF_CORE_READ(f, f_path.dentry);
	if (BPF_CORE_READ(d, d_name.len) != 3)
		return 0;
	nm = BPF_CORE_READ(d, d_name.name);
	if (bpf_probe_read_kernel(name, 3, nm))
		return 0;
	if (name[0] != 'm' || name[1] != 'e' || name[2] != 'm')
		return 0;
	/* proc_inode embeds the vfs inode: container_of, with the offset from the kernel's BTF. */
	pid = BPF_CORE_READ((struct proc_inode *)((void *)ino -
						  bpf_core_field_offset(struct proc_inode, vfs_inode)),
			    pid);
	*ret_pid = BPF_CORE_READ(pid, numbers[0].nr);
	/* /proc/<pid>/task/<tid>/mem: the grandparent directory is "task". */
	if (BPF_CORE_READ(d, d_parent, d_parent, d_name.len) == 4) {
		char t[4] = {};

		nm = BPF_CORE_READ(d, d_parent, d_parent, d_name.name);
		if (!bpf_probe_read_kernel(t, 4, nm) && t[0] == 't' && t[1] == 'a' && t[2] == 's' &&
		    t[3] == 'k')
			*ret_flags |= ZJ_F_THREAD_TARGET;
	}
	return 1;
}

/*
 * The same with plain loads (zj_rc(); f from zj_rc() too): 2 bpf_probe_read_kernel() calls,
 * the name bytes, where zj_file_is_proc_mem() makes 11 to 14.
 */
static __always_inline int zj_file_is_proc_mem_rc(struct file *f, __u32 *ret_pid,
						  __u32 *ret_flags)
{
	struct inode *ino = f->f_inode;
	struct dentry *d, *gp;
	struct proc_inode *pi;
	char name[4] = {};

	if (!ino || ino->i_sb->s_magic != ZJ_PROC_SUPER_MAGIC)
		return 0;
	d = f->f_path.dentry;
	if (d->d_name.len != 3 || bpf_probe_read_kernel(name, 3, d->d_name.name))
		return 0;
	if (name[0] != 'm' || name[1] != 'e' || name[2] != 'm')
		return 0;
	pi = zj_rc(struct proc_inode,
		   (unsigned long)ino - bpf_core_field_offset(struct proc_inode, vfs_inode));
	*ret_pid = pi->pid->numbers[0].nr;
	gp = d->d_parent->d_parent;
	if (gp->d_name.len == 4) {
		char t[4] = {};

		if (!bpf_probe_read_kernel(t, 4, gp->d_name.name) && t[0] == 't' && t[1] == 'a' &&
		    t[2] == 's' && t[3] == 'k')
			*ret_flags |= ZJ_F_THREAD_TARGET;
	}
	return 1;
}

/* vDSO text range of an mm: [start, end).  end is a best effort where the size is unknown. */
static __always_inline void zj_mm_vdso(struct mm_struct *mm, __u64 *ret_start, __u64 *ret_end)
{
	__u64 start = (__u64)BPF_CORE_READ(mm, context.vdso);
	__u64 size = ZJ_VDSO_TEXT_PAGES * ZJ_PAGE_SIZE;

	if (!start) {
		*ret_start = *ret_end = 0;
		return;
	}
#ifdef __TARGET_ARCH_x86
	/* x86's mm_context_t names the image; arm64's has only the base (text of 1-2 pages). */
	if (bpf_core_field_exists(mm->context.vdso_image)) {
		__u64 s = BPF_CORE_READ(mm, context.vdso_image, size);

		if (s)
			size = s;
	}
#endif
	*ret_start = start;
	*ret_end = start + size;
}

/* The same from a BTF pointer to the mm (zj_task_btf): plain loads. */
static __always_inline void zj_mm_vdso_btf(struct mm_struct *mm, __u64 *ret_start, __u64 *ret_end)
{
	__u64 start = (__u64)mm->context.vdso;
	__u64 size = ZJ_VDSO_TEXT_PAGES * ZJ_PAGE_SIZE;

	if (!start) {
		*ret_start = *ret_end = 0;
		return;
	}
#ifdef __TARGET_ARCH_x86
	if (bpf_core_field_exists(mm->context.vdso_image)) {
		const struct vdso_image *img = mm->context.vdso_image;
		__u64 s = img ? img->size : 0;

		if (s)
			size = s;
	}
#endif
	*ret_start = start;
	*ret_end = start + size;
}

/* Does [addr, addr + len) touch the vDSO area (text, or the data pages right below it)? */
static __always_inline int zj_in_vdso_area(__u64 addr, __u64 len, __u64 vstart, __u64 vend)
{
	__u64 lo;

	if (!vstart)
		return 0;
	lo = vstart - ZJ_VVAR_PAGES * ZJ_PAGE_SIZE;
	if (len == 0)
		len = 1;
	return addr < vend && addr + len > lo;
}

char LICENSE[] SEC("license") __weak = "GPL";

/*
 * The exit record, from sched_process_exit in the exiting task p (proc.bpf.c's tp_btf program,
 * or proc_tp.bpf.c's classic one where there is no kernel BTF): only for the last thread.
 */
static __always_inline void zj_emit_exit(void *ctx, struct task_struct *p)
{
	struct zj_rec_exit *r;
	__u64 pt = bpf_get_current_pid_tgid();

	zj_bit_clear(&zj_pending_bits, (__u32)pt);
	zj_bit_clear(&zj_otrunc_bits, (__u32)pt);
	/* signal->live was decremented before this tracepoint: 0 means the last thread */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return;
	zj_bit_clear(&zj_memfd_bits, pt >> 32);
	r = zj_reserve(ZJ_REC_EXIT, sizeof(*r));
	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	zj_fill_hdr(&r->hdr, ZJ_REC_EXIT, sizeof(*r));
	r->exit_code = BPF_CORE_READ(p, exit_code);
	zj_submit(ctx, r, ZJ_REC_EXIT, 1);
}

#endif /* ZHIJIA_COMMON_BPF_H */
