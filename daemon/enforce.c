/* SPDX-License-Identifier: GPL-2.0-only */
#define _GNU_SOURCE /* process_vm_writev */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "enforce.h"
#include "sensor.h"
#include "util.h"
#include "watch.h"

/* What each class's programs deny: status shows it beside the effective action. */
static const char *const class_scope[ZJ_ENF_NR] = {
	[ZJ_ENF_PTRACE] = "ptrace attach/seize and process_vm_writev of another process",
	[ZJ_ENF_PROC_MEM] = "opening another process's /proc/<pid>/mem for writing",
	[ZJ_ENF_VDSO] = "mprotect of one's own vDSO (writes into another's go by T1055.008/.009)",
	[ZJ_ENF_AT] = "creating, writing, renaming or linking onto at jobs",
	[ZJ_ENF_CRON] = "creating, writing, renaming or linking onto cron tables and scripts",
	[ZJ_ENF_TIMER] = "creating, writing, renaming or linking onto systemd timers",
	[ZJ_ENF_SERVICE] = "creating, writing, renaming or linking onto systemd units",
	[ZJ_ENF_PRELOAD] = "creating, writing, renaming or linking onto /etc/ld.so.preload "
			   "(not LD_PRELOAD in an environment)",
	[ZJ_ENF_SSH_KEYS] = "creating, writing, renaming or linking onto authorized_keys files",
	[ZJ_ENF_SHELL_RC] = "creating, writing, renaming or linking onto shell start-up files",
	[ZJ_ENF_RC_SCRIPTS] = "creating, writing, renaming or linking onto rc scripts",
	[ZJ_ENF_KMOD] = "loading a kernel module: init_module, finit_module (the LSM denies the "
			"load; the kill fallback does not stop a valid module from loading), and "
			"creating, writing, renaming or linking onto module load lists "
			"(/etc/modules, modules-load.d, modprobe.d)",
	[ZJ_ENF_ACCOUNT] = "writing /etc/passwd or /etc/shadow",
	[ZJ_ENF_GROUPS] = "writing /etc/group or /etc/gshadow",
	[ZJ_ENF_SUDO] = "creating, writing, renaming or linking onto sudoers files",
	[ZJ_ENF_PAM] = "creating, writing, renaming or linking onto PAM configuration and modules",
	[ZJ_ENF_UDEV] = "creating, writing, renaming or linking onto udev rules",
	[ZJ_ENF_XDG] = "creating, writing, renaming or linking onto XDG autostart entries",
	[ZJ_ENF_PYSTART] = "creating, writing, renaming or linking onto .pth files and "
			   "sitecustomize.py/usercustomize.py in site-packages",
	[ZJ_ENF_SETID] = "adding S_ISUID/S_ISGID to a regular file with chmod, fchmod, fchmodat",
	[ZJ_ENF_REFLECT] = "executing an anonymous in-memory file (memfd_create, O_TMPFILE on "
			   "tmpfs)",
};

void zj_enforce_init(struct zj_enforce *e, bool lsm, const char *why, bool signal)
{
	memset(e, 0, sizeof(*e));
	e->lsm = lsm;
	e->signal = signal;
	snprintf(e->why, sizeof(e->why), "%s",
		 lsm		 ? ""
		 : why && why[0] ? why
				 : "BPF LSM is not available");
	for (uint32_t k = 0; k < ZJ_ENF_NR; k++)
		snprintf(e->failed[k], sizeof(e->failed[k]), "%s",
			 lsm ? "the start-up canary has not run" : e->why);
}

const char *zj_enforce_mode(const struct zj_enforce *e, uint32_t k)
{
	if (k < ZJ_ENF_NR && e->lsm && e->proved[k])
		return "lsm";
	return e->signal ? "kill" : "none";
}

/* ---- policy -> maps ----------------------------------------------------------------------- */

/* The classes an exception's technique ("*", "T1055", "T1055.008") covers. */
static uint32_t technique_mask(const char *tech)
{
	size_t n = strlen(tech);
	uint32_t mask = 0;

	for (uint32_t k = 0; k < ZJ_ENF_NR; k++) {
		const char *t = zj_deny_class_technique(k);

		if (strcmp(tech, "*") == 0 || strcmp(t, tech) == 0 ||
		    (strncmp(t, tech, n) == 0 && t[n] == '.'))
			mask |= 1u << k;
	}
	return mask;
}

/*
 * The (device, inode) of an exception's executable; the reason it has none into why.  The
 * path must be the file itself: user space matches the resolved path the kernel reports for
 * a process, so a path through a symlink would let the kernel pass what user space blocks.
 */
static int exe_key(const char *path, uint64_t *ret_dev, uint64_t *ret_ino, char *why, size_t len)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(path, real)) {
		int r = negative_errno();

		snprintf(why, len, "%.120s: %s", path, strerror(-r));
		return r;
	}
	if (strcmp(real, path) != 0) {
		snprintf(why, len,
			 "%.100s is reached through a symbolic link; name the file, %.100s", path,
			 real);
		return -ELOOP;
	}
	if (stat(real, &st) < 0) {
		int r = negative_errno();

		snprintf(why, len, "%.120s: %s", path, strerror(-r));
		return r;
	}
	*ret_dev = zj_kdev(st.st_dev);
	*ret_ino = st.st_ino;
	return 0;
}

static void note_add(char *note, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note_add(char *note, size_t len, const char *fmt, ...)
{
	size_t used = strlen(note);
	va_list ap;

	if (used + 8 >= len)
		return;
	if (used)
		used += (size_t)snprintf(note + used, len - used, "; ");
	va_start(ap, fmt);
	(void)vsnprintf(note + used, len - used, fmt, ap);
	va_end(ap);
}

int zj_enforce_sync(struct zj_enforce *e, const struct zj_policy *p, struct zj_sensor *s)
{
	struct zj_kexc kexc[ZJ_KEXC_MAX];
	char note[sizeof(e->note)] = "";
	size_t count = zj_policy_allow_count(p), used = 0;
	int enforce_fd, exc_fd;

	zj_sensor_enforce_fds(s, &enforce_fd, &exc_fd);
	memset(kexc, 0, sizeof(kexc));
	for (size_t i = 1; i <= count; i++) {
		const struct zj_exception *x = zj_policy_allow_get(p, i);
		struct zj_kexc k;
		char why[256];

		if (!x)
			continue;
		memset(&k, 0, sizeof(k));
		k.klass_mask = technique_mask(x->technique);
		if (!k.klass_mask)
			continue; /* nothing the kernel denies */
		k.uid = x->uid >= 0 ? (uint32_t)x->uid : ZJ_KEXC_ANY_UID;
		if (x->exe && exe_key(x->exe, &k.exe_dev, &k.exe_ino, why, sizeof(why)) < 0) {
			note_add(note, sizeof(note), "exception #%zu stays out of the kernel: %s",
				 i, why);
			continue;
		}
		if (x->parent &&
		    exe_key(x->parent, &k.parent_dev, &k.parent_ino, why, sizeof(why)) < 0) {
			note_add(note, sizeof(note), "exception #%zu stays out of the kernel: %s",
				 i, why);
			continue;
		}
		if (used == ZJ_KEXC_MAX) {
			note_add(note, sizeof(note),
				 "exception #%zu stays out of the kernel: it holds %d at most", i,
				 ZJ_KEXC_MAX);
			continue;
		}
		kexc[used++] = k;
	}
	/* exceptions first: a block never applies without the carve-outs that go with it */
	for (uint32_t i = 0; i < ZJ_KEXC_MAX; i++)
		if (bpf_map_update_elem(exc_fd, &i, &kexc[i], BPF_ANY) < 0)
			return negative_errno();
	for (uint32_t k = 0; k < ZJ_ENF_NR; k++) {
		struct zj_enforce_val v;
		uint32_t a = ZJ_ACTION_DEFAULT;

		memset(&v, 0, sizeof(v));
		(void)zj_policy_get(p, zj_deny_class_technique(k), &a);
		v.block = a == ZJ_ACTION_BLOCK;
		v.kill = v.block && strcmp(zj_enforce_mode(e, k), "kill") == 0;
		if (bpf_map_update_elem(enforce_fd, &k, &v, BPF_ANY) < 0)
			return negative_errno();
	}
	e->kexc = (uint32_t)used;
	if (strcmp(note, e->note) == 0)
		return 0;
	snprintf(e->note, sizeof(e->note), "%s", note);
	return 1;
}

/* ---- the canary --------------------------------------------------------------------------- */

/* What the canary attempts; each must fail with EPERM. */
enum {
	OP_SEIZE,
	OP_VM_WRITEV,
	OP_MEM_OPEN,
	OP_MPROTECT,
	OP_CREATE,
	OP_OPEN_WRITE,
	OP_RENAME,
	OP_LINK,
	OP_SYMLINK,
	OP_KMOD_INIT,
	OP_KMOD_FINIT,
	OP_SETID,
	OP_ANON_EXEC,
	OP_NR,
};

static const char *const op_words[OP_NR] = {
	[OP_SEIZE] = "ptrace(PTRACE_SEIZE) of a sibling",
	[OP_VM_WRITEV] = "process_vm_writev into a sibling",
	[OP_MEM_OPEN] = "opening a sibling's /proc/<pid>/mem for writing",
	[OP_MPROTECT] = "mprotect of its vDSO",
	[OP_CREATE] = "creating a file in a watched directory",
	[OP_OPEN_WRITE] = "opening a watched file for writing",
	[OP_RENAME] = "renaming onto a watched name",
	[OP_LINK] = "linking onto a watched name",
	[OP_SYMLINK] = "creating a symlink in a watched directory",
	[OP_KMOD_INIT] = "init_module of a non-module image",
	[OP_KMOD_FINIT] = "finit_module of a non-module file",
	[OP_SETID] = "chmod 04600 of a file",
	[OP_ANON_EXEC] = "exec of an empty memfd",
};

struct canary_dir {
	char root[64];
	char w[96]; /* watched, class ZJ_ENF_CANARY */
	char u[96]; /* not watched: where renames and links come from */
};

static int canary_path(char *buf, size_t len, const char *dir, const char *name)
{
	return (size_t)snprintf(buf, len, "%s/%s", dir, name) < len ? 0 : -ENAMETOOLONG;
}

/*
 * May the canary try to load a module?  Only with CAP_SYS_MODULE in its effective set and
 * modules not disabled: else the kernel refuses with EPERM before the LSM hook runs, and that
 * EPERM would prove nothing.
 */
static bool canary_may_load_modules(void)
{
	char line[256];
	FILE *f;
	bool cap = false;
	int disabled = 1;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long eff;

		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			cap = (eff >> 16) & 1; /* CAP_SYS_MODULE */
			break;
		}
	}
	fclose(f);
	f = fopen("/proc/sys/kernel/modules_disabled", "re");
	if (!f)
		return false;
	if (fscanf(f, "%d", &disabled) != 1)
		disabled = 1;
	fclose(f);
	return cap && disabled == 0;
}

/* The child: attempt everything, report errno per operation (0: it went through). */
static _Noreturn void canary_child(int go_fd, int res_fd, pid_t sibling,
				   volatile uint64_t *sibling_word, const struct canary_dir *cd)
{
	int res[OP_NR];
	char path[PATH_MAX], path2[PATH_MAX], c;
	uint64_t word = 0x5a5a5a5a5a5a5a5aull;
	struct iovec local = {&word, sizeof(word)};
	struct iovec remote = {(void *)sibling_word, sizeof(word)};
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	for (int i = 0; i < OP_NR; i++)
		res[i] = -1;
	if (read(go_fd, &c, 1) != 1)
		_exit(1);
#define TRY(op, call) res[op] = (call) < 0 ? errno : 0
	TRY(OP_SEIZE, ptrace(PTRACE_SEIZE, sibling, NULL, NULL));
	TRY(OP_VM_WRITEV, process_vm_writev(sibling, &local, 1, &remote, 1, 0));
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)sibling);
	fd = open(path, O_RDWR | O_CLOEXEC);
	res[OP_MEM_OPEN] = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	if (vdso && page > 0)
		TRY(OP_MPROTECT,
		    mprotect((void *)vdso, (size_t)page, PROT_READ | PROT_WRITE | PROT_EXEC));
	if (canary_path(path, sizeof(path), cd->w, "new") == 0) {
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		res[OP_CREATE] = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	if (canary_path(path, sizeof(path), cd->w, "existing") == 0) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		res[OP_OPEN_WRITE] = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	if (canary_path(path, sizeof(path), cd->u, "a") == 0 &&
	    canary_path(path2, sizeof(path2), cd->w, "a") == 0)
		TRY(OP_RENAME, rename(path, path2));
	if (canary_path(path, sizeof(path), cd->u, "b") == 0 &&
	    canary_path(path2, sizeof(path2), cd->w, "b") == 0)
		TRY(OP_LINK, link(path, path2));
	if (canary_path(path2, sizeof(path2), cd->w, "c") == 0)
		TRY(OP_SYMLINK, symlink("target", path2));
	if (canary_may_load_modules()) {
		static const char junk[64]; /* no ELF header: ENOEXEC when the hook lets it by */

		TRY(OP_KMOD_INIT, syscall(SYS_init_module, junk, sizeof(junk), ""));
		/* not empty: the kernel checks the size before it calls the hook */
		if (canary_path(path, sizeof(path), cd->u, "kmod") == 0) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				TRY(OP_KMOD_FINIT, syscall(SYS_finit_module, fd, "", 0));
				close(fd);
			}
		}
	}
	if (canary_path(path, sizeof(path), cd->w, "existing") == 0)
		TRY(OP_SETID, chmod(path, 04600));
	fd = memfd_create("zhijiad-canary", MFD_CLOEXEC);
	if (fd >= 0) {
		char *const argv[] = {(char *)"zhijiad-canary", NULL};
		char *const envp[] = {NULL};

		/* empty: ENOEXEC when the hook lets it by, so the child is never replaced */
		TRY(OP_ANON_EXEC, fexecve(fd, argv, envp));
		close(fd);
	}
#undef TRY
	_exit(write(res_fd, res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
}

static int touch(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (canary_path(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	close(fd);
	return 0;
}

static int canary_dir_make(struct canary_dir *cd)
{
	static const char *const tries[] = {"/run/zhijia/canary.XXXXXX",
					    "/tmp/zhijiad-canary.XXXXXX"};
	int r;

	(void)mkdir("/run/zhijia", 0755);
	for (size_t i = 0; i < ELEMENTSOF(tries); i++) {
		snprintf(cd->root, sizeof(cd->root), "%s", tries[i]);
		if (mkdtemp(cd->root))
			break;
		cd->root[0] = '\0';
	}
	if (!cd->root[0])
		return negative_errno();
	snprintf(cd->w, sizeof(cd->w), "%s/w", cd->root);
	snprintf(cd->u, sizeof(cd->u), "%s/u", cd->root);
	if (mkdir(cd->w, 0700) < 0 || mkdir(cd->u, 0700) < 0)
		return negative_errno();
	r = touch(cd->w, "existing");
	if (r == 0)
		r = touch(cd->u, "a");
	if (r == 0)
		r = touch(cd->u, "b");
	if (r == 0) {
		/* finit_module's file: a few bytes that are no ELF image */
		char path[PATH_MAX];
		int fd;

		if (canary_path(path, sizeof(path), cd->u, "kmod") < 0)
			return -ENAMETOOLONG;
		fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return negative_errno();
		if (write(fd, "zhijiad canary\n", 15) != 15)
			r = -EIO;
		close(fd);
	}
	return r;
}

static void canary_dir_remove(const struct canary_dir *cd)
{
	static const char *const wn[] = {"existing", "new", "a", "b", "c"};
	static const char *const un[] = {"a", "b", "kmod"};
	char path[PATH_MAX];

	if (!cd->root[0])
		return;
	for (size_t i = 0; i < ELEMENTSOF(wn); i++)
		if (canary_path(path, sizeof(path), cd->w, wn[i]) == 0)
			(void)unlink(path);
	for (size_t i = 0; i < ELEMENTSOF(un); i++)
		if (canary_path(path, sizeof(path), cd->u, un[i]) == 0)
			(void)unlink(path);
	(void)rmdir(cd->w);
	(void)rmdir(cd->u);
	(void)rmdir(cd->root);
}

static void canary_fail_all(struct zj_enforce *e, const char *what, int err)
{
	for (uint32_t k = 0; k < ZJ_ENF_NR; k++) {
		e->proved[k] = false;
		snprintf(e->failed[k], sizeof(e->failed[k]), "canary: %s: %s", what, strerror(err));
	}
}

/* The classes an operation proves: the first OP_CREATE.. ones prove every file class. */
static void canary_judge(struct zj_enforce *e, const int res[OP_NR])
{
	static const struct {
		uint32_t first, last; /* classes */
		int op0, op1;	      /* operations, inclusive */
	} groups[] = {
		{ZJ_ENF_PTRACE, ZJ_ENF_PTRACE, OP_SEIZE, OP_VM_WRITEV},
		{ZJ_ENF_PROC_MEM, ZJ_ENF_PROC_MEM, OP_MEM_OPEN, OP_MEM_OPEN},
		{ZJ_ENF_VDSO, ZJ_ENF_VDSO, OP_MPROTECT, OP_MPROTECT},
		{ZJ_ENF_FILE_FIRST, ZJ_ENF_FILE_LAST, OP_CREATE, OP_SYMLINK},
		{ZJ_ENF_KMOD, ZJ_ENF_KMOD, OP_KMOD_INIT, OP_KMOD_FINIT},
		{ZJ_ENF_SETID, ZJ_ENF_SETID, OP_SETID, OP_SETID},
		{ZJ_ENF_REFLECT, ZJ_ENF_REFLECT, OP_ANON_EXEC, OP_ANON_EXEC},
	};

	bool seen[ZJ_ENF_NR] = {false};

	for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
		char why[ZJ_ENFORCE_WHY_MAX] = "";

		for (int op = groups[g].op0; op <= groups[g].op1 && !why[0]; op++) {
			if (res[op] == EPERM)
				continue;
			if (res[op] == 0)
				snprintf(why, sizeof(why), "canary: %s went through", op_words[op]);
			else if (res[op] < 0)
				snprintf(why, sizeof(why), "canary: %s was not attempted",
					 op_words[op]);
			else
				snprintf(why, sizeof(why),
					 "canary: %s failed with %s, not with EPERM from the LSM",
					 op_words[op], strerror(res[op]));
		}
		/* a class in two groups (T1547.006: module lists and module loads) needs both */
		for (uint32_t k = groups[g].first; k <= groups[g].last; k++) {
			if (seen[k] && !e->proved[k])
				continue;
			seen[k] = true;
			e->proved[k] = !why[0];
			snprintf(e->failed[k], sizeof(e->failed[k]), "%s", why);
		}
	}
}

int zj_enforce_canary(struct zj_enforce *e, struct zj_sensor *s)
{
	struct canary_dir cd;
	struct zj_watch_key key;
	struct zj_watch_val val;
	struct stat st;
	volatile uint64_t sibling_word = 0;
	int go[2] = {-1, -1}, res[2] = {-1, -1}, inodes, names, prefix, r = 0;
	int results[OP_NR];
	pid_t sibling = -1, child = -1;
	bool keyed = false;

	e->canary_ran = false;
	e->canary_pids[0] = e->canary_pids[1] = 0;
	if (!e->lsm)
		return 0;
	memset(&cd, 0, sizeof(cd));
	r = canary_dir_make(&cd);
	if (r < 0) {
		canary_fail_all(e, "could not make its directory", -r);
		goto out;
	}
	if (stat(cd.w, &st) < 0) {
		r = negative_errno();
		canary_fail_all(e, "could not set up", -r);
		goto out;
	}
	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.dev = zj_kdev(st.st_dev);
	key.ino = st.st_ino;
	val.flags = ZJ_W_SUBTREE;
	val.depth = 1;
	val.klass = ZJ_ENF_CANARY;
	zj_sensor_watch_fds(s, &inodes, &names, &prefix);
	if (bpf_map_update_elem(inodes, &key, &val, BPF_ANY) < 0) {
		r = negative_errno();
		canary_fail_all(e, "could not watch its directory", -r);
		goto out;
	}
	keyed = true;
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0) {
		r = negative_errno();
		canary_fail_all(e, "could not set up", -r);
		goto out;
	}
	sibling = fork();
	if (sibling == 0) {
		for (;;)
			pause();
	}
	if (sibling < 0) {
		r = negative_errno();
		canary_fail_all(e, "fork", -r);
		goto out;
	}
	child = fork();
	if (child == 0) {
		close(go[1]);
		close(res[0]);
		canary_child(go[0], res[1], sibling, &sibling_word, &cd);
	}
	if (child < 0) {
		r = negative_errno();
		canary_fail_all(e, "fork", -r);
		goto out;
	}
	e->canary_pids[0] = child;
	e->canary_pids[1] = sibling;
	close(go[0]);
	go[0] = -1;
	close(res[1]);
	res[1] = -1;
	/* from here the LSM programs deny the child everything they see */
	r = zj_sensor_set_config(s, ZJ_CFG_CANARY_TGID, (uint64_t)child);
	if (r < 0) {
		canary_fail_all(e, "could not name it to the kernel", -r);
		goto out;
	}
	if (write(go[1], "g", 1) != 1) {
		r = negative_errno();
		canary_fail_all(e, "could not set up", -r);
		goto out;
	}
	{
		struct pollfd pfd = {.fd = res[0], .events = POLLIN};
		ssize_t n = -1;

		if (poll(&pfd, 1, 10000) == 1)
			n = read(res[0], results, sizeof(results));
		if (n != (ssize_t)sizeof(results)) {
			r = -ETIMEDOUT;
			canary_fail_all(e, "the child reported nothing", -r);
			goto out;
		}
	}
	canary_judge(e, results);
	e->canary_ran = true;
	r = 0;
out:
	(void)zj_sensor_set_config(s, ZJ_CFG_CANARY_TGID, 0);
	if (child > 0) {
		(void)kill(child, SIGKILL);
		(void)waitpid(child, NULL, 0);
	}
	if (sibling > 0) {
		(void)kill(sibling, SIGKILL);
		(void)waitpid(sibling, NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (res[i] >= 0)
			close(res[i]);
	}
	if (keyed)
		(void)bpf_map_delete_elem(inodes, &key);
	canary_dir_remove(&cd);
	(void)sibling_word;
	return r;
}

void zj_enforce_canary_done(struct zj_enforce *e)
{
	e->canary_pids[0] = e->canary_pids[1] = 0;
}

bool zj_enforce_is_canary(const struct zj_enforce *e, uint32_t tgid)
{
	return tgid && (tgid == (uint32_t)e->canary_pids[0] || tgid == (uint32_t)e->canary_pids[1]);
}

/* ---- what is in effect -------------------------------------------------------------------- */

void zj_enforce_effective(const struct zj_enforce *e, const struct zj_policy *p, uint32_t k,
			  uint32_t *ret_requested, const char **ret_effective, const char **ret_why)
{
	uint32_t a = ZJ_ACTION_DEFAULT;

	(void)zj_policy_get(p, zj_deny_class_technique(k), &a);
	*ret_requested = a;
	*ret_why = NULL;
	if (a != ZJ_ACTION_BLOCK) {
		*ret_effective = zj_action_name(a);
		return;
	}
	if (strcmp(zj_enforce_mode(e, k), "none") != 0) {
		*ret_effective = "block";
		return;
	}
	/* the finding still says block (not enforced) and goes out as an alert */
	*ret_effective = "alert";
	*ret_why = !e->lsm ? e->why : e->failed[k];
}

/* "lsm" (every class by a proved hook), "lsm+kill", "kill" or "none". */
static const char *overall_mode(const struct zj_enforce *e)
{
	uint32_t proved = 0;

	for (uint32_t k = 0; k < ZJ_ENF_NR; k++)
		proved += e->lsm && e->proved[k];
	if (proved == ZJ_ENF_NR)
		return "lsm";
	if (e->signal)
		return proved ? "lsm+kill" : "kill";
	return proved ? "lsm" : "none";
}

static const char *self_protection(const struct zj_enforce *e)
{
	return e->lsm ? "on (BPF LSM: ptrace, signals and BPF objects of zhijiad are denied to "
			"all but PID 1, zhijiad's service manager and zhijiactl)"
		      : "off: it needs BPF LSM";
}

json_object *zj_enforce_to_json(const struct zj_enforce *e, const struct zj_policy *p)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "mode", json_object_new_string(overall_mode(e)));
	if (!e->lsm)
		json_object_object_add(o, "why", json_object_new_string(e->why));
	json_object_object_add(o, "self_protection",
			       json_object_new_string(self_protection(e)));
	json_object_object_add(o, "kernel_exceptions", json_object_new_int64(e->kexc));
	if (e->note[0])
		json_object_object_add(o, "exceptions_note", json_object_new_string(e->note));
	for (uint32_t k = 0; k < ZJ_ENF_NR; k++) {
		json_object *t = json_object_new_object();
		const char *eff, *why;
		uint32_t req;

		if (!t)
			continue;
		zj_enforce_effective(e, p, k, &req, &eff, &why);
		json_object_object_add(t, "requested", json_object_new_string(zj_action_name(req)));
		json_object_object_add(t, "effective", json_object_new_string(eff));
		json_object_object_add(t, "proved",
				       json_object_new_boolean(e->lsm && e->proved[k]));
		json_object_object_add(t, "mode", json_object_new_string(zj_enforce_mode(e, k)));
		json_object_object_add(t, "denies", json_object_new_string(class_scope[k]));
		/* why the start-up canary did not prove this class's hook */
		if (e->lsm && !e->proved[k] && e->failed[k][0])
			json_object_object_add(t, "canary", json_object_new_string(e->failed[k]));
		if (why)
			json_object_object_add(t, "why", json_object_new_string(why));
		json_object_object_add(o, zj_deny_class_technique(k), t);
	}
	return o;
}

void zj_enforce_format(const struct zj_enforce *e, const struct zj_policy *p, char *buf, size_t len)
{
	size_t used = 0;
	uint32_t proved = 0;

	for (uint32_t k = 0; k < ZJ_ENF_NR; k++)
		proved += e->lsm && e->proved[k];
	if (!e->lsm && e->signal)
		used = (size_t)snprintf(buf, len,
					"enforcement kill (%s: a blocked operation's actor is "
					"killed with SIGKILL at the syscall, and what it left is "
					"quarantined)",
					e->why);
	else if (!e->lsm)
		used = (size_t)snprintf(buf, len, "enforcement none (%s)", e->why);
	else
		used = (size_t)snprintf(buf, len,
					"enforcement %s (canary: %u/%d sub-techniques "
					"denied)",
					overall_mode(e), proved, ZJ_ENF_NR);
	for (uint32_t k = 0; k < ZJ_ENF_NR && used < len; k++) {
		const char *eff, *why;
		uint32_t req;

		zj_enforce_effective(e, p, k, &req, &eff, &why);
		used += (size_t)snprintf(buf + used, len - used, "%s %s=%s/%s%s%s", k ? "," : ":",
					 zj_deny_class_technique(k), zj_action_name(req), eff,
					 req == ZJ_ACTION_BLOCK && !why ? "/" : "",
					 req == ZJ_ACTION_BLOCK && !why ? zj_enforce_mode(e, k)
									: "");
	}
}

/* ---- deny events -------------------------------------------------------------------------- */

/* Append s[0..n) with control bytes and backslashes escaped as \xNN. */
static size_t put_escaped(char *buf, size_t len, size_t used, const char *s, size_t n)
{
	for (size_t i = 0; i < n && used + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			used += (size_t)snprintf(buf + used, len - used, "\\x%02x", c);
		else
			buf[used++] = (char)c;
	}
	buf[used < len ? used : len - 1] = '\0';
	return used;
}

static size_t put_fmt(char *buf, size_t len, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t put_fmt(char *buf, size_t len, size_t used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (used >= len)
		return used;
	va_start(ap, fmt);
	n = vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return used;
	return used + (size_t)n < len ? used + (size_t)n : len - 1;
}

static size_t put_proc(char *buf, size_t len, size_t used, const struct zj_proc *p)
{
	used = put_fmt(buf, len, used, "pid %u ", p->pid);
	used = put_escaped(buf, len, used, p->comm, strnlen(p->comm, sizeof(p->comm)));
	if (p->exe.len) {
		used = put_fmt(buf, len, used, " (");
		used = put_escaped(buf, len, used, p->exe.ptr, p->exe.len);
		used = put_fmt(buf, len, used, ")");
	}
	return used;
}

void zj_enforce_deny_finding(const struct zj_event *ev, struct zj_finding *f)
{
	const char *tech = zj_deny_class_technique(ev->deny.klass);
	char *r = f->reason;
	size_t len = sizeof(f->reason), u = 0;
	bool target = ev->flags & ZJ_EVF_HAS_TARGET;

	memset(f, 0, sizeof(*f));
	snprintf(f->technique, sizeof(f->technique), "%s", tech ? tech : "");
	f->severity = ZJ_SEV_HIGH;
	f->flags = ZJ_FIND_FAILED;
	switch (ev->deny.klass) {
	case ZJ_ENF_PTRACE:
	case ZJ_ENF_PROC_MEM:
	case ZJ_ENF_SELF:
		f->target = ZJ_TARGET_PROCESS;
		break;
	case ZJ_ENF_VDSO:
		f->target = ZJ_TARGET_ACTOR;
		f->flags |= ZJ_FIND_SELF;
		break;
	default:
		f->target = ZJ_TARGET_SYSTEM;
		break;
	}
	u = put_proc(r, len, u, &ev->actor);
	u = put_fmt(r, len, u, " was denied ");
	switch (ev->deny.op) {
	case ZJ_DOP_PTRACE_ATTACH:
		u = put_fmt(r, len, u, "attaching with ptrace to ");
		break;
	case ZJ_DOP_VM_WRITEV:
		u = put_fmt(r, len, u, "process_vm_writev into ");
		break;
	case ZJ_DOP_MEM_OPEN:
		u = put_fmt(r, len, u, "opening for writing the memory (/proc/%u/mem) of ",
			    target ? ev->target.pid : 0);
		break;
	case ZJ_DOP_MPROTECT:
		u = put_fmt(r, len, u, "mprotect of its own vDSO");
		break;
	case ZJ_DOP_CREATE:
		u = put_fmt(r, len, u, "creating ");
		break;
	case ZJ_DOP_OPEN_WRITE:
		u = put_fmt(r, len, u, "opening for writing ");
		break;
	case ZJ_DOP_RENAME:
		u = put_fmt(r, len, u, "renaming a file onto ");
		break;
	case ZJ_DOP_LINK:
		u = put_fmt(r, len, u, "linking a file onto ");
		break;
	case ZJ_DOP_SYMLINK:
		u = put_fmt(r, len, u, "creating the symlink ");
		break;
	case ZJ_DOP_SELF_TRACE:
		u = put_fmt(r, len, u, "attaching to or opening the memory of zhijiad, ");
		break;
	case ZJ_DOP_KMOD_LOAD:
		u = put_fmt(r, len, u, "loading a kernel module%s",
			    ev->deny.hook == ZJ_HOOK_KERNEL_READ_FILE ? " from the file "
								       : " from its memory");
		break;
	case ZJ_DOP_SETID:
		u = put_fmt(r, len, u, "setting mode %04o (%s) on ", ev->deny.arg,
			    (ev->deny.arg & 04000) ? "setuid" : "setgid");
		break;
	case ZJ_DOP_ANON_EXEC:
		u = put_fmt(r, len, u, "executing an anonymous in-memory file, exec'd as ");
		break;
	case ZJ_DOP_SELF_SIGNAL:
		u = put_fmt(r, len, u, "sending signal %u (%s) to zhijiad, ", ev->deny.arg,
			    sigabbrev_np((int)ev->deny.arg) ? sigabbrev_np((int)ev->deny.arg)
							     : "?");
		break;
	case ZJ_DOP_SELF_BPF:
		u = put_fmt(r, len, u, "an fd for BPF %s %u of zhijiad, ",
			    ev->deny.hook == ZJ_HOOK_BPF_MAP    ? "map"
			    : ev->deny.hook == ZJ_HOOK_BPF_PROG ? "program"
								: "link",
			    ev->deny.arg);
		break;
	default:
		u = put_fmt(r, len, u, "an operation on ");
		break;
	}
	if (ev->deny.klass == ZJ_ENF_SELF)
		u = put_fmt(r, len, u, "pid %u", target ? ev->target.pid : 0);
	else if (target && ev->deny.op != ZJ_DOP_MPROTECT)
		u = put_proc(r, len, u, &ev->target);
	else if (ev->deny.path.len)
		u = put_escaped(r, len, u, ev->deny.path.ptr, ev->deny.path.len);
	u = put_fmt(r, len, u, ": blocked in the kernel (BPF LSM %s%s)",
		    zj_deny_hook_name(ev->deny.hook),
		    ev->deny.klass == ZJ_ENF_SELF ? ", self-protection" : "");
	if (u + 1 >= len) {
		memcpy(r + len - 4, "...", 4);
		f->flags |= ZJ_FIND_TRUNCATED;
	}
}

void zj_enforce_deny_path(struct zj_event *ev, const struct zj_watch *w, char *buf, size_t len)
{
	const struct zj_watch_entry *we = zj_watch_entry(w, ev->deny.watch_id);
	int n;

	if (!we || !ev->deny.path.len)
		return;
	/* the real path, as file events give it: /lib/x/security is /usr/lib/x/security */
	if (we->kind == ZJ_WATCH_FILE)
		n = snprintf(buf, len, "%s", we->real ? we->real : we->path);
	else
		n = snprintf(buf, len, "%s/%.*s", we->real ? we->real : we->path,
			     (int)ev->deny.path.len, ev->deny.path.ptr);
	if (n < 0 || (size_t)n >= len)
		return;
	ev->deny.path.ptr = buf;
	ev->deny.path.len = (size_t)n;
}
