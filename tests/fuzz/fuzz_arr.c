/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: ARR rules (a SOAR platform's, dropped in the inbox) through the parser and
 * validator; what validates is planned (text and JSON) and, for automatic disposal, expanded
 * with a finding's context whose values are hostile (quotes, "${...}", newlines, "..").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/arr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char hostile[] = "/tmp/a\"b\\c\n${actor.pid}/../etc/passwd";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zj_arr_rule *rule = NULL, *x = NULL;
	struct zj_arr_plan *plan = NULL;
	char err[ZJ_ARR_ERR_MAX];
	char *text = NULL;

	if (zj_arr_parse((const char *)data, size, "fuzz.json", &rule, err, sizeof(err)) < 0)
		return 0;
	if (zj_arr_plan_build(rule, &plan) == 0) {
		/* both return the length, or -ENOMEM */
		if (zj_arr_plan_to_text(plan, &text) >= 0)
			free(text);
		text = NULL;
		if (zj_arr_plan_to_json(plan, &text) >= 0)
			free(text);
		zj_arr_plan_free(plan);
	}
	if (rule->needs_ctx) {
		struct zj_arr_ctx ctx = {
			.actor_pid = 4242,
			.actor_exe = {hostile, sizeof(hostile) - 1},
			.actor_comm = {"sh", 2},
			.target_pid = 1,
			.target_exe = {"/usr/sbin/sshd", 14},
			.path = {hostile, sizeof(hostile) - 1},
			.technique = {"T1055.008", 9},
		};
		if (zj_arr_expand(rule, &ctx, &x, err, sizeof(err)) == 0)
			zj_arr_rule_free(x);
	}
	zj_arr_rule_free(rule);
	return 0;
}
