#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian 12 packages zhijia's build and tests need, by name, from Debian's archive.
# Does nothing (and needs no network) when they are all installed already.  Run as root.
#   --bench  instead, the tools `make bench` compares zhijiad with (auditd, bpftrace) and the load
#            generator it drives (stress-ng).  They are never needed to build or test zhijia,
#            so the default set does not have them.
set -eu

BENCH_PKGS="auditd bpftrace stress-ng"
PKGS="make gcc clang llvm pkg-config bpftool
libbpf-dev libelf-dev zlib1g-dev libjson-c-dev libyara-dev libcap-dev libsystemd-dev check
systemd qemu-system-x86 busybox-static gcc-mingw-w64-x86-64 libclang-rt-14-dev
cmake wine wine64
dpkg-dev debhelper rpm debootstrap e2fsprogs nftables
systemd-journal-remote rsyslog"
what="build and test"
# The arm64 tier (make check-arm64: cross-build, unit tests under qemu-aarch64, the arm64 QEMU
# guest): Debian's aarch64 cross toolchain, QEMU's user and aarch64 system emulators, and the
# arm64 -dev packages through dpkg's multiarch (all Multi-Arch: same, co-installable with the
# amd64 ones at the same version).  On an amd64 host only; dpkg learns the arm64 architecture
# first (dpkg --add-architecture arm64, then apt-get update).
ARM64_PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user qemu-system-arm
libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libjson-c-dev:arm64 libyara-dev:arm64
libcap-dev:arm64 check:arm64 libsystemd-dev:arm64"
add_arm64=0

case "${1:-}" in
"")
	if [ "$(dpkg --print-architecture)" = amd64 ]; then
		PKGS="$PKGS $ARM64_PKGS"
		dpkg --print-foreign-architectures | grep -qx arm64 || add_arm64=1
	fi
	;;
--bench)
	PKGS="$BENCH_PKGS"
	what="benchmark"
	;;
*)
	echo "deps-debian: unknown option '$1' (valid: --bench)" >&2
	exit 2
	;;
esac

# The Windows port (tests/windows/) builds Debian's json-c and check sources with MinGW;
# `apt-get source` needs deb-src entries: the same archives, suites and keys as the deb ones.
need_update=""
if [ "$what" = "build and test" ] && [ "$(id -u)" = 0 ] &&
	! grep -qsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			> /etc/apt/sources.list.d/zhijia-src.sources.tmp
		mv /etc/apt/sources.list.d/zhijia-src.sources.tmp /etc/apt/sources.list.d/zhijia-src.sources
	else
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
			> /etc/apt/sources.list.d/zhijia-src.list.tmp
		mv /etc/apt/sources.list.d/zhijia-src.list.tmp /etc/apt/sources.list.d/zhijia-src.list
	fi
	need_update=1
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ] && [ "$add_arm64" = 0 ]; then
	[ -z "$need_update" ] || apt-get update -q
	echo "deps-debian: all $what packages are installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps-debian: missing packages:$missing; run this script as root to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$add_arm64" = 1 ]; then
	echo "deps-debian: dpkg --add-architecture arm64 (the arm64 -dev packages, multiarch)"
	dpkg --add-architecture arm64
fi
echo "deps-debian: installing:$missing"
apt-get update -q
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -q --no-install-recommends $missing
