/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Integration-test harness (see harness.h).  Linux only, like the daemon it tests.
 *
 * State lives in one static struct: atexit and signal handlers can reach nothing else, and the
 * test program is a main() file in spirit (STYLE.md allows mutable globals there).  Forked
 * Check test processes inherit a copy; `owner` pids make sure a child never stops a daemon or
 * removes files that its parent owns.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define ZJ_MAX_DAEMONS 4
#define ZJ_MAX_STARTS 64 /* the last this many daemon starts, for zj_journal_query() */

static struct {
	pid_t main_pid;
	char build[PATH_MAX];
	char daemon[PATH_MAX];
	char trigger[PATH_MAX];
	char trigger_real[PATH_MAX];
	char self_real[PATH_MAX];
	char prefix[64]; /* "zj-test-<main pid>-" */
	/* directories swept for our names */
	char sweep[ZJ_MAX_DIRS][PATH_MAX];
	int n_sweep;
	char state[PATH_MAX]; /* see state_append() */
	bool sweep_tmp;
	/* daemons started, and by which process */
	struct {
		pid_t pid;
		pid_t drain_pid;
		pid_t owner;
	} daemons[ZJ_MAX_DAEMONS];
	/*
	 * Each daemon's pid and the wall-clock time just before its fork, kept after it stops:
	 * zj_journal_query() reads a "_PID=" match as that process's entries only (a pid is
	 * reused, and the journal keeps what an earlier process of that pid sent).
	 */
	struct {
		pid_t pid;
		int64_t since_us;
	} starts[ZJ_MAX_STARTS];
	size_t n_starts;
	/* shared with forked test processes: which one is running (0: none) */
	volatile pid_t *current_test;
} zj;

/* ---- small utilities ----------------------------------------------------------------------- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap : 4096;
		while (ncap < *len + n + 1)
			ncap *= 2;
		char *nb = realloc(*buf, ncap);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	char *buf = NULL, tmp[8192];
	size_t len = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			close(fd);
			free(buf);
			return -err;
		}
		if (n == 0)
			break;
		if (append(&buf, &len, &cap, tmp, (size_t)n) < 0) {
			close(fd);
			free(buf);
			return -ENOMEM;
		}
	}
	close(fd);
	if (!buf && append(&buf, &len, &cap, "", 0) < 0)
		return -ENOMEM;
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int path_join(char *buf, size_t size, const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	if (a + 1 + b + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, dir, a);
	buf[a] = '/';
	memcpy(buf + a + 1, name, b + 1);
	return 0;
}

bool zj_path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int zj_start_ticks(pid_t pid, uint64_t *ret)
{
	char path[64], *text = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int r = read_file(path, &text, &len);
	if (r < 0)
		return r;
	char *p = strrchr(text, ')');
	for (int field = 3; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p) {
		free(text);
		return -EIO;
	}
	*ret = strtoull(p + 1, NULL, 10);
	free(text);
	return 0;
}

/* ---- cleanup: async-signal-safe ------------------------------------------------------------ */

struct zj_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static bool as_prefix(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (*s != *prefix)
			return false;
	return true;
}

/*
 * Remove name in dirfd: files and symlinks are unlinked, directories emptied first (at most
 * `depth` levels; symlinks are never followed: O_NOFOLLOW).  Only raw syscalls.
 */
static void rm_entry(int dirfd, const char *name, int depth)
{
	if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (depth > 0) {
		char buf[4096];
		for (;;) {
			long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			for (long off = 0; off < n;) {
				struct zj_dirent64 *e = (struct zj_dirent64 *)(buf + off);
				off += e->d_reclen;
				if (e->d_name[0] == '.' &&
				    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
					continue;
				rm_entry(fd, e->d_name, depth - 1);
			}
		}
	}
	close(fd);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

static bool pid_gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/*
 * In dir, remove entries "zj-test-<pid>-..." whose pid is ours (only_ours) or, at start-up,
 * belongs to no live process (a crashed earlier run).
 */
static void sweep_dir(const char *dir, bool only_ours)
{
	char buf[4096];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* re-read from the start after each removal round: getdents offsets shift on unlink */
	for (int round = 0; round < 64; round++) {
		bool removed = false;
		lseek(fd, 0, SEEK_SET);
		for (;;) {
			long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			for (long off = 0; off < n;) {
				struct zj_dirent64 *e = (struct zj_dirent64 *)(buf + off);
				off += e->d_reclen;
				if (!as_prefix(e->d_name, ZJ_TEST_PREFIX))
					continue;
				const char *p = e->d_name + sizeof(ZJ_TEST_PREFIX) - 1;
				long pid = 0;
				while (*p >= '0' && *p <= '9')
					pid = pid * 10 + (*p++ - '0');
				if (*p != '-' || pid <= 0)
					continue;
				if (only_ours ? pid != zj.main_pid
					      : (pid == zj.main_pid || !pid_gone((pid_t)pid)))
					continue;
				rm_entry(fd, e->d_name, 3);
				removed = true;
			}
		}
		if (!removed)
			break;
	}
	close(fd);
}

/*
 * The state file /tmp/zj-test-<main pid>-state lists what a name sweep cannot find, one entry
 * a line: "d PATH", a directory this run created; "f PATH", a fixed-name file a test may create
 * (/etc/ld.so.preload, /etc/crontab).  Any test process appends to it (O_APPEND, one write a
 * line); zj_cleanup() undoes it, and so does the next run when this one was killed.
 */
static void state_append(char kind, const char *path)
{
	char line[PATH_MAX + 4];
	int n = snprintf(line, sizeof(line), "%c %s\n", kind, path);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	int fd = open(zj.state, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		fprintf(stderr, "harness: %s: %s, ignoring\n", zj.state, strerror(errno));
	close(fd);
}

void zj_claim_file(const char *path)
{
	state_append('f', path);
}

/* A claimed file is ours when it is a regular file, empty or starting with ZJ_FILE_MARK. */
static void remove_if_ours(const char *path)
{
	struct stat st;
	char buf[sizeof(ZJ_FILE_MARK) - 1];
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	if (st.st_size != 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		ssize_t n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n != (ssize_t)sizeof(buf) || memcmp(buf, ZJ_FILE_MARK, sizeof(buf)) != 0)
			return;
	}
	unlink(path);
}

/* Undo a state file: claimed files first, then directories, last created first.  AS-safe. */
static void state_undo(const char *state, bool dead_run)
{
	char buf[16384];
	char *lines[128];
	int n = 0;
	int fd = open(state, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	for (char *p = buf; *p && n < 128;) {
		char *nl = p;
		while (*nl && *nl != '\n')
			nl++;
		if (!*nl)
			break; /* a line cut by a crash */
		*nl = '\0';
		if ((p[0] == 'd' || p[0] == 'f') && p[1] == ' ' && p[2] == '/')
			lines[n++] = p;
		p = nl + 1;
	}
	for (int i = 0; i < n; i++)
		if (lines[i][0] == 'f')
			remove_if_ours(lines[i] + 2);
	for (int i = n - 1; i >= 0; i--) {
		if (lines[i][0] != 'd')
			continue;
		/* a dead run's files in it go first; ours were swept already */
		if (dead_run)
			sweep_dir(lines[i] + 2, false);
		rmdir(lines[i] + 2); /* fails harmlessly if someone else put something there */
	}
}

void zj_cleanup(void)
{
	if (getpid() != zj.main_pid)
		return;
	for (int i = 0; i < zj.n_sweep; i++)
		sweep_dir(zj.sweep[i], true);
	state_undo(zj.state, false);
	unlink(zj.state);
	if (zj.sweep_tmp)
		sweep_dir("/tmp", true);
}

static void register_sweep(const char *dir)
{
	for (int i = 0; i < zj.n_sweep; i++)
		if (strcmp(zj.sweep[i], dir) == 0)
			return;
	if (zj.n_sweep < ZJ_MAX_DIRS)
		snprintf(zj.sweep[zj.n_sweep++], PATH_MAX, "%s", dir);
}

int zj_dirs_prepare(const char *const *dirs)
{
	for (; *dirs; dirs++) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s", *dirs) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		/* mkdir -p, recording each level that we created */
		for (char *p = path + 1;; p++) {
			char c = *p;
			if (c != '/' && c != '\0')
				continue;
			*p = '\0';
			if (mkdir(path, 0755) == 0)
				state_append('d', path);
			else if (errno != EEXIST)
				return -errno;
			*p = c;
			if (c == '\0')
				break;
		}
		register_sweep(*dirs);
		sweep_dir(*dirs, false);
	}
	return 0;
}

/* SIGTERM the daemons this process started and wait (bounded) until they have detached. */
static void stop_owned_daemons(void)
{
	pid_t pids[2 * ZJ_MAX_DAEMONS];
	int n = 0;
	for (int i = 0; i < ZJ_MAX_DAEMONS; i++) {
		if (zj.daemons[i].pid > 0 && zj.daemons[i].owner == getpid()) {
			kill(zj.daemons[i].pid, SIGTERM);
			pids[n++] = zj.daemons[i].pid;
			/* the stderr drainer ends at EOF, once the daemon is gone */
			if (zj.daemons[i].drain_pid > 0)
				pids[n++] = zj.daemons[i].drain_pid;
			zj.daemons[i].pid = 0;
		}
	}
	for (int i = 0; i < n; i++) {
		for (int t = 0; t < 1000 && waitpid(pids[i], NULL, WNOHANG) == 0; t++) {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = 10000000L};
			nanosleep(&ts, NULL);
		}
	}
}

static void on_exit_cleanup(void)
{
	stop_owned_daemons();
	zj_cleanup();
}

/* From the main process: end a running forked test, its triggers and daemons with it. */
static void kill_current_test(void)
{
	pid_t t = zj.current_test ? *zj.current_test : 0;
	if (t <= 0 || t == getpid() || getpid() != zj.main_pid)
		return;
	/* Check puts each forked test in its own process group */
	if (getpgid(t) == t)
		kill(-t, SIGKILL);
	kill(t, SIGKILL);
	waitpid(t, NULL, 0);
}

void zj_test_begin(void)
{
	if (getpid() != zj.main_pid) {
		pid_t parent = getppid();
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
	}
	if (zj.current_test)
		*zj.current_test = getpid();
}

void zj_test_end(void)
{
	if (zj.current_test)
		*zj.current_test = 0;
}

static void on_signal(int sig)
{
	kill_current_test();
	stop_owned_daemons();
	zj_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void zj_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Undo what killed earlier runs recorded in their state files. */
static void recover_dead_runs(void)
{
	DIR *d = opendir("/tmp");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		int pid = 0, end = 0;
		if (sscanf(e->d_name, ZJ_TEST_PREFIX "%d-state%n", &pid, &end) != 1 ||
		    e->d_name[end] != '\0' || pid <= 0 || pid == zj.main_pid || !pid_gone(pid))
			continue;
		char path[PATH_MAX];
		if (path_join(path, sizeof(path), "/tmp", e->d_name) < 0)
			continue;
		state_undo(path, true);
		unlink(path);
	}
	closedir(d);
}

/* ---- environment --------------------------------------------------------------------------- */

static void skip(const char *prog, const char *why)
{
	printf("%s: SKIP: %s\n", prog, why);
	fflush(stdout);
	exit(77);
}

void zj_env_init(const char *prog)
{
	zj.main_pid = getpid();
	snprintf(zj.prefix, sizeof(zj.prefix), ZJ_TEST_PREFIX "%d-", (int)zj.main_pid);

	if (geteuid() != 0)
		skip(prog, "needs root: it loads BPF programs and writes to /etc/cron.d and "
			   "/etc/systemd/system");
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		skip(prog, "the kernel has no BTF (/sys/kernel/btf/vmlinux): zhijia's CO-RE "
			   "programs cannot load");

	const char *build = getenv("ZJ_BUILD");
	if (!build || build[0] != '/') {
		fprintf(stderr,
			"%s: set ZJ_BUILD to the absolute path of the build folder "
			"(make check-integration does)\n",
			prog);
		exit(EXIT_FAILURE);
	}
	snprintf(zj.build, sizeof(zj.build), "%s", build);
	snprintf(zj.daemon, sizeof(zj.daemon), "%s/zhijiad", build);
	snprintf(zj.trigger, sizeof(zj.trigger), "%s/tests/zj-trigger", build);
	if (access(zj.daemon, X_OK) != 0 || access(zj.trigger, X_OK) != 0) {
		fprintf(stderr, "%s: %s or %s is missing: build them first (make all %s)\n", prog,
			zj.daemon, zj.trigger, zj.trigger);
		exit(EXIT_FAILURE);
	}
	if (!realpath(zj.trigger, zj.trigger_real) || !realpath("/proc/self/exe", zj.self_real)) {
		fprintf(stderr, "%s: realpath: %s\n", prog, strerror(errno));
		exit(EXIT_FAILURE);
	}

	snprintf(zj.state, sizeof(zj.state), "/tmp/%sstate", zj.prefix);
	recover_dead_runs();
	/* our temporary folders live in /tmp with the same prefix (kept on request) */
	const char *keep = getenv("ZJ_KEEP_LOGS");
	zj.sweep_tmp = !keep || strcmp(keep, "1") != 0;
	if (zj.sweep_tmp)
		sweep_dir("/tmp", false);

	void *shared = mmap(NULL, sizeof(pid_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	if (shared != MAP_FAILED)
		zj.current_test = shared;

	atexit(on_exit_cleanup);
	zj_catch_signals();
}

const char *zj_build_dir(void)
{
	return zj.build;
}

const char *zj_daemon_path(void)
{
	return zj.daemon;
}

const char *zj_trigger_path(void)
{
	return zj.trigger;
}

const char *zj_trigger_exe(void)
{
	return zj.trigger_real;
}

const char *zj_self_exe(void)
{
	return zj.self_real;
}

pid_t zj_main_pid(void)
{
	return zj.main_pid;
}

void zj_pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	ck_assert_msg(n > 0 && (size_t)n < size, "path too long: %s...", buf);
}

void zj_test_path(char *buf, size_t size, const char *dir, const char *tag)
{
	zj_pathf(buf, size, "%s/%s%s", dir, zj.prefix, tag);
}

/* ---- the daemon ---------------------------------------------------------------------------- */

static void daemon_register(pid_t pid)
{
	for (int i = 0; i < ZJ_MAX_DAEMONS; i++) {
		if (zj.daemons[i].pid <= 0) {
			zj.daemons[i].pid = pid;
			zj.daemons[i].drain_pid = 0;
			zj.daemons[i].owner = getpid();
			return;
		}
	}
}

static void daemon_unregister(pid_t pid)
{
	for (int i = 0; i < ZJ_MAX_DAEMONS; i++)
		if (zj.daemons[i].pid == pid)
			zj.daemons[i].pid = 0;
}

/* Does text hold a complete line equal to / starting with s? */
static bool has_line(const char *text, const char *s, bool prefix)
{
	size_t slen = strlen(s);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return false; /* incomplete line */
		size_t len = (size_t)(nl - p);
		if (prefix ? (len >= slen && memcmp(p, s, slen) == 0)
			   : (len == slen && memcmp(p, s, slen) == 0))
			return true;
		p = nl + 1;
	}
	return false;
}

/* Wait for pid with a deadline; SIGKILL it when the deadline passes.  0 or -ETIMEDOUT. */
static int wait_deadline(pid_t pid, int *ret_status, int timeout_ms)
{
	uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		pid_t w = waitpid(pid, ret_status, WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (clock_ns(CLOCK_MONOTONIC) > deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, ret_status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		sleep_ms(5);
	}
}

static int parse_counters(const char *text, struct zj_counters *c)
{
	static const char head[] = "zhijiad: kernel records:";
	const char *line = NULL;
	for (const char *p = text; p && *p;) {
		if (strncmp(p, head, sizeof(head) - 1) == 0)
			line = p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!line)
		return -ENOENT;
	const struct {
		const char *name;
		int64_t *v;
	} keys[] = {
		{"exec", &c->exec},	      {"fork", &c->fork},
		{"exit", &c->exit},	      {"ptrace", &c->ptrace},
		{"mem_open", &c->mem_open},   {"mem_write", &c->mem_write},
		{"vm_write", &c->vm_write},   {"vdso_map", &c->vdso_map},
		{"file", &c->file},	      {"lost", &c->lost},
		{"read_fail", &c->read_fail},
	};
	const char *end = strchr(line, '\n');
	size_t len = end ? (size_t)(end - line) : strlen(line);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char pat[32];
		int n = snprintf(pat, sizeof(pat), " %s=", keys[k].name);
		const char *hit = NULL;
		for (const char *p = line; p + n <= line + len; p++) {
			if (memcmp(p, pat, (size_t)n) == 0) {
				hit = p + n;
				break;
			}
		}
		if (!hit || !isdigit((unsigned char)*hit))
			return -EINVAL;
		*keys[k].v = strtoll(hit, NULL, 10);
	}
	return 0;
}

int zj_daemon_start(struct zj_daemon *d, const char *const *extra)
{
	int r, errp[2] = {-1, -1}, out_fd = -1, null_fd = -1;
	size_t err_cap = 0;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	d->drain_pid = -1;
	d->err_fd = -1;
	d->status = -1;

	char tmpl[PATH_MAX];
	snprintf(tmpl, sizeof(tmpl), "/tmp/%sd-XXXXXX", zj.prefix);
	if (!mkdtemp(tmpl))
		return -errno;
	snprintf(d->dir, sizeof(d->dir), "%s", tmpl);
	if (path_join(d->log_path, sizeof(d->log_path), d->dir, "events.jsonl") < 0 ||
	    path_join(d->out_path, sizeof(d->out_path), d->dir, "stdout.jsonl") < 0 ||
	    path_join(d->err_path, sizeof(d->err_path), d->dir, "stderr.txt") < 0)
		return -ENAMETOOLONG;

	const char *argv[32];
	int argc = 0;
	argv[argc++] = zj.daemon;
	argv[argc++] = "--foreground";
	argv[argc++] = "--event-log";
	argv[argc++] = d->log_path;
	const char *watch = getenv("ZJ_WATCH_CONFIG");
	if (watch && *watch) {
		argv[argc++] = "--watch-config";
		argv[argc++] = watch;
	}
	/* ZJ_TRANSPORT=perfbuf: a suite as it is, over the perf buffer (older kernels' path) */
	const char *transport = getenv("ZJ_TRANSPORT");
	if (transport && *transport) {
		argv[argc++] = "--transport";
		argv[argc++] = transport;
	}
	/*
	 * Nothing of the machine's own zhijia unless the test names it: the control socket, the
	 * policy, the YARA rules and the quarantine default to files in d->dir, so that two
	 * test runs (or a test and an installed zhijiad) never meet on /run/zhijia or /etc.
	 */
	static const char *const own[][2] = {{"--socket", "zhijiad.sock"},
					       {"--policy", "policy.json"},
					       {"--rules", "rules.d"},
					       {"--quarantine-dir", "quarantine"}};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		bool given = false;
		for (const char *const *e = extra; e && *e; e++)
			given |= strcmp(*e, own[i][0]) == 0;
		if (given)
			continue;
		if (path_join(d->own[i], sizeof(d->own[i]), d->dir, own[i][1]) < 0)
			return -ENAMETOOLONG;
		argv[argc++] = own[i][0];
		argv[argc++] = d->own[i];
	}
	for (; extra && *extra && argc < 31; extra++)
		argv[argc++] = *extra;
	argv[argc] = NULL;

	if (pipe2(errp, O_CLOEXEC) < 0)
		return -errno;
	/* room for whatever it prints while nobody reads (before the drainer runs) */
	fcntl(errp[0], F_SETPIPE_SZ, 1 << 20);
	out_fd = open(d->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out_fd < 0 || null_fd < 0) {
		r = -errno;
		goto fail;
	}

	pid_t parent = getpid();
	struct timespec t_start;
	clock_gettime(CLOCK_REALTIME, &t_start);
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail;
	}
	if (pid == 0) {
		/* a test process that dies must not leave a sensor running */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(126);
		if (dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(errp[1], 2) < 0)
			_exit(126);
		execve(argv[0], (char *const *)argv, environ);
		dprintf(2, "harness: execve %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	d->pid = pid;
	daemon_register(pid);
	zj.starts[zj.n_starts % ZJ_MAX_STARTS].pid = pid;
	zj.starts[zj.n_starts % ZJ_MAX_STARTS].since_us =
		(int64_t)t_start.tv_sec * 1000000 + t_start.tv_nsec / 1000;
	zj.n_starts++;
	close(errp[1]);
	errp[1] = -1;
	close(out_fd);
	close(null_fd);
	out_fd = null_fd = -1;
	d->err_fd = errp[0];

	uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + ZJ_READY_TIMEOUT_MS * 1000000ull;
	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now >= deadline) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &d->status, 0);
			daemon_unregister(d->pid);
			return -ETIMEDOUT;
		}
		struct pollfd pfd = {.fd = d->err_fd, .events = POLLIN};
		int pr = poll(&pfd, 1, (int)((deadline - now) / 1000000ull) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(d->err_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* it exited (or closed stderr) before being ready */
			wait_deadline(d->pid, &d->status, 5000);
			daemon_unregister(d->pid);
			return -ECHILD;
		}
		if (append(&d->err_text, &d->err_len, &err_cap, buf, (size_t)n) < 0)
			return -ENOMEM;
		if (has_line(d->err_text, "zhijiad: ready", false)) {
			/* a start-up line with the kernel features, before "ready" */
			const char *ready = strstr(d->err_text, "zhijiad: ready\n");
			for (const char *p = d->err_text; p < ready;) {
				if (strncmp(p, "zhijiad ", 8) == 0)
					d->banner = true;
				p = strchr(p, '\n') + 1;
			}
			d->ready = true;
			break;
		}
	}

	/* From now on a drainer process copies stderr into err_path: the daemon never blocks. */
	int fd = open(d->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, d->err_text, d->err_len) != (ssize_t)d->err_len) {
		r = -errno;
		close(fd);
		return r;
	}
	pid_t drain = fork();
	if (drain < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (drain == 0) {
		char buf[4096];
		for (;;) {
			ssize_t n = read(d->err_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(0);
			if (write(fd, buf, (size_t)n) != n)
				_exit(1);
		}
	}
	close(fd);
	close(d->err_fd);
	d->err_fd = -1;
	d->drain_pid = drain;
	for (int i = 0; i < ZJ_MAX_DAEMONS; i++)
		if (zj.daemons[i].pid == d->pid)
			zj.daemons[i].drain_pid = drain;
	return 0;

fail:
	if (errp[0] >= 0)
		close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (out_fd >= 0)
		close(out_fd);
	if (null_fd >= 0)
		close(null_fd);
	return r;
}

int zj_daemon_stop(struct zj_daemon *d)
{
	if (d->pid <= 0)
		return -ESRCH;
	if (d->status == -1) {
		kill(d->pid, SIGTERM);
		if (wait_deadline(d->pid, &d->status, ZJ_STOP_TIMEOUT_MS) == -ETIMEDOUT)
			d->stop_timed_out = true;
		daemon_unregister(d->pid);
	}
	if (d->drain_pid > 0) {
		int st;
		wait_deadline(d->drain_pid, &st, 5000);
		d->drain_pid = -1;
	}
	char *text;
	size_t len;
	if (d->ready && read_file(d->err_path, &text, &len) == 0) {
		free(d->err_text);
		d->err_text = text;
		d->err_len = len;
	}
	d->have_counters = d->err_text && parse_counters(d->err_text, &d->counters) == 0;
	return 0;
}

void zj_daemon_free(struct zj_daemon *d)
{
	if (d->pid > 0 && d->status == -1)
		zj_daemon_stop(d);
	const char *keep = getenv("ZJ_KEEP_LOGS");
	if (d->dir[0] && keep && strcmp(keep, "1") == 0) {
		fprintf(stderr, "harness: kept %s\n", d->dir);
	} else if (d->dir[0]) {
		unlink(d->log_path);
		unlink(d->out_path);
		unlink(d->err_path);
		/* the defaults zj_daemon_start() gave: socket, policy, a quarantine's items */
		if (d->own[3][0]) {
			DIR *q = opendir(d->own[3]);
			struct dirent *e;
			char p[PATH_MAX];
			while (q && (e = readdir(q)))
				if (e->d_name[0] != '.' &&
				    path_join(p, sizeof(p), d->own[3], e->d_name) == 0)
					unlink(p);
			if (q)
				closedir(q);
			rmdir(d->own[3]);
		}
		for (int i = 0; i < 2; i++)
			if (d->own[i][0])
				unlink(d->own[i]);
		rmdir(d->dir);
	}
	free(d->err_text);
	d->err_text = NULL;
}

/* ---- zj-trigger ---------------------------------------------------------------------------- */

int zj_run_trigger(struct zj_run *r, const char *const *args, int timeout_ms)
{
	size_t n = 0, argc = 0;
	int p[2];

	memset(r, 0, sizeof(*r));
	while (args[n])
		n++;
	const char **argv = calloc(n + 2, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argv[argc++] = zj.trigger;
	for (size_t i = 0; i < n; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;

	if (pipe2(p, O_CLOEXEC) < 0) {
		free(argv);
		return -errno;
	}
	r->t0_boot = clock_ns(CLOCK_BOOTTIME);
	r->t0_real = (int64_t)clock_ns(CLOCK_REALTIME);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(p[0]);
		close(p[1]);
		free(argv);
		return -err;
	}
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(p[1], 1) < 0)
			_exit(126);
		execve(argv[0], (char *const *)argv, environ);
		dprintf(2, "harness: execve %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	free(argv);
	r->pid = pid;

	size_t len = 0;
	uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now >= deadline)
			break;
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		int pr = poll(&pfd, 1, (int)((deadline - now) / 1000000ull) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		char buf[1024];
		ssize_t got = read(p[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		size_t room = sizeof(r->out_text) - 1 - len;
		size_t take = (size_t)got < room ? (size_t)got : room;
		memcpy(r->out_text + len, buf, take);
		len += take;
	}
	r->out_text[len] = '\0';
	close(p[0]);
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	int left = now < deadline ? (int)((deadline - now) / 1000000ull) : 0;
	int w = wait_deadline(pid, &r->status, left);
	if (w < 0)
		return w;

	char *nl = strchr(r->out_text, '\n');
	if (nl) {
		*nl = '\0';
		r->out = json_tokener_parse(r->out_text);
		*nl = '\n';
	}
	json_object *v;
	if (r->out && json_object_object_get_ex(r->out, "start_ticks", &v))
		r->start_ticks = (uint64_t)json_object_get_int64(v);
	return 0;
}

void zj_run_done(struct zj_run *r)
{
	json_object_put(r->out);
	r->out = NULL;
}

void zj_trigger_ok_(const char *file, int line, struct zj_run *r, const char *const *args)
{
	char cmd[512] = "";
	size_t used = 0;
	for (const char *const *a = args; *a && used < sizeof(cmd) - 2; a++)
		used += (size_t)snprintf(cmd + used, sizeof(cmd) - used, " %s", *a);

	int err = zj_run_trigger(r, args, ZJ_TRIGGER_TIMEOUT_MS);
	if (err < 0)
		_ck_assert_failed(file, line, "zj-trigger ran", "zj-trigger%s: %s", cmd,
				  strerror(-err));
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		_ck_assert_failed(
			file, line, "zj-trigger succeeded",
			"zj-trigger%s ended with wait status 0x%x (see its stderr above); "
			"stdout: %s",
			cmd, r->status, r->out_text);
	json_object *v;
	if (!r->out || !json_object_object_get_ex(r->out, "pid", &v) ||
	    json_object_get_int64(v) != r->pid)
		_ck_assert_failed(file, line, "zj-trigger output",
				  "zj-trigger%s (pid %d) printed no JSON line with its pid: %s",
				  cmd, (int)r->pid, r->out_text);
}

int64_t zj_out_int_(const char *file, int line, const struct zj_run *r, const char *key)
{
	json_object *v;
	if (!r->out || !json_object_object_get_ex(r->out, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		_ck_assert_failed(file, line, "trigger output",
				  "zj-trigger output lacks \"%s\": %s", key, r->out_text);
	return json_object_get_int64(v);
}

uint64_t zj_out_hex_(const char *file, int line, const struct zj_run *r, const char *key)
{
	json_object *v;
	if (!r->out || !json_object_object_get_ex(r->out, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		_ck_assert_failed(file, line, "trigger output",
				  "zj-trigger output lacks \"%s\": %s", key, r->out_text);
	return strtoull(json_object_get_string(v), NULL, 16);
}

/* ---- the event log ------------------------------------------------------------------------- */

void zj_tail_open(struct zj_tail *t, const char *path, bool from_end)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(t->fd >= 0 || errno == ENOENT, "open %s: %s", path, strerror(errno));
	if (t->fd >= 0 && from_end) {
		struct stat st;
		ck_assert_msg(fstat(t->fd, &st) == 0, "fstat %s", path);
		t->off = (uint64_t)st.st_size;
		if (t->off > 0) {
			/* starting inside a line the daemon is still writing? */
			char c = 0;
			if (pread(t->fd, &c, 1, (off_t)(t->off - 1)) == 1 && c != '\n')
				t->resync = true;
		}
	}
}

void zj_tail_close(struct zj_tail *t)
{
	for (size_t i = 0; i < t->n; i++) {
		json_object_put(t->lines[i].obj);
		free(t->lines[i].raw);
	}
	free(t->lines);
	free(t->part);
	if (t->fd >= 0)
		close(t->fd);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

/* Check one complete line and keep it. */
static void tail_take(struct zj_tail *t, const char *s, size_t len)
{
	size_t lineno = t->n + 1;
	for (size_t i = 0; i < len; i++)
		ck_assert_msg((unsigned char)s[i] >= 0x20,
			      "event log %s line %zu (from the tail start) has a raw control byte "
			      "0x%02x at column %zu: %.*s",
			      t->path, lineno, (unsigned char)s[i], i, (int)len, s);

	struct json_tokener *tok = json_tokener_new();
	ck_assert(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *obj = json_tokener_parse_ex(tok, s, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	ck_assert_msg(obj && jerr == json_tokener_success && end == len &&
			      json_object_is_type(obj, json_type_object),
		      "event log %s line %zu is not one JSON object (%s, parsed %zu of %zu "
		      "bytes): %.*s",
		      t->path, lineno, json_tokener_error_desc(jerr), end, len, (int)len, s);

	json_object *seq;
	ck_assert_msg(json_object_object_get_ex(obj, "seq", &seq) &&
			      json_object_is_type(seq, json_type_int),
		      "event log line without an integer \"seq\": %.*s", (int)len, s);
	int64_t v = json_object_get_int64(seq);
	ck_assert_msg(!t->have_seq || v > t->last_seq,
		      "event log \"seq\" not increasing: %" PRId64 " after %" PRId64 ": %.*s", v,
		      t->last_seq, (int)len, s);
	t->have_seq = true;
	t->last_seq = v;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 256;
		struct zj_line *nl = realloc(t->lines, ncap * sizeof(*nl));
		ck_assert(nl != NULL);
		t->lines = nl;
		t->cap = ncap;
	}
	char *raw = strndup(s, len);
	ck_assert(raw != NULL);
	t->lines[t->n++] = (struct zj_line){.obj = obj, .raw = raw, .lineno = lineno};
}

void zj_tail_poll(struct zj_tail *t)
{
	if (t->fd < 0) {
		t->fd = open(t->path, O_RDONLY | O_CLOEXEC);
		if (t->fd < 0)
			return; /* not created yet */
	}
	for (;;) {
		char buf[65536];
		ssize_t n = pread(t->fd, buf, sizeof(buf), (off_t)t->off);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n >= 0, "read %s: %s", t->path, strerror(errno));
		if (n == 0)
			return;
		t->off += (uint64_t)n;
		const char *p = buf, *end = buf + n;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl) {
				if (!t->resync)
					ck_assert(append(&t->part, &t->part_len, &t->part_cap, p,
							 (size_t)(end - p)) == 0);
				break;
			}
			if (t->resync) {
				t->resync = false;
			} else if (t->part_len) {
				ck_assert(append(&t->part, &t->part_len, &t->part_cap, p,
						 (size_t)(nl - p)) == 0);
				tail_take(t, t->part, t->part_len);
				t->part_len = 0;
			} else {
				tail_take(t, p, (size_t)(nl - p));
			}
			p = nl + 1;
		}
	}
}

bool zj_json_get(json_object *obj, const char *path, json_object **ret)
{
	char key[128];
	const char *p = path;
	json_object *cur = obj;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (len >= sizeof(key) || !cur || !json_object_is_type(cur, json_type_object))
			return false;
		memcpy(key, p, len);
		key[len] = '\0';
		if (!json_object_object_get_ex(cur, key, &cur))
			return false;
		p += len + (dot ? 1 : 0);
	}
	*ret = cur;
	return true;
}

static bool kv_matches(json_object *obj, const struct zj_kv *kv)
{
	json_object *v;
	if (!zj_json_get(obj, kv->key, &v) || !v)
		return false;
	if (kv->kind == 1)
		return json_object_is_type(v, json_type_string) &&
		       strcmp(json_object_get_string(v), kv->str) == 0;
	return json_object_is_type(v, json_type_int) && json_object_get_int64(v) == kv->num;
}

bool zj_line_matches(const struct zj_line *l, const char *type, pid_t actor,
		     const struct zj_kv *kvs, size_t n_kvs)
{
	json_object *v;
	if (type && *type &&
	    (!zj_json_get(l->obj, "type", &v) || !v || !json_object_is_type(v, json_type_string) ||
	     strcmp(json_object_get_string(v), type) != 0))
		return false;
	if (actor > 0 &&
	    (!zj_json_get(l->obj, "actor.pid", &v) || !v || json_object_get_int64(v) != actor))
		return false;
	for (size_t i = 0; i < n_kvs; i++)
		if (kvs[i].kind && !kv_matches(l->obj, &kvs[i]))
			return false;
	return true;
}

size_t zj_count(const struct zj_tail *t, const char *type, pid_t actor, const struct zj_kv *kvs,
		size_t n_kvs)
{
	size_t c = 0;
	for (size_t i = 0; i < t->n; i++)
		if (zj_line_matches(&t->lines[i], type, actor, kvs, n_kvs))
			c++;
	return c;
}

const struct zj_line *zj_wait_(const char *file, int line, struct zj_tail *t, int timeout_ms,
			       const char *type, pid_t actor, const struct zj_kv *kvs, size_t n_kvs)
{
	uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000ull;
	size_t scanned = 0;
	for (;;) {
		for (; scanned < t->n; scanned++)
			if (zj_line_matches(&t->lines[scanned], type, actor, kvs, n_kvs))
				return &t->lines[scanned];
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			break;
		sleep_ms(20);
		zj_tail_poll(t);
	}

	/* say what was awaited and what that actor did produce */
	char want[1024], seen[6000];
	int w = snprintf(want, sizeof(want), "type=%s actor.pid=%d", type ? type : "*", (int)actor);
	for (size_t i = 0; i < n_kvs && w < (int)sizeof(want); i++) {
		if (kvs[i].kind == 1)
			w += snprintf(want + w, sizeof(want) - (size_t)w, " %s=\"%s\"", kvs[i].key,
				      kvs[i].str);
		else if (kvs[i].kind == 2)
			w += snprintf(want + w, sizeof(want) - (size_t)w, " %s=%" PRId64,
				      kvs[i].key, kvs[i].num);
	}
	size_t s = 0;
	seen[0] = '\0';
	for (size_t i = 0; i < t->n && s < sizeof(seen) - 1; i++) {
		json_object *v;
		bool mine = actor > 0 && ((zj_json_get(t->lines[i].obj, "actor.pid", &v) && v &&
					   json_object_get_int64(v) == actor) ||
					  (zj_json_get(t->lines[i].obj, "target.pid", &v) && v &&
					   json_object_get_int64(v) == actor));
		if (mine)
			s += (size_t)snprintf(seen + s, sizeof(seen) - s, "\n    %s",
					      t->lines[i].raw);
	}
	_ck_assert_failed(file, line, "event arrived",
			  "no event with %s within %d ms (%zu lines read from %s); lines naming "
			  "pid %d:%s",
			  want, timeout_ms, t->n, t->path, (int)actor, s ? seen : " none");
}

const struct zj_line *zj_settle_(const char *file, int line, struct zj_tail *t, pid_t pid)
{
	return zj_wait_(file, line, t, ZJ_EVENT_TIMEOUT_MS, "exit", pid, NULL, 0);
}

/* ---- assertions ---------------------------------------------------------------------------- */

static const char *jtype_name(json_object *v)
{
	return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

static json_object *need(const char *file, int line, const struct zj_line *l, const char *path)
{
	json_object *v;
	if (!zj_json_get(l->obj, path, &v))
		_ck_assert_failed(file, line, "field present", "%s: missing\n  line: %s", path,
				  l->raw);
	return v;
}

void zj_expect_int_(const char *file, int line, const struct zj_line *l, const char *path,
		    int64_t want)
{
	json_object *v = need(file, line, l, path);
	if (!v || !json_object_is_type(v, json_type_int))
		_ck_assert_failed(file, line, "integer field",
				  "%s: expected the integer %" PRId64 ", seen a %s\n  line: %s",
				  path, want, jtype_name(v), l->raw);
	int64_t got = json_object_get_int64(v);
	if (got != want)
		_ck_assert_failed(file, line, "field value",
				  "%s: expected %" PRId64 ", seen %" PRId64 "\n  line: %s", path,
				  want, got, l->raw);
}

void zj_expect_str_(const char *file, int line, const struct zj_line *l, const char *path,
		    const char *want)
{
	json_object *v = need(file, line, l, path);
	if (!v || !json_object_is_type(v, json_type_string))
		_ck_assert_failed(file, line, "string field",
				  "%s: expected the string \"%s\", seen a %s\n  line: %s", path,
				  want, jtype_name(v), l->raw);
	size_t wlen = strlen(want);
	if ((size_t)json_object_get_string_len(v) != wlen ||
	    memcmp(json_object_get_string(v), want, wlen) != 0)
		_ck_assert_failed(file, line, "field value",
				  "%s: expected \"%s\", seen %s\n  line: %s", path, want,
				  json_object_to_json_string(v), l->raw);
}

void zj_expect_bool_(const char *file, int line, const struct zj_line *l, const char *path,
		     bool want)
{
	json_object *v = need(file, line, l, path);
	if (!v || !json_object_is_type(v, json_type_boolean))
		_ck_assert_failed(file, line, "boolean field",
				  "%s: expected %s, seen a %s\n  line: %s", path,
				  want ? "true" : "false", jtype_name(v), l->raw);
	if ((bool)json_object_get_boolean(v) != want)
		_ck_assert_failed(file, line, "field value", "%s: expected %s, seen %s\n  line: %s",
				  path, want ? "true" : "false", want ? "false" : "true", l->raw);
}

void zj_expect_hex_(const char *file, int line, const struct zj_line *l, const char *path,
		    uint64_t want)
{
	json_object *v = need(file, line, l, path);
	const char *s =
		v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	char *end = NULL;
	errno = 0;
	uint64_t got = s && strncmp(s, "0x", 2) == 0 && s[2] ? strtoull(s + 2, &end, 16) : 0;
	if (!s || strncmp(s, "0x", 2) != 0 || !end || *end || errno)
		_ck_assert_failed(file, line, "hex field",
				  "%s: expected a \"0x...\" string for 0x%" PRIx64
				  ", seen %s\n  line: %s",
				  path, want, v ? json_object_to_json_string(v) : "null", l->raw);
	if (got != want)
		_ck_assert_failed(file, line, "field value",
				  "%s: expected \"0x%" PRIx64 "\", seen \"%s\"\n  line: %s", path,
				  want, s, l->raw);
}

void zj_expect_null_(const char *file, int line, const struct zj_line *l, const char *path)
{
	json_object *v = need(file, line, l, path);
	if (v)
		_ck_assert_failed(file, line, "null field",
				  "%s: expected null, seen %s\n  line: %s", path,
				  json_object_to_json_string(v), l->raw);
}

void zj_expect_absent_(const char *file, int line, const struct zj_line *l, const char *path)
{
	json_object *v;
	if (zj_json_get(l->obj, path, &v))
		_ck_assert_failed(file, line, "field absent",
				  "%s: expected absent, seen %s\n  line: %s", path,
				  v ? json_object_to_json_string(v) : "null", l->raw);
}

void zj_expect_keys_(const char *file, int line, const struct zj_line *l, const char *path,
		     const char *const *allowed)
{
	json_object *o = l->obj;
	if (path && *path)
		o = need(file, line, l, path);
	if (!o || !json_object_is_type(o, json_type_object))
		_ck_assert_failed(file, line, "object",
				  "%s: expected an object, seen a %s\n  line: %s", path,
				  jtype_name(o), l->raw);
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		bool ok = false;
		size_t klen = strlen(key);
		for (const char *const *a = allowed; *a && !ok; a++) {
			size_t alen = strlen(*a);
			ok = strcmp(key, *a) == 0 ||
			     (klen == alen + 4 && memcmp(key, *a, alen) == 0 &&
			      strcmp(key + alen, "_hex") == 0);
		}
		if (!ok)
			_ck_assert_failed(file, line, "schema keys",
					  "%s%s%s: key not in the schema\n  line: %s",
					  path && *path ? path : "", path && *path ? "." : "", key,
					  l->raw);
	}
}

/* "2026-11-28T06:20:00.123456789Z" -> ns since the epoch; -1 when not that format. */
static int64_t parse_time(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";
	if (strlen(s) != sizeof(pat) - 1)
		return -1;
	for (size_t i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return -1;
	}
	struct tm tm = {0};
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	time_t sec = timegm(&tm);
	return (int64_t)sec * 1000000000ll + strtoll(s + 20, NULL, 10);
}

static const char *type_object(const char *type)
{
	if (strcmp(type, "mem_open") == 0 || strcmp(type, "mem_write") == 0 ||
	    strcmp(type, "vm_write") == 0)
		return "mem";
	return type;
}

void zj_expect_header_(const char *file, int line, const struct zj_line *l, const char *type,
		       const struct zj_run *r, bool allow_truncated)
{
	json_object *v;
	zj_expect_int_(file, line, l, "v", 2);
	zj_expect_str_(file, line, l, "type", type);

	v = need(file, line, l, "seq");
	if (!v || !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		_ck_assert_failed(file, line, "seq", "seq: expected an integer >= 0\n  line: %s",
				  l->raw);

	uint64_t now_boot = clock_ns(CLOCK_BOOTTIME);
	int64_t now_real = (int64_t)clock_ns(CLOCK_REALTIME);
	v = need(file, line, l, "ktime_ns");
	if (!v || !json_object_is_type(v, json_type_int))
		_ck_assert_failed(file, line, "ktime_ns",
				  "ktime_ns: expected an integer\n  line: %s", l->raw);
	uint64_t kt = (uint64_t)json_object_get_int64(v);
	if (r && (kt < r->t0_boot || kt > now_boot))
		_ck_assert_failed(file, line, "ktime_ns window",
				  "ktime_ns: expected CLOCK_BOOTTIME in [%" PRIu64 ", %" PRIu64
				  "] (trigger start, now), seen %" PRIu64 "\n  line: %s",
				  r->t0_boot, now_boot, kt, l->raw);

	v = need(file, line, l, "time");
	const char *ts =
		v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	int64_t t = parse_time(ts);
	if (t < 0)
		_ck_assert_failed(file, line, "time format",
				  "time: expected \"YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ\", seen %s\n  "
				  "line: %s",
				  v ? json_object_to_json_string(v) : "null", l->raw);
	/* the wall clock of the event, with a second of slack for clock adjustment */
	if (r && (t < r->t0_real - 1000000000ll || t > now_real + 1000000000ll))
		_ck_assert_failed(file, line, "time window",
				  "time: %s is outside the run of the trigger\n  line: %s", ts,
				  l->raw);

	if (zj_json_get(l->obj, "flags", &v)) {
		bool ok = v && json_object_is_type(v, json_type_array);
		for (size_t i = 0; ok && i < json_object_array_length(v); i++)
			ok = json_object_is_type(json_object_array_get_idx(v, i), json_type_string);
		if (!ok)
			_ck_assert_failed(file, line, "flags",
					  "flags: expected an array of strings\n  line: %s",
					  l->raw);
	}
	if (!allow_truncated)
		zj_expect_absent_(file, line, l, "truncated");

	const char *obj = type_object(type);
	v = need(file, line, l, obj);
	if (!v || !json_object_is_type(v, json_type_object))
		_ck_assert_failed(file, line, "type object", "%s: expected an object\n  line: %s",
				  obj, l->raw);
	zj_expect_keys_(file, line, l, "",
			(const char *const[]){"v", "seq", "time", "ktime_ns", "type", "actor",
					      "target", "flags", "truncated", "findings", obj,
					      NULL});
	/* findings (the classification's verdicts): an array of objects of known keys */
	if (zj_json_get(l->obj, "findings", &v)) {
		static const char *const fkeys[] = {"technique", "name",   "name_zh",    "tactic",
						    "severity",  "action", "configured", "why",
						    "reason",    "benign", "enforced",   "response",
						    "policy_hash", NULL};
		bool ok = v && json_object_is_type(v, json_type_array) &&
			  json_object_array_length(v) > 0;

		for (size_t i = 0; ok && i < json_object_array_length(v); i++) {
			json_object *f = json_object_array_get_idx(v, i);

			ok = json_object_is_type(f, json_type_object);
			json_object_object_foreach(f, k, fv)
			{
				bool known = false;

				size_t kl = strlen(k);

				(void)fv;
				/* "<key>_hex" carries the raw bytes of a string that was not UTF-8 */
				if (kl > 4 && strcmp(k + kl - 4, "_hex") == 0)
					kl -= 4;
				for (size_t j = 0; fkeys[j] && ok; j++)
					known = known || (strlen(fkeys[j]) == kl &&
							  strncmp(k, fkeys[j], kl) == 0);
				ok = ok && known;
			}
		}
		if (!ok)
			_ck_assert_failed(file, line, "findings",
					  "findings: expected a non-empty array of finding "
					  "objects with known keys\n  line: %s",
					  l->raw);
	}
}

static const char *const proc_keys[] = {"pid",	"tid", "ppid",	  "uid",      "gid",   "euid",
					"comm", "exe", "cmdline", "start_ns", "known", NULL};

void zj_expect_proc_(const char *file, int line, const struct zj_line *l, const char *which,
		     const struct zj_proc_want *w)
{
	char p[64];
	json_object *v;
	bool target = strcmp(which, "target") == 0;

#define FIELD(name) (snprintf(p, sizeof(p), "%s.%s", which, name), p)
	zj_expect_keys_(file, line, l, which, proc_keys);
	zj_expect_int_(file, line, l, FIELD("pid"), w->pid);
	zj_expect_bool_(file, line, l, FIELD("known"), true);
	if (!target || zj_json_get(l->obj, FIELD("tid"), &v))
		zj_expect_int_(file, line, l, FIELD("tid"), w->tid ? w->tid : w->pid);
	zj_expect_int_(file, line, l, FIELD("ppid"), w->ppid);
	zj_expect_int_(file, line, l, FIELD("uid"), w->uid);
	zj_expect_int_(file, line, l, FIELD("gid"), w->gid);
	zj_expect_int_(file, line, l, FIELD("euid"), w->euid);
	zj_expect_str_(file, line, l, FIELD("comm"), w->comm);
	zj_expect_str_(file, line, l, FIELD("exe"), w->exe);

	v = need(file, line, l, FIELD("cmdline"));
	if (!v || !json_object_is_type(v, json_type_string) ||
	    (w->cmdline_has && !strstr(json_object_get_string(v), w->cmdline_has)))
		_ck_assert_failed(file, line, "cmdline",
				  "%s: expected a string containing \"%s\", seen %s\n  line: %s", p,
				  w->cmdline_has ? w->cmdline_has : "",
				  v ? json_object_to_json_string(v) : "null", l->raw);

	v = need(file, line, l, FIELD("start_ns"));
	if (!v || !json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0)
		_ck_assert_failed(file, line, "start_ns", "%s: expected an integer > 0\n  line: %s",
				  p, l->raw);
	if (w->start_ticks) {
		/* /proc/<pid>/stat's starttime is start_boottime in clock ticks, rounded down */
		uint64_t ns_per_tick = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
		uint64_t got = (uint64_t)json_object_get_int64(v);
		if (got / ns_per_tick != w->start_ticks)
			_ck_assert_failed(file, line, "start_ns",
					  "%s: expected start_boottime in tick %" PRIu64
					  " (/proc/%d/stat), seen %" PRIu64 " ns = tick %" PRIu64
					  "\n  line: %s",
					  p, w->start_ticks, (int)w->pid, got, got / ns_per_tick,
					  l->raw);
	}
#undef FIELD
}

static void want_common(struct zj_proc_want *w)
{
	memset(w, 0, sizeof(*w));
	w->comm = "zj-trigger";
	w->exe = zj.trigger_real;
}

void zj_want_trigger(struct zj_proc_want *w, const struct zj_run *r, const char *subcommand)
{
	want_common(w);
	w->pid = r->pid;
	w->ppid = getpid();
	w->cmdline_has = subcommand;
	w->start_ticks = r->start_ticks;
}

void zj_want_child(struct zj_proc_want *w, const struct zj_run *r, const char *subcommand)
{
	json_object *v;
	want_common(w);
	w->pid = (pid_t)zj_out_int_(__FILE__, __LINE__, r, "child");
	w->ppid = r->pid;
	w->cmdline_has = subcommand;
	if (r->out && json_object_object_get_ex(r->out, "child_start_ticks", &v))
		w->start_ticks = (uint64_t)json_object_get_int64(v);
}

void zj_want_self(struct zj_proc_want *w)
{
	static char comm[16];
	memset(w, 0, sizeof(*w));
	w->pid = getpid();
	w->ppid = getppid();
	w->exe = zj.self_real;
	/* the kernel's comm (what the sensor must report), not a guess from the file name */
	char *text = NULL;
	size_t len = 0;
	comm[0] = '\0';
	if (read_file("/proc/self/comm", &text, &len) == 0) {
		snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(text, "\n"), text);
		free(text);
	}
	w->comm = comm;
	w->cmdline_has = comm;
	zj_start_ticks(getpid(), &w->start_ticks);
}

/* ---- findings ------------------------------------------------------------------------------ */

json_object *zj_line_finding(const struct zj_line *l, const char *technique)
{
	json_object *arr, *t;
	if (!json_object_object_get_ex(l->obj, "findings", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (e && json_object_is_type(e, json_type_object) &&
		    json_object_object_get_ex(e, "technique", &t) &&
		    json_object_is_type(t, json_type_string) &&
		    strcmp(json_object_get_string(t), technique) == 0)
			return e;
	}
	return NULL;
}

size_t zj_line_finding_count(const struct zj_line *l)
{
	json_object *arr;
	if (!json_object_object_get_ex(l->obj, "findings", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	return json_object_array_length(arr);
}

static const char *const finding_keys[] = {"technique", "name",	  "name_zh",	"tactic",
					   "severity",	"action", "configured", "why",
					   "reason",	"benign", "enforced",	"response",
					   "policy_hash", NULL};

/* A string member of finding f; fails the test when missing or not a string. */
static const char *finding_str(const char *file, int line, const struct zj_line *l, json_object *f,
			       const char *technique, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(f, key, &v) || !v ||
	    !json_object_is_type(v, json_type_string))
		_ck_assert_failed(file, line, "finding field",
				  "finding %s: \"%s\" missing or not a string\n  line: %s",
				  technique, key, l->raw);
	return json_object_get_string(v);
}

static void finding_eq(const char *file, int line, const struct zj_line *l, json_object *f,
		       const char *technique, const char *key, const char *want)
{
	const char *got = finding_str(file, line, l, f, technique, key);
	if (strcmp(got, want) != 0)
		_ck_assert_failed(file, line, "finding value",
				  "finding %s: \"%s\" expected \"%s\", seen \"%s\"\n  line: %s",
				  technique, key, want, got, l->raw);
}

void zj_expect_finding_(const char *file, int line, const struct zj_line *l,
			const struct zj_finding_want *w)
{
	const char *t = w->technique;
	json_object *f = zj_line_finding(l, t), *v;
	if (!f)
		_ck_assert_failed(
			file, line, "finding present",
			"no finding of %s in \"findings\" (expected action %s)\n  line: %s", t,
			w->action, l->raw);
	json_object_object_foreach(f, key, val)
	{
		(void)val;
		bool ok = false;
		for (const char *const *k = finding_keys; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok)
			_ck_assert_failed(file, line, "finding keys",
					  "finding %s: key \"%s\" is not in the schema\n  line: %s",
					  t, key, l->raw);
	}
	finding_eq(file, line, l, f, t, "name", w->name);
	finding_eq(file, line, l, f, t, "tactic", w->tactic);
	finding_eq(file, line, l, f, t, "severity", w->severity);
	finding_eq(file, line, l, f, t, "action", w->action);
	finding_eq(file, line, l, f, t, "configured", w->configured);
	if (json_object_object_get_ex(f, "name_zh", &v) &&
	    !*finding_str(file, line, l, f, t, "name_zh"))
		_ck_assert_failed(file, line, "name_zh",
				  "finding %s: empty \"name_zh\"\n  line: %s", t, l->raw);
	const char *why = finding_str(file, line, l, f, t, "why");
	if (w->why_has && !strstr(why, w->why_has))
		_ck_assert_failed(file, line, "finding why",
				  "finding %s: \"why\" expected to contain \"%s\", seen \"%s\"\n  "
				  "line: %s",
				  t, w->why_has, why, l->raw);
	if (w->benign)
		finding_eq(file, line, l, f, t, "benign", w->benign);
	else if (json_object_object_get_ex(f, "benign", &v))
		_ck_assert_failed(file, line, "finding benign",
				  "finding %s: \"benign\" expected absent, seen %s\n  line: %s", t,
				  json_object_to_json_string(v), l->raw);
	bool has_enf = json_object_object_get_ex(f, "enforced", &v);
	if (w->enforced < 0 && has_enf)
		_ck_assert_failed(
			file, line, "finding enforced",
			"finding %s: \"enforced\" expected absent (not a block), seen %s\n  "
			"line: %s",
			t, json_object_to_json_string(v), l->raw);
	if (w->enforced >= 0 && (!has_enf || !v || !json_object_is_type(v, json_type_boolean) ||
				 (bool)json_object_get_boolean(v) != (w->enforced > 0)))
		_ck_assert_failed(file, line, "finding enforced",
				  "finding %s: \"enforced\" expected %s, seen %s\n  line: %s", t,
				  w->enforced ? "true" : "false",
				  has_enf ? json_object_to_json_string(v) : "(absent)", l->raw);
	const char *reason = finding_str(file, line, l, f, t, "reason");
	for (size_t i = 0; i < sizeof(w->reason_has) / sizeof(w->reason_has[0]) && w->reason_has[i];
	     i++)
		if (!strstr(reason, w->reason_has[i]))
			_ck_assert_failed(file, line, "finding reason",
					  "finding %s: \"reason\" expected to mention \"%s\", seen "
					  "\"%s\"\n  line: %s",
					  t, w->reason_has[i], reason, l->raw);
}

/* ---- other programs ------------------------------------------------------------------------ */

int zj_cmd_run(struct zj_cmd *c, const char *const *argv, uid_t uid, gid_t gid, int timeout_ms)
{
	int op[2] = {-1, -1}, ep[2] = {-1, -1}, r = 0;
	size_t cap[2] = {0, 0};
	struct pollfd pfd[2];

	memset(c, 0, sizeof(*c));
	c->status = -1;
	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(op[1], 1) < 0 || dup2(ep[1], 2) < 0)
			_exit(126);
		if (uid != (uid_t)-1 &&
		    (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0 ||
		     getuid() != uid || geteuid() != uid || getegid() != gid)) {
			dprintf(2, "harness: dropping to uid %u gid %u: %s\n", (unsigned)uid,
				(unsigned)gid, strerror(errno));
			_exit(126);
		}
		execve(argv[0], (char *const *)argv, environ);
		dprintf(2, "harness: execve %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	pfd[0] = (struct pollfd){.fd = op[0], .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = ep[0], .events = POLLIN};
	op[0] = ep[0] = -1; /* owned by pfd[] now */

	uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000ull;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		int pr = poll(pfd, 2, (int)((deadline - now) / 1000000ull) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			r = -errno;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			char buf[4096];
			ssize_t n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			if (append(i ? &c->err : &c->out, i ? &c->err_len : &c->out_len, &cap[i],
				   buf, (size_t)n) < 0) {
				r = -ENOMEM;
				break;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	int left = r == 0 && now < deadline ? (int)((deadline - now) / 1000000ull) : 0;
	int w = wait_deadline(pid, &c->status, left);
	if (r == 0 && w < 0)
		r = w;
out:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if ((!c->out && append(&c->out, &c->out_len, &cap[0], "", 0) < 0) ||
	    (!c->err && append(&c->err, &c->err_len, &cap[1], "", 0) < 0))
		return -ENOMEM;
	return r;
}

void zj_cmd_free(struct zj_cmd *c)
{
	free(c->out);
	free(c->err);
	c->out = c->err = NULL;
}

int zj_hold_start(struct zj_hold *h, const char *exe)
{
	int in[2], out[2], r = -EIO;
	char line[512];
	size_t len = 0;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->in_fd = -1;
	snprintf(h->exe, sizeof(h->exe), "%s", exe ? exe : zj.trigger);
	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(out, O_CLOEXEC) < 0) {
		r = -errno;
		close(in[0]);
		close(in[1]);
		return r;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return r;
	}
	if (pid == 0) {
		const char *argv[] = {h->exe, "hold", NULL};
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(126);
		execve(argv[0], (char *const *)argv, environ);
		dprintf(2, "harness: execve %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	h->pid = pid;
	h->in_fd = in[1];

	/* its one line: {"op":"hold","pid":N,"start_ticks":N,"addr":"0x..."} */
	uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + 10000ull * 1000000ull;
	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		struct pollfd pfd = {.fd = out[0], .events = POLLIN};
		int pr = poll(&pfd, 1, (int)((deadline - now) / 1000000ull) + 1);
		if (pr <= 0)
			continue;
		ssize_t n = read(out[0], line + len, sizeof(line) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(out[0]);
	line[len] = '\0';
	json_object *o = memchr(line, '\n', len) ? json_tokener_parse(line) : NULL, *v;
	if (o && json_object_object_get_ex(o, "pid", &v) && json_object_get_int64(v) == pid &&
	    json_object_object_get_ex(o, "addr", &v) && json_object_is_type(v, json_type_string)) {
		h->addr = strtoull(json_object_get_string(v), NULL, 16);
		if (json_object_object_get_ex(o, "start_ticks", &v))
			h->start_ticks = (uint64_t)json_object_get_int64(v);
		r = 0;
	}
	json_object_put(o);
	if (r < 0)
		zj_hold_stop(h);
	return r;
}

void zj_hold_stop(struct zj_hold *h)
{
	int st;
	if (h->in_fd >= 0)
		close(h->in_fd);
	h->in_fd = -1;
	if (h->pid > 0)
		wait_deadline(h->pid, &st, 5000);
	h->pid = -1;
}

/* ---- journald ------------------------------------------------------------------------------ */

static const char *journalctl_path(void)
{
	static const char *const paths[] = {"/usr/bin/journalctl", "/bin/journalctl"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Whether something accepts a connection on the AF_UNIX socket at path.  The file alone says
 * nothing: a journald that was killed leaves its sockets behind, and every send to them then
 * fails with ECONNREFUSED. */
static bool unix_socket_answers(const char *path, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* journald takes entries on ZJ_JOURNAL_SOCKET and answers `journalctl --sync` on its varlink
 * socket: both must answer. */
static bool journal_listening(void)
{
	return unix_socket_answers(ZJ_JOURNAL_SOCKET, SOCK_DGRAM) &&
	       unix_socket_answers(ZJ_JOURNAL_VARLINK, SOCK_STREAM);
}

int zj_journal_ensure(pid_t *ret_pid, char *why, size_t why_len)
{
	int p[2];
	pid_t jpid = -1;

	if (!journalctl_path()) {
		snprintf(why, why_len, "journalctl is not installed: alerts cannot be read back");
		return -ENOENT;
	}
	if (journal_listening())
		return 0;
	if (access(ZJ_JOURNALD, X_OK) != 0) {
		snprintf(why, why_len, "no journald listens on %s and %s is not installed",
			 ZJ_JOURNAL_SOCKET, ZJ_JOURNALD);
		return -ENOENT;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* a double fork: journald is nobody's child here, and outlives the tests */
	pid_t mid = fork();
	if (mid < 0) {
		int err = errno;
		close(p[0]);
		close(p[1]);
		return -err;
	}
	if (mid == 0) {
		setsid();
		pid_t j = fork();
		if (j == 0) {
			const char *argv[] = {ZJ_JOURNALD, NULL};
			int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 ||
			    dup2(null_fd, 2) < 0)
				_exit(126);
			execve(argv[0], (char *const *)argv, environ);
			_exit(127);
		}
		_exit(write(p[1], &j, sizeof(j)) == (ssize_t)sizeof(j) && j > 0 ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &jpid, sizeof(jpid)) != (ssize_t)sizeof(jpid))
		jpid = -1;
	close(p[0]);
	int st;
	waitpid(mid, &st, 0);
	if (jpid <= 0) {
		snprintf(why, why_len, "could not start %s", ZJ_JOURNALD);
		return -ECHILD;
	}
	for (int i = 0; i < 500 && !journal_listening(); i++) {
		if (kill(jpid, 0) < 0) {
			snprintf(why, why_len, "%s (pid %d) exited before listening on %s",
				 ZJ_JOURNALD, (int)jpid, ZJ_JOURNAL_SOCKET);
			return -ECHILD;
		}
		sleep_ms(20);
	}
	if (!journal_listening()) {
		snprintf(why, why_len, "%s (pid %d) did not answer on %s and %s within 10 s",
			 ZJ_JOURNALD, (int)jpid, ZJ_JOURNAL_SOCKET, ZJ_JOURNAL_VARLINK);
		return -ETIMEDOUT;
	}
	*ret_pid = jpid;
	return 1;
}

int zj_journal_sync(void)
{
	const char *argv[] = {journalctl_path(), "--sync", NULL};
	struct zj_cmd c;
	if (!argv[0])
		return -ENOENT;
	int r = zj_cmd_run(&c, argv, (uid_t)-1, (gid_t)-1, 10000);
	if (r == 0 && (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0))
		r = -EIO;
	zj_cmd_free(&c);
	return r;
}

int zj_journal_query(const char *const *matches, json_object **ret_entries)
{
	const char *argv[40];
	size_t n = 0;
	struct zj_cmd c;

	argv[n++] = journalctl_path();
	if (!argv[0])
		return -ENOENT;
	argv[n++] = "-o";
	argv[n++] = "json";
	argv[n++] = "--all";
	argv[n++] = "--no-pager";
	argv[n++] = "-q";
	/* "_PID=N" of a daemon started here: only entries since its start */
	char since[64] = "";
	for (const char *const *m = matches; m && *m && !since[0]; m++) {
		long pid;
		char *end;
		if (strncmp(*m, "_PID=", 5) != 0)
			continue;
		pid = strtol(*m + 5, &end, 10);
		if (*end)
			continue;
		for (size_t i = zj.n_starts; i > 0 && zj.n_starts - i < ZJ_MAX_STARTS; i--) {
			const size_t k = (i - 1) % ZJ_MAX_STARTS;
			if (zj.starts[k].pid != (pid_t)pid)
				continue;
			snprintf(since, sizeof(since), "--since=@%lld.%06lld",
				 (long long)(zj.starts[k].since_us / 1000000),
				 (long long)(zj.starts[k].since_us % 1000000));
			break;
		}
	}
	if (since[0])
		argv[n++] = since;
	for (; matches && *matches && n < sizeof(argv) / sizeof(argv[0]) - 1; matches++)
		argv[n++] = *matches;
	argv[n] = NULL;
	int r = zj_cmd_run(&c, argv, (uid_t)-1, (gid_t)-1, 20000);
	if (r == 0 && (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0))
		r = -EIO;
	if (r < 0) {
		zj_cmd_free(&c);
		return r;
	}
	json_object *arr = json_object_new_array();
	for (char *p = c.out; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		json_object *e = *p == '{' ? json_tokener_parse(p) : NULL;
		if (e && json_object_is_type(e, json_type_object))
			json_object_array_add(arr, e);
		else
			json_object_put(e);
		p = nl ? nl + 1 : NULL;
	}
	zj_cmd_free(&c);
	*ret_entries = arr;
	return 0;
}
