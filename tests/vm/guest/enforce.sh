#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# enforce.sh (runs in the test guest, BPF LSM active): `block` is real.  zj-enforce
# (tests/vm/zj-enforce.c) starts zhijiad and, for each sub-technique the kernel enforces, flips
# the policy live and checks that the operation fails with EPERM and changes nothing, that the
# event log says blocked, that an exception lets the named program through, that alert lets it
# happen and alerts, and that PID 1 is never blocked.
set -u

[ -n "${ZJ_BUILD:-}" ] || { echo "enforce: FAIL: ZJ_BUILD is not set"; exit 1; }
[ -x "$ZJ_BUILD/vm/zj-enforce" ] || { echo "enforce: FAIL: no zj-enforce in the guest (VM_BINS)"; exit 1; }
mkdir -p /var/log /etc/zhijia || exit 1
"$ZJ_BUILD/vm/zj-enforce"
rc=$?
[ $rc -eq 0 ] || { echo "enforce: zhijiad's stderr:"; cat /tmp/zj-enforce/zhijiad.err 2>/dev/null | tail -40; }
exit $rc
