/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel <-> daemon ABI (include/zhijia/bpf_abi.h) pinned: every record and map struct's
 * size and every field's offset and size, as the BPF side (clang -target bpf), x86_64 and
 * arm64 user space and LLP64 Windows must all agree on.  A layout change fails the build
 * here; bump ZJ_ABI_VERSION and update the pins in the same change.
 *
 * The runtime tests add what _Static_assert cannot say directly: no implicit padding (each
 * field starts where the previous one ended, the struct ends where the last one does), and
 * the constants shared with event.h agree.
 */
#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

#include "zhijia/bpf_abi.h"
#include "zhijia/event.h"

#define FIELD_SIZE(s, f) sizeof(((struct s *)0)->f)

#define PIN_SIZE(s, n) _Static_assert(sizeof(struct s) == (n), "sizeof(struct " #s ")")
#define PIN(s, f, off, n)                                                                          \
	_Static_assert(offsetof(struct s, f) == (off), "offsetof(struct " #s ", " #f ")");         \
	_Static_assert(FIELD_SIZE(s, f) == (n), "sizeof(struct " #s "." #f ")")
/* A flexible array member: only its offset, which is also where the fixed part ends. */
#define PIN_FLEX(s, f, off)                                                                        \
	_Static_assert(offsetof(struct s, f) == (off), "offsetof(struct " #s ", " #f ")")

PIN_SIZE(zj_rec_hdr, 80);
PIN(zj_rec_hdr, type, 0, 2);
PIN(zj_rec_hdr, size, 2, 2);
PIN(zj_rec_hdr, flags, 4, 4);
PIN(zj_rec_hdr, ktime_ns, 8, 8);
PIN(zj_rec_hdr, tgid, 16, 4);
PIN(zj_rec_hdr, tid, 20, 4);
PIN(zj_rec_hdr, ppid, 24, 4);
PIN(zj_rec_hdr, uid, 28, 4);
PIN(zj_rec_hdr, gid, 32, 4);
PIN(zj_rec_hdr, euid, 36, 4);
PIN(zj_rec_hdr, start_ns, 40, 8);
PIN(zj_rec_hdr, cgroup_id, 48, 8);
PIN(zj_rec_hdr, comm, 56, 16);
PIN(zj_rec_hdr, _reserved, 72, 8);

PIN_SIZE(zj_rec_exec, 104);
PIN(zj_rec_exec, hdr, 0, 80);
PIN(zj_rec_exec, old_tid, 80, 4);
PIN(zj_rec_exec, filename_len, 84, 4);
PIN(zj_rec_exec, exe_len, 88, 4);
PIN(zj_rec_exec, args_len, 92, 4);
PIN(zj_rec_exec, argc, 96, 4);
PIN(zj_rec_exec, preload_len, 100, 4);
PIN_FLEX(zj_rec_exec, data, 104);

PIN_SIZE(zj_rec_fork, 96);
PIN(zj_rec_fork, hdr, 0, 80);
PIN(zj_rec_fork, child_tgid, 80, 4);
PIN(zj_rec_fork, _pad, 84, 4);
PIN(zj_rec_fork, child_start_ns, 88, 8);

PIN_SIZE(zj_rec_exit, 88);
PIN(zj_rec_exit, hdr, 0, 80);
PIN(zj_rec_exit, exit_code, 80, 4);
PIN(zj_rec_exit, _pad, 84, 4);

PIN_SIZE(zj_rec_ptrace, 136);
PIN(zj_rec_ptrace, hdr, 0, 80);
PIN(zj_rec_ptrace, request, 80, 8);
PIN(zj_rec_ptrace, target_pid, 88, 4);
PIN(zj_rec_ptrace, _pad, 92, 4);
PIN(zj_rec_ptrace, addr, 96, 8);
PIN(zj_rec_ptrace, data, 104, 8);
PIN(zj_rec_ptrace, result, 112, 8);
PIN(zj_rec_ptrace, vdso_start, 120, 8);
PIN(zj_rec_ptrace, vdso_end, 128, 8);

PIN_SIZE(zj_rec_mem, 136);
PIN(zj_rec_mem, hdr, 0, 80);
PIN(zj_rec_mem, via, 80, 4);
PIN(zj_rec_mem, target_pid, 84, 4);
PIN(zj_rec_mem, fd, 88, 4);
PIN(zj_rec_mem, iovcnt, 92, 4);
PIN(zj_rec_mem, addr, 96, 8);
PIN(zj_rec_mem, len, 104, 8);
PIN(zj_rec_mem, open_flags, 112, 8);
PIN(zj_rec_mem, vdso_start, 120, 8);
PIN(zj_rec_mem, vdso_end, 128, 8);

PIN_SIZE(zj_rec_vdso_map, 136);
PIN(zj_rec_vdso_map, hdr, 0, 80);
PIN(zj_rec_vdso_map, op, 80, 4);
PIN(zj_rec_vdso_map, prot, 84, 4);
PIN(zj_rec_vdso_map, addr, 88, 8);
PIN(zj_rec_vdso_map, len, 96, 8);
PIN(zj_rec_vdso_map, new_addr, 104, 8);
PIN(zj_rec_vdso_map, new_len, 112, 8);
PIN(zj_rec_vdso_map, vdso_start, 120, 8);
PIN(zj_rec_vdso_map, vdso_end, 128, 8);

PIN_SIZE(zj_rec_file, 120);
PIN(zj_rec_file, hdr, 0, 80);
PIN(zj_rec_file, op, 80, 4);
PIN(zj_rec_file, mode, 84, 4);
PIN(zj_rec_file, open_flags, 88, 4);
PIN(zj_rec_file, path_len, 92, 2);
PIN(zj_rec_file, path2_len, 94, 2);
PIN(zj_rec_file, dev, 96, 8);
PIN(zj_rec_file, ino, 104, 8);
PIN(zj_rec_file, watch_id, 112, 4);
PIN(zj_rec_file, result, 116, 4);
PIN_FLEX(zj_rec_file, data, 120);

PIN_SIZE(zj_rec_deny, 104);
PIN(zj_rec_deny, hdr, 0, 80);
PIN(zj_rec_deny, klass, 80, 4);
PIN(zj_rec_deny, hook, 84, 4);
PIN(zj_rec_deny, target_pid, 88, 4);
PIN(zj_rec_deny, watch_id, 92, 4);
PIN(zj_rec_deny, op, 96, 4);
PIN(zj_rec_deny, arg, 100, 4);
PIN_FLEX(zj_rec_deny, path, 104);

PIN_SIZE(zj_rec_kmod, 192);
PIN(zj_rec_kmod, hdr, 0, 80);
PIN(zj_rec_kmod, op, 80, 4);
PIN(zj_rec_kmod, fd, 84, 4);
PIN(zj_rec_kmod, len, 88, 8);
PIN(zj_rec_kmod, mflags, 96, 4);
PIN(zj_rec_kmod, result, 100, 4);
PIN(zj_rec_kmod, dev, 104, 8);
PIN(zj_rec_kmod, ino, 112, 8);
PIN(zj_rec_kmod, path_len, 120, 4);
PIN(zj_rec_kmod, _pad, 124, 4);
PIN(zj_rec_kmod, name, 128, 64);
PIN_FLEX(zj_rec_kmod, data, 192);

PIN_SIZE(zj_rec_somap, 128);
PIN(zj_rec_somap, hdr, 0, 80);
PIN(zj_rec_somap, injector_tgid, 80, 4);
PIN(zj_rec_somap, via, 84, 4);
PIN(zj_rec_somap, injector_start_ns, 88, 8);
PIN(zj_rec_somap, session_ns, 96, 8);
PIN(zj_rec_somap, dev, 104, 8);
PIN(zj_rec_somap, ino, 112, 8);
PIN(zj_rec_somap, prot, 120, 4);
PIN(zj_rec_somap, path_len, 124, 4);
PIN_FLEX(zj_rec_somap, data, 128);

PIN_SIZE(zj_inject_sess, 24);
PIN(zj_inject_sess, injector_tgid, 0, 4);
PIN(zj_inject_sess, via, 4, 4);
PIN(zj_inject_sess, injector_start_ns, 8, 8);
PIN(zj_inject_sess, ktime_ns, 16, 8);

PIN_SIZE(zj_enforce_val, 8);
PIN(zj_enforce_val, block, 0, 4);
PIN(zj_enforce_val, kill, 4, 4);

PIN_SIZE(zj_kexc, 40);
PIN(zj_kexc, klass_mask, 0, 4);
PIN(zj_kexc, uid, 4, 4);
PIN(zj_kexc, exe_dev, 8, 8);
PIN(zj_kexc, exe_ino, 16, 8);
PIN(zj_kexc, parent_dev, 24, 8);
PIN(zj_kexc, parent_ino, 32, 8);

PIN_SIZE(zj_watch_key, 16);
PIN(zj_watch_key, dev, 0, 8);
PIN(zj_watch_key, ino, 8, 8);

PIN_SIZE(zj_watch_val, 16);
PIN(zj_watch_val, flags, 0, 4);
PIN(zj_watch_val, depth, 4, 4);
PIN(zj_watch_val, id, 8, 4);
PIN(zj_watch_val, klass, 12, 4);

PIN_SIZE(zj_watch_name_key, 80);
PIN(zj_watch_name_key, dev, 0, 8);
PIN(zj_watch_name_key, ino, 8, 8);
PIN(zj_watch_name_key, name, 16, 64);

PIN_SIZE(zj_prefix_key, 260);
PIN(zj_prefix_key, prefixlen, 0, 4);
PIN(zj_prefix_key, data, 4, 256);

/* Records are 8-byte aligned (they hold __u64) on every side of the ABI. */
_Static_assert(alignof(struct zj_rec_hdr) == 8, "alignof(struct zj_rec_hdr)");
_Static_assert(alignof(struct zj_rec_exec) == 8, "alignof(struct zj_rec_exec)");
_Static_assert(alignof(struct zj_rec_file) == 8, "alignof(struct zj_rec_file)");
_Static_assert(alignof(struct zj_rec_deny) == 8, "alignof(struct zj_rec_deny)");
_Static_assert(alignof(struct zj_rec_kmod) == 8, "alignof(struct zj_rec_kmod)");
/* a kmod record with the longest path fits */
_Static_assert(sizeof(struct zj_rec_kmod) + ZJ_PATH_MAX <= ZJ_REC_MAX_SIZE, "kmod fits");
/* a deny record with the longest relative path fits the ring-buffer sample size field */
_Static_assert(sizeof(struct zj_rec_deny) + ZJ_DENY_PATH_MAX <= ZJ_REC_MAX_SIZE,
	       "a deny record fits ZJ_REC_MAX_SIZE");
/* zj_kexc.klass_mask and zj_enforce have a bit / an entry per class */
_Static_assert(ZJ_ENF_NR <= 32, "ZJ_ENF_NR fits klass_mask");
/* hdr.size is a __u16: the largest record must fit. */
_Static_assert(ZJ_REC_MAX_SIZE <= 0xffff, "ZJ_REC_MAX_SIZE fits zj_rec_hdr.size");
_Static_assert(ZJ_REC_MAX_SIZE == 104 + 2 * 4096 + 8192 + 1024, "ZJ_REC_MAX_SIZE");
/* zj_rec_file.path_len/path2_len are __u16. */
_Static_assert(ZJ_PATH_MAX - 1 <= 0xffff, "a path length fits __u16");
_Static_assert(ZJ_ABI_VERSION == 4, "ABI version pinned with these layouts");

/* One row per field, in declaration order, then one end row per struct (runtime checks). */
struct layout_row {
	const char *st;
	const char *field; /* NULL: end of struct */
	size_t off;
	size_t size; /* 0: flexible array member */
};

#define LAYOUT_FIELD(s, f)                                                                         \
	{                                                                                          \
#s, #f, offsetof(struct s, f), FIELD_SIZE(s, f)                                    \
	}
#define LAYOUT_FLEX(s, f)                                                                          \
	{                                                                                          \
#s, #f, offsetof(struct s, f), 0                                                   \
	}
#define LAYOUT_END(s)                                                                              \
	{                                                                                          \
#s, NULL, sizeof(struct s), 0                                                      \
	}

static const struct layout_row layout[] = {
	LAYOUT_FIELD(zj_rec_hdr, type),
	LAYOUT_FIELD(zj_rec_hdr, size),
	LAYOUT_FIELD(zj_rec_hdr, flags),
	LAYOUT_FIELD(zj_rec_hdr, ktime_ns),
	LAYOUT_FIELD(zj_rec_hdr, tgid),
	LAYOUT_FIELD(zj_rec_hdr, tid),
	LAYOUT_FIELD(zj_rec_hdr, ppid),
	LAYOUT_FIELD(zj_rec_hdr, uid),
	LAYOUT_FIELD(zj_rec_hdr, gid),
	LAYOUT_FIELD(zj_rec_hdr, euid),
	LAYOUT_FIELD(zj_rec_hdr, start_ns),
	LAYOUT_FIELD(zj_rec_hdr, cgroup_id),
	LAYOUT_FIELD(zj_rec_hdr, comm),
	LAYOUT_FIELD(zj_rec_hdr, _reserved),
	LAYOUT_END(zj_rec_hdr),
	LAYOUT_FIELD(zj_rec_exec, hdr),
	LAYOUT_FIELD(zj_rec_exec, old_tid),
	LAYOUT_FIELD(zj_rec_exec, filename_len),
	LAYOUT_FIELD(zj_rec_exec, exe_len),
	LAYOUT_FIELD(zj_rec_exec, args_len),
	LAYOUT_FIELD(zj_rec_exec, argc),
	LAYOUT_FIELD(zj_rec_exec, preload_len),
	LAYOUT_FLEX(zj_rec_exec, data),
	LAYOUT_END(zj_rec_exec),
	LAYOUT_FIELD(zj_rec_fork, hdr),
	LAYOUT_FIELD(zj_rec_fork, child_tgid),
	LAYOUT_FIELD(zj_rec_fork, _pad),
	LAYOUT_FIELD(zj_rec_fork, child_start_ns),
	LAYOUT_END(zj_rec_fork),
	LAYOUT_FIELD(zj_rec_exit, hdr),
	LAYOUT_FIELD(zj_rec_exit, exit_code),
	LAYOUT_FIELD(zj_rec_exit, _pad),
	LAYOUT_END(zj_rec_exit),
	LAYOUT_FIELD(zj_rec_ptrace, hdr),
	LAYOUT_FIELD(zj_rec_ptrace, request),
	LAYOUT_FIELD(zj_rec_ptrace, target_pid),
	LAYOUT_FIELD(zj_rec_ptrace, _pad),
	LAYOUT_FIELD(zj_rec_ptrace, addr),
	LAYOUT_FIELD(zj_rec_ptrace, data),
	LAYOUT_FIELD(zj_rec_ptrace, result),
	LAYOUT_FIELD(zj_rec_ptrace, vdso_start),
	LAYOUT_FIELD(zj_rec_ptrace, vdso_end),
	LAYOUT_END(zj_rec_ptrace),
	LAYOUT_FIELD(zj_rec_mem, hdr),
	LAYOUT_FIELD(zj_rec_mem, via),
	LAYOUT_FIELD(zj_rec_mem, target_pid),
	LAYOUT_FIELD(zj_rec_mem, fd),
	LAYOUT_FIELD(zj_rec_mem, iovcnt),
	LAYOUT_FIELD(zj_rec_mem, addr),
	LAYOUT_FIELD(zj_rec_mem, len),
	LAYOUT_FIELD(zj_rec_mem, open_flags),
	LAYOUT_FIELD(zj_rec_mem, vdso_start),
	LAYOUT_FIELD(zj_rec_mem, vdso_end),
	LAYOUT_END(zj_rec_mem),
	LAYOUT_FIELD(zj_rec_vdso_map, hdr),
	LAYOUT_FIELD(zj_rec_vdso_map, op),
	LAYOUT_FIELD(zj_rec_vdso_map, prot),
	LAYOUT_FIELD(zj_rec_vdso_map, addr),
	LAYOUT_FIELD(zj_rec_vdso_map, len),
	LAYOUT_FIELD(zj_rec_vdso_map, new_addr),
	LAYOUT_FIELD(zj_rec_vdso_map, new_len),
	LAYOUT_FIELD(zj_rec_vdso_map, vdso_start),
	LAYOUT_FIELD(zj_rec_vdso_map, vdso_end),
	LAYOUT_END(zj_rec_vdso_map),
	LAYOUT_FIELD(zj_rec_file, hdr),
	LAYOUT_FIELD(zj_rec_file, op),
	LAYOUT_FIELD(zj_rec_file, mode),
	LAYOUT_FIELD(zj_rec_file, open_flags),
	LAYOUT_FIELD(zj_rec_file, path_len),
	LAYOUT_FIELD(zj_rec_file, path2_len),
	LAYOUT_FIELD(zj_rec_file, dev),
	LAYOUT_FIELD(zj_rec_file, ino),
	LAYOUT_FIELD(zj_rec_file, watch_id),
	LAYOUT_FIELD(zj_rec_file, result),
	LAYOUT_FLEX(zj_rec_file, data),
	LAYOUT_END(zj_rec_file),
	LAYOUT_FIELD(zj_rec_deny, hdr),
	LAYOUT_FIELD(zj_rec_deny, klass),
	LAYOUT_FIELD(zj_rec_deny, hook),
	LAYOUT_FIELD(zj_rec_deny, target_pid),
	LAYOUT_FIELD(zj_rec_deny, watch_id),
	LAYOUT_FIELD(zj_rec_deny, op),
	LAYOUT_FIELD(zj_rec_deny, arg),
	LAYOUT_FLEX(zj_rec_deny, path),
	LAYOUT_END(zj_rec_deny),
	LAYOUT_FIELD(zj_enforce_val, block),
	LAYOUT_FIELD(zj_enforce_val, kill),
	LAYOUT_END(zj_enforce_val),
	LAYOUT_FIELD(zj_kexc, klass_mask),
	LAYOUT_FIELD(zj_kexc, uid),
	LAYOUT_FIELD(zj_kexc, exe_dev),
	LAYOUT_FIELD(zj_kexc, exe_ino),
	LAYOUT_FIELD(zj_kexc, parent_dev),
	LAYOUT_FIELD(zj_kexc, parent_ino),
	LAYOUT_END(zj_kexc),
	LAYOUT_FIELD(zj_watch_key, dev),
	LAYOUT_FIELD(zj_watch_key, ino),
	LAYOUT_END(zj_watch_key),
	LAYOUT_FIELD(zj_watch_val, flags),
	LAYOUT_FIELD(zj_watch_val, depth),
	LAYOUT_FIELD(zj_watch_val, id),
	LAYOUT_FIELD(zj_watch_val, klass),
	LAYOUT_END(zj_watch_val),
	LAYOUT_FIELD(zj_watch_name_key, dev),
	LAYOUT_FIELD(zj_watch_name_key, ino),
	LAYOUT_FIELD(zj_watch_name_key, name),
	LAYOUT_END(zj_watch_name_key),
	LAYOUT_FIELD(zj_prefix_key, prefixlen),
	LAYOUT_FIELD(zj_prefix_key, data),
	LAYOUT_END(zj_prefix_key),
	LAYOUT_FIELD(zj_rec_kmod, hdr),
	LAYOUT_FIELD(zj_rec_kmod, op),
	LAYOUT_FIELD(zj_rec_kmod, fd),
	LAYOUT_FIELD(zj_rec_kmod, len),
	LAYOUT_FIELD(zj_rec_kmod, mflags),
	LAYOUT_FIELD(zj_rec_kmod, result),
	LAYOUT_FIELD(zj_rec_kmod, dev),
	LAYOUT_FIELD(zj_rec_kmod, ino),
	LAYOUT_FIELD(zj_rec_kmod, path_len),
	LAYOUT_FIELD(zj_rec_kmod, _pad),
	LAYOUT_FIELD(zj_rec_kmod, name),
	LAYOUT_FLEX(zj_rec_kmod, data),
	LAYOUT_END(zj_rec_kmod),
	LAYOUT_FIELD(zj_rec_somap, hdr),
	LAYOUT_FIELD(zj_rec_somap, injector_tgid),
	LAYOUT_FIELD(zj_rec_somap, via),
	LAYOUT_FIELD(zj_rec_somap, injector_start_ns),
	LAYOUT_FIELD(zj_rec_somap, session_ns),
	LAYOUT_FIELD(zj_rec_somap, dev),
	LAYOUT_FIELD(zj_rec_somap, ino),
	LAYOUT_FIELD(zj_rec_somap, prot),
	LAYOUT_FIELD(zj_rec_somap, path_len),
	LAYOUT_FLEX(zj_rec_somap, data),
	LAYOUT_END(zj_rec_somap),
	LAYOUT_FIELD(zj_inject_sess, injector_tgid),
	LAYOUT_FIELD(zj_inject_sess, via),
	LAYOUT_FIELD(zj_inject_sess, injector_start_ns),
	LAYOUT_FIELD(zj_inject_sess, ktime_ns),
	LAYOUT_END(zj_inject_sess),
};

START_TEST(test_no_implicit_padding)
{
	size_t expect = 0, nfields = 0;

	for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		const struct layout_row *r = &layout[i];

		if (!r->field) {
			/* The struct ends where its last field ends: no tail padding either. */
			ck_assert_msg(r->off == expect, "struct %s: size %zu, fields end at %zu",
				      r->st, r->off, expect);
			expect = 0;
			continue;
		}
		nfields++;
		ck_assert_msg(r->off == expect, "struct %s: field %s at %zu, expected %zu", r->st,
			      r->field, r->off, expect);
		expect = r->off + r->size;
	}
	ck_assert_uint_eq(nfields, 79 + 8 + 2 + 6 + 12 + 10 + 4); /* + kmod, somap, inject_sess */
}
END_TEST

START_TEST(test_hdr_first)
{
	/* Every record starts with the common header, at offset 0. */
	ck_assert_uint_eq(offsetof(struct zj_rec_exec, hdr), 0);
	ck_assert_uint_eq(offsetof(struct zj_rec_fork, hdr), 0);
	ck_assert_uint_eq(offsetof(struct zj_rec_exit, hdr), 0);
	ck_assert_uint_eq(offsetof(struct zj_rec_ptrace, hdr), 0);
	ck_assert_uint_eq(offsetof(struct zj_rec_mem, hdr), 0);
	ck_assert_uint_eq(offsetof(struct zj_rec_vdso_map, hdr), 0);
	ck_assert_uint_eq(offsetof(struct zj_rec_file, hdr), 0);
	ck_assert_uint_eq(offsetof(struct zj_rec_deny, hdr), 0);
	ck_assert_uint_eq(sizeof(struct zj_rec_hdr), 80);
}
END_TEST

START_TEST(test_record_types)
{
	/* Append-only numbers, shared with the portable event types. */
	ck_assert_int_eq(ZJ_REC_EXEC, 1);
	ck_assert_int_eq(ZJ_REC_FORK, 2);
	ck_assert_int_eq(ZJ_REC_EXIT, 3);
	ck_assert_int_eq(ZJ_REC_PTRACE, 4);
	ck_assert_int_eq(ZJ_REC_MEM_OPEN, 5);
	ck_assert_int_eq(ZJ_REC_MEM_WRITE, 6);
	ck_assert_int_eq(ZJ_REC_VM_WRITE, 7);
	ck_assert_int_eq(ZJ_REC_VDSO_MAP, 8);
	ck_assert_int_eq(ZJ_REC_FILE, 9);
	ck_assert_int_eq(ZJ_REC_DENY, 10);
	ck_assert_int_eq(ZJ_REC_KMOD, 11);
	ck_assert_int_eq(ZJ_REC_SETID, 12);
	ck_assert_int_eq(ZJ_REC_SOMAP, 13);
	ck_assert_int_eq(ZJ_REC_MAX, 14);
	ck_assert_int_eq(ZJ_EV_EXEC, ZJ_REC_EXEC);
	ck_assert_int_eq(ZJ_EV_FORK, ZJ_REC_FORK);
	ck_assert_int_eq(ZJ_EV_EXIT, ZJ_REC_EXIT);
	ck_assert_int_eq(ZJ_EV_PTRACE, ZJ_REC_PTRACE);
	ck_assert_int_eq(ZJ_EV_MEM_OPEN, ZJ_REC_MEM_OPEN);
	ck_assert_int_eq(ZJ_EV_MEM_WRITE, ZJ_REC_MEM_WRITE);
	ck_assert_int_eq(ZJ_EV_VM_WRITE, ZJ_REC_VM_WRITE);
	ck_assert_int_eq(ZJ_EV_VDSO_MAP, ZJ_REC_VDSO_MAP);
	ck_assert_int_eq(ZJ_EV_FILE, ZJ_REC_FILE);
	ck_assert_int_eq(ZJ_EV_DENY, ZJ_REC_DENY);
	ck_assert_int_eq(ZJ_EV_KMOD, ZJ_REC_KMOD);
	ck_assert_int_eq(ZJ_EV_SETID, ZJ_REC_SETID);
	ck_assert_int_eq(ZJ_EV_SOMAP, ZJ_REC_SOMAP);
	ck_assert_int_eq(ZJ_EV_MAX, ZJ_REC_MAX);
}
END_TEST

START_TEST(test_flags_shared)
{
	/* event.h promises the kernel's flag bits carry over unchanged. */
	ck_assert_uint_eq(ZJ_EVF_SELF, ZJ_F_SELF);
	ck_assert_uint_eq(ZJ_EVF_VDSO, ZJ_F_VDSO);
	ck_assert_uint_eq(ZJ_EVF_TRUNC_PATH, ZJ_F_TRUNC_PATH);
	ck_assert_uint_eq(ZJ_EVF_TRUNC_PATH2, ZJ_F_TRUNC_PATH2);
	ck_assert_uint_eq(ZJ_EVF_TRUNC_ARGS, ZJ_F_TRUNC_ARGS);
	ck_assert_uint_eq(ZJ_EVF_CREATED, ZJ_F_CREATED);
	ck_assert_uint_eq(ZJ_EVF_O_TRUNC, ZJ_F_O_TRUNC);
	ck_assert_uint_eq(ZJ_EVF_RESOLVE, ZJ_F_RESOLVE);
	ck_assert_uint_eq(ZJ_EVF_BLOCKED, ZJ_F_BLOCKED);
	ck_assert_uint_eq(ZJ_EVF_KILLED, ZJ_F_KILLED);
	ck_assert_uint_eq(ZJ_EVF_THREAD_TARGET, ZJ_F_THREAD_TARGET);
	ck_assert_uint_eq(ZJ_EVF_TRUNC_IOV, ZJ_F_TRUNC_IOV);
	ck_assert_uint_eq(ZJ_EVF_LD_PRELOAD, ZJ_F_LD_PRELOAD);
	ck_assert_uint_eq(ZJ_EVF_TRUNC_ENV, ZJ_F_TRUNC_ENV);
	ck_assert_uint_eq(ZJ_EVF_ANON_EXE, ZJ_F_ANON_EXE);
	ck_assert_uint_eq(ZJ_EVF_EXEC_TEXT, ZJ_F_EXEC_TEXT);
	ck_assert_uint_eq(ZJ_EVF_SETID_HAD, ZJ_F_SETID_HAD);
	ck_assert_uint_eq(ZJ_EVF_NOT_REG, ZJ_F_NOT_REG);
	/* no kernel flag takes the daemon's bit */
	ck_assert_uint_eq(ZJ_EVF_HAS_TARGET & (ZJ_F_ANON_EXE | ZJ_F_EXEC_TEXT | ZJ_F_SETID_HAD |
					       ZJ_F_NOT_REG),
			  0);
	/* The daemon-only bit lies outside anything the kernel may set. */
	ck_assert_uint_eq(ZJ_EVF_HAS_TARGET & 0xffffu, 0);
}
END_TEST

START_TEST(test_enums)
{
	ck_assert_int_eq(ZJ_VIA_OPEN, 1);
	ck_assert_int_eq(ZJ_VIA_WRITE, 2);
	ck_assert_int_eq(ZJ_VIA_PWRITE64, 3);
	ck_assert_int_eq(ZJ_VIA_WRITEV, 4);
	ck_assert_int_eq(ZJ_VIA_PWRITEV, 5);
	ck_assert_int_eq(ZJ_VIA_PWRITEV2, 6);
	ck_assert_int_eq(ZJ_VIA_PROCESS_VM_WRITEV, 7);
	ck_assert_int_eq(ZJ_VMAP_MPROTECT, 1);
	ck_assert_int_eq(ZJ_VMAP_PKEY_MPROTECT, 2);
	ck_assert_int_eq(ZJ_VMAP_MREMAP, 3);
	ck_assert_int_eq(ZJ_VMAP_MUNMAP, 4);
	ck_assert_int_eq(ZJ_FOP_CREATE, 1);
	ck_assert_int_eq(ZJ_FOP_OPEN_WRITE, 2);
	ck_assert_int_eq(ZJ_FOP_TRUNCATE, 3);
	ck_assert_int_eq(ZJ_FOP_RENAME, 4);
	ck_assert_int_eq(ZJ_FOP_LINK, 5);
	ck_assert_int_eq(ZJ_FOP_SYMLINK, 6);
	ck_assert_int_eq(ZJ_FOP_UNLINK, 7);
	ck_assert_int_eq(ZJ_FOP_CHMOD, 8);
	ck_assert_int_eq(ZJ_FOP_MAX, 9);
	ck_assert_int_eq(ZJ_IOV_MAX, 8);
	ck_assert_int_eq(ZJ_STAT_EMITTED + ZJ_REC_MAX, 22);
	ck_assert_int_eq(ZJ_INJ_PTRACE, 1);
	ck_assert_int_eq(ZJ_INJ_PROC_MEM, 2);
	ck_assert_int_le(ZJ_STAT_EMITTED + ZJ_REC_MAX, ZJ_STAT_KILLED);
	ck_assert_int_eq(ZJ_KMOD_INIT, 1);
	ck_assert_int_eq(ZJ_KMOD_FINIT, 2);
	ck_assert_int_le(ZJ_STAT_EMITTED + ZJ_REC_MAX, ZJ_STAT_NR);
	ck_assert_int_lt(ZJ_STAT_CANARY, ZJ_STAT_EMITTED);
	ck_assert_int_lt(ZJ_CFG_CANARY_TGID, ZJ_CFG_NR);
}
END_TEST

START_TEST(test_enforcement)
{
	/* Enforcement classes, hooks and operations: append-only numbers. */
	ck_assert_int_eq(ZJ_ENF_PTRACE, 0);
	ck_assert_int_eq(ZJ_ENF_PROC_MEM, 1);
	ck_assert_int_eq(ZJ_ENF_VDSO, 2);
	ck_assert_int_eq(ZJ_ENF_AT, 3);
	ck_assert_int_eq(ZJ_ENF_CRON, 4);
	ck_assert_int_eq(ZJ_ENF_TIMER, 5);
	ck_assert_int_eq(ZJ_ENF_SERVICE, 6);
	ck_assert_int_eq(ZJ_ENF_PRELOAD, 7);
	ck_assert_int_eq(ZJ_ENF_SSH_KEYS, 8);
	ck_assert_int_eq(ZJ_ENF_SHELL_RC, 9);
	ck_assert_int_eq(ZJ_ENF_RC_SCRIPTS, 10);
	ck_assert_int_eq(ZJ_ENF_KMOD, 11);
	ck_assert_int_eq(ZJ_ENF_ACCOUNT, 12);
	ck_assert_int_eq(ZJ_ENF_GROUPS, 13);
	ck_assert_int_eq(ZJ_ENF_SUDO, 14);
	ck_assert_int_eq(ZJ_ENF_PAM, 15);
	ck_assert_int_eq(ZJ_ENF_UDEV, 16);
	ck_assert_int_eq(ZJ_ENF_XDG, 17);
	ck_assert_int_eq(ZJ_ENF_PYSTART, 18);
	ck_assert_int_eq(ZJ_ENF_SETID, 19);
	ck_assert_int_eq(ZJ_ENF_REFLECT, 20);
	ck_assert_int_eq(ZJ_ENF_NR, 21);
	ck_assert_int_eq(ZJ_ENF_FILE_FIRST, ZJ_ENF_AT);
	ck_assert_int_eq(ZJ_ENF_FILE_LAST, ZJ_ENF_PYSTART);
	ck_assert_int_ge(ZJ_ENF_CANARY, ZJ_ENF_NR);
	ck_assert_int_ge(ZJ_ENF_NONE, ZJ_ENF_NR);
	ck_assert_int_ne(ZJ_ENF_CANARY, ZJ_ENF_NONE);
	ck_assert_int_eq(ZJ_ENF_SELF, 253);
	ck_assert_int_eq(ZJ_ENF_VERDICT, 252);
	ck_assert_int_eq(ZJ_HOOK_PTRACE_ACCESS_CHECK, 1);
	ck_assert_int_eq(ZJ_HOOK_FILE_OPEN, 2);
	ck_assert_int_eq(ZJ_HOOK_FILE_MPROTECT, 3);
	ck_assert_int_eq(ZJ_HOOK_INODE_CREATE, 4);
	ck_assert_int_eq(ZJ_HOOK_INODE_RENAME, 5);
	ck_assert_int_eq(ZJ_HOOK_INODE_LINK, 6);
	ck_assert_int_eq(ZJ_HOOK_INODE_SYMLINK, 7);
	ck_assert_int_eq(ZJ_HOOK_TASK_KILL, 8);
	ck_assert_int_eq(ZJ_HOOK_BPF_MAP, 9);
	ck_assert_int_eq(ZJ_HOOK_BPF_PROG, 10);
	ck_assert_int_eq(ZJ_HOOK_BPF, 11);
	ck_assert_int_eq(ZJ_HOOK_BPRM_CHECK, 12);
	ck_assert_int_eq(ZJ_HOOK_KERNEL_READ_FILE, 13);
	ck_assert_int_eq(ZJ_HOOK_KERNEL_LOAD_DATA, 14);
	ck_assert_int_eq(ZJ_HOOK_PATH_CHMOD, 15);
	ck_assert_int_eq(ZJ_HOOK_MAX, 16);
	ck_assert_int_eq(ZJ_DOP_PTRACE_ATTACH, 1);
	ck_assert_int_eq(ZJ_DOP_VM_WRITEV, 2);
	ck_assert_int_eq(ZJ_DOP_MEM_OPEN, 3);
	ck_assert_int_eq(ZJ_DOP_MPROTECT, 4);
	ck_assert_int_eq(ZJ_DOP_CREATE, 5);
	ck_assert_int_eq(ZJ_DOP_OPEN_WRITE, 6);
	ck_assert_int_eq(ZJ_DOP_RENAME, 7);
	ck_assert_int_eq(ZJ_DOP_LINK, 8);
	ck_assert_int_eq(ZJ_DOP_SYMLINK, 9);
	ck_assert_int_eq(ZJ_DOP_SELF_TRACE, 10);
	ck_assert_int_eq(ZJ_DOP_SELF_SIGNAL, 11);
	ck_assert_int_eq(ZJ_DOP_SELF_BPF, 12);
	ck_assert_int_eq(ZJ_DOP_EXEC, 13);
	ck_assert_int_eq(ZJ_DOP_KMOD_LOAD, 14);
	ck_assert_int_eq(ZJ_DOP_SETID, 15);
	ck_assert_int_eq(ZJ_DOP_ANON_EXEC, 16);
	ck_assert_int_eq(ZJ_DOP_MAX, 17);
	ck_assert_int_eq(ZJ_SELF_MAX, 256);
	ck_assert_uint_eq(ZJ_SELF_KEY(ZJ_SELF_LINK, 7), (3ull << 32) | 7);
	ck_assert_int_eq(ZJ_KEXC_MAX, 64);
	ck_assert_uint_eq(ZJ_KEXC_ANY_UID, 0xffffffffu);
	ck_assert_int_eq(ZJ_DENY_PATH_MAX, 1024);
}
END_TEST

static Suite *abi_suite(void)
{
	Suite *s = suite_create("abi");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, test_no_implicit_padding);
	tcase_add_test(tc, test_hdr_first);
	tcase_add_test(tc, test_record_types);
	tcase_add_test(tc, test_flags_shared);
	tcase_add_test(tc, test_enums);
	tcase_add_test(tc, test_enforcement);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(abi_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
