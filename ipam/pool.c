/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address pools: Docker's defaults, parsing, and picking a free subnet. */
#include "ipam-internal.h"

#define V4(a, b_, c, d, l)                                                                                             \
	{                                                                                                              \
		.addr = {.family = AF_INET, .b = {a, b_, c, d}}, .len = l                                              \
	}

/* Docker's local-scope defaults (libnetwork ipamutils): 172.17/16, 172.18/16,
 * 172.19/16, 172.20/14, 172.24/14, 172.28/14 in /16s, 192.168/16 in /20s. */
const struct ipam_pool ipam_default_pools[] = {
    {V4(172, 17, 0, 0, 16), 16}, {V4(172, 18, 0, 0, 16), 16}, {V4(172, 19, 0, 0, 16), 16},  {V4(172, 20, 0, 0, 14), 16},
    {V4(172, 24, 0, 0, 14), 16}, {V4(172, 28, 0, 0, 14), 16}, {V4(192, 168, 0, 0, 16), 20},
};
const size_t ipam_default_pools_n = ARRAY_SIZE(ipam_default_pools);

static int pool_check(const struct ipam_pool *p, struct err *e)
{
	char b[IPAM_PREFIX_STRLEN];
	unsigned bits = ipam_family_bits(p->base.addr.family);

	if (p->size < p->base.len || p->size > bits)
		return err_setx(e, EINVAL, "invalid address pool: size %u must be between %u (the length of %s) and %u",
				p->size, p->base.len, ipam_prefix_format(&p->base, b, sizeof(b)), bits);
	return 0;
}

int ipam_pool_parse(const char *s, struct ipam_pool *ret, struct err *e)
{
	char q[QUOTE_MAX];
	struct ipam_pool p = {0};
	bool have_base = false, have_size = false;
	_cleanup_free_ char *dup = NULL;
	char *save = NULL, *tok;
	struct err local = {0};
	uint64_t v;
	int r;

	if (!e)
		e = &local; /* err_wrap needs the code */
	if (!s || !*s)
		return err_setx(e, EINVAL, "invalid address pool '': empty");
	dup = xstrdup(s);
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return err_setx(e, EINVAL, "invalid address pool '%s': '%s' is not KEY=VALUE",
					quote_n(s, strlen(s), q), tok);
		*eq++ = '\0';
		if (!strcmp(tok, "base") && !have_base) {
			r = ipam_prefix_parse(eq, &p.base, e);
			if (r < 0)
				return err_wrap(e, "invalid address pool '%s'", quote_n(s, strlen(s), q));
			have_base = true;
		} else if (!strcmp(tok, "size") && !have_size) {
			if (parse_uint(eq, 0, 128, &v) < 0)
				return err_setx(e, EINVAL, "invalid address pool '%s': size '%s' is not a number 0-128",
						quote_n(s, strlen(s), q), eq);
			p.size = (unsigned)v;
			have_size = true;
		} else {
			return err_setx(e, EINVAL, "invalid address pool '%s': unknown or repeated key '%s'",
					quote_n(s, strlen(s), q), tok);
		}
	}
	if (!have_base || !have_size)
		return err_setx(e, EINVAL, "invalid address pool '%s': needs base=CIDR and size=N",
				quote_n(s, strlen(s), q));
	r = pool_check(&p, e);
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}

#define MAX_POOLS 1024

static int pool_from_json(json_object *o, struct ipam_pool *ret, struct err *e)
{
	json_object *base = NULL, *size = NULL;
	int64_t v;

	if (!json_object_is_type(o, json_type_object))
		return err_setx(e, EINVAL, "not an object");
	json_object_object_foreach(o, key, val)
	{
		if (!strcmp(key, "base") && json_object_is_type(val, json_type_string))
			base = val;
		else if (!strcmp(key, "size") && json_object_is_type(val, json_type_int))
			size = val;
		else
			return err_setx(e, EINVAL, "unexpected key '%.64s' (or of the wrong type)", key);
	}
	if (!base || !size)
		return err_setx(e, EINVAL, "needs \"base\" (string) and \"size\" (integer)");
	if (ipam_prefix_parse_n(json_object_get_string(base), (size_t)json_object_get_string_len(base), 0, &ret->base,
				e) < 0)
		return -EINVAL;
	v = json_object_get_int64(size);
	if (v < 0 || v > 128)
		return err_setx(e, EINVAL, "size %lld out of range", (long long)v);
	ret->size = (unsigned)v;
	return pool_check(ret, e);
}

int ipam_pools_from_json(json_object *arr, struct ipam_pool **ret, size_t *ret_n, struct err *e)
{
	_cleanup_free_ struct ipam_pool *v = NULL;
	struct err local = {0};
	size_t n;

	if (!e)
		e = &local;
	if (!json_object_is_type(arr, json_type_array))
		return err_setx(e, EINVAL, "address pools: expected an array");
	n = json_object_array_length(arr);
	if (n == 0 || n > MAX_POOLS)
		return err_setx(e, EINVAL, "address pools: expected 1 to %d pools, got %zu", MAX_POOLS, n);
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		if (pool_from_json(json_object_array_get_idx(arr, i), &v[i], e) < 0)
			return err_wrap(e, "address pool %zu", i + 1);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* The first subnet of length size in [cand, last] overlapping nothing used;
 * each step jumps past the end of one used prefix, so this ends after at most
 * n_used + 1 steps whatever the pool's size. */
static bool pick_in_pool(const struct ipam_pool *p, const struct ipam_used *used, size_t n_used,
			 struct ipam_prefix *ret)
{
	int fam = p->base.addr.family;
	u128 cand = addr_to_u128(&p->base.addr);
	u128 last = cand | host_mask(fam, p->base.len), sm = host_mask(fam, p->size);
	struct ipam_prefix c = {.len = p->size};

	for (;;) {
		size_t i;
		u128 end;

		u128_to_addr(fam, cand, &c.addr);
		for (i = 0; i < n_used; i++)
			if (ipam_prefix_overlaps(&c, &used[i].prefix))
				break;
		if (i == n_used) {
			*ret = c;
			return true;
		}
		end = addr_to_u128(&used[i].prefix.addr) | host_mask(fam, used[i].prefix.len);
		if ((cand | sm) > end)
			end = cand | sm;
		if ((end | sm) >= last)
			return false;
		cand = (end | sm) + 1;
	}
}

int ipam_pool_pick(const struct ipam_pool *pools, size_t n_pools, int family, const struct ipam_used *used,
		   size_t n_used, struct ipam_prefix *ret, struct err *e)
{
	const char *fname = family == AF_INET6 ? "IPv6" : "IPv4";
	size_t n_fam = 0;
	uint64_t subnets = 0;

	for (size_t i = 0; i < n_pools; i++) {
		const struct ipam_pool *p = &pools[i];
		unsigned d;

		if (p->base.addr.family != family || pool_check(p, NULL) < 0)
			continue;
		n_fam++;
		d = p->size - p->base.len;
		subnets =
		    (d >= 63 || subnets + (UINT64_C(1) << d) < subnets) ? UINT64_MAX : subnets + (UINT64_C(1) << d);
		if (pick_in_pool(p, used, n_used, ret))
			return 0;
	}
	if (n_fam == 0)
		return err_setx(e, ENOSPC, "no %s address pool is configured: give a subnet", fname);
	return err_setx(e, ENOSPC,
			"all predefined address pools have been fully subnetted (%zu %s pool%s, %llu%s subnets): "
			"remove unused networks or configure more address pools",
			n_fam, fname, n_fam == 1 ? "" : "s", (unsigned long long)subnets,
			subnets == UINT64_MAX ? "+" : "");
}

void ipam_ula_pool(const void *seed, size_t n, struct ipam_pool *ret)
{
	const uint8_t *p = seed;
	uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a, then a final mix */

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	memset(ret, 0, sizeof(*ret));
	ret->base.addr.family = AF_INET6;
	ret->base.addr.b[0] = 0xfd;
	for (int i = 1; i <= 5; i++)
		ret->base.addr.b[i] = (uint8_t)(h >> (8 * (i - 1)));
	ret->base.len = 48;
	ret->size = 64;
}
