/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "zhijia/catalog.h"
#include "zhijia/coverage.h"

/* The finest level: a sub-technique, or a technique without sub-techniques. */
static bool is_leaf(const struct zj_technique *t)
{
	return zj_technique_is_sub(t) || t->n_subs == 0;
}

static bool in_row(const struct zj_technique *t, size_t i)
{
	return i == zj_catalog_tactic_count() || zj_technique_in_tactic(t, i);
}

int zj_coverage_row(size_t i, struct zj_coverage_row *ret)
{
	if (i > zj_catalog_tactic_count() || !ret)
		return -1;
	memset(ret, 0, sizeof(*ret));
	ret->tactic = i;
	for (size_t k = 0; k < zj_catalog_count(); k++) {
		const struct zj_technique *t = zj_catalog_at(k);

		if (!is_leaf(t) || !in_row(t, i))
			continue;
		ret->total++;
		ret->observed += t->capability >= ZJ_CAP_OBSERVE;
		ret->enforced += t->capability >= ZJ_CAP_ENFORCE;
	}
	return 0;
}

static json_object *row_json(size_t i)
{
	const struct zj_tactic *tac = zj_catalog_tactic(i);
	struct zj_coverage_row r;
	json_object *o = json_object_new_object(), *entries = json_object_new_array();

	if (!o || !entries || zj_coverage_row(i, &r) < 0) {
		json_object_put(o);
		json_object_put(entries);
		return NULL;
	}
	if (tac) {
		json_object_object_add(o, "id", json_object_new_string(tac->id));
		json_object_object_add(o, "name", json_object_new_string(tac->name));
		if (tac->name_zh)
			json_object_object_add(o, "name_zh", json_object_new_string(tac->name_zh));
	}
	json_object_object_add(o, "total", json_object_new_int64(r.total));
	json_object_object_add(o, "observed", json_object_new_int64(r.observed));
	json_object_object_add(o, "enforced", json_object_new_int64(r.enforced));
	for (size_t k = 0; k < zj_catalog_count(); k++) {
		const struct zj_technique *t = zj_catalog_at(k);
		json_object *e;

		if (!is_leaf(t) || !in_row(t, i) || t->capability == ZJ_CAP_NONE)
			continue;
		e = json_object_new_object();
		if (!e)
			continue;
		json_object_object_add(e, "id", json_object_new_string(t->id));
		json_object_object_add(e, "name", json_object_new_string(t->name));
		if (t->name_zh)
			json_object_object_add(e, "name_zh", json_object_new_string(t->name_zh));
		json_object_object_add(e, "capability",
				       json_object_new_string(zj_capability_name(t->capability)));
		json_object_array_add(entries, e);
	}
	json_object_object_add(o, "entries", entries);
	return o;
}

json_object *zj_coverage_json(void)
{
	json_object *o = json_object_new_object(), *tactics = json_object_new_array(), *row;

	if (!o || !tactics) {
		json_object_put(o);
		json_object_put(tactics);
		return NULL;
	}
	json_object_object_add(o, "attack", json_object_new_string(zj_catalog_attack_version()));
	json_object_object_add(o, "platform", json_object_new_string(zj_catalog_platform()));
	for (size_t i = 0; i < zj_catalog_tactic_count(); i++) {
		row = row_json(i);
		if (!row) {
			json_object_put(tactics);
			json_object_put(o);
			return NULL;
		}
		json_object_array_add(tactics, row);
	}
	json_object_object_add(o, "tactics", tactics);
	row = row_json(zj_catalog_tactic_count());
	if (!row) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "total", row);
	return o;
}

int zj_coverage_markdown(FILE *out)
{
	int bad = 0;

	bad |= fprintf(out,
		       "ATT&CK %s, platform %s: per tactic, the entries ATT&CK has at the finest "
		       "level (sub-techniques, and techniques without any), and those zhijia "
		       "observes and enforces.  A (sub-)technique with several tactics counts under "
		       "each; the last row counts each once.\n\n",
		       zj_catalog_attack_version(), zj_catalog_platform()) < 0;
	bad |= fputs("| Tactic | ATT&CK | observed | enforced | zhijia (* observed only) |\n"
		     "|---|---:|---:|---:|---|\n",
		     out) < 0;
	for (size_t i = 0; i <= zj_catalog_tactic_count(); i++) {
		const struct zj_tactic *tac = zj_catalog_tactic(i);
		struct zj_coverage_row r;
		bool first = true;

		if (zj_coverage_row(i, &r) < 0)
			return -EIO;
		if (tac)
			bad |= fprintf(out, "| %s %s%s%s | ", tac->id, tac->name,
				       tac->name_zh ? " " : "", tac->name_zh ? tac->name_zh : "") <
			       0;
		else
			bad |= fputs("| **all tactics** | ", out) < 0;
		bad |= fprintf(out, "%u | %u | %u | ", (unsigned)r.total, (unsigned)r.observed,
			       (unsigned)r.enforced) < 0;
		for (size_t k = 0; k < zj_catalog_count() && tac; k++) {
			const struct zj_technique *t = zj_catalog_at(k);

			if (!is_leaf(t) || !in_row(t, i) || t->capability == ZJ_CAP_NONE)
				continue;
			bad |= fprintf(out, "%s%s%s", first ? "" : ", ", t->id,
				       t->capability == ZJ_CAP_ENFORCE ? "" : "*") < 0;
			first = false;
		}
		bad |= fputs(first && tac ? "- |\n" : " |\n", out) < 0;
	}
	return bad ? -EIO : 0;
}
