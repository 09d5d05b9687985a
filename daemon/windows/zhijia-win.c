/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijia-win: the Windows front end.
 *
 *   zhijia-win [--policy FILE] [--enforce terminate|suspend] --subscribe [--seconds N]
 *       follow Sysmon's operational channel; one JSON line per translated event (event.h)
 *   zhijia-win [--policy FILE] [--enforce ...] --xml FILE...
 *       the same for events saved as XML (wevtutil qe ... /f:xml, or the test fixtures)
 *   zhijia-win --arr RULE.json
 *       run an ARR rule's actions with the Windows executor (arr-win.c)
 *
 * Without --enforce a block decision is reported as not enforced.  Exit status: 0, 1 on an
 * error, 2 on a usage error, 77 when the Sysmon channel cannot be subscribed to here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr-win.h"
#include "win.h"
#include "zhijia/errors.h"

static int read_file(const char *path, char **ret_data, size_t *ret_len, void *userdata)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0;

	(void)userdata;
	if (!f)
		return -ZJ_ENOENT;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *d;

			if (cap > (64u << 20)) {
				free(data);
				fclose(f);
				return -ZJ_ENOSPC;
			}
			d = realloc(data, cap + 65536);
			if (!d) {
				free(data);
				fclose(f);
				return -ZJ_ENOMEM;
			}
			data = d;
			cap += 65536;
		}
		n = fread(data + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(data);
		fclose(f);
		return -ZJ_EINVAL;
	}
	fclose(f);
	data[len] = '\0';
	*ret_data = data;
	*ret_len = len;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: zhijia-win [--policy FILE] [--enforce terminate|suspend] "
			"(--subscribe [--seconds N] | --xml FILE...)\n"
			"       zhijia-win --arr RULE.json\n");
	return 2;
}

static int run_xml(struct zj_win_pipeline *p, const char *path)
{
	char *data;
	size_t len, off = 0;
	int r = read_file(path, &data, &len, NULL);

	if (r < 0) {
		fprintf(stderr, "zhijia-win: cannot read '%s' (%d)\n", path, r);
		return 1;
	}
	for (;;) {
		int translated;
		long used = zj_win_pipeline_handle(p, data + off, len - off, &translated);

		if (used == 0)
			break;
		if (used < 0) {
			fprintf(stderr, "zhijia-win: %s: an event at byte %zu is malformed (%ld)\n",
				path, off, used);
			free(data);
			return 1;
		}
		if (translated)
			fwrite(p->out.data, 1, p->out.len, stdout);
		off += (size_t)used;
	}
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	const char *policy_path = NULL;
	int mode = 0, i, rc = 0;
	unsigned seconds = 0;
	struct zj_policy *policy = NULL;
	struct zj_win_pipeline p;
	char err[ZJ_POLICY_ERR_MAX];
	int r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
			policy_path = argv[++i];
		} else if (strcmp(argv[i], "--enforce") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "terminate") == 0)
				mode = ZJ_WIN_ENFORCE_TERMINATE;
			else if (strcmp(argv[i], "suspend") == 0)
				mode = ZJ_WIN_ENFORCE_SUSPEND;
			else
				return usage();
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--arr") == 0 && i + 2 == argc) {
			return zj_win_arr_main(argv[i + 1]);
		} else {
			break;
		}
	}
	if (i >= argc)
		return usage();
	if (policy_path) {
		r = zj_policy_load(policy_path, read_file, NULL, &policy, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "zhijia-win: %s\n", err);
			return 1;
		}
	} else if (zj_policy_new_default(&policy) < 0) {
		return 1;
	}
	if (zj_win_pipeline_init(&p, policy) < 0 || zj_win_proctab_new(&p.proctab) < 0) {
		fprintf(stderr, "zhijia-win: out of memory\n");
		return 1;
	}
	if (mode) {
		p.enforce = zj_win_enforce;
		p.userdata = &mode;
	}
	if (strcmp(argv[i], "--subscribe") == 0 && i + 1 == argc) {
		r = zj_win_subscribe(&p, seconds, err, sizeof(err));
		fprintf(stderr, "zhijia-win: %s\n", err);
		rc = r < 0 ? 77 : 0;
	} else if (strcmp(argv[i], "--xml") == 0 && i + 1 < argc) {
		for (i++; i < argc && rc == 0; i++)
			rc = run_xml(&p, argv[i]);
	} else {
		rc = usage();
	}
	zj_win_proctab_free(p.proctab);
	zj_win_pipeline_done(&p);
	zj_policy_free(policy);
	return rc;
}
