// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process lifecycle: exec (filename, the executable's resolved path, argv), fork of a new
 * process, exit of a whole process.  These keep the daemon's process table; they come in
 * storms, so they are submitted without waking the daemon (see zj_wakeup_flags).
 */
#include "enforce.bpf.h"

/*
 * One environment string per step (bpf_loop callback, state in the scratch map): is it
 * LD_PRELOAD=...?  Reading each string whole is what tells where the next one starts.
 */
static long zj_env_step(__u32 i, void *ctx)
{
	struct zj_scratch *s = zj_scratch();
	struct zj_envscan *e;
	long n;

	if (!s)
		return 1;
	e = &s->env;
	if (e->cur >= e->end) {
		e->done = 1;
		return 1;
	}
	n = bpf_probe_read_user_str(s->ubuf, ZJ_PATH_MAX, (void *)e->cur);
	if (n <= 0 || n >= ZJ_PATH_MAX)
		return 1; /* unreadable, or longer than we can step over: stop, not done */
	if (n > 11 && s->ubuf[0] == 'L' && s->ubuf[1] == 'D' && s->ubuf[2] == '_' &&
	    s->ubuf[3] == 'P' && s->ubuf[4] == 'R' && s->ubuf[5] == 'E' && s->ubuf[6] == 'L' &&
	    s->ubuf[7] == 'O' && s->ubuf[8] == 'A' && s->ubuf[9] == 'D' && s->ubuf[10] == '=') {
		/* the first one wins, as for getenv() in the dynamic linker */
		e->found = 1;
		e->val = e->cur + 11;
		return 1;
	}
	e->cur += (__u64)n;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(zj_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct zj_scratch *s = zj_scratch();
	struct zj_rec_exec *r;
	struct file *file;
	struct mm_struct *mm;
	__u32 flags = 0, trunc = 0, off, len = 0, pos, size;
	__u64 astart, aend, alen;
	const char *fname;
	char c = 0;
	long n;

	if (!s)
		return 0;
	r = (struct zj_rec_exec *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));

	/* the filename as passed to execve (may be relative, or /dev/fd/N) */
	fname = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str(r->data, ZJ_PATH_MAX, fname);
	if (n < 1) {
		n = 1;
		r->data[0] = 0;
	}
	/* a full buffer: cut, unless the name was exactly PATH_MAX - 1 bytes (its NUL fitted) */
	if (n == ZJ_PATH_MAX && (bpf_probe_read_kernel(&c, 1, fname + ZJ_PATH_MAX - 1) || c))
		flags |= ZJ_F_TRUNC_PATH;
	r->filename_len = (__u32)n - 1;
	pos = (__u32)n;

	/* the file that is really executed, resolved */
	file = BPF_CORE_READ(bprm, file);
	off = zj_dentry_path(s, BPF_CORE_READ(file, f_path.mnt), BPF_CORE_READ(file, f_path.dentry),
			     &len, &trunc);
	if (len > ZJ_PBUF_END)
		len = ZJ_PBUF_END;
	if (off > ZJ_PATH_MAX + 1)
		off = ZJ_PATH_MAX + 1;
	if (pos > ZJ_PATH_MAX)
		pos = ZJ_PATH_MAX;
	if (bpf_probe_read_kernel(&r->data[pos], len, &s->pbuf[off]))
		zj_stat_inc(ZJ_STAT_READ_FAIL);
	r->data[pos + len] = 0;
	/*
	 * T1620: an anonymous file is its own root (memfd's pseudo dentry): the walk gives "/".
	 * Name it as /proc/<pid>/exe does, "/memfd:NAME", so that the image is named at all.
	 */
	if (len == 1 && zj_file_anon(file)) {
		long m = bpf_probe_read_kernel_str(&r->data[pos + 1], ZJ_NAME_MAX,
						   BPF_CORE_READ(file, f_path.dentry, d_name.name));

		if (m > 1)
			len = (__u32)m; /* "/" and the name, without its NUL */
		else
			r->data[pos + 1] = 0;
	}
	r->exe_len = len;
	if (trunc)
		flags |= ZJ_F_TRUNC_PATH2;
	pos += len + 1;

	/* argv, straight from the new image's stack: NUL-separated already */
	mm = BPF_CORE_READ(p, mm);
	astart = BPF_CORE_READ(mm, arg_start);
	aend = BPF_CORE_READ(mm, arg_end);
	alen = aend > astart ? aend - astart : 0;
	if (alen > ZJ_ARGS_MAX) {
		alen = ZJ_ARGS_MAX;
		flags |= ZJ_F_TRUNC_ARGS;
	}
	if (pos > 2 * ZJ_PATH_MAX)
		pos = 2 * ZJ_PATH_MAX;
	if (alen && bpf_probe_read_user(&r->data[pos], alen, (void *)astart)) {
		zj_stat_inc(ZJ_STAT_READ_FAIL);
		alen = 0;
	}
	if (alen && r->data[pos + alen - 1] != 0) {
		/* cut inside an argument: keep the record's promise of NUL-terminated args */
		r->data[pos + alen - 1] = 0;
		flags |= ZJ_F_TRUNC_ARGS;
	}
	r->args_len = (__u32)alen;
	r->argc = BPF_CORE_READ(bprm, argc);
	r->old_tid = (__u32)old_pid;
	pos += (__u32)alen;

	/* LD_PRELOAD in the new environment (T1574.006) */
	s->env.cur = BPF_CORE_READ(mm, env_start);
	s->env.end = BPF_CORE_READ(mm, env_end);
	s->env.found = 0;
	s->env.done = 0;
	if (zj_can_loop) /* else: not scanned, ZJ_F_TRUNC_ENV */
		bpf_loop(ZJ_ENV_SCAN_MAX, zj_env_step, NULL, 0);
	if (s->env.found) {
		if (pos > 2 * ZJ_PATH_MAX + ZJ_ARGS_MAX)
			pos = 2 * ZJ_PATH_MAX + ZJ_ARGS_MAX;
		n = bpf_probe_read_user_str(&r->data[pos], ZJ_PRELOAD_MAX, (void *)s->env.val);
		if (n < 1) {
			n = 1;
			r->data[pos] = 0;
		}
		r->preload_len = (__u32)n - 1;
		flags |= ZJ_F_LD_PRELOAD;
		pos += (__u32)n;
	} else if (!s->env.done) {
		flags |= ZJ_F_TRUNC_ENV;
	}

	/*
	 * Fileless execution (T1620): the image is an anonymous in-memory file.  Fallback
	 * enforcement: SIGKILL before the new image runs a single instruction of its own.
	 */
	if (zj_file_anon(file)) {
		flags |= ZJ_F_ANON_EXE;
		flags |= zj_kill(ZJ_ENF_REFLECT);
	}

	size = sizeof(*r) + pos;
	zj_fill_hdr(&r->hdr, ZJ_REC_EXEC, size);
	r->hdr.flags = flags;
	zj_output(ctx, r, size, ZJ_REC_EXEC, 1);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(zj_fork, struct task_struct *parent, struct task_struct *child)
{
	struct zj_rec_fork *r;
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u32 ptgid = BPF_CORE_READ(parent, tgid);

	if (BPF_CORE_READ(child, pid) != ctgid)
		return 0; /* a new thread, not a new process */
	/* a /proc/<pid>/mem fd open for writing is inherited: so is the inspection of writes */
	if (zj_bit_test(&zj_memfd_bits, ptgid))
		zj_bit_set(&zj_memfd_bits, ctgid);
	r = zj_reserve(ZJ_REC_FORK, sizeof(*r));
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	zj_fill_hdr(&r->hdr, ZJ_REC_FORK, sizeof(*r));
	r->child_tgid = ctgid;
	r->child_start_ns = zj_task_start_ns(child);
	zj_submit(ctx, r, ZJ_REC_FORK, 1);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(zj_exit, struct task_struct *p)
{
	zj_emit_exit(ctx, p);
	return 0;
}
