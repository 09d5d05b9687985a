/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sysmon events -> struct zj_event (the Windows front end).
 *
 * Input is an event as EvtRender(EvtRenderEventXml) gives it, in UTF-8 (the subscriber converts
 * from UTF-16), to Microsoft's event schema (http://schemas.microsoft.com/win/2004/08/events/
 * event) with Sysmon's EventData:
 *
 *   <Event xmlns='...'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{...}'/>
 *     <EventID>10</EventID>...<TimeCreated SystemTime='2026-11-28T06:20:00.1234567Z'/>
 *     <EventRecordID>42</EventRecordID>...</System>
 *   <EventData><Data Name='SourceProcessId'>4242</Data>...</EventData></Event>
 *
 * Translated: 1 ProcessCreate, 7 ImageLoad, 8 CreateRemoteThread, 10 ProcessAccess, 11
 * FileCreate, 12/13/14 RegistryEvent, 25 ProcessTampering.  Other IDs parse but do not
 * translate.  Strings in the event point into the record and the process table: valid until
 * the next call with them.
 *
 * Portable C11 (no Windows API): the translation is the same code under Wine and in a Linux
 * build; only the subscriber (subscribe.c) needs Windows.
 */
#ifndef ZHIJIA_WIN_SYSMON_H
#define ZHIJIA_WIN_SYSMON_H

#include <stddef.h>
#include <stdint.h>

#include "zhijia/detect.h"
#include "zhijia/event.h"

#define ZJ_SYSMON_PROVIDER "Microsoft-Windows-Sysmon"
#define ZJ_SYSMON_CHANNEL "Microsoft-Windows-Sysmon/Operational"
#define ZJ_SYSMON_FIELDS_MAX 64
#define ZJ_SYSMON_TEXT_MAX 65536 /* decoded field names and values, NULs included */

struct zj_sysmon_field {
	const char *name;  /* NUL-terminated, in the record's arena */
	const char *value; /* decoded (entities), NUL-terminated */
	size_t len;
};

struct zj_sysmon_record {
	uint32_t event_id;
	uint32_t n_fields;
	uint64_t record_id;
	int64_t time_ns; /* TimeCreated, ns since the Unix epoch; 0 when absent */
	struct zj_sysmon_field fields[ZJ_SYSMON_FIELDS_MAX];
	size_t used;
	char arena[ZJ_SYSMON_TEXT_MAX];
};

/*
 * Parse one <Event> element of xml[0..len).  Returns the number of bytes consumed (through
 * "</Event>"), 0 when xml holds no further <Event>; -EBADMSG on malformed XML, -ENOENT when the
 * provider is not Sysmon, -ENOSPC when the fields do not fit.  Unknown elements are skipped.
 */
long zj_sysmon_parse(const char *xml, size_t len, struct zj_sysmon_record *ret);

/* A field's value, NULL when the event has none; *ret_len (may be NULL) its length. */
const char *zj_sysmon_field(const struct zj_sysmon_record *r, const char *name, size_t *ret_len);

/*
 * The processes Sysmon named in ProcessCreate events, by ProcessGuid: what lets a later event
 * know a process's parent (the "own child" pattern) and image.  Bounded: the oldest entry
 * gives way.
 */
struct zj_win_proctab;
int zj_win_proctab_new(struct zj_win_proctab **ret);
void zj_win_proctab_free(struct zj_win_proctab *t);

/*
 * Translate r into ev and ctx (both zeroed first).  Returns 1 when translated, 0 for an event
 * ID that is not translated, -EBADMSG when a field it needs is missing or malformed.
 * pt may be NULL (no process table); ProcessCreate events are added to it.
 */
int zj_sysmon_to_event(const struct zj_sysmon_record *r, struct zj_win_proctab *pt,
		       struct zj_event *ev, struct zj_detect_ctx *ctx);

#endif /* ZHIJIA_WIN_SYSMON_H */
