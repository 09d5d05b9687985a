/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The paths older kernels take (issue 10), forced on this kernel, as root: the same real
 * operations must arrive as the same events whatever carries them.  zhijiad is started once
 * per configuration:
 *   - ringbuf:       the default (ring buffer, the kernel's own BTF), the reference;
 *   - perfbuf:       --transport perfbuf (what kernels before 5.8 get);
 *   - btf-file:      --btf FILE, a copy of /sys/kernel/btf/vmlinux;
 *   - old-kernel:    --without btf --without ringbuf --without send_signal --without
 *                    bpf_loop, as a kernel built without BTF, before 5.3 (bpf_loop()'s users
 *                    skip it where they can): no BTF tracepoints, no BPF LSM, the BTF
 *                    found as --btf-dir DIR/$(uname -r).btf -- a minimal BTF made with
 *                    `bpftool gen min_core_btf` the way BTFHub ships it (the full copy where
 *                    bpftool cannot) --, the perf buffer chosen by zhijiad itself, no kill
 *                    fallback (record-only), and each program offered to the kernel alone
 *                    first (--probe-programs).
 * In each: the start-up line and `zhijiactl status` name the transport, the BTF source, the
 * programs not loaded (with the reason) and the enforcement mode; a real PTRACE_ATTACH of
 * another process, a real write through /proc/<pid>/mem and a real file created in /etc/cron.d
 * arrive with their actor, target and finding; no record was malformed.  Record-only: a
 * `block` of ptrace is reported, not enforced, and the tracer lives.  No LSM anywhere: this
 * host has no usable BPF LSM (status must say so), which is what those kernels have.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define CROND "/etc/cron.d"
#define SYS_BTF "/sys/kernel/btf/vmlinux"
#define CTL_TIMEOUT_MS 15000

struct config {
	const char *name;
	const char *transport; /* what status must say */
	bool btf_file;	       /* "file:..." rather than "kernel" */
	bool no_kernel_btf;    /* tp_btf programs dropped */
	const char *mode;      /* enforcement.mode in status */
	const char *args[16];
};

static const char *const test_dirs[] = {CROND, NULL};
static char dir[64], full_btf[128], btf_dir[128], min_btf[PATH_MAX], sock_path[128];
static char policy_path[128];
static char ctl_path[PATH_MAX + 16], setup_problem[2 * PATH_MAX];
static bool minimized;
static const struct config *cfg;
static struct zj_daemon zd;
static int zd_r = -ENOTCONN;
static struct zj_tail tail;

/* ---- set-up -------------------------------------------------------------------------------- */

static int run_quiet(const char *const *argv, char *why, size_t len)
{
	struct zj_cmd c;
	int r = zj_cmd_run(&c, argv, (uid_t)-1, (gid_t)-1, 60000);

	if (r < 0) {
		snprintf(why, len, "%s: %s", argv[0], strerror(-r));
		return r;
	}
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
		snprintf(why, len, "%s: wait status 0x%x: %s", argv[0], c.status,
			 c.err ? c.err : "");
		r = -EIO;
	}
	zj_cmd_free(&c);
	return r;
}

/*
 * The kernel's BTF copied to a file; a minimal one for zhijia's programs in DIR/<release>.btf.
 * (Outside any test: no ck_assert here, nor harness calls that use it.)
 */
static int make_btf_files(void)
{
	char obj[PATH_MAX], why[512];
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	snprintf(dir, sizeof(dir), "/tmp/" ZJ_TEST_PREFIX "%d-fk", (int)zj_main_pid());
	snprintf(full_btf, sizeof(full_btf), "%s/vmlinux.btf", dir);
	snprintf(btf_dir, sizeof(btf_dir), "%s/btf", dir);
	if ((size_t)snprintf(min_btf, sizeof(min_btf), "%s/%s.btf", btf_dir, u.release) >=
	    sizeof(min_btf))
		return -ENAMETOOLONG;
	snprintf(sock_path, sizeof(sock_path), "%s/zhijiad.sock", dir);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.json", dir);
	if (mkdir(dir, 0700) < 0 || mkdir(btf_dir, 0700) < 0)
		return -errno;
	if (run_quiet((const char *const[]){"/bin/cp", SYS_BTF, full_btf, NULL}, why,
		      sizeof(why)) < 0) {
		snprintf(setup_problem, sizeof(setup_problem), "copying %s: %s", SYS_BTF, why);
		return -EIO;
	}
	/* BTFHub's way: only the types zhijia's CO-RE relocations name */
	/* the sanitizer build (make check-integration-asan) uses the normal build's BPF object */
	if ((size_t)snprintf(obj, sizeof(obj), "%s/bpf/zhijia.linked.o", zj_build_dir()) >=
	    sizeof(obj))
		return -ENAMETOOLONG;
	if (access(obj, R_OK) < 0)
		snprintf(obj, sizeof(obj), "%s/../bpf/zhijia.linked.o", zj_build_dir());
	if (run_quiet((const char *const[]){"/usr/sbin/bpftool", "gen", "min_core_btf", full_btf,
					    min_btf, obj, NULL},
		      why, sizeof(why)) == 0) {
		minimized = true;
		return 0;
	}
	printf("check_fallback_kernel: bpftool gen min_core_btf failed (%s): using the full "
	       "BTF as DIR/<release>.btf\n",
	       why);
	return run_quiet((const char *const[]){"/bin/cp", full_btf, min_btf, NULL}, setup_problem,
			 sizeof(setup_problem));
}

static void remove_files(void)
{
	if (!dir[0] || !strstr(dir, ZJ_TEST_PREFIX))
		return;
	unlink(min_btf);
	unlink(full_btf);
	unlink(sock_path);
	unlink(policy_path);
	rmdir(btf_dir);
	rmdir(dir);
}

/* ---- zhijiactl ----------------------------------------------------------------------------- */

/* `zhijiactl --json ARGS...`, which must succeed: the reply, parsed. */
static json_object *ctl_json(const char *a1, const char *a2, const char *a3, const char *a4)
{
	const char *argv[] = {ctl_path, "--socket", sock_path, "--policy", policy_path,
			      "--json", a1, a2, a3, a4, NULL};
	struct zj_cmd c;
	int r = zj_cmd_run(&c, argv, (uid_t)-1, (gid_t)-1, CTL_TIMEOUT_MS);

	ck_assert_msg(r == 0, "running %s: %s", ctl_path, strerror(-r));
	json_object *o = json_tokener_parse(c.out ? c.out : "");
	ck_assert_msg(o && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
		      "zhijiactl --json %s: wait status 0x%x, stdout: %s, stderr: %s", a1,
		      c.status, c.out, c.err);
	zj_cmd_free(&c);
	return o;
}

static json_object *status_get(void)
{
	return ctl_json("status", NULL, NULL, NULL);
}

static const char *jstr(json_object *o, const char *path)
{
	json_object *v = NULL;

	ck_assert_msg(zj_json_get(o, path, &v) && v, "status has no %s: %s", path,
		      json_object_to_json_string(o));
	return json_object_get_string(v);
}

/* ---- fixtures ------------------------------------------------------------------------------ */

static void test_setup(void)
{
	zj_test_begin();
	ck_assert_msg(!setup_problem[0], "%s", setup_problem);
	ck_assert_msg(zd_r == 0, "[%s] zhijiad did not start: %s", cfg->name, strerror(-zd_r));
	zj_tail_open(&tail, zd.log_path, true);
}

static void test_teardown(void)
{
	zj_tail_close(&tail);
	zj_test_end();
}

/* The name the kernel keeps (15 characters) of BPF program id, in ret. 0 or -errno. */
static int prog_name(__u32 id, char ret[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info;
	union bpf_attr a;
	int fd, r;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	fd = (int)syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (__u32)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (__u64)(uintptr_t)&info;
	r = (int)syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
	if (r < 0)
		r = -errno;
	close(fd);
	if (r == 0)
		memcpy(ret, info.name, BPF_OBJ_NAME_LEN);
	return r;
}

/*
 * Does process pid hold a BPF program of this name (as the kernel keeps names: 15
 * characters)?  1, 0, or -errno.  Its programs are the fds whose fdinfo has a prog_id; the
 * bpf(2) calls are made here (the suites do not link libbpf), and programs of any other
 * process (another zhijiad) do not count.
 */
static int prog_held(pid_t pid, const char *name)
{
	char path[320], line[128], got[BPF_OBJ_NAME_LEN];
	struct dirent *d;
	int found = 0, r = 0;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	fds = opendir(path);
	if (!fds)
		return -errno;
	while (r == 0 && !found && (d = readdir(fds))) {
		unsigned int id = 0;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue; /* closed meanwhile */
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "prog_id: %u", &id) == 1)
				break;
		fclose(f);
		if (!id)
			continue;
		r = prog_name(id, got);
		if (r == 0 && strncmp(got, name, sizeof(got)) == 0)
			found = 1;
	}
	closedir(fds);
	return r < 0 ? r : found;
}

/* ---- tests --------------------------------------------------------------------------------- */

/* What was chosen, in the start-up line and in status. */
START_TEST(test_status_choice)
{
	char want[PATH_MAX + 64];
	const char *btf = cfg->btf_file ? (cfg->no_kernel_btf ? min_btf : full_btf) : NULL;

	/* start-up line */
	if (btf)
		snprintf(want, sizeof(want), "transport %s; BTF file:%s; ", cfg->transport, btf);
	else
		snprintf(want, sizeof(want), "transport %s; BTF kernel; ", cfg->transport);
	ck_assert_msg(zd.err_text && strstr(zd.err_text, want),
		      "[%s] the start-up line does not say \"%s\": %s", cfg->name, want,
		      zd.err_text ? zd.err_text : "");

	json_object *o = status_get(), *drop = NULL;
	ck_assert_str_eq(jstr(o, "transport"), cfg->transport);
	if (btf) {
		snprintf(want, sizeof(want), "file:%s", btf);
		ck_assert_str_eq(jstr(o, "btf"), want);
	} else {
		ck_assert_str_eq(jstr(o, "btf"), "kernel");
	}
	/* no LSM here, and status says so (enforcement falls back to the kill) */
	ck_assert_msg(strstr(jstr(o, "features"), "lsm=no"), "[%s] features: %s", cfg->name,
		      jstr(o, "features"));
	ck_assert_msg(strcmp(jstr(o, "enforcement.mode"), cfg->mode) == 0,
		      "[%s] enforcement.mode: %s", cfg->name, jstr(o, "enforcement.mode"));
	ck_assert(json_object_object_get_ex(o, "programs_dropped", &drop) && drop &&
		  json_object_is_type(drop, json_type_array));
	if (!cfg->no_kernel_btf) {
		ck_assert_msg(json_object_array_length(drop) == 0, "[%s] programs dropped: %s",
			      cfg->name, json_object_to_json_string(drop));
		ck_assert_msg(strstr(jstr(o, "features"), "tp_btf=yes") &&
				      strstr(jstr(o, "features"), "task_btf=yes") &&
				      strstr(jstr(o, "features"), "rdonly_cast=yes"),
			      "[%s] features: %s", cfg->name, jstr(o, "features"));
	} else {
		/* the three BTF tracepoints, and nothing else: exit has its classic stand-in */
		static const char *const names[] = {"zj_exec", "zj_fork", "zj_exit"};
		ck_assert_msg(json_object_array_length(drop) == 3, "[%s] programs dropped: %s",
			      cfg->name, json_object_to_json_string(drop));
		for (size_t i = 0; i < 3; i++) {
			json_object *e = json_object_array_get_idx(drop, i);
			ck_assert_str_eq(jstr(e, "name"), names[i]);
			ck_assert_str_eq(jstr(e, "why"), "no BTF tracepoints");
		}
		ck_assert_msg(strstr(jstr(o, "features"), "btf=no") &&
				      strstr(jstr(o, "features"), "tp_btf=no") &&
				      strstr(jstr(o, "features"), "task_btf=no") &&
				      strstr(jstr(o, "features"), "rdonly_cast=no") &&
				      strstr(jstr(o, "features"), "ringbuf=no") &&
				      strstr(jstr(o, "features"), "send_signal=no") &&
				      strstr(jstr(o, "features"), "bpf_loop=no"),
			      "[%s] features: %s", cfg->name, jstr(o, "features"));
		ck_assert_msg(strstr(zd.err_text, "3 programs not loaded: zj_exec (no BTF "
						  "tracepoints), zj_fork (no BTF tracepoints), "
						  "zj_exit (no BTF tracepoints)"),
			      "[%s] start-up line: %s", cfg->name, zd.err_text);
		ck_assert_msg(strstr(zd.err_text, "BPF programs one by one: 0 refused"),
			      "[%s] no per-program probe reported: %s", cfg->name, zd.err_text);
	}
	/*
	 * Which of each /proc/<pid>/mem write program's twins runs (mem.bpf.c): the plain-load
	 * one (zj_enter_write_rc, kept as "zj_enter_write_") only with the kernel's own BTF.
	 */
	int rc = prog_held(zd.pid, "zj_enter_write_"), plain = prog_held(zd.pid, "zj_enter_write");
	ck_assert_msg(rc >= 0 && plain >= 0, "[%s] listing BPF programs: %s", cfg->name,
		      strerror(-(rc < 0 ? rc : plain)));
	ck_assert_msg(btf ? !rc && plain : rc && !plain,
		      "[%s] loaded: zj_enter_write_rc %s, zj_enter_write %s", cfg->name,
		      rc ? "yes" : "no", plain ? "yes" : "no");
	json_object_put(o);
}
END_TEST

static void expect_finding(const struct zj_line *l, const char *technique)
{
	ZJ_EXPECT(l, zj_line_finding(l, technique) != NULL, "[%s] no %s finding", cfg->name,
		  technique);
}

/* A real PTRACE_ATTACH of a process that is not the tracer's child. */
START_TEST(test_ptrace_attach)
{
	struct zj_hold h;
	struct zj_run r;
	char pid[16];

	ck_assert_int_eq(zj_hold_start(&h, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	ZJ_TRIGGER(&r, "ptrace-pid", pid);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	ZJ_EXPECT_INT(l, "target.pid", h.pid);
	ZJ_EXPECT_INT(l, "actor.pid", r.pid);
	ZJ_EXPECT_STR(l, "actor.comm", "zj-trigger");
	expect_finding(l, "T1055.008");
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* A real write through /proc/<pid>/mem into another process. */
START_TEST(test_proc_mem_write)
{
	struct zj_hold h;
	struct zj_run r;
	char pid[16], addr[32];

	ck_assert_int_eq(zj_hold_start(&h, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	snprintf(addr, sizeof(addr), "0x%" PRIx64, h.addr);
	ZJ_TRIGGER(&r, "mem-pid", pid, addr);
	const struct zj_line *l = ZJ_WAIT(&tail, "mem_open", r.pid);
	ZJ_EXPECT_INT(l, "target.pid", h.pid);
	l = ZJ_WAIT(&tail, "mem_write", r.pid);
	ZJ_EXPECT_INT(l, "target.pid", h.pid);
	ZJ_EXPECT_HEX(l, "mem.addr", ZJ_OUT_HEX(&r, "addr"));
	expect_finding(l, "T1055.009");
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* A real cron table created in /etc/cron.d. */
START_TEST(test_cron_file)
{
	struct zj_run r;
	char path[PATH_MAX], tag[32];

	snprintf(tag, sizeof(tag), "fk-%s", cfg->name);
	zj_test_path(path, sizeof(path), CROND, tag);
	ZJ_TRIGGER(&r, "file-create", path);
	const struct zj_line *l = ZJ_WAIT(&tail, "file", r.pid, ZJ_S("file.path", path));
	ZJ_EXPECT_STR(l, "file.op", "create");
	expect_finding(l, "T1053.003");
	ck_assert_int_eq(unlink(path), 0);
	zj_run_done(&r);
}
END_TEST

/*
 * `block` of ptrace: killed at the attach where bpf_send_signal() exists, recorded as not
 * enforced where it does not (the tracer lives and its attach succeeds).
 */
START_TEST(test_block)
{
	struct zj_hold h;
	struct zj_run r;
	char pid[16];
	json_object *o = ctl_json("policy", "set", "T1055.008", "block"), *f, *v;
	bool kill = strcmp(cfg->mode, "kill") == 0;

	json_object_put(o);
	ck_assert_int_eq(zj_hold_start(&h, NULL), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	int rc = zj_run_trigger(&r, (const char *const[]){"ptrace-pid", pid, NULL},
				ZJ_TRIGGER_TIMEOUT_MS);
	ck_assert_int_eq(rc, 0);
	if (kill)
		ck_assert_msg(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL,
			      "[%s] the tracer was not killed: wait status 0x%x", cfg->name,
			      r.status);
	else
		ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
			      "[%s] record-only, yet the tracer did not succeed: wait status 0x%x",
			      cfg->name, r.status);
	const struct zj_line *l =
		ZJ_WAIT(&tail, "ptrace", r.pid, ZJ_S("ptrace.request", "PTRACE_ATTACH"));
	f = zj_line_finding(l, "T1055.008");
	ZJ_EXPECT(l, f != NULL, "[%s] no T1055.008 finding", cfg->name);
	ZJ_EXPECT(l, json_object_object_get_ex(f, "action", &v) &&
			     strcmp(json_object_get_string(v), "block") == 0,
		  "[%s] the finding's action is not block", cfg->name);
	ZJ_EXPECT(l, json_object_object_get_ex(f, "enforced", &v) &&
			     json_object_get_boolean(v) == kill,
		  "[%s] \"enforced\" should be %s", cfg->name, kill ? "true" : "false");
	o = ctl_json("policy", "reset", "T1055.008", NULL);
	json_object_put(o);
	zj_run_done(&r);
	zj_hold_stop(&h);
}
END_TEST

/* Every record the transport carried was whole: the decoder refused none. */
START_TEST(test_no_malformed)
{
	json_object *o = status_get(), *v = NULL;

	ck_assert_msg(zj_json_get(o, "records_malformed", &v) && v, "no records_malformed: %s",
		      json_object_to_json_string(o));
	ck_assert_msg(json_object_get_int64(v) == 0, "[%s] %" PRId64 " malformed records",
		      cfg->name, json_object_get_int64(v));
	json_object_put(o);
}
END_TEST

static Suite *kernel_suite(const char *name)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_status_choice);
	tcase_add_test(tc, test_ptrace_attach);
	tcase_add_test(tc, test_proc_mem_write);
	tcase_add_test(tc, test_cron_file);
	tcase_add_test(tc, test_block);
	tcase_add_test(tc, test_no_malformed);
	suite_add_tcase(s, tc);
	return s;
}

static int run_config(const struct config *c)
{
	const char *args[24] = {"--socket", sock_path, "--policy", policy_path};
	size_t n = 4;
	int failed;

	cfg = c;
	for (size_t i = 0; c->args[i] && n < 23; i++)
		args[n++] = c->args[i];
	args[n] = NULL;
	printf("== check_fallback_kernel: %s:", c->name);
	for (size_t i = 4; i < n; i++)
		printf(" %s", args[i]);
	printf("\n");
	fflush(stdout);
	zd_r = zj_daemon_start(&zd, args);
	if (zd_r < 0)
		fprintf(stderr, "check_fallback_kernel [%s]: zhijiad did not start (%s); its "
				"stderr:\n%s\n",
			c->name, strerror(-zd_r), zd.err_text ? zd.err_text : "");
	SRunner *sr = srunner_create(kernel_suite(c->name));
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	zj_catch_signals();
	if (zd_r == 0) {
		zj_daemon_stop(&zd);
		if (!WIFEXITED(zd.status) || WEXITSTATUS(zd.status) != 0) {
			failed++;
			fprintf(stderr, "check_fallback_kernel [%s]: zhijiad did not stop cleanly: "
					"wait status 0x%x; its stderr:\n%s\n",
				c->name, zd.status, zd.err_text ? zd.err_text : "");
		}
	}
	zj_daemon_free(&zd);
	memset(&zd, 0, sizeof(zd));
	zd_r = -ENOTCONN;
	return failed;
}

int main(void)
{
	int failed = 0, r;

	zj_env_init("check_fallback_kernel");
	zj_catch_signals();
	snprintf(ctl_path, sizeof(ctl_path), "%s/zhijiactl", zj_build_dir());
	r = zj_dirs_prepare(test_dirs);
	if (r < 0)
		snprintf(setup_problem, sizeof(setup_problem), "preparing %s: %s", CROND,
			 strerror(-r));
	else if ((r = make_btf_files()) < 0 && !setup_problem[0])
		snprintf(setup_problem, sizeof(setup_problem), "%s: %s", dir, strerror(-r));
	if (!setup_problem[0])
		printf("check_fallback_kernel: %s BTF for the old-kernel run: %s\n",
		       minimized ? "minimized" : "full", min_btf);

	const struct config configs[] = {
		{"ringbuf", "ringbuf", false, false, "kill", {NULL}},
		{"perfbuf", "perfbuf", false, false, "kill", {"--transport", "perfbuf", NULL}},
		{"btf-file", "ringbuf", true, false, "kill", {"--btf", full_btf, NULL}},
		{"old-kernel",
		 "perfbuf",
		 true,
		 true,
		 "none",
		 {"--without", "btf", "--without", "ringbuf", "--without", "send_signal",
		  "--without", "bpf_loop", "--btf-dir", btf_dir, "--probe-programs", NULL}},
	};
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		failed += run_config(&configs[i]);
	zj_cleanup();
	remove_files();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
