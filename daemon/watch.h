/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The watched persistence paths: parsed from a configuration text (daemon/watch.conf is the
 * built-in default), expanded (home entries for every user), and pushed into the kernel's
 * maps (zj_watch_inodes, zj_watch_names, zj_watch_prefix).  The same list answers in user
 * space for paths the kernel could not normalise (ZJ_F_RESOLVE).
 */
#ifndef ZHIJIA_WATCH_H
#define ZHIJIA_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZJ_WATCH_DIR 1
#define ZJ_WATCH_FILE 2
#define ZJ_WATCH_HOME 3

/* zj_watch_entry.ops: the file operations that count (bit 1 << ZJ_FOP_*). */
#define ZJ_WATCH_OP(op) (1u << (op))
#define ZJ_WATCH_OPS_ALL 0x1feu /* ZJ_FOP_CREATE .. ZJ_FOP_CHMOD */
#define ZJ_WATCH_NO_UID UINT32_MAX

struct zj_watch_entry {
	uint32_t kind;	/* ZJ_WATCH_DIR or ZJ_WATCH_FILE after expansion */
	uint32_t depth; /* levels below a directory that count (>= 1) */
	uint32_t id;	/* 1-based, stable for one configuration */
	uint32_t line;	/* line in its source; home entries share their line */
	uint32_t klass; /* ZJ_ENF_FILE_FIRST.._FILE_LAST, or ZJ_ENF_NONE */
	uint32_t ops;	/* ZJ_WATCH_OP() bits that count; ZJ_WATCH_OPS_ALL by default */
	uint32_t uid;	/* home entries: the uid whose home it is; else ZJ_WATCH_NO_UID */
	uint32_t _pad;
	char *path;	    /* absolute, no trailing slash, as configured */
	char *real;	    /* realpath() of path when it differs (symlinked dirs), else NULL */
	char *technique;    /* what the table says the path means ("T1556.003"); NULL: decided by
			     * the built-in classifier (detectors/persist.c) alone */
	char *names;	    /* directories: comma-separated fnmatch(3) patterns a name there must
			     * match to count (names=*.pth,sitecustomize.py); NULL: every name */
	const char *source; /* the file it came from (points into zj_watch.sources) */
	size_t path_len, real_len; /* strlen() of path and real (0 without): matched per event */
};

#define ZJ_WATCH_DEPS_MAX 16

/* A file the expansion read (passwd, sshd_config): a change means expand again. */
struct zj_watch_dep {
	char *path;
	uint64_t ino, size, mtime_ns; /* all 0: it did not exist */
};

/* A path or realpath of entry `entry` (an index into zj_watch.entries). */
struct zj_watch_pathkey {
	const char *s;
	size_t len;
	uint64_t hash;
	uint32_t entry;
	uint32_t _pad;
};

struct zj_watch {
	struct zj_watch_entry *entries;
	size_t n;
	size_t cap;
	uint32_t max_depth;
	char *text;		 /* the first configuration, for re-expansion of home entries */
	char *source;		 /* its file name, or "built-in" */
	char **texts, **sources; /* every configuration read, in order (main, then drop-ins) */
	size_t n_texts;
	char *passwd; /* passwd(5) file the home entries were expanded with */
	struct zj_watch_dep deps[ZJ_WATCH_DEPS_MAX];
	size_t n_deps;
	/* zj_watch_match()'s index of every entry's path and real, by hash (built once loaded) */
	struct zj_watch_pathkey *keys;
	size_t n_keys;
	uint32_t *slots; /* key number + 1, 0: empty; n_slots a power of two */
	size_t n_slots;
};

/*
 * Parse `text` (from `source`): one entry a line, "KIND PATH [DEPTH] [CLASS] [OPTION...]"
 * (daemon/watch.conf explains it).  CLASS is a class word or a sub-technique id: it says what
 * the path means and, for the classes a BPF LSM program denies, which sub-technique's policy
 * applies there; without one the entry is observed and the built-in classifier decides.  On
 * a syntax error returns -EINVAL and writes "SOURCE:LINE: message" into err.  home entries
 * are expanded with `passwd` (a path to a passwd(5) file: "/etc/passwd" normally).
 */
int zj_watch_parse(const char *text, const char *source, const char *passwd, struct zj_watch **ret,
		   char *err, size_t errlen);

/*
 * The whole table: `path` (or, when it does not exist and !explicit_path, the built-in
 * default), then every DIR/watch.d/NAME.conf next to it (DIR = dirname(path)), in name
 * order.  A drop-in adds entries; it cannot remove the default's.
 */
int zj_watch_load(const char *path, bool explicit_path, const char *passwd, struct zj_watch **ret,
		  char *err, size_t errlen);

/* Has a file the expansion read (the passwd file, sshd_config) changed since? */
bool zj_watch_stale(const struct zj_watch *w);

/* Expand the same configuration texts again (users came or went): a new table into *ret. */
int zj_watch_reexpand(const struct zj_watch *w, struct zj_watch **ret, char *err, size_t errlen);
void zj_watch_free(struct zj_watch *w);

/* The built-in default configuration (daemon/watch.conf). */
const char *zj_watch_default_text(void);

/*
 * Is `path` (absolute, normalised) watched?  Returns the entry id, or 0.  A file entry wins
 * over a directory, a deeper directory over the one above it.
 */
uint32_t zj_watch_match(const struct zj_watch *w, const char *path);

/*
 * Does operation `op` (ZJ_FOP_*) on `path` count for entry e: the op is in e->ops and, for a
 * directory with names=, the file's name matches one of the patterns?
 */
bool zj_watch_counts(const struct zj_watch_entry *e, const char *path, size_t len, uint32_t op);

struct zj_event;
struct zj_detect_ctx;
/*
 * What the table says of a file event's path (or, for a rename away, of its old name) into
 * the detectors' context (ZJ_CTX_PATH).  Nothing when no entry with a technique matches.
 */
void zj_watch_fill_ctx(const struct zj_watch *w, const struct zj_event *ev,
		       struct zj_detect_ctx *ctx);

/* The entry with this id, or NULL. */
const struct zj_watch_entry *zj_watch_entry(const struct zj_watch *w, uint32_t id);

/* "at", "cron", "systemd", "preload", "ssh_keys", ... for an entry's class; NULL for none. */
const char *zj_watch_class_word(uint32_t klass);

/* Kernel dev_t of a stat(2) st_dev: MAJOR << 20 | MINOR (the kernel's internal form). */
uint64_t zj_kdev(uint64_t st_dev);

/*
 * Fill the kernel maps from the list (fds of zj_watch_inodes, zj_watch_names,
 * zj_watch_prefix): every entry is stat'ed afresh, so a directory created or replaced since
 * the last call is picked up.  Stale inode entries are removed.  Returns the number of
 * entries whose directory exists now, or a negative errno.
 */
int zj_watch_apply(const struct zj_watch *w, int inodes_fd, int names_fd, int prefix_fd);

/*
 * Normalise an absolute path lexically into out: collapse "//", drop ".", resolve "..".
 * Returns 0, or -ENAMETOOLONG / -EINVAL (not absolute).
 */
int zj_path_normalize(const char *in, char *out, size_t outlen);
#endif /* ZHIJIA_WATCH_H */
