/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MITRE ATT&CK catalog: tactic -> technique -> sub-technique, with English names, the
 * Chinese names the product brief gives, and what zhijia can do about each entry on this
 * platform.  Portable tier: C11 only.
 *
 * The tables are generated at build time (policy/gen-catalog.awk) from the vendored extract of
 * ATT&CK in policy/attack/, which is (c) The MITRE Corporation and reproduced under its terms of
 * use; capabilities come from policy/attack/capabilities.tsv.  The catalog holds the entries
 * whose platforms include the build's platform (Linux: attack-linux.tsv).  Entries are sorted
 * by id, so a technique is directly followed by its sub-techniques.  All data is read-only;
 * pointers stay valid for the life of the program.
 *
 * Tactics: ATT&CK gives a technique one or more tactics without ranking them (T1055 Process
 * Injection is both privilege-escalation and defense-evasion).  Iterating by tactic lists a
 * technique under each of its tactics, as the ATT&CK matrix and the brief's policy page do.
 * Where one tactic has to be shown (a finding's one-line summary), the primary tactic is the
 * first of the entry's tactics in the Enterprise matrix order of tactics.tsv -- the order MITRE
 * lists them on a technique's page.  So T1055 -> Privilege Escalation (as on the brief's
 * policy page), T1543/T1574 -> Persistence, T1053 -> Execution.  The rule needs no table that
 * could drift from MITRE's data.
 */
#ifndef ZHIJIA_CATALOG_H
#define ZHIJIA_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What zhijia can do about a (sub-)technique on this platform. */
#define ZJ_CAP_NONE 0	 /* not seen by zhijia */
#define ZJ_CAP_OBSERVE 1 /* detected and reported: alert, record */
#define ZJ_CAP_ENFORCE 2 /* also blocked: deny in the kernel or stop the actor */

#define ZJ_TECHNIQUE_ID_MAX 16 /* "T1055.008" and its NUL fit, with room */

struct zj_tactic {
	const char *id;	       /* "TA0004" */
	const char *shortname; /* "privilege-escalation", as in ATT&CK's data */
	const char *name;      /* "Privilege Escalation" */
	const char *name_zh;   /* "提权"; NULL where the brief gives no Chinese name */
};

struct zj_technique {
	const char *id;		  /* "T1055" or "T1055.008" */
	const char *name;	  /* "Ptrace System Calls" (a sub-technique's own name) */
	const char *name_zh;	  /* NULL where the brief gives no Chinese name */
	const char *data_sources; /* ATT&CK data components, ';'-separated */
	int32_t parent;		  /* catalog index of the technique, -1 for a technique */
	uint32_t n_subs;	  /* sub-techniques, which follow at index + 1 .. + n_subs */
	uint32_t tactics;	  /* bit i: tactic i of zj_catalog_tactic() */
	uint32_t capability;	  /* ZJ_CAP_* on this platform */
	uint32_t key;		  /* the id as a number: T1055.008 -> 1055008, T1055 -> 1055000 */
};

/* Tactics in Enterprise matrix order (reconnaissance first). */
size_t zj_catalog_tactic_count(void);
/* NULL past the end. */
const struct zj_tactic *zj_catalog_tactic(size_t index);
/* By id ("TA0004") or shortname ("privilege-escalation").  -ENOENT, -EINVAL. */
int zj_catalog_tactic_find(const char *name, size_t *ret_index);

/* Techniques and sub-techniques, sorted by id. */
size_t zj_catalog_count(void);
/* NULL past the end. */
const struct zj_technique *zj_catalog_at(size_t index);
/* The position of t in the catalog (t must come from it). */
size_t zj_catalog_index(const struct zj_technique *t);

/*
 * Look up "T1055.008" (a lower-case 't' is accepted).  -ENOENT when the catalog has no such
 * entry (a malformed id included), -EINVAL on NULL.
 */
int zj_catalog_find(const char *id, const struct zj_technique **ret);

/* The technique a sub-technique belongs to; NULL for a technique. */
const struct zj_technique *zj_catalog_parent(const struct zj_technique *t);
static inline bool zj_technique_is_sub(const struct zj_technique *t)
{
	return t->parent >= 0;
}

/*
 * Iterate by tactic: the entry after prev (NULL: from the start) that belongs to tactic
 * (a zj_catalog_tactic() index; a negative value matches every entry).  NULL at the end.
 *
 *	for (t = zj_catalog_next(NULL, tac); t; t = zj_catalog_next(t, tac))
 */
const struct zj_technique *zj_catalog_next(const struct zj_technique *prev, int tactic);

static inline bool zj_technique_in_tactic(const struct zj_technique *t, size_t tactic)
{
	return tactic < 32 && (t->tactics >> tactic) & 1u;
}

/* Index of the primary display tactic (see the top of this file); -1 if it has none. */
int zj_technique_primary_tactic(const struct zj_technique *t);

/* "v18.1": the ATT&CK release the catalog was generated from. */
const char *zj_catalog_attack_version(void);
/* "linux": the platform whose entries and capabilities the catalog holds. */
const char *zj_catalog_platform(void);

/* "none", "observe", "enforce"; "unknown" out of range. */
const char *zj_capability_name(uint32_t capability);

/*
 * The generated tables (policy/gen-catalog.awk writes the one definition of
 * zj_catalog_tables(), in $(OUTPUT)/gen/catalog_data.c).  Use the functions above.
 */
struct zj_catalog_tables {
	const char *attack_version;
	const char *platform;
	const struct zj_tactic *tactics;
	size_t n_tactics;
	const struct zj_technique *techniques;
	size_t n_techniques;
	/* by_number[n - first_number]: index of technique Tn (its subs follow), -1: none */
	const int16_t *by_number;
	uint32_t first_number;
	uint32_t n_numbers;
};
const struct zj_catalog_tables *zj_catalog_tables(void);

#endif /* ZHIJIA_CATALOG_H */
