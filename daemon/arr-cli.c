/* SPDX-License-Identifier: GPL-2.0-only */
/* zhijiactl arr validate|dry-run|run, quarantine list|restore (arr-cli.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "zhijia/arr.h"
#include "arr-cli.h"
#include "arr-exec.h"
#include "arr-inbox.h"
#include "quarantine.h"
#include "util.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define SYSTEM_DISKS_MAX 16

struct args {
	const char *file;
	const char *root;
	const char *quarantine;
	const char *to;
	const char *dir;
	bool overwrite;
	const char *disks[SYSTEM_DISKS_MAX + 1];
	size_t n_disks;
};

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
}

__attribute__((format(printf, 3, 4))) static int fail(const struct zj_arr_cli *c, int code,
						      const char *fmt, ...)
{
	char msg[ZJ_ARR_ERR_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->json) {
		json_object *o = json_object_new_object();

		if (o) {
			json_object_object_add(o, "ok", json_object_new_boolean(0));
			json_object_object_add(o, "error", json_object_new_string(msg));
			print_json(o);
			json_object_put(o);
			return code;
		}
	}
	fprintf(stderr, "zhijiactl: %s\n", msg);
	return code;
}

/* argv[0] is the verb.  want_file: one operand, the rule file or the item id. */
static int parse_args(const struct zj_arr_cli *c, int argc, char **argv, struct args *a,
		      bool want_file)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"system-disk", required_argument, NULL, 'd'},
		{"quarantine", required_argument, NULL, 'q'},
		{"to", required_argument, NULL, 't'},
		{"overwrite", no_argument, NULL, 'o'},
		{"dir", required_argument, NULL, 'D'},
		{},
	};
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			a->root = optarg;
			break;
		case 'd':
			if (a->n_disks == SYSTEM_DISKS_MAX)
				return fail(c, EXIT_USAGE, "at most %d --system-disk",
					    SYSTEM_DISKS_MAX);
			a->disks[a->n_disks++] = optarg;
			break;
		case 'q':
			a->quarantine = optarg;
			break;
		case 't':
			a->to = optarg;
			break;
		case 'o':
			a->overwrite = true;
			break;
		case 'D':
			a->dir = optarg;
			break;
		default:
			return fail(c, EXIT_USAGE,
				    "%s: unknown option or missing value '%s'; valid: --root DIR, "
				    "--system-disk PATH, --quarantine DIR, --to PATH, --overwrite, --dir DIR",
				    argv[0], argv[optind - 1]);
		}
	}
	if (want_file && optind != argc - 1)
		return fail(c, EXIT_USAGE, "%s needs exactly one %s", argv[0],
			    strcmp(argv[0], "restore") == 0 ? "ID" : "FILE");
	if (!want_file && optind != argc)
		return fail(c, EXIT_USAGE, "%s takes no operand", argv[0]);
	if (want_file)
		a->file = argv[optind];
	if (a->root && (a->root[0] != '/'))
		return fail(c, EXIT_USAGE, "--root needs an absolute path");
	return 0;
}

static int read_all(const char *file, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 65536;
	_cleanup_close_ int fd = -1;

	fd = strcmp(file, "-") == 0 ? dup(0) : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > ZJ_ARR_TEXT_MAX)
				return -EFBIG;
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/* Read and validate the rule: 0, or an exit code after saying what is wrong. */
static int load_rule(const struct zj_arr_cli *c, const char *file, struct zj_arr_rule **ret)
{
	_cleanup_free_ char *text = NULL;
	char err[ZJ_ARR_ERR_MAX];
	size_t len;
	int r;

	r = read_all(file, &text, &len);
	if (r < 0)
		return fail(c, EXIT_FAILED, "cannot read rule %s: %s", file, strerror(-r));
	r = zj_arr_parse(text, len, strcmp(file, "-") ? file : "<stdin>", ret, err, sizeof(err));
	if (r < 0)
		return fail(c, EXIT_FAILED, "%s", err[0] ? err : strerror(-r));
	return 0;
}

int zj_arr_cli_validate(const struct zj_arr_cli *c, int argc, char **argv)
{
	struct zj_arr_rule *rule = NULL;
	struct args a;
	int r;

	r = parse_args(c, argc, argv, &a, true);
	if (r)
		return r;
	r = load_rule(c, a.file, &rule);
	if (r)
		return r;
	if (c->json) {
		json_object *o = json_object_new_object();

		if (!o) {
			zj_arr_rule_free(rule);
			return fail(c, EXIT_FAILED, "out of memory");
		}
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "rule", json_object_new_string(rule->name));
		json_object_object_add(o, "actions", json_object_new_int64((int64_t)rule->n_actions));
		json_object_object_add(o, "variables", json_object_new_boolean(rule->needs_ctx));
		print_json(o);
		json_object_put(o);
	} else {
		printf("%s: valid: rule '%s', %zu actions%s\n", a.file, rule->name, rule->n_actions,
		       rule->needs_ctx ? ", with variables (runs for a finding only)" : "");
	}
	zj_arr_rule_free(rule);
	return 0;
}

static void fill_opts(struct args *a, struct zj_arr_exec_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->root = a->root;
	o->system_disks = a->n_disks ? a->disks : NULL;
}

int zj_arr_cli_dry_run(const struct zj_arr_cli *c, int argc, char **argv)
{
	struct zj_arr_rule *rule = NULL;
	struct zj_arr_plan *plan = NULL;
	struct zj_arr_exec_opts o;
	_cleanup_free_ char *text = NULL;
	struct args a;
	int r;

	r = parse_args(c, argc, argv, &a, true);
	if (r)
		return r;
	r = load_rule(c, a.file, &rule);
	if (r)
		return r;
	fill_opts(&a, &o);
	/* a rule with variables has no objects to find yet: its plan says what it would do */
	r = rule->needs_ctx ? zj_arr_plan_build(rule, &plan) : zj_arr_exec_plan(rule, &o, &plan);
	zj_arr_rule_free(rule);
	if (r < 0)
		return fail(c, EXIT_FAILED, "cannot plan %s: %s", a.file, strerror(-r));
	r = c->json ? zj_arr_plan_to_json(plan, &text) : zj_arr_plan_to_text(plan, &text);
	zj_arr_plan_free(plan);
	if (r < 0)
		return fail(c, EXIT_FAILED, "out of memory");
	fputs(text, stdout);
	if (r > 0 && text[r - 1] != '\n')
		putchar('\n');
	return 0;
}

int zj_arr_cli_run(const struct zj_arr_cli *c, int argc, char **argv)
{
	struct zj_arr_rule *rule = NULL;
	struct zj_quarantine *q = NULL;
	struct zj_arr_run *run = NULL;
	struct zj_arr_exec_opts o;
	_cleanup_free_ char *json = NULL, *text = NULL;
	struct args a;
	int r;

	r = parse_args(c, argc, argv, &a, true);
	if (r)
		return r;
	if (geteuid() != 0)
		return fail(c, EXIT_FAILED, "arr run needs root");
	r = load_rule(c, a.file, &rule);
	if (r)
		return r;
	if (rule->needs_ctx) {
		zj_arr_rule_free(rule);
		return fail(c, EXIT_FAILED,
			    "%s has ${variables}: it runs only for a finding (bound by the policy)",
			    a.file);
	}
	r = zj_quarantine_open(a.quarantine ? a.quarantine : ZJ_QUARANTINE_DIR, &q);
	if (r < 0) {
		zj_arr_rule_free(rule);
		return fail(c, EXIT_FAILED, "cannot open the quarantine: %s", strerror(-r));
	}
	fill_opts(&a, &o);
	o.q = q;
	r = zj_arr_exec_run(rule, &o, &run);
	zj_arr_rule_free(rule);
	zj_quarantine_free(q);
	if (r < 0)
		return fail(c, EXIT_FAILED, "cannot run %s: %s", a.file, strerror(-r));
	if (zj_arr_run_to_json(run, &json) < 0 || zj_arr_run_to_text(run, &text) < 0) {
		zj_arr_run_free(run);
		return fail(c, EXIT_FAILED, "out of memory");
	}
	r = zj_arr_log_line(c->event_log, json);
	if (r < 0)
		fprintf(stderr, "zhijiactl: cannot append to the event log %s: %s, ignoring\n",
			c->event_log, strerror(-r));
	(void)zj_arr_journal_summary(run, "cli", "zhijiactl");
	if (c->json)
		puts(json);
	else
		fputs(text, stdout);
	r = run->n_failed ? EXIT_FAILED : 0;
	zj_arr_run_free(run);
	return r;
}

int zj_arr_cli_inbox(const struct zj_arr_cli *c, int argc, char **argv)
{
	const char *dir;
	struct zj_quarantine *q = NULL;
	struct zj_arr_exec_opts o;
	struct args a;
	size_t ran = 0;
	int r;

	r = parse_args(c, argc, argv, &a, false);
	if (r)
		return r;
	if (geteuid() != 0)
		return fail(c, EXIT_FAILED, "arr inbox needs root");
	dir = a.dir ? a.dir : ZJ_ARR_INBOX_DIR;
	r = zj_quarantine_open(a.quarantine ? a.quarantine : ZJ_QUARANTINE_DIR, &q);
	if (r < 0)
		return fail(c, EXIT_FAILED, "cannot open the quarantine: %s", strerror(-r));
	fill_opts(&a, &o);
	o.q = q;
	r = zj_arr_inbox_run(dir, &o, c->event_log, &ran);
	zj_quarantine_free(q);
	if (r < 0)
		return fail(c, EXIT_FAILED, "inbox %s: %s%s", dir, strerror(-r),
			    r == -EPERM ? " (it must be root's and writable by root only)" : "");
	if (c->json) {
		json_object *o2 = json_object_new_object();

		if (o2) {
			json_object_object_add(o2, "ok", json_object_new_boolean(1));
			json_object_object_add(o2, "ran", json_object_new_int64((int64_t)ran));
			print_json(o2);
			json_object_put(o2);
		}
	} else {
		printf("%zu rule files run from %s; results beside them (NAME.json.result)\n", ran,
		       dir);
	}
	return 0;
}

static const char *item_type(const struct zj_quarantine_item *it)
{
	return it->sector ? "sector" : it->symlink ? "symlink" : "file";
}

int zj_arr_cli_quarantine_list(const struct zj_arr_cli *c, int argc, char **argv)
{
	struct zj_quarantine_item *items = NULL;
	struct zj_quarantine *q = NULL;
	struct args a;
	size_t n = 0;
	int r;

	r = parse_args(c, argc, argv, &a, false);
	if (r)
		return r;
	r = zj_quarantine_open(a.quarantine ? a.quarantine : ZJ_QUARANTINE_DIR, &q);
	if (r == 0)
		r = zj_quarantine_list(q, &items, &n);
	zj_quarantine_free(q);
	if (r < 0)
		return fail(c, EXIT_FAILED, "cannot read the quarantine: %s", strerror(-r));
	if (c->json) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();

		for (size_t i = 0; o && arr && i < n; i++) {
			json_object *e = json_object_new_object();
			char mode[8];

			if (!e)
				break;
			snprintf(mode, sizeof(mode), "%04o", items[i].mode);
			json_object_object_add(e, "id", json_object_new_string(items[i].id));
			json_object_object_add(e, "path", json_object_new_string(items[i].path));
			json_object_object_add(e, "type", json_object_new_string(item_type(&items[i])));
			json_object_object_add(e, "size", json_object_new_int64((int64_t)items[i].size));
			json_object_object_add(e, "mode", json_object_new_string(mode));
			json_object_object_add(e, "uid", json_object_new_int64(items[i].uid));
			json_object_object_add(e, "gid", json_object_new_int64(items[i].gid));
			json_object_object_add(e, "time", json_object_new_int64(items[i].time));
			json_object_object_add(e, "sha256", json_object_new_string(items[i].sha256));
			json_object_object_add(e, "reason", json_object_new_string(items[i].reason));
			json_object_array_add(arr, e);
		}
		if (o && arr) {
			json_object_object_add(o, "ok", json_object_new_boolean(1));
			json_object_object_add(o, "items", arr);
			print_json(o);
		}
		json_object_put(o);
	} else {
		printf("%-32s %-20s %-7s %10s  %s\n", "ID", "TIME", "TYPE", "SIZE", "PATH (REASON)");
		for (size_t i = 0; i < n; i++) {
			char when[32] = "";
			time_t t = (time_t)items[i].time;
			struct tm tm;

			if (gmtime_r(&t, &tm))
				strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			printf("%-32s %-20s %-7s %10llu  %s (%s)\n", items[i].id, when,
			       item_type(&items[i]), (unsigned long long)items[i].size,
			       items[i].path, items[i].reason);
		}
	}
	zj_quarantine_items_free(items, n);
	return 0;
}

int zj_arr_cli_quarantine_restore(const struct zj_arr_cli *c, int argc, char **argv)
{
	struct zj_quarantine_item it;
	struct zj_quarantine *q = NULL;
	struct args a;
	int r;

	r = parse_args(c, argc, argv, &a, true);
	if (r)
		return r;
	if (a.to && a.to[0] != '/')
		return fail(c, EXIT_USAGE, "--to needs an absolute path");
	r = zj_quarantine_open(a.quarantine ? a.quarantine : ZJ_QUARANTINE_DIR, &q);
	if (r < 0)
		return fail(c, EXIT_FAILED, "cannot open the quarantine: %s", strerror(-r));
	r = zj_quarantine_get(q, a.file, &it);
	if (r == 0) {
		r = zj_quarantine_restore(q, a.file, a.to, a.overwrite);
		if (r == 0 && c->json) {
			json_object *o = json_object_new_object();

			if (o) {
				json_object_object_add(o, "ok", json_object_new_boolean(1));
				json_object_object_add(o, "id", json_object_new_string(a.file));
				json_object_object_add(o, "path",
						       json_object_new_string(a.to ? a.to : it.path));
				print_json(o);
				json_object_put(o);
			}
		} else if (r == 0) {
			printf("restored %s to %s\n", a.file, a.to ? a.to : it.path);
		} else {
			zj_quarantine_item_clear(&it);
			zj_quarantine_free(q);
			return fail(c, EXIT_FAILED, "cannot restore %s to %s: %s%s", a.file,
				    a.to ? a.to : "its path", strerror(-r),
				    r == -EEXIST ? " (--overwrite replaces it)" : "");
		}
		zj_quarantine_item_clear(&it);
	}
	zj_quarantine_free(q);
	if (r < 0)
		return fail(c, EXIT_FAILED, "no quarantine item %s: %s", a.file, strerror(-r));
	return 0;
}
