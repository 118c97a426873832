/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <strings.h>
#include "common.h"

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	uint64_t v = 0, mult = 1;
	size_t n = s ? strlen(s) : 0, digits = 0;

	while (digits < n && isdigit((unsigned char)s[digits]))
		digits++;
	if (digits == 0)
		return -EINVAL;
	const char *u = s + digits;
	if (strcasecmp(u, "") == 0 || strcasecmp(u, "b") == 0)
		mult = 1;
	else if (strcasecmp(u, "k") == 0 || strcasecmp(u, "kb") == 0)
		mult = 1ull << 10;
	else if (strcasecmp(u, "m") == 0 || strcasecmp(u, "mb") == 0)
		mult = 1ull << 20;
	else if (strcasecmp(u, "g") == 0 || strcasecmp(u, "gb") == 0)
		mult = 1ull << 30;
	else if (strcasecmp(u, "t") == 0 || strcasecmp(u, "tb") == 0)
		mult = 1ull << 40;
	else
		return -EINVAL;
	_cleanup_free_ char *num = xstrndup(s, digits);
	int r = parse_uint(num, 0, UINT64_MAX, &v);
	if (r < 0)
		return r;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*ret = v * mult;
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };

	for (size_t i = 0; s && i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}
