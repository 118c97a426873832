/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the address, CIDR, range and pool parsers. Anything they accept
 * must format and parse back to the same value. */
#include "ipam.h"

static void check_prefix(const char *s, size_t n, unsigned flags)
{
	struct ipam_prefix p, q;
	char buf[IPAM_PREFIX_STRLEN];
	struct err e = {0};

	if (ipam_prefix_parse_n(s, n, flags, &p, &e) < 0) {
		if (e.code == 0 || !e.msg[0])
			__builtin_trap(); /* every refusal says why */
		return;
	}
	ipam_prefix_format(&p, buf, sizeof(buf));
	if (ipam_prefix_parse_n(buf, strlen(buf), flags, &q, NULL) < 0 || !ipam_prefix_equal(&p, &q))
		__builtin_trap();
	if (!(flags & IPAM_PARSE_HOST_BITS)) {
		struct ipam_addr first, last;
		ipam_prefix_first_usable(&p, &first);
		ipam_prefix_last_usable(&p, &last);
		if (!ipam_prefix_contains(&p, &first) || !ipam_prefix_contains(&p, &last) ||
		    ipam_addr_cmp(&first, &last) > 0)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *z = xstrndup(s, size); /* NUL-terminated copy (cut at the first NUL) */
	struct ipam_addr a, b;
	struct ipam_range r;
	struct ipam_pool pool;
	char buf[IPAM_RANGE_STRLEN];

	if (ipam_addr_parse_n(s, size, &a, NULL) == 0) {
		ipam_addr_format(&a, buf, sizeof(buf));
		if (ipam_addr_parse(buf, &b, NULL) < 0 || !ipam_addr_equal(&a, &b))
			__builtin_trap();
	}
	for (unsigned flags = 0; flags < 4; flags++)
		check_prefix(s, size, flags);
	if (ipam_range_parse(z, &r, NULL) == 0) {
		struct ipam_range r2;
		ipam_range_format(&r, buf, sizeof(buf));
		if (ipam_range_parse(buf, &r2, NULL) < 0 || !ipam_addr_equal(&r.first, &r2.first) ||
		    !ipam_addr_equal(&r.last, &r2.last))
			__builtin_trap();
	}
	if (ipam_pool_parse(z, &pool, NULL) == 0) {
		struct ipam_prefix p;
		struct ipam_used used = {"x", pool.base};
		if (ipam_pool_pick(&pool, 1, pool.base.addr.family, NULL, 0, &p, NULL) < 0 ||
		    !ipam_prefix_contains_prefix(&pool.base, &p) || p.len != pool.size)
			__builtin_trap();
		if (ipam_pool_pick(&pool, 1, pool.base.addr.family, &used, 1, &p, NULL) != -ENOSPC)
			__builtin_trap();
	}
	free(z);
	return 0;
}
