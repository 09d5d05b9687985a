/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writes the decoder's seed corpus: one well-formed record of each type, as the kernel
 * builds them (tests/fuzz/corpus/decode/).  Run by hand when the ABI changes:
 *   cc -Iinclude tests/fuzz/mkseeds.c -o /tmp/mkseeds && /tmp/mkseeds tests/fuzz/corpus/decode
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/bpf_abi.h"

static char buf[ZJ_REC_MAX_SIZE];

static void hdr(struct zj_rec_hdr *h, unsigned type, size_t size)
{
	h->type = (zj_u16)type;
	h->size = (zj_u16)size;
	h->ktime_ns = 123456789;
	h->tgid = h->tid = 4242;
	h->ppid = 1;
	h->start_ns = 1000;
	strcpy(h->comm, "python3");
}

static void out(const char *dir, const char *name, size_t size)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, size, f) != size || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t n;

	if (argc != 2)
		return 2;
	{
		struct zj_rec_exec *x = (void *)buf;
		const char d[] = "/tmp/x\0/tmp/x\0x\0-c\0evil\0/tmp/e.so";

		memset(buf, 0, sizeof(buf));
		n = sizeof(*x) + sizeof(d);
		hdr(&x->hdr, ZJ_REC_EXEC, n);
		x->hdr.flags = ZJ_F_LD_PRELOAD;
		x->filename_len = 6;
		x->exe_len = 6;
		x->args_len = 10;
		x->argc = 3;
		x->preload_len = 9;
		memcpy(x->data, d, sizeof(d));
		out(argv[1], "exec", n);
	}
	{
		struct zj_rec_fork *x = (void *)buf;

		memset(buf, 0, sizeof(buf));
		hdr(&x->hdr, ZJ_REC_FORK, sizeof(*x));
		x->child_tgid = 4243;
		out(argv[1], "fork", sizeof(*x));
	}
	{
		struct zj_rec_exit *x = (void *)buf;

		memset(buf, 0, sizeof(buf));
		hdr(&x->hdr, ZJ_REC_EXIT, sizeof(*x));
		x->exit_code = 9;
		out(argv[1], "exit", sizeof(*x));
	}
	{
		struct zj_rec_ptrace *x = (void *)buf;

		memset(buf, 0, sizeof(buf));
		hdr(&x->hdr, ZJ_REC_PTRACE, sizeof(*x));
		x->request = 5;
		x->target_pid = 812;
		x->addr = 0x7fff00001000;
		x->vdso_start = 0x7fff00001000;
		x->vdso_end = 0x7fff00003000;
		out(argv[1], "ptrace", sizeof(*x));
	}
	{
		struct zj_rec_mem *x = (void *)buf;
		unsigned t[] = {ZJ_REC_MEM_OPEN, ZJ_REC_MEM_WRITE, ZJ_REC_VM_WRITE};
		unsigned via[] = {ZJ_VIA_OPEN, ZJ_VIA_PWRITE64, ZJ_VIA_PROCESS_VM_WRITEV};
		const char *names[] = {"mem_open", "mem_write", "vm_write"};

		for (int i = 0; i < 3; i++) {
			memset(buf, 0, sizeof(buf));
			hdr(&x->hdr, t[i], sizeof(*x));
			x->via = via[i];
			x->target_pid = 812;
			x->fd = i == 2 ? -1 : 3;
			x->iovcnt = 1;
			x->addr = 0x400000;
			x->len = 16;
			out(argv[1], names[i], sizeof(*x));
		}
	}
	{
		struct zj_rec_vdso_map *x = (void *)buf;

		memset(buf, 0, sizeof(buf));
		hdr(&x->hdr, ZJ_REC_VDSO_MAP, sizeof(*x));
		x->hdr.flags = ZJ_F_SELF | ZJ_F_VDSO;
		x->op = ZJ_VMAP_MPROTECT;
		x->prot = 7;
		x->addr = x->vdso_start = 0x7fff00001000;
		x->len = 8192;
		x->vdso_end = 0x7fff00003000;
		out(argv[1], "vdso_map", sizeof(*x));
	}
	{
		struct zj_rec_file *x = (void *)buf;
		const char d[] = "/etc/cron.d/evil\0/tmp/evil";

		memset(buf, 0, sizeof(buf));
		n = sizeof(*x) + sizeof(d);
		hdr(&x->hdr, ZJ_REC_FILE, n);
		x->op = ZJ_FOP_RENAME;
		x->path_len = 16;
		x->path2_len = 9;
		memcpy(x->data, d, sizeof(d));
		out(argv[1], "file", n);
	}
	{
		struct zj_rec_kmod *x = (void *)buf;
		const char d[] = "/tmp/rk.ko";

		memset(buf, 0, sizeof(buf));
		n = sizeof(*x) + sizeof(d);
		hdr(&x->hdr, ZJ_REC_KMOD, n);
		x->op = ZJ_KMOD_FINIT;
		x->fd = 3;
		x->result = -8;
		x->path_len = sizeof(d) - 1;
		strcpy(x->name, "rk");
		memcpy(x->data, d, sizeof(d));
		out(argv[1], "kmod", n);
	}
	{
		struct zj_rec_file *x = (void *)buf;
		const char d[] = "/usr/local/bin/sh\0";

		memset(buf, 0, sizeof(buf));
		n = sizeof(*x) + sizeof(d);
		hdr(&x->hdr, ZJ_REC_SETID, n);
		x->op = ZJ_FOP_CHMOD;
		x->mode = 04755;
		x->path_len = sizeof(d) - 2;
		memcpy(x->data, d, sizeof(d));
		out(argv[1], "setid", n);
	}
	{
		struct zj_rec_somap *x = (void *)buf;
		const char d[] = "/tmp/evil.so";

		memset(buf, 0, sizeof(buf));
		n = sizeof(*x) + sizeof(d);
		hdr(&x->hdr, ZJ_REC_SOMAP, n);
		x->injector_tgid = 4343;
		x->via = ZJ_INJ_PTRACE;
		x->prot = 5;
		x->path_len = sizeof(d) - 1;
		memcpy(x->data, d, sizeof(d));
		out(argv[1], "so_map", n);
	}
	return 0;
}
