/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiactl NOUN VERB: the administrator's tool.  Commands come from tables (bpftool's
 * do_<cmd>); nouns and verbs may be shortened to an unambiguous prefix.
 *
 * policy, protect and allow commands are requests to zhijiad over its control socket
 * (control.h); when zhijiad does not answer, the same code (policyops.h) runs here on the
 * policy file, and zhijiactl says so.  status asks zhijiad.  events reads the event log.
 * rules reload asks zhijiad to recompile its YARA rules.  scan scans files here, in this
 * process, with the rules of --rules (default /etc/zhijia/rules.d): it works without zhijiad,
 * and its exit status is the verdict.
 *
 * --json (anywhere on the line) makes stdout one JSON document -- errors too, as
 * {"ok":false,"error":"..."} -- except for events, which prints the log's JSON lines.
 * Exit status: 0 done, 1 the operation failed or was refused, 2 the command line is wrong.
 */
#define _GNU_SOURCE /* timegm() */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "zhijia/catalog.h"
#include "zhijia/coverage.h"
#include "zhijia/policy.h"
#include "arr-cli.h"
#include "control.h"
#include "log.h"
#include "metrics.h"
#include "policy-apply.h"
#include "policyfile.h"
#include "policyops.h"
#include "scan.h"
#include "siem.h"
#include "util.h"

#define DEFAULT_EVENT_LOG "/var/log/zhijia/events.jsonl"
#ifndef ZJ_VERSION
#define ZJ_VERSION "0.1.0" /* as zhijiad.c */
#endif
#define FOLLOW_POLL_USEC (200 * 1000)

#define EXIT_FAILED 1
#define EXIT_USAGE 2

struct ctl {
	bool json;
	const char *event_log;
	const char *socket_path;
	const char *policy_path;
	const char *rules_dir;
};

struct cmd {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *usage;
};

struct noun {
	const char *name;
	const struct cmd *verbs;
	const char *default_verb; /* run when no verb is given (status, events) */
};

/* Nouns whose default verb takes operands: no verb word (scan PATH...). */
static const char *const operand_nouns[] = {"scan", NULL};

static void json_objectp(json_object **o)
{
	json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_objectp)

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
}

__attribute__((format(printf, 3, 4))) static int fail(struct ctl *c, int code, const char *fmt, ...)
{
	_cleanup_json_ json_object *o = NULL;
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->json && zj_control_error_reply(msg, &o) == 0)
		print_json(o);
	else
		fprintf(stderr, "zhijiactl: %s\n", msg);
	return code;
}

/* "a, b, c": the names of a table. */
static void list_names(const struct cmd *t, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; t->name && o < len; t++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", t->name);
}

/* Exact name, or the one name word is a prefix of.  -ENOENT none, -EINVAL ambiguous. */
static int find_cmd(const struct cmd *table, const char *word, const struct cmd **ret)
{
	const struct cmd *hit = NULL;
	size_t n = strlen(word);
	int matches = 0;

	if (n == 0)
		return -ENOENT;
	for (; table->name; table++) {
		if (strcmp(table->name, word) == 0) {
			*ret = table;
			return 0;
		}
		if (strncmp(table->name, word, n) == 0) {
			hit = table;
			matches++;
		}
	}
	if (matches == 1) {
		*ret = hit;
		return 0;
	}
	return matches ? -EINVAL : -ENOENT;
}

/*
 * getopt_long over a verb's arguments (argv[0] is the verb), options and operands in any
 * order.  Returns the option, -1 at the end, or '?' after wording the error.
 */
static int next_opt(struct ctl *c, int argc, char **argv, const struct option *opts,
		    const char *verb, const char *valid, int *ret_code)
{
	int o;

	opterr = 0;
	o = getopt_long(argc, argv, ":", opts, NULL);
	if (o == '?' || o == ':') {
		*ret_code = fail(c, EXIT_USAGE, "%s: %s '%s'; valid: %s", verb,
				 o == ':' ? "missing value for" : "unknown option",
				 argv[optind - 1], valid);
		return '?';
	}
	return o;
}

/* ---- text helpers ------------------------------------------------------------------------ */

/* Columns a UTF-8 string takes on a terminal: East Asian wide characters take two. */
static size_t display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		uint32_t cp;
		int n;

		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n = 3;
		} else {
			cp = *p & 0x07;
			n = 4;
		}
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				n = i;
				break;
			}
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		p += n;
		w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
				     (cp >= 0xac00 && cp <= 0xd7a3) ||
				     (cp >= 0xf900 && cp <= 0xfaff) ||
				     (cp >= 0xfe30 && cp <= 0xfe4f) ||
				     (cp >= 0xff00 && cp <= 0xff60) ||
				     (cp >= 0xffe0 && cp <= 0xffe6) ||
				     (cp >= 0x20000 && cp <= 0x3fffd)
			     ? 2
			     : 1;
	}
	return w;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jbool(json_object *o, const char *key, bool dflt)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return dflt;
	return json_object_get_boolean(v);
}

static json_object *jget(json_object *o, const char *key, enum json_type type)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* "English 中文 (ID)"; the Chinese name only where the catalog has one. */
static void entry_label(json_object *e, bool zh_first, char *buf, size_t len)
{
	const char *id = jstr(e, "id"), *name = jstr(e, "name"), *zh = jstr(e, "name_zh");

	if (zh && zh_first)
		snprintf(buf, len, "%s %s (%s)", zh, name ? name : "", id ? id : "?");
	else if (zh)
		snprintf(buf, len, "%s %s (%s)", name ? name : "", zh, id ? id : "?");
	else
		snprintf(buf, len, "%s (%s)", name ? name : "", id ? id : "?");
}

/* ---- talking to zhijiad, or working on the file ------------------------------------------ */

struct answer {
	json_object *reply; /* owned */
	bool offline;	    /* zhijiad did not answer: the policy file was used */
	bool defaults;	    /* offline, and the file does not exist */
};

static void answer_clear(struct answer *a)
{
	json_object_put(a->reply);
}

/*
 * Ask zhijiad, or do it on the policy file when zhijiad is not running.  Always sets
 * a->reply: the daemon's reply, the offline result, or an error reply.
 */
static int request(struct ctl *c, const char *cmd, json_object *args, struct answer *a)
{
	const struct zj_policy_store store = {c->policy_path, zj_policyfile_write, NULL};
	struct zj_policy *p = NULL;
	char err[ZJ_POLICYOPS_ERR_MAX] = "", msg[ZJ_POLICYOPS_ERR_MAX + 256];
	int r;

	memset(a, 0, sizeof(*a));
	r = zj_control_call(c->socket_path, cmd, args, &a->reply);
	if (r >= 0)
		return 0;
	if (r != -ENOENT && r != -ECONNREFUSED) {
		snprintf(msg, sizeof(msg), "cannot talk to zhijiad on %s: %s", c->socket_path,
			 strerror(-r));
		return zj_control_error_reply(msg, &a->reply);
	}
	if (!zj_policy_command_known(cmd)) {
		snprintf(msg, sizeof(msg), "zhijiad is not running (nothing answers on %s)",
			 c->socket_path);
		return zj_control_error_reply(msg, &a->reply);
	}

	a->offline = true;
	r = zj_policy_load(c->policy_path, zj_policyfile_read, NULL, &p, err, sizeof(err));
	if (r < 0) {
		if (r == -EBADMSG || r == -EINVAL)
			snprintf(msg, sizeof(msg),
				 "zhijiad is not running, and the policy file is "
				 "not valid: %s",
				 err);
		else
			snprintf(msg, sizeof(msg), "zhijiad is not running, and %s: %s",
				 err[0] ? err : "the policy file cannot be read", strerror(-r));
		return zj_control_error_reply(msg, &a->reply);
	}
	a->defaults = r == 1;
	r = zj_policy_command(&p, cmd, args, &store, &a->reply, NULL, err, sizeof(err));
	zj_policy_free(p);
	if ((r == -EACCES || r == -EPERM || r == -EROFS) && geteuid() != 0) {
		snprintf(msg, sizeof(msg), "%s (only root can change the policy)", err);
		return zj_control_error_reply(msg, &a->reply);
	}
	if (r < 0)
		return zj_control_error_reply(err, &a->reply);
	return 0;
}

/*
 * Print the outcome: the reply as JSON, or through render; an error as an error.  Offline,
 * say so: on stderr, or in the JSON as "offline" and "note".
 */
static int finish(struct ctl *c, struct answer *a, void (*render)(struct ctl *c, json_object *r))
{
	char note[PATH_MAX + 128] = "";

	if (!a->reply)
		return fail(c, EXIT_FAILED, "out of memory");
	if (!jbool(a->reply, "ok", false))
		return fail(c, EXIT_FAILED, "%s", jstr(a->reply, "error") ?: "failed");
	if (a->offline) {
		json_object *changed = jget(a->reply, "changed", json_type_boolean);

		if (jbool(a->reply, "dry_run", false))
			snprintf(note, sizeof(note),
				 "zhijiad is not running: compared with %s; nothing changed",
				 c->policy_path);
		else if (changed && json_object_get_boolean(changed))
			snprintf(note, sizeof(note),
				 "zhijiad is not running: changed %s; it applies when zhijiad "
				 "starts",
				 c->policy_path);
		else if (changed)
			snprintf(note, sizeof(note),
				 "zhijiad is not running: %s already says so; nothing changed",
				 c->policy_path);
		else if (a->defaults)
			snprintf(note, sizeof(note),
				 "zhijiad is not running and %s does not exist: showing the "
				 "built-in defaults",
				 c->policy_path);
		else
			snprintf(note, sizeof(note), "zhijiad is not running: showing %s",
				 c->policy_path);
	}
	if (c->json) {
		if (a->offline) {
			json_object_object_add(a->reply, "offline", json_object_new_boolean(true));
			json_object_object_add(a->reply, "note", json_object_new_string(note));
		}
		print_json(a->reply);
		return 0;
	}
	if (note[0])
		fprintf(stderr, "%s\n", note);
	render(c, a->reply);
	return 0;
}

static int run_request(struct ctl *c, const char *cmd, json_object *args,
		       void (*render)(struct ctl *c, json_object *r))
{
	struct answer a;
	int r;

	request(c, cmd, args, &a);
	r = finish(c, &a, render);
	answer_clear(&a);
	return r;
}

/* ---- policy ------------------------------------------------------------------------------ */

struct row {
	int indent;
	char label[512];
	const char *action; /* NULL: no column */
	const char *note;
};

static int rows_add(struct row **rows, size_t *n, size_t *cap, int indent, json_object *e,
		    bool zh_first)
{
	struct row *r;
	const char *cap_name = jstr(e, "capability");

	if (*n == *cap) {
		struct row *nr = realloc(*rows, (*cap ? *cap * 2 : 64) * sizeof(**rows));

		if (!nr)
			return -ENOMEM;
		*rows = nr;
		*cap = *cap ? *cap * 2 : 64;
	}
	r = &(*rows)[(*n)++];
	r->indent = indent;
	entry_label(e, zh_first, r->label, sizeof(r->label));
	r->action = jstr(e, "action");
	r->note = NULL;
	if (indent > 0 && cap_name && strcmp(cap_name, "none") == 0 &&
	    !jget(e, "subs", json_type_array)) {
		r->action = "-";
		r->note = "not observed by zhijia";
	} else if (r->action && cap_name && strcmp(cap_name, "observe") == 0) {
		r->note = "cannot block here";
	}
	return 0;
}

static void print_rows(const struct row *rows, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		size_t w = (size_t)rows[i].indent * 2 + display_width(rows[i].label);

		if (rows[i].action && w > col)
			col = w;
	}
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if (r->indent == 0 && i > 0)
			putchar('\n');
		printf("%*s%s", r->indent * 2, "", r->label);
		if (r->action) {
			size_t w = (size_t)r->indent * 2 + display_width(r->label);

			printf("%*s%s", (int)(col - w + 2), "", r->action);
			if (r->note)
				printf("  (%s)", r->note);
		}
		putchar('\n');
	}
}

/* Techniques (indent 1) and their sub-techniques (indent 2) of a TAC or TECH array. */
static int rows_techniques(struct row **rows, size_t *n, size_t *cap, json_object *techs,
			   int indent, bool *ret_default)
{
	size_t len = techs ? json_object_array_length(techs) : 0;

	for (size_t i = 0; i < len; i++) {
		json_object *t = json_object_array_get_idx(techs, i);
		json_object *subs = jget(t, "subs", json_type_array);
		const char *a = jstr(t, "action");

		if (a && strcmp(a, "default") == 0)
			*ret_default = true;
		if (rows_add(rows, n, cap, indent, t, false) < 0)
			return -ENOMEM;
		if (subs && rows_techniques(rows, n, cap, subs, indent + 1, ret_default) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void print_footer(json_object *reply, bool any_default)
{
	if (any_default)
		printf("\ndefault: alert when the target is a system process or a protected "
		       "application, record otherwise\n");
	if (!jbool(reply, "enforceable", true))
		printf("This host cannot enforce: block cannot be set, and a block already set is "
		       "not enforced\n");
}

static void render_policy_list(struct ctl *c, json_object *reply)
{
	json_object *tactics = jget(reply, "tactics", json_type_array);
	_cleanup_free_ struct row *rows = NULL;
	size_t n = 0, cap = 0, len = tactics ? json_object_array_length(tactics) : 0;
	bool any_default = false;

	for (size_t i = 0; i < len; i++) {
		json_object *tac = json_object_array_get_idx(tactics, i);

		if (rows_add(&rows, &n, &cap, 0, tac, true) < 0 ||
		    rows_techniques(&rows, &n, &cap, jget(tac, "techniques", json_type_array), 1,
				    &any_default) < 0) {
			fail(c, EXIT_FAILED, "out of memory");
			return;
		}
	}
	print_rows(rows, n);
	print_footer(reply, any_default);
}

static void render_policy_get(struct ctl *c, json_object *reply)
{
	json_object *tactics = jget(reply, "tactics", json_type_array);
	json_object *parent = jget(reply, "technique", json_type_object);
	json_object *subs = jget(reply, "subs", json_type_array);
	const char *action = jstr(reply, "action"), *capability = jstr(reply, "capability");
	size_t len = tactics ? json_object_array_length(tactics) : 0;
	char label[512];

	entry_label(reply, false, label, sizeof(label));
	printf("%s\n", label);
	if (parent) {
		entry_label(parent, false, label, sizeof(label));
		printf("  technique   %s\n", label);
	}
	printf("  tactics     ");
	for (size_t i = 0; i < len; i++) {
		entry_label(json_object_array_get_idx(tactics, i), true, label, sizeof(label));
		printf("%s%s", i ? ", " : "", label);
	}
	printf("\n");
	if (action)
		printf("  action      %s\n", action);
	if (capability)
		printf("  capability  %s%s\n", capability,
		       strcmp(capability, "enforce") == 0   ? " (block, alert, record)"
		       : strcmp(capability, "observe") == 0 ? " (alert, record; cannot block here)"
							    : " (not observed by zhijia)");
	if (subs) {
		_cleanup_free_ struct row *rows = NULL;
		size_t n = 0, cap = 0;
		bool any_default = false;

		printf("\n");
		if (rows_techniques(&rows, &n, &cap, subs, 1, &any_default) < 0) {
			fail(c, EXIT_FAILED, "out of memory");
			return;
		}
		print_rows(rows, n);
	}
}

static const char *tech_name(const char *id)
{
	const struct zj_technique *t;

	return id && zj_catalog_find(id, &t) == 0 ? t->name : "";
}

static void render_policy_set(struct ctl *c, json_object *reply)
{
	const char *id = jstr(reply, "id"), *action = jstr(reply, "action");

	if (jbool(reply, "changed", true))
		printf("%s %s: %s (was %s)\n", id, tech_name(id), action, jstr(reply, "previous"));
	else
		printf("%s %s: already %s\n", id, tech_name(id), action);
}

static void render_policy_reset(struct ctl *c, json_object *reply)
{
	json_object *ids = jget(reply, "reset", json_type_array);
	size_t len = ids ? json_object_array_length(ids) : 0;

	if (!ids) {
		printf("every sub-technique is back to default\n");
		return;
	}
	printf("back to default:");
	for (size_t i = 0; i < len; i++)
		printf(" %s", json_object_get_string(json_object_array_get_idx(ids, i)));
	printf("\n");
}

static int usage_error(struct ctl *c, const char *verb, const char *usage)
{
	return fail(c, EXIT_USAGE, "%s: usage: zhijiactl %s", verb, usage);
}

/* `policy list --coverage`: ATT&CK coverage per tactic (coverage.h), Markdown or JSON. */
static int print_coverage(struct ctl *c)
{
	_cleanup_json_ json_object *o = NULL;

	if (!c->json)
		return zj_coverage_markdown(stdout) < 0 || fflush(stdout) != 0 ? EXIT_FAILED : 0;
	o = zj_coverage_json();
	if (!o)
		return fail(c, EXIT_FAILED, "out of memory");
	return puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE)) < 0
		       ? EXIT_FAILED
		       : 0;
}

static int do_policy_list(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"tactic", required_argument, NULL, 't'},
		{"all", no_argument, NULL, 'a'},
		{"coverage", no_argument, NULL, 'c'},
		{},
	};
	_cleanup_json_ json_object *args = json_object_new_object();
	int o, code = 0;

	if (!args)
		return fail(c, EXIT_FAILED, "out of memory");
	optind = 0;
	while ((o = next_opt(c, argc, argv, opts, "policy list",
			     "--tactic TACTIC, --all, --coverage", &code)) != -1) {
		if (o == '?')
			return code;
		if (o == 'c')
			return print_coverage(c); /* from the catalog: no daemon needed */
		if (o == 't')
			json_object_object_add(args, "tactic", json_object_new_string(optarg));
		else if (o == 'a')
			json_object_object_add(args, "all", json_object_new_boolean(true));
	}
	if (optind < argc)
		return fail(c, EXIT_USAGE,
			    "policy list: unexpected '%s'; to show one entry use `zhijiactl policy "
			    "get %s`",
			    argv[optind], argv[optind]);
	return run_request(c, "policy.list", args, render_policy_list);
}

static int do_policy_get(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_object *args = json_object_new_object();

	if (argc != 2)
		return usage_error(c, "policy get", "policy get ID (e.g. T1055.008)");
	json_object_object_add(args, "id", json_object_new_string(argv[1]));
	return run_request(c, "policy.get", args, render_policy_get);
}

static int do_policy_set(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_object *args = json_object_new_object();

	if (argc != 3)
		return usage_error(c, "policy set",
				   "policy set ID ACTION (e.g. T1055.008 block); actions: block, "
				   "alert, record, off, default");
	json_object_object_add(args, "id", json_object_new_string(argv[1]));
	json_object_object_add(args, "action", json_object_new_string(argv[2]));
	return run_request(c, "policy.set", args, render_policy_set);
}

static int do_policy_reset(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_object *args = json_object_new_object();
	json_object *ids = json_object_new_array();

	if (!args || !ids) {
		json_object_put(ids);
		return fail(c, EXIT_FAILED, "out of memory");
	}
	for (int i = 1; i < argc; i++)
		json_object_array_add(ids, json_object_new_string(argv[i]));
	if (argc > 1)
		json_object_object_add(args, "ids", ids);
	else
		json_object_put(ids);
	return run_request(c, "policy.reset", args, render_policy_reset);
}

/* ---- declarative policy (policy-apply.h) ---------------------------------------------------- */

static void render_policy_export(struct ctl *c, json_object *reply)
{
	fputs(jstr(reply, "policy") ?: "", stdout);
}

static void render_policy_apply(struct ctl *c, json_object *reply)
{
	json_object *changes = jget(reply, "changes", json_type_array);
	size_t n = changes ? json_object_array_length(changes) : 0;

	zj_policy_diff_print(changes, stdout);
	if (jbool(reply, "dry_run", false))
		printf("%zu change%s would be made; policy hash then %s\n", n, n == 1 ? "" : "s",
		       jstr(reply, "policy_hash") ?: "?");
	else if (jbool(reply, "changed", false))
		printf("applied %zu change%s; policy hash %s\n", n, n == 1 ? "" : "s",
		       jstr(reply, "policy_hash") ?: "?");
	else
		printf("nothing to change; policy hash %s\n", jstr(reply, "policy_hash") ?: "?");
}

static int do_policy_export(struct ctl *c, int argc, char **argv)
{
	if (argc > 1)
		return usage_error(c, "policy export", "policy export > FILE");
	return run_request(c, "policy.export", NULL, render_policy_export);
}

/*
 * The whole file is checked here first (syntax and schema, with its line and column), then
 * sent as one policy.apply request: zhijiad checks it again against what it can enforce and
 * swaps it in at once, or changes nothing.
 */
static int do_policy_apply(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"diff", no_argument, NULL, 'd'},
		{"dry-run", no_argument, NULL, 'd'},
		{},
	};
	_cleanup_json_ json_object *args = json_object_new_object(), *parsed = NULL;
	_cleanup_free_ char *text = NULL;
	char err[ZJ_POLICYOPS_ERR_MAX] = "";
	struct zj_policy *p = NULL;
	const char *file, *compact;
	bool diff = false;
	size_t len = 0;
	int o, r, code = 0;

	if (!args)
		return fail(c, EXIT_FAILED, "out of memory");
	optind = 0;
	while ((o = next_opt(c, argc, argv, opts, "policy apply", "--diff", &code)) != -1) {
		if (o == '?')
			return code;
		diff = true;
	}
	if (optind != argc - 1)
		return usage_error(c, "policy apply", "policy apply [--diff] FILE");
	file = argv[optind];
	r = zj_policyfile_read(file, &text, &len, NULL);
	if (r < 0)
		return fail(c, EXIT_FAILED, "policy apply: cannot read %s: %s", file, strerror(-r));
	r = zj_policy_from_json(text, len, file, &p, err, sizeof(err));
	zj_policy_free(p);
	if (r < 0)
		return fail(c, EXIT_FAILED, "policy apply: %s; nothing changed", err);
	/* one line on the wire: the control socket takes ZJ_CONTROL_REQUEST_MAX bytes */
	parsed = json_tokener_parse(text);
	compact = parsed ? json_object_to_json_string_ext(parsed, JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE)
			 : NULL;
	if (!compact)
		return fail(c, EXIT_FAILED, "out of memory");
	json_object_object_add(args, "policy", json_object_new_string(compact));
	json_object_object_add(args, "name", json_object_new_string(file));
	if (diff)
		json_object_object_add(args, "dry_run", json_object_new_boolean(true));
	return run_request(c, "policy.apply", args, render_policy_apply);
}

/* ---- protect ----------------------------------------------------------------------------- */

/*
 * The kernel reports executables with symlinks resolved (/usr/bin/python3 runs as
 * /usr/bin/python3.11): a path that exists is stored resolved, or it would never match.
 */
static const char *resolve_exe(struct ctl *c, const char *path, char *buf)
{
	if (path[0] != '/' || !realpath(path, buf) || strcmp(buf, path) == 0)
		return path;
	if (!c->json)
		fprintf(stderr, "%s resolves to %s, the name the kernel reports: using that\n",
			path, buf);
	return buf;
}

static void render_protect_change(struct ctl *c, json_object *reply, const char *what)
{
	printf("%s %s\n", what, jstr(reply, "path"));
}

static void render_protect_add(struct ctl *c, json_object *reply)
{
	render_protect_change(c, reply, "protected:");
}

static void render_protect_del(struct ctl *c, json_object *reply)
{
	render_protect_change(c, reply, "no longer protected:");
}

static void render_protect_list(struct ctl *c, json_object *reply)
{
	json_object *a = jget(reply, "protected", json_type_array);
	size_t len = a ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < len; i++)
		printf("%s\n", json_object_get_string(json_object_array_get_idx(a, i)));
}

static int do_protect_add(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_object *args = json_object_new_object();
	char buf[PATH_MAX];

	if (argc != 2)
		return usage_error(c, "protect add", "protect add PATH (e.g. /usr/sbin/sshd)");
	json_object_object_add(args, "path", json_object_new_string(resolve_exe(c, argv[1], buf)));
	return run_request(c, "protect.add", args, render_protect_add);
}

static int do_protect_del(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_object *args = json_object_new_object();

	if (argc != 2)
		return usage_error(c, "protect del",
				   "protect del PATH (see `zhijiactl protect list`)");
	json_object_object_add(args, "path", json_object_new_string(argv[1]));
	return run_request(c, "protect.del", args, render_protect_del);
}

static int do_protect_list(struct ctl *c, int argc, char **argv)
{
	if (argc != 1)
		return usage_error(c, "protect list", "protect list");
	return run_request(c, "protect.list", NULL, render_protect_list);
}

/* ---- allow ------------------------------------------------------------------------------- */

static void print_exception(json_object *e)
{
	json_object *uid = jget(e, "uid", json_type_int);
	const char *exe = jstr(e, "exe"), *parent = jstr(e, "parent"),
		   *comment = jstr(e, "comment");

	printf("#%d  %s", json_object_get_int(jget(e, "number", json_type_int)),
	       jstr(e, "technique") ?: "?");
	if (exe)
		printf("  exe=%s", exe);
	if (uid)
		printf("  uid=%" PRId64, json_object_get_int64(uid));
	if (parent)
		printf("  parent=%s", parent);
	if (comment)
		printf("  # %s", comment);
	printf("\n");
}

static void render_allow_add(struct ctl *c, json_object *reply)
{
	printf("added exception ");
	print_exception(jget(reply, "exception", json_type_object));
}

static void render_allow_del(struct ctl *c, json_object *reply)
{
	printf("deleted exception ");
	print_exception(jget(reply, "exception", json_type_object));
}

static void render_allow_list(struct ctl *c, json_object *reply)
{
	json_object *a = jget(reply, "exceptions", json_type_array);
	size_t len = a ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < len; i++)
		print_exception(json_object_array_get_idx(a, i));
}

/* A uid, or a user name.  -EINVAL. */
static int parse_uid(const char *s, int64_t *ret)
{
	struct passwd *pw;
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!errno && end != s && !*end && v >= 0 && v <= UINT32_MAX) {
		*ret = v;
		return 0;
	}
	pw = getpwnam(s);
	if (!pw)
		return -EINVAL;
	*ret = pw->pw_uid;
	return 0;
}

static int do_allow_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"exe", required_argument, NULL, 'e'},
		{"uid", required_argument, NULL, 'u'},
		{"parent", required_argument, NULL, 'p'},
		{"comment", required_argument, NULL, 'c'},
		{},
	};
	static const char usage[] = "allow add TECHNIQUE [--exe PATH] [--uid UID|USER] "
				    "[--parent PATH] [--comment TEXT] (TECHNIQUE: an id such as "
				    "T1055.008, or '*' for every technique)";
	_cleanup_json_ json_object *args = json_object_new_object();
	char ebuf[PATH_MAX], pbuf[PATH_MAX];
	int o, code = 0;
	int64_t uid;

	if (!args)
		return fail(c, EXIT_FAILED, "out of memory");
	optind = 0;
	while ((o = next_opt(c, argc, argv, opts, "allow add",
			     "--exe PATH, --uid UID|USER, --parent PATH, --comment TEXT", &code)) !=
	       -1) {
		switch (o) {
		case '?':
			return code;
		case 'e':
			json_object_object_add(
				args, "exe", json_object_new_string(resolve_exe(c, optarg, ebuf)));
			break;
		case 'p':
			json_object_object_add(
				args, "parent",
				json_object_new_string(resolve_exe(c, optarg, pbuf)));
			break;
		case 'c':
			json_object_object_add(args, "comment", json_object_new_string(optarg));
			break;
		case 'u':
			if (parse_uid(optarg, &uid) < 0)
				return fail(
					c, EXIT_USAGE,
					"allow add: --uid '%s' is neither a uid (0..4294967295) "
					"nor a known user name",
					optarg);
			json_object_object_add(args, "uid", json_object_new_int64(uid));
			break;
		}
	}
	if (argc - optind != 1)
		return usage_error(c, "allow add", usage);
	json_object_object_add(args, "technique", json_object_new_string(argv[optind]));
	return run_request(c, "allow.add", args, render_allow_add);
}

static int do_allow_del(struct ctl *c, int argc, char **argv)
{
	_cleanup_json_ json_object *args = json_object_new_object();
	char *end;
	long v;

	if (argc != 2)
		return usage_error(c, "allow del", "allow del NUMBER (see `zhijiactl allow list`)");
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || v < 1)
		return fail(
			c, EXIT_USAGE,
			"allow del: '%s' is not an exception number; see `zhijiactl allow list`",
			argv[1]);
	json_object_object_add(args, "number", json_object_new_int64(v));
	return run_request(c, "allow.del", args, render_allow_del);
}

static int do_allow_list(struct ctl *c, int argc, char **argv)
{
	if (argc != 1)
		return usage_error(c, "allow list", "allow list");
	return run_request(c, "allow.list", NULL, render_allow_list);
}

/* ---- status ------------------------------------------------------------------------------ */

static void print_scalar(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		fputs(json_object_get_string(v), stdout);
	else if (json_object_is_type(v, json_type_null))
		fputs("-", stdout);
	else if (json_object_is_type(v, json_type_boolean))
		fputs(json_object_get_boolean(v) ? "yes" : "no", stdout);
	else
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE),
		      stdout);
}

static bool is_scalar(json_object *v)
{
	return !json_object_is_type(v, json_type_object) &&
	       !json_object_is_type(v, json_type_array);
}

/* An object as "key  value" lines, keys aligned; nested objects indented under their key. */
static void print_object(json_object *o, int indent)
{
	size_t kw = 0;

	json_object_object_foreach(o, k0, v0)
	{
		(void)v0;
		if (indent > 0 || strcmp(k0, "ok") != 0)
			kw = strlen(k0) > kw ? strlen(k0) : kw;
	}
	json_object_object_foreach(o, key, val)
	{
		if (indent == 0 && strcmp(key, "ok") == 0)
			continue;
		if (val && json_object_is_type(val, json_type_object)) {
			printf("%*s%s:\n", indent * 2, "", key);
			print_object(val, indent + 1);
			continue;
		}
		printf("%*s%-*s  ", indent * 2, "", (int)kw, key);
		if (val && json_object_is_type(val, json_type_array)) {
			size_t n = json_object_array_length(val);

			for (size_t i = 0; i < n; i++) {
				json_object *e = json_object_array_get_idx(val, i);

				if (e && !is_scalar(e)) {
					printf("\n");
					print_object(e, indent + 2);
					continue;
				}
				if (i)
					fputs(", ", stdout);
				print_scalar(e);
			}
			printf(n ? "\n" : "-\n");
			continue;
		}
		print_scalar(val);
		printf("\n");
	}
}

static void render_status(struct ctl *c, json_object *reply)
{
	print_object(reply, 0);
}

/* Is pid still running (not gone, and not a zombie its parent has yet to reap)? */
static bool still_running(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool run = false;

	if (kill(pid, 0) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		run = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return run;
}

/* zhijiad says yes and gives its pid; wait (10 s at most) until that process is gone. */
static void render_stop(struct ctl *c, json_object *reply)
{
	json_object *v = NULL;
	int64_t pid = json_object_object_get_ex(reply, "pid", &v) ? json_object_get_int64(v) : 0;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
	int i;

	for (i = 0; pid > 0 && i < 200 && still_running((pid_t)pid); i++)
		(void)nanosleep(&ts, NULL);
	if (c->json)
		return;
	if (pid > 0 && i == 200)
		printf("zhijiad (pid %lld) was asked to stop and is still running after 10 s\n",
		       (long long)pid);
	else
		printf("zhijiad (pid %lld) stopped\n", (long long)pid);
}

static int do_stop(struct ctl *c, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "now") != 0)
		return usage_error(c, "stop", "stop");
	if (argc > 2)
		return usage_error(c, "stop", "stop");
	return run_request(c, "stop", NULL, render_stop);
}

static void render_prometheus(struct ctl *c, json_object *reply)
{
	struct zj_buf b = {0};

	if (zj_metrics_format(reply, &b) < 0)
		fprintf(stderr, "out of memory\n");
	else
		fwrite(b.data, 1, b.len, stdout);
	zj_buf_free(&b);
}

static int do_status(struct ctl *c, int argc, char **argv)
{
	bool prom = argc == 2 && strcmp(argv[1], "--prometheus") == 0;

	if (argc > 1 && !prom)
		return usage_error(c, "status", "status [--prometheus]");
	if (prom) {
		/* the exposition is the output: --json does not apply */
		bool json = c->json;
		int r;

		c->json = false;
		r = run_request(c, "status", NULL, render_prometheus);
		c->json = json;
		return r;
	}
	return run_request(c, "status", NULL, render_status);
}

/* ---- events ------------------------------------------------------------------------------ */

struct filter {
	bool valid_only; /* --json: skip lines that are not JSON objects (a torn write) */
	const char *type;
	char technique[ZJ_TECHNIQUE_ID_MAX]; /* "" none; a technique also matches its subs */
	int64_t since_ns;		     /* INT64_MIN: none */
};

static int digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -EINVAL;
		v = v * 10 + (**p - '0');
	}
	*ret = v;
	return 0;
}

/* RFC 3339 date-time ("2026-11-28T06:20:00.123456789Z", "...+08:00") to ns since the epoch. */
static int parse_rfc3339(const char *s, int64_t *ret_ns)
{
	int year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0;
	const char *p = s;
	int64_t frac = 0, scale = 100000000;
	struct tm tm = {0};
	time_t t;

	if (digits(&p, 4, &year) < 0 || *p++ != '-' || digits(&p, 2, &mon) < 0 || *p++ != '-' ||
	    digits(&p, 2, &day) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if (digits(&p, 2, &hour) < 0 || *p++ != ':' || digits(&p, 2, &min) < 0 || *p++ != ':' ||
	    digits(&p, 2, &sec) < 0)
		return -EINVAL;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	t -= sign * (oh * 3600 + om * 60);
	*ret_ns = (int64_t)t * 1000000000 + frac;
	return 0;
}

/* "10m", "2h", "1d", "1h30m" (s, m, h, d, w) before now, or RFC 3339. */
static int parse_since(const char *s, int64_t *ret_ns)
{
	struct timespec now;
	const char *p = s;
	int64_t secs = 0;

	if (parse_rfc3339(s, ret_ns) == 0)
		return 0;
	if (!*p)
		return -EINVAL;
	while (*p) {
		int64_t v = 0, unit;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (*p - '0');
			if (v > 100000000)
				return -EINVAL;
		}
		switch (*p++) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		case 'w':
			unit = 7 * 86400;
			break;
		default:
			return -EINVAL;
		}
		secs += v * unit;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	*ret_ns = ((int64_t)now.tv_sec - secs) * 1000000000 + now.tv_nsec;
	return 0;
}

static bool technique_matches(const struct filter *f, const char *id)
{
	size_t n = strlen(f->technique);

	if (strcmp(id, f->technique) == 0)
		return true;
	/* a technique filter ("T1055") takes its sub-techniques ("T1055.008") */
	return !strchr(f->technique, '.') && strncmp(id, f->technique, n) == 0 && id[n] == '.';
}

static bool event_matches(const struct filter *f, const char *line, size_t len)
{
	_cleanup_json_ json_object *ev = NULL;
	json_object *findings;
	const char *s;
	int64_t ns;
	bool hit;

	if (!f->valid_only && !f->type && !f->technique[0] && f->since_ns == INT64_MIN)
		return true;
	ev = json_tokener_parse(line);
	(void)len;
	if (!ev || !json_object_is_type(ev, json_type_object))
		return false;
	if (f->type && (!(s = jstr(ev, "type")) || strcmp(s, f->type) != 0))
		return false;
	if (f->since_ns != INT64_MIN &&
	    (!(s = jstr(ev, "time")) || parse_rfc3339(s, &ns) < 0 || ns < f->since_ns))
		return false;
	if (!f->technique[0])
		return true;
	findings = jget(ev, "findings", json_type_array);
	hit = false;
	for (size_t i = 0; findings && i < json_object_array_length(findings) && !hit; i++) {
		s = jstr(json_object_array_get_idx(findings, i), "technique");
		hit = s && technique_matches(f, s);
	}
	return hit;
}

/* A new file at path (rotated away, or truncated below what was read)? */
static bool log_replaced(const char *path, FILE *f)
{
	struct stat a, b;

	if (stat(path, &a) < 0 || fstat(fileno(f), &b) < 0)
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev || a.st_size < ftello(f);
}

static int do_events_show(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"technique", required_argument, NULL, 'T'},
		{"since", required_argument, NULL, 's'},
		{"follow", no_argument, NULL, 'F'},
		{"format", required_argument, NULL, 'o'},
		{},
	};
	enum zj_output_format fmt = ZJ_OUTPUT_JSON;
	struct zj_siem_host host;
	_cleanup_(zj_buf_free) struct zj_buf conv = {0};
	struct filter f = {.valid_only = c->json, .since_ns = INT64_MIN};
	_cleanup_fclose_ FILE *in = NULL;
	_cleanup_free_ char *line = NULL, *part = NULL;
	char err[ZJ_POLICYOPS_ERR_MAX];
	const struct zj_technique *t;
	size_t cap = 0, part_len = 0;
	bool follow = false, replaced = false;
	int o, code = 0;
	ssize_t n;

	optind = 0;
	while ((o = next_opt(c, argc, argv, opts, "events",
			     "--type TYPE, --technique ID, --since TIME, --follow, --format F",
			     &code)) != -1) {
		switch (o) {
		case '?':
			return code;
		case 't':
			f.type = optarg;
			break;
		case 'T':
			if (zj_policy_find_technique(optarg, &t, err, sizeof(err)) < 0)
				return fail(c, EXIT_USAGE, "events: --technique: %s", err);
			snprintf(f.technique, sizeof(f.technique), "%s", t->id);
			break;
		case 's':
			if (parse_since(optarg, &f.since_ns) < 0)
				return fail(
					c, EXIT_USAGE,
					"events: --since '%s' is not a time; give RFC 3339 "
					"(2026-11-28T06:20:00Z, 2026-11-28T14:20:00+08:00) or a "
					"time before now such as 30s, 10m, 2h, 1d, 1h30m",
					optarg);
			break;
		case 'F':
			follow = true;
			break;
		case 'o':
			if (zj_output_format_parse(optarg, &fmt) < 0)
				return fail(c, EXIT_USAGE,
					    "events: --format '%s'; valid: json, ocsf, ecs", optarg);
			break;
		}
	}
	if (optind < argc)
		return fail(c, EXIT_USAGE,
			    "events: unexpected '%s'; valid: --type TYPE, --technique ID, --since "
			    "TIME, --follow",
			    argv[optind]);
	zj_siem_host_read(&host, NULL, ZJ_VERSION);
	in = fopen(c->event_log, "re");
	if (!in)
		return fail(c, EXIT_FAILED, "cannot open the event log %s: %s", c->event_log,
			    strerror(errno));
	for (;;) {
		while ((n = getline(&line, &cap, in)) > 0) {
			const char *l = line;
			size_t len = (size_t)n;

			if (line[n - 1] != '\n' && follow) {
				/* the writer is mid-line: keep the start for the next round */
				char *np = realloc(part, part_len + len + 1);

				if (!np)
					return fail(c, EXIT_FAILED, "out of memory");
				part = np;
				memcpy(part + part_len, line, len + 1);
				part_len += len;
				continue;
			}
			if (part_len) {
				char *np = realloc(part, part_len + len + 1);

				if (!np)
					return fail(c, EXIT_FAILED, "out of memory");
				part = np;
				memcpy(part + part_len, line, len + 1);
				l = part;
				len += part_len;
				part_len = 0;
			}
			if (!event_matches(&f, l, len))
				continue;
			if (fmt != ZJ_OUTPUT_JSON) {
				/* a line that is not JSON (a torn write) has no conversion */
				conv.len = 0;
				if (zj_siem_convert_line(fmt, l, len, &host, &conv) == 0)
					fwrite(conv.data, 1, conv.len, stdout);
				continue;
			}
			fputs(l, stdout);
			if (l[len - 1] != '\n')
				putchar('\n');
		}
		if (!follow)
			break;
		if (replaced) {
			/* what the old file got before it was replaced has been read: switch */
			FILE *nf = fopen(c->event_log, "re");

			replaced = false;
			if (nf) {
				fclose(in);
				in = nf;
				part_len = 0;
				continue;
			}
		}
		fflush(stdout);
		if (ferror(stdout))
			return EXIT_FAILED;
		clearerr(in);
		usleep(FOLLOW_POLL_USEC);
		replaced = log_replaced(c->event_log, in);
	}
	if (ferror(in))
		return fail(c, EXIT_FAILED, "cannot read the event log %s: %s", c->event_log,
			    strerror(errno));
	return 0;
}

/* ---- rules and scan ---------------------------------------------------------------------- */

static void render_rules_reload(struct ctl *c, json_object *reply)
{
	json_object *n = jget(reply, "rules", json_type_int);
	json_object *a = jget(reply, "allow_sha256", json_type_int);

	printf("rules reloaded: %" PRId64 " rules, %" PRId64 " allow-listed SHA-256\n",
	       n ? json_object_get_int64(n) : 0, a ? json_object_get_int64(a) : 0);
}

static int do_rules_reload(struct ctl *c, int argc, char **argv)
{
	if (argc > 1)
		return usage_error(c, "rules reload", "rules reload");
	return run_request(c, "rules.reload", NULL, render_rules_reload);
}

#define SCAN_TIMEOUT_S 60
#define EXIT_SCAN_MATCH 1
#define EXIT_SCAN_ERROR 2

struct scan_run {
	struct ctl *c;
	struct zj_rules *rules;
	struct zj_allow *allow;
	json_object *files; /* --json */
	uint64_t n, clean, match, allowed, error;
};

/* One file: print (or collect) its verdict and count it. */
static void scan_one(struct scan_run *s, const char *path)
{
	struct zj_verdict v;
	bool allowed;
	int r;

	r = zj_rules_scan_path(s->rules, path, SCAN_TIMEOUT_S, &v);
	if (r < 0) {
		memset(&v, 0, sizeof(v));
		v.state = ZJ_VERDICT_ERROR;
		v.error = r;
	}
	allowed = v.state == ZJ_VERDICT_MATCH && zj_allow_has(s->allow, v.sha256);
	s->n++;
	if (v.state == ZJ_VERDICT_CLEAN)
		s->clean++;
	else if (allowed)
		s->allowed++;
	else if (v.state == ZJ_VERDICT_MATCH)
		s->match++;
	else
		s->error++;
	if (s->c->json) {
		json_object *o = json_object_new_object(), *m = json_object_new_array();

		if (!o || !m || !s->files) {
			json_object_put(o);
			json_object_put(m);
			return;
		}
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "state",
				       json_object_new_string(zj_verdict_name(v.state)));
		for (uint32_t i = 0; i < v.n_matches && i < ZJ_SCAN_MATCH_MAX; i++)
			json_object_array_add(m, json_object_new_string(v.matches[i]));
		json_object_object_add(o, "matches", m);
		json_object_object_add(o, "allowed", json_object_new_boolean(allowed));
		if (v.sha256[0])
			json_object_object_add(o, "sha256", json_object_new_string(v.sha256));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)v.size));
		if (v.error)
			json_object_object_add(o, "error",
					       json_object_new_string(zj_verdict_error(v.error)));
		json_object_array_add(s->files, o);
		return;
	}
	if (v.state == ZJ_VERDICT_MATCH) {
		printf("%s: %s", path, allowed ? "match, allow-listed:" : "MATCH");
		for (uint32_t i = 0; i < v.n_matches && i < ZJ_SCAN_MATCH_MAX; i++)
			printf("%s %s", i ? "," : "", v.matches[i]);
		printf(" sha256=%s\n", v.sha256);
	} else if (v.state == ZJ_VERDICT_CLEAN) {
		printf("%s: clean\n", path);
	} else {
		printf("%s: %s%s%s\n", path, zj_verdict_name(v.state), v.error ? ": " : "",
		       v.error ? zj_verdict_error(v.error) : "");
	}
}

/* nftw() passes no user data: the run in progress (a main() file; one scan at a time). */
static struct scan_run *scan_walk_run;

static int scan_walk(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if ((flag == FTW_F && S_ISREG(st->st_mode)) || flag == FTW_DNR || flag == FTW_NS)
		scan_one(scan_walk_run, path); /* unreadable ones are reported as errors */
	return 0;
}

static int do_scan_files(struct ctl *c, int argc, char **argv)
{
	struct scan_run s = {.c = c};
	char err[512] = "";
	int r, code;

	if (argc < 2)
		return usage_error(c, "scan", "scan PATH... (files; directories are walked)");
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return fail(c, EXIT_USAGE,
				    "scan: unknown option '%s'; valid: --json, --rules DIR; for a "
				    "file whose name starts with '-' write ./%s",
				    argv[i], argv[i]);
	r = zj_scan_library_init();
	if (r < 0)
		return fail(c, EXIT_SCAN_ERROR, "cannot initialise libyara: %s", strerror(-r));
	r = zj_rules_compile_dir(c->rules_dir, &s.rules, err, sizeof(err));
	if (r == 0)
		r = zj_allow_load_dir(c->rules_dir, &s.allow, err, sizeof(err));
	if (r < 0) {
		zj_rules_unref(s.rules);
		zj_scan_library_done();
		return fail(c, EXIT_SCAN_ERROR, "rules in %s: %s", c->rules_dir,
			    err[0] ? err : strerror(-r));
	}
	if (c->json)
		s.files = json_object_new_array();
	if (!zj_rules_count(s.rules) && !c->json)
		fprintf(stderr, "zhijiactl: no rules in %s: every file is clean\n", c->rules_dir);
	scan_walk_run = &s;
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (nftw(argv[i], scan_walk, 16, FTW_PHYS) < 0)
				scan_one(&s, argv[i]);
		} else {
			scan_one(&s, argv[i]);
		}
	}
	scan_walk_run = NULL;
	/* a match outweighs an error: it is what the caller must act on */
	code = s.match ? EXIT_SCAN_MATCH : s.error ? EXIT_SCAN_ERROR : 0;
	if (c->json) {
		_cleanup_json_ json_object *o = json_object_new_object();

		if (!o)
			return fail(c, EXIT_SCAN_ERROR, "out of memory");
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "rules_dir", json_object_new_string(c->rules_dir));
		json_object_object_add(o, "rules",
				       json_object_new_int64((int64_t)zj_rules_count(s.rules)));
		json_object_object_add(o, "files", s.files);
		json_object_object_add(o, "scanned", json_object_new_int64((int64_t)s.n));
		json_object_object_add(o, "clean", json_object_new_int64((int64_t)s.clean));
		json_object_object_add(o, "match", json_object_new_int64((int64_t)s.match));
		json_object_object_add(o, "allowed", json_object_new_int64((int64_t)s.allowed));
		json_object_object_add(o, "error", json_object_new_int64((int64_t)s.error));
		json_object_object_add(o, "exit_status", json_object_new_int(code));
		print_json(o);
	} else {
		fprintf(stderr,
			"zhijiactl: %" PRIu64 " files: %" PRIu64 " clean, %" PRIu64
			" match, %" PRIu64 " allow-listed, %" PRIu64 " errors\n",
			s.n, s.clean, s.match, s.allowed, s.error);
	}
	zj_allow_free(s.allow);
	zj_rules_unref(s.rules);
	zj_scan_library_done();
	return code;
}

/* ---- tables ------------------------------------------------------------------------------ */

static const struct cmd protect_cmds[] = {
	{"add", do_protect_add,
	 "protect add PATH           protect an application (alerts by default)"},
	{"del", do_protect_del, "protect del PATH           stop protecting it"},
	{"list", do_protect_list, "protect list               protected applications"},
	{},
};

static const struct cmd allow_cmds[] = {
	{"add", do_allow_add,
	 "allow add TECHNIQUE [--exe PATH] [--uid UID|USER] [--parent PATH] [--comment TEXT]\n"
	 "                             add an exception (TECHNIQUE: T1055.008, T1055 or '*')"},
	{"del", do_allow_del, "allow del NUMBER           delete exception NUMBER"},
	{"list", do_allow_list, "allow list                 exceptions, numbered"},
	{},
};

static int run_noun(struct ctl *c, const char *name, const struct cmd *verbs,
		    const char *default_verb, int argc, char **argv);
static int run_noun_operands(struct ctl *c, const struct noun *n, int argc, char **argv);

static int do_policy_protect(struct ctl *c, int argc, char **argv)
{
	return run_noun(c, "policy protect", protect_cmds, NULL, argc, argv);
}

static int do_policy_allow(struct ctl *c, int argc, char **argv)
{
	return run_noun(c, "policy allow", allow_cmds, NULL, argc, argv);
}

static const struct cmd policy_cmds[] = {
	{"list", do_policy_list,
	 "policy list [--tactic TACTIC] [--all] [--coverage]\n"
	 "                             tactic > technique > sub-technique, each with its action;\n"
	 "                             --coverage: per tactic, what ATT&CK has and zhijia covers"},
	{"get", do_policy_get, "policy get ID              one (sub-)technique and its action"},
	{"set", do_policy_set,
	 "policy set ID ACTION       ACTION: block, alert, record, off, default"},
	{"reset", do_policy_reset, "policy reset [ID...]       back to default (all without ID)"},
	{"export", do_policy_export,
	 "policy export              the whole effective policy, as a file `apply` takes"},
	{"apply", do_policy_apply,
	 "policy apply [--diff] FILE make the policy FILE's, all or nothing (--diff: show\n"
	 "                             what would change, change nothing)"},
	{"protect", do_policy_protect, NULL},
	{"allow", do_policy_allow, NULL},
	{},
};

static const struct cmd stop_cmds[] = {
	{"now", do_stop, "stop                       stop zhijiad and wait until it has exited (how\n"
			 "                             root stops a zhijiad that protects itself)"},
	{},
};

static const struct cmd status_cmds[] = {
	{"show", do_status,
	 "status [--prometheus]      zhijiad's kernel features, mode, counters (--prometheus:\n"
	 "                             as Prometheus text for node_exporter's textfile collector)"},
	{},
};

static const struct cmd events_cmds[] = {
	{"show", do_events_show,
	 "events [--type TYPE] [--technique ID] [--since TIME] [--follow] [--format F]\n"
	 "                             F: json (zhijia's own), ocsf (OCSF 1.3), ecs (Elastic)\n"
	 "                             the event log; TIME: RFC 3339, or 10m, 2h, 1d before now"},
	{},
};

/* arr and quarantine run in zhijiactl itself (arr-cli.h) */
#define ARR_CLI(c) (&(struct zj_arr_cli){.json = (c)->json, .event_log = (c)->event_log})

static int do_arr_validate(struct ctl *c, int argc, char **argv)
{
	return zj_arr_cli_validate(ARR_CLI(c), argc, argv);
}

static int do_arr_dry_run(struct ctl *c, int argc, char **argv)
{
	return zj_arr_cli_dry_run(ARR_CLI(c), argc, argv);
}

static int do_arr_run(struct ctl *c, int argc, char **argv)
{
	return zj_arr_cli_run(ARR_CLI(c), argc, argv);
}

static int do_arr_inbox(struct ctl *c, int argc, char **argv)
{
	return zj_arr_cli_inbox(ARR_CLI(c), argc, argv);
}

static int do_quarantine_list(struct ctl *c, int argc, char **argv)
{
	return zj_arr_cli_quarantine_list(ARR_CLI(c), argc, argv);
}

static int do_quarantine_restore(struct ctl *c, int argc, char **argv)
{
	return zj_arr_cli_quarantine_restore(ARR_CLI(c), argc, argv);
}

static const struct cmd arr_cmds[] = {
	{"validate", do_arr_validate, ZJ_ARR_CLI_USAGE},
	{"dry-run", do_arr_dry_run, NULL},
	{"run", do_arr_run, NULL},
	{"inbox", do_arr_inbox, NULL},
	{},
};

static const struct cmd quarantine_cmds[] = {
	{"list", do_quarantine_list, ZJ_QUARANTINE_CLI_USAGE},
	{"restore", do_quarantine_restore, NULL},
	{},
};

static const struct cmd rules_cmds[] = {
	{"reload", do_rules_reload,
	 "rules reload               zhijiad recompiles its YARA rules (the old stay on error)"},
	{},
};

static const struct cmd scan_cmds[] = {
	{"files", do_scan_files,
	 "scan PATH...               YARA verdict per file, here (exit 0 clean, 1 match,\n"
	 "                             2 error); directories are walked"},
	{},
};

static const struct noun nouns[] = {
	{"policy", policy_cmds, NULL},	 {"protect", protect_cmds, NULL},
	{"allow", allow_cmds, NULL},	 {"status", status_cmds, "show"},
	{"events", events_cmds, "show"},
	{"arr", arr_cmds, NULL},	 {"quarantine", quarantine_cmds, NULL},
	{"rules", rules_cmds, NULL},	 {"scan", scan_cmds, "files"},
	{"stop", stop_cmds, "now"},
};

static const char noun_names[] =
	"policy, protect, allow, status, events, arr, quarantine, rules, scan, stop";

static void help(void)
{
	printf("Usage: zhijiactl [--json] [--socket PATH] [--policy PATH] [--event-log PATH] "
	       "NOUN VERB [ARGS]\n\n");
	for (size_t i = 0; i < ELEMENTSOF(nouns); i++)
		for (const struct cmd *v = nouns[i].verbs; v->name; v++)
			if (v->usage)
				printf("  %s\n", v->usage);
	printf("\nNouns and verbs may be shortened to an unambiguous prefix; `policy protect` and\n"
	       "`policy allow` are the same as `protect` and `allow`.  Changes need root.  When\n"
	       "zhijiad is not running, policy, protect and allow work on the policy file.\n\n"
	       "  --json            every output as JSON (events: the log's JSON lines)\n"
	       "  --socket PATH     zhijiad's control socket (" ZJ_CONTROL_PATH ")\n"
	       "  --policy PATH     the policy file used when zhijiad is not running\n"
	       "                    (" ZJ_POLICY_PATH ")\n"
	       "  --event-log PATH  the event log (" DEFAULT_EVENT_LOG ")\n"
	       "  --rules DIR       the YARA rules `scan` uses (" ZJ_RULES_DIR ")\n\n"
	       "Exit status: 0 done, 1 failed or refused, 2 wrong command line.  scan: 0 every\n"
	       "file clean (or allow-listed), 1 a match, 2 an error and no match.\n");
}

/* argv[0] is the noun; argv[1], if any, the verb. */
static int run_noun(struct ctl *c, const char *name, const struct cmd *verbs,
		    const char *default_verb, int argc, char **argv)
{
	const struct cmd *verb = NULL;
	char names[256];
	int r;

	list_names(verbs, names, sizeof(names));
	if (default_verb && (argc < 2 || argv[1][0] == '-')) {
		r = find_cmd(verbs, default_verb, &verb);
		return r < 0 ? fail(c, EXIT_USAGE, "%s: no verb %s", name, default_verb)
			     : verb->fn(c, argc, argv);
	}
	if (argc < 2)
		return fail(c, EXIT_USAGE, "%s: missing verb; valid: %s", name, names);
	r = find_cmd(verbs, argv[1], &verb);
	if (r < 0)
		return fail(c, EXIT_USAGE, "%s: %s verb '%s'; valid: %s", name,
			    r == -EINVAL ? "ambiguous" : "unknown", argv[1], names);
	return verb->fn(c, argc - 1, argv + 1);
}

/* A noun whose words after it are operands (scan PATH...): its one verb runs on them. */
static int run_noun_operands(struct ctl *c, const struct noun *n, int argc, char **argv)
{
	const struct cmd *verb = NULL;

	if (find_cmd(n->verbs, n->default_verb, &verb) < 0)
		return fail(c, EXIT_USAGE, "%s: no verb %s", n->name, n->default_verb);
	return verb->fn(c, argc, argv);
}

/*
 * Take the global options out of argv, wherever they are (`policy list --json` as well as
 * `--json policy list`), up to a "--".  Returns 0, 1 for --help, or an exit code > 1.
 */
static int global_options(struct ctl *c, int *argc, char **argv)
{
	const char **values[] = {&c->socket_path, &c->policy_path, &c->event_log, &c->rules_dir};
	const char *names[] = {"--socket", "--policy", "--event-log", "--rules"};
	int in, out = 1;

	for (in = 1; in < *argc; in++) {
		const char *a = argv[in];
		bool taken = false;

		if (strcmp(a, "--") == 0) {
			while (in < *argc)
				argv[out++] = argv[in++];
			break;
		}
		if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0) {
			c->json = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return 1;
		for (size_t i = 0; i < ELEMENTSOF(names) && !taken; i++) {
			size_t n = strlen(names[i]);

			if (strncmp(a, names[i], n) != 0 || (a[n] != '\0' && a[n] != '='))
				continue;
			taken = true;
			if (a[n] == '=') {
				*values[i] = a + n + 1;
			} else if (in + 1 < *argc) {
				*values[i] = argv[++in];
			} else {
				return fail(c, EXIT_USAGE, "%s needs a PATH", names[i]);
			}
			if (!**values[i])
				return fail(c, EXIT_USAGE, "%s needs a PATH", names[i]);
		}
		if (!taken)
			argv[out++] = argv[in];
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c = {
		.json = false,
		.event_log = DEFAULT_EVENT_LOG,
		.socket_path = ZJ_CONTROL_PATH,
		.policy_path = ZJ_POLICY_PATH,
		.rules_dir = ZJ_RULES_DIR,
	};
	size_t i, noun = 0, hits = 0;
	int r;

	zj_log_setup("zhijiactl", ZJ_LOG_INFO);
	r = global_options(&c, &argc, argv);
	if (r == 1) {
		help();
		return 0;
	}
	if (r > 1)
		return r;
	if (argc < 2)
		return fail(&c, EXIT_USAGE, "missing command; valid nouns: %s (see --help)",
			    noun_names);
	if (argv[1][0] == '-')
		return fail(&c, EXIT_USAGE,
			    "unknown option '%s'; valid: --json, --socket PATH, --policy PATH, "
			    "--event-log PATH, --rules DIR, --help",
			    argv[1]);
	for (i = 0; i < ELEMENTSOF(nouns); i++) {
		if (strcmp(nouns[i].name, argv[1]) == 0) {
			noun = i;
			hits = 1;
			break;
		}
		if (strncmp(nouns[i].name, argv[1], strlen(argv[1])) == 0) {
			noun = i;
			hits++;
		}
	}
	if (hits != 1)
		return fail(&c, EXIT_USAGE, "%s command '%s'; valid nouns: %s",
			    hits ? "ambiguous" : "unknown", argv[1], noun_names);
	for (i = 0; operand_nouns[i]; i++)
		if (strcmp(operand_nouns[i], nouns[noun].name) == 0)
			return run_noun_operands(&c, &nouns[noun], argc - 1, argv + 1);
	return run_noun(&c, nouns[noun].name, nouns[noun].verbs, nouns[noun].default_verb, argc - 1,
			argv + 1);
}
