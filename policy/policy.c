/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy (include/zhijia/policy.h): actions per sub-technique, protected applications,
 * exceptions; JSON in and out; the decision for one finding.
 *
 * Every mutation validates first and changes nothing on error, so a daemon can apply a
 * command to its live policy directly.  JSON errors carry FILE:LINE:COLUMN: json-c reports
 * where a syntax error is, but keeps no positions for the objects it builds, so schema errors
 * are located by a small scanner that walks the (by then known valid) text along the path of
 * keys and indices to the offending key or value.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "zhijia/catalog.h"
#include "zhijia/detect.h"
#include "zhijia/errors.h"
#include "zhijia/policy.h"

#if defined(__MINGW32__)
#define ZJ_PRINTF_FMT(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define ZJ_PRINTF_FMT(a, b) __attribute__((format(printf, a, b)))
#else
#define ZJ_PRINTF_FMT(a, b)
#endif

#define USER_ID_SHOWN 48 /* bytes of a user-typed id or action quoted back */
#define LIST_SHOWN 16	 /* ids listed in a message before "..." */
#define COMMENT_MAX 1024 /* bytes of an exception's comment, NUL included */
#define UID_MAX_VALUE 4294967295LL

struct zj_policy {
	uint8_t *actions; /* ZJ_ACTION_* per catalog index */
	size_t n_actions;
	char **protect;
	size_t n_protect;
	struct zj_exception *exc; /* strings owned */
	size_t n_exc;
	bool enforceable;
};

/* ---- messages ---------------------------------------------------------------------------- */

/* A bounded message buffer; err may be NULL (then nothing is written). */
struct sbuf {
	char *b;
	size_t cap;
	size_t len;
};

static void sb_init(struct sbuf *sb, char *buf, size_t cap)
{
	sb->b = cap ? buf : NULL;
	sb->cap = buf ? cap : 0;
	sb->len = 0;
	if (sb->cap)
		sb->b[0] = '\0';
}

ZJ_PRINTF_FMT(2, 3)
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!sb->cap || sb->len + 1 >= sb->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->b + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		sb->b[sb->len] = '\0';
	else if ((size_t)n >= sb->cap - sb->len)
		sb->len = sb->cap - 1;
	else
		sb->len += (size_t)n;
}

/*
 * Append s as sb_printf(sb, "%s", s) would, without vsnprintf(): the decision's "why" is
 * built for every finding, and vsnprintf() was a twentieth of a record's cost (callgrind).
 */
static void sb_mem(struct sbuf *sb, const char *s, size_t n)
{
	size_t room;

	if (!sb->cap || sb->len + 1 >= sb->cap)
		return;
	room = sb->cap - 1 - sb->len;
	if (n > room)
		n = room;
	memcpy(sb->b + sb->len, s, n);
	sb->len += n;
	sb->b[sb->len] = '\0';
}

/* Inlined: the length of a literal is a constant, not a strlen() per decision. */
static inline void sb_puts(struct sbuf *sb, const char *s)
{
	sb_mem(sb, s, strlen(s));
}

/* Quote what a user typed: at most max bytes, anything unprintable as '?'. */
static void sb_quote(struct sbuf *sb, const char *s, size_t n, size_t max)
{
	sb_printf(sb, "'");
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		sb_printf(sb, "%c", c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	sb_printf(sb, "%s'", n > max ? "..." : "");
}

static void sb_quote_z(struct sbuf *sb, const char *s, size_t max)
{
	sb_quote(sb, s, strlen(s), max);
}

/* "T1055.008, T1055.009, T1055.014": the sub-techniques of technique t. */
static void sb_list_subs(struct sbuf *sb, const struct zj_technique *t)
{
	size_t first = zj_catalog_index(t) + 1;

	for (size_t i = 0; i < t->n_subs; i++) {
		if (i == LIST_SHOWN) {
			sb_printf(sb, ", ...");
			break;
		}
		sb_printf(sb, "%s%s", i ? ", " : "", zj_catalog_at(first + i)->id);
	}
}

/* The sub-techniques (and lone techniques) zhijia observes here. */
static void sb_list_observed(struct sbuf *sb)
{
	size_t shown = 0;

	for (const struct zj_technique *t = zj_catalog_next(NULL, -1); t;
	     t = zj_catalog_next(t, -1)) {
		if (t->capability == ZJ_CAP_NONE)
			continue;
		if (shown == LIST_SHOWN) {
			sb_printf(sb, ", ...");
			break;
		}
		sb_printf(sb, "%s%s", shown++ ? ", " : "", t->id);
	}
	if (!shown)
		sb_printf(sb, "none");
}

/*
 * "unknown technique 'T1055.99'; sub-techniques of T1055 Process Injection: T1055.008, ...;
 * see `zhijiactl policy list`": when the id looks like a sub-technique of a known technique,
 * name that technique's sub-techniques -- the likely typo is among them.
 */
static void sb_unknown_technique(struct sbuf *sb, const char *id)
{
	const struct zj_technique *parent;
	const char *dot = strchr(id, '.');
	char base[ZJ_TECHNIQUE_ID_MAX];

	sb_printf(sb, "unknown technique ");
	sb_quote_z(sb, id, USER_ID_SHOWN);
	if (dot && (size_t)(dot - id) < sizeof(base)) {
		memcpy(base, id, (size_t)(dot - id));
		base[dot - id] = '\0';
		if (zj_catalog_find(base, &parent) == 0 && parent->n_subs > 0) {
			sb_printf(sb, "; sub-techniques of %s %s: ", parent->id, parent->name);
			sb_list_subs(sb, parent);
		}
	}
	sb_printf(sb, "; see `zhijiactl policy list`");
}

/* ---- validation (shared by the setters and the JSON loader) ------------------------------ */

/* A sub-technique (or a technique without any) that zhijia observes: one that has an action. */
static int check_settable(const char *id, const struct zj_technique **ret, struct sbuf *sb)
{
	const struct zj_technique *t;

	if (!id || zj_catalog_find(id, &t) < 0) {
		sb_unknown_technique(sb, id ? id : "");
		return -ZJ_ENOENT;
	}
	if (t->n_subs > 0) {
		sb_printf(sb, "%s %s has sub-techniques; set one of them: ", t->id, t->name);
		sb_list_subs(sb, t);
		return -ZJ_EINVAL;
	}
	if (t->capability == ZJ_CAP_NONE) {
		sb_printf(sb, "%s %s is not observed by zhijia on this platform; observed: ", t->id,
			  t->name);
		sb_list_observed(sb);
		return -ZJ_EINVAL;
	}
	*ret = t;
	return 0;
}

/*
 * An action for t.  cap: what can be done -- the catalog's capability for a policy file, the
 * host's (possibly lower, zj_policy_capability()) for a live change.  Either way the message
 * is the same: the platform zhijia runs on cannot block it.
 */
static int check_action(const struct zj_technique *t, const char *action, uint32_t cap,
			uint32_t *ret, struct sbuf *sb)
{
	uint32_t a;

	if (!action || zj_action_parse(action, &a) < 0) {
		sb_printf(sb, "unknown action ");
		sb_quote_z(sb, action ? action : "", USER_ID_SHOWN);
		sb_printf(sb, " for %s; valid actions: block, alert, record, off, default", t->id);
		return -ZJ_EINVAL;
	}
	if (a == ZJ_ACTION_BLOCK && cap < ZJ_CAP_ENFORCE) {
		sb_printf(sb,
			  "%s cannot be enforced on this platform; valid: alert, record, off, "
			  "default",
			  t->id);
		return -ZJ_EOPNOTSUPP;
	}
	*ret = a;
	return 0;
}

static bool is_drive_path(const char *s, size_t n)
{
	return n >= 3 && ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) &&
	       s[1] == ':' && (s[2] == '\\' || s[2] == '/');
}

/* Has the path "//", "/./", "/../", or ends in "/", "/." or "/.."? */
static bool is_unnormalised(const char *s, size_t n)
{
	if (n > 1 && s[n - 1] == '/')
		return true;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '/')
			continue;
		if (i + 1 < n && s[i + 1] == '/')
			return true;
		if (i + 1 < n && s[i + 1] == '.' && (i + 2 == n || s[i + 2] == '/'))
			return true;
		if (i + 2 < n && s[i + 1] == '.' && s[i + 2] == '.' &&
		    (i + 3 == n || s[i + 3] == '/'))
			return true;
	}
	return false;
}

/* An executable path as the kernel reports it.  what: "a protected application", "exe"... */
static int check_exe_path(const char *s, size_t n, const char *what, struct sbuf *sb)
{
	if (n == 0) {
		sb_printf(sb, "%s must not be empty; give an absolute path such as /usr/sbin/sshd",
			  what);
		return -ZJ_EINVAL;
	}
	if (n >= ZJ_POLICY_PATH_MAX) {
		sb_printf(sb, "%s is too long (at most %d bytes)", what, ZJ_POLICY_PATH_MAX - 1);
		return -ZJ_EINVAL;
	}
	if (memchr(s, '\0', n)) {
		sb_printf(sb, "%s contains a NUL byte", what);
		return -ZJ_EINVAL;
	}
	if (s[0] != '/' && !is_drive_path(s, n)) {
		sb_quote(sb, s, n, 200);
		sb_printf(sb,
			  " is not an absolute path; %s must be an absolute executable path "
			  "such as /usr/sbin/sshd",
			  what);
		return -ZJ_EINVAL;
	}
	if (s[0] == '/' && is_unnormalised(s, n)) {
		sb_quote(sb, s, n, 200);
		sb_printf(sb, " is not a normalised path (no '.', '..', '//' or trailing '/'): "
			      "executables are matched exactly as the kernel resolves them");
		return -ZJ_EINVAL;
	}
	return 0;
}

/* One member of an exception: technique, exe, parent or comment. */
static int check_exception_field(const char *key, const char *v, struct sbuf *sb)
{
	const struct zj_technique *t;

	if (strcmp(key, "technique") == 0) {
		if (!v[0]) {
			sb_printf(sb, "an exception needs a technique: \"*\" or an id such as "
				      "T1055.008");
			return -ZJ_EINVAL;
		}
		if (strcmp(v, "*") != 0 && zj_catalog_find(v, &t) < 0) {
			sb_unknown_technique(sb, v);
			return -ZJ_EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "exe") == 0 || strcmp(key, "parent") == 0)
		return check_exe_path(v, strlen(v), key, sb);
	if (strlen(v) >= COMMENT_MAX) {
		sb_printf(sb, "comment is too long (at most %d bytes)", COMMENT_MAX - 1);
		return -ZJ_EINVAL;
	}
	return 0;
}

static int check_exception(const struct zj_exception *e, struct sbuf *sb)
{
	int r;

	r = check_exception_field("technique", e->technique ? e->technique : "", sb);
	if (r < 0)
		return r;
	if (e->exe && (r = check_exception_field("exe", e->exe, sb)) < 0)
		return r;
	if (e->parent && (r = check_exception_field("parent", e->parent, sb)) < 0)
		return r;
	if (e->comment && (r = check_exception_field("comment", e->comment, sb)) < 0)
		return r;
	if (e->uid < -1 || e->uid > UID_MAX_VALUE) {
		sb_printf(sb, "uid %" PRId64 " is out of range (0..4294967295)", e->uid);
		return -ZJ_EINVAL;
	}
	if (!e->exe && e->uid < 0 && !e->parent) {
		if (strcmp(e->technique, "*") == 0)
			sb_printf(sb, "an exception needs at least one of exe, uid, parent");
		else
			sb_printf(sb,
				  "an exception needs at least one of exe, uid, parent; to drop "
				  "every finding of %s use `zhijiactl policy set %s off`",
				  e->technique, e->technique);
		return -ZJ_EINVAL;
	}
	return 0;
}

/* ---- life cycle -------------------------------------------------------------------------- */

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static char *dup_z(const char *s)
{
	return s ? dup_n(s, strlen(s)) : NULL;
}

static void exception_clear(struct zj_exception *e)
{
	free((char *)e->technique);
	free((char *)e->exe);
	free((char *)e->parent);
	free((char *)e->comment);
}

/* A deep copy; the technique is normalised to the catalog's spelling ("t1055" -> "T1055"). */
static int exception_copy(const struct zj_exception *src, struct zj_exception *ret)
{
	const struct zj_technique *t;
	struct zj_exception e = {.uid = src->uid};

	e.technique = strcmp(src->technique, "*") != 0 && zj_catalog_find(src->technique, &t) == 0
			      ? dup_z(t->id)
			      : dup_z(src->technique);
	e.exe = dup_z(src->exe);
	e.parent = dup_z(src->parent);
	e.comment = dup_z(src->comment);
	if (!e.technique || (src->exe && !e.exe) || (src->parent && !e.parent) ||
	    (src->comment && !e.comment)) {
		exception_clear(&e);
		return -ZJ_ENOMEM;
	}
	*ret = e;
	return 0;
}

int zj_policy_new_default(struct zj_policy **ret)
{
	struct zj_policy *p;

	if (!ret)
		return -ZJ_EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ZJ_ENOMEM;
	p->n_actions = zj_catalog_count();
	p->actions = calloc(p->n_actions ? p->n_actions : 1, sizeof(*p->actions));
	if (!p->actions) {
		free(p);
		return -ZJ_ENOMEM;
	}
	p->enforceable = true;
	*ret = p;
	return 0;
}

void zj_policy_free(struct zj_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_protect; i++)
		free(p->protect[i]);
	free(p->protect);
	for (size_t i = 0; i < p->n_exc; i++)
		exception_clear(&p->exc[i]);
	free(p->exc);
	free(p->actions);
	free(p);
}

int zj_policy_copy(const struct zj_policy *p, struct zj_policy **ret)
{
	struct zj_policy *c;
	int r;

	if (!p || !ret)
		return -ZJ_EINVAL;
	r = zj_policy_new_default(&c);
	if (r < 0)
		return r;
	memcpy(c->actions, p->actions, p->n_actions * sizeof(*p->actions));
	c->enforceable = p->enforceable;
	if (p->n_protect) {
		c->protect = calloc(p->n_protect, sizeof(*c->protect));
		if (!c->protect)
			goto oom;
		for (; c->n_protect < p->n_protect; c->n_protect++) {
			c->protect[c->n_protect] = dup_z(p->protect[c->n_protect]);
			if (!c->protect[c->n_protect])
				goto oom;
		}
	}
	if (p->n_exc) {
		c->exc = calloc(p->n_exc, sizeof(*c->exc));
		if (!c->exc)
			goto oom;
		for (; c->n_exc < p->n_exc; c->n_exc++)
			if (exception_copy(&p->exc[c->n_exc], &c->exc[c->n_exc]) < 0)
				goto oom;
	}
	*ret = c;
	return 0;
oom:
	zj_policy_free(c);
	return -ZJ_ENOMEM;
}

/* ---- actions ----------------------------------------------------------------------------- */

const char *zj_action_name(uint32_t action)
{
	static const char *const names[] = {"default", "off", "record", "alert", "block"};

	return action < sizeof(names) / sizeof(names[0]) ? names[action] : "unknown";
}

int zj_action_parse(const char *name, uint32_t *ret_action)
{
	if (!name || !ret_action)
		return -ZJ_EINVAL;
	for (uint32_t a = ZJ_ACTION_DEFAULT; a <= ZJ_ACTION_BLOCK; a++) {
		if (strcmp(name, zj_action_name(a)) == 0) {
			*ret_action = a;
			return 0;
		}
	}
	return -ZJ_EINVAL;
}

uint32_t zj_policy_capability(const struct zj_policy *p, const struct zj_technique *t)
{
	if (!p->enforceable && t->capability > ZJ_CAP_OBSERVE)
		return ZJ_CAP_OBSERVE;
	return t->capability;
}

int zj_policy_set(struct zj_policy *p, const char *id, const char *action, char *err, size_t errlen)
{
	const struct zj_technique *t;
	struct sbuf sb;
	uint32_t a;
	int r;

	sb_init(&sb, err, errlen);
	if (!p)
		return -ZJ_EINVAL;
	r = check_settable(id, &t, &sb);
	if (r < 0)
		return r;
	r = check_action(t, action, zj_policy_capability(p, t), &a, &sb);
	if (r < 0)
		return r;
	p->actions[zj_catalog_index(t)] = (uint8_t)a;
	return 0;
}

int zj_policy_reset(struct zj_policy *p, const char *id, char *err, size_t errlen)
{
	const struct zj_technique *t;
	struct sbuf sb;
	int r;

	sb_init(&sb, err, errlen);
	if (!p)
		return -ZJ_EINVAL;
	if (!id) {
		memset(p->actions, ZJ_ACTION_DEFAULT, p->n_actions * sizeof(*p->actions));
		return 0;
	}
	r = check_settable(id, &t, &sb);
	if (r < 0)
		return r;
	p->actions[zj_catalog_index(t)] = ZJ_ACTION_DEFAULT;
	return 0;
}

int zj_policy_get(const struct zj_policy *p, const char *id, uint32_t *ret_action)
{
	const struct zj_technique *t;
	int r;

	if (!p || !ret_action)
		return -ZJ_EINVAL;
	r = zj_catalog_find(id, &t);
	if (r < 0)
		return r;
	*ret_action = p->actions[zj_catalog_index(t)];
	return 0;
}

void zj_policy_set_enforceable(struct zj_policy *p, bool can_enforce)
{
	p->enforceable = can_enforce;
}

bool zj_policy_enforceable(const struct zj_policy *p)
{
	return p->enforceable;
}

/* ---- protected applications -------------------------------------------------------------- */

static bool zstr_eq(struct zj_str s, const char *z)
{
	size_t n = strlen(z);

	return s.ptr && s.len == n && memcmp(s.ptr, z, n) == 0;
}

static bool protect_find(const struct zj_policy *p, struct zj_str exe, size_t *ret_index)
{
	for (size_t i = 0; i < p->n_protect; i++) {
		if (zstr_eq(exe, p->protect[i])) {
			*ret_index = i;
			return true;
		}
	}
	return false;
}

/* Add a validated path (n bytes) to the list; the caller checked for duplicates. */
static int protect_append(struct zj_policy *p, const char *exe, size_t n)
{
	char **v, *copy = dup_n(exe, n);

	if (!copy)
		return -ZJ_ENOMEM;
	v = realloc(p->protect, (p->n_protect + 1) * sizeof(*v));
	if (!v) {
		free(copy);
		return -ZJ_ENOMEM;
	}
	v[p->n_protect++] = copy;
	p->protect = v;
	return 0;
}

static int protect_check_new(const struct zj_policy *p, const char *exe, size_t n, struct sbuf *sb)
{
	size_t i;
	int r;

	r = check_exe_path(exe, n, "a protected application", sb);
	if (r < 0)
		return r;
	if (protect_find(p, (struct zj_str){exe, n}, &i)) {
		sb_quote(sb, exe, n, 200);
		sb_printf(sb, " is already protected");
		return -ZJ_EEXIST;
	}
	if (p->n_protect >= ZJ_POLICY_LIST_MAX) {
		sb_printf(sb, "too many protected applications (at most %d)", ZJ_POLICY_LIST_MAX);
		return -ZJ_ENOSPC;
	}
	return 0;
}

int zj_policy_protect_add(struct zj_policy *p, const char *exe, char *err, size_t errlen)
{
	struct sbuf sb;
	int r;

	sb_init(&sb, err, errlen);
	if (!p || !exe)
		return -ZJ_EINVAL;
	r = protect_check_new(p, exe, strlen(exe), &sb);
	if (r < 0)
		return r;
	return protect_append(p, exe, strlen(exe));
}

int zj_policy_protect_del(struct zj_policy *p, const char *exe, char *err, size_t errlen)
{
	struct sbuf sb;
	size_t i;

	sb_init(&sb, err, errlen);
	if (!p || !exe)
		return -ZJ_EINVAL;
	if (!protect_find(p, (struct zj_str){exe, strlen(exe)}, &i)) {
		sb_quote_z(&sb, exe, 200);
		sb_printf(&sb, " is not protected; see `zhijiactl policy protect list`");
		return -ZJ_ENOENT;
	}
	free(p->protect[i]);
	memmove(&p->protect[i], &p->protect[i + 1], (p->n_protect - i - 1) * sizeof(*p->protect));
	p->n_protect--;
	return 0;
}

size_t zj_policy_protect_count(const struct zj_policy *p)
{
	return p->n_protect;
}

const char *zj_policy_protect_get(const struct zj_policy *p, size_t index)
{
	return index < p->n_protect ? p->protect[index] : NULL;
}

const char *const *zj_policy_protect_list(const struct zj_policy *p, size_t *ret_n)
{
	*ret_n = p->n_protect;
	return (const char *const *)p->protect;
}

bool zj_policy_protects(const struct zj_policy *p, struct zj_str exe)
{
	size_t i;

	return exe.ptr && exe.len && protect_find(p, exe, &i);
}

bool zj_policy_uses_ancestors(const struct zj_policy *p)
{
	for (size_t i = 0; p && i < p->n_exc; i++)
		if (p->exc[i].parent)
			return true;
	return false;
}

/* ---- exceptions -------------------------------------------------------------------------- */

static bool opt_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Same criteria (the comment aside), the technique compared as the catalog spells it. */
static bool exception_same(const struct zj_exception *a, const struct zj_exception *b)
{
	const struct zj_technique *t;
	const char *bt = b->technique;

	if (strcmp(bt, "*") != 0 && zj_catalog_find(bt, &t) == 0)
		bt = t->id;
	return strcmp(a->technique, bt) == 0 && opt_eq(a->exe, b->exe) && a->uid == b->uid &&
	       opt_eq(a->parent, b->parent);
}

static int allow_check_new(const struct zj_policy *p, const struct zj_exception *e, struct sbuf *sb)
{
	int r;

	r = check_exception(e, sb);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_exc; i++) {
		if (exception_same(&p->exc[i], e)) {
			sb_printf(sb, "the same exception is already #%u", (unsigned)(i + 1));
			return -ZJ_EEXIST;
		}
	}
	if (p->n_exc >= ZJ_POLICY_LIST_MAX) {
		sb_printf(sb, "too many exceptions (at most %d)", ZJ_POLICY_LIST_MAX);
		return -ZJ_ENOSPC;
	}
	return 0;
}

static int allow_append(struct zj_policy *p, const struct zj_exception *e)
{
	struct zj_exception copy, *v;
	int r;

	r = exception_copy(e, &copy);
	if (r < 0)
		return r;
	v = realloc(p->exc, (p->n_exc + 1) * sizeof(*v));
	if (!v) {
		exception_clear(&copy);
		return -ZJ_ENOMEM;
	}
	v[p->n_exc++] = copy;
	p->exc = v;
	return (int)p->n_exc;
}

int zj_policy_allow_add(struct zj_policy *p, const struct zj_exception *e, char *err, size_t errlen)
{
	struct sbuf sb;
	int r;

	sb_init(&sb, err, errlen);
	if (!p || !e)
		return -ZJ_EINVAL;
	r = allow_check_new(p, e, &sb);
	if (r < 0)
		return r;
	return allow_append(p, e);
}

int zj_policy_allow_del(struct zj_policy *p, size_t number, char *err, size_t errlen)
{
	struct sbuf sb;

	sb_init(&sb, err, errlen);
	if (!p)
		return -ZJ_EINVAL;
	if (number < 1 || number > p->n_exc) {
		sb_printf(&sb, "no exception #%lu; ", (unsigned long)number);
		if (p->n_exc)
			sb_printf(&sb, "there are %lu (see `zhijiactl policy allow list`)",
				  (unsigned long)p->n_exc);
		else
			sb_printf(&sb, "there are none");
		return -ZJ_ENOENT;
	}
	exception_clear(&p->exc[number - 1]);
	memmove(&p->exc[number - 1], &p->exc[number], (p->n_exc - number) * sizeof(*p->exc));
	p->n_exc--;
	return 0;
}

size_t zj_policy_allow_count(const struct zj_policy *p)
{
	return p->n_exc;
}

const struct zj_exception *zj_policy_allow_get(const struct zj_policy *p, size_t number)
{
	return number >= 1 && number <= p->n_exc ? &p->exc[number - 1] : NULL;
}

/* ---- JSON out ---------------------------------------------------------------------------- */

struct out {
	char *b;
	size_t len;
	size_t cap;
	bool oom;
};

static void out_raw(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		char *b;

		while (cap < o->len + n + 1)
			cap *= 2;
		b = realloc(o->b, cap);
		if (!b) {
			o->oom = true;
			return;
		}
		o->b = b;
		o->cap = cap;
	}
	memcpy(o->b + o->len, s, n);
	o->len += n;
	o->b[o->len] = '\0';
}

static void out_z(struct out *o, const char *s)
{
	out_raw(o, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control bytes escaped; other bytes as they are. */
static void out_str(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	out_raw(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf], 0};

		switch (c) {
		case '"':
			out_raw(o, "\\\"", 2);
			break;
		case '\\':
			out_raw(o, "\\\\", 2);
			break;
		case '\n':
			out_raw(o, "\\n", 2);
			break;
		case '\t':
			out_raw(o, "\\t", 2);
			break;
		case '\r':
			out_raw(o, "\\r", 2);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				out_raw(o, e, 6);
			else
				out_raw(o, (const char *)&c, 1);
			break;
		}
	}
	out_raw(o, "\"", 1);
}

int zj_policy_to_json(const struct zj_policy *p, char **ret_text)
{
	struct out o = {0};
	const char *sep = "\n";
	char num[32];

	if (!p || !ret_text)
		return -ZJ_EINVAL;
	snprintf(num, sizeof(num), "%d", ZJ_POLICY_VERSION);
	out_z(&o, "{\n  \"version\": ");
	out_z(&o, num);
	out_z(&o, ",\n  \"actions\": {");
	for (size_t i = 0; i < p->n_actions; i++) {
		const struct zj_technique *t = zj_catalog_at(i);

		/* Observed entries always, so the file shows what there is to set. */
		if (t->capability == ZJ_CAP_NONE && p->actions[i] == ZJ_ACTION_DEFAULT)
			continue;
		out_z(&o, sep);
		out_z(&o, "    ");
		out_str(&o, t->id);
		out_z(&o, ": ");
		out_str(&o, zj_action_name(p->actions[i]));
		sep = ",\n";
	}
	out_z(&o, sep[0] == ',' ? "\n  },\n" : "},\n");

	out_z(&o, "  \"protected\": [");
	sep = "\n";
	for (size_t i = 0; i < p->n_protect; i++) {
		out_z(&o, sep);
		out_z(&o, "    ");
		out_str(&o, p->protect[i]);
		sep = ",\n";
	}
	out_z(&o, p->n_protect ? "\n  ],\n" : "],\n");

	out_z(&o, "  \"exceptions\": [");
	sep = "\n";
	for (size_t i = 0; i < p->n_exc; i++) {
		const struct zj_exception *e = &p->exc[i];

		out_z(&o, sep);
		out_z(&o, "    {\n      \"technique\": ");
		out_str(&o, e->technique);
		if (e->exe) {
			out_z(&o, ",\n      \"exe\": ");
			out_str(&o, e->exe);
		}
		if (e->uid >= 0) {
			snprintf(num, sizeof(num), "%" PRId64, e->uid);
			out_z(&o, ",\n      \"uid\": ");
			out_z(&o, num);
		}
		if (e->parent) {
			out_z(&o, ",\n      \"parent\": ");
			out_str(&o, e->parent);
		}
		if (e->comment) {
			out_z(&o, ",\n      \"comment\": ");
			out_str(&o, e->comment);
		}
		out_z(&o, "\n    }");
		sep = ",\n";
	}
	out_z(&o, p->n_exc ? "\n  ]\n}\n" : "]\n}\n");

	if (o.oom || o.len > INT32_MAX) {
		free(o.b);
		return -ZJ_ENOMEM;
	}
	*ret_text = o.b;
	return (int)o.len;
}

/* ---- locating a key or value in JSON text ------------------------------------------------ */

struct jstep {
	const char *key; /* object member; NULL: array element `index` */
	size_t index;
};

struct jscan {
	const char *s;
	size_t len;
	size_t i;
};

static void js_ws(struct jscan *j)
{
	while (j->i < j->len && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' ||
				 j->s[j->i] == '\r'))
		j->i++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool js_hex4(struct jscan *j, unsigned *ret)
{
	unsigned v = 0;

	if (j->len - j->i < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		int h = hexval(j->s[j->i + (size_t)k]);

		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	j->i += 4;
	*ret = v;
	return true;
}

static void put_byte(char *out, size_t cap, size_t *o, bool *fits, unsigned char c)
{
	if (*o + 1 < cap)
		out[(*o)++] = (char)c;
	else
		*fits = false;
}

/*
 * The string at j->i (json-c also takes single quotes), decoded into out when out is not
 * NULL; *ret_fits is false when it was longer than cap - 1 bytes.
 */
static bool js_string(struct jscan *j, char *out, size_t cap, bool *ret_fits)
{
	bool fits = true;
	size_t o = 0;
	char q;

	if (j->i >= j->len || (j->s[j->i] != '"' && j->s[j->i] != '\''))
		return false;
	q = j->s[j->i++];
	while (j->i < j->len) {
		unsigned char c = (unsigned char)j->s[j->i++];
		unsigned cp, lo;

		if (c == (unsigned char)q) {
			if (out)
				out[o] = '\0';
			if (ret_fits)
				*ret_fits = fits;
			return true;
		}
		if (c != '\\') {
			if (out)
				put_byte(out, cap, &o, &fits, c);
			continue;
		}
		if (j->i >= j->len)
			return false;
		c = (unsigned char)j->s[j->i++];
		switch (c) {
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			if (!js_hex4(j, &cp))
				return false;
			if (cp >= 0xd800 && cp < 0xdc00 && j->len - j->i >= 6 &&
			    j->s[j->i] == '\\' && j->s[j->i + 1] == 'u') {
				j->i += 2;
				if (!js_hex4(j, &lo))
					return false;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (out) {
				if (cp < 0x80) {
					put_byte(out, cap, &o, &fits, (unsigned char)cp);
				} else if (cp < 0x800) {
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0xc0 | cp >> 6));
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0x80 | (cp & 0x3f)));
				} else if (cp < 0x10000) {
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0xe0 | cp >> 12));
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0x80 | (cp & 0x3f)));
				} else {
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0xf0 | cp >> 18));
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
					put_byte(out, cap, &o, &fits,
						 (unsigned char)(0x80 | (cp & 0x3f)));
				}
			}
			continue;
		default:
			break; /* \" \\ \/ \' stand for themselves */
		}
		if (out)
			put_byte(out, cap, &o, &fits, c);
	}
	return false;
}

#define JS_DEPTH_MAX 64

static bool js_skip(struct jscan *j, int depth)
{
	char open, close;

	js_ws(j);
	if (j->i >= j->len || depth > JS_DEPTH_MAX)
		return false;
	open = j->s[j->i];
	if (open == '"' || open == '\'')
		return js_string(j, NULL, 0, NULL);
	if (open != '{' && open != '[') {
		/* A number, true, false, null (json-c also takes NaN, Infinity). */
		while (j->i < j->len && !strchr(",:]}{[ \t\r\n\"'", j->s[j->i]))
			j->i++;
		return true;
	}
	close = open == '{' ? '}' : ']';
	j->i++;
	js_ws(j);
	if (j->i < j->len && j->s[j->i] == close) {
		j->i++;
		return true;
	}
	for (;;) {
		if (open == '{') {
			js_ws(j);
			if (!js_string(j, NULL, 0, NULL))
				return false;
			js_ws(j);
			if (j->i >= j->len || j->s[j->i] != ':')
				return false;
			j->i++;
		}
		if (!js_skip(j, depth + 1))
			return false;
		js_ws(j);
		if (j->i < j->len && j->s[j->i] == ',') {
			j->i++;
			continue;
		}
		if (j->i < j->len && j->s[j->i] == close) {
			j->i++;
			return true;
		}
		return false;
	}
}

/*
 * Offset of the value at path (or of the key of its last step, want_key), in text json-c has
 * accepted.  A member that occurs twice is the last one, as json-c keeps it.  Where the walk
 * cannot go on, the offset of the deepest value reached.
 */
static size_t js_locate(const char *s, size_t len, const struct jstep *path, size_t depth,
			bool want_key)
{
	struct jscan j = {s, len, 0};
	size_t pos;

	js_ws(&j);
	pos = j.i;
	for (size_t k = 0; k < depth; k++) {
		j.i = pos;
		if (path[k].key) {
			size_t key_pos = SIZE_MAX, val_pos = 0;

			if (j.i >= len || s[j.i] != '{')
				return pos;
			j.i++;
			js_ws(&j);
			while (j.i < len && s[j.i] != '}') {
				size_t kp = j.i;
				char name[256];
				bool fits;

				if (!js_string(&j, name, sizeof(name), &fits))
					return pos;
				js_ws(&j);
				if (j.i >= len || s[j.i] != ':')
					return pos;
				j.i++;
				js_ws(&j);
				if (fits && strcmp(name, path[k].key) == 0) {
					key_pos = kp;
					val_pos = j.i;
				}
				if (!js_skip(&j, 0))
					return pos;
				js_ws(&j);
				if (j.i < len && s[j.i] == ',') {
					j.i++;
					js_ws(&j);
				}
			}
			if (key_pos == SIZE_MAX)
				return pos;
			if (k + 1 == depth && want_key)
				return key_pos;
			pos = val_pos;
		} else {
			size_t n = 0;

			if (j.i >= len || s[j.i] != '[')
				return pos;
			j.i++;
			js_ws(&j);
			for (;; n++) {
				if (n == path[k].index) {
					pos = j.i;
					break;
				}
				if (!js_skip(&j, 0))
					return pos;
				js_ws(&j);
				if (j.i >= len || s[j.i] != ',')
					return pos;
				j.i++;
				js_ws(&j);
			}
		}
	}
	return pos;
}

/* 1-based line, and column in characters (UTF-8 continuation bytes do not count). */
static void line_col(const char *s, size_t len, size_t off, unsigned long *ret_line,
		     unsigned long *ret_col)
{
	unsigned long line = 1, col = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	*ret_line = line;
	*ret_col = col;
}

/* ---- JSON in ----------------------------------------------------------------------------- */

struct loader {
	const char *text;
	size_t len;
	const char *filename;
	char *err;
	size_t errlen;
	struct jstep path[4];
	size_t depth;
	char msg[ZJ_POLICY_ERR_MAX];
	struct sbuf sb; /* over msg */
};

static void ld_fail_at(struct loader *l, size_t off)
{
	unsigned long line, col;

	line_col(l->text, l->len, off, &line, &col);
	if (l->err && l->errlen)
		snprintf(l->err, l->errlen, "%s:%lu:%lu: %s", l->filename, line, col, l->msg);
}

/* Report l->msg at the current path: its last key (at_key) or its value. */
static int ld_fail(struct loader *l, bool at_key, int code)
{
	ld_fail_at(l, js_locate(l->text, l->len, l->path, l->depth, at_key));
	return code;
}

static void ld_push_key(struct loader *l, const char *key)
{
	l->path[l->depth].key = key;
	l->path[l->depth].index = 0;
	l->depth++;
}

static void ld_push_index(struct loader *l, size_t index)
{
	l->path[l->depth].key = NULL;
	l->path[l->depth].index = index;
	l->depth++;
}

static void ld_msg_reset(struct loader *l)
{
	sb_init(&l->sb, l->msg, sizeof(l->msg));
}

/* A string value without embedded NULs, or NULL (message set) when it is not one. */
static const char *ld_string(struct loader *l, struct json_object *v, const char *what)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string)) {
		sb_printf(&l->sb, "%s must be a string", what);
		return NULL;
	}
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		sb_printf(&l->sb, "%s contains a NUL byte", what);
		return NULL;
	}
	return s;
}

static int ld_actions(struct loader *l, struct zj_policy *p, struct json_object *obj)
{
	struct json_object_iterator it, end;

	if (!json_object_is_type(obj, json_type_object)) {
		sb_printf(&l->sb, "'actions' must be an object mapping sub-technique ids to "
				  "actions, e.g. {\"T1055.008\": \"alert\"}");
		return ld_fail(l, false, -ZJ_EINVAL);
	}
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *id = json_object_iter_peek_name(&it), *action;
		struct json_object *v = json_object_iter_peek_value(&it);
		const struct zj_technique *t;
		uint32_t a;
		int r;

		ld_push_key(l, id);
		r = check_settable(id, &t, &l->sb);
		if (r < 0)
			return ld_fail(l, true, -ZJ_EINVAL);
		action =
			json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (!action) {
			sb_printf(&l->sb,
				  "the action for %s must be a string; valid actions: block, "
				  "alert, record, off, default",
				  t->id);
			return ld_fail(l, false, -ZJ_EINVAL);
		}
		/* The file is checked against the platform; the host's limits apply at run time. */
		r = check_action(t, action, t->capability, &a, &l->sb);
		if (r < 0)
			return ld_fail(l, false, -ZJ_EINVAL);
		p->actions[zj_catalog_index(t)] = (uint8_t)a;
		l->depth--;
	}
	return 0;
}

static int ld_protected(struct loader *l, struct zj_policy *p, struct json_object *arr)
{
	size_t n;

	if (!json_object_is_type(arr, json_type_array)) {
		sb_printf(&l->sb, "'protected' must be an array of executable paths, e.g. "
				  "[\"/usr/sbin/sshd\"]");
		return ld_fail(l, false, -ZJ_EINVAL);
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		const char *exe;
		int r;

		ld_push_index(l, i);
		exe = ld_string(l, json_object_array_get_idx(arr, i), "a protected application");
		if (!exe)
			return ld_fail(l, false, -ZJ_EINVAL);
		r = protect_check_new(p, exe, strlen(exe), &l->sb);
		if (r < 0)
			return ld_fail(l, false, -ZJ_EINVAL);
		r = protect_append(p, exe, strlen(exe));
		if (r < 0)
			return r;
		l->depth--;
	}
	return 0;
}

static const char *const exception_keys = "technique, exe, uid, parent, comment";

static int ld_exception(struct loader *l, struct zj_policy *p, struct json_object *obj,
			size_t number)
{
	struct zj_exception e = {.uid = -1};
	struct json_object_iterator it, end;
	int r;

	if (!json_object_is_type(obj, json_type_object)) {
		sb_printf(&l->sb, "exception #%lu must be an object with the keys %s",
			  (unsigned long)number, exception_keys);
		return ld_fail(l, false, -ZJ_EINVAL);
	}
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		struct json_object *v = json_object_iter_peek_value(&it);
		const char **slot = NULL;

		ld_push_key(l, key);
		if (strcmp(key, "technique") == 0) {
			slot = &e.technique;
		} else if (strcmp(key, "exe") == 0) {
			slot = &e.exe;
		} else if (strcmp(key, "parent") == 0) {
			slot = &e.parent;
		} else if (strcmp(key, "comment") == 0) {
			slot = &e.comment;
		} else if (strcmp(key, "uid") == 0) {
			if (json_object_is_type(v, json_type_null)) {
				l->depth--;
				continue;
			}
			if (!json_object_is_type(v, json_type_int) ||
			    json_object_get_int64(v) < 0 ||
			    json_object_get_int64(v) > UID_MAX_VALUE) {
				sb_printf(&l->sb, "uid must be a number from 0 to 4294967295");
				return ld_fail(l, false, -ZJ_EINVAL);
			}
			e.uid = json_object_get_int64(v);
		} else {
			sb_printf(&l->sb, "unknown key ");
			sb_quote_z(&l->sb, key, USER_ID_SHOWN);
			sb_printf(&l->sb, " in exception #%lu; valid keys: %s",
				  (unsigned long)number, exception_keys);
			return ld_fail(l, true, -ZJ_EINVAL);
		}
		if (slot && !json_object_is_type(v, json_type_null)) {
			*slot = ld_string(l, v, key);
			if (!*slot || check_exception_field(key, *slot, &l->sb) < 0)
				return ld_fail(l, false, -ZJ_EINVAL);
		}
		l->depth--;
	}

	/* Fields were checked where they stand; what is left is about the whole exception. */
	sb_printf(&l->sb, "exception #%lu: ", (unsigned long)number);
	r = allow_check_new(p, &e, &l->sb);
	if (r < 0)
		return ld_fail(l, false, r == -ZJ_ENOMEM ? r : -ZJ_EINVAL);
	ld_msg_reset(l);
	r = allow_append(p, &e);
	return r < 0 ? r : 0;
}

static int ld_exceptions(struct loader *l, struct zj_policy *p, struct json_object *arr)
{
	size_t n;

	if (!json_object_is_type(arr, json_type_array)) {
		sb_printf(&l->sb, "'exceptions' must be an array of objects with the keys %s",
			  exception_keys);
		return ld_fail(l, false, -ZJ_EINVAL);
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		int r;

		ld_push_index(l, i);
		r = ld_exception(l, p, json_object_array_get_idx(arr, i), i + 1);
		if (r < 0)
			return r;
		l->depth--;
	}
	return 0;
}

static const char *const top_keys = "version, actions, protected, exceptions";

static int ld_policy(struct loader *l, struct zj_policy *p, struct json_object *root)
{
	struct json_object_iterator it, end;
	int r = 0;

	if (!json_object_is_type(root, json_type_object)) {
		sb_printf(&l->sb, "the policy must be a JSON object with the keys %s", top_keys);
		return ld_fail(l, false, -ZJ_EINVAL);
	}
	it = json_object_iter_begin(root);
	end = json_object_iter_end(root);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		struct json_object *v = json_object_iter_peek_value(&it);

		ld_push_key(l, key);
		if (strcmp(key, "version") == 0) {
			if (!json_object_is_type(v, json_type_int)) {
				sb_printf(&l->sb, "'version' must be the number %d",
					  ZJ_POLICY_VERSION);
				return ld_fail(l, false, -ZJ_EINVAL);
			}
			if (json_object_get_int64(v) != ZJ_POLICY_VERSION) {
				sb_printf(&l->sb,
					  "unsupported version %" PRId64 "; this zhijia reads "
					  "version %d",
					  (int64_t)json_object_get_int64(v), ZJ_POLICY_VERSION);
				return ld_fail(l, false, -ZJ_EINVAL);
			}
		} else if (strcmp(key, "actions") == 0) {
			r = ld_actions(l, p, v);
		} else if (strcmp(key, "protected") == 0) {
			r = ld_protected(l, p, v);
		} else if (strcmp(key, "exceptions") == 0) {
			r = ld_exceptions(l, p, v);
		} else {
			sb_printf(&l->sb, "unknown key ");
			sb_quote_z(&l->sb, key, USER_ID_SHOWN);
			sb_printf(&l->sb, "; valid keys: %s", top_keys);
			return ld_fail(l, true, -ZJ_EINVAL);
		}
		if (r < 0)
			return r;
		l->depth--;
	}
	return 0;
}

/* json-c's description of a syntax error, with the character it stopped at. */
static void ld_syntax_msg(struct loader *l, enum json_tokener_error e, size_t off)
{
	unsigned char c = off < l->len ? (unsigned char)l->text[off] : 0;

	if (e == json_tokener_continue) {
		bool blank = true;

		for (size_t i = 0; i < l->len && blank; i++)
			blank = strchr(" \t\r\n", l->text[i]) && l->text[i];
		sb_printf(&l->sb, "invalid JSON: unexpected end of file%s",
			  blank ? " (the file is empty; a policy is a JSON object)" : "");
		return;
	}
	sb_printf(&l->sb, "invalid JSON: %s", json_tokener_error_desc(e));
	if (c >= 0x20 && c < 0x7f)
		sb_printf(&l->sb, " at '%c'", (char)c);
	else if (c)
		sb_printf(&l->sb, " at byte 0x%02x", (unsigned)c);
	else if (off < l->len)
		sb_printf(&l->sb, " at a NUL byte");
}

int zj_policy_from_json(const char *text, size_t len, const char *filename, struct zj_policy **ret,
			char *err, size_t errlen)
{
	struct loader l = {.text = text, .len = len, .err = err, .errlen = errlen};
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	struct zj_policy *p = NULL;
	enum json_tokener_error e;
	size_t end;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!ret || (!text && len))
		return -ZJ_EINVAL;
	l.filename = filename ? filename : "policy";
	ld_msg_reset(&l);
	if (len > INT32_MAX) {
		sb_printf(&l.sb, "the file is too large to be a policy");
		ld_fail_at(&l, 0);
		return -ZJ_EBADMSG;
	}

	tok = json_tokener_new();
	if (!tok)
		return -ZJ_ENOMEM;
	/* Strict: no comments, no trailing commas, nothing after the object. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text ? text : "", (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || e != json_tokener_success) {
		json_object_put(root);
		if (e == json_tokener_success)
			e = json_tokener_continue; /* an empty text gives nothing and no error */
		ld_syntax_msg(&l, e, e == json_tokener_continue ? len : end);
		ld_fail_at(&l, e == json_tokener_continue ? len : end);
		return -ZJ_EBADMSG;
	}
	/* json-c stops at a NUL byte without complaint: what follows must be nothing. */
	if (end < len) {
		json_object_put(root);
		sb_printf(&l.sb, "invalid JSON: unexpected content after the policy object");
		ld_fail_at(&l, end);
		return -ZJ_EBADMSG;
	}

	r = zj_policy_new_default(&p);
	if (r < 0) {
		json_object_put(root);
		return r;
	}
	r = ld_policy(&l, p, root);
	json_object_put(root);
	if (r < 0) {
		zj_policy_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/* ---- files, through the daemon's callbacks ----------------------------------------------- */

int zj_policy_load(const char *path, zj_policy_read_fn read_file, void *userdata,
		   struct zj_policy **ret, char *err, size_t errlen)
{
	struct sbuf sb;
	char *data = NULL;
	size_t len = 0;
	int r;

	sb_init(&sb, err, errlen);
	if (!path || !read_file || !ret)
		return -ZJ_EINVAL;
	r = read_file(path, &data, &len, userdata);
	if (r == -ZJ_ENOENT) {
		r = zj_policy_new_default(ret);
		return r < 0 ? r : 1;
	}
	if (r < 0) {
		sb_printf(&sb, "failed to read %s", path);
		return r;
	}
	r = zj_policy_from_json(data, len, path, ret, err, errlen);
	free(data);
	return r;
}

int zj_policy_save(const struct zj_policy *p, const char *path, zj_policy_write_fn write_file,
		   void *userdata, char *err, size_t errlen)
{
	struct sbuf sb;
	char *text;
	int r;

	sb_init(&sb, err, errlen);
	if (!p || !path || !write_file)
		return -ZJ_EINVAL;
	r = zj_policy_to_json(p, &text);
	if (r < 0)
		return r;
	r = write_file(path, text, (size_t)r, userdata);
	free(text);
	if (r < 0)
		sb_printf(&sb, "failed to write %s", path);
	return r < 0 ? r : 0;
}

/* ---- decisions --------------------------------------------------------------------------- */

static bool exception_matches(const struct zj_exception *e, const struct zj_technique *t,
			      const struct zj_event *ev, const struct zj_detect_ctx *ctx)
{
	const struct zj_technique *parent = zj_catalog_parent(t);

	if (strcmp(e->technique, "*") != 0 && strcmp(e->technique, t->id) != 0 &&
	    !(parent && strcmp(e->technique, parent->id) == 0))
		return false;
	if (e->exe && !zstr_eq(ev->actor.exe, e->exe))
		return false;
	if (e->uid >= 0 && (int64_t)ev->actor.uid != e->uid)
		return false;
	if (e->parent &&
	    (!ctx || ctx->n_ancestors == 0 || !zstr_eq(ctx->ancestors[0].exe, e->parent)))
		return false;
	return true;
}

/* "T1055.008, exe /usr/bin/gdb, uid 1000": what an exception matched on. */
static void sb_exception(struct sbuf *sb, const struct zj_exception *e)
{
	sb_printf(sb, "%s", e->technique);
	if (e->exe) {
		sb_printf(sb, ", exe ");
		sb_quote_z(sb, e->exe, 80);
	}
	if (e->uid >= 0)
		sb_printf(sb, ", uid %" PRId64, e->uid);
	if (e->parent) {
		sb_printf(sb, ", parent ");
		sb_quote_z(sb, e->parent, 80);
	}
}

/* The default rule. */
static uint32_t decide_default(const struct zj_policy *p, const struct zj_event *ev,
			       const struct zj_finding *f, struct sbuf *sb)
{
	const struct zj_proc *target = NULL;

	if (f->flags & ZJ_FIND_BENIGN) {
		sb_puts(sb, "default: benign (");
		sb_puts(sb, f->benign);
		sb_puts(sb, ")");
		return ZJ_ACTION_RECORD;
	}
	if (f->flags & ZJ_FIND_REMOVAL) {
		sb_puts(sb, "default: removal of a persistence file");
		return ZJ_ACTION_RECORD;
	}
	switch (f->target) {
	case ZJ_TARGET_SYSTEM:
		sb_puts(sb, "default: target is a system process (system-wide persistence)");
		return ZJ_ACTION_ALERT;
	case ZJ_TARGET_USER:
		sb_puts(sb, "default: per-user persistence, not a system process");
		return ZJ_ACTION_RECORD;
	case ZJ_TARGET_ACTOR:
		target = &ev->actor;
		break;
	default:
		target = ev->flags & ZJ_EVF_HAS_TARGET ? &ev->target : NULL;
		break;
	}
	if (target && zj_proc_is_system(target)) {
		sb_puts(sb, "default: target is a system process");
		return ZJ_ACTION_ALERT;
	}
	if (target && ((target->flags & ZJ_PROC_PROTECTED) || zj_policy_protects(p, target->exe))) {
		sb_puts(sb, "default: target is a protected application");
		return ZJ_ACTION_ALERT;
	}
	sb_puts(sb, "default: target is not a system process or a protected application");
	return ZJ_ACTION_RECORD;
}

int zj_policy_decide(const struct zj_policy *p, const struct zj_event *ev,
		     const struct zj_detect_ctx *ctx, const struct zj_finding *f,
		     struct zj_decision *ret)
{
	const struct zj_technique *t;
	struct sbuf sb;
	uint32_t configured, action;
	int r;

	if (!p || !ev || !f || !ret)
		return -ZJ_EINVAL;
	r = zj_catalog_find(f->technique, &t);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->technique = t;
	sb_init(&sb, ret->why, sizeof(ret->why));
	configured = p->actions[zj_catalog_index(t)];
	ret->configured = configured;

	if (configured == ZJ_ACTION_OFF) {
		ret->action = ZJ_ACTION_OFF;
		sb_puts(&sb, "policy: off");
		return 0;
	}
	if (configured == ZJ_ACTION_DEFAULT) {
		action = decide_default(p, ev, f, &sb);
	} else if (configured == ZJ_ACTION_ALERT && (f->flags & ZJ_FIND_BENIGN)) {
		action = ZJ_ACTION_RECORD;
		sb_puts(&sb, "policy: alert; recorded: benign (");
		sb_puts(&sb, f->benign);
		sb_puts(&sb, ")");
	} else {
		action = configured;
		sb_puts(&sb, "policy: ");
		sb_puts(&sb, zj_action_name(configured));
	}

	if (action == ZJ_ACTION_ALERT || action == ZJ_ACTION_BLOCK) {
		for (size_t i = 0; i < p->n_exc; i++) {
			if (!exception_matches(&p->exc[i], t, ev, ctx))
				continue;
			ret->exception = (uint32_t)(i + 1);
			sb_init(&sb, ret->why, sizeof(ret->why));
			sb_printf(&sb, "exception #%lu (", (unsigned long)(i + 1));
			sb_exception(&sb, &p->exc[i]);
			sb_printf(&sb, "): recorded instead of %s",
				  action == ZJ_ACTION_BLOCK ? "blocked" : "alerted");
			action = ZJ_ACTION_RECORD;
			break;
		}
	}

	if (action == ZJ_ACTION_BLOCK) {
		if (ev->flags & ZJ_EVF_BLOCKED) {
			ret->flags |= ZJ_DECISION_ENFORCED;
			sb_puts(&sb, " (blocked in the kernel)");
		} else if (ev->flags & ZJ_EVF_KILLED) {
			ret->flags |= ZJ_DECISION_ENFORCED;
			sb_puts(&sb, " (enforced: the actor was killed at syscall entry)");
		} else {
			ret->flags |= ZJ_DECISION_NOT_ENFORCED;
			sb_puts(&sb, p->enforceable ? " (not enforced: the operation was not blocked)"
						    : " (not enforced: this host cannot enforce)");
		}
	}
	ret->action = action;
	return 0;
}
