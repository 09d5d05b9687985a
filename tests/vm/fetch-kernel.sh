#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-kernel.sh: put Debian 12's newest linux-image-6.1.*-cloud-amd64 in the VM cache, and make
# sure the host has what the VM tests need (qemu-system-x86, busybox-static).
#
# ZJ_VM_ARCH=arm64 (tests/vm/arm64.mk): the arm64 guest instead: linux-image-6.1.*-cloud-arm64
# and busybox-static:arm64 (its binary, unpacked beside the kernel as busybox), fetched with
# `apt-get download` through dpkg's multiarch (dpkg --add-architecture arm64), cached in
# tests/vm/cache/arm64/; host package qemu-system-arm.
#
#   tests/vm/fetch-kernel.sh [--refresh] [--print-packages]
#
# The kernel is fetched with `apt-get download` (no install), unpacked with `dpkg -x`, and only
# boot/ (vmlinuz, config) is kept beside the .deb.  Once cached, nothing asks the network: the
# cache is the kernel the tests run on until --refresh (or ZJ_VM_REFRESH=1) asks for the newest
# again.  The kernel's config must say CONFIG_BPF_LSM=y and CONFIG_DEBUG_INFO_BTF=y (BTF built in,
# at /sys/kernel/btf/vmlinux in the guest, is what CO-RE relocates against); this is checked and
# printed every time.
#
# Cache (ZJ_VM_CACHE, default tests/vm/cache, git-ignored):
#   debs/<package>_<version>_amd64.deb
#   <package>_<version>/boot/{vmlinuz,config}-<release>
#   current.env      ZJ_VM_KPKG, ZJ_VM_KVERSION, ZJ_VM_KRELEASE, ZJ_VM_KERNEL (vmlinuz, relative
#                    to the cache, so that the tree may move)
#
# Exit status: 0 ready; 1 failed; 77 the host cannot run the VM tests and this script cannot fix
# it (not root, packages missing): the message says what to install.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
arch=${ZJ_VM_ARCH:-amd64}
case $arch in
amd64 | x86) arch=amd64 cache=${ZJ_VM_CACHE:-$here/cache} ;;
arm64) cache=${ZJ_VM_CACHE:-$here/cache/arm64} ;;
*) echo "fetch-kernel: ZJ_VM_ARCH=$arch: amd64 or arm64" >&2; exit 1 ;;
esac
refresh=${ZJ_VM_REFRESH:-0}

# Host packages the VM tests need beyond packaging/deps-debian.sh's list.  (cpio is not one:
# busybox's applet writes the initramfs; gzip and dpkg are essential packages.)
HOST_PKGS="qemu-system-x86 busybox-static"
[ "$arch" = amd64 ] || HOST_PKGS="qemu-system-arm busybox-static"

say() { printf 'fetch-kernel: %s\n' "$*"; }
die() { printf 'fetch-kernel: %s\n' "$*" >&2; exit 1; }

for arg in "$@"; do
	case $arg in
	--refresh) refresh=1 ;;
	--print-packages) echo "$HOST_PKGS"; exit 0 ;;
	*) die "unknown argument '$arg' (valid: --refresh, --print-packages)" ;;
	esac
done

installed() {
	dpkg-query -W -f '${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# ---- host packages --------------------------------------------------------------------------
missing=""
for p in $HOST_PKGS; do
	installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		printf 'fetch-kernel: missing packages:%s; as root: apt-get install%s\n' \
			"$missing" "$missing" >&2
		exit 77
	fi
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	if ! apt-get install -y -q --no-install-recommends $missing; then
		apt-get update -q
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $missing
	fi
fi

# ---- kernel ---------------------------------------------------------------------------------
console_opt=CONFIG_SERIAL_8250_CONSOLE
[ "$arch" = amd64 ] || console_opt=CONFIG_SERIAL_AMBA_PL011_CONSOLE
check_config() {
	# $1: config file.  Prints the options that matter; fails if one is missing.
	bad=""
	for opt in CONFIG_BPF_LSM CONFIG_DEBUG_INFO_BTF CONFIG_BPF_SYSCALL CONFIG_SECURITYFS \
		CONFIG_DEVTMPFS CONFIG_RD_GZIP $console_opt; do
		grep -q "^$opt=y\$" "$1" || bad="$bad $opt"
	done
	[ -z "$bad" ] || die "$1 lacks:$bad (=y needed)"
	say "$(grep -E '^CONFIG_(BPF_LSM|DEBUG_INFO_BTF|LSM)=' "$1" | paste -s -d ' ')"
}

if [ "$refresh" != 1 ] && [ -f "$cache/current.env" ]; then
	# shellcheck disable=SC1091 # written below
	. "$cache/current.env"
	if [ -n "${ZJ_VM_KERNEL:-}" ] && [ -f "$cache/$ZJ_VM_KERNEL" ]; then
		say "cached: $ZJ_VM_KPKG $ZJ_VM_KVERSION ($cache/$ZJ_VM_KERNEL)"
		check_config "$cache/$(dirname "$ZJ_VM_KERNEL")/config-$ZJ_VM_KRELEASE"
		if [ "$arch" = amd64 ] || [ -x "$cache/${ZJ_VM_BUSYBOX:-none}" ]; then
			exit 0
		fi
	fi
fi

# The flavour's image packages are named linux-image-<abi>-cloud-<arch> (<abi> = 6.1.0-N); the
# -unsigned, -dbg and other series' names do not match.  Newest ABI wins.  A foreign arch's
# packages are in the lists only once dpkg knows the arch (dpkg --add-architecture arm64).
newest() {
	apt-cache search --names-only "^linux-image-6\\.1\\.[0-9]+-[0-9]+-cloud-$arch\$" 2>/dev/null |
		cut -d' ' -f1 | grep -E "^linux-image-6\\.1\\.[0-9]+-[0-9]+-cloud-$arch\$" | sort -V |
		tail -n 1
}
if [ "$arch" != amd64 ] && [ "$arch" != "$(dpkg --print-architecture)" ] &&
	! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	[ "$(id -u)" = 0 ] || { echo "fetch-kernel: dpkg does not know $arch; as root:" \
		"dpkg --add-architecture $arch && apt-get update" >&2; exit 77; }
	say "dpkg --add-architecture $arch"
	dpkg --add-architecture "$arch"
	apt-get update -q
fi
pkg=$(newest)
if [ -z "$pkg" ]; then
	[ "$(id -u)" = 0 ] || { echo "fetch-kernel: no linux-image-6.1.*-cloud-$arch in the" \
		"package lists; as root: apt-get update" >&2; exit 77; }
	say "package lists have no linux-image-6.1.*-cloud-$arch: apt-get update"
	apt-get update -q
	pkg=$(newest)
	[ -n "$pkg" ] || die "Debian's archive offers no linux-image-6.1.*-cloud-$arch"
fi
[ "$arch" = amd64 ] || pkg="$pkg:$arch"
version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	die "$pkg has no candidate version"
fi
apkg=$pkg
pkg=${pkg%:"$arch"}
release=${pkg#linux-image-}
tree="$cache/${pkg}_$version"

# download PKG[:ARCH] VERSION DEST.deb
download() {
	[ ! -f "$3" ] || return 0
	say "downloading $1 $2"
	mkdir -p "$(dirname "$3")"
	tmp=$(mktemp -d "$(dirname "$3")/.dl.XXXXXX")
	# apt's download sandbox user (_apt) cannot write into a root-owned work tree; as root,
	# download as root instead of letting apt warn and fall back to it anyway.
	sandbox=""
	[ "$(id -u)" != 0 ] || sandbox="-oAPT::Sandbox::User=root"
	# shellcheck disable=SC2086 # empty or one word
	(cd "$tmp" && apt-get download -q $sandbox "$1=$2") ||
		{ rm -rf "$tmp"; die "apt-get download $1=$2 failed"; }
	# apt names the file with an epoch-escaped version; there is exactly one .deb.
	mv "$tmp"/*.deb "$3"
	rmdir "$tmp"
}

deb="$cache/debs/${pkg}_${version}_$arch.deb"
download "$apkg" "$version" "$deb"

if [ ! -f "$tree/boot/vmlinuz-$release" ]; then
	say "unpacking $(basename "$deb")"
	tmp=$(mktemp -d "$cache/.x.XXXXXX")
	dpkg -x "$deb" "$tmp/root"
	# Everything the guest needs is built in (checked below); the modules stay in the .deb.
	mkdir -p "$tmp/keep"
	mv "$tmp/root/boot" "$tmp/keep/boot"
	rm -rf "$tree"
	mv "$tmp/keep" "$tree"
	rm -rf "$tmp"
fi
[ -f "$tree/boot/vmlinuz-$release" ] || die "$deb has no boot/vmlinuz-$release"
check_config "$tree/boot/config-$release"

# The arm64 guest's busybox: the host's busybox-static is an x86_64 binary.  Package
# busybox-static:arm64 is not co-installable with the host's, so only its binary is kept.
busybox_env=""
if [ "$arch" != amd64 ]; then
	bver=$(apt-cache policy "busybox-static:$arch" | sed -n 's/^ *Candidate: //p')
	if [ -z "$bver" ] || [ "$bver" = "(none)" ]; then
		die "busybox-static:$arch has no candidate version"
	fi
	bdeb="$cache/debs/busybox-static_$(echo "$bver" | tr ':' '_')_$arch.deb"
	download "busybox-static:$arch" "$bver" "$bdeb"
	bb="busybox-static_$(echo "$bver" | tr ':' '_')"
	if [ ! -x "$cache/$bb/busybox" ]; then
		tmp=$(mktemp -d "$cache/.x.XXXXXX")
		dpkg -x "$bdeb" "$tmp/root"
		mkdir -p "$cache/$bb"
		mv "$tmp/root/bin/busybox" "$cache/$bb/busybox"
		rm -rf "$tmp"
	fi
	busybox_env="ZJ_VM_BUSYBOX='$bb/busybox'"
fi

cat >"$cache/current.env.tmp" <<EOF
ZJ_VM_ARCH='$arch'
ZJ_VM_KPKG='$pkg'
ZJ_VM_KVERSION='$version'
ZJ_VM_KRELEASE='$release'
ZJ_VM_KERNEL='${pkg}_$version/boot/vmlinuz-$release'
$busybox_env
EOF
mv "$cache/current.env.tmp" "$cache/current.env"
say "ready: $pkg $version ($tree/boot/vmlinuz-$release)"
