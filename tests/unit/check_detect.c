/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Detectors: every rule and its benign cases, from struct zj_event fixtures filled the way
 * daemon/decode fills them (actor from the record header and the process table, target with
 * ZJ_EVF_HAS_TARGET, flags carried over from the kernel's ZJ_F_*).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/bpf_abi.h"
#include "zhijia/detect.h"
#include "zhijia/errors.h"
#include "zhijia/event.h"

#define S(lit) ((struct zj_str){(lit), sizeof(lit) - 1})

/* Linux ptrace request numbers, as the kernel reports them. */
#define PTRACE_TRACEME 0
#define PTRACE_PEEKDATA 2
#define PTRACE_POKETEXT 4
#define PTRACE_POKEDATA 5
#define PTRACE_POKEUSER 6
#define PTRACE_CONT 7
#define PTRACE_GETREGS 12
#define PTRACE_SETREGS 13
#define PTRACE_ATTACH 16
#define PTRACE_DETACH 17
#define PTRACE_SETSIGINFO 0x4203
#define PTRACE_SETREGSET 0x4205
#define PTRACE_SEIZE 0x4206

static struct zj_finding f[ZJ_FINDINGS_MAX];
static struct zj_detect_ctx ctx;

static void proc(struct zj_proc *p, uint32_t pid, uint32_t ppid, uint32_t uid, const char *comm,
		 struct zj_str exe)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->tid = pid;
	p->ppid = ppid;
	p->uid = uid;
	p->gid = uid;
	p->euid = uid;
	p->flags = ZJ_PROC_KNOWN;
	p->start_ns = 1000000ull * pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->exe = exe;
}

/* pid 4242 python3 (/tmp/x), a child of bash 4200, acting on sshd 812 (a daemon of PID 1). */
static struct zj_event attacker_on_sshd(uint32_t type)
{
	struct zj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.seq = 7;
	ev.flags = ZJ_EVF_HAS_TARGET;
	proc(&ev.actor, 4242, 4200, 1000, "python3", S("/tmp/x"));
	proc(&ev.target, 812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	return ev;
}

static struct zj_event ptrace_ev(int64_t request, uint64_t addr)
{
	struct zj_event ev = attacker_on_sshd(ZJ_EV_PTRACE);

	ev.ptrace.request = request;
	ev.ptrace.addr = addr;
	ev.ptrace.result = 0;
	return ev;
}

/* gdb 4999 and the program it started, 5000 (its child). */
static struct zj_event debugger_on_child(uint32_t type)
{
	struct zj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.flags = ZJ_EVF_HAS_TARGET;
	proc(&ev.actor, 4999, 4000, 1000, "gdb", S("/usr/bin/gdb"));
	proc(&ev.target, 5000, 4999, 1000, "a.out", S("/home/u/a.out"));
	return ev;
}

static struct zj_event mem_ev(uint32_t type, uint32_t via, uint64_t addr, uint64_t len)
{
	struct zj_event ev = attacker_on_sshd(type);

	ev.mem.via = via;
	ev.mem.fd = type == ZJ_EV_VM_WRITE ? -1 : 5;
	ev.mem.iovcnt = 1;
	ev.mem.addr = addr;
	ev.mem.len = len;
	return ev;
}

static struct zj_event self_mem_ev(uint32_t type, uint32_t via, uint64_t addr, uint64_t len)
{
	struct zj_event ev = mem_ev(type, via, addr, len);

	ev.flags |= ZJ_EVF_SELF;
	ev.target = ev.actor;
	return ev;
}

static struct zj_event file_ev(uint32_t op, struct zj_str path, struct zj_str path2)
{
	struct zj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_FILE;
	proc(&ev.actor, 4242, 4200, 0, "bash", S("/usr/bin/bash"));
	ev.file.op = op;
	ev.file.mode = 0644;
	ev.file.path = path;
	ev.file.path2 = path2;
	return ev;
}

static struct zj_event exec_ev(void)
{
	struct zj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_EXEC;
	proc(&ev.actor, 4242, 100, 1000, "curl", S("/usr/bin/curl"));
	ev.exec.filename = S("/usr/bin/curl");
	ev.exec.args = S("curl\0example.org");
	ev.exec.argc = 2;
	return ev;
}

static int detect(const struct zj_event *ev)
{
	memset(f, 0xa5, sizeof(f)); /* nothing may be left unset */
	return zj_detect_event(ev, &ctx, ZJ_FINDINGS_MAX, f);
}

static void setup(void)
{
	memset(&ctx, 0, sizeof(ctx));
}

/* One finding with this technique, severity, target and exact reason. */
static void assert_one(const struct zj_event *ev, const char *technique, uint32_t severity,
		       uint32_t target, const char *reason)
{
	ck_assert_int_eq(detect(ev), 1);
	ck_assert_str_eq(f[0].technique, technique);
	ck_assert_str_eq(f[0].reason, reason);
	ck_assert_str_eq(zj_severity_name(f[0].severity), zj_severity_name(severity));
	ck_assert_uint_eq(f[0].target, target);
}

/*
 * zj_detect_uses_ancestors(): where it says no, the findings are the same with and without
 * the actor's ancestors (zhijiad skips the process-table walk then); where a detector does
 * read them (PTRACE_TRACEME, file, exec) it says yes.
 */
START_TEST(test_uses_ancestors)
{
	struct zj_event evs[] = {
		mem_ev(ZJ_EV_MEM_WRITE, 3, 0x7f0000001000ull, 8),
		mem_ev(ZJ_EV_MEM_OPEN, 1, 0, 0),
		mem_ev(ZJ_EV_VM_WRITE, 7, 0x7f0000001000ull, 64),
		self_mem_ev(ZJ_EV_MEM_WRITE, 2, 0x7f0000001000ull, 8),
		debugger_on_child(ZJ_EV_MEM_WRITE),
		ptrace_ev(16, 0),
		ptrace_ev(5, 0x7f0000002000ull),
		attacker_on_sshd(ZJ_EV_VDSO_MAP),
	};
	struct zj_finding without[ZJ_FINDINGS_MAX];
	struct zj_event ev;
	int n;

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		evs[i].region = i % 2 ? ZJ_REGION_VDSO : ZJ_REGION_NONE;
		ck_assert(!zj_detect_uses_ancestors(&evs[i]));
		memset(&ctx, 0, sizeof(ctx));
		n = detect(&evs[i]);
		memcpy(without, f, sizeof(f));
		ctx.n_ancestors = 2;
		proc(&ctx.ancestors[0], 4200, 4100, 0, "dpkg", S("/usr/bin/dpkg"));
		proc(&ctx.ancestors[1], 4100, 1, 0, "systemd-udevd", S("/usr/lib/systemd/systemd-udevd"));
		ck_assert_int_eq(detect(&evs[i]), n);
		for (int j = 0; j < n; j++) {
			ck_assert_str_eq(f[j].technique, without[j].technique);
			ck_assert_str_eq(f[j].reason, without[j].reason);
			ck_assert_str_eq(f[j].benign, without[j].benign);
			ck_assert_uint_eq(f[j].flags, without[j].flags);
			ck_assert_uint_eq(f[j].severity, without[j].severity);
		}
	}
	ev = ptrace_ev(0, 0); /* PTRACE_TRACEME names the parent */
	ck_assert(zj_detect_uses_ancestors(&ev));
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/cron.d/x"), S(""));
	ck_assert(zj_detect_uses_ancestors(&ev));
	ev = exec_ev();
	ck_assert(zj_detect_uses_ancestors(&ev));
	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_KMOD;
	ck_assert(zj_detect_uses_ancestors(&ev));
	ev.type = ZJ_EV_SETID;
	ck_assert(zj_detect_uses_ancestors(&ev));
}
END_TEST

/* ---- T1055.008 Ptrace System Calls ------------------------------------------------------- */

START_TEST(test_ptrace_attach)
{
	struct zj_event ev = ptrace_ev(PTRACE_ATTACH, 0);

	assert_one(&ev, "T1055.008", ZJ_SEV_MEDIUM, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) attached to sshd (pid 812) with PTRACE_ATTACH");
	ck_assert_uint_eq(f[0].flags, 0);
	ck_assert_str_eq(f[0].benign, "");

	ev = ptrace_ev(PTRACE_SEIZE, 0);
	assert_one(&ev, "T1055.008", ZJ_SEV_MEDIUM, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) attached to sshd (pid 812) with PTRACE_SEIZE");
}
END_TEST

START_TEST(test_ptrace_modify)
{
	struct zj_event ev = ptrace_ev(PTRACE_POKEDATA, 0x7f0000001000ull);

	assert_one(&ev, "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) wrote to the memory of sshd (pid 812) at "
		   "0x7f0000001000 with PTRACE_POKEDATA");
	ev = ptrace_ev(PTRACE_POKEUSER, 0x50);
	assert_one(&ev, "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) wrote to the user area (registers) of sshd (pid 812) "
		   "with PTRACE_POKEUSER");
	ev = ptrace_ev(PTRACE_SETREGS, 0);
	assert_one(&ev, "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) changed the registers of sshd (pid 812) with "
		   "PTRACE_SETREGS");
	ev = ptrace_ev(PTRACE_SETREGSET, 0);
	assert_one(&ev, "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) changed the registers of sshd (pid 812) with "
		   "PTRACE_SETREGSET");
	ev = ptrace_ev(PTRACE_SETSIGINFO, 0);
	assert_one(&ev, "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) changed the signal being delivered to sshd (pid 812) "
		   "with PTRACE_SETSIGINFO");
	ev = ptrace_ev(0x4212, 0);
	assert_one(&ev, "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) changed the system call being made by sshd (pid 812) "
		   "with PTRACE_SET_SYSCALL_INFO");
}
END_TEST

START_TEST(test_ptrace_ignored)
{
	static const int64_t quiet[] = {PTRACE_PEEKDATA, PTRACE_CONT, PTRACE_GETREGS, PTRACE_DETACH,
					0x4200,		 0x4207,      12345};

	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		struct zj_event ev = ptrace_ev(quiet[i], 0);

		ck_assert_int_eq(detect(&ev), 0);
	}
}
END_TEST

START_TEST(test_ptrace_traceme)
{
	struct zj_event ev = debugger_on_child(ZJ_EV_PTRACE);

	/* The child asks; it is actor and target. */
	ev.actor = ev.target;
	ev.flags = 0;
	ev.ptrace.request = PTRACE_TRACEME;
	proc(&ctx.ancestors[0], 4999, 4000, 1000, "gdb", S("/usr/bin/gdb"));
	ctx.n_ancestors = 1;
	assert_one(&ev, "T1055.008", ZJ_SEV_LOW, ZJ_TARGET_ACTOR,
		   "pid 5000 a.out (/home/u/a.out) asked to be traced by its parent gdb (pid 4999) "
		   "with PTRACE_TRACEME");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_SELF);

	/* Without lineage the parent is its pid. */
	ctx.n_ancestors = 0;
	assert_one(&ev, "T1055.008", ZJ_SEV_LOW, ZJ_TARGET_ACTOR,
		   "pid 5000 a.out (/home/u/a.out) asked to be traced by its parent pid 4999 with "
		   "PTRACE_TRACEME");
}
END_TEST

START_TEST(test_ptrace_debugger_own_child)
{
	struct zj_event ev = debugger_on_child(ZJ_EV_PTRACE);

	ev.ptrace.request = PTRACE_ATTACH;
	assert_one(&ev, "T1055.008", ZJ_SEV_LOW, ZJ_TARGET_PROCESS,
		   "pid 4999 gdb (/usr/bin/gdb) attached to a.out (pid 5000), its own child, with "
		   "PTRACE_ATTACH");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "debugger on its own child");

	ev.ptrace.request = PTRACE_POKETEXT;
	ev.ptrace.addr = 0x401000;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);

	/* A target the table did not know: its ppid is not evidence... */
	ev.target.flags = 0;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	ck_assert_uint_eq(f[0].severity, ZJ_SEV_HIGH);
	/* ...but the process table's lineage is. */
	ctx.flags = ZJ_CTX_TARGET_CHILD;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);

	/* The same debugger attaching to someone else's process is not benign. */
	ctx.flags = 0;
	ev = ptrace_ev(PTRACE_ATTACH, 0);
	proc(&ev.actor, 4999, 4000, 1000, "gdb", S("/usr/bin/gdb"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
}
END_TEST

START_TEST(test_ptrace_outcome)
{
	struct zj_event ev = ptrace_ev(PTRACE_ATTACH, 0);

	ev.ptrace.result = -1;
	assert_one(&ev, "T1055.008", ZJ_SEV_MEDIUM, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) attached to sshd (pid 812) with PTRACE_ATTACH; it "
		   "failed with EPERM");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_FAILED);
	ev.ptrace.result = -38;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].reason, "pid 4242 python3 (/tmp/x) attached to sshd (pid 812) with "
				      "PTRACE_ATTACH; it failed with error -38");
	ev.ptrace.result = -1;
	ev.flags |= ZJ_EVF_BLOCKED;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].reason, "pid 4242 python3 (/tmp/x) attached to sshd (pid 812) with "
				      "PTRACE_ATTACH; it failed with EPERM; blocked in the kernel");
	ev.flags &= ~ZJ_EVF_BLOCKED;
	ev.flags |= ZJ_EVF_KILLED;
	ev.ptrace.result = 0;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].reason, "pid 4242 python3 (/tmp/x) attached to sshd (pid 812) with "
				      "PTRACE_ATTACH; the actor was killed at syscall entry");

	/* A target the daemon could not name. */
	ev = ptrace_ev(PTRACE_ATTACH, 0);
	ev.flags = 0;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].reason, "pid 4242 python3 (/tmp/x) attached to an unknown process "
				      "with PTRACE_ATTACH");
	memset(ev.target.comm, 0, sizeof(ev.target.comm));
	ev.flags = ZJ_EVF_HAS_TARGET;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].reason,
			 "pid 4242 python3 (/tmp/x) attached to pid 812 with PTRACE_ATTACH");
}
END_TEST

START_TEST(test_ptrace_vdso)
{
	struct zj_event ev = ptrace_ev(PTRACE_POKETEXT, 0x7ffc00001000ull);

	ev.region = ZJ_REGION_VDSO;
	ck_assert_int_eq(detect(&ev), 2);
	ck_assert_str_eq(f[0].technique, "T1055.008");
	ck_assert_str_eq(f[1].technique, "T1055.014");
	ck_assert_uint_eq(f[1].severity, ZJ_SEV_CRITICAL);
	ck_assert_uint_eq(f[1].target, ZJ_TARGET_PROCESS);
	ck_assert_str_eq(f[1].reason, "pid 4242 python3 (/tmp/x) wrote into the vDSO of sshd "
				      "(pid 812) at 0x7ffc00001000 with PTRACE_POKETEXT");

	/* The kernel's view (ZJ_EVF_VDSO) counts when the daemon had no maps. */
	ev.region = ZJ_REGION_NONE;
	ev.flags |= ZJ_EVF_VDSO;
	ck_assert_int_eq(detect(&ev), 2);

	/* Registers are not memory: no vDSO finding. */
	ev = ptrace_ev(PTRACE_SETREGS, 0);
	ev.region = ZJ_REGION_VDSO;
	ck_assert_int_eq(detect(&ev), 1);
}
END_TEST

/* ---- T1055.009 Proc Memory --------------------------------------------------------------- */

START_TEST(test_proc_mem_other)
{
	struct zj_event ev = mem_ev(ZJ_EV_MEM_OPEN, ZJ_VIA_OPEN, 0, 0);

	ev.mem.open_flags = 02;
	assert_one(&ev, "T1055.009", ZJ_SEV_MEDIUM, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) opened the memory of sshd (pid 812) for writing "
		   "(/proc/812/mem)");
	ev.flags |= ZJ_EVF_THREAD_TARGET;
	ev.target.tid = 813;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].reason, "pid 4242 python3 (/tmp/x) opened the memory of sshd "
				      "(pid 812) for writing (/proc/812/task/813/mem)");

	ev = mem_ev(ZJ_EV_MEM_WRITE, ZJ_VIA_PWRITE64, 0x55550000, 64);
	assert_one(&ev, "T1055.009", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) wrote 64 bytes to the memory of sshd (pid 812) at "
		   "0x55550000 through /proc/812/mem (pwrite64)");
	ck_assert_uint_eq(f[0].flags, 0);

	ev = mem_ev(ZJ_EV_MEM_WRITE, ZJ_VIA_WRITEV, 0x55550000, 4096);
	ev.mem.iovcnt = 3;
	ev.flags |= ZJ_EVF_TRUNC_IOV;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].reason, "pid 4242 python3 (/tmp/x) wrote at least 4096 bytes in 3 "
				      "vectors to the memory of sshd (pid 812) at 0x55550000 "
				      "through /proc/812/mem (writev)");
}
END_TEST

START_TEST(test_proc_mem_self)
{
	struct zj_event ev = self_mem_ev(ZJ_EV_MEM_WRITE, ZJ_VIA_WRITE, 0x1000, 16);

	/* A process writing its own /proc/self/mem: recorded for hunting, never alarming. */
	assert_one(&ev, "T1055.009", ZJ_SEV_LOW, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) wrote 16 bytes to its own memory at 0x1000 through "
		   "/proc/4242/mem (write)");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_SELF | ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "self write");

	ev = self_mem_ev(ZJ_EV_MEM_OPEN, ZJ_VIA_OPEN, 0, 0);
	assert_one(&ev, "T1055.009", ZJ_SEV_LOW, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) opened its own memory for writing (/proc/4242/mem)");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_SELF | ZJ_FIND_BENIGN);

	/* Same pid without the kernel's flag still is self. */
	ev = mem_ev(ZJ_EV_MEM_WRITE, ZJ_VIA_WRITE, 0x1000, 16);
	ev.target = ev.actor;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_SELF | ZJ_FIND_BENIGN);
}
END_TEST

START_TEST(test_proc_mem_debugger)
{
	/* gdb writes breakpoints through /proc/<child>/mem. */
	struct zj_event ev = debugger_on_child(ZJ_EV_MEM_WRITE);

	ev.mem.via = ZJ_VIA_PWRITE64;
	ev.mem.addr = 0x401000;
	ev.mem.len = 1;
	assert_one(&ev, "T1055.009", ZJ_SEV_LOW, ZJ_TARGET_PROCESS,
		   "pid 4999 gdb (/usr/bin/gdb) wrote 1 bytes to the memory of a.out (pid 5000), "
		   "its own child, at 0x401000 through /proc/5000/mem (pwrite64)");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "debugger on its own child");
}
END_TEST

START_TEST(test_proc_mem_vdso)
{
	struct zj_event ev = mem_ev(ZJ_EV_MEM_WRITE, ZJ_VIA_PWRITE64, 0x7ffc00001000ull, 8);

	ev.region = ZJ_REGION_VDSO;
	ck_assert_int_eq(detect(&ev), 2);
	ck_assert_str_eq(f[0].technique, "T1055.009");
	ck_assert_str_eq(f[1].technique, "T1055.014");
	ck_assert_uint_eq(f[1].severity, ZJ_SEV_CRITICAL);
	ck_assert_str_eq(f[1].reason, "pid 4242 python3 (/tmp/x) wrote 8 bytes into the vDSO of "
				      "sshd (pid 812) at 0x7ffc00001000 through /proc/812/mem");

	ev.region = ZJ_REGION_VVAR;
	ck_assert_int_eq(detect(&ev), 2);
	ck_assert_str_eq(f[1].reason, "pid 4242 python3 (/tmp/x) wrote 8 bytes into the vvar "
				      "page of sshd (pid 812) at 0x7ffc00001000 through "
				      "/proc/812/mem");

	/* Patching one's own vDSO: the write is self (benign), the vDSO change is not. */
	ev = self_mem_ev(ZJ_EV_MEM_WRITE, ZJ_VIA_WRITE, 0x7ffc00001000ull, 8);
	ev.region = ZJ_REGION_VDSO;
	ck_assert_int_eq(detect(&ev), 2);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_SELF | ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[1].technique, "T1055.014");
	ck_assert_uint_eq(f[1].severity, ZJ_SEV_MEDIUM);
	ck_assert_uint_eq(f[1].target, ZJ_TARGET_ACTOR);
	ck_assert_uint_eq(f[1].flags, ZJ_FIND_SELF);
	ck_assert_str_eq(f[1].reason, "pid 4242 python3 (/tmp/x) wrote 8 bytes into its own vDSO "
				      "at 0x7ffc00001000 through /proc/4242/mem");

	/* Opening is not writing: no vDSO finding. */
	ev = mem_ev(ZJ_EV_MEM_OPEN, ZJ_VIA_OPEN, 0, 0);
	ev.region = ZJ_REGION_VDSO;
	ck_assert_int_eq(detect(&ev), 1);
}
END_TEST

/* ---- process_vm_writev: T1055.008 -------------------------------------------------------- */

START_TEST(test_vm_write)
{
	struct zj_event ev = mem_ev(ZJ_EV_VM_WRITE, ZJ_VIA_PROCESS_VM_WRITEV, 0x55550000, 128);

	assert_one(&ev, "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) wrote 128 bytes to the memory of sshd (pid 812) at "
		   "0x55550000 with process_vm_writev (ptrace access, not /proc: Ptrace System "
		   "Calls)");

	ev.region = ZJ_REGION_VDSO;
	ck_assert_int_eq(detect(&ev), 2);
	ck_assert_str_eq(f[1].technique, "T1055.014");
	ck_assert_str_eq(f[1].reason, "pid 4242 python3 (/tmp/x) wrote 128 bytes into the vDSO of "
				      "sshd (pid 812) at 0x55550000 with process_vm_writev");

	ev = self_mem_ev(ZJ_EV_VM_WRITE, ZJ_VIA_PROCESS_VM_WRITEV, 0x1000, 8);
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1055.008");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_SELF | ZJ_FIND_BENIGN);
	ck_assert_uint_eq(f[0].severity, ZJ_SEV_LOW);
}
END_TEST

/* ---- T1055.014 VDSO Hijacking: own mappings ---------------------------------------------- */

static struct zj_event vdso_map_ev(uint32_t op, uint32_t prot)
{
	struct zj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_VDSO_MAP;
	ev.flags = ZJ_EVF_SELF;
	ev.region = ZJ_REGION_VDSO;
	proc(&ev.actor, 4242, 4200, 1000, "python3", S("/tmp/x"));
	ev.vdso_map.op = op;
	ev.vdso_map.prot = prot;
	ev.vdso_map.addr = 0x7ffc00001000ull;
	ev.vdso_map.len = 0x2000;
	ev.vdso_map.new_addr = 0x10000;
	ev.vdso_map.new_len = 0x2000;
	return ev;
}

START_TEST(test_vdso_map)
{
	struct zj_event ev = vdso_map_ev(ZJ_VMAP_MPROTECT, 1 | 2);

	assert_one(&ev, "T1055.014", ZJ_SEV_HIGH, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) made its own vDSO writable (PROT_READ|PROT_WRITE) "
		   "with mprotect");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_SELF);

	ev = vdso_map_ev(ZJ_VMAP_PKEY_MPROTECT, 1 | 2 | 4 | 0x10);
	assert_one(&ev, "T1055.014", ZJ_SEV_HIGH, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) made its own vDSO writable "
		   "(PROT_READ|PROT_WRITE|PROT_EXEC|0x10) with pkey_mprotect");

	ev = vdso_map_ev(ZJ_VMAP_MPROTECT, 1);
	assert_one(&ev, "T1055.014", ZJ_SEV_LOW, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) changed the protection of its own vDSO to PROT_READ "
		   "with mprotect");
	ev = vdso_map_ev(ZJ_VMAP_MPROTECT, 0);
	ev.region = ZJ_REGION_VVAR;
	assert_one(&ev, "T1055.014", ZJ_SEV_LOW, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) changed the protection of its own vvar page to "
		   "PROT_NONE with mprotect");

	ev = vdso_map_ev(ZJ_VMAP_MREMAP, 0);
	assert_one(&ev, "T1055.014", ZJ_SEV_HIGH, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) remapped its own vDSO from 0x7ffc00001000 to 0x10000 "
		   "with mremap");

	ev = vdso_map_ev(ZJ_VMAP_MUNMAP, 0);
	assert_one(&ev, "T1055.014", ZJ_SEV_MEDIUM, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) unmapped its own vDSO at 0x7ffc00001000 with munmap");

	ev = vdso_map_ev(9, 0);
	assert_one(&ev, "T1055.014", ZJ_SEV_MEDIUM, ZJ_TARGET_ACTOR,
		   "pid 4242 python3 (/tmp/x) changed the mapping of its own vDSO (operation 9)");
}
END_TEST

/* ---- T1053.003 Cron, T1053.002 At --------------------------------------------------------- */

START_TEST(test_cron)
{
	struct zj_event ev = file_ev(ZJ_FOP_CREATE, S("/etc/cron.d/evil"), S(""));

	assert_one(&ev, "T1053.003", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created /etc/cron.d/evil: a cron table in "
		   "/etc/cron.d");
	ck_assert_uint_eq(f[0].flags, 0);

	ev = file_ev(ZJ_FOP_OPEN_WRITE, S("/etc/crontab"), S(""));
	ev.flags |= ZJ_EVF_O_TRUNC;
	assert_one(&ev, "T1053.003", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) opened /etc/crontab for writing, truncating it: "
		   "the system crontab");

	ev = file_ev(ZJ_FOP_CREATE, S("/etc/anacrontab"), S(""));
	assert_one(&ev, "T1053.003", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created /etc/anacrontab: anacron's table");

	ev = file_ev(ZJ_FOP_CHMOD, S("/etc/cron.daily/backup"), S(""));
	ev.file.mode = 0100755;
	assert_one(&ev, "T1053.003", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) changed the mode of /etc/cron.daily/backup to "
		   "0755: a script cron runs daily");
	ev = file_ev(ZJ_FOP_TRUNCATE, S("/etc/cron.hourly/x"), S(""));
	assert_one(&ev, "T1053.003", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) truncated /etc/cron.hourly/x: a script cron runs "
		   "hourly");

	/* crontab -e: a temporary file, then the rename that installs it. */
	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/cron/crontabs/tmp.XJ2k1q"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_RENAME, S("/var/spool/cron/crontabs/alice"),
		     S("/var/spool/cron/crontabs/tmp.XJ2k1q"));
	assert_one(&ev, "T1053.003", ZJ_SEV_MEDIUM, ZJ_TARGET_USER,
		   "pid 4242 bash (/usr/bin/bash) renamed /var/spool/cron/crontabs/tmp.XJ2k1q to "
		   "/var/spool/cron/crontabs/alice: the crontab of user alice");
	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/cron/crontabs/root"), S(""));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].target, ZJ_TARGET_SYSTEM);
	/* Red Hat's layout. */
	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/cron/bob"), S(""));
	assert_one(&ev, "T1053.003", ZJ_SEV_MEDIUM, ZJ_TARGET_USER,
		   "pid 4242 bash (/usr/bin/bash) created /var/spool/cron/bob: the crontab of user "
		   "bob");
	/* The spool directory itself. */
	ev = file_ev(ZJ_FOP_CHMOD, S("/etc/cron.d"), S(""));
	ev.file.mode = 040777;
	assert_one(&ev, "T1053.003", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) changed the mode of /etc/cron.d to 0777: a "
		   "directory cron reads jobs from");

	/* Look-alikes and deeper paths cron does not read. */
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/cron.dx"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/cron.d/sub/x"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/crontab.bak"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
}
END_TEST

START_TEST(test_at)
{
	struct zj_event ev =
		file_ev(ZJ_FOP_CREATE, S("/var/spool/cron/atjobs/a0000101b2c3d4"), S(""));

	ev.actor.uid = 1000;
	assert_one(&ev, "T1053.002", ZJ_SEV_MEDIUM, ZJ_TARGET_USER,
		   "pid 4242 bash (/usr/bin/bash) created /var/spool/cron/atjobs/a0000101b2c3d4: "
		   "an at job");
	/* Root's jobs run as root. */
	ev.actor.uid = 0;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].target, ZJ_TARGET_SYSTEM);

	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/at/a00001019a1b2c"), S(""));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1053.002");

	/* at's sequence counter and its output spools are not jobs. */
	ev = file_ev(ZJ_FOP_OPEN_WRITE, S("/var/spool/cron/atjobs/.SEQ"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/cron/atspool/=0000101b2c3d4"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/at/spool/a00001019a1b2c"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/at/.SEQ"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/mail/alice"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
}
END_TEST

/* ---- systemd: T1053.006 timers, T1543.002 services and other units ------------------------ */

START_TEST(test_systemd_units)
{
	struct zj_event ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/evil.service"), S(""));

	assert_one(&ev, "T1543.002", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created /etc/systemd/system/evil.service: a "
		   "systemd service unit");
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/evil.timer"), S(""));
	assert_one(
		&ev, "T1053.006", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		"pid 4242 bash (/usr/bin/bash) created /etc/systemd/system/evil.timer: a systemd "
		"timer unit");
	ev = file_ev(ZJ_FOP_CREATE, S("/usr/lib/systemd/system/evil.socket"), S(""));
	assert_one(&ev, "T1543.002", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created /usr/lib/systemd/system/evil.socket: a "
		   "systemd socket unit");
	ev = file_ev(ZJ_FOP_CREATE, S("/run/systemd/system/data.mount"), S(""));
	assert_one(&ev, "T1543.002", ZJ_SEV_LOW, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created /run/systemd/system/data.mount: a "
		   "systemd mount unit");
	ev = file_ev(ZJ_FOP_CREATE, S("/lib/systemd/system/getty@.service"), S(""));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1543.002");
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/user/sync.timer"), S(""));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1053.006");

	/* One user's units. */
	ev = file_ev(ZJ_FOP_CREATE, S("/home/alice/.config/systemd/user/agent.service"), S(""));
	assert_one(&ev, "T1543.002", ZJ_SEV_MEDIUM, ZJ_TARGET_USER,
		   "pid 4242 bash (/usr/bin/bash) created "
		   "/home/alice/.config/systemd/user/agent.service: a systemd user service unit");
	ev = file_ev(ZJ_FOP_CREATE, S("/root/.local/share/systemd/user/x.timer"), S(""));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1053.006");
	ck_assert_uint_eq(f[0].target, ZJ_TARGET_USER);

	/* Not units. */
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/README"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/.service"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/service"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system.conf"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/a/b/c.service"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
}
END_TEST

START_TEST(test_systemd_dropins_and_links)
{
	struct zj_event ev =
		file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/ssh.service.d/override.conf"), S(""));

	assert_one(&ev, "T1543.002", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created "
		   "/etc/systemd/system/ssh.service.d/override.conf: a drop-in for the systemd "
		   "service ssh.service");
	/* A drop-in counts for its unit's type. */
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/backup.timer.d/when.conf"), S(""));
	assert_one(&ev, "T1053.006", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created "
		   "/etc/systemd/system/backup.timer.d/when.conf: a drop-in for the systemd timer "
		   "backup.timer");
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/service.d/all.conf"), S(""));
	assert_one(&ev, "T1543.002", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created /etc/systemd/system/service.d/all.conf: "
		   "a drop-in for every systemd service");
	/* Only NAME.conf is read from a drop-in directory. */
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/ssh.service.d/notes.txt"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/systemd/system/ssh.service.d/.conf"), S(""));
	ck_assert_int_eq(detect(&ev), 0);

	/* systemctl enable: a link named after the unit it pulls in. */
	ev = file_ev(ZJ_FOP_SYMLINK, S("/etc/systemd/system/multi-user.target.wants/evil.service"),
		     S("/etc/systemd/system/evil.service"));
	assert_one(&ev, "T1543.002", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) created the symlink "
		   "/etc/systemd/system/multi-user.target.wants/evil.service -> "
		   "/etc/systemd/system/evil.service: a link that enables the systemd service "
		   "evil.service");
	ev = file_ev(ZJ_FOP_SYMLINK, S("/etc/systemd/system/timers.target.wants/evil.timer"),
		     S("/etc/systemd/system/evil.timer"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1053.006");
	ev = file_ev(ZJ_FOP_SYMLINK, S("/etc/systemd/system/sshd.service.requires/x.socket"),
		     S("/lib/systemd/system/x.socket"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1543.002");
	ev = file_ev(ZJ_FOP_LINK, S("/etc/systemd/system/default.target.upholds/y.service"),
		     S("/etc/systemd/system/y.service"));
	assert_one(&ev, "T1543.002", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) hard-linked /etc/systemd/system/y.service as "
		   "/etc/systemd/system/default.target.upholds/y.service: a link that enables the "
		   "systemd service y.service");
	ev = file_ev(ZJ_FOP_SYMLINK, S("/etc/systemd/system/multi-user.target.wants/README"),
		     S("/x"));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_SYMLINK, S("/etc/systemd/system/foo/evil.service"), S("/x"));
	ck_assert_int_eq(detect(&ev), 0);
}
END_TEST

/* ---- T1574.006 Dynamic Linker Hijacking -------------------------------------------------- */

START_TEST(test_ld_so_preload)
{
	struct zj_event ev = file_ev(ZJ_FOP_OPEN_WRITE, S("/etc/ld.so.preload"), S(""));

	assert_one(
		&ev, "T1574.006", ZJ_SEV_HIGH, ZJ_TARGET_SYSTEM,
		"pid 4242 bash (/usr/bin/bash) opened /etc/ld.so.preload for writing: the dynamic "
		"linker's preload list, loaded into every program");
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/ld.so.preload.bak"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/passwd"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
}
END_TEST

START_TEST(test_ld_preload_exec)
{
	struct zj_event ev = exec_ev();

	/* No LD_PRELOAD in the environment: nothing. */
	ck_assert_int_eq(detect(&ev), 0);

	proc(&ctx.ancestors[0], 100, 90, 1000, "bash", S("/usr/bin/bash"));
	ctx.n_ancestors = 1;
	ctx.flags = ZJ_CTX_LD_PRELOAD;
	ctx.ld_preload = S("/tmp/.x/libhook.so");
	assert_one(&ev, "T1574.006", ZJ_SEV_HIGH, ZJ_TARGET_ACTOR,
		   "pid 4242 curl (/usr/bin/curl) was started with LD_PRELOAD=/tmp/.x/libhook.so "
		   "by bash (pid 100)");
	ck_assert_uint_eq(f[0].flags, 0);

	ctx.ld_preload = S("/opt/app/lib/libmalloc.so");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].severity, ZJ_SEV_MEDIUM);
	ctx.ld_preload = S("libfoo.so");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].severity, ZJ_SEV_MEDIUM);
	/* The worst entry decides; spaces and colons both separate. */
	ctx.ld_preload = S("/usr/lib/x86_64-linux-gnu/libeatmydata.so /dev/shm/y.so");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].severity, ZJ_SEV_HIGH);

	/* coreutils' stdbuf: a library from a system directory. */
	ctx.ld_preload = S("/usr/libexec/coreutils/libstdbuf.so");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].severity, ZJ_SEV_LOW);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "preload from a system library directory");
	ctx.ld_preload = S("/usr/lib/../../tmp/x.so");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	ctx.ld_preload = S("/usr/$LIB/libx.so");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);

	/* An empty LD_PRELOAD loads nothing. */
	ctx.ld_preload = S(": :");
	ck_assert_int_eq(detect(&ev), 0);
	ctx.ld_preload = S("");
	ck_assert_int_eq(detect(&ev), 0);
}
END_TEST

/* ---- lineage: package managers ----------------------------------------------------------- */

START_TEST(test_package_manager_actor)
{
	struct zj_event ev = file_ev(ZJ_FOP_CREATE, S("/lib/systemd/system/nginx.service"), S(""));

	proc(&ev.actor, 300, 200, 0, "dpkg", S("/usr/bin/dpkg"));
	assert_one(&ev, "T1543.002", ZJ_SEV_LOW, ZJ_TARGET_SYSTEM,
		   "pid 300 dpkg (/usr/bin/dpkg) created /lib/systemd/system/nginx.service: a "
		   "systemd service unit");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "package manager dpkg");

	/* A copy named dpkg outside the system directories is not the package manager. */
	proc(&ev.actor, 300, 200, 0, "dpkg", S("/tmp/dpkg"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	proc(&ev.actor, 300, 200, 0, "dpkg", S("/usr/bin/../../tmp/dpkg"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);

	/* A process table's decision (ZJ_PROC_PKG_DECIDED) is taken as it is, either way. */
	proc(&ev.actor, 300, 200, 0, "dpkg", S("/tmp/dpkg"));
	ev.actor.flags |= ZJ_PROC_PKG_DECIDED | ZJ_PROC_PKG_MANAGER;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	proc(&ev.actor, 300, 200, 0, "dpkg", S("/usr/bin/dpkg"));
	ev.actor.flags |= ZJ_PROC_PKG_DECIDED;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
}
END_TEST

START_TEST(test_package_manager_ancestor)
{
	/* dpkg -> postinst (sh) -> deb-systemd-helper (perl) enabling the unit. */
	struct zj_event ev = file_ev(ZJ_FOP_SYMLINK,
				     S("/etc/systemd/system/multi-user.target.wants/nginx.service"),
				     S("/lib/systemd/system/nginx.service"));

	proc(&ev.actor, 320, 310, 0, "deb-systemd-hel", S("/usr/bin/perl"));
	ev.actor.cmdline = S("/usr/bin/perl\0/usr/bin/deb-systemd-helper\0enable\0nginx.service");
	proc(&ctx.ancestors[0], 310, 300, 0, "nginx.postinst", S("/usr/bin/dash"));
	proc(&ctx.ancestors[1], 300, 200, 0, "dpkg", S("/usr/bin/dpkg"));
	proc(&ctx.ancestors[2], 200, 1, 0, "apt", S("/usr/bin/apt"));
	ctx.n_ancestors = 3;
	assert_one(&ev, "T1543.002", ZJ_SEV_LOW, ZJ_TARGET_SYSTEM,
		   "pid 320 deb-systemd-hel (/usr/bin/perl) created the symlink "
		   "/etc/systemd/system/multi-user.target.wants/nginx.service -> "
		   "/lib/systemd/system/nginx.service: a link that enables the systemd service "
		   "nginx.service; under package manager dpkg (pid 300)");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "package manager dpkg");

	/* Without the package manager in the lineage, the same write is not benign. */
	ctx.n_ancestors = 1;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	ck_assert_uint_eq(f[0].severity, ZJ_SEV_MEDIUM);
}
END_TEST

START_TEST(test_package_manager_script)
{
	/* unattended-upgrade and dnf are Python scripts: the interpreter is the executable. */
	struct zj_event ev =
		file_ev(ZJ_FOP_RENAME, S("/etc/cron.d/certbot"), S("/etc/cron.d/certbot.dpkg-new"));

	proc(&ev.actor, 400, 1, 0, "unattended-upgr", S("/usr/bin/python3.11"));
	ev.actor.cmdline = S("/usr/bin/python3\0/usr/bin/unattended-upgrade\0");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "package manager unattended-upgrade");

	ev.actor.cmdline = S("/usr/bin/python3\0/home/u/dnf\0");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	ev.actor.cmdline = S("/usr/bin/python3");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	/* the system's script run by an interpreter from elsewhere is not the package manager */
	proc(&ev.actor, 400, 1, 0, "python3", S("/home/u/python3"));
	ev.actor.cmdline = S("/home/u/python3\0/usr/bin/dnf\0");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);

	/* LD_PRELOAD under a package manager (eatmydata, fakeroot in package builds). */
	ev = exec_ev();
	ctx.flags = ZJ_CTX_LD_PRELOAD;
	ctx.ld_preload = S("/opt/x.so");
	proc(&ctx.ancestors[0], 300, 200, 0, "apt-get", S("/usr/bin/apt-get"));
	ctx.n_ancestors = 1;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "package manager apt-get");
}
END_TEST

/* ---- removal ----------------------------------------------------------------------------- */

START_TEST(test_removal)
{
	struct zj_event ev = file_ev(ZJ_FOP_UNLINK, S("/etc/cron.d/evil"), S(""));

	assert_one(&ev, "T1053.003", ZJ_SEV_LOW, ZJ_TARGET_SYSTEM,
		   "pid 4242 bash (/usr/bin/bash) removed /etc/cron.d/evil: a cron table in "
		   "/etc/cron.d (removed: a cleanup, or tracks being covered)");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_REMOVAL);

	/* Renamed out of cron's reach is a removal too. */
	ev = file_ev(ZJ_FOP_RENAME, S("/tmp/evil"), S("/etc/systemd/system/evil.service"));
	assert_one(
		&ev, "T1543.002", ZJ_SEV_LOW, ZJ_TARGET_SYSTEM,
		"pid 4242 bash (/usr/bin/bash) moved /etc/systemd/system/evil.service away to "
		"/tmp/evil: a systemd service unit (removed: a cleanup, or tracks being covered)");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_REMOVAL);

	/* A rename between two unrelated places is nothing. */
	ev = file_ev(ZJ_FOP_RENAME, S("/tmp/b"), S("/tmp/a"));
	ck_assert_int_eq(detect(&ev), 0);
}
END_TEST

/* ---- text -------------------------------------------------------------------------------- */

START_TEST(test_reason_escapes_and_truncation)
{
	static char longpath[600], longexe[300];
	struct zj_event ev = file_ev(ZJ_FOP_CREATE, S("/etc/cron.d/a\nFAKE LOG LINE"), S(""));
	size_t n;

	/* A newline in a file name cannot forge a second log line. */
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].reason,
			 "pid 4242 bash (/usr/bin/bash) created "
			 "/etc/cron.d/a\\x0aFAKE LOG LINE: a cron table in /etc/cron.d");
	ck_assert_ptr_null(strchr(f[0].reason, '\n'));

	/* Long paths are cut at 160 bytes each... */
	memcpy(longpath, "/etc/cron.d/", 12);
	memset(longpath + 12, 'p', sizeof(longpath) - 13);
	memset(longexe, 'e', sizeof(longexe) - 1);
	longexe[0] = '/';
	ev = file_ev(ZJ_FOP_CREATE, (struct zj_str){longpath, strlen(longpath)}, S(""));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	ck_assert_ptr_nonnull(strstr(f[0].reason, "ppp...: a cron table"));

	/* ...and a reason that still does not fit ends in "..." on a character boundary. */
	ev = file_ev(ZJ_FOP_RENAME, (struct zj_str){longpath, strlen(longpath)},
		     (struct zj_str){longpath, strlen(longpath)});
	ev.actor.exe = (struct zj_str){longexe, strlen(longexe)};
	ev.actor.uid = 0;
	proc(&ctx.ancestors[0], 300, 1, 0, "dpkg", S("/usr/bin/dpkg"));
	ctx.n_ancestors = 1;
	ck_assert_int_eq(detect(&ev), 1);
	n = strlen(f[0].reason);
	ck_assert_uint_eq(n, ZJ_REASON_MAX - 1);
	ck_assert_str_eq(f[0].reason + n - 3, "...");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_TRUNCATED | ZJ_FIND_BENIGN);
}
END_TEST

/*
 * The actor's and the object's text are kept from the last finding (detect.c's text memo):
 * a repeat gives the same bytes, and a change of any input (pid, comm, the exe's bytes behind
 * the same pointer) gives the new text, never the kept one.
 */
START_TEST(test_reason_memo)
{
	static char exe[] = "/tmp/x";
	struct zj_event ev = mem_ev(ZJ_EV_MEM_WRITE, ZJ_VIA_PWRITE64, 0x55550000, 64);
	const char *tail = " wrote 64 bytes to the memory of ";

	ev.actor.exe = (struct zj_str){exe, strlen(exe)};
	for (int i = 0; i < 2; i++)
		assert_one(&ev, "T1055.009", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
			   "pid 4242 python3 (/tmp/x) wrote 64 bytes to the memory of sshd "
			   "(pid 812) at 0x55550000 through /proc/812/mem (pwrite64)");

	exe[5] = 'y'; /* same pointer, same length, other bytes */
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_ptr_eq(strstr(f[0].reason, "pid 4242 python3 (/tmp/y)"), f[0].reason);

	snprintf(ev.actor.comm, sizeof(ev.actor.comm), "python4");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_ptr_eq(strstr(f[0].reason, "pid 4242 python4 (/tmp/y)"), f[0].reason);

	ev.actor.pid = 4243;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_ptr_eq(strstr(f[0].reason, "pid 4243 python4 (/tmp/y)"), f[0].reason);

	ev.actor.exe = (struct zj_str){exe, 0};
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_ptr_eq(strstr(f[0].reason, "pid 4243 python4 wrote"), f[0].reason);

	/* the object: the target's comm and pid */
	snprintf(ev.target.comm, sizeof(ev.target.comm), "sshd2");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_ptr_nonnull(strstr(f[0].reason, "the memory of sshd2 (pid 812) at"));
	ev.target.pid = 813;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_ptr_nonnull(strstr(f[0].reason, "the memory of sshd2 (pid 813) at"));
	ev.target.comm[0] = '\0';
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_ptr_nonnull(strstr(f[0].reason, "the memory of pid 813 at"));
	ck_assert_ptr_nonnull(strstr(f[0].reason, tail));
}
END_TEST

/* ---- context and API --------------------------------------------------------------------- */

START_TEST(test_system_process)
{
	struct zj_proc p;

	proc(&p, 1, 0, 0, "systemd", S("/usr/lib/systemd/systemd"));
	ck_assert(zj_proc_is_system(&p));
	proc(&p, 57, 2, 0, "kworker/0:1", S(""));
	ck_assert(zj_proc_is_system(&p));
	proc(&p, 900, 300, 0, "x", S("/x"));
	p.flags |= ZJ_PROC_KTHREAD;
	ck_assert(zj_proc_is_system(&p));
	proc(&p, 900, 300, 1000, "x", S("/x"));
	p.flags |= ZJ_PROC_SYSTEM;
	ck_assert(zj_proc_is_system(&p));
	/* A daemon started by PID 1 from a system directory, as root or a system user. */
	proc(&p, 812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	ck_assert(zj_proc_is_system(&p));
	proc(&p, 640, 1, 104, "systemd-resolve", S("/usr/lib/systemd/systemd-resolved"));
	ck_assert(zj_proc_is_system(&p));
	/* Not: from elsewhere, an orphaned user program, a child of a daemon. */
	proc(&p, 700, 1, 0, "x", S("/tmp/x"));
	ck_assert(!zj_proc_is_system(&p));
	proc(&p, 701, 1, 1000, "python3", S("/usr/bin/python3"));
	ck_assert(!zj_proc_is_system(&p));
	proc(&p, 702, 812, 0, "sshd", S("/usr/sbin/sshd"));
	ck_assert(!zj_proc_is_system(&p));
	proc(&p, 703, 1, 0, "x", S("/usr/bin/../../tmp/x"));
	ck_assert(!zj_proc_is_system(&p));
	ck_assert(!zj_proc_is_system(NULL));
}
END_TEST

START_TEST(test_classify)
{
	struct zj_persist ps;

	ck_assert_int_eq(zj_persist_classify("/etc/systemd/system/a.service.d/x.conf", 38, &ps), 1);
	ck_assert_str_eq(ps.technique, "T1543.002");
	ck_assert_uint_eq(ps.kind, ZJ_PERSIST_DROPIN);
	ck_assert_uint_eq(ps.unit.len, 9);
	ck_assert(memcmp(ps.unit.ptr, "a.service", 9) == 0);
	/* Length, not NUL, ends the path. */
	ck_assert_int_eq(zj_persist_classify("/etc/crontabXYZ", 12, &ps), 1);
	ck_assert_uint_eq(ps.kind, ZJ_PERSIST_CRONTAB);
	ck_assert_int_eq(zj_persist_classify("etc/crontab", 11, &ps), 0);
	ck_assert_int_eq(zj_persist_classify("", 0, &ps), 0);
	ck_assert_int_eq(zj_persist_classify(NULL, 0, &ps), -ZJ_EINVAL);
}
END_TEST

START_TEST(test_api)
{
	struct zj_event ev = ptrace_ev(PTRACE_POKETEXT, 0x7ffc00001000ull);
	struct zj_finding one;

	ev.region = ZJ_REGION_VDSO;
	ck_assert_int_eq(zj_detect_event(&ev, &ctx, 1, &one), -ZJ_ENOSPC);
	ck_assert_int_eq(zj_detect_event(NULL, &ctx, 1, &one), -ZJ_EINVAL);
	ck_assert_int_eq(zj_detect_event(&ev, &ctx, 1, NULL), -ZJ_EINVAL);
	/* ctx is optional. */
	ck_assert_int_eq(zj_detect_event(&ev, NULL, ZJ_FINDINGS_MAX, f), 2);

	memset(&ev, 0, sizeof(ev));
	for (uint32_t type = 0; type < ZJ_EV_MAX + 2; type++) {
		if (type == ZJ_EV_FILE || type == ZJ_EV_VDSO_MAP || type == ZJ_EV_MEM_OPEN ||
		    type == ZJ_EV_PTRACE || type == ZJ_EV_MEM_WRITE || type == ZJ_EV_VM_WRITE ||
		    type == ZJ_EV_KMOD || type == ZJ_EV_SETID || type == ZJ_EV_SOMAP)
			continue;
		ev.type = type;
		ck_assert_int_eq(detect(&ev), 0);
	}
	ck_assert_str_eq(zj_severity_name(ZJ_SEV_INFO), "info");
	ck_assert_str_eq(zj_severity_name(ZJ_SEV_CRITICAL), "critical");
	ck_assert_str_eq(zj_severity_name(5), "unknown");
}
END_TEST

/* ---- the path table (daemon/watch.conf through ZJ_CTX_PATH) ------------------------------ */

static void table_ctx(const char *technique, uint32_t flags, uint32_t uid)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = ZJ_CTX_PATH | flags;
	snprintf(ctx.path_technique, sizeof(ctx.path_technique), "%s", technique);
	ctx.path_uid = uid;
}

START_TEST(test_path_table)
{
	struct zj_event ev = file_ev(ZJ_FOP_CREATE, S("/etc/pam.d/evil"), S(""));

	proc(&ev.actor, 4242, 4200, 0, "python3", S("/tmp/x"));
	table_ctx("T1556.003", ZJ_CTX_PATH_COUNTS, 0);
	assert_one(&ev, "T1556.003", ZJ_SEV_HIGH, ZJ_TARGET_SYSTEM,
		   "pid 4242 python3 (/tmp/x) created /etc/pam.d/evil: PAM: what every login "
		   "and sudo runs to authenticate");
	ck_assert_uint_eq(f[0].flags, 0);
	/* an operation the entry's ops=/names= leave out: no finding */
	table_ctx("T1556.003", 0, 0);
	ck_assert_int_eq(detect(&ev), 0);
	/* a technique id the detector has no words for */
	table_ctx("T1001.001", ZJ_CTX_PATH_COUNTS, 0);
	assert_one(&ev, "T1001.001", ZJ_SEV_MEDIUM, ZJ_TARGET_SYSTEM,
		   "pid 4242 python3 (/tmp/x) created /etc/pam.d/evil: a path the path table "
		   "maps to T1001.001");
	/* the built-in classifier decides its own sub-techniques: crontab's temp files */
	ev = file_ev(ZJ_FOP_CREATE, S("/var/spool/cron/crontabs/tmp.XJ2k1q"), S(""));
	table_ctx("T1053.003", ZJ_CTX_PATH_COUNTS, 0);
	ck_assert_int_eq(detect(&ev), 0);
	table_ctx("T1053.003", 0, 0);
	ev = file_ev(ZJ_FOP_CREATE, S("/etc/cron.d/x"), S(""));
	ck_assert_int_eq(detect(&ev), 0);
}
END_TEST

START_TEST(test_path_table_benign)
{
	struct zj_event ev = file_ev(ZJ_FOP_RENAME, S("/etc/passwd"), S("/etc/passwd+"));

	/* the account tools on the account databases */
	proc(&ev.actor, 300, 200, 0, "useradd", S("/usr/sbin/useradd"));
	table_ctx("T1136.001", ZJ_CTX_PATH_COUNTS, 0);
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1136.001");
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "account tool useradd");
	/* ...not a copy elsewhere, not another program, not on another sub-technique's file */
	proc(&ev.actor, 300, 200, 0, "useradd", S("/tmp/useradd"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	proc(&ev.actor, 300, 200, 0, "sed", S("/usr/bin/sed"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	proc(&ev.actor, 300, 200, 0, "useradd", S("/usr/sbin/useradd"));
	table_ctx("T1548.003", ZJ_CTX_PATH_COUNTS, 0);
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	/* visudo on sudoers */
	proc(&ev.actor, 300, 200, 0, "visudo", S("/usr/sbin/visudo"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].benign, "sudo's editor visudo");

	/* a user's own shell or editor on their own shell file; not root's, not a dropper */
	ev = file_ev(ZJ_FOP_OPEN_WRITE, S("/home/alice/.bashrc"), S(""));
	proc(&ev.actor, 500, 400, 1000, "vim", S("/usr/bin/vim.basic"));
	table_ctx("T1546.004", ZJ_CTX_PATH_COUNTS | ZJ_CTX_PATH_HOME, 1000);
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].target, ZJ_TARGET_USER);
	ck_assert_str_eq(f[0].benign, "user editing their own shell file with vim.basic");
	proc(&ev.actor, 500, 400, 0, "vim", S("/usr/bin/vim.basic"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	proc(&ev.actor, 500, 400, 1000, "x", S("/home/alice/x"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	/* the same program outside a home entry: no one's own file */
	proc(&ev.actor, 500, 400, 1000, "vim", S("/usr/bin/vim.basic"));
	table_ctx("T1546.004", ZJ_CTX_PATH_COUNTS, 0);
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, 0);
	/* PID 1 */
	proc(&ev.actor, 1, 0, 0, "systemd", S("/usr/lib/systemd/systemd"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].benign, "service manager systemd");
	/* a rename away from a table path: a removal */
	ev = file_ev(ZJ_FOP_RENAME, S("/tmp/x"), S("/etc/udev/rules.d/10-x.rules"));
	proc(&ev.actor, 4242, 4200, 0, "python3", S("/tmp/x"));
	table_ctx("T1546.017", ZJ_CTX_PATH_COUNTS | ZJ_CTX_PATH_OLD, 0);
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_uint_eq(f[0].flags, ZJ_FIND_REMOVAL);
	ck_assert_uint_eq(f[0].severity, ZJ_SEV_LOW);
}
END_TEST

/* ---- kernel.c: T1547.006, T1548.001, T1620 ------------------------------------------------ */

static struct zj_event kmod_ev(uint32_t op)
{
	struct zj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_KMOD;
	proc(&ev.actor, 4242, 4200, 0, "loader", S("/tmp/loader"));
	ev.kmod.op = op;
	ev.kmod.fd = op == ZJ_KMOD_FINIT ? 3 : -1;
	ev.kmod.len = op == ZJ_KMOD_INIT ? 4096 : 0;
	if (op == ZJ_KMOD_FINIT)
		ev.kmod.path = S("/tmp/rk.ko");
	ev.kmod.name = S("rk");
	return ev;
}

START_TEST(test_kmod_detect)
{
	struct zj_event ev = kmod_ev(ZJ_KMOD_FINIT);

	assert_one(&ev, "T1547.006", ZJ_SEV_HIGH, ZJ_TARGET_SYSTEM,
		   "pid 4242 loader (/tmp/loader) loaded a kernel module with finit_module from "
		   "/tmp/rk.ko: module rk");
	ck_assert(!(f[0].flags & ZJ_FIND_BENIGN));
	ev = kmod_ev(ZJ_KMOD_INIT);
	ev.kmod.name = S("");
	ev.kmod.result = -8;
	assert_one(&ev, "T1547.006", ZJ_SEV_HIGH, ZJ_TARGET_SYSTEM,
		   "pid 4242 loader (/tmp/loader) loaded a kernel module with init_module from its "
		   "memory (4096 bytes) (failed: error 8)");
	ck_assert(f[0].flags & ZJ_FIND_FAILED);
	/* a loader from a shell: medium, not benign */
	ev = kmod_ev(ZJ_KMOD_FINIT);
	proc(&ev.actor, 4242, 4200, 0, "modprobe", S("/usr/bin/kmod"));
	proc(&ctx.ancestors[0], 4200, 4100, 0, "bash", S("/usr/bin/bash"));
	ctx.n_ancestors = 1;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(zj_severity_name(f[0].severity), "medium");
	ck_assert(!(f[0].flags & ZJ_FIND_BENIGN));
	/* ...the same under systemd-udevd: benign, recorded */
	proc(&ctx.ancestors[0], 4200, 300, 0, "(udev-worker)", S("/usr/lib/systemd/systemd-udevd"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert(f[0].flags & ZJ_FIND_BENIGN);
	ck_assert_str_eq(f[0].benign, "module loader under systemd-udevd/systemd-modules-load");
	/* ...the kernel's request_module() helper (a child of kthreadd) */
	ctx.n_ancestors = 0;
	proc(&ev.actor, 4242, 2, 0, "modprobe", S("/usr/sbin/modprobe"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].benign, "system module loader");
	/* a copy named modprobe outside the system directories is not a loader */
	proc(&ev.actor, 4242, 2, 0, "modprobe", S("/tmp/modprobe"));
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert(!(f[0].flags & ZJ_FIND_BENIGN));
	ck_assert_str_eq(zj_severity_name(f[0].severity), "high");
}
END_TEST

static struct zj_event setid_ev(uint32_t mode)
{
	struct zj_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_SETID;
	proc(&ev.actor, 4242, 4200, 0, "chmod", S("/usr/bin/chmod"));
	ev.file.op = ZJ_FOP_CHMOD;
	ev.file.mode = mode;
	ev.file.path = S("/tmp/sh");
	ev.file.path2 = S("");
	return ev;
}

START_TEST(test_setid_detect)
{
	struct zj_event ev = setid_ev(04755);

	assert_one(&ev, "T1548.001", ZJ_SEV_HIGH, ZJ_TARGET_SYSTEM,
		   "pid 4242 chmod (/usr/bin/chmod) set setuid on /tmp/sh (mode 4755)");
	ev = setid_ev(06755);
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert(strstr(f[0].reason, "set setuid and setgid on"));
	ev = setid_ev(02755);
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(zj_severity_name(f[0].severity), "medium");
	/* benign: bits kept, not a regular file, a package manager */
	ev.flags = ZJ_EVF_SETID_HAD;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].benign, "the file had the bits already");
	ev.flags = ZJ_EVF_NOT_REG;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].benign, "not a regular file");
	ev = setid_ev(04755);
	proc(&ctx.ancestors[0], 4200, 1, 0, "dpkg", S("/usr/bin/dpkg"));
	ctx.n_ancestors = 1;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].benign, "package manager dpkg");
	ck_assert_str_eq(zj_severity_name(f[0].severity), "low");
}
END_TEST

START_TEST(test_reflect_detect)
{
	struct zj_event ev = exec_ev();
	struct zj_event m;

	/* a plain exec: nothing */
	ck_assert_int_eq(detect(&ev), 0);
	/* a memfd */
	ev.flags = ZJ_EVF_ANON_EXE;
	ev.exec.filename = S("/dev/fd/4");
	ev.actor.exe = S("/memfd:x");
	assert_one(&ev, "T1620", ZJ_SEV_HIGH, ZJ_TARGET_SYSTEM,
		   "pid 4242 curl (/memfd:x) runs an image that is an anonymous in-memory file "
		   "(memfd), exec'd as /dev/fd/4");
	/* an ordinary file by fd: medium; "/dev/fd/4/x" (a path under a dirfd) is not one */
	ev.flags = 0;
	ev.actor.exe = S("/usr/bin/curl");
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(zj_severity_name(f[0].severity), "medium");
	ev.exec.filename = S("/dev/fd/4/x");
	ck_assert_int_eq(detect(&ev), 0);
	ev.exec.filename = S("/dev/fd/");
	ck_assert_int_eq(detect(&ev), 0);
	/* own text through /proc/self/mem */
	m = self_mem_ev(ZJ_EV_MEM_WRITE, ZJ_VIA_PWRITE64, 0x401000, 16);
	m.flags |= ZJ_EVF_EXEC_TEXT;
	ck_assert_int_eq(detect(&m), 2); /* T1055.009 (self, low) and T1620 */
	ck_assert_str_eq(f[1].technique, "T1620");
	ck_assert_str_eq(f[1].reason, "pid 4242 python3 (/tmp/x) wrote 16 bytes into its own "
				      "program text at 0x401000 through /proc/self/mem (pwrite64)");
	m.flags &= ~ZJ_EVF_EXEC_TEXT;
	ck_assert_int_eq(detect(&m), 1);
	ck_assert_str_ne(f[0].technique, "T1620");
}
END_TEST


START_TEST(test_somap_detect)
{
	struct zj_event ev = attacker_on_sshd(ZJ_EV_SOMAP);

	ev.somap.via = ZJ_INJ_PTRACE;
	ev.somap.prot = 5;
	ev.somap.path = S("/tmp/evil.so");
	assert_one(&ev, "T1055.008", ZJ_SEV_HIGH, ZJ_TARGET_PROCESS,
		   "pid 4242 python3 (/tmp/x) injected the shared object /tmp/evil.so into sshd "
		   "(pid 812) (ptrace, then an executable mapping of it in the target)");
	ev.somap.via = ZJ_INJ_PROC_MEM;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].technique, "T1055.009");
	/* a debugger on its own child: benign */
	ev.target.ppid = ev.actor.pid;
	ck_assert_int_eq(detect(&ev), 1);
	ck_assert_str_eq(f[0].benign, "debugger on its own child");
}
END_TEST

static Suite *detect_suite(void)
{
	Suite *s = suite_create("detect");
	TCase *inject = tcase_create("injection");
	TCase *persist = tcase_create("persistence");
	TCase *misc = tcase_create("context");

	tcase_add_checked_fixture(inject, setup, NULL);
	tcase_add_test(inject, test_uses_ancestors);
	tcase_add_test(inject, test_ptrace_attach);
	tcase_add_test(inject, test_ptrace_modify);
	tcase_add_test(inject, test_ptrace_ignored);
	tcase_add_test(inject, test_ptrace_traceme);
	tcase_add_test(inject, test_ptrace_debugger_own_child);
	tcase_add_test(inject, test_ptrace_outcome);
	tcase_add_test(inject, test_ptrace_vdso);
	tcase_add_test(inject, test_proc_mem_other);
	tcase_add_test(inject, test_proc_mem_self);
	tcase_add_test(inject, test_proc_mem_debugger);
	tcase_add_test(inject, test_proc_mem_vdso);
	tcase_add_test(inject, test_vm_write);
	tcase_add_test(inject, test_vdso_map);
	suite_add_tcase(s, inject);

	tcase_add_checked_fixture(persist, setup, NULL);
	tcase_add_test(persist, test_cron);
	tcase_add_test(persist, test_at);
	tcase_add_test(persist, test_systemd_units);
	tcase_add_test(persist, test_systemd_dropins_and_links);
	tcase_add_test(persist, test_ld_so_preload);
	tcase_add_test(persist, test_ld_preload_exec);
	tcase_add_test(persist, test_package_manager_actor);
	tcase_add_test(persist, test_package_manager_ancestor);
	tcase_add_test(persist, test_package_manager_script);
	tcase_add_test(persist, test_removal);
	tcase_add_test(persist, test_reason_escapes_and_truncation);
	suite_add_tcase(s, persist);

	tcase_add_checked_fixture(misc, setup, NULL);
	tcase_add_test(misc, test_system_process);
	tcase_add_test(misc, test_classify);
	tcase_add_test(misc, test_api);
	tcase_add_test(misc, test_path_table);
	tcase_add_test(misc, test_path_table_benign);
	tcase_add_test(misc, test_kmod_detect);
	tcase_add_test(misc, test_setid_detect);
	tcase_add_test(misc, test_reflect_detect);
	tcase_add_test(misc, test_somap_detect);
	tcase_add_test(misc, test_reason_memo);
	suite_add_tcase(s, misc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(detect_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
