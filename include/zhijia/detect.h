/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Detectors: one event plus its process context -> zero or more findings, each naming an
 * ATT&CK sub-technique, a severity and a one-line reason a person can act on:
 *
 *   T1055.008 high: pid 4242 python3 (/tmp/x) attached to sshd (pid 812) with PTRACE_ATTACH
 *
 * Portable tier (C11).  The detectors judge what happened; whether a finding is blocked,
 * alerted, recorded or dropped is the policy's call (policy.h: zj_policy_decide()).
 *
 * What is detected:
 *  - T1055.008 Ptrace System Calls: ptrace requests that attach or modify (ATTACH, SEIZE,
 *    POKETEXT/POKEDATA/POKEUSER, SETREGS/SETFPREGS/SETFPXREGS/SETREGSET, SETSIGINFO,
 *    SET_SYSCALL_INFO); PTRACE_TRACEME (low: the actor offers itself); process_vm_writev into
 *    another process.  process_vm_writev belongs here, not to T1055.009: Proc Memory is, in
 *    ATT&CK's words, injection "via the /proc filesystem", and process_vm_writev does not
 *    touch /proc; the kernel grants it on the same ptrace access check as PTRACE_ATTACH, and
 *    ATT&CK's detection strategy for Ptrace System Calls (DET0203) lists it among the calls
 *    to watch next to ptrace itself.
 *  - T1055.009 Proc Memory: opening another process's /proc/<pid>/mem for writing, and
 *    writes through such a descriptor.
 *  - T1055.014 VDSO Hijacking: any write (ptrace POKE, /proc/<pid>/mem, process_vm_writev)
 *    that lands in a vDSO or vvar page, in addition to the finding of the write itself; a
 *    process remapping, unmapping or re-protecting its own vDSO (vdso_map events).
 *  - T1053.002 At, T1053.003 Cron, T1053.006 Systemd Timers, T1543.002 Systemd Service,
 *    T1574.006 Dynamic Linker Hijacking: file operations on persistence paths (see
 *    zj_persist_classify()), and an exec whose environment has LD_PRELOAD.
 *
 *  - Windows (ZJ_EV_WIN_*, from Sysmon events): T1055.001/.002/.003/.004/.012/.013,
 *    T1053.005, T1543.003, T1547.001, T1546.010, T1574.001; what each rule looks at and what
 *    Sysmon cannot show is at the top of detectors/windows.c.
 * Benign patterns are still findings (so that hunting sees them), at low severity, with
 * ZJ_FIND_BENIGN and a short `benign` text; the policy records them instead of alerting:
 *  - a debugger on its own child: the target's parent is the actor;
 *  - a process writing its own memory (/proc/self/mem, process_vm_writev on itself): a low
 *    T1055.009 (or T1055.008) finding -- JITs and checkpointing tools do it;
 *  - a package manager (dpkg, apt, apt-get, aptitude, rpm, dnf, dnf5, microdnf, yum, zypper,
 *    unattended-upgrade, packagekitd) as the actor or one of its ancestors writing
 *    persistence files or starting programs with LD_PRELOAD;
 *  - LD_PRELOAD naming only libraries in system library directories (coreutils' stdbuf,
 *    fakeroot, eatmydata).
 * Removing a persistence file (unlink, or renaming it out of place) is a low-severity finding
 * with ZJ_FIND_REMOVAL: usually a cleanup, but an attacker covers tracks the same way.
 */
#ifndef ZHIJIA_DETECT_H
#define ZHIJIA_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zhijia/catalog.h"
#include "zhijia/event.h"

#define ZJ_SEV_INFO 0
#define ZJ_SEV_LOW 1
#define ZJ_SEV_MEDIUM 2
#define ZJ_SEV_HIGH 3
#define ZJ_SEV_CRITICAL 4

/* zj_finding.flags */
#define ZJ_FIND_BENIGN (1u << 0)    /* a benign pattern explains it; `benign` says which */
#define ZJ_FIND_SELF (1u << 1)	    /* the actor acted on itself */
#define ZJ_FIND_REMOVAL (1u << 2)   /* a persistence file was removed or moved away */
#define ZJ_FIND_FAILED (1u << 3)    /* the operation failed (it was still attempted) */
#define ZJ_FIND_TRUNCATED (1u << 4) /* reason was cut to fit; it ends in "..." */

/*
 * What the policy's default rule weighs (zj_finding.target): "alert when the target is a
 * system process or a protected application, record otherwise".
 */
/* event.target: the process written to or traced */
#define ZJ_TARGET_PROCESS 0
/* the actor itself: its own vDSO, its own image run with LD_PRELOAD */
#define ZJ_TARGET_ACTOR 1
/* system-wide configuration, run by system processes (PID 1, cron, atd, the dynamic linker of
 * every program): counts as a system process */
#define ZJ_TARGET_SYSTEM 2
/* one user's configuration (user units, a user's crontab or at job) */
#define ZJ_TARGET_USER 3

#define ZJ_REASON_MAX 512
#define ZJ_BENIGN_MAX 64
#define ZJ_FINDINGS_MAX 4 /* the most one event produces, with room */

struct zj_finding {
	char technique[ZJ_TECHNIQUE_ID_MAX]; /* "T1055.008" */
	uint32_t severity;		     /* ZJ_SEV_* */
	uint32_t flags;			     /* ZJ_FIND_* */
	uint32_t target;		     /* ZJ_TARGET_* */
	uint32_t _pad;
	char benign[ZJ_BENIGN_MAX]; /* "debugger on its own child"; "" unless ZJ_FIND_BENIGN */
	char reason[ZJ_REASON_MAX]; /* one line, control bytes escaped as \xNN */
};

#define ZJ_ANCESTORS_MAX 8

/* zj_detect_ctx.flags */
/* The process table says the actor forked the target (lineage, not a reparenting). */
#define ZJ_CTX_TARGET_CHILD (1u << 0)
/* exec: LD_PRELOAD is set in the new image's environment; its value is ld_preload. */
#define ZJ_CTX_LD_PRELOAD (1u << 1)
/* file: the path table (daemon/watch.conf) says the path means path_technique */
#define ZJ_CTX_PATH (1u << 2)
/* ... and this operation on that name counts there (its ops= and names= allow it) */
#define ZJ_CTX_PATH_COUNTS (1u << 3)
/* ... and the path lies in the home directory of user path_uid (a home/homefile entry) */
#define ZJ_CTX_PATH_HOME (1u << 4)
/* ... the entry matched the old name of a rename (the file was moved away) */
#define ZJ_CTX_PATH_OLD (1u << 5)

/*
 * What the daemon knows beyond the event, from its process table.  Views (zj_str) follow the
 * event's rule: valid while the event is handled.  A zeroed context (or NULL) means "nothing
 * known"; the detectors then rely on the event alone (target.ppid for the debugger pattern).
 */
struct zj_detect_ctx {
	uint32_t flags;	      /* ZJ_CTX_* */
	uint32_t n_ancestors; /* entries used in ancestors[] */
	/* The actor's parent, grandparent, ... nearest first (zj_proctab_ancestors()). */
	struct zj_proc ancestors[ZJ_ANCESTORS_MAX];
	struct zj_str ld_preload; /* ZJ_CTX_LD_PRELOAD: the variable's value */
	char path_technique[ZJ_TECHNIQUE_ID_MAX]; /* ZJ_CTX_PATH */
	uint32_t path_uid;			  /* ZJ_CTX_PATH_HOME */
	uint32_t _pad;
};

/*
 * Run every detector on ev.  Fills up to max findings (ZJ_FINDINGS_MAX is always enough) and
 * returns how many; -EINVAL on NULL ev or findings, -ENOSPC if max was too small.
 */
int zj_detect_event(const struct zj_event *ev, const struct zj_detect_ctx *ctx, size_t max,
		    struct zj_finding *ret_findings);

/*
 * Do the detectors look at ctx->ancestors for ev?  The daemon walks its process table for them
 * only then (or when the policy needs them, zj_policy_uses_ancestors()): the walk was a tenth
 * of a record's cost, and injections other than PTRACE_TRACEME never read them.
 */
bool zj_detect_uses_ancestors(const struct zj_event *ev);

/* "info", "low", "medium", "high", "critical"; "unknown" out of range. */
const char *zj_severity_name(uint32_t severity);

/*
 * Is p a system process, as the brief's default rule means it: PID 1, a kernel thread
 * (ZJ_PROC_KTHREAD, kthreadd and its children), or a daemon started by PID 1 (ppid 1) from a
 * system directory (/usr/bin, /usr/sbin, /bin, /sbin, /usr/lib*, /lib*, /usr/libexec) running
 * as a system user (uid < 1000).  ZJ_PROC_SYSTEM set by the process table is taken as is.
 * The ppid test cannot tell a daemon from an orphan reparented to PID 1; the uid and
 * directory tests narrow that, and a process table that knows the original parent should set
 * ZJ_PROC_SYSTEM itself.
 */
bool zj_proc_is_system(const struct zj_proc *p);

/* Is p one of the package managers listed above (executable basename, in a system directory;
 * for a Python or Perl interpreter, the script it runs)? */
bool zj_proc_is_package_manager(const struct zj_proc *p);

/* What a persistence path is (zj_persist.kind). */
#define ZJ_PERSIST_CRONTAB 1	   /* /etc/crontab, /etc/anacrontab */
#define ZJ_PERSIST_CRON_D 2	   /* a file in /etc/cron.d */
#define ZJ_PERSIST_CRON_PERIODIC 3 /* a script in /etc/cron.{hourly,daily,weekly,monthly} */
#define ZJ_PERSIST_USER_CRONTAB 4  /* /var/spool/cron/crontabs/USER, /var/spool/cron/USER */
#define ZJ_PERSIST_AT_JOB 5	   /* /var/spool/cron/atjobs/JOB, /var/spool/at/JOB */
#define ZJ_PERSIST_UNIT 6	   /* a systemd unit file */
#define ZJ_PERSIST_DROPIN 7	   /* a drop-in UNIT.d/NAME.conf */
#define ZJ_PERSIST_UNIT_LINK 8	   /* a symlink in UNIT.wants/, .requires/ or .upholds/ */
#define ZJ_PERSIST_DIR 9	   /* a cron or at spool directory itself (chmod, rename) */
#define ZJ_PERSIST_PRELOAD 10	   /* /etc/ld.so.preload */

struct zj_persist {
	const char *technique; /* "T1053.003" (static) */
	uint32_t kind;	       /* ZJ_PERSIST_* */
	uint32_t target;       /* ZJ_TARGET_SYSTEM or ZJ_TARGET_USER (at jobs: see below) */
	struct zj_str unit;    /* systemd: the unit the file counts for; crontab: the user */
};

/*
 * Classify an absolute, normalised path.  Returns 1 and fills *ret for a persistence path, 0
 * for any other path (ret untouched), -EINVAL on NULL.
 *
 * Cron (T1053.003): /etc/crontab, /etc/anacrontab, files directly in /etc/cron.d and
 *   /etc/cron.{hourly,daily,weekly,monthly}, user crontabs (/var/spool/cron/crontabs/USER and
 *   the Red Hat layout /var/spool/cron/USER) and those directories.  crontab(1)'s temporary
 *   files ("tmp.*", "#tmp.*") are not loaded by cron and are ignored: the rename that puts
 *   one in place is what counts.
 * At (T1053.002): jobs in /var/spool/cron/atjobs and /var/spool/at; the sequence file .SEQ and
 *   the job output spools (atspool/, at/spool/) are not jobs.  At jobs run as their owner,
 *   which the path does not say: they are ZJ_TARGET_USER here and the detector makes them
 *   ZJ_TARGET_SYSTEM when root (actor uid 0) writes them.
 * systemd (unit directories of the system and user managers: /etc, /run, /usr/lib, /lib,
 *   /usr/local/lib; ~/.config/systemd/user and ~/.local/share/systemd/user): a .timer is
 *   T1053.006; a .service, and every other unit type, is T1543.002 -- .socket and .path units
 *   exist to start a service, and .target/.mount/.swap/.slice/.scope/.automount/.device files
 *   change what PID 1 starts or how, which is "create or modify system process"; ATT&CK's
 *   Systemd Timers covers timers only.  A drop-in UNIT.d/NAME.conf counts for UNIT's type (a
 *   type-wide drop-in such as service.d/NAME.conf for every unit of that type); a symlink in
 *   UNIT.wants/, .requires/ or .upholds/ counts for the linked unit, named by the path.
 *   Files that are not units (no unit suffix) and deeper paths are ignored.
 * /etc/ld.so.preload: T1574.006.
 */
int zj_persist_classify(const char *path, size_t len, struct zj_persist *ret);

#endif /* ZHIJIA_DETECT_H */
