/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lsm_probe: the record lsm-probe (user space) writes into lsm_probe.bpf.c's target map.  Shared
 * by the BPF program and its loader, so fixed-width fields and written-out padding only.
 */
#ifndef ZJ_LSM_PROBE_H
#define ZJ_LSM_PROBE_H

#ifndef __VMLINUX_H__ /* BPF code has the __u* types from vmlinux.h */
#include <linux/types.h>
#endif

struct zj_lsm_probe_target {
	__u64 ino; /* inode number; 0: no target, nothing is denied */
	__u32 dev; /* the kernel's dev_t of the inode's super block: major << 20 | minor */
	__u32 pad;
};

#endif
