/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Message builders: rtnetlink requests and the nftables batch, no kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libnftnl/set.h>
#include "fw.h"
#include "nl.h"

static int put_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static void veth_peer_is_born_in_the_namespace(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const uint8_t mac[6] = { 2, 0x42, 10, 0, 0, 2 };
	struct nlmsghdr *nlh = nl_msg_veth_new(buf, "pnv12345678", "eth0", 42, 1400, mac, 7);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 }, *info[IFLA_INFO_MAX + 1] = { 0 };
	const struct nlattr *data[VETH_INFO_MAX + 1] = { 0 }, *peer[IFLA_MAX + 1] = { 0 };

	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	assert_true(ifm->ifi_flags & IFF_UP);
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*ifm), put_cb, tb), MNL_CB_OK);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "pnv12345678");
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MASTER]), 7);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MTU]), 1400);
	assert_int_equal(mnl_attr_parse_nested(tb[IFLA_LINKINFO], put_cb, info), MNL_CB_OK);
	assert_string_equal(mnl_attr_get_str(info[IFLA_INFO_KIND]), "veth");
	assert_int_equal(mnl_attr_parse_nested(info[IFLA_INFO_DATA], put_cb, data), MNL_CB_OK);
	assert_non_null(data[VETH_INFO_PEER]);
	/* the peer nest: its own ifinfomsg (down), then attributes */
	const struct nlattr *p = data[VETH_INFO_PEER];
	const struct ifinfomsg *pifm = mnl_attr_get_payload(p);
	assert_false(pifm->ifi_flags & IFF_UP);
	const struct nlattr *attr;
	size_t off = MNL_ALIGN(sizeof(*pifm));
	for (attr = (const struct nlattr *)((const char *)pifm + off);
	     mnl_attr_ok(attr, (int)(mnl_attr_get_payload_len(p) - ((const char *)attr - (const char *)pifm)));
	     attr = mnl_attr_next(attr))
		peer[mnl_attr_get_type(attr)] = attr;
	assert_string_equal(mnl_attr_get_str(peer[IFLA_IFNAME]), "eth0");
	assert_int_equal(mnl_attr_get_u32(peer[IFLA_NET_NS_FD]), 42);
	assert_memory_equal(mnl_attr_get_payload(peer[IFLA_ADDRESS]), mac, 6);
}

static void bridge_address_and_route(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const uint8_t mac[6] = { 2, 1, 2, 3, 4, 5 };
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 }, *info[IFLA_INFO_MAX + 1] = { 0 };
	struct nlmsghdr *nlh = nl_msg_bridge_new(buf, "pn-abc", 0, mac);
	assert_int_equal(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), put_cb, tb), MNL_CB_OK);
	assert_null(tb[IFLA_MTU]); /* 0: the kernel's default */
	assert_int_equal(mnl_attr_parse_nested(tb[IFLA_LINKINFO], put_cb, info), MNL_CB_OK);
	assert_string_equal(mnl_attr_get_str(info[IFLA_INFO_KIND]), "bridge");

	struct nl_addr a = { .family = AF_INET6, .prefix = 64 };
	inet_pton(AF_INET6, "fd00::1", a.b);
	nlh = nl_msg_addr(buf, true, 9, &a);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	assert_int_equal(ifa->ifa_index, 9);
	assert_true(ifa->ifa_flags & IFA_F_NODAD);
	const struct nlattr *at[IFA_MAX + 1] = { 0 };
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*ifa), put_cb, at), MNL_CB_OK);
	assert_int_equal(mnl_attr_get_payload_len(at[IFA_LOCAL]), 16);
	assert_memory_equal(mnl_attr_get_payload(at[IFA_LOCAL]), a.b, 16);

	struct nl_addr gw = { .family = AF_INET };
	inet_pton(AF_INET, "10.0.0.1", gw.b);
	nlh = nl_msg_default_route(buf, 3, &gw);
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_dst_len, 0);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	const struct nlattr *rt[RTA_MAX + 1] = { 0 };
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*rtm), put_cb, rt), MNL_CB_OK);
	assert_int_equal(mnl_attr_get_u32(rt[RTA_OIF]), 3);
	assert_memory_equal(mnl_attr_get_payload(rt[RTA_GATEWAY]), gw.b, 4);

	char s[64];
	assert_string_equal(nl_addr_fmt(&a, true, s, sizeof(s)), "fd00::1/64");
}

static void rules_are_fixed(void **state)
{
	static const char *const want[] = {
		"lookup reg 1 set icc", "lookup reg 1 set bridges", "lookup reg 1 set internal",
		"lookup reg 1 set internal", "lookup reg 1 set masq4", "lookup reg 1 set masq6",
	};
	char buf[2048];
	for (unsigned int i = 0; i < FW_NRULES; i++) {
		struct nftnl_rule *r = fw_rule_new(i);
		assert_non_null(r);
		nftnl_rule_snprintf(buf, sizeof(buf), r, NFTNL_OUTPUT_DEFAULT, 0);
		if (!strstr(buf, want[i]))
			fail_msg("rule %u: %s", i, buf);
		if (i >= 4 && (!strstr(buf, "masq") || !strstr(buf, "0x1 ]") /* inverted lookup */))
			fail_msg("rule %u lacks masquerade or != @bridges: %s", i, buf);
		nftnl_rule_free(r);
	}
	assert_null(fw_rule_new(FW_NRULES));
}

static size_t count_names(struct fw_batch *fb, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < fb->nmsgs; i++)
		n += fb->names[i] && strncmp(fb->names[i], prefix, strlen(prefix)) == 0;
	return n;
}

static bool has_name(struct fw_batch *fb, const char *name)
{
	for (size_t i = 0; i < fb->nmsgs; i++)
		if (fb->names[i] && strcmp(fb->names[i], name) == 0)
			return true;
	return false;
}

static void base_ruleset_does_not_grow(void **state)
{
	struct fw_batch fb;
	assert_int_equal(fw_batch_init(&fb, 65536), 0);
	fw_batch_begin(&fb);
	fw_build_base(&fb, true);
	fw_batch_end(&fb);
	assert_int_equal(count_names(&fb, "set "), 5);
	assert_int_equal(count_names(&fb, "flush set "), 5);
	assert_int_equal(count_names(&fb, "chain "), 2);
	assert_int_equal(count_names(&fb, "flush chain "), 2);
	assert_int_equal(count_names(&fb, "rule "), FW_NRULES);
	assert_true(has_name(&fb, "table inet pontoon"));
	assert_true(has_name(&fb, "rule 1 of chain forward"));
	assert_true(has_name(&fb, "rule 2 of chain postrouting"));
	fw_batch_done(&fb);
}

/* Collect the keys and flags of element messages of one set. */
struct elems {
	uint8_t key[4][32];
	uint32_t flags[4];
	size_t n;
};

static void parse_elems(struct fw_batch *fb, const char *set, struct elems *out)
{
	const struct nlmsghdr *nlh = mnl_nlmsg_batch_head(fb->b);
	int len = (int)mnl_nlmsg_batch_size(fb->b);
	memset(out, 0, sizeof(*out));
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1] = { 0 }, *list, *el;
		if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWSETELEM || (nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
			continue;
		assert_int_equal(mnl_attr_parse(nlh, sizeof(struct nfgenmsg), put_cb, tb), MNL_CB_OK);
		if (strcmp(mnl_attr_get_str(tb[NFTA_SET_ELEM_LIST_SET]), set) != 0)
			continue;
		list = tb[NFTA_SET_ELEM_LIST_ELEMENTS];
		mnl_attr_for_each_nested(el, list)
		{
			const struct nlattr *e[NFTA_SET_ELEM_MAX + 1] = { 0 }, *k[NFTA_DATA_MAX + 1] = { 0 };
			assert_int_equal(mnl_attr_parse_nested(el, put_cb, e), MNL_CB_OK);
			assert_int_equal(mnl_attr_parse_nested(e[NFTA_SET_ELEM_KEY], put_cb, k), MNL_CB_OK);
			assert_true(out->n < 4);
			memcpy(out->key[out->n], mnl_attr_get_payload(k[NFTA_DATA_VALUE]),
			       mnl_attr_get_payload_len(k[NFTA_DATA_VALUE]));
			out->flags[out->n++] = e[NFTA_SET_ELEM_FLAGS] ? ntohl(mnl_attr_get_u32(e[NFTA_SET_ELEM_FLAGS])) : 0;
		}
	}
}

static void network_elements(void **state)
{
	struct nl_addr p4 = { .family = AF_INET, .prefix = 24 }, top = { .family = AF_INET, .prefix = 8 };
	struct fw_net n = { .bridge = "pn-1", .icc = true, .masquerade = true, .sub4 = &p4 };
	struct fw_batch fb;
	struct elems el;
	inet_pton(AF_INET, "10.0.0.0", p4.b);
	inet_pton(AF_INET, "255.0.0.0", top.b);

	assert_int_equal(fw_batch_init(&fb, 0), 0);
	fw_build_net(&fb, &n, true);
	assert_true(has_name(&fb, "add pn-1 to set bridges"));
	assert_true(has_name(&fb, "add pn-1 . pn-1 to set icc"));
	assert_true(has_name(&fb, "add 10.0.0.0/24 to set masq4"));
	assert_int_equal(count_names(&fb, "add "), 3);
	parse_elems(&fb, "masq4", &el);
	/* [10.0.0.0, 10.0.1.0) */
	assert_int_equal(el.n, 2);
	assert_memory_equal(el.key[0], "\x0a\x00\x00\x00", 4);
	assert_memory_equal(el.key[1], "\x0a\x00\x01\x00", 4);
	assert_int_equal(el.flags[1], NFT_SET_ELEM_INTERVAL_END);
	parse_elems(&fb, "icc", &el);
	assert_int_equal(el.n, 1);
	assert_string_equal((char *)el.key[0], "pn-1");
	assert_string_equal((char *)el.key[0] + 16, "pn-1");
	fw_batch_done(&fb);

	/* the top of the address space has no end marker */
	n.sub4 = &top;
	assert_int_equal(fw_batch_init(&fb, 0), 0);
	fw_build_net(&fb, &n, true);
	parse_elems(&fb, "masq4", &el);
	assert_int_equal(el.n, 1);
	fw_batch_done(&fb);

	/* internal, icc=false: no icc pair, no masquerade, an internal element */
	n = (struct fw_net){ .bridge = "pn-2", .internal = true, .masquerade = true, .sub4 = &p4 };
	assert_int_equal(fw_batch_init(&fb, 0), 0);
	fw_build_net(&fb, &n, false);
	assert_true(has_name(&fb, "delete pn-2 from set bridges"));
	assert_true(has_name(&fb, "delete pn-2 from set internal"));
	assert_int_equal(count_names(&fb, "delete "), 2);
	fw_batch_done(&fb);
}

/* Every byte netd sends to the kernel is defined: valgrind checks a write's
 * buffer as it checks sendmsg's, so the valgrind/ entry of this test fails on
 * uninitialised padding inside or between messages (libmnl leaves it). */
static void sent_bytes_are_defined(void **state)
{
	struct nl_addr p4 = { .family = AF_INET, .prefix = 24 }, p6 = { .family = AF_INET6, .prefix = 64 };
	struct fw_net n = { .bridge = "pn-1", .icc = true, .masquerade = true, .sub4 = &p4, .sub6 = &p6 };
	struct fw_port p[3] = {
		{ .proto = IPPROTO_TCP, .hport = 8080, .cport = 80, .hip = { 127, 0, 0, 1 }, .cip = { 10, 0, 0, 2 } },
		{ .any = true, .proto = IPPROTO_UDP, .hport = 5353, .cport = 53, .cip = { 10, 0, 0, 2 } },
		{ .v6 = true, .any = true, .proto = IPPROTO_TCP, .hport = 9000, .cport = 9000, .count = 5,
		  .cip = { 0xfd, [15] = 2 } },
	};
	struct fw_batch fb;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	inet_pton(AF_INET, "10.0.0.0", p4.b);
	inet_pton(AF_INET6, "fd00::", p6.b);
	assert_true(fd >= 0);

	assert_int_equal(fw_batch_init(&fb, 65536), 0);
	fw_batch_begin(&fb);
	fw_build_base(&fb, true);
	fw_ports_build_base(&fb, true);
	fw_build_net(&fb, &n, true);
	fw_ports_build(&fb, p, ARRAY_SIZE(p), true);
	fw_build_net(&fb, &n, false);
	fw_ports_build(&fb, p, ARRAY_SIZE(p), false);
	fw_batch_end(&fb);
	size_t len = mnl_nlmsg_batch_size(fb.b);
	assert_int_equal(write(fd, mnl_nlmsg_batch_head(fb.b), len), (ssize_t)len);
	fw_batch_done(&fb);

	/* the rtnetlink builders, with names and addresses of odd lengths, in a
	 * buffer of uninitialised bytes */
	const uint8_t mac[6] = { 2, 1, 2, 3, 4, 5 };
	struct nl_addr a = { .family = AF_INET, .prefix = 24, .b = { 10, 0, 0, 1 } };
	for (int i = 0; i < 8; i++) {
		void *b = xmalloc(MNL_SOCKET_BUFFER_SIZE);
		struct nlmsghdr *m = i == 0 ? nl_msg_veth_new(b, "pnv1", "eth0", 3, 1400, mac, 7)
				     : i == 1 ? nl_msg_bridge_new(b, "pn-abc", 0, mac)
				     : i == 2 ? nl_msg_link_del(b, 0, "pnv1")
				     : i == 3 ? nl_msg_link_get(b, "pnv12")
				     : i == 4 ? nl_msg_link_get(b, NULL)
				     : i == 5 ? nl_msg_link_up(b, 3)
				     : i == 6 ? nl_msg_addr(b, true, 3, &a)
						: nl_msg_default_route(b, 3, &a);
		if (i == 0)
			nl_attr_put(m, IFLA_ADDRESS, 6, mac); /* as link.c does */
		assert_int_equal(write(fd, m, m->nlmsg_len), (ssize_t)m->nlmsg_len);
		free(b);
	}
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(veth_peer_is_born_in_the_namespace),
		cmocka_unit_test(bridge_address_and_route),
		cmocka_unit_test(rules_are_fixed),
		cmocka_unit_test(base_ruleset_does_not_grow),
		cmocka_unit_test(network_elements),
		cmocka_unit_test(sent_bytes_are_defined),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
