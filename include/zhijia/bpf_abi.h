/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel <-> daemon ABI: records the BPF programs put into the ring buffer, the maps the
 * daemon fills, and the counters it reads.
 *
 * Rules (STYLE.md): fixed-width integers and char[N] only, padding written out, every record
 * starts with struct zj_rec_hdr, record type numbers are append-only.  Layouts are pinned by
 * _Static_assert in tests/unit/check_abi.c.  Bump ZJ_ABI_VERSION on any change; the daemon
 * refuses an object whose .rodata zj_abi_version differs.
 *
 * This header is included by BPF code (after vmlinux.h, which provides __u8..__u64) and by
 * portable user-space code (which gets them from <stdint.h> below).
 */
#ifndef ZHIJIA_BPF_ABI_H
#define ZHIJIA_BPF_ABI_H

/* Own names for the fixed-width types: __u64 and friends clash with <linux/types.h>. */
#ifdef __VMLINUX_H__
typedef __u8 zj_u8;
typedef __u16 zj_u16;
typedef __u32 zj_u32;
typedef __u64 zj_u64;
typedef __s32 zj_s32;
typedef __s64 zj_s64;
#else
#include <stdint.h>
typedef uint8_t zj_u8;
typedef uint16_t zj_u16;
typedef uint32_t zj_u32;
typedef uint64_t zj_u64;
typedef int32_t zj_s32;
typedef int64_t zj_s64;
#endif

#define ZJ_ABI_VERSION 4

/* Record types: append-only. */
#define ZJ_REC_EXEC 1      /* sched_process_exec: a new program image */
#define ZJ_REC_FORK 2      /* sched_process_fork of a new process (not a thread) */
#define ZJ_REC_EXIT 3      /* last thread of a process exited */
#define ZJ_REC_PTRACE 4    /* ptrace(2) request that acts on another process, with result */
#define ZJ_REC_MEM_OPEN 5  /* /proc/<pid>/mem opened for writing */
#define ZJ_REC_MEM_WRITE 6 /* write/pwrite64/writev/pwritev/pwritev2 on a /proc/<pid>/mem fd */
#define ZJ_REC_VM_WRITE 7  /* process_vm_writev(2) */
#define ZJ_REC_VDSO_MAP 8  /* mprotect/pkey_mprotect/mremap/munmap touching the caller's vDSO */
#define ZJ_REC_FILE 9      /* operation on a watched persistence path */
#define ZJ_REC_DENY 10     /* an operation a BPF LSM program denied (always ZJ_F_BLOCKED) */
#define ZJ_REC_KMOD 11     /* init_module(2) / finit_module(2), with the result (kmod.bpf.c) */
#define ZJ_REC_SETID 12    /* chmod family adding S_ISUID/S_ISGID: struct zj_rec_file, any path */
#define ZJ_REC_SOMAP 13    /* an executable file mapping in a process recently injected into */
#define ZJ_REC_MAX 14

/* zj_rec_hdr.flags */
#define ZJ_F_SELF (1u << 0)       /* the target process is the actor itself */
#define ZJ_F_VDSO (1u << 1)       /* address range lies in the target's [vdso]/[vvar] (kernel view) */
#define ZJ_F_TRUNC_PATH (1u << 2) /* path (or filename) truncated */
#define ZJ_F_TRUNC_PATH2 (1u << 3) /* second path truncated */
#define ZJ_F_TRUNC_ARGS (1u << 4) /* argv truncated */
#define ZJ_F_CREATED (1u << 5)    /* the open created the file */
#define ZJ_F_O_TRUNC (1u << 6)    /* the open truncated the file */
#define ZJ_F_RESOLVE (1u << 7)    /* path could not be normalised in the kernel (.., //, ./) */
#define ZJ_F_BLOCKED (1u << 8)    /* denied in the kernel (LSM) */
#define ZJ_F_KILLED (1u << 9)     /* actor sent SIGKILL at syscall entry (fallback enforcement) */
#define ZJ_F_THREAD_TARGET (1u << 10) /* /proc/<pid>/task/<tid>/mem */
#define ZJ_F_TRUNC_IOV (1u << 11) /* more iovecs than summed */
#define ZJ_F_LD_PRELOAD (1u << 12) /* exec: LD_PRELOAD is set in the new image's environment */
#define ZJ_F_TRUNC_ENV (1u << 13)  /* exec: the environment was not scanned to its end */
#define ZJ_F_ANON_EXE (1u << 14)   /* exec: the new image is a file without a name in any
				    * directory on tmpfs/hugetlbfs (memfd_create, O_TMPFILE, an
				    * unlinked /dev/shm file): fileless execution (T1620) */
#define ZJ_F_EXEC_TEXT (1u << 15)  /* mem_write on oneself: the address lies in an executable
				    * file-backed mapping (one's own program text: DDexec) */
/* bit 16 is the daemon's (ZJ_EVF_HAS_TARGET) */
#define ZJ_F_SETID_HAD (1u << 17)  /* setid: the file had every set-id bit asked for already */
#define ZJ_F_NOT_REG (1u << 18)    /* setid: the file is not a regular file (fd-based only) */

/*
 * Common header: 80 bytes.  ktime_ns is CLOCK_BOOTTIME (bpf_ktime_get_boot_ns).
 * The actor is the current task.  Pids are the kernel's global (init namespace) ids.
 */
struct zj_rec_hdr {
	zj_u16 type;
	zj_u16 size;     /* total record size in bytes, header included */
	zj_u32 flags;    /* ZJ_F_* */
	zj_u64 ktime_ns;
	zj_u32 tgid;
	zj_u32 tid;
	zj_u32 ppid;     /* real_parent->tgid */
	zj_u32 uid;      /* real uid */
	zj_u32 gid;
	zj_u32 euid;
	zj_u64 start_ns; /* thread-group leader's start_boottime: (tgid, start_ns) names a process */
	zj_u64 cgroup_id;
	char comm[16];
	zj_u64 _reserved;
};

/*
 * sched_process_exec.  Followed by data[]: filename\0 exe\0 args (NUL-separated argv), then,
 * with ZJ_F_LD_PRELOAD, the value of LD_PRELOAD and its NUL.
 */
struct zj_rec_exec {
	struct zj_rec_hdr hdr;
	zj_u32 old_tid;      /* tid before exec (a non-leader thread that exec'd) */
	zj_u32 filename_len; /* bytes of filename in data[], without its NUL */
	zj_u32 exe_len;      /* bytes of the executable's resolved path, without its NUL */
	zj_u32 args_len;     /* bytes of argv in data[], each argument NUL-terminated */
	zj_u32 argc;
	zj_u32 preload_len; /* bytes of LD_PRELOAD's value, without its NUL (ZJ_F_LD_PRELOAD) */
	char data[];
};

/* sched_process_fork of a new thread group; the actor is the parent. */
struct zj_rec_fork {
	struct zj_rec_hdr hdr;
	zj_u32 child_tgid;
	zj_u32 _pad;
	zj_u64 child_start_ns;
};

struct zj_rec_exit {
	struct zj_rec_hdr hdr;
	zj_s32 exit_code; /* task->exit_code: (status << 8) | signal, as wait(2) */
	zj_u32 _pad;
};

/* ptrace(2), emitted at syscall exit with the result. */
struct zj_rec_ptrace {
	struct zj_rec_hdr hdr;
	zj_s64 request;
	zj_u32 target_pid; /* the tracee's global tgid when it is the caller's tracee (every
			    * request on an attached tracee, ATTACH/SEIZE that succeeded); else
			    * the pid argument as given (caller's pid namespace) */
	zj_u32 _pad;
	zj_u64 addr;
	zj_u64 data;
	zj_s64 result;
	zj_u64 vdso_start; /* target's vDSO text, when the kernel could tell (0 otherwise) */
	zj_u64 vdso_end;
};

/* Where a memory write came from (zj_rec_mem.via). */
#define ZJ_VIA_OPEN 1
#define ZJ_VIA_WRITE 2
#define ZJ_VIA_PWRITE64 3
#define ZJ_VIA_WRITEV 4
#define ZJ_VIA_PWRITEV 5
#define ZJ_VIA_PWRITEV2 6
#define ZJ_VIA_PROCESS_VM_WRITEV 7

/* ZJ_REC_MEM_OPEN, ZJ_REC_MEM_WRITE and ZJ_REC_VM_WRITE. */
struct zj_rec_mem {
	struct zj_rec_hdr hdr;
	zj_u32 via;        /* ZJ_VIA_* */
	zj_u32 target_pid; /* global tgid of the process whose memory it is */
	zj_s32 fd;         /* -1 for process_vm_writev */
	zj_u32 iovcnt;     /* vectors in the call (remote ones for process_vm_writev) */
	zj_u64 addr;       /* file offset written at (= target address), or first remote iov base */
	zj_u64 len;        /* bytes asked to be written (sum of up to ZJ_IOV_MAX vectors) */
	zj_u64 open_flags; /* ZJ_VIA_OPEN: f_flags */
	zj_u64 vdso_start; /* target's vDSO text, when the kernel could tell (0 otherwise) */
	zj_u64 vdso_end;
};

#define ZJ_IOV_MAX 8

#define ZJ_VMAP_MPROTECT 1
#define ZJ_VMAP_PKEY_MPROTECT 2
#define ZJ_VMAP_MREMAP 3
#define ZJ_VMAP_MUNMAP 4

struct zj_rec_vdso_map {
	struct zj_rec_hdr hdr;
	zj_u32 op;   /* ZJ_VMAP_* */
	zj_u32 prot; /* mprotect: PROT_* */
	zj_u64 addr;
	zj_u64 len;
	zj_u64 new_addr; /* mremap */
	zj_u64 new_len;  /* mremap */
	zj_u64 vdso_start;
	zj_u64 vdso_end;
};

#define ZJ_FOP_CREATE 1     /* open(O_CREAT) that created the file, creat(2) */
#define ZJ_FOP_OPEN_WRITE 2 /* open for writing of an existing file (ZJ_F_O_TRUNC if O_TRUNC) */
#define ZJ_FOP_TRUNCATE 3   /* truncate(2), ftruncate(2) */
#define ZJ_FOP_RENAME 4     /* path: new name, path2: old name */
#define ZJ_FOP_LINK 5       /* path: new link, path2: existing file */
#define ZJ_FOP_SYMLINK 6    /* path: new link, path2: link contents */
#define ZJ_FOP_UNLINK 7
#define ZJ_FOP_CHMOD 8      /* mode: the new mode */
#define ZJ_FOP_MAX 9

/*
 * An operation on a watched persistence path.  Followed by data[]: path\0 path2\0.
 * Paths are absolute and resolved by the kernel (dentry walk, or cwd/dirfd + the argument),
 * unless ZJ_F_RESOLVE says the argument had .. or similar and the daemon must normalise it.
 */
struct zj_rec_file {
	struct zj_rec_hdr hdr;
	zj_u32 op;         /* ZJ_FOP_* */
	zj_u32 mode;       /* chmod: new mode; create: the inode's mode */
	zj_u32 open_flags; /* open/creat: f_flags */
	zj_u16 path_len;   /* without NUL */
	zj_u16 path2_len;  /* without NUL; 0 when absent */
	zj_u64 dev;        /* s_dev of the file (fd-based operations; 0 otherwise) */
	zj_u64 ino;
	zj_u32 watch_id;   /* id of the watch entry that matched (zj_watch_val.id) */
	zj_s32 result;     /* rename, link, symlink (held to the syscall's exit): its return
			    * value; 0 for the others */
	char data[];
};

/* ZJ_REC_KMOD: which call (zj_rec_kmod.op). */
#define ZJ_KMOD_INIT 1  /* init_module(2): an image in memory */
#define ZJ_KMOD_FINIT 2 /* finit_module(2): an image from a file descriptor */
#define ZJ_KMOD_NAME_MAX 64 /* the kernel's MODULE_NAME_LEN is 64 - sizeof(long) */

/*
 * init_module/finit_module, emitted at syscall exit with the result.  name is the module's own
 * name when the kernel got as far as loading it (module:module_load fired in the call), else
 * empty.  Followed by data[]: path\0 (finit_module: the file's absolute path; else empty).
 */
struct zj_rec_kmod {
	struct zj_rec_hdr hdr;
	zj_u32 op;       /* ZJ_KMOD_* */
	zj_s32 fd;       /* finit_module: the descriptor; -1 for init_module */
	zj_u64 len;      /* init_module: the image's length in bytes; 0 for finit_module */
	zj_u32 mflags;   /* finit_module: MODULE_INIT_* flags */
	zj_s32 result;   /* the syscall's return value */
	zj_u64 dev;      /* finit_module: s_dev and inode of the file; 0 otherwise */
	zj_u64 ino;
	zj_u32 path_len; /* bytes of path in data[], without its NUL */
	zj_u32 _pad;
	char name[ZJ_KMOD_NAME_MAX]; /* NUL-terminated, "" when no module was loaded */
	char data[];
};

/*
 * Shared-object injection (somap.bpf.c): a ptrace or memory-write session by one process on
 * another marks the target for ZJ_INJECT_WINDOW_NS; an mmap with PROT_EXEC of a file in the
 * target during that window is reported with the injector and the file.  The actor of the
 * record (its header) is the target, which maps the library itself.
 */
#define ZJ_INJ_PTRACE 1  /* ptrace ATTACH/SEIZE or POKE*, process_vm_writev (T1055.008) */
#define ZJ_INJ_PROC_MEM 2 /* a write through /proc/<pid>/mem (T1055.009) */
#define ZJ_INJECT_WINDOW_NS (30ull * 1000000000ull)

struct zj_inject_sess {
	zj_u32 injector_tgid;
	zj_u32 via;             /* ZJ_INJ_* */
	zj_u64 injector_start_ns;
	zj_u64 ktime_ns;        /* the session's last write or attach (CLOCK_BOOTTIME) */
};

/* ZJ_REC_SOMAP.  Followed by data[]: path\0 (the mapped file, absolute). */
struct zj_rec_somap {
	struct zj_rec_hdr hdr;
	zj_u32 injector_tgid;
	zj_u32 via;              /* ZJ_INJ_* */
	zj_u64 injector_start_ns;
	zj_u64 session_ns;       /* when the session acted last */
	zj_u64 dev;              /* the mapped file */
	zj_u64 ino;
	zj_u32 prot;             /* PROT_* of the mmap */
	zj_u32 path_len;         /* without NUL */
	char data[];
};

/*
 * Enforcement classes: the sub-techniques a BPF LSM program can deny, the index of zj_enforce
 * and the bits of zj_kexc.klass_mask.  Append-only.
 */
#define ZJ_ENF_PTRACE 0   /* T1055.008: ptrace attach, process_vm_writev */
#define ZJ_ENF_PROC_MEM 1 /* T1055.009: /proc/<pid>/mem opened for writing */
#define ZJ_ENF_VDSO 2     /* T1055.014: mprotect of the caller's vDSO or vvar */
#define ZJ_ENF_AT 3       /* T1053.002 */
#define ZJ_ENF_CRON 4     /* T1053.003 */
#define ZJ_ENF_TIMER 5    /* T1053.006: picked by the kernel inside a ZJ_ENF_SERVICE tree */
#define ZJ_ENF_SERVICE 6  /* T1543.002 */
#define ZJ_ENF_PRELOAD 7  /* T1574.006 */
/*
 * File classes of the path table (daemon/watch.conf): a name takes the class of its watch
 * entry.  ZJ_ENF_FILE_FIRST..ZJ_ENF_FILE_LAST are the ones the file hooks deny; the kernel
 * refines ZJ_ENF_SERVICE (timers) and ZJ_ENF_PYSTART (only *.pth, sitecustomize.py and
 * usercustomize.py count; other names there are observed only).
 */
#define ZJ_ENF_SSH_KEYS 8     /* T1098.004 SSH Authorized Keys */
#define ZJ_ENF_SHELL_RC 9     /* T1546.004 Unix Shell Configuration Modification */
#define ZJ_ENF_RC_SCRIPTS 10  /* T1037.004 RC Scripts */
#define ZJ_ENF_KMOD 11        /* T1547.006 Kernel Modules and Extensions (the file part) */
#define ZJ_ENF_ACCOUNT 12     /* T1136.001 Local Account */
#define ZJ_ENF_GROUPS 13      /* T1098.007 Additional Local or Domain Groups */
#define ZJ_ENF_SUDO 14        /* T1548.003 Sudo and Sudo Caching */
#define ZJ_ENF_PAM 15         /* T1556.003 Pluggable Authentication Modules */
#define ZJ_ENF_UDEV 16        /* T1546.017 Udev Rules */
#define ZJ_ENF_XDG 17         /* T1547.013 XDG Autostart Entries */
#define ZJ_ENF_PYSTART 18     /* T1546.018 Python Startup Hooks */
#define ZJ_ENF_SETID 19   /* T1548.001: chmod adding S_ISUID/S_ISGID to a regular file */
#define ZJ_ENF_REFLECT 20 /* T1620: exec of an anonymous in-memory file (memfd) */
#define ZJ_ENF_NR 21
#define ZJ_ENF_FILE_FIRST ZJ_ENF_AT
#define ZJ_ENF_FILE_LAST ZJ_ENF_PYSTART
/* zj_watch_val.klass values that are no class: observed only, never denied */
#define ZJ_ENF_VERDICT 252 /* an executable with a YARA match: its exec is denied (no policy
			    * class: the verdict's alert was the finding) */
#define ZJ_ENF_SELF 253   /* self-protection: an operation on zhijiad itself (T1562.001) */
#define ZJ_ENF_CANARY 254 /* zhijiad's start-up self-test directory (denies its canary only) */
#define ZJ_ENF_NONE 255

/* The LSM hook that denied (zj_rec_deny.hook). */
#define ZJ_HOOK_PTRACE_ACCESS_CHECK 1
#define ZJ_HOOK_FILE_OPEN 2
#define ZJ_HOOK_FILE_MPROTECT 3
#define ZJ_HOOK_INODE_CREATE 4
#define ZJ_HOOK_INODE_RENAME 5
#define ZJ_HOOK_INODE_LINK 6
#define ZJ_HOOK_INODE_SYMLINK 7
#define ZJ_HOOK_TASK_KILL 8 /* self-protection */
#define ZJ_HOOK_BPF_MAP 9
#define ZJ_HOOK_BPF_PROG 10
#define ZJ_HOOK_BPF 11
#define ZJ_HOOK_BPRM_CHECK 12 /* bprm_check_security: an exec */
#define ZJ_HOOK_KERNEL_READ_FILE 13 /* kernel_read_file (READING_MODULE): finit_module */
#define ZJ_HOOK_KERNEL_LOAD_DATA 14 /* kernel_load_data (LOADING_MODULE): init_module */
#define ZJ_HOOK_PATH_CHMOD 15       /* path_chmod: chmod, fchmod, fchmodat, fchmodat2 */
#define ZJ_HOOK_MAX 16

/* What was denied (zj_rec_deny.op): the hook and the syscall in progress together. */
#define ZJ_DOP_PTRACE_ATTACH 1 /* ptrace_access_check in ptrace(2): ATTACH, SEIZE */
#define ZJ_DOP_VM_WRITEV 2     /* ptrace_access_check in process_vm_writev(2) */
#define ZJ_DOP_MEM_OPEN 3      /* file_open of another process's /proc/<pid>/mem for writing */
#define ZJ_DOP_MPROTECT 4      /* file_mprotect of the vDSO or vvar */
#define ZJ_DOP_CREATE 5        /* inode_create under a watched path */
#define ZJ_DOP_OPEN_WRITE 6    /* file_open for writing of a watched file */
#define ZJ_DOP_RENAME 7        /* inode_rename onto a watched path */
#define ZJ_DOP_LINK 8          /* inode_link onto a watched path */
#define ZJ_DOP_SYMLINK 9       /* inode_symlink under a watched path */
#define ZJ_DOP_SELF_TRACE 10   /* ptrace_access_check (attach mode) on zhijiad: ptrace,
				* /proc/<pid>/mem, process_vm_readv/writev */
#define ZJ_DOP_SELF_SIGNAL 11  /* task_kill: a signal that would stop or end zhijiad */
#define ZJ_DOP_SELF_BPF 12     /* bpf_map, bpf_prog, bpf: an fd for one of zhijiad's objects */
#define ZJ_DOP_EXEC 13         /* bprm_check_security: exec of a file on zj_exec_deny */
#define ZJ_DOP_KMOD_LOAD 14    /* kernel_read_file / kernel_load_data: a kernel module */
#define ZJ_DOP_SETID 15        /* path_chmod adding set-id bits; arg: the mode asked for */
#define ZJ_DOP_ANON_EXEC 16    /* bprm_check_security: exec of an anonymous in-memory file */
#define ZJ_DOP_MAX 17

/*
 * ZJ_REC_DENY: an LSM program returned -EPERM.  Followed by path\0, and hdr.size ends right
 * after that NUL (there is no length field).  The path is empty for the process classes
 * (ZJ_ENF_PTRACE, _PROC_MEM, _VDSO, _SELF); for ZJ_ENF_VERDICT it is the file name exec was
 * given (bprm->filename, as the caller wrote it); for a file class it is relative to the watched directory
 * of entry watch_id (for a single watched file: its name), because the inode hooks get no
 * vfsmount to build an absolute path with.  The daemon completes it from its watch list.
 * ZJ_ENF_KMOD: the module file's name (finit_module) or empty (init_module); ZJ_ENF_SETID:
 * the file's name, arg the mode asked for; ZJ_ENF_REFLECT: the file name exec was given.
 */
struct zj_rec_deny {
	struct zj_rec_hdr hdr;
	zj_u32 klass;      /* ZJ_ENF_* */
	zj_u32 hook;       /* ZJ_HOOK_* */
	zj_u32 target_pid; /* ZJ_ENF_PTRACE, _PROC_MEM: global tgid of the target; else 0 */
	zj_u32 watch_id;   /* file classes: zj_watch_val.id of the entry that matched; else 0 */
	zj_u32 op;         /* ZJ_DOP_* */
	zj_u32 arg;        /* ZJ_DOP_SELF_SIGNAL: the signal; ZJ_DOP_SELF_BPF: the object's id;
			    * else 0 */
	char path[];
};
#define ZJ_DENY_PATH_MAX 1024 /* bytes of a relative path kept, NUL included */

/* Largest record the kernel emits; per-field caps below. */
#define ZJ_PATH_MAX 4096 /* buffer for one path, NUL included */
#define ZJ_ARGS_MAX 8192 /* argv bytes kept from exec */
#define ZJ_NAME_MAX 256
#define ZJ_PRELOAD_MAX 1024 /* bytes of an LD_PRELOAD value kept, NUL included */
#define ZJ_ENV_SCAN_MAX 256 /* environment strings looked at for LD_PRELOAD */
#define ZJ_REC_MAX_SIZE                                                                            \
	(sizeof(struct zj_rec_exec) + 2 * ZJ_PATH_MAX + ZJ_ARGS_MAX + ZJ_PRELOAD_MAX)

/*
 * Watched paths, filled by the daemon from its watch configuration.
 *  - zj_watch_inodes: {dev, ino} of a watched directory (ZJ_W_SUBTREE: the directory and up to
 *    `depth` levels below it) or of the parent of watched files (ZJ_W_NAMES: only the names
 *    in zj_watch_names).
 *  - zj_watch_names: {dev, dir ino, name} of a single watched file.
 *  - zj_watch_prefix (LPM trie on path bytes): the same entries as strings, for syscalls that
 *    take a path (rename, link, unlink, chmod, truncate...) where no dentry is at hand.
 *    Directories are stored with a trailing '/', files with their terminating NUL, so a
 *    longest-prefix match means "inside the directory" or "exactly this file".
 */
#define ZJ_W_SUBTREE (1u << 0)
#define ZJ_W_NAMES (1u << 1)

struct zj_watch_key {
	zj_u64 dev; /* kernel s_dev (new_encode_dev form is not used: raw dev_t) */
	zj_u64 ino;
};

struct zj_watch_val {
	zj_u32 flags; /* ZJ_W_* */
	zj_u32 depth; /* ZJ_W_SUBTREE: levels below the directory that still count (>= 1) */
	zj_u32 id;    /* watch entry id, echoed in zj_rec_file.watch_id */
	zj_u32 klass; /* ZJ_ENF_FILE_FIRST.._FILE_LAST (ZJ_ENF_SERVICE covers timers too), or
		       * ZJ_ENF_NONE */
};

#define ZJ_WNAME_LEN 64
struct zj_watch_name_key {
	zj_u64 dev;
	zj_u64 ino;
	char name[ZJ_WNAME_LEN];
};

#define ZJ_PREFIX_MAX 256 /* bytes of path an LPM key holds (LPM_DATA_SIZE_MAX) */
struct zj_prefix_key {
	zj_u32 prefixlen; /* in bits */
	zj_u8 data[ZJ_PREFIX_MAX];
};

/*
 * Enforcement maps, filled by the daemon from the policy before the LSM programs attach and
 * after every policy change.
 *  - zj_enforce (ARRAY[ZJ_ENF_NR]): block is 1 when the sub-technique's action is block;
 *    kill is 1 when that block is enforced by SIGKILL from the tracepoint programs.
 *  - zj_exceptions (ARRAY[ZJ_KEXC_MAX]): the policy's exceptions that name an executable, a
 *    uid or a parent executable, by inode.  An entry with klass_mask 0 is unused.  Every
 *    criterion given must hold; an operation any entry matches is let through.
 */
struct zj_enforce_val {
	zj_u32 block; /* the policy says block */
	zj_u32 kill;  /* ...and no proved LSM hook denies the class here: the tracepoint
		       * programs send SIGKILL to the actor instead (the fallback), and the
		       * LSM programs leave the class alone */
};

/*
 * Self-protection: zhijiad's own BPF objects, which no one else may get an fd for.  Map,
 * program and link ids are separate number spaces: the key says which.
 */
#define ZJ_SELF_MAP 1
#define ZJ_SELF_PROG 2
#define ZJ_SELF_LINK 3
#define ZJ_SELF_KEY(kind, id) (((zj_u64)(kind) << 32) | (zj_u64)(id))
#define ZJ_SELF_MAX 256

/*
 * zj_exec_deny (HASH {dev, ino} -> 1, key struct zj_watch_key): executables a YARA rule
 * matched (not allow-listed), filled by zhijiad; bprm_check_security denies their exec.
 */
#define ZJ_EXEC_DENY_MAX 4096

#define ZJ_KEXC_MAX 64
#define ZJ_KEXC_ANY_UID 0xffffffffu
struct zj_kexc {
	zj_u32 klass_mask; /* bit ZJ_ENF_*: the classes it lets through; 0: unused entry */
	zj_u32 uid;        /* the actor's real uid, or ZJ_KEXC_ANY_UID */
	zj_u64 exe_dev;    /* the actor's executable (kernel dev_t, inode); ino 0: any */
	zj_u64 exe_ino;
	zj_u64 parent_dev; /* the executable of the actor's real parent; ino 0: any */
	zj_u64 parent_ino;
};

/* Per-CPU counters (zj_stats array), summed by the daemon. */
#define ZJ_STAT_LOST 0          /* ring buffer full: record dropped */
#define ZJ_STAT_READ_FAIL 1     /* a bpf_probe_read_* failed */
#define ZJ_STAT_PATH_TRUNC 2    /* a path did not fit and was truncated */
#define ZJ_STAT_STASH_FULL 3    /* syscall-exit stash map full: an exit could not be paired */
#define ZJ_STAT_STASH_MISS 4    /* a syscall exit found no stashed entry */
#define ZJ_STAT_SIGNAL_FAIL 5   /* bpf_send_signal failed */
#define ZJ_STAT_DENIED 6        /* operations an LSM program denied (canary included) */
#define ZJ_STAT_CANARY 7        /* of those, zhijiad's start-up canary (no record) */
#define ZJ_STAT_EMITTED 8       /* + ZJ_REC_*: records submitted per type */
#define ZJ_STAT_KILLED 24       /* actors sent SIGKILL by the fallback (zj_kill) */
#define ZJ_STAT_NR 32

/* Indices in the zj_config array map (daemon-written, read by every program). */
#define ZJ_CFG_DAEMON_TGID 0   /* zhijiad's own tgid: its file operations are not reported */
#define ZJ_CFG_PTRACE_LO 1     /* bit n: report ptrace request n (0..63) */
#define ZJ_CFG_PTRACE_HI 2     /* bit n: report ptrace request 0x4200 + n */
#define ZJ_CFG_WATCH_DEPTH 3   /* max ancestor levels checked against zj_watch_inodes (1..4) */
#define ZJ_CFG_WAKEUP_BYTES 4  /* batch wake-ups of bulk records until this much is queued */
#define ZJ_CFG_CANARY_TGID 5   /* zhijiad's canary child: every LSM class denies it, silently */
#define ZJ_CFG_MANAGER_TGID 6  /* the process that started zhijiad (its service manager): it
				* may signal zhijiad (self-protection, lsm.bpf.c) */
#define ZJ_CFG_MANAGER_START 7 /* that process's start_ns, against pid reuse */
#define ZJ_CFG_NR 8

#endif /* ZHIJIA_BPF_ABI_H */
