/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy file on a real file system: the zj_policy_read_fn / zj_policy_write_fn the
 * portable core asks for (include/zhijia/policy.h), for zj_policy_load() and zj_policy_save().
 *
 *   r = zj_policy_load(ZJ_POLICY_PATH, zj_policyfile_read, NULL, &p, err, sizeof(err));
 *   r = zj_policy_save(p, ZJ_POLICY_PATH, zj_policyfile_write, NULL, err, sizeof(err));
 *
 * userdata is unused by both.
 */
#ifndef ZHIJIA_POLICYFILE_H
#define ZHIJIA_POLICYFILE_H

#include <stddef.h>

#define ZJ_POLICYFILE_MAX (1u << 20) /* bytes: a policy file larger than this is refused */

/*
 * The whole file into a malloc()ed buffer (NUL-terminated; the NUL is not counted in
 * *ret_len).  -ENOENT when it does not exist, -EFBIG past ZJ_POLICYFILE_MAX, -EISDIR or
 * -EINVAL when it is a directory or not a regular file, or the error of open()/read().
 */
int zj_policyfile_read(const char *path, char **ret_data, size_t *ret_len, void *userdata);

/*
 * Replace the file atomically: a temporary file in the same directory (".NAME.XXXXXX",
 * O_EXCL, mode 0600 while it is written), every byte written, the final mode set (the
 * replaced file's, else 0644: the policy is not secret, and `zhijiactl policy list` reads it
 * when zhijiad is not running), fsync, rename over the file, fsync of the directory.  Readers
 * see the old file or the new one, never a part of either.  The directory is created (0755)
 * when missing; its parent must exist.  On any failure the temporary file is removed and the
 * old file is left as it was; a failing fsync of the directory is the one error reported
 * after the rename, when the new file is in place but may not survive a crash.
 */
int zj_policyfile_write(const char *path, const char *data, size_t len, void *userdata);

/*
 * Remove the temporary files (".NAME.XXXXXX", regular, beside path) that writers killed before
 * their rename left behind: zhijiad calls it at start, before anyone writes.  The number
 * removed, or -errno when the directory cannot be read (-ENOENT: nothing to do).
 */
int zj_policyfile_sweep(const char *path);

#endif /* ZHIJIA_POLICYFILE_H */
