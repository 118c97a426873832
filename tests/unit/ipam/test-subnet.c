/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subnet allocator: reserved addresses, round robin, ranges, static
 * requests, release, IPv6, and the sparse set against a plain model. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <cmocka.h>
#include "subnet.h"

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

static struct ipam_subnet *
new_subnet(const char *cidr, const char *gw, const char *range)
{
	struct ipam_subnet *s = NULL;
	struct ipam_prefix p = P(cidr);
	struct ipam_addr g;
	struct ipam_range r;
	struct err e = {0};

	if (gw)
		g = A(gw);
	if (range)
		assert_int_equal(ipam_range_parse(range, &r, NULL), 0);
	if (ipam_subnet_new(&p, gw ? &g : NULL, range ? &r : NULL, &s, &e) < 0)
		fail_msg("subnet %s: %s", cidr, err_msg(&e));
	return s;
}

/* The next dynamic address, as text. */
static const char *next(struct ipam_subnet *s)
{
	static char b[IPAM_ADDR_STRLEN];
	static struct err e; /* the message outlives the call */
	struct ipam_addr a;

	if (ipam_subnet_alloc(s, &a, &e) < 0)
		return err_msg(&e);
	return ipam_addr_format(&a, b, sizeof(b));
}

static void small_subnet_hands_out_usable_only(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.88.0.0/29", NULL, NULL);

	assert_string_equal(ipam_addr_format(ipam_subnet_gateway(s), (char[46]){0}, 46), "10.88.0.1");
	assert_int_equal(ipam_subnet_count_free(s), 5); /* .2 - .6 */
	for (int i = 2; i <= 6; i++) {
		char want[32];
		snprintf(want, sizeof(want), "10.88.0.%d", i);
		assert_string_equal(next(s), want);
	}
	assert_string_equal(next(s), "no free address in subnet 10.88.0.0/29 (range 10.88.0.1-10.88.0.6)");
	assert_int_equal(ipam_subnet_count_allocated(s), 5);
	assert_int_equal(ipam_subnet_count_free(s), 0);
	assert_false(ipam_subnet_is_allocated(s, ipam_subnet_gateway(s)));
	ipam_subnet_free(NULL);
}

static void round_robin_does_not_reuse_at_once(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.0.0.0/24", NULL, NULL);
	struct ipam_addr a = A("10.0.0.3");

	assert_string_equal(next(s), "10.0.0.2");
	assert_string_equal(next(s), "10.0.0.3");
	assert_string_equal(next(s), "10.0.0.4");
	assert_int_equal(ipam_subnet_release(s, &a, NULL), 0);
	assert_false(ipam_subnet_is_allocated(s, &a));
	assert_string_equal(next(s), "10.0.0.5"); /* not .3 again */
	/* round the end: wraps and finds .3 (then .6 onwards were taken) */
	for (int i = 6; i <= 254; i++)
		assert_int_equal(ipam_subnet_alloc(s, &a, NULL), 0);
	assert_string_equal(next(s), "10.0.0.3");
	assert_string_equal(next(s), "no free address in subnet 10.0.0.0/24 (range 10.0.0.1-10.0.0.254)");
	/* release two, the one after the cursor comes first */
	a = A("10.0.0.100");
	assert_int_equal(ipam_subnet_release(s, &a, NULL), 0);
	a = A("10.0.0.2");
	assert_int_equal(ipam_subnet_release(s, &a, NULL), 0);
	assert_string_equal(next(s), "10.0.0.100");
	assert_string_equal(next(s), "10.0.0.2");
}

static void gateway_and_range(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.0.0.0/24", "10.0.0.130", "10.0.0.128/30");
	struct ipam_addr a;
	struct err e = {0};
	char b[IPAM_RANGE_STRLEN];

	/* range .128-.131 has .130 as gateway: .129, .131 only (.128 is not the
	 * network address of the subnet, so it is usable) */
	assert_string_equal(ipam_range_format(ipam_subnet_range(s), b, sizeof(b)), "10.0.0.128/30");
	assert_int_equal(ipam_subnet_count_free(s), 3);
	assert_string_equal(next(s), "10.0.0.128");
	assert_string_equal(next(s), "10.0.0.129");
	assert_string_equal(next(s), "10.0.0.131");
	assert_int_equal(ipam_subnet_alloc(s, &a, &e), -ENOSPC);
	/* static addresses may lie outside the range, and do not count in it */
	a = A("10.0.0.7");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), 0);
	assert_int_equal(ipam_subnet_count_allocated(s), 4);
	assert_int_equal(ipam_subnet_count_free(s), 0);
	a = A("10.0.0.129");
	assert_int_equal(ipam_subnet_release(s, &a, &e), 0);
	assert_int_equal(ipam_subnet_count_free(s), 1);
	assert_string_equal(next(s), "10.0.0.129");
}

static void static_requests_are_refused_with_reason(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("192.168.5.0/24", NULL, NULL);
	struct ipam_addr a;
	struct err e = {0};

	a = A("192.168.6.1");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "192.168.6.1 is outside subnet 192.168.5.0/24");
	a = A("fd00::1");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), -EAFNOSUPPORT);
	assert_string_equal(err_msg(&e), "fd00::1 is not an IPv4 address (subnet 192.168.5.0/24)");
	a = A("192.168.5.0");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), -EADDRNOTAVAIL);
	assert_string_equal(err_msg(&e), "192.168.5.0 is reserved: it is the network address of subnet 192.168.5.0/24");
	a = A("192.168.5.255");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), -EADDRNOTAVAIL);
	assert_string_equal(err_msg(&e),
			    "192.168.5.255 is reserved: it is the broadcast address of subnet 192.168.5.0/24");
	a = A("192.168.5.1");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), -EADDRNOTAVAIL);
	assert_string_equal(err_msg(&e), "192.168.5.1 is reserved: it is the gateway of subnet 192.168.5.0/24");
	a = A("192.168.5.2");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), 0);
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), -EADDRINUSE);
	assert_string_equal(err_msg(&e), "192.168.5.2 is already allocated in subnet 192.168.5.0/24");
	/* dynamic allocation steps over it; static does not move the cursor */
	a = A("192.168.5.200");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), 0);
	assert_string_equal(next(s), "192.168.5.3");
	/* release errors */
	a = A("192.168.5.9");
	assert_int_equal(ipam_subnet_release(s, &a, &e), -ENOENT);
	assert_string_equal(err_msg(&e), "192.168.5.9 is not allocated in subnet 192.168.5.0/24");
	a = A("192.168.5.1");
	assert_int_equal(ipam_subnet_release(s, &a, &e), -ENOENT);
	a = A("10.0.0.1");
	assert_int_equal(ipam_subnet_release(s, &a, &e), -EINVAL);
	a = A("::1");
	assert_int_equal(ipam_subnet_release(s, &a, &e), -EAFNOSUPPORT);
	assert_false(ipam_subnet_is_allocated(s, &a));
}

static void new_rejects_bad_configs(void **state)
{
	struct ipam_subnet *s = NULL;
	struct ipam_prefix p = P("10.0.0.0/24"), p32 = P("10.0.0.5/32"), bad = p;
	struct ipam_addr g;
	struct ipam_range r;
	struct err e = {0};

	g = A("10.0.1.1");
	assert_int_equal(ipam_subnet_new(&p, &g, NULL, &s, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "gateway 10.0.1.1 is not in subnet 10.0.0.0/24");
	g = A("10.0.0.0");
	assert_int_equal(ipam_subnet_new(&p, &g, NULL, &s, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "gateway 10.0.0.0 is the network address of subnet 10.0.0.0/24");
	g = A("10.0.0.255");
	assert_int_equal(ipam_subnet_new(&p, &g, NULL, &s, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "gateway 10.0.0.255 is the broadcast address of subnet 10.0.0.0/24");
	g = A("fd00::1");
	assert_int_equal(ipam_subnet_new(&p, &g, NULL, &s, &e), -EINVAL);
	assert_int_equal(ipam_range_parse("10.0.1.0/25", &r, NULL), 0);
	assert_int_equal(ipam_subnet_new(&p, NULL, &r, &s, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "IP range 10.0.1.0/25 is not within subnet 10.0.0.0/24");
	assert_int_equal(ipam_range_parse("10.0.0.200-10.0.1.5", &r, NULL), 0);
	assert_int_equal(ipam_subnet_new(&p, NULL, &r, &s, &e), -EINVAL);
	assert_int_equal(ipam_range_parse("10.0.0.1/32", &r, NULL), 0);
	assert_int_equal(ipam_subnet_new(&p, NULL, &r, &s, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "IP range 10.0.0.1/32 of subnet 10.0.0.0/24 holds no address to hand out");
	assert_int_equal(ipam_range_parse("10.0.0.255/32", &r, NULL), 0);
	assert_int_equal(ipam_subnet_new(&p, NULL, &r, &s, &e), -EINVAL);
	r.last = A("::1");
	assert_int_equal(ipam_subnet_new(&p, NULL, &r, &s, &e), -EINVAL);
	assert_int_equal(ipam_subnet_new(&p32, NULL, NULL, &s, &e), -EINVAL);
	assert_string_equal(err_msg(&e), "subnet 10.0.0.5/32 holds no address besides its gateway");
	bad.addr.b[3] = 1; /* host bits */
	assert_int_equal(ipam_subnet_new(&bad, NULL, NULL, &s, &e), -EINVAL);
	bad = p;
	bad.len = 40;
	assert_int_equal(ipam_subnet_new(&bad, NULL, NULL, &s, &e), -EINVAL);
	bad.addr.family = 0;
	assert_int_equal(ipam_subnet_new(&bad, NULL, NULL, &s, &e), -EINVAL);
	assert_null(s);
}

static void point_to_point_31(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.9.9.0/31", NULL, NULL);

	assert_string_equal(next(s), "10.9.9.1");
	assert_int_equal(ipam_subnet_count_free(s), 0);
}

static void ipv6_slash64_is_cheap(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("fd00:1::/64", NULL, NULL);
	struct ipam_addr a;
	struct err e = {0};

	assert_string_equal(next(s), "fd00:1::2");
	assert_string_equal(next(s), "fd00:1::3");
	assert_true(ipam_subnet_count_free(s) == UINT64_MAX - 3); /* 2^64 - 1 usable, gw, 2 taken */
	/* static addresses spread all over the /64 */
	for (unsigned i = 0; i < 1000; i++) {
		a = A("fd00:1::");
		a.b[8] = (uint8_t)(i >> 2);
		a.b[10] = (uint8_t)(i * 37);
		a.b[15] = 9;
		assert_int_equal(ipam_subnet_reserve(s, &a, &e), 0);
	}
	assert_int_equal(ipam_subnet_count_allocated(s), 1002);
	assert_true(ipam_subnet_memory(s) < 1002 * 100); /* ~60 bytes each, not 8 KiB chunks */
	/* the top of the /64 is usable in IPv6, and wraps */
	a = A("fd00:1::ffff:ffff:ffff:fffe");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), 0);
	a = A("fd00:1::ffff:ffff:ffff:ffff");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), 0);
	a = A("fd00:1::");
	assert_int_equal(ipam_subnet_reserve(s, &a, &e), -EADDRNOTAVAIL);
	/* range at the very end */
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *t =
	    new_subnet("fd00:2::/64", NULL, "fd00:2::ffff:ffff:ffff:fffe-fd00:2::ffff:ffff:ffff:ffff");
	assert_string_equal(next(t), "fd00:2::ffff:ffff:ffff:fffe");
	assert_string_equal(next(t), "fd00:2::ffff:ffff:ffff:ffff");
	assert_int_equal(ipam_subnet_alloc(t, &a, &e), -ENOSPC);
	/* the whole IPv6 space still works */
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *u = new_subnet("::/0", NULL, NULL);
	assert_string_equal(next(u), "::2");
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(ipam_subnet_reserve(u, &a, &e), 0);
	assert_int_equal(ipam_subnet_next_allocated(u, &(struct ipam_addr){.family = AF_INET6, .b = {0xfe}}, &a), 0);
	assert_int_equal(ipam_subnet_next_allocated(u, &a, &a), -ENOENT);
}

static void iterate_allocated(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.1.0.0/16", NULL, NULL);
	struct ipam_addr a, lo = A("10.0.0.0"), hi = A("10.2.0.0");
	const char *want[] = {"10.1.0.2", "10.1.0.3", "10.1.7.7", "10.1.255.254"};
	char b[IPAM_ADDR_STRLEN];
	size_t n = 0;

	assert_int_equal(ipam_subnet_next_allocated(s, NULL, &a), -ENOENT);
	assert_string_equal(next(s), "10.1.0.2");
	assert_string_equal(next(s), "10.1.0.3");
	a = A("10.1.7.7");
	assert_int_equal(ipam_subnet_reserve(s, &a, NULL), 0);
	a = A("10.1.255.254");
	assert_int_equal(ipam_subnet_reserve(s, &a, NULL), 0);
	for (int r = ipam_subnet_next_allocated(s, NULL, &a); r == 0; r = ipam_subnet_next_allocated(s, &a, &a))
		assert_string_equal(ipam_addr_format(&a, b, sizeof(b)), want[n++]);
	assert_int_equal(n, 4);
	assert_int_equal(ipam_subnet_next_allocated(s, &lo, &a), 0);
	assert_string_equal(ipam_addr_format(&a, b, sizeof(b)), "10.1.0.2");
	assert_int_equal(ipam_subnet_next_allocated(s, &hi, &a), -ENOENT);
	a = A("::1");
	assert_int_equal(ipam_subnet_next_allocated(s, &a, &a), -ENOENT);
}

static void whole_slash16_then_release_all(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.20.0.0/16", NULL, NULL);
	struct ipam_addr a;
	size_t peak;

	for (unsigned i = 0; i < 65533; i++)
		assert_int_equal(ipam_subnet_alloc(s, &a, NULL), 0);
	assert_int_equal(ipam_subnet_alloc(s, &a, NULL), -ENOSPC);
	assert_int_equal(ipam_subnet_count_free(s), 0);
	peak = ipam_subnet_memory(s);
	assert_true(peak <= sizeof(struct ipam_subnet) + 8192 + 256); /* one bitmap chunk */
	for (int r = ipam_subnet_next_allocated(s, NULL, &a); r == 0; r = ipam_subnet_next_allocated(s, &a, &a))
		assert_int_equal(ipam_subnet_release(s, &a, NULL), 0);
	assert_int_equal(ipam_subnet_count_allocated(s), 0);
	assert_int_equal(ipam_subnet_count_free(s), 65533);
	assert_true(ipam_subnet_memory(s) < 512);
}

/* The sparse set against a plain array, through every chunk kind. */
#define MODEL_N (3 * 65536 + 100)

static u128 model_next_clear(const uint8_t *m, u128 lo, u128 hi, bool *found)
{
	for (u128 x = lo; x <= hi; x++)
		if (!m[(size_t)x]) {
			*found = true;
			return x;
		}
	*found = false;
	return 0;
}

static void check_model(const struct ipam_set *s, const uint8_t *m, unsigned seed)
{
	u128 lo = rand_r(&seed) % MODEL_N, hi = lo + rand_r(&seed) % 70000, r = 0;
	bool found;

	if (hi >= MODEL_N)
		hi = MODEL_N - 1;
	u128 want = model_next_clear(m, lo, hi, &found);
	assert_int_equal(set_next_clear(s, lo, hi, &r), found);
	if (found)
		assert_true(r == want);
	found = set_next_set(s, lo, &r);
	size_t x = (size_t)lo;
	while (x < MODEL_N && !m[x])
		x++;
	assert_int_equal(found, x < MODEL_N);
	if (found) {
		assert_true(r == x);
		size_t end = x;
		while (end + 1 < MODEL_N && m[end + 1])
			end++;
		assert_true(set_run_end(s, r) == end);
	}
}

static void sparse_set_matches_model(void **state)
{
	_cleanup_free_ uint8_t *m = xcalloc(MODEL_N, 1);
	struct ipam_set s = {0};
	unsigned seed = 7;
	uint64_t count = 0;

	/* phases: sparse random, dense fill of chunk 1 (array -> bitmap -> full),
	 * random deletes (full -> bitmap -> array), ranges */
	for (int phase = 0; phase < 4; phase++) {
		for (unsigned i = 0; i < 70000; i++) {
			size_t x;
			int add;

			if (phase == 1) {
				x = 65536 + i % 65536;
				add = 1;
			} else {
				x = (size_t)rand_r(&seed) % MODEL_N;
				add = phase == 2 ? (rand_r(&seed) % 4 == 0) : (rand_r(&seed) % 3 != 0);
			}
			if (add) {
				assert_int_equal(set_add(&s, x), !m[x]);
				count += !m[x];
				m[x] = 1;
			} else {
				assert_int_equal(set_del(&s, x), m[x]);
				count -= m[x];
				m[x] = 0;
			}
			assert_int_equal(set_test(&s, x), m[x]);
			if (i % 997 == 0)
				check_model(&s, m, i + (unsigned)phase);
		}
		assert_int_equal(s.count, count);
		if (phase == 2) {
			/* clear the lot, then add ranges that cross chunk borders */
			set_free(&s);
			memset(m, 0, MODEL_N);
			set_add_range(&s, 10, 65535 + 70000);
			memset(m + 10, 1, 65535 + 70000 - 10 + 1);
			count = s.count;
			assert_int_equal(count, 65535 + 70000 - 10 + 1);
			for (unsigned i = 0; i < 50; i++)
				check_model(&s, m, i);
		}
	}
	set_free(&s);
}

/* Whole chunks (for the JSON bitmaps): runs counted, bits out and back in,
 * for each chunk kind. */
static void chunk_runs_and_bits(void **state)
{
	static uint64_t bits[SET_CHUNK_WORDS], back[SET_CHUNK_WORDS];
	const unsigned fills[] = {1, 3, 4096, 4097, 30000, 65535, 65536};

	for (size_t f = 0; f < ARRAY_SIZE(fills); f++) {
		struct ipam_set s = {0}, t = {0};
		unsigned seed = (unsigned)f, runs = 0;
		u128 key = 5;

		memset(bits, 0, sizeof(bits));
		for (unsigned n = 0; n < fills[f];) {
			unsigned x = fills[f] == 65536 ? n : (unsigned)rand_r(&seed) % 65536;
			if (!(bits[x / 64] >> (x % 64) & 1)) {
				bits[x / 64] |= UINT64_C(1) << (x % 64);
				assert_int_equal(set_add(&s, (key << SET_CHUNK_SHIFT) + x), 1);
				n++;
			}
		}
		for (unsigned x = 0; x < 65536; x++)
			runs +=
			    (bits[x / 64] >> (x % 64) & 1) && (x == 0 || !(bits[(x - 1) / 64] >> ((x - 1) % 64) & 1));
		assert_int_equal(set_chunk_runs(&s, key), runs);
		assert_int_equal(set_chunk_runs(&s, key + 1), 0);
		assert_true(set_chunk_bits(&s, key, back));
		assert_memory_equal(bits, back, sizeof(bits));
		assert_false(set_chunk_bits(&s, key - 1, back));
		set_add_chunk(&t, key, bits);
		assert_int_equal(t.count, fills[f]);
		for (unsigned x = 0; x < 65536; x += 7)
			assert_int_equal(set_test(&t, (key << SET_CHUNK_SHIFT) + x), bits[x / 64] >> (x % 64) & 1);
		assert_true(set_memory(&t) <= 4 * 32 + 8192); /* directory of 4, one chunk */
		set_free(&s);
		set_free(&t);
	}
	struct ipam_set z = {0};
	memset(bits, 0, sizeof(bits));
	set_add_chunk(&z, 1, bits); /* nothing to add */
	assert_int_equal(z.n, 0);
	set_free(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(small_subnet_hands_out_usable_only),
	    cmocka_unit_test(round_robin_does_not_reuse_at_once),
	    cmocka_unit_test(gateway_and_range),
	    cmocka_unit_test(static_requests_are_refused_with_reason),
	    cmocka_unit_test(new_rejects_bad_configs),
	    cmocka_unit_test(point_to_point_31),
	    cmocka_unit_test(ipv6_slash64_is_cheap),
	    cmocka_unit_test(iterate_allocated),
	    cmocka_unit_test(whole_slash16_then_release_all),
	    cmocka_unit_test(sparse_set_matches_model),
	    cmocka_unit_test(chunk_runs_and_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
