# SPDX-License-Identifier: GPL-2.0-only
# libFuzzer targets (clang): the decoder of raw ring-buffer records, the policy loader, the
# ARR rule parser and validator, the control-socket commands and path resolution.  Each has a
# committed seed corpus in tests/fuzz/corpus/<target>/.
#   make fuzz               each target for FUZZ_SECONDS (default 300), new inputs kept in
#                           $(OUTPUT)/fuzz/corpus-<target>
#   make check-fuzz         a short pass (FUZZ_CHECK_SECONDS, default 5, per target): part of
#                           make check, so a regression shows in CI
# A crash leaves its input as $(OUTPUT)/fuzz/crash-*; fixed crashes join the seed corpus.

FUZZ_TARGETS := decode policy control path arr
FUZZ_BINS := $(patsubst %,$(OUTPUT)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 300
FUZZ_CHECK_SECONDS ?= 5
FUZZ_CFLAGS := -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -I$(OUTPUT) -I$(OUTPUT)/include $(PKG_CFLAGS) -Wno-unused-command-line-argument

.PHONY: fuzz check-fuzz fuzz-build

$(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

# Every source is built with the sanitizers, so ASan sees inside the code under test.
$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(SKELS) $(OUTPUT)/include/watch_default.h \
		$(CORE_GEN_SRCS) $(DAEMON_SRCS) $(CORE_SRCS) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(DAEMON_SRCS) $(CORE_SRCS) $(CORE_GEN_SRCS) \
		$(PKG_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(Q)set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(OUTPUT)/fuzz/corpus-$$t; \
		echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
		$(OUTPUT)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(OUTPUT)/fuzz/crash-$$t- \
			$(OUTPUT)/fuzz/corpus-$$t tests/fuzz/corpus/$$t; done

check-fuzz: $(FUZZ_BINS)
	$(Q)set -e; for t in $(FUZZ_TARGETS); do \
		rm -rf $(OUTPUT)/fuzz/check-$$t && mkdir -p $(OUTPUT)/fuzz/check-$$t; \
		echo "== fuzz_$$t: $(FUZZ_CHECK_SECONDS) s"; \
		$(OUTPUT)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_CHECK_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(OUTPUT)/fuzz/crash-$$t- \
			$(OUTPUT)/fuzz/check-$$t tests/fuzz/corpus/$$t 2>&1 | \
			grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|==[0-9]+==ERROR|SUMMARY)' \
			|| true; \
		test -z "$$(ls $(OUTPUT)/fuzz/crash-$$t-* 2>/dev/null)" || \
			{ echo "fuzz_$$t crashed: $$(ls $(OUTPUT)/fuzz/crash-$$t-*)"; exit 1; }; \
	done
