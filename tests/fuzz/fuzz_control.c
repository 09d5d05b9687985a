/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: control-socket requests ({"cmd":...,"args":...}) through the one
 * implementation of the policy commands, on a live policy, with a store that keeps nothing.
 * A failed command must leave the policy exactly as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "zhijia/policy.h"
#include "../../daemon/policyops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int no_write(const char *path, const char *data, size_t len, void *userdata)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct zj_policy_store store = {"/nonexistent/fuzz-policy.json", no_write, NULL};
	struct json_tokener *tok = json_tokener_new();
	json_object *req, *cmd, *args = NULL, *reply = NULL;
	struct zj_policy *p = NULL;
	char err[ZJ_POLICYOPS_ERR_MAX], *before = NULL, *after = NULL;
	bool changed = false;
	int r;

	if (!tok)
		return 0;
	req = json_tokener_parse_ex(tok, (const char *)data, (int)(size > 65536 ? 65536 : size));
	json_tokener_free(tok);
	if (!req)
		return 0;
	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		json_object_put(req);
		return 0;
	}
	(void)json_object_object_get_ex(req, "args", &args);
	if (zj_policy_new_default(&p) < 0 || zj_policy_to_json(p, &before) < 0)
		abort();
	r = zj_policy_command(&p, json_object_get_string(cmd), args, &store, &reply, &changed, err,
			      sizeof(err));
	if (zj_policy_to_json(p, &after) < 0)
		abort();
	if (r < 0 && strcmp(before, after) != 0)
		abort(); /* a refused command changed the policy */
	free(before);
	free(after);
	json_object_put(reply);
	json_object_put(req);
	zj_policy_free(p);
	return 0;
}
