#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# cg-record.sh [RECORDS]: zhijiad's CPU per record in instructions, which, unlike seconds, do
# not depend on what else the machine is doing.  Runs build/zhijiad under
# `valgrind --tool=callgrind`, zeroes the counts once it is ready, makes RECORDS (default
# 5000) /proc/<pid>/mem writes into a child (zj-storm mem, paced to 2000/s: each is a
# record, classified T1055.009 and logged with its finding), waits until zhijiad has logged
# them, dumps, and prints the instructions spent in the record callback (decode, proctab,
# detectors, policy, JSON) per record and the top functions under it.  User space only:
# the kernel's side of read/write is not counted.  Needs root and valgrind.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
B=${ZJ_BUILD:-$SRC/build}
N=${1:-5000}
tmp=$(mktemp -d /tmp/zj-cg.XXXXXX) || exit 1
vg_pid=""
cleanup() {
	[ -n "$vg_pid" ] && kill "$vg_pid" 2>/dev/null && wait "$vg_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
command -v valgrind >/dev/null || { echo "cg-record: valgrind is not installed" >&2; exit 1; }
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$B/zhijiad" \
	--event-log "$tmp/ev.jsonl" --policy "$tmp/absent.json" --socket "$tmp/zj.sock" \
	>/dev/null 2>"$tmp/err" &
vg_pid=$!
i=0
until grep -q '^zhijiad: ready$' "$tmp/err"; do
	i=$((i + 1))
	[ $i -gt 1200 ] && { tail -5 "$tmp/err" >&2; exit 1; }
	kill -0 "$vg_pid" 2>/dev/null || { tail -5 "$tmp/err" >&2; exit 1; }
	sleep 0.1
done
sleep 1
callgrind_control -z "$vg_pid" >/dev/null || exit 1
logged0=$(grep -c '"type":"mem_write"' "$tmp/ev.jsonl" 2>/dev/null)
"$B/bench/zj-storm" mem 1 "$(awk -v n="$N" 'BEGIN { print n / 2000 }')" 2000 >"$tmp/storm" ||
	exit 1
last=-1
while :; do
	sleep 1
	n=$(grep -c '"type":"mem_write"' "$tmp/ev.jsonl")
	[ "$n" = "$last" ] && break
	last=$n
done
callgrind_control -d "$vg_pid" >/dev/null || exit 1
sleep 1
f=$(ls -t "$tmp"/cg.out.* | head -1)
callgrind_annotate --inclusive=yes --tree=caller "$f" >"$tmp/ann" 2>/dev/null
calls=$(grep -E '< .*:on_record \(' "$tmp/ann" | head -1 | sed 's/.*(\([0-9,]*\)x).*/\1/' | tr -d ,)
incl=$(grep -E '\* .*:on_record_one ' "$tmp/ann" | head -1 | awk '{ gsub(/,/, "", $1); print $1 }')
echo "storm: $(cat "$tmp/storm")"
echo "mem_write records logged: $((last - ${logged0:-0})); records through the callback: $calls"
echo "instructions in the record callback: $incl, per record: $((incl / calls))"
callgrind_annotate --inclusive=yes "$f" 2>/dev/null | grep -E "^ *[0-9,]+ \(" | head -25
echo "self:"
callgrind_annotate "$f" 2>/dev/null | grep -E "^ *[0-9,]+ \(" | head -25
[ -n "${CG_KEEP:-}" ] && cp "$f" "$CG_KEEP"
