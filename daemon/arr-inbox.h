/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ARR inbox: a directory where a SOAR platform (or an administrator) drops rule files,
 * NAME.json, each run once.  The result is written beside it, NAME.json.result, atomically:
 * first {"state":"running",...} before the first action (so that a rule interrupted by a
 * crash is never run a second time), then {"state":"finished","ok":...,"run":{...}} or
 * {"state":"refused","error":"..."} for a rule that is not valid.  A file with a .result is
 * never run again; remove both to run it again.
 *
 * Only root's files count: the directory must be owned by root and writable by nobody else,
 * and so must each rule file (a regular file, not a link); others are refused with a result
 * that says why.  zhijiad looks every 2 s and runs the inbox in a child process, so that a long
 * rule never holds up the event path; `zhijiactl arr inbox` runs it once by hand.
 */
#ifndef ZHIJIA_ARR_INBOX_H
#define ZHIJIA_ARR_INBOX_H

#include <stddef.h>

#include "arr-exec.h"

#define ZJ_ARR_INBOX_DIR "/var/lib/zhijia/arr-inbox"

/* Create the inbox (0700, root) if it is missing.  0 or a negative errno. */
int zj_arr_inbox_init(const char *dir);

/* How many rule files wait (no .result yet); a negative errno if the inbox is unusable. */
int zj_arr_inbox_pending(const char *dir);

/*
 * Run every waiting rule file, in name order, with opts (its quarantine required); each run
 * is appended to event_log (NULL: not logged) as one JSON line, the run's with "source":
 * "inbox" and "file".  ret_ran (may be NULL) gets how many files were taken.
 */
int zj_arr_inbox_run(const char *dir, const struct zj_arr_exec_opts *opts, const char *event_log,
		     size_t *ret_ran);

/* Append one JSON line to the event log file (O_APPEND, one write).  0 or a negative errno. */
int zj_arr_log_line(const char *event_log, const char *json);

/*
 * The run's summary to journald: MESSAGE plus ZHIJIA_ARR_RULE, _SOURCE ("cli", "inbox",
 * "finding"), _DONE, _FAILED, _SKIPPED.  0, or the negative errno of sd_journal_send().
 */
int zj_arr_journal_summary(const struct zj_arr_run *run, const char *source,
			   const char *identifier);

#endif /* ZHIJIA_ARR_INBOX_H */
