/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

/*
 * The one mutable state of the log: set once by main() before anything else runs.  (STYLE:
 * no mutable globals outside the main files; the logger is the exception every daemon makes,
 * kept to two words and written only at start-up.)
 */
static const char *log_prog = "zhijia";
static int log_max = ZJ_LOG_INFO;

void zj_log_setup(const char *progname, int max_level)
{
	log_prog = progname;
	log_max = max_level;
}

int zj_log_level(void)
{
	return log_max;
}

int zj_log_internal(int level, int error, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (error < 0)
		error = -error;
	if (level <= log_max) {
		/* %m in fmt words `error` */
		errno = error ? error : saved;
		fprintf(stderr, "%s: ", log_prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
		fflush(stderr);
	}
	errno = saved;
	return error ? -error : -EIO;
}
