#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mkinitramfs.sh: build the guest's whole root file system as an initramfs (cpio newc, gzip):
# busybox with its applet links, zhijia's binaries and tests, and every shared library they load.
#
#   tests/vm/mkinitramfs.sh -o OUT.gz [-b EXE]... [-f FILE]... [-t TEST]... [-e NAME=VALUE]...
#                           [-c COMMAND]
#
#   -b EXE         an executable; it and the shared libraries ldd names for it (the dynamic loader
#                  too) are copied.  The guest runs the host's build against the host's libraries.
#   -f FILE        a data file (configuration, fixtures), copied as it is.
#                  Placement for -b and -f: a relative path lands under /zj (the guest's copy of
#                  the source tree, the tests' working directory), so build/zhijiad is
#                  /zj/build/zhijiad; an absolute path keeps its place (/lib/systemd/...).
#   -t TEST        a guest test, copied to /tests/NN-<name> and run, in the order given, by
#                  /tests/run-guest.sh (tests/vm/guest/run-guest.sh, always included).
#   -e NAME=VALUE  exported to the command.  PATH already holds the -b directories.
#   -c COMMAND     what /init runs (sh -c) once the file systems are mounted; default
#                  /tests/run-guest.sh.
#
# /init mounts proc, sysfs, devtmpfs, devpts, tracefs, debugfs, securityfs, bpffs, cgroup2, tmpfs
# on /run, /tmp and /dev/shm; prints the kernel and the active LSMs; runs COMMAND; prints a
# result block between "ZJ-VM RESULTS BEGIN/END" lines and then "ZJ-VM-RESULT: rc=N" (COMMAND's
# exit status), and powers the machine off.  run-vm.sh reads those lines.
#
# Paths with white space are not supported.  Needs busybox (busybox-static) and gzip; no root.
#
# ZJ_VM_ARCH=arm64 (tests/vm/arm64.mk): an arm64 root from arm64 binaries on an x86_64 host: the
# busybox is the arm64 one fetch-kernel.sh cached, and the libraries are the multiarch ones in
# /lib/aarch64-linux-gnu, listed by the arm64 loader run under qemu-aarch64 (ldd cannot).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prog=mkinitramfs

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

out=""
cmd="/tests/run-guest.sh"
bins=() files=() tests=() envs=()
while getopts "o:b:f:t:e:c:h" opt; do
	case $opt in
	o) out=$OPTARG ;;
	b) bins+=("$OPTARG") ;;
	f) files+=("$OPTARG") ;;
	t) tests+=("$OPTARG") ;;
	e) [[ $OPTARG == [A-Za-z_]*=* ]] || die "-e wants NAME=VALUE, not '$OPTARG'"
	   envs+=("$OPTARG") ;;
	c) cmd=$OPTARG ;;
	h) sed -n '4,27s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "usage: $0 -o OUT.gz [-b EXE]... [-f FILE]... [-t TEST]... [-e N=V]... [-c CMD]" ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -eq 0 ]] || die "unexpected argument '$1'"
[[ -n $out ]] || die "-o OUT.gz is required"

# The host's busybox writes the archive; the guest's is the host's or, for arm64, the arm64 one.
host_busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
arch=${ZJ_VM_ARCH:-amd64}
busybox_run=() ldd_cmd=(ldd) gcc_s_pattern='libgcc_s[.]so[.]1 .*x86-64'
case $arch in
amd64 | x86) busybox=$host_busybox ;;
arm64)
	env=${ZJ_VM_CACHE:-$here/cache/arm64}/current.env
	[[ -f $env ]] || die "$env: run tests/vm/fetch-kernel.sh with ZJ_VM_ARCH=arm64 first"
	# shellcheck disable=SC1090 # written by fetch-kernel.sh
	. "$env"
	busybox=$(dirname "$env")/${ZJ_VM_BUSYBOX:?"no busybox in $env"}
	if [[ $(uname -m) != aarch64 ]]; then
		emu=$(command -v qemu-aarch64) || die "qemu-aarch64 not found (apt-get install qemu-user)"
		busybox_run=("$emu")
		ldd_cmd=("$emu" /lib/ld-linux-aarch64.so.1 --list)
		[[ -e /lib/ld-linux-aarch64.so.1 ]] || die "no arm64 loader (apt-get install libc6:arm64)"
	fi
	gcc_s_pattern='libgcc_s[.]so[.]1 .*AArch64' ;;
*) die "ZJ_VM_ARCH=$arch: amd64 or arm64" ;;
esac

root=$(mktemp -d "${TMPDIR:-/tmp}/zj-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

# Where a host path lands in the guest.
guest_path() {
	if [[ $1 == /* ]]; then printf '%s\n' "$1"; else printf '/zj/%s\n' "${1#./}"; fi
}

# Copy host file $1 to guest path $2 (following symlinks: the guest gets the content).
put() {
	mkdir -p "$root$(dirname "$2")"
	cp -L --preserve=mode "$1" "$root$2"
}

# Copy the shared libraries an executable needs, each at the path ldd names.
libs_of() {
	local list line lib
	# ldd prints "name => /path (addr)", "/path/ld-linux... (addr)", "linux-vdso.so.1 (addr)",
	# or "not a dynamic executable" for a static one (status 1).
	list=$("${ldd_cmd[@]}" "$1" 2>/dev/null) || true
	while read -r line; do
		case $line in
		*"=> not found"*) die "$1 needs ${line%% *}, which is not installed" ;;
		*"=> /"*) lib=${line#*=> }; lib=${lib%% (*} ;;
		/*) lib=${line%% (*} ;;
		*) continue ;;
		esac
		[[ -e $root$lib ]] || put "$lib" "$lib"
	done <<<"$list"
}

# ---- skeleton ---------------------------------------------------------------------------------
mkdir -p "$root"/{proc,sys,dev,run,tmp,root,etc,tests,zj,var/log,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 0700 "$root/root"
# A merged-/usr host (/lib -> usr/lib) gets the same links in the guest, so that a path ldd
# prints and the loader's built-in search path name the same file.
for d in bin sbin lib lib32 lib64 libx32; do
	if [[ -L /$d ]]; then
		mkdir -p "$root/$(readlink "/$d" | sed 's|^/||')"
		ln -s "$(readlink "/$d")" "$root/$d"
	fi
done
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin}

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost zj-vm\n::1 localhost\n' >"$root/etc/hosts"
ln -s /proc/mounts "$root/etc/mtab"

# ---- busybox ----------------------------------------------------------------------------------
put "$busybox" /bin/busybox
libs_of "$busybox" # none for busybox-static; the dynamic build works too
"${busybox_run[@]}" "$busybox" --list-full | grep -vx linuxrc | while read -r applet; do
	[[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done

# ---- project files ----------------------------------------------------------------------------
path_dirs=""
for b in "${bins[@]}"; do
	[[ -f $b && -x $b ]] || die "-b $b: not an executable file (was it built?)"
	g=$(guest_path "$b")
	put "$b" "$g"
	libs_of "$b"
	case ":$path_dirs" in
	*":$(dirname "$g"):"*) ;;
	*) path_dirs="$path_dirs$(dirname "$g"):" ;;
	esac
done
# glibc dlopens libgcc_s for thread cancellation and unwinding; no ldd lists it.
# (awk reads to the end: an early exit would kill ldconfig with SIGPIPE, and pipefail with it.)
gcc_s=$(ldconfig -p | awk -v re="$gcc_s_pattern" '$0 ~ re && !n++ { print $NF }')
# ldconfig's cache may not list a foreign architecture's libraries
if [[ -z $gcc_s && $arch == arm64 && -e /lib/aarch64-linux-gnu/libgcc_s.so.1 ]]; then
	gcc_s=/lib/aarch64-linux-gnu/libgcc_s.so.1
fi
if [[ -n $gcc_s && ! -e $root$gcc_s ]]; then put "$gcc_s" "$gcc_s"; fi

for f in "${files[@]}"; do
	[[ -f $f ]] || die "-f $f: no such file"
	put "$f" "$(guest_path "$f")"
done

put "$here/guest/run-guest.sh" /tests/run-guest.sh
n=0
for t in "${tests[@]}"; do
	[[ -f $t ]] || die "-t $t: no such file"
	n=$((n + 1))
	put "$t" "$(printf '/tests/%02d-%s' "$n" "$(basename "$t")")"
	chmod 0755 "$root$(printf '/tests/%02d-%s' "$n" "$(basename "$t")")"
done

# ---- /init ------------------------------------------------------------------------------------
shquote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
	echo "# generated by tests/vm/mkinitramfs.sh"
	echo "export PATH=${path_dirs}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for e in "${envs[@]}"; do
		echo "export ${e%%=*}=$(shquote "${e#*=}")"
	done
	echo "ZJ_VM_CMD=$(shquote "$cmd")"
} >"$root/etc/zj-vm.env"

put "$here/guest/init" /init
chmod 0755 "$root/init"

# ---- archive ----------------------------------------------------------------------------------
mkdir -p "$(dirname "$out")"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	"$host_busybox" cpio -o -H newc -R 0:0 --ignore-devno --renumber-inodes 2>/dev/null) |
	gzip -n -6 >"$out.tmp"
mv "$out.tmp" "$out"
printf '%s: %s: %s files, %s KiB (%s binaries, %s tests)\n' "$prog" "$out" \
	"$(find "$root" -mindepth 1 | wc -l)" "$(($(stat -c %s "$out") / 1024))" \
	"${#bins[@]}" "${#tests[@]}"
