/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zj-inject.so: the payload check_kernel_hooks injects into a process with ptrace (a real
 * shared-object injection).  Its constructor proves it ran inside the target: it writes the
 * target's pid to the file $ZJ_INJECT_MARK names.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void zj_injected(void)
{
	const char *mark = getenv("ZJ_INJECT_MARK");
	char buf[32];
	int fd, n;

	if (!mark)
		return;
	fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (n > 0 && write(fd, buf, (size_t)n) != n)
		buf[0] = 0;
	close(fd);
}
