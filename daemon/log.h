/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging for zhijiad and zhijiactl only (library code returns errors, it does not log).
 * Lines go to stderr, prefixed with the program name; under systemd that is the journal.
 * log_*_errno() set errno from the error so that %m words it, and return the error:
 *   return log_error_errno(r, "Failed to open policy '%s': %m", path);
 */
#ifndef ZHIJIA_LOG_H
#define ZHIJIA_LOG_H

#include <errno.h>

#define ZJ_LOG_ERR 3
#define ZJ_LOG_WARNING 4
#define ZJ_LOG_NOTICE 5
#define ZJ_LOG_INFO 6
#define ZJ_LOG_DEBUG 7

void zj_log_setup(const char *progname, int max_level);
int zj_log_level(void);
int zj_log_internal(int level, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_full_errno(level, error, ...) zj_log_internal((level), (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(ZJ_LOG_ERR, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(ZJ_LOG_WARNING, (error), __VA_ARGS__)
#define log_error(...) log_full_errno(ZJ_LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(ZJ_LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(ZJ_LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(ZJ_LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_full_errno(ZJ_LOG_DEBUG, 0, __VA_ARGS__)

#endif /* ZHIJIA_LOG_H */
