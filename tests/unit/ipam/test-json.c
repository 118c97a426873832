/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Subnet state as JSON: round trips, compactness, and hostile input. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <cmocka.h>
#include "ipam.h"

static struct ipam_addr A(const char *s)
{
	struct ipam_addr a;

	assert_int_equal(ipam_addr_parse(s, &a, NULL), 0);
	return a;
}

static struct ipam_subnet *new_subnet(const char *cidr, const char *range)
{
	struct ipam_subnet *s = NULL;
	struct ipam_prefix p;
	struct ipam_range r;

	assert_int_equal(ipam_prefix_parse(cidr, &p, NULL), 0);
	if (range)
		assert_int_equal(ipam_range_parse(range, &r, NULL), 0);
	assert_int_equal(ipam_subnet_new(&p, NULL, range ? &r : NULL, &s, NULL), 0);
	return s;
}

static const char *text(const struct ipam_subnet *s)
{
	static char buf[4096];
	_cleanup_json_ json_object *o = ipam_subnet_to_json(s);

	snprintf(buf, sizeof(buf), "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return buf;
}

static struct ipam_subnet *load(const char *json, int want, const char *msg)
{
	_cleanup_json_ json_object *o = json_tokener_parse(json);
	struct ipam_subnet *s = NULL;
	struct err e = { 0 };

	if (!o)
		fail_msg("test JSON does not parse: %s", json);
	int r = ipam_subnet_from_json(o, &s, &e);
	if (r != want)
		fail_msg("%s: got %d (%s), want %d", json, r, err_msg(&e), want);
	if (msg && !strstr(err_msg(&e), msg))
		fail_msg("%s: message '%s' lacks '%s'", json, err_msg(&e), msg);
	if (want < 0)
		assert_null(s);
	return s;
}

static void round_trip(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.0.0.0/24", "10.0.0.0/25");
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *t = NULL;
	struct ipam_addr a;
	char before[4096];

	assert_string_equal(text(s), "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"10.0.0.0/25\",\"allocated\":[]}");
	for (int i = 0; i < 40; i++)
		assert_int_equal(ipam_subnet_alloc(s, &a, NULL), 0);
	a = A("10.0.0.9");
	assert_int_equal(ipam_subnet_release(s, &a, NULL), 0);
	a = A("10.0.0.200");
	assert_int_equal(ipam_subnet_reserve(s, &a, NULL), 0);
	a = A("10.0.0.254");
	assert_int_equal(ipam_subnet_reserve(s, &a, NULL), 0);
	snprintf(before, sizeof(before), "%s", text(s));
	assert_string_equal(before, "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"10.0.0.0/25\","
				    "\"last\":\"10.0.0.41\",\"allocated\":[\"10.0.0.2-10.0.0.8\",\"10.0.0.10-10.0.0.41\","
				    "\"10.0.0.200\",\"10.0.0.254\"]}");
	t = load(before, 0, NULL);
	assert_string_equal(text(t), before);
	assert_int_equal(ipam_subnet_count_allocated(t), 41);
	assert_int_equal(ipam_subnet_count_free(t), ipam_subnet_count_free(s));
	/* the cursor survives: the next address is the same in both */
	struct ipam_addr x, y;
	assert_int_equal(ipam_subnet_alloc(s, &x, NULL), 0);
	assert_int_equal(ipam_subnet_alloc(t, &y, NULL), 0);
	assert_true(ipam_addr_equal(&x, &y));
	assert_true(ipam_subnet_is_allocated(t, &a));
}

static void ipv6_and_big_runs_stay_small(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.0.0.0/8", NULL);
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *t = NULL;
	struct ipam_addr a;

	for (int i = 0; i < 200000; i++)
		assert_int_equal(ipam_subnet_alloc(s, &a, NULL), 0);
	assert_string_equal(text(s), "{\"subnet\":\"10.0.0.0/8\",\"gateway\":\"10.0.0.1\",\"last\":\"10.3.13.65\","
				     "\"allocated\":[\"10.0.0.2-10.3.13.65\"]}");
	t = load(text(s), 0, NULL);
	assert_int_equal(ipam_subnet_count_allocated(t), 200000);
	assert_true(ipam_subnet_memory(t) < 2 * 8192 + 1024); /* two partial chunks */
	ipam_subnet_free(TAKE_PTR(t));
	t = load("{\"subnet\":\"fd00::/64\",\"gateway\":\"fd00::1\",\"allocated\":[\"fd00::2-fd00::ffff:ffff\","
		 "\"fd00::ffff:ffff:ffff:ffff\"]}", 0, NULL);
	assert_int_equal(ipam_subnet_count_allocated(t), 0xfffffffeu + 1);
	assert_true(ipam_subnet_memory(t) < 2200 * 1024); /* 65536 full chunks of 32 bytes, no bitmaps */
	assert_string_equal(text(t), "{\"subnet\":\"fd00::/64\",\"gateway\":\"fd00::1\",\"allocated\":[\"fd00::2-fd00::ffff:ffff\","
				     "\"fd00::ffff:ffff:ffff:ffff\"]}");
	a = A("fd00::1:0:0");
	assert_int_equal(ipam_subnet_reserve(t, &a, NULL), 0); /* 2^32 allocated: the limit */
	a = A("fd00::1:0:1");
	assert_int_equal(ipam_subnet_reserve(t, &a, NULL), -ENOSPC);
	assert_int_equal(ipam_subnet_alloc(t, &a, NULL), -ENOSPC);
}

static void hostile_state_is_refused(void **state)
{
	static const struct {
		const char *json, *msg;
		int r;
	} bad[] = {
		{ "[]", "expected an object", -EINVAL },
		{ "{}", "needs", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\"}", "needs", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":{}}", "must be an array", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[],\"x\":1}", "unknown key 'x'", -EINVAL },
		{ "{\"subnet\":24,\"gateway\":\"10.0.0.1\",\"allocated\":[]}", "must be a string", -EINVAL },
		{ "{\"subnet\":\"10.0.0.1/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[]}", "did you mean", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.1.1\",\"allocated\":[]}", "not in subnet", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"fd00::1\",\"allocated\":[]}", "family", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.0\",\"allocated\":[]}", "network address", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"10.0.1.0/24\",\"allocated\":[]}",
		  "not within", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"junk\",\"allocated\":[]}",
		  "invalid IP range", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"last\":\"10.0.1.1\",\"allocated\":[]}",
		  "not within", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"last\":\"x\",\"allocated\":[]}", "last", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[5]}", "allocated[0]: not a string", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.0\"]}", "network, broadcast or gateway", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.255\"]}", "network, broadcast", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.9\",\"allocated\":[\"10.0.0.5-10.0.0.10\"]}", "gateway", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.1.5\"]}", "not within", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"fd00::5\"]}", "not within", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.9-10.0.0.5\"]}", "ends before", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.9\",\"10.0.0.5\"]}", "allocated[1]: '10.0.0.5' is out of order", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2-10.0.0.9\",\"10.0.0.9\"]}", "overlaps", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2-\"]}", "empty", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2-10.0.0.3-10.0.0.4\"]}", "invalid", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2\\u0000\"]}", "NUL", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\\u0000x\",\"gateway\":\"10.0.0.1\",\"allocated\":[]}", "NUL", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\\u0000\",\"allocated\":[]}", "NUL", -EINVAL },
		{ "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"10.0.0.0/25\\u0000\",\"allocated\":[]}", "NUL", -EINVAL },
		/* a hostile state that would take the whole /64: bounded, refused before any memory is spent */
		{ "{\"subnet\":\"fd00::/64\",\"gateway\":\"fd00::1\",\"allocated\":[\"fd00::2-fd00::ffff:ffff:ffff:ffff\"]}", "more than", -E2BIG },
		{ "{\"subnet\":\"fd00::/64\",\"gateway\":\"fd00::1\",\"allocated\":[\"fd00::2-fd00::1:0:2\"]}", "more than", -E2BIG },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		load(bad[i].json, bad[i].r, bad[i].msg);
	/* and the good variants of those keys */
	ipam_subnet_free(load("{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.9\",\"ip_range\":\"10.0.0.3-10.0.0.20\","
			      "\"last\":\"10.0.0.255\",\"allocated\":[\"10.0.0.1-10.0.0.8\",\"10.0.0.10-10.0.0.254\"]}",
			      0, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(ipv6_and_big_runs_stay_small),
		cmocka_unit_test(hostile_state_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
