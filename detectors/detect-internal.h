/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the detectors (detect.c, inject.c, persist.c): the findings being filled and the
 * reason-text builder.  Not installed; not part of the API.
 */
#ifndef ZHIJIA_DETECT_INTERNAL_H
#define ZHIJIA_DETECT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zhijia/detect.h"

/* The caller's findings array as it fills. */
struct zj_dt_out {
	struct zj_finding *v;
	size_t max;
	size_t n;
	int err; /* -ENOSPC once a finding did not fit */
};

/* Next zeroed finding with technique, severity and target set; NULL (out->err set) if full. */
struct zj_finding *zj_dt_add(struct zj_dt_out *out, const char *technique, uint32_t severity,
			     uint32_t target);
/* Mark f benign: `what`, then " " and detail (escaped) when detail is not empty. */
void zj_dt_benign(struct zj_finding *f, const char *what, struct zj_str detail);

/*
 * A bounded text buffer.  Appends never overflow; once something did not fit, `truncated`
 * is set and zj_dt_text_end() finishes the text with "..." on a UTF-8 character boundary.
 */
struct zj_dt_text {
	char *buf;
	size_t cap;
	size_t len;
	bool truncated;
};

void zj_dt_text_init(struct zj_dt_text *t, char *buf, size_t cap);
/* Account for an snprintf() into the tail. */
void zj_dt_text_advance(struct zj_dt_text *t, int n);
/* printf into the tail; a format without conversions is copied without vsnprintf(). */
#if defined(__GNUC__) && !defined(_WIN32)
__attribute__((format(printf, 2, 3)))
#endif
void zj_dt_text_printf(struct zj_dt_text *t, const char *fmt, ...);
#define ZJ_DT_PRINTF(t, ...) zj_dt_text_printf((t), __VA_ARGS__)
/*
 * Append bytes / a string / a string literal / a number (decimal, hex without "0x"), as
 * ZJ_DT_PRINTF with "%s", "%u", "%x" would, without snprintf() and, for a literal, without
 * strlen().
 */
void zj_dt_text_mem_slow(struct zj_dt_text *t, const char *s, size_t n);
static inline void zj_dt_text_mem(struct zj_dt_text *t, const char *s, size_t n)
{
	/* All of it fits with the NUL (cap 0 never does): inline, a literal's copy is a move. */
	if (!t->truncated && n < t->cap - t->len) {
		memcpy(t->buf + t->len, s, n);
		t->len += n;
		t->buf[t->len] = '\0';
		return;
	}
	zj_dt_text_mem_slow(t, s, n);
}
static inline void zj_dt_text_str(struct zj_dt_text *t, const char *s)
{
	zj_dt_text_mem(t, s, strlen(s));
}
#define ZJ_DT_LIT(t, lit) zj_dt_text_mem((t), "" lit, sizeof(lit) - 1)
void zj_dt_text_uint(struct zj_dt_text *t, uint64_t v);
void zj_dt_text_hex(struct zj_dt_text *t, uint64_t v);
/* Append bytes, control bytes and DEL escaped as \xNN; at most `max` input bytes, then "...". */
void zj_dt_text_bytes(struct zj_dt_text *t, const char *p, size_t n, size_t max);
static inline void zj_dt_text_zstr(struct zj_dt_text *t, struct zj_str s, size_t max)
{
	zj_dt_text_bytes(t, s.ptr, s.ptr ? s.len : 0, max);
}
/* Returns true if the text had to be cut. */
bool zj_dt_text_end(struct zj_dt_text *t);

/* Longest path or value quoted in a reason, so that two paths and the actor still fit. */
#define ZJ_DT_PATH_SHOWN 160

/* "pid 4242 python3 (/tmp/x)": the actor, or any process in the subject position. */
void zj_dt_text_actor(struct zj_dt_text *t, const struct zj_proc *p);
/* "sshd (pid 812)", "pid 812" when the name is unknown: a process in the object position. */
void zj_dt_text_object(struct zj_dt_text *t, const struct zj_proc *p);
/* "; blocked in the kernel" etc. from the event's enforcement flags. */
void zj_dt_text_outcome(struct zj_dt_text *t, const struct zj_event *ev);

/* Begin a finding's reason / finish it (sets ZJ_FIND_TRUNCATED). */
static inline void zj_dt_reason_begin(struct zj_dt_text *t, struct zj_finding *f)
{
	zj_dt_text_init(t, f->reason, sizeof(f->reason));
}
void zj_dt_reason_end(struct zj_dt_text *t, struct zj_finding *f);

/* The first package manager among the actor and its ancestors, or NULL. */
const struct zj_proc *zj_dt_package_manager(const struct zj_event *ev,
					    const struct zj_detect_ctx *ctx);

/* Is the path (absolute, no "/./" or "/../") inside one of the system directories? */
bool zj_dt_in_system_dir(const char *p, size_t n);
/* argv[1] of a NUL-separated cmdline, or an empty view. */
struct zj_str zj_dt_cmdline_arg1(struct zj_str cmdline);
/* Basename of a path view. */
struct zj_str zj_dt_basename(struct zj_str path);
/*
 * Does the view equal / start with / end with the n bytes at p?  And with a C string: inline,
 * so that a literal's strlen() is a constant (every file event is classified against dozens).
 */
static inline bool zj_dt_view_eq(struct zj_str s, const char *p, size_t n)
{
	return s.ptr && s.len == n && memcmp(s.ptr, p, n) == 0;
}
static inline bool zj_dt_view_prefix(struct zj_str s, const char *p, size_t n)
{
	return s.ptr && s.len >= n && memcmp(s.ptr, p, n) == 0;
}
static inline bool zj_dt_view_suffix(struct zj_str s, const char *p, size_t n)
{
	return s.ptr && s.len >= n && memcmp(s.ptr + s.len - n, p, n) == 0;
}
static inline bool zj_dt_str_eq(struct zj_str s, const char *lit)
{
	return zj_dt_view_eq(s, lit, strlen(lit));
}
static inline bool zj_dt_str_prefix(struct zj_str s, const char *lit)
{
	return zj_dt_view_prefix(s, lit, strlen(lit));
}
static inline bool zj_dt_str_suffix(struct zj_str s, const char *lit)
{
	return zj_dt_view_suffix(s, lit, strlen(lit));
}

/* A literal with its length, for the tables the detectors compare with per event. */
struct zj_dt_lit {
	const char *s;
	size_t n;
};
#define ZJ_DT_LIT_ENTRY(lit)                                                                       \
	{                                                                                          \
		"" lit, sizeof(lit) - 1                                                            \
	}

/* The detectors, by event type. */
int zj_dt_ptrace(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out);
int zj_dt_mem(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out);
int zj_dt_vdso_map(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		   struct zj_dt_out *out);
int zj_dt_file(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out);
int zj_dt_exec(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out);
/* ZJ_EV_WIN_*: the Sysmon front end's events (windows.c). */
int zj_dt_windows(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		  struct zj_dt_out *out);
/* kernel.c: T1547.006 (kmod), T1548.001 (setid), T1620 (exec of a memfd, own-text writes) */
int zj_dt_kernel(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out);
int zj_dt_reflect_exec(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		       struct zj_dt_out *out);
int zj_dt_reflect_mem(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
		      struct zj_dt_out *out);

#endif /* ZHIJIA_DETECT_INTERNAL_H */
