/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The File_* actions of the Windows ARR executor (arr-win.h), and the quarantine they keep
 * what they remove or overwrite in.
 *
 * The quarantine is %ProgramData%\zhijia\quarantine (SYSTEM and Administrators only): each
 * item is ID.bin (the file itself, moved there by MoveFileExW when it is removed, copied by
 * CopyFileW when it is rewritten) and ID.json ({"id", "path", "size", "sha256", "time",
 * "reason", "removed"}), written after the content to a temporary name, flushed and renamed:
 * an item exists once its .json does.
 * The SHA-256 is of the stored content.  A failure to record the item puts a moved file back.
 *
 * Paths were checked by the parser (drive-letter paths; system-critical ones need "force");
 * before changing a file the executor asks Windows where it really is
 * (GetFinalPathNameByHandleW: junctions and symbolic links resolved) and checks that path
 * again.  Files are opened through "\\?\" paths: no length limit, no further normalisation.
 */
#include <windows.h>
#include <sddl.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <json-c/json.h>

#include "arr-win.h"
#include "win.h"
#include "zhijia/errors.h"
#include "zhijia/sha256.h"

#define FILE_MAX (64u << 20) /* bytes of a file that File_Modify / File_DelText rewrite */
#define WPATH_MAX 32768	     /* UTF-16 units of a \\?\ path */

struct fctx {
	const struct zj_arr_rule *rule;
	size_t idx;
	const struct zj_arr_action *a;
	char *msg;
	size_t msglen;
};

static int werr(DWORD e)
{
	switch (e) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
		return -ZJ_ENOENT;
	case ERROR_ALREADY_EXISTS:
	case ERROR_FILE_EXISTS:
		return -ZJ_EEXIST;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return -ZJ_ENOMEM;
	case ERROR_ACCESS_DENIED:
	case ERROR_SHARING_VIOLATION:
		return -EACCES;
	default:
		return -ZJ_EINVAL;
	}
}

/* "C:\dir\file" -> L"\\?\C:\dir\file", malloc()ed. */
static wchar_t *wpath(const char *path)
{
	wchar_t *w = zj_win_wide(path, strlen(path)), *p;
	size_t n;

	if (!w)
		return NULL;
	n = wcslen(w);
	p = malloc((n + 5) * sizeof(wchar_t));
	if (p) {
		wcscpy(p, L"\\\\?\\");
		wcscat(p, w);
	}
	free(w);
	return p;
}

static bool is_missing(DWORD e)
{
	return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND;
}

/* The path Windows resolves wp to, without "\\?\": 0, -ENOENT (cannot open it), -ENOMEM. */
static int resolve(const wchar_t *wp, char **ret)
{
	HANDLE h = CreateFileW(wp, FILE_READ_ATTRIBUTES,
			       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			       OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
	wchar_t *buf;
	DWORD n;

	if (h == INVALID_HANDLE_VALUE)
		return -ZJ_ENOENT;
	buf = malloc(WPATH_MAX * sizeof(wchar_t));
	if (!buf) {
		CloseHandle(h);
		return -ZJ_ENOMEM;
	}
	n = GetFinalPathNameByHandleW(h, buf, WPATH_MAX, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
	CloseHandle(h);
	*ret = n && n < WPATH_MAX
		       ? zj_win_utf8(wcsncmp(buf, L"\\\\?\\", 4) == 0 ? buf + 4 : buf, NULL)
		       : NULL;
	free(buf);
	return *ret ? 0 : -ZJ_ENOENT;
}

/*
 * Where path really is, checked again: 0 when it may be changed (or cannot be resolved here:
 * the path as written was checked), -EPERM when it resolves to a system-critical path and the
 * rule has no "force", or to a network share (why in msg).  A file that does not exist yet
 * is where its folder resolves to: a junction to System32 does not let a rule create there.
 */
static int check_resolved(const struct fctx *x, const wchar_t *wp, const char *path)
{
	char *real = NULL;
	int r = resolve(wp, &real);

	if (r == -ZJ_ENOENT) {
		const wchar_t *slash = wcsrchr(wp, L'\\');
		size_t plen = slash ? (size_t)(slash - wp) : 0;
		wchar_t *parent;
		char *dir = NULL, *base;

		if (plen < 6) /* "\\?\C:" */
			return 0;
		parent = malloc((plen + 2) * sizeof(wchar_t));
		if (!parent)
			return -ZJ_ENOMEM;
		/* the root keeps its backslash: "\\?\C:\" */
		wcsncpy(parent, wp, plen == 6 ? 7 : plen);
		parent[plen == 6 ? 7 : plen] = L'\0';
		r = resolve(parent, &dir);
		free(parent);
		base = r == 0 ? zj_win_utf8(slash + 1, NULL) : NULL;
		if (base) {
			size_t n = strlen(dir) + strlen(base) + 2;

			real = malloc(n);
			if (real)
				snprintf(real, n, "%s%s%s", dir,
					 dir[0] && dir[strlen(dir) - 1] == '\\' ? "" : "\\", base);
		}
		free(base);
		free(dir);
		if (!real)
			return r == -ZJ_ENOMEM ? r : 0;
	} else if (r < 0) {
		return r;
	}
	r = 0;
	if (_strnicmp(real, "UNC\\", 4) == 0) {
		snprintf(x->msg, x->msglen, "'%s' resolves to a network share; left", path);
		r = -EPERM;
	} else if (zj_arr_is_critical_win_path(real) == 1 && !x->rule->force) {
		snprintf(x->msg, x->msglen,
			 "'%s' resolves to '%s', a system-critical path; %s changes it only if the "
			 "rule says \"force\": true",
			 path, real, zj_arr_instr_name(x->a->instr));
		r = -EPERM;
	}
	free(real);
	return r;
}

/* ---- reading, hashing, writing --------------------------------------------------------- */

static int read_all(const wchar_t *wp, char **ret, size_t *ret_len)
{
	HANDLE h = CreateFileW(wp, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
			       FILE_FLAG_SEQUENTIAL_SCAN, NULL);
	LARGE_INTEGER size;
	size_t len = 0;
	char *buf;

	if (h == INVALID_HANDLE_VALUE)
		return werr(GetLastError());
	if (!GetFileSizeEx(h, &size) || size.QuadPart > FILE_MAX) {
		CloseHandle(h);
		return -ZJ_ENOSPC;
	}
	buf = malloc((size_t)size.QuadPart + 1);
	if (!buf) {
		CloseHandle(h);
		return -ZJ_ENOMEM;
	}
	while (len < (size_t)size.QuadPart) {
		DWORD got;

		if (!ReadFile(h, buf + len, (DWORD)((size_t)size.QuadPart - len), &got, NULL) ||
		    got == 0)
			break;
		len += got;
	}
	CloseHandle(h);
	if (len != (size_t)size.QuadPart) {
		free(buf);
		return -ZJ_EINVAL;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int hash_file(const wchar_t *wp, char hex[ZJ_SHA256_HEX_LEN + 1], uint64_t *ret_size)
{
	HANDLE h = CreateFileW(wp, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
			       FILE_FLAG_SEQUENTIAL_SCAN, NULL);
	static const size_t chunk = 65536;
	uint8_t digest[ZJ_SHA256_LEN];
	struct zj_sha256 s;
	uint64_t size = 0;
	char *buf;
	DWORD got;

	if (h == INVALID_HANDLE_VALUE)
		return werr(GetLastError());
	buf = malloc(chunk);
	if (!buf) {
		CloseHandle(h);
		return -ZJ_ENOMEM;
	}
	zj_sha256_init(&s);
	/* ReadFile returns TRUE with 0 bytes at the end; FALSE is an error. */
	for (;;) {
		if (!ReadFile(h, buf, (DWORD)chunk, &got, NULL)) {
			free(buf);
			CloseHandle(h);
			return -ZJ_EINVAL;
		}
		if (got == 0)
			break;
		zj_sha256_update(&s, buf, got);
		size += got;
	}
	free(buf);
	CloseHandle(h);
	zj_sha256_final(&s, digest);
	zj_sha256_hex(digest, hex);
	if (ret_size)
		*ret_size = size;
	return 0;
}

/* data into a new file next to wp, flushed, then renamed over wp (replace) or to it. */
static int write_atomic(const wchar_t *wp, const void *data, size_t len, bool replace)
{
	size_t n = wcslen(wp) + 48;
	wchar_t *tmp = malloc(n * sizeof(wchar_t));
	DWORD attrs = replace ? GetFileAttributesW(wp) : INVALID_FILE_ATTRIBUTES;
	HANDLE h = INVALID_HANDLE_VALUE;
	size_t done = 0;
	int r = 0;

	if (!tmp)
		return -ZJ_ENOMEM;
	for (unsigned k = 0; k < 100; k++) {
		swprintf(tmp, n, L"%ls.zj-tmp-%lu-%u", wp, (unsigned long)GetCurrentProcessId(), k);
		h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
				NULL);
		if (h != INVALID_HANDLE_VALUE || GetLastError() != ERROR_FILE_EXISTS)
			break;
	}
	if (h == INVALID_HANDLE_VALUE) {
		r = werr(GetLastError());
		free(tmp);
		return r;
	}
	while (done < len) {
		DWORD w, want = len - done > 0x40000000 ? 0x40000000 : (DWORD)(len - done);

		if (!WriteFile(h, (const char *)data + done, want, &w, NULL) || w == 0) {
			r = werr(GetLastError());
			break;
		}
		done += w;
	}
	if (r == 0 && !FlushFileBuffers(h))
		r = werr(GetLastError());
	CloseHandle(h);
	/* A read-only file cannot be replaced: lift the flag, put the attributes back after. */
	if (r == 0 && attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_READONLY))
		SetFileAttributesW(wp, attrs & ~(DWORD)FILE_ATTRIBUTE_READONLY);
	if (r == 0 &&
	    !MoveFileExW(tmp, wp,
			 (replace ? MOVEFILE_REPLACE_EXISTING : 0) | MOVEFILE_WRITE_THROUGH))
		r = werr(GetLastError());
	if (r < 0)
		DeleteFileW(tmp);
	if (attrs != INVALID_FILE_ATTRIBUTES)
		SetFileAttributesW(wp, attrs);
	free(tmp);
	return r;
}

/* ---- the quarantine -------------------------------------------------------------------- */

/*
 * Created readable by SYSTEM and Administrators only (ProgramData lets users create folders:
 * the ACL is protected, nothing inherited).  A folder that exists already is used as it is.
 */
static int quarantine_dir(wchar_t *ret, size_t n)
{
	SECURITY_ATTRIBUTES sa = {.nLength = sizeof(sa)};
	PSECURITY_DESCRIPTOR sd = NULL;
	wchar_t base[MAX_PATH];
	DWORD k = GetEnvironmentVariableW(L"ProgramData", base, MAX_PATH);
	DWORD attrs;

	if (k == 0 || k >= MAX_PATH)
		wcscpy(base, L"C:\\ProgramData");
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
		    L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", SDDL_REVISION_1, &sd, NULL))
		return -ZJ_ENOMEM;
	sa.lpSecurityDescriptor = sd;
	swprintf(ret, n, L"%ls\\zhijia", base);
	CreateDirectoryW(ret, &sa);
	swprintf(ret, n, L"%ls\\zhijia\\quarantine", base);
	CreateDirectoryW(ret, &sa);
	LocalFree(sd);
	attrs = GetFileAttributesW(ret);
	if (attrs == INVALID_FILE_ATTRIBUTES || !(attrs & FILE_ATTRIBUTE_DIRECTORY))
		return -ZJ_ENOENT;
	return 0;
}

static int write_item_json(const wchar_t *json, const wchar_t *tmp, const char *text)
{
	HANDLE h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
			       NULL);
	DWORD w;
	int r = 0;

	if (h == INVALID_HANDLE_VALUE)
		return werr(GetLastError());
	if (!WriteFile(h, text, (DWORD)strlen(text), &w, NULL) || w != strlen(text) ||
	    !FlushFileBuffers(h))
		r = werr(GetLastError());
	CloseHandle(h);
	if (r == 0 && !MoveFileExW(tmp, json, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
		r = werr(GetLastError());
	if (r < 0)
		DeleteFileW(tmp);
	return r;
}

static bool digest_listed(const struct zj_arr_action *a, const char *hex)
{
	for (size_t i = 0; i < a->sha256.n; i++)
		if (_stricmp(a->sha256.v[i], hex) == 0)
			return true;
	return false;
}

/*
 * Keep the file at wp (path as the rule wrote it): moved into the quarantine (remove) or
 * copied.  ret_id: 64 bytes.  With only (File_Delete's "sha256"), what was moved must have a
 * listed digest, or it is put back (-EBADMSG): the file removed is the file checked, even if
 * it was replaced between the check and the move.
 */
static int quarantine_put(const struct fctx *x, const wchar_t *wp, const char *path, bool remove,
			  const struct zj_arr_action *only, char *ret_id)
{
	wchar_t dir[MAX_PATH + 32], bin[MAX_PATH + 128], json[MAX_PATH + 128], tmp[MAX_PATH + 128];
	char id[64], hex[ZJ_SHA256_HEX_LEN + 1], reason[ZJ_ARR_NAME_MAX + 96];
	struct json_object *o;
	uint64_t size = 0;
	SYSTEMTIME st;
	int r = quarantine_dir(dir, sizeof(dir) / sizeof(dir[0]));

	if (r < 0)
		return r;
	GetSystemTime(&st);
	for (unsigned n = 0;; n++) {
		BOOL ok;

		snprintf(id, sizeof(id), "%04u%02u%02uT%02u%02u%02uZ-%lu-%u", st.wYear, st.wMonth,
			 st.wDay, st.wHour, st.wMinute, st.wSecond,
			 (unsigned long)GetCurrentProcessId(), n);
		swprintf(bin, sizeof(bin) / sizeof(bin[0]), L"%ls\\%hs.bin", dir, id);
		ok = remove ? MoveFileExW(wp, bin, MOVEFILE_COPY_ALLOWED | MOVEFILE_WRITE_THROUGH)
			    : CopyFileW(wp, bin, TRUE);
		if (ok)
			break;
		if ((GetLastError() != ERROR_ALREADY_EXISTS &&
		     GetLastError() != ERROR_FILE_EXISTS) ||
		    n >= 1000)
			return werr(GetLastError());
	}
	swprintf(json, sizeof(json) / sizeof(json[0]), L"%ls\\%hs.json", dir, id);
	swprintf(tmp, sizeof(tmp) / sizeof(tmp[0]), L"%ls\\%hs.json.tmp", dir, id);
	snprintf(reason, sizeof(reason), "ARR rule '%s' actions[%zu] %s", x->rule->name, x->idx,
		 zj_arr_instr_name(x->a->instr));
	r = hash_file(bin, hex, &size);
	if (r == 0 && only && only->sha256.n && !digest_listed(only, hex))
		r = -ZJ_EBADMSG;
	o = r < 0 ? NULL : json_object_new_object();
	if (r == 0 && !o)
		r = -ZJ_ENOMEM;
	if (o) {
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)size));
		json_object_object_add(o, "sha256", json_object_new_string(hex));
		json_object_object_add(o, "time", json_object_new_int64((int64_t)time(NULL)));
		json_object_object_add(o, "reason", json_object_new_string(reason));
		json_object_object_add(o, "removed", json_object_new_boolean(remove));
		r = write_item_json(json, tmp,
				    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	if (r < 0) {
		/* No item: put the file back where it was, or drop the copy. */
		if (remove)
			MoveFileExW(bin, wp, MOVEFILE_COPY_ALLOWED | MOVEFILE_WRITE_THROUGH);
		else
			DeleteFileW(bin);
		return r;
	}
	snprintf(ret_id, 64, "%s", id);
	return 0;
}

/* ---- the actions ----------------------------------------------------------------------- */

static int file_delete(const struct fctx *x)
{
	const struct zj_arr_action *a = x->a;
	unsigned deleted = 0, missing = 0, skipped = 0, dirs = 0, refused = 0, failed = 0;
	int r;
	char first[64] = "";

	for (size_t i = 0; i < a->filenames.n; i++) {
		const char *path = a->filenames.v[i];
		wchar_t *wp = wpath(path);
		char id[64], hex[ZJ_SHA256_HEX_LEN + 1];
		DWORD attrs;

		if (!wp)
			return -ZJ_ENOMEM;
		attrs = GetFileAttributesW(wp);
		if (attrs == INVALID_FILE_ATTRIBUTES) {
			if (is_missing(GetLastError()))
				missing++;
			else
				failed++;
		} else if (attrs & FILE_ATTRIBUTE_DIRECTORY) {
			dirs++; /* directories are never deleted */
		} else if (check_resolved(x, wp, path) < 0) {
			refused++;
		} else if (a->sha256.n && !getenv("ZJ_WIN_SKIP_DIGEST_PRECHECK") &&
			   (hash_file(wp, hex, NULL) < 0 || !digest_listed(a, hex))) {
			/* (the tests skip this check to reach the one after the move) */
			skipped++;
		} else if ((r = quarantine_put(x, wp, path, true, a, id)) < 0) {
			if (r == -ZJ_EBADMSG)
				skipped++;
			else
				failed++;
		} else {
			if (!deleted++)
				snprintf(first, sizeof(first), "%s", id);
		}
		free(wp);
	}
	if (!refused)
		snprintf(x->msg, x->msglen,
			 "deleted %u file%s (quarantine %s%s); %u not found; %u not deleted: "
			 "SHA-256 not listed; %u directories left; %u failed",
			 deleted, deleted == 1 ? "" : "s", deleted ? first : "-",
			 deleted > 1 ? " ..." : "", missing, skipped, dirs, failed);
	return failed || refused ? -ZJ_EINVAL : 0;
}

static int file_create(const struct fctx *x)
{
	const struct zj_arr_action *a = x->a;
	const char *content = a->content ? a->content : "";
	wchar_t *wp = wpath(a->path);
	char id[64] = "";
	DWORD attrs;
	int r;

	if (!wp)
		return -ZJ_ENOMEM;
	r = check_resolved(x, wp, a->path);
	if (r < 0) {
		free(wp);
		return r;
	}
	attrs = GetFileAttributesW(wp);
	if (attrs != INVALID_FILE_ATTRIBUTES) {
		if ((attrs & FILE_ATTRIBUTE_DIRECTORY) || !a->overwrite) {
			snprintf(x->msg, x->msglen, "%s exists%s", a->path,
				 attrs & FILE_ATTRIBUTE_DIRECTORY
					 ? " and is a directory"
					 : "; \"overwrite\": true replaces it");
			free(wp);
			return -ZJ_EEXIST;
		}
		r = quarantine_put(x, wp, a->path, false, NULL, id);
		if (r < 0) {
			if (!x->msg[0])
				snprintf(x->msg, x->msglen, "%s: cannot keep the old file",
					 a->path);
			free(wp);
			return r;
		}
	}
	r = write_atomic(wp, content, strlen(content), attrs != INVALID_FILE_ATTRIBUTES);
	if (r < 0)
		snprintf(x->msg, x->msglen, "%s: cannot write it (%d)", a->path, r);
	else if (id[0])
		snprintf(x->msg, x->msglen,
			 "replaced %s (%zu bytes); the old file is quarantine %s", a->path,
			 strlen(content), id);
	else
		snprintf(x->msg, x->msglen, "created %s (%zu bytes)", a->path, strlen(content));
	free(wp);
	return r;
}

/* n bytes at hay hold needle. */
static bool contains(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

/* The new content of File_Modify / File_DelText from old (len bytes): malloc()ed. */
static int new_content(const struct zj_arr_action *a, const char *old, size_t len, char **ret,
		       size_t *ret_len, char *msg, size_t msglen)
{
	size_t cap = len + (a->append ? strlen(a->append) : 0) +
		     (a->content ? strlen(a->content) : 0) + 1,
	       o = 0;
	char *out = malloc(cap);

	if (!out)
		return -ZJ_ENOMEM;
	if (a->instr == ZJ_ARR_FILE_MODIFY && a->content) {
		o = strlen(a->content);
		memcpy(out, a->content, o);
	} else if (a->instr == ZJ_ARR_FILE_MODIFY && a->append) {
		memcpy(out, old, len);
		memcpy(out + len, a->append, strlen(a->append));
		o = len + strlen(a->append);
	} else if (a->instr == ZJ_ARR_FILE_MODIFY) {
		if ((uint64_t)a->offset + a->hex.len > len) {
			snprintf(
				msg, msglen,
				"%zu bytes at offset %lld run past the end of the file (%zu bytes)",
				a->hex.len, (long long)a->offset, len);
			free(out);
			return -ZJ_EINVAL;
		}
		memcpy(out, old, len);
		memcpy(out + a->offset, a->hex.data, a->hex.len);
		o = len;
	} else if (a->text.n) {
		for (size_t i = 0; i < len;) {
			const char *nl = memchr(old + i, '\n', len - i);
			size_t end = nl ? (size_t)(nl - old) + 1 : len;
			bool hit = false;

			for (size_t k = 0; k < a->text.n && !hit; k++)
				hit = contains(old + i, end - i, a->text.v[k]);
			if (!hit) {
				memcpy(out + o, old + i, end - i);
				o += end - i;
			}
			i = end;
		}
	} else {
		for (size_t i = 0; i < len;) {
			if (a->hex.len && len - i >= a->hex.len &&
			    memcmp(old + i, a->hex.data, a->hex.len) == 0) {
				i += a->hex.len;
				continue;
			}
			out[o++] = old[i++];
		}
	}
	*ret = out;
	*ret_len = o;
	return 0;
}

static int file_rewrite(const struct fctx *x)
{
	const struct zj_arr_action *a = x->a;
	wchar_t *wp = wpath(a->path);
	char *old = NULL, *out = NULL, id[64];
	size_t len = 0, olen = 0;
	int r;

	if (!wp)
		return -ZJ_ENOMEM;
	r = check_resolved(x, wp, a->path);
	if (r == 0) {
		r = read_all(wp, &old, &len);
		if (r < 0)
			snprintf(x->msg, x->msglen, "%s: cannot read it (%s)", a->path,
				 r == -ZJ_ENOENT   ? "no such file"
				 : r == -ZJ_ENOSPC ? "larger than 64 MiB"
						   : "error");
	}
	if (r == 0)
		r = new_content(a, old, len, &out, &olen, x->msg, x->msglen);
	if (r == 0 && a->instr == ZJ_ARR_FILE_DELTEXT && olen == len) {
		snprintf(x->msg, x->msglen, "%s: nothing to remove; left untouched", a->path);
		goto out;
	}
	if (r == 0)
		r = quarantine_put(x, wp, a->path, false, NULL, id);
	if (r == 0) {
		r = write_atomic(wp, out, olen, true);
		if (r < 0)
			snprintf(x->msg, x->msglen, "%s: cannot write it (%d)", a->path, r);
		else
			snprintf(x->msg, x->msglen,
				 "%s %s (%zu -> %zu bytes); the old file is quarantine %s",
				 a->instr == ZJ_ARR_FILE_DELTEXT ? "removed text from" : "modified",
				 a->path, len, olen, id);
	}
out:
	free(out);
	free(old);
	free(wp);
	return r;
}

static int file_rename(const struct fctx *x)
{
	const struct zj_arr_action *a = x->a;
	wchar_t *wp = wpath(a->path), *wto = wpath(a->to);
	char id[64] = "";
	DWORD attrs;
	int r = 0;

	if (!wp || !wto) {
		free(wp);
		free(wto);
		return -ZJ_ENOMEM;
	}
	attrs = GetFileAttributesW(wp);
	if (attrs == INVALID_FILE_ATTRIBUTES) {
		snprintf(x->msg, x->msglen, "%s: no such file", a->path);
		r = -ZJ_ENOENT;
	} else if (attrs & FILE_ATTRIBUTE_DIRECTORY) {
		snprintf(x->msg, x->msglen, "%s is a directory; File_Rename renames files",
			 a->path);
		r = -ZJ_EINVAL;
	}
	if (r == 0)
		r = check_resolved(x, wp, a->path);
	if (r == 0)
		r = check_resolved(x, wto, a->to);
	if (r == 0 && GetFileAttributesW(wto) != INVALID_FILE_ATTRIBUTES) {
		r = quarantine_put(x, wto, a->to, true, NULL, id);
		if (r < 0)
			snprintf(x->msg, x->msglen, "%s exists and cannot be quarantined", a->to);
	}
	if (r == 0 && !MoveFileExW(wp, wto, MOVEFILE_COPY_ALLOWED | MOVEFILE_WRITE_THROUGH)) {
		r = werr(GetLastError());
		snprintf(x->msg, x->msglen, "%s -> %s: Windows error %lu%s%s", a->path, a->to,
			 (unsigned long)GetLastError(),
			 id[0] ? "; what was there is quarantine " : "", id);
	} else if (r == 0) {
		snprintf(x->msg, x->msglen, "renamed %s to %s%s%s", a->path, a->to,
			 id[0] ? "; what was there is quarantine " : "", id);
	}
	free(wp);
	free(wto);
	return r;
}

static int file_attribute(const struct fctx *x)
{
	const struct zj_arr_action *a = x->a;
	const DWORD lift = FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM;
	wchar_t *wp = wpath(a->path);
	DWORD attrs, to;
	int r;

	if (!wp)
		return -ZJ_ENOMEM;
	attrs = GetFileAttributesW(wp);
	if (attrs == INVALID_FILE_ATTRIBUTES) {
		r = werr(GetLastError());
		snprintf(x->msg, x->msglen, "%s: no such file", a->path);
		free(wp);
		return r;
	}
	r = check_resolved(x, wp, a->path);
	if (r < 0) {
		free(wp);
		return r;
	}
	to = a->immutable ? attrs | FILE_ATTRIBUTE_READONLY : attrs & ~lift;
	to &= ~(DWORD)FILE_ATTRIBUTE_NORMAL;
	if (!SetFileAttributesW(wp, to ? to : FILE_ATTRIBUTE_NORMAL)) {
		r = werr(GetLastError());
		snprintf(x->msg, x->msglen, "%s: Windows error %lu", a->path,
			 (unsigned long)GetLastError());
	} else {
		snprintf(x->msg, x->msglen, "%s: attributes 0x%lx -> 0x%lx (%s)", a->path,
			 (unsigned long)attrs, (unsigned long)GetFileAttributesW(wp),
			 a->immutable ? "read-only set" : "read-only, hidden and system cleared");
	}
	free(wp);
	return r;
}

int zj_win_arr_file(const struct zj_arr_rule *rule, size_t idx, char *msg, size_t msglen)
{
	struct fctx x = {rule, idx, &rule->actions[idx], msg, msglen};

	msg[0] = '\0';
	switch (x.a->instr) {
	case ZJ_ARR_FILE_DELETE:
		return file_delete(&x);
	case ZJ_ARR_FILE_CREATE:
		return file_create(&x);
	case ZJ_ARR_FILE_MODIFY:
	case ZJ_ARR_FILE_DELTEXT:
		return file_rewrite(&x);
	case ZJ_ARR_FILE_RENAME:
		return file_rename(&x);
	case ZJ_ARR_FILE_ATTRIBUTE:
		return file_attribute(&x);
	default:
		snprintf(msg, msglen, "not supported on windows");
		return -ZJ_EOPNOTSUPP;
	}
}
