/* SPDX-License-Identifier: GPL-2.0-only */
/* A less privileged child for work on untrusted input (sandbox.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

#define NOBODY_ID 65534

#if defined(__SANITIZE_ADDRESS__)
#define ZJ_SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZJ_SANDBOX_ASAN 1
#endif
#endif

#if defined(__x86_64__)
#define ZJ_SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ZJ_SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef ZJ_SANDBOX_ARCH
#define ALLOW(nr)                                                                                  \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * Only what a parser needs once its input is in memory: the pipes (read, write), the heap
 * (brk, mmap and friends), the allocator's locks (futex), a hash seed (getrandom), returning
 * from a signal, its own pid and signal stack (what ASan asks before _exit) and exiting.  Anything else fails with EPERM, and a foreign ABI (x32, i386
 * through int 0x80) kills the process.
 */
static int seccomp_install(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ZJ_SANDBOX_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1), /* __X32_SYSCALL_BIT */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		ALLOW(__NR_read),
		ALLOW(__NR_write),
		ALLOW(__NR_brk),
		ALLOW(__NR_mmap),
		ALLOW(__NR_munmap),
		ALLOW(__NR_mremap),
		ALLOW(__NR_mprotect),
		ALLOW(__NR_madvise),
		ALLOW(__NR_futex),
		ALLOW(__NR_getrandom),
		ALLOW(__NR_rt_sigreturn),
		/* harmless, and needed by sanitizer runtimes (before every noreturn call) */
		ALLOW(__NR_sigaltstack),
		ALLOW(__NR_getpid),
		ALLOW(__NR_gettid),
		ALLOW(__NR_exit),
		ALLOW(__NR_exit_group),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = {.len = (unsigned short)ELEMENTSOF(f), .filter = f};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return negative_errno();
	return 0;
}
#endif

static void close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	/* 0-2 stay: a sanitizer's report goes to stderr */
	if (lo > 3)
		(void)close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		(void)close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	(void)close_range((unsigned)hi + 1, ~0u, 0);
}

/* In the child: into the sandbox, say ready, wait for the go, run fn.  Never returns. */
static _Noreturn void child(zj_sandbox_fn fn, void *userdata, int in_fd, int out_fd)
{
	struct rlimit cpu = {ZJ_SANDBOX_CPU_SEC, ZJ_SANDBOX_CPU_SEC}, zero = {0, 0};
	sigset_t none;
	cap_t caps;
	char go = 0;
	int r;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGXCPU, SIG_DFL);
	close_others(in_fd, out_fd);
	if (setrlimit(RLIMIT_CPU, &cpu) < 0 || setrlimit(RLIMIT_CORE, &zero) < 0)
		_exit(120);
#ifndef ZJ_SANDBOX_ASAN
	{
		/* a sanitizer reserves terabytes of shadow: no address-space limit there */
		struct rlimit as = {(rlim_t)ZJ_SANDBOX_AS_MIB << 20, (rlim_t)ZJ_SANDBOX_AS_MIB << 20};

		if (setrlimit(RLIMIT_AS, &as) < 0)
			_exit(120);
	}
#endif
	/* nobody where the uid may still change (zhijiad keeps no CAP_SETUID after attach) */
	if (setgroups(0, NULL) == 0 && setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) == 0 &&
	    setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0 && errno != EPERM)
		_exit(125);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(121);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	caps = cap_init(); /* every set empty */
	if (!caps || cap_set_proc(caps) < 0)
		_exit(122);
	cap_free(caps);
#ifdef ZJ_SANDBOX_ARCH
	if (seccomp_install() < 0)
		_exit(123);
#endif
	if (write(out_fd, "R", 1) != 1 || read(in_fd, &go, 1) != 1 || go != 'G')
		_exit(124);
	r = fn(userdata, out_fd);
	_exit(r < 0 || r > 119 ? 119 : r);
}

static uint64_t now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Read into buf until EOF or the deadline.  Bytes read, -ETIMEDOUT, -EMSGSIZE or -errno. */
static ssize_t read_until_eof(int fd, char *buf, size_t size, uint64_t deadline)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now = now_msec();
		char spill;
		ssize_t n;
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return negative_errno();
		if (r == 0)
			return -ETIMEDOUT;
		n = len < size ? read(fd, buf + len, size - len) : read(fd, &spill, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return (ssize_t)len;
		if (len >= size)
			return -EMSGSIZE;
		len += (size_t)n;
	}
}

/* One byte within the deadline: 1, 0 at EOF, -ETIMEDOUT or -errno. */
static ssize_t read_byte(int fd, char *c, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now = now_msec();
		ssize_t n;
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return negative_errno();
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? negative_errno() : n;
	}
}

/* The fields of /proc/<pid>/status the parent checks. */
static int read_status(pid_t pid, struct zj_sandbox_info *info)
{
	char path[64], line[256];
	int seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return negative_errno();
	while (fgets(line, sizeof(line), f)) {
		unsigned long long x;
		unsigned a, b;
		int i;

		if (sscanf(line, "Uid: %u %u", &a, &b) == 2) {
			info->uid = a;
			info->euid = b;
			seen |= 1;
		} else if (sscanf(line, "CapEff: %llx", &x) == 1) {
			info->cap_eff = x;
			seen |= 2;
		} else if (sscanf(line, "CapPrm: %llx", &x) == 1) {
			info->cap_prm = x;
			seen |= 4;
		} else if (sscanf(line, "NoNewPrivs: %d", &i) == 1) {
			info->no_new_privs = i;
			seen |= 8;
		} else if (sscanf(line, "Seccomp: %d", &i) == 1) {
			info->seccomp = i;
			seen |= 16;
		}
	}
	fclose(f);
	return seen == 31 ? 0 : -EBADMSG;
}

static bool sandboxed(const struct zj_sandbox_info *info)
{
#ifdef ZJ_SANDBOX_ARCH
	if (info->seccomp != 2)
		return false;
#endif
	return info->cap_eff == 0 && info->cap_prm == 0 && info->no_new_privs == 1;
}

static int reap(pid_t pid, bool kill_it, int *ret_status)
{
	int st = -1;

	if (kill_it)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return negative_errno();
	}
	*ret_status = st;
	return 0;
}

int zj_sandbox_run(zj_sandbox_fn fn, void *userdata, char *out, size_t outlen, size_t *ret_len,
		   struct zj_sandbox_info *ret_info)
{
	struct zj_sandbox_info info = {.exit_status = -1};
	int to[2] = {-1, -1}, from[2] = {-1, -1}, r;
	uint64_t deadline = now_msec() + ZJ_SANDBOX_TIMEOUT_MSEC;
	char ready = 0;
	ssize_t n;
	pid_t pid;

	if (!fn || !out || !ret_len)
		return -EINVAL;
	if (pipe2(to, O_CLOEXEC) < 0)
		return negative_errno();
	if (pipe2(from, O_CLOEXEC) < 0) {
		r = negative_errno();
		goto out_pipes;
	}
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		goto out_pipes;
	}
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		child(fn, userdata, to[0], from[1]);
	}
	info.pid = pid;
	close(to[0]);
	close(from[1]);
	to[0] = from[1] = -1;

	/* ready? then look at it before it sees any input */
	n = read_byte(from[0], &ready, deadline);
	if (n != 1 || ready != 'R' || read_status(pid, &info) < 0 || !sandboxed(&info)) {
		(void)reap(pid, true, &info.exit_status);
		r = n == -ETIMEDOUT ? -ETIMEDOUT : -EPERM;
		goto out_pipes;
	}
	if (write(to[1], "G", 1) != 1) {
		r = negative_errno();
		(void)reap(pid, true, &info.exit_status);
		goto out_pipes;
	}
	n = read_until_eof(from[0], out, outlen, deadline);
	r = reap(pid, n < 0, &info.exit_status);
	if (n < 0)
		r = (int)n;
	else if (r == 0 && !(WIFEXITED(info.exit_status) && WEXITSTATUS(info.exit_status) == 0))
		r = -ECHILD;
	if (r == 0)
		*ret_len = (size_t)n;
out_pipes:
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	if (ret_info)
		*ret_info = info;
	return r;
}
