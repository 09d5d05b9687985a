/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "zhijia/catalog.h"
#include "zhijia/policy.h"
#include "metrics.h"
#include "policyfile.h"

struct out {
	struct zj_buf *b;
	int err;
};

__attribute__((format(printf, 2, 3))) static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || zj_buf_reserve(o->b, (size_t)n + 1) < 0) {
		o->err = -ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(o->b->data + o->b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->b->len += (size_t)n;
}

const char *zj_metrics_escape(const char *v, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return buf;
	for (; v && *v && o + 3 < len; v++) {
		if (*v == '\\' || *v == '"') {
			buf[o++] = '\\';
			buf[o++] = *v;
		} else if (*v == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *v;
		}
	}
	buf[o] = '\0';
	return buf;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int64_t num(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	emit(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void scalar(struct out *o, const char *name, const char *type, const char *help,
		   int64_t v)
{
	head(o, name, type, help);
	emit(o, "%s %" PRId64 "\n", name, v);
}

int zj_metrics_format(json_object *st, struct zj_buf *b)
{
	struct out o = {.b = b};
	json_object *k = get(st, "kernel_counters"), *v, *scan = get(st, "scan"),
		    *ja = get(st, "journald_alerts");
	char e1[512], e2[512], e3[512];
	int64_t q;

	scalar(&o, "zhijia_up", "gauge", "zhijiad answered.", 1);
	head(&o, "zhijia_info", "gauge", "zhijiad's version, kernel and policy hash.");
	emit(&o, "zhijia_info{version=\"%s\",kernel=\"%s\",policy_hash=\"%s\"} 1\n",
	     zj_metrics_escape(str(st, "version"), e1, sizeof(e1)),
	     zj_metrics_escape(str(st, "kernel"), e2, sizeof(e2)),
	     zj_metrics_escape(str(st, "policy_hash"), e3, sizeof(e3)));
	scalar(&o, "zhijia_uptime_seconds", "gauge", "Seconds since zhijiad started.",
	       num(st, "uptime_s"));
	scalar(&o, "zhijia_events_total", "counter", "Events attributed and logged.",
	       num(st, "events_logged"));

	head(&o, "zhijia_findings_total", "counter",
	     "Findings by ATT&CK (sub-)technique and the action taken.");
	if ((v = get(st, "findings_by_technique")) && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, tech, actions)
		{
			if (!json_object_is_type(actions, json_type_object))
				continue;
			json_object_object_foreach(actions, action, n)
			{
				emit(&o, "zhijia_findings_total{technique=\"%s\",action=\"%s\"} %" PRId64
					 "\n",
				     zj_metrics_escape(tech, e1, sizeof(e1)),
				     zj_metrics_escape(action, e2, sizeof(e2)),
				     json_object_get_int64(n));
			}
		}
	}
	head(&o, "zhijia_findings_by_action_total", "counter",
	     "Findings by the action taken, all techniques.");
	if ((v = get(st, "findings")) && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, action, n)
		{
			emit(&o, "zhijia_findings_by_action_total{action=\"%s\"} %" PRId64 "\n",
			     zj_metrics_escape(action, e1, sizeof(e1)), json_object_get_int64(n));
		}
	}
	head(&o, "zhijia_kernel_records_total", "counter",
	     "Records the BPF programs sent, by type.");
	if ((v = get(k, "records")) && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, type, n)
		{
			emit(&o, "zhijia_kernel_records_total{type=\"%s\"} %" PRId64 "\n",
			     zj_metrics_escape(type, e1, sizeof(e1)), json_object_get_int64(n));
		}
	}
	scalar(&o, "zhijia_lost_records_total", "counter",
	       "Records lost in the kernel (ring buffer full).", num(k, "lost"));
	scalar(&o, "zhijia_read_failures_total", "counter",
	       "Kernel reads of user memory or paths that failed.", num(k, "read_failures"));
	scalar(&o, "zhijia_denied_total", "counter", "Operations the LSM programs denied.",
	       num(k, "denied"));
	scalar(&o, "zhijia_records_malformed_total", "counter",
	       "Records zhijiad could not decode.", num(st, "records_malformed"));
	scalar(&o, "zhijia_journald_failures_total", "counter",
	       "Alerts journald did not take.", num(st, "journald_failures"));
	scalar(&o, "zhijia_journald_alerts_coalesced_total", "counter",
	       "Alerts counted into a per-technique summary: journald did not keep up.",
	       num(ja, "coalesced"));
	scalar(&o, "zhijia_journald_alert_queue", "gauge",
	       "Alerts and summaries queued for journald, not yet sent.", num(ja, "pending"));
	scalar(&o, "zhijia_fallback_kills_total", "counter",
	       "Actors stopped by the SIGKILL fallback.", num(st, "fallback_kills"));
	q = num(scan, "submitted") - num(scan, "shed") - num(scan, "scanned");
	scalar(&o, "zhijia_scan_queue", "gauge", "Files waiting for or in a YARA scan.",
	       q > 0 ? q : 0);
	scalar(&o, "zhijia_scan_submitted_total", "counter", "Files submitted to the scanner.",
	       num(scan, "submitted"));
	scalar(&o, "zhijia_scan_shed_total", "counter", "Files refused: the scan queue was full.",
	       num(scan, "shed"));
	scalar(&o, "zhijia_scan_scanned_total", "counter", "Files scanned.",
	       num(scan, "scanned"));
	scalar(&o, "zhijia_scan_matches_total", "counter", "YARA matches.",
	       num(scan, "matches"));
	head(&o, "zhijia_enforcement_mode", "gauge",
	     "How blocks are enforced: lsm, lsm+kill, kill or none.");
	emit(&o, "zhijia_enforcement_mode{mode=\"%s\"} 1\n",
	     zj_metrics_escape(str(get(st, "enforcement"), "mode"), e1, sizeof(e1)));
	if (!o.err && zj_buf_reserve(b, 1) == 0)
		b->data[b->len] = '\0';
	return o.err;
}

int zj_metrics_write(const char *path, const char *text, size_t len)
{
	return zj_policyfile_write(path, text, len, NULL);
}

int zj_finding_counts_init(struct zj_finding_counts *c)
{
	c->n = calloc(zj_catalog_count() * ZJ_FINDING_ACTIONS, sizeof(*c->n));
	return c->n ? 0 : -ENOMEM;
}

void zj_finding_counts_free(struct zj_finding_counts *c)
{
	free(c->n);
	c->n = NULL;
}

void zj_finding_counts_add(struct zj_finding_counts *c, const char *technique, uint32_t action)
{
	const struct zj_technique *t = NULL;

	if (!c->n || action >= ZJ_FINDING_ACTIONS || zj_catalog_find(technique, &t) < 0)
		return;
	zj_finding_counts_add_entry(c, t, action);
}

void zj_finding_counts_add_entry(struct zj_finding_counts *c, const struct zj_technique *t,
				 uint32_t action)
{
	if (!c->n || !t || action >= ZJ_FINDING_ACTIONS)
		return;
	c->n[zj_catalog_index(t) * ZJ_FINDING_ACTIONS + action]++;
}

json_object *zj_finding_counts_json(const struct zj_finding_counts *c)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && c->n && i < zj_catalog_count(); i++) {
		json_object *t = NULL;

		for (uint32_t a = 0; a < ZJ_FINDING_ACTIONS; a++) {
			uint64_t n = c->n[i * ZJ_FINDING_ACTIONS + a];

			if (!n)
				continue;
			if (!t && !(t = json_object_new_object()))
				goto oom;
			if (json_object_object_add(t, zj_action_name(a),
						   json_object_new_int64((int64_t)n)) < 0) {
				json_object_put(t);
				goto oom;
			}
		}
		if (t && json_object_object_add(o, zj_catalog_at(i)->id, t) < 0) {
			json_object_put(t);
			goto oom;
		}
	}
	return o;
oom:
	json_object_put(o);
	return NULL;
}
