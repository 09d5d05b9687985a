/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zhijia/event.h"
#include "eventlog.h"
#include "siem.h"
#include "util.h"

#define FLUSH_AT (256 * 1024) /* flush early past this much buffered */

struct zj_eventlog {
	int fd;
	bool to_stdout;
	size_t out_done; /* bytes of buf already on stdout */
	struct zj_buf buf;
	struct zj_json_cache cache; /* the last actor and target objects */
	enum zj_output_format fmt;	 /* not ZJ_OUTPUT_JSON: lines converted (siem.h) */
	const struct zj_siem_host *host; /* for the converters */
	struct zj_buf native;		 /* a native line before its conversion */
};

void zj_eventlog_set_format(struct zj_eventlog *l, enum zj_output_format fmt,
			    const struct zj_siem_host *host)
{
	l->fmt = fmt;
	l->host = host;
}

/* The native line in native[0..len) converted into buf (siem.h). */
static int append_converted(struct zj_eventlog *l, const char *line, size_t len)
{
	int r = zj_siem_convert_line(l->fmt, line, len, l->host, &l->buf);

	if (r < 0)
		return r;
	if (l->buf.len >= FLUSH_AT)
		return zj_eventlog_flush(l);
	return 0;
}

static int mkdir_parents(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		*p = '/';
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

int zj_eventlog_open(const char *path, bool to_stdout, struct zj_eventlog **ret)
{
	struct zj_eventlog *l;
	int r;

	r = mkdir_parents(path);
	if (r < 0)
		return r;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->to_stdout = to_stdout;
	l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->fd < 0) {
		r = negative_errno();
		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

static int write_all(int fd, const char *p, size_t n, size_t *done)
{
	while (*done < n) {
		ssize_t w = write(fd, p + *done, n - *done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return negative_errno();
		*done += (size_t)w;
	}
	return 0;
}

int zj_eventlog_flush(struct zj_eventlog *l)
{
	size_t done = 0;
	int r;

	if (!l->buf.len)
		return 0;
	if (l->to_stdout) {
		/* best effort: a closed stdout must not stop the log */
		(void)write_all(STDOUT_FILENO, l->buf.data, l->buf.len, &l->out_done);
	}
	r = write_all(l->fd, l->buf.data, l->buf.len, &done);
	if (done) {
		/* keep what was not written for the next flush */
		memmove(l->buf.data, l->buf.data + done, l->buf.len - done);
		l->buf.len -= done;
		l->out_done = l->out_done > done ? l->out_done - done : 0;
	}
	return r;
}

int zj_eventlog_append(struct zj_eventlog *l, const struct zj_event *ev)
{
	return zj_eventlog_append_findings(l, ev, NULL, 0);
}

int zj_eventlog_append_findings(struct zj_eventlog *l, const struct zj_event *ev,
				const struct zj_log_finding *f, size_t n)
{
	int r;

	if (l->fmt != ZJ_OUTPUT_JSON) {
		l->native.len = 0;
		r = zj_event_to_json_findings(ev, f, n, &l->native);
		return r < 0 ? r : append_converted(l, l->native.data, l->native.len);
	}
	r = zj_event_to_json_cached(ev, f, n, &l->cache, &l->buf);
	if (r < 0)
		return r;
	if (l->buf.len >= FLUSH_AT)
		return zj_eventlog_flush(l);
	return 0;
}

int zj_eventlog_append_line(struct zj_eventlog *l, const char *line, size_t len)
{
	int r;

	if (l->fmt != ZJ_OUTPUT_JSON)
		return append_converted(l, line, len);
	r = zj_buf_reserve(&l->buf, len + 1);
	if (r < 0)
		return r;
	memcpy(l->buf.data + l->buf.len, line, len);
	l->buf.data[l->buf.len + len] = '\n';
	l->buf.len += len + 1;
	if (l->buf.len >= FLUSH_AT)
		return zj_eventlog_flush(l);
	return 0;
}

int zj_eventlog_close(struct zj_eventlog *l)
{
	int r;

	if (!l)
		return 0;
	r = zj_eventlog_flush(l);
	if (fdatasync(l->fd) < 0 && r == 0)
		r = negative_errno();
	if (close(l->fd) < 0 && r == 0)
		r = negative_errno();
	zj_buf_free(&l->buf);
	zj_json_cache_free(&l->cache);
	zj_buf_free(&l->native);
	free(l);
	return r;
}
