#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# arm64-btf.sh (runs first in the arm64 test guest): the guest is aarch64, carries BTF, and the
# BTF bpf/vmlinux/arm64/vmlinux.h was generated from (extracted from the kernel image on the
# host, tests/vm/btf-extract.c) is the very blob the running kernel serves, when it is the same
# kernel package.  A newer kernel of the series (the cache fetched a later ABI) only prints the
# difference: CO-RE relocates against the running kernel's BTF, which is what the other tests
# exercise.
set -u

fail() {
	echo "arm64-btf: FAIL: $*"
	exit 1
}

m=$(uname -m)
[ "$m" = aarch64 ] || fail "uname -m says $m, not aarch64"
[ -r /sys/kernel/btf/vmlinux ] || fail "no /sys/kernel/btf/vmlinux"
have=$(sha256sum /sys/kernel/btf/vmlinux | cut -d' ' -f1)
echo "arm64-btf: $(uname -r) $m; /sys/kernel/btf/vmlinux sha256 $have"
echo "arm64-btf: vmlinux.h from ${ZJ_BTF_KPKG:-?} ${ZJ_BTF_KVERSION:-?}, BTF sha256 ${ZJ_BTF_SHA256:-?}"
# Debian's /proc/version ends with the package version: "... #1 SMP Debian 6.1.192-2 (date)"
kver=$(sed -n 's/.* Debian \([^ ]*\) .*/\1/p' /proc/version)
if [ "linux-image-$(uname -r)" = "${ZJ_BTF_KPKG:-}" ] && [ "$kver" = "${ZJ_BTF_KVERSION:-}" ]; then
	[ "$have" = "${ZJ_BTF_SHA256:-}" ] ||
		fail "same kernel package, different BTF: regenerate with make vmlinux-arm64"
	echo "ok - the running kernel's BTF is the one vmlinux.h was generated from"
else
	echo "ok - another kernel than vmlinux.h's ($(uname -r) ${kver:-?}): CO-RE relocates"
fi
