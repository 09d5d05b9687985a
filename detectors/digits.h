/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decimal numbers two digits a step, shared by the JSON writer (event.c) and the reason text
 * (detect.c): a pid, a size or a time is in every line and every reason.  Portable tier.
 */
#ifndef ZJ_DETECTORS_DIGITS_H
#define ZJ_DETECTORS_DIGITS_H

#include <stdint.h>

/* "00" "01" ... "99" */
extern const char zj_digits2[201];

/* The decimal digits of v written so that they end just before end: their start (20 at most). */
static inline char *zj_dec_rev(char *end, uint64_t v)
{
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		*--end = zj_digits2[d + 1];
		*--end = zj_digits2[d];
	}
	if (v >= 10) {
		*--end = zj_digits2[v * 2 + 1];
		*--end = zj_digits2[v * 2];
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

#endif
