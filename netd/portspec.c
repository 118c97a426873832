/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -p specs: parsing and formatting (pure; unit-tested and fuzzed). */
#include <netinet/in.h>
#include "netd.h"

const char *netd_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* A port 1..65535 of exactly the n bytes at s. */
static int port_num(const char *s, size_t n, uint16_t *ret)
{
	unsigned long v = 0;
	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* "A" or "A-B" (A <= B): first port and count. */
static int port_range(const char *s, size_t n, uint16_t *first, uint16_t *count, struct err *e)
{
	const char *dash = memchr(s, '-', n);
	uint16_t a, b;
	if (!dash) {
		if (port_num(s, n, &a) < 0)
			return err_setx(e, EINVAL, "invalid port \"%.*s\"", (int)(n > 16 ? 16 : n), s);
		*first = a;
		*count = 1;
		return 0;
	}
	if (port_num(s, (size_t)(dash - s), &a) < 0 || port_num(dash + 1, n - (size_t)(dash - s) - 1, &b) < 0)
		return err_setx(e, EINVAL, "invalid port range \"%.*s\"", (int)(n > 24 ? 24 : n), s);
	if (b < a)
		return err_setx(e, EINVAL, "invalid port range %u-%u: the end is below the start", a, b);
	*first = a;
	*count = (uint16_t)(b - a + 1);
	return 0;
}

/* Split off the address: "[v6]:", "v4:" or nothing. *rest is what follows. */
static int host_ip(const char *s, size_t n, struct netd_port *p, const char **rest, struct err *e)
{
	const char *c;
	int r;
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close + 1 >= s + n || close[1] != ':')
			return err_setx(e, EINVAL, "an IPv6 address must be [ADDRESS]:HOSTPORT:CPORT");
		r = ipam_addr_parse_n(s + 1, (size_t)(close - s - 1), &p->ip, NULL);
		if (r < 0 || p->ip.family != AF_INET6)
			return err_setx(e, EINVAL, "invalid IPv6 address in brackets");
		p->has_ip = true;
		*rest = close + 2;
		return 0;
	}
	/* IP:H:C has two colons; H:C one; C none */
	c = memchr(s, ':', n);
	if (c && memchr(c + 1, ':', n - (size_t)(c + 1 - s))) {
		const char *third = memchr(c + 1, ':', n - (size_t)(c + 1 - s));
		if (memchr(third + 1, ':', n - (size_t)(third + 1 - s)))
			return err_setx(e, EINVAL, "too many ':' (an IPv6 address goes in brackets)");
		r = ipam_addr_parse_n(s, (size_t)(c - s), &p->ip, NULL);
		if (r < 0 || p->ip.family != AF_INET)
			return err_setx(e, EINVAL, "invalid host address \"%.*s\"", (int)(c - s > 40 ? 40 : c - s), s);
		p->has_ip = true;
		*rest = c + 1;
		return 0;
	}
	*rest = s;
	return 0;
}

static int parse(const char *spec, struct netd_port *p, struct err *e)
{
	size_t n = strlen(spec);
	const char *slash = memchr(spec, '/', n), *rest = spec, *colon, *end;
	uint16_t hcount = 0;
	int r;

	memset(p, 0, sizeof(*p)); /* padding too: callers compare mappings with memcmp */
	p->proto = IPPROTO_TCP;
	if (n == 0 || n > 120)
		return err_setx(e, EINVAL, "empty or overlong spec");
	if (slash) {
		if (strcmp(slash + 1, "udp") == 0)
			p->proto = IPPROTO_UDP;
		else if (strcmp(slash + 1, "tcp") != 0)
			return err_setx(e, EINVAL, "unknown protocol \"%.8s\": use tcp or udp", slash + 1);
		n = (size_t)(slash - spec);
	}
	end = spec + n;
	if ((r = host_ip(spec, n, p, &rest, e)) < 0)
		return r;
	colon = memchr(rest, ':', (size_t)(end - rest));
	if (p->has_ip && !colon)
		return err_setx(e, EINVAL, "a host address needs HOSTPORT:CPORT or :CPORT after it");
	if (colon) {
		if (colon > rest && (r = port_range(rest, (size_t)(colon - rest), &p->hport, &hcount, e)) < 0)
			return r;
		rest = colon + 1;
	}
	if ((r = port_range(rest, (size_t)(end - rest), &p->cport, &p->count, e)) < 0)
		return r;
	if (hcount && hcount != p->count)
		return err_setx(e, EINVAL, "host and container port ranges differ in length (%u and %u)", hcount,
				p->count);
	return 0;
}

int netd_port_parse(const char *spec, struct netd_port *ret, struct err *e)
{
	int r = parse(spec, ret, e);
	if (r < 0 && e)
		return err_wrap(e, "invalid port spec \"%.64s\"", spec);
	return r;
}

char *netd_port_format(const struct netd_port *p, char *buf, size_t len)
{
	char a[IPAM_ADDR_STRLEN], h[16] = "", c[16];
	size_t k = 0;
	if (p->count > 1) {
		snprintf(c, sizeof(c), "%u-%u", p->cport, (unsigned)(p->cport + p->count - 1));
		if (p->hport)
			snprintf(h, sizeof(h), "%u-%u", p->hport, (unsigned)(p->hport + p->count - 1));
	} else {
		snprintf(c, sizeof(c), "%u", p->cport);
		if (p->hport)
			snprintf(h, sizeof(h), "%u", p->hport);
	}
	buf[0] = 0;
	if (p->has_ip)
		k = (size_t)snprintf(buf, len, p->ip.family == AF_INET6 ? "[%s]:" : "%s:",
				     ipam_addr_format(&p->ip, a, sizeof(a)));
	if (k < len)
		snprintf(buf + k, len - k, "%s%s%s/%s", h, p->hport || p->has_ip ? ":" : "", c,
			 netd_proto_name(p->proto));
	return buf;
}
