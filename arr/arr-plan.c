/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --dry-run: what each action of a rule would do, in one line a person can check before it
 * runs, with flags a program can check (does it change anything, search file systems, run
 * code).  The back end adds the concrete objects it finds without touching them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arr-internal.h"
#include "zhijia/errors.h"

#define LIST_SHOWN 10 /* values of a list spelled out in a summary */
#define HEX_SHOWN 16  /* bytes spelled out */

/* A growing string; on allocation failure it stops growing and says so. */
struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *b = realloc(t->buf, cap);

		if (!b) {
			t->failed = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void text_printf(struct text *t, const char *fmt, ...) ARR_PRINTF(2, 3);
static void text_printf(struct text *t, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		text_add(t, small, (size_t)n);
		return;
	}
	{
		char *big = malloc((size_t)n + 1);

		if (!big) {
			t->failed = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		text_add(t, big, (size_t)n);
		free(big);
	}
}

/*
 * A value from the rule or the system: control bytes and bytes that are not UTF-8 as \xNN, so
 * that a summary stays one line of text (a finding's path may be any bytes).
 */
static void text_value(struct text *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = arr_utf8_seq(p);

		if (n == 0 || *p < 0x20 || *p == 0x7f) {
			text_printf(t, "\\x%02x", (unsigned)*p);
			p++;
			continue;
		}
		text_add(t, (const char *)p, n);
		p += n;
	}
}

static void text_list(struct text *t, const struct zj_arr_strv *sv)
{
	for (size_t i = 0; i < sv->n && i < LIST_SHOWN; i++) {
		if (i)
			text_add(t, ", ", 2);
		text_value(t, sv->v[i]);
	}
	if (sv->n > LIST_SHOWN)
		text_printf(t, " and %lu more", (unsigned long)(sv->n - LIST_SHOWN));
}

static void text_hex(struct text *t, const struct zj_arr_bytes *b)
{
	for (size_t i = 0; i < b->len && i < HEX_SHOWN; i++)
		text_printf(t, "%s%02X", i ? " " : "", (unsigned)b->data[i]);
	if (b->len > HEX_SHOWN)
		text_printf(t, " ... (%lu bytes)", (unsigned long)b->len);
}

static void text_net(struct text *t, const struct zj_arr_net *n)
{
	if (n->family == 4) {
		text_printf(t, "%u.%u.%u.%u", n->addr[0], n->addr[1], n->addr[2], n->addr[3]);
		if (n->prefix != 32)
			text_printf(t, "/%u", n->prefix);
		return;
	}
	{
		/* RFC 5952: the longest run of two or more zero groups becomes "::". */
		unsigned g[8];
		int best = -1, best_len = 1, run = 0;

		for (int i = 0; i < 8; i++) {
			g[i] = (unsigned)n->addr[2 * i] << 8 | n->addr[2 * i + 1];
			run = g[i] ? 0 : run + 1;
			if (run > best_len) {
				best_len = run;
				best = i - run + 1;
			}
		}
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				text_add(t, "::", 2);
				i += best_len - 1;
				continue;
			}
			text_printf(t, "%s%x", i && i != best + best_len ? ":" : "", g[i]);
		}
		if (n->prefix != 128)
			text_printf(t, "/%u", n->prefix);
	}
}

static void text_nets(struct text *t, const struct zj_arr_netv *nv)
{
	for (size_t i = 0; i < nv->n && i < LIST_SHOWN; i++) {
		if (i)
			text_add(t, ", ", 2);
		text_net(t, &nv->v[i]);
	}
	if (nv->n > LIST_SHOWN)
		text_printf(t, " and %lu more", (unsigned long)(nv->n - LIST_SHOWN));
}

static void text_scope(struct text *t, const struct zj_arr_cond *c)
{
	switch (c->scope) {
	case ZJ_ARR_SCOPE_ALLDISK:
		text_printf(t, "anywhere on local file systems (alldisk)");
		break;
	case ZJ_ARR_SCOPE_SYSTEMDISK:
		text_printf(t, "on the file systems of the system disk (systemdisk)");
		break;
	case ZJ_ARR_SCOPE_DISKROOT:
		text_printf(t, "in the top directory of each local file system (diskroot)");
		break;
	case ZJ_ARR_SCOPE_ALLDISK_DEEP:
		text_printf(t,
			    "within %u directory level%s of each local file system's root "
			    "(alldisk_deep:%u)",
			    c->depth, c->depth == 1 ? "" : "s", c->depth);
		break;
	case ZJ_ARR_SCOPE_UDISK:
		text_printf(t, "on removable media (udisk)");
		break;
	default:
		text_printf(t, "(no scope)");
		break;
	}
}

/* "processes named a, b, pids 12, 34, running /x" */
static void text_procs(struct text *t, const struct zj_arr_action *a)
{
	const char *sep = "";

	text_printf(t, "processes");
	if (a->names.n) {
		text_printf(t, " named ");
		text_list(t, &a->names);
		sep = ",";
	}
	if (a->pids.n) {
		text_printf(t, "%s pid%s ", sep, a->pids.n > 1 ? "s" : "");
		for (size_t i = 0; i < a->pids.n && i < LIST_SHOWN; i++) {
			int64_t p = a->pids.v[i];

			if (p == ZJ_ARR_PID_ACTOR)
				text_printf(t, "%s${actor.pid}", i ? ", " : "");
			else if (p == ZJ_ARR_PID_TARGET)
				text_printf(t, "%s${target.pid}", i ? ", " : "");
			else
				text_printf(t, "%s%lld", i ? ", " : "", (long long)p);
		}
		if (a->pids.n > LIST_SHOWN)
			text_printf(t, " and %lu more", (unsigned long)(a->pids.n - LIST_SHOWN));
		sep = ",";
	}
	if (a->executables.n) {
		text_printf(t, "%s running ", sep);
		text_list(t, &a->executables);
	}
}

static const char *task_kind(const struct zj_arr_action *a)
{
	return a->type == ZJ_ARR_TASK_CRON ? "cron" : "systemd timer";
}

static void text_task(struct text *t, const struct zj_arr_action *a)
{
	if (a->task) {
		text_printf(t, "%s ", task_kind(a));
		if (a->type == ZJ_ARR_TASK_CRON)
			text_printf(t, "file /etc/cron.d/");
		text_value(t, a->task);
		return;
	}
	text_printf(t, "cron entries containing ");
	text_list(t, &a->match);
	text_printf(t, " in every crontab");
}

/* The summary of a and its flags. */
static void describe(struct text *t, const struct zj_arr_action *a, uint32_t *flags,
		     enum zj_arr_object *object)
{
	const char *name = zj_arr_instr_name(a->instr);

	text_printf(t, "%s: ", name);
	switch (a->instr) {
	case ZJ_ARR_FILE_CREATE:
		*object = ZJ_ARR_OBJ_FILES;
		*flags |= ZJ_ARR_STEP_CHANGES;
		text_printf(t, "create ");
		text_value(t, a->path);
		text_printf(t, " (%lu bytes", (unsigned long)(a->content ? strlen(a->content) : 0));
		if (a->mode >= 0)
			text_printf(t, ", mode %04o", (unsigned)a->mode);
		if (a->owner) {
			text_printf(t, ", owner ");
			text_value(t, a->owner);
		}
		text_printf(t, ")");
		if (a->overwrite) {
			*flags |= ZJ_ARR_STEP_QUARANTINE;
			text_printf(t, ", replacing a file there (kept in quarantine)");
		} else {
			text_printf(t, ", unless a file is there");
		}
		break;
	case ZJ_ARR_FILE_MODIFY:
		*object = ZJ_ARR_OBJ_FILES;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE;
		if (a->content) {
			text_printf(t, "replace the content of ");
			text_value(t, a->path);
			text_printf(t, " with %lu bytes", (unsigned long)strlen(a->content));
		} else if (a->append) {
			text_printf(t, "append %lu bytes to ", (unsigned long)strlen(a->append));
			text_value(t, a->path);
		} else {
			text_printf(t, "write ");
			text_hex(t, &a->hex);
			text_printf(t, " at offset %lld of ", (long long)a->offset);
			text_value(t, a->path);
		}
		text_printf(t, ", the old file kept in quarantine");
		break;
	case ZJ_ARR_FILE_DELETE:
		*object = ZJ_ARR_OBJ_FILES;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE;
		if (a->cond.kind == ZJ_ARR_COND_SCOPE) {
			*flags |= ZJ_ARR_STEP_SEARCH;
			text_printf(t, "delete files named ");
			text_list(t, &a->filenames);
			text_printf(t, " ");
			text_scope(t, &a->cond);
		} else {
			text_printf(t, "delete ");
			text_list(t, &a->filenames);
		}
		if (a->sha256.n)
			text_printf(t, " whose SHA-256 is one of the %lu given",
				    (unsigned long)a->sha256.n);
		text_printf(t, ", kept in quarantine");
		break;
	case ZJ_ARR_FILE_RENAME:
		*object = ZJ_ARR_OBJ_FILES;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE;
		text_printf(t, "rename ");
		text_value(t, a->path);
		text_printf(t, " to ");
		text_value(t, a->to);
		text_printf(t, " (a file already there is kept in quarantine)");
		break;
	case ZJ_ARR_FILE_ATTRIBUTE: {
		const char *sep = "";

		*object = ZJ_ARR_OBJ_FILES;
		*flags |= ZJ_ARR_STEP_CHANGES;
		text_printf(t, "set ");
		if (a->mode >= 0) {
			text_printf(t, "mode %04o", (unsigned)a->mode);
			sep = ", ";
		}
		if (a->owner) {
			text_printf(t, "%sowner ", sep);
			text_value(t, a->owner);
			sep = ", ";
		}
		if (a->immutable >= 0)
			text_printf(t, "%s%s the immutable flag", sep,
				    a->immutable ? "set" : "clear");
		text_printf(t, " of ");
		text_value(t, a->path);
		break;
	}
	case ZJ_ARR_FILE_DELTEXT:
		*object = ZJ_ARR_OBJ_FILES;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE;
		if (a->text.n) {
			text_printf(t, "remove the lines containing ");
			text_list(t, &a->text);
		} else {
			text_printf(t, "remove every occurrence of the bytes ");
			text_hex(t, &a->hex);
		}
		text_printf(t, " from ");
		text_value(t, a->path);
		text_printf(t, ", the old file kept in quarantine");
		break;
	case ZJ_ARR_FILE_REPAIR_MBR:
		*object = ZJ_ARR_OBJ_SECTOR;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE;
		if (a->cond.kind == ZJ_ARR_COND_MBR) {
			text_printf(t, "where sector 0 of ");
			if (a->disk)
				text_value(t, a->disk);
			else
				text_printf(t, "a system disk");
			text_printf(t, " %s ", a->cond.mbr_equal ? "has" : "does not have");
			text_hex(t, &a->cond.mbr_bytes);
			text_printf(t, " at offset %u, restore it", a->cond.mbr_offset);
		} else {
			text_printf(t, "restore sector 0 of ");
			if (a->disk)
				text_value(t, a->disk);
			else
				text_printf(t, "every system disk");
			text_printf(t, " unconditionally");
		}
		if (arr_streq_ci(a->data, "backup")) {
			text_printf(t, " from zhijia's backup");
		} else {
			text_printf(t, " from ");
			text_value(t, a->data);
		}
		text_printf(t, "; the replaced sector is kept in quarantine");
		break;
	case ZJ_ARR_PROC_CREATE:
		*object = ZJ_ARR_OBJ_PROCESSES;
		*flags |= ZJ_ARR_STEP_EXECUTES;
		text_printf(t, "start ");
		text_value(t, a->path);
		for (size_t i = 0; i < a->args.n; i++) {
			text_printf(t, " ");
			text_value(t, a->args.v[i]);
		}
		if (a->user) {
			text_printf(t, " as ");
			text_value(t, a->user);
		}
		break;
	case ZJ_ARR_PROC_MODIFY:
		*object = ZJ_ARR_OBJ_PROCESSES;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_UNDOABLE;
		text_printf(t, "%s ", a->state == ZJ_ARR_STATE_RESUME ? "resume" : "suspend");
		text_procs(t, a);
		break;
	case ZJ_ARR_PROC_TERMINATE:
		*object = ZJ_ARR_OBJ_PROCESSES;
		*flags |= ZJ_ARR_STEP_CHANGES;
		text_printf(t, "terminate ");
		text_procs(t, a);
		break;
	case ZJ_ARR_PROC_MODULE_THREADS:
		*object = ZJ_ARR_OBJ_PROCESSES;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_UNDOABLE;
		text_printf(t, "%s every thread of processes that have ",
			    a->state == ZJ_ARR_STATE_RESUME ? "resume" : "suspend");
		text_list(t, &a->modules);
		text_printf(t, " mapped");
		break;
	case ZJ_ARR_TASK_CREATE:
		*object = ZJ_ARR_OBJ_TASKS;
		*flags |= ZJ_ARR_STEP_CHANGES;
		text_printf(t, "create ");
		text_task(t, a);
		text_printf(t, " running ");
		text_value(t, a->command);
		text_printf(t, " on schedule ");
		text_value(t, a->schedule);
		if (a->user) {
			text_printf(t, " as ");
			text_value(t, a->user);
		}
		break;
	case ZJ_ARR_TASK_MODIFY:
		*object = ZJ_ARR_OBJ_TASKS;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE | ZJ_ARR_STEP_UNDOABLE;
		if (a->enabled >= 0)
			text_printf(t, "%s ", a->enabled ? "enable" : "disable");
		else
			text_printf(t, "change ");
		text_task(t, a);
		if (a->schedule) {
			text_printf(t, ", schedule ");
			text_value(t, a->schedule);
		}
		break;
	case ZJ_ARR_TASK_DELETE:
		*object = ZJ_ARR_OBJ_TASKS;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE;
		text_printf(t, "%s ",
			    a->type == ZJ_ARR_TASK_TIMER ? "stop, disable and delete" : "delete");
		text_task(t, a);
		text_printf(t, ", kept in quarantine");
		break;
	case ZJ_ARR_SCRIPT_SHELL: {
		size_t lines = 1;

		*object = ZJ_ARR_OBJ_SCRIPT;
		*flags |= ZJ_ARR_STEP_EXECUTES | ZJ_ARR_STEP_CHANGES;
		for (const char *p = a->script; *p; p++)
			lines += *p == '\n' && p[1];
		text_printf(t, "run a %lu-line shell script with /bin/sh, for at most %u s",
			    (unsigned long)lines, a->timeout);
		break;
	}
	case ZJ_ARR_SCRIPT_FILE:
		*object = ZJ_ARR_OBJ_SCRIPT;
		*flags |= ZJ_ARR_STEP_EXECUTES | ZJ_ARR_STEP_CHANGES;
		text_printf(t, "run ");
		text_value(t, a->path);
		for (size_t i = 0; i < a->args.n; i++) {
			text_printf(t, " ");
			text_value(t, a->args.v[i]);
		}
		text_printf(t, ", for at most %u s", a->timeout);
		break;
	case ZJ_ARR_OTHER_DEVICE:
		*object = ZJ_ARR_OBJ_DEVICES;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_UNDOABLE;
		text_printf(t, "%s USB devices ", a->undo ? "authorise again" : "de-authorise");
		text_list(t, &a->devices);
		break;
	case ZJ_ARR_OTHER_NETOFF:
		*object = ZJ_ARR_OBJ_NETWORK;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_UNDOABLE;
		if (a->undo) {
			text_printf(t, "lift the network isolation");
			break;
		}
		text_printf(t, "isolate the host: only loopback");
		if (a->management.n) {
			text_printf(t, " and ");
			text_nets(t, &a->management);
		}
		text_printf(t, " stay reachable");
		break;
	case ZJ_ARR_OTHER_DISABLED_PORT:
		*object = ZJ_ARR_OBJ_NETWORK;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_UNDOABLE;
		text_printf(t, "%s %s port%s ", a->undo ? "unblock" : "block",
			    a->protocol == ZJ_ARR_PROTO_TCP   ? "tcp"
			    : a->protocol == ZJ_ARR_PROTO_UDP ? "udp"
							      : "tcp and udp",
			    a->ports.n > 1 || a->ports.v[0].first != a->ports.v[0].last ? "s" : "");
		for (size_t i = 0; i < a->ports.n && i < LIST_SHOWN; i++) {
			const struct zj_arr_port_range *p = &a->ports.v[i];

			text_printf(t, "%s%u", i ? ", " : "", p->first);
			if (p->last != p->first)
				text_printf(t, "-%u", p->last);
		}
		if (a->ports.n > LIST_SHOWN)
			text_printf(t, " and %lu more", (unsigned long)(a->ports.n - LIST_SHOWN));
		text_printf(t, ", %s",
			    a->direction == ZJ_ARR_DIR_IN    ? "incoming"
			    : a->direction == ZJ_ARR_DIR_OUT ? "outgoing"
							     : "incoming and outgoing");
		break;
	case ZJ_ARR_OTHER_DISABLED_IP:
		*object = ZJ_ARR_OBJ_NETWORK;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_UNDOABLE;
		text_printf(t, "%s traffic %s ", a->undo ? "unblock" : "block",
			    a->direction == ZJ_ARR_DIR_IN    ? "from"
			    : a->direction == ZJ_ARR_DIR_OUT ? "to"
							     : "to and from");
		text_nets(t, &a->ips);
		break;
	case ZJ_ARR_OTHER_CREATE_MUTEX:
		*object = ZJ_ARR_OBJ_MARKER;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_UNDOABLE;
		if (a->mutex[0] == '@')
			text_printf(t, "%s the abstract socket ", a->undo ? "release" : "hold");
		else
			text_printf(t, "%s the marker file ", a->undo ? "remove" : "create");
		text_value(t, a->mutex);
		if (!a->undo)
			text_printf(t, ", so that a family that checks for it does not start");
		break;
	case ZJ_ARR_OTHER_QUICKSCAN:
		*object = ZJ_ARR_OBJ_SCAN;
		*flags |= ZJ_ARR_STEP_CHANGES | ZJ_ARR_STEP_QUARANTINE | ZJ_ARR_STEP_SEARCH;
		if (a->cond.kind == ZJ_ARR_COND_SCOPE) {
			text_printf(t, "scan files ");
			text_scope(t, &a->cond);
		} else {
			text_printf(t, "quick scan of running processes, persistence locations "
				       "and temporary directories");
		}
		text_printf(t, ", disposing of what it finds by policy");
		break;
	default:
		*object = ZJ_ARR_OBJ_SCAN;
		text_printf(t, "not supported on linux");
		break;
	}
}

/* A literal critical path the rule changes under "force". */
static bool forced(const struct zj_arr_rule *rule, const struct zj_arr_action *a)
{
	const char *one[2] = {a->path, a->to};

	if (!rule->force || a->needs_ctx)
		return false;
	switch (a->instr) {
	case ZJ_ARR_FILE_DELETE:
		for (size_t i = 0; i < a->filenames.n; i++)
			if (zj_arr_is_critical_path(a->filenames.v[i]) > 0)
				return true;
		return false;
	case ZJ_ARR_FILE_CREATE:
	case ZJ_ARR_FILE_MODIFY:
	case ZJ_ARR_FILE_RENAME:
	case ZJ_ARR_FILE_ATTRIBUTE:
	case ZJ_ARR_FILE_DELTEXT:
		for (size_t i = 0; i < 2; i++)
			if (one[i] && zj_arr_is_critical_path(one[i]) > 0)
				return true;
		return false;
	case ZJ_ARR_OTHER_CREATE_MUTEX:
		return a->mutex[0] == '/' && zj_arr_is_critical_path(a->mutex) > 0;
	case ZJ_ARR_FILE_REPAIR_MBR:
		return a->cond.kind != ZJ_ARR_COND_MBR;
	default:
		return false;
	}
}

void zj_arr_plan_free(struct zj_arr_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_steps; i++) {
		struct zj_arr_plan_step *s = &plan->steps[i];

		free(s->summary);
		for (size_t k = 0; k < s->objects.n; k++)
			free(s->objects.v[k]);
		free(s->objects.v);
	}
	free(plan->steps);
	free(plan->name);
	free(plan);
}

int zj_arr_plan_build(const struct zj_arr_rule *rule, struct zj_arr_plan **ret)
{
	struct zj_arr_plan *plan;
	struct text name = {0};

	if (!rule || !ret)
		return -ZJ_EINVAL;
	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return -ZJ_ENOMEM;
	text_add(&name, rule->name, strlen(rule->name));
	plan->name = name.buf;
	plan->steps = calloc(rule->n_actions ? rule->n_actions : 1, sizeof(*plan->steps));
	if (name.failed || !plan->steps) {
		zj_arr_plan_free(plan);
		return -ZJ_ENOMEM;
	}
	for (size_t i = 0; i < rule->n_actions; i++) {
		const struct zj_arr_action *a = &rule->actions[i];
		struct zj_arr_plan_step *s = &plan->steps[i];
		struct text t = {0};

		plan->n_steps = i + 1;
		s->index = i;
		s->instr = a->instr;
		describe(&t, a, &s->flags, &s->object);
		if (a->needs_ctx)
			s->flags |= ZJ_ARR_STEP_TEMPLATE;
		if (forced(rule, a))
			s->flags |= ZJ_ARR_STEP_FORCED;
		s->summary = t.buf;
		if (t.failed || !t.buf) {
			zj_arr_plan_free(plan);
			return -ZJ_ENOMEM;
		}
	}
	*ret = plan;
	return 0;
}

int zj_arr_plan_add_object(struct zj_arr_plan *plan, size_t step, const char *object)
{
	struct zj_arr_strv *sv;
	char **v, *copy;
	size_t n;

	if (!plan || !object || step >= plan->n_steps)
		return -ZJ_EINVAL;
	sv = &plan->steps[step].objects;
	if (sv->n >= ZJ_ARR_PLAN_OBJECTS_MAX)
		return -ZJ_ENOSPC;
	/* Grow by doubling: the capacity is the next power of two past n. */
	if ((sv->n & (sv->n - 1)) == 0) {
		v = realloc(sv->v, (sv->n ? sv->n * 2 : 1) * sizeof(*v));
		if (!v)
			return -ZJ_ENOMEM;
		sv->v = v;
	}
	n = strlen(object) + 1;
	copy = malloc(n);
	if (!copy)
		return -ZJ_ENOMEM;
	memcpy(copy, object, n);
	sv->v[sv->n++] = copy;
	return 0;
}

static const char *object_name(enum zj_arr_object o)
{
	static const char *const names[] = {"files",   "sector",  "processes", "tasks", "script",
					    "devices", "network", "marker",    "scan"};

	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "unknown";
}

int zj_arr_plan_to_text(const struct zj_arr_plan *plan, char **ret_text)
{
	struct text t = {0};

	if (!plan || !ret_text)
		return -ZJ_EINVAL;
	text_printf(&t, "rule ");
	text_value(&t, plan->name);
	text_printf(&t, ": %lu action%s\n", (unsigned long)plan->n_steps,
		    plan->n_steps == 1 ? "" : "s");
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct zj_arr_plan_step *s = &plan->steps[i];

		text_printf(&t, "%3lu. %s\n", (unsigned long)s->index + 1, s->summary);
		for (size_t k = 0; k < s->objects.n; k++) {
			text_printf(&t, "       ");
			text_value(&t, s->objects.v[k]);
			text_printf(&t, "\n");
		}
	}
	if (t.failed || !t.buf) {
		free(t.buf);
		return -ZJ_ENOMEM;
	}
	*ret_text = t.buf;
	return (int)t.len;
}

static int add(struct json_object *obj, const char *key, struct json_object *v)
{
	if (!v)
		return -ZJ_ENOMEM;
	if (json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		return -ZJ_ENOMEM;
	}
	return 0;
}

static int append(struct json_object *arr, struct json_object *v)
{
	if (!v)
		return -ZJ_ENOMEM;
	if (json_object_array_add(arr, v) < 0) {
		json_object_put(v);
		return -ZJ_ENOMEM;
	}
	return 0;
}

static int step_json(const struct zj_arr_plan_step *s, struct json_object **ret)
{
	static const char *const flag_names[] = {"changes",  "quarantine", "search",  "executes",
						 "undoable", "forced",	   "template"};
	struct json_object *o = json_object_new_object(), *flags = NULL, *objs = NULL;
	int r;

	if (!o)
		return -ZJ_ENOMEM;
	r = add(o, "index", json_object_new_int64((int64_t)s->index));
	if (r >= 0)
		r = add(o, "action", json_object_new_string(zj_arr_instr_name(s->instr)));
	if (r >= 0)
		r = add(o, "object", json_object_new_string(object_name(s->object)));
	if (r >= 0) {
		flags = json_object_new_array();
		r = add(o, "flags", flags);
	}
	for (unsigned b = 0; r >= 0 && b < sizeof(flag_names) / sizeof(flag_names[0]); b++)
		if (s->flags & (1u << b))
			r = append(flags, json_object_new_string(flag_names[b]));
	if (r >= 0)
		r = add(o, "summary", json_object_new_string(s->summary));
	if (r >= 0) {
		objs = json_object_new_array();
		r = add(o, "objects", objs);
	}
	for (size_t k = 0; r >= 0 && k < s->objects.n; k++) {
		struct text t = {0};

		text_value(&t, s->objects.v[k]);
		if (t.failed) {
			free(t.buf);
			r = -ZJ_ENOMEM;
			break;
		}
		r = append(objs, json_object_new_string(t.buf ? t.buf : ""));
		free(t.buf);
	}
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}

int zj_arr_plan_to_json(const struct zj_arr_plan *plan, char **ret_text)
{
	struct json_object *root, *steps = NULL;
	const char *s;
	size_t n;
	char *copy;
	int r;

	if (!plan || !ret_text)
		return -ZJ_EINVAL;
	root = json_object_new_object();
	if (!root)
		return -ZJ_ENOMEM;
	r = add(root, "name", json_object_new_string(plan->name));
	if (r >= 0) {
		steps = json_object_new_array();
		r = add(root, "steps", steps);
	}
	for (size_t i = 0; r >= 0 && i < plan->n_steps; i++) {
		struct json_object *step;

		r = step_json(&plan->steps[i], &step);
		if (r >= 0)
			r = append(steps, step);
	}
	if (r < 0) {
		json_object_put(root);
		return r;
	}
	s = json_object_to_json_string_ext(root,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s) {
		json_object_put(root);
		return -ZJ_ENOMEM;
	}
	n = strlen(s);
	copy = malloc(n + 1);
	if (copy)
		memcpy(copy, s, n + 1);
	json_object_put(root);
	if (!copy)
		return -ZJ_ENOMEM;
	*ret_text = copy;
	return (int)n;
}
