/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File verdicts with libyara (the brief's AVL engine role): rules compiled from a directory
 * of *.yar files, and a pool of worker threads, one YARA scanner each with a timeout, fed
 * by a bounded queue so that the event path never waits.  The workers hold no capability but
 * CAP_DAC_READ_SEARCH: they parse hostile files.  Verdicts are cached by (device,
 * inode, size, mtime, ctime) and by SHA-256; the workers run at nice ZJ_SCAN_NICE.
 *
 * libyara the documented way: zj_scan_library_init() (yr_initialize) before any thread,
 * rules compiled once per load, one scanner per worker, a tiny callback.  libyara's positive
 * ERROR_* codes are converted here and never leak past this file.
 */
#ifndef ZHIJIA_SCAN_H
#define ZHIJIA_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zhijia/sha256.h"

#define ZJ_RULES_DIR "/etc/zhijia/rules.d"
#define ZJ_SCAN_MATCH_MAX 8     /* rule names kept per verdict */
#define ZJ_SCAN_NAME_MAX 128    /* bytes of a rule name, with its namespace and tags */
#define ZJ_SCAN_FILE_MAX (64ull << 20) /* larger files are not scanned (ZJ_VERDICT_TOO_BIG) */
#define ZJ_SCAN_NICE 10 /* the pool's threads run at this nice value: the event loop comes first */

/* Process-wide libyara set-up: call once, before starting any thread. */
int zj_scan_library_init(void);
void zj_scan_library_done(void);

struct zj_rules;

/*
 * Compile every *.yar in dir (sorted by name).  `include` may only name files inside dir.
 * On error: -EINVAL and "FILE:LINE: message" in err; nothing is returned.  A directory
 * without rules gives an empty, valid set.
 */
int zj_rules_compile_dir(const char *dir, struct zj_rules **ret, char *err, size_t errlen);
struct zj_rules *zj_rules_ref(struct zj_rules *r);
void zj_rules_unref(struct zj_rules *r);
size_t zj_rules_count(const struct zj_rules *r);

#define ZJ_VERDICT_CLEAN 0   /* scanned, nothing matched */
#define ZJ_VERDICT_MATCH 1   /* at least one rule matched */
#define ZJ_VERDICT_ERROR 2   /* could not be read or scanned (errno in .error) */
#define ZJ_VERDICT_TIMEOUT 3 /* the scan took longer than the timeout */
#define ZJ_VERDICT_TOO_BIG 4 /* larger than ZJ_SCAN_FILE_MAX: not scanned */

struct zj_verdict {
	uint32_t state; /* ZJ_VERDICT_* */
	int32_t error;  /* negative errno for ZJ_VERDICT_ERROR */
	uint32_t n_matches;
	bool cached;    /* answered from the cache */
	uint64_t size;
	uint64_t dev, ino; /* st_dev, st_ino of what was read (0 when not read) */
	char sha256[ZJ_SHA256_HEX_LEN + 1]; /* "" when not read */
	char matches[ZJ_SCAN_MATCH_MAX][ZJ_SCAN_NAME_MAX]; /* "namespace:rule [tag,tag]" */
};

const char *zj_verdict_name(uint32_t state);
/* A verdict's .error in words ("not a regular file" for -EINVAL). */
const char *zj_verdict_error(int error);

/*
 * Open path for reading if it is a regular file of at most ZJ_SCAN_FILE_MAX bytes, without
 * ever opening anything else (no device, FIFO or socket is opened, even through a symlink).
 * Returns the fd (st filled), -EINVAL (not a regular file), -EFBIG, or another -errno.
 */
struct stat;
int zj_scan_open_regular(const char *path, struct stat *st);

/* Scan one file now, in the calling thread, with its own scanner (zhijiactl scan, tests). */
int zj_rules_scan_path(struct zj_rules *r, const char *path, int timeout_s,
		       struct zj_verdict *ret);

/*
 * The allow-list by SHA-256: "<rules dir>/allow.sha256", one hash (64 hex digits) a line,
 * '#' starts a comment, blank lines are fine; read with the rules and replaced with them.  A
 * match whose content is on it is recorded, never acted on.  A line that is not a hash makes
 * the whole list invalid: -EINVAL and "FILE:LINE: message" in err.
 */
#define ZJ_ALLOW_FILE "allow.sha256"
#define ZJ_ALLOW_MAX 65536

struct zj_allow;

int zj_allow_parse(const char *text, size_t len, const char *source, struct zj_allow **ret,
		   char *err, size_t errlen);
/* Read dir/allow.sha256 (absent: an empty list). */
int zj_allow_load_dir(const char *dir, struct zj_allow **ret, char *err, size_t errlen);
void zj_allow_free(struct zj_allow *a);
size_t zj_allow_count(const struct zj_allow *a);
/* Is the lowercase hex hash on the list?  NULL lists nothing. */
bool zj_allow_has(const struct zj_allow *a, const char *sha256_hex);

struct zj_scanpool;

struct zj_scanpool_stats {
	uint64_t submitted;
	uint64_t shed; /* refused: the queue was full */
	uint64_t scanned;
	uint64_t cache_hits;
	uint64_t matches;
	uint64_t errors;
	uint64_t timeouts;
};

/* A verdict delivered to the thread that drains the pool. */
typedef void (*zj_scan_done_fn)(void *userdata, uint64_t cookie, const char *path,
				const struct zj_verdict *v);

/*
 * A pool of `workers` threads, not started yet: files may be queued at once and wait for
 * zj_scanpool_start().  The threads are separate from the creation so that a daemon can start
 * them after it has dropped its capabilities (capset(2) changes the calling thread only).
 */
int zj_scanpool_new(unsigned workers, size_t queue_max, int timeout_s, struct zj_scanpool **ret);
/*
 * Start the workers, with every signal blocked, at nice ZJ_SCAN_NICE; each keeps only
 * CAP_DAC_READ_SEARCH of its permitted set (when it has it; nothing else).  Returns once every
 * worker has dropped: 0, or a negative errno (the workers are stopped again; -EALREADY when
 * called twice).  What was queued before runs now.
 */
int zj_scanpool_start(struct zj_scanpool *p);
/* Stops the workers if started (the scans in progress finish) and frees what is queued. */
void zj_scanpool_free(struct zj_scanpool *p);
/* Use these rules for scans that start from now on (the pool takes a reference). */
void zj_scanpool_set_rules(struct zj_scanpool *p, struct zj_rules *r);
/* Queue a file; never blocks.  -EAGAIN (counted as shed) when the queue is full. */
int zj_scanpool_submit(struct zj_scanpool *p, const char *path, uint64_t cookie);
/* An fd that is readable while verdicts wait to be drained. */
int zj_scanpool_fd(const struct zj_scanpool *p);
/* Hand every waiting verdict to done; returns how many. */
int zj_scanpool_drain(struct zj_scanpool *p, zj_scan_done_fn done, void *userdata);
void zj_scanpool_stats(struct zj_scanpool *p, struct zj_scanpool_stats *ret);

#endif /* ZHIJIA_SCAN_H */
