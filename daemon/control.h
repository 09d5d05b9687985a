/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket: zhijiactl asks, zhijiad answers.
 *
 * Protocol: a SOCK_SEQPACKET Unix socket (ZJ_CONTROL_PATH), so message boundaries are the
 * kernel's.  A client sends one request per message, a JSON object of at most
 * ZJ_CONTROL_REQUEST_MAX bytes,
 *
 *   {"cmd":"policy.set","args":{"id":"T1055.008","action":"block"}}      ("args" optional)
 *
 * and gets exactly one reply message per request, in order: a JSON object with "ok": true and
 * the command's fields, or {"ok":false,"error":"one line naming what was wrong"}.  A
 * connection may carry any number of requests.
 *
 * Who may do what: peer credentials (SO_PEERCRED, taken at connect) are checked here, before
 * the daemon's handler runs.  Read-only commands -- names ending in ".list" or ".get", and
 * "status" and "events" -- are open to every user (the socket is 0666); any other command
 * from a uid other than 0 is refused with
 *   {"ok":false,"error":"permission denied: only root can change the policy (you are uid 1000)"}
 *
 * Server side, for a daemon that owns an epoll loop:
 *
 *   zj_control_open(path, handle, userdata, &c);
 *   epoll_ctl(ep, EPOLL_CTL_ADD, zj_control_fd(c), {EPOLLIN});   // one fd for everything
 *   ... readable: zj_control_dispatch(c);
 *   ... about once a second, from the daemon's timer: zj_control_expire(c, now_usec);
 *   zj_control_free(c);
 *
 * zj_control_fd() is an epoll instance of the server's own, holding the listening socket and
 * every connection: it is readable whenever one of them needs attention (level-triggered), so
 * the daemon adds one fd and keeps no per-connection state.  Nothing blocks: every socket is
 * non-blocking, a dispatch handles at most one message per connection (no client can starve
 * the others), a reply the client does not read is kept (one per connection) until it can be
 * sent, and the connection is not read meanwhile.  Malformed or oversized requests get an
 * error reply; the connection stays usable.  A connection with no progress for the idle
 * timeout is closed by zj_control_expire().  At most ZJ_CONTROL_CONN_MAX connections, the last
 * ZJ_CONTROL_CONN_ROOT of them for root only, and at most ZJ_CONTROL_CONN_PER_UID for each other
 * uid; one more gets a "too many ..." error reply with "busy":true and is closed.  As requests
 * are SOCK_SEQPACKET messages, a half-sent request does not exist: a client is either idle
 * (closed after the idle timeout), or sends whole messages, each answered in turn.
 *
 * Client side: zj_control_call() -- connect, send, wait for the reply.
 */
#ifndef ZHIJIA_CONTROL_H
#define ZHIJIA_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#define ZJ_CONTROL_PATH "/run/zhijia/zhijiad.sock"
#define ZJ_CONTROL_REQUEST_MAX (64u * 1024)	   /* bytes of one request */
#define ZJ_CONTROL_REPLY_MAX (4u * 1024 * 1024)	   /* bytes of one reply */
#define ZJ_CONTROL_CONN_MAX 64			   /* connections at a time */
#define ZJ_CONTROL_CONN_ROOT 8			   /* of those, kept for uid 0 */
#define ZJ_CONTROL_CONN_PER_UID 8		   /* at a time for one uid other than 0 */
#define ZJ_CONTROL_IDLE_USEC (10ull * 1000 * 1000) /* default idle timeout */
#define ZJ_CONTROL_CALL_TIMEOUT_MSEC (30 * 1000)   /* zj_control_call()'s wait for the reply */
#define ZJ_CONTROL_BUSY_RETRY_MSEC (10 * 1000)	   /* ... and how long it retries when busy */

/* The peer's credentials: struct ucred from <sys/socket.h> (needs _GNU_SOURCE to use). */
struct ucred;
struct zj_control;

/*
 * The daemon's answer to one permitted request.  cmd is the request's "cmd"; args its "args"
 * object, NULL when it had none; both valid during the call only.  Return 0 with *ret_reply
 * set to a JSON object (ownership passes to the server; "ok":true is added when missing), or
 * a negative errno without a reply ({"ok":false,"error":"internal error: <strerror>"} is sent).
 * For a refusal the client should read, return 0 and a reply made by zj_control_error_reply().
 */
typedef int (*zj_control_handler_fn)(void *userdata, const char *cmd, json_object *args,
				     const struct ucred *peer, json_object **ret_reply);

/*
 * Listen on path: creates its directory (0755) when missing, replaces a stale socket (one
 * nobody answers on), binds, makes it 0666 and listens.  -EADDRINUSE when a server already
 * answers there, -ENOTSOCK when path is something else than a socket, -ENAMETOOLONG.
 */
int zj_control_open(const char *path, zj_control_handler_fn handle, void *userdata,
		    struct zj_control **ret);
/* Close every connection and the socket; unlink the path if it is still this server's. */
void zj_control_free(struct zj_control *c);

/* The one fd to poll for EPOLLIN (an epoll fd). */
int zj_control_fd(const struct zj_control *c);
/* Accept, read, answer and send what is ready, without blocking.  Returns 0 or -errno of the
 * server's own epoll (connections' errors close those connections). */
int zj_control_dispatch(struct zj_control *c);
/* Close connections with no progress for longer than the idle timeout before now_usec
 * (CLOCK_MONOTONIC microseconds).  Returns how many were closed. */
int zj_control_expire(struct zj_control *c, uint64_t now_usec);
void zj_control_set_idle_timeout(struct zj_control *c, uint64_t usec);
/* Open connections. */
unsigned zj_control_connections(const struct zj_control *c);

/* Whether a command is open to every user (see above). */
bool zj_control_read_only(const char *cmd);

/* {"ok":false,"error":message}: 0, or -ENOMEM. */
int zj_control_error_reply(const char *message, json_object **ret_reply);

/*
 * Send one request and wait (ZJ_CONTROL_CALL_TIMEOUT_MSEC) for its reply; args may be NULL.
 * -ENOENT (no socket) or -ECONNREFUSED (nobody listening) when the daemon is not running,
 * -ETIMEDOUT, -EBADMSG for a reply that is not a JSON object, -EMSGSIZE for a request over
 * ZJ_CONTROL_REQUEST_MAX.  The reply may say "ok":false: that is the daemon's answer, and
 * still 0 here.  A "busy" server is asked again for up to ZJ_CONTROL_BUSY_RETRY_MSEC.
 */
int zj_control_call(const char *path, const char *cmd, json_object *args, json_object **ret_reply);

#endif /* ZHIJIA_CONTROL_H */
