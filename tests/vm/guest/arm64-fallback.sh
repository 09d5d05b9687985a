#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# arm64-fallback.sh (runs in the arm64 test guest): where BPF LSM cannot attach (arm64 before
# 6.4, see arm64-lsm.sh), `block` is enforced by killing the actor at the syscall: the host's
# integration suite check_fallback, as it is, on the arm64 kernel.  Where BPF LSM enforces,
# check_fallback itself skips (77), saying so.
set -u
[ -x "${ZJ_BUILD:-}/tests/check_fallback" ] || {
	echo "arm64-fallback: FAIL: no check_fallback in the guest (VM_BINS)"
	exit 1
}
mkdir -p /var/log /etc/zhijia || exit 1
CK_DEFAULT_TIMEOUT=120 "$ZJ_BUILD/tests/check_fallback"
