/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Windows ARR executor: runs a rule parsed with zj_arr_parse_platform(ZJ_ARR_WINDOWS).
 *   Reg_Create        RegCreateKeyExW; with "value", RegSetValueExW (refused if it exists)
 *   Reg_Modify        RegOpenKeyExW + RegSetValueExW of a value that exists
 *   Reg_Delete        RegDeleteTreeW of the key; with "value", RegDeleteValueW
 *   Reg_Rename        RegRenameKey where advapi32 has it; else RegCopyTreeW (or a copy of
 *                     its own) and RegDeleteTreeW.  With "value": the value is copied under
 *                     the new name, then deleted
 *   Reg_Delete_Value  RegDeleteValueW
 *   Proc_Terminate    TerminateProcess of the processes named by pids, names, executables
 *   Proc_Modify       NtSuspendProcess / NtResumeProcess of the same
 *   Script_Bat        the body in a new temporary .bat, run by cmd.exe /d /c, with a timeout
 *   Script_PWL        the body in a new temporary .ps1, run by powershell.exe -NoProfile
 *                     -NonInteractive -ExecutionPolicy Bypass -File, with a timeout
 * Critical Windows processes and zhijia itself are never stopped.  Each action prints one
 * line, "ok actions[N] NAME: ..." or "failed actions[N] NAME: ..."; the rule goes on after a
 * failed action, as on Linux, and the result says whether all succeeded.
 */
#ifndef ZHIJIA_WIN_ARR_WIN_H
#define ZHIJIA_WIN_ARR_WIN_H

#include <stdio.h>

#include "zhijia/arr.h"

/* 0 when every action succeeded, else the first action's negative errno. */
int zj_win_arr_run(const struct zj_arr_rule *rule, FILE *out);

/* zhijia-win --arr FILE: parse for Windows, run; the process's exit status (0, 1, 2). */
int zj_win_arr_main(const char *path);

#endif /* ZHIJIA_WIN_ARR_WIN_H */
