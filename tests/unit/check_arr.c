/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ARR rules: the brief's three samples (the 清除规则 runs as written; the 处置规则 and the
 * 防御规则 are not JSON, and say where), every instruction in valid and invalid forms, every
 * condition form, JSON paths and positions in errors, Windows-only instructions, critical
 * paths and "force", variables with hostile values, the dry-run plan, and truncated and
 * mutated rules that must never crash (run under ASan/UBSan by `make check-asan`).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/arr.h"
#include "zhijia/errors.h"
#include "zhijia/event.h"

/*
 * The brief's samples (reference/antiy-iep-fine-grained-defense.txt), as printed there
 * without the slide's line numbers ("1 {" ... "23 }": each line's number and the space after
 * it removed; the two-digit numbers ate one column of indentation, kept as it is).
 */
static const char brief_cleanup[] = /* 清除规则 */
	"{\n"
	"  \"name\": \"暗云清除规则\",\n"
	"  \"actions\": [\n"
	"    {\n"
	"      \"action\": \"Proc_Module_Threads\",\n"
	"      \"modules\": [\"upcfg.db\", \"DtCrashCatch.dll\"],\n"
	"      \"condition\": \"\"\n"
	"    },\n"
	"    {\n"
	"     \"action\": \"File_Delete\",\n"
	"     \"filenames\": [\"upcfg.db\", \"DtCrashCatch.dll\", \"DrvSvc.zip\"],\n"
	"     \"condition\": \"alldisk\"\n"
	"   },\n"
	"   {\n"
	"     \"action\": \"File_repairMbr\",\n"
	"     \"data\": \"backup\",\n"
	"     \"condition\": \"[equal],[offset:0],[31 C0 FA 31 D8 8E D3 36 89 26 FE 7B BC FE 7B "
	"1E]\"\n"
	"   },\n"
	"   {\n"
	"     \"action\": \"Other_QuickScan\"\n"
	"   }\n"
	" ]\n"
	"}\n";

static const char brief_disposal[] = /* 处置规则 */
	"{\n"
	"  \"name\": \"暗云回处置规则\",\n"
	"  \"actions\": [\n"
	"    \"action0\"\n"
	"  ],\n"
	"  \"modules\": [\n"
	"    \"upcfg.db\",\n"
	"    \"lcdn.db\",\n"
	"    \"ndn.db\",\n"
	"   \"DtCrashCatch.dll\",\n"
	"   \"condition\": \"\"\n"
	" ],\n"
	" \"action1\": {\n"
	"   \"action\": \"File_Delete\",\n"
	"   \"filenames\": [\"upcfg.db\", \"lcdn.db\", \"ndn.db\", \"DtCrashCatch.dll\", "
	"\"DrvSvc.zip\"],\n"
	"   \"condition\": \"alldisk\"\n"
	" },\n"
	" \"action2\": {\n"
	"   \"action\": \"File_repairMbr\",\n"
	"   \"data\": \"backup\",\n"
	"   \"condition\": \"[equal],[offset:0],[31 C0 FA 31 D8 8E D3 36 89 26 FE 7B BC FE 7B "
	"1E]\"\n"
	" },\n"
	" \"action3\": {\n"
	"   \"action\": \"Other_quickScan\"\n"
	" }\n"
	"}\n";

static const char brief_defense[] = /* 防御规则 */
	"{\n"
	"  \"name\": \"暗云回防御规则\",\n"
	"  \"actions\": [\n"
	"    \"action0\"\n"
	"  ],\n"
	"  \"action\": \"MBR_BLACK\",\n"
	"  \"data\": \"backup\",\n"
	"  \"process\": \"\",\n"
	"  \"condition\": \"[equal],[offset:0],[31 C0 FA 31 D8 8E D3 36 89 26 FE 7B BC FE 7B "
	"1E]\"\n"
	" },\n"
	" \"action1\": {\n"
	"   \"action\": \"File_Delete\",\n"
	"   \"filenames\": [\"upcfg.db\", \"lcdn.db\", \"ndn.db\", \"DtCrashCatch.dll\", "
	"\"DrvSvc.zip\"],\n"
	"   \"condition\": \"alldisk\"\n"
	" },\n"
	" \"action2\": {\n"
	"   \"action\": \"File_repairMbr\",\n"
	"   \"data\": \"backup\",\n"
	"   \"condition\": \"[equal],[offset:0],[31 C0 FA 31 D8 8E D3 36 89 26 FE 7B BC FE 7B "
	"1E]\"\n"
	" },\n"
	" \"action3\": {\n"
	"   \"action\": \"Other_quickScan\"\n"
	" }\n"
	"}\n";

static const uint8_t brief_mbr[16] = {0x31, 0xC0, 0xFA, 0x31, 0xD8, 0x8E, 0xD3, 0x36,
				      0x89, 0x26, 0xFE, 0x7B, 0xBC, 0xFE, 0x7B, 0x1E};

/* ---- helpers --------------------------------------------------------------------------------- */

#define RULE(actions) "{\"name\": \"t\", \"actions\": [" actions "]}"
#define ACT(body) RULE("{" body "}")

static int parse_n(const char *text, size_t len, struct zj_arr_rule **ret, char *err)
{
	*ret = NULL;
	return zj_arr_parse(text, len, "rule.json", ret, err, ZJ_ARR_ERR_MAX);
}

static struct zj_arr_rule *ok(const char *text)
{
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *r;
	int rc = parse_n(text, strlen(text), &r, err);

	ck_assert_msg(rc == 0, "%s\n  -> %d %s", text, rc, err);
	ck_assert_ptr_nonnull(r);
	return r;
}

static void ok_free(const char *text)
{
	zj_arr_rule_free(ok(text));
}

/* err without "rule.json:LINE:COL: ", checking that prefix's form. */
static const char *after_position(const char *err)
{
	const char *p = err;

	ck_assert_msg(strncmp(p, "rule.json:", 10) == 0, "no position in '%s'", err);
	p += 10;
	for (int k = 0; k < 2; k++) {
		ck_assert_msg(*p >= '1' && *p <= '9', "bad position in '%s'", err);
		while (*p >= '0' && *p <= '9')
			p++;
		ck_assert_msg(*p == ':', "bad position in '%s'", err);
		p++;
	}
	ck_assert_msg(*p == ' ', "bad position in '%s'", err);
	return p + 1;
}

/* Fails with code and, after the position, exactly want; no rule comes back. */
static void bad(const char *text, int code, const char *want)
{
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *r;
	int rc = parse_n(text, strlen(text), &r, err);

	ck_assert_msg(rc == code, "%s\n  -> %d (want %d) %s", text, rc, code, err);
	ck_assert_ptr_null(r);
	ck_assert_msg(strcmp(after_position(err), want) == 0, "%s\n  got:  %s\n  want: %s", text,
		      after_position(err), want);
}

/* The same, with the position. */
static void bad_at(const char *text, int code, const char *want)
{
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *r;
	int rc = parse_n(text, strlen(text), &r, err);

	ck_assert_msg(rc == code, "%s\n  -> %d (want %d) %s", text, rc, code, err);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err, want);
}

static char *wrap(const char *action_body)
{
	static const char fmt[] = "{\"name\": \"t\", \"actions\": [{%s}]}";
	size_t n = strlen(fmt) + strlen(action_body);
	char *text = malloc(n);

	ck_assert_ptr_nonnull(text);
	snprintf(text, n, fmt, action_body);
	return text;
}

static char *summary_of(const struct zj_arr_rule *r, size_t i)
{
	struct zj_arr_plan *plan;
	char *s;

	ck_assert_int_eq(zj_arr_plan_build(r, &plan), 0);
	ck_assert_uint_gt(plan->n_steps, i);
	s = strdup(plan->steps[i].summary);
	zj_arr_plan_free(plan);
	return s;
}

#define ASSERT_SUMMARY(rule, i, want)                                                              \
	do {                                                                                       \
		char *s_ = summary_of(rule, i);                                                    \
		ck_assert_str_eq(s_, want);                                                        \
		free(s_);                                                                          \
	} while (0)

static struct zj_str view(const char *s)
{
	return (struct zj_str){s, strlen(s)};
}

/* ---- the brief's samples --------------------------------------------------------------------- */

START_TEST(test_brief_cleanup)
{
	struct zj_arr_rule *r = ok(brief_cleanup);
	const struct zj_arr_action *a;

	ck_assert_str_eq(r->name, "暗云清除规则");
	ck_assert(!r->force);
	ck_assert(!r->needs_ctx);
	ck_assert_uint_eq(r->n_actions, 4);

	a = &r->actions[0];
	ck_assert_int_eq(a->instr, ZJ_ARR_PROC_MODULE_THREADS);
	ck_assert_str_eq(zj_arr_instr_name(a->instr), "Proc_Module_Threads");
	ck_assert_uint_eq(a->modules.n, 2);
	ck_assert_str_eq(a->modules.v[0], "upcfg.db");
	ck_assert_str_eq(a->modules.v[1], "DtCrashCatch.dll");
	ck_assert_int_eq(a->cond.kind, ZJ_ARR_COND_NONE);
	ck_assert_int_eq(a->state, ZJ_ARR_STATE_SUSPEND); /* the instruction's only sense */
	ck_assert(!a->needs_ctx);

	a = &r->actions[1];
	ck_assert_int_eq(a->instr, ZJ_ARR_FILE_DELETE);
	ck_assert_uint_eq(a->filenames.n, 3);
	ck_assert_str_eq(a->filenames.v[0], "upcfg.db");
	ck_assert_str_eq(a->filenames.v[1], "DtCrashCatch.dll");
	ck_assert_str_eq(a->filenames.v[2], "DrvSvc.zip");
	ck_assert_uint_eq(a->sha256.n, 0);
	ck_assert_int_eq(a->cond.kind, ZJ_ARR_COND_SCOPE);
	ck_assert_int_eq(a->cond.scope, ZJ_ARR_SCOPE_ALLDISK);
	ck_assert_uint_eq(a->cond.depth, 0);

	a = &r->actions[2];
	ck_assert_int_eq(a->instr, ZJ_ARR_FILE_REPAIR_MBR);
	ck_assert_str_eq(zj_arr_instr_name(a->instr), "File_repairMbr");
	ck_assert_str_eq(a->data, "backup");
	ck_assert_ptr_null(a->disk);
	ck_assert_int_eq(a->cond.kind, ZJ_ARR_COND_MBR);
	ck_assert(a->cond.mbr_equal);
	ck_assert_uint_eq(a->cond.mbr_offset, 0);
	ck_assert_uint_eq(a->cond.mbr_bytes.len, 16);
	ck_assert_mem_eq(a->cond.mbr_bytes.data, brief_mbr, 16);

	a = &r->actions[3];
	ck_assert_int_eq(a->instr, ZJ_ARR_OTHER_QUICKSCAN);
	ck_assert_int_eq(a->cond.kind, ZJ_ARR_COND_NONE);

	/* Everything not given is empty, or -1 where -1 means "not given". */
	for (size_t i = 0; i < r->n_actions; i++) {
		a = &r->actions[i];
		ck_assert_ptr_null(a->path);
		ck_assert_ptr_null(a->content);
		ck_assert_int_eq(a->offset, -1);
		ck_assert_int_eq(a->mode, -1);
		ck_assert_int_eq(a->immutable, -1);
		ck_assert_int_eq(a->enabled, -1);
		ck_assert_uint_eq(a->pids.n, 0);
		ck_assert_uint_eq(a->hex.len, 0);
		ck_assert(!a->undo);
		ck_assert_uint_eq(a->timeout, 0);
	}

	ASSERT_SUMMARY(r, 0,
		       "Proc_Module_Threads: suspend every thread of processes that have upcfg.db, "
		       "DtCrashCatch.dll mapped");
	ASSERT_SUMMARY(r, 1,
		       "File_Delete: delete files named upcfg.db, DtCrashCatch.dll, DrvSvc.zip "
		       "anywhere on local file systems (alldisk), kept in quarantine");
	ASSERT_SUMMARY(
		r, 2,
		"File_repairMbr: where sector 0 of a system disk has 31 C0 FA 31 D8 8E D3 36 "
		"89 26 FE 7B BC FE 7B 1E at offset 0, restore it from zhijia's backup; the "
		"replaced sector is kept in quarantine");
	ASSERT_SUMMARY(
		r, 3,
		"Other_QuickScan: quick scan of running processes, persistence locations and "
		"temporary directories, disposing of what it finds by policy");
	zj_arr_rule_free(r);
}
END_TEST

START_TEST(test_brief_disposal)
{
	/* Line 11 puts a "key": value inside the "modules" array: not JSON. */
	bad_at(brief_disposal, -ZJ_EBADMSG,
	       "rule.json:11:15: invalid JSON: array value separator ',' expected at ':' (a "
	       "\"key\": value pair belongs in an object {...}, not in an array [...])");
}
END_TEST

START_TEST(test_brief_defense)
{
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *r;
	const char *close = strstr(brief_defense, "\n },") + 2;

	/* Line 10's "}" closes the rule object (an action's "{" is missing): the rest is extra. */
	bad_at(brief_defense, -ZJ_EBADMSG,
	       "rule.json:10:3: invalid JSON: unexpected ',' after the end of the rule object (it "
	       "closed at 10:2)");

	/* Cut there, it is JSON, and still not a rule: "actions" lists names, not objects. */
	ck_assert_int_eq(parse_n(brief_defense, (size_t)(close - brief_defense) + 1, &r, err),
			 -ZJ_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err, "rule.json:4:5: actions[0]: expected an object like {\"action\": "
			      "\"File_Delete\", ...}, got a string");
}
END_TEST

/* ---- top level and JSON ---------------------------------------------------------------------- */

START_TEST(test_top_level)
{
	char big[ZJ_ARR_ACTIONS_MAX * 32 + 64];
	size_t o;

	bad_at("", -ZJ_EBADMSG,
	       "rule.json:1:1: invalid JSON: unexpected end of text (a rule is a JSON object)");
	bad_at(" \n ", -ZJ_EBADMSG,
	       "rule.json:2:2: invalid JSON: unexpected end of text (a rule is a JSON object)");
	bad_at("{\"name\": \"t\",", -ZJ_EBADMSG,
	       "rule.json:1:14: invalid JSON: unexpected end of text");
	bad_at("{\"name\": 't'}", -ZJ_EBADMSG,
	       "rule.json:1:10: invalid JSON: unexpected character at '''");
	bad_at("{\"name\": \"t\", \"actions\": [],}", -ZJ_EBADMSG,
	       "rule.json:1:29: invalid JSON: unexpected character at '}'");
	bad_at("{} x", -ZJ_EBADMSG,
	       "rule.json:1:4: invalid JSON: unexpected 'x' after the end of the rule object (it "
	       "closed at 1:2)");
	bad_at("[]", -ZJ_EINVAL,
	       "rule.json:1:1: a rule is a JSON object {\"name\": ..., \"actions\": [...]}, not an "
	       "array");
	bad_at("{\"actions\": [{\"action\": \"Other_QuickScan\"}]}", -ZJ_EINVAL,
	       "rule.json:1:1: a rule needs \"name\"");
	bad_at("{\"name\": \"t\"}", -ZJ_EINVAL, "rule.json:1:1: a rule needs \"actions\"");
	bad_at("{\"name\": \"t\", \"actions\": []}", -ZJ_EINVAL,
	       "rule.json:1:26: actions: a rule needs at least one action");
	bad_at("{\"name\": \"t\", \"actions\": {}}", -ZJ_EINVAL,
	       "rule.json:1:26: actions: expected an array of actions, got an object");
	bad_at("{\"name\": 7, \"actions\": []}", -ZJ_EINVAL,
	       "rule.json:1:10: name: expected a string, got an integer");
	bad_at("{\"name\": \"\", \"actions\": []}", -ZJ_EINVAL,
	       "rule.json:1:10: name: must not be empty");
	bad_at("{\"name\": \"a\\nb\", \"actions\": []}", -ZJ_EINVAL,
	       "rule.json:1:10: name: a name is one line: no control characters");
	bad_at("{\"name\": \"t\", \"force\": 1, \"actions\": []}", -ZJ_EINVAL,
	       "rule.json:1:24: force: expected true or false, got an integer");
	bad_at("{\"name\": \"t\", \"comment\": \"x\", \"actions\": []}", -ZJ_EINVAL,
	       "rule.json:1:15: comment: unknown field; valid: name, actions, force");
	/* The 处置规则's mistake, once its syntax is right: fields outside their action. */
	bad_at("{\"name\": \"t\", \"actions\": [{\"action\": \"Other_QuickScan\"}],\n"
	       "  \"modules\": [\"upcfg.db\"]}",
	       -ZJ_EINVAL,
	       "rule.json:2:3: modules: unknown field; valid: name, actions, force (an action's "
	       "fields belong in an object in \"actions\")");
	bad_at("{\"name\": \"t\", \"actions\": [\"action0\"]}", -ZJ_EINVAL,
	       "rule.json:1:27: actions[0]: expected an object like {\"action\": \"File_Delete\", "
	       "...}, got a string");
	bad_at("{\"name\": \"t\", \"actions\": [{}]}", -ZJ_EINVAL,
	       "rule.json:1:27: actions[0]: missing \"action\" (the instruction, like "
	       "\"File_Delete\")");
	bad_at("{\"name\": \"t\", \"actions\": [{\"action\": [\"File_Delete\"]}]}", -ZJ_EINVAL,
	       "rule.json:1:38: actions[0].action: expected an instruction name (a string), got "
	       "an array");

	/* At most ZJ_ARR_ACTIONS_MAX actions. */
	o = (size_t)snprintf(big, sizeof(big), "{\"name\": \"t\", \"actions\": [");
	for (int i = 0; i <= ZJ_ARR_ACTIONS_MAX; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o,
				      "%s{\"action\": \"Other_QuickScan\"}", i ? "," : "");
	snprintf(big + o, sizeof(big) - o, "]}");
	bad(big, -ZJ_EINVAL, "actions: too many actions (257; at most 256)");

	/* "force" may come after the actions that need it. */
	ok_free("{\"name\": \"t\", \"actions\": [{\"action\": \"File_Delete\", \"filenames\": "
		"[\"/etc/passwd\"]}], \"force\": true}");
}
END_TEST

START_TEST(test_json_details)
{
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *r;
	static const char with_nul[] = "{\"name\": \"t\", \"actions\": []}\0{}";

	/* Duplicate keys: json-c would keep the last one silently. */
	bad_at("{\"name\": \"a\", \"name\": \"b\", \"actions\": []}", -ZJ_EINVAL,
	       "rule.json:1:15: duplicate field 'name'");
	bad_at(ACT("\"action\": \"File_Delete\", \"filenames\": [\"a\"], \"condition\": "
		   "\"alldisk\", "
		   "\"filenames\": [\"/etc/passwd\"]"),
	       -ZJ_EINVAL, "rule.json:1:97: actions[0]: duplicate field 'filenames'");
	/* ... also when an escape spells the same key */
	bad(ACT("\"action\": \"File_Delete\", \"filenames\": [\"a\"], \"condition\": \"alldisk\", "
		"\"file\\u006eames\": [\"b\"]"),
	    -ZJ_EINVAL, "actions[0]: duplicate field 'filenames'");
	bad(ACT("\"action\": \"Other_QuickScan\", \"a\\u0000b\": 1"), -ZJ_EINVAL,
	    "actions[0]: a field name holds a NUL byte");
	/* NUL bytes: in a string, and after the object */
	bad(ACT("\"action\": \"Other_Create_Mutex\", \"mutex\": \"/tmp/a\\u0000b\""), -ZJ_EINVAL,
	    "actions[0].mutex: holds a NUL byte (\\u0000)");
	ck_assert_int_eq(parse_n(with_nul, sizeof(with_nul) - 1, &r, err), -ZJ_EBADMSG);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err, "rule.json:1:29: invalid JSON: unexpected byte 0x00 after the end of "
			      "the rule object (it closed at 1:28)");
	/* Not UTF-8 */
	bad("{\"name\": \"\xff\", \"actions\": []}", -ZJ_EBADMSG,
	    "invalid JSON: invalid utf-8 string at byte 0xff");
	/* Keys quoted back are escaped and cut */
	bad(ACT("\"action\": \"Other_QuickScan\", \"\\u001b[31mred\": 1"), -ZJ_EINVAL,
	    "actions[0].\\x1b[31mred: unknown field for Other_QuickScan; valid: condition");
	/* Positions count characters, not bytes: the name is 6 characters of 3 bytes */
	bad_at("{\"name\": \"暗云清除规则\", \"actions\": 1}", -ZJ_EINVAL,
	       "rule.json:1:31: actions: expected an array of actions, got an integer");

	/* NULL and small buffers */
	ck_assert_int_eq(zj_arr_parse("{}", 2, NULL, NULL, NULL, 0), -ZJ_EINVAL);
	ck_assert_int_eq(zj_arr_parse(NULL, 5, NULL, &r, NULL, 0), -ZJ_EINVAL);
	ck_assert_int_eq(zj_arr_parse("[]", 2, NULL, &r, NULL, 0), -ZJ_EINVAL);
	ck_assert_int_eq(zj_arr_parse("[]", 2, NULL, &r, err, 8), -ZJ_EINVAL);
	ck_assert_str_eq(err, "rule:1:");
	ck_assert_int_eq(zj_arr_parse("[]", 2, "x.json", &r, err, 1), -ZJ_EINVAL);
	ck_assert_str_eq(err, "");
}
END_TEST

/* ---- instructions ---------------------------------------------------------------------------- */

struct form {
	const char *action; /* the inside of one action object */
	int code;
	const char *msg; /* after the position */
};

static void check_forms(const struct form *forms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *text = wrap(forms[i].action);

		if (forms[i].code == 0)
			ok_free(text);
		else
			bad(text, forms[i].code, forms[i].msg);
		free(text);
	}
}

#define EINV (-ZJ_EINVAL)
#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_files)
{
	static const struct form forms[] = {
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\"", 0, NULL},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\", \"content\": \"\", \"mode\": "
		 "\"0600\", \"owner\": \"root:root\", \"overwrite\": true, \"condition\": \"\"",
		 0, NULL},
		{"\"action\": \"File_Create\"", EINV, "actions[0]: File_Create needs \"path\""},
		{"\"action\": \"File_Create\", \"path\": \"opt/x\"", EINV,
		 "actions[0].path: 'opt/x' is not an absolute path"},
		{"\"action\": \"File_Create\", \"path\": \"/opt//x\"", EINV,
		 "actions[0].path: '/opt//x' is not a normalised path (no '//', '.' or '..' parts, "
		 "no trailing '/')"},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x/\"", EINV,
		 "actions[0].path: '/opt/x/' is not a normalised path (no '//', '.' or '..' parts, "
		 "no trailing '/')"},
		{"\"action\": \"File_Create\", \"path\": \"/tmp/../etc/passwd\"", EINV,
		 "actions[0].path: '/tmp/../etc/passwd' is not a normalised path (no '//', '.' or "
		 "'..' parts, no trailing '/')"},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\", \"mode\": 644", EINV,
		 "actions[0].mode: give the mode as an octal string, like \"0644\" (a JSON number "
		 "is decimal)"},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\", \"mode\": \"0899\"", EINV,
		 "actions[0].mode: '0899' is not a file mode; give octal digits in a string, like "
		 "\"0644\""},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\", \"owner\": \"root:\"", EINV,
		 "actions[0].owner: 'root:' is not an owner; valid: \"user\", \"user:group\", "
		 "\":group\" (names or numbers)"},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\", \"overwrite\": \"yes\"", EINV,
		 "actions[0].overwrite: expected true or false, got a string"},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\", \"condition\": \"alldisk\"",
		 EINV,
		 "actions[0].condition: File_Create takes no condition (give \"\" or leave it "
		 "out)"},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\", \"filenames\": [\"x\"]", EINV,
		 "actions[0].filenames: unknown field for File_Create; valid: path, content, mode, "
		 "owner, overwrite"},
		{"\"action\": \"File_Create\", \"path\": \"/opt/x\", \"force\": true", EINV,
		 "actions[0].force: unknown field for File_Create; valid: path, content, mode, "
		 "owner, overwrite (\"force\" belongs at the top of the rule)"},

		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"content\": \"new\"", 0,
		 NULL},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"append\": \"line\\n\"", 0,
		 NULL},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"offset\": 0, \"hex\": \"90 "
		 "90\"",
		 0, NULL},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\"", EINV,
		 "actions[0]: File_Modify needs one of \"content\" (replace), \"append\", or "
		 "\"offset\" with \"hex\" (patch)"},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"content\": \"a\", "
		 "\"append\": "
		 "\"b\"",
		 EINV,
		 "actions[0]: File_Modify needs only one of \"content\" (replace), \"append\", or "
		 "\"offset\" with \"hex\" (patch)"},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"offset\": 4", EINV,
		 "actions[0].offset: an offset needs the bytes to write there in \"hex\""},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"hex\": \"90\"", EINV,
		 "actions[0].hex: bytes to write need an \"offset\""},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"offset\": -1, \"hex\": "
		 "\"90\"",
		 EINV, "actions[0].offset: an offset out of range (0-1125899906842624)"},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"offset\": 1.5, \"hex\": "
		 "\"90\"",
		 EINV, "actions[0].offset: expected an offset (an integer), got a number"},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"offset\": 0, \"hex\": "
		 "\"9G\"",
		 EINV,
		 "actions[0].hex: '9G' is not hex bytes (pairs of hex digits, like 31 C0 FA)"},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"offset\": 0, \"hex\": "
		 "\"909\"",
		 EINV,
		 "actions[0].hex: '909' is not hex bytes (pairs of hex digits, like 31 C0 FA)"},
		{"\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"offset\": 0, \"hex\": \" \"",
		 EINV, "actions[0].hex: no hex bytes given"},

		{"\"action\": \"File_Delete\", \"filenames\": [\"/tmp/.x/miner\", "
		 "\"/tmp/.x/cfg\"], "
		 "\"condition\": \"\"",
		 0, NULL},
		{"\"action\": \"File_Delete\", \"filenames\": [\"/tmp/.x/miner\"]", 0, NULL},
		{"\"action\": \"File_Delete\", \"filenames\": [\"kdevtmpfsi\"], \"sha256\": "
		 "[\"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\"], "
		 "\"condition\": \"alldisk_deep:5\"",
		 0, NULL},
		{"\"action\": \"File_Delete\", \"filenames\": [\"kdevtmpfsi\"], \"condition\": "
		 "\"\"",
		 EINV,
		 "actions[0].condition: File_Delete of file names needs a search scope; valid: "
		 "alldisk, systemdisk, diskroot, alldisk_deep:N (1-100), udisk"},
		{"\"action\": \"File_Delete\", \"filenames\": [\"kdevtmpfsi\", \"/tmp/x\"], "
		 "\"condition\": \"udisk\"",
		 EINV,
		 "actions[0].filenames[1]: '/tmp/x' is a path; a search scope (\"condition\") "
		 "applies to file names: give names with a scope, or paths with condition \"\""},
		{"\"action\": \"File_Delete\", \"filenames\": []", EINV,
		 "actions[0].filenames: must not be empty"},
		{"\"action\": \"File_Delete\", \"filenames\": \"x\"", EINV,
		 "actions[0].filenames: expected an array of strings, got a string"},
		{"\"action\": \"File_Delete\", \"filenames\": [\"a\", 1], \"condition\": "
		 "\"alldisk\"",
		 EINV, "actions[0].filenames[1]: expected a string, got an integer"},
		{"\"action\": \"File_Delete\", \"filenames\": [\"a/b\"], \"condition\": "
		 "\"alldisk\"",
		 EINV,
		 "actions[0].filenames[0]: 'a/b' is not a file name: it holds a '/' (absolute "
		 "paths start with '/')"},
		{"\"action\": \"File_Delete\", \"filenames\": [\"..\"], \"condition\": \"alldisk\"",
		 EINV, "actions[0].filenames[0]: '..' is not a file name"},
		{"\"action\": \"File_Delete\", \"filenames\": [\"x\"], \"sha256\": [\"abc\"], "
		 "\"condition\": \"alldisk\"",
		 EINV, "actions[0].sha256[0]: 'abc' is not a SHA-256 digest (64 hex digits)"},
		{"\"action\": \"File_Delete\", \"filename\": [\"x\"], \"condition\": \"alldisk\"",
		 EINV,
		 "actions[0].filename: unknown field for File_Delete (did you mean 'filenames'?); "
		 "valid: filenames, sha256, condition"},

		{"\"action\": \"File_Rename\", \"path\": \"/usr/bin/ps\", \"to\": "
		 "\"/usr/bin/ps.trojan\"",
		 0, NULL},
		{"\"action\": \"File_Rename\", \"path\": \"/a\"", EINV,
		 "actions[0]: File_Rename needs \"to\""},
		{"\"action\": \"File_Rename\", \"path\": \"/a\", \"to\": \"/a\"", EINV,
		 "actions[0].to: the same path as \"path\": nothing to rename"},

		{"\"action\": \"File_Attribute\", \"path\": \"/tmp/x\", \"mode\": \"0\"", 0, NULL},
		{"\"action\": \"File_Attribute\", \"path\": \"/tmp/x\", \"owner\": \":1000\"", 0,
		 NULL},
		{"\"action\": \"File_Attribute\", \"path\": \"/etc/cron.d/x\", \"immutable\": "
		 "false",
		 0, NULL},
		{"\"action\": \"File_Attribute\", \"path\": \"/tmp/x\"", EINV,
		 "actions[0]: File_Attribute needs at least one of \"mode\", \"owner\", "
		 "\"immutable\""},
		{"\"action\": \"File_Attribute\", \"path\": \"/tmp/x\", \"immutable\": \"on\"",
		 EINV, "actions[0].immutable: expected true or false, got a string"},

		{"\"action\": \"File_DelText\", \"path\": \"/etc/ld.so.preload\", \"text\": "
		 "[\"/usr/lib/libevil.so\"]",
		 0, NULL},
		{"\"action\": \"File_DelText\", \"path\": \"/etc/crontab\", \"hex\": \"0d 0a\"", 0,
		 NULL},
		{"\"action\": \"File_DelText\", \"path\": \"/etc/crontab\"", EINV,
		 "actions[0]: File_DelText needs one of \"text\" (lines that contain it) or "
		 "\"hex\" "
		 "(bytes)"},
		{"\"action\": \"File_DelText\", \"path\": \"/etc/crontab\", \"text\": [\"x\"], "
		 "\"hex\": \"00\"",
		 EINV,
		 "actions[0]: File_DelText needs only one of \"text\" (lines that contain it) or "
		 "\"hex\" (bytes)"},
		{"\"action\": \"File_DelText\", \"path\": \"/etc/crontab\", \"text\": [\"\"]", EINV,
		 "actions[0].text[0]: must not be empty"},

		{"\"action\": \"File_repairMbr\", \"data\": \"/var/backups/mbr.bin\", \"disk\": "
		 "\"/dev/sda\", \"condition\": \"[Unequal],[offset:510],[55 AA]\"",
		 0, NULL},
		{"\"action\": \"File_repairMbr\", \"data\": \"backup\"", EINV,
		 "actions[0].condition: File_repairMbr without a condition overwrites sector 0 "
		 "whatever it holds; give [equal|Unequal],[offset:N],[hex bytes], or \"force\": "
		 "true"},
		{"\"action\": \"File_repairMbr\", \"condition\": \"[equal],[offset:0],[33 C0]\"",
		 EINV, "actions[0]: File_repairMbr needs \"data\""},
		{"\"action\": \"File_repairMbr\", \"data\": \"restore\", \"condition\": "
		 "\"[equal],[offset:0],[33 C0]\"",
		 EINV,
		 "actions[0].data: 'restore' is neither \"backup\" (zhijia's copy of sector 0) nor "
		 "the absolute path of a sector image"},
		{"\"action\": \"File_repairMbr\", \"data\": \"backup\", \"disk\": \"sda\", "
		 "\"condition\": \"[equal],[offset:0],[33 C0]\"",
		 EINV, "actions[0].disk: 'sda' is not a disk; name its device, like \"/dev/sda\""},
	};

	check_forms(forms, N(forms));
}
END_TEST

START_TEST(test_processes)
{
	static const struct form forms[] = {
		{"\"action\": \"Proc_Create\", \"path\": \"/usr/bin/logger\", \"args\": [\"-t\", "
		 "\"zhijia\", \"\"], \"user\": \"nobody\"",
		 0, NULL},
		{"\"action\": \"Proc_Create\", \"path\": \"/usr/bin/true\", \"args\": []", 0, NULL},
		{"\"action\": \"Proc_Create\", \"path\": \"${path}\"", EINV,
		 "actions[0].path: Proc_Create takes no variables in \"path\": it would run a file "
		 "the finding names"},
		{"\"action\": \"Proc_Create\", \"path\": \"/bin/true\", \"user\": \"bad user\"",
		 EINV, "actions[0].user: 'bad user' is not a user name or id"},
		{"\"action\": \"Proc_Create\", \"path\": \"/bin/true\", \"args\": [1]", EINV,
		 "actions[0].args[0]: expected a string, got an integer"},

		{"\"action\": \"Proc_Modify\", \"state\": \"suspend\", \"names\": [\"kworkerds\"]",
		 0, NULL},
		{"\"action\": \"Proc_Modify\", \"state\": \"RESUME\", \"pids\": [4321]", 0, NULL},
		{"\"action\": \"Proc_Modify\", \"state\": \"pause\", \"pids\": [4321]", EINV,
		 "actions[0].state: unknown state 'pause'; valid: suspend, resume"},
		{"\"action\": \"Proc_Modify\", \"pids\": [4321]", EINV,
		 "actions[0]: Proc_Modify needs \"state\""},
		{"\"action\": \"Proc_Modify\", \"state\": \"suspend\"", EINV,
		 "actions[0]: Proc_Modify needs at least one of \"names\", \"pids\", "
		 "\"executables\""},

		{"\"action\": \"Proc_Terminate\", \"names\": [\"kdevtmpfsi\"], \"pids\": [1234], "
		 "\"executables\": [\"/tmp/.x/kdevtmpfsi\"]",
		 0, NULL},
		{"\"action\": \"Proc_Terminate\"", EINV,
		 "actions[0]: Proc_Terminate needs at least one of \"names\", \"pids\", "
		 "\"executables\""},
		{"\"action\": \"Proc_Terminate\", \"pids\": [1]", EINV,
		 "actions[0].pids[0]: 1 is init (PID 1), which zhijia never stops"},
		{"\"action\": \"Proc_Terminate\", \"pids\": [0]", EINV,
		 "actions[0].pids[0]: 0 is not a process id (2-4194304)"},
		{"\"action\": \"Proc_Terminate\", \"pids\": [4194305]", EINV,
		 "actions[0].pids[0]: 4194305 is not a process id (2-4194304)"},
		{"\"action\": \"Proc_Terminate\", \"pids\": [\"1234\"]", EINV,
		 "actions[0].pids[0]: expected a process id: a number, \"${actor.pid}\" or "
		 "\"${target.pid}\""},
		{"\"action\": \"Proc_Terminate\", \"pids\": [\"${actor.pid} \"]", EINV,
		 "actions[0].pids[0]: expected a process id: a number, \"${actor.pid}\" or "
		 "\"${target.pid}\""},
		{"\"action\": \"Proc_Terminate\", \"executables\": [\"kworker\"]", EINV,
		 "actions[0].executables[0]: 'kworker' is not an absolute path"},
		{"\"action\": \"Proc_Terminate\", \"names\": [\"x\"], \"condition\": \"alldisk\"",
		 EINV,
		 "actions[0].condition: Proc_Terminate takes no condition (give \"\" or leave it "
		 "out)"},

		{"\"action\": \"Proc_Module_Threads\", \"modules\": [\"/usr/lib/evil.so\"], "
		 "\"state\": \"resume\"",
		 0, NULL},
		{"\"action\": \"Proc_Module_Threads\", \"modules\": []", EINV,
		 "actions[0].modules: must not be empty"},
		{"\"action\": \"Proc_Module_Threads\"", EINV,
		 "actions[0]: Proc_Module_Threads needs \"modules\""},
		{"\"action\": \"Proc_Module_Threads\", \"modules\": [\"lib/x.so\"]", EINV,
		 "actions[0].modules[0]: 'lib/x.so' is not a file name: it holds a '/' (absolute "
		 "paths start with '/')"},
	};

	check_forms(forms, N(forms));
}
END_TEST

START_TEST(test_tasks)
{
	static const struct form forms[] = {
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"zj-clean\", "
		 "\"schedule\": \"*/5 * * * *\", \"command\": \"/usr/local/bin/clean --all\"",
		 0, NULL},
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"zj_clean\", "
		 "\"schedule\": \"@daily\", \"command\": \"x\", \"user\": \"root\"",
		 0, NULL},
		{"\"action\": \"Task_Create\", \"type\": \"timer\", \"task\": \"zj-clean.timer\", "
		 "\"schedule\": \"*-*-* 03:00:00\", \"command\": \"/usr/local/bin/clean\"",
		 0, NULL},
		{"\"action\": \"Task_Create\", \"type\": \"at\", \"task\": \"x\", \"schedule\": "
		 "\"@daily\", \"command\": \"x\"",
		 EINV, "actions[0].type: unknown type 'at'; valid: cron, timer"},
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"x\", \"schedule\": "
		 "\"* "
		 "* * *\", \"command\": \"x\"",
		 EINV,
		 "actions[0].schedule: '* * * *' is not a cron schedule: 4 fields, five expected "
		 "(minute hour day month weekday)"},
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"x\", \"schedule\": "
		 "\"@often\", \"command\": \"x\"",
		 EINV,
		 "actions[0].schedule: '@often' is not a cron schedule; valid: five fields (minute "
		 "hour day month weekday) or @reboot, @yearly, @annually, @monthly, @weekly, "
		 "@daily, @midnight, @hourly"},
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"x\", \"schedule\": "
		 "\"* "
		 "* * * * ;\", \"command\": \"x\"",
		 EINV,
		 "actions[0].schedule: '* * * * * ;' is not a cron schedule: ';' is not allowed in "
		 "a field"},
		{"\"action\": \"Task_Create\", \"type\": \"timer\", \"task\": \"x\", \"schedule\": "
		 "\"daily; rm\", \"command\": \"x\"",
		 EINV,
		 "actions[0].schedule: 'daily; rm' is not a systemd calendar expression "
		 "(OnCalendar=), like \"*-*-* 03:00:00\" or \"hourly\""},
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"x\", \"schedule\": "
		 "\"@daily\", \"command\": \"a\\nb\"",
		 EINV,
		 "actions[0].command: a command is one line: no newlines or control characters"},
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"zj.clean\", "
		 "\"schedule\": \"@daily\", \"command\": \"x\"",
		 EINV,
		 "actions[0].task: 'zj.clean' is not a file name in /etc/cron.d (letters, digits, "
		 "'_' and '-')"},
		{"\"action\": \"Task_Create\", \"type\": \"timer\", \"task\": \"x.service\", "
		 "\"schedule\": \"hourly\", \"command\": \"x\"",
		 EINV,
		 "actions[0].task: 'x.service' is not a timer; name the timer unit (NAME or "
		 "NAME.timer)"},
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"x\", \"schedule\": "
		 "\"@daily\"",
		 EINV, "actions[0]: Task_Create needs \"command\""},
		{"\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"x\", \"schedule\": "
		 "\"@daily\", \"command\": \"rm ${actor.exe}\"",
		 EINV,
		 "actions[0].command: ${actor.exe} is not substituted in \"command\"; variables "
		 "expand in path, to, filenames, modules, names, executables, pids, args, match "
		 "and text"},

		{"\"action\": \"Task_Modify\", \"type\": \"cron\", \"match\": [\"xmrig\"], "
		 "\"enabled\": false",
		 0, NULL},
		{"\"action\": \"Task_Modify\", \"type\": \"timer\", \"task\": \"x\", \"schedule\": "
		 "\"hourly\", \"enabled\": true",
		 0, NULL},
		{"\"action\": \"Task_Modify\", \"type\": \"cron\", \"enabled\": false", EINV,
		 "actions[0]: Task_Modify needs one of \"task\" or \"match\""},
		{"\"action\": \"Task_Modify\", \"type\": \"cron\", \"task\": \"x\", \"match\": "
		 "[\"y\"], \"enabled\": false",
		 EINV, "actions[0]: Task_Modify needs one of \"task\" or \"match\", not both"},
		{"\"action\": \"Task_Modify\", \"type\": \"timer\", \"match\": [\"y\"], "
		 "\"enabled\": "
		 "false",
		 EINV,
		 "actions[0].match: only cron entries are matched by their text; name a timer "
		 "with \"task\""},
		{"\"action\": \"Task_Modify\", \"type\": \"cron\", \"match\": [\"y\"], "
		 "\"schedule\": "
		 "\"@daily\"",
		 EINV, "actions[0].schedule: a new schedule needs the task named by \"task\""},
		{"\"action\": \"Task_Modify\", \"type\": \"cron\", \"task\": \"x\"", EINV,
		 "actions[0]: Task_Modify needs \"schedule\" or \"enabled\""},

		{"\"action\": \"Task_Delete\", \"type\": \"cron\", \"task\": \"php.cron\"", 0,
		 NULL},
		{"\"action\": \"Task_Delete\", \"type\": \"cron\", \"match\": [\"/tmp/.x/\", "
		 "\"pastebin.com\"]",
		 0, NULL},
		{"\"action\": \"Task_Delete\", \"type\": \"timer\", \"task\": "
		 "\"dbus-update@1.timer\"",
		 0, NULL},
		{"\"action\": \"Task_Delete\", \"task\": \"x\"", EINV,
		 "actions[0]: Task_Delete needs \"type\""},
		{"\"action\": \"Task_Delete\", \"type\": \"cron\", \"task\": \".hidden\"", EINV,
		 "actions[0].task: '.hidden' is not a file name in /etc/cron.d (letters, digits, "
		 "'_' and '-'; '.' after the first character)"},
	};

	check_forms(forms, N(forms));
}
END_TEST

START_TEST(test_scripts)
{
	static const struct form forms[] = {
		{"\"action\": \"Script_Shell\", \"script\": \"rm -f /tmp/.x/*\\n\"", 0, NULL},
		{"\"action\": \"Script_Shell\", \"script\": \"echo ${HOME} ${path} "
		 "$ZJ_ACTOR_PID\", "
		 "\"timeout\": 10",
		 0, NULL},
		{"\"action\": \"Script_Shell\", \"script\": \"\"", EINV,
		 "actions[0].script: must not be empty"},
		{"\"action\": \"Script_Shell\", \"script\": \"x\", \"timeout\": 0", EINV,
		 "actions[0].timeout: a timeout in seconds out of range (1-3600)"},
		{"\"action\": \"Script_Shell\", \"script\": \"x\", \"timeout\": \"10\"", EINV,
		 "actions[0].timeout: expected a timeout in seconds (an integer), got a string"},
		{"\"action\": \"Script_Shell\", \"script\": \"kill -9 ${actor.pid}\"", EINV,
		 "actions[0].script: ${actor.pid} is not substituted in a script (a value could "
		 "inject commands); use \"$ZJ_ACTOR_PID\" from the script's environment"},
		{"\"action\": \"Script_Shell\", \"script\": \"rm ${target.exe}\"", EINV,
		 "actions[0].script: ${target.exe} is not substituted in a script (a value could "
		 "inject commands); use \"$ZJ_TARGET_EXE\" from the script's environment"},

		{"\"action\": \"Script_File\", \"path\": \"/opt/zj/clean.sh\", \"args\": [\"-v\"]",
		 0, NULL},
		{"\"action\": \"Script_File\", \"path\": \"file://localhost/opt/zj/clean.sh\"", 0,
		 NULL},
		{"\"action\": \"Script_File\", \"path\": \"http://example.com/x.sh\"", EINV,
		 "actions[0].path: 'http://example.com/x.sh' is not a local file; Script_File runs "
		 "local files only (zhijia downloads nothing): give an absolute path or a file:/// "
		 "URL"},
		{"\"action\": \"Script_File\", \"path\": \"ftp://h/x\"", EINV,
		 "actions[0].path: 'ftp://h/x' is not a local file; Script_File runs local files "
		 "only (zhijia downloads nothing): give an absolute path or a file:/// URL"},
		{"\"action\": \"Script_File\", \"path\": \"HTTPS:x\"", EINV,
		 "actions[0].path: 'HTTPS:x' is not a local file; Script_File runs local files "
		 "only (zhijia downloads nothing): give an absolute path or a file:/// URL"},
		{"\"action\": \"Script_File\", \"path\": \"FILE://h/x.sh\"", EINV,
		 "actions[0].path: 'FILE://h/x.sh' names a file on another host; Script_File runs "
		 "local files only"},
		{"\"action\": \"Script_File\", \"path\": \"\\\\\\\\srv\\\\share\\\\x.sh\"", EINV,
		 "actions[0].path: '\\\\srv\\share\\x.sh' is a network share; Script_File runs "
		 "local files only"},
		{"\"action\": \"Script_File\", \"path\": \"x.sh\"", EINV,
		 "actions[0].path: 'x.sh' is not an absolute path"},
		{"\"action\": \"Script_File\", \"path\": \"file:///opt/a%00b\"", EINV,
		 "actions[0].path: %00 (a NUL byte) in a file URL"},
		{"\"action\": \"Script_File\", \"path\": \"file:///opt/../x\"", EINV,
		 "actions[0].path: 'file:///opt/../x' is not a normalised path (no '//', '.' or "
		 "'..' parts, no trailing '/')"},
	};

	check_forms(forms, N(forms));
}
END_TEST

START_TEST(test_script_file_url)
{
	struct zj_arr_rule *r =
		ok(ACT("\"action\": \"Script_File\", \"path\": \"file:///opt/zj/clean%20up.sh\""));

	ck_assert_str_eq(r->actions[0].path, "/opt/zj/clean up.sh");
	ck_assert_uint_eq(r->actions[0].timeout, ZJ_ARR_TIMEOUT_DEFAULT);
	ASSERT_SUMMARY(r, 0, "Script_File: run /opt/zj/clean up.sh, for at most 300 s");
	zj_arr_rule_free(r);
}
END_TEST

START_TEST(test_other)
{
	static const struct form forms[] = {
		{"\"action\": \"Other_Device\", \"devices\": [\"1-1.2\", \"0781:5581\", "
		 "\"2-3:1.0\"]",
		 0, NULL},
		{"\"action\": \"Other_Device\", \"devices\": [\"1-1\"], \"undo\": true", 0, NULL},
		{"\"action\": \"Other_Device\", \"devices\": [\"sdb\"]", EINV,
		 "actions[0].devices[0]: 'sdb' is not a USB device; give its bus id (\"1-1.2\", as "
		 "in /sys/bus/usb/devices) or vendor:product (\"0781:5581\")"},
		{"\"action\": \"Other_Device\", \"devices\": [\"1-1.\"]", EINV,
		 "actions[0].devices[0]: '1-1.' is not a USB device; give its bus id (\"1-1.2\", "
		 "as in /sys/bus/usb/devices) or vendor:product (\"0781:5581\")"},
		{"\"action\": \"Other_Device\"", EINV,
		 "actions[0]: Other_Device needs \"devices\""},

		{"\"action\": \"Other_NetOff\"", 0, NULL},
		{"\"action\": \"Other_NetOff\", \"management\": []", 0, NULL},
		{"\"action\": \"Other_NetOff\", \"management\": [\"10.0.0.5\", \"192.168.1.0/24\", "
		 "\"2001:db8::/32\", \"::ffff:10.0.0.9\"]",
		 0, NULL},
		{"\"action\": \"Other_NetOff\", \"undo\": true", 0, NULL},
		{"\"action\": \"Other_NetOff\", \"management\": [\"0.0.0.0/0\"]", EINV,
		 "actions[0].management[0]: '0.0.0.0/0' keeps every address reachable: the host "
		 "would not be isolated"},
		{"\"action\": \"Other_NetOff\", \"management\": [\"10.0.0.1/8\"]", EINV,
		 "actions[0].management[0]: '10.0.0.1/8' has bits set past the /8 prefix"},
		{"\"action\": \"Other_NetOff\", \"management\": [\"10.0.0.256\"]", EINV,
		 "actions[0].management[0]: '10.0.0.256' is not an IP address or network (like "
		 "192.0.2.1, 10.0.0.0/8, 2001:db8::/32)"},
		{"\"action\": \"Other_NetOff\", \"management\": [\"10.0.0.1/33\"]", EINV,
		 "actions[0].management[0]: '10.0.0.1/33' has a bad prefix length (0-32)"},
		{"\"action\": \"Other_NetOff\", \"management\": \"10.0.0.1\"", EINV,
		 "actions[0].management: expected an array of addresses, got a string"},

		{"\"action\": \"Other_Disabled_Port\", \"ports\": [22, \"8000-8100\"], "
		 "\"protocol\": "
		 "\"tcp\", \"direction\": \"in\"",
		 0, NULL},
		{"\"action\": \"Other_Disabled_Port\", \"ports\": [0]", EINV,
		 "actions[0].ports[0]: a port out of range (1-65535)"},
		{"\"action\": \"Other_Disabled_Port\", \"ports\": [65536]", EINV,
		 "actions[0].ports[0]: a port out of range (1-65535)"},
		{"\"action\": \"Other_Disabled_Port\", \"ports\": [\"8100-8000\"]", EINV,
		 "actions[0].ports[0]: '8100-8000' is not a port (1-65535) or a range of ports "
		 "(\"8000-8100\")"},
		{"\"action\": \"Other_Disabled_Port\", \"ports\": [true]", EINV,
		 "actions[0].ports[0]: expected a port (a number) or a range (\"8000-8100\"), got "
		 "a "
		 "boolean"},
		{"\"action\": \"Other_Disabled_Port\", \"ports\": [22], \"protocol\": \"icmp\"",
		 EINV, "actions[0].protocol: unknown protocol 'icmp'; valid: both, tcp, udp"},
		{"\"action\": \"Other_Disabled_Port\", \"ports\": [22], \"direction\": \"up\"",
		 EINV, "actions[0].direction: unknown direction 'up'; valid: both, in, out"},

		{"\"action\": \"Other_Disabled_Ip\", \"ips\": [\"203.0.113.7\", "
		 "\"198.51.100.0/24\", "
		 "\"2001:db8::1\"], \"direction\": \"out\"",
		 0, NULL},
		{"\"action\": \"Other_Disabled_Ip\", \"ips\": [\"0.0.0.0/0\"]", EINV,
		 "actions[0].ips[0]: '0.0.0.0/0' blocks every address; isolate the host with "
		 "Other_NetOff instead"},
		{"\"action\": \"Other_Disabled_Ip\", \"ips\": [\"127.0.0.1\"]", EINV,
		 "actions[0].ips[0]: '127.0.0.1' is loopback, which zhijia never blocks (local "
		 "services depend on it)"},
		{"\"action\": \"Other_Disabled_Ip\", \"ips\": [\"::1\"]", EINV,
		 "actions[0].ips[0]: '::1' is loopback, which zhijia never blocks (local services "
		 "depend on it)"},
		{"\"action\": \"Other_Disabled_Ip\", \"ips\": [\"fe80::1%eth0\"]", EINV,
		 "actions[0].ips[0]: 'fe80::1%eth0' is not an IP address or network (like "
		 "192.0.2.1, 10.0.0.0/8, 2001:db8::/32)"},
		{"\"action\": \"Other_Disabled_Ip\", \"ips\": [\"1:2:3:4:5:6:7:8:9\"]", EINV,
		 "actions[0].ips[0]: '1:2:3:4:5:6:7:8:9' is not an IP address or network (like "
		 "192.0.2.1, 10.0.0.0/8, 2001:db8::/32)"},
		{"\"action\": \"Other_Disabled_Ip\", \"ips\": [\"010.0.0.1\"]", EINV,
		 "actions[0].ips[0]: '010.0.0.1' is not an IP address or network (like 192.0.2.1, "
		 "10.0.0.0/8, 2001:db8::/32)"},
		{"\"action\": \"Other_Disabled_Ip\", \"ips\": []", EINV,
		 "actions[0].ips: must not be empty"},

		{"\"action\": \"Other_Create_Mutex\", \"mutex\": \"/tmp/.xmrig.lock\"", 0, NULL},
		{"\"action\": \"Other_Create_Mutex\", \"mutex\": \"@kinsing-lock\", \"undo\": true",
		 0, NULL},
		{"\"action\": \"Other_Create_Mutex\", \"mutex\": \"lockname\"", EINV,
		 "actions[0].mutex: 'lockname' is not a marker; valid: an absolute path (a lock "
		 "file) or @NAME (an abstract socket, 1-107 printable characters)"},
		{"\"action\": \"Other_Create_Mutex\", \"mutex\": \"@\"", EINV,
		 "actions[0].mutex: '@' is not a marker; valid: an absolute path (a lock file) or "
		 "@NAME (an abstract socket, 1-107 printable characters)"},

		{"\"action\": \"Other_QuickScan\"", 0, NULL},
		{"\"action\": \"Other_QuickScan\", \"condition\": \"\"", 0, NULL},
		{"\"action\": \"Other_quickScan\", \"condition\": \"udisk\"", 0, NULL},
		{"\"action\": \"Other_QuickScan\", \"condition\": \"[equal],[offset:0],[00]\"",
		 EINV,
		 "actions[0].condition: unknown scope '[equal],[offset:0],[00]'; valid: alldisk, "
		 "systemdisk, diskroot, alldisk_deep:N (1-100), udisk"},
		{"\"action\": \"Other_QuickScan\", \"paths\": [\"/tmp\"]", EINV,
		 "actions[0].paths: unknown field for Other_QuickScan; valid: condition"},
		{"\"action\": \"Other_QuickScan\", \"condition\": null", EINV,
		 "actions[0].condition: expected a string, got null"},
	};

	check_forms(forms, N(forms));
}
END_TEST

START_TEST(test_instruction_names)
{
	static const char *const windows[] = {"Reg_Create", "Reg_Modify",	"Reg_Delete",
					      "Reg_Rename", "Reg_Delete_Value", "Script_Bat",
					      "Script_Vbs", "Script_PWL",	"Other_Fix_patch"};
	enum zj_arr_instr in;
	unsigned on_linux = 0;
	struct zj_arr_rule *r;

	/* Every instruction of the brief's table has a name that parses back to it. */
	for (unsigned i = 0; i < ZJ_ARR_INSTR_MAX; i++) {
		ck_assert_int_eq(zj_arr_instr_parse(zj_arr_instr_name((enum zj_arr_instr)i), &in),
				 0);
		ck_assert_uint_eq(in, i);
		on_linux += zj_arr_instr_on_linux((enum zj_arr_instr)i);
	}
	ck_assert_uint_eq(ZJ_ARR_INSTR_MAX, 31);
	ck_assert_uint_eq(on_linux, 22);
	ck_assert_str_eq(zj_arr_instr_name(ZJ_ARR_INSTR_MAX), "unknown");
	ck_assert_int_eq(zj_arr_instr_parse("MBR_BLACK", &in), -ZJ_ENOENT);

	/* Windows-only: known, and refused at validation time by name. */
	for (size_t i = 0; i < N(windows); i++) {
		char body[128], want[128];
		char *text;

		ck_assert_int_eq(zj_arr_instr_parse(windows[i], &in), 0);
		ck_assert(!zj_arr_instr_on_linux(in));
		snprintf(body, sizeof(body), "\"action\": \"%s\", \"key\": \"HKLM\\\\Run\"",
			 windows[i]);
		snprintf(want, sizeof(want), "actions[0].action: %s is not supported on linux",
			 windows[i]);
		text = wrap(body);
		bad(text, -ZJ_EOPNOTSUPP, want);
		free(text);
	}
	/* ... by its canonical name, whatever the case written */
	bad(ACT("\"action\": \"reg_delete\""), -ZJ_EOPNOTSUPP,
	    "actions[0].action: Reg_Delete is not supported on linux");
	/* A later action's Windows instruction stops the whole rule before anything runs. */
	bad(RULE("{\"action\": \"Other_QuickScan\"}, {\"action\": \"Script_PWL\"}"), -ZJ_EOPNOTSUPP,
	    "actions[1].action: Script_PWL is not supported on linux");

	/* Instruction names ignore case: the brief writes Other_QuickScan and Other_quickScan. */
	r = ok(RULE("{\"action\": \"Other_quickScan\"}, {\"action\": \"OTHER_QUICKSCAN\"}, "
		    "{\"action\": \"file_repairmbr\", \"data\": \"BACKUP\", \"condition\": "
		    "\"[EQUAL],[OFFSET:0x1fe],[55 aa]\"}, {\"action\": \"File_Delete\", "
		    "\"filenames\": [\"x\"], \"condition\": \"AllDisk_Deep:3\"}"));
	ck_assert_int_eq(r->actions[0].instr, ZJ_ARR_OTHER_QUICKSCAN);
	ck_assert_int_eq(r->actions[1].instr, ZJ_ARR_OTHER_QUICKSCAN);
	ck_assert_int_eq(r->actions[2].instr, ZJ_ARR_FILE_REPAIR_MBR);
	ck_assert_uint_eq(r->actions[2].cond.mbr_offset, 510);
	ck_assert_int_eq(r->actions[3].cond.scope, ZJ_ARR_SCOPE_ALLDISK_DEEP);
	ck_assert_uint_eq(r->actions[3].cond.depth, 3);
	zj_arr_rule_free(r);
	/* ... field names are JSON keys, and exact */
	bad(ACT("\"Action\": \"Other_QuickScan\""), EINV,
	    "actions[0]: missing \"action\" (the instruction, like \"File_Delete\")");

	bad(ACT("\"action\": \"MBR_BLACK\""), EINV,
	    "actions[0].action: unknown instruction 'MBR_BLACK'; valid on linux: Task_Create, "
	    "Task_Modify, Task_Delete, File_Create, File_Modify, File_Delete, File_Rename, "
	    "File_Attribute, File_DelText, File_repairMbr, Proc_Create, Proc_Modify, "
	    "Proc_Terminate, Proc_Module_Threads, Script_Shell, Script_File, Other_Device, "
	    "Other_NetOff, Other_Disabled_Port, Other_Disabled_Ip, Other_Create_Mutex, "
	    "Other_QuickScan");
	bad(ACT("\"action\": \"File_Delet\""), EINV,
	    "actions[0].action: unknown instruction 'File_Delet'; did you mean File_Delete?; "
	    "valid on linux: Task_Create, Task_Modify, Task_Delete, File_Create, File_Modify, "
	    "File_Delete, File_Rename, File_Attribute, File_DelText, File_repairMbr, "
	    "Proc_Create, Proc_Modify, Proc_Terminate, Proc_Module_Threads, Script_Shell, "
	    "Script_File, Other_Device, Other_NetOff, Other_Disabled_Port, Other_Disabled_Ip, "
	    "Other_Create_Mutex, Other_QuickScan");
}
END_TEST

/* ---- conditions ------------------------------------------------------------------------------ */

static struct zj_arr_cond scope_of(const char *condition)
{
	char body[256], *text;
	struct zj_arr_rule *r;
	struct zj_arr_cond c;

	snprintf(body, sizeof(body),
		 "\"action\": \"File_Delete\", \"filenames\": [\"x\"], \"condition\": \"%s\"",
		 condition);
	text = wrap(body);
	r = ok(text);
	c = r->actions[0].cond;
	ck_assert_ptr_null(c.mbr_bytes.data);
	zj_arr_rule_free(r);
	free(text);
	return c;
}

static void scope_bad(const char *condition, const char *want)
{
	char body[256], *text;

	snprintf(body, sizeof(body),
		 "\"action\": \"File_Delete\", \"filenames\": [\"x\"], \"condition\": \"%s\"",
		 condition);
	text = wrap(body);
	bad(text, EINV, want);
	free(text);
}

START_TEST(test_scopes)
{
	struct zj_arr_cond c;

	c = scope_of("alldisk");
	ck_assert_int_eq(c.kind, ZJ_ARR_COND_SCOPE);
	ck_assert_int_eq(c.scope, ZJ_ARR_SCOPE_ALLDISK);
	ck_assert_int_eq(scope_of("systemdisk").scope, ZJ_ARR_SCOPE_SYSTEMDISK);
	ck_assert_int_eq(scope_of("diskroot").scope, ZJ_ARR_SCOPE_DISKROOT);
	ck_assert_int_eq(scope_of("udisk").scope, ZJ_ARR_SCOPE_UDISK);
	c = scope_of("alldisk_deep:1");
	ck_assert_int_eq(c.scope, ZJ_ARR_SCOPE_ALLDISK_DEEP);
	ck_assert_uint_eq(c.depth, 1);
	ck_assert_uint_eq(scope_of("alldisk_deep:100").depth, 100);
	ck_assert_uint_eq(scope_of("alldisk_deep:42").depth, 42);

	scope_bad("alldisk_deep:0", "actions[0].condition: depth 0 out of range in "
				    "'alldisk_deep:0'; valid: alldisk_deep:1 to alldisk_deep:100");
	scope_bad("alldisk_deep:101", "actions[0].condition: depth 101 out of range in "
				      "'alldisk_deep:101'; valid: alldisk_deep:1 to "
				      "alldisk_deep:100");
	scope_bad("alldisk_deep", "actions[0].condition: alldisk_deep needs a depth: "
				  "alldisk_deep:N (1-100)");
	scope_bad("alldisk_deep:", "actions[0].condition: 'alldisk_deep:' has no depth; valid: "
				   "alldisk_deep:N (1-100)");
	scope_bad("alldisk_deep:1-100", "actions[0].condition: 'alldisk_deep:1-100' has no depth; "
					"valid: alldisk_deep:N (1-100)");
	scope_bad("alldisk_deep:99999", "actions[0].condition: 'alldisk_deep:99999' has no depth; "
					"valid: alldisk_deep:N (1-100)");
	/* The issue's own example */
	scope_bad("alldsk", "actions[0].condition: unknown scope 'alldsk'; valid: alldisk, "
			    "systemdisk, diskroot, alldisk_deep:N (1-100), udisk");
	scope_bad(" alldisk", "actions[0].condition: unknown scope ' alldisk'; valid: alldisk, "
			      "systemdisk, diskroot, alldisk_deep:N (1-100), udisk");
	bad(ACT("\"action\": \"File_Delete\", \"filenames\": [\"x\"], \"condition\": 1"), EINV,
	    "actions[0].condition: expected a string, got an integer");
}
END_TEST

static struct zj_arr_cond mbr_of(const char *condition, struct zj_arr_rule **keep)
{
	char body[4096], *text;

	snprintf(body, sizeof(body),
		 "\"action\": \"File_repairMbr\", \"data\": \"backup\", \"condition\": \"%s\"",
		 condition);
	text = wrap(body);
	*keep = ok(text);
	free(text);
	return (*keep)->actions[0].cond;
}

static void mbr_bad(const char *condition, const char *want)
{
	char body[4096], *text;

	snprintf(body, sizeof(body),
		 "\"action\": \"File_repairMbr\", \"data\": \"backup\", \"condition\": \"%s\"",
		 condition);
	text = wrap(body);
	bad(text, EINV, want);
	free(text);
}

START_TEST(test_mbr_conditions)
{
	static const uint8_t aa55[2] = {0x55, 0xAA};
	struct zj_arr_rule *r;
	struct zj_arr_cond c;
	char long_hex[600 * 3 + 32];
	size_t o = 0;

	c = mbr_of("[equal],[offset:0],[31 c0 fa]", &r);
	ck_assert_int_eq(c.kind, ZJ_ARR_COND_MBR);
	ck_assert(c.mbr_equal);
	ck_assert_uint_eq(c.mbr_offset, 0);
	ck_assert_uint_eq(c.mbr_bytes.len, 3);
	ck_assert_mem_eq(c.mbr_bytes.data, brief_mbr, 3);
	zj_arr_rule_free(r);

	c = mbr_of("[Unequal],[offset:510],[55AA]", &r);
	ck_assert(!c.mbr_equal);
	ck_assert_uint_eq(c.mbr_offset, 510);
	ck_assert_mem_eq(c.mbr_bytes.data, aa55, 2);
	ASSERT_SUMMARY(
		r, 0,
		"File_repairMbr: where sector 0 of a system disk does not have 55 AA at "
		"offset 510, restore it from zhijia's backup; the replaced sector is kept in "
		"quarantine");
	zj_arr_rule_free(r);

	c = mbr_of(" [ unequal ] , [ offset: 0x1FE ] , [ 55 aa ] ", &r);
	ck_assert_uint_eq(c.mbr_offset, 510);
	zj_arr_rule_free(r);

	c = mbr_of("[equal],[offset:511],[00]", &r);
	ck_assert_uint_eq(c.mbr_offset, 511);
	zj_arr_rule_free(r);

	mbr_bad("[equal],[offset:511],[55 AA]", "actions[0].condition: 2 bytes at offset 511 run "
						"past the end of the 512-byte sector");
	mbr_bad("[equal],[offset:512],[00]",
		"actions[0].condition: offset 512 is outside the 512-byte sector (0-511)");
	mbr_bad("[equal/Unequal],[offset:0],[31 c0 fa]",
		"actions[0].condition: unknown comparison 'equal/Unequal'; valid: equal, Unequal");
	mbr_bad("[equal],[offset:-1],[00]", "actions[0].condition: 'offset:-1' is not an offset; "
					    "valid: offset:N (0-511, decimal or 0x hex)");
	mbr_bad("[equal],[offset:0],[3G]", "actions[0].condition: '3G' is not hex bytes (pairs of "
					   "hex digits, like 31 C0 FA)");
	mbr_bad("[equal],[offset:0],[]", "actions[0].condition: no hex bytes given");
	mbr_bad("[equal],[0],[00]",
		"actions[0].condition: '[equal],[0],[00]' is not an MBR "
		"condition; valid: [equal|Unequal],[offset:N],[hex bytes], like "
		"[equal],[offset:0],[31 C0 FA]");
	mbr_bad("[equal],[offset:0]", "actions[0].condition: '[equal],[offset:0]' is not an MBR "
				      "condition; valid: [equal|Unequal],[offset:N],[hex bytes], "
				      "like [equal],[offset:0],[31 C0 FA]");
	mbr_bad("[equal],[offset:0],[00],[01]",
		"actions[0].condition: '[equal],[offset:0],[00],[01]' is not an MBR condition; "
		"valid: [equal|Unequal],[offset:N],[hex bytes], like [equal],[offset:0],[31 C0 "
		"FA]");
	mbr_bad("alldisk", "actions[0].condition: 'alldisk' is not an MBR condition; valid: "
			   "[equal|Unequal],[offset:N],[hex bytes], like [equal],[offset:0],[31 C0 "
			   "FA]");

	/* More than a sector's worth of bytes */
	o += (size_t)snprintf(long_hex, sizeof(long_hex), "[equal],[offset:0],[");
	for (int i = 0; i < 513; i++)
		o += (size_t)snprintf(long_hex + o, sizeof(long_hex) - o, "00 ");
	snprintf(long_hex + o, sizeof(long_hex) - o, "]");
	mbr_bad(long_hex, "actions[0].condition: more than 512 bytes");
}
END_TEST

/* ---- JSON paths and positions ---------------------------------------------------------------- */

START_TEST(test_positions)
{
	static const char text[] = "{\n"
				   "  \"name\": \"positions\",\n"
				   "  \"actions\": [\n"
				   "    {\"action\": \"Other_QuickScan\"},\n"
				   "    {\"action\": \"Other_NetOff\"},\n"
				   "    {\"action\": \"File_Delete\",\n"
				   "     \"filenames\": [\"a\", \"b\"],\n"
				   "     \"condition\": \"alldsk\"}\n"
				   "  ]\n"
				   "}\n";
	static const char list[] =
		"{\"name\": \"t\", \"actions\": [{\"action\": \"Proc_Terminate\",\n"
		"  \"pids\": [2, 3,\n"
		"           1]}]}";

	bad_at(text, EINV,
	       "rule.json:8:19: actions[2].condition: unknown scope 'alldsk'; valid: alldisk, "
	       "systemdisk, diskroot, alldisk_deep:N (1-100), udisk");
	bad_at(list, EINV,
	       "rule.json:3:12: actions[0].pids[2]: 1 is init (PID 1), which zhijia "
	       "never stops");
	/* An unknown field is shown at its key, a missing one at its object. */
	bad_at("{\"name\": \"t\", \"actions\": [{\"action\": \"Other_NetOff\", \"managment\": "
	       "[]}]}",
	       EINV,
	       "rule.json:1:54: actions[0].managment: unknown field for Other_NetOff (did you "
	       "mean 'management'?); valid: management, undo");
	bad_at("{\"name\": \"t\", \"actions\": [\n {\"action\": \"File_Rename\", \"path\": "
	       "\"/a\"}]}",
	       EINV, "rule.json:2:2: actions[0]: File_Rename needs \"to\"");
}
END_TEST

/* ---- critical paths and "force" -------------------------------------------------------------- */

START_TEST(test_critical_paths)
{
	static const struct {
		const char *path;
		int want;
	} paths[] = {
		{"/", 1},
		{"/etc", 1},
		{"/etc/passwd", 1},
		{"/etc/shadow", 1},
		{"/etc/sudoers", 1},
		{"/boot", 1},
		{"/boot/vmlinuz-6.1.0-13-amd64", 1},
		{"/boot/grub/grub.cfg", 1},
		{"/tmp", 1},
		{"/tmp/x", 0},
		{"/dev/sda", 1},
		{"/dev/shm", 1},
		{"/dev/shm/.x", 0},
		{"/dev/mqueue/q", 0},
		{"/proc/1/mem", 1},
		{"/sys/kernel", 1},
		{"/usr/bin/ps", 0},
		{"/usr/bin/bash", 1},
		{"/bin/sh", 1},
		{"/sbin/init", 1},
		{"/lib/systemd/systemd", 1},
		{"/lib/x86_64-linux-gnu/libc.so.6", 1},
		{"/usr/lib/x86_64-linux-gnu/libc.so.6", 1},
		{"/lib64/ld-linux-x86-64.so.2", 1},
		{"/usr/lib/ld-linux-aarch64.so.1", 1},
		{"/usr/lib/x86_64-linux-gnu/libfoo.so.1", 0},
		{"/usr/lib/x86_64-linux-gnu/sub/libc.so.6", 0},
		{"/lib/modules/6.1.0/kernel/x.ko", 1},
		{"/etc/pam.d/sshd", 1},
		{"/etc/crontab", 0},
		{"/etc/ld.so.preload", 0},
		{"/etc/cron.d/x", 0},
		{"/etc/passwd-", 0},
		{"/etc/zhijia", 1},
		{"/etc/zhijia/policy.json", 1},
		{"/var/lib/zhijia/quarantine/0001.z", 1},
		{"/usr/local/sbin/zhijiad", 1},
		{"/usr/sbin/zhijiactl", 1},
		{"/home/alice/.bashrc", 0},
		{"relative", -ZJ_EINVAL},
		{"", -ZJ_EINVAL},
		{"/etc/../etc/passwd", -ZJ_EINVAL},
		{"/etc//passwd", -ZJ_EINVAL},
		{"/etc/passwd/", -ZJ_EINVAL},
		{"/./etc/passwd", -ZJ_EINVAL},
	};

	for (size_t i = 0; i < N(paths); i++)
		ck_assert_msg(zj_arr_is_critical_path(paths[i].path) == paths[i].want,
			      "%s: %d, want %d", paths[i].path,
			      zj_arr_is_critical_path(paths[i].path), paths[i].want);
	ck_assert_int_eq(zj_arr_is_critical_path(NULL), -ZJ_EINVAL);
	/* Used as a boolean, an unusable path is refused too. */
	ck_assert(zj_arr_is_critical_path("/etc/../etc/passwd"));
}
END_TEST

START_TEST(test_force)
{
	static const char *const bodies[] = {
		"\"action\": \"File_Delete\", \"filenames\": [\"/tmp/x\", \"/etc/passwd\"]",
		"\"action\": \"File_Create\", \"path\": \"/boot/evil\"",
		"\"action\": \"File_Modify\", \"path\": \"/sbin/init\", \"append\": \"x\"",
		"\"action\": \"File_Rename\", \"path\": \"/tmp/x\", \"to\": \"/etc/shadow\"",
		"\"action\": \"File_Attribute\", \"path\": \"/etc\", \"mode\": \"0777\"",
		"\"action\": \"File_DelText\", \"path\": \"/etc/passwd\", \"text\": [\"toor:\"]",
		"\"action\": \"Other_Create_Mutex\", \"mutex\": \"/etc/zhijia/policy.json\"",
	};
	static const char *const wants[] = {
		"actions[0].filenames[1]: '/etc/passwd' is a system-critical path; File_Delete "
		"changes it only if the rule says \"force\": true",
		"actions[0].path: '/boot/evil' is a system-critical path; File_Create changes it "
		"only if the rule says \"force\": true",
		"actions[0].path: '/sbin/init' is a system-critical path; File_Modify changes it "
		"only if the rule says \"force\": true",
		"actions[0].to: '/etc/shadow' is a system-critical path; File_Rename changes it "
		"only if the rule says \"force\": true",
		"actions[0].path: '/etc' is a system-critical path; File_Attribute changes it only "
		"if the rule says \"force\": true",
		"actions[0].path: '/etc/passwd' is a system-critical path; File_DelText changes "
		"it only if the rule says \"force\": true",
		"actions[0].mutex: '/etc/zhijia/policy.json' is a system-critical path; "
		"Other_Create_Mutex changes it only if the rule says \"force\": true",
	};
	struct zj_arr_rule *r;
	struct zj_arr_plan *plan;

	for (size_t i = 0; i < N(bodies); i++) {
		char forced[512], *text = wrap(bodies[i]);

		bad(text, EINV, wants[i]);
		free(text);
		snprintf(forced, sizeof(forced),
			 "{\"name\": \"t\", \"force\": true, \"actions\": [{%s}]}", bodies[i]);
		r = ok(forced);
		ck_assert(r->force);
		ck_assert_int_eq(zj_arr_plan_build(r, &plan), 0);
		ck_assert_msg(plan->steps[0].flags & ZJ_ARR_STEP_FORCED, "%s", bodies[i]);
		zj_arr_plan_free(plan);
		zj_arr_rule_free(r);
	}
	/* "force": false is the default, said out loud */
	bad("{\"name\": \"t\", \"force\": false, \"actions\": [{\"action\": \"File_Delete\", "
	    "\"filenames\": [\"/boot\"]}]}",
	    EINV,
	    "actions[0].filenames[0]: '/boot' is a system-critical path; File_Delete changes it "
	    "only if the rule says \"force\": true");
	/* Bare names are searched: the back end checks what it finds. */
	ok_free(ACT("\"action\": \"File_Delete\", \"filenames\": [\"passwd\"], \"condition\": "
		    "\"systemdisk\""));
	/* Reading or running a critical path is not changing it. */
	ok_free(ACT("\"action\": \"Proc_Terminate\", \"executables\": [\"/usr/sbin/sshd\"]"));
	ok_free(ACT("\"action\": \"Proc_Create\", \"path\": \"/bin/sh\", \"args\": [\"-c\", "
		    "\"true\"]"));
	/* File_repairMbr without a condition is allowed by force, and flagged. */
	r = ok("{\"name\": \"t\", \"force\": true, \"actions\": [{\"action\": \"File_repairMbr\", "
	       "\"data\": \"backup\", \"disk\": \"/dev/vda\"}]}");
	ck_assert_int_eq(zj_arr_plan_build(r, &plan), 0);
	ck_assert(plan->steps[0].flags & ZJ_ARR_STEP_FORCED);
	ck_assert_str_eq(plan->steps[0].summary,
			 "File_repairMbr: restore sector 0 of /dev/vda unconditionally from "
			 "zhijia's backup; the replaced sector is kept in quarantine");
	zj_arr_plan_free(plan);
	zj_arr_rule_free(r);
}
END_TEST

/* ---- variables ------------------------------------------------------------------------------- */

static struct zj_arr_ctx full_ctx(void)
{
	struct zj_arr_ctx ctx = {
		.actor_pid = 4321,
		.actor_exe = view("/tmp/.x/kdevtmpfsi"),
		.actor_comm = view("kdevtmpfsi"),
		.target_pid = 777,
		.target_exe = view("/usr/sbin/cron"),
		.path = view("/etc/cron.d/.backdoor"),
		.technique = view("T1053.003"),
	};

	return ctx;
}

static void expand_bad(const struct zj_arr_rule *r, const struct zj_arr_ctx *ctx, const char *want)
{
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *out = NULL;

	ck_assert_int_eq(zj_arr_expand(r, ctx, &out, err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err, want);
}

static struct zj_arr_rule *expand_ok(const struct zj_arr_rule *r, const struct zj_arr_ctx *ctx)
{
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *out = NULL;
	int rc = zj_arr_expand(r, ctx, &out, err, sizeof(err));

	ck_assert_msg(rc == 0, "%d %s", rc, err);
	ck_assert_ptr_nonnull(out);
	ck_assert(!out->needs_ctx);
	return out;
}

START_TEST(test_variables)
{
	static const char text[] =
		RULE("{\"action\": \"Proc_Terminate\", \"pids\": [\"${actor.pid}\", 99, "
		     "\"${target.pid}\"], \"names\": [\"${actor.comm}\"], \"executables\": "
		     "[\"${actor.exe}\"]},"
		     "{\"action\": \"File_Delete\", \"filenames\": [\"${path}\", "
		     "\"${actor.exe}.cfg\"]},"
		     "{\"action\": \"Task_Delete\", \"type\": \"cron\", \"match\": "
		     "[\"${actor.exe}\"]},"
		     "{\"action\": \"File_Delete\", \"filenames\": [\"$${path}\", \"a$$b\"], "
		     "\"condition\": \"alldisk\"},"
		     "{\"action\": \"Proc_Create\", \"path\": \"/usr/local/bin/report\", \"args\": "
		     "[\"--technique=${technique}\", \"--pid=${actor.pid}\"]},"
		     "{\"action\": \"Script_Shell\", \"script\": \"echo \\\"$ZJ_PATH\\\"\"}");
	struct zj_arr_ctx ctx = full_ctx();
	struct zj_arr_rule *r = ok(text), *x;
	struct zj_arr_plan *plan;

	ck_assert(r->needs_ctx);
	ck_assert(r->actions[0].needs_ctx);
	ck_assert(r->actions[1].needs_ctx);
	ck_assert(!r->actions[3].needs_ctx);
	ck_assert(!r->actions[5].needs_ctx);
	/* Templates are kept as written until expanded; literals are final. */
	ck_assert_int_eq(r->actions[0].pids.v[0], ZJ_ARR_PID_ACTOR);
	ck_assert_int_eq(r->actions[0].pids.v[1], 99);
	ck_assert_int_eq(r->actions[0].pids.v[2], ZJ_ARR_PID_TARGET);
	ck_assert_str_eq(r->actions[1].filenames.v[0], "${path}");
	ck_assert_str_eq(r->actions[3].filenames.v[0], "${path}");
	ck_assert_str_eq(r->actions[3].filenames.v[1], "a$$b");

	ck_assert_int_eq(zj_arr_plan_build(r, &plan), 0);
	ck_assert(plan->steps[0].flags & ZJ_ARR_STEP_TEMPLATE);
	ck_assert(!(plan->steps[3].flags & ZJ_ARR_STEP_TEMPLATE));
	ck_assert_str_eq(plan->steps[0].summary,
			 "Proc_Terminate: terminate processes named ${actor.comm}, pids "
			 "${actor.pid}, 99, ${target.pid}, running ${actor.exe}");
	zj_arr_plan_free(plan);

	x = expand_ok(r, &ctx);
	ck_assert_str_eq(x->name, "t");
	ck_assert_uint_eq(x->n_actions, 6);
	ck_assert_int_eq(x->actions[0].pids.v[0], 4321);
	ck_assert_int_eq(x->actions[0].pids.v[1], 99);
	ck_assert_int_eq(x->actions[0].pids.v[2], 777);
	ck_assert_str_eq(x->actions[0].names.v[0], "kdevtmpfsi");
	ck_assert_str_eq(x->actions[0].executables.v[0], "/tmp/.x/kdevtmpfsi");
	ck_assert_str_eq(x->actions[1].filenames.v[0], "/etc/cron.d/.backdoor");
	ck_assert_str_eq(x->actions[1].filenames.v[1], "/tmp/.x/kdevtmpfsi.cfg");
	ck_assert_str_eq(x->actions[2].match.v[0], "/tmp/.x/kdevtmpfsi");
	ck_assert_str_eq(x->actions[3].filenames.v[0], "${path}"); /* a literal, copied */
	ck_assert_str_eq(x->actions[4].path, "/usr/local/bin/report");
	ck_assert_str_eq(x->actions[4].args.v[0], "--technique=T1053.003");
	ck_assert_str_eq(x->actions[4].args.v[1], "--pid=4321");
	ck_assert_str_eq(x->actions[5].script, "echo \"$ZJ_PATH\"");
	for (size_t i = 0; i < x->n_actions; i++)
		ck_assert(!x->actions[i].needs_ctx);
	ASSERT_SUMMARY(x, 0,
		       "Proc_Terminate: terminate processes named kdevtmpfsi, pids 4321, 99, 777, "
		       "running /tmp/.x/kdevtmpfsi");
	ASSERT_SUMMARY(x, 1,
		       "File_Delete: delete /etc/cron.d/.backdoor, /tmp/.x/kdevtmpfsi.cfg, kept in "
		       "quarantine");
	zj_arr_rule_free(x);

	/* A value a finding cannot give is an error naming the variable and why. */
	ctx.target_pid = 0;
	expand_bad(r, &ctx,
		   "actions[0].pids[2]: ${target.pid} has no value: the finding has no "
		   "target process");
	ctx = full_ctx();
	ctx.path = (struct zj_str){NULL, 0};
	expand_bad(r, &ctx,
		   "actions[1].filenames[0]: ${path} has no value: the finding is not "
		   "about a file");
	ctx = full_ctx();
	ctx.technique = (struct zj_str){NULL, 0};
	expand_bad(r, &ctx,
		   "actions[4].args[0]: ${technique} has no value: the finding names no "
		   "technique");
	zj_arr_rule_free(r);

	/* A rule without variables expands to a copy. */
	r = ok(brief_cleanup);
	ctx = full_ctx();
	x = expand_ok(r, &ctx);
	ck_assert_uint_eq(x->n_actions, 4);
	ck_assert_str_eq(x->actions[1].filenames.v[2], "DrvSvc.zip");
	ck_assert_mem_eq(x->actions[2].cond.mbr_bytes.data, brief_mbr, 16);
	ck_assert_ptr_ne(x->actions[2].cond.mbr_bytes.data, r->actions[2].cond.mbr_bytes.data);
	zj_arr_rule_free(x);
	zj_arr_rule_free(r);

	ck_assert_int_eq(zj_arr_expand(NULL, &ctx, &x, NULL, 0), -ZJ_EINVAL);
}
END_TEST

START_TEST(test_variables_hostile)
{
	struct zj_arr_rule *r, *x;
	struct zj_arr_ctx ctx = full_ctx();
	static const char nul_comm[] = "a\0b";

	/* Values are data: a path holding "${...}", quotes, ";", "$(...)" or a newline stays as
	 * it is, and is not expanded again. */
	r = ok(ACT("\"action\": \"File_Delete\", \"filenames\": [\"${path}\"]"));
	ctx.path = view("/tmp/${actor.exe}; rm -rf / $(id) `id` '\"\n.so");
	x = expand_ok(r, &ctx);
	ck_assert_str_eq(x->actions[0].filenames.v[0],
			 "/tmp/${actor.exe}; rm -rf / $(id) `id` '\"\n.so");
	ASSERT_SUMMARY(x, 0,
		       "File_Delete: delete /tmp/${actor.exe}; rm -rf / $(id) `id` '\"\\x0a.so, "
		       "kept in quarantine");
	zj_arr_rule_free(x);

	/* ... and is checked like a literal: a critical path needs "force" ... */
	ctx.path = view("/etc/passwd");
	expand_bad(r, &ctx,
		   "actions[0].filenames[0]: '/etc/passwd' is a system-critical path; "
		   "File_Delete changes it only if the rule says \"force\": true");
	/* ... a path must be absolute and normalised ... */
	ctx.path = view("relative/x");
	expand_bad(r, &ctx, "actions[0].filenames[0]: 'relative/x' is not an absolute path");
	ctx.path = view("rel\xff\x1b[0m");
	expand_bad(r, &ctx, "actions[0].filenames[0]: 'rel\\xff\\x1b[0m' is not an absolute path");
	ctx.path = view("/tmp/../etc/passwd");
	expand_bad(r, &ctx,
		   "actions[0].filenames[0]: '/tmp/../etc/passwd' is not a normalised "
		   "path (no '//', '.' or '..' parts, no trailing '/')");
	zj_arr_rule_free(r);

	r = ok("{\"name\": \"t\", \"force\": true, \"actions\": [{\"action\": \"File_Delete\", "
	       "\"filenames\": [\"${path}\"]}]}");
	ctx.path = view("/etc/passwd");
	x = expand_ok(r, &ctx);
	ck_assert_str_eq(x->actions[0].filenames.v[0], "/etc/passwd");
	ck_assert(x->force);
	zj_arr_rule_free(x);
	zj_arr_rule_free(r);

	/* ... a name stays a name: a comm holding '/' cannot become a path to delete. */
	r = ok(ACT("\"action\": \"File_Delete\", \"filenames\": [\"${actor.comm}\"], "
		   "\"condition\": \"alldisk\""));
	ctx = full_ctx();
	ctx.actor_comm = view("/etc/shadow");
	expand_bad(r, &ctx,
		   "actions[0].filenames[0]: '/etc/shadow' is not a file name: it holds "
		   "a '/' (absolute paths start with '/')");
	ctx.actor_comm = view("..");
	expand_bad(r, &ctx, "actions[0].filenames[0]: '..' is not a file name");
	ctx.actor_comm = (struct zj_str){nul_comm, 3};
	expand_bad(r, &ctx, "actions[0].filenames[0]: the value of ${actor.comm} holds a NUL byte");
	ctx.actor_comm = view("-rf *");
	x = expand_ok(r, &ctx);
	ck_assert_str_eq(x->actions[0].filenames.v[0], "-rf *");
	zj_arr_rule_free(x);
	zj_arr_rule_free(r);

	/* A pid variable cannot be spliced into text that becomes a pid. */
	bad(ACT("\"action\": \"Proc_Terminate\", \"pids\": [\"${actor.comm}\"]"), EINV,
	    "actions[0].pids[0]: expected a process id: a number, \"${actor.pid}\" or "
	    "\"${target.pid}\"");
	/* A finding about init itself does not make zhijia stop it. */
	r = ok(ACT("\"action\": \"Proc_Terminate\", \"pids\": [\"${target.pid}\"]"));
	ctx = full_ctx();
	ctx.target_pid = 1;
	expand_bad(r, &ctx, "actions[0].pids[0]: 1 is init (PID 1), which zhijia never stops");
	zj_arr_rule_free(r);
}
END_TEST

START_TEST(test_variables_parse)
{
	/* Unknown and unterminated variables are validation errors. */
	bad(ACT("\"action\": \"File_Delete\", \"filenames\": [\"${actor.uid}\"]"), EINV,
	    "actions[0].filenames[0]: unknown variable '${actor.uid}'; valid: ${actor.pid}, "
	    "${actor.exe}, ${actor.comm}, ${target.pid}, ${target.exe}, ${path}, ${technique} "
	    "(write $${ for a literal ${)");
	bad(ACT("\"action\": \"Proc_Terminate\", \"names\": [\"${actor.comm\"]"), EINV,
	    "actions[0].names[0]: unterminated variable in '${actor.comm' (write $${ for a "
	    "literal ${)");
	/* Templates are checked at load time, quoted as written. */
	bad(ACT("\"action\": \"File_Attribute\", \"path\": \"${actor.comm}\", \"mode\": \"0\""),
	    EINV, "actions[0].path: '${actor.comm}' is not an absolute path");
	bad(ACT("\"action\": \"File_Delete\", \"filenames\": [\"${actor.comm}\"]"), EINV,
	    "actions[0].condition: File_Delete of file names needs a search scope; valid: "
	    "alldisk, systemdisk, diskroot, alldisk_deep:N (1-100), udisk");
	bad(ACT("\"action\": \"File_Delete\", \"filenames\": [\"${path}\"], \"condition\": "
		"\"alldisk\""),
	    EINV,
	    "actions[0].filenames[0]: '${path}' is a path; a search scope (\"condition\") applies "
	    "to file names: give names with a scope, or paths with condition \"\"");
	bad(ACT("\"action\": \"File_Create\", \"path\": \"/boot/${actor.comm}\""), EINV,
	    "actions[0].path: '/boot/${actor.comm}' is a system-critical path; File_Create "
	    "changes it only if the rule says \"force\": true");
	bad(ACT("\"action\": \"Script_File\", \"path\": \"/opt/${technique}.sh\""), EINV,
	    "actions[0].path: Script_File takes no variables in \"path\": it would run a file "
	    "the finding names");
	bad(ACT("\"action\": \"Other_Create_Mutex\", \"mutex\": \"/tmp/${actor.comm}\""), EINV,
	    "actions[0].mutex: ${actor.comm} is not substituted in \"mutex\"; variables expand "
	    "in path, to, filenames, modules, names, executables, pids, args, match and text");
	/* ${path} in file content is the content's own business (a shell script, say). */
	ok_free(ACT("\"action\": \"File_Create\", \"path\": \"/opt/x.sh\", \"content\": \"cd "
		    "${path}\""));
}
END_TEST

START_TEST(test_ctx_from_event)
{
	struct zj_event ev;
	struct zj_finding f;
	struct zj_arr_ctx ctx;

	memset(&ev, 0, sizeof(ev));
	memset(&f, 0, sizeof(f));
	ev.type = ZJ_EV_FILE;
	ev.flags = ZJ_EVF_HAS_TARGET;
	ev.actor.pid = 4321;
	memcpy(ev.actor.comm, "0123456789abcdef", 16); /* a full comm has no NUL */
	ev.actor.exe = view("/tmp/x");
	ev.target.pid = 99;
	ev.target.exe = view("/usr/sbin/cron");
	ev.file.path = view("/etc/cron.d/x");
	strcpy(f.technique, "T1053.003");

	ck_assert_int_eq(zj_arr_ctx_from_event(&ev, &f, &ctx), 0);
	ck_assert_uint_eq(ctx.actor_pid, 4321);
	ck_assert_uint_eq(ctx.actor_comm.len, 16);
	ck_assert_uint_eq(ctx.actor_exe.len, 6);
	ck_assert_uint_eq(ctx.target_pid, 99);
	ck_assert_uint_eq(ctx.target_exe.len, 14);
	ck_assert_uint_eq(ctx.path.len, 13);
	ck_assert_uint_eq(ctx.technique.len, 9);

	ev.type = ZJ_EV_PTRACE;
	ev.flags = 0;
	memcpy(ev.actor.comm, "gdb\0", 4);
	ck_assert_int_eq(zj_arr_ctx_from_event(&ev, NULL, &ctx), 0);
	ck_assert_uint_eq(ctx.target_pid, 0);
	ck_assert_ptr_null(ctx.path.ptr);
	ck_assert_ptr_null(ctx.technique.ptr);
	ck_assert_uint_eq(ctx.actor_comm.len, 3);
	ck_assert_int_eq(zj_arr_ctx_from_event(NULL, NULL, &ctx), -ZJ_EINVAL);
}
END_TEST

/* ---- the dry-run plan ------------------------------------------------------------------------ */

START_TEST(test_plan)
{
	static const char text[] = RULE(
		"{\"action\": \"File_Delete\", \"filenames\": [\"a\"], \"condition\": "
		"\"alldisk_deep:1\"},"
		"{\"action\": \"File_Delete\", \"filenames\": [\"a\"], \"condition\": "
		"\"diskroot\", \"sha256\": "
		"[\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"]},"
		"{\"action\": \"Other_NetOff\", \"management\": [\"10.0.0.5\", "
		"\"2001:db8::/32\", \"2001:db8:0:1::1\", \"::ffff:10.0.0.9\"]},"
		"{\"action\": \"Other_Disabled_Port\", \"ports\": [22, \"8000-8100\"], "
		"\"protocol\": \"tcp\", \"direction\": \"in\"},"
		"{\"action\": \"Other_Disabled_Ip\", \"ips\": [\"203.0.113.0/24\"], \"undo\": "
		"true},"
		"{\"action\": \"Task_Delete\", \"type\": \"timer\", \"task\": \"dbus-x.timer\"},"
		"{\"action\": \"Task_Modify\", \"type\": \"cron\", \"match\": [\"xmrig\"], "
		"\"enabled\": false},"
		"{\"action\": \"Other_Device\", \"devices\": [\"ABCD:EF01\", \"1-1.2\"]},"
		"{\"action\": \"Other_Create_Mutex\", \"mutex\": \"@kinsing\"},"
		"{\"action\": \"Script_Shell\", \"script\": \"a\\nb\\nc\\n\", \"timeout\": 5},"
		"{\"action\": \"File_Attribute\", \"path\": \"/tmp/x\", \"mode\": \"755\", "
		"\"immutable\": true},"
		"{\"action\": \"Proc_Modify\", \"state\": \"resume\", \"pids\": [1234]},"
		"{\"action\": \"Other_QuickScan\", \"condition\": \"udisk\"},"
		"{\"action\": \"File_Create\", \"path\": \"/tmp/a\\u0001b\", \"content\": "
		"\"hi\", \"mode\": \"0600\"}");
	static const char *const want[] = {
		"File_Delete: delete files named a within 1 directory level of each local file "
		"system's root (alldisk_deep:1), kept in quarantine",
		"File_Delete: delete files named a in the top directory of each local file system "
		"(diskroot) whose SHA-256 is one of the 1 given, kept in quarantine",
		"Other_NetOff: isolate the host: only loopback and 10.0.0.5, 2001:db8::/32, "
		"2001:db8:0:1::1, ::ffff:a00:9 stay reachable",
		"Other_Disabled_Port: block tcp ports 22, 8000-8100, incoming",
		"Other_Disabled_Ip: unblock traffic to and from 203.0.113.0/24",
		"Task_Delete: stop, disable and delete systemd timer dbus-x.timer, kept in "
		"quarantine",
		"Task_Modify: disable cron entries containing xmrig in every crontab",
		"Other_Device: de-authorise USB devices abcd:ef01, 1-1.2",
		"Other_Create_Mutex: hold the abstract socket @kinsing, so that a family that "
		"checks for it does not start",
		"Script_Shell: run a 3-line shell script with /bin/sh, for at most 5 s",
		"File_Attribute: set mode 0755, set the immutable flag of /tmp/x",
		"Proc_Modify: resume processes pid 1234",
		"Other_QuickScan: scan files on removable media (udisk), disposing of what it "
		"finds "
		"by policy",
		"File_Create: create /tmp/a\\x01b (2 bytes, mode 0600), unless a file is there",
	};
	struct zj_arr_rule *r = ok(text);
	struct zj_arr_plan *plan;
	char *out;
	int n;

	ck_assert_int_eq(zj_arr_plan_build(r, &plan), 0);
	ck_assert_uint_eq(plan->n_steps, N(want));
	for (size_t i = 0; i < N(want); i++) {
		ck_assert_uint_eq(plan->steps[i].index, i);
		ck_assert_str_eq(plan->steps[i].summary, want[i]);
	}
	ck_assert_int_eq(plan->steps[0].object, ZJ_ARR_OBJ_FILES);
	ck_assert_uint_eq(plan->steps[0].flags,
			  ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE | ZJ_ARR_STEP_SEARCH);
	ck_assert_int_eq(plan->steps[2].object, ZJ_ARR_OBJ_NETWORK);
	ck_assert_uint_eq(plan->steps[2].flags, ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_UNDOABLE);
	ck_assert_uint_eq(plan->steps[9].flags, ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_EXECUTES);
	zj_arr_plan_free(plan);
	zj_arr_rule_free(r);

	/* The brief's rule, as text and as JSON, with what a back end found. */
	r = ok(brief_cleanup);
	ck_assert_int_eq(zj_arr_plan_build(r, &plan), 0);
	ck_assert_int_eq(zj_arr_plan_add_object(plan, 1, "/home/u/upcfg.db"), 0);
	ck_assert_int_eq(zj_arr_plan_add_object(plan, 1, "/mnt/data/DrvSvc.zip"), 0);
	ck_assert_int_eq(zj_arr_plan_add_object(plan, 0, "pid 4321 (svchost\xff\n)"), 0);
	ck_assert_int_eq(zj_arr_plan_add_object(plan, 4, "x"), -ZJ_EINVAL);
	ck_assert_int_eq(zj_arr_plan_add_object(plan, 0, NULL), -ZJ_EINVAL);
	n = zj_arr_plan_to_text(plan, &out);
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_str_eq(
		out, "rule 暗云清除规则: 4 actions\n"
		     "  1. Proc_Module_Threads: suspend every thread of processes that have "
		     "upcfg.db, DtCrashCatch.dll mapped\n"
		     "       pid 4321 (svchost\\xff\\x0a)\n"
		     "  2. File_Delete: delete files named upcfg.db, DtCrashCatch.dll, DrvSvc.zip "
		     "anywhere on local file systems (alldisk), kept in quarantine\n"
		     "       /home/u/upcfg.db\n"
		     "       /mnt/data/DrvSvc.zip\n"
		     "  3. File_repairMbr: where sector 0 of a system disk has 31 C0 FA 31 D8 8E "
		     "D3 36 89 26 FE 7B BC FE 7B 1E at offset 0, restore it from zhijia's "
		     "backup; the replaced sector is kept in quarantine\n"
		     "  4. Other_QuickScan: quick scan of running processes, persistence "
		     "locations and temporary directories, disposing of what it finds by "
		     "policy\n");
	free(out);
	n = zj_arr_plan_to_json(plan, &out);
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_str_eq(
		out,
		"{\"name\":\"暗云清除规则\",\"steps\":[{\"index\":0,\"action\":\"Proc_Module_"
		"Threads\",\"object\":\"processes\",\"flags\":[\"changes\",\"undoable\"],"
		"\"summary\":"
		"\"Proc_Module_Threads: suspend every thread of processes that have upcfg.db, "
		"DtCrashCatch.dll mapped\",\"objects\":[\"pid 4321 (svchost\\\\xff\\\\x0a)\"]},"
		"{\"index\":1,\"action\":\"File_Delete\",\"object\":\"files\",\"flags\":["
		"\"changes\","
		"\"quarantine\",\"search\"],\"summary\":\"File_Delete: delete files named "
		"upcfg.db, "
		"DtCrashCatch.dll, DrvSvc.zip anywhere on local file systems (alldisk), kept in "
		"quarantine\",\"objects\":[\"/home/u/upcfg.db\",\"/mnt/data/DrvSvc.zip\"]},"
		"{\"index\":2,\"action\":\"File_repairMbr\",\"object\":\"sector\",\"flags\":["
		"\"changes\",\"quarantine\"],\"summary\":\"File_repairMbr: where sector 0 of a "
		"system disk has 31 C0 FA 31 D8 8E D3 36 89 26 FE 7B BC FE 7B 1E at offset 0, "
		"restore it from zhijia's backup; the replaced sector is kept in quarantine\","
		"\"objects\":[]},{\"index\":3,\"action\":\"Other_QuickScan\",\"object\":\"scan\","
		"\"flags\":[\"changes\",\"quarantine\",\"search\"],\"summary\":\"Other_QuickScan: "
		"quick scan of running processes, persistence locations and temporary "
		"directories, disposing of what it finds by policy\",\"objects\":[]}]}");
	free(out);
	zj_arr_plan_free(plan);
	zj_arr_rule_free(r);

	zj_arr_plan_free(NULL);
	zj_arr_rule_free(NULL);
	ck_assert_int_eq(zj_arr_plan_build(NULL, &plan), -ZJ_EINVAL);
}
END_TEST

START_TEST(test_plan_long_lists)
{
	char text[8192];
	size_t o;
	struct zj_arr_rule *r;

	o = (size_t)snprintf(text, sizeof(text),
			     "{\"name\": \"t\", \"actions\": [{\"action\": \"Proc_Terminate\", "
			     "\"pids\": [");
	for (int i = 2; i < 2 + 12; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%d", i > 2 ? "," : "", i);
	snprintf(text + o, sizeof(text) - o, "]}]}");
	r = ok(text);
	ASSERT_SUMMARY(
		r, 0,
		"Proc_Terminate: terminate processes pids 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and "
		"2 more");
	zj_arr_rule_free(r);
}
END_TEST

/* The examples of zhijia-arr(5) mean what the page says. */
START_TEST(test_man_examples)
{
	static const char injector[] =
		"{\n"
		"  \"name\": \"ptrace injector\",\n"
		"  \"actions\": [\n"
		"    { \"action\": \"Proc_Terminate\", \"pids\": [\"${actor.pid}\"] },\n"
		"    { \"action\": \"File_Delete\", \"filenames\": [\"${actor.exe}\"] }\n"
		"  ]\n"
		"}\n";
	static const char kinsing[] =
		"{\n"
		"  \"name\": \"kinsing\",\n"
		"  \"actions\": [\n"
		"    { \"action\": \"Proc_Terminate\", \"names\": [\"kdevtmpfsi\", \"kinsing\"] "
		"},\n"
		"    { \"action\": \"File_Attribute\", \"path\": \"/etc/cron.d/kinsing\", "
		"\"immutable\": false },\n"
		"    { \"action\": \"File_Delete\", \"filenames\": [\"kdevtmpfsi\", \"kinsing\"],\n"
		"      \"condition\": \"alldisk_deep:6\" },\n"
		"    { \"action\": \"Task_Delete\", \"type\": \"cron\", \"match\": [\"kinsing\", "
		"\"kdevtmpfsi\"] },\n"
		"    { \"action\": \"Other_Disabled_Ip\", \"ips\": [\"203.0.113.0/24\"], "
		"\"direction\": \"out\" },\n"
		"    { \"action\": \"Other_Create_Mutex\", \"mutex\": \"/tmp/.kinsing.lock\" }\n"
		"  ]\n"
		"}\n";
	struct zj_arr_ctx ctx = full_ctx();
	struct zj_arr_rule *r, *x;

	r = ok(injector);
	ck_assert(r->needs_ctx);
	x = expand_ok(r, &ctx);
	ck_assert_int_eq(x->actions[0].pids.v[0], 4321);
	ck_assert_str_eq(x->actions[1].filenames.v[0], "/tmp/.x/kdevtmpfsi");
	zj_arr_rule_free(x);
	/* "a critical path such as /bin/bash is refused" */
	ctx.actor_exe = view("/bin/bash");
	expand_bad(r, &ctx,
		   "actions[1].filenames[0]: '/bin/bash' is a system-critical path; "
		   "File_Delete changes it only if the rule says \"force\": true");
	zj_arr_rule_free(r);

	r = ok(kinsing);
	ck_assert_uint_eq(r->n_actions, 6);
	ck_assert_uint_eq(r->actions[2].cond.depth, 6);
	ck_assert_int_eq(r->actions[4].direction, ZJ_ARR_DIR_OUT);
	zj_arr_rule_free(r);

	ok_free("{ \"name\": \"isolate\", \"actions\": [\n"
		"    { \"action\": \"Other_NetOff\", \"management\": [\"192.0.2.10\", "
		"\"2001:db8:1::/64\"] } ] }");
	ok_free("{ \"name\": \"reconnect\", \"actions\": [ { \"action\": \"Other_NetOff\", "
		"\"undo\": true } ] }");
}
END_TEST

/* ---- never crash ----------------------------------------------------------------------------- */

/* Parse text[0..len); whatever comes back must be consistent. */
static void try_parse(const char *text, size_t len)
{
	char err[ZJ_ARR_ERR_MAX];
	struct zj_arr_rule *r = NULL;
	int rc = zj_arr_parse(text, len, "fuzz.json", &r, err, sizeof(err));

	ck_assert_msg(rc == 0 || rc == -ZJ_EBADMSG || rc == -ZJ_EINVAL || rc == -ZJ_EOPNOTSUPP,
		      "rc %d", rc);
	ck_assert_uint_lt(strlen(err), sizeof(err));
	if (rc < 0) {
		ck_assert_ptr_null(r);
		ck_assert_msg(strncmp(err, "fuzz.json:", 10) == 0, "'%s'", err);
		return;
	}
	ck_assert_ptr_nonnull(r);
	{
		struct zj_arr_ctx ctx = full_ctx();
		struct zj_arr_plan *plan;
		struct zj_arr_rule *x = NULL;
		char *out;

		ck_assert_int_eq(zj_arr_plan_build(r, &plan), 0);
		ck_assert_int_ge(zj_arr_plan_to_text(plan, &out), 0);
		free(out);
		ck_assert_int_ge(zj_arr_plan_to_json(plan, &out), 0);
		free(out);
		zj_arr_plan_free(plan);
		if (zj_arr_expand(r, &ctx, &x, err, sizeof(err)) == 0)
			zj_arr_rule_free(x);
	}
	zj_arr_rule_free(r);
}

START_TEST(test_fuzz)
{
	static const char variety[] =
		RULE("{\"action\": \"Proc_Terminate\", \"pids\": [\"${actor.pid}\", 99], "
		     "\"names\": [\"${actor.comm}\"]},"
		     "{\"action\": \"File_Delete\", \"filenames\": [\"${path}\"]},"
		     "{\"action\": \"File_Modify\", \"path\": \"/opt/x\", \"offset\": 4, \"hex\": "
		     "\"90 90\"},"
		     "{\"action\": \"Other_NetOff\", \"management\": [\"10.0.0.0/8\", "
		     "\"fd00::/8\"]},"
		     "{\"action\": \"Other_Disabled_Port\", \"ports\": [22, \"80-90\"]},"
		     "{\"action\": \"Task_Create\", \"type\": \"cron\", \"task\": \"x\", "
		     "\"schedule\": \"* * * * *\", \"command\": \"true\"},"
		     "{\"action\": \"Script_File\", \"path\": \"file:///opt/a%20b\"},"
		     "{\"action\": \"File_repairMbr\", \"data\": \"backup\", \"condition\": "
		     "\"[Unequal],[offset:0x1fe],[55 AA]\"}");
	static const char *const seeds[] = {brief_cleanup, brief_disposal, brief_defense, variety};
	static const char subst[] = {'"',  '{', '}', '[', ']', ':', ',',    '\0',
				     '\\', 'x', ' ', '$', '/', '0', '\x80', '\xff'};
	char buf[4096];
	uint32_t seed = 12345;

	for (size_t s = 0; s < N(seeds); s++) {
		size_t len = strlen(seeds[s]);

		ck_assert_uint_lt(len, sizeof(buf));
		/* every prefix */
		for (size_t n = 0; n <= len; n++) {
			memcpy(buf, seeds[s], n);
			try_parse(buf, n);
		}
		/* every byte replaced by each of a few that matter to JSON and to rules */
		for (size_t i = 0; i < len; i++) {
			for (size_t k = 0; k < sizeof(subst); k++) {
				memcpy(buf, seeds[s], len);
				buf[i] = subst[k];
				try_parse(buf, len);
			}
		}
		/* a byte deleted */
		for (size_t i = 0; i < len; i++) {
			memcpy(buf, seeds[s], i);
			memcpy(buf + i, seeds[s] + i + 1, len - i - 1);
			try_parse(buf, len - 1);
		}
		/* several random bytes changed (a fixed LCG: the same run every time) */
		for (int round = 0; round < 2000; round++) {
			memcpy(buf, seeds[s], len);
			for (int k = 0; k < 4; k++) {
				seed = seed * 1103515245u + 12345u;
				buf[(seed >> 8) % len] = (char)(seed >> 24);
			}
			try_parse(buf, len);
		}
	}
}
END_TEST

static Suite *arr_suite(void)
{
	Suite *s = suite_create("arr");
	TCase *brief = tcase_create("brief");
	TCase *forms = tcase_create("instructions");
	TCase *conds = tcase_create("conditions");
	TCase *safety = tcase_create("safety");
	TCase *vars = tcase_create("variables");
	TCase *plan = tcase_create("plan");
	TCase *fuzz = tcase_create("fuzz");

	tcase_add_test(brief, test_brief_cleanup);
	tcase_add_test(brief, test_brief_disposal);
	tcase_add_test(brief, test_brief_defense);
	tcase_add_test(brief, test_top_level);
	tcase_add_test(brief, test_json_details);
	suite_add_tcase(s, brief);

	tcase_add_test(forms, test_files);
	tcase_add_test(forms, test_processes);
	tcase_add_test(forms, test_tasks);
	tcase_add_test(forms, test_scripts);
	tcase_add_test(forms, test_script_file_url);
	tcase_add_test(forms, test_other);
	tcase_add_test(forms, test_instruction_names);
	suite_add_tcase(s, forms);

	tcase_add_test(conds, test_scopes);
	tcase_add_test(conds, test_mbr_conditions);
	tcase_add_test(conds, test_positions);
	suite_add_tcase(s, conds);

	tcase_add_test(safety, test_critical_paths);
	tcase_add_test(safety, test_force);
	suite_add_tcase(s, safety);

	tcase_add_test(vars, test_variables);
	tcase_add_test(vars, test_variables_hostile);
	tcase_add_test(vars, test_variables_parse);
	tcase_add_test(vars, test_ctx_from_event);
	suite_add_tcase(s, vars);

	tcase_add_test(plan, test_plan);
	tcase_add_test(plan, test_plan_long_lists);
	tcase_add_test(plan, test_man_examples);
	suite_add_tcase(s, plan);

	/* Thousands of parses; under ASan this takes a while. */
	tcase_set_timeout(fuzz, 300);
	tcase_add_test(fuzz, test_fuzz);
	suite_add_tcase(s, fuzz);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(arr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
