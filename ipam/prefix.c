/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prefixes (CIDR) and ranges: strict parsing, relations, address helpers,
 * and the conflict check of a requested subnet against those in use. */
#include "ipam-internal.h"

static int parse_len(const char *s, size_t n, unsigned bits, unsigned *ret, struct err *e, const char *q)
{
	char ql[QUOTE_MAX];
	unsigned v = 0;

	if (n == 0)
		return err_setx(e, EINVAL, "invalid CIDR '%s': empty prefix length", q);
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return err_setx(e, EINVAL, "invalid CIDR '%s': prefix length '%s' is not a number", q,
					quote_n(s, n, ql));
	if (n > 1 && s[0] == '0')
		return err_setx(e, EINVAL, "invalid CIDR '%s': prefix length '%s' has a leading zero", q,
				quote_n(s, n, ql));
	if (n > 3)
		return err_setx(e, EINVAL, "invalid CIDR '%s': prefix length '%s' out of range 0-%u", q,
				quote_n(s, n, ql), bits);
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	if (v > bits)
		return err_setx(e, EINVAL, "invalid CIDR '%s': prefix length %u out of range 0-%u", q, v, bits);
	*ret = v;
	return 0;
}

int ipam_prefix_parse_n(const char *s, size_t n, unsigned flags, struct ipam_prefix *ret, struct err *e)
{
	char q[QUOTE_MAX], buf[IPAM_PREFIX_STRLEN];
	struct ipam_prefix p = {0};
	struct err sub = {0};
	const char *slash;
	size_t alen;
	u128 v, m;
	int r;

	if (!s || n == 0)
		return err_setx(e, EINVAL, "invalid CIDR '': empty");
	quote_n(s, n, q);
	if (memchr(s, '\0', n))
		return err_setx(e, EINVAL, "invalid CIDR '%s': contains a NUL byte", q);
	slash = memchr(s, '/', n);
	if (!slash && !(flags & IPAM_PARSE_BARE_ADDR))
		return err_setx(e, EINVAL, "invalid CIDR '%s': missing /prefix-length", q);
	alen = slash ? (size_t)(slash - s) : n;
	r = ipam_addr_parse_n(s, alen, &p.addr, &sub);
	if (r < 0)
		return err_setx(e, -r, "invalid CIDR '%s': %s", q, err_msg(&sub));
	p.len = ipam_family_bits(p.addr.family);
	if (slash) {
		r = parse_len(slash + 1, n - alen - 1, p.len, &p.len, e, q);
		if (r < 0)
			return r;
	}
	v = addr_to_u128(&p.addr);
	m = host_mask(p.addr.family, p.len);
	if ((v & m) && !(flags & IPAM_PARSE_HOST_BITS)) {
		u128_to_addr(p.addr.family, v & ~m, &p.addr);
		return err_setx(e, EINVAL, "invalid CIDR '%s': host bits set, did you mean %s?", q,
				ipam_prefix_format(&p, buf, sizeof(buf)));
	}
	*ret = p;
	return 0;
}

int ipam_prefix_parse(const char *s, struct ipam_prefix *ret, struct err *e)
{
	return ipam_prefix_parse_n(s, s ? strlen(s) : 0, 0, ret, e);
}

char *ipam_prefix_format(const struct ipam_prefix *p, char *buf, size_t size)
{
	char a[IPAM_ADDR_STRLEN];

	if (size)
		snprintf(buf, size, "%s/%u", ipam_addr_format(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

int ipam_prefix_make(const struct ipam_addr *a, unsigned len, struct ipam_prefix *ret)
{
	unsigned bits = ipam_family_bits(a->family);

	if (!bits || len > bits)
		return -EINVAL;
	u128_to_addr(a->family, addr_to_u128(a) & ~host_mask(a->family, len), &ret->addr);
	ret->len = len;
	return 0;
}

bool ipam_prefix_equal(const struct ipam_prefix *a, const struct ipam_prefix *b)
{
	return a->len == b->len && ipam_addr_equal(&a->addr, &b->addr);
}

static u128 prefix_first(const struct ipam_prefix *p)
{
	return addr_to_u128(&p->addr) & ~host_mask(p->addr.family, p->len);
}

static u128 prefix_lastv(const struct ipam_prefix *p)
{
	return prefix_first(p) | host_mask(p->addr.family, p->len);
}

bool ipam_prefix_contains(const struct ipam_prefix *p, const struct ipam_addr *a)
{
	if (p->addr.family != a->family)
		return false;
	return (addr_to_u128(a) & ~host_mask(a->family, p->len)) == prefix_first(p);
}

bool ipam_prefix_contains_prefix(const struct ipam_prefix *outer, const struct ipam_prefix *inner)
{
	return outer->len <= inner->len && ipam_prefix_contains(outer, &inner->addr);
}

bool ipam_prefix_overlaps(const struct ipam_prefix *a, const struct ipam_prefix *b)
{
	return ipam_prefix_contains_prefix(a, b) || ipam_prefix_contains_prefix(b, a);
}

uint64_t ipam_prefix_size(const struct ipam_prefix *p)
{
	u128 m = host_mask(p->addr.family, p->len);

	return m >= UINT64_MAX ? UINT64_MAX : (uint64_t)m + 1;
}

void ipam_prefix_last(const struct ipam_prefix *p, struct ipam_addr *ret)
{
	u128_to_addr(p->addr.family, prefix_lastv(p), ret);
}

int ipam_prefix_broadcast(const struct ipam_prefix *p, struct ipam_addr *ret)
{
	if (p->addr.family != AF_INET || p->len > 30)
		return -ENOENT;
	ipam_prefix_last(p, ret);
	return 0;
}

/* Prefixes with a network (and, for IPv4, broadcast) address not for hosts. */
static bool has_reserved(const struct ipam_prefix *p)
{
	return p->len + 2 <= ipam_family_bits(p->addr.family);
}

void ipam_prefix_first_usable(const struct ipam_prefix *p, struct ipam_addr *ret)
{
	u128_to_addr(p->addr.family, prefix_first(p) + (has_reserved(p) ? 1 : 0), ret);
}

void ipam_prefix_last_usable(const struct ipam_prefix *p, struct ipam_addr *ret)
{
	bool bcast = p->addr.family == AF_INET && has_reserved(p);

	u128_to_addr(p->addr.family, prefix_lastv(p) - (bcast ? 1 : 0), ret);
}

int ipam_prefix_nth(const struct ipam_prefix *p, uint64_t n, struct ipam_addr *ret)
{
	if ((u128)n > host_mask(p->addr.family, p->len))
		return -ERANGE;
	u128_to_addr(p->addr.family, prefix_first(p) + n, ret);
	return 0;
}

bool ipam_prefix_is_reserved(const struct ipam_prefix *p, const struct ipam_addr *a)
{
	u128 v;

	if (!has_reserved(p) || !ipam_prefix_contains(p, a))
		return false;
	v = addr_to_u128(a);
	return v == prefix_first(p) || (a->family == AF_INET && v == prefix_lastv(p));
}

/* ---- ranges ------------------------------------------------------------- */

int ipam_range_parse(const char *s, struct ipam_range *ret, struct err *e)
{
	char q[QUOTE_MAX];
	struct ipam_prefix p;
	struct ipam_range r = {0};
	struct err sub = {0};
	const char *dash;
	size_t n = s ? strlen(s) : 0;
	int k;

	if (n == 0)
		return err_setx(e, EINVAL, "invalid IP range '': empty");
	if (memchr(s, '/', n)) {
		k = ipam_prefix_parse(s, &p, e);
		if (k < 0)
			return k;
		ipam_range_from_prefix(&p, ret);
		return 0;
	}
	dash = memchr(s, '-', n);
	if (!dash)
		return err_setx(e, EINVAL, "invalid IP range '%s': expected a CIDR or FIRST-LAST", quote_n(s, n, q));
	k = ipam_addr_parse_n(s, (size_t)(dash - s), &r.first, &sub);
	if (k >= 0)
		k = ipam_addr_parse_n(dash + 1, n - (size_t)(dash - s) - 1, &r.last, &sub);
	if (k < 0)
		return err_setx(e, -k, "invalid IP range '%s': %s", quote_n(s, n, q), err_msg(&sub));
	if (r.first.family != r.last.family)
		return err_setx(e, EINVAL, "invalid IP range '%s': mixes IPv4 and IPv6", quote_n(s, n, q));
	if (ipam_addr_cmp(&r.first, &r.last) > 0)
		return err_setx(e, EINVAL, "invalid IP range '%s': first address is after the last", quote_n(s, n, q));
	*ret = r;
	return 0;
}

void ipam_range_from_prefix(const struct ipam_prefix *p, struct ipam_range *ret)
{
	u128_to_addr(p->addr.family, prefix_first(p), &ret->first);
	ipam_prefix_last(p, &ret->last);
}

char *ipam_range_format(const struct ipam_range *r, char *buf, size_t size)
{
	char a[IPAM_ADDR_STRLEN], b[IPAM_ADDR_STRLEN];
	u128 f = addr_to_u128(&r->first), l = addr_to_u128(&r->last);
	unsigned bits = ipam_family_bits(r->first.family);
	struct ipam_prefix p;

	/* An aligned power-of-two block (a single address too) prints as its CIDR,
	 * so the text always parses back with ipam_range_parse. */
	for (unsigned len = 0; len <= bits && size; len++) {
		if (ipam_prefix_make(&r->first, len, &p) < 0)
			break;
		if (prefix_first(&p) == f && prefix_lastv(&p) == l)
			return ipam_prefix_format(&p, buf, size);
	}
	if (size)
		snprintf(buf, size, "%s-%s", ipam_addr_format(&r->first, a, sizeof(a)),
			 ipam_addr_format(&r->last, b, sizeof(b)));
	return buf;
}

bool ipam_range_contains(const struct ipam_range *r, const struct ipam_addr *a)
{
	return a->family == r->first.family && ipam_addr_cmp(a, &r->first) >= 0 && ipam_addr_cmp(a, &r->last) <= 0;
}

/* ---- conflicts ------------------------------------------------------------ */

int ipam_conflict_check(const struct ipam_prefix *req, const struct ipam_used *used, size_t n, size_t *ret_index,
			struct err *e)
{
	char a[IPAM_PREFIX_STRLEN], b[IPAM_PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++) {
		if (!ipam_prefix_overlaps(req, &used[i].prefix))
			continue;
		if (ret_index)
			*ret_index = i;
		return err_setx(e, EADDRINUSE, "subnet %s overlaps with %s (%s)", ipam_prefix_format(req, a, sizeof(a)),
				used[i].what ? used[i].what : "a subnet in use",
				ipam_prefix_format(&used[i].prefix, b, sizeof(b)));
	}
	return 0;
}
