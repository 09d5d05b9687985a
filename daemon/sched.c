/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdbool.h>
#include <string.h>

#include "zhijia/bpf_abi.h"
#include "sched.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

uint32_t zj_sched_kind(uint32_t klass, const char *path)
{
	switch (klass) {
	case ZJ_ENF_CRON:
		if (strcmp(path, "/etc/crontab") == 0 || has_prefix(path, "/etc/cron.d/"))
			return ZJ_SCHED_CRON_SYSTEM;
		/* Debian's crontabs/, Red Hat's and Kylin's /var/spool/cron/<user> */
		if (has_prefix(path, "/var/spool/cron/"))
			return ZJ_SCHED_CRON_USER;
		return ZJ_SCHED_NONE; /* cron.{hourly,daily,...}: the scripts themselves */
	case ZJ_ENF_SERVICE:
	case ZJ_ENF_TIMER:
		/* a .timer names a unit, not a program: that unit's own file is parsed */
		if (has_suffix(path, ".service") || has_suffix(path, ".socket") ||
		    has_suffix(path, ".conf") /* drop-ins: x.service.d/override.conf */)
			return ZJ_SCHED_UNIT;
		return ZJ_SCHED_NONE;
	case ZJ_ENF_PRELOAD:
		return ZJ_SCHED_PRELOAD;
	default:
		return ZJ_SCHED_NONE;
	}
}

static void add(struct zj_sched *s, const char *p, size_t len)
{
	if (len == 0 || p[0] != '/')
		return;
	if (len >= ZJ_SCHED_PATH_MAX || memchr(p, '\0', len)) {
		s->dropped++;
		return;
	}
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->path[i]) == len && memcmp(s->path[i], p, len) == 0)
			return;
	if (s->n == ZJ_SCHED_MAX) {
		s->dropped++;
		return;
	}
	memcpy(s->path[s->n], p, len);
	s->path[s->n][len] = '\0';
	s->n++;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One word of [p, end): its start and length; *p moves past it and the blanks after. */
static bool next_word(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	const char *s;

	while (*p < end && blank(**p))
		(*p)++;
	if (*p >= end)
		return false;
	s = *p;
	while (*p < end && !blank(**p))
		(*p)++;
	*ret = s;
	*ret_len = (size_t)(*p - s);
	while (*p < end && blank(**p))
		(*p)++;
	return true;
}

/* Characters that make a shell word mean more than its letters: such a word is not taken. */
static bool plain_word(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (strchr("\"'`$\\;&|<>(){}*?[]~%", w[i]) || (unsigned char)w[i] < 0x20)
			return false;
	return true;
}

/* A shell or script interpreter as a command's first word: its first operand is the program. */
static bool interpreter(const char *w, size_t len)
{
	static const char *const names[] = {"sh",     "bash",	 "dash",    "ksh",  "zsh",
					    "python", "python3", "python2", "perl", "ruby",
					    "php",    "lua",	 "node",    NULL};
	const char *base = w;

	for (size_t i = 0; i < len; i++)
		if (w[i] == '/')
			base = w + i + 1;
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == (size_t)(w + len - base) &&
		    memcmp(names[i], base, (size_t)(w + len - base)) == 0)
			return true;
	return false;
}

/*
 * A command line as a shell would run it (cron's): the first word when it is a plain absolute
 * path; and after an interpreter (sh /x/y.sh, /usr/bin/python3 /x/y.py) its first operand that
 * does not start with '-' (sh -c '...' takes none: its operand is a script text).
 */
static void command(struct zj_sched *s, const char *p, const char *end)
{
	const char *w;
	size_t len;

	if (!next_word(&p, end, &w, &len) || !plain_word(w, len))
		return;
	add(s, w, len);
	if (!interpreter(w, len))
		return;
	while (next_word(&p, end, &w, &len)) {
		if (w[0] == '-') {
			if (len == 2 && w[1] == 'c')
				return;
			continue;
		}
		if (plain_word(w, len))
			add(s, w, len);
		return;
	}
}

/* NAME=value (cron's environment settings): no command. */
static bool assignment(const char *p, const char *end)
{
	if (p >= end || !(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		return false;
	while (p < end && (*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9')))
		p++;
	while (p < end && blank(*p))
		p++;
	return p < end && *p == '=';
}

static void cron_line(struct zj_sched *s, const char *p, const char *end, bool user_field)
{
	const char *w, *pct;
	size_t len;
	int fields;

	while (p < end && blank(*p))
		p++;
	if (p >= end || *p == '#' || assignment(p, end))
		return;
	/* '%' ends the command (the rest is its standard input) */
	pct = memchr(p, '%', (size_t)(end - p));
	if (pct)
		end = pct;
	fields = *p == '@' ? 1 : 5; /* @reboot, @daily ... or five time fields */
	fields += user_field;
	for (int i = 0; i < fields; i++)
		if (!next_word(&p, end, &w, &len))
			return;
	command(s, p, end);
}

static const char *const exec_keys[] = {"ExecStart", "ExecStartPre", "ExecStartPost", NULL};

/*
 * "ExecStart=-/usr/bin/x --flag" in [Service] (ExecStartPre= also in [Socket]): the first
 * word after systemd's prefixes (@-:+!).
 */
static void unit_line(struct zj_sched *s, const char *p, const char *end, bool in_service)
{
	const char *key = p, *q;
	size_t klen;
	bool known = false;

	while (p < end && *p != '=' && !blank(*p))
		p++;
	klen = (size_t)(p - key);
	for (size_t i = 0; exec_keys[i]; i++)
		known |= strlen(exec_keys[i]) == klen && memcmp(exec_keys[i], key, klen) == 0;
	if (!known || !in_service)
		return;
	while (p < end && blank(*p))
		p++;
	if (p >= end || *p != '=')
		return;
	p++;
	while (p < end && blank(*p))
		p++;
	while (p < end && strchr("@-:+!", *p))
		p++;
	if (p < end && *p == '"') {
		q = memchr(p + 1, '"', (size_t)(end - p - 1));
		if (q && plain_word(p + 1, (size_t)(q - p - 1)) &&
		    !memchr(p + 1, ' ', (size_t)(q - p - 1)))
			add(s, p + 1, (size_t)(q - p - 1));
		return;
	}
	for (q = p; q < end && !blank(*q); q++)
		;
	if (plain_word(p, (size_t)(q - p)))
		add(s, p, (size_t)(q - p));
}

static void preload_text(struct zj_sched *s, const char *p, const char *end)
{
	while (p < end) {
		const char *w;

		while (p < end && (blank(*p) || *p == ':' || *p == '\n' || *p == '\r'))
			p++;
		w = p;
		while (p < end && !(blank(*p) || *p == ':' || *p == '\n' || *p == '\r'))
			p++;
		if (p > w && plain_word(w, (size_t)(p - w)))
			add(s, w, (size_t)(p - w));
	}
}

void zj_sched_parse(uint32_t kind, const char *text, size_t len, struct zj_sched *ret)
{
	const char *p = text, *end;
	bool in_service = false;

	memset(ret, 0, sizeof(*ret));
	if (len > ZJ_SCHED_TEXT_MAX)
		len = ZJ_SCHED_TEXT_MAX;
	end = text + len;
	if (kind == ZJ_SCHED_PRELOAD) {
		preload_text(ret, p, end);
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p;

		if (le > p && le[-1] == '\r')
			le--;
		switch (kind) {
		case ZJ_SCHED_CRON_SYSTEM:
		case ZJ_SCHED_CRON_USER:
			cron_line(ret, p, le, kind == ZJ_SCHED_CRON_SYSTEM);
			break;
		case ZJ_SCHED_UNIT:
			while (q < le && blank(*q))
				q++;
			if (q < le && *q == '[')
				in_service =
					((size_t)(le - q) >= 9 && memcmp(q, "[Service]", 9) == 0) ||
					((size_t)(le - q) >= 8 && memcmp(q, "[Socket]", 8) == 0);
			else if (q < le && *q != '#' && *q != ';')
				unit_line(ret, q, le, in_service);
			break;
		default:
			return;
		}
		p = nl ? nl + 1 : end;
	}
}
