/* SPDX-License-Identifier: GPL-2.0-only */
/* The ARR inbox (arr-inbox.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-journal.h>

#include "zhijia/arr.h"
#include "arr-inbox.h"
#include "arr-result.h"
#include "arr-int.h"
#include "sandbox.h"
#include "util.h"

#define RESULT_SUFFIX ".result"

int zj_arr_log_line(const char *event_log, const char *json)
{
	char dir[PATH_MAX];
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int fd = -1;
	size_t n;

	if (!event_log)
		return 0;
	snprintf(dir, sizeof(dir), "%s", event_log);
	if (mkdir(dirname(dir), 0750) < 0 && errno != EEXIST)
		return negative_errno();
	if (asprintf(&line, "%s\n", json) < 0)
		return -ENOMEM;
	fd = open(event_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	n = strlen(line);
	errno = 0;
	if (write(fd, line, n) != (ssize_t)n)
		return errno ? negative_errno() : -EIO;
	return 0;
}

int zj_arr_journal_summary(const struct zj_arr_run *run, const char *source,
			   const char *identifier)
{
	return sd_journal_send("MESSAGE=ARR rule '%s' (%s): %zu done, %zu failed, %zu skipped",
			       run->name, source, run->n_done, run->n_failed, run->n_skipped,
			       "PRIORITY=%d", run->n_failed ? 4 : 5, "SYSLOG_IDENTIFIER=%s",
			       identifier, "ZHIJIA_ARR_RULE=%s", run->name, "ZHIJIA_ARR_SOURCE=%s",
			       source, "ZHIJIA_ARR_DONE=%zu", run->n_done, "ZHIJIA_ARR_FAILED=%zu",
			       run->n_failed, "ZHIJIA_ARR_SKIPPED=%zu", run->n_skipped, NULL);
}

int zj_arr_inbox_init(const char *dir)
{
	struct stat st;
	int r = arx_mkdir_p(dir, 0700);

	if (r < 0)
		return r;
	if (lstat(dir, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

/* The inbox itself: root's, writable by nobody else.  An fd on it, or a negative errno. */
static int open_inbox(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_uid != 0 || (st.st_mode & 022))
		return -EPERM;
	return TAKE_FD(fd);
}

static bool is_rule_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static bool has_result(int dfd, const char *name)
{
	char res[NAME_MAX + 16];
	struct stat st;

	snprintf(res, sizeof(res), "%s" RESULT_SUFFIX, name);
	return fstatat(dfd, res, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of waiting rule files, sorted. */
static int waiting(int dfd, char ***ret, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return negative_errno();
	}
	while ((de = readdir(d))) {
		char **nv;

		if (!is_rule_name(de->d_name) || has_result(dfd, de->d_name))
			continue;
		nv = reallocarray(v, n + 1, sizeof(*nv));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			free(nv ? nv : v);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int zj_arr_inbox_pending(const char *dir)
{
	_cleanup_close_ int dfd = open_inbox(dir);
	char **v = NULL;
	size_t n = 0;
	int r;

	if (dfd < 0)
		return dfd;
	r = waiting(dfd, &v, &n);
	if (r < 0)
		return r;
	free_names(v, n);
	return (int)n;
}

/* NAME.json.result, atomically. */
static int write_result(const char *dir, const char *name, json_object *o)
{
	char path[PATH_MAX];
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE);

	if ((size_t)snprintf(path, sizeof(path), "%s/%s" RESULT_SUFFIX, dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	return arx_write_atomic(path, text, strlen(text), 0600, 0, 0);
}

/* Read the rule: root's regular file, not a link, writable by nobody else. */
static int read_rule(int dfd, const char *name, char **ret, size_t *ret_len, char *why,
		     size_t whylen)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (fd < 0) {
		snprintf(why, whylen, "cannot open it: %s", strerror(errno));
		return negative_errno();
	}
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(why, whylen, "not a regular file owned by root and writable by root only");
		return -EPERM;
	}
	if ((uint64_t)st.st_size > ZJ_ARR_TEXT_MAX) {
		snprintf(why, whylen, "larger than %u bytes", ZJ_ARR_TEXT_MAX);
		return -EFBIG;
	}
	r = zj_read_all(fd, (size_t)st.st_size, &buf, &len);
	if (r < 0) {
		snprintf(why, whylen, "cannot read it: %s", strerror(-r));
		return r;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/* ---- parsing in the sandbox -------------------------------------------------------------- */

struct parse_job {
	const char *text;
	size_t len;
	const char *name;
};

/* In the sandbox: "O" for a valid rule, or "E" and the reason. */
static int parse_in_sandbox(void *userdata, int out_fd)
{
	const struct parse_job *j = userdata;
	struct zj_arr_rule *rule = NULL;
	char msg[1 + ZJ_ARR_ERR_MAX] = "E";
	size_t n, off = 0;
	int r;

	r = zj_arr_parse(j->text, j->len, j->name, &rule, msg + 1, sizeof(msg) - 1);
	if (r == 0 && rule->needs_ctx) {
		snprintf(msg + 1, sizeof(msg) - 1,
			 "the rule has ${variables}: it runs only for a finding");
		r = -EINVAL;
	}
	zj_arr_rule_free(rule);
	if (r == 0)
		msg[0] = 'O', msg[1] = '\0';
	else if (!msg[1])
		snprintf(msg + 1, sizeof(msg) - 1, "%s", strerror(-r));
	n = strlen(msg);
	while (off < n) {
		ssize_t w = write(out_fd, msg + off, n - off);

		if (w <= 0)
			return 1;
		off += (size_t)w;
	}
	return 0;
}

/*
 * Parse and validate the rule text in a sandboxed child (sandbox.h): 0 when it is a valid rule
 * to run now, else a negative errno with the reason in err.  What the child says is one byte
 * and a bounded message with its control bytes replaced: nothing of it is parsed.
 */
static int check_in_sandbox(const char *text, size_t len, const char *name,
			    struct zj_sandbox_info *info, char *err, size_t errlen)
{
	struct parse_job j = {text, len, name};
	char out[1 + ZJ_ARR_ERR_MAX];
	size_t n = 0;
	int r;

	r = zj_sandbox_run(parse_in_sandbox, &j, out, sizeof(out) - 1, &n, info);
	if (r < 0) {
		if (r == -ECHILD && WIFSIGNALED(info->exit_status))
			snprintf(err, errlen, "the rule parser (sandboxed, pid %d) was killed by "
				 "signal %d", (int)info->pid, WTERMSIG(info->exit_status));
		else
			snprintf(err, errlen, "the rule parser's sandbox failed: %s", strerror(-r));
		return r == -ECHILD ? -EINVAL : r;
	}
	out[n] = '\0';
	if (n == 1 && out[0] == 'O')
		return 0;
	if (n < 2 || out[0] != 'E') {
		snprintf(err, errlen, "the rule parser (sandboxed) gave no answer");
		return -EINVAL;
	}
	for (size_t i = 1; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
	snprintf(err, errlen, "%s", out + 1);
	return -EINVAL;
}

/* "parser": how the sandbox that parsed the rule was, as its parent saw it. */
static void add_parser_info(json_object *res, const struct zj_sandbox_info *info)
{
	json_object *p = json_object_new_object();
	char hex[32];

	if (!p)
		return;
	json_object_object_add(p, "pid", json_object_new_int64(info->pid));
	json_object_object_add(p, "uid", json_object_new_int64(info->uid));
	json_object_object_add(p, "euid", json_object_new_int64(info->euid));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)info->cap_eff);
	json_object_object_add(p, "cap_eff", json_object_new_string(hex));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)info->cap_prm);
	json_object_object_add(p, "cap_prm", json_object_new_string(hex));
	json_object_object_add(p, "no_new_privs", json_object_new_int(info->no_new_privs));
	json_object_object_add(p, "seccomp", json_object_new_int(info->seccomp));
	json_object_object_add(res, "parser", p);
}

static int run_one(const char *dir, int dfd, const char *name, const struct zj_arr_exec_opts *o,
		   const char *event_log)
{
	struct zj_sandbox_info info = {0};
	_cleanup_free_ char *text = NULL, *json = NULL;
	char err[ZJ_ARR_ERR_MAX] = "";
	struct zj_arr_rule *rule = NULL;
	struct zj_arr_run *run = NULL;
	json_object *res, *runo;
	int64_t started = zj_arr_result_now_ms();
	size_t len = 0;
	int r;

	r = read_rule(dfd, name, &text, &len, err, sizeof(err));
	/* the text comes from a SOAR platform: its parser runs sandboxed first (see README) */
	if (r == 0)
		r = check_in_sandbox(text, len, name, &info, err, sizeof(err));
	if (r == 0) {
		r = zj_arr_parse(text, len, name, &rule, err, sizeof(err));
		if (r == 0 && rule->needs_ctx) {
			snprintf(err, sizeof(err),
				 "the rule has ${variables}: it runs only for a finding");
			r = -EINVAL;
		}
	}
	/* the result document: arr-result.h */
	res = zj_arr_result_new(name, "running", text, len, rule ? rule->name : NULL, started);
	if (!res) {
		zj_arr_rule_free(rule);
		return -ENOMEM;
	}
	if (info.pid > 0)
		add_parser_info(res, &info);
	if (r < 0) {
		zj_arr_result_refused(res, err[0] ? err : strerror(-r), zj_arr_result_now_ms());
		r = write_result(dir, name, res);
		json_object_put(res);
		zj_arr_rule_free(rule);
		return r;
	}
	/* "running" first: a crash in the middle never runs the rule twice */
	r = write_result(dir, name, res);
	if (r < 0) {
		json_object_put(res);
		zj_arr_rule_free(rule);
		return r;
	}
	r = zj_arr_exec_run(rule, o, &run);
	zj_arr_rule_free(rule);
	if (r < 0) {
		zj_arr_result_refused(res, strerror(-r), zj_arr_result_now_ms());
	} else {
		json_object_object_add(res, "state", json_object_new_string("finished"));
		zj_arr_result_finished(res, run, zj_arr_result_now_ms());
		r = zj_arr_run_to_json(run, &json);
		runo = r >= 0 ? json_tokener_parse(json) : NULL;
		(void)zj_arr_journal_summary(run, "inbox", "zhijiad");
		if (runo) {
			json_object_object_add(runo, "source", json_object_new_string("inbox"));
			json_object_object_add(runo, "file", json_object_new_string(name));
			(void)zj_arr_log_line(event_log, json_object_to_json_string_ext(
							     runo, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_object_add(res, "run", runo);
		}
		zj_arr_run_free(run);
	}
	r = write_result(dir, name, res);
	json_object_put(res);
	return r;
}

int zj_arr_inbox_run(const char *dir, const struct zj_arr_exec_opts *o, const char *event_log,
		     size_t *ret_ran)
{
	_cleanup_close_ int dfd = open_inbox(dir);
	char **v = NULL;
	size_t n = 0, ran = 0;
	int r;

	if (dfd < 0)
		return dfd;
	r = waiting(dfd, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = run_one(dir, dfd, v[i], o, event_log);
		ran++;
	}
	free_names(v, n);
	if (ret_ran)
		*ret_ran = ran;
	return r < 0 ? r : 0;
}
