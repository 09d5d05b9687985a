/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daemon/sandbox.c: the child really is confined.  Inside it, open, socket, kill and execve
 * fail with EPERM; the parent saw CapEff/CapPrm 0, NoNewPrivs 1 and Seccomp 2 (and, as root
 * with CAP_SETUID, uid nobody); a crash and an oversized answer come back as errors.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../daemon/sandbox.h"

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* What each forbidden call gave, as "name=errno-number ..." */
static int try_forbidden(void *userdata, int out_fd)
{
	char msg[256];
	int fd, e_open, e_sock, e_kill, e_exec;
	(void)userdata;

	errno = 0;
	fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	e_open = fd < 0 ? errno : 0;
	errno = 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	e_sock = fd < 0 ? errno : 0;
	errno = 0;
	e_kill = kill(1, 0) < 0 ? errno : 0;
	errno = 0;
	execl("/bin/true", "true", (char *)NULL);
	e_exec = errno;
	snprintf(msg, sizeof(msg), "open=%d socket=%d kill=%d exec=%d", e_open, e_sock, e_kill,
		 e_exec);
	return write_all(out_fd, msg, strlen(msg)) < 0 ? 1 : 0;
}

START_TEST(test_confined)
{
	char out[256], want[128];
	size_t n = 0;
	struct zj_sandbox_info info;
	int r = zj_sandbox_run(try_forbidden, NULL, out, sizeof(out) - 1, &n, &info);
	ck_assert_msg(r == 0, "zj_sandbox_run: %s (wait status 0x%x)", strerror(-r),
		      info.exit_status);
	out[n] = '\0';
	snprintf(want, sizeof(want), "open=%d socket=%d kill=%d exec=%d", EPERM, EPERM, EPERM,
		 EPERM);
	ck_assert_str_eq(out, want);
	ck_assert_int_gt(info.pid, 0);
	ck_assert_int_ne(info.pid, getpid());
	ck_assert_uint_eq(info.cap_eff, 0);
	ck_assert_uint_eq(info.cap_prm, 0);
	ck_assert_int_eq(info.no_new_privs, 1);
#if defined(__x86_64__) || defined(__aarch64__)
	ck_assert_int_eq(info.seccomp, 2);
#endif
	/* where this process may change uid, the child became nobody */
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;
	ck_assert_ptr_nonnull(caps);
	ck_assert_int_eq(cap_get_flag(caps, CAP_SETUID, CAP_EFFECTIVE, &v), 0);
	cap_free(caps);
	if (v == CAP_SET)
		ck_assert_uint_eq(info.euid, 65534);
	/* and the parent is unchanged */
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	close(fd);
}
END_TEST

static int crash(void *userdata, int out_fd)
{
	(void)userdata;
	(void)out_fd;
	__builtin_trap();
}

START_TEST(test_crash)
{
	char out[16];
	size_t n = 0;
	struct zj_sandbox_info info;
	int r = zj_sandbox_run(crash, NULL, out, sizeof(out), &n, &info);
	ck_assert_int_eq(r, -ECHILD);
	ck_assert(WIFSIGNALED(info.exit_status));
}
END_TEST

static int chatty(void *userdata, int out_fd)
{
	static const char big[64] = "0123456789012345678901234567890123456789";
	(void)userdata;
	return write_all(out_fd, big, sizeof(big)) < 0 ? 1 : 0;
}

START_TEST(test_oversized)
{
	char out[16];
	size_t n = 0;
	struct zj_sandbox_info info;
	ck_assert_int_eq(zj_sandbox_run(chatty, NULL, out, sizeof(out), &n, &info), -EMSGSIZE);
}
END_TEST

int main(void)
{
	const char *emu = getenv("ZJ_TEST_EMU");

	/*
	 * Under user emulation (make ARCH=arm64 check-unit: qemu-aarch64) the kernel sees the
	 * emulator's host syscalls, not this build's: a seccomp filter for this architecture
	 * cannot hold there.  The suite runs natively on every make check.
	 */
	if (emu && emu[0]) {
		printf("check_sandbox: SKIP under %s: the seccomp filter is for this build's "
		       "architecture and the kernel sees the emulator's\n",
		       emu);
		return EXIT_SUCCESS;
	}
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_confined);
	tcase_add_test(tc, test_crash);
	tcase_add_test(tc, test_oversized);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
