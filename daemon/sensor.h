/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sensor: probes the kernel, loads the BPF skeleton, attaches it and hands every
 * ring-buffer record to a callback.  Lifecycle in distinct steps (libbpf-tools' checklist):
 * open -> configure -> choose programs -> load -> attach -> ring buffer.
 */
#ifndef ZHIJIA_SENSOR_H
#define ZHIJIA_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zhijia/bpf_abi.h"

struct zj_features {
	char kernel[160];     /* uname release and machine */
	bool btf;             /* /sys/kernel/btf/vmlinux */
	bool ringbuf;         /* BPF_MAP_TYPE_RINGBUF */
	bool perfbuf;         /* BPF_MAP_TYPE_PERF_EVENT_ARRAY and bpf_perf_event_output() */
	bool tp_btf;          /* BTF-typed tracepoints load */
	bool bpf_loop;        /* bpf_loop() helper */
	bool task_btf;        /* bpf_get_current_task_btf() (5.11): direct reads of the task */
	bool rdonly_cast;     /* bpf_rdonly_cast() (6.2): direct reads of any kernel object */
	bool send_signal;     /* bpf_send_signal() from tracepoint programs */
	bool lsm_listed;      /* "bpf" in /sys/kernel/security/lsm */
	bool lsm_loads;       /* a BPF LSM program loads and attaches */
	char lsm_why[160];    /* why BPF LSM is not usable, in words */
};

/* Mount tracefs, bpffs and securityfs where they are missing. 0 or -errno (logged). */
int zj_sensor_mounts(void);

/* Probe what the running kernel offers.  Never fails: absent features are false. */
void zj_sensor_probe(struct zj_features *ret);

/*
 * Act as if the kernel lacked a feature, for tests of what older kernels get: "btf" (no
 * /sys/kernel/btf/vmlinux: no BTF tracepoints, no BPF LSM, BTF from a file), "ringbuf",
 * "send_signal", "bpf_loop" or "lsm".  0, or -EINVAL for another name.
 */
int zj_sensor_forget(struct zj_features *f, const char *feature);

/* "btf=yes ringbuf=yes ..." for the start-up line and `zhijiactl status`. */
void zj_features_format(const struct zj_features *f, char *buf, size_t len);

struct zj_watch;
struct zj_sensor;

enum zj_transport {
	ZJ_TRANSPORT_AUTO,    /* the ring buffer where the kernel has one, else the perf buffer */
	ZJ_TRANSPORT_RINGBUF, /* BPF_MAP_TYPE_RINGBUF (5.8+) */
	ZJ_TRANSPORT_PERFBUF, /* BPF_MAP_TYPE_PERF_EVENT_ARRAY, one ring per CPU */
};

/* Where BTF for kernels built without it is looked for: DIR/$(uname -r).btf */
#define ZJ_BTF_DIR "/var/lib/zhijia/btf"

struct zj_sensor_opts {
	uint32_t ringbuf_bytes;   /* power of two >= page size; the perf buffer's total too */
	enum zj_transport transport;
	const char *btf_path;     /* --btf: the kernel's BTF from this file; NULL: probe */
	const char *btf_dir;      /* NULL: ZJ_BTF_DIR */
	bool probe_each;          /* load each program alone first, to find what the kernel refuses */
	bool verbose;             /* keep libbpf's messages while probing programs */
	uint32_t wakeup_bytes;    /* bulk records wake the daemon past this much */
	uint64_t ptrace_lo;       /* ZJ_CFG_PTRACE_LO */
	uint64_t ptrace_hi;       /* ZJ_CFG_PTRACE_HI */
	const struct zj_watch *watch; /* pushed into the kernel's maps before attach */
	/* called for each record, in ring-buffer order; non-zero stops consumption */
	int (*on_record)(void *ctx, const void *data, size_t size);
	/* called after load, before attach (fill the enforcement maps); < 0 stops, logged */
	int (*prepare)(void *ctx, struct zj_sensor *s);
	void *ctx;
};

/* Open, configure, load and attach.  Errors are logged in one line each, with the cure. */
int zj_sensor_start(const struct zj_sensor_opts *opts, const struct zj_features *feat,
		    struct zj_sensor **ret);
void zj_sensor_free(struct zj_sensor *s);

/* fd to poll for records */
int zj_sensor_fd(const struct zj_sensor *s);
/* Consume every record available now; returns the count or -errno. */
int zj_sensor_consume(struct zj_sensor *s);
/* Summed per-CPU counters (ZJ_STAT_*). */
int zj_sensor_stats(const struct zj_sensor *s, uint64_t ret[ZJ_STAT_NR]);
/* Are the BPF LSM programs loaded and attached (feat: lsm_listed && lsm_loads)? */
bool zj_sensor_lsm(const struct zj_sensor *s);
/* fds of zj_enforce and zj_exceptions, for zj_enforce_sync() */
void zj_sensor_enforce_fds(const struct zj_sensor *s, int *enforce, int *exceptions);
/* fds of the watch maps, for zj_watch_apply() */
void zj_sensor_watch_fds(const struct zj_sensor *s, int *inodes, int *names, int *prefix);
int zj_sensor_set_config(struct zj_sensor *s, uint32_t idx, uint64_t value);
/* fd of zj_exec_deny, where the BPF LSM programs are attached; -1 otherwise. */
int zj_sensor_exec_deny_fd(const struct zj_sensor *s);
/* The ids of zhijiad's own BPF maps, programs or links (kind ZJ_SELF_*), as self-protection
 * knows them; returns how many. */
size_t zj_sensor_self_ids(const struct zj_sensor *s, uint32_t kind, const uint32_t **ret);
/* "ringbuf" or "perfbuf" */
const char *zj_sensor_transport(const struct zj_sensor *s);
/* "kernel" or "file:PATH" */
const char *zj_sensor_btf(const struct zj_sensor *s);
/* Programs not loaded because this kernel cannot run them: "name (why), ..." or "none". */
const char *zj_sensor_dropped(const struct zj_sensor *s);
/* "transport ringbuf; BTF kernel; dropped: none" for the start-up line. */
void zj_sensor_describe(const struct zj_sensor *s, char *buf, size_t len);
/* Add "transport", "btf" and "programs_dropped" to a `zhijiactl status` object (json-c). */
struct json_object;
void zj_sensor_status_json(const struct zj_sensor *s, struct json_object *o);
/* How many programs are attached / were left out (tracepoint absent on this kernel). */
void zj_sensor_counts(const struct zj_sensor *s, int *attached, int *skipped, char *skipped_names,
		      size_t len);

#endif /* ZHIJIA_SENSOR_H */
