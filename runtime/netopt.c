/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --network's long form (Docker 25+): name=NET,alias=A,ip=IP,ip6=IP6,
 * mac-address=MAC, the per-network settings of one network (pure; fuzzed
 * through fuzz-runtime-opts). Docker reads the fields as one CSV record and
 * lower-cases them whole; here only the keys are (network names and aliases
 * keep their case). Quoting is not needed for anything valid here, so a
 * quote is refused rather than half-interpreted.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include "runtime.h"

bool rt_network_is_long(const char *s)
{
	return s && strchr(s, '=');
}

static char *trimmed(const char *s, size_t n, bool lower)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	char *r = xstrndup(s, n);
	for (char *p = r; lower && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

static int set_once(char **dst, const char *key, const char *v, struct err *e)
{
	if (*dst)
		return err_setx(e, EINVAL, "invalid --network: \"%s\" is given twice", key);
	*dst = xstrdup(v);
	return 0;
}

static int addr_check(const char *key, const char *v, int family, struct err *e)
{
	unsigned char buf[16];
	if (inet_pton(family, v, buf) != 1)
		return err_setx(e, EINVAL, "invalid --network: %s=\"%.64s\" is not an IPv%c address", key, v,
				family == AF_INET ? '4' : '6');
	return 0;
}

static int mac_check(const char *v, struct err *e)
{
	if (strlen(v) != 17)
		goto bad;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? v[i] != ':' : !isxdigit((unsigned char)v[i]))
			goto bad;
	if (strtoul(v, NULL, 16) & 1)
		return err_setx(e, EINVAL, "invalid --network: mac-address=%s is a multicast address", v);
	return 0;
bad:
	return err_setx(e, EINVAL, "invalid --network: mac-address=\"%.32s\": use six hex pairs (02:42:ac:11:00:02)",
			v);
}

static int field(struct rt_netconf *n, const char *key, const char *v, struct err *e)
{
	if (strcmp(key, "name") == 0)
		return set_once(&n->name, key, v, e);
	if (strcmp(key, "alias") == 0) {
		if (!*v)
			return err_setx(e, EINVAL, "invalid --network: an empty alias");
		if (!strv_contains(n->aliases, v))
			strv_push(&n->aliases, v);
		return 0;
	}
	if (strcmp(key, "ip") == 0)
		return addr_check(key, v, AF_INET, e) ?: set_once(&n->ip, key, v, e);
	if (strcmp(key, "ip6") == 0)
		return addr_check(key, v, AF_INET6, e) ?: set_once(&n->ip6, key, v, e);
	if (strcmp(key, "mac-address") == 0)
		return mac_check(v, e) ?: set_once(&n->mac, key, v, e);
	if (strcmp(key, "driver-opt") == 0 || strcmp(key, "link-local-ip") == 0 || strcmp(key, "gw-priority") == 0)
		return err_setx(e, EINVAL, "invalid --network: \"%s\" is not supported by pontoon", key);
	return err_setx(e, EINVAL, "invalid --network: unknown field \"%.64s\"", key);
}

int rt_parse_network_long(const char *s, struct rt_netconf *ret, struct err *e)
{
	struct rt_netconf n = { 0 };
	int r = 0;

	if (strpbrk(s, "\"\n"))
		return err_setx(e, EINVAL, "invalid --network \"%.140s\": quotes and line breaks are not taken", s);
	for (const char *p = s; r == 0;) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		_cleanup_free_ char *key = eq ? trimmed(p, (size_t)(eq - p), true) : NULL;
		_cleanup_free_ char *val = eq ? trimmed(eq + 1, len - (size_t)(eq - p) - 1, false) : NULL;
		if (!eq || !*key)
			r = err_setx(e, EINVAL, "invalid --network \"%.140s\": field \"%.*s\" is not KEY=VALUE", s,
				     (int)(len > 64 ? 64 : len), p);
		else
			r = field(&n, key, val, e);
		if (!p[len])
			break;
		p += len + 1;
	}
	if (r == 0 && !n.name)
		r = err_setx(e, EINVAL, "invalid --network \"%.140s\": no name=NETWORK", s);
	if (r == 0 && (strcmp(n.name, "none") == 0 || strcmp(n.name, "host") == 0 || strchr(n.name, ':')))
		r = err_setx(e, EINVAL, "invalid --network \"%.140s\": per-network settings need a network, not %s", s,
			     n.name);
	if (r == 0)
		r = rt_parse_network(n.name, e);
	if (r < 0) {
		rt_netconf_done(&n);
		return r;
	}
	*ret = n;
	return 0;
}

int rt_parse_expose(const char *s, char ***ret, struct err *e)
{
	const char *slash = strchr(s, '/'), *dash;
	const char *given = slash ? slash + 1 : "tcp";
	_cleanup_free_ char *range = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	uint64_t lo, hi;

	/* "80/TCP" is 80/tcp, as Docker lower-cases the protocol */
	const char *proto = strcasecmp(given, "tcp") == 0 ? "tcp" : strcasecmp(given, "udp") == 0 ? "udp" : NULL;
	if (!proto)
		return err_setx(e, EINVAL, "invalid --expose \"%.64s\": the protocol must be tcp or udp", s);
	dash = strchr(range, '-');
	_cleanup_free_ char *first = dash ? xstrndup(range, (size_t)(dash - range)) : xstrdup(range);
	if (parse_uint(first, 1, 65535, &lo) < 0 || parse_uint(dash ? dash + 1 : first, 1, 65535, &hi) < 0 || hi < lo)
		return err_setx(e, EINVAL, "invalid --expose \"%.64s\": use PORT[-PORT][/tcp|/udp]", s);
	for (uint64_t p = lo; p <= hi; p++) {
		char k[24];
		snprintf(k, sizeof(k), "%u/%s", (unsigned)p, proto);
		if (!strv_contains(*ret, k))
			strv_push(ret, k);
	}
	return 0;
}
