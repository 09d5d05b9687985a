/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-trigger: performs ONE real operation that zhijia's sensor must report, and prints one JSON
 * line on stdout saying exactly what it did (pids, addresses, fds, paths, results), so that the
 * integration tests can assert every field of the event the daemon writes.
 *
 *   zj-trigger [--cwd DIR] SUBCOMMAND [ARGS...]
 *
 * Exit status: 0 done, 1 the operation failed (a message on stderr), 2 usage.  `exit CODE` exits
 * with CODE on purpose.
 *
 * Raw syscall(2) is used wherever a glibc wrapper may pick another syscall than the one a test
 * names (openat vs open, rename vs renameat2, pwritev vs pwritev2, ptrace's variadic wrapper),
 * so every subcommand maps to one known kernel entry point.
 *
 * Child processes that are written into ("the child") are forked from this program and wait in
 * read(2) on a command pipe; each byte received makes them call clock_gettime() (through the
 * vDSO, so a damaged vDSO shows) and answer with the two words of zj_target[], which is how a
 * write into them is verified from the child's own point of view.
 *
 * Processes that are NOT our children (so that no "debugger on its own child" pattern applies):
 * `hold` is started by the test itself and waits; `ptrace-pid`, `mem-pid` and `vdso-pid` then
 * act on it by pid from a separate zj-trigger process -- its sibling, not its parent.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2

/* The words a test writes into the child; volatile so the child re-reads memory each time. */
static volatile uint64_t zj_target[2] = {0x1111111111111111ull, 0x2222222222222222ull};

#define ZJ_NEW0 0x5a4a5a4a5a4a5a4aull
#define ZJ_NEW1 0x6b7c6b7c6b7c6b7cull

static const char *prog = "zj-trigger";

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	return EXIT_FAILURE;
}

static int usage(const char *msg)
{
	fprintf(stderr, "%s: %s (see the comment at the top of zj-trigger.c)\n", prog, msg);
	return EXIT_USAGE;
}

/* ---- JSON output: one object on one line --------------------------------------------------- */

static void out_begin(const char *op)
{
	printf("{\"op\":\"%s\"", op);
}

static void out_end(void)
{
	printf("}\n");
	fflush(stdout);
}

static void out_key(const char *k)
{
	printf(",\"%s\":", k);
}

static void out_int(const char *k, int64_t v)
{
	out_key(k);
	printf("%" PRId64, v);
}

static void out_hex(const char *k, uint64_t v)
{
	out_key(k);
	printf("\"0x%" PRIx64 "\"", v);
}

/*
 * Strings are escaped so the line stays valid JSON whatever the bytes: control characters and
 * bytes >= 0x80 become \u00XX (so a non-ASCII byte b reads back as U+00b -- lossy, but the tests
 * never need these strings back: they pass the paths in themselves).
 */
static void out_str(const char *k, const char *s)
{
	out_key(k);
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* ---- small helpers ------------------------------------------------------------------------- */

/* Field 22 of /proc/<pid>/stat: start time since boot in clock ticks (start_boottime). */
static int read_start_ticks(pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int err = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -err : -EIO;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* comm may contain spaces and parentheses */
	if (!p)
		return -EIO;
	p++;
	/* after ')': field 3 (state) ... field 22 (starttime) */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	*ret = strtoull(p + 1, NULL, 10);
	return 0;
}

static void out_self(void)
{
	uint64_t ticks = 0;
	out_int("pid", getpid());
	if (read_start_ticks(getpid(), &ticks) == 0)
		out_int("start_ticks", (int64_t)ticks);
}

/* Find a named mapping ("[vdso]") in /proc/<pid>/maps. */
static int find_mapping(pid_t pid, const char *name, uint64_t *ret_start, uint64_t *ret_end)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int r = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		size_t nlen = strlen(name);
		if (len < nlen || strcmp(line + len - nlen, name) != 0)
			continue;
		unsigned long long s, e;
		if (sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		*ret_start = s;
		*ret_end = e;
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static long zj_ptrace(long req, pid_t pid, uint64_t addr, uint64_t data)
{
	return syscall(SYS_ptrace, req, (long)pid, (long)addr, (long)data);
}

/* ---- the child ----------------------------------------------------------------------------- */

struct zj_child {
	pid_t pid;
	int cmd_fd; /* write a byte: the child answers on res_fd */
	int res_fd;
	uint64_t start_ticks;
};

static void child_loop(int cmd, int res)
{
	for (;;) {
		char b;
		ssize_t n = read(cmd, &b, 1);
		if (n == 0)
			_exit(0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts); /* through the vDSO */
		uint64_t v[2] = {zj_target[0], zj_target[1]};
		if (write(res, v, sizeof(v)) != (ssize_t)sizeof(v))
			_exit(1);
	}
}

static int child_spawn(struct zj_child *c)
{
	int cmd[2], res[2];
	pid_t parent = getpid();

	if (pipe2(cmd, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(res, O_CLOEXEC) < 0) {
		int err = errno;
		close(cmd[0]);
		close(cmd[1]);
		return -err;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(cmd[0]);
		close(cmd[1]);
		close(res[0]);
		close(res[1]);
		return -err;
	}
	if (pid == 0) {
		/* never outlive the trigger, whatever happens to it */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		close(cmd[1]);
		close(res[0]);
		child_loop(cmd[0], res[1]);
		_exit(0);
	}
	close(cmd[0]);
	close(res[1]);
	c->pid = pid;
	c->cmd_fd = cmd[1];
	c->res_fd = res[0];
	c->start_ticks = 0;
	return 0;
}

/* Ask the child for its view of zj_target[]. */
static int child_ping(struct zj_child *c, uint64_t ret[2])
{
	char b = 'p';
	if (write(c->cmd_fd, &b, 1) != 1)
		return -errno;
	size_t got = 0;
	char *p = (char *)ret;
	while (got < 2 * sizeof(uint64_t)) {
		ssize_t n = read(c->res_fd, p + got, 2 * sizeof(uint64_t) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

/* Start the child and wait until it answers once (it is then blocked in read()). */
static int child_start(struct zj_child *c)
{
	uint64_t v[2];
	int r = child_spawn(c);
	if (r < 0)
		return r;
	r = child_ping(c, v);
	if (r < 0)
		return r;
	return read_start_ticks(c->pid, &c->start_ticks);
}

static void child_kill(struct zj_child *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(c->cmd_fd);
	close(c->res_fd);
	c->pid = 0;
}

static void out_child(const struct zj_child *c)
{
	out_int("child", c->pid);
	out_int("child_start_ticks", (int64_t)c->start_ticks);
}

/* The child must still work and see `want` in zj_target[0] (and want1 in [1] unless 0). */
static int child_verify(struct zj_child *c, uint64_t want0, uint64_t want1)
{
	uint64_t v[2];
	int r = child_ping(c, v);
	if (r < 0)
		return fail("child did not answer after the write", -r);
	if (v[0] != want0 || (want1 && v[1] != want1)) {
		fprintf(stderr,
			"%s: child sees 0x%" PRIx64 "/0x%" PRIx64 ", wanted 0x%" PRIx64
			"/0x%" PRIx64 "\n",
			prog, v[0], v[1], want0, want1);
		return EXIT_FAILURE;
	}
	return 0;
}

/* ---- ptrace -------------------------------------------------------------------------------- */

static int wait_stopped(pid_t pid)
{
	int st;
	for (;;) {
		pid_t w = waitpid(pid, &st, __WALL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (WIFSTOPPED(st))
			return 0;
		return -ECHILD;
	}
}

static int attach_stop(struct zj_child *c, long *ret_attach)
{
	*ret_attach = zj_ptrace(PTRACE_ATTACH, c->pid, 0, 0);
	if (*ret_attach < 0)
		return fail("PTRACE_ATTACH", errno);
	int r = wait_stopped(c->pid);
	if (r < 0)
		return fail("waitpid after PTRACE_ATTACH", -r);
	return 0;
}

static int detach(struct zj_child *c)
{
	if (zj_ptrace(PTRACE_DETACH, c->pid, 0, 0) < 0)
		return fail("PTRACE_DETACH", errno);
	return 0;
}

/* PTRACE_ATTACH, POKEDATA/POKETEXT a word, PEEKDATA it back, DETACH, ask the child. */
static int do_ptrace_poke(const char *op, long req, bool text)
{
	struct zj_child c;
	long attach_ret = 0, poke_ret = 0;
	uint64_t addr = 0, data = 0, peek = 0;
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	r = attach_stop(&c, &attach_ret);
	if (r)
		goto out;
	if (text) {
		/* same word back into the child's own code: a real text write (COW) */
		addr = (uint64_t)(uintptr_t)&child_loop;
		errno = 0;
		if (zj_ptrace(PTRACE_PEEKTEXT, c.pid, addr, (uint64_t)(uintptr_t)&data) < 0) {
			r = fail("PTRACE_PEEKTEXT", errno);
			goto out;
		}
	} else {
		addr = (uint64_t)(uintptr_t)&zj_target[0];
		data = ZJ_NEW0;
	}
	poke_ret = zj_ptrace(req, c.pid, addr, data);
	if (poke_ret < 0) {
		r = fail(op, errno);
		goto out;
	}
	if (zj_ptrace(PTRACE_PEEKDATA, c.pid, addr, (uint64_t)(uintptr_t)&peek) < 0) {
		r = fail("PTRACE_PEEKDATA", errno);
		goto out;
	}
	if (peek != data) {
		fprintf(stderr, "%s: PEEKDATA reads 0x%" PRIx64 " after the poke\n", prog, peek);
		r = EXIT_FAILURE;
		goto out;
	}
	r = detach(&c);
	if (r)
		goto out;
	r = child_verify(&c, text ? 0x1111111111111111ull : ZJ_NEW0, 0);
	if (r)
		goto out;
	out_begin(op);
	out_self();
	out_child(&c);
	out_hex("addr", addr);
	out_hex("data", data);
	out_int("attach_ret", attach_ret);
	out_int("poke_ret", poke_ret);
	out_end();
out:
	child_kill(&c);
	return r;
}

static int cmd_ptrace_poke(int argc, char **argv)
{
	return do_ptrace_poke("ptrace-poke", PTRACE_POKEDATA, false);
}

static int cmd_ptrace_poketext(int argc, char **argv)
{
	return do_ptrace_poke("ptrace-poketext", PTRACE_POKETEXT, true);
}

/* PTRACE_POKEUSER: the same value back into one register slot of struct user. */
static int cmd_ptrace_pokeuser(int argc, char **argv)
{
	struct zj_child c;
	long attach_ret, ret;
	uint64_t val = 0;
#if defined(__x86_64__)
	uint64_t addr = offsetof(struct user, regs) + offsetof(struct user_regs_struct, r12);
#else
	uint64_t addr = 0; /* arm64 has no PEEKUSER/POKEUSER register area */
	return usage("ptrace-pokeuser is only implemented on x86_64");
#endif
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	r = attach_stop(&c, &attach_ret);
	if (r)
		goto out;
	if (zj_ptrace(PTRACE_PEEKUSER, c.pid, addr, (uint64_t)(uintptr_t)&val) < 0) {
		r = fail("PTRACE_PEEKUSER", errno);
		goto out;
	}
	ret = zj_ptrace(PTRACE_POKEUSER, c.pid, addr, val);
	if (ret < 0) {
		r = fail("PTRACE_POKEUSER", errno);
		goto out;
	}
	r = detach(&c);
	if (r)
		goto out;
	r = child_verify(&c, 0x1111111111111111ull, 0);
	if (r)
		goto out;
	out_begin("ptrace-pokeuser");
	out_self();
	out_child(&c);
	out_hex("addr", addr);
	out_hex("data", val);
	out_int("attach_ret", attach_ret);
	out_int("ret", ret);
	out_end();
out:
	child_kill(&c);
	return r;
}

/* PTRACE_SEIZE with an option, then INTERRUPT + DETACH (a seized tracee must stop first). */
static int cmd_ptrace_seize(int argc, char **argv)
{
	struct zj_child c;
	uint64_t opts = PTRACE_O_TRACESYSGOOD;
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	long ret = zj_ptrace(PTRACE_SEIZE, c.pid, 0, opts);
	if (ret < 0) {
		r = fail("PTRACE_SEIZE", errno);
		goto out;
	}
	if (zj_ptrace(PTRACE_INTERRUPT, c.pid, 0, 0) < 0) {
		r = fail("PTRACE_INTERRUPT", errno);
		goto out;
	}
	r = wait_stopped(c.pid);
	if (r < 0) {
		r = fail("waitpid after PTRACE_INTERRUPT", -r);
		goto out;
	}
	r = detach(&c);
	if (r)
		goto out;
	r = child_verify(&c, 0x1111111111111111ull, 0);
	if (r)
		goto out;
	out_begin("ptrace-seize");
	out_self();
	out_child(&c);
	out_hex("addr", 0);
	out_hex("data", opts);
	out_int("ret", ret);
	out_end();
out:
	child_kill(&c);
	return r;
}

/*
 * Read a register set and write the same values back: a real SET* request that leaves the child
 * working.  `get`/`set` are the request pair, `addr` their addr argument, `buf` what data
 * points to (for SETREGSET an iovec).
 */
static int do_ptrace_set(const char *op, long get, long set, uint64_t addr, void *buf)
{
	struct zj_child c;
	long attach_ret, ret;
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	r = attach_stop(&c, &attach_ret);
	if (r)
		goto out;
	if (zj_ptrace(get, c.pid, addr, (uint64_t)(uintptr_t)buf) < 0) {
		r = fail("get request before the set", errno);
		goto out;
	}
	ret = zj_ptrace(set, c.pid, addr, (uint64_t)(uintptr_t)buf);
	if (ret < 0) {
		r = fail(op, errno);
		goto out;
	}
	r = detach(&c);
	if (r)
		goto out;
	r = child_verify(&c, 0x1111111111111111ull, 0);
	if (r)
		goto out;
	out_begin(op);
	out_self();
	out_child(&c);
	out_hex("addr", addr);
	out_hex("data", (uint64_t)(uintptr_t)buf);
	out_int("attach_ret", attach_ret);
	out_int("ret", ret);
	out_end();
out:
	child_kill(&c);
	return r;
}

static int cmd_ptrace_setregs(int argc, char **argv)
{
#if defined(__x86_64__)
	struct user_regs_struct regs;
	return do_ptrace_set("ptrace-setregs", PTRACE_GETREGS, PTRACE_SETREGS, 0, &regs);
#else
	return usage("ptrace-setregs: PTRACE_SETREGS does not exist on this architecture");
#endif
}

static int cmd_ptrace_setfpregs(int argc, char **argv)
{
#if defined(__x86_64__)
	struct user_fpregs_struct fp;
	return do_ptrace_set("ptrace-setfpregs", PTRACE_GETFPREGS, PTRACE_SETFPREGS, 0, &fp);
#else
	return usage("ptrace-setfpregs: PTRACE_SETFPREGS does not exist on this architecture");
#endif
}

static int cmd_ptrace_setregset(int argc, char **argv)
{
	/* big enough for NT_PRSTATUS on every architecture zhijia targets */
	static uint64_t regs[64];
	struct iovec iov = {.iov_base = regs, .iov_len = sizeof(regs)};
	struct zj_child c;
	long attach_ret, ret;
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	r = attach_stop(&c, &attach_ret);
	if (r)
		goto out;
	if (zj_ptrace(PTRACE_GETREGSET, c.pid, NT_PRSTATUS, (uint64_t)(uintptr_t)&iov) < 0) {
		r = fail("PTRACE_GETREGSET", errno);
		goto out;
	}
	/* iov_len now holds the set's real size: write exactly that back */
	ret = zj_ptrace(PTRACE_SETREGSET, c.pid, NT_PRSTATUS, (uint64_t)(uintptr_t)&iov);
	if (ret < 0) {
		r = fail("PTRACE_SETREGSET", errno);
		goto out;
	}
	r = detach(&c);
	if (r)
		goto out;
	r = child_verify(&c, 0x1111111111111111ull, 0);
	if (r)
		goto out;
	out_begin("ptrace-setregset");
	out_self();
	out_child(&c);
	out_hex("addr", NT_PRSTATUS);
	out_hex("data", (uint64_t)(uintptr_t)&iov);
	out_int("attach_ret", attach_ret);
	out_int("ret", ret);
	out_end();
out:
	child_kill(&c);
	return r;
}

static int cmd_ptrace_setsiginfo(int argc, char **argv)
{
	siginfo_t si;
	return do_ptrace_set("ptrace-setsiginfo", PTRACE_GETSIGINFO, PTRACE_SETSIGINFO, 0, &si);
}

/*
 * PTRACE_TRACEME in a fresh child, which then stops itself; the child is the actor.  The child
 * reports the result through a pipe before stopping.
 */
static int cmd_traceme(int argc, char **argv)
{
	int p[2];
	pid_t parent = getpid();
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("pipe", errno);
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork", errno);
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		long ret = syscall(SYS_ptrace, PTRACE_TRACEME, 0L, 0L, 0L);
		int64_t msg[2] = {ret, ret < 0 ? errno : 0};
		if (write(p[1], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	close(p[1]);
	int64_t msg[2];
	ssize_t n = read(p[0], msg, sizeof(msg));
	close(p[0]);
	uint64_t ticks = 0;
	int r = 0;
	if (n != (ssize_t)sizeof(msg)) {
		r = fail("reading the child's PTRACE_TRACEME result", n < 0 ? errno : EPIPE);
		goto out;
	}
	if (msg[0] < 0) {
		r = fail("PTRACE_TRACEME", (int)msg[1]);
		goto out;
	}
	int wr = wait_stopped(pid);
	if (wr < 0) {
		r = fail("waitpid for the TRACEME child", -wr);
		goto out;
	}
	read_start_ticks(pid, &ticks);
	out_begin("traceme");
	out_self();
	out_int("child", pid);
	out_int("child_start_ticks", (int64_t)ticks);
	out_int("ret", msg[0]);
	out_end();
out:
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
	return r;
}

/* ---- /proc/<pid>/mem and process_vm_writev ------------------------------------------------- */

enum mem_via { VIA_WRITE, VIA_PWRITE64, VIA_WRITEV, VIA_PWRITEV, VIA_PWRITEV2 };

/*
 * Write len bytes from buf at addr through fd, by one syscall of the given kind.  Vector kinds
 * split the buffer into `iovcnt` pieces.  Returns bytes written or -errno.
 */
static long mem_write_via(int fd, enum mem_via via, uint64_t addr, const void *buf, size_t len,
			  int iovcnt)
{
	struct iovec iov[4];
	size_t step = len / (size_t)iovcnt;
	for (int i = 0; i < iovcnt; i++) {
		iov[i].iov_base = (char *)buf + (size_t)i * step;
		iov[i].iov_len = i == iovcnt - 1 ? len - (size_t)i * step : step;
	}
	long n;
	switch (via) {
	case VIA_WRITE:
		if (lseek(fd, (off_t)addr, SEEK_SET) == (off_t)-1)
			return -errno;
		n = syscall(SYS_write, fd, buf, len);
		break;
	case VIA_PWRITE64:
		n = syscall(SYS_pwrite64, fd, buf, len, (long)addr);
		break;
	case VIA_WRITEV:
		if (lseek(fd, (off_t)addr, SEEK_SET) == (off_t)-1)
			return -errno;
		n = syscall(SYS_writev, fd, iov, iovcnt);
		break;
	case VIA_PWRITEV:
		/* (pos_l, pos_h): on 64-bit the kernel takes the whole offset from pos_l */
		n = syscall(SYS_pwritev, fd, iov, iovcnt, (long)addr, 0L);
		break;
	case VIA_PWRITEV2:
		n = syscall(SYS_pwritev2, fd, iov, iovcnt, (long)addr, 0L, 0);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 ? -errno : n;
}

static int open_mem(pid_t pid, bool self, char *path, size_t size)
{
	if (self)
		snprintf(path, size, "/proc/self/mem");
	else
		snprintf(path, size, "/proc/%d/mem", (int)pid);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR);
	return fd < 0 ? -errno : fd;
}

static int do_mem(const char *op, enum mem_via via, int iovcnt)
{
	struct zj_child c;
	char path[64];
	uint64_t vals[2] = {ZJ_NEW0, ZJ_NEW1};
	uint64_t addr = (uint64_t)(uintptr_t)&zj_target[0];
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	int fd = open_mem(c.pid, false, path, sizeof(path));
	if (fd < 0) {
		r = fail("open /proc/<child>/mem O_RDWR", -fd);
		goto out;
	}
	long n = mem_write_via(fd, via, addr, vals, sizeof(vals), iovcnt);
	if (n != (long)sizeof(vals)) {
		r = fail(op, n < 0 ? (int)-n : EIO);
		goto out_fd;
	}
	r = child_verify(&c, ZJ_NEW0, ZJ_NEW1);
	if (r)
		goto out_fd;
	out_begin(op);
	out_self();
	out_child(&c);
	out_str("path", path);
	out_int("fd", fd);
	out_hex("open_flags", O_RDWR);
	out_hex("addr", addr);
	out_int("len", (int64_t)sizeof(vals));
	out_int("iovcnt", iovcnt);
	out_int("ret", n);
	out_end();
out_fd:
	close(fd);
out:
	child_kill(&c);
	return r;
}

static int cmd_mem_write(int argc, char **argv)
{
	return do_mem("mem-write", VIA_WRITE, 1);
}

static int cmd_mem_pwrite(int argc, char **argv)
{
	return do_mem("mem-pwrite", VIA_PWRITE64, 1);
}

static int cmd_mem_writev(int argc, char **argv)
{
	return do_mem("mem-writev", VIA_WRITEV, 2);
}

static int cmd_mem_pwritev(int argc, char **argv)
{
	return do_mem("mem-pwritev", VIA_PWRITEV, 2);
}

static int cmd_mem_pwritev2(int argc, char **argv)
{
	return do_mem("mem-pwritev2", VIA_PWRITEV2, 2);
}

/* pwrite64 into one's own memory through /proc/self/mem. */
static int cmd_mem_self(int argc, char **argv)
{
	char path[64];
	uint64_t val = ZJ_NEW0;
	uint64_t addr = (uint64_t)(uintptr_t)&zj_target[0];
	int fd = open_mem(0, true, path, sizeof(path));
	if (fd < 0)
		return fail("open /proc/self/mem O_RDWR", -fd);
	long n = mem_write_via(fd, VIA_PWRITE64, addr, &val, sizeof(val), 1);
	if (n != (long)sizeof(val)) {
		close(fd);
		return fail("pwrite64 /proc/self/mem", n < 0 ? (int)-n : EIO);
	}
	if (zj_target[0] != ZJ_NEW0) {
		close(fd);
		fprintf(stderr, "%s: own memory not changed by /proc/self/mem\n", prog);
		return EXIT_FAILURE;
	}
	out_begin("mem-self");
	out_self();
	out_str("path", path);
	out_int("fd", fd);
	out_hex("open_flags", O_RDWR);
	out_hex("addr", addr);
	out_int("len", (int64_t)sizeof(val));
	out_int("iovcnt", 1);
	out_int("ret", n);
	out_end();
	close(fd);
	return 0;
}

/* process_vm_writev: two local vectors, two remote ones (zj_target[0], zj_target[1]). */
static int cmd_vm_writev(int argc, char **argv)
{
	struct zj_child c;
	uint64_t a = ZJ_NEW0, b = ZJ_NEW1;
	struct iovec local[2] = {{&a, sizeof(a)}, {&b, sizeof(b)}};
	struct iovec remote[2] = {{(void *)&zj_target[0], sizeof(a)},
				  {(void *)&zj_target[1], sizeof(b)}};
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	long n = syscall(SYS_process_vm_writev, c.pid, local, 2UL, remote, 2UL, 0UL);
	if (n != (long)(sizeof(a) + sizeof(b))) {
		r = fail("process_vm_writev", n < 0 ? errno : EIO);
		goto out;
	}
	r = child_verify(&c, ZJ_NEW0, ZJ_NEW1);
	if (r)
		goto out;
	out_begin("vm-writev");
	out_self();
	out_child(&c);
	out_hex("addr", (uint64_t)(uintptr_t)&zj_target[0]);
	out_int("len", (int64_t)(sizeof(a) + sizeof(b)));
	out_int("iovcnt", 2);
	out_int("ret", n);
	out_end();
out:
	child_kill(&c);
	return r;
}

/* ---- vDSO ---------------------------------------------------------------------------------- */

#define VDSO_PROBE_LEN 16

/* pwrite64 into the child's [vdso] the bytes already there (read first), at its start. */
static int cmd_vdso_pwrite(int argc, char **argv)
{
	struct zj_child c;
	char path[64];
	unsigned char bytes[VDSO_PROBE_LEN];
	uint64_t start, end;
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	r = find_mapping(c.pid, "[vdso]", &start, &end);
	if (r < 0) {
		r = fail("no [vdso] in the child's maps", -r);
		goto out;
	}
	int fd = open_mem(c.pid, false, path, sizeof(path));
	if (fd < 0) {
		r = fail("open /proc/<child>/mem O_RDWR", -fd);
		goto out;
	}
	if (pread(fd, bytes, sizeof(bytes), (off_t)start) != (ssize_t)sizeof(bytes)) {
		r = fail("pread of the child's vDSO", errno);
		goto out_fd;
	}
	long n = mem_write_via(fd, VIA_PWRITE64, start, bytes, sizeof(bytes), 1);
	if (n != (long)sizeof(bytes)) {
		r = fail("pwrite64 into the child's vDSO", n < 0 ? (int)-n : EIO);
		goto out_fd;
	}
	r = child_verify(&c, 0x1111111111111111ull, 0);
	if (r)
		goto out_fd;
	out_begin("vdso-pwrite");
	out_self();
	out_child(&c);
	out_str("path", path);
	out_int("fd", fd);
	out_hex("open_flags", O_RDWR);
	out_hex("addr", start);
	out_int("len", (int64_t)sizeof(bytes));
	out_hex("vdso_start", start);
	out_hex("vdso_end", end);
	out_int("ret", n);
	out_end();
out_fd:
	close(fd);
out:
	child_kill(&c);
	return r;
}

/* PTRACE_POKEDATA into the child's [vdso] the word already there. */
static int cmd_vdso_poke(int argc, char **argv)
{
	struct zj_child c;
	long attach_ret, ret;
	uint64_t start, end, word = 0;
	int r = child_start(&c);
	if (r < 0)
		return fail("child", -r);
	r = find_mapping(c.pid, "[vdso]", &start, &end);
	if (r < 0) {
		r = fail("no [vdso] in the child's maps", -r);
		goto out;
	}
	r = attach_stop(&c, &attach_ret);
	if (r)
		goto out;
	if (zj_ptrace(PTRACE_PEEKDATA, c.pid, start, (uint64_t)(uintptr_t)&word) < 0) {
		r = fail("PTRACE_PEEKDATA of the vDSO", errno);
		goto out;
	}
	ret = zj_ptrace(PTRACE_POKEDATA, c.pid, start, word);
	if (ret < 0) {
		r = fail("PTRACE_POKEDATA into the vDSO", errno);
		goto out;
	}
	r = detach(&c);
	if (r)
		goto out;
	r = child_verify(&c, 0x1111111111111111ull, 0);
	if (r)
		goto out;
	out_begin("vdso-poke");
	out_self();
	out_child(&c);
	out_hex("addr", start);
	out_hex("data", word);
	out_hex("vdso_start", start);
	out_hex("vdso_end", end);
	out_int("attach_ret", attach_ret);
	out_int("ret", ret);
	out_end();
out:
	child_kill(&c);
	return r;
}

/* mprotect of our own [vdso] to the protection it already has (r-x). */
static int cmd_vdso_mprotect(int argc, char **argv)
{
	uint64_t start, end;
	int r = find_mapping(getpid(), "[vdso]", &start, &end);
	if (r < 0)
		return fail("no [vdso] in our maps", -r);
	long ret = syscall(SYS_mprotect, (void *)(uintptr_t)start, (size_t)(end - start),
			   PROT_READ | PROT_EXEC);
	if (ret < 0)
		return fail("mprotect of the vDSO", errno);
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) /* the vDSO still works */
		return fail("clock_gettime after mprotect", errno);
	out_begin("vdso-mprotect");
	out_self();
	out_hex("addr", start);
	out_int("len", (int64_t)(end - start));
	out_int("prot", PROT_READ | PROT_EXEC);
	out_int("ret", ret);
	out_end();
	return 0;
}

/*
 * mremap / munmap of the vDSO in a throwaway child (the actor of the event).  After the call
 * the child must not touch the vDSO (glibc caches its entry points): it only uses raw syscalls
 * and _exit.  It reports through a pipe: the syscall result and errno, and for mremap the
 * address it moved the vDSO to.
 */
static int do_vdso_unmap(bool remap)
{
	uint64_t start, end;
	int p[2];
	pid_t parent = getpid();
	int r = find_mapping(getpid(), "[vdso]", &start, &end);
	if (r < 0)
		return fail("no [vdso] in our maps", -r);
	size_t len = (size_t)(end - start);
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("pipe", errno);
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork", errno);
	if (pid == 0) {
		int64_t msg[3] = {0, 0, 0};
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		if (remap) {
			long dst = syscall(SYS_mmap, 0L, len, PROT_NONE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
			if (dst == -1)
				_exit(3);
			msg[2] = dst;
			msg[0] = syscall(SYS_mremap, (long)start, len, len,
					 (long)(MREMAP_MAYMOVE | MREMAP_FIXED), dst);
		} else {
			msg[0] = syscall(SYS_munmap, (long)start, len);
		}
		msg[1] = msg[0] == -1 ? errno : 0;
		if (syscall(SYS_write, p[1], msg, sizeof(msg)) != (long)sizeof(msg))
			syscall(SYS_exit_group, 4);
		syscall(SYS_exit_group, 0);
	}
	close(p[1]);
	int64_t msg[3];
	ssize_t n = read(p[0], msg, sizeof(msg));
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(msg))
		return fail("reading the child's result", n < 0 ? errno : EPIPE);
	if (msg[0] == -1)
		return fail(remap ? "mremap of the vDSO" : "munmap of the vDSO", (int)msg[1]);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s: vDSO child ended with status 0x%x\n", prog, st);
		return EXIT_FAILURE;
	}
	out_begin(remap ? "vdso-mremap" : "vdso-munmap");
	out_self();
	out_int("child", pid);
	out_hex("addr", start);
	out_int("len", (int64_t)len);
	if (remap) {
		out_hex("new_addr", (uint64_t)msg[2]);
		out_int("new_len", (int64_t)len);
	}
	out_hex("ret", (uint64_t)msg[0]);
	out_end();
	return 0;
}

static int cmd_vdso_mremap(int argc, char **argv)
{
	return do_vdso_unmap(true);
}

static int cmd_vdso_munmap(int argc, char **argv)
{
	return do_vdso_unmap(false);
}

/* ---- processes that are not our children -------------------------------------------------- */

/*
 * hold: say who we are and where zj_target[] is, then wait until standard input reaches its end
 * (the test closes its end of the pipe, or dies).  The target of ptrace-pid, mem-pid and
 * vdso-pid.
 */
static int cmd_hold(int argc, char **argv)
{
	out_begin("hold");
	out_self();
	out_hex("addr", (uint64_t)(uintptr_t)&zj_target[0]);
	out_end();
	for (;;) {
		char b;
		ssize_t n = read(0, &b, 1);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail("read of standard input", errno);
	}
}

static int parse_pid(const char *s, pid_t *ret)
{
	uint64_t v;
	if (parse_u64(s, &v) < 0 || v == 0 || v > INT32_MAX)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

/*
 * ptrace-pid PID [ADDR]: PTRACE_ATTACH to PID (a process that is not our child), wait for its
 * stop, and with ADDR PTRACE_PEEKDATA the word there and PTRACE_POKEDATA the same word back
 * (a real write that changes nothing); then PTRACE_DETACH.
 */
static int cmd_ptrace_pid(int argc, char **argv)
{
	pid_t pid;
	uint64_t addr = 0, word = 0;
	long attach_ret, poke_ret = 0;
	if ((argc != 2 && argc != 3) || parse_pid(argv[1], &pid) < 0 ||
	    (argc == 3 && parse_u64(argv[2], &addr) < 0))
		return usage("ptrace-pid PID [ADDR]");
	attach_ret = zj_ptrace(PTRACE_ATTACH, pid, 0, 0);
	if (attach_ret < 0)
		return fail("PTRACE_ATTACH", errno);
	int r = wait_stopped(pid);
	if (r < 0) {
		fail("waitpid after PTRACE_ATTACH", -r);
		zj_ptrace(PTRACE_DETACH, pid, 0, 0);
		return EXIT_FAILURE;
	}
	if (argc == 3) {
		if (zj_ptrace(PTRACE_PEEKDATA, pid, addr, (uint64_t)(uintptr_t)&word) < 0) {
			r = fail("PTRACE_PEEKDATA", errno);
			zj_ptrace(PTRACE_DETACH, pid, 0, 0);
			return r;
		}
		poke_ret = zj_ptrace(PTRACE_POKEDATA, pid, addr, word);
		if (poke_ret < 0) {
			r = fail("PTRACE_POKEDATA", errno);
			zj_ptrace(PTRACE_DETACH, pid, 0, 0);
			return r;
		}
	}
	if (zj_ptrace(PTRACE_DETACH, pid, 0, 0) < 0)
		return fail("PTRACE_DETACH", errno);
	out_begin("ptrace-pid");
	out_self();
	out_int("target", pid);
	out_hex("addr", addr);
	out_hex("data", word);
	out_int("attach_ret", attach_ret);
	out_int("poke_ret", poke_ret);
	out_end();
	return 0;
}

/* Open /proc/PID/mem for writing and pwrite64 len bytes from buf at addr. */
static int mem_pid_write(const char *op, pid_t pid, uint64_t addr, const void *buf, size_t len,
			 uint64_t vdso_start, uint64_t vdso_end)
{
	char path[64];
	int fd = open_mem(pid, false, path, sizeof(path));
	if (fd < 0)
		return fail("open /proc/<pid>/mem O_RDWR", -fd);
	long n = mem_write_via(fd, VIA_PWRITE64, addr, buf, len, 1);
	if (n != (long)len) {
		close(fd);
		return fail("pwrite64 /proc/<pid>/mem", n < 0 ? (int)-n : EIO);
	}
	out_begin(op);
	out_self();
	out_int("target", pid);
	out_str("path", path);
	out_int("fd", fd);
	out_hex("addr", addr);
	out_int("len", (int64_t)len);
	if (vdso_end) {
		out_hex("vdso_start", vdso_start);
		out_hex("vdso_end", vdso_end);
	}
	out_int("ret", n);
	out_end();
	close(fd);
	return 0;
}

/* mem-pid PID ADDR: write two words at ADDR of PID (not our child) through /proc/PID/mem. */
static int cmd_mem_pid(int argc, char **argv)
{
	pid_t pid;
	uint64_t addr, vals[2] = {ZJ_NEW0, ZJ_NEW1};
	if (argc != 3 || parse_pid(argv[1], &pid) < 0 || parse_u64(argv[2], &addr) < 0)
		return usage("mem-pid PID ADDR");
	return mem_pid_write("mem-pid", pid, addr, vals, sizeof(vals), 0, 0);
}

/* vm-pid PID ADDR: process_vm_writev of ZJ_NEW0, ZJ_NEW1 into PID at ADDR (one vector each). */
static int cmd_vm_pid(int argc, char **argv)
{
	pid_t pid;
	uint64_t addr, a = ZJ_NEW0, b = ZJ_NEW1;
	if (argc != 3 || parse_pid(argv[1], &pid) < 0 || parse_u64(argv[2], &addr) < 0)
		return usage("vm-pid PID ADDR");
	struct iovec local[2] = {{&a, sizeof(a)}, {&b, sizeof(b)}};
	struct iovec remote[2] = {{(void *)(uintptr_t)addr, sizeof(a)},
				  {(void *)(uintptr_t)(addr + sizeof(a)), sizeof(b)}};
	long n = syscall(SYS_process_vm_writev, pid, local, 2UL, remote, 2UL, 0UL);
	if (n != (long)(sizeof(a) + sizeof(b)))
		return fail("process_vm_writev", n < 0 ? errno : EIO);
	out_begin("vm-pid");
	out_self();
	out_int("target", pid);
	out_hex("addr", addr);
	out_int("len", (int64_t)(sizeof(a) + sizeof(b)));
	out_int("ret", n);
	out_end();
	return 0;
}

/* vdso-pid PID: write the bytes already at the start of PID's [vdso] back through its mem. */
static int cmd_vdso_pid(int argc, char **argv)
{
	pid_t pid;
	uint64_t start, end;
	unsigned char bytes[VDSO_PROBE_LEN];
	char path[64];
	if (argc != 2 || parse_pid(argv[1], &pid) < 0)
		return usage("vdso-pid PID");
	int r = find_mapping(pid, "[vdso]", &start, &end);
	if (r < 0)
		return fail("no [vdso] in the target's maps", -r);
	/* read with a descriptor of its own: only the write is under test */
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(path, errno);
	ssize_t got = pread(fd, bytes, sizeof(bytes), (off_t)start);
	int err = errno;
	close(fd);
	if (got != (ssize_t)sizeof(bytes))
		return fail("pread of the target's vDSO", got < 0 ? err : EIO);
	return mem_pid_write("vdso-pid", pid, start, bytes, sizeof(bytes), start, end);
}

/* ---- files --------------------------------------------------------------------------------- */

/* starts with ZJ_FILE_MARK (harness.h): how the clean-up recognises a file as ours */
#define FILE_CONTENT "# zhijia integration test: harmless, removed by the test\n"

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s), done = 0;
	while (done < len) {
		ssize_t n = write(fd, s + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* openat(dirfd, name, flags, 0644), then one write of FILE_CONTENT unless `empty`. */
static int do_open_content(const char *op, int dirfd, const char *name, int flags, bool empty)
{
	int fd = (int)syscall(SYS_openat, dirfd, name, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(name, errno);
	int r = empty ? 0 : write_all(fd, FILE_CONTENT);
	if (r < 0) {
		close(fd);
		return fail("write", -r);
	}
	if (close(fd) < 0)
		return fail("close", errno);
	out_begin(op);
	out_self();
	out_str("path", name);
	out_int("fd", fd);
	out_hex("open_flags", (uint64_t)flags);
	out_end();
	return 0;
}

static int do_open(const char *op, int dirfd, const char *name, int flags)
{
	return do_open_content(op, dirfd, name, flags, false);
}

/* An empty new file: for /etc/ld.so.preload, where any content would reach every exec. */
static int cmd_file_touch(int argc, char **argv)
{
	if (argc != 2)
		return usage("file-touch PATH");
	return do_open_content("file-touch", AT_FDCWD, argv[1], O_WRONLY | O_CREAT | O_EXCL, true);
}

static int cmd_file_create(int argc, char **argv)
{
	if (argc != 2)
		return usage("file-create PATH");
	return do_open("file-create", AT_FDCWD, argv[1], O_WRONLY | O_CREAT | O_EXCL);
}

static int cmd_file_write(int argc, char **argv)
{
	if (argc != 2)
		return usage("file-write PATH");
	return do_open("file-write", AT_FDCWD, argv[1], O_WRONLY | O_APPEND);
}

static int cmd_file_otrunc(int argc, char **argv)
{
	if (argc != 2)
		return usage("file-otrunc PATH");
	return do_open("file-otrunc", AT_FDCWD, argv[1], O_WRONLY | O_TRUNC);
}

static int cmd_file_cwd_create(int argc, char **argv)
{
	if (argc != 3)
		return usage("file-cwd-create DIR NAME");
	if (chdir(argv[1]) < 0)
		return fail(argv[1], errno);
	return do_open("file-cwd-create", AT_FDCWD, argv[2], O_WRONLY | O_CREAT | O_EXCL);
}

static int open_dir(const char *dir)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int cmd_file_createat(int argc, char **argv)
{
	if (argc != 3)
		return usage("file-createat DIR NAME");
	int dfd = open_dir(argv[1]);
	if (dfd < 0)
		return fail(argv[1], -dfd);
	int r = do_open("file-createat", dfd, argv[2], O_WRONLY | O_CREAT | O_EXCL);
	close(dfd);
	return r;
}

static int cmd_file_trunc(int argc, char **argv)
{
	if (argc != 2)
		return usage("file-trunc PATH");
	if (syscall(SYS_truncate, argv[1], 0L) < 0)
		return fail(argv[1], errno);
	out_begin("file-trunc");
	out_self();
	out_str("path", argv[1]);
	out_end();
	return 0;
}

static int cmd_file_rename(int argc, char **argv)
{
	if (argc != 3)
		return usage("file-rename OLD NEW");
#ifdef SYS_rename
	if (syscall(SYS_rename, argv[1], argv[2]) < 0)
#else
	if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], 0) < 0)
#endif
		return fail("rename", errno);
	out_begin("file-rename");
	out_self();
	out_str("old", argv[1]);
	out_str("new", argv[2]);
	out_end();
	return 0;
}

static int do_renameat(const char *op, int argc, char **argv, bool v2)
{
	if (argc != 4)
		return usage("file-renameat[2] DIR OLD NEW");
	int dfd = open_dir(argv[1]);
	if (dfd < 0)
		return fail(argv[1], -dfd);
	long ret;
	if (v2)
		ret = syscall(SYS_renameat2, dfd, argv[2], dfd, argv[3], 0);
	else
#ifdef SYS_renameat
		ret = syscall(SYS_renameat, dfd, argv[2], dfd, argv[3]);
#else
		ret = syscall(SYS_renameat2, dfd, argv[2], dfd, argv[3], 0);
#endif
	int err = errno;
	close(dfd);
	if (ret < 0)
		return fail(op, err);
	out_begin(op);
	out_self();
	out_int("dirfd", dfd);
	out_str("old", argv[2]);
	out_str("new", argv[3]);
	out_end();
	return 0;
}

static int cmd_file_renameat(int argc, char **argv)
{
	return do_renameat("file-renameat", argc, argv, false);
}

static int cmd_file_renameat2(int argc, char **argv)
{
	return do_renameat("file-renameat2", argc, argv, true);
}

static int cmd_file_link(int argc, char **argv)
{
	if (argc != 3)
		return usage("file-link EXISTING NEW");
#ifdef SYS_link
	if (syscall(SYS_link, argv[1], argv[2]) < 0)
#else
	if (syscall(SYS_linkat, AT_FDCWD, argv[1], AT_FDCWD, argv[2], 0) < 0)
#endif
		return fail("link", errno);
	out_begin("file-link");
	out_self();
	out_str("old", argv[1]);
	out_str("new", argv[2]);
	out_end();
	return 0;
}

static int cmd_file_symlink(int argc, char **argv)
{
	if (argc != 3)
		return usage("file-symlink TARGET LINK");
#ifdef SYS_symlink
	if (syscall(SYS_symlink, argv[1], argv[2]) < 0)
#else
	if (syscall(SYS_symlinkat, argv[1], AT_FDCWD, argv[2]) < 0)
#endif
		return fail("symlink", errno);
	out_begin("file-symlink");
	out_self();
	out_str("target", argv[1]);
	out_str("link", argv[2]);
	out_end();
	return 0;
}

static int cmd_file_unlink(int argc, char **argv)
{
	if (argc != 2)
		return usage("file-unlink PATH");
#ifdef SYS_unlink
	if (syscall(SYS_unlink, argv[1]) < 0)
#else
	if (syscall(SYS_unlinkat, AT_FDCWD, argv[1], 0) < 0)
#endif
		return fail("unlink", errno);
	out_begin("file-unlink");
	out_self();
	out_str("path", argv[1]);
	out_end();
	return 0;
}

static int cmd_file_chmod(int argc, char **argv)
{
	uint64_t mode;
	if (argc != 3 || parse_u64(argv[2], &mode) < 0 || mode > 07777)
		return usage("file-chmod PATH MODE (octal with a leading 0)");
#ifdef SYS_chmod
	if (syscall(SYS_chmod, argv[1], (long)mode) < 0)
#else
	if (syscall(SYS_fchmodat, AT_FDCWD, argv[1], (long)mode) < 0)
#endif
		return fail("chmod", errno);
	out_begin("file-chmod");
	out_self();
	out_str("path", argv[1]);
	out_int("mode", (int64_t)mode);
	out_end();
	return 0;
}

/* ---- storms: ordinary work that the kernel must filter out --------------------------------- */

/* N writes to PATH, cycling through write, pwrite64 and writev. */
static int cmd_write_storm(int argc, char **argv)
{
	uint64_t n;
	char buf[64];
	if (argc != 3 || parse_u64(argv[2], &n) < 0)
		return usage("write-storm PATH N");
	memset(buf, 'z', sizeof(buf));
	int fd = (int)syscall(SYS_openat, AT_FDCWD, argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(argv[1], errno);
	struct iovec iov[2] = {{buf, 32}, {buf + 32, 32}};
	for (uint64_t i = 0; i < n; i++) {
		long w;
		switch (i % 3) {
		case 0:
			w = syscall(SYS_write, fd, buf, sizeof(buf));
			break;
		case 1:
			w = syscall(SYS_pwrite64, fd, buf, sizeof(buf), (long)((i % 1024) * 64));
			break;
		default:
			w = syscall(SYS_writev, fd, iov, 2);
			break;
		}
		if (w != (long)sizeof(buf)) {
			int err = w < 0 ? errno : EIO;
			close(fd);
			return fail("storm write", err);
		}
		/* keep a temp file small: rewind now and then */
		if (i % 4096 == 4095 && lseek(fd, 0, SEEK_SET) == (off_t)-1 && errno != ESPIPE) {
			int err = errno;
			close(fd);
			return fail("lseek", err);
		}
	}
	close(fd);
	out_begin("write-storm");
	out_self();
	out_str("path", argv[1]);
	out_int("count", (int64_t)n);
	out_end();
	return 0;
}

/*
 * N rounds of create + write + rename + unlink in DIR, of NAME-a renamed to NAME-b (NAME
 * defaults to "storm"; a test in a watched directory gives one its sweep removes).
 */
static int cmd_file_storm(int argc, char **argv)
{
	char a[NAME_MAX + 1], b[NAME_MAX + 1];
	uint64_t n;
	if ((argc != 3 && argc != 4) || parse_u64(argv[2], &n) < 0)
		return usage("file-storm DIR N [NAME]");
	const char *name = argc == 4 ? argv[3] : "storm";
	if (strchr(name, '/') || strlen(name) + 2 > NAME_MAX)
		return usage("file-storm DIR N [NAME]: NAME is a file name");
	snprintf(a, sizeof(a), "%s-a", name);
	snprintf(b, sizeof(b), "%s-b", name);
	int dfd = open_dir(argv[1]);
	if (dfd < 0)
		return fail(argv[1], -dfd);
	for (uint64_t i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_openat, dfd, a,
				      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			goto err;
		if (write_all(fd, FILE_CONTENT) < 0) {
			close(fd);
			goto err;
		}
		close(fd);
		if (syscall(SYS_renameat2, dfd, a, dfd, b, 0) < 0)
			goto err;
		if (syscall(SYS_unlinkat, dfd, b, 0) < 0)
			goto err;
	}
	close(dfd);
	out_begin("file-storm");
	out_self();
	out_str("dir", argv[1]);
	out_int("count", (int64_t)n);
	out_end();
	return 0;
err:;
	int err = errno;
	close(dfd);
	return fail("file storm", err);
}

/* ---- processes ----------------------------------------------------------------------------- */

/* Only say who we are: what the tests run to see an exec (any extra arguments are ignored). */
static int cmd_noop(int argc, char **argv)
{
	out_begin("noop");
	out_self();
	out_int("argc", argc);
	out_end();
	return 0;
}

static int cmd_exit(int argc, char **argv)
{
	uint64_t code;
	if (argc != 2 || parse_u64(argv[1], &code) < 0 || code > 255)
		return usage("exit CODE (0..255)");
	out_begin("exit");
	out_self();
	out_int("code", (int64_t)code);
	out_end();
	_exit((int)code);
}

/* fork a child that _exit(7)s; reap it. */
static int cmd_fork(int argc, char **argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork", errno);
	if (pid == 0)
		_exit(7);
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return fail("waitpid", errno);
	}
	out_begin("fork");
	out_self();
	out_int("child", pid);
	out_int("child_status", st);
	out_end();
	return 0;
}

/* execve(ARGS[0], ARGS): print what is about to run, then replace ourselves. */
static int cmd_exec(int argc, char **argv)
{
	extern char **environ;
	if (argc < 2)
		return usage("exec FILE [ARGS...] (FILE is also argv[0])");
	out_begin("exec");
	out_self();
	out_str("filename", argv[1]);
	out_int("argc", argc - 1);
	out_end();
	execve(argv[1], argv + 1, environ);
	return fail("execve", errno);
}

/*
 * exec-env NAME=VALUE FILE [ARGS...]: execve(FILE, [FILE, ARGS...]) with our environment plus
 * NAME=VALUE (replacing NAME if set), first in the list -- e.g. LD_PRELOAD for the sensor.
 */
static int cmd_exec_env(int argc, char **argv)
{
	extern char **environ;
	if (argc < 3 || !strchr(argv[1], '=') || argv[1][0] == '=')
		return usage("exec-env NAME=VALUE FILE [ARGS...]");
	size_t nlen = (size_t)(strchr(argv[1], '=') - argv[1]) + 1, n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	if (!env)
		return fail("calloc", ENOMEM);
	size_t k = 0;
	env[k++] = argv[1];
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], argv[1], nlen) != 0)
			env[k++] = environ[i];
	env[k] = NULL;
	out_begin("exec-env");
	out_self();
	out_str("env", argv[1]);
	out_str("filename", argv[2]);
	out_int("argc", argc - 2);
	out_end();
	execve(argv[2], argv + 2, env);
	int err = errno;
	free(env);
	return fail("execve", err);
}

struct zj_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct zj_cmd cmds[] = {
	{"noop", cmd_noop},
	{"exit", cmd_exit},
	{"fork", cmd_fork},
	{"exec", cmd_exec},
	{"exec-env", cmd_exec_env},
	{"ptrace-poke", cmd_ptrace_poke},
	{"ptrace-poketext", cmd_ptrace_poketext},
	{"ptrace-pokeuser", cmd_ptrace_pokeuser},
	{"ptrace-seize", cmd_ptrace_seize},
	{"ptrace-setregs", cmd_ptrace_setregs},
	{"ptrace-setregset", cmd_ptrace_setregset},
	{"ptrace-setfpregs", cmd_ptrace_setfpregs},
	{"ptrace-setsiginfo", cmd_ptrace_setsiginfo},
	{"traceme", cmd_traceme},
	{"mem-write", cmd_mem_write},
	{"mem-pwrite", cmd_mem_pwrite},
	{"mem-writev", cmd_mem_writev},
	{"mem-pwritev", cmd_mem_pwritev},
	{"mem-pwritev2", cmd_mem_pwritev2},
	{"mem-self", cmd_mem_self},
	{"vm-writev", cmd_vm_writev},
	{"vdso-pwrite", cmd_vdso_pwrite},
	{"vdso-poke", cmd_vdso_poke},
	{"vdso-mprotect", cmd_vdso_mprotect},
	{"vdso-mremap", cmd_vdso_mremap},
	{"vdso-munmap", cmd_vdso_munmap},
	{"hold", cmd_hold},
	{"ptrace-pid", cmd_ptrace_pid},
	{"mem-pid", cmd_mem_pid},
	{"vm-pid", cmd_vm_pid},
	{"vdso-pid", cmd_vdso_pid},
	{"file-create", cmd_file_create},
	{"file-touch", cmd_file_touch},
	{"file-createat", cmd_file_createat},
	{"file-cwd-create", cmd_file_cwd_create},
	{"file-write", cmd_file_write},
	{"file-otrunc", cmd_file_otrunc},
	{"file-trunc", cmd_file_trunc},
	{"file-rename", cmd_file_rename},
	{"file-renameat", cmd_file_renameat},
	{"file-renameat2", cmd_file_renameat2},
	{"file-link", cmd_file_link},
	{"file-symlink", cmd_file_symlink},
	{"file-unlink", cmd_file_unlink},
	{"file-chmod", cmd_file_chmod},
	{"write-storm", cmd_write_storm},
	{"file-storm", cmd_file_storm},
};

int main(int argc, char **argv)
{
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--cwd") == 0) {
		if (chdir(argv[i + 1]) < 0)
			return fail(argv[i + 1], errno);
		i += 2;
	}
	if (i >= argc)
		return usage("missing subcommand");
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		if (strcmp(cmds[c].name, argv[i]) == 0)
			return cmds[c].fn(argc - i, argv + i);
	}
	fprintf(stderr, "%s: unknown subcommand '%s'; valid:", prog, argv[i]);
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		fprintf(stderr, " %s", cmds[c].name);
	fputc('\n', stderr);
	return EXIT_USAGE;
}
