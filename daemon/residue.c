// SPDX-License-Identifier: GPL-2.0-only
/* What a syscall killed by the fallback left behind (see residue.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zhijia/bpf_abi.h"
#include "proctab.h"
#include "quarantine.h"
#include "residue.h"
#include "util.h"
#include "watch.h"

#define PTRACE_ATTACH_REQ 16
#define USER_HZ_NS 10000000ull /* /proc/<pid>/stat starttime unit */

/* The killed tracer's PTRACE_ATTACH queued a SIGSTOP for its target: take it back. */
static int undo_attach(const struct zj_event *ev, char *out, size_t len)
{
	uint64_t ticks = 0;

	if (ev->ptrace.request != PTRACE_ATTACH_REQ || ev->ptrace.result != 0)
		return 0;
	if (!(ev->flags & ZJ_EVF_HAS_TARGET) || !ev->target.pid) {
		snprintf(out, len, "the target of the killed PTRACE_ATTACH is unknown: it may be "
				   "left stopped");
		return -ESRCH;
	}
	if (zj_proc_start_ticks(ev->target.pid, &ticks) < 0 ||
	    (ev->target.start_ns && ticks != ev->target.start_ns / USER_HZ_NS)) {
		snprintf(out, len, "pid %u is gone: no SIGCONT needed", ev->target.pid);
		return 0;
	}
	if (kill((pid_t)ev->target.pid, SIGCONT) < 0) {
		int r = negative_errno();

		snprintf(out, len, "SIGCONT to pid %u failed (%s): it may be left stopped",
			 ev->target.pid, strerror(-r));
		return r;
	}
	snprintf(out, len,
		 "sent SIGCONT to pid %u: the killed tracer's PTRACE_ATTACH had queued a SIGSTOP",
		 ev->target.pid);
	return 1;
}

static int keep(struct zj_quarantine **q, const char *dir, const char *path, const char *why,
		char *id)
{
	int r;

	if (!*q) {
		r = zj_quarantine_open(dir, q);
		if (r < 0)
			return r;
	}
	return zj_quarantine_put(*q, path, why, true, id);
}

static int undo_file(struct zj_quarantine **q, const char *dir, const struct zj_event *ev,
		     const char *technique, char *out, size_t len)
{
	char path[PATH_MAX], why[128], id[ZJ_QUARANTINE_ID_MAX] = "";
	uint32_t op = ev->file.op;
	struct stat st;
	int r;

	if (op == ZJ_FOP_OPEN_WRITE) {
		if (!(ev->flags & ZJ_EVF_O_TRUNC))
			return 0; /* the writer died before its first write: nothing changed */
		snprintf(out, len, "the open truncated %.*s before the kill: its previous "
				   "content is lost",
			 (int)ev->file.path.len, ev->file.path.ptr);
		return 0;
	}
	if (op != ZJ_FOP_CREATE && op != ZJ_FOP_RENAME && op != ZJ_FOP_LINK &&
	    op != ZJ_FOP_SYMLINK)
		return 0;
	if (op != ZJ_FOP_CREATE && ev->file.result != 0)
		return 0; /* the call failed: it left nothing */
	if (!ev->file.path.len || ev->file.path.len >= sizeof(path) ||
	    memchr(ev->file.path.ptr, '\0', ev->file.path.len) || ev->file.path.ptr[0] != '/') {
		snprintf(out, len, "the path of what the killed operation left is not usable: "
				   "nothing quarantined");
		return -EINVAL;
	}
	memcpy(path, ev->file.path.ptr, ev->file.path.len);
	path[ev->file.path.len] = '\0';
	if (lstat(path, &st) < 0) {
		snprintf(out, len, "%s is gone already: nothing to quarantine", path);
		return 0;
	}
	if (op == ZJ_FOP_CREATE && ev->file.ino &&
	    (st.st_ino != ev->file.ino || zj_kdev(st.st_dev) != ev->file.dev)) {
		snprintf(out, len, "%s is no longer the file the killed open created: left alone",
			 path);
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		snprintf(out, len, "%s is not a regular file or symlink: left alone", path);
		return 0;
	}
	snprintf(why, sizeof(why), "%s blocked: left by a %s whose actor (pid %u) was killed",
		 technique ? technique : "?", zj_file_op_name(op), ev->actor.pid);
	r = keep(q, dir, path, why, id);
	if (r < 0) {
		snprintf(out, len, "quarantine of %s failed: %s; it is still there", path,
			 strerror(-r));
		return r;
	}
	snprintf(out, len, "quarantined %s as %s%s", path, id,
		 op == ZJ_FOP_RENAME ? " (a file it replaced, if any, is lost)" : "");
	return 1;
}

int zj_residue_handle(struct zj_quarantine **q, const char *dir, const struct zj_event *ev,
		      const char *technique, char *out, size_t len)
{
	out[0] = '\0';
	if (!(ev->flags & ZJ_EVF_KILLED))
		return 0;
	switch (ev->type) {
	case ZJ_EV_PTRACE:
		return undo_attach(ev, out, len);
	case ZJ_EV_FILE:
		return undo_file(q, dir, ev, technique, out, len);
	default:
		return 0;
	}
}
