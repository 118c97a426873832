/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Port mappings in pontoon's nftables table: DNAT through concatenated maps
 * (see fw.h). No userland proxy: the kernel rewrites every packet. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include "fw.h"

/* nft's data types (nftables src/datatype.h), for `nft list`. */
enum { T_IPADDR = 7, T_IP6ADDR = 8, T_PROTO = 12, T_SERVICE = 13, T_BITS = 6 };
#define CONCAT2(a, b) (((uint32_t)(a) << T_BITS) | (b))
#define CONCAT3(a, b, c) ((CONCAT2(a, b) << T_BITS) | (c))

#define MAP_ADDR "ports4"
#define MAP_ANY "ports4any"
/* port ranges (host ports = container ports): intervals, the address only */
#define MAP_ADDR_R "ranges4"
#define MAP_ANY_R "ranges4any"
/* the same for IPv6 host and container addresses */
#define MAP6_ADDR "ports6"
#define MAP6_ANY "ports6any"
#define MAP6_ADDR_R "ranges6"
#define MAP6_ANY_R "ranges6any"

/* maps[v6][range][any] */
static const char *const maps[2][2][2] = {
	{ { MAP_ADDR, MAP_ANY }, { MAP_ADDR_R, MAP_ANY_R } },
	{ { MAP6_ADDR, MAP6_ANY }, { MAP6_ADDR_R, MAP6_ANY_R } },
};

static struct nftnl_set *map_new(const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	return s;
}

/* One of the maps[v6][range][any], with its id in the batch. */
static void put_map(struct fw_batch *fb, bool v6, bool range, bool any)
{
	uint32_t ip = v6 ? T_IP6ADDR : T_IPADDR, alen = v6 ? 16 : 4;
	uint32_t klen = any ? 8 : alen + 8;
	struct nftnl_set *s = map_new(maps[v6][range][any]);
	nftnl_set_set_u32(s, NFTNL_SET_ID, 100 + 4 * v6 + 2 * range + any);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, any ? CONCAT2(T_PROTO, T_SERVICE) : CONCAT3(ip, T_PROTO, T_SERVICE));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, klen);
	if (range) {
		/* concatenated intervals (the kernel's pipapo set): the field lengths */
		uint8_t fields[NFT_REG32_COUNT] = { (uint8_t)alen, 1, 2 }, anyf[NFT_REG32_COUNT] = { 1, 2 };
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP | NFT_SET_INTERVAL | NFT_SET_CONCAT);
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, any ? anyf : fields, any ? 2 : 3);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, ip);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, alen);
	} else {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, CONCAT2(ip, T_SERVICE));
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, alen + 4);
	}
	nftnl_set_nlmsg_build_payload(fw_batch_hdr(fb, NFT_MSG_NEWSET, NLM_F_CREATE, xasprintf("map %s", maps[v6][range][any])),
				      s);
	nftnl_set_free(s);
	fw_batch_next(fb);
}

static void put_flush(struct fw_batch *fb, const char *name)
{
	struct nftnl_set *s = map_new(name);
	nftnl_set_elems_nlmsg_build_payload(fw_batch_hdr(fb, NFT_MSG_DELSETELEM, 0, xasprintf("flush map %s", name)), s);
	nftnl_set_free(s);
	fw_batch_next(fb);
}

static const struct {
	const char *name, *type;
	uint32_t hook;
	int32_t prio;
} chains[] = {
	{ "guard", "filter", NF_INET_PRE_ROUTING, -300 },
	{ "prerouting", "nat", NF_INET_PRE_ROUTING, -100 },
	{ "output", "nat", NF_INET_LOCAL_OUT, -100 },
};

static void put_chain(struct fw_batch *fb, unsigned int i)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chains[i].name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, chains[i].type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, chains[i].hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, chains[i].prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_nlmsg_build_payload(fw_batch_hdr(fb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, xasprintf("chain %s", chains[i].name)),
					c);
	nftnl_chain_free(c);
	fw_batch_next(fb);
}

/* ---- expressions ---- */

static void x_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *x = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(x, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(x, NFTNL_EXPR_META_DREG, dreg);
	nftnl_rule_add_expr(r, x);
}

static void x_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *x = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(x, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, x);
}

static void x_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *x = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_rule_add_expr(r, x);
}

static void x_lookup(struct nftnl_rule *r, const char *set, uint32_t sreg, uint32_t dreg, bool inv)
{
	struct nftnl_expr *x = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg)
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_DREG, dreg);
	nftnl_expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, set);
	if (inv)
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	nftnl_rule_add_expr(r, x);
}

static void x_nfproto(struct nftnl_rule *r, uint8_t family)
{
	x_meta(r, NFT_META_NFPROTO, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &family, 1);
}

static void x_ipv4(struct nftnl_rule *r)
{
	x_nfproto(r, NFPROTO_IPV4);
}

/* ct status & dnat != 0 */
static void x_ct_dnat(struct nftnl_rule *r)
{
	uint32_t mask = IPS_DST_NAT, zero = 0;
	struct nftnl_expr *x = nftnl_expr_alloc("ct");
	nftnl_expr_set_u32(x, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
	nftnl_expr_set_u32(x, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, x);
	x = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(x, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(x, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	nftnl_rule_add_expr(r, x);
	x_cmp(r, NFT_CMP_NEQ, &zero, 4);
}

/* The first byte of the source or destination address is 127. */
static void x_loopback(struct nftnl_rule *r, bool dst)
{
	uint8_t net = 127;
	x_ipv4(r);
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, dst ? 16 : 12, 1, NFT_REG_1);
	x_cmp(r, NFT_CMP_EQ, &net, 1);
}

static void x_verdict(struct nftnl_rule *r, int v)
{
	struct nftnl_expr *x = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	nftnl_rule_add_expr(r, x);
}

/* dnat ip to <map lookup result in reg 1: addr . port, or addr (ranges)>;
 * the same with ip6 (addresses of 16 bytes: four registers). */
static void x_dnat_map(struct nftnl_rule *r, bool any, bool range, bool v6)
{
	struct nftnl_expr *x;
	uint32_t a = v6 ? 4 : 1; /* 32-bit registers of an address */
	x_nfproto(r, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	if (any) {
		uint32_t local = RTN_LOCAL;
		x = nftnl_expr_alloc("fib");
		nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
		nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		nftnl_rule_add_expr(r, x);
		x_cmp(r, NFT_CMP_EQ, &local, 4);
		x_meta(r, NFT_META_L4PROTO, NFT_REG32_00);
		x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01);
	} else {
		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, 4 * a, NFT_REG32_00);
		x_meta(r, NFT_META_L4PROTO, NFT_REG32_00 + a);
		x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_00 + a + 1);
	}
	x_lookup(r, maps[v6][range][any], NFT_REG32_00, NFT_REG_1, false);
	x = nftnl_expr_alloc("nat");
	nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_FAMILY, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	if (!range)
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG32_00 + a);
	nftnl_rule_add_expr(r, x);
}

static const char *const rule_chain[FW_PORT_NRULES] = {
	"guard",       "prerouting",  "prerouting", "output",     "output",	    "forward",
	"postrouting", "postrouting", "prerouting", "prerouting", "output", "output",
	"prerouting",  "prerouting",  "output",	    "output",	  "prerouting", "prerouting",
	"output",      "output",
};

struct nftnl_rule *fw_port_rule_new(unsigned int i)
{
	char lo[IFNAMSIZ] = "lo";
	struct nftnl_rule *r;
	if (i >= FW_PORT_NRULES)
		return NULL;
	r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FW_TABLE);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, rule_chain[i]);
	switch (i) {
	case 0: /* ip daddr 127.0.0.0/8 iifname != "lo" counter drop */
		x_loopback(r, true);
		x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
		x_cmp(r, NFT_CMP_NEQ, lo, IFNAMSIZ);
		nftnl_rule_add_expr(r, nftnl_expr_alloc("counter"));
		x_verdict(r, NF_DROP);
		break;
	case 1:
	case 2:
	case 3:
	case 4:
		x_dnat_map(r, i % 2 == 0, false, false);
		break;
	case 8: /* the same through the range maps */
	case 9:
	case 10:
	case 11:
		x_dnat_map(r, i % 2 == 1, true, false);
		break;
	case 12: /* 1-4 and 8-11 for IPv6 */
	case 13:
	case 14:
	case 15:
	case 16:
	case 17:
	case 18:
	case 19:
		x_dnat_map(r, i % 2 == 1, i >= 16, true);
		break;
	case 5: /* ct status dnat iifname != @internal accept */
		x_ct_dnat(r);
		x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
		x_lookup(r, "internal", NFT_REG_1, 0, true);
		x_verdict(r, NF_ACCEPT);
		break;
	case 6: /* ct status dnat iifname @bridges oifname @bridges masquerade */
	case 7: /* ct status dnat oifname @bridges ip saddr 127.0.0.0/8 masquerade */
		x_ct_dnat(r);
		x_meta(r, NFT_META_OIFNAME, NFT_REG_1);
		x_lookup(r, "bridges", NFT_REG_1, 0, false);
		if (i == 6) {
			x_meta(r, NFT_META_IIFNAME, NFT_REG_1);
			x_lookup(r, "bridges", NFT_REG_1, 0, false);
		} else {
			x_loopback(r, false);
		}
		nftnl_rule_add_expr(r, nftnl_expr_alloc("masq"));
		break;
	}
	return r;
}

static void put_rule(struct fw_batch *fb, unsigned int i, bool prepend)
{
	struct nftnl_rule *r = fw_port_rule_new(i);
	nftnl_rule_nlmsg_build_payload(fw_batch_hdr(fb, NFT_MSG_NEWRULE, NLM_F_CREATE | (prepend ? 0 : NLM_F_APPEND),
					   xasprintf("port mapping rule %u (chain %s)", i, rule_chain[i])),
				       r);
	nftnl_rule_free(r);
	fw_batch_next(fb);
}

static void put_chain_flush(struct fw_batch *fb, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FW_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(fw_batch_hdr(fb, NFT_MSG_DELRULE, 0, xasprintf("flush chain %s", chain)), r);
	nftnl_rule_free(r);
	fw_batch_next(fb);
}

/* After fw_build_base (which flushed and refilled forward and postrouting):
 * our maps and chains, and our rules in those two chains. */
void fw_ports_build_base(struct fw_batch *fb, bool flush_sets)
{
	for (int m = 0; m < 8; m++)
		put_map(fb, m / 4, m / 2 % 2, m % 2);
	if (flush_sets)
		for (int m = 0; m < 8; m++)
			put_flush(fb, maps[m / 4][m / 2 % 2][m % 2]);
	for (unsigned int i = 0; i < ARRAY_SIZE(chains); i++) {
		put_chain(fb, i);
		put_chain_flush(fb, chains[i].name);
	}
	for (unsigned int i = 0; i < FW_PORT_NRULES; i++)
		put_rule(fb, i, i == 5); /* forward: before the drops between bridges */
}

static bool is_range(const struct fw_port *p)
{
	return p->count > 1;
}

/* [addr .] proto . port, each field in its own 32-bit register(s). */
static size_t key_of(const struct fw_port *p, uint16_t port, uint8_t key[24])
{
	uint16_t be = htons(port);
	size_t k = 0;
	memset(key, 0, 24);
	if (!p->any) {
		k = p->v6 ? 16 : 4;
		memcpy(key, p->hip, k);
	}
	key[k] = p->proto;
	memcpy(key + k + 4, &be, 2);
	return k + 8;
}

static void elem_put(struct nftnl_set *s, const struct fw_port *p)
{
	uint8_t key[24], data[20] = { 0 };
	uint16_t cp = htons(p->cport);
	size_t klen = key_of(p, p->hport, key), alen = p->v6 ? 16 : 4;
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();

	memcpy(data, p->cip, alen);
	memcpy(data + alen, &cp, 2);
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, (uint32_t)klen);
	if (is_range(p)) {
		/* one interval element: [first, last] host port; the port is kept */
		key_of(p, (uint16_t)(p->hport + p->count - 1), key);
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY_END, key, (uint32_t)klen);
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, data, (uint32_t)alen);
	} else {
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, data, (uint32_t)alen + 4);
	}
	nftnl_set_elem_add(s, el);
}

static char *elem_name(const struct fw_port *p, bool add, size_t more)
{
	char a[INET6_ADDRSTRLEN] = "*";
	if (!p->any)
		inet_ntop(p->v6 ? AF_INET6 : AF_INET, p->hip, a, sizeof(a));
	if (more)
		return xasprintf("%s port %s:%u/%s and %zu more", add ? "add" : "delete", a, p->hport,
				 p->proto == IPPROTO_UDP ? "udp" : "tcp", more);
	return xasprintf("%s port %s:%u/%s", add ? "add" : "delete", a, p->hport,
			 p->proto == IPPROTO_UDP ? "udp" : "tcp");
}

/* Elements go in messages of up to CHUNK (the element list is one netlink
 * attribute: under 64 KiB). */
#define CHUNK 512

void fw_ports_build(struct fw_batch *fb, const struct fw_port *p, size_t n, bool add)
{
	for (int m = 0; m < 8; m++) {
		bool any = m % 2, range = m / 2 % 2, v6 = m / 4;
		size_t i = 0;
		while (i < n) {
			struct nftnl_set *s = map_new(maps[v6][range][any]);
			const struct fw_port *first = NULL;
			size_t cnt = 0;
			for (; i < n && cnt < CHUNK; i++) {
				if (p[i].any != any || is_range(&p[i]) != range || p[i].v6 != v6)
					continue;
				if (!first)
					first = &p[i];
				elem_put(s, &p[i]);
				cnt++;
			}
			if (cnt) {
				uint16_t type = add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM;
				nftnl_set_elems_nlmsg_build_payload(
					fw_batch_hdr(fb, type, add ? NLM_F_CREATE | NLM_F_EXCL : 0, elem_name(first, add, cnt - 1)),
					s);
				fw_batch_next(fb);
			}
			nftnl_set_free(s);
		}
	}
}

int fw_ports_apply(const struct fw_port *p, size_t n, bool add, struct err *e)
{
	struct fw_batch fb;
	int r = fw_batch_init(&fb, 4096 + n * 96);
	if (r < 0)
		return err_set(e, -r, "nftables batch");
	fw_batch_begin(&fb);
	fw_ports_build(&fb, p, n, add);
	fw_batch_end(&fb);
	r = fw_batch_send(&fb, e);
	fw_batch_done(&fb);
	return r;
}

int fw_build_all(struct fw_batch *fb, const struct fw_net *nets, size_t n, const struct fw_port *p, size_t np)
{
	int r = fw_batch_init(fb, 32768 + n * 1024 + np * 96);
	if (r < 0)
		return r;
	fw_batch_begin(fb);
	fw_build_base(fb, true);
	fw_ports_build_base(fb, true);
	for (size_t i = 0; i < n; i++)
		fw_build_net(fb, &nets[i], true);
	fw_ports_build(fb, p, np, true);
	fw_batch_end(fb);
	return 0;
}

int fw_sync_all(const struct fw_net *nets, size_t n, const struct fw_port *p, size_t np, struct err *e)
{
	struct fw_batch fb;
	int r = fw_build_all(&fb, nets, n, p, np);
	if (r < 0)
		return err_set(e, -r, "nftables batch");
	r = fw_batch_send(&fb, e);
	fw_batch_done(&fb);
	return r < 0 ? err_wrap(e, "set up table inet " FW_TABLE) : 0;
}
