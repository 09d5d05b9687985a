/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj_event_to_json(): every event type serialised, parsed back with json-c (strict, UTF-8
 * validated) and every field asserted; hostile strings; names; the time format.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zhijia/bpf_abi.h"
#include "zhijia/event.h"

#define S(lit) ((struct zj_str){.ptr = (lit), .len = sizeof(lit) - 1})

/* ---- helpers ------------------------------------------------------------------------------ */

/*
 * Serialise ev (appending to b) and parse the new line back.  Asserts the line is one line:
 * ends in '\n', no other newline or raw control byte, and json-c (strict, validating UTF-8)
 * consumes all of it.
 */
static struct json_object *roundtrip(const struct zj_event *ev, struct zj_buf *b)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t start = b->len, n;
	const char *line;

	ck_assert_int_eq(zj_event_to_json(ev, b), 0);
	ck_assert_uint_gt(b->len, start);
	line = b->data + start;
	n = b->len - start;
	ck_assert_int_eq(line[n - 1], '\n');
	ck_assert_int_eq(b->data[b->len], '\0'); /* documented extra NUL */
	for (size_t i = 0; i + 1 < n; i++)
		ck_assert_msg((unsigned char)line[i] >= 0x20, "raw control byte 0x%02x at %zu",
			      (unsigned char)line[i], i);
	tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)(n - 1));
	ck_assert_msg(o != NULL, "json-c: %s in %.*s",
		      json_tokener_error_desc(json_tokener_get_error(tok)), (int)n, line);
	ck_assert_int_eq(json_tokener_get_parse_end(tok), n - 1);
	json_tokener_free(tok);
	ck_assert(json_object_is_type(o, json_type_object));
	return o;
}

/* "a.b.c" through nested objects; NULL when absent. */
static struct json_object *jpath(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		struct json_object *v;

		ck_assert_uint_lt(n, sizeof(key));
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &v))
			return NULL;
		o = v;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

static struct json_object *jmust(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	ck_assert_msg(v != NULL, "missing %s", path);
	return v;
}

static void assert_u64(struct json_object *o, const char *path, uint64_t want)
{
	struct json_object *v = jmust(o, path);

	ck_assert_msg(json_object_is_type(v, json_type_int), "%s not a number", path);
	ck_assert_msg(json_object_get_uint64(v) == want, "%s: %llu != %llu", path,
		      (unsigned long long)json_object_get_uint64(v), (unsigned long long)want);
}

static void assert_i64(struct json_object *o, const char *path, int64_t want)
{
	struct json_object *v = jmust(o, path);

	ck_assert_msg(json_object_is_type(v, json_type_int), "%s not a number", path);
	ck_assert_msg(json_object_get_int64(v) == want, "%s: %lld != %lld", path,
		      (long long)json_object_get_int64(v), (long long)want);
}

static void assert_strn(struct json_object *o, const char *path, const char *want, size_t n)
{
	struct json_object *v = jmust(o, path);

	ck_assert_msg(json_object_is_type(v, json_type_string), "%s not a string", path);
	ck_assert_msg((size_t)json_object_get_string_len(v) == n &&
			      memcmp(json_object_get_string(v), want, n) == 0,
		      "%s: \"%s\" != \"%.*s\"", path, json_object_get_string(v), (int)n, want);
}

static void assert_str(struct json_object *o, const char *path, const char *want)
{
	assert_strn(o, path, want, strlen(want));
}

static void assert_bool(struct json_object *o, const char *path, bool want)
{
	struct json_object *v = jmust(o, path);

	ck_assert_msg(json_object_is_type(v, json_type_boolean), "%s not a bool", path);
	ck_assert_int_eq(json_object_get_boolean(v), want);
}

static void assert_null(struct json_object *o, const char *path)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, path, &v) && v == NULL, "%s not null", path);
}

static void assert_absent(struct json_object *o, const char *path)
{
	ck_assert_msg(jpath(o, path) == NULL, "%s present", path);
}

static void assert_nkeys(struct json_object *o, const char *path, int n)
{
	struct json_object *v = path ? jmust(o, path) : o;

	ck_assert_int_eq(json_object_object_length(v), n);
}

/* A string array equal to want[0..n). */
static void assert_str_array(struct json_object *o, const char *path, const char *const *want,
			     size_t n)
{
	struct json_object *a = jmust(o, path);

	ck_assert(json_object_is_type(a, json_type_array));
	ck_assert_uint_eq(json_object_array_length(a), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a, i)), want[i]);
}

static void set_actor(struct zj_event *ev)
{
	ev->actor = (struct zj_proc){.pid = 4242,
				     .tid = 4243,
				     .ppid = 1,
				     .uid = 1000,
				     .gid = 1001,
				     .euid = 0,
				     .flags = ZJ_PROC_KNOWN | ZJ_PROC_SYSTEM,
				     .start_ns = 123456789012345ull,
				     .comm = "sshd",
				     .exe = S("/usr/sbin/sshd"),
				     .cmdline = S("sshd: alice [priv]\0-D\0")};
}

static void set_target(struct zj_event *ev)
{
	ev->flags |= ZJ_EVF_HAS_TARGET;
	ev->target = (struct zj_proc){.pid = 777,
				      .tid = 777,
				      .ppid = 700,
				      .uid = 0,
				      .gid = 0,
				      .euid = 0,
				      .flags = ZJ_PROC_KNOWN | ZJ_PROC_PROTECTED,
				      .start_ns = 5000000000ull,
				      .comm = "nginx",
				      .exe = S("/usr/sbin/nginx"),
				      .cmdline = S("nginx: master process\0")};
}

static void base(struct zj_event *ev, uint32_t type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->seq = 42;
	ev->ktime_ns = 987654321000ull;
	ev->time_ns = 1795846800123456789ll; /* 2026-11-28T06:20:00.123456789Z */
	set_actor(ev);
}

static void check_actor(struct json_object *o)
{
	assert_nkeys(o, "actor", 11);
	assert_u64(o, "actor.pid", 4242);
	assert_u64(o, "actor.tid", 4243);
	assert_u64(o, "actor.ppid", 1);
	assert_u64(o, "actor.uid", 1000);
	assert_u64(o, "actor.gid", 1001);
	assert_u64(o, "actor.euid", 0);
	assert_str(o, "actor.comm", "sshd");
	assert_str(o, "actor.exe", "/usr/sbin/sshd");
	assert_str(o, "actor.cmdline", "sshd: alice [priv] -D");
	assert_u64(o, "actor.start_ns", 123456789012345ull);
	assert_bool(o, "actor.known", true);
}

static void check_target(struct json_object *o)
{
	assert_nkeys(o, "target", 11);
	assert_u64(o, "target.pid", 777);
	assert_u64(o, "target.tid", 777);
	assert_u64(o, "target.ppid", 700);
	assert_u64(o, "target.uid", 0);
	assert_u64(o, "target.gid", 0);
	assert_u64(o, "target.euid", 0);
	assert_str(o, "target.comm", "nginx");
	assert_str(o, "target.exe", "/usr/sbin/nginx");
	assert_str(o, "target.cmdline", "nginx: master process");
	assert_u64(o, "target.start_ns", 5000000000ull);
	assert_bool(o, "target.known", true);
}

/* The envelope every event has; nkeys counts the top-level keys expected. */
static void check_common(struct json_object *o, const char *type, int nkeys)
{
	assert_nkeys(o, NULL, nkeys);
	assert_u64(o, "v", ZJ_EVENT_SCHEMA);
	assert_u64(o, "seq", 42);
	assert_str(o, "time", "2026-11-28T06:20:00.123456789Z");
	assert_u64(o, "ktime_ns", 987654321000ull);
	assert_str(o, "type", type);
	check_actor(o);
}

/* ---- names -------------------------------------------------------------------------------- */

START_TEST(test_names)
{
	static const char *const types[] = {"unknown",	"exec",	    "fork",	 "exit",
					    "ptrace",	"mem_open", "mem_write", "vm_write",
					    "vdso_map", "file",	    "deny",	 "kmod",
					    "setid",	"so_map",   "unknown"};
	static const char *const classes[] = {
		"ptrace",  "proc_mem", "vdso",	     "at",	      "cron",	   "timer",
		"service", "preload",  "ssh_keys",   "shell_rc",      "rc_scripts", "kmod",
		"account", "groups",   "sudo",	     "pam",	      "udev",	   "xdg_autostart",
		"python_startup", "setid", "reflect", "unknown"};
	static const char *const techniques[] = {
		"T1055.008", "T1055.009", "T1055.014", "T1053.002", "T1053.003",
		"T1053.006", "T1543.002", "T1574.006", "T1098.004", "T1546.004",
		"T1037.004", "T1547.006", "T1136.001", "T1098.007", "T1548.003",
		"T1556.003", "T1546.017", "T1547.013", "T1546.018",
		"T1548.001", "T1620"};
	static const char *const hooks[] = {"unknown",	     "ptrace_access_check", "file_open",
					    "file_mprotect", "inode_create",	    "inode_rename",
					    "inode_link",    "inode_symlink",	    "task_kill",
					    "bpf_map",	     "bpf_prog",	    "bpf",
					    "bprm_check_security", "kernel_read_file",
					    "kernel_load_data", "path_chmod", "unknown"};
	static const char *const dops[] = {"unknown",	 "ptrace_attach", "process_vm_writev",
					   "mem_open",	 "mprotect",	  "create",
					   "open_write", "rename",	  "link",
					   "symlink",	 "self_trace",	  "self_signal",
					   "self_bpf",	 "exec",	  "kmod_load",
					   "setid",	 "anon_exec",	  "unknown"};
	static const char *const fops[] = {"unknown", "create", "open_write", "truncate",
					   "rename",  "link",	"symlink",    "unlink",
					   "chmod",   "unknown"};
	static const char *const vias[] = {"unknown", "open",	 "write",    "pwrite64",
					   "writev",  "pwritev", "pwritev2", "process_vm_writev",
					   "unknown"};
	static const char *const vops[] = {"unknown", "mprotect", "pkey_mprotect",
					   "mremap",  "munmap",	  "unknown"};

	for (uint32_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		ck_assert_str_eq(zj_event_type_name(i), types[i]);
	for (uint32_t i = 0; i < sizeof(fops) / sizeof(fops[0]); i++)
		ck_assert_str_eq(zj_file_op_name(i), fops[i]);
	for (uint32_t i = 0; i < sizeof(vias) / sizeof(vias[0]); i++)
		ck_assert_str_eq(zj_mem_via_name(i), vias[i]);
	for (uint32_t i = 0; i < sizeof(vops) / sizeof(vops[0]); i++)
		ck_assert_str_eq(zj_vdso_op_name(i), vops[i]);
	for (uint32_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		ck_assert_str_eq(zj_deny_class_name(i), classes[i]);
	for (uint32_t i = 0; i < sizeof(techniques) / sizeof(techniques[0]); i++)
		ck_assert_str_eq(zj_deny_class_technique(i), techniques[i]);
	ck_assert_ptr_null(zj_deny_class_technique(ZJ_ENF_NR));
	ck_assert_ptr_null(zj_deny_class_technique(ZJ_ENF_NONE));
	ck_assert_str_eq(zj_deny_class_name(ZJ_ENF_SELF), "self");
	ck_assert_str_eq(zj_deny_class_technique(ZJ_ENF_SELF), "T1562.001");
	ck_assert_str_eq(zj_deny_class_name(ZJ_ENF_VERDICT), "verdict");
	ck_assert_ptr_null(zj_deny_class_technique(ZJ_ENF_VERDICT));
	for (uint32_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		ck_assert_str_eq(zj_deny_hook_name(i), hooks[i]);
	for (uint32_t i = 0; i < sizeof(dops) / sizeof(dops[0]); i++)
		ck_assert_str_eq(zj_deny_op_name(i), dops[i]);
	ck_assert_str_eq(zj_deny_class_name(UINT32_MAX), "unknown");
	ck_assert_str_eq(zj_deny_hook_name(UINT32_MAX), "unknown");
	ck_assert_str_eq(zj_deny_op_name(UINT32_MAX), "unknown");
	ck_assert_str_eq(zj_event_type_name(UINT32_MAX), "unknown");
	ck_assert_str_eq(zj_file_op_name(UINT32_MAX), "unknown");
	ck_assert_str_eq(zj_mem_via_name(UINT32_MAX), "unknown");
	ck_assert_str_eq(zj_vdso_op_name(UINT32_MAX), "unknown");
}
END_TEST

START_TEST(test_ptrace_names)
{
	static const struct {
		int64_t num;
		const char *name;
	} want[] = {
		{0, "PTRACE_TRACEME"},
		{1, "PTRACE_PEEKTEXT"},
		{2, "PTRACE_PEEKDATA"},
		{3, "PTRACE_PEEKUSER"},
		{4, "PTRACE_POKETEXT"},
		{5, "PTRACE_POKEDATA"},
		{6, "PTRACE_POKEUSER"},
		{7, "PTRACE_CONT"},
		{8, "PTRACE_KILL"},
		{9, "PTRACE_SINGLESTEP"},
		{12, "PTRACE_GETREGS"},
		{13, "PTRACE_SETREGS"},
		{14, "PTRACE_GETFPREGS"},
		{15, "PTRACE_SETFPREGS"},
		{16, "PTRACE_ATTACH"},
		{17, "PTRACE_DETACH"},
		{18, "PTRACE_GETFPXREGS"},
		{19, "PTRACE_SETFPXREGS"},
		{24, "PTRACE_SYSCALL"},
		{30, "PTRACE_ARCH_PRCTL"},
		{31, "PTRACE_SYSEMU"},
		{32, "PTRACE_SYSEMU_SINGLESTEP"},
		{33, "PTRACE_SINGLEBLOCK"},
		{0x4200, "PTRACE_SETOPTIONS"},
		{0x4201, "PTRACE_GETEVENTMSG"},
		{0x4202, "PTRACE_GETSIGINFO"},
		{0x4203, "PTRACE_SETSIGINFO"},
		{0x4204, "PTRACE_GETREGSET"},
		{0x4205, "PTRACE_SETREGSET"},
		{0x4206, "PTRACE_SEIZE"},
		{0x4207, "PTRACE_INTERRUPT"},
		{0x4208, "PTRACE_LISTEN"},
		{0x4209, "PTRACE_PEEKSIGINFO"},
		{0x420a, "PTRACE_GETSIGMASK"},
		{0x420b, "PTRACE_SETSIGMASK"},
		{0x420c, "PTRACE_SECCOMP_GET_FILTER"},
		{0x420d, "PTRACE_SECCOMP_GET_METADATA"},
		{0x420e, "PTRACE_GET_SYSCALL_INFO"},
		{0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"},
		{0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG"},
		{0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG"},
	};
	static const int64_t unnamed[] = {-1, 10,     11,     20,	 23,	    25,		29,
					  34, 0x41ff, 0x4212, INT64_MIN, INT64_MAX, 0x100000004};
	int named = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *n = zj_ptrace_request_name(want[i].num);

		ck_assert_ptr_nonnull(n);
		ck_assert_str_eq(n, want[i].name);
	}
	for (size_t i = 0; i < sizeof(unnamed) / sizeof(unnamed[0]); i++)
		ck_assert_ptr_null(zj_ptrace_request_name(unnamed[i]));
	/* Exactly the table above, nothing else, in the ranges that hold requests. */
	for (int64_t r = -16; r < 0x4300; r++)
		named += zj_ptrace_request_name(r) != NULL;
	ck_assert_int_eq(named, (int)(sizeof(want) / sizeof(want[0])));
}
END_TEST

/* ---- buffer ------------------------------------------------------------------------------- */

START_TEST(test_buf)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	char *data;
	size_t cap;

	ck_assert_int_eq(zj_buf_reserve(&b, 0), 0);
	ck_assert_int_eq(zj_buf_reserve(&b, 10), 0);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_ge(b.cap, 10);
	ck_assert_int_eq(zj_buf_reserve(&b, 100000), 0);
	ck_assert_uint_ge(b.cap, 100000);
	b.len = b.cap - 1;
	ck_assert_int_eq(zj_buf_reserve(&b, SIZE_MAX), -ENOMEM);
	ck_assert_int_eq(zj_buf_reserve(&b, SIZE_MAX - b.len + 1), -ENOMEM);
	b.len = 0;

	/* Once grown, serialising an event again does not reallocate. */
	base(&ev, ZJ_EV_FORK);
	ev.fork.child_pid = 9;
	ck_assert_int_eq(zj_event_to_json(&ev, &b), 0);
	data = b.data;
	cap = b.cap;
	for (int i = 0; i < 100; i++) {
		b.len = 0;
		ck_assert_int_eq(zj_event_to_json(&ev, &b), 0);
		ck_assert_ptr_eq(b.data, data);
		ck_assert_uint_eq(b.cap, cap);
	}
	zj_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	zj_buf_free(&b);
	zj_buf_free(NULL);
}
END_TEST

/* Two events into one buffer: two lines, the first untouched. */
START_TEST(test_append)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o1, *o2;
	size_t len1;

	base(&ev, ZJ_EV_FORK);
	ev.fork.child_pid = 1;
	o1 = roundtrip(&ev, &b);
	len1 = b.len;
	ev.fork.child_pid = 2;
	o2 = roundtrip(&ev, &b);
	ck_assert_ptr_eq(memchr(b.data, '\n', b.len), b.data + len1 - 1);
	assert_u64(o1, "fork.child_pid", 1);
	assert_u64(o2, "fork.child_pid", 2);
	json_object_put(o1);
	json_object_put(o2);
	zj_buf_free(&b);
}
END_TEST

/* ---- every event type --------------------------------------------------------------------- */

/* One full line pinned byte for byte: key order and number formats. */
START_TEST(test_golden_fork)
{
	struct zj_buf b = {0};
	struct zj_event ev;

	base(&ev, ZJ_EV_FORK);
	ev.fork.child_pid = 4300;
	ev.fork.child_start_ns = 99;
	ck_assert_int_eq(zj_event_to_json(&ev, &b), 0);
	ck_assert_str_eq(b.data,
			 "{\"v\":2,\"seq\":42,\"time\":\"2026-11-28T06:20:00.123456789Z\","
			 "\"ktime_ns\":987654321000,\"type\":\"fork\",\"actor\":{\"pid\":4242,"
			 "\"tid\":4243,\"ppid\":1,\"uid\":1000,\"gid\":1001,\"euid\":0,"
			 "\"comm\":\"sshd\",\"exe\":\"/usr/sbin/sshd\","
			 "\"cmdline\":\"sshd: alice [priv] -D\",\"start_ns\":123456789012345,"
			 "\"known\":true},\"fork\":{\"child_pid\":4300}}\n");
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_exec)
{
	static const char *const argv[] = {"/usr/bin/curl", "-s", "", "http://x/?a=1&b=2"};
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, ZJ_EV_EXEC);
	/* exec.exe is the actor's exe (decode puts the record's exe there). */
	ev.exec.filename = S("./curl");
	ev.exec.args = S("/usr/bin/curl\0-s\0\0http://x/?a=1&b=2\0");
	ev.exec.argc = 4;
	o = roundtrip(&ev, &b);
	check_common(o, "exec", 7);
	assert_nkeys(o, "exec", 4);
	assert_str(o, "exec.filename", "./curl");
	assert_str(o, "exec.exe", "/usr/sbin/sshd");
	assert_str_array(o, "exec.argv", argv, 4);
	assert_u64(o, "exec.argc", 4);
	assert_absent(o, "target");
	assert_absent(o, "flags");
	assert_absent(o, "truncated");
	assert_absent(o, "exec.argv_hex");
	json_object_put(o);

	/* No arguments at all, and a truncated last argument without its NUL. */
	b.len = 0;
	ev.exec.args = (struct zj_str){.ptr = NULL, .len = 0};
	ev.exec.argc = 0;
	o = roundtrip(&ev, &b);
	assert_str_array(o, "exec.argv", argv, 0);
	assert_u64(o, "exec.argc", 0);
	json_object_put(o);

	b.len = 0;
	ev.exec.args = S("/usr/bin/curl\0-s\0\0http://x/?a=1&b=2");
	ev.exec.argc = 9;
	ev.flags = ZJ_EVF_TRUNC_ARGS | ZJ_EVF_TRUNC_PATH;
	o = roundtrip(&ev, &b);
	assert_str_array(o, "exec.argv", argv, 4);
	assert_u64(o, "exec.argc", 9);
	{
		static const char *const tr[] = {"filename", "argv"};

		assert_str_array(o, "truncated", tr, 2);
	}
	assert_absent(o, "flags");
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_exec_1000_args)
{
	static char args[ZJ_ARGS_MAX];
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o, *a;
	size_t n = 0;
	char want[16];

	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(args + n, sizeof(args) - n, "%d", i) + 1;
	base(&ev, ZJ_EV_EXEC);
	ev.exec.filename = S("/bin/echo");
	ev.exec.args = (struct zj_str){.ptr = args, .len = n};
	ev.exec.argc = 1000;
	o = roundtrip(&ev, &b);
	a = jmust(o, "exec.argv");
	ck_assert_uint_eq(json_object_array_length(a), 1000);
	for (int i = 0; i < 1000; i++) {
		(void)snprintf(want, sizeof(want), "%d", i);
		ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a, i)), want);
	}
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_exit)
{
	static const struct {
		int32_t status;
		uint64_t code, sig;
	} cases[] = {
		{0, 0, 0},
		{0x0100, 1, 0},
		{0xff00, 255, 0},
		{9, 0, 9},
		{0x8b, 0, 11}, /* SIGSEGV with core dump bit */
		{0x7f00 | 0x0f, 127, 15},
		{-1, 255, 127},
	};
	struct zj_buf b = {0};
	struct zj_event ev;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o;

		base(&ev, ZJ_EV_EXIT);
		ev.exit.code = cases[i].status;
		b.len = 0;
		o = roundtrip(&ev, &b);
		check_common(o, "exit", 7);
		assert_nkeys(o, "exit", 2);
		assert_u64(o, "exit.code", cases[i].code);
		assert_u64(o, "exit.signal", cases[i].sig);
		json_object_put(o);
	}
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_fork)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, ZJ_EV_FORK);
	ev.fork.child_pid = UINT32_MAX;
	o = roundtrip(&ev, &b);
	check_common(o, "fork", 7);
	assert_nkeys(o, "fork", 1);
	assert_u64(o, "fork.child_pid", UINT32_MAX);
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_ptrace)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, ZJ_EV_PTRACE);
	set_target(&ev);
	ev.flags |= ZJ_EVF_VDSO | ZJ_EVF_BLOCKED;
	ev.region = ZJ_REGION_VDSO;
	ev.ptrace.request = 5;
	ev.ptrace.addr = 0x7ffd5e5f2000ull;
	ev.ptrace.data = 0xdeadbeefcafef00dull;
	ev.ptrace.result = -1;
	o = roundtrip(&ev, &b);
	check_common(o, "ptrace", 9);
	check_target(o);
	assert_nkeys(o, "ptrace", 6);
	assert_str(o, "ptrace.request", "PTRACE_POKEDATA");
	assert_i64(o, "ptrace.request_num", 5);
	assert_str(o, "ptrace.addr", "0x7ffd5e5f2000");
	assert_str(o, "ptrace.data", "0xdeadbeefcafef00d");
	assert_i64(o, "ptrace.result", -1);
	assert_bool(o, "ptrace.vdso", true);
	{
		static const char *const fl[] = {"vdso", "blocked"};

		assert_str_array(o, "flags", fl, 2);
	}
	json_object_put(o);

	/* A request without a name, zero addresses, extreme results. */
	b.len = 0;
	ev.flags = ZJ_EVF_HAS_TARGET;
	ev.ptrace.request = 0x4212;
	ev.ptrace.addr = 0;
	ev.ptrace.data = UINT64_MAX;
	ev.ptrace.result = INT64_MIN;
	o = roundtrip(&ev, &b);
	assert_null(jmust(o, "ptrace"), "request");
	assert_i64(o, "ptrace.request_num", 0x4212);
	assert_str(o, "ptrace.addr", "0x0");
	assert_str(o, "ptrace.data", "0xffffffffffffffff");
	assert_i64(o, "ptrace.result", INT64_MIN);
	assert_bool(o, "ptrace.vdso", false);
	assert_absent(o, "flags");
	json_object_put(o);

	b.len = 0;
	ev.ptrace.request = -1;
	ev.ptrace.result = INT64_MAX;
	o = roundtrip(&ev, &b);
	assert_i64(o, "ptrace.request_num", -1);
	assert_i64(o, "ptrace.result", INT64_MAX);
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_mem_open)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, ZJ_EV_MEM_OPEN);
	set_target(&ev);
	ev.flags |= ZJ_EVF_SELF | ZJ_EVF_THREAD_TARGET | ZJ_EVF_KILLED;
	ev.mem.via = ZJ_VIA_OPEN;
	ev.mem.fd = 3;
	ev.mem.open_flags = 0x8002; /* O_RDWR | O_LARGEFILE */
	o = roundtrip(&ev, &b);
	check_common(o, "mem_open", 9);
	check_target(o);
	assert_nkeys(o, "mem", 4);
	assert_str(o, "mem.via", "open");
	assert_i64(o, "mem.fd", 3);
	assert_str(o, "mem.flags", "0x8002");
	assert_bool(o, "mem.self", true);
	{
		static const char *const fl[] = {"self", "killed", "thread_target"};

		assert_str_array(o, "flags", fl, 3);
	}
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_mem_write)
{
	static const uint32_t vias[] = {ZJ_VIA_WRITE, ZJ_VIA_PWRITE64, ZJ_VIA_WRITEV,
					ZJ_VIA_PWRITEV, ZJ_VIA_PWRITEV2};
	static const char *const names[] = {"write", "pwrite64", "writev", "pwritev", "pwritev2"};
	struct zj_buf b = {0};
	struct zj_event ev;

	for (size_t i = 0; i < 5; i++) {
		struct json_object *o;

		base(&ev, ZJ_EV_MEM_WRITE);
		set_target(&ev);
		ev.flags |= ZJ_EVF_VDSO | ZJ_EVF_TRUNC_IOV;
		ev.region = ZJ_REGION_VDSO;
		ev.mem.via = vias[i];
		ev.mem.fd = -1;
		ev.mem.iovcnt = 12;
		ev.mem.addr = 0x7ffff7fc1000ull;
		ev.mem.len = 4096;
		b.len = 0;
		o = roundtrip(&ev, &b);
		check_common(o, "mem_write", 10);
		check_target(o);
		assert_nkeys(o, "mem", 8);
		assert_str(o, "mem.via", names[i]);
		assert_i64(o, "mem.fd", -1);
		assert_str(o, "mem.addr", "0x7ffff7fc1000");
		assert_u64(o, "mem.len", 4096);
		assert_u64(o, "mem.iovcnt", 12);
		assert_bool(o, "mem.self", false);
		assert_bool(o, "mem.vdso", true);
		assert_str(o, "mem.region", "vdso");
		{
			static const char *const fl[] = {"vdso"};
			static const char *const tr[] = {"iov"};

			assert_str_array(o, "flags", fl, 1);
			assert_str_array(o, "truncated", tr, 1);
		}
		json_object_put(o);
	}
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_vm_write)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, ZJ_EV_VM_WRITE);
	/* A target the table did not know: only its pid. */
	ev.flags = ZJ_EVF_HAS_TARGET | ZJ_EVF_VDSO;
	ev.target.pid = 31337;
	ev.target.uid = 5; /* not printed: not known */
	ev.region = ZJ_REGION_VVAR;
	ev.mem.via = ZJ_VIA_PROCESS_VM_WRITEV;
	ev.mem.fd = -1;
	ev.mem.iovcnt = 1;
	ev.mem.addr = 0x1000;
	ev.mem.len = 0;
	o = roundtrip(&ev, &b);
	check_common(o, "vm_write", 9);
	assert_nkeys(o, "target", 2);
	assert_u64(o, "target.pid", 31337);
	assert_bool(o, "target.known", false);
	assert_nkeys(o, "mem", 7);
	assert_str(o, "mem.via", "process_vm_writev");
	assert_absent(o, "mem.fd");
	assert_str(o, "mem.addr", "0x1000");
	assert_u64(o, "mem.len", 0);
	assert_u64(o, "mem.iovcnt", 1);
	assert_bool(o, "mem.self", false);
	assert_bool(o, "mem.vdso", true);
	assert_str(o, "mem.region", "vvar");
	json_object_put(o);

	b.len = 0;
	ev.flags = ZJ_EVF_HAS_TARGET;
	ev.region = ZJ_REGION_NONE;
	o = roundtrip(&ev, &b);
	assert_null(jmust(o, "mem"), "region");
	assert_bool(o, "mem.vdso", false);
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_vdso_map)
{
	static const char *const ops[] = {"mprotect", "pkey_mprotect", "mremap", "munmap"};
	struct zj_buf b = {0};
	struct zj_event ev;

	for (uint32_t op = ZJ_VMAP_MPROTECT; op <= ZJ_VMAP_MUNMAP; op++) {
		struct json_object *o;

		base(&ev, ZJ_EV_VDSO_MAP);
		ev.flags = ZJ_EVF_VDSO;
		ev.region = op == ZJ_VMAP_MUNMAP ? ZJ_REGION_VVAR : ZJ_REGION_VDSO;
		ev.vdso_map.op = op;
		ev.vdso_map.prot = 7;
		ev.vdso_map.addr = 0x7fff00001000ull;
		ev.vdso_map.len = 8192;
		ev.vdso_map.new_addr = 0xabc000;
		ev.vdso_map.new_len = 4096;
		b.len = 0;
		o = roundtrip(&ev, &b);
		check_common(o, "vdso_map", 8);
		assert_nkeys(o, "vdso_map", 7);
		assert_str(o, "vdso_map.op", ops[op - 1]);
		assert_str(o, "vdso_map.addr", "0x7fff00001000");
		assert_u64(o, "vdso_map.len", 8192);
		assert_u64(o, "vdso_map.prot", 7);
		assert_str(o, "vdso_map.new_addr", "0xabc000");
		assert_u64(o, "vdso_map.new_len", 4096);
		assert_str(o, "vdso_map.region", op == ZJ_VMAP_MUNMAP ? "vvar" : "vdso");
		json_object_put(o);
	}
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_file_ops)
{
	static const struct {
		uint32_t op;
		const char *name;
		const char *k2;	  /* key of path2, NULL: none */
		const char *mode; /* NULL: no mode key */
	} cases[] = {
		{ZJ_FOP_CREATE, "create", NULL, "0644"},
		{ZJ_FOP_OPEN_WRITE, "open_write", NULL, NULL},
		{ZJ_FOP_TRUNCATE, "truncate", NULL, NULL},
		{ZJ_FOP_RENAME, "rename", "old_path", NULL},
		{ZJ_FOP_LINK, "link", "old_path", NULL},
		{ZJ_FOP_SYMLINK, "symlink", "link_target", NULL},
		{ZJ_FOP_UNLINK, "unlink", NULL, NULL},
		{ZJ_FOP_CHMOD, "chmod", NULL, "4755"},
	};
	struct zj_buf b = {0};
	struct zj_event ev;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o, *f;
		char key[64];

		base(&ev, ZJ_EV_FILE);
		ev.flags = ZJ_EVF_O_TRUNC | ZJ_EVF_CREATED | ZJ_EVF_RESOLVE | ZJ_EVF_TRUNC_PATH |
			   ZJ_EVF_TRUNC_PATH2;
		ev.file.op = cases[i].op;
		/* create: the inode's mode with S_IFREG; chmod: setuid + 0755. */
		ev.file.mode = cases[i].op == ZJ_FOP_CREATE ? 0100644 : 04755;
		ev.file.path = S("/etc/cron.d/evil");
		ev.file.path2 = S("/tmp/x");
		b.len = 0;
		o = roundtrip(&ev, &b);
		check_common(o, "file", 9);
		f = jmust(o, "file");
		/* rename, link, symlink (those with a second path) carry their result too */
		assert_nkeys(o, "file", 3 + (cases[i].k2 ? 2 : 0) + (cases[i].mode ? 1 : 0));
		if (cases[i].k2)
			assert_i64(o, "file.result", 0);
		assert_str(o, "file.op", cases[i].name);
		assert_str(o, "file.path", "/etc/cron.d/evil");
		if (cases[i].k2) {
			(void)snprintf(key, sizeof(key), "file.%s", cases[i].k2);
			assert_str(o, key, "/tmp/x");
		}
		if (cases[i].mode)
			assert_str(o, "file.mode", cases[i].mode);
		else
			assert_absent(f, "mode");
		assert_bool(o, "file.o_trunc", true);
		{
			static const char *const fl[] = {"created", "o_trunc", "resolve"};
			const char *tr[] = {"path", cases[i].k2 ? cases[i].k2 : "path2"};

			assert_str_array(o, "flags", fl, 3);
			assert_str_array(o, "truncated", tr, 2);
		}
		json_object_put(o);
	}

	/* Modes are always four digits. */
	base(&ev, ZJ_EV_FILE);
	ev.file.op = ZJ_FOP_CHMOD;
	ev.file.path = S("/x");
	for (uint32_t mode = 0; mode <= 07777; mode += 0111) {
		struct json_object *o;
		char want[16];

		ev.file.mode = mode;
		b.len = 0;
		o = roundtrip(&ev, &b);
		(void)snprintf(want, sizeof(want), "%04o", mode);
		assert_str(o, "file.mode", want);
		assert_bool(o, "file.o_trunc", false);
		json_object_put(o);
	}
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_deny)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	/* a file class: the path the daemon completed */
	base(&ev, ZJ_EV_DENY);
	ev.flags = ZJ_EVF_BLOCKED;
	ev.deny.klass = ZJ_ENF_CRON;
	ev.deny.hook = ZJ_HOOK_INODE_CREATE;
	ev.deny.op = ZJ_DOP_CREATE;
	ev.deny.watch_id = 2;
	ev.deny.path = S("/etc/cron.d/evil");
	o = roundtrip(&ev, &b);
	check_common(o, "deny", 8);
	assert_nkeys(o, "deny", 4);
	assert_str(o, "deny.class", "cron");
	assert_str(o, "deny.hook", "inode_create");
	assert_str(o, "deny.op", "create");
	assert_str(o, "deny.path", "/etc/cron.d/evil");
	{
		static const char *const fl[] = {"blocked"};

		assert_str_array(o, "flags", fl, 1);
	}
	assert_absent(o, "target");
	json_object_put(o);

	/* a process class: the target, "path": null */
	base(&ev, ZJ_EV_DENY);
	ev.flags = ZJ_EVF_BLOCKED;
	set_target(&ev);
	ev.deny.klass = ZJ_ENF_PTRACE;
	ev.deny.hook = ZJ_HOOK_PTRACE_ACCESS_CHECK;
	ev.deny.op = ZJ_DOP_VM_WRITEV;
	b.len = 0;
	o = roundtrip(&ev, &b);
	check_common(o, "deny", 9);
	check_target(o);
	assert_nkeys(o, "deny", 4);
	assert_str(o, "deny.class", "ptrace");
	assert_str(o, "deny.hook", "ptrace_access_check");
	assert_str(o, "deny.op", "process_vm_writev");
	assert_null(jmust(o, "deny"), "path");
	json_object_put(o);

	/* the caller's vDSO; a hostile name in a path keeps its bytes */
	base(&ev, ZJ_EV_DENY);
	ev.flags = ZJ_EVF_BLOCKED | ZJ_EVF_SELF | ZJ_EVF_VDSO;
	ev.deny.klass = ZJ_ENF_VDSO;
	ev.deny.hook = ZJ_HOOK_FILE_MPROTECT;
	ev.deny.op = ZJ_DOP_MPROTECT;
	b.len = 0;
	o = roundtrip(&ev, &b);
	assert_str(o, "deny.class", "vdso");
	{
		static const char *const fl[] = {"self", "vdso", "blocked"};

		assert_str_array(o, "flags", fl, 3);
	}
	json_object_put(o);
	base(&ev, ZJ_EV_DENY);
	ev.flags = ZJ_EVF_BLOCKED | ZJ_EVF_TRUNC_PATH;
	ev.deny.klass = ZJ_ENF_SERVICE;
	ev.deny.hook = ZJ_HOOK_INODE_SYMLINK;
	ev.deny.op = ZJ_DOP_SYMLINK;
	ev.deny.path = S("/etc/systemd/system/a\n\xff.service");
	b.len = 0;
	o = roundtrip(&ev, &b);
	assert_str(o, "deny.path", "/etc/systemd/system/a\n\xef\xbf\xbd.service");
	assert_str(o, "deny.path_hex",
		   "2f6574632f73797374656d642f73797374656d2f610aff2e73657276696365");
	{
		static const char *const tr[] = {"path"};

		assert_str_array(o, "truncated", tr, 1);
	}
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_unknown_type)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, 77);
	o = roundtrip(&ev, &b);
	check_common(o, "unknown", 6);
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_all_flags)
{
	static const char *const fl[] = {"self",    "vdso",    "created",  "o_trunc",
					 "resolve", "blocked", "killed",   "thread_target",
					 "anon_exe", "exec_text", "setid_had", "not_regular"};
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, ZJ_EV_FORK);
	ev.flags = 0x7ffffu & ~ZJ_EVF_HAS_TARGET;
	o = roundtrip(&ev, &b);
	assert_str_array(o, "flags", fl, 12);
	{
		static const char *const tr[] = {"path", "path2", "argv", "iov", "env"};

		assert_str_array(o, "truncated", tr, 5);
	}
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

/* ---- time --------------------------------------------------------------------------------- */

static void assert_time(int64_t ns, const char *want)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, ZJ_EV_FORK);
	ev.time_ns = ns;
	o = roundtrip(&ev, &b);
	assert_str(o, "time", want);
	json_object_put(o);
	zj_buf_free(&b);
}

START_TEST(test_time_fixed)
{
	assert_time(0, "1970-01-01T00:00:00.000000000Z");
	assert_time(1, "1970-01-01T00:00:00.000000001Z");
	assert_time(-1, "1969-12-31T23:59:59.999999999Z");
	assert_time(-1000000000, "1969-12-31T23:59:59.000000000Z");
	assert_time(951782400000000000, "2000-02-29T00:00:00.000000000Z");
	assert_time(951868799999999999, "2000-02-29T23:59:59.999999999Z");
	assert_time(1709164800000000000, "2024-02-29T00:00:00.000000000Z");
	assert_time(4107542400000000000, "2100-03-01T00:00:00.000000000Z");
	assert_time(1795846800123456789, "2026-11-28T06:20:00.123456789Z");
	assert_time(INT64_MAX, "2262-04-11T23:47:16.854775807Z");
	assert_time(INT64_MIN, "1677-09-21T00:12:43.145224192Z");
}
END_TEST

/* The civil arithmetic against the C library over many random instants. */
START_TEST(test_time_vs_gmtime)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	uint64_t x = 88172645463325252ull;

	base(&ev, ZJ_EV_FORK);
	for (int i = 0; i < 20000; i++) {
		struct json_object *o;
		struct tm tm;
		time_t secs;
		int64_t ns, sec, frac;
		char want[96];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ns = (int64_t)x;
		if (i % 4 == 0)
			ns %= 4102444800000000000ll; /* mostly within 1970 +- 130 years */
		sec = ns / 1000000000;
		frac = ns % 1000000000;
		if (frac < 0) {
			frac += 1000000000;
			sec--;
		}
		secs = (time_t)sec;
		ck_assert_ptr_nonnull(gmtime_r(&secs, &tm));
		(void)snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
			       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			       tm.tm_sec, (long long)frac);
		ev.time_ns = ns;
		b.len = 0;
		o = roundtrip(&ev, &b);
		assert_str(o, "time", want);
		json_object_put(o);
	}
	zj_buf_free(&b);
}
END_TEST

/* ---- hostile strings ---------------------------------------------------------------------- */

static const char *hexof(const char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		(void)sprintf(out + 2 * i, "%02x", (unsigned char)p[i]);
	out[2 * n] = '\0';
	return out;
}

START_TEST(test_escapes)
{
	static const char nasty[] = "a\"b\\c\nd\re\tf\x01g\x1f\x7fh/</script>\xe2\x80\xa8";
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;
	const char *line;

	base(&ev, ZJ_EV_FILE);
	ev.file.op = ZJ_FOP_UNLINK;
	ev.file.path = S(nasty);
	o = roundtrip(&ev, &b);
	assert_strn(o, "file.path", nasty, sizeof(nasty) - 1);
	assert_absent(o, "file.path_hex");
	/* Control bytes as \u00XX, DEL as is, quotes and backslashes escaped. */
	line = b.data;
	ck_assert_ptr_nonnull(strstr(line, "\"path\":\"a\\\"b\\\\c\\u000ad\\u000de\\u0009f"
					   "\\u0001g\\u001f\x7fh/</script>\xe2\x80\xa8\""));
	json_object_put(o);

	/* Every byte below 0x20, NUL included (a path with a NUL would be a BPF bug, still). */
	{
		char all[32];

		for (int i = 0; i < 32; i++)
			all[i] = (char)i;
		base(&ev, ZJ_EV_FILE);
		ev.file.op = ZJ_FOP_UNLINK;
		ev.file.path = (struct zj_str){.ptr = all, .len = sizeof(all)};
		b.len = 0;
		o = roundtrip(&ev, &b);
		assert_strn(o, "file.path", all, sizeof(all));
		assert_absent(o, "file.path_hex");
		json_object_put(o);
	}
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	static const struct {
		const char *what;
		const char *in;
		size_t n;
		const char *out; /* with U+FFFD = "\xef\xbf\xbd" */
	} cases[] = {
#define C(what, in, out) {what, in, sizeof(in) - 1, out}
#define R "\xef\xbf\xbd"
		C("lone continuation", "a\x80z", "a" R "z"),
		C("overlong 2-byte '/'", "a\xc0\xafz", "a" R R "z"),
		C("overlong C1", "\xc1\xbf", R R),
		C("overlong 3-byte '/'", "a\xe0\x80\xafz", "a" R R R "z"),
		C("overlong 4-byte '/'", "a\xf0\x80\x80\xafz", "a" R R R R "z"),
		C("surrogate D800", "a\xed\xa0\x80z", "a" R R R "z"),
		C("surrogate DFFF", "\xed\xbf\xbf", R R R),
		C("above U+10FFFF (F4 90)", "a\xf4\x90\x80\x80z", "a" R R R R "z"),
		C("F5 lead", "\xf5\x80\x80\x80", R R R R),
		C("FE FF", "\xfe\xff", R R),
		C("truncated 2-byte at end", "ab\xc3", "ab" R),
		C("truncated 3-byte at end", "ab\xe2\x82", "ab" R),
		C("truncated 4-byte at end", "ab\xf0\x9f\x98", "ab" R),
		C("truncated 3-byte mid", "\xe2\x82z", R "z"),
		C("truncated 4-byte then valid", "\xf0\x9f\xc3\xa9", R "\xc3\xa9"),
		C("bad then quote", "\xff\"", R "\""),
#undef C
	};
	static const struct {
		const char *s;
	} valid[] = {
		{"caf\xc3\xa9"},
		{"\xe4\xb8\xad\xe6\x96\x87"},	  /* CJK */
		{"\xf0\x9f\x98\x80"},		  /* U+1F600 */
		{"\xf4\x8f\xbf\xbf"},		  /* U+10FFFF */
		{"\xee\x80\x80\xef\xbf\xbf"},	  /* U+E000, U+FFFF */
		{"\xed\x9f\xbf"},		  /* U+D7FF */
		{"\xc2\x80\xdf\xbf\xe0\xa0\x80"}, /* boundaries */
	};
	struct zj_buf b = {0};
	struct zj_event ev;
	char hex[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o;

		base(&ev, ZJ_EV_FILE);
		ev.file.op = ZJ_FOP_RENAME;
		ev.file.path = (struct zj_str){.ptr = cases[i].in, .len = cases[i].n};
		ev.file.path2 = (struct zj_str){.ptr = cases[i].in, .len = cases[i].n};
		b.len = 0;
		o = roundtrip(&ev, &b);
		ck_assert_msg(strcmp(json_object_get_string(jmust(o, "file.path")), cases[i].out) ==
				      0,
			      "%s", cases[i].what);
		assert_str(o, "file.path_hex", hexof(cases[i].in, cases[i].n, hex));
		assert_str(o, "file.old_path", cases[i].out);
		assert_str(o, "file.old_path_hex", hex);
		assert_nkeys(o, "file", 7);
		json_object_put(o);
	}
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct json_object *o;

		base(&ev, ZJ_EV_FILE);
		ev.file.op = ZJ_FOP_UNLINK;
		ev.file.path = (struct zj_str){.ptr = valid[i].s, .len = strlen(valid[i].s)};
		b.len = 0;
		o = roundtrip(&ev, &b);
		assert_str(o, "file.path", valid[i].s);
		assert_absent(o, "file.path_hex");
		json_object_put(o);
	}
	zj_buf_free(&b);
}
END_TEST

/* Every string field gets its own _hex sibling. */
START_TEST(test_hex_fields)
{
	static const char bad_exe[] = "/tmp/\xff\xfe";
	static const char bad_cmd[] = "a\0\xc0\0";
	static const char bad_args[] = "ok\0\xe2\x82\0";
	static const char *const argv[] = {"ok", "\xef\xbf\xbd"};
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;
	char hex[64];

	base(&ev, ZJ_EV_EXEC);
	set_target(&ev);
	memcpy(ev.actor.comm, "x\xff\x80y", 5);
	ev.actor.exe = S(bad_exe);
	ev.actor.cmdline = S(bad_cmd);
	ev.target.exe = S(bad_exe);
	ev.exec.filename = S(bad_exe);
	ev.exec.args = S(bad_args);
	ev.exec.argc = 2;
	o = roundtrip(&ev, &b);
	assert_str(o, "actor.comm", "x\xef\xbf\xbd\xef\xbf\xbdy");
	assert_str(o, "actor.comm_hex", "78ff8079");
	assert_str(o, "actor.exe", "/tmp/\xef\xbf\xbd\xef\xbf\xbd");
	assert_str(o, "actor.exe_hex", hexof(bad_exe, sizeof(bad_exe) - 1, hex));
	/* cmdline: separators become spaces, the final NUL goes; _hex keeps the inner NUL. */
	assert_str(o, "actor.cmdline", "a \xef\xbf\xbd");
	assert_str(o, "actor.cmdline_hex", "6100c0");
	assert_nkeys(o, "actor", 14);
	assert_str(o, "target.exe_hex", hexof(bad_exe, sizeof(bad_exe) - 1, hex));
	assert_absent(o, "target.comm_hex");
	assert_nkeys(o, "target", 12);
	assert_str(o, "exec.filename_hex", hexof(bad_exe, sizeof(bad_exe) - 1, hex));
	assert_str(o, "exec.exe_hex", hex);
	assert_str_array(o, "exec.argv", argv, 2);
	assert_str(o, "exec.argv_hex", hexof(bad_args, sizeof(bad_args) - 1, hex));
	assert_nkeys(o, "exec", 7);
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_comm_and_cmdline)
{
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;

	base(&ev, ZJ_EV_FORK);
	/* comm filling all 16 bytes without a NUL: bounded, never read past. */
	memcpy(ev.actor.comm, "0123456789abcdef", 16);
	ev.actor.cmdline = S("a\0b c\0\0d");
	ev.actor.exe = (struct zj_str){.ptr = NULL, .len = 0};
	o = roundtrip(&ev, &b);
	assert_str(o, "actor.comm", "0123456789abcdef");
	assert_str(o, "actor.cmdline", "a b c  d");
	assert_str(o, "actor.exe", "");
	json_object_put(o);

	b.len = 0;
	ev.actor.comm[0] = '\0';
	ev.actor.cmdline = S("\0");
	o = roundtrip(&ev, &b);
	assert_str(o, "actor.comm", "");
	assert_str(o, "actor.cmdline", "");
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

START_TEST(test_long_path)
{
	static char path[4096], hostile[4095];
	struct zj_buf b = {0};
	struct zj_event ev;
	struct json_object *o;
	size_t before;

	path[0] = '/';
	for (size_t i = 1; i < 4095; i++)
		path[i] = (char)('a' + i % 26);
	base(&ev, ZJ_EV_FILE);
	ev.flags = ZJ_EVF_TRUNC_PATH;
	ev.file.op = ZJ_FOP_CREATE;
	ev.file.mode = 0600;
	ev.file.path = (struct zj_str){.ptr = path, .len = 4095};
	o = roundtrip(&ev, &b);
	assert_strn(o, "file.path", path, 4095);
	assert_str(o, "file.mode", "0600");
	json_object_put(o);

	/* 4095 bytes of the worst kind: each becomes \u00XX or U+FFFD. */
	for (size_t i = 0; i < sizeof(hostile); i++)
		hostile[i] = (char)(i % 2 ? 0x01 : 0xff);
	ev.file.path = (struct zj_str){.ptr = hostile, .len = sizeof(hostile)};
	before = b.len;
	o = roundtrip(&ev, &b);
	ck_assert_uint_gt(b.len - before, 4095 * 4);
	ck_assert_uint_eq(json_object_get_string_len(jmust(o, "file.path_hex")), 2 * 4095);
	json_object_put(o);
	zj_buf_free(&b);
}
END_TEST

/* Serialise ev and fs with and without the cache: the same bytes. */
static void assert_cached_findings_same(const struct zj_event *ev, const struct zj_log_finding *fs,
					size_t n, struct zj_json_cache *c)
{
	struct zj_buf a = {0}, b = {0};

	ck_assert_int_eq(zj_event_to_json_findings(ev, fs, n, &a), 0);
	ck_assert_int_eq(zj_event_to_json_cached(ev, fs, n, c, &b), 0);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
	zj_buf_free(&a);
	zj_buf_free(&b);
}

/* The same without findings. */
static void assert_cached_same(const struct zj_event *ev, struct zj_json_cache *c)
{
	assert_cached_findings_same(ev, NULL, 0, c);
}

/* The cache of the last actor/target objects never changes a line: hit, and every miss. */
START_TEST(test_proc_cache)
{
	struct zj_json_cache c;
	struct zj_event ev;
	char exe[] = "/usr/sbin/sshd";

	memset(&c, 0, sizeof(c));
	base(&ev, ZJ_EV_PTRACE);
	set_target(&ev);
	assert_cached_same(&ev, &c); /* fills it */
	ck_assert(c.proc[0].valid && c.proc[1].valid);
	assert_cached_same(&ev, &c); /* hits */
	ev.seq++;
	assert_cached_same(&ev, &c); /* a field outside the objects */
	ev.actor.tid++;
	assert_cached_same(&ev, &c);
	memcpy(ev.target.comm, "nginx2", 7);
	assert_cached_same(&ev, &c);
	/* the same length, other bytes, in a buffer of the caller's that changes */
	ev.actor.exe = (struct zj_str){.ptr = exe, .len = strlen(exe)};
	assert_cached_same(&ev, &c);
	exe[5] = 'X';
	assert_cached_same(&ev, &c);
	ev.actor.cmdline.len--;
	assert_cached_same(&ev, &c);
	ev.target.flags &= ~(uint32_t)ZJ_PROC_KNOWN; /* {"pid":N,"known":false} */
	assert_cached_same(&ev, &c);
	ev.target.start_ns++;
	assert_cached_same(&ev, &c);
	ev.flags &= ~(uint32_t)ZJ_EVF_HAS_TARGET;
	assert_cached_same(&ev, &c);
	zj_json_cache_free(&c);
	zj_json_cache_free(&c); /* twice is fine */
	zj_json_cache_free(NULL);
}
END_TEST

/* The memo of a finding's fixed members never changes a line: hit, and a miss on every field. */
START_TEST(test_findings_memo)
{
	struct zj_json_cache c;
	struct zj_event ev;
	struct zj_log_finding fs[6];
	char why[64] = "default: benign (debugger on its own child)";
	char technique[16] = "T1055.009", hash[17] = "d6b6b33b463da172";

	memset(&c, 0, sizeof(c));
	base(&ev, ZJ_EV_MEM_WRITE);
	set_target(&ev);
	for (size_t i = 0; i < 6; i++)
		fs[i] = (struct zj_log_finding){
			.technique = technique,
			.name = "Proc Memory",
			.name_zh = "利用Proc内存注入",
			.tactic = "TA0004",
			.severity = "low",
			.action = "record",
			.configured = "default",
			.why = why,
			.reason = "pid 4242 sshd wrote 8 bytes",
			.benign = "debugger on its own child",
			.enforced = -1,
			.policy_hash = hash,
		};
	assert_cached_findings_same(&ev, fs, 1, &c); /* fills it */
	ck_assert(c.find[0][0].valid && c.find[0][1].valid);
	assert_cached_findings_same(&ev, fs, 1, &c); /* hits */
	/* the same buffers, other bytes: the memo compares content, not pointers */
	why[9] = 'B';
	assert_cached_findings_same(&ev, fs, 1, &c);
	technique[8] = '8';
	assert_cached_findings_same(&ev, fs, 1, &c);
	hash[0] = 'e';
	assert_cached_findings_same(&ev, fs, 1, &c);
	why[0] = '\0'; /* "" is not NULL */
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].why = NULL;
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].name_zh = NULL;
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].name_zh = "利用Proc内存注入";
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].benign = NULL; /* the tail then starts after "reason" with a comma all the same */
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].enforced = 1;
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].enforced = 0;
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].response = "quarantined /tmp/x";
	assert_cached_findings_same(&ev, fs, 1, &c);
	/* every member absent: empty head and tail, "reason" first */
	fs[1] = (struct zj_log_finding){.reason = "r", .enforced = -1};
	assert_cached_findings_same(&ev, fs, 2, &c);
	fs[1].reason = NULL;
	assert_cached_findings_same(&ev, fs, 2, &c);
	assert_cached_findings_same(&ev, fs, 2, &c);
	/* more findings than memo slots, and the order swapped */
	assert_cached_findings_same(&ev, fs, 6, &c);
	assert_cached_findings_same(&ev, fs + 1, 5, &c);
	assert_cached_findings_same(&ev, fs, 6, &c);
	assert_cached_findings_same(&ev, fs, 0, &c);
	/* hostile text in a memo'd member */
	fs[2].severity = "\"\\\x01\xff";
	assert_cached_findings_same(&ev, fs, 3, &c);
	assert_cached_findings_same(&ev, fs, 3, &c);
	/*
	 * Members said to never change are compared by address: the same literal hits, another
	 * address (same or other bytes) is compared by content, and a member without its bit
	 * is compared by content although its address is the same.
	 */
	fs[0].stable = ZJ_LF_STABLE(ZJ_LF_NAME) | ZJ_LF_STABLE(ZJ_LF_SEVERITY) |
		       ZJ_LF_STABLE(ZJ_LF_ACTION);
	assert_cached_findings_same(&ev, fs, 1, &c); /* fills it, with the addresses */
	assert_cached_findings_same(&ev, fs, 1, &c); /* hits */
	fs[0].severity = "high";
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].action = "alert";
	assert_cached_findings_same(&ev, fs, 1, &c);
	{
		static const char name_copy[] = "Proc Memory";

		fs[0].name = name_copy; /* other address, same bytes */
		assert_cached_findings_same(&ev, fs, 1, &c);
	}
	fs[0].name = NULL;
	assert_cached_findings_same(&ev, fs, 1, &c);
	fs[0].name = "Ptrace System Calls";
	assert_cached_findings_same(&ev, fs, 1, &c);
	technique[8] = '4'; /* technique has no bit: its bytes are compared */
	assert_cached_findings_same(&ev, fs, 1, &c);
	zj_json_cache_free(&c);
	zj_json_cache_free(&c);
}
END_TEST

/* The time of day kept per second never changes a line: same second, next, earlier, pre-1970. */
START_TEST(test_time_cache)
{
	static const int64_t times[] = {
		1795846800123456789ll, 1795846800999999999ll, 1795846801000000000ll,
		1795846800000000000ll, 1795846799999999999ll, 0,
		-1,		       -1000000000ll,	      -999999999ll,
		INT64_MIN,	       INT64_MAX,	      1795846800123456789ll,
	};
	struct zj_json_cache c;
	struct zj_event ev;

	memset(&c, 0, sizeof(c));
	base(&ev, ZJ_EV_FORK);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		ev.time_ns = times[i];
		assert_cached_findings_same(&ev, NULL, 0, &c);
		assert_cached_findings_same(&ev, NULL, 0, &c);
	}
	zj_json_cache_free(&c);
}
END_TEST

/* The straightforward escaper: what jw_text() does, one byte at a time. */
static size_t ref_utf8(const unsigned char *s, size_t n, bool *ok)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	*ok = false;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 1;
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return i;
		lo = 0x80;
		hi = 0xbf;
	}
	*ok = true;
	return need;
}

static size_t ref_escape(const unsigned char *s, size_t n, char *out)
{
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		bool ok;

		if (c >= 0x80) {
			size_t k = ref_utf8(s + i, n - i, &ok);

			if (ok)
				memcpy(out + o, s + i, k), o += k;
			else
				memcpy(out + o, "\xef\xbf\xbd", 3), o += 3;
			i += k;
			continue;
		}
		if (c < 0x20)
			o += (size_t)sprintf(out + o, "\\u%04x", c);
		else if (c == '"' || c == '\\')
			out[o++] = '\\', out[o++] = (char)c;
		else
			out[o++] = (char)c;
		i++;
	}
	out[o++] = '"';
	return o;
}

/*
 * The word-at-a-time string writer against the reference: every length to 70, one special
 * byte or sequence at every position, over plain text, so each crosses the 8- and 16-byte
 * steps and the tail word.
 */
START_TEST(test_string_words)
{
	static const char *const specials[] = {
		"\"", "\\", "\x01", "\x1f", "\x7f", "\xff", "\x80", "\xc3\xa9", "\xe5\x88\xa9",
		"\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xe0\x80", "\xf4\x90", "\xc3", " ",
	};
	unsigned char s[80];
	char want[80 * 6 + 8];
	struct zj_buf b = {0};
	struct zj_event ev;

	base(&ev, ZJ_EV_FILE);
	ev.file.op = ZJ_FOP_OPEN_WRITE;
	for (size_t sp = 0; sp < sizeof(specials) / sizeof(specials[0]); sp++) {
		size_t sl = strlen(specials[sp]);

		for (size_t n = 0; n <= 70; n++) {
			for (size_t at = 0; at <= n; at++) {
				size_t len = n, wl;
				const char *got;

				for (size_t i = 0; i < n; i++)
					s[i] = (unsigned char)('a' + i % 26);
				if (at < n) {
					len = at + sl <= n ? n : at + sl;
					memcpy(s + at, specials[sp], sl);
				}
				ev.file.path = (struct zj_str){.ptr = (const char *)s, .len = len};
				b.len = 0;
				ck_assert_int_eq(zj_event_to_json(&ev, &b), 0);
				wl = ref_escape(s, len, want);
				got = strstr(b.data, "\"path\":");
				ck_assert_ptr_nonnull(got);
				got += strlen("\"path\":");
				ck_assert_msg(memcmp(got, want, wl) == 0 && got[wl] == ',',
					      "special %zu length %zu at %zu", sp, len, at);
			}
		}
	}
	zj_buf_free(&b);
}
END_TEST

static Suite *event_json_suite(void)
{
	Suite *s = suite_create("event_json");
	TCase *tc = tcase_create("json");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_ptrace_names);
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_golden_fork);
	tcase_add_test(tc, test_exec);
	tcase_add_test(tc, test_exec_1000_args);
	tcase_add_test(tc, test_exit);
	tcase_add_test(tc, test_fork);
	tcase_add_test(tc, test_ptrace);
	tcase_add_test(tc, test_mem_open);
	tcase_add_test(tc, test_mem_write);
	tcase_add_test(tc, test_vm_write);
	tcase_add_test(tc, test_vdso_map);
	tcase_add_test(tc, test_file_ops);
	tcase_add_test(tc, test_deny);
	tcase_add_test(tc, test_unknown_type);
	tcase_add_test(tc, test_all_flags);
	tcase_add_test(tc, test_time_fixed);
	tcase_add_test(tc, test_time_vs_gmtime);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_hex_fields);
	tcase_add_test(tc, test_comm_and_cmdline);
	tcase_add_test(tc, test_long_path);
	tcase_add_test(tc, test_proc_cache);
	tcase_add_test(tc, test_findings_memo);
	tcase_add_test(tc, test_time_cache);
	tcase_add_test(tc, test_string_words);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(event_json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
