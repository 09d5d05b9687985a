/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: path resolution.  zj_path_normalize() takes the paths the kernel could
 * not normalise (attacker-chosen), and the watch-configuration parser takes its text.  A
 * normalised path is absolute, has no "//", "/./" or "/../", and normalises to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[8192], out[4096], again[4096], err[512];
	struct zj_watch *w = NULL;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (zj_path_normalize(in, out, sizeof(out)) == 0) {
		size_t n = strlen(out);

		if (out[0] != '/' || strstr(out, "//") || strstr(out, "/./") || strstr(out, "/../") ||
		    (n > 1 && out[n - 1] == '/') || (n >= 2 && strcmp(out + n - 2, "/.") == 0) ||
		    (n >= 3 && strcmp(out + n - 3, "/..") == 0))
			abort();
		if (zj_path_normalize(out, again, sizeof(again)) < 0 || strcmp(out, again) != 0)
			abort();
	}
	if (zj_watch_parse(in, "fuzz.conf", "/dev/null", &w, err, sizeof(err)) == 0) {
		if (w->n && zj_watch_match(w, w->entries[0].path) == 0 &&
		    w->entries[0].kind == ZJ_WATCH_FILE)
			abort(); /* a watched file matches itself */
		zj_watch_free(w);
	}
	return 0;
}
