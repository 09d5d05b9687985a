/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiad's counters in the Prometheus text exposition format 0.0.4, for node_exporter's
 * textfile collector (zhijiad --metrics-file) or a scrape of `zhijiactl status --prometheus`.
 * Made from the status reply (`zhijiactl status --json`), so both show the same numbers:
 *
 *   zhijia_up 1
 *   zhijia_info{version,kernel,policy_hash} 1
 *   zhijia_uptime_seconds
 *   zhijia_events_total                          events attributed and logged
 *   zhijia_findings_total{technique,action}      per sub-technique and action taken
 *   zhijia_findings_by_action_total{action}      all techniques, "off" included
 *   zhijia_kernel_records_total{type}            records the BPF programs emitted
 *   zhijia_lost_records_total                    ring buffer full: records lost
 *   zhijia_read_failures_total, zhijia_records_malformed_total, zhijia_journald_failures_total
 *   zhijia_scan_queue                            files waiting for or in a YARA scan
 *   zhijia_scan_{submitted,shed,scanned,matches}_total
 *   zhijia_enforcement_mode{mode} 1              lsm, lsm+kill, kill or none
 *   zhijia_fallback_kills_total, zhijia_denied_total
 */
#ifndef ZHIJIA_METRICS_H
#define ZHIJIA_METRICS_H

#include <stdint.h>

#include <json-c/json.h>

#include "zhijia/catalog.h"
#include "zhijia/event.h"

/* Findings counted by catalog entry and action (ZJ_ACTION_OFF..BLOCK), for the status. */
struct zj_finding_counts {
	uint64_t *n; /* zj_catalog_count() * ZJ_FINDING_ACTIONS */
};
#define ZJ_FINDING_ACTIONS 5

int zj_finding_counts_init(struct zj_finding_counts *c);
void zj_finding_counts_free(struct zj_finding_counts *c);
/* One finding of technique decided as action (unknown ids are not counted). */
void zj_finding_counts_add(struct zj_finding_counts *c, const char *technique, uint32_t action);
/* The same for a catalog entry already looked up (t from the catalog; NULL: nothing). */
void zj_finding_counts_add_entry(struct zj_finding_counts *c, const struct zj_technique *t,
				 uint32_t action);
/* {"T1055.008":{"alert":2,"block":1},...}: only what was counted.  NULL on -ENOMEM. */
json_object *zj_finding_counts_json(const struct zj_finding_counts *c);

/* The exposition of status appended to out (NUL-terminated).  0 or -ENOMEM. */
int zj_metrics_format(json_object *status, struct zj_buf *out);

/* A label value escaped for the exposition (\\, \", \n) into buf; buf is returned. */
const char *zj_metrics_escape(const char *value, char *buf, size_t len);

/* Write text to path atomically (zj_policyfile_write(): temporary file, fsync, rename). */
int zj_metrics_write(const char *path, const char *text, size_t len);

#endif /* ZHIJIA_METRICS_H */
