#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-lsm.sh (runs in the bench guest, BPF LSM active): what zhijia's programs -- the LSM
# hooks with the tracepoints beside them -- cost a syscall-heavy workload.  zj-syscalls runs
# each mode for ZJ_BENCH_SECONDS (default 2) without zhijiad, then with zhijiad running its
# built-in policy, alternating ZJ_BENCH_ROUNDS times (default 2) so that drift of the emulated
# machine falls on both sides.  Prints, per mode, the mean ns per operation of each side and
# their ratio (zhijia / baseline): the baseline is measured in the same run, on the same guest.
set -u

fail() {
	echo "bench-lsm: FAIL: $*"
	exit 1
}

[ -n "${ZJ_BUILD:-}" ] || fail "ZJ_BUILD is not set"
B=$ZJ_BUILD
[ -x "$B/zhijiad" ] && [ -x "$B/zhijiactl" ] && [ -x "$B/bench/zj-syscalls" ] ||
	fail "zhijiad, zhijiactl or bench/zj-syscalls missing in the guest"
secs=${ZJ_BENCH_SECONDS:-2}
rounds=${ZJ_BENCH_ROUNDS:-2}
modes="open_ro open_wr create_unlink rename mprotect kill0 write"
res=/tmp/bench-lsm.txt
: >"$res"
mkdir -p /var/log /etc/zhijia /tmp/bench || fail "mkdir"

measure() { # side
	for m in $modes; do
		line=$("$B/bench/zj-syscalls" "$m" "$secs" /tmp/bench) || fail "zj-syscalls $m"
		ns=$(echo "$line" | sed -n 's/.*"ns_per_op":\([0-9.]*\).*/\1/p')
		echo "$1 $m $ns" >>"$res"
	done
}

start_zhijiad() {
	"$B/zhijiad" --event-log /tmp/bench-events.jsonl --policy /tmp/bench-none.json \
		--socket /tmp/bench.sock >/dev/null 2>/tmp/bench-zhijiad.err &
	zpid=$!
	i=0
	until grep -q '^zhijiad: ready$' /tmp/bench-zhijiad.err; do
		i=$((i + 1))
		[ $i -le 1200 ] && kill -0 "$zpid" 2>/dev/null ||
			{ tail -20 /tmp/bench-zhijiad.err; fail "zhijiad did not become ready"; }
		sleep 0.1
	done
	grep -q 'enforcement lsm' /tmp/bench-zhijiad.err ||
		fail "zhijiad runs without BPF LSM here: $(grep '^zhijiad 0' /tmp/bench-zhijiad.err)"
}

stop_zhijiad() {
	"$B/zhijiactl" --socket /tmp/bench.sock stop >/dev/null || fail "zhijiactl stop"
	wait "$zpid"
}

r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	measure baseline
	start_zhijiad
	measure zhijia
	stop_zhijiad
done

echo "bench-lsm: kernel $(uname -r), $(nproc) CPUs (emulated), ${secs}s x $rounds rounds per mode and side"
printf 'bench-lsm: %-14s %12s %12s %8s\n' mode baseline_ns zhijia_ns ratio
awk -v modes="$modes" '
	{ sum[$1 " " $2] += $3; n[$1 " " $2]++ }
	END {
		k = split(modes, m, " ")
		for (i = 1; i <= k; i++) {
			b = sum["baseline " m[i]] / n["baseline " m[i]]
			z = sum["zhijia " m[i]] / n["zhijia " m[i]]
			printf "bench-lsm: %-14s %12.1f %12.1f %8.3f\n", m[i], b, z, z / b
		}
	}' "$res"
