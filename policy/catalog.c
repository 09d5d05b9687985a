/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lookups over the generated ATT&CK tables (see include/zhijia/catalog.h).  The tables are
 * sorted by id (gen-catalog.awk refuses anything else), so a lookup is a binary search.
 */
#include <stddef.h>
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

int zj_catalog_find(const char *id, const struct zj_technique **ret)
{
	const struct zj_catalog_tables *t = zj_catalog_tables();
	char key[ZJ_TECHNIQUE_ID_MAX];
	size_t len, lo = 0, hi = t->n_techniques;

	if (!id || !ret)
		return -ZJ_EINVAL;
	len = strlen(id);
	if (len == 0 || len >= sizeof(key))
		return -ZJ_ENOENT;
	memcpy(key, id, len + 1);
	if (key[0] == 't')
		key[0] = 'T';

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, t->techniques[mid].id);

		if (c == 0) {
			*ret = &t->techniques[mid];
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ZJ_ENOENT;
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
