/* SPDX-License-Identifier: GPL-2.0-only */
/* The ARR back end: the loop over actions, results, the helpers, files and File_repairMbr. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <linux/fs.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "zhijia/sha256.h"
#include "arr-int.h"
#include "quarantine.h"
#include "util.h"

#define ARR_FILE_MAX (256u << 20) /* files rewritten by File_Modify / File_DelText */

const char *zj_arr_status_name(enum zj_arr_status s)
{
	switch (s) {
	case ZJ_ARR_DONE:
		return "done";
	case ZJ_ARR_FAILED:
		return "failed";
	case ZJ_ARR_SKIPPED:
		return "skipped";
	}
	return "unknown";
}

/* ---- recording ------------------------------------------------------------------------------ */

static int strv_push(struct zj_arr_strv *v, const char *s)
{
	char **nv, *d;

	if (v->n >= ZJ_ARR_PLAN_OBJECTS_MAX)
		return -ENOSPC;
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	nv = reallocarray(v->v, v->n + 1, sizeof(*nv));
	if (!nv) {
		free(d);
		return -ENOMEM;
	}
	nv[v->n++] = d;
	v->v = nv;
	return 0;
}

static void record(struct arr_x *x, const char *fmt, va_list ap)
{
	char buf[PATH_MAX + 256];
	int r;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (x->dry)
		r = zj_arr_plan_add_object(x->plan, x->index, buf);
	else
		r = strv_push(&x->res->objects, buf);
	if (r < 0 && r != -ENOSPC && !x->error)
		x->error = r;
}

void arx_ok(struct arr_x *x, const char *fmt, ...)
{
	va_list ap;

	x->n_ok++;
	x->n_seen++;
	va_start(ap, fmt);
	record(x, fmt, ap);
	va_end(ap);
}

void arx_bad(struct arr_x *x, int error, const char *fmt, ...)
{
	char buf[PATH_MAX + 128];
	va_list ap;

	x->n_bad++;
	x->n_seen++;
	if (!x->error)
		x->error = error;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!x->first_bad[0])
		snprintf(x->first_bad, sizeof(x->first_bad), "%.400s (%.60s)", buf,
			 strerror(-error));
	arx_note(x, "%s: %s", buf, strerror(-error));
	x->n_seen--;
}

void arx_note(struct arr_x *x, const char *fmt, ...)
{
	va_list ap;

	x->n_seen++;
	va_start(ap, fmt);
	record(x, fmt, ap);
	va_end(ap);
}

void arx_reason(struct arr_x *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof(x->reason), fmt, ap);
	va_end(ap);
}

int arx_fail(struct arr_x *x, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof(x->reason), fmt, ap);
	va_end(ap);
	return error;
}

/* ---- helpers -------------------------------------------------------------------------------- */

int arx_rooted(const struct arr_x *x, const char *abs, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s%s", x->root, abs) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int critical(const char *path)
{
	return zj_arr_is_critical_path(path) != 0;
}

int arx_guard(struct arr_x *x, const char *path, bool follow, char *ret_real)
{
	char buf[PATH_MAX], parent[PATH_MAX], rp[PATH_MAX], whole[PATH_MAX];
	const char *base;
	bool crit;

	if (strlen(path) >= sizeof(buf) || path[0] != '/')
		return -EINVAL;
	strcpy(buf, path);
	base = strrchr(path, '/') + 1;
	crit = critical(path);
	snprintf(parent, sizeof(parent), "%s", dirname(buf));
	if (realpath(parent, rp)) {
		size_t n = strlen(rp);

		if ((size_t)snprintf(whole, sizeof(whole), "%s%s%s", rp, n > 1 ? "/" : "",
				     base) >= sizeof(whole))
			return -ENAMETOOLONG;
		crit = crit || critical(whole) || (*base == '\0' && critical(rp));
	} else {
		snprintf(whole, sizeof(whole), "%s", path);
	}
	if (follow && realpath(path, rp)) {
		crit = crit || critical(rp);
		snprintf(whole, sizeof(whole), "%s", rp);
	}
	if (ret_real)
		snprintf(ret_real, PATH_MAX, "%s", whole);
	if (crit && !x->rule->force)
		return -EPERM;
	return 0;
}

int arx_keep(struct arr_x *x, const char *path, bool remove, char *ret_id)
{
	char reason[ZJ_ARR_NAME_MAX + 128];

	snprintf(reason, sizeof(reason), "ARR rule '%s' action %zu (%s)", x->rule->name, x->index,
		 zj_arr_instr_name(x->a->instr));
	return zj_quarantine_put(x->o->q, path, reason, remove, ret_id);
}

int arx_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= max)
				return -EFBIG;
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return negative_errno();
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int arx_write_atomic(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
		     gid_t gid)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	_cleanup_close_ int fd = -1, dfd = -1;
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.zj-XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = write_all(fd, data, len);
	if (r == 0 && fchown(fd, uid, gid) < 0)
		r = negative_errno();
	if (r == 0 && fchmod(fd, mode & 07777) < 0)
		r = negative_errno();
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0 && fsync(dfd) < 0)
		return negative_errno();
	return 0;
}

int arx_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int arx_lookup_user(const char *user, uid_t *ret_uid, gid_t *ret_gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r;

	if (all_digits(user)) {
		*ret_uid = (uid_t)strtoul(user, NULL, 10);
		r = getpwuid_r(*ret_uid, &pw, buf, sizeof(buf), &res);
		*ret_gid = r == 0 && res ? res->pw_gid : (gid_t)*ret_uid;
		return 0;
	}
	r = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (r > 0)
		return -r;
	if (!res)
		return -ESRCH;
	*ret_uid = res->pw_uid;
	*ret_gid = res->pw_gid;
	return 0;
}

static int lookup_group(const char *group, gid_t *ret)
{
	struct group gr, *res = NULL;
	char buf[4096];
	int r;

	if (all_digits(group)) {
		*ret = (gid_t)strtoul(group, NULL, 10);
		return 0;
	}
	r = getgrnam_r(group, &gr, buf, sizeof(buf), &res);
	if (r > 0)
		return -r;
	if (!res)
		return -ESRCH;
	*ret = res->gr_gid;
	return 0;
}

int arx_parse_owner(const char *owner, uid_t *ret_uid, gid_t *ret_gid)
{
	char user[256];
	const char *colon = strchr(owner, ':');
	size_t n = colon ? (size_t)(colon - owner) : strlen(owner);
	gid_t ignored;
	int r;

	*ret_uid = (uid_t)-1;
	*ret_gid = (gid_t)-1;
	if (n >= sizeof(user))
		return -EINVAL;
	memcpy(user, owner, n);
	user[n] = '\0';
	if (n) {
		r = arx_lookup_user(user, ret_uid, &ignored);
		if (r < 0)
			return r;
	}
	if (colon && colon[1]) {
		r = lookup_group(colon + 1, ret_gid);
		if (r < 0)
			return r;
	}
	return 0;
}

bool arx_systemd_running(const struct arr_x *x)
{
	struct stat st;

	/* sd_booted()'s test, on the host only */
	return x->root[0] == '\0' && lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- files ---------------------------------------------------------------------------------- */

static int file_create(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char real[PATH_MAX], id[ZJ_QUARANTINE_ID_MAX] = "";
	uid_t uid = 0;
	gid_t gid = 0;
	struct stat st;
	int r;

	r = arx_guard(x, a->path, false, real);
	if (r < 0)
		return arx_fail(x, r, "%s is a system-critical path; the rule needs \"force\": true",
				a->path);
	if (a->owner) {
		uid_t u;
		gid_t g;

		r = arx_parse_owner(a->owner, &u, &g);
		if (r < 0)
			return arx_fail(x, r, "owner '%s': no such user or group", a->owner);
		if (u != (uid_t)-1)
			uid = u;
		if (g != (gid_t)-1)
			gid = g;
	}
	if (lstat(real, &st) == 0) {
		if (!a->overwrite)
			return arx_fail(x, -EEXIST, "%s exists (\"overwrite\": true replaces it)",
					a->path);
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			return arx_fail(x, -EINVAL, "%s exists and is not a regular file",
					a->path);
		if (x->dry) {
			arx_ok(x, "%s (replaced; the old file kept in quarantine)", real);
			return 0;
		}
		r = arx_keep(x, real, false, id);
		if (r < 0)
			return arx_fail(x, r, "could not keep the old %s in quarantine", real);
	} else if (x->dry) {
		arx_ok(x, "%s (new)", real);
		return 0;
	}
	r = arx_write_atomic(real, a->content ? a->content : "",
			     a->content ? strlen(a->content) : 0,
			     a->mode >= 0 ? (mode_t)a->mode : 0644, uid, gid);
	if (r < 0)
		return arx_fail(x, r, "could not write %s", real);
	if (*id)
		arx_ok(x, "created %s; the old file is quarantine item %s", real, id);
	else
		arx_ok(x, "created %s", real);
	return 0;
}

/* Read an existing regular file to be rewritten (the path resolved). */
static int open_for_rewrite(struct arr_x *x, const char *path, char *real, struct stat *st,
			    char **buf, size_t *len)
{
	int r;

	r = arx_guard(x, path, true, real);
	if (r < 0)
		return arx_fail(x, r, "%s is a system-critical path; the rule needs \"force\": true",
				path);
	if (stat(real, st) < 0)
		return arx_fail(x, negative_errno(), "%s: %s", path, strerror(errno));
	if (!S_ISREG(st->st_mode))
		return arx_fail(x, -EINVAL, "%s is not a regular file", path);
	r = arx_read_file(real, ARR_FILE_MAX, buf, len);
	if (r < 0)
		return arx_fail(x, r, "could not read %s", real);
	return 0;
}

static int rewrite(struct arr_x *x, const char *real, const struct stat *st, const char *data,
		   size_t len, const char *what)
{
	char id[ZJ_QUARANTINE_ID_MAX];
	int r;

	if (x->dry) {
		arx_ok(x, "%s (%s; the old file kept in quarantine)", real, what);
		return 0;
	}
	r = arx_keep(x, real, false, id);
	if (r < 0)
		return arx_fail(x, r, "could not keep %s in quarantine", real);
	r = arx_write_atomic(real, data, len, st->st_mode, st->st_uid, st->st_gid);
	if (r < 0)
		return arx_fail(x, r, "could not rewrite %s (the old one is quarantine item %s)",
				real, id);
	arx_ok(x, "%s: %s; the old file is quarantine item %s", real, what, id);
	return 0;
}

static int file_modify(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	_cleanup_free_ char *buf = NULL, *nbuf = NULL;
	char real[PATH_MAX];
	struct stat st;
	size_t len;
	int r;

	r = open_for_rewrite(x, a->path, real, &st, &buf, &len);
	if (r < 0)
		return r;
	if (a->content)
		return rewrite(x, real, &st, a->content, strlen(a->content), "content replaced");
	if (a->append) {
		size_t n = strlen(a->append);

		nbuf = malloc(len + n + 1);
		if (!nbuf)
			return -ENOMEM;
		memcpy(nbuf, buf, len);
		memcpy(nbuf + len, a->append, n);
		return rewrite(x, real, &st, nbuf, len + n, "text appended");
	}
	if (a->offset < 0 || (uint64_t)a->offset + a->hex.len > len)
		return arx_fail(x, -ERANGE, "offset %lld + %zu bytes lies past the end of %s (%zu)",
				(long long)a->offset, a->hex.len, real, len);
	memcpy(buf + a->offset, a->hex.data, a->hex.len);
	return rewrite(x, real, &st, buf, len, "bytes written");
}

/* Does the file at path have one of the digests?  1 yes, 0 no, < 0 error. */
static int has_digest(const char *path, const struct zj_arr_strv *digests)
{
	_cleanup_close_ int fd = -1;
	struct zj_sha256 sha;
	uint8_t d[ZJ_SHA256_LEN];
	char hex[ZJ_SHA256_HEX_LEN + 1], buf[65536];
	ssize_t n;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	zj_sha256_init(&sha);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		zj_sha256_update(&sha, buf, (size_t)n);
	}
	zj_sha256_final(&sha, d);
	zj_sha256_hex(d, hex);
	for (size_t i = 0; i < digests->n; i++)
		if (strcmp(hex, digests->v[i]) == 0)
			return 1;
	return 0;
}

/* One file to delete (a search hit or a path). */
static int delete_one(struct arr_x *x, const char *path, const struct stat *st, void *ud)
{
	char real[PATH_MAX], id[ZJ_QUARANTINE_ID_MAX];
	int r;

	if (S_ISDIR(st->st_mode)) {
		arx_note(x, "%s is a directory: left", path);
		return 0;
	}
	if (!S_ISREG(st->st_mode) && !S_ISLNK(st->st_mode)) {
		arx_note(x, "%s is not a regular file or a symlink: left", path);
		return 0;
	}
	r = arx_guard(x, path, false, real);
	if (r < 0) {
		arx_bad(x, r, "%s is a system-critical path (\"force\": true needed)", path);
		return 0;
	}
	if (x->a->sha256.n && S_ISREG(st->st_mode)) {
		r = has_digest(real, &x->a->sha256);
		if (r < 0) {
			arx_bad(x, r, "%s: could not hash it", real);
			return 0;
		}
		if (r == 0) {
			arx_note(x, "%s: another SHA-256: left", real);
			return 0;
		}
	} else if (x->a->sha256.n) {
		arx_note(x, "%s is a symlink; only files with the given SHA-256 go: left", real);
		return 0;
	}
	if (x->dry) {
		arx_ok(x, "%s", real);
		return 0;
	}
	r = arx_keep(x, real, true, id);
	if (r == -ENOENT) {
		arx_note(x, "%s vanished meanwhile", real);
		return 0;
	}
	if (r < 0) {
		arx_bad(x, r, "%s: not deleted", real);
		return 0;
	}
	arx_ok(x, "deleted %s; quarantine item %s", real, id);
	return 0;
}

static int file_delete(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	int r;

	if (a->cond.kind == ZJ_ARR_COND_SCOPE) {
		r = arx_search(x, &a->cond, &a->filenames, delete_one, NULL);
		if (r < 0)
			return r;
		if (x->n_seen == 0)
			arx_reason(x, "no file of these names found");
		return 0;
	}
	for (size_t i = 0; i < a->filenames.n; i++) {
		struct stat st;

		if (lstat(a->filenames.v[i], &st) < 0) {
			if (errno == ENOENT)
				arx_note(x, "%s: not there", a->filenames.v[i]);
			else
				arx_bad(x, negative_errno(), "%s", a->filenames.v[i]);
			continue;
		}
		r = delete_one(x, a->filenames.v[i], &st, NULL);
		if (r < 0)
			return r;
	}
	if (x->n_ok == 0 && x->n_bad == 0)
		arx_reason(x, "none of these files is there");
	return 0;
}

static int file_rename(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char from[PATH_MAX], to[PATH_MAX], id[ZJ_QUARANTINE_ID_MAX] = "";
	_cleanup_free_ char *buf = NULL;
	struct stat st, tst;
	size_t len;
	int r;

	r = arx_guard(x, a->path, false, from);
	if (r == 0)
		r = arx_guard(x, a->to, false, to);
	if (r < 0)
		return arx_fail(x, r, "a system-critical path; the rule needs \"force\": true");
	if (lstat(from, &st) < 0)
		return arx_fail(x, negative_errno(), "%s: %s", from, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return arx_fail(x, -EISDIR, "%s is a directory", from);
	if (x->dry) {
		arx_ok(x, "%s -> %s", from, to);
		return 0;
	}
	if (lstat(to, &tst) == 0) {
		r = arx_keep(x, to, true, id);
		if (r < 0)
			return arx_fail(x, r, "could not keep %s in quarantine", to);
	}
	if (rename(from, to) == 0) {
		arx_ok(x, "renamed %s to %s%s%s", from, to, *id ? "; the file there before is quarantine item " : "", id);
		return 0;
	}
	if (errno != EXDEV)
		return arx_fail(x, negative_errno(), "rename %s: %s", from, strerror(errno));
	/* another file system: copy (regular files only), then delete through the quarantine */
	if (!S_ISREG(st.st_mode))
		return arx_fail(x, -EXDEV, "%s is not a regular file and %s is on another file system",
				from, to);
	r = arx_read_file(from, ARR_FILE_MAX, &buf, &len);
	if (r == 0)
		r = arx_write_atomic(to, buf, len, st.st_mode, st.st_uid, st.st_gid);
	if (r < 0)
		return arx_fail(x, r, "could not copy %s to %s", from, to);
	r = arx_keep(x, from, true, id);
	if (r < 0)
		return arx_fail(x, r, "copied to %s, but could not remove %s", to, from);
	arx_ok(x, "moved %s to %s (the original is also quarantine item %s)", from, to, id);
	return 0;
}

static int file_attribute(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char real[PATH_MAX], what[128] = "";
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct stat st;
	int r;

	r = arx_guard(x, a->path, false, real);
	if (r < 0)
		return arx_fail(x, r, "%s is a system-critical path; the rule needs \"force\": true",
				a->path);
	if (lstat(real, &st) < 0)
		return arx_fail(x, negative_errno(), "%s: %s", real, strerror(errno));
	if (a->owner) {
		r = arx_parse_owner(a->owner, &uid, &gid);
		if (r < 0)
			return arx_fail(x, r, "owner '%s': no such user or group", a->owner);
	}
	if (S_ISLNK(st.st_mode) && (a->mode >= 0 || a->immutable >= 0))
		return arx_fail(x, -ELOOP, "%s is a symbolic link: only its owner can change", real);
	if (x->dry) {
		arx_ok(x, "%s", real);
		return 0;
	}
	_cleanup_close_ int fd = -1;
	int flags = 0;

	if (a->immutable >= 0) {
		fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
			return arx_fail(x, negative_errno(), "%s: cannot read its flags: %s", real,
					strerror(errno));
	}
	/* an immutable file takes no other change: clear the flag first, set it last */
	if (a->immutable == 0 && (flags & FS_IMMUTABLE_FL)) {
		flags &= ~FS_IMMUTABLE_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
			return arx_fail(x, negative_errno(), "%s: cannot clear immutable: %s", real,
					strerror(errno));
	}
	if (a->immutable == 0)
		strcat(what, " immutable cleared");
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && lchown(real, uid, gid) < 0)
		return arx_fail(x, negative_errno(), "%s: chown: %s", real, strerror(errno));
	if (a->owner)
		strcat(what, " owner changed");
	if (a->mode >= 0 && fchmodat(AT_FDCWD, real, (mode_t)a->mode, 0) < 0)
		return arx_fail(x, negative_errno(), "%s: chmod: %s", real, strerror(errno));
	if (a->mode >= 0)
		strcat(what, " mode changed");
	if (a->immutable == 1) {
		flags |= FS_IMMUTABLE_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
			return arx_fail(x, negative_errno(), "%s: cannot set immutable: %s", real,
					strerror(errno));
		strcat(what, " immutable set");
	}
	arx_ok(x, "%s:%s", real, what);
	return 0;
}

static int file_deltext(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	_cleanup_free_ char *buf = NULL, *out = NULL;
	char real[PATH_MAX];
	size_t len, o = 0, removed = 0;
	struct stat st;
	int r;

	r = open_for_rewrite(x, a->path, real, &st, &buf, &len);
	if (r < 0)
		return r;
	out = malloc(len + 1);
	if (!out)
		return -ENOMEM;
	if (a->text.n) {
		for (size_t i = 0; i < len;) {
			char *nl = memchr(buf + i, '\n', len - i);
			size_t end = nl ? (size_t)(nl - buf) + 1 : len;
			bool hit = false;
			char save = buf[end - (nl ? 1 : 0)];

			/* the line without its newline, as a C string for strstr */
			buf[end - (nl ? 1 : 0)] = '\0';
			for (size_t k = 0; k < a->text.n && !hit; k++)
				hit = strstr(buf + i, a->text.v[k]) != NULL;
			buf[end - (nl ? 1 : 0)] = save;
			if (hit) {
				removed++;
			} else {
				memcpy(out + o, buf + i, end - i);
				o += end - i;
			}
			i = end;
		}
	} else {
		for (size_t i = 0; i < len;) {
			if (i + a->hex.len <= len && memcmp(buf + i, a->hex.data, a->hex.len) == 0) {
				removed++;
				i += a->hex.len;
			} else {
				out[o++] = buf[i++];
			}
		}
	}
	if (!removed) {
		arx_note(x, "%s: nothing matches: left", real);
		arx_reason(x, "nothing to remove in %s", real);
		return 0;
	}
	char what[64];

	snprintf(what, sizeof(what), "%zu %s removed", removed, a->text.n ? "lines" : "matches");
	return rewrite(x, real, &st, out, o, what);
}

/* ---- File_repairMbr ------------------------------------------------------------------------- */

#define SECTOR ZJ_ARR_SECTOR_SIZE
#define PTABLE_OFF 446
#define PTABLE_END 510

static const char *disk_name(const char *disk)
{
	const char *b = strrchr(disk, '/');

	return b ? b + 1 : disk;
}

int zj_arr_mbr_backup(const char *root, const char *disk)
{
	char dir[PATH_MAX], path[PATH_MAX];
	uint8_t sector[SECTOR];
	_cleanup_close_ int fd = -1;
	const char *r0 = root && strcmp(root, "/") != 0 ? root : "";
	int r;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/var/lib/zhijia/mbr", r0) >= sizeof(dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.mbr", dir, disk_name(disk)) >=
		    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(disk, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	errno = 0;
	if (pread(fd, sector, SECTOR, 0) != SECTOR)
		return errno ? negative_errno() : -EIO;
	r = arx_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	return arx_write_atomic(path, sector, SECTOR, 0600, 0, 0);
}

/* The disks holding / and /boot ("/dev/sda"), from mountinfo. */
static int system_disks(struct arr_x *x, struct zj_arr_strv *ret)
{
	const char *mounts[] = {"/", "/boot"};
	char p[PATH_MAX], name[64], dev[80];
	struct stat st;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(mounts); i++) {
		r = arx_rooted(x, strcmp(mounts[i], "/") == 0 && *x->root ? "" : mounts[i], p,
			       sizeof(p));
		if (r < 0 || stat(*p ? p : "/", &st) < 0)
			continue;
		if (arx_disk_of(major(st.st_dev), minor(st.st_dev), name, sizeof(name)) < 0)
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", name);
		bool have = false;

		for (size_t k = 0; k < ret->n; k++)
			have = have || strcmp(ret->v[k], dev) == 0;
		if (!have) {
			r = strv_push(ret, dev);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static void strv_clear(struct zj_arr_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int zj_arr_mbr_backup_system(const char *root, size_t *ret_taken)
{
	struct zj_arr_strv disks = {0};
	struct arr_x x = {.root = root && strcmp(root, "/") != 0 ? root : ""};
	size_t taken = 0;
	int r;

	r = system_disks(&x, &disks);
	for (size_t i = 0; i < disks.n && r == 0; i++) {
		char path[PATH_MAX];
		uint8_t now[SECTOR], kept[SECTOR];
		_cleanup_close_ int fd = -1, kfd = -1;

		if ((size_t)snprintf(path, sizeof(path), "%s/var/lib/zhijia/mbr/%s.mbr", x.root,
				     disk_name(disks.v[i])) >= sizeof(path)) {
			r = -ENAMETOOLONG;
			break;
		}
		fd = open(disks.v[i], O_RDONLY | O_CLOEXEC);
		errno = 0;
		if (fd < 0 || pread(fd, now, SECTOR, 0) != SECTOR) {
			r = errno ? negative_errno() : -EIO;
			break;
		}
		kfd = open(path, O_RDONLY | O_CLOEXEC);
		/* a backup that still has the disk's partition table is kept as it is */
		if (kfd >= 0 && pread(kfd, kept, SECTOR, 0) == SECTOR &&
		    memcmp(now + PTABLE_OFF, kept + PTABLE_OFF, PTABLE_END - PTABLE_OFF) == 0)
			continue;
		r = zj_arr_mbr_backup(root, disks.v[i]);
		if (r == 0)
			taken++;
	}
	strv_clear(&disks);
	if (ret_taken)
		*ret_taken = taken;
	return r;
}

static int repair_one(struct arr_x *x, const char *disk)
{
	const struct zj_arr_action *a = x->a;
	const struct zj_arr_cond *c = &a->cond;
	uint8_t sector[SECTOR], good[SECTOR];
	char data[PATH_MAX], id[ZJ_QUARANTINE_ID_MAX];
	_cleanup_close_ int fd = -1, dfd = -1;
	struct stat st;
	int r;

	fd = open(disk, (x->dry ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		arx_bad(x, negative_errno(), "%s", disk);
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		arx_bad(x, -EINVAL, "%s is not a disk or a disk image", disk);
		return 0;
	}
	errno = 0;
	if (pread(fd, sector, SECTOR, 0) != SECTOR) {
		arx_bad(x, errno ? negative_errno() : -EIO, "%s: cannot read sector 0", disk);
		return 0;
	}
	if (c->kind == ZJ_ARR_COND_MBR) {
		bool same = memcmp(sector + c->mbr_offset, c->mbr_bytes.data, c->mbr_bytes.len) == 0;

		if (same != c->mbr_equal) {
			arx_note(x, "%s: sector 0 does not meet the condition: left", disk);
			return 0;
		}
	}
	if (strcasecmp(a->data, "backup") == 0) {
		r = arx_rooted(x, "/var/lib/zhijia/mbr/", data, sizeof(data));
		if (r == 0 && strlen(data) + strlen(disk_name(disk)) + 5 >= sizeof(data))
			r = -ENAMETOOLONG;
		if (r < 0) {
			arx_bad(x, r, "%s: backup path", disk);
			return 0;
		}
		strcat(data, disk_name(disk));
		strcat(data, ".mbr");
	} else {
		snprintf(data, sizeof(data), "%s", a->data);
	}
	dfd = open(data, O_RDONLY | O_CLOEXEC);
	if (dfd < 0) {
		arx_bad(x, negative_errno(), "%s: no sector image %s", disk, data);
		return 0;
	}
	errno = 0;
	if (pread(dfd, good, SECTOR, 0) != SECTOR) {
		arx_bad(x, errno ? negative_errno() : -EIO, "%s: %s holds less than 512 bytes", disk,
			data);
		return 0;
	}
	if (memcmp(sector + PTABLE_OFF, good + PTABLE_OFF, PTABLE_END - PTABLE_OFF) != 0 &&
	    !x->rule->force) {
		arx_bad(x, -ESTALE,
			"%s: the partition table of %s differs from the disk's (\"force\": true "
			"restores it anyway)",
			disk, data);
		return 0;
	}
	if (memcmp(sector, good, SECTOR) == 0) {
		arx_note(x, "%s: sector 0 already equals %s", disk, data);
		return 0;
	}
	if (x->dry) {
		arx_ok(x, "%s: sector 0 from %s", disk, data);
		return 0;
	}
	{
		char reason[ZJ_ARR_NAME_MAX + 64];

		snprintf(reason, sizeof(reason), "ARR rule '%s' action %zu (File_repairMbr)",
			 x->rule->name, x->index);
		r = zj_quarantine_put_sector(x->o->q, disk, sector, SECTOR, reason, id);
	}
	if (r < 0) {
		arx_bad(x, r, "%s: could not keep sector 0 in quarantine", disk);
		return 0;
	}
	errno = 0;
	if (pwrite(fd, good, SECTOR, 0) != SECTOR || fsync(fd) < 0) {
		arx_bad(x, errno ? negative_errno() : -EIO, "%s: writing sector 0 failed", disk);
		return 0;
	}
	/* read it back: the device must hold what was written */
	errno = 0;
	if (pread(fd, sector, SECTOR, 0) != SECTOR || memcmp(sector, good, SECTOR) != 0) {
		arx_bad(x, errno ? negative_errno() : -EIO, "%s: sector 0 reads back different",
			disk);
		return 0;
	}
	arx_ok(x, "%s: sector 0 restored from %s; the old one is quarantine item %s", disk, data,
	       id);
	return 0;
}

static int file_repair_mbr(struct arr_x *x)
{
	struct zj_arr_strv found = {0};
	int r = 0;

	if (x->a->disk) {
		r = repair_one(x, x->a->disk);
	} else if (x->o->system_disks) {
		for (size_t i = 0; x->o->system_disks[i] && r == 0; i++)
			r = repair_one(x, x->o->system_disks[i]);
	} else {
		r = system_disks(x, &found);
		if (r == 0 && found.n == 0)
			r = arx_fail(x, -ENODEV, "no system disk found (/ and /boot are not on a "
						 "block device); name one with \"disk\"");
		for (size_t i = 0; i < found.n && r == 0; i++)
			r = repair_one(x, found.v[i]);
		strv_clear(&found);
	}
	if (r == 0 && x->n_ok == 0 && x->n_bad == 0)
		arx_reason(x, "no sector meets the condition");
	return r;
}

/* ---- the loop ------------------------------------------------------------------------------- */

static int run_action(struct arr_x *x)
{
	switch (x->a->instr) {
	case ZJ_ARR_FILE_CREATE:
		return file_create(x);
	case ZJ_ARR_FILE_MODIFY:
		return file_modify(x);
	case ZJ_ARR_FILE_DELETE:
		return file_delete(x);
	case ZJ_ARR_FILE_RENAME:
		return file_rename(x);
	case ZJ_ARR_FILE_ATTRIBUTE:
		return file_attribute(x);
	case ZJ_ARR_FILE_DELTEXT:
		return file_deltext(x);
	case ZJ_ARR_FILE_REPAIR_MBR:
		return file_repair_mbr(x);
	case ZJ_ARR_PROC_CREATE:
		return arx_do_proc_create(x);
	case ZJ_ARR_PROC_MODIFY:
	case ZJ_ARR_PROC_TERMINATE:
	case ZJ_ARR_PROC_MODULE_THREADS:
		return arx_do_proc(x);
	case ZJ_ARR_TASK_CREATE:
	case ZJ_ARR_TASK_MODIFY:
	case ZJ_ARR_TASK_DELETE:
		return arx_do_task(x);
	case ZJ_ARR_SCRIPT_SHELL:
	case ZJ_ARR_SCRIPT_FILE:
		return arx_do_script(x);
	case ZJ_ARR_OTHER_DEVICE:
		return arx_do_device(x);
	case ZJ_ARR_OTHER_NETOFF:
	case ZJ_ARR_OTHER_DISABLED_PORT:
	case ZJ_ARR_OTHER_DISABLED_IP:
		return arx_do_net(x);
	case ZJ_ARR_OTHER_CREATE_MUTEX:
		return arx_do_mutex(x);
	case ZJ_ARR_OTHER_QUICKSCAN:
		return arx_do_quickscan(x);
	default:
		return arx_fail(x, -EOPNOTSUPP, "%s is not supported on linux",
				zj_arr_instr_name(x->a->instr));
	}
}

static int setup_x(struct arr_x *x, const struct zj_arr_rule *rule,
		   const struct zj_arr_exec_opts *o, size_t i)
{
	memset(x, 0, sizeof(*x));
	x->rule = rule;
	x->a = &rule->actions[i];
	x->index = i;
	x->o = o;
	x->root = o->root && strcmp(o->root, "/") != 0 ? o->root : "";
	return 0;
}

static int check_rule(const struct zj_arr_rule *rule, const struct zj_arr_exec_opts *o)
{
	if (!rule || !o)
		return -EINVAL;
	if (rule->needs_ctx)
		return -EINVAL; /* zj_arr_expand() first */
	if (o->root && (o->root[0] != '/' || strlen(o->root) >= PATH_MAX / 2 ||
			(strlen(o->root) > 1 && o->root[strlen(o->root) - 1] == '/')))
		return -EINVAL;
	for (size_t i = 0; i < rule->n_actions; i++)
		if (!zj_arr_instr_on_linux(rule->actions[i].instr))
			return -EOPNOTSUPP;
	return 0;
}

int zj_arr_exec_run(const struct zj_arr_rule *rule, const struct zj_arr_exec_opts *o,
		    struct zj_arr_run **ret)
{
	struct zj_arr_run *run;
	struct arr_x x;
	int r;

	r = check_rule(rule, o);
	if (r < 0)
		return r;
	if (!o->q)
		return -EINVAL;
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->name = strdup(rule->name);
	run->results = calloc(rule->n_actions, sizeof(*run->results));
	if (!run->name || !run->results) {
		zj_arr_run_free(run);
		return -ENOMEM;
	}
	run->n_results = rule->n_actions;
	run->started = (int64_t)time(NULL);
	for (size_t i = 0; i < rule->n_actions; i++) {
		struct zj_arr_result *res = &run->results[i];

		setup_x(&x, rule, o, i);
		x.res = res;
		res->index = i;
		res->instr = rule->actions[i].instr;
		r = run_action(&x);
		if (r < 0 && !x.error)
			x.error = r;
		if (r < 0 || x.n_bad) {
			res->status = ZJ_ARR_FAILED;
			res->error = x.error;
			if (!x.reason[0])
				snprintf(x.reason, sizeof(x.reason), "%zu of %zu failed; first: %.400s",
					 x.n_bad, x.n_ok + x.n_bad,
					 x.first_bad[0] ? x.first_bad : strerror(-x.error));
		} else if (x.n_ok) {
			res->status = ZJ_ARR_DONE;
			if (!x.reason[0])
				snprintf(x.reason, sizeof(x.reason), "%zu done", x.n_ok);
		} else {
			res->status = ZJ_ARR_SKIPPED;
			if (!x.reason[0])
				snprintf(x.reason, sizeof(x.reason), "nothing to do");
		}
		res->reason = strdup(x.reason);
		if (!res->reason) {
			zj_arr_run_free(run);
			return -ENOMEM;
		}
		if (res->status == ZJ_ARR_DONE)
			run->n_done++;
		else if (res->status == ZJ_ARR_FAILED)
			run->n_failed++;
		else
			run->n_skipped++;
	}
	run->ended = (int64_t)time(NULL);
	*ret = run;
	return 0;
}

void zj_arr_run_free(struct zj_arr_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; run->results && i < run->n_results; i++) {
		free(run->results[i].reason);
		strv_clear(&run->results[i].objects);
	}
	free(run->results);
	free(run->name);
	free(run);
}

int zj_arr_exec_plan(const struct zj_arr_rule *rule, const struct zj_arr_exec_opts *o,
		     struct zj_arr_plan **ret)
{
	struct zj_arr_plan *plan = NULL;
	struct arr_x x;
	int r;

	r = check_rule(rule, o);
	if (r < 0)
		return r;
	r = zj_arr_plan_build(rule, &plan);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rule->n_actions; i++) {
		setup_x(&x, rule, o, i);
		x.dry = true;
		x.plan = plan;
		r = run_action(&x);
		if (r == -ENOMEM || x.error == -ENOMEM) {
			zj_arr_plan_free(plan);
			return -ENOMEM;
		}
		if (r < 0) {
			char line[sizeof(x.reason) + 32];

			snprintf(line, sizeof(line), "would fail: %s", x.reason[0] ? x.reason : strerror(-r));
			(void)zj_arr_plan_add_object(plan, i, line);
		}
	}
	*ret = plan;
	return 0;
}

/* ---- output --------------------------------------------------------------------------------- */

int zj_arr_run_to_json(const struct zj_arr_run *run, char **ret_text)
{
	json_object *o, *arr;
	char *s;

	o = json_object_new_object();
	arr = json_object_new_array();
	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return -ENOMEM;
	}
	json_object_object_add(o, "type", json_object_new_string("arr"));
	json_object_object_add(o, "rule", json_object_new_string(run->name));
	json_object_object_add(o, "started", json_object_new_int64(run->started));
	json_object_object_add(o, "ended", json_object_new_int64(run->ended));
	json_object_object_add(o, "done", json_object_new_int64((int64_t)run->n_done));
	json_object_object_add(o, "failed", json_object_new_int64((int64_t)run->n_failed));
	json_object_object_add(o, "skipped", json_object_new_int64((int64_t)run->n_skipped));
	for (size_t i = 0; i < run->n_results; i++) {
		const struct zj_arr_result *res = &run->results[i];
		json_object *e = json_object_new_object(), *objs = json_object_new_array();

		if (!e || !objs) {
			json_object_put(e);
			json_object_put(objs);
			json_object_put(arr);
			json_object_put(o);
			return -ENOMEM;
		}
		json_object_object_add(e, "index", json_object_new_int64((int64_t)res->index));
		json_object_object_add(e, "action",
				       json_object_new_string(zj_arr_instr_name(res->instr)));
		json_object_object_add(e, "status",
				       json_object_new_string(zj_arr_status_name(res->status)));
		if (res->error)
			json_object_object_add(e, "error",
					       json_object_new_string(strerror(-res->error)));
		json_object_object_add(e, "reason",
				       json_object_new_string(res->reason ? res->reason : ""));
		for (size_t k = 0; k < res->objects.n; k++)
			json_object_array_add(objs, json_object_new_string(res->objects.v[k]));
		json_object_object_add(e, "objects", objs);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "results", arr);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (!s)
		return -ENOMEM;
	*ret_text = s;
	return (int)strlen(s);
}

int zj_arr_run_to_text(const struct zj_arr_run *run, char **ret_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "rule %s: %zu done, %zu failed, %zu skipped\n", run->name, run->n_done,
		run->n_failed, run->n_skipped);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct zj_arr_result *res = &run->results[i];

		fprintf(f, "  %zu. %s: %s: %s\n", i + 1, zj_arr_instr_name(res->instr),
			zj_arr_status_name(res->status), res->reason ? res->reason : "");
		for (size_t k = 0; k < res->objects.n; k++)
			fprintf(f, "       %s\n", res->objects.v[k]);
	}
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*ret_text = buf;
	return (int)len;
}
