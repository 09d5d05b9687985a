#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Build the Windows (MinGW-w64, x86_64) static libraries the Windows port and its tests link:
# json-c and check, from Debian's own source packages (`apt-get source`, which needs the deb-src
# entries packaging/deps-debian.sh adds), with cmake and the mingw cross compiler.
#   tests/windows/build-deps.sh CACHE
# installs into CACHE/mingw (include/, lib/) and writes CACHE/mingw/.done last, so a cache
# that has it is complete and is not rebuilt.  CACHE is under tests/windows/cache (.gitignored).
set -eu

cache=${1:?usage: build-deps.sh CACHE}
prefix="$cache/mingw"
if [ -f "$prefix/.done" ]; then
	exit 0
fi
mkdir -p "$cache/src"
cache=$(cd "$cache" && pwd)
prefix="$cache/mingw"
rm -rf "$prefix"

cat > "$cache/mingw.cmake" <<TOOLCHAIN
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# C99 printf (%zu, %jd) in check's messages, as in the programs that link it.
set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")
TOOLCHAIN

# One source package: fetch (and unpack, Debian's patches applied) once, build, install.
build() {
	pkg=$1
	shift
	cd "$cache/src"
	dir=$(find . -maxdepth 1 -type d -name "$pkg-[0-9]*" | head -n 1)
	if [ -z "$dir" ]; then
		echo "build-deps: apt-get source $pkg"
		if ! apt-get source -q "$pkg" > "$cache/src/$pkg.get.log" 2>&1; then
			cat "$cache/src/$pkg.get.log" >&2
			echo "build-deps: 'apt-get source $pkg' failed; deb-src entries are added by" \
				"'sh packaging/deps-debian.sh' (as root)" >&2
			exit 1
		fi
		dir=$(find . -maxdepth 1 -type d -name "$pkg-[0-9]*" | head -n 1)
	fi
	echo "build-deps: building $dir for x86_64-w64-mingw32"
	rm -rf "$cache/build-$pkg"
	if ! { cmake -S "$dir" -B "$cache/build-$pkg" -DCMAKE_TOOLCHAIN_FILE="$cache/mingw.cmake" \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release \
		-DBUILD_SHARED_LIBS=OFF "$@" &&
		cmake --build "$cache/build-$pkg" -j "$(nproc)" &&
		cmake --install "$cache/build-$pkg"; } > "$cache/build-$pkg.log" 2>&1; then
		tail -n 40 "$cache/build-$pkg.log" >&2
		echo "build-deps: building $pkg failed (log: $cache/build-$pkg.log)" >&2
		exit 1
	fi
}

build json-c -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF -DDISABLE_WERROR=ON
build check -DBUILD_TESTING=OFF -DCHECK_ENABLE_TESTS=OFF
# check.h declares its message functions format(printf), which mingw's gcc takes as the MSVCRT
# printf (no %jd); the library is built with mingw's C99 printf (above): say so to the compiler.
sed -i 's/CK_ATTRIBUTE_FORMAT(printf,/CK_ATTRIBUTE_FORMAT(gnu_printf,/' "$prefix/include/check.h"
touch "$prefix/.done"
echo "build-deps: json-c and check for MinGW in $prefix"
