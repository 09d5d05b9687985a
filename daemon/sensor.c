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
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <limits.h>

#include "log.h"
#include "proctab.h"
#include "ringbuf.h"
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

#define ZJ_DROP_MAX 128

/*
 * The perf buffer has one ring per CPU, and libbpf drains them one after the other: a process
 * that exec'd on one CPU and then ptraced on another would be seen to ptrace first, under its
 * old name.  So the samples of a drain are copied here and handed on sorted by their kernel
 * timestamp, as the one ring buffer would have ordered them.  The buffers are kept and reused
 * (no allocation per record); what a budgeted consume leaves is delivered first next time.
 */
struct zj_pent {
	uint64_t ktime;
	uint64_t seq; /* arrival order: ties keep it */
	size_t off;
	uint32_t len;
	uint32_t _pad;
};

struct zj_pbatch {
	char *buf;
	size_t used, cap;
	struct zj_pent *ent;
	size_t n, cap_n, next;
	uint64_t seq;
	int oom; /* samples dropped for want of memory in this drain */
};

struct zj_sensor {
	struct zhijia *skel;
	struct zj_ring *rb;
	struct perf_buffer *pb;	 /* instead of rb where the kernel has no ring buffer */
	int (*on_record)(void *ctx, const void *data, size_t size);
	void *ctx;
	struct zj_pbatch batch;	 /* perf samples of all CPUs, delivered in time order */
	uint64_t pb_lost;	 /* samples the kernel says it could not write */
	bool perfbuf;
	bool can_signal;
	bool can_loop;
	bool task_btf;
	bool rdonly_cast;	 /* load the _rc twins (common.bpf.h: zj_rc()) */
	const char *btf_custom;	 /* BTF file for CO-RE, or NULL: the kernel's */
	char btf_src[PATH_MAX + 8];
	int ndropped;
	char drop_name[ZJ_DROP_MAX][64];
	char drop_why[ZJ_DROP_MAX][96];
	char dropped[2048];
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
	f->perfbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERF_EVENT_ARRAY, NULL) == 1 &&
		     libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_perf_event_output,
					     NULL) == 1;
	f->bpf_loop = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop, NULL) == 1;
	f->send_signal =
		libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal, NULL) == 1;
	if (f->btf) {
		f->tp_btf = probe_one("zj_probe_tp_btf", false) == 0;
		f->task_btf = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
						      BPF_FUNC_get_current_task_btf, NULL) == 1;
		f->rdonly_cast = probe_one("zj_probe_rdonly_cast", false) == 0;
	}
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

int zj_sensor_forget(struct zj_features *f, const char *feature)
{
	if (strcmp(feature, "btf") == 0) {
		/* BTF tracepoints and BPF LSM programs attach by the kernel's own BTF ids */
		f->btf = false;
		f->tp_btf = false;
		f->task_btf = false;
		f->rdonly_cast = false;
		f->lsm_loads = false;
		snprintf(f->lsm_why, sizeof(f->lsm_why), "no BTF in the kernel");
	} else if (strcmp(feature, "ringbuf") == 0) {
		f->ringbuf = false;
	} else if (strcmp(feature, "send_signal") == 0) {
		f->send_signal = false;
	} else if (strcmp(feature, "bpf_loop") == 0) {
		f->bpf_loop = false;
	} else if (strcmp(feature, "lsm") == 0) {
		f->lsm_loads = false;
		snprintf(f->lsm_why, sizeof(f->lsm_why), "BPF LSM left out (--without lsm)");
	} else {
		return -EINVAL;
	}
	return 0;
}

void zj_features_format(const struct zj_features *f, char *buf, size_t len)
{
	bool lsm = f->lsm_listed && f->lsm_loads;

	snprintf(buf, len,
		 "btf=%s ringbuf=%s tp_btf=%s task_btf=%s rdonly_cast=%s bpf_loop=%s send_signal=%s "
		 "lsm=%s%s%s%s",
		 f->btf ? "yes" : "no", f->ringbuf ? "yes" : "no", f->tp_btf ? "yes" : "no",
		 f->task_btf ? "yes" : "no", f->rdonly_cast ? "yes" : "no", f->bpf_loop ? "yes" : "no",
		 f->send_signal ? "yes" : "no", lsm ? "yes" : "no",
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

/*
 * BTF for CO-RE: the kernel's own, or a file -- --btf PATH, else DIR/$(uname -r).btf, the way
 * BTFHub ships BTF for kernels built without it (its archives unpack to "<release>.btf").
 * The file must parse and describe task_struct; whether it is this kernel's, only the
 * relocations can tell (they fail the load when it is not).
 */
static int choose_btf(struct zj_sensor *s, const struct zj_sensor_opts *o,
		      const struct zj_features *feat)
{
	const char *dir = o->btf_dir ? o->btf_dir : ZJ_BTF_DIR;
	char path[PATH_MAX];
	struct utsname u;
	struct btf *btf;
	int r;

	if (!o->btf_path && feat->btf) {
		snprintf(s->btf_src, sizeof(s->btf_src), "kernel");
		return 0;
	}
	if (o->btf_path) {
		snprintf(path, sizeof(path), "%s", o->btf_path);
	} else {
		if (uname(&u) < 0)
			return log_error_errno(negative_errno(), "uname failed: %m");
		r = snprintf(path, sizeof(path), "%s/%s.btf", dir, u.release);
		if (r < 0 || (size_t)r >= sizeof(path))
			return log_error_errno(-ENAMETOOLONG, "BTF directory name too long: %s",
					       dir);
		if (access(path, R_OK) < 0)
			return log_error_errno(-ENOTSUP,
					       "The running kernel has no BTF (/sys/kernel/btf/vmlinux "
					       "is missing) and there is no %s: put this kernel's BTF "
					       "there (BTFHub's <release>.btf, or `bpftool gen "
					       "min_core_btf`), or pass --btf PATH",
					       path);
	}
	btf = btf__parse(path, NULL);
	if (!btf)
		return log_error_errno(negative_errno(), "Failed to read BTF from %s: %m", path);
	r = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
	btf__free(btf);
	if (r < 0)
		return log_error_errno(-EINVAL, "%s is not a kernel's BTF (no struct task_struct)",
				       path);
	snprintf(s->btf_src, sizeof(s->btf_src), "file:%s", path);
	s->btf_custom = s->btf_src + 5;
	return 0;
}

static int choose_transport(struct zj_sensor *s, const struct zj_sensor_opts *o,
			    const struct zj_features *feat)
{
	switch (o->transport) {
	case ZJ_TRANSPORT_RINGBUF:
		if (!feat->ringbuf)
			return log_error_errno(-ENOTSUP, "--transport ringbuf: the running kernel "
							 "has no BPF ring buffer (Linux 5.8)");
		s->perfbuf = false;
		return 0;
	case ZJ_TRANSPORT_PERFBUF:
		if (!feat->perfbuf)
			return log_error_errno(-ENOTSUP, "--transport perfbuf: the running kernel "
							 "has no BPF perf buffer");
		s->perfbuf = true;
		return 0;
	case ZJ_TRANSPORT_AUTO:
	default:
		if (!feat->ringbuf && !feat->perfbuf)
			return log_error_errno(-ENOTSUP, "The running kernel has neither a BPF ring "
							 "buffer nor a perf buffer: nothing can "
							 "carry events to zhijiad");
		s->perfbuf = !feat->ringbuf;
		return 0;
	}
}

static bool is_dropped(const struct zj_sensor *s, const char *name)
{
	for (int i = 0; i < s->ndropped; i++)
		if (strcmp(s->drop_name[i], name) == 0)
			return true;
	return false;
}

static void drop(struct zj_sensor *s, const char *name, const char *why)
{
	if (is_dropped(s, name) || s->ndropped >= ZJ_DROP_MAX)
		return;
	snprintf(s->drop_name[s->ndropped], sizeof(s->drop_name[0]), "%s", name);
	snprintf(s->drop_why[s->ndropped], sizeof(s->drop_why[0]), "%s", why);
	s->ndropped++;
}

/* Open the object with the chosen BTF, transport and signal support, before load. */
static int open_skel(const struct zj_sensor *s, uint32_t ringbuf_bytes, struct zhijia **ret)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = s->btf_custom);
	struct zhijia *skel;
	int r;

	skel = zhijia__open_opts(&oo);
	if (!skel)
		return log_error_errno(negative_errno(), "Failed to open the BPF object: %m");
	if (skel->rodata->zj_abi_version != ZJ_ABI_VERSION) {
		r = log_error_errno(-EPROTO, "BPF object ABI %u, daemon ABI %u: rebuild zhijia",
				    skel->rodata->zj_abi_version, ZJ_ABI_VERSION);
		goto fail;
	}
	skel->rodata->zj_perfbuf = s->perfbuf;
	skel->rodata->zj_can_signal = s->can_signal;
	skel->rodata->zj_can_loop = s->can_loop;
	skel->rodata->zj_task_btf = s->task_btf;
	skel->rodata->zj_lsm_on = s->lsm;
	if (s->perfbuf) {
		/*
		 * The programs still name zj_rb (in branches the verifier drops): a map must
		 * stand behind the name, and a ring buffer cannot be created before 5.8.
		 */
		r = bpf_map__set_type(skel->maps.zj_rb, BPF_MAP_TYPE_ARRAY);
		if (r == 0)
			r = bpf_map__set_key_size(skel->maps.zj_rb, sizeof(uint32_t));
		if (r == 0)
			r = bpf_map__set_value_size(skel->maps.zj_rb, sizeof(uint32_t));
		if (r == 0)
			r = bpf_map__set_max_entries(skel->maps.zj_rb, 1);
		if (r < 0) {
			r = log_error_errno(r, "Failed to stand in for the ring buffer: %m");
			goto fail;
		}
	} else {
		r = bpf_map__set_max_entries(skel->maps.zj_rb, ringbuf_bytes);
		if (r < 0) {
			r = log_error_errno(r, "Failed to size the ring buffer to %u bytes: %m",
					    ringbuf_bytes);
			goto fail;
		}
	}
	*ret = skel;
	return 0;
fail:
	zhijia__destroy(skel);
	return r;
}

static bool is_tp_btf(const struct bpf_program *prog)
{
	return strncmp(bpf_program__section_name(prog), "tp_btf/", 7) == 0;
}

/* Does prog's name end in sfx, with something before it? */
static bool name_ends_in(const struct bpf_program *prog, const char *sfx)
{
	const char *n = bpf_program__name(prog);
	size_t l = strlen(n), k = strlen(sfx);

	return l > k && strcmp(n + l - k, sfx) == 0;
}

/* The classic-tracepoint stand-ins for tp_btf programs (proc_tp.bpf.c): names end in _tp. */
static bool is_tp_alternative(const struct bpf_program *prog)
{
	return name_ends_in(prog, "_tp");
}

/*
 * Programs that only tell whether BPF LSM denied a syscall: without it their records go out at
 * entry (common.bpf.h: zj_lsm_on), and an attached program would still be run on every call.
 */
static bool lsm_outcome_only(const char *name)
{
	return strcmp(name, "zj_exit_process_vm_writev") == 0;
}

/* The plain-load twins of the /proc/<pid>/mem write programs (mem.bpf.c): names end in _rc. */
static bool is_rc_twin(const struct bpf_program *prog)
{
	return name_ends_in(prog, "_rc");
}

/* Does prog have an _rc twin that may load (one the kernel did not refuse)? */
static bool rc_twin_loads(const struct zj_sensor *s, const struct bpf_object *obj,
			  const struct bpf_program *prog)
{
	char twin[64];
	int l = snprintf(twin, sizeof(twin), "%s_rc", bpf_program__name(prog));

	return l > 0 && (size_t)l < sizeof(twin) && !is_dropped(s, twin) &&
	       bpf_object__find_program_by_name(obj, twin);
}

/*
 * Choose programs.  The LSM programs load only where BPF LSM is active: elsewhere they would
 * fail the whole load, and where bpf is not in lsm= they would attach and never run.  BTF
 * tracepoints where the kernel has them, else their classic stand-ins; the _rc twins where
 * bpf_rdonly_cast() is usable, else (or where the kernel refused a twin) the others.  Not the
 * programs whose tracepoint this kernel lacks (fchmodat2 before 6.6, open on arm64), nor those
 * it refused.
 * Counts and names only when count is set (the final object).
 */
static void choose_programs(struct zj_sensor *s, struct zhijia *skel,
			    const struct zj_features *feat, bool count)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);

		if (strncmp(bpf_program__section_name(prog), "lsm/", 4) == 0) {
			bpf_program__set_autoload(prog, s->lsm);
			continue;
		}
		if (!s->lsm && lsm_outcome_only(name)) {
			bpf_program__set_autoload(prog, false);
			continue;
		}
		if (is_tp_btf(prog) && !feat->tp_btf) {
			bpf_program__set_autoload(prog, false);
			if (count)
				drop(s, name, "no BTF tracepoints");
			continue;
		}
		if (is_tp_alternative(prog) && feat->tp_btf) {
			bpf_program__set_autoload(prog, false); /* its tp_btf twin runs */
			continue;
		}
		if (is_rc_twin(prog) ? !s->rdonly_cast
				     : s->rdonly_cast && rc_twin_loads(s, skel->obj, prog)) {
			bpf_program__set_autoload(prog, false); /* its twin runs */
			continue;
		}
		if (is_dropped(s, name)) {
			bpf_program__set_autoload(prog, false);
			continue;
		}
		if (tracepoint_exists(bpf_program__section_name(prog)))
			continue;
		bpf_program__set_autoload(prog, false);
		if (!count)
			continue;
		s->skipped++;
		if (strlen(s->skipped_names) + strlen(name) + 2 < sizeof(s->skipped_names)) {
			if (s->skipped_names[0])
				strcat(s->skipped_names, " ");
			strcat(s->skipped_names, name);
		}
	}
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/*
 * Offer each chosen program to the kernel alone, in an object of its own (a failed load
 * cannot be retried on the same object), and drop those it refuses -- a helper it lacks
 * (bpf_loop before 5.17), a program type it does not allow, a verifier it does not satisfy.
 * The ring buffer is made small: only loading is tried.  libbpf's own messages are kept for
 * --verbose, where the verifier's log says why.
 */
static int probe_programs(struct zj_sensor *s, const struct zj_features *feat, bool verbose)
{
	struct zhijia *all = NULL, *one = NULL;
	struct bpf_program *prog, *p;
	libbpf_print_fn_t old = NULL;
	char why[96];
	int r, tried = 0;

	r = open_skel(s, (uint32_t)sysconf(_SC_PAGESIZE), &all);
	if (r < 0)
		return r;
	choose_programs(s, all, feat, false);
	if (!verbose)
		old = libbpf_set_print(silent_print);
	bpf_object__for_each_program(prog, all->obj) {
		const char *name = bpf_program__name(prog);

		if (!bpf_program__autoload(prog))
			continue;
		r = open_skel(s, (uint32_t)sysconf(_SC_PAGESIZE), &one);
		if (r < 0)
			goto out;
		bpf_object__for_each_program(p, one->obj)
			bpf_program__set_autoload(p, strcmp(bpf_program__name(p), name) == 0);
		r = zhijia__load(one);
		tried++;
		if (r < 0) {
			snprintf(why, sizeof(why), "the kernel refused it: %s", strerror(-r));
			drop(s, name, why);
		}
		zhijia__destroy(one);
		one = NULL;
	}
	r = 0;
out:
	if (!verbose)
		libbpf_set_print(old);
	zhijia__destroy(all);
	if (r == 0)
		log_info("probed %d BPF programs one by one: %d refused", tried, s->ndropped);
	return r;
}

static void format_dropped(struct zj_sensor *s)
{
	size_t len = 0;

	s->dropped[0] = '\0';
	for (int i = 0; i < s->ndropped && len < sizeof(s->dropped); i++) {
		int n = snprintf(s->dropped + len, sizeof(s->dropped) - len, "%s%s (%s)",
				 i ? ", " : "", s->drop_name[i], s->drop_why[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (!s->ndropped)
		snprintf(s->dropped, sizeof(s->dropped), "none");
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct zj_sensor *s = ctx;

	return s->on_record(s->ctx, data, size);
}

/*
 * A perf sample is padded to 8 bytes: the record is kept at the size its header says, so that
 * the decoder sees exactly what the ring buffer would have carried.
 */
static void on_perf_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct zj_sensor *s = ctx;
	struct zj_pbatch *b = &s->batch;
	struct zj_rec_hdr h = {0};
	size_t n = size;

	if (size >= sizeof(h)) {
		memcpy(&h, data, sizeof(h));
		if (h.size >= sizeof(h) && h.size <= size)
			n = h.size;
	}
	if (b->used + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		char *p;

		while (cap < b->used + n)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p) {
			b->oom++;
			return;
		}
		b->buf = p;
		b->cap = cap;
	}
	if (b->n == b->cap_n) {
		size_t cap = b->cap_n ? b->cap_n * 2 : 1024;
		struct zj_pent *e = reallocarray(b->ent, cap, sizeof(*e));

		if (!e) {
			b->oom++;
			return;
		}
		b->ent = e;
		b->cap_n = cap;
	}
	memcpy(b->buf + b->used, data, n);
	b->ent[b->n++] = (struct zj_pent){
		.ktime = h.ktime_ns, .seq = b->seq++, .off = b->used, .len = (uint32_t)n};
	b->used += n;
}

static int pent_cmp(const void *a, const void *b)
{
	const struct zj_pent *x = a, *y = b;

	if (x->ktime != y->ktime)
		return x->ktime < y->ktime ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void on_perf_lost(void *ctx, int cpu, __u64 cnt)
{
	struct zj_sensor *s = ctx;

	s->pb_lost += cnt;
}

/* Per-CPU perf rings that together take about the ring buffer's size, at least 8 pages each. */
static size_t perf_pages(uint32_t total)
{
	long page = sysconf(_SC_PAGESIZE);
	int ncpu = libbpf_num_possible_cpus();
	size_t per, pages = 8;

	if (page <= 0 || ncpu <= 0)
		return pages;
	per = total / (size_t)ncpu / (size_t)page;
	while (pages * 2 <= per)
		pages *= 2;
	return pages;
}

int zj_sensor_start(const struct zj_sensor_opts *o, const struct zj_features *feat,
		    struct zj_sensor **ret)
{
	struct zj_sensor *s;
	struct bpf_program *prog;
	int r, inodes, names, prefix;

	s = calloc(1, sizeof(*s));
	if (!s)
		return log_error_errno(-ENOMEM, "Out of memory");
	s->on_record = o->on_record;
	s->ctx = o->ctx;
	s->can_signal = feat->send_signal;
	s->can_loop = feat->bpf_loop;
	s->lsm = feat->lsm_listed && feat->lsm_loads;
	r = choose_btf(s, o, feat);
	if (r < 0)
		goto fail;
	/* a BTF file for CO-RE says nothing of what the verifier knows: the kernel's own only */
	s->task_btf = feat->task_btf && !s->btf_custom;
	s->rdonly_cast = feat->rdonly_cast && !s->btf_custom;
	r = choose_transport(s, o, feat);
	if (r < 0)
		goto fail;
	if (o->probe_each) {
		r = probe_programs(s, feat, o->verbose);
		if (r < 0)
			goto fail;
	}
	for (int attempt = 0;; attempt++) {
		r = open_skel(s, o->ringbuf_bytes, &s->skel);
		if (r < 0)
			goto fail;
		choose_programs(s, s->skel, feat, true);
		r = zhijia__load(s->skel);
		if (r == 0)
			break;
		if (attempt > 0 || o->probe_each) {
			r = log_error_errno(r, "Failed to load the BPF programs: %m (run with "
					       "--verbose for the verifier's log)");
			goto fail;
		}
		/* something here is more than this kernel takes: find it, load the rest */
		log_warning_errno(r, "Failed to load the BPF programs at once: %m; trying them "
				     "one by one");
		zhijia__destroy(s->skel);
		s->skel = NULL;
		s->skipped = 0;
		s->skipped_names[0] = '\0';
		r = probe_programs(s, feat, o->verbose);
		if (r < 0)
			goto fail;
	}
	format_dropped(s);
	if (s->ndropped)
		log_warning("BPF programs not loaded, this kernel cannot run them: %s", s->dropped);
	r = apply_config(s, o);
	if (r < 0) {
		r = log_error_errno(r, "Failed to configure the BPF programs: %m");
		goto fail;
	}
	/*
	 * The reader before attach: a perf sample with no reader on its CPU is refused (and
	 * counted lost), where the ring buffer would have kept it.
	 */
	if (s->perfbuf) {
		s->pb = perf_buffer__new(bpf_map__fd(s->skel->maps.zj_pb),
					 perf_pages(o->ringbuf_bytes), on_perf_sample, on_perf_lost,
					 s, NULL);
		if (!s->pb) {
			r = log_error_errno(negative_errno(), "Failed to open the perf buffer: %m");
			goto fail;
		}
	} else {
		r = zj_ring_new(bpf_map__fd(s->skel->maps.zj_rb), on_ringbuf, s, &s->rb);
		if (r < 0) {
			r = log_error_errno(r, "Failed to open the ring buffer: %m");
			goto fail;
		}
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
	zj_ring_free(s->rb);
	perf_buffer__free(s->pb);
	free(s->batch.buf);
	free(s->batch.ent);
	zhijia__destroy(s->skel); /* detaches every program */
	free(s);
}

int zj_sensor_fd(const struct zj_sensor *s)
{
	return s->pb ? perf_buffer__epoll_fd(s->pb) : zj_ring_epoll_fd(s->rb);
}

/*
 * Drain every CPU's ring into the batch, sort it by time and deliver it; on_record's non-zero
 * answer (the daemon's budget) stops delivery, and the rest waits for the next call.
 */
static int consume_perf(struct zj_sensor *s)
{
	struct zj_pbatch *b = &s->batch;
	size_t cnt = perf_buffer__buffer_cnt(s->pb);
	int r, delivered = 0;

	if (b->next == b->n) {
		b->n = b->next = b->used = 0;
		b->oom = 0;
		for (size_t i = 0; i < cnt; i++) {
			r = perf_buffer__consume_buffer(s->pb, i);
			if (r < 0 && r != -ENOENT)
				return r;
		}
		if (b->oom) {
			s->pb_lost += (uint64_t)b->oom;
			log_warning("perf buffer: %d records dropped, out of memory", b->oom);
		}
		if (b->n > 1)
			qsort(b->ent, b->n, sizeof(*b->ent), pent_cmp);
	}
	while (b->next < b->n) {
		const struct zj_pent *e = &b->ent[b->next++];

		delivered++;
		r = s->on_record(s->ctx, b->buf + e->off, e->len);
		if (r)
			return r;
	}
	return delivered;
}

int zj_sensor_consume(struct zj_sensor *s)
{
	return s->pb ? consume_perf(s) : zj_ring_consume(s->rb);
}

const char *zj_sensor_transport(const struct zj_sensor *s)
{
	return s->perfbuf ? "perfbuf" : "ringbuf";
}

const char *zj_sensor_btf(const struct zj_sensor *s)
{
	return s->btf_src;
}

const char *zj_sensor_dropped(const struct zj_sensor *s)
{
	return s->dropped;
}

void zj_sensor_describe(const struct zj_sensor *s, char *buf, size_t len)
{
	snprintf(buf, len, "transport %s; BTF %s; %d programs not loaded%s%s", zj_sensor_transport(s),
		 s->btf_src, s->ndropped, s->ndropped ? ": " : "", s->ndropped ? s->dropped : "");
}

void zj_sensor_status_json(const struct zj_sensor *s, struct json_object *o)
{
	json_object *a = json_object_new_array();

	json_object_object_add(o, "transport", json_object_new_string(zj_sensor_transport(s)));
	json_object_object_add(o, "btf", json_object_new_string(s->btf_src));
	for (int i = 0; a && i < s->ndropped; i++) {
		json_object *e = json_object_new_object();

		if (!e)
			break;
		json_object_object_add(e, "name", json_object_new_string(s->drop_name[i]));
		json_object_object_add(e, "why", json_object_new_string(s->drop_why[i]));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "programs_dropped", a);
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
	/*
	 * The programs count what bpf_perf_event_output() refused; kernels before 5.3 return 0
	 * there and only tell user space.  Both count the same samples: the larger is right.
	 */
	if (s->pb_lost > ret[ZJ_STAT_LOST])
		ret[ZJ_STAT_LOST] = s->pb_lost;
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
