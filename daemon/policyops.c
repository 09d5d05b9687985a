/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy commands (policyops.h).  Each command is a function from a table; the changing
 * ones get a copy of the policy, and zj_policy_command() decides from the two serialisations
 * whether anything changed, saves, and swaps.  Validation is the portable core's: its
 * functions check, word the error, and change nothing on failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-apply.h"
#include "policyops.h"
#include "util.h"

struct op {
	const char *name;
	bool changes;
	const char *const *keys; /* the arguments it takes; NULL-terminated */
	int (*fn)(const struct op *op, struct zj_policy *p, json_object *args, json_object *reply,
		  char *err, size_t errlen);
};

__attribute__((format(printf, 3, 4))) static int errf(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void json_objectp(json_object **o)
{
	json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_objectp)

static void policy_freep(struct zj_policy **p)
{
	zj_policy_free(*p);
}

/* json-c reports allocation failures as NULL or -1: one place turns them into -ENOMEM. */
static int jadd(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int jpush(json_object *a, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int jadd_str(json_object *o, const char *key, const char *s)
{
	return s ? jadd(o, key, json_object_new_string(s)) : 0;
}

/* ---- arguments --------------------------------------------------------------------------- */

static int check_keys(const struct op *op, json_object *args, char *err, size_t errlen)
{
	char valid[256] = "";
	size_t o = 0;

	if (!args)
		return 0;
	if (!json_object_is_type(args, json_type_object))
		return errf(err, errlen, "%s: the arguments must be a JSON object", op->name);
	json_object_object_foreach(args, key, val)
	{
		const char *const *k;

		(void)val;
		for (k = op->keys; *k; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k)
			continue;
		for (k = op->keys; *k && o < sizeof(valid); k++)
			o += (size_t)snprintf(valid + o, sizeof(valid) - o, "%s%s", o ? ", " : "",
					      *k);
		return errf(err, errlen, "%s: unknown argument \"%.64s\"; valid: %s", op->name, key,
			    op->keys[0] ? valid : "none");
	}
	return 0;
}

/* A string argument: 0 and *ret (NULL when absent and optional), or -EINVAL. */
static int arg_string(const struct op *op, json_object *args, const char *key, bool required,
		      const char **ret, char *err, size_t errlen)
{
	json_object *v = NULL;

	*ret = NULL;
	if (!args || !json_object_object_get_ex(args, key, &v) || !v) {
		if (required)
			return errf(err, errlen, "%s: missing argument \"%s\"", op->name, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return errf(err, errlen, "%s: \"%s\" must be a string", op->name, key);
	*ret = json_object_get_string(v);
	return 0;
}

static int arg_int(const struct op *op, json_object *args, const char *key, bool required,
		   int64_t *ret, bool *ret_present, char *err, size_t errlen)
{
	json_object *v = NULL;

	*ret_present = false;
	if (!args || !json_object_object_get_ex(args, key, &v) || !v) {
		if (required)
			return errf(err, errlen, "%s: missing argument \"%s\"", op->name, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return errf(err, errlen, "%s: \"%s\" must be an integer", op->name, key);
	errno = 0;
	*ret = json_object_get_int64(v);
	if (errno == EINVAL || (json_object_get_uint64(v) > INT64_MAX && *ret == INT64_MAX))
		return errf(err, errlen, "%s: \"%s\" is out of range", op->name, key);
	*ret_present = true;
	return 0;
}

/* ---- JSON of catalog entries and policy items -------------------------------------------- */

static int names_json(json_object *o, const char *id, const char *name, const char *name_zh)
{
	if (jadd_str(o, "id", id) < 0 || jadd_str(o, "name", name) < 0 ||
	    jadd_str(o, "name_zh", name_zh) < 0)
		return -ENOMEM;
	return 0;
}

/* Does t have an action of its own: a sub-technique, or a technique without any, observed. */
static bool has_action(const struct zj_technique *t)
{
	return t->n_subs == 0 && t->capability != ZJ_CAP_NONE;
}

/* What can be done here about t; for a technique, the most about any of its sub-techniques. */
static uint32_t capability_of(const struct zj_policy *p, const struct zj_technique *t)
{
	uint32_t cap = zj_policy_capability(p, t);
	size_t first = zj_catalog_index(t) + 1;

	for (uint32_t i = 0; i < t->n_subs; i++) {
		uint32_t c = zj_policy_capability(p, zj_catalog_at(first + i));

		if (c > cap)
			cap = c;
	}
	return cap;
}

/* TECH without "subs". */
static json_object *tech_json(const struct zj_policy *p, const struct zj_technique *t)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	uint32_t a;

	if (!o || names_json(o, t->id, t->name, t->name_zh) < 0 ||
	    jadd_str(o, "capability", zj_capability_name(capability_of(p, t))) < 0)
		return NULL;
	if (has_action(t) && zj_policy_get(p, t->id, &a) == 0 &&
	    jadd_str(o, "action", zj_action_name(a)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/*
 * The sub-techniques of t as TECH objects into a new "subs" array of o: the observed ones, or
 * all with `all`; only those in tactic (< 0: any).  Returns how many, or -ENOMEM.
 */
static int subs_json(const struct zj_policy *p, const struct zj_technique *t, int tactic, bool all,
		     json_object *o)
{
	_cleanup_json_ json_object *subs = json_object_new_array();
	size_t first = zj_catalog_index(t) + 1;
	int n = 0;

	if (!subs)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n_subs; i++) {
		const struct zj_technique *s = zj_catalog_at(first + i);

		if (!all && s->capability == ZJ_CAP_NONE)
			continue;
		if (tactic >= 0 && !zj_technique_in_tactic(s, (size_t)tactic))
			continue;
		if (jpush(subs, tech_json(p, s)) < 0)
			return -ENOMEM;
		n++;
	}
	if (jadd(o, "subs", TAKE_PTR(subs)) < 0)
		return -ENOMEM;
	return n;
}

static json_object *tactic_json(const struct zj_tactic *tac)
{
	_cleanup_json_ json_object *o = json_object_new_object();

	if (!o || names_json(o, tac->id, tac->name, tac->name_zh) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static json_object *exception_json(const struct zj_exception *e, size_t number)
{
	_cleanup_json_ json_object *o = json_object_new_object();

	if (!o || jadd(o, "number", json_object_new_int64((int64_t)number)) < 0 ||
	    jadd_str(o, "technique", e->technique) < 0 || jadd_str(o, "exe", e->exe) < 0 ||
	    (e->uid >= 0 && jadd(o, "uid", json_object_new_int64(e->uid)) < 0) ||
	    jadd_str(o, "parent", e->parent) < 0 || jadd_str(o, "comment", e->comment) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/* ---- the commands ------------------------------------------------------------------------ */

/* "TA0004", "ta0004" or "privilege-escalation". */
static int find_tactic(const char *name, size_t *ret, char *err, size_t errlen)
{
	char id[16], valid[640];
	size_t o = 0, n = strlen(name);

	if (n < sizeof(id) && (name[0] == 't' || name[0] == 'T') &&
	    (name[1] == 'a' || name[1] == 'A')) {
		memcpy(id, name, n + 1);
		id[0] = 'T';
		id[1] = 'A';
		if (zj_catalog_tactic_find(id, ret) == 0)
			return 0;
	}
	if (zj_catalog_tactic_find(name, ret) == 0)
		return 0;
	valid[0] = '\0';
	for (size_t i = 0; i < zj_catalog_tactic_count() && o < sizeof(valid); i++)
		o += (size_t)snprintf(valid + o, sizeof(valid) - o, "%s%s %s", i ? ", " : "",
				      zj_catalog_tactic(i)->id, zj_catalog_tactic(i)->shortname);
	errf(err, errlen, "unknown tactic '%.48s'; valid tactics: %s", name, valid);
	return -ENOENT;
}

static int arg_bool(const struct op *op, json_object *args, const char *key, bool *ret, char *err,
		    size_t errlen)
{
	json_object *v = NULL;

	*ret = false;
	if (!args || !json_object_object_get_ex(args, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return errf(err, errlen, "%s: \"%s\" must be true or false", op->name, key);
	*ret = json_object_get_boolean(v);
	return 0;
}

static int do_policy_list(const struct op *op, struct zj_policy *p, json_object *args,
			  json_object *reply, char *err, size_t errlen)
{
	_cleanup_json_ json_object *tactics = json_object_new_array();
	const char *tactic_name;
	size_t only = 0;
	bool all;
	int r;

	if (!tactics)
		return -ENOMEM;
	r = arg_string(op, args, "tactic", false, &tactic_name, err, errlen);
	if (r < 0)
		return r;
	r = arg_bool(op, args, "all", &all, err, errlen);
	if (r < 0)
		return r;
	if (tactic_name) {
		r = find_tactic(tactic_name, &only, err, errlen);
		if (r < 0)
			return r;
	}
	for (size_t ti = 0; ti < zj_catalog_tactic_count(); ti++) {
		_cleanup_json_ json_object *tac = NULL, *techs = NULL;
		const struct zj_technique *t;

		if (tactic_name && ti != only)
			continue;
		tac = tactic_json(zj_catalog_tactic(ti));
		techs = json_object_new_array();
		if (!tac || !techs)
			return -ENOMEM;
		for (t = zj_catalog_next(NULL, (int)ti); t; t = zj_catalog_next(t, (int)ti)) {
			_cleanup_json_ json_object *tj = NULL;

			if (zj_technique_is_sub(t))
				continue; /* listed under its technique */
			if (!all && t->n_subs == 0 && t->capability == ZJ_CAP_NONE)
				continue;
			tj = tech_json(p, t);
			if (!tj)
				return -ENOMEM;
			if (t->n_subs > 0) {
				r = subs_json(p, t, (int)ti, all, tj);
				if (r < 0)
					return r;
				if (r == 0 && !all)
					continue;
			}
			if (jpush(techs, TAKE_PTR(tj)) < 0)
				return -ENOMEM;
		}
		if (!all && !tactic_name && json_object_array_length(techs) == 0)
			continue;
		if (jadd(tac, "techniques", TAKE_PTR(techs)) < 0 ||
		    jpush(tactics, TAKE_PTR(tac)) < 0)
			return -ENOMEM;
	}
	if (jadd_str(reply, "attack_version", zj_catalog_attack_version()) < 0 ||
	    jadd_str(reply, "platform", zj_catalog_platform()) < 0 ||
	    jadd(reply, "enforceable", json_object_new_boolean(zj_policy_enforceable(p))) < 0 ||
	    jadd(reply, "tactics", TAKE_PTR(tactics)) < 0)
		return -ENOMEM;
	return 0;
}

static int do_policy_get(const struct op *op, struct zj_policy *p, json_object *args,
			 json_object *reply, char *err, size_t errlen)
{
	_cleanup_json_ json_object *tactics = json_object_new_array(), *tj = NULL;
	const struct zj_technique *t, *parent;
	const char *id;
	int r;

	if (!tactics)
		return -ENOMEM;
	r = arg_string(op, args, "id", true, &id, err, errlen);
	if (r < 0)
		return r;
	r = zj_policy_find_technique(id, &t, err, errlen);
	if (r < 0)
		return r;
	tj = tech_json(p, t);
	if (!tj)
		return -ENOMEM;
	/* the reply is TECH itself: move its members over */
	json_object_object_foreach(tj, key, val)
	{
		if (jadd(reply, key, json_object_get(val)) < 0)
			return -ENOMEM;
	}
	parent = zj_catalog_parent(t);
	if (parent && jadd(reply, "technique", tech_json(p, parent)) < 0)
		return -ENOMEM;
	for (size_t ti = 0; ti < zj_catalog_tactic_count(); ti++)
		if (zj_technique_in_tactic(t, ti) &&
		    jpush(tactics, tactic_json(zj_catalog_tactic(ti))) < 0)
			return -ENOMEM;
	if (jadd(reply, "tactics", TAKE_PTR(tactics)) < 0)
		return -ENOMEM;
	if (t->n_subs > 0) {
		r = subs_json(p, t, -1, false, reply);
		if (r < 0)
			return r;
	}
	return 0;
}

static int do_policy_set(const struct op *op, struct zj_policy *p, json_object *args,
			 json_object *reply, char *err, size_t errlen)
{
	const struct zj_technique *t;
	const char *id, *action;
	uint32_t before = ZJ_ACTION_DEFAULT, after = ZJ_ACTION_DEFAULT;
	int r;

	r = arg_string(op, args, "id", true, &id, err, errlen);
	if (r < 0)
		return r;
	r = arg_string(op, args, "action", true, &action, err, errlen);
	if (r < 0)
		return r;
	(void)zj_policy_get(p, id, &before);
	r = zj_policy_set(p, id, action, err, errlen);
	if (r < 0)
		return r;
	r = zj_catalog_find(id, &t);
	if (r < 0 || zj_policy_get(p, t->id, &after) < 0)
		return -EINVAL; /* cannot be: zj_policy_set() found it */
	if (jadd_str(reply, "id", t->id) < 0 ||
	    jadd_str(reply, "action", zj_action_name(after)) < 0 ||
	    jadd_str(reply, "previous", zj_action_name(before)) < 0)
		return -ENOMEM;
	return 0;
}

static int do_policy_reset(const struct op *op, struct zj_policy *p, json_object *args,
			   json_object *reply, char *err, size_t errlen)
{
	_cleanup_json_ json_object *done = json_object_new_array();
	json_object *ids = NULL;
	size_t n;
	int r;

	if (!done)
		return -ENOMEM;
	if (args && json_object_object_get_ex(args, "ids", &ids) && ids &&
	    !json_object_is_type(ids, json_type_array))
		return errf(err, errlen, "%s: \"ids\" must be an array of strings", op->name);
	n = ids ? json_object_array_length(ids) : 0;
	if (n == 0) {
		r = zj_policy_reset(p, NULL, err, errlen);
		if (r < 0)
			return r;
		return jadd_str(reply, "reset", "all");
	}
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(ids, i);
		const struct zj_technique *t;

		if (!json_object_is_type(v, json_type_string))
			return errf(err, errlen, "%s: \"ids\" must be an array of strings",
				    op->name);
		r = zj_policy_reset(p, json_object_get_string(v), err, errlen);
		if (r < 0)
			return r;
		if (zj_catalog_find(json_object_get_string(v), &t) < 0 ||
		    jpush(done, json_object_new_string(t->id)) < 0)
			return -ENOMEM;
	}
	return jadd(reply, "reset", TAKE_PTR(done));
}

static int do_protect_add(const struct op *op, struct zj_policy *p, json_object *args,
			  json_object *reply, char *err, size_t errlen)
{
	const char *path;
	int r;

	r = arg_string(op, args, "path", true, &path, err, errlen);
	if (r < 0)
		return r;
	r = zj_policy_protect_add(p, path, err, errlen);
	if (r < 0)
		return r;
	return jadd_str(reply, "path", path);
}

static int do_protect_del(const struct op *op, struct zj_policy *p, json_object *args,
			  json_object *reply, char *err, size_t errlen)
{
	const char *path;
	int r;

	r = arg_string(op, args, "path", true, &path, err, errlen);
	if (r < 0)
		return r;
	r = zj_policy_protect_del(p, path, err, errlen);
	if (r < 0)
		return r;
	return jadd_str(reply, "path", path);
}

static int do_protect_list(const struct op *op, struct zj_policy *p, json_object *args,
			   json_object *reply, char *err, size_t errlen)
{
	_cleanup_json_ json_object *a = json_object_new_array();

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < zj_policy_protect_count(p); i++)
		if (jpush(a, json_object_new_string(zj_policy_protect_get(p, i))) < 0)
			return -ENOMEM;
	return jadd(reply, "protected", TAKE_PTR(a));
}

static int do_allow_add(const struct op *op, struct zj_policy *p, json_object *args,
			json_object *reply, char *err, size_t errlen)
{
	struct zj_exception e = {.uid = -1};
	bool has_uid;
	int64_t uid;
	int r, number;

	if ((r = arg_string(op, args, "technique", false, &e.technique, err, errlen)) < 0 ||
	    (r = arg_string(op, args, "exe", false, &e.exe, err, errlen)) < 0 ||
	    (r = arg_string(op, args, "parent", false, &e.parent, err, errlen)) < 0 ||
	    (r = arg_string(op, args, "comment", false, &e.comment, err, errlen)) < 0 ||
	    (r = arg_int(op, args, "uid", false, &uid, &has_uid, err, errlen)) < 0)
		return r;
	if (has_uid)
		e.uid = uid;
	if (!e.technique)
		e.technique = ""; /* the core words what an exception needs */
	number = zj_policy_allow_add(p, &e, err, errlen);
	if (number < 0)
		return number;
	if (jadd(reply, "number", json_object_new_int(number)) < 0 ||
	    jadd(reply, "exception",
		 exception_json(zj_policy_allow_get(p, (size_t)number), (size_t)number)) < 0)
		return -ENOMEM;
	return 0;
}

static int do_allow_del(const struct op *op, struct zj_policy *p, json_object *args,
			json_object *reply, char *err, size_t errlen)
{
	_cleanup_json_ json_object *gone = NULL;
	const struct zj_exception *e;
	bool present;
	int64_t number;
	int r;

	r = arg_int(op, args, "number", true, &number, &present, err, errlen);
	if (r < 0)
		return r;
	if (number < 0)
		number = 0; /* "no exception #0" */
	e = zj_policy_allow_get(p, (size_t)number);
	if (e) {
		gone = exception_json(e, (size_t)number);
		if (!gone)
			return -ENOMEM;
	}
	r = zj_policy_allow_del(p, (size_t)number, err, errlen);
	if (r < 0)
		return r;
	if (jadd(reply, "number", json_object_new_int64(number)) < 0 ||
	    jadd(reply, "exception", TAKE_PTR(gone)) < 0)
		return -ENOMEM;
	return 0;
}

static int do_allow_list(const struct op *op, struct zj_policy *p, json_object *args,
			 json_object *reply, char *err, size_t errlen)
{
	_cleanup_json_ json_object *a = json_object_new_array();

	if (!a)
		return -ENOMEM;
	for (size_t i = 1; i <= zj_policy_allow_count(p); i++)
		if (jpush(a, exception_json(zj_policy_allow_get(p, i), i)) < 0)
			return -ENOMEM;
	return jadd(reply, "exceptions", TAKE_PTR(a));
}

/* policy.export: the canonical text and its hash. */
static int do_policy_export(const struct op *op, struct zj_policy *p, json_object *args,
			    json_object *reply, char *err, size_t errlen)
{
	_cleanup_free_ char *text = NULL;
	char hash[ZJ_POLICY_HASH_LEN + 1];
	int r = zj_policy_to_json(p, &text);

	if (r < 0 || (r = zj_policy_hash(p, hash)) < 0)
		return r;
	if (jadd_str(reply, "policy", text) < 0 || jadd_str(reply, "policy_hash", hash) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * policy.apply: p (a copy, policyops' run()) becomes the text's policy; every check is made
 * before anything is swapped in, so a bad file changes nothing.  "dry_run" is run()'s.
 */
static int do_policy_apply(const struct op *op, struct zj_policy *p, json_object *args,
			   json_object *reply, char *err, size_t errlen)
{
	_cleanup_(policy_freep) struct zj_policy *want = NULL, *before = NULL;
	_cleanup_json_ json_object *changes = NULL;
	const char *text = NULL, *name = NULL;
	char hash[ZJ_POLICY_HASH_LEN + 1];
	int r;

	if ((r = arg_string(op, args, "policy", true, &text, err, errlen)) < 0 ||
	    (r = arg_string(op, args, "name", false, &name, err, errlen)) < 0)
		return r;
	r = zj_policy_from_json(text, strlen(text), name ? name : "policy", &want, err, errlen);
	if (r < 0)
		return r;
	r = zj_policy_copy(p, &before);
	if (r < 0)
		return r;
	r = zj_policy_replace(p, want, err, errlen);
	if (r < 0)
		return r;
	r = zj_policy_diff(before, p, &changes);
	if (r < 0 || (r = zj_policy_hash(p, hash)) < 0)
		return r;
	if (jadd(reply, "changes", TAKE_PTR(changes)) < 0 || jadd_str(reply, "policy_hash", hash) < 0)
		return -ENOMEM;
	return 0;
}

static const char *const keys_none[] = {NULL};
static const char *const keys_apply[] = {"policy", "name", "dry_run", NULL};
static const char *const keys_list[] = {"tactic", "all", NULL};
static const char *const keys_id[] = {"id", NULL};
static const char *const keys_set[] = {"id", "action", NULL};
static const char *const keys_reset[] = {"ids", NULL};
static const char *const keys_path[] = {"path", NULL};
static const char *const keys_allow[] = {"technique", "exe", "uid", "parent", "comment", NULL};
static const char *const keys_number[] = {"number", NULL};

static const struct op ops[] = {
	{"policy.list", false, keys_list, do_policy_list},
	{"policy.get", false, keys_id, do_policy_get},
	{"policy.set", true, keys_set, do_policy_set},
	{"policy.reset", true, keys_reset, do_policy_reset},
	{"protect.add", true, keys_path, do_protect_add},
	{"protect.del", true, keys_path, do_protect_del},
	{"protect.list", false, keys_none, do_protect_list},
	{"allow.add", true, keys_allow, do_allow_add},
	{"allow.del", true, keys_number, do_allow_del},
	{"allow.list", false, keys_none, do_allow_list},
	{"policy.export", false, keys_none, do_policy_export},
	{"policy.apply", true, keys_apply, do_policy_apply},
};

static const struct op *find_op(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(ops); i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

bool zj_policy_command_known(const char *cmd)
{
	return cmd && find_op(cmd);
}

int zj_policy_find_technique(const char *id, const struct zj_technique **ret, char *err,
			     size_t errlen)
{
	struct zj_policy *scratch = NULL;
	int r;

	if (!id || !ret)
		return -EINVAL;
	if (zj_catalog_find(id, ret) == 0)
		return 0;
	/*
	 * The core words an unknown id (and names the sub-techniques of the technique it looks
	 * like) when asked to reset it: ask a throw-away policy, so the message is the same one
	 * `policy set` gives.
	 */
	r = zj_policy_new_default(&scratch);
	if (r < 0)
		return r;
	r = zj_policy_reset(scratch, id, err, errlen);
	zj_policy_free(scratch);
	if (r >= 0)
		errf(err, errlen, "unknown technique '%.48s'; see `zhijiactl policy list`", id);
	return -ENOENT;
}

/* Save `next` through store, with the reason in err on failure. */
static int save(const struct zj_policy *next, const struct zj_policy_store *store, char *err,
		size_t errlen)
{
	char why[ZJ_POLICY_ERR_MAX] = "";
	int r;

	if (!store || !store->write)
		return 0;
	r = zj_policy_save(next, store->path, store->write, store->userdata, why, sizeof(why));
	if (r < 0)
		errf(err, errlen, "%s: %s; the policy is unchanged",
		     why[0] ? why : "failed to write the policy", strerror(-r));
	return r;
}

static int differ(const struct zj_policy *a, const struct zj_policy *b, bool *ret)
{
	_cleanup_free_ char *ta = NULL, *tb = NULL;
	int la, lb;

	la = zj_policy_to_json(a, &ta);
	if (la < 0)
		return la;
	lb = zj_policy_to_json(b, &tb);
	if (lb < 0)
		return lb;
	*ret = la != lb || memcmp(ta, tb, (size_t)la) != 0;
	return 0;
}

static int run(struct zj_policy **policy, const char *cmd, json_object *args,
	       const struct zj_policy_store *store, json_object **ret_reply, bool *ret_changed,
	       char *err, size_t errlen)
{
	_cleanup_(policy_freep) struct zj_policy *next = NULL;
	_cleanup_json_ json_object *reply = NULL;
	json_object *dry = NULL;
	const struct op *op;
	char valid[256];
	bool changed = false;
	size_t o = 0;
	int r;

	op = find_op(cmd);
	if (!op) {
		for (size_t i = 0; i < ELEMENTSOF(ops) && o < sizeof(valid); i++)
			o += (size_t)snprintf(valid + o, sizeof(valid) - o, "%s%s", i ? ", " : "",
					      ops[i].name);
		errf(err, errlen, "unknown command '%.64s'; valid: %s", cmd, valid);
		return -EBADRQC;
	}
	r = check_keys(op, args, err, errlen);
	if (r < 0)
		return r;
	reply = json_object_new_object();
	if (!reply || jadd(reply, "ok", json_object_new_boolean(true)) < 0)
		return -ENOMEM;

	if (!op->changes) {
		r = op->fn(op, *policy, args, reply, err, errlen);
		if (r < 0)
			return r;
		*ret_reply = TAKE_PTR(reply);
		if (ret_changed)
			*ret_changed = false;
		return 0;
	}

	r = zj_policy_copy(*policy, &next);
	if (r < 0)
		return r;
	r = op->fn(op, next, args, reply, err, errlen);
	if (r < 0)
		return r;
	r = differ(*policy, next, &changed);
	if (r < 0)
		return r;
	if (args && json_object_object_get_ex(args, "dry_run", &dry) &&
	    json_object_get_boolean(dry)) {
		/* what would change, nothing changed */
		if (jadd(reply, "changed", json_object_new_boolean(changed)) < 0 ||
		    jadd(reply, "dry_run", json_object_new_boolean(true)) < 0)
			return -ENOMEM;
		*ret_reply = TAKE_PTR(reply);
		if (ret_changed)
			*ret_changed = false;
		return 0;
	}
	if (changed) {
		r = save(next, store, err, errlen);
		if (r < 0)
			return r;
	}
	if (jadd(reply, "changed", json_object_new_boolean(changed)) < 0)
		return -ENOMEM;
	if (changed) {
		zj_policy_free(*policy);
		*policy = TAKE_PTR(next);
	}
	*ret_reply = TAKE_PTR(reply);
	if (ret_changed)
		*ret_changed = changed;
	return 0;
}

int zj_policy_command(struct zj_policy **policy, const char *cmd, json_object *args,
		      const struct zj_policy_store *store, json_object **ret_reply,
		      bool *ret_changed, char *err, size_t errlen)
{
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!policy || !*policy || !cmd || !ret_reply)
		return errf(err, errlen, "invalid call");
	r = run(policy, cmd, args, store, ret_reply, ret_changed, err, errlen);
	/* failures the checks above did not word: out of memory, mostly */
	if (r < 0 && err && errlen && !err[0])
		snprintf(err, errlen, "%.64s failed: %s", cmd, strerror(-r));
	return r;
}
