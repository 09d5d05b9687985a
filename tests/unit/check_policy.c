/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy: setting and validating actions (every error message asserted exactly), protected
 * applications, exceptions, JSON in and out (round trip; corrupted files -> FILE:LINE:COL), the
 * file callbacks, and zj_policy_decide() -- the brief's default rule, explicit actions,
 * benign findings, exceptions, enforcement wording.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/bpf_abi.h"
#include "zhijia/catalog.h"
#include "zhijia/detect.h"
#include "zhijia/errors.h"
#include "zhijia/event.h"
#include "zhijia/policy.h"

#define S(lit) ((struct zj_str){(lit), sizeof(lit) - 1})

static struct zj_policy *pol;
static char err[ZJ_POLICY_ERR_MAX];

static void setup(void)
{
	ck_assert_int_eq(zj_policy_new_default(&pol), 0);
	err[0] = '\0';
}

static void teardown(void)
{
	zj_policy_free(pol);
	pol = NULL;
}

static char *json_of(const struct zj_policy *p)
{
	char *text = NULL;
	int n = zj_policy_to_json(p, &text);

	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(strlen(text), (size_t)n);
	return text;
}

static uint32_t action_of(const char *id)
{
	uint32_t a = 99;

	ck_assert_int_eq(zj_policy_get(pol, id, &a), 0);
	return a;
}

/* The policy did not change: same serialisation as before. */
#define ASSERT_UNCHANGED(before)                                                                   \
	do {                                                                                       \
		char *after_ = json_of(pol);                                                       \
		ck_assert_str_eq(after_, before);                                                  \
		free(after_);                                                                      \
	} while (0)

static const char default_json[] = "{\n"
				   "  \"version\": 1,\n"
				   "  \"actions\": {\n"
				   "    \"T1037.004\": \"default\",\n"
				   "    \"T1053.002\": \"default\",\n"
				   "    \"T1053.003\": \"default\",\n"
				   "    \"T1053.006\": \"default\",\n"
				   "    \"T1055.008\": \"default\",\n"
				   "    \"T1055.009\": \"default\",\n"
				   "    \"T1055.014\": \"default\",\n"
				   "    \"T1098.004\": \"default\",\n"
				   "    \"T1098.007\": \"default\",\n"
				   "    \"T1136.001\": \"default\",\n"
				   "    \"T1543.002\": \"default\",\n"
				   "    \"T1546.004\": \"default\",\n"
				   "    \"T1546.017\": \"default\",\n"
				   "    \"T1546.018\": \"default\",\n"
				   "    \"T1547.006\": \"default\",\n"
				   "    \"T1547.013\": \"default\",\n"
				   "    \"T1548.001\": \"default\",\n"
				   "    \"T1548.003\": \"default\",\n"
				   "    \"T1556.003\": \"default\",\n"
				   "    \"T1574.006\": \"default\",\n"
				   "    \"T1620\": \"default\"\n"
				   "  },\n"
				   "  \"protected\": [],\n"
				   "  \"exceptions\": []\n"
				   "}\n";

/* ---- actions ----------------------------------------------------------------------------- */

START_TEST(test_defaults)
{
	char *text = json_of(pol);

	ck_assert_str_eq(text, default_json);
	free(text);
	ck_assert_uint_eq(action_of("T1055.008"), ZJ_ACTION_DEFAULT);
	ck_assert_uint_eq(action_of("T1574.007"), ZJ_ACTION_DEFAULT);
	ck_assert_uint_eq(zj_policy_protect_count(pol), 0);
	ck_assert_uint_eq(zj_policy_allow_count(pol), 0);
	ck_assert(zj_policy_enforceable(pol));
}
END_TEST

START_TEST(test_set)
{
	static const char *const actions[] = {"block", "alert", "record", "off", "default"};
	static const uint32_t values[] = {ZJ_ACTION_BLOCK, ZJ_ACTION_ALERT, ZJ_ACTION_RECORD,
					  ZJ_ACTION_OFF, ZJ_ACTION_DEFAULT};

	for (size_t i = 0; i < 5; i++) {
		ck_assert_int_eq(zj_policy_set(pol, "T1055.008", actions[i], err, sizeof(err)), 0);
		ck_assert_uint_eq(action_of("T1055.008"), values[i]);
		ck_assert_str_eq(zj_action_name(values[i]), actions[i]);
	}
	ck_assert_int_eq(zj_policy_set(pol, "t1543.002", "alert", err, sizeof(err)), 0);
	ck_assert_uint_eq(action_of("T1543.002"), ZJ_ACTION_ALERT);
	ck_assert_str_eq(zj_action_name(9), "unknown");
}
END_TEST

START_TEST(test_set_errors)
{
	char *before;

	ck_assert_int_eq(zj_policy_set(pol, "T1053.003", "alert", err, sizeof(err)), 0);
	before = json_of(pol);

	ck_assert_int_eq(zj_policy_set(pol, "T1055.99", "block", err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T1055.99'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	ck_assert_int_eq(zj_policy_set(pol, "T9999", "block", err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T9999'; see `zhijiactl policy list`");
	ck_assert_int_eq(zj_policy_set(pol, "T1055.001", "block", err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T1055.001'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	ck_assert_int_eq(zj_policy_set(pol, "T1055", "block", err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "T1055 Process Injection has sub-techniques; set one of them: "
			      "T1055.008, T1055.009, T1055.014");
	ck_assert_int_eq(zj_policy_set(pol, "T1574.007", "alert", err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err,
			 "T1574.007 Path Interception by PATH Environment Variable is not "
			 "observed by zhijia on this platform; observed: T1037.004, T1053.002, "
			 "T1053.003, T1053.006, T1055.008, T1055.009, T1055.014, T1098.004, "
			 "T1098.007, T1136.001, T1543.002, T1546.004, T1546.017, T1546.018, "
			 "T1547.006, T1547.013, ...");
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "blok", err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "unknown action 'blok' for T1055.008; valid actions: block, alert, "
			      "record, off, default");
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "BLOCK", err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "unknown action 'BLOCK' for T1055.008; valid actions: block, alert, "
			      "record, off, default");
	/* What a user typed is quoted back harmlessly. */
	ck_assert_int_eq(zj_policy_set(pol, "T1055.\n9", "alert", err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T1055.?9'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	ck_assert_int_eq(zj_policy_set(pol, NULL, "alert", err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "unknown technique ''; see `zhijiactl policy list`");
	/* No room for a message is fine. */
	ck_assert_int_eq(zj_policy_set(pol, "T9999", "block", NULL, 0), -ZJ_ENOENT);

	/* A host whose kernel cannot block. */
	zj_policy_set_enforceable(pol, false);
	ck_assert(!zj_policy_enforceable(pol));
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "block", err, sizeof(err)),
			 -ZJ_EOPNOTSUPP);
	ck_assert_str_eq(err,
			 "T1055.008 cannot be enforced on this platform; valid: alert, record, "
			 "off, default");
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "alert", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "default", err, sizeof(err)), 0);

	ASSERT_UNCHANGED(before);
	free(before);
}
END_TEST

START_TEST(test_capability)
{
	const struct zj_technique *t;

	ck_assert_int_eq(zj_catalog_find("T1055.009", &t), 0);
	ck_assert_uint_eq(zj_policy_capability(pol, t), ZJ_CAP_ENFORCE);
	zj_policy_set_enforceable(pol, false);
	ck_assert_uint_eq(zj_policy_capability(pol, t), ZJ_CAP_OBSERVE);
	ck_assert_int_eq(zj_catalog_find("T1574.007", &t), 0);
	ck_assert_uint_eq(zj_policy_capability(pol, t), ZJ_CAP_NONE);
}
END_TEST

START_TEST(test_reset)
{
	uint32_t a;

	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "block", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_set(pol, "T1055.009", "off", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_reset(pol, "T1055.008", err, sizeof(err)), 0);
	ck_assert_uint_eq(action_of("T1055.008"), ZJ_ACTION_DEFAULT);
	ck_assert_uint_eq(action_of("T1055.009"), ZJ_ACTION_OFF);
	ck_assert_int_eq(zj_policy_reset(pol, "T1055.99", err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T1055.99'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	ck_assert_uint_eq(action_of("T1055.009"), ZJ_ACTION_OFF);
	ck_assert_int_eq(zj_policy_reset(pol, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(action_of("T1055.009"), ZJ_ACTION_DEFAULT);

	ck_assert_int_eq(zj_policy_get(pol, "T1055.99", &a), -ZJ_ENOENT);
	ck_assert_int_eq(zj_action_parse("alert", &a), 0);
	ck_assert_uint_eq(a, ZJ_ACTION_ALERT);
	ck_assert_int_eq(zj_action_parse("Alert", &a), -ZJ_EINVAL);
}
END_TEST

/* ---- protected applications -------------------------------------------------------------- */

START_TEST(test_protect)
{
	const char *const *list;
	char *before;
	size_t n;

	ck_assert_int_eq(zj_policy_protect_add(pol, "/usr/sbin/sshd", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_protect_add(pol, "/opt/db/bin/postgres", err, sizeof(err)), 0);
	ck_assert_uint_eq(zj_policy_protect_count(pol), 2);
	ck_assert_str_eq(zj_policy_protect_get(pol, 0), "/usr/sbin/sshd");
	ck_assert_str_eq(zj_policy_protect_get(pol, 1), "/opt/db/bin/postgres");
	ck_assert_ptr_null(zj_policy_protect_get(pol, 2));
	list = zj_policy_protect_list(pol, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[1], "/opt/db/bin/postgres");
	ck_assert(zj_policy_protects(pol, S("/usr/sbin/sshd")));
	ck_assert(!zj_policy_protects(pol, S("/usr/sbin/sshd2")));
	ck_assert(!zj_policy_protects(pol, S("/usr/sbin/ssh")));
	ck_assert(!zj_policy_protects(pol, S("")));

	before = json_of(pol);
	ck_assert_int_eq(zj_policy_protect_add(pol, "/usr/sbin/sshd", err, sizeof(err)),
			 -ZJ_EEXIST);
	ck_assert_str_eq(err, "'/usr/sbin/sshd' is already protected");
	ck_assert_int_eq(zj_policy_protect_add(pol, "sshd", err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "'sshd' is not an absolute path; a protected application must be an "
			      "absolute executable path such as /usr/sbin/sshd");
	ck_assert_int_eq(zj_policy_protect_add(pol, "/usr/bin/../sbin/sshd", err, sizeof(err)),
			 -ZJ_EINVAL);
	ck_assert_str_eq(err,
			 "'/usr/bin/../sbin/sshd' is not a normalised path (no '.', '..', "
			 "'//' or trailing '/'): executables are matched exactly as the kernel "
			 "resolves them");
	ck_assert_int_eq(zj_policy_protect_add(pol, "/usr/sbin//sshd", err, sizeof(err)),
			 -ZJ_EINVAL);
	ck_assert_int_eq(zj_policy_protect_add(pol, "/usr/sbin/", err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_int_eq(zj_policy_protect_add(pol, "", err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "a protected application must not be empty; give an absolute path "
			      "such as /usr/sbin/sshd");
	ck_assert_int_eq(zj_policy_protect_del(pol, "/usr/bin/nope", err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "'/usr/bin/nope' is not protected; see `zhijiactl policy protect "
			      "list`");
	ASSERT_UNCHANGED(before);
	free(before);

	/* The Windows port's paths. */
	ck_assert_int_eq(
		zj_policy_protect_add(pol, "C:\\Windows\\System32\\lsass.exe", err, sizeof(err)),
		0);
	ck_assert_int_eq(zj_policy_protect_del(pol, "/usr/sbin/sshd", err, sizeof(err)), 0);
	ck_assert_uint_eq(zj_policy_protect_count(pol), 2);
	ck_assert_str_eq(zj_policy_protect_get(pol, 0), "/opt/db/bin/postgres");
}
END_TEST

/* ---- exceptions -------------------------------------------------------------------------- */

START_TEST(test_allow)
{
	struct zj_exception gdb = {.technique = "T1055.008", .exe = "/usr/bin/gdb", .uid = -1};
	struct zj_exception dev = {
		.technique = "*", .uid = 1000, .parent = "/usr/bin/make", .comment = "build farm"};
	const struct zj_exception *e;
	char *before;

	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), 1);
	ck_assert_int_eq(zj_policy_allow_add(pol, &dev, err, sizeof(err)), 2);
	ck_assert_uint_eq(zj_policy_allow_count(pol), 2);
	e = zj_policy_allow_get(pol, 2);
	ck_assert_str_eq(e->technique, "*");
	ck_assert_ptr_null(e->exe);
	ck_assert_int_eq(e->uid, 1000);
	ck_assert_str_eq(e->parent, "/usr/bin/make");
	ck_assert_str_eq(e->comment, "build farm");
	ck_assert_ptr_ne(e->parent, dev.parent); /* copied */
	ck_assert_ptr_null(zj_policy_allow_get(pol, 0));
	ck_assert_ptr_null(zj_policy_allow_get(pol, 3));

	before = json_of(pol);
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EEXIST);
	ck_assert_str_eq(err, "the same exception is already #1");
	gdb.technique = "t1055.008";
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EEXIST);
	gdb.technique = "T1055.99";
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "unknown technique 'T1055.99'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	gdb.technique = NULL;
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "an exception needs a technique: \"*\" or an id such as T1055.008");
	gdb.technique = "T1055.008";
	gdb.exe = "gdb";
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "'gdb' is not an absolute path; exe must be an absolute executable "
			      "path such as /usr/sbin/sshd");
	gdb.exe = NULL;
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "an exception needs at least one of exe, uid, parent; to drop every "
			      "finding of T1055.008 use `zhijiactl policy set T1055.008 off`");
	gdb.technique = "*";
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "an exception needs at least one of exe, uid, parent");
	gdb.uid = 4294967296LL;
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "uid 4294967296 is out of range (0..4294967295)");
	gdb.uid = -1;
	gdb.parent = "/usr/bin/./make";
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), -ZJ_EINVAL);
	ck_assert_str_eq(err, "'/usr/bin/./make' is not a normalised path (no '.', '..', '//' or "
			      "trailing '/'): executables are matched exactly as the kernel "
			      "resolves them");
	ck_assert_int_eq(zj_policy_allow_del(pol, 5, err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "no exception #5; there are 2 (see `zhijiactl policy allow list`)");
	ck_assert_int_eq(zj_policy_allow_del(pol, 0, err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "no exception #0; there are 2 (see `zhijiactl policy allow list`)");
	ASSERT_UNCHANGED(before);
	free(before);

	/* A technique covers its sub-techniques; lower case is stored as the catalog spells it. */
	gdb.technique = "t1055";
	gdb.parent = NULL;
	gdb.exe = "/usr/bin/gdb";
	ck_assert_int_eq(zj_policy_allow_add(pol, &gdb, err, sizeof(err)), 3);
	ck_assert_str_eq(zj_policy_allow_get(pol, 3)->technique, "T1055");

	/* Deleting renumbers the rest. */
	ck_assert_int_eq(zj_policy_allow_del(pol, 1, err, sizeof(err)), 0);
	ck_assert_uint_eq(zj_policy_allow_count(pol), 2);
	ck_assert_str_eq(zj_policy_allow_get(pol, 1)->technique, "*");
	ck_assert_int_eq(zj_policy_allow_del(pol, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_allow_del(pol, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_allow_del(pol, 1, err, sizeof(err)), -ZJ_ENOENT);
	ck_assert_str_eq(err, "no exception #1; there are none");
}
END_TEST

/* ---- JSON -------------------------------------------------------------------------------- */

static void fill(struct zj_policy *p)
{
	struct zj_exception gdb = {.technique = "T1055.008",
				   .exe = "/usr/bin/gdb",
				   .uid = 1000,
				   .parent = "/usr/bin/bash",
				   .comment = "devs debug \"their\" builds\\\n\t调试 \x01"};
	struct zj_exception apt = {.technique = "*", .uid = -1, .parent = "/usr/bin/apt"};

	ck_assert_int_eq(zj_policy_set(p, "T1055.008", "block", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_set(p, "T1053.003", "alert", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_set(p, "T1543.002", "off", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_set(p, "T1574.006", "record", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_protect_add(p, "/usr/sbin/sshd", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_protect_add(p, "/opt/\"quoted\"/bin/app", err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_allow_add(p, &gdb, err, sizeof(err)), 1);
	ck_assert_int_eq(zj_policy_allow_add(p, &apt, err, sizeof(err)), 2);
}

/* Only an exception that names a parent makes the daemon walk the actor's ancestors. */
START_TEST(test_uses_ancestors)
{
	struct zj_exception uid = {.technique = "*", .uid = 1000};
	struct zj_exception par = {.technique = "*", .uid = -1, .parent = "/usr/bin/apt"};

	ck_assert(!zj_policy_uses_ancestors(NULL));
	ck_assert(!zj_policy_uses_ancestors(pol));
	ck_assert_int_eq(zj_policy_allow_add(pol, &uid, err, sizeof(err)), 1);
	ck_assert(!zj_policy_uses_ancestors(pol));
	ck_assert_int_eq(zj_policy_allow_add(pol, &par, err, sizeof(err)), 2);
	ck_assert(zj_policy_uses_ancestors(pol));
	ck_assert_int_eq(zj_policy_allow_del(pol, 2, err, sizeof(err)), 0);
	ck_assert(!zj_policy_uses_ancestors(pol));
}
END_TEST

START_TEST(test_json_out)
{
	char *text;

	fill(pol);
	text = json_of(pol);
	ck_assert_str_eq(text, "{\n"
			       "  \"version\": 1,\n"
			       "  \"actions\": {\n"
			       "    \"T1037.004\": \"default\",\n"
			       "    \"T1053.002\": \"default\",\n"
			       "    \"T1053.003\": \"alert\",\n"
			       "    \"T1053.006\": \"default\",\n"
			       "    \"T1055.008\": \"block\",\n"
			       "    \"T1055.009\": \"default\",\n"
			       "    \"T1055.014\": \"default\",\n"
			       "    \"T1098.004\": \"default\",\n"
			       "    \"T1098.007\": \"default\",\n"
			       "    \"T1136.001\": \"default\",\n"
			       "    \"T1543.002\": \"off\",\n"
			       "    \"T1546.004\": \"default\",\n"
			       "    \"T1546.017\": \"default\",\n"
			       "    \"T1546.018\": \"default\",\n"
			       "    \"T1547.006\": \"default\",\n"
			       "    \"T1547.013\": \"default\",\n"
			       "    \"T1548.001\": \"default\",\n"
			       "    \"T1548.003\": \"default\",\n"
			       "    \"T1556.003\": \"default\",\n"
			       "    \"T1574.006\": \"record\",\n"
			       "    \"T1620\": \"default\"\n"
			       "  },\n"
			       "  \"protected\": [\n"
			       "    \"/usr/sbin/sshd\",\n"
			       "    \"/opt/\\\"quoted\\\"/bin/app\"\n"
			       "  ],\n"
			       "  \"exceptions\": [\n"
			       "    {\n"
			       "      \"technique\": \"T1055.008\",\n"
			       "      \"exe\": \"/usr/bin/gdb\",\n"
			       "      \"uid\": 1000,\n"
			       "      \"parent\": \"/usr/bin/bash\",\n"
			       "      \"comment\": \"devs debug \\\"their\\\" builds\\\\\\n\\t调试 "
			       "\\u0001\"\n"
			       "    },\n"
			       "    {\n"
			       "      \"technique\": \"*\",\n"
			       "      \"parent\": \"/usr/bin/apt\"\n"
			       "    }\n"
			       "  ]\n"
			       "}\n");
	free(text);
}
END_TEST

START_TEST(test_json_round_trip)
{
	struct zj_policy *back = NULL, *copy = NULL;
	char *text, *again, *copied;

	fill(pol);
	text = json_of(pol);
	ck_assert_int_eq(
		zj_policy_from_json(text, strlen(text), "policy.json", &back, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	again = json_of(back);
	ck_assert_str_eq(again, text);
	ck_assert_str_eq(zj_policy_allow_get(back, 1)->comment,
			 "devs debug \"their\" builds\\\n\t调试 \x01");
	ck_assert_int_eq(zj_policy_copy(back, &copy), 0);
	copied = json_of(copy);
	ck_assert_str_eq(copied, text);
	free(copied);
	free(again);
	free(text);
	zj_policy_free(copy);
	zj_policy_free(back);

	/* The default policy too; and every key is optional. */
	ck_assert_int_eq(zj_policy_from_json(default_json, strlen(default_json), "p", &back, err,
					     sizeof(err)),
			 0);
	text = json_of(back);
	ck_assert_str_eq(text, default_json);
	free(text);
	zj_policy_free(back);
	ck_assert_int_eq(zj_policy_from_json(" {}\r\n", 5, "p", &back, err, sizeof(err)), 0);
	text = json_of(back);
	ck_assert_str_eq(text, default_json);
	free(text);
	zj_policy_free(back);

	/* Not NUL-terminated: only len bytes are read. */
	ck_assert_int_eq(zj_policy_from_json("{}XXXX", 2, "p", &back, err, sizeof(err)), 0);
	zj_policy_free(back);
	/* Nulls mean "any" in exceptions. */
	static const char nulls[] = "{\"exceptions\": [{\"technique\": \"*\", \"exe\": null, "
				    "\"uid\": 7, \"parent\": null, \"comment\": null}]}";
	ck_assert_int_eq(zj_policy_from_json(nulls, strlen(nulls), "p", &back, err, sizeof(err)),
			 0);
	ck_assert_int_eq(zj_policy_allow_get(back, 1)->uid, 7);
	ck_assert_ptr_null(zj_policy_allow_get(back, 1)->exe);
	zj_policy_free(back);
}
END_TEST

/* Parse text that must fail with exactly `message`; *ret stays untouched. */
static void assert_bad(const char *text, int code, const char *message)
{
	struct zj_policy *p = (struct zj_policy *)&p; /* a sentinel, never freed */

	ck_assert_int_eq(zj_policy_from_json(text, strlen(text), "/etc/zhijia/policy.json", &p, err,
					     sizeof(err)),
			 code);
	ck_assert_ptr_eq(p, (struct zj_policy *)&p);
	ck_assert_str_eq(err, message);
}

START_TEST(test_json_syntax_errors)
{
	/* A trailing comma: the '}' after it, on line 4. */
	assert_bad("{\n  \"version\": 1,\n  \"actions\": {\"T1055.008\": \"block\",\n  }\n}\n",
		   -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:4:3: invalid JSON: unexpected character at '}'");
	assert_bad("{\n  \"actions\": {\n    \"T1055.008\" \"block\"\n  }\n}", -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:3:17: invalid JSON: object property name separator "
		   "':' expected at '\"'");
	/* Cut short. */
	assert_bad("{\n  \"actions\": {", -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:2:15: invalid JSON: unexpected end of file");
	assert_bad("", -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:1:1: invalid JSON: unexpected end of file (the file is "
		   "empty; a policy is a JSON object)");
	assert_bad("\n\n", -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:3:1: invalid JSON: unexpected end of file (the file is "
		   "empty; a policy is a JSON object)");
	/* Something after the object; comments are not JSON. */
	assert_bad("{}\n}", -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:2:1: invalid JSON: unexpected character at '}'");
	assert_bad("// zhijia\n{}", -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:1:1: invalid JSON: unexpected character at '/'");
	assert_bad("{\"version\": tru}", -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:1:16: invalid JSON: boolean expected at '}'");
	/* Columns count characters, not bytes. */
	assert_bad("{\"exceptions\": [{\"comment\": \"调试\", x}]}", -ZJ_EBADMSG,
		   "/etc/zhijia/policy.json:1:35: invalid JSON: quoted object property name "
		   "expected at 'x'");
}
END_TEST

START_TEST(test_json_nul_byte)
{
	static const char text[] = "{}\0{\"version\": 2}";
	struct zj_policy *p = NULL;

	ck_assert_int_eq(
		zj_policy_from_json(text, sizeof(text) - 1, "p.json", &p, err, sizeof(err)),
		-ZJ_EBADMSG);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err, "p.json:1:3: invalid JSON: unexpected content after the policy "
			      "object");
	ck_assert_int_eq(zj_policy_from_json(NULL, 0, NULL, &p, err, sizeof(err)), -ZJ_EBADMSG);
	ck_assert_str_eq(err, "policy:1:1: invalid JSON: unexpected end of file (the file is "
			      "empty; a policy is a JSON object)");
}
END_TEST

START_TEST(test_json_schema_errors)
{
	assert_bad("[]", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:1: the policy must be a JSON object with the keys "
		   "version, actions, protected, exceptions");
	assert_bad("{\n  \"version\": 1,\n  \"action\": {}\n}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:3:3: unknown key 'action'; valid keys: version, "
		   "actions, protected, exceptions");
	assert_bad("{\"version\": 2}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:13: unsupported version 2; this zhijia reads "
		   "version 1");
	assert_bad("{\"version\": \"1\"}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:13: 'version' must be the number 1");
	/* Unknown technique: at the key. */
	assert_bad("{\n  \"actions\": {\n    \"T1055.008\": \"block\",\n    \"T1055.99\": "
		   "\"block\"\n  }\n}",
		   -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:4:5: unknown technique 'T1055.99'; sub-techniques of "
		   "T1055 Process Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl "
		   "policy list`");
	/* Unknown action: at the value. */
	assert_bad("{\n  \"actions\": {\n    \"T1055.008\": \"blok\"\n  }\n}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:3:18: unknown action 'blok' for T1055.008; valid "
		   "actions: block, alert, record, off, default");
	assert_bad("{\"actions\": {\"T1055.008\": 3}}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:27: the action for T1055.008 must be a string; valid "
		   "actions: block, alert, record, off, default");
	assert_bad("{\"actions\": {\"T1055\": \"alert\"}}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:14: T1055 Process Injection has sub-techniques; set "
		   "one of them: T1055.008, T1055.009, T1055.014");
	assert_bad("{\"actions\": {\"T1574.007\": \"alert\"}}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:14: T1574.007 Path Interception by PATH Environment "
		   "Variable is not observed by zhijia on this platform; observed: T1037.004, "
		   "T1053.002, T1053.003, T1053.006, T1055.008, T1055.009, T1055.014, T1098.004, "
		   "T1098.007, T1136.001, T1543.002, T1546.004, T1546.017, T1546.018, T1547.006, "
		   "T1547.013, ...");
	assert_bad("{\"actions\": [\"T1055.008\"]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:13: 'actions' must be an object mapping "
		   "sub-technique ids to actions, e.g. {\"T1055.008\": \"alert\"}");
	/* A key given twice: json-c keeps the last, and so does the position. */
	assert_bad("{\"actions\": {\"T1055.008\": \"alert\", \"T1055.008\": \"bloc\"}}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:49: unknown action 'bloc' for T1055.008; valid "
		   "actions: block, alert, record, off, default");
	/* Escapes in keys are decoded before comparing. */
	assert_bad("{\"act\\u0069ons\": {\"T1055.008\": \"bloc\"}}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:32: unknown action 'bloc' for T1055.008; valid "
		   "actions: block, alert, record, off, default");
}
END_TEST

START_TEST(test_json_schema_lists)
{
	assert_bad("{\"protected\": \"/usr/sbin/sshd\"}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:15: 'protected' must be an array of executable "
		   "paths, e.g. [\"/usr/sbin/sshd\"]");
	assert_bad("{\"protected\": [\"/usr/sbin/sshd\", 7]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:34: a protected application must be a string");
	assert_bad("{\"protected\": [\n  \"/usr/sbin/sshd\",\n  \"sshd\"\n]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:3:3: 'sshd' is not an absolute path; a protected "
		   "application must be an absolute executable path such as /usr/sbin/sshd");
	assert_bad("{\"protected\": [\"/usr/sbin/sshd\", \"/usr/sbin/sshd\"]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:34: '/usr/sbin/sshd' is already protected");
	assert_bad("{\"protected\": [\"/usr/sbin/ss\\u0000hd\"]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:16: a protected application contains a NUL byte");

	assert_bad("{\"exceptions\": {}}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:16: 'exceptions' must be an array of objects with "
		   "the keys technique, exe, uid, parent, comment");
	assert_bad("{\"exceptions\": [\"gdb\"]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:17: exception #1 must be an object with the keys "
		   "technique, exe, uid, parent, comment");
	assert_bad("{\"exceptions\": [\n  {\"technique\": \"*\", \"uid\": 0},\n  {\"technique\": "
		   "\"*\", \"user\": 0}\n]}",
		   -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:3:22: unknown key 'user' in exception #2; valid keys: "
		   "technique, exe, uid, parent, comment");
	assert_bad("{\"exceptions\": [{\"technique\": \"*\", \"uid\": -1}]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:43: uid must be a number from 0 to 4294967295");
	assert_bad("{\"exceptions\": [{\"technique\": \"*\", \"uid\": \"root\"}]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:43: uid must be a number from 0 to 4294967295");
	assert_bad("{\"exceptions\": [{\"technique\": \"T1055.99\", \"uid\": 0}]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:31: unknown technique 'T1055.99'; sub-techniques of "
		   "T1055 Process Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl "
		   "policy list`");
	assert_bad("{\"exceptions\": [{\"technique\": \"*\", \"exe\": \"gdb\"}]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:43: 'gdb' is not an absolute path; exe must be an "
		   "absolute executable path such as /usr/sbin/sshd");
	assert_bad("{\"exceptions\": [{\"technique\": 8}]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:31: technique must be a string");
	assert_bad("{\"exceptions\": [{\"uid\": 0}]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:17: exception #1: an exception needs a technique: "
		   "\"*\" or an id such as T1055.008");
	assert_bad("{\"exceptions\": [{\"technique\": \"T1055.008\"}]}", -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:17: exception #1: an exception needs at least one of "
		   "exe, uid, parent; to drop every finding of T1055.008 use `zhijiactl policy set "
		   "T1055.008 off`");
	assert_bad("{\"exceptions\": [{\"technique\": \"*\", \"uid\": 0}, {\"uid\": 0, "
		   "\"technique\": \"*\"}]}",
		   -ZJ_EINVAL,
		   "/etc/zhijia/policy.json:1:47: exception #2: the same exception is already #1");
}
END_TEST

/* ---- files through callbacks ------------------------------------------------------------- */

struct fake_fs {
	const char *content; /* NULL: the file does not exist */
	int fail;	     /* an errno to fail with */
	char *written;
	size_t written_len;
	char path[64];
};

static int fake_read(const char *path, char **ret_data, size_t *ret_len, void *userdata)
{
	struct fake_fs *fs = userdata;

	snprintf(fs->path, sizeof(fs->path), "%s", path);
	if (fs->fail)
		return -fs->fail;
	if (!fs->content)
		return -ZJ_ENOENT;
	*ret_len = strlen(fs->content);
	*ret_data = malloc(*ret_len + 1);
	ck_assert_ptr_nonnull(*ret_data);
	memcpy(*ret_data, fs->content, *ret_len + 1);
	return 0;
}

static int fake_write(const char *path, const char *data, size_t len, void *userdata)
{
	struct fake_fs *fs = userdata;

	snprintf(fs->path, sizeof(fs->path), "%s", path);
	if (fs->fail)
		return -fs->fail;
	fs->written = malloc(len + 1);
	ck_assert_ptr_nonnull(fs->written);
	memcpy(fs->written, data, len);
	fs->written[len] = '\0';
	fs->written_len = len;
	return 0;
}

START_TEST(test_load_save)
{
	struct fake_fs fs = {0};
	struct zj_policy *p = NULL;
	char *text;

	/* Absent: the built-in defaults. */
	ck_assert_int_eq(zj_policy_load(ZJ_POLICY_PATH, fake_read, &fs, &p, err, sizeof(err)), 1);
	ck_assert_str_eq(fs.path, "/etc/zhijia/policy.json");
	text = json_of(p);
	ck_assert_str_eq(text, default_json);
	free(text);
	zj_policy_free(p);
	p = NULL;

	fs.content = "{\"actions\": {\"T1055.009\": \"alert\"}}";
	ck_assert_int_eq(zj_policy_load(ZJ_POLICY_PATH, fake_read, &fs, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(zj_policy_get(p, "T1055.009", &(uint32_t){0}), 0);
	zj_policy_free(p);
	p = NULL;

	/* Corrupted: refused, naming file, line and column. */
	fs.content = "{\n  \"actions\": {\"T1055.009\": \"alert\"\n}";
	ck_assert_int_eq(zj_policy_load(ZJ_POLICY_PATH, fake_read, &fs, &p, err, sizeof(err)),
			 -ZJ_EBADMSG);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err, "/etc/zhijia/policy.json:3:2: invalid JSON: unexpected end of file");

	fs.fail = ZJ_ENOSPC;
	ck_assert_int_eq(zj_policy_load(ZJ_POLICY_PATH, fake_read, &fs, &p, err, sizeof(err)),
			 -ZJ_ENOSPC);
	ck_assert_str_eq(err, "failed to read /etc/zhijia/policy.json");

	/* Save hands the serialisation to the daemon's atomic writer. */
	fs.fail = 0;
	fill(pol);
	ck_assert_int_eq(zj_policy_save(pol, "/tmp/p.json", fake_write, &fs, err, sizeof(err)), 0);
	text = json_of(pol);
	ck_assert_str_eq(fs.written, text);
	ck_assert_uint_eq(fs.written_len, strlen(text));
	ck_assert_str_eq(fs.path, "/tmp/p.json");
	free(text);
	free(fs.written);
	fs.fail = ZJ_ENOSPC;
	ck_assert_int_eq(zj_policy_save(pol, "/tmp/p.json", fake_write, &fs, err, sizeof(err)),
			 -ZJ_ENOSPC);
	ck_assert_str_eq(err, "failed to write /tmp/p.json");
}
END_TEST

/* ---- decisions --------------------------------------------------------------------------- */

static struct zj_event ev;
static struct zj_detect_ctx ctx;
static struct zj_finding fnd;
static struct zj_decision dec;

static void proc(struct zj_proc *p, uint32_t pid, uint32_t ppid, uint32_t uid, const char *comm,
		 struct zj_str exe)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->tid = pid;
	p->ppid = ppid;
	p->uid = uid;
	p->flags = ZJ_PROC_KNOWN;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->exe = exe;
}

/* python3 (uid 1000, child of bash) attaches to target; the detectors' finding. */
static void attach_to(uint32_t pid, uint32_t ppid, uint32_t uid, const char *comm,
		      struct zj_str exe)
{
	memset(&ev, 0, sizeof(ev));
	memset(&ctx, 0, sizeof(ctx));
	ev.type = ZJ_EV_PTRACE;
	ev.flags = ZJ_EVF_HAS_TARGET;
	ev.ptrace.request = 16;
	proc(&ev.actor, 4242, 4200, 1000, "python3", S("/usr/bin/python3.11"));
	proc(&ev.target, pid, ppid, uid, comm, exe);
	proc(&ctx.ancestors[0], 4200, 4100, 1000, "bash", S("/usr/bin/bash"));
	ctx.n_ancestors = 1;
	ck_assert_int_eq(zj_detect_event(&ev, &ctx, 1, &fnd), 1);
}

static void decide(uint32_t action, const char *why)
{
	ck_assert_int_eq(zj_policy_decide(pol, &ev, &ctx, &fnd, &dec), 0);
	ck_assert_str_eq(dec.why, why);
	ck_assert_str_eq(zj_action_name(dec.action), zj_action_name(action));
}

START_TEST(test_decide_default_rule)
{
	/* The brief's rule: system process -> alert... */
	attach_to(812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	decide(ZJ_ACTION_ALERT, "default: target is a system process");
	ck_assert_uint_eq(dec.configured, ZJ_ACTION_DEFAULT);
	ck_assert_uint_eq(dec.exception, 0);
	ck_assert_uint_eq(dec.flags, 0);
	attach_to(1, 0, 0, "systemd", S("/usr/lib/systemd/systemd"));
	decide(ZJ_ACTION_ALERT, "default: target is a system process");

	/* ...an ordinary process -> record... */
	attach_to(5150, 5100, 1000, "vim", S("/usr/bin/vim.basic"));
	decide(ZJ_ACTION_RECORD,
	       "default: target is not a system process or a protected application");

	/* ...a protected application -> alert, from the policy's list or the table's flag. */
	attach_to(7000, 6999, 999, "postgres", S("/opt/db/bin/postgres"));
	decide(ZJ_ACTION_RECORD,
	       "default: target is not a system process or a protected application");
	ck_assert_int_eq(zj_policy_protect_add(pol, "/opt/db/bin/postgres", err, sizeof(err)), 0);
	decide(ZJ_ACTION_ALERT, "default: target is a protected application");
	attach_to(7001, 6999, 999, "app", S("/opt/app/app"));
	ev.target.flags |= ZJ_PROC_PROTECTED;
	decide(ZJ_ACTION_ALERT, "default: target is a protected application");

	/* An unknown target is an ordinary one. */
	ev.flags = 0;
	decide(ZJ_ACTION_RECORD,
	       "default: target is not a system process or a protected application");
}
END_TEST

START_TEST(test_decide_default_benign)
{
	/* A debugger on its own child is recorded, even when the child is protected. */
	attach_to(5000, 4242, 1000, "a.out", S("/opt/db/bin/postgres"));
	ck_assert_int_eq(zj_policy_protect_add(pol, "/opt/db/bin/postgres", err, sizeof(err)), 0);
	decide(ZJ_ACTION_RECORD, "default: benign (debugger on its own child)");

	/* A process writing its own memory. */
	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_MEM_WRITE;
	ev.flags = ZJ_EVF_SELF | ZJ_EVF_HAS_TARGET;
	proc(&ev.actor, 812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	ev.target = ev.actor;
	ev.mem.len = 8;
	ck_assert_int_eq(zj_detect_event(&ev, NULL, 1, &fnd), 1);
	decide(ZJ_ACTION_RECORD, "default: benign (self write)");

	/* A package manager installing a unit. */
	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_FILE;
	ev.file.op = ZJ_FOP_CREATE;
	ev.file.path = S("/lib/systemd/system/nginx.service");
	proc(&ev.actor, 300, 200, 0, "dpkg", S("/usr/bin/dpkg"));
	ck_assert_int_eq(zj_detect_event(&ev, NULL, 1, &fnd), 1);
	decide(ZJ_ACTION_RECORD, "default: benign (package manager dpkg)");
}
END_TEST

START_TEST(test_decide_default_persistence)
{
	memset(&ev, 0, sizeof(ev));
	memset(&ctx, 0, sizeof(ctx));
	ev.type = ZJ_EV_FILE;
	ev.file.op = ZJ_FOP_CREATE;
	proc(&ev.actor, 4242, 4200, 0, "bash", S("/usr/bin/bash"));

	ev.file.path = S("/etc/cron.d/evil");
	ck_assert_int_eq(zj_detect_event(&ev, &ctx, 1, &fnd), 1);
	decide(ZJ_ACTION_ALERT, "default: target is a system process (system-wide persistence)");
	ev.file.path = S("/home/alice/.config/systemd/user/agent.service");
	ck_assert_int_eq(zj_detect_event(&ev, &ctx, 1, &fnd), 1);
	decide(ZJ_ACTION_RECORD, "default: per-user persistence, not a system process");
	ev.file.op = ZJ_FOP_UNLINK;
	ev.file.path = S("/etc/cron.d/evil");
	ck_assert_int_eq(zj_detect_event(&ev, &ctx, 1, &fnd), 1);
	decide(ZJ_ACTION_RECORD, "default: removal of a persistence file");

	/* LD_PRELOAD: the program started with it is the target. */
	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_EXEC;
	proc(&ev.actor, 812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	ctx.flags = ZJ_CTX_LD_PRELOAD;
	ctx.ld_preload = S("/tmp/x.so");
	ck_assert_int_eq(zj_detect_event(&ev, &ctx, 1, &fnd), 1);
	decide(ZJ_ACTION_ALERT, "default: target is a system process");
	proc(&ev.actor, 5000, 4999, 1000, "curl", S("/usr/bin/curl"));
	decide(ZJ_ACTION_RECORD,
	       "default: target is not a system process or a protected application");
}
END_TEST

START_TEST(test_decide_explicit)
{
	attach_to(5150, 5100, 1000, "vim", S("/usr/bin/vim.basic"));
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "alert", err, sizeof(err)), 0);
	decide(ZJ_ACTION_ALERT, "policy: alert");
	ck_assert_uint_eq(dec.configured, ZJ_ACTION_ALERT);
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "record", err, sizeof(err)), 0);
	attach_to(812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	decide(ZJ_ACTION_RECORD, "policy: record");
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "off", err, sizeof(err)), 0);
	decide(ZJ_ACTION_OFF, "policy: off");

	/* Alert set explicitly still records a benign finding; block stays block. */
	attach_to(5000, 4242, 1000, "a.out", S("/home/u/a.out"));
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "alert", err, sizeof(err)), 0);
	decide(ZJ_ACTION_RECORD, "policy: alert; recorded: benign (debugger on its own child)");
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "block", err, sizeof(err)), 0);
	decide(ZJ_ACTION_BLOCK, "policy: block (not enforced: the operation was not blocked)");
}
END_TEST

START_TEST(test_decide_block_enforcement)
{
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "block", err, sizeof(err)), 0);
	attach_to(812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	decide(ZJ_ACTION_BLOCK, "policy: block (not enforced: the operation was not blocked)");
	ck_assert_uint_eq(dec.flags, ZJ_DECISION_NOT_ENFORCED);
	ck_assert_uint_eq(dec.configured, ZJ_ACTION_BLOCK);
	ev.flags |= ZJ_EVF_BLOCKED;
	decide(ZJ_ACTION_BLOCK, "policy: block (blocked in the kernel)");
	ck_assert_uint_eq(dec.flags, ZJ_DECISION_ENFORCED);
	ev.flags &= ~ZJ_EVF_BLOCKED;
	ev.flags |= ZJ_EVF_KILLED;
	decide(ZJ_ACTION_BLOCK, "policy: block (enforced: the actor was killed at syscall entry)");
	ck_assert_uint_eq(dec.flags, ZJ_DECISION_ENFORCED);
	ev.flags &= ~ZJ_EVF_KILLED;
	zj_policy_set_enforceable(pol, false);
	decide(ZJ_ACTION_BLOCK, "policy: block (not enforced: this host cannot enforce)");
	ck_assert_uint_eq(dec.flags, ZJ_DECISION_NOT_ENFORCED);
}
END_TEST

START_TEST(test_decide_exceptions)
{
	struct zj_exception by_uid = {.technique = "T1055.009", .uid = 1000};
	struct zj_exception by_exe = {
		.technique = "T1055.008", .exe = "/usr/bin/python3.11", .uid = -1};
	struct zj_exception by_parent = {
		.technique = "T1055", .uid = 1000, .parent = "/usr/bin/bash"};
	struct zj_exception any = {.technique = "*", .uid = 0};

	ck_assert_int_eq(zj_policy_allow_add(pol, &by_uid, err, sizeof(err)), 1);
	ck_assert_int_eq(zj_policy_allow_add(pol, &by_exe, err, sizeof(err)), 2);

	/* Default alert -> recorded, naming the exception. */
	attach_to(812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	decide(ZJ_ACTION_RECORD, "exception #2 (T1055.008, exe '/usr/bin/python3.11'): recorded "
				 "instead of alerted");
	ck_assert_uint_eq(dec.exception, 2);
	ck_assert_uint_eq(dec.configured, ZJ_ACTION_DEFAULT);

	/* Block -> recorded. */
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "block", err, sizeof(err)), 0);
	decide(ZJ_ACTION_RECORD, "exception #2 (T1055.008, exe '/usr/bin/python3.11'): recorded "
				 "instead of blocked");
	ck_assert_uint_eq(dec.flags, 0);

	/* Another actor: the exception does not apply. */
	ev.actor.exe = S("/usr/bin/python3.12");
	decide(ZJ_ACTION_BLOCK, "policy: block (not enforced: the operation was not blocked)");

	/* A technique covers its sub-techniques; all criteria must hold (uid and parent). */
	ck_assert_int_eq(zj_policy_allow_add(pol, &by_parent, err, sizeof(err)), 3);
	decide(ZJ_ACTION_RECORD, "exception #3 (T1055, uid 1000, parent '/usr/bin/bash'): "
				 "recorded instead of blocked");
	ctx.ancestors[0].exe = S("/usr/bin/zsh");
	decide(ZJ_ACTION_BLOCK, "policy: block (not enforced: the operation was not blocked)");
	ctx.ancestors[0].exe = S("/usr/bin/bash");
	ev.actor.uid = 1001;
	decide(ZJ_ACTION_BLOCK, "policy: block (not enforced: the operation was not blocked)");
	/* Without lineage a parent criterion cannot hold. */
	ev.actor.uid = 1000;
	ck_assert_int_eq(zj_policy_decide(pol, &ev, NULL, &fnd, &dec), 0);
	ck_assert_uint_eq(dec.action, ZJ_ACTION_BLOCK);

	/* "*" and the first match wins; record and off are left alone. */
	ck_assert_int_eq(zj_policy_allow_add(pol, &any, err, sizeof(err)), 4);
	ev.actor.uid = 0;
	decide(ZJ_ACTION_RECORD, "exception #4 (*, uid 0): recorded instead of blocked");
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "off", err, sizeof(err)), 0);
	decide(ZJ_ACTION_OFF, "policy: off");
	ck_assert_int_eq(zj_policy_set(pol, "T1055.008", "record", err, sizeof(err)), 0);
	decide(ZJ_ACTION_RECORD, "policy: record");
	ck_assert_uint_eq(dec.exception, 0);
}
END_TEST

START_TEST(test_decide_api)
{
	attach_to(812, 1, 0, "sshd", S("/usr/sbin/sshd"));
	snprintf(fnd.technique, sizeof(fnd.technique), "T1055.99");
	ck_assert_int_eq(zj_policy_decide(pol, &ev, &ctx, &fnd, &dec), -ZJ_ENOENT);
	ck_assert_int_eq(zj_policy_decide(NULL, &ev, &ctx, &fnd, &dec), -ZJ_EINVAL);
	ck_assert_int_eq(zj_policy_decide(pol, &ev, &ctx, NULL, &dec), -ZJ_EINVAL);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *actions = tcase_create("actions");
	TCase *lists = tcase_create("lists");
	TCase *json = tcase_create("json");
	TCase *decisions = tcase_create("decide");

	tcase_add_checked_fixture(actions, setup, teardown);
	tcase_add_test(actions, test_defaults);
	tcase_add_test(actions, test_set);
	tcase_add_test(actions, test_set_errors);
	tcase_add_test(actions, test_capability);
	tcase_add_test(actions, test_reset);
	suite_add_tcase(s, actions);

	tcase_add_checked_fixture(lists, setup, teardown);
	tcase_add_test(lists, test_protect);
	tcase_add_test(lists, test_allow);
	suite_add_tcase(s, lists);

	tcase_add_checked_fixture(json, setup, teardown);
	tcase_add_test(json, test_uses_ancestors);
	tcase_add_test(json, test_json_out);
	tcase_add_test(json, test_json_round_trip);
	tcase_add_test(json, test_json_syntax_errors);
	tcase_add_test(json, test_json_nul_byte);
	tcase_add_test(json, test_json_schema_errors);
	tcase_add_test(json, test_json_schema_lists);
	tcase_add_test(json, test_load_save);
	suite_add_tcase(s, json);

	tcase_add_checked_fixture(decisions, setup, teardown);
	tcase_add_test(decisions, test_decide_default_rule);
	tcase_add_test(decisions, test_decide_default_benign);
	tcase_add_test(decisions, test_decide_default_persistence);
	tcase_add_test(decisions, test_decide_explicit);
	tcase_add_test(decisions, test_decide_block_enforcement);
	tcase_add_test(decisions, test_decide_exceptions);
	tcase_add_test(decisions, test_decide_api);
	suite_add_tcase(s, decisions);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
