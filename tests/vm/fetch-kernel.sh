#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-kernel.sh: put Debian 12's newest linux-image-6.1.*-cloud-amd64 in the VM cache, and make
# sure the host has what the VM tests need (qemu-system-x86, busybox-static).
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
cache=${ZJ_VM_CACHE:-$here/cache}
refresh=${ZJ_VM_REFRESH:-0}

# Host packages the VM tests need beyond packaging/deps-debian.sh's list.  (cpio is not one:
# busybox's applet writes the initramfs; gzip and dpkg are essential packages.)
HOST_PKGS="qemu-system-x86 busybox-static"

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
check_config() {
	# $1: config file.  Prints the options that matter; fails if one is missing.
	bad=""
	for opt in CONFIG_BPF_LSM CONFIG_DEBUG_INFO_BTF CONFIG_BPF_SYSCALL CONFIG_SECURITYFS \
		CONFIG_DEVTMPFS CONFIG_RD_GZIP CONFIG_SERIAL_8250_CONSOLE; do
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
		exit 0
	fi
fi

# The flavour's image packages are named linux-image-<abi>-cloud-amd64 (<abi> = 6.1.0-N); the
# -unsigned, -dbg and other series' names do not match.  Newest ABI wins.
newest() {
	apt-cache search --names-only '^linux-image-6\.1\.[0-9]+-[0-9]+-cloud-amd64$' 2>/dev/null |
		cut -d' ' -f1 | grep -E '^linux-image-6\.1\.[0-9]+-[0-9]+-cloud-amd64$' | sort -V |
		tail -n 1
}
pkg=$(newest)
if [ -z "$pkg" ]; then
	[ "$(id -u)" = 0 ] || { echo "fetch-kernel: no linux-image-6.1.*-cloud-amd64 in the" \
		"package lists; as root: apt-get update" >&2; exit 77; }
	say "package lists have no linux-image-6.1.*-cloud-amd64: apt-get update"
	apt-get update -q
	pkg=$(newest)
	[ -n "$pkg" ] || die "Debian's archive offers no linux-image-6.1.*-cloud-amd64"
fi
version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	die "$pkg has no candidate version"
fi
release=${pkg#linux-image-}
tree="$cache/${pkg}_$version"

mkdir -p "$cache/debs"
deb="$cache/debs/${pkg}_${version}_amd64.deb"
if [ ! -f "$deb" ]; then
	say "downloading $pkg $version"
	tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX")
	# apt's download sandbox user (_apt) cannot write into a root-owned work tree; as root,
	# download as root instead of letting apt warn and fall back to it anyway.
	sandbox=""
	[ "$(id -u)" != 0 ] || sandbox="-oAPT::Sandbox::User=root"
	# shellcheck disable=SC2086 # empty or one word
	(cd "$tmp" && apt-get download -q $sandbox "$pkg=$version") ||
		{ rm -rf "$tmp"; die "apt-get download $pkg=$version failed"; }
	# apt names the file with an epoch-escaped version; there is exactly one .deb.
	mv "$tmp"/*.deb "$deb"
	rmdir "$tmp"
fi

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

cat >"$cache/current.env.tmp" <<EOF
ZJ_VM_KPKG='$pkg'
ZJ_VM_KVERSION='$version'
ZJ_VM_KRELEASE='$release'
ZJ_VM_KERNEL='${pkg}_$version/boot/vmlinuz-$release'
EOF
mv "$cache/current.env.tmp" "$cache/current.env"
say "ready: $pkg $version ($tree/boot/vmlinuz-$release)"
