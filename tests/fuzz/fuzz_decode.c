/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: raw ring-buffer records (attacker-influenced: paths, argv, environment)
 * through the decoder and the JSON writer.  Whatever the bytes, no read past the record, and
 * any accepted record serialises to one line of valid output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/event.h"
#include "../../daemon/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zj_decoder d;
	struct zj_event ev;
	struct zj_buf b = {0};
	void *copy;

	if (zj_decoder_init(&d, NULL) < 0)
		abort();
	/* an exact-size heap copy: ASan sees any read past the record */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (zj_decode(&d, copy, size, &ev) == 0) {
		if (zj_event_to_json(&ev, &b) < 0)
			abort();
		if (!b.len || b.data[b.len - 1] != '\n' || memchr(b.data, '\n', b.len - 1))
			abort(); /* one line, always */
	}
	zj_buf_free(&b);
	free(copy);
	return 0;
}
