/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Windows sub-techniques, from the events the Sysmon front end (daemon/windows/) makes of
 * Sysmon's events (event.h: ZJ_EV_WIN_*).  Portable C11 like every detector: it is built and
 * unit-tested on Linux too; the front end and its Wine tests feed it real Sysmon XML.
 *
 * What Sysmon shows and what it cannot (the rules below say which is which):
 *  - T1055.001 DLL Injection: CreateRemoteThread (8) starting at LoadLibraryA/W/ExA/ExW or
 *    LdrLoadDll -- the thread's first act is to load a DLL the actor named.
 *  - T1055.002 PE Injection: CreateRemoteThread (8) starting anywhere else but a debugger's
 *    break-in, above all in memory no module backs (StartModule empty: code the actor wrote);
 *    ProcessAccess (10) with VM_WRITE and CREATE_THREAD (what VirtualAllocEx +
 *    WriteProcessMemory + CreateRemoteThread need).
 *  - T1055.003 Thread Execution Hijacking / T1055.004 APC: Sysmon sees neither SetThreadContext
 *    nor QueueUserAPC (they act on thread handles, which ProcessAccess does not log).  What it
 *    sees is the process handle they need for the write: VM_WRITE without CREATE_THREAD.  With
 *    SUSPEND_RESUME too (the hijacker suspends the target) it is T1055.003, without it T1055.004
 *    (an APC needs no suspension).  A heuristic by rights, said so in the reason.
 *  - T1055.012 Process Hollowing / T1055.013 Process Doppelgänging: ProcessTampering (25),
 *    "Image is replaced" (the mapped image differs from its file: hollowing) and "Image is
 *    locked for access" (the image file was written under the mapping, as doppelgänging's
 *    transaction and herpaderping do).
 *  - T1053.005 Scheduled Task: schtasks /create (1); a task file in \Windows\System32\Tasks (11);
 *    the task scheduler's TaskCache keys (12/13).
 *  - T1543.003 Windows Service: sc create/config (1), PowerShell New-Service; a service key under
 *    ...\CurrentControlSet\Services\NAME and its ImagePath, ServiceDll, Start (12/13/14).
 *  - T1547.001 Run Keys / Startup Folder: Run, RunOnce, RunOnceEx, RunServices(Once),
 *    Policies\Explorer\Run keys (both views), the Startup shell folders (12/13/14); a file in a
 *    Startup folder (11).
 *  - T1546.010 AppInit DLLs: AppInit_DLLs and LoadAppInit_DLLs (both views) (12/13).
 *  - T1574.001 DLL search order hijacking: an unsigned image (7) whose name is a system DLL's,
 *    loaded from the loading program's own directory, outside the system directories.
 * Benign patterns, as on Linux recorded at low severity with ZJ_FIND_BENIGN: a debugger
 * (or the creator of the process) on its own child; a debugger's break-in thread
 * (DbgUiRemoteBreakin); Windows Installer and servicing (msiexec.exe, TrustedInstaller.exe,
 * TiWorker.exe in the Windows directory) as the actor or an ancestor; a signed image.
 * Deleting a key or value of these is a low finding with ZJ_FIND_REMOVAL.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "detect-internal.h"
#include "zhijia/errors.h"

/* Process access rights (winnt.h), the ones that matter here. */
#define WIN_PROCESS_CREATE_THREAD 0x0002u
#define WIN_PROCESS_VM_OPERATION 0x0008u
#define WIN_PROCESS_VM_WRITE 0x0020u
#define WIN_PROCESS_SUSPEND_RESUME 0x0800u

/* ---- case-insensitive views (Windows paths and keys: ASCII case folding) ------------------ */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool ci_eq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	return true;
}

static bool ci_eq(struct zj_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.ptr && s.len == n && ci_eq_n(s.ptr, lit, n);
}

static bool ci_prefix(struct zj_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.ptr && s.len >= n && ci_eq_n(s.ptr, lit, n);
}

static bool ci_suffix(struct zj_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.ptr && s.len >= n && ci_eq_n(s.ptr + s.len - n, lit, n);
}

/* Offset of lit in s, or -1. */
static long ci_find(struct zj_str s, const char *lit)
{
	size_t n = strlen(lit);

	if (!s.ptr || s.len < n)
		return -1;
	for (size_t i = 0; i + n <= s.len; i++)
		if (ci_eq_n(s.ptr + i, lit, n))
			return (long)i;
	return -1;
}

static struct zj_str drop(struct zj_str s, size_t n)
{
	struct zj_str r = {s.ptr + n, s.len - n};

	return r;
}

/* Basename after the last '\\' or '/'. */
static struct zj_str win_basename(struct zj_str p)
{
	struct zj_str b = p;

	if (!p.ptr)
		return b;
	for (size_t i = p.len; i > 0; i--) {
		if (p.ptr[i - 1] == '\\' || p.ptr[i - 1] == '/') {
			b.ptr = p.ptr + i;
			b.len = p.len - i;
			break;
		}
	}
	return b;
}

/* The directory part, without the trailing separator; empty without one. */
static struct zj_str win_dirname(struct zj_str p)
{
	struct zj_str b = win_basename(p), d = {p.ptr, 0};

	if (p.ptr && b.ptr != p.ptr)
		d.len = (size_t)(b.ptr - p.ptr) - 1;
	return d;
}

/* "C:\Windows\..." on any drive: the part after "X:". */
static bool win_under(struct zj_str p, const char *dir)
{
	if (p.len < 2 || !p.ptr || p.ptr[1] != ':')
		return false;
	return ci_prefix(drop(p, 2), dir);
}

/* Directories only the system (TrustedInstaller, administrators) writes. */
static bool win_in_system_dir(struct zj_str p)
{
	return win_under(p, "\\Windows\\System32\\") || win_under(p, "\\Windows\\SysWOW64\\") ||
	       win_under(p, "\\Windows\\WinSxS\\");
}

/* Windows Installer and servicing, from the Windows directory. */
static bool win_is_installer(const struct zj_proc *p)
{
	static const char *const names[] = {"msiexec.exe", "TrustedInstaller.exe", "TiWorker.exe"};
	struct zj_str base;

	if (!p->exe.ptr || !win_under(p->exe, "\\Windows\\"))
		return false;
	base = win_basename(p->exe);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ci_eq(base, names[i]))
			return true;
	return false;
}

static const struct zj_proc *win_installer(const struct zj_event *ev,
					   const struct zj_detect_ctx *ctx)
{
	size_t n = ctx->n_ancestors < ZJ_ANCESTORS_MAX ? ctx->n_ancestors : ZJ_ANCESTORS_MAX;

	if (win_is_installer(&ev->actor))
		return &ev->actor;
	for (size_t i = 0; i < n; i++)
		if (win_is_installer(&ctx->ancestors[i]))
			return &ctx->ancestors[i];
	return NULL;
}

static void installer_benign(struct zj_finding *f, const struct zj_event *ev,
			     const struct zj_detect_ctx *ctx)
{
	const struct zj_proc *inst = win_installer(ev, ctx);

	if (inst)
		zj_dt_benign(f, "Windows Installer or servicing", win_basename(inst->exe));
}

/* The target's creator is the actor: a debugger or the parent on its own child. */
static bool own_child(const struct zj_event *ev, const struct zj_detect_ctx *ctx)
{
	return (ctx->flags & ZJ_CTX_TARGET_CHILD) ||
	       (ev->target.ppid && ev->target.ppid == ev->actor.pid);
}

/* ---- registry ---------------------------------------------------------------------------- */

#define HIVE_MACHINE 1
#define HIVE_USER 2

/*
 * Split a key as Sysmon writes it (HKLM\..., HKU\SID\..., HKCR\...; the native \REGISTRY\...
 * and the long HKEY_* names too) into the hive and the rest after the root.  HKCR is
 * HKLM\SOFTWARE\Classes merged with the user's; it matters to none of the rules here.
 */
static int reg_split(struct zj_str key, struct zj_str *ret_rest)
{
	static const struct {
		const char *prefix;
		int hive;
		bool sid; /* a user SID follows */
	} roots[] = {
		{"HKLM\\", HIVE_MACHINE, false},
		{"HKEY_LOCAL_MACHINE\\", HIVE_MACHINE, false},
		{"\\REGISTRY\\MACHINE\\", HIVE_MACHINE, false},
		{"HKCU\\", HIVE_USER, false},
		{"HKEY_CURRENT_USER\\", HIVE_USER, false},
		{"HKU\\", HIVE_USER, true},
		{"HKEY_USERS\\", HIVE_USER, true},
		{"\\REGISTRY\\USER\\", HIVE_USER, true},
	};

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct zj_str rest;
		const char *sep;

		if (!ci_prefix(key, roots[i].prefix))
			continue;
		rest = drop(key, strlen(roots[i].prefix));
		if (roots[i].sid) {
			sep = memchr(rest.ptr, '\\', rest.len);
			if (!sep)
				return 0;
			rest = drop(rest, (size_t)(sep - rest.ptr) + 1);
		}
		*ret_rest = rest;
		return roots[i].hive;
	}
	return 0;
}

/* rest is `key` itself or something below it; *ret_below is what follows "key\". */
static bool reg_at_or_below(struct zj_str rest, const char *key, struct zj_str *ret_below)
{
	size_t n = strlen(key);
	struct zj_str none = {rest.ptr + rest.len, 0};

	if (!ci_prefix(rest, key))
		return false;
	if (rest.len == n) {
		if (ret_below)
			*ret_below = none;
		return true;
	}
	if (rest.ptr[n] != '\\')
		return false;
	if (ret_below)
		*ret_below = drop(rest, n + 1);
	return true;
}

/* Software keys exist in the 64-bit and the 32-bit (Wow6432Node) view. */
static bool reg_software(struct zj_str rest, const char *under_software, struct zj_str *ret_below)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "SOFTWARE\\%s", under_software);
	if (reg_at_or_below(rest, buf, ret_below))
		return true;
	snprintf(buf, sizeof(buf), "SOFTWARE\\Wow6432Node\\%s", under_software);
	return reg_at_or_below(rest, buf, ret_below);
}

/* SYSTEM\CurrentControlSet\Services, or a numbered ControlSetNNN. */
static bool reg_services(struct zj_str rest, struct zj_str *ret_below)
{
	struct zj_str r;

	if (!ci_prefix(rest, "SYSTEM\\"))
		return false;
	r = drop(rest, 7);
	if (ci_prefix(r, "CurrentControlSet\\"))
		r = drop(r, 18);
	else if (ci_prefix(r, "ControlSet") && r.len > 14 && r.ptr[13] == '\\')
		r = drop(r, 14);
	else
		return false;
	return reg_at_or_below(r, "Services", ret_below) && ret_below->len > 0;
}

struct win_persist {
	const char *technique;
	uint32_t target;
	const char *what; /* "a Run key", ... */
};

static bool reg_classify(struct zj_str key, uint32_t op, struct win_persist *ret)
{
	static const char *const run_keys[] = {
		"Microsoft\\Windows\\CurrentVersion\\Run",
		"Microsoft\\Windows\\CurrentVersion\\RunOnce",
		"Microsoft\\Windows\\CurrentVersion\\RunOnceEx",
		"Microsoft\\Windows\\CurrentVersion\\RunServices",
		"Microsoft\\Windows\\CurrentVersion\\RunServicesOnce",
		"Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer\\Run",
	};
	static const char *const shell_folders[] = {
		"Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders",
		"Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders",
	};
	struct zj_str rest, below;
	int hive = reg_split(key, &rest);
	uint32_t target = hive == HIVE_MACHINE ? ZJ_TARGET_SYSTEM : ZJ_TARGET_USER;

	if (!hive)
		return false;
	for (size_t i = 0; i < sizeof(run_keys) / sizeof(run_keys[0]); i++) {
		/* Only the key and its values (RunOnceEx: its numbered subkeys too). */
		if (reg_software(rest, run_keys[i], &below) &&
		    (!memchr(below.ptr, '\\', below.len) || i == 2)) {
			*ret = (struct win_persist){"T1547.001", target, "a Run key"};
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(shell_folders) / sizeof(shell_folders[0]); i++) {
		if (reg_software(rest, shell_folders[i], &below) &&
		    (ci_eq(below, "Startup") || ci_eq(below, "Common Startup"))) {
			*ret = (struct win_persist){"T1547.001", target,
						    "the Startup folder setting"};
			return true;
		}
	}
	if (hive == HIVE_MACHINE &&
	    reg_software(rest, "Microsoft\\Windows NT\\CurrentVersion\\Windows", &below) &&
	    (ci_eq(below, "AppInit_DLLs") || ci_eq(below, "LoadAppInit_DLLs"))) {
		*ret = (struct win_persist){"T1546.010", ZJ_TARGET_SYSTEM, "AppInit_DLLs"};
		return true;
	}
	if (hive == HIVE_MACHINE &&
	    (reg_software(rest, "Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree",
			  &below) ||
	     reg_software(rest, "Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks",
			  &below)) &&
	    below.len > 0) {
		*ret = (struct win_persist){"T1053.005", ZJ_TARGET_SYSTEM,
					    "the task scheduler's cache"};
		return true;
	}
	if (hive == HIVE_MACHINE && reg_services(rest, &below)) {
		const char *sep = memchr(below.ptr, '\\', below.len);
		struct zj_str value = sep ? drop(below, (size_t)(sep - below.ptr) + 1) : below;
		bool service_key = !sep;

		/* A service appears or goes (its key), or what it runs changes. */
		if ((service_key && op != ZJ_REG_SET_VALUE) || ci_eq(value, "ImagePath") ||
		    ci_eq(value, "ServiceDll") || ci_eq(value, "Parameters\\ServiceDll") ||
		    ci_eq(value, "Start") || ci_eq(value, "FailureCommand")) {
			*ret = (struct win_persist){"T1543.003", ZJ_TARGET_SYSTEM,
						    "a service's key"};
			return true;
		}
	}
	return false;
}

static int dt_registry(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		       struct zj_dt_out *out)
{
	struct win_persist w;
	struct zj_finding *f;
	struct zj_dt_text t;
	bool removal = ev->win.op == ZJ_REG_DELETE_KEY || ev->win.op == ZJ_REG_DELETE_VALUE;

	if (!reg_classify(ev->win.object, ev->win.op, &w))
		return 0;
	f = zj_dt_add(out, w.technique, removal ? ZJ_SEV_LOW : ZJ_SEV_HIGH, w.target);
	if (!f)
		return 0;
	if (removal)
		f->flags |= ZJ_FIND_REMOVAL;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " %s %s: ", zj_reg_op_name(ev->win.op), w.what);
	zj_dt_text_zstr(&t, ev->win.object, ZJ_DT_PATH_SHOWN);
	if (ev->win.detail.len) {
		ZJ_DT_PRINTF(&t, ev->win.op == ZJ_REG_RENAME_KEY ? " -> " : " = ");
		zj_dt_text_zstr(&t, ev->win.detail, ZJ_DT_PATH_SHOWN);
	}
	if (ci_eq(win_basename(ev->actor.exe), "services.exe"))
		ZJ_DT_PRINTF(&t, " (through the Service Control Manager)");
	zj_dt_reason_end(&t, f);
	installer_benign(f, ev, ctx);
	return 0;
}

/* ---- files ------------------------------------------------------------------------------- */

static bool file_classify(struct zj_str path, struct win_persist *ret)
{
	static const char startup[] = "\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\";
	struct zj_str base = win_basename(path);
	long at = ci_find(path, startup);

	if (at >= 0 && (size_t)at + strlen(startup) < path.len &&
	    !memchr(path.ptr + at + strlen(startup), '\\',
		    path.len - (size_t)at - strlen(startup))) {
		/* Explorer keeps a desktop.ini in every shell folder. */
		if (ci_eq(base, "desktop.ini"))
			return false;
		/* C:\ProgramData\...: every user's logon runs it. */
		*ret = (struct win_persist){"T1547.001",
					    win_under(path, "\\ProgramData\\") ? ZJ_TARGET_SYSTEM
									       : ZJ_TARGET_USER,
					    "a file in a Startup folder"};
		return true;
	}
	if ((win_under(path, "\\Windows\\System32\\Tasks\\") ||
	     win_under(path, "\\Windows\\SysWOW64\\Tasks\\") ||
	     (win_under(path, "\\Windows\\Tasks\\") && ci_suffix(path, ".job"))) &&
	    base.len > 0) {
		*ret = (struct win_persist){"T1053.005", ZJ_TARGET_SYSTEM, "a scheduled task file"};
		return true;
	}
	return false;
}

static int dt_file_create(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
			  struct zj_dt_out *out)
{
	struct win_persist w;
	struct zj_finding *f;
	struct zj_dt_text t;

	if (!file_classify(ev->win.object, &w))
		return 0;
	f = zj_dt_add(out, w.technique, ZJ_SEV_HIGH, w.target);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " created %s: ", w.what);
	zj_dt_text_zstr(&t, ev->win.object, ZJ_DT_PATH_SHOWN);
	zj_dt_reason_end(&t, f);
	installer_benign(f, ev, ctx);
	return 0;
}

/* ---- process creation -------------------------------------------------------------------- */

/* The command line as one view (the front end stores it as one argument). */
static struct zj_str cmdline_of(const struct zj_event *ev)
{
	struct zj_str c = ev->exec.args;

	while (c.len && c.ptr[c.len - 1] == '\0')
		c.len--;
	return c;
}

static int dt_process(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		      struct zj_dt_out *out)
{
	struct zj_str image = ev->exec.filename, base = win_basename(image), cmd = cmdline_of(ev);
	const char *technique = NULL, *what = NULL;
	uint32_t target = ZJ_TARGET_SYSTEM;
	struct zj_finding *f;
	struct zj_dt_text t;

	if (ci_eq(base, "schtasks.exe") && ci_find(cmd, "/create") >= 0) {
		technique = "T1053.005";
		what = "creates a scheduled task";
		/* A task that runs as SYSTEM, or /ru naming nobody, is the system's. */
		if (ci_find(cmd, "/ru") >= 0 && ci_find(cmd, "system") < 0)
			target = ZJ_TARGET_USER;
	} else if (ci_eq(base, "sc.exe") &&
		   (ci_find(cmd, " create ") >= 0 ||
		    (ci_find(cmd, " config ") >= 0 && ci_find(cmd, "binpath") >= 0))) {
		technique = "T1543.003";
		what = "creates or reconfigures a service";
	} else if ((ci_eq(base, "powershell.exe") || ci_eq(base, "pwsh.exe")) &&
		   ci_find(cmd, "New-Service") >= 0) {
		technique = "T1543.003";
		what = "creates a service";
	}
	if (!technique)
		return 0;
	f = zj_dt_add(out, technique, ZJ_SEV_HIGH, target);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " %s: ", what);
	zj_dt_text_zstr(&t, cmd, ZJ_DT_PATH_SHOWN);
	zj_dt_reason_end(&t, f);
	installer_benign(f, ev, ctx);
	return 0;
}

/* ---- image loads ------------------------------------------------------------------------- */

/* System DLLs that programs load by bare name, so that a copy beside the program wins the
 * search order (the names seen side-loaded most often). */
static const char *const hijackable_dlls[] = {
	"version.dll", "dbghelp.dll",  "dbgcore.dll",  "wtsapi32.dll",	"winmm.dll",
	"dwmapi.dll",  "uxtheme.dll",  "cryptsp.dll",  "cryptbase.dll", "userenv.dll",
	"profapi.dll", "secur32.dll",  "sspicli.dll",  "netapi32.dll",	"wininet.dll",
	"winhttp.dll", "iphlpapi.dll", "dnsapi.dll",   "mswsock.dll",	"propsys.dll",
	"d3d9.dll",    "dxgi.dll",     "oleacc.dll",   "msimg32.dll",	"credui.dll",
	"wer.dll",     "faultrep.dll", "mpr.dll",      "cscapi.dll",	"ntmarta.dll",
	"wldp.dll",    "xmllite.dll",  "winspool.drv", "wbemcomn.dll",	"amsi.dll",
};

static int dt_image_load(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
			 struct zj_dt_out *out)
{
	struct zj_str dll = ev->win.object, base = win_basename(dll), dd, ad;
	struct zj_finding *f;
	struct zj_dt_text t;
	bool known = false;

	for (size_t i = 0; i < sizeof(hijackable_dlls) / sizeof(hijackable_dlls[0]); i++)
		if (ci_eq(base, hijackable_dlls[i]))
			known = true;
	if (!known || win_in_system_dir(dll))
		return 0;
	/* The copy that hijacks the search is the one in the program's own directory. */
	dd = win_dirname(dll);
	ad = win_dirname(ev->actor.exe);
	if (!dd.len || dd.len != ad.len || !ci_eq_n(dd.ptr, ad.ptr, dd.len))
		return 0;
	f = zj_dt_add(out, "T1574.001", ZJ_SEV_HIGH, ZJ_TARGET_ACTOR);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " loaded %s system DLL name from its own directory: ",
		     ev->win.is_signed ? "a signed copy of a" : "an unsigned");
	zj_dt_text_zstr(&t, dll, ZJ_DT_PATH_SHOWN);
	zj_dt_reason_end(&t, f);
	if (ev->win.is_signed)
		zj_dt_benign(f, "signed by", ev->win.detail);
	else
		installer_benign(f, ev, ctx);
	return 0;
}

/* ---- remote threads, process access, tampering ------------------------------------------- */

static void injection_benign(struct zj_finding *f, const struct zj_event *ev,
			     const struct zj_detect_ctx *ctx)
{
	struct zj_str none = {NULL, 0};

	if (own_child(ev, ctx))
		zj_dt_benign(f, "debugger or creator on its own child", none);
}

static int dt_remote_thread(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
			    struct zj_dt_out *out)
{
	static const char *const loaders[] = {"LoadLibraryA", "LoadLibraryW", "LoadLibraryExA",
					      "LoadLibraryExW", "LdrLoadDll"};
	struct zj_str fn = ev->win.detail, mod = ev->win.object;
	bool loads = false, unbacked = mod.len == 0 || ci_eq(mod, "-");
	struct zj_finding *f;
	struct zj_dt_text t;

	if ((ev->flags & ZJ_EVF_HAS_TARGET) && ev->target.pid == ev->actor.pid)
		return 0; /* a thread in itself: not injection */
	for (size_t i = 0; i < sizeof(loaders) / sizeof(loaders[0]); i++)
		if (ci_eq(fn, loaders[i]))
			loads = true;
	f = zj_dt_add(out, loads ? "T1055.001" : "T1055.002", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " started a thread in ");
	zj_dt_text_object(&t, &ev->target);
	if (loads) {
		ZJ_DT_PRINTF(&t, " at ");
		zj_dt_text_zstr(&t, fn, 64);
		ZJ_DT_PRINTF(&t, ": it loads a DLL the actor chose");
	} else if (unbacked) {
		ZJ_DT_PRINTF(&t, " at 0x%llx, in memory no module backs",
			     (unsigned long long)ev->win.address);
	} else {
		ZJ_DT_PRINTF(&t, " at ");
		zj_dt_text_zstr(&t, win_basename(mod), 64);
		ZJ_DT_PRINTF(&t, "!");
		zj_dt_text_zstr(&t, fn, 64);
	}
	zj_dt_reason_end(&t, f);
	if (ci_eq(fn, "DbgUiRemoteBreakin")) {
		struct zj_str none = {NULL, 0};

		zj_dt_benign(f, "debugger break-in", none);
	} else {
		injection_benign(f, ev, ctx);
	}
	return 0;
}

static int dt_process_access(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
			     struct zj_dt_out *out)
{
	uint32_t a = ev->win.access;
	const char *technique, *how;
	struct zj_finding *f;
	struct zj_dt_text t;
	bool from_unbacked = ci_find(ev->win.detail, "UNKNOWN(") >= 0;

	if (!(a & WIN_PROCESS_VM_WRITE) || !(a & WIN_PROCESS_VM_OPERATION))
		return 0; /* reading or querying: not a way to inject */
	if ((ev->flags & ZJ_EVF_HAS_TARGET) && ev->target.pid == ev->actor.pid)
		return 0;
	if (a & WIN_PROCESS_CREATE_THREAD) {
		technique = "T1055.002";
		how = "write memory and create threads";
	} else if (a & WIN_PROCESS_SUSPEND_RESUME) {
		technique = "T1055.003";
		how = "write memory and suspend it, without thread creation (thread hijacking)";
	} else {
		technique = "T1055.004";
		how = "write memory, without thread creation or suspension (an APC's way)";
	}
	f = zj_dt_add(out, technique, from_unbacked ? ZJ_SEV_HIGH : ZJ_SEV_MEDIUM,
		      ZJ_TARGET_PROCESS);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " opened ");
	zj_dt_text_object(&t, &ev->target);
	ZJ_DT_PRINTF(&t, " with access 0x%x to %s", (unsigned)a, how);
	if (from_unbacked)
		ZJ_DT_PRINTF(&t, "; the call came from memory no module backs");
	zj_dt_reason_end(&t, f);
	injection_benign(f, ev, ctx);
	return 0;
}

static int dt_tamper(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		     struct zj_dt_out *out)
{
	const char *technique;
	struct zj_finding *f;
	struct zj_dt_text t;

	if (ci_eq(ev->win.object, "Image is replaced"))
		technique = "T1055.012";
	else if (ci_eq(ev->win.object, "Image is locked for access"))
		technique = "T1055.013";
	else
		return 0;
	f = zj_dt_add(out, technique, ZJ_SEV_HIGH, ZJ_TARGET_ACTOR);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_PRINTF(&t, " runs other code than its image file: ");
	zj_dt_text_zstr(&t, ev->win.object, 64);
	zj_dt_reason_end(&t, f);
	(void)ctx;
	return 0;
}

int zj_dt_windows(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out)
{
	switch (ev->type) {
	case ZJ_EV_WIN_PROCESS:
		return dt_process(ev, ctx, out);
	case ZJ_EV_WIN_IMAGE_LOAD:
		return dt_image_load(ev, ctx, out);
	case ZJ_EV_WIN_REMOTE_THREAD:
		return dt_remote_thread(ev, ctx, out);
	case ZJ_EV_WIN_PROCESS_ACCESS:
		return dt_process_access(ev, ctx, out);
	case ZJ_EV_WIN_FILE_CREATE:
		return dt_file_create(ev, ctx, out);
	case ZJ_EV_WIN_REGISTRY:
		return dt_registry(ev, ctx, out);
	case ZJ_EV_WIN_TAMPER:
		return dt_tamper(ev, ctx, out);
	default:
		return 0;
	}
}
