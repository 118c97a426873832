/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image references "name[:tag]", as Docker's reference grammar has them. */
#include <ctype.h>
#include "image-internal.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isdigit((unsigned char)s[n]) && !(s[n] >= 'a' && s[n] <= 'f'))
			return false;
	return n >= min && n <= max;
}

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* over s[0..n) */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < n && is_alnum_lower(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.' || s[i] == '_') {
			i++;
			if (s[i - 1] == '_' && i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n)
			return false;
	}
}

/* domain: component ('.' component)* (':' port)?, component [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])? */
static bool domain_ok(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t host = colon ? (size_t)(colon - s) : n;
	size_t i = 0;

	if (colon) {
		size_t plen = n - host - 1;
		if (plen == 0 || plen > 5)
			return false;
		for (size_t k = host + 1; k < n; k++)
			if (!isdigit((unsigned char)s[k]))
				return false;
	}
	while (i < host) {
		size_t start = i;
		while (i < host && (isalnum((unsigned char)s[i]) || s[i] == '-'))
			i++;
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		if (i < host) {
			if (s[i] != '.' || i + 1 == host)
				return false;
			i++;
		}
	}
	return host > 0;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > TAG_MAX_LEN)
		return false;
	if (!isalnum((unsigned char)t[0]) && t[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

/* Docker Hub's implicit prefixes: "docker.io/library/busybox" is "busybox". */
static const char *strip_hub(const char *name)
{
	static const char *const prefixes[] = { "docker.io/library/", "index.docker.io/library/", "docker.io/",
						"index.docker.io/" };
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(name, prefixes[i], n) == 0 && name[n])
			return name + n;
	}
	return name;
}

int rt_image_ref_parse(const char *ref, char **ret_name, char **ret_tag, struct err *e)
{
	const char *slash, *colon, *tag = RT_IMAGE_DEFAULT_TAG;
	size_t nlen;

	if (!ref || !*ref)
		return err_setx(e, EINVAL, "invalid reference format: empty image name");
	if (strchr(ref, '@'))
		return err_setx(e, EINVAL, "invalid reference \"%s\": digests are not supported, use name:tag or an id", ref);
	slash = strrchr(ref, '/');
	colon = strrchr(slash ? slash : ref, ':');
	nlen = colon ? (size_t)(colon - ref) : strlen(ref);
	if (colon) {
		tag = colon + 1;
		if (!tag_ok(tag))
			return err_setx(e, EINVAL, "invalid reference \"%s\": bad tag \"%s\"", ref, tag);
	}
	if (nlen == 0 || nlen > NAME_MAX_LEN)
		return err_setx(e, EINVAL, "invalid reference \"%s\": the name must be 1 to %d characters", ref,
				NAME_MAX_LEN);
	/* components separated by '/'; the first is a registry when it has '.' or ':' or is localhost */
	const char *p = ref, *end = ref + nlen;
	bool first = true;
	while (p <= end) {
		const char *q = memchr(p, '/', (size_t)(end - p));
		size_t clen = q ? (size_t)(q - p) : (size_t)(end - p);
		bool is_domain = first && q &&
				 (memchr(p, '.', clen) || memchr(p, ':', clen) || (clen == 9 && !strncmp(p, "localhost", 9)));
		if (is_domain ? !domain_ok(p, clen) : !path_component_ok(p, clen))
			return err_setx(e, EINVAL,
					"invalid reference \"%s\": \"%.*s\" is not a valid name component (lowercase "
					"letters, digits and . _ - separators)",
					ref, (int)clen, p);
		first = false;
		if (!q)
			break;
		p = q + 1;
	}
	_cleanup_free_ char *name = xstrndup(ref, nlen);
	*ret_name = xstrdup(strip_hub(name));
	*ret_tag = xstrdup(tag);
	return 0;
}

char *image_ref_normalise(const char *ref, struct err *e)
{
	_cleanup_free_ char *name = NULL, *tag = NULL;
	if (rt_image_ref_parse(ref, &name, &tag, e) < 0)
		return NULL;
	return xasprintf("%s:%s", name, tag);
}
