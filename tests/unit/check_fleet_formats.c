/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fleet formats: native event lines (fixtures recorded from zhijiad's log, and one made by
 * zj_event_to_json_findings() itself) converted to OCSF 1.3 and ECS 8.11 and checked against
 * the fields those schemas require; the Prometheus exposition; policy export/apply/diff and
 * its hash; the ARR inbox result document.
 *
 * The required-field lists are written from the published schemas:
 *   OCSF 1.3.0 (schema.ocsf.io, github.com/ocsf/ocsf-schema): base_event requires activity_id,
 *     category_uid, class_uid, metadata, severity_id, time, type_uid; finding (2004 Detection
 *     Finding) finding_info; metadata product and version; product vendor_name; finding_info
 *     uid and title; device type_id; os name and type_id; file name and type_id; analytic
 *     type_id; System Activity classes device, actor; Process Activity (1007) process; File
 *     System Activity (1001) file.
 *   ECS 8.11 (elastic.co/guide/en/ecs): @timestamp and ecs.version are required ("core",
 *     "required: true"); the rest below are the core fields zhijia promises to fill.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/event.h"
#include "zhijia/policy.h"
#include "../../daemon/arr-result.h"
#include "../../daemon/metrics.h"
#include "../../daemon/policy-apply.h"
#include "../../daemon/policyops.h"
#include "../../daemon/siem.h"

/* A ptrace attach with an alert finding (recorded; names as the catalog has them). */
static const char ptrace_line[] =
	"{\"v\":2,\"seq\":42,\"time\":\"2026-11-28T06:20:00.123456789Z\",\"ktime_ns\":1,"
	"\"type\":\"ptrace\",\"actor\":{\"pid\":100,\"tid\":100,\"ppid\":1,\"uid\":1000,"
	"\"gid\":1000,\"euid\":1000,\"comm\":\"gdb\",\"exe\":\"/usr/bin/gdb\",\"cmdline\":\"gdb -p "
	"200\",\"start_ns\":5,\"known\":true},\"target\":{\"pid\":200,\"tid\":200,\"ppid\":1,"
	"\"uid\":0,\"gid\":0,\"euid\":0,\"comm\":\"sshd\",\"exe\":\"/usr/sbin/sshd\",\"cmdline\":"
	"\"sshd -D\",\"start_ns\":3,\"known\":true},\"ptrace\":{\"request\":\"PTRACE_ATTACH\","
	"\"request_num\":16,\"addr\":\"0x0\",\"data\":\"0x0\",\"result\":0,\"vdso\":false},"
	"\"findings\":[{\"technique\":\"T1055.008\",\"name\":\"Ptrace System Calls\","
	"\"tactic\":\"TA0004\",\"severity\":\"high\",\"action\":\"block\",\"configured\":\"block\","
	"\"why\":\"policy: block\",\"reason\":\"ptrace attach to a system process\","
	"\"enforced\":true,\"policy_hash\":\"0123456789abcdef\"}]}";

/* A cron.d file written, alert (recorded). */
static const char cron_line[] =
	"{\"v\":2,\"seq\":7,\"time\":\"2026-11-28T06:21:00.5Z\",\"ktime_ns\":2,\"type\":\"file\","
	"\"actor\":{\"pid\":300,\"tid\":300,\"ppid\":1,\"uid\":0,\"gid\":0,\"euid\":0,\"comm\":"
	"\"sh\",\"exe\":\"/usr/bin/dash\",\"cmdline\":\"sh -c x\",\"start_ns\":9,\"known\":true},"
	"\"file\":{\"op\":\"create\",\"path\":\"/etc/cron.d/zz\",\"mode\":\"0644\",\"o_trunc\":"
	"false},\"findings\":[{\"technique\":\"T1053.003\",\"name\":\"Cron\",\"tactic\":"
	"\"TA0003\",\"severity\":\"medium\",\"action\":\"alert\",\"configured\":\"default\","
	"\"why\":\"default\",\"reason\":\"cron.d entry\",\"policy_hash\":\"0123456789abcdef\"}]}";

static const char exec_line[] =
	"{\"v\":2,\"seq\":8,\"time\":\"2026-11-28T06:22:00Z\",\"ktime_ns\":3,\"type\":\"exec\","
	"\"actor\":{\"pid\":400,\"tid\":400,\"ppid\":1,\"uid\":0,\"gid\":0,\"euid\":0,\"comm\":"
	"\"ls\",\"exe\":\"/usr/bin/ls\",\"cmdline\":\"ls -l\",\"start_ns\":9,\"known\":true},"
	"\"exec\":{\"filename\":\"/usr/bin/ls\",\"exe\":\"/usr/bin/ls\",\"argv\":[\"ls\",\"-l\"],"
	"\"argc\":2}}";

static const char file_line[] =
	"{\"v\":2,\"seq\":9,\"time\":\"2026-11-28T06:23:00Z\",\"ktime_ns\":4,\"type\":\"file\","
	"\"actor\":{\"pid\":500,\"tid\":500,\"ppid\":1,\"uid\":0,\"gid\":0,\"euid\":0,\"comm\":"
	"\"mv\",\"exe\":\"/usr/bin/mv\",\"cmdline\":\"mv a b\",\"start_ns\":9,\"known\":true},"
	"\"file\":{\"op\":\"rename\",\"path\":\"/etc/b\",\"old_path\":\"/etc/a\",\"o_trunc\":false,"
	"\"result\":0}}";

static const struct zj_siem_host host = {"host1", "0123456789abcdef0123456789abcdef", "0.1.0"};

/* "a.b.0.c": objects by key, arrays by index; NULL when absent. */
static json_object *jpath(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		json_object *v = NULL;

		ck_assert_uint_lt(n, sizeof(key));
		memcpy(key, path, n);
		key[n] = '\0';
		if (json_object_is_type(o, json_type_array)) {
			char *end;
			long i = strtol(key, &end, 10);

			if (*end || i < 0 || (size_t)i >= json_object_array_length(o))
				return NULL;
			v = json_object_array_get_idx(o, (size_t)i);
		} else if (!json_object_object_get_ex(o, key, &v)) {
			return NULL;
		}
		o = v;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

static void require(json_object *doc, const char *const *fields)
{
	for (size_t i = 0; fields[i]; i++) {
		json_object *v = jpath(doc, fields[i]);

		ck_assert_msg(v != NULL, "required field %s missing in %s", fields[i],
			      json_object_to_json_string(doc));
		if (json_object_is_type(v, json_type_string))
			ck_assert_msg(json_object_get_string(v)[0], "%s is empty", fields[i]);
	}
}

static const char *jstr(json_object *doc, const char *path)
{
	json_object *v = jpath(doc, path);

	ck_assert_msg(v && json_object_is_type(v, json_type_string), "%s: not a string", path);
	return json_object_get_string(v);
}

static int64_t jint(json_object *doc, const char *path)
{
	json_object *v = jpath(doc, path);

	ck_assert_msg(v && json_object_is_type(v, json_type_int), "%s: not an integer", path);
	return json_object_get_int64(v);
}

/* Convert line and parse each output line; returns how many (docs filled up to max). */
static size_t convert(enum zj_output_format f, const char *line, json_object **docs, size_t max)
{
	struct zj_buf b = {0};
	size_t n = 0;
	char *p, *nl;

	ck_assert_int_eq(zj_siem_convert_line(f, line, strlen(line), &host, &b), 0);
	ck_assert_uint_gt(b.len, 0);
	ck_assert_int_eq(b.data[b.len - 1], '\n');
	for (p = b.data; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		ck_assert_uint_lt(n, max);
		docs[n] = json_tokener_parse(p);
		ck_assert_msg(docs[n] && json_object_is_type(docs[n], json_type_object), "%s", p);
		n++;
	}
	zj_buf_free(&b);
	return n;
}

static const char *const ocsf_base[] = {
	"activity_id", "category_uid", "class_uid", "metadata", "metadata.version",
	"metadata.product", "metadata.product.vendor_name", "severity_id", "time", "type_uid",
	"device", "device.type_id", "device.os.name", "device.os.type_id", NULL,
};

static const char *const ocsf_detection_finding[] = {
	"finding_info", "finding_info.uid", "finding_info.title", "finding_info.analytic.type_id",
	NULL,
};

static const char *const ecs_required[] = {"@timestamp", "ecs.version", NULL};

static const char *const ecs_promised[] = {
	"event.kind",	      "event.category",	      "event.type",  "event.module",
	"event.dataset",      "host.name",	      "host.id",     "host.os.type",
	"agent.type",	      "process.pid",	      "process.name", "process.executable",
	"process.command_line", "process.parent.pid", NULL,
};

static const char *const ecs_threat[] = {
	"threat.framework",
	"threat.technique.id.0",
	"threat.technique.name.0",
	"threat.technique.subtechnique.id.0",
	"threat.technique.subtechnique.name.0",
	"threat.tactic.id.0",
	"threat.tactic.name.0",
	"rule.id",
	"event.severity",
	NULL,
};

START_TEST(ocsf_ptrace_finding)
{
	json_object *d[4];

	ck_assert_uint_eq(convert(ZJ_OUTPUT_OCSF, ptrace_line, d, 4), 1);
	require(d[0], ocsf_base);
	require(d[0], ocsf_detection_finding);
	require(d[0], (const char *const[]){
			      "finding_info.attacks.0.tactic.uid",
			      "finding_info.attacks.0.technique.uid",
			      "finding_info.attacks.0.sub_technique.uid",
			      "evidences.0.actor.process.pid",
			      "evidences.0.actor.process.file.name",
			      "evidences.0.actor.process.file.type_id",
			      "evidences.0.process.pid",
			      "evidences.0.process.cmd_line",
			      NULL,
		      });
	ck_assert_int_eq(jint(d[0], "class_uid"), 2004);
	ck_assert_int_eq(jint(d[0], "category_uid"), 2);
	ck_assert_int_eq(jint(d[0], "activity_id"), 1);
	ck_assert_int_eq(jint(d[0], "type_uid"), 200401);
	ck_assert_int_eq(jint(d[0], "severity_id"), 4); /* high */
	ck_assert_int_eq(jint(d[0], "time"), 1795846800123LL);
	ck_assert_str_eq(jstr(d[0], "metadata.version"), ZJ_OCSF_VERSION);
	ck_assert_str_eq(jstr(d[0], "finding_info.attacks.0.sub_technique.uid"), "T1055.008");
	ck_assert_str_eq(jstr(d[0], "finding_info.attacks.0.technique.uid"), "T1055");
	ck_assert_str_eq(jstr(d[0], "finding_info.attacks.0.technique.name"), "Process Injection");
	ck_assert_str_eq(jstr(d[0], "finding_info.attacks.0.tactic.uid"), "TA0004");
	ck_assert_str_eq(jstr(d[0], "finding_info.attacks.0.tactic.name"), "Privilege Escalation");
	ck_assert_int_eq(jint(d[0], "evidences.0.actor.process.pid"), 100);
	ck_assert_str_eq(jstr(d[0], "evidences.0.actor.process.file.path"), "/usr/bin/gdb");
	ck_assert_int_eq(jint(d[0], "evidences.0.process.pid"), 200);
	ck_assert_int_eq(jint(d[0], "disposition_id"), 2); /* Blocked */
	ck_assert_str_eq(jstr(d[0], "device.uid"), host.machine_id);
	ck_assert_str_eq(jstr(d[0], "unmapped.zhijia.policy_hash"), "0123456789abcdef");
	json_object_put(d[0]);
}
END_TEST

START_TEST(ocsf_file_finding_and_activities)
{
	json_object *d[4];

	ck_assert_uint_eq(convert(ZJ_OUTPUT_OCSF, cron_line, d, 4), 1);
	require(d[0], ocsf_base);
	require(d[0], ocsf_detection_finding);
	require(d[0], (const char *const[]){"evidences.0.file.name", "evidences.0.file.type_id",
					    "finding_info.attacks.0.sub_technique.uid", NULL});
	ck_assert_str_eq(jstr(d[0], "evidences.0.file.path"), "/etc/cron.d/zz");
	ck_assert_str_eq(jstr(d[0], "evidences.0.file.name"), "zz");
	ck_assert_int_eq(jint(d[0], "disposition_id"), 19); /* Alert */
	json_object_put(d[0]);

	ck_assert_uint_eq(convert(ZJ_OUTPUT_OCSF, exec_line, d, 4), 1);
	require(d[0], ocsf_base);
	require(d[0], (const char *const[]){"actor", "actor.process.pid", "process",
					    "process.pid", NULL});
	ck_assert_int_eq(jint(d[0], "class_uid"), 1007);
	ck_assert_int_eq(jint(d[0], "type_uid"), 100701); /* Launch */
	json_object_put(d[0]);

	ck_assert_uint_eq(convert(ZJ_OUTPUT_OCSF, file_line, d, 4), 1);
	require(d[0], ocsf_base);
	require(d[0], (const char *const[]){"actor", "file", "file.name", "file.type_id", NULL});
	ck_assert_int_eq(jint(d[0], "class_uid"), 1001);
	ck_assert_int_eq(jint(d[0], "activity_id"), 5); /* Rename */
	ck_assert_str_eq(jstr(d[0], "unmapped.zhijia.file.old_path"), "/etc/a");
	json_object_put(d[0]);
}
END_TEST

START_TEST(ecs_documents)
{
	json_object *d[4];

	ck_assert_uint_eq(convert(ZJ_OUTPUT_ECS, ptrace_line, d, 4), 1);
	require(d[0], ecs_required);
	require(d[0], ecs_promised);
	require(d[0], ecs_threat);
	ck_assert_str_eq(jstr(d[0], "ecs.version"), ZJ_ECS_VERSION);
	ck_assert_str_eq(jstr(d[0], "event.kind"), "alert");
	ck_assert_str_eq(jstr(d[0], "threat.framework"), "MITRE ATT&CK");
	ck_assert_str_eq(jstr(d[0], "threat.technique.id.0"), "T1055");
	ck_assert_str_eq(jstr(d[0], "threat.technique.subtechnique.id.0"), "T1055.008");
	ck_assert_str_eq(jstr(d[0], "threat.tactic.id.0"), "TA0004");
	ck_assert_str_eq(jstr(d[0], "@timestamp"), "2026-11-28T06:20:00.123456789Z");
	ck_assert_int_eq(jint(d[0], "zhijia.target.pid"), 200);
	ck_assert_str_eq(jstr(d[0], "event.outcome"), "failure"); /* blocked */
	ck_assert_str_eq(jstr(d[0], "zhijia.policy_hash"), "0123456789abcdef");
	json_object_put(d[0]);

	ck_assert_uint_eq(convert(ZJ_OUTPUT_ECS, cron_line, d, 4), 1);
	require(d[0], ecs_required);
	require(d[0], ecs_threat);
	require(d[0], (const char *const[]){"file.path", "file.name", "file.directory", NULL});
	ck_assert_str_eq(jstr(d[0], "file.directory"), "/etc/cron.d");
	json_object_put(d[0]);

	ck_assert_uint_eq(convert(ZJ_OUTPUT_ECS, exec_line, d, 4), 1);
	require(d[0], ecs_required);
	require(d[0], ecs_promised);
	ck_assert_str_eq(jstr(d[0], "event.kind"), "event");
	ck_assert_str_eq(jstr(d[0], "event.type.0"), "start");
	ck_assert_str_eq(jstr(d[0], "process.args.1"), "-l");
	json_object_put(d[0]);
}
END_TEST

/* The native writer's own output converts: two findings, two documents. */
START_TEST(native_writer_converts)
{
	struct zj_event ev;
	struct zj_log_finding f[2] = {
		{.technique = "T1055.008", .name = "Ptrace System Calls", .tactic = "TA0004",
		 .severity = "high", .action = "alert", .reason = "r", .enforced = -1,
		 .policy_hash = "feedfacefeedface"},
		{.technique = "T1055.009", .name = "Proc Memory", .tactic = "TA0005",
		 .severity = "low", .action = "record", .reason = "r2", .enforced = -1},
	};
	struct zj_buf b = {0};
	json_object *d[4];

	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_PTRACE;
	ev.seq = 5;
	ev.time_ns = 1795846800000000000LL;
	ev.actor.pid = 10;
	ev.actor.flags = ZJ_PROC_KNOWN;
	ev.ptrace.request = 16;
	ck_assert_int_eq(zj_event_to_json_findings(&ev, f, 2, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\"policy_hash\":\"feedfacefeedface\""));
	ck_assert_uint_eq(convert(ZJ_OUTPUT_OCSF, b.data, d, 4), 2);
	require(d[0], ocsf_detection_finding);
	require(d[1], ocsf_detection_finding);
	ck_assert_str_eq(jstr(d[1], "finding_info.attacks.0.tactic.uid"), "TA0005");
	ck_assert_str_ne(jstr(d[0], "finding_info.uid"), jstr(d[1], "finding_info.uid"));
	json_object_put(d[0]);
	json_object_put(d[1]);
	ck_assert_uint_eq(convert(ZJ_OUTPUT_ECS, b.data, d, 4), 2);
	require(d[0], ecs_required);
	require(d[1], ecs_required);
	json_object_put(d[0]);
	json_object_put(d[1]);
	zj_buf_free(&b);
}
END_TEST

START_TEST(formats_and_bad_lines)
{
	enum zj_output_format f;
	struct zj_buf b = {0};

	ck_assert_int_eq(zj_output_format_parse("ocsf", &f), 0);
	ck_assert_int_eq(f, ZJ_OUTPUT_OCSF);
	ck_assert_int_eq(zj_output_format_parse("ecs", &f), 0);
	ck_assert_int_eq(zj_output_format_parse("json", &f), 0);
	ck_assert_int_eq(zj_output_format_parse("cef", &f), -EINVAL);
	ck_assert_int_eq(zj_siem_convert_line(ZJ_OUTPUT_OCSF, "{\"v\":2", 6, &host, &b), -EBADMSG);
	ck_assert_int_eq(zj_siem_convert_line(ZJ_OUTPUT_ECS, "[1]", 3, &host, &b), -EBADMSG);
	ck_assert_uint_eq(b.len, 0);
	zj_buf_free(&b);
}
END_TEST

/* ---- Prometheus ------------------------------------------------------------------------ */

/* Every sample's family has HELP and TYPE before it; names and labels are well formed. */
static void check_exposition(const char *text)
{
	char typed[64][64];
	size_t nt = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[1024], name[64];
		size_t n, k = 0;

		ck_assert_ptr_nonnull(nl); /* every line ends in \n */
		n = (size_t)(nl - p);
		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char type[32];

			ck_assert_int_eq(sscanf(line + 7, "%63s %31s", name, type), 2);
			ck_assert_msg(!strcmp(type, "counter") || !strcmp(type, "gauge"), "%s", line);
			ck_assert_uint_lt(nt, 64);
			snprintf(typed[nt++], sizeof(typed[0]), "%s", name);
			continue;
		}
		ck_assert_msg(line[0] != '#', "stray comment %s", line);
		while (line[k] && line[k] != '{' && line[k] != ' ') {
			ck_assert_msg((line[k] >= 'a' && line[k] <= 'z') || line[k] == '_' ||
					      (k && line[k] >= '0' && line[k] <= '9'),
				      "bad metric name in %s", line);
			k++;
		}
		ck_assert_uint_lt(k, sizeof(name));
		memcpy(name, line, k);
		name[k] = '\0';
		{
			bool found = false;

			for (size_t i = 0; i < nt; i++)
				found = found || !strcmp(typed[i], name);
			ck_assert_msg(found, "sample %s without # TYPE before it", line);
		}
		if (line[k] == '{') {
			/* label values: quoted, escapes only \\ \" \n */
			const char *q = strchr(line + k, '}');

			ck_assert_ptr_nonnull(q);
			for (const char *c = line + k; c < q; c++)
				if (*c == '\\')
					ck_assert_msg(c[1] == '\\' || c[1] == '"' || c[1] == 'n', "%s",
						      line), c++;
			k = (size_t)(q - line) + 1;
		}
		ck_assert_int_eq(line[k], ' ');
		ck_assert_msg(line[k + 1] >= '0' && line[k + 1] <= '9', "%s", line);
	}
}

START_TEST(prometheus_format)
{
	const char *status =
		"{\"ok\":true,\"version\":\"0.1.0\",\"kernel\":\"6.1 \\\"x\\\"\\\\y\\nz\","
		"\"uptime_s\":12,\"policy_hash\":\"0123456789abcdef\",\"events_logged\":99,"
		"\"kernel_counters\":{\"records\":{\"exec\":3,\"ptrace\":1},\"lost\":7,"
		"\"read_failures\":1,\"denied\":2},\"records_malformed\":0,"
		"\"findings\":{\"off\":0,\"record\":1,\"alert\":2,\"block\":3},"
		"\"findings_by_technique\":{\"T1055.008\":{\"alert\":2,\"block\":3}},"
		"\"journald_failures\":0,\"fallback_kills\":4,"
		"\"journald_alerts\":{\"queued\":5,\"coalesced\":40,\"pending\":2},"
		"\"scan\":{\"submitted\":10,\"shed\":1,\"scanned\":6,\"matches\":1},"
		"\"enforcement\":{\"mode\":\"lsm+kill\"}}";
	json_object *st = json_tokener_parse(status);
	struct zj_buf b = {0};
	char esc[64];

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(zj_metrics_format(st, &b), 0);
	check_exposition(b.data);
	ck_assert_ptr_nonnull(strstr(b.data, "\nzhijia_events_total 99\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\nzhijia_lost_records_total 7\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\nzhijia_scan_queue 3\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\nzhijia_journald_alerts_coalesced_total 40\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\nzhijia_journald_alert_queue 2\n"));
	ck_assert_ptr_nonnull(
		strstr(b.data, "\nzhijia_findings_total{technique=\"T1055.008\",action=\"block\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\nzhijia_enforcement_mode{mode=\"lsm+kill\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "kernel=\"6.1 \\\"x\\\"\\\\y\\nz\""));
	ck_assert_ptr_nonnull(strstr(b.data, "# TYPE zhijia_findings_total counter\n"));
	ck_assert_str_eq(zj_metrics_escape("a\"b\\c\nd", esc, sizeof(esc)), "a\\\"b\\\\c\\nd");
	ck_assert_str_eq(zj_metrics_escape("abcdefgh", esc, 6), "abc"); /* bounded, room kept for an escape */
	json_object_put(st);
	zj_buf_free(&b);
}
END_TEST

/* ---- declarative policy ------------------------------------------------------------------ */

static json_object *command(struct zj_policy **p, const char *cmd, const char *args_json,
			    int want)
{
	json_object *args = args_json ? json_tokener_parse(args_json) : NULL, *reply = NULL;
	char err[ZJ_POLICYOPS_ERR_MAX] = "";
	int r = zj_policy_command(p, cmd, args, NULL, &reply, NULL, err, sizeof(err));

	ck_assert_msg(r == want, "%s: %d (%s)", cmd, r, err);
	json_object_put(args);
	return reply;
}

static char *export_text(struct zj_policy **p)
{
	json_object *r = command(p, "policy.export", NULL, 0);
	char *s = strdup(jstr(r, "policy"));

	ck_assert_str_eq(jstr(r, "policy_hash"), jstr(r, "policy_hash"));
	json_object_put(r);
	return s;
}

static json_object *apply_args(const char *text, bool dry)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, "policy", json_object_new_string(text));
	if (dry)
		json_object_object_add(a, "dry_run", json_object_new_boolean(1));
	return a;
}

static json_object *apply(struct zj_policy **p, const char *text, bool dry, int want,
			  char *err, size_t errlen)
{
	json_object *a = apply_args(text, dry), *reply = NULL;
	int r = zj_policy_command(p, "policy.apply", a, NULL, &reply, NULL, err, errlen);

	ck_assert_msg(r == want, "apply: %d (%s)", r, err);
	json_object_put(a);
	return reply;
}

START_TEST(policy_export_apply_roundtrip)
{
	struct zj_policy *a = NULL, *b = NULL;
	char *e1, *e2, err[ZJ_POLICYOPS_ERR_MAX];
	char h1[ZJ_POLICY_HASH_LEN + 1], h2[ZJ_POLICY_HASH_LEN + 1];
	json_object *r;

	ck_assert_int_eq(zj_policy_new_default(&a), 0);
	json_object_put(command(&a, "policy.set", "{\"id\":\"T1055.008\",\"action\":\"alert\"}", 0));
	json_object_put(command(&a, "protect.add", "{\"path\":\"/usr/sbin/sshd\"}", 0));
	json_object_put(command(&a, "allow.add",
				"{\"technique\":\"T1055\",\"exe\":\"/usr/bin/gdb\",\"uid\":1000,"
				"\"comment\":\"devs\"}",
				0));
	e1 = export_text(&a);
	/* export -> apply on a fresh policy -> identical export, equal hash */
	ck_assert_int_eq(zj_policy_new_default(&b), 0);
	r = apply(&b, e1, false, 0, err, sizeof(err));
	ck_assert(json_object_get_boolean(jpath(r, "changed")));
	ck_assert_uint_eq(json_object_array_length(jpath(r, "changes")), 3);
	json_object_put(r);
	e2 = export_text(&b);
	ck_assert_str_eq(e1, e2);
	ck_assert_int_eq(zj_policy_hash(a, h1), 0);
	ck_assert_int_eq(zj_policy_hash(b, h2), 0);
	ck_assert_str_eq(h1, h2);
	ck_assert_uint_eq(strlen(h1), ZJ_POLICY_HASH_LEN);
	/* idempotent */
	r = apply(&b, e1, false, 0, err, sizeof(err));
	ck_assert(!json_object_get_boolean(jpath(r, "changed")));
	ck_assert_uint_eq(json_object_array_length(jpath(r, "changes")), 0);
	json_object_put(r);
	free(e1);
	free(e2);
	zj_policy_free(a);
	zj_policy_free(b);
}
END_TEST

START_TEST(policy_diff_and_partial_failure)
{
	struct zj_policy *p = NULL;
	char *before, *after, err[ZJ_POLICYOPS_ERR_MAX];
	json_object *r, *c;
	const char *changed_file =
		"{\"version\":1,\"actions\":{\"T1055.008\":\"block\"},\"protected\":[\"/usr/sbin/"
		"cron\"],\"exceptions\":[]}";
	/* valid first entries, a bad one last: nothing of it may be applied */
	const char *bad_file = "{\"version\":1,\"actions\":{\"T1055.008\":\"block\",\"T1053.003\":"
			       "\"alert\"},\"protected\":[\"relative/path\"]}";

	ck_assert_int_eq(zj_policy_new_default(&p), 0);
	before = export_text(&p);
	r = apply(&p, changed_file, true, 0, err, sizeof(err));
	ck_assert(json_object_get_boolean(jpath(r, "changed")));
	ck_assert(json_object_get_boolean(jpath(r, "dry_run")));
	c = jpath(r, "changes");
	ck_assert_uint_eq(json_object_array_length(c), 2);
	ck_assert_str_eq(jstr(c, "0.kind"), "action");
	ck_assert_str_eq(jstr(c, "0.id"), "T1055.008");
	ck_assert_str_eq(jstr(c, "0.from"), "default");
	ck_assert_str_eq(jstr(c, "0.to"), "block");
	ck_assert_str_eq(jstr(c, "1.kind"), "protect");
	ck_assert_str_eq(jstr(c, "1.op"), "add");
	json_object_put(r);
	after = export_text(&p);
	ck_assert_str_eq(before, after); /* --diff changed nothing */
	free(after);

	r = apply(&p, bad_file, false, -EINVAL, err, sizeof(err));
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err, "relative/path"));
	after = export_text(&p);
	ck_assert_str_eq(before, after);
	free(after);

	/* a block the platform cannot enforce: refused as a whole, at apply time */
	zj_policy_set_enforceable(p, false);
	r = apply(&p, changed_file, false, -EOPNOTSUPP, err, sizeof(err));
	ck_assert_ptr_null(r);
	after = export_text(&p);
	ck_assert_str_eq(before, after);
	free(after);
	/* not JSON at all */
	r = apply(&p, "{\"actions\":", false, -EBADMSG, err, sizeof(err));
	ck_assert_ptr_null(r);
	free(before);
	zj_policy_free(p);
}
END_TEST

/* ---- ARR result ---------------------------------------------------------------------------- */

START_TEST(arr_result_schema)
{
	struct zj_arr_result res[2];
	struct zj_arr_run run;
	const char *text = "{\"rule\":\"x\"}";
	json_object *o;

	memset(res, 0, sizeof(res));
	memset(&run, 0, sizeof(run));
	res[0].index = 0;
	res[0].instr = (enum zj_arr_instr)0;
	res[0].status = ZJ_ARR_DONE;
	res[0].reason = (char *)"killed 1";
	res[1].index = 1;
	res[1].status = ZJ_ARR_FAILED;
	res[1].error = -ENOENT;
	run.results = res;
	run.n_results = 2;
	run.n_done = 1;
	run.n_failed = 1;
	o = zj_arr_result_new("a.json", "running", text, strlen(text), "kill-it", 1795846800123LL);
	ck_assert_ptr_nonnull(o);
	require(o, (const char *const[]){"schema", "schema_version", "file", "rule.name",
					 "rule.sha256", "host.hostname", "state", "started", NULL});
	ck_assert_str_eq(jstr(o, "schema"), ZJ_ARR_RESULT_SCHEMA);
	ck_assert_int_eq(jint(o, "schema_version"), ZJ_ARR_RESULT_VERSION);
	ck_assert_str_eq(jstr(o, "started"), "2026-11-28T06:20:00.123Z");
	/* sha256 of the bytes */
	ck_assert_str_eq(jstr(o, "rule.sha256"),
			 "4737a0a03d18ff6306e775577f29787a7971f4dea7aaf424a3c55115cc75de52");
	zj_arr_result_finished(o, &run, 1795846801000LL);
	require(o, (const char *const[]){"ok", "ended", "summary.done", "summary.failed",
					 "summary.skipped", "actions.0.action", "actions.0.status",
					 "actions.1.error", NULL});
	ck_assert(!json_object_get_boolean(jpath(o, "ok")));
	ck_assert_str_eq(jstr(o, "actions.0.status"), "done");
	ck_assert_str_eq(jstr(o, "actions.1.status"), "failed");
	json_object_put(o);
	o = zj_arr_result_new("b.json", "running", NULL, 0, NULL, 0);
	zj_arr_result_refused(o, "not valid", 1000);
	ck_assert_str_eq(jstr(o, "state"), "refused");
	ck_assert_str_eq(jstr(o, "error"), "not valid");
	ck_assert(json_object_is_type(jpath(o, "rule.name"), json_type_null));
	json_object_put(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fleet_formats");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, ocsf_ptrace_finding);
	tcase_add_test(tc, ocsf_file_finding_and_activities);
	tcase_add_test(tc, ecs_documents);
	tcase_add_test(tc, native_writer_converts);
	tcase_add_test(tc, formats_and_bad_lines);
	tcase_add_test(tc, prometheus_format);
	tcase_add_test(tc, policy_export_apply_roundtrip);
	tcase_add_test(tc, policy_diff_and_partial_failure);
	tcase_add_test(tc, arr_result_schema);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
