/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: policy files (an administrator's, or one a fleet tool wrote) through the
 * loader; what loads must serialise and load again to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zhijia/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zj_policy *p = NULL, *p2 = NULL;
	char err[ZJ_POLICY_ERR_MAX];
	char *t1 = NULL, *t2 = NULL;

	if (zj_policy_from_json((const char *)data, size, "fuzz.json", &p, err, sizeof(err)) < 0)
		return 0;
	if (zj_policy_to_json(p, &t1) < 0)
		abort();
	if (zj_policy_from_json(t1, strlen(t1), "again.json", &p2, err, sizeof(err)) < 0)
		abort(); /* what we wrote must load */
	if (zj_policy_to_json(p2, &t2) < 0 || strcmp(t1, t2) != 0)
		abort(); /* and be stable */
	free(t1);
	free(t2);
	zj_policy_free(p);
	zj_policy_free(p2);
	return 0;
}
