/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <sys/stat.h>
#include "common.h"

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	return xasprintf("%.*s/%s", (int)la, a, b);
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	_cleanup_close_ int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		int r = fault_point("state");
		if (r < 0)
			return r;
		/* write in pieces of at most 64 KiB, so a failure can really come mid-file */
		ssize_t n = write(fd, p, len < 65536 ? len : 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, struct err *e)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ char *copy = xstrdup(path);
	int r;

	tmp = xasprintf("%s/.%s.tmpXXXXXX", dirname(copy), basename((char *)path));
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "write %s: create temporary file", path);
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return err_set(e, -r, "write %s", path);
	}
	r = fsync_dir_of(path);
	if (r < 0)
		return err_set(e, -r, "write %s: sync directory", path);
	return 0;
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return err_set(e, errno, "open %s", path);
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, errno, "read %s", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return err_setx(e, EFBIG, "read %s: larger than %zu bytes", path, max);
	}
	if (!buf)
		buf = xmalloc(1);
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int state_write_json(const char *path, json_object *obj, struct err *e)
{
	size_t len;
	const char *s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!s)
		return err_setx(e, ENOMEM, "write %s: cannot serialize JSON", path);
	/* json-c ends without a newline; keep the file friendly to cat */
	_cleanup_free_ char *buf = xmalloc(len + 2);
	memcpy(buf, s, len);
	buf[len] = '\n';
	return write_file_atomic(path, buf, len + 1, 0600, e);
}

/* State files are ours and small; anything past this is corruption. */
#define STATE_MAX (64u << 20)

int state_read_json(const char *path, json_object **ret, struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_file(path, STATE_MAX, &buf, &len, e);
	if (r < 0)
		return r;
	_cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return err_setx(e, ENOMEM, "parse %s: out of memory", path);
	json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	if (!o || je != json_tokener_success) {
		json_object_put(o);
		return err_setx(e, EBADMSG, "parse %s: %s", path,
				je == json_tokener_continue ? "unexpected end of file" : json_tokener_error_desc(je));
	}
	size_t off = json_tokener_get_parse_end(tok);
	while (off < len && strchr(" \t\r\n", buf[off]))
		off++;
	if (off != len) {
		json_object_put(o);
		return err_setx(e, EBADMSG, "parse %s: trailing data after JSON", path);
	}
	*ret = o;
	return 0;
}

int mkdir_p(const char *path, mode_t mode, struct err *e)
{
	/* the common cases first: only the last component missing (one mkdir),
	 * or nothing missing (one mkdir and one stat) */
	int made = mkdir(path, mode) == 0, r;
	if (made) {
		/* tests: a directory that could not be made (a state write) */
		if ((r = fault_point("state")) < 0) {
			(void)rmdir(path);
			return err_set(e, -r, "create directory %s", path);
		}
		return 0;
	}
	if (errno == ENOENT) {
		_cleanup_free_ char *p = xstrdup(path);
		for (char *s = p + 1;; s++) {
			if (*s == '/' || *s == '\0') {
				char c = *s;
				*s = '\0';
				made = mkdir(p, mode) == 0;
				if (!made && errno != EEXIST)
					return err_set(e, errno, "create directory %s", p);
				if (made && (r = fault_point("state")) < 0) {
					(void)rmdir(p);
					return err_set(e, -r, "create directory %s", p);
				}
				*s = c;
				if (c == '\0')
					break;
			}
		}
	} else if (errno != EEXIST) {
		return err_set(e, errno, "create directory %s", path);
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return err_set(e, errno, "create directory %s", path);
	if (!S_ISDIR(st.st_mode))
		return err_setx(e, ENOTDIR, "create directory %s: exists and is not a directory", path);
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	int r = flag == FTW_DP ? rmdir(p) : unlink(p);
	return r < 0 && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *path, struct err *e)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_set(e, errno, "remove %s", path);
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
		return err_set(e, errno ? errno : EIO, "remove %s", path);
	return 0;
}
