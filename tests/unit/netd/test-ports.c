/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -p specs (parse, format, hostile input) and the port-mapping nft builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include "daemon.h"
#include "fw.h"
#include "network.h"

static void good_specs(void **state)
{
	static const struct {
		const char *in, *canon;
		bool has_ip;
		unsigned hport, cport, count, proto;
	} ok[] = {
		{ "80", "80/tcp", false, 0, 80, 1, IPPROTO_TCP },
		{ "8080:80", "8080:80/tcp", false, 8080, 80, 1, IPPROTO_TCP },
		{ "8080:80/udp", "8080:80/udp", false, 8080, 80, 1, IPPROTO_UDP },
		{ "53/udp", "53/udp", false, 0, 53, 1, IPPROTO_UDP },
		{ "127.0.0.1:8080:80", "127.0.0.1:8080:80/tcp", true, 8080, 80, 1, IPPROTO_TCP },
		{ "127.0.0.1::80", "127.0.0.1::80/tcp", true, 0, 80, 1, IPPROTO_TCP },
		{ "0.0.0.0:1:65535/tcp", "0.0.0.0:1:65535/tcp", true, 1, 65535, 1, IPPROTO_TCP },
		{ "8000-8010:80-90", "8000-8010:80-90/tcp", false, 8000, 80, 11, IPPROTO_TCP },
		{ "80-90", "80-90/tcp", false, 0, 80, 11, IPPROTO_TCP },
		{ "[::1]:8080:80", "[::1]:8080:80/tcp", true, 8080, 80, 1, IPPROTO_TCP },
		{ "[fd00::2]::80/udp", "[fd00::2]::80/udp", true, 0, 80, 1, IPPROTO_UDP },
		{ "10.0.0.1:7000-7001:7000-7001/udp", "10.0.0.1:7000-7001:7000-7001/udp", true, 7000, 7000, 2,
		  IPPROTO_UDP },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct netd_port p, q;
		struct err e = { 0 };
		char buf[NETD_PORT_STRLEN];
		if (netd_port_parse(ok[i].in, &p, &e) < 0)
			fail_msg("%s: %s", ok[i].in, err_msg(&e));
		assert_int_equal(p.has_ip, ok[i].has_ip);
		assert_int_equal(p.hport, ok[i].hport);
		assert_int_equal(p.cport, ok[i].cport);
		assert_int_equal(p.count, ok[i].count);
		assert_int_equal(p.proto, ok[i].proto);
		assert_string_equal(netd_port_format(&p, buf, sizeof(buf)), ok[i].canon);
		/* the canonical form reads back the same */
		assert_int_equal(netd_port_parse(buf, &q, NULL), 0);
		assert_memory_equal(&p, &q, sizeof(p));
	}
}

static void bad_specs(void **state)
{
	static const char *const bad[] = {
		"", ":", "80:", "0", "0:80", "80:0", "65536", "8080:65536", "-1", "80-", "-80", "90-80",
		"8000-8010:80-81", "8000-8001:80", "80/sctp", "80/", "80/tcpx", "1.2.3:80:80", "1.2.3.4.5:80:80",
		"::1:80:80", "[::1]", "[::1]80:80", "[1.2.3.4]:80:80", "[::1:80:80", "a:b:c", "1.2.3.4:80",
		"1.2.3.4:a:80", "x80", "80x", " 80", "80 ", "8080:80:80:80", "123456", "00000000080",
		"1.2.3.4::80-70",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct netd_port p;
		struct err e = { 0 };
		if (netd_port_parse(bad[i], &p, &e) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(e.code, EINVAL);
		assert_non_null(strstr(err_msg(&e), "invalid port spec"));
	}
	/* overlong */
	char big[300];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	struct netd_port p;
	assert_int_equal(netd_port_parse(big, &p, NULL), -EINVAL);
}

static void attach_ports_member(void **state)
{
	struct attach_req a;
	struct err e = { 0 };
	json_object *req = json_tokener_parse("{\"version\":1,\"op\":\"attach\",\"container\":\"c\",\"name\":\"c\","
					      "\"netns\":\"/run/netns/c\",\"network\":\"n\",\"ports\":[\"8080:80\","
					      "\"53/udp\"]}");
	assert_int_equal(attach_parse(req, &a, &e), 0);
	assert_int_equal(a.nports, 2);
	assert_int_equal(a.ports[0].hport, 8080);
	assert_int_equal(a.ports[1].proto, IPPROTO_UDP);
	attach_req_done(&a);
	json_object_put(req);

	static const char *const bad[] = { "[80]", "[\"80:\"]", "\"80\"", "[\"80\",null]" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *s = xasprintf("{\"version\":1,\"op\":\"attach\",\"container\":\"c\",\"name\":\"c\","
				    "\"netns\":\"/run/netns/c\",\"network\":\"n\",\"ports\":%s}",
				    bad[i]);
		req = json_tokener_parse(s);
		assert_non_null(req);
		if (attach_parse(req, &a, &e) == 0)
			fail_msg("accepted ports %s", bad[i]);
		json_object_put(req);
		free(s);
	}
}

static void endpoint_state_keeps_ports(void **state)
{
	struct endpoint ep = { .id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			       .container = "c",
			       .name = "c",
			       .netns = "/run/netns/c",
			       .ifname = "eth0",
			       .hostif = "pnv01234567" };
	struct netd_port p[2];
	struct endpoint *back = NULL;
	assert_int_equal(netd_port_parse("127.0.0.1:8080:80", &p[0], NULL), 0);
	assert_int_equal(netd_port_parse("40000:53/udp", &p[1], NULL), 0);
	ep.ports = p;
	ep.nports = 2;
	json_object *o = endpoint_to_state(&ep);
	assert_int_equal(endpoint_from_state(o, &back, NULL), 0);
	assert_int_equal(back->nports, 2);
	assert_memory_equal(back->ports, p, sizeof(p));
	endpoint_free(back);
	json_object_put(o);
	/* a saved port without its host port is corrupt */
	o = endpoint_to_state(&ep);
	json_object *arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string("80/tcp"));
	json_object_object_add(o, "ports", arr);
	assert_int_equal(endpoint_from_state(o, &back, NULL), -EINVAL);
	json_object_put(o);
}

static void port_rules(void **state)
{
	static const char *const want[] = {
		"drop",
		"lookup reg 8 set ports4 dreg 1",
		"lookup reg 8 set ports4any dreg 1",
		"set ports4 dreg 1",
		"set ports4any dreg 1",
		"lookup reg 1 set internal 0x1",
		"set bridges",
		"set bridges",
		"lookup reg 8 set ranges4 dreg 1",
		"set ranges4any dreg 1",
		"lookup reg 8 set ranges4 dreg 1",
		"set ranges4any dreg 1",
		"lookup reg 8 set ports6 dreg 1",
		"lookup reg 8 set ports6any dreg 1",
		"lookup reg 8 set ports6 dreg 1",
		"lookup reg 8 set ports6any dreg 1",
		"lookup reg 8 set ranges6 dreg 1",
		"lookup reg 8 set ranges6any dreg 1",
		"lookup reg 8 set ranges6 dreg 1",
		"lookup reg 8 set ranges6any dreg 1",
	};
	char buf[4096];
	assert_int_equal(ARRAY_SIZE(want), FW_PORT_NRULES);
	for (unsigned int i = 0; i < FW_PORT_NRULES; i++) {
		struct nftnl_rule *r = fw_port_rule_new(i);
		assert_non_null(r);
		nftnl_rule_snprintf(buf, sizeof(buf), r, NFTNL_OUTPUT_DEFAULT, 0);
		if (!strstr(buf, want[i]))
			fail_msg("rule %u: %s", i, buf);
		if (i >= 1 && i <= 4 && !strstr(buf, "nat dnat ip addr_min reg 1 proto_min reg 9"))
			fail_msg("rule %u lacks the dnat: %s", i, buf);
		if (i >= 8 && i <= 11 && (!strstr(buf, "nat dnat ip addr_min reg 1") || strstr(buf, "proto_min")))
			fail_msg("rule %u: a range keeps its ports: %s", i, buf);
		/* IPv6: the address in regs 8-11 (by address) and the port after it */
		if (i >= 12 && i <= 15 && !strstr(buf, "nat dnat ip6 addr_min reg 1 proto_min reg 12"))
			fail_msg("rule %u lacks the ip6 dnat: %s", i, buf);
		if (i >= 16 && (!strstr(buf, "nat dnat ip6 addr_min reg 1") || strstr(buf, "proto_min")))
			fail_msg("rule %u: an ip6 range keeps its ports: %s", i, buf);
		if (i >= 12 && i % 2 == 0 && !strstr(buf, "payload load 16b @ network header + 24 => reg 8"))
			fail_msg("rule %u: not keyed by the ip6 destination: %s", i, buf);
		if (i >= 6 && i <= 7 && !strstr(buf, "masq"))
			fail_msg("rule %u lacks masquerade: %s", i, buf);
		nftnl_rule_free(r);
	}
	assert_null(fw_port_rule_new(FW_PORT_NRULES));
}

/* One -p spec into elements: families and shifted ranges. */
static void spec_to_elements(void **state)
{
	struct endpoint ep = { .has4 = true, .has6 = true };
	struct netd_port p;
	struct fw_port *f = NULL;
	size_t n = 0;
	assert_int_equal(ipam_addr_parse("172.17.0.2", &ep.ip4, NULL), 0);
	assert_int_equal(ipam_addr_parse("fd00::2", &ep.ip6, NULL), 0);

	/* a range onto other ports: one element per port, o -> o - 8000 + 80 */
	assert_int_equal(netd_port_parse("8000-8010:80-90", &p, NULL), 0);
	ep.has6 = false;
	netd_port_to_fw(&ep, &p, &f, &n);
	assert_int_equal(n, 11);
	for (size_t i = 0; i < n; i++) {
		assert_false(f[i].v6);
		assert_true(f[i].any);
		assert_true(f[i].count <= 1);
		assert_int_equal(f[i].hport, 8000 + i);
		assert_int_equal(f[i].cport, 80 + i);
		assert_memory_equal(f[i].cip, ep.ip4.b, 4);
	}
	/* downwards too, up to the last port */
	assert_int_equal(netd_port_parse("65534-65535:1-2/udp", &p, NULL), 0);
	netd_port_to_fw(&ep, &p, &f, &n);
	assert_int_equal(n, 13);
	assert_int_equal(f[12].hport, 65535);
	assert_int_equal(f[12].cport, 2);
	assert_int_equal(f[12].proto, IPPROTO_UDP);
	/* a range on the same ports stays one element */
	assert_int_equal(netd_port_parse("7000-7999:7000-7999", &p, NULL), 0);
	netd_port_to_fw(&ep, &p, &f, &n);
	assert_int_equal(n, 14);
	assert_int_equal(f[13].count, 1000);
	free(TAKE_PTR(f));
	n = 0;

	/* no address on a dual-stack endpoint: both wildcards */
	ep.has6 = true;
	assert_int_equal(netd_port_parse("8080:80", &p, NULL), 0);
	netd_port_to_fw(&ep, &p, &f, &n);
	assert_int_equal(n, 2);
	assert_false(f[0].v6);
	assert_true(f[1].v6);
	assert_true(f[0].any && f[1].any);
	assert_memory_equal(f[1].cip, ep.ip6.b, 16);
	/* an address, or a family's wildcard, picks its family */
	assert_int_equal(netd_port_parse("[2001:db8::1]:8081:80", &p, NULL), 0);
	netd_port_to_fw(&ep, &p, &f, &n);
	assert_int_equal(n, 3);
	assert_true(f[2].v6 && !f[2].any);
	assert_memory_equal(f[2].hip, p.ip.b, 16);
	assert_int_equal(netd_port_parse("0.0.0.0:8082:80", &p, NULL), 0);
	netd_port_to_fw(&ep, &p, &f, &n);
	assert_int_equal(netd_port_parse("[::]:8083:80", &p, NULL), 0);
	netd_port_to_fw(&ep, &p, &f, &n);
	assert_int_equal(n, 5);
	assert_true(!f[3].v6 && f[3].any);
	assert_true(f[4].v6 && f[4].any);
	/* a shifted range on both families: a run of elements each */
	assert_int_equal(netd_port_parse("9000-9002:90-92", &p, NULL), 0);
	netd_port_to_fw(&ep, &p, &f, &n);
	assert_int_equal(n, 11);
	assert_true(!f[5].v6 && f[8].v6);
	assert_int_equal(f[10].hport, 9002);
	assert_int_equal(f[10].cport, 92);
	free(f);
}

/* Elements per message: many in one, so 10,000 mappings are ~20 messages. */
static void elements_are_batched(void **state)
{
	size_t n = 10000, msgs = 0;
	struct fw_port *p = xcalloc(n, sizeof(*p));
	struct fw_batch fb;
	for (size_t i = 0; i < n; i++) {
		p[i] = (struct fw_port){ .any = i % 2, .proto = IPPROTO_TCP, .hport = (uint16_t)(1000 + i),
					 .cport = 80 };
		memcpy(p[i].hip, (uint8_t[]){ 10, 0, 0, 1 }, 4);
		memcpy(p[i].cip, (uint8_t[]){ 172, 17, 0, 2 }, 4);
	}
	assert_int_equal(fw_batch_init(&fb, 4096 + n * 96), 0);
	fw_batch_begin(&fb);
	fw_ports_build(&fb, p, n, true);
	fw_batch_end(&fb);
	for (size_t i = 0; i < fb.nmsgs; i++)
		msgs += fb.names[i] && strncmp(fb.names[i], "add port", 8) == 0;
	assert_int_equal(msgs, 2 * ((n / 2 + 511) / 512));
	assert_true(mnl_nlmsg_batch_size(fb.b) < n * 96);
	fw_batch_done(&fb);
	free(p);
}

/* A range is one element of an interval map, with its end key. */
static void range_is_one_element(void **state)
{
	struct fw_port p = { .any = false, .hip = { 10, 0, 0, 1 }, .proto = IPPROTO_TCP, .hport = 8000, .cport = 8000,
			     .count = 11, .cip = { 172, 17, 0, 2 } };
	struct fw_batch fb;
	size_t elems = 0;
	assert_int_equal(fw_batch_init(&fb, 8192), 0);
	fw_batch_begin(&fb);
	fw_ports_build(&fb, &p, 1, true);
	fw_batch_end(&fb);
	const struct nlmsghdr *nlh = mnl_nlmsg_batch_head(fb.b);
	int len = (int)mnl_nlmsg_batch_size(fb.b);
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		struct nftnl_set *s;
		if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWSETELEM || (nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
			continue;
		s = nftnl_set_alloc();
		assert_int_equal(nftnl_set_elems_nlmsg_parse(nlh, s), 0);
		assert_string_equal(nftnl_set_get_str(s, NFTNL_SET_NAME), "ranges4");
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
		struct nftnl_set_elem *el;
		while ((el = nftnl_set_elems_iter_next(it))) {
			uint32_t klen, elen, dlen;
			const uint8_t *k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &klen);
			const uint8_t *end = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY_END, &elen);
			const uint8_t *d = nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &dlen);
			assert_int_equal(klen, 12);
			assert_int_equal(elen, 12);
			assert_int_equal(dlen, 4);
			assert_int_equal(k[8] << 8 | k[9], 8000);
			assert_int_equal(end[8] << 8 | end[9], 8010);
			assert_int_equal(k[4], IPPROTO_TCP);
			assert_memory_equal(d, p.cip, 4);
			elems++;
		}
		nftnl_set_elems_iter_destroy(it);
		nftnl_set_free(s);
	}
	assert_int_equal(elems, 1);
	fw_batch_done(&fb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_specs),	       cmocka_unit_test(bad_specs),
		cmocka_unit_test(attach_ports_member), cmocka_unit_test(endpoint_state_keeps_ports),
		cmocka_unit_test(port_rules),	       cmocka_unit_test(elements_are_batched),
		cmocka_unit_test(range_is_one_element), cmocka_unit_test(spec_to_elements),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
