/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The archive entry checks: input is "NAME\0TARGET". Beyond not crashing, a
 * name that passes must come out normalised (relative, no "." or ".." or empty
 * components), and a relative symlink target that passes must stay inside the root.
 */
#include "image-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *clean)
{
	if (clean[0] == '/')
		abort();
	for (const char *p = clean; *p;) {
		const char *q = strchrnul(p, '/');
		size_t n = (size_t)(q - p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			abort();
		p = *q ? q + 1 : q;
	}
}

/* Walk the target lexically from the entry's directory: never above the root. */
static void check_inside(const char *entry, const char *target)
{
	long depth = 0;
	for (const char *p = entry; *p; p++)
		depth += *p == '/';
	for (const char *p = target; *p;) {
		const char *q = strchrnul(p, '/');
		size_t n = (size_t)(q - p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (n && !(n == 1 && p[0] == '.'))
			depth++;
		if (depth < 0)
			abort();
		p = *q ? q + 1 : q;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 2);
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	const char *name = buf, *target = buf + strlen(buf) + 1;
	if (target > buf + size)
		target = "";
	struct err e = { 0 };
	char *clean = NULL, *tclean = NULL;

	if (rt_archive_check_path(name, &clean, &e) == 0) {
		check_clean(clean);
		if (*clean && rt_archive_check_symlink(clean, target, &e) == 0 && target[0] != '/')
			check_inside(clean, target);
		if (*clean && rt_archive_check_hardlink(clean, target, &tclean, &e) == 0) {
			check_clean(tclean);
			if (!*tclean)
				abort();
		}
	} else if (clean || e.code != EINVAL) {
		abort();
	}
	char *n = NULL, *t = NULL;
	if (rt_image_ref_parse(name, &n, &t, &e) == 0 && (!*n || !*t))
		abort();
	free(n);
	free(t);
	free(clean);
	free(tclean);
	free(buf);
	return 0;
}
