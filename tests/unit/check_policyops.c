/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy commands (daemon/policyops.c) and the policy file (daemon/policyfile.c): every
 * command's replies and errors (messages asserted exactly), that a failing command -- the
 * save included -- changes neither the policy nor the file, and that the file is replaced
 * atomically: a failed write (file size limit, a directory in the way, no permission) leaves
 * the old file as it was and no temporary file behind.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "zhijia/policy.h"
#include "../../daemon/policyfile.h"
#include "../../daemon/policyops.h"

static struct zj_policy *pol;
static char err[ZJ_POLICYOPS_ERR_MAX];
static char dir[256], path[300];
static struct zj_policy_store store;

static void rm_tree(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	char p[512];

	if (!dp)
		return;
	while ((e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
		if (e->d_type == DT_DIR) {
			chmod(p, 0755);
			rm_tree(p);
		} else {
			unlink(p);
		}
	}
	closedir(dp);
	rmdir(d);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/zj-policyops-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/etc/policy.json", dir);
	store = (struct zj_policy_store){path, zj_policyfile_write, NULL};
	ck_assert_int_eq(zj_policy_new_default(&pol), 0);
	err[0] = '\0';
}

static void teardown(void)
{
	zj_policy_free(pol);
	pol = NULL;
	rm_tree(dir);
}

/* Run a command whose args are given as JSON text ("" for none); returns the error or 0. */
static int cmd(const char *name, const char *args_json, json_object **ret_reply, bool *changed)
{
	json_object *args = args_json[0] ? json_tokener_parse(args_json) : NULL;
	json_object *reply = NULL;
	int r;

	if (args_json[0])
		ck_assert_ptr_nonnull(args);
	/* changed goes straight through: a failure must leave it alone */
	r = zj_policy_command(&pol, name, args, &store, &reply, changed, err, sizeof(err));
	json_object_put(args);
	if (r < 0)
		ck_assert_ptr_null(reply);
	if (ret_reply)
		*ret_reply = reply;
	else
		json_object_put(reply);
	return r;
}

static const char *str_at(json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
	return json_object_get_string(v);
}

static json_object *obj_at(json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
	return v;
}

static bool has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static const char *action_of(const char *id)
{
	uint32_t a = 99;

	ck_assert_int_eq(zj_policy_get(pol, id, &a), 0);
	return zj_action_name(a);
}

static char *slurp(const char *p)
{
	char *data = NULL;
	size_t len = 0;

	ck_assert_int_eq(zj_policyfile_read(p, &data, &len, NULL), 0);
	ck_assert_uint_eq(strlen(data), len);
	return data;
}

static void write_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "we");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Entries in d other than "." and ".." */
static int count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(dp);
	while ((e = readdir(dp)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(dp);
	return n;
}

static const char *etc(void)
{
	static char d[300];

	snprintf(d, sizeof(d), "%s/etc", dir);
	return d;
}

/* ---- policy.list / policy.get ------------------------------------------------------------ */

START_TEST(list_observed_tree)
{
	json_object *reply, *tactics, *tac, *techs, *t1055 = NULL, *subs, *s;
	const char *ids[8];
	size_t n;

	ck_assert_int_eq(cmd("policy.list", "", &reply, NULL), 0);
	ck_assert(json_object_get_boolean(obj_at(reply, "ok")));
	ck_assert_str_eq(str_at(reply, "platform"), "linux");
	ck_assert(json_object_get_boolean(obj_at(reply, "enforceable")));
	/*
	 * T1053 execution/persistence/privesc, T1055 privesc/evasion, T1543, T1574, and the path
	 * table's: T1556 reaches credential access; T1547.006, T1548.001, T1620 (evasion)
	 */
	tactics = obj_at(reply, "tactics");
	n = json_object_array_length(tactics);
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < n; i++)
		ids[i] = str_at(json_object_array_get_idx(tactics, i), "id");
	ck_assert_str_eq(ids[0], "TA0002");
	ck_assert_str_eq(ids[1], "TA0003");
	ck_assert_str_eq(ids[2], "TA0004");
	ck_assert_str_eq(ids[3], "TA0005");
	ck_assert_str_eq(ids[4], "TA0006");

	tac = json_object_array_get_idx(tactics, 2);
	ck_assert_str_eq(str_at(tac, "name"), "Privilege Escalation");
	ck_assert_str_eq(str_at(tac, "name_zh"), "提权");
	techs = obj_at(tac, "techniques");
	ck_assert_uint_eq(json_object_array_length(techs), 9);
	{
		static const char *const want[] = {"T1037", "T1053", "T1055", "T1098", "T1543",
						   "T1546", "T1547", "T1548", "T1574"};

		for (size_t i = 0; i < 9; i++)
			ck_assert_str_eq(str_at(json_object_array_get_idx(techs, i), "id"),
					 want[i]);
	}
	t1055 = json_object_array_get_idx(techs, 2);
	ck_assert_str_eq(str_at(t1055, "name_zh"), "进程注入");
	ck_assert(!has(t1055, "action")); /* a technique with sub-techniques has none */
	ck_assert_str_eq(str_at(t1055, "capability"), "enforce");
	subs = obj_at(t1055, "subs");
	ck_assert_uint_eq(json_object_array_length(subs), 3);
	s = json_object_array_get_idx(subs, 0);
	ck_assert_str_eq(str_at(s, "id"), "T1055.008");
	ck_assert_str_eq(str_at(s, "name"), "Ptrace System Calls");
	ck_assert_str_eq(str_at(s, "name_zh"), "利用Ptrace系统调用注入");
	ck_assert_str_eq(str_at(s, "action"), "default");
	ck_assert_str_eq(str_at(s, "capability"), "enforce");
	ck_assert(!has(
		json_object_array_get_idx(obj_at(json_object_array_get_idx(techs, 1), "subs"), 0),
		"name_zh")); /* At: the brief gives no Chinese name */
	json_object_put(reply);
}
END_TEST

START_TEST(list_tactic_filter)
{
	static const char *const spellings[] = {"{\"tactic\":\"TA0004\"}",
						"{\"tactic\":\"ta0004\"}",
						"{\"tactic\":\"privilege-escalation\"}"};
	json_object *reply, *tactics;

	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(cmd("policy.list", spellings[i], &reply, NULL), 0);
		tactics = obj_at(reply, "tactics");
		ck_assert_uint_eq(json_object_array_length(tactics), 1);
		ck_assert_str_eq(str_at(json_object_array_get_idx(tactics, 0), "id"), "TA0004");
		json_object_put(reply);
	}
	/* a tactic zhijia sees nothing of is listed, empty */
	ck_assert_int_eq(cmd("policy.list", "{\"tactic\":\"TA0043\"}", &reply, NULL), 0);
	tactics = obj_at(reply, "tactics");
	ck_assert_uint_eq(json_object_array_length(tactics), 1);
	ck_assert_uint_eq(json_object_array_length(
				  obj_at(json_object_array_get_idx(tactics, 0), "techniques")),
			  0);
	json_object_put(reply);

	ck_assert_int_eq(cmd("policy.list", "{\"tactic\":\"TA0099\"}", NULL, NULL), -ENOENT);
	ck_assert_str_eq(err, "unknown tactic 'TA0099'; valid tactics: TA0043 reconnaissance, "
			      "TA0042 resource-development, TA0001 initial-access, TA0002 "
			      "execution, TA0003 persistence, TA0004 privilege-escalation, TA0005 "
			      "defense-evasion, TA0006 credential-access, TA0007 discovery, TA0008 "
			      "lateral-movement, TA0009 collection, TA0011 command-and-control, "
			      "TA0010 exfiltration, TA0040 impact");
	ck_assert_int_eq(cmd("policy.list", "{\"tactic\":4}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.list: \"tactic\" must be a string");
	ck_assert_int_eq(cmd("policy.list", "{\"all\":\"yes\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.list: \"all\" must be true or false");
	ck_assert_int_eq(cmd("policy.list", "{\"tactics\":\"TA0004\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.list: unknown argument \"tactics\"; valid: tactic, all");
	ck_assert_int_eq(cmd("policy.list", "[1]", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.list: the arguments must be a JSON object");
}
END_TEST

START_TEST(list_all)
{
	json_object *reply, *tactics, *techs, *t;

	ck_assert_int_eq(cmd("policy.list", "{\"all\":true,\"tactic\":\"TA0006\"}", &reply, NULL),
			 0);
	tactics = obj_at(reply, "tactics");
	techs = obj_at(json_object_array_get_idx(tactics, 0), "techniques");
	ck_assert_uint_gt(json_object_array_length(techs), 0);
	t = json_object_array_get_idx(techs, 0);
	ck_assert_str_eq(str_at(t, "capability"), "none");
	ck_assert(!has(t, "action"));
	json_object_put(reply);

	ck_assert_int_eq(cmd("policy.list", "{\"all\":true}", &reply, NULL), 0);
	ck_assert_uint_eq(json_object_array_length(obj_at(reply, "tactics")),
			  zj_catalog_tactic_count());
	json_object_put(reply);
}
END_TEST

START_TEST(get_entries)
{
	json_object *reply, *tactics, *subs;

	ck_assert_int_eq(cmd("policy.get", "{\"id\":\"t1055.008\"}", &reply, NULL), 0);
	ck_assert_str_eq(str_at(reply, "id"), "T1055.008");
	ck_assert_str_eq(str_at(reply, "name"), "Ptrace System Calls");
	ck_assert_str_eq(str_at(reply, "name_zh"), "利用Ptrace系统调用注入");
	ck_assert_str_eq(str_at(reply, "action"), "default");
	ck_assert_str_eq(str_at(reply, "capability"), "enforce");
	ck_assert_str_eq(str_at(obj_at(reply, "technique"), "id"), "T1055");
	tactics = obj_at(reply, "tactics");
	ck_assert_uint_eq(json_object_array_length(tactics), 2);
	ck_assert_str_eq(str_at(json_object_array_get_idx(tactics, 0), "id"), "TA0004");
	ck_assert_str_eq(str_at(json_object_array_get_idx(tactics, 1), "id"), "TA0005");
	ck_assert(!has(reply, "subs"));
	json_object_put(reply);

	ck_assert_int_eq(cmd("policy.get", "{\"id\":\"T1055\"}", &reply, NULL), 0);
	ck_assert(!has(reply, "action"));
	ck_assert(!has(reply, "technique"));
	subs = obj_at(reply, "subs");
	ck_assert_uint_eq(json_object_array_length(subs), 3);
	ck_assert_str_eq(str_at(json_object_array_get_idx(subs, 2), "id"), "T1055.014");
	json_object_put(reply);

	/* in the catalog, not observed: no action */
	ck_assert_int_eq(cmd("policy.get", "{\"id\":\"T1574.007\"}", &reply, NULL), 0);
	ck_assert_str_eq(str_at(reply, "capability"), "none");
	ck_assert(!has(reply, "action"));
	json_object_put(reply);

	ck_assert_int_eq(cmd("policy.get", "{\"id\":\"T1055.99\"}", NULL, NULL), -ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T1055.99'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	ck_assert_int_eq(cmd("policy.get", "", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.get: missing argument \"id\"");
	ck_assert_int_eq(cmd("policy.get", "{\"id\":null}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.get: missing argument \"id\"");
	ck_assert_int_eq(cmd("policy.get", "{\"id\":1055}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.get: \"id\" must be a string");
}
END_TEST

START_TEST(find_technique)
{
	const struct zj_technique *t;

	ck_assert_int_eq(zj_policy_find_technique("t1055", &t, err, sizeof(err)), 0);
	ck_assert_str_eq(t->id, "T1055");
	ck_assert_int_eq(zj_policy_find_technique("T9999", &t, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T9999'; see `zhijiactl policy list`");
}
END_TEST

/* ---- policy.set / policy.reset ----------------------------------------------------------- */

START_TEST(set_saves_and_swaps)
{
	struct zj_policy *before = pol, *loaded = NULL;
	json_object *reply;
	bool changed = false;
	char *text;
	uint32_t a;

	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"t1055.008\",\"action\":\"block\"}", &reply, &changed),
		0);
	ck_assert(changed);
	ck_assert_ptr_ne(pol, before); /* swapped: the old policy was freed */
	ck_assert_str_eq(str_at(reply, "id"), "T1055.008");
	ck_assert_str_eq(str_at(reply, "action"), "block");
	ck_assert_str_eq(str_at(reply, "previous"), "default");
	ck_assert(json_object_get_boolean(obj_at(reply, "changed")));
	json_object_put(reply);
	ck_assert_str_eq(action_of("T1055.008"), "block");

	/* the file says so, and is readable by everyone (0644) in a 0755 directory */
	text = slurp(path);
	ck_assert_ptr_nonnull(strstr(text, "\"T1055.008\": \"block\""));
	free(text);
	ck_assert_int_eq(zj_policy_load(path, zj_policyfile_read, NULL, &loaded, err, sizeof(err)),
			 0);
	ck_assert_int_eq(zj_policy_get(loaded, "T1055.008", &a), 0);
	ck_assert_uint_eq(a, ZJ_ACTION_BLOCK);
	zj_policy_free(loaded);
	{
		struct stat st;

		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0644);
		ck_assert_int_eq(stat(etc(), &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0755);
	}
	ck_assert_int_eq(count_entries(etc()), 1); /* no temporary file left */

	/* the same again: nothing changes, nothing is written */
	ck_assert_int_eq(unlink(path), 0);
	before = pol;
	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"block\"}", &reply, &changed),
		0);
	ck_assert(!changed);
	ck_assert_ptr_eq(pol, before);
	ck_assert(!json_object_get_boolean(obj_at(reply, "changed")));
	ck_assert_str_eq(str_at(reply, "previous"), "block");
	json_object_put(reply);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(set_errors_change_nothing)
{
	struct zj_policy *before = pol;
	bool changed = true;

	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.99\",\"action\":\"block\"}", NULL, &changed),
		-ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T1055.99'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	ck_assert(changed); /* untouched on failure */
	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"blok\"}", NULL, NULL),
		-EINVAL);
	ck_assert_str_eq(err, "unknown action 'blok' for T1055.008; valid actions: block, alert, "
			      "record, off, default");
	ck_assert_int_eq(cmd("policy.set", "{\"id\":\"T1055\",\"action\":\"block\"}", NULL, NULL),
			 -EINVAL);
	ck_assert_str_eq(err, "T1055 Process Injection has sub-techniques; set one of them: "
			      "T1055.008, T1055.009, T1055.014");

	/* the daemon lowers enforcement when the kernel cannot block */
	zj_policy_set_enforceable(pol, false);
	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"block\"}", NULL, NULL),
		-EOPNOTSUPP);
	ck_assert_str_eq(err, "T1055.008 cannot be enforced on this platform; valid: alert, "
			      "record, off, default");
	/* ... and a copy keeps that */
	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"alert\"}", NULL, NULL), 0);
	ck_assert(!zj_policy_enforceable(pol));
	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.009\",\"action\":\"block\"}", NULL, NULL),
		-EOPNOTSUPP);
	ck_assert_str_eq(action_of("T1055.009"), "default");
	before = pol;

	ck_assert_int_eq(cmd("policy.set", "{\"id\":\"T1055.008\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.set: missing argument \"action\"");
	ck_assert_int_eq(cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"block\",\"x\":1}",
			     NULL, NULL),
			 -EINVAL);
	ck_assert_str_eq(err, "policy.set: unknown argument \"x\"; valid: id, action");
	ck_assert_ptr_eq(pol, before);
	ck_assert_str_eq(action_of("T1055.008"), "alert");
}
END_TEST

START_TEST(reset_is_all_or_nothing)
{
	json_object *reply, *ids;
	bool changed;

	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"block\"}", NULL, NULL), 0);
	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.009\",\"action\":\"alert\"}", NULL, NULL), 0);
	ck_assert_int_eq(cmd("policy.set", "{\"id\":\"T1053.003\",\"action\":\"off\"}", NULL, NULL),
			 0);

	/* the second id is wrong: the first is not reset either */
	ck_assert_int_eq(cmd("policy.reset", "{\"ids\":[\"T1055.009\",\"T1055.99\"]}", NULL, NULL),
			 -ENOENT);
	ck_assert_str_eq(err, "unknown technique 'T1055.99'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	ck_assert_str_eq(action_of("T1055.009"), "alert");
	ck_assert_int_eq(cmd("policy.reset", "{\"ids\":\"T1055.009\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.reset: \"ids\" must be an array of strings");
	ck_assert_int_eq(cmd("policy.reset", "{\"ids\":[7]}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "policy.reset: \"ids\" must be an array of strings");

	ck_assert_int_eq(cmd("policy.reset", "{\"ids\":[\"t1055.009\"]}", &reply, &changed), 0);
	ck_assert(changed);
	ids = obj_at(reply, "reset");
	ck_assert_uint_eq(json_object_array_length(ids), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(ids, 0)), "T1055.009");
	json_object_put(reply);
	ck_assert_str_eq(action_of("T1055.009"), "default");
	ck_assert_str_eq(action_of("T1055.008"), "block");

	ck_assert_int_eq(cmd("policy.reset", "{}", &reply, &changed), 0);
	ck_assert(changed);
	ck_assert_str_eq(str_at(reply, "reset"), "all");
	json_object_put(reply);
	ck_assert_str_eq(action_of("T1055.008"), "default");
	ck_assert_str_eq(action_of("T1053.003"), "default");
	ck_assert_int_eq(cmd("policy.reset", "{\"ids\":[]}", NULL, &changed), 0);
	ck_assert(!changed);
}
END_TEST

/* ---- protect.* / allow.* ----------------------------------------------------------------- */

START_TEST(protect_commands)
{
	json_object *reply, *list;

	ck_assert_int_eq(cmd("protect.add", "{\"path\":\"/usr/sbin/sshd\"}", &reply, NULL), 0);
	ck_assert_str_eq(str_at(reply, "path"), "/usr/sbin/sshd");
	json_object_put(reply);
	ck_assert_int_eq(cmd("protect.add", "{\"path\":\"/usr/sbin/nginx\"}", NULL, NULL), 0);
	ck_assert_int_eq(cmd("protect.list", "", &reply, NULL), 0);
	list = obj_at(reply, "protected");
	ck_assert_uint_eq(json_object_array_length(list), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(list, 1)),
			 "/usr/sbin/nginx");
	json_object_put(reply);

	ck_assert_int_eq(cmd("protect.add", "{\"path\":\"/usr/sbin/sshd\"}", NULL, NULL), -EEXIST);
	ck_assert_str_eq(err, "'/usr/sbin/sshd' is already protected");
	ck_assert_int_eq(cmd("protect.add", "{\"path\":\"sshd\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "'sshd' is not an absolute path; a protected application must be "
			      "an absolute executable path such as /usr/sbin/sshd");
	ck_assert_int_eq(cmd("protect.add", "{\"path\":\"/usr/sbin/../sbin/sshd\"}", NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(cmd("protect.add", "", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "protect.add: missing argument \"path\"");
	ck_assert_int_eq(cmd("protect.del", "{\"path\":\"/usr/bin/nope\"}", NULL, NULL), -ENOENT);
	ck_assert_str_eq(err, "'/usr/bin/nope' is not protected; see `zhijiactl policy protect "
			      "list`");
	ck_assert_int_eq(cmd("protect.list", "{\"path\":\"/x\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "protect.list: unknown argument \"path\"; valid: none");

	ck_assert_int_eq(cmd("protect.del", "{\"path\":\"/usr/sbin/sshd\"}", NULL, NULL), 0);
	ck_assert_uint_eq(zj_policy_protect_count(pol), 1);
	ck_assert_str_eq(zj_policy_protect_get(pol, 0), "/usr/sbin/nginx");
}
END_TEST

START_TEST(allow_commands)
{
	json_object *reply, *e, *list;
	bool changed;

	ck_assert_int_eq(cmd("allow.add",
			     "{\"technique\":\"t1055.008\",\"exe\":\"/usr/bin/gdb\",\"uid\":1000,"
			     "\"parent\":\"/usr/bin/bash\",\"comment\":\"developers\"}",
			     &reply, &changed),
			 0);
	ck_assert(changed);
	ck_assert_int_eq(json_object_get_int(obj_at(reply, "number")), 1);
	e = obj_at(reply, "exception");
	ck_assert_str_eq(str_at(e, "technique"), "T1055.008");
	ck_assert_str_eq(str_at(e, "exe"), "/usr/bin/gdb");
	ck_assert_int_eq(json_object_get_int(obj_at(e, "uid")), 1000);
	ck_assert_str_eq(str_at(e, "parent"), "/usr/bin/bash");
	ck_assert_str_eq(str_at(e, "comment"), "developers");
	json_object_put(reply);
	ck_assert_int_eq(cmd("allow.add", "{\"technique\":\"*\",\"uid\":0}", &reply, NULL), 0);
	ck_assert_int_eq(json_object_get_int(obj_at(reply, "number")), 2);
	ck_assert(!has(obj_at(reply, "exception"), "exe"));
	json_object_put(reply);

	ck_assert_int_eq(cmd("allow.add", "{\"technique\":\"T1055.008\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "an exception needs at least one of exe, uid, parent; to drop every "
			      "finding of T1055.008 use `zhijiactl policy set T1055.008 off`");
	ck_assert_int_eq(cmd("allow.add", "{\"exe\":\"/usr/bin/gdb\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "an exception needs a technique: \"*\" or an id such as T1055.008");
	ck_assert_int_eq(cmd("allow.add", "{\"technique\":\"T1055.99\",\"uid\":0}", NULL, NULL),
			 -EINVAL);
	ck_assert_str_eq(err, "unknown technique 'T1055.99'; sub-techniques of T1055 Process "
			      "Injection: T1055.008, T1055.009, T1055.014; see `zhijiactl policy "
			      "list`");
	ck_assert_int_eq(cmd("allow.add", "{\"technique\":\"*\",\"uid\":4294967296}", NULL, NULL),
			 -EINVAL);
	ck_assert_str_eq(err, "uid 4294967296 is out of range (0..4294967295)");
	ck_assert_int_eq(cmd("allow.add", "{\"technique\":\"*\",\"uid\":\"root\"}", NULL, NULL),
			 -EINVAL);
	ck_assert_str_eq(err, "allow.add: \"uid\" must be an integer");
	ck_assert_int_eq(cmd("allow.add", "{\"technique\":\"*\",\"uid\":0}", NULL, NULL), -EEXIST);
	ck_assert_str_eq(err, "the same exception is already #2");
	ck_assert_int_eq(cmd("allow.add", "{\"technique\":\"*\",\"user\":0}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "allow.add: unknown argument \"user\"; valid: technique, exe, uid, "
			      "parent, comment");

	ck_assert_int_eq(cmd("allow.list", "", &reply, NULL), 0);
	list = obj_at(reply, "exceptions");
	ck_assert_uint_eq(json_object_array_length(list), 2);
	ck_assert_int_eq(json_object_get_int(obj_at(json_object_array_get_idx(list, 1), "number")),
			 2);
	json_object_put(reply);

	ck_assert_int_eq(cmd("allow.del", "{\"number\":5}", NULL, NULL), -ENOENT);
	ck_assert_str_eq(err, "no exception #5; there are 2 (see `zhijiactl policy allow list`)");
	ck_assert_int_eq(cmd("allow.del", "{\"number\":-3}", NULL, NULL), -ENOENT);
	ck_assert_str_eq(err, "no exception #0; there are 2 (see `zhijiactl policy allow list`)");
	ck_assert_int_eq(cmd("allow.del", "{\"number\":\"1\"}", NULL, NULL), -EINVAL);
	ck_assert_str_eq(err, "allow.del: \"number\" must be an integer");
	ck_assert_int_eq(cmd("allow.del", "{\"number\":1}", &reply, NULL), 0);
	ck_assert_str_eq(str_at(obj_at(reply, "exception"), "exe"), "/usr/bin/gdb");
	json_object_put(reply);
	ck_assert_uint_eq(zj_policy_allow_count(pol), 1);
	ck_assert_str_eq(zj_policy_allow_get(pol, 1)->technique, "*");
}
END_TEST

START_TEST(unknown_command)
{
	ck_assert_int_eq(cmd("policy.frob", "", NULL, NULL), -EBADRQC);
	ck_assert_str_eq(err, "unknown command 'policy.frob'; valid: policy.list, policy.get, "
			      "policy.set, policy.reset, protect.add, protect.del, protect.list, "
			      "allow.add, allow.del, allow.list, policy.export, policy.apply");
	ck_assert(zj_policy_command_known("allow.del"));
	ck_assert(!zj_policy_command_known("status"));
	ck_assert(!zj_policy_command_known(NULL));
}
END_TEST

/* A failing save: the live policy keeps its old state, the old file stays. */
START_TEST(save_failure_changes_nothing)
{
	struct zj_policy *before;

	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"alert\"}", NULL, NULL), 0);
	before = pol;
	/* a directory where the file's rename must go */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"block\"}", NULL, NULL),
		-EISDIR);
	ck_assert_str_eq(err + strlen(err) - strlen(": Is a directory; the policy is unchanged"),
			 ": Is a directory; the policy is unchanged");
	ck_assert_ptr_eq(pol, before);
	ck_assert_str_eq(action_of("T1055.008"), "alert");
	ck_assert_int_eq(rmdir(path), 0);

	/* a parent that is not there */
	snprintf(path, sizeof(path), "%s/no/such/policy.json", dir);
	ck_assert_int_eq(cmd("protect.add", "{\"path\":\"/usr/sbin/sshd\"}", NULL, NULL), -ENOENT);
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "failed to write %s: No such file or directory; the policy is unchanged",
			 path);
		ck_assert_str_eq(err, want);
	}
	ck_assert_uint_eq(zj_policy_protect_count(pol), 0);

	/* without a store, nothing is written and the change is made */
	snprintf(path, sizeof(path), "%s/etc/policy.json", dir);
	store.write = NULL;
	ck_assert_int_eq(
		cmd("policy.set", "{\"id\":\"T1055.008\",\"action\":\"block\"}", NULL, NULL), 0);
	ck_assert_str_eq(action_of("T1055.008"), "block");
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* ---- the policy file --------------------------------------------------------------------- */

START_TEST(file_read)
{
	char p[400], *data = (char *)1;
	size_t len = 7;
	int fd;

	snprintf(p, sizeof(p), "%s/absent.json", dir);
	ck_assert_int_eq(zj_policyfile_read(p, &data, &len, NULL), -ENOENT);
	ck_assert_ptr_eq(data, (char *)1);
	ck_assert_int_eq(zj_policyfile_read(dir, &data, &len, NULL), -EISDIR);
	ck_assert_int_eq(zj_policyfile_read("/dev/null", &data, &len, NULL), -EINVAL);

	snprintf(p, sizeof(p), "%s/empty.json", dir);
	write_text(p, "");
	ck_assert_int_eq(zj_policyfile_read(p, &data, &len, NULL), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	free(data);

	/* the cap: exactly 1 MiB is read, one byte more is refused */
	snprintf(p, sizeof(p), "%s/big.json", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, ZJ_POLICYFILE_MAX), 0);
	ck_assert_int_eq(zj_policyfile_read(p, &data, &len, NULL), 0);
	ck_assert_uint_eq(len, ZJ_POLICYFILE_MAX);
	free(data);
	ck_assert_int_eq(ftruncate(fd, ZJ_POLICYFILE_MAX + 1), 0);
	ck_assert_int_eq(zj_policyfile_read(p, &data, &len, NULL), -EFBIG);
	close(fd);
}
END_TEST

/* A corrupted file: the loader names file, line and column. */
START_TEST(file_corrupted)
{
	struct zj_policy *p = (struct zj_policy *)1;
	char want[512];

	ck_assert_int_eq(mkdir(etc(), 0755), 0);
	write_text(path, "{\n  \"version\": 1,\n  \"actions\": {\n    \"T1055.008\": \"block\",\n"
			 "  }\n}\n");
	ck_assert_int_eq(zj_policy_load(path, zj_policyfile_read, NULL, &p, err, sizeof(err)),
			 -EBADMSG);
	snprintf(want, sizeof(want), "%s:5:3: invalid JSON: unexpected character at '}'", path);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_eq(p, (struct zj_policy *)1);
}
END_TEST

START_TEST(file_replace)
{
	char *text;
	struct stat st;

	ck_assert_int_eq(mkdir(etc(), 0700), 0);
	write_text(path, "old\n");
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(zj_policyfile_write(path, "new contents\n", 13, NULL), 0);
	text = slurp(path);
	ck_assert_str_eq(text, "new contents\n");
	free(text);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600); /* the administrator's mode is kept */
	ck_assert_int_eq(stat(etc(), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700); /* an existing directory is left alone */
	ck_assert_int_eq(count_entries(etc()), 1);

	ck_assert_int_eq(zj_policyfile_write(path, "", 0, NULL), 0);
	text = slurp(path);
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert_int_eq(zj_policyfile_write(etc(), "x", 1, NULL), -EISDIR);
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/", etc());
		ck_assert_int_eq(zj_policyfile_write(p, "x", 1, NULL), -EISDIR);
	}
	ck_assert_int_eq(count_entries(etc()), 1);
}
END_TEST

/* The write itself fails half-way (file size limit): the old file is intact, no temp left. */
START_TEST(file_write_fails_midway)
{
	struct rlimit old, lim;
	char big[4096], *text;
	int r;

	ck_assert_int_eq(mkdir(etc(), 0755), 0);
	write_text(path, "the old policy\n");
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 1024;
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = zj_policyfile_write(path, big, sizeof(big), NULL);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	ck_assert_int_eq(r, -EFBIG);
	text = slurp(path);
	ck_assert_str_eq(text, "the old policy\n");
	free(text);
	ck_assert_int_eq(count_entries(etc()), 1);
}
END_TEST

/* No permission to create the temporary file (a user other than root): nothing changes. */
START_TEST(file_write_no_permission)
{
	char *text;
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		fprintf(stderr, "file_write_no_permission: skipped, needs root to switch to uid "
				"65534\n");
		return;
	}
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(mkdir(etc(), 0755), 0);
	write_text(path, "root's policy\n");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int r;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(100);
		r = zj_policyfile_write(path, "nobody's\n", 9, NULL);
		_exit(r == -EACCES ? 0 : 101);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	text = slurp(path);
	ck_assert_str_eq(text, "root's policy\n");
	free(text);
	ck_assert_int_eq(count_entries(etc()), 1);
}
END_TEST

static Suite *policyops_suite(void)
{
	Suite *s = suite_create("policyops");
	TCase *tc = tcase_create("commands");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, list_observed_tree);
	tcase_add_test(tc, list_tactic_filter);
	tcase_add_test(tc, list_all);
	tcase_add_test(tc, get_entries);
	tcase_add_test(tc, find_technique);
	tcase_add_test(tc, set_saves_and_swaps);
	tcase_add_test(tc, set_errors_change_nothing);
	tcase_add_test(tc, reset_is_all_or_nothing);
	tcase_add_test(tc, protect_commands);
	tcase_add_test(tc, allow_commands);
	tcase_add_test(tc, unknown_command);
	tcase_add_test(tc, save_failure_changes_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, file_read);
	tcase_add_test(tc, file_corrupted);
	tcase_add_test(tc, file_replace);
	tcase_add_test(tc, file_write_fails_midway);
	tcase_add_test(tc, file_write_no_permission);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policyops_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
