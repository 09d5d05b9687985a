// SPDX-License-Identifier: GPL-2.0-only
/*
 * btf-extract: copy the kernel's BTF out of an uncompressed kernel image (arm64's vmlinuz is
 * the raw Image), as the kernel itself serves it at /sys/kernel/btf/vmlinux: the bytes between
 * __start_BTF and __stop_BTF, which are a complete BTF blob (header, types, strings).
 *
 *   btf-extract IMAGE OUT.btf
 *
 * Found by its header (include/uapi/linux/btf.h): magic 0xeB9F, version 1, hdr_len 24, the
 * type section first and the string section right after it, a string section that starts with
 * the empty string.  The image holds exactly one blob that large; the largest candidate wins
 * and a second candidate of the same size is an error.  Host tool: little-endian host and image.
 * Exit status 0, or 1 with a message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct btf_hdr {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t type_off;
	uint32_t type_len;
	uint32_t str_off;
	uint32_t str_len;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "btf-extract: %s%s%s\n", what, err ? ": " : "", err ? strerror(err) : "");
	return 1;
}

int main(int argc, char **argv)
{
	FILE *f;
	unsigned char *img;
	long size;
	size_t best_off = 0, best_len = 0, n_best = 0;
	char tmp[4096];
	int bad;

	if (argc != 3)
		return die("usage: btf-extract IMAGE OUT.btf", 0);
	f = fopen(argv[1], "rb");
	if (!f)
		return die(argv[1], errno);
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return die(argv[1], errno);
	}
	img = malloc((size_t)size + 1);
	if (!img) {
		fclose(f);
		return die("out of memory", 0);
	}
	if (fread(img, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(img);
		return die("short read", 0);
	}
	fclose(f);

	for (size_t i = 0; i + sizeof(struct btf_hdr) <= (size_t)size; i += 4) {
		struct btf_hdr h;
		uint64_t len;

		if (img[i] != 0x9f || img[i + 1] != 0xeb || img[i + 2] != 1 || img[i + 3] != 0)
			continue;
		memcpy(&h, img + i, sizeof(h));
		if (h.hdr_len != sizeof(h) || h.type_off != 0 || h.type_len == 0 ||
		    h.str_off != h.type_len || h.str_len == 0)
			continue;
		len = (uint64_t)h.hdr_len + h.str_off + h.str_len;
		if (len > (uint64_t)size - i || img[i + h.hdr_len + h.str_off] != '\0')
			continue;
		if (len > best_len) {
			best_off = i, best_len = (size_t)len, n_best = 1;
		} else if (len == best_len) {
			n_best++;
		}
	}
	if (!best_len) {
		free(img);
		return die("no BTF blob in the image (built without CONFIG_DEBUG_INFO_BTF?)", 0);
	}
	if (n_best > 1) {
		free(img);
		return die("two BTF blobs of the same size: which one is the kernel's?", 0);
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]) >= sizeof(tmp)) {
		free(img);
		return die("output path too long", 0);
	}
	f = fopen(tmp, "wb");
	if (!f) {
		free(img);
		return die(tmp, errno);
	}
	bad = fwrite(img + best_off, 1, best_len, f) != best_len;
	bad |= fflush(f) != 0;
	bad |= fclose(f) != 0;
	if (bad) {
		free(img);
		remove(tmp);
		return die(tmp, EIO);
	}
	free(img);
	if (rename(tmp, argv[2])) {
		remove(tmp);
		return die(argv[2], errno);
	}
	printf("btf-extract: %zu bytes of BTF at offset %zu of %s\n", best_len, best_off, argv[1]);
	return 0;
}
