/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The allocator of one subnet: gateway, dynamic round-robin allocation in the
 * range, static reservations, release. Addresses are kept as offsets from the
 * network address in a sparse set (set.c). */
#include "subnet.h"

static bool has_reserved(const struct ipam_prefix *p)
{
	return p->len + 2 <= ipam_family_bits(p->addr.family);
}

static int check_gateway(const struct ipam_prefix *p, const struct ipam_addr *gw, struct err *e)
{
	char a[IPAM_ADDR_STRLEN], b[IPAM_PREFIX_STRLEN];

	ipam_addr_format(gw, a, sizeof(a));
	ipam_prefix_format(p, b, sizeof(b));
	if (!ipam_prefix_contains(p, gw))
		return err_setx(e, EINVAL, "gateway %s is not in subnet %s", a, b);
	if (ipam_prefix_is_reserved(p, gw))
		return err_setx(e, EINVAL, "gateway %s is the %s address of subnet %s", a,
				ipam_addr_equal(gw, &p->addr) ? "network" : "broadcast", b);
	return 0;
}

static int check_range(struct ipam_subnet *s, const struct ipam_range *r, struct err *e)
{
	char a[IPAM_RANGE_STRLEN], b[IPAM_PREFIX_STRLEN];
	u128 lo, hi;

	ipam_range_format(r, a, sizeof(a));
	ipam_prefix_format(&s->prefix, b, sizeof(b));
	if (r->first.family != s->prefix.addr.family || r->last.family != r->first.family ||
	    ipam_addr_cmp(&r->first, &r->last) > 0)
		return err_setx(e, EINVAL, "IP range %s is not a valid range of subnet %s", a, b);
	if (!ipam_prefix_contains(&s->prefix, &r->first) || !ipam_prefix_contains(&s->prefix, &r->last))
		return err_setx(e, EINVAL, "IP range %s is not within subnet %s", a, b);
	lo = addr_to_u128(&r->first) - s->base;
	hi = addr_to_u128(&r->last) - s->base;
	s->r_lo = lo > s->u_lo ? lo : s->u_lo;
	s->r_hi = hi < s->u_hi ? hi : s->u_hi;
	if (s->r_lo > s->r_hi || (s->r_lo == s->r_hi && s->r_lo == s->gw))
		return err_setx(e, EINVAL, "IP range %s of subnet %s holds no address to hand out", a, b);
	return 0;
}

int ipam_subnet_new(const struct ipam_prefix *subnet, const struct ipam_addr *gateway,
		    const struct ipam_range *ip_range, struct ipam_subnet **ret, struct err *e)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = NULL;
	unsigned bits = ipam_family_bits(subnet->addr.family);
	char b[IPAM_PREFIX_STRLEN];
	int r;

	if (!bits || subnet->len > bits || (addr_to_u128(&subnet->addr) & host_mask(subnet->addr.family, subnet->len)))
		return err_setx(e, EINVAL, "invalid subnet %s", ipam_prefix_format(subnet, b, sizeof(b)));
	s = xcalloc(1, sizeof(*s));
	s->prefix = *subnet;
	s->base = addr_to_u128(&subnet->addr);
	s->u_lo = has_reserved(subnet) ? 1 : 0;
	s->u_hi = host_mask(subnet->addr.family, subnet->len) - (has_reserved(subnet) && bits == 32 ? 1 : 0);
	if (gateway) {
		r = check_gateway(subnet, gateway, e);
		if (r < 0)
			return r;
		s->gateway = *gateway;
	} else {
		ipam_prefix_first_usable(subnet, &s->gateway);
	}
	s->gw = addr_to_u128(&s->gateway) - s->base;
	if (ip_range) {
		r = check_range(s, ip_range, e);
		if (r < 0)
			return r;
		s->range = *ip_range;
		s->has_range = true;
	} else {
		s->r_lo = s->u_lo;
		s->r_hi = s->u_hi;
		if (s->r_lo == s->r_hi && s->r_lo == s->gw)
			return err_setx(e, EINVAL, "subnet %s holds no address besides its gateway",
					ipam_prefix_format(subnet, b, sizeof(b)));
	}
	u128_to_addr(subnet->addr.family, s->base + s->r_lo, &s->eff_range.first);
	u128_to_addr(subnet->addr.family, s->base + s->r_hi, &s->eff_range.last);
	*ret = TAKE_PTR(s);
	return 0;
}

void ipam_subnet_free(struct ipam_subnet *s)
{
	if (!s)
		return;
	set_free(&s->set);
	free(s);
}

const struct ipam_prefix *ipam_subnet_prefix(const struct ipam_subnet *s)
{
	return &s->prefix;
}

const struct ipam_addr *ipam_subnet_gateway(const struct ipam_subnet *s)
{
	return &s->gateway;
}

const struct ipam_range *ipam_subnet_range(const struct ipam_subnet *s)
{
	return &s->eff_range;
}

/* The first free, non-gateway offset in [lo, hi]. */
static bool next_free(const struct ipam_subnet *s, u128 lo, u128 hi, u128 *ret)
{
	while (lo <= hi) {
		if (!set_next_clear(&s->set, lo, hi, ret))
			return false;
		if (*ret != s->gw)
			return true;
		if (*ret == hi)
			return false;
		lo = *ret + 1;
	}
	return false;
}

bool subnet_in_range(const struct ipam_subnet *s, u128 off)
{
	return off >= s->r_lo && off <= s->r_hi;
}

void subnet_added(struct ipam_subnet *s, u128 off)
{
	if (subnet_in_range(s, off))
		s->in_range++;
}

int ipam_subnet_alloc(struct ipam_subnet *s, struct ipam_addr *ret, struct err *e)
{
	char a[IPAM_PREFIX_STRLEN], b[IPAM_RANGE_STRLEN];
	u128 start = s->r_lo, off = 0;
	bool found;

	if (s->set.count >= IPAM_MAX_ALLOCATED)
		return err_setx(e, ENOSPC, "subnet %s has reached its allocation limit",
				ipam_prefix_format(&s->prefix, a, sizeof(a)));
	if (s->has_cursor && s->cursor >= s->r_lo && s->cursor < s->r_hi)
		start = s->cursor + 1;
	found = next_free(s, start, s->r_hi, &off);
	if (!found && start > s->r_lo)
		found = next_free(s, s->r_lo, start - 1, &off);
	if (!found)
		return err_setx(e, ENOSPC, "no free address in subnet %s (range %s)",
				ipam_prefix_format(&s->prefix, a, sizeof(a)),
				ipam_range_format(&s->eff_range, b, sizeof(b)));
	set_add(&s->set, off);
	s->in_range++;
	s->cursor = off;
	s->has_cursor = true;
	u128_to_addr(s->prefix.addr.family, s->base + off, ret);
	return 0;
}

/* Family and containment, shared by reserve and release. */
static int locate(const struct ipam_subnet *s, const struct ipam_addr *a, u128 *ret, struct err *e)
{
	char x[IPAM_ADDR_STRLEN], p[IPAM_PREFIX_STRLEN];

	if (a->family != s->prefix.addr.family)
		return err_setx(e, EAFNOSUPPORT, "%s is not an %s address (subnet %s)",
				ipam_addr_format(a, x, sizeof(x)), s->prefix.addr.family == AF_INET ? "IPv4" : "IPv6",
				ipam_prefix_format(&s->prefix, p, sizeof(p)));
	if (!ipam_prefix_contains(&s->prefix, a))
		return err_setx(e, EINVAL, "%s is outside subnet %s", ipam_addr_format(a, x, sizeof(x)),
				ipam_prefix_format(&s->prefix, p, sizeof(p)));
	*ret = addr_to_u128(a) - s->base;
	return 0;
}

int ipam_subnet_reserve(struct ipam_subnet *s, const struct ipam_addr *a, struct err *e)
{
	char x[IPAM_ADDR_STRLEN], p[IPAM_PREFIX_STRLEN];
	const char *why = NULL;
	u128 off = 0;
	int r;

	r = locate(s, a, &off, e);
	if (r < 0)
		return r;
	ipam_addr_format(a, x, sizeof(x));
	ipam_prefix_format(&s->prefix, p, sizeof(p));
	if (off < s->u_lo)
		why = "the network address";
	else if (off > s->u_hi)
		why = "the broadcast address";
	else if (off == s->gw)
		why = "the gateway";
	if (why)
		return err_setx(e, EADDRNOTAVAIL, "%s is reserved: it is %s of subnet %s", x, why, p);
	if (set_test(&s->set, off))
		return err_setx(e, EADDRINUSE, "%s is already allocated in subnet %s", x, p);
	if (s->set.count >= IPAM_MAX_ALLOCATED)
		return err_setx(e, ENOSPC, "subnet %s has reached its allocation limit", p);
	set_add(&s->set, off);
	subnet_added(s, off);
	return 0;
}

int ipam_subnet_release(struct ipam_subnet *s, const struct ipam_addr *a, struct err *e)
{
	char x[IPAM_ADDR_STRLEN], p[IPAM_PREFIX_STRLEN];
	u128 off = 0;
	int r;

	r = locate(s, a, &off, e);
	if (r < 0)
		return r;
	if (!set_del(&s->set, off))
		return err_setx(e, ENOENT, "%s is not allocated in subnet %s", ipam_addr_format(a, x, sizeof(x)),
				ipam_prefix_format(&s->prefix, p, sizeof(p)));
	if (subnet_in_range(s, off))
		s->in_range--;
	return 0;
}

bool ipam_subnet_is_allocated(const struct ipam_subnet *s, const struct ipam_addr *a)
{
	return ipam_prefix_contains(&s->prefix, a) && set_test(&s->set, addr_to_u128(a) - s->base);
}

uint64_t ipam_subnet_count_allocated(const struct ipam_subnet *s)
{
	return s->set.count;
}

uint64_t ipam_subnet_count_free(const struct ipam_subnet *s)
{
	u128 n = s->r_hi - s->r_lo + 1; /* never 0: r_hi - r_lo < 2^128 - 1 */

	n -= s->in_range + (subnet_in_range(s, s->gw) ? 1 : 0);
	return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

int ipam_subnet_next_allocated(const struct ipam_subnet *s, const struct ipam_addr *after, struct ipam_addr *ret)
{
	u128 from = 0, off;

	if (after) {
		if (after->family != s->prefix.addr.family)
			return -ENOENT;
		if (ipam_prefix_contains(&s->prefix, after)) {
			from = addr_to_u128(after) - s->base;
			if (from == host_mask(s->prefix.addr.family, s->prefix.len))
				return -ENOENT;
			from++;
		} else if (ipam_addr_cmp(after, &s->prefix.addr) > 0) {
			return -ENOENT;
		}
	}
	if (!set_next_set(&s->set, from, &off))
		return -ENOENT;
	u128_to_addr(s->prefix.addr.family, s->base + off, ret);
	return 0;
}

size_t ipam_subnet_memory(const struct ipam_subnet *s)
{
	return sizeof(*s) + set_memory(&s->set);
}
