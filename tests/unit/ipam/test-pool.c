/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address pools: Docker's defaults, parsing, picking around what is in use. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <cmocka.h>
#include "ipam.h"

static struct ipam_prefix P(const char *s) {
	struct ipam_prefix p;
	struct err e = {0};

	if (ipam_prefix_parse(s, &p, &e) < 0)
		fail_msg("parse %s: %s", s, err_msg(&e));
	return p;
}

static const char *
fmt_prefix(const struct ipam_prefix *p)
{
	static char b[IPAM_PREFIX_STRLEN];
	return ipam_prefix_format(p, b, sizeof(b));
}

static void defaults_are_dockers_31_subnets(void **state)
{
	struct ipam_used used[40];
	char names[40][32];
	struct ipam_prefix p;
	struct err e = {0};
	size_t n = 0;

	/* 172.17 .. 172.31 as /16s, then 192.168.0.0/16 in /20s, in that order */
	for (int i = 17; i <= 31; i++) {
		char want[32];
		assert_int_equal(ipam_pool_pick(ipam_default_pools, ipam_default_pools_n, AF_INET, used, n, &p, &e), 0);
		snprintf(want, sizeof(want), "172.%d.0.0/16", i);
		assert_string_equal(fmt_prefix(&p), want);
		snprintf(names[n], sizeof(names[n]), "network n%zu", n);
		used[n].what = names[n];
		used[n++].prefix = p;
	}
	for (int i = 0; i < 16; i++) {
		char want[32];
		assert_int_equal(ipam_pool_pick(ipam_default_pools, ipam_default_pools_n, AF_INET, used, n, &p, &e), 0);
		snprintf(want, sizeof(want), "192.168.%d.0/20", i * 16);
		assert_string_equal(fmt_prefix(&p), want);
		used[n].what = "x";
		used[n++].prefix = p;
	}
	assert_int_equal(n, 31);
	assert_int_equal(ipam_pool_pick(ipam_default_pools, ipam_default_pools_n, AF_INET, used, n, &p, &e), -ENOSPC);
	assert_string_equal(err_msg(&e),
			    "all predefined address pools have been fully subnetted (7 IPv4 pools, 31 subnets): "
			    "remove unused networks or configure more address pools");
	/* a freed subnet is picked again */
	used[3] = used[--n];
	assert_int_equal(ipam_pool_pick(ipam_default_pools, ipam_default_pools_n, AF_INET, used, n, &p, &e), 0);
	assert_string_equal(fmt_prefix(&p), "172.20.0.0/16");
}

static void pick_skips_routes_and_addresses(void **state)
{
	struct ipam_used used[] = {
	    {"route dev wg0", P("172.16.0.0/12")},    /* a VPN takes all of 172.16/12 */
	    {"address on eth0", P("192.168.0.7/32")}, /* the host's own LAN address */
	    {"route dev eth1", P("192.168.17.0/24")},
	};
	struct ipam_prefix p;

	assert_int_equal(ipam_pool_pick(ipam_default_pools, ipam_default_pools_n, AF_INET, used, 3, &p, NULL), 0);
	assert_string_equal(fmt_prefix(&p), "192.168.32.0/20");
	/* no IPv6 pool by default */
	struct err e = {0};
	assert_int_equal(ipam_pool_pick(ipam_default_pools, ipam_default_pools_n, AF_INET6, NULL, 0, &p, &e), -ENOSPC);
	assert_string_equal(err_msg(&e), "no IPv6 address pool is configured: give a subnet");
}

static void pick_is_fast_in_huge_pools(void **state)
{
	/* an IPv6 /8 in /64s is 2^56 candidates: picking must jump over what is used */
	struct ipam_pool pools[1];
	struct ipam_used used[] = {
	    {"a", P("fd00::/16")},
	    {"b", P("fd01::/64")},
	    {"c", P("fd01:0:0:1::/64")},
	    {"d", P("::/0")}, /* different family tests below */
	};
	struct ipam_prefix p;
	struct err e = {0};

	assert_int_equal(ipam_pool_parse("base=fd00::/8,size=64", &pools[0], &e), 0);
	assert_int_equal(ipam_pool_pick(pools, 1, AF_INET6, used, 3, &p, &e), 0);
	assert_string_equal(fmt_prefix(&p), "fd01:0:0:2::/64");
	/* a used prefix covering the whole pool exhausts it at once */
	assert_int_equal(ipam_pool_pick(pools, 1, AF_INET6, &used[3], 1, &p, &e), -ENOSPC);
	assert_non_null(strstr(err_msg(&e), "(1 IPv6 pool, 72057594037927936 subnets)"));
	/* the last subnet of a pool that ends at the top of the address space */
	assert_int_equal(ipam_pool_parse("size=30,base=255.255.255.248/29", &pools[0], &e), 0);
	struct ipam_used top[] = {{"x", P("255.255.255.248/30")}};
	assert_int_equal(ipam_pool_pick(pools, 1, AF_INET, top, 1, &p, &e), 0);
	assert_string_equal(fmt_prefix(&p), "255.255.255.252/30");
	top[0].prefix = P("255.255.255.252/30");
	assert_int_equal(ipam_pool_pick(pools, 1, AF_INET, top, 1, &p, &e), 0);
	assert_string_equal(fmt_prefix(&p), "255.255.255.248/30");
	top[0].prefix = P("255.255.255.0/24");
	assert_int_equal(ipam_pool_pick(pools, 1, AF_INET, top, 1, &p, &e), -ENOSPC);
	/* whole IPv6 space in one pool */
	assert_int_equal(ipam_pool_parse("base=::/0,size=0", &pools[0], &e), 0);
	assert_int_equal(ipam_pool_pick(pools, 1, AF_INET6, NULL, 0, &p, &e), 0);
	assert_string_equal(fmt_prefix(&p), "::/0");
	assert_int_equal(ipam_pool_pick(pools, 1, AF_INET6, &used[3], 1, &p, &e), -ENOSPC);
}

static void pool_parse_is_strict(void **state)
{
	static const char *bad[] = {
	    "",
	    "base=10.0.0.0/8",
	    "size=24",
	    "base=10.0.0.0/8,size=24,size=24",
	    "base=10.0.0.0/8,size=7",
	    "base=10.0.0.0/8,size=33",
	    "base=10.0.0.1/8,size=24",
	    "base=10.0.0.0/8,size=x",
	    "base=10.0.0.0/8;size=24",
	    "base=10.0.0.0/8,size=24,color=red",
	    "base,size",
	    "base=,size=24",
	    "base=10.0.0.0/8,size=-1",
	};
	struct ipam_pool p = {.size = 99};
	struct err e = {0};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(ipam_pool_parse(bad[i], &p, &e), -EINVAL);
		assert_int_equal(p.size, 99);
		assert_non_null(strstr(err_msg(&e), "address pool"));
	}
	assert_int_equal(ipam_pool_parse("base=10.0.0.1/8,size=24", &p, &e), -EINVAL);
	assert_non_null(strstr(err_msg(&e), "did you mean 10.0.0.0/8?"));
	assert_int_equal(ipam_pool_parse("base=10.0.0.0/8,size=7", &p, &e), -EINVAL);
	assert_string_equal(err_msg(&e),
			    "invalid address pool: size 7 must be between 8 (the length of 10.0.0.0/8) and 32");
	assert_int_equal(ipam_pool_parse(NULL, &p, &e), -EINVAL);
	assert_int_equal(ipam_pool_parse("base=10.0.0.1/8,size=24", &p, NULL), -EINVAL);
	assert_int_equal(ipam_pool_parse("base=10.0.0.0/8,size=24", &p, &e), 0);
	assert_int_equal(p.size, 24);
}

static void pools_from_json(void **state)
{
	static const char *bad[] = {
	    "{}",
	    "[]",
	    "[1]",
	    "[{}]",
	    "[{\"base\":\"10.0.0.0/8\"}]",
	    "[{\"base\":\"10.0.0.0/8\",\"size\":\"24\"}]",
	    "[{\"base\":\"10.0.0.0/8\",\"size\":24,\"x\":1}]",
	    "[{\"base\":\"10.0.0.0/8\",\"size\":-24}]",
	    "[{\"base\":\"10.0.0.0/8\",\"size\":4294967320}]",
	    "[{\"base\":8,\"size\":24}]",
	    "[{\"base\":\"10.0.0.0/8\",\"size\":24},{\"base\":\"10.0.0.0/8\",\"size\":2}]",
	};
	struct ipam_pool *pools = NULL;
	struct err e = {0};
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_json_ json_object *o = json_tokener_parse(bad[i]);
		assert_non_null(o);
		assert_int_equal(ipam_pools_from_json(o, &pools, &n, &e), -EINVAL);
		assert_int_equal(ipam_pools_from_json(o, &pools, &n, NULL), -EINVAL);
		assert_null(pools);
	}
	/* a string with a NUL inside */
	_cleanup_json_ json_object *nul = json_object_new_array();
	json_object *el = json_object_new_object();
	json_object_object_add(el, "base", json_object_new_string_len("10.0.0.0/8\0x", 12));
	json_object_object_add(el, "size", json_object_new_int(24));
	json_object_array_add(nul, el);
	assert_int_equal(ipam_pools_from_json(nul, &pools, &n, &e), -EINVAL);
	assert_non_null(strstr(err_msg(&e), "NUL"));

	_cleanup_json_ json_object *o =
	    json_tokener_parse("[{\"base\":\"10.10.0.0/16\",\"size\":24},{\"size\":64,\"base\":\"fd00:1::/48\"}]");
	assert_int_equal(ipam_pools_from_json(o, &pools, &n, &e), 0);
	assert_int_equal(n, 2);
	struct ipam_prefix p;
	assert_int_equal(ipam_pool_pick(pools, n, AF_INET, NULL, 0, &p, &e), 0);
	assert_string_equal(fmt_prefix(&p), "10.10.0.0/24");
	assert_int_equal(ipam_pool_pick(pools, n, AF_INET6, NULL, 0, &p, &e), 0);
	assert_string_equal(fmt_prefix(&p), "fd00:1::/64");
	free(pools);
}

static void ula_pool_is_stable_per_seed(void **state)
{
	struct ipam_pool a, b, c;
	struct ipam_prefix p;
	char buf[IPAM_PREFIX_STRLEN];

	ipam_ula_pool("host-1", 6, &a);
	ipam_ula_pool("host-1", 6, &b);
	ipam_ula_pool("host-2", 6, &c);
	assert_true(ipam_prefix_equal(&a.base, &b.base));
	assert_false(ipam_prefix_equal(&a.base, &c.base));
	assert_int_equal(a.base.len, 48);
	assert_int_equal(a.size, 64);
	assert_int_equal(a.base.addr.b[0], 0xfd);
	assert_int_equal(ipam_pool_parse(strcpy(buf, "base="), &c, NULL), -EINVAL);
	snprintf(buf, sizeof(buf), "%s", fmt_prefix(&a.base));
	assert_int_equal(ipam_prefix_parse(buf, &p, NULL), 0); /* a valid CIDR */
	struct ipam_used used[] = {{"x", p}};
	p.len = 64;
	used[0].prefix = p;
	assert_int_equal(ipam_pool_pick(&a, 1, AF_INET6, used, 1, &p, NULL), 0);
	assert_int_equal(p.len, 64);
	assert_int_equal(p.addr.b[7], 1); /* the second /64 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_are_dockers_31_subnets),
	    cmocka_unit_test(pick_skips_routes_and_addresses),
	    cmocka_unit_test(pick_is_fast_in_huge_pools),
	    cmocka_unit_test(pool_parse_is_strict),
	    cmocka_unit_test(pools_from_json),
	    cmocka_unit_test(ula_pool_is_stable_per_seed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
