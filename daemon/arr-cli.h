/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zhijiactl's arr and quarantine verbs (zhijiactl.c's tables call these; argv[0] is the verb).
 * They run in zhijiactl itself: validate and dry-run need nothing but the rule; run executes
 * the rule as root, here, without zhijiad, and appends its result to the event log as one
 * JSON line ({"type":"arr",...}) and a summary to journald.  Exit codes as zhijiactl's: 0 done,
 * 1 failed or refused (an invalid rule, an action that failed), 2 wrong command line.
 */
#ifndef ZHIJIA_ARR_CLI_H
#define ZHIJIA_ARR_CLI_H

#include <stdbool.h>

struct zj_arr_cli {
	bool json;
	const char *event_log;
};

int zj_arr_cli_validate(const struct zj_arr_cli *c, int argc, char **argv);
int zj_arr_cli_dry_run(const struct zj_arr_cli *c, int argc, char **argv);
int zj_arr_cli_run(const struct zj_arr_cli *c, int argc, char **argv);
int zj_arr_cli_inbox(const struct zj_arr_cli *c, int argc, char **argv);
int zj_arr_cli_quarantine_list(const struct zj_arr_cli *c, int argc, char **argv);
int zj_arr_cli_quarantine_restore(const struct zj_arr_cli *c, int argc, char **argv);

#define ZJ_ARR_CLI_USAGE                                                                           \
	"arr validate|dry-run|run FILE [--root DIR] [--system-disk PATH]... [--quarantine DIR]\n" \
	"                             check, plan or run an ARR rule (zhijia-arr(5)); FILE '-'\n" \
	"                             is stdin; run needs root and runs here, not in zhijiad\n"      \
	"  arr inbox [--dir DIR] [--root DIR] [--quarantine DIR]\n"                                \
	"                             run the rule files waiting in the inbox, once each"
#define ZJ_QUARANTINE_CLI_USAGE                                                                    \
	"quarantine list|restore ID [--to PATH] [--overwrite] [--quarantine DIR]\n"              \
	"                             what rules removed or rewrote, and putting it back"

#endif /* ZHIJIA_ARR_CLI_H */
