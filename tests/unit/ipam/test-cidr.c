/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses, CIDRs and ranges: strict parsing, formatting, relations. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include "ipam.h"

static struct ipam_prefix P(const char *s) {
	struct ipam_prefix p;
	struct err e = {0};

	if (ipam_prefix_parse(s, &p, &e) < 0)
		fail_msg("parse %s: %s", s, err_msg(&e));
	return p;
}

static struct ipam_addr
A(const char *s) {
	struct ipam_addr a;

	assert_int_equal(ipam_addr_parse(s, &a, NULL), 0);
	return a;
}

static const char *
fmt_addr(const struct ipam_addr *a)
{
	static char b[IPAM_ADDR_STRLEN];
	return ipam_addr_format(a, b, sizeof(b));
}

static const char *fmt_prefix(const struct ipam_prefix *p)
{
	static char b[IPAM_PREFIX_STRLEN];
	return ipam_prefix_format(p, b, sizeof(b));
}

/* The error message for s, which must fail with -EINVAL. */
static const char *bad_cidr(const char *s)
{
	static struct err e;
	struct ipam_prefix p;

	memset(&e, 0, sizeof(e));
	assert_int_equal(ipam_prefix_parse(s, &p, &e), -EINVAL);
	return err_msg(&e);
}

static void addr_parse_and_format(void **state)
{
	struct ipam_addr a;

	a = A("10.1.2.3");
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.b, "\x0a\x01\x02\x03", 4);
	assert_string_equal(fmt_addr(&a), "10.1.2.3");
	a = A("FD00:0:0::1");
	assert_int_equal(a.family, AF_INET6);
	assert_string_equal(fmt_addr(&a), "fd00::1");
	a = A("::ffff:1.2.3.4");
	assert_string_equal(fmt_addr(&a), "::ffff:1.2.3.4");
	a = A("255.255.255.255");
	assert_string_equal(fmt_addr(&a), "255.255.255.255");
}

static void addr_parse_rejects_hostile(void **state)
{
	static const char *bad[] = {
	    "",
	    " 10.0.0.1",
	    "10.0.0.1 ",
	    "300.1.1.1",
	    "10.1",
	    "10.0.0.01",
	    "1.2.3.4.5",
	    "0x0a.0.0.1",
	    "10.0.0.1/32",
	    "fe80::1%eth0",
	    ":::",
	    "1::2::3",
	    "12345::",
	    "a.b.c.d",
	    "10.0.0.-1",
	    "+1.2.3.4",
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255.1",
	    "\xff\xfe",
	    "1.2.3.4\n",
	    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000001",
	};
	struct ipam_addr a = {.family = 99};
	struct err e = {0};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(ipam_addr_parse(bad[i], &a, &e), -EINVAL);
		assert_int_equal(a.family, 99); /* untouched on failure */
		assert_non_null(strstr(err_msg(&e), "address"));
	}
	assert_int_equal(ipam_addr_parse(NULL, &a, NULL), -EINVAL);
	/* embedded NUL */
	assert_int_equal(ipam_addr_parse_n("10.0.0.1\0junk", 13, &a, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "invalid IP address '10.0.0.1\\x00junk': contains a NUL byte");
	/* not NUL-terminated: only n bytes are read */
	assert_int_equal(ipam_addr_parse_n("10.0.0.12345", 8, &a, NULL), 0);
	assert_string_equal(fmt_addr(&a), "10.0.0.1");
	/* long input is cut in the message */
	char big[300];
	memset(big, '1', sizeof(big) - 1);
	big[299] = '\0';
	assert_int_equal(ipam_addr_parse(big, &a, &e), -EINVAL);
	assert_true(strlen(err_msg(&e)) < 120);
	assert_non_null(strstr(err_msg(&e), "..."));
}

static void cidr_errors_are_clear(void **state)
{
	assert_string_equal(bad_cidr("192.168.0.0/33"),
			    "invalid CIDR '192.168.0.0/33': prefix length 33 out of range 0-32");
	assert_string_equal(bad_cidr("fd00::/129"), "invalid CIDR 'fd00::/129': prefix length 129 out of range 0-128");
	assert_string_equal(bad_cidr("300.1.1.1/24"), "invalid CIDR '300.1.1.1/24': invalid IPv4 address '300.1.1.1'");
	assert_string_equal(bad_cidr("10.0.0.0/8x"), "invalid CIDR '10.0.0.0/8x': prefix length '8x' is not a number");
	assert_string_equal(bad_cidr(""), "invalid CIDR '': empty");
	assert_string_equal(bad_cidr("192.168.1.5/16"),
			    "invalid CIDR '192.168.1.5/16': host bits set, did you mean 192.168.0.0/16?");
	assert_string_equal(bad_cidr("fd00::1/64"),
			    "invalid CIDR 'fd00::1/64': host bits set, did you mean fd00::/64?");
	assert_string_equal(bad_cidr("10.0.0.0"), "invalid CIDR '10.0.0.0': missing /prefix-length");
	assert_string_equal(bad_cidr("10.0.0.0/"), "invalid CIDR '10.0.0.0/': empty prefix length");
	assert_string_equal(bad_cidr("10.0.0.0/08"),
			    "invalid CIDR '10.0.0.0/08': prefix length '08' has a leading zero");
	assert_string_equal(bad_cidr("10.0.0.0/-1"), "invalid CIDR '10.0.0.0/-1': prefix length '-1' is not a number");
	assert_string_equal(bad_cidr("10.0.0.0/+8"), "invalid CIDR '10.0.0.0/+8': prefix length '+8' is not a number");
	assert_string_equal(bad_cidr("10.0.0.0/8/8"),
			    "invalid CIDR '10.0.0.0/8/8': prefix length '8/8' is not a number");
	assert_string_equal(bad_cidr("10.0.0.0/4294967304"),
			    "invalid CIDR '10.0.0.0/4294967304': prefix length '4294967304' out of range 0-32");
	assert_string_equal(bad_cidr("/8"), "invalid CIDR '/8': invalid IP address '': empty");
	assert_string_equal(bad_cidr("10.0.0.0 /8"), "invalid CIDR '10.0.0.0 /8': invalid IP address '10.0.0.0 '");
	assert_string_equal(bad_cidr("\x1b[31m/8"), "invalid CIDR '\\x1b[31m/8': invalid IP address '\\x1b[31m'");
	struct ipam_prefix p = {.len = 77};
	struct err e = {0};
	assert_int_equal(ipam_prefix_parse_n("10.0.0.0/8\0", 11, 0, &p, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "invalid CIDR '10.0.0.0/8\\x00': contains a NUL byte");
	assert_int_equal(ipam_prefix_parse_n("10.0.0.0\0/8", 11, 0, &p, &e), -EINVAL);
	assert_int_equal(p.len, 77);
	assert_int_equal(ipam_prefix_parse(NULL, &p, NULL), -EINVAL);
}

static void cidr_good_and_flags(void **state)
{
	struct ipam_prefix p = P("0.0.0.0/0");

	assert_int_equal(p.len, 0);
	p = P("10.0.0.0/8");
	assert_string_equal(fmt_prefix(&p), "10.0.0.0/8");
	p = P("10.1.2.3/32");
	assert_string_equal(fmt_prefix(&p), "10.1.2.3/32");
	p = P("FD00:0::/64");
	assert_string_equal(fmt_prefix(&p), "fd00::/64");
	p = P("::/0");
	assert_int_equal(p.addr.family, AF_INET6);
	/* host bits kept on request (an interface address) */
	assert_int_equal(ipam_prefix_parse_n("10.0.0.5/24", 11, IPAM_PARSE_HOST_BITS, &p, NULL), 0);
	assert_string_equal(fmt_prefix(&p), "10.0.0.5/24");
	/* bare address as a host prefix */
	assert_int_equal(ipam_prefix_parse_n("fd00::7", 7, IPAM_PARSE_BARE_ADDR, &p, NULL), 0);
	assert_string_equal(fmt_prefix(&p), "fd00::7/128");
	assert_int_equal(ipam_prefix_parse_n("10.0.0.7", 8, IPAM_PARSE_BARE_ADDR, &p, NULL), 0);
	assert_int_equal(p.len, 32);
	/* make clears host bits */
	struct ipam_addr a = A("192.168.77.9");
	assert_int_equal(ipam_prefix_make(&a, 20, &p), 0);
	assert_string_equal(fmt_prefix(&p), "192.168.64.0/20");
	assert_int_equal(ipam_prefix_make(&a, 33, &p), -EINVAL);
	/* a tiny buffer truncates, never overflows */
	char tiny[5];
	ipam_prefix_format(&p, tiny, sizeof(tiny));
	assert_string_equal(tiny, "192.");
}

static void relations(void **state)
{
	struct ipam_prefix p16 = P("10.1.0.0/16"), p24 = P("10.1.2.0/24"), other = P("10.2.0.0/16");
	struct ipam_prefix v6 = P("fd00::/64"), all4 = P("0.0.0.0/0"), all6 = P("::/0");
	struct ipam_addr a = A("10.1.2.3"), a6 = A("fd00::5");

	assert_true(ipam_prefix_contains(&p16, &a));
	assert_true(ipam_prefix_contains(&p24, &a));
	assert_false(ipam_prefix_contains(&other, &a));
	assert_false(ipam_prefix_contains(&v6, &a));
	assert_true(ipam_prefix_contains(&v6, &a6));
	assert_true(ipam_prefix_contains(&all4, &a));
	assert_false(ipam_prefix_contains(&all4, &a6));
	assert_true(ipam_prefix_contains(&all6, &a6));
	assert_true(ipam_prefix_contains_prefix(&p16, &p24));
	assert_false(ipam_prefix_contains_prefix(&p24, &p16));
	assert_true(ipam_prefix_overlaps(&p16, &p24));
	assert_true(ipam_prefix_overlaps(&p24, &p16));
	assert_false(ipam_prefix_overlaps(&p16, &other));
	assert_false(ipam_prefix_overlaps(&all4, &all6));
	assert_true(ipam_prefix_overlaps(&all4, &p24));
	assert_true(ipam_prefix_equal(&p16, &p16));
	assert_false(ipam_prefix_equal(&p16, &p24));
	struct ipam_addr x = A("10.0.0.1"), y = A("10.0.0.2"), z = A("::1");
	assert_true(ipam_addr_cmp(&x, &y) < 0);
	assert_true(ipam_addr_cmp(&y, &x) > 0);
	assert_true(ipam_addr_cmp(&y, &z) < 0); /* IPv4 first */
	assert_true(ipam_addr_cmp(&z, &y) > 0);
	assert_true(ipam_addr_equal(&x, &x));
}

static void address_helpers(void **state)
{
	struct ipam_prefix p = P("10.0.0.0/24"), p31 = P("10.0.0.0/31"), p32 = P("10.0.0.9/32");
	struct ipam_prefix v6 = P("fd00::/64"), v127 = P("fd00::/127");
	struct ipam_addr a;

	ipam_prefix_first_usable(&p, &a);
	assert_string_equal(fmt_addr(&a), "10.0.0.1");
	ipam_prefix_last_usable(&p, &a);
	assert_string_equal(fmt_addr(&a), "10.0.0.254");
	assert_int_equal(ipam_prefix_broadcast(&p, &a), 0);
	assert_string_equal(fmt_addr(&a), "10.0.0.255");
	ipam_prefix_last(&p, &a);
	assert_string_equal(fmt_addr(&a), "10.0.0.255");
	assert_int_equal(ipam_prefix_size(&p), 256);
	assert_int_equal(ipam_prefix_nth(&p, 200, &a), 0);
	assert_string_equal(fmt_addr(&a), "10.0.0.200");
	assert_int_equal(ipam_prefix_nth(&p, 256, &a), -ERANGE);
	assert_true(ipam_prefix_is_reserved(&p, &(struct ipam_addr){.family = AF_INET, .b = {10, 0, 0, 0}}));
	assert_true(ipam_prefix_is_reserved(&p, &(struct ipam_addr){.family = AF_INET, .b = {10, 0, 0, 255}}));
	assert_false(ipam_prefix_is_reserved(&p, &(struct ipam_addr){.family = AF_INET, .b = {10, 0, 0, 1}}));
	/* /31 (RFC 3021) and /32: no network or broadcast address */
	assert_int_equal(ipam_prefix_broadcast(&p31, &a), -ENOENT);
	ipam_prefix_first_usable(&p31, &a);
	assert_string_equal(fmt_addr(&a), "10.0.0.0");
	ipam_prefix_last_usable(&p31, &a);
	assert_string_equal(fmt_addr(&a), "10.0.0.1");
	assert_false(ipam_prefix_is_reserved(&p31, &a));
	ipam_prefix_first_usable(&p32, &a);
	assert_string_equal(fmt_addr(&a), "10.0.0.9");
	assert_int_equal(ipam_prefix_size(&p32), 1);
	/* IPv6: no broadcast; the subnet-router anycast address is reserved */
	assert_int_equal(ipam_prefix_broadcast(&v6, &a), -ENOENT);
	ipam_prefix_first_usable(&v6, &a);
	assert_string_equal(fmt_addr(&a), "fd00::1");
	ipam_prefix_last_usable(&v6, &a);
	assert_string_equal(fmt_addr(&a), "fd00::ffff:ffff:ffff:ffff");
	assert_true(ipam_prefix_is_reserved(&v6, &v6.addr));
	assert_false(ipam_prefix_is_reserved(&v6, &a));
	assert_true(ipam_prefix_size(&v6) == UINT64_MAX);
	ipam_prefix_first_usable(&v127, &a);
	assert_string_equal(fmt_addr(&a), "fd00::");
	assert_int_equal(ipam_prefix_nth(&v6, UINT64_MAX, &a), 0);
	assert_string_equal(fmt_addr(&a), "fd00::ffff:ffff:ffff:ffff");
	struct ipam_prefix all6 = P("::/0");
	ipam_prefix_last(&all6, &a);
	assert_string_equal(fmt_addr(&a), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_true(ipam_prefix_size(&all6) == UINT64_MAX);
	/* conversions from kernel byte forms */
	ipam_addr_from_v4(htonl(0x0a000001), &a);
	assert_string_equal(fmt_addr(&a), "10.0.0.1");
	ipam_addr_from_bytes(AF_INET6, v6.addr.b, &a);
	assert_string_equal(fmt_addr(&a), "fd00::");
	a.family = 0;
	assert_string_equal(fmt_addr(&a), "?");
	assert_int_equal(ipam_family_bits(AF_INET), 32);
	assert_int_equal(ipam_family_bits(AF_INET6), 128);
	assert_int_equal(ipam_family_bits(0), 0);
}

static void ranges(void **state)
{
	struct ipam_range r;
	struct err e = {0};
	char b[IPAM_RANGE_STRLEN];

	assert_int_equal(ipam_range_parse("10.0.0.128/25", &r, &e), 0);
	assert_string_equal(fmt_addr(&r.first), "10.0.0.128");
	assert_string_equal(ipam_range_format(&r, b, sizeof(b)), "10.0.0.128/25");
	assert_int_equal(ipam_range_parse("10.0.0.10-10.0.0.20", &r, &e), 0);
	assert_string_equal(ipam_range_format(&r, b, sizeof(b)), "10.0.0.10-10.0.0.20");
	assert_true(ipam_range_contains(&r, &(struct ipam_addr){.family = AF_INET, .b = {10, 0, 0, 15}}));
	assert_false(ipam_range_contains(&r, &(struct ipam_addr){.family = AF_INET, .b = {10, 0, 0, 21}}));
	assert_int_equal(ipam_range_parse("10.0.0.7-10.0.0.7", &r, &e), 0);
	assert_string_equal(ipam_range_format(&r, b, sizeof(b)), "10.0.0.7/32");
	assert_int_equal(ipam_range_parse(b, &r, &e), 0);
	assert_int_equal(ipam_range_parse("fd00::1-fd00::ff", &r, &e), 0);
	assert_string_equal(ipam_range_format(&r, b, sizeof(b)), "fd00::1-fd00::ff");

	assert_int_equal(ipam_range_parse("10.0.0.20-10.0.0.10", &r, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "invalid IP range '10.0.0.20-10.0.0.10': first address is after the last");
	assert_int_equal(ipam_range_parse("10.0.0.1-fd00::1", &r, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "invalid IP range '10.0.0.1-fd00::1': mixes IPv4 and IPv6");
	assert_int_equal(ipam_range_parse("10.0.0.1", &r, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "invalid IP range '10.0.0.1': expected a CIDR or FIRST-LAST");
	assert_int_equal(ipam_range_parse("10.0.0.1-", &r, &e), -EINVAL);
	assert_int_equal(ipam_range_parse("-10.0.0.1", &r, &e), -EINVAL);
	assert_int_equal(ipam_range_parse("10.0.0.1-10.0.0.2-10.0.0.3", &r, &e), -EINVAL);
	assert_int_equal(ipam_range_parse("10.0.0.1/24", &r, &e), -EINVAL);
	assert_non_null(strstr(err_msg(&e), "did you mean 10.0.0.0/24?"));
	assert_int_equal(ipam_range_parse("", &r, &e), -EINVAL);
	assert_int_equal(ipam_range_parse(NULL, &r, &e), -EINVAL);
}

static void conflicts_name_the_culprit(void **state)
{
	struct ipam_used used[] = {
	    {"network 'web'", P("10.1.0.0/16")},
	    {"route dev eth0", P("192.168.1.0/24")},
	    {"address of eth1", P("172.16.5.4/32")},
	    {NULL, P("fd00::/64")},
	};
	struct ipam_prefix req;
	struct err e = {0};
	size_t idx = 99;

	req = P("10.1.2.0/24");
	assert_int_equal(ipam_conflict_check(&req, used, ARRAY_SIZE(used), &idx, &e), -EADDRINUSE);
	assert_int_equal(idx, 0);
	assert_string_equal(err_msg(&e), "subnet 10.1.2.0/24 overlaps with network 'web' (10.1.0.0/16)");
	req = P("192.168.0.0/16");
	assert_int_equal(ipam_conflict_check(&req, used, ARRAY_SIZE(used), &idx, &e), -EADDRINUSE);
	assert_int_equal(idx, 1);
	assert_string_equal(err_msg(&e), "subnet 192.168.0.0/16 overlaps with route dev eth0 (192.168.1.0/24)");
	req = P("172.16.0.0/12");
	assert_int_equal(ipam_conflict_check(&req, used, ARRAY_SIZE(used), &idx, &e), -EADDRINUSE);
	assert_string_equal(err_msg(&e), "subnet 172.16.0.0/12 overlaps with address of eth1 (172.16.5.4/32)");
	req = P("fd00::/48");
	assert_int_equal(ipam_conflict_check(&req, used, ARRAY_SIZE(used), NULL, &e), -EADDRINUSE);
	assert_string_equal(err_msg(&e), "subnet fd00::/48 overlaps with a subnet in use (fd00::/64)");
	idx = 99;
	req = P("10.2.0.0/16");
	assert_int_equal(ipam_conflict_check(&req, used, ARRAY_SIZE(used), &idx, &e), 0);
	assert_int_equal(idx, 99);
	assert_int_equal(ipam_conflict_check(&req, NULL, 0, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(addr_parse_and_format),
	    cmocka_unit_test(addr_parse_rejects_hostile),
	    cmocka_unit_test(cidr_errors_are_clear),
	    cmocka_unit_test(cidr_good_and_flags),
	    cmocka_unit_test(relations),
	    cmocka_unit_test(address_helpers),
	    cmocka_unit_test(ranges),
	    cmocka_unit_test(conflicts_name_the_culprit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
