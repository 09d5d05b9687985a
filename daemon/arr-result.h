/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The result file of an inbox rule (NAME.json.result), the document a SOAR platform polls.
 * Schema "zhijia.arr.result", version ZJ_ARR_RESULT_VERSION (zhijia-arr(5) describes it):
 *
 *   {"schema":"zhijia.arr.result","schema_version":1,
 *    "file":"NAME.json",
 *    "rule":{"name":"...","sha256":"<64 hex of the file's bytes>"},   (name null: unparsable)
 *    "host":{"id":"<machine-id>","hostname":"..."},
 *    "state":"running"|"finished"|"refused",
 *    "ok":true|false,                                  (absent while running)
 *    "started":"2026-11-28T06:20:00.123Z","ended":"..." (ended absent while running),
 *    "summary":{"done":N,"failed":N,"skipped":N},     (finished)
 *    "actions":[{"index":N,"action":"Process_Kill","status":"done"|"failed"|"skipped",
 *                "error":"...","reason":"...","objects":["..."]}],   (finished)
 *    "error":"..."                                     (refused)
 *    "time":<unix seconds>, "run":{...}}               (kept from version 0)
 *
 * Fields are only ever added within a schema_version; a change of meaning bumps it.
 */
#ifndef ZHIJIA_ARR_RESULT_H
#define ZHIJIA_ARR_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arr-exec.h"

#define ZJ_ARR_RESULT_SCHEMA "zhijia.arr.result"
#define ZJ_ARR_RESULT_VERSION 1

/* Wall clock in ms since the epoch. */
int64_t zj_arr_result_now_ms(void);

/*
 * A new result for rule file `file` whose bytes are text[0..len) (NULL: unread) and whose
 * rule is named rule_name (NULL: not parsed), started at started_ms.  NULL on -ENOMEM.
 */
json_object *zj_arr_result_new(const char *file, const char *state, const char *text, size_t len,
			       const char *rule_name, int64_t started_ms);

/* "finished": ok, ended, summary and actions from run. */
void zj_arr_result_finished(json_object *res, const struct zj_arr_run *run, int64_t ended_ms);

/* "refused": ok false, ended and the error. */
void zj_arr_result_refused(json_object *res, const char *error, int64_t ended_ms);

#endif /* ZHIJIA_ARR_RESULT_H */
