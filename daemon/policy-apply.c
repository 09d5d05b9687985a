/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zhijia/sha256.h"
#include "policy-apply.h"
#include "util.h"

static void json_objectp(json_object **o)
{
	json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_objectp)

int zj_policy_hash(const struct zj_policy *p, char ret[ZJ_POLICY_HASH_LEN + 1])
{
	_cleanup_free_ char *text = NULL;
	uint8_t digest[ZJ_SHA256_LEN];
	char hex[ZJ_SHA256_HEX_LEN + 1];
	struct zj_sha256 s;
	int n = zj_policy_to_json(p, &text);

	if (n < 0)
		return n;
	zj_sha256_init(&s);
	zj_sha256_update(&s, text, (size_t)n);
	zj_sha256_final(&s, digest);
	zj_sha256_hex(digest, hex);
	memcpy(ret, hex, ZJ_POLICY_HASH_LEN);
	ret[ZJ_POLICY_HASH_LEN] = '\0';
	return 0;
}

/* The canonical text of p, parsed. */
static int canonical(const struct zj_policy *p, json_object **ret)
{
	_cleanup_free_ char *text = NULL;
	int n = zj_policy_to_json(p, &text);

	if (n < 0)
		return n;
	*ret = json_tokener_parse(text);
	return *ret ? 0 : -ENOMEM;
}

static json_object *member(json_object *o, const char *key, enum json_type type)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

int zj_policy_replace(struct zj_policy *p, const struct zj_policy *want, char *err,
		      size_t errlen)
{
	_cleanup_json_ json_object *w = NULL;
	json_object *actions;
	size_t n;
	int r;

	r = canonical(want, &w);
	if (r < 0)
		return r;
	actions = member(w, "actions", json_type_object);
	if (actions) {
		json_object_object_foreach(actions, id, v)
		{
			if (!json_object_is_type(v, json_type_string))
				continue;
			r = zj_policy_set(p, id, json_object_get_string(v), err, errlen);
			if (r < 0)
				return r;
		}
	}
	/* protected applications: drop the old, add the new (in the file's order) */
	while (zj_policy_protect_count(p) > 0) {
		char path[ZJ_POLICY_PATH_MAX];

		snprintf(path, sizeof(path), "%s", zj_policy_protect_get(p, 0));
		r = zj_policy_protect_del(p, path, err, errlen);
		if (r < 0)
			return r;
	}
	n = zj_policy_protect_count(want);
	for (size_t i = 0; i < n; i++) {
		r = zj_policy_protect_add(p, zj_policy_protect_get(want, i), err, errlen);
		if (r < 0)
			return r;
	}
	while (zj_policy_allow_count(p) > 0) {
		r = zj_policy_allow_del(p, zj_policy_allow_count(p), err, errlen);
		if (r < 0)
			return r;
	}
	n = zj_policy_allow_count(want);
	for (size_t i = 1; i <= n; i++) {
		r = zj_policy_allow_add(p, zj_policy_allow_get(want, i), err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

static int change(json_object *changes, const char *kind, const char *op, const char *k1,
		  json_object *v1, const char *k2, json_object *v2, const char *k3, json_object *v3)
{
	json_object *c = json_object_new_object();

	if (!c)
		return -ENOMEM;
	json_object_object_add(c, "kind", json_object_new_string(kind));
	if (op)
		json_object_object_add(c, "op", json_object_new_string(op));
	if (k1)
		json_object_object_add(c, k1, json_object_get(v1));
	if (k2)
		json_object_object_add(c, k2, json_object_get(v2));
	if (k3)
		json_object_object_add(c, k3, json_object_get(v3));
	if (json_object_array_add(changes, c) < 0) {
		json_object_put(c);
		return -ENOMEM;
	}
	return 0;
}

static bool in_array(json_object *arr, json_object *v)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		if (json_object_equal(json_object_array_get_idx(arr, i), v))
			return true;
	return false;
}

/* Elements of a not in b: op "del"; of b not in a: "add". */
static int list_diff(json_object *changes, const char *kind, const char *key, json_object *a,
		     json_object *b)
{
	int r;

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);

		if (!in_array(b, v) &&
		    (r = change(changes, kind, "del", key, v, NULL, NULL, NULL, NULL)) < 0)
			return r;
	}
	for (size_t i = 0; b && i < json_object_array_length(b); i++) {
		json_object *v = json_object_array_get_idx(b, i);

		if (!in_array(a, v) &&
		    (r = change(changes, kind, "add", key, v, NULL, NULL, NULL, NULL)) < 0)
			return r;
	}
	return 0;
}

int zj_policy_diff(const struct zj_policy *a, const struct zj_policy *b, json_object **ret)
{
	_cleanup_json_ json_object *ja = NULL, *jb = NULL, *changes = json_object_new_array();
	json_object *aa, *ab;
	int r;

	if (!changes)
		return -ENOMEM;
	if ((r = canonical(a, &ja)) < 0 || (r = canonical(b, &jb)) < 0)
		return r;
	aa = member(ja, "actions", json_type_object);
	ab = member(jb, "actions", json_type_object);
	if (aa && ab) {
		json_object_object_foreach(ab, id, to)
		{
			json_object *from = member(aa, id, json_type_string);
			json_object *idv;

			if (from && json_object_equal(from, to))
				continue;
			idv = json_object_new_string(id);
			r = change(changes, "action", NULL, "id", idv, "from", from, "to", to);
			json_object_put(idv);
			if (r < 0)
				return r;
		}
	}
	r = list_diff(changes, "protect", "path", member(ja, "protected", json_type_array),
		      member(jb, "protected", json_type_array));
	if (r < 0)
		return r;
	r = list_diff(changes, "exception", "exception", member(ja, "exceptions", json_type_array),
		      member(jb, "exceptions", json_type_array));
	if (r < 0)
		return r;
	*ret = TAKE_PTR(changes);
	return 0;
}

void zj_policy_diff_print(json_object *changes, FILE *out)
{
	size_t n = changes ? json_object_array_length(changes) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(changes, i);
		json_object *kind = member(c, "kind", json_type_string);
		json_object *op = member(c, "op", json_type_string), *v = NULL;
		const char *k = kind ? json_object_get_string(kind) : "";
		const char *sign = op && !strcmp(json_object_get_string(op), "del") ? "-" : "+";

		if (!strcmp(k, "action")) {
			json_object *id = member(c, "id", json_type_string);
			json_object *from = member(c, "from", json_type_string);
			json_object *to = member(c, "to", json_type_string);

			fprintf(out, "~ %s: %s -> %s\n", id ? json_object_get_string(id) : "?",
				from ? json_object_get_string(from) : "(none)",
				to ? json_object_get_string(to) : "?");
		} else if (!strcmp(k, "protect")) {
			json_object_object_get_ex(c, "path", &v);
			fprintf(out, "%s protect %s\n", sign, v ? json_object_get_string(v) : "?");
		} else {
			json_object_object_get_ex(c, "exception", &v);
			fprintf(out, "%s exception %s\n", sign,
				v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
									 JSON_C_TO_STRING_NOSLASHESCAPE)
				  : "?");
		}
	}
}
