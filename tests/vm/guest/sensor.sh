#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# sensor.sh (runs in the test guest, Debian 12's own 6.1 kernel): the sensor loads and attaches
# on the kernel zhijia's users run, and the integration suite of the host (check_sensor: real
# ptrace, /proc/<pid>/mem and vDSO writes, persistence files) passes there too.
set -u

fail() {
	echo "sensor: FAIL: $*"
	exit 1
}

[ -n "${ZJ_BUILD:-}" ] || fail "ZJ_BUILD is not set"
[ -x "$ZJ_BUILD/zhijiad" ] || fail "no zhijiad in the guest (VM_BINS)"
mkdir -p /var/log /etc/zhijia || fail "mkdir"

# 1. zhijiad alone: start, ready, stop cleanly.
log=/tmp/sensor-start.log
"$ZJ_BUILD/zhijiad" --event-log /tmp/sensor-events.jsonl --policy /tmp/none.json \
	--socket /tmp/zj.sock --verbose >/dev/null 2>"$log" &
pid=$!
i=0
while ! grep -q '^zhijiad: ready$' "$log"; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
		grep -v '^libbpf: ' "$log" | tail -20
		grep -B2 -A12 'BEGIN PROG LOAD LOG' "$log" | tail -60
		fail "zhijiad did not become ready"
	fi
	sleep 0.1
done
grep '^zhijiad 0' "$log"
kill -TERM "$pid" || fail "kill"
wait "$pid" || fail "zhijiad exited with status $?"
grep 'kernel records' "$log" || fail "no counters line at stop"
echo "ok - zhijiad starts, attaches and stops on $(uname -r)"

# 2. the host's integration suite, as it is
[ -x "$ZJ_BUILD/tests/check_sensor" ] || fail "no check_sensor in the guest (VM_BINS)"
CK_DEFAULT_TIMEOUT=60 "$ZJ_BUILD/tests/check_sensor" || fail "check_sensor failed"
echo "ok - check_sensor passes on $(uname -r)"
