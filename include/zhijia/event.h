/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct zj_event: one observed operation, attributed to processes, independent of where it
 * came from (Linux ring-buffer record today, a Sysmon event on Windows).  Portable tier: C11
 * only.
 *
 * Strings are (pointer, length) views that stay valid only while the event is being handled
 * (they point into the raw record or the process table); copy what must outlive it.
 *
 * JSON-lines form (one object per line, written by zj_event_to_json()), schema version 1:
 *
 *   {"v":1,"seq":N,"time":"2026-11-28T06:20:00.123456789Z","ktime_ns":N,"type":"<type>",
 *    "actor":{PROC}, ["target":{PROC},] "<type-object>":{...}, ["flags":["...",...]],
 *    ["truncated":["path",...]]}
 *
 *   PROC = {"pid":N,"tid":N,"ppid":N,"uid":N,"gid":N,"euid":N,"comm":"...","exe":"...",
 *           "cmdline":"...","start_ns":N,"known":true|false}
 *     (target objects carry the fields the process table knows; "known":false when the
 *      process was not in the table: then only "pid" is certain)
 *
 *   type "exec":     "exec":{"filename":"...","exe":"...","argv":["...",...],"argc":N,
 *                            ["ld_preload":"..." when LD_PRELOAD is in its environment]}
 *   type "fork":     "fork":{"child_pid":N}
 *   type "exit":     "exit":{"code":N,"signal":N}            (code: exit status, signal: 0 or n)
 *   type "ptrace":   "ptrace":{"request":"PTRACE_POKEDATA","request_num":5,"addr":"0x..",
 *                             "data":"0x..","result":N,"vdso":bool}
 *   type "mem_open": "mem":{"via":"open","fd":N,"flags":"0x..","self":bool}
 *   type "mem_write":"mem":{"via":"write|pwrite64|writev|pwritev|pwritev2","fd":N,
 *                           "addr":"0x..","len":N,"iovcnt":N,"self":bool,"vdso":bool,
 *                           "region":"vdso"|"vvar"|null}
 *   type "vm_write": "mem":{"via":"process_vm_writev","addr":"0x..","len":N,"iovcnt":N,
 *                           "self":bool,"vdso":bool,"region":...}
 *   type "vdso_map": "vdso_map":{"op":"mprotect|pkey_mprotect|mremap|munmap","addr":"0x..",
 *                                "len":N,"prot":N,"new_addr":"0x..","new_len":N,
 *                                "region":"vdso"|"vvar"}
 *   type "file":     "file":{"op":"create|open_write|truncate|rename|link|symlink|unlink|chmod",
 *                            "path":"...", ["old_path":"..." (rename, link)],
 *                            ["link_target":"..." (symlink)], ["mode":"0644" (chmod, create)],
 *                            "o_trunc":bool, ["result":N (rename, link, symlink)]}
 *   type "deny":     "deny":{"class":"ptrace|proc_mem|vdso|at|cron|timer|service|preload|
 *                                     self|verdict",
 *                            "hook":"ptrace_access_check|file_open|file_mprotect|inode_create|
 *                                    inode_rename|inode_link|inode_symlink|task_kill|
 *                                    bpf_map|bpf_prog|bpf|bprm_check_security",
 *                            "op":"ptrace_attach|process_vm_writev|mem_open|mprotect|create|
 *                                  open_write|rename|link|symlink|self_trace|self_signal|
 *                                  self_bpf|exec",
 *                            "path":"..."|null, ["signal":N (self_signal)],
 *                            ["bpf_id":N (self_bpf)]}
 *                    Class "self" is zhijiad's self-protection (T1562.001): the target is
 *                    zhijiad; it is denied whatever the policy says.  Class "verdict" is the
 *                    exec of a binary a YARA rule matched ("path": the name exec was given);
 *                    it carries no finding of its own (the verdict line had the alert).
 *                    An operation a BPF LSM program denied in the kernel (flags always hold
 *                    "blocked"): the class is the sub-technique whose policy said block
 *                    (zj_deny_class_technique()); "target" is the process attached to or
 *                    written to (ptrace, proc_mem); "path" the file (file classes; null for
 *                    the others).  The syscall-exit event of the same call, where there is
 *                    one (ptrace, vm_write, vdso_map, file rename/link/symlink), says
 *                    "blocked" too.
 *
 *   type "kmod":     "kmod":{"call":"init_module|finit_module","fd":N,"len":N,"flags":N,
 *                            "path":"..."|null, "module":"..."|null, "result":N}
 *                    A kernel module load (T1547.006): the file (finit_module), the module's
 *                    own name when the kernel loaded it, and the call's return value.
 *   type "setid":    "file":{"op":"chmod","path":"...","mode":"04755","o_trunc":false}
 *                    chmod/fchmod/fchmodat/fchmodat2 asking for S_ISUID or S_ISGID on any path
 *                    (T1548.001); flags "setid_had" (the file had them: fchmod only) and
 *                    "not_regular" (fchmod only).
 *   type "so_map":   "so_map":{"via":"ptrace|proc_mem","path":"...","prot":N,
 *                              "after_ns":N}
 *                    Shared-object injection: "actor" is the injector (it attached to or wrote
 *                    into "target" within the last 30 s: after_ns ago), "target" the process
 *                    that then mapped "path" executable (a library forced into it, dlopen).
 *   exec events add the flag "anon_exe" when the image is an anonymous in-memory file
 *   (memfd_create; T1620); mem_write events on oneself add "exec_text" when the address lies
 *   in a file-backed executable mapping (one's own program text; T1620).
 *
 *   type "verdict":  "verdict":{"event_seq":N,"origin":"exec|file|scheduled","path":"...",
 *                               "state":"clean|match|...","rules":[...],"tags":[...],
 *                               "sha256":"...","action":"...",...}
 *                    A YARA verdict on a file an earlier event (event_seq) named; no actor.
 *                    Written by zhijiad's scanner, not by zj_event_to_json(): the whole
 *                    schema is in daemon/scand.h.
 *
 * Addresses and offsets are hex strings (JSON numbers lose precision past 2^53).  Strings are
 * valid UTF-8: bytes that are not are replaced with U+FFFD and the field's raw bytes are added
 * as "<field>_hex" (e.g. "path_hex"), so evidence is never lost.
 */
#ifndef ZHIJIA_EVENT_H
#define ZHIJIA_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* The JSON lines' "v".  History: 1 first; 2 adds findings[].policy_hash. */
#define ZJ_EVENT_SCHEMA 2

/* Event types share their numbers with the kernel record types (ZJ_REC_*). */
#define ZJ_EV_EXEC 1
#define ZJ_EV_FORK 2
#define ZJ_EV_EXIT 3
#define ZJ_EV_PTRACE 4
#define ZJ_EV_MEM_OPEN 5
#define ZJ_EV_MEM_WRITE 6
#define ZJ_EV_VM_WRITE 7
#define ZJ_EV_VDSO_MAP 8
#define ZJ_EV_FILE 9
#define ZJ_EV_DENY 10
#define ZJ_EV_KMOD 11
#define ZJ_EV_SETID 12
#define ZJ_EV_SOMAP 13
#define ZJ_EV_MAX 14

/*
 * Windows events (the Sysmon front end, daemon/windows/): numbers of their own past the kernel's
 * record types, so that ZJ_EV_MAX (= ZJ_REC_MAX) and what Linux sizes by it stay as they are.
 * Each is one Sysmon event ID; the Windows fields are in the `win` member (see there).  JSON:
 *   type "win_process":        "exec":{"filename":IMAGE,"argv":[COMMANDLINE],"argc":1}
 *   type "win_image_load", "win_remote_thread", "win_process_access", "win_file_create",
 *   "win_registry", "win_tamper":
 *                              "win":{"sysmon_id":N,"op":"...","object":"...","detail":"...",
 *                                     "access":"0x..","address":"0x..","signed":bool}
 */
#define ZJ_EV_WIN_PROCESS 64	     /* Sysmon 1: actor is the new process; exec.filename = Image */
#define ZJ_EV_WIN_IMAGE_LOAD 65	     /* Sysmon 7: actor loaded the image win.object */
#define ZJ_EV_WIN_REMOTE_THREAD 66   /* Sysmon 8: actor started a thread in target */
#define ZJ_EV_WIN_PROCESS_ACCESS 67  /* Sysmon 10: actor opened target with win.access rights */
#define ZJ_EV_WIN_FILE_CREATE 68     /* Sysmon 11: actor created the file win.object */
#define ZJ_EV_WIN_REGISTRY 69	     /* Sysmon 12/13/14: win.op on the key or value win.object */
#define ZJ_EV_WIN_TAMPER 70	     /* Sysmon 25: the image of actor was tampered with */
#define ZJ_EV_WIN_FIRST ZJ_EV_WIN_PROCESS
#define ZJ_EV_WIN_END 71

/* win.op of ZJ_EV_WIN_REGISTRY: Sysmon's EventType */
#define ZJ_REG_CREATE_KEY 1   /* 12 CreateKey */
#define ZJ_REG_DELETE_KEY 2   /* 12 DeleteKey */
#define ZJ_REG_DELETE_VALUE 3 /* 12 DeleteValue */
#define ZJ_REG_CREATE_VALUE 4 /* 12 CreateValue (older schemas) */
#define ZJ_REG_SET_VALUE 5    /* 13 SetValue: win.detail is the data as Sysmon shows it */
#define ZJ_REG_RENAME_KEY 6   /* 14 RenameKey: win.detail is the new name */
#define ZJ_REG_OP_MAX 7

/* zj_event.flags: the kernel's ZJ_F_* bits are carried over unchanged (see bpf_abi.h). */
#define ZJ_EVF_SELF (1u << 0)
#define ZJ_EVF_VDSO (1u << 1)
#define ZJ_EVF_TRUNC_PATH (1u << 2)
#define ZJ_EVF_TRUNC_PATH2 (1u << 3)
#define ZJ_EVF_TRUNC_ARGS (1u << 4)
#define ZJ_EVF_CREATED (1u << 5)
#define ZJ_EVF_O_TRUNC (1u << 6)
#define ZJ_EVF_RESOLVE (1u << 7)
#define ZJ_EVF_BLOCKED (1u << 8)
#define ZJ_EVF_KILLED (1u << 9)
#define ZJ_EVF_THREAD_TARGET (1u << 10)
#define ZJ_EVF_TRUNC_IOV (1u << 11)
#define ZJ_EVF_LD_PRELOAD (1u << 12) /* exec: exec.ld_preload is set */
#define ZJ_EVF_TRUNC_ENV (1u << 13)
#define ZJ_EVF_ANON_EXE (1u << 14)  /* exec: the image is an anonymous in-memory file (memfd) */
#define ZJ_EVF_EXEC_TEXT (1u << 15) /* mem_write on oneself into a file-backed executable mapping */
#define ZJ_EVF_SETID_HAD (1u << 17) /* setid: the file had the bits already (fchmod) */
#define ZJ_EVF_NOT_REG (1u << 18)   /* setid: not a regular file (fchmod) */
#define ZJ_EVF_HAS_TARGET (1u << 16) /* event.target is filled */

/* Memory region a write landed in (zj_event.region). */
#define ZJ_REGION_NONE 0
#define ZJ_REGION_VDSO 1
#define ZJ_REGION_VVAR 2

struct zj_str {
	const char *ptr; /* not necessarily NUL-terminated; may contain NULs (argv) */
	size_t len;
};

/* zj_proc.flags */
#define ZJ_PROC_KNOWN (1u << 0)     /* found in the process table */
#define ZJ_PROC_SYSTEM (1u << 1)    /* a system process (PID 1, kernel thread, system daemon) */
#define ZJ_PROC_PROTECTED (1u << 2) /* a protected application named by the administrator */
#define ZJ_PROC_KTHREAD (1u << 3)
/*
 * zj_proc_is_package_manager() already decided, from this exe and cmdline: ZJ_PROC_PKG_MANAGER
 * is its answer.  A process table sets both once per image (exe and cmdline never change in
 * it); without ZJ_PROC_PKG_DECIDED the detectors decide from the strings.
 */
#define ZJ_PROC_PKG_DECIDED (1u << 4)
#define ZJ_PROC_PKG_MANAGER (1u << 5)

struct zj_proc {
	uint32_t pid; /* tgid */
	uint32_t tid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	uint32_t euid;
	uint32_t flags; /* ZJ_PROC_* */
	uint64_t start_ns;
	char comm[16];      /* NUL-terminated */
	struct zj_str exe;     /* resolved executable path; empty when unknown */
	struct zj_str cmdline; /* argv, each argument NUL-terminated; empty when unknown */
};

struct zj_event {
	uint32_t type;  /* ZJ_EV_* */
	uint32_t flags; /* ZJ_EVF_* */
	uint64_t seq;   /* daemon-assigned, increasing */
	uint64_t ktime_ns;
	int64_t time_ns; /* wall clock, ns since the Unix epoch */
	uint32_t region; /* ZJ_REGION_*: where an address landed (mem_write, vm_write, ptrace) */
	uint32_t _pad;
	struct zj_proc actor;
	struct zj_proc target; /* valid when flags & ZJ_EVF_HAS_TARGET */
	union {
		struct {
			struct zj_str filename;
			struct zj_str args; /* NUL-separated, as in the record */
			uint32_t argc;
			struct zj_str ld_preload; /* ZJ_EVF_LD_PRELOAD: the variable's value */
		} exec;
		struct {
			uint32_t child_pid;
			uint64_t child_start_ns;
		} fork;
		struct {
			int32_t code; /* raw wait status */
		} exit;
		struct {
			int64_t request;
			uint64_t addr;
			uint64_t data;
			int64_t result;
		} ptrace;
		struct {
			uint32_t via; /* ZJ_VIA_* of bpf_abi.h, same numbers */
			int32_t fd;
			uint32_t iovcnt;
			uint64_t addr;
			uint64_t len;
			uint64_t open_flags;
		} mem;
		struct {
			uint32_t op; /* ZJ_VMAP_* */
			uint32_t prot;
			uint64_t addr;
			uint64_t len;
			uint64_t new_addr;
			uint64_t new_len;
		} vdso_map;
		struct {
			uint32_t op; /* ZJ_FOP_* */
			uint32_t mode;
			uint32_t open_flags;
			uint32_t watch_id;
			int32_t result; /* rename, link, symlink: the syscall's return value */
			uint64_t dev;
			uint64_t ino;
			struct zj_str path;
			struct zj_str path2; /* old_path (rename, link) or link_target (symlink) */
		} file;
		struct {
			uint32_t op;	    /* ZJ_KMOD_* of bpf_abi.h */
			int32_t fd;	    /* finit_module; -1 for init_module */
			uint64_t len;	    /* init_module: bytes of the image */
			uint32_t mflags;    /* finit_module: MODULE_INIT_* */
			int32_t result;	    /* the syscall's return value */
			uint64_t dev;	    /* finit_module: the file */
			uint64_t ino;
			struct zj_str path; /* finit_module: the file's absolute path; else empty */
			struct zj_str name; /* the module's name when it was loaded; else empty */
		} kmod;
		struct {
			uint32_t via;	    /* ZJ_INJ_* of bpf_abi.h */
			uint32_t prot;	    /* PROT_* of the mmap */
			uint64_t session_ns; /* when the injector acted last (CLOCK_BOOTTIME) */
			uint64_t dev;
			uint64_t ino;
			struct zj_str path; /* the file mapped executable in the target */
		} somap;
		struct {
			uint32_t klass;	    /* ZJ_ENF_* of bpf_abi.h, same numbers */
			uint32_t hook;	    /* ZJ_HOOK_* */
			uint32_t op;	    /* ZJ_DOP_* */
			uint32_t watch_id;  /* file classes: the watch entry the path is under */
			uint32_t arg;	    /* self_signal: the signal; self_bpf: the object id */
			struct zj_str path; /* absolute once the daemon completed it; empty: none */
		} deny;
		/* Windows (ZJ_EV_WIN_* but win_process, which uses exec). */
		struct {
			uint32_t sysmon_id; /* the Sysmon event ID it came from */
			uint32_t op;	    /* registry: ZJ_REG_* */
			uint32_t access;    /* process_access: GrantedAccess */
			uint32_t is_signed; /* image_load: Signed is "true" */
			uint64_t address;   /* remote_thread: StartAddress */
			/* image_load: ImageLoaded; remote_thread: StartModule; file_create:
			 * TargetFilename; registry: TargetObject; tamper: Type */
			struct zj_str object;
			/* image_load: Signature; remote_thread: StartFunction; process_access:
			 * CallTrace; registry: Details (set) or NewName (rename) */
			struct zj_str detail;
		} win;
	};
};

/* Names used in JSON and messages; "unknown" for out-of-range values. */
const char *zj_event_type_name(uint32_t type);
const char *zj_file_op_name(uint32_t op);
const char *zj_mem_via_name(uint32_t via);
const char *zj_vdso_op_name(uint32_t op);
/* "create_key", "set_value", ...; "unknown" out of range. */
const char *zj_reg_op_name(uint32_t op);
/* "PTRACE_ATTACH" etc.; NULL for a request zhijia has no name for. */
const char *zj_ptrace_request_name(int64_t request);
/* deny events: "cron", "inode_create", "create"; "unknown" out of range. */
const char *zj_deny_class_name(uint32_t klass);
const char *zj_deny_hook_name(uint32_t hook);
const char *zj_deny_op_name(uint32_t op);
/* The sub-technique an enforcement class enforces ("T1053.003"); NULL out of range. */
const char *zj_deny_class_technique(uint32_t klass);

/*
 * A growable output buffer owned by the caller; no allocation per event once it has grown
 * to the largest event seen.
 */
struct zj_buf {
	char *data;
	size_t len;
	size_t cap;
};

void zj_buf_free(struct zj_buf *b);
/* Ensure room for `more` bytes. 0 or -ENOMEM. */
int zj_buf_reserve(struct zj_buf *b, size_t more);

/*
 * Append the event as one JSON object and a '\n' to `out`.  Never emits a raw control
 * byte or invalid UTF-8.  Returns 0 or -ENOMEM.
 */
int zj_event_to_json(const struct zj_event *ev, struct zj_buf *out);

/*
 * What the event log says of one finding: the detector's verdict and the policy's decision,
 * as names (the daemon fills it; NULL strings are left out).  In JSON:
 *   "findings":[{"technique":"T1055.008","name":"Ptrace System Calls","name_zh":"...",
 *                "tactic":"TA0004","severity":"high","action":"alert",
 *                "configured":"default","why":"...","reason":"...","benign":"...",
 *                "enforced":false,         ("enforced" only for action "block")
 *                "response":"...",         (what zhijiad did after a fallback kill: the
 *                                           quarantine of what the operation left, ...)
 *                "policy_hash":"..."}]     (the policy that decided: 16 hex digits of the
 *                                           SHA-256 of its canonical text, policy-apply.h)
 */
struct zj_log_finding {
	const char *technique;
	const char *name;
	const char *name_zh;
	const char *tactic;
	const char *severity;
	const char *action;
	const char *configured;
	const char *why;
	const char *reason;
	const char *benign;
	int enforced; /* -1: not a block; 0: block requested, not enforced; 1: enforced */
	const char *response;
	const char *policy_hash;
	/*
	 * Bit ZJ_LF_STABLE(i) for member i of name ... configured (1 ... 6): that string is
	 * never changed or freed while the process runs (the catalog's and the name tables'
	 * literals), so a zj_json_cache may compare its address instead of its bytes.  0 (as
	 * after a memset) is always right.
	 */
	uint32_t stable;
};

/* The members before "why", in order: technique 0, name 1, ... configured 6. */
#define ZJ_LF_NAME 1
#define ZJ_LF_NAME_ZH 2
#define ZJ_LF_TACTIC 3
#define ZJ_LF_SEVERITY 4
#define ZJ_LF_ACTION 5
#define ZJ_LF_CONFIGURED 6
#define ZJ_LF_STABLE(i) (1u << (i))

/* zj_event_to_json() with a "findings" array (n may be 0: then the same as without). */
int zj_event_to_json_findings(const struct zj_event *ev, const struct zj_log_finding *f, size_t n,
			      struct zj_buf *out);

/*
 * The last "actor" and "target" objects written, with the process fields they were made
 * from: in a storm every record names the same two processes, and their objects (paths,
 * command lines, escaped) were a quarter of the cost of a line.  Owned by the caller, zeroed
 * before first use, freed with zj_json_cache_free(); it only grows to the largest process
 * seen, so a warm cache allocates nothing.  The output is the same with or without it.
 */
struct zj_json_proc_cache {
	struct zj_proc key; /* exe/cmdline point into `strings` */
	struct zj_buf strings;
	struct zj_buf json;
	int valid;
};

/*
 * The first and the last members of a finding's object (technique .. why; benign .. policy_hash)
 * and the strings they were made from, compared by content: they are the same for every record
 * of a storm, and escaping them was a fifth of the cost of a line.  One pair per position in
 * the "findings" array.
 */
#define ZJ_JSON_FIND_MEMO 4
struct zj_json_find_memo {
	struct zj_buf keys; /* the strings, each with its NUL, at off[] */
	struct zj_buf json;
	size_t off[8];
	const char *stable[8]; /* string i when the caller said it never changes, else NULL */
	uint32_t present; /* bit i: string i was not NULL */
	int enforced;	  /* tail: zj_log_finding.enforced */
	int first;	  /* the writer had no member yet in this object when it was made */
	int valid;
};

struct zj_json_cache {
	struct zj_json_proc_cache proc[2]; /* actor, target */
	struct zj_json_find_memo find[ZJ_JSON_FIND_MEMO][2]; /* [i][0]: head, [i][1]: tail */
	/* "time": the second whose `"YYYY-MM-DDThh:mm:ss.` time_head holds */
	int64_t time_sec;
	char time_head[21];
	int time_valid;
};

void zj_json_cache_free(struct zj_json_cache *c);
/* zj_event_to_json_findings() through a cache (NULL: none). */
int zj_event_to_json_cached(const struct zj_event *ev, const struct zj_log_finding *f, size_t n,
			    struct zj_json_cache *cache, struct zj_buf *out);

#endif /* ZHIJIA_EVENT_H */
