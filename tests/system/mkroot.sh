#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# mkroot.sh: the boot test's guest, cached.  A minimal Debian 12 (debootstrap --variant=minbase)
# with systemd as PID 1 and Debian's own cloud kernel, as an ext4 image that QEMU boots with
# snapshot=on (never written: every run starts from the same state).
#
#   tests/system/mkroot.sh [--refresh]
#
# Cache (ZJ_SYS_CACHE, default tests/system/cache, git-ignored):
#   rootfs/        the debootstrap of bookworm with GUEST_PKGS and a zh_CN.UTF-8 locale
#   rootfs.key     what rootfs/ was made from (suite, mirror, packages); a different key remakes it
#   root.img       rootfs/ plus the guest set-up below (hostname, fstab, the test runner unit)
#   root.img.key   rootfs.key and a hash of this script and guest/zj-system-test.service
#   vmlinuz, initrd.img   the kernel and initramfs installed in rootfs/
# Once cached, nothing here asks the network.  --refresh (or ZJ_SYS_REFRESH=1) starts over.
#
# The mirror is the one this machine's apt uses for bookworm (/etc/apt/sources.list.d/*.sources or
# sources.list), else deb.debian.org; ZJ_SYS_MIRROR overrides.
#
# Exit status: 0 ready; 1 failed; 77 this host cannot build the guest (not root, or debootstrap or
# mkfs.ext4 missing and not installable here): the message says what to do.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${ZJ_SYS_CACHE:-$here/cache}
refresh=${ZJ_SYS_REFRESH:-0}
suite=bookworm

# What zhijia's package needs at run time (the .deb's Depends; checked against it before every
# boot by run-system.sh), and what the test uses: bpftool (programs left after stop), jq
# (journalctl -o json), locales (journalctl -x in Chinese), man-db (systemd-analyze verify runs
# man for each Documentation= of the unit).
GUEST_PKGS="systemd systemd-sysv udev linux-image-cloud-amd64 initramfs-tools
libbpf1 libelf1 libjson-c5 libcap2 zlib1g libsystemd0 libyara9 procps bpftool jq locales man-db"
HOST_PKGS="debootstrap e2fsprogs"

say() { printf 'mkroot: %s\n' "$*"; }
die() { printf 'mkroot: %s\n' "$*" >&2; exit 1; }
skip() { printf 'mkroot: cannot build the guest here: %s\n' "$*" >&2; exit 77; }

for arg in "$@"; do
	case $arg in
	--refresh) refresh=1 ;;
	*) die "unknown argument '$arg' (valid: --refresh)" ;;
	esac
done

installed() {
	dpkg-query -W -f '${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

hash_of() {
	sha256sum | cut -c1-16
}

mirror_from_apt() {
	# deb822: the first URI of a stanza whose Suites name bookworm itself
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = "" }
		/(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ {
			if (match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)) {
				s = substr($0, RSTART, RLENGTH); sub(/.*URIs:[ \t]*/, "", s)
				print s; exit
			}
		}' "$f"
	done
	# one-line format
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([a-z]*:[^ ]*\) bookworm .*/\2/p' "$f"
	done
}

[ "$(id -u)" = 0 ] || skip "debootstrap and the image need root; run as root"

missing=""
for p in $HOST_PKGS; do
	installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing:$missing"
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing ||
		skip "cannot install$missing (packaging/deps-debian.sh installs them)"
fi

mirror=${ZJ_SYS_MIRROR:-$(mirror_from_apt | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
pkgs=$(printf '%s' "$GUEST_PKGS" | tr -s ' \n' ',,')
root_key=$(printf '%s\n' "$suite" "$mirror" "$pkgs" zh_CN.UTF-8 | hash_of)
img_key=$(cat "$0" "$here/guest/zj-system-test.service" | hash_of)-$root_key

mkdir -p "$cache"
if [ "$refresh" = 1 ]; then
	rm -rf "$cache/rootfs" "$cache/rootfs.key" "$cache/root.img" "$cache/root.img.key"
fi

# ---- 1. the debootstrap ---------------------------------------------------------------------
if [ "$(cat "$cache/rootfs.key" 2>/dev/null)" != "$root_key" ]; then
	say "debootstrap $suite from $mirror (about a minute)"
	rm -rf "$cache/rootfs" "$cache/rootfs.new" "$cache/rootfs.key"
	start=$(date +%s)
	debootstrap --variant=minbase --include="$pkgs" "$suite" "$cache/rootfs.new" "$mirror" \
		>"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/debootstrap.log"; die "debootstrap failed ($cache/debootstrap.log)"; }
	# journalctl -x in Chinese needs the locale; minbase generates none
	chroot "$cache/rootfs.new" localedef -i zh_CN -c -f UTF-8 zh_CN.UTF-8 ||
		die "localedef zh_CN.UTF-8 failed"
	chroot "$cache/rootfs.new" apt-get clean
	mv "$cache/rootfs.new" "$cache/rootfs"
	echo "$root_key" >"$cache/rootfs.key"
	say "rootfs ready in $(($(date +%s) - start)) s: $(du -sh "$cache/rootfs" | cut -f1)"
fi

# ---- 2. the image -----------------------------------------------------------------------------
if [ "$(cat "$cache/root.img.key" 2>/dev/null)" != "$img_key" ] || [ ! -f "$cache/root.img" ]; then
	start=$(date +%s)
	stage=$cache/stage
	rm -rf "$stage" "$cache/root.img" "$cache/root.img.key"
	cp -a "$cache/rootfs" "$stage"
	echo zj-guest >"$stage/etc/hostname"
	echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$stage/etc/fstab"
	# Nothing that competes with the test for the emulated CPUs or the console: timers that
	# fire at boot, and the serial getty (the console is the test's output).
	for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
		fstrim.timer e2scrub_reap.service serial-getty@ttyS0.service getty@tty1.service; do
		ln -sf /dev/null "$stage/etc/systemd/system/$u"
	done
	# man-db re-indexes on every package installation: seconds under emulation, for nothing
	# (its trigger looks for this flag; man still finds pages without the index)
	rm -f "$stage/var/lib/man-db/auto-update"
	install -m 0644 "$here/guest/zj-system-test.service" "$stage/etc/systemd/system/"
	ln -sf /etc/systemd/system/zj-system-test.service \
		"$stage/etc/systemd/system/multi-user.target.wants/zj-system-test.service"
	kver=$(ls "$stage/lib/modules")
	[ "$(echo "$kver" | wc -w)" = 1 ] || die "rootfs has kernels '$kver', expected one"
	cp "$stage/boot/vmlinuz-$kver" "$cache/vmlinuz"
	cp "$stage/boot/initrd.img-$kver" "$cache/initrd.img"
	truncate -s 2G "$cache/root.img.new"
	mkfs.ext4 -q -L zj-root -d "$stage" "$cache/root.img.new"
	rm -rf "$stage"
	mv "$cache/root.img.new" "$cache/root.img"
	echo "$img_key" >"$cache/root.img.key"
	say "image ready in $(($(date +%s) - start)) s: kernel $kver"
fi
say "cached: $cache/root.img, kernel $(ls "$cache/rootfs/lib/modules")"
