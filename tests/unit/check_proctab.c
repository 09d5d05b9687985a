/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process table against a fake /proc built in a temporary directory: stat, status,
 * cmdline, maps files and exe symlinks laid out as the kernel does.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../daemon/proctab.h"
#include "zhijia/detect.h"

#define PF_KTHREAD 0x00200000u

static char root[PATH_MAX];
static uint64_t tick_ns;

/* A process in the fake tree. */
struct fp {
	uint32_t pid;
	uint32_t tgid; /* 0: pid */
	uint32_t ppid;
	uint32_t uid, euid, gid;
	char state; /* 0: 'S' */
	uint32_t kflags;
	uint64_t ticks; /* starttime, clock ticks since boot */
	const char *comm;
	const char *exe;     /* NULL: no exe link (kernel thread, zombie) */
	const char *cmdline; /* NUL-separated; cmdline_len bytes */
	size_t cmdline_len;
	const char *maps; /* NULL: empty maps */
};

#define CMD(lit) .cmdline = (lit), .cmdline_len = sizeof(lit) - 1

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static void fp_path(char *buf, size_t size, uint32_t pid, const char *name)
{
	int n = snprintf(buf, size, "%s/%u%s%s", root, pid, name ? "/" : "", name ? name : "");

	ck_assert(n > 0 && (size_t)n < size);
}

static void at_root(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", root, name);

	ck_assert(n > 0 && (size_t)n < size);
}

static void fake_add(const struct fp *p)
{
	char path[PATH_MAX], buf[4096];
	int n;

	fp_path(path, sizeof(path), p->pid, NULL);
	ck_assert_int_eq(mkdir(path, 0755), 0);

	n = snprintf(buf, sizeof(buf),
		     "%u (%s) %c %u %u %u 0 -1 %u 100 0 0 0 7 3 0 0 20 0 1 0 %llu 123456 789 "
		     "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
		     p->pid, p->comm, p->state ? p->state : 'S', p->ppid, p->pid, p->pid, p->kflags,
		     (unsigned long long)p->ticks);
	fp_path(path, sizeof(path), p->pid, "stat");
	write_file(path, buf, (size_t)n);

	n = snprintf(buf, sizeof(buf),
		     "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%u\nNgid:\t0\n"
		     "Pid:\t%u\nPPid:\t%u\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\n"
		     "Gid:\t%u\t%u\t%u\t%u\nFDSize:\t64\nGroups:\t4 24 27\nVmPeak:\t   1000 kB\n",
		     p->comm, p->tgid ? p->tgid : p->pid, p->pid, p->ppid, p->uid, p->euid, p->euid,
		     p->euid, p->gid, p->gid, p->gid, p->gid);
	fp_path(path, sizeof(path), p->pid, "status");
	write_file(path, buf, (size_t)n);

	fp_path(path, sizeof(path), p->pid, "cmdline");
	write_file(path, p->cmdline ? p->cmdline : "", p->cmdline ? p->cmdline_len : 0);
	fp_path(path, sizeof(path), p->pid, "maps");
	write_file(path, p->maps ? p->maps : "", p->maps ? strlen(p->maps) : 0);
	if (p->exe) {
		fp_path(path, sizeof(path), p->pid, "exe");
		ck_assert_int_eq(symlink(p->exe, path), 0);
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void fake_del(uint32_t pid)
{
	char path[PATH_MAX];

	fp_path(path, sizeof(path), pid, NULL);
	ck_assert_int_eq(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void fake_maps(uint32_t pid, const char *maps)
{
	char path[PATH_MAX];

	fp_path(path, sizeof(path), pid, "maps");
	write_file(path, maps, strlen(maps));
}

#define MAPS_200                                                                                   \
	"55d0c0a00000-55d0c0a2e000 r--p 00000000 08:01 1234    /usr/bin/bash\n"                    \
	"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"                                       \
	"7f1000000000-7f1000001000 r--p 00000000 08:01 99      /tmp/ [vdso]\n"                     \
	"7f2000000000-7f2000001000 r--p 00000000 08:01 98      /tmp/[vvar]\n"                      \
	"7ffd5e5ec000-7ffd5e5f0000 r--p 00000000 00:00 0       [vvar]\n"                           \
	"7ffd5e5f0000-7ffd5e5f2000 r--p 00000000 00:00 0       [vvar_vclock]\n"                    \
	"7ffd5e5f2000-7ffd5e5f4000 r-xp 00000000 00:00 0       [vdso]\n"                           \
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]\n"

/*
 * The standard tree:
 *   1 systemd, 2 kthreadd, 3 kworker (ppid 2), 100 sshd (ppid 1, system),
 *   200 bash (ppid 100) with thread 201, 300 /opt app (ppid 1), 400 zombie (ppid 200),
 *   and entries that are not processes.
 */
static void fake_standard(void)
{
	static const struct fp procs[] = {
		{.pid = 1,
		 .ppid = 0,
		 .ticks = 5,
		 .comm = "systemd",
		 .kflags = 0x400100,
		 .exe = "/usr/lib/systemd/systemd",
		 CMD("/sbin/init\0splash\0")},
		{.pid = 2, .ppid = 0, .ticks = 5, .comm = "kthreadd", .kflags = 0x208040},
		{.pid = 3, .ppid = 2, .ticks = 6, .comm = "kworker/R-rcu_g", .kflags = 0x4208060},
		{.pid = 100,
		 .ppid = 1,
		 .ticks = 900,
		 .comm = "sshd",
		 .exe = "/usr/sbin/sshd",
		 CMD("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\0")},
		{.pid = 200,
		 .ppid = 100,
		 .ticks = 1500,
		 .uid = 1000,
		 .euid = 1000,
		 .gid = 1000,
		 .comm = "bash",
		 .exe = "/usr/bin/bash",
		 CMD("-bash\0"),
		 .maps = MAPS_200},
		{.pid = 201,
		 .tgid = 200,
		 .ppid = 100,
		 .ticks = 1600,
		 .uid = 1000,
		 .euid = 1000,
		 .gid = 1000,
		 .comm = "bash",
		 .exe = "/usr/bin/bash",
		 CMD("-bash\0")},
		{.pid = 300,
		 .ppid = 1,
		 .ticks = 2000,
		 .uid = 33,
		 .euid = 33,
		 .gid = 33,
		 .comm = "app",
		 .exe = "/opt/app/bin/app",
		 CMD("/opt/app/bin/app\0--serve\0")},
		{.pid = 400,
		 .ppid = 200,
		 .ticks = 2500,
		 .uid = 1000,
		 .euid = 1000,
		 .gid = 1000,
		 .state = 'Z',
		 .comm = "defunct"},
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		fake_add(&procs[i]);
	/* Not processes: skipped by seed. */
	at_root(path, sizeof(path), "self");
	ck_assert_int_eq(symlink("200", path), 0);
	at_root(path, sizeof(path), "sys");
	ck_assert_int_eq(mkdir(path, 0755), 0);
	at_root(path, sizeof(path), "123abc");
	write_file(path, "", 0);
	at_root(path, sizeof(path), "0");
	ck_assert_int_eq(mkdir(path, 0755), 0);
	/* A process that vanished mid-scan: its directory is empty. */
	at_root(path, sizeof(path), "555");
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void setup(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	ck_assert_int_gt(hz, 0);
	tick_ns = 1000000000ull / (uint64_t)hz;
	(void)snprintf(root, sizeof(root), "%s/zj-proctab-XXXXXX",
		       getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	ck_assert_int_eq(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static struct zj_proctab *new_seeded(int want_seeded)
{
	struct zj_proctab *t = NULL;

	fake_standard();
	ck_assert_int_eq(zj_proctab_new(root, &t), 0);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(zj_proctab_seed(t), want_seeded);
	return t;
}

static void assert_view(struct zj_str s, const char *want, size_t n)
{
	ck_assert_uint_eq(s.len, n);
	ck_assert_ptr_nonnull(s.ptr);
	ck_assert_msg(memcmp(s.ptr, want, n) == 0, "view \"%.*s\" != \"%.*s\"", (int)s.len, s.ptr,
		      (int)n, want);
}

#define ASSERT_VIEW(s, lit) assert_view((s), (lit), sizeof(lit) - 1)

static struct zj_proc exec_proc(uint32_t pid, uint32_t ppid, uint64_t start, const char *exe,
				const char *cmd, size_t cmdlen)
{
	struct zj_proc p = {.pid = pid,
			    .tid = pid,
			    .ppid = ppid,
			    .uid = 1000,
			    .gid = 1000,
			    .euid = 1000,
			    .start_ns = start,
			    .exe = {.ptr = exe, .len = strlen(exe)},
			    .cmdline = {.ptr = cmd, .len = cmdlen}};

	(void)snprintf(p.comm, sizeof(p.comm), "%s",
		       strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe);
	return p;
}

/* ---- tests -------------------------------------------------------------------------------- */

START_TEST(test_new_free)
{
	struct zj_proctab *t = NULL;
	char missing[PATH_MAX + 16];

	zj_proctab_free(NULL);
	(void)snprintf(missing, sizeof(missing), "%s/nope", root);
	ck_assert_int_eq(zj_proctab_new(missing, &t), -ENOENT);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(zj_proctab_new(root, &t), 0);
	ck_assert_uint_eq(zj_proctab_count(t), 0);
	ck_assert_int_eq(zj_proctab_seed(t), 0);
	ck_assert_uint_gt(zj_proctab_memory(t), 0);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_seed)
{
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc p;

	ck_assert_uint_eq(zj_proctab_count(t), 7);

	ck_assert_int_eq(zj_proctab_lookup(t, 1, 0, &p), 0);
	ck_assert_uint_eq(p.pid, 1);
	ck_assert_uint_eq(p.tid, 1);
	ck_assert_uint_eq(p.ppid, 0);
	ck_assert_uint_eq(p.start_ns, 5 * tick_ns);
	ck_assert_str_eq(p.comm, "systemd");
	ASSERT_VIEW(p.exe, "/usr/lib/systemd/systemd");
	ASSERT_VIEW(p.cmdline, "/sbin/init\0splash\0");
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);

	ck_assert_int_eq(zj_proctab_lookup(t, 2, 0, &p), 0);
	ck_assert_str_eq(p.comm, "kthreadd");
	ck_assert_uint_eq(p.exe.len, 0);
	ck_assert_uint_eq(p.cmdline.len, 0);
	ck_assert_uint_eq(p.flags,
			  ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_KTHREAD | ZJ_PROC_PKG_DECIDED);

	/* /proc shows kworker names beyond TASK_COMM_LEN: cut to 15. */
	ck_assert_int_eq(zj_proctab_lookup(t, 3, 0, &p), 0);
	ck_assert_str_eq(p.comm, "kworker/R-rcu_g");
	ck_assert_uint_eq(p.ppid, 2);
	ck_assert_uint_eq(p.flags,
			  ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_KTHREAD | ZJ_PROC_PKG_DECIDED);

	ck_assert_int_eq(zj_proctab_lookup(t, 100, 0, &p), 0);
	ck_assert_uint_eq(p.ppid, 1);
	ck_assert_uint_eq(p.start_ns, 900 * tick_ns);
	ASSERT_VIEW(p.exe, "/usr/sbin/sshd");
	ASSERT_VIEW(p.cmdline, "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\0");
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);

	ck_assert_int_eq(zj_proctab_lookup(t, 200, 0, &p), 0);
	ck_assert_uint_eq(p.pid, 200);
	ck_assert_uint_eq(p.tid, 200);
	ck_assert_uint_eq(p.ppid, 100);
	ck_assert_uint_eq(p.uid, 1000);
	ck_assert_uint_eq(p.euid, 1000);
	ck_assert_uint_eq(p.gid, 1000);
	ck_assert_str_eq(p.comm, "bash");
	ASSERT_VIEW(p.exe, "/usr/bin/bash");
	ASSERT_VIEW(p.cmdline, "-bash\0");
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED); /* parent is not PID 1 */

	ck_assert_int_eq(zj_proctab_lookup(t, 300, 0, &p), 0);
	ck_assert_uint_eq(p.uid, 33);
	/* ppid 1 but not a system directory */
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);

	/* A zombie has no exe nor cmdline and is still no kernel thread. */
	ck_assert_int_eq(zj_proctab_lookup(t, 400, 0, &p), 0);
	ck_assert_uint_eq(p.exe.len, 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);

	ck_assert_int_eq(zj_proctab_lookup(t, 555, 0, &p), -ENOENT);
	ck_assert_int_eq(zj_proctab_lookup(t, 0, 0, &p), -ENOENT);
	ck_assert_int_eq(zj_proctab_lookup(t, 999, 0, &p), -ENOENT);
	ck_assert_uint_eq(zj_proctab_count(t), 7);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_stat_parsing)
{
	static const struct fp odd[] = {
		{.pid = 610,
		 .ppid = 1,
		 .ticks = 10,
		 .comm = ") (",
		 .exe = "/usr/bin/x",
		 CMD("x\0")},
		{.pid = 611,
		 .ppid = 1,
		 .ticks = 11,
		 .comm = "a b) c 9 9",
		 .exe = "/usr/bin/y",
		 CMD("y\0")},
		{.pid = 612,
		 .ppid = 610,
		 .ticks = 12,
		 .comm = "(sd-pam)",
		 .exe = "/usr/lib/systemd/systemd",
		 CMD("(sd-pam)\0")},
	};
	struct zj_proctab *t = NULL;
	struct zj_proc p;

	for (size_t i = 0; i < 3; i++)
		fake_add(&odd[i]);
	ck_assert_int_eq(zj_proctab_new(root, &t), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 610, 0, &p), 0);
	ck_assert_str_eq(p.comm, ") (");
	ck_assert_uint_eq(p.ppid, 1);
	ck_assert_uint_eq(p.start_ns, 10 * tick_ns);
	ck_assert_int_eq(zj_proctab_lookup(t, 611, 0, &p), 0);
	ck_assert_str_eq(p.comm, "a b) c 9 9");
	ck_assert_uint_eq(p.ppid, 1);
	ck_assert_uint_eq(p.start_ns, 11 * tick_ns);
	ck_assert_int_eq(zj_proctab_lookup(t, 612, 0, &p), 0);
	ck_assert_str_eq(p.comm, "(sd-pam)");
	ck_assert_uint_eq(p.ppid, 610);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_lazy_and_thread)
{
	struct zj_proctab *t = new_seeded(7);
	static const struct fp late = {.pid = 500,
				       .ppid = 200,
				       .ticks = 3000,
				       .uid = 1000,
				       .euid = 0,
				       .gid = 1000,
				       .comm = "sudo",
				       .exe = "/usr/bin/sudo",
				       CMD("sudo\0id\0")};
	struct zj_proc p;

	/* Seed counted the thread directory 201 under its group, not as a process. */
	ck_assert_int_eq(zj_proctab_lookup(t, 201, 0, &p), 0);
	ck_assert_uint_eq(p.pid, 200);
	ck_assert_uint_eq(p.tid, 201);
	ASSERT_VIEW(p.exe, "/usr/bin/bash");

	fake_add(&late);
	ck_assert_int_eq(zj_proctab_lookup(t, 500, 3000 * tick_ns + 4321, &p), 0);
	ck_assert_uint_eq(p.pid, 500);
	ck_assert_uint_eq(p.euid, 0);
	ck_assert_uint_eq(p.uid, 1000);
	ck_assert_uint_eq(p.start_ns, 3000 * tick_ns);
	ASSERT_VIEW(p.cmdline, "sudo\0id\0");
	ck_assert_uint_eq(zj_proctab_count(t), 8);
	/* Now from the table: still there when /proc no longer is. */
	fake_del(500);
	ck_assert_int_eq(zj_proctab_lookup(t, 500, 0, &p), 0);
	ck_assert_str_eq(p.comm, "sudo");
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_pid_reuse)
{
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc p, q;
	uint64_t old_start = 1000 * tick_ns + 17, new_start;
	static const struct fp reused = {.pid = 700,
					 .ppid = 1,
					 .ticks = 4000,
					 .comm = "new",
					 .exe = "/usr/bin/new",
					 CMD("new\0")};

	/* The table knows pid 700 from an exec record (exact start). */
	p = exec_proc(700, 200, old_start, "/usr/bin/old", "old\0", 4);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 700, old_start, &q), 0);
	ck_assert_str_eq(q.comm, "old");
	ck_assert_uint_eq(q.start_ns, old_start);
	/* Exact starts compare exactly. */
	ck_assert_int_eq(zj_proctab_lookup(t, 700, old_start + 1, &q), -ENOENT);

	/* Its exit was lost and the pid went to another process, which /proc shows. */
	fake_add(&reused);
	new_start = 4000 * tick_ns + 999; /* the kernel's exact start of the new one */
	ck_assert_int_eq(zj_proctab_lookup(t, 700, old_start, &q), 0); /* table answers */
	ck_assert_int_eq(zj_proctab_lookup(t, 700, new_start, &q), 0);
	ck_assert_str_eq(q.comm, "new");
	ASSERT_VIEW(q.exe, "/usr/bin/new");
	ck_assert_uint_eq(q.start_ns, 4000 * tick_ns);
	/* The old process is gone for good: never answered with the new one. */
	ck_assert_int_eq(zj_proctab_lookup(t, 700, old_start, &q), -ESRCH);
	/* Tick granularity both ways. */
	ck_assert_int_eq(zj_proctab_lookup(t, 700, 4000 * tick_ns, &q), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 700, 4001 * tick_ns - 1, &q), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 700, 4001 * tick_ns, &q), -ESRCH);
	ck_assert_int_eq(zj_proctab_lookup(t, 700, 3999 * tick_ns, &q), -ESRCH);

	/* Not in the table, /proc shows another start: -ESRCH at once. */
	ck_assert_int_eq(zj_proctab_lookup(t, 100, 901 * tick_ns, &q), -ESRCH);
	ck_assert_int_eq(zj_proctab_lookup(t, 100, 900 * tick_ns + 5, &q), 0);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_exec)
{
	struct zj_proctab *t = new_seeded(7);
	static char big[ZJ_PROCTAB_CMDLINE_MAX + 100], bigexe[ZJ_PROCTAB_EXE_MAX + 50];
	struct zj_proc p, q;
	size_t count = zj_proctab_count(t);

	/* Exec replaces the seeded entry of 200 in place: same pid, new image. */
	p = exec_proc(200, 100, 1500 * tick_ns + 3, "/usr/bin/python3", "python3\0-c\0pass\0", 16);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_uint_eq(zj_proctab_count(t), count);
	ck_assert_int_eq(zj_proctab_lookup(t, 200, 1500 * tick_ns + 3, &q), 0);
	ck_assert_str_eq(q.comm, "python3");
	ASSERT_VIEW(q.exe, "/usr/bin/python3");
	ASSERT_VIEW(q.cmdline, "python3\0-c\0pass\0");
	ck_assert_uint_eq(q.ppid, 100);
	ck_assert_uint_eq(q.start_ns, 1500 * tick_ns + 3);
	ck_assert_uint_eq(q.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	ck_assert_ptr_ne(q.exe.ptr, p.exe.ptr); /* copied */

	/* A daemon PID 1 starts from a system directory is a system process. */
	p = exec_proc(800, 1, 8000 * tick_ns, "/usr/libexec/fwupd/fwupd", "fwupd\0", 6);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 800, 0, &q), 0);
	ck_assert_uint_eq(q.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);
	/* ...and stops being one when it executes something outside them. */
	p = exec_proc(800, 1, 8000 * tick_ns, "/home/u/payload", "payload\0", 8);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 800, 0, &q), 0);
	ck_assert_uint_eq(q.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	/* A user-mode helper (ppid 2) is a system process, no kernel thread once it exec'd. */
	p = exec_proc(801, 2, 8001 * tick_ns, "/sbin/modprobe", "/sbin/modprobe\0-q\0", 18);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 801, 0, &q), 0);
	ck_assert_uint_eq(q.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);

	/* Caps: cmdline 4096, exe 4096 bytes; empty strings are fine. */
	memset(big, 'A', sizeof(big));
	memset(bigexe, 'e', sizeof(bigexe));
	bigexe[0] = '/';
	p = exec_proc(802, 200, 8002 * tick_ns, "/x", big, sizeof(big));
	p.exe = (struct zj_str){.ptr = bigexe, .len = sizeof(bigexe)};
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 802, 0, &q), 0);
	ck_assert_uint_eq(q.cmdline.len, ZJ_PROCTAB_CMDLINE_MAX);
	ck_assert_uint_eq(q.exe.len, ZJ_PROCTAB_EXE_MAX);
	p = exec_proc(803, 200, 8003 * tick_ns, "/x", "", 0);
	p.exe.len = 0;
	p.comm[0] = '\0';
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 803, 0, &q), 0);
	ck_assert_uint_eq(q.exe.len, 0);
	ck_assert_uint_eq(q.cmdline.len, 0);
	ck_assert_str_eq(q.comm, "");

	/* exec may be handed views into the entry it replaces. */
	ck_assert_int_eq(zj_proctab_lookup(t, 200, 0, &q), 0);
	ck_assert_int_eq(zj_proctab_exec(t, &q), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 200, 0, &q), 0);
	ASSERT_VIEW(q.exe, "/usr/bin/python3");

	ck_assert_int_eq(zj_proctab_exec(t, NULL), -EINVAL);
	p.pid = 0;
	ck_assert_int_eq(zj_proctab_exec(t, &p), -EINVAL);
	zj_proctab_free(t);
}
END_TEST

/*
 * The package manager test is decided once per image (ZJ_PROC_PKG_DECIDED) with
 * zj_proc_is_package_manager()'s answer; a fork keeps the parent's image, an exec decides anew.
 */
START_TEST(test_package_manager_flag)
{
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc p, q;
	const uint32_t pm = ZJ_PROC_PKG_DECIDED | ZJ_PROC_PKG_MANAGER;

	p = exec_proc(900, 200, 9000 * tick_ns, "/usr/bin/dpkg", "dpkg\0-i\0x.deb\0", 15);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 900, 0, &q), 0);
	ck_assert_uint_eq(q.flags & pm, pm);
	ck_assert(zj_proc_is_package_manager(&q));
	/* a script run by the interpreter: "python3 /usr/bin/dnf" */
	p = exec_proc(901, 200, 9001 * tick_ns, "/usr/bin/python3", "python3\0/usr/bin/dnf\0", 22);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 901, 0, &q), 0);
	ck_assert_uint_eq(q.flags & pm, pm);
	/* its fork is the same image */
	ck_assert_int_eq(zj_proctab_fork(t, 901, 902, 9002 * tick_ns), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 902, 0, &q), 0);
	ck_assert_uint_eq(q.flags & pm, pm);
	/* the name outside a system directory is not one, nor is another program */
	p = exec_proc(902, 901, 9002 * tick_ns, "/tmp/dpkg", "dpkg\0", 5);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 902, 0, &q), 0);
	ck_assert_uint_eq(q.flags & pm, ZJ_PROC_PKG_DECIDED);
	ck_assert(!zj_proc_is_package_manager(&q));
	p = exec_proc(903, 200, 9003 * tick_ns, "/usr/bin/python3", "python3\0-c\0pass\0", 16);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 903, 0, &q), 0);
	ck_assert_uint_eq(q.flags & pm, ZJ_PROC_PKG_DECIDED);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_fork)
{
	struct zj_proctab *t = new_seeded(7);
	static const struct fp child_in_proc = {.pid = 902,
						.ppid = 999,
						.ticks = 9020,
						.comm = "c",
						.exe = "/usr/bin/c",
						CMD("c\0")};
	struct zj_proc p, c;

	/* Known parent: the child is a copy sharing its strings. */
	ck_assert_int_eq(zj_proctab_fork(t, 200, 900, 9000 * tick_ns + 77), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 200, 0, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 900, 9000 * tick_ns + 77, &c), 0);
	ck_assert_uint_eq(c.pid, 900);
	ck_assert_uint_eq(c.ppid, 200);
	ck_assert_uint_eq(c.uid, 1000);
	ck_assert_uint_eq(c.gid, 1000);
	ck_assert_uint_eq(c.euid, 1000);
	ck_assert_uint_eq(c.start_ns, 9000 * tick_ns + 77);
	ck_assert_str_eq(c.comm, "bash");
	ck_assert_ptr_eq(c.exe.ptr, p.exe.ptr);
	ck_assert_ptr_eq(c.cmdline.ptr, p.cmdline.ptr);
	ck_assert_uint_eq(c.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	/* Exact start from the record: another exact start is another process. */
	ck_assert_int_eq(zj_proctab_lookup(t, 900, 9000 * tick_ns + 78, &c), -ENOENT);

	/* Children of PID 1 from a system directory; children of kthreadd. */
	ck_assert_int_eq(zj_proctab_fork(t, 1, 901, 9010 * tick_ns), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 901, 0, &c), 0);
	ck_assert_uint_eq(c.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);
	ck_assert_int_eq(zj_proctab_fork(t, 2, 905, 9050 * tick_ns), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 905, 0, &c), 0);
	ck_assert_uint_eq(c.flags,
			  ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_KTHREAD | ZJ_PROC_PKG_DECIDED);
	/* A child of a system daemon is not one itself. */
	ck_assert_int_eq(zj_proctab_fork(t, 100, 906, 9060 * tick_ns), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 906, 0, &c), 0);
	ck_assert_uint_eq(c.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);

	/* Unknown parent, the child readable in /proc at the right start. */
	fake_add(&child_in_proc);
	ck_assert_int_eq(zj_proctab_fork(t, 999, 902, 9020 * tick_ns + 5), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 902, 9020 * tick_ns + 5, &c), 0);
	ck_assert_uint_eq(c.ppid, 999);
	ck_assert_uint_eq(c.start_ns, 9020 * tick_ns + 5);
	ASSERT_VIEW(c.exe, "/usr/bin/c");
	ck_assert_uint_eq(c.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);

	/* Unknown parent, child not in /proc: a partial entry keeps the lineage. */
	ck_assert_int_eq(zj_proctab_fork(t, 998, 903, 9030 * tick_ns), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 903, 9030 * tick_ns, &c), 0);
	ck_assert_uint_eq(c.pid, 903);
	ck_assert_uint_eq(c.ppid, 998);
	ck_assert_uint_eq(c.start_ns, 9030 * tick_ns);
	ck_assert_uint_eq(c.flags & ZJ_PROC_KNOWN, 0);
	ck_assert_uint_eq(c.exe.len, 0);
	/* Its exec completes it. */
	p = exec_proc(903, 998, 9030 * tick_ns, "/usr/bin/id", "id\0", 3);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 903, 9030 * tick_ns, &c), 0);
	ck_assert_uint_eq(c.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	ASSERT_VIEW(c.exe, "/usr/bin/id");

	/* A partial entry found later in /proc is completed from there. */
	ck_assert_int_eq(zj_proctab_fork(t, 997, 904, 9040 * tick_ns + 1), 0);
	{
		static const struct fp appears = {.pid = 904,
						  .ppid = 997,
						  .ticks = 9040,
						  .comm = "late",
						  .exe = "/usr/bin/late",
						  CMD("late\0")};

		fake_add(&appears);
	}
	ck_assert_int_eq(zj_proctab_lookup(t, 904, 9040 * tick_ns + 1, &c), 0);
	ck_assert_uint_eq(c.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	ck_assert_str_eq(c.comm, "late");
	ck_assert_uint_eq(c.start_ns, 9040 * tick_ns + 1); /* the exact start is kept */

	/* The parent loaded lazily from /proc. */
	{
		static const struct fp parent = {.pid = 950,
						 .ppid = 1,
						 .ticks = 9500,
						 .uid = 7,
						 .euid = 7,
						 .gid = 7,
						 .comm = "cron",
						 .exe = "/usr/sbin/cron",
						 CMD("/usr/sbin/cron\0-f\0")};

		fake_add(&parent);
	}
	ck_assert_int_eq(zj_proctab_fork(t, 950, 951, 9510 * tick_ns), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 951, 0, &c), 0);
	ck_assert_uint_eq(c.uid, 7);
	ck_assert_str_eq(c.comm, "cron");
	ASSERT_VIEW(c.cmdline, "/usr/sbin/cron\0-f\0");
	/* its parent is cron, not PID 1 */
	ck_assert_uint_eq(c.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	ck_assert_int_eq(zj_proctab_lookup(t, 950, 0, &p), 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);

	ck_assert_int_eq(zj_proctab_fork(t, 200, 0, 1), -EINVAL);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_exit_and_dead)
{
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc p;
	size_t base_count = zj_proctab_count(t);
	const uint32_t first = 10000, n = ZJ_PROCTAB_DEAD_MAX + 476;

	ck_assert_int_eq(zj_proctab_exit(t, 4242, 0), -ENOENT);
	ck_assert_int_eq(zj_proctab_exit(t, 200, 1501 * tick_ns), -ESRCH);

	/* Dead entries answer late references. */
	p = exec_proc(5000, 200, 50000 * tick_ns + 1, "/usr/bin/gone", "gone\0", 5);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_exit(t, 5000, 50000 * tick_ns + 1), 0);
	ck_assert_int_eq(zj_proctab_exit(t, 5000, 50000 * tick_ns + 1), 0); /* twice: fine */
	ck_assert_int_eq(zj_proctab_lookup(t, 5000, 50000 * tick_ns + 1, &p), 0);
	ck_assert_str_eq(p.comm, "gone");
	ck_assert_int_eq(zj_proctab_lookup(t, 5000, 0, &p), 0); /* not in /proc: last holder */
	ck_assert_str_eq(p.comm, "gone");
	ck_assert_uint_eq(zj_proctab_count(t), base_count + 1);

	/* A new process with the same pid replaces the dead one. */
	p = exec_proc(5000, 200, 60000 * tick_ns, "/usr/bin/again", "again\0", 6);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_uint_eq(zj_proctab_count(t), base_count + 1);
	ck_assert_int_eq(zj_proctab_lookup(t, 5000, 0, &p), 0);
	ck_assert_str_eq(p.comm, "again");
	ck_assert_int_eq(zj_proctab_lookup(t, 5000, 50000 * tick_ns + 1, &p), -ENOENT);

	/* A zombie: exited, still in /proc with the same start: the dead entry stays. */
	ck_assert_int_eq(zj_proctab_exit(t, 400, 2500 * tick_ns + 3), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 400, 0, &p), 0);
	ck_assert_str_eq(p.comm, "defunct");
	ck_assert_uint_eq(zj_proctab_count(t), base_count + 1);

	/* The dead FIFO is bounded: the oldest go first. */
	for (uint32_t i = 0; i < n; i++) {
		p = exec_proc(first + i, 1, (uint64_t)(first + i) * tick_ns, "/bin/true", "true\0",
			      5);
		ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	}
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(zj_proctab_exit(t, first + i, 0), 0);
	/* 400 was the oldest dead entry, then the first of these: 477 evicted. */
	ck_assert_uint_eq(zj_proctab_count(t), base_count + ZJ_PROCTAB_DEAD_MAX);
	for (uint32_t i = 0; i < n - ZJ_PROCTAB_DEAD_MAX; i++)
		ck_assert_int_eq(zj_proctab_lookup(t, first + i, 0, &p), -ENOENT);
	for (uint32_t i = n - ZJ_PROCTAB_DEAD_MAX; i < n; i++) {
		ck_assert_int_eq(
			zj_proctab_lookup(t, first + i, (uint64_t)(first + i) * tick_ns, &p), 0);
		ck_assert_uint_eq(p.pid, first + i);
	}
	/* 400 was evicted from the table but is still a zombie in /proc: loaded again. */
	ck_assert_int_eq(zj_proctab_lookup(t, 400, 0, &p), 0);
	zj_proctab_free(t);
}
END_TEST

/* Views from before an exit (the actor of an exit record) survive it. */
START_TEST(test_views_survive)
{
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc p, q;

	for (uint32_t i = 0; i < ZJ_PROCTAB_DEAD_MAX; i++) {
		p = exec_proc(20000 + i, 1, 1, "/bin/x", "x\0", 2);
		ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
		ck_assert_int_eq(zj_proctab_exit(t, 20000 + i, 0), 0);
	}
	p = exec_proc(30000, 1, 1, "/bin/last", "last\0", 5);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 30000, 0, &q), 0);
	/* Evicts 20000, whose memory a lookup just before may still reference. */
	ck_assert_int_eq(zj_proctab_lookup(t, 20000, 0, &p), 0);
	ck_assert_int_eq(zj_proctab_exit(t, 30000, 0), 0);
	ASSERT_VIEW(q.exe, "/bin/last");
	ASSERT_VIEW(p.exe, "/bin/x");
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_ancestors)
{
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc a[8], p;
	size_t n = 99;

	ck_assert_int_eq(zj_proctab_ancestors(t, 200, a, 8, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(a[0].pid, 100);
	ASSERT_VIEW(a[0].exe, "/usr/sbin/sshd");
	ck_assert_uint_eq(a[0].flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);
	ck_assert_uint_eq(a[1].pid, 1);
	ck_assert_str_eq(a[1].comm, "systemd");

	ck_assert_int_eq(zj_proctab_ancestors(t, 400, a, 8, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(a[0].pid, 200);
	ck_assert_uint_eq(a[1].pid, 100);
	ck_assert_uint_eq(a[2].pid, 1);
	ck_assert_int_eq(zj_proctab_ancestors(t, 400, a, 2, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(zj_proctab_ancestors(t, 400, a, 0, &n), 0);
	ck_assert_uint_eq(n, 0);

	ck_assert_int_eq(zj_proctab_ancestors(t, 1, a, 8, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(zj_proctab_ancestors(t, 2, a, 8, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(zj_proctab_ancestors(t, 3, a, 8, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(a[0].pid, 2);
	/* A thread id: the chain of its group. */
	ck_assert_int_eq(zj_proctab_ancestors(t, 201, a, 8, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(a[0].pid, 100);
	ck_assert_int_eq(zj_proctab_ancestors(t, 12345, a, 8, &n), -ENOENT);

	/* A loop (impossible in a kernel, possible in a confused table). */
	p = exec_proc(3001, 3002, 3003, "/a", "a\0", 2);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	p = exec_proc(3002, 3003, 3002, "/b", "b\0", 2);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	p = exec_proc(3003, 3002, 3001, "/c", "c\0", 2);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_ancestors(t, 3001, a, 8, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(a[0].pid, 3002);
	ck_assert_uint_eq(a[1].pid, 3003);
	p = exec_proc(3004, 3004, 3004, "/d", "d\0", 2);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_ancestors(t, 3004, a, 8, &n), 0);
	ck_assert_uint_eq(n, 0);

	/* The parent's pid now names a younger process: the chain stops there. */
	p = exec_proc(3010, 3011, 5000 * tick_ns, "/child", "child\0", 6);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	p = exec_proc(3011, 1, 6000 * tick_ns, "/reused", "reused\0", 7);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_ancestors(t, 3010, a, 8, &n), 0);
	ck_assert_uint_eq(n, 0);
	/* An unknown parent ends the chain too. */
	p = exec_proc(3020, 3021, 5000 * tick_ns, "/orphan", "orphan\0", 7);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_ancestors(t, 3020, a, 8, &n), 0);
	ck_assert_uint_eq(n, 0);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_protected)
{
	static const char *const prot[] = {"/opt/app/bin/app", "/usr/sbin/sshd"};
	static const char *const other[] = {"/opt/app/bin"};
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc p;

	ck_assert_int_eq(zj_proctab_set_protected(t, prot, 2), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 300, 0, &p), 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PROTECTED | ZJ_PROC_PKG_DECIDED);
	ck_assert_int_eq(zj_proctab_lookup(t, 100, 0, &p), 0);
	ck_assert_uint_eq(p.flags,
			  ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PROTECTED | ZJ_PROC_PKG_DECIDED);
	ck_assert_int_eq(zj_proctab_lookup(t, 200, 0, &p), 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	/* New entries, by exec and fork. */
	p = exec_proc(310, 200, 1, "/opt/app/bin/app", "app\0", 4);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 310, 0, &p), 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PROTECTED | ZJ_PROC_PKG_DECIDED);
	ck_assert_int_eq(zj_proctab_fork(t, 310, 311, 2), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 311, 0, &p), 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PROTECTED | ZJ_PROC_PKG_DECIDED);
	/* Exact paths only, not prefixes. */
	ck_assert_int_eq(zj_proctab_set_protected(t, other, 1), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 300, 0, &p), 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	ck_assert_int_eq(zj_proctab_set_protected(t, prot, 2), 0);
	ck_assert_int_eq(zj_proctab_set_protected(t, NULL, 0), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 311, 0, &p), 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	ck_assert_int_eq(zj_proctab_lookup(t, 100, 0, &p), 0);
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_region)
{
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc p;
	uint32_t r = 99;

	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5f2000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5f3ff8, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5f4000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_NONE);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5ec000, 1, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VVAR);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5f1000, 0, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VVAR); /* [vvar_vclock], len 0 counts as a byte */
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5ebff8, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_NONE);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5ebff8, 9, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VVAR); /* overlapping by one byte */
	/* Spanning [vvar_vclock] into [vdso]: the code page wins. */
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5f1ff8, 16, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0, UINT64_MAX, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);
	ck_assert_int_eq(zj_proctab_region(t, 200, UINT64_MAX - 4, 100, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_NONE); /* wraps: clamped, no false hit */
	/* Files merely named like them do not count. */
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7f1000000000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_NONE);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7f2000000000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_NONE);
	/* A thread id resolves to its group's maps. */
	ck_assert_int_eq(zj_proctab_region(t, 201, 0x7ffd5e5f2000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);

	/* Cached: a changed maps file is not read again... */
	fake_maps(200, "7f0000010000-7f0000012000 r-xp 00000000 00:00 0 [vdso]\n");
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5f2000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);
	/* ...until the process moves its vDSO. */
	ck_assert_int_eq(zj_proctab_maps_changed(t, 200), 0);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7ffd5e5f2000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_NONE);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7f0000011000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);
	ck_assert_int_eq(zj_proctab_maps_changed(t, 4444), -ENOENT);

	/* A fork inherits the ranges; the child need not be in /proc. */
	ck_assert_int_eq(zj_proctab_fork(t, 200, 260, 7000 * tick_ns), 0);
	ck_assert_int_eq(zj_proctab_region(t, 260, 0x7f0000011000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);
	/* exec forgets them: the child's new image is not in /proc either. */
	p = exec_proc(260, 200, 7000 * tick_ns, "/usr/bin/true", "true\0", 5);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_region(t, 260, 0x7f0000011000, 8, &r), -ENOENT);

	/* A kernel thread has no maps: the table cannot tell. */
	ck_assert_int_eq(zj_proctab_region(t, 2, 0x7f0000011000, 8, &r), -ENODATA);
	ck_assert_int_eq(zj_proctab_region(t, 4321, 0, 8, &r), -ENOENT);

	/* Dead: the cache still answers; without one nothing is read. */
	ck_assert_int_eq(zj_proctab_exit(t, 200, 0), 0);
	ck_assert_int_eq(zj_proctab_region(t, 200, 0x7f0000011000, 8, &r), 0);
	ck_assert_uint_eq(r, ZJ_REGION_VDSO);

	/* pid reuse: /proc's 100 is another process than the entry: its maps are not used. */
	p = exec_proc(100, 1, 123 * tick_ns, "/usr/sbin/sshd", "sshd\0", 5);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	fake_maps(100, "7f0000010000-7f0000012000 r-xp 00000000 00:00 0 [vdso]\n");
	ck_assert_int_eq(zj_proctab_region(t, 100, 0x7f0000011000, 8, &r), -ENOENT);
	zj_proctab_free(t);
}
END_TEST

START_TEST(test_prune)
{
	struct zj_proctab *t = new_seeded(7);
	struct zj_proc p;

	/* 300's exit record was lost; 100 is now another process in /proc. */
	fake_del(300);
	p = exec_proc(100, 1, 42 * tick_ns, "/usr/sbin/sshd", "sshd\0", 5);
	ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	ck_assert_int_eq(zj_proctab_prune(t), 2);
	ck_assert_int_eq(zj_proctab_prune(t), 0);
	/* Dead, but still answering for their own start times. */
	ck_assert_int_eq(zj_proctab_lookup(t, 300, 2000 * tick_ns, &p), 0);
	ck_assert_int_eq(zj_proctab_lookup(t, 100, 42 * tick_ns, &p), 0);
	ck_assert_str_eq(p.comm, "sshd");
	/* The current 100 comes from /proc. */
	ck_assert_int_eq(zj_proctab_lookup(t, 100, 0, &p), 0);
	ck_assert_uint_eq(p.start_ns, 900 * tick_ns);
	ck_assert_uint_eq(zj_proctab_count(t), 7);
	zj_proctab_free(t);
}
END_TEST

/* 10k processes stay well under 20 MiB. */
START_TEST(test_memory)
{
	struct zj_proctab *t = new_seeded(7);
	static char cmd[300];
	char exe[64];
	size_t mem;

	/* 5000 pre-forked workers share their parent's strings. */
	for (uint32_t i = 0; i < 5000; i++)
		ck_assert_int_eq(zj_proctab_fork(t, 200, 40000 + i, (uint64_t)i + 1), 0);
	/* 5000 distinct programs with long command lines. */
	memset(cmd, 'c', sizeof(cmd));
	for (uint32_t i = 0; i < 5000; i++) {
		struct zj_proc p;

		(void)snprintf(exe, sizeof(exe), "/usr/lib/some/long/path/to/program-%u", i);
		cmd[sizeof(cmd) - 1] = '\0';
		p = exec_proc(50000 + i, 1, (uint64_t)i + 1, exe, cmd, sizeof(cmd));
		ck_assert_int_eq(zj_proctab_exec(t, &p), 0);
	}
	ck_assert_uint_eq(zj_proctab_count(t), 10007);
	mem = zj_proctab_memory(t);
	ck_assert_msg(mem < 6u << 20, "10k processes take %zu bytes", mem);
	/* With malloc's per-allocation overhead (16 bytes, 2 allocations each) too. */
	ck_assert_uint_lt(mem + 10007 * 3 * 16, 20u << 20);
	/* Everything accounted for is given back. */
	for (uint32_t i = 0; i < 5000; i++) {
		ck_assert_int_eq(zj_proctab_exit(t, 40000 + i, 0), 0);
		ck_assert_int_eq(zj_proctab_exit(t, 50000 + i, 0), 0);
	}
	ck_assert_uint_eq(zj_proctab_count(t), 7 + ZJ_PROCTAB_DEAD_MAX);
	ck_assert_uint_lt(zj_proctab_memory(t), mem / 4);
	zj_proctab_free(t);
}
END_TEST

static Suite *proctab_suite(void)
{
	Suite *s = suite_create("proctab");
	TCase *tc = tcase_create("proctab");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_new_free);
	tcase_add_test(tc, test_seed);
	tcase_add_test(tc, test_stat_parsing);
	tcase_add_test(tc, test_lazy_and_thread);
	tcase_add_test(tc, test_pid_reuse);
	tcase_add_test(tc, test_exec);
	tcase_add_test(tc, test_package_manager_flag);
	tcase_add_test(tc, test_fork);
	tcase_add_test(tc, test_exit_and_dead);
	tcase_add_test(tc, test_views_survive);
	tcase_add_test(tc, test_ancestors);
	tcase_add_test(tc, test_protected);
	tcase_add_test(tc, test_region);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(proctab_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
