/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict IPv4/IPv6 addresses, CIDR prefixes and MAC addresses. */
#include <arpa/inet.h>
#include <ctype.h>
#include "internal.h"

bool addr_parse(const char *s, int family, struct addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	ret->plen = family == AF_INET ? 32 : 128;
	return inet_pton(family, s, ret->b) == 1;
}

bool cidr_parse(const char *s, int family, struct addr *ret)
{
	const char *slash = strchr(s, '/');
	uint64_t plen;
	char buf[INET6_ADDRSTRLEN];

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (!addr_parse(buf, family, ret))
		return false;
	if (parse_uint(slash + 1, 0, family == AF_INET ? 32 : 128, &plen) < 0 || slash[1] == '+' ||
	    !isdigit((unsigned char)slash[1]))
		return false;
	ret->plen = (unsigned)plen;
	return true;
}

bool addr_in(const struct addr *a, const struct addr *net)
{
	unsigned full = net->plen / 8, rest = net->plen % 8;
	if (a->family != net->family)
		return false;
	if (memcmp(a->b, net->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a->b[full] & mask) == (net->b[full] & mask);
}

/* xx:xx:xx:xx:xx:xx, hex, unicast (the kernel refuses a multicast MAC on a veth). */
bool mac_parse(const char *s)
{
	unsigned char first = 0;
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	first = (unsigned char)strtoul(s, NULL, 16);
	return !(first & 1);
}
