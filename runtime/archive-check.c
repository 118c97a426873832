/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checks of the entries of a layer tar, before anything touches the disk.
 * These are pure string checks; layer-extract.c adds the checks that need the
 * tree (no entry is written through a symlink).
 */
#include <limits.h>
#include "image-internal.h"

/* Printable form of a hostile name for messages: control bytes escaped, cut at 200. */
static char *shown(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = xmalloc((n < 200 ? n : 200) * 4 + 4);
	for (size_t i = 0; i < n && i < 200; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			o += (size_t)sprintf(out + o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (n > 200)
		o += (size_t)sprintf(out + o, "...");
	out[o] = '\0';
	return out;
}

int rt_archive_check_path(const char *name, char **ret_clean, struct err *e)
{
	if (!name || !*name)
		return err_setx(e, EINVAL, "archive entry with an empty name");
	_cleanup_free_ char *show = shown(name);
	size_t n = strlen(name);
	if (n >= PATH_MAX)
		return err_setx(e, EINVAL, "archive entry \"%s\": name longer than %d bytes", show, PATH_MAX);
	if (name[0] == '/')
		return err_setx(e, EINVAL, "archive entry \"%s\": absolute path", show);

	_cleanup_free_ char *out = xmalloc(n + 1);
	size_t o = 0;
	const char *p = name;
	while (*p) {
		const char *q = strchrnul(p, '/');
		size_t clen = (size_t)(q - p);
		if (clen == 2 && p[0] == '.' && p[1] == '.')
			return err_setx(e, EINVAL, "archive entry \"%s\": \"..\" in the path", show);
		if (clen > 0 && !(clen == 1 && p[0] == '.')) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, clen);
			o += clen;
		}
		p = *q ? q + 1 : q;
	}
	out[o] = '\0';
	*ret_clean = TAKE_PTR(out);
	return 0;
}

int rt_archive_check_symlink(const char *entry, const char *target, struct err *e)
{
	_cleanup_free_ char *show = shown(entry);
	if (!target || !*target)
		return err_setx(e, EINVAL, "archive entry \"%s\": symlink with an empty target", show);
	if (strlen(target) >= PATH_MAX)
		return err_setx(e, EINVAL, "archive entry \"%s\": symlink target longer than %d bytes", show, PATH_MAX);
	if (target[0] == '/')
		return 0; /* inside the container's root at run time; never followed while extracting */

	/* depth of the symlink's directory, then walk the target lexically */
	long depth = 0;
	for (const char *p = entry; *p; p++)
		if (*p == '/')
			depth++;
	const char *p = target;
	while (*p) {
		const char *q = strchrnul(p, '/');
		size_t clen = (size_t)(q - p);
		if (clen == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0) {
				_cleanup_free_ char *st = shown(target);
				return err_setx(e, EINVAL, "archive entry \"%s\": symlink target \"%s\" escapes the root",
						show, st);
			}
		} else if (clen > 0 && !(clen == 1 && p[0] == '.')) {
			depth++;
		}
		p = *q ? q + 1 : q;
	}
	return 0;
}

int rt_archive_check_hardlink(const char *entry, const char *target, char **ret_clean, struct err *e)
{
	_cleanup_free_ char *show = shown(entry);
	_cleanup_free_ char *clean = NULL;
	struct err sub = { 0 };

	if (!target || !*target)
		return err_setx(e, EINVAL, "archive entry \"%s\": hard link with an empty target", show);
	if (rt_archive_check_path(target, &clean, &sub) < 0)
		return err_setx(e, EINVAL, "archive entry \"%s\": hard link target escapes the root: %s", show,
				err_msg(&sub));
	if (!*clean)
		return err_setx(e, EINVAL, "archive entry \"%s\": hard link to the root directory", show);
	*ret_clean = TAKE_PTR(clean);
	return 0;
}
