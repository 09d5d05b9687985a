# SPDX-License-Identifier: GPL-2.0-only
# tests/vm: tests that need BPF LSM, run in a QEMU guest (plain emulation, no KVM) that boots
# Debian 12's own linux-image-6.1.*-cloud-amd64 with lsm=lockdown,capability,bpf.  The guest's
# root file system is an initramfs of busybox, the binaries below and the host's shared
# libraries they need.  See tests/vm/README.md.
#
# Included at the end of the top Makefile (it uses OUTPUT, CC, CLANG, BPF_CFLAGS, ALL_CFLAGS...).
# What the guest gets, extended with += before or after the include (prerequisites are expanded
# a second time, so later additions count):
#   VM_BINS         executables, each with its shared libraries
#   VM_FILES        data files (configuration, fixtures)
#   VM_GUEST_TESTS  scripts run inside, in this order, by tests/vm/guest/run-guest.sh: 0 passes,
#                   77 skips (saying why), anything else fails
#   VM_ENV          NAME=VALUE pairs exported to them
# A relative path lands under /zj in the guest (the tests' working directory): build/zhijiad is
# /zj/build/zhijiad, and ZJ_BUILD is set to /zj/build, as check-integration sets it on the host.
#
#   make check-vm             fetch the kernel (cached in tests/vm/cache), build the
#                             initramfs, boot, run the guest tests, fail if one fails
#   VM_TIMEOUT=600 VM_MEM=1024 VM_SMP=2     the run's time limit (s), guest memory (MiB), CPUs
#   VM_ALLOW_SKIP=1           a host that cannot run QEMU skips (77) instead of failing;
#                             unset, check-vm fails there: CI must run these tests
#   make vm-shell             the same guest with a shell on this terminal instead of the tests

VM_OUT := $(OUTPUT)/vm
VM_INITRD := $(VM_OUT)/initrd.gz
VM_GUEST_BUILD := $(if $(filter /%,$(OUTPUT)),$(OUTPUT),/zj/$(patsubst ./%,%,$(OUTPUT)))
VM_TIMEOUT ?= 600
VM_MEM ?= 1024
VM_SMP ?= 2
VM_ALLOW_SKIP ?=

VM_BINS += $(VM_OUT)/lsm-probe
VM_FILES +=
VM_GUEST_TESTS += tests/vm/guest/lsm-smoke.sh
VM_ENV += ZJ_BUILD=$(VM_GUEST_BUILD)

VM_SCRIPTS := tests/vm/fetch-kernel.sh tests/vm/mkinitramfs.sh tests/vm/run-vm.sh \
	tests/vm/guest/init tests/vm/guest/run-guest.sh
VM_LIBBPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null)
VM_RUN := tests/vm/run-vm.sh --timeout $(VM_TIMEOUT) --mem $(VM_MEM) --smp $(VM_SMP)
VM_INITRD_ARGS = $(addprefix -b ,$(VM_BINS)) $(addprefix -f ,$(VM_FILES)) \
	$(addprefix -t ,$(VM_GUEST_TESTS)) $(addprefix -e ,$(VM_ENV))

.PHONY: check-vm vm-kernel vm-initramfs vm-shell vm-clean-cache

$(VM_OUT):
	$(Q)mkdir -p $@

# ---- the LSM probe: a BPF LSM program and its loader, built like bpf/ and daemon/ --------------
$(VM_OUT)/lsm_probe.bpf.o: tests/vm/lsm_probe.bpf.c tests/vm/lsm_probe.h $(VMLINUX_H) | $(VM_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/vm -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(VM_OUT)/lsm_probe.skel.h: $(VM_OUT)/lsm_probe.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name lsm_probe_bpf > $@.tmp && mv $@.tmp $@

$(VM_OUT)/lsm-probe: tests/vm/lsm-probe.c tests/vm/lsm_probe.h $(VM_OUT)/lsm_probe.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(VM_OUT) -Itests/vm $< $(LDFLAGS) $(VM_LIBBPF_LIBS) -o $@

# ---- the enforcement test: zhijiad, zhijiactl and real operations under block/alert -------------
$(VM_OUT)/zj-enforce: tests/vm/zj-enforce.c | $(VM_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(LDFLAGS) $(JSONC_LIBS) -o $@

# ---- the guest --------------------------------------------------------------------------------
# Host packages (qemu-system-x86, busybox-static) and the kernel: fetch-kernel.sh installs what
# is missing when run as root, and needs no network once the kernel is cached.
vm-kernel:
	$(Q)tests/vm/fetch-kernel.sh

.SECONDEXPANSION:

# Rebuilt on every run (about a second): it holds copies of host libraries that no rule tracks.
vm-initramfs: $$(VM_BINS) $$(VM_FILES) $$(VM_GUEST_TESTS) vm-kernel | $(VM_OUT)
	$(call msg,INITRD,$(VM_INITRD))
	$(Q)tests/vm/mkinitramfs.sh -o $(VM_INITRD) $(VM_INITRD_ARGS)

# fetch-kernel.sh or run-vm.sh exit 77 only when this host cannot run the guest at all.
check-vm: $$(VM_BINS) $$(VM_FILES) $$(VM_GUEST_TESTS) | $(VM_OUT)
	$(Q)start=$$(date +%s); tests/vm/fetch-kernel.sh; rc=$$?; \
	if [ $$rc -eq 0 ]; then \
		printf '  %-8s %s\n' INITRD $(VM_INITRD); \
		tests/vm/mkinitramfs.sh -o $(VM_INITRD) $(VM_INITRD_ARGS) && \
		$(VM_RUN) --initrd $(VM_INITRD) --log $(VM_OUT)/console.log; rc=$$?; \
	fi; \
	echo "== check-vm: rc=$$rc in $$(( $$(date +%s) - start ))s;" \
		"console log: $(VM_OUT)/console.log"; \
	if [ $$rc -eq 77 ] && [ "$(VM_ALLOW_SKIP)" = 1 ]; then \
		echo "== check-vm: SKIPPED (VM_ALLOW_SKIP=1)"; exit 0; fi; \
	exit $$rc

vm-shell: $$(VM_BINS) $$(VM_FILES) $$(VM_GUEST_TESTS) vm-kernel | $(VM_OUT)
	$(Q)tests/vm/mkinitramfs.sh -o $(VM_OUT)/initrd-shell.gz $(VM_INITRD_ARGS) \
		-c 'echo "tests in /tests; exit powers off"; sh'
	$(Q)$(VM_RUN) --initrd $(VM_OUT)/initrd-shell.gz --interactive

vm-clean-cache:
	rm -rf tests/vm/cache

# ---- the LSM cost benchmark -------------------------------------------------------------------
# make bench-lsm: a syscall-heavy workload in the guest without zhijiad and with it, alternated,
# ns per operation and the ratio (tests/vm/guest/bench-lsm.sh).  Not a test: nothing fails on a
# number.  ZJ_BENCH_SECONDS (per mode and side, default 2) and ZJ_BENCH_ROUNDS (default 2).
ZJ_BENCH_SECONDS ?= 2
ZJ_BENCH_ROUNDS ?= 2
VM_BENCH_BINS := $(OUTPUT)/zhijiad $(OUTPUT)/zhijiactl $(OUTPUT)/bench/zj-syscalls

$(OUTPUT)/bench/zj-syscalls: tests/bench/zj-syscalls.c tests/bench/zj-pace.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -O2 $< $(LDFLAGS) -o $@

.PHONY: bench-lsm
bench-lsm: $(VM_BENCH_BINS) | $(VM_OUT)
	$(Q)tests/vm/fetch-kernel.sh && \
	tests/vm/mkinitramfs.sh -o $(VM_OUT)/initrd-bench.gz $(addprefix -b ,$(VM_BENCH_BINS)) \
		-t tests/vm/guest/bench-lsm.sh -e ZJ_BUILD=$(VM_GUEST_BUILD) \
		-e ZJ_BENCH_SECONDS=$(ZJ_BENCH_SECONDS) -e ZJ_BENCH_ROUNDS=$(ZJ_BENCH_ROUNDS) && \
	$(VM_RUN) --initrd $(VM_OUT)/initrd-bench.gz --log $(VM_OUT)/bench-console.log
