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
#include "digits.h"
#include "zhijia/errors.h"

/* ---- findings ---------------------------------------------------------------------------- */

/* strnlen() is POSIX, not C11. */
static size_t bounded_len(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);

	return nul ? (size_t)(nul - s) : max;
}

struct zj_finding *zj_dt_add(struct zj_dt_out *out, const char *technique, uint32_t severity,
			     uint32_t target)
{
	struct zj_finding *f;
	size_t n;

	if (out->n >= out->max) {
		out->err = -ZJ_ENOSPC;
		return NULL;
	}
	f = &out->v[out->n++];
	memset(f, 0, sizeof(*f));
	/* memset above: the copy stays terminated */
	n = strlen(technique);
	memcpy(f->technique, technique, n < sizeof(f->technique) ? n : sizeof(f->technique) - 1);
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
		ZJ_DT_LIT(&t, " ");
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
 * The one append: as much of s[0..n) as fits, then truncated.  The typed appends below
 * (zj_dt_text_str(), ZJ_DT_LIT(), _uint(), _hex(), _bytes()) all end here, with lengths
 * known: a reason is built for every finding, and strlen()/strchr() per piece and
 * vsnprintf() were most of the cost of classifying an injection (callgrind).
 */
#if defined(__GNUC__)
__attribute__((noinline)) /* the cold path of the inline zj_dt_text_mem() */
#endif
void zj_dt_text_mem_slow(struct zj_dt_text *t, const char *s, size_t n)
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

void zj_dt_text_hex(struct zj_dt_text *t, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = hex[v & 0xf];
		v >>= 4;
	} while (v);
	zj_dt_text_mem(t, tmp + i, sizeof(tmp) - i);
}

/*
 * printf into the tail.  The formats of the reasons (%s, %u, %d, %x with l/ll, %%) are
 * written here, without vsnprintf(); at any other conversion the text goes back to where it
 * was and vsnprintf() writes the whole format.
 */
void zj_dt_text_printf(struct zj_dt_text *t, const char *fmt, ...)
{
	size_t len0 = t->len;
	bool trunc0 = t->truncated;
	va_list ap, ap0;
	const char *p = fmt, *q;
	int n;

	if (!t->cap)
		return;
	va_start(ap, fmt);
	va_copy(ap0, ap);
	while (*p && !t->truncated) {
		int lng = 0;

		q = strchr(p, '%');
		if (!q) {
			zj_dt_text_str(t, p);
			break;
		}
		zj_dt_text_mem(t, p, (size_t)(q - p));
		p = q + 1;
		if (*p == 'l') {
			lng = p[1] == 'l' ? 2 : 1;
			p += lng;
		}
		switch (*p) {
		case 's':
			q = va_arg(ap, const char *);
			zj_dt_text_str(t, q ? q : "(null)");
			break;
		case 'u':
		case 'x': {
			uint64_t v = lng >= 2	? (uint64_t)va_arg(ap, unsigned long long)
				     : lng == 1 ? (uint64_t)va_arg(ap, unsigned long)
						: (uint64_t)va_arg(ap, unsigned int);

			if (*p == 'u')
				zj_dt_text_uint(t, v);
			else
				zj_dt_text_hex(t, v);
			break;
		}
		case 'd': {
			int64_t v = lng >= 2   ? (int64_t)va_arg(ap, long long)
				    : lng == 1 ? (int64_t)va_arg(ap, long)
					       : (int64_t)va_arg(ap, int);

			if (v < 0) {
				ZJ_DT_LIT(t, "-");
				zj_dt_text_uint(t, (uint64_t)0 - (uint64_t)v);
			} else {
				zj_dt_text_uint(t, (uint64_t)v);
			}
			break;
		}
		case '%':
			if (!lng) {
				ZJ_DT_LIT(t, "%");
				break;
			}
			goto not_ours; /* "%l%" */
		default:
		not_ours:
			/* Not ours: undo, and let vsnprintf() write the whole format. */
			t->len = len0;
			t->truncated = trunc0;
			t->buf[t->len] = '\0';
			n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap0);
			zj_dt_text_advance(t, n);
			goto out;
		}
		p++;
	}
out:
	va_end(ap0);
	va_end(ap);
}

void zj_dt_text_uint(struct zj_dt_text *t, uint64_t v)
{
	char tmp[20];
	const char *p = zj_dec_rev(tmp + sizeof(tmp), v);

	zj_dt_text_mem(t, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * Do all of s[0..8) go out as they are (none below 0x20, none DEL)?  Eight bytes a step: paths
 * and names are mostly plain.  "Has a byte less than n": (x - 0x01..01 * n) & ~x & 0x80..80,
 * exact as a yes/no for n <= 128; DEL is a zero byte of x ^ 0x7f..7f.  Loaded with memcpy():
 * no unaligned access.
 */
static inline bool text_plain8(const char *s)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t x, y;

	memcpy(&x, s, 8);
	y = x ^ (ones * 0x7f);
	return !((((x - ones * 0x20) & ~x) | ((y - ones) & ~y)) & high);
}

static inline bool text_plain(unsigned char c)
{
	return c >= 0x20 && c != 0x7f;
}

void zj_dt_text_bytes(struct zj_dt_text *t, const char *p, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	bool elided = n > max;
	size_t i = 0;

	if (!t->cap)
		return;
	if (elided)
		n = max;
	while (i < n && !t->truncated) {
		unsigned char c = (unsigned char)p[i];
		size_t k = i;

		/* a run of bytes that go out as they are: one copy, cut where the room ends */
		while (n - k >= 8 && text_plain8(p + k))
			k += 8;
		/* fewer than 8 left: the word that ends the input, when it is all plain */
		if (k < n && n >= 8 && n - k < 8 && text_plain8(p + n - 8))
			k = n;
		while (k < n && text_plain((unsigned char)p[k]))
			k++;
		if (k > i) {
			zj_dt_text_mem(t, p + i, k - i);
			i = k;
			continue;
		}
		if (t->cap - t->len <= 4) {
			t->truncated = true;
			break;
		}
		t->buf[t->len++] = '\\';
		t->buf[t->len++] = 'x';
		t->buf[t->len++] = hex[c >> 4];
		t->buf[t->len++] = hex[c & 0xf];
		i++;
	}
	t->buf[t->len] = '\0';
	if (elided)
		ZJ_DT_LIT(t, "...");
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

/*
 * The last text of an actor and of an object, kept per thread: a storm repeats one writer and
 * one target, and building "pid N comm (exe)" byte by byte was ~480 of a mem record's ~5 800
 * instructions, "comm (pid N)" ~270 (callgrind).  Keyed by every input (pid, the 16 comm
 * bytes, the exe's bytes), never by a pointer: a hit appends exactly the bytes a build would.
 * Used only where the whole text fits, so that a cut falls where it always did.
 */
#define TEXT_MEMO_EXE ZJ_DT_PATH_SHOWN
#define TEXT_MEMO_OUT (32 + 16 * 4 + 4 * TEXT_MEMO_EXE)

struct text_memo {
	bool valid;
	uint32_t pid;
	char comm[16];
	size_t exe_len;
	char exe[TEXT_MEMO_EXE];
	size_t out_len;
	char out[TEXT_MEMO_OUT];
};

static _Thread_local struct text_memo actor_memo, object_memo;

static bool text_memo_hit(const struct text_memo *m, const struct zj_dt_text *t,
			  const struct zj_proc *p, size_t exe_len)
{
	return m->valid && m->pid == p->pid && m->exe_len == exe_len &&
	       memcmp(m->comm, p->comm, sizeof(m->comm)) == 0 &&
	       (exe_len == 0 || memcmp(m->exe, p->exe.ptr, exe_len) == 0) && !t->truncated &&
	       m->out_len < t->cap - t->len;
}

/* Remember what was appended to t from `from` on, when it is whole and small enough. */
static void text_memo_keep(struct text_memo *m, const struct zj_dt_text *t, size_t from,
			   const struct zj_proc *p, size_t exe_len)
{
	m->valid = false;
	if (t->truncated || !t->cap || t->len < from || t->len - from > sizeof(m->out) ||
	    exe_len > sizeof(m->exe))
		return;
	m->pid = p->pid;
	memcpy(m->comm, p->comm, sizeof(m->comm));
	m->exe_len = exe_len;
	if (exe_len)
		memcpy(m->exe, p->exe.ptr, exe_len);
	m->out_len = t->len - from;
	memcpy(m->out, t->buf + from, m->out_len);
	m->valid = true;
}

void zj_dt_text_actor(struct zj_dt_text *t, const struct zj_proc *p)
{
	size_t exe_len = p->exe.ptr ? p->exe.len : 0, from = t->len;

	if (text_memo_hit(&actor_memo, t, p, exe_len)) {
		zj_dt_text_mem(t, actor_memo.out, actor_memo.out_len);
		return;
	}
	ZJ_DT_LIT(t, "pid ");
	zj_dt_text_uint(t, p->pid);
	if (p->comm[0]) {
		ZJ_DT_LIT(t, " ");
		zj_dt_text_bytes(t, p->comm, bounded_len(p->comm, sizeof(p->comm)),
				 sizeof(p->comm));
	}
	if (exe_len) {
		ZJ_DT_LIT(t, " (");
		zj_dt_text_zstr(t, p->exe, ZJ_DT_PATH_SHOWN);
		ZJ_DT_LIT(t, ")");
	}
	text_memo_keep(&actor_memo, t, from, p, exe_len);
}

void zj_dt_text_object(struct zj_dt_text *t, const struct zj_proc *p)
{
	size_t from = t->len;

	if (text_memo_hit(&object_memo, t, p, 0)) {
		zj_dt_text_mem(t, object_memo.out, object_memo.out_len);
		return;
	}
	if (p->comm[0]) {
		zj_dt_text_bytes(t, p->comm, bounded_len(p->comm, sizeof(p->comm)),
				 sizeof(p->comm));
		ZJ_DT_LIT(t, " (pid ");
		zj_dt_text_uint(t, p->pid);
		ZJ_DT_LIT(t, ")");
	} else {
		ZJ_DT_LIT(t, "pid ");
		zj_dt_text_uint(t, p->pid);
	}
	text_memo_keep(&object_memo, t, from, p, 0);
}

void zj_dt_text_outcome(struct zj_dt_text *t, const struct zj_event *ev)
{
	if (ev->flags & ZJ_EVF_BLOCKED)
		ZJ_DT_LIT(t, "; blocked in the kernel");
	else if (ev->flags & ZJ_EVF_KILLED)
		ZJ_DT_LIT(t, "; the actor was killed at syscall entry");
}

/* ---- strings and paths ------------------------------------------------------------------- */

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

/*
 * Directories whose programs and libraries only the system (root, packages) installs.  This
 * table and the next are compared per event, for every ancestor: with their lengths.
 */
static const struct zj_dt_lit system_dirs[] = {
	ZJ_DT_LIT_ENTRY("/usr/bin/"),	ZJ_DT_LIT_ENTRY("/usr/sbin/"),
	ZJ_DT_LIT_ENTRY("/bin/"),	ZJ_DT_LIT_ENTRY("/sbin/"),
	ZJ_DT_LIT_ENTRY("/usr/lib/"),	ZJ_DT_LIT_ENTRY("/usr/lib64/"),
	ZJ_DT_LIT_ENTRY("/usr/libexec/"), ZJ_DT_LIT_ENTRY("/lib/"),
	ZJ_DT_LIT_ENTRY("/lib64/"),
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
	if (!p)
		return false;
	/* the directory first: most paths asked about are in none, and that is cheap to see */
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (n > system_dirs[i].n && memcmp(p, system_dirs[i].s, system_dirs[i].n) == 0)
			return !has_dot_segment(p, n) && !memchr(p, '\0', n);
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

static const struct zj_dt_lit package_managers[] = {
	ZJ_DT_LIT_ENTRY("dpkg"),
	ZJ_DT_LIT_ENTRY("apt"),
	ZJ_DT_LIT_ENTRY("apt-get"),
	ZJ_DT_LIT_ENTRY("aptitude"),
	ZJ_DT_LIT_ENTRY("rpm"),
	ZJ_DT_LIT_ENTRY("dnf"),
	ZJ_DT_LIT_ENTRY("dnf5"),
	ZJ_DT_LIT_ENTRY("microdnf"),
	ZJ_DT_LIT_ENTRY("yum"),
	ZJ_DT_LIT_ENTRY("zypper"),
	ZJ_DT_LIT_ENTRY("unattended-upgrade"),
	ZJ_DT_LIT_ENTRY("packagekitd"),
};

static bool is_package_manager_name(struct zj_str name)
{
	if (!name.ptr)
		return false;
	for (size_t i = 0; i < sizeof(package_managers) / sizeof(package_managers[0]); i++)
		if (zj_dt_view_eq(name, package_managers[i].s, package_managers[i].n))
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
	bool named;

	if (!p)
		return false;
	if (p->flags & ZJ_PROC_PKG_DECIDED)
		return (p->flags & ZJ_PROC_PKG_MANAGER) != 0;
	if (!p->exe.ptr)
		return false;
	/*
	 * The name before the directory: it rules out nearly every process for less (the
	 * persistence storm asks it of the actor and 7 ancestors per record).
	 */
	base = zj_dt_basename(p->exe);
	named = is_package_manager_name(base);
	/* dnf, yum and unattended-upgrade are scripts: the kernel runs "python3 /usr/bin/dnf". */
	if (!named && !zj_dt_str_prefix(base, "python") && !zj_dt_str_prefix(base, "perl"))
		return false;
	if (!zj_dt_in_system_dir(p->exe.ptr, p->exe.len))
		return false;
	if (named)
		return true;
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
