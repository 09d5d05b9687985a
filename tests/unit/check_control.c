/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket (daemon/control.c), in one process: a real server on a socket in a
 * temporary directory, driven the way zhijiad drives it (poll its fd, dispatch, expire), with
 * the policy commands as its handler.  Raw SOCK_SEQPACKET clients send well-formed,
 * malformed and oversized requests; zj_control_call() runs in forked children -- one of them
 * as uid 65534, whose changes must be refused before the handler sees them.  Many clients at
 * once, a client that never sends, one that never reads, and one too many.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "zhijia/policy.h"
#include "../../daemon/control.h"
#include "../../daemon/policyops.h"

static char dir[256], sock[320];
static struct zj_control *srv;
static struct zj_policy *pol;
static int handled;	  /* calls of the handler */
static unsigned last_uid; /* the peer of the last call */

static int handle(void *userdata, const char *cmd, json_object *args, const struct ucred *peer,
		  json_object **ret_reply)
{
	char err[ZJ_POLICYOPS_ERR_MAX];
	int r;

	(void)userdata;
	handled++;
	last_uid = peer->uid;
	if (strcmp(cmd, "test.fail.get") == 0)
		return -EIO;
	if (strcmp(cmd, "test.noreply.get") == 0)
		return 0;
	if (strcmp(cmd, "test.nook.get") == 0 || strcmp(cmd, "status") == 0) {
		*ret_reply = json_object_new_object();
		json_object_object_add(*ret_reply, "answer", json_object_new_int(42));
		return 0;
	}
	if (strcmp(cmd, "test.big.list") == 0) {
		char *big = malloc(1u << 20);

		memset(big, 'b', (1u << 20) - 1);
		big[(1u << 20) - 1] = '\0';
		*ret_reply = json_object_new_object();
		json_object_object_add(*ret_reply, "big", json_object_new_string(big));
		free(big);
		return 0;
	}
	r = zj_policy_command(&pol, cmd, args, NULL, ret_reply, NULL, err, sizeof(err));
	return r < 0 ? zj_control_error_reply(err, ret_reply) : 0;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/zj-control-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0); /* uid 65534 must reach the socket */
	snprintf(sock, sizeof(sock), "%s/run/zhijiad.sock", dir);
	ck_assert_int_eq(zj_policy_new_default(&pol), 0);
	ck_assert_int_eq(zj_control_open(sock, handle, NULL, &srv), 0);
	handled = 0;
	last_uid = 12345;
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void)
{
	char run[400];

	zj_control_free(srv);
	srv = NULL;
	zj_policy_free(pol);
	pol = NULL;
	snprintf(run, sizeof(run), "%s/run", dir);
	(void)unlink(sock);
	(void)rmdir(run);
	ck_assert_int_eq(rmdir(dir), 0);
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* What zhijiad's loop does: wait for the server's fd, then dispatch. */
static void pump(int timeout_ms)
{
	struct pollfd p = {.fd = zj_control_fd(srv), .events = POLLIN};

	if (poll(&p, 1, timeout_ms) > 0)
		ck_assert_int_eq(zj_control_dispatch(srv), 0);
}

static struct sockaddr_un addr_of(const char *p)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	ck_assert_uint_lt(strlen(p), sizeof(sa.sun_path));
	memcpy(sa.sun_path, p, strlen(p) + 1);
	return sa;
}

static int client(void)
{
	struct sockaddr_un sa = addr_of(sock);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_text(int fd, const char *text, size_t len)
{
	ck_assert_int_eq(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void send_str(int fd, const char *text)
{
	send_text(fd, text, strlen(text));
}

/* The next reply on fd, pumping the server meanwhile; NULL: EOF. */
static json_object *reply_of(int fd)
{
	static char buf[1 << 16];

	for (int i = 0; i < 500; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

		if (n == 0)
			return NULL;
		if (n > 0) {
			json_object *o;

			buf[n] = '\0';
			o = json_tokener_parse(buf);
			ck_assert_msg(o != NULL, "reply is not JSON: %s", buf);
			return o;
		}
		ck_assert_int_eq(errno, EAGAIN);
		pump(10);
	}
	ck_abort_msg("no reply");
	return NULL;
}

static const char *str_at(json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
		      json_object_to_json_string(o));
	return json_object_get_string(v);
}

static bool ok_of(json_object *o)
{
	json_object *v;

	ck_assert(json_object_object_get_ex(o, "ok", &v));
	return json_object_get_boolean(v);
}

/* Send text, expect {"ok":false,"error":want}. */
static void expect_error(int fd, const char *text, size_t len, const char *want)
{
	json_object *r;

	send_text(fd, text, len);
	r = reply_of(fd);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(!ok_of(r), "%.*s: %s", (int)len, text, json_object_to_json_string(r));
	ck_assert_str_eq(str_at(r, "error"), want);
	ck_assert_int_eq(json_object_object_length(r), 2);
	json_object_put(r);
}

/*
 * zj_control_call() in a child (as uid when uid >= 0), the server pumped here.  Returns the
 * call's result; *ret_reply the reply it got.
 */
static int call_in_child(int uid, const char *cmd, const char *args_json, json_object **ret_reply)
{
	static char out[(1 << 20) + 4096];
	size_t len = 0;
	int p[2], status, r = 0;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		json_object *args = args_json ? json_tokener_parse(args_json) : NULL, *reply = NULL;
		const char *s = "";
		char head[32];
		int rr;

		close(p[0]);
		if (uid >= 0 &&
		    (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0))
			_exit(100);
		rr = zj_control_call(sock, cmd, args, &reply);
		if (rr == 0)
			s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
		snprintf(head, sizeof(head), "%d\n", rr);
		if (write(p[1], head, strlen(head)) < 0 || write(p[1], s, strlen(s)) < 0)
			_exit(101);
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pf[2] = {{.fd = p[0], .events = POLLIN},
				       {.fd = zj_control_fd(srv), .events = POLLIN}};
		ssize_t n;

		ck_assert_int_ge(poll(pf, 2, 5000), 1);
		if (pf[1].revents)
			ck_assert_int_eq(zj_control_dispatch(srv), 0);
		if (!pf[0].revents)
			continue;
		n = read(p[0], out + len, sizeof(out) - 1 - len);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	out[len] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	r = atoi(out);
	*ret_reply = r == 0 ? json_tokener_parse(strchr(out, '\n') + 1) : NULL;
	if (r == 0)
		ck_assert_ptr_nonnull(*ret_reply);
	return r;
}

/* ---- set-up and tear-down ---------------------------------------------------------------- */

START_TEST(open_and_free)
{
	struct zj_control *other = NULL;
	char run[400], file[400], longp[200];
	struct stat st;
	int fd;

	ck_assert_int_eq(lstat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0666);
	snprintf(run, sizeof(run), "%s/run", dir);
	ck_assert_int_eq(stat(run, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	ck_assert_uint_eq(zj_control_connections(srv), 0);

	/* a server answers there already */
	ck_assert_int_eq(zj_control_open(sock, handle, NULL, &other), -EADDRINUSE);
	ck_assert_ptr_null(other);

	/* gone with the server; a stale socket (nobody listening) is replaced */
	zj_control_free(srv);
	srv = NULL;
	ck_assert_int_eq(lstat(sock, &st), -1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	{
		struct sockaddr_un sa = addr_of(sock);

		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	close(fd);
	ck_assert_int_eq(zj_control_open(sock, handle, NULL, &srv), 0);

	/* not a socket: left alone */
	snprintf(file, sizeof(file), "%s/run/file", dir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(zj_control_open(file, handle, NULL, &other), -ENOTSOCK);
	ck_assert_int_eq(unlink(file), 0);

	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	ck_assert_int_eq(zj_control_open(longp, handle, NULL, &other), -ENAMETOOLONG);
	ck_assert_int_eq(zj_control_open(sock, NULL, NULL, &other), -EINVAL);
}
END_TEST

START_TEST(read_only_commands)
{
	ck_assert(zj_control_read_only("policy.list"));
	ck_assert(zj_control_read_only("policy.get"));
	ck_assert(zj_control_read_only("allow.list"));
	ck_assert(zj_control_read_only("status"));
	ck_assert(zj_control_read_only("events"));
	ck_assert(!zj_control_read_only("policy.set"));
	ck_assert(!zj_control_read_only("protect.add"));
	ck_assert(!zj_control_read_only(".list")); /* a suffix needs a name before it */
	ck_assert(!zj_control_read_only("policy.lister"));
	ck_assert(!zj_control_read_only("statusx"));
	ck_assert(!zj_control_read_only(""));
	ck_assert(!zj_control_read_only(NULL));
}
END_TEST

/* ---- requests ---------------------------------------------------------------------------- */

START_TEST(round_trip_raw)
{
	static const char req[] = "{\"cmd\":\"policy.list\",\"args\":{\"tactic\":\"TA0004\"}}";
	json_object *r, *tactics;
	int fd = client();

	send_text(fd, req, sizeof(req) - 1);
	r = reply_of(fd);
	ck_assert(ok_of(r));
	tactics = json_object_object_get(r, "tactics");
	ck_assert_uint_eq(json_object_array_length(tactics), 1);
	ck_assert_str_eq(str_at(json_object_array_get_idx(tactics, 0), "name_zh"), "提权");
	json_object_put(r);
	ck_assert_int_eq(handled, 1);
	ck_assert_uint_eq(last_uid, geteuid());
	ck_assert_uint_eq(zj_control_connections(srv), 1);

	/* the handler's reply without "ok" gets "ok":true */
	send_str(fd, "{\"cmd\":\"test.nook.get\"}");
	r = reply_of(fd);
	ck_assert(ok_of(r));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(r, "answer")), 42);
	json_object_put(r);

	/* the peer leaves: the connection goes */
	close(fd);
	for (int i = 0; i < 50 && zj_control_connections(srv); i++)
		pump(10);
	ck_assert_uint_eq(zj_control_connections(srv), 0);
}
END_TEST

START_TEST(call_changes_live_policy)
{
	struct zj_policy *before = pol;
	json_object *r;
	uint32_t a;

	if (geteuid() != 0) {
		fprintf(stderr, "call_changes_live_policy: skipped, changes need root\n");
		return;
	}
	ck_assert_int_eq(
		call_in_child(-1, "policy.set", "{\"id\":\"T1055.008\",\"action\":\"block\"}", &r),
		0);
	ck_assert(ok_of(r));
	ck_assert_str_eq(str_at(r, "action"), "block");
	json_object_put(r);
	/* the very next decision sees it: the live policy was swapped */
	ck_assert_ptr_ne(pol, before);
	ck_assert_int_eq(zj_policy_get(pol, "T1055.008", &a), 0);
	ck_assert_uint_eq(a, ZJ_ACTION_BLOCK);

	ck_assert_int_eq(call_in_child(-1, "policy.get", "{\"id\":\"T1055.008\"}", &r), 0);
	ck_assert_str_eq(str_at(r, "action"), "block");
	json_object_put(r);

	/* a validation error is the daemon's answer: a reply, not a failed call */
	ck_assert_int_eq(
		call_in_child(-1, "policy.set", "{\"id\":\"T1055.99\",\"action\":\"block\"}", &r),
		0);
	ck_assert(!ok_of(r));
	ck_assert_str_eq(str_at(r, "error"),
			 "unknown technique 'T1055.99'; sub-techniques of T1055 Process Injection: "
			 "T1055.008, T1055.009, T1055.014; see `zhijiactl policy list`");
	json_object_put(r);
	ck_assert_int_eq(handled, 3);
}
END_TEST

START_TEST(call_without_server)
{
	json_object *r = NULL;
	char stale[400];
	int fd;

	ck_assert_int_eq(zj_control_call("/nonexistent/zhijiad.sock", "policy.list", NULL, &r),
			 -ENOENT);
	snprintf(stale, sizeof(stale), "%s/run/stale.sock", dir);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	{
		struct sockaddr_un sa = addr_of(stale);

		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	close(fd);
	ck_assert_int_eq(zj_control_call(stale, "policy.list", NULL, &r), -ECONNREFUSED);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(unlink(stale), 0);
}
END_TEST

START_TEST(non_root_is_refused)
{
	json_object *r;
	uint32_t a;

	if (geteuid() != 0) {
		fprintf(stderr,
			"non_root_is_refused: skipped, needs root to switch to uid 65534\n");
		return;
	}
	ck_assert_int_eq(
		call_in_child(65534, "policy.set", "{\"id\":\"T1055.008\",\"action\":\"off\"}", &r),
		0);
	ck_assert(!ok_of(r));
	ck_assert_str_eq(str_at(r, "error"), "permission denied: only root can change the policy "
					     "(you are uid 65534)");
	json_object_put(r);
	ck_assert_int_eq(handled, 0); /* refused before the daemon's handler */
	ck_assert_int_eq(zj_policy_get(pol, "T1055.008", &a), 0);
	ck_assert_uint_eq(a, ZJ_ACTION_DEFAULT);

	ck_assert_int_eq(
		call_in_child(65534, "allow.add", "{\"technique\":\"*\",\"uid\":65534}", &r), 0);
	ck_assert(!ok_of(r));
	json_object_put(r);
	ck_assert_int_eq(call_in_child(65534, "frobnicate", NULL, &r), 0);
	ck_assert(!ok_of(r));
	json_object_put(r);
	ck_assert_int_eq(handled, 0);

	/* asking is open to everyone */
	ck_assert_int_eq(call_in_child(65534, "policy.list", NULL, &r), 0);
	ck_assert(ok_of(r));
	json_object_put(r);
	ck_assert_int_eq(call_in_child(65534, "status", NULL, &r), 0);
	ck_assert(ok_of(r));
	json_object_put(r);
	ck_assert_int_eq(handled, 2);
	ck_assert_uint_eq(last_uid, 65534);
}
END_TEST

START_TEST(malformed_requests)
{
	static const char expected[] = "; expected {\"cmd\":\"...\",\"args\":{...}}";
	char want[256];
	json_object *r;
	int fd = client();

	snprintf(want, sizeof(want), "malformed request: invalid JSON at byte 2 (null expected)%s",
		 expected);
	expect_error(fd, "not json", 8, want);
	snprintf(want, sizeof(want), "malformed request: incomplete JSON%s", expected);
	expect_error(fd, "{\"cmd\":", 7, want);
	expect_error(fd, "{\"cmd\":\"policy.list\"} x", 23,
		     "malformed request: text after the JSON object");
	snprintf(want, sizeof(want),
		 "malformed request: expected a JSON object {\"cmd\":\"...\","
		 "\"args\":{...}}");
	expect_error(fd, "[1,2]", 5, want);
	expect_error(fd, "{\"args\":{}}", 11,
		     "malformed request: \"cmd\" must be a command name such as \"policy.list\"");
	expect_error(fd, "{\"cmd\":7}", 9,
		     "malformed request: \"cmd\" must be a command name such as \"policy.list\"");
	expect_error(fd, "{\"cmd\":\"policy.list\",\"args\":[]}", 31,
		     "malformed request: \"args\" must be a JSON object");
	expect_error(fd, "{\"cmd\":\"policy.list\\u0000.set\"}", 31,
		     "malformed request: \"cmd\" must be a command name such as \"policy.list\"");
	/* NUL bytes after the object */
	expect_error(fd, "{\"cmd\":\"policy.list\"}\0\0", 23,
		     "malformed request: text after the JSON object");
	expect_error(fd, "{\"cmd\":\"test.fail.get\"}", 23, "internal error: Input/output error");
	expect_error(fd, "{\"cmd\":\"test.noreply.get\"}", 26,
		     "internal error: no reply to 'test.noreply.get'");
	{
		/* nesting past the server's limit */
		char deep[200] = "{\"cmd\":\"policy.list\",\"args\":";
		size_t n = strlen(deep);

		for (int i = 0; i < 40; i++)
			deep[n++] = '[';
		snprintf(want, sizeof(want),
			 "malformed request: invalid JSON at byte %zu (nesting too deep)%s",
			 strlen("{\"cmd\":\"policy.list\",\"args\":") + 16, expected);
		expect_error(fd, deep, n, want);
	}

	/* still usable */
	send_str(fd, "{\"cmd\":\"protect.list\"}");
	r = reply_of(fd);
	ck_assert(ok_of(r));
	json_object_put(r);
	close(fd);
}
END_TEST

START_TEST(oversized_request)
{
	size_t big = ZJ_CONTROL_REQUEST_MAX + 4464; /* 70000 bytes */
	char *buf = malloc(big);
	json_object *r;
	int fd = client(), sz = 1 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
	memset(buf, ' ', big);
	memcpy(buf, "{\"cmd\":\"policy.list\"}", 21);
	expect_error(fd, buf, big, "request too large (70000 bytes; at most 65536)");
	expect_error(fd, buf, ZJ_CONTROL_REQUEST_MAX + 1,
		     "request too large (65537 bytes; at most 65536)");
	/* exactly at the limit is fine, and the connection is still usable */
	send_text(fd, buf, ZJ_CONTROL_REQUEST_MAX);
	r = reply_of(fd);
	ck_assert(ok_of(r));
	json_object_put(r);
	free(buf);
	close(fd);
	ck_assert_int_eq(handled, 1);
}
END_TEST

START_TEST(big_reply)
{
	json_object *r;

	ck_assert_int_eq(call_in_child(-1, "test.big.list", NULL, &r), 0);
	ck_assert(ok_of(r));
	ck_assert_uint_eq(strlen(str_at(r, "big")), (1u << 20) - 1);
	json_object_put(r);
}
END_TEST

START_TEST(many_clients)
{
	enum { N = 40 };
	static const char *const ids[] = {"T1055.008", "T1055.009", "T1055.014"};
	int fds[N];
	char req[128];

	for (int i = 0; i < N; i++)
		fds[i] = client();
	/* each sends three requests before reading: replies come back one each, in order */
	for (int i = 0; i < N; i++) {
		for (int k = 0; k < 3; k++) {
			int n = snprintf(req, sizeof(req),
					 "{\"cmd\":\"policy.get\",\"args\":{\"id\":\"%s\"}}",
					 ids[(i + k) % 3]);

			send_text(fds[i], req, (size_t)n);
		}
	}
	for (int i = N - 1; i >= 0; i--) {
		for (int k = 0; k < 3; k++) {
			json_object *r = reply_of(fds[i]);

			ck_assert(ok_of(r));
			ck_assert_str_eq(str_at(r, "id"), ids[(i + k) % 3]);
			json_object_put(r);
		}
	}
	ck_assert_int_eq(handled, 3 * N);
	ck_assert_uint_eq(zj_control_connections(srv), N);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	for (int i = 0; i < 100 && zj_control_connections(srv); i++)
		pump(10);
	ck_assert_uint_eq(zj_control_connections(srv), 0);
}
END_TEST

START_TEST(idle_clients_expire)
{
	json_object *r;
	char b;
	int idle = client(), busy = client();

	for (int i = 0; i < 10 && zj_control_connections(srv) < 2; i++)
		pump(10);
	ck_assert_uint_eq(zj_control_connections(srv), 2);
	ck_assert_int_eq(zj_control_expire(srv, mono_usec()), 0);

	/* ten seconds of nothing: the idle one is closed, its peer sees the end */
	ck_assert_int_eq(zj_control_expire(srv, mono_usec() + ZJ_CONTROL_IDLE_USEC + 1000000), 2);
	ck_assert_uint_eq(zj_control_connections(srv), 0);
	ck_assert_int_eq(recv(idle, &b, 1, 0), 0);
	close(idle);
	close(busy);

	/* a shorter timeout; a connection that made progress stays */
	zj_control_set_idle_timeout(srv, 200 * 1000);
	idle = client();
	busy = client();
	for (int i = 0; i < 10 && zj_control_connections(srv) < 2; i++)
		pump(10);
	usleep(300 * 1000);
	send_str(busy, "{\"cmd\":\"protect.list\"}");
	r = reply_of(busy);
	ck_assert(ok_of(r));
	json_object_put(r);
	ck_assert_int_eq(zj_control_expire(srv, mono_usec()), 1);
	ck_assert_int_eq(recv(idle, &b, 1, 0), 0);
	ck_assert_uint_eq(zj_control_connections(srv), 1);
	close(idle);
	close(busy);
}
END_TEST

/* A client that sends and never reads must not stall the server or the others. */
START_TEST(client_that_never_reads)
{
	static const char req[] = "{\"cmd\":\"policy.list\",\"args\":{\"all\":true}}";
	uint64_t t0 = mono_usec();
	int flood = client(), other, sent = 0, got = 0;
	json_object *r;

	for (int round = 0; round < 400; round++) {
		while (send(flood, req, sizeof(req) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			sent++;
		ck_assert_int_eq(errno, EAGAIN);
		pump(0);
	}
	ck_assert_int_gt(sent, 0);
	/* the server is not blocked: another client is answered at once */
	other = client();
	send_str(other, "{\"cmd\":\"protect.list\"}");
	r = reply_of(other);
	ck_assert(ok_of(r));
	json_object_put(r);
	ck_assert_uint_lt(mono_usec() - t0, 20 * 1000000);

	/* the flooder reads at last: every request it sent is answered, in order */
	for (;;) {
		r = NULL;
		for (int i = 0; i < 50 && !r; i++) {
			static char buf[1 << 20];
			ssize_t n = recv(flood, buf, sizeof(buf) - 1, MSG_DONTWAIT);

			if (n > 0) {
				buf[n] = '\0';
				r = json_tokener_parse(buf);
			} else {
				pump(5);
			}
		}
		if (!r)
			break;
		ck_assert(ok_of(r));
		json_object_put(r);
		got++;
		if (got == sent)
			break;
	}
	ck_assert_int_eq(got, sent);
	close(flood);
	close(other);
}
END_TEST

START_TEST(too_many_clients)
{
	int fds[ZJ_CONTROL_CONN_MAX], extra;
	json_object *r;

	for (int i = 0; i < ZJ_CONTROL_CONN_MAX; i++) {
		fds[i] = client();
		pump(0);
	}
	for (int i = 0; i < 20 && zj_control_connections(srv) < ZJ_CONTROL_CONN_MAX; i++)
		pump(10);
	ck_assert_uint_eq(zj_control_connections(srv), ZJ_CONTROL_CONN_MAX);
	extra = client();
	r = reply_of(extra);
	ck_assert(!ok_of(r));
	ck_assert_str_eq(str_at(r, "error"),
			 "too many clients (at most 64 connections); try again");
	json_object_put(r);
	ck_assert_ptr_null(reply_of(extra)); /* and closed */
	close(extra);

	/* one leaves, another gets in */
	close(fds[0]);
	for (int i = 0; i < 50 && zj_control_connections(srv) == ZJ_CONTROL_CONN_MAX; i++)
		pump(10);
	fds[0] = client();
	send_str(fds[0], "{\"cmd\":\"protect.list\"}");
	r = reply_of(fds[0]);
	ck_assert(ok_of(r));
	json_object_put(r);
	for (int i = 0; i < ZJ_CONTROL_CONN_MAX; i++)
		close(fds[i]);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("server");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_and_free);
	tcase_add_test(tc, read_only_commands);
	tcase_add_test(tc, round_trip_raw);
	tcase_add_test(tc, call_changes_live_policy);
	tcase_add_test(tc, call_without_server);
	tcase_add_test(tc, non_root_is_refused);
	tcase_add_test(tc, malformed_requests);
	tcase_add_test(tc, oversized_request);
	tcase_add_test(tc, big_reply);
	tcase_add_test(tc, many_clients);
	tcase_add_test(tc, idle_clients_expire);
	tcase_add_test(tc, client_that_never_reads);
	tcase_add_test(tc, too_many_clients);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
