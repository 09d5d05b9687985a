/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Alerts to journald: one structured entry per alert or block finding, with the technique,
 * action, actor and target as fields of their own (ZHIJIA_*), a MESSAGE in plain words, a
 * PRIORITY from the severity and a MESSAGE_ID per sub-technique (stable: derived from the
 * technique id, so a journald catalog can explain it).
 */
#ifndef ZHIJIA_JOURNAL_H
#define ZHIJIA_JOURNAL_H

#include "zhijia/detect.h"
#include "zhijia/event.h"
#include "zhijia/policy.h"

#define ZJ_MESSAGE_ID_LEN 32

/* The MESSAGE_ID of a technique: 32 lowercase hex digits and a NUL into ret (33 bytes). */
void zj_message_id(const char *technique, char ret[ZJ_MESSAGE_ID_LEN + 1]);

/* syslog priority of a severity: critical 2, high 3, medium 4, low 5, info 6. */
int zj_severity_priority(uint32_t severity);

/*
 * A message about zhijiad itself that an administrator must see in the journal even when
 * stderr is not the journal (a policy that did not reload, lost records): MESSAGE at
 * `priority` with SYSLOG_IDENTIFIER=zhijiad.  0 or a negative errno.
 */
int zj_journal_message(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send one alert.  0, or the negative errno of sd_journal_send(). */
int zj_journal_alert(const struct zj_event *ev, const struct zj_finding *f,
		     const struct zj_decision *d, const char *policy_note,
		     const char *policy_hash);

#endif /* ZHIJIA_JOURNAL_H */
