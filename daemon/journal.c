/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <systemd/sd-journal.h>

#include "zhijia/catalog.h"
#include "zhijia/bpf_abi.h"
#include "journal.h"

static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void zj_message_id(const char *technique, char ret[ZJ_MESSAGE_ID_LEN + 1])
{
	char key[64];

	/* two FNV-1a passes with different offset bases: 128 stable bits per technique */
	snprintf(key, sizeof(key), "zhijia/%s", technique);
	snprintf(ret, ZJ_MESSAGE_ID_LEN + 1, "%016llx%016llx",
		 (unsigned long long)fnv1a(key, 0xcbf29ce484222325ULL),
		 (unsigned long long)fnv1a(key, 0x6c62272e07bb0142ULL));
}

int zj_severity_priority(uint32_t severity)
{
	switch (severity) {
	case ZJ_SEV_CRITICAL:
		return 2;
	case ZJ_SEV_HIGH:
		return 3;
	case ZJ_SEV_MEDIUM:
		return 4;
	case ZJ_SEV_LOW:
		return 5;
	default:
		return 6;
	}
}

/*
 * Fields are assembled into one buffer and sent with sd_journal_sendv(), so that absent ones
 * (no target, no path, no Chinese name) are left out rather than sent empty.  journald takes
 * any bytes but NUL in a value; newlines are fine (the native protocol sends them sized).
 */
static void jadd(struct zj_jfields *j, const char *name, const char *val, size_t len)
{
	size_t nl = strlen(name), need = nl + 1 + len;
	char *o;

	if (j->n >= ZJ_JFIELDS_MAX || j->used + need > ZJ_JFIELDS_BYTES)
		return;
	o = j->buf + j->used;
	memcpy(o, name, nl);
	o[nl] = '=';
	/* a value never carries NUL: cmdline separators become spaces */
	for (size_t i = 0; i < len; i++)
		o[nl + 1 + i] = val[i] ? val[i] : ' ';
	j->iov[j->n].iov_base = o;
	j->iov[j->n].iov_len = need;
	j->n++;
	j->used += need;
}

static void jstr(struct zj_jfields *j, const char *name, const char *val)
{
	if (val && *val)
		jadd(j, name, val, strlen(val));
}

static void jzj(struct zj_jfields *j, const char *name, const struct zj_str *s)
{
	size_t len = s->len;

	/* a cmdline ends in its last argument's NUL: no trailing space */
	while (len && s->ptr[len - 1] == '\0')
		len--;
	if (len)
		jadd(j, name, s->ptr, len);
}

static void jfmt(struct zj_jfields *j, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void jfmt(struct zj_jfields *j, const char *name, const char *fmt, ...)
{
	char v[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (n > 0)
		jadd(j, name, v, (size_t)n < sizeof(v) ? (size_t)n : sizeof(v) - 1);
}

/*
 * The head every entry of a technique starts with: MESSAGE_ID, SYSLOG_IDENTIFIER,
 * ZHIJIA_TECHNIQUE and its names; and its title "T1055.008 Ptrace System Calls (...)" in title.
 */
static void jtechnique(struct zj_jfields *j, const char *technique, const struct zj_technique *t,
		       char *title, size_t title_len)
{
	char mid[ZJ_MESSAGE_ID_LEN + 1];

	zj_message_id(technique, mid);
	snprintf(title, title_len, "%s %s%s%s%s", technique, t ? t->name : "",
		 t && t->name_zh ? " (" : "", t && t->name_zh ? t->name_zh : "",
		 t && t->name_zh ? ")" : "");
	jstr(j, "MESSAGE_ID", mid);
	jstr(j, "SYSLOG_IDENTIFIER", "zhijiad");
	jstr(j, "ZHIJIA_TECHNIQUE", technique);
	jstr(j, "ZHIJIA_TECHNIQUE_NAME", t ? t->name : NULL);
	jstr(j, "ZHIJIA_TECHNIQUE_NAME_ZH", t ? t->name_zh : NULL);
}

int zj_journal_message(int priority, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", priority,
			       "SYSLOG_IDENTIFIER=zhijiad", NULL);
}

void zj_journal_alert_fields(struct zj_jfields *j, const struct zj_event *ev,
			     const struct zj_finding *f, const struct zj_decision *d,
			     const char *policy_note, const char *policy_hash)
{
	const struct zj_technique *t = NULL;
	const struct zj_tactic *tac = NULL;
	char title[256];
	const char *action = zj_action_name(d->action), *outcome = action;
	bool target = ev->flags & ZJ_EVF_HAS_TARGET;
	int ti;

	if (zj_catalog_find(f->technique, &t) == 0) {
		ti = zj_technique_primary_tactic(t);
		if (ti >= 0)
			tac = zj_catalog_tactic((size_t)ti);
	}
	if (d->action == ZJ_ACTION_BLOCK)
		outcome = (d->flags & ZJ_DECISION_ENFORCED)
				  ? "blocked"
				  : "block requested, NOT enforced: it went ahead";
	j->n = 0;
	j->used = 0;
	jtechnique(j, f->technique, t, title, sizeof(title));
	jfmt(j, "MESSAGE", "%s: %s [%s]", title, f->reason, outcome);
	jfmt(j, "PRIORITY", "%d", zj_severity_priority(f->severity));
	jstr(j, "ZHIJIA_TACTIC", tac ? tac->id : NULL);
	jstr(j, "ZHIJIA_TACTIC_NAME", tac ? tac->name : NULL);
	jstr(j, "ZHIJIA_ACTION", action);
	jstr(j, "ZHIJIA_CONFIGURED", zj_action_name(d->configured));
	if (d->action == ZJ_ACTION_BLOCK)
		jstr(j, "ZHIJIA_ENFORCED", (d->flags & ZJ_DECISION_ENFORCED) ? "yes" : "no");
	jstr(j, "ZHIJIA_WHY", d->why);
	jstr(j, "ZHIJIA_SEVERITY", zj_severity_name(f->severity));
	jstr(j, "ZHIJIA_REASON", f->reason);
	jstr(j, "ZHIJIA_BENIGN", f->benign);
	jstr(j, "ZHIJIA_EVENT", zj_event_type_name(ev->type));
	jfmt(j, "ZHIJIA_EVENT_SEQ", "%llu", (unsigned long long)ev->seq);
	jfmt(j, "ZHIJIA_ACTOR_PID", "%u", ev->actor.pid);
	jfmt(j, "ZHIJIA_ACTOR_UID", "%u", ev->actor.uid);
	jadd(j, "ZHIJIA_ACTOR_COMM", ev->actor.comm,
	     strnlen(ev->actor.comm, sizeof(ev->actor.comm)));
	jzj(j, "ZHIJIA_ACTOR_EXE", &ev->actor.exe);
	jzj(j, "ZHIJIA_ACTOR_CMDLINE", &ev->actor.cmdline);
	if (target) {
		jfmt(j, "ZHIJIA_TARGET_PID", "%u", ev->target.pid);
		jzj(j, "ZHIJIA_TARGET_EXE", &ev->target.exe);
		jzj(j, "ZHIJIA_TARGET_CMDLINE", &ev->target.cmdline);
	}
	if (ev->type == ZJ_EV_SOMAP)
		jzj(j, "ZHIJIA_PATH", &ev->somap.path);
	if (ev->type == ZJ_EV_KMOD) {
		jzj(j, "ZHIJIA_PATH", &ev->kmod.path);
		jzj(j, "ZHIJIA_MODULE", &ev->kmod.name);
	}
	if (ev->type == ZJ_EV_FILE || ev->type == ZJ_EV_SETID) {
		jzj(j, "ZHIJIA_PATH", &ev->file.path);
		if (ev->file.path2.len)
			jzj(j,
			    ev->file.op == ZJ_FOP_SYMLINK ? "ZHIJIA_LINK_TARGET"
							  : "ZHIJIA_OLD_PATH",
			    &ev->file.path2);
	}
	if (ev->type == ZJ_EV_DENY) {
		jzj(j, "ZHIJIA_PATH", &ev->deny.path);
		jstr(j, "ZHIJIA_LSM_HOOK", zj_deny_hook_name(ev->deny.hook));
		jstr(j, "ZHIJIA_DENIED", zj_deny_op_name(ev->deny.op));
	}
	if (ev->type == ZJ_EV_EXEC && (ev->flags & ZJ_EVF_LD_PRELOAD))
		jzj(j, "ZHIJIA_LD_PRELOAD", &ev->exec.ld_preload);
	jstr(j, "ZHIJIA_POLICY", policy_note);
	jstr(j, "ZHIJIA_POLICY_HASH", policy_hash);
}

void zj_journal_coalesced_fields(struct zj_jfields *j, const struct zj_coalesced *c)
{
	const struct zj_technique *t = NULL;
	char title[256];

	j->n = 0;
	j->used = 0;
	if (!c->technique[0]) {
		/* more techniques than zj_alertq keeps apart: one count for the rest */
		jfmt(j, "MESSAGE",
		     "%llu more alerts of further techniques (events %llu to %llu, last by %s pid "
		     "%u) not sent one by one (a storm); each is in the event log",
		     (unsigned long long)c->count, (unsigned long long)c->first_seq,
		     (unsigned long long)c->last_seq, c->last_comm, c->last_pid);
		jfmt(j, "PRIORITY", "%d", zj_severity_priority(c->severity));
		jstr(j, "SYSLOG_IDENTIFIER", "zhijiad");
		jfmt(j, "ZHIJIA_COALESCED", "%llu", (unsigned long long)c->count);
		jfmt(j, "ZHIJIA_FIRST_EVENT_SEQ", "%llu", (unsigned long long)c->first_seq);
		jfmt(j, "ZHIJIA_LAST_EVENT_SEQ", "%llu", (unsigned long long)c->last_seq);
		return;
	}
	(void)zj_catalog_find(c->technique, &t);
	jtechnique(j, c->technique, t, title, sizeof(title));
	jfmt(j, "MESSAGE",
	     "%s: %llu more %s alerts (events %llu to %llu, last by %s pid %u) not sent one by one "
	     "(a storm); each is in the event log",
	     title, (unsigned long long)c->count, zj_action_name(c->action),
	     (unsigned long long)c->first_seq, (unsigned long long)c->last_seq, c->last_comm,
	     c->last_pid);
	jfmt(j, "PRIORITY", "%d", zj_severity_priority(c->severity));
	jstr(j, "ZHIJIA_ACTION", zj_action_name(c->action));
	jstr(j, "ZHIJIA_SEVERITY", zj_severity_name(c->severity));
	jfmt(j, "ZHIJIA_COALESCED", "%llu", (unsigned long long)c->count);
	jfmt(j, "ZHIJIA_FIRST_EVENT_SEQ", "%llu", (unsigned long long)c->first_seq);
	jfmt(j, "ZHIJIA_LAST_EVENT_SEQ", "%llu", (unsigned long long)c->last_seq);
	jfmt(j, "ZHIJIA_ACTOR_PID", "%u", c->last_pid);
	jadd(j, "ZHIJIA_ACTOR_COMM", c->last_comm, strnlen(c->last_comm, sizeof(c->last_comm)));
	jstr(j, "ZHIJIA_POLICY_HASH", c->policy_hash[0] ? c->policy_hash : NULL);
}

int zj_journal_send_fields(const struct zj_jfields *j)
{
	return sd_journal_sendv(j->iov, (int)j->n);
}
