/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A less privileged child for work on untrusted input (STYLE.md: OpenBSD ntpd's privilege
 * separation).  zj_sandbox_run() forks; the child
 *   - gives up every capability (permitted, effective, inheritable; ambient cleared) and, where
 *     the process may still change uid (zhijiactl, a zhijiad before attach), becomes
 *     nobody/nogroup with no supplementary groups;
 *   - sets no_new_privs and installs a seccomp filter that allows only read, write, memory
 *     management, getrandom, futex, rt_sigreturn, sigaltstack, getpid, gettid and exit: no
 *     open, no exec, no socket, no kill -- the only things it can touch are the two pipes it was given;
 *   - is limited in CPU time (ZJ_SANDBOX_CPU_SEC) and, outside sanitizer builds, address space
 *     (ZJ_SANDBOX_AS_MIB);
 * then says it is ready.  The parent reads the child's /proc/<pid>/status and lets it go on
 * only when CapEff and CapPrm are 0, NoNewPrivs is 1 and, where the filter exists for this
 * architecture, Seccomp is 2 (filter): a sandbox that did not take fails closed.  The child
 * then runs fn, which writes its answer to out_fd, and exits; the parent reads at most outlen
 * bytes of it within ZJ_SANDBOX_TIMEOUT_MSEC, killing a child that overruns.
 *
 * What comes back is data the parent must treat as untrusted too: bounded, and checked by the
 * caller.
 */
#ifndef ZHIJIA_SANDBOX_H
#define ZHIJIA_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZJ_SANDBOX_CPU_SEC 10
#define ZJ_SANDBOX_AS_MIB 1024
#define ZJ_SANDBOX_TIMEOUT_MSEC 20000

/* What the parent saw of the child before it let it run (from /proc/<pid>/status). */
struct zj_sandbox_info {
	pid_t pid;
	uint32_t uid, euid;   /* Uid: real, effective */
	uint64_t cap_eff;     /* CapEff */
	uint64_t cap_prm;     /* CapPrm */
	int no_new_privs;     /* NoNewPrivs */
	int seccomp;	      /* Seccomp: 0 none, 1 strict, 2 filter */
	int exit_status;      /* wait status of the child */
};

/* Runs in the child, in the sandbox; writes its answer to out_fd.  Its return: exit code. */
typedef int (*zj_sandbox_fn)(void *userdata, int out_fd);

/*
 * Run fn in a sandboxed child; its output into out (at most outlen bytes, *ret_len of them).
 * 0 when the child ran and exited 0; -EPERM when the sandbox did not take (the child never
 * ran fn), -ETIMEDOUT, -ECHILD when it exited otherwise or was killed (info->exit_status),
 * -EMSGSIZE when it wrote more than outlen, or -errno.  info (may be NULL) is filled as far
 * as known.
 */
int zj_sandbox_run(zj_sandbox_fn fn, void *userdata, char *out, size_t outlen, size_t *ret_len,
		   struct zj_sandbox_info *info);

#endif /* ZHIJIA_SANDBOX_H */
