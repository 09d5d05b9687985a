/* SPDX-License-Identifier: GPL-2.0-only */
/* One Sysmon event through the shared core (pipeline.h). */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "zhijia/catalog.h"
#include "zhijia/errors.h"

int zj_win_pipeline_init(struct zj_win_pipeline *p, const struct zj_policy *policy)
{
	memset(p, 0, sizeof(*p));
	p->policy = policy;
	p->record = malloc(sizeof(*p->record));
	return p->record ? 0 : -ZJ_ENOMEM;
}

void zj_win_pipeline_done(struct zj_win_pipeline *p)
{
	free(p->record);
	p->record = NULL;
	zj_buf_free(&p->out);
}

static int emit(struct zj_win_pipeline *p)
{
	struct zj_log_finding lf[ZJ_FINDINGS_MAX];
	const char *responses[ZJ_FINDINGS_MAX] = {NULL};

	for (int i = 0; i < p->n_findings; i++) {
		const struct zj_finding *f = &p->findings[i];
		const struct zj_decision *d = &p->decisions[i];
		const struct zj_technique *t = NULL;
		int tac;

		p->enforced[i] = -1;
		if (d->action == ZJ_ACTION_BLOCK) {
			p->enforced[i] = 0;
			if (p->enforce && p->enforce(&p->ev, f, &responses[i], p->userdata) == 0)
				p->enforced[i] = 1;
		}
		(void)zj_catalog_find(f->technique, &t);
		tac = t ? zj_technique_primary_tactic(t) : -1;
		lf[i] = (struct zj_log_finding){
			.technique = f->technique,
			.name = t ? t->name : NULL,
			.name_zh = t ? t->name_zh : NULL,
			.tactic = tac >= 0 ? zj_catalog_tactic((size_t)tac)->id : NULL,
			.severity = zj_severity_name(f->severity),
			.action = zj_action_name(d->action),
			.configured = zj_action_name(d->configured),
			.why = d->why,
			.reason = f->reason,
			.benign = f->flags & ZJ_FIND_BENIGN ? f->benign : NULL,
			.enforced = p->enforced[i],
			.response = responses[i],
		};
	}
	return zj_event_to_json_findings(&p->ev, lf, (size_t)p->n_findings, &p->out);
}

long zj_win_pipeline_handle(struct zj_win_pipeline *p, const char *xml, size_t len,
			    int *ret_translated)
{
	long used = zj_sysmon_parse(xml, len, p->record);
	int r, n = 0;

	*ret_translated = 0;
	p->out.len = 0;
	p->n_findings = 0;
	if (used <= 0)
		return used;
	r = zj_sysmon_to_event(p->record, p->proctab, &p->ev, &p->ctx);
	if (r <= 0)
		return r < 0 ? r : used;
	n = zj_detect_event(&p->ev, &p->ctx, ZJ_FINDINGS_MAX, p->findings);
	if (n < 0)
		return n;
	p->n_findings = n;
	for (int i = 0; i < n; i++) {
		/* Off: the finding is dropped from the line as from the alerts. */
		r = zj_policy_decide(p->policy, &p->ev, &p->ctx, &p->findings[i], &p->decisions[i]);
		if (r < 0)
			return r;
	}
	for (int i = 0, j = 0; i < n; i++) {
		if (p->decisions[i].action == ZJ_ACTION_OFF) {
			p->n_findings--;
			continue;
		}
		p->findings[j] = p->findings[i];
		p->decisions[j++] = p->decisions[i];
	}
	r = emit(p);
	if (r < 0)
		return r;
	*ret_translated = 1;
	return used;
}
