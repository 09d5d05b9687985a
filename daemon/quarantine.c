/* SPDX-License-Identifier: GPL-2.0-only */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>

#include "quarantine.h"
#include "util.h"

#define CHUNK 65536

struct zj_quarantine {
	char *dir;
	int dfd;
	unsigned seq; /* makes ids unique within one second */
};

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
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

int zj_quarantine_open(const char *dir, struct zj_quarantine **ret)
{
	struct zj_quarantine *q;
	struct stat st;
	int r;

	r = mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->dir = strdup(dir);
	q->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!q->dir || q->dfd < 0) {
		r = q->dir ? negative_errno() : -ENOMEM;
		zj_quarantine_free(q);
		return r;
	}
	/* evidence: nobody but root reads it */
	if (fstat(q->dfd, &st) < 0 || ((st.st_mode & 077) && fchmod(q->dfd, 0700) < 0)) {
		r = negative_errno();
		zj_quarantine_free(q);
		return r;
	}
	*ret = q;
	return 0;
}

void zj_quarantine_free(struct zj_quarantine *q)
{
	if (!q)
		return;
	if (q->dfd >= 0)
		(void)close(q->dfd);
	free(q->dir);
	free(q);
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

/* Write data to name in the quarantine directory: temporary file, fsync, rename. */
static int store_atomic(struct zj_quarantine *q, const char *name, const void *data, size_t len)
{
	char tmp[ZJ_QUARANTINE_ID_MAX + 16];
	_cleanup_close_ int fd = -1;
	int r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(q->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && renameat(q->dfd, tmp, q->dfd, name) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(q->dfd, tmp, 0);
	return r;
}

/*
 * Compress from `in` (an fd, or the bytes of `buf` when in < 0) into <id>.z, hashing the
 * plain bytes.  Returns the plain size through ret_size.
 */
static int store_content(struct zj_quarantine *q, const char *id, int in, const char *buf,
			 size_t buflen, struct zj_sha256 *sha, uint64_t *ret_size)
{
	char name[ZJ_QUARANTINE_ID_MAX + 8], tmp[ZJ_QUARANTINE_ID_MAX + 16];
	_cleanup_free_ unsigned char *ibuf = NULL, *obuf = NULL;
	_cleanup_close_ int fd = -1;
	uint64_t total = 0;
	z_stream z;
	int r = 0, zr, flush;

	memset(&z, 0, sizeof(z));
	snprintf(name, sizeof(name), "%s.z", id);
	snprintf(tmp, sizeof(tmp), "%s.z.tmp", id);
	ibuf = malloc(CHUNK);
	obuf = malloc(CHUNK);
	if (!ibuf || !obuf)
		return -ENOMEM;
	if (deflateInit(&z, 6) != Z_OK)
		return -ENOMEM;
	fd = openat(q->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		(void)deflateEnd(&z);
		return negative_errno();
	}
	do {
		ssize_t n;

		if (in >= 0) {
			n = read(in, ibuf, CHUNK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				r = negative_errno();
				break;
			}
		} else {
			n = (ssize_t)buflen;
			if (n)
				memcpy(ibuf, buf, buflen);
			buflen = 0;
		}
		total += (uint64_t)n;
		if (total > ZJ_QUARANTINE_FILE_MAX) {
			r = -EFBIG;
			break;
		}
		zj_sha256_update(sha, ibuf, (size_t)n);
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = ibuf;
		z.avail_in = (uInt)n;
		do {
			z.next_out = obuf;
			z.avail_out = CHUNK;
			zr = deflate(&z, flush);
			if (zr == Z_STREAM_ERROR) {
				r = -EIO;
				break;
			}
			r = write_all(fd, obuf, CHUNK - z.avail_out);
		} while (r == 0 && z.avail_out == 0);
		if (r < 0 || flush == Z_FINISH)
			break;
	} while (1);
	(void)deflateEnd(&z);
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && renameat(q->dfd, tmp, q->dfd, name) < 0)
		r = negative_errno();
	if (r < 0) {
		(void)unlinkat(q->dfd, tmp, 0);
		return r;
	}
	*ret_size = total;
	return 0;
}

int zj_quarantine_put(struct zj_quarantine *q, const char *path, const char *reason, bool remove,
		      char *ret_id)
{
	_cleanup_close_ int fd = -1;
	json_object *m = NULL;
	struct zj_sha256 sha;
	uint8_t digest[ZJ_SHA256_LEN];
	char hex[ZJ_SHA256_HEX_LEN + 1], id[ZJ_QUARANTINE_ID_MAX], stamp[32], mode[8];
	char target[PATH_MAX], name[ZJ_QUARANTINE_ID_MAX + 8];
	struct stat st, again;
	uint64_t size = 0;
	const char *text;
	bool link = false;
	time_t now = time(NULL);
	struct tm tm;
	int r;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP) {
		/* a symlink: keep the link itself (its target string), never what it points to */
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		if (n < 0 || lstat(path, &st) < 0)
			return negative_errno();
		target[n] = '\0';
		link = true;
	} else if (fd < 0) {
		return negative_errno();
	} else {
		if (fstat(fd, &st) < 0)
			return negative_errno();
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		if ((uint64_t)st.st_size > ZJ_QUARANTINE_FILE_MAX)
			return -EFBIG;
	}
	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -EINVAL;
	snprintf(id, sizeof(id), "%s-%u-%lu", stamp, q->seq++ & 0xffff,
		 (unsigned long)st.st_ino & 0xffffff);

	zj_sha256_init(&sha);
	r = store_content(q, id, link ? -1 : fd, link ? target : NULL, link ? strlen(target) : 0,
			  &sha, &size);
	if (r < 0)
		return r;
	zj_sha256_final(&sha, digest);
	zj_sha256_hex(digest, hex);

	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	m = json_object_new_object();
	if (!m) {
		r = -ENOMEM;
		goto fail;
	}
	json_object_object_add(m, "id", json_object_new_string(id));
	json_object_object_add(m, "path", json_object_new_string(path));
	json_object_object_add(m, "type", json_object_new_string(link ? "symlink" : "file"));
	json_object_object_add(m, "size", json_object_new_int64((int64_t)size));
	json_object_object_add(m, "mode", json_object_new_string(mode));
	json_object_object_add(m, "uid", json_object_new_int64(st.st_uid));
	json_object_object_add(m, "gid", json_object_new_int64(st.st_gid));
	json_object_object_add(m, "mtime", json_object_new_int64((int64_t)st.st_mtime));
	json_object_object_add(m, "time", json_object_new_int64((int64_t)now));
	json_object_object_add(m, "sha256", json_object_new_string(hex));
	json_object_object_add(m, "reason", json_object_new_string(reason ? reason : ""));
	text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	snprintf(name, sizeof(name), "%s.json", id);
	r = store_atomic(q, name, text, strlen(text));
	json_object_put(m);
	if (r < 0)
		goto fail;
	if (fsync(q->dfd) < 0) {
		r = negative_errno();
		goto fail_meta;
	}
	if (remove) {
		/* only the inode that was kept: a file swapped in meanwhile stays */
		if (lstat(path, &again) < 0 || again.st_dev != st.st_dev ||
		    again.st_ino != st.st_ino) {
			r = -ESTALE;
			goto out;
		}
		if (unlink(path) < 0) {
			r = negative_errno();
			goto out;
		}
	}
out:
	if (ret_id)
		snprintf(ret_id, ZJ_QUARANTINE_ID_MAX, "%s", id);
	return r;
fail_meta:
	(void)unlinkat(q->dfd, name, 0);
fail:
	snprintf(name, sizeof(name), "%s.z", id);
	(void)unlinkat(q->dfd, name, 0);
	return r;
}

int zj_quarantine_put_sector(struct zj_quarantine *q, const char *path, const void *data,
			     size_t len, const char *reason, char *ret_id)
{
	char hex[ZJ_SHA256_HEX_LEN + 1], id[ZJ_QUARANTINE_ID_MAX], stamp[32];
	char name[ZJ_QUARANTINE_ID_MAX + 8];
	uint8_t digest[ZJ_SHA256_LEN];
	struct zj_sha256 sha;
	json_object *m;
	struct stat st;
	uint64_t size = 0;
	const char *text;
	time_t now = time(NULL);
	struct tm tm;
	int r;

	if (len == 0 || len > 4096)
		return -EINVAL;
	if (stat(path, &st) < 0)
		return negative_errno();
	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -EINVAL;
	snprintf(id, sizeof(id), "%s-%u-s%lu", stamp, q->seq++ & 0xffff,
		 (unsigned long)st.st_ino & 0xffffff);
	zj_sha256_init(&sha);
	r = store_content(q, id, -1, data, len, &sha, &size);
	if (r < 0)
		return r;
	zj_sha256_final(&sha, digest);
	zj_sha256_hex(digest, hex);
	m = json_object_new_object();
	if (!m) {
		r = -ENOMEM;
		goto fail;
	}
	json_object_object_add(m, "id", json_object_new_string(id));
	json_object_object_add(m, "path", json_object_new_string(path));
	json_object_object_add(m, "type", json_object_new_string("sector"));
	json_object_object_add(m, "size", json_object_new_int64((int64_t)size));
	json_object_object_add(m, "mode", json_object_new_string("0000"));
	json_object_object_add(m, "uid", json_object_new_int64(st.st_uid));
	json_object_object_add(m, "gid", json_object_new_int64(st.st_gid));
	json_object_object_add(m, "mtime", json_object_new_int64((int64_t)st.st_mtime));
	json_object_object_add(m, "time", json_object_new_int64((int64_t)now));
	json_object_object_add(m, "sha256", json_object_new_string(hex));
	json_object_object_add(m, "reason", json_object_new_string(reason ? reason : ""));
	text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	snprintf(name, sizeof(name), "%s.json", id);
	r = store_atomic(q, name, text, strlen(text));
	json_object_put(m);
	if (r == 0 && fsync(q->dfd) < 0) {
		r = negative_errno();
		(void)unlinkat(q->dfd, name, 0);
	}
	if (r < 0)
		goto fail;
	if (ret_id)
		snprintf(ret_id, ZJ_QUARANTINE_ID_MAX, "%s", id);
	return 0;
fail:
	snprintf(name, sizeof(name), "%s.z", id);
	(void)unlinkat(q->dfd, name, 0);
	return r;
}

void zj_quarantine_item_clear(struct zj_quarantine_item *it)
{
	if (!it)
		return;
	free(it->path);
	free(it->reason);
	memset(it, 0, sizeof(*it));
}

void zj_quarantine_items_free(struct zj_quarantine_item *items, size_t n)
{
	size_t i;

	for (i = 0; items && i < n; i++)
		zj_quarantine_item_clear(&items[i]);
	free(items);
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int64_t jint(json_object *o, const char *k, int64_t dflt)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : dflt;
}

/* Parse <id>.json.  -EBADMSG when it is not one of ours. */
static int read_meta(struct zj_quarantine *q, const char *id, struct zj_quarantine_item *ret)
{
	char name[ZJ_QUARANTINE_ID_MAX + 8], buf[8192];
	_cleanup_close_ int fd = -1;
	json_object *m;
	const char *path, *type, *sha, *mode, *reason, *mid;
	ssize_t n;
	int r = 0;

	if (strlen(id) >= ZJ_QUARANTINE_ID_MAX || strchr(id, '/') || id[0] == '.')
		return -EINVAL;
	snprintf(name, sizeof(name), "%s.json", id);
	fd = openat(q->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	m = json_tokener_parse(buf);
	if (!m)
		return -EBADMSG;
	mid = jstr(m, "id");
	path = jstr(m, "path");
	type = jstr(m, "type");
	sha = jstr(m, "sha256");
	mode = jstr(m, "mode");
	reason = jstr(m, "reason");
	if (!mid || strcmp(mid, id) != 0 || !path || path[0] != '/' || !type || !sha ||
	    strlen(sha) != ZJ_SHA256_HEX_LEN || !mode) {
		r = -EBADMSG;
		goto out;
	}
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->id, sizeof(ret->id), "%s", id);
	ret->path = strdup(path);
	ret->reason = strdup(reason ? reason : "");
	if (!ret->path || !ret->reason) {
		zj_quarantine_item_clear(ret);
		r = -ENOMEM;
		goto out;
	}
	ret->symlink = strcmp(type, "symlink") == 0;
	ret->sector = strcmp(type, "sector") == 0;
	ret->size = (uint64_t)jint(m, "size", 0);
	ret->mode = (uint32_t)strtoul(mode, NULL, 8) & 07777;
	ret->uid = (uint32_t)jint(m, "uid", 0);
	ret->gid = (uint32_t)jint(m, "gid", 0);
	ret->mtime = jint(m, "mtime", 0);
	ret->time = jint(m, "time", 0);
	snprintf(ret->sha256, sizeof(ret->sha256), "%s", sha);
out:
	json_object_put(m);
	return r;
}

int zj_quarantine_get(struct zj_quarantine *q, const char *id, struct zj_quarantine_item *ret)
{
	return read_meta(q, id, ret);
}

static int cmp_items(const void *a, const void *b)
{
	const struct zj_quarantine_item *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->id, y->id);
}

int zj_quarantine_list(struct zj_quarantine *q, struct zj_quarantine_item **ret_items,
		       size_t *ret_n)
{
	struct zj_quarantine_item *items = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int dfd, r = 0;

	dfd = dup(q->dfd);
	if (dfd < 0)
		return negative_errno();
	d = fdopendir(dfd);
	if (!d) {
		r = negative_errno();
		(void)close(dfd);
		return r;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		char id[ZJ_QUARANTINE_ID_MAX];
		size_t len = strlen(de->d_name);

		if (len <= 5 || len - 5 >= sizeof(id) || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		memcpy(id, de->d_name, len - 5);
		id[len - 5] = '\0';
		if (n == cap) {
			struct zj_quarantine_item *ni;

			cap = cap ? 2 * cap : 16;
			ni = reallocarray(items, cap, sizeof(*ni));
			if (!ni) {
				r = -ENOMEM;
				break;
			}
			items = ni;
		}
		if (read_meta(q, id, &items[n]) == 0)
			n++; /* not ours, or torn: not listed */
	}
	closedir(d);
	if (r < 0) {
		zj_quarantine_items_free(items, n);
		return r;
	}
	if (n)
		qsort(items, n, sizeof(*items), cmp_items);
	*ret_items = items;
	*ret_n = n;
	return 0;
}

/* Decompress <id>.z into fd (or into buf for a symlink target), checking its SHA-256. */
static int load_content(struct zj_quarantine *q, const struct zj_quarantine_item *it, int out,
			char *buf, size_t buflen)
{
	char name[ZJ_QUARANTINE_ID_MAX + 8], hex[ZJ_SHA256_HEX_LEN + 1];
	_cleanup_free_ unsigned char *ibuf = NULL, *obuf = NULL;
	_cleanup_close_ int fd = -1;
	struct zj_sha256 sha;
	uint8_t digest[ZJ_SHA256_LEN];
	uint64_t total = 0;
	size_t used = 0;
	z_stream z;
	int r = 0, zr = Z_OK;

	memset(&z, 0, sizeof(z));
	snprintf(name, sizeof(name), "%s.z", it->id);
	fd = openat(q->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	ibuf = malloc(CHUNK);
	obuf = malloc(CHUNK);
	if (!ibuf || !obuf)
		return -ENOMEM;
	if (inflateInit(&z) != Z_OK)
		return -ENOMEM;
	zj_sha256_init(&sha);
	while (zr != Z_STREAM_END && r == 0) {
		ssize_t n = read(fd, ibuf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = negative_errno();
			break;
		}
		if (n == 0) {
			r = -EBADMSG; /* the stream ended early */
			break;
		}
		z.next_in = ibuf;
		z.avail_in = (uInt)n;
		do {
			size_t got;

			z.next_out = obuf;
			z.avail_out = CHUNK;
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				r = -EBADMSG;
				break;
			}
			got = CHUNK - z.avail_out;
			total += got;
			if (total > ZJ_QUARANTINE_FILE_MAX) {
				r = -EFBIG;
				break;
			}
			zj_sha256_update(&sha, obuf, got);
			if (out >= 0) {
				r = write_all(out, obuf, got);
			} else if (used + got < buflen) {
				memcpy(buf + used, obuf, got);
				used += got;
			} else {
				r = -ENAMETOOLONG;
			}
		} while (r == 0 && z.avail_out == 0 && zr != Z_STREAM_END);
	}
	(void)inflateEnd(&z);
	if (r < 0)
		return r;
	zj_sha256_final(&sha, digest);
	zj_sha256_hex(digest, hex);
	if (strcmp(hex, it->sha256) != 0 || total != it->size)
		return -EBADMSG;
	if (out < 0)
		buf[used] = '\0';
	return 0;
}

int zj_quarantine_restore(struct zj_quarantine *q, const char *id, const char *to, bool overwrite)
{
	struct zj_quarantine_item it;
	char tmp[PATH_MAX], target[PATH_MAX];
	const char *dest;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	r = read_meta(q, id, &it);
	if (r < 0)
		return r;
	dest = to ? to : it.path;
	if (it.sector) {
		/* in place: a disk is written, never replaced */
		char sector[4096];

		r = it.size <= sizeof(sector) - 1 ? load_content(q, &it, -1, sector, sizeof(sector))
						   : -EBADMSG;
		if (r == 0)
			fd = open(dest, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (r == 0 && fd < 0)
			r = negative_errno();
		errno = 0;
		if (r == 0 && pwrite(fd, sector, it.size, 0) != (ssize_t)it.size)
			r = errno ? negative_errno() : -EIO;
		if (r == 0 && fsync(fd) < 0)
			r = negative_errno();
		goto out;
	}
	if (!overwrite && lstat(dest, &st) == 0) {
		r = -EEXIST;
		goto out;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.zj-restore-%d", dest, (int)getpid()) >=
	    sizeof(tmp)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	if (it.symlink) {
		r = load_content(q, &it, -1, target, sizeof(target));
		if (r == 0 && symlink(target, tmp) < 0)
			r = negative_errno();
		if (r == 0 && lchown(tmp, it.uid, it.gid) < 0)
			r = negative_errno();
	} else {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = negative_errno();
			goto out;
		}
		r = load_content(q, &it, fd, NULL, 0);
		if (r == 0 && fchown(fd, it.uid, it.gid) < 0)
			r = negative_errno();
		if (r == 0 && fchmod(fd, it.mode) < 0)
			r = negative_errno();
		if (r == 0 && fsync(fd) < 0)
			r = negative_errno();
	}
	if (r == 0 && !overwrite && lstat(dest, &st) == 0)
		r = -EEXIST; /* appeared meanwhile: never clobber */
	if (r == 0 && rename(tmp, dest) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlink(tmp);
out:
	zj_quarantine_item_clear(&it);
	return r;
}
