/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The syntax of ARR values: paths, names, owners, modes, hex bytes, addresses, ports, cron and
 * timer schedules, the two condition forms.  Each check writes a sentence into the message
 * buffer and returns -EINVAL; the caller prefixes where the value was.  Nothing here asks the
 * system anything: whether a user exists or a disk is there is for the back end to find out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr-internal.h"
#include "zhijia/errors.h"

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_SPACE(c) ((c) == ' ' || (c) == '\t')

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int hex_value(char c)
{
	if (IS_DIGIT(c))
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool arr_streq_ci(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

/* Compare the n bytes at a with the word w, ignoring ASCII case. */
static bool word_ci(const char *a, size_t n, const char *w)
{
	size_t wl = strlen(w);

	if (n != wl)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(w[i]))
			return false;
	return true;
}

int arr_keyword(const char *name, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (arr_streq_ci(name, words[i]))
			return i;
	return -1;
}

static int fail(struct arr_sb *m, const char *fmt, ...) ARR_PRINTF(2, 3);
static int fail(struct arr_sb *m, const char *fmt, ...)
{
	va_list ap;
	size_t room = m->len < m->cap ? m->cap - m->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? m->buf + m->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->len += (size_t)n;
	return -ZJ_EINVAL;
}

static bool has_control(const char *s, bool tab_ok)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f)
			return true;
	}
	return false;
}

/* ---- paths and names ------------------------------------------------------------------------- */

int arr_check_path(struct arr_sb *m, const char *value, const char *shown)
{
	size_t len = strlen(value), comp = 0;

	if (!shown)
		shown = value;
	if (value[0] != '/') {
		arr_sb_quote(m, shown);
		return fail(m, " is not an absolute path");
	}
	if (len > ZJ_ARR_PATH_MAX) {
		return fail(m, "the path is too long (%lu bytes; at most %u)", (unsigned long)len,
			    ZJ_ARR_PATH_MAX);
	}
	if (len > 1 && value[len - 1] == '/')
		goto unnormal;
	for (const char *p = value + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			const char *c = p - comp;

			if (comp == 0 && *p == '/')
				goto unnormal;
			if ((comp == 1 && c[0] == '.') || (comp == 2 && c[0] == '.' && c[1] == '.'))
				goto unnormal;
			if (comp > ZJ_ARR_FILENAME_MAX) {
				arr_sb_quote(m, shown);
				return fail(m, " has a name longer than %u bytes",
					    ZJ_ARR_FILENAME_MAX);
			}
			if (*p == '\0')
				return 0;
			comp = 0;
		} else {
			comp++;
		}
	}
unnormal:
	arr_sb_quote(m, shown);
	return fail(m, " is not a normalised path (no '//', '.' or '..' parts, no trailing '/')");
}

int arr_check_filename(struct arr_sb *m, const char *value, const char *shown)
{
	size_t len = strlen(value);

	if (!shown)
		shown = value;
	if (len == 0)
		return fail(m, "a file name must not be empty");
	if (strchr(value, '/')) {
		arr_sb_quote(m, shown);
		return fail(m, " is not a file name: it holds a '/' (absolute paths start with "
			       "'/')");
	}
	if (strcmp(value, ".") == 0 || strcmp(value, "..") == 0) {
		arr_sb_quote(m, shown);
		return fail(m, " is not a file name");
	}
	if (len > ZJ_ARR_FILENAME_MAX) {
		return fail(m, "the file name is too long (%lu bytes; at most %u)",
			    (unsigned long)len, ZJ_ARR_FILENAME_MAX);
	}
	return 0;
}

int arr_check_text(struct arr_sb *m, const char *value, size_t max)
{
	size_t len = strlen(value);

	if (len == 0)
		return fail(m, "must not be empty");
	if (len > max)
		return fail(m, "too long (%lu bytes; at most %lu)", (unsigned long)len,
			    (unsigned long)max);
	return 0;
}

int arr_check_sha256(struct arr_sb *m, const char *value)
{
	size_t n = 0;

	for (; value[n]; n++)
		if (hex_value(value[n]) < 0)
			break;
	if (n != 64 || value[n]) {
		arr_sb_quote(m, value);
		return fail(m, " is not a SHA-256 digest (64 hex digits)");
	}
	return 0;
}

/* A user or group: a name as useradd takes it, or a number. */
static bool id_ok(const char *s, size_t n)
{
	bool digits = true;

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		digits = digits && IS_DIGIT(s[i]);
	if (digits)
		return n < 10 || (n == 10 && strncmp(s, "4294967295", 10) < 0);
	if (!(IS_ALPHA(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (IS_ALPHA(c) || IS_DIGIT(c) || c == '_' || c == '-' || c == '.')
			continue;
		if (c == '$' && i == n - 1)
			continue;
		return false;
	}
	return true;
}

int arr_check_user(struct arr_sb *m, const char *value)
{
	if (!id_ok(value, strlen(value))) {
		arr_sb_quote(m, value);
		return fail(m, " is not a user name or id");
	}
	return 0;
}

int arr_check_owner(struct arr_sb *m, const char *value)
{
	const char *colon = strchr(value, ':');
	size_t ul = colon ? (size_t)(colon - value) : strlen(value);
	bool ok = true;

	if (ul)
		ok = id_ok(value, ul);
	if (colon)
		ok = ok && id_ok(colon + 1, strlen(colon + 1));
	else
		ok = ok && ul;
	if (!ok) {
		arr_sb_quote(m, value);
		return fail(m, " is not an owner; valid: \"user\", \"user:group\", \":group\" "
			       "(names or numbers)");
	}
	return 0;
}

int arr_check_mode(struct arr_sb *m, const char *value, int32_t *ret_mode)
{
	int32_t mode = 0;
	size_t n = strlen(value);

	if (n == 0 || n > 5)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (value[i] < '0' || value[i] > '7')
			goto bad;
		mode = mode * 8 + (value[i] - '0');
	}
	if (mode > 07777)
		goto bad;
	*ret_mode = mode;
	return 0;
bad:
	arr_sb_quote(m, value);
	return fail(m, " is not a file mode; give octal digits in a string, like \"0644\"");
}

int arr_check_data(struct arr_sb *m, const char *value)
{
	if (arr_streq_ci(value, "backup"))
		return 0;
	if (value[0] != '/') {
		arr_sb_quote(m, value);
		return fail(m,
			    " is neither \"backup\" (zhijia's copy of sector 0) nor the absolute "
			    "path of a sector image");
	}
	return arr_check_path(m, value, NULL);
}

int arr_check_disk(struct arr_sb *m, const char *value)
{
	if (strncmp(value, "/dev/", 5) != 0 || !value[5]) {
		arr_sb_quote(m, value);
		return fail(m, " is not a disk; name its device, like \"/dev/sda\"");
	}
	return arr_check_path(m, value, NULL);
}

/* ---- scheduled tasks ------------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int arr_check_task(struct arr_sb *m, const char *value, enum zj_arr_task_type type, bool creating)
{
	size_t n = strlen(value);

	if (n == 0)
		return fail(m, "must not be empty");
	if (n > ZJ_ARR_FILENAME_MAX)
		return fail(m, "too long (%lu bytes; at most %u)", (unsigned long)n,
			    ZJ_ARR_FILENAME_MAX);
	if (type == ZJ_ARR_TASK_CRON) {
		/* cron reads the files of /etc/cron.d whose names are made of these (run-parts'
		 * rule); a name with a dot is ignored, so zhijia does not create one. */
		for (size_t i = 0; i < n; i++) {
			char c = value[i];

			if (IS_ALPHA(c) || IS_DIGIT(c) || c == '_' || c == '-')
				continue;
			if (c == '.' && !creating && i > 0)
				continue;
			arr_sb_quote(m, value);
			return fail(m,
				    " is not a file name in /etc/cron.d (letters, digits, '_' "
				    "and '-'%s)",
				    creating ? "" : "; '.' after the first character");
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char c = value[i];

		if (IS_ALPHA(c) || IS_DIGIT(c) || strchr("_.@:-\\", c))
			continue;
		arr_sb_quote(m, value);
		return fail(m, " is not a systemd unit name");
	}
	if (value[0] == '.' || value[0] == '-') {
		arr_sb_quote(m, value);
		return fail(m, " is not a systemd unit name");
	}
	{
		static const char *const other[] = {".service", ".socket",    ".target", ".path",
						    ".mount",	".slice",     ".scope",	 ".device",
						    ".swap",	".automount", NULL};

		for (size_t i = 0; other[i]; i++) {
			if (ends_with(value, other[i])) {
				arr_sb_quote(m, value);
				return fail(m, " is not a timer; name the timer unit (NAME or "
					       "NAME.timer)");
			}
		}
	}
	return 0;
}

int arr_check_schedule(struct arr_sb *m, const char *value, enum zj_arr_task_type type)
{
	size_t n = strlen(value);

	if (n == 0)
		return fail(m, "must not be empty");
	if (n > 256)
		return fail(m, "too long (%lu bytes; at most 256)", (unsigned long)n);
	if (type == ZJ_ARR_TASK_CRON) {
		static const char *const at[] = {"@reboot",   "@yearly", "@annually",
						 "@monthly",  "@weekly", "@daily",
						 "@midnight", "@hourly", NULL};
		size_t fields = 0;
		const char *p = value;

		if (value[0] == '@') {
			if (arr_keyword(value, at) >= 0)
				return 0;
			arr_sb_quote(m, value);
			return fail(m, " is not a cron schedule; valid: five fields (minute hour "
				       "day month weekday) or @reboot, @yearly, @annually, "
				       "@monthly, @weekly, @daily, @midnight, @hourly");
		}
		while (*p) {
			while (IS_SPACE(*p))
				p++;
			if (!*p)
				break;
			fields++;
			while (*p && !IS_SPACE(*p)) {
				if (!(IS_ALPHA(*p) || IS_DIGIT(*p) || strchr("*,/-", *p))) {
					arr_sb_quote(m, value);
					return fail(m,
						    " is not a cron schedule: '%c' is not allowed "
						    "in a field",
						    *p >= 0x20 && *p < 0x7f ? *p : '?');
				}
				p++;
			}
		}
		if (fields != 5) {
			arr_sb_quote(m, value);
			return fail(m,
				    " is not a cron schedule: %lu fields, five expected (minute "
				    "hour day month weekday)",
				    (unsigned long)fields);
		}
		return 0;
	}
	for (const char *p = value; *p; p++) {
		if (IS_ALPHA(*p) || IS_DIGIT(*p) || strchr(" *:,./~+-", *p))
			continue;
		arr_sb_quote(m, value);
		return fail(m, " is not a systemd calendar expression (OnCalendar=), like "
			       "\"*-*-* 03:00:00\" or \"hourly\"");
	}
	return 0;
}

int arr_check_command(struct arr_sb *m, const char *value)
{
	int r = arr_check_text(m, value, ZJ_ARR_STR_MAX);

	if (r < 0)
		return r;
	if (has_control(value, true))
		return fail(m, "a command is one line: no newlines or control characters");
	return 0;
}

/* ---- devices, markers, scripts --------------------------------------------------------------- */

/* n decimal digits, 1-3 of them, at *p. */
static bool digits(const char **p, size_t max)
{
	size_t n = 0;

	while (IS_DIGIT(**p) && n <= max) {
		(*p)++;
		n++;
	}
	return n >= 1 && n <= max;
}

int arr_check_device(struct arr_sb *m, char *value)
{
	const char *p = value;
	size_t n = strlen(value);

	/* vid:pid */
	if (n == 9 && value[4] == ':') {
		bool ok = true;

		for (size_t i = 0; i < 9; i++)
			ok = ok && (i == 4 || hex_value(value[i]) >= 0);
		if (ok) {
			for (size_t i = 0; i < 9; i++)
				value[i] = lower(value[i]);
			return 0;
		}
	}
	/* A USB bus id: BUS-PORT[.PORT]...[:CONFIG.INTERFACE] */
	if (digits(&p, 3) && *p++ == '-' && digits(&p, 3)) {
		while (*p == '.') {
			p++;
			if (!digits(&p, 3))
				goto bad;
		}
		if (*p == ':') {
			p++;
			if (!digits(&p, 3) || *p++ != '.' || !digits(&p, 3))
				goto bad;
		}
		if (!*p)
			return 0;
	}
bad:
	arr_sb_quote(m, value);
	return fail(m, " is not a USB device; give its bus id (\"1-1.2\", as in "
		       "/sys/bus/usb/devices) or vendor:product (\"0781:5581\")");
}

int arr_check_mutex(struct arr_sb *m, const char *value)
{
	size_t n = strlen(value);

	if (value[0] == '/')
		return arr_check_path(m, value, NULL);
	if (value[0] == '@') {
		/* An abstract UNIX socket name: sun_path is 108 bytes, the first one NUL. */
		if (n < 2 || n > 108)
			goto bad;
		for (size_t i = 1; i < n; i++)
			if ((unsigned char)value[i] <= 0x20 || (unsigned char)value[i] >= 0x7f)
				goto bad;
		return 0;
	}
bad:
	arr_sb_quote(m, value);
	return fail(m, " is not a marker; valid: an absolute path (a lock file) or @NAME (an "
		       "abstract socket, 1-107 printable characters)");
}

int arr_script_location(struct arr_sb *m, const char *value, char **ret_path)
{
	const char *p = value;
	char *path, *o;
	int r;

	/* "scheme:" -- RFC 3986: a letter, then letters, digits, '+', '-', '.' */
	if (IS_ALPHA(*p)) {
		const char *q = p + 1;

		while (IS_ALPHA(*q) || IS_DIGIT(*q) || *q == '+' || *q == '-' || *q == '.')
			q++;
		if (*q == ':') {
			if (word_ci(p, (size_t)(q - p), "file") && strncmp(q, "://", 3) == 0) {
				p = q + 3;
				if (word_ci(p, 9, "localhost") && p[9] == '/')
					p += 9;
				if (*p != '/') {
					arr_sb_quote(m, value);
					return fail(m, " names a file on another host; Script_File "
						       "runs local files only");
				}
				goto local;
			}
			arr_sb_quote(m, value);
			return fail(m, " is not a local file; Script_File runs local files only "
				       "(zhijia downloads nothing): give an absolute path or a "
				       "file:/// URL");
		}
	}
	if (p[0] == '\\' && p[1] == '\\') {
		arr_sb_quote(m, value);
		return fail(m, " is a network share; Script_File runs local files only");
	}
local:
	path = malloc(strlen(p) + 1);
	if (!path)
		return -ZJ_ENOMEM;
	/* file:// URLs carry %XX escapes; a plain path is taken as written. */
	for (o = path; *p; p++) {
		if (p != value && *p == '%' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0) {
			char c = (char)(hex_value(p[1]) * 16 + hex_value(p[2]));

			if (c == '\0') {
				free(path);
				return fail(m, "%%00 (a NUL byte) in a file URL");
			}
			*o++ = c;
			p += 2;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	r = arr_check_path(m, path, value);
	if (r < 0) {
		free(path);
		return r;
	}
	*ret_path = path;
	return 0;
}

/* ---- bytes, addresses, ports ----------------------------------------------------------------- */

int arr_parse_hex(struct arr_sb *m, const char *value, size_t max, struct zj_arr_bytes *ret)
{
	size_t n = 0, byte = 0;
	uint8_t *data;

	for (const char *p = value; *p; p++) {
		if (IS_SPACE(*p))
			continue;
		n++;
	}
	if (n == 0)
		return fail(m, "no hex bytes given");
	data = malloc(n / 2 + 1);
	if (!data)
		return -ZJ_ENOMEM;
	for (const char *p = value; *p;) {
		const char *start;
		size_t len;

		while (IS_SPACE(*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !IS_SPACE(*p))
			p++;
		len = (size_t)(p - start);
		for (size_t i = 0; i < len; i++) {
			if (hex_value(start[i]) < 0 || (len % 2 && i == len - 1)) {
				free(data);
				arr_sb_printf(m, "'");
				arr_sb_escaped(m, start, len < ARR_SHOWN ? len : ARR_SHOWN);
				return fail(m,
					    "' is not hex bytes (pairs of hex digits, like 31 C0 "
					    "FA)");
			}
		}
		for (size_t i = 0; i < len; i += 2) {
			if (byte == max) {
				free(data);
				return fail(m, "more than %lu bytes", (unsigned long)max);
			}
			data[byte++] =
				(uint8_t)(hex_value(start[i]) * 16 + hex_value(start[i + 1]));
		}
	}
	ret->data = data;
	ret->len = byte;
	return 0;
}

static bool parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, nd = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		while (i < len && IS_DIGIT(s[i]) && nd < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			nd++;
			i++;
		}
		/* No leading zeros: "010" is octal to inet_aton, decimal to others. */
		if (nd == 0 || nd > 3 || v > 255 || (nd > 1 && s[i - nd] == '0'))
			return false;
		out[part] = (uint8_t)v;
	}
	return i == len;
}

static bool parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t head[8], tail[8];
	size_t nh = 0, nt = 0, i = 0;
	bool gap = false;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = true;
		i = 2;
	} else if (len == 0 || s[0] == ':') {
		return false;
	}
	while (i < len) {
		size_t j = i;
		uint16_t *dst = gap ? tail : head;
		size_t *nd = gap ? &nt : &nh;

		while (j < len && s[j] != ':')
			j++;
		if (memchr(s + i, '.', j - i)) {
			uint8_t v4[4];

			if (j != len || nh + nt > 6 || !parse_ipv4(s + i, j - i, v4))
				return false;
			dst[(*nd)++] = (uint16_t)(v4[0] << 8 | v4[1]);
			dst[(*nd)++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = j;
			break;
		}
		if (j == i || j - i > 4 || nh + nt >= 8)
			return false;
		{
			unsigned v = 0;

			for (size_t k = i; k < j; k++) {
				int d = hex_value(s[k]);

				if (d < 0)
					return false;
				v = v * 16 + (unsigned)d;
			}
			dst[(*nd)++] = (uint16_t)v;
		}
		if (j == len)
			break;
		if (j + 1 < len && s[j + 1] == ':') {
			if (gap)
				return false;
			gap = true;
			i = j + 2;
			continue;
		}
		i = j + 1;
		if (i == len)
			return false;
	}
	if (gap ? nh + nt > 7 : nh != 8)
		return false;
	memset(out, 0, 16);
	for (size_t k = 0; k < nh; k++) {
		out[2 * k] = (uint8_t)(head[k] >> 8);
		out[2 * k + 1] = (uint8_t)head[k];
	}
	for (size_t k = 0; k < nt; k++) {
		out[16 - 2 * (nt - k)] = (uint8_t)(tail[k] >> 8);
		out[16 - 2 * (nt - k) + 1] = (uint8_t)tail[k];
	}
	return true;
}

int arr_parse_net(struct arr_sb *m, const char *value, struct zj_arr_net *ret)
{
	const char *slash = strchr(value, '/');
	size_t alen = slash ? (size_t)(slash - value) : strlen(value);
	struct zj_arr_net net = {0};
	unsigned prefix, max;

	if (parse_ipv4(value, alen, net.addr))
		net.family = 4;
	else if (parse_ipv6(value, alen, net.addr))
		net.family = 6;
	if (!net.family) {
		arr_sb_quote(m, value);
		return fail(m, " is not an IP address or network (like 192.0.2.1, 10.0.0.0/8, "
			       "2001:db8::/32)");
	}
	max = net.family == 4 ? 32 : 128;
	prefix = max;
	if (slash) {
		const char *p = slash + 1;

		prefix = 0;
		if (!IS_DIGIT(*p) || (p[0] == '0' && p[1]))
			goto bad_prefix;
		for (; IS_DIGIT(*p) && prefix <= max; p++)
			prefix = prefix * 10 + (unsigned)(*p - '0');
		if (*p || prefix > max)
			goto bad_prefix;
	}
	for (unsigned bit = prefix; bit < max; bit++) {
		if (net.addr[bit / 8] & (0x80u >> (bit % 8))) {
			arr_sb_quote(m, value);
			return fail(m, " has bits set past the /%u prefix", prefix);
		}
	}
	net.prefix = (uint8_t)prefix;
	*ret = net;
	return 0;
bad_prefix:
	arr_sb_quote(m, value);
	return fail(m, " has a bad prefix length (0-%u)", max);
}

int arr_parse_port_range(struct arr_sb *m, const char *value, struct zj_arr_port_range *ret)
{
	unsigned long v[2] = {0, 0};
	const char *p = value;
	int n = 0;

	for (; n < 2; n++) {
		size_t nd = 0;

		while (IS_DIGIT(*p) && nd < 6) {
			v[n] = v[n] * 10 + (unsigned long)(*p - '0');
			p++;
			nd++;
		}
		if (nd == 0 || nd > 5)
			goto bad;
		if (*p != '-')
			break;
		if (n == 1)
			goto bad;
		p++;
	}
	if (*p)
		goto bad;
	if (n == 0)
		v[1] = v[0];
	if (v[0] < 1 || v[1] > 65535 || v[0] > v[1])
		goto bad;
	ret->first = (uint16_t)v[0];
	ret->last = (uint16_t)v[1];
	return 0;
bad:
	arr_sb_quote(m, value);
	return fail(m, " is not a port (1-65535) or a range of ports (\"8000-8100\")");
}

/* ---- conditions ------------------------------------------------------------------------------ */

#define SCOPES_VALID "alldisk, systemdisk, diskroot, alldisk_deep:N (1-100), udisk"

int arr_parse_scope(struct arr_sb *m, const char *value, struct zj_arr_cond *ret)
{
	static const char *const words[] = {"alldisk", "systemdisk", "diskroot", "udisk", NULL};
	static const enum zj_arr_scope scopes[] = {ZJ_ARR_SCOPE_ALLDISK, ZJ_ARR_SCOPE_SYSTEMDISK,
						   ZJ_ARR_SCOPE_DISKROOT, ZJ_ARR_SCOPE_UDISK};
	struct zj_arr_cond c = {.kind = ZJ_ARR_COND_SCOPE};
	int k = arr_keyword(value, words);

	if (k >= 0) {
		c.scope = scopes[k];
		*ret = c;
		return 0;
	}
	if (word_ci(value, 12, "alldisk_deep") && (value[12] == ':' || value[12] == '\0')) {
		const char *p = value + 12;
		unsigned long depth = 0;
		size_t nd = 0;

		if (*p == '\0')
			return fail(m, "alldisk_deep needs a depth: alldisk_deep:N (1-100)");
		for (p++; IS_DIGIT(*p) && nd < 4; p++, nd++)
			depth = depth * 10 + (unsigned long)(*p - '0');
		if (nd == 0 || *p) {
			arr_sb_quote(m, value);
			return fail(m, " has no depth; valid: alldisk_deep:N (1-100)");
		}
		if (depth < 1 || depth > ZJ_ARR_DEPTH_MAX) {
			return fail(m,
				    "depth %lu out of range in 'alldisk_deep:%lu'; valid: "
				    "alldisk_deep:1 to alldisk_deep:100",
				    depth, depth);
		}
		c.scope = ZJ_ARR_SCOPE_ALLDISK_DEEP;
		c.depth = (uint32_t)depth;
		*ret = c;
		return 0;
	}
	arr_sb_printf(m, "unknown scope ");
	arr_sb_quote(m, value);
	return fail(m, "; valid: " SCOPES_VALID);
}

/* "[...]" at *p (spaces around allowed): its inside. */
static bool bracket(const char **p, const char **ret_start, size_t *ret_len)
{
	const char *q = *p, *close;

	while (IS_SPACE(*q))
		q++;
	if (*q != '[')
		return false;
	close = strchr(q, ']');
	if (!close)
		return false;
	*ret_start = q + 1;
	*ret_len = (size_t)(close - q - 1);
	q = close + 1;
	while (IS_SPACE(*q))
		q++;
	*p = q;
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && IS_SPACE(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && IS_SPACE((*s)[*n - 1]))
		(*n)--;
}

int arr_parse_mbr(struct arr_sb *m, const char *value, struct zj_arr_cond *ret)
{
	struct zj_arr_cond c = {.kind = ZJ_ARR_COND_MBR};
	const char *p = value, *s[3];
	size_t n[3];
	unsigned long off = 0;
	char hex[3 * ZJ_ARR_SECTOR_SIZE + 64];
	int r;

	for (int k = 0; k < 3; k++) {
		if (k > 0 && *p++ != ',')
			goto form;
		if (!bracket(&p, &s[k], &n[k]))
			goto form;
		trim(&s[k], &n[k]);
	}
	if (*p)
		goto form;

	if (word_ci(s[0], n[0], "equal")) {
		c.mbr_equal = true;
	} else if (!word_ci(s[0], n[0], "unequal")) {
		arr_sb_printf(m, "unknown comparison '");
		arr_sb_escaped(m, s[0], n[0] < ARR_SHOWN ? n[0] : ARR_SHOWN);
		return fail(m, "'; valid: equal, Unequal");
	}

	if (n[1] < 7 || !word_ci(s[1], 7, "offset:"))
		goto form;
	{
		const char *q = s[1] + 7, *end = s[1] + n[1];
		unsigned base = 10;
		size_t nd = 0;

		while (q < end && IS_SPACE(*q))
			q++;
		if (end - q > 2 && q[0] == '0' && lower(q[1]) == 'x') {
			base = 16;
			q += 2;
		}
		for (; q < end && nd < 8; q++, nd++) {
			int d = hex_value(*q);

			if (d < 0 || (unsigned)d >= base)
				break;
			off = off * base + (unsigned)d;
		}
		if (nd == 0 || q != end) {
			arr_sb_printf(m, "'");
			arr_sb_escaped(m, s[1], n[1] < ARR_SHOWN ? n[1] : ARR_SHOWN);
			return fail(m, "' is not an offset; valid: offset:N (0-511, decimal or 0x "
				       "hex)");
		}
		if (off >= ZJ_ARR_SECTOR_SIZE) {
			return fail(m, "offset %lu is outside the %u-byte sector (0-511)", off,
				    ZJ_ARR_SECTOR_SIZE);
		}
	}

	if (n[2] >= sizeof(hex))
		return fail(m, "more than %u bytes to compare", ZJ_ARR_SECTOR_SIZE);
	memcpy(hex, s[2], n[2]);
	hex[n[2]] = '\0';
	r = arr_parse_hex(m, hex, ZJ_ARR_SECTOR_SIZE, &c.mbr_bytes);
	if (r < 0)
		return r;
	if (off + c.mbr_bytes.len > ZJ_ARR_SECTOR_SIZE) {
		r = fail(m, "%lu bytes at offset %lu run past the end of the %u-byte sector",
			 (unsigned long)c.mbr_bytes.len, off, ZJ_ARR_SECTOR_SIZE);
		free(c.mbr_bytes.data);
		return r;
	}
	c.mbr_offset = (uint32_t)off;
	*ret = c;
	return 0;
form:
	arr_sb_quote(m, value);
	return fail(m, " is not an MBR condition; valid: [equal|Unequal],[offset:N],[hex "
		       "bytes], like [equal],[offset:0],[31 C0 FA]");
}
