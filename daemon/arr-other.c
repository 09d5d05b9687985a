/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Other_*: the network (an nftables table of zhijia's, through nft(8)), USB devices (sysfs
 * "authorized" and a udev rule), markers (Other_Create_Mutex) and the quick scan (libyara,
 * scan.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arr-int.h"
#include "quarantine.h"
#include "scan.h"
#include "util.h"

/* ---- network: nftables ---------------------------------------------------------------------- */

struct text {
	FILE *f;
	char *p;
	size_t len;
};

static const char *find_nft(void)
{
	static const char *const where[] = {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"};

	for (size_t i = 0; i < ELEMENTSOF(where); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

static void net_str(const struct zj_arr_net *n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(n->family == 4 ? AF_INET : AF_INET6, n->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, n->prefix);
}

/*
 * The table's frame, the same in every run: sets of blocked ports and addresses per
 * protocol and direction, and the two chains that drop what is in them.  "add" is idempotent;
 * the chains are flushed and refilled so that their rules are never doubled.
 */
static void nft_frame(FILE *f)
{
	static const char *const sets[][2] = {
		{"port_tcp_in", "inet_service"}, {"port_udp_in", "inet_service"},
		{"port_tcp_out", "inet_service"}, {"port_udp_out", "inet_service"},
		{"ip4_in", "ipv4_addr"},	 {"ip6_in", "ipv6_addr"},
		{"ip4_out", "ipv4_addr"},	 {"ip6_out", "ipv6_addr"},
	};

	fprintf(f, "add table inet zhijia\n");
	for (size_t i = 0; i < ELEMENTSOF(sets); i++)
		fprintf(f, "add set inet zhijia %s { type %s ; flags interval ; }\n", sets[i][0],
			sets[i][1]);
	fprintf(f, "add chain inet zhijia block_in { type filter hook input priority -200 ; "
		   "policy accept ; }\n"
		   "add chain inet zhijia block_out { type filter hook output priority -200 ; "
		   "policy accept ; }\n"
		   "flush chain inet zhijia block_in\n"
		   "flush chain inet zhijia block_out\n"
		   "add rule inet zhijia block_in tcp dport @port_tcp_in drop\n"
		   "add rule inet zhijia block_in udp dport @port_udp_in drop\n"
		   "add rule inet zhijia block_in ip saddr @ip4_in drop\n"
		   "add rule inet zhijia block_in ip6 saddr @ip6_in drop\n"
		   "add rule inet zhijia block_out tcp dport @port_tcp_out drop\n"
		   "add rule inet zhijia block_out udp dport @port_udp_out drop\n"
		   "add rule inet zhijia block_out ip daddr @ip4_out drop\n"
		   "add rule inet zhijia block_out ip6 daddr @ip6_out drop\n");
}

/* Elements are added (and, with undo, then deleted: "add" first makes the delete safe). */
static void nft_element(FILE *f, bool undo, const char *set, const char *elem)
{
	fprintf(f, "add element inet zhijia %s { %s }\n", set, elem);
	if (undo)
		fprintf(f, "delete element inet zhijia %s { %s }\n", set, elem);
}

static void nft_netoff(FILE *f, const struct zj_arr_action *a)
{
	static const char *const chains[][2] = {
		{"netoff_in", "input"}, {"netoff_out", "output"}, {"netoff_fwd", "forward"}};

	fprintf(f, "add table inet zhijia\n");
	for (size_t c = 0; c < ELEMENTSOF(chains); c++) {
		fprintf(f,
			"add chain inet zhijia %s { type filter hook %s priority -300 ; "
			"policy accept ; }\n",
			chains[c][0], chains[c][1]);
		if (a->undo) {
			fprintf(f, "delete chain inet zhijia %s\n", chains[c][0]);
			continue;
		}
		fprintf(f, "flush chain inet zhijia %s\n", chains[c][0]);
		if (c == 0)
			fprintf(f, "add rule inet zhijia netoff_in iif \"lo\" accept\n");
		if (c == 1)
			fprintf(f, "add rule inet zhijia netoff_out oif \"lo\" accept\n");
		for (size_t i = 0; i < a->management.n && c < 2; i++) {
			char n[64];

			net_str(&a->management.v[i], n, sizeof(n));
			fprintf(f, "add rule inet zhijia %s %s %s %s accept\n", chains[c][0],
				a->management.v[i].family == 4 ? "ip" : "ip6",
				c == 0 ? "saddr" : "daddr", n);
		}
		fprintf(f, "add rule inet zhijia %s drop\n", chains[c][0]);
	}
}

#define NFT_STATE "/var/lib/zhijia/nft/zhijia.nft"

/* Keep zhijia's table as it is now, for zj_arr_net_restore() at the next start. */
static int net_save(const char *root, const char *nft)
{
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
	char *argv[] = {(char *)nft, "list", "table", "inet", "zhijia", NULL};
	char path[PATH_MAX], dir[PATH_MAX];
	_cleanup_free_ char *out = NULL;
	int r, status = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s" NFT_STATE, root) >= sizeof(path))
		return -ENAMETOOLONG;
	r = arx_spawn(argv, envp, NULL, 0, (uid_t)-1, (gid_t)-1, 30, &status, &out, NULL);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out)
		return -ECANCELED;
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	r = arx_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	return arx_write_atomic(path, out, strlen(out), 0600, 0, 0);
}

int zj_arr_net_restore(const char *root)
{
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
	char *argv[] = {NULL, "-f", "-", NULL};
	const char *r0 = root && strcmp(root, "/") != 0 ? root : "";
	_cleanup_free_ char *saved = NULL, *text = NULL, *out = NULL;
	char path[PATH_MAX];
	size_t len;
	int r, status = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s" NFT_STATE, r0) >= sizeof(path))
		return -ENAMETOOLONG;
	r = arx_read_file(path, 16u << 20, &saved, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	argv[0] = (char *)find_nft();
	if (!argv[0])
		return -ENOENT;
	/* replace whatever is there: "add" first makes the delete safe */
	if (asprintf(&text, "add table inet zhijia\ndelete table inet zhijia\n%s", saved) < 0)
		return -ENOMEM;
	r = arx_spawn(argv, envp, text, strlen(text), (uid_t)-1, (gid_t)-1, 30, &status, &out,
		      NULL);
	if (r < 0)
		return r;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : -ECANCELED;
}

int arx_do_net(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
	char *argv[] = {NULL, "-f", "-", NULL};
	_cleanup_free_ char *out = NULL;
	struct text t = {0};
	char line[256];
	int r, status = 0;

	argv[0] = (char *)find_nft();
	t.f = open_memstream(&t.p, &t.len);
	if (!t.f)
		return -ENOMEM;
	if (a->instr == ZJ_ARR_OTHER_NETOFF) {
		nft_netoff(t.f, a);
		arx_ok(x, a->undo ? "isolation lifted" : "host isolated, %zu management addresses "
							  "reachable",
		       a->management.n);
	} else if (a->instr == ZJ_ARR_OTHER_DISABLED_PORT) {
		nft_frame(t.f);
		for (size_t i = 0; i < a->ports.n; i++) {
			const struct zj_arr_port_range *p = &a->ports.v[i];
			char elem[32], set[32];

			if (p->first == p->last)
				snprintf(elem, sizeof(elem), "%u", p->first);
			else
				snprintf(elem, sizeof(elem), "%u-%u", p->first, p->last);
			for (int proto = 0; proto < 2; proto++) {
				if ((proto == 0 && a->protocol == ZJ_ARR_PROTO_UDP) ||
				    (proto == 1 && a->protocol == ZJ_ARR_PROTO_TCP))
					continue;
				for (int dir = 0; dir < 2; dir++) {
					if ((dir == 0 && a->direction == ZJ_ARR_DIR_OUT) ||
					    (dir == 1 && a->direction == ZJ_ARR_DIR_IN))
						continue;
					snprintf(set, sizeof(set), "port_%s_%s",
						 proto ? "udp" : "tcp", dir ? "out" : "in");
					nft_element(t.f, a->undo, set, elem);
				}
			}
			arx_ok(x, "port %s %s", elem, a->undo ? "unblocked" : "blocked");
		}
	} else {
		nft_frame(t.f);
		for (size_t i = 0; i < a->ips.n; i++) {
			char n[64], set[16];

			net_str(&a->ips.v[i], n, sizeof(n));
			for (int dir = 0; dir < 2; dir++) {
				if ((dir == 0 && a->direction == ZJ_ARR_DIR_OUT) ||
				    (dir == 1 && a->direction == ZJ_ARR_DIR_IN))
					continue;
				snprintf(set, sizeof(set), "ip%d_%s", a->ips.v[i].family == 4 ? 4 : 6,
					 dir ? "out" : "in");
				nft_element(t.f, a->undo, set, n);
			}
			arx_ok(x, "%s %s", n, a->undo ? "unblocked" : "blocked");
		}
	}
	if (fclose(t.f) != 0 || !t.p) {
		free(t.p);
		return -ENOMEM;
	}
	if (!argv[0]) {
		free(t.p);
		x->n_ok = 0;
		return arx_fail(x, -ENOENT,
				"nft is not installed (package nftables): nothing was changed");
	}
	if (x->dry) {
		free(t.p);
		return 0;
	}
	r = arx_spawn(argv, envp, t.p, t.len, (uid_t)-1, (gid_t)-1, 30, &status, &out, NULL);
	free(t.p);
	if (r < 0)
		return arx_fail(x, r, "could not run nft: %s", strerror(-r));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		size_t n = out ? strcspn(out, "\n") : 0;

		snprintf(line, sizeof(line), "%.*s", (int)(n > 200 ? 200 : n), out ? out : "");
		x->n_ok = 0;
		return arx_fail(x, -ECANCELED, "nft refused the change: %s", line);
	}
	r = net_save(x->root, argv[0]);
	if (r < 0)
		arx_bad(x, r, "done, but not kept for the next start of zhijiad (" NFT_STATE ")");
	return 0;
}

/* ---- USB devices ---------------------------------------------------------------------------- */

static int read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char p[PATH_MAX];
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "re");
	if (!f || !fgets(buf, (int)len, f))
		return -ENOENT;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int authorize(struct arr_x *x, const char *devdir, const char *id)
{
	char p[PATH_MAX];
	_cleanup_close_ int fd = -1;
	const char *v = x->a->undo ? "1" : "0";

	if (x->dry) {
		arx_ok(x, "USB device %s", id);
		return 0;
	}
	snprintf(p, sizeof(p), "%s/authorized", devdir);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, v, 1) != 1) {
		arx_bad(x, negative_errno(), "USB device %s", id);
		return 0;
	}
	arx_ok(x, "USB device %s %s", id, x->a->undo ? "authorised" : "de-authorised");
	return 0;
}

/* The udev rule that keeps a vendor:product out when it is plugged in later. */
static int udev_rule(struct arr_x *x, const char *vidpid)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], rule[256];
	_cleanup_free_ char *text = NULL;
	char *out = NULL;
	size_t len = 0, o = 0;
	struct stat st;
	int r;

	r = arx_rooted(x, "/etc/udev/rules.d", dir, sizeof(dir));
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/70-zhijia-usb.rules", dir);
	snprintf(rule, sizeof(rule),
		 "ACTION==\"add\", SUBSYSTEM==\"usb\", ATTR{idVendor}==\"%.4s\", "
		 "ATTR{idProduct}==\"%.4s\", ATTR{authorized}=\"0\"\n",
		 vidpid, vidpid + 5);
	if (lstat(path, &st) == 0) {
		r = arx_read_file(path, 1u << 20, &text, &len);
		if (r < 0)
			return r;
	}
	out = malloc(len + strlen(rule) + 1);
	if (!out)
		return -ENOMEM;
	/* every other line, then the rule again unless undone */
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - text - i) + 1 : len - i;

		if (!(n == strlen(rule) && memcmp(text + i, rule, n) == 0)) {
			memcpy(out + o, text + i, n);
			o += n;
		}
		i += n;
	}
	if (!x->a->undo) {
		memcpy(out + o, rule, strlen(rule));
		o += strlen(rule);
	}
	r = arx_mkdir_p(dir, 0755);
	if (r == 0)
		r = arx_write_atomic(path, out, o, 0644, 0, 0);
	free(out);
	return r;
}

int arx_do_device(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char sys[PATH_MAX], dev[PATH_MAX + 256];
	int r;

	r = arx_rooted(x, "/sys/bus/usb/devices", sys, sizeof(sys));
	if (r < 0)
		return r;
	for (size_t i = 0; i < a->devices.n; i++) {
		const char *d = a->devices.v[i];
		bool vidpid = strlen(d) == 9 && d[4] == ':';

		if (!vidpid) {
			struct stat st;

			snprintf(dev, sizeof(dev), "%s/%s", sys, d);
			if (stat(dev, &st) < 0)
				arx_note(x, "USB device %s is not connected", d);
			else
				(void)authorize(x, dev, d);
			continue;
		}
		DIR *dir = opendir(sys);
		struct dirent *de;

		while (dir && (de = readdir(dir))) {
			char v[16], p[16], id[300];

			if (de->d_name[0] == '.')
				continue;
			snprintf(dev, sizeof(dev), "%s/%s", sys, de->d_name);
			if (read_attr(dev, "idVendor", v, sizeof(v)) < 0 ||
			    read_attr(dev, "idProduct", p, sizeof(p)) < 0 ||
			    strncmp(v, d, 4) != 0 || strcmp(p, d + 5) != 0)
				continue;
			snprintf(id, sizeof(id), "%s (%s)", de->d_name, d);
			(void)authorize(x, dev, id);
		}
		if (dir)
			closedir(dir);
		if (x->dry) {
			arx_ok(x, "udev rule for %s", d);
			continue;
		}
		r = udev_rule(x, d);
		if (r < 0)
			arx_bad(x, r, "udev rule for %s", d);
		else
			arx_ok(x, "udev rule for %s %s", d, a->undo ? "removed" : "written");
	}
	return 0;
}

/* ---- markers -------------------------------------------------------------------------------- */

static int set_immutable(int fd, bool on)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return negative_errno();
	flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
	return ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0 ? negative_errno() : 0;
}

/*
 * "@NAME": an abstract UNIX socket held by a small process of zhijia's ("zj-mutex"), so that a
 * family that binds the name as its single-instance lock cannot start.  The socket is bound
 * here (so that a name already taken is an error now), then handed to the holder, which is
 * reparented away from us by a double fork.  Undo finds the holder by the socket's inode.
 */
static socklen_t abstract_addr(const char *name, struct sockaddr_un *a)
{
	size_t n = strlen(name);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, n); /* validated: 1..107 printable bytes */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int mutex_hold(const char *name, pid_t *ret_pid)
{
	struct sockaddr_un a;
	socklen_t len = abstract_addr(name, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), p[2], r = 0;
	pid_t pid, holder = -1;

	if (fd < 0)
		return negative_errno();
	if (bind(fd, (struct sockaddr *)&a, len) < 0 || pipe2(p, O_CLOEXEC) < 0) {
		r = negative_errno();
		(void)close(fd);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		(void)close(fd);
		(void)close(p[0]);
		(void)close(p[1]);
		return r;
	}
	if (pid == 0) {
		pid_t g = fork();
		int devnull;
		sigset_t none;

		if (g != 0)
			_exit(g < 0 ? 1 : 0); /* the holder reports itself, once it is ready */
		(void)setsid();
		(void)!chdir("/");
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			(void)dup2(devnull, 0);
			(void)dup2(devnull, 1);
			(void)dup2(devnull, 2);
		}
		if (dup2(fd, 3) < 0 || dup2(p[1], 4) < 0)
			_exit(1);
		(void)syscall(SYS_close_range, 5, ~0U, 0);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		(void)signal(SIGHUP, SIG_IGN);
		(void)signal(SIGINT, SIG_IGN);
		(void)signal(SIGPIPE, SIG_IGN);
		(void)prctl(PR_SET_NAME, "zj-mutex");
		g = getpid();
		(void)!write(4, &g, sizeof(g));
		(void)close(4);
		for (;;)
			pause();
	}
	(void)close(fd);
	(void)close(p[1]);
	if (read(p[0], &holder, sizeof(holder)) != sizeof(holder))
		holder = -1;
	(void)close(p[0]);
	(void)waitpid(pid, NULL, 0);
	if (holder <= 0)
		return -ECHILD;
	*ret_pid = holder;
	return 0;
}

/* The inode of the listening abstract socket "@name" (/proc/net/unix), or 0. */
static unsigned long abstract_inode(const char *name)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/unix", "re");
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long inode;
		int off = 0;

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %n", &inode, &off) < 1 || !off)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (line[off] == '@' && strcmp(line + off + 1, name) == 0)
			return inode;
	}
	return 0;
}

/* Stop zhijia's holder of "@name": 0, -ENOENT when nobody holds it, -EBUSY when someone else
 * does. */
static int mutex_release(const char *name, pid_t *ret_pid)
{
	unsigned long inode = abstract_inode(name);
	char want[64];
	struct dirent *de;
	DIR *d;
	int r = -EBUSY;

	if (!inode)
		return -ENOENT;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir("/proc");
	while (d && (de = readdir(d)) && r == -EBUSY) {
		char p[300], comm[32] = "", target[64];
		_cleanup_fclose_ FILE *f = NULL;
		ssize_t n;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/comm", de->d_name);
		f = fopen(p, "re");
		if (!f || !fgets(comm, sizeof(comm), f) || strcmp(comm, "zj-mutex\n") != 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%s/fd/3", de->d_name);
		n = readlink(p, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, want) != 0)
			continue;
		*ret_pid = (pid_t)atoi(de->d_name);
		r = kill(*ret_pid, SIGKILL) < 0 ? negative_errno() : 0;
	}
	if (d)
		closedir(d);
	/* the name is free once the holder's socket is closed: wait for that (2 s at most) */
	for (int i = 0; r == 0 && i < 200 && abstract_inode(name) == inode; i++)
		(void)usleep(10000);
	return r;
}

int arx_do_mutex(struct arr_x *x)
{
	const struct zj_arr_action *a = x->a;
	char real[PATH_MAX], id[ZJ_QUARANTINE_ID_MAX];
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (a->mutex[0] == '@') {
		pid_t pid = 0;

		if (x->dry) {
			arx_ok(x, "abstract socket %s", a->mutex);
			return 0;
		}
		if (a->undo) {
			r = mutex_release(a->mutex + 1, &pid);
			if (r == -ENOENT)
				return arx_fail(x, 0, "nobody holds %s", a->mutex);
			if (r == -EBUSY)
				return arx_fail(x, r, "%s is held by a process that is not zhijia's",
						a->mutex);
			if (r < 0)
				return arx_fail(x, r, "could not stop the holder of %s", a->mutex);
			arx_ok(x, "marker %s released (holder pid %d stopped)", a->mutex, (int)pid);
			return 0;
		}
		r = mutex_hold(a->mutex + 1, &pid);
		if (r == -EADDRINUSE)
			return arx_fail(x, r, "%s is already bound (by the family itself?)",
					a->mutex);
		if (r < 0)
			return arx_fail(x, r, "could not hold %s: %s", a->mutex, strerror(-r));
		arx_ok(x, "marker %s held by pid %d (zj-mutex)", a->mutex, (int)pid);
		return 0;
	}
	r = arx_guard(x, a->mutex, false, real);
	if (r < 0)
		return arx_fail(x, r, "%s is a system-critical path; the rule needs \"force\": true",
				a->mutex);
	if (a->undo) {
		if (lstat(real, &st) < 0)
			return arx_fail(x, 0, "no marker at %s", real);
		if (x->dry) {
			arx_ok(x, "%s", real);
			return 0;
		}
		fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			(void)set_immutable(fd, false); /* a file system without the flag: fine */
		r = arx_keep(x, real, true, id);
		if (r < 0)
			return arx_fail(x, r, "could not remove %s: %s", real, strerror(-r));
		arx_ok(x, "marker %s removed", real);
		return 0;
	}
	if (lstat(real, &st) == 0)
		return arx_fail(x, -EEXIST, "%s exists", real);
	if (x->dry) {
		arx_ok(x, "%s (new)", real);
		return 0;
	}
	fd = open(real, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return arx_fail(x, negative_errno(), "%s: %s", real, strerror(errno));
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0444) < 0 || fsync(fd) < 0)
		return arx_fail(x, negative_errno(), "%s: %s", real, strerror(errno));
	r = set_immutable(fd, true);
	if (r == -ENOTTY || r == -EOPNOTSUPP || r == -EINVAL) {
		arx_ok(x, "marker %s created (its file system has no immutable flag)", real);
		return 0;
	}
	if (r < 0)
		return arx_fail(x, r, "marker %s created, but not immutable: %s", real,
				strerror(-r));
	arx_ok(x, "marker %s created, immutable", real);
	return 0;
}

/* ---- quick scan ----------------------------------------------------------------------------- */

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct scan_ctx {
	struct zj_rules *rules;
	size_t scanned, matched;
	const char *label; /* what to call the file scanned (its path when NULL) */
	struct file_id *seen;
	size_t n_seen;
};

/* Each file once: a library mapped by every process is scanned one time. */
static bool seen_before(struct scan_ctx *s, const struct stat *st)
{
	struct file_id *n;

	for (size_t i = 0; i < s->n_seen; i++)
		if (s->seen[i].dev == st->st_dev && s->seen[i].ino == st->st_ino)
			return true;
	n = reallocarray(s->seen, s->n_seen + 1, sizeof(*n));
	if (!n)
		return false; /* scanned again rather than not at all */
	s->seen = n;
	s->seen[s->n_seen].dev = st->st_dev;
	s->seen[s->n_seen++].ino = st->st_ino;
	return false;
}

static int scan_one(struct arr_x *x, const char *path, const struct stat *st, void *ud)
{
	struct scan_ctx *s = ud;
	struct zj_verdict v;

	if (!S_ISREG(st->st_mode) || st->st_size == 0 || seen_before(s, st))
		return 0;
	if (x->dry) {
		s->scanned++;
		return 0;
	}
	if (zj_rules_scan_path(s->rules, path, 30, &v) < 0)
		return 0;
	s->scanned++;
	if (v.state == ZJ_VERDICT_MATCH) {
		s->matched++;
		arx_ok(x, "%s matches %s", s->label ? s->label : path, v.matches[0]);
	}
	return 0;
}

static int scan_dir(struct arr_x *x, const char *rel, struct scan_ctx *s)
{
	char dir[PATH_MAX], p[PATH_MAX + 256];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (arx_rooted(x, rel, dir, sizeof(dir)) < 0)
		return 0;
	if (lstat(dir, &st) == 0 && S_ISREG(st.st_mode))
		return scan_one(x, dir, &st, s);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0)
			(void)scan_one(x, p, &st, s);
	}
	closedir(d);
	return 0;
}

int arx_do_quickscan(struct arr_x *x)
{
	static const char *const places[] = {
		"/etc/crontab",	    "/etc/cron.d",	  "/var/spool/cron/crontabs",
		"/etc/systemd/system", "/etc/ld.so.preload", "/etc/profile.d",
		"/tmp",		    "/var/tmp",		  "/dev/shm",
	};
	char dir[PATH_MAX], err[512];
	struct scan_ctx s = {0};
	int r;

	r = arx_rooted(x, "/etc/zhijia/rules.d", dir, sizeof(dir));
	if (r < 0)
		return r;
	r = zj_scan_library_init();
	if (r < 0)
		return arx_fail(x, r, "libyara could not start");
	r = zj_rules_compile_dir(dir, &s.rules, err, sizeof(err));
	if (r < 0) {
		zj_scan_library_done();
		if (r == -ENOENT)
			return arx_fail(x, 0, "no YARA rules in %s: nothing to scan with", dir);
		return arx_fail(x, r, "YARA rules in %s: %s", dir, err);
	}
	if (zj_rules_count(s.rules) == 0) {
		zj_rules_unref(s.rules);
		zj_scan_library_done();
		return arx_fail(x, 0, "no YARA rules in %s: nothing to scan with", dir);
	}
	if (x->a->cond.kind == ZJ_ARR_COND_SCOPE) {
		r = arx_search(x, &x->a->cond, NULL, scan_one, &s);
	} else {
		struct dirent *de;
		DIR *d = opendir("/proc");

		/* the programs of running processes (deleted ones too, through /proc), and the
		 * files they have mapped */
		while (d && (de = readdir(d))) {
			char link[300], exe[PATH_MAX], label[PATH_MAX + 300], line[PATH_MAX + 128];
			_cleanup_fclose_ FILE *maps = NULL;
			struct stat st;
			ssize_t n;

			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			snprintf(link, sizeof(link), "/proc/%s/exe", de->d_name);
			n = readlink(link, exe, sizeof(exe) - 1);
			if (n <= 0 || stat(link, &st) < 0)
				continue;
			exe[n] = '\0';
			snprintf(label, sizeof(label), "%s (pid %s)", exe, de->d_name);
			s.label = label;
			(void)scan_one(x, link, &st, &s);
			s.label = NULL;
			snprintf(link, sizeof(link), "/proc/%s/maps", de->d_name);
			maps = fopen(link, "re");
			while (maps && fgets(line, sizeof(line), maps)) {
				char *file = strchr(line, '/');

				if (!file)
					continue;
				file[strcspn(file, "\n")] = '\0';
				if (stat(file, &st) == 0)
					(void)scan_one(x, file, &st, &s);
			}
		}
		if (d)
			closedir(d);
		for (size_t i = 0; i < ELEMENTSOF(places); i++)
			(void)scan_dir(x, places[i], &s);
	}
	zj_rules_unref(s.rules);
	zj_scan_library_done();
	free(s.seen);
	if (r < 0)
		return r;
	if (x->dry)
		arx_ok(x, "%zu files to scan with the rules of %s", s.scanned, dir);
	else if (s.matched == 0)
		arx_ok(x, "%zu files scanned, none matched", s.scanned);
	arx_reason(x, "%zu files scanned, %zu matched (what matched is reported, not yet "
		      "disposed of by policy)",
		   s.scanned, s.matched);
	return 0;
}
