/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The JSON-lines event log: every event, one object a line, appended.  Events are serialised
 * into one reusable buffer and written in batches (at least every 100 ms, by the daemon's
 * loop); nothing is dropped: a short write is continued, a failed one kept for the next
 * flush.
 */
#ifndef ZHIJIA_EVENTLOG_H
#define ZHIJIA_EVENTLOG_H

#include <stdbool.h>

#include "siem.h"

struct zj_event;
struct zj_eventlog;

/* Opens (creating the file 0600 and its directory 0750 as needed) for appending. */
int zj_eventlog_open(const char *path, bool to_stdout, struct zj_eventlog **ret);
struct zj_log_finding;
int zj_eventlog_append(struct zj_eventlog *l, const struct zj_event *ev);
/* The event with its findings (zj_event_to_json_findings()). */
int zj_eventlog_append_findings(struct zj_eventlog *l, const struct zj_event *ev,
				const struct zj_log_finding *f, size_t n);
/* A line made elsewhere (one JSON object, no '\n' in it): the '\n' is added here. */
int zj_eventlog_append_line(struct zj_eventlog *l, const char *line, size_t len);
/*
 * Write the log in another schema (siem.h: OCSF, ECS): every line, the ones of
 * zj_eventlog_append_line() included, is converted from the native form.  host must outlive l.
 */
void zj_eventlog_set_format(struct zj_eventlog *l, enum zj_output_format fmt,
			    const struct zj_siem_host *host);
int zj_eventlog_flush(struct zj_eventlog *l);
/* Flush, fdatasync and close.  NULL is fine. */
int zj_eventlog_close(struct zj_eventlog *l);

#endif /* ZHIJIA_EVENTLOG_H */
