/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses: strict parsing and canonical formatting, 128-bit arithmetic. */
#include <arpa/inet.h>
#include <ctype.h>
#include "ipam-internal.h"

unsigned ipam_family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

u128 addr_to_u128(const struct ipam_addr *a)
{
	unsigned n = a->family == AF_INET ? 4 : 16;
	u128 v = 0;

	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | a->b[i];
	return v;
}

void u128_to_addr(int family, u128 v, struct ipam_addr *ret)
{
	unsigned n = family == AF_INET ? 4 : 16;

	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	for (unsigned i = n; i-- > 0;) {
		ret->b[i] = (uint8_t)v;
		v >>= 8;
	}
}

u128 host_mask(int family, unsigned len)
{
	unsigned bits = ipam_family_bits(family);

	if (len >= bits)
		return 0;
	if (bits == 128)
		return len == 0 ? U128_MAX : U128_MAX >> len;
	return (u128)(UINT32_MAX >> len);
}

const char *quote_n(const char *s, size_t n, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, lim = n > 64 ? 64 : n;

	for (size_t i = 0; i < lim; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (lim < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* Only the characters an address may hold; inet_pton does the grammar (it
 * refuses IPv4 leading zeros, short forms like "10.1" and IPv6 zones). */
static bool addr_chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) && s[i] != '.' && s[i] != ':')
			return false;
	return true;
}

int ipam_addr_parse_n(const char *s, size_t n, struct ipam_addr *ret, struct err *e)
{
	char q[QUOTE_MAX], buf[IPAM_ADDR_STRLEN];
	struct ipam_addr a = {0};

	if (!s || n == 0)
		return err_setx(e, EINVAL, "invalid IP address '': empty");
	if (memchr(s, '\0', n))
		return err_setx(e, EINVAL, "invalid IP address '%s': contains a NUL byte", quote_n(s, n, q));
	if (n >= sizeof(buf) || !addr_chars_ok(s, n))
		return err_setx(e, EINVAL, "invalid IP address '%s'", quote_n(s, n, q));
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n)) {
		a.family = AF_INET6;
		if (inet_pton(AF_INET6, buf, a.b) != 1)
			return err_setx(e, EINVAL, "invalid IPv6 address '%s'", quote_n(s, n, q));
	} else {
		a.family = AF_INET;
		if (inet_pton(AF_INET, buf, a.b) != 1)
			return err_setx(e, EINVAL, "invalid IPv4 address '%s'", quote_n(s, n, q));
	}
	*ret = a;
	return 0;
}

int ipam_addr_parse(const char *s, struct ipam_addr *ret, struct err *e)
{
	return ipam_addr_parse_n(s, s ? strlen(s) : 0, ret, e);
}

char *ipam_addr_format(const struct ipam_addr *a, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if ((a->family != AF_INET && a->family != AF_INET6) || !inet_ntop(a->family, a->b, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

int ipam_addr_cmp(const struct ipam_addr *a, const struct ipam_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : b->family == AF_INET ? 1 : (a->family < b->family ? -1 : 1);
	return memcmp(a->b, b->b, a->family == AF_INET ? 4 : 16);
}

bool ipam_addr_equal(const struct ipam_addr *a, const struct ipam_addr *b)
{
	return ipam_addr_cmp(a, b) == 0;
}

void ipam_addr_from_v4(uint32_t be_addr, struct ipam_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = AF_INET;
	memcpy(ret->b, &be_addr, 4);
}

void ipam_addr_from_bytes(int family, const void *bytes, struct ipam_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	memcpy(ret->b, bytes, family == AF_INET ? 4 : 16);
}
