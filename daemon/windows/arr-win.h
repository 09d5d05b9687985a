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
 *   File_Create       a new file written next to it, flushed, MoveFileExW'ed into place; with
 *                     "overwrite", the old file is copied into the quarantine first
 *   File_Modify       content / append / offset+hex, written the same way (old file kept)
 *   File_DelText      lines containing a text, or bytes, removed the same way (old file kept)
 *   File_Delete       each path moved into the quarantine (MoveFileExW; SHA-256 recorded);
 *                     with "sha256", only files with a listed digest; directories are left
 *   File_Rename       MoveFileExW (a copy across volumes); a file at "to" is quarantined first
 *   File_Attribute    "immutable": true sets FILE_ATTRIBUTE_READONLY; false clears read-only,
 *                     hidden and system (attrib +r +s +h, as malware leaves its files)
 *                     (arr-win-file.c; the quarantine: %ProgramData%\zhijia\quarantine)
 *   Proc_Terminate    TerminateProcess of the processes named by pids, names, executables
 *   Proc_Modify       NtSuspendProcess / NtResumeProcess of the same
 *   Script_Bat        the body in a new temporary .bat, run by cmd.exe /d /c, with a timeout
 *   Script_PWL        the body in a new temporary .ps1, run by powershell.exe -NoProfile
 *                     -NonInteractive -ExecutionPolicy Bypass -File, with a timeout
 * Critical Windows processes and zhijia itself are never stopped; system-critical paths
 * (zj_arr_is_critical_win_path(), checked again where a file really is) are changed only
 * with "force".  Each action prints one
 * line, "ok actions[N] NAME: ..." or "failed actions[N] NAME: ..."; the rule goes on after a
 * failed action, as on Linux, and the result says whether all succeeded.
 */
#ifndef ZHIJIA_WIN_ARR_WIN_H
#define ZHIJIA_WIN_ARR_WIN_H

#include <stdio.h>

#include "zhijia/arr.h"

/* 0 when every action succeeded, else the first action's negative errno. */
int zj_win_arr_run(const struct zj_arr_rule *rule, FILE *out);

/* File_* action idx of rule (arr-win-file.c); one line into msg.  0 or a negative errno. */
int zj_win_arr_file(const struct zj_arr_rule *rule, size_t idx, char *msg, size_t msglen);

/* zhijia-win --arr FILE: parse for Windows, run; the process's exit status (0, 1, 2). */
int zj_win_arr_main(const char *path);

#endif /* ZHIJIA_WIN_ARR_WIN_H */
