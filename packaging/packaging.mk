# SPDX-License-Identifier: GPL-2.0-only
# zhijia as a distribution installs it: the unit, default configuration, state directories,
# man pages, bash completion and the journald message catalog (packaging/README.md).
#
# Included from the top Makefile after the daemon rules (it uses OUTPUT, CC, ALL_CFLAGS,
# DAEMON_LIB, CORE_LIB, PKG_LIBS, PREFIX, SBINDIR, SYSCONFDIR, DESTDIR).  Provides
#   install-dist   everything a package installs, under DESTDIR (debian/rules and the RPM spec
#                  call it with PREFIX=/usr)
#   catalog        $(OUTPUT)/catalog/zhijia.catalog and zhijia.zh_CN.catalog
#   deb            dpkg-buildpackage from packaging/debian: $(OUTPUT)/pkg/zhijia_VERSION_ARCH.deb
#   rpm            rpmbuild -bb packaging/rpm/zhijia.spec: $(OUTPUT)/pkg/rpm/RPMS/ARCH/*.rpm
#   check-payload  the .deb and the .rpm install the same files

PKG_OUT := $(OUTPUT)/pkg
# The version in one place: zhijiad's; debian/changelog and the spec must agree (checked).
ZJ_VERSION := $(shell sed -n 's/^\#define ZJ_VERSION "\(.*\)"$$/\1/p' daemon/zhijiad.c)

# Where systemd, tmpfiles and bash-completion look, as this system's pkg-config says.
pc_var = $(or $(shell $(PKG_CONFIG) --variable=$(2) $(1) 2>/dev/null),$(3))
UNITDIR ?= $(call pc_var,systemd,systemdsystemunitdir,/usr/lib/systemd/system)
TMPFILESDIR ?= $(call pc_var,systemd,tmpfilesdir,/usr/lib/tmpfiles.d)
CATALOGDIR ?= $(call pc_var,systemd,catalogdir,/usr/lib/systemd/catalog)
BASHCOMPDIR ?= $(call pc_var,bash-completion,completionsdir,/usr/share/bash-completion/completions)
MANDIR ?= $(PREFIX)/share/man

# The sub-techniques zhijia alerts on, as the detectors name them: each needs a catalog entry.
# The Linux daemon's alerts: detectors/windows.c classifies for the Windows port (no journald).
ZJ_ALERT_TECHNIQUES := $(sort $(shell grep -ohE '"T[0-9]{4}\.[0-9]{3}"' \
	$(filter-out detectors/windows.c,$(wildcard detectors/*.c)) | tr -d '"'))
ZJ_CATALOGS := $(OUTPUT)/catalog/zhijia.catalog $(OUTPUT)/catalog/zhijia.zh_CN.catalog
ZJ_CATALOG_TOOL := $(OUTPUT)/zj-catalog
# zhijia-arr(5) is written with the ARR engine; installed once it is there.
ZJ_MAN8 := packaging/man/zhijiad.8 packaging/man/zhijiactl.8
ZJ_MAN5 := $(wildcard packaging/man/zhijia-arr.5)

.PHONY: install-dist catalog deb rpm check-payload pkg-version-check

$(ZJ_CATALOG_TOOL): packaging/catalog/zj-catalog.c $(DAEMON_LIB) $(CORE_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Idaemon $< $(DAEMON_LIB) $(CORE_LIB) $(LDFLAGS) $(PKG_LIBS) -o $@

$(OUTPUT)/catalog/%.catalog: packaging/catalog/%.catalog.in $(ZJ_CATALOG_TOOL) \
		$(filter-out detectors/windows.c,$(wildcard detectors/*.c))
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(ZJ_CATALOG_TOOL) $< $(ZJ_ALERT_TECHNIQUES) > $@.tmp && mv $@.tmp $@

catalog: $(ZJ_CATALOGS)

install-dist: all $(ZJ_CATALOGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(CATALOGDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(MANDIR)/man8
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/zhijia
	install -m 0755 $(OUTPUT)/zhijiad $(OUTPUT)/zhijiactl $(DESTDIR)$(SBINDIR)/
	sed 's|/usr/sbin/zhijiad|$(SBINDIR)/zhijiad|' zhijia.service > $(DESTDIR)$(UNITDIR)/zhijia.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/zhijia.service
	install -m 0644 daemon/watch.conf $(DESTDIR)$(SYSCONFDIR)/zhijia/watch.conf
	install -m 0644 packaging/etc/policy.json $(DESTDIR)$(SYSCONFDIR)/zhijia/policy.json
	install -m 0644 packaging/tmpfiles.d/zhijia.conf $(DESTDIR)$(TMPFILESDIR)/zhijia.conf
	install -m 0644 $(ZJ_CATALOGS) $(DESTDIR)$(CATALOGDIR)/
	install -m 0644 packaging/bash-completion/zhijiactl $(DESTDIR)$(BASHCOMPDIR)/zhijiactl
	install -m 0644 $(ZJ_MAN8) $(DESTDIR)$(MANDIR)/man8/
	$(if $(ZJ_MAN5),install -d $(DESTDIR)$(MANDIR)/man5 && \
		install -m 0644 $(ZJ_MAN5) $(DESTDIR)$(MANDIR)/man5/)

# ---- packages -------------------------------------------------------------------------------
# Both are built from a copy of this tree (without build output, VCS data and VM caches), so
# that what is packaged is what is here, uncommitted changes included.
PKG_TREE_EXCLUDES := --exclude=./$(patsubst ./%,%,$(OUTPUT)) --exclude=./.git \
	--exclude=./tests/vm/cache --exclude=./tests/system/cache
DEB_VERSION = $(shell dpkg-parsechangelog -l packaging/debian/changelog -S Version)
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_FILE = $(PKG_OUT)/zhijia_$(DEB_VERSION)_$(DEB_ARCH).deb
RPM_VERSION = $(shell sed -n 's/^Version:[[:space:]]*//p' packaging/rpm/zhijia.spec)
RPM_TOP := $(abspath $(PKG_OUT)/rpm)
# On a build host that is not an RPM system (Debian: rpm's database is empty) the build
# dependencies cannot be checked (--nodeps), and Debian's brp-compress, a bash script that says
# #!/bin/sh, fails under dash and leaves the man pages uncompressed (run it with bash).  On an
# RPM system both are left alone.
RPM_FOREIGN_HOST := $(if $(shell rpm -q rpm >/dev/null 2>&1 && echo rpmdb),,yes)
RPMBUILD_FLAGS ?= $(if $(RPM_FOREIGN_HOST),--nodeps \
	--define '__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}')

pkg-version-check:
	$(Q)case "$(DEB_VERSION)" in "$(ZJ_VERSION)"-*) ;; *) echo "packaging: debian/changelog" \
		"says $(DEB_VERSION), zhijiad says $(ZJ_VERSION)" >&2; exit 1 ;; esac
	$(Q)test "$(RPM_VERSION)" = "$(ZJ_VERSION)" || { echo "packaging: zhijia.spec says" \
		"Version: $(RPM_VERSION), zhijiad says $(ZJ_VERSION)" >&2; exit 1; }

deb: pkg-version-check
	$(call msg,DEB,$(DEB_FILE))
	$(Q)rm -rf $(PKG_OUT)/deb && mkdir -p $(PKG_OUT)/deb/zhijia-$(ZJ_VERSION)
	$(Q)tar -C . $(PKG_TREE_EXCLUDES) -cf - . | tar -C $(PKG_OUT)/deb/zhijia-$(ZJ_VERSION) -xf -
	$(Q)cp -a packaging/debian $(PKG_OUT)/deb/zhijia-$(ZJ_VERSION)/debian
	$(Q)cd $(PKG_OUT)/deb/zhijia-$(ZJ_VERSION) && \
		dpkg-buildpackage -b -us -uc -Jauto > ../build.log 2>&1 || \
		{ tail -n 40 ../build.log; echo "deb: failed; whole log: $(PKG_OUT)/deb/build.log" >&2; \
		  exit 1; }
	$(Q)mv $(PKG_OUT)/deb/zhijia_$(DEB_VERSION)_$(DEB_ARCH).deb $(DEB_FILE)
	$(Q)dpkg-deb -c $(DEB_FILE) | awk '{ print "  " $$NF }' | grep -v '/$$'

rpm: pkg-version-check
	$(call msg,RPM,$(RPM_TOP)/RPMS)
	$(Q)rm -rf $(RPM_TOP) && mkdir -p $(RPM_TOP)/SOURCES $(RPM_TOP)/stage/zhijia-$(ZJ_VERSION)
	$(Q)tar -C . $(PKG_TREE_EXCLUDES) -cf - . | tar -C $(RPM_TOP)/stage/zhijia-$(ZJ_VERSION) -xf -
	$(Q)tar -C $(RPM_TOP)/stage -czf $(RPM_TOP)/SOURCES/zhijia-$(ZJ_VERSION).tar.gz \
		zhijia-$(ZJ_VERSION) && rm -rf $(RPM_TOP)/stage
	$(Q)rpmbuild -bb $(RPMBUILD_FLAGS) --define '_topdir $(RPM_TOP)' packaging/rpm/zhijia.spec \
		> $(PKG_OUT)/rpm-build.log 2>&1 || { tail -n 40 $(PKG_OUT)/rpm-build.log; \
		echo "rpm: failed; whole log: $(PKG_OUT)/rpm-build.log" >&2; exit 1; }
	$(Q)for f in $(RPM_TOP)/RPMS/*/zhijia-$(ZJ_VERSION)-*.rpm; do \
		echo "  $$f"; rpm -qlp "$$f" | sed 's/^/  /'; done

check-payload: deb rpm
	$(Q)packaging/compare-payload.sh $(DEB_FILE) $(RPM_TOP)/RPMS/*/zhijia-$(ZJ_VERSION)-*.rpm
