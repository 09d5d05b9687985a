/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarative policy for configuration management: the whole policy as one file, applied as
 * one atomic change, and a short hash that names it.
 *
 *   zhijiactl policy export        the effective policy (zj_policy_to_json(): actions,
 *                                  protected applications, exceptions) -- a file apply takes
 *   zhijiactl policy apply FILE    make the policy exactly FILE's: validated as a whole
 *                                  first, then swapped in by one control request
 *                                  (policy.apply); idempotent ("changed":false the 2nd time)
 *   zhijiactl policy apply --diff  what would change, nothing changed
 *
 * The hash: the first 16 hex digits of the SHA-256 of the canonical text (zj_policy_to_json()),
 * so two hosts with equal policies show equal hashes, whatever their files' formatting.  It is
 * in `zhijiactl status` ("policy_hash") and in every finding of the event log.
 */
#ifndef ZHIJIA_POLICY_APPLY_H
#define ZHIJIA_POLICY_APPLY_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "zhijia/policy.h"

#define ZJ_POLICY_HASH_LEN 16

/* 16 lowercase hex digits and a NUL into ret.  0 or -ENOMEM. */
int zj_policy_hash(const struct zj_policy *p, char ret[ZJ_POLICY_HASH_LEN + 1]);

/*
 * Make p's actions, protected applications and exceptions want's, with p's own checks (a block
 * p's platform cannot enforce is refused).  On failure p may be half changed: call it on a
 * copy (policyops.c does).  0, or a negative errno with the reason in err.
 */
int zj_policy_replace(struct zj_policy *p, const struct zj_policy *want, char *err,
		      size_t errlen);

/*
 * What turns a into b, as a JSON array of changes:
 *   {"kind":"action","id":"T1055.008","from":"default","to":"block"}
 *   {"kind":"protect","op":"add"|"del","path":"/usr/sbin/sshd"}
 *   {"kind":"exception","op":"add"|"del","exception":{...}}
 * Empty when they are equal.  0 or -ENOMEM.
 */
int zj_policy_diff(const struct zj_policy *a, const struct zj_policy *b, json_object **ret);

/* The changes above as lines of text ("~ T1055.008: default -> block", "+ protect ..."). */
void zj_policy_diff_print(json_object *changes, FILE *out);

#endif /* ZHIJIA_POLICY_APPLY_H */
