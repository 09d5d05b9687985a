/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process table: who each thread group is (ids, comm, exe, cmdline, lineage), whether it
 * is a system process or a protected application, and where its [vdso]/[vvar] lie.
 *
 * Seeded from /proc at start, then kept by the exec/fork/exit records.  A process is named by
 * (tgid, start_ns): start_ns is CLOCK_BOOTTIME of the thread-group leader's start, exact when
 * it came from a kernel record and tick-granular (1/CLK_TCK s) when it came from
 * /proc/<pid>/stat; two start times of which one is tick-granular are compared in ticks.
 *
 * Exited processes stay (marked dead) for late references to them, in a FIFO bounded by
 * ZJ_PROCTAB_DEAD_MAX; a new process with the same pid replaces a dead entry at once.
 *
 * Views (struct zj_str) handed out point into the table.  Lookups (lookup, ancestors, region)
 * may load, replace and reorder entries but never free memory: an entry that leaves the table
 * is freed when the next zj_proctab_exec/fork/exit/prune/set_protected call begins.  So the
 * views a caller got stay valid up to and through its next such call (decode looks the actor
 * up, then records its exit), and no longer.
 *
 * Not thread-safe: one table per thread (zhijiad decodes on one thread).
 */
#ifndef ZHIJIA_PROCTAB_H
#define ZHIJIA_PROCTAB_H

#include <stddef.h>
#include <stdint.h>

#include "zhijia/event.h"

#define ZJ_PROCTAB_DEAD_MAX 1024    /* dead entries kept for late references */
#define ZJ_PROCTAB_CMDLINE_MAX 4096 /* bytes of argv kept per process */
#define ZJ_PROCTAB_EXE_MAX 4096	    /* bytes of the executable path kept */

struct zj_proctab;

/* proc_root: "/proc", or a directory laid out like it (tests). */
int zj_proctab_new(const char *proc_root, struct zj_proctab **ret);
void zj_proctab_free(struct zj_proctab *t);

/* Load every process listed in proc_root.  Returns how many were loaded. */
int zj_proctab_seed(struct zj_proctab *t);

/*
 * A process executed a new image: p names it (pid, start_ns) and carries ppid, ids, the new
 * comm, exe and cmdline (NUL-separated argv, capped at ZJ_PROCTAB_CMDLINE_MAX).  Replaces or
 * creates the entry; forgets the cached vDSO ranges.
 */
int zj_proctab_exec(struct zj_proctab *t, const struct zj_proc *p);

/*
 * A new process: the child starts as a copy of the parent (ids, comm, exe, cmdline, vDSO
 * ranges), ppid = parent.  An unknown parent is loaded from proc_root; failing that the child
 * is read from proc_root itself, and failing that a partial entry (pid, ppid, start only,
 * reported without ZJ_PROC_KNOWN) keeps the lineage until its exec.
 */
int zj_proctab_fork(struct zj_proctab *t, uint32_t parent, uint32_t child, uint64_t child_start_ns);

/*
 * The process exited: the entry is marked dead and kept for late references.
 * -ENOENT if unknown, -ESRCH if the entry of that pid is another process (start_ns 0: any).
 */
int zj_proctab_exit(struct zj_proctab *t, uint32_t pid, uint64_t start_ns);

/*
 * Fill *ret (views into the table, flags | ZJ_PROC_KNOWN) for the process pid started at
 * start_ns (0: the current holder of pid, or the last one if it is gone).  A pid the table does
 * not hold, or holds for another start time, is read from proc_root.  A pid that is a thread
 * id is resolved to its thread group (ret->pid = tgid, ret->tid = the id asked for).
 * -ENOENT: no such process; -ESRCH: pid now names another process than start_ns says.
 */
int zj_proctab_lookup(struct zj_proctab *t, uint32_t pid, uint64_t start_ns, struct zj_proc *ret);

/*
 * The parent chain of pid, nearest first, pid itself not included: stops after pid 1, at
 * ppid 0, at a parent that cannot be found, at a parent that started after its child (the
 * parent's pid was reused) or on a loop.  Fills up to max entries; *ret_n says how many.
 */
int zj_proctab_ancestors(struct zj_proctab *t, uint32_t pid, struct zj_proc *ret_array, size_t max,
			 size_t *ret_n);

/*
 * Which special mapping of process pid [addr, addr + len) overlaps (len 0 counts as 1 byte):
 * ZJ_REGION_VDSO ([vdso]), ZJ_REGION_VVAR ([vvar], [vvar_vclock]) or ZJ_REGION_NONE.  The
 * ranges are read from maps once per image and cached.  -ENOENT when the process is unknown
 * or gone and nothing was cached, -ENODATA when its maps show neither region (a kernel thread,
 * a kernel booted with vdso=0): the caller then has to fall back on the kernel's view.
 */
int zj_proctab_region(struct zj_proctab *t, uint32_t pid, uint64_t addr, uint64_t len,
		      uint32_t *ret_region);

/* Forget the cached vDSO ranges of pid (after it mremap'ed or unmapped them). */
int zj_proctab_maps_changed(struct zj_proctab *t, uint32_t pid);

/* Protected applications: exact executable paths (copied).  Applied to all entries. */
int zj_proctab_set_protected(struct zj_proctab *t, const char *const *exes, size_t n);

/*
 * Mark dead every live entry whose process is no longer in proc_root (its exit record was
 * lost, e.g. ring buffer overflow).  Returns how many.
 */
int zj_proctab_prune(struct zj_proctab *t);

/* Entries held, live and dead. */
size_t zj_proctab_count(const struct zj_proctab *t);
/* Bytes the table has allocated (entries, strings, hash buckets; not malloc's overhead). */
size_t zj_proctab_memory(const struct zj_proctab *t);

/*
 * The start time of pid as /proc/<pid>/stat gives it (field 22, clock ticks after boot): with
 * the pid, it names a process, so that a reused pid is not taken for it.  0 or -errno.
 */
int zj_proc_start_ticks(uint32_t pid, uint64_t *ret);

#endif /* ZHIJIA_PROCTAB_H */
