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
# The suite renames and links a file from its folder under /tmp onto /etc/cron.d, as on a host
# where both are one file system; the guest's /tmp is a tmpfs of its own (EXDEV).  In a mount
# namespace of the suite's own, /tmp is the root file system's (mkinitramfs.sh: mode 1777).
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m sh -c 'umount -l /tmp && CK_DEFAULT_TIMEOUT=120 exec "$1"' sh \
	"$ZJ_BUILD/tests/check_fallback"
