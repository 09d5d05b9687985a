/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Processes (Proc_*), scripts (Script_Shell, Script_File), and how the back end starts a
 * program: fork + execve with an argv, never a command line built from data.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arr-int.h"
#include "util.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h: a kernel thread */
#define STOP_WAIT_MS 2000      /* how long a stop may take to show in /proc */

/* ---- spawning ------------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child, after fork: only async-signal-safe calls. */
static void child_exec(char *const argv[], char *const envp[], int in, int out, uid_t uid,
		       gid_t gid)
{
	int devnull = open("/dev/null", O_RDWR);

	(void)setsid();
	if (chdir("/") < 0)
		_exit(127);
	if (dup2(in >= 0 ? in : devnull, 0) < 0 || dup2(out >= 0 ? out : devnull, 1) < 0 ||
	    dup2(out >= 0 ? out : devnull, 2) < 0)
		_exit(127);
	(void)syscall(SYS_close_range, 3, ~0U, 0);
	sigset_t all;

	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		(void)signal(s, SIG_DFL);
	if (gid != (gid_t)-1 && (setgroups(0, NULL) < 0 || setgid(gid) < 0))
		_exit(126);
	if (uid != (uid_t)-1 && setuid(uid) < 0)
		_exit(126);
	execve(argv[0], argv, envp);
	_exit(127);
}

/* Write all of in to fd (a pipe to the child), then close it; in a thread of its own it would
 * not block the output, but inputs are small (nft rule sets): written before reading. */
static int feed(int fd, const char *in, size_t len)
{
	while (len) {
		ssize_t w = write(fd, in, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return negative_errno();
		in += w;
		len -= (size_t)w;
	}
	return 0;
}

int arx_spawn(char *const argv[], char *const envp[], const char *in, size_t in_len, uid_t uid,
	      gid_t gid, uint32_t timeout, int *ret_status, char **ret_out, pid_t *ret_pid)
{
	int inp[2] = {-1, -1}, outp[2] = {-1, -1}, pidp[2] = {-1, -1};
	_cleanup_free_ char *out = NULL;
	size_t used = 0;
	pid_t pid;
	int r = 0, status = 0;

	if (in && pipe2(inp, O_CLOEXEC) < 0)
		return negative_errno();
	if (timeout && pipe2(outp, O_CLOEXEC) < 0) {
		r = negative_errno();
		goto out_close;
	}
	if (!timeout && pipe2(pidp, O_CLOEXEC) < 0) {
		r = negative_errno();
		goto out_close;
	}
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		goto out_close;
	}
	if (pid == 0) {
		if (!timeout) {
			/* double fork: the program is not our child and never a zombie of ours */
			pid_t g = fork();

			if (g != 0) {
				(void)!write(pidp[1], &g, sizeof(g));
				_exit(g < 0 ? 1 : 0);
			}
		}
		child_exec(argv, envp, inp[0], outp[1], uid, gid);
	}
	if (inp[0] >= 0)
		(void)close(TAKE_FD(inp[0]));
	if (outp[1] >= 0)
		(void)close(TAKE_FD(outp[1]));
	if (pidp[1] >= 0)
		(void)close(TAKE_FD(pidp[1]));
	if (in) {
		(void)signal(SIGPIPE, SIG_IGN);
		r = feed(inp[1], in, in_len);
		(void)close(TAKE_FD(inp[1]));
	}
	if (!timeout) {
		pid_t g = -1;

		if (read(pidp[0], &g, sizeof(g)) != sizeof(g))
			g = -1;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (g <= 0)
			r = -ECHILD;
		else if (ret_pid)
			*ret_pid = g;
		goto out_close;
	}
	out = malloc(ARR_OUTPUT_MAX + 1);
	if (!out) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		r = -ENOMEM;
	}
	{
		int64_t deadline = now_ms() + (int64_t)timeout * 1000;
		bool open_out = out != NULL, reaped = false;

		while (open_out) {
			struct pollfd pfd = {.fd = outp[0], .events = POLLIN};
			int64_t left = deadline - now_ms();
			char sink[4096];
			ssize_t n;

			if (left <= 0) {
				/* the whole group: what the script started goes too */
				(void)kill(-pid, SIGKILL);
				r = -ETIME;
				break;
			}
			/* the script may end while something it started keeps the output open:
			 * once it is gone, only what is already there is read */
			if (poll(&pfd, 1, reaped ? 0 : (int)(left > 100 ? 100 : left)) <= 0) {
				if (reaped)
					break;
				if (waitpid(pid, &status, WNOHANG) == pid)
					reaped = true;
				continue;
			}
			if (used < ARR_OUTPUT_MAX)
				n = read(outp[0], out + used, ARR_OUTPUT_MAX - used);
			else
				n = read(outp[0], sink, sizeof(sink)); /* drained, not kept */
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				open_out = false;
			else if (used < ARR_OUTPUT_MAX)
				used += (size_t)n;
		}
		if (out)
			out[used] = '\0';
		/* the output closed: the script ended, or closed it and runs on until the deadline */
		while (r == 0 && !reaped) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid)
				break;
			if (w < 0 && errno != EINTR) {
				r = negative_errno();
				break;
			}
			if (now_ms() >= deadline) {
				(void)kill(-pid, SIGKILL);
				r = -ETIME;
				break;
			}
			(void)usleep(10000);
		}
		if ((r == -ETIME || r == -ENOMEM) && !reaped)
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
	}
	if (ret_status)
		*ret_status = status;
	if (ret_out)
		*ret_out = TAKE_PTR(out);
out_close:
	for (int *fd = (int[]){inp[0], inp[1], outp[0], outp[1], pidp[0], pidp[1]}, i = 0; i < 6;
	     i++)
		if (fd[i] >= 0)
			(void)close(fd[i]);
	return r;
}

/* ---- choosing processes --------------------------------------------------------------------- */

struct proc {
	pid_t pid;
	char comm[64];
	char exe[PATH_MAX]; /* "" for kernel threads and unreadable ones; " (deleted)" cut */
};

static int read_small(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, len - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return (int)n;
}

static bool is_kthread(pid_t pid)
{
	char p[64], buf[1024], *close_paren;
	unsigned long flags = 0;

	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	if (read_small(p, buf, sizeof(buf)) < 0)
		return true; /* gone: nothing to do with it */
	close_paren = strrchr(buf, ')');
	/* after "pid (comm) ": state ppid pgrp session tty_nr tpgid flags */
	if (!close_paren || sscanf(close_paren + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return true;
	return flags & PF_KTHREAD;
}

static int proc_load(pid_t pid, struct proc *p)
{
	char path[64];
	ssize_t n;
	int r;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	r = read_small(path, p->comm, sizeof(p->comm));
	if (r < 0)
		return r;
	p->comm[strcspn(p->comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, p->exe, sizeof(p->exe) - 1);
	if (n > 0) {
		size_t len = (size_t)n;
		const char *del = " (deleted)";

		p->exe[n] = '\0';
		if (len > strlen(del) && strcmp(p->exe + len - strlen(del), del) == 0)
			p->exe[len - strlen(del)] = '\0';
	} else {
		p->exe[0] = '\0';
	}
	return 0;
}

/* PID 1, kernel threads, ourselves and zhijia's daemon are never chosen. */
static bool protected_proc(const struct proc *p)
{
	const char *base = strrchr(p->exe, '/');

	if (p->pid <= 1 || p->pid == getpid() || is_kthread(p->pid))
		return true;
	base = base ? base + 1 : p->exe;
	return strcmp(base, "zhijiad") == 0 || strcmp(p->comm, "zhijiad") == 0;
}

static bool proc_matches(const struct zj_arr_action *a, const struct proc *p)
{
	const char *base = strrchr(p->exe, '/');

	base = base ? base + 1 : p->exe;
	for (size_t i = 0; i < a->pids.n; i++)
		if (a->pids.v[i] == p->pid)
			return true;
	for (size_t i = 0; i < a->names.n; i++)
		if (strcmp(a->names.v[i], p->comm) == 0 || (*base && strcmp(a->names.v[i], base) == 0))
			return true;
	for (size_t i = 0; i < a->executables.n; i++)
		if (*p->exe && strcmp(a->executables.v[i], p->exe) == 0)
			return true;
	return false;
}

/* Does the process have one of the modules mapped?  The name or path of the match in ret. */
static bool maps_module(const struct zj_arr_action *a, pid_t pid, char *ret, size_t len)
{
	_cleanup_fclose_ FILE *f = NULL;
	char path[64], line[PATH_MAX + 256];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		/* 7f..-7f.. r-xp 00000000 08:01 1234   /usr/lib/x.so (deleted) */
		char *file = line;
		const char *base, *del = " (deleted)";
		size_t n;

		for (int field = 0; field < 5 && file; field++) {
			file = strchr(file, ' ');
			if (file)
				while (*file == ' ')
					file++;
		}
		if (!file || *file != '/')
			continue;
		file[strcspn(file, "\n")] = '\0';
		n = strlen(file);
		if (n > strlen(del) && strcmp(file + n - strlen(del), del) == 0)
			file[n - strlen(del)] = '\0';
		base = strrchr(file, '/') + 1;
		for (size_t i = 0; i < a->modules.n; i++) {
			const char *m = a->modules.v[i];

			if (m[0] == '/' ? strcmp(m, file) == 0 : strcmp(m, base) == 0) {
				snprintf(ret, len, "%s", file);
				return true;
			}
		}
	}
	return false;
}

/* Every thread of pid in state T (stopped) or t (traced)?  Returns threads or < 0. */
static int threads_stopped(pid_t pid, bool *ret_all)
{
	char dir[64], p[PATH_MAX], buf[1024], *cp;
	struct dirent *de;
	DIR *d;
	int n = 0;

	*ret_all = true;
	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s/stat", dir, de->d_name);
		if (read_small(p, buf, sizeof(buf)) < 0)
			continue;
		cp = strrchr(buf, ')');
		n++;
		if (!cp || (cp[2] != 'T' && cp[2] != 't'))
			*ret_all = false;
	}
	closedir(d);
	return n;
}

static int signal_proc(struct arr_x *x, const struct proc *p, const char *why)
{
	const struct zj_arr_action *a = x->a;
	bool stop = a->instr == ZJ_ARR_PROC_TERMINATE ? false
		    : a->instr == ZJ_ARR_PROC_MODULE_THREADS ? a->state != ZJ_ARR_STATE_RESUME
							     : a->state == ZJ_ARR_STATE_SUSPEND;
	int sig = a->instr == ZJ_ARR_PROC_TERMINATE ? SIGKILL : stop ? SIGSTOP : SIGCONT;
	const char *verb = sig == SIGKILL ? "killed" : stop ? "suspended" : "resumed";

	if (x->dry) {
		arx_ok(x, "pid %d (%s)%s", p->pid, p->comm, why);
		return 0;
	}
	/*
	 * A stop signal stops every thread of the group (the kernel's group stop), so one
	 * kill() suspends all the threads of a process; it is then checked thread by thread.
	 */
	if (kill(p->pid, sig) < 0) {
		if (errno == ESRCH)
			arx_note(x, "pid %d (%s) exited meanwhile", p->pid, p->comm);
		else
			arx_bad(x, negative_errno(), "pid %d (%s)", p->pid, p->comm);
		return 0;
	}
	if (sig == SIGSTOP) {
		int64_t deadline = now_ms() + STOP_WAIT_MS;
		bool all = false;
		int n = 0;

		while ((n = threads_stopped(p->pid, &all)) > 0 && !all && now_ms() < deadline)
			(void)usleep(5000);
		if (n > 0 && !all) {
			arx_bad(x, -EAGAIN, "pid %d (%s): not every thread stopped", p->pid,
				p->comm);
			return 0;
		}
		arx_ok(x, "%s pid %d (%s), %d threads%s", verb, p->pid, p->comm, n, why);
		return 0;
	}
	arx_ok(x, "%s pid %d (%s)%s", verb, p->pid, p->comm, why);
	return 0;
}

int arx_do_proc(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	struct dirent *de;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return arx_fail(x, negative_errno(), "cannot read /proc: %s", strerror(errno));
	while ((de = readdir(d))) {
		char mod[PATH_MAX], why[PATH_MAX + 16] = "";
		struct proc p;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || proc_load((pid_t)pid, &p) < 0)
			continue;
		if (a->instr == ZJ_ARR_PROC_MODULE_THREADS) {
			if (!maps_module(a, p.pid, mod, sizeof(mod)))
				continue;
			/* "libc.so.6" would stop every process on the host */
			if (zj_arr_is_critical_path(mod) == 1 && !x->rule->force) {
				arx_note(x, "pid %d (%s) maps %s, a system-critical file: left "
					    "(\"force\": true suspends it)",
					 p.pid, p.comm, mod);
				continue;
			}
			snprintf(why, sizeof(why), ": maps %s", mod);
		} else if (!proc_matches(a, &p)) {
			continue;
		}
		if (protected_proc(&p)) {
			arx_note(x, "pid %d (%s) is protected: left", p.pid, p.comm);
			continue;
		}
		(void)signal_proc(x, &p, why);
	}
	closedir(d);
	if (x->n_ok == 0 && x->n_bad == 0)
		arx_reason(x, "no process matches");
	return 0;
}

/* ---- Proc_Create ---------------------------------------------------------------------------- */

static char **build_argv(const char *prog, const struct zj_arr_strv *args, const char *extra)
{
	char **argv = calloc(args->n + 3, sizeof(*argv));
	size_t k = 0;

	if (!argv)
		return NULL;
	argv[k++] = (char *)prog;
	if (extra)
		argv[k++] = (char *)extra;
	for (size_t i = 0; i < args->n; i++)
		argv[k++] = args->v[i];
	return argv;
}

int arx_do_proc_create(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
	_cleanup_free_ char **argv = NULL;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	pid_t pid = 0;
	int r;

	if (access(a->path, X_OK) < 0)
		return arx_fail(x, negative_errno(), "%s: %s", a->path, strerror(errno));
	if (a->user) {
		r = arx_lookup_user(a->user, &uid, &gid);
		if (r < 0)
			return arx_fail(x, r, "user '%s': no such user", a->user);
	}
	if (x->dry) {
		arx_ok(x, "%s", a->path);
		return 0;
	}
	argv = build_argv(a->path, &a->args, NULL);
	if (!argv)
		return -ENOMEM;
	r = arx_spawn(argv, envp, NULL, 0, uid, gid, 0, NULL, NULL, &pid);
	if (r < 0)
		return arx_fail(x, r, "could not start %s: %s", a->path, strerror(-r));
	arx_ok(x, "started %s as pid %d", a->path, (int)pid);
	return 0;
}

/* ---- scripts -------------------------------------------------------------------------------- */

/* PATH, LANG and the finding's values (never expanded into the script: zhijia-arr(5)). */
static int script_env(struct arr_x *x, char ***ret)
{
	const struct zj_arr_ctx *c = x->o->ctx;
	char **env = calloc(10, sizeof(*env));
	size_t n = 0;
	bool oom = false;

	if (!env)
		return -ENOMEM;
#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (asprintf(&env[n], __VA_ARGS__) < 0) {                                          \
			env[n] = NULL;                                                             \
			oom = true;                                                                \
		} else {                                                                           \
			n++;                                                                       \
		}                                                                                  \
	} while (0)
	ADD("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	ADD("LANG=C");
	if (c) {
		if (c->actor_pid)
			ADD("ZJ_ACTOR_PID=%u", c->actor_pid);
		if (c->actor_exe.len)
			ADD("ZJ_ACTOR_EXE=%.*s", (int)c->actor_exe.len, c->actor_exe.ptr);
		if (c->actor_comm.len)
			ADD("ZJ_ACTOR_COMM=%.*s", (int)c->actor_comm.len, c->actor_comm.ptr);
		if (c->target_pid)
			ADD("ZJ_TARGET_PID=%u", c->target_pid);
		if (c->target_exe.len)
			ADD("ZJ_TARGET_EXE=%.*s", (int)c->target_exe.len, c->target_exe.ptr);
		if (c->path.len)
			ADD("ZJ_PATH=%.*s", (int)c->path.len, c->path.ptr);
		if (c->technique.len)
			ADD("ZJ_TECHNIQUE=%.*s", (int)c->technique.len, c->technique.ptr);
	}
#undef ADD
	*ret = env;
	return oom ? -ENOMEM : 0;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The first line of out, for the reason. */
static void first_line(const char *out, char *buf, size_t len)
{
	size_t n = out ? strcspn(out, "\n") : 0;

	snprintf(buf, len, "%.*s", (int)(n > 200 ? 200 : n), out ? out : "");
}

int arx_do_script(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char dir[PATH_MAX], file[PATH_MAX + 16], line[256];
	_cleanup_free_ char **argv = NULL;
	_cleanup_free_ char *out = NULL;
	char **env = NULL;
	bool shell = a->instr == ZJ_ARR_SCRIPT_SHELL;
	int r, status = 0;

	if (!shell && access(a->path, X_OK) < 0)
		return arx_fail(x, negative_errno(), "%s: %s", a->path, strerror(errno));
	if (x->dry) {
		if (shell)
			arx_ok(x, "a shell script of %zu bytes", strlen(a->script));
		else
			arx_ok(x, "%s", a->path);
		return 0;
	}
	if (shell) {
		/* the body goes to a file in a private directory, run by /bin/sh FILE */
		r = arx_rooted(x, "/run/zhijia", dir, sizeof(dir));
		if (r == 0)
			r = arx_mkdir_p(dir, 0700);
		if (r == 0 && strlen(dir) + 20 >= sizeof(dir))
			r = -ENAMETOOLONG;
		if (r < 0)
			return arx_fail(x, r, "cannot make %s: %s", dir, strerror(-r));
		strcat(dir, "/script-XXXXXX");
		if (!mkdtemp(dir))
			return arx_fail(x, negative_errno(), "mkdtemp: %s", strerror(errno));
		snprintf(file, sizeof(file), "%s/script.sh", dir);
		r = arx_write_atomic(file, a->script, strlen(a->script), 0500, 0, 0);
		if (r < 0) {
			(void)rmdir(dir);
			return arx_fail(x, r, "cannot write the script: %s", strerror(-r));
		}
		argv = calloc(3, sizeof(*argv));
		if (argv) {
			argv[0] = "/bin/sh";
			argv[1] = file;
		}
	} else {
		argv = build_argv(a->path, &a->args, NULL);
	}
	r = argv ? script_env(x, &env) : -ENOMEM;
	if (r == 0)
		r = arx_spawn(argv, env, NULL, 0, (uid_t)-1, (gid_t)-1, a->timeout, &status, &out,
			      NULL);
	strv_free(env);
	if (shell) {
		(void)unlink(file);
		(void)rmdir(dir);
	}
	if (r == -ETIME)
		return arx_fail(x, r, "killed after %u seconds", a->timeout);
	if (r < 0)
		return arx_fail(x, r, "could not run it: %s", strerror(-r));
	first_line(out, line, sizeof(line));
	if (out && *out)
		arx_note(x, "output: %s", out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		arx_ok(x, "exit status 0");
		arx_reason(x, "exit status 0%s%s", *line ? ": " : "", line);
		return 0;
	}
	if (WIFEXITED(status))
		return arx_fail(x, -ECANCELED, "exit status %d%s%s", WEXITSTATUS(status),
				*line ? ": " : "", line);
	return arx_fail(x, -ECANCELED, "killed by signal %d", WTERMSIG(status));
}
