#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# arm64-lsm.sh (runs in the arm64 test guest): BPF LSM on arm64.  BPF LSM programs attach
# through a BPF trampoline, which arm64 gets only with ftrace direct calls (Linux 6.4);
# Debian 12's 6.1 arm64 kernel lists bpf among the active LSMs, loads LSM programs, and refuses
# to attach them (ENOTSUPP, 524).  So:
#   - where lsm-probe attaches, this runs lsm-smoke.sh and enforce.sh (zj-enforce), as the x86
#     guest does;
#   - where the attach is refused with ENOTSUPP, zhijiad must say so and fall back: the start-up
#     line says "lsm=no" with the reason and the enforcement mode is "kill" (check_fallback,
#     the next guest test, then proves that blocks kill); anything else fails.
set -u

fail() {
	echo "arm64-lsm: FAIL: $*"
	exit 1
}

guest=/zj/tests/vm/guest
[ -n "${ZJ_BUILD:-}" ] || fail "ZJ_BUILD is not set"
command -v lsm-probe >/dev/null || fail "lsm-probe is not in the guest (VM_BINS)"
f=/tmp/arm64-lsm.probe
echo x >/tmp/arm64-lsm.deny
echo y >/tmp/arm64-lsm.allow
lsm-probe /tmp/arm64-lsm.deny /tmp/arm64-lsm.allow -- true >"$f" 2>&1
rc=$?
cat "$f"
if [ $rc -eq 0 ]; then
	echo "arm64-lsm: BPF LSM programs attach on $(uname -r): the enforcement tests run"
	sh "$guest/lsm-smoke.sh" || fail "lsm-smoke.sh"
	sh "$guest/enforce.sh" || fail "enforce.sh"
	exit 0
fi
grep -q 'attaches: Unknown error 524' "$f" ||
	fail "lsm-probe failed, and not for want of a BPF trampoline (ENOTSUPP)"
echo "ok - $(uname -r): LSM programs load but cannot attach (ENOTSUPP: no BPF trampoline on arm64 before 6.4)"

mkdir -p /var/log /etc/zhijia || fail "mkdir"
log=/tmp/arm64-lsm.log
"$ZJ_BUILD/zhijiad" --event-log /tmp/arm64-lsm.jsonl --policy /tmp/arm64-lsm-policy.json \
	--socket /tmp/arm64-lsm.sock >/dev/null 2>"$log" &
pid=$!
i=0
while ! grep -q '^zhijiad: ready$' "$log"; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
		tail -20 "$log"
		fail "zhijiad did not become ready"
	fi
	sleep 0.1
done
grep '^zhijiad 0' "$log"
grep -q 'lsm=no (a BPF LSM program does not load here' "$log" ||
	fail "zhijiad's start-up line does not say why BPF LSM is not used"
echo "ok - zhijiad's start-up line says lsm=no and why"
"$ZJ_BUILD/zhijiactl" --json --socket /tmp/arm64-lsm.sock status >/tmp/arm64-lsm.status ||
	fail "zhijiactl status"
grep -q '"mode": *"kill"' /tmp/arm64-lsm.status || {
	cat /tmp/arm64-lsm.status
	fail "zhijiactl status does not say enforcement mode kill"
}
echo "ok - zhijiactl status: enforcement mode kill (the bpf_send_signal fallback)"
kill -TERM "$pid" || fail "kill"
wait "$pid" || fail "zhijiad exited with status $?"
