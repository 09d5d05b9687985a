# SPDX-License-Identifier: GPL-2.0-only
# The arm64 tier (README, "arm64").  Included by the top Makefile right after its tool variables
# and before anything uses them.
#
#   make ARCH=arm64                 cross-build zhijiad, zhijiactl, the BPF objects (against
#                                   bpf/vmlinux/arm64/vmlinux.h) into build/arm64/
#   make ARCH=arm64 check-unit      the unit tests, run under qemu-aarch64 (user emulation)
#   make ARCH=arm64 check-vm        the guest tests in an arm64 QEMU guest (Debian 12's own
#   make check-vm-arm64             linux-image-6.1.*-cloud-arm64, plain emulation, BPF LSM)
#   make check-arm64                both, from a native make (part of `make check`)
#   make ARCH=arm64 vmlinux         regenerate bpf/vmlinux/arm64/vmlinux.h from the BTF of the
#                                   cached arm64 kernel's image (tests/vm/btf-extract.c)
#
# On an arm64 host ARCH=arm64 is the native build and nothing here applies but the guest.
# Toolchain and libraries: packaging/deps-debian.sh (gcc-aarch64-linux-gnu, qemu-user,
# qemu-system-arm and the -dev:arm64 packages through dpkg's multiarch).

ifeq ($(ARCH)-$(HOST_ARCH),arm64-x86)
CROSS_COMPILE ?= aarch64-linux-gnu-
# make's built-in CC (cc) is the host's; a CC given on the command line or in the environment wins.
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
# The arm64 .pc files of the multiarch -dev packages, not the host's (Debian 12 ships no
# aarch64-linux-gnu-pkg-config wrapper).
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
# Test programs run under user-mode emulation; the arm64 loader and libraries are the multiarch
# ones in /lib/aarch64-linux-gnu (libc6:arm64), so no -L sysroot is needed.
TEST_EMU ?= qemu-aarch64
endif

ifeq ($(ARCH),arm64)
# The guest scripts (fetch-kernel.sh, mkinitramfs.sh, run-vm.sh) take the guest's architecture
# from ZJ_VM_ARCH: kernel flavour, cache folder, QEMU machine, console, busybox and loader.
export ZJ_VM_ARCH := arm64
# Plain emulation of aarch64 on x86_64 is several times slower than of x86_64: the whole run
# and each guest test get more time (a quiet machine needs about a third of it).
VM_TIMEOUT ?= 1500
endif

.PHONY: check-arm64 check-vm-arm64 vmlinux-arm64
ifeq ($(ARCH),arm64)
check-vm-arm64:
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 check-vm \
		VM_GUEST_TESTS="$(VM_ARM64_TESTS)" VM_FILES="$(VM_ARM64_FILES)" \
		VM_ENV="ZJ_BUILD=$(VM_GUEST_BUILD) ZJ_VM_TEST_TIMEOUT=600 $(VM_ARM64_ENV)"
check-arm64: check-unit check-vm-arm64
else
check-vm-arm64 check-arm64:
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 $@
endif

# BTF is a section of the kernel image (__start_BTF): no need to boot the kernel to read it.
# The guest checks that the running kernel's /sys/kernel/btf/vmlinux is the same bytes
# (tests/vm/guest/arm64-btf.sh).
BTF_EXTRACT := build/host/btf-extract
$(BTF_EXTRACT): tests/vm/btf-extract.c
	$(call msg,HOSTCC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)gcc -O2 -std=gnu11 $(WARN) $< -o $@

vmlinux-arm64: $(BTF_EXTRACT)
	$(Q)ZJ_VM_ARCH=arm64 tests/vm/fetch-kernel.sh
	$(Q)set -e; . tests/vm/cache/arm64/current.env; \
	img=tests/vm/cache/arm64/$$ZJ_VM_KERNEL; \
	mkdir -p bpf/vmlinux/arm64; \
	$(BTF_EXTRACT) $$img build/host/vmlinux-arm64.btf; \
	$(BPFTOOL) btf dump file build/host/vmlinux-arm64.btf format c > bpf/vmlinux/arm64/vmlinux.h.tmp; \
	mv bpf/vmlinux/arm64/vmlinux.h.tmp bpf/vmlinux/arm64/vmlinux.h; \
	{ echo "# BTF of the kernel bpf/vmlinux/arm64/vmlinux.h was generated from"; \
	  echo "ZJ_BTF_KPKG=$$ZJ_VM_KPKG"; echo "ZJ_BTF_KVERSION=$$ZJ_VM_KVERSION"; \
	  echo "ZJ_BTF_SHA256=$$(sha256sum build/host/vmlinux-arm64.btf | cut -d' ' -f1)"; \
	} > bpf/vmlinux/arm64/SOURCE.tmp && mv bpf/vmlinux/arm64/SOURCE.tmp bpf/vmlinux/arm64/SOURCE; \
	echo "  GEN      bpf/vmlinux/arm64/vmlinux.h from $$ZJ_VM_KPKG $$ZJ_VM_KVERSION"

# ---- the arm64 guest's tests (tests/vm/vm.mk runs them; README there) ------------------------
# Given on the recursive make's command line, so they replace the x86 guest's list: on Debian
# 12's arm64 kernel BPF LSM programs cannot attach (arm64-lsm.sh), so the LSM tests run only
# where they can, from arm64-lsm.sh, and the kill fallback's suite runs instead.
VM_ARM64_TESTS := tests/vm/guest/arm64-btf.sh tests/vm/guest/sensor.sh \
	tests/vm/guest/arm64-lsm.sh tests/vm/guest/arm64-fallback.sh
VM_ARM64_FILES := tests/vm/guest/lsm-smoke.sh tests/vm/guest/enforce.sh
VM_ARM64_ENV := $(shell sed -n 's/^\(ZJ_BTF_[A-Z0-9]*=[^ ]*\)$$/\1/p' bpf/vmlinux/arm64/SOURCE 2>/dev/null)
