/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Messages and positions for the ARR parser.  json-c says where a syntax error is but keeps no
 * positions for the values it builds, so a schema error is placed by walking the text (by then
 * known to be valid JSON) along the error's path: "actions", the action's index, the field,
 * the list index.  The same small scanner checks the keys of the objects the schema reads:
 * json-c keeps only the last of two equal keys, which would let a rule say one thing to a
 * reviewer and another to zhijia.
 */
#include <stdio.h>
#include <string.h>

#include "arr-internal.h"
#include "zhijia/errors.h"

#define KEY_MAX 64  /* bytes of a key compared; every field name is shorter */
#define KEYS_MAX 64 /* keys of one object checked */
#define NEST_MAX 64 /* nesting the scanner follows (json-c's own limit is 32) */

/* ---- the message buffer ---------------------------------------------------------------------- */

void arr_sb_init(struct arr_sb *sb, char *buf, size_t cap)
{
	sb->buf = cap ? buf : NULL;
	sb->cap = buf ? cap : 0;
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static void sb_vprintf(struct arr_sb *sb, const char *fmt, va_list ap) ARR_PRINTF(2, 0);
static void sb_vprintf(struct arr_sb *sb, const char *fmt, va_list ap)
{
	size_t room = sb->len < sb->cap ? sb->cap - sb->len : 0;
	int n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap);

	if (n > 0)
		sb->len += (size_t)n;
}

void arr_sb_printf(struct arr_sb *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

/* The length of the valid UTF-8 sequence at s, or 0. */
size_t arr_utf8_seq(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void arr_sb_escaped(struct arr_sb *sb, const char *value, size_t len)
{
	const unsigned char *p = (const unsigned char *)value;

	for (size_t i = 0; i < len;) {
		size_t n = p[i] ? arr_utf8_seq(p + i) : 0;

		if (n == 0 || i + n > len || p[i] < 0x20 || p[i] == 0x7f) {
			arr_sb_printf(sb, "\\x%02x", (unsigned)p[i]);
			i++;
			continue;
		}
		arr_sb_printf(sb, "%.*s", (int)n, value + i);
		i += n;
	}
}

void arr_sb_quote(struct arr_sb *sb, const char *value)
{
	size_t len = strlen(value), n = len;

	if (n > ARR_SHOWN) {
		n = ARR_SHOWN;
		/* Do not cut a UTF-8 sequence in two. */
		while (n > 0 && ((unsigned char)value[n] & 0xc0) == 0x80)
			n--;
	}
	arr_sb_printf(sb, "'");
	arr_sb_escaped(sb, value, n);
	arr_sb_printf(sb, "%s'", n < len ? "..." : "");
}

/* ---- line and column ------------------------------------------------------------------------- */

void arr_line_col(const char *s, size_t len, size_t off, unsigned long *ret_line,
		  unsigned long *ret_col)
{
	unsigned long line = 1, col = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	*ret_line = line;
	*ret_col = col;
}

/* ---- scanning valid JSON --------------------------------------------------------------------- */

struct js {
	const char *s;
	size_t len;
	size_t i;
};

static void js_ws(struct js *j)
{
	while (j->i < j->len && strchr(" \t\r\n", j->s[j->i]) && j->s[j->i])
		j->i++;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool js_u4(struct js *j, unsigned long *ret)
{
	unsigned long v = 0;

	if (j->len - j->i < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		int d = hex_digit(j->s[j->i + (size_t)k]);

		if (d < 0)
			return false;
		v = v * 16 + (unsigned long)d;
	}
	j->i += 4;
	*ret = v;
	return true;
}

static size_t utf8_put(unsigned long cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The string at j->i, decoded into out (cap bytes, NUL-terminated) if out is not NULL.
 * *ret_fits: it fitted; *ret_nul: it holds a NUL (written as \u0000).
 */
static bool js_string(struct js *j, char *out, size_t cap, bool *ret_fits, bool *ret_nul)
{
	size_t o = 0;
	bool fits = true, nul = false;

	if (j->i >= j->len || j->s[j->i] != '"')
		return false;
	j->i++;
	while (j->i < j->len) {
		char c = j->s[j->i++], tmp[4];
		size_t n = 1;

		if (c == '"') {
			if (out && cap)
				out[o] = '\0';
			if (ret_fits)
				*ret_fits = fits;
			if (ret_nul)
				*ret_nul = nul;
			return true;
		}
		tmp[0] = c;
		if (c == '\\') {
			unsigned long cp, lo;

			if (j->i >= j->len)
				return false;
			c = j->s[j->i++];
			switch (c) {
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'n':
				tmp[0] = '\n';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case 'u':
				if (!js_u4(j, &cp))
					return false;
				if (cp >= 0xd800 && cp < 0xdc00 && j->len - j->i >= 6 &&
				    j->s[j->i] == '\\' && j->s[j->i + 1] == 'u') {
					struct js peek = {j->s, j->len, j->i + 2};

					if (js_u4(&peek, &lo) && lo >= 0xdc00 && lo < 0xe000) {
						cp = 0x10000 + ((cp - 0xd800) << 10) +
						     (lo - 0xdc00);
						j->i = peek.i;
					}
				}
				n = utf8_put(cp, tmp);
				break;
			default:
				tmp[0] = c; /* \" \\ \/ */
				break;
			}
		}
		for (size_t k = 0; k < n; k++) {
			if (tmp[k] == '\0')
				nul = true;
			if (!out)
				continue;
			if (o + 1 < cap)
				out[o++] = tmp[k];
			else
				fits = false;
		}
	}
	return false;
}

static bool js_skip(struct js *j, unsigned depth)
{
	char open, close;

	js_ws(j);
	if (j->i >= j->len)
		return false;
	open = j->s[j->i];
	if (open == '"')
		return js_string(j, NULL, 0, NULL, NULL);
	if (open != '{' && open != '[') {
		size_t start = j->i;

		/* A number, true, false or null: up to the next delimiter. */
		while (j->i < j->len && !strchr(",]} \t\r\n", j->s[j->i]) && j->s[j->i])
			j->i++;
		return j->i > start;
	}
	if (depth >= NEST_MAX)
		return false;
	close = open == '{' ? '}' : ']';
	j->i++;
	js_ws(j);
	if (j->i < j->len && j->s[j->i] == close) {
		j->i++;
		return true;
	}
	for (;;) {
		js_ws(j);
		if (open == '{') {
			if (!js_string(j, NULL, 0, NULL, NULL))
				return false;
			js_ws(j);
			if (j->i >= j->len || j->s[j->i] != ':')
				return false;
			j->i++;
		}
		if (!js_skip(j, depth + 1))
			return false;
		js_ws(j);
		if (j->i >= j->len)
			return false;
		if (j->s[j->i] == ',') {
			j->i++;
			continue;
		}
		if (j->s[j->i] != close)
			return false;
		j->i++;
		return true;
	}
}

bool arr_json_value_end(const char *s, size_t len, size_t *ret_end)
{
	struct js j = {s, len, 0};

	if (!js_skip(&j, 0))
		return false;
	*ret_end = j.i;
	return true;
}

/*
 * In the object at j->i, the member named key: *ret_key at its key, j->i at its value.
 * The first one: the objects the schema reads have no duplicates (arr_json_check_keys()).
 */
static bool js_member(struct js *j, const char *key, size_t *ret_key)
{
	if (j->i >= j->len || j->s[j->i] != '{')
		return false;
	j->i++;
	for (;;) {
		char name[KEY_MAX];
		size_t kpos;
		bool fits, nul;

		js_ws(j);
		if (j->i >= j->len || j->s[j->i] == '}')
			return false;
		kpos = j->i;
		if (!js_string(j, name, sizeof(name), &fits, &nul))
			return false;
		js_ws(j);
		if (j->i >= j->len || j->s[j->i] != ':')
			return false;
		j->i++;
		js_ws(j);
		if (fits && !nul && strcmp(name, key) == 0) {
			*ret_key = kpos;
			return true;
		}
		if (!js_skip(j, 0))
			return false;
		js_ws(j);
		if (j->i < j->len && j->s[j->i] == ',')
			j->i++;
	}
}

static bool js_element(struct js *j, size_t index)
{
	if (j->i >= j->len || j->s[j->i] != '[')
		return false;
	j->i++;
	for (size_t n = 0;; n++) {
		js_ws(j);
		if (j->i >= j->len || j->s[j->i] == ']')
			return false;
		if (n == index)
			return true;
		if (!js_skip(j, 0))
			return false;
		js_ws(j);
		if (j->i < j->len && j->s[j->i] == ',')
			j->i++;
	}
}

size_t arr_json_locate(const char *s, size_t len, struct arr_where w)
{
	struct js j = {s, len, 0};
	size_t pos, key;

	js_ws(&j);
	pos = j.i;
	if (w.action != ARR_NONE) {
		if (!js_member(&j, "actions", &key))
			return pos;
		pos = j.i;
		if (!js_element(&j, w.action))
			return pos;
		pos = j.i;
	}
	if (w.field) {
		if (!js_member(&j, w.field, &key))
			return pos;
		if (w.at_key && w.index == ARR_NONE)
			return key;
		pos = j.i;
	}
	if (w.index != ARR_NONE) {
		if (!js_element(&j, w.index))
			return pos;
		pos = j.i;
	}
	return pos;
}

size_t arr_json_elements(const char *s, size_t len, size_t off, size_t *ret_offs, size_t max)
{
	struct js j = {s, len, off};
	size_t n = 0;

	if (j.i >= len || s[j.i] != '[')
		return 0;
	j.i++;
	for (;;) {
		js_ws(&j);
		if (j.i >= len || s[j.i] == ']' || n >= max)
			return n;
		ret_offs[n++] = j.i;
		if (!js_skip(&j, 0))
			return n;
		js_ws(&j);
		if (j.i < len && s[j.i] == ',')
			j.i++;
	}
}

int arr_json_check_keys(const char *s, size_t len, size_t off, size_t max, size_t *ret_off,
			char *ret_key, size_t keylen)
{
	char keys[KEYS_MAX][KEY_MAX];
	bool fitted[KEYS_MAX];
	struct js j = {s, len, off};

	if (max > KEYS_MAX)
		max = KEYS_MAX;
	if (j.i >= len || s[j.i] != '{')
		return 0;
	j.i++;
	for (size_t n = 0;; n++) {
		char other[KEY_MAX];
		char *name = n < max ? keys[n] : other;
		size_t kpos;
		bool fits, nul;

		js_ws(&j);
		if (j.i >= len || s[j.i] == '}')
			return 0;
		kpos = j.i;
		if (!js_string(&j, name, KEY_MAX, &fits, &nul))
			return 0;
		*ret_off = kpos;
		if (n >= max)
			return 3;
		if (nul)
			return 2;
		fitted[n] = fits;
		for (size_t k = 0; fits && k < n; k++) {
			if (fitted[k] && strcmp(keys[k], name) == 0) {
				if (ret_key && keylen)
					snprintf(ret_key, keylen, "%s", name);
				return 1;
			}
		}
		js_ws(&j);
		if (j.i >= len || s[j.i] != ':')
			return 0;
		j.i++;
		if (!js_skip(&j, 0))
			return 0;
		js_ws(&j);
		if (j.i < len && s[j.i] == ',')
			j.i++;
	}
}

/* ---- saying what is wrong, and where --------------------------------------------------------- */

static int fail_at(const struct arr_err *e, size_t off, struct arr_where w, int code,
		   const char *fmt, va_list ap) ARR_PRINTF(5, 0);
static int fail_at(const struct arr_err *e, size_t off, struct arr_where w, int code,
		   const char *fmt, va_list ap)
{
	struct arr_sb sb;
	bool path = false;

	if (!e || !e->err || !e->errlen)
		return code;
	arr_sb_init(&sb, e->err, e->errlen);
	if (e->text) {
		unsigned long line, col;

		if (off == ARR_NONE)
			off = arr_json_locate(e->text, e->len, w);
		arr_line_col(e->text, e->len, off, &line, &col);
		arr_sb_printf(&sb, "%s:%lu:%lu: ", e->filename ? e->filename : "rule", line, col);
	}
	if (w.action != ARR_NONE) {
		arr_sb_printf(&sb, "actions[%lu]", (unsigned long)w.action);
		path = true;
	}
	if (w.field) {
		/* A key may be anything the rule's author typed: escaped, and cut. */
		size_t n = strlen(w.field);

		arr_sb_printf(&sb, "%s", path ? "." : "");
		arr_sb_escaped(&sb, w.field, n < ARR_SHOWN ? n : ARR_SHOWN);
		if (n > ARR_SHOWN)
			arr_sb_printf(&sb, "...");
		path = true;
	}
	if (w.index != ARR_NONE)
		arr_sb_printf(&sb, "[%lu]", (unsigned long)w.index);
	if (path)
		arr_sb_printf(&sb, ": ");
	sb_vprintf(&sb, fmt, ap);
	return code;
}

int arr_failv(const struct arr_err *e, struct arr_where w, int code, const char *fmt, va_list ap)
{
	return fail_at(e, ARR_NONE, w, code, fmt, ap);
}

int arr_fail_off(const struct arr_err *e, size_t off, struct arr_where w, int code, const char *fmt,
		 ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = fail_at(e, off, w, code, fmt, ap);
	va_end(ap);
	return code;
}

int arr_fail(const struct arr_err *e, struct arr_where w, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = arr_failv(e, w, code, fmt, ap);
	va_end(ap);
	return code;
}
