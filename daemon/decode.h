/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw ring-buffer records (include/zhijia/bpf_abi.h) -> struct zj_event (event.h).
 *
 * The record is validated before anything is believed or any state changes: a record that
 * breaks the ABI is rejected whole with -EBADMSG.  The kernel writes the records, but their
 * strings (paths, argv, comm) come from the observed processes, and the decoder is the
 * boundary where a BPF bug becomes a daemon bug, so no byte outside the record is ever read.
 */
#ifndef ZHIJIA_DECODE_H
#define ZHIJIA_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "zhijia/event.h"
#include "proctab.h"

struct zj_decoder {
	/*
	 * Process table consulted for attribution and kept current by the exec/fork/exit
	 * records (not owned; NULL: attribute from the record alone).
	 */
	struct zj_proctab *pt;
	/*
	 * CLOCK_REALTIME - CLOCK_BOOTTIME in ns: added to a record's ktime_ns (boot time, which
	 * keeps counting in suspend) to get zj_event.time_ns.  Refresh with
	 * zj_decoder_sync_clock() when the wall clock is stepped.
	 */
	int64_t boot_to_real_ns;
	/* Sequence number of the last event decoded; zj_event.seq of the next is seq + 1. */
	uint64_t seq;
};

/* Zero d, attach pt (may be NULL) and measure the clock offset. */
int zj_decoder_init(struct zj_decoder *d, struct zj_proctab *pt);

/* Measure boot_to_real_ns again (after a wall-clock step). */
int zj_decoder_sync_clock(struct zj_decoder *d);

/*
 * Decode one record of `size` bytes (a ring-buffer sample) into *ret.
 *
 * Accepted: hdr.size <= size (a sample may be reserved larger than what was filled; bytes
 * past hdr.size are ignored), hdr.size at least the fixed part of its type, at most
 * ZJ_REC_MAX_SIZE; a known type; comm NUL-terminated; strings within hdr.size, of their
 * declared length, NUL-terminated and without inner NULs; counts and enums in range (see
 * decode.c).  Bits of hdr.flags the ABI does not define are dropped.
 *
 * Strings in *ret point into `data` and into the process table: valid while data is and
 * until the process table's next exec/fork/exit (proctab.h).
 *
 * EXEC, FORK and EXIT update the process table.  Returns 0, -EBADMSG for a malformed record
 * (nothing changed, seq not advanced), -ENOMEM if the process table could not grow.
 */
int zj_decode(struct zj_decoder *d, const void *data, size_t size, struct zj_event *ret);

#endif /* ZHIJIA_DECODE_H */
