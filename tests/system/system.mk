# SPDX-License-Identifier: GPL-2.0-only
# tests/system: the package under a real systemd (tests/system/README.md).  Included from the top
# Makefile after packaging/packaging.mk (it uses deb, rpm, DEB_FILE, ZJ_CATALOG_TOOL,
# ZJ_ALERT_TECHNIQUES, TRIGGER, OUTPUT).
#
#   make check-system      build the .deb and the .rpm, check that they install the same files,
#                          then boot a cached Debian 12 (systemd as PID 1, Debian's kernel, BPF
#                          LSM) in QEMU, install the .deb there and run tests/system/guest/
#                          system-test.sh; fails when anything fails
#   make system-root       only build the cached guest (tests/system/cache, git-ignored)
#   make system-clean-cache
#   SYS_TIMEOUT=600        the boot test's time limit (s)
#   SYS_ALLOW_SKIP=1       a host that cannot build or boot the guest skips (77) instead of
#                          failing; unset, check-system fails there: CI must run it

SYS_OUT := $(OUTPUT)/system
SYS_TIMEOUT ?= 600
SYS_ALLOW_SKIP ?=

.PHONY: check-system system-root system-clean-cache

system-root:
	$(Q)tests/system/mkroot.sh

# One recipe, so that the time it prints is the whole test: packages, guest, boot, checks.
check-system: $(TRIGGER) $(ZJ_CATALOG_TOOL)
	$(Q)start=$$(date +%s); rc=0; \
	$(MAKE) --no-print-directory check-payload || rc=1; \
	if [ $$rc -eq 0 ]; then tests/system/mkroot.sh; rc=$$?; fi; \
	if [ $$rc -eq 0 ]; then tests/system/run-system.sh --deb $(DEB_FILE) --trigger $(TRIGGER) \
		--catalog-tool $(ZJ_CATALOG_TOOL) --techniques "$(ZJ_ALERT_TECHNIQUES)" \
		--out $(SYS_OUT) --timeout $(SYS_TIMEOUT); rc=$$?; fi; \
	echo "== check-system: rc=$$rc in $$(( $$(date +%s) - start ))s"; \
	if [ $$rc -eq 77 ] && [ "$(SYS_ALLOW_SKIP)" = 1 ]; then \
		echo "== check-system: SKIPPED (SYS_ALLOW_SKIP=1)"; exit 0; fi; \
	exit $$rc

system-clean-cache:
	rm -rf tests/system/cache
