# SPDX-License-Identifier: GPL-2.0-only
# The Windows port (README "Windows"): the portable core, the Sysmon front end and the
# Windows ARR executor, cross-built with MinGW-w64 and tested under Wine.  Included from the
# top Makefile.
#   check-windows  build json-c and check for MinGW once (tests/windows/cache/), then run under
#                  Wine: the core's unit suites (the Linux catalog, as natively) and the
#                  Windows suites (the Windows catalog)
#   windows        build $(WIN_OUT)/zhijia-win.exe

MINGW_CC ?= x86_64-w64-mingw32-gcc
MINGW_AR ?= x86_64-w64-mingw32-ar
WINE ?= wine
WIN_OUT := $(OUTPUT)/windows
WIN_CACHE ?= tests/windows/cache
WIN_DEPS := $(WIN_CACHE)/mingw
WIN_DEPS_DONE := $(WIN_DEPS)/.done

# C11 for the core as natively; the front end and the tests get the Windows API (gnu11 for
# mingw's headers).  _WIN32_WINNT 0x0601: Windows 7, the oldest Sysmon's EvtSubscribe runs on.
WIN_WARN := $(WARN) -D__USE_MINGW_ANSI_STDIO=1
WIN_CORE_CFLAGS := -O2 -g -std=c11 -pedantic $(WIN_WARN) -Iinclude -I$(WIN_DEPS)/include \
	-DJSON_C_STATIC
WIN_CFLAGS := -O2 -g -std=gnu11 $(WIN_WARN) -Iinclude -Idaemon/windows -I$(WIN_DEPS)/include \
	-DJSON_C_STATIC -D_WIN32_WINNT=0x0601
WIN_LIBS := $(WIN_DEPS)/lib/libjson-c.a
WIN_CHECK_LIBS := $(WIN_DEPS)/lib/libcheck.a -Wl,-Bstatic -lpthread -Wl,-Bdynamic

WIN_CORE_OBJS := $(patsubst %.c,$(WIN_OUT)/core/%.o,$(CORE_SRCS))
WIN_CORE_LIB := $(WIN_OUT)/libzhijia-core.a

# Two catalogs: Linux's, so that the core's own unit suites run unchanged under Wine, and
# Windows' (policy/catalog.mk's CATALOG_PLATFORM=windows), which the port links.
WIN_CAT_LINUX := $(WIN_OUT)/core/catalog-linux.o
WIN_CAT_WINDOWS := $(WIN_OUT)/core/catalog-windows.o
WIN_CAT_WINDOWS_SRC := $(WIN_OUT)/gen/catalog_windows.c

WIN_UNIT_NAMES := check_detect check_policy check_arr check_catalog
WIN_UNIT_BINS := $(patsubst %,$(WIN_OUT)/tests/%.exe,$(WIN_UNIT_NAMES))

.PHONY: windows check-windows windows-deps

$(WIN_DEPS_DONE): tests/windows/build-deps.sh
	$(call msg,DEPS,$(WIN_DEPS) (json-c and check, apt-get source))
	$(Q)sh tests/windows/build-deps.sh $(WIN_CACHE)

windows-deps: $(WIN_DEPS_DONE)

$(WIN_OUT)/core/%.o: %.c $(WIN_DEPS_DONE)
	$(call msg,MINGW,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(MINGW_CC) $(WIN_CORE_CFLAGS) -MMD -MP -c $< -o $@

$(WIN_CORE_LIB): $(WIN_CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(MINGW_AR) rcs $@ $^

$(WIN_CAT_LINUX): $(OUTPUT)/gen/catalog_data.c $(WIN_DEPS_DONE)
	$(call msg,MINGW,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(MINGW_CC) $(WIN_CORE_CFLAGS) -c $< -o $@

$(WIN_CAT_WINDOWS_SRC): policy/gen-catalog.awk $(CATALOG_INPUTS) $(ATTACK_DIR)/attack-all-endpoint.tsv
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)LC_ALL=C $(AWK) -v platform=windows -v filter=Windows -f policy/gen-catalog.awk \
		role=readme $(ATTACK_DIR)/README.md role=tactics $(ATTACK_DIR)/tactics.tsv \
		role=known $(ATTACK_DIR)/attack-all-endpoint.tsv \
		role=rows $(ATTACK_DIR)/attack-all-endpoint.tsv \
		role=zh $(ATTACK_DIR)/names-zh.tsv role=caps $(ATTACK_DIR)/capabilities.tsv > $@.tmp
	$(Q)mv $@.tmp $@

$(WIN_CAT_WINDOWS): $(WIN_CAT_WINDOWS_SRC) $(WIN_DEPS_DONE)
	$(call msg,MINGW,$@)
	$(Q)$(MINGW_CC) $(WIN_CORE_CFLAGS) -c $< -o $@

# The core's unit suites, unchanged, against the Linux catalog they assert.
$(WIN_OUT)/tests/%.exe: tests/unit/%.c $(WIN_CORE_LIB) $(WIN_CAT_LINUX) $(WIN_DEPS_DONE)
	$(call msg,MINGW,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(MINGW_CC) -O2 -g -std=gnu11 $(WIN_WARN) -Wno-missing-field-initializers -Iinclude \
		-I$(WIN_DEPS)/include -DJSON_C_STATIC $< $(WIN_CAT_LINUX) $(WIN_CORE_LIB) \
		$(WIN_CHECK_LIBS) $(WIN_LIBS) -o $@

# ---- the front end: daemon/windows/ ------------------------------------------------------
WIN_FRONT_SRCS := $(filter-out daemon/windows/zhijia-win.c,$(wildcard daemon/windows/*.c))
WIN_FRONT_OBJS := $(patsubst %.c,$(WIN_OUT)/%.o,$(WIN_FRONT_SRCS))
WIN_EXE := $(WIN_OUT)/zhijia-win.exe
# wevtapi: EvtSubscribe/EvtRender; the rest is kernel32/advapi32/ntdll, linked by default.
WIN_SYS_LIBS := -lwevtapi

$(WIN_OUT)/daemon/windows/%.o: daemon/windows/%.c $(wildcard daemon/windows/*.h) $(WIN_DEPS_DONE)
	$(call msg,MINGW,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(MINGW_CC) $(WIN_CFLAGS) -c $< -o $@

$(WIN_EXE): $(WIN_OUT)/daemon/windows/zhijia-win.o $(WIN_FRONT_OBJS) $(WIN_CORE_LIB) \
		$(WIN_CAT_WINDOWS)
	$(call msg,LINK,$@)
	$(Q)$(MINGW_CC) $^ $(WIN_LIBS) $(WIN_SYS_LIBS) -o $@

windows: $(WIN_EXE)

$(WIN_OUT)/tests/zj-sleeper.exe: tests/windows/zj-sleeper.c $(WIN_DEPS_DONE)
	$(call msg,MINGW,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(MINGW_CC) $(WIN_CFLAGS) $< -o $@

# The front end's suite: the Windows catalog (the port's), the fixtures, real enforcement.
$(WIN_OUT)/tests/check_sysmon.exe: tests/windows/check_sysmon.c $(WIN_FRONT_OBJS) \
		$(WIN_CORE_LIB) $(WIN_CAT_WINDOWS)
	$(call msg,MINGW,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(MINGW_CC) $(WIN_CFLAGS) -Wno-missing-field-initializers $< $(WIN_FRONT_OBJS) \
		$(WIN_CAT_WINDOWS) $(WIN_CORE_LIB) $(WIN_CHECK_LIBS) $(WIN_LIBS) $(WIN_SYS_LIBS) -o $@

WIN_TEST_BINS := $(WIN_UNIT_BINS) $(WIN_OUT)/tests/check_sysmon.exe

-include $(wildcard $(WIN_OUT)/core/*/*.d)

# Wine: its own prefix in the build folder, no debug channels, no display (console programs).
WIN_PREFIX := $(abspath $(WIN_OUT))/wineprefix
WINE_ENV := WINEPREFIX=$(WIN_PREFIX) WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
	DISPLAY= CK_FORK=no
$(WIN_PREFIX)/.done:
	$(call msg,WINE,$(WIN_PREFIX))
	$(Q)rm -rf $(WIN_PREFIX) && mkdir -p $(WIN_PREFIX)
	$(Q)$(WINE_ENV) wineboot -i > $(WIN_OUT)/wineboot.log 2>&1 || \
		{ cat $(WIN_OUT)/wineboot.log; exit 1; }
	$(Q)$(WINE_ENV) wineserver -w
	$(Q)touch $@

# The ARR executor against Wine's registry, read back with `wine reg query`
# (tests/windows/check-arr-win.sh).
check-windows: $(WIN_TEST_BINS) $(WIN_EXE) $(WIN_OUT)/tests/zj-sleeper.exe $(WIN_PREFIX)/.done
	$(Q)set -e; for t in $(WIN_TEST_BINS); do echo "== $$t (Wine)"; \
		$(WINE_ENV) $(WINE) $$t; done
	$(Q)echo "== tests/windows/check-arr-win.sh (Wine)"
	$(Q)$(WINE_ENV) WINE=$(WINE) sh tests/windows/check-arr-win.sh $(WIN_OUT)
