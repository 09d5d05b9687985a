/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generated ATT&CK catalog: lookups, names, lineage, tactics, capabilities, and the
 * invariants gen-catalog.awk promises (sorted ids, sub-techniques after their technique).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/catalog.h"
#include "zhijia/coverage.h"
#include "zhijia/errors.h"

static const struct zj_technique *find(const char *id)
{
	const struct zj_technique *t = NULL;

	ck_assert_msg(zj_catalog_find(id, &t) == 0, "%s not in the catalog", id);
	return t;
}

static size_t tactic(const char *name)
{
	size_t i = 99;

	ck_assert_int_eq(zj_catalog_tactic_find(name, &i), 0);
	return i;
}

START_TEST(test_sizes)
{
	/* attack-linux.tsv of ATT&CK v18.1: 152 techniques and 202 sub-techniques. */
	size_t techniques = 0, subs = 0;

	ck_assert_uint_eq(zj_catalog_count(), 354);
	for (size_t i = 0; i < zj_catalog_count(); i++) {
		if (zj_technique_is_sub(zj_catalog_at(i)))
			subs++;
		else
			techniques++;
	}
	ck_assert_uint_eq(techniques, 152);
	ck_assert_uint_eq(subs, 202);
	ck_assert_uint_eq(zj_catalog_tactic_count(), 14);
	ck_assert_ptr_null(zj_catalog_at(354));
	ck_assert_ptr_null(zj_catalog_tactic(14));
	ck_assert_str_eq(zj_catalog_attack_version(), "v18.1");
	ck_assert_str_eq(zj_catalog_platform(), "linux");
}
END_TEST

START_TEST(test_lookup)
{
	const struct zj_technique *t = find("T1055.008"), *parent;

	ck_assert_str_eq(t->id, "T1055.008");
	ck_assert_str_eq(t->name, "Ptrace System Calls");
	ck_assert_str_eq(t->name_zh, "利用Ptrace系统调用注入");
	ck_assert_str_eq(t->data_sources, "OS API Execution;Process Creation;Process Metadata");
	ck_assert(zj_technique_is_sub(t));
	parent = zj_catalog_parent(t);
	ck_assert_ptr_nonnull(parent);
	ck_assert_str_eq(parent->id, "T1055");
	ck_assert_str_eq(parent->name, "Process Injection");
	ck_assert_str_eq(parent->name_zh, "进程注入");
	ck_assert_ptr_null(zj_catalog_parent(parent));
	ck_assert_ptr_eq(zj_catalog_at(zj_catalog_index(t)), t);

	/* A lower-case 't' is accepted, as people type it. */
	ck_assert_ptr_eq(find("t1055.008"), t);

	/* Names the brief gives, and only those. */
	ck_assert_str_eq(find("T1055.009")->name_zh, "利用Proc内存注入");
	ck_assert_str_eq(find("T1055.014")->name_zh, "VDSO劫持");
	ck_assert_str_eq(find("T1053")->name_zh, "利用计划任务/工作");
	ck_assert_str_eq(find("T1543")->name_zh, "创建或修改系统进程");
	ck_assert_str_eq(find("T1574")->name_zh, "执行流程劫持");
	ck_assert_ptr_null(find("T1053.003")->name_zh);
	ck_assert_ptr_null(find("T1543.002")->name_zh);
	ck_assert_str_eq(find("T1053.006")->name, "Systemd Timers");
	ck_assert_str_eq(find("T1574.006")->name, "Dynamic Linker Hijacking");
}
END_TEST

START_TEST(test_lookup_misses)
{
	const struct zj_technique *t = NULL;
	char longid[64];

	memset(longid, '1', sizeof(longid) - 1);
	longid[0] = 'T';
	longid[sizeof(longid) - 1] = '\0';
	ck_assert_int_eq(zj_catalog_find("T1055.99", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("T1055.001", &t), -ZJ_ENOENT); /* Windows only */
	ck_assert_int_eq(zj_catalog_find("TA0004", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find(longid, &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find(NULL, &t), -ZJ_EINVAL);
	/* Near misses of a real id: the numeric search must not round them onto T1055.008. */
	ck_assert_int_eq(zj_catalog_find("T1055.0080", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("T1055.00", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("T1055-008", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("T1055.00x", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("T105", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("T10550", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find(" T1055", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("T0000", &t), -ZJ_ENOENT);
	ck_assert_ptr_null(t);
}
END_TEST

/* Every entry is found by its id, upper or lower case, and its key is its id as a number. */
START_TEST(test_lookup_every_entry)
{
	for (size_t i = 0; i < zj_catalog_count(); i++) {
		const struct zj_technique *e = zj_catalog_at(i), *t = NULL;
		char id[ZJ_TECHNIQUE_ID_MAX];
		unsigned num = 0, sub = 0;

		ck_assert_int_eq(zj_catalog_find(e->id, &t), 0);
		ck_assert_ptr_eq(t, e);
		snprintf(id, sizeof(id), "%s", e->id);
		id[0] = 't';
		t = NULL;
		ck_assert_int_eq(zj_catalog_find(id, &t), 0);
		ck_assert_ptr_eq(t, e);
		ck_assert_int_ge(sscanf(e->id, "T%4u.%3u", &num, &sub), 1);
		ck_assert_uint_eq(e->key, num * 1000 + sub);
		if (i > 0)
			ck_assert_uint_gt(e->key, zj_catalog_at(i - 1)->key);
	}
}
END_TEST

/* Every sub-technique number of every technique: found exactly when the catalog has it. */
START_TEST(test_lookup_every_number)
{
	for (size_t i = 0; i < zj_catalog_count(); i++) {
		const struct zj_technique *e = zj_catalog_at(i), *t;
		size_t next = i + 1;
		char id[ZJ_TECHNIQUE_ID_MAX];

		if (zj_technique_is_sub(e))
			continue;
		for (unsigned sub = 1; sub <= 999; sub++) {
			const struct zj_technique *n = zj_catalog_at(next);
			bool have = n && n->key == e->key + sub;

			snprintf(id, sizeof(id), "%s.%03u", e->id, sub);
			t = NULL;
			ck_assert_int_eq(zj_catalog_find(id, &t), have ? 0 : -ZJ_ENOENT);
			ck_assert_ptr_eq(t, have ? n : NULL);
			if (have)
				next++;
		}
		ck_assert_uint_eq(next, i + 1 + e->n_subs);
	}
}
END_TEST

START_TEST(test_tactics)
{
	const struct zj_tactic *pe = zj_catalog_tactic(tactic("TA0004"));
	size_t i = 99;

	ck_assert_str_eq(pe->shortname, "privilege-escalation");
	ck_assert_str_eq(pe->name, "Privilege Escalation");
	ck_assert_str_eq(pe->name_zh, "提权");
	ck_assert_uint_eq(tactic("privilege-escalation"), tactic("TA0004"));
	ck_assert_str_eq(zj_catalog_tactic(tactic("TA0003"))->name_zh, "持久化");
	ck_assert_str_eq(zj_catalog_tactic(tactic("TA0005"))->name_zh, "防御规避");
	ck_assert_str_eq(zj_catalog_tactic(tactic("TA0010"))->name_zh, "数据渗出");
	/* Enterprise matrix order. */
	ck_assert_str_eq(zj_catalog_tactic(0)->id, "TA0043");
	ck_assert_str_eq(zj_catalog_tactic(13)->id, "TA0040");
	ck_assert_int_eq(zj_catalog_tactic_find("escalation", &i), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_tactic_find(NULL, &i), -ZJ_EINVAL);
	for (size_t k = 0; k < zj_catalog_tactic_count(); k++)
		ck_assert_ptr_nonnull(zj_catalog_tactic(k)->name_zh);
}
END_TEST

START_TEST(test_technique_tactics)
{
	const struct zj_technique *t = find("T1055"), *sub = find("T1055.008");
	size_t pe = tactic("privilege-escalation"), de = tactic("defense-evasion");

	ck_assert(zj_technique_in_tactic(t, pe));
	ck_assert(zj_technique_in_tactic(t, de));
	ck_assert(!zj_technique_in_tactic(t, tactic("persistence")));
	ck_assert(zj_technique_in_tactic(sub, pe) && zj_technique_in_tactic(sub, de));
	ck_assert(!zj_technique_in_tactic(t, 40));

	/* Primary tactic: first in Enterprise matrix order. */
	ck_assert_int_eq(zj_technique_primary_tactic(t), (int)pe);
	ck_assert_int_eq(zj_technique_primary_tactic(find("T1053.003")), (int)tactic("execution"));
	ck_assert_int_eq(zj_technique_primary_tactic(find("T1543.002")),
			 (int)tactic("persistence"));
	ck_assert_int_eq(zj_technique_primary_tactic(find("T1574.006")),
			 (int)tactic("persistence"));
}
END_TEST

START_TEST(test_iterate_by_tactic)
{
	static const char *const in_pe[] = {"T1053.002", "T1053.003", "T1053.006", "T1055",
					    "T1055.008", "T1055.009", "T1055.014", "T1543.002",
					    "T1574.006", "T1068",     "T1548"};
	int pe = (int)tactic("privilege-escalation"), de = (int)tactic("defense-evasion");
	size_t n_all = 0, n_pe = 0, found = 0;
	const char *prev = "";

	for (const struct zj_technique *t = zj_catalog_next(NULL, -1); t;
	     t = zj_catalog_next(t, -1))
		n_all++;
	ck_assert_uint_eq(n_all, zj_catalog_count());

	for (const struct zj_technique *t = zj_catalog_next(NULL, pe); t;
	     t = zj_catalog_next(t, pe)) {
		ck_assert(zj_technique_in_tactic(t, (size_t)pe));
		ck_assert_int_lt(strcmp(prev, t->id), 0);
		prev = t->id;
		for (size_t k = 0; k < sizeof(in_pe) / sizeof(in_pe[0]); k++)
			found += strcmp(t->id, in_pe[k]) == 0;
		n_pe++;
	}
	ck_assert_uint_eq(found, sizeof(in_pe) / sizeof(in_pe[0]));
	ck_assert_uint_gt(n_pe, 20);
	ck_assert_uint_lt(n_pe, n_all);

	/* Cron is not defense evasion; process injection is. */
	found = 0;
	for (const struct zj_technique *t = zj_catalog_next(NULL, de); t;
	     t = zj_catalog_next(t, de)) {
		ck_assert_str_ne(t->id, "T1053.003");
		found += strcmp(t->id, "T1055.009") == 0;
	}
	ck_assert_uint_eq(found, 1);
}
END_TEST

START_TEST(test_invariants)
{
	for (size_t i = 0; i < zj_catalog_count(); i++) {
		const struct zj_technique *t = zj_catalog_at(i);

		ck_assert_ptr_nonnull(t->id);
		ck_assert_ptr_nonnull(t->name);
		ck_assert_ptr_nonnull(t->data_sources);
		ck_assert_uint_ne(t->tactics, 0);
		ck_assert_int_ge(zj_technique_primary_tactic(t), 0);
		if (i > 0)
			ck_assert_int_lt(strcmp(zj_catalog_at(i - 1)->id, t->id), 0);
		if (zj_technique_is_sub(t)) {
			const struct zj_technique *p = zj_catalog_parent(t);

			ck_assert_uint_eq(t->n_subs, 0);
			ck_assert_int_lt(t->parent, (int)i);
			ck_assert_uint_le(i, (size_t)t->parent + p->n_subs);
			ck_assert(strncmp(t->id, p->id, 5) == 0 && t->id[5] == '.');
		} else {
			ck_assert_uint_eq(strlen(t->id), 5);
			for (size_t k = 1; k <= t->n_subs; k++)
				ck_assert_int_eq(zj_catalog_at(i + k)->parent, (int)i);
		}
		ck_assert_ptr_eq(zj_catalog_at(zj_catalog_index(t)), t);
	}
}
END_TEST

START_TEST(test_capabilities)
{
	static const char *const observed[] = {"T1053.002", "T1053.003", "T1053.006", "T1055.008",
					       "T1055.009", "T1055.014", "T1543.002", "T1574.006",
					       "T1037.004", "T1098.004", "T1098.007", "T1136.001",
					       "T1546.004", "T1546.017", "T1546.018", "T1547.006",
					       "T1547.013", "T1548.003", "T1556.003",
					       "T1548.001", "T1620"};
	size_t n = 0;

	for (size_t k = 0; k < sizeof(observed) / sizeof(observed[0]); k++)
		ck_assert_uint_eq(find(observed[k])->capability, ZJ_CAP_ENFORCE);
	for (size_t i = 0; i < zj_catalog_count(); i++)
		n += zj_catalog_at(i)->capability != ZJ_CAP_NONE;
	ck_assert_uint_eq(n, sizeof(observed) / sizeof(observed[0]));
	ck_assert_uint_eq(find("T1055")->capability, ZJ_CAP_NONE);
	ck_assert_uint_eq(find("T1574.007")->capability, ZJ_CAP_NONE);
	ck_assert_str_eq(zj_capability_name(ZJ_CAP_NONE), "none");
	ck_assert_str_eq(zj_capability_name(ZJ_CAP_OBSERVE), "observe");
	ck_assert_str_eq(zj_capability_name(ZJ_CAP_ENFORCE), "enforce");
	ck_assert_str_eq(zj_capability_name(7), "unknown");
}
END_TEST

/* Coverage: every row recounted from the catalog; the total row counts each entry once. */
START_TEST(test_coverage)
{
	struct zj_coverage_row r;
	json_object *o, *v, *tac;
	uint32_t leaves = 0, covered = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	for (size_t k = 0; k < zj_catalog_count(); k++) {
		const struct zj_technique *t = zj_catalog_at(k);

		if (zj_technique_is_sub(t) || t->n_subs == 0) {
			leaves++;
			covered += t->capability != ZJ_CAP_NONE;
		}
	}
	ck_assert_int_eq(zj_coverage_row(zj_catalog_tactic_count(), &r), 0);
	ck_assert_uint_eq(r.total, leaves);
	ck_assert_uint_eq(r.observed, covered);
	ck_assert_uint_ge(r.observed, 19);
	ck_assert_int_eq(zj_coverage_row(zj_catalog_tactic_count() + 1, &r), -1);
	for (size_t i = 0; i < zj_catalog_tactic_count(); i++) {
		uint32_t n = 0, obs = 0, enf = 0;

		for (size_t k = 0; k < zj_catalog_count(); k++) {
			const struct zj_technique *t = zj_catalog_at(k);

			if ((zj_technique_is_sub(t) || t->n_subs == 0) &&
			    zj_technique_in_tactic(t, i)) {
				n++;
				obs += t->capability >= ZJ_CAP_OBSERVE;
				enf += t->capability == ZJ_CAP_ENFORCE;
			}
		}
		ck_assert_int_eq(zj_coverage_row(i, &r), 0);
		ck_assert_uint_eq(r.total, n);
		ck_assert_uint_eq(r.observed, obs);
		ck_assert_uint_eq(r.enforced, enf);
	}
	o = zj_coverage_json();
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "tactics", &v));
	ck_assert_uint_eq(json_object_array_length(v), zj_catalog_tactic_count());
	tac = json_object_array_get_idx(v, 4); /* TA0003 Persistence */
	ck_assert(json_object_object_get_ex(tac, "id", &v));
	ck_assert_str_eq(json_object_get_string(v), "TA0003");
	ck_assert(json_object_object_get_ex(tac, "entries", &v));
	ck_assert_uint_ge(json_object_array_length(v), 15);
	json_object_put(o);
	/* tmpfile, not open_memstream: this suite also runs under MinGW/Wine */
	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(zj_coverage_markdown(f), 0);
	ck_assert_int_eq(fflush(f), 0);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = (size_t)ftell(f);
	ck_assert_uint_gt(len, 0);
	rewind(f);
	buf = malloc(len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, len, f), len);
	buf[len] = '\0';
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "| TA0003 Persistence 持久化 | "));
	ck_assert_ptr_nonnull(strstr(buf, "T1098.004"));
	free(buf);
}
END_TEST

static Suite *catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("catalog");

	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_lookup_misses);
	tcase_add_test(tc, test_lookup_every_entry);
	tcase_add_test(tc, test_lookup_every_number);
	tcase_add_test(tc, test_tactics);
	tcase_add_test(tc, test_technique_tactics);
	tcase_add_test(tc, test_iterate_by_tactic);
	tcase_add_test(tc, test_invariants);
	tcase_add_test(tc, test_capabilities);
	tcase_add_test(tc, test_coverage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(catalog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
