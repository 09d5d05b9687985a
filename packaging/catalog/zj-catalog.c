/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-catalog: write zhijia's journald message catalog from a template, with the MESSAGE_ID that
 * zhijiad sends for each sub-technique, computed by the daemon's own zj_message_id().
 *
 *   zj-catalog TEMPLATE TECHNIQUE... > zhijia.catalog
 *   zj-catalog --ids TECHNIQUE...            one "TECHNIQUE MESSAGE_ID" line each
 *
 * In the template an entry starts with "-- @T1055.008@"; the line becomes "-- <MESSAGE_ID>", and
 * whatever follows the second '@' is kept (a language; the installed file's name usually says
 * it).  Everything else is copied as it is (journalctl's catalog format: '#' lines are comments,
 * @FIELD@ in a body is filled from the entry when `journalctl -x` shows it).
 *
 * The TECHNIQUE arguments are the sub-techniques zhijia alerts on (the build takes them from
 * detectors/): each must have exactly one entry in the template, the template must have no entry
 * for another one, and each must be in the ATT&CK catalog.  Any mismatch fails the build with
 * TEMPLATE:LINE: and the cure, so a new detector cannot ship without its explanation.
 *
 * Exit status: 0 written, 1 the template does not match (message on stderr), 2 usage.
 */
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/catalog.h"
#include "journal.h"
#include "util.h"

#define ENTRY_PREFIX "-- @"

struct technique {
	const char *id;
	char message_id[ZJ_MESSAGE_ID_LEN + 1];
	unsigned line; /* of its entry in the template, 0 while none */
};

static int usage(void)
{
	fprintf(stderr, "usage: zj-catalog TEMPLATE TECHNIQUE... > CATALOG\n"
			"       zj-catalog --ids TECHNIQUE...\n");
	return 2;
}

static int techniques_init(char **ids, size_t n, struct technique *ret)
{
	const struct zj_technique *t;
	size_t i;

	for (i = 0; i < n; i++) {
		if (zj_catalog_find(ids[i], &t) < 0) {
			fprintf(stderr, "zj-catalog: '%s' is not in the ATT&CK catalog\n", ids[i]);
			return -ENOENT;
		}
		ret[i].id = ids[i];
		ret[i].line = 0;
		zj_message_id(ids[i], ret[i].message_id);
	}
	return 0;
}

/*
 * An entry line "-- @ID@[ LANGUAGE]": *ret_t the technique, *ret_rest what follows the second
 * '@' ("" or " zh_CN\n").  -EINVAL with a message when ID is not one of techniques.
 */
static int parse_entry(const char *tmpl, unsigned lineno, char *line, struct technique *ts,
		       size_t n, struct technique **ret_t, const char **ret_rest)
{
	char *id = line + strlen(ENTRY_PREFIX), *end = strchr(id, '@');
	size_t i;

	if (!end) {
		fprintf(stderr, "%s:%u: entry line without its closing '@': %s", tmpl, lineno,
			line);
		return -EINVAL;
	}
	*end = '\0';
	for (i = 0; i < n; i++)
		if (strcmp(ts[i].id, id) == 0)
			break;
	if (i == n) {
		fprintf(stderr,
			"%s:%u: entry for %s, which zhijia does not alert on (not in detectors/); "
			"remove it\n",
			tmpl, lineno, id);
		return -EINVAL;
	}
	if (ts[i].line) {
		fprintf(stderr, "%s:%u: second entry for %s (the first is on line %u)\n", tmpl,
			lineno, id, ts[i].line);
		return -EINVAL;
	}
	ts[i].line = lineno;
	*ret_t = &ts[i];
	*ret_rest = end + 1;
	return 0;
}

static int write_catalog(const char *tmpl, struct technique *ts, size_t n)
{
	_cleanup_fclose_ FILE *in = fopen(tmpl, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, i;
	unsigned lineno = 0;
	bool complete = true;
	int r;

	if (!in) {
		fprintf(stderr, "zj-catalog: cannot open '%s': %s\n", tmpl, strerror(errno));
		return -errno;
	}
	while (getline(&line, &cap, in) >= 0) {
		struct technique *t;
		const char *rest;

		lineno++;
		if (strncmp(line, ENTRY_PREFIX, strlen(ENTRY_PREFIX)) != 0) {
			fputs(line, stdout);
			continue;
		}
		r = parse_entry(tmpl, lineno, line, ts, n, &t, &rest);
		if (r < 0)
			return r;
		printf("-- %s%s", t->message_id, rest);
	}
	for (i = 0; i < n; i++) {
		if (ts[i].line)
			continue;
		fprintf(stderr, "%s: no entry for %s, on which zhijia alerts: add \"-- @%s@\"\n",
			tmpl, ts[i].id, ts[i].id);
		complete = false;
	}
	if (!complete)
		return -EINVAL;
	return fflush(stdout) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	bool ids_only = argc > 1 && strcmp(argv[1], "--ids") == 0;
	struct technique *ts;
	size_t n, i;
	int r;

	if (argc < 3)
		return usage();
	n = (size_t)argc - 2;
	ts = calloc(n, sizeof(*ts));
	if (!ts)
		return 1;
	r = techniques_init(argv + 2, n, ts);
	if (r == 0 && ids_only)
		for (i = 0; i < n; i++)
			printf("%s %s\n", ts[i].id, ts[i].message_id);
	else if (r == 0)
		r = write_catalog(argv[1], ts, n);
	free(ts);
	return r < 0 ? 1 : 0;
}
