/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * After the fallback (no proved BPF LSM hook: the actor was killed with SIGKILL at the
 * syscall, enforce.bpf.h): the killed syscall still ran to its end, so undo what it left.
 *
 *   file create                the file the open created (empty: the writer died before its
 *                              first write) goes to the quarantine
 *   rename, link, symlink onto the new name goes to the quarantine, when the call succeeded
 *                              (a file it replaced is gone: said so)
 *   open with O_TRUNC          the old content is lost: said so, nothing to keep
 *   ptrace ATTACH              the SIGSTOP the attach queued for the target is undone with
 *                              SIGCONT, if the target is still the same process
 *   memory writes, vDSO        nothing is left (no page was written; the vDSO dies with the
 *                              process)
 *
 * A file is quarantined only if it is still the inode the event names (a file created) or a
 * regular file or symlink (rename, link, symlink): what another process put there since is
 * left alone and said so.
 */
#ifndef ZHIJIA_RESIDUE_H
#define ZHIJIA_RESIDUE_H

#include <stddef.h>

#include "zhijia/event.h"

struct zj_quarantine;

#define ZJ_RESIDUE_MAX 512

/*
 * Deal with what the killed operation of ev left.  *q is opened at dir on first use.
 * `technique` names the blocked sub-technique (the quarantine's reason).  The outcome in
 * words into out ("" when there was nothing to do).  Returns 1 when something was done, 0
 * when nothing was needed, a negative errno when what was needed failed (out says what).
 */
int zj_residue_handle(struct zj_quarantine **q, const char *dir, const struct zj_event *ev,
		      const char *technique, char *out, size_t len);

#endif /* ZHIJIA_RESIDUE_H */
