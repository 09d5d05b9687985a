/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Native event -> Elastic Common Schema 8.11 (siem.h).  A finding is an alert document
 * (event.kind "alert", category intrusion_detection plus the activity's own), an event without
 * findings an event document.  ECS has no target process: the target is zhijia.target, in the
 * same shape as process.*.  threat.technique.id is the parent technique and
 * threat.technique.subtechnique.id the sub-technique, as ECS asks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zhijia/catalog.h"
#include "siem.h"
#include "util.h"

/* An object at key, made when missing. */
static json_object *sub(struct zj_siem_doc *d, json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	return zj_siem_put(d, o, key, json_object_new_object());
}

static void put_strs(struct zj_siem_doc *d, json_object *o, const char *key, const char *a,
		     const char *b)
{
	json_object *arr = zj_siem_put(d, o, key, json_object_new_array());

	if (!arr)
		return;
	if (a && json_object_array_add(arr, json_object_new_string(a)) < 0)
		d->err = -ENOMEM;
	if (b && json_object_array_add(arr, json_object_new_string(b)) < 0)
		d->err = -ENOMEM;
}

static void put_copy(struct zj_siem_doc *d, json_object *o, const char *key, json_object *native,
		     const char *nkey)
{
	json_object *v = NULL;

	if (native && json_object_object_get_ex(native, nkey, &v) && v)
		zj_siem_put(d, o, key, json_object_get(v));
}

/* A native PROC object into an ECS process-shaped object. */
static void process_fields(struct zj_siem_doc *d, json_object *o, json_object *p)
{
	const char *exe = zj_siem_str(p, "exe");
	json_object *u, *par, *th;
	int64_t v;
	char uid[24];

	zj_siem_put_int(d, o, "pid", zj_siem_int(p, "pid", 0));
	zj_siem_put_str(d, o, "name", zj_siem_str(p, "comm"));
	if (exe && exe[0])
		zj_siem_put_str(d, o, "executable", exe);
	zj_siem_put_str(d, o, "command_line", zj_siem_str(p, "cmdline"));
	if ((v = zj_siem_int(p, "tid", -1)) >= 0) {
		th = sub(d, o, "thread");
		zj_siem_put_int(d, th, "id", v);
	}
	if ((v = zj_siem_int(p, "uid", -1)) >= 0) {
		snprintf(uid, sizeof(uid), "%lld", (long long)v);
		u = sub(d, o, "real_user");
		zj_siem_put_str(d, u, "id", uid);
	}
	if ((v = zj_siem_int(p, "euid", -1)) >= 0) {
		snprintf(uid, sizeof(uid), "%lld", (long long)v);
		u = sub(d, o, "user");
		zj_siem_put_str(d, u, "id", uid);
	}
	if ((v = zj_siem_int(p, "ppid", -1)) >= 0) {
		par = sub(d, o, "parent");
		zj_siem_put_int(d, par, "pid", v);
	}
}

static void file_fields(struct zj_siem_doc *d, json_object *root, const char *path)
{
	json_object *f = sub(d, root, "file");
	const char *base = zj_siem_basename(path);
	char dir[4096];
	size_t n = (size_t)(base - path);

	zj_siem_put_str(d, f, "path", path);
	zj_siem_put_str(d, f, "name", base);
	if (n > 1 && n - 1 < sizeof(dir)) {
		memcpy(dir, path, n - 1);
		dir[n - 1] = '\0';
		zj_siem_put_str(d, f, "directory", dir);
	} else if (n == 1) {
		zj_siem_put_str(d, f, "directory", "/");
	}
}

/* event.category / event.type of an event type (and a file operation). */
static void categorise(const char *type, const char *op, const char **ret_cat,
		       const char **ret_type)
{
	*ret_cat = "process";
	*ret_type = "info";
	if (!type)
		return;
	if (!strcmp(type, "exec") || !strcmp(type, "fork"))
		*ret_type = "start";
	else if (!strcmp(type, "exit"))
		*ret_type = "end";
	else if (!strcmp(type, "ptrace") || !strcmp(type, "mem_write") || !strcmp(type, "vm_write") ||
		 !strcmp(type, "mem_open") || !strcmp(type, "vdso_map"))
		*ret_type = "access";
	else if (!strcmp(type, "deny"))
		*ret_type = "denied";
	else if (!strcmp(type, "file") || !strcmp(type, "verdict")) {
		*ret_cat = type[0] == 'v' ? "malware" : "file";
		*ret_type = type[0] == 'v'		      ? "info"
			    : !op			      ? "change"
			    : !strcmp(op, "create")	      ? "creation"
			    : !strcmp(op, "unlink")	      ? "deletion"
			    : !strcmp(op, "link") || !strcmp(op, "symlink") ? "creation"
									      : "change";
	}
}

static int severity_num(const char *s)
{
	/* ECS event.severity is the producer's number: the syslog priority journald gets */
	static const struct {
		const char *name;
		int prio;
	} map[] = {{"critical", 2}, {"high", 3}, {"medium", 4}, {"low", 5}, {"info", 6}};

	for (size_t i = 0; s && i < ELEMENTSOF(map); i++)
		if (strcmp(s, map[i].name) == 0)
			return map[i].prio;
	return 6;
}

static int risk_score(const char *s)
{
	static const struct {
		const char *name;
		int score;
	} map[] = {{"critical", 99}, {"high", 73}, {"medium", 47}, {"low", 21}, {"info", 0}};

	for (size_t i = 0; s && i < ELEMENTSOF(map); i++)
		if (strcmp(s, map[i].name) == 0)
			return map[i].score;
	return 0;
}

/* What every document has: @timestamp, ecs, event basics, host, agent, process, file. */
static json_object *common(struct zj_siem_doc *d, json_object *ev, const struct zj_siem_host *h,
			   const char *kind, const char *id)
{
	json_object *o = json_object_new_object(), *e, *hst, *os, *ag, *p;
	const char *type = zj_siem_str(ev, "type"), *path = NULL, *cat, *etype;
	json_object *f = zj_siem_get(ev, "file", json_type_object);

	if (!o) {
		d->err = -ENOMEM;
		return NULL;
	}
	zj_siem_put_str(d, o, "@timestamp", zj_siem_str(ev, "time"));
	zj_siem_put_str(d, sub(d, o, "ecs"), "version", ZJ_ECS_VERSION);
	e = sub(d, o, "event");
	zj_siem_put_str(d, e, "kind", kind);
	categorise(type, f ? zj_siem_str(f, "op") : NULL, &cat, &etype);
	if (!strcmp(kind, "alert"))
		put_strs(d, e, "category", "intrusion_detection", cat);
	else
		put_strs(d, e, "category", cat, NULL);
	put_strs(d, e, "type", etype, NULL);
	zj_siem_put_str(d, e, "id", id);
	zj_siem_put_int(d, e, "sequence", zj_siem_int(ev, "seq", 0));
	zj_siem_put_str(d, e, "module", "zhijia");
	zj_siem_put_str(d, e, "dataset", "zhijia.events");
	zj_siem_put_str(d, e, "provider", "zhijiad");
	zj_siem_put_str(d, e, "created", zj_siem_str(ev, "time"));

	hst = sub(d, o, "host");
	zj_siem_put_str(d, hst, "name", h->hostname);
	zj_siem_put_str(d, hst, "hostname", h->hostname);
	if (h->machine_id[0])
		zj_siem_put_str(d, hst, "id", h->machine_id);
	os = sub(d, hst, "os");
	zj_siem_put_str(d, os, "type", "linux");
	zj_siem_put_str(d, os, "family", "linux");
	ag = sub(d, o, "agent");
	zj_siem_put_str(d, ag, "type", "zhijia");
	zj_siem_put_str(d, ag, "name", "zhijiad");
	zj_siem_put_str(d, ag, "version", h->version);

	if ((p = zj_siem_get(ev, "actor", json_type_object)))
		process_fields(d, sub(d, o, "process"), p);
	if ((p = zj_siem_get(ev, "target", json_type_object)))
		process_fields(d, sub(d, sub(d, o, "zhijia"), "target"), p);
	if (f)
		path = zj_siem_str(f, "path");
	else if ((p = zj_siem_get(ev, "deny", json_type_object)))
		path = zj_siem_str(p, "path");
	else if ((p = zj_siem_get(ev, "verdict", json_type_object)))
		path = zj_siem_str(p, "path");
	if (path)
		file_fields(d, o, path);
	if ((p = zj_siem_get(ev, "exec", json_type_object))) {
		json_object *pr = sub(d, o, "process");

		put_copy(d, pr, "args", p, "argv");
		put_copy(d, pr, "args_count", p, "argc");
	}
	put_copy(d, sub(d, o, "zhijia"), "event_type", ev, "type");
	if (type)
		put_copy(d, sub(d, o, "zhijia"), type, ev, type);
	put_copy(d, sub(d, o, "zhijia"), "flags", ev, "flags");
	put_copy(d, sub(d, o, "zhijia"), "schema", ev, "v");
	return o;
}

static void threat_fields(struct zj_siem_doc *d, json_object *o, const char *id,
			  const char *tactic_id)
{
	const struct zj_technique *t = NULL, *parent;
	json_object *th = sub(d, o, "threat"), *tech, *tac, *st;
	size_t ti;

	zj_siem_put_str(d, th, "framework", "MITRE ATT&CK");
	tech = sub(d, th, "technique");
	if (zj_catalog_find(id, &t) < 0) {
		put_strs(d, tech, "id", id, NULL);
		return;
	}
	parent = zj_technique_is_sub(t) ? zj_catalog_parent(t) : t;
	put_strs(d, tech, "id", parent->id, NULL);
	put_strs(d, tech, "name", parent->name, NULL);
	if (zj_technique_is_sub(t)) {
		st = sub(d, tech, "subtechnique");
		put_strs(d, st, "id", t->id, NULL);
		put_strs(d, st, "name", t->name, NULL);
	}
	if (tactic_id && zj_catalog_tactic_find(tactic_id, &ti) == 0) {
		const struct zj_tactic *c = zj_catalog_tactic(ti);

		tac = sub(d, th, "tactic");
		put_strs(d, tac, "id", c->id, NULL);
		put_strs(d, tac, "name", c->name, NULL);
	}
}

static int finding_doc(json_object *ev, json_object *f, size_t index, const struct zj_siem_host *h,
		       json_object **ret)
{
	struct zj_siem_doc d = {0};
	const char *tech = zj_siem_str(f, "technique"), *name = zj_siem_str(f, "name");
	const char *action = zj_siem_str(f, "action"), *reason = zj_siem_str(f, "reason");
	const char *sev = zj_siem_str(f, "severity");
	json_object *enf = zj_siem_get(f, "enforced", json_type_boolean);
	bool blocked = action && !strcmp(action, "block") && enf && json_object_get_boolean(enf);
	char id[320], msg[1024];
	json_object *o, *e, *rule, *z;

	snprintf(id, sizeof(id), "%s-%lld-%zu", h->machine_id[0] ? h->machine_id : h->hostname,
		 (long long)zj_siem_int(ev, "seq", 0), index);
	o = common(&d, ev, h, "alert", id);
	e = sub(&d, o, "event");
	zj_siem_put_str(&d, e, "action", tech);
	zj_siem_put_str(&d, e, "outcome", blocked ? "failure" : "success"); /* the actor's operation */
	zj_siem_put_int(&d, e, "severity", severity_num(sev));
	zj_siem_put_int(&d, e, "risk_score", risk_score(sev));
	zj_siem_put_str(&d, e, "reason", reason);
	if (blocked)
		put_strs(&d, e, "type", "denied", NULL);
	else if (action && (!strcmp(action, "alert") || !strcmp(action, "block")))
		put_strs(&d, e, "type", "indicator", NULL);
	snprintf(msg, sizeof(msg), "%s %s: %s [%s]", tech ? tech : "?", name ? name : "",
		 reason ? reason : "", action ? action : "?");
	zj_siem_put_str(&d, o, "message", msg);
	rule = sub(&d, o, "rule");
	zj_siem_put_str(&d, rule, "id", tech);
	zj_siem_put_str(&d, rule, "name", name);
	zj_siem_put_str(&d, rule, "ruleset", "zhijia");
	if (tech)
		threat_fields(&d, o, tech, zj_siem_str(f, "tactic"));
	z = sub(&d, o, "zhijia");
	put_copy(&d, z, "technique_name_zh", f, "name_zh");
	put_copy(&d, z, "action", f, "action");
	put_copy(&d, z, "configured", f, "configured");
	put_copy(&d, z, "why", f, "why");
	put_copy(&d, z, "benign", f, "benign");
	put_copy(&d, z, "enforced", f, "enforced");
	put_copy(&d, z, "response", f, "response");
	put_copy(&d, z, "policy_hash", f, "policy_hash");
	if (d.err) {
		json_object_put(o);
		return d.err;
	}
	*ret = o;
	return 0;
}

static int event_doc(json_object *ev, const struct zj_siem_host *h, json_object **ret)
{
	struct zj_siem_doc d = {0};
	const char *type = zj_siem_str(ev, "type");
	json_object *v = zj_siem_get(ev, "verdict", json_type_object), *o, *e;
	bool match = v && zj_siem_str(v, "state") && !strcmp(zj_siem_str(v, "state"), "match");
	char id[320];

	snprintf(id, sizeof(id), "%s-%lld", h->machine_id[0] ? h->machine_id : h->hostname,
		 (long long)zj_siem_int(ev, "seq", 0));
	o = common(&d, ev, h, match ? "alert" : "event", id);
	e = sub(&d, o, "event");
	zj_siem_put_str(&d, e, "action", type);
	zj_siem_put_str(&d, e, "outcome", "success");
	if (v) {
		put_copy(&d, sub(&d, sub(&d, o, "file"), "hash"), "sha256", v, "sha256");
		put_copy(&d, sub(&d, o, "file"), "size", v, "size");
	}
	if (match && zj_siem_str(v, "technique"))
		threat_fields(&d, o, zj_siem_str(v, "technique"), NULL);
	if (d.err) {
		json_object_put(o);
		return d.err;
	}
	*ret = o;
	return 0;
}

int zj_ecs_from_native(json_object *ev, const struct zj_siem_host *h, zj_siem_emit_fn emit,
		       void *userdata)
{
	json_object *doc = NULL;
	int r = zj_siem_each_finding(ev, h, finding_doc, emit, userdata);

	if (r != 0)
		return r < 0 ? r : 0;
	r = event_doc(ev, h, &doc);
	if (r < 0)
		return r;
	r = emit(userdata, doc);
	json_object_put(doc);
	return r;
}
