/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Windows front end under Wine: Sysmon event XML (tests/windows/fixtures/, written to
 * Microsoft's event schema and Sysmon's event data) through translation, the shared detectors
 * and the policy with the Windows catalog; enforcement on a real process; the EvtSubscribe
 * subscription as far as Wine goes.  Run from the top of the tree (fixture paths are relative).
 */
#include <windows.h>

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "sysmon.h"
#include "win.h"
#include "zhijia/catalog.h"
#include "zhijia/errors.h"
#include "zhijia/policy.h"

#define FIXTURES "tests/windows/fixtures/"

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*ret_len = (size_t)n;
	return buf;
}

static const char minimal[] =
	"<?xml version='1.0'?><!-- one event --><Event xmlns='http://schemas.microsoft.com/win/"
	"2004/08/events/event'><System><Provider Name=\"Microsoft-Windows-Sysmon\"/>"
	"<EventID>11</EventID><TimeCreated SystemTime='1970-01-02T00:00:01.5Z'/>"
	"<EventRecordID>7</EventRecordID></System><EventData>"
	"<Data Name='ProcessId'>42</Data><Data Name='Image'>C:\\a&amp;b.exe</Data>"
	"<Data Name='TargetFilename'>C:\\x &lt;&#x4E2D;&#25991;&gt;</Data>"
	"<Data Name='RuleName'/></EventData></Event>";

START_TEST(test_parse_minimal)
{
	struct zj_sysmon_record *r = malloc(sizeof(*r));
	size_t n;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(zj_sysmon_parse(minimal, strlen(minimal), r), (long)strlen(minimal));
	ck_assert_uint_eq(r->event_id, 11);
	ck_assert_uint_eq(r->record_id, 7);
	ck_assert_int_eq(r->time_ns, 86401500000000LL);
	ck_assert_str_eq(zj_sysmon_field(r, "Image", NULL), "C:\\a&b.exe");
	/* U+4E2D U+6587 in UTF-8 */
	ck_assert_str_eq(zj_sysmon_field(r, "TargetFilename", &n),
			 "C:\\x <\xe4\xb8\xad\xe6\x96\x87>");
	ck_assert_uint_eq(n, strlen("C:\\x <\xe4\xb8\xad\xe6\x96\x87>"));
	ck_assert_str_eq(zj_sysmon_field(r, "RuleName", &n), "");
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(zj_sysmon_field(r, "User", NULL));
	/* Nothing after it. */
	ck_assert_int_eq(zj_sysmon_parse(minimal + strlen(minimal), 0, r), 0);
	free(r);
}
END_TEST

START_TEST(test_parse_errors)
{
	static const struct {
		const char *xml;
		long want;
	} cases[] = {
		/* another provider */
		{"<Event><System><Provider Name='Microsoft-Windows-Security-Auditing'/>"
		 "<EventID>4688</EventID></System></Event>",
		 -ZJ_ENOENT},
		/* cut short */
		{"<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</Eve",
		 -ZJ_EBADMSG},
		/* mismatched end tag */
		{"<Event><System><EventID>1</EventIDX></System></Event>", -ZJ_EBADMSG},
		/* unknown entity */
		{"<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>"
		 "</System><EventData><Data Name='a'>&bogus;</Data></EventData></Event>",
		 -ZJ_EBADMSG},
		/* CDATA is not what EvtRender writes */
		{"<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>"
		 "</System><EventData><Data Name='a'><![CDATA[x]]></Data></EventData></Event>",
		 -ZJ_EBADMSG},
		/* no EventID */
		{"<Event><System><Provider Name='Microsoft-Windows-Sysmon'/></System></Event>",
		 -ZJ_EBADMSG},
		/* a character reference to NUL */
		{"<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>"
		 "</System><EventData><Data Name='a'>&#0;</Data></EventData></Event>",
		 -ZJ_EBADMSG},
		/* too deep */
		{"<Event><a><b><c><d><e><f><g><h><i></i></h></g></f></e></d></c></b></a></Event>",
		 -ZJ_EBADMSG},
	};
	struct zj_sysmon_record *r = malloc(sizeof(*r));

	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long got = zj_sysmon_parse(cases[i].xml, strlen(cases[i].xml), r);

		ck_assert_msg(got == cases[i].want, "case %zu: %ld, want %ld", i, got,
			      cases[i].want);
	}
	free(r);
}
END_TEST

/* A process create translated, with the command line as one argument. */
START_TEST(test_translate_process)
{
	struct zj_win_pipeline p;
	struct zj_policy *policy;
	size_t len;
	char *xml = slurp(FIXTURES "t1053.005-processcreate-schtasks.xml", &len);
	int translated;

	ck_assert_int_eq(zj_policy_new_default(&policy), 0);
	ck_assert_int_eq(zj_win_pipeline_init(&p, policy), 0);
	ck_assert_int_eq(zj_win_pipeline_handle(&p, xml, len, &translated), (long)len - 1);
	ck_assert_int_eq(translated, 1);
	ck_assert_uint_eq(p.ev.type, ZJ_EV_WIN_PROCESS);
	ck_assert_uint_eq(p.ev.actor.pid, 4410);
	ck_assert_uint_eq(p.ev.actor.ppid, 6120);
	ck_assert_str_eq(p.ev.actor.comm, "schtasks.exe");
	ck_assert_uint_eq(p.ev.exec.argc, 1);
	ck_assert_uint_eq(p.ev.exec.args.ptr[p.ev.exec.args.len - 1], '\0');
	ck_assert_uint_eq(p.ctx.n_ancestors, 1);
	ck_assert_uint_eq(p.ctx.ancestors[0].pid, 6120);
	ck_assert_uint_eq(p.ev.seq, 1013); /* its EventRecordID */
	ck_assert_int_eq(p.ev.time_ns, 1795846800123456700LL);
	zj_win_pipeline_done(&p);
	zj_policy_free(policy);
	free(xml);
}
END_TEST

/*
 * Every fixture: the last event in the file decides.  expect.tsv: file, the technique of the
 * first finding ("-": none), the default policy's action, benign (1) / removal (r) / 0.
 */
START_TEST(test_fixtures)
{
	size_t tlen, count = 0;
	char *tsv = slurp(FIXTURES "expect.tsv", &tlen), *next;
	struct zj_policy *policy;

	ck_assert_int_eq(zj_policy_new_default(&policy), 0);
	for (char *line = tsv; line && *line; line = next) {
		char file[128], tech[32], action[16], flag[4], path[256];
		struct zj_win_pipeline p;
		struct json_object *j, *findings = NULL;
		size_t len, off = 0;
		char *xml;
		int translated = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		ck_assert_int_eq(sscanf(line, "%127s %31s %15s %3s", file, tech, action, flag), 4);
		snprintf(path, sizeof(path), FIXTURES "%s", file);
		xml = slurp(path, &len);
		ck_assert_int_eq(zj_win_pipeline_init(&p, policy), 0);
		ck_assert_int_eq(zj_win_proctab_new(&p.proctab), 0);
		/* Each event in turn; the state after the last one is checked. */
		while (off < len && strstr(xml + off, "<Event ")) {
			int t;
			long used = zj_win_pipeline_handle(&p, xml + off, len - off, &t);

			ck_assert_msg(used > 0, "%s: %ld", file, used);
			ck_assert_msg(t, "%s: an event was not translated", file);
			translated = 1;
			off += (size_t)used;
		}
		ck_assert_msg(translated, "%s: nothing translated", file);
		/* The line is JSON, and says what the findings say. */
		j = json_tokener_parse(p.out.data);
		ck_assert_msg(j, "%s: not JSON: %s", file, p.out.data);
		json_object_object_get_ex(j, "findings", &findings);
		if (strcmp(tech, "-") == 0) {
			ck_assert_msg(p.n_findings == 0, "%s: unexpected %s: %s", file,
				      p.n_findings ? p.findings[0].technique : "", p.out.data);
			ck_assert_ptr_null(findings);
		} else {
			struct json_object *f0, *v;

			ck_assert_msg(p.n_findings >= 1, "%s: no finding, want %s: %s", file, tech,
				      p.out.data);
			ck_assert_msg(strcmp(p.findings[0].technique, tech) == 0, "%s: %s, want %s",
				      file, p.findings[0].technique, tech);
			ck_assert_msg(strcmp(zj_action_name(p.decisions[0].action), action) == 0,
				      "%s: action %s (%s), want %s", file,
				      zj_action_name(p.decisions[0].action), p.decisions[0].why,
				      action);
			ck_assert_msg(!!(p.findings[0].flags & ZJ_FIND_BENIGN) == (flag[0] == '1'),
				      "%s: benign flag %u: %s", file, p.findings[0].flags,
				      p.findings[0].benign);
			ck_assert_msg(!!(p.findings[0].flags & ZJ_FIND_REMOVAL) == (flag[0] == 'r'),
				      "%s: removal flag", file);
			ck_assert_ptr_nonnull(findings);
			f0 = json_object_array_get_idx(findings, 0);
			ck_assert(json_object_object_get_ex(f0, "technique", &v));
			ck_assert_str_eq(json_object_get_string(v), tech);
			/* English and Chinese names from the Windows catalog */
			ck_assert(json_object_object_get_ex(f0, "name", &v));
			ck_assert(json_object_object_get_ex(f0, "name_zh", &v));
			ck_assert_int_gt(json_object_get_string_len(v), 0);
			ck_assert(json_object_object_get_ex(f0, "reason", &v));
			printf("  %-52s %s %s: %s\n", file, tech, action,
			       json_object_get_string(v));
		}
		json_object_put(j);
		zj_win_proctab_free(p.proctab);
		zj_win_pipeline_done(&p);
		free(xml);
		count++;
	}
	ck_assert_uint_ge(count, 30);
	zj_policy_free(policy);
	free(tsv);
}
END_TEST

START_TEST(test_catalog_windows)
{
	static const char *const ids[] = {"T1055.001", "T1055.002", "T1055.003", "T1055.004",
					  "T1055.012", "T1055.013", "T1053.005", "T1543.003",
					  "T1547.001", "T1546.010", "T1574.001"};
	const struct zj_technique *t;

	ck_assert_str_eq(zj_catalog_platform(), "windows");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		ck_assert_int_eq(zj_catalog_find(ids[i], &t), 0);
		ck_assert_ptr_nonnull(t->name);
		ck_assert_msg(t->name_zh, "%s has no Chinese name", ids[i]);
		ck_assert_uint_eq(t->capability, ZJ_CAP_ENFORCE);
	}
	/* Linux-only entries are not in the Windows catalog. */
	ck_assert_int_eq(zj_catalog_find("T1055.008", &t), -ZJ_ENOENT);
	ck_assert_int_eq(zj_catalog_find("T1543.002", &t), -ZJ_ENOENT);
}
END_TEST

/* A block decision stops the actor: a real process, terminated, after the fact. */
START_TEST(test_enforce_terminate)
{
	STARTUPINFOW si = {.cb = sizeof(si)};
	PROCESS_INFORMATION pi;
	wchar_t cmd[MAX_PATH + 32], *slash;
	struct zj_event ev = {.type = ZJ_EV_WIN_REMOTE_THREAD};
	struct zj_finding f = {.technique = "T1055.001"};
	int mode = ZJ_WIN_ENFORCE_TERMINATE;
	const char *response = NULL;
	DWORD code = 0;

	/* zj-sleeper.exe is built beside this program. */
	ck_assert_uint_gt(GetModuleFileNameW(NULL, cmd, MAX_PATH), 0);
	slash = wcsrchr(cmd, L'\\');
	ck_assert_ptr_nonnull(slash);
	wcscpy(slash + 1, L"zj-sleeper.exe");
	ck_assert_msg(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi),
		      "cannot start zj-sleeper.exe: %lu", (unsigned long)GetLastError());
	ev.actor.pid = pi.dwProcessId;
	snprintf(ev.actor.comm, sizeof(ev.actor.comm), "zj-sleeper.exe");
	ck_assert_int_eq(zj_win_enforce(&ev, &f, &response, &mode), 0);
	ck_assert_str_eq(response, "the actor was terminated (after the fact)");
	ck_assert_uint_eq(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
	ck_assert(GetExitCodeProcess(pi.hProcess, &code));
	ck_assert_uint_eq(code, 0x5a4a);
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	/* Critical processes and zhijia itself are refused. */
	ev.actor.pid = GetCurrentProcessId();
	ck_assert_int_eq(zj_win_enforce(&ev, &f, &response, &mode), -ZJ_EOPNOTSUPP);
	ev.actor.pid = 1234;
	snprintf(ev.actor.comm, sizeof(ev.actor.comm), "lsass.exe");
	ck_assert_int_eq(zj_win_enforce(&ev, &f, &response, &mode), -ZJ_EOPNOTSUPP);
}
END_TEST

static int calls;
static int count_enforce(const struct zj_event *ev, const struct zj_finding *f,
			 const char **ret_response, void *userdata)
{
	(void)ev;
	(void)f;
	(void)userdata;
	calls++;
	*ret_response = "counted";
	return 0;
}

/* The same policy tree and actions as Linux: block set on a Windows sub-technique. */
START_TEST(test_policy_block)
{
	struct zj_win_pipeline p;
	struct zj_policy *policy;
	char err[ZJ_POLICY_ERR_MAX];
	size_t len;
	char *xml = slurp(FIXTURES "t1055.001-createremotethread-loadlibrary.xml", &len);
	int translated;

	ck_assert_int_eq(zj_policy_new_default(&policy), 0);
	ck_assert_msg(zj_policy_set(policy, "T1055.001", "block", err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(zj_win_pipeline_init(&p, policy), 0);
	p.enforce = count_enforce;
	calls = 0;
	ck_assert_int_gt(zj_win_pipeline_handle(&p, xml, len, &translated), 0);
	ck_assert_int_eq(p.n_findings, 1);
	ck_assert_uint_eq(p.decisions[0].action, ZJ_ACTION_BLOCK);
	ck_assert_int_eq(p.enforced[0], 1);
	ck_assert_int_eq(calls, 1);
	ck_assert_ptr_nonnull(strstr(p.out.data, "\"response\":\"counted\""));
	/* off drops the finding */
	ck_assert_int_eq(zj_policy_set(policy, "T1055.001", "off", err, sizeof(err)), 0);
	ck_assert_int_gt(zj_win_pipeline_handle(&p, xml, len, &translated), 0);
	ck_assert_int_eq(p.n_findings, 0);
	ck_assert_int_eq(calls, 1);
	zj_win_pipeline_done(&p);
	zj_policy_free(policy);
	free(xml);
}
END_TEST

/*
 * The live subscription: under Wine there is no Sysmon and no channel of that name.  What can
 * be checked is that EvtSubscribe is called for real and its failure is reported, not hidden.
 */
START_TEST(test_subscribe)
{
	struct zj_win_pipeline p;
	struct zj_policy *policy;
	char msg[512] = "";
	int r;

	ck_assert_int_eq(zj_policy_new_default(&policy), 0);
	ck_assert_int_eq(zj_win_pipeline_init(&p, policy), 0);
	r = zj_win_subscribe(&p, 1, msg, sizeof(msg));
	printf("  subscribe: %d: %s\n", r, msg);
	if (r < 0)
		ck_assert_ptr_nonnull(
			strstr(msg, "EvtSubscribe(Microsoft-Windows-Sysmon/Operational)"));
	else
		ck_assert_ptr_nonnull(strstr(msg, "events"));
	zj_win_pipeline_done(&p);
	zj_policy_free(policy);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sysmon");
	TCase *tc = tcase_create("windows");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_parse_minimal);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_translate_process);
	tcase_add_test(tc, test_fixtures);
	tcase_add_test(tc, test_catalog_windows);
	tcase_add_test(tc, test_enforce_terminate);
	tcase_add_test(tc, test_policy_block);
	tcase_add_test(tc, test_subscribe);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
