/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The watched persistence paths: parsed from a configuration text (daemon/watch.conf is the
 * built-in default), expanded (home entries for every user), and pushed into the kernel's
 * maps (zj_watch_inodes, zj_watch_names, zj_watch_prefix).  The same list answers in user
 * space for paths the kernel could not normalise (ZJ_F_RESOLVE).
 */
#ifndef ZHIJIA_WATCH_H
#define ZHIJIA_WATCH_H

#include <stddef.h>
#include <stdint.h>

#define ZJ_WATCH_DIR 1
#define ZJ_WATCH_FILE 2
#define ZJ_WATCH_HOME 3

struct zj_watch_entry {
	uint32_t kind;  /* ZJ_WATCH_DIR or ZJ_WATCH_FILE after expansion */
	uint32_t depth; /* levels below a directory that count (>= 1) */
	uint32_t id;    /* 1-based, stable for one configuration */
	uint32_t line;  /* line in the configuration; home entries share their line */
	uint32_t klass; /* ZJ_ENF_AT, _CRON, _SERVICE, _PRELOAD, or ZJ_ENF_NONE */
	uint32_t _pad;
	char *path;     /* absolute, no trailing slash, as configured */
	char *real;     /* realpath() of path when it differs (symlinked dirs), else NULL */
};

struct zj_watch {
	struct zj_watch_entry *entries;
	size_t n;
	size_t cap;
	uint32_t max_depth;
	char *text;   /* the configuration, for re-expansion of home entries */
	char *source; /* file name, or "built-in" */
};

/*
 * Parse `text` (from `source`): one entry a line, "KIND PATH [DEPTH] [CLASS]" (daemon/watch.conf
 * explains it).  CLASS names what a BPF LSM program denies there when the policy says block:
 * at (T1053.002), cron (T1053.003), systemd (T1543.002; the kernel makes timers T1053.006),
 * preload (T1574.006); without one the entry is observed, never denied.  On a syntax error
 * returns -EINVAL and writes "SOURCE:LINE: message" into err.  home entries are expanded with
 * `passwd` (a path to a passwd(5) file: "/etc/passwd" normally).
 */
int zj_watch_parse(const char *text, const char *source, const char *passwd, struct zj_watch **ret,
		   char *err, size_t errlen);
void zj_watch_free(struct zj_watch *w);

/* The built-in default configuration (daemon/watch.conf). */
const char *zj_watch_default_text(void);

/*
 * Is `path` (absolute, normalised) watched?  Returns the entry id, or 0.
 */
uint32_t zj_watch_match(const struct zj_watch *w, const char *path);

/* The entry with this id, or NULL. */
const struct zj_watch_entry *zj_watch_entry(const struct zj_watch *w, uint32_t id);

/* "at", "cron", "systemd", "preload" for an entry's class; NULL for ZJ_ENF_NONE. */
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
