/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "zhijia/sha256.h"
#include "arr-result.h"
#include "siem.h"

int64_t zj_arr_result_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339 UTC with milliseconds. */
static json_object *time_json(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[96];

	if (!gmtime_r(&t, &tm))
		return NULL;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return json_object_new_string(buf);
}

json_object *zj_arr_result_new(const char *file, const char *state, const char *text, size_t len,
			       const char *rule_name, int64_t started_ms)
{
	json_object *o = json_object_new_object(), *rule = json_object_new_object();
	json_object *host = json_object_new_object();
	struct zj_siem_host h;
	uint8_t d[ZJ_SHA256_LEN];
	char hex[ZJ_SHA256_HEX_LEN + 1];
	struct zj_sha256 s;

	if (!o || !rule || !host) {
		json_object_put(o);
		json_object_put(rule);
		json_object_put(host);
		return NULL;
	}
	zj_siem_host_read(&h, NULL, NULL);
	json_object_object_add(o, "schema", json_object_new_string(ZJ_ARR_RESULT_SCHEMA));
	json_object_object_add(o, "schema_version", json_object_new_int(ZJ_ARR_RESULT_VERSION));
	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(rule, "name", rule_name ? json_object_new_string(rule_name) : NULL);
	if (text) {
		zj_sha256_init(&s);
		zj_sha256_update(&s, text, len);
		zj_sha256_final(&s, d);
		zj_sha256_hex(d, hex);
		json_object_object_add(rule, "sha256", json_object_new_string(hex));
	} else {
		json_object_object_add(rule, "sha256", NULL);
	}
	json_object_object_add(o, "rule", rule);
	json_object_object_add(host, "id", h.machine_id[0] ? json_object_new_string(h.machine_id)
							   : NULL);
	json_object_object_add(host, "hostname", json_object_new_string(h.hostname));
	json_object_object_add(o, "host", host);
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "started", time_json(started_ms));
	json_object_object_add(o, "time", json_object_new_int64(started_ms / 1000));
	return o;
}

void zj_arr_result_finished(json_object *res, const struct zj_arr_run *run, int64_t ended_ms)
{
	json_object *sum = json_object_new_object(), *acts = json_object_new_array();

	json_object_object_add(res, "ok", json_object_new_boolean(run->n_failed == 0));
	json_object_object_add(res, "ended", time_json(ended_ms));
	if (sum) {
		json_object_object_add(sum, "done", json_object_new_int64((int64_t)run->n_done));
		json_object_object_add(sum, "failed", json_object_new_int64((int64_t)run->n_failed));
		json_object_object_add(sum, "skipped",
				       json_object_new_int64((int64_t)run->n_skipped));
		json_object_object_add(res, "summary", sum);
	}
	for (size_t i = 0; acts && i < run->n_results; i++) {
		const struct zj_arr_result *r = &run->results[i];
		json_object *e = json_object_new_object(), *objs = json_object_new_array();

		if (!e || !objs) {
			json_object_put(e);
			json_object_put(objs);
			break;
		}
		json_object_object_add(e, "index", json_object_new_int64((int64_t)r->index));
		json_object_object_add(e, "action", json_object_new_string(zj_arr_instr_name(r->instr)));
		json_object_object_add(e, "status",
				       json_object_new_string(zj_arr_status_name(r->status)));
		if (r->error)
			json_object_object_add(e, "error", json_object_new_string(strerror(-r->error)));
		json_object_object_add(e, "reason", json_object_new_string(r->reason ? r->reason : ""));
		for (size_t k = 0; k < r->objects.n; k++)
			json_object_array_add(objs, json_object_new_string(r->objects.v[k]));
		json_object_object_add(e, "objects", objs);
		json_object_array_add(acts, e);
	}
	if (acts)
		json_object_object_add(res, "actions", acts);
}

void zj_arr_result_refused(json_object *res, const char *error, int64_t ended_ms)
{
	json_object_object_add(res, "state", json_object_new_string("refused"));
	json_object_object_add(res, "ok", json_object_new_boolean(0));
	json_object_object_add(res, "ended", time_json(ended_ms));
	json_object_object_add(res, "error", json_object_new_string(error));
}
