/* SPDX-License-Identifier: GPL-2.0-only */
/* The policy file: bounded read, atomic replace (see policyfile.h). */
#define _GNU_SOURCE /* mkostemp() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policyfile.h"
#include "util.h"

int zj_policyfile_read(const char *path, char **ret_data, size_t *ret_len, void *userdata)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;

	if (!path || !ret_data || !ret_len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > (off_t)ZJ_POLICYFILE_MAX)
		return -EFBIG;
	/* Read up to one byte past the limit: the file may have grown since fstat(). */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > ZJ_POLICYFILE_MAX)
				return -EFBIG;
			cap = cap * 2 > ZJ_POLICYFILE_MAX + 1 ? ZJ_POLICYFILE_MAX + 1 : cap * 2;
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
	if (len > ZJ_POLICYFILE_MAX)
		return -EFBIG;
	buf[len] = '\0';
	*ret_data = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return negative_errno();
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The directory the file goes to; created 0755 (whatever the umask) when missing. */
static int ensure_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0)
		return chmod(dir, 0755) < 0 ? negative_errno() : 0;
	if (errno != EEXIST)
		return negative_errno();
	if (stat(dir, &st) < 0)
		return negative_errno();
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	return fsync(fd) < 0 ? negative_errno() : 0;
}

int zj_policyfile_write(const char *path, const char *data, size_t len, void *userdata)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *slash, *base;
	_cleanup_close_ int fd = -1;
	mode_t mode = 0644;
	struct stat st;
	size_t dlen;
	int r;

	if (!path || !path[0] || (!data && len))
		return -EINVAL;
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (!base[0])
		return -EISDIR;
	dlen = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;
	if (dlen >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, slash ? path : ".", dlen);
	dir[dlen] = '\0';
	r = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", strcmp(dir, "/") ? dir : "", base);
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return -ENAMETOOLONG;

	r = ensure_dir(dir);
	if (r < 0)
		return r;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		mode = st.st_mode & 07777;
	} else if (errno != ENOENT) {
		return negative_errno();
	}

	/* mkostemp: O_CREAT|O_EXCL, mode 0600 -- nobody reads a half-written policy. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = write_all(fd, data, len);
	if (r >= 0 && fchmod(fd, mode) < 0)
		r = negative_errno();
	if (r >= 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r >= 0 && close(TAKE_FD(fd)) < 0)
		r = negative_errno();
	if (r >= 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	return fsync_dir(dir);
}

int zj_policyfile_sweep(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = path ? strrchr(path, '/') : NULL, *base;
	size_t blen, dlen;
	struct dirent *e;
	int removed = 0;
	DIR *d;

	if (!path || !path[0])
		return -EINVAL;
	base = slash ? slash + 1 : path;
	blen = strlen(base);
	dlen = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;
	if (!blen || dlen >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, slash ? path : ".", dlen);
	dir[dlen] = '\0';
	d = opendir(dir);
	if (!d)
		return negative_errno();
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		struct stat st;

		/* exactly what zj_policyfile_write's mkostemp() names: "." NAME "." 6 chars */
		if (n[0] != '.' || strncmp(n + 1, base, blen) != 0 || n[1 + blen] != '.' ||
		    strlen(n + 2 + blen) != 6)
			continue;
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(d), n, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
