/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Windows-only parts of the port: enforcement (enforce-win.c), the Sysmon subscription
 * (subscribe.c), UTF-8 <-> UTF-16 (here), the ARR executor (arr-win.c).
 */
#ifndef ZHIJIA_WIN_H
#define ZHIJIA_WIN_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "pipeline.h"

#define ZJ_WIN_ENFORCE_TERMINATE 1 /* TerminateProcess */
#define ZJ_WIN_ENFORCE_SUSPEND 2   /* NtSuspendProcess: the actor stays for inspection */

/* Processes never stopped: System, smss, csrss, wininit, services, lsass, winlogon (by
 * comm), pid 0 and 4, and zhijia itself. */
bool zj_win_critical_process(const struct zj_proc *p);

/* zj_win_enforce_fn; userdata points to an int ZJ_WIN_ENFORCE_*. */
int zj_win_enforce(const struct zj_event *ev, const struct zj_finding *f, const char **ret_response,
		   void *userdata);

/*
 * Subscribe to ZJ_SYSMON_CHANNEL and run every event through p until `seconds` passed (0:
 * until Ctrl-C).  Writes each line to stdout.  Returns 0, or a negative errno with msg set
 * (e.g. the channel does not exist: Sysmon is not installed).
 */
int zj_win_subscribe(struct zj_win_pipeline *p, unsigned seconds, char *msg, size_t msglen);

/* UTF-8 -> a malloc()ed UTF-16 string; NULL on invalid input or no memory. */
wchar_t *zj_win_wide(const char *s, size_t n);
/* UTF-16 -> a malloc()ed UTF-8 string (*ret_len its length); NULL on failure. */
char *zj_win_utf8(const wchar_t *s, size_t *ret_len);

#endif /* ZHIJIA_WIN_H */
