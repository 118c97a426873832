/* SPDX-License-Identifier: GPL-2.0-or-later */
/* link.create requests (lab links): strict parsing, hostile values refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "daemon.h"

static int parse_link(const char *s, struct link_req *l, json_object **req, struct err *e)
{
	const char *op = NULL;
	int r = proto_parse(s, strlen(s), req, &op, e);
	if (r < 0)
		return r;
	assert_string_equal(op, "link.create");
	return link_parse(*req, l, e);
}

static void link_good(void **state)
{
	struct err e = { 0 };
	struct link_req l;
	json_object *req = NULL;

	(void)state;
	assert_int_equal(parse_link("{\"version\":1,\"op\":\"link.create\",\"a\":{\"netns\":\"/proc/7/ns/net\",\"ifname\":"
				    "\"eth1\",\"mac\":\"02:00:00:00:00:01\"},\"b\":{\"netns\":\"/proc/8/ns/net\","
				    "\"ifname\":\"e1-1\"},\"mtu\":9500}",
				    &l, &req, &e),
			 0);
	assert_string_equal(l.a.netns, "/proc/7/ns/net");
	assert_string_equal(l.a.ifname, "eth1");
	assert_true(l.a.has_mac);
	assert_int_equal(l.a.mac[5], 1);
	assert_string_equal(l.b.ifname, "e1-1");
	assert_false(l.b.has_mac);
	assert_null(l.b.bridge);
	assert_int_equal(l.mtu, 9500);
	json_object_put(req);

	/* a bridge end; no mtu: the kernel's default */
	assert_int_equal(parse_link("{\"version\":1,\"op\":\"link.create\",\"a\":{\"netns\":\"/run/netns/x\",\"ifname\":"
				    "\"eth1\"},\"b\":{\"bridge\":\"br-star\",\"ifname\":\"star-h1\"}}",
				    &l, &req, &e),
			 0);
	assert_string_equal(l.b.bridge, "br-star");
	assert_null(l.b.netns);
	assert_int_equal(l.mtu, 0);
	json_object_put(req);
}

static void link_bad(void **state)
{
	static const struct {
		const char *body, *msg;
	} bad[] = {
		{ "", "\"a\" must be an object" },
		{ ",\"a\":1,\"b\":{}", "\"a\" must be an object" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"eth1\"}", "\"b\" must be an object" },
		{ ",\"a\":{\"netns\":\"n\",\"ifname\":\"eth1\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"eth1\"}",
		  "a: netns must be an absolute path" },
		{ ",\"a\":{\"ifname\":\"eth1\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"eth1\"}",
		  "a: netns must be an absolute path" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"0123456789abcdef\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"}",
		  "a: invalid interface name" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"a/b\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"}",
		  "a: invalid interface name" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"}",
		  "a: invalid interface name" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"..\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"}",
		  "a: invalid interface name" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e 1\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"}",
		  "a: invalid interface name" },
		{ ",\"a\":{\"bridge\":\"br0\",\"ifname\":\"e\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"}",
		  "only b may name a bridge" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\"},\"b\":{\"bridge\":\"br0\",\"netns\":\"/m\",\"ifname\":\"e\"}",
		  "only b may name a bridge" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\",\"mac\":\"01:00:00:00:00:01\"}",
		  "multicast" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\",\"mac\":\"02:00:00:00:00\"}",
		  "invalid MAC address" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\",\"mac\":\"02:00:00:00:00:01x\"}",
		  "invalid MAC address" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"},\"mtu\":67", "mtu 67" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"},\"mtu\":70000",
		  "mtu 70000" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\"},\"b\":{\"netns\":\"/n\",\"ifname\":\"e\"}",
		  "both ends are e in the same namespace" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\",\"x\":1},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"}", "x" },
		{ ",\"a\":{\"netns\":\"/n\",\"ifname\":\"e\"},\"b\":{\"netns\":\"/m\",\"ifname\":\"e\"},\"c\":1", "c" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err e = { 0 };
		struct link_req l;
		json_object *req = NULL;
		_cleanup_free_ char *s = xasprintf("{\"version\":1,\"op\":\"link.create\"%s}", bad[i].body);
		int r = parse_link(s, &l, &req, &e);
		json_object_put(req);
		if (r != -EINVAL || !strstr(err_msg(&e), bad[i].msg))
			fail_msg("%s: got %d \"%s\", want \"%s\"", s, r, err_msg(&e), bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(link_good),
		cmocka_unit_test(link_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
