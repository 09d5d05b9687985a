#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# lsm-smoke.sh (runs in the test guest): BPF LSM is active and enforces.  'bpf' must be in the
# active LSM list and the kernel must carry BTF; then lsm-probe (tests/vm/lsm-probe.c) loads an
# lsm/file_open program that denies one file, and checks that the file's open fails with EPERM
# while another opens, in lsm-probe itself and in a second process (busybox cat), and that the
# file opens again once the program is gone.  In the guest nothing here is optional: a missing
# piece fails the test, it is not skipped.
set -u

fail() {
	echo "lsm-smoke: FAIL: $*"
	exit 1
}

lsm=$(cat /sys/kernel/security/lsm) || fail "cannot read /sys/kernel/security/lsm"
echo "lsm-smoke: active LSMs: $lsm"
case ",$lsm," in
*,bpf,*) ;;
*) fail "'bpf' is not in the active LSM list (boot with lsm=...,bpf)" ;;
esac
[ -r /sys/kernel/btf/vmlinux ] || fail "no /sys/kernel/btf/vmlinux for CO-RE to relocate against"
command -v lsm-probe >/dev/null || fail "lsm-probe is not in the guest (VM_BINS)"

dir=$(mktemp -d /tmp/lsm-smoke.XXXXXX) || fail "mktemp"
echo secret >"$dir/deny"
echo public >"$dir/allow"

# The command runs while the program is attached: another process, another binary.
# shellcheck disable=SC2016 # expanded by the inner shell
lsm-probe "$dir/deny" "$dir/allow" -- sh -c '
	if cat "$1" >/dev/null 2>"$3/err"; then
		echo "cat $1: it opened"; exit 1
	fi
	grep -q "Operation not permitted" "$3/err" || { echo "cat $1: $(cat "$3/err")"; exit 1; }
	[ "$(cat "$2")" = public ] || { echo "cat $2: failed"; exit 1; }
	echo "cat: $1 refused ($(cat "$3/err")); $2 read"
' sh "$dir/deny" "$dir/allow" "$dir" || fail "lsm-probe failed"
rm -rf "$dir"
echo "lsm-smoke: BPF LSM loads, attaches and denies in this kernel"
