#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# cg-record.sh [RECORDS] [mem|persist]: zhijiad's CPU per record in instructions, which, unlike
# seconds, do not depend on what else the machine is doing.  Runs build/zhijiad under
# `valgrind --tool=callgrind`, zeroes the counts once it is ready, makes about RECORDS (default
# 5000) records, paced to CG_RATE a second (default 2000; past what zhijiad drains under
# callgrind the kernel drops records, and those that came are counted), waits until zhijiad has
# logged them, dumps, and prints the instructions spent in the record callback (decode,
# proctab, detectors, policy, JSON) per record and the top functions under it.  The workloads:
#   mem      (default) /proc/<pid>/mem writes into a child (zj-storm mem): each is a record,
#            classified T1055.009 and logged with its finding
#   persist  create + rename + unlink of a file in CG_PERSIST_DIR (default /etc/cron.d, named
#            zj-bench.PID.a and .b, removed at the end, on failure too) by zj-syscalls persist:
#            three records an operation, each with a T1053.003 finding, the create and the
#            rename alerted to journald (from another thread: the instructions of every
#            thread of zhijiad per record are printed too, journald's own are not counted).
#            Past 1000 alerts a second of a technique (ZJ_ALERTQ_BURST) the rest are counted
#            into a summary, not sent: CG_RATE=30000 shows a storm's share of each.
# User space only: the kernel's side of read/write is not counted.  Needs root and valgrind.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
B=${ZJ_BUILD:-$SRC/build}
N=${1:-5000}
MODE=${2:-mem}
RATE=${CG_RATE:-2000}
PDIR=${CG_PERSIST_DIR:-/etc/cron.d}
case "$N" in *[!0-9]* | "" | 0)
	echo "cg-record: RECORDS must be a positive integer" >&2
	exit 2
	;;
esac
case "$RATE" in *[!0-9]* | "" | 0)
	echo "cg-record: CG_RATE must be a positive integer" >&2
	exit 2
	;;
esac
case "$MODE" in mem | persist) ;; *)
	echo "cg-record: unknown mode '$MODE' (mem, persist)" >&2
	exit 2
	;;
esac
tmp=$(mktemp -d /tmp/zj-cg.XXXXXX) || exit 1
vg_pid="" storm_pid="" spid=""
cleanup() {
	[ -n "$storm_pid" ] && kill "$storm_pid" 2>/dev/null && wait "$storm_pid" 2>/dev/null
	# zj-syscalls removes its files itself, unless it was killed with SIGKILL
	[ -n "$spid" ] && rm -f "$PDIR/zj-bench.$spid.a" "$PDIR/zj-bench.$spid.b"
	[ -n "$vg_pid" ] && kill "$vg_pid" 2>/dev/null && wait "$vg_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
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
if [ "$MODE" = mem ]; then
	pat='"type":"mem_write"'
	logged0=$(grep -c "$pat" "$tmp/ev.jsonl" 2>/dev/null)
	"$B/bench/zj-storm" mem 1 "$(awk -v n="$N" -v r="$RATE" 'BEGIN { print n / r }')" "$RATE" \
		>"$tmp/storm" || exit 1
else
	# 3 records an operation, RATE records a second; the pid names the files it makes
	"$B/bench/zj-syscalls" persist "$(awk -v n="$N" -v r="$RATE" 'BEGIN { print n / r }')" \
		"$PDIR" "$(awk -v r="$RATE" 'BEGIN { print r / 3 }')" >"$tmp/storm" &
	storm_pid=$! spid=$!
	wait "$storm_pid"
	rc=$?
	storm_pid=""
	[ $rc = 0 ] || exit 1
	pat="\"path\":\"$PDIR/zj-bench\\.$spid\\."
	logged0=0
fi
last=-1
while :; do
	sleep 1
	n=$(grep -c "$pat" "$tmp/ev.jsonl")
	[ "$n" = "$last" ] && break
	last=$n
done
callgrind_control -d "$vg_pid" >/dev/null || exit 1
sleep 1
f=""
for g in "$tmp"/cg.out.*; do f=$g; done # one dump: cg.out.1
[ -f "$f" ] || { echo "cg-record: callgrind wrote no dump" >&2; exit 1; }
callgrind_annotate --inclusive=yes --tree=caller "$f" >"$tmp/ann" 2>/dev/null
calls=$(grep -E '< .*:on_record \(' "$tmp/ann" | head -1 | sed 's/.*(\([0-9,]*\)x).*/\1/' | tr -d ,)
incl=$(grep -E '\* .*:on_record_one ' "$tmp/ann" | head -1 | awk '{ gsub(/,/, "", $1); print $1 }')
echo "storm: $(cat "$tmp/storm")"
if [ "$MODE" = mem ]; then
	echo "mem_write records logged: $((last - ${logged0:-0})); records through the callback: $calls"
else
	echo "file records logged ($PDIR/zj-bench.$spid.*): $last; records through the" \
		"callback: $calls"
fi
echo "instructions in the record callback: $incl, per record: $((incl / calls))"
if [ "$MODE" = persist ]; then
	all=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$f")
	echo "instructions in zhijiad, all threads: $all, per record: $((all / calls))"
	grep -q 'Failed to send an alert to journald' "$tmp/err" &&
		echo "note: journald refused the alerts (is it running?): their cost is not the usual"
fi
callgrind_annotate --inclusive=yes "$f" 2>/dev/null | grep -E "^ *[0-9,]+ \(" | head -25
# all of it (the default threshold, 99%, stopped after the first lines), without the frames
# every thread was in when the counts were zeroed: callgrind shows them with all below as own
frames='\(below main\)|libc-start\.c|clone\.S|pthread_create\.c:start_thread|alertq\.c:sender '
frames="$frames|ld-linux-x86-64\\.so\\.2\\]\$"
echo "self:"
callgrind_annotate --inclusive=no --threshold=100 "$f" 2>/dev/null | grep -E "^ *[0-9,]+ \(" |
	grep -vE "$frames" | head -25
[ -n "${CG_KEEP:-}" ] && cp "$f" "$CG_KEEP"
