# SPDX-License-Identifier: GPL-2.0-only
# ---- the host benchmark ---------------------------------------------------------------------
# make bench-host: zhijiad against no sensor, auditd and bpftrace on the same workloads, in one
# run on this host (tests/bench/run-bench.sh says what and how).  Installs the tools it compares
# with first (packaging/deps-debian.sh --bench; make check never needs them).  Knobs, passed
# through the environment: BENCH_SECONDS (per workload and run, default 2), BENCH_ROUNDS
# (default 3), BENCH_WORKERS, BENCH_CONFIGS, BENCH_WORKLOADS, BENCH_TP_RATES, BENCH_PROCS,
# BENCH_STARTS.  tests/bench/cg-record.sh: zhijiad's instructions per record (callgrind).  Results:
# $(OUTPUT)/bench/bench-STAMP.json and latest.json.  Not a test: nothing fails on a number.
BENCH_BINS := $(OUTPUT)/zhijiad $(OUTPUT)/zhijiactl $(OUTPUT)/bench/zj-syscalls \
	$(OUTPUT)/bench/zj-storm $(OUTPUT)/bench/zj-evlat $(OUTPUT)/bench/zj-hold

$(OUTPUT)/bench/zj-storm $(OUTPUT)/bench/zj-evlat $(OUTPUT)/bench/zj-hold: $(OUTPUT)/bench/%: tests/bench/%.c \
		tests/bench/zj-pace.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -O2 $< $(LDFLAGS) -o $@

.PHONY: bench-host bench-tools
bench-tools: $(BENCH_BINS)

bench-host: $(BENCH_BINS)
	$(Q)sh packaging/deps-debian.sh --bench
	$(Q)ZJ_BUILD=$(abspath $(OUTPUT)) tests/bench/run-bench.sh
