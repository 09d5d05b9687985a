# SPDX-License-Identifier: GPL-2.0-only
# The ATT&CK catalog, generated at build time from the vendored extract in policy/attack/.
# Included from the top Makefile after CORE_LIB is defined; it provides
#   CORE_GEN_SRCS  generated C sources of the portable core (for builds that compile sources)
#   CORE_GEN_OBJS  their objects (for libzhijia-core.a)
#   update-attack  re-copy the extract from $(ATTACK_UPSTREAM)

AWK ?= awk
ATTACK_DIR := policy/attack
ATTACK_UPSTREAM ?= ../shared/attack
# Files copied from upstream as they are (README.md carries MITRE's attribution); names-zh.tsv
# and capabilities.tsv are zhijia's own.
ATTACK_VENDORED := README.md tactics.tsv attack-linux.tsv attack-all-endpoint.tsv

# The platform whose entries and capability column go into the catalog.  A port selects its own:
# CATALOG_PLATFORM=windows CATALOG_ROWS=$(ATTACK_DIR)/attack-all-endpoint.tsv CATALOG_FILTER=Windows
CATALOG_PLATFORM ?= linux
CATALOG_ROWS ?= $(ATTACK_DIR)/attack-linux.tsv
CATALOG_FILTER ?=

CATALOG_INPUTS := $(ATTACK_DIR)/README.md $(ATTACK_DIR)/tactics.tsv \
	$(ATTACK_DIR)/attack-all-endpoint.tsv $(CATALOG_ROWS) $(ATTACK_DIR)/names-zh.tsv \
	$(ATTACK_DIR)/capabilities.tsv

CORE_GEN_SRCS := $(OUTPUT)/gen/catalog_data.c
CORE_GEN_OBJS := $(OUTPUT)/core/gen/catalog_data.o

$(OUTPUT)/gen/catalog_data.c: policy/gen-catalog.awk $(CATALOG_INPUTS) policy/catalog.mk
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)LC_ALL=C $(AWK) -v platform=$(CATALOG_PLATFORM) -v filter=$(CATALOG_FILTER) \
		-f policy/gen-catalog.awk \
		role=readme $(ATTACK_DIR)/README.md role=tactics $(ATTACK_DIR)/tactics.tsv \
		role=known $(ATTACK_DIR)/attack-all-endpoint.tsv role=rows $(CATALOG_ROWS) \
		role=zh $(ATTACK_DIR)/names-zh.tsv role=caps $(ATTACK_DIR)/capabilities.tsv \
		> $@.tmp
	$(Q)mv $@.tmp $@

$(OUTPUT)/core/gen/catalog_data.o: $(OUTPUT)/gen/catalog_data.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@

.PHONY: update-attack
update-attack:
	$(Q)set -e; for f in $(ATTACK_VENDORED); do \
		install -m 0644 $(ATTACK_UPSTREAM)/$$f $(ATTACK_DIR)/$$f; done
	$(Q)echo "  copied $(ATTACK_VENDORED) from $(ATTACK_UPSTREAM); review names-zh.tsv" \
		"and capabilities.tsv, then rebuild"
