/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One Sysmon event through the shared core: translate (sysmon.h), detect (detect.h), decide
 * (policy.h), write the event-log line (event.h's JSON with "findings"), and ask the platform
 * to enforce a block.  Portable C11: the subscriber (subscribe.c) and the tests call it alike.
 */
#ifndef ZHIJIA_WIN_PIPELINE_H
#define ZHIJIA_WIN_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "sysmon.h"
#include "zhijia/policy.h"

/*
 * Stop the actor of a finding the policy blocks.  On Windows this runs after the fact: Sysmon
 * reports what already happened, so the operation itself (the thread, the write, the value) is
 * not undone -- the actor is stopped so that it goes no further.  Returns 0 when the actor was
 * stopped, a negative errno otherwise; *ret_response says what was done (static text).
 */
typedef int (*zj_win_enforce_fn)(const struct zj_event *ev, const struct zj_finding *f,
				 const char **ret_response, void *userdata);

struct zj_win_pipeline {
	const struct zj_policy *policy;
	struct zj_win_proctab *proctab; /* may be NULL */
	zj_win_enforce_fn enforce;	/* NULL: block decisions are not enforced */
	void *userdata;
	struct zj_sysmon_record *record; /* scratch, allocated by zj_win_pipeline_init() */
	struct zj_buf out;		 /* the last event's JSON line */
	/* The last event: its findings and the decisions on them. */
	struct zj_event ev;
	struct zj_detect_ctx ctx;
	int n_findings;
	struct zj_finding findings[ZJ_FINDINGS_MAX];
	struct zj_decision decisions[ZJ_FINDINGS_MAX];
	int enforced[ZJ_FINDINGS_MAX]; /* -1 not a block; 0 not enforced; 1 enforced */
};

int zj_win_pipeline_init(struct zj_win_pipeline *p, const struct zj_policy *policy);
void zj_win_pipeline_done(struct zj_win_pipeline *p);

/*
 * Handle the first event in xml[0..len).  Returns the bytes consumed (0: no further event);
 * -ENOENT for an event of another provider (consumed: *ret_used is set), -EBADMSG etc.  When
 * the event was translated, p->out holds its JSON line (findings included) and *ret_translated
 * is 1; an event ID the front end does not translate leaves p->out empty.
 */
long zj_win_pipeline_handle(struct zj_win_pipeline *p, const char *xml, size_t len,
			    int *ret_translated);

#endif /* ZHIJIA_WIN_PIPELINE_H */
