/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw record -> struct zj_event.
 *
 * Every record is copied out of the sample with memcpy before it is read (ring-buffer samples
 * are 8-byte aligned, but a copy costs nothing and makes alignment a non-question), checked
 * completely, and only then used to change the process table: a malformed record changes
 * nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "zhijia/bpf_abi.h"
#include "decode.h"

/* hdr.flags bits the ABI defines; the rest (and so ZJ_EVF_HAS_TARGET) cannot come from BPF. */
#define ZJ_F_ALL                                                                                   \
	(ZJ_F_SELF | ZJ_F_VDSO | ZJ_F_TRUNC_PATH | ZJ_F_TRUNC_PATH2 | ZJ_F_TRUNC_ARGS |            \
	 ZJ_F_CREATED | ZJ_F_O_TRUNC | ZJ_F_RESOLVE | ZJ_F_BLOCKED | ZJ_F_KILLED |                 \
	 ZJ_F_THREAD_TARGET | ZJ_F_TRUNC_IOV | ZJ_F_LD_PRELOAD | ZJ_F_TRUNC_ENV | ZJ_F_ANON_EXE |  \
	 ZJ_F_EXEC_TEXT | ZJ_F_SETID_HAD | ZJ_F_NOT_REG)

/* The kernel's MAX_ARG_STRINGS: execve() refuses more arguments. */
#define ARGC_MAX 0x7fffffffu

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int zj_decoder_sync_clock(struct zj_decoder *d)
{
	int64_t best_gap = INT64_MAX;

	/*
	 * Read boot, real, boot and keep the tightest of three tries: the real-time reading
	 * is paired with the midpoint of the two boot-time readings around it.
	 */
	for (int i = 0; i < 3; i++) {
		struct timespec b1, rt, b2;
		int64_t gap;

		if (clock_gettime(CLOCK_BOOTTIME, &b1) < 0 ||
		    clock_gettime(CLOCK_REALTIME, &rt) < 0 ||
		    clock_gettime(CLOCK_BOOTTIME, &b2) < 0)
			return -errno;
		gap = ts_ns(&b2) - ts_ns(&b1);
		if (gap < best_gap) {
			best_gap = gap;
			d->boot_to_real_ns = ts_ns(&rt) - (ts_ns(&b1) + gap / 2);
		}
	}
	return 0;
}

int zj_decoder_init(struct zj_decoder *d, struct zj_proctab *pt)
{
	if (!d)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->pt = pt;
	return zj_decoder_sync_clock(d);
}

/* Fixed part of each record type, the smallest hdr.size it may have. */
static size_t rec_min_size(uint16_t type)
{
	switch (type) {
	case ZJ_REC_EXEC:
		return sizeof(struct zj_rec_exec);
	case ZJ_REC_FORK:
		return sizeof(struct zj_rec_fork);
	case ZJ_REC_EXIT:
		return sizeof(struct zj_rec_exit);
	case ZJ_REC_PTRACE:
		return sizeof(struct zj_rec_ptrace);
	case ZJ_REC_MEM_OPEN:
	case ZJ_REC_MEM_WRITE:
	case ZJ_REC_VM_WRITE:
		return sizeof(struct zj_rec_mem);
	case ZJ_REC_VDSO_MAP:
		return sizeof(struct zj_rec_vdso_map);
	case ZJ_REC_FILE:
	case ZJ_REC_SETID:
		return sizeof(struct zj_rec_file);
	case ZJ_REC_KMOD:
		return sizeof(struct zj_rec_kmod) + 1; /* the path's NUL at least */
	case ZJ_REC_SOMAP:
		return sizeof(struct zj_rec_somap) + 2; /* "/" and its NUL at least */
	case ZJ_REC_DENY:
		return sizeof(struct zj_rec_deny) + 1; /* the path's NUL at least */
	default:
		return 0;
	}
}

/*
 * A string of len bytes at *off inside data[0..avail): followed by its NUL, none inside.
 * Advances *off past the NUL.
 */
static bool take_cstr(const char *data, size_t avail, size_t *off, uint32_t len, struct zj_str *ret)
{
	const char *s;

	if (len >= ZJ_PATH_MAX || *off > avail || avail - *off < (size_t)len + 1)
		return false;
	s = data + *off;
	if (s[len] != '\0' || memchr(s, '\0', len))
		return false;
	ret->ptr = s;
	ret->len = len;
	*off += (size_t)len + 1;
	return true;
}

static bool vdso_range_ok(uint64_t start, uint64_t end)
{
	return start <= end;
}

static bool range_overlaps(uint64_t addr, uint64_t len, uint64_t start, uint64_t end)
{
	uint64_t last = addr + (len ? len : 1);

	if (last < addr)
		last = UINT64_MAX;
	return end > start && addr < end && last > start;
}

/*
 * Where [addr, addr + len) of process pid lies.  The kernel's vDSO range was read when the
 * operation happened, so when it says vDSO that wins; otherwise the process table tells vDSO
 * from [vvar] (which the kernel does not report); when it cannot (process gone, maps without
 * either), the answer is ZJ_REGION_NONE.
 */
static uint32_t region_of(struct zj_decoder *d, uint32_t pid, uint64_t addr, uint64_t len,
			  uint64_t vdso_start, uint64_t vdso_end)
{
	uint32_t region;

	if (range_overlaps(addr, len, vdso_start, vdso_end))
		return ZJ_REGION_VDSO;
	if (d->pt && pid && zj_proctab_region(d->pt, pid, addr, len, &region) >= 0)
		return region;
	return ZJ_REGION_NONE;
}

/* The actor from the header; exe, cmdline and classification from the process table. */
static int fill_actor(struct zj_decoder *d, const struct zj_rec_hdr *h, struct zj_event *ev)
{
	struct zj_proc *a = &ev->actor, p;
	int r;

	a->pid = h->tgid;
	a->tid = h->tid;
	a->ppid = h->ppid;
	a->uid = h->uid;
	a->gid = h->gid;
	a->euid = h->euid;
	a->start_ns = h->start_ns;
	memcpy(a->comm, h->comm, sizeof(a->comm)); /* NUL-terminated: checked */
	a->exe = (struct zj_str){.ptr = "", .len = 0};
	a->cmdline = (struct zj_str){.ptr = "", .len = 0};
	if (!d->pt)
		return 0;
	r = zj_proctab_lookup(d->pt, h->tgid, h->start_ns, &p);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || p.pid != h->tgid)
		return 0; /* gone or pid reused: the header is all we know */
	a->exe = p.exe;
	a->cmdline = p.cmdline;
	a->flags = p.flags;
	return 0;
}

/* The target of ptrace / mem / vm writes: pid as the record gives it. */
static int fill_target(struct zj_decoder *d, uint32_t pid, struct zj_event *ev)
{
	int r = -ENOENT;

	ev->flags |= ZJ_EVF_HAS_TARGET;
	if (d->pt)
		r = zj_proctab_lookup(d->pt, pid, 0, &ev->target);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		memset(&ev->target, 0, sizeof(ev->target));
		ev->target.pid = pid;
		ev->target.exe = (struct zj_str){.ptr = "", .len = 0};
		ev->target.cmdline = (struct zj_str){.ptr = "", .len = 0};
	}
	return 0;
}

/*
 * EXEC: data[] = filename\0 exe\0 args [ld_preload\0].  args are NUL-terminated arguments; only when the
 * kernel flagged ZJ_F_TRUNC_ARGS may the last one lack its NUL.  The arguments present
 * cannot outnumber argc (there may be fewer: truncation, or a failed read in BPF).
 */
static int parse_exec(const char *raw, size_t size, struct zj_event *ev)
{
	struct zj_rec_exec x;
	const char *data = raw + sizeof(x);
	size_t avail = size - sizeof(x), off = 0, nargs = 0;

	memcpy(&x, raw, sizeof(x));
	if (!take_cstr(data, avail, &off, x.filename_len, &ev->exec.filename))
		return -EBADMSG;
	if (!take_cstr(data, avail, &off, x.exe_len, &ev->actor.exe))
		return -EBADMSG;
	if (x.args_len > ZJ_ARGS_MAX || avail - off < x.args_len || x.argc > ARGC_MAX)
		return -EBADMSG;
	ev->exec.args = (struct zj_str){.ptr = data + off, .len = x.args_len};
	for (size_t i = 0; i < x.args_len; i++)
		if (data[off + i] == '\0')
			nargs++;
	if (x.args_len && data[off + x.args_len - 1] != '\0') {
		if (!(x.hdr.flags & ZJ_F_TRUNC_ARGS))
			return -EBADMSG;
		nargs++;
	}
	if (nargs > x.argc)
		return -EBADMSG;
	ev->exec.argc = x.argc;
	off += x.args_len;
	if (x.hdr.flags & ZJ_F_LD_PRELOAD) {
		if (x.preload_len >= ZJ_PRELOAD_MAX ||
		    !take_cstr(data, avail, &off, x.preload_len, &ev->exec.ld_preload))
			return -EBADMSG;
	} else if (x.preload_len) {
		return -EBADMSG;
	}
	return 0;
}

/* FILE: data[] = path\0 path2\0; an absent path2 (length 0) may omit its NUL. */
static int parse_file(const char *raw, size_t size, struct zj_event *ev)
{
	struct zj_rec_file x;
	const char *data = raw + sizeof(x);
	size_t avail = size - sizeof(x), off = 0;

	memcpy(&x, raw, sizeof(x));
	if (x.op == 0 || x.op >= ZJ_FOP_MAX)
		return -EBADMSG;
	if (!take_cstr(data, avail, &off, x.path_len, &ev->file.path))
		return -EBADMSG;
	if (x.path2_len && !take_cstr(data, avail, &off, x.path2_len, &ev->file.path2))
		return -EBADMSG;
	if (!x.path2_len)
		ev->file.path2 = (struct zj_str){.ptr = "", .len = 0};
	ev->file.op = x.op;
	ev->file.mode = x.mode;
	ev->file.open_flags = x.open_flags;
	ev->file.watch_id = x.watch_id;
	ev->file.result = x.result;
	ev->file.dev = x.dev;
	ev->file.ino = x.ino;
	return 0;
}

/* SETID: a chmod asking for a set-id bit, of any path (no watch entry). */
static int parse_setid(const char *raw, size_t size, struct zj_event *ev)
{
	struct zj_rec_file x;
	int r;

	memcpy(&x, raw, sizeof(x));
	if (x.op != ZJ_FOP_CHMOD || x.watch_id || x.path2_len || !(x.mode & 06000) ||
	    x.path_len == 0)
		return -EBADMSG;
	r = parse_file(raw, size, ev);
	if (r < 0)
		return r;
	/*
	 * A path-taking chmod is seen before the kernel looks the path up: whether it names a
	 * regular file is asked here (the type does not change with a chmod).  A setgid
	 * directory is no privilege.
	 */
	if (!x.dev && !(x.hdr.flags & ZJ_F_RESOLVE) && ev->file.path.ptr[0] == '/') {
		struct stat st;

		if (lstat(ev->file.path.ptr, &st) == 0 && !S_ISREG(st.st_mode))
			ev->flags |= ZJ_EVF_NOT_REG;
	}
	return 0;
}

/* KMOD: data[] = path\0; name is a fixed field, NUL-terminated. */
static int parse_kmod(const char *raw, size_t size, struct zj_event *ev)
{
	struct zj_rec_kmod x;
	const char *data = raw + sizeof(x);
	size_t avail = size - sizeof(x), off = 0;
	const char *nul;

	memcpy(&x, raw, sizeof(x));
	if ((x.op != ZJ_KMOD_INIT && x.op != ZJ_KMOD_FINIT) || x.path_len >= ZJ_PATH_MAX ||
	    (x.op == ZJ_KMOD_INIT && (x.path_len || x.fd != -1 || x.dev || x.ino)))
		return -EBADMSG;
	if (!take_cstr(data, avail, &off, x.path_len, &ev->kmod.path))
		return -EBADMSG;
	nul = memchr(raw + offsetof(struct zj_rec_kmod, name), '\0', sizeof(x.name));
	if (!nul)
		return -EBADMSG;
	ev->kmod.name = (struct zj_str){.ptr = raw + offsetof(struct zj_rec_kmod, name),
					.len = (size_t)(nul - (raw + offsetof(struct zj_rec_kmod, name)))};
	ev->kmod.op = x.op;
	ev->kmod.fd = x.fd;
	ev->kmod.len = x.len;
	ev->kmod.mflags = x.mflags;
	ev->kmod.result = x.result;
	ev->kmod.dev = x.dev;
	ev->kmod.ino = x.ino;
	return 0;
}

/* SOMAP: data[] = path\0, absolute; an injector that is not the actor. */
static int parse_somap(const char *raw, size_t size, struct zj_event *ev, uint32_t *ret_injector)
{
	struct zj_rec_somap x;
	const char *data = raw + sizeof(x);
	size_t avail = size - sizeof(x), off = 0;

	memcpy(&x, raw, sizeof(x));
	if ((x.via != ZJ_INJ_PTRACE && x.via != ZJ_INJ_PROC_MEM) || !x.injector_tgid ||
	    x.injector_tgid == x.hdr.tgid || x.path_len == 0 || x.path_len >= ZJ_PATH_MAX ||
	    !(x.prot & 4 /* PROT_EXEC */))
		return -EBADMSG;
	if (!take_cstr(data, avail, &off, x.path_len, &ev->somap.path) ||
	    ev->somap.path.ptr[0] != '/')
		return -EBADMSG;
	ev->somap.via = x.via;
	ev->somap.prot = x.prot;
	ev->somap.session_ns = x.session_ns;
	ev->somap.dev = x.dev;
	ev->somap.ino = x.ino;
	*ret_injector = x.injector_tgid;
	return 0;
}

/* The ZJ_DOP_* a hook may report, and whether it is about a file (else a process). */
static bool deny_op_ok(uint32_t hook, uint32_t op, bool *ret_file)
{
	*ret_file = true;
	switch (hook) {
	case ZJ_HOOK_PTRACE_ACCESS_CHECK:
		*ret_file = false;
		return op == ZJ_DOP_PTRACE_ATTACH || op == ZJ_DOP_VM_WRITEV ||
		       op == ZJ_DOP_SELF_TRACE;
	case ZJ_HOOK_TASK_KILL:
		*ret_file = false;
		return op == ZJ_DOP_SELF_SIGNAL;
	case ZJ_HOOK_BPF_MAP:
	case ZJ_HOOK_BPF_PROG:
	case ZJ_HOOK_BPF:
		*ret_file = false;
		return op == ZJ_DOP_SELF_BPF;
	case ZJ_HOOK_BPRM_CHECK:
		*ret_file = false;
		return op == ZJ_DOP_EXEC || op == ZJ_DOP_ANON_EXEC;
	case ZJ_HOOK_KERNEL_READ_FILE:
	case ZJ_HOOK_KERNEL_LOAD_DATA:
		*ret_file = false;
		return op == ZJ_DOP_KMOD_LOAD;
	case ZJ_HOOK_PATH_CHMOD:
		*ret_file = false;
		return op == ZJ_DOP_SETID;
	case ZJ_HOOK_FILE_OPEN:
		*ret_file = op == ZJ_DOP_OPEN_WRITE;
		return op == ZJ_DOP_MEM_OPEN || op == ZJ_DOP_OPEN_WRITE;
	case ZJ_HOOK_FILE_MPROTECT:
		*ret_file = false;
		return op == ZJ_DOP_MPROTECT;
	case ZJ_HOOK_INODE_CREATE:
		return op == ZJ_DOP_CREATE;
	case ZJ_HOOK_INODE_RENAME:
		return op == ZJ_DOP_RENAME;
	case ZJ_HOOK_INODE_LINK:
		return op == ZJ_DOP_LINK;
	case ZJ_HOOK_INODE_SYMLINK:
		return op == ZJ_DOP_SYMLINK;
	default:
		return false;
	}
}

/*
 * DENY: the path fills the record to hdr.size, its NUL last.  Each hook, operation and class
 * go together as lsm.bpf.c emits them: a process class has a target and no path or watch
 * entry; a file class has a relative path (the daemon completes it) and no target; the flags
 * say it was blocked.
 */
static int parse_deny(const char *raw, size_t size, struct zj_event *ev, uint32_t *ret_target)
{
	struct zj_rec_deny x;
	const char *data = raw + sizeof(x);
	size_t avail = size - sizeof(x), off = 0;
	bool file;

	memcpy(&x, raw, sizeof(x));
	if (!(x.hdr.flags & ZJ_F_BLOCKED) ||
	    (x.klass >= ZJ_ENF_NR && x.klass != ZJ_ENF_SELF && x.klass != ZJ_ENF_VERDICT) ||
	    !deny_op_ok(x.hook, x.op, &file))
		return -EBADMSG;
	if (avail < 1 || avail > ZJ_DENY_PATH_MAX ||
	    !take_cstr(data, avail, &off, (uint32_t)(avail - 1), &ev->deny.path))
		return -EBADMSG;
	/* self-protection: zhijiad is the target; a signal number or an object id goes along */
	bool self_op = x.op == ZJ_DOP_SELF_TRACE || x.op == ZJ_DOP_SELF_SIGNAL ||
		       x.op == ZJ_DOP_SELF_BPF;
	if ((x.klass == ZJ_ENF_SELF) != self_op ||
	    (x.klass == ZJ_ENF_VERDICT) != (x.op == ZJ_DOP_EXEC) ||
	    /* T1547.006's class also covers the module lists, denied by the file hooks */
	    (x.op == ZJ_DOP_KMOD_LOAD && x.klass != ZJ_ENF_KMOD) ||
	    (x.klass == ZJ_ENF_SETID) != (x.op == ZJ_DOP_SETID) ||
	    (x.klass == ZJ_ENF_REFLECT) != (x.op == ZJ_DOP_ANON_EXEC))
		return -EBADMSG;
	if (x.op == ZJ_DOP_KMOD_LOAD || x.klass == ZJ_ENF_SETID || x.klass == ZJ_ENF_REFLECT) {
		/*
		 * kmod: the module file's name (finit_module) or nothing (init_module); setid: the
		 * file's name and the mode asked for; reflect: the name exec was given
		 */
		if (x.target_pid || x.watch_id ||
		    (x.klass == ZJ_ENF_SETID) != (x.arg != 0) || (x.arg & ~07777u) ||
		    (x.klass == ZJ_ENF_SETID && !(x.arg & 06000)) ||
		    (x.op != ZJ_DOP_KMOD_LOAD && !ev->deny.path.len) ||
		    (x.hook == ZJ_HOOK_KERNEL_LOAD_DATA && ev->deny.path.len))
			return -EBADMSG;
	} else if (x.klass == ZJ_ENF_VERDICT) {
		/* the file name exec was given: any non-empty string, relative ones too */
		if (x.target_pid || x.watch_id || x.arg || !ev->deny.path.len)
			return -EBADMSG;
	} else if (self_op) {
		if (!x.target_pid || x.watch_id || ev->deny.path.len ||
		    (x.op == ZJ_DOP_SELF_TRACE && x.arg) ||
		    (x.op == ZJ_DOP_SELF_SIGNAL && (x.arg < 1 || x.arg > 64)) ||
		    (x.op == ZJ_DOP_SELF_BPF && !x.arg))
			return -EBADMSG;
	} else if (x.arg) {
		return -EBADMSG;
	} else if (file) {
		if (x.klass < ZJ_ENF_AT || x.target_pid || !ev->deny.path.len ||
		    ev->deny.path.ptr[0] == '/')
			return -EBADMSG;
	} else {
		bool want_target = x.hook != ZJ_HOOK_FILE_MPROTECT;
		uint32_t klass = x.hook == ZJ_HOOK_PTRACE_ACCESS_CHECK ? ZJ_ENF_PTRACE
				 : x.hook == ZJ_HOOK_FILE_OPEN	       ? ZJ_ENF_PROC_MEM
								       : ZJ_ENF_VDSO;

		if (x.klass != klass || x.watch_id || ev->deny.path.len ||
		    want_target != (x.target_pid != 0))
			return -EBADMSG;
	}
	ev->deny.klass = x.klass;
	ev->deny.hook = x.hook;
	ev->deny.op = x.op;
	ev->deny.watch_id = x.watch_id;
	ev->deny.arg = x.arg;
	*ret_target = x.target_pid;
	return 0;
}

/* Which ZJ_VIA_* each memory record type may carry. */
static bool via_ok(uint16_t type, uint32_t via)
{
	switch (type) {
	case ZJ_REC_MEM_OPEN:
		return via == ZJ_VIA_OPEN;
	case ZJ_REC_MEM_WRITE:
		return via >= ZJ_VIA_WRITE && via <= ZJ_VIA_PWRITEV2;
	case ZJ_REC_VM_WRITE:
		return via == ZJ_VIA_PROCESS_VM_WRITEV;
	default:
		return false;
	}
}

/* Check the type-specific part and fill what needs no process table.  Touches no state. */
static int parse_body(const char *raw, const struct zj_rec_hdr *h, struct zj_event *ev,
		      struct zj_rec_ptrace *pt, struct zj_rec_mem *mem, struct zj_rec_vdso_map *vm,
		      uint32_t *ret_deny_target)
{
	struct zj_rec_fork fk;
	struct zj_rec_exit ex;

	switch (h->type) {
	case ZJ_REC_EXEC:
		return parse_exec(raw, h->size, ev);
	case ZJ_REC_FORK:
		memcpy(&fk, raw, sizeof(fk));
		/* A process cannot be its own child: that would also alias the actor's entry. */
		if (fk.child_tgid == 0 || fk.child_tgid == h->tgid)
			return -EBADMSG;
		ev->fork.child_pid = fk.child_tgid;
		ev->fork.child_start_ns = fk.child_start_ns;
		return 0;
	case ZJ_REC_EXIT:
		memcpy(&ex, raw, sizeof(ex));
		ev->exit.code = ex.exit_code;
		return 0;
	case ZJ_REC_PTRACE:
		memcpy(pt, raw, sizeof(*pt));
		if (!vdso_range_ok(pt->vdso_start, pt->vdso_end))
			return -EBADMSG;
		ev->ptrace.request = pt->request;
		ev->ptrace.addr = pt->addr;
		ev->ptrace.data = pt->data;
		ev->ptrace.result = pt->result;
		return 0;
	case ZJ_REC_MEM_OPEN:
	case ZJ_REC_MEM_WRITE:
	case ZJ_REC_VM_WRITE:
		memcpy(mem, raw, sizeof(*mem));
		if (!via_ok(h->type, mem->via) || mem->target_pid == 0 ||
		    !vdso_range_ok(mem->vdso_start, mem->vdso_end))
			return -EBADMSG;
		ev->mem.via = mem->via;
		ev->mem.fd = mem->fd;
		ev->mem.iovcnt = mem->iovcnt;
		ev->mem.addr = mem->addr;
		ev->mem.len = mem->len;
		ev->mem.open_flags = mem->open_flags;
		return 0;
	case ZJ_REC_VDSO_MAP:
		memcpy(vm, raw, sizeof(*vm));
		if (vm->op < ZJ_VMAP_MPROTECT || vm->op > ZJ_VMAP_MUNMAP ||
		    !vdso_range_ok(vm->vdso_start, vm->vdso_end))
			return -EBADMSG;
		ev->vdso_map.op = vm->op;
		ev->vdso_map.prot = vm->prot;
		ev->vdso_map.addr = vm->addr;
		ev->vdso_map.len = vm->len;
		ev->vdso_map.new_addr = vm->new_addr;
		ev->vdso_map.new_len = vm->new_len;
		return 0;
	case ZJ_REC_FILE:
		return parse_file(raw, h->size, ev);
	case ZJ_REC_SETID:
		return parse_setid(raw, h->size, ev);
	case ZJ_REC_KMOD:
		return parse_kmod(raw, h->size, ev);
	case ZJ_REC_SOMAP:
		return parse_somap(raw, h->size, ev, ret_deny_target);
	case ZJ_REC_DENY:
		return parse_deny(raw, h->size, ev, ret_deny_target);
	default:
		return -EBADMSG;
	}
}

static void set_region(struct zj_event *ev, uint32_t region)
{
	ev->region = region;
	if (region != ZJ_REGION_NONE)
		ev->flags |= ZJ_EVF_VDSO;
}

int zj_decode(struct zj_decoder *d, const void *data, size_t size, struct zj_event *ret)
{
	const char *raw = data;
	struct zj_rec_ptrace pt;
	struct zj_rec_mem mem;
	struct zj_rec_vdso_map vm;
	struct zj_rec_hdr h;
	struct zj_event ev;
	struct zj_proc np;
	uint32_t deny_target = 0;
	int r;

	if (!d || !ret || (!data && size))
		return -EINVAL;
	if (size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, raw, sizeof(h));
	/* tgid 0 is the idle task, which performs none of the recorded operations. */
	if (h.type == 0 || h.type >= ZJ_REC_MAX || h.size > size || h.size < rec_min_size(h.type) ||
	    h.size > ZJ_REC_MAX_SIZE || h.tgid == 0 || !memchr(h.comm, '\0', sizeof(h.comm)))
		return -EBADMSG;

	memset(&ev, 0, sizeof(ev));
	ev.type = h.type;
	ev.flags = h.flags & ZJ_F_ALL;
	ev.ktime_ns = h.ktime_ns;
	/* Unsigned sum: a hostile ktime_ns wraps instead of overflowing a signed int. */
	ev.time_ns = (int64_t)(h.ktime_ns + (uint64_t)d->boot_to_real_ns);
	r = parse_body(raw, &h, &ev, &pt, &mem, &vm, &deny_target);
	if (r < 0)
		return r;

	/* Valid: from here on the process table learns from it. */
	switch (h.type) {
	case ZJ_REC_EXEC:
		if (d->pt) {
			memset(&np, 0, sizeof(np));
			np.pid = h.tgid;
			np.tid = h.tid;
			np.ppid = h.ppid;
			np.uid = h.uid;
			np.gid = h.gid;
			np.euid = h.euid;
			np.start_ns = h.start_ns;
			memcpy(np.comm, h.comm, sizeof(np.comm));
			np.exe = ev.actor.exe;
			np.cmdline = ev.exec.args;
			r = zj_proctab_exec(d->pt, &np);
			if (r < 0)
				return r;
		}
		{
			/* Without a table the record's exe still names the new image. */
			struct zj_str exe = ev.actor.exe, args = ev.exec.args;

			r = fill_actor(d, &h, &ev);
			if (r < 0)
				return r;
			if (!d->pt || !(ev.actor.flags & ZJ_PROC_KNOWN)) {
				ev.actor.exe = exe;
				ev.actor.cmdline = args;
			}
		}
		break;
	case ZJ_REC_FORK:
		r = fill_actor(d, &h, &ev);
		if (r >= 0 && d->pt)
			r = zj_proctab_fork(d->pt, h.tgid, ev.fork.child_pid,
					    ev.fork.child_start_ns);
		break;
	case ZJ_REC_EXIT:
		r = fill_actor(d, &h, &ev);
		if (r >= 0 && d->pt) {
			r = zj_proctab_exit(d->pt, h.tgid, h.start_ns);
			if (r == -ENOENT || r == -ESRCH)
				r = 0; /* never known, or the entry is already another process */
		}
		break;
	case ZJ_REC_PTRACE:
		r = fill_actor(d, &h, &ev);
		/* pid 0 is no process: PTRACE_TRACEME names none (its tracer is the parent). */
		if (r >= 0 && pt.target_pid)
			r = fill_target(d, pt.target_pid, &ev);
		if (r >= 0 && (pt.request == 4 /* PTRACE_POKETEXT */ ||
			       pt.request == 5 /* PTRACE_POKEDATA */))
			set_region(&ev, region_of(d, pt.target_pid, pt.addr, 8, pt.vdso_start,
						  pt.vdso_end));
		break;
	case ZJ_REC_MEM_OPEN:
	case ZJ_REC_MEM_WRITE:
	case ZJ_REC_VM_WRITE:
		r = fill_actor(d, &h, &ev);
		if (r >= 0)
			r = fill_target(d, mem.target_pid, &ev);
		if (r >= 0 && h.type != ZJ_REC_MEM_OPEN)
			set_region(&ev, region_of(d, mem.target_pid, mem.addr, mem.len,
						  mem.vdso_start, mem.vdso_end));
		break;
	case ZJ_REC_VDSO_MAP:
		r = fill_actor(d, &h, &ev);
		if (r >= 0) {
			set_region(&ev, region_of(d, h.tgid, vm.addr, vm.len, vm.vdso_start,
						  vm.vdso_end));
			/* The special mappings moved or went: read them again next time. */
			if (d->pt && vm.op != ZJ_VMAP_MPROTECT && vm.op != ZJ_VMAP_PKEY_MPROTECT)
				(void)zj_proctab_maps_changed(d->pt, h.tgid);
		}
		break;
	case ZJ_REC_DENY:
		r = fill_actor(d, &h, &ev);
		if (r >= 0 && deny_target)
			r = fill_target(d, deny_target, &ev);
		break;
	case ZJ_REC_SOMAP:
		/* the header is the target, which mapped the file: the injector is the actor */
		r = fill_actor(d, &h, &ev);
		if (r >= 0)
			r = fill_target(d, deny_target, &ev);
		if (r >= 0) {
			struct zj_proc t = ev.target;

			ev.target = ev.actor;
			ev.actor = t;
		}
		break;
	default: /* ZJ_REC_FILE */
		r = fill_actor(d, &h, &ev);
		break;
	}
	if (r < 0)
		return r;

	ev.seq = ++d->seq;
	*ret = ev;
	return 0;
}
