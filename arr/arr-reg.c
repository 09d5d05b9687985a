/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The registry fields of the Windows-only Reg_* instructions (arr-internal.h).  Portable: the
 * rule is checked the same way wherever it is parsed; only daemon/windows/arr-win.c runs it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arr-internal.h"
#include "zhijia/errors.h"

/* Registry limits (Microsoft's "Registry element size limits"). */
#define REG_KEY_NAME_MAX 255
#define REG_VALUE_NAME_MAX 16383

static const char *const roots[] = {
	"HKLM",
	"HKCU",
	"HKU",
	"HKCR",
	"HKEY_LOCAL_MACHINE",
	"HKEY_CURRENT_USER",
	"HKEY_USERS",
	"HKEY_CLASSES_ROOT",
};

static int reg_fail(struct arr_sb *m, const char *value, const char *why)
{
	arr_sb_quote(m, value);
	arr_sb_printf(m, "%s", why);
	return -ZJ_EINVAL;
}

static bool strneq_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int x = (unsigned char)a[i], y = (unsigned char)b[i];

		x = x >= 'A' && x <= 'Z' ? x + 32 : x;
		y = y >= 'A' && y <= 'Z' ? y + 32 : y;
		if (x != y)
			return false;
	}
	return true;
}

/* Second-level keys Windows cannot lose: HKLM\SOFTWARE\Microsoft, HKLM\SYSTEM\Select... */
static bool vital_subkey(const char *p, size_t n)
{
	static const char *const names[] = {"Microsoft", "Classes",	      "Policies",
					    "Select",	 "CurrentControlSet", "Setup"};

	if (n >= 10 && strneq_ci(p, "ControlSet", 10))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strneq_ci(p, names[i], n))
			return true;
	return false;
}

int arr_check_reg_key(struct arr_sb *m, const char *value, enum zj_arr_instr instr, bool whole,
		      bool force)
{
	const char *sep = strchr(value, '\\'), *p, *second = NULL;
	size_t root_len = sep ? (size_t)(sep - value) : strlen(value), depth = 0, second_len = 0;
	bool known = false;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (strlen(roots[i]) == root_len && strneq_ci(value, roots[i], root_len))
			known = true;
	if (!known) {
		return reg_fail(m, value,
				" is not a registry key; start it with a root key: HKLM, HKCU, "
				"HKU, HKCR (or HKEY_LOCAL_MACHINE...), like "
				"\"HKLM\\\\SOFTWARE\\\\Vendor\"");
	}
	if (!sep || !sep[1])
		return reg_fail(m, value, " names a root key itself; name a key under it");
	for (p = sep + 1; *p;) {
		const char *next = strchr(p, '\\');
		size_t n = next ? (size_t)(next - p) : strlen(p);

		if (n == 0)
			return reg_fail(m, value,
					" has an empty component ('\\\\\\\\' or a "
					"trailing '\\\\')");
		if (n > REG_KEY_NAME_MAX)
			return reg_fail(m, value, " has a component longer than 255 characters");
		if (++depth == 2) {
			second = p;
			second_len = n;
		}
		if (!next)
			break;
		p = next + 1;
		if (!*p)
			return reg_fail(m, value, " ends in '\\\\'");
	}
	/* Removing or renaming HKLM\SOFTWARE, HKLM\SOFTWARE\Microsoft... wrecks Windows. */
	if ((instr == ZJ_ARR_REG_DELETE || instr == ZJ_ARR_REG_RENAME) && whole && !force &&
	    (depth == 1 || (depth == 2 && vital_subkey(second, second_len)))) {
		return reg_fail(m, value,
				" is a top-level key of Windows; Reg_Delete and Reg_Rename change "
				"it only if the rule says \"force\": true");
	}
	return 0;
}

int arr_check_reg_name(struct arr_sb *m, const char *value)
{
	if (!value[0])
		return reg_fail(m, value, " is empty; give the new name");
	if (strchr(value, '\\'))
		return reg_fail(m, value, " is a path; give the new name only (no '\\\\')");
	if (strlen(value) > REG_VALUE_NAME_MAX)
		return reg_fail(m, value, " is longer than 16383 characters");
	return 0;
}

int arr_check_reg_data(struct arr_sb *m, const char *value, enum zj_arr_value_type type)
{
	unsigned long long v;
	char *end;

	if (type != ZJ_ARR_REG_DWORD && type != ZJ_ARR_REG_QWORD)
		return 0; /* REG_SZ, REG_EXPAND_SZ: any text */
	if (!value[0] || value[0] == '-' || value[0] == '+' || value[0] == ' ')
		return reg_fail(m, value, " is not a number (decimal or 0x hex)");
	errno = 0;
	v = strtoull(value, &end, 0);
	if (*end || errno == ERANGE || (type == ZJ_ARR_REG_DWORD && v > 0xffffffffull))
		return reg_fail(
			m, value,
			type == ZJ_ARR_REG_DWORD
				? " is not a REG_DWORD (a number up to 0xffffffff)"
				: " is not a REG_QWORD (a number up to 0xffffffffffffffff)");
	return 0;
}
