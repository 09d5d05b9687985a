/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistence: T1053.002 At, T1053.003 Cron, T1053.006 Systemd Timers, T1543.002 Systemd
 * Service, T1574.006 Dynamic Linker Hijacking.  Which paths count, and why each unit type
 * maps where it does, is documented at zj_persist_classify() in include/zhijia/detect.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detect-internal.h"
#include "zhijia/errors.h"

#define T_AT "T1053.002"
#define T_CRON "T1053.003"
#define T_TIMER "T1053.006"
#define T_SERVICE "T1543.002"
#define T_PRELOAD "T1574.006"

/* ---- path classification ----------------------------------------------------------------- */

#define IN_NONE 0   /* not in dir */
#define IN_SELF 1   /* the directory itself */
#define IN_CHILD 2  /* directly in it: *ret_name */
#define IN_DEEPER 3 /* further down */

static int in_dir_n(struct zj_str p, const char *dir, size_t n, struct zj_str *ret_name)
{
	struct zj_str rest;

	if (!zj_dt_view_prefix(p, dir, n))
		return IN_NONE;
	if (p.len == n || (p.len == n + 1 && p.ptr[n] == '/'))
		return IN_SELF;
	if (p.ptr[n] != '/')
		return IN_NONE; /* "/etc/cron.dx" */
	rest.ptr = p.ptr + n + 1;
	rest.len = p.len - n - 1;
	if (memchr(rest.ptr, '/', rest.len))
		return IN_DEEPER;
	*ret_name = rest;
	return IN_CHILD;
}

/* Inline: a literal dir's strlen() is a constant. */
static inline int in_dir(struct zj_str p, const char *dir, struct zj_str *ret_name)
{
	return in_dir_n(p, dir, strlen(dir), ret_name);
}

/* crontab(1)'s temporary files, which cron does not load (see detect.h). */
static bool is_crontab_temp(struct zj_str name)
{
	return zj_dt_str_prefix(name, "tmp.") || zj_dt_str_prefix(name, "#tmp.");
}

static void set(struct zj_persist *ret, const char *technique, uint32_t kind, uint32_t target,
		struct zj_str unit)
{
	ret->technique = technique;
	ret->kind = kind;
	ret->target = target;
	ret->unit = unit;
}

static const struct zj_dt_lit cron_dirs[] = {
	ZJ_DT_LIT_ENTRY("/etc/cron.d"),	     ZJ_DT_LIT_ENTRY("/etc/cron.hourly"),
	ZJ_DT_LIT_ENTRY("/etc/cron.daily"),  ZJ_DT_LIT_ENTRY("/etc/cron.weekly"),
	ZJ_DT_LIT_ENTRY("/etc/cron.monthly"),
};

static int classify_cron_at(struct zj_str p, struct zj_persist *ret)
{
	static const struct zj_str none = {NULL, 0};
	struct zj_str name = none;
	int where;

	for (size_t i = 0; i < sizeof(cron_dirs) / sizeof(cron_dirs[0]); i++) {
		where = in_dir_n(p, cron_dirs[i].s, cron_dirs[i].n, &name);
		if (where == IN_SELF) {
			set(ret, T_CRON, ZJ_PERSIST_DIR, ZJ_TARGET_SYSTEM, none);
			return 1;
		}
		if (where == IN_CHILD) {
			set(ret, T_CRON, i == 0 ? ZJ_PERSIST_CRON_D : ZJ_PERSIST_CRON_PERIODIC,
			    ZJ_TARGET_SYSTEM, none);
			return 1;
		}
		if (where == IN_DEEPER)
			return 0;
	}

	/* Debian's spool: crontabs/USER, atjobs/JOB; atspool/ holds job output. */
	where = in_dir(p, "/var/spool/cron/crontabs", &name);
	if (where == IN_SELF) {
		set(ret, T_CRON, ZJ_PERSIST_DIR, ZJ_TARGET_SYSTEM, none);
		return 1;
	}
	if (where == IN_CHILD) {
		if (is_crontab_temp(name))
			return 0;
		set(ret, T_CRON, ZJ_PERSIST_USER_CRONTAB,
		    zj_dt_str_eq(name, "root") ? ZJ_TARGET_SYSTEM : ZJ_TARGET_USER, name);
		return 1;
	}
	if (where == IN_DEEPER)
		return 0;

	where = in_dir(p, "/var/spool/cron/atjobs", &name);
	if (where == IN_SELF) {
		set(ret, T_AT, ZJ_PERSIST_DIR, ZJ_TARGET_SYSTEM, none);
		return 1;
	}
	if (where == IN_CHILD) {
		if (zj_dt_str_eq(name, ".SEQ"))
			return 0;
		set(ret, T_AT, ZJ_PERSIST_AT_JOB, ZJ_TARGET_USER, none);
		return 1;
	}
	if (where == IN_DEEPER || in_dir(p, "/var/spool/cron/atspool", &name) != IN_NONE)
		return 0;

	/* Red Hat's spool: /var/spool/cron/USER, and /var/spool/at/JOB with output in spool/. */
	where = in_dir(p, "/var/spool/cron", &name);
	if (where == IN_SELF) {
		set(ret, T_CRON, ZJ_PERSIST_DIR, ZJ_TARGET_SYSTEM, none);
		return 1;
	}
	if (where == IN_CHILD) {
		if (is_crontab_temp(name))
			return 0;
		set(ret, T_CRON, ZJ_PERSIST_USER_CRONTAB,
		    zj_dt_str_eq(name, "root") ? ZJ_TARGET_SYSTEM : ZJ_TARGET_USER, name);
		return 1;
	}
	if (where == IN_DEEPER)
		return 0;

	where = in_dir(p, "/var/spool/at", &name);
	if (where == IN_SELF) {
		set(ret, T_AT, ZJ_PERSIST_DIR, ZJ_TARGET_SYSTEM, none);
		return 1;
	}
	if (where == IN_CHILD) {
		if (zj_dt_str_eq(name, ".SEQ") || zj_dt_str_eq(name, "spool"))
			return 0;
		set(ret, T_AT, ZJ_PERSIST_AT_JOB, ZJ_TARGET_USER, none);
		return 1;
	}
	return 0;
}

/* Unit types systemd knows; the suffix decides the sub-technique. */
static const char *const unit_types[] = {
	"service", "socket", "timer", "path",  "mount",	 "automount",
	"swap",	   "target", "slice", "scope", "device",
};

/*
 * The type of a unit name ("sshd.service" -> "service"); a bare type ("service", from the
 * type-wide drop-in directory service.d/) is its own type.  NULL for anything else.
 */
static const char *unit_type(struct zj_str unit)
{
	struct zj_str suffix = unit;

	for (size_t i = unit.len; i > 0; i--) {
		if (unit.ptr[i - 1] == '.') {
			if (i == 1)
				return NULL; /* ".service" is not a unit */
			suffix.ptr = unit.ptr + i;
			suffix.len = unit.len - i;
			break;
		}
	}
	for (size_t i = 0; i < sizeof(unit_types) / sizeof(unit_types[0]); i++)
		if (zj_dt_str_eq(suffix, unit_types[i]))
			return unit_types[i];
	return NULL;
}

static int classify_unit_path(struct zj_str rel, uint32_t target, struct zj_persist *ret)
{
	const char *slash = rel.len ? memchr(rel.ptr, '/', rel.len) : NULL;
	struct zj_str dir, name, unit;
	const char *type;
	uint32_t kind;

	if (!rel.len)
		return 0;
	if (!slash) {
		/* A unit file: "NAME.TYPE" (a bare type name is not a unit). */
		if (!memchr(rel.ptr, '.', rel.len) || !(type = unit_type(rel)))
			return 0;
		set(ret, strcmp(type, "timer") == 0 ? T_TIMER : T_SERVICE, ZJ_PERSIST_UNIT, target,
		    rel);
		return 1;
	}
	dir.ptr = rel.ptr;
	dir.len = (size_t)(slash - rel.ptr);
	name.ptr = slash + 1;
	name.len = rel.len - dir.len - 1;
	if (!name.len || memchr(name.ptr, '/', name.len))
		return 0;

	if (zj_dt_str_suffix(dir, ".d")) {
		/* Drop-in: only NAME.conf files are read. */
		if (name.len <= 5 || !zj_dt_str_suffix(name, ".conf"))
			return 0;
		unit.ptr = dir.ptr;
		unit.len = dir.len - 2;
		kind = ZJ_PERSIST_DROPIN;
	} else if (zj_dt_str_suffix(dir, ".wants") || zj_dt_str_suffix(dir, ".requires") ||
		   zj_dt_str_suffix(dir, ".upholds")) {
		/* Dependency link: the link's own name is the unit it pulls in. */
		unit = name;
		kind = ZJ_PERSIST_UNIT_LINK;
	} else {
		return 0;
	}
	type = unit_type(unit);
	if (!type)
		return 0;
	set(ret, strcmp(type, "timer") == 0 ? T_TIMER : T_SERVICE, kind, target, unit);
	return 1;
}

/* Unit directories of the system manager and, system-wide, of every user's manager. */
static const struct zj_dt_lit unit_dirs[] = {
	ZJ_DT_LIT_ENTRY("/etc/systemd/system/"),
	ZJ_DT_LIT_ENTRY("/run/systemd/system/"),
	ZJ_DT_LIT_ENTRY("/usr/lib/systemd/system/"),
	ZJ_DT_LIT_ENTRY("/lib/systemd/system/"),
	ZJ_DT_LIT_ENTRY("/usr/local/lib/systemd/system/"),
	ZJ_DT_LIT_ENTRY("/etc/systemd/user/"),
	ZJ_DT_LIT_ENTRY("/run/systemd/user/"),
	ZJ_DT_LIT_ENTRY("/usr/lib/systemd/user/"),
	ZJ_DT_LIT_ENTRY("/lib/systemd/user/"),
	ZJ_DT_LIT_ENTRY("/usr/local/lib/systemd/user/"),
};

/* One user's unit directories, below a home directory. */
static const char *const home_unit_dirs[] = {
	"/.config/systemd/user/",
	"/.local/share/systemd/user/",
};

static const char *find_in(struct zj_str hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!hay.ptr || hay.len < n)
		return NULL;
	for (size_t i = 0; i + n <= hay.len; i++)
		if (memcmp(hay.ptr + i, needle, n) == 0)
			return hay.ptr + i;
	return NULL;
}

int zj_persist_classify(const char *path, size_t len, struct zj_persist *ret)
{
	static const struct zj_str none = {NULL, 0};
	struct zj_str p = {path, len}, rel;

	if (!path || !ret)
		return -ZJ_EINVAL;
	if (!len || path[0] != '/' || memchr(path, '\0', len))
		return 0;

	if (zj_dt_str_eq(p, "/etc/ld.so.preload")) {
		set(ret, T_PRELOAD, ZJ_PERSIST_PRELOAD, ZJ_TARGET_SYSTEM, none);
		return 1;
	}
	if (zj_dt_str_eq(p, "/etc/crontab") || zj_dt_str_eq(p, "/etc/anacrontab")) {
		set(ret, T_CRON, ZJ_PERSIST_CRONTAB, ZJ_TARGET_SYSTEM, none);
		return 1;
	}
	if (zj_dt_str_prefix(p, "/etc/cron") || zj_dt_str_prefix(p, "/var/spool/"))
		return classify_cron_at(p, ret);

	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]); i++) {
		if (zj_dt_view_prefix(p, unit_dirs[i].s, unit_dirs[i].n)) {
			rel.ptr = p.ptr + unit_dirs[i].n;
			rel.len = p.len - unit_dirs[i].n;
			return classify_unit_path(rel, ZJ_TARGET_SYSTEM, ret);
		}
	}
	for (size_t i = 0; i < sizeof(home_unit_dirs) / sizeof(home_unit_dirs[0]); i++) {
		const char *at = find_in(p, home_unit_dirs[i]);

		if (at) {
			rel.ptr = at + strlen(home_unit_dirs[i]);
			rel.len = p.len - (size_t)(rel.ptr - p.ptr);
			return classify_unit_path(rel, ZJ_TARGET_USER, ret);
		}
	}
	return 0;
}

/* ---- file detector ----------------------------------------------------------------------- */

#define FOP_CREATE 1
#define FOP_OPEN_WRITE 2
#define FOP_TRUNCATE 3
#define FOP_RENAME 4
#define FOP_LINK 5
#define FOP_SYMLINK 6
#define FOP_UNLINK 7
#define FOP_CHMOD 8

static const char *unit_type_of(const struct zj_persist *ps)
{
	const char *type = unit_type(ps->unit);

	return type ? type : "unit";
}

static uint32_t persist_severity(const struct zj_persist *ps)
{
	const char *type;

	switch (ps->kind) {
	case ZJ_PERSIST_PRELOAD:
		return ZJ_SEV_HIGH;
	case ZJ_PERSIST_UNIT:
	case ZJ_PERSIST_DROPIN:
	case ZJ_PERSIST_UNIT_LINK:
		/* Units that run commands or start a service on a trigger. */
		type = unit_type_of(ps);
		if (!strcmp(type, "service") || !strcmp(type, "socket") || !strcmp(type, "timer") ||
		    !strcmp(type, "path"))
			return ZJ_SEV_MEDIUM;
		return ZJ_SEV_LOW;
	default:
		return ZJ_SEV_MEDIUM;
	}
}

static void text_path(struct zj_dt_text *t, struct zj_str path)
{
	if (path.ptr && path.len)
		zj_dt_text_zstr(t, path, ZJ_DT_PATH_SHOWN);
	else
		ZJ_DT_LIT(t, "(unknown)");
}

/* "created /etc/cron.d/x", "renamed /tmp/a to /etc/cron.d/x", ... */
static void text_file_op(struct zj_dt_text *t, const struct zj_event *ev, bool moved_away)
{
	struct zj_str path = ev->file.path, path2 = ev->file.path2;

	switch (ev->file.op) {
	case FOP_CREATE:
		ZJ_DT_LIT(t, "created ");
		text_path(t, path);
		break;
	case FOP_OPEN_WRITE:
		ZJ_DT_LIT(t, "opened ");
		text_path(t, path);
		ZJ_DT_LIT(t, " for writing");
		if (ev->flags & ZJ_EVF_O_TRUNC)
			ZJ_DT_LIT(t, ", truncating it");
		break;
	case FOP_TRUNCATE:
		ZJ_DT_LIT(t, "truncated ");
		text_path(t, path);
		break;
	case FOP_RENAME:
		if (moved_away)
			ZJ_DT_LIT(t, "moved ");
		else
			ZJ_DT_LIT(t, "renamed ");
		text_path(t, path2);
		if (moved_away)
			ZJ_DT_LIT(t, " away to ");
		else
			ZJ_DT_LIT(t, " to ");
		text_path(t, path);
		break;
	case FOP_LINK:
		ZJ_DT_LIT(t, "hard-linked ");
		text_path(t, path2);
		ZJ_DT_LIT(t, " as ");
		text_path(t, path);
		break;
	case FOP_SYMLINK:
		ZJ_DT_LIT(t, "created the symlink ");
		text_path(t, path);
		ZJ_DT_LIT(t, " -> ");
		text_path(t, path2);
		break;
	case FOP_UNLINK:
		ZJ_DT_LIT(t, "removed ");
		text_path(t, path);
		break;
	case FOP_CHMOD:
		ZJ_DT_LIT(t, "changed the mode of ");
		text_path(t, path);
		ZJ_DT_PRINTF(t, " to %04o", (unsigned)ev->file.mode & 07777u);
		break;
	default:
		ZJ_DT_LIT(t, "changed ");
		text_path(t, path);
		ZJ_DT_PRINTF(t, " (operation %u)", (unsigned)ev->file.op);
		break;
	}
}

/* What the file is: ": a cron table in /etc/cron.d" etc. */
static void text_persist_kind(struct zj_dt_text *t, const struct zj_persist *ps, struct zj_str path)
{
	const char *scope = ps->target == ZJ_TARGET_USER ? "user " : "";
	struct zj_str base;

	switch (ps->kind) {
	case ZJ_PERSIST_PRELOAD:
		ZJ_DT_LIT(t, ": the dynamic linker's preload list, loaded into every program");
		break;
	case ZJ_PERSIST_CRONTAB:
		base = zj_dt_basename(path);
		if (zj_dt_str_eq(base, "anacrontab"))
			ZJ_DT_LIT(t, ": anacron's table");
		else
			ZJ_DT_LIT(t, ": the system crontab");
		break;
	case ZJ_PERSIST_CRON_D:
		ZJ_DT_LIT(t, ": a cron table in /etc/cron.d");
		break;
	case ZJ_PERSIST_CRON_PERIODIC: {
		/* ".../cron.daily/NAME": the period is the directory's suffix. */
		struct zj_str dir, period;

		base = zj_dt_basename(path);
		dir.ptr = path.ptr;
		dir.len = path.len - base.len - (base.len < path.len);
		period = zj_dt_basename(dir);

		ZJ_DT_LIT(t, ": a script cron runs ");
		if (period.len > 5)
			zj_dt_text_bytes(t, period.ptr + 5, period.len - 5, 16);
		break;
	}
	case ZJ_PERSIST_USER_CRONTAB:
		ZJ_DT_LIT(t, ": the crontab of user ");
		zj_dt_text_zstr(t, ps->unit, 64);
		break;
	case ZJ_PERSIST_AT_JOB:
		ZJ_DT_LIT(t, ": an at job");
		break;
	case ZJ_PERSIST_DIR:
		ZJ_DT_PRINTF(t, ": a directory %s reads jobs from",
			     strcmp(ps->technique, T_AT) == 0 ? "atd" : "cron");
		break;
	case ZJ_PERSIST_UNIT:
		ZJ_DT_PRINTF(t, ": a systemd %s%s unit", scope, unit_type_of(ps));
		break;
	case ZJ_PERSIST_DROPIN:
		if (!memchr(ps->unit.ptr, '.', ps->unit.len)) {
			ZJ_DT_PRINTF(t, ": a drop-in for every systemd %s%s", scope,
				     unit_type_of(ps));
		} else {
			ZJ_DT_PRINTF(t, ": a drop-in for the systemd %s%s ", scope,
				     unit_type_of(ps));
			zj_dt_text_zstr(t, ps->unit, 96);
		}
		break;
	case ZJ_PERSIST_UNIT_LINK:
		ZJ_DT_PRINTF(t, ": a link that enables the systemd %s%s ", scope, unit_type_of(ps));
		zj_dt_text_zstr(t, ps->unit, 96);
		break;
	default:
		break;
	}
}

/* The name to show for a package manager: its executable, or the script an interpreter runs. */
static struct zj_str package_manager_name(const struct zj_proc *p)
{
	struct zj_str base = zj_dt_basename(p->exe), script;

	if (!zj_dt_str_prefix(base, "python") && !zj_dt_str_prefix(base, "perl"))
		return base;
	script = zj_dt_cmdline_arg1(p->cmdline);
	return script.len ? zj_dt_basename(script) : base;
}

static void mark_package_manager(struct zj_finding *f, struct zj_dt_text *t,
				 const struct zj_proc *pm, const struct zj_event *ev)
{
	struct zj_str name = package_manager_name(pm);

	if (pm != &ev->actor) {
		ZJ_DT_LIT(t, "; under package manager ");
		zj_dt_text_zstr(t, name, 32);
		ZJ_DT_PRINTF(t, " (pid %u)", (unsigned)pm->pid);
	}
	zj_dt_benign(f, "package manager", name);
}

/* ---- the path table's sub-techniques ----------------------------------------------------- */

/*
 * The sub-techniques the built-in classifier (zj_persist_classify) knows by path: under
 * entries of theirs the classifier decides alone (crontab's temporary files, at's .SEQ and
 * unit names that are no units make no finding).
 */
static bool builtin_technique(const char *t)
{
	return !strcmp(t, T_AT) || !strcmp(t, T_CRON) || !strcmp(t, T_TIMER) ||
	       !strcmp(t, T_SERVICE) || !strcmp(t, T_PRELOAD);
}

/* What a path of each table sub-technique is, for the reason; severity of a change. */
static const struct {
	const char *technique;
	const char *what;
	uint32_t severity;
} table_kinds[] = {
	{"T1098.004", "an SSH authorized keys file: who may log in with which key", ZJ_SEV_HIGH},
	{"T1546.004", "a shell start-up file, run by every login or interactive shell",
	 ZJ_SEV_MEDIUM},
	{"T1037.004", "an rc script, run at boot", ZJ_SEV_MEDIUM},
	{"T1547.006", "a list of kernel modules loaded at boot, or their options", ZJ_SEV_HIGH},
	{"T1136.001", "the local account database", ZJ_SEV_HIGH},
	{"T1098.007", "the local group database", ZJ_SEV_HIGH},
	{"T1548.003", "sudo's rules", ZJ_SEV_HIGH},
	{"T1556.003", "PAM: what every login and sudo runs to authenticate", ZJ_SEV_HIGH},
	{"T1546.017", "a udev rule, run on device events", ZJ_SEV_MEDIUM},
	{"T1547.013", "an XDG autostart entry, run at desktop login", ZJ_SEV_MEDIUM},
	{"T1546.018", "a Python start-up hook, run by every Python interpreter", ZJ_SEV_MEDIUM},
};

/* The programs whose job is to write the account and group databases (shadow, adduser). */
static const char *const account_tools[] = {
	"useradd",  "usermod", "userdel",  "groupadd", "groupmod",	   "groupdel",
	"gpasswd",  "passwd",  "chpasswd", "chgpasswd", "chfn",	   "chsh",
	"chage",    "vipw",    "vigr",	   "newusers", "pwconv",	   "pwunconv",
	"grpconv",  "grpunconv", "adduser", "deluser", "addgroup",	   "delgroup",
	"systemd-sysusers", "lusermod", "luseradd", "luserdel", "lgroupadd", "lgroupmod",
};

/* Shells and text editors: what a person runs to edit a file by hand. */
static const char *const interactive_tools[] = {
	"bash",	 "sh",	   "dash",  "zsh",  "ksh",	"mksh",	  "fish",     "tcsh",
	"csh",	 "vi",	   "vim",   "vim.basic", "vim.tiny", "vim.nox", "vim.gtk3", "nvim",
	"nano",	 "rnano",  "emacs", "emacs-nox", "emacs-gtk", "ed", "joe", "jed",
	"mcedit", "micro", "kak",   "hx",   "gedit",	"kate",	  "mousepad", "pluma",
};

static bool name_in(struct zj_str name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (zj_dt_str_eq(name, list[i]))
			return true;
	return false;
}

/* The actor's program name (a script an interpreter runs counts as the program). */
static bool actor_is(const struct zj_proc *p, const char *const *list, size_t n)
{
	if (!zj_dt_in_system_dir(p->exe.ptr, p->exe.len))
		return false;
	return name_in(package_manager_name(p), list, n) ||
	       name_in(zj_dt_basename(p->exe), list, n);
}

#define ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A file operation on a path the table maps to a sub-technique the built-in classifier does
 * not know.  Benign (recorded, not alerted):
 *  - a package manager as the actor or an ancestor;
 *  - T1136.001/T1098.007: an account tool (useradd, usermod, passwd, chpasswd, vipw, ...,
 *    from a system directory) writing the account or group database: it is the way accounts
 *    are made, so the finding is still the sub-technique -- creating an account is T1136.001
 *    whoever does it -- but recorded, for hunting; anything else writing those files alerts;
 *  - T1546.004 in a home directory: the user whose home it is (real uid), running a shell
 *    or a text editor from a system directory (bash, vim, nano, ...), edits their own file.
 *    A program of the user's own, or another user (root included), writing it alerts;
 *  - T1548.003: visudo, sudo's own editor;
 *  - PID 1 (systemd, e.g. on daemon-reload).
 */
static int table_finding(const struct zj_event *ev, const struct zj_detect_ctx *ctx,
			 struct zj_dt_out *out)
{
	const char *tech = ctx->path_technique, *what = NULL;
	bool removal = ev->file.op == FOP_UNLINK || (ctx->flags & ZJ_CTX_PATH_OLD);
	uint32_t severity = ZJ_SEV_MEDIUM, target = ZJ_TARGET_SYSTEM;
	const struct zj_proc *pm;
	struct zj_finding *f;
	struct zj_dt_text t;

	if (!(ctx->flags & ZJ_CTX_PATH_COUNTS))
		return 0;
	for (size_t i = 0; i < ELEMS(table_kinds); i++)
		if (!strcmp(table_kinds[i].technique, tech)) {
			what = table_kinds[i].what;
			severity = table_kinds[i].severity;
		}
	if ((ctx->flags & ZJ_CTX_PATH_HOME) && ctx->path_uid != 0)
		target = ZJ_TARGET_USER;
	f = zj_dt_add(out, tech, removal ? ZJ_SEV_LOW : severity, target);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_LIT(&t, " ");
	text_file_op(&t, ev, (ctx->flags & ZJ_CTX_PATH_OLD) != 0);
	if (what)
		ZJ_DT_PRINTF(&t, ": %s", what);
	else
		ZJ_DT_PRINTF(&t, ": a path the path table maps to %s", tech);
	if (ctx->flags & ZJ_CTX_PATH_HOME)
		ZJ_DT_PRINTF(&t, ", of uid %u", (unsigned)ctx->path_uid);
	if (removal) {
		f->flags |= ZJ_FIND_REMOVAL;
		ZJ_DT_LIT(&t, " (removed: a cleanup, or tracks being covered)");
	}
	pm = zj_dt_package_manager(ev, ctx);
	if (pm) {
		mark_package_manager(f, &t, pm, ev);
	} else if ((!strcmp(tech, "T1136.001") || !strcmp(tech, "T1098.007")) &&
		   actor_is(&ev->actor, account_tools, ELEMS(account_tools))) {
		zj_dt_benign(f, "account tool", package_manager_name(&ev->actor));
	} else if (!strcmp(tech, "T1546.004") && (ctx->flags & ZJ_CTX_PATH_HOME) &&
		   ev->actor.uid == ctx->path_uid &&
		   actor_is(&ev->actor, interactive_tools, ELEMS(interactive_tools))) {
		zj_dt_benign(f, "user editing their own shell file with",
			     zj_dt_basename(ev->actor.exe));
	} else if (!strcmp(tech, "T1548.003") &&
		   actor_is(&ev->actor, (const char *const[]){"visudo"}, 1)) {
		zj_dt_benign(f, "sudo's editor", zj_dt_basename(ev->actor.exe));
	} else if (ev->actor.pid == 1) {
		zj_dt_benign(f, "service manager", zj_dt_basename(ev->actor.exe));
	}
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	return 0;
}

int zj_dt_file(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out)
{
	const struct zj_proc *pm;
	bool removal = ev->file.op == FOP_UNLINK, moved_away = false;
	struct zj_persist ps;
	struct zj_finding *f;
	struct zj_dt_text t;
	struct zj_str which = ev->file.path;
	int r;

	if (ctx && (ctx->flags & ZJ_CTX_PATH) && !builtin_technique(ctx->path_technique))
		return table_finding(ev, ctx, out);
	if (ctx && (ctx->flags & ZJ_CTX_PATH) && !(ctx->flags & ZJ_CTX_PATH_COUNTS))
		return 0; /* the table's ops= or names= leave this operation out */
	r = zj_persist_classify(ev->file.path.ptr, ev->file.path.ptr ? ev->file.path.len : 0, &ps);
	if (r < 0)
		return r;
	if (r == 0 && ev->file.op == FOP_RENAME && ev->file.path2.ptr) {
		/* A persistence file renamed out of place: it is gone from where it ran. */
		r = zj_persist_classify(ev->file.path2.ptr, ev->file.path2.len, &ps);
		if (r < 0)
			return r;
		removal = moved_away = r > 0;
		which = ev->file.path2;
	}
	if (r == 0)
		return 0;
	if (ps.kind == ZJ_PERSIST_AT_JOB && ev->actor.uid == 0)
		ps.target = ZJ_TARGET_SYSTEM; /* root's at jobs run as root */

	f = zj_dt_add(out, ps.technique, removal ? ZJ_SEV_LOW : persist_severity(&ps), ps.target);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_LIT(&t, " ");
	text_file_op(&t, ev, moved_away);
	text_persist_kind(&t, &ps, which);
	if (removal) {
		/* Usually a cleanup, but removing the evidence looks the same: keep a record. */
		f->flags |= ZJ_FIND_REMOVAL;
		ZJ_DT_LIT(&t, " (removed: a cleanup, or tracks being covered)");
	}
	pm = zj_dt_package_manager(ev, ctx);
	if (pm)
		mark_package_manager(f, &t, pm, ev);
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	return 0;
}

/* ---- exec with LD_PRELOAD ---------------------------------------------------------------- */

#define PRELOAD_SYSTEM 0   /* every library in a system library directory */
#define PRELOAD_OTHER 1	   /* elsewhere, or a bare name looked up in the library path */
#define PRELOAD_WRITABLE 2 /* some library in a world-writable place */

static const char *const writable_dirs[] = {"/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/"};

/* How suspicious the list is; -1 when it names no library (LD_PRELOAD=""). */
static int preload_class(struct zj_str v)
{
	int worst = -1;
	size_t i = 0;

	while (i < v.len) {
		struct zj_str e;
		int c = PRELOAD_OTHER;

		/* ld.so separates entries with spaces or colons. */
		while (i < v.len && (v.ptr[i] == ':' || v.ptr[i] == ' '))
			i++;
		e.ptr = v.ptr + i;
		while (i < v.len && v.ptr[i] != ':' && v.ptr[i] != ' ')
			i++;
		e.len = (size_t)(v.ptr + i - e.ptr);
		if (!e.len)
			continue;
		if (zj_dt_in_system_dir(e.ptr, e.len) && !memchr(e.ptr, '$', e.len))
			c = PRELOAD_SYSTEM;
		for (size_t k = 0; k < sizeof(writable_dirs) / sizeof(writable_dirs[0]); k++)
			if (zj_dt_str_prefix(e, writable_dirs[k]))
				c = PRELOAD_WRITABLE;
		if (c > worst)
			worst = c;
	}
	return worst;
}

int zj_dt_exec(const struct zj_event *ev, const struct zj_detect_ctx *ctx, struct zj_dt_out *out)
{
	static const uint32_t severity[] = {
		[PRELOAD_SYSTEM] = ZJ_SEV_LOW,
		[PRELOAD_OTHER] = ZJ_SEV_MEDIUM,
		[PRELOAD_WRITABLE] = ZJ_SEV_HIGH,
	};
	const struct zj_proc *pm;
	struct zj_finding *f;
	struct zj_dt_text t;
	int c;

	if (!(ctx->flags & ZJ_CTX_LD_PRELOAD) || !ctx->ld_preload.ptr)
		return 0;
	c = preload_class(ctx->ld_preload);
	if (c < 0)
		return 0;

	/* The program that runs with the library is the one hijacked: the actor's new image. */
	f = zj_dt_add(out, T_PRELOAD, severity[c], ZJ_TARGET_ACTOR);
	if (!f)
		return 0;
	zj_dt_reason_begin(&t, f);
	zj_dt_text_actor(&t, &ev->actor);
	ZJ_DT_LIT(&t, " was started with LD_PRELOAD=");
	zj_dt_text_zstr(&t, ctx->ld_preload, ZJ_DT_PATH_SHOWN);
	if (ctx->n_ancestors > 0) {
		ZJ_DT_LIT(&t, " by ");
		zj_dt_text_object(&t, &ctx->ancestors[0]);
	}
	pm = zj_dt_package_manager(ev, ctx);
	if (pm)
		mark_package_manager(f, &t, pm, ev);
	else if (c == PRELOAD_SYSTEM)
		zj_dt_benign(f, "preload from a system library directory",
			     (struct zj_str){NULL, 0});
	zj_dt_text_outcome(&t, ev);
	zj_dt_reason_end(&t, f);
	return 0;
}
