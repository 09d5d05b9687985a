/* SPDX-License-Identifier: GPL-2.0-only */
/* Automatic disposal (arr-dispose.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "zhijia/arr.h"
#include "arr-dispose.h"
#include "arr-inbox.h"
#include "arr-int.h"
#include "util.h"

struct binding {
	char technique[ZJ_TECHNIQUE_ID_MAX];
	struct zj_arr_rule *rule;
};

struct zj_arr_bindings {
	size_t n;
	struct binding *v;
};

/* "T1055.008" / "T1055": T and digits, an optional .digits */
static bool technique_name(const char *s, size_t n)
{
	size_t i = 1;

	if (n < 2 || n >= ZJ_TECHNIQUE_ID_MAX || s[0] != 'T')
		return false;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.' && i + 1 < n)
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	return i == n;
}

int zj_arr_bindings_load(const char *dir, zj_arr_warn_fn warn, void *ud,
			 struct zj_arr_bindings **ret)
{
	struct zj_arr_bindings *b = calloc(1, sizeof(*b));
	struct dirent *de;
	DIR *d;

	if (!b)
		return -ENOMEM;
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT) {
			int r = negative_errno();

			free(b);
			return r;
		}
		*ret = b;
		return 0;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX], err[ZJ_ARR_ERR_MAX];
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *text = NULL;
		struct zj_arr_rule *rule = NULL;
		struct binding *nv;
		size_t len;
		int r;

		if (n <= 5 || strcmp(de->d_name + n - 5, ".json") != 0 ||
		    !technique_name(de->d_name, n - 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = arx_read_file(path, ZJ_ARR_TEXT_MAX, &text, &len);
		if (r == 0)
			r = zj_arr_parse(text, len, path, &rule, err, sizeof(err));
		else
			snprintf(err, sizeof(err), "%.900s: %.100s", path, strerror(-r));
		if (r < 0) {
			if (warn)
				warn(ud, path, err);
			continue;
		}
		nv = reallocarray(b->v, b->n + 1, sizeof(*nv));
		if (!nv) {
			zj_arr_rule_free(rule);
			closedir(d);
			zj_arr_bindings_free(b);
			return -ENOMEM;
		}
		b->v = nv;
		memcpy(b->v[b->n].technique, de->d_name, n - 5);
		b->v[b->n].technique[n - 5] = '\0';
		b->v[b->n].rule = rule;
		b->n++;
	}
	closedir(d);
	*ret = b;
	return 0;
}

void zj_arr_bindings_free(struct zj_arr_bindings *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		zj_arr_rule_free(b->v[i].rule);
	free(b->v);
	free(b);
}

size_t zj_arr_bindings_count(const struct zj_arr_bindings *b)
{
	return b ? b->n : 0;
}

const struct zj_arr_rule *zj_arr_bindings_find(const struct zj_arr_bindings *b,
					       const char *technique)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (strcmp(b->v[i].technique, technique) == 0)
			return b->v[i].rule;
	return NULL;
}

int zj_arr_dispose_run(const struct zj_arr_rule *rule, const struct zj_event *ev,
		       const struct zj_finding *f, const struct zj_arr_exec_opts *opts,
		       const char *event_log)
{
	struct zj_arr_exec_opts o = *opts;
	struct zj_arr_rule *x = NULL;
	struct zj_arr_run *run = NULL;
	_cleanup_free_ char *json = NULL;
	struct zj_arr_ctx ctx;
	char err[ZJ_ARR_ERR_MAX] = "";
	json_object *jo;
	int r;

	r = zj_arr_ctx_from_event(ev, f, &ctx);
	if (r == 0)
		r = zj_arr_expand(rule, &ctx, &x, err, sizeof(err));
	if (r == 0) {
		o.ctx = &ctx;
		r = zj_arr_exec_run(x, &o, &run);
	}
	zj_arr_rule_free(x);
	if (r == 0)
		r = zj_arr_run_to_json(run, &json) < 0 ? -ENOMEM : 0;
	jo = r == 0 ? json_tokener_parse(json) : json_object_new_object();
	if (!jo) {
		zj_arr_run_free(run);
		return -ENOMEM;
	}
	if (r < 0) {
		json_object_object_add(jo, "type", json_object_new_string("arr"));
		json_object_object_add(jo, "rule", json_object_new_string(rule->name));
		json_object_object_add(jo, "refused",
				       json_object_new_string(err[0] ? err : strerror(-r)));
	}
	json_object_object_add(jo, "source", json_object_new_string("finding"));
	json_object_object_add(jo, "technique", json_object_new_string(f->technique));
	json_object_object_add(jo, "event", json_object_new_int64((int64_t)ev->seq));
	(void)zj_arr_log_line(event_log, json_object_to_json_string_ext(
						 jo, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(jo);
	if (run)
		(void)zj_arr_journal_summary(run, "finding", "zhijiad");
	zj_arr_run_free(run);
	return r;
}

static bool ours(const struct zj_arr_disposer *d, uint32_t pid)
{
	if (pid == (uint32_t)getpid())
		return true;
	for (size_t i = 0; i < ZJ_ARR_DISPOSE_MAX; i++)
		if (d->pids[i] > 0 && (uint32_t)d->pids[i] == pid)
			return true;
	return false;
}

bool zj_arr_disposer_admit(struct zj_arr_disposer *d, const struct zj_event *ev,
			   const char *technique, int64_t now_sec, size_t *ret_slot)
{
	size_t slot = ZJ_ARR_DISPOSE_MAX, rl = ELEMENTSOF(d->last_sec), oldest = 0;

	/* never a rule's own doing: zhijiad, a disposal child, or what that one started */
	if (ours(d, ev->actor.pid) || ours(d, ev->actor.ppid))
		return false;
	for (size_t i = 0; i < ELEMENTSOF(d->last_sec); i++) {
		if (strcmp(d->last_technique[i], technique) == 0) {
			if (d->last_sec[i] == now_sec) {
				d->dropped++;
				return false;
			}
			rl = i;
		}
		if (d->last_sec[i] < d->last_sec[oldest])
			oldest = i;
	}
	for (size_t i = 0; i < ZJ_ARR_DISPOSE_MAX && slot == ZJ_ARR_DISPOSE_MAX; i++)
		if (d->pids[i] <= 0)
			slot = i;
	if (slot == ZJ_ARR_DISPOSE_MAX) {
		d->dropped++;
		return false;
	}
	if (rl == ELEMENTSOF(d->last_sec))
		rl = oldest;
	snprintf(d->last_technique[rl], sizeof(d->last_technique[rl]), "%s", technique);
	d->last_sec[rl] = now_sec;
	d->started++;
	*ret_slot = slot;
	return true;
}

void zj_arr_disposer_reap(struct zj_arr_disposer *d)
{
	for (size_t i = 0; i < ZJ_ARR_DISPOSE_MAX; i++)
		if (d->pids[i] > 0 && waitpid(d->pids[i], NULL, WNOHANG) != 0)
			d->pids[i] = 0;
}
