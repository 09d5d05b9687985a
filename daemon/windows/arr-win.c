/* SPDX-License-Identifier: GPL-2.0-only */
/* The Windows ARR executor (arr-win.h). */
#include <windows.h>
#include <tlhelp32.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "arr-win.h"
#include "win.h"
#include "zhijia/errors.h"

#define OUT_MAX 512

typedef LONG(WINAPI *reg_rename_fn)(HKEY key, LPCWSTR sub, LPCWSTR new_name);
typedef LONG(WINAPI *reg_copy_tree_fn)(HKEY src, LPCWSTR sub, HKEY dest);
typedef LONG(NTAPI *nt_process_fn)(HANDLE process);

static int from_win32(LONG e)
{
	switch (e) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
		return -ZJ_ENOENT;
	case ERROR_ALREADY_EXISTS:
	case ERROR_FILE_EXISTS:
		return -ZJ_EEXIST;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return -ZJ_ENOMEM;
	case ERROR_ACCESS_DENIED:
		return -EACCES;
	default:
		return -ZJ_EINVAL;
	}
}

/* ---- registry ---------------------------------------------------------------------------- */

struct reg_path {
	HKEY root;
	wchar_t *sub; /* after "ROOT\" */
};

static int reg_path(const char *key, struct reg_path *ret)
{
	static const struct {
		const char *name;
		HKEY root;
	} roots[] = {
		{"HKLM", HKEY_LOCAL_MACHINE}, {"HKEY_LOCAL_MACHINE", HKEY_LOCAL_MACHINE},
		{"HKCU", HKEY_CURRENT_USER},  {"HKEY_CURRENT_USER", HKEY_CURRENT_USER},
		{"HKU", HKEY_USERS},	      {"HKEY_USERS", HKEY_USERS},
		{"HKCR", HKEY_CLASSES_ROOT},  {"HKEY_CLASSES_ROOT", HKEY_CLASSES_ROOT},
	};
	const char *sep = strchr(key, '\\');

	if (!sep)
		return -ZJ_EINVAL;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (strlen(roots[i].name) == (size_t)(sep - key) &&
		    _strnicmp(key, roots[i].name, (size_t)(sep - key)) == 0) {
			ret->root = roots[i].root;
			ret->sub = zj_win_wide(sep + 1, strlen(sep + 1));
			return ret->sub ? 0 : -ZJ_ENOMEM;
		}
	}
	return -ZJ_EINVAL;
}

/* The data of a.value as the registry stores it (a.value_type; REG_SZ by default). */
static int reg_data(const struct zj_arr_action *a, DWORD *ret_type, BYTE **ret_data, DWORD *ret_len)
{
	const char *d = a->data ? a->data : "";

	switch (a->value_type) {
	case ZJ_ARR_REG_DWORD:
	case ZJ_ARR_REG_QWORD: {
		unsigned long long v = strtoull(d, NULL, 0);
		size_t n = a->value_type == ZJ_ARR_REG_DWORD ? 4 : 8;
		BYTE *b = malloc(n);

		if (!b)
			return -ZJ_ENOMEM;
		for (size_t i = 0; i < n; i++) /* little-endian, as REG_DWORD/REG_QWORD are */
			b[i] = (BYTE)(v >> (8 * i));
		*ret_type = a->value_type == ZJ_ARR_REG_DWORD ? REG_DWORD : REG_QWORD;
		*ret_data = b;
		*ret_len = (DWORD)n;
		return 0;
	}
	default: {
		wchar_t *w = zj_win_wide(d, strlen(d));

		if (!w)
			return -ZJ_EINVAL;
		*ret_type = a->value_type == ZJ_ARR_REG_EXPAND_SZ ? REG_EXPAND_SZ : REG_SZ;
		*ret_data = (BYTE *)w;
		*ret_len = (DWORD)((wcslen(w) + 1) * sizeof(wchar_t));
		return 0;
	}
	}
}

static bool value_exists(HKEY h, const wchar_t *name)
{
	return RegQueryValueExW(h, name, NULL, NULL, NULL, NULL) == ERROR_SUCCESS;
}

static int reg_set(HKEY h, const struct zj_arr_action *a, const wchar_t *name)
{
	DWORD type, len;
	BYTE *data;
	int r = reg_data(a, &type, &data, &len);

	if (r < 0)
		return r;
	r = from_win32(RegSetValueExW(h, name, 0, type, data, len));
	free(data);
	return r;
}

/* A copy of src (and everything under it) into dest, for a registry without RegCopyTreeW. */
static LONG copy_tree(HKEY src, HKEY dest, int depth)
{
	wchar_t name[16384];
	DWORD i, n, type, len;
	LONG e;

	if (depth > 512)
		return ERROR_INVALID_PARAMETER;
	for (i = 0;; i++) {
		BYTE *data;

		n = sizeof(name) / sizeof(name[0]);
		len = 0;
		e = RegEnumValueW(src, i, name, &n, NULL, &type, NULL, &len);
		if (e == ERROR_NO_MORE_ITEMS)
			break;
		if (e != ERROR_SUCCESS)
			return e;
		data = malloc(len ? len : 1);
		if (!data)
			return ERROR_NOT_ENOUGH_MEMORY;
		n = sizeof(name) / sizeof(name[0]);
		e = RegEnumValueW(src, i, name, &n, NULL, &type, data, &len);
		if (e == ERROR_SUCCESS)
			e = RegSetValueExW(dest, name, 0, type, data, len);
		free(data);
		if (e != ERROR_SUCCESS)
			return e;
	}
	for (i = 0;; i++) {
		HKEY s, d;

		n = 256;
		e = RegEnumKeyExW(src, i, name, &n, NULL, NULL, NULL, NULL);
		if (e == ERROR_NO_MORE_ITEMS)
			break;
		if (e != ERROR_SUCCESS)
			return e;
		e = RegOpenKeyExW(src, name, 0, KEY_READ, &s);
		if (e != ERROR_SUCCESS)
			return e;
		e = RegCreateKeyExW(dest, name, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &d, NULL);
		if (e == ERROR_SUCCESS) {
			e = copy_tree(s, d, depth + 1);
			RegCloseKey(d);
		}
		RegCloseKey(s);
		if (e != ERROR_SUCCESS)
			return e;
	}
	return ERROR_SUCCESS;
}

static int reg_rename_key(const struct reg_path *p, const char *to, char *msg, size_t msglen)
{
	HMODULE advapi = GetModuleHandleW(L"advapi32.dll");
	reg_rename_fn rename_key =
		advapi ? (reg_rename_fn)(void (*)(void))GetProcAddress(advapi, "RegRenameKey")
		       : NULL;
	reg_copy_tree_fn copy =
		advapi ? (reg_copy_tree_fn)(void (*)(void))GetProcAddress(advapi, "RegCopyTreeW")
		       : NULL;
	wchar_t *wto = zj_win_wide(to, strlen(to)), *slash, *newsub;
	HKEY src = NULL, dest = NULL;
	DWORD disp;
	LONG e;
	int r;

	if (!wto)
		return -ZJ_ENOMEM;
	/* The tests take the fallback on a system that has RegRenameKey (Wine 8 does). */
	if (getenv("ZJ_WIN_NO_REGRENAMEKEY"))
		rename_key = NULL;
	if (rename_key) {
		e = rename_key(p->root, p->sub, wto);
		if (e != ERROR_CALL_NOT_IMPLEMENTED) {
			free(wto);
			snprintf(msg, msglen, "renamed with RegRenameKey");
			return from_win32(e);
		}
	}
	/* Copy to a sibling named `to`, then delete the original. */
	slash = wcsrchr(p->sub, L'\\');
	newsub = calloc(wcslen(p->sub) + wcslen(wto) + 2, sizeof(wchar_t));
	if (!newsub) {
		free(wto);
		return -ZJ_ENOMEM;
	}
	if (slash) {
		wcsncpy(newsub, p->sub, (size_t)(slash - p->sub) + 1);
		newsub[(slash - p->sub) + 1] = L'\0';
	}
	wcscat(newsub, wto);
	e = RegOpenKeyExW(p->root, p->sub, 0, KEY_READ, &src);
	if (e == ERROR_SUCCESS) {
		e = RegCreateKeyExW(p->root, newsub, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &dest,
				    &disp);
		if (e == ERROR_SUCCESS && disp != REG_CREATED_NEW_KEY)
			e = ERROR_ALREADY_EXISTS;
	}
	if (e == ERROR_SUCCESS) {
		e = copy ? copy(src, NULL, dest) : copy_tree(src, dest, 0);
		if (e == ERROR_SUCCESS) {
			RegCloseKey(src);
			src = NULL;
			/* With a subkey, RegDeleteTreeW removes the key itself too. */
			e = RegDeleteTreeW(p->root, p->sub);
		}
	}
	snprintf(msg, msglen, "renamed by copy and delete (%s%s)",
		 rename_key ? "RegRenameKey is not implemented here"
			    : "this advapi32 has no RegRenameKey",
		 copy ? "; RegCopyTreeW" : "; zhijia's own copy");
	r = from_win32(e);
	if (src)
		RegCloseKey(src);
	if (dest)
		RegCloseKey(dest);
	free(newsub);
	free(wto);
	return r;
}

static int reg_rename_value(HKEY h, const wchar_t *from, const char *to)
{
	wchar_t *wto = zj_win_wide(to, strlen(to));
	DWORD type, len = 0;
	BYTE *data = NULL;
	LONG e;

	if (!wto)
		return -ZJ_ENOMEM;
	e = RegQueryValueExW(h, from, NULL, &type, NULL, &len);
	if (e == ERROR_SUCCESS && value_exists(h, wto))
		e = ERROR_ALREADY_EXISTS;
	if (e == ERROR_SUCCESS) {
		data = malloc(len ? len : 1);
		e = data ? RegQueryValueExW(h, from, NULL, &type, data, &len)
			 : ERROR_NOT_ENOUGH_MEMORY;
	}
	if (e == ERROR_SUCCESS)
		e = RegSetValueExW(h, wto, 0, type, data, len);
	if (e == ERROR_SUCCESS)
		e = RegDeleteValueW(h, from);
	free(data);
	free(wto);
	return from_win32(e);
}

static int run_reg(const struct zj_arr_action *a, char *msg, size_t msglen)
{
	struct reg_path p;
	wchar_t *value = NULL;
	HKEY h = NULL;
	DWORD disp = 0;
	LONG e = ERROR_SUCCESS;
	int r = reg_path(a->key, &p);

	if (r < 0) {
		snprintf(msg, msglen, "not a registry key");
		return r;
	}
	if (a->value) {
		value = zj_win_wide(a->value, strlen(a->value));
		if (!value) {
			free(p.sub);
			return -ZJ_ENOMEM;
		}
	}
	switch (a->instr) {
	case ZJ_ARR_REG_CREATE:
		e = RegCreateKeyExW(p.root, p.sub, 0, NULL, 0, KEY_QUERY_VALUE | KEY_SET_VALUE,
				    NULL, &h, &disp);
		if (e != ERROR_SUCCESS)
			break;
		if (!value) {
			snprintf(msg, msglen, "%s %s",
				 disp == REG_CREATED_NEW_KEY ? "created" : "exists:", a->key);
			break;
		}
		if (value_exists(h, value)) {
			snprintf(msg, msglen, "%s has a value '%s' already; Reg_Modify changes it",
				 a->key, a->value);
			r = -ZJ_EEXIST;
			break;
		}
		r = reg_set(h, a, value);
		snprintf(msg, msglen, "set %s\\%s", a->key, a->value);
		break;
	case ZJ_ARR_REG_MODIFY:
		e = RegOpenKeyExW(p.root, p.sub, 0, KEY_QUERY_VALUE | KEY_SET_VALUE, &h);
		if (e != ERROR_SUCCESS)
			break;
		if (!value_exists(h, value)) {
			snprintf(msg, msglen, "%s has no value '%s'; Reg_Create makes one", a->key,
				 a->value);
			r = -ZJ_ENOENT;
			break;
		}
		r = reg_set(h, a, value);
		snprintf(msg, msglen, "set %s\\%s", a->key, a->value);
		break;
	case ZJ_ARR_REG_DELETE:
	case ZJ_ARR_REG_DELETE_VALUE:
		if (value) {
			e = RegOpenKeyExW(p.root, p.sub, 0, KEY_SET_VALUE, &h);
			if (e == ERROR_SUCCESS)
				e = RegDeleteValueW(h, value);
			snprintf(msg, msglen, "deleted the value %s\\%s", a->key, a->value);
		} else {
			e = RegDeleteTreeW(p.root, p.sub);
			snprintf(msg, msglen, "deleted the key %s and everything under it", a->key);
		}
		break;
	case ZJ_ARR_REG_RENAME:
		if (value) {
			e = RegOpenKeyExW(p.root, p.sub, 0, KEY_QUERY_VALUE | KEY_SET_VALUE, &h);
			if (e == ERROR_SUCCESS)
				r = reg_rename_value(h, value, a->to);
			snprintf(msg, msglen, "renamed the value %s\\%s to %s", a->key, a->value,
				 a->to);
		} else {
			r = reg_rename_key(&p, a->to, msg, msglen);
		}
		break;
	default:
		r = -ZJ_EOPNOTSUPP;
		break;
	}
	if (e != ERROR_SUCCESS) {
		r = from_win32(e);
		snprintf(msg, msglen, "%s: Windows error %ld", a->key, (long)e);
	}
	if (h)
		RegCloseKey(h);
	free(value);
	free(p.sub);
	return r;
}

/* ---- processes --------------------------------------------------------------------------- */

static bool wide_eq_utf8_ci(const wchar_t *w, const char *u)
{
	wchar_t *wu = zj_win_wide(u, strlen(u));
	bool eq = wu && _wcsicmp(w, wu) == 0;

	free(wu);
	return eq;
}

static bool selected(const struct zj_arr_action *a, const PROCESSENTRY32W *pe)
{
	for (size_t i = 0; i < a->pids.n; i++)
		if (a->pids.v[i] == (int64_t)pe->th32ProcessID)
			return true;
	for (size_t i = 0; i < a->names.n; i++)
		if (wide_eq_utf8_ci(pe->szExeFile, a->names.v[i]))
			return true;
	if (a->executables.n) {
		HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pe->th32ProcessID);
		wchar_t path[MAX_PATH * 4];
		DWORD n = sizeof(path) / sizeof(path[0]);
		bool hit = false;

		if (h && QueryFullProcessImageNameW(h, 0, path, &n))
			for (size_t i = 0; i < a->executables.n && !hit; i++)
				hit = wide_eq_utf8_ci(path, a->executables.v[i]);
		if (h)
			CloseHandle(h);
		return hit;
	}
	return false;
}

static int run_proc(const struct zj_arr_action *a, char *msg, size_t msglen)
{
	HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	PROCESSENTRY32W pe = {.dwSize = sizeof(pe)};
	nt_process_fn op = NULL;
	unsigned done = 0, refused = 0, failed = 0;
	int r = 0;

	if (snap == INVALID_HANDLE_VALUE) {
		snprintf(msg, msglen, "cannot list processes");
		return -ZJ_EINVAL;
	}
	if (a->instr == ZJ_ARR_PROC_MODIFY)
		op = (nt_process_fn)(void (*)(void))GetProcAddress(
			GetModuleHandleW(L"ntdll.dll"),
			a->state == ZJ_ARR_STATE_RESUME ? "NtResumeProcess" : "NtSuspendProcess");
	for (BOOL more = Process32FirstW(snap, &pe); more; more = Process32NextW(snap, &pe)) {
		struct zj_proc p = {.pid = pe.th32ProcessID};
		HANDLE h;
		char *name;

		if (!selected(a, &pe))
			continue;
		name = zj_win_utf8(pe.szExeFile, NULL);
		snprintf(p.comm, sizeof(p.comm), "%s", name ? name : "");
		free(name);
		if (zj_win_critical_process(&p)) {
			refused++;
			continue;
		}
		h = OpenProcess(a->instr == ZJ_ARR_PROC_TERMINATE ? PROCESS_TERMINATE | SYNCHRONIZE
								  : PROCESS_SUSPEND_RESUME,
				FALSE, pe.th32ProcessID);
		if (!h) {
			failed++;
			continue;
		}
		if (a->instr == ZJ_ARR_PROC_TERMINATE) {
			if (TerminateProcess(h, 1) && WaitForSingleObject(h, 5000) == WAIT_OBJECT_0)
				done++;
			else
				failed++;
		} else if (op && op(h) >= 0) {
			done++;
		} else {
			failed++;
		}
		CloseHandle(h);
	}
	CloseHandle(snap);
	snprintf(msg, msglen, "%s %u process%s; %u failed; %u refused (critical or zhijia)",
		 a->instr == ZJ_ARR_PROC_TERMINATE ? "terminated"
		 : a->state == ZJ_ARR_STATE_RESUME ? "resumed"
						   : "suspended",
		 done, done == 1 ? "" : "es", failed, refused);
	if (failed || refused)
		r = -ZJ_EINVAL;
	else if (!done)
		r = -ZJ_ENOENT;
	return r;
}

/* ---- scripts ----------------------------------------------------------------------------- */

static int run_script(const struct zj_arr_action *a, char *msg, size_t msglen)
{
	bool bat = a->instr == ZJ_ARR_SCRIPT_BAT;
	wchar_t dir[MAX_PATH], file[MAX_PATH + 64], cmd[MAX_PATH * 2 + 128], sys[MAX_PATH];
	STARTUPINFOW si = {.cb = sizeof(si)};
	PROCESS_INFORMATION pi;
	HANDLE f;
	DWORD written, code = 1, wait;
	int r = 0;

	if (!GetTempPathW(MAX_PATH, dir) || !GetSystemDirectoryW(sys, MAX_PATH))
		return -ZJ_EINVAL;
	/* A new file of our own (CREATE_NEW): never a name someone prepared. */
	for (unsigned n = 0;; n++) {
		swprintf(file, sizeof(file) / sizeof(file[0]), L"%lszhijia-arr-%lu-%u.%ls", dir,
			 (unsigned long)GetCurrentProcessId(), n, bat ? L"bat" : L"ps1");
		f = CreateFileW(file, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_TEMPORARY,
				NULL);
		if (f != INVALID_HANDLE_VALUE)
			break;
		if (GetLastError() != ERROR_FILE_EXISTS || n > 100) {
			snprintf(msg, msglen, "cannot create the script file");
			return -ZJ_EINVAL;
		}
	}
	if (!WriteFile(f, a->script, (DWORD)strlen(a->script), &written, NULL) ||
	    written != strlen(a->script)) {
		CloseHandle(f);
		DeleteFileW(file);
		snprintf(msg, msglen, "cannot write the script file");
		return -ZJ_EINVAL;
	}
	CloseHandle(f);
	if (bat)
		swprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%ls\\cmd.exe\" /d /c \"%ls\"", sys,
			 file);
	else
		swprintf(cmd, sizeof(cmd) / sizeof(cmd[0]),
			 L"powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass "
			 L"-File \"%ls\"",
			 file);
	if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
		DWORD e = GetLastError();

		DeleteFileW(file);
		snprintf(msg, msglen, "cannot start %s (Windows error %lu%s)",
			 bat ? "cmd.exe" : "powershell.exe", (unsigned long)e,
			 e == ERROR_FILE_NOT_FOUND ? ": not installed" : "");
		return e == ERROR_FILE_NOT_FOUND ? -ZJ_ENOENT : -ZJ_EINVAL;
	}
	wait = WaitForSingleObject(pi.hProcess, a->timeout * 1000u);
	if (wait != WAIT_OBJECT_0) {
		TerminateProcess(pi.hProcess, 1);
		WaitForSingleObject(pi.hProcess, 5000);
		snprintf(msg, msglen, "timed out after %u s; terminated", (unsigned)a->timeout);
		r = -ZJ_EINVAL;
	} else if (GetExitCodeProcess(pi.hProcess, &code) && code == 0) {
		snprintf(msg, msglen, "exit status 0");
	} else {
		snprintf(msg, msglen, "exit status %lu", (unsigned long)code);
		r = -ZJ_EINVAL;
	}
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	DeleteFileW(file);
	return r;
}

/* ---- the rule ---------------------------------------------------------------------------- */

int zj_win_arr_run(const struct zj_arr_rule *rule, FILE *out)
{
	int first = 0;

	for (size_t i = 0; i < rule->n_actions; i++) {
		const struct zj_arr_action *a = &rule->actions[i];
		char msg[OUT_MAX] = "";
		int r;

		switch (a->instr) {
		case ZJ_ARR_REG_CREATE:
		case ZJ_ARR_REG_MODIFY:
		case ZJ_ARR_REG_DELETE:
		case ZJ_ARR_REG_RENAME:
		case ZJ_ARR_REG_DELETE_VALUE:
			r = run_reg(a, msg, sizeof(msg));
			break;
		case ZJ_ARR_FILE_CREATE:
		case ZJ_ARR_FILE_MODIFY:
		case ZJ_ARR_FILE_DELETE:
		case ZJ_ARR_FILE_RENAME:
		case ZJ_ARR_FILE_ATTRIBUTE:
		case ZJ_ARR_FILE_DELTEXT:
			r = zj_win_arr_file(rule, i, msg, sizeof(msg));
			break;
		case ZJ_ARR_PROC_TERMINATE:
		case ZJ_ARR_PROC_MODIFY:
			r = run_proc(a, msg, sizeof(msg));
			break;
		case ZJ_ARR_SCRIPT_BAT:
		case ZJ_ARR_SCRIPT_PWL:
			r = run_script(a, msg, sizeof(msg));
			break;
		default:
			snprintf(msg, sizeof(msg), "not supported on windows");
			r = -ZJ_EOPNOTSUPP;
			break;
		}
		fprintf(out, "%s actions[%zu] %s: %s\n", r < 0 ? "failed" : "ok", i,
			zj_arr_instr_name(a->instr), msg);
		if (r < 0 && !first)
			first = r;
	}
	fflush(out);
	return first;
}

int zj_win_arr_main(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char text[1 << 20];
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *rule;
	size_t len;
	int r;

	if (!f) {
		fprintf(stderr, "zhijia-win: cannot open '%s'\n", path);
		return 2;
	}
	len = fread(text, 1, sizeof(text), f);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		fprintf(stderr, "zhijia-win: cannot read '%s' (at most %zu bytes)\n", path,
			sizeof(text) - 1);
		return 2;
	}
	fclose(f);
	r = zj_arr_parse_platform(ZJ_ARR_WINDOWS, text, len, path, &rule, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "zhijia-win: %s\n", err);
		return 2;
	}
	if (rule->needs_ctx) {
		fprintf(stderr,
			"zhijia-win: %s: the rule has ${variables}, which only a finding "
			"fills in; zhijia-win --arr runs rules without them\n",
			path);
		zj_arr_rule_free(rule);
		return 2;
	}
	r = zj_win_arr_run(rule, stdout);
	zj_arr_rule_free(rule);
	return r < 0 ? 1 : 0;
}
