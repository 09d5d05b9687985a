#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Predicates (is_running...) are called through wait_for, which shellcheck does not follow:
# shellcheck disable=SC2317
#
# system-test.sh: runs inside the boot test's guest (Debian 12, systemd as PID 1, Debian's own
# kernel with BPF LSM), started by zj-system-test.service once multi-user.target is reached.
# It installs zhijia's .deb and checks the package and the service the way an administrator
# meets them: systemctl, journalctl, zhijiactl, bpftool, dpkg.  Every check is trigger-then-
# assert; the first failure ends the run with diagnostics.
#
# The payload disk (/zj, made by run-system.sh): the .deb, zj-trigger, expect.env (the .deb's
# name, the MESSAGE_IDs zhijiad sends, computed on the host by zhijiad's own code), and out/,
# where this script leaves the journal and logs for the host.
#
# Console protocol (run-system.sh reads it): "ok N - ...", "PENDING: ...", "ZJ-SYS-TIME NAME
# SECONDS", and last "ZJ-SYS-RESULT: rc=N".
set -u

zj=/zj
out=$zj/out
mkdir -p "$out"
# shellcheck disable=SC1091 # written by run-system.sh
. "$zj/expect.env"

n=0
t_begin=$(date +%s%N)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
ok() { n=$((n + 1)); echo "ok $n - $*"; }
timing() { echo "ZJ-SYS-TIME $1 $(secs "$2")"; }
prop() { systemctl show -P "$2" "$1"; }

finish() {
	rc=$1
	journalctl -b -o json --no-pager >"$out/journal.json" 2>/dev/null
	journalctl -b --no-pager >"$out/journal.txt" 2>/dev/null
	echo "ZJ-SYS-TIME guest_test $(secs $((($(date +%s%N) - t_begin) / 1000000)))"
	sync
	cd / && umount "$zj" 2>/dev/null
	echo "ZJ-SYS-RESULT: rc=$rc"
	exit "$rc"
}

die() {
	n=$((n + 1))
	echo "not ok $n - $*"
	echo "---- journalctl -u zhijia (last 60 lines) ----"
	journalctl -u zhijia -b --no-pager -n 60 2>&1
	echo "---- systemctl status zhijia ----"
	systemctl status zhijia --no-pager -l 2>&1 | head -n 30
	finish 1
}

# wait_for SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds; 1 at the time limit.
wait_for() {
	limit=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$limit" ] || return 1
		sleep 0.2
	done
}

is_running() { [ "$(prop zhijia ActiveState)/$(prop zhijia SubState)" = active/running ]; }
daemon_log() { journalctl -b -o cat _SYSTEMD_UNIT=zhijia.service _PID="$1" 2>/dev/null; }
zj_progs() { bpftool -j prog show | jq -r '.[] | select(.name | startswith("zj_")) | .id'; }

# ---- the guest ------------------------------------------------------------------------------
echo "ZJ-SYS: test started; kernel $(uname -r); uptime $(cut -d' ' -f1 /proc/uptime) s"
[ "$(cat /proc/1/comm)" = systemd ] || die "PID 1 is $(cat /proc/1/comm), not systemd"
lsm=$(cat /sys/kernel/security/lsm)
case ",$lsm," in
*,bpf,*) ok "systemd is PID 1; active LSMs: $lsm" ;;
*) die "bpf is not an active LSM ($lsm)" ;;
esac
mu=$(prop multi-user.target ActiveEnterTimestampMonotonic)
timing boot_to_multi_user $((mu / 1000))
[ -z "$(zj_progs)" ] || die "zhijia's programs are loaded before the package is installed"

# ---- install ----------------------------------------------------------------------------------
t=$(now_ms)
dpkg -i "$zj/$ZJ_DEB" >"$out/dpkg-install.log" 2>&1 ||
	die "dpkg -i $ZJ_DEB failed: $(tail -n 5 "$out/dpkg-install.log")"
timing dpkg_install $(($(now_ms) - t))
ok "dpkg -i $ZJ_DEB"
dpkg -L zhijia >"$out/dpkg-L.txt"
: >"$out/payload-files.txt"
while read -r p; do
	[ -d "$p" ] || echo "$p" >>"$out/payload-files.txt"
done <"$out/dpkg-L.txt"
[ "$(systemctl is-enabled zhijia)" = enabled ] || die "zhijia.service is not enabled after install"
wait_for 60 is_running || die "the package did not start zhijia.service"
ok "zhijia.service enabled and running after install"
verify=$(systemd-analyze verify zhijia.service 2>&1) || die "systemd-analyze verify: $verify"
[ -z "$verify" ] || die "systemd-analyze verify zhijia.service says: $verify"
ok "systemd-analyze verify zhijia.service: clean"
# journald's rate limit would drop alerts of a storm silently; zhijiad bounds its own
rl=$(prop zhijia LogRateLimitIntervalUSec)
[ "$rl" = 0 ] || die "LogRateLimitIntervalUSec is '$rl', want 0 (journald's rate limit off)"
ok "journald's rate limit is off for zhijia.service (LogRateLimitIntervalUSec=0)"
echo "ZJ-SYS: $(systemd-analyze security zhijia.service 2>/dev/null | tail -n 1)"

# ---- start: READY after attach and canary -----------------------------------------------------
systemctl stop zhijia || die "systemctl stop zhijia failed"
t=$(now_ms)
systemctl start zhijia || die "systemctl start zhijia failed"
dt=$(($(now_ms) - t))
is_running || die "after systemctl start: $(prop zhijia ActiveState)/$(prop zhijia SubState)"
[ "$(prop zhijia Type)" = notify ] || die "Type is $(prop zhijia Type), not notify"
pid=$(prop zhijia MainPID)
ready_ms=$((($(prop zhijia ActiveEnterTimestampMonotonic) - \
	$(prop zhijia ExecMainStartTimestampMonotonic)) / 1000))
timing start_to_ready $ready_ms
timing systemctl_start $dt
daemon_log "$pid" >"$out/start.log"
attached=$(grep -n 'programs attached' "$out/start.log" | head -n 1 | cut -d: -f1)
canary=$(grep -n '^zhijiad: delivery canary: .*came back' "$out/start.log" | head -n 1 | cut -d: -f1)
ready=$(grep -n '^zhijiad: ready' "$out/start.log" | head -n 1 | cut -d: -f1)
if [ -z "$attached" ] || [ -z "$canary" ] || [ -z "$ready" ]; then
	die "start log lacks the attach, canary or ready line: $(cat "$out/start.log")"
fi
if [ "$attached" -ge "$canary" ] || [ "$canary" -ge "$ready" ]; then
	die "start log order is not attach < canary < ready: $(cat "$out/start.log")"
fi
ok "systemctl start returned after READY=1 ($(secs $ready_ms) s from exec to READY;" \
	"attach, canary, ready in that order)"
echo "ZJ-SYS: $(grep '^zhijiad: delivery canary: ' "$out/start.log" | head -n 1)"

# ---- capabilities after attach ---------------------------------------------------------------
# CAP_DAC_READ_SEARCH 2, CAP_KILL 5, CAP_SYS_PTRACE 19, CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$pid/status")
capprm=$(sed -n 's/^CapPrm:[[:space:]]*//p' "/proc/$pid/status")
capbnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' "/proc/$pid/status")
[ "$capbnd" = 000000c000280024 ] ||
	die "CapBnd is $capbnd, want 000000c000280024 (the unit's CapabilityBoundingSet=)"
if [ "$capeff" != 0000008000080024 ] || [ "$capprm" != 0000008000080024 ]; then
	die "after attach CapEff=$capeff CapPrm=$capprm, want 0000008000080024" \
		"(cap_dac_read_search, cap_kill, cap_sys_ptrace, cap_bpf)"
fi
# capset(2) is per thread: every task, not only the main one.  The scan workers (comm zj-scan)
# keep cap_dac_read_search only; any other thread nothing beyond the main thread's set.
ntasks=0
nworkers=0
for task in /proc/"$pid"/task/*; do
	tid=${task##*/}
	tcomm=$(cat "$task/comm" 2>/dev/null) || continue # gone meanwhile
	teff=$(sed -n 's/^CapEff:[[:space:]]*//p' "$task/status" 2>/dev/null)
	tprm=$(sed -n 's/^CapPrm:[[:space:]]*//p' "$task/status" 2>/dev/null)
	if [ -z "$teff" ] || [ -z "$tprm" ]; then continue; fi
	ntasks=$((ntasks + 1))
	if [ $((0x$teff & ~0x0000008000080024)) -ne 0 ] ||
		[ $((0x$tprm & ~0x0000008000080024)) -ne 0 ]; then
		die "zhijiad task $tid ($tcomm): CapEff=$teff CapPrm=$tprm, more than the main" \
			"thread's 0000008000080024"
	fi
	if [ "$tcomm" = zj-scan ]; then
		nworkers=$((nworkers + 1))
		if [ "$teff" != 0000000000000004 ] || [ "$tprm" != 0000000000000004 ]; then
			die "scan worker $tid: CapEff=$teff CapPrm=$tprm, want 0000000000000004" \
				"(cap_dac_read_search)"
		fi
	fi
done
if [ "$ntasks" -le 1 ] || [ "$nworkers" -lt 1 ]; then
	die "zhijiad has $ntasks tasks, $nworkers scan workers (zj-scan): want the workers"
fi
ok "every one of zhijiad's $ntasks tasks holds no more than the main thread;" \
	"its $nworkers scan workers cap_dac_read_search only"
kept=$(grep 'capabilities' "$out/start.log" | head -n 1)
case $kept in
*kept*cap_dac_read_search*cap_kill*cap_sys_ptrace*cap_bpf*) ;;
*) die "zhijiad does not say which capabilities it kept: '$kept'" ;;
esac
ok "bounding set is the unit's; after attach only cap_dac_read_search, cap_kill," \
	"cap_sys_ptrace, cap_bpf are kept ($kept)"

# ---- an injection attempt gives an alert --------------------------------------------------------
# The target: a daemon PID 1 started from a system directory, which the default policy protects.
systemd-run --unit=zj-victim --quiet /usr/bin/sleep 100000 || die "systemd-run failed"
vpid=$(prop zj-victim MainPID)
victim_is_sleep() { [ "$(readlink "/proc/$vpid/exe")" = /usr/bin/sleep ]; }
wait_for 10 victim_is_sleep || die "zj-victim (pid $vpid) is not /usr/bin/sleep"

# inject ACTION ENFORCED: one ptrace attach from zj-trigger to the victim, then the journal
# entry zhijiad writes for it (`journalctl -u zhijia -o json`), with every field asserted.  An
# attempt the kernel denied may come as a deny event, which names the target when it can.
# Sets trig_rc.
attempt=0
alerts_of_trigger() {
	journalctl -u zhijia -b -o json --no-pager |
		jq -c --arg exe "$zj/zj-trigger" \
			'select(.ZHIJIA_TECHNIQUE == "T1055.008" and .ZHIJIA_ACTOR_EXE == $exe)'
}
count_ge() { [ "$(alerts_of_trigger | wc -l)" -ge "$1" ]; }
inject() {
	want=$1 enforced=$2
	attempt=$((attempt + 1))
	before=$(alerts_of_trigger | wc -l)
	t=$(now_ms)
	"$zj/zj-trigger" ptrace-pid "$vpid" >"$out/trigger-$attempt.json" \
		2>"$out/trigger-$attempt.err"
	trig_rc=$?
	wait_for 30 count_ge $((before + 1)) ||
		die "attempt $attempt: no journal entry for the ptrace of pid $vpid within 30 s"
	timing "alert_latency_$attempt" $(($(now_ms) - t))
	alerts_of_trigger | tail -n 1 >"$out/alert-$attempt.json"
	jq -e --arg mid "$ZJ_MSGID_T1055_008" --arg v "$vpid" --arg act "$want" \
		--arg enf "$enforced" --arg exe "$zj/zj-trigger" '
		.MESSAGE_ID == $mid and .SYSLOG_IDENTIFIER == "zhijiad" and
		._SYSTEMD_UNIT == "zhijia.service" and (.PRIORITY | test("^[2-5]$")) and
		.ZHIJIA_TECHNIQUE == "T1055.008" and .ZHIJIA_TECHNIQUE_NAME == "Ptrace System Calls" and
		.ZHIJIA_TECHNIQUE_NAME_ZH == "利用Ptrace系统调用注入" and .ZHIJIA_TACTIC == "TA0004" and
		.ZHIJIA_ACTION == $act and .ZHIJIA_ACTOR_EXE == $exe and
		(.ZHIJIA_REASON | length > 0) and
		(if $enf == "yes" then .ZHIJIA_ENFORCED == "yes" and
			(.ZHIJIA_TARGET_PID // $v) == $v
		else .ZHIJIA_EVENT == "ptrace" and .ZHIJIA_TARGET_PID == $v and
			.ZHIJIA_TARGET_EXE == "/usr/bin/sleep" and
			(if $act == "block" then .ZHIJIA_ENFORCED == "no" else true end)
		end)' \
		"$out/alert-$attempt.json" >/dev/null ||
		die "attempt $attempt: the journal entry is not the expected $want: $(cat "$out/alert-$attempt.json")"
}

inject alert ""
[ "$trig_rc" = 0 ] || die "the ptrace attach failed under policy alert: $(cat "$out/trigger-1.err")"
tpid=$(jq -r .pid "$out/trigger-1.json")
jq -e --arg p "$tpid" '.ZHIJIA_ACTOR_PID == $p and .ZHIJIA_CONFIGURED == "default"' \
	"$out/alert-1.json" >/dev/null || die "alert 1 names the wrong actor: $(cat "$out/alert-1.json")"
ok "an injection attempt (ptrace attach, pid $tpid -> $vpid) gives an alert in" \
	"journalctl -u zhijia -o json, MESSAGE_ID $ZJ_MSGID_T1055_008"
jq -r 'to_entries[] | select(.key | test("^(MESSAGE|MESSAGE_ID|PRIORITY|ZHIJIA_.*)$")) |
	"ZJ-SYS:   \(.key)=\(.value)"' "$out/alert-1.json"

# journalctl -x explains it from the catalog, in English and in Chinese, with the alert's fields
explain=$(journalctl -b -x --no-pager -n 1 MESSAGE_ID="$ZJ_MSGID_T1055_008" _PID="$pid")
case $explain in
*"Process injection through ptrace system calls"*"(pid $tpid) attached to another process"*) ;;
*) die "journalctl -x does not explain the alert: $explain" ;;
esac
explain_zh=$(LANG=zh_CN.UTF-8 journalctl -b -x --no-pager -n 1 MESSAGE_ID="$ZJ_MSGID_T1055_008" \
	_PID="$pid")
case $explain_zh in
*"利用Ptrace系统调用注入"*"pid $tpid"*"通过 ptrace(2) 附加到另一个进程"*) ;;
*) die "journalctl -x in zh_CN does not explain the alert in Chinese: $explain_zh" ;;
esac
catalog=$(journalctl --list-catalog)
for id in $ZJ_MSGIDS; do
	case $catalog in
	*"$id zhijia: "*) ;;
	*) die "journalctl --list-catalog lacks $id" ;;
	esac
done
ok "journalctl -x explains MESSAGE_ID $ZJ_MSGID_T1055_008 (English; Chinese with" \
	"LANG=zh_CN.UTF-8); the catalog has all $(echo "$ZJ_MSGIDS" | wc -w) sub-techniques"
echo "$explain_zh" | sed -n 's/^.*Subject: /ZJ-SYS:   zh_CN Subject: /p'

# ---- zhijiactl policy set T1055.008 block ----------------------------------------------------------
zhijiactl policy set T1055.008 block >"$out/policy-set.txt" 2>&1 ||
	die "zhijiactl policy set T1055.008 block failed: $(cat "$out/policy-set.txt")"
policy_is_block() { zhijiactl --json policy get T1055.008 | jq -e '.action == "block"' >/dev/null; }
policy_is_block || die "zhijiactl policy get T1055.008 does not say block"
# Enforcement as zhijiactl status reports it: {"mode":"lsm"|"none", "T1055.008":{"effective":
# "block",...}} once BPF LSM enforcement is there; a string saying "none" before.
zhijiactl --json status >"$out/status-block.json"
enforcement=$(jq -c .enforcement "$out/status-block.json")
echo "ZJ-SYS: zhijiactl status: enforcement: $enforcement"
lsm_enforces=0 enf_want=no
# "lsm+kill" when some other class has no proved LSM hook here (the kill fallback covers it)
if jq -e '.enforcement | type == "object" and (.mode == "lsm" or .mode == "lsm+kill") and
	.["T1055.008"].effective == "block" and .["T1055.008"].mode == "lsm"' \
	"$out/status-block.json" >/dev/null; then
	lsm_enforces=1 enf_want=yes
fi
if [ $lsm_enforces = 1 ]; then
	inject block yes
	[ "$trig_rc" != 0 ] || die "policy block, BPF LSM enforcing, but the ptrace attach succeeded"
	grep -q 'Operation not permitted' "$out/trigger-2.err" ||
		die "the attach failed, but not with EPERM: $(cat "$out/trigger-2.err")"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$vpid/status" ||
		die "the victim is traced after a denied attach: $(grep TracerPid "/proc/$vpid/status")"
	ok "zhijiactl policy set T1055.008 block: the next attempt is denied (EPERM) and the" \
		"journal says blocked"
else
	inject block no
	echo "PENDING: 'blocks the next attempt': zhijiactl status reports no LSM enforcement" \
		"('$enforcement'); asserted instead: the attempt went ahead and the journal says" \
		"ZHIJIA_ACTION=block ZHIJIA_ENFORCED=no"
	ok "zhijiactl policy set T1055.008 block: the next alert says block (not enforced: PENDING)"
fi

# ---- reload and restart keep the policy --------------------------------------------------------
reloads() { daemon_log "$pid" | grep -c 'policy reloaded'; }
reloaded_after() { [ "$(reloads)" -gt "$1" ]; }
r0=$(reloads)
systemctl reload zhijia || die "systemctl reload zhijia failed"
wait_for 20 reloaded_after "$r0" || die "zhijiad did not say 'policy reloaded' after reload"
[ "$(prop zhijia MainPID)" = "$pid" ] || die "systemctl reload changed the main pid"
is_running || die "not running after reload"
policy_is_block || die "after systemctl reload, T1055.008 is no longer block"
inject block $enf_want
ok "systemctl reload: same pid, policy reloaded, T1055.008 still block (and applied)"

t=$(now_ms)
systemctl restart zhijia || die "systemctl restart zhijia failed"
timing systemctl_restart $(($(now_ms) - t))
is_running || die "not running after restart"
pid2=$(prop zhijia MainPID)
[ "$pid2" != "$pid" ] || die "systemctl restart kept the main pid $pid"
pid=$pid2
policy_is_block || die "after systemctl restart, T1055.008 is no longer block"
inject block $enf_want
jq -e '.ZHIJIA_CONFIGURED == "block"' "$out/alert-$attempt.json" >/dev/null ||
	die "after restart the alert is not configured block: $(cat "$out/alert-$attempt.json")"
ok "systemctl restart: new pid $pid, T1055.008 still block (and applied)"

# ---- the watchdog -----------------------------------------------------------------------------------
[ "$(prop zhijia WatchdogUSec)" = 30s ] || die "WatchdogUSec is $(prop zhijia WatchdogUSec)"
ready_at=$(prop zhijia ActiveEnterTimestampMonotonic)
pinged() { [ "$(prop zhijia WatchdogTimestampMonotonic)" -ge $((ready_at + 1000000)) ]; }
t=$(now_ms)
wait_for 25 pinged || die "no watchdog ping within 25 s after READY (WatchdogSec=30s)"
ok "watchdog: WatchdogSec=30s, zhijiad pinged $(( ($(prop zhijia WatchdogTimestampMonotonic) - \
	ready_at) / 1000000 )) s after READY"

# ---- Restart=on-failure ------------------------------------------------------------------------------
# one `systemctl show` for all four: between two calls the state may change
restarted() {
	ActiveState="" SubState="" MainPID=0 NRestarts=0
	eval "$(systemctl show -p ActiveState -p SubState -p MainPID -p NRestarts zhijia)"
	[ "$ActiveState/$SubState" = active/running ] && [ "$MainPID" != 0 ] &&
		[ "$MainPID" != "$pid" ] && [ "$NRestarts" -ge 1 ]
}
systemctl kill --kill-who=main -s KILL zhijia || die "systemctl kill failed"
wait_for 90 restarted || die "zhijiad killed with SIGKILL was not restarted:" \
	"$(systemctl show -p ActiveState -p SubState -p MainPID -p NRestarts zhijia | tr '\n' ' ')"
pid=$(prop zhijia MainPID)
ok "Restart=on-failure: SIGKILLed zhijiad is back (pid $pid, NRestarts=$(prop zhijia NRestarts))"

# ---- stop leaves no program attached -----------------------------------------------------------------
# While zhijiad runs, its programs are its own (self-protection: no one else gets an fd for
# them, so bpftool cannot list them): their ids come from zhijiactl status.
zhijiactl --json status >"$out/status-running.json"
jq -r '.self_protection_objects.program_ids[]' "$out/status-running.json" >"$out/progs-running.txt"
progs=$(wc -l <"$out/progs-running.txt")
[ "$progs" -gt 0 ] || die "zhijiactl status lists no program of zhijiad's while it runs"
attached_n=$(jq -r .programs_attached "$out/status-running.json")
if [ $lsm_enforces = 1 ]; then
	# ---- self-protection: a root shell is not zhijiad's service manager -----------------------
	if kill -9 "$pid" 2>"$out/kill.err"; then
		die "kill -9 of zhijiad from a root shell succeeded"
	fi
	grep -qi 'not permitted' "$out/kill.err" ||
		die "kill -9 of zhijiad failed, but not with EPERM: $(cat "$out/kill.err")"
	sleep 1
	[ "$(prop zhijia MainPID)" = "$pid" ] && kill -0 "$pid" ||
		die "zhijiad (pid $pid) did not survive the denied kill -9"
	first=$(head -n 1 "$out/progs-running.txt")
	if bpftool prog show id "$first" >/dev/null 2>"$out/bpftool.err"; then
		die "bpftool opened zhijiad's program $first"
	fi
	grep -qi 'not permitted' "$out/bpftool.err" ||
		die "bpftool on zhijiad's program failed, but not with EPERM: $(cat "$out/bpftool.err")"
	ok "self-protection: kill -9 of zhijiad and bpftool on its program $first, from a root" \
		"shell, are denied with EPERM; zhijiad runs on"
fi
t=$(now_ms)
systemctl stop zhijia || die "systemctl stop zhijia failed"
timing systemctl_stop $(($(now_ms) - t))
[ "$(prop zhijia ActiveState)" = inactive ] || die "after stop: $(prop zhijia ActiveState)"
no_progs() { [ -z "$(zj_progs)" ]; }
wait_for 10 no_progs || die "after stop bpftool still shows: $(zj_progs | tr '\n' ' ')"
while read -r id; do
	! bpftool prog show id "$id" >/dev/null 2>&1 || die "program id $id is still loaded"
done <"$out/progs-running.txt"
if bpftool -j link show | jq -r '.[] | select(.prog_id) | .prog_id' |
	grep -qxF -f "$out/progs-running.txt"; then
	die "a link to one of zhijia's programs is left"
fi
daemon_log "$pid" | grep -q 'kernel records:' || die "zhijiad did not log its stop line"
[ ! -e /run/zhijia ] || die "/run/zhijia is left after stop"
ok "systemctl stop: none of zhijia's $progs programs ($attached_n attached) or links is left"

# ---- purge --------------------------------------------------------------------------------------------
systemctl stop zj-victim >/dev/null 2>&1
t=$(now_ms)
dpkg --purge zhijia >"$out/dpkg-purge.log" 2>&1 ||
	die "dpkg --purge zhijia failed: $(tail -n 5 "$out/dpkg-purge.log")"
timing dpkg_purge $(($(now_ms) - t))
status=$(dpkg-query -W -f '${Status}' zhijia 2>/dev/null)
case $status in
"" | *not-installed) ;;
*) die "dpkg still has zhijia: $status" ;;
esac
left=""
while read -r p; do
	[ ! -e "$p" ] && [ ! -L "$p" ] || left="$left $p"
done <"$out/payload-files.txt"
for p in /etc/zhijia /var/lib/zhijia /var/log/zhijia /run/zhijia \
	/etc/systemd/system/multi-user.target.wants/zhijia.service; do
	[ ! -e "$p" ] && [ ! -L "$p" ] || left="$left $p"
done
[ -z "$left" ] || die "purge left:$left"
[ "$(systemctl is-enabled zhijia 2>&1)" != enabled ] || die "zhijia.service still enabled"
! systemctl cat zhijia.service >/dev/null 2>&1 || die "systemd still knows zhijia.service"
catalog=$(journalctl --list-catalog)
for id in $ZJ_MSGIDS; do
	case $catalog in
	*"$id"*) die "the journal catalog still has $id after purge" ;;
	esac
done
ok "dpkg --purge: the $(wc -l <"$out/payload-files.txt") files, the configuration, state," \
	"logs, unit and catalog entries are gone"

finish 0
