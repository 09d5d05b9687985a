/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The quarantine: what zhijia removes or rewrites is kept first, zlib-compressed, with its
 * metadata (path, type, owner, mode, mtime, SHA-256, why, when), so that it can be listed and
 * restored.  Used for the residue of a blocked operation (a planted cron or unit file) and by
 * ARR rules that delete or change files.
 *
 * On disk, in a directory only root can read (0700):
 *   <id>.z     the content (a regular file's bytes, or a symlink's target), zlib stream
 *   <id>.json  the metadata, written last: an item exists once its .json does
 * Both are written to a temporary name, fsync'ed and renamed, and the directory is fsync'ed:
 * a crash leaves either no item or a whole one (and at worst a stray temporary file).  The
 * original is removed only after that, and only if it is still the same inode.
 */
#ifndef ZHIJIA_QUARANTINE_H
#define ZHIJIA_QUARANTINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "zhijia/sha256.h"

#define ZJ_QUARANTINE_DIR "/var/lib/zhijia/quarantine"
#define ZJ_QUARANTINE_ID_MAX 64
#define ZJ_QUARANTINE_FILE_MAX (256ull << 20) /* larger files are refused (-EFBIG) */

struct zj_quarantine;

struct zj_quarantine_item {
	char id[ZJ_QUARANTINE_ID_MAX];
	char *path;        /* where it was */
	bool symlink;      /* a symbolic link (content: its target) */
	bool sector;       /* sector 0 of a disk or image (content: 512 bytes at offset 0) */
	uint64_t size;     /* bytes of content */
	uint32_t mode;     /* st_mode & 07777 */
	uint32_t uid;
	uint32_t gid;
	int64_t mtime;     /* seconds since the epoch */
	int64_t time;      /* when it was quarantined */
	char sha256[ZJ_SHA256_HEX_LEN + 1];
	char *reason;      /* "T1053.003 blocked", "ARR rule 'x' action 2", ... */
};

/* Open (creating it 0700, and its parents, as needed) the quarantine at dir. */
int zj_quarantine_open(const char *dir, struct zj_quarantine **ret);
void zj_quarantine_free(struct zj_quarantine *q);

/*
 * Keep the file or symlink at path.  With remove, the original is unlinked afterwards (if
 * it is still the same inode).  ret_id (ZJ_QUARANTINE_ID_MAX bytes) gets the item's id.
 * -EINVAL for anything but a regular file or a symlink, -EFBIG past the size limit.
 */
int zj_quarantine_put(struct zj_quarantine *q, const char *path, const char *reason, bool remove,
		      char *ret_id);

/*
 * Keep sector 0 of the disk (or disk image) at path: the len bytes of data, read by the
 * caller from offset 0.  The disk itself is not changed.  Restoring the item writes the
 * bytes back at offset 0 of path, in place (a disk cannot be replaced by a rename).
 */
int zj_quarantine_put_sector(struct zj_quarantine *q, const char *path, const void *data,
			     size_t len, const char *reason, char *ret_id);

/* Items, oldest first; the caller frees with zj_quarantine_items_free(). */
int zj_quarantine_list(struct zj_quarantine *q, struct zj_quarantine_item **ret_items,
		       size_t *ret_n);
void zj_quarantine_items_free(struct zj_quarantine_item *items, size_t n);
int zj_quarantine_get(struct zj_quarantine *q, const char *id, struct zj_quarantine_item *ret);
void zj_quarantine_item_clear(struct zj_quarantine_item *item);

/*
 * Put item id back at its path (or at `to`): content checked against its SHA-256, owner and
 * mode restored, written atomically.  -EEXIST when something is there, unless overwrite;
 * -EBADMSG when the stored content does not match its hash.  A sector is written back in
 * place, at offset 0 of a file or device that must exist (overwrite is not needed).
 */
int zj_quarantine_restore(struct zj_quarantine *q, const char *id, const char *to, bool overwrite);

#endif /* ZHIJIA_QUARANTINE_H */
