/* SPDX-License-Identifier: GPL-2.0-only */
#define _GNU_SOURCE /* O_PATH */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yara.h>

#include "scan.h"
#include "util.h"

/* ---- libyara ------------------------------------------------------------------------------ */

static int yr_errno(int e)
{
	switch (e) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_INSUFFICIENT_MEMORY:
		return -ENOMEM;
	case ERROR_SCAN_TIMEOUT:
		return -ETIME;
	case ERROR_COULD_NOT_OPEN_FILE:
	case ERROR_COULD_NOT_MAP_FILE:
		return -EIO;
	default:
		return -EINVAL;
	}
}

int zj_scan_library_init(void)
{
	return yr_errno(yr_initialize());
}

void zj_scan_library_done(void)
{
	(void)yr_finalize();
}

const char *zj_verdict_name(uint32_t state)
{
	static const char *const n[] = {"clean", "match", "error", "timeout", "too_big"};

	return state < sizeof(n) / sizeof(n[0]) ? n[state] : "unknown";
}

const char *zj_verdict_error(int error)
{
	if (error == -EINVAL)
		return "not a regular file";
	if (error == -EFBIG)
		return "larger than the scan limit (64 MiB)";
	if (error == -ETIME)
		return "the scan timed out";
	return strerror(-error);
}

/* ---- rules -------------------------------------------------------------------------------- */

struct zj_rules {
	atomic_int refs;
	YR_RULES *rules;
	size_t count;
	uint64_t generation; /* distinct per compilation: cached verdicts carry it */
};

struct compile_ctx {
	const char *dir;
	char *err;
	size_t errlen;
	int errors;
};

static void compile_cb(int level, const char *file, int line, const YR_RULE *rule,
		       const char *message, void *userdata)
{
	struct compile_ctx *c = userdata;

	if (level != YARA_ERROR_LEVEL_ERROR || c->errors++)
		return; /* warnings pass; the first error is the one reported */
	snprintf(c->err, c->errlen, "%s:%d: %s", file ? file : "?", line, message);
}

/* `include "x.yar"`: only a plain file name, read from the rules directory itself. */
static const char *include_cb(const char *name, const char *caller, const char *ns,
			      void *userdata)
{
	struct compile_ctx *c = userdata;
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	char *buf;
	struct stat st;

	if (!name[0] || strchr(name, '/') || name[0] == '.')
		return NULL; /* libyara reports "can't open include file" at the include line */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->dir, name) >= sizeof(path))
		return NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20))
		return NULL;
	if (zj_read_all(fd, (size_t)st.st_size, &buf, NULL) < 0)
		return NULL;
	return buf;
}

static void include_free_cb(const char *ptr, void *userdata)
{
	free((void *)ptr);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int zj_rules_compile_dir(const char *dir, struct zj_rules **ret, char *err, size_t errlen)
{
	static atomic_uint_fast64_t generation = 1; /* ids of compilations, process-wide */
	struct compile_ctx c = {.dir = dir, .err = err, .errlen = errlen, .errors = 0};
	YR_COMPILER *comp = NULL;
	YR_RULES *rules = NULL;
	struct zj_rules *r;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int e = 0;

	if (errlen)
		err[0] = '\0';
	d = opendir(dir);
	if (!d && errno != ENOENT) {
		e = negative_errno();
		snprintf(err, errlen, "%s: %s", dir, strerror(-e));
		return e;
	}
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".yar") != 0 || de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = reallocarray(names, cap ? cap * 2 : 16, sizeof(*nn));

			if (!nn) {
				e = -ENOMEM;
				break;
			}
			names = nn;
			cap = cap ? cap * 2 : 16;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			e = -ENOMEM;
			break;
		}
		n++;
	}
	if (d)
		closedir(d);
	if (e == 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	if (e == 0)
		e = yr_errno(yr_compiler_create(&comp));
	if (e == 0) {
		yr_compiler_set_callback(comp, compile_cb, &c);
		yr_compiler_set_include_callback(comp, include_cb, include_free_cb, &c);
	}
	for (i = 0; e == 0 && i < n; i++) {
		char path[PATH_MAX], ns[NAME_MAX + 1];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		/* each file its own namespace: the same rule name in two files is no clash */
		snprintf(ns, sizeof(ns), "%.*s", (int)(strlen(names[i]) - 4), names[i]);
		f = fopen(path, "re");
		if (!f) {
			e = negative_errno();
			snprintf(err, errlen, "%s: %s", path, strerror(-e));
			break;
		}
		if (yr_compiler_add_file(comp, f, ns, path) > 0 || c.errors)
			e = -EINVAL;
		fclose(f);
	}
	if (e == 0)
		e = yr_errno(yr_compiler_get_rules(comp, &rules));
	if (comp)
		yr_compiler_destroy(comp);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (e < 0) {
		if (errlen && !err[0])
			snprintf(err, errlen, "%s: %s", dir, strerror(-e));
		return e;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		yr_rules_destroy(rules);
		return -ENOMEM;
	}
	atomic_init(&r->refs, 1);
	r->rules = rules;
	r->count = rules->num_rules;
	r->generation = atomic_fetch_add(&generation, 1);
	*ret = r;
	return 0;
}

struct zj_rules *zj_rules_ref(struct zj_rules *r)
{
	if (r)
		atomic_fetch_add(&r->refs, 1);
	return r;
}

void zj_rules_unref(struct zj_rules *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	yr_rules_destroy(r->rules);
	free(r);
}

size_t zj_rules_count(const struct zj_rules *r)
{
	return r ? r->count : 0;
}

/* ---- one scan ------------------------------------------------------------------------------ */

static int match_cb(YR_SCAN_CONTEXT *ctx, int message, void *data, void *userdata)
{
	struct zj_verdict *v = userdata;
	YR_RULE *rule = data;
	const char *tag;

	if (message != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	if (v->n_matches < ZJ_SCAN_MATCH_MAX) {
		char *o = v->matches[v->n_matches];
		size_t len = (size_t)snprintf(o, ZJ_SCAN_NAME_MAX, "%s:%s", rule->ns->name,
					      rule->identifier);
		bool first = true;

		yr_rule_tags_foreach(rule, tag)
		{
			if (len + strlen(tag) + 3 >= ZJ_SCAN_NAME_MAX)
				break;
			len += (size_t)snprintf(o + len, ZJ_SCAN_NAME_MAX - len, "%s%s",
						first ? " [" : ",", tag);
			first = false;
		}
		if (!first && len + 2 < ZJ_SCAN_NAME_MAX)
			strcat(o, "]");
	}
	v->n_matches++;
	return CALLBACK_CONTINUE;
}

/*
 * Read the file whole into *buf (grown as needed, reused across scans): YARA then scans
 * memory.  Not libyara's own file mapping: a file truncated while mapped would SIGBUS the
 * daemon, and the bytes that are hashed must be the bytes that are scanned.
 */
/*
 * Open a regular file of at most ZJ_SCAN_FILE_MAX bytes: its fd, and its stat in *st.  The
 * path may come from an attacker (a symlink planted in /etc/cron.d): it is looked at through
 * an O_PATH fd first and opened for reading only once it is a regular file -- opening a device
 * node (/dev/watchdog, a tape) can act by itself.
 */
int zj_scan_open_regular(const char *path, struct stat *st)
{
	_cleanup_close_ int pfd = open(path, O_PATH | O_CLOEXEC), fd = -1;
	char self[64];
	struct stat st2;

	if (pfd < 0)
		return negative_errno();
	if (fstat(pfd, st) < 0)
		return negative_errno();
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	if ((uint64_t)st->st_size > ZJ_SCAN_FILE_MAX)
		return -EFBIG;
	/* the same inode, whatever happened to the path since */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st2) < 0)
		return negative_errno();
	if (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino)
		return -ESTALE;
	*st = st2;
	return TAKE_FD(fd);
}

/* The st_size bytes fstat promised of fd (fewer if it shrank) into *buf, grown as needed. */
static int read_fd(int fd, char **buf, size_t *cap, const struct stat *st, size_t *ret_len)
{
	size_t len = 0;

	if (*cap < (size_t)st->st_size + 1) {
		char *nb = realloc(*buf, (size_t)st->st_size + 1);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = (size_t)st->st_size + 1;
	}
	for (;;) {
		ssize_t n;

		if (len == *cap - 1)
			break; /* grew since fstat: scan what fstat promised */
		n = read(fd, *buf + len, *cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}

static int read_whole(const char *path, char **buf, size_t *cap, struct stat *st, size_t *ret_len)
{
	_cleanup_close_ int fd = zj_scan_open_regular(path, st);

	if (fd < 0)
		return fd;
	return read_fd(fd, buf, cap, st, ret_len);
}

static void scan_buffer(YR_SCANNER *sc, const char *buf, size_t len, struct zj_verdict *v)
{
	struct zj_sha256 s;
	uint8_t d[ZJ_SHA256_LEN];
	int e;

	zj_sha256_init(&s);
	zj_sha256_update(&s, buf, len);
	zj_sha256_final(&s, d);
	zj_sha256_hex(d, v->sha256);
	v->size = len;
	yr_scanner_set_callback(sc, match_cb, v);
	e = yr_errno(yr_scanner_scan_mem(sc, (const uint8_t *)buf, len));
	if (e == -ETIME)
		v->state = ZJ_VERDICT_TIMEOUT;
	else if (e < 0) {
		v->state = ZJ_VERDICT_ERROR;
		v->error = e;
	} else
		v->state = v->n_matches ? ZJ_VERDICT_MATCH : ZJ_VERDICT_CLEAN;
}

static void verdict_from_error(struct zj_verdict *v, int e)
{
	v->state = e == -EFBIG ? ZJ_VERDICT_TOO_BIG : ZJ_VERDICT_ERROR;
	v->error = e;
}

int zj_rules_scan_path(struct zj_rules *r, const char *path, int timeout_s,
		       struct zj_verdict *ret)
{
	YR_SCANNER *sc = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, len = 0;
	struct stat st;
	int e;

	memset(ret, 0, sizeof(*ret));
	e = yr_errno(yr_scanner_create(r->rules, &sc));
	if (e < 0)
		return e;
	yr_scanner_set_timeout(sc, timeout_s);
	e = read_whole(path, &buf, &cap, &st, &len);
	if (e < 0) {
		verdict_from_error(ret, e);
	} else {
		scan_buffer(sc, buf, len, ret);
		ret->dev = st.st_dev;
		ret->ino = st.st_ino;
	}
	yr_scanner_destroy(sc);
	return 0;
}

/* ---- the pool ------------------------------------------------------------------------------ */

#define CACHE_SLOTS 4096

struct cache_entry {
	uint64_t generation; /* 0: empty */
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	struct zj_verdict v;
};

struct job {
	char *path;
	uint64_t cookie;
	struct zj_verdict v;
	struct job *next;
};

struct zj_scanpool {
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_cond_t ready; /* a worker has dropped its capabilities (or failed to) */
	pthread_t *threads;
	unsigned n_workers; /* asked for */
	unsigned n_threads; /* running */
	unsigned n_ready;   /* workers that have reported on their capability drop */
	int drop_error;	    /* the first failed drop */
	bool started;
	bool stop;
	int efd;
	int timeout_s;
	size_t queue_max, queued;
	struct job *head, *tail; /* waiting */
	struct job *done;        /* finished, newest first */
	struct zj_rules *rules;
	struct zj_scanpool_stats stats;
	struct cache_entry *by_inode; /* direct-mapped caches, guarded by lock */
	struct cache_entry *by_hash;
};

static size_t slot_inode(uint64_t dev, uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ULL) ^ dev) % CACHE_SLOTS;
}

static size_t slot_hash(const char *hex)
{
	size_t h = 0;

	for (int i = 0; i < 16; i++)
		h = h * 16 + (size_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	return h % CACHE_SLOTS;
}

/*
 * The calling thread keeps only what a scan needs, and only if it has it: CAP_DAC_READ_SEARCH,
 * because the files named by events (any user's executables, a root-only cron.d) are opened by
 * path and read.  A worker needs nothing else: it reopens its O_PATH fd through /proc/self/fd,
 * which is its own process (no CAP_SYS_PTRACE: the kernel's ptrace check passes for the same
 * thread group); it never opens /proc/<pid>/exe (kill_same() runs in the draining thread),
 * signals nobody, and raises its own nice value only.  A path from an event or a cron line
 * that names another process's /proc/<pid>/exe then gets an error verdict instead of being
 * read with CAP_SYS_PTRACE.  capset(2) acts on the calling thread only (libcap without libpsx,
 * Debian's), hence here and not in the pool's creator.  The inheritable set is emptied, and
 * with it the ambient set; the bounding set stays (it only limits an execve, and no worker
 * execs).  0 or a negative errno.
 */
static int worker_drop_capabilities(void)
{
	const cap_value_t keep = CAP_DAC_READ_SEARCH;
	cap_flag_value_t has = CAP_CLEAR;
	cap_t caps = cap_get_proc();
	int e = 0;

	if (!caps)
		return negative_errno();
	if (cap_get_flag(caps, keep, CAP_PERMITTED, &has) < 0 || cap_clear(caps) < 0 ||
	    (has == CAP_SET && (cap_set_flag(caps, CAP_PERMITTED, 1, &keep, CAP_SET) < 0 ||
				cap_set_flag(caps, CAP_EFFECTIVE, 1, &keep, CAP_SET) < 0)) ||
	    cap_set_proc(caps) < 0)
		e = negative_errno();
	cap_free(caps);
	return e;
}

static void *worker(void *arg)
{
	struct zj_scanpool *p = arg;
	YR_SCANNER *sc = NULL;
	struct zj_rules *mine = NULL;
	char *buf = NULL;
	size_t cap = 0;
	int dropped;

	/* named for ps and /proc/<pid>/task/<tid>/comm; a failure only costs the name */
	(void)prctl(PR_SET_NAME, "zj-scan", 0, 0, 0);
	dropped = worker_drop_capabilities();
	pthread_mutex_lock(&p->lock);
	if (dropped < 0 && !p->drop_error)
		p->drop_error = dropped;
	p->n_ready++;
	pthread_cond_broadcast(&p->ready);
	pthread_mutex_unlock(&p->lock);
	if (dropped < 0)
		return NULL; /* zj_scanpool_start() fails: no scan with capabilities not dropped */

	/*
	 * Scans yield to the event loop: nice 10 for this thread only (Linux applies
	 * PRIO_PROCESS with who 0 to the calling thread).  Measured on 2 cores, a storm of
	 * 8 MiB scans otherwise took the CPU from the loop and stretched event latency.  A
	 * failure (a seccomp filter, say) only costs that, hence ignored.
	 */
	(void)setpriority(PRIO_PROCESS, 0, ZJ_SCAN_NICE);
	for (;;) {
		struct job *j;
		struct zj_rules *want;
		struct stat st;
		size_t len = 0;
		int64_t mtime_ns, ctime_ns;
		int fd;
		int e;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && !p->head)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		want = zj_rules_ref(p->rules);
		pthread_mutex_unlock(&p->lock);

		/* one scanner per worker, made anew when the rules changed */
		if (want != mine) {
			if (sc)
				yr_scanner_destroy(sc);
			sc = NULL;
			zj_rules_unref(mine);
			mine = zj_rules_ref(want);
			if (mine && yr_scanner_create(mine->rules, &sc) != ERROR_SUCCESS)
				sc = NULL;
			if (sc)
				yr_scanner_set_timeout(sc, p->timeout_s);
		}
		zj_rules_unref(want);
		memset(&j->v, 0, sizeof(j->v));
		fd = zj_scan_open_regular(j->path, &st);
		e = fd < 0 ? fd : 0;
		if (e < 0) {
			verdict_from_error(&j->v, e);
		} else if (!sc) {
			verdict_from_error(&j->v, -ENOMEM);
		} else {
			struct cache_entry *ce;

			/*
			 * The inode cache answers before a byte is read: an exec storm of one
			 * binary costs an open and an fstat each.  ctime too, which no one can
			 * set back: a file rewritten with its size and mtime restored is no hit.
			 */
			mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
			ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
			pthread_mutex_lock(&p->lock);
			ce = &p->by_inode[slot_inode(st.st_dev, st.st_ino)];
			if (ce->generation == mine->generation && ce->dev == st.st_dev &&
			    ce->ino == st.st_ino && ce->size == (uint64_t)st.st_size &&
			    ce->mtime_ns == mtime_ns && ce->ctime_ns == ctime_ns) {
				j->v = ce->v;
				j->v.cached = true;
			}
			pthread_mutex_unlock(&p->lock);
			if (!j->v.cached) {
				e = read_fd(fd, &buf, &cap, &st, &len);
				if (e < 0)
					verdict_from_error(&j->v, e);
			}
			if (!j->v.cached && e == 0) {
				struct zj_sha256 s;
				uint8_t d[ZJ_SHA256_LEN];

				/* the same content under another name: the hash cache */
				zj_sha256_init(&s);
				zj_sha256_update(&s, buf, len);
				zj_sha256_final(&s, d);
				zj_sha256_hex(d, j->v.sha256);
				pthread_mutex_lock(&p->lock);
				ce = &p->by_hash[slot_hash(j->v.sha256)];
				if (ce->generation == mine->generation &&
				    strcmp(ce->v.sha256, j->v.sha256) == 0) {
					j->v = ce->v;
					j->v.cached = true;
				}
				pthread_mutex_unlock(&p->lock);
			}
			if (!j->v.cached && e == 0) {
				scan_buffer(sc, buf, len, &j->v);
				if (j->v.state == ZJ_VERDICT_CLEAN || j->v.state == ZJ_VERDICT_MATCH) {
					pthread_mutex_lock(&p->lock);
					ce = &p->by_inode[slot_inode(st.st_dev, st.st_ino)];
					ce->generation = mine->generation;
					ce->dev = st.st_dev;
					ce->ino = st.st_ino;
					ce->size = (uint64_t)st.st_size;
					ce->mtime_ns = mtime_ns;
					ce->ctime_ns = ctime_ns;
					ce->v = j->v;
					p->by_hash[slot_hash(j->v.sha256)] = *ce;
					pthread_mutex_unlock(&p->lock);
				}
			}
		}
		if (fd >= 0)
			close(fd);
		if (e == 0) {
			/* a verdict from the hash cache came from another file */
			j->v.dev = st.st_dev;
			j->v.ino = st.st_ino;
		}
		pthread_mutex_lock(&p->lock);
		p->stats.scanned++;
		p->stats.cache_hits += j->v.cached;
		p->stats.matches += j->v.state == ZJ_VERDICT_MATCH;
		p->stats.errors += j->v.state == ZJ_VERDICT_ERROR;
		p->stats.timeouts += j->v.state == ZJ_VERDICT_TIMEOUT;
		j->next = p->done;
		p->done = j;
		pthread_mutex_unlock(&p->lock);
		{
			uint64_t one = 1;

			if (write(p->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
				break; /* cannot signal: nothing sensible left to do */
		}
	}
	if (sc)
		yr_scanner_destroy(sc);
	zj_rules_unref(mine);
	free(buf);
	return NULL;
}

int zj_scanpool_new(unsigned workers, size_t queue_max, int timeout_s, struct zj_scanpool **ret)
{
	struct zj_scanpool *p;
	int e;

	if (!workers || !queue_max || timeout_s <= 0)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->by_inode = calloc(CACHE_SLOTS, sizeof(*p->by_inode));
	p->by_hash = calloc(CACHE_SLOTS, sizeof(*p->by_hash));
	p->threads = calloc(workers, sizeof(*p->threads));
	if (p->efd < 0 || !p->by_inode || !p->by_hash || !p->threads) {
		e = p->efd < 0 ? negative_errno() : -ENOMEM;
		if (p->efd >= 0)
			close(p->efd);
		free(p->by_inode);
		free(p->by_hash);
		free(p->threads);
		free(p);
		return e;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->ready, NULL);
	p->n_workers = workers;
	p->queue_max = queue_max;
	p->timeout_s = timeout_s;
	*ret = p;
	return 0;
}

/* Stop the running workers (the scans in progress finish) and wait for them. */
static void stop_workers(struct zj_scanpool *p)
{
	unsigned i;

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	p->n_threads = 0;
}

int zj_scanpool_start(struct zj_scanpool *p)
{
	sigset_t all, old;
	unsigned i;
	int e = 0;

	if (p->started || p->stop)
		return -EALREADY;
	/*
	 * Workers take no signals: the daemon blocks SIGHUP/SIGTERM only later, for its
	 * signalfd, and a thread that had them unblocked would die of a SIGHUP's default action.
	 */
	sigfillset(&all);
	e = -pthread_sigmask(SIG_SETMASK, &all, &old);
	if (e < 0)
		return e;
	for (i = 0; i < p->n_workers; i++) {
		e = -pthread_create(&p->threads[i], NULL, worker, p);
		if (e < 0)
			break;
		p->n_threads++;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!p->n_threads)
		return e;
	/* every worker has dropped its capabilities before the pool counts as started */
	pthread_mutex_lock(&p->lock);
	while (p->n_ready < p->n_threads)
		pthread_cond_wait(&p->ready, &p->lock);
	e = p->drop_error;
	pthread_mutex_unlock(&p->lock);
	if (e < 0) {
		stop_workers(p);
		return e;
	}
	/* jobs queued before now are in p->head: the workers found them there */
	p->started = true;
	return 0;
}

static void free_jobs(struct job *j)
{
	while (j) {
		struct job *next = j->next;

		free(j->path);
		free(j);
		j = next;
	}
}

void zj_scanpool_free(struct zj_scanpool *p)
{
	if (!p)
		return;
	stop_workers(p);
	free_jobs(p->head);
	free_jobs(p->done);
	zj_rules_unref(p->rules);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->ready);
	pthread_mutex_destroy(&p->lock);
	close(p->efd);
	free(p->by_inode);
	free(p->by_hash);
	free(p->threads);
	free(p);
}

void zj_scanpool_set_rules(struct zj_scanpool *p, struct zj_rules *r)
{
	struct zj_rules *old;

	pthread_mutex_lock(&p->lock);
	old = p->rules;
	p->rules = zj_rules_ref(r);
	pthread_mutex_unlock(&p->lock);
	zj_rules_unref(old);
}

int zj_scanpool_submit(struct zj_scanpool *p, const char *path, uint64_t cookie)
{
	struct job *j;

	pthread_mutex_lock(&p->lock);
	p->stats.submitted++;
	if (p->queued >= p->queue_max) {
		p->stats.shed++;
		pthread_mutex_unlock(&p->lock);
		return -EAGAIN;
	}
	pthread_mutex_unlock(&p->lock);
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->path = strdup(path);
	if (!j->path) {
		free(j);
		return -ENOMEM;
	}
	j->cookie = cookie;
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int zj_scanpool_fd(const struct zj_scanpool *p)
{
	return p->efd;
}

int zj_scanpool_drain(struct zj_scanpool *p, zj_scan_done_fn done, void *userdata)
{
	struct job *list, *rev = NULL;
	uint64_t cnt;
	int n = 0;

	if (read(p->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return negative_errno();
	pthread_mutex_lock(&p->lock);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->lock);
	/* oldest first */
	while (list) {
		struct job *next = list->next;

		list->next = rev;
		rev = list;
		list = next;
	}
	while (rev) {
		struct job *next = rev->next;

		done(userdata, rev->cookie, rev->path, &rev->v);
		free(rev->path);
		free(rev);
		rev = next;
		n++;
	}
	return n;
}

void zj_scanpool_stats(struct zj_scanpool *p, struct zj_scanpool_stats *ret)
{
	pthread_mutex_lock(&p->lock);
	*ret = p->stats;
	pthread_mutex_unlock(&p->lock);
}

/* ---- the allow-list ----------------------------------------------------------------------- */

struct zj_allow {
	size_t n;
	char (*h)[ZJ_SHA256_HEX_LEN + 1]; /* sorted */
};

static int cmp_hash(const void *a, const void *b)
{
	return strcmp(a, b);
}

int zj_allow_parse(const char *text, size_t len, const char *source, struct zj_allow **ret,
		   char *err, size_t errlen)
{
	struct zj_allow *a = calloc(1, sizeof(*a));
	const char *p = text, *end = text + len;
	size_t cap = 0, line = 0;

	if (!a)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *w;
		size_t wl;

		line++;
		while (p < le && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		w = p;
		while (p < le && !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '#'))
			p++;
		wl = (size_t)(p - w);
		while (p < le && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (wl == 0 && (p == le || *p == '#'))
			goto next; /* blank or comment */
		if (wl != ZJ_SHA256_HEX_LEN || (p < le && *p != '#')) {
			snprintf(err, errlen,
				 "%s:%zu: not a SHA-256 (64 hex digits, optionally followed by "
				 "'# comment'): '%.*s'",
				 source, line, (int)((le - w) > 80 ? 80 : (le - w)), w);
			zj_allow_free(a);
			return -EINVAL;
		}
		if (a->n == ZJ_ALLOW_MAX) {
			snprintf(err, errlen, "%s:%zu: more than %d hashes", source, line,
				 ZJ_ALLOW_MAX);
			zj_allow_free(a);
			return -EINVAL;
		}
		if (a->n == cap) {
			void *nh = reallocarray(a->h, cap ? cap * 2 : 64, sizeof(*a->h));

			if (!nh) {
				zj_allow_free(a);
				return -ENOMEM;
			}
			a->h = nh;
			cap = cap ? cap * 2 : 64;
		}
		for (size_t i = 0; i < wl; i++) {
			char c = w[i];

			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
				snprintf(err, errlen,
					 "%s:%zu: not a SHA-256: '%c' is not a hex digit in '%.*s'",
					 source, line, w[i], (int)wl, w);
				zj_allow_free(a);
				return -EINVAL;
			}
			a->h[a->n][i] = c;
		}
		a->h[a->n][wl] = '\0';
		a->n++;
next:
		p = nl ? nl + 1 : end;
	}
	if (a->n)
		qsort(a->h, a->n, sizeof(*a->h), cmp_hash);
	*ret = a;
	return 0;
}

int zj_allow_load_dir(const char *dir, struct zj_allow **ret, char *err, size_t errlen)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, ZJ_ALLOW_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return zj_allow_parse("", 0, path, ret, err, errlen);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = negative_errno();

		snprintf(err, errlen, "%s: %s", path, strerror(-e));
		return e;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (8 << 20)) {
		snprintf(err, errlen, "%s: not a regular file of at most 8 MiB", path);
		return -EINVAL;
	}
	r = zj_read_all(fd, (size_t)st.st_size, &buf, &len);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	return zj_allow_parse(buf, len, path, ret, err, errlen);
}

void zj_allow_free(struct zj_allow *a)
{
	if (!a)
		return;
	free(a->h);
	free(a);
}

size_t zj_allow_count(const struct zj_allow *a)
{
	return a ? a->n : 0;
}

bool zj_allow_has(const struct zj_allow *a, const char *sha256_hex)
{
	if (!a || !a->n || strlen(sha256_hex) != ZJ_SHA256_HEX_LEN)
		return false;
	return bsearch(sha256_hex, a->h, a->n, sizeof(*a->h), cmp_hash) != NULL;
}
