/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ARR (Antiy Response Rule): the brief's response rules -- a named list of instructions
 * ("actions"), each with its fields and an optional condition -- parsed and validated here,
 * run by the Linux back end.  Portable tier: C11 + json-c; nothing here touches the system.
 * The format, every instruction and what it does on Linux: zhijia-arr(5).
 *
 *   {"name": "...", "force": false,
 *    "actions": [{"action": "File_Delete", "filenames": ["upcfg.db"], "condition": "alldisk"},
 *                ...]}
 *
 * The life of a rule:
 *   zj_arr_parse()      JSON text -> struct zj_arr_rule; the whole rule is validated, every
 *                       action, before anything can run.  Nothing is returned on error.
 *   zj_arr_expand()     automatic disposal: ${actor.pid}, ${path}... replaced with a finding's
 *                       values, and the result validated again.  A rule with variables
 *                       (rule->needs_ctx) runs only after this.
 *   zj_arr_plan_build() --dry-run: one step per action saying what it would touch; the back end
 *                       adds the objects it finds (zj_arr_plan_add_object()).
 *
 * Decisions (documented in zhijia-arr(5)):
 *   - Instruction names and keywords (alldisk, equal/Unequal, backup, suspend...) match
 *     without regard to ASCII case: the brief itself writes both "Other_QuickScan" and
 *     "Other_quickScan", "equal" and "Unequal".  Field names are JSON keys and are exact.
 *   - Windows-only instructions (Reg_*, Script_Bat, Script_Vbs, Script_PWL, Other_Fix_patch)
 *     are known by name and refused: "Reg_Delete is not supported on linux".  The Windows
 *     port parses with zj_arr_parse_platform(ZJ_ARR_WINDOWS), which takes the Reg_* fields
 *     (key, value, value_type, data, to), checks the paths of File_* as drive-letter Windows
 *     paths (zj_arr_is_critical_win_path() for "force"), and refuses what its executor does
 *     not run (instructions, and fields such as File_Attribute's POSIX "mode" and "owner").
 *   - Duplicate keys in the rule or an action are errors (json-c would keep the last one
 *     silently; another reader might keep the first).
 *   - Literal paths in files-changing actions that zj_arr_is_critical_path() names are refused
 *     unless the rule says "force": true.
 *
 * Rules are immutable once parsed; a rule may be shared by threads that only read it.
 */
#ifndef ZHIJIA_ARR_H
#define ZHIJIA_ARR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zhijia/detect.h"
#include "zhijia/event.h"

#define ZJ_ARR_ERR_MAX 1024	    /* a size for err buffers that fits every message */
#define ZJ_ARR_TEXT_MAX (16u << 20) /* bytes of rule text */
#define ZJ_ARR_ACTIONS_MAX 256	    /* actions in one rule */
#define ZJ_ARR_LIST_MAX 1024	    /* entries of one list field (filenames, pids...) */
#define ZJ_ARR_NAME_MAX 256	    /* bytes of the rule's name */
#define ZJ_ARR_PATH_MAX 4095	    /* bytes of a path (PATH_MAX without the NUL) */
#define ZJ_ARR_FILENAME_MAX 255	    /* bytes of a file name (NAME_MAX) */
#define ZJ_ARR_STR_MAX 4096	    /* bytes of other short strings (commands, matches) */
#define ZJ_ARR_BODY_MAX (1u << 20)  /* bytes of a script body or of file content */
#define ZJ_ARR_SECTOR_SIZE 512	    /* the MBR: sector 0, compared and restored */
#define ZJ_ARR_DEPTH_MAX 100	    /* alldisk_deep:N */
#define ZJ_ARR_TIMEOUT_DEFAULT 300  /* seconds a script may run */
#define ZJ_ARR_TIMEOUT_MAX 3600
#define ZJ_ARR_PID_MAX 4194304 /* Linux's PID_MAX_LIMIT */

/* Every instruction of the brief's table, in its order.  Names: zj_arr_instr_name(). */
enum zj_arr_instr {
	ZJ_ARR_REG_CREATE, /* Windows only, like the four after it */
	ZJ_ARR_REG_MODIFY,
	ZJ_ARR_REG_DELETE,
	ZJ_ARR_REG_RENAME,
	ZJ_ARR_REG_DELETE_VALUE,
	ZJ_ARR_TASK_CREATE,
	ZJ_ARR_TASK_MODIFY,
	ZJ_ARR_TASK_DELETE,
	ZJ_ARR_FILE_CREATE,
	ZJ_ARR_FILE_MODIFY,
	ZJ_ARR_FILE_DELETE,
	ZJ_ARR_FILE_RENAME,
	ZJ_ARR_FILE_ATTRIBUTE,
	ZJ_ARR_FILE_DELTEXT,
	ZJ_ARR_FILE_REPAIR_MBR,
	ZJ_ARR_PROC_CREATE,
	ZJ_ARR_PROC_MODIFY,
	ZJ_ARR_PROC_TERMINATE,
	ZJ_ARR_PROC_MODULE_THREADS,
	ZJ_ARR_SCRIPT_BAT, /* Windows only */
	ZJ_ARR_SCRIPT_SHELL,
	ZJ_ARR_SCRIPT_VBS, /* Windows only */
	ZJ_ARR_SCRIPT_PWL, /* Windows only */
	ZJ_ARR_SCRIPT_FILE,
	ZJ_ARR_OTHER_DEVICE,
	ZJ_ARR_OTHER_NETOFF,
	ZJ_ARR_OTHER_DISABLED_PORT,
	ZJ_ARR_OTHER_DISABLED_IP,
	ZJ_ARR_OTHER_FIX_PATCH, /* Windows only */
	ZJ_ARR_OTHER_CREATE_MUTEX,
	ZJ_ARR_OTHER_QUICKSCAN,
	ZJ_ARR_INSTR_MAX
};

/* The brief's spelling ("File_repairMbr", "Other_QuickScan"); "unknown" out of range. */
const char *zj_arr_instr_name(enum zj_arr_instr instr);
/* Case-insensitive.  -ENOENT for a name not in the table. */
int zj_arr_instr_parse(const char *name, enum zj_arr_instr *ret);
/* Whether the Linux back end runs it (false for the Windows-only ones). */
bool zj_arr_instr_on_linux(enum zj_arr_instr instr);
/* Whether the Windows executor (daemon/windows/arr-win.c) runs it: Reg_*, File_Create,
 * File_Modify, File_Delete, File_Rename, File_Attribute, File_DelText, Proc_Modify,
 * Proc_Terminate, Script_Bat, Script_PWL. */
bool zj_arr_instr_on_windows(enum zj_arr_instr instr);

/* The platform a rule is parsed for (zj_arr_parse_platform()). */
#define ZJ_ARR_LINUX 0
#define ZJ_ARR_WINDOWS 1

/* ---- the parsed rule ------------------------------------------------------------------------- */

struct zj_arr_strv {
	size_t n;
	char **v;
};

struct zj_arr_bytes {
	size_t len;
	uint8_t *data;
};

/* An IPv4 or IPv6 address or network (host bits zero). */
struct zj_arr_net {
	uint8_t family;	  /* 4 or 6 */
	uint8_t prefix;	  /* 1-32 or 1-128 (32 / 128: one address) */
	uint8_t addr[16]; /* network byte order; IPv4 uses the first 4 bytes */
};

struct zj_arr_netv {
	size_t n;
	struct zj_arr_net *v;
};

struct zj_arr_port_range {
	uint16_t first; /* 1-65535 */
	uint16_t last;	/* >= first; == first for one port */
};

struct zj_arr_portv {
	size_t n;
	struct zj_arr_port_range *v;
};

/* Before zj_arr_expand(), a pid may stand for a variable. */
#define ZJ_ARR_PID_ACTOR (-1)  /* ${actor.pid} */
#define ZJ_ARR_PID_TARGET (-2) /* ${target.pid} */

struct zj_arr_pidv {
	size_t n;
	int64_t *v; /* 2 .. ZJ_ARR_PID_MAX, or ZJ_ARR_PID_* */
};

enum zj_arr_cond_kind {
	ZJ_ARR_COND_NONE,  /* no condition, or "" */
	ZJ_ARR_COND_SCOPE, /* where to search for files */
	ZJ_ARR_COND_MBR,   /* [equal|Unequal],[offset:N],[hex bytes] */
};

enum zj_arr_scope {
	ZJ_ARR_SCOPE_NONE,
	ZJ_ARR_SCOPE_ALLDISK,	   /* every local file system */
	ZJ_ARR_SCOPE_SYSTEMDISK,   /* the file systems on the disk that holds / */
	ZJ_ARR_SCOPE_DISKROOT,	   /* the top directory of each local file system */
	ZJ_ARR_SCOPE_ALLDISK_DEEP, /* every local file system, at most depth levels down */
	ZJ_ARR_SCOPE_UDISK,	   /* removable media */
};

struct zj_arr_cond {
	enum zj_arr_cond_kind kind;
	enum zj_arr_scope scope;       /* COND_SCOPE */
	uint32_t depth;		       /* SCOPE_ALLDISK_DEEP: 1-100; 0 otherwise */
	bool mbr_equal;		       /* COND_MBR: act when the bytes are equal (else: unequal) */
	uint32_t mbr_offset;	       /* COND_MBR: offset in sector 0 */
	struct zj_arr_bytes mbr_bytes; /* COND_MBR: 1..512 bytes, offset + len <= 512 */
};

enum zj_arr_state {
	ZJ_ARR_STATE_NONE,
	ZJ_ARR_STATE_SUSPEND,
	ZJ_ARR_STATE_RESUME,
};

enum zj_arr_task_type {
	ZJ_ARR_TASK_NONE,
	ZJ_ARR_TASK_CRON,  /* a cron entry */
	ZJ_ARR_TASK_TIMER, /* a systemd timer unit */
};

/* Reg_Create, Reg_Modify: the value's type ("value_type"; REG_SZ when not given). */
enum zj_arr_value_type {
	ZJ_ARR_REG_NONE,
	ZJ_ARR_REG_SZ,
	ZJ_ARR_REG_EXPAND_SZ,
	ZJ_ARR_REG_DWORD, /* "data": decimal or 0x hex, at most 0xffffffff */
	ZJ_ARR_REG_QWORD,
};

enum zj_arr_protocol {
	ZJ_ARR_PROTO_BOTH, /* default */
	ZJ_ARR_PROTO_TCP,
	ZJ_ARR_PROTO_UDP,
};

enum zj_arr_direction {
	ZJ_ARR_DIR_BOTH, /* default */
	ZJ_ARR_DIR_IN,
	ZJ_ARR_DIR_OUT,
};

/*
 * One action: its instruction and the fields that instruction takes (zhijia-arr(5) lists
 * them); every other member is zero / NULL / empty, or -1 where noted.  Strings are
 * NUL-terminated and contain no NUL.  Paths are absolute and normalised (no "//", ".", "..",
 * no trailing "/").
 *
 * When needs_ctx is set, the fields marked [var] may hold ${variables} (and "$${" for a
 * literal "${"): they are templates until zj_arr_expand().  Otherwise they are final values.
 */
struct zj_arr_action {
	enum zj_arr_instr instr;
	bool needs_ctx;		 /* has ${variables}: run only after zj_arr_expand() */
	struct zj_arr_cond cond; /* "condition" */

	/* Files */
	char *path; /* [var] the file (File_*, Proc_Create: program, Script_File) */
	char *to;   /* [var] File_Rename: new path */
	struct zj_arr_strv filenames; /* [var] File_Delete: bare names (search) or paths */
	struct zj_arr_strv sha256;    /* File_Delete: only files with these digests (lower hex) */
	char *content;		      /* File_Create, File_Modify: the new content (may be "") */
	char *append;		      /* File_Modify: text appended */
	int64_t offset;		      /* File_Modify: where hex is written; -1: not given */
	struct zj_arr_bytes hex;      /* File_Modify: bytes written; File_DelText: bytes removed */
	struct zj_arr_strv text;      /* [var] File_DelText: lines containing one are removed */
	int32_t mode;		      /* File_Create, File_Attribute: 0-07777; -1: not given */
	char *owner;	/* File_Create, File_Attribute: "user", "user:group", ":group" */
	int immutable;	/* File_Attribute: 1 set, 0 clear, -1 not given */
	bool overwrite; /* File_Create: replace an existing file */
	char *data;	/* File_repairMbr: "backup" or the path of a sector image;
			 * Reg_Create, Reg_Modify: the value's data (by value_type) */
	char *disk;	/* File_repairMbr: "/dev/sda"; NULL: every system disk */

	/* Processes */
	struct zj_arr_strv modules;	/* [var] Proc_Module_Threads: names or paths mapped */
	struct zj_arr_strv names;	/* [var] Proc_Modify, Proc_Terminate: comm or exe name */
	struct zj_arr_strv executables; /* [var] Proc_Modify, Proc_Terminate: exe paths */
	struct zj_arr_pidv pids;	/* [var] Proc_Modify, Proc_Terminate */
	struct zj_arr_strv args;	/* [var] Proc_Create, Script_File: argv[1..] */
	char *user;			/* Proc_Create, Task_Create: user name or uid */
	enum zj_arr_state state;	/* Proc_Modify (required), Proc_Module_Threads (suspend) */

	/* Scheduled tasks */
	enum zj_arr_task_type type;
	char *task;		  /* cron: a file in /etc/cron.d; timer: a unit ("x.timer") */
	char *schedule;		  /* cron: 5 fields or @daily...; timer: OnCalendar= */
	char *command;		  /* Task_Create: the command line (never expanded) */
	struct zj_arr_strv match; /* [var] Task_Modify, Task_Delete (cron): lines containing */
	int enabled;		  /* Task_Modify: 1 enable, 0 disable, -1 not given */

	/* Scripts */
	char *script;	  /* Script_Shell: the body, run by /bin/sh (never expanded) */
	uint32_t timeout; /* Script_*: seconds, 1-3600 (ZJ_ARR_TIMEOUT_DEFAULT if not given) */

	/* Other */
	struct zj_arr_strv devices;	 /* Other_Device: USB "1-1.2" or "vid:pid" (lower hex) */
	struct zj_arr_netv management;	 /* Other_NetOff: addresses that stay reachable */
	struct zj_arr_netv ips;		 /* Other_Disabled_Ip */
	struct zj_arr_portv ports;	 /* Other_Disabled_Port */
	enum zj_arr_protocol protocol;	 /* Other_Disabled_Port */
	enum zj_arr_direction direction; /* Other_Disabled_Port, Other_Disabled_Ip */
	char *mutex;			 /* Other_Create_Mutex: "/path" or "@abstract-socket" */
	bool undo; /* Other_Device, _NetOff, _Disabled_*, _Create_Mutex: reverse it */

	/* Registry (Windows) */
	char *key;   /* Reg_*: "HKLM\\SOFTWARE\\..." (HKLM, HKCU, HKU, HKCR and the long names) */
	char *value; /* Reg_*: a value's name ("" is the key's default value); Reg_Rename: the
		      * value to rename (else the key); "to" is the new name */
	enum zj_arr_value_type value_type;
};

struct zj_arr_rule {
	char *name;
	bool force;	/* "force": true: system-critical paths may be changed */
	int platform;	/* ZJ_ARR_LINUX, ZJ_ARR_WINDOWS: the grammar it was parsed with */
	bool needs_ctx; /* some action has ${variables} */
	size_t n_actions;
	struct zj_arr_action *actions;
};

/*
 * Parse and validate a rule (text need not be NUL-terminated).  filename is only used in
 * messages: "FILE:LINE:COL: invalid JSON: ..." for syntax errors, and
 * "FILE:LINE:COL: actions[2].condition: unknown scope 'alldsk'; valid: ..." for everything
 * else -- the JSON path of what is wrong, at its place in the text (line and column 1-based,
 * columns in characters).  err may be NULL; ZJ_ARR_ERR_MAX bytes fit every message.
 * Returns 0, -EBADMSG (not JSON), -EINVAL (not a valid rule), -EOPNOTSUPP (a Windows-only
 * instruction), -ENOMEM; *ret is set only on success.
 */
int zj_arr_parse(const char *text, size_t len, const char *filename, struct zj_arr_rule **ret,
		 char *err, size_t errlen);

/* The same for a platform: ZJ_ARR_LINUX (zj_arr_parse()) or ZJ_ARR_WINDOWS. */
int zj_arr_parse_platform(int platform, const char *text, size_t len, const char *filename,
			  struct zj_arr_rule **ret, char *err, size_t errlen);

void zj_arr_rule_free(struct zj_arr_rule *rule);

/*
 * Is changing or removing path refused without "force"?  1: yes; 0: no; -EINVAL: path is not
 * a normalised absolute path (so `if (zj_arr_is_critical_path(p))` refuses it too).  The
 * list (zhijia-arr(5)): "/" and the top-level system directories themselves; everything under
 * /boot, /proc, /sys, /dev (but /dev/shm, /dev/mqueue), /etc/pam.d, /etc/security,
 * /lib/modules, /usr/lib/modules; the account, boot and loader files of /etc; init, the
 * shells, su, sudo, login, sshd, ldconfig; the dynamic loader and libc; zhijia's own files.
 * The back end calls it again at run time on every path it found or resolved.
 */
int zj_arr_is_critical_path(const char *path);

/*
 * The same for a Windows path ("C:\\Windows\\System32"; -EINVAL: not a local drive-letter
 * path as rules parsed for Windows write them).  On every drive, ignoring case: the drive's
 * root, \\Windows, System32, SysWOW64, drivers, drivers\\etc\\hosts, Tasks, Program Files,
 * ProgramData, Users and a few more themselves; everything under System32\\config (the
 * registry's hives), WinSxS, \\Boot, \\EFI, \\Recovery, ProgramData\\zhijia; the kernel, the
 * loader, the session and logon processes and the base DLLs in System32 and SysWOW64.  The
 * Windows executor calls it again on the path a file resolves to.
 */
int zj_arr_is_critical_win_path(const char *path);

/* ---- automatic disposal: variables ----------------------------------------------------------- */

/*
 * What a finding gives a rule.  Zero / empty: not known; a variable without a value is an
 * error.  Views need not be NUL-terminated and must stay valid during zj_arr_expand().
 *
 *   ${actor.pid} ${actor.exe} ${actor.comm} ${target.pid} ${target.exe} ${path} ${technique}
 */
struct zj_arr_ctx {
	uint32_t actor_pid;
	struct zj_str actor_exe;
	struct zj_str actor_comm;
	uint32_t target_pid;
	struct zj_str target_exe;
	struct zj_str path; /* the file the finding is about */
	struct zj_str technique;
};

/*
 * The context of finding f on event ev: actor and (if the event has one) target; path is a
 * file event's path or an exec event's filename; technique is f's.  Views point into ev and
 * f.  f may be NULL.  Returns 0, -EINVAL.
 */
int zj_arr_ctx_from_event(const struct zj_event *ev, const struct zj_finding *f,
			  struct zj_arr_ctx *ret);

/*
 * A copy of rule with every ${variable} replaced by ctx's value, validated again as if its
 * values had been written literally (paths, pids, system-critical paths and "force").
 * Values are data: what they contain ("${x}", quotes, ";", newlines) is never expanded or
 * parsed again.  Scripts and task commands are never expanded; the back end passes the
 * context to scripts in the environment (ZJ_ACTOR_PID, ZJ_ACTOR_EXE, ZJ_ACTOR_COMM,
 * ZJ_TARGET_PID, ZJ_TARGET_EXE, ZJ_PATH, ZJ_TECHNIQUE).  A rule without variables is copied.
 * Errors name the JSON path ("actions[1].pids[0]: ${target.pid} has no value: ...").
 * Returns 0, -EINVAL, -ENOMEM; *ret is set only on success.
 */
int zj_arr_expand(const struct zj_arr_rule *rule, const struct zj_arr_ctx *ctx,
		  struct zj_arr_rule **ret, char *err, size_t errlen);

/* ---- dry run --------------------------------------------------------------------------------- */

/* What a step works on. */
enum zj_arr_object {
	ZJ_ARR_OBJ_FILES,
	ZJ_ARR_OBJ_SECTOR,
	ZJ_ARR_OBJ_PROCESSES,
	ZJ_ARR_OBJ_TASKS,
	ZJ_ARR_OBJ_SCRIPT,
	ZJ_ARR_OBJ_DEVICES,
	ZJ_ARR_OBJ_NETWORK,
	ZJ_ARR_OBJ_MARKER,
	ZJ_ARR_OBJ_SCAN,
};

/* zj_arr_plan_step.flags */
#define ZJ_ARR_STEP_CHANGES (1u << 0)	 /* changes or removes something */
#define ZJ_ARR_STEP_QUARANTINE (1u << 1) /* what it removes or overwrites is kept first */
#define ZJ_ARR_STEP_SEARCH (1u << 2)	 /* finds its objects by searching file systems */
#define ZJ_ARR_STEP_EXECUTES (1u << 3)	 /* runs a program or a script */
#define ZJ_ARR_STEP_UNDOABLE (1u << 4)	 /* the same instruction reverses it ("undo", resume) */
#define ZJ_ARR_STEP_FORCED (1u << 5)	 /* names a system-critical path; allowed by "force" */
#define ZJ_ARR_STEP_TEMPLATE (1u << 6)	 /* has ${variables} not yet expanded */

struct zj_arr_plan_step {
	size_t index; /* in rule->actions */
	enum zj_arr_instr instr;
	enum zj_arr_object object;
	uint32_t flags;		    /* ZJ_ARR_STEP_* */
	char *summary;		    /* one line: "File_Delete: delete files named ..." */
	struct zj_arr_strv objects; /* what the back end found it would touch */
};

struct zj_arr_plan {
	char *name; /* the rule's */
	size_t n_steps;
	struct zj_arr_plan_step *steps;
};

/* One step per action, in order.  Summaries escape control bytes as \xNN.  0, -ENOMEM. */
int zj_arr_plan_build(const struct zj_arr_rule *rule, struct zj_arr_plan **ret);
void zj_arr_plan_free(struct zj_arr_plan *plan);
/* Record a concrete object (a path, "pid 1234 (kworkerds)"...).  -EINVAL, -ENOSPC (more
 * than ZJ_ARR_PLAN_OBJECTS_MAX), -ENOMEM. */
#define ZJ_ARR_PLAN_OBJECTS_MAX 100000
int zj_arr_plan_add_object(struct zj_arr_plan *plan, size_t step, const char *object);
/*
 * The plan as text, one numbered line per step and its objects indented under it, or as one
 * JSON object {"name":..., "steps":[{"index":0, "action":"File_Delete", "object":"files",
 * "flags":["changes",...], "summary":..., "objects":[...]}]}.  Allocated with malloc(),
 * NUL-terminated; returns the length, or -ENOMEM.
 */
int zj_arr_plan_to_text(const struct zj_arr_plan *plan, char **ret_text);
int zj_arr_plan_to_json(const struct zj_arr_plan *plan, char **ret_text);

#endif /* ZHIJIA_ARR_H */
