/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netd's socket requests and the net.create spec: strict parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "daemon.h"
#include "network.h"

static int parse(const char *s, json_object **req, const char **op, struct err *e)
{
	return proto_parse(s, strlen(s), req, op, e);
}

static void request_envelope(void **state)
{
	struct err e = { 0 };
	json_object *req = NULL;
	const char *op = NULL;

	assert_int_equal(parse("{\"version\":1,\"op\":\"ping\"}\n", &req, &op, &e), 0);
	assert_string_equal(op, "ping");
	json_object_put(req);

	static const struct {
		const char *in;
		int code;
		const char *msg;
	} bad[] = {
		{ "", -EINVAL, "empty request" },
		{ "not json", -EINVAL, "not valid JSON" },
		{ "[1,2]", -EINVAL, "must be a JSON object" },
		{ "{\"version\":1,\"op\":\"ping\"} x", -EINVAL, "trailing data" },
		{ "{\"version\":1,\"op\":\"ping\"}{}", -EINVAL, "trailing data" },
		{ "{\"op\":\"ping\"}", -EPROTO, "version 0" },
		{ "{\"version\":2,\"op\":\"ping\"}", -EPROTO, "version 2" },
		{ "{\"version\":\"1\",\"op\":\"ping\"}", -EINVAL, "\"version\" must be a number" },
		{ "{\"version\":1}", -EINVAL, "missing \"op\"" },
		{ "{\"version\":1,\"op\":7}", -EINVAL, "\"op\" must be a string" },
		{ "{\"version\":1,\"op\":\"rm -rf\"}", -EOPNOTSUPP, "unknown op" },
		{ "{\"version\":-1,\"op\":\"ping\"}", -EINVAL, "out of range" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err_clear(&e);
		req = NULL;
		assert_int_equal(parse(bad[i].in, &req, &op, &e), bad[i].code);
		assert_null(req);
		if (!strstr(err_msg(&e), bad[i].msg))
			fail_msg("%s: got \"%s\"", bad[i].in, err_msg(&e));
	}
	/* a NUL inside */
	assert_int_equal(proto_parse("{\"version\":1,\0\"op\":\"ping\"}", 27, &req, &op, &e), -EINVAL);
}

static int attach(const char *s, struct attach_req *a, struct err *e)
{
	_cleanup_json_ json_object *o = json_tokener_parse(s);
	assert_non_null(o);
	int r = attach_parse(o, a, e);
	if (r == 0) {
		/* the strings live in o: check them now */
		assert_string_equal(a->netns, "/run/netns/a");
		attach_req_done(a);
	}
	return r;
}

static void attach_requests(void **state)
{
	struct err e = { 0 };
	struct attach_req a;
	_cleanup_json_ json_object *o = json_tokener_parse(
		"{\"version\":1,\"op\":\"attach\",\"container\":\"c1\",\"name\":\"web\",\"netns\":\"/run/netns/a\","
		"\"network\":\"n\",\"ip\":\"10.0.0.9\",\"mac\":\"02:42:0a:00:00:09\",\"aliases\":[\"www\",\"w\"]}");
	assert_int_equal(attach_parse(o, &a, &e), 0);
	assert_true(a.has_ip && a.has_mac);
	assert_int_equal(a.ip.family, AF_INET);
	assert_int_equal(a.mac[5], 9);
	assert_int_equal(strv_len(a.aliases), 2);
	assert_string_equal(a.aliases[0], "www");
	assert_null(a.hostname);
	assert_int_equal(a.pid, 0);
	attach_req_done(&a);

	/* what DNS and the pid watch need */
	_cleanup_json_ json_object *o2 = json_tokener_parse(
		"{\"version\":1,\"op\":\"attach\",\"container\":\"c1\",\"name\":\"web\",\"netns\":\"/proc/9/ns/net\","
		"\"network\":\"n\",\"hostname\":\"box-1\",\"dns\":[\"10.0.0.53\",\"fd00::53\"],\"pid\":4242}");
	assert_int_equal(attach_parse(o2, &a, &e), 0);
	assert_string_equal(a.hostname, "box-1");
	assert_int_equal(strv_len(a.dns), 2);
	assert_int_equal(a.pid, 4242);
	attach_req_done(&a);

	/* net connect --link: TARGET:ALIAS */
	_cleanup_json_ json_object *o3 = json_tokener_parse(
		"{\"version\":1,\"op\":\"attach\",\"container\":\"c1\",\"name\":\"web\",\"netns\":\"/run/netns/a\","
		"\"network\":\"n\",\"links\":[\"db:store\",\"cache:cache\"]}");
	assert_int_equal(attach_parse(o3, &a, &e), 0);
	assert_int_equal(strv_len(a.links), 2);
	assert_string_equal(a.links[0], "db:store");
	attach_req_done(&a);

	static const char *const bad[] = {
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"pid\":-1}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"pid\":\"1\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"pid\":4294967295}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"hostname\":\"a b\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"hostname\":\"\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"dns\":[\"x.y\"]}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"dns\":\"1.1.1.1\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"dns\":[1]}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\"}",                 /* no network */
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"run/netns/a\",\"network\":\"x\"}", /* relative */
		"{\"container\":\"c/../x\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\"}",
		"{\"container\":\"\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\"}",
		"{\"container\":\"c\",\"name\":\"-n\",\"netns\":\"/run/netns/a\",\"network\":\"x\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"ip\":\"10.0.0.256\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"mac\":\"01:00:5e:00:00:01\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"mac\":\"02:42:0a:00:00\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"aliases\":\"w\"}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"aliases\":[\"ok\",\"b d\"]}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"extra\":1}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"links\":[\"db\"]}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"links\":[\":x\"]}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"links\":[\"db:\"]}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"links\":[\"db:a b\"]}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"links\":[3]}",
		"{\"container\":\"c\",\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\",\"links\":\"db:x\"}",
		"{\"container\":7,\"name\":\"n\",\"netns\":\"/run/netns/a\",\"network\":\"x\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err_clear(&e);
		if (attach(bad[i], &a, &e) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(e.msg[0] != '\0');
	}
}

/* "ip" and "ip6": both families at once; an IPv6 "ip" (older clients) still works. */
static void attach_static_addresses(void **state)
{
	static const char head[] = "{\"version\":1,\"op\":\"attach\",\"container\":\"c1\",\"name\":\"web\","
				   "\"netns\":\"/run/netns/a\",\"network\":\"n\"";
	struct err e = { 0 };
	struct attach_req a;
	char buf[512];
	(void)state;

	snprintf(buf, sizeof(buf), "%s,\"ip\":\"192.168.5.10\",\"ip6\":\"fd00:5::10\"}", head);
	_cleanup_json_ json_object *both = json_tokener_parse(buf);
	assert_int_equal(attach_parse(both, &a, &e), 0);
	assert_true(a.has_ip && a.has_ip6);
	assert_int_equal(a.ip.family, AF_INET);
	assert_int_equal(a.ip6.family, AF_INET6);
	assert_int_equal(a.ip6.b[15], 0x10);
	attach_req_done(&a);

	snprintf(buf, sizeof(buf), "%s,\"ip\":\"fd00:5::11\"}", head); /* the older form */
	_cleanup_json_ json_object *old6 = json_tokener_parse(buf);
	assert_int_equal(attach_parse(old6, &a, &e), 0);
	assert_false(a.has_ip);
	assert_true(a.has_ip6);
	assert_int_equal(a.ip6.b[15], 0x11);
	attach_req_done(&a);

	snprintf(buf, sizeof(buf), "%s,\"ip6\":\"fd00:5::12\"}", head);
	_cleanup_json_ json_object *only6 = json_tokener_parse(buf);
	assert_int_equal(attach_parse(only6, &a, &e), 0);
	assert_false(a.has_ip);
	assert_true(a.has_ip6);
	attach_req_done(&a);

	snprintf(buf, sizeof(buf), "%s,\"ip\":\"192.168.5.13\"}", head);
	_cleanup_json_ json_object *only4 = json_tokener_parse(buf);
	assert_int_equal(attach_parse(only4, &a, &e), 0);
	assert_true(a.has_ip);
	assert_false(a.has_ip6);
	attach_req_done(&a);

	static const struct {
		const char *tail, *msg;
	} bad[] = {
		{ "\"ip6\":\"192.168.5.10\"", "not an IPv6 address" },
		{ "\"ip\":\"fd00::1\",\"ip6\":\"fd00::2\"", "two static IPv6 addresses" },
		{ "\"ip6\":\"fd00::/64\"", "invalid ip6" },
		{ "\"ip6\":\"\"", "invalid ip6" },
		{ "\"ip6\":6", "must be a string" },
		{ "\"ip6\":\"fd00::1%eth0\"", "invalid ip6" },
		{ "\"ip\":\"10.0.0.1\",\"ip6\":\"::ffff:10.0.0.2x\"", "invalid ip6" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err_clear(&e);
		snprintf(buf, sizeof(buf), "%s,%s}", head, bad[i].tail);
		_cleanup_json_ json_object *o = json_tokener_parse(buf);
		assert_non_null(o);
		if (attach_parse(o, &a, &e) != -EINVAL)
			fail_msg("accepted: %s", buf);
		if (!strstr(err_msg(&e), bad[i].msg))
			fail_msg("%s: got \"%s\"", bad[i].tail, err_msg(&e));
	}
}

static void detach_and_names(void **state)
{
	struct err e = { 0 };
	struct detach_req d;
	char **names = NULL;
	_cleanup_json_ json_object *o = json_tokener_parse("{\"container\":\"c1\",\"network\":\"n\"}");
	_cleanup_json_ json_object *bad = json_tokener_parse("{\"container\":\"c1\"}");
	_cleanup_json_ json_object *n1 = json_tokener_parse("{\"names\":[\"a\",\"b\"]}");
	_cleanup_json_ json_object *n2 = json_tokener_parse("{\"names\":[]}");
	_cleanup_json_ json_object *n3 = json_tokener_parse("{\"names\":[\"a\",3]}");

	assert_int_equal(detach_parse(o, &d, &e), 0);
	assert_string_equal(d.network, "n");
	assert_int_equal(detach_parse(bad, &d, &e), -EINVAL);
	assert_int_equal(names_parse(n1, &names, &e), 0);
	assert_int_equal(strv_len(names), 2);
	strv_free(names);
	assert_int_equal(names_parse(n2, &names, &e), -EINVAL);
	assert_int_equal(names_parse(n3, &names, &e), -EINVAL);

	/* net.inspect's "static": one element per name, null or {ip?, ip6?} */
	unsigned *st = NULL;
	_cleanup_json_ json_object *s1 = json_tokener_parse(
		"{\"names\":[\"a\",\"b\",\"c\"],\"static\":[null,{\"ip\":\"10.0.0.5\"},{\"ip\":\"10.0.0.6\",\"ip6\":\"fd00::6\"}]}");
	assert_int_equal(inspect_parse(s1, &names, &st, &e), 0);
	assert_int_equal(strv_len(names), 3);
	assert_int_equal(st[0], 0);
	assert_int_equal(st[1], NETD_STATIC4);
	assert_int_equal(st[2], NETD_STATIC4 | NETD_STATIC6);
	strv_free(names);
	free(st);
	assert_int_equal(inspect_parse(n1, &names, &st, &e), 0);
	assert_null(st);
	strv_free(names);
	static const char *const bad_static[] = {
		"{\"names\":[\"a\"],\"static\":[]}",
		"{\"names\":[\"a\"],\"static\":[null,null]}",
		"{\"names\":[\"a\"],\"static\":[{\"ip\":\"fd00::1\"}]}",
		"{\"names\":[\"a\"],\"static\":[{\"ip6\":\"10.0.0.1\"}]}",
		"{\"names\":[\"a\"],\"static\":[{\"ip\":\"10.0.0\"}]}",
		"{\"names\":[\"a\"],\"static\":[{\"mac\":\"x\"}]}",
		"{\"names\":[\"a\"],\"static\":[3]}",
		"{\"names\":[\"a\"],\"static\":{}}",
		"{\"names\":[\"a\"],\"static\":[{\"ip\":5}]}",
	};
	for (size_t i = 0; i < sizeof(bad_static) / sizeof(*bad_static); i++) {
		_cleanup_json_ json_object *b = json_tokener_parse(bad_static[i]);
		assert_non_null(b);
		if (inspect_parse(b, &names, &st, &e) != -EINVAL)
			fail_msg("accepted %s", bad_static[i]);
	}
	assert_int_equal(names_parse(s1, &names, &e), -EINVAL); /* net.rm takes no "static" */

	/* release {container} */
	const char *ctr = NULL;
	_cleanup_json_ json_object *r1 = json_tokener_parse("{\"version\":1,\"op\":\"release\",\"container\":\"c1\"}");
	_cleanup_json_ json_object *r2 = json_tokener_parse("{\"container\":\"../x\"}");
	_cleanup_json_ json_object *r3 = json_tokener_parse("{\"container\":\"c1\",\"network\":\"n\"}");
	_cleanup_json_ json_object *r4 = json_tokener_parse("{}");
	assert_int_equal(release_parse(r1, &ctr, &e), 0);
	assert_string_equal(ctr, "c1");
	assert_int_equal(release_parse(r2, &ctr, &e), -EINVAL);
	assert_int_equal(release_parse(r3, &ctr, &e), -EINVAL);
	assert_int_equal(release_parse(r4, &ctr, &e), -EINVAL);
}

static int spec(const char *s, struct net_spec *ret, struct err *e)
{
	_cleanup_json_ json_object *o = json_tokener_parse(s);
	assert_non_null(o);
	err_clear(e);
	return net_spec_parse(o, ret, e);
}

static void create_spec(void **state)
{
	struct err e = { 0 };
	struct net_spec s;
	char buf[IPAM_PREFIX_STRLEN];

	assert_int_equal(spec("{\"name\":\"my.net-1\",\"subnets\":[\"192.168.0.0/16\",\"fd00::/64\"],\"ipv6\":true,"
			      "\"gateways\":[\"192.168.0.254\"],\"ip_ranges\":[\"192.168.1.0/24\"],\"internal\":true,"
			      "\"options\":{\"bridge.name\":\"br0\",\"mtu\":\"1400\",\"icc\":\"false\","
			      "\"com.docker.network.bridge.enable_ip_masquerade\":\"false\",\"host_ip\":\"127.0.0.1\"},"
			      "\"labels\":{\"a\":\"b\"}}",
			      &s, &e),
			 0);
	assert_string_equal(s.name, "my.net-1");
	assert_true(s.has_sub4 && s.has_sub6 && s.has_gw4 && !s.has_gw6 && s.has_range4);
	assert_string_equal(ipam_prefix_format(&s.sub6, buf, sizeof(buf)), "fd00::/64");
	assert_true(s.internal && s.ipv6 && !s.icc && !s.masquerade && s.has_host_ip);
	assert_int_equal(s.mtu, 1400);
	assert_string_equal(s.bridge, "br0");
	net_spec_done(&s);

	assert_int_equal(spec("{\"name\":\"d\"}", &s, &e), 0);
	assert_true(s.icc && s.masquerade && !s.has_sub4 && s.bridge[0] == '\0');
	net_spec_done(&s);

	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "{}", "missing \"name\"" },
		{ "{\"name\":\"a b\"}", "invalid network name" },
		{ "{\"name\":\"-a\"}", "invalid network name" },
		{ "{\"name\":\"a\",\"driver\":\"macvlan\"}", "only bridge" },
		{ "{\"name\":\"a\",\"subnets\":[\"10.0.0.5/24\"]}", "10.0.0.0/24" },
		{ "{\"name\":\"a\",\"subnets\":[\"10.0.0.0/33\"]}", "invalid --subnet" },
		{ "{\"name\":\"a\",\"subnets\":[\"10.0.0.0/31\"]}", "too small" },
		{ "{\"name\":\"a\",\"subnets\":[\"10.0.0.0/24\",\"10.1.0.0/24\"]}", "more than one IPv4 subnet" },
		{ "{\"name\":\"a\",\"subnets\":[\"fd00::/64\"]}", "add --ipv6" },
		{ "{\"name\":\"a\",\"subnets\":[\"10.1.0.0/24\"],\"gateways\":[\"10.2.0.1\"]}", "outside the subnet" },
		{ "{\"name\":\"a\",\"gateways\":[\"10.2.0.1\"]}", "needs a --subnet" },
		{ "{\"name\":\"a\",\"ip_ranges\":[\"10.2.0.0/25\"]}", "needs a --subnet" },
		{ "{\"name\":\"a\",\"subnets\":[7]}", "must hold strings" },
		{ "{\"name\":\"a\",\"subnets\":\"10.0.0.0/8\"}", "must be an array" },
		{ "{\"name\":\"a\",\"options\":{\"mtu\":\"12\"}}", "invalid mtu" },
		{ "{\"name\":\"a\",\"options\":{\"mtu\":\"1500x\"}}", "invalid mtu" },
		{ "{\"name\":\"a\",\"options\":{\"icc\":\"maybe\"}}", "use true or false" },
		{ "{\"name\":\"a\",\"options\":{\"bridge.name\":\"this-name-is-too-long\"}}", "invalid bridge name" },
		{ "{\"name\":\"a\",\"options\":{\"bridge.name\":\"a/b\"}}", "invalid bridge name" },
		{ "{\"name\":\"a\",\"options\":{\"host_ip\":\"localhost\"}}", "invalid host_ip" },
		{ "{\"name\":\"a\",\"options\":{\"nosuch\":\"1\"}}", "unknown option" },
		{ "{\"name\":\"a\",\"options\":{\"mtu\":1500}}", "must be a string" },
		{ "{\"name\":\"a\",\"labels\":[]}", "must be an object" },
		{ "{\"name\":\"a\",\"internal\":\"yes\"}", "true or false" },
		{ "{\"name\":\"a\",\"surprise\":1}", "unknown field" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (spec(bad[i].in, &s, &e) != -EINVAL)
			fail_msg("accepted: %s", bad[i].in);
		if (!strstr(err_msg(&e), bad[i].msg))
			fail_msg("%s: got \"%s\"", bad[i].in, err_msg(&e));
	}
}

static void state_round_trip(void **state)
{
	struct err e = { 0 };
	struct network *n = xcalloc(1, sizeof(*n)), *back = NULL;
	struct ipam_prefix p;
	struct endpoint *ep = xcalloc(1, sizeof(*ep));

	assert_int_equal(id_generate(n->id), 0);
	n->name = xstrdup("rt");
	snprintf(n->bridge, sizeof(n->bridge), "pn-%.12s", n->id);
	n->icc = n->masquerade = true;
	n->mtu = 9000;
	n->labels = json_object_new_object();
	n->options = json_object_new_object();
	assert_int_equal(ipam_prefix_parse("10.5.0.0/24", &p, &e), 0);
	assert_int_equal(ipam_subnet_new(&p, NULL, NULL, &n->sub4, &e), 0);
	n->user4 = false; /* picked from a pool */
	assert_int_equal(id_generate(ep->id), 0);
	ep->container = xstrdup("c1");
	ep->name = xstrdup("web");
	ep->netns = xstrdup("/run/netns/a");
	snprintf(ep->ifname, sizeof(ep->ifname), "eth0");
	snprintf(ep->hostif, sizeof(ep->hostif), "pnv%.8s", ep->id);
	assert_int_equal(ipam_subnet_alloc(n->sub4, &ep->ip4, &e), 0);
	ep->has4 = true;
	strv_push(&ep->aliases, "www");
	strv_push(&ep->links, "db:store");
	n->eps = xcalloc(1, sizeof(*n->eps));
	n->eps[0] = ep;
	n->neps = 1;

	_cleanup_json_ json_object *o = network_to_state(n);
	if (network_from_state(o, &back, &e) < 0)
		fail_msg("%s", err_msg(&e));
	_cleanup_json_ json_object *o2 = network_to_state(back);
	assert_string_equal(json_object_to_json_string(o), json_object_to_json_string(o2));
	assert_false(back->user4);
	assert_int_equal(network_static_ok(back, AF_INET, &e), -EINVAL);
	assert_int_equal(network_static_ok(back, AF_INET6, &e), -EINVAL); /* no IPv6 subnet */
	{
		/* a state from before user_subnet4: the user's (what worked still does) */
		_cleanup_json_ json_object *old = json_tokener_parse(json_object_to_json_string(o));
		struct network *on = NULL;
		json_object_object_del(old, "user_subnet4");
		assert_int_equal(network_from_state(old, &on, &e), 0);
		assert_true(on->user4);
		assert_int_equal(network_static_ok(on, AF_INET, &e), 0);
		network_free(on);
		/* ... but never the default network's */
		json_object_put(old);
		old = json_tokener_parse(json_object_to_json_string(o));
		json_object_object_del(old, "user_subnet4");
		json_object_object_add(old, "name", json_object_new_string(NETD_DEFAULT_NET));
		assert_int_equal(network_from_state(old, &on, &e), 0);
		assert_int_equal(network_static_ok(on, AF_INET, &e), -EINVAL);
		network_free(on);
		json_object_object_add(o2, "user_subnet4", json_object_new_string("yes"));
		assert_int_equal(network_from_state(o2, &on, &e), -EINVAL);
	}
	/* endpoints have files of their own; loading one reserves its address */
	assert_false(ipam_subnet_is_allocated(back->sub4, &ep->ip4));
	_cleanup_json_ json_object *eo = endpoint_to_state(ep);
	struct endpoint *ep2 = NULL, *ep3 = NULL;
	assert_int_equal(endpoint_from_state(eo, &ep2, &e), 0);
	_cleanup_json_ json_object *eo2 = endpoint_to_state(ep2);
	assert_string_equal(json_object_to_json_string(eo), json_object_to_json_string(eo2));
	assert_string_equal(ep2->links[0], "db:store");
	assert_int_equal(network_add_endpoint(back, ep2, &e), 0);
	assert_true(ipam_subnet_is_allocated(back->sub4, &ep->ip4));
	assert_int_equal(endpoint_from_state(eo, &ep3, &e), 0);
	assert_int_equal(network_add_endpoint(back, ep3, &e), -EEXIST);
	endpoint_free(ep3);
	json_object_object_add(eo, "mac", json_object_new_string("zz:zz"));
	assert_int_equal(endpoint_from_state(eo, &ep3, &e), -EINVAL);

	/* inspect: Docker's shape */
	_cleanup_json_ json_object *ins = network_to_inspect(back);
	json_object *c, *x;
	assert_true(json_object_object_get_ex(ins, "Containers", &c));
	assert_true(json_object_object_get_ex(c, "c1", &x));
	assert_true(json_object_object_get_ex(x, "IPv4Address", &x));
	assert_string_equal(json_object_get_string(x), "10.5.0.2/24");

	/* hostile state: wrong types, bad ids */
	json_object_object_add(o, "mtu", json_object_new_string("big"));
	struct network *bad = NULL;
	assert_int_equal(network_from_state(o, &bad, &e), -EINVAL);
	json_object_object_add(o, "mtu", json_object_new_int(1500));
	json_object_object_add(o, "id", json_object_new_string("../../etc"));
	assert_int_equal(network_from_state(o, &bad, &e), -EINVAL);
	assert_null(bad);
	network_free(n);
	network_free(back);
}

/* The fields an endpoint gained for containers: optional, strict when present. */
static void endpoint_watch_fields(void **state)
{
	static const char base[] = "{\"id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
				   "\"container\":\"c\",\"name\":\"n\",\"netns\":\"/proc/1/ns/net\",\"ifname\":\"eth0\","
				   "\"hostif\":\"pnv01234567\",\"ip4\":\"10.0.0.2\",\"mac\":\"02:42:0a:00:00:02\","
				   "\"aliases\":[]";
	struct err e = { 0 };
	struct endpoint *ep = NULL;
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s}", base);
	_cleanup_json_ json_object *old = json_tokener_parse(buf);
	assert_int_equal(endpoint_from_state(old, &ep, &e), 0);
	assert_int_equal(ep->pid, 0);
	assert_null(ep->hostname);
	endpoint_free(ep);

	snprintf(buf, sizeof(buf), "%s,\"hostname\":\"h\",\"dns\":[\"1.2.3.4\"],\"pid\":77,\"pid_start\":12345}", base);
	_cleanup_json_ json_object *full = json_tokener_parse(buf);
	assert_int_equal(endpoint_from_state(full, &ep, &e), 0);
	assert_int_equal(ep->pid, 77);
	assert_int_equal(ep->pid_start, 12345);
	assert_string_equal(ep->hostname, "h");
	assert_string_equal(ep->dns[0], "1.2.3.4");
	_cleanup_json_ json_object *again = endpoint_to_state(ep);
	endpoint_free(ep);
	assert_int_equal(endpoint_from_state(again, &ep, &e), 0);
	assert_int_equal(ep->pid, 77);
	assert_int_equal(ep->pid_start, 12345);
	endpoint_free(ep);

	static const char *const bad[] = { ",\"pid\":0}", ",\"pid\":-3}", ",\"pid\":\"7\"}", ",\"pid\":99999999999}",
					   ",\"dns\":[1]}", ",\"hostname\":5}" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(buf, sizeof(buf), "%s%s", base, bad[i]);
		_cleanup_json_ json_object *o = json_tokener_parse(buf);
		assert_non_null(o);
		if (endpoint_from_state(o, &ep, &e) == 0) {
			endpoint_free(ep);
			fail_msg("accepted: %s", bad[i]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_envelope), cmocka_unit_test(attach_requests), cmocka_unit_test(attach_static_addresses), cmocka_unit_test(detach_and_names),
		cmocka_unit_test(endpoint_watch_fields), cmocka_unit_test(create_spec),	    cmocka_unit_test(state_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
