/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fleet integration tests (issue 13), as root on the real kernel, with the real tools:
 *
 *  - journald round trip: systemd-journal-remote listens on loopback as the collector,
 *    systemd-journal-upload sends this host's journal to it, a real /etc/cron.d file raises an
 *    alert in zhijiad, and the alert is found in the collector's journal file with every
 *    ZHIJIA_* field the local journal has, value for value.
 *  - rsyslog: rsyslogd (imjournal -> omfwd over TCP, the README's snippet) forwards the alert to
 *    a loopback listener of this test, which finds its ZHIJIA_* fields.
 *  - declarative policy on the live daemon: export, --diff (nothing changes), apply (status and
 *    the next finding carry the new hash), apply of a file with one bad entry (nothing
 *    changes), apply again (nothing to change), and export -> apply on a fresh policy file ->
 *    an identical export.
 *  - formats: `zhijiactl events --format ocsf|ecs` on the live log and `zhijiad
 *    --output-format ecs`, checked for the fields their schemas require.
 *  - metrics: `zhijiactl status --prometheus` and the --metrics-file zhijiad rewrites.
 *  - SOAR: a rule dropped into the ARR inbox (zhijiad --arr-root) yields a result document of
 *    schema zhijia.arr.result v1 with the rule's sha256, this host's machine id, times and each
 *    action's outcome.
 *
 * A test that needs a tool the machine lacks (journal-remote, rsyslogd) skips it with a message;
 * packaging/deps-debian.sh installs them.  Every process started here is stopped by pid.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CROND "/etc/cron.d"
#define JOURNAL_REMOTE "/lib/systemd/systemd-journal-remote"
#define JOURNAL_UPLOAD "/lib/systemd/systemd-journal-upload"
#define RSYSLOGD "/usr/sbin/rsyslogd"
#define JOURNALCTL "/usr/bin/journalctl"
#define SYSTEMD_CAT "/usr/bin/systemd-cat"
#define CTL_TIMEOUT_MS 15000
#define WAIT_MS 20000
#define EVENTS_TIMEOUT_MS 100000

static const char *const test_dirs[] = {CROND, NULL};

/* The test program's state (a main() file). */
static struct zj_daemon zd;
static int zd_r = -ENOTCONN;
static bool zd_problem; /* it did not stop cleanly (ASan: a leak or an error) */
static char setup_problem[2 * PATH_MAX];
static char work[128], sock_path[192], policy_path[192], arr_root[192], metrics_path[192];
static char ctl_path[PATH_MAX + 16];

/* ---- helpers ------------------------------------------------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void rm_rf(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/rm", "rm", "-rf", "--one-file-system", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		(void)waitpid(pid, NULL, 0);
}

/* The whole file (NUL-terminated), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

/*
 * zhijiactl --socket S --policy P ARGS...: exit code, outputs in *c (caller frees).  Reading
 * the event log takes longer: it has every event of this busy machine (ASan build: more).
 */
static int ctl_t(struct zj_cmd *c, const char *const *args, int timeout_ms)
{
	const char *argv[32];
	size_t n = 0;

	argv[n++] = ctl_path;
	argv[n++] = "--socket";
	argv[n++] = sock_path;
	argv[n++] = "--policy";
	argv[n++] = policy_path;
	for (; *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	int r = zj_cmd_run(c, argv, (uid_t)-1, (gid_t)-1, timeout_ms);
	ck_assert_msg(r == 0, "zhijiactl %s: %s", args[0], strerror(-r));
	return WIFEXITED(c->status) ? WEXITSTATUS(c->status) : 128;
}
#define CTL(c, ...) ctl_t((c), (const char *const[]){__VA_ARGS__, NULL}, CTL_TIMEOUT_MS)
#define CTL_LOG(c, ...) ctl_t((c), (const char *const[]){__VA_ARGS__, NULL}, EVENTS_TIMEOUT_MS)

/* "a.b.0.c": objects by key, arrays by index. */
static json_object *jpath(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		json_object *v = NULL;

		if (n >= sizeof(key))
			return NULL;
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

static const char *jstr(json_object *o, const char *path)
{
	json_object *v = jpath(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void require(json_object *doc, const char *const *fields)
{
	for (size_t i = 0; fields[i]; i++)
		ck_assert_msg(jpath(doc, fields[i]) != NULL, "required field %s missing in %s",
			      fields[i], json_object_to_json_string(doc));
}

/*
 * The first line of the file at path (read again until timeout_ms) that parses as a JSON
 * object for which match() is true; NULL on timeout.  The caller puts it.
 */
static json_object *file_find(const char *path, bool (*match)(json_object *, const void *),
			      const void *arg, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	do {
		char *text = slurp(path), *p, *nl;

		for (p = text; p && *p; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			json_object *o = *p == '{' ? json_tokener_parse(p) : NULL;

			if (o && json_object_is_type(o, json_type_object) && match(o, arg)) {
				free(text);
				return o;
			}
			json_object_put(o);
		}
		free(text);
		sleep_ms(100);
	} while (now_ms() < end);
	return NULL;
}

/* A native file event of path with a finding. */
static bool is_file_finding(json_object *o, const void *path)
{
	const char *p = jstr(o, "file.path");

	return p && strcmp(p, path) == 0 && jpath(o, "findings.0.technique");
}

/* A cron.d file created by zj-trigger: the alert under the built-in policy. */
static void cron_alert(const char *tag, char *path, size_t len, json_object **ret_line)
{
	struct zj_run r;

	zj_test_path(path, len, CROND, tag);
	ZJ_TRIGGER(&r, "file-touch", path);
	zj_run_done(&r);
	*ret_line = file_find(zd.log_path, is_file_finding, path, WAIT_MS);
	ck_assert_msg(*ret_line, "no finding for %s in %s", path, zd.log_path);
	ck_assert_str_eq(jstr(*ret_line, "findings.0.technique"), "T1053.003");
	ck_assert_str_eq(jstr(*ret_line, "findings.0.action"), "alert");
}

/* A free TCP port on 127.0.0.1 (bound and released: a race with others is unlikely). */
static int free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Start argv (no shell), stdout and stderr to out_path.  The pid. */
static pid_t spawn(const char *const *argv, const char *out_path)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* SIGTERM, then SIGKILL after 5 s; reaped. */
static void stop_pid(pid_t pid)
{
	int st;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		sleep_ms(50);
	}
	kill(pid, SIGKILL);
	(void)waitpid(pid, &st, 0);
}

static bool tool_missing(const char *path, const char *package)
{
	if (access(path, X_OK) == 0)
		return false;
	fprintf(stderr, "check_fleet: SKIP: %s is not installed (Debian package %s; "
			"packaging/deps-debian.sh installs it)\n",
		path, package);
	return true;
}

/*
 * The alert's entry in the local journal: its ZHIJIA_* fields.  By seq and the fixture's pid:
 * other zhijiads on this machine number their events too.
 */
static json_object *local_alert(const char *seq)
{
	char m_seq[64], m_pid[32];
	json_object *arr = NULL, *e;

	snprintf(m_seq, sizeof(m_seq), "ZHIJIA_EVENT_SEQ=%s", seq);
	snprintf(m_pid, sizeof(m_pid), "_PID=%d", (int)zd.pid);
	for (int i = 0; i < 50; i++) {
		(void)zj_journal_sync();
		ck_assert_int_eq(zj_journal_query((const char *const[]){"SYSLOG_IDENTIFIER=zhijiad",
									m_seq, m_pid, NULL},
						  &arr),
				 0);
		if (json_object_array_length(arr) > 0)
			break;
		json_object_put(arr);
		arr = NULL;
		sleep_ms(100);
	}
	ck_assert_msg(arr, "the alert of event %s is not in the local journal", seq);
	e = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return e;
}

/* The latest cursor of the local journal (upload starts after it). */
static void journal_cursor(char *buf, size_t len)
{
	struct zj_cmd c;
	const char *argv[] = {JOURNALCTL, "-n", "1", "-o", "json", "--all", "-q", NULL};
	json_object *o, *v;

	ck_assert_int_eq(zj_cmd_run(&c, argv, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS), 0);
	o = json_tokener_parse(c.out);
	ck_assert_msg(o && json_object_object_get_ex(o, "__CURSOR", &v), "no cursor: %s", c.out);
	snprintf(buf, len, "%s", json_object_get_string(v));
	json_object_put(o);
	zj_cmd_free(&c);
}

/* Every ZHIJIA_* field of want is in got, with the same value. */
static void same_zhijia_fields(json_object *want, json_object *got, const char *where)
{
	size_t n = 0;

	json_object_object_foreach(want, k, v)
	{
		json_object *g = NULL;

		if (strncmp(k, "ZHIJIA_", 7) != 0)
			continue;
		n++;
		ck_assert_msg(json_object_object_get_ex(got, k, &g), "%s: %s missing in %s", where,
			      k, json_object_to_json_string(got));
		ck_assert_msg(json_object_equal(v, g), "%s: %s is %s, the local journal has %s",
			      where, k, json_object_to_json_string(g),
			      json_object_to_json_string(v));
	}
	ck_assert_uint_ge(n, 15); /* technique, tactic, action, actor, path, policy hash, ... */
}

/* ---- fixture ------------------------------------------------------------------------------- */

static bool is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void suite_setup(void)
{
	char why[512];
	pid_t jpid;
	int r;

	zj_catch_signals();
	r = zj_journal_ensure(&jpid, why, sizeof(why));
	if (r < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "journald: %s", why);
		return;
	}
	r = zj_dirs_prepare(test_dirs);
	if (r < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "preparing %s: %s", CROND,
			 strerror(-r));
		return;
	}
	snprintf(work, sizeof(work), "/tmp/" ZJ_TEST_PREFIX "%d-fleet", (int)zj_main_pid());
	snprintf(sock_path, sizeof(sock_path), "%s/zhijiad.sock", work);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.json", work);
	snprintf(arr_root, sizeof(arr_root), "%s/root", work);
	snprintf(metrics_path, sizeof(metrics_path), "%s/metrics/zhijia.prom", work);
	snprintf(ctl_path, sizeof(ctl_path), "%s/zhijiactl", zj_build_dir());
	if (mkdir(work, 0755) < 0 || mkdir(arr_root, 0755) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "%s: %s", work, strerror(errno));
		return;
	}
	zd_r = zj_daemon_start(&zd, (const char *const[]){"--policy", policy_path, "--socket",
							  sock_path, "--arr-root", arr_root,
							  "--metrics-file", metrics_path,
							  "--metrics-interval", "1", NULL});
	if (zd_r < 0) {
		fprintf(stderr, "check_fleet: zhijiad did not start: %s; its stderr:\n%s\n",
			strerror(-zd_r), zd.err_text ? zd.err_text : "");
		return;
	}
	for (int i = 0; i < 200 && !is_socket(sock_path); i++)
		sleep_ms(10);
	if (!is_socket(sock_path))
		snprintf(setup_problem, sizeof(setup_problem), "no control socket at %s",
			 sock_path);
}

static void suite_teardown(void)
{
	if (zd_r == 0) {
		zj_daemon_stop(&zd);
		if (zd.stop_timed_out || !WIFEXITED(zd.status) || WEXITSTATUS(zd.status) != 0) {
			zd_problem = true;
			fprintf(stderr,
				"check_fleet: zhijiad did not stop cleanly: wait status 0x%x; its "
				"stderr:\n%s\n",
				zd.status, zd.err_text ? zd.err_text : "");
		}
	}
	zj_daemon_free(&zd);
	if (work[0])
		rm_rf(work);
	zj_cleanup();
}

static void test_setup(void)
{
	zj_test_begin();
	ck_assert_msg(!setup_problem[0], "%s", setup_problem);
	ck_assert_msg(zd_r == 0, "zhijiad did not start: %s\n%s", strerror(-zd_r),
		      zd.err_text ? zd.err_text : "");
	ck_assert_msg(kill(zd.pid, 0) == 0, "zhijiad (pid %d) is gone", (int)zd.pid);
}

static void test_teardown(void)
{
	zj_test_end();
}

/* ---- journald remote ----------------------------------------------------------------------- */

START_TEST(test_journal_remote_roundtrip)
{
	char dir[256], rjournal[300], rlog[300], ulog[300], url[64], listen[64], cursor[512];
	char path[PATH_MAX], seq[32], m_seq[64], m_pid[32];
	pid_t remote, upload;
	json_object *line, *local, *got = NULL;
	int port;
	uint64_t end;

	if (tool_missing(JOURNAL_REMOTE, "systemd-journal-remote") ||
	    tool_missing(JOURNAL_UPLOAD, "systemd-journal-remote"))
		return;
	zj_pathf(dir, sizeof(dir), "%s/collector", work);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	zj_pathf(rjournal, sizeof(rjournal), "%s/remote.journal", dir);
	zj_pathf(rlog, sizeof(rlog), "%s/remote.log", dir);
	zj_pathf(ulog, sizeof(ulog), "%s/upload.log", dir);
	port = free_port();
	ck_assert_int_gt(port, 0);
	snprintf(listen, sizeof(listen), "--listen-http=127.0.0.1:%d", port);
	snprintf(url, sizeof(url), "--url=http://127.0.0.1:%d", port);

	/* the collector */
	char out_opt[320];
	zj_pathf(out_opt, sizeof(out_opt), "--output=%s", rjournal);
	remote = spawn((const char *const[]){JOURNAL_REMOTE, listen, "--split-mode=none", out_opt,
					     NULL},
		       rlog);
	/* it listens once it has bound the port: wait for that */
	for (int i = 0; i < 100; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

		if (fd >= 0)
			close(fd);
		if (ok)
			break;
		sleep_ms(50);
	}
	/* this host's journal, from now on, to the collector */
	journal_cursor(cursor, sizeof(cursor));
	char after[600];
	snprintf(after, sizeof(after), "--after-cursor=%s", cursor);
	upload = spawn((const char *const[]){JOURNAL_UPLOAD, url, after, NULL}, ulog);

	cron_alert("jremote", path, sizeof(path), &line);
	snprintf(seq, sizeof(seq), "%" PRId64, json_object_get_int64(jpath(line, "seq")));
	json_object_put(line);
	unlink(path);
	local = local_alert(seq);

	/* the collector's journal file has it, every ZHIJIA_* field the same */
	snprintf(m_seq, sizeof(m_seq), "ZHIJIA_EVENT_SEQ=%s", seq);
	snprintf(m_pid, sizeof(m_pid), "_PID=%d", (int)zd.pid);
	char file_opt[320];
	zj_pathf(file_opt, sizeof(file_opt), "--file=%s", rjournal);
	end = now_ms() + WAIT_MS;
	while (!got && now_ms() < end) {
		struct zj_cmd c;
		const char *argv[] = {JOURNALCTL, file_opt, "-o",     "json", "--all", "-q",
				      "--no-pager", "SYSLOG_IDENTIFIER=zhijiad", m_seq, m_pid, NULL};

		if (zj_cmd_run(&c, argv, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS) == 0 && c.out &&
		    c.out[0] == '{')
			got = json_tokener_parse(c.out);
		zj_cmd_free(&c);
		if (!got)
			sleep_ms(200);
	}
	stop_pid(upload);
	stop_pid(remote);
	if (!got) {
		char *rl = slurp(rlog), *ul = slurp(ulog);

		ck_abort_msg("the alert (ZHIJIA_EVENT_SEQ=%s) did not reach the collector's "
			     "journal %s within %d ms; journal-remote said: %s; journal-upload "
			     "said: %s",
			     seq, rjournal, WAIT_MS, rl ? rl : "", ul ? ul : "");
	}
	same_zhijia_fields(local, got, "collector");
	ck_assert_str_eq(jstr(got, "ZHIJIA_TECHNIQUE"), "T1053.003");
	ck_assert_str_eq(jstr(got, "ZHIJIA_PATH"), path);
	ck_assert_ptr_nonnull(jstr(got, "ZHIJIA_POLICY_HASH"));
	ck_assert_uint_eq(strlen(jstr(got, "ZHIJIA_POLICY_HASH")), 16);
	json_object_put(local);
	json_object_put(got);
}
END_TEST

/* ---- rsyslog ------------------------------------------------------------------------------- */

struct listener {
	int fd;
	pid_t pid; /* the child that accepts and copies into path */
	char path[300];
};

/* A loopback TCP listener whose one child copies every connection's bytes into path. */
static int listener_start(struct listener *l, const char *path)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);

	snprintf(l->path, sizeof(l->path), "%s", path);
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(l->fd, 0);
	ck_assert_int_eq(bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(l->fd, 8), 0);
	ck_assert_int_eq(getsockname(l->fd, (struct sockaddr *)&sa, &sl), 0);
	l->pid = fork();
	ck_assert_int_ge(l->pid, 0);
	if (l->pid == 0) {
		int out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		for (;;) {
			int c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
			char buf[4096];
			ssize_t n;

			if (c < 0)
				_exit(1);
			while ((n = read(c, buf, sizeof(buf))) > 0)
				if (write(out, buf, (size_t)n) != n)
					_exit(1);
			close(c);
		}
	}
	close(l->fd);
	return ntohs(sa.sin_port);
}

static bool has_marker(json_object *o, const void *marker)
{
	const char *m = jstr(o, "MESSAGE");

	return m && strstr(m, marker);
}

/* The fixture's alert of event seq (other zhijiads number their events too). */
static bool has_seq(json_object *o, const void *seq)
{
	const char *s = jstr(o, "ZHIJIA_EVENT_SEQ"), *pid = jstr(o, "_PID");

	return s && pid && strcmp(s, seq) == 0 && atoi(pid) == (int)zd.pid;
}

START_TEST(test_rsyslog_forward)
{
	char dir[256], conf[300], got_path[300], rlog[300], pidf[300], text[2048], marker[64];
	char path[PATH_MAX], seq[32];
	struct listener l;
	json_object *line, *local, *got, *o;
	pid_t rs;
	int port;

	if (tool_missing(RSYSLOGD, "rsyslog") || tool_missing(SYSTEMD_CAT, "systemd"))
		return;
	zj_pathf(dir, sizeof(dir), "%s/rsyslog", work);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	zj_pathf(conf, sizeof(conf), "%s/rsyslog.conf", dir);
	zj_pathf(got_path, sizeof(got_path), "%s/received", dir);
	zj_pathf(rlog, sizeof(rlog), "%s/rsyslogd.log", dir);
	zj_pathf(pidf, sizeof(pidf), "%s/rsyslogd.pid", dir);
	port = listener_start(&l, got_path);
	snprintf(marker, sizeof(marker), "zhijia-fleet-marker-%d", (int)getpid());
	/* the README's snippet, with this test's work directory and port */
	snprintf(text, sizeof(text),
		 "global(workDirectory=\"%s\")\n"
		 "module(load=\"imjournal\" StateFile=\"imjournal.state\" "
		 "IgnorePreviousMessages=\"on\")\n"
		 "template(name=\"zhijia_json\" type=\"list\") { property(name=\"$!all-json\") "
		 "constant(value=\"\\n\") }\n"
		 "if $!SYSLOG_IDENTIFIER == \"zhijiad\" or $msg contains \"%s\" then {\n"
		 "  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"%d\" protocol=\"tcp\" "
		 "template=\"zhijia_json\")\n"
		 "}\n",
		 dir, marker, port);
	write_file(conf, text, 0600);
	rs = spawn((const char *const[]){RSYSLOGD, "-n", "-f", conf, "-i", pidf, NULL}, rlog);

	/* imjournal reads from the end once it runs: a marker shows it forwards */
	o = NULL;
	for (int i = 0; i < 30 && !o; i++) {
		struct zj_cmd c;
		const char *argv[] = {SYSTEMD_CAT, "-t", "zjfleet", "/bin/echo", marker, NULL};

		ck_assert_int_eq(zj_cmd_run(&c, argv, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS), 0);
		zj_cmd_free(&c);
		o = file_find(got_path, has_marker, marker, 1000);
	}
	if (!o) {
		char *rl = slurp(rlog);

		stop_pid(rs);
		stop_pid(l.pid);
		ck_abort_msg("rsyslogd forwarded nothing to 127.0.0.1:%d; it said: %s", port,
			     rl ? rl : "");
	}
	json_object_put(o);

	cron_alert("rsyslog", path, sizeof(path), &line);
	snprintf(seq, sizeof(seq), "%" PRId64, json_object_get_int64(jpath(line, "seq")));
	json_object_put(line);
	unlink(path);
	local = local_alert(seq);
	got = file_find(got_path, has_seq, seq, WAIT_MS);
	stop_pid(rs);
	stop_pid(l.pid);
	ck_assert_msg(got, "the alert (ZHIJIA_EVENT_SEQ=%s) was not forwarded", seq);
	same_zhijia_fields(local, got, "rsyslog");
	ck_assert_ptr_nonnull(strstr(jstr(got, "MESSAGE"), "T1053.003"));
	json_object_put(local);
	json_object_put(got);
}
END_TEST

/* ---- declarative policy -------------------------------------------------------------------- */

static char *status_hash(void)
{
	struct zj_cmd c;
	json_object *o;
	char *h;

	ck_assert_int_eq(CTL(&c, "--json", "status"), 0);
	o = json_tokener_parse(c.out);
	ck_assert_msg(o && jstr(o, "policy_hash"), "status has no policy_hash: %s", c.out);
	h = strdup(jstr(o, "policy_hash"));
	json_object_put(o);
	zj_cmd_free(&c);
	return h;
}

static char *export_policy(void)
{
	struct zj_cmd c;
	char *text;

	ck_assert_msg(CTL(&c, "policy", "export") == 0, "export: %s", c.err);
	text = strdup(c.out);
	zj_cmd_free(&c);
	return text;
}

START_TEST(test_policy_apply_export)
{
	char changed[300], bad[300], orig[300], fresh[300], nosock[300];
	char *e0, *e1, *h0, *h1, path[PATH_MAX];
	json_object *o, *line;
	struct zj_cmd c;

	zj_pathf(orig, sizeof(orig), "%s/policy-orig.json", work);
	zj_pathf(changed, sizeof(changed), "%s/policy-changed.json", work);
	zj_pathf(bad, sizeof(bad), "%s/policy-bad.json", work);
	e0 = export_policy();
	h0 = status_hash();
	write_file(orig, e0, 0600);
	/* a changed file: T1055.008 to alert, one protected application, one exception */
	o = json_tokener_parse(e0);
	ck_assert_ptr_nonnull(o);
	json_object_object_add(jpath(o, "actions"), "T1055.008", json_object_new_string("alert"));
	json_object_array_add(jpath(o, "protected"), json_object_new_string("/usr/sbin/cron"));
	json_object *exc = json_object_new_object();
	json_object_object_add(exc, "technique", json_object_new_string("T1055.009"));
	json_object_object_add(exc, "exe", json_object_new_string("/usr/bin/gdb"));
	json_object_object_add(exc, "comment", json_object_new_string("fleet test"));
	json_object_array_add(jpath(o, "exceptions"), exc);
	write_file(changed, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY), 0600);
	/* one valid change and one bad entry: nothing of it may apply */
	json_object_object_add(jpath(o, "actions"), "T1053.003", json_object_new_string("off"));
	json_object_object_add(jpath(o, "actions"), "T1055.014", json_object_new_string("sometimes"));
	write_file(bad, json_object_to_json_string(o), 0600);
	json_object_put(o);

	/* --diff: says what, changes nothing */
	ck_assert_msg(CTL(&c, "policy", "apply", "--diff", changed) == 0, "%s", c.err);
	ck_assert_msg(strstr(c.out, "~ T1055.008: default -> alert"), "%s", c.out);
	ck_assert_msg(strstr(c.out, "+ protect /usr/sbin/cron"), "%s", c.out);
	ck_assert_msg(strstr(c.out, "+ exception"), "%s", c.out);
	ck_assert_msg(strstr(c.out, "3 changes would be made"), "%s", c.out);
	zj_cmd_free(&c);
	e1 = export_policy();
	ck_assert_str_eq(e0, e1);
	free(e1);
	ck_assert(!zj_path_exists(policy_path)); /* nothing saved either */

	/* partial failure: refused as a whole */
	ck_assert_int_eq(CTL(&c, "policy", "apply", bad), 1);
	ck_assert_msg(strstr(c.err, "sometimes") && strstr(c.err, "nothing changed"), "%s", c.err);
	zj_cmd_free(&c);
	e1 = export_policy();
	ck_assert_str_eq(e0, e1);
	free(e1);

	/* apply: the live policy, the file and the hash change at once */
	ck_assert_msg(CTL(&c, "policy", "apply", changed) == 0, "%s", c.err);
	ck_assert_msg(strstr(c.out, "applied 3 changes"), "%s", c.out);
	zj_cmd_free(&c);
	h1 = status_hash();
	ck_assert_str_ne(h0, h1);
	e1 = export_policy();
	ck_assert_ptr_nonnull(strstr(e1, "\"T1055.008\": \"alert\""));
	ck_assert_ptr_nonnull(strstr(e1, "/usr/sbin/cron"));
	ck_assert(zj_path_exists(policy_path));
	/* idempotent */
	ck_assert_int_eq(CTL(&c, "policy", "apply", changed), 0);
	ck_assert_msg(strstr(c.out, "nothing to change"), "%s", c.out);
	zj_cmd_free(&c);
	/* the next finding says which policy decided it */
	cron_alert("policy", path, sizeof(path), &line);
	unlink(path);
	ck_assert_str_eq(jstr(line, "findings.0.policy_hash"), h1);
	json_object_put(line);

	/* export -> apply on a fresh policy (no zhijiad: the file) -> identical export */
	zj_pathf(fresh, sizeof(fresh), "%s/fresh.json", work);
	zj_pathf(nosock, sizeof(nosock), "%s/none.sock", work);
	write_file(orig, e1, 0600);
	{
		const char *apply[] = {ctl_path, "--socket", nosock, "--policy", fresh, "policy",
				       "apply", orig, NULL};
		const char *exp[] = {ctl_path, "--socket", nosock, "--policy", fresh, "policy",
				     "export", NULL};

		ck_assert_int_eq(zj_cmd_run(&c, apply, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS), 0);
		ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "%s", c.err);
		zj_cmd_free(&c);
		ck_assert_int_eq(zj_cmd_run(&c, exp, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS), 0);
		ck_assert_str_eq(c.out, e1);
		zj_cmd_free(&c);
	}

	/* back to the built-in policy */
	write_file(orig, e0, 0600);
	ck_assert_int_eq(CTL(&c, "policy", "apply", orig), 0);
	zj_cmd_free(&c);
	free(h1);
	h1 = status_hash();
	ck_assert_str_eq(h0, h1);
	free(e0);
	free(e1);
	free(h0);
	free(h1);
}
END_TEST

/* ---- formats ------------------------------------------------------------------------------- */

static const char *const ocsf_required[] = {
	"activity_id", "category_uid", "class_uid", "metadata.version",
	"metadata.product.vendor_name", "severity_id", "time", "type_uid", "finding_info.uid",
	"finding_info.title", "device.type_id", "finding_info.attacks.0.technique.uid",
	"finding_info.attacks.0.sub_technique.uid", "finding_info.attacks.0.tactic.uid",
	"evidences.0.actor.process.pid", "evidences.0.file.name", "evidences.0.file.type_id",
	NULL,
};

static const char *const ecs_required[] = {
	"@timestamp",	"ecs.version",	    "event.kind",		"event.category",
	"event.type",	"host.name",	    "process.pid",		"file.path",
	"threat.framework", "threat.technique.id", "threat.technique.subtechnique.id",
	"threat.tactic.id", NULL,
};

static bool is_ocsf_finding_of(json_object *o, const void *path)
{
	const char *p = jstr(o, "evidences.0.file.path");

	return p && strcmp(p, path) == 0 && jpath(o, "class_uid") &&
	       json_object_get_int(jpath(o, "class_uid")) == 2004;
}

static bool is_ecs_alert_of(json_object *o, const void *path)
{
	const char *p = jstr(o, "file.path"), *k = jstr(o, "event.kind");

	return p && k && strcmp(p, path) == 0 && strcmp(k, "alert") == 0;
}

START_TEST(test_events_format)
{
	char path[PATH_MAX], out[300];
	json_object *line, *o;
	struct zj_cmd c;

	cron_alert("format", path, sizeof(path), &line);
	json_object_put(line);
	unlink(path);
	zj_pathf(out, sizeof(out), "%s/events.ocsf", work);
	ck_assert_int_eq(CTL_LOG(&c, "--event-log", zd.log_path, "events", "--format", "ocsf",
				 "--technique", "T1053.003"),
			 0);
	write_file(out, c.out, 0600);
	zj_cmd_free(&c);
	o = file_find(out, is_ocsf_finding_of, path, 0);
	ck_assert_msg(o, "no OCSF Detection Finding of %s in zhijiactl events --format ocsf", path);
	require(o, ocsf_required);
	ck_assert_str_eq(jstr(o, "finding_info.attacks.0.sub_technique.uid"), "T1053.003");
	json_object_put(o);

	zj_pathf(out, sizeof(out), "%s/events.ecs", work);
	ck_assert_int_eq(CTL_LOG(&c, "--event-log", zd.log_path, "events", "--format", "ecs",
				 "--type", "file"),
			 0);
	write_file(out, c.out, 0600);
	zj_cmd_free(&c);
	o = file_find(out, is_ecs_alert_of, path, 0);
	ck_assert_msg(o, "no ECS alert of %s in zhijiactl events --format ecs", path);
	require(o, ecs_required);
	json_object_put(o);

	ck_assert_int_eq(CTL(&c, "events", "--format", "cef"), 2);
	zj_cmd_free(&c);
}
END_TEST

/* A second zhijiad that writes its event log as ECS. */
START_TEST(test_daemon_output_format)
{
	struct zj_daemon d2;
	char path[PATH_MAX], s2[300], root2[300];
	struct zj_run r;
	json_object *o;
	int rc;

	/* an ARR root of its own: the fixture's inbox is the fixture's */
	zj_pathf(root2, sizeof(root2), "%s/root2", work);
	ck_assert_int_eq(mkdir(root2, 0755), 0);
	zj_pathf(s2, sizeof(s2), "%s/ecs.sock", work);
	memset(&d2, 0, sizeof(d2));
	rc = zj_daemon_start(&d2, (const char *const[]){"--output-format", "ecs", "--socket", s2,
							"--arr-root", root2, NULL});
	ck_assert_msg(rc == 0, "zhijiad --output-format ecs: %s\n%s", strerror(-rc),
		      d2.err_text ? d2.err_text : "");
	zj_test_path(path, sizeof(path), CROND, "ecslog");
	ZJ_TRIGGER(&r, "file-touch", path);
	zj_run_done(&r);
	o = file_find(d2.log_path, is_ecs_alert_of, path, WAIT_MS);
	unlink(path);
	ck_assert_int_eq(zj_daemon_stop(&d2), 0);
	ck_assert_msg(!d2.stop_timed_out && WIFEXITED(d2.status) && WEXITSTATUS(d2.status) == 0,
		      "zhijiad --output-format ecs did not stop cleanly: 0x%x\n%s", d2.status,
		      d2.err_text ? d2.err_text : "");
	ck_assert_msg(o, "no ECS alert of %s in the event log of zhijiad --output-format ecs",
		      path);
	require(o, ecs_required);
	ck_assert_str_eq(jstr(o, "threat.technique.subtechnique.id.0"), "T1053.003");
	ck_assert_uint_eq(strlen(jstr(o, "zhijia.policy_hash")), 16);
	json_object_put(o);
	zj_daemon_free(&d2);
}
END_TEST

/* ---- metrics ------------------------------------------------------------------------------- */

START_TEST(test_prometheus)
{
	char path[PATH_MAX];
	json_object *line;
	struct zj_cmd c;
	struct stat st1, st2;
	char *text;

	cron_alert("metrics", path, sizeof(path), &line);
	json_object_put(line);
	unlink(path);
	ck_assert_int_eq(CTL(&c, "status", "--prometheus"), 0);
	ck_assert_ptr_nonnull(strstr(c.out, "# TYPE zhijia_events_total counter\n"));
	ck_assert_ptr_nonnull(strstr(c.out, "\nzhijia_events_total "));
	ck_assert_ptr_nonnull(strstr(c.out, "\nzhijia_lost_records_total "));
	ck_assert_ptr_nonnull(strstr(c.out, "\nzhijia_scan_queue "));
	ck_assert_ptr_nonnull(strstr(c.out, "\nzhijia_enforcement_mode{mode=\""));
	ck_assert_msg(strstr(c.out, "zhijia_findings_total{technique=\"T1053.003\","
				    "action=\"alert\"} "),
		      "%s", c.out);
	zj_cmd_free(&c);
	/* the textfile: there, and rewritten every second */
	for (int i = 0; i < 50 && !zj_path_exists(metrics_path); i++)
		sleep_ms(100);
	ck_assert_int_eq(stat(metrics_path, &st1), 0);
	text = slurp(metrics_path);
	ck_assert_ptr_nonnull(strstr(text, "# HELP zhijia_up "));
	ck_assert_ptr_nonnull(strstr(text, "zhijia_findings_total{technique=\"T1053.003\""));
	free(text);
	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(stat(metrics_path, &st2), 0);
		if (st2.st_ino != st1.st_ino) /* replaced by rename */
			break;
		sleep_ms(100);
	}
	ck_assert_uint_ne(st2.st_ino, st1.st_ino);
}
END_TEST

/* ---- SOAR ---------------------------------------------------------------------------------- */

static bool result_done(json_object *o, const void *unused)
{
	const char *s = jstr(o, "state");

	(void)unused;
	return s && strcmp(s, "running") != 0;
}

START_TEST(test_soar_inbox)
{
	char inbox[300], rule_path[300], tmp[300], result[300], made[300], text[1024], *mid;
	json_object *res = NULL;
	struct zj_cmd c;
	uint64_t end;

	zj_pathf(inbox, sizeof(inbox), "%s/var/lib/zhijia/arr-inbox", arr_root);
	zj_pathf(rule_path, sizeof(rule_path), "%s/soar-1.json", inbox);
	zj_pathf(tmp, sizeof(tmp), "%s/.soar-1.json.tmp", inbox);
	zj_pathf(result, sizeof(result), "%s.result", rule_path);
	zj_pathf(made, sizeof(made), "%s/soar-made", work);
	snprintf(text, sizeof(text),
		 "{\"name\": \"soar round trip\", \"actions\": [{\"action\": \"File_Create\", "
		 "\"path\": \"%s\", \"content\": \"from the SOAR\"}]}",
		 made);
	write_file(tmp, text, 0600);
	ck_assert_int_eq(rename(tmp, rule_path), 0);
	/* the result: "running" first, then finished (JSON pretty-printed: read it whole) */
	end = now_ms() + WAIT_MS;
	while (now_ms() < end) {
		char *t = slurp(result);

		res = t ? json_tokener_parse(t) : NULL;
		free(t);
		if (res && result_done(res, NULL))
			break;
		json_object_put(res);
		res = NULL;
		sleep_ms(100);
	}
	ck_assert_msg(res, "no finished result at %s", result);
	require(res, (const char *const[]){"schema", "schema_version", "file", "rule.name",
					   "rule.sha256", "host.id", "host.hostname", "state",
					   "ok", "started", "ended", "summary.done",
					   "actions.0.action", "actions.0.status", NULL});
	ck_assert_str_eq(jstr(res, "schema"), "zhijia.arr.result");
	ck_assert_int_eq(json_object_get_int(jpath(res, "schema_version")), 1);
	ck_assert_str_eq(jstr(res, "state"), "finished");
	ck_assert(json_object_get_boolean(jpath(res, "ok")));
	ck_assert_str_eq(jstr(res, "rule.name"), "soar round trip");
	ck_assert_str_eq(jstr(res, "actions.0.action"), "File_Create");
	ck_assert_str_eq(jstr(res, "actions.0.status"), "done");
	ck_assert(zj_path_exists(made));
	/* the rule's hash is the file's, the host id this machine's */
	{
		const char *argv[] = {"/usr/bin/sha256sum", rule_path, NULL};

		ck_assert_int_eq(zj_cmd_run(&c, argv, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS), 0);
		ck_assert_int_eq(strncmp(c.out, jstr(res, "rule.sha256"), 64), 0);
		zj_cmd_free(&c);
	}
	mid = slurp("/etc/machine-id");
	ck_assert_ptr_nonnull(mid);
	mid[strcspn(mid, "\n")] = '\0';
	ck_assert_str_eq(jstr(res, "host.id"), mid);
	free(mid);
	ck_assert_int_le(strcmp(jstr(res, "started"), jstr(res, "ended")), 0);
	json_object_put(res);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	zj_env_init("check_fleet");
	s = suite_create("fleet");
	tc = tcase_create("live");
	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_add_test(tc, test_journal_remote_roundtrip);
	tcase_add_test(tc, test_rsyslog_forward);
	tcase_add_test(tc, test_policy_apply_export);
	tcase_add_test(tc, test_events_format);
	tcase_add_test(tc, test_daemon_output_format);
	tcase_add_test(tc, test_prometheus);
	tcase_add_test(tc, test_soar_inbox);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed || zd_problem ? EXIT_FAILURE : EXIT_SUCCESS;
}
