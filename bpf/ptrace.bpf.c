// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptrace(2) requests that act on another process.  Which requests are reported is a bitmap
 * the daemon writes (ZJ_CFG_PTRACE_LO/HI): by default the ones that attach or modify, not the
 * PEEK/GETREGS/CONT traffic of a debugger or strace.  The arguments are stashed at entry and
 * reported at exit with the result, and ZJ_F_BLOCKED when a BPF LSM program denied the call.
 *
 * Fallback enforcement of T1055.008 (enforce.bpf.h): ATTACH and SEIZE of another process kill
 * the caller at entry.  The attach itself still happens; the caller dies before it can use
 * it, and its tracees are detached as it exits.  ATTACH queues a SIGSTOP for the target,
 * which the daemon undoes with SIGCONT (the record says ZJ_F_KILLED, with the result).
 */
#include "enforce.bpf.h"
#include "inject.bpf.h"

#define ZJ_PTRACE_ATTACH 16
#define ZJ_PTRACE_SEIZE 0x4206

struct zj_ptrace_args {
	__s64 request;
	__u64 pid;
	__u64 addr;
	__u64 data;
	__u32 flags; /* ZJ_F_KILLED */
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct zj_ptrace_args);
} zj_ptrace_stash SEC(".maps");

static __always_inline int zj_ptrace_wanted(__s64 req)
{
	if (req >= 0 && req < 64)
		return (zj_cfg(ZJ_CFG_PTRACE_LO) >> req) & 1;
	if (req >= 0x4200 && req < 0x4240)
		return (zj_cfg(ZJ_CFG_PTRACE_HI) >> (req - 0x4200)) & 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int zj_enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	struct zj_ptrace_args a = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	zj_denied_reset(tid);
	a.request = (__s64)ctx->args[0];
	a.pid = ctx->args[1];
	if ((a.request == ZJ_PTRACE_ATTACH || a.request == ZJ_PTRACE_SEIZE) &&
	    (__u32)a.pid != (bpf_get_current_pid_tgid() >> 32))
		a.flags = zj_kill(ZJ_ENF_PTRACE);
	if (!a.flags && !zj_ptrace_wanted(a.request))
		return 0;
	a.addr = ctx->args[2];
	a.data = ctx->args[3];
	if (bpf_map_update_elem(&zj_ptrace_stash, &tid, &a, BPF_ANY))
		zj_stat_inc(ZJ_STAT_STASH_FULL);
	return 0;
}

/* The pid number of task t in the pid namespace at `level` (task_pid_nr_ns()). */
static __always_inline __u32 zj_pid_nr_at(struct task_struct *t, __u32 level)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	struct upid up = {};

	if (!pid || BPF_CORE_READ(pid, level) < level)
		return 0;
	if (bpf_probe_read_kernel(&up, sizeof(up),
				  (void *)pid + bpf_core_field_offset(struct pid, numbers) +
					  (__u64)(level & 31) * bpf_core_type_size(struct upid)))
		return 0;
	return (__u32)up.nr;
}

/* One of the caller's tracees per step (bpf_loop; state in the scratch map). */
static long zj_ptraced_step(__u32 i, void *ctx)
{
	struct zj_scratch *s = zj_scratch();
	struct zj_ptfind *f;
	struct list_head *node;
	struct task_struct *t;

	if (!s)
		return 1;
	f = &s->ptf;
	if (!f->cur || f->cur == f->head)
		return 1;
	node = (struct list_head *)f->cur;
	t = (struct task_struct *)((void *)node - bpf_core_field_offset(struct task_struct,
								       ptrace_entry));
	if (zj_pid_nr_at(t, f->level) == f->want) {
		f->found = 1;
		f->tgid = BPF_CORE_READ(t, tgid);
		f->mm = (__u64)BPF_CORE_READ(t, mm);
		return 1;
	}
	f->cur = (__u64)BPF_CORE_READ(node, next);
	return 0;
}

/*
 * The target as the kernel knows it: a tracee of the caller (after ATTACH/SEIZE succeeded,
 * and for every request that acts on an attached tracee).  Gives its global tgid (the pid
 * argument is in the caller's pid namespace) and its vDSO, read while it is surely alive.
 */
static __always_inline int zj_find_tracee(struct zj_scratch *s, __u32 want)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct zj_ptfind *f = &s->ptf;

	f->head = (__u64)cur + bpf_core_field_offset(struct task_struct, ptraced);
	f->cur = (__u64)BPF_CORE_READ(cur, ptraced.next);
	f->level = BPF_CORE_READ(cur, thread_pid, level);
	f->want = want;
	f->found = 0;
	f->mm = 0;
	f->tgid = 0;
	if (!zj_can_loop)
		return 0; /* the pid as the caller named it */
	bpf_loop(64, zj_ptraced_step, NULL, 0);
	return f->found;
}

SEC("tracepoint/syscalls/sys_exit_ptrace")
int zj_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zj_ptrace_args *a = bpf_map_lookup_elem(&zj_ptrace_stash, &tid);
	struct zj_scratch *s;
	struct zj_rec_ptrace *r;

	if (!a)
		return 0;
	r = zj_reserve(ZJ_REC_PTRACE, sizeof(*r));
	if (r) {
		__builtin_memset(r, 0, sizeof(*r));
		zj_fill_hdr(&r->hdr, ZJ_REC_PTRACE, sizeof(*r));
		r->request = a->request;
		r->target_pid = (__u32)a->pid;
		r->addr = a->addr;
		r->data = a->data;
		r->result = ctx->ret;
		s = zj_scratch();
		if (s && a->request != 0 && zj_find_tracee(s, (__u32)a->pid)) {
			r->target_pid = s->ptf.tgid;
			if (s->ptf.mm)
				zj_mm_vdso((struct mm_struct *)s->ptf.mm, &r->vdso_start,
					   &r->vdso_end);
			if (zj_in_vdso_area(r->addr, 8, r->vdso_start, r->vdso_end) &&
			    (a->request == 4 || a->request == 5))
				r->hdr.flags |= ZJ_F_VDSO;
		}
		if (r->target_pid == r->hdr.tgid)
			r->hdr.flags |= ZJ_F_SELF;
		else if (s && a->request != 0 && s->ptf.found && ctx->ret >= 0)
			zj_inject_mark(s->ptf.tgid, ZJ_INJ_PTRACE, &r->hdr); /* somap.bpf.c */
		/* ATTACH/SEIZE that ptrace_access_check denied (lsm.bpf.c) */
		r->hdr.flags |= zj_denied_take(tid) | a->flags;
		zj_submit(ctx, r, ZJ_REC_PTRACE, 0);
	}
	bpf_map_delete_elem(&zj_ptrace_stash, &tid);
	return 0;
}
