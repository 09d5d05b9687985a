/* SPDX-License-Identifier: GPL-2.0-only */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "zhijia/bpf_abi.h"
#include "zhijia/detect.h"
#include "zhijia/event.h"
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
		free(w->entries[i].technique);
		free(w->entries[i].names);
	}
	for (i = 0; i < w->n_texts; i++) {
		free(w->texts[i]);
		free(w->sources[i]);
	}
	for (i = 0; i < w->n_deps; i++)
		free(w->deps[i].path);
	free(w->texts);
	free(w->sources);
	free(w->keys);
	free(w->slots);
	free(w->entries);
	free(w->passwd);
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

/*
 * The class words of the configuration and the enforcement classes they stand for; the
 * sub-technique of each is zj_deny_class_technique()'s (systemd: T1543.002, the classifier
 * makes timers T1053.006).
 */
static const struct {
	const char *word;
	uint32_t klass;
} class_words[] = {
	{"at", ZJ_ENF_AT},
	{"cron", ZJ_ENF_CRON},
	{"systemd", ZJ_ENF_SERVICE},
	{"preload", ZJ_ENF_PRELOAD},
	{"ssh_keys", ZJ_ENF_SSH_KEYS},
	{"shell_rc", ZJ_ENF_SHELL_RC},
	{"rc_scripts", ZJ_ENF_RC_SCRIPTS},
	{"kmod", ZJ_ENF_KMOD},
	{"account", ZJ_ENF_ACCOUNT},
	{"groups", ZJ_ENF_GROUPS},
	{"sudo", ZJ_ENF_SUDO},
	{"pam", ZJ_ENF_PAM},
	{"udev", ZJ_ENF_UDEV},
	{"xdg_autostart", ZJ_ENF_XDG},
	{"python_startup", ZJ_ENF_PYSTART},
};
#define CLASS_WORDS                                                                                \
	"at, cron, systemd, preload, ssh_keys, shell_rc, rc_scripts, kmod, account, groups, "      \
	"sudo, pam, udev, xdg_autostart, python_startup, or a technique id"

const char *zj_watch_class_word(uint32_t klass)
{
	for (size_t i = 0; i < ELEMENTSOF(class_words); i++)
		if (class_words[i].klass == klass)
			return class_words[i].word;
	return NULL;
}

/* "T1234" or "T1234.567". */
static bool is_technique_id(const char *s)
{
	size_t n = strlen(s);

	if ((n != 5 && n != 9) || s[0] != 'T')
		return false;
	for (size_t i = 1; i < n; i++) {
		if (i == 5) {
			if (s[i] != '.')
				return false;
		} else if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return true;
}

/*
 * A class word, or a technique id: the class whose technique it is (ZJ_ENF_NONE when no
 * kernel class stands for it: observed under that technique, never denied).
 */
static int class_parse(const char *word, uint32_t *ret, const char **ret_tech)
{
	for (size_t i = 0; i < ELEMENTSOF(class_words); i++)
		if (strcmp(class_words[i].word, word) == 0) {
			*ret = class_words[i].klass;
			*ret_tech = zj_deny_class_technique(class_words[i].klass);
			return 0;
		}
	if (!is_technique_id(word))
		return -EINVAL;
	*ret = ZJ_ENF_NONE;
	*ret_tech = word;
	for (uint32_t k = ZJ_ENF_FILE_FIRST; k <= ZJ_ENF_FILE_LAST; k++) {
		const char *t = zj_deny_class_technique(k);

		/* a timer is told apart by name inside a systemd tree: not a class of its own */
		if (t && strcmp(t, word) == 0 && k != ZJ_ENF_TIMER) {
			*ret = k;
			break;
		}
	}
	return 0;
}

/* The operation words of ops=. */
static const char *const op_words[] = {
	[ZJ_FOP_CREATE] = "create", [ZJ_FOP_OPEN_WRITE] = "write", [ZJ_FOP_TRUNCATE] = "truncate",
	[ZJ_FOP_RENAME] = "rename", [ZJ_FOP_LINK] = "link",	   [ZJ_FOP_SYMLINK] = "symlink",
	[ZJ_FOP_UNLINK] = "unlink", [ZJ_FOP_CHMOD] = "chmod",
};

static int ops_parse(const char *list, uint32_t *ret)
{
	uint32_t ops = 0;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;

		for (uint32_t op = 1; op < ELEMENTSOF(op_words); op++)
			if (op_words[op] && strlen(op_words[op]) == n &&
			    strncmp(op_words[op], p, n) == 0) {
				ops |= ZJ_WATCH_OP(op);
				found = true;
			}
		if (!found && n == 3 && strncmp(p, "all", 3) == 0) {
			ops |= ZJ_WATCH_OPS_ALL;
			found = true;
		}
		if (!found)
			return -EINVAL;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!ops)
		return -EINVAL;
	*ret = ops;
	return 0;
}

/* What one line says, besides kind and path. */
struct line_opts {
	uint32_t depth;
	uint32_t klass;
	uint32_t ops;
	uint32_t line;
	const char *technique; /* NULL: the built-in classifier decides */
	const char *names;     /* NULL: every name */
	const char *source;
};

const struct zj_watch_entry *zj_watch_entry(const struct zj_watch *w, uint32_t id)
{
	if (!w || id == 0 || id > w->n || w->entries[id - 1].id != id)
		return NULL;
	return &w->entries[id - 1];
}

static int watch_add(struct zj_watch *w, uint32_t kind, const char *path, const struct line_opts *o,
		     uint32_t uid)
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
			return 0; /* the same home twice, say: the first entry stands */
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
	e->depth = kind == ZJ_WATCH_DIR ? o->depth : 1;
	e->line = o->line;
	e->klass = o->klass;
	e->ops = o->ops;
	e->uid = uid;
	e->source = o->source;
	e->path = strdup(norm);
	if (o->technique)
		e->technique = strdup(o->technique);
	if (o->names)
		e->names = strdup(o->names);
	if (!e->path || (o->technique && !e->technique) || (o->names && !e->names))
		goto nomem;
	if (realpath(norm, real) && strcmp(real, norm) != 0) {
		e->real = strdup(real);
		if (!e->real)
			goto nomem;
		e->real_len = strlen(e->real);
	}
	e->path_len = strlen(e->path);
	e->id = (uint32_t)w->n + 1;
	w->n++;
	if (kind == ZJ_WATCH_DIR && e->depth > w->max_depth)
		w->max_depth = e->depth;
	return 0;
nomem:
	free(e->path);
	free(e->technique);
	free(e->names);
	free(e->real);
	return -ENOMEM;
}

/* A dir or file entry; a path with glob characters is every existing match (python3.*). */
static int watch_add_glob(struct zj_watch *w, uint32_t kind, const char *path,
			  const struct line_opts *o, uint32_t uid)
{
	glob_t g;
	int r = 0;

	if (!strpbrk(path, "*?["))
		return watch_add(w, kind, path, o, uid);
	r = glob(path, 0, NULL, &g);
	if (r == GLOB_NOMATCH) {
		globfree(&g);
		return 0;
	}
	if (r != 0) {
		globfree(&g);
		return -EIO;
	}
	for (size_t i = 0; i < g.gl_pathc && r == 0; i++)
		r = watch_add(w, kind, g.gl_pathv[i], o, uid);
	globfree(&g);
	return r;
}

/* Remember a file the expansion read, to notice when it changes (zj_watch_stale()). */
static void dep_stamp(struct zj_watch_dep *d)
{
	struct stat st;

	d->ino = d->size = d->mtime_ns = 0;
	if (stat(d->path, &st) == 0) {
		d->ino = st.st_ino;
		d->size = (uint64_t)st.st_size;
		d->mtime_ns =
			(uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	}
}

static void dep_add(struct zj_watch *w, const char *path)
{
	for (size_t i = 0; i < w->n_deps; i++)
		if (strcmp(w->deps[i].path, path) == 0)
			return;
	if (w->n_deps == ZJ_WATCH_DEPS_MAX)
		return;
	w->deps[w->n_deps].path = strdup(path);
	if (!w->deps[w->n_deps].path)
		return;
	dep_stamp(&w->deps[w->n_deps]);
	w->n_deps++;
}

bool zj_watch_stale(const struct zj_watch *w)
{
	for (size_t i = 0; i < w->n_deps; i++) {
		struct zj_watch_dep d = w->deps[i];

		dep_stamp(&d);
		if (d.ino != w->deps[i].ino || d.size != w->deps[i].size ||
		    d.mtime_ns != w->deps[i].mtime_ns)
			return true;
	}
	return false;
}

/* One passwd(5) user: name, uid, home. */
struct pw_user {
	char *name;
	uint32_t uid;
	char *home;
};

/*
 * Call fn for every user of the passwd file with a home directory.  The file is read
 * directly rather than through getpwent(3): NSS may load modules into zhijiad and a test
 * names its own file; /etc/passwd is what local logins and sshd's local users use.
 */
static int for_each_user(struct zj_watch *w, const char *passwd,
			 int (*fn)(struct zj_watch *w, const struct pw_user *u, void *arg),
			 void *arg)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int r;

	dep_add(w, passwd);
	f = fopen(passwd, "re");
	if (!f)
		return negative_errno();
	while ((n = getline(&buf, &cap, f)) > 0) {
		char *field[7] = {0}, *p = buf, *end;
		struct pw_user u;
		unsigned long uid;
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
		errno = 0;
		uid = strtoul(field[2], &end, 10);
		if (errno || *end || end == field[2] || uid >= UINT32_MAX)
			continue;
		u.name = field[0];
		u.uid = (uint32_t)uid;
		u.home = field[5];
		r = fn(w, &u, arg);
		if (r < 0)
			return r;
	}
	if (ferror(f))
		return -EIO;
	return 0;
}

struct sshd_keys;

struct home_arg {
	uint32_t kind;
	const char *rel;
	const struct line_opts *o;
	const struct sshd_keys *keys;
};

static int add_home(struct zj_watch *w, const struct pw_user *u, void *arg)
{
	const struct home_arg *h = arg;
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", u->home, h->rel) >= sizeof(path))
		return 0;
	return watch_add_glob(w, h->kind, path, h->o, u->uid);
}

/* ---- sshd's AuthorizedKeysFile ------------------------------------------------------------ */

#define SSHD_FILES_MAX 16

struct sshd_keys {
	char *tokens[SSHD_FILES_MAX]; /* AuthorizedKeysFile values, as written */
	size_t n;
};

static void sshd_read(struct zj_watch *w, const char *path, struct sshd_keys *k, int level);

/* One sshd_config line: AuthorizedKeysFile values, Include. */
static void sshd_line(struct zj_watch *w, char *s, struct sshd_keys *k, int level)
{
	char *key, *save = NULL, *tok;
	bool include;

	key = strtok_r(s, " \t\r=", &save);
	if (!key || key[0] == '#')
		return;
	include = strcasecmp(key, "Include") == 0;
	if (!include && strcasecmp(key, "AuthorizedKeysFile") != 0)
		return;
	while ((tok = strtok_r(NULL, " \t\r", &save))) {
		if (include) {
			glob_t g;
			char pat[PATH_MAX];

			/* relative Include paths are under /etc/ssh */
			if ((size_t)snprintf(pat, sizeof(pat), "%s%s",
					     tok[0] == '/' ? "" : "/etc/ssh/", tok) >= sizeof(pat))
				continue;
			if (glob(pat, 0, NULL, &g) == 0) {
				for (size_t i = 0; i < g.gl_pathc; i++)
					sshd_read(w, g.gl_pathv[i], k, level + 1);
			}
			globfree(&g);
		} else if (k->n < SSHD_FILES_MAX && strcasecmp(tok, "none") != 0) {
			k->tokens[k->n] = strdup(tok);
			if (k->tokens[k->n])
				k->n++;
		}
	}
}

static void sshd_read(struct zj_watch *w, const char *path, struct sshd_keys *k, int level)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (level > 3)
		return;
	dep_add(w, path);
	f = fopen(path, "re");
	if (!f)
		return;
	while ((n = getline(&buf, &cap, f)) > 0) {
		if (buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		sshd_line(w, buf, k, level);
	}
}

/* %h, %u, %U, %% of an AuthorizedKeysFile token for user u; relative: under the home. */
static int sshd_expand(const char *tok, const struct pw_user *u, char *out, size_t len)
{
	size_t o = 0;

	if (tok[0] != '/' && tok[0] != '%') {
		int m = snprintf(out, len, "%s/", u->home);

		if (m < 0 || (size_t)m >= len)
			return -ENAMETOOLONG;
		o = (size_t)m;
	}
	for (const char *p = tok; *p; p++) {
		char num[16];
		const char *ins = NULL;

		if (*p == '%' && p[1]) {
			p++;
			if (*p == 'h')
				ins = u->home;
			else if (*p == 'u')
				ins = u->name;
			else if (*p == 'U') {
				snprintf(num, sizeof(num), "%u", u->uid);
				ins = num;
			} else if (*p == '%')
				ins = "%";
			else
				return -EINVAL; /* a token zhijia does not know: leave it */
		}
		if (ins) {
			size_t m = strlen(ins);

			if (o + m >= len)
				return -ENAMETOOLONG;
			memcpy(out + o, ins, m);
			o += m;
		} else {
			if (o + 1 >= len)
				return -ENAMETOOLONG;
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out[0] == '/' ? 0 : -EINVAL;
}

static int add_sshd_keys(struct zj_watch *w, const struct pw_user *u, void *arg)
{
	const struct home_arg *h = arg;
	const struct sshd_keys *k = h->keys;
	char path[PATH_MAX];
	int r;

	for (size_t i = 0; i < k->n; i++) {
		if (sshd_expand(k->tokens[i], u, path, sizeof(path)) < 0)
			continue;
		r = watch_add(w, ZJ_WATCH_FILE, path, h->o, u->uid);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The AuthorizedKeysFile targets of the sshd configuration at `config` (sshd's default,
 * .ssh/authorized_keys and .ssh/authorized_keys2, when it names none) for every user.
 */
static int watch_add_sshd(struct zj_watch *w, const char *config, const char *passwd,
			  const struct line_opts *o)
{
	struct sshd_keys k = {.n = 0};
	struct home_arg h = {.kind = ZJ_WATCH_FILE, .o = o};
	int r;

	sshd_read(w, config, &k, 0);
	if (k.n == 0) {
		k.tokens[0] = strdup(".ssh/authorized_keys");
		k.tokens[1] = strdup(".ssh/authorized_keys2");
		k.n = 2;
	}
	h.keys = &k;
	r = 0;
	for (size_t i = 0; i < k.n; i++)
		if (!k.tokens[i])
			r = -ENOMEM;
	if (r == 0)
		r = for_each_user(w, passwd, add_sshd_keys, &h);
	for (size_t i = 0; i < k.n; i++)
		free(k.tokens[i]);
	return r;
}

#define LINE_SYNTAX                                                                                \
	"expected 'KIND PATH [DEPTH] [CLASS] [ops=LIST] [names=PATTERNS]' (KIND: dir, file, "      \
	"home, homefile, sshkeys)"

/* Parse one configuration text into w. */
static int parse_into(struct zj_watch *w, const char *text, const char *source, const char *passwd,
		      char *err, size_t errlen)
{
	const char *p = text;
	uint32_t line = 0;
	int r = 0;

	while (*p) {
		char buf[PATH_MAX + 256], *tok[8], *s, *save = NULL, *end;
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		struct line_opts o = {.depth = 1, .klass = ZJ_ENF_NONE, .ops = ZJ_WATCH_OPS_ALL};
		bool have_depth = false, have_class = false;
		const char *kind, *path;
		int nt = 0;

		line++;
		o.line = line;
		o.source = source;
		if (len >= sizeof(buf)) {
			snprintf(err, errlen, "%s:%u: line too long", source, line);
			return -EINVAL;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = eol ? eol + 1 : p + len;
		s = buf + strspn(buf, " \t\r");
		if (*s == '\0' || *s == '#')
			continue;
		for (char *t = strtok_r(s, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
			if (nt == (int)ELEMENTSOF(tok)) {
				snprintf(err, errlen, "%s:%u: %s", source, line, LINE_SYNTAX);
				return -EINVAL;
			}
			tok[nt++] = t;
		}
		if (nt < 2) {
			snprintf(err, errlen, "%s:%u: %s", source, line, LINE_SYNTAX);
			return -EINVAL;
		}
		kind = tok[0];
		path = tok[1];
		if (strlen(path) >= PATH_MAX) {
			snprintf(err, errlen, "%s:%u: path too long", source, line);
			return -EINVAL;
		}
		for (int i = 2; i < nt; i++) {
			const char *t = tok[i];

			if (t[0] >= '0' && t[0] <= '9') {
				unsigned long depth;

				errno = 0;
				depth = strtoul(t, &end, 10);
				if (have_depth || have_class || errno || *end || depth < 1 ||
				    depth > 4) {
					snprintf(err, errlen,
						 "%s:%u: depth '%s' is not a number from 1 to 4 "
						 "(it comes before the class)",
						 source, line, t);
					return -EINVAL;
				}
				o.depth = (uint32_t)depth;
				have_depth = true;
			} else if (strncmp(t, "ops=", 4) == 0) {
				if (ops_parse(t + 4, &o.ops) < 0) {
					snprintf(err, errlen,
						 "%s:%u: ops '%s': a comma-separated list of "
						 "create, "
						 "write, truncate, rename, link, symlink, unlink, "
						 "chmod, all",
						 source, line, t + 4);
					return -EINVAL;
				}
			} else if (strncmp(t, "names=", 6) == 0) {
				if (!t[6] || strchr(t + 6, '/')) {
					snprintf(err, errlen,
						 "%s:%u: names '%s': comma-separated file name "
						 "patterns, without '/'",
						 source, line, t + 6);
					return -EINVAL;
				}
				o.names = t + 6;
			} else if (strchr(t, '=')) {
				snprintf(err, errlen,
					 "%s:%u: unknown option '%s' (valid: ops=, names=)", source,
					 line, t);
				return -EINVAL;
			} else {
				if (have_class) {
					snprintf(err, errlen, "%s:%u: %s", source, line,
						 LINE_SYNTAX);
					return -EINVAL;
				}
				if (class_parse(t, &o.klass, &o.technique) < 0) {
					snprintf(err, errlen,
						 "%s:%u: unknown class '%s' (valid: " CLASS_WORDS
						 ")",
						 source, line, t);
					return -EINVAL;
				}
				have_class = true;
			}
		}
		if (strcmp(kind, "dir") == 0 || strcmp(kind, "file") == 0 ||
		    strcmp(kind, "sshkeys") == 0) {
			if (path[0] != '/') {
				snprintf(err, errlen, "%s:%u: path '%s' is not absolute", source,
					 line, path);
				return -EINVAL;
			}
			if (kind[0] != 'd' && have_depth) {
				snprintf(err, errlen, "%s:%u: a %s entry takes no depth", source,
					 line, kind);
				return -EINVAL;
			}
			if (kind[0] != 'd' && o.names) {
				snprintf(err, errlen, "%s:%u: names= is for directories", source,
					 line);
				return -EINVAL;
			}
			if (kind[0] == 's')
				r = watch_add_sshd(w, path, passwd, &o);
			else
				r = watch_add_glob(w, kind[0] == 'd' ? ZJ_WATCH_DIR : ZJ_WATCH_FILE,
						   path, &o, ZJ_WATCH_NO_UID);
		} else if (strcmp(kind, "home") == 0 || strcmp(kind, "homefile") == 0) {
			struct home_arg h = {.rel = path, .o = &o};

			if (path[0] == '/') {
				snprintf(err, errlen,
					 "%s:%u: a %s entry takes a path relative to the home "
					 "directory, not '%s'",
					 source, line, kind, path);
				return -EINVAL;
			}
			h.kind = kind[4] ? ZJ_WATCH_FILE : ZJ_WATCH_DIR;
			if (h.kind == ZJ_WATCH_FILE && (have_depth || o.names)) {
				snprintf(err, errlen,
					 "%s:%u: a homefile entry takes no depth or names=", source,
					 line);
				return -EINVAL;
			}
			r = for_each_user(w, passwd, add_home, &h);
		} else {
			snprintf(err, errlen,
				 "%s:%u: unknown kind '%s' (valid: dir, file, home, homefile, "
				 "sshkeys)",
				 source, line, kind);
			return -EINVAL;
		}
		if (r < 0) {
			snprintf(err, errlen, "%s:%u: %s", source, line, strerror(-r));
			return r;
		}
	}
	return 0;
}

static struct zj_watch *watch_new(const char *passwd)
{
	struct zj_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->passwd = strdup(passwd);
	if (!w->passwd) {
		free(w);
		return NULL;
	}
	return w;
}

/* Keep a configuration text (for re-expansion) and parse it into w. */
static int watch_add_text(struct zj_watch *w, const char *text, const char *source, char *err,
			  size_t errlen)
{
	char **nt, **ns;

	nt = reallocarray(w->texts, w->n_texts + 1, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	w->texts = nt;
	ns = reallocarray(w->sources, w->n_texts + 1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	w->sources = ns;
	w->texts[w->n_texts] = strdup(text);
	w->sources[w->n_texts] = strdup(source);
	if (!w->texts[w->n_texts] || !w->sources[w->n_texts]) {
		free(w->texts[w->n_texts]);
		free(w->sources[w->n_texts]);
		return -ENOMEM;
	}
	w->n_texts++;
	if (w->n_texts == 1) {
		w->text = w->texts[0];
		w->source = w->sources[0];
	}
	return parse_into(w, w->texts[w->n_texts - 1], w->sources[w->n_texts - 1], w->passwd, err,
			  errlen);
}

/* An entry's path, and its real, each have fewer '/' than this. */
#define ZJ_WATCH_KEY_DEPTH 64

/* FNV-1a, the same fold for a whole path and for each prefix of it (zj_watch_match). */
#define KEY_HASH0 0xcbf29ce484222325ULL
static uint64_t key_hash_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

static uint64_t key_hash(const char *s, size_t len)
{
	uint64_t h = KEY_HASH0;

	for (size_t i = 0; i < len; i++)
		h = key_hash_step(h, (unsigned char)s[i]);
	return h;
}

static void key_insert(struct zj_watch *w, const char *str, size_t len, uint32_t entry)
{
	struct zj_watch_pathkey *k = &w->keys[w->n_keys];
	size_t i;

	k->s = str;
	k->len = len;
	k->hash = key_hash(str, len);
	k->entry = entry;
	for (i = (size_t)k->hash & (w->n_slots - 1); w->slots[i]; i = (i + 1) & (w->n_slots - 1))
		;
	w->slots[i] = (uint32_t)++w->n_keys;
}

/* The index zj_watch_match() looks paths up in: every path and real, at most half full. */
static int index_build(struct zj_watch *w)
{
	size_t n_slots = 16;

	for (size_t i = 0; i < w->n; i++) {
		const char *keys[2] = {w->entries[i].path, w->entries[i].real};

		for (size_t k = 0; k < 2 && keys[k]; k++) {
			size_t depth = 0;

			for (const char *c = keys[k]; *c; c++)
				depth += *c == '/';
			if (depth >= ZJ_WATCH_KEY_DEPTH)
				return -ENAMETOOLONG;
		}
	}

	while (n_slots < 4 * w->n + 4)
		n_slots *= 2;
	w->keys = calloc(2 * w->n + 1, sizeof(*w->keys));
	w->slots = calloc(n_slots, sizeof(*w->slots));
	if (!w->keys || !w->slots)
		return -ENOMEM;
	w->n_slots = n_slots;
	for (size_t i = 0; i < w->n; i++) {
		key_insert(w, w->entries[i].path, w->entries[i].path_len, (uint32_t)i);
		if (w->entries[i].real)
			key_insert(w, w->entries[i].real, w->entries[i].real_len, (uint32_t)i);
	}
	return 0;
}

static int watch_done(struct zj_watch *w, int r, struct zj_watch **ret)
{
	if (r == 0)
		r = index_build(w);
	if (r < 0) {
		zj_watch_free(w);
		return r;
	}
	if (w->max_depth == 0)
		w->max_depth = 1;
	*ret = w;
	return 0;
}

int zj_watch_parse(const char *text, const char *source, const char *passwd, struct zj_watch **ret,
		   char *err, size_t errlen)
{
	struct zj_watch *w = watch_new(passwd);

	if (!w)
		return -ENOMEM;
	return watch_done(w, watch_add_text(w, text, source, err, errlen), ret);
}

int zj_watch_reexpand(const struct zj_watch *old, struct zj_watch **ret, char *err, size_t errlen)
{
	struct zj_watch *w = watch_new(old->passwd);
	int r = 0;

	if (!w)
		return -ENOMEM;
	for (size_t i = 0; i < old->n_texts && r == 0; i++)
		r = watch_add_text(w, old->texts[i], old->sources[i], err, errlen);
	return watch_done(w, r, ret);
}

static int conf_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0;
}

/* Read a configuration file: regular, at most 1 MiB, no NUL bytes. */
static int read_text(const char *path, char **ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > (1 << 20))
		return -EFBIG;
	r = zj_read_all(fd, (size_t)st.st_size, &buf, &len);
	if (r < 0)
		return r;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	*ret = TAKE_PTR(buf);
	return 0;
}

int zj_watch_load(const char *path, bool explicit_path, const char *passwd, struct zj_watch **ret,
		  char *err, size_t errlen)
{
	_cleanup_free_ char *text = NULL, *dir = NULL;
	struct dirent **list = NULL;
	struct zj_watch *w;
	char *slash;
	int r, n;

	w = watch_new(passwd);
	if (!w)
		return -ENOMEM;
	r = read_text(path, &text);
	if (r == -ENOENT && !explicit_path)
		r = watch_add_text(w, zj_watch_default_text(), "built-in", err, errlen);
	else if (r < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	else
		r = watch_add_text(w, text, path, err, errlen);
	if (r < 0)
		return watch_done(w, r, ret);

	/* the drop-ins: DIR/watch.d/ (DIR is the directory of the main file) */
	dir = malloc(strlen(path) + sizeof("/watch.d"));
	if (!dir)
		return watch_done(w, -ENOMEM, ret);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		strcpy(dir, "./");
	strcat(dir, "watch.d");
	n = scandir(dir, &list, conf_filter, alphasort);
	if (n < 0)
		return watch_done(w, errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno(),
				  ret);
	for (int i = 0; i < n; i++) {
		char fp[PATH_MAX];
		_cleanup_free_ char *t = NULL;

		if (r == 0 &&
		    (size_t)snprintf(fp, sizeof(fp), "%s/%s", dir, list[i]->d_name) < sizeof(fp)) {
			r = read_text(fp, &t);
			if (r < 0)
				snprintf(err, errlen, "%s: %s", fp, strerror(-r));
			else
				r = watch_add_text(w, t, fp, err, errlen);
		}
		free(list[i]);
	}
	free(list);
	return watch_done(w, r, ret);
}

/* path (len bytes) is in dir (n bytes), at most depth levels below it. */
static bool path_in_dir(const char *path, size_t len, const char *dir, size_t n, uint32_t depth)
{
	uint32_t levels = 1;

	if (len < n + 2 || path[n] != '/' || memcmp(path, dir, n) != 0)
		return false;
	for (const char *rest = path + n + 1, *end = path + len;
	     (rest = memchr(rest, '/', (size_t)(end - rest))) != NULL; rest++)
		if (++levels > depth)
			return false;
	return true;
}

static bool same(const char *path, size_t len, const char *s, size_t n)
{
	return len == n && memcmp(path, s, n) == 0;
}

/*
 * The rule: the first file entry whose path or real is path; else, of the directory entries
 * path is in (by path or real, within their depth), the one with the longest path, the first
 * of those.  Every file event asks (289 entries with the built-in list on this machine), so
 * instead of trying each entry, path and each of its parent directories are looked up in the
 * index: one pass over path hashes all of them.
 */
static uint32_t match_n(const struct zj_watch *w, const char *path, size_t len)
{
	size_t n_pre = 0, pre[ZJ_WATCH_KEY_DEPTH];
	uint64_t h = KEY_HASH0, pre_hash[ZJ_WATCH_KEY_DEPTH];
	uint32_t file = UINT32_MAX, dir = UINT32_MAX;

	if (!w->n_slots || len >= PATH_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		/* a directory path is in: a prefix ending before a '/' with something after (no
		 * key has ZJ_WATCH_KEY_DEPTH components: deeper prefixes match none) */
		if (path[i] == '/' && i > 0 && i + 1 < len && n_pre < ELEMENTSOF(pre)) {
			pre[n_pre] = i;
			pre_hash[n_pre++] = h;
		}
		h = key_hash_step(h, (unsigned char)path[i]);
	}
	for (size_t q = 0; q <= n_pre; q++) {
		size_t plen = q < n_pre ? pre[q] : len;
		uint64_t ph = q < n_pre ? pre_hash[q] : h;

		for (size_t i = (size_t)ph & (w->n_slots - 1); w->slots[i];
		     i = (i + 1) & (w->n_slots - 1)) {
			const struct zj_watch_pathkey *k = &w->keys[w->slots[i] - 1];
			const struct zj_watch_entry *e = &w->entries[k->entry];

			if (k->hash != ph || !same(path, plen, k->s, k->len))
				continue;
			if (q == n_pre) {
				if (e->kind == ZJ_WATCH_FILE && k->entry < file)
					file = k->entry;
			} else if (e->kind == ZJ_WATCH_DIR &&
				   path_in_dir(path, len, k->s, k->len, e->depth) &&
				   (dir == UINT32_MAX || e->path_len > w->entries[dir].path_len ||
				    (e->path_len == w->entries[dir].path_len && k->entry < dir)))
				dir = k->entry;
		}
	}
	if (file != UINT32_MAX)
		return w->entries[file].id;
	return dir != UINT32_MAX ? w->entries[dir].id : 0;
}

uint32_t zj_watch_match(const struct zj_watch *w, const char *path)
{
	return match_n(w, path, strlen(path));
}

bool zj_watch_counts(const struct zj_watch_entry *e, const char *path, size_t len, uint32_t op)
{
	const char *base;
	char name[NAME_MAX + 1];
	size_t bl;

	if (op >= 32 || !(e->ops & ZJ_WATCH_OP(op)))
		return false;
	if (e->kind != ZJ_WATCH_DIR || !e->names)
		return true;
	base = len ? memrchr(path, '/', len) : NULL;
	base = base ? base + 1 : path;
	bl = len - (size_t)(base - path);
	if (bl == 0 || bl > NAME_MAX)
		return false;
	memcpy(name, base, bl);
	name[bl] = '\0';
	for (const char *p = e->names; *p;) {
		char pat[NAME_MAX + 1];
		size_t n = strcspn(p, ",");

		if (n <= NAME_MAX) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (fnmatch(pat, name, 0) == 0)
				return true;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* The entry that matches a path view (normalised by the kernel or the daemon). */
static const struct zj_watch_entry *match_view(const struct zj_watch *w, struct zj_str p)
{
	/* what zj_watch_match() of the view as a C string says, without the copy */
	if (!p.ptr || !p.len || p.len >= PATH_MAX || memchr(p.ptr, '\0', p.len))
		return NULL;
	return zj_watch_entry(w, match_n(w, p.ptr, p.len));
}

void zj_watch_fill_ctx(const struct zj_watch *w, const struct zj_event *ev,
		       struct zj_detect_ctx *ctx)
{
	const struct zj_watch_entry *e;
	struct zj_str p = ev->file.path;

	if (!w || ev->type != ZJ_EV_FILE)
		return;
	e = match_view(w, p);
	if ((!e || !e->technique) && ev->file.op == ZJ_FOP_RENAME) {
		p = ev->file.path2;
		e = match_view(w, p);
		if (e && e->technique)
			ctx->flags |= ZJ_CTX_PATH_OLD;
	}
	if (!e || !e->technique)
		return;
	ctx->flags |= ZJ_CTX_PATH;
	/* every file event comes here: no snprintf() */
	zj_strcpy_cut(ctx->path_technique, sizeof(ctx->path_technique), e->technique);
	if (zj_watch_counts(e, p.ptr, p.len, ev->file.op))
		ctx->flags |= ZJ_CTX_PATH_COUNTS;
	if (e->uid != ZJ_WATCH_NO_UID) {
		ctx->flags |= ZJ_CTX_PATH_HOME;
		ctx->path_uid = e->uid;
	}
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

/* Keys written by one apply: what is not among them afterwards is stale and deleted. */
struct keyset {
	void *v;
	size_t n, cap, size;
};

static int keyset_add(struct keyset *ks, const void *key)
{
	if (ks->n == ks->cap) {
		size_t nc = ks->cap ? ks->cap * 2 : 64;
		void *nv = reallocarray(ks->v, nc, ks->size);

		if (!nv)
			return -ENOMEM;
		ks->v = nv;
		ks->cap = nc;
	}
	memcpy((char *)ks->v + ks->n * ks->size, key, ks->size);
	ks->n++;
	return 0;
}

static size_t keyset_cmp_size;

static int keyset_cmp(const void *a, const void *b)
{
	return memcmp(a, b, keyset_cmp_size);
}

/* Sorted (keyset_sort) lookup. */
static bool keyset_has(const struct keyset *ks, const void *key)
{
	keyset_cmp_size = ks->size;
	return ks->n && bsearch(key, ks->v, ks->n, ks->size, keyset_cmp);
}

static void keyset_sort(struct keyset *ks)
{
	keyset_cmp_size = ks->size;
	if (ks->n)
		qsort(ks->v, ks->n, ks->size, keyset_cmp);
}

/* Delete every key of map fd that this apply did not write (a user removed, a reload). */
static void keyset_prune(int fd, struct keyset *ks)
{
	_cleanup_free_ char *k = malloc(ks->size), *next = malloc(ks->size);
	bool first = true;

	if (!k || !next)
		return;
	keyset_sort(ks);
	while (bpf_map_get_next_key(fd, first ? NULL : k, next) == 0) {
		memcpy(k, next, ks->size);
		first = false;
		if (!keyset_has(ks, k)) {
			/* deleting k makes the walk start over; the kept keys are passed again */
			(void)bpf_map_delete_elem(fd, k);
			first = true;
		}
	}
}

/* A map that is full: the entry is left out (the prefix and the other maps still hold it). */
static bool map_full(int r)
{
	return r == -E2BIG || r == -ENOSPC;
}

static int prefix_put(int fd, struct keyset *ks, const char *path, bool dir, uint32_t id,
		      uint32_t klass)
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
		return map_full(negative_errno()) ? 0 : negative_errno();
	return keyset_add(ks, &k);
}

int zj_watch_apply(const struct zj_watch *w, int inodes_fd, int names_fd, int prefix_fd)
{
	_cleanup_free_ struct inode_item *items = NULL;
	struct keyset pks = {.size = sizeof(struct zj_prefix_key)};
	struct keyset nks = {.size = sizeof(struct zj_watch_name_key)};
	struct keyset iks = {.size = sizeof(struct zj_watch_key)};
	size_t n = 0, cap = 0, i;
	int present = 0, r = 0;

	for (i = 0; i < w->n && r >= 0; i++) {
		const struct zj_watch_entry *e = &w->entries[i];
		struct stat st;
		struct zj_watch_key k;

		r = prefix_put(prefix_fd, &pks, e->path, e->kind == ZJ_WATCH_DIR, e->id, e->klass);
		if (r == -ENAMETOOLONG)
			r = 0;
		if (r == 0 && e->real) {
			r = prefix_put(prefix_fd, &pks, e->real, e->kind == ZJ_WATCH_DIR, e->id,
				       e->klass);
			if (r == -ENAMETOOLONG)
				r = 0;
		}
		if (r < 0)
			break;
		if (e->kind == ZJ_WATCH_DIR) {
			if (stat(e->path, &st) < 0 || !S_ISDIR(st.st_mode))
				continue; /* absent for now: re-checked on the next apply */
			memset(&k, 0, sizeof(k));
			k.dev = zj_kdev(st.st_dev);
			k.ino = st.st_ino;
			r = items_put(&items, &n, &cap, &k, ZJ_W_SUBTREE, e->depth, e->id,
				      e->klass);
			if (r < 0)
				break;
			present++;
		} else {
			_cleanup_free_ char *dir = strdup(e->path);
			struct zj_watch_name_key nk;
			struct zj_watch_val v;
			char *slash;

			if (!dir) {
				r = -ENOMEM;
				break;
			}
			slash = strrchr(dir, '/');
			if (!slash || strlen(slash + 1) >= ZJ_WNAME_LEN)
				continue;
			*slash = '\0';
			if (stat(dir[0] ? dir : "/", &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			memset(&k, 0, sizeof(k));
			k.dev = zj_kdev(st.st_dev);
			k.ino = st.st_ino;
			memset(&nk, 0, sizeof(nk));
			memset(&v, 0, sizeof(v));
			nk.dev = k.dev;
			nk.ino = k.ino;
			strncpy(nk.name, slash + 1, sizeof(nk.name) - 1);
			r = items_put(&items, &n, &cap, &k, ZJ_W_NAMES, 0, e->id, ZJ_ENF_NONE);
			if (r < 0)
				break;
			v.flags = ZJ_W_NAMES;
			v.id = e->id;
			v.klass = e->klass;
			if (bpf_map_update_elem(names_fd, &nk, &v, BPF_ANY) < 0) {
				r = negative_errno();
				if (!map_full(r))
					break;
				r = 0;
				continue;
			}
			r = keyset_add(&nks, &nk);
			present++;
		}
	}
	for (i = 0; i < n && r >= 0; i++) {
		if (bpf_map_update_elem(inodes_fd, &items[i].key, &items[i].val, BPF_ANY) < 0) {
			r = negative_errno();
			if (!map_full(r))
				break;
			r = 0;
			continue;
		}
		r = keyset_add(&iks, &items[i].key);
	}
	/* drop what is no longer watched (a directory replaced, a user removed, a reload) */
	if (r >= 0) {
		keyset_prune(inodes_fd, &iks);
		keyset_prune(names_fd, &nks);
		keyset_prune(prefix_fd, &pks);
	}
	free(pks.v);
	free(nks.v);
	free(iks.v);
	return r < 0 ? r : present;
}
