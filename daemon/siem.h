/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event log in the schemas SIEMs ingest.  zhijia's native JSON line (event.h, "v":N) is
 * the source; ocsf.c and ecs.c turn one native line into documents of their schema:
 *
 *   OCSF 1.3.0  a finding: Detection Finding (class_uid 2004), one document per finding, with
 *               finding_info.attacks[] (tactic, technique, sub_technique), the actor and
 *               target processes and the file in evidences[], the host in device.
 *               An event without findings: Process Activity (1007) or File System Activity
 *               (1001); a YARA verdict: Detection Finding when it matched, else File System
 *               Activity.  What OCSF has no attribute for is under unmapped.zhijia.
 *   ECS 8.11    one document per finding (event.kind "alert") or per event (event.kind
 *               "event"): event.*, process.*, file.*, host.*, threat.technique.*,
 *               threat.tactic.*, rule.*; zhijia's own fields under "zhijia".
 *
 * zhijiad --output-format writes the event log in one of them; zhijiactl events --format
 * converts the native log when it reads it.  The native form stays the archive: the converters
 * read it, never the other way round.
 */
#ifndef ZHIJIA_SIEM_H
#define ZHIJIA_SIEM_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "zhijia/event.h"

enum zj_output_format {
	ZJ_OUTPUT_JSON = 0, /* the native JSON lines */
	ZJ_OUTPUT_OCSF,
	ZJ_OUTPUT_ECS,
};

#define ZJ_OCSF_VERSION "1.3.0"
#define ZJ_ECS_VERSION "8.11.0"

/* "json", "ocsf", "ecs" -> *ret; -EINVAL otherwise. */
int zj_output_format_parse(const char *name, enum zj_output_format *ret);
const char *zj_output_format_name(enum zj_output_format f);

/* The host every document names (device / host): read once, by the caller. */
struct zj_siem_host {
	char hostname[256];
	char machine_id[64];  /* /etc/machine-id, "" when there is none */
	const char *version; /* zhijia's version, for the product fields */
};

/* Fill h from gethostname() and machine_id_path (NULL: /etc/machine-id).  Never fails. */
void zj_siem_host_read(struct zj_siem_host *h, const char *machine_id_path, const char *version);

/* Called once per document made; the callee does not keep doc. */
/* Building a document: the first failure is kept in err (-ENOMEM), later calls go on. */
struct zj_siem_doc {
	int err;
};
/* Add v at key of o (taking v); on failure v is freed, err set and NULL returned. */
json_object *zj_siem_put(struct zj_siem_doc *d, json_object *o, const char *key, json_object *v);
void zj_siem_put_str(struct zj_siem_doc *d, json_object *o, const char *key, const char *s);
void zj_siem_put_int(struct zj_siem_doc *d, json_object *o, const char *key, int64_t v);
typedef int (*zj_siem_emit_fn)(void *userdata, json_object *doc);
/* One format's document for finding number index of the native event ev. */
typedef int (*zj_siem_finding_fn)(json_object *ev, json_object *f, size_t index,
				  const struct zj_siem_host *h, json_object **ret);
/*
 * Emit doc(ev, f) for each finding of ev: 1 when there was at least one, 0 when there was
 * none (the caller makes the event's own document), a negative errno on failure.
 */
int zj_siem_each_finding(json_object *ev, const struct zj_siem_host *h, zj_siem_finding_fn doc,
			 zj_siem_emit_fn emit, void *userdata);

/* One native event (a parsed line) as OCSF / ECS documents.  0, or a negative errno. */
int zj_ocsf_from_native(json_object *native, const struct zj_siem_host *h, zj_siem_emit_fn emit,
			void *userdata);
int zj_ecs_from_native(json_object *native, const struct zj_siem_host *h, zj_siem_emit_fn emit,
		       void *userdata);

/*
 * One native line (need not be NUL-terminated) in format f appended to out, one document a
 * line, each ending in '\n' (a NUL is kept after the data, not counted).  ZJ_OUTPUT_JSON
 * copies the line.  -EBADMSG when the line is not a JSON object (it is left out).
 */
int zj_siem_convert_line(enum zj_output_format f, const char *line, size_t len,
			 const struct zj_siem_host *h, struct zj_buf *out);

/* Helpers shared by ocsf.c and ecs.c. */
/* RFC 3339 UTC ("2026-11-28T06:20:00.123456789Z") to ms since the epoch; -EINVAL. */
int zj_siem_time_ms(const char *rfc3339, int64_t *ret_ms);
const char *zj_siem_str(json_object *o, const char *key);
json_object *zj_siem_get(json_object *o, const char *key, enum json_type type);
int64_t zj_siem_int(json_object *o, const char *key, int64_t dflt);
/* The last component of path ("" -> ""). */
const char *zj_siem_basename(const char *path);

#endif /* ZHIJIA_SIEM_H */
