#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# kernel-hooks.sh (runs in the test guest, Debian 12's own 6.1 kernel): the host's
# check_kernel_hooks suite, as it is.  Here init_module/finit_module exist (the build host's
# kernel may lack module support), so T1547.006 is observed for real; BPF LSM is active, so
# the kill-fallback case says it is tests/vm's zj-enforce that checks blocking.
set -u

[ -n "${ZJ_BUILD:-}" ] || { echo "kernel-hooks: FAIL: ZJ_BUILD is not set"; exit 1; }
[ -x "$ZJ_BUILD/tests/check_kernel_hooks" ] ||
	{ echo "kernel-hooks: FAIL: no check_kernel_hooks in the guest (VM_BINS)"; exit 1; }
mkdir -p /var/log /etc/zhijia || exit 1
CK_DEFAULT_TIMEOUT=60 "$ZJ_BUILD/tests/check_kernel_hooks" ||
	{ echo "kernel-hooks: FAIL: check_kernel_hooks failed"; exit 1; }
echo "ok - check_kernel_hooks passes on $(uname -r)"
