/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scheduled tasks: cron entries (files of ROOT/etc/cron.d, and the lines of every crontab for
 * "match") and systemd timers (unit files in ROOT/etc/systemd/system).  Everything is done on
 * the files, so that it works without a running systemd (containers, a mounted disk, tests);
 * when systemd is PID 1 and the root is the host's, systemd is told: daemon-reload, and the
 * timer started or stopped.  Enabling a timer is its symlink in timers.target.wants, what
 * `systemctl enable` would make from the [Install] section zhijia writes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arr-int.h"
#include "quarantine.h"
#include "util.h"

#define DISABLED_PREFIX "#zhijia-disabled# "
#define UNIT_DIR "/etc/systemd/system"

/* ---- text helpers --------------------------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	int error;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->error)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *np = realloc(b->p, cap);

		if (!np) {
			b->error = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static int run_systemctl(struct arr_x *x, const char *verb, const char *unit)
{
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
	char *argv[] = {"/bin/systemctl", (char *)verb, (char *)unit, NULL};
	int status = 0, r;

	if (!arx_systemd_running(x))
		return 0;
	if (access(argv[0], X_OK) < 0)
		argv[0] = "/usr/bin/systemctl";
	r = arx_spawn(argv, envp, NULL, 0, (uid_t)-1, (gid_t)-1, 60, &status, NULL, NULL);
	if (r < 0)
		return r;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECANCELED;
}

/* ---- cron ----------------------------------------------------------------------------------- */

/* A line that is a cron entry: not blank, not a comment, not NAME=value. */
static bool cron_entry(const char *line, size_t n)
{
	size_t i = 0, tok;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == n || line[i] == '#' || line[i] == '\n')
		return false;
	tok = i + strcspn(line + i, " \t\n=");
	return !(tok < n && line[tok] == '=');
}

/* The schedule's end: 1 field for @word, 5 otherwise.  Returns the offset after it. */
static size_t cron_schedule_end(const char *line, size_t n)
{
	size_t i = 0;
	int fields = 0, want;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	want = line[i] == '@' ? 1 : 5;
	while (fields < want && i < n) {
		while (i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '\n')
			i++;
		fields++;
		if (fields < want)
			while (i < n && (line[i] == ' ' || line[i] == '\t'))
				i++;
	}
	return i;
}

static bool line_has(const char *line, size_t n, const struct zj_arr_strv *match)
{
	for (size_t k = 0; k < match->n; k++) {
		size_t m = strlen(match->v[k]);

		for (size_t i = 0; m <= n && i + m <= n; i++)
			if (memcmp(line + i, match->v[k], m) == 0)
				return true;
	}
	return false;
}

/*
 * Apply the action to the lines of one crontab (all lines with no match list).  Returns how
 * many lines changed, and the new text in out.
 */
static int cron_edit(const struct zj_arr_action *a, const char *text, size_t len,
		     struct sbuf *out)
{
	size_t plen = strlen(DISABLED_PREFIX);
	int changed = 0;

	for (size_t i = 0; i < len;) {
		const char *line = text + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) + 1 : len - i;
		bool disabled = n >= plen && memcmp(line, DISABLED_PREFIX, plen) == 0;
		bool chosen = a->match.n ? line_has(line, n, &a->match)
					 : (cron_entry(line, n) || disabled);

		i += n;
		if (!chosen || (a->match.n && !disabled && !cron_entry(line, n) &&
				a->instr != ZJ_ARR_TASK_DELETE)) {
			sb_add(out, line, n);
			continue;
		}
		if (a->instr == ZJ_ARR_TASK_DELETE) {
			changed++;
			continue;
		}
		if (a->enabled == 1 && disabled) {
			line += plen;
			n -= plen;
			disabled = false;
			changed++;
		}
		if (a->schedule && !disabled) {
			size_t end = cron_schedule_end(line, n);

			if (a->enabled == 0)
				sb_str(out, DISABLED_PREFIX);
			sb_str(out, a->schedule);
			sb_add(out, line + end, n - end);
			changed++;
			continue;
		}
		if (a->enabled == 0 && !disabled) {
			sb_str(out, DISABLED_PREFIX);
			changed++;
		}
		sb_add(out, line, n);
	}
	if (out->error)
		return out->error;
	if (!out->p)
		sb_add(out, "", 0);
	return out->error ? out->error : changed;
}

/* Edit (or, dry, count) one crontab; unchanged files are not touched. */
static int cron_file(struct arr_x *x, const char *path)
{
	_cleanup_free_ char *text = NULL;
	struct sbuf out = {0};
	char id[ZJ_QUARANTINE_ID_MAX];
	struct stat st;
	size_t len;
	int r, changed;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	r = arx_read_file(path, 16u << 20, &text, &len);
	if (r < 0) {
		arx_bad(x, r, "%s", path);
		return 0;
	}
	changed = cron_edit(x->a, text, len, &out);
	if (changed < 0) {
		free(out.p);
		return changed;
	}
	if (changed == 0) {
		free(out.p);
		return 0;
	}
	if (x->dry) {
		arx_ok(x, "%s: %d lines", path, changed);
		free(out.p);
		return 0;
	}
	r = arx_guard(x, path, false, NULL);
	if (r == 0)
		r = arx_keep(x, path, false, id);
	if (r == 0)
		r = arx_write_atomic(path, out.p, out.len, st.st_mode, st.st_uid, st.st_gid);
	free(out.p);
	if (r < 0)
		arx_bad(x, r, "%s: not changed", path);
	else
		arx_ok(x, "%s: %d lines %s; the old file is quarantine item %s", path, changed,
		       x->a->instr == ZJ_ARR_TASK_DELETE ? "removed" : "changed", id);
	return 0;
}

static int cron_dir(struct arr_x *x, const char *rel)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (arx_rooted(x, rel, dir, sizeof(dir)) < 0)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while (r >= 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < sizeof(path))
			r = cron_file(x, path);
	}
	closedir(d);
	return r;
}

static int cron_task(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char dir[PATH_MAX], path[PATH_MAX + 256], id[ZJ_QUARANTINE_ID_MAX];
	struct stat st;
	int r;

	r = arx_rooted(x, "/etc/cron.d", dir, sizeof(dir));
	if (r < 0)
		return r;
	if (a->match.n) {
		r = arx_rooted(x, "/etc/crontab", path, sizeof(path));
		if (r == 0)
			r = cron_file(x, path);
		if (r == 0)
			r = cron_dir(x, "/etc/cron.d");
		if (r == 0)
			r = cron_dir(x, "/var/spool/cron/crontabs");
		if (r == 0)
			r = cron_dir(x, "/var/spool/cron");
		if (r == 0 && x->n_ok == 0 && x->n_bad == 0)
			arx_reason(x, "no crontab line matches");
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, a->task);
	if (arx_guard(x, path, false, NULL) < 0)
		return arx_fail(x, -EPERM, "%s is a system-critical path; the rule needs \"force\": "
					   "true",
				path);
	if (a->instr == ZJ_ARR_TASK_CREATE) {
		struct sbuf b = {0};

		if (lstat(path, &st) == 0)
			return arx_fail(x, -EEXIST, "%s exists", path);
		if (x->dry) {
			arx_ok(x, "%s (new)", path);
			return 0;
		}
		sb_str(&b, "# zhijia ARR rule: ");
		sb_str(&b, x->rule->name);
		sb_str(&b, "\nSHELL=/bin/sh\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n");
		sb_str(&b, a->schedule);
		sb_str(&b, " ");
		sb_str(&b, a->user ? a->user : "root");
		sb_str(&b, " ");
		/* cron reads an unescaped % as a newline */
		for (const char *c = a->command; *c; c++)
			sb_add(&b, *c == '%' ? "\\%" : c, *c == '%' ? 2 : 1);
		sb_str(&b, "\n");
		r = b.error;
		if (r == 0)
			r = arx_mkdir_p(dir, 0755);
		if (r == 0)
			r = arx_write_atomic(path, b.p, b.len, 0644, 0, 0);
		free(b.p);
		if (r < 0)
			return arx_fail(x, r, "could not write %s: %s", path, strerror(-r));
		arx_ok(x, "created %s", path);
		return 0;
	}
	if (lstat(path, &st) < 0)
		return arx_fail(x, negative_errno(), "%s: %s", path, strerror(errno));
	if (a->instr == ZJ_ARR_TASK_MODIFY) {
		r = cron_file(x, path);
		if (r == 0 && x->n_ok == 0 && x->n_bad == 0)
			arx_reason(x, "%s: nothing to change", path);
		return r;
	}
	if (x->dry) {
		arx_ok(x, "%s", path);
		return 0;
	}
	r = arx_keep(x, path, true, id);
	if (r < 0)
		return arx_fail(x, r, "could not delete %s: %s", path, strerror(-r));
	arx_ok(x, "deleted %s; quarantine item %s", path, id);
	return 0;
}

/* ---- systemd timers ------------------------------------------------------------------------- */

/* ExecStart= takes C-style quoting; % is a specifier and $ a variable to systemd. */
static void unit_quote(struct sbuf *b, const char *s)
{
	sb_str(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_add(b, "\\", 1);
		if (*s == '%' || *s == '$')
			sb_add(b, s, 1);
		sb_add(b, s, 1);
	}
	sb_str(b, "\"");
}

static int timer_paths(struct arr_x *x, char *base, size_t blen, char *dir, size_t dlen)
{
	const char *t = x->a->task;
	size_t n = strlen(t);

	if (n > 6 && strcmp(t + n - 6, ".timer") == 0)
		n -= 6;
	if (n >= blen)
		return -ENAMETOOLONG;
	memcpy(base, t, n);
	base[n] = '\0';
	return arx_rooted(x, UNIT_DIR, dir, dlen);
}

static int wants_link(struct arr_x *x, const char *dir, const char *base, bool enable)
{
	char wants[PATH_MAX], link[PATH_MAX + 64], target[PATH_MAX];
	char id[ZJ_QUARANTINE_ID_MAX];
	struct stat st;
	int r;

	snprintf(wants, sizeof(wants), "%s/timers.target.wants", dir);
	snprintf(link, sizeof(link), "%s/%s.timer", wants, base);
	if (enable) {
		if (lstat(link, &st) == 0)
			return 0;
		r = arx_mkdir_p(wants, 0755);
		if (r < 0)
			return r;
		/* as systemctl makes it: the unit's path on the host, not under the root */
		snprintf(target, sizeof(target), UNIT_DIR "/%s.timer", base);
		return symlink(target, link) < 0 ? negative_errno() : 1;
	}
	if (lstat(link, &st) < 0)
		return 0;
	r = arx_keep(x, link, true, id);
	return r < 0 ? r : 1;
}

static int timer_task(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char base[256], dir[PATH_MAX], timer[PATH_MAX + 300], service[PATH_MAX + 300];
	char dropdir[PATH_MAX + 300], drop[PATH_MAX + 320], id[ZJ_QUARANTINE_ID_MAX];
	char unit[300];
	struct stat st;
	int r;

	r = timer_paths(x, base, sizeof(base), dir, sizeof(dir));
	if (r < 0)
		return r;
	snprintf(timer, sizeof(timer), "%s/%s.timer", dir, base);
	snprintf(service, sizeof(service), "%s/%s.service", dir, base);
	snprintf(dropdir, sizeof(dropdir), "%s/%s.timer.d", dir, base);
	snprintf(drop, sizeof(drop), "%s/zhijia.conf", dropdir);
	snprintf(unit, sizeof(unit), "%s.timer", base);
	/* zhijia's own units are critical paths like any other */
	if (arx_guard(x, timer, false, NULL) < 0 || arx_guard(x, service, false, NULL) < 0 ||
	    arx_guard(x, drop, false, NULL) < 0)
		return arx_fail(x, -EPERM, "%s.timer or .service is a system-critical path; the "
					   "rule needs \"force\": true",
				base);

	if (a->instr == ZJ_ARR_TASK_CREATE) {
		struct sbuf s = {0}, t = {0};

		if (lstat(timer, &st) == 0 || lstat(service, &st) == 0)
			return arx_fail(x, -EEXIST, "%s or %s exists", timer, service);
		if (x->dry) {
			arx_ok(x, "%s, %s (new)", timer, service);
			return 0;
		}
		sb_str(&s, "# zhijia ARR rule: ");
		sb_str(&s, x->rule->name);
		sb_str(&s, "\n[Unit]\nDescription=zhijia ARR task ");
		sb_str(&s, base);
		sb_str(&s, "\n\n[Service]\nType=oneshot\n");
		if (a->user) {
			sb_str(&s, "User=");
			sb_str(&s, a->user);
			sb_str(&s, "\n");
		}
		sb_str(&s, "ExecStart=/bin/sh -c ");
		unit_quote(&s, a->command);
		sb_str(&s, "\n");
		sb_str(&t, "# zhijia ARR rule: ");
		sb_str(&t, x->rule->name);
		sb_str(&t, "\n[Unit]\nDescription=zhijia ARR task ");
		sb_str(&t, base);
		sb_str(&t, "\n\n[Timer]\nOnCalendar=");
		sb_str(&t, a->schedule);
		sb_str(&t, "\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n");
		r = s.error ? s.error : t.error;
		if (r == 0)
			r = arx_mkdir_p(dir, 0755);
		if (r == 0)
			r = arx_write_atomic(service, s.p, s.len, 0644, 0, 0);
		if (r == 0)
			r = arx_write_atomic(timer, t.p, t.len, 0644, 0, 0);
		free(s.p);
		free(t.p);
		if (r == 0)
			r = wants_link(x, dir, base, true);
		if (r < 0)
			return arx_fail(x, r, "could not write %s: %s", timer, strerror(-r));
		if (run_systemctl(x, "daemon-reload", NULL) < 0 ||
		    run_systemctl(x, "start", unit) < 0)
			return arx_fail(x, -ECANCELED, "%s written, but systemd did not start it",
					timer);
		arx_ok(x, "created and enabled %s (runs %s.service)", timer, base);
		return 0;
	}
	if (lstat(timer, &st) < 0)
		return arx_fail(x, negative_errno(), "%s: %s", timer, strerror(errno));
	if (x->dry) {
		arx_ok(x, "%s", timer);
		return 0;
	}
	if (a->instr == ZJ_ARR_TASK_MODIFY) {
		if (a->schedule) {
			struct sbuf b = {0};

			if (lstat(drop, &st) == 0) {
				r = arx_keep(x, drop, false, id);
				if (r < 0)
					return arx_fail(x, r, "could not keep %s", drop);
			}
			sb_str(&b, "[Timer]\nOnCalendar=\nOnCalendar=");
			sb_str(&b, a->schedule);
			sb_str(&b, "\n");
			r = b.error;
			if (r == 0)
				r = arx_mkdir_p(dropdir, 0755);
			if (r == 0)
				r = arx_write_atomic(drop, b.p, b.len, 0644, 0, 0);
			free(b.p);
			if (r < 0)
				return arx_fail(x, r, "could not write %s", drop);
			arx_ok(x, "%s: schedule %s", drop, a->schedule);
			(void)run_systemctl(x, "daemon-reload", NULL);
		}
		if (a->enabled >= 0) {
			r = wants_link(x, dir, base, a->enabled == 1);
			if (r < 0)
				return arx_fail(x, r, "could not %s %s", a->enabled ? "enable" : "disable",
						unit);
			r = run_systemctl(x, a->enabled ? "start" : "stop", unit);
			if (r < 0)
				return arx_fail(x, r, "systemctl could not %s %s",
						a->enabled ? "start" : "stop", unit);
			arx_ok(x, "%s %s", unit, a->enabled ? "enabled" : "disabled");
		}
		return 0;
	}
	/* Task_Delete */
	(void)run_systemctl(x, "stop", unit);
	r = wants_link(x, dir, base, false);
	if (r < 0)
		return arx_fail(x, r, "could not disable %s", unit);
	r = arx_keep(x, timer, true, id);
	if (r < 0)
		return arx_fail(x, r, "could not delete %s", timer);
	arx_ok(x, "deleted %s; quarantine item %s", timer, id);
	if (lstat(service, &st) == 0) {
		r = arx_keep(x, service, true, id);
		if (r < 0)
			arx_bad(x, r, "%s", service);
		else
			arx_ok(x, "deleted %s; quarantine item %s", service, id);
	}
	if (lstat(drop, &st) == 0) {
		r = arx_keep(x, drop, true, id);
		if (r == 0)
			(void)rmdir(dropdir);
	}
	(void)run_systemctl(x, "daemon-reload", NULL);
	return 0;
}

int arx_do_task(struct arr_x *x)
{
	return x->a->type == ZJ_ARR_TASK_TIMER ? timer_task(x) : cron_task(x);
}
