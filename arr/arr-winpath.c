/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Windows paths in ARR rules parsed for Windows (zj_arr_parse_platform(ZJ_ARR_WINDOWS)), and
 * the system-critical ones: the Windows counterpart of arr_check_path() and arr-critical.c.
 * Portable like the rest of the parser: nothing here asks the system anything.
 *
 * A path is a local drive-letter path written as Windows writes it, "C:\dir\file": a letter, a
 * colon, a backslash, then names separated by single backslashes.  Refused, on purpose:
 *   - relative and drive-relative paths ("dir\file", "\dir", "C:dir"), and POSIX paths;
 *   - network shares and device paths ("\\server\share", "\\?\", "\\.\"): a rule acts on
 *     the host's own files, as Script_File runs local files only;
 *   - '/' as a separator, empty, "." and ".." names, a trailing backslash (but "C:\");
 *   - characters Windows does not allow in a name (control bytes, < > : " | ? *; a ':' would
 *     also name an alternate data stream), names ending in a space or a dot (Win32 drops
 *     them: the file reached would not be the one named), and device names (CON, NUL,
 *     COM1...), which open a device wherever they appear.
 * Names are compared without regard to ASCII case, as NTFS does.
 */
#include <string.h>

#include "arr-internal.h"
#include "zhijia/errors.h"

#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int fail(struct arr_sb *m, const char *shown, const char *why)
{
	arr_sb_quote(m, shown);
	arr_sb_printf(m, "%s", why);
	return -ZJ_EINVAL;
}

/* The n bytes at s are a device name, with or without an extension ("nul.txt"). */
static bool device_name(const char *s, size_t n)
{
	static const char *const names[] = {"con", "prn", "aux", "nul", "conin$", "conout$", NULL};
	const char *dot = memchr(s, '.', n);
	size_t base = dot ? (size_t)(dot - s) : n;
	char b[8];

	if (base == 0 || base > 7)
		return false;
	for (size_t i = 0; i < base; i++)
		b[i] = lower(s[i]);
	b[base] = '\0';
	for (size_t i = 0; names[i]; i++)
		if (strcmp(b, names[i]) == 0)
			return true;
	return base == 4 && (strncmp(b, "com", 3) == 0 || strncmp(b, "lpt", 3) == 0) &&
	       b[3] >= '1' && b[3] <= '9';
}

int arr_check_win_path(struct arr_sb *m, const char *value, const char *shown)
{
	size_t len = strlen(value), comp = 0;

	if (!shown)
		shown = value;
	if ((value[0] == '\\' || value[0] == '/') && (value[1] == '\\' || value[1] == '/'))
		return fail(m, shown,
			    " is a network share or a device path; ARR acts on local files, "
			    "named by a drive-letter path like C:\\dir\\file");
	if (IS_ALPHA(value[0]) && value[1] == ':' && value[2] == '/')
		return fail(m, shown, " has a '/'; write Windows paths with '\\'");
	if (!(IS_ALPHA(value[0]) && value[1] == ':' && value[2] == '\\'))
		return fail(m, shown,
			    " is not an absolute Windows path; give a drive-letter path like "
			    "C:\\dir\\file");
	if (len > ZJ_ARR_PATH_MAX) {
		arr_sb_printf(m, "the path is too long (%lu bytes; at most %u)", (unsigned long)len,
			      ZJ_ARR_PATH_MAX);
		return -ZJ_EINVAL;
	}
	if (len == 3)
		return 0; /* the drive's root */
	if (value[len - 1] == '\\')
		goto unnormal;
	for (const char *p = value + 3;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\' || c == '\0') {
			const char *n = p - comp;

			if (comp == 0 || (comp == 1 && n[0] == '.') ||
			    (comp == 2 && n[0] == '.' && n[1] == '.'))
				goto unnormal;
			if (n[comp - 1] == ' ' || n[comp - 1] == '.')
				return fail(m, shown,
					    " has a name ending in a space or a dot, which Windows "
					    "drops: the file reached would not be the one named");
			if (comp > ZJ_ARR_FILENAME_MAX) {
				arr_sb_quote(m, shown);
				arr_sb_printf(m, " has a name longer than %u bytes",
					      ZJ_ARR_FILENAME_MAX);
				return -ZJ_EINVAL;
			}
			if (device_name(n, comp))
				return fail(m, shown,
					    " names a device (CON, PRN, AUX, NUL, COM1-9, "
					    "LPT1-9), not a file");
			if (c == '\0')
				return 0;
			comp = 0;
			continue;
		}
		if (c == '/')
			return fail(m, shown, " has a '/'; write Windows paths with '\\'");
		if (c < 0x20 || c == 0x7f || strchr("<>:\"|?*", c)) {
			arr_sb_quote(m, shown);
			if (c >= 0x20 && c != 0x7f)
				arr_sb_printf(
					m, " has '%c', which Windows does not allow in a name", c);
			else
				arr_sb_printf(m, " has a control character");
			if (c == ':')
				arr_sb_printf(
					m, " (alternate data streams are not files ARR acts on)");
			return -ZJ_EINVAL;
		}
		comp++;
	}
unnormal:
	return fail(m, shown,
		    " is not a normalised path (no empty, '.' or '..' names, no trailing '\\' "
		    "but in a drive's root)");
}

/* ---- system-critical Windows paths ----------------------------------------------------------- */

/*
 * On every drive (the system drive is not known when a rule is checked, and a rule removing
 * D:\Windows may say "force").  As on Linux the list is short on purpose: malware lives in
 * System32, ProgramData and the users' folders, and rules must be able to remove it from there;
 * what is listed is what, once gone, leaves a host that cannot boot, log anyone in, or run
 * zhijia to repair it.
 */
static const char *const exact[] = {"\\Windows",
				    "\\Windows\\System32",
				    "\\Windows\\SysWOW64",
				    "\\Windows\\System32\\drivers",
				    "\\Windows\\System32\\drivers\\etc",
				    "\\Windows\\System32\\drivers\\etc\\hosts",
				    "\\Windows\\System32\\Tasks",
				    "\\Windows\\Temp",
				    "\\Windows\\explorer.exe",
				    "\\Windows\\regedit.exe",
				    "\\Program Files",
				    "\\Program Files (x86)",
				    "\\ProgramData",
				    "\\Users",
				    "\\Users\\Public",
				    "\\Users\\Default",
				    "\\bootmgr",
				    "\\pagefile.sys",
				    "\\hiberfil.sys",
				    "\\swapfile.sys",
				    NULL};

/* The path and everything under it. */
static const char *const tree[] = {"\\Windows\\System32\\config", /* the registry's hives */
				   "\\Windows\\WinSxS",
				   "\\Windows\\Boot",
				   "\\Boot",
				   "\\EFI",
				   "\\Recovery",
				   "\\System Volume Information",
				   "\\ProgramData\\zhijia", /* zhijia's own, its quarantine */
				   "\\Program Files\\zhijia",
				   NULL};

/* The kernel, the loader, session and logon processes, the base DLLs, the shell. */
static const char *const sys_dirs[] = {"\\Windows\\System32", "\\Windows\\SysWOW64", NULL};
static const char *const sys_files[] = {"ntoskrnl.exe",	  "hal.dll",	  "winload.exe",
					"winload.efi",	  "ntdll.dll",	  "kernel32.dll",
					"kernelbase.dll", "advapi32.dll", "sechost.dll",
					"rpcrt4.dll",	  "user32.dll",	  "msvcrt.dll",
					"ucrtbase.dll",	  "ci.dll",	  "smss.exe",
					"csrss.exe",	  "wininit.exe",  "winlogon.exe",
					"services.exe",	  "lsass.exe",	  "lsasrv.dll",
					"svchost.exe",	  "userinit.exe", "logonui.exe",
					"cmd.exe",	  "conhost.exe",  NULL};

static bool eq_ci(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

/* path is prefix or under it (ignoring case). */
static bool under_ci(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; i < n; i++)
		if (lower(path[i]) != lower(prefix[i]))
			return false;
	return path[n] == '\0' || path[n] == '\\';
}

int zj_arr_is_critical_win_path(const char *path)
{
	struct arr_sb m;
	const char *rest;

	if (!path)
		return -ZJ_EINVAL;
	arr_sb_init(&m, NULL, 0);
	if (arr_check_win_path(&m, path, NULL) < 0)
		return -ZJ_EINVAL;
	rest = path + 2; /* after "C:" */
	if (strcmp(rest, "\\") == 0)
		return 1;
	for (size_t i = 0; exact[i]; i++)
		if (eq_ci(rest, exact[i]))
			return 1;
	for (size_t i = 0; tree[i]; i++)
		if (under_ci(rest, tree[i]))
			return 1;
	for (size_t i = 0; sys_dirs[i]; i++) {
		size_t n = strlen(sys_dirs[i]);
		const char *base = rest + n + 1;

		if (!under_ci(rest, sys_dirs[i]) || rest[n] != '\\' || strchr(base, '\\'))
			continue;
		for (size_t k = 0; sys_files[k]; k++)
			if (eq_ci(base, sys_files[k]))
				return 1;
	}
	return 0;
}
