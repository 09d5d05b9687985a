/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiactl NOUN VERB: the administrator's tool.  Commands come from a table (bpftool's
 * do_<cmd>); unambiguous prefixes are accepted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "util.h"

#define DEFAULT_EVENT_LOG "/var/log/zhijia/events.jsonl"

struct ctl {
	bool json;
	const char *event_log;
};

struct cmd {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *help;
};

static int find_cmd(const struct cmd *table, const char *word, const struct cmd **ret)
{
	const struct cmd *hit = NULL;
	size_t n = strlen(word);
	int matches = 0;

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

static void list_cmds(const struct cmd *t, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; t->name && o < len; t++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", t->name);
}

static int fail(struct ctl *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ctl *c, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		fprintf(stderr, "zhijiactl: %s\n", msg);
	}
	return code;
}

/*
 * events [--type TYPE] [--follow]: the event log, optionally filtered by event type; with
 * --follow, keeps printing what is appended.
 */
static int do_events_show(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"follow", no_argument, NULL, 'F'},
		{},
	};
	const char *type = NULL;
	bool follow = false;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		if (o == 't')
			type = optarg;
		else if (o == 'F')
			follow = true;
		else
			return fail(c, 2, "events: valid options: --type TYPE, --follow");
	}
	f = fopen(c->event_log, "re");
	if (!f)
		return fail(c, 1, "cannot open the event log '%s': %s", c->event_log,
			    strerror(errno));
	for (;;) {
		while ((n = getline(&line, &cap, f)) > 0) {
			json_object *ev, *t;

			if (type) {
				ev = json_tokener_parse(line);
				if (!ev)
					continue;
				if (!json_object_object_get_ex(ev, "type", &t) ||
				    strcmp(json_object_get_string(t), type) != 0) {
					json_object_put(ev);
					continue;
				}
				json_object_put(ev);
			}
			fputs(line, stdout);
		}
		if (!follow)
			break;
		fflush(stdout);
		clearerr(f);
		usleep(200 * 1000);
	}
	return 0;
}

static const struct cmd events_cmds[] = {
	{"show", do_events_show, "show [--type TYPE] [--follow]: print the event log"},
	{},
};

static const struct {
	const char *name;
	const struct cmd *verbs;
} nouns[] = {
	{"events", events_cmds},
};

static void help(void)
{
	size_t i;
	const struct cmd *v;

	printf("Usage: zhijiactl [--json] [--event-log PATH] NOUN VERB [ARGS]\n\n");
	for (i = 0; i < ELEMENTSOF(nouns); i++)
		for (v = nouns[i].verbs; v->name; v++)
			printf("  %s %s\n", nouns[i].name, v->help);
	printf("\nNouns and verbs may be shortened to an unambiguous prefix.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"event-log", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct ctl c = {.json = false, .event_log = DEFAULT_EVENT_LOG};
	const struct cmd *verb = NULL;
	char names[256];
	size_t i, noun = ELEMENTSOF(nouns), hits = 0;
	int o, r;

	zj_log_setup("zhijiactl", ZJ_LOG_INFO);
	while ((o = getopt_long(argc, argv, "+jh", opts, NULL)) >= 0) {
		switch (o) {
		case 'j':
			c.json = true;
			break;
		case 'l':
			c.event_log = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return fail(&c, 2, "valid options: --json, --event-log PATH, --help");
		}
	}
	if (optind >= argc)
		return fail(&c, 2, "missing command; valid nouns: events (see --help)");
	for (i = 0; i < ELEMENTSOF(nouns); i++) {
		if (strncmp(nouns[i].name, argv[optind], strlen(argv[optind])) == 0) {
			noun = i;
			hits++;
		}
	}
	if (hits != 1)
		return fail(&c, 2, "unknown command '%s'; valid nouns: events", argv[optind]);
	if (optind + 1 >= argc) {
		list_cmds(nouns[noun].verbs, names, sizeof(names));
		return fail(&c, 2, "%s: missing verb; valid: %s", nouns[noun].name, names);
	}
	r = find_cmd(nouns[noun].verbs, argv[optind + 1], &verb);
	if (r < 0) {
		list_cmds(nouns[noun].verbs, names, sizeof(names));
		return fail(&c, 2, "%s: %s verb '%s'; valid: %s", nouns[noun].name,
			    r == -EINVAL ? "ambiguous" : "unknown", argv[optind + 1], names);
	}
	return verb->fn(&c, argc - optind - 1, argv + optind + 1);
}
