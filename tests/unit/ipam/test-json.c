/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Subnet state as JSON: round trips, compactness, and hostile input. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <cmocka.h>
#include "ipam.h"

static struct ipam_addr A(const char *s) {
	struct ipam_addr a;

	assert_int_equal(ipam_addr_parse(s, &a, NULL), 0);
	return a;
}

static struct ipam_subnet *
new_subnet(const char *cidr, const char *range)
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

	snprintf(buf, sizeof(buf), "%s",
		 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return buf;
}

static struct ipam_subnet *load(const char *json, int want, const char *msg)
{
	_cleanup_json_ json_object *o = json_tokener_parse(json);
	struct ipam_subnet *s = NULL;
	struct err e = {0};

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

	assert_string_equal(
	    text(s),
	    "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"10.0.0.0/25\",\"allocated\":[]}");
	for (int i = 0; i < 40; i++)
		assert_int_equal(ipam_subnet_alloc(s, &a, NULL), 0);
	a = A("10.0.0.9");
	assert_int_equal(ipam_subnet_release(s, &a, NULL), 0);
	a = A("10.0.0.200");
	assert_int_equal(ipam_subnet_reserve(s, &a, NULL), 0);
	a = A("10.0.0.254");
	assert_int_equal(ipam_subnet_reserve(s, &a, NULL), 0);
	snprintf(before, sizeof(before), "%s", text(s));
	assert_string_equal(before,
			    "{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"10.0.0.0/25\","
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
		 "\"fd00::ffff:ffff:ffff:ffff\"]}",
		 0, NULL);
	assert_int_equal(ipam_subnet_count_allocated(t), 0xfffffffeu + 1);
	assert_true(ipam_subnet_memory(t) < 2200 * 1024); /* 65536 full chunks of 32 bytes, no bitmaps */
	assert_string_equal(
	    text(t), "{\"subnet\":\"fd00::/64\",\"gateway\":\"fd00::1\",\"allocated\":[\"fd00::2-fd00::ffff:ffff\","
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
	    {"[]", "expected an object", -EINVAL},
	    {"{}", "needs", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\"}", "needs", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":{}}", "must be an array", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[],\"x\":1}", "unknown key 'x'",
	     -EINVAL},
	    {"{\"subnet\":24,\"gateway\":\"10.0.0.1\",\"allocated\":[]}", "must be a string", -EINVAL},
	    {"{\"subnet\":\"10.0.0.1/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[]}", "did you mean", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.1.1\",\"allocated\":[]}", "not in subnet", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"fd00::1\",\"allocated\":[]}", "family", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.0\",\"allocated\":[]}", "network address", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"10.0.1.0/24\",\"allocated\":[]}",
	     "not within", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"junk\",\"allocated\":[]}",
	     "invalid IP range", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"last\":\"10.0.1.1\",\"allocated\":[]}",
	     "not within", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"last\":\"x\",\"allocated\":[]}", "last", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[5]}", "allocated[0]: not a string",
	     -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.0\"]}",
	     "network, broadcast or gateway", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.255\"]}",
	     "network, broadcast", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.9\",\"allocated\":[\"10.0.0.5-10.0.0.10\"]}", "gateway",
	     -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.1.5\"]}", "not within",
	     -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"fd00::5\"]}", "not within",
	     -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.9-10.0.0.5\"]}",
	     "ends before", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.9\",\"10.0.0.5\"]}",
	     "allocated[1]: '10.0.0.5' is out of order", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2-10.0.0.9\",\"10.0.0.9\"]}",
	     "overlaps", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2-\"]}", "empty", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2-10.0.0.3-10.0.0.4\"]}",
	     "invalid", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2\\u0000\"]}", "NUL",
	     -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\\u0000x\",\"gateway\":\"10.0.0.1\",\"allocated\":[]}", "NUL", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\\u0000\",\"allocated\":[]}", "NUL", -EINVAL},
	    {"{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.1\",\"ip_range\":\"10.0.0.0/"
	     "25\\u0000\",\"allocated\":[]}",
	     "NUL", -EINVAL},
	    /* a hostile state that would take the whole /64: bounded, refused before any memory is spent */
	    {"{\"subnet\":\"fd00::/64\",\"gateway\":\"fd00::1\",\"allocated\":[\"fd00::2-fd00::ffff:ffff:ffff:ffff\"]}",
	     "more than", -E2BIG},
	    {"{\"subnet\":\"fd00::/64\",\"gateway\":\"fd00::1\",\"allocated\":[\"fd00::2-fd00::1:0:2\"]}", "more than",
	     -E2BIG},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		load(bad[i].json, bad[i].r, bad[i].msg);
		/* the code is the same without a struct err */
		_cleanup_json_ json_object *o = json_tokener_parse(bad[i].json);
		struct ipam_subnet *s = NULL;
		assert_int_equal(ipam_subnet_from_json(o, &s, NULL), bad[i].r);
	}
	/* and the good variants of those keys */
	ipam_subnet_free(
	    load("{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.9\",\"ip_range\":\"10.0.0.3-10.0.0.20\","
		 "\"last\":\"10.0.0.255\",\"allocated\":[\"10.0.0.1-10.0.0.8\",\"10.0.0.10-10.0.0.254\"]}",
		 0, NULL));
}

/* The "allocated" element that is a bitmap, from a state's text. */
static char *bitmap_elem(const char *json)
{
	const char *p = strchr(json, '+'), *start, *end;

	assert_non_null(p);
	for (start = p; start[-1] != '"'; start--)
		;
	end = strchr(p, '"');
	return xstrndup(start, (size_t)(end - start));
}

static void scattered_blocks_save_as_bitmaps(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.0.0.0/15", NULL);
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *t = NULL;
	_cleanup_json_ json_object *o = NULL;
	struct ipam_addr a, b;
	unsigned seed = 1;
	int r;

	/* 3000 scattered in the first /16 (a bitmap is shorter), a run and a few
	 * singles in the second (runs are shorter) */
	while (ipam_subnet_count_allocated(s) < 3000) {
		assert_int_equal(ipam_prefix_nth(ipam_subnet_prefix(s), 2 + (uint64_t)rand_r(&seed) % 65534, &a), 0);
		(void)!ipam_subnet_reserve(s, &a, NULL);
	}
	a = A("10.0.255.255"); /* the block's last address, then a run into the next block */
	(void)!ipam_subnet_reserve(s, &a, NULL);
	for (const char *x = "10.1.0.0"; x; x = strcmp(x, "10.1.0.0") ? NULL : "10.1.0.1") {
		a = A(x);
		assert_int_equal(ipam_subnet_reserve(s, &a, NULL), 0);
	}
	a = A("10.1.200.3");
	assert_int_equal(ipam_subnet_reserve(s, &a, NULL), 0);
	o = ipam_subnet_to_json(s);
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_non_null(strstr(txt, "\"10.0.0.0+"));
	assert_non_null(strstr(txt, "\",\"10.1.0.0-10.1.0.1\",\"10.1.200.3\"]}"));
	assert_true(strlen(txt) < 11100);
	t = load(txt, 0, NULL);
	assert_int_equal(ipam_subnet_count_allocated(t), ipam_subnet_count_allocated(s));
	assert_int_equal(ipam_subnet_count_free(t), ipam_subnet_count_free(s));
	for (r = ipam_subnet_next_allocated(s, NULL, &a); r == 0; r = ipam_subnet_next_allocated(s, &a, &a))
		assert_true(ipam_subnet_is_allocated(t, &a));
	for (r = ipam_subnet_next_allocated(t, NULL, &b); r == 0; r = ipam_subnet_next_allocated(t, &b, &b))
		assert_true(ipam_subnet_is_allocated(s, &b));
	_cleanup_json_ json_object *o2 = ipam_subnet_to_json(t);
	assert_string_equal(json_object_to_json_string_ext(o2, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			    txt);
}

static void hostile_bitmaps_are_refused(void **state)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = new_subnet("10.0.0.0/16", NULL);
	_cleanup_json_ json_object *o = NULL;
	_cleanup_free_ char *el = NULL, *bad = NULL;
	struct ipam_addr a;
	unsigned seed = 3;

	while (ipam_subnet_count_allocated(s) < 3000) {
		assert_int_equal(ipam_prefix_nth(ipam_subnet_prefix(s), 2 + (uint64_t)rand_r(&seed) % 65000, &a), 0);
		(void)!ipam_subnet_reserve(s, &a, NULL);
	}
	o = ipam_subnet_to_json(s);
	el = bitmap_elem(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	const char *b64 = strchr(el, '+') + 1;
	size_t n = strlen(b64);
	assert_int_equal(n, 10924);
#define STATE(cidr, gw, elem) xasprintf("{\"subnet\":\"%s\",\"gateway\":\"%s\",\"allocated\":[\"%s\"]}", cidr, gw, elem)
	/* good as is */
	bad = STATE("10.0.0.0/16", "10.0.0.1", el);
	ipam_subnet_free(load(bad, 0, NULL));
	free(bad);
	/* not at a block's start */
	bad = xasprintf("{\"subnet\":\"10.0.0.0/16\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.0.0.2+%s\"]}", b64);
	load(bad, -EINVAL, "must start at a block");
	free(bad);
	/* the gateway's bit set: a gateway elsewhere makes .1 allocated */
	bad = STATE("10.0.0.0/16", "10.0.0.1", "10.0.0.0+AgAAAA");
	load(bad, -EINVAL, "bad bitmap");
	free(bad);
	/* truncated, overlong, bad characters, bad padding, non-canonical */
	for (int k = 0; k < 6; k++) {
		char *x = xasprintf("10.0.0.0+%s", b64);
		size_t m = strlen(x);
		switch (k) {
		case 0:
			x[m - 2] = '\0';
			break;
		case 1:
			x[m - 1] = 'A';
			break;
		case 2:
			x[20] = '*';
			break;
		case 3:
			x[m - 2] = '=';
			break;
		case 4:
			x[20] = '=';
			break;
		case 5:
			x[m - 2] = (x[m - 2] == 'A') ? 'B' : 'A';
			break; /* sets an unused bit, or the wrong value */
		}
		bad = STATE("10.0.0.0/16", "10.0.0.1", x);
		_cleanup_json_ json_object *j = json_tokener_parse(bad);
		struct ipam_subnet *t = NULL;
		int r = ipam_subnet_from_json(j, &t, NULL);
		if (k == 5 && r == 0) /* changed a used bit: fine, as long as the text is canonical */
			ipam_subnet_free(t);
		else
			assert_int_equal(r, -EINVAL);
		free(bad);
		free(x);
	}
	/* built by hand: all zero (empty), gateway bit, network bit, past a small subnet */
	_cleanup_free_ uint8_t *zero = xcalloc(8192, 1);
	static const struct {
		const char *cidr, *gw;
		int byte, bit;
		const char *msg;
	} cases[] = {
	    {"10.0.0.0/16", "10.0.0.1", -1, 0, "empty bitmap"},	    {"10.0.0.0/16", "10.0.0.1", 0, 1, "gateway"},
	    {"10.0.0.0/16", "10.0.0.1", 0, 0, "network"},	    {"10.0.0.0/16", "10.0.0.1", 8191, 7, "broadcast"},
	    {"10.0.0.0/20", "10.0.0.1", 600, 0, "past the subnet"}, {"fd00::/120", "fd00::1", 40, 0, "past the subnet"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(zero, 0, 8192);
		if (cases[i].byte >= 0)
			zero[cases[i].byte] = (uint8_t)(1u << cases[i].bit);
		zero[2] |= (uint8_t)(cases[i].byte >= 0 ? 1 : 0); /* one good bit besides */
		/* encode by loading the bits through a state that allows them */
		static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		_cleanup_free_ char *enc = xmalloc(10925);
		size_t o2 = 0;
		for (size_t j = 0; j < 8192; j += 3) {
			uint32_t v = (uint32_t)zero[j] << 16 | (j + 1 < 8192 ? (uint32_t)zero[j + 1] << 8 : 0) |
				     (j + 2 < 8192 ? zero[j + 2] : 0);
			enc[o2++] = tbl[v >> 18];
			enc[o2++] = tbl[(v >> 12) & 63];
			enc[o2++] = j + 1 < 8192 ? tbl[(v >> 6) & 63] : '=';
			enc[o2++] = j + 2 < 8192 ? tbl[v & 63] : '=';
		}
		enc[o2] = '\0';
		char *x = xasprintf("%s+%s", strchr(cases[i].cidr, ':') ? "fd00::" : "10.0.0.0", enc);
		bad = STATE(cases[i].cidr, cases[i].gw, x);
		load(bad, -EINVAL, cases[i].msg);
		free(bad);
		free(x);
	}
	/* nothing may follow a bitmap that overlaps it, and the order holds */
	bad = xasprintf("{\"subnet\":\"10.0.0.0/15\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"%s\",\"10.0.255.255\"]}",
			el);
	load(bad, -EINVAL, "out of order");
	free(bad);
	bad =
	    xasprintf("{\"subnet\":\"10.0.0.0/15\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"10.1.0.0\",\"%s\"]}", el);
	load(bad, -EINVAL, "out of order");
	free(bad);
	bad =
	    xasprintf("{\"subnet\":\"10.0.0.0/15\",\"gateway\":\"10.0.0.1\",\"allocated\":[\"%s\",\"10.1.0.0\"]}", el);
	ipam_subnet_free(load(bad, 0, NULL));
	free(bad);
	bad = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(ipv6_and_big_runs_stay_small),
	    cmocka_unit_test(hostile_state_is_refused),
	    cmocka_unit_test(scattered_blocks_save_as_bitmaps),
	    cmocka_unit_test(hostile_bitmaps_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
