/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process table (see proctab.h for the contract).
 *
 * A chained hash keyed by tgid; each entry is its own allocation, so views stay put when the
 * bucket array grows.  exe and cmdline are immutable reference-counted strings: a forked child
 * shares its parent's until it executes something, which keeps a table of ten thousand
 * pre-forked workers small (an entry is ~150 bytes plus the strings only its exec created).
 *
 * Everything read from /proc/<pid>/ is read relative to one open directory fd of that pid: if
 * the pid is reused between two reads the old directory fails with ESRCH instead of answering
 * for the new process.
 *
 * Entries leave the table (replaced by a newer process of the same pid, evicted from the dead
 * FIFO) into a limbo list that is freed when the next exec/fork/exit/prune/set_protected call
 * begins.  Lookups therefore never free memory, and the views of an event's actor and target
 * stay valid however the lookups of that event reshuffle the table (proctab.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "proctab.h"
#include "zhijia/detect.h"
#include "util.h"

/* task->flags bit of kernel threads, field 9 of /proc/<pid>/stat (include/linux/sched.h). */
#define PF_KTHREAD 0x00200000u

/* A reference-counted immutable string; NULL stands for the empty string. */
struct rstr {
	uint32_t ref;
	uint32_t len;
	char s[]; /* len bytes and a NUL */
};

enum { MAP_VDSO, MAP_VVAR, MAP_VVAR_VCLOCK, MAP_NR };

static const char *const map_names[MAP_NR] = {"[vdso]", "[vvar]", "[vvar_vclock]"};
static const uint32_t map_regions[MAP_NR] = {ZJ_REGION_VDSO, ZJ_REGION_VVAR, ZJ_REGION_VVAR};

/* pent.state */
#define PE_DEAD (1u << 0)    /* exited; kept in the dead FIFO */
#define PE_COARSE (1u << 1)  /* start_ns came from /proc: tick-granular */
#define PE_PARTIAL (1u << 2) /* only pid, ppid and start_ns are known */
#define PE_MAPS (1u << 3)    /* maps[] loaded for the current image */

struct pent {
	struct pent *hnext;	    /* hash chain; limbo list once removed */
	struct pent *dprev, *dnext; /* dead FIFO, oldest first */
	struct rstr *exe;
	struct rstr *cmdline;
	uint64_t start_ns;
	uint64_t maps[MAP_NR][2]; /* [start, end) of [vdso], [vvar], [vvar_vclock]; 0,0: absent */
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	uint32_t euid;
	uint32_t flags; /* ZJ_PROC_* but KNOWN, which lookup adds */
	uint32_t state; /* PE_* */
	char comm[16];
};

struct zj_proctab {
	int root_fd;
	uint64_t tick_ns; /* 1e9 / CLK_TCK: the granularity of /proc start times */
	struct pent **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	struct pent *dead_head, *dead_tail;
	size_t ndead;
	struct pent *limbo; /* removed entries whose views may still be in use */
	char **protected;
	size_t nprotected;
	size_t mem;
};

/* What /proc/<pid>/stat and status tell. */
struct pstat {
	char comm[16];
	char state;
	uint32_t ppid;
	uint32_t tgid;
	uint32_t uid, gid, euid;
	uint64_t kflags;
	uint64_t start_ns;
};

static struct rstr *rstr_new(struct zj_proctab *t, const char *s, size_t len, size_t max)
{
	struct rstr *r;

	if (len > max)
		len = max;
	if (len == 0)
		return NULL;
	r = malloc(sizeof(*r) + len + 1);
	if (!r)
		return NULL;
	r->ref = 1;
	r->len = (uint32_t)len;
	memcpy(r->s, s, len);
	r->s[len] = '\0';
	t->mem += sizeof(*r) + len + 1;
	return r;
}

static struct rstr *rstr_ref(struct rstr *r)
{
	if (r)
		r->ref++;
	return r;
}

static void rstr_unref(struct zj_proctab *t, struct rstr *r)
{
	if (!r || --r->ref > 0)
		return;
	t->mem -= sizeof(*r) + r->len + 1;
	free(r);
}

static struct zj_str rstr_view(const struct rstr *r)
{
	if (!r)
		return (struct zj_str){.ptr = "", .len = 0};
	return (struct zj_str){.ptr = r->s, .len = r->len};
}

static struct pent *pent_new(struct zj_proctab *t)
{
	struct pent *e = calloc(1, sizeof(*e));

	if (e)
		t->mem += sizeof(*e);
	return e;
}

static void pent_free(struct zj_proctab *t, struct pent *e)
{
	if (!e)
		return;
	rstr_unref(t, e->exe);
	rstr_unref(t, e->cmdline);
	t->mem -= sizeof(*e);
	free(e);
}

static size_t bucket_of(const struct zj_proctab *t, uint32_t pid)
{
	uint32_t h = pid * 2654435761u; /* Knuth's multiplicative hash */

	return (h ^ (h >> 16)) & (t->nbuckets - 1);
}

static struct pent *pt_find(const struct zj_proctab *t, uint32_t pid)
{
	for (struct pent *e = t->buckets[bucket_of(t, pid)]; e; e = e->hnext)
		if (e->pid == pid)
			return e;
	return NULL;
}

static void dead_unlink(struct zj_proctab *t, struct pent *e)
{
	if (e->dprev)
		e->dprev->dnext = e->dnext;
	else
		t->dead_head = e->dnext;
	if (e->dnext)
		e->dnext->dprev = e->dprev;
	else
		t->dead_tail = e->dprev;
	e->dprev = e->dnext = NULL;
	t->ndead--;
}

/* Unhash e into limbo: freed by the next limbo_flush(), views into it stay valid till then. */
static void pt_drop(struct zj_proctab *t, struct pent *e)
{
	struct pent **pp = &t->buckets[bucket_of(t, e->pid)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->state & PE_DEAD)
		dead_unlink(t, e);
	t->count--;
	e->hnext = t->limbo;
	t->limbo = e;
}

static void limbo_flush(struct zj_proctab *t)
{
	while (t->limbo) {
		struct pent *e = t->limbo;

		t->limbo = e->hnext;
		pent_free(t, e);
	}
}

/* Double the buckets when the chains average more than one entry; failing is harmless. */
static void pt_grow(struct zj_proctab *t)
{
	size_t n = t->nbuckets * 2, old_n = t->nbuckets;
	struct pent **old = t->buckets, **nb;

	if (t->count <= t->nbuckets)
		return;
	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	t->buckets = nb;
	t->nbuckets = n;
	for (size_t i = 0; i < old_n; i++) {
		struct pent *e = old[i], *next;

		for (; e; e = next) {
			size_t b = bucket_of(t, e->pid);

			next = e->hnext;
			e->hnext = nb[b];
			nb[b] = e;
		}
	}
	free(old);
	t->mem += (n - old_n) * sizeof(*nb);
}

/* Hash e, replacing whatever entry held its pid (that one goes to limbo). */
static void pt_insert(struct zj_proctab *t, struct pent *e)
{
	struct pent *old = pt_find(t, e->pid);
	size_t b;

	if (old)
		pt_drop(t, old);
	b = bucket_of(t, e->pid);
	e->hnext = t->buckets[b];
	t->buckets[b] = e;
	t->count++;
	pt_grow(t);
}

static bool ticks_eq(const struct zj_proctab *t, uint64_t a, uint64_t b)
{
	return a / t->tick_ns == b / t->tick_ns;
}

/* Does e name the process started at start_ns (0: any)? */
static bool start_match(const struct zj_proctab *t, const struct pent *e, uint64_t start_ns)
{
	if (start_ns == 0)
		return true;
	if (e->state & PE_COARSE)
		return ticks_eq(t, e->start_ns, start_ns);
	return e->start_ns == start_ns;
}

static bool is_protected(const struct zj_proctab *t, const struct rstr *exe)
{
	if (!exe)
		return false;
	for (size_t i = 0; i < t->nprotected; i++)
		if (strcmp(t->protected[i], exe -> s) == 0)
			return true;
	return false;
}

static bool under_system_dir(const struct rstr *exe)
{
	static const char *const dirs[] = {
		"/usr/sbin/",	     "/usr/bin/",     "/sbin/",	       "/bin/",
		"/usr/lib/systemd/", "/lib/systemd/", "/usr/libexec/", "/usr/lib/",
	};

	if (!exe)
		return false;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strncmp(exe->s, dirs[i], strlen(dirs[i])) == 0)
			return true;
	return false;
}

/*
 * Decided once per image, not per record: the persistence detectors ask it of the actor and
 * every ancestor (~150 instructions each, ~1 200 of a persistence record's; callgrind).
 */
static bool pent_is_package_manager(const struct pent *e)
{
	/* the strings alone, flags 0 (not pent_fill()): never the decision e->flags still holds */
	struct zj_proc v;

	memset(&v, 0, sizeof(v));
	v.exe = rstr_view(e->exe);
	v.cmdline = rstr_view(e->cmdline);
	return zj_proc_is_package_manager(&v);
}

/*
 * The system process rule (ZJ_PROC_SYSTEM), applied at seed, exec and fork:
 *  - PID 1;
 *  - kernel threads: pid 2 (kthreadd), whatever kthreadd starts (ppid 2: kernel threads, and
 *    the user-mode helpers the kernel spawns, e.g. modprobe), anything /proc marks PF_KTHREAD
 *    or that has neither exe nor cmdline without being a zombie (ZJ_PROC_KTHREAD is decided
 *    when the entry is made, see proc_load());
 *  - a daemon PID 1 started from a system directory: ppid 1 and the exe under /usr/sbin/,
 *    /usr/bin/, /sbin/, /bin/, /usr/lib/systemd/, /lib/systemd/, /usr/libexec/ or /usr/lib/.
 * A process that a system daemon forks is not a system process itself unless its parent is
 * PID 1.  Known blind spot: an orphan reparented to PID 1 whose exe is in a system directory
 * (a user's double-forked /usr/bin/python3) counts as system from its next exec, or at seed.
 *
 * ZJ_PROC_PROTECTED: the exe is one of the paths given to zj_proctab_set_protected().
 * ZJ_PROC_PKG_DECIDED, and ZJ_PROC_PKG_MANAGER when zj_proc_is_package_manager() says so.
 */
static void pent_classify(const struct zj_proctab *t, struct pent *e)
{
	uint32_t f = e->flags & ZJ_PROC_KTHREAD;

	if (e->pid == 2)
		f |= ZJ_PROC_KTHREAD;
	if (e->pid == 1 || e->pid == 2 || e->ppid == 2 || (f & ZJ_PROC_KTHREAD) ||
	    (e->ppid == 1 && under_system_dir(e->exe)))
		f |= ZJ_PROC_SYSTEM;
	if (is_protected(t, e->exe))
		f |= ZJ_PROC_PROTECTED;
	f |= ZJ_PROC_PKG_DECIDED | (pent_is_package_manager(e) ? ZJ_PROC_PKG_MANAGER : 0);
	e->flags = f;
}

static void pent_fill(const struct pent *e, uint32_t tid, struct zj_proc *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->pid = e->pid;
	ret->tid = tid ? tid : e->pid;
	ret->ppid = e->ppid;
	ret->uid = e->uid;
	ret->gid = e->gid;
	ret->euid = e->euid;
	ret->flags = e->flags | ((e->state & PE_PARTIAL) ? 0 : ZJ_PROC_KNOWN);
	ret->start_ns = e->start_ns;
	memcpy(ret->comm, e->comm, sizeof(ret->comm));
	ret->exe = rstr_view(e->exe);
	ret->cmdline = rstr_view(e->cmdline);
}

/* ---- reading /proc/<pid>/ ---------------------------------------------------------------- */

static int errno_gone(int err)
{
	/* A process that exits between two reads makes them fail with ESRCH (or ENOENT). */
	return (err == ENOENT || err == ESRCH || err == ENOTDIR) ? -ENOENT : -err;
}

static int open_pid_dir(const struct zj_proctab *t, uint32_t pid)
{
	char name[16];
	int fd;

	(void)snprintf(name, sizeof(name), "%u", pid);
	fd = openat(t->root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno_gone(errno);
	return fd;
}

/* Read up to size bytes of dfd/name.  Returns the length or a negative errno. */
static ssize_t read_at(int dfd, const char *name, char *buf, size_t size)
{
	size_t n = 0;
	int fd, r = 0;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno_gone(errno);
	while (n < size) {
		ssize_t k = read(fd, buf + n, size - n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = errno_gone(errno);
			break;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (close(fd) < 0 && r == 0 && errno != EINTR)
		r = -errno;
	return r < 0 ? r : (ssize_t)n;
}

/* Parse a decimal number that ends at a space, newline or tab; advances *p. */
static int parse_u64(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*ret = v;
	return 0;
}

/*
 * /proc/<pid>/stat: "pid (comm) state ppid pgrp session tty tpgid flags ... starttime ...".
 * comm may hold spaces and parentheses: it ends at the last ')'.  We need fields 4 (ppid),
 * 9 (flags) and 22 (starttime, in clock ticks since boot).
 */
static int parse_stat(const struct zj_proctab *t, char *buf, struct pstat *st)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *p;
	uint64_t v, ppid = 0;
	size_t n;
	int r;

	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n > sizeof(st->comm) - 1)
		n = sizeof(st->comm) - 1; /* kworker names in /proc outgrow TASK_COMM_LEN */
	memcpy(st->comm, open + 1, n);
	st->comm[n] = '\0';
	p = close + 2;
	st->state = *p;
	for (int field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 4 || field == 9 || field == 22) {
			r = parse_u64(&p, &v);
			if (r < 0)
				return r;
			if (field == 4)
				ppid = v;
			else if (field == 9)
				st->kflags = v;
			else if (v > UINT64_MAX / t->tick_ns)
				return -ERANGE;
			else
				st->start_ns = v * t->tick_ns;
		} else {
			while (*p && *p != ' ')
				p++;
		}
	}
	if (ppid > UINT32_MAX)
		return -ERANGE;
	st->ppid = (uint32_t)ppid;
	return 0;
}

/* The ids in /proc/<pid>/status: "Tgid:\tN", "Uid:\treal\teffective\t...", "Gid:...". */
static int parse_status(char *buf, uint32_t pid, struct pstat *st)
{
	bool have_uid = false, have_gid = false;
	char *line, *save = NULL;

	st->tgid = pid; /* a status without Tgid: (the test trees) the pid is the group */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned a, b;

		if (sscanf(line, "Tgid: %u", &a) == 1) {
			st->tgid = a;
		} else if (sscanf(line, "Uid: %u %u", &a, &b) == 2) {
			st->uid = a;
			st->euid = b;
			have_uid = true;
		} else if (sscanf(line, "Gid: %u", &a) == 1) {
			st->gid = a;
			have_gid = true;
		}
	}
	return have_uid && have_gid ? 0 : -EINVAL;
}

static int read_stat(const struct zj_proctab *t, int dfd, struct pstat *st)
{
	char buf[1024];
	ssize_t n;

	n = read_at(dfd, "stat", buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT; /* an exited task's files read empty */
	buf[n] = '\0';
	return parse_stat(t, buf, st);
}

/*
 * Read process pid from proc_root into a new unhashed entry (start_ns tick-granular).
 * Returns 0 and *ret, or 1 and *ret_tgid when pid is a thread of another group, or a negative
 * errno (-ENOENT: no such process).
 */
static int proc_load(struct zj_proctab *t, uint32_t pid, struct pent **ret, uint32_t *ret_tgid)
{
	char buf[ZJ_PROCTAB_CMDLINE_MAX > ZJ_PROCTAB_EXE_MAX ? ZJ_PROCTAB_CMDLINE_MAX
							     : ZJ_PROCTAB_EXE_MAX];
	struct pstat st = {0};
	struct pent *e = NULL;
	ssize_t n;
	int dfd, r;

	*ret = NULL;
	dfd = open_pid_dir(t, pid);
	if (dfd < 0)
		return dfd;
	r = read_stat(t, dfd, &st);
	if (r < 0)
		goto out;
	n = read_at(dfd, "status", buf, sizeof(buf) - 1);
	if (n < 0) {
		r = (int)n;
		goto out;
	}
	buf[n] = '\0';
	r = parse_status(buf, pid, &st);
	if (r < 0)
		goto out;
	if (st.tgid != pid) {
		*ret_tgid = st.tgid;
		r = 1;
		goto out;
	}

	e = pent_new(t);
	if (!e) {
		r = -ENOMEM;
		goto out;
	}
	e->pid = pid;
	e->ppid = st.ppid;
	e->uid = st.uid;
	e->gid = st.gid;
	e->euid = st.euid;
	e->start_ns = st.start_ns;
	e->state = PE_COARSE;
	memcpy(e->comm, st.comm, sizeof(e->comm));

	/* No exe is normal for kernel threads and zombies, and without privileges. */
	n = readlinkat(dfd, "exe", buf, ZJ_PROCTAB_EXE_MAX);
	if (n > 0) {
		e->exe = rstr_new(t, buf, (size_t)n, ZJ_PROCTAB_EXE_MAX);
		if (!e->exe) {
			r = -ENOMEM;
			goto out;
		}
	}
	n = read_at(dfd, "cmdline", buf, ZJ_PROCTAB_CMDLINE_MAX);
	if (n > 0) {
		e->cmdline = rstr_new(t, buf, (size_t)n, ZJ_PROCTAB_CMDLINE_MAX);
		if (!e->cmdline) {
			r = -ENOMEM;
			goto out;
		}
	}
	if ((st.kflags & PF_KTHREAD) || pid == 2 || (st.ppid == 2 && !e->exe) ||
	    (!e->exe && !e->cmdline && st.state != 'Z' && st.state != 'X'))
		e->flags |= ZJ_PROC_KTHREAD;
	pent_classify(t, e);
	*ret = e;
	e = NULL;
	r = 0;
out:
	pent_free(t, e);
	if (close(dfd) < 0 && r >= 0 && errno != EINTR)
		r = -errno;
	if (r < 0)
		*ret = NULL;
	return r;
}

/*
 * The entry for (pid, start_ns), read from proc_root when the table cannot answer.  When pid
 * was a thread id, the group's entry comes back and *ret_tid = pid (0 otherwise).
 */
static int pt_get(struct zj_proctab *t, uint32_t pid, uint64_t start_ns, int depth,
		  struct pent **ret, uint32_t *ret_tid)
{
	struct pent *e = pt_find(t, pid), *ne = NULL;
	uint32_t tgid = 0;
	int r;

	*ret_tid = 0;
	if (pid == 0)
		return -ENOENT;
	/* Live and matching: the table is kept by the exec/fork/exit records, trust it. */
	if (e && start_match(t, e, start_ns) && !(e->state & PE_PARTIAL) &&
	    !(start_ns == 0 && (e->state & PE_DEAD))) {
		*ret = e;
		return 0;
	}

	r = proc_load(t, pid, &ne, &tgid);
	if (r < 0) {
		if (r != -ENOENT)
			return r;
		/* Gone: a dead or partial entry for it is still the best answer. */
		if (e && start_match(t, e, start_ns)) {
			*ret = e;
			return 0;
		}
		return -ENOENT;
	}
	if (r > 0) {
		/* A thread id.  Its group, once (a group leader's status names itself). */
		if (depth > 0)
			return -ENOENT;
		r = pt_get(t, tgid, start_ns, depth + 1, ret, ret_tid);
		if (r >= 0)
			*ret_tid = pid;
		return r;
	}

	if (e && ticks_eq(t, e->start_ns, ne->start_ns)) {
		/* /proc shows the process we hold (a zombie after its exit, or a partial entry). */
		if (e->state & PE_PARTIAL) {
			ne->start_ns = e->start_ns; /* the kernel's exact start */
			ne->state &= ~PE_COARSE;
			pt_insert(t, ne);
			e = ne;
		} else {
			pent_free(t, ne);
		}
		if (!start_match(t, e, start_ns))
			return -ESRCH;
		*ret = e;
		return 0;
	}

	/* /proc holds a process the table did not know (or lost the exit of): it replaces e. */
	pt_insert(t, ne);
	if (!start_match(t, ne, start_ns))
		return -ESRCH; /* pid reuse: never attribute to the wrong process */
	*ret = ne;
	return 0;
}

/* ---- public API ------------------------------------------------------------------------- */

int zj_proctab_new(const char *proc_root, struct zj_proctab **ret)
{
	struct zj_proctab *t;
	long hz;
	int r;

	if (!proc_root || !ret)
		return -EINVAL;
	hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0 || hz > 1000000000)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->tick_ns = 1000000000u / (uint64_t)hz;
	t->nbuckets = 256;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	t->mem = sizeof(*t) + t->nbuckets * sizeof(*t->buckets);
	t->root_fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0) {
		r = -errno;
		free(t->buckets);
		free(t);
		return r;
	}
	*ret = t;
	return 0;
}

static void free_protected(struct zj_proctab *t)
{
	for (size_t i = 0; i < t->nprotected; i++) {
		t->mem -= strlen(t->protected[i]) + 1;
		free(t->protected[i]);
	}
	t->mem -= t->nprotected * sizeof(*t->protected);
	free(t->protected);
	t->protected = NULL;
	t->nprotected = 0;
}

void zj_proctab_free(struct zj_proctab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct pent *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->hnext;
			pent_free(t, e);
		}
	}
	limbo_flush(t);
	free_protected(t);
	free(t->buckets);
	if (t->root_fd >= 0)
		(void)close(t->root_fd);
	free(t);
}

int zj_proctab_seed(struct zj_proctab *t)
{
	struct dirent *de;
	int fd, r = 0, n = 0;
	DIR *d;

	fd = openat(t->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	for (;;) {
		struct pent *e = NULL;
		const char *s;
		uint64_t pid;
		uint32_t tid = 0;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				r = -errno;
			break;
		}
		s = de->d_name;
		if (parse_u64(&s, &pid) < 0 || *s || pid == 0 || pid > UINT32_MAX)
			continue;
		/* Processes that exit while we scan are skipped. */
		r = pt_get(t, (uint32_t)pid, 0, 0, &e, &tid);
		if (r == -ENOMEM)
			break;
		if (r >= 0 && tid == 0)
			n++;
		r = 0;
	}
	(void)closedir(d);
	return r < 0 ? r : n;
}

int zj_proctab_exec(struct zj_proctab *t, const struct zj_proc *p)
{
	struct pent *e;
	size_t n;

	if (!p || p->pid == 0)
		return -EINVAL;
	limbo_flush(t);
	e = pent_new(t);
	if (!e)
		return -ENOMEM;
	e->pid = p->pid;
	e->ppid = p->ppid;
	e->uid = p->uid;
	e->gid = p->gid;
	e->euid = p->euid;
	e->start_ns = p->start_ns;
	for (n = 0; n < sizeof(e->comm) - 1 && p->comm[n]; n++)
		e->comm[n] = p->comm[n];
	/* Built before the old entry goes: p's views may point into it. */
	if (p->exe.len) {
		e->exe = rstr_new(t, p->exe.ptr, p->exe.len, ZJ_PROCTAB_EXE_MAX);
		if (!e->exe)
			goto oom;
	}
	if (p->cmdline.len) {
		e->cmdline = rstr_new(t, p->cmdline.ptr, p->cmdline.len, ZJ_PROCTAB_CMDLINE_MAX);
		if (!e->cmdline)
			goto oom;
	}
	/* A new image is no kernel thread (user-mode helpers run exec from one). */
	pent_classify(t, e);
	pt_insert(t, e);
	return 0;
oom:
	pent_free(t, e);
	return -ENOMEM;
}

int zj_proctab_fork(struct zj_proctab *t, uint32_t parent, uint32_t child, uint64_t child_start_ns)
{
	struct pent *pe = NULL, *ce = NULL;
	uint32_t tid, tgid;
	int r;

	if (child == 0)
		return -EINVAL;
	limbo_flush(t);
	r = pt_get(t, parent, 0, 0, &pe, &tid);
	if (r == -ENOMEM)
		return r;
	if (r >= 0 && !(pe->state & PE_PARTIAL)) {
		ce = pent_new(t);
		if (!ce)
			return -ENOMEM;
		ce->uid = pe->uid;
		ce->gid = pe->gid;
		ce->euid = pe->euid;
		memcpy(ce->comm, pe->comm, sizeof(ce->comm));
		ce->exe = rstr_ref(pe->exe);
		ce->cmdline = rstr_ref(pe->cmdline);
		ce->flags = pe->flags & ZJ_PROC_KTHREAD;
		/* fork() copies the address space: the vDSO stays where it was. */
		memcpy(ce->maps, pe->maps, sizeof(ce->maps));
		ce->state = pe->state & PE_MAPS;
	} else {
		/* Unknown parent: the child itself may still be in /proc. */
		r = proc_load(t, child, &ce, &tgid);
		if (r == -ENOMEM)
			return r;
		if (r != 0 || !ticks_eq(t, ce->start_ns, child_start_ns)) {
			pent_free(t, ce);
			ce = pent_new(t);
			if (!ce)
				return -ENOMEM;
			ce->state = PE_PARTIAL;
		}
		ce->state &= ~PE_COARSE;
	}
	ce->pid = child;
	ce->ppid = parent;
	ce->start_ns = child_start_ns;
	pent_classify(t, ce);
	pt_insert(t, ce);
	return 0;
}

int zj_proctab_exit(struct zj_proctab *t, uint32_t pid, uint64_t start_ns)
{
	struct pent *e = pt_find(t, pid);

	limbo_flush(t);
	if (!e)
		return -ENOENT;
	if (!start_match(t, e, start_ns))
		return -ESRCH;
	if (e->state & PE_DEAD)
		return 0;
	e->state |= PE_DEAD;
	e->dprev = t->dead_tail;
	e->dnext = NULL;
	if (t->dead_tail)
		t->dead_tail->dnext = e;
	else
		t->dead_head = e;
	t->dead_tail = e;
	t->ndead++;
	while (t->ndead > ZJ_PROCTAB_DEAD_MAX)
		pt_drop(t, t->dead_head);
	return 0;
}

int zj_proctab_lookup(struct zj_proctab *t, uint32_t pid, uint64_t start_ns, struct zj_proc *ret)
{
	struct pent *e;
	uint32_t tid;
	int r;

	r = pt_get(t, pid, start_ns, 0, &e, &tid);
	if (r < 0)
		return r;
	pent_fill(e, tid, ret);
	return 0;
}

/* Did a start after b?  In ticks when either came from /proc. */
static bool started_after(const struct zj_proctab *t, const struct pent *a, const struct pent *b)
{
	if (!a->start_ns || !b->start_ns)
		return false;
	if ((a->state | b->state) & PE_COARSE)
		return a->start_ns / t->tick_ns > b->start_ns / t->tick_ns;
	return a->start_ns > b->start_ns;
}

int zj_proctab_ancestors(struct zj_proctab *t, uint32_t pid, struct zj_proc *ret_array, size_t max,
			 size_t *ret_n)
{
	struct pent *e, *p;
	uint32_t tid;
	size_t n = 0;
	int r;

	r = pt_get(t, pid, 0, 0, &e, &tid);
	if (r < 0)
		return r;
	while (n < max && e->pid != 1 && e->ppid != 0) {
		bool loop = e->ppid == e->pid || e->ppid == pid;

		for (size_t i = 0; i < n && !loop; i++)
			loop = ret_array[i].pid == e->ppid;
		if (loop)
			break;
		r = pt_get(t, e->ppid, 0, 0, &p, &tid);
		if (r == -ENOMEM)
			return r;
		if (r < 0 || p->pid != e->ppid || started_after(t, p, e))
			break;
		pent_fill(p, 0, &ret_array[n++]);
		e = p;
	}
	*ret_n = n;
	return 0;
}

static bool range_overlaps(uint64_t addr, uint64_t len, const uint64_t r[2])
{
	uint64_t end = addr + (len ? len : 1);

	if (end < addr)
		end = UINT64_MAX; /* wrapped: up to the top of the address space */
	return r[1] > r[0] && addr < r[1] && end > r[0];
}

/*
 * "7ffd5e5f2000-7ffd5e5f4000 r-xp 00000000 00:00 0                          [vdso]": the
 * range, and which special mapping it is when the whole pathname field is one of map_names
 * (a file may well be called "/tmp/ [vdso]": only the exact field counts).
 */
static void maps_parse_line(const char *line, uint64_t maps[MAP_NR][2])
{
	unsigned long long lo, hi, off, ino;
	unsigned major, minor;
	char perms[8];
	const char *name;
	int at = -1;
	size_t n;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &lo, &hi, perms, &off, &major, &minor,
		   &ino, &at) < 7 ||
	    at < 0 || hi <= lo)
		return;
	name = line + at;
	n = strcspn(name, "\n");
	for (int i = 0; i < MAP_NR; i++) {
		if (strlen(map_names[i]) == n && memcmp(name, map_names[i], n) == 0) {
			maps[i][0] = lo;
			maps[i][1] = hi;
			return;
		}
	}
}

/* Load e's special mappings once per image; never for a pid /proc now gives to another. */
static int maps_load(struct zj_proctab *t, struct pent *e)
{
	uint64_t maps[MAP_NR][2] = {{0}};
	struct pstat st = {0};
	size_t cap = 0;
	char *line = NULL;
	int dfd, fd, r;
	FILE *f;

	if (e->state & PE_MAPS)
		return 0;
	if (e->state & PE_DEAD)
		return -ENOENT;
	dfd = open_pid_dir(t, e->pid);
	if (dfd < 0)
		return dfd;
	r = read_stat(t, dfd, &st);
	if (r >= 0 && !ticks_eq(t, st.start_ns, e->start_ns))
		r = -ENOENT; /* the pid is another process now */
	if (r < 0) {
		(void)close(dfd);
		return r;
	}
	fd = openat(dfd, "maps", O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? errno_gone(errno) : 0;
	(void)close(dfd);
	if (r < 0)
		return r;
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	errno = 0;
	while (getline(&line, &cap, f) > 0)
		maps_parse_line(line, maps);
	if (ferror(f))
		r = errno ? errno_gone(errno) : -EIO;
	free(line);
	(void)fclose(f);
	if (r < 0)
		return r;
	memcpy(e->maps, maps, sizeof(maps));
	e->state |= PE_MAPS;
	return 0;
}

int zj_proctab_region(struct zj_proctab *t, uint32_t pid, uint64_t addr, uint64_t len,
		      uint32_t *ret_region)
{
	struct pent *e;
	uint32_t tid;
	bool any = false;
	int r;

	r = pt_get(t, pid, 0, 0, &e, &tid);
	if (r < 0)
		return r;
	r = maps_load(t, e);
	if (r < 0)
		return r;
	for (int i = 0; i < MAP_NR; i++) {
		if (e->maps[i][1] <= e->maps[i][0])
			continue;
		any = true;
		if (range_overlaps(addr, len, e->maps[i])) {
			*ret_region = map_regions[i];
			return 0;
		}
	}
	if (!any)
		return -ENODATA;
	*ret_region = ZJ_REGION_NONE;
	return 0;
}

int zj_proctab_maps_changed(struct zj_proctab *t, uint32_t pid)
{
	struct pent *e = pt_find(t, pid);

	if (!e)
		return -ENOENT;
	e->state &= ~PE_MAPS;
	memset(e->maps, 0, sizeof(e->maps));
	return 0;
}

int zj_proctab_set_protected(struct zj_proctab *t, const char *const *exes, size_t n)
{
	char **list = NULL;
	size_t mem = 0;

	if (n > 0) {
		list = calloc(n, sizeof(*list));
		if (!list)
			return -ENOMEM;
		mem += n * sizeof(*list);
	}
	for (size_t i = 0; i < n; i++) {
		list[i] = strdup(exes[i] ? exes[i] : "");
		if (!list[i]) {
			for (size_t j = 0; j < i; j++)
				free(list[j]);
			free(list);
			return -ENOMEM;
		}
		mem += strlen(list[i]) + 1;
	}
	limbo_flush(t);
	free_protected(t);
	t->protected = list;
	t->nprotected = n;
	t->mem += mem;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct pent *e = t->buckets[i]; e; e = e->hnext)
			pent_classify(t, e);
	return 0;
}

int zj_proctab_prune(struct zj_proctab *t)
{
	struct {
		uint32_t pid;
		uint64_t start_ns;
	} * live;
	size_t n = 0;
	int pruned = 0;

	/* Collected first: marking dead may evict other entries. */
	limbo_flush(t);
	live = calloc(t->count ? t->count : 1, sizeof(*live));
	if (!live)
		return -ENOMEM;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct pent *e = t->buckets[i]; e; e = e->hnext)
			if (!(e->state & PE_DEAD)) {
				live[n].pid = e->pid;
				live[n++].start_ns = e->start_ns;
			}
	for (size_t i = 0; i < n; i++) {
		struct pstat st = {0};
		int dfd, r;

		dfd = open_pid_dir(t, live[i].pid);
		if (dfd >= 0) {
			r = read_stat(t, dfd, &st);
			(void)close(dfd);
			if (r >= 0 && ticks_eq(t, st.start_ns, live[i].start_ns))
				continue;
			if (r < 0 && r != -ENOENT)
				continue; /* cannot tell: keep it */
		} else if (dfd != -ENOENT) {
			continue;
		}
		if (zj_proctab_exit(t, live[i].pid, live[i].start_ns) >= 0)
			pruned++;
	}
	free(live);
	return pruned;
}

size_t zj_proctab_count(const struct zj_proctab *t)
{
	return t->count;
}

size_t zj_proctab_memory(const struct zj_proctab *t)
{
	return t->mem;
}

int zj_proc_start_ticks(uint32_t pid, uint64_t *ret)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	const char *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold anything but ends at the last ')' */
	if (!p)
		return -EINVAL;
	p++;
	for (int field = 3; field <= 22; field++) {
		char *end;

		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 22) {
			errno = 0;
			*ret = strtoull(p, &end, 10);
			return errno || end == p ? -EINVAL : 0;
		}
		while (*p && *p != ' ')
			p++;
	}
	return -EINVAL;
}
