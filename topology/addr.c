/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses of one family (through ipam) and MAC addresses. */
#include <arpa/inet.h>
#include <ctype.h>
#include "internal.h"

bool addr_parse(const char *s, int family, struct ipam_addr *ret)
{
	struct ipam_addr a;
	if (ipam_addr_parse(s, &a, NULL) < 0 || a.family != family)
		return false;
	if (ret)
		*ret = a;
	return true;
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
