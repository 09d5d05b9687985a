/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a persistence file schedules: the program a systemd unit's ExecStart= runs, the command
 * of each crontab line, the libraries /etc/ld.so.preload names.  zhijiad scans those programs
 * too, so that a clean-looking cron line that runs a malicious script is caught.
 *
 * The parsing is deliberately conservative: only an absolute path that stands as the first word
 * (or, after a shell or script interpreter named as the first word, its first operand) is taken.
 * Nothing is expanded, no variable substituted, no PATH searched and nothing ever run: what cannot
 * be read off the text plainly is left out.  Pure functions over a text buffer (no I/O), tested
 * by tests/unit/check_sched.c.
 */
#ifndef ZHIJIA_SCHED_H
#define ZHIJIA_SCHED_H

#include <stddef.h>
#include <stdint.h>

#define ZJ_SCHED_MAX 8	       /* programs kept per file; more are counted in .dropped */
#define ZJ_SCHED_PATH_MAX 1024 /* bytes of one path, NUL included; longer ones are dropped */
#define ZJ_SCHED_TEXT_MAX (256u * 1024) /* bytes of a persistence file that are parsed */

/* The kind of persistence file. */
#define ZJ_SCHED_NONE 0	       /* not parsed (a script itself, an at job: scanned as a file) */
#define ZJ_SCHED_CRON_SYSTEM 1 /* /etc/crontab, /etc/cron.d/x: time fields, user, command */
#define ZJ_SCHED_CRON_USER 2   /* /var/spool/cron/crontabs/u: time fields, command */
#define ZJ_SCHED_UNIT 3	       /* a systemd unit: ExecStart=, ExecStartPre=, ExecStartPost= */
#define ZJ_SCHED_PRELOAD 4     /* /etc/ld.so.preload: paths separated by blanks or ':' */

struct zj_sched {
	size_t n;
	size_t dropped; /* programs found past ZJ_SCHED_MAX, or with paths too long */
	char path[ZJ_SCHED_MAX][ZJ_SCHED_PATH_MAX];
};

/*
 * The kind of the file at path, watched with enforcement class klass (ZJ_ENF_* of bpf_abi.h,
 * passed as a plain number): cron files by their directory, units by their suffix.
 */
uint32_t zj_sched_kind(uint32_t klass, const char *path);

/* The programs text (len bytes, need not be NUL-terminated) of that kind schedules, deduplicated,
 * in the order they appear.  Always succeeds; ret->n may be 0. */
void zj_sched_parse(uint32_t kind, const char *text, size_t len, struct zj_sched *ret);

#endif /* ZHIJIA_SCHED_H */
