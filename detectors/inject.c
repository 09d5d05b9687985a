/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Process injection: T1055.008 Ptrace System Calls, T1055.009 Proc Memory, T1055.014 VDSO
 * Hijacking.  See include/zhijia/detect.h for what maps where, and why process_vm_writev is
 * T1055.008.
 *
 * Numbers below (ptrace requests, PROT_*, errno values) are Linux's: they describe the event,
 * which came from a Linux kernel, whatever platform this code is compiled for.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect-internal.h"

#define T_PTRACE "T1055.008"
#define T_PROCMEM "T1055.009"
#define T_VDSO "T1055.014"

#define PTRACE_TRACEME_NR 0

/* What a reported ptrace request does to its target. */
#define PT_ATTACH 1   /* becomes the tracer */
#define PT_POKE 2     /* writes a word of memory */
#define PT_POKEUSER 3 /* writes the user area: registers, debug registers */
#define PT_REGS 4     /* sets registers */
#define PT_SIGINFO 5  /* changes the signal being delivered */
#define PT_SYSCALL 6  /* changes the system call being made */

struct ptrace_request {
	int64_t nr;
	const char *name;
	uint32_t kind;
};

/*
 * Requests that attach or modify.  Reading requests (PEEK*, GET*), resuming (CONT, SYSCALL,
 * SINGLESTEP), DETACH, KILL and the option/interrupt requests give no finding: they act on a
 * process already attached, and the attach was the finding.
 */
static const struct ptrace_request ptrace_requests[] = {
	{4, "PTRACE_POKETEXT", PT_POKE},
	{5, "PTRACE_POKEDATA", PT_POKE},
	{6, "PTRACE_POKEUSER", PT_POKEUSER},
	{13, "PTRACE_SETREGS", PT_REGS},   /* x86, arm */
	{15, "PTRACE_SETFPREGS", PT_REGS}, /* x86, arm */
	{16, "PTRACE_ATTACH", PT_ATTACH},
	{19, "PTRACE_SETFPXREGS", PT_REGS}, /* i386 */
	{0x4203, "PTRACE_SETSIGINFO", PT_SIGINFO},
	{0x4205, "PTRACE_SETREGSET", PT_REGS},
	{0x4206, "PTRACE_SEIZE", PT_ATTACH},
	{0x4212, "PTRACE_SET_SYSCALL_INFO", PT_SYSCALL}, /* Linux 6.16 */
};

static const struct ptrace_request *ptrace_request_find(int64_t nr)
{
	for (size_t i = 0; i < sizeof(ptrace_requests) / sizeof(ptrace_requests[0]); i++)
		if (ptrace_requests[i].nr == nr)
			return &ptrace_requests[i];
	return NULL;
}

/* Linux errno names for the failures ptrace and friends report. */
static const char *linux_errno_name(int64_t e)
{
	switch (e) {
	case 1:
		return "EPERM";
	case 3:
		return "ESRCH";
	case 5:
		return "EIO";
	case 13:
		return "EACCES";
	case 14:
		return "EFAULT";
	case 16:
		return "EBUSY";
	case 22:
		return "EINVAL";
	default:
		return NULL;
	}
}

static bool event_has_target(const struct zj_event *ev)
{
	return ev->flags & ZJ_EVF_HAS_TARGET;
}

static bool event_is_self(const struct zj_event *ev)
{
	return (ev->flags & ZJ_EVF_SELF) ||
	       (event_has_target(ev) && ev->target.pid == ev->actor.pid);
}

/*
 * The debugger pattern: the target is a child the actor started.  The process table's
 * lineage is best; without it the target's ppid, which only holds while the child has not
 * been reparented (and only if the table knew the target).
 */
static bool target_is_child(const struct zj_event *ev, const struct zj_detect_ctx *ctx)
{
	if (!event_has_target(ev) || ev->target.pid == ev->actor.pid)
		return false;
	if (ctx->flags & ZJ_CTX_TARGET_CHILD)
		return true;
	return (ev->target.flags & ZJ_PROC_KNOWN) && ev->target.ppid == ev->actor.pid;
}

static void text_target(struct zj_dt_text *t, const struct zj_event *ev)
{
	if (event_has_target(ev))
		zj_dt_text_object(t, &ev->target);
	else
		ZJ_DT_LIT(t, "an unknown process");
}

static bool write_in_vdso(const struct zj_event *ev)
{
	return ev->region == ZJ_REGION_VDSO || ev->region == ZJ_REGION_VVAR ||
	       (ev->flags & ZJ_EVF_VDSO);
}

static const char *region_name(const struct zj_event *ev)
{
	return ev->region == ZJ_REGION_VVAR ? "vvar page" : "vDSO";
}

static const char *mem_via_name(uint32_t via)
{
	static const char *const names[] = {
		[1] = "open",	 [2] = "write",	   [3] = "pwrite64",	      [4] = "writev",
		[5] = "pwritev", [6] = "pwritev2", [7] = "process_vm_writev",
	};

	return via < sizeof(names) / sizeof(names[0]) && names[via] ? names[via] : "write";
}

/* "/proc/812/mem" or "/proc/812/task/813/mem": the file the actor used. */
static void text_proc_mem_path(struct zj_dt_text *t, const struct zj_event *ev)
{
	const struct zj_proc *p = event_has_target(ev) ? &ev->target : &ev->actor;

	ZJ_DT_LIT(t, "/proc/");
	zj_dt_text_uint(t, p->pid);
	if (ev->flags & ZJ_EVF_THREAD_TARGET) {
		ZJ_DT_LIT(t, "/task/");
		zj_dt_text_uint(t, p->tid);
	}
	ZJ_DT_LIT(t, "/mem");
}

/*
 * The extra T1055.014 finding of a write that landed in a vDSO or vvar page.  how: " with
 * PTRACE_POKETEXT" or " through /proc/812/mem" etc., already worded by the caller.
 */
static void add_vdso_write(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
			   struct zj_dt_out *out, uint64_t addr, uint64_t len, const char *how)
{
	bool self = event_is_self(ev);
	struct zj_finding *f;
	struct zj_dt_text t;

	f = zj_dt_add(out, T_VDSO, self ? ZJ_SEV_MEDIUM : ZJ_SEV_CRITICAL,
		      self ? ZJ_TARGET_ACTOR : ZJ_TARGET_PROCESS);
	if (!f)
		return;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_LIT(&t, " wrote ");
	if (len) {
		zj_dt_text_uint(&t, len);
		ZJ_DT_LIT(&t, " bytes ");
	}
	ZJ_DT_LIT(&t, "into");
	if (self) {
		f->flags |= ZJ_FIND_SELF;
		ZJ_DT_LIT(&t, " its own ");
		zj_dt_text_str(&t, region_name(ev));
	} else {
		ZJ_DT_LIT(&t, " the ");
		zj_dt_text_str(&t, region_name(ev));
		ZJ_DT_LIT(&t, " of ");
		text_target(&t, ev);
	}
	ZJ_DT_LIT(&t, " at 0x");
	zj_dt_text_hex(&t, addr);
	zj_dt_text_str(&t, how);
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	if (target_is_child(ev, ctx))
		zj_dt_benign(f, "debugger on its own child", (struct zj_str){NULL, 0});
}

int zj_dt_ptrace(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out)
{
	const struct ptrace_request *req = NULL;
	struct zj_finding *f;
	struct zj_dt_text t;
	char how[64];
	bool child;

	if (ev->ptrace.request == PTRACE_TRACEME_NR) {
		/*
		 * The actor offers itself to its parent: the only process that changes hands is
		 * the actor, so it is the target.  Low: debuggers start every inferior this way,
		 * and malware uses it to keep debuggers out.
		 */
		f = zj_dt_add(out, T_PTRACE, ZJ_SEV_LOW, ZJ_TARGET_ACTOR);
		if (!f)
			return 0;
		f->flags |= ZJ_FIND_SELF;
		zj_dt_reason_begin(&t, f);
		zj_dt_text_actor(&t, &ev->actor);
		ZJ_DT_PRINTF(&t, " asked to be traced by its parent ");
		if (ctx->n_ancestors > 0)
			zj_dt_text_object(&t, &ctx->ancestors[0]);
		else
			ZJ_DT_PRINTF(&t, "pid %u", (unsigned)ev->actor.ppid);
		ZJ_DT_PRINTF(&t, " with PTRACE_TRACEME");
		goto outcome;
	}

	req = ptrace_request_find(ev->ptrace.request);
	if (!req)
		return 0;
	child = target_is_child(ev, ctx);
	f = zj_dt_add(out, T_PTRACE, req->kind == PT_ATTACH ? ZJ_SEV_MEDIUM : ZJ_SEV_HIGH,
		      ZJ_TARGET_PROCESS);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	switch (req->kind) {
	case PT_ATTACH:
		ZJ_DT_PRINTF(&t, " attached to ");
		break;
	case PT_POKE:
		ZJ_DT_PRINTF(&t, " wrote to the memory of ");
		break;
	case PT_POKEUSER:
		ZJ_DT_PRINTF(&t, " wrote to the user area (registers) of ");
		break;
	case PT_REGS:
		ZJ_DT_PRINTF(&t, " changed the registers of ");
		break;
	case PT_SIGINFO:
		ZJ_DT_PRINTF(&t, " changed the signal being delivered to ");
		break;
	default:
		ZJ_DT_PRINTF(&t, " changed the system call being made by ");
		break;
	}
	text_target(&t, ev);
	if (child)
		ZJ_DT_PRINTF(&t, ", its own child,");
	if (req->kind == PT_POKE)
		ZJ_DT_PRINTF(&t, " at 0x%" PRIx64, ev->ptrace.addr);
	ZJ_DT_PRINTF(&t, " with %s", req->name);
	if (event_is_self(ev))
		f->flags |= ZJ_FIND_SELF;
	if (child)
		zj_dt_benign(f, "debugger on its own child", (struct zj_str){NULL, 0});

outcome:
	if (ev->ptrace.result < 0) {
		const char *e = linux_errno_name(-ev->ptrace.result);

		f->flags |= ZJ_FIND_FAILED;
		if (e)
			ZJ_DT_PRINTF(&t, "; it failed with %s", e);
		else
			ZJ_DT_PRINTF(&t, "; it failed with error %" PRId64, ev->ptrace.result);
	}
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);

	if (ev->ptrace.request != PTRACE_TRACEME_NR && req->kind == PT_POKE && write_in_vdso(ev)) {
		snprintf(how, sizeof(how), " with %s", req->name);
		add_vdso_write(ev, ctx, out, ev->ptrace.addr, 0, how);
	}
	return 0;
}

int zj_dt_mem(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out)
{
	bool vm = ev->type == ZJ_EV_VM_WRITE, open = ev->type == ZJ_EV_MEM_OPEN;
	bool self = event_is_self(ev), child = target_is_child(ev, ctx);
	struct zj_finding *f;
	struct zj_dt_text t;
	char how[96];

	f = zj_dt_add(out, vm ? T_PTRACE : T_PROCMEM, open ? ZJ_SEV_MEDIUM : ZJ_SEV_HIGH,
		      self ? ZJ_TARGET_ACTOR : ZJ_TARGET_PROCESS);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	/* Typed appends, not ZJ_DT_PRINTF: this is the finding of every /proc/<pid>/mem write. */
	if (open) {
		ZJ_DT_LIT(&t, " opened ");
	} else {
		ZJ_DT_LIT(&t, " wrote ");
		if (ev->flags & ZJ_EVF_TRUNC_IOV)
			ZJ_DT_LIT(&t, "at least ");
		zj_dt_text_uint(&t, ev->mem.len);
		ZJ_DT_LIT(&t, " bytes");
		if (ev->mem.iovcnt > 1) {
			ZJ_DT_LIT(&t, " in ");
			zj_dt_text_uint(&t, (unsigned)ev->mem.iovcnt);
			ZJ_DT_LIT(&t, " vectors");
		}
		ZJ_DT_LIT(&t, " to ");
	}
	if (self) {
		ZJ_DT_LIT(&t, "its own memory");
	} else {
		ZJ_DT_LIT(&t, "the memory of ");
		text_target(&t, ev);
		if (child)
			ZJ_DT_LIT(&t, ", its own child,");
	}
	if (open) {
		ZJ_DT_LIT(&t, " for writing (");
		text_proc_mem_path(&t, ev);
		ZJ_DT_LIT(&t, ")");
	} else if (vm) {
		ZJ_DT_LIT(&t, " at 0x");
		zj_dt_text_hex(&t, ev->mem.addr);
		ZJ_DT_LIT(&t, " with process_vm_writev (ptrace access, not /proc: "
			      "Ptrace System Calls)");
	} else {
		ZJ_DT_LIT(&t, " at 0x");
		zj_dt_text_hex(&t, ev->mem.addr);
		ZJ_DT_LIT(&t, " through ");
		text_proc_mem_path(&t, ev);
		ZJ_DT_LIT(&t, " (");
		zj_dt_text_str(&t, mem_via_name(ev->mem.via));
		ZJ_DT_LIT(&t, ")");
	}
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);

	/*
	 * A process writing its own memory through /proc/self/mem or process_vm_writev: JITs
	 * and checkpoint/restore tools do this.  Still a (low) finding so that hunting sees it;
	 * the policy records it, it never alerts by default.
	 */
	if (self) {
		f->flags |= ZJ_FIND_SELF;
		zj_dt_benign(f, "self write", (struct zj_str){NULL, 0});
	} else if (child) {
		zj_dt_benign(f, "debugger on its own child", (struct zj_str){NULL, 0});
	}

	if (!open && write_in_vdso(ev)) {
		struct zj_dt_text h;

		zj_dt_text_init(&h, how, sizeof(how));
		if (vm) {
			ZJ_DT_LIT(&h, " with process_vm_writev");
		} else {
			ZJ_DT_LIT(&h, " through ");
			text_proc_mem_path(&h, ev);
		}
		zj_dt_text_end(&h);
		add_vdso_write(ev, ctx, out, ev->mem.addr, ev->mem.len, how);
	}
	return 0;
}

/* "PROT_READ|PROT_EXEC", "PROT_NONE" (Linux values). */
static void text_prot(struct zj_dt_text *t, uint32_t prot)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}};
	const char *sep = "";

	if (prot == 0) {
		ZJ_DT_PRINTF(t, "PROT_NONE");
		return;
	}
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (prot & bits[i].bit) {
			ZJ_DT_PRINTF(t, "%s%s", sep, bits[i].name);
			sep = "|";
			prot &= ~bits[i].bit;
		}
	}
	if (prot)
		ZJ_DT_PRINTF(t, "%s0x%x", sep, (unsigned)prot);
}

#define VMAP_MPROTECT 1
#define VMAP_PKEY_MPROTECT 2
#define VMAP_MREMAP 3
#define VMAP_MUNMAP 4
#define LINUX_PROT_WRITE 2u

int zj_dt_vdso_map(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		   struct zj_dt_out *out)
{
	const char *region = region_name(ev);
	uint32_t op = ev->vdso_map.op, sev;
	struct zj_finding *f;
	struct zj_dt_text t;

	/*
	 * A process changing its own vDSO mapping: making it writable or moving it is how a
	 * hijacker replaces the code every time-of-day call runs; unmapping it forces libc onto
	 * real system calls, which a hijacker can then intercept.  Re-protecting without write
	 * access is unusual but harmless on its own.
	 */
	switch (op) {
	case VMAP_MPROTECT:
	case VMAP_PKEY_MPROTECT:
		sev = ev->vdso_map.prot & LINUX_PROT_WRITE ? ZJ_SEV_HIGH : ZJ_SEV_LOW;
		break;
	case VMAP_MREMAP:
		sev = ZJ_SEV_HIGH;
		break;
	default:
		sev = ZJ_SEV_MEDIUM;
		break;
	}
	f = zj_dt_add(out, T_VDSO, sev, ZJ_TARGET_ACTOR);
	if (!f)
		return 0;
	f->flags |= ZJ_FIND_SELF;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	switch (op) {
	case VMAP_MPROTECT:
	case VMAP_PKEY_MPROTECT:
		if (ev->vdso_map.prot & LINUX_PROT_WRITE)
			ZJ_DT_PRINTF(&t, " made its own %s writable (", region);
		else
			ZJ_DT_PRINTF(&t, " changed the protection of its own %s to ", region);
		text_prot(&t, ev->vdso_map.prot);
		ZJ_DT_PRINTF(&t, "%s with %s", ev->vdso_map.prot & LINUX_PROT_WRITE ? ")" : "",
			     op == VMAP_MPROTECT ? "mprotect" : "pkey_mprotect");
		break;
	case VMAP_MREMAP:
		ZJ_DT_PRINTF(&t,
			     " remapped its own %s from 0x%" PRIx64 " to 0x%" PRIx64 " with mremap",
			     region, ev->vdso_map.addr, ev->vdso_map.new_addr);
		break;
	case VMAP_MUNMAP:
		ZJ_DT_PRINTF(&t, " unmapped its own %s at 0x%" PRIx64 " with munmap", region,
			     ev->vdso_map.addr);
		break;
	default:
		ZJ_DT_PRINTF(&t, " changed the mapping of its own %s (operation %u)", region,
			     (unsigned)op);
		break;
	}
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	return 0;
}
