/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Alerts to journald: one structured entry per alert or block finding, with the technique,
 * action, actor and target as fields of their own (ZHIJIA_*), a MESSAGE in plain words, a
 * PRIORITY from the severity and a MESSAGE_ID per sub-technique (stable: derived from the
 * technique id, so a journald catalog can explain it).
 */
#ifndef ZHIJIA_JOURNAL_H
#define ZHIJIA_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

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

/*
 * One journald entry's fields, "NAME=value" each, as iovecs into buf (so a copy of the struct
 * does not carry them: zj_alertq copies the bytes and the lengths).  A field that does not fit
 * is left out.
 */
#define ZJ_JFIELDS_MAX 40
#define ZJ_JFIELDS_BYTES 24576
struct zj_jfields {
	struct iovec iov[ZJ_JFIELDS_MAX];
	size_t n;
	char buf[ZJ_JFIELDS_BYTES];
	size_t used;
};

/* The fields of finding f of event ev decided as d, into j (emptied first). */
void zj_journal_alert_fields(struct zj_jfields *j, const struct zj_event *ev,
			     const struct zj_finding *f, const struct zj_decision *d,
			     const char *policy_note, const char *policy_hash);

/*
 * Alerts of one technique and action that were counted instead of sent, because journald did
 * not take them as fast as they came (zj_alertq): sent later as one entry with
 * ZHIJIA_COALESCED=count and the first and last event's seq, under the technique's MESSAGE_ID.
 */
struct zj_coalesced {
	char technique[16];
	uint32_t action;
	uint32_t severity; /* the highest of them */
	uint64_t count;
	uint64_t first_seq, last_seq;
	uint32_t last_pid;
	char last_comm[16];
	char policy_hash[72];
};

/* The summary entry of c into j (emptied first). */
void zj_journal_coalesced_fields(struct zj_jfields *j, const struct zj_coalesced *c);

/* Send j.  0, or the negative errno of sd_journal_sendv(). */
int zj_journal_send_fields(const struct zj_jfields *j);

#endif /* ZHIJIA_JOURNAL_H */
