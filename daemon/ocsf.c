/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Native event -> OCSF 1.3.0 (siem.h).  Classes used:
 *   2004 Detection Finding   (category 2 Findings)         a finding, a YARA match
 *   1007 Process Activity    (category 1 System Activity)  exec, fork, exit, ptrace, mem, vdso
 *   1001 File System Activity(category 1 System Activity)  file, a YARA verdict without match
 * type_uid = class_uid * 100 + activity_id.  Times are ms since the epoch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zhijia/catalog.h"
#include "siem.h"
#include "util.h"

static void push(struct zj_siem_doc *d, json_object *a, json_object *v)
{
	if (!a || !v || json_object_array_add(a, v) < 0) {
		json_object_put(v);
		d->err = -ENOMEM;
	}
}

/* A copy of native's value at key (NULL when absent). */
static void put_copy(struct zj_siem_doc *d, json_object *o, const char *key, json_object *native,
		     const char *nkey)
{
	json_object *v = NULL;

	if (native && json_object_object_get_ex(native, nkey, &v) && v)
		zj_siem_put(d, o, key, json_object_get(v));
}

static int severity_id(const char *s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};

	for (size_t i = 0; s && i < ELEMENTSOF(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i + 1; /* 1 Informational .. 5 Critical */
	return 0;			   /* Unknown */
}

static const char *severity_caption(int id)
{
	static const char *const names[] = {"Unknown", "Informational", "Low",
					    "Medium",  "High",	    "Critical"};

	return id >= 0 && id < (int)ELEMENTSOF(names) ? names[id] : "Unknown";
}

/* The file object: name and type_id are required. */
static json_object *file_obj(struct zj_siem_doc *d, const char *path, int type_id)
{
	json_object *f = json_object_new_object();

	zj_siem_put_str(d, f, "name", zj_siem_basename(path));
	zj_siem_put_str(d, f, "path", path);
	zj_siem_put_int(d, f, "type_id", type_id);
	zj_siem_put_str(d, f, "type", type_id == 1 ? "Regular File" : "Unknown");
	if (!f)
		d->err = -ENOMEM;
	return f;
}

/* A native PROC object as an OCSF process. */
static json_object *process_obj(struct zj_siem_doc *d, json_object *p)
{
	json_object *o = json_object_new_object(), *u, *pp;
	const char *exe = zj_siem_str(p, "exe");
	int64_t v;

	if (!o) {
		d->err = -ENOMEM;
		return NULL;
	}
	zj_siem_put_int(d, o, "pid", zj_siem_int(p, "pid", 0));
	if ((v = zj_siem_int(p, "tid", -1)) >= 0)
		zj_siem_put_int(d, o, "tid", v);
	zj_siem_put_str(d, o, "name", zj_siem_str(p, "comm"));
	zj_siem_put_str(d, o, "cmd_line", zj_siem_str(p, "cmdline"));
	if (exe && exe[0])
		zj_siem_put(d, o, "file", file_obj(d, exe, 1));
	if ((v = zj_siem_int(p, "uid", -1)) >= 0) {
		char uid[24];

		snprintf(uid, sizeof(uid), "%lld", (long long)v);
		u = zj_siem_put(d, o, "user", json_object_new_object());
		zj_siem_put_str(d, u, "uid", uid);
	}
	if ((v = zj_siem_int(p, "ppid", -1)) >= 0) {
		pp = zj_siem_put(d, o, "parent_process", json_object_new_object());
		zj_siem_put_int(d, pp, "pid", v);
	}
	return o;
}

static json_object *device_obj(struct zj_siem_doc *d, const struct zj_siem_host *h)
{
	json_object *o = json_object_new_object(), *os;

	zj_siem_put_int(d, o, "type_id", 0); /* Unknown: zhijia does not tell servers from desktops */
	zj_siem_put_str(d, o, "type", "Unknown");
	zj_siem_put_str(d, o, "hostname", h->hostname);
	if (h->machine_id[0])
		zj_siem_put_str(d, o, "uid", h->machine_id);
	os = zj_siem_put(d, o, "os", json_object_new_object());
	zj_siem_put_str(d, os, "name", "Linux");
	zj_siem_put_int(d, os, "type_id", 200); /* Linux */
	zj_siem_put_str(d, os, "type", "Linux");
	if (!o)
		d->err = -ENOMEM;
	return o;
}

static json_object *metadata_obj(struct zj_siem_doc *d, json_object *ev,
				 const struct zj_siem_host *h, const char *uid)
{
	json_object *m = json_object_new_object(), *p;

	zj_siem_put_str(d, m, "version", ZJ_OCSF_VERSION);
	p = zj_siem_put(d, m, "product", json_object_new_object());
	zj_siem_put_str(d, p, "name", "zhijia");
	zj_siem_put_str(d, p, "vendor_name", "zhijia");
	zj_siem_put_str(d, p, "version", h->version);
	zj_siem_put_str(d, m, "uid", uid);
	zj_siem_put_str(d, m, "log_name", "events");
	zj_siem_put_str(d, m, "log_provider", "zhijiad");
	zj_siem_put_str(d, m, "original_time", zj_siem_str(ev, "time"));
	zj_siem_put_int(d, m, "log_version", zj_siem_int(ev, "v", 0));
	zj_siem_put_int(d, m, "sequence", zj_siem_int(ev, "seq", 0));
	if (!m)
		d->err = -ENOMEM;
	return m;
}

/* The base attributes every class has. */
static void base(struct zj_siem_doc *d, json_object *o, json_object *ev,
		 const struct zj_siem_host *h, int class_uid, const char *class_name,
		 int category_uid, const char *category_name, int activity_id,
		 const char *activity_name, int sev, const char *uid)
{
	char type_name[128];
	int64_t ms = 0;

	(void)zj_siem_time_ms(zj_siem_str(ev, "time"), &ms);
	zj_siem_put(d, o, "metadata", metadata_obj(d, ev, h, uid));
	zj_siem_put_int(d, o, "time", ms);
	zj_siem_put_int(d, o, "class_uid", class_uid);
	zj_siem_put_str(d, o, "class_name", class_name);
	zj_siem_put_int(d, o, "category_uid", category_uid);
	zj_siem_put_str(d, o, "category_name", category_name);
	zj_siem_put_int(d, o, "activity_id", activity_id);
	zj_siem_put_str(d, o, "activity_name", activity_name);
	zj_siem_put_int(d, o, "type_uid", (int64_t)class_uid * 100 + activity_id);
	snprintf(type_name, sizeof(type_name), "%s: %s", class_name, activity_name);
	zj_siem_put_str(d, o, "type_name", type_name);
	zj_siem_put_int(d, o, "severity_id", sev);
	zj_siem_put_str(d, o, "severity", severity_caption(sev));
	zj_siem_put(d, o, "device", device_obj(d, h));
}

/* MITRE ATT&CK object for a (sub-)technique id, names from the catalog. */
static json_object *attack_obj(struct zj_siem_doc *d, const char *id, const char *tactic_id)
{
	const struct zj_technique *t = NULL, *parent;
	json_object *a = json_object_new_object(), *o;
	size_t ti;

	if (!a) {
		d->err = -ENOMEM;
		return NULL;
	}
	zj_siem_put_str(d, a, "version", zj_catalog_attack_version());
	if (zj_catalog_find(id, &t) < 0) {
		o = zj_siem_put(d, a, "technique", json_object_new_object());
		zj_siem_put_str(d, o, "uid", id);
		return a;
	}
	parent = zj_technique_is_sub(t) ? zj_catalog_parent(t) : t;
	o = zj_siem_put(d, a, "technique", json_object_new_object());
	zj_siem_put_str(d, o, "uid", parent->id);
	zj_siem_put_str(d, o, "name", parent->name);
	if (zj_technique_is_sub(t)) {
		o = zj_siem_put(d, a, "sub_technique", json_object_new_object());
		zj_siem_put_str(d, o, "uid", t->id);
		zj_siem_put_str(d, o, "name", t->name);
	}
	if (tactic_id && zj_catalog_tactic_find(tactic_id, &ti) == 0) {
		const struct zj_tactic *tac = zj_catalog_tactic(ti);

		o = zj_siem_put(d, a, "tactic", json_object_new_object());
		zj_siem_put_str(d, o, "uid", tac->id);
		zj_siem_put_str(d, o, "name", tac->name);
	}
	return a;
}

/* The file an event is about: the file's path, a deny's path, a verdict's path. */
static const char *event_path(json_object *ev, const char **ret_path2)
{
	json_object *f;

	*ret_path2 = NULL;
	if ((f = zj_siem_get(ev, "file", json_type_object))) {
		*ret_path2 = zj_siem_str(f, "old_path") ? zj_siem_str(f, "old_path")
							: zj_siem_str(f, "link_target");
		return zj_siem_str(f, "path");
	}
	if ((f = zj_siem_get(ev, "deny", json_type_object)))
		return zj_siem_str(f, "path");
	if ((f = zj_siem_get(ev, "verdict", json_type_object)))
		return zj_siem_str(f, "path");
	if ((f = zj_siem_get(ev, "exec", json_type_object)))
		return zj_siem_str(f, "filename");
	return NULL;
}

/* The evidences[] artifact: actor, target process, file. */
static json_object *evidence_obj(struct zj_siem_doc *d, json_object *ev)
{
	json_object *e = json_object_new_object(), *actor, *p;
	const char *path, *path2;

	if ((p = zj_siem_get(ev, "actor", json_type_object))) {
		actor = zj_siem_put(d, e, "actor", json_object_new_object());
		zj_siem_put(d, actor, "process", process_obj(d, p));
	}
	if ((p = zj_siem_get(ev, "target", json_type_object)))
		zj_siem_put(d, e, "process", process_obj(d, p));
	path = event_path(ev, &path2);
	if (path)
		zj_siem_put(d, e, "file", file_obj(d, path, 1));
	if (!e)
		d->err = -ENOMEM;
	return e;
}

/* disposition_id and action_id of the security-control profile, from zhijia's action. */
static void disposition(struct zj_siem_doc *d, json_object *o, const char *action, int enforced)
{
	int disp = 0, act = 0;
	const char *dn = "Unknown", *an = "Unknown";

	if (action && strcmp(action, "block") == 0 && enforced) {
		disp = 2, dn = "Blocked", act = 2, an = "Denied";
	} else if (action && (strcmp(action, "block") == 0 || strcmp(action, "alert") == 0)) {
		disp = 19, dn = "Alert", act = 1, an = "Allowed";
	} else if (action && strcmp(action, "record") == 0) {
		disp = 17, dn = "Logged", act = 1, an = "Allowed";
	}
	zj_siem_put_int(d, o, "disposition_id", disp);
	zj_siem_put_str(d, o, "disposition", dn);
	zj_siem_put_int(d, o, "action_id", act);
	zj_siem_put_str(d, o, "action", an);
}

static int finding_doc(json_object *ev, json_object *f, size_t index, const struct zj_siem_host *h,
		       json_object **ret)
{
	struct zj_siem_doc d = {0};
	json_object *o = json_object_new_object(), *fi, *attacks, *an, *types, *ev_arr, *um, *z;
	const char *tech = zj_siem_str(f, "technique"), *name = zj_siem_str(f, "name");
	const char *action = zj_siem_str(f, "action"), *reason = zj_siem_str(f, "reason");
	json_object *enf = zj_siem_get(f, "enforced", json_type_boolean);
	int sev = severity_id(zj_siem_str(f, "severity"));
	char uid[320], title[256], msg[1024];
	int64_t ms = 0;

	if (!o)
		return -ENOMEM;
	snprintf(uid, sizeof(uid), "%s-%lld-%zu", h->machine_id[0] ? h->machine_id : h->hostname,
		 (long long)zj_siem_int(ev, "seq", 0), index);
	snprintf(title, sizeof(title), "%s %s", tech ? tech : "?", name ? name : "");
	snprintf(msg, sizeof(msg), "%s: %s [%s]", title, reason ? reason : "",
		 action ? action : "?");
	base(&d, o, ev, h, 2004, "Detection Finding", 2, "Findings", 1, "Create", sev, uid);
	zj_siem_put_str(&d, o, "message", msg);
	zj_siem_put_int(&d, o, "status_id", 1);
	zj_siem_put_str(&d, o, "status", "New");
	zj_siem_put(&d, o, "is_alert",
	    json_object_new_boolean(action && (!strcmp(action, "alert") || !strcmp(action, "block"))));
	disposition(&d, o, action, enf && json_object_get_boolean(enf));
	(void)zj_siem_time_ms(zj_siem_str(ev, "time"), &ms);

	fi = zj_siem_put(&d, o, "finding_info", json_object_new_object());
	zj_siem_put_str(&d, fi, "uid", uid);
	zj_siem_put_str(&d, fi, "title", title);
	zj_siem_put_str(&d, fi, "desc", reason);
	zj_siem_put_int(&d, fi, "created_time", ms);
	types = zj_siem_put(&d, fi, "types", json_object_new_array());
	push(&d, types, json_object_new_string("ATT&CK sub-technique"));
	an = zj_siem_put(&d, fi, "analytic", json_object_new_object());
	zj_siem_put_str(&d, an, "uid", tech);
	zj_siem_put_str(&d, an, "name", title);
	zj_siem_put_int(&d, an, "type_id", 1);
	zj_siem_put_str(&d, an, "type", "Rule");
	attacks = zj_siem_put(&d, fi, "attacks", json_object_new_array());
	if (tech)
		push(&d, attacks, attack_obj(&d, tech, zj_siem_str(f, "tactic")));

	ev_arr = zj_siem_put(&d, o, "evidences", json_object_new_array());
	push(&d, ev_arr, evidence_obj(&d, ev));

	um = zj_siem_put(&d, o, "unmapped", json_object_new_object());
	z = zj_siem_put(&d, um, "zhijia", json_object_new_object());
	put_copy(&d, z, "event_type", ev, "type");
	put_copy(&d, z, "event_seq", ev, "seq");
	put_copy(&d, z, "technique_name_zh", f, "name_zh");
	put_copy(&d, z, "action", f, "action");
	put_copy(&d, z, "configured", f, "configured");
	put_copy(&d, z, "why", f, "why");
	put_copy(&d, z, "benign", f, "benign");
	put_copy(&d, z, "enforced", f, "enforced");
	put_copy(&d, z, "response", f, "response");
	put_copy(&d, z, "policy_hash", f, "policy_hash");
	put_copy(&d, z, "flags", ev, "flags");
	if (d.err) {
		json_object_put(o);
		return d.err;
	}
	*ret = o;
	return 0;
}

/* A YARA verdict that matched, as a Detection Finding with the file as evidence. */
static int verdict_finding(json_object *ev, json_object *v, const struct zj_siem_host *h,
			   json_object **ret)
{
	struct zj_siem_doc d = {0};
	json_object *o = json_object_new_object(), *fi, *an, *ev_arr, *e, *um, *z, *attacks, *types;
	const char *path = zj_siem_str(v, "path"), *tech = zj_siem_str(v, "technique");
	char uid[320], title[4200];
	int64_t ms = 0;

	if (!o)
		return -ENOMEM;
	snprintf(uid, sizeof(uid), "%s-%lld-0", h->machine_id[0] ? h->machine_id : h->hostname,
		 (long long)zj_siem_int(ev, "seq", 0));
	snprintf(title, sizeof(title), "YARA match in %s", path ? path : "?");
	base(&d, o, ev, h, 2004, "Detection Finding", 2, "Findings", 1, "Create", 4, uid);
	zj_siem_put_str(&d, o, "message", title);
	zj_siem_put_int(&d, o, "status_id", 1);
	zj_siem_put_str(&d, o, "status", "New");
	zj_siem_put(&d, o, "is_alert", json_object_new_boolean(1));
	(void)zj_siem_time_ms(zj_siem_str(ev, "time"), &ms);
	fi = zj_siem_put(&d, o, "finding_info", json_object_new_object());
	zj_siem_put_str(&d, fi, "uid", uid);
	zj_siem_put_str(&d, fi, "title", title);
	zj_siem_put_int(&d, fi, "created_time", ms);
	types = zj_siem_put(&d, fi, "types", json_object_new_array());
	push(&d, types, json_object_new_string("YARA match"));
	an = zj_siem_put(&d, fi, "analytic", json_object_new_object());
	zj_siem_put_str(&d, an, "name", "YARA");
	zj_siem_put_int(&d, an, "type_id", 2);
	zj_siem_put_str(&d, an, "type", "Signature");
	if (tech) {
		attacks = zj_siem_put(&d, fi, "attacks", json_object_new_array());
		push(&d, attacks, attack_obj(&d, tech, NULL));
	}
	ev_arr = zj_siem_put(&d, o, "evidences", json_object_new_array());
	e = json_object_new_object();
	if (path)
		zj_siem_put(&d, e, "file", file_obj(&d, path, 1));
	push(&d, ev_arr, e);
	um = zj_siem_put(&d, o, "unmapped", json_object_new_object());
	z = zj_siem_put(&d, um, "zhijia", json_object_new_object());
	put_copy(&d, z, "verdict", ev, "verdict");
	if (d.err) {
		json_object_put(o);
		return d.err;
	}
	*ret = o;
	return 0;
}

/* Process Activity activity_id for an event type. */
static int process_activity(const char *type, const char **ret_name)
{
	static const struct {
		const char *type;
		int id;
		const char *name;
	} map[] = {
		{"exec", 1, "Launch"},	  {"fork", 1, "Launch"},      {"exit", 2, "Terminate"},
		{"ptrace", 4, "Inject"},  {"mem_write", 4, "Inject"}, {"vm_write", 4, "Inject"},
		{"mem_open", 3, "Open"},
	};

	for (size_t i = 0; type && i < ELEMENTSOF(map); i++)
		if (strcmp(type, map[i].type) == 0) {
			*ret_name = map[i].name;
			return map[i].id;
		}
	*ret_name = "Other";
	return 99;
}

/* File System Activity activity_id for a file operation. */
static int file_activity(const char *op, const char **ret_name)
{
	static const struct {
		const char *op;
		int id;
		const char *name;
	} map[] = {
		{"create", 1, "Create"},     {"open_write", 3, "Update"}, {"truncate", 3, "Update"},
		{"rename", 5, "Rename"},     {"unlink", 4, "Delete"},	  {"chmod", 6, "Set Attributes"},
		{"link", 1, "Create"},	     {"symlink", 1, "Create"},
	};

	for (size_t i = 0; op && i < ELEMENTSOF(map); i++)
		if (strcmp(op, map[i].op) == 0) {
			*ret_name = map[i].name;
			return map[i].id;
		}
	*ret_name = "Other";
	return 99;
}

static int activity_doc(json_object *ev, const struct zj_siem_host *h, json_object **ret)
{
	struct zj_siem_doc d = {0};
	json_object *o = json_object_new_object(), *p, *actor, *um, *z, *f;
	const char *type = zj_siem_str(ev, "type"), *an, *path, *path2;
	char uid[320];
	bool is_file = type && (!strcmp(type, "file") || !strcmp(type, "verdict"));
	int aid;

	if (!o)
		return -ENOMEM;
	snprintf(uid, sizeof(uid), "%s-%lld", h->machine_id[0] ? h->machine_id : h->hostname,
		 (long long)zj_siem_int(ev, "seq", 0));
	if (is_file) {
		f = zj_siem_get(ev, "file", json_type_object);
		aid = f ? file_activity(zj_siem_str(f, "op"), &an) : 2;
		if (!f)
			an = "Read"; /* a verdict: the file was read and scanned */
		base(&d, o, ev, h, 1001, "File System Activity", 1, "System Activity", aid, an, 1,
		     uid);
	} else {
		aid = process_activity(type, &an);
		base(&d, o, ev, h, 1007, "Process Activity", 1, "System Activity", aid, an, 1, uid);
	}
	zj_siem_put_int(&d, o, "status_id", 1);
	zj_siem_put_str(&d, o, "status", "Success");
	actor = zj_siem_put(&d, o, "actor", json_object_new_object());
	if ((p = zj_siem_get(ev, "actor", json_type_object)))
		zj_siem_put(&d, actor, "process", process_obj(&d, p));
	else
		zj_siem_put_str(&d, actor, "app_name", "zhijiad"); /* a verdict: zhijiad's scanner */
	path = event_path(ev, &path2);
	if (is_file) {
		/* a rename's or link's other path is in unmapped.zhijia.file */
		zj_siem_put(&d, o, "file", file_obj(&d, path ? path : "", 1));
	} else if ((p = zj_siem_get(ev, "target", json_type_object))) {
		zj_siem_put(&d, o, "process", process_obj(&d, p));
	} else if ((p = zj_siem_get(ev, "actor", json_type_object))) {
		zj_siem_put(&d, o, "process", process_obj(&d, p));
	}
	um = zj_siem_put(&d, o, "unmapped", json_object_new_object());
	z = zj_siem_put(&d, um, "zhijia", json_object_new_object());
	put_copy(&d, z, "event_type", ev, "type");
	put_copy(&d, z, "event_seq", ev, "seq");
	if (type)
		put_copy(&d, z, type, ev, type);
	put_copy(&d, z, "flags", ev, "flags");
	if (d.err) {
		json_object_put(o);
		return d.err;
	}
	*ret = o;
	return 0;
}

int zj_ocsf_from_native(json_object *ev, const struct zj_siem_host *h, zj_siem_emit_fn emit,
			void *userdata)
{
	json_object *v, *doc = NULL;
	int r = zj_siem_each_finding(ev, h, finding_doc, emit, userdata);

	if (r != 0)
		return r < 0 ? r : 0;
	v = zj_siem_get(ev, "verdict", json_type_object);
	if (v && zj_siem_str(v, "state") && strcmp(zj_siem_str(v, "state"), "match") == 0 &&
	    !(zj_siem_get(v, "allowed", json_type_boolean) &&
	      json_object_get_boolean(zj_siem_get(v, "allowed", json_type_boolean))))
		r = verdict_finding(ev, v, h, &doc);
	else
		r = activity_doc(ev, h, &doc);
	if (r < 0)
		return r;
	r = emit(userdata, doc);
	json_object_put(doc);
	return r;
}
