#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# compare-payload.sh DEB RPM: the Debian package and the RPM install the same files, with the
# same modes, and mark the same ones as configuration.
#
# Compared: every path that is not a directory (directories are each package manager's own
# business), with its permission bits.  Read as the same: /lib/... and /usr/lib/... (merged
# /usr: Debian 12's debhelper puts units in /lib/systemd/system, RPM in /usr/lib/systemd/system,
# one directory on both).  Left out: /usr/share/doc and /usr/share/licenses, where each format
# keeps its own files (changelog.Debian.gz and copyright; README.md), and RPM's own
# /usr/lib/.build-id links.
#
# Exit status: 0 same; 1 different (the differences are printed); 2 usage.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 DEB RPM" >&2; exit 2; }
deb=$1 rpm=$2
for f in "$deb" "$rpm"; do
	[ -f "$f" ] || { echo "compare-payload: $f: no such file" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

normalise() {
	sed -e 's|^\./|/|' -e 's| /lib/| /usr/lib/|' -e 's|^/lib/|/usr/lib/|' |
		grep -vE '(^| )(/usr/share/(doc|licenses)|/usr/lib/\.build-id)/' | LC_ALL=C sort
}

# "PERMS PATH" for every non-directory
dpkg-deb --fsys-tarfile "$deb" | tar -tvf - | awk '$1 !~ /^d/ { print $1, $6 }' |
	sed 's| \./| /|' | normalise >"$tmp/deb"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | awk '$1 !~ /^d/' |
	normalise >"$tmp/rpm"
dpkg-deb -I "$deb" conffiles 2>/dev/null | normalise >"$tmp/deb.conf" || :
rpm -qcp "$rpm" | normalise >"$tmp/rpm.conf"

rc=0
if ! diff -u "$tmp/deb" "$tmp/rpm" >"$tmp/diff"; then
	echo "compare-payload: the packages install different files (- deb, + rpm):"
	tail -n +3 "$tmp/diff"
	rc=1
fi
if ! diff -u "$tmp/deb.conf" "$tmp/rpm.conf" >"$tmp/diff.conf"; then
	echo "compare-payload: different configuration files (- deb conffiles, + rpm %config):"
	tail -n +3 "$tmp/diff.conf"
	rc=1
fi
if [ $rc -eq 0 ]; then
	echo "compare-payload: same payload, $(wc -l <"$tmp/deb") files," \
		"$(wc -l <"$tmp/deb.conf") of them configuration:"
	sed 's/^/  /' "$tmp/deb"
fi
exit $rc
