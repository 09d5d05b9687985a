/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Enforcement on Windows: stop the actor of a blocked finding, after the fact.  Sysmon reports
 * an operation once it has happened; what is stopped is the process that did it (for process
 * tampering, the tampered process, which runs foreign code), so that it goes no further.
 * Processes whose end takes Windows down (or that are Windows itself) are never stopped.
 */
#include <windows.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"
#include "zhijia/errors.h"

typedef LONG(NTAPI *nt_suspend_fn)(HANDLE process);

/* Exit code of a terminated actor: "ZJ", so that it is recognisable in a process list. */
#define ZJ_WIN_EXIT_CODE 0x5a4a

bool zj_win_critical_process(const struct zj_proc *p)
{
	static const char *const names[] = {"System",	   "smss.exe",	   "csrss.exe",
					    "wininit.exe", "services.exe", "lsass.exe",
					    "winlogon.exe"};

	if (p->pid == 0 || p->pid == 4 || p->pid == GetCurrentProcessId())
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (_stricmp(p->comm, names[i]) == 0)
			return true;
	return false;
}

int zj_win_enforce(const struct zj_event *ev, const struct zj_finding *f, const char **ret_response,
		   void *userdata)
{
	int mode = userdata ? *(const int *)userdata : ZJ_WIN_ENFORCE_TERMINATE;
	const struct zj_proc *who = &ev->actor;
	HANDLE h;
	BOOL ok;

	(void)f;
	if (zj_win_critical_process(who)) {
		*ret_response = "not stopped: a critical Windows process or zhijia itself";
		return -ZJ_EOPNOTSUPP;
	}
	h = OpenProcess(mode == ZJ_WIN_ENFORCE_SUSPEND ? PROCESS_SUSPEND_RESUME : PROCESS_TERMINATE,
			FALSE, who->pid);
	if (!h) {
		*ret_response = GetLastError() == ERROR_INVALID_PARAMETER
					? "not stopped: the actor had already exited"
					: "not stopped: OpenProcess failed";
		return -ZJ_ENOENT;
	}
	if (mode == ZJ_WIN_ENFORCE_SUSPEND) {
		nt_suspend_fn suspend = (nt_suspend_fn)(void (*)(void))GetProcAddress(
			GetModuleHandleW(L"ntdll.dll"), "NtSuspendProcess");

		ok = suspend && suspend(h) >= 0;
		*ret_response = ok ? "the actor was suspended (after the fact)"
				   : "not stopped: NtSuspendProcess failed";
	} else {
		ok = TerminateProcess(h, ZJ_WIN_EXIT_CODE);
		*ret_response = ok ? "the actor was terminated (after the fact)"
				   : "not stopped: TerminateProcess failed";
	}
	CloseHandle(h);
	return ok ? 0 : -ZJ_EINVAL;
}

wchar_t *zj_win_wide(const char *s, size_t n)
{
	int m;
	wchar_t *w;

	if (n > 0x7ffffff0)
		return NULL;
	m = n ? MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, NULL, 0) : 0;
	if (n && m <= 0)
		return NULL;
	w = calloc((size_t)m + 1, sizeof(*w));
	if (w && m && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, w, m) != m) {
		free(w);
		return NULL;
	}
	return w;
}

char *zj_win_utf8(const wchar_t *s, size_t *ret_len)
{
	int m = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
	char *u;

	if (m <= 0)
		return NULL;
	u = malloc((size_t)m);
	if (u && WideCharToMultiByte(CP_UTF8, 0, s, -1, u, m, NULL, NULL) != m) {
		free(u);
		return NULL;
	}
	if (u && ret_len)
		*ret_len = (size_t)m - 1;
	return u;
}
