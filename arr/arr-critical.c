/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * System-critical paths: what an ARR rule may not delete, rewrite, rename or re-permission
 * unless it says "force": true.  The list is short on purpose -- a rule exists to remove what
 * an attacker left, often in system directories (a trojaned /usr/bin/ps, a line in
 * /etc/crontab, /etc/ld.so.preload) -- and names what, once gone, leaves a host that cannot
 * boot, log anyone in, or run zhijia to repair it.
 */
#include <string.h>

#include "arr-internal.h"
#include "zhijia/errors.h"

/* The path itself; what is under it is not critical (/tmp is, /tmp/x is not). */
static const char *const exact[] = {
	"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
	"/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
	"/var", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32",
	"/usr/libexec", "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib",
	"/usr/share", "/var/lib", "/var/log", "/var/spool", "/var/tmp", "/etc/systemd",
	"/etc/systemd/system", "/lib/systemd", "/usr/lib/systemd",
	/* accounts, boot, name service, the loader's configuration */
	"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/fstab",
	"/etc/crypttab", "/etc/hostname", "/etc/hosts", "/etc/nsswitch.conf", "/etc/resolv.conf",
	"/etc/login.defs", "/etc/inittab", "/etc/machine-id", "/etc/os-release", "/etc/ld.so.cache",
	"/etc/ld.so.conf",
	/* init, the shells, getting in */
	"/sbin/init", "/usr/sbin/init", "/lib/systemd/systemd", "/usr/lib/systemd/systemd",
	"/bin/sh", "/usr/bin/sh", "/bin/bash", "/usr/bin/bash", "/bin/dash", "/usr/bin/dash",
	"/bin/login", "/usr/bin/login", "/bin/su", "/usr/bin/su", "/usr/bin/sudo", "/usr/sbin/sshd",
	"/sbin/ldconfig", "/usr/sbin/ldconfig",
	/* zhijia itself */
	"/usr/sbin/zhijiad", "/usr/sbin/zhijiactl", "/usr/local/sbin/zhijiad",
	"/usr/local/sbin/zhijiactl", "/usr/bin/zhijiactl", "/lib/systemd/system/zhijiad.service",
	"/usr/lib/systemd/system/zhijiad.service", "/etc/systemd/system/zhijiad.service",
	"/lib/systemd/system/zhijia.service", "/usr/lib/systemd/system/zhijia.service",
	"/etc/systemd/system/zhijia.service", NULL};

/* The path and everything under it. */
static const char *const tree[] = {"/boot",
				   "/proc",
				   "/sys",
				   "/dev",
				   "/etc/pam.d",
				   "/etc/security",
				   "/lib/modules",
				   "/usr/lib/modules",
				   "/etc/zhijia",
				   "/var/lib/zhijia",
				   "/run/zhijia",
				   "/usr/lib/zhijia",
				   "/usr/libexec/zhijia",
				   "/usr/share/zhijia",
				   NULL};

/* Under a critical tree, but where attackers drop files: shared memory, message queues. */
static const char *const tree_holes[] = {"/dev/shm", "/dev/mqueue", NULL};

/* Directories of shared libraries, and the names of the loader and the C library in them. */
static const char *const lib_dirs[] = {"/lib",	     "/lib32",	    "/lib64",
				       "/libx32",    "/usr/lib",    "/usr/lib32",
				       "/usr/lib64", "/usr/libx32", NULL};
static const char *const loader_prefixes[] = {"ld-linux", "ld64.so", "ld-musl-",  "ld.so",
					      "libc.so",  "libc-",   "libc.musl", NULL};

/* path is prefix or under it. */
static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool in_list(const char *path, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(path, list[i]) == 0)
			return true;
	return false;
}

static bool is_loader(const char *path)
{
	const char *base = strrchr(path, '/') + 1;

	for (size_t i = 0; lib_dirs[i]; i++) {
		size_t n = strlen(lib_dirs[i]);
		const char *rest;

		if (strncmp(path, lib_dirs[i], n) != 0 || path[n] != '/')
			continue;
		/* directly in the directory, or one level down (multiarch: x86_64-linux-gnu) */
		rest = path + n + 1;
		if (strchr(rest, '/') != strrchr(rest, '/'))
			continue;
		for (size_t k = 0; loader_prefixes[k]; k++)
			if (strncmp(base, loader_prefixes[k], strlen(loader_prefixes[k])) == 0)
				return true;
	}
	return false;
}

int zj_arr_is_critical_path(const char *path)
{
	struct arr_sb m;

	if (!path)
		return -ZJ_EINVAL;
	arr_sb_init(&m, NULL, 0);
	if (arr_check_path(&m, path, NULL) < 0)
		return -ZJ_EINVAL;
	if (in_list(path, exact))
		return 1;
	for (size_t i = 0; tree[i]; i++) {
		if (!under(path, tree[i]))
			continue;
		for (size_t k = 0; tree_holes[k]; k++)
			if (under(path, tree_holes[k]) && strcmp(path, tree_holes[k]) != 0)
				return 0;
		return 1;
	}
	return is_loader(path) ? 1 : 0;
}
