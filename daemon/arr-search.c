/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Search scopes: which file systems a scope covers (from /proc/self/mountinfo), and the walk
 * of each one.  The walk never follows a symbolic link and never leaves the file system it
 * started on: every directory is opened component by component from the file system's top
 * with O_NOFOLLOW | O_DIRECTORY, and its device must be the top's.  Directories to visit wait
 * on a heap stack, so the walk holds two descriptors however deep the tree is.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "arr-int.h"
#include "util.h"

#define WALK_DEPTH_MAX 4096 /* unlimited in practice; PATH_MAX bounds it anyway */

/* Pseudo and network file systems are not searched (zhijia-arr(5)). */
static const char *const skip_fs[] = {
	"proc",	      "sysfs",	     "devtmpfs",   "devpts",	   "cgroup",	 "cgroup2",
	"bpf",	      "tracefs",     "debugfs",	   "securityfs",   "pstore",	 "efivarfs",
	"configfs",   "fusectl",     "mqueue",	   "hugetlbfs",	   "autofs",	 "binfmt_misc",
	"rpc_pipefs", "nsfs",	     "selinuxfs",  "nfs",	   "nfs4",	 "cifs",
	"smb3",	      "smbfs",	     "9p",	   "ceph",	   "glusterfs",	 "afs",
	"ncpfs",      "virtiofs",    "nfsd",	   "sunrpc",
};

static bool local_fs(const char *type)
{
	for (size_t i = 0; i < ELEMENTSOF(skip_fs); i++)
		if (strcmp(type, skip_fs[i]) == 0)
			return false;
	/* FUSE: only fuseblk (a local block device: ntfs-3g, exfat) */
	if (strncmp(type, "fuse", 4) == 0)
		return strcmp(type, "fuseblk") == 0;
	return true;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int arx_disk_of(unsigned maj, unsigned min, char *ret, size_t len)
{
	char link[64], path[PATH_MAX], part[PATH_MAX + 16];
	char *slash;
	struct stat st;

	if (maj == 0)
		return -ENOENT; /* tmpfs, overlay, btrfs subvolumes: no disk of their own */
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", maj, min);
	if (!realpath(link, path))
		return negative_errno();
	/* .../block/sda/sda1: a partition has a "partition" file; its disk is the parent */
	snprintf(part, sizeof(part), "%s/partition", path);
	if (stat(part, &st) == 0) {
		slash = strrchr(path, '/');
		if (slash)
			*slash = '\0';
	}
	slash = strrchr(path, '/');
	if (!slash || (size_t)snprintf(ret, len, "%s", slash + 1) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static bool disk_removable(const char *disk)
{
	char p[PATH_MAX], real[PATH_MAX], v[4] = "";
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(p, sizeof(p), "/sys/block/%s/removable", disk);
	f = fopen(p, "re");
	if (f && fgets(v, sizeof(v), f) && v[0] == '1')
		return true;
	snprintf(p, sizeof(p), "/sys/block/%s", disk);
	return realpath(p, real) && strstr(real, "/usb") != NULL;
}

struct top {
	char *path;
	dev_t dev;
};

struct tops {
	size_t n;
	struct top *v;
};

static void tops_clear(struct tops *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].path);
	free(t->v);
}

static int tops_add(struct tops *t, const char *path)
{
	struct top *nv;
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0; /* gone, or over-mounted by a file: nothing to search */
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].dev == st.st_dev)
			return 0; /* each file system once (bind mounts) */
	nv = reallocarray(t->v, t->n + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	t->v = nv;
	t->v[t->n].path = strdup(path);
	if (!t->v[t->n].path)
		return -ENOMEM;
	t->v[t->n].dev = st.st_dev;
	t->n++;
	return 0;
}

static bool under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (n == 0)
		return true;
	return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The tops of the file systems cond covers. */
static int scope_tops(struct arr_x *x, const struct zj_arr_cond *cond, struct tops *t)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[4 * PATH_MAX], rootreal[PATH_MAX], rootdisk[64] = "";
	const char *top = x->root[0] ? x->root : "/";
	struct stat st;
	int r;

	if (!realpath(top, rootreal))
		return arx_fail(x, negative_errno(), "search root %s: %s", top, strerror(errno));
	if (stat(rootreal, &st) == 0)
		(void)arx_disk_of(major(st.st_dev), minor(st.st_dev), rootdisk, sizeof(rootdisk));
	if (cond->scope != ZJ_ARR_SCOPE_UDISK) {
		r = tops_add(t, rootreal);
		if (r < 0)
			return r;
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return arx_fail(x, negative_errno(), "cannot read /proc/self/mountinfo: %s",
				strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], type[64], disk[64];
		unsigned maj, min;
		char *dash;

		/* 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue */
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mnt) != 3)
			continue;
		dash = strstr(line, " - ");
		if (!dash || sscanf(dash + 3, "%63s", type) != 1)
			continue;
		unescape(mnt);
		if (!local_fs(type) || !under(mnt, strcmp(rootreal, "/") ? rootreal : ""))
			continue;
		if (cond->scope == ZJ_ARR_SCOPE_SYSTEMDISK &&
		    (!rootdisk[0] || arx_disk_of(maj, min, disk, sizeof(disk)) < 0 ||
		     strcmp(disk, rootdisk) != 0))
			continue;
		if (cond->scope == ZJ_ARR_SCOPE_UDISK &&
		    (arx_disk_of(maj, min, disk, sizeof(disk)) < 0 || !disk_removable(disk)))
			continue;
		r = tops_add(t, mnt);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Open rel (a/b/c, or "" for the top) below topfd, one component at a time, not following
 * links and not leaving the device. */
static int open_beneath(int topfd, dev_t dev, const char *rel)
{
	_cleanup_close_ int fd = -1;
	char buf[PATH_MAX], *save = NULL, *c;
	struct stat st;

	fd = fcntl(topfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return negative_errno();
	if (strlen(rel) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (nfd < 0)
			return negative_errno();
		(void)close(fd);
		fd = nfd;
	}
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_dev != dev)
		return -EXDEV;
	return TAKE_FD(fd);
}

struct pending {
	char *rel;
	unsigned depth; /* 1: the top directory */
};

static bool wanted(const struct zj_arr_strv *names, const char *name)
{
	if (!names)
		return true;
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i], name) == 0)
			return true;
	return false;
}

static int walk(struct arr_x *x, const struct top *t, unsigned max_depth,
		const struct zj_arr_strv *names, arx_found_fn fn, void *ud)
{
	_cleanup_close_ int topfd = -1;
	struct pending *stack = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	topfd = open(t->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (topfd < 0)
		return 0; /* vanished: nothing to search */
	stack = malloc(sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	cap = 1;
	stack[0].rel = strdup("");
	stack[0].depth = 1;
	if (!stack[0].rel) {
		free(stack);
		return -ENOMEM;
	}
	n = 1;
	while (n && r >= 0) {
		struct pending p = stack[--n];
		struct dirent *de;
		DIR *d;
		int fd = open_beneath(topfd, t->dev, p.rel);

		if (fd < 0 || !(d = fdopendir(fd))) {
			if (fd >= 0)
				(void)close(fd);
			free(p.rel);
			continue; /* unreadable, replaced by a link, or another mount: left */
		}
		while (r >= 0 && (de = readdir(d))) {
			char path[PATH_MAX], rel[PATH_MAX];
			struct stat st;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if ((size_t)snprintf(rel, sizeof(rel), "%s%s%s", p.rel, *p.rel ? "/" : "",
					     de->d_name) >= sizeof(rel) ||
			    (size_t)snprintf(path, sizeof(path), "%s%s%s", t->path,
					     strcmp(t->path, "/") ? "/" : "", rel) >= sizeof(path))
				continue;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (wanted(names, de->d_name))
				r = fn(x, path, &st, ud);
			if (S_ISDIR(st.st_mode) && st.st_dev == t->dev && p.depth < max_depth &&
			    r >= 0) {
				if (n == cap) {
					struct pending *ns = reallocarray(stack, cap * 2, sizeof(*ns));

					if (!ns) {
						r = -ENOMEM;
						break;
					}
					stack = ns;
					cap *= 2;
				}
				stack[n].rel = strdup(rel);
				if (!stack[n].rel) {
					r = -ENOMEM;
					break;
				}
				stack[n++].depth = p.depth + 1;
			}
		}
		closedir(d);
		free(p.rel);
	}
	while (n)
		free(stack[--n].rel);
	free(stack);
	return r;
}

int arx_search(struct arr_x *x, const struct zj_arr_cond *cond, const struct zj_arr_strv *names,
	       arx_found_fn fn, void *ud)
{
	struct tops t = {0};
	unsigned depth = WALK_DEPTH_MAX;
	int r;

	if (cond->scope == ZJ_ARR_SCOPE_DISKROOT)
		depth = 1;
	else if (cond->scope == ZJ_ARR_SCOPE_ALLDISK_DEEP)
		depth = cond->depth;
	r = scope_tops(x, cond, &t);
	for (size_t i = 0; i < t.n && r >= 0; i++)
		r = walk(x, &t.v[i], depth, names, fn, ud);
	tops_clear(&t);
	return r;
}
