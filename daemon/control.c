/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket (control.h): a non-blocking SOCK_SEQPACKET server driven from the
 * daemon's epoll loop through one nested epoll fd, and the blocking client zhijiactl uses.
 */
#define _GNU_SOURCE /* struct ucred, accept4() */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "util.h"

#define ACCEPT_BATCH 16 /* connections accepted per dispatch */
#define EVENT_BATCH 64	/* readiness reports handled per dispatch */
#define JSON_DEPTH 16	/* nesting of a request; a policy command needs 3 */
#define CMD_MAX 64	/* bytes of a command name */

struct conn {
	int fd;
	struct ucred peer;
	uint64_t last_usec; /* the last progress: accepted, a request read, a reply sent */
	char *pending;	    /* a reply the socket had no room for */
	size_t pending_len;
	struct conn *prev, *next;
};

struct zj_control {
	int ep;
	int listen_fd;
	bool accept_paused; /* out of fds: the listening socket is out of ep for now */
	char *path;
	dev_t dev; /* the socket file this server bound, to unlink only its own */
	ino_t ino;
	zj_control_handler_fn handle;
	void *userdata;
	uint64_t idle_usec;
	struct conn *conns;
	unsigned n_conns;
	char *buf; /* one request: ZJ_CONTROL_REQUEST_MAX bytes */
};

static void json_objectp(json_object **o)
{
	json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_objectp)

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int make_addr(const char *path, struct sockaddr_un *sa, socklen_t *ret_len)
{
	size_t n = strlen(path);

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

bool zj_control_read_only(const char *cmd)
{
	size_t n = cmd ? strlen(cmd) : 0;

	if (!cmd)
		return false;
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "events") == 0)
		return true;
	return (n > 5 && strcmp(cmd + n - 5, ".list") == 0) ||
	       (n > 4 && strcmp(cmd + n - 4, ".get") == 0);
}

int zj_control_error_reply(const char *message, json_object **ret_reply)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *ok, *msg;

	if (!o)
		return -ENOMEM;
	ok = json_object_new_boolean(false);
	if (!ok || json_object_object_add(o, "ok", ok) < 0) {
		json_object_put(ok);
		return -ENOMEM;
	}
	msg = json_object_new_string(message ? message : "failed");
	if (!msg || json_object_object_add(o, "error", msg) < 0) {
		json_object_put(msg);
		return -ENOMEM;
	}
	*ret_reply = TAKE_PTR(o);
	return 0;
}

__attribute__((format(printf, 1, 2))) static json_object *error_reply(const char *fmt, ...)
{
	json_object *o = NULL;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)zj_control_error_reply(msg, &o);
	return o;
}

/* ---- server: connections ----------------------------------------------------------------- */

static void pause_accept(struct zj_control *c, bool pause)
{
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};

	if (pause == c->accept_paused)
		return;
	if (pause)
		(void)epoll_ctl(c->ep, EPOLL_CTL_DEL, c->listen_fd, NULL);
	else if (epoll_ctl(c->ep, EPOLL_CTL_ADD, c->listen_fd, &e) < 0)
		return; /* still paused; expire() tries again */
	c->accept_paused = pause;
}

static void conn_close(struct zj_control *c, struct conn *x)
{
	(void)epoll_ctl(c->ep, EPOLL_CTL_DEL, x->fd, NULL);
	close(x->fd);
	if (x->prev)
		x->prev->next = x->next;
	else
		c->conns = x->next;
	if (x->next)
		x->next->prev = x->prev;
	free(x->pending);
	free(x);
	c->n_conns--;
	pause_accept(c, false);
}

static int conn_watch(struct zj_control *c, struct conn *x, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.ptr = x};

	return epoll_ctl(c->ep, EPOLL_CTL_MOD, x->fd, &e) < 0 ? negative_errno() : 0;
}

/* Send text as one message, or keep it for when there is room.  <0: close the connection. */
static int conn_send(struct zj_control *c, struct conn *x, const char *text, size_t len)
{
	ssize_t n = send(x->fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n >= 0) {
		x->last_usec = now_usec();
		return 0;
	}
	if (errno == EAGAIN || errno == ENOBUFS) {
		x->pending = malloc(len);
		if (!x->pending)
			return -ENOMEM;
		memcpy(x->pending, text, len);
		x->pending_len = len;
		return conn_watch(c, x, EPOLLOUT);
	}
	return negative_errno();
}

static int conn_send_reply(struct zj_control *c, struct conn *x, json_object *reply)
{
	_cleanup_json_ json_object *fallback = NULL;
	const char *text;
	size_t len;
	int r;

	if (!reply)
		return -ENOMEM;
	text = json_object_to_json_string_length(
		reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!text)
		return -ENOMEM;
	if (len > ZJ_CONTROL_REPLY_MAX) {
		fallback = error_reply("reply too large (%zu bytes; at most %u)", len,
				       ZJ_CONTROL_REPLY_MAX);
		return conn_send_reply(c, x, fallback);
	}
	r = conn_send(c, x, text, len);
	if (r == -EMSGSIZE) {
		/* the socket's buffer is smaller than the reply (SO_SNDBUF capped) */
		fallback = error_reply("reply too large for the socket (%zu bytes)", len);
		return conn_send_reply(c, x, fallback);
	}
	return r;
}

static int conn_flush(struct zj_control *c, struct conn *x)
{
	ssize_t n = send(x->fd, x->pending, x->pending_len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0)
		return errno == EAGAIN || errno == ENOBUFS ? 0 : negative_errno();
	free(x->pending);
	x->pending = NULL;
	x->pending_len = 0;
	x->last_usec = now_usec();
	return conn_watch(c, x, EPOLLIN);
}

/*
 * Refuse a connection: the reply, then drop what the client already sent (a request left
 * unread would turn the close into a reset that hides the reply), then close.
 */
static void busy_close(int fd, const char *msg, size_t len)
{
	char b[256];

	(void)send(fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)shutdown(fd, SHUT_WR);
	for (int i = 0; i < 4 && recv(fd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) > 0; i++)
		;
	close(fd);
}

static unsigned conns_of_uid(const struct zj_control *c, uid_t uid)
{
	unsigned n = 0;

	for (const struct conn *x = c->conns; x; x = x->next)
		n += x->peer.uid == uid;
	return n;
}

static void accept_one(struct zj_control *c, int fd)
{
	struct epoll_event e = {.events = EPOLLIN};
	socklen_t sl = sizeof(struct ucred);
	int size = (int)(ZJ_CONTROL_REPLY_MAX + 64 * 1024);
	struct ucred peer;
	struct conn *x;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &sl) < 0) {
		close(fd);
		return;
	}
	/*
	 * The last ZJ_CONTROL_CONN_ROOT slots are root's: a user holding every connection it can
	 * open must not lock root out of `zhijiactl stop` and policy changes.  And one uid other
	 * than root holds at most ZJ_CONTROL_CONN_PER_UID, so that one user (or a service
	 * account an attacker took over) cannot crowd out the others either.
	 */
	if (c->n_conns >= ZJ_CONTROL_CONN_MAX ||
	    (peer.uid != 0 && c->n_conns >= ZJ_CONTROL_CONN_MAX - ZJ_CONTROL_CONN_ROOT)) {
		static const char busy[] = "{\"ok\":false,\"busy\":true,\"error\":\"too many clients (at most "
					   "64 connections); try again\"}";

		_Static_assert(ZJ_CONTROL_CONN_MAX == 64, "the message above names the limit");
		busy_close(fd, busy, sizeof(busy) - 1);
		return;
	}
	if (peer.uid != 0 && conns_of_uid(c, peer.uid) >= ZJ_CONTROL_CONN_PER_UID) {
		static const char busy[] = "{\"ok\":false,\"busy\":true,\"error\":\"too many connections of "
					   "your user (at most 8 at a time); try again\"}";

		_Static_assert(ZJ_CONTROL_CONN_PER_UID == 8, "the message above names the limit");
		busy_close(fd, busy, sizeof(busy) - 1);
		return;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		close(fd);
		return;
	}
	x->fd = fd;
	x->peer = peer;
	/* room for the largest reply as one message; FORCE needs CAP_NET_ADMIN, else capped */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	e.data.ptr = x;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		free(x);
		close(fd);
		return;
	}
	x->last_usec = now_usec();
	x->next = c->conns;
	if (c->conns)
		c->conns->prev = x;
	c->conns = x;
	c->n_conns++;
}

static void accept_some(struct zj_control *c)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(c, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		/* EMFILE and the like would keep the socket readable: stop polling it until a
		 * connection closes or the next expire() */
		if (errno != EAGAIN)
			pause_accept(c, true);
		return;
	}
}

/* Parse and check one request, ask the handler, return the reply (NULL: out of memory). */
static json_object *answer(struct zj_control *c, const struct conn *x, const char *buf, size_t n)
{
	_cleanup_json_ json_object *req = NULL, *reply = NULL;
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	enum json_tokener_error jerr;
	json_object *cmd = NULL, *args = NULL, *ok;
	const char *name;
	size_t end;
	int r;

	if (!tok)
		return NULL;
	req = json_tokener_parse_ex(tok, buf, (int)n);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue)
		return error_reply("malformed request: incomplete JSON; expected "
				   "{\"cmd\":\"...\",\"args\":{...}}");
	if (!req || jerr != json_tokener_success)
		return error_reply("malformed request: invalid JSON at byte %zu (%s); expected "
				   "{\"cmd\":\"...\",\"args\":{...}}",
				   end + 1, json_tokener_error_desc(jerr));
	for (; end < n; end++)
		if (buf[end] != ' ' && buf[end] != '\t' && buf[end] != '\r' && buf[end] != '\n')
			return error_reply("malformed request: text after the JSON object");
	if (!json_object_is_type(req, json_type_object))
		return error_reply("malformed request: expected a JSON object "
				   "{\"cmd\":\"...\",\"args\":{...}}");
	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string) || !json_object_get_string_len(cmd) ||
	    json_object_get_string_len(cmd) > CMD_MAX ||
	    strlen(json_object_get_string(cmd)) != (size_t)json_object_get_string_len(cmd))
		return error_reply("malformed request: \"cmd\" must be a command name such as "
				   "\"policy.list\"");
	name = json_object_get_string(cmd);
	if (json_object_object_get_ex(req, "args", &args) && args &&
	    !json_object_is_type(args, json_type_object))
		return error_reply("malformed request: \"args\" must be a JSON object");

	if (x->peer.uid != 0 && !zj_control_read_only(name))
		return error_reply("permission denied: only root can change the policy (you are "
				   "uid %u)",
				   (unsigned)x->peer.uid);

	r = c->handle(c->userdata, name, args, &x->peer, &reply);
	if (r < 0) {
		json_object_put(TAKE_PTR(reply));
		return error_reply("internal error: %s", strerror(-r));
	}
	if (!reply || !json_object_is_type(reply, json_type_object))
		return error_reply("internal error: no reply to '%s'", name);
	if (!json_object_object_get_ex(reply, "ok", NULL)) {
		ok = json_object_new_boolean(true);
		if (!ok || json_object_object_add(reply, "ok", ok) < 0) {
			json_object_put(ok);
			return NULL;
		}
	}
	return TAKE_PTR(reply);
}

/* One request from x, if there is one.  <0: close the connection. */
static int conn_read(struct zj_control *c, struct conn *x)
{
	_cleanup_json_ json_object *reply = NULL;
	struct iovec iov = {.iov_base = c->buf, .iov_len = ZJ_CONTROL_REQUEST_MAX};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	/* MSG_TRUNC: n is the message's real length, even past the buffer. */
	n = recvmsg(x->fd, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
	if (n == 0)
		return -ECONNRESET; /* the peer closed (an empty message reads the same) */
	x->last_usec = now_usec();
	if ((size_t)n > ZJ_CONTROL_REQUEST_MAX || (msg.msg_flags & MSG_TRUNC))
		reply = error_reply("request too large (%zd bytes; at most %u)", n,
				    ZJ_CONTROL_REQUEST_MAX);
	else
		reply = answer(c, x, c->buf, (size_t)n);
	return conn_send_reply(c, x, reply);
}

static void conn_event(struct zj_control *c, struct conn *x, uint32_t events)
{
	int r = 0;

	if (x->pending)
		r = events & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? conn_flush(c, x) : 0;
	else if (events & EPOLLIN)
		r = conn_read(c, x);
	else if (events & (EPOLLERR | EPOLLHUP))
		r = -ECONNRESET;
	if (r < 0)
		conn_close(c, x);
}

/* ---- server ------------------------------------------------------------------------------ */

/* Is something answering at path?  Then another server runs; a stale socket is removed. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, socklen_t sl)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (const struct sockaddr *)sa, sl) == 0 || errno == EAGAIN)
		return -EADDRINUSE;
	if (errno != ECONNREFUSED)
		return negative_errno();
	return unlink(path) < 0 && errno != ENOENT ? negative_errno() : 0;
}

static int make_dir_of(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == 0)
		return chmod(dir, 0755) < 0 ? negative_errno() : 0; /* whatever the umask */
	return errno == EEXIST ? 0 : negative_errno();
}

int zj_control_open(const char *path, zj_control_handler_fn handle, void *userdata,
		    struct zj_control **ret)
{
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
	struct zj_control *c;
	struct sockaddr_un sa;
	struct stat st;
	socklen_t sl;
	int r;

	if (!path || !handle || !ret)
		return -EINVAL;
	r = make_addr(path, &sa, &sl);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ep = c->listen_fd = -1;
	c->handle = handle;
	c->userdata = userdata;
	c->idle_usec = ZJ_CONTROL_IDLE_USEC;
	c->path = strdup(path);
	c->buf = malloc(ZJ_CONTROL_REQUEST_MAX);
	if (!c->path || !c->buf) {
		r = -ENOMEM;
		goto fail;
	}
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0) {
		r = negative_errno();
		goto fail;
	}
	r = make_dir_of(path);
	if (r < 0)
		goto fail;
	r = clear_stale(path, &sa, sl);
	if (r < 0)
		goto fail;
	c->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0) {
		r = negative_errno();
		goto fail;
	}
	if (bind(c->listen_fd, (const struct sockaddr *)&sa, sl) < 0) {
		r = negative_errno();
		goto fail;
	}
	/* Everybody may connect and ask; what they may change is checked per request. */
	if (chmod(path, 0666) < 0 || stat(path, &st) < 0) {
		r = negative_errno();
		(void)unlink(path);
		goto fail;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(c->listen_fd, SOMAXCONN) < 0 ||
	    epoll_ctl(c->ep, EPOLL_CTL_ADD, c->listen_fd, &e) < 0) {
		r = negative_errno();
		(void)unlink(path);
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->ep >= 0)
		close(c->ep);
	free(c->buf);
	free(c->path);
	free(c);
	return r;
}

void zj_control_free(struct zj_control *c)
{
	struct stat st;

	if (!c)
		return;
	while (c->conns)
		conn_close(c, c->conns);
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		(void)unlink(c->path);
	close(c->listen_fd);
	close(c->ep);
	free(c->buf);
	free(c->path);
	free(c);
}

int zj_control_fd(const struct zj_control *c)
{
	return c->ep;
}

int zj_control_dispatch(struct zj_control *c)
{
	struct epoll_event evs[EVENT_BATCH];
	int n;

	n = epoll_wait(c->ep, evs, EVENT_BATCH, 0);
	if (n < 0)
		return errno == EINTR ? 0 : negative_errno();
	for (int i = 0; i < n; i++) {
		if (!evs[i].data.ptr)
			accept_some(c);
		else
			conn_event(c, evs[i].data.ptr, evs[i].events);
	}
	return 0;
}

int zj_control_expire(struct zj_control *c, uint64_t now)
{
	struct conn *x, *next;
	int closed = 0;

	for (x = c->conns; x; x = next) {
		next = x->next;
		if (now > x->last_usec && now - x->last_usec > c->idle_usec) {
			conn_close(c, x);
			closed++;
		}
	}
	pause_accept(c, false);
	return closed;
}

void zj_control_set_idle_timeout(struct zj_control *c, uint64_t usec)
{
	c->idle_usec = usec;
}

unsigned zj_control_connections(const struct zj_control *c)
{
	return c->n_conns;
}

/* ---- client ------------------------------------------------------------------------------ */

/* One connection, one request, one reply. */
static int call_once(const char *path, const char *cmd, json_object *args, json_object **ret_reply)
{
	struct timeval tv = {.tv_sec = ZJ_CONTROL_CALL_TIMEOUT_MSEC / 1000,
			     .tv_usec = (ZJ_CONTROL_CALL_TIMEOUT_MSEC % 1000) * 1000};
	_cleanup_json_ json_object *req = NULL, *reply = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct json_tokener *tok;
	struct sockaddr_un sa;
	const char *text;
	size_t len, end;
	socklen_t sl;
	ssize_t n;
	char peek;
	int r;

	if (!path || !cmd || !ret_reply)
		return -EINVAL;
	r = make_addr(path, &sa, &sl);
	if (r < 0)
		return r;
	req = json_object_new_object();
	if (!req || json_object_object_add(req, "cmd", json_object_new_string(cmd)) < 0 ||
	    (args && json_object_object_add(req, "args", json_object_get(args)) < 0))
		return -ENOMEM;
	text = json_object_to_json_string_length(
		req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!text)
		return -ENOMEM;
	if (len > ZJ_CONTROL_REQUEST_MAX)
		return -EMSGSIZE;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return negative_errno();
	if (connect(fd, (const struct sockaddr *)&sa, sl) < 0)
		return negative_errno();
	do
		n = send(fd, text, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : negative_errno();

	/* The reply's size first (MSG_PEEK|MSG_TRUNC), then the reply. */
	do
		n = recv(fd, &peek, 1, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : negative_errno();
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n > ZJ_CONTROL_REPLY_MAX)
		return -EMSGSIZE;
	buf = malloc((size_t)n);
	if (!buf)
		return -ENOMEM;
	len = (size_t)n;
	do
		n = recv(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO;

	tok = json_tokener_new_ex(JSON_DEPTH * 4);
	if (!tok)
		return -ENOMEM;
	reply = json_tokener_parse_ex(tok, buf, (int)len);
	r = json_tokener_get_error(tok) == json_tokener_success;
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!r || !reply || end != len || !json_object_is_type(reply, json_type_object))
		return -EBADMSG;
	*ret_reply = TAKE_PTR(reply);
	return 0;
}

/*
 * A server at its connection limit answers {"busy":true} and closes, possibly before it read
 * the request (then the send fails with EPIPE, or the request it never read resets the
 * connection: ECONNRESET before any reply): try again for a while, as many clients of one
 * user at once (a script, a monitoring agent) are normal.  Every command is idempotent, so a
 * request a crashing server did read is safe to send again.
 */
int zj_control_call(const char *path, const char *cmd, json_object *args, json_object **ret_reply)
{
	uint64_t deadline = now_usec() + (uint64_t)ZJ_CONTROL_BUSY_RETRY_MSEC * 1000;
	long wait_ms = 5;

	for (;;) {
		json_object *reply = NULL, *busy = NULL;
		int r = call_once(path, cmd, args, &reply);
		bool again = r == -EPIPE || r == -ECONNRESET ||
			     (r == 0 && json_object_object_get_ex(reply, "busy", &busy) &&
			      json_object_get_boolean(busy));

		if (!again || now_usec() > deadline) {
			if (r == 0)
				*ret_reply = reply;
			return r;
		}
		json_object_put(reply);
		struct timespec ts = {.tv_sec = 0, .tv_nsec = wait_ms * 1000000L};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		if (wait_ms < 200)
			wait_ms *= 2;
	}
}
