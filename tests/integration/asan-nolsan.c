// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linked into the sanitizer builds of zhijiactl and of the integration test programs only
 * (make check-integration-asan): LeakSanitizer off, ASan and UBSan on.  LeakSanitizer stops
 * the world with a tracer process that PTRACE_ATTACHes the program's threads; while a test
 * has T1055.008 set to block, zhijia's fallback kills that tracer (as it must: it is another
 * process attaching), and the leak check then waits forever.  zhijiad's own exits happen
 * under the default policy and keep LeakSanitizer (the daemon is what runs for months); the
 * unit tests check the rest of the code for leaks.  ASAN_OPTIONS in the environment, if it
 * names detect_leaks, wins over this default.
 */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
