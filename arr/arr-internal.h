/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the portable files of arr/: messages, JSON positions, value syntax, variables.
 * Not installed; nothing here is part of the API.
 */
#ifndef ZHIJIA_ARR_INTERNAL_H
#define ZHIJIA_ARR_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zhijia/arr.h"

#if defined(__MINGW32__)
#define ARR_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define ARR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ARR_PRINTF(a, b)
#endif

#define ARR_NONE SIZE_MAX /* no action index / no list index */
#define ARR_SHOWN 64	  /* bytes of a user's value quoted back in a message */

/* ---- a bounded message buffer ---------------------------------------------------------------- */

struct arr_sb {
	char *buf; /* may be NULL: then only the length is counted */
	size_t cap;
	size_t len; /* what was written, or would have been */
};

void arr_sb_init(struct arr_sb *sb, char *buf, size_t cap);
void arr_sb_printf(struct arr_sb *sb, const char *fmt, ...) ARR_PRINTF(2, 3);
/* value quoted in single quotes, control bytes as \xNN, cut at ARR_SHOWN bytes with "...". */
void arr_sb_quote(struct arr_sb *sb, const char *value);
/* len bytes of value, with control bytes and bytes that are not UTF-8 as \xNN. */
void arr_sb_escaped(struct arr_sb *sb, const char *value, size_t len);
/* The length of the valid UTF-8 sequence at s (which is NUL-terminated), or 0. */
size_t arr_utf8_seq(const unsigned char *s);

/* ---- where an error is, and saying it -------------------------------------------------------- */

/* The JSON text being parsed (NULL text: there is none, as in zj_arr_expand()). */
struct arr_err {
	const char *text;
	size_t len;
	const char *filename;
	char *err;
	size_t errlen;
};

/* actions[action].field[index], or the key of it (at_key). */
struct arr_where {
	size_t action;	   /* ARR_NONE: the top level */
	const char *field; /* NULL: the object itself */
	size_t index;	   /* ARR_NONE: the field itself */
	bool at_key;
};

#define ARR_AT(a, f, i) ((struct arr_where){(a), (f), (i), false})
#define ARR_AT_KEY(a, f) ((struct arr_where){(a), (f), ARR_NONE, true})

/* Write "[FILE:LINE:COL: ]PATH: message" and return code (a negative errno). */
int arr_fail(const struct arr_err *e, struct arr_where w, int code, const char *fmt, ...)
	ARR_PRINTF(4, 5);
/* The same, placed at offset off of the text rather than at w's place. */
int arr_fail_off(const struct arr_err *e, size_t off, struct arr_where w, int code, const char *fmt,
		 ...) ARR_PRINTF(5, 6);
int arr_failv(const struct arr_err *e, struct arr_where w, int code, const char *fmt, va_list ap)
	ARR_PRINTF(4, 0);

/* ---- positions in JSON text json-c accepted (arr-json.c) ------------------------------------- */

/* 1-based line and column (in characters) of offset off. */
void arr_line_col(const char *s, size_t len, size_t off, unsigned long *ret_line,
		  unsigned long *ret_col);
/* Offset of w's value (or key) in s; the deepest place reached if the walk stops early. */
size_t arr_json_locate(const char *s, size_t len, struct arr_where w);
/* Offsets of the first max elements of the array at offset off (one walk): how many. */
size_t arr_json_elements(const char *s, size_t len, size_t off, size_t *ret_offs, size_t max);
/*
 * Check the keys of the object at offset off: 0 when fine; 1 when a key occurs twice (*ret_off:
 * the second one, key copied to ret_key); 2 when a key holds a NUL; 3 when there are more than
 * max keys (*ret_off: the first one too many).
 */
int arr_json_check_keys(const char *s, size_t len, size_t off, size_t max, size_t *ret_off,
			char *ret_key, size_t keylen);
/* Where the first complete JSON value of s ends (offset after it); false if it does not. */
bool arr_json_value_end(const char *s, size_t len, size_t *ret_end);

/* ---- value syntax (arr-syntax.c); each writes why into m and returns -EINVAL ----------------- */

bool arr_streq_ci(const char *a, const char *b);
/* -1 when name is not one of the NULL-terminated words (compared ignoring ASCII case). */
int arr_keyword(const char *name, const char *const *words);

int arr_check_path(struct arr_sb *m, const char *value, const char *shown);
int arr_check_filename(struct arr_sb *m, const char *value, const char *shown);
/* A local drive-letter Windows path, "C:\\dir\\file" (arr-winpath.c). */
int arr_check_win_path(struct arr_sb *m, const char *value, const char *shown);
int arr_check_text(struct arr_sb *m, const char *value, size_t max);
int arr_check_sha256(struct arr_sb *m, const char *value);
int arr_check_owner(struct arr_sb *m, const char *value);
int arr_check_user(struct arr_sb *m, const char *value);
int arr_check_mode(struct arr_sb *m, const char *value, int32_t *ret_mode);
int arr_check_data(struct arr_sb *m, const char *value);
/* Registry (arr-reg.c): a key path (Reg_Delete and Reg_Rename of a hive's top keys need
 * force), a new key or value name, a value's data for its type. */
/* whole: the action removes or renames the key itself (no "value") */
int arr_check_reg_key(struct arr_sb *m, const char *value, enum zj_arr_instr instr, bool whole,
		      bool force);
int arr_check_reg_name(struct arr_sb *m, const char *value);
int arr_check_reg_data(struct arr_sb *m, const char *value, enum zj_arr_value_type type);
int arr_check_disk(struct arr_sb *m, const char *value);
int arr_check_task(struct arr_sb *m, const char *value, enum zj_arr_task_type type, bool creating);
int arr_check_schedule(struct arr_sb *m, const char *value, enum zj_arr_task_type type);
int arr_check_command(struct arr_sb *m, const char *value);
/* vid:pid is lowered in place. */
int arr_check_device(struct arr_sb *m, char *value);
int arr_check_mutex(struct arr_sb *m, const char *value);
/* Script_File: an absolute path or file:///path; *ret_path is the malloc()ed local path. */
int arr_script_location(struct arr_sb *m, const char *value, char **ret_path);
int arr_parse_hex(struct arr_sb *m, const char *value, size_t max, struct zj_arr_bytes *ret);
int arr_parse_net(struct arr_sb *m, const char *value, struct zj_arr_net *ret);
int arr_parse_port_range(struct arr_sb *m, const char *value, struct zj_arr_port_range *ret);
/* The "condition" of a file search or of File_repairMbr. */
int arr_parse_scope(struct arr_sb *m, const char *value, struct zj_arr_cond *ret);
int arr_parse_mbr(struct arr_sb *m, const char *value, struct zj_arr_cond *ret);

/* ---- variables (arr-expand.c) ---------------------------------------------------------------- */

enum arr_var_kind {
	ARR_VAR_PID,
	ARR_VAR_PATH, /* always an absolute path */
	ARR_VAR_TEXT,
};

/*
 * Scan a template: the number of variables in it (0: a literal, to be unescaped with
 * arr_tmpl_unescape()), or -EINVAL with why in m (unknown or unterminated variable).
 * *ret_first_kind: the kind of a variable the value starts with, or -1.
 */
int arr_tmpl_scan(struct arr_sb *m, const char *s, int *ret_first_kind);
/* "$${" -> "${" in place. */
void arr_tmpl_unescape(char *s);
/* A dotted variable (${actor.*}, ${target.*}) in s, for fields that never expand; its name. */
const char *arr_tmpl_dotted_var(const char *s);
/* The pid variable s is exactly, ZJ_ARR_PID_ACTOR / _TARGET, or 0. */
int64_t arr_tmpl_pid_var(const char *s);
/* Expand s with ctx into a malloc()ed string: 0, -EINVAL (a variable without a value, why in
 * m), -ENOMEM. */
int arr_tmpl_expand(struct arr_sb *m, const char *s, const struct zj_arr_ctx *ctx, char **ret);
/* The context used to check a template at parse time: every variable has a harmless value
 * (paths in the platform's form: ZJ_ARR_LINUX, ZJ_ARR_WINDOWS). */
const struct zj_arr_ctx *arr_probe_ctx(int platform);

/* ---- rules (arr.c) --------------------------------------------------------------------------- */

/*
 * Validate an action's values and the relations between its fields.  tmpl (may be NULL) is
 * the action as written when a is its expansion: a template's form decides what a value is (a
 * file name or a path), and with probe (a was expanded with arr_probe_ctx()'s stand-ins)
 * messages quote the template instead of the stand-in.  force: the rule's "force".
 * platform: ZJ_ARR_LINUX (POSIX paths, arr-critical.c) or ZJ_ARR_WINDOWS (drive-letter paths,
 * arr-winpath.c).
 */
int arr_action_check(const struct arr_err *e, size_t idx, const struct zj_arr_action *a,
		     const struct zj_arr_action *tmpl, bool probe, bool force, int platform);
void arr_action_clear(struct zj_arr_action *a);
/*
 * Copy src into dst (zeroed), expanding the [var] fields with ctx when ctx is not NULL.
 * 0, -EINVAL (why at e), -ENOMEM.
 */
int arr_action_copy(const struct arr_err *e, size_t idx, const struct zj_arr_action *src,
		    const struct zj_arr_ctx *ctx, struct zj_arr_action *dst);

#endif /* ZHIJIA_ARR_INTERNAL_H */
