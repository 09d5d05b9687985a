/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Variables for automatic disposal: a rule bound to a sub-technique names the finding's
 * processes and file with ${actor.pid}, ${path}...  Expansion is one pass over the template:
 * a value is copied in as bytes and never looked at again, so a file named "${path}" or
 * "x; rm -rf /" stays a name.  Only the fields that hold paths, names, pids and match strings
 * expand; scripts and commands, which a shell would parse, never do.
 */
#include <stdlib.h>
#include <string.h>

#include "arr-internal.h"
#include "zhijia/errors.h"

struct var {
	const char *name;
	enum arr_var_kind kind;
	const char *missing; /* why it can have no value */
};

static const struct var vars[] = {
	{"actor.pid", ARR_VAR_PID, "the actor's pid is not known"},
	{"actor.exe", ARR_VAR_PATH, "the actor's executable is not known"},
	{"actor.comm", ARR_VAR_TEXT, "the actor's name is not known"},
	{"target.pid", ARR_VAR_PID, "the finding has no target process"},
	{"target.exe", ARR_VAR_PATH, "the finding's target executable is not known"},
	{"path", ARR_VAR_PATH, "the finding is not about a file"},
	{"technique", ARR_VAR_TEXT, "the finding names no technique"},
};

#define N_VARS (sizeof(vars) / sizeof(vars[0]))
#define VARS_VALID                                                                                 \
	"${actor.pid}, ${actor.exe}, ${actor.comm}, ${target.pid}, ${target.exe}, ${path}, "       \
	"${technique}"

/* The variable whose name is the n bytes at s, or -1. */
static int var_find(const char *s, size_t n)
{
	for (size_t i = 0; i < N_VARS; i++)
		if (strlen(vars[i].name) == n && memcmp(vars[i].name, s, n) == 0)
			return (int)i;
	return -1;
}

static struct zj_str var_value(int v, const struct zj_arr_ctx *ctx, char pidbuf[16])
{
	uint32_t pid = 0;

	switch (v) {
	case 0:
		pid = ctx->actor_pid;
		break;
	case 1:
		return ctx->actor_exe;
	case 2:
		return ctx->actor_comm;
	case 3:
		pid = ctx->target_pid;
		break;
	case 4:
		return ctx->target_exe;
	case 5:
		return ctx->path;
	default:
		return ctx->technique;
	}
	if (!pid)
		return (struct zj_str){NULL, 0};
	{
		/* decimal, without stdio: the value is a number, nothing to parse */
		char tmp[16];
		size_t n = 0, o = 0;

		for (; pid; pid /= 10)
			tmp[n++] = (char)('0' + pid % 10);
		while (n)
			pidbuf[o++] = tmp[--n];
		pidbuf[o] = '\0';
		return (struct zj_str){pidbuf, o};
	}
}

int arr_tmpl_scan(struct arr_sb *m, const char *s, int *ret_first_kind)
{
	int count = 0;

	*ret_first_kind = -1;
	for (size_t i = 0; s[i]; i++) {
		const char *close;
		int v;

		if (s[i] != '$')
			continue;
		if (s[i + 1] == '$' && s[i + 2] == '{') {
			i += 2; /* "$${": a literal "${" */
			continue;
		}
		if (s[i + 1] != '{')
			continue;
		close = strchr(s + i + 2, '}');
		if (!close) {
			arr_sb_printf(m, "unterminated variable in ");
			arr_sb_quote(m, s);
			arr_sb_printf(m, " (write $${ for a literal ${)");
			return -ZJ_EINVAL;
		}
		v = var_find(s + i + 2, (size_t)(close - s - i - 2));
		if (v < 0) {
			size_t n = (size_t)(close - s - i) + 1;

			arr_sb_printf(m, "unknown variable '");
			arr_sb_escaped(m, s + i, n < ARR_SHOWN ? n : ARR_SHOWN);
			arr_sb_printf(m, "'; valid: " VARS_VALID " (write $${ for a literal ${)");
			return -ZJ_EINVAL;
		}
		if (i == 0)
			*ret_first_kind = (int)vars[v].kind;
		count++;
		i = (size_t)(close - s);
	}
	return count;
}

void arr_tmpl_unescape(char *s)
{
	char *o = s;

	for (const char *p = s; *p;) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			*o++ = '$';
			*o++ = '{';
			p += 3;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
}

const char *arr_tmpl_dotted_var(const char *s)
{
	for (const char *p = strstr(s, "${"); p; p = strstr(p + 2, "${")) {
		const char *close = strchr(p + 2, '}');
		int v;

		if (!close)
			return NULL;
		v = var_find(p + 2, (size_t)(close - p - 2));
		if (v >= 0 && strchr(vars[v].name, '.'))
			return vars[v].name;
	}
	return NULL;
}

int64_t arr_tmpl_pid_var(const char *s)
{
	if (strcmp(s, "${actor.pid}") == 0)
		return ZJ_ARR_PID_ACTOR;
	if (strcmp(s, "${target.pid}") == 0)
		return ZJ_ARR_PID_TARGET;
	return 0;
}

int arr_tmpl_expand(struct arr_sb *m, const char *s, const struct zj_arr_ctx *ctx, char **ret)
{
	size_t cap = strlen(s) + 1, len = 0;
	char *out = malloc(cap);

	if (!out)
		return -ZJ_ENOMEM;
	for (size_t i = 0; s[i];) {
		const char *add = s + i;
		size_t n = 1, skip = 1;
		char pidbuf[16];

		if (s[i] == '$' && s[i + 1] == '$' && s[i + 2] == '{') {
			add = "${";
			n = 2;
			skip = 3;
		} else if (s[i] == '$' && s[i + 1] == '{') {
			/* arr_tmpl_scan() accepted the template: the variable is known. */
			const char *close = strchr(s + i + 2, '}');
			int v = close ? var_find(s + i + 2, (size_t)(close - s - i - 2)) : -1;
			struct zj_str val;

			if (v < 0) {
				free(out);
				return -ZJ_EINVAL;
			}
			val = var_value(v, ctx, pidbuf);
			if (!val.ptr || !val.len) {
				free(out);
				arr_sb_printf(m, "${%s} has no value: %s", vars[v].name,
					      vars[v].missing);
				return -ZJ_EINVAL;
			}
			if (memchr(val.ptr, '\0', val.len)) {
				free(out);
				arr_sb_printf(m, "the value of ${%s} holds a NUL byte",
					      vars[v].name);
				return -ZJ_EINVAL;
			}
			add = val.ptr;
			n = val.len;
			skip = (size_t)(close - s - i) + 1;
		}
		if (len + n + 1 > cap) {
			size_t ncap = (len + n + 1) * 2;
			char *bigger = realloc(out, ncap);

			if (!bigger) {
				free(out);
				return -ZJ_ENOMEM;
			}
			out = bigger;
			cap = ncap;
		}
		memcpy(out + len, add, n);
		len += n;
		i += skip;
	}
	out[len] = '\0';
	*ret = out;
	return 0;
}

const struct zj_arr_ctx *arr_probe_ctx(int platform)
{
	static const struct zj_arr_ctx probe_win = {
		.actor_pid = 4242,
		.actor_exe = {"C:\\zj-probe\\actor", 17},
		.actor_comm = {"zj-probe", 8},
		.target_pid = 4243,
		.target_exe = {"C:\\zj-probe\\target", 18},
		.path = {"C:\\zj-probe\\path", 16},
		.technique = {"T0000", 5},
	};
	/* Harmless stand-ins: checking "/tmp/${actor.comm}" checks "/tmp/zj-probe". */
	static const struct zj_arr_ctx probe = {
		.actor_pid = 4242,
		.actor_exe = {"/zj-probe/actor", 15},
		.actor_comm = {"zj-probe", 8},
		.target_pid = 4243,
		.target_exe = {"/zj-probe/target", 16},
		.path = {"/zj-probe/path", 14},
		.technique = {"T0000", 5},
	};

	return platform == ZJ_ARR_WINDOWS ? &probe_win : &probe;
}

/* ---- the API --------------------------------------------------------------------------------- */

static struct zj_str view_of(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);

	return (struct zj_str){s, nul ? (size_t)(nul - s) : max};
}

int zj_arr_ctx_from_event(const struct zj_event *ev, const struct zj_finding *f,
			  struct zj_arr_ctx *ret)
{
	struct zj_arr_ctx c = {0};

	if (!ev || !ret)
		return -ZJ_EINVAL;
	c.actor_pid = ev->actor.pid;
	c.actor_exe = ev->actor.exe;
	c.actor_comm = view_of(ev->actor.comm, sizeof(ev->actor.comm));
	if (ev->flags & ZJ_EVF_HAS_TARGET) {
		c.target_pid = ev->target.pid;
		c.target_exe = ev->target.exe;
	}
	if (ev->type == ZJ_EV_FILE)
		c.path = ev->file.path;
	else if (ev->type == ZJ_EV_EXEC)
		c.path = ev->exec.filename;
	if (f)
		c.technique = view_of(f->technique, sizeof(f->technique));
	*ret = c;
	return 0;
}

int zj_arr_expand(const struct zj_arr_rule *rule, const struct zj_arr_ctx *ctx,
		  struct zj_arr_rule **ret, char *err, size_t errlen)
{
	struct arr_err e = {.err = err, .errlen = errlen};
	struct zj_arr_rule *out;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!rule || !ctx || !ret)
		return -ZJ_EINVAL;
	out = calloc(1, sizeof(*out));
	if (!out)
		return -ZJ_ENOMEM;
	out->force = rule->force;
	out->platform = rule->platform;
	out->name = malloc(strlen(rule->name) + 1);
	out->actions = calloc(rule->n_actions ? rule->n_actions : 1, sizeof(*out->actions));
	if (!out->name || !out->actions) {
		zj_arr_rule_free(out);
		return -ZJ_ENOMEM;
	}
	strcpy(out->name, rule->name);
	for (size_t i = 0; i < rule->n_actions; i++) {
		const struct zj_arr_action *a = &rule->actions[i];

		r = arr_action_copy(&e, i, a, a->needs_ctx ? ctx : NULL, &out->actions[i]);
		out->n_actions = i + 1;
		if (r >= 0 && a->needs_ctx)
			r = arr_action_check(&e, i, &out->actions[i], a, false, rule->force,
					     rule->platform);
		if (r < 0) {
			zj_arr_rule_free(out);
			return r;
		}
	}
	*ret = out;
	return 0;
}
