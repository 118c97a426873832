/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon's nftables table through libnftnl: one batch per change (see fw.h). */
#include <arpa/inet.h>
#include <net/if.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include "fw.h"

/* nft's data types, for `nft list` to print the keys (nftables src/datatype.h). */
enum { TYPE_IPADDR = 7, TYPE_IP6ADDR = 8, TYPE_IFNAME = 41, TYPE_BITS = 6 };

static const struct fw_set {
	const char *name;
	uint32_t type, len, flags;
} fw_sets[] = {
	{ "bridges", TYPE_IFNAME, IFNAMSIZ, 0 },
	{ "icc", (TYPE_IFNAME << TYPE_BITS) | TYPE_IFNAME, 2 * IFNAMSIZ, 0 },
	{ "internal", TYPE_IFNAME, IFNAMSIZ, 0 },
	{ "masq4", TYPE_IPADDR, 4, NFT_SET_INTERVAL },
	{ "masq6", TYPE_IP6ADDR, 16, NFT_SET_INTERVAL },
};

int fw_batch_init(struct fw_batch *fb, size_t size)
{
	*fb = (struct fw_batch){ 0 };
	if (size < (size_t)MNL_SOCKET_BUFFER_SIZE)
		size = (size_t)MNL_SOCKET_BUFFER_SIZE;
	/* mnl batches overrun their limit by up to one message; zeroed: libmnl
	 * leaves attribute padding as it finds it, and the whole batch is sent */
	fb->buf = xcalloc(1, size + (size_t)MNL_SOCKET_BUFFER_SIZE);
	fb->b = mnl_nlmsg_batch_start(fb->buf, size);
	fb->seq0 = fb->seq = (uint32_t)time(NULL) << 8;
	if (!fb->b) {
		free(fb->buf);
		return -ENOMEM;
	}
	return 0;
}

void fw_batch_done(struct fw_batch *fb)
{
	if (fb->b)
		mnl_nlmsg_batch_stop(fb->b);
	for (size_t i = 0; i < fb->nmsgs; i++)
		free(fb->names[i]);
	free(fb->names);
	free(fb->buf);
	*fb = (struct fw_batch){ 0 };
}

/* Reserve the next message: its seq gets a name for error reports. */
static uint32_t next_seq(struct fw_batch *fb, char *name)
{
	size_t i = (size_t)(fb->seq - fb->seq0);
	if (i >= fb->nmsgs) {
		fb->names = xrealloc(fb->names, (i + 1) * sizeof(*fb->names));
		for (size_t k = fb->nmsgs; k <= i; k++)
			fb->names[k] = NULL;
		fb->nmsgs = i + 1;
	}
	free(fb->names[i]);
	fb->names[i] = name;
	return fb->seq++;
}

static void *cur(struct fw_batch *fb)
{
	return mnl_nlmsg_batch_current(fb->b);
}

struct nlmsghdr *fw_batch_hdr(struct fw_batch *fb, uint16_t type, uint16_t flags, char *name)
{
	return nftnl_nlmsg_build_hdr(cur(fb), type, NFPROTO_INET, flags | NLM_F_ACK, next_seq(fb, name));
}

void fw_batch_next(struct fw_batch *fb)
{
	if (!mnl_nlmsg_batch_next(fb->b)) {
		/* The caller sized the batch from the element count: a bug otherwise. */
		log_error("nft batch buffer too small");
		abort();
	}
}

void fw_batch_begin(struct fw_batch *fb)
{
	nftnl_batch_begin(cur(fb), next_seq(fb, xstrdup("batch begin")));
	fw_batch_next(fb);
}

void fw_batch_end(struct fw_batch *fb)
{
	nftnl_batch_end(cur(fb), next_seq(fb, xstrdup("batch end")));
	fw_batch_next(fb);
}

static void put_table(struct fw_batch *fb)
{
	struct nftnl_table *t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	struct nlmsghdr *nlh = fw_batch_hdr(fb, NFT_MSG_NEWTABLE, NLM_F_CREATE, xstrdup("table inet " FW_TABLE));
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	fw_batch_next(fb);
}

static struct nftnl_set *set_new(const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	return s;
}

static void put_set(struct fw_batch *fb, const struct fw_set *d)
{
	struct nftnl_set *s = set_new(d->name);
	/* the kernel wants an id for a new set (to refer to it within the batch) */
	nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)(d - fw_sets) + 1);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, d->type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, d->len);
	if (d->flags)
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, d->flags);
	if (d->type == TYPE_IFNAME) {
		/* names are host-order strings: tell nft, or `nft list` prints them mangled */
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(64);
		nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER, 1 /* BYTEORDER_HOST_ENDIAN */);
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	struct nlmsghdr *nlh = fw_batch_hdr(fb, NFT_MSG_NEWSET, NLM_F_CREATE, xasprintf("set %s", d->name));
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	fw_batch_next(fb);
}

static void put_set_flush(struct fw_batch *fb, const char *name)
{
	struct nftnl_set *s = set_new(name);
	struct nlmsghdr *nlh = fw_batch_hdr(fb, NFT_MSG_DELSETELEM, 0, xasprintf("flush set %s", name));
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	fw_batch_next(fb);
}

static const struct fw_chain {
	const char *name, *type;
	uint32_t hook;
	int32_t prio;
	unsigned int first_rule, nrules;
} fw_chains[] = {
	{ "forward", "filter", NF_INET_FORWARD, 0, 0, 4 },
	{ "postrouting", "nat", NF_INET_POST_ROUTING, 100, 4, 2 },
};

static void put_chain(struct fw_batch *fb, const struct fw_chain *d)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, d->name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, d->type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, d->hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, d->prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	struct nlmsghdr *nlh = fw_batch_hdr(fb, NFT_MSG_NEWCHAIN, NLM_F_CREATE, xasprintf("chain %s", d->name));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	fw_batch_next(fb);
}

static void put_rule_msg(struct fw_batch *fb, uint16_t type, uint16_t flags, struct nftnl_rule *r, char *name)
{
	nftnl_rule_nlmsg_build_payload(fw_batch_hdr(fb, type, flags, name), r);
	nftnl_rule_free(r);
	fw_batch_next(fb);
}

/* ---- rules ---- */

static void add_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *x = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(x, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(x, NFTNL_EXPR_META_DREG, dreg);
	nftnl_rule_add_expr(r, x);
}

static void add_lookup(struct nftnl_rule *r, const char *set, bool inv)
{
	struct nftnl_expr *x = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, set);
	if (inv)
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	nftnl_rule_add_expr(r, x);
}

static void add_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *x = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	nftnl_rule_add_expr(r, x);
}

/* meta nfproto FAMILY  <proto> saddr @set */
static void add_saddr_lookup(struct nftnl_rule *r, uint8_t nfproto, const char *set)
{
	struct nftnl_expr *x;
	add_meta(r, NFT_META_NFPROTO, NFT_REG_1);
	x = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(x, NFTNL_EXPR_CMP_DATA, &nfproto, 1);
	nftnl_rule_add_expr(r, x);
	x = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, nfproto == NFPROTO_IPV4 ? 12 : 8);
	nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, nfproto == NFPROTO_IPV4 ? 4 : 16);
	nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, x);
	add_lookup(r, set, false);
}

struct nftnl_rule *fw_rule_new(unsigned int i)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FW_TABLE);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, i < 4 ? "forward" : "postrouting");
	switch (i) {
	case 0: /* iifname . oifname @icc accept */
		add_meta(r, NFT_META_IIFNAME, NFT_REG_1);
		add_meta(r, NFT_META_OIFNAME, NFT_REG_2);
		add_lookup(r, "icc", false);
		add_verdict(r, NF_ACCEPT);
		break;
	case 1: /* iifname @bridges oifname @bridges drop */
		add_meta(r, NFT_META_IIFNAME, NFT_REG_1);
		add_lookup(r, "bridges", false);
		add_meta(r, NFT_META_OIFNAME, NFT_REG_1);
		add_lookup(r, "bridges", false);
		add_verdict(r, NF_DROP);
		break;
	case 2: /* iifname @internal drop */
	case 3: /* oifname @internal drop */
		add_meta(r, i == 2 ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1);
		add_lookup(r, "internal", false);
		add_verdict(r, NF_DROP);
		break;
	case 4: /* ip saddr @masq4 oifname != @bridges masquerade */
	case 5: /* ip6 saddr @masq6 oifname != @bridges masquerade */
		add_saddr_lookup(r, i == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6, i == 4 ? "masq4" : "masq6");
		add_meta(r, NFT_META_OIFNAME, NFT_REG_1);
		add_lookup(r, "bridges", true);
		nftnl_rule_add_expr(r, nftnl_expr_alloc("masq"));
		break;
	default:
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

void fw_build_base(struct fw_batch *fb, bool flush_sets)
{
	put_table(fb);
	for (size_t i = 0; i < ARRAY_SIZE(fw_sets); i++)
		put_set(fb, &fw_sets[i]);
	if (flush_sets)
		for (size_t i = 0; i < ARRAY_SIZE(fw_sets); i++)
			put_set_flush(fb, fw_sets[i].name);
	for (size_t i = 0; i < ARRAY_SIZE(fw_chains); i++) {
		const struct fw_chain *c = &fw_chains[i];
		put_chain(fb, c);
		/* flush the chain (DELRULE without a handle), then its rules again */
		struct nftnl_rule *r = nftnl_rule_alloc();
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FW_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
		put_rule_msg(fb, NFT_MSG_DELRULE, 0, r, xasprintf("flush chain %s", c->name));
		for (unsigned int k = 0; k < c->nrules; k++)
			put_rule_msg(fb, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, fw_rule_new(c->first_rule + k),
				     xasprintf("rule %u of chain %s", k + 1, c->name));
	}
}

static void put_elems(struct fw_batch *fb, bool add, const char *set, struct nftnl_set *s, const char *what)
{
	uint16_t type = add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM;
	char *name = xasprintf("%s %s %s set %s", add ? "add" : "delete", what, add ? "to" : "from", set);
	struct nlmsghdr *nlh = fw_batch_hdr(fb, type, add ? NLM_F_CREATE : 0, name);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	fw_batch_next(fb);
}

static void elem_add(struct nftnl_set *s, const void *key, size_t len, uint32_t flags)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, (uint32_t)len);
	if (flags)
		nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS, flags);
	nftnl_set_elem_add(s, el);
}

static void put_ifname(struct fw_batch *fb, bool add, const char *set, const char *name, bool pair)
{
	char key[2 * IFNAMSIZ] = { 0 };
	struct nftnl_set *s = set_new(set);
	snprintf(key, IFNAMSIZ, "%s", name);
	if (pair)
		snprintf(key + IFNAMSIZ, IFNAMSIZ, "%s", name);
	char what[4 * IFNAMSIZ + 8];
	elem_add(s, key, pair ? sizeof(key) : IFNAMSIZ, 0);
	if (pair)
		snprintf(what, sizeof(what), "%.15s . %.15s", key, key);
	else
		snprintf(what, sizeof(what), "%.15s", key);
	put_elems(fb, add, set, s, what);
}

/* An interval set holds a prefix as [first, first after the prefix): the end
 * marker is left out when the prefix reaches the top of the address space. */
static void put_prefix(struct fw_batch *fb, bool add, const char *set, const struct nl_addr *p)
{
	size_t len = p->family == AF_INET ? 4 : 16;
	uint8_t start[16], end[16];
	char what[64];
	bool carry = true;
	struct nftnl_set *s = set_new(set);

	for (size_t i = 0; i < len; i++) {
		unsigned int bits = p->prefix > i * 8 ? (unsigned int)(p->prefix - i * 8) : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		start[i] = p->b[i] & mask;
		end[i] = start[i] | (uint8_t)~mask;
	}
	for (size_t i = len; i-- > 0 && carry;) {
		end[i]++;
		carry = end[i] == 0;
	}
	elem_add(s, start, len, 0);
	if (!carry)
		elem_add(s, end, len, NFT_SET_ELEM_INTERVAL_END);
	put_elems(fb, add, set, s, nl_addr_fmt(p, true, what, sizeof(what)));
}

void fw_build_net(struct fw_batch *fb, const struct fw_net *n, bool add)
{
	put_ifname(fb, add, "bridges", n->bridge, false);
	if (n->icc)
		put_ifname(fb, add, "icc", n->bridge, true);
	if (n->internal)
		put_ifname(fb, add, "internal", n->bridge, false);
	if (n->masquerade && !n->internal) {
		if (n->sub4)
			put_prefix(fb, add, "masq4", n->sub4);
		if (n->sub6)
			put_prefix(fb, add, "masq6", n->sub6);
	}
}

int fw_nft_open(struct mnl_socket **ret, struct err *e)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int one = 1, size = 4 << 20;
	if (!nl)
		return err_set(e, errno, "open nftables netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = err_set(e, errno, "bind nftables netlink socket");
		mnl_socket_close(nl);
		return r;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* every message is ACKed: room for all of them, or ACKs are lost (ENOBUFS) */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* a batch is one sendmsg: big ones (thousands of port mappings) need room */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	*ret = nl;
	return 0;
}

/* Record the first failure by name; later ones are counted. */
static void ack_error(struct fw_batch *fb, const struct nlmsghdr *nlh, int *nerr, int *code, struct err *e)
{
	const struct nlmsgerr *er = mnl_nlmsg_get_payload(nlh);
	uint32_t i = er->msg.nlmsg_seq - fb->seq0;
	const char *name = i < fb->nmsgs && fb->names[i] ? fb->names[i] : "unknown item";
	if ((*nerr)++ == 0)
		*code = err_set(e, -er->error, "nftables: %s", name);
	else
		log_debug("nftables: %s: %s", name, strerror(-er->error));
}

int fw_batch_send(struct fw_batch *fb, struct err *e)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r, nerr = 0, code = 0;
	ssize_t n;

	if (fb->nmsgs <= 2)
		return 0; /* begin + end only: nothing to change */
	r = fault_point("nft");
	if (r < 0)
		return err_set(e, -r, "nftables transaction (injected)");
	r = fw_nft_open(&nl, e);
	if (r < 0)
		return r;
	fw_own_batch(mnl_socket_get_portid(nl), mnl_nlmsg_batch_size(fb->b));
	n = mnl_socket_sendto(nl, mnl_nlmsg_batch_head(fb->b), mnl_nlmsg_batch_size(fb->b));
	fw_own_batch_done();
	if (n < 0)
		return err_set(e, errno, "nftables: send batch");
	/* The kernel handles the batch inside sendmsg: every reply is queued now. */
	while ((n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr)))
				continue;
			if (((const struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error != 0)
				ack_error(fb, nlh, &nerr, &code, e);
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && nerr == 0)
		return err_set(e, errno, "nftables: read replies");
	if (nerr > 1)
		err_wrap(e, "%d failures, the first", nerr);
	return nerr ? code : 0;
}

/* A batch big enough for the base ruleset and n networks' elements. */
static int batch_for(struct fw_batch *fb, size_t n)
{
	return fw_batch_init(fb, 16384 + n * 1024);
}

int fw_sync(const struct fw_net *nets, size_t n, struct err *e)
{
	struct fw_batch fb;
	int r = batch_for(&fb, n);
	if (r < 0)
		return err_set(e, -r, "nftables batch");
	fw_batch_begin(&fb);
	fw_build_base(&fb, true);
	for (size_t i = 0; i < n; i++)
		fw_build_net(&fb, &nets[i], true);
	fw_batch_end(&fb);
	r = fw_batch_send(&fb, e);
	fw_batch_done(&fb);
	return r < 0 ? err_wrap(e, "set up table inet " FW_TABLE) : 0;
}

int fw_net_apply(const struct fw_net *n, bool add, struct err *e)
{
	struct fw_batch fb;
	int r = batch_for(&fb, 1);
	if (r < 0)
		return err_set(e, -r, "nftables batch");
	fw_batch_begin(&fb);
	fw_build_net(&fb, n, add);
	fw_batch_end(&fb);
	r = fw_batch_send(&fb, e);
	fw_batch_done(&fb);
	return r;
}
