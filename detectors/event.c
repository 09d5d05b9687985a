/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names for event fields and the JSON-lines form of struct zj_event (schema in event.h).
 *
 * Portable tier: ISO C11 and our own headers only.  The serialiser writes straight into the
 * caller's struct zj_buf: every piece reserves its worst case once and then fills raw bytes,
 * so an event allocates nothing once the buffer has grown to the largest event seen.
 *
 * Everything inside strings comes from the observed processes (paths, argv, comm), i.e. from
 * the attacker: it is escaped, and bytes that are not well-formed UTF-8 are replaced with
 * U+FFFD while the raw bytes are kept in a "<field>_hex" sibling key.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "digits.h"
#include "zhijia/bpf_abi.h"
#include "zhijia/event.h"

const char *zj_event_type_name(uint32_t type)
{
	static const char *const names[ZJ_EV_MAX] = {
		[ZJ_EV_EXEC] = "exec",	       [ZJ_EV_FORK] = "fork",
		[ZJ_EV_EXIT] = "exit",	       [ZJ_EV_PTRACE] = "ptrace",
		[ZJ_EV_MEM_OPEN] = "mem_open", [ZJ_EV_MEM_WRITE] = "mem_write",
		[ZJ_EV_VM_WRITE] = "vm_write", [ZJ_EV_VDSO_MAP] = "vdso_map",
		[ZJ_EV_FILE] = "file",	       [ZJ_EV_DENY] = "deny",
		[ZJ_EV_KMOD] = "kmod",	       [ZJ_EV_SETID] = "setid",
		[ZJ_EV_SOMAP] = "so_map",
	};

	static const char *const win_names[ZJ_EV_WIN_END - ZJ_EV_WIN_FIRST] = {
		"win_process",	      "win_image_load",	 "win_remote_thread", "win_process_access",
		"win_file_create",    "win_registry",	 "win_tamper",
	};

	if (type >= ZJ_EV_WIN_FIRST && type < ZJ_EV_WIN_END)
		return win_names[type - ZJ_EV_WIN_FIRST];
	if (type >= ZJ_EV_MAX || !names[type])
		return "unknown";
	return names[type];
}

const char *zj_reg_op_name(uint32_t op)
{
	static const char *const names[ZJ_REG_OP_MAX] = {
		[ZJ_REG_CREATE_KEY] = "create_key",	[ZJ_REG_DELETE_KEY] = "delete_key",
		[ZJ_REG_DELETE_VALUE] = "delete_value", [ZJ_REG_CREATE_VALUE] = "create_value",
		[ZJ_REG_SET_VALUE] = "set_value",	[ZJ_REG_RENAME_KEY] = "rename_key",
	};

	if (op >= ZJ_REG_OP_MAX || !names[op])
		return "unknown";
	return names[op];
}

const char *zj_file_op_name(uint32_t op)
{
	static const char *const names[ZJ_FOP_MAX] = {
		[ZJ_FOP_CREATE] = "create",	[ZJ_FOP_OPEN_WRITE] = "open_write",
		[ZJ_FOP_TRUNCATE] = "truncate", [ZJ_FOP_RENAME] = "rename",
		[ZJ_FOP_LINK] = "link",		[ZJ_FOP_SYMLINK] = "symlink",
		[ZJ_FOP_UNLINK] = "unlink",	[ZJ_FOP_CHMOD] = "chmod",
	};

	if (op >= ZJ_FOP_MAX || !names[op])
		return "unknown";
	return names[op];
}

const char *zj_mem_via_name(uint32_t via)
{
	static const char *const names[] = {
		[ZJ_VIA_OPEN] = "open",
		[ZJ_VIA_WRITE] = "write",
		[ZJ_VIA_PWRITE64] = "pwrite64",
		[ZJ_VIA_WRITEV] = "writev",
		[ZJ_VIA_PWRITEV] = "pwritev",
		[ZJ_VIA_PWRITEV2] = "pwritev2",
		[ZJ_VIA_PROCESS_VM_WRITEV] = "process_vm_writev",
	};

	if (via >= sizeof(names) / sizeof(names[0]) || !names[via])
		return "unknown";
	return names[via];
}

const char *zj_vdso_op_name(uint32_t op)
{
	static const char *const names[] = {
		[ZJ_VMAP_MPROTECT] = "mprotect",
		[ZJ_VMAP_PKEY_MPROTECT] = "pkey_mprotect",
		[ZJ_VMAP_MREMAP] = "mremap",
		[ZJ_VMAP_MUNMAP] = "munmap",
	};

	if (op >= sizeof(names) / sizeof(names[0]) || !names[op])
		return "unknown";
	return names[op];
}

/* Names and techniques of the enforcement classes (bpf_abi.h ZJ_ENF_*). */
static const struct {
	const char *name;
	const char *technique;
} deny_classes[ZJ_ENF_NR] = {
	[ZJ_ENF_PTRACE] = {"ptrace", "T1055.008"},   [ZJ_ENF_PROC_MEM] = {"proc_mem", "T1055.009"},
	[ZJ_ENF_VDSO] = {"vdso", "T1055.014"},	     [ZJ_ENF_AT] = {"at", "T1053.002"},
	[ZJ_ENF_CRON] = {"cron", "T1053.003"},	     [ZJ_ENF_TIMER] = {"timer", "T1053.006"},
	[ZJ_ENF_SERVICE] = {"service", "T1543.002"}, [ZJ_ENF_PRELOAD] = {"preload", "T1574.006"},
	[ZJ_ENF_SSH_KEYS] = {"ssh_keys", "T1098.004"}, [ZJ_ENF_SHELL_RC] = {"shell_rc", "T1546.004"},
	[ZJ_ENF_RC_SCRIPTS] = {"rc_scripts", "T1037.004"}, [ZJ_ENF_KMOD] = {"kmod", "T1547.006"},
	[ZJ_ENF_ACCOUNT] = {"account", "T1136.001"},   [ZJ_ENF_GROUPS] = {"groups", "T1098.007"},
	[ZJ_ENF_SUDO] = {"sudo", "T1548.003"},	       [ZJ_ENF_PAM] = {"pam", "T1556.003"},
	[ZJ_ENF_UDEV] = {"udev", "T1546.017"},	       [ZJ_ENF_XDG] = {"xdg_autostart", "T1547.013"},
	[ZJ_ENF_PYSTART] = {"python_startup", "T1546.018"},
	[ZJ_ENF_SETID] = {"setid", "T1548.001"}, [ZJ_ENF_REFLECT] = {"reflect", "T1620"},
};

const char *zj_deny_class_name(uint32_t klass)
{
	if (klass == ZJ_ENF_SELF)
		return "self";
	if (klass == ZJ_ENF_VERDICT)
		return "verdict";
	return klass < ZJ_ENF_NR ? deny_classes[klass].name : "unknown";
}

const char *zj_deny_class_technique(uint32_t klass)
{
	if (klass == ZJ_ENF_SELF)
		return "T1562.001"; /* Impair Defenses: Disable or Modify Tools */
	return klass < ZJ_ENF_NR ? deny_classes[klass].technique : NULL;
}

const char *zj_deny_hook_name(uint32_t hook)
{
	static const char *const names[ZJ_HOOK_MAX] = {
		[ZJ_HOOK_PTRACE_ACCESS_CHECK] = "ptrace_access_check",
		[ZJ_HOOK_FILE_OPEN] = "file_open",
		[ZJ_HOOK_FILE_MPROTECT] = "file_mprotect",
		[ZJ_HOOK_INODE_CREATE] = "inode_create",
		[ZJ_HOOK_INODE_RENAME] = "inode_rename",
		[ZJ_HOOK_INODE_LINK] = "inode_link",
		[ZJ_HOOK_INODE_SYMLINK] = "inode_symlink",
		[ZJ_HOOK_TASK_KILL] = "task_kill",
		[ZJ_HOOK_BPF_MAP] = "bpf_map",
		[ZJ_HOOK_BPF_PROG] = "bpf_prog",
		[ZJ_HOOK_BPF] = "bpf",
		[ZJ_HOOK_BPRM_CHECK] = "bprm_check_security",
		[ZJ_HOOK_KERNEL_READ_FILE] = "kernel_read_file",
		[ZJ_HOOK_KERNEL_LOAD_DATA] = "kernel_load_data",
		[ZJ_HOOK_PATH_CHMOD] = "path_chmod",
	};

	if (hook >= ZJ_HOOK_MAX || !names[hook])
		return "unknown";
	return names[hook];
}

const char *zj_deny_op_name(uint32_t op)
{
	static const char *const names[ZJ_DOP_MAX] = {
		[ZJ_DOP_PTRACE_ATTACH] = "ptrace_attach",
		[ZJ_DOP_VM_WRITEV] = "process_vm_writev",
		[ZJ_DOP_MEM_OPEN] = "mem_open",
		[ZJ_DOP_MPROTECT] = "mprotect",
		[ZJ_DOP_CREATE] = "create",
		[ZJ_DOP_OPEN_WRITE] = "open_write",
		[ZJ_DOP_RENAME] = "rename",
		[ZJ_DOP_LINK] = "link",
		[ZJ_DOP_SYMLINK] = "symlink",
		[ZJ_DOP_SELF_TRACE] = "self_trace",
		[ZJ_DOP_SELF_SIGNAL] = "self_signal",
		[ZJ_DOP_SELF_BPF] = "self_bpf",
		[ZJ_DOP_EXEC] = "exec",
		[ZJ_DOP_KMOD_LOAD] = "kmod_load",
		[ZJ_DOP_SETID] = "setid",
		[ZJ_DOP_ANON_EXEC] = "anon_exec",
	};

	if (op >= ZJ_DOP_MAX || !names[op])
		return "unknown";
	return names[op];
}

/*
 * Linux ptrace request numbers (include/uapi/linux/ptrace.h and the x86 asm/ptrace-abi.h),
 * written as literals so that this file needs no Linux header.  The numbers below 0x4200 that
 * are architecture-specific are the x86 ones; on other architectures they may simply print a
 * name that does not apply, the number is always in "request_num".
 */
const char *zj_ptrace_request_name(int64_t request)
{
	static const struct {
		int64_t num;
		const char *name;
	} table[] = {
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

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].num == request)
			return table[i].name;
	return NULL;
}

void zj_buf_free(struct zj_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

int zj_buf_reserve(struct zj_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (more <= b->cap - b->len)
		return 0;
	if (more > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + more;
	cap = b->cap < 256 ? 256 : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

/*
 * JSON writer.  The first failed reservation is remembered in `err` and turns every later call
 * into a no-op, so the serialiser reads straight through and checks once at the end.  `first`
 * is true while the innermost object or array has no member yet (decides the comma).
 */
struct jw {
	struct zj_buf *b;
	int err;
	bool first;
};

/*
 * The writer's primitives are inlined: an event is some hundred keys, numbers and strings,
 * and a call, a reservation and a memcpy() each were most of the cost of logging one
 * (callgrind: 31k instructions an event).  The buffer has room for any event after the
 * first few, so the reservation is a compare in the common case.
 */
#if defined(__GNUC__)
#define JW_INLINE static inline __attribute__((always_inline))
#else
#define JW_INLINE static inline
#endif

static char *jw_room_slow(struct jw *w, size_t n)
{
	if (w->err)
		return NULL;
	if (zj_buf_reserve(w->b, n) < 0) {
		w->err = -ENOMEM;
		return NULL;
	}
	return w->b->data + w->b->len;
}

/* Reserve n bytes and return where to write them, or NULL once anything failed. */
JW_INLINE char *jw_room(struct jw *w, size_t n)
{
	if (!w->err && n <= w->b->cap - w->b->len)
		return w->b->data + w->b->len;
	return jw_room_slow(w, n);
}

JW_INLINE void jw_raw(struct jw *w, const char *s, size_t n)
{
	char *o = jw_room(w, n);

	if (!o)
		return;
	memcpy(o, s, n);
	w->b->len += n;
}

JW_INLINE void jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

/* `"<name><suffix>":`, preceded by a comma unless it is the first member.  One reservation. */
JW_INLINE void jw_key2(struct jw *w, const char *name, const char *suffix)
{
	size_t nl = strlen(name), sl = strlen(suffix), comma = w->first ? 0 : 1;
	char *o = jw_room(w, comma + nl + sl + 3);

	if (!o)
		return;
	w->first = false;
	if (comma)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, name, nl);
	o += nl;
	memcpy(o, suffix, sl);
	o += sl;
	*o++ = '"';
	*o = ':';
	w->b->len += comma + nl + sl + 3;
}

JW_INLINE void jw_key(struct jw *w, const char *name)
{
	jw_key2(w, name, "");
}

/* Start an array element. */
JW_INLINE void jw_elem(struct jw *w)
{
	if (!w->first)
		jw_raw(w, ",", 1);
	w->first = false;
}

JW_INLINE void jw_open(struct jw *w, char c)
{
	jw_raw(w, &c, 1);
	w->first = true;
}

JW_INLINE void jw_close(struct jw *w, char c)
{
	jw_raw(w, &c, 1);
	w->first = false;
}

const char zj_digits2[201] = "00010203040506070809101112131415161718192021222324"
			      "25262728293031323334353637383940414243444546474849"
			      "50515253545556575859606162636465666768697071727374"
			      "75767778798081828384858687888990919293949596979899";

/*
 * Cursor writers: o points into room already reserved; each returns the end of what it wrote.
 * The hot objects (the line's head, "mem") reserve their worst case once and write through a
 * local pointer, which the compiler keeps in a register (stores through w->b->data may alias
 * w itself, so every jw_*() call reloads it).
 */
#define JC_U64_MAX 20 /* digits of UINT64_MAX */

static const uint64_t jc_pow10[19] = {
	10ULL,
	100ULL,
	1000ULL,
	10000ULL,
	100000ULL,
	1000000ULL,
	10000000ULL,
	100000000ULL,
	1000000000ULL,
	10000000000ULL,
	100000000000ULL,
	1000000000000ULL,
	10000000000000ULL,
	100000000000000ULL,
	1000000000000000ULL,
	10000000000000000ULL,
	100000000000000000ULL,
	1000000000000000000ULL,
	10000000000000000000ULL,
};

/* Decimal digits of v. */
JW_INLINE size_t jc_digits(uint64_t v)
{
#if defined(__GNUC__)
	/* log10 from log2: bits * 1233 / 4096 is floor(log10(2^bits)), off by at most one */
	unsigned t = ((unsigned)(64 - __builtin_clzll(v | 1)) * 1233) >> 12;

	return (size_t)t + 1 - (t > 0 && v < jc_pow10[t - 1]);
#else
	size_t n = 1;

	while (n < JC_U64_MAX && v >= jc_pow10[n - 1])
		n++;
	return n;
#endif
}

/* Decimal, two digits a step (a division by 100 is a multiply; ktime_ns has 14+ digits). */
JW_INLINE char *jc_u64(char *o, uint64_t v)
{
	size_t n = jc_digits(v);

	zj_dec_rev(o + n, v);
	return o + n;
}

JW_INLINE char *jc_i64(char *o, int64_t v)
{
	if (v >= 0)
		return jc_u64(o, (uint64_t)v);
	*o++ = '-';
	/* Negate in unsigned arithmetic: INT64_MIN has no positive counterpart. */
	return jc_u64(o, (uint64_t)0 - (uint64_t)v);
}

static const char hexdigits[] = "0123456789abcdef";

/* "0x..." lowercase, no leading zeros, quoted: at most 20 bytes. */
JW_INLINE char *jc_hex(char *o, uint64_t v)
{
#if defined(__GNUC__)
	size_t n = ((size_t)(63 - __builtin_clzll(v | 1)) >> 2) + 1;
#else
	size_t n = 1;
#endif
	char *e;

#if !defined(__GNUC__)
	while (n < 16 && (v >> (4 * n)))
		n++;
#endif
	*o++ = '"';
	*o++ = '0';
	*o++ = 'x';
	e = o + n;
	do {
		*--e = hexdigits[v & 0xf];
		v >>= 4;
	} while (v);
	o += n;
	*o++ = '"';
	return o;
}

JW_INLINE char *jc_mem(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

/* A string literal: its length is known, the copy is a few moves. */
#define JC_LIT(o, lit) jc_mem((o), "" lit, sizeof(lit) - 1)

/* Permission and special bits as 4 octal digits in quotes: "0644", "4755". */
JW_INLINE char *jc_mode(char *o, uint32_t mode)
{
	*o++ = '"';
	for (int i = 0; i < 4; i++)
		*o++ = (char)('0' + ((mode >> (9 - 3 * i)) & 7));
	*o++ = '"';
	return o;
}

JW_INLINE char *jc_bool(char *o, bool v)
{
	return v ? JC_LIT(o, "true") : JC_LIT(o, "false");
}

/* Reserve n bytes for cursor writing (NULL once anything failed) / account for them. */
JW_INLINE char *jc_begin(struct jw *w, size_t n)
{
	return jw_room(w, n);
}

JW_INLINE void jc_end(struct jw *w, const char *o0, const char *o)
{
	w->b->len += (size_t)(o - o0);
	w->first = false;
}

static void jw_u64(struct jw *w, uint64_t v)
{
	char *o = jw_room(w, JC_U64_MAX);

	if (!o)
		return;
	w->b->len += (size_t)(jc_u64(o, v) - o);
}

static void jw_i64(struct jw *w, int64_t v)
{
	char *o = jw_room(w, JC_U64_MAX + 1);

	if (!o)
		return;
	w->b->len += (size_t)(jc_i64(o, v) - o);
}

static void jw_hex(struct jw *w, uint64_t v)
{
	char *o = jw_room(w, 20);

	if (!o)
		return;
	w->b->len += (size_t)(jc_hex(o, v) - o);
}

static void jw_bool(struct jw *w, bool v)
{
	jw_lit(w, v ? "true" : "false");
}

/*
 * Length of the UTF-8 sequence at s[0..n) (s[0] >= 0x80).  Sets *ok when it is well-formed
 * (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF); otherwise the
 * length is that of the maximal ill-formed subpart, at least 1, which becomes one U+FFFD.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, bool *ok)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	*ok = false;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f; /* U+D800..U+DFFF surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 1; /* continuation byte, C0/C1 (overlong), F5..FF */
	}
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return i; /* truncated or broken: the subpart so far */
		lo = 0x80;
		hi = 0xbf;
	}
	*ok = true;
	return need;
}

/* Bytes that jw_text() writes as they are: printable ASCII but for '"' and '\\'. */
static const unsigned char jt_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/*
 * The bytes of x (8 bytes of input, loaded with memcpy()) that are not in jt_plain: the high
 * bit of each such byte is set in the result, and on a little-endian machine the lowest set
 * bit is exactly the first such byte (a false positive needs a borrow, which only a real one
 * below it makes).  Nothing is ever missed: a byte below 0x20, '"', '\\' or >= 0x80 always
 * sets its own bit.  Terms: x itself (>= 0x80), x - 0x20 (below 0x20), and a zero byte of
 * x ^ '"' and of x ^ '\\' (q - 1 sets the high bit of a zero byte; a byte >= 0x81 it also
 * sets is >= 0x80 in x, flagged anyway).
 */
JW_INLINE uint64_t jt_special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return (x | (x - ones * 0x20) | (q - ones) | (b - ones)) & high;
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JT_LE 1
/* Index of the first special byte of a word whose jt_special8() is m (not 0). */
JW_INLINE size_t jt_first(uint64_t m)
{
	return (size_t)__builtin_ctzll(m) >> 3;
}
#else
#define JT_LE 0
#endif

/* x86_64 has SSE2 always; elsewhere (arm64, big-endian) the word-at-a-time path does it all. */
#if JT_LE && defined(__SSE2__)
#include <emmintrin.h>
#define JT_SSE2 1
#else
#define JT_SSE2 0
#endif

/* Modes of jw_text(). */
#define JT_NUL_AS_SPACE (1u << 0) /* cmdline: the argv separators become spaces */

/*
 * Write p[0..n) as a JSON string: '"' and '\\' escaped, bytes below 0x20 as \u00XX (DEL and
 * everything valid above it as is).  Returns true when some bytes were not well-formed UTF-8;
 * each maximal ill-formed subpart became one U+FFFD (Unicode's recommended practice).
 *
 * Eight bytes a step: a word with nothing special is copied as it is; otherwise its clean
 * prefix is, and the special byte goes through the byte-wise path.  The last bytes of a
 * string of 8 or more are tested as the word that ends the string.  The output has room for
 * 6 bytes per input byte, so an 8-byte store never passes it.
 */
static bool jw_text(struct jw *w, const char *p, size_t n, unsigned mode)
{
	const unsigned char *s = (const unsigned char *)p;
	bool bad = false;
	char *o0, *o;
	size_t i = 0;

	/* Worst case: every byte a control byte (6 bytes out), plus the quotes. */
	if (n > (SIZE_MAX - 2) / 6) {
		w->err = -ENOMEM;
		return false;
	}
	o0 = o = jw_room(w, 6 * n + 2);
	if (!o)
		return false;
	*o++ = '"';
	while (i < n) {
		unsigned char c;
		size_t k;
		bool ok;

#if JT_SSE2
		if (n - i >= 16) {
			/* Sixteen at a time: signed "less than ' '" also catches every byte >= 0x80. */
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i sp = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
						  _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
							       _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
			unsigned m = (unsigned)_mm_movemask_epi8(sp);

			if (!m) {
				_mm_storeu_si128((__m128i *)(void *)o, v);
				o += 16;
				i += 16;
				continue;
			}
			k = (size_t)__builtin_ctz(m);
			memcpy(o, s + i, k);
			o += k;
			i += k;
		} else
#endif
		if (n - i >= 8) {
			uint64_t x, m;

			memcpy(&x, s + i, 8);
			m = jt_special8(x);
			if (!m) {
				memcpy(o, &x, 8);
				o += 8;
				i += 8;
				continue;
			}
#if JT_LE
			k = jt_first(m);
#else
			for (k = 0; jt_plain[s[i + k]]; k++)
				;
#endif
			memcpy(o, s + i, k);
			o += k;
			i += k;
		} else {
#if JT_LE
			if (n >= 8) {
				/* the word that ends the string; its first 8 - r bytes are done */
				size_t r = n - i;
				uint64_t x;

				memcpy(&x, s + n - 8, 8);
				if (!(jt_special8(x) >> (8 * (8 - r)))) {
					memcpy(o, s + i, r);
					o += r;
					break;
				}
			}
#endif
			if (jt_plain[s[i]]) {
				*o++ = (char)s[i++];
				continue;
			}
		}
		c = s[i];
		if (c >= 0x80) {
			k = utf8_seq(s + i, n - i, &ok);
			if (ok) {
				memcpy(o, s + i, k);
				o += k;
			} else {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				bad = true;
			}
			i += k;
			continue;
		}
		if (c == 0 && (mode & JT_NUL_AS_SPACE)) {
			*o++ = ' ';
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hexdigits[c >> 4];
			o[5] = hexdigits[c & 0xf];
			o += 6;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else {
			*o++ = (char)c;
		}
		i++;
	}
	*o++ = '"';
	w->b->len += (size_t)(o - o0);
	return bad;
}

/* The raw bytes as a JSON string of lowercase hex digits. */
static void jw_hexbytes(struct jw *w, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	char *o;

	if (n > (SIZE_MAX - 2) / 2) {
		w->err = -ENOMEM;
		return;
	}
	o = jw_room(w, 2 * n + 2);
	if (!o)
		return;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		*o++ = hexdigits[s[i] >> 4];
		*o++ = hexdigits[s[i] & 0xf];
	}
	*o = '"';
	w->b->len += 2 * n + 2;
}

/* `"key":"text"`, plus `"key_hex":"..."` with the same bytes when they were not UTF-8. */
JW_INLINE void jw_str_field(struct jw *w, const char *key, const char *p, size_t n, unsigned mode)
{
	jw_key(w, key);
	if (jw_text(w, p, n, mode)) {
		jw_key2(w, key, "_hex");
		jw_hexbytes(w, p, n);
	}
}

static void jw_zjstr_field(struct jw *w, const char *key, const struct zj_str *s)
{
	jw_str_field(w, key, s->len ? s->ptr : "", s->len, 0);
}

/* Bounded strlen for char[N] fields the kernel should have terminated. */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/*
 * Days since 1970-01-01 to a proleptic Gregorian date.  Counts from 0000-03-01 so that the
 * leap day is the last day of the (March-based) year, then splits into 400-year eras of
 * 146097 days; within an era the year, the day of the year and the month follow from integer
 * division (153 days = one five-month cycle of 31/30 day months).
 */
static void days_to_civil(int64_t days, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d)
{
	int64_t z = days + 719468; /* days from 0000-03-01 to 1970-01-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	uint32_t doe = (uint32_t)(z - era * 146097);			      /* [0, 146096] */
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		      /* [0, 365] */
	uint32_t mp = (5 * doy + 2) / 153;				      /* 0 = March */
	unsigned m = mp < 10 ? mp + 3 : mp - 9;

	*ret_d = doy - (153 * mp + 2) / 5 + 1;
	*ret_m = m;
	*ret_y = (int64_t)yoe + era * 400 + (m <= 2);
}

static void put_digits(char *o, uint64_t v, size_t width)
{
	while (width--) {
		o[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * "YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ" (RFC 3339, UTC).  With a cache, the date and the time of
 * day are worked out once per second: in a storm every record falls in the same one.
 */
static char *jc_time(char *o, int64_t time_ns, struct zj_json_cache *c)
{
	/* Floor division: times before 1970 still get a non-negative fraction. */
	int64_t secs = time_ns / 1000000000, nsec = time_ns % 1000000000;
	char head[21];

	if (nsec < 0) {
		nsec += 1000000000;
		secs--;
	}
	if (c && c->time_valid && c->time_sec == secs) {
		memcpy(o, c->time_head, sizeof(c->time_head));
	} else {
		int64_t days = secs / 86400, sod = secs % 86400, y;
		unsigned m, d;

		if (sod < 0) {
			sod += 86400;
			days--;
		}
		/* int64 nanoseconds span 1677..2262: the year always has four digits. */
		days_to_civil(days, &y, &m, &d);
		head[0] = '"';
		put_digits(head + 1, (uint64_t)y, 4);
		head[5] = '-';
		put_digits(head + 6, m, 2);
		head[8] = '-';
		put_digits(head + 9, d, 2);
		head[11] = 'T';
		put_digits(head + 12, (uint64_t)(sod / 3600), 2);
		head[14] = ':';
		put_digits(head + 15, (uint64_t)(sod / 60 % 60), 2);
		head[17] = ':';
		put_digits(head + 18, (uint64_t)(sod % 60), 2);
		head[20] = '.';
		memcpy(o, head, sizeof(head));
		if (c) {
			memcpy(c->time_head, head, sizeof(head));
			c->time_sec = secs;
			c->time_valid = 1;
		}
	}
	/* nine digits of nanoseconds, two a step */
	for (int i = 28; i > 20; i -= 2) {
		unsigned r = (unsigned)(nsec % 100) * 2;

		nsec /= 100;
		o[i] = zj_digits2[r];
		o[i + 1] = zj_digits2[r + 1];
	}
	o[21] = (char)('0' + nsec);
	o[30] = 'Z';
	o[31] = '"';
	return o + 32;
}

/*
 * PROC object.  A process the table did not know is written as {"pid":N,"known":false} when
 * it is a target (nothing but the pid is certain); the actor always has every field, as they
 * come from the kernel record's header.
 *
 * cmdline is argv joined by single spaces: the NUL separators become spaces and the final NUL
 * is dropped.  Its "_hex" form keeps the NULs (00), which tells separators from spaces.
 */
static void jw_proc_body(struct jw *w, const struct zj_proc *p, bool is_target)
{
	bool known = p->flags & ZJ_PROC_KNOWN;
	size_t n;

	jw_open(w, '{');
	jw_key(w, "pid");
	jw_u64(w, p->pid);
	if (is_target && !known) {
		jw_key(w, "known");
		jw_bool(w, false);
		jw_close(w, '}');
		return;
	}
	jw_key(w, "tid");
	jw_u64(w, p->tid);
	jw_key(w, "ppid");
	jw_u64(w, p->ppid);
	jw_key(w, "uid");
	jw_u64(w, p->uid);
	jw_key(w, "gid");
	jw_u64(w, p->gid);
	jw_key(w, "euid");
	jw_u64(w, p->euid);
	jw_str_field(w, "comm", p->comm, bounded_len(p->comm, sizeof(p->comm)), 0);
	jw_zjstr_field(w, "exe", &p->exe);
	n = p->cmdline.len;
	if (n && p->cmdline.ptr[n - 1] == '\0')
		n--;
	jw_str_field(w, "cmdline", n ? p->cmdline.ptr : "", n, JT_NUL_AS_SPACE);
	jw_key(w, "start_ns");
	jw_u64(w, p->start_ns);
	jw_key(w, "known");
	jw_bool(w, known);
	jw_close(w, '}');
}

static void jw_proc(struct jw *w, const char *key, const struct zj_proc *p, bool is_target)
{
	jw_key(w, key);
	jw_proc_body(w, p, is_target);
}

/* "argv":[...] from NUL-separated arguments; "argv_hex" holds all of them if one was bad. */
static void jw_argv(struct jw *w, const struct zj_str *args)
{
	const char *p = args->len ? args->ptr : "";
	size_t pos = 0, n = args->len;
	bool bad = false;

	jw_key(w, "argv");
	jw_open(w, '[');
	while (pos < n) {
		const char *nul = memchr(p + pos, '\0', n - pos);
		size_t end = nul ? (size_t)(nul - p) : n; /* a truncated last argument has no NUL */

		jw_elem(w);
		bad |= jw_text(w, p + pos, end - pos, 0);
		pos = end + 1;
	}
	jw_close(w, ']');
	if (bad) {
		jw_key(w, "argv_hex");
		jw_hexbytes(w, p, n);
	}
}

static void jw_region(struct jw *w, uint32_t region)
{
	jw_key(w, "region");
	if (region == ZJ_REGION_VDSO)
		jw_lit(w, "\"vdso\"");
	else if (region == ZJ_REGION_VVAR)
		jw_lit(w, "\"vvar\"");
	else
		jw_lit(w, "null");
}

/* Permission and special bits as 4 octal digits: "0644", "4755". */
static void jw_mode(struct jw *w, uint32_t mode)
{
	char s[6];

	jw_key(w, "mode");
	jw_raw(w, s, (size_t)(jc_mode(s, mode) - s));
}

static void jw_exec(struct jw *w, const struct zj_event *ev)
{
	jw_key(w, "exec");
	jw_open(w, '{');
	jw_zjstr_field(w, "filename", &ev->exec.filename);
	/* The record's exe is the actor's exe after exec (decode.c puts it there). */
	jw_zjstr_field(w, "exe", &ev->actor.exe);
	jw_argv(w, &ev->exec.args);
	jw_key(w, "argc");
	jw_u64(w, ev->exec.argc);
	if (ev->flags & ZJ_EVF_LD_PRELOAD)
		jw_zjstr_field(w, "ld_preload", &ev->exec.ld_preload);
	jw_close(w, '}');
}

static void jw_ptrace(struct jw *w, const struct zj_event *ev)
{
	const char *name = zj_ptrace_request_name(ev->ptrace.request);

	jw_key(w, "ptrace");
	jw_open(w, '{');
	jw_key(w, "request");
	if (name) {
		jw_raw(w, "\"", 1);
		jw_lit(w, name);
		jw_raw(w, "\"", 1);
	} else {
		jw_lit(w, "null");
	}
	jw_key(w, "request_num");
	jw_i64(w, ev->ptrace.request);
	jw_key(w, "addr");
	jw_hex(w, ev->ptrace.addr);
	jw_key(w, "data");
	jw_hex(w, ev->ptrace.data);
	jw_key(w, "result");
	jw_i64(w, ev->ptrace.result);
	jw_key(w, "vdso");
	jw_bool(w, ev->flags & ZJ_EVF_VDSO);
	jw_close(w, '}');
}

/* "mem":{...}, in one reservation (the object of every /proc/<pid>/mem write). */
static void jw_mem(struct jw *w, const struct zj_event *ev)
{
	const char *via = zj_mem_via_name(ev->mem.via);
	size_t vl = strlen(via); /* a table's: at most "process_vm_writev" */
	char *o0 = jc_begin(w, 256), *o = o0;

	if (!o)
		return;
	if (!w->first)
		*o++ = ',';
	o = JC_LIT(o, "\"mem\":{\"via\":\"");
	o = jc_mem(o, via, vl < 32 ? vl : 32);
	*o++ = '"';
	if (ev->type != ZJ_EV_VM_WRITE) {
		o = JC_LIT(o, ",\"fd\":");
		o = jc_i64(o, ev->mem.fd);
	}
	if (ev->type == ZJ_EV_MEM_OPEN) {
		o = JC_LIT(o, ",\"flags\":");
		o = jc_hex(o, ev->mem.open_flags);
	} else {
		o = JC_LIT(o, ",\"addr\":");
		o = jc_hex(o, ev->mem.addr);
		o = JC_LIT(o, ",\"len\":");
		o = jc_u64(o, ev->mem.len);
		o = JC_LIT(o, ",\"iovcnt\":");
		o = jc_u64(o, ev->mem.iovcnt);
	}
	o = JC_LIT(o, ",\"self\":");
	o = jc_bool(o, ev->flags & ZJ_EVF_SELF);
	if (ev->type != ZJ_EV_MEM_OPEN) {
		o = JC_LIT(o, ",\"vdso\":");
		o = jc_bool(o, ev->flags & ZJ_EVF_VDSO);
		o = JC_LIT(o, ",\"region\":");
		if (ev->region == ZJ_REGION_VDSO)
			o = JC_LIT(o, "\"vdso\"");
		else if (ev->region == ZJ_REGION_VVAR)
			o = JC_LIT(o, "\"vvar\"");
		else
			o = JC_LIT(o, "null");
	}
	*o++ = '}';
	jc_end(w, o0, o);
}

static void jw_vdso_map(struct jw *w, const struct zj_event *ev)
{
	jw_key(w, "vdso_map");
	jw_open(w, '{');
	jw_key(w, "op");
	jw_raw(w, "\"", 1);
	jw_lit(w, zj_vdso_op_name(ev->vdso_map.op));
	jw_raw(w, "\"", 1);
	jw_key(w, "addr");
	jw_hex(w, ev->vdso_map.addr);
	jw_key(w, "len");
	jw_u64(w, ev->vdso_map.len);
	jw_key(w, "prot");
	jw_u64(w, ev->vdso_map.prot);
	jw_key(w, "new_addr");
	jw_hex(w, ev->vdso_map.new_addr);
	jw_key(w, "new_len");
	jw_u64(w, ev->vdso_map.new_len);
	jw_region(w, ev->region);
	jw_close(w, '}');
}

/* Key of file.path2 in JSON, by operation (NULL: not written). */
static const char *path2_key(uint32_t op)
{
	switch (op) {
	case ZJ_FOP_RENAME:
	case ZJ_FOP_LINK:
		return "old_path";
	case ZJ_FOP_SYMLINK:
		return "link_target";
	default:
		return NULL;
	}
}

/*
 * `"file":{...}`: what is not a path goes out through the cursor writers, one reservation
 * before the paths and one after them (every persistence record has one).
 */
static void jw_file(struct jw *w, const struct zj_event *ev)
{
	const char *k2 = path2_key(ev->file.op), *op = zj_file_op_name(ev->file.op);
	size_t ol = strlen(op); /* a table's: at most "open_write" */
	uint32_t fop = ev->file.op;
	char *o0 = jc_begin(w, 48), *o = o0; /* worst case 32 */

	if (!o)
		return;
	if (!w->first)
		*o++ = ',';
	o = JC_LIT(o, "\"file\":{\"op\":\"");
	o = jc_mem(o, op, ol < 16 ? ol : 16);
	*o++ = '"';
	jc_end(w, o0, o);
	jw_zjstr_field(w, "path", &ev->file.path);
	if (k2)
		jw_zjstr_field(w, k2, &ev->file.path2);
	o0 = o = jc_begin(w, 64); /* worst case 52 */
	if (!o)
		return;
	if (fop == ZJ_FOP_CHMOD || fop == ZJ_FOP_CREATE) {
		o = JC_LIT(o, ",\"mode\":");
		o = jc_mode(o, ev->file.mode);
	}
	o = JC_LIT(o, ",\"o_trunc\":");
	o = jc_bool(o, ev->flags & ZJ_EVF_O_TRUNC);
	if (fop == ZJ_FOP_RENAME || fop == ZJ_FOP_LINK || fop == ZJ_FOP_SYMLINK) {
		o = JC_LIT(o, ",\"result\":");
		o = jc_i64(o, ev->file.result);
	}
	*o++ = '}';
	jc_end(w, o0, o);
}

/* A name from a table as a JSON string. */
static void jw_name(struct jw *w, const char *key, const char *name)
{
	jw_key(w, key);
	jw_raw(w, "\"", 1);
	jw_lit(w, name);
	jw_raw(w, "\"", 1);
}

static void jw_deny(struct jw *w, const struct zj_event *ev)
{
	jw_key(w, "deny");
	jw_open(w, '{');
	jw_name(w, "class", zj_deny_class_name(ev->deny.klass));
	jw_name(w, "hook", zj_deny_hook_name(ev->deny.hook));
	jw_name(w, "op", zj_deny_op_name(ev->deny.op));
	if (ev->deny.path.len) {
		jw_zjstr_field(w, "path", &ev->deny.path);
	} else {
		jw_key(w, "path");
		jw_lit(w, "null");
	}
	if (ev->deny.op == ZJ_DOP_SELF_SIGNAL) {
		jw_key(w, "signal");
		jw_u64(w, ev->deny.arg);
	} else if (ev->deny.op == ZJ_DOP_SELF_BPF) {
		jw_key(w, "bpf_id");
		jw_u64(w, ev->deny.arg);
	} else if (ev->deny.op == ZJ_DOP_SETID) {
		jw_mode(w, ev->deny.arg);
	}
	jw_close(w, '}');
}

static void jw_kmod(struct jw *w, const struct zj_event *ev)
{
	jw_key(w, "kmod");
	jw_open(w, '{');
	jw_name(w, "call", ev->kmod.op == ZJ_KMOD_FINIT ? "finit_module" : "init_module");
	jw_key(w, "fd");
	jw_i64(w, ev->kmod.fd);
	jw_key(w, "len");
	jw_u64(w, ev->kmod.len);
	jw_key(w, "flags");
	jw_u64(w, ev->kmod.mflags);
	if (ev->kmod.path.len) {
		jw_zjstr_field(w, "path", &ev->kmod.path);
	} else {
		jw_key(w, "path");
		jw_lit(w, "null");
	}
	if (ev->kmod.name.len) {
		jw_zjstr_field(w, "module", &ev->kmod.name);
	} else {
		jw_key(w, "module");
		jw_lit(w, "null");
	}
	jw_key(w, "result");
	jw_i64(w, ev->kmod.result);
	jw_close(w, '}');
}

static void jw_somap(struct jw *w, const struct zj_event *ev)
{
	jw_key(w, "so_map");
	jw_open(w, '{');
	jw_name(w, "via", ev->somap.via == ZJ_INJ_PROC_MEM ? "proc_mem" : "ptrace");
	jw_zjstr_field(w, "path", &ev->somap.path);
	jw_key(w, "prot");
	jw_u64(w, ev->somap.prot);
	jw_key(w, "after_ns");
	jw_u64(w, ev->ktime_ns > ev->somap.session_ns ? ev->ktime_ns - ev->somap.session_ns : 0);
	jw_close(w, '}');
}

static void jw_win(struct jw *w, const struct zj_event *ev)
{
	jw_key(w, "win");
	jw_open(w, '{');
	jw_key(w, "sysmon_id");
	jw_u64(w, ev->win.sysmon_id);
	if (ev->type == ZJ_EV_WIN_REGISTRY)
		jw_name(w, "op", zj_reg_op_name(ev->win.op));
	jw_zjstr_field(w, "object", &ev->win.object);
	jw_zjstr_field(w, "detail", &ev->win.detail);
	if (ev->type == ZJ_EV_WIN_PROCESS_ACCESS) {
		jw_key(w, "access");
		jw_hex(w, ev->win.access);
	}
	if (ev->type == ZJ_EV_WIN_REMOTE_THREAD) {
		jw_key(w, "address");
		jw_hex(w, ev->win.address);
	}
	if (ev->type == ZJ_EV_WIN_IMAGE_LOAD) {
		jw_key(w, "signed");
		jw_bool(w, ev->win.is_signed != 0);
	}
	jw_close(w, '}');
}

/* "flags":[...] in bit order, only when one is set. */
static void jw_flags(struct jw *w, uint32_t flags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ZJ_EVF_SELF, "self"},	     {ZJ_EVF_VDSO, "vdso"},
		{ZJ_EVF_CREATED, "created"}, {ZJ_EVF_O_TRUNC, "o_trunc"},
		{ZJ_EVF_RESOLVE, "resolve"}, {ZJ_EVF_BLOCKED, "blocked"},
		{ZJ_EVF_KILLED, "killed"},   {ZJ_EVF_THREAD_TARGET, "thread_target"},
		{ZJ_EVF_ANON_EXE, "anon_exe"}, {ZJ_EVF_EXEC_TEXT, "exec_text"},
		{ZJ_EVF_SETID_HAD, "setid_had"}, {ZJ_EVF_NOT_REG, "not_regular"},
	};
	bool any = false;
	uint32_t named = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		named |= names[i].bit;
	if (!(flags & named))
		return; /* most events: no flag to name (the loop above folds to a constant) */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		if (!any) {
			jw_key(w, "flags");
			jw_open(w, '[');
			any = true;
		}
		jw_elem(w);
		jw_raw(w, "\"", 1);
		jw_lit(w, names[i].name);
		jw_raw(w, "\"", 1);
	}
	if (any)
		jw_close(w, ']');
}

/* "truncated":[...]: the JSON names of the fields the kernel had to cut. */
static void jw_truncated(struct jw *w, const struct zj_event *ev)
{
	const char *names[6];
	size_t n = 0;

	if (ev->flags & ZJ_EVF_TRUNC_PATH)
		names[n++] = ev->type == ZJ_EV_EXEC ? "filename" : "path";
	if (ev->flags & ZJ_EVF_TRUNC_PATH2) {
		const char *k2 = ev->type == ZJ_EV_FILE || ev->type == ZJ_EV_SETID
					 ? path2_key(ev->file.op)
				 : ev->type == ZJ_EV_EXEC ? "exe"
							  : NULL;

		names[n++] = k2 ? k2 : "path2";
	}
	if (ev->flags & ZJ_EVF_TRUNC_ARGS)
		names[n++] = "argv";
	if (ev->flags & ZJ_EVF_TRUNC_IOV)
		names[n++] = "iov";
	if (ev->flags & ZJ_EVF_TRUNC_ENV)
		names[n++] = "env";
	if (!n)
		return;
	jw_key(w, "truncated");
	jw_open(w, '[');
	for (size_t i = 0; i < n; i++) {
		jw_elem(w);
		jw_raw(w, "\"", 1);
		jw_lit(w, names[i]);
		jw_raw(w, "\"", 1);
	}
	jw_close(w, ']');
}

static void jw_opt_field(struct jw *w, const char *key, const char *s)
{
	if (s)
		jw_str_field(w, key, s, strlen(s), 0);
}

/* The members of a finding before "reason" (the head) and after it (the tail). */
#define JF_HEAD 8
#define JF_TAIL 3

static const char *const jf_head_keys[JF_HEAD] = {
	"technique", "name", "name_zh", "tactic", "severity", "action", "configured", "why",
};

static void jf_head(struct jw *w, const char *const *s, int enforced)
{
	(void)enforced;
	for (size_t i = 0; i < JF_HEAD; i++)
		jw_opt_field(w, jf_head_keys[i], s[i]);
}

/* s: benign, response, policy_hash */
static void jf_tail(struct jw *w, const char *const *s, int enforced)
{
	jw_opt_field(w, "benign", s[0]);
	if (enforced >= 0) {
		jw_key(w, "enforced");
		jw_bool(w, enforced > 0);
	}
	jw_opt_field(w, "response", s[1]);
	jw_opt_field(w, "policy_hash", s[2]);
}

static bool jf_memo_hit(const struct zj_json_find_memo *m, const char *const *s, size_t ns,
			int enforced, bool first, uint32_t stable)
{
	if (!m->valid || m->enforced != enforced || m->first != (int)first)
		return false;
	for (size_t i = 0; i < ns; i++) {
		bool was = (m->present >> i) & 1u;

		if (!s[i]) {
			if (was)
				return false;
			continue;
		}
		/* the same never-changing string as last time: the same bytes */
		if (((stable >> i) & 1u) && m->stable[i] == s[i])
			continue;
		/* Each stored string ends in its NUL inside keys: strcmp() stops there. */
		if (!was || strcmp(m->keys.data + m->off[i], s[i]) != 0)
			return false;
	}
	return true;
}

/* Remember the strings and what they made (b from `from` on).  Best effort. */
static void jf_memo_remember(struct zj_json_find_memo *m, const char *const *s, size_t ns,
			     int enforced, bool first, uint32_t stable, const struct zj_buf *b,
			     size_t from)
{
	size_t len[JF_HEAD], total = 0, nj = b->len - from, at = 0;

	m->valid = 0;
	m->present = 0;
	m->keys.len = 0;
	m->json.len = 0;
	for (size_t i = 0; i < ns; i++) {
		len[i] = s[i] ? strlen(s[i]) + 1 : 0;
		total += len[i];
	}
	if (zj_buf_reserve(&m->keys, total) < 0 || zj_buf_reserve(&m->json, nj) < 0)
		return;
	for (size_t i = 0; i < ns; i++) {
		m->off[i] = at;
		m->stable[i] = (stable >> i) & 1u ? s[i] : NULL;
		if (!s[i])
			continue;
		m->present |= 1u << i;
		memcpy(m->keys.data + at, s[i], len[i]);
		at += len[i];
	}
	m->keys.len = at;
	if (nj)
		memcpy(m->json.data, b->data + from, nj);
	m->json.len = nj;
	m->enforced = enforced;
	m->first = first;
	m->valid = 1;
}

/* Write the members of s (through m when there is one: same bytes either way). */
static void jf_part(struct jw *w, struct zj_json_find_memo *m, const char *const *s, size_t ns,
		    int enforced, uint32_t stable,
		    void (*write)(struct jw *, const char *const *, int))
{
	bool first = w->first;
	size_t from;

	if (!m) {
		write(w, s, enforced);
		return;
	}
	if (jf_memo_hit(m, s, ns, enforced, first, stable)) {
		if (m->json.len) {
			jw_raw(w, m->json.data, m->json.len);
			w->first = false;
		}
		return;
	}
	from = w->b->len;
	write(w, s, enforced);
	if (!w->err)
		jf_memo_remember(m, s, ns, enforced, first, stable, w->b, from);
}

static void jw_findings(struct jw *w, const struct zj_log_finding *f, size_t n,
			struct zj_json_cache *cache)
{
	if (!n)
		return;
	jw_key(w, "findings");
	jw_open(w, '[');
	for (size_t i = 0; i < n; i++) {
		const char *head[JF_HEAD] = {
			f[i].technique, f[i].name,	 f[i].name_zh,	  f[i].tactic,
			f[i].severity,	f[i].action, f[i].configured, f[i].why,
		};
		const char *tail[JF_TAIL] = {f[i].benign, f[i].response, f[i].policy_hash};
		bool memo = cache && i < ZJ_JSON_FIND_MEMO;

		jw_elem(w);
		jw_open(w, '{');
		jf_part(w, memo ? &cache->find[i][0] : NULL, head, JF_HEAD, -1, f[i].stable,
			jf_head);
		jw_opt_field(w, "reason", f[i].reason);
		jf_part(w, memo ? &cache->find[i][1] : NULL, tail, JF_TAIL, f[i].enforced, 0,
			jf_tail);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

int zj_event_to_json(const struct zj_event *ev, struct zj_buf *out)
{
	return zj_event_to_json_findings(ev, NULL, 0, out);
}

void zj_json_cache_free(struct zj_json_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < 2; i++) {
		zj_buf_free(&c->proc[i].strings);
		zj_buf_free(&c->proc[i].json);
		c->proc[i].valid = 0;
	}
	c->time_valid = 0;
	for (size_t i = 0; i < ZJ_JSON_FIND_MEMO; i++) {
		for (size_t j = 0; j < 2; j++) {
			zj_buf_free(&c->find[i][j].keys);
			zj_buf_free(&c->find[i][j].json);
			c->find[i][j].valid = 0;
		}
	}
}

static bool str_same(const struct zj_str *a, const struct zj_str *b)
{
	return a->len == b->len && (!a->len || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* Is p the process whose object the cache holds (every field jw_proc writes)? */
static bool proc_cached(const struct zj_json_proc_cache *c, const struct zj_proc *p)
{
	const struct zj_proc *k = &c->key;

	uint64_t a[2], b[2];

	_Static_assert(sizeof(k->comm) == sizeof(a), "comm is two words");
	if (!c->valid || k->pid != p->pid || k->tid != p->tid || k->ppid != p->ppid ||
	    k->uid != p->uid || k->gid != p->gid || k->euid != p->euid || k->flags != p->flags ||
	    k->start_ns != p->start_ns)
		return false;
	memcpy(a, k->comm, sizeof(a));
	memcpy(b, p->comm, sizeof(b));
	return a[0] == b[0] && a[1] == b[1] && str_same(&k->exe, &p->exe) &&
	       str_same(&k->cmdline, &p->cmdline);
}

/* Remember p and its object, written at w's buffer from `from` on.  Best effort. */
static void proc_remember(struct zj_json_proc_cache *c, const struct zj_proc *p,
			  const struct zj_buf *b, size_t from)
{
	size_t ne = p->exe.len, nc = p->cmdline.len, nj = b->len - from;

	c->valid = 0;
	c->strings.len = 0;
	c->json.len = 0;
	if (zj_buf_reserve(&c->strings, ne + nc + 1) < 0 || zj_buf_reserve(&c->json, nj) < 0)
		return;
	c->key = *p;
	if (ne)
		memcpy(c->strings.data, p->exe.ptr, ne);
	if (nc)
		memcpy(c->strings.data + ne, p->cmdline.ptr, nc);
	c->key.exe.ptr = c->strings.data;
	c->key.cmdline.ptr = c->strings.data + ne;
	memcpy(c->json.data, b->data + from, nj);
	c->json.len = nj;
	c->valid = 1;
}

JW_INLINE void jw_proc_cached(struct jw *w, const char *key, const struct zj_proc *p, bool is_target,
			   struct zj_json_proc_cache *c)
{
	size_t from;

	if (!c) {
		jw_proc(w, key, p, is_target);
		return;
	}
	if (proc_cached(c, p)) {
		jw_key(w, key);
		jw_raw(w, c->json.data, c->json.len);
		w->first = false;
		return;
	}
	jw_key(w, key);
	from = w->b->len;
	jw_proc_body(w, p, is_target);
	if (!w->err)
		proc_remember(c, p, w->b, from);
}

int zj_event_to_json_findings(const struct zj_event *ev, const struct zj_log_finding *f, size_t n,
			      struct zj_buf *out)
{
	return zj_event_to_json_cached(ev, f, n, NULL, out);
}

int zj_event_to_json_cached(const struct zj_event *ev, const struct zj_log_finding *f, size_t n,
			    struct zj_json_cache *cache, struct zj_buf *out)
{
	struct jw w = {.b = out, .err = 0, .first = true};
	size_t start = out->len;
	char *o;

	/* {"v":2,"seq":N,"time":"...","ktime_ns":N,"type":"..." in one reservation */
	o = jc_begin(&w, 192); /* worst case 166 */
	if (o) {
		const char *name = zj_event_type_name(ev->type);
		size_t nl = strlen(name); /* a table's: at most "win_process_access" */
		char *o0 = o;

		o = JC_LIT(o, "{\"v\":");
		o = jc_u64(o, ZJ_EVENT_SCHEMA);
		o = JC_LIT(o, ",\"seq\":");
		o = jc_u64(o, ev->seq);
		o = JC_LIT(o, ",\"time\":");
		o = jc_time(o, ev->time_ns, cache);
		o = JC_LIT(o, ",\"ktime_ns\":");
		o = jc_u64(o, ev->ktime_ns);
		o = JC_LIT(o, ",\"type\":\"");
		o = jc_mem(o, name, nl < 32 ? nl : 32);
		*o++ = '"';
		jc_end(&w, o0, o);
	}
	jw_proc_cached(&w, "actor", &ev->actor, false, cache ? &cache->proc[0] : NULL);
	if (ev->flags & ZJ_EVF_HAS_TARGET)
		jw_proc_cached(&w, "target", &ev->target, true, cache ? &cache->proc[1] : NULL);

	switch (ev->type) {
	case ZJ_EV_EXEC:
		jw_exec(&w, ev);
		break;
	case ZJ_EV_FORK:
		jw_key(&w, "fork");
		jw_open(&w, '{');
		jw_key(&w, "child_pid");
		jw_u64(&w, ev->fork.child_pid);
		jw_close(&w, '}');
		break;
	case ZJ_EV_EXIT:
		/* Raw wait status: exit code in bits 8..15, terminating signal in bits 0..6. */
		jw_key(&w, "exit");
		jw_open(&w, '{');
		jw_key(&w, "code");
		jw_u64(&w, ((uint32_t)ev->exit.code >> 8) & 0xff);
		jw_key(&w, "signal");
		jw_u64(&w, (uint32_t)ev->exit.code & 0x7f);
		jw_close(&w, '}');
		break;
	case ZJ_EV_PTRACE:
		jw_ptrace(&w, ev);
		break;
	case ZJ_EV_MEM_OPEN:
	case ZJ_EV_MEM_WRITE:
	case ZJ_EV_VM_WRITE:
		jw_mem(&w, ev);
		break;
	case ZJ_EV_VDSO_MAP:
		jw_vdso_map(&w, ev);
		break;
	case ZJ_EV_FILE:
	case ZJ_EV_SETID:
		jw_file(&w, ev);
		break;
	case ZJ_EV_KMOD:
		jw_kmod(&w, ev);
		break;
	case ZJ_EV_SOMAP:
		jw_somap(&w, ev);
		break;
	case ZJ_EV_DENY:
		jw_deny(&w, ev);
		break;
	case ZJ_EV_WIN_PROCESS:
		jw_exec(&w, ev);
		break;
	case ZJ_EV_WIN_IMAGE_LOAD:
	case ZJ_EV_WIN_REMOTE_THREAD:
	case ZJ_EV_WIN_PROCESS_ACCESS:
	case ZJ_EV_WIN_FILE_CREATE:
	case ZJ_EV_WIN_REGISTRY:
	case ZJ_EV_WIN_TAMPER:
		jw_win(&w, ev);
		break;
	default:
		break; /* "type":"unknown" and no type object */
	}

	jw_flags(&w, ev->flags);
	jw_truncated(&w, ev);
	jw_findings(&w, f, n, cache);
	jw_close(&w, '}');
	jw_raw(&w, "\n", 1);
	/* Keep a NUL after the line (not counted in len) so callers may treat data as a C string.
	 */
	o = jw_room(&w, 1);
	if (o)
		*o = '\0';
	if (w.err) {
		out->len = start;
		return w.err;
	}
	return 0;
}
