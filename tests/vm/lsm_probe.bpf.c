// SPDX-License-Identifier: GPL-2.0-only
/*
 * lsm_probe: the VM harness's proof that BPF LSM enforcement works end to end in the guest (the
 * guest kernel's BTF for CO-RE, the verifier, the BPF trampoline, the LSM hook, libbpf).  One
 * lsm/file_open program denies opening one inode, named by (device, inode number) in the target
 * map, with -EPERM; every other open passes.
 *
 * Fails open: a missing target (ino 0) denies nothing, so that a probe loaded before its target
 * is set cannot lock the guest out of its own files.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "lsm_probe.h"

#define EPERM 1

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zj_lsm_probe_target);
} zj_target SEC(".maps");

/* Opens this program denied; the loader checks the count against the opens it made. */
__u64 zj_denied = 0;

SEC("lsm/file_open")
int BPF_PROG(zj_lsm_probe_file_open, struct file *file, int ret)
{
	const struct zj_lsm_probe_target *t;
	struct inode *inode;
	__u32 key = 0;

	/* A program earlier on the hook already refused: keep its verdict. */
	if (ret)
		return ret;
	t = bpf_map_lookup_elem(&zj_target, &key);
	if (!t || !t->ino)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	if (BPF_CORE_READ(inode, i_ino) != t->ino || BPF_CORE_READ(inode, i_sb, s_dev) != t->dev)
		return 0;
	__sync_fetch_and_add(&zj_denied, 1);
	return -EPERM;
}

char LICENSE[] SEC("license") = "GPL";
