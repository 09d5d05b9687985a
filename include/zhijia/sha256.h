/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SHA-256 (FIPS 180-4), for evidence: the hash of what zhijia quarantines, restores or scans.
 * Portable tier: C11 only.
 */
#ifndef ZHIJIA_SHA256_H
#define ZHIJIA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define ZJ_SHA256_LEN 32
#define ZJ_SHA256_HEX_LEN 64

struct zj_sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes waiting in block */
};

void zj_sha256_init(struct zj_sha256 *s);
void zj_sha256_update(struct zj_sha256 *s, const void *data, size_t len);
void zj_sha256_final(struct zj_sha256 *s, uint8_t ret[ZJ_SHA256_LEN]);
/* Lowercase hex and a NUL into ret (65 bytes). */
void zj_sha256_hex(const uint8_t digest[ZJ_SHA256_LEN], char ret[ZJ_SHA256_HEX_LEN + 1]);

#endif /* ZHIJIA_SHA256_H */
