/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ATT&CK coverage, per tactic: how many entries of this platform ATT&CK has at the finest level
 * (sub-techniques, and techniques that have none: T1620), how many of them zhijia observes and
 * how many it enforces.  Computed from the catalog alone (catalog.h): the ATT&CK extract in
 * policy/attack/ and zhijia's capability of each entry in policy/attack/capabilities.tsv --
 * the one place that says what zhijia covers.  Portable tier: C11 and json-c.
 */
#ifndef ZHIJIA_COVERAGE_H
#define ZHIJIA_COVERAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

struct zj_coverage_row {
	size_t tactic;	   /* zj_catalog_tactic() index */
	uint32_t total;	   /* leaf entries of the platform under the tactic */
	uint32_t observed; /* of them, capability observe or enforce */
	uint32_t enforced; /* of them, capability enforce */
};

/*
 * Row of tactic index i; the last row (i == zj_catalog_tactic_count()) counts every leaf
 * entry once, whatever its tactics.  -1 past that.
 */
int zj_coverage_row(size_t i, struct zj_coverage_row *ret);

/*
 * {"attack":"v18.1","platform":"linux","tactics":[{"id","name","name_zh","total","observed",
 * "enforced","entries":[{"id","name","capability"}...]}...],"total":{...}}; NULL on ENOMEM.
 */
json_object *zj_coverage_json(void);

/* The same as a Markdown table (README's coverage section is this output).  0 or -EIO. */
int zj_coverage_markdown(FILE *out);

#endif /* ZHIJIA_COVERAGE_H */
