/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Detectors for what reaches into the kernel or around the file system:
 *
 *  - T1547.006 Kernel Modules and Extensions: init_module / finit_module (kmod events).
 *    Benign (recorded, not alerted): the boot-time and hot-plug loaders doing their job -- a
 *    module loader program (kmod, modprobe, insmod, systemd-modules-load, systemd-udevd) from a
 *    system directory that is itself a system process (the kernel's request_module() helper,
 *    a unit started by PID 1) or runs under systemd-udevd or systemd-modules-load; and
 *    package managers (DKMS during an upgrade).  A loader started from a shell is medium; any
 *    other program calling init_module/finit_module itself is high (rootkit droppers do).
 *  - T1548.001 Setuid and Setgid: chmod and friends asking for S_ISUID or S_ISGID (setid
 *    events).  Benign: package managers (they install setuid programs), a chmod that keeps
 *    bits the file had, a set-id bit on something that is not a regular file (setgid
 *    directories).  S_ISUID is high, S_ISGID alone medium.  chown(2) never adds these bits
 *    (the kernel clears them), so it is not watched.
 *  - T1055.008 / T1055.009 with the payload: a library mapped executable by a process that was
 *    just attached to or written into (so_map events): shared-object injection, named.
 *  - T1620 Reflective Code Loading: exec of an anonymous in-memory file (memfd_create and
 *    the like: flag anon_exe), exec through a file descriptor (execveat(AT_EMPTY_PATH),
 *    fexecve: the kernel names it "/dev/fd/N"), and a process writing into its own program
 *    text through /proc/self/mem (the DDexec family: flag exec_text).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "detect-internal.h"
#include "zhijia/bpf_abi.h"

#define T_KMOD "T1547.006"
#define T_SETID "T1548.001"
#define T_REFLECT "T1620"

#define S_SETUID 04000
#define S_SETGID 02000

static bool name_in(struct zj_str name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (zj_dt_str_eq(name, list[i]))
			return true;
	return false;
}

/* A program from a system directory whose name is one of list. */
static bool system_program(const struct zj_proc *p, const char *const *list, size_t n)
{
	return p && p->exe.ptr && zj_dt_in_system_dir(p->exe.ptr, p->exe.len) &&
	       name_in(zj_dt_basename(p->exe), list, n);
}

static const char *const module_loaders[] = {
	"kmod", "modprobe", "insmod", "systemd-modules-load", "systemd-udevd",
};
static const char *const boot_loaders[] = {"systemd-udevd", "systemd-modules-load"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The boot-time / hot-plug module loading rule (see the top of this file). */
static const char *kmod_benign(const struct zj_event *ev, const struct zj_detect_ctx *ctx)
{
	size_t n = ctx->n_ancestors < ZJ_ANCESTORS_MAX ? ctx->n_ancestors : ZJ_ANCESTORS_MAX;

	if (zj_dt_package_manager(ev, ctx))
		return "package manager";
	if (!system_program(&ev->actor, module_loaders, N(module_loaders)))
		return NULL;
	if (zj_proc_is_system(&ev->actor))
		return "system module loader";
	for (size_t i = 0; i < n && i < 3; i++)
		if (system_program(&ctx->ancestors[i], boot_loaders, N(boot_loaders)))
			return "module loader under systemd-udevd/systemd-modules-load";
	return NULL;
}

static int dt_kmod(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		   struct zj_dt_out *out)
{
	bool loader = system_program(&ev->actor, module_loaders, N(module_loaders));
	const char *benign = kmod_benign(ev, ctx);
	struct zj_finding *f;
	struct zj_dt_text t;

	f = zj_dt_add(out, T_KMOD, loader ? ZJ_SEV_MEDIUM : ZJ_SEV_HIGH, ZJ_TARGET_SYSTEM);
	if (!f)
		return 0;
	if (ev->kmod.result < 0)
		f->flags |= ZJ_FIND_FAILED;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	if (ev->kmod.op == ZJ_KMOD_FINIT) {
		ZJ_DT_PRINTF(&t, " loaded a kernel module with finit_module from ");
		if (ev->kmod.path.len)
			zj_dt_text_zstr(&t, ev->kmod.path, ZJ_DT_PATH_SHOWN);
		else
			ZJ_DT_PRINTF(&t, "fd %d", (int)ev->kmod.fd);
	} else {
		ZJ_DT_PRINTF(&t, " loaded a kernel module with init_module from its memory (%llu bytes)",
			     (unsigned long long)ev->kmod.len);
	}
	if (ev->kmod.name.len) {
		ZJ_DT_PRINTF(&t, ": module ");
		zj_dt_text_zstr(&t, ev->kmod.name, 64);
	}
	if (ev->kmod.result < 0)
		ZJ_DT_PRINTF(&t, " (failed: error %d)", -(int)ev->kmod.result);
	if (benign)
		zj_dt_benign(f, benign, (struct zj_str){NULL, 0});
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	return 0;
}

static int dt_setid(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		    struct zj_dt_out *out)
{
	uint32_t bits = ev->file.mode & (S_SETUID | S_SETGID);
	const struct zj_proc *pm = zj_dt_package_manager(ev, ctx);
	struct zj_finding *f;
	struct zj_dt_text t;

	f = zj_dt_add(out, T_SETID, (bits & S_SETUID) ? ZJ_SEV_HIGH : ZJ_SEV_MEDIUM,
		      ZJ_TARGET_SYSTEM);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " set %s on ",
		     bits == (S_SETUID | S_SETGID) ? "setuid and setgid"
		     : bits == S_SETUID	       ? "setuid"
					       : "setgid");
	zj_dt_text_zstr(&t, ev->file.path, ZJ_DT_PATH_SHOWN);
	ZJ_DT_PRINTF(&t, " (mode %04o)", (unsigned)(ev->file.mode & 07777));
	if (pm)
		zj_dt_benign(f, "package manager", zj_dt_basename(pm->exe));
	else if (ev->flags & ZJ_EVF_NOT_REG)
		zj_dt_benign(f, "not a regular file", (struct zj_str){NULL, 0});
	else if (ev->flags & ZJ_EVF_SETID_HAD)
		zj_dt_benign(f, "the file had the bits already", (struct zj_str){NULL, 0});
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	return 0;
}

/* "/dev/fd/N": the name the kernel gives an exec through a descriptor (AT_EMPTY_PATH). */
static bool exec_by_fd(struct zj_str filename)
{
	if (!zj_dt_str_prefix(filename, "/dev/fd/") || filename.len == 8)
		return false;
	for (size_t i = 8; i < filename.len; i++)
		if (filename.ptr[i] < '0' || filename.ptr[i] > '9')
			return false;
	return true;
}

int zj_dt_reflect_exec(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		       struct zj_dt_out *out)
{
	bool anon = ev->flags & ZJ_EVF_ANON_EXE, byfd = exec_by_fd(ev->exec.filename);
	struct zj_finding *f;
	struct zj_dt_text t;

	if (!anon && !byfd)
		return 0;
	f = zj_dt_add(out, T_REFLECT, anon ? ZJ_SEV_HIGH : ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	if (anon)
		ZJ_DT_PRINTF(&t, " runs an image that is an anonymous in-memory file (memfd), ");
	else
		ZJ_DT_PRINTF(&t, " runs an image executed through a file descriptor, ");
	ZJ_DT_PRINTF(&t, "exec'd as ");
	zj_dt_text_zstr(&t, ev->exec.filename, ZJ_DT_PATH_SHOWN);
	if (ctx->n_ancestors > 0) {
		ZJ_DT_PRINTF(&t, " by ");
		zj_dt_text_object(&t, &ctx->ancestors[0]);
	}
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	return 0;
}

int zj_dt_reflect_mem(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		      struct zj_dt_out *out)
{
	struct zj_finding *f;
	struct zj_dt_text t;

	if (ev->type != ZJ_EV_MEM_WRITE || !(ev->flags & ZJ_EVF_SELF) ||
	    !(ev->flags & ZJ_EVF_EXEC_TEXT))
		return 0;
	f = zj_dt_add(out, T_REFLECT, ZJ_SEV_HIGH, ZJ_TARGET_SYSTEM);
	if (!f)
		return 0;
	f->flags |= ZJ_FIND_SELF;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t,
		     " wrote %llu bytes into its own program text at 0x%llx through "
		     "/proc/self/mem (%s)",
		     (unsigned long long)ev->mem.len, (unsigned long long)ev->mem.addr,
		     zj_mem_via_name(ev->mem.via));
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	return 0;
}

/*
 * Shared-object injection: the injector (actor) attached to or wrote into the target, which
 * then mapped a file executable -- the library the injection forced in.  One finding, under
 * the sub-technique of the session, naming the payload.  A debugger's own child loading a
 * library after a breakpoint is the benign counterpart (the target's parent is the actor).
 */
static int dt_somap(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		    struct zj_dt_out *out)
{
	bool mem = ev->somap.via == ZJ_INJ_PROC_MEM;
	struct zj_finding *f;
	struct zj_dt_text t;

	f = zj_dt_add(out, mem ? "T1055.009" : "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " injected the shared object ");
	zj_dt_text_zstr(&t, ev->somap.path, ZJ_DT_PATH_SHOWN);
	ZJ_DT_PRINTF(&t, " into ");
	zj_dt_text_object(&t, &ev->target);
	ZJ_DT_PRINTF(&t, " (%s, then an executable mapping of it in the target)",
		     mem ? "a write through /proc/<pid>/mem" : "ptrace");
	if ((ctx->flags & ZJ_CTX_TARGET_CHILD) ||
	    ((ev->target.flags & ZJ_PROC_KNOWN) && ev->target.ppid == ev->actor.pid))
		zj_dt_benign(f, "debugger on its own child", (struct zj_str){NULL, 0});
	zj_dt_reason_end(&t, f);
	return 0;
}

int zj_dt_kernel(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out)
{
	switch (ev->type) {
	case ZJ_EV_SOMAP:
		return dt_somap(ev, ctx, out);
	case ZJ_EV_KMOD:
		return dt_kmod(ev, ctx, out);
	case ZJ_EV_SETID:
		return dt_setid(ev, ctx, out);
	default:
		return 0;
	}
}
