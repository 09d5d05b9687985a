#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-vm.sh: boot the test guest under QEMU (plain emulation), stream its console here, and exit
# with the status of the command the guest ran.
#
#   tests/vm/run-vm.sh --initrd INITRD.gz [--kernel VMLINUZ] [--timeout SECONDS] [--mem MB]
#                      [--smp N] [--append "ARGS"] [--log FILE] [--interactive]
#
#   --kernel       default: the one tests/vm/fetch-kernel.sh cached (ZJ_VM_CACHE/current.env)
#   --timeout      hard limit for the whole run, boot included (ZJ_VM_TIMEOUT, default 600)
#   --mem, --smp   guest size (ZJ_VM_MEM, default 1024; ZJ_VM_SMP, default 2)
#   --append       more kernel arguments (ZJ_VM_APPEND); ZJ_VM_QUIET=0 drops "quiet"
#   --log          also write the raw console to FILE
#   --interactive  console on this terminal, no time limit (with an initramfs built with -c sh)
#
# Every console line is printed with a "vm| " prefix.  The guest's /init (tests/vm/guest/init)
# prints "ZJ-VM: /init started ...", "ZJ-VM: running: ...", a result block and finally
# "ZJ-VM-RESULT: rc=N"; from them this script measures the boot (QEMU start to /init) and the
# guest command's wall time, and takes N as its own exit status.
#
# ZJ_VM_ARCH=arm64 (tests/vm/arm64.mk): qemu-system-aarch64, machine virt, cpu ZJ_VM_CPU (default
# max with the cheaper implementation-defined pointer authentication), console ttyAMA0 (PL011),
# the kernel cached in tests/vm/cache/arm64.  No firmware: QEMU loads the Image itself.
#
# KVM is not used, on purpose: on the project's build machines /dev/kvm exists but a guest under
# it hangs at boot.  Plain emulation boots the cloud kernel to /init in a few seconds.
#
# Exit status: the guest command's; 1 when the guest reported none (panic, time-out: the console
# above says which); 77 only when this host cannot run QEMU at all (the message says why).
set -euo pipefail
shopt -s lastpipe extglob

here=$(cd "$(dirname "$0")" && pwd)
arch=${ZJ_VM_ARCH:-amd64}
case $arch in
amd64 | x86) arch=amd64 cache=${ZJ_VM_CACHE:-$here/cache} ;;
arm64) cache=${ZJ_VM_CACHE:-$here/cache/arm64} ;;
*) printf 'run-vm: ZJ_VM_ARCH=%s: amd64 or arm64\n' "$arch" >&2; exit 1 ;;
esac
prog=run-vm

kernel="" initrd="" log="" interactive=0
timeout_s=${ZJ_VM_TIMEOUT:-600}
mem=${ZJ_VM_MEM:-1024}
smp=${ZJ_VM_SMP:-2}
append_extra=${ZJ_VM_APPEND:-}

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
skip() { printf '%s: cannot run the VM tests on this host: %s\n' "$prog" "$*" >&2; exit 77; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--append) append_extra="$append_extra $2"; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	*) die "unknown argument '$1' (see the head of $0)" ;;
	esac
done

[[ -n $initrd ]] || die "--initrd is required (tests/vm/mkinitramfs.sh builds one)"
[[ -f $initrd ]] || die "$initrd: no such file"
if [[ -z $kernel ]]; then
	[[ -f $cache/current.env ]] || die "no cached kernel: run tests/vm/fetch-kernel.sh first"
	# shellcheck disable=SC1091 # written by fetch-kernel.sh
	. "$cache/current.env"
	kernel=$cache/$ZJ_VM_KERNEL
fi
[[ -f $kernel ]] || die "$kernel: no such file (tests/vm/fetch-kernel.sh fetches it)"

if [[ $arch == arm64 ]]; then
	qemu=$(command -v qemu-system-aarch64) ||
		skip "qemu-system-aarch64 is not installed (as root: apt-get install qemu-system-arm)"
	"$qemu" --version >/dev/null 2>&1 ||
		skip "$qemu does not run: $("$qemu" --version 2>&1 | head -n 1)"
	console=ttyAMA0
	machine=(-machine virt -cpu "${ZJ_VM_CPU:-max,pauth-impdef=on}")
else
	qemu=$(command -v qemu-system-x86_64) ||
		skip "qemu-system-x86_64 is not installed (as root: apt-get install qemu-system-x86)"
	"$qemu" --version >/dev/null 2>&1 ||
		skip "$qemu does not run: $("$qemu" --version 2>&1 | head -n 1)"
	for rom in bios-256k.bin linuxboot_dma.bin; do
		[[ -n $(find /usr/share/qemu /usr/share/seabios -name "$rom" -print -quit 2>/dev/null) ]] ||
			skip "QEMU's firmware $rom is missing (apt-get install qemu-system-x86 seabios)"
	done
	console=ttyS0
	machine=()
fi

cmdline="console=$console lsm=lockdown,capability,bpf panic=-1"
[[ ${ZJ_VM_QUIET:-1} == 0 ]] || cmdline="$cmdline quiet"
cmdline="$cmdline${append_extra:+ $append_extra}"

# -accel tcg says "no KVM" outright; -nic none: the guest needs no network, and QEMU then needs
# no network boot ROM either.
qemu_args=("${machine[@]}" -accel tcg -m "$mem" -smp "$smp" -nographic -no-reboot -nic none
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline")

if [[ $interactive == 1 ]]; then
	exec "$qemu" "${qemu_args[@]}"
fi

usec() { local t=${EPOCHREALTIME//[!0-9]/}; printf '%s\n' "$((10#$t))"; }
secs() { printf '%d.%02d' $(($1 / 1000000)) $(($1 % 1000000 / 10000)); }

printf '%s: %s -m %s -smp %s (TCG, no KVM), time limit %ss\n' "$prog" "${qemu##*/}" "$mem" "$smp" \
	"$timeout_s"
printf '%s: kernel %s\n%s: append "%s"\n' "$prog" "$kernel" "$prog" "$cmdline"
[[ -z $log ]] || : >"$log"

t_start=$(usec)
t_init="" t_run="" t_result="" rc=""
guest_up=""
# QEMU's stdin is /dev/null: nothing typed here reaches the guest or QEMU's monitor.  The markers
# are matched anywhere in a line: the guest's first line shares one with SeaBIOS' last.
set +e
timeout -k 10 "$timeout_s" "$qemu" "${qemu_args[@]}" </dev/null 2>&1 |
	while IFS= read -r line || [[ -n $line ]]; do
		# SeaBIOS clears the screen with escape sequences before the kernel's first line.
		line=${line//$'\r'/}
		line=${line//$'\e'c/}
		line=${line//$'\e'\[*([0-9;?])[A-Za-z]/}
		[[ -z $log ]] || printf '%s\n' "$line" >>"$log"
		printf 'vm| %s\n' "$line"
		case $line in
		*"ZJ-VM: /init started at "*)
			t_init=$(usec)
			guest_up=${line##*ZJ-VM: /init started at }
			guest_up=${guest_up%%s *} ;;
		*"ZJ-VM: running: "*) t_run=$(usec) ;;
		*"ZJ-VM-RESULT: rc="*) t_result=$(usec); rc=${line##*ZJ-VM-RESULT: rc=} ;;
		esac
	done
statuses=("${PIPESTATUS[@]}")
set -e
t_end=$(usec)
qemu_rc=${statuses[0]}

echo "$prog: ---------------------------------------------------------------------------"
if [[ -n $t_init ]]; then
	printf '%s: boot (QEMU start to /init): %ss; guest uptime at /init: %ss\n' "$prog" \
		"$(secs $((t_init - t_start)))" "$guest_up"
else
	printf '%s: the guest never reached /init\n' "$prog"
fi
if [[ -n $t_run && -n $t_result ]]; then
	printf '%s: guest tests: %ss\n' "$prog" "$(secs $((t_result - t_run)))"
fi
printf '%s: total (QEMU start to exit): %ss\n' "$prog" "$(secs $((t_end - t_start)))"

if [[ -z $rc ]]; then
	case $qemu_rc in
	124 | 137)
		printf '%s: FAILED: no result within the %ss time limit\n' "$prog" "$timeout_s" ;;
	0) printf '%s: FAILED: the guest stopped without a result (kernel panic? /init died?)\n' \
		"$prog" ;;
	*) printf '%s: FAILED: QEMU exited with status %s and no result\n' "$prog" "$qemu_rc" ;;
	esac
	exit 1
fi
[[ $rc =~ ^[0-9]+$ ]] || die "unreadable result line 'ZJ-VM-RESULT: rc=$rc'"
if [[ $rc == 0 ]]; then
	printf '%s: PASSED (guest rc=0)\n' "$prog"
else
	printf '%s: FAILED (guest rc=%s)\n' "$prog" "$rc"
fi
exit "$rc"
