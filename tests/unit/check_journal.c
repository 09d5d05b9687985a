/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The journald fields of an alert (daemon/journal.c), byte for byte: they are written without
 * vsnprintf() (every alert has them), and what journald keeps must not change with that --
 * MESSAGE_ID above all, which journald catalogs and the package's catalog file
 * (packaging/catalog) are keyed on.  Fixtures from recorded events: a cron file renamed into
 * /etc/cron.d (a file record's fields), a write into another process's memory blocked but not
 * enforced (target, Chinese name, benign, the policy note), a symlink, an exec with
 * LD_PRELOAD, a record with a command line larger than the whole entry may be, and the
 * summaries of coalesced alerts.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/bpf_abi.h"
#include "zhijia/catalog.h"
#include "../../daemon/journal.h"

/* All fields of j as "NAME=value\n" lines, into a heap string. */
static char *joined(const struct zj_jfields *j)
{
	size_t len = 1, off = 0;
	char *s;

	for (size_t i = 0; i < j->n; i++)
		len += j->iov[i].iov_len + 1;
	s = malloc(len);
	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < j->n; i++) {
		memcpy(s + off, j->iov[i].iov_base, j->iov[i].iov_len);
		off += j->iov[i].iov_len;
		s[off++] = '\n';
	}
	s[off] = '\0';
	return s;
}

static void assert_fields(const struct zj_jfields *j, const char *want)
{
	char *got = joined(j);

	ck_assert_str_eq(got, want);
	free(got);
}

static struct zj_str view(const char *s, size_t len)
{
	return (struct zj_str){s, len};
}

#define VIEW(lit) view("" lit, sizeof(lit) - 1)

/* The event of the README's example: mv renames a cron file into /etc/cron.d. */
static void cron_rename(struct zj_event *ev, struct zj_finding *f, struct zj_decision *d)
{
	memset(ev, 0, sizeof(*ev));
	memset(f, 0, sizeof(*f));
	memset(d, 0, sizeof(*d));
	ev->type = ZJ_EV_FILE;
	ev->seq = 86;
	ev->actor.pid = 8859;
	ev->actor.uid = 0;
	snprintf(ev->actor.comm, sizeof(ev->actor.comm), "mv");
	ev->actor.exe = VIEW("/usr/bin/mv");
	/* argv as the record has it: each argument NUL-terminated */
	ev->actor.cmdline = VIEW("mv\0/etc/cron.d/zj-manual\0/etc/cron.d/zj-manual2\0");
	ev->file.op = ZJ_FOP_RENAME;
	ev->file.path = VIEW("/etc/cron.d/zj-manual2");
	ev->file.path2 = VIEW("/etc/cron.d/zj-manual");
	snprintf(f->technique, sizeof(f->technique), "T1053.003");
	f->severity = ZJ_SEV_MEDIUM;
	snprintf(f->reason, sizeof(f->reason),
		 "pid 8859 mv (/usr/bin/mv) renamed /etc/cron.d/zj-manual to "
		 "/etc/cron.d/zj-manual2: a cron table in /etc/cron.d");
	d->action = ZJ_ACTION_ALERT;
	d->configured = ZJ_ACTION_DEFAULT;
	snprintf(d->why, sizeof(d->why),
		 "default: target is a system process (system-wide persistence)");
}

static const char cron_rename_fields[] =
	"MESSAGE_ID=df1dd9314559e913ff151a3587a5fa00\n"
	"SYSLOG_IDENTIFIER=zhijiad\n"
	"ZHIJIA_TECHNIQUE=T1053.003\n"
	"ZHIJIA_TECHNIQUE_NAME=Cron\n"
	"MESSAGE=T1053.003 Cron: pid 8859 mv (/usr/bin/mv) renamed /etc/cron.d/zj-manual to "
	"/etc/cron.d/zj-manual2: a cron table in /etc/cron.d [alert]\n"
	"PRIORITY=4\n"
	"ZHIJIA_TACTIC=TA0002\n"
	"ZHIJIA_TACTIC_NAME=Execution\n"
	"ZHIJIA_ACTION=alert\n"
	"ZHIJIA_CONFIGURED=default\n"
	"ZHIJIA_WHY=default: target is a system process (system-wide persistence)\n"
	"ZHIJIA_SEVERITY=medium\n"
	"ZHIJIA_REASON=pid 8859 mv (/usr/bin/mv) renamed /etc/cron.d/zj-manual to "
	"/etc/cron.d/zj-manual2: a cron table in /etc/cron.d\n"
	"ZHIJIA_EVENT=file\n"
	"ZHIJIA_EVENT_SEQ=86\n"
	"ZHIJIA_ACTOR_PID=8859\n"
	"ZHIJIA_ACTOR_UID=0\n"
	"ZHIJIA_ACTOR_COMM=mv\n"
	"ZHIJIA_ACTOR_EXE=/usr/bin/mv\n"
	"ZHIJIA_ACTOR_CMDLINE=mv /etc/cron.d/zj-manual /etc/cron.d/zj-manual2\n"
	"ZHIJIA_PATH=/etc/cron.d/zj-manual2\n"
	"ZHIJIA_OLD_PATH=/etc/cron.d/zj-manual\n"
	"ZHIJIA_POLICY_HASH=d6b6b33b463da172\n";

START_TEST(test_file_alert)
{
	static struct zj_jfields j;
	const struct zj_technique *t;
	struct zj_event ev;
	struct zj_finding f;
	struct zj_decision d;

	cron_rename(&ev, &f, &d);
	/* the decision carries no catalog entry (a deny's): looked up by id */
	zj_journal_alert_fields(&j, &ev, &f, &d, NULL, "d6b6b33b463da172");
	assert_fields(&j, cron_rename_fields);
	/* ... or zj_policy_decide()'s: the same fields */
	ck_assert_int_eq(zj_catalog_find("T1053.003", &t), 0);
	d.technique = t;
	memset(&j, 0xa5, sizeof(j));
	zj_journal_alert_fields(&j, &ev, &f, &d, NULL, "d6b6b33b463da172");
	assert_fields(&j, cron_rename_fields);
}
END_TEST

START_TEST(test_block_target)
{
	static struct zj_jfields j;
	struct zj_event ev;
	struct zj_finding f;
	struct zj_decision d;
	char *s;

	memset(&ev, 0, sizeof(ev));
	memset(&f, 0, sizeof(f));
	memset(&d, 0, sizeof(d));
	ev.type = ZJ_EV_MEM_WRITE;
	ev.flags = ZJ_EVF_HAS_TARGET;
	ev.seq = 18446744073709551615ULL;
	ev.actor.pid = 4294967295u;
	ev.actor.uid = 1000;
	/* a comm of 16 bytes without a NUL: all 16 are sent */
	memcpy(ev.actor.comm, "0123456789abcdef", 16);
	ev.actor.exe = VIEW("/tmp/inj");
	ev.actor.cmdline = VIEW("./inj\0-p\0\0"
				"42\0");
	ev.target.pid = 42;
	ev.target.exe = VIEW("/usr/sbin/sshd");
	ev.target.cmdline = VIEW("sshd: /usr/sbin/sshd -D [listener]\0");
	snprintf(f.technique, sizeof(f.technique), "T1055.009");
	f.severity = ZJ_SEV_HIGH;
	snprintf(f.reason, sizeof(f.reason), "pid 4294967295 wrote into sshd (pid 42)\nline 2");
	snprintf(f.benign, sizeof(f.benign), "debugger on its own child");
	d.action = ZJ_ACTION_BLOCK;
	d.configured = ZJ_ACTION_BLOCK;
	snprintf(d.why, sizeof(d.why), "policy: block");
	zj_journal_alert_fields(&j, &ev, &f, &d, "policy changed since", NULL);
	assert_fields(&j,
		      "MESSAGE_ID=d4d1d61015a681cfa41d905bfc578344\n"
		      "SYSLOG_IDENTIFIER=zhijiad\n"
		      "ZHIJIA_TECHNIQUE=T1055.009\n"
		      "ZHIJIA_TECHNIQUE_NAME=Proc Memory\n"
		      "ZHIJIA_TECHNIQUE_NAME_ZH=利用Proc内存注入\n"
		      "MESSAGE=T1055.009 Proc Memory (利用Proc内存注入): pid 4294967295 wrote into "
		      "sshd (pid 42)\nline 2 [block requested, NOT enforced: it went ahead]\n"
		      "PRIORITY=3\n"
		      "ZHIJIA_TACTIC=TA0004\n"
		      "ZHIJIA_TACTIC_NAME=Privilege Escalation\n"
		      "ZHIJIA_ACTION=block\n"
		      "ZHIJIA_CONFIGURED=block\n"
		      "ZHIJIA_ENFORCED=no\n"
		      "ZHIJIA_WHY=policy: block\n"
		      "ZHIJIA_SEVERITY=high\n"
		      "ZHIJIA_REASON=pid 4294967295 wrote into sshd (pid 42)\nline 2\n"
		      "ZHIJIA_BENIGN=debugger on its own child\n"
		      "ZHIJIA_EVENT=mem_write\n"
		      "ZHIJIA_EVENT_SEQ=18446744073709551615\n"
		      "ZHIJIA_ACTOR_PID=4294967295\n"
		      "ZHIJIA_ACTOR_UID=1000\n"
		      "ZHIJIA_ACTOR_COMM=0123456789abcdef\n"
		      "ZHIJIA_ACTOR_EXE=/tmp/inj\n"
		      "ZHIJIA_ACTOR_CMDLINE=./inj -p  42\n"
		      "ZHIJIA_TARGET_PID=42\n"
		      "ZHIJIA_TARGET_EXE=/usr/sbin/sshd\n"
		      "ZHIJIA_TARGET_CMDLINE=sshd: /usr/sbin/sshd -D [listener]\n"
		      "ZHIJIA_POLICY=policy changed since\n");
	/* enforced */
	d.flags = ZJ_DECISION_ENFORCED;
	zj_journal_alert_fields(&j, &ev, &f, &d, NULL, NULL);
	s = joined(&j);
	ck_assert_ptr_nonnull(strstr(s, "(pid 42)\nline 2 [blocked]\nPRIORITY=3\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nZHIJIA_ENFORCED=yes\n"));
	free(s);
}
END_TEST

START_TEST(test_symlink_exec)
{
	static struct zj_jfields j;
	struct zj_event ev;
	struct zj_finding f;
	struct zj_decision d;
	char *s;

	cron_rename(&ev, &f, &d);
	ev.file.op = ZJ_FOP_SYMLINK;
	ev.file.path = VIEW("/etc/cron.d/x");
	ev.file.path2 = VIEW("/tmp/\0evil");
	f.severity = ZJ_SEV_LOW;
	d.action = ZJ_ACTION_RECORD;
	zj_journal_alert_fields(&j, &ev, &f, &d, NULL, NULL);
	s = joined(&j);
	ck_assert_ptr_nonnull(strstr(s, "PRIORITY=5\n"));
	ck_assert_ptr_nonnull(
		strstr(s, "\nZHIJIA_PATH=/etc/cron.d/x\nZHIJIA_LINK_TARGET=/tmp/ evil\n"));
	ck_assert_ptr_null(strstr(s, "OLD_PATH"));
	ck_assert_ptr_nonnull(strstr(s, "/etc/cron.d [record]\n"));
	free(s);

	/* an exec with LD_PRELOAD: the value, no path fields; an unknown technique: no names */
	memset(&ev, 0, sizeof(ev));
	ev.type = ZJ_EV_EXEC;
	ev.flags = ZJ_EVF_LD_PRELOAD;
	ev.exec.ld_preload = VIEW("/tmp/a.so:/tmp/b.so");
	snprintf(f.technique, sizeof(f.technique), "T9999.999");
	f.severity = ZJ_SEV_CRITICAL;
	snprintf(f.reason, sizeof(f.reason), "r");
	f.benign[0] = '\0';
	d.why[0] = '\0';
	zj_journal_alert_fields(&j, &ev, &f, &d, NULL, NULL);
	assert_fields(&j, "MESSAGE_ID=8b2c46bfb26d7b52650169864572d529\n"
			  "SYSLOG_IDENTIFIER=zhijiad\n"
			  "ZHIJIA_TECHNIQUE=T9999.999\n"
			  "MESSAGE=T9999.999 : r [record]\n"
			  "PRIORITY=2\n"
			  "ZHIJIA_ACTION=record\n"
			  "ZHIJIA_CONFIGURED=default\n"
			  "ZHIJIA_SEVERITY=critical\n"
			  "ZHIJIA_REASON=r\n"
			  "ZHIJIA_EVENT=exec\n"
			  "ZHIJIA_EVENT_SEQ=0\n"
			  "ZHIJIA_ACTOR_PID=0\n"
			  "ZHIJIA_ACTOR_UID=0\n"
			  "ZHIJIA_ACTOR_COMM=\n"
			  "ZHIJIA_LD_PRELOAD=/tmp/a.so:/tmp/b.so\n");
}
END_TEST

/* A field larger than the entry's room is left out; the ones after it are not. */
START_TEST(test_too_large)
{
	static struct zj_jfields j;
	static char big[ZJ_JFIELDS_BYTES];
	struct zj_event ev;
	struct zj_finding f;
	struct zj_decision d;
	size_t before = 0, total = 0, i;
	char *s;

	cron_rename(&ev, &f, &d);
	memset(big, 'a', sizeof(big));
	ev.actor.cmdline = view(big, sizeof(big) - 200);
	zj_journal_alert_fields(&j, &ev, &f, &d, NULL, "d6b6b33b463da172");
	s = joined(&j);
	ck_assert_ptr_null(strstr(s, "ZHIJIA_ACTOR_CMDLINE="));
	ck_assert_ptr_nonnull(strstr(s, "\nZHIJIA_ACTOR_EXE=/usr/bin/mv\nZHIJIA_PATH="));
	ck_assert_ptr_nonnull(strstr(s, "\nZHIJIA_POLICY_HASH=d6b6b33b463da172\n"));
	free(s);
	/* the bytes of the fields before the command line */
	for (i = 0; i < j.n; i++) {
		if (!strncmp(j.iov[i].iov_base, "ZHIJIA_PATH=", 12))
			break;
		before += j.iov[i].iov_len;
	}
	/* a command line that fits with 10 bytes to spare: the fields after it do not */
	ev.actor.cmdline =
		view(big, ZJ_JFIELDS_BYTES - before - strlen("ZHIJIA_ACTOR_CMDLINE=") - 10);
	zj_journal_alert_fields(&j, &ev, &f, &d, NULL, "d6b6b33b463da172");
	s = joined(&j);
	ck_assert_ptr_nonnull(strstr(s, "\nZHIJIA_ACTOR_CMDLINE=aaaa"));
	ck_assert_ptr_null(strstr(s, "ZHIJIA_PATH="));
	ck_assert_ptr_null(strstr(s, "ZHIJIA_POLICY_HASH="));
	free(s);
	for (i = 0; i < j.n; i++)
		total += j.iov[i].iov_len;
	ck_assert_uint_eq(total, ZJ_JFIELDS_BYTES - 10);
	ck_assert_uint_le(j.n, ZJ_JFIELDS_MAX);
}
END_TEST

START_TEST(test_coalesced)
{
	static struct zj_jfields j;
	struct zj_coalesced c;

	memset(&c, 0, sizeof(c));
	snprintf(c.technique, sizeof(c.technique), "T1053.003");
	c.action = ZJ_ACTION_ALERT;
	c.severity = ZJ_SEV_MEDIUM;
	c.count = 1234;
	c.first_seq = 10;
	c.last_seq = 5000;
	c.last_pid = 777;
	snprintf(c.last_comm, sizeof(c.last_comm), "zj-syscalls");
	snprintf(c.policy_hash, sizeof(c.policy_hash), "d6b6b33b463da172");
	zj_journal_coalesced_fields(&j, &c);
	assert_fields(&j,
		      "MESSAGE_ID=df1dd9314559e913ff151a3587a5fa00\n"
		      "SYSLOG_IDENTIFIER=zhijiad\n"
		      "ZHIJIA_TECHNIQUE=T1053.003\n"
		      "ZHIJIA_TECHNIQUE_NAME=Cron\n"
		      "MESSAGE=T1053.003 Cron: 1234 more alert alerts (events 10 to 5000, last by "
		      "zj-syscalls pid 777) not sent one by one (a storm); each is in the event "
		      "log\n"
		      "PRIORITY=4\n"
		      "ZHIJIA_ACTION=alert\n"
		      "ZHIJIA_SEVERITY=medium\n"
		      "ZHIJIA_COALESCED=1234\n"
		      "ZHIJIA_FIRST_EVENT_SEQ=10\n"
		      "ZHIJIA_LAST_EVENT_SEQ=5000\n"
		      "ZHIJIA_ACTOR_PID=777\n"
		      "ZHIJIA_ACTOR_COMM=zj-syscalls\n"
		      "ZHIJIA_POLICY_HASH=d6b6b33b463da172\n");
	c.technique[0] = '\0';
	c.policy_hash[0] = '\0';
	zj_journal_coalesced_fields(&j, &c);
	assert_fields(&j, "MESSAGE=1234 more alerts of further techniques (events 10 to 5000, last "
			  "by zj-syscalls pid 777) not sent one by one (a storm); each is in the "
			  "event log\n"
			  "PRIORITY=4\n"
			  "SYSLOG_IDENTIFIER=zhijiad\n"
			  "ZHIJIA_COALESCED=1234\n"
			  "ZHIJIA_FIRST_EVENT_SEQ=10\n"
			  "ZHIJIA_LAST_EVENT_SEQ=5000\n");
}
END_TEST

/* MESSAGE_ID as it was defined: FNV-1a, two offset bases, of snprintf's "zhijia/%s" in 64. */
static uint64_t ref_fnv(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void ref_message_id(const char *technique, char ret[ZJ_MESSAGE_ID_LEN + 1])
{
	char key[64];

	snprintf(key, sizeof(key), "zhijia/%s", technique);
	snprintf(ret, ZJ_MESSAGE_ID_LEN + 1, "%016llx%016llx",
		 (unsigned long long)ref_fnv(key, 0xcbf29ce484222325ULL),
		 (unsigned long long)ref_fnv(key, 0x6c62272e07bb0142ULL));
}

START_TEST(test_message_id)
{
	static const char *const odd[] = {
		"",
		"yara-match",
		"T1055.008",
		"\xff\xfe",
		"x",
		/* longer than the key's 63 bytes: only the first 56 bytes count */
		"0123456789012345678901234567890123456789012345678901234567890123456789",
		"01234567890123456789012345678901234567890123456789012345",
		"012345678901234567890123456789012345678901234567890123456",
	};
	char got[ZJ_MESSAGE_ID_LEN + 1], want[ZJ_MESSAGE_ID_LEN + 1];

	for (size_t i = 0; i < zj_catalog_count(); i++) {
		const char *id = zj_catalog_at(i)->id;

		zj_message_id(id, got);
		ref_message_id(id, want);
		ck_assert_str_eq(got, want);
	}
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		memset(got, 'z', sizeof(got));
		zj_message_id(odd[i], got);
		ref_message_id(odd[i], want);
		ck_assert_str_eq(got, want);
	}
	zj_message_id(odd[5], got);
	zj_message_id(odd[6], want);
	ck_assert_str_eq(got, want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("fields");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_file_alert);
	tcase_add_test(tc, test_block_target);
	tcase_add_test(tc, test_symlink_exec);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_coalesced);
	tcase_add_test(tc, test_message_id);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
