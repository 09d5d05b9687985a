/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A process for the Windows tests to stop: sleeps for the seconds given (default 60), then
 * exits 0.  Enforcement (TerminateProcess), Proc_Terminate and Proc_Modify act on it.
 */
#include <windows.h>

#include <stdlib.h>

int main(int argc, char **argv)
{
	unsigned long s = argc > 1 ? strtoul(argv[1], NULL, 10) : 60;

	Sleep(s * 1000u);
	return 0;
}
