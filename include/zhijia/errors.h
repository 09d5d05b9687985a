/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error codes of the portable tier.  Functions return an int: >= 0 on success, a negative
 * ZJ_E* on failure.  On Linux (and with mingw's <errno.h>) every ZJ_E* is the platform's own
 * errno value, so the daemon compares with -ENOENT and prints with strerror(-r) as usual; ISO
 * C only guarantees EDOM, EILSEQ and ERANGE, so the others fall back to Linux's numbers where
 * a C library lacks them.
 */
#ifndef ZHIJIA_ERRORS_H
#define ZHIJIA_ERRORS_H

#include <errno.h>

#ifdef ENOENT
#define ZJ_ENOENT ENOENT
#else
#define ZJ_ENOENT 2
#endif

#ifdef ENOMEM
#define ZJ_ENOMEM ENOMEM
#else
#define ZJ_ENOMEM 12
#endif

#ifdef EEXIST
#define ZJ_EEXIST EEXIST
#else
#define ZJ_EEXIST 17
#endif

#ifdef EINVAL
#define ZJ_EINVAL EINVAL
#else
#define ZJ_EINVAL 22
#endif

#ifdef ENOSPC
#define ZJ_ENOSPC ENOSPC
#else
#define ZJ_ENOSPC 28
#endif

#define ZJ_ERANGE ERANGE

/* Unsupported: e.g. block on a sub-technique this platform cannot enforce. */
#ifdef EOPNOTSUPP
#define ZJ_EOPNOTSUPP EOPNOTSUPP
#else
#define ZJ_EOPNOTSUPP 95
#endif

/* Malformed input (a corrupted policy file). */
#ifdef EBADMSG
#define ZJ_EBADMSG EBADMSG
#else
#define ZJ_EBADMSG 74
#endif

#endif /* ZHIJIA_ERRORS_H */
