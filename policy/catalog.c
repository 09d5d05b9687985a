/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lookups over the generated ATT&CK tables (see include/zhijia/catalog.h).  The tables are
 * sorted by id (gen-catalog.awk refuses anything else), so a lookup is a binary search.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zhijia/catalog.h"
#include "zhijia/errors.h"

size_t zj_catalog_tactic_count(void)
{
	return zj_catalog_tables()->n_tactics;
}

const struct zj_tactic *zj_catalog_tactic(size_t index)
{
	const struct zj_catalog_tables *t = zj_catalog_tables();

	return index < t->n_tactics ? &t->tactics[index] : NULL;
}

int zj_catalog_tactic_find(const char *name, size_t *ret_index)
{
	const struct zj_catalog_tables *t = zj_catalog_tables();

	if (!name || !ret_index)
		return -ZJ_EINVAL;
	for (size_t i = 0; i < t->n_tactics; i++) {
		if (strcmp(t->tactics[i].id, name) == 0 ||
		    strcmp(t->tactics[i].shortname, name) == 0) {
			*ret_index = i;
			return 0;
		}
	}
	return -ZJ_ENOENT;
}

size_t zj_catalog_count(void)
{
	return zj_catalog_tables()->n_techniques;
}

const struct zj_technique *zj_catalog_at(size_t index)
{
	const struct zj_catalog_tables *t = zj_catalog_tables();

	return index < t->n_techniques ? &t->techniques[index] : NULL;
}

size_t zj_catalog_index(const struct zj_technique *t)
{
	return (size_t)(t - zj_catalog_tables()->techniques);
}

/*
 * "T1055.008" -> 1055008, "T1055" -> 1055000 (zj_technique.key); 0 when id is not of that
 * form, which no catalog entry has (gen-catalog.awk refuses other ids).
 */
static uint32_t technique_key(const char *id)
{
	uint32_t k = 0;
	size_t i;

	if (id[0] != 'T' && id[0] != 't')
		return 0;
	for (i = 1; i <= 4; i++) {
		if (id[i] < '0' || id[i] > '9')
			return 0;
		k = k * 10 + (uint32_t)(id[i] - '0');
	}
	k *= 1000;
	if (id[5] == '\0')
		return k;
	if (id[5] != '.')
		return 0;
	for (i = 6; i <= 8; i++) {
		if (id[i] < '0' || id[i] > '9')
			return 0;
	}
	if (id[9] != '\0')
		return 0;
	return k + (uint32_t)(id[6] - '0') * 100 + (uint32_t)(id[7] - '0') * 10 +
	       (uint32_t)(id[8] - '0');
}

/*
 * Straight to the technique by its number (by_number[]), then back from where its
 * sub-technique can be at the furthest: the policy and the event log look a finding's
 * technique up, and a binary search with strcmp() per step was a tenth of the cost of a
 * record (callgrind).
 */
int zj_catalog_find(const char *id, const struct zj_technique **ret)
{
	const struct zj_catalog_tables *t = zj_catalog_tables();
	uint32_t key, num;
	size_t first, last, j;
	int32_t i;

	if (!id || !ret)
		return -ZJ_EINVAL;
	key = technique_key(id); /* reads id only up to its NUL: each test stops there */
	num = key / 1000;
	if (!key || num < t->first_number || num - t->first_number >= t->n_numbers)
		return -ZJ_ENOENT;
	i = t->by_number[num - t->first_number];
	if (i < 0 || (size_t)i >= t->n_techniques)
		return -ZJ_ENOENT;
	/*
	 * Its sub-techniques follow it, sorted and unique (gen-catalog.awk fails otherwise), so
	 * .NNN is at most NNN places on: start there (or at the last one) and walk back.
	 */
	first = (size_t)i;
	last = first + t->techniques[first].n_subs;
	if (last >= t->n_techniques)
		last = t->n_techniques - 1;
	j = first + key % 1000 < last ? first + key % 1000 : last;
	for (;; j--) {
		if (t->techniques[j].key == key) {
			*ret = &t->techniques[j];
			return 0;
		}
		if (t->techniques[j].key < key || j == first)
			return -ZJ_ENOENT;
	}
}

const struct zj_technique *zj_catalog_parent(const struct zj_technique *t)
{
	return t->parent >= 0 ? zj_catalog_at((size_t)t->parent) : NULL;
}

const struct zj_technique *zj_catalog_next(const struct zj_technique *prev, int tactic)
{
	const struct zj_catalog_tables *t = zj_catalog_tables();
	size_t i = prev ? zj_catalog_index(prev) + 1 : 0;

	for (; i < t->n_techniques; i++)
		if (tactic < 0 || zj_technique_in_tactic(&t->techniques[i], (size_t)tactic))
			return &t->techniques[i];
	return NULL;
}

int zj_technique_primary_tactic(const struct zj_technique *t)
{
	/* Bit i is tactic i in Enterprise matrix order: the lowest set bit comes first. */
	for (int i = 0; i < 32; i++)
		if ((t->tactics >> i) & 1u)
			return i;
	return -1;
}

const char *zj_catalog_attack_version(void)
{
	return zj_catalog_tables()->attack_version;
}

const char *zj_catalog_platform(void)
{
	return zj_catalog_tables()->platform;
}

const char *zj_capability_name(uint32_t capability)
{
	switch (capability) {
	case ZJ_CAP_NONE:
		return "none";
	case ZJ_CAP_OBSERVE:
		return "observe";
	case ZJ_CAP_ENFORCE:
		return "enforce";
	default:
		return "unknown";
	}
}
