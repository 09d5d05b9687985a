/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj_decode(): records built as the kernel builds them (the bpf_abi.h structs, zeroed, then
 * filled) for every type, every field of the resulting zj_event asserted; malformed records
 * rejected without side effects; random and mutated bytes never crash (run it under ASan).
 *
 * Attribution runs against a process table over a fake /proc in a temporary directory.
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
#include <time.h>
#include <unistd.h>

#include "zhijia/bpf_abi.h"
#include "zhijia/event.h"
#include "../../daemon/decode.h"
#include "../../daemon/proctab.h"

static char root[PATH_MAX];
static uint64_t tick_ns;
static struct zj_proctab *pt;
static struct zj_decoder dec;

/* Records are built here; 8-byte aligned like ring-buffer samples. */
static _Alignas(8) unsigned char rec[0x10000 + 64];

/* ---- fake /proc --------------------------------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *data, size_t n)
{
	char path[PATH_MAX + 64];
	FILE *f;

	ck_assert(snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path));
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static void fake_add(uint32_t pid, uint32_t ppid, uint64_t ticks, uint32_t uid, const char *comm,
		     const char *exe, const char *cmdline, size_t cmdlen, const char *maps)
{
	char dir[PATH_MAX + 32], buf[2048], link[PATH_MAX + 64];
	int n;

	ck_assert(snprintf(dir, sizeof(dir), "%s/%u", root, pid) < (int)sizeof(dir));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	n = snprintf(buf, sizeof(buf),
		     "%u (%s) S %u %u %u 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 %llu 1 2 3\n", pid,
		     comm, ppid, pid, pid, (unsigned long long)ticks);
	write_file(dir, "stat", buf, (size_t)n);
	n = snprintf(buf, sizeof(buf),
		     "Name:\t%s\nTgid:\t%u\nPid:\t%u\nPPid:\t%u\n"
		     "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
		     comm, pid, pid, ppid, uid, uid, uid, uid, uid, uid, uid, uid);
	write_file(dir, "status", buf, (size_t)n);
	write_file(dir, "cmdline", cmdline, cmdlen);
	write_file(dir, "maps", maps ? maps : "", maps ? strlen(maps) : 0);
	if (exe) {
		ck_assert(snprintf(link, sizeof(link), "%s/exe", dir) < (int)sizeof(link));
		ck_assert_int_eq(symlink(exe, link), 0);
	}
}

static void fake_maps(uint32_t pid, const char *maps)
{
	char dir[PATH_MAX + 32];

	ck_assert(snprintf(dir, sizeof(dir), "%s/%u", root, pid) < (int)sizeof(dir));
	write_file(dir, "maps", maps, strlen(maps));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

#define VDSO_LO 0x7ffd5e5f2000ull
#define VDSO_HI 0x7ffd5e5f4000ull
#define VVAR_LO 0x7ffd5e5ee000ull
#define MAPS_300                                                                                   \
	"55d0c0a00000-55d0c0a2e000 r-xp 00000000 08:01 1234    /usr/sbin/nginx\n"                  \
	"7ffd5e5ee000-7ffd5e5f2000 r--p 00000000 00:00 0       [vvar]\n"                           \
	"7ffd5e5f2000-7ffd5e5f4000 r-xp 00000000 00:00 0       [vdso]\n"

/* start_ns of the fake processes, as the kernel would report them (exact, within the tick). */
#define START_200 (1500 * tick_ns + 12345)
#define START_300 (2000 * tick_ns + 777)

static void setup(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	ck_assert_int_gt(hz, 0);
	tick_ns = 1000000000ull / (uint64_t)hz;
	(void)snprintf(root, sizeof(root), "%s/zj-decode-XXXXXX",
		       getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	fake_add(1, 0, 5, 0, "systemd", "/usr/lib/systemd/systemd", "/sbin/init\0", 11, NULL);
	fake_add(200, 100, 1500, 1000, "bash", "/usr/bin/bash", "-bash\0", 6, NULL);
	fake_add(300, 1, 2000, 33, "nginx", "/usr/sbin/nginx", "nginx: master\0", 14, MAPS_300);
	ck_assert_int_eq(zj_proctab_new(root, &pt), 0);
	ck_assert_int_eq(zj_proctab_seed(pt), 3);
	ck_assert_int_eq(zj_decoder_init(&dec, pt), 0);
	memset(rec, 0, sizeof(rec));
}

static void teardown(void)
{
	zj_proctab_free(pt);
	pt = NULL;
	ck_assert_int_eq(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* ---- record builders ---------------------------------------------------------------------- */

#define KTIME 5000000123ull

/* The common header of an actor: pid 200 (bash, uid 1000, child of sshd 100) by default. */
static void hdr(void *r, uint16_t type, size_t size)
{
	struct zj_rec_hdr h;

	ck_assert_uint_le(size, 0xffff);
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.size = (uint16_t)size;
	h.ktime_ns = KTIME;
	h.tgid = 200;
	h.tid = 201;
	h.ppid = 100;
	h.uid = 1000;
	h.gid = 1000;
	h.euid = 1000;
	h.start_ns = START_200;
	h.cgroup_id = 77;
	memcpy(h.comm, "bash", 5);
	memcpy(r, &h, sizeof(h));
}

static struct zj_rec_hdr *H(void)
{
	return (struct zj_rec_hdr *)rec;
}

static size_t mk_exec(const char *fn, const char *exe, const char *args, size_t args_len,
		      uint32_t argc)
{
	struct zj_rec_exec *x = (struct zj_rec_exec *)rec;
	size_t fl = strlen(fn), el = strlen(exe), size = sizeof(*x) + fl + 1 + el + 1 + args_len;

	memset(rec, 0, size + 8);
	hdr(rec, ZJ_REC_EXEC, size);
	x->old_tid = 201;
	x->filename_len = (uint32_t)fl;
	x->exe_len = (uint32_t)el;
	x->args_len = (uint32_t)args_len;
	x->argc = argc;
	memcpy(x->data, fn, fl + 1);
	memcpy(x->data + fl + 1, exe, el + 1);
	memcpy(x->data + fl + 1 + el + 1, args, args_len);
	return size;
}

/* An exec record with LD_PRELOAD in its environment: mk_exec's record plus the value. */
static size_t mk_exec_preload(const char *args, size_t args_len, uint32_t argc, const char *val)
{
	size_t size = mk_exec("/bin/true", "/usr/bin/true", args, args_len, argc);
	struct zj_rec_exec *x = (struct zj_rec_exec *)rec;
	size_t vl = strlen(val);

	memcpy(rec + size, val, vl + 1);
	size += vl + 1;
	x->hdr.size = (uint16_t)size;
	x->hdr.flags |= ZJ_F_LD_PRELOAD;
	x->preload_len = (uint32_t)vl;
	return size;
}

static size_t mk_fork(uint32_t child, uint64_t child_start)
{
	struct zj_rec_fork *x = (struct zj_rec_fork *)rec;

	memset(rec, 0, sizeof(*x));
	hdr(rec, ZJ_REC_FORK, sizeof(*x));
	x->child_tgid = child;
	x->child_start_ns = child_start;
	return sizeof(*x);
}

static size_t mk_exit(int32_t code)
{
	struct zj_rec_exit *x = (struct zj_rec_exit *)rec;

	memset(rec, 0, sizeof(*x));
	hdr(rec, ZJ_REC_EXIT, sizeof(*x));
	x->exit_code = code;
	return sizeof(*x);
}

static size_t mk_ptrace(int64_t request, uint32_t target, uint64_t addr, uint64_t vdso_start,
			uint64_t vdso_end)
{
	struct zj_rec_ptrace *x = (struct zj_rec_ptrace *)rec;

	memset(rec, 0, sizeof(*x));
	hdr(rec, ZJ_REC_PTRACE, sizeof(*x));
	x->request = request;
	x->target_pid = target;
	x->addr = addr;
	x->data = 0x9090909090909090ull;
	x->result = 0;
	x->vdso_start = vdso_start;
	x->vdso_end = vdso_end;
	return sizeof(*x);
}

static size_t mk_mem(uint16_t type, uint32_t via, uint32_t target, uint64_t addr, uint64_t len,
		     uint64_t vdso_start, uint64_t vdso_end)
{
	struct zj_rec_mem *x = (struct zj_rec_mem *)rec;

	memset(rec, 0, sizeof(*x));
	hdr(rec, type, sizeof(*x));
	x->via = via;
	x->target_pid = target;
	x->fd = via == ZJ_VIA_PROCESS_VM_WRITEV ? -1 : 5;
	x->iovcnt = via == ZJ_VIA_OPEN ? 0 : 3;
	x->addr = addr;
	x->len = len;
	x->open_flags = via == ZJ_VIA_OPEN ? 0x8002 : 0;
	x->vdso_start = vdso_start;
	x->vdso_end = vdso_end;
	return sizeof(*x);
}

static size_t mk_vdso_map(uint32_t op, uint64_t addr, uint64_t len, uint64_t vdso_start,
			  uint64_t vdso_end)
{
	struct zj_rec_vdso_map *x = (struct zj_rec_vdso_map *)rec;

	memset(rec, 0, sizeof(*x));
	hdr(rec, ZJ_REC_VDSO_MAP, sizeof(*x));
	x->op = op;
	x->prot = 7;
	x->addr = addr;
	x->len = len;
	x->new_addr = op == ZJ_VMAP_MREMAP ? 0x10000 : 0;
	x->new_len = op == ZJ_VMAP_MREMAP ? len : 0;
	x->vdso_start = vdso_start;
	x->vdso_end = vdso_end;
	return sizeof(*x);
}

/* path2 NULL: absent (path2_len 0) and, with_nul2, still followed by its empty NUL. */
static size_t mk_file(uint32_t op, const char *path, const char *path2, bool with_nul2)
{
	struct zj_rec_file *x = (struct zj_rec_file *)rec;
	size_t pl = strlen(path), p2l = path2 ? strlen(path2) : 0;
	size_t size = sizeof(*x) + pl + 1 + (path2 ? p2l + 1 : with_nul2 ? 1 : 0);

	memset(rec, 0, size + 8);
	hdr(rec, ZJ_REC_FILE, size);
	x->op = op;
	x->mode = 0100644;
	x->open_flags = 0x241;
	x->path_len = (uint16_t)pl;
	x->path2_len = (uint16_t)p2l;
	x->dev = 0x801;
	x->ino = 424242;
	x->watch_id = 3;
	memcpy(x->data, path, pl + 1);
	if (path2)
		memcpy(x->data + pl + 1, path2, p2l + 1);
	return size;
}

/* A deny record as lsm.bpf.c sends it: exact size, the path's NUL last. */
static size_t mk_deny(uint32_t klass, uint32_t hook, uint32_t op, uint32_t target,
		      uint32_t watch_id, const char *path)
{
	struct zj_rec_deny *x = (struct zj_rec_deny *)rec;
	size_t pl = strlen(path), size = sizeof(*x) + pl + 1;

	memset(rec, 0, size + 8);
	hdr(rec, ZJ_REC_DENY, size);
	x->hdr.flags = ZJ_F_BLOCKED;
	x->klass = klass;
	x->hook = hook;
	x->op = op;
	x->target_pid = target;
	x->watch_id = watch_id;
	memcpy(x->path, path, pl + 1);
	return size;
}


/* A kmod record as kmod.bpf.c sends it. */
static size_t mk_kmod(uint32_t op, const char *path, const char *name, int32_t result)
{
	struct zj_rec_kmod *x = (struct zj_rec_kmod *)rec;
	size_t pl = strlen(path), size = sizeof(*x) + pl + 1;

	memset(rec, 0, size + 8);
	hdr(rec, ZJ_REC_KMOD, size);
	x->op = op;
	x->fd = op == ZJ_KMOD_FINIT ? 5 : -1;
	x->len = op == ZJ_KMOD_INIT ? 4096 : 0;
	x->mflags = 0;
	x->result = result;
	x->dev = op == ZJ_KMOD_FINIT ? 0x801 : 0;
	x->ino = op == ZJ_KMOD_FINIT ? 77 : 0;
	x->path_len = (uint32_t)pl;
	snprintf(x->name, sizeof(x->name), "%s", name);
	memcpy(x->data, path, pl + 1);
	return size;
}

/* A setid record as setid.bpf.c sends it (fd-based: dev and inode set). */
static size_t mk_setid(const char *path, uint32_t mode)
{
	struct zj_rec_file *x = (struct zj_rec_file *)rec;
	size_t pl = strlen(path), size = sizeof(*x) + pl + 2;

	memset(rec, 0, size + 8);
	hdr(rec, ZJ_REC_SETID, size);
	x->op = ZJ_FOP_CHMOD;
	x->mode = mode;
	x->path_len = (uint16_t)pl;
	x->dev = 0x801;
	x->ino = 99;
	memcpy(x->data, path, pl + 1);
	return size;
}

/* A so_map record as somap.bpf.c sends it: the header is the target (pid 200). */
static size_t mk_somap(uint32_t injector, uint32_t via, const char *path)
{
	struct zj_rec_somap *x = (struct zj_rec_somap *)rec;
	size_t pl = strlen(path), size = sizeof(*x) + pl + 1;

	memset(rec, 0, size + 8);
	hdr(rec, ZJ_REC_SOMAP, size);
	x->injector_tgid = injector;
	x->via = via;
	x->session_ns = KTIME - 1000;
	x->prot = 5;
	x->path_len = (uint32_t)pl;
	memcpy(x->data, path, pl + 1);
	return size;
}

static int decode(size_t size, struct zj_event *ev);

START_TEST(test_exec_preload)
{
	struct zj_event ev;
	struct zj_rec_exec *x = (struct zj_rec_exec *)rec;
	size_t size = mk_exec_preload("true\0", 5, 1, "/tmp/evil.so");

	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert(ev.flags & ZJ_EVF_LD_PRELOAD);
	ck_assert_uint_eq(ev.exec.ld_preload.len, 12);
	ck_assert(memcmp(ev.exec.ld_preload.ptr, "/tmp/evil.so", 12) == 0);
	/* the value must end in its NUL inside the record */
	ck_assert_int_eq(decode(size - 1, &ev), -EBADMSG);
	/* a length without the flag, or a flag with a length past the end */
	size = mk_exec_preload("true\0", 5, 1, "/x.so");
	x->hdr.flags &= ~ZJ_F_LD_PRELOAD;
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_exec_preload("true\0", 5, 1, "/x.so");
	x->preload_len = 100;
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
}
END_TEST

static int decode(size_t size, struct zj_event *ev)
{
	return zj_decode(&dec, rec, size, ev);
}

/* ---- assertions --------------------------------------------------------------------------- */

static void assert_view(struct zj_str s, const void *want, size_t n)
{
	ck_assert_uint_eq(s.len, n);
	ck_assert_ptr_nonnull(s.ptr);
	ck_assert_msg(memcmp(s.ptr, want, n) == 0, "view \"%.*s\"", (int)s.len, s.ptr);
}

#define ASSERT_VIEW(s, lit) assert_view((s), (lit), sizeof(lit) - 1)

/* The actor of hdr(): bash, pid 200, known from the seeded table. */
static void assert_actor_200(const struct zj_event *ev)
{
	ck_assert_uint_eq(ev->actor.pid, 200);
	ck_assert_uint_eq(ev->actor.tid, 201);
	ck_assert_uint_eq(ev->actor.ppid, 100);
	ck_assert_uint_eq(ev->actor.uid, 1000);
	ck_assert_uint_eq(ev->actor.gid, 1000);
	ck_assert_uint_eq(ev->actor.euid, 1000);
	ck_assert_uint_eq(ev->actor.start_ns, START_200);
	ck_assert_str_eq(ev->actor.comm, "bash");
	ASSERT_VIEW(ev->actor.exe, "/usr/bin/bash");
	ASSERT_VIEW(ev->actor.cmdline, "-bash\0");
	ck_assert_uint_eq(ev->actor.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
}

static void assert_common(const struct zj_event *ev, uint32_t type, uint64_t seq)
{
	ck_assert_uint_eq(ev->type, type);
	ck_assert_uint_eq(ev->seq, seq);
	ck_assert_uint_eq(dec.seq, seq);
	ck_assert_uint_eq(ev->ktime_ns, KTIME);
	ck_assert_int_eq(ev->time_ns, (int64_t)KTIME + dec.boot_to_real_ns);
}

static void assert_target_300(const struct zj_event *ev)
{
	ck_assert(ev->flags & ZJ_EVF_HAS_TARGET);
	ck_assert_uint_eq(ev->target.pid, 300);
	ck_assert_uint_eq(ev->target.tid, 300);
	ck_assert_uint_eq(ev->target.ppid, 1);
	ck_assert_uint_eq(ev->target.uid, 33);
	ck_assert_uint_eq(ev->target.gid, 33);
	ck_assert_uint_eq(ev->target.euid, 33);
	ck_assert_uint_eq(ev->target.start_ns, 2000 * tick_ns);
	ck_assert_str_eq(ev->target.comm, "nginx");
	ASSERT_VIEW(ev->target.exe, "/usr/sbin/nginx");
	ASSERT_VIEW(ev->target.cmdline, "nginx: master\0");
	ck_assert_uint_eq(ev->target.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);
}

static void assert_no_target(const struct zj_event *ev)
{
	struct zj_proc zero;

	memset(&zero, 0, sizeof(zero));
	ck_assert_uint_eq(ev->flags & ZJ_EVF_HAS_TARGET, 0);
	ck_assert_int_eq(memcmp(&ev->target, &zero, sizeof(zero)), 0);
}

/* ---- tests -------------------------------------------------------------------------------- */

START_TEST(test_init)
{
	struct zj_decoder d;
	struct timespec rt, bt;
	int64_t want;

	memset(&d, 0xaa, sizeof(d));
	ck_assert_int_eq(zj_decoder_init(&d, NULL), 0);
	ck_assert_ptr_null(d.pt);
	ck_assert_uint_eq(d.seq, 0);
	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &rt), 0);
	ck_assert_int_eq(clock_gettime(CLOCK_BOOTTIME, &bt), 0);
	want = ((int64_t)rt.tv_sec - bt.tv_sec) * 1000000000 + (rt.tv_nsec - bt.tv_nsec);
	ck_assert_int_lt(llabs(d.boot_to_real_ns - want), 5000000);
	ck_assert_int_eq(zj_decoder_init(NULL, NULL), -EINVAL);
	ck_assert_ptr_eq(dec.pt, pt);
	ck_assert_int_eq(zj_decoder_sync_clock(&dec), 0);
}
END_TEST

START_TEST(test_exec)
{
	static const char args[] = "./evil\0-x\0--y=1\0";
	struct zj_event ev;
	struct zj_proc p;
	size_t size = mk_exec("./evil", "/tmp/evil", args, sizeof(args) - 1, 3);

	/* The actor after exec: pid 1234, a fresh image whose parent is bash. */
	H()->tgid = 1234;
	H()->tid = 1234;
	H()->ppid = 200;
	H()->euid = 0; /* setuid binary */
	H()->start_ns = 7777 * tick_ns + 1;
	memcpy(H()->comm, "evil\0\0\0\0\0\0\0\0\0\0\0", 16);
	H()->flags = ZJ_F_TRUNC_PATH | (1u << 20) | (1u << 16);

	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_EXEC, 1);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_TRUNC_PATH); /* undefined bits dropped */
	ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);
	ck_assert_uint_eq(ev.actor.pid, 1234);
	ck_assert_uint_eq(ev.actor.tid, 1234);
	ck_assert_uint_eq(ev.actor.ppid, 200);
	ck_assert_uint_eq(ev.actor.uid, 1000);
	ck_assert_uint_eq(ev.actor.gid, 1000);
	ck_assert_uint_eq(ev.actor.euid, 0);
	ck_assert_uint_eq(ev.actor.start_ns, 7777 * tick_ns + 1);
	ck_assert_str_eq(ev.actor.comm, "evil");
	ASSERT_VIEW(ev.actor.exe, "/tmp/evil");
	ASSERT_VIEW(ev.actor.cmdline, "./evil\0-x\0--y=1\0");
	ck_assert_uint_eq(ev.actor.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	ASSERT_VIEW(ev.exec.filename, "./evil");
	ck_assert_ptr_eq(ev.exec.filename.ptr, (const char *)rec + sizeof(struct zj_rec_exec));
	ASSERT_VIEW(ev.exec.args, "./evil\0-x\0--y=1\0");
	ck_assert_uint_eq(ev.exec.argc, 3);
	assert_no_target(&ev);

	/* The table learnt the new image. */
	ck_assert_int_eq(zj_proctab_lookup(pt, 1234, 7777 * tick_ns + 1, &p), 0);
	ASSERT_VIEW(p.exe, "/tmp/evil");
	ck_assert_str_eq(p.comm, "evil");
	ck_assert_uint_eq(p.ppid, 200);
	ck_assert_uint_eq(p.euid, 0);

	/* A system daemon's exec: flags come from the table's classification. */
	size = mk_exec("/usr/sbin/cron", "/usr/sbin/cron", "cron\0-f\0", 8, 2);
	H()->tgid = 1300;
	H()->ppid = 1;
	H()->start_ns = 8000 * tick_ns;
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_EXEC, 2);
	ck_assert_uint_eq(ev.flags, 0);
	ck_assert_uint_eq(ev.actor.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);

	/* Empty exe and argv; a truncated last argument is allowed when flagged. */
	size = mk_exec("x", "", "", 0, 0);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.actor.exe.len, 0);
	ck_assert_uint_eq(ev.exec.args.len, 0);
	ck_assert_uint_eq(ev.exec.argc, 0);
	size = mk_exec("x", "/x", "a\0bbbb", 6, 1000);
	H()->flags = ZJ_F_TRUNC_ARGS;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_TRUNC_ARGS);
	ASSERT_VIEW(ev.exec.args, "a\0bbbb");
	ck_assert_uint_eq(ev.exec.argc, 1000);
	/* Fewer arguments than argc (BPF could not read them all). */
	size = mk_exec("x", "/x", "a\0", 2, 5);
	ck_assert_int_eq(decode(size, &ev), 0);

	/* Longest strings the ABI allows. */
	{
		static char fn[ZJ_PATH_MAX], exe[ZJ_PATH_MAX], big[ZJ_ARGS_MAX];

		memset(fn, 'f', ZJ_PATH_MAX - 1);
		memset(exe, 'e', ZJ_PATH_MAX - 1);
		exe[0] = '/';
		for (size_t i = 0; i < ZJ_ARGS_MAX; i++)
			big[i] = i % 8 == 7 ? '\0' : 'a';
		size = mk_exec(fn, exe, big, ZJ_ARGS_MAX, ZJ_ARGS_MAX / 8);
		ck_assert_uint_eq(size, ZJ_REC_MAX_SIZE - ZJ_PRELOAD_MAX);
		ck_assert_int_eq(decode(size, &ev), 0);
		ck_assert_uint_eq(ev.exec.filename.len, ZJ_PATH_MAX - 1);
		ck_assert_uint_eq(ev.exec.args.len, ZJ_ARGS_MAX);
		/* The table keeps at most ZJ_PROCTAB_CMDLINE_MAX of it. */
		ck_assert_uint_eq(ev.actor.cmdline.len, ZJ_PROCTAB_CMDLINE_MAX);
		ck_assert_uint_eq(ev.actor.exe.len, ZJ_PATH_MAX - 1);
	}
}
END_TEST

START_TEST(test_exec_no_table)
{
	struct zj_decoder d;
	struct zj_event ev;
	size_t size = mk_exec("./a", "/bin/a", "a\0", 2, 1);

	ck_assert_int_eq(zj_decoder_init(&d, NULL), 0);
	ck_assert_int_eq(zj_decode(&d, rec, size, &ev), 0);
	ck_assert_uint_eq(ev.seq, 1);
	ASSERT_VIEW(ev.actor.exe, "/bin/a");
	ASSERT_VIEW(ev.actor.cmdline, "a\0");
	ck_assert_uint_eq(ev.actor.flags, 0);
	ck_assert_str_eq(ev.actor.comm, "bash");
	/* Other types without a table: header only. */
	size = mk_ptrace(16, 300, 0, 0, 0);
	ck_assert_int_eq(zj_decode(&d, rec, size, &ev), 0);
	ck_assert_uint_eq(ev.actor.exe.len, 0);
	ck_assert_uint_eq(ev.target.pid, 300);
	ck_assert_uint_eq(ev.target.flags, 0);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET);
}
END_TEST

START_TEST(test_fork)
{
	struct zj_event ev;
	struct zj_proc p;
	size_t size = mk_fork(1400, 9000 * tick_ns + 5);

	H()->flags = ZJ_F_SELF; /* passed through as is */
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_FORK, 1);
	assert_actor_200(&ev);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_SELF);
	ck_assert_uint_eq(ev.fork.child_pid, 1400);
	ck_assert_uint_eq(ev.fork.child_start_ns, 9000 * tick_ns + 5);
	assert_no_target(&ev);
	ck_assert_int_eq(zj_proctab_lookup(pt, 1400, 9000 * tick_ns + 5, &p), 0);
	ck_assert_uint_eq(p.ppid, 200);
	ASSERT_VIEW(p.exe, "/usr/bin/bash");
	ck_assert_uint_eq(p.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
}
END_TEST

START_TEST(test_exit)
{
	struct zj_event ev;
	struct zj_proc p;
	size_t size;

	/* A process the table learnt from its fork, then its exit. */
	size = mk_fork(1500, 9100 * tick_ns);
	ck_assert_int_eq(decode(size, &ev), 0);
	size = mk_exit(0x0100);
	H()->tgid = 1500;
	H()->tid = 1500;
	H()->ppid = 200;
	H()->start_ns = 9100 * tick_ns;
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_EXIT, 2);
	ck_assert_int_eq(ev.exit.code, 0x0100);
	ck_assert_uint_eq(ev.actor.pid, 1500);
	ck_assert_uint_eq(ev.actor.tid, 1500);
	ck_assert_uint_eq(ev.actor.ppid, 200);
	ASSERT_VIEW(ev.actor.exe, "/usr/bin/bash"); /* filled before the entry died */
	ck_assert_uint_eq(ev.actor.flags, ZJ_PROC_KNOWN | ZJ_PROC_PKG_DECIDED);
	assert_no_target(&ev);
	/* Dead now (prune would otherwise find it missing from /proc), still answering. */
	ck_assert_int_eq(zj_proctab_prune(pt), 0);
	ck_assert_int_eq(zj_proctab_lookup(pt, 1500, 9100 * tick_ns, &p), 0);

	/* The exit of a process never known: decoded, the header is the actor. */
	size = mk_exit(9);
	H()->tgid = 1600;
	H()->start_ns = 1;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_int_eq(ev.exit.code, 9);
	ck_assert_uint_eq(ev.actor.pid, 1600);
	ck_assert_uint_eq(ev.actor.flags, 0);
	ck_assert_uint_eq(ev.actor.exe.len, 0);
	ck_assert_uint_eq(ev.actor.cmdline.len, 0);
}
END_TEST

START_TEST(test_ptrace)
{
	struct zj_event ev;
	size_t size;

	/* POKETEXT into the target's vDSO; the kernel could not tell, the table can. */
	size = mk_ptrace(4, 300, VDSO_LO + 0x10, 0, 0);
	((struct zj_rec_ptrace *)rec)->result = -1;
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_PTRACE, 1);
	assert_actor_200(&ev);
	assert_target_300(&ev);
	ck_assert_int_eq(ev.ptrace.request, 4);
	ck_assert_uint_eq(ev.ptrace.addr, VDSO_LO + 0x10);
	ck_assert_uint_eq(ev.ptrace.data, 0x9090909090909090ull);
	ck_assert_int_eq(ev.ptrace.result, -1);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_VDSO);

	/* POKEDATA into [vvar]: the table tells it from the vDSO. */
	size = mk_ptrace(5, 300, VVAR_LO, 0, 0);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VVAR);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_VDSO);

	/* 8 bytes ending one byte into the vDSO count. */
	size = mk_ptrace(5, 300, VDSO_LO - 7, 0, 0);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
	size = mk_ptrace(5, 300, VDSO_HI, 0, 0);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET);

	/* Reads and other requests have no region, even at a vDSO address. */
	size = mk_ptrace(2, 300, VDSO_LO, VDSO_LO, VDSO_HI);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET);
	size = mk_ptrace(0x4206, 300, 0, 0, 0);
	((struct zj_rec_ptrace *)rec)->hdr.flags = ZJ_F_BLOCKED;
	((struct zj_rec_ptrace *)rec)->result = -1;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_int_eq(ev.ptrace.request, 0x4206);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_BLOCKED);
	assert_target_300(&ev);

	/* A target that is gone: only its pid; the kernel's vDSO range decides. */
	size = mk_ptrace(4, 4444, 0x7000, 0x7000, 0x9000);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.target.pid, 4444);
	ck_assert_uint_eq(ev.target.flags, 0);
	ck_assert_uint_eq(ev.target.exe.len, 0);
	ck_assert_uint_eq(ev.target.uid, 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_VDSO);
	size = mk_ptrace(4, 4444, 0x9000, 0x7000, 0x9000);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);
	/* The kernel's view (at the time of the call) wins over a table read later. */
	size = mk_ptrace(4, 300, 0x7000, 0x7000, 0x9000);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
	/* The kernel's own vDSO flag is kept even when no region can be named. */
	size = mk_ptrace(16, 4444, 0, 0, 0);
	((struct zj_rec_ptrace *)rec)->hdr.flags = ZJ_F_VDSO;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_VDSO);
	ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);

	/* PTRACE_TRACEME names no target. */
	size = mk_ptrace(0, 0, 0, 0, 0);
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_no_target(&ev);
	ck_assert_uint_eq(ev.flags, 0);
	ck_assert_uint_eq(ev.seq, 11);
}
END_TEST

START_TEST(test_mem_open)
{
	struct zj_event ev;
	size_t size = mk_mem(ZJ_REC_MEM_OPEN, ZJ_VIA_OPEN, 300, 0, 0, 0, 0);

	H()->flags = ZJ_F_THREAD_TARGET | ZJ_F_KILLED;
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_MEM_OPEN, 1);
	assert_actor_200(&ev);
	assert_target_300(&ev);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_THREAD_TARGET | ZJ_EVF_KILLED);
	ck_assert_uint_eq(ev.mem.via, ZJ_VIA_OPEN);
	ck_assert_int_eq(ev.mem.fd, 5);
	ck_assert_uint_eq(ev.mem.iovcnt, 0);
	ck_assert_uint_eq(ev.mem.addr, 0);
	ck_assert_uint_eq(ev.mem.len, 0);
	ck_assert_uint_eq(ev.mem.open_flags, 0x8002);
	ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);

	/* Its own memory. */
	size = mk_mem(ZJ_REC_MEM_OPEN, ZJ_VIA_OPEN, 200, 0, 0, 0, 0);
	H()->flags = ZJ_F_SELF;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_SELF);
	ck_assert_uint_eq(ev.target.pid, 200);
	ASSERT_VIEW(ev.target.exe, "/usr/bin/bash");
	ASSERT_VIEW(ev.actor.exe, "/usr/bin/bash");
}
END_TEST

START_TEST(test_mem_write)
{
	static const uint32_t vias[] = {ZJ_VIA_WRITE, ZJ_VIA_PWRITE64, ZJ_VIA_WRITEV,
					ZJ_VIA_PWRITEV, ZJ_VIA_PWRITEV2};
	struct zj_event ev;

	for (size_t i = 0; i < 5; i++) {
		size_t size = mk_mem(ZJ_REC_MEM_WRITE, vias[i], 300, VDSO_LO - 8, 4096, 0, 0);

		ck_assert_int_eq(decode(size, &ev), 0);
		assert_common(&ev, ZJ_EV_MEM_WRITE, i + 1);
		assert_actor_200(&ev);
		assert_target_300(&ev);
		ck_assert_uint_eq(ev.mem.via, vias[i]);
		ck_assert_int_eq(ev.mem.fd, 5);
		ck_assert_uint_eq(ev.mem.iovcnt, 3);
		ck_assert_uint_eq(ev.mem.addr, VDSO_LO - 8);
		ck_assert_uint_eq(ev.mem.len, 4096);
		ck_assert_uint_eq(ev.mem.open_flags, 0);
		/* From the end of [vvar] into [vdso]: the code page wins. */
		ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
		ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_VDSO);
	}
	{
		size_t size = mk_mem(ZJ_REC_MEM_WRITE, ZJ_VIA_WRITE, 300, VVAR_LO, 16, 0, 0);

		ck_assert_int_eq(decode(size, &ev), 0);
		ck_assert_uint_eq(ev.region, ZJ_REGION_VVAR);
		size = mk_mem(ZJ_REC_MEM_WRITE, ZJ_VIA_WRITE, 300, 0x1000, 16, 0, 0);
		ck_assert_int_eq(decode(size, &ev), 0);
		ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);
		ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET);
	}
}
END_TEST

START_TEST(test_vm_write)
{
	struct zj_event ev;
	size_t size = mk_mem(ZJ_REC_VM_WRITE, ZJ_VIA_PROCESS_VM_WRITEV, 4444, 0x7100, 0x100, 0x7000,
			     0x9000);

	H()->flags = ZJ_F_TRUNC_IOV;
	((struct zj_rec_mem *)rec)->iovcnt = 1024;
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_VM_WRITE, 1);
	assert_actor_200(&ev);
	ck_assert_uint_eq(ev.target.pid, 4444);
	ck_assert_uint_eq(ev.target.flags, 0);
	ck_assert_uint_eq(ev.mem.via, ZJ_VIA_PROCESS_VM_WRITEV);
	ck_assert_int_eq(ev.mem.fd, -1);
	ck_assert_uint_eq(ev.mem.iovcnt, 1024);
	ck_assert_uint_eq(ev.mem.addr, 0x7100);
	ck_assert_uint_eq(ev.mem.len, 0x100);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_HAS_TARGET | ZJ_EVF_VDSO | ZJ_EVF_TRUNC_IOV);

	size = mk_mem(ZJ_REC_VM_WRITE, ZJ_VIA_PROCESS_VM_WRITEV, 300, VDSO_LO, 1, 0, 0);
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_target_300(&ev);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
}
END_TEST

START_TEST(test_vdso_map)
{
	struct zj_event ev;
	uint32_t region;
	size_t size;

	/* nginx (300) mprotects its own vDSO writable. */
	size = mk_vdso_map(ZJ_VMAP_MPROTECT, VDSO_LO, 0x2000, 0, 0);
	H()->tgid = 300;
	H()->tid = 300;
	H()->uid = H()->gid = H()->euid = 33;
	H()->start_ns = START_300;
	memcpy(H()->comm, "nginx", 6);
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_VDSO_MAP, 1);
	ck_assert_uint_eq(ev.actor.pid, 300);
	ck_assert_uint_eq(ev.actor.flags, ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM | ZJ_PROC_PKG_DECIDED);
	ASSERT_VIEW(ev.actor.exe, "/usr/sbin/nginx");
	ck_assert_uint_eq(ev.vdso_map.op, ZJ_VMAP_MPROTECT);
	ck_assert_uint_eq(ev.vdso_map.prot, 7);
	ck_assert_uint_eq(ev.vdso_map.addr, VDSO_LO);
	ck_assert_uint_eq(ev.vdso_map.len, 0x2000);
	ck_assert_uint_eq(ev.vdso_map.new_addr, 0);
	ck_assert_uint_eq(ev.vdso_map.new_len, 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_VDSO);
	assert_no_target(&ev);

	/* mremap moves it: the table reads the maps again afterwards. */
	fake_maps(300, "10000-12000 r-xp 00000000 00:00 0 [vdso]\n");
	ck_assert_int_eq(zj_proctab_region(pt, 300, VDSO_LO, 8, &region), 0);
	ck_assert_uint_eq(region, ZJ_REGION_VDSO); /* cached */
	size = mk_vdso_map(ZJ_VMAP_MREMAP, VDSO_LO, 0x2000, VDSO_LO, VDSO_HI);
	H()->tgid = 300;
	H()->start_ns = START_300;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.vdso_map.op, ZJ_VMAP_MREMAP);
	ck_assert_uint_eq(ev.vdso_map.new_addr, 0x10000);
	ck_assert_uint_eq(ev.vdso_map.new_len, 0x2000);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO); /* the kernel's view at the call */
	ck_assert_int_eq(zj_proctab_region(pt, 300, VDSO_LO, 8, &region), 0);
	ck_assert_uint_eq(region, ZJ_REGION_NONE);
	ck_assert_int_eq(zj_proctab_region(pt, 300, 0x10000, 8, &region), 0);
	ck_assert_uint_eq(region, ZJ_REGION_VDSO);

	size = mk_vdso_map(ZJ_VMAP_MUNMAP, 0x40000, 0x1000, 0, 0);
	H()->tgid = 300;
	H()->start_ns = START_300;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);
	ck_assert_uint_eq(ev.flags, 0);
	size = mk_vdso_map(ZJ_VMAP_PKEY_MPROTECT, 0x10000, 0x1000, 0, 0);
	H()->tgid = 300;
	H()->start_ns = START_300;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.vdso_map.op, ZJ_VMAP_PKEY_MPROTECT);
	ck_assert_uint_eq(ev.region, ZJ_REGION_VDSO);
}
END_TEST

START_TEST(test_file)
{
	struct zj_event ev;
	size_t size;
	uint64_t seq = 0;

	for (uint32_t op = ZJ_FOP_CREATE; op < ZJ_FOP_MAX; op++) {
		bool two = op == ZJ_FOP_RENAME || op == ZJ_FOP_LINK || op == ZJ_FOP_SYMLINK;

		size = mk_file(op, "/etc/cron.d/x", two ? "/tmp/old" : NULL, true);
		H()->flags = ZJ_F_CREATED | ZJ_F_O_TRUNC | ZJ_F_RESOLVE | ZJ_F_TRUNC_PATH2;
		ck_assert_int_eq(decode(size, &ev), 0);
		assert_common(&ev, ZJ_EV_FILE, ++seq);
		assert_actor_200(&ev);
		assert_no_target(&ev);
		ck_assert_uint_eq(ev.flags, ZJ_EVF_CREATED | ZJ_EVF_O_TRUNC | ZJ_EVF_RESOLVE |
						    ZJ_EVF_TRUNC_PATH2);
		ck_assert_uint_eq(ev.file.op, op);
		ck_assert_uint_eq(ev.file.mode, 0100644);
		ck_assert_uint_eq(ev.file.open_flags, 0x241);
		ck_assert_uint_eq(ev.file.watch_id, 3);
		ck_assert_uint_eq(ev.file.dev, 0x801);
		ck_assert_uint_eq(ev.file.ino, 424242);
		ASSERT_VIEW(ev.file.path, "/etc/cron.d/x");
		if (two)
			ASSERT_VIEW(ev.file.path2, "/tmp/old");
		else
			ck_assert_uint_eq(ev.file.path2.len, 0);
		ck_assert_ptr_nonnull(ev.file.path2.ptr);
		ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);
	}
	/* An absent path2 may leave out its NUL. */
	size = mk_file(ZJ_FOP_UNLINK, "/etc/ld.so.preload", NULL, false);
	ck_assert_int_eq(decode(size, &ev), 0);
	ASSERT_VIEW(ev.file.path, "/etc/ld.so.preload");
	/* Bytes past hdr.size (a sample reserved larger) are ignored. */
	size = mk_file(ZJ_FOP_UNLINK, "/a", NULL, true);
	ck_assert_int_eq(decode(size + 40, &ev), 0);
}
END_TEST

START_TEST(test_deny)
{
	struct zj_event ev;
	size_t size;

	/* ptrace attach denied: the target from the table, no path */
	size = mk_deny(ZJ_ENF_PTRACE, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_PTRACE_ATTACH, 300, 0,
		       "");
	ck_assert_uint_eq(size, sizeof(struct zj_rec_deny) + 1);
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_common(&ev, ZJ_EV_DENY, 1);
	assert_actor_200(&ev);
	assert_target_300(&ev);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_BLOCKED | ZJ_EVF_HAS_TARGET);
	ck_assert_uint_eq(ev.deny.klass, ZJ_ENF_PTRACE);
	ck_assert_uint_eq(ev.deny.hook, ZJ_HOOK_PTRACE_ACCESS_CHECK);
	ck_assert_uint_eq(ev.deny.op, ZJ_DOP_PTRACE_ATTACH);
	ck_assert_uint_eq(ev.deny.watch_id, 0);
	ck_assert_uint_eq(ev.deny.path.len, 0);
	ck_assert_uint_eq(ev.region, ZJ_REGION_NONE);

	/* process_vm_writev through the same hook */
	size = mk_deny(ZJ_ENF_PTRACE, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_VM_WRITEV, 300, 0, "");
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.deny.op, ZJ_DOP_VM_WRITEV);

	/* /proc/<pid>/task/<tid>/mem of a process gone since: only its pid */
	size = mk_deny(ZJ_ENF_PROC_MEM, ZJ_HOOK_FILE_OPEN, ZJ_DOP_MEM_OPEN, 4444, 0, "");
	H()->flags |= ZJ_F_THREAD_TARGET;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_BLOCKED | ZJ_EVF_HAS_TARGET | ZJ_EVF_THREAD_TARGET);
	ck_assert_uint_eq(ev.target.pid, 4444);
	ck_assert_uint_eq(ev.target.flags, 0);
	ck_assert_uint_eq(ev.deny.klass, ZJ_ENF_PROC_MEM);

	/* the caller's own vDSO: no target */
	size = mk_deny(ZJ_ENF_VDSO, ZJ_HOOK_FILE_MPROTECT, ZJ_DOP_MPROTECT, 0, 0, "");
	H()->flags |= ZJ_F_SELF | ZJ_F_VDSO;
	ck_assert_int_eq(decode(size, &ev), 0);
	assert_no_target(&ev);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_BLOCKED | ZJ_EVF_SELF | ZJ_EVF_VDSO);
	ck_assert_uint_eq(ev.deny.hook, ZJ_HOOK_FILE_MPROTECT);

	/* self-protection: a signal, an attach and a BPF map fd denied, zhijiad the target */
	{
		static const struct {
			uint32_t hook, op, arg;
		} self[] = {
			{ZJ_HOOK_TASK_KILL, ZJ_DOP_SELF_SIGNAL, 9},
			{ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_SELF_TRACE, 0},
			{ZJ_HOOK_BPF_MAP, ZJ_DOP_SELF_BPF, 77},
			{ZJ_HOOK_BPF_PROG, ZJ_DOP_SELF_BPF, 78},
			{ZJ_HOOK_BPF, ZJ_DOP_SELF_BPF, 79},
		};

		for (size_t i = 0; i < sizeof(self) / sizeof(self[0]); i++) {
			struct zj_rec_deny *x = (struct zj_rec_deny *)rec;

			size = mk_deny(ZJ_ENF_SELF, self[i].hook, self[i].op, 300, 0, "");
			x->arg = self[i].arg;
			ck_assert_int_eq(decode(size, &ev), 0);
			assert_target_300(&ev);
			ck_assert_uint_eq(ev.deny.klass, ZJ_ENF_SELF);
			ck_assert_uint_eq(ev.deny.op, self[i].op);
			ck_assert_uint_eq(ev.deny.arg, self[i].arg);
		}
	}

	/* a black binary's exec: the name exec was given, relative or not */
	{
		size = mk_deny(ZJ_ENF_VERDICT, ZJ_HOOK_BPRM_CHECK, ZJ_DOP_EXEC, 0, 0, "./black");
		ck_assert_int_eq(decode(size, &ev), 0);
		assert_no_target(&ev);
		ck_assert_uint_eq(ev.deny.klass, ZJ_ENF_VERDICT);
		ck_assert_uint_eq(ev.deny.op, ZJ_DOP_EXEC);
		assert_view(ev.deny.path, "./black", 7);
	}

	/* file classes: a path relative to the watch entry, every hook */
	{
		static const struct {
			uint32_t klass, hook, op;
			const char *path;
		} files[] = {
			{ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, "evil"},
			{ZJ_ENF_AT, ZJ_HOOK_FILE_OPEN, ZJ_DOP_OPEN_WRITE, "a01234"},
			{ZJ_ENF_TIMER, ZJ_HOOK_INODE_RENAME, ZJ_DOP_RENAME, "x.timer.d/o.conf"},
			{ZJ_ENF_SERVICE, ZJ_HOOK_INODE_LINK, ZJ_DOP_LINK, "x.service"},
			{ZJ_ENF_SERVICE, ZJ_HOOK_INODE_SYMLINK, ZJ_DOP_SYMLINK,
			 "multi-user.target.wants/x.service"},
			{ZJ_ENF_PRELOAD, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, "ld.so.preload"},
		};

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			size = mk_deny(files[i].klass, files[i].hook, files[i].op, 0, 7,
				       files[i].path);
			ck_assert_int_eq(decode(size, &ev), 0);
			assert_actor_200(&ev);
			assert_no_target(&ev);
			ck_assert_uint_eq(ev.flags, ZJ_EVF_BLOCKED);
			ck_assert_uint_eq(ev.deny.klass, files[i].klass);
			ck_assert_uint_eq(ev.deny.hook, files[i].hook);
			ck_assert_uint_eq(ev.deny.op, files[i].op);
			ck_assert_uint_eq(ev.deny.watch_id, 7);
			assert_view(ev.deny.path, files[i].path, strlen(files[i].path));
			ck_assert_ptr_eq(ev.deny.path.ptr,
					 (const char *)rec + sizeof(struct zj_rec_deny));
		}
	}
	/* the longest relative path the kernel sends, truncated */
	{
		char longp[ZJ_DENY_PATH_MAX];

		memset(longp, 'a', sizeof(longp) - 1);
		longp[sizeof(longp) - 1] = '\0';
		size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, longp);
		H()->flags |= ZJ_F_TRUNC_PATH;
		ck_assert_int_eq(decode(size, &ev), 0);
		ck_assert_uint_eq(ev.deny.path.len, ZJ_DENY_PATH_MAX - 1);
		ck_assert_uint_eq(ev.flags, ZJ_EVF_BLOCKED | ZJ_EVF_TRUNC_PATH);
	}
}
END_TEST

/* The actor's pid now names another process than the header's: no borrowed identity. */

START_TEST(test_kmod)
{
	struct zj_event ev;
	struct zj_rec_kmod *x = (struct zj_rec_kmod *)rec;
	size_t size = mk_kmod(ZJ_KMOD_FINIT, "/tmp/rk.ko", "rk", 0);

	H()->flags = ZJ_F_BLOCKED;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.type, ZJ_EV_KMOD);
	assert_actor_200(&ev);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_BLOCKED);
	ck_assert_uint_eq(ev.kmod.op, ZJ_KMOD_FINIT);
	ck_assert_int_eq(ev.kmod.fd, 5);
	ck_assert_int_eq(ev.kmod.result, 0);
	ck_assert_uint_eq(ev.kmod.ino, 77);
	ASSERT_VIEW(ev.kmod.path, "/tmp/rk.ko");
	ASSERT_VIEW(ev.kmod.name, "rk");
	/* init_module: no path, fd -1 */
	size = mk_kmod(ZJ_KMOD_INIT, "", "", -8);
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.kmod.len, 4096);
	ck_assert_uint_eq(ev.kmod.path.len, 0);
	ck_assert_uint_eq(ev.kmod.name.len, 0);
	ck_assert_int_eq(ev.kmod.result, -8);
	/* malformed: an init_module with a path, an unknown op, a name without its NUL, a
	 * path past the end */
	size = mk_kmod(ZJ_KMOD_INIT, "/x", "", 0);
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_kmod(3, "/x", "", 0);
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_kmod(ZJ_KMOD_FINIT, "/x", "", 0);
	memset(x->name, 'a', sizeof(x->name));
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_kmod(ZJ_KMOD_FINIT, "/x", "m", 0);
	x->path_len = 50;
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
}
END_TEST

START_TEST(test_setid)
{
	struct zj_event ev;
	struct zj_rec_file *x = (struct zj_rec_file *)rec;
	size_t size = mk_setid("/usr/local/bin/x", 04755);

	H()->flags = ZJ_F_SETID_HAD;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.type, ZJ_EV_SETID);
	ck_assert_uint_eq(ev.flags, ZJ_EVF_SETID_HAD);
	ck_assert_uint_eq(ev.file.op, ZJ_FOP_CHMOD);
	ck_assert_uint_eq(ev.file.mode, 04755);
	ASSERT_VIEW(ev.file.path, "/usr/local/bin/x");
	/* a path-taking chmod of a directory: the daemon looks, and says not_regular */
	size = mk_setid("/tmp", 02775);
	x->dev = 0;
	x->ino = 0;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert(ev.flags & ZJ_EVF_NOT_REG);
	/* malformed: no set-id bit, another op, a watch entry, an empty path */
	size = mk_setid("/x", 0755);
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_setid("/x", 04755);
	x->op = ZJ_FOP_UNLINK;
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_setid("/x", 04755);
	x->watch_id = 2;
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_setid("", 04755);
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
}
END_TEST

START_TEST(test_deny_kernel_classes)
{
	struct zj_event ev;
	struct zj_rec_deny *x = (struct zj_rec_deny *)rec;
	size_t size;

	size = mk_deny(ZJ_ENF_KMOD, ZJ_HOOK_KERNEL_READ_FILE, ZJ_DOP_KMOD_LOAD, 0, 0, "rk.ko");
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.deny.klass, ZJ_ENF_KMOD);
	ASSERT_VIEW(ev.deny.path, "rk.ko");
	size = mk_deny(ZJ_ENF_KMOD, ZJ_HOOK_KERNEL_LOAD_DATA, ZJ_DOP_KMOD_LOAD, 0, 0, "");
	ck_assert_int_eq(decode(size, &ev), 0);
	size = mk_deny(ZJ_ENF_KMOD, ZJ_HOOK_KERNEL_LOAD_DATA, ZJ_DOP_KMOD_LOAD, 0, 0, "x");
	ck_assert_int_eq(decode(size, &ev), -EBADMSG); /* init_module names no file */
	/* the same class from a file hook: the module lists (/etc/modules, modules-load.d) */
	size = mk_deny(ZJ_ENF_KMOD, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "modules");
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.deny.klass, ZJ_ENF_KMOD);
	ck_assert_uint_eq(ev.deny.op, ZJ_DOP_CREATE);
	size = mk_deny(ZJ_ENF_SETID, ZJ_HOOK_PATH_CHMOD, ZJ_DOP_SETID, 0, 0, "su");
	x->arg = 04755;
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.deny.arg, 04755);
	x->arg = 0755; /* no set-id bit */
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_deny(ZJ_ENF_REFLECT, ZJ_HOOK_BPRM_CHECK, ZJ_DOP_ANON_EXEC, 0, 0, "/dev/fd/3");
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.deny.op, ZJ_DOP_ANON_EXEC);
	/* class and operation go together */
	size = mk_deny(ZJ_ENF_REFLECT, ZJ_HOOK_BPRM_CHECK, ZJ_DOP_EXEC, 0, 0, "/dev/fd/3");
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_deny(ZJ_ENF_KMOD, ZJ_HOOK_PATH_CHMOD, ZJ_DOP_KMOD_LOAD, 0, 0, "x");
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_deny(ZJ_ENF_SETID, ZJ_HOOK_PATH_CHMOD, ZJ_DOP_SETID, 300, 0, "su");
	x->arg = 04755;
	ck_assert_int_eq(decode(size, &ev), -EBADMSG); /* no target */
}
END_TEST


START_TEST(test_somap)
{
	struct zj_event ev;
	size_t size = mk_somap(300, ZJ_INJ_PTRACE, "/tmp/evil.so");

	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.type, ZJ_EV_SOMAP);
	/* the injector is the actor, the process that mapped the library the target */
	ck_assert_uint_eq(ev.actor.pid, 300);
	ck_assert(ev.flags & ZJ_EVF_HAS_TARGET);
	ck_assert_uint_eq(ev.target.pid, 200);
	ck_assert_uint_eq(ev.somap.via, ZJ_INJ_PTRACE);
	ck_assert_uint_eq(ev.somap.prot, 5);
	ASSERT_VIEW(ev.somap.path, "/tmp/evil.so");
	/* malformed: no injector, the target as its own injector, a relative path, no
	 * PROT_EXEC, an unknown session kind */
	size = mk_somap(0, ZJ_INJ_PTRACE, "/x.so");
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_somap(200, ZJ_INJ_PTRACE, "/x.so");
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_somap(300, ZJ_INJ_PROC_MEM, "x.so");
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_somap(300, ZJ_INJ_PROC_MEM, "/x.so");
	((struct zj_rec_somap *)rec)->prot = 1;
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
	size = mk_somap(300, 3, "/x.so");
	ck_assert_int_eq(decode(size, &ev), -EBADMSG);
}
END_TEST

START_TEST(test_actor_pid_reuse)
{
	struct zj_event ev;
	size_t size = mk_fork(1700, 1);

	H()->start_ns = 1400 * tick_ns; /* an earlier process with pid 200 */
	ck_assert_int_eq(decode(size, &ev), 0);
	ck_assert_uint_eq(ev.actor.pid, 200);
	ck_assert_uint_eq(ev.actor.start_ns, 1400 * tick_ns);
	ck_assert_str_eq(ev.actor.comm, "bash");
	ck_assert_uint_eq(ev.actor.flags, 0);
	ck_assert_uint_eq(ev.actor.exe.len, 0);
	ck_assert_uint_eq(ev.actor.cmdline.len, 0);
}
END_TEST

/* Decode must fail with -EBADMSG and change nothing. */
static void assert_bad(size_t size, const char *what)
{
	struct zj_event ev;
	uint64_t seq = dec.seq;
	size_t count = zj_proctab_count(pt);
	int r;

	memset(&ev, 0x5a, sizeof(ev));
	r = decode(size, &ev);
	ck_assert_msg(r == -EBADMSG, "%s: %d", what, r);
	ck_assert_uint_eq(dec.seq, seq);
	ck_assert_uint_eq(zj_proctab_count(pt), count);
}

START_TEST(test_malformed_header)
{
	static const uint16_t types[] = {0, ZJ_REC_MAX, 11, 0xffff};
	struct zj_rec_hdr *h = H();
	size_t size;

	ck_assert_int_eq(zj_decode(&dec, NULL, 0, NULL), -EINVAL);
	ck_assert_int_eq(zj_decode(&dec, NULL, 10, &(struct zj_event){0}), -EINVAL);
	size = mk_exit(0);
	for (size_t n = 0; n < sizeof(struct zj_rec_hdr); n++)
		assert_bad(n, "shorter than the header");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size = mk_exit(0);
		h->type = types[i];
		assert_bad(size, "unknown type");
	}
	size = mk_exit(0);
	h->size = (uint16_t)(size + 1);
	assert_bad(size, "hdr.size past the sample");
	h->size = (uint16_t)(size - 1);
	assert_bad(size, "hdr.size below the type's fixed part");
	h->size = sizeof(struct zj_rec_hdr);
	assert_bad(size, "hdr.size of a bare header");
	h->size = 0;
	assert_bad(size, "hdr.size 0");
	size = mk_exit(0);
	h->tgid = 0;
	assert_bad(size, "tgid 0");
	size = mk_exit(0);
	memset(h->comm, 'A', sizeof(h->comm));
	assert_bad(size, "comm without NUL");
	/* Larger than any record the kernel emits. */
	size = mk_exit(0);
	h->size = (uint16_t)(ZJ_REC_MAX_SIZE + 8);
	assert_bad(ZJ_REC_MAX_SIZE + 8, "hdr.size above ZJ_REC_MAX_SIZE");
	h->size = 0xffff;
	assert_bad(0xffff, "hdr.size 0xffff");
}
END_TEST

START_TEST(test_malformed_exec)
{
	struct zj_rec_exec *x = (struct zj_rec_exec *)rec;
	size_t size;

	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->filename_len = 200;
	assert_bad(size, "filename past the end");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->filename_len = UINT32_MAX;
	assert_bad(size, "filename_len huge");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->exe_len = 100;
	assert_bad(size, "exe past the end");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->exe_len = UINT32_MAX - 1;
	assert_bad(size, "exe_len wrapping");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->args_len = 5;
	assert_bad(size, "args past the end");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->args_len = UINT32_MAX;
	assert_bad(size, "args_len huge");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->data[2] = 'X';
	assert_bad(size, "filename without its NUL");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->filename_len = 1;
	assert_bad(size, "filename length short of its NUL");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->data[3 + 4] = 'X';
	assert_bad(size, "exe without its NUL");
	size = mk_exec("fn", "/e\0e", "a\0b\0", 4, 2);
	x->exe_len = 4;
	x->data[3 + 4] = '\0';
	assert_bad(size, "NUL inside exe");
	size = mk_exec("fn", "/exe", "a\0b!", 4, 2);
	assert_bad(size, "last argument without NUL, not flagged truncated");
	size = mk_exec("fn", "/exe", "a\0b\0c\0", 6, 2);
	assert_bad(size, "more arguments than argc");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 0x80000000u);
	assert_bad(size, "argc beyond MAX_ARG_STRINGS");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->filename_len = ZJ_PATH_MAX;
	assert_bad(size, "filename_len >= ZJ_PATH_MAX");
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	x->args_len = ZJ_ARGS_MAX + 1;
	assert_bad(size, "args_len > ZJ_ARGS_MAX");

	/* Every truncation of a valid record, hdr.size following or not. */
	size = mk_exec("fn", "/exe", "a\0b\0", 4, 2);
	for (size_t n = 0; n < size; n++) {
		assert_bad(n, "truncated sample");
		x->hdr.size = (uint16_t)n;
		assert_bad(n, "truncated record");
		x->hdr.size = (uint16_t)size;
	}
	{
		struct zj_event ev;

		ck_assert_int_eq(decode(size, &ev), 0);
	}
}
END_TEST

START_TEST(test_malformed_file)
{
	struct zj_rec_file *x = (struct zj_rec_file *)rec;
	size_t size;

	size = mk_file(0, "/p", NULL, true);
	assert_bad(size, "op 0");
	size = mk_file(ZJ_FOP_MAX, "/p", NULL, true);
	assert_bad(size, "op ZJ_FOP_MAX");
	size = mk_file(ZJ_FOP_RENAME, "/p", "/q", true);
	x->path_len = 60;
	assert_bad(size, "path past the end");
	size = mk_file(ZJ_FOP_RENAME, "/p", "/q", true);
	x->path2_len = 3;
	assert_bad(size, "path2 past the end");
	size = mk_file(ZJ_FOP_RENAME, "/p", "/q", true);
	x->path_len = 0xffff;
	assert_bad(size, "path_len 0xffff");
	size = mk_file(ZJ_FOP_RENAME, "/p", "/q", true);
	x->data[2] = '!';
	assert_bad(size, "path without its NUL");
	size = mk_file(ZJ_FOP_RENAME, "/p", "/q", true);
	x->data[5] = '!';
	assert_bad(size, "path2 without its NUL");
	size = mk_file(ZJ_FOP_RENAME, "/p", "/q", true);
	x->data[1] = '\0';
	assert_bad(size, "NUL inside path");
	size = mk_file(ZJ_FOP_UNLINK, "/p", NULL, false);
	x->hdr.size = (uint16_t)(size - 1);
	assert_bad(size, "path's NUL cut off");

	size = mk_file(ZJ_FOP_RENAME, "/etc/x", "/tmp/y", true);
	for (size_t n = 0; n < size; n++) {
		assert_bad(n, "truncated sample");
		x->hdr.size = (uint16_t)n;
		assert_bad(n, "truncated record");
		x->hdr.size = (uint16_t)size;
	}
}
END_TEST

START_TEST(test_malformed_deny)
{
	struct zj_rec_deny *x = (struct zj_rec_deny *)rec;
	size_t size;

	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "x");
	x->hdr.flags = 0;
	assert_bad(size, "deny without ZJ_F_BLOCKED");
	size = mk_deny(ZJ_ENF_NR, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "x");
	assert_bad(size, "class ZJ_ENF_NR");
	size = mk_deny(ZJ_ENF_NONE, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "x");
	assert_bad(size, "class ZJ_ENF_NONE");
	size = mk_deny(ZJ_ENF_CANARY, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "x");
	assert_bad(size, "the canary's class");
	size = mk_deny(ZJ_ENF_CRON, 0, ZJ_DOP_CREATE, 0, 1, "x");
	assert_bad(size, "hook 0");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_MAX, ZJ_DOP_CREATE, 0, 1, "x");
	assert_bad(size, "hook ZJ_HOOK_MAX");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_RENAME, 0, 1, "x");
	assert_bad(size, "an op the hook does not report");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, 0, 0, 1, "x");
	assert_bad(size, "op 0");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_MAX, 0, 1, "x");
	assert_bad(size, "op ZJ_DOP_MAX");
	size = mk_deny(ZJ_ENF_PTRACE, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "x");
	assert_bad(size, "a process class on a file hook");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_PTRACE_ATTACH, 300, 0, "");
	assert_bad(size, "a file class on the ptrace hook");
	size = mk_deny(ZJ_ENF_PROC_MEM, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_VM_WRITEV, 300, 0, "");
	assert_bad(size, "proc_mem class on the ptrace hook");
	size = mk_deny(ZJ_ENF_PTRACE, ZJ_HOOK_FILE_OPEN, ZJ_DOP_MEM_OPEN, 300, 0, "");
	assert_bad(size, "ptrace class on a mem open");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_FILE_OPEN, ZJ_DOP_MEM_OPEN, 300, 0, "");
	assert_bad(size, "file class on a mem open");
	size = mk_deny(ZJ_ENF_PTRACE, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_PTRACE_ATTACH, 0, 0, "");
	assert_bad(size, "ptrace without a target");
	size = mk_deny(ZJ_ENF_PROC_MEM, ZJ_HOOK_FILE_OPEN, ZJ_DOP_MEM_OPEN, 0, 0, "");
	assert_bad(size, "mem open without a target");
	size = mk_deny(ZJ_ENF_VDSO, ZJ_HOOK_FILE_MPROTECT, ZJ_DOP_MPROTECT, 300, 0, "");
	assert_bad(size, "vdso with a target");
	size = mk_deny(ZJ_ENF_PTRACE, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_PTRACE_ATTACH, 300, 0,
		       "x");
	assert_bad(size, "a process class with a path");
	size = mk_deny(ZJ_ENF_PTRACE, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_PTRACE_ATTACH, 300, 3,
		       "");
	assert_bad(size, "a process class with a watch entry");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 300, 1, "x");
	assert_bad(size, "a file class with a target");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "");
	assert_bad(size, "a file class without a path");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "/etc/cron.d/x");
	assert_bad(size, "an absolute path (the kernel sends relative ones)");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "abc");
	x->arg = 1;
	assert_bad(size, "arg set on an operation that carries none");
	/* self-protection: zhijiad is the target; a signal or an object id goes along */
	size = mk_deny(ZJ_ENF_PTRACE, ZJ_HOOK_TASK_KILL, ZJ_DOP_SELF_SIGNAL, 300, 0, "");
	x->arg = 9;
	assert_bad(size, "a self operation under a policy class");
	size = mk_deny(ZJ_ENF_SELF, ZJ_HOOK_PTRACE_ACCESS_CHECK, ZJ_DOP_PTRACE_ATTACH, 300, 0, "");
	assert_bad(size, "the self class on a policy operation");
	size = mk_deny(ZJ_ENF_SELF, ZJ_HOOK_TASK_KILL, ZJ_DOP_SELF_SIGNAL, 300, 0, "");
	assert_bad(size, "a denied signal without its number");
	size = mk_deny(ZJ_ENF_SELF, ZJ_HOOK_TASK_KILL, ZJ_DOP_SELF_SIGNAL, 300, 0, "");
	x->arg = 65;
	assert_bad(size, "a signal past 64");
	size = mk_deny(ZJ_ENF_SELF, ZJ_HOOK_TASK_KILL, ZJ_DOP_SELF_SIGNAL, 0, 0, "");
	x->arg = 9;
	assert_bad(size, "self-protection without zhijiad as the target");
	size = mk_deny(ZJ_ENF_SELF, ZJ_HOOK_BPF_MAP, ZJ_DOP_SELF_BPF, 300, 0, "");
	assert_bad(size, "a BPF object id of 0");
	size = mk_deny(ZJ_ENF_SELF, ZJ_HOOK_BPF_PROG, ZJ_DOP_SELF_SIGNAL, 300, 0, "");
	x->arg = 9;
	assert_bad(size, "a signal through the bpf_prog hook");
	size = mk_deny(ZJ_ENF_SELF, ZJ_HOOK_TASK_KILL, ZJ_DOP_SELF_SIGNAL, 300, 0, "x");
	x->arg = 9;
	assert_bad(size, "self-protection with a path");
	size = mk_deny(ZJ_ENF_VERDICT, ZJ_HOOK_BPRM_CHECK, ZJ_DOP_EXEC, 0, 0, "");
	assert_bad(size, "an exec denial without the file name");
	size = mk_deny(ZJ_ENF_VERDICT, ZJ_HOOK_BPRM_CHECK, ZJ_DOP_EXEC, 300, 0, "/bin/x");
	assert_bad(size, "an exec denial with a target");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_BPRM_CHECK, ZJ_DOP_EXEC, 0, 0, "/bin/x");
	assert_bad(size, "an exec denial under a policy class");
	size = mk_deny(ZJ_ENF_VERDICT, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "x");
	assert_bad(size, "the verdict class on a file operation");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "abc");
	x->path[1] = '\0';
	assert_bad(size, "NUL inside the path");
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "abc");
	x->path[3] = 'd';
	assert_bad(size, "the path without its NUL");
	{
		char longp[ZJ_DENY_PATH_MAX + 1];

		memset(longp, 'a', sizeof(longp) - 1);
		longp[sizeof(longp) - 1] = '\0';
		size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, longp);
		assert_bad(size, "a path longer than the kernel sends");
	}
	size = mk_deny(ZJ_ENF_CRON, ZJ_HOOK_INODE_CREATE, ZJ_DOP_CREATE, 0, 1, "abc");
	for (size_t n = 0; n < size; n++) {
		assert_bad(n, "truncated sample");
		x->hdr.size = (uint16_t)n;
		assert_bad(n, "truncated record");
		x->hdr.size = (uint16_t)size;
	}
	/* a record whose hdr.size runs past the path's NUL is malformed too */
	x->hdr.size = (uint16_t)(size + 4);
	assert_bad(size + 8, "bytes after the path's NUL");
}
END_TEST

START_TEST(test_malformed_fixed)
{
	static const struct {
		uint16_t type;
		uint32_t via;
	} badvia[] = {
		{ZJ_REC_MEM_OPEN, ZJ_VIA_WRITE},    {ZJ_REC_MEM_OPEN, 0},
		{ZJ_REC_MEM_WRITE, ZJ_VIA_OPEN},    {ZJ_REC_MEM_WRITE, ZJ_VIA_PROCESS_VM_WRITEV},
		{ZJ_REC_VM_WRITE, ZJ_VIA_PWRITE64}, {ZJ_REC_VM_WRITE, 8},
		{ZJ_REC_MEM_WRITE, UINT32_MAX},
	};
	size_t size;

	for (size_t i = 0; i < sizeof(badvia) / sizeof(badvia[0]); i++) {
		size = mk_mem(badvia[i].type, badvia[i].via, 300, 0, 0, 0, 0);
		assert_bad(size, "via does not fit the type");
	}
	size = mk_mem(ZJ_REC_MEM_WRITE, ZJ_VIA_WRITE, 0, 0, 0, 0, 0);
	assert_bad(size, "memory of pid 0");
	size = mk_mem(ZJ_REC_MEM_WRITE, ZJ_VIA_WRITE, 300, 0, 0, 0x9000, 0x7000);
	assert_bad(size, "vdso_start > vdso_end (mem)");
	size = mk_ptrace(4, 300, 0, 0x9000, 0x7000);
	assert_bad(size, "vdso_start > vdso_end (ptrace)");
	size = mk_vdso_map(0, 0, 0, 0, 0);
	assert_bad(size, "vdso op 0");
	size = mk_vdso_map(5, 0, 0, 0, 0);
	assert_bad(size, "vdso op 5");
	size = mk_vdso_map(ZJ_VMAP_MUNMAP, 0, 0, 2, 1);
	assert_bad(size, "vdso_start > vdso_end (vdso_map)");
	size = mk_fork(0, 1);
	assert_bad(size, "child pid 0");
	size = mk_fork(200, 1);
	assert_bad(size, "a process its own child");

	/* Each fixed-size type, cut short. */
	{
		size_t sizes[] = {mk_fork(9, 1), mk_exit(0), mk_ptrace(4, 300, 0, 0, 0),
				  mk_mem(ZJ_REC_MEM_WRITE, ZJ_VIA_WRITE, 300, 0, 0, 0, 0),
				  mk_vdso_map(1, 0, 0, 0, 0)};
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			switch (i) {
			case 0:
				size = mk_fork(9, 1);
				break;
			case 1:
				size = mk_exit(0);
				break;
			case 2:
				size = mk_ptrace(4, 300, 0, 0, 0);
				break;
			case 3:
				size = mk_mem(ZJ_REC_MEM_WRITE, ZJ_VIA_WRITE, 300, 0, 0, 0, 0);
				break;
			default:
				size = mk_vdso_map(1, 0, 0, 0, 0);
				break;
			}
			ck_assert_uint_eq(size, sizes[i]);
			for (size_t n = 0; n < size; n++) {
				assert_bad(n, "truncated sample");
				H()->size = (uint16_t)n;
				assert_bad(n, "truncated record");
				H()->size = (uint16_t)size;
			}
		}
	}
}
END_TEST

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void check_views(const struct zj_event *ev, size_t size)
{
	const char *lo = (const char *)rec, *hi = lo + size;

	/* Views that point into the record stay inside it. */
	if (ev->type == ZJ_EV_EXEC) {
		ck_assert(ev->exec.filename.ptr >= lo &&
			  ev->exec.filename.ptr + ev->exec.filename.len < hi);
		ck_assert(ev->exec.args.ptr >= lo && ev->exec.args.ptr + ev->exec.args.len <= hi);
	} else if (ev->type == ZJ_EV_FILE) {
		ck_assert(ev->file.path.ptr >= lo && ev->file.path.ptr + ev->file.path.len < hi);
	} else if (ev->type == ZJ_EV_DENY) {
		ck_assert(ev->deny.path.ptr >= lo && ev->deny.path.ptr + ev->deny.path.len < hi);
	} else if (ev->type == ZJ_EV_SETID) {
		ck_assert(ev->file.path.ptr >= lo && ev->file.path.ptr + ev->file.path.len < hi);
	} else if (ev->type == ZJ_EV_KMOD) {
		ck_assert(ev->kmod.path.ptr >= lo && ev->kmod.path.ptr + ev->kmod.path.len < hi);
		ck_assert(ev->kmod.name.ptr >= lo && ev->kmod.name.ptr + ev->kmod.name.len < hi);
	}
	ck_assert(ev->type >= 1 && ev->type < ZJ_EV_MAX);
}

START_TEST(test_fuzz)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	struct zj_event ev;
	int ok = 0;

	/* Random bytes with a plausible header, random sizes. */
	for (int i = 0; i < 40000; i++) {
		size_t size = rnd(&s) % 512;
		struct zj_rec_hdr *h = H();
		int r;

		for (size_t k = 0; k < size; k += 8) {
			uint64_t v = rnd(&s);

			memcpy(rec + k, &v, 8);
		}
		if (size >= sizeof(*h) && (i & 1)) {
			h->type = (uint16_t)(1 + rnd(&s) % 12);
			h->size = (uint16_t)(rnd(&s) % 2 ? size : rnd(&s) % (size + 1));
			h->comm[rnd(&s) % 16] = '\0';
			h->tgid = (uint32_t)(rnd(&s) % 4 == 0 ? 200 : rnd(&s) % 5000);
		}
		r = decode(size, &ev);
		ck_assert_msg(r == 0 || r == -EBADMSG, "%d", r);
		if (r == 0) {
			ok++;
			check_views(&ev, size);
		}
	}
	/* Valid records with a few bytes flipped (lengths, counts, NULs). */
	for (int i = 0; i < 40000; i++) {
		size_t size;
		int r;

		switch (i % 7) {
		case 0:
			size = mk_exec("./x", "/x", "x\0-v\0", 6, 2);
			break;
		case 5:
			size = mk_kmod(ZJ_KMOD_FINIT, "/tmp/x.ko", "xmod", -8);
			break;
		case 6:
			size = mk_setid("/usr/local/bin/x", 04755);
			break;
		case 1:
			size = mk_file(ZJ_FOP_RENAME, "/etc/a", "/etc/b", true);
			break;
		case 2:
			size = mk_mem(ZJ_REC_VM_WRITE, ZJ_VIA_PROCESS_VM_WRITEV, 300, VDSO_LO, 8,
				      VDSO_LO, VDSO_HI);
			break;
		case 4:
			size = mk_deny(ZJ_ENF_SERVICE, ZJ_HOOK_INODE_SYMLINK, ZJ_DOP_SYMLINK, 0, 9,
				       "a.target.wants/b.service");
			break;
		default:
			size = mk_ptrace(5, 300, VDSO_LO, 0, 0);
			break;
		}
		for (int k = 0; k < 1 + (int)(rnd(&s) % 4); k++)
			rec[rnd(&s) % size] ^= (unsigned char)(1u << (rnd(&s) % 8));
		if (i % 3 == 0)
			size -= rnd(&s) % 8;
		r = decode(size, &ev);
		ck_assert_msg(r == 0 || r == -EBADMSG, "%d", r);
		if (r == 0) {
			ok++;
			check_views(&ev, size);
		}
	}
	ck_assert_int_gt(ok, 1000);
	/* And the table survived it all. */
	{
		struct zj_proc p;

		ck_assert_int_eq(zj_proctab_lookup(pt, 1, 0, &p), 0);
	}
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_exec);
	tcase_add_test(tc, test_exec_preload);
	tcase_add_test(tc, test_exec_no_table);
	tcase_add_test(tc, test_fork);
	tcase_add_test(tc, test_exit);
	tcase_add_test(tc, test_ptrace);
	tcase_add_test(tc, test_mem_open);
	tcase_add_test(tc, test_mem_write);
	tcase_add_test(tc, test_vm_write);
	tcase_add_test(tc, test_vdso_map);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_deny);
	tcase_add_test(tc, test_actor_pid_reuse);
	tcase_add_test(tc, test_malformed_header);
	tcase_add_test(tc, test_malformed_exec);
	tcase_add_test(tc, test_malformed_file);
	tcase_add_test(tc, test_malformed_deny);
	tcase_add_test(tc, test_malformed_fixed);
	tcase_add_test(tc, test_kmod);
	tcase_add_test(tc, test_somap);
	tcase_add_test(tc, test_setid);
	tcase_add_test(tc, test_deny_kernel_classes);
	tcase_add_test(tc, test_fuzz);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
