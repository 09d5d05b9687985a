/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sysmon event XML -> struct zj_event (sysmon.h).  The XML is the rendering of one event to
 * Microsoft's event schema, which is a small, regular subset of XML: elements, attributes in
 * single or double quotes, the five predefined entities and character references, comments and
 * a declaration.  No DTDs, no CDATA (EvtRender never writes them): either is -EBADMSG.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysmon.h"
#include "zhijia/errors.h"

/* ---- the XML subset ---------------------------------------------------------------------- */

#define DEPTH_MAX 8
#define NAME_MAX 32

struct px {
	const char *s;
	size_t len;
	size_t pos;
	struct zj_sysmon_record *r;
	char stack[DEPTH_MAX][NAME_MAX];
	int depth;
	bool had_child[DEPTH_MAX];
	size_t text_start; /* where the innermost open element's content starts */
	/* Attributes of the start tag being read that matter: Name (Data, Provider), SystemTime */
	const char *attr_name;
	const char *attr_time;
	const char *data_name; /* the open <Data>'s Name */
	bool is_sysmon;
	bool have_id;
};

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == ':';
}

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append bytes to the arena, NUL-terminated later by arena_end(); -ENOSPC. */
static int arena_put(struct zj_sysmon_record *r, const char *p, size_t n)
{
	if (n >= sizeof(r->arena) - r->used)
		return -ZJ_ENOSPC;
	memcpy(r->arena + r->used, p, n);
	r->used += n;
	return 0;
}

static int put_utf8(struct zj_sysmon_record *r, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -ZJ_EBADMSG;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return arena_put(r, b, n);
}

/* Decode p[0..n) (entities) into the arena as a NUL-terminated string; its start, or NULL. */
static const char *decode(struct zj_sysmon_record *r, const char *p, size_t n, int *err)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
	const char *start = r->arena + r->used;
	int e = 0;

	for (size_t i = 0; i < n && !e;) {
		const char *semi;
		size_t elen;

		if (p[i] != '&') {
			size_t j = i;

			while (j < n && p[j] != '&')
				j++;
			e = arena_put(r, p + i, j - i);
			i = j;
			continue;
		}
		semi = memchr(p + i, ';', n - i);
		if (!semi || semi - (p + i) > 10) {
			e = -ZJ_EBADMSG;
			break;
		}
		elen = (size_t)(semi - (p + i)) - 1; /* between '&' and ';' */
		if (elen >= 2 && p[i + 1] == '#') {
			unsigned long cp = 0;
			bool hex = p[i + 2] == 'x';
			size_t k = i + (hex ? 3 : 2);

			if (k >= (size_t)(semi - p)) {
				e = -ZJ_EBADMSG;
				break;
			}
			for (; k < (size_t)(semi - p); k++) {
				char c = p[k];
				int d = c >= '0' && c <= '9'	      ? c - '0'
					: hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
					: hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
								      : -1;

				if (d < 0) {
					e = -ZJ_EBADMSG;
					break;
				}
				cp = cp * (hex ? 16 : 10) + (unsigned long)d;
			}
			if (!e)
				e = put_utf8(r, cp);
		} else {
			size_t k;

			for (k = 0; k < sizeof(named) / sizeof(named[0]); k++)
				if (strlen(named[k].name) == elen &&
				    memcmp(p + i + 1, named[k].name, elen) == 0)
					break;
			if (k == sizeof(named) / sizeof(named[0]))
				e = -ZJ_EBADMSG;
			else
				e = arena_put(r, &named[k].c, 1);
		}
		i = (size_t)(semi - p) + 1;
	}
	if (!e)
		e = arena_put(r, "", 1); /* the NUL */
	if (e) {
		*err = e;
		return NULL;
	}
	return start;
}

static const char *find(const char *s, size_t len, size_t from, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t i = from; i + n <= len; i++)
		if (s[i] == lit[0] && memcmp(s + i, lit, n) == 0)
			return s + i;
	return NULL;
}

static bool in(const struct px *x, int depth, const char *name)
{
	return x->depth > depth && strcmp(x->stack[depth], name) == 0;
}

/* Read a start tag at x->pos ('<' seen, name next).  Sets *self_closing. */
static int start_tag(struct px *x, bool *self_closing)
{
	const char *s = x->s;
	size_t i = x->pos + 1, n0 = i;
	int err = 0;

	while (i < x->len && name_char(s[i]))
		i++;
	if (i == n0 || i - n0 >= NAME_MAX || x->depth >= DEPTH_MAX)
		return -ZJ_EBADMSG;
	if (x->depth > 0)
		x->had_child[x->depth - 1] = true;
	memcpy(x->stack[x->depth], s + n0, i - n0);
	x->stack[x->depth][i - n0] = '\0';
	x->had_child[x->depth] = false;
	x->attr_name = NULL;
	x->attr_time = NULL;
	for (;;) {
		size_t a0, a1;
		char q;
		const char *end;

		while (i < x->len && space(s[i]))
			i++;
		if (i >= x->len)
			return -ZJ_EBADMSG;
		if (s[i] == '>' || (s[i] == '/' && i + 1 < x->len && s[i + 1] == '>')) {
			*self_closing = s[i] == '/';
			i += *self_closing ? 2 : 1;
			break;
		}
		a0 = i;
		while (i < x->len && name_char(s[i]))
			i++;
		a1 = i;
		if (a1 == a0)
			return -ZJ_EBADMSG;
		while (i < x->len && space(s[i]))
			i++;
		if (i >= x->len || s[i] != '=')
			return -ZJ_EBADMSG;
		i++;
		while (i < x->len && space(s[i]))
			i++;
		if (i >= x->len || (s[i] != '\'' && s[i] != '"'))
			return -ZJ_EBADMSG;
		q = s[i++];
		end = memchr(s + i, q, x->len - i);
		if (!end || memchr(s + i, '<', (size_t)(end - (s + i))))
			return -ZJ_EBADMSG;
		if (a1 - a0 == 4 && memcmp(s + a0, "Name", 4) == 0) {
			x->attr_name = decode(x->r, s + i, (size_t)(end - (s + i)), &err);
			if (!x->attr_name)
				return err;
		} else if (a1 - a0 == 10 && memcmp(s + a0, "SystemTime", 10) == 0) {
			x->attr_time = decode(x->r, s + i, (size_t)(end - (s + i)), &err);
			if (!x->attr_time)
				return err;
		}
		i = (size_t)(end - s) + 1;
	}
	x->depth++;
	x->pos = i;
	x->text_start = i;
	return 0;
}

/* "2026-11-28T06:20:00.1234567Z" -> ns since the epoch (days from the civil date). */
static int64_t parse_time(const char *t)
{
	int y, mo, d, h, mi, s;
	char frac[16] = "";
	int64_t days, ns = 0;
	unsigned yy, era, yoe, doy, doe;

	if (!t || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
		return 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return 0;
	if (t[19] == '.')
		sscanf(t + 20, "%15[0-9]", frac);
	for (int i = 0; i < 9; i++)
		ns = ns * 10 + (frac[i] && i < (int)strlen(frac) ? frac[i] - '0' : 0);
	yy = (unsigned)(mo <= 2 ? y - 1 : y);
	era = yy / 400;
	yoe = yy - era * 400;
	doy = (153u * (unsigned)(mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + (unsigned)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = (int64_t)era * 146097 + (int64_t)doe - 719468;
	return ((days * 86400 + h * 3600 + mi * 60 + s) * 1000000000LL) + ns;
}

static int end_tag(struct px *x, size_t lt)
{
	const char *s = x->s;
	size_t i = lt + 2, n0 = i;
	int top = x->depth - 1, err = 0;
	const char *text = NULL;

	while (i < x->len && name_char(s[i]))
		i++;
	if (top < 0 || strlen(x->stack[top]) != i - n0 || memcmp(x->stack[top], s + n0, i - n0))
		return -ZJ_EBADMSG;
	while (i < x->len && space(s[i]))
		i++;
	if (i >= x->len || s[i] != '>')
		return -ZJ_EBADMSG;
	if (!x->had_child[top] && (in(x, 1, "System") || in(x, 1, "EventData"))) {
		text = decode(x->r, s + x->text_start, lt - x->text_start, &err);
		if (!text)
			return err;
	}
	if (top == 2 && in(x, 1, "System") && strcmp(x->stack[2], "EventID") == 0) {
		char *e;
		unsigned long v = strtoul(text, &e, 10);

		if (e == text || *e || v > UINT32_MAX)
			return -ZJ_EBADMSG;
		x->r->event_id = (uint32_t)v;
		x->have_id = true;
	} else if (top == 2 && in(x, 1, "System") && strcmp(x->stack[2], "EventRecordID") == 0) {
		x->r->record_id = strtoull(text, NULL, 10);
	} else if (top == 2 && in(x, 1, "EventData") && strcmp(x->stack[2], "Data") == 0) {
		if (x->data_name) {
			struct zj_sysmon_field *f;

			if (x->r->n_fields >= ZJ_SYSMON_FIELDS_MAX)
				return -ZJ_ENOSPC;
			f = &x->r->fields[x->r->n_fields++];
			f->name = x->data_name;
			f->value = text;
			f->len = strlen(text);
		}
		x->data_name = NULL;
	}
	x->depth--;
	x->pos = i + 1;
	return 0;
}

/* What a start tag means where it is. */
static void opened(struct px *x, bool self_closing)
{
	int top = x->depth - 1;

	if (top == 2 && in(x, 1, "System") && strcmp(x->stack[2], "Provider") == 0)
		x->is_sysmon = x->attr_name && strcmp(x->attr_name, ZJ_SYSMON_PROVIDER) == 0;
	else if (top == 2 && in(x, 1, "System") && strcmp(x->stack[2], "TimeCreated") == 0)
		x->r->time_ns = parse_time(x->attr_time);
	else if (top == 2 && in(x, 1, "EventData") && strcmp(x->stack[2], "Data") == 0)
		x->data_name = x->attr_name;
	if (self_closing && top == 2 && in(x, 1, "EventData") && x->data_name &&
	    x->r->n_fields < ZJ_SYSMON_FIELDS_MAX) {
		/* <Data Name='X'/>: an empty value (the name's NUL serves as the empty string) */
		struct zj_sysmon_field *f = &x->r->fields[x->r->n_fields++];

		f->name = x->data_name;
		f->value = x->data_name + strlen(x->data_name);
		f->len = 0;
		x->data_name = NULL;
	}
}

long zj_sysmon_parse(const char *xml, size_t len, struct zj_sysmon_record *r)
{
	struct px x = {.s = xml, .len = len, .r = r};
	const char *ev;
	size_t from = 0;
	int err;

	if (!xml || !r)
		return -ZJ_EINVAL;
	memset(r, 0, offsetof(struct zj_sysmon_record, arena));
	/* The next <Event> start tag (not <EventData>). */
	for (;;) {
		ev = find(xml, len, from, "<Event");
		if (!ev)
			return 0;
		if ((size_t)(ev - xml) + 6 < len && (space(ev[6]) || ev[6] == '>' || ev[6] == '/'))
			break;
		from = (size_t)(ev - xml) + 6;
	}
	x.pos = (size_t)(ev - xml);
	for (;;) {
		const char *lt;
		bool self_closing = false;

		if (x.pos >= len)
			return -ZJ_EBADMSG;
		lt = memchr(xml + x.pos, '<', len - x.pos);
		if (!lt)
			return -ZJ_EBADMSG;
		x.pos = (size_t)(lt - xml);
		if (find(xml, len, x.pos, "<!--") == lt) {
			const char *e = find(xml, len, x.pos + 4, "-->");

			if (!e)
				return -ZJ_EBADMSG;
			x.pos = (size_t)(e - xml) + 3;
			continue;
		}
		if (x.pos + 1 < len && (xml[x.pos + 1] == '!' || xml[x.pos + 1] == '?'))
			return -ZJ_EBADMSG; /* CDATA, DTD, a declaration inside the element */
		if (x.pos + 1 < len && xml[x.pos + 1] == '/') {
			err = end_tag(&x, x.pos);
			if (err)
				return err;
		} else {
			err = start_tag(&x, &self_closing);
			if (err)
				return err;
			opened(&x, self_closing);
			if (self_closing)
				x.depth--;
		}
		if (x.depth == 0)
			break;
	}
	if (strcmp(x.stack[0], "Event") != 0 || !x.have_id)
		return -ZJ_EBADMSG;
	if (!x.is_sysmon)
		return -ZJ_ENOENT;
	return (long)x.pos;
}

const char *zj_sysmon_field(const struct zj_sysmon_record *r, const char *name, size_t *ret_len)
{
	for (uint32_t i = 0; i < r->n_fields; i++) {
		if (strcmp(r->fields[i].name, name) == 0) {
			if (ret_len)
				*ret_len = r->fields[i].len;
			return r->fields[i].value;
		}
	}
	return NULL;
}

/* ---- the process table ------------------------------------------------------------------- */

#define PT_MAX 1024
#define GUID_MAX 40
#define IMAGE_MAX 1024

struct pt_entry {
	char guid[GUID_MAX];
	char parent_guid[GUID_MAX];
	uint32_t pid;
	uint32_t ppid;
	uint32_t flags;
	char image[IMAGE_MAX];
};

struct zj_win_proctab {
	size_t next; /* round robin: the oldest gives way */
	struct pt_entry e[PT_MAX];
};

int zj_win_proctab_new(struct zj_win_proctab **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ZJ_ENOMEM;
}

void zj_win_proctab_free(struct zj_win_proctab *t)
{
	free(t);
}

static const struct pt_entry *pt_find(const struct zj_win_proctab *t, const char *guid)
{
	if (!t || !guid || !*guid)
		return NULL;
	for (size_t i = 0; i < PT_MAX; i++)
		if (t->e[i].guid[0] && strcmp(t->e[i].guid, guid) == 0)
			return &t->e[i];
	return NULL;
}

/* ---- translation ------------------------------------------------------------------------- */

static struct zj_str view(const char *s)
{
	struct zj_str v = {s, s ? strlen(s) : 0};

	return v;
}

static const char *field(const struct zj_sysmon_record *r, const char *a, const char *b)
{
	const char *v = zj_sysmon_field(r, a, NULL);

	return v || !b ? v : zj_sysmon_field(r, b, NULL);
}

static int parse_u32(const char *s, uint32_t *ret)
{
	char *e;
	unsigned long long v;

	if (!s || !*s)
		return -ZJ_EBADMSG;
	v = strtoull(s, &e, 0);
	if (*e || v > UINT32_MAX)
		return -ZJ_EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

/* Accounts whose processes are the system's: LocalSystem, LocalService, NetworkService. */
static bool system_user(const char *user)
{
	static const char *const names[] = {"NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\LOCAL SERVICE",
					    "NT AUTHORITY\\NETWORK SERVICE"};

	for (size_t i = 0; user && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(user, names[i]) == 0)
			return true;
	return false;
}

static void set_comm(struct zj_proc *p)
{
	const char *s = p->exe.ptr, *b = s;
	size_t n;

	if (!s)
		return;
	for (size_t i = 0; i < p->exe.len; i++)
		if (s[i] == '\\' || s[i] == '/')
			b = s + i + 1;
	n = (size_t)(s + p->exe.len - b);
	if (n >= sizeof(p->comm))
		n = sizeof(p->comm) - 1;
	memcpy(p->comm, b, n);
	p->comm[n] = '\0';
}

/* A process from its fields: pid, image, user, guid (any may be absent but the pid). */
static int fill_proc(struct zj_proc *p, const struct zj_win_proctab *pt, const char *pid,
		     const char *image, const char *user, const char *guid)
{
	const struct pt_entry *e = pt_find(pt, guid);
	int r = parse_u32(pid, &p->pid);

	if (r < 0)
		return r;
	p->tid = p->pid;
	p->flags = ZJ_PROC_KNOWN;
	p->exe = view(image ? image : e ? e->image : NULL);
	if (e) {
		p->ppid = e->ppid;
		p->flags |= e->flags & ZJ_PROC_SYSTEM;
	}
	if (system_user(user))
		p->flags |= ZJ_PROC_SYSTEM;
	set_comm(p);
	return 0;
}

/* The actor's ancestors from the process table, nearest first. */
static void fill_ancestors(struct zj_detect_ctx *ctx, const struct zj_win_proctab *pt,
			   const char *guid)
{
	const struct pt_entry *e = pt_find(pt, guid);

	while (e && ctx->n_ancestors < ZJ_ANCESTORS_MAX) {
		struct zj_proc *a;

		e = pt_find(pt, e->parent_guid);
		if (!e)
			break;
		a = &ctx->ancestors[ctx->n_ancestors++];
		a->pid = a->tid = e->pid;
		a->ppid = e->ppid;
		a->flags = ZJ_PROC_KNOWN | (e->flags & ZJ_PROC_SYSTEM);
		a->exe = view(e->image);
		set_comm(a);
	}
}

static void pt_add(struct zj_win_proctab *pt, const char *guid, const char *parent_guid,
		   const struct zj_proc *p)
{
	struct pt_entry *e;

	if (!pt || !guid || !*guid)
		return;
	e = (struct pt_entry *)pt_find(pt, guid);
	if (!e) {
		e = &pt->e[pt->next];
		pt->next = (pt->next + 1) % PT_MAX;
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->guid, sizeof(e->guid), "%s", guid);
	snprintf(e->parent_guid, sizeof(e->parent_guid), "%s", parent_guid ? parent_guid : "");
	e->pid = p->pid;
	e->ppid = p->ppid;
	e->flags = p->flags & ZJ_PROC_SYSTEM;
	snprintf(e->image, sizeof(e->image), "%.*s", (int)p->exe.len, p->exe.ptr ? p->exe.ptr : "");
}

static int reg_op(const char *type, uint32_t *ret)
{
	static const struct {
		const char *name;
		uint32_t op;
	} ops[] = {
		{"CreateKey", ZJ_REG_CREATE_KEY},     {"DeleteKey", ZJ_REG_DELETE_KEY},
		{"DeleteValue", ZJ_REG_DELETE_VALUE}, {"CreateValue", ZJ_REG_CREATE_VALUE},
		{"SetValue", ZJ_REG_SET_VALUE},	      {"RenameKey", ZJ_REG_RENAME_KEY},
	};

	for (size_t i = 0; type && i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(type, ops[i].name) == 0) {
			*ret = ops[i].op;
			return 0;
		}
	}
	return -ZJ_EBADMSG;
}

/* Events whose actor is ProcessId/Image/User/ProcessGuid. */
static int actor_plain(const struct zj_sysmon_record *r, const struct zj_win_proctab *pt,
		       struct zj_event *ev, struct zj_detect_ctx *ctx)
{
	const char *guid = field(r, "ProcessGuid", NULL);
	int e = fill_proc(&ev->actor, pt, field(r, "ProcessId", NULL), field(r, "Image", NULL),
			  field(r, "User", NULL), guid);

	if (e < 0)
		return e;
	fill_ancestors(ctx, pt, guid);
	return 0;
}

/* Events with a source (the actor) and a target process: 8, 10. */
static int actor_target(const struct zj_sysmon_record *r, const struct zj_win_proctab *pt,
			struct zj_event *ev, struct zj_detect_ctx *ctx)
{
	const char *sguid = field(r, "SourceProcessGuid", "SourceProcessGUID");
	const char *tguid = field(r, "TargetProcessGuid", "TargetProcessGUID");
	const struct pt_entry *t = pt_find(pt, tguid);
	int e;

	e = fill_proc(&ev->actor, pt, field(r, "SourceProcessId", NULL),
		      field(r, "SourceImage", NULL), field(r, "SourceUser", NULL), sguid);
	if (e < 0)
		return e;
	e = fill_proc(&ev->target, pt, field(r, "TargetProcessId", NULL),
		      field(r, "TargetImage", NULL), field(r, "TargetUser", NULL), tguid);
	if (e < 0)
		return e;
	ev->flags |= ZJ_EVF_HAS_TARGET;
	/* Lineage by GUID, which Windows never reuses (pids it does). */
	if (t && sguid && strcmp(t->parent_guid, sguid) == 0)
		ctx->flags |= ZJ_CTX_TARGET_CHILD;
	fill_ancestors(ctx, pt, sguid);
	return 0;
}

int zj_sysmon_to_event(const struct zj_sysmon_record *r, struct zj_win_proctab *pt,
		       struct zj_event *ev, struct zj_detect_ctx *ctx)
{
	const char *v;
	int e = 0;

	memset(ev, 0, sizeof(*ev));
	memset(ctx, 0, sizeof(*ctx));
	ev->time_ns = r->time_ns;
	ev->seq = r->record_id;
	ev->win.sysmon_id = r->event_id;
	switch (r->event_id) {
	case 1: {
		const char *guid = field(r, "ProcessGuid", NULL);
		const char *pguid = field(r, "ParentProcessGuid", NULL);
		struct zj_proc *parent = &ctx->ancestors[0];
		size_t cl_len = 0;
		const char *cl = zj_sysmon_field(r, "CommandLine", &cl_len);

		ev->type = ZJ_EV_WIN_PROCESS;
		e = fill_proc(&ev->actor, pt, field(r, "ProcessId", NULL), field(r, "Image", NULL),
			      field(r, "User", NULL), NULL);
		if (e < 0)
			return e;
		e = parse_u32(field(r, "ParentProcessId", NULL), &ev->actor.ppid);
		if (e < 0)
			return e;
		/* One argument: Windows passes the command line whole; its NUL ends it. */
		if (cl) {
			ev->actor.cmdline.ptr = cl;
			ev->actor.cmdline.len = cl_len + 1;
		}
		ev->exec.filename = ev->actor.exe;
		ev->exec.args = ev->actor.cmdline;
		ev->exec.argc = cl ? 1 : 0;
		e = fill_proc(parent, pt, field(r, "ParentProcessId", NULL),
			      field(r, "ParentImage", NULL), field(r, "ParentUser", NULL), pguid);
		if (e < 0)
			return e;
		ctx->n_ancestors = 1;
		fill_ancestors(ctx, pt, pguid);
		/* fill_ancestors() starts at pguid's parent, after ancestors[0]. */
		pt_add(pt, guid, pguid, &ev->actor);
		return 1;
	}
	case 7:
		ev->type = ZJ_EV_WIN_IMAGE_LOAD;
		e = actor_plain(r, pt, ev, ctx);
		ev->win.object = view(field(r, "ImageLoaded", NULL));
		ev->win.detail = view(field(r, "Signature", NULL));
		v = field(r, "Signed", NULL);
		ev->win.is_signed = v && strcmp(v, "true") == 0;
		if (!e && !ev->win.object.len)
			e = -ZJ_EBADMSG;
		break;
	case 8:
		ev->type = ZJ_EV_WIN_REMOTE_THREAD;
		e = actor_target(r, pt, ev, ctx);
		ev->win.object = view(field(r, "StartModule", NULL));
		ev->win.detail = view(field(r, "StartFunction", NULL));
		v = field(r, "StartAddress", NULL);
		ev->win.address = v ? strtoull(v, NULL, 16) : 0;
		break;
	case 10:
		ev->type = ZJ_EV_WIN_PROCESS_ACCESS;
		e = actor_target(r, pt, ev, ctx);
		if (!e)
			e = parse_u32(field(r, "GrantedAccess", NULL), &ev->win.access);
		ev->win.detail = view(field(r, "CallTrace", NULL));
		break;
	case 11:
		ev->type = ZJ_EV_WIN_FILE_CREATE;
		e = actor_plain(r, pt, ev, ctx);
		ev->win.object = view(field(r, "TargetFilename", NULL));
		if (!e && !ev->win.object.len)
			e = -ZJ_EBADMSG;
		break;
	case 12:
	case 13:
	case 14:
		ev->type = ZJ_EV_WIN_REGISTRY;
		e = actor_plain(r, pt, ev, ctx);
		if (!e)
			e = reg_op(field(r, "EventType", NULL), &ev->win.op);
		ev->win.object = view(field(r, "TargetObject", NULL));
		ev->win.detail = view(field(r, r->event_id == 14 ? "NewName" : "Details", NULL));
		if (!e && !ev->win.object.len)
			e = -ZJ_EBADMSG;
		break;
	case 25:
		ev->type = ZJ_EV_WIN_TAMPER;
		e = actor_plain(r, pt, ev, ctx);
		ev->win.object = view(field(r, "Type", NULL));
		break;
	default:
		return 0;
	}
	return e < 0 ? e : 1;
}
