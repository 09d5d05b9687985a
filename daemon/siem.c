/* SPDX-License-Identifier: GPL-2.0-only */
/* The converters' shared part: format names, the host, times, and one line in, lines out. */
#define _GNU_SOURCE /* timegm() */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "siem.h"
#include "util.h"

static const char *const format_names[] = {
	[ZJ_OUTPUT_JSON] = "json",
	[ZJ_OUTPUT_OCSF] = "ocsf",
	[ZJ_OUTPUT_ECS] = "ecs",
};

int zj_output_format_parse(const char *name, enum zj_output_format *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(format_names); i++)
		if (name && strcmp(name, format_names[i]) == 0) {
			*ret = (enum zj_output_format)i;
			return 0;
		}
	return -EINVAL;
}

const char *zj_output_format_name(enum zj_output_format f)
{
	return (size_t)f < ELEMENTSOF(format_names) ? format_names[f] : "unknown";
}

void zj_siem_host_read(struct zj_siem_host *h, const char *machine_id_path, const char *version)
{
	FILE *f;

	memset(h, 0, sizeof(*h));
	h->version = version;
	if (gethostname(h->hostname, sizeof(h->hostname) - 1) < 0)
		snprintf(h->hostname, sizeof(h->hostname), "localhost");
	f = fopen(machine_id_path ? machine_id_path : "/etc/machine-id", "re");
	if (!f)
		return;
	if (fgets(h->machine_id, sizeof(h->machine_id), f))
		h->machine_id[strcspn(h->machine_id, "\r\n \t")] = '\0';
	fclose(f);
}

static int digits(const char *s, size_t n, int *ret)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

int zj_siem_time_ms(const char *s, int64_t *ret_ms)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, se, ms = 0;
	size_t i;
	time_t t;

	if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return -EINVAL;
	if (digits(s, 4, &y) < 0 || digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0 ||
	    digits(s + 11, 2, &h) < 0 || digits(s + 14, 2, &mi) < 0 || digits(s + 17, 2, &se) < 0)
		return -EINVAL;
	i = 19;
	if (s[i] == '.') {
		int scale = 100;

		for (i++; s[i] >= '0' && s[i] <= '9'; i++) {
			ms += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (s[i] != 'Z' || s[i + 1])
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	*ret_ms = (int64_t)t * 1000 + ms;
	return 0;
}

json_object *zj_siem_get(json_object *o, const char *key, enum json_type type)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *zj_siem_str(json_object *o, const char *key)
{
	json_object *v = zj_siem_get(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

int64_t zj_siem_int(json_object *o, const char *key, int64_t dflt)
{
	json_object *v = zj_siem_get(o, key, json_type_int);

	return v ? json_object_get_int64(v) : dflt;
}

const char *zj_siem_basename(const char *path)
{
	const char *p = path ? strrchr(path, '/') : NULL;

	return p ? p + 1 : path ? path : "";
}

static int append(struct zj_buf *out, const char *s, size_t n)
{
	int r = zj_buf_reserve(out, n + 2);

	if (r < 0)
		return r;
	memcpy(out->data + out->len, s, n);
	out->len += n;
	out->data[out->len++] = '\n';
	out->data[out->len] = '\0';
	return 0;
}

static int emit_line(void *userdata, json_object *doc)
{
	size_t n = 0;
	const char *s = json_object_to_json_string_length(
		doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

	return s ? append(userdata, s, n) : -ENOMEM;
}

int zj_siem_convert_line(enum zj_output_format f, const char *line, size_t len,
			 const struct zj_siem_host *h, struct zj_buf *out)
{
	struct json_tokener *tok;
	json_object *o;
	size_t start = out->len;
	int r;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\0'))
		len--;
	if (f == ZJ_OUTPUT_JSON)
		return append(out, line, len);
	if (len > INT32_MAX)
		return -E2BIG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		json_tokener_free(tok);
		return -EBADMSG;
	}
	json_tokener_free(tok);
	r = f == ZJ_OUTPUT_OCSF ? zj_ocsf_from_native(o, h, emit_line, out)
				: zj_ecs_from_native(o, h, emit_line, out);
	json_object_put(o);
	if (r < 0)
		out->len = start;
	return r;
}

int zj_siem_each_finding(json_object *ev, const struct zj_siem_host *h, zj_siem_finding_fn make,
			 zj_siem_emit_fn emit, void *userdata)
{
	json_object *findings, *doc = NULL;
	size_t n;
	int r;

	if (!json_object_is_type(ev, json_type_object))
		return -EINVAL;
	findings = zj_siem_get(ev, "findings", json_type_array);
	n = findings ? json_object_array_length(findings) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(findings, i);

		if (!json_object_is_type(f, json_type_object))
			continue;
		r = make(ev, f, i, h, &doc);
		if (r < 0)
			return r;
		r = emit(userdata, doc);
		json_object_put(doc);
		if (r < 0)
			return r;
	}
	return n ? 1 : 0;
}

json_object *zj_siem_put(struct zj_siem_doc *d, json_object *o, const char *key, json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		d->err = -ENOMEM;
		return NULL;
	}
	return v;
}

void zj_siem_put_str(struct zj_siem_doc *d, json_object *o, const char *key, const char *s)
{
	if (s)
		zj_siem_put(d, o, key, json_object_new_string(s));
}

void zj_siem_put_int(struct zj_siem_doc *d, json_object *o, const char *key, int64_t v)
{
	zj_siem_put(d, o, key, json_object_new_int64(v));
}
