/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "proctab.h"
#include "sensor.h"
#include "util.h"
#include "watch.h"
#include "zhijia.skel.h"
#include "probe.skel.h"

#define TRACEFS "/sys/kernel/tracing"
#define BPFFS "/sys/fs/bpf"
#define SECURITYFS "/sys/kernel/security"
#define TRACEFS_MAGIC 0x74726163
#define BPF_FS_MAGIC 0xcafe4a11
#define SECURITYFS_MAGIC 0x73636673

struct zj_sensor {
	struct zhijia *skel;
	struct ring_buffer *rb;
	int attached;
	int skipped;
	bool lsm; /* the BPF LSM programs are loaded and attached */
	char skipped_names[512];
	uint32_t self_n[3];			/* maps, programs, links in zj_self_ids */
	uint32_t self_ids[3][ZJ_SELF_MAX / 2]; /* their ids, for status */
};

static int ensure_mount(const char *path, const char *type, unsigned long magic)
{
	struct statfs sf;

	if (statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic)
		return 0;
	if (mount(type, path, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return log_error_errno(negative_errno(), "Failed to mount %s on %s: %m", type,
				       path);
	log_info("mounted %s on %s", type, path);
	return 0;
}

int zj_sensor_mounts(void)
{
	int r;

	r = ensure_mount(TRACEFS, "tracefs", TRACEFS_MAGIC);
	if (r < 0)
		return r;
	r = ensure_mount(BPFFS, "bpf", BPF_FS_MAGIC);
	if (r < 0)
		return r;
	/* securityfs only tells which LSMs are active: its absence is not fatal */
	(void)ensure_mount(SECURITYFS, "securityfs", SECURITYFS_MAGIC);
	return 0;
}

static bool lsm_listed(char *why, size_t len)
{
	char buf[512] = "";
	_cleanup_close_ int fd = open(SECURITYFS "/lsm", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *tok, *save = NULL;

	if (fd < 0) {
		snprintf(why, len, "cannot read " SECURITYFS "/lsm: %s", strerror(errno));
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0) {
		snprintf(why, len, "cannot read " SECURITYFS "/lsm");
		return false;
	}
	buf[n] = '\0';
	for (tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (strcmp(tok, "bpf") == 0)
			return true;
	snprintf(why, len, "'bpf' is not in the active LSM list (boot with lsm=...,bpf)");
	return false;
}

/* Load (and, for LSM, attach) one probe program alone. 0 or -errno. */
static int probe_one(const char *name, bool attach)
{
	struct zj_probe *p = zj_probe__open();
	struct bpf_program *prog;
	struct bpf_link *link;
	int r = 0;

	if (!p)
		return negative_errno();
	bpf_object__for_each_program(prog, p->obj)
		bpf_program__set_autoload(prog, strcmp(bpf_program__name(prog), name) == 0);
	r = zj_probe__load(p);
	if (r == 0 && attach) {
		prog = bpf_object__find_program_by_name(p->obj, name);
		link = prog ? bpf_program__attach(prog) : NULL;
		if (!link)
			r = negative_errno();
		bpf_link__destroy(link);
	}
	zj_probe__destroy(p);
	return r < 0 ? r : 0;
}

void zj_sensor_probe(struct zj_features *f)
{
	struct utsname u;
	int r;

	memset(f, 0, sizeof(*f));
	if (uname(&u) == 0)
		snprintf(f->kernel, sizeof(f->kernel), "%s %s", u.release, u.machine);
	f->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	f->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	f->bpf_loop = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop, NULL) == 1;
	f->send_signal =
		libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal, NULL) == 1;
	if (f->btf)
		f->tp_btf = probe_one("zj_probe_tp_btf", false) == 0;
	f->lsm_listed = lsm_listed(f->lsm_why, sizeof(f->lsm_why));
	if (f->btf) {
		r = probe_one("zj_probe_lsm", true);
		f->lsm_loads = r == 0;
		if (r < 0 && f->lsm_listed)
			snprintf(f->lsm_why, sizeof(f->lsm_why),
				 "a BPF LSM program does not load here: %s", strerror(-r));
		else if (r < 0 && !f->lsm_why[0])
			snprintf(f->lsm_why, sizeof(f->lsm_why), "BPF LSM programs do not load: %s",
				 strerror(-r));
	} else {
		snprintf(f->lsm_why, sizeof(f->lsm_why), "no BTF");
	}
}

void zj_features_format(const struct zj_features *f, char *buf, size_t len)
{
	bool lsm = f->lsm_listed && f->lsm_loads;

	snprintf(buf, len,
		 "btf=%s ringbuf=%s tp_btf=%s bpf_loop=%s send_signal=%s lsm=%s%s%s%s",
		 f->btf ? "yes" : "no", f->ringbuf ? "yes" : "no", f->tp_btf ? "yes" : "no",
		 f->bpf_loop ? "yes" : "no", f->send_signal ? "yes" : "no", lsm ? "yes" : "no",
		 lsm ? "" : " (", lsm ? "" : f->lsm_why, lsm ? "" : ")");
}

/* "tracepoint/syscalls/sys_enter_x" -> does the kernel have that tracepoint? */
static bool tracepoint_exists(const char *sec)
{
	char path[256];
	const char *tp = strchr(sec, '/');

	if (strncmp(sec, "tracepoint/", 11) != 0 || !tp)
		return true; /* tp_btf programs: checked by the feature probe */
	snprintf(path, sizeof(path), TRACEFS "/events/%s", tp + 1);
	return access(path, F_OK) == 0;
}

/*
 * The process that started zhijiad may signal it (self-protection, lsm.bpf.c): its service
 * manager -- PID 1 under systemd (always allowed anyway), the shell or test that runs it in
 * the foreground.  Named by tgid and start time, so that a reused pid is not it.  Start time
 * in USER_HZ (100) ticks, as /proc says it and the BPF side divides it.
 */
static int set_manager(struct zj_sensor *s)
{
	pid_t ppid = getppid();
	uint64_t start = 0;
	int r;

	if (sysconf(_SC_CLK_TCK) != 100 || ppid <= 1 || zj_proc_start_ticks((uint32_t)ppid, &start) < 0)
		ppid = 0, start = 0;
	r = zj_sensor_set_config(s, ZJ_CFG_MANAGER_TGID, (uint64_t)ppid);
	return r < 0 ? r : zj_sensor_set_config(s, ZJ_CFG_MANAGER_START, start);
}

static int self_add(struct zj_sensor *s, int fd_map, uint32_t kind, int obj_fd)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	uint32_t len = 0, id, one = 1;
	uint64_t key;
	int r;

	memset(&info, 0, sizeof(info));
	len = kind == ZJ_SELF_MAP    ? sizeof(info.map)
	      : kind == ZJ_SELF_PROG ? sizeof(info.prog)
				     : sizeof(info.link);
	r = bpf_obj_get_info_by_fd(obj_fd, &info, &len);
	if (r < 0)
		return r;
	id = kind == ZJ_SELF_MAP ? info.map.id : kind == ZJ_SELF_PROG ? info.prog.id : info.link.id;
	key = ZJ_SELF_KEY(kind, id);
	if (bpf_map_update_elem(fd_map, &key, &one, BPF_ANY) < 0)
		return negative_errno();
	if (s->self_n[kind - 1] < ELEMENTSOF(s->self_ids[0]))
		s->self_ids[kind - 1][s->self_n[kind - 1]++] = id;
	else
		return -E2BIG;
	return 0;
}

/* zhijiad's maps, programs and links into zj_self_ids: no one else gets an fd for them. */
static int protect_self(struct zj_sensor *s)
{
	const struct bpf_object_skeleton *sk = s->skel->skeleton;
	int fd = bpf_map__fd(s->skel->maps.zj_self_ids), r;
	struct bpf_program *prog;
	struct bpf_map *map;

	bpf_object__for_each_map(map, s->skel->obj) {
		if (bpf_map__fd(map) < 0)
			continue; /* .rodata and the like */
		r = self_add(s, fd, ZJ_SELF_MAP, bpf_map__fd(map));
		if (r < 0)
			return r;
	}
	bpf_object__for_each_program(prog, s->skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		r = self_add(s, fd, ZJ_SELF_PROG, bpf_program__fd(prog));
		if (r < 0)
			return r;
	}
	for (int i = 0; sk && i < sk->prog_cnt; i++) {
		struct bpf_link *l = sk->progs[i].link ? *sk->progs[i].link : NULL;

		if (!l)
			continue;
		r = self_add(s, fd, ZJ_SELF_LINK, bpf_link__fd(l));
		if (r < 0)
			return r;
	}
	return 0;
}

int zj_sensor_exec_deny_fd(const struct zj_sensor *s)
{
	return s->lsm ? bpf_map__fd(s->skel->maps.zj_exec_deny) : -1;
}

size_t zj_sensor_self_ids(const struct zj_sensor *s, uint32_t kind, const uint32_t **ret)
{
	if (kind < ZJ_SELF_MAP || kind > ZJ_SELF_LINK)
		return 0;
	*ret = s->self_ids[kind - 1];
	return s->self_n[kind - 1];
}

static int apply_config(struct zj_sensor *s, const struct zj_sensor_opts *o)
{
	int r;

	r = set_manager(s);
	if (r == 0)
		r = zj_sensor_set_config(s, ZJ_CFG_DAEMON_TGID, (uint64_t)getpid());
	if (r == 0)
		r = zj_sensor_set_config(s, ZJ_CFG_PTRACE_LO, o->ptrace_lo);
	if (r == 0)
		r = zj_sensor_set_config(s, ZJ_CFG_PTRACE_HI, o->ptrace_hi);
	if (r == 0)
		r = zj_sensor_set_config(s, ZJ_CFG_WAKEUP_BYTES, o->wakeup_bytes);
	if (r == 0 && o->watch)
		r = zj_sensor_set_config(s, ZJ_CFG_WATCH_DEPTH, o->watch->max_depth);
	return r;
}

int zj_sensor_start(const struct zj_sensor_opts *o, const struct zj_features *feat,
		    struct zj_sensor **ret)
{
	struct zj_sensor *s;
	struct bpf_program *prog;
	int r, inodes, names, prefix;

	if (!feat->btf)
		return log_error_errno(-ENOTSUP,
				       "The running kernel has no BTF (/sys/kernel/btf/vmlinux is "
				       "missing): zhijia's CO-RE programs need a kernel built with "
				       "CONFIG_DEBUG_INFO_BTF=y");
	if (!feat->ringbuf || !feat->tp_btf || !feat->bpf_loop)
		return log_error_errno(-ENOTSUP,
				       "The running kernel lacks %s%s%s, which this build of zhijiad "
				       "needs (Linux 5.17 or later)",
				       feat->ringbuf ? "" : "the BPF ring buffer ",
				       feat->tp_btf ? "" : "BTF tracepoints ",
				       feat->bpf_loop ? "" : "bpf_loop()");
	s = calloc(1, sizeof(*s));
	if (!s)
		return log_error_errno(-ENOMEM, "Out of memory");

	s->skel = zhijia__open();
	if (!s->skel) {
		r = log_error_errno(negative_errno(), "Failed to open the BPF object: %m");
		goto fail;
	}
	if (s->skel->rodata->zj_abi_version != ZJ_ABI_VERSION) {
		r = log_error_errno(-EPROTO, "BPF object ABI %u, daemon ABI %u: rebuild zhijia",
				    s->skel->rodata->zj_abi_version, ZJ_ABI_VERSION);
		goto fail;
	}
	r = bpf_map__set_max_entries(s->skel->maps.zj_rb, o->ringbuf_bytes);
	if (r < 0) {
		r = log_error_errno(r, "Failed to size the ring buffer to %u bytes: %m",
				    o->ringbuf_bytes);
		goto fail;
	}
	/*
	 * Choose programs.  The LSM programs load only where BPF LSM is active: elsewhere they
	 * would fail the whole load, and where bpf is not in lsm= they would attach and never
	 * run.  Then the programs whose tracepoint this kernel lacks (fchmodat2 before 6.6, open
	 * on arm64).
	 */
	s->lsm = feat->lsm_listed && feat->lsm_loads;
	bpf_object__for_each_program(prog, s->skel->obj) {
		if (strncmp(bpf_program__section_name(prog), "lsm/", 4) == 0) {
			bpf_program__set_autoload(prog, s->lsm);
			continue;
		}
		if (tracepoint_exists(bpf_program__section_name(prog)))
			continue;
		bpf_program__set_autoload(prog, false);
		s->skipped++;
		if (strlen(s->skipped_names) + strlen(bpf_program__name(prog)) + 2 <
		    sizeof(s->skipped_names)) {
			if (s->skipped_names[0])
				strcat(s->skipped_names, " ");
			strcat(s->skipped_names, bpf_program__name(prog));
		}
	}
	r = zhijia__load(s->skel);
	if (r < 0) {
		r = log_error_errno(r, "Failed to load the BPF programs: %m (run with --verbose "
				       "for the verifier's log)");
		goto fail;
	}
	r = apply_config(s, o);
	if (r < 0) {
		r = log_error_errno(r, "Failed to configure the BPF programs: %m");
		goto fail;
	}
	if (o->watch) {
		zj_sensor_watch_fds(s, &inodes, &names, &prefix);
		r = zj_watch_apply(o->watch, inodes, names, prefix);
		if (r < 0) {
			r = log_error_errno(r, "Failed to fill the watched-path maps: %m");
			goto fail;
		}
	}
	/* the enforcement maps are filled before the LSM programs attach */
	if (o->prepare) {
		r = o->prepare(o->ctx, s);
		if (r < 0)
			goto fail; /* logged by the callback */
	}
	r = zhijia__attach(s->skel);
	if (r < 0) {
		r = log_error_errno(r, "Failed to attach the BPF programs: %m");
		goto fail;
	}
	bpf_object__for_each_program(prog, s->skel->obj)
		if (bpf_program__autoload(prog))
			s->attached++;
	r = protect_self(s);
	if (r < 0) {
		r = log_error_errno(r, "Failed to list zhijiad's BPF objects for self-protection: %m");
		goto fail;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.zj_rb),
				 (ring_buffer_sample_fn)o->on_record, o->ctx, NULL);
	if (!s->rb) {
		r = log_error_errno(negative_errno(), "Failed to open the ring buffer: %m");
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	zj_sensor_free(s);
	return r;
}

void zj_sensor_free(struct zj_sensor *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	zhijia__destroy(s->skel); /* detaches every program */
	free(s);
}

int zj_sensor_fd(const struct zj_sensor *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int zj_sensor_consume(struct zj_sensor *s)
{
	return ring_buffer__consume(s->rb);
}

int zj_sensor_stats(const struct zj_sensor *s, uint64_t ret[ZJ_STAT_NR])
{
	int ncpu = libbpf_num_possible_cpus();
	_cleanup_free_ uint64_t *vals = NULL;
	uint32_t i;
	int c;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < ZJ_STAT_NR; i++) {
		ret[i] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.zj_stats), &i, vals) < 0)
			return negative_errno();
		for (c = 0; c < ncpu; c++)
			ret[i] += vals[c];
	}
	return 0;
}

bool zj_sensor_lsm(const struct zj_sensor *s)
{
	return s->lsm;
}

void zj_sensor_enforce_fds(const struct zj_sensor *s, int *enforce, int *exceptions)
{
	*enforce = bpf_map__fd(s->skel->maps.zj_enforce);
	*exceptions = bpf_map__fd(s->skel->maps.zj_exceptions);
}

void zj_sensor_watch_fds(const struct zj_sensor *s, int *inodes, int *names, int *prefix)
{
	*inodes = bpf_map__fd(s->skel->maps.zj_watch_inodes);
	*names = bpf_map__fd(s->skel->maps.zj_watch_names);
	*prefix = bpf_map__fd(s->skel->maps.zj_watch_prefix);
}

int zj_sensor_set_config(struct zj_sensor *s, uint32_t idx, uint64_t value)
{
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.zj_config), &idx, &value, BPF_ANY) < 0)
		return negative_errno();
	return 0;
}

void zj_sensor_counts(const struct zj_sensor *s, int *attached, int *skipped, char *names,
		      size_t len)
{
	*attached = s->attached;
	*skipped = s->skipped;
	snprintf(names, len, "%s", s->skipped_names);
}
