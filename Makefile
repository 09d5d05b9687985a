# SPDX-License-Identifier: GPL-2.0-only
# zhijia build, in the libbpf-bootstrap idiom: every output under $(OUTPUT), quiet unless V=1.

.DEFAULT_GOAL := all
# The target architecture, in the kernel's names (x86, arm64).  `make ARCH=arm64` on an x86_64
# host cross-builds into build/arm64/ with Debian's aarch64 toolchain and multiarch libraries
# (tests/vm/arm64.mk); the native build stays in build/.
HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH ?= $(HOST_ARCH)
ifneq ($(ARCH),$(HOST_ARCH))
OUTPUT ?= build/$(ARCH)
else
OUTPUT ?= build
endif
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc

CC ?= gcc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

include tests/vm/arm64.mk
VMLINUX_H := bpf/vmlinux/$(ARCH)/vmlinux.h

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS := libbpf libelf zlib json-c libsystemd libcap yara
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
JSONC_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) -std=gnu11 $(WARN) -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-Iinclude -I$(OUTPUT) -I$(OUTPUT)/include $(PKG_CFLAGS)
# The portable tier: ISO C11 + json-c, nothing from Linux.
CORE_CFLAGS := $(CFLAGS) -std=c11 -pedantic $(WARN) -Iinclude -I$(OUTPUT)/include $(JSONC_CFLAGS)
# --as-needed: a library the binary does not use (libyara in zhijiactl, say) is not NEEDED
LDFLAGS ?= -Wl,--as-needed

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Iinclude -Ibpf -Ibpf/vmlinux/$(ARCH)

# One .bpf.c per concern, linked into one object (one skeleton, maps shared), plus the
# feature probes in an object of their own.
BPF_SENSOR_SRCS := bpf/proc.bpf.c bpf/ptrace.bpf.c bpf/mem.bpf.c bpf/vdso.bpf.c bpf/file.bpf.c \
	bpf/kmod.bpf.c bpf/setid.bpf.c bpf/somap.bpf.c \
	bpf/lsm.bpf.c bpf/proc_tp.bpf.c
BPF_SENSOR_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SENSOR_SRCS))
SKELS := $(OUTPUT)/include/zhijia.skel.h $(OUTPUT)/include/probe.skel.h

CORE_SRCS := $(wildcard detectors/*.c policy/*.c arr/*.c)
CORE_OBJS := $(patsubst %.c,$(OUTPUT)/core/%.o,$(CORE_SRCS))
CORE_LIB := $(OUTPUT)/libzhijia-core.a
include policy/catalog.mk

# daemon/: everything but the two main() files goes into a library the tests link.
MAIN_SRCS := daemon/zhijiad.c daemon/zhijiactl.c
DAEMON_SRCS := $(filter-out $(MAIN_SRCS),$(wildcard daemon/*.c))
DAEMON_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(DAEMON_SRCS))
DAEMON_LIB := $(OUTPUT)/libzhijia-daemon.a

UNIT_SRCS := $(wildcard tests/unit/check_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/asan/tests/%,$(UNIT_SRCS))

INTEG_SRCS := $(wildcard tests/integration/check_*.c)
INTEG_BINS := $(patsubst tests/integration/%.c,$(OUTPUT)/tests/%,$(INTEG_SRCS))
TRIGGER := $(OUTPUT)/tests/zj-trigger

.PHONY: all clean check check-unit check-asan check-integration check-integration-asan \
	check-portable install vmlinux \
	deps
.DELETE_ON_ERROR:

# A cross build (make ARCH=arm64) builds the unit tests too: they are the first to run there.
all: $(OUTPUT)/zhijiad $(OUTPUT)/zhijiactl $(if $(CROSS_COMPILE),$(UNIT_BINS))

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/include $(OUTPUT)/tests $(OUTPUT)/daemon $(OUTPUT)/asan/tests:
	$(Q)mkdir -p $@

# ---- BPF ----------------------------------------------------------------------------------
$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) include/zhijia/bpf_abi.h $(VMLINUX_H) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(OUTPUT)/bpf/zhijia.linked.o: $(BPF_SENSOR_OBJS)
	$(call msg,BPFLINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/include/zhijia.skel.h: $(OUTPUT)/bpf/zhijia.linked.o | $(OUTPUT)/include
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name zhijia > $@.tmp && mv $@.tmp $@

$(OUTPUT)/include/probe.skel.h: $(OUTPUT)/bpf/probe.bpf.o | $(OUTPUT)/include
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name zj_probe > $@.tmp && mv $@.tmp $@

# The running kernel's BTF; for a cross build, `make vmlinux-arm64` (tests/vm/arm64.mk).
vmlinux: $(if $(filter-out $(HOST_ARCH),$(ARCH)),vmlinux-$(ARCH))
ifeq ($(ARCH),$(HOST_ARCH))
	$(call msg,GEN,$(VMLINUX_H))
	$(Q)mkdir -p $(dir $(VMLINUX_H))
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX_H).tmp
	$(Q)mv $(VMLINUX_H).tmp $(VMLINUX_H)
endif

$(OUTPUT)/include/watch_default.h: daemon/watch.conf | $(OUTPUT)/include
	$(call msg,GEN,$@)
	$(Q){ echo '/* generated from daemon/watch.conf: do not edit */'; \
	  echo 'static const char zj_watch_default_conf[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@.tmp && mv $@.tmp $@

# ---- portable core ------------------------------------------------------------------------
$(OUTPUT)/core/%.o: %.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJS) $(CORE_GEN_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# ---- daemon -------------------------------------------------------------------------------
$(OUTPUT)/daemon/%.o: daemon/%.c $(SKELS) $(OUTPUT)/include/watch_default.h | $(OUTPUT)/daemon
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(DAEMON_LIB): $(DAEMON_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/zhijiad: $(OUTPUT)/daemon/zhijiad.o $(DAEMON_LIB) $(CORE_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(OUTPUT)/zhijiactl: $(OUTPUT)/daemon/zhijiactl.o $(DAEMON_LIB) $(CORE_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

# ---- tests --------------------------------------------------------------------------------
$(OUTPUT)/tests/check_%: tests/unit/check_%.c $(DAEMON_LIB) $(CORE_LIB) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-field-initializers $< $(DAEMON_LIB) $(CORE_LIB) \
		$(CHECK_LIBS) $(PKG_LIBS) -o $@

$(OUTPUT)/tests/check_%: tests/integration/check_%.c tests/integration/harness.c \
		tests/integration/harness.h | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-field-initializers -Itests/integration $< \
		tests/integration/harness.c $(CHECK_LIBS) $(JSONC_LIBS) -o $@

# The payload check_kernel_hooks injects into a process with ptrace.
INJECT_SO := $(OUTPUT)/tests/zj-inject.so
$(INJECT_SO): tests/integration/zj-inject-lib.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -shared -fPIC $< -o $@

$(TRIGGER): tests/integration/zj-trigger.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@

# Benchmarks (not run by check): tests/bench/README-scan.md
.PHONY: bench
bench: $(OUTPUT)/tests/zj-scanbench
$(OUTPUT)/tests/zj-scanbench: tests/bench/zj-scanbench.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@

# Sanitizer build of the unit tests: its own object tree, same sources (each test is built
# from all of them in one command, so it depends on all of them and their headers).
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_HDRS := $(wildcard include/zhijia/*.h daemon/*.h detectors/*.h policy/*.h arr/*.h)
$(OUTPUT)/asan/tests/check_%: tests/unit/check_%.c $(SKELS) $(OUTPUT)/include/watch_default.h \
		$(CORE_GEN_SRCS) $(DAEMON_SRCS) $(CORE_SRCS) $(ASAN_HDRS) | $(OUTPUT)/asan/tests
	$(call msg,ASAN,$@)
	$(Q)$(CC) $(filter-out -D_FORTIFY_SOURCE=2,$(ALL_CFLAGS)) -O1 $(ASAN_FLAGS) \
		-Wno-missing-field-initializers $< $(DAEMON_SRCS) $(CORE_SRCS) $(CORE_GEN_SRCS) \
		$(CHECK_LIBS) $(PKG_LIBS) -o $@

# Sanitizer build of the daemon and the integration tests, in a build folder of its own that
# the tests take as ZJ_BUILD: the real zhijiad and zhijiactl, built with ASan/UBSan/LSan, load
# the real BPF programs and serve the same integration suite.  zj-trigger is the tests' tool,
# not the product: it is the normal build's.
ASAN_INTEG := $(OUTPUT)/asan-integ
ASAN_INTEG_BINS := $(patsubst tests/integration/%.c,$(ASAN_INTEG)/tests/%,$(INTEG_SRCS))
ASAN_CFLAGS = $(filter-out -D_FORTIFY_SOURCE=2,$(ALL_CFLAGS)) -O1 $(ASAN_FLAGS)

$(ASAN_INTEG)/tests:
	$(Q)mkdir -p $@

# LeakSanitizer in zhijiad; not in zhijiactl and the test programs (tests/integration/asan-nolsan.c)
ASAN_NOLSAN := tests/integration/asan-nolsan.c
$(ASAN_INTEG)/zhijiad $(ASAN_INTEG)/zhijiactl: $(ASAN_INTEG)/%: daemon/%.c $(SKELS) \
		$(OUTPUT)/include/watch_default.h $(CORE_GEN_SRCS) $(DAEMON_SRCS) $(CORE_SRCS) \
		$(ASAN_HDRS) $(ASAN_NOLSAN) | $(ASAN_INTEG)/tests
	$(call msg,ASAN,$@)
	$(Q)$(CC) $(ASAN_CFLAGS) $< $(if $(filter %/zhijiactl,$@),$(ASAN_NOLSAN)) \
		$(DAEMON_SRCS) $(CORE_SRCS) $(CORE_GEN_SRCS) $(PKG_LIBS) -o $@

$(ASAN_INTEG)/tests/check_%: tests/integration/check_%.c tests/integration/harness.c \
		tests/integration/harness.h $(ASAN_NOLSAN) | $(ASAN_INTEG)/tests
	$(call msg,ASAN,$@)
	$(Q)$(CC) $(ASAN_CFLAGS) -Wno-missing-field-initializers -Itests/integration $< \
		tests/integration/harness.c $(ASAN_NOLSAN) $(CHECK_LIBS) $(JSONC_LIBS) -o $@

$(ASAN_INTEG)/tests/zj-trigger: $(TRIGGER) | $(ASAN_INTEG)/tests
	$(Q)cp $< $@

$(ASAN_INTEG)/tests/zj-inject.so: $(INJECT_SO) | $(ASAN_INTEG)/tests
	$(Q)cp $< $@

# exitcode 23: a leak or an error fails the program (zhijiad's exit status is checked).
# ASAN_OPTIONS leaves detect_leaks to each program's default (asan-nolsan.c).
check-integration-asan: $(ASAN_INTEG)/zhijiad $(ASAN_INTEG)/zhijiactl $(ASAN_INTEG_BINS) \
		$(ASAN_INTEG)/tests/zj-trigger $(ASAN_INTEG)/tests/zj-inject.so
	$(Q)for t in $(ASAN_INTEG_BINS); do echo "== $$t (ASan/UBSan)"; \
		ASAN_OPTIONS=exitcode=23:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ZJ_BUILD=$(abspath $(ASAN_INTEG)) $$t; rc=$$?; \
		if [ $$rc -eq 77 ]; then echo "== $$t: SKIPPED"; \
		elif [ $$rc -ne 0 ]; then exit $$rc; fi; done

check-unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "== $$t"; CK_FORK=no ZJ_TEST_EMU=$(TEST_EMU) $(TEST_EMU) $$t; done

check-asan: $(ASAN_BINS)
	$(Q)set -e; for t in $(ASAN_BINS); do echo "== $$t (ASan/UBSan)"; \
		CK_FORK=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $$t; done

# A suite that exits 77 could not run here (it says why); anything else non-zero fails.
check-integration: all $(INTEG_BINS) $(TRIGGER) $(INJECT_SO)
	$(Q)for t in $(INTEG_BINS); do echo "== $$t"; \
		ZJ_BUILD=$(abspath $(OUTPUT)) $$t; rc=$$?; \
		if [ $$rc -eq 77 ]; then echo "== $$t: SKIPPED"; \
		elif [ $$rc -ne 0 ]; then exit $$rc; fi; done
	@# the sensor suite again over the perf buffer, the transport of kernels before 5.8
	$(Q)echo "== $(OUTPUT)/tests/check_sensor (--transport perfbuf)"; \
		ZJ_TRANSPORT=perfbuf ZJ_BUILD=$(abspath $(OUTPUT)) $(OUTPUT)/tests/check_sensor; rc=$$?; \
		if [ $$rc -eq 77 ]; then echo "== SKIPPED"; elif [ $$rc -ne 0 ]; then exit $$rc; fi

# The portable tier must build for Windows as it is written (STYLE.md): a Linux-ism fails here.
MINGW_CC ?= x86_64-w64-mingw32-gcc
# json-c's headers only (a link to the host's), never the host's libc headers.  A Windows
# build of json-c itself comes with the port (issue 11); this checks the core's own code.
check-portable: $(CORE_GEN_SRCS)
	$(call msg,MINGW,$(CORE_SRCS) $(CORE_GEN_SRCS))
	$(Q)mkdir -p $(OUTPUT)/mingw-include && ln -sfn $(patsubst -I%,%,$(firstword \
		$(JSONC_CFLAGS))) $(OUTPUT)/mingw-include/json-c
	$(Q)set -e; for f in $(CORE_SRCS) $(CORE_GEN_SRCS); do \
		$(MINGW_CC) -std=c11 -pedantic $(WARN) -fsyntax-only -Iinclude -I$(OUTPUT)/include \
			-I$(OUTPUT)/mingw-include $$f; done

check: check-portable check-unit check-asan check-windows check-fuzz check-integration \
	check-integration-asan check-vm check-system check-arm64

# ---- install ------------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(OUTPUT)/zhijiad $(OUTPUT)/zhijiactl $(DESTDIR)$(SBINDIR)/
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/zhijia
	install -m 0644 daemon/watch.conf $(DESTDIR)$(SYSCONFDIR)/zhijia/watch.conf.example

# Benchmarks: ratios against a baseline measured in the same run, never a pass/fail on time.
# bench-host (tests/bench/bench.mk): zhijiad, auditd and bpftrace on this host; bench-lsm
# (tests/vm/vm.mk): the BPF LSM hooks in the QEMU guest.
.PHONY: bench
bench: bench-host bench-lsm

# Debian packages the build and the tests need (README's set-up commands call this).
deps:
	sh packaging/deps-debian.sh

clean:
	rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/core/*/*.d $(OUTPUT)/daemon/*.d)

# Tests that need BPF LSM or Debian 12's own kernel run in a QEMU guest (tests/vm/).
VM_BINS += $(OUTPUT)/zhijiad $(OUTPUT)/zhijiactl $(TRIGGER) $(INTEG_BINS) $(OUTPUT)/vm/zj-enforce
VM_FILES += $(INJECT_SO)
VM_GUEST_TESTS += tests/vm/guest/sensor.sh tests/vm/guest/kernel-hooks.sh tests/vm/guest/enforce.sh
include tests/vm/vm.mk
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk
# Packages and the boot test under systemd (packaging/README.md, tests/system/README.md).
include packaging/packaging.mk
include tests/system/system.mk
# The Windows port, cross-built with MinGW and tested under Wine (tests/windows/windows.mk).
include tests/windows/windows.mk
