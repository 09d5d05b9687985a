/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Paths in BPF: building the absolute path of a dentry, resolving a user path argument against
 * dirfd / cwd, and deciding whether a path is watched.  BPF code only.
 *
 * Tracepoint programs cannot call bpf_d_path(), so paths are built by walking d_parent and
 * crossing mounts through struct mount (container_of struct vfsmount, offset from BTF).
 */
#ifndef ZHIJIA_PATH_BPF_H
#define ZHIJIA_PATH_BPF_H

#include "common.bpf.h"

#define ZJ_PATH_DEPTH 64   /* components walked before a path is marked truncated */
#define ZJ_PBUF_END (ZJ_PATH_MAX - 1)
#define ZJ_PMASK (ZJ_PATH_MAX - 1)
#define __zj_helper static __noinline __attribute__((unused))

/* Where a resolved path sits in zj_scratch.pbuf, and what is known of it. */
struct zj_pathres {
	__u32 off;   /* start in pbuf */
	__u32 len;   /* bytes, without NUL */
	__u32 flags; /* ZJ_F_RESOLVE, ZJ_F_TRUNC_PATH */
	__u32 id;    /* watch entry id that matched, 0 when decided by the daemon */
	__u32 klass; /* that entry's zj_watch_val.klass, when id != 0 */
	__u32 _pad;
};

static __always_inline struct mount *zj_real_mount(struct vfsmount *m)
{
	return (struct mount *)((void *)m - bpf_core_field_offset(struct mount, mnt));
}

/*
 * One step of the dentry walk, as a bpf_loop() callback: the verifier checks it a few times
 * instead of once per iteration (an open-coded 64-step walk exceeds its 1M-instruction
 * budget).  The walk's state lives in the scratch map, not on the stack: values loaded from
 * a map are unknown to the verifier, so the callback's states repeat at once; on the stack
 * the shrinking offset made every iteration a new state (~15k instructions a walk).
 */
static long zj_walk_step(__u32 i, void *ctx)
{
	struct zj_scratch *s = zj_scratch();
	struct zj_walk *w;
	struct dentry *d, *parent, *mnt_root;
	struct vfsmount *vm;
	struct mount *m;
	const unsigned char *name;
	__u32 len, off;

	if (!s)
		return 1;
	w = &s->walk;
	/* locals: CO-RE reads must not relocate the accesses to struct zj_walk itself */
	d = w->dentry;
	vm = w->vfsmnt;
	m = w->mnt;
	parent = BPF_CORE_READ(d, d_parent);
	mnt_root = BPF_CORE_READ(vm, mnt_root);
	if (d == mnt_root) {
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);

		if (mp == m) {
			w->done = 1; /* the root of the mount tree */
			return 1;
		}
		w->dentry = BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = mp;
		w->vfsmnt = (struct vfsmount *)((void *)mp + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	if (d == parent || !d) {
		w->done = 1; /* root of a detached tree */
		return 1;
	}
	len = BPF_CORE_READ(d, d_name.len) & (ZJ_NAME_MAX - 1);
	name = BPF_CORE_READ(d, d_name.name);
	off = w->off;
	/* "/" + name must fit in front of off: a path of PATH_MAX - 1 bytes ends at offset 0 */
	if (len + 1 > off || off > ZJ_PBUF_END) {
		w->trunc = 1;
		return 1;
	}
	off -= len;
	if (bpf_probe_read_kernel(&s->pbuf[off & ZJ_PMASK], len, name))
		zj_stat_inc(ZJ_STAT_READ_FAIL);
	off -= 1;
	s->pbuf[off & ZJ_PMASK] = '/';
	w->off = off;
	w->dentry = parent;
	return 0;
}

/*
 * Write the absolute path of (vfsmnt, dentry) into s->pbuf so that it ends at ZJ_PBUF_END
 * (where a NUL is stored).  Returns the offset where it starts; *ret_len is its length
 * without the NUL.  *ret_trunc is set when leading components did not fit or the walk was
 * longer than ZJ_PATH_DEPTH.
 */
__zj_helper __u32 zj_dentry_path(struct zj_scratch *s, struct vfsmount *vfsmnt,
				 struct dentry *dentry, __u32 *ret_len, __u32 *ret_trunc)
{
	struct zj_walk *w = &s->walk;
	__u32 off;

	w->vfsmnt = vfsmnt;
	w->mnt = zj_real_mount(vfsmnt);
	w->dentry = dentry;
	w->off = ZJ_PBUF_END;
	w->trunc = 0;
	w->done = 0;
	s->pbuf[ZJ_PBUF_END] = 0;
	bpf_loop(ZJ_PATH_DEPTH, zj_walk_step, NULL, 0);
	if (!w->done)
		w->trunc = 1;
	off = w->off;
	if (off > ZJ_PBUF_END)
		off = ZJ_PBUF_END;
	if (off == ZJ_PBUF_END) {
		off -= 1;
		s->pbuf[off] = '/';
	}
	if (w->trunc) {
		*ret_trunc = 1;
		zj_stat_inc(ZJ_STAT_PATH_TRUNC);
	}
	*ret_len = ZJ_PBUF_END - off;
	return off;
}

/* What zj_watch_match_dir() found. */
struct zj_wmatch {
	__u32 id;    /* zj_watch_val.id of the entry */
	__u32 klass; /* zj_watch_val.klass: ZJ_ENF_* or ZJ_ENF_NONE */
	__u32 level; /* 1: `name` is directly in the matched directory (or a watched file) */
	__u32 _pad;
};

/*
 * Is a name in directory `dir` watched?  Checks the directory itself (subtree or single
 * names) and up to ZJ_CFG_WATCH_DEPTH - 1 further ancestors (subtree watches with enough
 * depth: drop-in directories, *.wants/).  `name` is a kernel pointer (a d_name or scratch).
 */
__zj_helper int zj_watch_match_dir(struct dentry *dir, const char *name, struct zj_wmatch *ret)
{
	struct zj_watch_key k = {};
	struct zj_watch_val *v;
	__u64 maxd = zj_cfg(ZJ_CFG_WATCH_DEPTH);
	__u32 i;

	if (!dir)
		return 0;
	k.dev = BPF_CORE_READ(dir, d_sb, s_dev);
	for (i = 1; i <= 4; i++) {
		struct dentry *parent;

		if (i > maxd && i > 1)
			break;
		k.ino = BPF_CORE_READ(dir, d_inode, i_ino);
		v = bpf_map_lookup_elem(&zj_watch_inodes, &k);
		if (v) {
			if ((v->flags & ZJ_W_SUBTREE) && v->depth >= i) {
				ret->id = v->id;
				ret->klass = v->klass;
				ret->level = i;
				return 1;
			}
			if (i == 1 && (v->flags & ZJ_W_NAMES)) {
				struct zj_watch_name_key nk = {};

				nk.dev = k.dev;
				nk.ino = k.ino;
				if (bpf_probe_read_kernel_str(nk.name, sizeof(nk.name), name) > 0) {
					v = bpf_map_lookup_elem(&zj_watch_names, &nk);
					if (v) {
						ret->id = v->id;
						ret->klass = v->klass;
						ret->level = 1;
						return 1;
					}
				}
			}
		}
		parent = BPF_CORE_READ(dir, d_parent);
		if (parent == dir)
			break;
		dir = parent;
	}
	return 0;
}

/* Shape of a user path argument. */
#define ZJ_UP_ABS (1u << 0)   /* starts with '/' */
#define ZJ_UP_SLASH (1u << 1) /* has a '/' after the first byte */
#define ZJ_UP_ODD (1u << 2)   /* has ".", ".." or empty components: needs normalising */

/*
 * The shape of a path argument, found 8 bytes at a time with SWAR byte masks: the callback
 * has no data-dependent branches and only two 0/1 results as state, so the verifier checks
 * it in a few steps (a byte-wise state machine cost it ~50k instructions per use).  Words
 * are read 6 bytes apart, so every 3-byte pattern lies inside one word.  Bytes past the NUL
 * may be stale: a false "odd" only sends the path to the daemon, which decides.
 */
#define ZJ_ONES 0x0101010101010101ULL
#define ZJ_HIGHS 0x8080808080808080ULL

/* 0x80 in every byte of w equal to byte c (exact, no false positives). */
static __always_inline __u64 zj_byte_eq(__u64 w, __u64 c)
{
	__u64 t = w ^ (c * ZJ_ONES);

	return ~(((t & ~ZJ_HIGHS) + ~ZJ_HIGHS) | t | ~ZJ_HIGHS);
}

static long zj_shape_step(__u32 i, void *ctx)
{
	struct zj_scratch *s = zj_scratch();
	struct zj_shape *st;
	__u64 w = 0, sl, dot, end;
	__u32 at = (i * 6) & ZJ_PMASK;

	if (!s)
		return 1;
	st = &s->shape;
	if (at > ZJ_PATH_MAX - 8)
		return 1;
	__builtin_memcpy(&w, &s->ubuf[at], 8);
	sl = zj_byte_eq(w, '/');
	dot = zj_byte_eq(w, '.');
	end = sl | dot | zj_byte_eq(w, 0);
	/* "//", then "/./", "/..", "/.\0" (little endian: the next byte is 8 bits up) */
	st->odd |= (sl & (sl << 8)) | (sl & (dot >> 8) & (end >> 16));
	st->slash |= sl;
	return 0;
}

/* Shape of the NUL-terminated string of n bytes (NUL included) in s->ubuf. */
__zj_helper __u32 zj_upath_shape(struct zj_scratch *s, __u32 n)
{
	struct zj_shape *st = &s->shape;
	__u32 shape = 0;
	char c0, c1, c2;

	if (n <= 1 || n > ZJ_PATH_MAX)
		return ZJ_UP_ODD;
	c0 = s->ubuf[0];
	c1 = s->ubuf[1];
	c2 = n > 2 ? s->ubuf[2] : 0;
	if (c0 == '/')
		shape |= ZJ_UP_ABS;
	/* leading "./", "../", "." or ".." of a relative path */
	if (c0 == '.' && (c1 == '/' || c1 == 0 || (c1 == '.' && (c2 == '/' || c2 == 0))))
		shape |= ZJ_UP_ODD;
	st->odd = 0;
	st->slash = 0;
	bpf_loop((n + 5) / 6, zj_shape_step, NULL, 0);
	if (st->odd)
		shape |= ZJ_UP_ODD;
	/* a '/' after the first byte makes a relative path more than a bare name */
	if ((st->slash & ~0x80ULL) || (n > 8 && st->slash))
		shape |= ZJ_UP_SLASH;
	return shape;
}

/* Longest-prefix lookup of the path at s->pbuf[off], len bytes (no NUL) in zj_watch_prefix. */
__zj_helper int zj_prefix_match(struct zj_scratch *s, __u32 off, __u32 len, __u32 *ret_id,
				__u32 *ret_klass)
{
	struct zj_watch_val *v;
	__u64 n = (__u64)len + 1; /* the NUL takes part: it makes file entries exact */

	if (n > ZJ_PREFIX_MAX)
		n = ZJ_PREFIX_MAX;
	barrier_var(n);
	if (off > ZJ_PATH_MAX + 1)
		off = ZJ_PATH_MAX + 1;
	if (bpf_probe_read_kernel(s->key.data, n, &s->pbuf[off]))
		return 0;
	s->key.prefixlen = n * 8;
	v = bpf_map_lookup_elem(&zj_watch_prefix, &s->key);
	if (!v)
		return 0;
	*ret_id = v->id;
	*ret_klass = v->klass;
	return 1;
}

/* The dentry and mount that dirfd (or the cwd for AT_FDCWD) names. */
static __always_inline int zj_dirfd_path(int dirfd, struct vfsmount **ret_mnt,
					 struct dentry **ret_dentry)
{
	if (dirfd == ZJ_AT_FDCWD) {
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();

		*ret_mnt = BPF_CORE_READ(t, fs, pwd.mnt);
		*ret_dentry = BPF_CORE_READ(t, fs, pwd.dentry);
	} else {
		struct file *f = zj_fd_file(dirfd);

		if (!f)
			return -1;
		*ret_mnt = BPF_CORE_READ(f, f_path.mnt);
		*ret_dentry = BPF_CORE_READ(f, f_path.dentry);
	}
	return *ret_dentry ? 0 : -1;
}

/*
 * Resolve a user path argument (dirfd, upath) to an absolute path in s->pbuf and decide
 * whether it is watched.  Returns 1 when the operation must be reported, with the path in
 * *res; res->flags gets ZJ_F_RESOLVE (the daemon normalises and decides) or ZJ_F_TRUNC_PATH.  Returns 0 when not watched (the path is built only when
 * `force`), -1 when unreadable.
 *
 * Cheap cases first: a bare name relative to dirfd/cwd is decided on the directory's inode
 * without building any string.
 */
__zj_helper int zj_upath_resolve(struct zj_scratch *s, int dirfd, const char *upath, int force,
				 struct zj_pathres *res)
{
	__u32 *ret_off = &res->off, *ret_len = &res->len, *ret_flags = &res->flags;
	__u32 *ret_id = &res->id;
	struct vfsmount *mnt = NULL;
	struct dentry *dir = NULL;
	__u32 shape, off, len, trunc = 0;
	int matched = 0;
	long n;

	n = bpf_probe_read_user_str(s->ubuf, ZJ_PATH_MAX, upath);
	if (n <= 1)
		return -1;
	shape = zj_upath_shape(s, (__u32)n);

	/*
	 * n is 2..ZJ_PATH_MAX with the NUL: a path of PATH_MAX - 1 bytes fills ubuf.  (A mask
	 * with ZJ_PMASK made its copies 0 bytes long: such paths went unreported, or were
	 * reported with stale bytes.)  64-bit, clamped right before each use (see
	 * zj_rec_put_path).
	 */
	if (shape & ZJ_UP_ABS) {
		__u64 cn = (__u64)n;

		if (cn > ZJ_PATH_MAX)
			cn = ZJ_PATH_MAX;
		cn &= 2 * ZJ_PATH_MAX - 1;
		barrier_var(cn);
		/* Copy the argument into the path buffer so that every case ends up there. */
		if (bpf_probe_read_kernel(s->pbuf, cn, s->ubuf))
			return -1;
		s->pbuf[ZJ_PBUF_END] = 0;
		*ret_off = 0;
		*ret_len = ((__u32)n - 1) & ZJ_PMASK;
		if (shape & ZJ_UP_ODD) {
			*ret_flags |= ZJ_F_RESOLVE;
			*ret_id = 0;
			return 1;
		}
		return zj_prefix_match(s, 0, *ret_len, ret_id, &res->klass);
	}

	if (zj_dirfd_path(dirfd, &mnt, &dir))
		return -1;
	if (!(shape & (ZJ_UP_SLASH | ZJ_UP_ODD))) {
		struct zj_wmatch m = {};

		matched = zj_watch_match_dir(dir, s->ubuf, &m);
		*ret_id = m.id;
		res->klass = m.klass;
		if (!matched && !force)
			return 0;
	}
	/* base path, then "/" and the argument appended after it */
	off = zj_dentry_path(s, mnt, dir, &len, &trunc);
	{
		__u64 cn = (__u64)n;

		if (cn > ZJ_PATH_MAX)
			cn = ZJ_PATH_MAX;
		cn &= 2 * ZJ_PATH_MAX - 1;
		barrier_var(cn);
		if (len == 1) {
			/* base is "/": the argument goes right after it, over the NUL */
			bpf_probe_read_kernel(&s->pbuf[ZJ_PBUF_END], cn, s->ubuf);
			len = (__u32)n;
		} else {
			s->pbuf[ZJ_PBUF_END] = '/';
			bpf_probe_read_kernel(&s->pbuf[ZJ_PATH_MAX], cn, s->ubuf);
			len += (__u32)n;
		}
	}
	if (len > ZJ_PBUF_END) {
		/* keep the tail: the file name matters more than the leading directories */
		off += len - ZJ_PBUF_END;
		len = ZJ_PBUF_END;
		trunc = 1;
	}
	*ret_off = off;
	*ret_len = len;
	if (trunc) {
		*ret_flags |= ZJ_F_TRUNC_PATH | ZJ_F_RESOLVE;
		*ret_id = 0;
		return 1;
	}
	if (!(shape & (ZJ_UP_SLASH | ZJ_UP_ODD)))
		return matched; /* decided on the directory */
	if (shape & ZJ_UP_ODD) {
		*ret_flags |= ZJ_F_RESOLVE;
		*ret_id = 0;
		return 1;
	}
	return zj_prefix_match(s, off, len, ret_id, &res->klass);
}

/*
 * Append a path from s->pbuf (offset `off`, `len` bytes, as zj_dentry_path or
 * zj_upath_resolve left it) to the file record being built in s->rec, at data offset `at`.
 * Returns the bytes written, NUL included.  A path never exceeds ZJ_PBUF_END (PATH_MAX - 1)
 * bytes here and never starts past ZJ_PATH_MAX + 1 (see zj_upath_resolve), so the copy stays
 * inside pbuf; the clamps make that visible to the verifier.
 */
static __always_inline __u32 zj_rec_put_path(struct zj_scratch *s, __u32 at, __u32 off32,
					     __u32 len32)
{
	/*
	 * 64-bit locals, masked right before use: older verifiers (6.1) forget the bounds of a
	 * 32-bit value the compiler spilled to the stack between the check and the call.
	 */
	__u64 base = sizeof(struct zj_rec_file) + (at & (2 * ZJ_PATH_MAX - 1));
	__u64 len = len32, off = off32;

	if (len > ZJ_PBUF_END)
		len = ZJ_PBUF_END;
	if (off > ZJ_PATH_MAX + 1)
		off = ZJ_PATH_MAX + 1;
	len &= ZJ_PMASK;
	off &= 2 * ZJ_PATH_MAX - 1;
	barrier_var(len);
	barrier_var(off);
	if (bpf_probe_read_kernel(&s->rec[base], len, &s->pbuf[off]))
		zj_stat_inc(ZJ_STAT_READ_FAIL);
	s->rec[(base + len) & (4 * ZJ_PATH_MAX - 1)] = 0;
	return (__u32)len + 1;
}

#endif /* ZHIJIA_PATH_BPF_H */
