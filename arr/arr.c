/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ARR rules (include/zhijia/arr.h): the instruction table, the fields each instruction takes,
 * and the parser that checks a whole rule before anything can run it.
 *
 * Two tables drive it: fields[] (each field's name, JSON type, place in struct zj_arr_action,
 * whether ${variables} expand in it) and instrs[] (the fields each instruction allows and
 * requires, the condition form it takes).  Loading checks JSON types and keeps the values;
 * arr_action_check() then checks what they mean -- the same code for a rule as written, for
 * a template expanded with stand-in values (so a template is checked at load time too), and
 * for a template expanded with a finding's values.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arr-internal.h"
#include "zhijia/errors.h"

/* ---- fields ---------------------------------------------------------------------------------- */

enum field_id {
	F_PATH,
	F_TO,
	F_FILENAMES,
	F_SHA256,
	F_CONTENT,
	F_APPEND,
	F_OFFSET,
	F_HEX,
	F_TEXT,
	F_MODE,
	F_OWNER,
	F_IMMUTABLE,
	F_OVERWRITE,
	F_DATA,
	F_DISK,
	F_MODULES,
	F_NAMES,
	F_EXECUTABLES,
	F_PIDS,
	F_ARGS,
	F_USER,
	F_STATE,
	F_TYPE,
	F_TASK,
	F_SCHEDULE,
	F_COMMAND,
	F_MATCH,
	F_ENABLED,
	F_SCRIPT,
	F_TIMEOUT,
	F_DEVICES,
	F_MANAGEMENT,
	F_IPS,
	F_PORTS,
	F_PROTOCOL,
	F_DIRECTION,
	F_MUTEX,
	F_UNDO,
	F_KEY,
	F_VALUE,
	F_VALUE_TYPE,
	F_CONDITION,
	N_FIELDS
};

#define B(f) (UINT64_C(1) << (f))

enum kind {
	K_STR,	   /* char * */
	K_STRV,	   /* struct zj_arr_strv */
	K_BOOL,	   /* bool */
	K_TRI,	   /* int: -1 not given, 0, 1 */
	K_ENUM,	   /* one of words[], stored by set_enum() */
	K_OFFSET,  /* int64_t, -1 not given */
	K_MODE,	   /* int32_t, -1 not given; an octal string */
	K_HEX,	   /* struct zj_arr_bytes */
	K_PIDS,	   /* struct zj_arr_pidv */
	K_TIMEOUT, /* uint32_t seconds */
	K_NETS,	   /* struct zj_arr_netv */
	K_PORTS,   /* struct zj_arr_portv */
	K_COND,	   /* struct zj_arr_cond */
};

struct field {
	const char *name;
	enum kind kind;
	size_t off;		  /* in struct zj_arr_action */
	bool expands;		  /* ${variables} (but see field_expands()) */
	bool empty_ok;		  /* "" (K_STR, and elements of args) or [] is a value */
	size_t max;		  /* bytes of one string */
	const char *const *words; /* K_ENUM: by value; "" for the "none" value */
};

static const char *const state_words[] = {"", "suspend", "resume", NULL};
static const char *const type_words[] = {"", "cron", "timer", NULL};
static const char *const proto_words[] = {"both", "tcp", "udp", NULL};
static const char *const dir_words[] = {"both", "in", "out", NULL};
static const char *const value_type_words[] = {"",	    "REG_SZ",	 "REG_EXPAND_SZ",
					       "REG_DWORD", "REG_QWORD", NULL};

#define AT(m) offsetof(struct zj_arr_action, m)

static const struct field fields[N_FIELDS] = {
	[F_PATH] = {"path", K_STR, AT(path), true, false, ZJ_ARR_PATH_MAX, NULL},
	[F_TO] = {"to", K_STR, AT(to), true, false, ZJ_ARR_PATH_MAX, NULL},
	[F_FILENAMES] = {"filenames", K_STRV, AT(filenames), true, false, ZJ_ARR_PATH_MAX, NULL},
	[F_SHA256] = {"sha256", K_STRV, AT(sha256), false, false, 64, NULL},
	[F_CONTENT] = {"content", K_STR, AT(content), false, true, ZJ_ARR_BODY_MAX, NULL},
	[F_APPEND] = {"append", K_STR, AT(append), false, false, ZJ_ARR_BODY_MAX, NULL},
	[F_OFFSET] = {"offset", K_OFFSET, AT(offset), false, false, 0, NULL},
	[F_HEX] = {"hex", K_HEX, AT(hex), false, false, ZJ_ARR_BODY_MAX, NULL},
	[F_TEXT] = {"text", K_STRV, AT(text), true, false, ZJ_ARR_STR_MAX, NULL},
	[F_MODE] = {"mode", K_MODE, AT(mode), false, false, 8, NULL},
	[F_OWNER] = {"owner", K_STR, AT(owner), false, false, 80, NULL},
	[F_IMMUTABLE] = {"immutable", K_TRI, AT(immutable), false, false, 0, NULL},
	[F_OVERWRITE] = {"overwrite", K_BOOL, AT(overwrite), false, false, 0, NULL},
	[F_DATA] = {"data", K_STR, AT(data), false, false, ZJ_ARR_PATH_MAX, NULL},
	[F_DISK] = {"disk", K_STR, AT(disk), false, false, ZJ_ARR_PATH_MAX, NULL},
	[F_MODULES] = {"modules", K_STRV, AT(modules), true, false, ZJ_ARR_PATH_MAX, NULL},
	[F_NAMES] = {"names", K_STRV, AT(names), true, false, ZJ_ARR_FILENAME_MAX, NULL},
	[F_EXECUTABLES] = {"executables", K_STRV, AT(executables), true, false, ZJ_ARR_PATH_MAX,
			   NULL},
	[F_PIDS] = {"pids", K_PIDS, AT(pids), true, false, 0, NULL},
	[F_ARGS] = {"args", K_STRV, AT(args), true, true, ZJ_ARR_STR_MAX, NULL},
	[F_USER] = {"user", K_STR, AT(user), false, false, 40, NULL},
	[F_STATE] = {"state", K_ENUM, AT(state), false, false, 0, state_words},
	[F_TYPE] = {"type", K_ENUM, AT(type), false, false, 0, type_words},
	[F_TASK] = {"task", K_STR, AT(task), false, false, ZJ_ARR_FILENAME_MAX, NULL},
	[F_SCHEDULE] = {"schedule", K_STR, AT(schedule), false, false, 256, NULL},
	[F_COMMAND] = {"command", K_STR, AT(command), false, false, ZJ_ARR_STR_MAX, NULL},
	[F_MATCH] = {"match", K_STRV, AT(match), true, false, ZJ_ARR_STR_MAX, NULL},
	[F_ENABLED] = {"enabled", K_TRI, AT(enabled), false, false, 0, NULL},
	[F_SCRIPT] = {"script", K_STR, AT(script), false, false, ZJ_ARR_BODY_MAX, NULL},
	[F_TIMEOUT] = {"timeout", K_TIMEOUT, AT(timeout), false, false, 0, NULL},
	[F_DEVICES] = {"devices", K_STRV, AT(devices), false, false, 32, NULL},
	[F_MANAGEMENT] = {"management", K_NETS, AT(management), false, true, 64, NULL},
	[F_IPS] = {"ips", K_NETS, AT(ips), false, false, 64, NULL},
	[F_PORTS] = {"ports", K_PORTS, AT(ports), false, false, 16, NULL},
	[F_PROTOCOL] = {"protocol", K_ENUM, AT(protocol), false, false, 0, proto_words},
	[F_DIRECTION] = {"direction", K_ENUM, AT(direction), false, false, 0, dir_words},
	[F_MUTEX] = {"mutex", K_STR, AT(mutex), false, false, ZJ_ARR_PATH_MAX, NULL},
	[F_UNDO] = {"undo", K_BOOL, AT(undo), false, false, 0, NULL},
	[F_KEY] = {"key", K_STR, AT(key), false, false, ZJ_ARR_STR_MAX, NULL},
	[F_VALUE] = {"value", K_STR, AT(value), false, true, ZJ_ARR_STR_MAX, NULL},
	[F_VALUE_TYPE] = {"value_type", K_ENUM, AT(value_type), false, false, 0, value_type_words},
	[F_CONDITION] = {"condition", K_COND, AT(cond), false, true, ZJ_ARR_STR_MAX, NULL},
};

#define MEMBER(a, f, T) ((T *)(void *)((char *)(a) + fields[f].off))
#define CMEMBER(a, f, T) ((const T *)(const void *)((const char *)(a) + fields[f].off))

/* ---- instructions ---------------------------------------------------------------------------- */

struct instr {
	const char *name;
	bool on_linux;
	enum zj_arr_cond_kind cond; /* the condition it takes; NONE: only "" */
	uint64_t allowed;	    /* besides "action" and "condition" */
	uint64_t required;
};

#define SELECT (B(F_NAMES) | B(F_PIDS) | B(F_EXECUTABLES))
#define REG_VALUE (B(F_KEY) | B(F_VALUE) | B(F_VALUE_TYPE) | B(F_DATA))

static const struct instr instrs[ZJ_ARR_INSTR_MAX] = {
	/* Windows only: their fields are parsed by zj_arr_parse_platform(ZJ_ARR_WINDOWS). */
	[ZJ_ARR_REG_CREATE] = {"Reg_Create", false, ZJ_ARR_COND_NONE, REG_VALUE, B(F_KEY)},
	[ZJ_ARR_REG_MODIFY] = {"Reg_Modify", false, ZJ_ARR_COND_NONE, REG_VALUE,
			       B(F_KEY) | B(F_VALUE) | B(F_DATA)},
	[ZJ_ARR_REG_DELETE] = {"Reg_Delete", false, ZJ_ARR_COND_NONE, B(F_KEY) | B(F_VALUE),
			       B(F_KEY)},
	[ZJ_ARR_REG_RENAME] = {"Reg_Rename", false, ZJ_ARR_COND_NONE,
			       B(F_KEY) | B(F_VALUE) | B(F_TO), B(F_KEY) | B(F_TO)},
	[ZJ_ARR_REG_DELETE_VALUE] = {"Reg_Delete_Value", false, ZJ_ARR_COND_NONE,
				     B(F_KEY) | B(F_VALUE), B(F_KEY) | B(F_VALUE)},
	[ZJ_ARR_TASK_CREATE] = {"Task_Create", true, ZJ_ARR_COND_NONE,
				B(F_TYPE) | B(F_TASK) | B(F_SCHEDULE) | B(F_COMMAND) | B(F_USER),
				B(F_TYPE) | B(F_TASK) | B(F_SCHEDULE) | B(F_COMMAND)},
	[ZJ_ARR_TASK_MODIFY] = {"Task_Modify", true, ZJ_ARR_COND_NONE,
				B(F_TYPE) | B(F_TASK) | B(F_SCHEDULE) | B(F_MATCH) | B(F_ENABLED),
				B(F_TYPE)},
	[ZJ_ARR_TASK_DELETE] = {"Task_Delete", true, ZJ_ARR_COND_NONE,
				B(F_TYPE) | B(F_TASK) | B(F_MATCH), B(F_TYPE)},
	[ZJ_ARR_FILE_CREATE] = {"File_Create", true, ZJ_ARR_COND_NONE,
				B(F_PATH) | B(F_CONTENT) | B(F_MODE) | B(F_OWNER) | B(F_OVERWRITE),
				B(F_PATH)},
	[ZJ_ARR_FILE_MODIFY] = {"File_Modify", true, ZJ_ARR_COND_NONE,
				B(F_PATH) | B(F_CONTENT) | B(F_APPEND) | B(F_OFFSET) | B(F_HEX),
				B(F_PATH)},
	[ZJ_ARR_FILE_DELETE] = {"File_Delete", true, ZJ_ARR_COND_SCOPE,
				B(F_FILENAMES) | B(F_SHA256), B(F_FILENAMES)},
	[ZJ_ARR_FILE_RENAME] = {"File_Rename", true, ZJ_ARR_COND_NONE, B(F_PATH) | B(F_TO),
				B(F_PATH) | B(F_TO)},
	[ZJ_ARR_FILE_ATTRIBUTE] = {"File_Attribute", true, ZJ_ARR_COND_NONE,
				   B(F_PATH) | B(F_MODE) | B(F_OWNER) | B(F_IMMUTABLE), B(F_PATH)},
	[ZJ_ARR_FILE_DELTEXT] = {"File_DelText", true, ZJ_ARR_COND_NONE,
				 B(F_PATH) | B(F_TEXT) | B(F_HEX), B(F_PATH)},
	[ZJ_ARR_FILE_REPAIR_MBR] = {"File_repairMbr", true, ZJ_ARR_COND_MBR, B(F_DATA) | B(F_DISK),
				    B(F_DATA)},
	[ZJ_ARR_PROC_CREATE] = {"Proc_Create", true, ZJ_ARR_COND_NONE,
				B(F_PATH) | B(F_ARGS) | B(F_USER), B(F_PATH)},
	[ZJ_ARR_PROC_MODIFY] = {"Proc_Modify", true, ZJ_ARR_COND_NONE, B(F_STATE) | SELECT,
				B(F_STATE)},
	[ZJ_ARR_PROC_TERMINATE] = {"Proc_Terminate", true, ZJ_ARR_COND_NONE, SELECT, 0},
	[ZJ_ARR_PROC_MODULE_THREADS] = {"Proc_Module_Threads", true, ZJ_ARR_COND_NONE,
					B(F_MODULES) | B(F_STATE), B(F_MODULES)},
	[ZJ_ARR_SCRIPT_BAT] = {"Script_Bat", false, ZJ_ARR_COND_NONE, B(F_SCRIPT) | B(F_TIMEOUT),
			       B(F_SCRIPT)},
	[ZJ_ARR_SCRIPT_SHELL] = {"Script_Shell", true, ZJ_ARR_COND_NONE, B(F_SCRIPT) | B(F_TIMEOUT),
				 B(F_SCRIPT)},
	[ZJ_ARR_SCRIPT_VBS] = {"Script_Vbs", false, ZJ_ARR_COND_NONE, 0, 0},
	[ZJ_ARR_SCRIPT_PWL] = {"Script_PWL", false, ZJ_ARR_COND_NONE, B(F_SCRIPT) | B(F_TIMEOUT),
			       B(F_SCRIPT)},
	[ZJ_ARR_SCRIPT_FILE] = {"Script_File", true, ZJ_ARR_COND_NONE,
				B(F_PATH) | B(F_ARGS) | B(F_TIMEOUT), B(F_PATH)},
	[ZJ_ARR_OTHER_DEVICE] = {"Other_Device", true, ZJ_ARR_COND_NONE, B(F_DEVICES) | B(F_UNDO),
				 B(F_DEVICES)},
	[ZJ_ARR_OTHER_NETOFF] = {"Other_NetOff", true, ZJ_ARR_COND_NONE,
				 B(F_MANAGEMENT) | B(F_UNDO), 0},
	[ZJ_ARR_OTHER_DISABLED_PORT] = {"Other_Disabled_Port", true, ZJ_ARR_COND_NONE,
					B(F_PORTS) | B(F_PROTOCOL) | B(F_DIRECTION) | B(F_UNDO),
					B(F_PORTS)},
	[ZJ_ARR_OTHER_DISABLED_IP] = {"Other_Disabled_Ip", true, ZJ_ARR_COND_NONE,
				      B(F_IPS) | B(F_DIRECTION) | B(F_UNDO), B(F_IPS)},
	[ZJ_ARR_OTHER_FIX_PATCH] = {"Other_Fix_patch", false, ZJ_ARR_COND_NONE, 0, 0},
	[ZJ_ARR_OTHER_CREATE_MUTEX] = {"Other_Create_Mutex", true, ZJ_ARR_COND_NONE,
				       B(F_MUTEX) | B(F_UNDO), B(F_MUTEX)},
	[ZJ_ARR_OTHER_QUICKSCAN] = {"Other_QuickScan", true, ZJ_ARR_COND_SCOPE, 0, 0},
};

const char *zj_arr_instr_name(enum zj_arr_instr instr)
{
	if ((unsigned)instr >= ZJ_ARR_INSTR_MAX)
		return "unknown";
	return instrs[instr].name;
}

int zj_arr_instr_parse(const char *name, enum zj_arr_instr *ret)
{
	if (!name || !ret)
		return -ZJ_EINVAL;
	for (unsigned i = 0; i < ZJ_ARR_INSTR_MAX; i++) {
		if (arr_streq_ci(name, instrs[i].name)) {
			*ret = (enum zj_arr_instr)i;
			return 0;
		}
	}
	return -ZJ_ENOENT;
}

bool zj_arr_instr_on_linux(enum zj_arr_instr instr)
{
	return (unsigned)instr < ZJ_ARR_INSTR_MAX && instrs[instr].on_linux;
}

bool zj_arr_instr_on_windows(enum zj_arr_instr instr)
{
	switch (instr) {
	case ZJ_ARR_REG_CREATE:
	case ZJ_ARR_REG_MODIFY:
	case ZJ_ARR_REG_DELETE:
	case ZJ_ARR_REG_RENAME:
	case ZJ_ARR_REG_DELETE_VALUE:
	case ZJ_ARR_FILE_CREATE:
	case ZJ_ARR_FILE_MODIFY:
	case ZJ_ARR_FILE_DELETE:
	case ZJ_ARR_FILE_RENAME:
	case ZJ_ARR_FILE_ATTRIBUTE:
	case ZJ_ARR_FILE_DELTEXT:
	case ZJ_ARR_PROC_MODIFY:
	case ZJ_ARR_PROC_TERMINATE:
	case ZJ_ARR_SCRIPT_BAT:
	case ZJ_ARR_SCRIPT_PWL:
		return true;
	default:
		return false;
	}
}

/* Fields of an instruction that the Windows executor has no meaning for: POSIX permissions
 * and owners. */
static uint64_t win_refused(enum zj_arr_instr instr)
{
	switch (instr) {
	case ZJ_ARR_FILE_CREATE:
	case ZJ_ARR_FILE_ATTRIBUTE:
		return B(F_MODE) | B(F_OWNER);
	default:
		return 0;
	}
}

/* The path of Proc_Create and Script_File names a program to run: never a finding's file. */
static bool field_expands(enum zj_arr_instr instr, enum field_id f)
{
	if (f == F_PATH && (instr == ZJ_ARR_PROC_CREATE || instr == ZJ_ARR_SCRIPT_FILE))
		return false;
	return fields[f].expands;
}

/* Instructions that change the files they name: literal critical paths need "force". */
static bool changes_files(enum zj_arr_instr instr)
{
	switch (instr) {
	case ZJ_ARR_FILE_CREATE:
	case ZJ_ARR_FILE_MODIFY:
	case ZJ_ARR_FILE_DELETE:
	case ZJ_ARR_FILE_RENAME:
	case ZJ_ARR_FILE_ATTRIBUTE:
	case ZJ_ARR_FILE_DELTEXT:
	case ZJ_ARR_OTHER_CREATE_MUTEX:
		return true;
	default:
		return false;
	}
}

/* ---- small helpers --------------------------------------------------------------------------- */

static const char *json_kind(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "an unknown JSON type";
}

static void enum_set(struct zj_arr_action *a, enum field_id f, int v)
{
	switch (f) {
	case F_STATE:
		a->state = (enum zj_arr_state)v;
		break;
	case F_TYPE:
		a->type = (enum zj_arr_task_type)v;
		break;
	case F_PROTOCOL:
		a->protocol = (enum zj_arr_protocol)v;
		break;
	case F_VALUE_TYPE:
		a->value_type = (enum zj_arr_value_type)v;
		break;
	default:
		a->direction = (enum zj_arr_direction)v;
		break;
	}
}

static char *str_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* Levenshtein distance of two short words, ignoring case; large when one is long. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			char ca = a[i - 1], cb = b[j - 1];
			size_t cost = (ca | 0x20) == (cb | 0x20) ? 0 : 1;
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* A word close enough to be what was meant. */
static bool near(const char *typed, const char *word)
{
	size_t d = distance(typed, word), n = strlen(word);

	return d > 0 && d <= (n < 6 ? 1 : 2);
}

/* ---- the loader ------------------------------------------------------------------------------ */

struct loader {
	struct arr_err e;
	bool force;
	int platform; /* ZJ_ARR_LINUX, ZJ_ARR_WINDOWS */
};

#define MSG_MAX ZJ_ARR_ERR_MAX

/* The string v, checked for type, NUL and length, copied. */
static int load_string(const struct loader *l, struct arr_where w, struct json_object *v,
		       size_t max, bool empty_ok, char **ret)
{
	const char *s;
	size_t n;
	char *copy;

	if (!json_object_is_type(v, json_type_string))
		return arr_fail(&l->e, w, -ZJ_EINVAL, "expected a string, got %s", json_kind(v));
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (strlen(s) != n)
		return arr_fail(&l->e, w, -ZJ_EINVAL, "holds a NUL byte (\\u0000)");
	if (n == 0 && !empty_ok)
		return arr_fail(&l->e, w, -ZJ_EINVAL, "must not be empty");
	if (n > max) {
		return arr_fail(&l->e, w, -ZJ_EINVAL, "too long (%lu bytes; at most %lu)",
				(unsigned long)n, (unsigned long)max);
	}
	copy = malloc(n + 1);
	if (!copy)
		return -ZJ_ENOMEM;
	memcpy(copy, s, n + 1);
	*ret = copy;
	return 0;
}

/* What ${variables} in s mean for field f of a. */
static int load_vars(const struct loader *l, struct arr_where w, struct zj_arr_action *a,
		     enum field_id f, const char *s)
{
	char msg[MSG_MAX];
	struct arr_sb m;
	const char *dotted;
	int first, n;

	arr_sb_init(&m, msg, sizeof(msg));
	if (field_expands(a->instr, f)) {
		n = arr_tmpl_scan(&m, s, &first);
		if (n < 0)
			return arr_fail(&l->e, w, n, "%s", msg);
		if (n > 0)
			a->needs_ctx = true;
		return 0;
	}
	if (f == F_PATH) {
		/* Proc_Create, Script_File: "${" is an error here, not a literal. */
		n = arr_tmpl_scan(&m, s, &first);
		if (n != 0) {
			return arr_fail(&l->e, w, -ZJ_EINVAL,
					"%s takes no variables in \"path\": it would run a file "
					"the finding names",
					instrs[a->instr].name);
		}
		return 0;
	}
	/* Fields that never expand: a dotted variable is a mistake worth naming.  ${path} and
	 * ${technique} may be a script's own shell variables, and are left alone. */
	dotted = arr_tmpl_dotted_var(s);
	if (!dotted)
		return 0;
	if (f == F_SCRIPT) {
		char env[32] = "ZJ_";
		size_t o = 3;

		for (const char *p = dotted; *p && o + 1 < sizeof(env); p++)
			env[o++] = *p == '.' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		env[o] = '\0';
		return arr_fail(&l->e, w, -ZJ_EINVAL,
				"${%s} is not substituted in a script (a value could inject "
				"commands); use \"$%s\" from the script's environment",
				dotted, env);
	}
	return arr_fail(&l->e, w, -ZJ_EINVAL,
			"${%s} is not substituted in \"%s\"; variables expand in path, to, "
			"filenames, modules, names, executables, pids, args, match and text",
			dotted, fields[f].name);
}

static int load_list(const struct loader *l, struct arr_where w, struct json_object *v,
		     bool empty_ok, size_t *ret_n, const char *what)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array)) {
		return arr_fail(&l->e, w, -ZJ_EINVAL, "expected an array of %s, got %s", what,
				json_kind(v));
	}
	n = json_object_array_length(v);
	if (n == 0 && !empty_ok)
		return arr_fail(&l->e, w, -ZJ_EINVAL, "must not be empty");
	if (n > ZJ_ARR_LIST_MAX) {
		return arr_fail(&l->e, w, -ZJ_EINVAL, "too many entries (%lu; at most %u)",
				(unsigned long)n, ZJ_ARR_LIST_MAX);
	}
	*ret_n = n;
	return 0;
}

static int load_int(const struct loader *l, struct arr_where w, struct json_object *v, int64_t min,
		    int64_t max, const char *what, int64_t *ret)
{
	int64_t x;

	if (!json_object_is_type(v, json_type_int)) {
		return arr_fail(&l->e, w, -ZJ_EINVAL, "expected %s (an integer), got %s", what,
				json_kind(v));
	}
	x = json_object_get_int64(v);
	if (x < min || x > max) {
		return arr_fail(&l->e, w, -ZJ_EINVAL, "%s out of range (%lld-%lld)", what,
				(long long)min, (long long)max);
	}
	*ret = x;
	return 0;
}

static int load_pid(const struct loader *l, struct arr_where w, struct json_object *v,
		    struct zj_arr_action *a, int64_t *ret)
{
	if (json_object_is_type(v, json_type_string)) {
		int64_t var = arr_tmpl_pid_var(json_object_get_string(v));

		if (var &&
		    (size_t)json_object_get_string_len(v) == strlen(json_object_get_string(v))) {
			a->needs_ctx = true;
			*ret = var;
			return 0;
		}
	} else if (json_object_is_type(v, json_type_int)) {
		int64_t pid = json_object_get_int64(v);

		if (pid == 1) {
			return arr_fail(&l->e, w, -ZJ_EINVAL,
					"1 is init (PID 1), which zhijia never stops");
		}
		if (pid >= 2 && pid <= ZJ_ARR_PID_MAX) {
			*ret = pid;
			return 0;
		}
		return arr_fail(&l->e, w, -ZJ_EINVAL, "%lld is not a process id (2-%d)",
				(long long)pid, ZJ_ARR_PID_MAX);
	}
	return arr_fail(&l->e, w, -ZJ_EINVAL,
			"expected a process id: a number, \"${actor.pid}\" or \"${target.pid}\"");
}

static int load_cond(const struct loader *l, struct arr_where w, struct json_object *v,
		     struct zj_arr_action *a)
{
	const struct instr *in = &instrs[a->instr];
	char msg[MSG_MAX], *s = NULL;
	struct arr_sb m;
	int r;

	r = load_string(l, w, v, fields[F_CONDITION].max, true, &s);
	if (r < 0)
		return r;
	arr_sb_init(&m, msg, sizeof(msg));
	if (s[0] == '\0') {
		r = 0;
	} else if (in->cond == ZJ_ARR_COND_SCOPE) {
		r = arr_parse_scope(&m, s, &a->cond);
	} else if (in->cond == ZJ_ARR_COND_MBR) {
		r = arr_parse_mbr(&m, s, &a->cond);
	} else {
		r = -ZJ_EINVAL;
		arr_sb_printf(&m, "%s takes no condition (give \"\" or leave it out)", in->name);
	}
	free(s);
	if (r == -ZJ_EINVAL)
		return arr_fail(&l->e, w, r, "%s", msg);
	return r;
}

static bool is_loopback(const struct zj_arr_net *n)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};

	if (n->family == 4)
		return n->addr[0] == 127;
	return n->prefix == 128 && memcmp(n->addr, v6_loopback, 16) == 0;
}

static int load_nets(const struct loader *l, struct arr_where w, struct json_object *v,
		     enum field_id f, struct zj_arr_netv *nets)
{
	size_t n;
	int r = load_list(l, w, v, fields[f].empty_ok, &n, "addresses");

	if (r < 0)
		return r;
	nets->v = calloc(n ? n : 1, sizeof(*nets->v));
	if (!nets->v)
		return -ZJ_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct arr_where wi = ARR_AT(w.action, w.field, i);
		struct zj_arr_net *net = &nets->v[i];
		char msg[MSG_MAX], *s;
		struct arr_sb m;

		r = load_string(l, wi, json_object_array_get_idx(v, i), fields[f].max, false, &s);
		if (r < 0)
			return r;
		arr_sb_init(&m, msg, sizeof(msg));
		r = arr_parse_net(&m, s, net);
		if (r >= 0 && net->prefix == 0) {
			r = -ZJ_EINVAL;
			arr_sb_quote(&m, s);
			arr_sb_printf(&m, f == F_IPS ? " blocks every address; isolate the host "
						       "with Other_NetOff instead"
						     : " keeps every address reachable: the host "
						       "would not be isolated");
		} else if (r >= 0 && f == F_IPS && is_loopback(net)) {
			r = -ZJ_EINVAL;
			arr_sb_quote(&m, s);
			arr_sb_printf(&m, " is loopback, which zhijia never blocks (local "
					  "services depend on it)");
		}
		free(s);
		if (r < 0)
			return arr_fail(&l->e, wi, r, "%s", msg);
		nets->n = i + 1;
	}
	return 0;
}

static int load_ports(const struct loader *l, struct arr_where w, struct json_object *v,
		      struct zj_arr_portv *ports)
{
	size_t n;
	int r = load_list(l, w, v, false, &n, "ports");

	if (r < 0)
		return r;
	ports->v = calloc(n, sizeof(*ports->v));
	if (!ports->v)
		return -ZJ_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct arr_where wi = ARR_AT(w.action, w.field, i);
		struct json_object *e = json_object_array_get_idx(v, i);

		if (json_object_is_type(e, json_type_int)) {
			int64_t port;

			r = load_int(l, wi, e, 1, 65535, "a port", &port);
			if (r < 0)
				return r;
			ports->v[i].first = ports->v[i].last = (uint16_t)port;
		} else if (json_object_is_type(e, json_type_string)) {
			char msg[MSG_MAX], *s;
			struct arr_sb m;

			r = load_string(l, wi, e, fields[F_PORTS].max, false, &s);
			if (r < 0)
				return r;
			arr_sb_init(&m, msg, sizeof(msg));
			r = arr_parse_port_range(&m, s, &ports->v[i]);
			free(s);
			if (r < 0)
				return arr_fail(&l->e, wi, r, "%s", msg);
		} else {
			return arr_fail(&l->e, wi, -ZJ_EINVAL,
					"expected a port (a number) or a range (\"8000-8100\"), "
					"got %s",
					json_kind(e));
		}
		ports->n = i + 1;
	}
	return 0;
}

static int load_strv(const struct loader *l, struct arr_where w, struct json_object *v,
		     struct zj_arr_action *a, enum field_id f)
{
	struct zj_arr_strv *sv = MEMBER(a, f, struct zj_arr_strv);
	size_t n;
	int r = load_list(l, w, v, fields[f].empty_ok, &n, "strings");

	if (r < 0)
		return r;
	sv->v = calloc(n ? n : 1, sizeof(*sv->v));
	if (!sv->v)
		return -ZJ_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct arr_where wi = ARR_AT(w.action, w.field, i);
		char msg[MSG_MAX];
		struct arr_sb m;

		r = load_string(l, wi, json_object_array_get_idx(v, i), fields[f].max, f == F_ARGS,
				&sv->v[i]);
		if (r < 0)
			return r;
		sv->n = i + 1;
		r = load_vars(l, wi, a, f, sv->v[i]);
		if (r < 0)
			return r;
		arr_sb_init(&m, msg, sizeof(msg));
		if (f == F_DEVICES)
			r = arr_check_device(&m, sv->v[i]);
		else if (f == F_SHA256)
			r = arr_check_sha256(&m, sv->v[i]);
		if (r < 0)
			return arr_fail(&l->e, wi, r, "%s", msg);
		if (f == F_SHA256)
			for (char *p = sv->v[i]; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	}
	return 0;
}

static int load_enum(const struct loader *l, struct arr_where w, struct json_object *v,
		     struct zj_arr_action *a, enum field_id f)
{
	const char *const *words = fields[f].words;
	char msg[MSG_MAX], *s;
	struct arr_sb m;
	int r;

	r = load_string(l, w, v, 32, false, &s);
	if (r < 0)
		return r;
	for (int i = 0; words[i]; i++) {
		if (words[i][0] && arr_streq_ci(s, words[i])) {
			enum_set(a, f, i);
			free(s);
			return 0;
		}
	}
	arr_sb_init(&m, msg, sizeof(msg));
	arr_sb_printf(&m, "unknown %s ", fields[f].name);
	arr_sb_quote(&m, s);
	free(s);
	arr_sb_printf(&m, "; valid:");
	for (int i = 0, k = 0; words[i]; i++)
		if (words[i][0])
			arr_sb_printf(&m, "%s %s", k++ ? "," : "", words[i]);
	return arr_fail(&l->e, w, -ZJ_EINVAL, "%s", msg);
}

static int load_field(const struct loader *l, size_t idx, enum field_id f, struct json_object *v,
		      struct zj_arr_action *a)
{
	const struct field *fd = &fields[f];
	struct arr_where w = ARR_AT(idx, fd->name, ARR_NONE);
	char msg[MSG_MAX];
	struct arr_sb m;
	int64_t x;
	int r;

	arr_sb_init(&m, msg, sizeof(msg));
	switch (fd->kind) {
	case K_STR: {
		char **s = MEMBER(a, f, char *);

		r = load_string(l, w, v, fd->max, fd->empty_ok, s);
		if (r < 0)
			return r;
		r = load_vars(l, w, a, f, *s);
		if (r < 0)
			return r;
		if (f == F_PATH && a->instr == ZJ_ARR_SCRIPT_FILE) {
			char *local;

			r = arr_script_location(&m, *s, &local);
			if (r == -ZJ_EINVAL)
				return arr_fail(&l->e, w, r, "%s", msg);
			if (r < 0)
				return r;
			free(*s);
			*s = local;
		}
		return 0;
	}
	case K_STRV:
		return load_strv(l, w, v, a, f);
	case K_BOOL:
	case K_TRI:
		if (!json_object_is_type(v, json_type_boolean)) {
			return arr_fail(&l->e, w, -ZJ_EINVAL, "expected true or false, got %s",
					json_kind(v));
		}
		if (fd->kind == K_BOOL)
			*MEMBER(a, f, bool) = json_object_get_boolean(v);
		else
			*MEMBER(a, f, int) = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	case K_ENUM:
		return load_enum(l, w, v, a, f);
	case K_OFFSET:
		r = load_int(l, w, v, 0, INT64_C(1) << 50, "an offset", &x);
		if (r >= 0)
			a->offset = x;
		return r;
	case K_MODE: {
		char *s;

		if (json_object_is_type(v, json_type_int)) {
			return arr_fail(&l->e, w, -ZJ_EINVAL,
					"give the mode as an octal string, like \"0644\" (a JSON "
					"number is decimal)");
		}
		r = load_string(l, w, v, fd->max, false, &s);
		if (r < 0)
			return r;
		r = arr_check_mode(&m, s, &a->mode);
		free(s);
		return r < 0 ? arr_fail(&l->e, w, r, "%s", msg) : 0;
	}
	case K_HEX: {
		char *s;

		r = load_string(l, w, v, fd->max * 3, false, &s);
		if (r < 0)
			return r;
		r = arr_parse_hex(&m, s, fd->max, &a->hex);
		free(s);
		if (r == -ZJ_EINVAL)
			return arr_fail(&l->e, w, r, "%s", msg);
		return r;
	}
	case K_PIDS: {
		size_t n;

		r = load_list(l, w, v, false, &n, "process ids");
		if (r < 0)
			return r;
		a->pids.v = calloc(n, sizeof(*a->pids.v));
		if (!a->pids.v)
			return -ZJ_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			r = load_pid(l, ARR_AT(idx, fd->name, i), json_object_array_get_idx(v, i),
				     a, &a->pids.v[i]);
			if (r < 0)
				return r;
			a->pids.n = i + 1;
		}
		return 0;
	}
	case K_TIMEOUT:
		r = load_int(l, w, v, 1, ZJ_ARR_TIMEOUT_MAX, "a timeout in seconds", &x);
		if (r >= 0)
			a->timeout = (uint32_t)x;
		return r;
	case K_NETS:
		return load_nets(l, w, v, f, MEMBER(a, f, struct zj_arr_netv));
	case K_PORTS:
		return load_ports(l, w, v, &a->ports);
	case K_COND:
		return load_cond(l, w, v, a);
	}
	return -ZJ_EINVAL;
}

/* "filenames, sha256, condition": the fields instruction in takes. */
static void valid_fields(struct arr_sb *m, const struct instr *in)
{
	int k = 0;

	for (int f = 0; f < F_CONDITION; f++)
		if (in->allowed & B(f))
			arr_sb_printf(m, "%s%s", k++ ? ", " : "", fields[f].name);
	if (in->cond != ZJ_ARR_COND_NONE)
		arr_sb_printf(m, "%scondition", k++ ? ", " : "");
	if (!k)
		arr_sb_printf(m, "none besides \"action\"");
}

static int unknown_field(const struct loader *l, size_t idx, const struct instr *in,
			 const char *key)
{
	char msg[MSG_MAX];
	struct arr_sb m;

	arr_sb_init(&m, msg, sizeof(msg));
	arr_sb_printf(&m, "unknown field for %s", in->name);
	for (int f = 0; f < F_CONDITION; f++) {
		if ((in->allowed & B(f)) && near(key, fields[f].name)) {
			arr_sb_printf(&m, " (did you mean '%s'?)", fields[f].name);
			break;
		}
	}
	arr_sb_printf(&m, "; valid: ");
	valid_fields(&m, in);
	if (strcmp(key, "force") == 0 || strcmp(key, "name") == 0)
		arr_sb_printf(&m, " (\"%s\" belongs at the top of the rule)", key);
	return arr_fail(&l->e, ARR_AT_KEY(idx, key), -ZJ_EINVAL, "%s", msg);
}

static int field_by_name(const char *key)
{
	for (int f = 0; f < N_FIELDS; f++)
		if (strcmp(fields[f].name, key) == 0)
			return f;
	return -1;
}

static int unknown_instr(const struct loader *l, size_t idx, const char *name)
{
	char msg[MSG_MAX];
	struct arr_sb m;
	int k = 0;

	arr_sb_init(&m, msg, sizeof(msg));
	arr_sb_printf(&m, "unknown instruction ");
	arr_sb_quote(&m, name);
	for (unsigned i = 0; i < ZJ_ARR_INSTR_MAX; i++) {
		if (near(name, instrs[i].name)) {
			arr_sb_printf(&m, "; did you mean %s?", instrs[i].name);
			break;
		}
	}
	arr_sb_printf(&m, "; valid on linux: ");
	for (unsigned i = 0; i < ZJ_ARR_INSTR_MAX; i++)
		if (instrs[i].on_linux)
			arr_sb_printf(&m, "%s%s", k++ ? ", " : "", instrs[i].name);
	return arr_fail(&l->e, ARR_AT(idx, "action", ARR_NONE), -ZJ_EINVAL, "%s", msg);
}

/* Keys of the object at w (at offset off, if known) in the text: no duplicates, no NULs, not
 * too many. */
static int check_keys(const struct loader *l, struct arr_where w, size_t off)
{
	char key[64];
	size_t at = 0;

	if (off == ARR_NONE)
		off = arr_json_locate(l->e.text, l->e.len, w);

	switch (arr_json_check_keys(l->e.text, l->e.len, off, 64, &at, key, sizeof(key))) {
	case 0:
		return 0;
	case 1:
		return arr_fail_off(&l->e, at, w, -ZJ_EINVAL, "duplicate field '%s'", key);
	case 2:
		return arr_fail_off(&l->e, at, w, -ZJ_EINVAL, "a field name holds a NUL byte");
	default:
		return arr_fail_off(&l->e, at, w, -ZJ_EINVAL, "too many fields (at most 64)");
	}
}

static void action_defaults(struct zj_arr_action *a)
{
	a->offset = -1;
	a->mode = -1;
	a->immutable = -1;
	a->enabled = -1;
}

static int load_action(const struct loader *l, size_t idx, size_t off, struct json_object *obj,
		       struct zj_arr_action *a)
{
	struct json_object *v;
	const struct instr *in;
	struct json_object_iterator it, end;
	uint64_t given = 0;
	const char *name;
	int r;

	action_defaults(a);
	if (!json_object_is_type(obj, json_type_object)) {
		return arr_fail(
			&l->e, ARR_AT(idx, NULL, ARR_NONE), -ZJ_EINVAL,
			"expected an object like {\"action\": \"File_Delete\", ...}, got %s",
			json_kind(obj));
	}
	r = check_keys(l, ARR_AT(idx, NULL, ARR_NONE), off);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(obj, "action", &v)) {
		return arr_fail(&l->e, ARR_AT(idx, NULL, ARR_NONE), -ZJ_EINVAL,
				"missing \"action\" (the instruction, like \"File_Delete\")");
	}
	if (!json_object_is_type(v, json_type_string)) {
		return arr_fail(&l->e, ARR_AT(idx, "action", ARR_NONE), -ZJ_EINVAL,
				"expected an instruction name (a string), got %s", json_kind(v));
	}
	name = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(name) ||
	    zj_arr_instr_parse(name, &a->instr) < 0)
		return unknown_instr(l, idx, name);
	in = &instrs[a->instr];
	if (l->platform == ZJ_ARR_LINUX && !in->on_linux) {
		return arr_fail(&l->e, ARR_AT(idx, "action", ARR_NONE), -ZJ_EOPNOTSUPP,
				"%s is not supported on linux", in->name);
	}
	if (l->platform == ZJ_ARR_WINDOWS && !zj_arr_instr_on_windows(a->instr)) {
		return arr_fail(&l->e, ARR_AT(idx, "action", ARR_NONE), -ZJ_EOPNOTSUPP,
				"%s is not supported on windows", in->name);
	}

	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		int f = field_by_name(key);

		if (strcmp(key, "action") == 0)
			continue;
		if (f < 0 || (f != F_CONDITION && !(in->allowed & B(f))))
			return unknown_field(l, idx, in, key);
		if (l->platform == ZJ_ARR_WINDOWS && (win_refused(a->instr) & B(f))) {
			return arr_fail(&l->e, ARR_AT_KEY(idx, key), -ZJ_EOPNOTSUPP,
					"\"%s\" (POSIX permissions and owners) is not supported "
					"on windows%s",
					key,
					a->instr == ZJ_ARR_FILE_ATTRIBUTE
						? "; File_Attribute takes \"immutable\" there (the "
						  "read-only attribute)"
						: "");
		}
		r = load_field(l, idx, (enum field_id)f, json_object_iter_peek_value(&it), a);
		if (r < 0)
			return r;
		given |= B(f);
	}
	for (int f = 0; f < F_CONDITION; f++) {
		if ((in->required & B(f)) && !(given & B(f))) {
			return arr_fail(&l->e, ARR_AT(idx, NULL, ARR_NONE), -ZJ_EINVAL,
					"%s needs \"%s\"", in->name, fields[f].name);
		}
	}
	if (l->platform == ZJ_ARR_WINDOWS && a->cond.kind == ZJ_ARR_COND_SCOPE) {
		return arr_fail(&l->e, ARR_AT(idx, "condition", ARR_NONE), -ZJ_EOPNOTSUPP,
				"search scopes are not supported on windows; give the files' "
				"paths (C:\\dir\\file) with condition \"\"");
	}
	if (a->instr == ZJ_ARR_PROC_MODULE_THREADS && a->state == ZJ_ARR_STATE_NONE)
		a->state = ZJ_ARR_STATE_SUSPEND;
	if ((a->instr == ZJ_ARR_SCRIPT_SHELL || a->instr == ZJ_ARR_SCRIPT_FILE ||
	     a->instr == ZJ_ARR_SCRIPT_BAT || a->instr == ZJ_ARR_SCRIPT_PWL) &&
	    !a->timeout)
		a->timeout = ZJ_ARR_TIMEOUT_DEFAULT;

	if (!a->needs_ctx) {
		/* Final values: "$${" was the way to write "${". */
		for (int f = 0; f < N_FIELDS; f++) {
			if (!field_expands(a->instr, (enum field_id)f))
				continue;
			if (fields[f].kind == K_STR && *MEMBER(a, f, char *)) {
				arr_tmpl_unescape(*MEMBER(a, f, char *));
			} else if (fields[f].kind == K_STRV) {
				struct zj_arr_strv *sv = MEMBER(a, f, struct zj_arr_strv);

				for (size_t i = 0; i < sv->n; i++)
					arr_tmpl_unescape(sv->v[i]);
			}
		}
		return arr_action_check(&l->e, idx, a, NULL, false, l->force, l->platform);
	}
	/* A template: check what any expansion will look like, with stand-ins. */
	{
		struct zj_arr_action probe;

		r = arr_action_copy(&l->e, idx, a, arr_probe_ctx(l->platform), &probe);
		if (r < 0)
			return r;
		r = arr_action_check(&l->e, idx, &probe, a, true, l->force, l->platform);
		arr_action_clear(&probe);
		return r;
	}
}

static int load_rule(struct loader *l, struct json_object *root, struct zj_arr_rule *rule)
{
	struct json_object_iterator it, end;
	struct json_object *v;
	bool have_name = false, have_actions = false;
	int r;

	if (!json_object_is_type(root, json_type_object)) {
		return arr_fail(&l->e, ARR_AT(ARR_NONE, NULL, ARR_NONE), -ZJ_EINVAL,
				"a rule is a JSON object {\"name\": ..., \"actions\": [...]}, not "
				"%s",
				json_kind(root));
	}
	r = check_keys(l, ARR_AT(ARR_NONE, NULL, ARR_NONE), ARR_NONE);
	if (r < 0)
		return r;
	rule->platform = l->platform;
	/* "force" first: the actions' checks depend on it, wherever it is written. */
	if (json_object_object_get_ex(root, "force", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			return arr_fail(&l->e, ARR_AT(ARR_NONE, "force", ARR_NONE), -ZJ_EINVAL,
					"expected true or false, got %s", json_kind(v));
		}
		l->force = rule->force = json_object_get_boolean(v);
	}
	it = json_object_iter_begin(root);
	end = json_object_iter_end(root);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		struct arr_where w = ARR_AT(ARR_NONE, key, ARR_NONE);
		size_t n, found, *offs;

		v = json_object_iter_peek_value(&it);
		if (strcmp(key, "force") == 0)
			continue;
		if (strcmp(key, "name") == 0) {
			r = load_string(l, w, v, ZJ_ARR_NAME_MAX, false, &rule->name);
			if (r < 0)
				return r;
			for (const char *p = rule->name; *p; p++) {
				if ((unsigned char)*p < 0x20 || *p == 0x7f) {
					return arr_fail(&l->e, w, -ZJ_EINVAL,
							"a name is one line: no control "
							"characters");
				}
			}
			have_name = true;
			continue;
		}
		if (strcmp(key, "actions") != 0) {
			bool action_field = strcmp(key, "action") == 0 || field_by_name(key) >= 0;

			return arr_fail(&l->e, ARR_AT_KEY(ARR_NONE, key), -ZJ_EINVAL,
					"unknown field; valid: name, actions, force%s",
					action_field ? " (an action's fields belong in an object "
						       "in \"actions\")"
						     : "");
		}
		if (!json_object_is_type(v, json_type_array)) {
			return arr_fail(&l->e, w, -ZJ_EINVAL,
					"expected an array of actions, got %s", json_kind(v));
		}
		n = json_object_array_length(v);
		if (n == 0)
			return arr_fail(&l->e, w, -ZJ_EINVAL, "a rule needs at least one action");
		if (n > ZJ_ARR_ACTIONS_MAX) {
			return arr_fail(&l->e, w, -ZJ_EINVAL, "too many actions (%lu; at most %u)",
					(unsigned long)n, ZJ_ARR_ACTIONS_MAX);
		}
		rule->actions = calloc(n, sizeof(*rule->actions));
		if (!rule->actions)
			return -ZJ_ENOMEM;
		/* Where each action starts, in one walk: locating each from the top would take
		 * time in the square of the rule's size. */
		offs = calloc(n, sizeof(*offs));
		if (!offs)
			return -ZJ_ENOMEM;
		found = arr_json_elements(l->e.text, l->e.len,
					  arr_json_locate(l->e.text, l->e.len, w), offs, n);
		for (size_t i = 0; i < n; i++) {
			rule->n_actions = i + 1;
			r = load_action(l, i, i < found ? offs[i] : ARR_NONE,
					json_object_array_get_idx(v, i), &rule->actions[i]);
			if (r < 0)
				break;
			rule->needs_ctx = rule->needs_ctx || rule->actions[i].needs_ctx;
		}
		free(offs);
		if (r < 0)
			return r;
		have_actions = true;
	}
	if (!have_name || !have_actions) {
		return arr_fail(&l->e, ARR_AT(ARR_NONE, NULL, ARR_NONE), -ZJ_EINVAL,
				"a rule needs \"%s\"", have_name ? "actions" : "name");
	}
	return 0;
}

/* A syntax error: json-c's words, or ours when the text goes on after a whole object. */
static int syntax_error(const struct loader *l, enum json_tokener_error je, size_t off)
{
	char msg[MSG_MAX];
	struct arr_sb m;
	size_t value_end;
	unsigned char c = off < l->e.len ? (unsigned char)l->e.text[off] : 0;

	arr_sb_init(&m, msg, sizeof(msg));
	if (je == json_tokener_continue) {
		bool blank = true;

		for (size_t i = 0; i < l->e.len && blank; i++)
			blank = l->e.text[i] && strchr(" \t\r\n", l->e.text[i]);
		arr_sb_printf(&m, "invalid JSON: unexpected end of text%s",
			      blank ? " (a rule is a JSON object)" : "");
		off = l->e.len;
	} else if (arr_json_value_end(l->e.text, l->e.len, &value_end) && value_end <= off) {
		unsigned long vl, vc;

		arr_line_col(l->e.text, l->e.len, value_end - 1, &vl, &vc);
		arr_sb_printf(&m, "invalid JSON: unexpected ");
		if (c >= 0x20 && c < 0x7f)
			arr_sb_printf(&m, "'%c'", (char)c);
		else
			arr_sb_printf(&m, "byte 0x%02x", (unsigned)c);
		arr_sb_printf(&m, " after the end of the rule object (it closed at %lu:%lu)", vl,
			      vc);
	} else {
		arr_sb_printf(&m, "invalid JSON: %s", json_tokener_error_desc(je));
		if (c >= 0x20 && c < 0x7f)
			arr_sb_printf(&m, " at '%c'", (char)c);
		else if (off < l->e.len)
			arr_sb_printf(&m, " at byte 0x%02x", (unsigned)c);
		/* The brief's own 处置规则 does this: a "key": value inside [...]. */
		if (je == json_tokener_error_parse_array && c == ':')
			arr_sb_printf(&m, " (a \"key\": value pair belongs in an object {...}, "
					  "not in an array [...])");
	}
	return arr_fail_off(&l->e, off, ARR_AT(ARR_NONE, NULL, ARR_NONE), -ZJ_EBADMSG, "%s", msg);
}

int zj_arr_parse(const char *text, size_t len, const char *filename, struct zj_arr_rule **ret,
		 char *err, size_t errlen)
{
	return zj_arr_parse_platform(ZJ_ARR_LINUX, text, len, filename, ret, err, errlen);
}

int zj_arr_parse_platform(int platform, const char *text, size_t len, const char *filename,
			  struct zj_arr_rule **ret, char *err, size_t errlen)
{
	struct loader l = {.e = {.text = text ? text : "",
				 .len = len,
				 .filename = filename ? filename : "rule",
				 .err = err,
				 .errlen = errlen},
			   .platform = platform};
	struct json_tokener *tok;
	struct json_object *root;
	struct zj_arr_rule *rule;
	enum json_tokener_error je;
	size_t end;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!ret || (!text && len) || (platform != ZJ_ARR_LINUX && platform != ZJ_ARR_WINDOWS))
		return -ZJ_EINVAL;
	if (len > ZJ_ARR_TEXT_MAX) {
		return arr_fail(&(struct arr_err){.err = err, .errlen = errlen},
				ARR_AT(ARR_NONE, NULL, ARR_NONE), -ZJ_EBADMSG,
				"%s: the rule is too large (%lu bytes; at most %u)", l.e.filename,
				(unsigned long)len, ZJ_ARR_TEXT_MAX);
	}
	tok = json_tokener_new();
	if (!tok)
		return -ZJ_ENOMEM;
	/* Strict: no comments, no single quotes, nothing after the object; UTF-8 only. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT
#ifdef JSON_TOKENER_VALIDATE_UTF8
					    | JSON_TOKENER_VALIDATE_UTF8
#endif
	);
	root = json_tokener_parse_ex(tok, l.e.text, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || je != json_tokener_success) {
		json_object_put(root);
		return syntax_error(&l, je == json_tokener_success ? json_tokener_continue : je,
				    end);
	}
	/* json-c stops at a NUL byte without complaint. */
	if (end < len) {
		json_object_put(root);
		return syntax_error(&l, json_tokener_error_parse_unexpected, end);
	}

	rule = calloc(1, sizeof(*rule));
	if (!rule) {
		json_object_put(root);
		return -ZJ_ENOMEM;
	}
	r = load_rule(&l, root, rule);
	json_object_put(root);
	if (r < 0) {
		zj_arr_rule_free(rule);
		return r;
	}
	*ret = rule;
	return 0;
}

/* ---- checking what the values mean ----------------------------------------------------------- */

struct checker {
	const struct arr_err *e;
	size_t idx;
	const struct zj_arr_action *a;
	const struct zj_arr_action *tmpl;
	bool probe;
	bool force;
	int platform;
};

/* The value of f (index i of a list) as written: to quote, and to tell a name from a path. */
static const char *raw_value(const struct zj_arr_action *a, enum field_id f, size_t i)
{
	if (fields[f].kind == K_STR)
		return *CMEMBER(a, f, char *);
	return CMEMBER(a, f, struct zj_arr_strv)->v[i];
}

/* A value that names a path rather than a file name: "/..." or starting with ${path}... */
static bool is_path(const struct checker *c, enum field_id f, size_t i, const char *value)
{
	const char *raw;
	char scratch[8];
	struct arr_sb m;
	int first;

	/* On Windows File_Delete takes paths only (no search scopes): every entry is one. */
	if (c->platform == ZJ_ARR_WINDOWS)
		return true;
	if (!c->tmpl)
		return value[0] == '/';
	raw = raw_value(c->tmpl, f, i);
	arr_sb_init(&m, scratch, sizeof(scratch));
	if (raw[0] == '/')
		return true;
	return arr_tmpl_scan(&m, raw, &first) > 0 && first == ARR_VAR_PATH;
}

static int critical(const struct checker *c, struct arr_where w, const char *value,
		    const char *shown)
{
	char msg[MSG_MAX];
	struct arr_sb m;

	if (c->force || (c->platform == ZJ_ARR_WINDOWS ? zj_arr_is_critical_win_path(value)
						       : zj_arr_is_critical_path(value)) == 0)
		return 0;
	arr_sb_init(&m, msg, sizeof(msg));
	arr_sb_quote(&m, shown);
	return arr_fail(c->e, w, -ZJ_EINVAL,
			"%s is a system-critical path; %s changes it only if the rule says "
			"\"force\": true",
			msg, instrs[c->a->instr].name);
}

/* A path in the platform's form. */
static int check_path(const struct checker *c, struct arr_sb *m, const char *value,
		      const char *shown)
{
	if (c->platform == ZJ_ARR_WINDOWS)
		return arr_check_win_path(m, value, shown);
	return arr_check_path(m, value, shown);
}

static int check_value(const struct checker *c, enum field_id f, size_t i, const char *value)
{
	const struct zj_arr_action *a = c->a;
	struct arr_where w =
		ARR_AT(c->idx, fields[f].name, fields[f].kind == K_STRV ? i : ARR_NONE);
	const char *shown = c->probe ? raw_value(c->tmpl, f, i) : value;
	char msg[MSG_MAX];
	struct arr_sb m;
	bool path = false;
	int r = 0;

	arr_sb_init(&m, msg, sizeof(msg));
	switch (f) {
	case F_TO:
		if (a->instr == ZJ_ARR_REG_RENAME) {
			r = arr_check_reg_name(&m, value);
			break;
		}
		r = check_path(c, &m, value, shown);
		path = true;
		break;
	case F_PATH:
	case F_EXECUTABLES:
		r = check_path(c, &m, value, shown);
		path = true;
		break;
	case F_KEY:
		r = arr_check_reg_key(&m, value, a->instr, !a->value, c->force);
		break;
	case F_VALUE:
		/* "" names the key's default value */
		if (strlen(value) > fields[f].max)
			r = arr_check_text(&m, value, fields[f].max);
		break;
	case F_FILENAMES:
	case F_MODULES:
		path = is_path(c, f, i, value);
		if (path)
			r = check_path(c, &m, value, shown);
		else
			r = arr_check_filename(&m, value, shown);
		break;
	case F_NAMES:
	case F_MATCH:
	case F_TEXT:
		r = arr_check_text(&m, value, fields[f].max);
		break;
	case F_ARGS:
		if (strlen(value) > fields[f].max)
			r = arr_check_text(&m, value, fields[f].max);
		break;
	case F_APPEND:
	case F_SCRIPT:
		r = arr_check_text(&m, value, fields[f].max);
		break;
	case F_OWNER:
		r = arr_check_owner(&m, value);
		break;
	case F_DATA:
		if (a->instr == ZJ_ARR_FILE_REPAIR_MBR)
			r = arr_check_data(&m, value);
		else
			r = arr_check_reg_data(&m, value, a->value_type);
		break;
	case F_DISK:
		r = arr_check_disk(&m, value);
		break;
	case F_USER:
		r = arr_check_user(&m, value);
		break;
	case F_TASK:
		r = arr_check_task(&m, value, a->type, a->instr == ZJ_ARR_TASK_CREATE);
		break;
	case F_SCHEDULE:
		r = arr_check_schedule(&m, value, a->type);
		break;
	case F_COMMAND:
		r = arr_check_command(&m, value);
		break;
	case F_MUTEX:
		r = arr_check_mutex(&m, value);
		path = value[0] == '/';
		break;
	default:
		break;
	}
	if (r < 0)
		return arr_fail(c->e, w, r, "%s", msg);
	if (path && changes_files(a->instr) && f != F_EXECUTABLES)
		return critical(c, w, value, shown);
	return 0;
}

static int check_strings(const struct checker *c)
{
	const struct instr *in = &instrs[c->a->instr];
	int r;

	for (int f = 0; f < F_CONDITION; f++) {
		if (!(in->allowed & B(f)))
			continue;
		if (fields[f].kind == K_STR) {
			const char *s = *CMEMBER(c->a, f, char *);

			r = s ? check_value(c, (enum field_id)f, 0, s) : 0;
		} else if (fields[f].kind == K_STRV) {
			const struct zj_arr_strv *sv = CMEMBER(c->a, f, struct zj_arr_strv);

			r = 0;
			for (size_t i = 0; i < sv->n && r >= 0; i++)
				r = check_value(c, (enum field_id)f, i, sv->v[i]);
		} else if (fields[f].kind == K_PIDS) {
			r = 0;
			for (size_t i = 0; i < c->a->pids.n && r >= 0; i++) {
				int64_t pid = c->a->pids.v[i];

				if (pid == 1) {
					r = arr_fail(c->e, ARR_AT(c->idx, "pids", i), -ZJ_EINVAL,
						     "1 is init (PID 1), which zhijia never stops");
				} else if (pid < 2 || pid > ZJ_ARR_PID_MAX) {
					r = arr_fail(c->e, ARR_AT(c->idx, "pids", i), -ZJ_EINVAL,
						     "%lld is not a process id", (long long)pid);
				}
			}
		} else {
			r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int fail_action(const struct checker *c, const char *fmt, ...) ARR_PRINTF(2, 3);
static int fail_action(const struct checker *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = arr_failv(c->e, ARR_AT(c->idx, NULL, ARR_NONE), -ZJ_EINVAL, fmt, ap);
	va_end(ap);
	return r;
}

static int check_file_delete(const struct checker *c)
{
	const struct zj_arr_action *a = c->a;
	size_t names = 0, paths = 0, first_path = 0;

	for (size_t i = 0; i < a->filenames.n; i++) {
		if (is_path(c, F_FILENAMES, i, a->filenames.v[i])) {
			if (!paths++)
				first_path = i;
		} else {
			names++;
		}
	}
	if (a->cond.kind == ZJ_ARR_COND_SCOPE && paths) {
		char msg[MSG_MAX];
		struct arr_sb m;

		arr_sb_init(&m, msg, sizeof(msg));
		arr_sb_quote(&m, c->probe ? raw_value(c->tmpl, F_FILENAMES, first_path)
					  : a->filenames.v[first_path]);
		return arr_fail(c->e, ARR_AT(c->idx, "filenames", first_path), -ZJ_EINVAL,
				"%s is a path; a search scope (\"condition\") applies to file "
				"names: give names with a scope, or paths with condition \"\"",
				msg);
	}
	if (names && a->cond.kind != ZJ_ARR_COND_SCOPE) {
		return arr_fail(c->e, ARR_AT(c->idx, "condition", ARR_NONE), -ZJ_EINVAL,
				"File_Delete of file names needs a search scope; valid: alldisk, "
				"systemdisk, diskroot, alldisk_deep:N (1-100), udisk");
	}
	return 0;
}

static int check_task(const struct checker *c)
{
	const struct zj_arr_action *a = c->a;

	if (a->instr == ZJ_ARR_TASK_CREATE)
		return 0;
	if (a->match.n && a->type != ZJ_ARR_TASK_CRON) {
		return arr_fail(c->e, ARR_AT(c->idx, "match", ARR_NONE), -ZJ_EINVAL,
				"only cron entries are matched by their text; name a timer with "
				"\"task\"");
	}
	if (!a->task == !a->match.n) {
		return fail_action(c, "%s needs one of \"task\" or \"match\"%s",
				   instrs[a->instr].name, a->task ? ", not both" : "");
	}
	if (a->instr == ZJ_ARR_TASK_MODIFY) {
		if (a->schedule && !a->task) {
			return arr_fail(c->e, ARR_AT(c->idx, "schedule", ARR_NONE), -ZJ_EINVAL,
					"a new schedule needs the task named by \"task\"");
		}
		if (!a->schedule && a->enabled < 0)
			return fail_action(c, "Task_Modify needs \"schedule\" or \"enabled\"");
	}
	return 0;
}

int arr_action_check(const struct arr_err *e, size_t idx, const struct zj_arr_action *a,
		     const struct zj_arr_action *tmpl, bool probe, bool force, int platform)
{
	struct checker c = {e, idx, a, tmpl, probe && tmpl, force, platform};
	int modes, r;

	r = check_strings(&c);
	if (r < 0)
		return r;
	switch (a->instr) {
	case ZJ_ARR_FILE_MODIFY:
		if (a->offset >= 0 && !a->hex.len) {
			return arr_fail(e, ARR_AT(idx, "offset", ARR_NONE), -ZJ_EINVAL,
					"an offset needs the bytes to write there in \"hex\"");
		}
		if (a->hex.len && a->offset < 0) {
			return arr_fail(e, ARR_AT(idx, "hex", ARR_NONE), -ZJ_EINVAL,
					"bytes to write need an \"offset\"");
		}
		modes = !!a->content + !!a->append + !!a->hex.len;
		if (modes != 1) {
			return fail_action(&c,
					   "File_Modify needs %s of \"content\" (replace), "
					   "\"append\", or \"offset\" with \"hex\" (patch)",
					   modes ? "only one" : "one");
		}
		return 0;
	case ZJ_ARR_FILE_DELETE:
		return check_file_delete(&c);
	case ZJ_ARR_FILE_RENAME:
		if (strcmp(a->path, a->to) == 0) {
			return arr_fail(e, ARR_AT(idx, "to", ARR_NONE), -ZJ_EINVAL,
					"the same path as \"path\": nothing to rename");
		}
		return 0;
	case ZJ_ARR_FILE_ATTRIBUTE:
		if (platform == ZJ_ARR_WINDOWS && a->immutable < 0)
			return fail_action(&c, "File_Attribute needs \"immutable\" on windows");
		if (a->mode < 0 && !a->owner && a->immutable < 0) {
			return fail_action(&c, "File_Attribute needs at least one of \"mode\", "
					       "\"owner\", \"immutable\"");
		}
		return 0;
	case ZJ_ARR_FILE_DELTEXT:
		if (!a->text.n == !a->hex.len) {
			return fail_action(&c,
					   "File_DelText needs %s of \"text\" (lines that "
					   "contain it) or \"hex\" (bytes)",
					   a->text.n ? "only one" : "one");
		}
		return 0;
	case ZJ_ARR_FILE_REPAIR_MBR:
		if (a->cond.kind != ZJ_ARR_COND_MBR && !force) {
			return arr_fail(e, ARR_AT(idx, "condition", ARR_NONE), -ZJ_EINVAL,
					"File_repairMbr without a condition overwrites sector 0 "
					"whatever it holds; give [equal|Unequal],[offset:N],[hex "
					"bytes], or \"force\": true");
		}
		return 0;
	case ZJ_ARR_PROC_MODIFY:
	case ZJ_ARR_PROC_TERMINATE:
		if (!a->names.n && !a->pids.n && !a->executables.n) {
			return fail_action(&c,
					   "%s needs at least one of \"names\", \"pids\", "
					   "\"executables\"",
					   instrs[a->instr].name);
		}
		return 0;
	case ZJ_ARR_TASK_CREATE:
	case ZJ_ARR_TASK_MODIFY:
	case ZJ_ARR_TASK_DELETE:
		return check_task(&c);
	default:
		return 0;
	}
}

/* ---- copies, expansion, freeing -------------------------------------------------------------- */

void arr_action_clear(struct zj_arr_action *a)
{
	for (int f = 0; f < N_FIELDS; f++) {
		switch (fields[f].kind) {
		case K_STR:
			free(*MEMBER(a, f, char *));
			break;
		case K_STRV: {
			struct zj_arr_strv *sv = MEMBER(a, f, struct zj_arr_strv);

			for (size_t i = 0; i < sv->n; i++)
				free(sv->v[i]);
			free(sv->v);
			break;
		}
		case K_HEX:
			free(a->hex.data);
			break;
		case K_PIDS:
			free(a->pids.v);
			break;
		case K_NETS:
			free(MEMBER(a, f, struct zj_arr_netv)->v);
			break;
		case K_PORTS:
			free(a->ports.v);
			break;
		case K_COND:
			free(a->cond.mbr_bytes.data);
			break;
		default:
			break;
		}
	}
	memset(a, 0, sizeof(*a));
}

static int copy_string(const struct arr_err *e, struct arr_where w, const char *src,
		       const struct zj_arr_ctx *ctx, char **ret)
{
	char msg[MSG_MAX];
	struct arr_sb m;
	int r;

	if (!ctx) {
		*ret = str_dup(src);
		return *ret ? 0 : -ZJ_ENOMEM;
	}
	arr_sb_init(&m, msg, sizeof(msg));
	r = arr_tmpl_expand(&m, src, ctx, ret);
	if (r == -ZJ_EINVAL)
		return arr_fail(e, w, r, "%s", msg);
	return r;
}

static void *mem_dup(const void *src, size_t n, size_t size)
{
	void *d = malloc(n ? n * size : 1);

	if (d && n)
		memcpy(d, src, n * size);
	return d;
}

int arr_action_copy(const struct arr_err *e, size_t idx, const struct zj_arr_action *src,
		    const struct zj_arr_ctx *ctx, struct zj_arr_action *dst)
{
	int r = 0;

	*dst = *src;
	/* Own nothing yet: clear every pointer, then copy them one by one. */
	for (int f = 0; f < N_FIELDS; f++) {
		switch (fields[f].kind) {
		case K_STR:
			*MEMBER(dst, f, char *) = NULL;
			break;
		case K_STRV:
			*MEMBER(dst, f, struct zj_arr_strv) = (struct zj_arr_strv){0, NULL};
			break;
		case K_NETS:
			*MEMBER(dst, f, struct zj_arr_netv) = (struct zj_arr_netv){0, NULL};
			break;
		default:
			break;
		}
	}
	dst->hex = (struct zj_arr_bytes){0, NULL};
	dst->pids = (struct zj_arr_pidv){0, NULL};
	dst->ports = (struct zj_arr_portv){0, NULL};
	dst->cond.mbr_bytes = (struct zj_arr_bytes){0, NULL};
	if (ctx)
		dst->needs_ctx = false;

	for (int f = 0; f < N_FIELDS && r >= 0; f++) {
		const struct zj_arr_ctx *fctx =
			field_expands(src->instr, (enum field_id)f) ? ctx : NULL;

		switch (fields[f].kind) {
		case K_STR: {
			const char *s = *CMEMBER(src, f, char *);

			if (s)
				r = copy_string(e, ARR_AT(idx, fields[f].name, ARR_NONE), s, fctx,
						MEMBER(dst, f, char *));
			break;
		}
		case K_STRV: {
			const struct zj_arr_strv *sv = CMEMBER(src, f, struct zj_arr_strv);
			struct zj_arr_strv *dv = MEMBER(dst, f, struct zj_arr_strv);

			if (!sv->v)
				break;
			dv->v = calloc(sv->n ? sv->n : 1, sizeof(*dv->v));
			if (!dv->v) {
				r = -ZJ_ENOMEM;
				break;
			}
			for (size_t i = 0; i < sv->n && r >= 0; i++) {
				r = copy_string(e, ARR_AT(idx, fields[f].name, i), sv->v[i], fctx,
						&dv->v[i]);
				if (r >= 0)
					dv->n = i + 1;
			}
			break;
		}
		case K_NETS: {
			const struct zj_arr_netv *sv = CMEMBER(src, f, struct zj_arr_netv);
			struct zj_arr_netv *dv = MEMBER(dst, f, struct zj_arr_netv);

			if (!sv->v)
				break;
			dv->v = mem_dup(sv->v, sv->n, sizeof(*sv->v));
			if (!dv->v)
				r = -ZJ_ENOMEM;
			else
				dv->n = sv->n;
			break;
		}
		case K_HEX:
			if (src->hex.data) {
				dst->hex.data = mem_dup(src->hex.data, src->hex.len, 1);
				if (!dst->hex.data)
					r = -ZJ_ENOMEM;
				else
					dst->hex.len = src->hex.len;
			}
			break;
		case K_PORTS:
			if (src->ports.v) {
				dst->ports.v =
					mem_dup(src->ports.v, src->ports.n, sizeof(*src->ports.v));
				if (!dst->ports.v)
					r = -ZJ_ENOMEM;
				else
					dst->ports.n = src->ports.n;
			}
			break;
		case K_COND:
			if (src->cond.mbr_bytes.data) {
				dst->cond.mbr_bytes.data = mem_dup(src->cond.mbr_bytes.data,
								   src->cond.mbr_bytes.len, 1);
				if (!dst->cond.mbr_bytes.data)
					r = -ZJ_ENOMEM;
				else
					dst->cond.mbr_bytes.len = src->cond.mbr_bytes.len;
			}
			break;
		case K_PIDS:
			if (!src->pids.v)
				break;
			dst->pids.v = mem_dup(src->pids.v, src->pids.n, sizeof(*src->pids.v));
			if (!dst->pids.v) {
				r = -ZJ_ENOMEM;
				break;
			}
			dst->pids.n = src->pids.n;
			for (size_t i = 0; ctx && i < src->pids.n; i++) {
				int64_t *pid = &dst->pids.v[i];
				uint32_t v = *pid == ZJ_ARR_PID_ACTOR	 ? ctx->actor_pid
					     : *pid == ZJ_ARR_PID_TARGET ? ctx->target_pid
									 : 1;

				if (*pid >= 0)
					continue;
				if (!v) {
					r = arr_fail(e, ARR_AT(idx, "pids", i), -ZJ_EINVAL,
						     "%s has no value: %s",
						     *pid == ZJ_ARR_PID_ACTOR ? "${actor.pid}"
									      : "${target.pid}",
						     *pid == ZJ_ARR_PID_ACTOR
							     ? "the actor's pid is not known"
							     : "the finding has no target process");
					break;
				}
				*pid = v;
			}
			break;
		default:
			break;
		}
	}
	if (r < 0)
		arr_action_clear(dst);
	return r;
}

void zj_arr_rule_free(struct zj_arr_rule *rule)
{
	if (!rule)
		return;
	for (size_t i = 0; i < rule->n_actions; i++)
		arr_action_clear(&rule->actions[i]);
	free(rule->actions);
	free(rule->name);
	free(rule);
}
