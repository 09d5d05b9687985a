/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiad: loads the sensor, keeps the process table, turns every ring-buffer record into an
 * attributed event and writes it as one JSON line to the event log.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <malloc.h>
#include <sys/epoll.h>
#include <syslog.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <systemd/sd-daemon.h>

#include "zhijia/catalog.h"
#include "zhijia/detect.h"
#include "zhijia/event.h"
#include "zhijia/policy.h"
#include "arr-dispose.h"
#include "arr-exec.h"
#include "arr-inbox.h"
#include "control.h"
#include "decode.h"
#include "enforce.h"
#include "eventlog.h"
#include "metrics.h"
#include "policy-apply.h"
#include "siem.h"
#include "alertq.h"
#include "journal.h"
#include "log.h"
#include "policyfile.h"
#include "policyops.h"
#include "proctab.h"
#include "quarantine.h"
#include "residue.h"
#include "scan.h"
#include "scand.h"
#include "sensor.h"
#include "util.h"
#include "watch.h"

#define ZJ_VERSION "0.1.0"
#define DEFAULT_EVENT_LOG "/var/log/zhijia/events.jsonl"
#define DEFAULT_WATCH_CONF "/etc/zhijia/watch.conf"
/* at stop, how long the alerts still queued may take to reach journald */
#define ZJ_ALERTQ_STOP_MS 3000

/*
 * ptrace requests reported by default: the ones that attach to or modify another process
 * (and TRACEME, which offers the caller to its parent).  PEEK/GETREGS/CONT/SYSCALL, the bulk
 * of a debugger's or strace's traffic, are not.
 */
#define PT(n) (1ULL << (n))
#define DEFAULT_PTRACE_LO                                                                          \
	(PT(0) | PT(4) | PT(5) | PT(6) | PT(13) | PT(15) | PT(16) | PT(19))
#define DEFAULT_PTRACE_HI (PT(0x03) | PT(0x05) | PT(0x06) | PT(0x0b))

/* The daemon's state: main()'s, passed by pointer (STYLE: no mutable globals elsewhere). */
struct daemon {
	struct zj_policy *policy;
	const char *policy_path;
	struct zj_proctab *pt;
	struct zj_decoder dec;
	struct zj_eventlog *log;
	struct zj_watch *watch;
	struct zj_sensor *sensor;
	struct zj_control *ctl;
	struct zj_features feat;
	struct zj_enforce enf;
	struct zj_scand *scand; /* file verdicts (libyara) */
	const char *event_log;
	int64_t started_usec;
	uint64_t bad_records;
	uint64_t filtered;
	uint64_t events;
	uint64_t last_lost;
	uint64_t findings[ZJ_ACTION_BLOCK + 1]; /* by action taken */
	struct zj_alertq *alerts;  /* alerts to journald, sent by a thread of their own */
	uint64_t alerts_failed;	   /* what zj_alertq_stats() said at the last look */
	uint64_t alerts_coalesced; /* likewise */
	uint64_t watchdog_usec;	 /* systemd's WatchdogSec=, 0 without: pinged every half of it */
	uint64_t last_ping_usec; /* CLOCK_MONOTONIC */
	pid_t delivery_pid;	 /* the delivery canary's child while it is awaited, else 0 */
	bool delivery_seen;	 /* its exit record came through the ring buffer */
	pid_t arr_inbox_pid;	 /* the child running the ARR inbox, else 0 */
	const char *arr_root;	 /* --arr-root: NULL for the host */
	struct zj_arr_bindings *arr_bindings; /* automatic disposal: rules by technique */
	struct zj_arr_disposer disposer;
	char pathbuf[PATH_MAX];
	char denypath[PATH_MAX];
	const char *quarantine_dir;
	struct zj_quarantine *quarantine; /* opened on first use */
	uint64_t residues[2];		  /* fallback aftermath: handled, failed */
	bool stop_requested;		  /* zhijiactl stop */
	unsigned budget;		  /* records on_record may still take in this consume() */
	uint64_t exec_denied;		  /* black binaries put on the kernel's exec deny map */
	char response[ZJ_RESIDUE_MAX];	  /* the last event's residue, for its finding */
	char policy_hash[ZJ_POLICY_HASH_LEN + 1]; /* of d->policy (policy-apply.h) */
	struct zj_finding_counts by_technique;	  /* findings per technique and action */
	struct zj_siem_host host;		  /* for --output-format ocsf|ecs */
	enum zj_output_format output_format;
	const char *metrics_file; /* --metrics-file: Prometheus textfile, NULL: none */
	unsigned metrics_ticks;	  /* --metrics-interval in 100 ms ticks */
};

static uint64_t now_usec(void);

/* libbpf's messages: only with --verbose (its print callback carries no context). */
static bool arg_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!arg_verbose && level != LIBBPF_WARN)
		return 0;
	if (!arg_verbose)
		return 0; /* warnings too: errors are worded by zhijiad itself */
	return vfprintf(stderr, fmt, ap);
}

static void help(void)
{
	printf("Usage: zhijiad [OPTION]...\n"
	       "zhijia's sensor daemon: loads the eBPF programs, attributes every event to its\n"
	       "processes and writes it as one JSON object per line to the event log.\n\n"
	       "  -f, --foreground        also print every event on standard output\n"
	       "      --event-log=PATH    the JSON-lines event log (default " DEFAULT_EVENT_LOG ")\n"
	       "      --policy=PATH       the policy (default " ZJ_POLICY_PATH "; absent: built-in\n"
	       "                          defaults; a broken file stops the start)\n"
	       "      --socket=PATH       the control socket zhijiactl talks to (default\n"
	       "                          " ZJ_CONTROL_PATH ")\n"
	       "      --arr-root=DIR      ARR rules see DIR as the system, and the inbox, rule\n"
	       "                          bindings, quarantine and sector backups are under it\n"
	       "                          (tests; zhijia-arr(5))\n"
	       "      --watch-config=PATH watched persistence paths (default " DEFAULT_WATCH_CONF
	       "\n"
	       "                          if it exists, else the built-in list), then every\n"
	       "                          watch.d/ *.conf next to it\n"
	       "      --print-watch-config  print the built-in watch configuration and exit\n"
	       "      --rules=DIR         YARA rules (*.yar) and allow.sha256 (default\n"
	       "                          " ZJ_RULES_DIR "; absent: nothing is scanned; a\n"
	       "                          broken rule stops the start)\n"
	       "      --ptrace-all        report every ptrace request, not only those that attach\n"
	       "                          or modify (PEEK/GETREGS/CONT are a debugger's bulk)\n"
	       "      --ringbuf-size=MIB  ring buffer size in MiB, a power of two (default 16)\n"
	       "      --transport=auto|ringbuf|perfbuf  how records reach zhijiad (default auto:\n"
	       "                          the ring buffer where the kernel has one)\n"
	       "      --btf=PATH          the kernel's BTF from this file, not the kernel's own\n"
	       "      --btf-dir=DIR       where BTF for kernels without it is looked for, as\n"
	       "                          DIR/$(uname -r).btf (default " ZJ_BTF_DIR ")\n"
	       "      --quarantine-dir=DIR  where black persistence files and what a blocked\n"
	       "                          operation left are kept (default\n"
	       "                          " ZJ_QUARANTINE_DIR ")\n"
	       "      --output-format=F   the event log as json (zhijia's own, default), ocsf\n"
	       "                          (OCSF 1.3 Detection Finding, ...) or ecs (Elastic)\n"
	       "      --metrics-file=PATH write Prometheus metrics there (node_exporter's textfile\n"
	       "                          collector), every --metrics-interval=SECONDS (15)\n"
	       "  -v, --verbose           libbpf's and the verifier's messages on stderr\n"
	       "  -h, --help              this text\n"
	       "      --version           version\n\n"
	       "Signals: TERM/INT stop (log flushed, programs detached); HUP re-reads the watch\n"
	       "configuration, the policy and the YARA rules (a broken file keeps the last good\n"
	       "one).  With BPF LSM, zhijiad protects itself: only PID 1, the process that started\n"
	       "it and `zhijiactl stop` can stop it.  Needs root (CAP_BPF, CAP_PERFMON,\n"
	       "CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_KILL).\n");
}

static int check_privileges(void)
{
	static const struct {
		cap_value_t cap;
		const char *name;
	} need[] = {
		{CAP_SYS_ADMIN, "CAP_SYS_ADMIN"},
		{CAP_BPF, "CAP_BPF"},
		{CAP_PERFMON, "CAP_PERFMON"},
		{CAP_SYS_PTRACE, "CAP_SYS_PTRACE"},
		{CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH"},
	};
	char missing[256] = "";
	cap_t caps = cap_get_proc();
	size_t i;

	if (!caps)
		return log_error_errno(negative_errno(), "Failed to read capabilities: %m");
	for (i = 0; i < ELEMENTSOF(need); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, need[i].cap, CAP_EFFECTIVE, &v) < 0 || v != CAP_SET) {
			if (missing[0])
				strcat(missing, ", ");
			strcat(missing, need[i].name);
		}
	}
	cap_free(caps);
	if (missing[0])
		return log_error_errno(-EPERM,
				       "Missing privilege: %s; run zhijiad as root (sudo zhijiad) "
				       "or grant these capabilities to its service",
				       missing);
	return 0;
}

/* Load the policy file; absent: the built-in defaults.  A broken file is an error. */
static int load_policy(const char *path, struct zj_policy **ret)
{
	char err[ZJ_POLICY_ERR_MAX] = "";
	int r;

	/* a writer killed before its rename (zhijiad or zhijiactl, kill -9) leaves its temp file */
	r = zj_policyfile_sweep(path);
	if (r > 0)
		log_info("removed %d temporary policy file(s) left by an interrupted write", r);
	r = zj_policy_load(path, zj_policyfile_read, NULL, ret, err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "Invalid policy: %s", err[0] ? err : path);
	if (r == 1)
		log_info("no policy file at %s: using the built-in defaults", path);
	return 0;
}

/* Say, for each sub-technique set to block, when the kernel cannot enforce it here. */
static void warn_unenforced(struct daemon *d)
{
	for (uint32_t k = 0; k < ZJ_ENF_NR; k++) {
		const char *eff, *why;
		uint32_t req;

		zj_enforce_effective(&d->enf, d->policy, k, &req, &eff, &why);
		if (req == ZJ_ACTION_BLOCK && why)
			log_warning(
				"%s: block requested but NOT enforced here (%s): its operations "
				"go ahead and their findings say \"enforced\": false",
				zj_deny_class_technique(k), why);
	}
}

/* Mirror the policy into the kernel's enforcement maps (after every change). */
static void apply_enforcement(struct daemon *d, bool announce)
{
	int r = zj_enforce_sync(&d->enf, d->policy, d->sensor);

	if (r < 0)
		log_error_errno(r, "Failed to mirror the policy into the kernel: %m; the kernel "
				   "keeps enforcing the previous one");
	else if (r == 1 && d->enf.note[0])
		log_warning("%s", d->enf.note);
	if (announce)
		warn_unenforced(d);
}

/* Called by the sensor after load, before attach: the maps are full when the hooks run. */
static int prepare_sensor(void *ctx, struct zj_sensor *s)
{
	struct daemon *d = ctx;
	int r;

	/* the kill fallback needs bpf_loop() too: its exception check loops (enforce.bpf.h) */
	zj_enforce_init(&d->enf, zj_sensor_lsm(s), d->feat.lsm_why,
			d->feat.send_signal && d->feat.bpf_loop);
	r = zj_enforce_sync(&d->enf, d->policy, s);
	if (r < 0)
		return log_error_errno(r, "Failed to fill the enforcement maps: %m");
	if (r == 1 && d->enf.note[0])
		log_warning("%s", d->enf.note);
	return 0;
}

static void apply_protected(struct daemon *d)
{
	size_t n = 0;
	const char *const *list = zj_policy_protect_list(d->policy, &n);
	int r = zj_proctab_set_protected(d->pt, list, n);

	if (r < 0)
		log_warning_errno(r, "Failed to mark protected applications: %m, ignoring");
}

static int load_watch(const char *path, bool explicit_path, struct zj_watch **ret)
{
	char err[512] = "";
	int r;

	/* PATH (or the built-in list), then DIR/watch.d/ *.conf: watch.h */
	r = zj_watch_load(path, explicit_path, "/etc/passwd", ret, err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "Invalid watch configuration: %s", err[0] ? err : "?");
	return 0;
}

/*
 * A path the kernel could not normalise (.., //, a truncated path): normalise it here and
 * keep the event only if it is watched after all.  Returns true to keep.
 */
static bool resolve_file_path(struct daemon *d, struct zj_event *ev)
{
	char raw[PATH_MAX];
	size_t n = ev->file.path.len < sizeof(raw) - 1 ? ev->file.path.len : sizeof(raw) - 1;
	bool keep;

	/* the tail of a longer path may start with '/' but is no absolute path: keep it */
	if (ev->flags & ZJ_EVF_TRUNC_PATH)
		return true;

	memcpy(raw, ev->file.path.ptr, n);
	raw[n] = '\0';
	if (zj_path_normalize(raw, d->pathbuf, sizeof(d->pathbuf)) < 0)
		return true; /* cannot tell: keep it, flagged "resolve" */
	ev->file.path.ptr = d->pathbuf;
	ev->file.path.len = strlen(d->pathbuf);
	ev->file.watch_id = zj_watch_match(d->watch, d->pathbuf);
	keep = ev->file.watch_id != 0;
	if (!keep && ev->file.op == ZJ_FOP_RENAME && ev->file.path2.len) {
		char raw2[PATH_MAX], norm2[PATH_MAX];
		size_t n2 = ev->file.path2.len < sizeof(raw2) - 1 ? ev->file.path2.len
								   : sizeof(raw2) - 1;

		memcpy(raw2, ev->file.path2.ptr, n2);
		raw2[n2] = '\0';
		if (zj_path_normalize(raw2, norm2, sizeof(norm2)) == 0)
			keep = zj_watch_match(d->watch, norm2) != 0;
	}
	return keep;
}

/*
 * Detect, decide, tell: findings go into the event line; alert and block findings also to
 * journald.  Lifecycle events that cannot be findings skip the context building.
 */
struct findings {
	struct zj_finding f[ZJ_FINDINGS_MAX];
	struct zj_decision dec[ZJ_FINDINGS_MAX];
	struct zj_log_finding lf[ZJ_FINDINGS_MAX]; /* points into f and dec */
};

/* After every change of d->policy: the hash findings and status carry. */
static void policy_hash_update(struct daemon *d)
{
	if (zj_policy_hash(d->policy, d->policy_hash) < 0)
		snprintf(d->policy_hash, sizeof(d->policy_hash), "unknown");
}

/* What the event log and journald say of finding f decided as dec (l points into both). */
static void tell_finding(struct daemon *d, const struct zj_event *ev, const struct zj_finding *f,
			 const struct zj_decision *dec, struct zj_log_finding *l)
{
	const struct zj_technique *t = dec->technique;
	int ti;

	if (!t)
		(void)zj_catalog_find(f->technique, &t);
	memset(l, 0, sizeof(*l));
	l->technique = f->technique;
	l->name = t ? t->name : NULL;
	l->name_zh = t ? t->name_zh : NULL;
	ti = t ? zj_technique_primary_tactic(t) : -1;
	l->tactic = ti >= 0 ? zj_catalog_tactic((size_t)ti)->id : NULL;
	l->severity = zj_severity_name(f->severity);
	l->action = zj_action_name(dec->action);
	l->configured = zj_action_name(dec->configured);
	/* the catalog's strings and the name tables' literals never change */
	l->stable = ZJ_LF_STABLE(ZJ_LF_NAME) | ZJ_LF_STABLE(ZJ_LF_NAME_ZH) |
		    ZJ_LF_STABLE(ZJ_LF_TACTIC) | ZJ_LF_STABLE(ZJ_LF_SEVERITY) |
		    ZJ_LF_STABLE(ZJ_LF_ACTION) | ZJ_LF_STABLE(ZJ_LF_CONFIGURED);
	l->why = dec->why;
	l->reason = f->reason;
	l->benign = f->benign[0] ? f->benign : NULL;
	l->policy_hash = d->policy_hash;
	zj_finding_counts_add_entry(&d->by_technique, t, dec->action);
	l->enforced = dec->action != ZJ_ACTION_BLOCK	    ? -1
		      : (dec->flags & ZJ_DECISION_ENFORCED) ? 1
							    : 0;
	/* never waits for journald: alerts it cannot take yet are queued or counted */
	if (dec->action >= ZJ_ACTION_ALERT)
		(void)zj_alertq_push(d->alerts, ev, f, dec, d->policy_hash,
				     now_usec() / 1000000);
}

/* An ARR path of zhijiad's, under --arr-root when given. */
static const char *arr_path(const struct daemon *d, const char *path, char *buf, size_t len)
{
	if (!d->arr_root)
		return path;
	snprintf(buf, len, "%s%s", d->arr_root, path);
	return buf;
}

static void arr_bind_warn(void *userdata, const char *file, const char *error)
{
	log_warning("ARR rule %s not bound: %s", file, error);
}

static void load_bindings(struct daemon *d)
{
	struct zj_arr_bindings *b = NULL;
	char buf[PATH_MAX];
	int r = zj_arr_bindings_load(arr_path(d, ZJ_ARR_BIND_DIR, buf, sizeof(buf)), arr_bind_warn,
				     NULL, &b);

	if (r < 0) {
		log_warning_errno(r, "Failed to read " ZJ_ARR_BIND_DIR ": %m, keeping the last");
		return;
	}
	zj_arr_bindings_free(d->arr_bindings);
	d->arr_bindings = b;
	if (zj_arr_bindings_count(b))
		log_info("%zu ARR rules bound to techniques (" ZJ_ARR_BIND_DIR ")",
			 zj_arr_bindings_count(b));
}

/* Automatic disposal (arr-dispose.h): the bound rule runs in a child, for this finding. */
static void arr_dispose(struct daemon *d, const struct zj_event *ev, const struct zj_finding *f)
{
	const struct zj_arr_rule *rule = zj_arr_bindings_find(d->arr_bindings, f->technique);
	struct zj_quarantine *q = NULL;
	sigset_t none;
	size_t slot;
	char qbuf[PATH_MAX];
	pid_t pid;
	int r;

	if (!rule || !zj_arr_disposer_admit(&d->disposer, ev, f->technique,
					    (int64_t)time(NULL), &slot))
		return;
	pid = fork();
	if (pid < 0) {
		log_warning_errno(negative_errno(), "Failed to fork for ARR rule '%s': %m, ignoring",
				  rule->name);
		return;
	}
	if (pid == 0) {
		struct zj_arr_exec_opts o = {0};

		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		r = zj_quarantine_open(arr_path(d, ZJ_QUARANTINE_DIR, qbuf, sizeof(qbuf)), &q);
		if (r < 0) {
			log_error_errno(r, "Failed to open the quarantine: %m");
			_exit(1);
		}
		o.q = q;
		o.root = d->arr_root;
		r = zj_arr_dispose_run(rule, ev, f, &o, d->event_log);
		_exit(r < 0 ? 1 : 0);
	}
	d->disposer.pids[slot] = pid;
}

/*
 * A deny event is its own finding: the kernel blocked the class's sub-technique because the
 * policy said block then; no detector needed, no policy decision left to take.
 */
static int classify_deny(struct daemon *d, const struct zj_event *ev, struct findings *fs)
{
	struct zj_decision *dec = &fs->dec[0];
	uint32_t now = ZJ_ACTION_BLOCK;

	zj_enforce_deny_finding(ev, &fs->f[0]);
	if (!fs->f[0].technique[0])
		return 0;
	(void)zj_policy_get(d->policy, fs->f[0].technique, &now);
	memset(dec, 0, sizeof(*dec));
	dec->action = ZJ_ACTION_BLOCK;
	dec->configured = now;
	dec->flags = ZJ_DECISION_ENFORCED;
	if (now == ZJ_ACTION_BLOCK)
		snprintf(dec->why, sizeof(dec->why), "policy: block (blocked in the kernel)");
	else
		snprintf(dec->why, sizeof(dec->why),
			 "policy at the time: block (blocked in the kernel); now: %s",
			 zj_action_name(now));
	d->findings[ZJ_ACTION_BLOCK]++;
	tell_finding(d, ev, &fs->f[0], dec, &fs->lf[0]);
	arr_dispose(d, ev, &fs->f[0]);
	return 1;
}

static int classify(struct daemon *d, const struct zj_event *ev, struct findings *fs)
{
	struct zj_finding *f = fs->f;
	struct zj_decision *dec = fs->dec;
	struct zj_log_finding *lf = fs->lf;
	size_t max = ZJ_FINDINGS_MAX;
	struct zj_detect_ctx ctx;
	size_t na = 0, out = 0;
	int n, i, r;

	if (ev->type == ZJ_EV_DENY)
		return classify_deny(d, ev, fs);
	/* exec: only what a detector looks at (LD_PRELOAD; T1620: a memfd, an exec by fd) */
	if (ev->type == ZJ_EV_FORK || ev->type == ZJ_EV_EXIT ||
	    (ev->type == ZJ_EV_EXEC && !(ev->flags & (ZJ_EVF_LD_PRELOAD | ZJ_EVF_ANON_EXE)) &&
	     !(ev->exec.filename.len > 8 && memcmp(ev->exec.filename.ptr, "/dev/fd/", 8) == 0)))
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	if ((zj_detect_uses_ancestors(ev) || zj_policy_uses_ancestors(d->policy)) &&
	    zj_proctab_ancestors(d->pt, ev->actor.pid, ctx.ancestors, ZJ_ANCESTORS_MAX, &na) == 0)
		ctx.n_ancestors = (uint32_t)na;
	if ((ev->flags & ZJ_EVF_HAS_TARGET) && (ev->target.flags & ZJ_PROC_KNOWN) &&
	    ev->target.ppid == ev->actor.pid)
		ctx.flags |= ZJ_CTX_TARGET_CHILD;
	if (ev->flags & ZJ_EVF_LD_PRELOAD) {
		ctx.flags |= ZJ_CTX_LD_PRELOAD;
		ctx.ld_preload = ev->exec.ld_preload;
	}
	zj_watch_fill_ctx(d->watch, ev, &ctx); /* what the path table says of a file event */
	n = zj_detect_event(ev, &ctx, ZJ_FINDINGS_MAX, f);
	if (n < 0)
		return log_warning_errno(n, "Failed to run the detectors on event %llu: %m, "
					    "ignoring", (unsigned long long)ev->seq);
	for (i = 0; i < n && out < max; i++) {
		r = zj_policy_decide(d->policy, ev, &ctx, &f[i], &dec[i]);
		if (r < 0) {
			log_warning_errno(r, "No policy decision for %s: %m, recording it",
					  f[i].technique);
			memset(&dec[i], 0, sizeof(dec[i]));
			dec[i].action = ZJ_ACTION_RECORD;
			snprintf(dec[i].why, sizeof(dec[i].why), "no decision: recorded");
		}
		if (dec[i].action <= ZJ_ACTION_BLOCK)
			d->findings[dec[i].action]++;
		if (dec[i].action == ZJ_ACTION_OFF)
			continue;
		tell_finding(d, ev, &f[i], &dec[i], &lf[out]);
		if (dec[i].action == ZJ_ACTION_ALERT || dec[i].action == ZJ_ACTION_BLOCK)
			arr_dispose(d, ev, &f[i]);
		out++;
	}
	return (int)out;
}

/*
 * The fallback killed the actor at the syscall, which still ran to its end: quarantine what
 * it left (residue.h), and say so in the block finding ("response") and in journald.
 */
static void handle_residue(struct daemon *d, const struct zj_event *ev, struct findings *fs,
			   int n)
{
	char out[ZJ_RESIDUE_MAX];
	int i, blk = -1, r;

	for (i = 0; i < n; i++)
		if (fs->dec[i].action == ZJ_ACTION_BLOCK)
			blk = i;
	r = zj_residue_handle(&d->quarantine, d->quarantine_dir, ev,
			      blk >= 0 ? fs->f[blk].technique : NULL, out, sizeof(out));
	if (!out[0])
		return;
	d->residues[r < 0]++;
	snprintf(d->response, sizeof(d->response), "%s", out);
	if (blk >= 0)
		fs->lf[blk].response = d->response;
	(void)zj_journal_message(r < 0 ? LOG_ERR : LOG_NOTICE, "event %llu: %s",
				 (unsigned long long)ev->seq, out);
	if (r < 0)
		log_error("event %llu: %s", (unsigned long long)ev->seq, out);
	else
		log_info("event %llu: %s", (unsigned long long)ev->seq, out);
}

/* Records per consume(): past it the event loop serves signals and the control socket. */
#define CONSUME_BUDGET 4096

static int on_record_one(struct daemon *d, const void *data, size_t size);

/*
 * Every record goes through on_record_one(); after CONSUME_BUDGET of them -EAGAIN stops
 * libbpf's loop (the record it answers for is consumed already), so that a flood past what
 * zhijiad drains does not keep `zhijiactl` or SIGTERM waiting: the loop comes back at once.
 */
static int on_record(void *ctx, const void *data, size_t size)
{
	struct daemon *d = ctx;
	int r = on_record_one(d, data, size);

	if (r < 0)
		return r;
	return --d->budget == 0 ? -EAGAIN : 0;
}

/* Consume up to CONSUME_BUDGET records: their count, -EAGAIN when more are waiting, -errno. */
static int consume(struct daemon *d)
{
	d->budget = CONSUME_BUDGET;
	return zj_sensor_consume(d->sensor);
}

static int on_record_one(struct daemon *d, const void *data, size_t size)
{
	struct findings fs;
	struct zj_event ev;
	int r, n;

	/* the delivery canary's exit: the way kernel -> ring buffer -> daemon works */
	if (d->delivery_pid && size >= sizeof(struct zj_rec_hdr)) {
		struct zj_rec_hdr h;

		memcpy(&h, data, sizeof(h));
		if (h.type == ZJ_REC_EXIT && h.tgid == (uint32_t)d->delivery_pid)
			d->delivery_seen = true;
	}
	/* the start-up canary's own operations are no events */
	if (d->enf.canary_pids[0] && size >= sizeof(struct zj_rec_hdr)) {
		struct zj_rec_hdr h;

		memcpy(&h, data, sizeof(h));
		if (zj_enforce_is_canary(&d->enf, h.tgid)) {
			d->filtered++;
			return 0;
		}
	}
	r = zj_decode(&d->dec, data, size, &ev);
	if (r < 0) {
		d->bad_records++;
		return 0;
	}
	if (ev.type == ZJ_EV_DENY)
		zj_enforce_deny_path(&ev, d->watch, d->denypath, sizeof(d->denypath));
	if (ev.type == ZJ_EV_FILE && (ev.flags & ZJ_EVF_RESOLVE) && !resolve_file_path(d, &ev)) {
		d->filtered++;
		return 0;
	}
	d->events++;
	n = classify(d, &ev, &fs);
	if (ev.flags & ZJ_EVF_KILLED)
		handle_residue(d, &ev, &fs, n);
	r = zj_eventlog_append_findings(d->log, &ev, fs.lf, n > 0 ? (size_t)n : 0);
	if (r < 0)
		log_warning_errno(r, "Failed to log event %llu: %m, ignoring",
				  (unsigned long long)ev.seq);
	/* only queued here: the verdict comes back through zj_scand_fd() */
	if (d->scand)
		zj_scand_event(d->scand, &ev);
	return 0;
}

static void check_lost(struct daemon *d)
{
	uint64_t st[ZJ_STAT_NR];

	if (zj_sensor_stats(d->sensor, st) < 0)
		return;
	if (st[ZJ_STAT_LOST] > d->last_lost) {
		log_warning("lost %llu records (ring buffer full), %llu in all",
			    (unsigned long long)(st[ZJ_STAT_LOST] - d->last_lost),
			    (unsigned long long)st[ZJ_STAT_LOST]);
		(void)zj_journal_message(4, "lost %llu records (ring buffer full), %llu in all",
					 (unsigned long long)(st[ZJ_STAT_LOST] - d->last_lost),
					 (unsigned long long)st[ZJ_STAT_LOST]);
		d->last_lost = st[ZJ_STAT_LOST];
	}
}

/*
 * Every second: the summaries of coalesced alerts, once journald has caught up; a warning
 * when journald refused alerts (the first time) or alerts were coalesced (each second).
 */
static void check_alerts(struct daemon *d)
{
	struct zj_alertq_stats st;

	(void)zj_alertq_flush_coalesced(d->alerts, now_usec() / 1000000);
	zj_alertq_stats(d->alerts, &st);
	if (st.failed > d->alerts_failed && d->alerts_failed == 0)
		log_warning_errno(st.last_error, "Failed to send an alert to journald: %m; alerts "
						 "are in the event log");
	if (st.coalesced > d->alerts_coalesced)
		log_warning("alerts came faster than journald should take them: %llu more counted "
			    "into per-technique summaries (%llu in all); each is in the event log",
			    (unsigned long long)(st.coalesced - d->alerts_coalesced),
			    (unsigned long long)st.coalesced);
	d->alerts_failed = st.failed;
	d->alerts_coalesced = st.coalesced;
}

/* The counters at stop; as: the alert queue's, after its last entries went out. */
static void print_stop_line(struct daemon *d, const struct zj_alertq_stats *as)
{
	uint64_t st[ZJ_STAT_NR];

	if (zj_sensor_stats(d->sensor, st) < 0) {
		log_warning("could not read the kernel counters");
		return;
	}
	log_info("kernel records: exec=%llu fork=%llu exit=%llu ptrace=%llu mem_open=%llu "
		 "mem_write=%llu vm_write=%llu vdso_map=%llu file=%llu deny=%llu lost=%llu "
		 "read_fail=%llu denied=%llu (canary %llu)",
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_EXEC],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_FORK],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_EXIT],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_PTRACE],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_MEM_OPEN],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_MEM_WRITE],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_VM_WRITE],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_VDSO_MAP],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_FILE],
		 (unsigned long long)st[ZJ_STAT_EMITTED + ZJ_REC_DENY],
		 (unsigned long long)st[ZJ_STAT_LOST], (unsigned long long)st[ZJ_STAT_READ_FAIL],
		 (unsigned long long)st[ZJ_STAT_DENIED], (unsigned long long)st[ZJ_STAT_CANARY]);
	log_info("events logged=%llu filtered=%llu malformed=%llu; findings block=%llu alert=%llu "
		 "record=%llu off=%llu; journald alerts queued=%llu sent=%llu failures=%llu "
		 "coalesced=%llu (%llu summaries, %llu owed), pending=%llu",
		 (unsigned long long)d->events, (unsigned long long)d->filtered,
		 (unsigned long long)d->bad_records,
		 (unsigned long long)d->findings[ZJ_ACTION_BLOCK],
		 (unsigned long long)d->findings[ZJ_ACTION_ALERT],
		 (unsigned long long)d->findings[ZJ_ACTION_RECORD],
		 (unsigned long long)d->findings[ZJ_ACTION_OFF],
		 (unsigned long long)as->queued, (unsigned long long)as->sent,
		 (unsigned long long)as->failed, (unsigned long long)as->coalesced,
		 (unsigned long long)as->summaries, (unsigned long long)as->owed,
		 (unsigned long long)as->pending);
}

static int reload_watch(struct daemon *d, const char *path, bool explicit_path)
{
	struct zj_watch *nw = NULL;
	int r, inodes, names, prefix;

	r = load_watch(path, explicit_path, &nw);
	if (r < 0) {
		log_warning("keeping the previous watch configuration");
		return r;
	}
	zj_sensor_watch_fds(d->sensor, &inodes, &names, &prefix);
	r = zj_watch_apply(nw, inodes, names, prefix);
	if (r < 0) {
		zj_watch_free(nw);
		return log_warning_errno(r, "Failed to apply the watch configuration: %m, keeping "
					    "the previous one");
	}
	(void)zj_sensor_set_config(d->sensor, ZJ_CFG_WATCH_DEPTH, nw->max_depth);
	zj_watch_free(d->watch);
	d->watch = nw;
	log_info("watch configuration reloaded: %zu paths", nw->n);
	return 0;
}

/* The same configuration, its home and sshkeys entries expanded for today's users. */
static int reexpand_watch(struct daemon *d)
{
	struct zj_watch *nw = NULL;
	char err[512] = "";
	int r, inodes, names, prefix;

	r = zj_watch_reexpand(d->watch, &nw, err, sizeof(err));
	if (r < 0)
		return log_warning_errno(r, "Failed to expand the watch configuration again: %s",
					 err[0] ? err : "?");
	zj_sensor_watch_fds(d->sensor, &inodes, &names, &prefix);
	r = zj_watch_apply(nw, inodes, names, prefix);
	if (r < 0) {
		zj_watch_free(nw);
		return log_warning_errno(r, "Failed to apply the watch configuration: %m");
	}
	(void)zj_sensor_set_config(d->sensor, ZJ_CFG_WATCH_DEPTH, nw->max_depth);
	zj_watch_free(d->watch);
	d->watch = nw;
	log_info("users or sshd configuration changed: %zu watched paths", nw->n);
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * After attach, keep only what running needs (STYLE: bpftool's capability handling):
 * CAP_SYS_PTRACE to read other users' /proc/<pid>/exe, cmdline and environ; CAP_DAC_READ_SEARCH
 * to re-stat the watched directories of every user; CAP_KILL to stop a process of any user
 * that runs a binary with a YARA match, and to SIGCONT the target of a tracer the fallback
 * killed; and for bpf(2) on the maps already held
 * (policy and watch updates, counters) CAP_BPF -- kernels up to 6.4 with unprivileged BPF
 * disabled (Debian's default) check it on every bpf(2) command, map lookups included -- or,
 * on kernels before 5.8, which have no CAP_BPF, CAP_SYS_ADMIN.  CAP_PERFMON and CAP_SYS_ADMIN
 * served loading and attaching only.  Inheritable and ambient sets end up empty.
 * capset(2) is per thread: call this while main() is the only thread; every thread (the alert
 * sender, zj_alertq_start(); the scan workers, zj_scand_start()) is started after it and
 * inherits the reduced sets.
 */
static int drop_capabilities(void)
{
	/* ascending; CAP_KILL: SIGCONT to the target of a killed tracer, SIGKILL to a process
	 * that runs a binary with a YARA match, of any uid */
	cap_value_t keep[] = {CAP_DAC_READ_SEARCH, CAP_KILL, CAP_SYS_PTRACE, CAP_BPF};
	char names[128] = "";
	cap_t caps;
	size_t i;
	int r = 0;

	if (!CAP_IS_SUPPORTED(CAP_BPF))
		keep[3] = CAP_SYS_ADMIN;
	caps = cap_init();
	if (!caps)
		return log_error_errno(negative_errno(), "Failed to drop capabilities: %m");
	if (cap_set_flag(caps, CAP_PERMITTED, ELEMENTSOF(keep), keep, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, ELEMENTSOF(keep), keep, CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0)
		r = log_error_errno(negative_errno(), "Failed to drop capabilities: %m");
	cap_free(caps);
	if (r < 0)
		return r;
	for (i = 0; i < ELEMENTSOF(keep); i++) {
		char *name = cap_to_name(keep[i]);

		if (i)
			strcat(names, ",");
		strncat(names, name ? name : "?", sizeof(names) - strlen(names) - 2);
		cap_free(name);
	}
	log_info("capabilities: kept %s; dropped the rest", names);
	return 0;
}

/*
 * The delivery canary: READY=1 says the sensor works, not only that it is attached.  A child
 * exits at once; its exit record (sched_process_exit fires for every process, whatever the
 * policy and the watch list) must come back through the ring buffer within the time limit.
 * Exit records do not wake the daemon (batched wake-ups), hence the short polls.
 */
#define DELIVERY_TIMEOUT_USEC (10ULL * 1000 * 1000)

static int run_delivery_canary(struct daemon *d)
{
	uint64_t start = now_usec();
	pid_t pid;
	int r;

	d->delivery_seen = false;
	pid = fork();
	if (pid < 0)
		return log_error_errno(negative_errno(), "delivery canary: fork failed: %m");
	if (pid == 0)
		_exit(0);
	d->delivery_pid = pid;
	(void)waitpid(pid, NULL, 0);
	while (!d->delivery_seen && now_usec() - start < DELIVERY_TIMEOUT_USEC) {
		struct pollfd p = {.fd = zj_sensor_fd(d->sensor), .events = POLLIN};

		r = consume(d);
		if (r < 0 && r != -EAGAIN) {
			d->delivery_pid = 0;
			return log_error_errno(r, "delivery canary: reading the ring buffer: %m");
		}
		if (!d->delivery_seen)
			(void)poll(&p, 1, 20);
	}
	d->delivery_pid = 0;
	if (!d->delivery_seen)
		return log_error_errno(-ETIMEDOUT,
				       "delivery canary: no exit record of pid %d within %llu s: "
				       "attached, but nothing is delivered; not ready",
				       (int)pid, DELIVERY_TIMEOUT_USEC / 1000000);
	log_info("delivery canary: pid %d's exit came back through the ring buffer in %llu ms",
		 (int)pid, (unsigned long long)((now_usec() - start) / 1000));
	return 0;
}

/*
 * The ARR inbox (arr-inbox.h), in a child process: a rule may run scripts for minutes, and
 * the event path must not wait for it.  One child at a time; reaped on a later tick.
 */
static void arr_inbox_tick(struct daemon *d)
{
	struct zj_quarantine *q = NULL;
	sigset_t none;
	pid_t pid;
	int r;

	if (d->arr_inbox_pid > 0) {
		if (waitpid(d->arr_inbox_pid, NULL, WNOHANG) == 0)
			return;
		d->arr_inbox_pid = 0;
	}
	char ibuf[PATH_MAX], qbuf[PATH_MAX];
	const char *inbox = arr_path(d, ZJ_ARR_INBOX_DIR, ibuf, sizeof(ibuf));

	if (zj_arr_inbox_pending(inbox) <= 0)
		return;
	pid = fork();
	if (pid < 0) {
		log_warning_errno(negative_errno(), "Failed to fork for the ARR inbox: %m, ignoring");
		return;
	}
	if (pid == 0) {
		struct zj_arr_exec_opts o = {0};

		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		r = zj_quarantine_open(arr_path(d, ZJ_QUARANTINE_DIR, qbuf, sizeof(qbuf)), &q);
		if (r < 0) {
			log_error_errno(r, "Failed to open the quarantine: %m");
			_exit(1);
		}
		o.q = q;
		o.root = d->arr_root;
		r = zj_arr_inbox_run(inbox, &o, d->event_log, NULL);
		if (r < 0)
			log_warning_errno(r, "ARR inbox %s: %m", inbox);
		_exit(r < 0 ? 1 : 0);
	}
	d->arr_inbox_pid = pid;
}

/* Every half of WatchdogSec=, from the event loop's timer: a wedged loop gets restarted. */
static void ping_watchdog(struct daemon *d)
{
	uint64_t now;

	if (!d->watchdog_usec)
		return;
	now = now_usec();
	if (now - d->last_ping_usec < d->watchdog_usec / 2)
		return;
	(void)sd_notify(0, "WATCHDOG=1");
	d->last_ping_usec = now;
}

/* `zhijiactl status`: what runs, what the kernel offers, what was seen and lost. */
static int daemon_status(struct daemon *d, json_object **ret)
{
	static const char *const rec[ZJ_REC_MAX] = {
		[ZJ_REC_EXEC] = "exec",		[ZJ_REC_FORK] = "fork",
		[ZJ_REC_EXIT] = "exit",		[ZJ_REC_PTRACE] = "ptrace",
		[ZJ_REC_MEM_OPEN] = "mem_open", [ZJ_REC_MEM_WRITE] = "mem_write",
		[ZJ_REC_VM_WRITE] = "vm_write", [ZJ_REC_VDSO_MAP] = "vdso_map",
		[ZJ_REC_FILE] = "file",		[ZJ_REC_DENY] = "deny",
		[ZJ_REC_KMOD] = "kmod",		[ZJ_REC_SETID] = "setid",
		[ZJ_REC_SOMAP] = "so_map",
	};
	json_object *o = json_object_new_object(), *k, *recs, *f;
	uint64_t st[ZJ_STAT_NR];
	char fbuf[512];
	int attached = 0, skipped = 0;
	char skipped_names[512];
	size_t i;

	if (!o)
		return -ENOMEM;
	zj_features_format(&d->feat, fbuf, sizeof(fbuf));
	zj_sensor_counts(d->sensor, &attached, &skipped, skipped_names, sizeof(skipped_names));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "version", json_object_new_string(ZJ_VERSION));
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
	json_object_object_add(o, "uptime_s",
			       json_object_new_int64((int64_t)((now_usec() - (uint64_t)d->started_usec) /
							       1000000)));
	json_object_object_add(o, "kernel", json_object_new_string(d->feat.kernel));
	json_object_object_add(o, "features", json_object_new_string(fbuf));
	/* per sub-technique: what the policy requests, what the kernel does about it */
	json_object_object_add(o, "enforcement", zj_enforce_to_json(&d->enf, d->policy));
	json_object_object_add(o, "programs_attached", json_object_new_int(attached));
	zj_sensor_status_json(d->sensor, o);
	json_object_object_add(o, "policy", json_object_new_string(d->policy_path));
	json_object_object_add(o, "policy_hash", json_object_new_string(d->policy_hash));
	json_object_object_add(o, "output_format",
			       json_object_new_string(zj_output_format_name(d->output_format)));
	json_object_object_add(o, "event_log", json_object_new_string(d->event_log));
	json_object_object_add(o, "watched_paths", json_object_new_int64((int64_t)d->watch->n));
	json_object_object_add(o, "processes",
			       json_object_new_int64((int64_t)zj_proctab_count(d->pt)));
	k = json_object_new_object();
	recs = json_object_new_object();
	if (k && recs && zj_sensor_stats(d->sensor, st) == 0) {
		for (i = 1; i < ZJ_REC_MAX; i++)
			json_object_object_add(recs, rec[i],
					       json_object_new_int64((int64_t)st[ZJ_STAT_EMITTED + i]));
		json_object_object_add(k, "records", recs);
		recs = NULL;
		json_object_object_add(k, "lost", json_object_new_int64((int64_t)st[ZJ_STAT_LOST]));
		json_object_object_add(k, "read_failures",
				       json_object_new_int64((int64_t)st[ZJ_STAT_READ_FAIL]));
		json_object_object_add(k, "paths_truncated",
				       json_object_new_int64((int64_t)st[ZJ_STAT_PATH_TRUNC]));
		json_object_object_add(k, "denied",
				       json_object_new_int64((int64_t)st[ZJ_STAT_DENIED]));
		json_object_object_add(k, "denied_canary",
				       json_object_new_int64((int64_t)st[ZJ_STAT_CANARY]));
	}
	json_object_put(recs);
	json_object_object_add(o, "kernel_counters", k);
	json_object_object_add(o, "events_logged", json_object_new_int64((int64_t)d->events));
	json_object_object_add(o, "records_malformed",
			       json_object_new_int64((int64_t)d->bad_records));
	f = json_object_new_object();
	for (i = ZJ_ACTION_OFF; i <= ZJ_ACTION_BLOCK; i++)
		json_object_object_add(f, zj_action_name((uint32_t)i),
				       json_object_new_int64((int64_t)d->findings[i]));
	json_object_object_add(o, "findings", f);
	json_object_object_add(o, "findings_by_technique", zj_finding_counts_json(&d->by_technique));
	{
		struct zj_alertq_stats as;
		json_object *ja = json_object_new_object();

		zj_alertq_stats(d->alerts, &as);
		json_object_object_add(o, "journald_failures",
				       json_object_new_int64((int64_t)as.failed));
		json_object_object_add(ja, "queued", json_object_new_int64((int64_t)as.queued));
		json_object_object_add(ja, "sent", json_object_new_int64((int64_t)as.sent));
		json_object_object_add(ja, "failed", json_object_new_int64((int64_t)as.failed));
		json_object_object_add(ja, "coalesced",
				       json_object_new_int64((int64_t)as.coalesced));
		json_object_object_add(ja, "summaries",
				       json_object_new_int64((int64_t)as.summaries));
		json_object_object_add(ja, "owed", json_object_new_int64((int64_t)as.owed));
		json_object_object_add(ja, "pending", json_object_new_int64((int64_t)as.pending));
		json_object_object_add(o, "journald_alerts", ja);
	}
	{
		/* zhijiad's BPF objects, by id: with self-protection no one else can open them */
		static const char *const keys[3][2] = {{"bpf_maps", "map_ids"},
						       {"bpf_programs", "program_ids"},
						       {"bpf_links", "link_ids"}};
		json_object *sp = json_object_new_object();

		for (uint32_t kind = ZJ_SELF_MAP; sp && kind <= ZJ_SELF_LINK; kind++) {
			const uint32_t *ids = NULL;
			size_t n = zj_sensor_self_ids(d->sensor, kind, &ids);
			json_object *a = json_object_new_array();

			json_object_object_add(sp, keys[kind - 1][0],
					       json_object_new_int64((int64_t)n));
			for (size_t j = 0; a && j < n; j++)
				json_object_array_add(a, json_object_new_int64(ids[j]));
			json_object_object_add(sp, keys[kind - 1][1], a);
		}
		if (sp) {
			json_object_object_add(sp, "manager_pid", json_object_new_int64(getppid()));
			json_object_object_add(o, "self_protection_objects", sp);
		}
	}
	f = json_object_new_object();
	if (f) {
		json_object_object_add(f, "handled", json_object_new_int64((int64_t)d->residues[0]));
		json_object_object_add(f, "failed", json_object_new_int64((int64_t)d->residues[1]));
		json_object_object_add(f, "quarantine", json_object_new_string(d->quarantine_dir));
		json_object_object_add(o, "fallback_residue", f);
	}
	if (zj_sensor_stats(d->sensor, st) == 0)
		json_object_object_add(o, "fallback_kills",
				       json_object_new_int64((int64_t)st[ZJ_STAT_KILLED]));
	json_object_object_add(o, "scan", zj_scand_status(d->scand));
	json_object_object_add(o, "exec_deny_entries", json_object_new_int64((int64_t)d->exec_denied));
	*ret = o;
	return 0;
}

/*
 * Recompile the rules directory (SIGHUP, `zhijiactl rules reload`): a rule with an error names
 * its file and line, and the rules in force stay in force.
 */
static int reload_rules(struct daemon *d, char *err, size_t errlen)
{
	int r = zj_scand_reload(d->scand, err, errlen);

	if (r < 0) {
		log_error("YARA rules not reloaded, keeping the previous %zu: %s",
			  zj_scand_rules(d->scand), err);
		(void)zj_journal_message(3, "YARA rules not reloaded, keeping the previous %zu: %s",
					 zj_scand_rules(d->scand), err);
		return r;
	}
	log_info("YARA rules reloaded: %zu rules, %zu allow-listed SHA-256",
		 zj_scand_rules(d->scand), zj_scand_allowed(d->scand));
	return 0;
}

static int control_rules_reload(struct daemon *d, const struct ucred *peer, json_object **ret)
{
	char err[512] = "", msg[640];
	json_object *o;

	log_info("rules reload requested by uid %u", (unsigned)peer->uid);
	if (reload_rules(d, err, sizeof(err)) < 0) {
		snprintf(msg, sizeof(msg), "rules not reloaded: %s; the previous %zu rules stay in "
			 "force", err, zj_scand_rules(d->scand));
		return zj_control_error_reply(msg, ret);
	}
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "rules",
			       json_object_new_int64((int64_t)zj_scand_rules(d->scand)));
	json_object_object_add(o, "allow_sha256",
			       json_object_new_int64((int64_t)zj_scand_allowed(d->scand)));
	*ret = o;
	return 0;
}

/*
 * A binary with a YARA match (not allow-listed) was exec'd: the process is killed (scand.c);
 * with BPF LSM the kernel refuses every later exec of the same file (bprm_check_security,
 * zj_exec_deny, by device and inode).
 */
static void on_black_binary(void *userdata, uint64_t dev, uint64_t ino, const char *sha256)
{
	struct daemon *d = userdata;
	struct zj_watch_key k = {.dev = zj_kdev(dev), .ino = ino};
	uint32_t one = 1;
	int fd = zj_sensor_exec_deny_fd(d->sensor);

	if (fd < 0) {
		log_debug("black binary dev %llu ino %llu sha256 %s: no BPF LSM, no exec deny",
			  (unsigned long long)k.dev, (unsigned long long)ino, sha256);
		return;
	}
	if (bpf_map_update_elem(fd, &k, &one, BPF_ANY) < 0) {
		log_warning_errno(negative_errno(),
				  "Failed to deny the exec of black binary (dev %llu, ino %llu, "
				  "sha256 %s) in the kernel: %m; it is killed when it runs",
				  (unsigned long long)k.dev, (unsigned long long)ino, sha256);
		return;
	}
	d->exec_denied++;
	log_info("exec of the black binary (dev %llu, ino %llu, sha256 %s) is denied from now on",
		 (unsigned long long)k.dev, (unsigned long long)ino, sha256);
}

static int on_control(void *userdata, const char *cmd, json_object *args,
		      const struct ucred *peer, json_object **ret_reply)
{
	struct daemon *d = userdata;
	const struct zj_policy_store store = {d->policy_path, zj_policyfile_write, NULL};
	char err[ZJ_POLICYOPS_ERR_MAX] = "";
	bool changed = false;
	int r;

	if (strcmp(cmd, "status") == 0)
		return daemon_status(d, ret_reply);
	if (strcmp(cmd, "stop") == 0) {
		/* the control socket is root's only: this is how root stops a protected zhijiad */
		log_info("stop requested by uid %u (pid %d) through the control socket",
			 (unsigned)peer->uid, (int)peer->pid);
		d->stop_requested = true;
		*ret_reply = json_object_new_object();
		if (!*ret_reply)
			return -ENOMEM;
		json_object_object_add(*ret_reply, "ok", json_object_new_boolean(1));
		json_object_object_add(*ret_reply, "pid", json_object_new_int64(getpid()));
		return 0;
	}
	if (strcmp(cmd, "rules.reload") == 0)
		return control_rules_reload(d, peer, ret_reply);
	r = zj_policy_command(&d->policy, cmd, args, &store, ret_reply, &changed, err,
			      sizeof(err));
	if (r < 0)
		return zj_control_error_reply(err[0] ? err : "the command failed", ret_reply);
	if (changed) {
		/* d->policy is the new object already: the next event is decided by it */
		log_info("policy: %s by uid %u", cmd, (unsigned)peer->uid);
		policy_hash_update(d);
		apply_protected(d);
		apply_enforcement(d, true);
	}
	return 0;
}

/* SIGHUP: a broken file keeps the last good policy, and says so in the journal. */
static void reload_policy(struct daemon *d)
{
	struct zj_policy *np = NULL;
	char err[ZJ_POLICY_ERR_MAX] = "";
	int r;

	r = zj_policy_load(d->policy_path, zj_policyfile_read, NULL, &np, err, sizeof(err));
	if (r < 0) {
		log_error_errno(r, "Policy not reloaded, keeping the last good one: %s",
				err[0] ? err : d->policy_path);
		(void)zj_journal_message(3, "Policy not reloaded, keeping the last good one: %s",
					 err[0] ? err : d->policy_path);
		return;
	}
	zj_policy_free(d->policy);
	d->policy = np;
	policy_hash_update(d);
	apply_protected(d);
	apply_enforcement(d, true);
	log_info("policy reloaded from %s", r == 1 ? "the built-in defaults" : d->policy_path);
}

/*
 * The consumer's half of the wake-up policy of bpf/common.bpf.h: a look ZJ_RELOOK_MS after
 * every batch (longer than the kernel's 1 ms gap between forced wake-ups), then a poll every
 * ZJ_ACTIVE_POLL_MS for ZJ_ACTIVE_USEC after the last record; idle, the 100 ms timer.
 */
#define ZJ_RELOOK_MS 2
#define ZJ_ACTIVE_POLL_MS 10
#define ZJ_ACTIVE_USEC (100 * 1000)
/* --metrics-file: the status as Prometheus text, replaced atomically (metrics.h). */
static void write_metrics(struct daemon *d)
{
	struct zj_buf b = {0};
	json_object *st = NULL;
	int r;

	r = daemon_status(d, &st);
	if (r >= 0)
		r = zj_metrics_format(st, &b);
	if (r >= 0)
		r = zj_metrics_write(d->metrics_file, b.data, b.len);
	if (r < 0)
		log_warning_errno(r, "Failed to write the metrics file %s: %m, ignoring",
				  d->metrics_file);
	json_object_put(st);
	zj_buf_free(&b);
}

static int run(struct daemon *d, const char *watch_path, bool watch_explicit)
{
	_cleanup_close_ int ep = -1, sfd = -1, tfd = -1;
	struct epoll_event evs[8], e;
	struct itimerspec its;
	sigset_t mask;
	int rb_fd, r, i, n, ticks = 0;
	bool stop = false, consumed, backlog = false;
	uint64_t active_until = 0; /* look every ZJ_ACTIVE_POLL_MS until then */

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(negative_errno(), "Failed to block signals: %m");
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || ep < 0)
		return log_error_errno(negative_errno(), "Failed to set up the event loop: %m");
	/* every 100 ms: drain records that were queued without a wake-up, flush the log */
	memset(&its, 0, sizeof(its));
	its.it_interval.tv_nsec = 100 * 1000 * 1000;
	its.it_value.tv_nsec = 100 * 1000 * 1000;
	if (timerfd_settime(tfd, 0, &its, NULL) < 0)
		return log_error_errno(negative_errno(), "Failed to arm the timer: %m");
	rb_fd = zj_sensor_fd(d->sensor);
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN;
	e.data.fd = rb_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, rb_fd, &e) < 0)
		return log_error_errno(negative_errno(), "Failed to poll the ring buffer: %m");
	e.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &e) < 0)
		return log_error_errno(negative_errno(), "Failed to poll signals: %m");
	e.data.fd = tfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e) < 0)
		return log_error_errno(negative_errno(), "Failed to poll the timer: %m");
	e.data.fd = zj_control_fd(d->ctl);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, e.data.fd, &e) < 0)
		return log_error_errno(negative_errno(), "Failed to poll the control socket: %m");
	e.data.fd = zj_scand_fd(d->scand);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, e.data.fd, &e) < 0)
		return log_error_errno(negative_errno(), "Failed to poll the scan workers: %m");

	while (!stop) {
		/* with records still waiting, only look: no sleep (bpf/common.bpf.h says why the
		 * poll while records flow) */
		n = epoll_wait(ep, evs, (int)ELEMENTSOF(evs),
			       backlog ? 0 : active_until > now_usec() ? ZJ_ACTIVE_POLL_MS : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return log_error_errno(negative_errno(), "epoll_wait failed: %m");
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						char err[512];

						(void)reload_watch(d, watch_path, watch_explicit);
						reload_policy(d);
						load_bindings(d);
						(void)reload_rules(d, err, sizeof(err));
					} else
						stop = true;
				}
			} else if (evs[i].data.fd == tfd) {
				uint64_t exp;

				if (read(tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
					log_warning("timer read failed: %m, ignoring");
				ping_watchdog(d);
				zj_scand_tick(d->scand, now_usec());
				/* every 2 s: re-stat watched dirs (created or replaced since) */
				if (++ticks % 20 == 0) {
					int inodes, names, prefix;

					/* users came or went, sshd_config changed: expand again */
					if (zj_watch_stale(d->watch))
						(void)reexpand_watch(d);

					zj_sensor_watch_fds(d->sensor, &inodes, &names, &prefix);
					r = zj_watch_apply(d->watch, inodes, names, prefix);
					if (r < 0)
						log_warning_errno(r, "Failed to refresh watched "
								     "paths: %m, ignoring");
					/* exceptions by inode: an upgrade replaces files */
					apply_enforcement(d, false);
					arr_inbox_tick(d);
				}
				if (ticks % 10 == 0) {
					zj_arr_disposer_reap(&d->disposer);
					check_lost(d);
					check_alerts(d);
					(void)zj_control_expire(d->ctl, now_usec());
				}
				if (ticks % 100 == 0)
					(void)zj_proctab_prune(d->pt);
				if (d->metrics_file && ticks % d->metrics_ticks == 0)
					write_metrics(d);
			} else if (evs[i].data.fd == zj_control_fd(d->ctl)) {
				r = zj_control_dispatch(d->ctl);
				if (r < 0)
					log_warning_errno(r, "Control socket: %m, ignoring");
			} else if (evs[i].data.fd == zj_scand_fd(d->scand)) {
				r = zj_scand_drain(d->scand);
				if (r < 0)
					log_warning_errno(r, "Scan verdicts: %m, ignoring");
			}
		}
		if (d->stop_requested)
			stop = true;
		r = consume(d);
		backlog = r == -EAGAIN;
		if (r < 0 && !backlog)
			log_warning_errno(r, "Failed to consume records: %m, ignoring");
		consumed = r > 0 || backlog;
		if (consumed)
			active_until = now_usec() + ZJ_ACTIVE_USEC;
		r = zj_eventlog_flush(d->log);
		if (r < 0)
			log_warning_errno(r, "Failed to write the event log: %m, ignoring");
		/*
		 * Under load, let records gather for a moment before the next look: one wake-up
		 * per batch instead of one per record (at 100k records/s the wake-ups, not the
		 * records, were the daemon's main cost).  An idle daemon sleeps in epoll_wait
		 * and the first record wakes it at once.  This look after every batch is also
		 * what picks up records the kernel queued without a wake-up because one went
		 * out less than ZJ_WAKE_GAP_NS (1 ms) before (bpf/common.bpf.h).
		 */
		if (consumed && !backlog) {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = ZJ_RELOOK_MS * 1000 * 1000};

			(void)nanosleep(&ts, NULL);
		}
	}
	/* drain what is left, so that nothing the kernel sent is lost at stop (a storm that
	 * goes on is bounded by the ring buffer's size: what is in it when we look) */
	for (int j = 0; j < 64 && consume(d) == -EAGAIN; j++)
		;
	r = zj_eventlog_flush(d->log);
	if (r < 0)
		log_warning_errno(r, "Failed to write the event log: %m");
	return 0;
}

/*
 * Let the alerts still queued reach journald (ZJ_ALERTQ_STOP_MS at most) and free the queue;
 * its last counters into *ret (may be NULL).
 */
static void stop_alerts(struct daemon *d, struct zj_alertq_stats *ret)
{
	uint64_t left = zj_alertq_free(d->alerts, ZJ_ALERTQ_STOP_MS, ret);

	d->alerts = NULL;
	if (left)
		log_warning("%llu alerts not sent to journald in %u ms at stop; they are in the "
			    "event log",
			    (unsigned long long)left, ZJ_ALERTQ_STOP_MS);
}

/*
 * Free what main() set up, in the reverse order, whether it got to run or stopped on the way
 * (d zeroed first: every free takes NULL).  Returns code, or 1 when the event log could not
 * be flushed.
 */
static int finish(struct daemon *d, int code)
{
	zj_control_free(d->ctl);
	zj_sensor_free(d->sensor);
	/* an early stop: what start-up alerted goes out from here */
	stop_alerts(d, NULL);
	/* verdicts still coming are logged; the workers finish the scans they are in */
	if (d->scand)
		(void)zj_scand_drain(d->scand);
	zj_scand_free(d->scand);
	if (zj_eventlog_close(d->log) < 0)
		code = 1;
	zj_watch_free(d->watch);
	zj_proctab_free(d->pt);
	zj_policy_free(d->policy);
	zj_quarantine_free(d->quarantine);
	zj_arr_bindings_free(d->arr_bindings);
	zj_finding_counts_free(&d->by_technique);
	return code;
}

int main(int argc, char **argv)
{
	enum {
		ARG_EVENT_LOG = 0x100,
		ARG_WATCH,
		ARG_PRINT_WATCH,
		ARG_RINGBUF,
		ARG_VERSION,
		ARG_ARR_ROOT,
		ARG_POLICY,
		ARG_SOCKET,
		ARG_PTRACE_ALL,
		ARG_RULES,
		ARG_QUARANTINE,
		ARG_TRANSPORT,
		ARG_BTF,
		ARG_BTF_DIR,
		ARG_PROBE_PROGRAMS,
		ARG_WITHOUT,
		ARG_OUTPUT_FORMAT,
		ARG_METRICS_FILE,
		ARG_METRICS_INTERVAL,
	};
	static const struct option opts[] = {
		{"foreground", no_argument, NULL, 'f'},
		{"event-log", required_argument, NULL, ARG_EVENT_LOG},
		{"watch-config", required_argument, NULL, ARG_WATCH},
		{"policy", required_argument, NULL, ARG_POLICY},
		{"socket", required_argument, NULL, ARG_SOCKET},
		{"ptrace-all", no_argument, NULL, ARG_PTRACE_ALL},
		{"rules", required_argument, NULL, ARG_RULES},
		{"quarantine-dir", required_argument, NULL, ARG_QUARANTINE},
		{"print-watch-config", no_argument, NULL, ARG_PRINT_WATCH},
		{"ringbuf-size", required_argument, NULL, ARG_RINGBUF},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, ARG_VERSION},
		{"arr-root", required_argument, NULL, ARG_ARR_ROOT},
		{"transport", required_argument, NULL, ARG_TRANSPORT},
		{"btf", required_argument, NULL, ARG_BTF},
		{"btf-dir", required_argument, NULL, ARG_BTF_DIR},
		/* for tests of older kernels' paths (zhijiad(8), DEBUGGING OPTIONS) */
		{"probe-programs", no_argument, NULL, ARG_PROBE_PROGRAMS},
		{"without", required_argument, NULL, ARG_WITHOUT},
		{"output-format", required_argument, NULL, ARG_OUTPUT_FORMAT},
		{"metrics-file", required_argument, NULL, ARG_METRICS_FILE},
		{"metrics-interval", required_argument, NULL, ARG_METRICS_INTERVAL},
		{},
	};
	const char *event_log = DEFAULT_EVENT_LOG, *watch_path = DEFAULT_WATCH_CONF;
	const char *policy_path = ZJ_POLICY_PATH, *socket_path = ZJ_CONTROL_PATH;
	const char *arr_root = NULL, *inbox;
	char ibuf[PATH_MAX];
	const char *rules_dir = ZJ_RULES_DIR;
	bool foreground = false, watch_explicit = false, ptrace_all = false;
	const char *quarantine_dir = ZJ_QUARANTINE_DIR;
	unsigned long rb_mib = 16, metrics_s = 15;
	struct zj_sensor_opts so = {.transport = ZJ_TRANSPORT_AUTO};
	const char *without[8];
	size_t n_without = 0;
	enum zj_output_format output_format = ZJ_OUTPUT_JSON;
	const char *metrics_file = NULL;
	struct zj_features feat;
	struct daemon d;
	char fbuf[512], skipped[512], ebuf[1024], sbuf[2560];
	int c, r, attached = 0, nskipped = 0;

	zj_log_setup("zhijiad", ZJ_LOG_INFO);
	while ((c = getopt_long(argc, argv, "fvh", opts, NULL)) >= 0) {
		char *end;

		switch (c) {
		case 'f':
			foreground = true;
			break;
		case ARG_EVENT_LOG:
			event_log = optarg;
			break;
		case ARG_WATCH:
			watch_path = optarg;
			watch_explicit = true;
			break;
		case ARG_POLICY:
			policy_path = optarg;
			break;
		case ARG_PTRACE_ALL:
			ptrace_all = true;
			break;
		case ARG_RULES:
			rules_dir = optarg;
			break;
		case ARG_QUARANTINE:
			if (optarg[0] != '/') {
				log_error("--quarantine-dir: '%s' is not an absolute path", optarg);
				return 2;
			}
			quarantine_dir = optarg;
			break;
		case ARG_SOCKET:
			socket_path = optarg;
			break;
		case ARG_ARR_ROOT:
			if (optarg[0] != '/') {
				log_error("--arr-root needs an absolute path");
				return 2;
			}
			arr_root = strcmp(optarg, "/") ? optarg : NULL;
			break;
		case ARG_PRINT_WATCH:
			fputs(zj_watch_default_text(), stdout);
			return 0;
		case ARG_RINGBUF:
			errno = 0;
			rb_mib = strtoul(optarg, &end, 10);
			if (errno || *end || rb_mib < 1 || rb_mib > 1024 || (rb_mib & (rb_mib - 1))) {
				log_error("--ringbuf-size: '%s' is not a power of two from 1 to 1024 "
					  "(MiB)",
					  optarg);
				return 2;
			}
			break;
		case ARG_OUTPUT_FORMAT:
			if (zj_output_format_parse(optarg, &output_format) < 0) {
				log_error("--output-format: '%s' is not json, ocsf or ecs", optarg);
				return 2;
			}
			break;
		case ARG_METRICS_FILE:
			if (optarg[0] != '/') {
				log_error("--metrics-file: '%s' is not an absolute path", optarg);
				return 2;
			}
			metrics_file = optarg;
			break;
		case ARG_METRICS_INTERVAL:
			errno = 0;
			metrics_s = strtoul(optarg, &end, 10);
			if (errno || *end || metrics_s < 1 || metrics_s > 3600) {
				log_error("--metrics-interval: '%s' is not a number of seconds from "
					  "1 to 3600",
					  optarg);
				return 2;
			}
			break;
		case ARG_TRANSPORT:
			if (strcmp(optarg, "auto") == 0)
				so.transport = ZJ_TRANSPORT_AUTO;
			else if (strcmp(optarg, "ringbuf") == 0)
				so.transport = ZJ_TRANSPORT_RINGBUF;
			else if (strcmp(optarg, "perfbuf") == 0)
				so.transport = ZJ_TRANSPORT_PERFBUF;
			else {
				log_error("--transport: '%s' is not one of auto, ringbuf, perfbuf",
					  optarg);
				return 2;
			}
			break;
		case ARG_BTF:
			so.btf_path = optarg;
			break;
		case ARG_BTF_DIR:
			so.btf_dir = optarg;
			break;
		case ARG_PROBE_PROGRAMS:
			so.probe_each = true;
			break;
		case ARG_WITHOUT:
			if (zj_sensor_forget(&feat, optarg) < 0) { /* a name check only */
				log_error("--without: '%s' is not one of btf, ringbuf, send_signal, "
					  "bpf_loop, lsm",
					  optarg);
				return 2;
			}
			if (n_without == ELEMENTSOF(without)) {
				log_error("--without: at most %zu times", ELEMENTSOF(without));
				return 2;
			}
			without[n_without++] = optarg;
			break;
		case 'v':
			arg_verbose = true;
			zj_log_setup("zhijiad", ZJ_LOG_DEBUG);
			break;
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("zhijiad " ZJ_VERSION "\n");
			return 0;
		default:
			fprintf(stderr, "Try 'zhijiad --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'; try 'zhijiad --help'", argv[optind]);
		return 2;
	}

	memset(&d, 0, sizeof(d));
	d.quarantine_dir = quarantine_dir;
	d.arr_root = arr_root;
	d.output_format = output_format;
	d.metrics_file = metrics_file;
	d.metrics_ticks = (unsigned)metrics_s * 10;
	zj_siem_host_read(&d.host, NULL, ZJ_VERSION);
	if (zj_finding_counts_init(&d.by_technique) < 0) {
		log_error("Out of memory");
		return finish(&d, 1);
	}
	libbpf_set_print(libbpf_print);
	if (check_privileges() < 0)
		return finish(&d, 1);
	if (zj_sensor_mounts() < 0)
		return finish(&d, 1);
	if (load_watch(watch_path, watch_explicit, &d.watch) < 0)
		return finish(&d, 1);
	d.policy_path = policy_path;
	if (load_policy(policy_path, &d.policy) < 0)
		return finish(&d, 1);
	policy_hash_update(&d);
	zj_sensor_probe(&feat);
	for (size_t j = 0; j < n_without; j++)
		(void)zj_sensor_forget(&feat, without[j]); /* names checked above */
	zj_features_format(&feat, fbuf, sizeof(fbuf));
	d.feat = feat;
	d.event_log = event_log;
	d.started_usec = (int64_t)now_usec();

	r = zj_proctab_new("/proc", &d.pt);
	if (r < 0) {
		log_error_errno(r, "Failed to create the process table: %m");
		return finish(&d, 1);
	}
	apply_protected(&d);
	r = zj_decoder_init(&d.dec, d.pt);
	if (r < 0) {
		log_error_errno(r, "Failed to set up the decoder: %m");
		return finish(&d, 1);
	}
	r = zj_eventlog_open(event_log, foreground, &d.log);
	if (r < 0) {
		log_error_errno(r, "Failed to open the event log '%s': %m", event_log);
		return finish(&d, 1);
	}
	zj_eventlog_set_format(d.log, d.output_format, &d.host);
	r = zj_alertq_new(ZJ_ALERTQ_BYTES, NULL, NULL, &d.alerts);
	if (r < 0) {
		log_error_errno(r, "Failed to set up the alert queue: %m");
		return finish(&d, 1);
	}
	load_bindings(&d);
	inbox = arr_path(&d, ZJ_ARR_INBOX_DIR, ibuf, sizeof(ibuf));
	r = zj_arr_inbox_init(inbox);
	if (r < 0)
		log_warning_errno(r, "Failed to make the ARR inbox %s: %m, ignoring", inbox);
	{
		/* File_repairMbr's "backup": sector 0 of the system disks, as first seen */
		size_t taken = 0;

		r = zj_arr_mbr_backup_system(d.arr_root, &taken);
		if (r < 0)
			log_warning_errno(r, "Failed to keep sector 0 of the system disks: %m, "
					     "ignoring");
		else if (taken)
			log_info("Kept sector 0 of %zu system disks in /var/lib/zhijia/mbr", taken);
	}
	/* what Other_NetOff / _Disabled_* left in force outlives a restart */
	r = zj_arr_net_restore(d.arr_root);
	if (r < 0 && r != -ENOENT)
		log_warning_errno(r, "Failed to load zhijia's nftables table again: %m, ignoring");
	else if (r == -ENOENT)
		log_warning("ARR network rules are kept but nft is not installed, ignoring");
	else if (r > 0)
		log_info("ARR network rules loaded again (/var/lib/zhijia/nft/zhijia.nft)");
	/* libyara before any thread (the scan workers, started after the capability drop) */
	r = zj_scan_library_init();
	if (r < 0) {
		log_error_errno(r, "Failed to initialise libyara: %m");
		return finish(&d, 1);
	}
	{
		struct zj_scand_opts sco = {
			.rules_dir = rules_dir,
			.quarantine_dir = quarantine_dir,
			.workers = ZJ_SCAND_WORKERS,
			.queue_max = ZJ_SCAND_QUEUE,
			.timeout_s = ZJ_SCAND_TIMEOUT_S,
			.log = d.log,
			.seq = &d.dec.seq,
			.policy = &d.policy,
			.watch = &d.watch,
			.black_binary = on_black_binary,
			.userdata = &d,
		};
		char err[512] = "";

		r = zj_scand_new(&sco, &d.scand, err, sizeof(err));
		if (r < 0) {
			log_error_errno(r, "Invalid YARA rules: %s", err[0] ? err : rules_dir);
			return finish(&d, 1);
		}
		log_info("YARA rules from %s: %zu rules, %zu allow-listed SHA-256", rules_dir,
			 zj_scand_rules(d.scand), zj_scand_allowed(d.scand));
	}

	so.ringbuf_bytes = (uint32_t)(rb_mib << 20);
	so.wakeup_bytes = 64 * 1024;
	/* --ptrace-all: every request, a debugger's PEEK/GETREGS/CONT traffic included */
	so.ptrace_lo = ptrace_all ? ~0ULL : DEFAULT_PTRACE_LO;
	so.ptrace_hi = ptrace_all ? ~0ULL : DEFAULT_PTRACE_HI;
	so.watch = d.watch;
	so.on_record = on_record;
	so.prepare = prepare_sensor;
	so.ctx = &d;
	so.verbose = arg_verbose;
	if (zj_sensor_start(&so, &feat, &d.sensor) < 0) {
		log_error("kernel: %s: %s", feat.kernel, fbuf);
		return finish(&d, 1);
	}
	r = zj_control_open(socket_path, on_control, &d, &d.ctl);
	if (r < 0) {
		log_error_errno(r, "Failed to open the control socket %s: %m", socket_path);
		return finish(&d, 1);
	}
	/* seeded after attach: a process born in between is in the table either way */
	r = zj_proctab_seed(d.pt);
	if (r < 0)
		log_warning_errno(r, "Failed to read the process table from /proc: %m, "
				     "continuing with what the sensor reports");
	/* prove that the LSM hooks deny; drop what the canary's own operations reported */
	r = zj_enforce_canary(&d.enf, d.sensor);
	if (r < 0)
		log_warning_errno(r, "The enforcement canary could not run: %m; enforcement is "
				     "reported as not proved");
	for (int j = 0; j < 64 && consume(&d) == -EAGAIN; j++)
		;
	zj_enforce_canary_done(&d.enf);
	/* what the canary proved is now enforced by its hook, the rest by the fallback */
	apply_enforcement(&d, false);
	zj_enforce_format(&d.enf, d.policy, ebuf, sizeof(ebuf));

	zj_sensor_counts(d.sensor, &attached, &nskipped, skipped, sizeof(skipped));
	zj_sensor_describe(d.sensor, sbuf, sizeof(sbuf));
	fprintf(stderr,
		"zhijiad " ZJ_VERSION ": kernel %s: %s; %s; %d programs attached%s%s%s; watching %zu "
		"paths (%s); %zu processes; event log %s; %s\n",
		feat.kernel, fbuf, sbuf, attached, nskipped ? " (left out, no tracepoint: " : "",
		nskipped ? skipped : "", nskipped ? ")" : "", d.watch->n, d.watch->source,
		zj_proctab_count(d.pt), event_log, ebuf);
	warn_unenforced(&d);
	if (drop_capabilities() < 0)
		return finish(&d, 1);
	/* after the drop: a thread keeps the capabilities it was created with */
	r = zj_alertq_start(d.alerts);
	if (r < 0) {
		log_error_errno(r, "Failed to start the alert sender: %m");
		return finish(&d, 1);
	}
	/* the scan workers too (capset is per thread); before the canary, so that ready means
	 * the scans run: what start-up queued is scanned from here on */
	r = zj_scand_start(d.scand);
	if (r < 0) {
		log_error_errno(r, "Failed to start the scan workers: %m");
		return finish(&d, 1);
	}
	if (run_delivery_canary(&d) < 0)
		return finish(&d, 1);
	if (sd_watchdog_enabled(0, &d.watchdog_usec) <= 0)
		d.watchdog_usec = 0;
	d.last_ping_usec = now_usec();
	/* loading (BTF, the object, the canaries) freed tens of MiB the heap still holds */
	(void)malloc_trim(0);
	log_info("ready");
	if (d.metrics_file)
		write_metrics(&d);
	(void)sd_notify(0, "READY=1\nSTATUS=watching");

	r = run(&d, watch_path, watch_explicit);
	(void)sd_notify(0, "STOPPING=1");
	{
		struct zj_alertq_stats as;

		stop_alerts(&d, &as);
		print_stop_line(&d, &as);
	}
	return finish(&d, r < 0 ? 1 : 0);
}
