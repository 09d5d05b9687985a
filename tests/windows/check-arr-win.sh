#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The Windows ARR executor under Wine, for real: rules run by zhijia-win.exe --arr change Wine's
# registry (the prefix in the build folder: WINEPREFIX), read back with `wine reg query`;
# Proc_Terminate/Proc_Modify act on a real process; Script_Bat runs in cmd.exe.
#   WINEPREFIX=... WINE=wine sh tests/windows/check-arr-win.sh BUILD/windows
set -u

out=${1:?usage: check-arr-win.sh WIN_OUT}
wine=${WINE:-wine}
exe="$out/zhijia-win.exe"
sleeper="$out/tests/zj-sleeper.exe"
work="$out/arr-test"
key='HKCU\Software\zhijia-test'
pass=0
fail=0

rm -rf "$work" && mkdir -p "$work"

ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}

not_ok() {
	fail=$((fail + 1))
	echo "not ok - $1"
}

# rule NAME JSON: write the rule, run it; its output in $work/NAME.out, status in $rc.
rule() {
	printf '%s\n' "$2" > "$work/$1.json"
	$wine "$exe" --arr "$work/$1.json" > "$work/$1.out" 2>&1
	rc=$?
	sed 's/\r$//' "$work/$1.out" | sed 's/^/    /'
}

# query KEY [VALUE]: `wine reg query` output (CR stripped) in $work/q.out, status in $qrc.
query() {
	if [ $# -eq 2 ]; then
		$wine reg query "$1" /v "$2" > "$work/q.out" 2>&1
	else
		$wine reg query "$1" > "$work/q.out" 2>&1
	fi
	qrc=$?
	sed -i 's/\r$//' "$work/q.out"
}

expect_value() { # desc key value type data
	query "$2" "$3"
	if [ $qrc -eq 0 ] && grep -Eq "^ +$3 +$4 +$5\$" "$work/q.out"; then
		ok "$1"
	else
		not_ok "$1: reg query $2 /v $3:"
		sed 's/^/    /' "$work/q.out"
	fi
}

expect_no_value() { # desc key value
	query "$2" "$3"
	if [ $qrc -ne 0 ]; then ok "$1"; else not_ok "$1: $3 is still there"; fi
}

expect_no_key() { # desc key
	query "$2"
	if [ $qrc -ne 0 ]; then ok "$1"; else not_ok "$1: $2 is still there"; fi
}

expect_rc() { # desc want
	if [ "$rc" -eq "$2" ]; then ok "$1"; else not_ok "$1: exit status $rc, want $2"; fi
}

$wine reg delete "$key" /f > /dev/null 2>&1

# Reg_Create: a key, then values of each type
rule create '{"name":"create","actions":[
 {"action":"Reg_Create","key":"HKCU\\Software\\zhijia-test\\Sub"},
 {"action":"Reg_Create","key":"HKCU\\Software\\zhijia-test","value":"Str","data":"hello world"},
 {"action":"Reg_Create","key":"HKCU\\Software\\zhijia-test","value":"Exp","value_type":"REG_EXPAND_SZ","data":"%SystemRoot%\\x.exe"},
 {"action":"Reg_Create","key":"HKCU\\Software\\zhijia-test","value":"Num","value_type":"REG_DWORD","data":"0x2a"},
 {"action":"Reg_Create","key":"HKCU\\Software\\zhijia-test","value":"Big","value_type":"REG_QWORD","data":"4294967296"},
 {"action":"Reg_Create","key":"HKCU\\Software\\zhijia-test\\Sub","value":"Inner","data":"x"}]}'
expect_rc "Reg_Create: all actions succeed" 0
expect_value "Reg_Create: REG_SZ" "$key" Str REG_SZ "hello world"
expect_value "Reg_Create: REG_EXPAND_SZ" "$key" Exp REG_EXPAND_SZ '%SystemRoot%\\x.exe'
expect_value "Reg_Create: REG_DWORD" "$key" Num REG_DWORD 0x2a
# Wine's reg query prints "(null)" for REG_QWORD data: read it back with reg export instead.
$wine reg export "$key" "$work/export.reg" /y > /dev/null 2>&1
if tr -d '\000\r' < "$work/export.reg" | grep -q '^"Big"=hex(b):00,00,00,00,01,00,00,00$'; then
	ok "Reg_Create: REG_QWORD (reg export)"
else
	not_ok "Reg_Create: REG_QWORD: not in reg export"
fi
expect_value "Reg_Create: a value in a new subkey" "$key\\Sub" Inner REG_SZ x

# Reg_Create of a value that exists is refused, and leaves it as it was
rule create-again '{"name":"again","actions":[
 {"action":"Reg_Create","key":"HKCU\\Software\\zhijia-test","value":"Str","data":"changed"}]}'
expect_rc "Reg_Create: an existing value is refused" 1
expect_value "Reg_Create: the existing value is unchanged" "$key" Str REG_SZ "hello world"

# Reg_Modify
rule modify '{"name":"modify","actions":[
 {"action":"Reg_Modify","key":"HKCU\\Software\\zhijia-test","value":"Str","data":"modified"},
 {"action":"Reg_Modify","key":"HKCU\\Software\\zhijia-test","value":"Num","value_type":"REG_DWORD","data":"7"}]}'
expect_rc "Reg_Modify: succeeds" 0
expect_value "Reg_Modify: REG_SZ changed" "$key" Str REG_SZ modified
expect_value "Reg_Modify: REG_DWORD changed" "$key" Num REG_DWORD 0x7
rule modify-missing '{"name":"modify","actions":[
 {"action":"Reg_Modify","key":"HKCU\\Software\\zhijia-test","value":"Nope","data":"x"}]}'
expect_rc "Reg_Modify: a missing value is an error" 1
expect_no_value "Reg_Modify: does not create it" "$key" Nope

# Reg_Rename: a value, then a key
rule rename-value '{"name":"rename","actions":[
 {"action":"Reg_Rename","key":"HKCU\\Software\\zhijia-test","value":"Exp","to":"Renamed"}]}'
expect_rc "Reg_Rename (value): succeeds" 0
expect_value "Reg_Rename (value): the new name has the data and type" "$key" Renamed REG_EXPAND_SZ '%SystemRoot%\\x.exe'
expect_no_value "Reg_Rename (value): the old name is gone" "$key" Exp
rule rename-key '{"name":"rename","actions":[
 {"action":"Reg_Rename","key":"HKCU\\Software\\zhijia-test\\Sub","to":"Moved"}]}'
expect_rc "Reg_Rename (key): succeeds" 0
grep -o 'renamed.*' "$work/rename-key.out" | sed 's/\r$//; s/^/    how: /'
expect_value "Reg_Rename (key): the values moved with it" "$key\\Moved" Inner REG_SZ x
expect_no_key "Reg_Rename (key): the old key is gone" "$key\\Sub"

# The same through the fallback (copy + delete), as where advapi32 has no RegRenameKey
$wine reg add "$key\\Fb\\Deep" /v V /d deep /f > /dev/null 2>&1
printf '%s\n' '{"name":"fb","actions":[{"action":"Reg_Rename","key":"HKCU\\Software\\zhijia-test\\Fb","to":"Fb2"}]}' \
	> "$work/rename-fallback.json"
ZJ_WIN_NO_REGRENAMEKEY=1 WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-}" $wine "$exe" --arr "$work/rename-fallback.json" \
	> "$work/rename-fallback.out" 2>&1
rc=$?
sed 's/\r$//; s/^/    /' "$work/rename-fallback.out"
expect_rc "Reg_Rename (key, copy and delete): succeeds" 0
expect_value "Reg_Rename (key, copy and delete): subkeys and values copied" "$key\\Fb2\\Deep" V REG_SZ deep
expect_no_key "Reg_Rename (key, copy and delete): the old key is gone" "$key\\Fb"

# Reg_Delete_Value, Reg_Delete with a value, Reg_Delete of a key tree
rule delete-value '{"name":"dv","actions":[
 {"action":"Reg_Delete_Value","key":"HKCU\\Software\\zhijia-test","value":"Big"},
 {"action":"Reg_Delete","key":"HKCU\\Software\\zhijia-test","value":"Num"}]}'
expect_rc "Reg_Delete_Value: succeeds" 0
expect_no_value "Reg_Delete_Value: the value is gone" "$key" Big
expect_no_value "Reg_Delete with a value: the value is gone" "$key" Num
expect_value "Reg_Delete_Value: other values stay" "$key" Str REG_SZ modified

# The parser's refusals (Windows grammar): a top-level key, a bad DWORD, Linux-only actions
rule refuse-top '{"name":"top","actions":[{"action":"Reg_Delete","key":"HKLM\\SOFTWARE"}]}'
expect_rc "Reg_Delete of a top-level key is refused without force" 2
rule refuse-vital '{"name":"top","actions":[{"action":"Reg_Rename","key":"HKLM\\SOFTWARE\\Microsoft","to":"x"}]}'
expect_rc "Reg_Rename of HKLM\\SOFTWARE\\Microsoft is refused without force" 2
rule refuse-dword '{"name":"dw","actions":[
 {"action":"Reg_Create","key":"HKCU\\Software\\zhijia-test","value":"D","value_type":"REG_DWORD","data":"0x100000000"}]}'
expect_rc "a REG_DWORD out of range is refused" 2
rule refuse-linux '{"name":"lx","actions":[{"action":"Script_Shell","script":"true"}]}'
expect_rc "Script_Shell is refused on Windows" 2

# Script_Bat: a script that writes a value the test reads back
rule bat '{"name":"bat","actions":[{"action":"Script_Bat","timeout":60,
 "script":"@echo off\r\nreg add HKCU\\Software\\zhijia-test /v FromBat /d yes /f\r\nexit /b 0\r\n"}]}'
expect_rc "Script_Bat: exit status 0" 0
expect_value "Script_Bat: what the script wrote" "$key" FromBat REG_SZ yes
rule bat-fail '{"name":"bat","actions":[{"action":"Script_Bat","script":"exit /b 3\r\n"}]}'
expect_rc "Script_Bat: a failing script fails the action" 1

# Script_PWL: the script writes a value.  Wine's powershell.exe is a stub that exits 0 without
# running anything: then the action is started for real but its effect cannot be checked.
rule pwl '{"name":"pwl","actions":[{"action":"Script_PWL",
 "script":"Set-ItemProperty -Path HKCU:\\Software\\zhijia-test -Name FromPwl -Value yes\r\n"}]}'
query "$key" FromPwl
if [ "$rc" -eq 0 ] && [ $qrc -eq 0 ]; then
	ok "Script_PWL: the script ran and wrote its value"
elif [ "$rc" -eq 0 ]; then
	echo "skip - Script_PWL: powershell.exe exited 0 without running the script" \
		"(Wine's powershell.exe is a stub); the executor's part (temporary .ps1," \
		"CreateProcess, exit status) ran"
elif grep -q 'powershell' "$work/pwl.out"; then
	ok "Script_PWL: reported that powershell.exe could not run here (status $rc)"
else
	not_ok "Script_PWL: status $rc without a reason"
fi

# Proc_Modify (suspend, resume) and Proc_Terminate of a real process, by name
$wine "$sleeper" 120 > /dev/null 2>&1 &
spid=$!
i=0
until $wine tasklist 2>/dev/null | grep -qi 'zj-sleeper.exe' || [ $i -ge 30 ]; do
	sleep 0.5
	i=$((i + 1))
done
rule suspend '{"name":"s","actions":[{"action":"Proc_Modify","names":["zj-sleeper.exe"],"state":"suspend"},
 {"action":"Proc_Modify","names":["zj-sleeper.exe"],"state":"resume"}]}'
expect_rc "Proc_Modify: suspend and resume zj-sleeper.exe" 0
rule terminate '{"name":"t","actions":[{"action":"Proc_Terminate","names":["zj-sleeper.exe"]}]}'
expect_rc "Proc_Terminate: zj-sleeper.exe" 0
i=0
while kill -0 "$spid" 2> /dev/null && [ $i -lt 20 ]; do
	sleep 0.5
	i=$((i + 1))
done
if kill -0 "$spid" 2> /dev/null; then
	not_ok "Proc_Terminate: the process is still running"
	kill "$spid" 2> /dev/null
else
	ok "Proc_Terminate: the process is gone"
fi
rule terminate-none '{"name":"t","actions":[{"action":"Proc_Terminate","names":["zj-sleeper.exe"]}]}'
expect_rc "Proc_Terminate: nothing to terminate is an error" 1
rule terminate-critical '{"name":"t","actions":[{"action":"Proc_Terminate","names":["services.exe"]}]}'
expect_rc "Proc_Terminate: a critical process is refused" 1

# Reg_Delete of the whole test key
rule delete-key '{"name":"dk","actions":[{"action":"Reg_Delete","key":"HKCU\\Software\\zhijia-test"}]}'
expect_rc "Reg_Delete (key tree): succeeds" 0
expect_no_key "Reg_Delete (key tree): the key is gone" "$key"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
