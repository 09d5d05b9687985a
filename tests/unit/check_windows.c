/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The portable half of the Windows port, natively (and so under ASan/UBSan in check-asan):
 * the Sysmon XML translation (daemon/windows/sysmon.c, portable C11, compiled into this test)
 * and the Windows detectors (detectors/windows.c) on the same fixtures the Wine suite uses
 * (tests/windows/fixtures/).  The policy's part needs the Windows catalog and runs under Wine
 * (tests/windows/check_sysmon.c).  Run from the top of the tree.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/windows/sysmon.c"
#include "zhijia/arr.h"
#include "zhijia/detect.h"
#include "zhijia/errors.h"
#include "zhijia/event.h"

#define FIXTURES "tests/windows/fixtures/"

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f, "cannot open %s (run from the top of the tree)", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*ret_len = (size_t)n;
	return buf;
}

/* Every fixture, translated and detected: technique and flags of the last event's finding. */
START_TEST(test_fixtures)
{
	size_t tlen, count = 0;
	char *tsv = slurp(FIXTURES "expect.tsv", &tlen), *next;
	struct zj_sysmon_record *r = malloc(sizeof(*r));
	struct zj_win_proctab *pt;

	ck_assert_ptr_nonnull(r);
	for (char *line = tsv; line && *line; line = next) {
		char file[128], tech[32], action[16], flag[4], path[256];
		struct zj_finding f[ZJ_FINDINGS_MAX];
		struct zj_detect_ctx ctx;
		struct zj_event ev;
		size_t len, off = 0;
		char *xml;
		int n = -1;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		ck_assert_int_eq(sscanf(line, "%127s %31s %15s %3s", file, tech, action, flag), 4);
		snprintf(path, sizeof(path), FIXTURES "%s", file);
		xml = slurp(path, &len);
		ck_assert_int_eq(zj_win_proctab_new(&pt), 0);
		while (off < len && strstr(xml + off, "<Event ")) {
			long used = zj_sysmon_parse(xml + off, len - off, r);

			ck_assert_msg(used > 0, "%s: %ld", file, used);
			ck_assert_int_eq(zj_sysmon_to_event(r, pt, &ev, &ctx), 1);
			n = zj_detect_event(&ev, &ctx, ZJ_FINDINGS_MAX, f);
			ck_assert_int_ge(n, 0);
			off += (size_t)used;
		}
		if (strcmp(tech, "-") == 0) {
			ck_assert_msg(n == 0, "%s: unexpected %s", file,
				      n > 0 ? f[0].technique : "");
		} else {
			ck_assert_msg(n >= 1, "%s: no finding, want %s", file, tech);
			ck_assert_str_eq(f[0].technique, tech);
			ck_assert(!!(f[0].flags & ZJ_FIND_BENIGN) == (flag[0] == '1'));
			ck_assert(!!(f[0].flags & ZJ_FIND_REMOVAL) == (flag[0] == 'r'));
			ck_assert_uint_gt(strlen(f[0].reason), 20);
		}
		zj_win_proctab_free(pt);
		free(xml);
		count++;
	}
	ck_assert_uint_ge(count, 30);
	free(r);
	free(tsv);
}
END_TEST

/* A registry event built directly: op on key, by a user process. */
static int reg_event(uint32_t op, const char *key, struct zj_finding *f)
{
	struct zj_event ev = {.type = ZJ_EV_WIN_REGISTRY};

	ev.actor.pid = 4242;
	ev.actor.exe.ptr = "C:\\Users\\bob\\x.exe";
	ev.actor.exe.len = strlen(ev.actor.exe.ptr);
	ev.win.sysmon_id = op == ZJ_REG_SET_VALUE ? 13 : 12;
	ev.win.op = op;
	ev.win.object.ptr = key;
	ev.win.object.len = strlen(key);
	return zj_detect_event(&ev, NULL, ZJ_FINDINGS_MAX, f);
}

START_TEST(test_registry_rules)
{
	static const struct {
		uint32_t op;
		const char *key;
		const char *technique; /* NULL: no finding */
		uint32_t target;
	} cases[] = {
		{ZJ_REG_SET_VALUE, "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x",
		 "T1547.001", ZJ_TARGET_SYSTEM},
		{ZJ_REG_SET_VALUE, "hklm\\software\\microsoft\\windows\\currentversion\\runonce\\x",
		 "T1547.001", ZJ_TARGET_SYSTEM},
		{ZJ_REG_SET_VALUE,
		 "\\REGISTRY\\MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\R"
		 "un\\x",
		 "T1547.001", ZJ_TARGET_SYSTEM},
		{ZJ_REG_SET_VALUE,
		 "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnceEx\\0001\\Depend\\1",
		 "T1547.001", ZJ_TARGET_SYSTEM},
		{ZJ_REG_SET_VALUE, "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\x",
		 "T1547.001", ZJ_TARGET_USER},
		{ZJ_REG_SET_VALUE,
		 "HKU\\S-1-5-21-1-2-3-"
		 "1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\"
		 "User Shell Folders\\Startup",
		 "T1547.001", ZJ_TARGET_USER},
		/* deeper than a Run key's values */
		{ZJ_REG_SET_VALUE, "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\a\\b",
		 NULL, 0},
		/* a prefix of a Run key's name is not the Run key */
		{ZJ_REG_SET_VALUE, "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Runner\\x",
		 NULL, 0},
		{ZJ_REG_SET_VALUE, "HKLM\\SYSTEM\\ControlSet001\\Services\\evil\\ImagePath",
		 "T1543.003", ZJ_TARGET_SYSTEM},
		{ZJ_REG_SET_VALUE,
		 "HKLM\\SYSTEM\\CurrentControlSet\\Services\\evil\\Parameters\\ServiceDll",
		 "T1543.003", ZJ_TARGET_SYSTEM},
		{ZJ_REG_CREATE_KEY, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\evil", "T1543.003",
		 ZJ_TARGET_SYSTEM},
		{ZJ_REG_SET_VALUE, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\evil\\Description",
		 NULL, 0},
		/* a user's hive has no services */
		{ZJ_REG_SET_VALUE, "HKCU\\SYSTEM\\CurrentControlSet\\Services\\evil\\ImagePath",
		 NULL, 0},
		{ZJ_REG_SET_VALUE,
		 "HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows NT\\CurrentVersion\\Windows\\"
		 "LoadAppInit_DLLs",
		 "T1546.010", ZJ_TARGET_SYSTEM},
		{ZJ_REG_CREATE_KEY,
		 "HKLM\\SOFTWARE\\Microsoft\\Windows "
		 "NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\"
		 "{0A1B}",
		 "T1053.005", ZJ_TARGET_SYSTEM},
		{ZJ_REG_SET_VALUE, "HKLM\\SOFTWARE\\Vendor\\Run\\x", NULL, 0},
		{ZJ_REG_SET_VALUE, "HKX\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x",
		 NULL, 0},
		{ZJ_REG_SET_VALUE, "HKU\\nosid", NULL, 0},
		{ZJ_REG_SET_VALUE, "", NULL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zj_finding f[ZJ_FINDINGS_MAX];
		int n = reg_event(cases[i].op, cases[i].key, f);

		if (!cases[i].technique) {
			ck_assert_msg(n == 0, "case %zu (%s): %d findings", i, cases[i].key, n);
			continue;
		}
		ck_assert_msg(n == 1, "case %zu (%s): %d findings", i, cases[i].key, n);
		ck_assert_str_eq(f[0].technique, cases[i].technique);
		ck_assert_uint_eq(f[0].target, cases[i].target);
		ck_assert_uint_eq(f[0].severity, ZJ_SEV_HIGH);
	}
}
END_TEST

/* Windows event types leave the Linux numbering alone, and have names and JSON. */
START_TEST(test_event_names_json)
{
	struct zj_event ev = {.type = ZJ_EV_WIN_REGISTRY};
	struct zj_buf b = {0};

	ck_assert_int_lt(ZJ_EV_MAX, ZJ_EV_WIN_FIRST);
	ck_assert_str_eq(zj_event_type_name(ZJ_EV_WIN_PROCESS), "win_process");
	ck_assert_str_eq(zj_event_type_name(ZJ_EV_WIN_TAMPER), "win_tamper");
	ck_assert_str_eq(zj_event_type_name(ZJ_EV_WIN_END), "unknown");
	ck_assert_str_eq(zj_reg_op_name(ZJ_REG_RENAME_KEY), "rename_key");
	ck_assert_str_eq(zj_reg_op_name(ZJ_REG_OP_MAX), "unknown");
	ev.win.sysmon_id = 14;
	ev.win.op = ZJ_REG_RENAME_KEY;
	ev.win.object.ptr = "HKLM\\SOFTWARE\\a\"b";
	ev.win.object.len = strlen(ev.win.object.ptr);
	ev.win.detail.ptr = "new\x01";
	ev.win.detail.len = 4;
	ck_assert_int_eq(zj_event_to_json(&ev, &b), 0);
	ck_assert_msg(strstr(b.data, "\"type\":\"win_registry\""), "%s", b.data);
	ck_assert_msg(
		strstr(b.data,
		       "\"win\":{\"sysmon_id\":14,\"op\":\"rename_key\","
		       "\"object\":\"HKLM\\\\SOFTWARE\\\\a\\\"b\",\"detail\":\"new\\u0001\"}"),
		"%s", b.data);
	zj_buf_free(&b);
}
END_TEST

/* Truncation and hostile values stay bounded. */
START_TEST(test_parse_bounds)
{
	struct zj_sysmon_record *r = malloc(sizeof(*r));
	size_t big = 2 * ZJ_SYSMON_TEXT_MAX, n;
	char *xml = malloc(big + 512);
	const char *head = "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/>"
			   "<EventID>11</EventID></System><EventData><Data Name='TargetFilename'>";
	const char *tail = "</Data></EventData></Event>";

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(xml);
	/* a value larger than the record's arena */
	strcpy(xml, head);
	n = strlen(head);
	memset(xml + n, 'a', big);
	strcpy(xml + n + big, tail);
	ck_assert_int_eq(zj_sysmon_parse(xml, strlen(xml), r), -ZJ_ENOSPC);
	/* more Data elements than fit */
	strcpy(xml, "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>"
		    "</System><EventData>");
	for (int i = 0; i < ZJ_SYSMON_FIELDS_MAX + 1; i++)
		strcat(xml, "<Data Name='x'>1</Data>");
	strcat(xml, "</EventData></Event>");
	ck_assert_int_eq(zj_sysmon_parse(xml, strlen(xml), r), -ZJ_ENOSPC);
	/* a translated event missing its required fields */
	strcpy(xml,
	       "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>10</EventID>"
	       "</System><EventData><Data Name='SourceProcessId'>12</Data></EventData></Event>");
	ck_assert_int_gt(zj_sysmon_parse(xml, strlen(xml), r), 0);
	{
		struct zj_event ev;
		struct zj_detect_ctx ctx;

		ck_assert_int_eq(zj_sysmon_to_event(r, NULL, &ev, &ctx), -ZJ_EBADMSG);
	}
	free(xml);
	free(r);
}
END_TEST

/* The Windows grammar of ARR: what the executor gets, and what is refused before it runs. */
START_TEST(test_arr_windows_grammar)
{
	static const struct {
		const char *rule;
		int want;
		const char *msg; /* in the error */
	} cases[] = {
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Delete\",\"key\":"
		 "\"HKLM\\\\SOFTWARE\"}]}",
		 -ZJ_EINVAL, "top-level key"},
		{"{\"name\":\"r\",\"force\":true,\"actions\":[{\"action\":\"Reg_Delete\",\"key\":"
		 "\"HKLM\\\\SOFTWARE\"}]}",
		 0, NULL},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Rename\",\"key\":"
		 "\"hklm\\\\System\\\\ControlSet001\",\"to\":\"x\"}]}",
		 -ZJ_EINVAL, "top-level key"},
		/* a value in a top-level key is not the key */
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Delete\",\"key\":"
		 "\"HKCU\\\\Software\",\"value\":\"x\"}]}",
		 0, NULL},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Create\",\"key\":\"HKXX\\\\a\"}]}",
		 -ZJ_EINVAL, "not a registry key"},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Create\",\"key\":"
		 "\"HKLM\\\\a\\\\\"}]}",
		 -ZJ_EINVAL, "ends in"},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Create\",\"key\":\"HKLM\\\\a\","
		 "\"value\":"
		 "\"v\",\"value_type\":\"REG_QWORD\",\"data\":\"99999999999999999999\"}]}",
		 -ZJ_EINVAL, "REG_QWORD"},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Create\",\"key\":\"HKLM\\\\a\","
		 "\"value\":"
		 "\"v\",\"value_type\":\"REG_BINARY\",\"data\":\"0\"}]}",
		 -ZJ_EINVAL, "unknown value_type"},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Rename\",\"key\":"
		 "\"HKLM\\\\a\\\\b\","
		 "\"to\":\"c\\\\d\"}]}",
		 -ZJ_EINVAL, "new name only"},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Modify\",\"key\":\"HKLM\\\\a\","
		 "\"value\":\"v\"}]}",
		 -ZJ_EINVAL, "needs \"data\""},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Script_Shell\",\"script\":\"true\"}]}",
		 -ZJ_EOPNOTSUPP, "not supported on windows"},
		{"{\"name\":\"r\",\"actions\":[{\"action\":\"Script_Bat\",\"script\":\"exit /b "
		 "0\"}]}",
		 0, NULL},
	};
	static const char linux_rule[] = "{\"name\":\"r\",\"actions\":[{\"action\":\"Reg_Delete\","
					 "\"key\":\"HKLM\\\\a\\\\b\"}]}";
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *rule;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = zj_arr_parse_platform(ZJ_ARR_WINDOWS, cases[i].rule, strlen(cases[i].rule),
					      "t.json", &rule, err, sizeof(err));

		ck_assert_msg(r == cases[i].want, "case %zu: %d (%s), want %d", i, r, err,
			      cases[i].want);
		if (r == 0)
			zj_arr_rule_free(rule);
		else
			ck_assert_msg(strstr(err, cases[i].msg), "case %zu: %s", i, err);
	}
	/* A full Reg_Create, field by field. */
	{
		static const char ok[] =
			"{\"name\":\"r\",\"actions\":[{\"action\":\"reg_create\",\"key\":"
			"\"HKCU\\\\Software\\\\x\",\"value\":\"\",\"value_type\":\"reg_dword\","
			"\"data\":\"0xffffffff\"}]}";

		ck_assert_int_eq(zj_arr_parse_platform(ZJ_ARR_WINDOWS, ok, strlen(ok), "t.json",
						       &rule, err, sizeof(err)),
				 0);
		ck_assert_int_eq(rule->actions[0].instr, ZJ_ARR_REG_CREATE);
		ck_assert_str_eq(rule->actions[0].key, "HKCU\\Software\\x");
		ck_assert_str_eq(rule->actions[0].value, "");
		ck_assert_int_eq(rule->actions[0].value_type, ZJ_ARR_REG_DWORD);
		ck_assert_str_eq(rule->actions[0].data, "0xffffffff");
		zj_arr_rule_free(rule);
	}
	/* Linux is as before: the instruction is refused by name. */
	ck_assert_int_eq(
		zj_arr_parse(linux_rule, strlen(linux_rule), "t.json", &rule, err, sizeof(err)),
		-ZJ_EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(err, "Reg_Delete is not supported on linux"));
}
END_TEST

/* File_* in the Windows grammar: drive-letter paths, refusals, critical paths and "force". */
START_TEST(test_arr_windows_files)
{
	static const struct {
		bool force;
		const char *action; /* JSON of one action */
		int want;
		const char *msg;
	} cases[] = {
		{false,
		 "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\tmp\\\\evil.exe\","
		 "\"d:\\\\Users\\\\bob\\\\AppData\\\\Roaming\\\\x.dll\"]}",
		 0, NULL},
		/* malware in System32 can be removed without force; System32 itself cannot */
		{false,
		 "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\Windows\\\\System32\\\\evil."
		 "dll\"]}",
		 0, NULL},
		{false,
		 "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\Windows\\\\System32\"]}",
		 -ZJ_EINVAL, "system-critical"},
		{true, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\Windows\\\\System32\"]}",
		 0, NULL},
		{false,
		 "{\"action\":\"File_Rename\",\"path\":\"C:\\\\a\",\"to\":\"c:"
		 "\\\\WINDOWS\\\\system32\\\\LSASS.exe\"}",
		 -ZJ_EINVAL, "system-critical"},
		{false, "{\"action\":\"File_Attribute\",\"path\":\"E:\\\\\",\"immutable\":false}",
		 -ZJ_EINVAL, "system-critical"},
		{true, "{\"action\":\"File_Attribute\",\"path\":\"E:\\\\\",\"immutable\":false}", 0,
		 NULL},
		{false,
		 "{\"action\":\"File_Modify\",\"path\":\"C:"
		 "\\\\Windows\\\\System32\\\\config\\\\SAM\",\"content\":\"\"}",
		 -ZJ_EINVAL, "system-critical"},
		{false,
		 "{\"action\":\"File_Create\",\"path\":\"C:\\\\ProgramData\\\\zhijia\\\\x\"}",
		 -ZJ_EINVAL, "system-critical"},
		{false,
		 "{\"action\":\"File_DelText\",\"path\":\"C:"
		 "\\\\Windows\\\\System32\\\\drivers\\\\etc\\\\hosts\",\"text\":[\"evil\"]}",
		 -ZJ_EINVAL, "system-critical"},
		/* the forms refused */
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"evil.exe\"]}", -ZJ_EINVAL,
		 "not an absolute Windows path"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"\\\\Windows\\\\x\"]}",
		 -ZJ_EINVAL, "not an absolute Windows path"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:x\"]}", -ZJ_EINVAL,
		 "not an absolute Windows path"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"/etc/passwd\"]}", -ZJ_EINVAL,
		 "not an absolute Windows path"},
		{false,
		 "{\"action\":\"File_Delete\",\"filenames\":[\"\\\\\\\\srv\\\\share\\\\x\"]}",
		 -ZJ_EINVAL, "network share"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"\\\\\\\\?\\\\C:\\\\x\"]}",
		 -ZJ_EINVAL, "network share or a device path"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\..\\\\Windows\"]}",
		 -ZJ_EINVAL, "not a normalised path"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\.\\\\b\"]}",
		 -ZJ_EINVAL, "not a normalised path"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\\\\\b\"]}",
		 -ZJ_EINVAL, "not a normalised path"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\\"]}", -ZJ_EINVAL,
		 "not a normalised path"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:/a\"]}", -ZJ_EINVAL,
		 "write Windows paths with"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a/b\"]}", -ZJ_EINVAL,
		 "write Windows paths with"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\b.exe:stream\"]}",
		 -ZJ_EINVAL, "alternate data streams"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\x?.exe\"]}",
		 -ZJ_EINVAL, "does not allow"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\evil.exe.\"]}",
		 -ZJ_EINVAL, "ending in a space or a dot"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\COM1.txt\"]}",
		 -ZJ_EINVAL, "names a device"},
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"C:\\\\a\\\\COM10.txt\"]}", 0,
		 NULL},
		/* what Windows does not run */
		{false,
		 "{\"action\":\"File_Delete\",\"filenames\":[\"x.exe\"],\"condition\":\"alldisk\"}",
		 -ZJ_EOPNOTSUPP, "search scopes"},
		{false, "{\"action\":\"File_Attribute\",\"path\":\"C:\\\\a\",\"owner\":\"root\"}",
		 -ZJ_EOPNOTSUPP, "not supported on windows"},
		{false, "{\"action\":\"File_Create\",\"path\":\"C:\\\\a\",\"mode\":\"0600\"}",
		 -ZJ_EOPNOTSUPP, "not supported on windows"},
		{false, "{\"action\":\"File_Attribute\",\"path\":\"C:\\\\a\"}", -ZJ_EINVAL,
		 "needs \"immutable\""},
		{false,
		 "{\"action\":\"File_repairMbr\",\"data\":\"backup\",\"condition\":\"[equal],["
		 "offset:0],[00]\"}",
		 -ZJ_EOPNOTSUPP, "not supported on windows"},
		/* executables of Proc_* are Windows paths too */
		{false,
		 "{\"action\":\"Proc_Terminate\",\"executables\":[\"C:\\\\Users\\\\x\\\\evil.exe\"]"
		 "}",
		 0, NULL},
		{false, "{\"action\":\"Proc_Terminate\",\"executables\":[\"/usr/bin/x\"]}",
		 -ZJ_EINVAL, "not an absolute Windows path"},
		/* a template is checked with Windows stand-ins */
		{false, "{\"action\":\"File_Delete\",\"filenames\":[\"${path}\"]}", 0, NULL},
		{false, "{\"action\":\"File_Create\",\"path\":\"C:\\\\q\\\\${actor.comm}.txt\"}", 0,
		 NULL},
	};
	char text[1024], err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *rule;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		snprintf(text, sizeof(text), "{\"name\":\"r\",%s\"actions\":[%s]}",
			 cases[i].force ? "\"force\":true," : "", cases[i].action);
		r = zj_arr_parse_platform(ZJ_ARR_WINDOWS, text, strlen(text), "t.json", &rule, err,
					  sizeof(err));
		ck_assert_msg(r == cases[i].want, "case %zu: %d (%s), want %d", i, r, err,
			      cases[i].want);
		if (r == 0) {
			ck_assert_int_eq(rule->platform, ZJ_ARR_WINDOWS);
			zj_arr_rule_free(rule);
		} else {
			ck_assert_msg(strstr(err, cases[i].msg), "case %zu: %s", i, err);
		}
	}

	/* Expansion checks with the rule's platform: ${path} from a Windows finding. */
	{
		static const char tmpl[] =
			"{\"name\":\"r\",\"actions\":[{\"action\":\"File_Delete\","
			"\"filenames\":[\"${path}\"]}]}";
		struct zj_arr_ctx ctx = {0};
		struct zj_arr_rule *out;

		ck_assert_int_eq(zj_arr_parse_platform(ZJ_ARR_WINDOWS, tmpl, strlen(tmpl), "t.json",
						       &rule, err, sizeof(err)),
				 0);
		ck_assert(rule->needs_ctx);
		ctx.path = (struct zj_str){"C:\\Users\\x\\evil.exe", 19};
		ck_assert_int_eq(zj_arr_expand(rule, &ctx, &out, err, sizeof(err)), 0);
		ck_assert_str_eq(out->actions[0].filenames.v[0], "C:\\Users\\x\\evil.exe");
		zj_arr_rule_free(out);
		ctx.path = (struct zj_str){"C:\\Windows\\System32\\ntdll.dll", 29};
		ck_assert_int_eq(zj_arr_expand(rule, &ctx, &out, err, sizeof(err)), -ZJ_EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "system-critical"));
		ctx.path = (struct zj_str){"/tmp/x", 6};
		ck_assert_int_eq(zj_arr_expand(rule, &ctx, &out, err, sizeof(err)), -ZJ_EINVAL);
		zj_arr_rule_free(rule);
	}

	/* The critical list itself. */
	ck_assert_int_eq(zj_arr_is_critical_win_path("C:\\"), 1);
	ck_assert_int_eq(zj_arr_is_critical_win_path("c:\\windows"), 1);
	ck_assert_int_eq(zj_arr_is_critical_win_path("D:\\Windows\\SysWOW64\\kernelbase.dll"), 1);
	ck_assert_int_eq(zj_arr_is_critical_win_path("C:\\Windows\\System32\\config\\x\\y"), 1);
	ck_assert_int_eq(zj_arr_is_critical_win_path("C:\\Windows\\System32\\x\\ntdll.dll"), 0);
	ck_assert_int_eq(zj_arr_is_critical_win_path("C:\\Windows\\System32\\evil.dll"), 0);
	ck_assert_int_eq(zj_arr_is_critical_win_path("C:\\Windowsx"), 0);
	ck_assert_int_eq(zj_arr_is_critical_win_path("C:\\ProgramData\\evil"), 0);
	ck_assert_int_eq(zj_arr_is_critical_win_path("/etc/passwd"), -ZJ_EINVAL);
	ck_assert_int_eq(zj_arr_is_critical_win_path(NULL), -ZJ_EINVAL);

	/* Linux is as before: a Windows path is not a path there. */
	snprintf(text, sizeof(text),
		 "{\"name\":\"r\",\"actions\":[{\"action\":\"File_Delete\",\"filenames\":"
		 "[\"C:\\\\x\"]}]}");
	ck_assert_int_eq(zj_arr_parse(text, strlen(text), "t.json", &rule, err, sizeof(err)),
			 -ZJ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "search scope"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("windows");
	TCase *tc = tcase_create("portable");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_fixtures);
	tcase_add_test(tc, test_registry_rules);
	tcase_add_test(tc, test_event_names_json);
	tcase_add_test(tc, test_parse_bounds);
	tcase_add_test(tc, test_arr_windows_grammar);
	tcase_add_test(tc, test_arr_windows_files);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
