/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <bpf/bpf.h>

#include "zhijia/bpf_abi.h"
#include "util.h"
#include "watch.h"
#include "watch_default.h" /* generated from daemon/watch.conf */

const char *zj_watch_default_text(void)
{
	return zj_watch_default_conf;
}

uint64_t zj_kdev(uint64_t st_dev)
{
	return ((uint64_t)major(st_dev) << 20) | (uint64_t)minor(st_dev);
}

void zj_watch_free(struct zj_watch *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++) {
		free(w->entries[i].path);
		free(w->entries[i].real);
	}
	free(w->entries);
	free(w->text);
	free(w->source);
	free(w);
}

int zj_path_normalize(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = in;

	if (!in || in[0] != '/' || outlen < 2)
		return -EINVAL;
	out[o++] = '/';
	while (*p) {
		const char *start;
		size_t len;

		while (*p == '/')
			p++;
		start = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - start);
		if (len == 0 || (len == 1 && start[0] == '.'))
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.') {
			/* back to the previous '/' (never above the root) */
			if (o > 1) {
				o--;
				while (o > 1 && out[o - 1] != '/')
					o--;
				if (o > 1)
					o--; /* drop the separator too */
			}
			continue;
		}
		if (o > 1) {
			if (o + 1 >= outlen)
				return -ENAMETOOLONG;
			out[o++] = '/';
		}
		if (o + len >= outlen)
			return -ENAMETOOLONG;
		memcpy(out + o, start, len);
		o += len;
	}
	out[o] = '\0';
	return 0;
}

/* The class words of the configuration and the enforcement classes they stand for. */
static const struct {
	const char *word;
	uint32_t klass;
} class_words[] = {
	{"at", ZJ_ENF_AT},
	{"cron", ZJ_ENF_CRON},
	{"systemd", ZJ_ENF_SERVICE},
	{"preload", ZJ_ENF_PRELOAD},
};

const char *zj_watch_class_word(uint32_t klass)
{
	for (size_t i = 0; i < ELEMENTSOF(class_words); i++)
		if (class_words[i].klass == klass)
			return class_words[i].word;
	return NULL;
}

static int class_parse(const char *word, uint32_t *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(class_words); i++)
		if (strcmp(class_words[i].word, word) == 0) {
			*ret = class_words[i].klass;
			return 0;
		}
	return -EINVAL;
}

const struct zj_watch_entry *zj_watch_entry(const struct zj_watch *w, uint32_t id)
{
	if (!w || id == 0 || id > w->n || w->entries[id - 1].id != id)
		return NULL;
	return &w->entries[id - 1];
}

static int watch_add(struct zj_watch *w, uint32_t kind, const char *path, uint32_t depth,
		     uint32_t line, uint32_t klass)
{
	struct zj_watch_entry *e;
	char norm[PATH_MAX], real[PATH_MAX];
	size_t i;
	int r;

	r = zj_path_normalize(path, norm, sizeof(norm));
	if (r < 0)
		return r;
	for (i = 0; i < w->n; i++)
		if (w->entries[i].kind == kind && strcmp(w->entries[i].path, norm) == 0)
			return 0; /* the same home twice, say */
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		struct zj_watch_entry *ne = reallocarray(w->entries, cap, sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		w->entries = ne;
		w->cap = cap;
	}
	e = &w->entries[w->n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->depth = depth;
	e->line = line;
	e->klass = klass;
	e->path = strdup(norm);
	if (!e->path)
		return -ENOMEM;
	if (realpath(norm, real) && strcmp(real, norm) != 0) {
		e->real = strdup(real);
		if (!e->real) {
			free(e->path);
			return -ENOMEM;
		}
	}
	e->id = (uint32_t)w->n + 1;
	w->n++;
	if (kind == ZJ_WATCH_DIR && depth > w->max_depth)
		w->max_depth = depth;
	return 0;
}

/* Expand a home entry: REL under the home directory of every passwd(5) user. */
static int watch_add_homes(struct zj_watch *w, const char *passwd, const char *rel, uint32_t depth,
			   uint32_t line, uint32_t klass)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int r;

	f = fopen(passwd, "re");
	if (!f)
		return negative_errno();
	while ((n = getline(&buf, &cap, f)) > 0) {
		char *field[7] = {0}, *p = buf, path[PATH_MAX];
		int k;

		if (buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		for (k = 0; k < 7 && p; k++) {
			field[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		/* name:passwd:uid:gid:gecos:home:shell; skip malformed and home-less users */
		if (k < 6 || !field[5] || field[5][0] != '/' || strcmp(field[5], "/") == 0 ||
		    strcmp(field[5], "/nonexistent") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", field[5], rel) >= sizeof(path))
			continue;
		r = watch_add(w, ZJ_WATCH_DIR, path, depth, line, klass);
		if (r < 0)
			return r;
	}
	if (ferror(f))
		return -EIO;
	return 0;
}

int zj_watch_parse(const char *text, const char *source, const char *passwd, struct zj_watch **ret,
		   char *err, size_t errlen)
{
	struct zj_watch *w;
	const char *p = text;
	uint32_t line = 0;
	int r = 0;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->text = strdup(text);
	w->source = strdup(source);
	if (!w->text || !w->source) {
		zj_watch_free(w);
		return -ENOMEM;
	}
	while (*p) {
		char buf[PATH_MAX + 64], kind[16], path[PATH_MAX], t3[32], t4[32], extra[16];
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		unsigned long depth = 1;
		uint32_t klass = ZJ_ENF_NONE;
		const char *dstr = NULL, *cstr = NULL;
		char *s, *end;
		int nf;

		line++;
		if (len >= sizeof(buf)) {
			snprintf(err, errlen, "%s:%u: line too long", source, line);
			r = -EINVAL;
			break;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = eol ? eol + 1 : p + len;
		s = buf + strspn(buf, " \t\r");
		if (*s == '\0' || *s == '#')
			continue;
		nf = sscanf(s, "%15s %4095s %31s %31s %15s", kind, path, t3, t4, extra);
		if (nf < 2 || nf > 4) {
			snprintf(err, errlen,
				 "%s:%u: expected 'KIND PATH [DEPTH] [CLASS]' (KIND: dir, file, "
				 "home; CLASS: at, cron, systemd, preload)",
				 source, line);
			r = -EINVAL;
			break;
		}
		/* a third word is the depth when it starts with a digit, else the class */
		if (nf >= 3 && t3[0] >= '0' && t3[0] <= '9') {
			dstr = t3;
			cstr = nf == 4 ? t4 : NULL;
		} else if (nf == 3) {
			cstr = t3;
		} else if (nf == 4) {
			snprintf(err, errlen, "%s:%u: depth '%s' is not a number from 1 to 4",
				 source, line, t3);
			r = -EINVAL;
			break;
		}
		if (dstr) {
			errno = 0;
			depth = strtoul(dstr, &end, 10);
			if (errno || *end || depth < 1 || depth > 4) {
				snprintf(err, errlen,
					 "%s:%u: depth '%s' is not a number from 1 to 4", source,
					 line, dstr);
				r = -EINVAL;
				break;
			}
		}
		if (cstr && class_parse(cstr, &klass) < 0) {
			snprintf(err, errlen,
				 "%s:%u: unknown class '%s' (valid: at, cron, systemd, preload)",
				 source, line, cstr);
			r = -EINVAL;
			break;
		}
		if (strcmp(kind, "dir") == 0 || strcmp(kind, "file") == 0) {
			if (path[0] != '/') {
				snprintf(err, errlen, "%s:%u: path '%s' is not absolute", source, line,
					 path);
				r = -EINVAL;
				break;
			}
			if (kind[0] == 'f' && dstr) {
				snprintf(err, errlen, "%s:%u: a file entry takes no depth", source,
					 line);
				r = -EINVAL;
				break;
			}
			r = watch_add(w, kind[0] == 'd' ? ZJ_WATCH_DIR : ZJ_WATCH_FILE, path,
				      (uint32_t)depth, line, klass);
		} else if (strcmp(kind, "home") == 0) {
			if (path[0] == '/') {
				snprintf(err, errlen,
					 "%s:%u: a home entry takes a path relative to the home "
					 "directory, not '%s'",
					 source, line, path);
				r = -EINVAL;
				break;
			}
			r = watch_add_homes(w, passwd, path, (uint32_t)depth, line, klass);
		} else {
			snprintf(err, errlen, "%s:%u: unknown kind '%s' (valid: dir, file, home)",
				 source, line, kind);
			r = -EINVAL;
			break;
		}
		if (r < 0) {
			snprintf(err, errlen, "%s:%u: %s", source, line, strerror(-r));
			break;
		}
	}
	if (r < 0) {
		zj_watch_free(w);
		return r;
	}
	if (w->max_depth == 0)
		w->max_depth = 1;
	*ret = w;
	return 0;
}

static bool path_in_dir(const char *path, const char *dir, uint32_t depth)
{
	size_t n = strlen(dir);
	const char *rest;
	uint32_t levels = 1;

	if (strncmp(path, dir, n) != 0 || path[n] != '/' || path[n + 1] == '\0')
		return false;
	for (rest = path + n + 1; *rest; rest++)
		if (*rest == '/')
			levels++;
	return levels <= depth;
}

uint32_t zj_watch_match(const struct zj_watch *w, const char *path)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		const struct zj_watch_entry *e = &w->entries[i];

		if (e->kind == ZJ_WATCH_FILE) {
			if (strcmp(path, e->path) == 0 || (e->real && strcmp(path, e->real) == 0))
				return e->id;
		} else if (path_in_dir(path, e->path, e->depth) ||
			   (e->real && path_in_dir(path, e->real, e->depth))) {
			return e->id;
		}
	}
	return 0;
}

/* ---- kernel maps ------------------------------------------------------------------------- */

struct inode_item {
	struct zj_watch_key key;
	struct zj_watch_val val;
};

static int items_put(struct inode_item **items, size_t *n, size_t *cap,
		     const struct zj_watch_key *k, uint32_t flags, uint32_t depth, uint32_t id,
		     uint32_t klass)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		struct zj_watch_val *v = &(*items)[i].val;

		if (memcmp(&(*items)[i].key, k, sizeof(*k)) != 0)
			continue;
		/*
		 * One directory, several entries: the widest subtree wins (its class too), NAMES
		 * accumulate (their classes are in zj_watch_names).
		 */
		if ((flags & ZJ_W_SUBTREE) && (!(v->flags & ZJ_W_SUBTREE) || depth > v->depth)) {
			v->depth = depth;
			v->id = id;
			v->klass = klass;
		}
		v->flags |= flags;
		return 0;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct inode_item *ni = reallocarray(*items, nc, sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		*items = ni;
		*cap = nc;
	}
	memset(&(*items)[*n], 0, sizeof(**items));
	(*items)[*n].key = *k;
	(*items)[*n].val.flags = flags;
	(*items)[*n].val.depth = (flags & ZJ_W_SUBTREE) ? depth : 0;
	(*items)[*n].val.id = id;
	/* a NAMES-only directory denies nothing itself: the names carry their classes */
	(*items)[*n].val.klass = (flags & ZJ_W_SUBTREE) ? klass : ZJ_ENF_NONE;
	(*n)++;
	return 0;
}

static int prefix_put(int fd, const char *path, bool dir, uint32_t id, uint32_t klass)
{
	struct zj_prefix_key k;
	struct zj_watch_val v;
	size_t n = strlen(path);

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	if (n + 1 > ZJ_PREFIX_MAX)
		return -ENAMETOOLONG;
	memcpy(k.data, path, n);
	if (dir)
		k.data[n++] = '/'; /* "inside the directory" */
	else
		n++; /* the NUL: "exactly this file" */
	k.prefixlen = (uint32_t)n * 8;
	v.id = id;
	v.klass = klass;
	v.flags = dir ? ZJ_W_SUBTREE : ZJ_W_NAMES;
	if (bpf_map_update_elem(fd, &k, &v, BPF_ANY) < 0)
		return negative_errno();
	return 0;
}

int zj_watch_apply(const struct zj_watch *w, int inodes_fd, int names_fd, int prefix_fd)
{
	_cleanup_free_ struct inode_item *items = NULL;
	struct zj_watch_key k, next;
	size_t n = 0, cap = 0, i;
	int present = 0, r;

	for (i = 0; i < w->n; i++) {
		const struct zj_watch_entry *e = &w->entries[i];
		struct stat st;

		r = prefix_put(prefix_fd, e->path, e->kind == ZJ_WATCH_DIR, e->id, e->klass);
		if (r < 0 && r != -ENAMETOOLONG)
			return r;
		if (e->real) {
			r = prefix_put(prefix_fd, e->real, e->kind == ZJ_WATCH_DIR, e->id,
				       e->klass);
			if (r < 0 && r != -ENAMETOOLONG)
				return r;
		}
		if (e->kind == ZJ_WATCH_DIR) {
			if (stat(e->path, &st) < 0 || !S_ISDIR(st.st_mode))
				continue; /* absent for now: re-checked on the next apply */
			memset(&k, 0, sizeof(k));
			k.dev = zj_kdev(st.st_dev);
			k.ino = st.st_ino;
			r = items_put(&items, &n, &cap, &k, ZJ_W_SUBTREE, e->depth, e->id,
				      e->klass);
			if (r < 0)
				return r;
			present++;
		} else {
			_cleanup_free_ char *dir = strdup(e->path);
			struct zj_watch_name_key nk;
			struct zj_watch_val v;
			char *slash;

			if (!dir)
				return -ENOMEM;
			slash = strrchr(dir, '/');
			if (!slash || strlen(slash + 1) >= ZJ_WNAME_LEN)
				continue;
			*slash = '\0';
			if (stat(dir[0] ? dir : "/", &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			memset(&k, 0, sizeof(k));
			k.dev = zj_kdev(st.st_dev);
			k.ino = st.st_ino;
			r = items_put(&items, &n, &cap, &k, ZJ_W_NAMES, 0, e->id, ZJ_ENF_NONE);
			if (r < 0)
				return r;
			memset(&nk, 0, sizeof(nk));
			memset(&v, 0, sizeof(v));
			nk.dev = k.dev;
			nk.ino = k.ino;
			strncpy(nk.name, slash + 1, sizeof(nk.name) - 1);
			v.flags = ZJ_W_NAMES;
			v.id = e->id;
			v.klass = e->klass;
			if (bpf_map_update_elem(names_fd, &nk, &v, BPF_ANY) < 0)
				return negative_errno();
			present++;
		}
	}
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(inodes_fd, &items[i].key, &items[i].val, BPF_ANY) < 0)
			return negative_errno();
	/* drop inodes that are no longer watched (a directory replaced, a user removed) */
	if (bpf_map_get_next_key(inodes_fd, NULL, &next) == 0) {
		do {
			bool keep = false;

			k = next;
			r = bpf_map_get_next_key(inodes_fd, &k, &next);
			for (i = 0; i < n && !keep; i++)
				keep = memcmp(&items[i].key, &k, sizeof(k)) == 0;
			if (!keep)
				(void)bpf_map_delete_elem(inodes_fd, &k);
		} while (r == 0);
	}
	return present;
}
