/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The detector entry point and what the detectors share: findings, reason text, and the
 * process context (system processes, package managers).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "detect-internal.h"
#include "zhijia/errors.h"

/* ---- findings ---------------------------------------------------------------------------- */

struct zj_finding *zj_dt_add(struct zj_dt_out *out, const char *technique, uint32_t severity,
			     uint32_t target)
{
	struct zj_finding *f;

	if (out->n >= out->max) {
		out->err = -ZJ_ENOSPC;
		return NULL;
	}
	f = &out->v[out->n++];
	memset(f, 0, sizeof(*f));
	/* memset above: the copy stays terminated */
	strncpy(f->technique, technique, sizeof(f->technique) - 1);
	f->severity = severity;
	f->target = target;
	return f;
}

void zj_dt_benign(struct zj_finding *f, const char *what, struct zj_str detail)
{
	struct zj_dt_text t;

	f->flags |= ZJ_FIND_BENIGN;
	if (f->severity > ZJ_SEV_LOW)
		f->severity = ZJ_SEV_LOW;
	zj_dt_text_init(&t, f->benign, sizeof(f->benign));
	zj_dt_text_str(&t, what);
	if (detail.ptr && detail.len) {
		zj_dt_text_str(&t, " ");
		zj_dt_text_zstr(&t, detail, sizeof(f->benign));
	}
	zj_dt_text_end(&t);
}

/* ---- text -------------------------------------------------------------------------------- */

void zj_dt_text_init(struct zj_dt_text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->truncated = false;
	if (cap)
		buf[0] = '\0';
}

void zj_dt_text_advance(struct zj_dt_text *t, int n)
{
	if (n < 0) {
		/* An encoding error: keep what was there. */
		t->buf[t->len] = '\0';
		return;
	}
	if ((size_t)n >= t->cap - t->len) {
		t->len = t->cap - 1;
		t->truncated = true;
		return;
	}
	t->len += (size_t)n;
}

/*
 * What ZJ_DT_PRINTF(t, "%s", s) and ZJ_DT_PRINTF(t, "%u", v) do, without snprintf(): the
 * actor's and the object's text are in every finding, and vsnprintf() was a fifth of the cost
 * of classifying an injection (callgrind).  Same cut: as much as fits, then truncated.
 */
static void text_mem(struct zj_dt_text *t, const char *s, size_t n)
{
	size_t room;

	if (!t->cap || t->truncated)
		return;
	room = t->cap - 1 - t->len;
	if (n > room) {
		memcpy(t->buf + t->len, s, room);
		t->len += room;
		t->buf[t->len] = '\0';
		t->truncated = true;
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void zj_dt_text_str(struct zj_dt_text *t, const char *s)
{
	size_t n = strlen(s), room;

	if (!t->cap || t->truncated)
		return;
	room = t->cap - 1 - t->len;
	if (n > room) {
		memcpy(t->buf + t->len, s, room);
		t->len += room;
		t->buf[t->len] = '\0';
		t->truncated = true;
		return;
	}
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

/* The conversions the detectors' reasons use, done here; 0 when fmt has any other. */
static bool simple_format(const char *fmt)
{
	for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
		p++;
		if (*p == 'l')
			p += p[1] == 'l' ? 2 : 1;
		if (*p != 's' && *p != 'u' && *p != 'd' && *p != 'x' && *p != '%')
			return false;
		if (*p == '%' && p[-1] != '%')
			return false; /* "%l%" */
		p++;
	}
	return true;
}

static void text_hex(struct zj_dt_text *t, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[17];
	size_t i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = hex[v & 0xf];
		v >>= 4;
	} while (v);
	zj_dt_text_str(t, tmp + i);
}

/*
 * printf into the tail.  The formats of the reasons (%s, %u, %d, %x with l/ll, %%) are
 * written here, without vsnprintf(), which was a fifth of the cost of classifying an
 * injection (callgrind); any other format goes to vsnprintf() as before.
 */
void zj_dt_text_printf(struct zj_dt_text *t, const char *fmt, ...)
{
	va_list ap;
	const char *p = fmt, *q;
	int n;

	if (!t->cap)
		return;
	va_start(ap, fmt);
	if (!simple_format(fmt)) {
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		zj_dt_text_advance(t, n);
		return;
	}
	while (*p && !t->truncated) {
		int lng = 0;
		size_t k;

		q = strchr(p, '%');
		k = q ? (size_t)(q - p) : strlen(p);
		text_mem(t, p, k);
		if (!q)
			break;
		p = q + 1;
		while (*p == 'l') {
			lng++;
			p++;
		}
		switch (*p) {
		case 's':
			q = va_arg(ap, const char *);
			zj_dt_text_str(t, q ? q : "(null)");
			break;
		case 'u':
		case 'x': {
			uint64_t v = lng >= 2   ? (uint64_t)va_arg(ap, unsigned long long)
				     : lng == 1 ? (uint64_t)va_arg(ap, unsigned long)
						: (uint64_t)va_arg(ap, unsigned int);

			if (*p == 'u')
				zj_dt_text_uint(t, v);
			else
				text_hex(t, v);
			break;
		}
		case 'd': {
			int64_t v = lng >= 2   ? (int64_t)va_arg(ap, long long)
				    : lng == 1 ? (int64_t)va_arg(ap, long)
					       : (int64_t)va_arg(ap, int);

			if (v < 0) {
				zj_dt_text_str(t, "-");
				zj_dt_text_uint(t, (uint64_t)0 - (uint64_t)v);
			} else {
				zj_dt_text_uint(t, (uint64_t)v);
			}
			break;
		}
		default: /* '%' */
			zj_dt_text_str(t, "%");
			break;
		}
		p++;
	}
	va_end(ap);
}

void zj_dt_text_uint(struct zj_dt_text *t, uint64_t v)
{
	char tmp[21];
	size_t i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	zj_dt_text_str(t, tmp + i);
}

void zj_dt_text_bytes(struct zj_dt_text *t, const char *p, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	bool elided = n > max;

	if (elided)
		n = max;
	for (size_t i = 0; i < n && !t->truncated; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f) {
			if (t->cap - t->len <= 4) {
				t->truncated = true;
				break;
			}
			t->buf[t->len++] = '\\';
			t->buf[t->len++] = 'x';
			t->buf[t->len++] = hex[c >> 4];
			t->buf[t->len++] = hex[c & 0xf];
		} else {
			if (t->cap - t->len <= 1) {
				t->truncated = true;
				break;
			}
			t->buf[t->len++] = (char)c;
		}
	}
	t->buf[t->len] = '\0';
	if (elided)
		zj_dt_text_str(t, "...");
}

bool zj_dt_text_end(struct zj_dt_text *t)
{
	size_t end;

	if (!t->truncated || t->cap < 4)
		return t->truncated;
	/* Room for "..." and the NUL, backing off over UTF-8 continuation bytes. */
	end = t->cap - 4;
	if (end > t->len)
		end = t->len;
	while (end > 0 && ((unsigned char)t->buf[end] & 0xc0) == 0x80)
		end--;
	memcpy(t->buf + end, "...", 4);
	t->len = end + 3;
	return true;
}

void zj_dt_reason_end(struct zj_dt_text *t, struct zj_finding *f)
{
	if (zj_dt_text_end(t))
		f->flags |= ZJ_FIND_TRUNCATED;
}

/* strnlen() is POSIX, not C11. */
static size_t bounded_len(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);

	return nul ? (size_t)(nul - s) : max;
}

void zj_dt_text_actor(struct zj_dt_text *t, const struct zj_proc *p)
{
	zj_dt_text_str(t, "pid ");
	zj_dt_text_uint(t, p->pid);
	if (p->comm[0]) {
		zj_dt_text_str(t, " ");
		zj_dt_text_bytes(t, p->comm, bounded_len(p->comm, sizeof(p->comm)),
				 sizeof(p->comm));
	}
	if (p->exe.ptr && p->exe.len) {
		zj_dt_text_str(t, " (");
		zj_dt_text_zstr(t, p->exe, ZJ_DT_PATH_SHOWN);
		zj_dt_text_str(t, ")");
	}
}

void zj_dt_text_object(struct zj_dt_text *t, const struct zj_proc *p)
{
	if (p->comm[0]) {
		zj_dt_text_bytes(t, p->comm, bounded_len(p->comm, sizeof(p->comm)),
				 sizeof(p->comm));
		zj_dt_text_str(t, " (pid ");
		zj_dt_text_uint(t, p->pid);
		zj_dt_text_str(t, ")");
	} else {
		zj_dt_text_str(t, "pid ");
		zj_dt_text_uint(t, p->pid);
	}
}

void zj_dt_text_outcome(struct zj_dt_text *t, const struct zj_event *ev)
{
	if (ev->flags & ZJ_EVF_BLOCKED)
		ZJ_DT_PRINTF(t, "; blocked in the kernel");
	else if (ev->flags & ZJ_EVF_KILLED)
		ZJ_DT_PRINTF(t, "; the actor was killed at syscall entry");
}

/* ---- strings and paths ------------------------------------------------------------------- */

bool zj_dt_str_eq(struct zj_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.ptr && s.len == n && memcmp(s.ptr, lit, n) == 0;
}

bool zj_dt_str_prefix(struct zj_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.ptr && s.len >= n && memcmp(s.ptr, lit, n) == 0;
}

bool zj_dt_str_suffix(struct zj_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.ptr && s.len >= n && memcmp(s.ptr + s.len - n, lit, n) == 0;
}

struct zj_str zj_dt_basename(struct zj_str path)
{
	struct zj_str b = path;

	if (!path.ptr)
		return b;
	for (size_t i = path.len; i > 0; i--) {
		if (path.ptr[i - 1] == '/') {
			b.ptr = path.ptr + i;
			b.len = path.len - i;
			break;
		}
	}
	return b;
}

/* Directories whose programs and libraries only the system (root, packages) installs. */
static const char *const system_dirs[] = {
	"/usr/bin/",   "/usr/sbin/",	"/bin/", "/sbin/",  "/usr/lib/",
	"/usr/lib64/", "/usr/libexec/", "/lib/", "/lib64/",
};

static bool has_dot_segment(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '/' || p[i + 1] != '.')
			continue;
		if (i + 2 == n || p[i + 2] == '/')
			return true; /* "/." */
		if (p[i + 2] == '.' && (i + 3 == n || p[i + 3] == '/'))
			return true; /* "/.." */
	}
	return false;
}

bool zj_dt_in_system_dir(const char *p, size_t n)
{
	struct zj_str s = {p, n};

	if (!p || has_dot_segment(p, n) || memchr(p, '\0', n))
		return false;
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (zj_dt_str_prefix(s, system_dirs[i]) && s.len > strlen(system_dirs[i]))
			return true;
	return false;
}

/* ---- process context --------------------------------------------------------------------- */

bool zj_proc_is_system(const struct zj_proc *p)
{
	if (!p)
		return false;
	if (p->flags & (ZJ_PROC_SYSTEM | ZJ_PROC_KTHREAD))
		return true;
	/* PID 1, kthreadd and the kernel threads it starts (global pids). */
	if (p->pid == 1 || p->pid == 2 || p->ppid == 2)
		return true;
	/* Daemons: started by PID 1 from a system directory, as root or a system user. */
	return p->ppid == 1 && p->uid < 1000 && zj_dt_in_system_dir(p->exe.ptr, p->exe.len);
}

static const char *const package_managers[] = {
	"dpkg",	    "apt", "apt-get", "aptitude",	    "rpm",	   "dnf", "dnf5",
	"microdnf", "yum", "zypper",  "unattended-upgrade", "packagekitd",
};

static bool is_package_manager_name(struct zj_str name)
{
	for (size_t i = 0; i < sizeof(package_managers) / sizeof(package_managers[0]); i++)
		if (zj_dt_str_eq(name, package_managers[i]))
			return true;
	return false;
}

struct zj_str zj_dt_cmdline_arg1(struct zj_str cmdline)
{
	struct zj_str a = {NULL, 0};
	const char *end, *nul;

	if (!cmdline.ptr || !cmdline.len)
		return a;
	end = cmdline.ptr + cmdline.len;
	nul = memchr(cmdline.ptr, '\0', cmdline.len);
	if (!nul || nul + 1 >= end)
		return a;
	a.ptr = nul + 1;
	nul = memchr(a.ptr, '\0', (size_t)(end - a.ptr));
	a.len = nul ? (size_t)(nul - a.ptr) : (size_t)(end - a.ptr);
	return a;
}

bool zj_proc_is_package_manager(const struct zj_proc *p)
{
	struct zj_str base, script;

	if (!p || !p->exe.ptr || !zj_dt_in_system_dir(p->exe.ptr, p->exe.len))
		return false;
	base = zj_dt_basename(p->exe);
	if (is_package_manager_name(base))
		return true;
	/* dnf, yum and unattended-upgrade are scripts: the kernel runs "python3 /usr/bin/dnf". */
	if (!zj_dt_str_prefix(base, "python") && !zj_dt_str_prefix(base, "perl"))
		return false;
	script = zj_dt_cmdline_arg1(p->cmdline);
	return script.len && zj_dt_in_system_dir(script.ptr, script.len) &&
	       is_package_manager_name(zj_dt_basename(script));
}

const struct zj_proc *zj_dt_package_manager(const struct zj_event *ev,
					    const struct zj_detect_ctx *ctx)
{
	size_t n;

	if (zj_proc_is_package_manager(&ev->actor))
		return &ev->actor;
	n = ctx->n_ancestors < ZJ_ANCESTORS_MAX ? ctx->n_ancestors : ZJ_ANCESTORS_MAX;
	for (size_t i = 0; i < n; i++)
		if (zj_proc_is_package_manager(&ctx->ancestors[i]))
			return &ctx->ancestors[i];
	return NULL;
}

/* ---- entry point ------------------------------------------------------------------------- */

const char *zj_severity_name(uint32_t severity)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};

	return severity < sizeof(names) / sizeof(names[0]) ? names[severity] : "unknown";
}

bool zj_detect_uses_ancestors(const struct zj_event *ev)
{
	switch (ev->type) {
	case ZJ_EV_MEM_OPEN:
	case ZJ_EV_MEM_WRITE:
	case ZJ_EV_VM_WRITE: /* zj_dt_mem(), zj_dt_reflect_mem() */
	case ZJ_EV_VDSO_MAP:
	case ZJ_EV_FORK:
	case ZJ_EV_EXIT:
	case ZJ_EV_DENY:
		return false;
	case ZJ_EV_PTRACE: /* zj_dt_ptrace() names the parent of a PTRACE_TRACEME only */
		return ev->ptrace.request == 0;
	default:
		return true;
	}
}

int zj_detect_event(const struct zj_event *ev, const struct zj_detect_ctx *ctx, size_t max,
		    struct zj_finding *ret_findings)
{
	static const struct zj_detect_ctx nothing_known;
	struct zj_dt_out out = {.v = ret_findings, .max = max};
	int r;

	if (!ev || (!ret_findings && max))
		return -ZJ_EINVAL;
	if (!ctx)
		ctx = &nothing_known;

	switch (ev->type) {
	case ZJ_EV_PTRACE:
		r = zj_dt_ptrace(ev, ctx, &out);
		break;
	case ZJ_EV_MEM_OPEN:
	case ZJ_EV_MEM_WRITE:
	case ZJ_EV_VM_WRITE:
		r = zj_dt_mem(ev, ctx, &out);
		if (r >= 0)
			r = zj_dt_reflect_mem(ev, ctx, &out);
		break;
	case ZJ_EV_VDSO_MAP:
		r = zj_dt_vdso_map(ev, ctx, &out);
		break;
	case ZJ_EV_FILE:
		r = zj_dt_file(ev, ctx, &out);
		break;
	case ZJ_EV_EXEC:
		r = zj_dt_exec(ev, ctx, &out);
		if (r >= 0)
			r = zj_dt_reflect_exec(ev, ctx, &out);
		break;
	case ZJ_EV_KMOD:
	case ZJ_EV_SETID:
	case ZJ_EV_SOMAP:
		r = zj_dt_kernel(ev, ctx, &out);
		break;
	default:
		r = ev->type >= ZJ_EV_WIN_FIRST && ev->type < ZJ_EV_WIN_END
			    ? zj_dt_windows(ev, ctx, &out)
			    : 0;
		break;
	}
	if (r < 0)
		return r;
	if (out.err < 0)
		return out.err;
	return (int)out.n;
}
