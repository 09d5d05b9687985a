#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-bench.sh (make bench): what zhijiad costs the workloads it watches, side by side with
# what its users would otherwise run, all measured in one run on this host.
#
# Configurations, alternated A B C D A B C D ... for BENCH_ROUNDS rounds so that the drift of
# a busy machine falls on all of them alike:
#   none      no sensor (the baseline every ratio is taken against)
#   zhijiad   build/zhijiad with its built-in default policy, event log in a private dir
#   auditd    auditd -n -c DIR with rules on the same operations: ptrace, process_vm_writev,
#             execve(at), and -w watches on the persistence paths of daemon/watch.conf.
#             Writes into /proc/<pid>/mem cannot be watched by auditd (a -w watch on /proc is
#             refused, and a rule on write(2) would audit every write on the system): in the
#             mem workload auditd shows only the cost of syscall auditing itself.
#   bpftrace  one bpftrace script that counts on every tracepoint zhijia's programs use
#             (the sections of build/bpf/zhijia.linked.o; tp_btf/x as tracepoint:sched:x):
#             the near-physical floor of a tracepoint sensor.  Nothing else is done in it.
# Workloads (BENCH_WORKLOADS, default all of them):
#   getppid    a syscall no zhijia program sits on           zj-syscalls getppid
#   mprotect   mprotect of an anonymous page, RW <-> R        zj-syscalls mprotect
#              (ordinary memory: no record may leave the kernel, zj ev/op shows it)
#   write      write(2) of 64 bytes to /dev/null              zj-syscalls write (the same)
#   owc        open/write/close of a file in a private dir    zj-syscalls owc
#   sng-open   stress-ng --open 1 (openat and close)
#   sng-write  stress-ng --null 1 (write(2) to /dev/null)
#   exec       fork + exec /bin/true + wait                   zj-storm exec
#   sng-exec   stress-ng --exec 1 as nobody (it refuses root)
#   fork       fork + exit + wait                             zj-storm fork
#   ptrace     PTRACE_ATTACH, POKEDATA, DETACH of a child    zj-storm ptrace (2 ops a cycle)
#   mem        pwrite into a child's /proc/<pid>/mem          zj-storm mem
#   vmwrite    process_vm_writev into a child                 zj-storm vmwrite
#   persist    create + rename + unlink in /etc/cron.d        zj-syscalls persist
# Figures: the median over rounds of wall ns per operation and of task-clock (user + system
# CPU time of the workload and its children) ns per operation, and each one's ratio to none.
# Then, with zhijiad only: the events/s it carries with no lost record (a mem storm paced to
# growing rates until records are lost), its CPU seconds per 100k events, its peak RSS (VmHWM)
# and the latency from an event's kernel timestamp to its line in the event log (zj-evlat).
#
# Knobs (environment): BENCH_SECONDS (per workload and run, default 2), BENCH_ROUNDS (default
# 3), BENCH_WORKERS (processes of the zj-storm workloads, default 1), BENCH_CONFIGS,
# BENCH_WORKLOADS, BENCH_TP_RATES (the mem storm's steps in the throughput part: RATE a second
# in all, 0 unpaced, xN for N writers; default "1000 10000 50000 100000 200000 300000 400000
# 500000 600000 800000 0 0x2 0x4"; empty skips it; the first step that loses records is the
# last), BENCH_PERSIST_DIR (default /etc/cron.d), ZJ_BUILD (default build), BENCH_OUT
# (default $ZJ_BUILD/bench).  Runs as root.  Never sets
# kernel.bpf_stats_enabled (it doubles the cost of cheap syscalls); says so if it is on.
# Then BENCH_PROCS (default 10000, 0 skips) sleeping processes (zj-hold) for zhijiad's private
# memory with them in its process table, and BENCH_STARTS (default 5, 0 skips) starts of
# zhijiad for its start-to-ready time (median).
# A benchmark, not a test: it fails only when it cannot measure.
set -u

fail() {
	echo "bench: FAIL: $*" >&2
	exit 1
}
note() {
	echo "bench: $*" >&2
}

SRC=$(cd "$(dirname "$0")/../.." && pwd) || fail "no source dir"
B=$(cd "${ZJ_BUILD:-$SRC/build}" && pwd) || fail "no build dir"
SECS=${BENCH_SECONDS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
WORKERS=${BENCH_WORKERS:-1}
CONFIGS=${BENCH_CONFIGS:-none zhijiad auditd bpftrace}
ALL_WORKLOADS="getppid mprotect write owc sng-open sng-write exec sng-exec fork ptrace mem vmwrite persist"
WORKLOADS=${BENCH_WORKLOADS:-$ALL_WORKLOADS}
TP_RATES=${BENCH_TP_RATES-1000 10000 50000 100000 200000 300000 400000 500000 600000 800000 0 0x2 0x4}
PERSIST_DIR=${BENCH_PERSIST_DIR:-/etc/cron.d}
OUT=${BENCH_OUT:-$B/bench}

[ "$(id -u)" = 0 ] || fail "needs root (BPF, auditd, ptrace of other users' tasks)"
for t in zhijiad zhijiactl bench/zj-syscalls bench/zj-storm bench/zj-evlat bench/zj-hold; do
	[ -x "$B/$t" ] || fail "$B/$t is missing (make bench builds it)"
done
case "$SECS" in *[!0-9.]* | "" | .) fail "BENCH_SECONDS must be a number" ;; esac
case "$ROUNDS" in *[!0-9]* | "" | 0) fail "BENCH_ROUNDS must be a positive integer" ;; esac
# stress-ng takes whole seconds
SNG_SECS=$(awk -v s="$SECS" 'BEGIN { n = int(s); if (n < s) n++; if (n < 1) n = 1; print n }')

tmp=$(mktemp -d /tmp/zj-bench.XXXXXX) || fail "mktemp"
# nobody (sng-exec) must reach its own dir below this one, and nothing else in it
chmod 711 "$tmp" || fail "chmod $tmp"
mkdir -p "$OUT" || fail "mkdir $OUT"
RAW=$tmp/raw.txt
: >"$RAW"

zj_pid="" au_pid="" bt_pid="" lat_pid="" audit_touched=0 au_lost0=0
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$lat_pid" ] && kill "$lat_pid" 2>/dev/null && wait "$lat_pid" 2>/dev/null
	[ -n "$zj_pid" ] && kill "$zj_pid" 2>/dev/null && wait "$zj_pid" 2>/dev/null
	[ -n "$bt_pid" ] && kill -INT "$bt_pid" 2>/dev/null && wait "$bt_pid" 2>/dev/null
	[ "$audit_touched" = 1 ] && audit_quiet
	[ -n "$au_pid" ] && kill "$au_pid" 2>/dev/null && wait "$au_pid" 2>/dev/null
	# the persistence storm's names, should a workload have been killed before its own cleanup
	rm -f "$PERSIST_DIR"/zj-bench.*.a "$PERSIST_DIR"/zj-bench.*.b
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

num() { # KEY JSON-LINE: a number field of a one-line JSON object
	printf '%s\n' "$2" | sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p"
}

# ---- the workloads: each prints "OPS WALL_S CPU_S" ------------------------------------------
sng() { # USER CLASS
	local d=$tmp/sng-$1 line
	mkdir -p "$d" && chown "$1" "$d" || return 1
	rm -f "$d/m.yaml"
	(cd "$d" && runuser -u "$1" -- stress-ng "--$2" 1 --timeout "${SNG_SECS}s" --temp-path "$d" \
		--metrics-brief --yaml "$d/m.yaml") >/dev/null 2>&1 || return 1
	line=$(awk '$1 == "bogo-ops:" { o = $2 } $1 == "wall-clock-time:" { w = $2 }
		$1 == "user-time:" { u = $2 } $1 == "system-time:" { s = $2 }
		END { if (o != "") print o, w, u + s }' "$d/m.yaml")
	[ -n "$line" ] && echo "$line"
}

workload() { # NAME
	local line
	case "$1" in
	getppid | owc | mprotect | write) line=$("$B/bench/zj-syscalls" "$1" "$SECS" "$tmp") ;;
	persist) line=$("$B/bench/zj-syscalls" persist "$SECS" "$PERSIST_DIR") ;;
	exec | fork | ptrace | mem | vmwrite) line=$("$B/bench/zj-storm" "$1" "$WORKERS" "$SECS") ;;
	sng-open) sng root open; return ;;
	sng-write) sng root null; return ;;
	sng-exec) sng nobody exec; return ;;
	*) fail "unknown workload '$1'" ;;
	esac || return 1
	local wall
	wall=$(num wall_s "$line")
	[ -n "$wall" ] || wall=$(num seconds "$line")
	echo "$(num ops "$line") $wall $(num cpu_s "$line")"
}

# ---- zhijiad --------------------------------------------------------------------------------
zj_status() { # prints "RECORDS LOST LOGGED" from the kernel counters (retried: a busy
	# zhijiad may answer late)
	local t line
	for t in 1 2 3 4 5 6 7 8 9 10; do
		line=$(zj_status_once)
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.2
	done
	note "zhijiactl status did not answer"
	return 1
}

zj_settled() { # zj_status once it no longer changes: zhijiad has taken what was queued (10 s at most)
	local after now i=0
	after=$(zj_status) || return 1
	while [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
		now=$(zj_status) || return 1
		[ "$now" = "$after" ] && break
		after=$now
	done
	echo "$after"
}

zj_status_once() {
	"$B/zhijiactl" --socket "$tmp/zj.sock" status --json 2>/dev/null | awk '
		/"records": *\{/ { inrec = 1; next }
		inrec && /\}/ { inrec = 0 }
		inrec { gsub(/[^0-9]/, "", $2); rec += $2 }
		/"lost":/ { gsub(/[^0-9]/, "", $2); lost = $2 }
		/"events_logged":/ { gsub(/[^0-9]/, "", $2); logged = $2 }
		END { if (lost != "") print rec, lost, logged }'
}

zj_cpu_ticks() { # utime + stime of zhijiad, clock ticks
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$zj_pid/stat"
}

start_zhijiad() { # [EVENT_LOG] (default: a fresh file in $tmp)
	local log=${1:-$tmp/zj-events.jsonl}
	rm -f "$tmp/zj-events.jsonl"
	# emptied here, not only by the redirection below: the loop must not find the last
	# run's "ready" before the new zhijiad has truncated the file
	: >"$tmp/zhijiad.err"
	"$B/zhijiad" --event-log "$log" --policy "$tmp/absent-policy.json" \
		--socket "$tmp/zj.sock" >/dev/null 2>"$tmp/zhijiad.err" &
	zj_pid=$!
	local i=0
	until grep -q '^zhijiad: ready$' "$tmp/zhijiad.err"; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$zj_pid" 2>/dev/null; then
			tail -5 "$tmp/zhijiad.err" >&2
			return 1
		fi
		sleep 0.1
	done
}

stop_zhijiad() {
	"$B/zhijiactl" --socket "$tmp/zj.sock" stop >/dev/null 2>&1 || kill "$zj_pid" 2>/dev/null
	wait "$zj_pid" 2>/dev/null
	zj_pid=""
	grep '^zhijiad: kernel records' "$tmp/zhijiad.err" >>"$tmp/zhijiad-stops.txt"
}

# ---- auditd ---------------------------------------------------------------------------------
auditd_usable() { # why not, on stdout, when it is not
	if ! command -v auditd >/dev/null || ! command -v auditctl >/dev/null; then
		echo "auditd is not installed (sh packaging/deps-debian.sh --bench)"
		return
	fi
	local pid
	pid=$(auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }')
	[ -n "$pid" ] || { echo "auditctl -s does not answer"; return; }
	[ "$pid" = 0 ] || { echo "an audit daemon (pid $pid) runs already: not disturbing it"; return; }
	case "$(auditctl -l 2>/dev/null)" in
	"No rules" | "-a never,task") ;;
	*) echo "audit rules are loaded already: not replacing them" ;;
	esac
}

# Leave the kernel's audit as quiet as it can be: disabled, no rule but "never" for new tasks.
# Once auditing has been enabled, the kernel gives every new task an audit context unless a
# task rule says never; without this, every process started after the benchmark would carry
# the cost of syscall auditing (and so would the other configurations of later rounds).
audit_quiet() {
	auditctl -e 0 >/dev/null 2>&1
	auditctl -D >/dev/null 2>&1
	auditctl -a task,never >/dev/null 2>&1
}

start_auditd() {
	local d=$tmp/audit kind path rest i=0
	mkdir -p "$d" && chmod 700 "$d" || return 1
	sed -e "s|^log_file *=.*|log_file = $d/audit.log|" \
		-e 's|^max_log_file *=.*|max_log_file = 200|' \
		-e 's|^max_log_file_action *=.*|max_log_file_action = ROTATE|' \
		-e 's|^num_logs *=.*|num_logs = 2|' \
		-e 's|^\(space_left_action\|admin_space_left_action\|disk_full_action\) *=.*|\1 = IGNORE|' \
		/etc/audit/auditd.conf >"$d/auditd.conf" || return 1
	chmod 600 "$d/auditd.conf"
	audit_touched=1
	au_lost0=$(auditctl -s 2>/dev/null | awk '$1 == "lost" { print $2 }')
	auditctl -D >/dev/null 2>&1
	auditd -n -c "$d" >/dev/null 2>"$d/auditd.err" &
	au_pid=$!
	until [ "$(auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }')" = "$au_pid" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$au_pid" 2>/dev/null; then
			cat "$d/auditd.err" >&2
			return 1
		fi
		sleep 0.1
	done
	# lossless like the others: a big backlog, and a full one makes the task wait (the default)
	auditctl -b 8192 >/dev/null || return 1
	auditctl -a always,exit -F arch=b64 -S ptrace -S process_vm_writev -k zj_inject >/dev/null ||
		return 1
	auditctl -a always,exit -F arch=b64 -S execve -S execveat -k zj_exec >/dev/null || return 1
	# the persistence paths zhijiad watches by default (home entries: root's only)
	while read -r kind path rest; do
		case "$kind" in
		dir | file) ;;
		home) path=/root/$path ;;
		*) continue ;;
		esac
		[ -e "$path" ] || [ -d "$(dirname "$path")" ] || continue
		auditctl -w "$path" -p wa -k zj_persist >/dev/null 2>&1 ||
			note "auditctl -w $path refused, ignoring"
	done <"$SRC/daemon/watch.conf"
	auditctl -w "$PERSIST_DIR" -p wa -k zj_persist >/dev/null 2>&1
	auditctl -e 1 >/dev/null || return 1
}

stop_auditd() {
	audit_quiet
	kill "$au_pid" 2>/dev/null
	wait "$au_pid" 2>/dev/null
	au_pid=""
	local lost
	lost=$(auditctl -s 2>/dev/null | awk '$1 == "lost" { print $2 }')
	echo "$((${lost:-0} - ${au_lost0:-0}))" >>"$tmp/audit-lost.txt"
	rm -f "$tmp/audit/audit.log"*
}

# ---- bpftrace -------------------------------------------------------------------------------
write_bt_script() {
	# The sections of the object zhijiad loads, not a scan of the sources: a program made by a
	# macro (bpf/mem.bpf.c's ZJ_MEM_PROGS) has no SEC("...") line of its own there.
	local probes
	probes=$(readelf -SW "$B/bpf/zhijia.linked.o" |
		grep -o ' \(tracepoint\|tp_btf\)/[^ ]*' | sort -u | while read -r sec; do
		local kind=${sec%%/*} name=${sec#*/}
		if [ "$kind" = tp_btf ]; then
			name="sched/$name"
		fi
		[ -d "/sys/kernel/tracing/events/$name" ] && echo "tracepoint:${name%%/*}:${name#*/}"
	done | sort -u | paste -sd, -)
	[ -n "$probes" ] || return 1
	printf 'BEGIN { printf("zj-bench: attached\\n"); }\n%s\n{ @n = count(); }\n' \
		"$probes" >"$tmp/zj.bt"
	echo "$probes" | tr , '\n' | wc -l
}

start_bpftrace() {
	local i=0
	bpftrace -B none "$tmp/zj.bt" >"$tmp/bpftrace.out" 2>&1 &
	bt_pid=$!
	until grep -qs "^zj-bench: attached" "$tmp/bpftrace.out"; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$bt_pid" 2>/dev/null; then
			tail -5 "$tmp/bpftrace.out" >&2
			return 1
		fi
		sleep 0.1
	done
}

stop_bpftrace() {
	kill -INT "$bt_pid" 2>/dev/null
	wait "$bt_pid" 2>/dev/null
	bt_pid=""
}

# ---- the overhead runs ----------------------------------------------------------------------
if [ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 1 ]; then
	note "kernel.bpf_stats_enabled is 1 (someone else's): every BPF program costs more"
fi
# any zhijiad, whatever its binary is called (a copy named zhijiad.old is one too)
others=$(pgrep -f '^([^ ]*/)?zhijiad[^ /]*( |$)' | wc -l)
# and whoever else holds zhijia's programs: each one makes every record once more
zj_progs=$(bpftool prog show 2>/dev/null | grep -c ' name zj_')
if [ "${zj_progs:-0}" -gt 0 ]; then
	note "$zj_progs BPF programs named zj_* are loaded already ($others zhijiad found):" \
		"another sensor doubles every record's cost, and the figures are not comparable"
fi
others_bt=$(pgrep -x bpftrace | wc -l)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
configs=""
skipped=""
for c in $CONFIGS; do
	why=""
	case "$c" in
	none | zhijiad) ;;
	auditd) why=$(auditd_usable) ;;
	bpftrace)
		if ! command -v bpftrace >/dev/null; then
			why="bpftrace is not installed (sh packaging/deps-debian.sh --bench)"
		elif ! nprobes=$(write_bt_script); then
			why="no tracepoint of zhijia's found"
		fi
		;;
	*) fail "unknown configuration '$c' (valid: none zhijiad auditd bpftrace)" ;;
	esac
	if [ -n "$why" ]; then
		note "configuration $c skipped: $why"
		skipped="$skipped $c: $why;"
	else
		configs="$configs $c"
	fi
done
case " $configs " in *" none "*) ;; *) fail "the baseline configuration 'none' is needed" ;; esac
for w in $WORKLOADS; do
	case "$w" in sng-*)
		command -v stress-ng >/dev/null ||
			fail "stress-ng is not installed (sh packaging/deps-debian.sh --bench)" ;;
	esac
done
note "kernel $(uname -r), $(nproc) CPUs, load average $load0; $others other zhijiad and" \
	"$others_bt bpftrace running"
note "${SECS}s a run, $ROUNDS rounds of:$configs; bpftrace on ${nprobes:-0} tracepoints"

r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	for c in $configs; do
		note "round $r/$ROUNDS: $c"
		case "$c" in
		zhijiad) start_zhijiad || fail "zhijiad did not become ready" ;;
		auditd) start_auditd || fail "auditd did not start" ;;
		bpftrace) start_bpftrace || fail "bpftrace did not attach" ;;
		esac
		for w in $WORKLOADS; do
			ev="- -"
			[ "$c" = zhijiad ] && before=$(zj_status)
			res=$(workload "$w") || fail "workload $w ($c) failed"
			if [ "$c" = zhijiad ]; then
				after=$(zj_status)
				# shellcheck disable=SC2086 # two lists of numbers
				if [ -n "$before" ] && [ -n "$after" ]; then
					ev=$(set -- $before $after; echo "$(($4 - $1)) $(($5 - $2))")
				fi
			fi
			echo "$c $w $r $res $ev" >>"$RAW"
		done
		case "$c" in
		zhijiad) stop_zhijiad ;;
		auditd) stop_auditd ;;
		bpftrace) stop_bpftrace ;;
		esac
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- zhijiad's throughput, CPU, memory and latency ------------------------------------------
# Writers into a child's /proc/<pid>/mem (every write a record that wakes zhijiad), paced to
# each step of BENCH_TP_RATES in turn (RATE[xWRITERS], 0: as fast as they go), until records
# are lost.
TP=$tmp/tp.txt
: >"$TP"
hwm="" rss="" anon=""
if [ -n "$TP_RATES" ] && [ "${configs#* zhijiad}" != "$configs" ]; then
	start_zhijiad || fail "zhijiad did not become ready"
	hz=$(getconf CLK_TCK)
	for step in $TP_RATES; do
		rate=${step%x*} width=1
		[ "$rate" != "$step" ] && width=${step#*x}
		# zj-evlat stops when zhijiad has logged what the storm left queued (or after 60 s)
		"$B/bench/zj-evlat" "$tmp/zj-events.jsonl" 60 '"type":"mem_write"' >"$tmp/lat.json" &
		lat_pid=$!
		before=$(zj_status) || fail "zhijiad does not answer"
		t0=$(zj_cpu_ticks)
		line=$("$B/bench/zj-storm" mem "$width" "$SECS" "$rate") ||
			fail "zj-storm mem $width at $rate/s"
		after=$(zj_settled) || fail "zhijiad does not answer"
		t1=$(zj_cpu_ticks)
		kill "$lat_pid" 2>/dev/null
		wait "$lat_pid"
		lat_pid=""
		lat=$(cat "$tmp/lat.json")
		# shellcheck disable=SC2086 # two lists of numbers
		set -- $before $after
		echo "${rate}x$width $(num wall_s "$line") $(($4 - $1)) $(($5 - $2)) $(($6 - $3))" \
			"$((t1 - t0)) $hz $(num samples "$lat") $(num median_us "$lat")" \
			"$(num p99_us "$lat") $(num ops "$line") $(num match_median_us "$lat")" \
			"$(num match_p99_us "$lat")" >>"$TP"
		[ $(($5 - $2)) -gt 0 ] && break
	done
	hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$zj_pid/status")
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$zj_pid/status")
	anon=$(awk '$1 == "RssAnon:" { print $2 }' "/proc/$zj_pid/status")
	stop_zhijiad

	# The same unpaced storm with the event log on /dev/null: zhijiad's own work per record
	# (decode, classify, JSON line, write(2)) without the page cache the log's bytes fill.  On
	# a VM whose balloon reports free pages to the host (virtio_balloon with free page
	# reporting), every fresh page-cache page faults on the host: there a ~1.1 KB line costs
	# more to store than to make.
	start_zhijiad /dev/null || fail "zhijiad (event log /dev/null) did not become ready"
	before=$(zj_status) || fail "zhijiad does not answer"
	t0=$(zj_cpu_ticks)
	line=$("$B/bench/zj-storm" mem 1 "$SECS" 0) || fail "zj-storm mem 1 unpaced"
	after=$(zj_settled) || fail "zhijiad does not answer"
	t1=$(zj_cpu_ticks)
	# shellcheck disable=SC2086 # two lists of numbers
	set -- $before $after
	tp_null="$(num wall_s "$line") $(($4 - $1)) $(($5 - $2)) $((t1 - t0)) $hz"
	stop_zhijiad
fi

# ---- zhijiad's memory with many processes, and its start-up time -----------------------------
# BENCH_PROCS (default 10000; 0 skips) sleeping processes are forked while zhijiad runs (its
# table learns them from the fork records), then its private memory is read: RssAnon (the
# ring buffer is a shared mapping of the kernel's pages, counted in RssShmem/RssFile, not
# here; its resident size is reported apart from smaps).  Then BENCH_STARTS (default 5)
# starts: wall time from the exec of zhijiad to its "ready" line (written right before
# sd_notify READY=1, after the BPF programs are attached, the enforcement canary has run and
# a record has come back through the ring buffer), looked at every 5 ms; the median.
PROCS=${BENCH_PROCS-10000}
STARTS=${BENCH_STARTS-5}
p_count="" p_anon0="" p_anon="" p_hwm="" p_rb="" start_ms="" start_all=""
rss_of() { # FIELD: from zhijiad's /proc/PID/status, kB
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$zj_pid/status"
}
zj_procs() {
	"$B/zhijiactl" --socket "$tmp/zj.sock" status --json 2>/dev/null |
		sed -n 's/.*"processes": *\([0-9]*\).*/\1/p' | head -1
}
if [ "${PROCS:-0}" -gt 0 ] && [ "${configs#* zhijiad}" != "$configs" ]; then
	start_zhijiad || fail "zhijiad did not become ready"
	sleep 1
	p_anon0=$(rss_of RssAnon)
	"$B/bench/zj-hold" "$PROCS" 600 >"$tmp/hold.out" 2>&1 &
	hold_pid=$!
	i=0
	until grep -q '^held' "$tmp/hold.out"; do
		i=$((i + 1))
		kill -0 "$hold_pid" 2>/dev/null || break
		[ $i -gt 1200 ] && break
		sleep 0.1
	done
	grep -q '^held' "$tmp/hold.out" || note "zj-hold: $(cat "$tmp/hold.out")"
	# until zhijiad's table has them all (or stops growing)
	last="" i=0
	while [ $i -lt 60 ]; do
		sleep 0.5
		i=$((i + 1))
		p_count=$(zj_procs)
		[ -n "$p_count" ] && [ "$p_count" -ge "$PROCS" ] && [ "$p_count" = "$last" ] && break
		last=$p_count
	done
	p_anon=$(rss_of RssAnon)
	p_hwm=$(rss_of VmHWM)
	p_rb=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { rb = ($0 ~ /bpf-ringbuf|bpf-map/) }
		rb && $1 == "Rss:" { s += $2 } END { print s + 0 }' "/proc/$zj_pid/smaps")
	kill "$hold_pid" 2>/dev/null
	wait "$hold_pid" 2>/dev/null
	stop_zhijiad
fi
if [ "${STARTS:-0}" -gt 0 ] && [ "${configs#* zhijiad}" != "$configs" ]; then
	i=0
	while [ $i -lt "$STARTS" ]; do
		i=$((i + 1))
		rm -f "$tmp/zj-events.jsonl"
		: >"$tmp/zhijiad.err"
		t0=$(date +%s%N)
		"$B/zhijiad" --event-log "$tmp/zj-events.jsonl" --policy "$tmp/absent-policy.json" \
			--socket "$tmp/zj.sock" >/dev/null 2>"$tmp/zhijiad.err" &
		zj_pid=$!
		until grep -q '^zhijiad: ready$' "$tmp/zhijiad.err"; do
			kill -0 "$zj_pid" 2>/dev/null || fail "zhijiad did not start: $(tail -3 "$tmp/zhijiad.err")"
			sleep 0.005
		done
		t1=$(date +%s%N)
		start_all="$start_all $(((t1 - t0) / 1000000))"
		stop_zhijiad
	done
	start_ms=$(echo $start_all | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 }
		END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
fi

# ---- the report -----------------------------------------------------------------------------
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json=$OUT/bench-$stamp.json
cp "$RAW" "$OUT/bench-$stamp.raw.txt"
[ -s "$TP" ] && cp "$TP" "$OUT/bench-$stamp.throughput.txt"
awk -v configs="$configs" -v workloads="$WORKLOADS" -v secs="$SECS" -v rounds="$ROUNDS" \
	-v workers="$WORKERS" -v kernel="$(uname -r)" -v ncpu="$(nproc)" -v load0="$load0" \
	-v load1="$load1" -v others="$others" -v others_bt="$others_bt" -v skipped="$skipped" \
	-v hwm="${hwm:-0}" -v rss="${rss:-0}" -v anon="${anon:-0}" -v json="$json" -v tpfile="$TP" \
	-v stamp="$stamp" -v nprobes="${nprobes:-0}" -v procs="${PROCS:-0}" \
	-v p_count="${p_count:-0}" -v p_anon0="${p_anon0:-0}" -v p_anon="${p_anon:-0}" \
	-v p_hwm="${p_hwm:-0}" -v p_rb="${p_rb:-0}" -v start_ms="${start_ms:-0}" \
	-v start_all="${start_all# }" -v tp_null="${tp_null:-}" '
function median(key, n,   i, j, t, a) {
	for (i = 1; i <= n; i++) a[i] = v[key, i]
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
		t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
	}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	c = $1; w = $2; ops = $4; wall = $5; cpu = $6
	if (ops <= 0) next
	k = c SUBSEP w
	n[k]++
	v[k SUBSEP "wall", n[k]] = wall * 1e9 / ops
	v[k SUBSEP "cpu", n[k]] = cpu * 1e9 / ops
	if ($7 != "-") { evs[k] += $7; lost[k] += $8; opsum[k] += ops }
}
END {
	nc = split(configs, C, " "); nw = split(workloads, W, " ")
	for (i = 1; i <= nw; i++) for (j = 1; j <= nc; j++) {
		k = C[j] SUBSEP W[i]
		if (!n[k]) continue
		mw[k] = median(k SUBSEP "wall", n[k]); mc[k] = median(k SUBSEP "cpu", n[k])
	}
	printf "\nzhijia bench %s: kernel %s, %d CPUs, %gs a run, %d rounds, %d storm worker(s)\n",
		stamp, kernel, ncpu, secs, rounds, workers
	printf "load average %s at the start, %s at the end; %d other zhijiad and %d bpftrace ran beside it\n",
		load0, load1, others, others_bt
	printf "\nmedian ns per operation (wall / task-clock) with none; ratio to none (wall / task-clock) for the others\n"
	printf "%-10s %17s", "workload", "none ns"
	for (j = 1; j <= nc; j++) if (C[j] != "none") printf " %15s", C[j] " x"
	printf " %9s %6s\n", "zj ev/op", "zj lost"
	for (i = 1; i <= nw; i++) {
		b = "none" SUBSEP W[i]
		if (!n[b]) continue
		printf "%-10s %8.0f/%8.0f", W[i], mw[b], mc[b]
		for (j = 1; j <= nc; j++) {
			if (C[j] == "none") continue
			k = C[j] SUBSEP W[i]
			if (!n[k]) { printf " %15s", "-"; continue }
			printf "  %6.2f/%6.2f", mw[k] / mw[b], mc[k] / mc[b]
		}
		k = "zhijiad" SUBSEP W[i]
		if (opsum[k]) printf " %9.2f %7d\n", evs[k] / opsum[k], lost[k]
		else printf " %9s %7s\n", "-", "-"
	}
	if (configs ~ /auditd/)
		printf "auditd cannot watch writes into /proc/<pid>/mem: its mem figure is the cost of syscall auditing alone.\n"
	if (configs ~ /bpftrace/)
		printf "bpftrace counts on %d tracepoints (those of zhijia.linked.o).\n", nprobes
	printf "zj ev/op: kernel records per operation while zhijiad ran (the whole machine'"'"'s); zj lost: records lost then.\n"
	if (skipped != "") printf "skipped:%s\n", skipped

	# throughput part: RATE WALL RECORDS LOST LOGGED TICKS HZ SAMPLES P50 P99 OPS MP50 MP99
	ntp = 0
	while ((getline line < tpfile) > 0) { ntp++; tp[ntp] = line }
	if (ntp) {
		printf "\nzhijiad alone: N writers into a child'"'"'s /proc/<pid>/mem paced to a rate (or unpaced); kernel records\n"
		printf "(the whole machine'"'"'s), lost, zhijiad CPU, latency kernel timestamp -> line in the event log\n"
		printf "of the mem_write records (mw) and of all records (all)\n"
		printf "%-12s %10s %9s %8s %11s %10s %10s %10s %10s\n", "paced", "records/s", "records", "lost", "cpu s/100k", "mw p50", "mw p99", "all p50", "all p99"
	}
	for (i = 1; i <= ntp; i++) {
		split(tp[i], f, " ")
		rate = f[2] > 0 ? f[3] / f[2] : 0
		cpu100k = f[3] > 0 ? (f[6] / f[7]) / f[3] * 1e5 : 0
		split(f[1], rw, "x")
		printf "%-12s %10.0f %9d %8d %11.3f %8.0fus %8.0fus %8.0fus %8.0fus\n", (rw[1] == 0 ? "unpaced" : rw[1] "/s") " x" rw[2], rate, f[3], f[4], cpu100k, f[12], f[13], f[9], f[10]
		tps[i] = sprintf("{\"writers\":%d,\"paced_per_s\":%d,\"wall_s\":%s,\"writes\":%d,\"records\":%d,\"lost\":%d,\"logged\":%d,\"records_per_s\":%.0f,\"cpu_s\":%.2f,\"cpu_s_per_100k_records\":%.4f,\"latency_samples\":%d,\"latency_median_us\":%s,\"latency_p99_us\":%s,\"mem_write_latency_median_us\":%s,\"mem_write_latency_p99_us\":%s}",
			rw[2], rw[1], f[2], f[11], f[3], f[4], f[5], rate, f[6] / f[7], cpu100k, f[8], f[9] == "" ? "null" : f[9], f[10] == "" ? "null" : f[10], f[12] == "" ? "null" : f[12], f[13] == "" ? "null" : f[13])
		if (f[4] == 0 && rate > best) best = rate
	}
	if (ntp)
		printf "highest rate with 0 lost: %.0f records/s; zhijiad peak RSS (VmHWM) %.1f MiB; at the end RSS %.1f MiB, of it private (RssAnon) %.1f MiB\n", best, hwm / 1024, rss / 1024, anon / 1024
	# WALL RECORDS LOST TICKS HZ
	nn = split(tp_null, tn, " ")
	if (nn == 5 && tn[1] > 0 && tn[2] > 0)
		printf "unpaced x1 with the event log on /dev/null (no page cache): %.0f records/s, %d lost, zhijiad CPU %.3f s/100k records\n", tn[2] / tn[1], tn[3], (tn[4] / tn[5]) / tn[2] * 1e5

	if (p_count > 0)
		printf "with %d sleeping processes started (%d in its table): zhijiad private RSS (RssAnon) %.1f MiB (%.1f MiB before them); peak RSS %.1f MiB; ring buffer resident %.1f MiB (not in RssAnon)\n", procs, p_count, p_anon / 1024, p_anon0 / 1024, p_hwm / 1024, p_rb / 1024
	if (start_ms > 0)
		printf "start to ready (exec to the ready line / READY=1): median %d ms of: %s ms\n", start_ms, start_all

	printf "{\"stamp\":\"%s\",\"kernel\":\"%s\",\"cpus\":%d,\"seconds\":%s,\"rounds\":%d,\"workers\":%d,", stamp, kernel, ncpu, secs, rounds, workers > json
	printf "\"load_start\":\"%s\",\"load_end\":\"%s\",\"other_zhijiad\":%d,\"other_bpftrace\":%d,\"bpftrace_tracepoints\":%d,", load0, load1, others, others_bt, nprobes > json
	printf "\"skipped\":\"%s\",\"overhead\":[", skipped > json
	sep = ""
	for (i = 1; i <= nw; i++) for (j = 1; j <= nc; j++) {
		k = C[j] SUBSEP W[i]; b = "none" SUBSEP W[i]
		if (!n[k] || !n[b]) continue
		printf "%s{\"workload\":\"%s\",\"config\":\"%s\",\"runs\":%d,\"wall_ns_per_op\":%.1f,\"cpu_ns_per_op\":%.1f,\"wall_ratio\":%.4f,\"cpu_ratio\":%.4f", sep, W[i], C[j], n[k], mw[k], mc[k], mw[k] / mw[b], mc[k] / mc[b] > json
		if (opsum[k]) printf ",\"records_per_op\":%.4f,\"lost\":%d", evs[k] / opsum[k], lost[k] > json
		printf "}" > json
		sep = ","
	}
	printf "],\"procs\":{\"started\":%d,\"in_table\":%d,\"rss_anon_before_kib\":%d,\"rss_anon_kib\":%d,\"peak_rss_kib\":%d,\"ringbuf_resident_kib\":%d},\"start_to_ready_ms\":{\"median\":%d,\"runs\":\"%s\"}", procs, p_count, p_anon0, p_anon, p_hwm, p_rb, start_ms, start_all > json
	printf ",\"zhijiad\":{\"peak_rss_kib\":%d,\"rss_end_kib\":%d,\"rss_anon_end_kib\":%d,\"max_lossless_records_per_s\":%.0f,\"steps\":[", hwm, rss, anon, best > json
	for (i = 1; i <= ntp; i++) printf "%s%s", (i > 1 ? "," : ""), tps[i] > json
	printf "]" > json
	if (nn == 5 && tn[1] > 0 && tn[2] > 0)
		printf ",\"event_log_devnull\":{\"wall_s\":%s,\"records\":%d,\"lost\":%d,\"records_per_s\":%.0f,\"cpu_s_per_100k_records\":%.4f}", tn[1], tn[2], tn[3], tn[2] / tn[1], (tn[4] / tn[5]) / tn[2] * 1e5 > json
	printf "}}\n" > json
}' "$RAW" || fail "report"
cp "$json" "$OUT/latest.json"
if [ -s "$tmp/zhijiad-stops.txt" ]; then
	echo "zhijiad's own counters at each stop:"
	sed 's/^/  /' "$tmp/zhijiad-stops.txt"
fi
[ -s "$tmp/audit-lost.txt" ] &&
	echo "auditd: records the kernel's audit lost in each auditd round: $(paste -sd' ' "$tmp/audit-lost.txt")"
echo "results: $json (raw runs: $OUT/bench-$stamp.raw.txt)"
