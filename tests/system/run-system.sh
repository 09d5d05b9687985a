#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-system.sh: boot the cached Debian 12 guest (tests/system/mkroot.sh) under QEMU with systemd
# as PID 1, hand it zhijia's .deb and the test on a second disk, stream its console here, and
# exit with the test's status.
#
#   tests/system/run-system.sh --deb DEB --trigger ZJ_TRIGGER --catalog-tool ZJ_CATALOG
#                              --techniques "T1055.008 ..." [--out DIR] [--timeout S]
#                              [--mem MIB] [--smp N]
#
#   --deb           the package under test
#   --trigger       build/tests/zj-trigger: performs the injection attempts
#   --catalog-tool  build/zj-catalog: the MESSAGE_IDs the guest must find, from zhijiad's code
#   --techniques    the sub-techniques zhijia alerts on (the catalog's entries)
#   --out           work and result directory (default build/system): payload.img,
#                   console.log, guest/ (the guest's journal and logs, copied back)
#   --timeout       the whole run, boot included (ZJ_SYS_TIMEOUT, default 600 s)
#   --mem, --smp    guest size (default 2048 MiB, 2 CPUs)
#
# Plain emulation (TCG): on the project's machines a KVM guest hangs at boot.  The root image is
# attached with snapshot=on, so the cache is never written and every run starts the same.
#
# Exit status: the guest test's; 1 when it reported none (the console says why); 77 when this
# host cannot run QEMU at all.
set -euo pipefail
shopt -s extglob

here=$(cd "$(dirname "$0")" && pwd)
cache=${ZJ_SYS_CACHE:-$here/cache}
prog=run-system
deb="" trigger="" catalog_tool="" techniques="" out=build/system
timeout_s=${ZJ_SYS_TIMEOUT:-600}
mem=2048 smp=2

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
skip() { printf '%s: cannot run the boot test on this host: %s\n' "$prog" "$*" >&2; exit 77; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--deb) deb=$2; shift 2 ;;
	--trigger) trigger=$2; shift 2 ;;
	--catalog-tool) catalog_tool=$2; shift 2 ;;
	--techniques) techniques=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	*) die "unknown argument '$1' (see the head of $0)" ;;
	esac
done
[[ -f $deb ]] || die "--deb: '$deb' is not a file (make deb builds it)"
[[ -x $trigger ]] || die "--trigger: '$trigger' is not executable"
[[ -x $catalog_tool ]] || die "--catalog-tool: '$catalog_tool' is not executable"
[[ -n $techniques ]] || die "--techniques is required"
for f in root.img vmlinuz initrd.img rootfs/var/lib/dpkg/status; do
	[[ -e $cache/$f ]] || die "$cache/$f is missing: run tests/system/mkroot.sh first"
done
qemu=$(command -v qemu-system-x86_64) ||
	skip "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
"$qemu" --version >/dev/null 2>&1 || skip "$qemu does not run"
command -v debugfs >/dev/null || die "debugfs (e2fsprogs) is missing"

# The guest has no network: everything the package depends on must be in the image already.
if ! dry=$(dpkg --root="$cache/rootfs" --dry-run --no-triggers -i "$deb" 2>&1); then
	printf '%s\n' "$dry" >&2
	die "the cached guest cannot install $(basename "$deb") (a new dependency?): add it to" \
		"GUEST_PKGS in tests/system/mkroot.sh"
fi

# ---- the payload disk -----------------------------------------------------------------------
rm -rf "$out" && mkdir -p "$out/payload/out"
cp "$deb" "$out/payload/"
cp "$trigger" "$out/payload/zj-trigger"
cp "$here/guest/system-test.sh" "$out/payload/"
{
	echo "ZJ_DEB='$(basename "$deb")'"
	ids=""
	# shellcheck disable=SC2086 # one argument per technique
	while read -r t id; do
		echo "ZJ_MSGID_${t//./_}='$id'"
		ids="$ids $id"
	done < <("$catalog_tool" --ids $techniques)
	echo "ZJ_MSGIDS='${ids# }'"
} >"$out/payload/expect.env"
grep -q ZJ_MSGID_T1055_008 "$out/payload/expect.env" || die "no MESSAGE_ID for T1055.008"
truncate -s 128M "$out/payload.img"
mkfs.ext4 -q -L zj-payload -d "$out/payload" "$out/payload.img"

# ---- boot ---------------------------------------------------------------------------------------
cmdline="console=ttyS0 root=/dev/vda rw lsm=lockdown,capability,bpf panic=-1 quiet"
qemu_args=(-accel tcg -m "$mem" -smp "$smp" -nographic -no-reboot -nic none
	-kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" -append "$cmdline"
	-drive "file=$cache/root.img,format=raw,if=virtio,snapshot=on"
	-drive "file=$out/payload.img,format=raw,if=virtio")

usec() { local t=${EPOCHREALTIME//[!0-9]/}; printf '%s\n' "$((10#$t))"; }
secs() { printf '%d.%02d' $(($1 / 1000000)) $(($1 % 1000000 / 10000)); }

printf '%s: %s -m %s -smp %s (TCG, no KVM), time limit %ss\n' "$prog" "${qemu##*/}" "$mem" \
	"$smp" "$timeout_s"
printf '%s: kernel %s, append "%s"\n' "$prog" "$(ls "$cache/rootfs/lib/modules")" "$cmdline"
: >"$out/console.log"
t_start=$(usec)
t_test="" t_result="" rc=""
times=()
set +e
timeout -k 10 "$timeout_s" "$qemu" "${qemu_args[@]}" </dev/null 2>&1 |
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line//$'\r'/}
		line=${line//$'\e'c/}
		line=${line//$'\e'\[*([0-9;?])[A-Za-z]/}
		printf '%s\n' "$line" >>"$out/console.log"
		printf 'sys| %s\n' "$line"
	done
qemu_rc=${PIPESTATUS[0]}
set -e
t_end=$(usec)

# Read the markers back from the log (the loop above ran in a subshell).
while IFS= read -r line; do
	case $line in
	*"ZJ-SYS: test started"*) t_test=1 ;;
	*"ZJ-SYS-TIME "*) times+=("${line##*ZJ-SYS-TIME }") ;;
	*"ZJ-SYS-RESULT: rc="*) t_result=1; rc=${line##*ZJ-SYS-RESULT: rc=} ;;
	esac
done <"$out/console.log"

# The guest's journal and logs, for a look after the fact.
mkdir -p "$out/guest"
debugfs -R "rdump /out $out/guest" "$out/payload.img" >/dev/null 2>&1 || true

echo "$prog: ---------------------------------------------------------------------------"
for t in "${times[@]}"; do
	printf '%s: %-24s %8s s\n' "$prog" "${t%% *}" "${t##* }"
done
printf '%s: %-24s %8s s\n' "$prog" "qemu_total" "$(secs $((t_end - t_start)))"
printf '%s: console %s; guest journal and logs %s/guest/out\n' "$prog" "$out/console.log" "$out"
if [[ -z $t_result ]]; then
	[[ -n $t_test ]] || printf '%s: the test never started in the guest\n' "$prog"
	case $qemu_rc in
	124 | 137) printf '%s: FAILED: no result within %ss\n' "$prog" "$timeout_s" ;;
	*) printf '%s: FAILED: QEMU exited (%s) without a result\n' "$prog" "$qemu_rc" ;;
	esac
	exit 1
fi
[[ $rc =~ ^[0-9]+$ ]] || die "unreadable result 'ZJ-SYS-RESULT: rc=$rc'"
if [[ $rc == 0 ]]; then
	printf '%s: PASSED\n' "$prog"
else
	printf '%s: FAILED (guest rc=%s)\n' "$prog" "$rc"
fi
exit "$rc"
