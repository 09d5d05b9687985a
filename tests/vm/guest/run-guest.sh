#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run-guest.sh: runs inside the test guest (as /tests/run-guest.sh, busybox sh).  Runs every
# /tests/NN-* test in order, each under a time limit (ZJ_VM_TEST_TIMEOUT seconds, default 300),
# prints "=== RUN" / "=== PASS|FAIL|SKIP" around each one, and writes the summary that /init
# prints between its result lines to /run/zj-vm/summary.
#
# A test passes with status 0 and is skipped with 77 (it says why); anything else fails, a
# timeout too.  Exit status: 0 when nothing failed and at least one test ran, 1 otherwise.

limit=${ZJ_VM_TEST_TIMEOUT:-300}
summary=/run/zj-vm/summary
mkdir -p /run/zj-vm
: >"$summary"

now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
secs() { awk -v cs="$1" 'BEGIN { printf "%.2f", cs / 100 }'; }

pass=0 fail=0 skip=0
start=$(now_cs)
for t in /tests/[0-9][0-9]-*; do
	[ -f "$t" ] || continue
	name=${t##*/}
	name=${name#[0-9][0-9]-}
	echo "=== RUN  $name"
	t0=$(now_cs)
	timeout -s TERM -k 5 "$limit" "$t"
	rc=$?
	took=$(secs $(($(now_cs) - t0)))
	note=""
	case $rc in
	0) status=PASS pass=$((pass + 1)) ;;
	77) status=SKIP skip=$((skip + 1)) ;;
	143 | 137) status=FAIL fail=$((fail + 1)) note="  timed out after ${limit}s" ;;
	*) status=FAIL fail=$((fail + 1)) ;;
	esac
	echo "=== $status $name (rc=$rc, ${took}s)$note"
	printf '%-4s  %-32s  rc=%-4s  %7ss%s\n' "$status" "$name" "$rc" "$took" "$note" >>"$summary"
done

total=$((pass + fail + skip))
printf 'guest tests: %d passed, %d failed, %d skipped, in %ss\n' "$pass" "$fail" "$skip" \
	"$(secs $(($(now_cs) - start)))" >>"$summary"
if [ "$total" -eq 0 ]; then
	echo "no guest tests in /tests (mkinitramfs.sh -t TEST)" >>"$summary"
	exit 1
fi
[ "$fail" -eq 0 ]
