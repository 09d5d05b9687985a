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

/* FNV-1a of the n bytes at s, from state h (64 bits). */
static uint64_t fnv1a(const char *s, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* v as 16 lowercase hex digits, zero-padded (printf's "%016llx"), into o. */
static void hex16(char *o, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--, v >>= 4)
		o[i] = digits[v & 0xf];
}

void zj_message_id(const char *technique, char ret[ZJ_MESSAGE_ID_LEN + 1])
{
	/*
	 * Two FNV-1a passes with different offset bases over the key "zhijia/<technique>" (at
	 * most 63 bytes of it, as it always was): 128 stable bits per technique.  Every alert
	 * asks, so the key is hashed in place and the digits written here, not with snprintf().
	 */
	static const char prefix[] = "zhijia/";
	const size_t np = sizeof(prefix) - 1, n = strnlen(technique, 63 - np);

	hex16(ret, fnv1a(technique, n, fnv1a(prefix, np, 0xcbf29ce484222325ULL)));
	hex16(ret + 16, fnv1a(technique, n, fnv1a(prefix, np, 0x6c62272e07bb0142ULL)));
	ret[ZJ_MESSAGE_ID_LEN] = '\0';
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
 *
 * jput: the field name=val (nl and len bytes) into j, or nothing when it does not fit.  A value
 * that may hold NULs (the event's views: cmdline, paths) is put with nuls, and its NULs become
 * spaces; a C string's or a number's has none to look for.
 */
static void jput(struct zj_jfields *j, const char *name, size_t nl, const char *val, size_t len,
		 bool nuls)
{
	size_t need = nl + 1 + len;
	char *o, *v, *end;

	if (j->n >= ZJ_JFIELDS_MAX || j->used + need > ZJ_JFIELDS_BYTES)
		return;
	o = j->buf + j->used;
	memcpy(o, name, nl);
	o[nl] = '=';
	v = o + nl + 1;
	end = v + len;
	if (len)
		memcpy(v, val, len);
	/* a value never carries NUL: cmdline separators become spaces */
	while (nuls && (v = memchr(v, '\0', (size_t)(end - v))) != NULL)
		*v++ = ' ';
	j->iov[j->n].iov_base = o;
	j->iov[j->n].iov_len = need;
	j->n++;
	j->used += need;
}

static void jadd_n(struct zj_jfields *j, const char *name, size_t nl, const char *val, size_t len)
{
	jput(j, name, nl, val, len, true);
}

/* Field names are literals: their lengths are known at compile time. */
#define JADD(j, lit, val, len) jadd_n((j), "" lit, sizeof(lit) - 1, (val), (len))

static void jstr_n(struct zj_jfields *j, const char *name, size_t nl, const char *val)
{
	if (val && *val)
		jput(j, name, nl, val, strlen(val), false); /* up to its NUL: none in it */
}
#define JSTR(j, lit, val) jstr_n((j), "" lit, sizeof(lit) - 1, (val))

static void jzj_n(struct zj_jfields *j, const char *name, size_t nl, const struct zj_str *s)
{
	size_t len = s->len;

	/* a cmdline ends in its last argument's NUL: no trailing space */
	while (len && s->ptr[len - 1] == '\0')
		len--;
	if (len)
		jadd_n(j, name, nl, s->ptr, len);
}
#define JZJ(j, lit, s) jzj_n((j), "" lit, sizeof(lit) - 1, (s))

/* A decimal number, as printf's "%u", "%llu" (and "%d" of one not negative) wrote it. */
static void jnum_n(struct zj_jfields *j, const char *name, size_t nl, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jput(j, name, nl, p, (size_t)(tmp + sizeof(tmp) - p), false);
}
#define JNUM(j, lit, v) jnum_n((j), "" lit, sizeof(lit) - 1, (v))

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
		jadd_n(j, name, strlen(name), v, (size_t)n < sizeof(v) ? (size_t)n : sizeof(v) - 1);
}

/*
 * Text into a buffer of cap bytes (cap >= 1) as snprintf() would leave it: the first cap - 1
 * bytes of the whole, and a NUL.  An alert's MESSAGE and title are put together with it,
 * without vsnprintf(): every alert has them (callgrind: a third of an alerted record's cost).
 */
struct jtext {
	char *buf;
	size_t cap, len;
};

static void jt_mem(struct jtext *t, const char *s, size_t n)
{
	size_t room = t->cap - 1 - t->len;

	if (n > room)
		n = room;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* "%s": the string up to its NUL; printf's "(null)" for NULL */
static void jt_str(struct jtext *t, const char *s)
{
	if (!s)
		s = "(null)";
	jt_mem(t, s, strlen(s));
}

/*
 * The head every entry of a technique starts with: MESSAGE_ID, SYSLOG_IDENTIFIER,
 * ZHIJIA_TECHNIQUE and its names; and its title "T1055.008 Ptrace System Calls (...)" in title
 * (title_len bytes at most, with the NUL: the length of the title is returned).
 */
static size_t jtechnique(struct zj_jfields *j, const char *technique, const struct zj_technique *t,
			 char *title, size_t title_len)
{
	char mid[ZJ_MESSAGE_ID_LEN + 1];
	struct jtext tt = {title, title_len, 0};

	zj_message_id(technique, mid);
	/* "%s %s%s%s%s": technique, the name, and " (name_zh)" when there is one */
	title[0] = '\0';
	jt_str(&tt, technique);
	jt_mem(&tt, " ", 1);
	jt_str(&tt, t ? t->name : "");
	if (t && t->name_zh) {
		jt_mem(&tt, " (", 2);
		jt_str(&tt, t->name_zh);
		jt_mem(&tt, ")", 1);
	}
	JSTR(j, "MESSAGE_ID", mid);
	JSTR(j, "SYSLOG_IDENTIFIER", "zhijiad");
	JSTR(j, "ZHIJIA_TECHNIQUE", technique);
	JSTR(j, "ZHIJIA_TECHNIQUE_NAME", t ? t->name : NULL);
	JSTR(j, "ZHIJIA_TECHNIQUE_NAME_ZH", t ? t->name_zh : NULL);
	return tt.len;
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
	const struct zj_technique *t = d->technique; /* zj_policy_decide() looked it up */
	const struct zj_tactic *tac = NULL;
	char title[256], msg[1024];
	struct jtext m = {msg, sizeof(msg), 0};
	const char *action = zj_action_name(d->action), *outcome = action;
	bool target = ev->flags & ZJ_EVF_HAS_TARGET;
	size_t title_len;
	int ti;

	if (t || zj_catalog_find(f->technique, &t) == 0) {
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
	title_len = jtechnique(j, f->technique, t, title, sizeof(title));
	/* "%s: %s [%s]" of title, reason and outcome, cut at 1023 bytes */
	jt_mem(&m, title, title_len);
	jt_mem(&m, ": ", 2);
	jt_str(&m, f->reason);
	jt_mem(&m, " [", 2);
	jt_str(&m, outcome);
	jt_mem(&m, "]", 1);
	JSTR(j, "MESSAGE", msg); /* msg[m.len] is its NUL, and it has none before */
	JNUM(j, "PRIORITY", (uint64_t)zj_severity_priority(f->severity)); /* 2..6 */
	JSTR(j, "ZHIJIA_TACTIC", tac ? tac->id : NULL);
	JSTR(j, "ZHIJIA_TACTIC_NAME", tac ? tac->name : NULL);
	JSTR(j, "ZHIJIA_ACTION", action);
	JSTR(j, "ZHIJIA_CONFIGURED", zj_action_name(d->configured));
	if (d->action == ZJ_ACTION_BLOCK)
		JSTR(j, "ZHIJIA_ENFORCED", (d->flags & ZJ_DECISION_ENFORCED) ? "yes" : "no");
	JSTR(j, "ZHIJIA_WHY", d->why);
	JSTR(j, "ZHIJIA_SEVERITY", zj_severity_name(f->severity));
	JSTR(j, "ZHIJIA_REASON", f->reason);
	JSTR(j, "ZHIJIA_BENIGN", f->benign);
	JSTR(j, "ZHIJIA_EVENT", zj_event_type_name(ev->type));
	JNUM(j, "ZHIJIA_EVENT_SEQ", ev->seq);
	JNUM(j, "ZHIJIA_ACTOR_PID", ev->actor.pid);
	JNUM(j, "ZHIJIA_ACTOR_UID", ev->actor.uid);
	JADD(j, "ZHIJIA_ACTOR_COMM", ev->actor.comm,
	     strnlen(ev->actor.comm, sizeof(ev->actor.comm)));
	JZJ(j, "ZHIJIA_ACTOR_EXE", &ev->actor.exe);
	JZJ(j, "ZHIJIA_ACTOR_CMDLINE", &ev->actor.cmdline);
	if (target) {
		JNUM(j, "ZHIJIA_TARGET_PID", ev->target.pid);
		JZJ(j, "ZHIJIA_TARGET_EXE", &ev->target.exe);
		JZJ(j, "ZHIJIA_TARGET_CMDLINE", &ev->target.cmdline);
	}
	if (ev->type == ZJ_EV_SOMAP)
		JZJ(j, "ZHIJIA_PATH", &ev->somap.path);
	if (ev->type == ZJ_EV_KMOD) {
		JZJ(j, "ZHIJIA_PATH", &ev->kmod.path);
		JZJ(j, "ZHIJIA_MODULE", &ev->kmod.name);
	}
	if (ev->type == ZJ_EV_FILE || ev->type == ZJ_EV_SETID) {
		JZJ(j, "ZHIJIA_PATH", &ev->file.path);
		if (ev->file.path2.len && ev->file.op == ZJ_FOP_SYMLINK)
			JZJ(j, "ZHIJIA_LINK_TARGET", &ev->file.path2);
		else if (ev->file.path2.len)
			JZJ(j, "ZHIJIA_OLD_PATH", &ev->file.path2);
	}
	if (ev->type == ZJ_EV_DENY) {
		JZJ(j, "ZHIJIA_PATH", &ev->deny.path);
		JSTR(j, "ZHIJIA_LSM_HOOK", zj_deny_hook_name(ev->deny.hook));
		JSTR(j, "ZHIJIA_DENIED", zj_deny_op_name(ev->deny.op));
	}
	if (ev->type == ZJ_EV_EXEC && (ev->flags & ZJ_EVF_LD_PRELOAD))
		JZJ(j, "ZHIJIA_LD_PRELOAD", &ev->exec.ld_preload);
	JSTR(j, "ZHIJIA_POLICY", policy_note);
	JSTR(j, "ZHIJIA_POLICY_HASH", policy_hash);
}

/* How many a summary stands for, and the range of their events. */
static void jcounts(struct zj_jfields *j, const struct zj_coalesced *c)
{
	JNUM(j, "ZHIJIA_COALESCED", c->count);
	JNUM(j, "ZHIJIA_FIRST_EVENT_SEQ", c->first_seq);
	JNUM(j, "ZHIJIA_LAST_EVENT_SEQ", c->last_seq);
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
		JNUM(j, "PRIORITY", (uint64_t)zj_severity_priority(c->severity)); /* 2..6 */
		JSTR(j, "SYSLOG_IDENTIFIER", "zhijiad");
		jcounts(j, c);
		return;
	}
	(void)zj_catalog_find(c->technique, &t);
	(void)jtechnique(j, c->technique, t, title, sizeof(title));
	jfmt(j, "MESSAGE",
	     "%s: %llu more %s alerts (events %llu to %llu, last by %s pid %u) not sent one by one "
	     "(a storm); each is in the event log",
	     title, (unsigned long long)c->count, zj_action_name(c->action),
	     (unsigned long long)c->first_seq, (unsigned long long)c->last_seq, c->last_comm,
	     c->last_pid);
	JNUM(j, "PRIORITY", (uint64_t)zj_severity_priority(c->severity));
	JSTR(j, "ZHIJIA_ACTION", zj_action_name(c->action));
	JSTR(j, "ZHIJIA_SEVERITY", zj_severity_name(c->severity));
	jcounts(j, c);
	JNUM(j, "ZHIJIA_ACTOR_PID", c->last_pid);
	JADD(j, "ZHIJIA_ACTOR_COMM", c->last_comm, strnlen(c->last_comm, sizeof(c->last_comm)));
	JSTR(j, "ZHIJIA_POLICY_HASH", c->policy_hash[0] ? c->policy_hash : NULL);
}

int zj_journal_send_fields(const struct zj_jfields *j)
{
	return sd_journal_sendv(j->iov, (int)j->n);
}
