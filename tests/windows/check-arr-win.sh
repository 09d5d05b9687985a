#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The Windows ARR executor under Wine, for real: rules run by zhijia-win.exe --arr change Wine's
# registry (the prefix in the build folder: WINEPREFIX), read back with `wine reg query`;
# Proc_Terminate/Proc_Modify act on a real process; Script_Bat runs in cmd.exe; File_* act on
# files in the prefix's drive_c (a real directory), checked from the Linux side, and keep what
# they remove or rewrite in C:\ProgramData\zhijia\quarantine with its SHA-256.
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

# ---- File_* ----------------------------------------------------------------------------
d="${WINEPREFIX:?WINEPREFIX must name the test prefix}/drive_c"
fd="$d/zj-arr-files"
q="$d/ProgramData/zhijia/quarantine"
rm -rf "$fd" "$d/windows/system32/zj-arr-evil.dll" && mkdir -p "$fd"

expect_file() { # desc file content (printf format)
	printf "$3" > "$work/want"
	if [ -f "$2" ] && cmp -s "$work/want" "$2"; then
		ok "$1"
	else
		not_ok "$1: $2 is not as expected"
	fi
}

expect_gone() { # desc file
	if [ -e "$2" ]; then not_ok "$1: $2 is still there"; else ok "$1"; fi
}

# quarantined DESC PATH SHA256: an item whose .json names PATH with the digest, and whose
# stored content has that digest.
quarantined() {
	item=$(grep -l -F "\"path\":\"$2\"" "$q"/*.json 2> /dev/null | while read -r j; do
		grep -q "\"sha256\":\"$3\"" "$j" && echo "$j"; done | tail -n 1)
	if [ -n "$item" ] && [ "$(sha256sum < "${item%.json}.bin" | cut -d' ' -f1)" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1: no quarantine item for $2 with SHA-256 $3"
	fi
}

printf 'evil one\r\n' > "$fd/del1.exe"
printf 'evil two\r\n' > "$fd/del2.dll"
printf 'other\r\n' > "$fd/other.bin"
printf 'planted\r\n' > "$d/windows/system32/zj-arr-evil.dll"
h1=$(sha256sum < "$fd/del1.exe" | cut -d' ' -f1)
h2=$(sha256sum < "$fd/del2.dll" | cut -d' ' -f1)
h3=$(sha256sum < "$fd/other.bin" | cut -d' ' -f1)
h4=$(sha256sum < "$d/windows/system32/zj-arr-evil.dll" | cut -d' ' -f1)

# File_Delete of paths: moved into the quarantine; a path not there is reported
rule fdelete '{"name":"fdel","actions":[{"action":"File_Delete","filenames":["C:\\zj-arr-files\\del1.exe","C:\\zj-arr-files\\nothing.exe"]},
 {"action":"File_Delete","filenames":["C:\\Windows\\System32\\zj-arr-evil.dll"]}]}'
expect_rc "File_Delete: succeeds" 0
expect_gone "File_Delete: the file is gone" "$fd/del1.exe"
quarantined "File_Delete: quarantined with its SHA-256" 'C:\\zj-arr-files\\del1.exe' "$h1"
expect_gone "File_Delete: a file planted in System32 is deleted without force" \
	"$d/windows/system32/zj-arr-evil.dll"
quarantined "File_Delete: ... and quarantined" 'C:\\Windows\\System32\\zj-arr-evil.dll' "$h4"
if grep -q '1 not found' "$work/fdelete.out"; then
	ok "File_Delete: a path not there is reported"
else
	not_ok "File_Delete: the missing path is not reported"
fi

# File_Delete of a file marked read-only, hidden and system (attrib +r +h +s)
printf 'stubborn\r\n' > "$fd/ro.exe"
hr=$(sha256sum < "$fd/ro.exe" | cut -d' ' -f1)
$wine cmd /c attrib +r +h +s 'C:\zj-arr-files\ro.exe' > /dev/null 2>&1
rule fdelete-ro '{"name":"fro","actions":[{"action":"File_Delete","filenames":["C:\\zj-arr-files\\ro.exe"]}]}'
expect_rc "File_Delete of a read-only, hidden, system file: succeeds" 0
expect_gone "File_Delete of a read-only, hidden, system file: gone" "$fd/ro.exe"
quarantined "File_Delete of a read-only, hidden, system file: quarantined" 'C:\\zj-arr-files\\ro.exe' "$hr"

# File_Delete with "sha256": only the file with a listed digest goes
rule fdelete-sha '{"name":"fsha","actions":[{"action":"File_Delete","filenames":["C:\\zj-arr-files\\del2.dll","C:\\zj-arr-files\\other.bin"],"sha256":["'"$h2"'"]}]}'
expect_rc "File_Delete with sha256: succeeds" 0
expect_gone "File_Delete with sha256: the listed file is gone" "$fd/del2.dll"
quarantined "File_Delete with sha256: quarantined" 'C:\\zj-arr-files\\del2.dll' "$h2"
expect_file "File_Delete with sha256: a file with another digest stays" "$fd/other.bin" 'other\r\n'

# The digest is checked again on what was moved: a file swapped after the first check goes
# back (the first check skipped here, as if the swap happened between the two)
export ZJ_WIN_SKIP_DIGEST_PRECHECK=1
rule fdelete-sha2 '{"name":"fsha","actions":[{"action":"File_Delete","filenames":["C:\\zj-arr-files\\other.bin"],"sha256":["'"$h2"'"]}]}'
unset ZJ_WIN_SKIP_DIGEST_PRECHECK
expect_rc "File_Delete with sha256, checked after the move: succeeds" 0
expect_file "File_Delete with sha256, checked after the move: the file is put back" "$fd/other.bin" 'other\r\n'
if ls "$q"/*.json | xargs grep -l -F "\"sha256\":\"$h3\"" > /dev/null 2>&1; then
	not_ok "File_Delete with sha256, checked after the move: an item was left in the quarantine"
else
	ok "File_Delete with sha256, checked after the move: no item is left in the quarantine"
fi

# File_Create: a new file; an existing one only with "overwrite" (the old one quarantined)
rule fcreate '{"name":"fc","actions":[{"action":"File_Create","path":"C:\\zj-arr-files\\new.txt","content":"line 1\r\nline 2\r\n"}]}'
expect_rc "File_Create: succeeds" 0
expect_file "File_Create: the content" "$fd/new.txt" 'line 1\r\nline 2\r\n'
rule fcreate-again '{"name":"fc","actions":[{"action":"File_Create","path":"C:\\zj-arr-files\\new.txt","content":"x"}]}'
expect_rc "File_Create: an existing file is refused" 1
expect_file "File_Create: ... and left as it was" "$fd/new.txt" 'line 1\r\nline 2\r\n'
hn=$(sha256sum < "$fd/new.txt" | cut -d' ' -f1)
rule fcreate-over '{"name":"fc","actions":[{"action":"File_Create","path":"C:\\zj-arr-files\\new.txt","content":"evil line\r\nkeep\r\nevil again\r\n","overwrite":true}]}'
expect_rc "File_Create with overwrite: succeeds" 0
expect_file "File_Create with overwrite: the new content" "$fd/new.txt" 'evil line\r\nkeep\r\nevil again\r\n'
quarantined "File_Create with overwrite: the old file is quarantined" 'C:\\zj-arr-files\\new.txt' "$hn"

# File_DelText: the lines that contain a text; then bytes
rule fdeltext '{"name":"fdt","actions":[{"action":"File_DelText","path":"C:\\zj-arr-files\\new.txt","text":["evil"]}]}'
expect_rc "File_DelText (text): succeeds" 0
expect_file "File_DelText (text): only the other lines stay" "$fd/new.txt" 'keep\r\n'
rule fdeltext-none '{"name":"fdt","actions":[{"action":"File_DelText","path":"C:\\zj-arr-files\\new.txt","text":["absent"]}]}'
expect_rc "File_DelText: nothing to remove is not an error" 0
expect_file "File_DelText: ... and the file is untouched" "$fd/new.txt" 'keep\r\n'
rule fdeltext-hex '{"name":"fdt","actions":[{"action":"File_DelText","path":"C:\\zj-arr-files\\new.txt","hex":"65 65"}]}'
expect_rc "File_DelText (hex): succeeds" 0
expect_file "File_DelText (hex): the bytes are removed" "$fd/new.txt" 'kp\r\n'

# File_Modify: append, patch at an offset, replace; a patch past the end is refused
rule fmodify '{"name":"fm","actions":[{"action":"File_Modify","path":"C:\\zj-arr-files\\new.txt","append":"tail\r\n"},
 {"action":"File_Modify","path":"C:\\zj-arr-files\\new.txt","offset":0,"hex":"4B 50"}]}'
expect_rc "File_Modify (append, offset+hex): succeeds" 0
expect_file "File_Modify (append, offset+hex): the content" "$fd/new.txt" 'KP\r\ntail\r\n'
rule fmodify-past '{"name":"fm","actions":[{"action":"File_Modify","path":"C:\\zj-arr-files\\new.txt","offset":8,"hex":"41 42 43"}]}'
expect_rc "File_Modify: bytes past the end are refused" 1
expect_file "File_Modify: ... and the file is untouched" "$fd/new.txt" 'KP\r\ntail\r\n'
rule fmodify-content '{"name":"fm","actions":[{"action":"File_Modify","path":"C:\\zj-arr-files\\new.txt","content":"clean\r\n"}]}'
expect_rc "File_Modify (content): succeeds" 0
expect_file "File_Modify (content): replaced" "$fd/new.txt" 'clean\r\n'

# File_Rename: a file already at "to" is quarantined first
printf 'in the way\r\n' > "$fd/target.txt"
ht=$(sha256sum < "$fd/target.txt" | cut -d' ' -f1)
rule frename '{"name":"fr","actions":[{"action":"File_Rename","path":"C:\\zj-arr-files\\new.txt","to":"C:\\zj-arr-files\\target.txt"}]}'
expect_rc "File_Rename: succeeds" 0
expect_gone "File_Rename: the old name is gone" "$fd/new.txt"
expect_file "File_Rename: the file is at the new name" "$fd/target.txt" 'clean\r\n'
quarantined "File_Rename: what was at the new name is quarantined" 'C:\\zj-arr-files\\target.txt' "$ht"

# File_Attribute: read-only on (Wine keeps it as the Unix mode: no write bits), then read-only,
# hidden and system off (attrib +r +h +s, as malware leaves its files)
rule fattr-on '{"name":"fa","actions":[{"action":"File_Attribute","path":"C:\\zj-arr-files\\target.txt","immutable":true}]}'
expect_rc "File_Attribute immutable: succeeds" 0
$wine cmd /c attrib 'C:\zj-arr-files\target.txt' > "$work/attrib.out" 2>&1
if grep -q '^A *R ' "$work/attrib.out" && [ "$(stat -c %a "$fd/target.txt")" = 444 ]; then
	ok "File_Attribute immutable: read-only (attrib; mode 444 on the Unix side)"
else
	not_ok "File_Attribute immutable: not read-only: $(cat "$work/attrib.out"), mode $(stat -c %a "$fd/target.txt")"
fi
$wine cmd /c attrib +h +s 'C:\zj-arr-files\target.txt' > /dev/null 2>&1
rule fattr-off '{"name":"fa","actions":[{"action":"File_Attribute","path":"C:\\zj-arr-files\\target.txt","immutable":false}]}'
expect_rc "File_Attribute not immutable: succeeds" 0
$wine cmd /c attrib 'C:\zj-arr-files\target.txt' > "$work/attrib.out" 2>&1
if grep -Eq '^A +C:' "$work/attrib.out" && [ "$(stat -c %a "$fd/target.txt")" != 444 ]; then
	ok "File_Attribute not immutable: read-only, hidden and system cleared (attrib)"
else
	not_ok "File_Attribute not immutable: $(sed 's/\r$//' "$work/attrib.out")"
fi

# The executor checks where a file really is: a link to kernel32.dll needs force
ln -sf ../windows/system32/kernel32.dll "$fd/link.dll"
k32_mode=$(stat -L -c %a "$fd/link.dll")
rule fresolve '{"name":"fl","actions":[{"action":"File_Attribute","path":"C:\\zj-arr-files\\link.dll","immutable":true}]}'
expect_rc "File_Attribute of a link to kernel32.dll is refused without force" 1
if grep -q 'resolves to .*kernel32.dll' "$work/fresolve.out" &&
	[ "$(stat -L -c %a "$fd/link.dll")" = "$k32_mode" ]; then
	ok "... said why, and kernel32.dll is unchanged"
else
	not_ok "... kernel32.dll was changed or no reason was given"
fi

# ... and a new file is where its folder resolves to: a link to System32 needs force too
ln -sfn ../windows/system32 "$fd/sysdir"
rule fresolve-dir '{"name":"fl","actions":[{"action":"File_Create","path":"C:\\zj-arr-files\\sysdir\\winload.exe","content":"x"}]}'
expect_rc "File_Create through a link to System32 of winload.exe is refused without force" 1
expect_gone "... and nothing is created there" "$d/windows/system32/winload.exe"
rm -f "$fd/sysdir"

# The parser's refusals (exit status 2, nothing runs)
refuse() { # desc path-json [instruction-json-rest]
	rule refuse-file '{"name":"rf","actions":[{"action":"File_Delete","filenames":['"$2"']}]}'
	expect_rc "$1" 2
}
refuse "a relative path is refused" '"zj-arr-files\\other.bin"'
refuse "a path with '..' is refused" '"C:\\zj-arr-files\\..\\zj-arr-files\\other.bin"'
refuse "a POSIX path is refused" '"/tmp/x"'
refuse "a '/' separator is refused" '"C:/zj-arr-files/other.bin"'
refuse "a network share (UNC) is refused" '"\\\\server\\share\\x.exe"'
refuse "a device name is refused" '"C:\\zj-arr-files\\nul"'
refuse "an alternate data stream is refused" '"C:\\zj-arr-files\\other.bin:ads"'
refuse "C:\\Windows\\System32 is refused without force" '"C:\\Windows\\System32"'
refuse "System32's kernel32.dll is refused without force" '"c:\\windows\\system32\\KERNEL32.DLL"'
rule refuse-root '{"name":"rr","actions":[{"action":"File_Attribute","path":"C:\\","immutable":true}]}'
expect_rc "the drive's root is refused without force" 2
rule refuse-scope '{"name":"rs","actions":[{"action":"File_Delete","filenames":["x.exe"],"condition":"alldisk"}]}'
expect_rc "a search scope is refused on Windows" 2
rule refuse-mode '{"name":"rm","actions":[{"action":"File_Attribute","path":"C:\\zj-arr-files\\other.bin","mode":"0644"}]}'
expect_rc "File_Attribute's POSIX mode is refused on Windows" 2
rule refuse-mbr '{"name":"mbr","actions":[{"action":"File_repairMbr","data":"backup","condition":"[equal],[offset:0],[00]"}]}'
expect_rc "File_repairMbr is refused on Windows" 2
rule refuse-var '{"name":"var","actions":[{"action":"File_Delete","filenames":["${path}"]}]}'
expect_rc "a rule with variables is refused by zhijia-win --arr" 2
expect_file "after the refusals: other.bin is still there" "$fd/other.bin" 'other\r\n'
rm -f "$fd/link.dll"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
