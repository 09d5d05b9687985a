/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-enforce: BPF LSM enforcement, end to end, in the test guest (tests/vm/guest/enforce.sh
 * runs it; it needs root, BPF LSM active and $ZJ_BUILD).
 *
 * It starts the real zhijiad and, for every sub-technique the kernel can enforce, flips the
 * policy live with zhijiactl and performs the real operations itself:
 *   block      each operation fails with EPERM and nothing changed (the target's memory, its
 *              tracer, the vDSO's protection, the file system); the event log has the deny
 *              event (flags "blocked", finding action block, enforced true), and the
 *              syscall-exit event of the same call, where there is one, says blocked too
 *   exception  `zhijiactl allow add T --exe <this program>` lets it through (the finding is
 *              recorded, naming the exception); another program (busybox sh) stays blocked
 *   alert      the operation goes ahead and the finding says alert
 * and checks that PID 1 is never blocked (through the guest init's SIGUSR1 hook), that the
 * start-up canary proved every class, and that `zhijiactl status` says what is requested and
 * in effect.  Last, a blocked ptrace attach stays blocked through an event storm that makes
 * the ring buffer lose records (storm_block()).  Output is TAP-like ("ok - ...", "not ok - ..."); exit 0 when all passed, 1
 * otherwise, 77 when the machine cannot run it (saying why).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#define WORD0 0x1111111111111111ull
#define WORD1 0x2222222222222222ull
#define EVENT_TIMEOUT_MS 20000
#define MAX_LINES 65536

#define WORKDIR "/tmp/zj-enforce"
#define SRCDIR "/etc/zj-enforce-src" /* same file system as /etc: rename/link need that */
#define CROND "/etc/cron.d"
#define ATJOBS "/var/spool/cron/atjobs"
#define UNITS "/etc/systemd/system"
#define WANTS UNITS "/multi-user.target.wants"
#define PRELOAD "/etc/ld.so.preload"
#define PID1_HOOK "/run/zj-vm/pid1-hook"
/* the guest is x86_64 (tests/vm: Debian's amd64 cloud kernel): its multiarch triplet */
#define PAM_MODDIR "/usr/lib/x86_64-linux-gnu/security"
#define PYSITE "/usr/lib/python3/dist-packages"

/* The victim's word: the same address in the victim, a fork of this program. */
static volatile uint64_t victim_word = WORD0;

static struct {
	char build[PATH_MAX];
	char self[PATH_MAX];
	char daemon[PATH_MAX + 16];
	char ctl[PATH_MAX + 16];
	char log[PATH_MAX];
	char err[PATH_MAX];
	char sock[PATH_MAX];
	char policy[PATH_MAX];
	char rules[PATH_MAX];
	char black[PATH_MAX];
	char marker[64];
	pid_t zhijiad;
	const char *ringbuf; /* --ringbuf-size, MiB (NULL: zhijiad's default) */
	pid_t victim;
	int vcmd, vreply; /* pipes to and from the victim */
	int failed, passed;
	uint64_t since; /* CLOCK_BOOTTIME ns: events of the current phase are not older */
	/* the event log, parsed */
	off_t off;
	char *part;
	size_t part_len;
	json_object *lines[MAX_LINES];
	size_t n;
} T = {.vcmd = -1, .vreply = -1};

/* ---- reporting ------------------------------------------------------------------------------ */

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		T.passed++;
	else
		T.failed++;
}

static _Noreturn void bail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static _Noreturn void bail(int code, const char *fmt, ...)
{
	va_list ap;

	printf("zj-enforce: %s: ", code == 77 ? "SKIP" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (T.zhijiad > 0)
		kill(T.zhijiad, SIGTERM);
	if (T.victim > 0)
		kill(T.victim, SIGKILL);
	exit(code);
}

static const char *err_name(int e)
{
	return e == 0 ? "success" : strerror(e);
}

static void msleep(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- running programs ----------------------------------------------------------------------- */

/* Run argv, its stdout and stderr into out; the exit status, or -1. */
static int run(const char *const *argv, char *out, size_t outlen)
{
	int p[2], status;
	size_t used = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while (outlen && (n = read(p[0], out + used, outlen - 1 - used)) > 0)
		used += (size_t)n;
	if (outlen)
		out[used] = '\0';
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* zhijiactl --socket S --policy P ARGS...; NULL-terminated. */
static int ctl(char *out, size_t outlen, ...)
{
	const char *argv[16] = {T.ctl, "--socket", T.sock, "--policy", T.policy};
	size_t n = 5;
	va_list ap;

	va_start(ap, outlen);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run(argv, out, outlen);
}

static bool policy_set(const char *tech, const char *action)
{
	char out[1024];
	int r = ctl(out, sizeof(out), "policy", "set", tech, action, NULL);

	check(r == 0, "zhijiactl policy set %s %s (exit %d: %s)", tech, action, r,
	      strtok(out, "\n") ? out : "");
	return r == 0;
}

/* `zhijiactl --json status`, parsed; enforcement.T.effective must be `want`. */
static void status_effective(const char *tech, const char *want)
{
	static char out[65536];
	json_object *o, *e = NULL, *t = NULL, *eff = NULL;
	int r = ctl(out, sizeof(out), "--json", "status", NULL);

	o = json_tokener_parse(out);
	if (o && json_object_object_get_ex(o, "enforcement", &e) &&
	    json_object_object_get_ex(e, tech, &t))
		json_object_object_get_ex(t, "effective", &eff);
	check(r == 0 && eff && strcmp(json_object_get_string(eff), want) == 0,
	      "zhijiactl status: %s effective %s (got %s)", tech, want,
	      eff ? json_object_get_string(eff) : "nothing");
	json_object_put(o);
}

/* ---- zhijiad -------------------------------------------------------------------------------- */

/* A whole file (/proc files too, whose size says 0), NUL-terminated; NULL when unreadable. */
static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0, cap = 4096;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = read(fd, buf + used, cap - used - 1)) > 0) {
		used += (size_t)n;
		if (cap - used < 1024) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (buf)
		buf[used] = '\0';
	return buf;
}

static void daemon_start(void)
{
	long t0 = now_ms();
	char *err = NULL;
	int fd;

	T.zhijiad = fork();
	if (T.zhijiad < 0)
		bail(1, "fork: %s", strerror(errno));
	if (T.zhijiad == 0) {
		fd = open(T.err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			_exit(127);
		dup2(fd, 2);
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		dup2(fd, 1);
		execl(T.daemon, T.daemon, "--event-log", T.log, "--policy", T.policy, "--socket",
		      T.sock, "--rules", T.rules, "--quarantine-dir", WORKDIR "/quarantine",
		      T.ringbuf ? "--ringbuf-size" : (char *)NULL, T.ringbuf, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		free(err);
		err = slurp(T.err);
		if (err && strstr(err, "zhijiad: ready\n"))
			break;
		if (waitpid(T.zhijiad, NULL, WNOHANG) == T.zhijiad) {
			T.zhijiad = 0;
			bail(1, "zhijiad exited at start:\n%s", err ? err : "");
		}
		if (now_ms() - t0 > 120000)
			bail(1, "zhijiad not ready within 120 s:\n%s", err ? err : "");
		msleep(100);
	}
	{
		const char *line = strstr(err, "zhijiad 0");
		const char *nl = line ? strchr(line, '\n') : NULL;

		printf("# %.*s\n", line && nl ? (int)(nl - line) : 0, line ? line : "");
		check(line && strstr(line, "enforcement lsm (canary: 21/21 sub-techniques denied)"),
		      "zhijiad's start-up line: enforcement lsm, the canary proved all 21 "
		      "sub-techniques");
	}
	free(err);
}

/* `zhijiactl stop`: how root stops a zhijiad that protects itself. */
static void daemon_stop(void)
{
	static char out[4096];
	int status = -1, r;
	char *err;

	if (T.zhijiad <= 0)
		return;
	r = ctl(out, sizeof(out), "stop", NULL);
	check(r == 0, "zhijiactl stop exits 0 (%s)", out);
	for (int i = 0; i < 200 && waitpid(T.zhijiad, &status, WNOHANG) == 0; i++)
		msleep(50);
	if (status == -1) {
		kill(T.zhijiad, SIGTERM); /* its manager may: zj-enforce started it */
		waitpid(T.zhijiad, &status, 0);
		check(false, "zhijiad stopped within 10 s of zhijiactl stop");
	}
	T.zhijiad = 0;
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "zhijiad stops with status 0");
	err = slurp(T.err);
	if (err) {
		const char *k = strstr(err, "zhijiad: kernel records:");
		const char *nl = k ? strchr(k, '\n') : NULL;

		if (k && nl)
			printf("# %.*s\n", (int)(nl - k), k);
		free(err);
	}
}

/* ---- the event log -------------------------------------------------------------------------- */

static void log_poll(void)
{
	char buf[65536];
	int fd = open(T.log, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = pread(fd, buf, sizeof(buf), T.off)) > 0) {
		char *np = realloc(T.part, T.part_len + (size_t)n + 1);
		size_t start = 0;

		if (!np)
			bail(1, "out of memory");
		T.part = np;
		memcpy(T.part + T.part_len, buf, (size_t)n);
		T.part_len += (size_t)n;
		T.off += n;
		for (size_t i = 0; i < T.part_len; i++) {
			if (T.part[i] != '\n')
				continue;
			T.part[i] = '\0';
			if (T.n < MAX_LINES) {
				json_object *o = json_tokener_parse(T.part + start);

				if (!o)
					check(false, "event log line is JSON: %s", T.part + start);
				else
					T.lines[T.n++] = o;
			}
			start = i + 1;
		}
		memmove(T.part, T.part + start, T.part_len - start);
		T.part_len -= start;
	}
	close(fd);
}

/* "a.b.c" through nested objects. */
static json_object *jget(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		json_object *v = NULL;

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &v))
			return NULL;
		o = v;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

static const char *jstr(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int64_t jint(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

static bool has_flag(json_object *o, const char *flag)
{
	json_object *a = jget(o, "flags");

	for (size_t i = 0; a && i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), flag) == 0)
			return true;
	return false;
}

/* The finding of technique tech in the event, or NULL. */
static json_object *finding(json_object *o, const char *tech)
{
	json_object *a = jget(o, "findings");

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *f = json_object_array_get_idx(a, i);
		const char *t = jstr(f, "technique");

		if (t && strcmp(t, tech) == 0)
			return f;
	}
	return NULL;
}

/* What an event must be; NULL / -1 fields are not checked. */
struct want {
	const char *type;
	const char *k1, *v1; /* a string field */
	const char *k2, *v2;
	int64_t target; /* target.pid, or -1 */
};

static bool matches(json_object *o, const struct want *w, pid_t actor)
{
	const char *s;

	/* a late line of an earlier phase (the daemon writes in batches) is not this one's */
	if (jint(o, "ktime_ns") < (int64_t)T.since)
		return false;
	if (!(s = jstr(o, "type")) || strcmp(s, w->type) != 0)
		return false;
	if (jint(o, "actor.pid") != actor)
		return false;
	if (w->k1 && (!(s = jstr(o, w->k1)) || strcmp(s, w->v1) != 0))
		return false;
	if (w->k2 && (!(s = jstr(o, w->k2)) || strcmp(s, w->v2) != 0))
		return false;
	if (w->target >= 0 && jint(o, "target.pid") != w->target)
		return false;
	return true;
}

/*
 * Start a phase: its events are the ones the kernel stamped from now on.  Returns the log's
 * line count, where a search for them may start.
 */
static size_t phase_begin(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	T.since = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	log_poll();
	return T.n;
}

/* Wait for an event after line `from` matching w; NULL after the time-out. */
static json_object *wait_event(size_t from, const struct want *w, pid_t actor)
{
	long t0 = now_ms();

	for (;;) {
		log_poll();
		for (size_t i = from; i < T.n; i++)
			if (matches(T.lines[i], w, actor))
				return T.lines[i];
		if (now_ms() - t0 > EVENT_TIMEOUT_MS)
			return NULL;
		msleep(50);
	}
}

/* The event's finding for tech: action, and (for block) enforced. */
static void check_finding(json_object *ev, const char *what, const char *tech, const char *action,
			  int enforced, const char *why_has)
{
	json_object *f = ev ? finding(ev, tech) : NULL;
	const char *a = f ? jstr(f, "action") : NULL, *why = f ? jstr(f, "why") : NULL;
	json_object *en = f ? jget(f, "enforced") : NULL;
	bool ok = a && strcmp(a, action) == 0;

	if (enforced >= 0)
		ok = ok && en && json_object_get_boolean(en) == enforced;
	if (why_has)
		ok = ok && why && strstr(why, why_has);
	check(ok, "%s: event %s with finding %s action %s%s%s (got %s%s%s)", what,
	      ev ? jstr(ev, "type") : "missing", tech, action,
	      enforced < 0 ? ""
	      : enforced   ? ", enforced"
			   : ", not enforced",
	      why_has ? ", why names the exception" : "", a ? a : "no finding", why ? ": " : "",
	      why ? why : "");
}

/* ---- the victim ------------------------------------------------------------------------------ */

static void victim_loop(int cmd, int reply)
{
	char c;

	while (read(cmd, &c, 1) == 1) {
		uint64_t v = victim_word;

		if (c == 's')
			victim_word = v = WORD0;
		if (write(reply, &v, sizeof(v)) != sizeof(v))
			break;
	}
	_exit(0);
}

/*
 * A process that is not this program's child (a grandchild, orphaned): attaching to one's
 * own child is a debugger's benign pattern, recorded rather than alerted.
 */
static void victim_start(void)
{
	int c[2], r[2], pp[2];
	pid_t mid, v = 0;

	if (pipe2(c, O_CLOEXEC) < 0 || pipe2(r, O_CLOEXEC) < 0 || pipe2(pp, O_CLOEXEC) < 0)
		bail(1, "pipe: %s", strerror(errno));
	mid = fork();
	if (mid < 0)
		bail(1, "fork: %s", strerror(errno));
	if (mid == 0) {
		pid_t g = fork();

		if (g == 0) {
			close(c[1]);
			close(r[0]);
			close(pp[0]);
			close(pp[1]);
			victim_loop(c[0], r[1]);
		}
		(void)!write(pp[1], &g, sizeof(g));
		_exit(0);
	}
	close(pp[1]);
	if (read(pp[0], &v, sizeof(v)) != sizeof(v) || v <= 0)
		bail(1, "the victim did not start");
	close(pp[0]);
	waitpid(mid, NULL, 0);
	close(c[0]);
	close(r[1]);
	T.victim = v;
	T.vcmd = c[1];
	T.vreply = r[0];
}

/* The victim's word as the victim sees it ('r'), or after resetting it ('s'). */
static uint64_t victim_ask(char c)
{
	uint64_t v = 0;

	if (write(T.vcmd, &c, 1) != 1 || read(T.vreply, &v, sizeof(v)) != sizeof(v))
		bail(1, "the victim does not answer");
	return v;
}

/* TracerPid from /proc/<victim>/status. */
static int victim_tracer(void)
{
	char path[64], *s, *p;
	int tracer = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)T.victim);
	s = slurp(path);
	p = s ? strstr(s, "TracerPid:") : NULL;
	if (p)
		tracer = atoi(p + 10);
	free(s);
	return tracer;
}

/* ---- the operations ------------------------------------------------------------------------- */

/* Each returns 0 when it went through, else the errno. */

static int op_ptrace_attach(void)
{
	int status;

	if (ptrace(PTRACE_ATTACH, T.victim, NULL, NULL) < 0)
		return errno;
	waitpid(T.victim, &status, __WALL);
	ptrace(PTRACE_DETACH, T.victim, NULL, NULL);
	return 0;
}

static int op_vm_writev(void)
{
	uint64_t v = WORD1;
	struct iovec l = {&v, sizeof(v)}, r = {(void *)&victim_word, sizeof(v)};

	return process_vm_writev(T.victim, &l, 1, &r, 1, 0) < 0 ? errno : 0;
}

static int op_mem_open(void)
{
	char path[64];
	uint64_t v = WORD1;
	int fd, e = 0;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)T.victim);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (pwrite(fd, &v, sizeof(v), (off_t)(uintptr_t)&victim_word) != sizeof(v))
		e = errno ? errno : EIO;
	close(fd);
	return e;
}

/* The vDSO's range and permissions in /proc/self/maps ("r-xp" into perms[5]). */
static void vdso_map(unsigned long *ret_start, unsigned long *ret_end, char perms[5])
{
	char *s = slurp("/proc/self/maps"), *p;

	strcpy(perms, "????");
	*ret_start = *ret_end = 0;
	for (p = s; p && *p;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (strstr(p, "[vdso]")) {
			if (sscanf(p, "%lx-%lx %4s", ret_start, ret_end, perms) != 3)
				strcpy(perms, "????");
			break;
		}
		p = nl ? nl + 1 : NULL;
	}
	free(s);
}

static void vdso_perms(char perms[5])
{
	unsigned long a, b;

	vdso_map(&a, &b, perms);
}

/* All of it: the kernel does not split a special mapping (part of it gives EINVAL). */
static int op_vdso_mprotect(void)
{
	unsigned long start, end;
	char perms[5];

	vdso_map(&start, &end, perms);
	if (!start || end <= start || start != getauxval(AT_SYSINFO_EHDR))
		return ENOENT;
	if (mprotect((void *)start, end - start, PROT_READ | PROT_WRITE | PROT_EXEC) < 0)
		return errno;
	/* put it back: this program keeps calling into its vDSO */
	mprotect((void *)start, end - start, PROT_READ | PROT_EXEC);
	return 0;
}

/* ---- the checks ----------------------------------------------------------------------------- */

static void check_victim_untouched(const char *what)
{
	uint64_t v = victim_ask('r');
	int tracer = victim_tracer();

	check(v == WORD0 && tracer == 0,
	      "%s: the victim's memory is unchanged (0x%llx) and nothing traces it (TracerPid %d)",
	      what, (unsigned long long)v, tracer);
}

/* One process operation under block, with an exception, under alert. */
struct proc_case {
	const char *tech;
	const char *klass; /* deny.class */
	const char *op;	   /* deny.op */
	int (*run)(void);
	const char *exit_type; /* the syscall-exit event of the same call, or NULL */
	bool target;
};

static const struct proc_case proc_cases[] = {
	{"T1055.008", "ptrace", "ptrace_attach", op_ptrace_attach, "ptrace", true},
	{"T1055.008", "ptrace", "process_vm_writev", op_vm_writev, "vm_write", true},
	{"T1055.009", "proc_mem", "mem_open", op_mem_open, NULL, true},
	{"T1055.014", "vdso", "mprotect", op_vdso_mprotect, "vdso_map", false},
};

static void proc_blocked(const struct proc_case *c)
{
	size_t mark = phase_begin();
	char what[128], perms[5], perms2[5];
	struct want w = {"deny", "deny.class", c->klass, "deny.op", c->op, -1};
	json_object *ev;
	int e;

	snprintf(what, sizeof(what), "%s %s blocked", c->tech, c->op);
	vdso_perms(perms);
	e = c->run();
	check(e == EPERM, "%s: the call fails with EPERM (got %s)", what, err_name(e));
	if (c->target) {
		check_victim_untouched(what);
	} else {
		vdso_perms(perms2);
		check(strcmp(perms, perms2) == 0 && strcmp(perms, "r-xp") == 0,
		      "%s: the vDSO is still %s (%s before)", what, perms2, perms);
	}
	if (c->target)
		w.target = T.victim;
	if (c->run == op_mem_open) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/mem", (int)T.victim);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		check(fd >= 0, "%s: opening it read-only still works (%s)", what,
		      err_name(fd < 0 ? errno : 0));
		if (fd >= 0)
			close(fd);
	}
	ev = wait_event(mark, &w, getpid());
	check(ev && has_flag(ev, "blocked"), "%s: a deny event, flagged blocked", what);
	if (ev)
		printf("# %s\n", json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
	check_finding(ev, what, c->tech, "block", 1, NULL);
	if (c->exit_type) {
		struct want x = {c->exit_type, NULL, NULL, NULL, NULL, c->target ? T.victim : -1};

		ev = wait_event(mark, &x, getpid());
		check(ev && has_flag(ev, "blocked"), "%s: the %s event says blocked too", what,
		      c->exit_type);
		check_finding(ev, what, c->tech, "block", 1, NULL);
	}
}

static void proc_allowed(const struct proc_case *c, bool exception)
{
	size_t mark = phase_begin();
	char what[128];
	const char *type = c->exit_type ? c->exit_type : "mem_open";
	struct want w = {type, NULL, NULL, NULL, NULL, c->target ? T.victim : -1};
	json_object *ev;
	int e;

	snprintf(what, sizeof(what), "%s %s %s", c->tech, c->op,
		 exception ? "with an exception for this program" : "under alert");
	e = c->run();
	check(e == 0, "%s: the call goes through (got %s)", what, err_name(e));
	if (c->run == op_vm_writev || c->run == op_mem_open) {
		uint64_t v = victim_ask('r');

		check(v == WORD1, "%s: the victim's memory changed (0x%llx)", what,
		      (unsigned long long)v);
		victim_ask('s');
	}
	ev = wait_event(mark, &w, getpid());
	check(ev && !has_flag(ev, "blocked"), "%s: a %s event, not blocked", what, type);
	if (exception)
		check_finding(ev, what, c->tech, "record", -1, "exception #1");
	else
		check_finding(ev, what, c->tech, "alert", -1, NULL);
	/* an allowed operation sends no deny event */
	{
		struct want d = {"deny", "deny.op", c->op, NULL, NULL, -1};

		log_poll();
		for (size_t i = mark; i < T.n; i++)
			if (matches(T.lines[i], &d, getpid())) {
				check(false, "%s: no deny event", what);
				break;
			}
	}
}

/* ---- files ------------------------------------------------------------------------------------
 */

enum fop { F_CREATE, F_OPEN_WRITE, F_RENAME, F_LINK, F_SYMLINK };
static const char *const fop_names[] = {"create", "open_write", "rename", "link", "symlink"};

struct file_case {
	const char *tech;
	const char *klass;
	enum fop op;
	const char *path;
};

static const struct file_case file_cases[] = {
	{"T1053.002", "at", F_CREATE, ATJOBS "/zj-enforce-at"},
	{"T1053.003", "cron", F_CREATE, CROND "/zj-enforce-new"},
	{"T1053.003", "cron", F_OPEN_WRITE, CROND "/zj-enforce-exist"},
	{"T1053.003", "cron", F_RENAME, CROND "/zj-enforce-ren"},
	{"T1053.003", "cron", F_LINK, CROND "/zj-enforce-link"},
	{"T1053.003", "cron", F_SYMLINK, CROND "/zj-enforce-sym"},
	{"T1053.006", "timer", F_CREATE, UNITS "/zj-enforce.timer"},
	{"T1543.002", "service", F_CREATE, UNITS "/zj-enforce.service"},
	{"T1543.002", "service", F_SYMLINK, WANTS "/zj-enforce.service"},
	{"T1574.006", "preload", F_CREATE, PRELOAD},
	/* the path table's sub-techniques (daemon/watch.conf) */
	{"T1098.004", "ssh_keys", F_CREATE, "/root/.ssh/authorized_keys"},
	{"T1546.004", "shell_rc", F_CREATE, "/etc/profile.d/zj-enforce.sh"},
	{"T1546.004", "shell_rc", F_OPEN_WRITE, "/root/.bashrc"},
	{"T1037.004", "rc_scripts", F_CREATE, "/etc/init.d/zj-enforce"},
	{"T1037.004", "rc_scripts", F_CREATE, "/etc/rc.local"},
	{"T1547.006", "kmod", F_CREATE, "/etc/modprobe.d/zj-enforce.conf"},
	{"T1547.006", "kmod", F_SYMLINK, "/etc/modules-load.d/zj-enforce.conf"},
	{"T1547.006", "kmod", F_CREATE, "/etc/modules"},
	{"T1136.001", "account", F_OPEN_WRITE, "/etc/shadow"},
	{"T1098.007", "groups", F_RENAME, "/etc/gshadow"},
	{"T1548.003", "sudo", F_CREATE, "/etc/sudoers.d/zj-enforce"},
	{"T1548.003", "sudo", F_LINK, "/etc/sudoers"},
	{"T1556.003", "pam", F_CREATE, "/etc/pam.d/zj-enforce"},
	{"T1556.003", "pam", F_CREATE, PAM_MODDIR "/pam_zj_enforce.so"},
	{"T1546.017", "udev", F_CREATE, "/etc/udev/rules.d/99-zj-enforce.rules"},
	{"T1546.017", "udev", F_CREATE, "/run/udev/rules.d/99-zj-enforce.rules"},
	{"T1547.013", "xdg_autostart", F_CREATE, "/etc/xdg/autostart/zj-enforce.desktop"},
	{"T1546.018", "python_startup", F_CREATE, PYSITE "/zj-enforce.pth"},
	{"T1546.018", "python_startup", F_RENAME, PYSITE "/sitecustomize.py"},
};

/* Files an OPEN_WRITE case opens: they exist, holding exist_text, before zhijiad starts. */
static const char *const exist_files[] = {CROND "/zj-enforce-exist", "/root/.bashrc",
					  "/etc/shadow"};

static const char exist_text[] = "# zj-enforce: the original\n";

static int do_fop(enum fop op, const char *path)
{
	int fd;

	switch (op) {
	case F_CREATE:
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		break;
	case F_OPEN_WRITE:
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd >= 0 && write(fd, "x\n", 2) != 2) {
			close(fd);
			return EIO;
		}
		break;
	case F_RENAME:
		return rename(SRCDIR "/ren", path) < 0 ? errno : 0;
	case F_LINK:
		return link(SRCDIR "/link", path) < 0 ? errno : 0;
	case F_SYMLINK:
		return symlink("/nonexistent/zj-enforce", path) < 0 ? errno : 0;
	default:
		return EINVAL;
	}
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void put_file(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		bail(1, "%s: %s", path, strerror(errno));
	close(fd);
}

/* Put the file system back as it was before the operation went through. */
static void undo_fop(const struct file_case *c)
{
	switch (c->op) {
	case F_OPEN_WRITE:
		put_file(c->path, exist_text);
		break;
	case F_RENAME:
		(void)rename(c->path, SRCDIR "/ren");
		break;
	default:
		(void)unlink(c->path);
		break;
	}
}

/* "Nothing changed": the name absent (or the file as it was), the source still there. */
static bool file_unchanged(const struct file_case *c, char *why, size_t len)
{
	struct stat st;
	char *text;
	bool ok;

	if (c->op == F_OPEN_WRITE) {
		text = slurp(c->path);
		ok = text && strcmp(text, exist_text) == 0;
		snprintf(why, len, "%s still holds its text", c->path);
		free(text);
		return ok;
	}
	ok = lstat(c->path, &st) < 0 && errno == ENOENT;
	snprintf(why, len, "%s does not exist", c->path);
	if (c->op == F_RENAME) {
		ok = ok && stat(SRCDIR "/ren", &st) == 0;
		snprintf(why, len, "%s does not exist and " SRCDIR "/ren is still there", c->path);
	}
	return ok;
}

static void file_blocked(const struct file_case *c)
{
	size_t mark = phase_begin();
	char what[160], why[PATH_MAX + 64];
	struct want w = {"deny", "deny.class", c->klass, "deny.path", c->path, -1};
	json_object *ev;
	int e;

	snprintf(what, sizeof(what), "%s %s %s blocked", c->tech, fop_names[c->op], c->path);
	e = do_fop(c->op, c->path);
	check(e == EPERM, "%s: fails with EPERM (got %s)", what, err_name(e));
	check(file_unchanged(c, why, sizeof(why)), "%s: nothing changed: %s", what, why);
	if (e == 0)
		undo_fop(c);
	ev = wait_event(mark, &w, getpid());
	check(ev && has_flag(ev, "blocked") && jstr(ev, "deny.op") &&
		      strcmp(jstr(ev, "deny.op"), fop_names[c->op]) == 0,
	      "%s: a deny event, op %s, flagged blocked", what, fop_names[c->op]);
	if (ev && c->op == F_RENAME)
		printf("# %s\n", json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
	check_finding(ev, what, c->tech, "block", 1, NULL);
	if (c->op == F_RENAME || c->op == F_LINK || c->op == F_SYMLINK) {
		struct want x = {"file", "file.op", fop_names[c->op], "file.path", c->path, -1};

		ev = wait_event(mark, &x, getpid());
		check(ev && has_flag(ev, "blocked"), "%s: the file event says blocked too", what);
		check_finding(ev, what, c->tech, "block", 1, NULL);
	}
}

static void file_allowed(const struct file_case *c, bool exception)
{
	size_t mark = phase_begin();
	char what[160];
	/* the kernel reports an open(O_CREAT) that created the file as "create" */
	struct want w = {"file", "file.op", fop_names[c->op], "file.path", c->path, -1};
	json_object *ev;
	int e;

	snprintf(what, sizeof(what), "%s %s %s %s", c->tech, fop_names[c->op], c->path,
		 exception ? "with an exception for this program" : "under alert");
	e = do_fop(c->op, c->path);
	check(e == 0, "%s: goes through (got %s)", what, err_name(e));
	ev = wait_event(mark, &w, getpid());
	check(ev && !has_flag(ev, "blocked"), "%s: a file event, not blocked", what);
	if (exception)
		check_finding(ev, what, c->tech, "record", -1, "exception #1");
	else
		check_finding(ev, what, c->tech, "alert", -1, NULL);
	if (e == 0)
		undo_fop(c);
}

/* Another program than the one the exception names: still denied. */
static void file_other_exe_blocked(const struct file_case *c)
{
	const char *argv[] = {"/bin/sh", "-c", "echo x > \"$0\"", c->path, NULL};
	char out[512], why[PATH_MAX + 64];
	int r = run(argv, out, sizeof(out));

	check(r != 0 && strstr(out, "not permitted"),
	      "%s create %s by /bin/sh, not the exception's program: still denied (exit %d: %s)",
	      c->tech, c->path, r, strtok(out, "\n") ? out : "");
	if (c->op == F_CREATE)
		check(file_unchanged(c, why, sizeof(why)), "%s: nothing changed: %s", c->tech, why);
	if (r == 0)
		(void)unlink(c->path);
}

/*
 * T1546.018 under block: only what the interpreter runs at start-up (*.pth, sitecustomize.py,
 * usercustomize.py) is denied; an ordinary module in the same directory is written.
 */
static void python_module_not_blocked(void)
{
	const char *path = PYSITE "/zj_enforce_module.py";
	int e;

	policy_set("T1546.018", "block");
	e = do_fop(F_CREATE, path);
	check(e == 0, "T1546.018 block: create %s (no start-up hook) goes through (got %s)", path,
	      err_name(e));
	(void)unlink(path);
	policy_set("T1546.018", "default");
}

/* ---- exceptions --------------------------------------------------------------------------- */

static bool allow_add(const char *tech)
{
	char out[1024];
	int r = ctl(out, sizeof(out), "allow", "add", tech, "--exe", T.self, NULL);

	check(r == 0, "zhijiactl allow add %s --exe %s (exit %d: %s)", tech, T.self, r,
	      strtok(out, "\n") ? out : "");
	return r == 0;
}

static void allow_del(void)
{
	char out[1024];
	int r = ctl(out, sizeof(out), "allow", "del", "1", NULL);

	check(r == 0, "zhijiactl allow del 1 (exit %d: %s)", r, strtok(out, "\n") ? out : "");
}

/* ---- PID 1 ------------------------------------------------------------------------------------
 */

/*
 * The guest's init (tests/vm/guest/init) sources PID1_HOOK on SIGUSR1: the commands run in
 * PID 1 itself (busybox sh builtins: the redirection's open is PID 1's).
 */
static void pid1_not_blocked(void)
{
	const char *path = CROND "/zj-enforce-pid1";
	char hook[512], *rc = NULL;
	size_t mark = phase_begin();
	long t0 = now_ms();
	struct stat st;

	if (access("/run/zj-vm/pid1-hook.supported", F_OK) < 0) {
		printf("# PID 1 check skipped: this init has no SIGUSR1 hook\n");
		return;
	}
	(void)unlink("/run/zj-vm/pid1-rc");
	snprintf(hook, sizeof(hook),
		 "echo '# zj-enforce: PID 1' > %s 2>/run/zj-vm/pid1-err; echo $? > "
		 "/run/zj-vm/pid1-rc.tmp; mv /run/zj-vm/pid1-rc.tmp /run/zj-vm/pid1-rc\n",
		 path);
	put_file(PID1_HOOK, hook);
	kill(1, SIGUSR1);
	while (!(rc = slurp("/run/zj-vm/pid1-rc")) && now_ms() - t0 < 20000)
		msleep(50);
	(void)unlink(PID1_HOOK);
	check(rc && atoi(rc) == 0 && stat(path, &st) == 0,
	      "T1053.003 block: PID 1 creates %s all the same (its status %s)", path,
	      rc ? rc : "never came");
	free(rc);
	(void)unlink(path);
	log_poll();
	{
		struct want d = {"deny", NULL, NULL, NULL, NULL, -1};

		msleep(500);
		log_poll();
		for (size_t i = mark; i < T.n; i++)
			if (matches(T.lines[i], &d, 1)) {
				check(false, "no deny event for PID 1");
				return;
			}
		check(true, "no deny event for PID 1");
	}
}

/* ---- main ---------------------------------------------------------------------------------------
 */

static void mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(buf, 0755);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		bail(1, "mkdir %s: %s", path, strerror(errno));
}

/* Copy the executable from to `to` (0755) with `tail` appended after its last byte. */
static void copy_exe(const char *from, const char *to, const char *tail)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		bail(1, "%s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0)
		bail(1, "%s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			bail(1, "write %s: %s", to, strerror(errno));
	if (n < 0 || write(out, tail, strlen(tail)) != (ssize_t)strlen(tail) || close(out) < 0)
		bail(1, "%s: %s", to, strerror(errno));
	close(in);
}

static void setup(void)
{
	const char *b = getenv("ZJ_BUILD");
	char lsm[256] = "";
	FILE *f;

	if (geteuid() != 0)
		bail(77, "needs root");
	if (!b || !*b)
		bail(1, "ZJ_BUILD is not set");
	f = fopen("/sys/kernel/security/lsm", "re");
	if (!f || !fgets(lsm, sizeof(lsm), f) || !strstr(lsm, "bpf"))
		bail(77, "BPF LSM is not active here (lsm: %s)", lsm[0] ? lsm : "unreadable");
	fclose(f);
	snprintf(T.build, sizeof(T.build), "%s", b);
	snprintf(T.daemon, sizeof(T.daemon), "%s/zhijiad", T.build);
	snprintf(T.ctl, sizeof(T.ctl), "%s/zhijiactl", T.build);
	if (!realpath("/proc/self/exe", T.self))
		bail(1, "realpath /proc/self/exe: %s", strerror(errno));
	mkdirs(WORKDIR);
	snprintf(T.log, sizeof(T.log), WORKDIR "/events.jsonl");
	snprintf(T.err, sizeof(T.err), WORKDIR "/zhijiad.err");
	snprintf(T.sock, sizeof(T.sock), WORKDIR "/zhijiad.sock");
	snprintf(T.policy, sizeof(T.policy), WORKDIR "/policy.json");
	(void)unlink(T.log);
	(void)unlink(T.policy);
	/* a YARA rule on a marker made here (no file on the guest can carry it by chance), and a
	 * copy of this program with the marker appended: a black binary that still runs */
	snprintf(T.rules, sizeof(T.rules), WORKDIR "/rules.d");
	snprintf(T.black, sizeof(T.black), WORKDIR "/black");
	snprintf(T.marker, sizeof(T.marker), "zj-enforce-black-%d-%ld", (int)getpid(),
		 (long)now_ms());
	mkdirs(T.rules);
	{
		char rule[256];

		snprintf(rule, sizeof(rule),
			 "rule zj_enforce_black { strings: $m = \"%s\" condition: $m }\n",
			 T.marker);
		put_file(WORKDIR "/rules.d/black.yar", rule);
		copy_exe(T.self, T.black, T.marker);
	}
	/* the watched directories exist before zhijiad resolves its watch list */
	mkdirs(CROND);
	mkdirs(ATJOBS);
	mkdirs(WANTS);
	mkdirs(SRCDIR);
	{
		static const char *const dirs[] = {
			"/root/.ssh",	   "/etc/profile.d",	 "/etc/init.d",
			"/etc/modprobe.d", "/etc/modules-load.d", "/etc/sudoers.d",
			"/etc/pam.d",	   PAM_MODDIR,		 "/etc/udev/rules.d",
			"/run/udev/rules.d", "/etc/xdg/autostart", PYSITE};
		struct stat st;

		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
			mkdirs(dirs[i]);
		/* root's home comes from the password database: the guest's root has none */
		if (stat("/etc/passwd", &st) < 0)
			put_file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
	}
	for (size_t i = 0; i < sizeof(exist_files) / sizeof(exist_files[0]); i++)
		put_file(exist_files[i], exist_text);
	put_file(SRCDIR "/ren", "# zj-enforce: renamed into place\n");
	put_file(SRCDIR "/link", "# zj-enforce: linked into place\n");
	for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++)
		if (file_cases[i].op != F_OPEN_WRITE)
			(void)unlink(file_cases[i].path);
}

static void cleanup(void)
{
	for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++)
		(void)unlink(file_cases[i].path);
	for (size_t i = 0; i < sizeof(exist_files) / sizeof(exist_files[0]); i++)
		(void)unlink(exist_files[i]);
	(void)unlink(SRCDIR "/ren");
	(void)unlink(SRCDIR "/link");
	(void)rmdir(SRCDIR);
	if (T.victim > 0) {
		kill(T.victim, SIGKILL);
		T.victim = 0;
	}
}

static void status_all(void)
{
	static char out[65536];
	json_object *o, *mode;
	int r = ctl(out, sizeof(out), "--json", "status", NULL);
	bool proved = true;

	o = json_tokener_parse(out);
	mode = jget(o, "enforcement.mode");
	check(r == 0 && mode && strcmp(json_object_get_string(mode), "lsm") == 0,
	      "zhijiactl status: enforcement mode lsm");
	for (size_t k = 0; k < 21; k++) {
		static const char *const techs[] = {
			"T1055.008", "T1055.009", "T1055.014", "T1053.002", "T1053.003",
			"T1053.006", "T1543.002", "T1574.006", "T1098.004", "T1546.004",
			"T1037.004", "T1547.006", "T1136.001", "T1098.007", "T1548.003",
			"T1556.003", "T1546.017", "T1547.013", "T1546.018",
			"T1548.001", "T1620"};
		json_object *t = NULL, *p;

		/* the ids hold dots: no jget() */
		json_object_object_get_ex(jget(o, "enforcement"), techs[k], &t);
		p = jget(t, "proved");

		if (!p || !json_object_get_boolean(p) || !jstr(t, "requested") ||
		    !jstr(t, "effective"))
			proved = false;
	}
	check(proved, "zhijiactl status: every sub-technique has requested, effective, proved");
	if (!proved)
		printf("# %s\n", out);
	json_object_put(o);
}

/* ---- self-protection --------------------------------------------------------------------- */

/* Objects of one BPF kind whose fd by id is refused with EPERM (and how many there are). */
static int bpf_refused(int next_cmd, int get_cmd, int *ret_total)
{
	union bpf_attr a;
	uint32_t id = 0;
	int refused = 0;

	*ret_total = 0;
	for (;;) {
		memset(&a, 0, sizeof(a));
		a.start_id = id;
		if (syscall(__NR_bpf, next_cmd, &a, sizeof(a)) < 0)
			break;
		id = a.next_id;
		memset(&a, 0, sizeof(a));
		if (get_cmd == BPF_MAP_GET_FD_BY_ID)
			a.map_id = id;
		else if (get_cmd == BPF_PROG_GET_FD_BY_ID)
			a.prog_id = id;
		else
			a.link_id = id;
		long fd = syscall(__NR_bpf, get_cmd, &a, sizeof(a));
		(*ret_total)++;
		if (fd >= 0)
			close((int)fd);
		else if (errno == EPERM)
			refused++;
	}
	return refused;
}

enum { SP_KILL, SP_TERM, SP_STOP, SP_ZERO, SP_SEIZE, SP_MEM, SP_VM_READ, SP_NR };

/* One attempt on zhijiad, in a process that is not its manager: 0 or the errno. */
static int sp_try(int op)
{
	char path[64], b[8];
	struct iovec l = {b, sizeof(b)}, rm = {(void *)0x400000, sizeof(b)};

	switch (op) {
	case SP_KILL:
		return kill(T.zhijiad, SIGKILL) < 0 ? errno : 0;
	case SP_TERM:
		return kill(T.zhijiad, SIGTERM) < 0 ? errno : 0;
	case SP_STOP:
		return kill(T.zhijiad, SIGSTOP) < 0 ? errno : 0;
	case SP_ZERO:
		return kill(T.zhijiad, 0) < 0 ? errno : 0;
	case SP_SEIZE:
		return ptrace(PTRACE_SEIZE, T.zhijiad, 0, 0) < 0 ? errno : 0;
	case SP_MEM: {
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)T.zhijiad);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	}
	case SP_VM_READ:
		return process_vm_readv(T.zhijiad, &l, 1, &rm, 1, 0) < 0 && errno == EPERM ? EPERM
										     : 0;
	}
	return EINVAL;
}

/* Run sp_try(op) in a child (a root process that did not start zhijiad). */
static int sp_as_other(int op, pid_t *ret_pid)
{
	int p[2], e = -1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		bail(1, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		bail(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		e = sp_try(op);
		_exit(write(p[1], &e, sizeof(e)) == (ssize_t)sizeof(e) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
	*ret_pid = pid;
	return e;
}

static bool zhijiad_alive(void)
{
	char path[64], buf[256], *q;
	int fd;
	ssize_t n;

	if (waitpid(T.zhijiad, NULL, WNOHANG) != 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)T.zhijiad);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	q = strrchr(buf, ')');
	return q && q[1] == ' ' && (q[2] == 'S' || q[2] == 'R'); /* not stopped, not dead */
}

/*
 * No process but PID 1, zhijiad's manager (this program started it) and zhijiactl may stop,
 * trace or read zhijiad, or reach its BPF objects: a root process of its own tries.
 */
static void self_protection(void)
{
	static const struct {
		int op;
		int want; /* errno */
		const char *what, *dop;
	} cases[] = {
		{SP_KILL, EPERM, "kill -9 of zhijiad", "self_signal"},
		{SP_TERM, EPERM, "kill -TERM of zhijiad", "self_signal"},
		{SP_STOP, EPERM, "kill -STOP of zhijiad", "self_signal"},
		{SP_ZERO, 0, "kill -0 of zhijiad (is it there?)", NULL},
		{SP_SEIZE, EPERM, "ptrace(PTRACE_SEIZE) of zhijiad", "self_trace"},
		/* mm_access() turns the refused attach-mode check into EACCES */
		{SP_MEM, EACCES, "opening /proc/<zhijiad>/mem, even read-only", "self_trace"},
		{SP_VM_READ, EPERM, "process_vm_readv of zhijiad", "self_trace"},
	};
	static char out[65536];
	json_object *o, *v;
	char pidbuf[16];

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)T.zhijiad);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t mark = phase_begin();
		pid_t who = 0;
		int e = sp_as_other(cases[i].op, &who);

		check(e == cases[i].want, "self-protection: %s by another root process: %s (want %s)",
		      cases[i].what, err_name(e), err_name(cases[i].want));
		check(zhijiad_alive(), "self-protection: zhijiad runs on after %s", cases[i].what);
		if (!cases[i].dop)
			continue;
		struct want w = {"deny", "deny.class", "self", "deny.op", cases[i].dop, T.zhijiad};
		json_object *ev = wait_event(mark, &w, who);
		check(ev && has_flag(ev, "blocked"), "self-protection: %s: a deny event, class self",
		      cases[i].what);
		check_finding(ev, cases[i].what, "T1562.001", "block", 1, NULL);
		if (ev && cases[i].op == SP_KILL)
			check(jint(ev, "deny.signal") == SIGKILL, "self-protection: the event names "
								   "signal 9");
	}

	/* its BPF objects: every one of them refused to another process, by id */
	int r = ctl(out, sizeof(out), "--json", "status", NULL);
	o = json_tokener_parse(out);
	v = jget(o, "enforcement.self_protection");
	check(r == 0 && v && strncmp(json_object_get_string(v), "on", 2) == 0,
	      "zhijiactl status: self_protection on");
	{
		static const struct {
			int next, get;
			const char *key, *what;
		} kinds[] = {
			{BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID, "self_protection_objects.bpf_maps",
			 "maps"},
			{BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID,
			 "self_protection_objects.bpf_programs", "programs"},
			{BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID,
			 "self_protection_objects.bpf_links", "links"},
		};

		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			int p[2], res[2] = {-1, -1};
			int64_t mine = jint(o, kinds[k].key);
			pid_t pid;

			if (pipe2(p, O_CLOEXEC) < 0)
				bail(1, "pipe: %s", strerror(errno));
			pid = fork();
			if (pid == 0) {
				res[0] = bpf_refused(kinds[k].next, kinds[k].get, &res[1]);
				_exit(write(p[1], res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
			}
			close(p[1]);
			if (read(p[0], res, sizeof(res)) != (ssize_t)sizeof(res))
				res[0] = -1;
			close(p[0]);
			waitpid(pid, NULL, 0);
			check(mine > 0 && res[0] == mine,
			      "self-protection: an fd by id is refused for each of zhijiad's %" PRId64
			      " BPF %s (refused %d of %d in the kernel)",
			      mine, kinds[k].what, res[0], res[1]);
		}
	}
	json_object_put(o);
	check(zhijiad_alive(), "self-protection: zhijiad still runs");
}

/* exec path with "noop" in a child: 0 when it ran and exited 0, else the errno of execve
 * (-1: it ran and failed or was killed).  *ret_pid: the child. */
static int exec_noop(const char *path, pid_t *ret_pid)
{
	int p[2], e = -1, status = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		bail(1, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		bail(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		execl(path, path, "noop", (char *)NULL);
		e = errno;
		_exit(write(p[1], &e, sizeof(e)) == (ssize_t)sizeof(e) ? 126 : 127);
	}
	close(p[1]);
	if (read(p[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = -1;
	close(p[0]);
	waitpid(pid, &status, 0);
	*ret_pid = pid;
	if (e > 0)
		return e;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static json_object *wait_verdict(size_t from, const char *path)
{
	long t0 = now_ms();

	for (;;) {
		log_poll();
		for (size_t i = from; i < T.n; i++) {
			const char *t = jstr(T.lines[i], "type"), *p = jstr(T.lines[i], "verdict.path");
			const char *st = jstr(T.lines[i], "verdict.state");

			if (t && p && st && strcmp(t, "verdict") == 0 && strcmp(p, path) == 0 &&
			    strcmp(st, "match") == 0)
				return T.lines[i];
		}
		if (now_ms() - t0 > EVENT_TIMEOUT_MS)
			return NULL;
		msleep(50);
	}
}

/*
 * A binary a YARA rule matches: its first exec is scanned and the process killed (user space);
 * from then on the kernel denies every exec of that file (bprm_check_security).  Another
 * copy of the same program, without the marker, runs.
 */
static void exec_deny(void)
{
	static char out[65536];
	size_t mark = phase_begin();
	pid_t who = 0;
	json_object *v, *o;
	int e;

	(void)exec_noop(T.black, &who); /* killed or not: the race with the scan is its own */
	v = wait_verdict(mark, T.black);
	check(v != NULL, "exec deny: the first exec of %s gets a verdict, match", T.black);
	for (int i = 0; i < 100; i++) {
		int r = ctl(out, sizeof(out), "--json", "status", NULL);

		o = json_tokener_parse(out);
		e = r == 0 && jint(o, "exec_deny_entries") >= 1;
		json_object_put(o);
		if (e)
			break;
		msleep(100);
	}
	check(e, "exec deny: zhijiad put the black binary on the kernel's exec deny map");
	mark = phase_begin();
	e = exec_noop(T.black, &who);
	check(e == EPERM, "exec deny: the next exec of %s fails with EPERM (got %s)", T.black,
	      e > 0 ? err_name(e) : e == 0 ? "it ran" : "it ran and failed");
	struct want w = {"deny", "deny.class", "verdict", "deny.op", "exec", -1};
	json_object *ev = wait_event(mark, &w, who);
	check(ev && has_flag(ev, "blocked") && jstr(ev, "deny.path") &&
		      strcmp(jstr(ev, "deny.path"), T.black) == 0,
	      "exec deny: a deny event, class verdict, op exec, naming %s", T.black);
	e = exec_noop(T.self, &who);
	check(e == 0, "exec deny: the same program without the marker still runs (got %s)",
	      e > 0 ? err_name(e) : e == 0 ? "ran" : "failed");
}

/* ---- a blocked operation stays blocked through an event storm ------------------------------- */

/*
 * The storm: writers into their own child's /proc/<pid>/mem (a record each write) and a
 * fork/exec worker, until told to stop (the pipe closes).  Each writer reports its writes.
 */
static volatile uint64_t storm_word;

static void storm_writer(int stop_fd, int report_fd)
{
	char path[64];
	uint64_t v = 1, n = 0;
	pid_t c = fork();
	int fd;

	if (c == 0) {
		for (;;)
			pause();
	}
	if (c < 0)
		_exit(2);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)c);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(3);
	fcntl(stop_fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		char b;

		for (int i = 0; i < 256; i++, n++)
			if (pwrite(fd, &v, sizeof(v), (off_t)(uintptr_t)&storm_word) != sizeof(v))
				_exit(4);
		if (read(stop_fd, &b, 1) == 0)
			break;
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	(void)!write(report_fd, &n, sizeof(n));
	_exit(0);
}

static void storm_forker(int stop_fd, int report_fd)
{
	uint64_t n = 0;
	char b;

	fcntl(stop_fd, F_SETFL, O_NONBLOCK);
	while (read(stop_fd, &b, 1) != 0) {
		pid_t p = fork();

		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
		n++;
	}
	(void)!write(report_fd, &n, sizeof(n));
	_exit(0);
}

/* The attacker: PTRACE_ATTACH to the victim in a loop until stopped; counts into report_fd. */
static void storm_attacker(int stop_fd, int report_fd)
{
	uint64_t cnt[3] = {0, 0, 0}; /* attempts, EPERM, went through */
	char b;

	fcntl(stop_fd, F_SETFL, O_NONBLOCK);
	while (read(stop_fd, &b, 1) != 0) {
		int e = op_ptrace_attach();

		cnt[0]++;
		cnt[1] += e == EPERM;
		cnt[2] += e == 0;
	}
	(void)!write(report_fd, cnt, sizeof(cnt));
	_exit(0);
}

#define STORM_PROCS 4 /* the attacker, two writers, the forker */

struct storm {
	pid_t pids[STORM_PROCS];
	int stop[2];
	int rep[STORM_PROCS][2];
};

static void storm_start(struct storm *st)
{
	void (*const fn[STORM_PROCS])(int, int) = {storm_attacker, storm_writer, storm_writer,
						   storm_forker};

	if (pipe2(st->stop, O_CLOEXEC) < 0)
		bail(1, "pipe: %s", strerror(errno));
	for (int i = 0; i < STORM_PROCS; i++) {
		if (pipe2(st->rep[i], O_CLOEXEC) < 0)
			bail(1, "pipe: %s", strerror(errno));
		st->pids[i] = fork();
		if (st->pids[i] < 0)
			bail(1, "fork: %s", strerror(errno));
		if (st->pids[i] == 0) {
			close(st->stop[1]);
			fn[i](st->stop[0], st->rep[i][1]);
		}
		close(st->rep[i][1]);
	}
	close(st->stop[0]);
}

/* Stop it: the attacker's attempts, denials and successes; the writes; the fork+execs. */
static void storm_stop(struct storm *st, uint64_t att[3], uint64_t *ret_writes,
		       uint64_t *ret_execs)
{
	uint64_t v[3];

	close(st->stop[1]);
	*ret_writes = *ret_execs = 0;
	memset(att, 0, 3 * sizeof(uint64_t));
	for (int i = 0; i < STORM_PROCS; i++) {
		int status = -1;

		memset(v, 0, sizeof(v));
		if (read(st->rep[i][0], v, i == 0 ? sizeof(v) : sizeof(v[0])) < 0)
			v[0] = 0;
		close(st->rep[i][0]);
		waitpid(st->pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			check(false, "storm: worker %d ended with wait status 0x%x", i, status);
		if (i == 0)
			memcpy(att, v, sizeof(v));
		else if (i < 3)
			*ret_writes += v[0];
		else
			*ret_execs += v[0];
	}
}

static int64_t status_lost(void)
{
	static char out[65536];
	json_object *o;
	int64_t lost;

	if (ctl(out, sizeof(out), "--json", "status", NULL) != 0)
		return -1;
	o = json_tokener_parse(out);
	lost = jint(o, "kernel_counters.lost");
	json_object_put(o);
	return lost;
}

/*
 * T1055.008 at block, zhijiad restarted with a 1 MiB ring buffer; an attacker attaches to the
 * victim in a loop while the storm runs, first with zhijiad consuming, then -- unless records
 * were already lost -- with zhijiad stopped (SIGSTOP: it started from here, so self-protection
 * lets its starter), which overflows the ring buffer for certain.  Every attempt must fail
 * with EPERM: the LSM program decides from its policy map, never from the ring buffer.
 */
static void storm_block(void)
{
	struct storm st;
	uint64_t att[3], writes, execs, tot[3] = {0, 0, 0};
	int64_t lost0, lost1, lost2;
	bool stopped = false;

	daemon_stop();
	/* daemon_start() waits for "ready" in this file: not the stopped zhijiad's */
	if (unlink(T.err) < 0 && errno != ENOENT)
		bail(1, "unlink %s: %s", T.err, strerror(errno));
	T.ringbuf = "1";
	daemon_start();
	policy_set("T1055.008", "block");
	status_effective("T1055.008", "block");
	lost0 = status_lost();

	storm_start(&st);
	msleep(8000);
	storm_stop(&st, att, &writes, &execs);
	lost1 = status_lost();
	printf("# storm 1 (zhijiad running, 1 MiB ring buffer, 8 s): %" PRIu64 " mem writes, %"
	       PRIu64 " fork+exec; %" PRId64 " records lost; ptrace attach: %" PRIu64
	       " attempts, %" PRIu64 " EPERM, %" PRIu64 " went through\n",
	       writes, execs, lost1 - lost0, att[0], att[1], att[2]);
	for (int k = 0; k < 3; k++)
		tot[k] += att[k];

	if (lost1 == lost0) {
		if (kill(T.zhijiad, SIGSTOP) < 0)
			bail(1, "SIGSTOP zhijiad: %s", strerror(errno));
		stopped = true;
		storm_start(&st);
		msleep(8000);
		storm_stop(&st, att, &writes, &execs);
		kill(T.zhijiad, SIGCONT);
		printf("# storm 2 (zhijiad stopped, 8 s): %" PRIu64 " mem writes, %" PRIu64
		       " fork+exec; ptrace attach: %" PRIu64 " attempts, %" PRIu64 " EPERM, %" PRIu64
		       " went through\n",
		       writes, execs, att[0], att[1], att[2]);
		for (int k = 0; k < 3; k++)
			tot[k] += att[k];
	}
	lost2 = status_lost();
	check(lost2 > lost0, "storm: records were lost (%" PRId64 " by the kernel's counter%s)",
	      lost2 - lost0, stopped ? ", the second storm with zhijiad stopped" : "");
	check(tot[0] > 0 && tot[1] == tot[0] && tot[2] == 0,
	      "storm: every ptrace attach was denied throughout: %" PRIu64 " attempts, %" PRIu64
	      " EPERM, %" PRIu64 " went through",
	      tot[0], tot[1], tot[2]);
	check(victim_tracer() == 0 && victim_ask('r') == WORD0,
	      "storm: the victim was never traced and its word is unchanged");
	policy_set("T1055.008", "default");
}

/* ---- kernel hooks: T1547.006, T1548.001, T1620 --------------------------------------------- */

/* Run fn in a child; the child's exit status is its errno (0: the call went through). */
static int in_child(int (*fn)(const char *), const char *arg, pid_t *ret_pid)
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		bail(1, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fn(arg));
	waitpid(pid, &status, 0);
	*ret_pid = pid;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int k_finit(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 120;
	return syscall(SYS_finit_module, fd, "", 0) == 0 ? 0 : errno;
}

static int k_init(const char *unused)
{
	static const char junk[64];

	(void)unused;
	return syscall(SYS_init_module, junk, sizeof(junk), "") == 0 ? 0 : errno;
}

static int k_chmod(const char *path)
{
	return chmod(path, 04755) == 0 ? 0 : errno;
}

static int k_fchmod(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 120;
	return fchmod(fd, 02755) == 0 ? 0 : errno;
}

/* A memfd holding this program, run with "noop" (exit 0 when it runs). */
static int k_memfd(const char *self)
{
	char buf[65536];
	char *const argv[] = {(char *)"zj-enforce", (char *)"noop", NULL};
	char *const envp[] = {NULL};
	int in = open(self, O_RDONLY | O_CLOEXEC), fd = memfd_create("zj-enforce", MFD_CLOEXEC);
	ssize_t n;

	if (in < 0 || fd < 0)
		return 120;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return 121;
	fexecve(fd, argv, envp);
	return errno;
}

struct khook_case {
	const char *tech;
	const char *what;
	int (*run)(const char *);
	const char *klass;   /* deny.class */
	const char *hook;    /* deny.hook */
	const char *ev_type; /* the event of the call itself */
	int allowed_err;     /* errno when the policy lets it by (a non-module: ENOEXEC) */
};

static const char kmod_file[] = WORKDIR "/notamodule.ko";
static const char suid_file[] = WORKDIR "/suid";

static const struct khook_case khook_cases[] = {
	{"T1547.006", "finit_module of a non-module", k_finit, "kmod", "kernel_read_file", "kmod",
	 ENOEXEC},
	{"T1547.006", "init_module of junk", k_init, "kmod", "kernel_load_data", "kmod", ENOEXEC},
	{"T1548.001", "chmod 04755", k_chmod, "setid", "path_chmod", "setid", 0},
	{"T1548.001", "fchmod 02755", k_fchmod, "setid", "path_chmod", "setid", 0},
	{"T1620", "exec of a memfd", k_memfd, "reflect", "bprm_check_security", "exec", 0},
};

static const char *khook_arg(const struct khook_case *c)
{
	if (c->run == k_finit)
		return kmod_file;
	if (c->run == k_memfd)
		return T.self;
	return suid_file;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

static void khook_one(const struct khook_case *c, bool block)
{
	size_t mark = phase_begin();
	char what[160];
	pid_t pid = 0;
	json_object *ev;
	int e;

	put_file(suid_file, "#!/bin/sh\n");
	check(chmod(suid_file, 0755) == 0, "chmod 0755 %s", suid_file);
	snprintf(what, sizeof(what), "%s %s %s", c->tech, c->what, block ? "blocked" : "under alert");
	e = in_child(c->run, khook_arg(c), &pid);
	if (block) {
		struct want w = {"deny", "deny.class", c->klass, "deny.hook", c->hook, -1};

		check(e == EPERM, "%s: the call fails with EPERM (got %s)", what, err_name(e));
		if (c->run == k_chmod || c->run == k_fchmod)
			check(mode_of(suid_file) == 0755, "%s: the mode is still 0755 (%04o)", what,
			      (unsigned)mode_of(suid_file));
		ev = wait_event(mark, &w, pid);
		check(ev && has_flag(ev, "blocked"), "%s: a deny event, flagged blocked", what);
		if (ev)
			printf("# %s\n", json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
		check_finding(ev, what, c->tech, "block", 1, NULL);
		if (c->run == k_finit || c->run == k_init) {
			struct want x = {"kmod", NULL, NULL, NULL, NULL, -1};

			ev = wait_event(mark, &x, pid);
			check(ev && has_flag(ev, "blocked") && jint(ev, "kmod.result") == -EPERM,
			      "%s: the kmod event says blocked, result -EPERM", what);
		}
	} else {
		struct want w = {c->ev_type, NULL, NULL, NULL, NULL, -1};

		check(e == c->allowed_err, "%s: the call goes through to the kernel (got %s, want %s)",
		      what, err_name(e), err_name(c->allowed_err));
		if (c->run == k_chmod)
			check(mode_of(suid_file) == 04755, "%s: the mode is 4755 (%04o)", what,
			      (unsigned)mode_of(suid_file));
		ev = wait_event(mark, &w, pid);
		check(ev && !has_flag(ev, "blocked"), "%s: a %s event, not blocked", what,
		      c->ev_type);
		if (ev)
			printf("# %s\n", json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
		check_finding(ev, what, c->tech, "alert", -1, NULL);
	}
}

/* Benign counterparts under block: what is not the sub-technique is never denied. */
static void khook_benign(void)
{
	pid_t pid;
	int e;

	put_file(suid_file, "#!/bin/sh\n");
	e = chmod(suid_file, 0700) == 0 ? 0 : errno;
	check(e == 0, "T1548.001 blocked: chmod 0700 (no set-id bit) goes through (%s)",
	      err_name(e));
	mkdirs(WORKDIR "/shared");
	e = chmod(WORKDIR "/shared", 02775) == 0 ? 0 : errno;
	check(e == 0, "T1548.001 blocked: setgid on a directory goes through (%s)", err_name(e));
	e = exec_noop(T.self, &pid);
	check(e == 0, "T1620 blocked: an ordinary exec goes through (%s)", err_name(e > 0 ? e : 0));
}

static void kernel_hooks(void)
{
	const char *last = NULL;

	put_file(kmod_file, "not an ELF image\n");
	for (size_t i = 0; i < sizeof(khook_cases) / sizeof(khook_cases[0]); i++) {
		const struct khook_case *c = &khook_cases[i];

		if (!last || strcmp(last, c->tech) != 0) {
			if (last)
				policy_set(last, "default");
			policy_set(c->tech, "block");
			status_effective(c->tech, "block");
		}
		last = c->tech;
		khook_one(c, true);
		if (strcmp(c->tech, "T1620") == 0) {
			khook_benign();
		}
		policy_set(c->tech, "alert");
		khook_one(c, false);
		policy_set(c->tech, "block");
		khook_one(c, true);
	}
	if (last)
		policy_set(last, "default");
	unlink(kmod_file);
	unlink(suid_file);
	rmdir(WORKDIR "/shared");
}

int main(int argc, char **argv)
{
	const char *last = NULL;

	if (argc == 2 && strcmp(argv[1], "noop") == 0)
		return 0; /* exec_deny()'s copies */

	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	victim_start();
	check(victim_ask('r') == WORD0 && victim_tracer() == 0, "the victim (pid %d) runs",
	      (int)T.victim);
	daemon_start();
	status_all();
	self_protection();
	exec_deny();

	/* processes: T1055.008, T1055.009, T1055.014 */
	for (size_t i = 0; i < sizeof(proc_cases) / sizeof(proc_cases[0]); i++) {
		const struct proc_case *c = &proc_cases[i];
		bool first = !last || strcmp(last, c->tech) != 0;

		last = c->tech;
		if (first) {
			policy_set(c->tech, "block");
			status_effective(c->tech, "block");
		}
		proc_blocked(c);
		if (allow_add(c->tech)) {
			proc_allowed(c, true);
			allow_del();
		}
		policy_set(c->tech, "alert");
		status_effective(c->tech, "alert");
		proc_allowed(c, false);
		/* live again: block */
		policy_set(c->tech, "block");
		proc_blocked(c);
		if (i + 1 == sizeof(proc_cases) / sizeof(proc_cases[0]) ||
		    strcmp(proc_cases[i + 1].tech, c->tech) != 0)
			policy_set(c->tech, "default");
	}

	/* files: T1053.002, T1053.003, T1053.006, T1543.002, T1574.006 */
	last = NULL;
	for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
		const struct file_case *c = &file_cases[i];
		bool first = !last || strcmp(last, c->tech) != 0;

		last = c->tech;
		if (first) {
			policy_set(c->tech, "block");
			status_effective(c->tech, "block");
		}
		file_blocked(c);
		if (first) {
			if (allow_add(c->tech)) {
				file_allowed(c, true);
				file_other_exe_blocked(c);
				allow_del();
			}
			if (strcmp(c->tech, "T1053.003") == 0)
				pid1_not_blocked();
		}
		policy_set(c->tech, "alert");
		file_allowed(c, false);
		policy_set(c->tech, "block");
		if (i + 1 == sizeof(file_cases) / sizeof(file_cases[0]) ||
		    strcmp(file_cases[i + 1].tech, c->tech) != 0)
			policy_set(c->tech, "default");
	}

	python_module_not_blocked();
	/* kernel hooks: T1547.006, T1548.001, T1620 */
	kernel_hooks();
	/* last: it restarts zhijiad with a small ring buffer */
	storm_block();

	daemon_stop();
	cleanup();
	printf("zj-enforce: %d passed, %d failed\n", T.passed, T.failed);
	return T.failed ? 1 : 0;
}
