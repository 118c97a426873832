/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Does table inet pontoon still hold what netd wrote? Asked when nftables'
 * change events overflowed (fw-watch.c), instead of re-applying blindly.
 *
 * The expectation is the batch a full re-apply would send (never sent here);
 * the kernel's side comes from dumps of the table's chains, rules, sets and
 * every set's elements. They match when both have the same chains with the
 * same number of rules each, and the same sets with the same number of
 * elements each. A flush, a deleted table, chain, set or element, a rule or
 * element added by hand all change a count; an edit that keeps every count
 * (an element swapped for another) is the one thing this misses.
 */
#include "fw.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>

struct tally_item {
	char name[NFT_NAME_MAXLEN];
	bool chain; /* a chain (count: rules), else a set (count: elements) */
	size_t count;
};

struct tally {
	struct tally_item *v;
	size_t n;
};

static struct tally_item *tally_get(struct tally *t, bool chain, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].chain == chain && strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	struct tally_item *it = &t->v[t->n++];
	*it = (struct tally_item){ .chain = chain };
	snprintf(it->name, sizeof(it->name), "%s", name);
	return it;
}

/* The string attribute of type `type` of an nf_tables message, or NULL. */
static const char *msg_str(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != type)
			continue;
		return mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ? NULL : mnl_attr_get_str(a);
	}
	return NULL;
}

static size_t msg_elems(const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *el;
	size_t n = 0;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a) {
			n++;
		}
	}
	return n;
}

/* Count one message (a built one or a dumped one) into t; only table
 * inet pontoon's objects count. */
static void tally_msg(struct tally *t, const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const char *table, *name;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)) ||
	    g->nfgen_family != NFPROTO_INET)
		return;
	/* attribute 1 is the table of every object's message */
	table = msg_str(nlh, 1);
	if (!table || strcmp(table, FW_TABLE) != 0)
		return;
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWCHAIN:
		if ((name = msg_str(nlh, NFTA_CHAIN_NAME)))
			tally_get(t, true, name);
		break;
	case NFT_MSG_NEWRULE:
		if ((name = msg_str(nlh, NFTA_RULE_CHAIN)))
			tally_get(t, true, name)->count++;
		break;
	case NFT_MSG_NEWSET:
		if ((name = msg_str(nlh, NFTA_SET_NAME)))
			tally_get(t, false, name);
		break;
	case NFT_MSG_NEWSETELEM:
		if ((name = msg_str(nlh, NFTA_SET_ELEM_LIST_SET)))
			tally_get(t, false, name)->count += msg_elems(nlh);
		break;
	}
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	tally_msg(data, nlh);
	return MNL_CB_OK;
}

/* One dump of the table's objects of one type (set: the elements of that set). */
static int dump(struct mnl_socket *nl, uint16_t type, const char *set, struct tally *t)
{
	size_t size = 32768; /* the kernel fills dump messages up to 32 KiB */
	_cleanup_free_ char *buf = xcalloc(1, size); /* the request's padding is sent */
	static uint32_t seq;
	uint32_t portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, ++seq);
	ssize_t n;
	int r;

	if (set) {
		struct nftnl_set *s = nftnl_set_alloc();
		nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, set);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	} else {
		mnl_attr_put_strz(nlh, 1, FW_TABLE); /* NFTA_{CHAIN,RULE,SET}_TABLE */
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, size);
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, dump_cb, t);
	} while (r > MNL_CB_STOP);
	return r < 0 ? -errno : 0;
}

/* The first difference between what netd expects and what the kernel has, or NULL. */
static char *difference(const struct tally *want, const struct tally *have)
{
	for (size_t i = 0; i < want->n; i++) {
		const struct tally_item *w = &want->v[i], *h = NULL;
		for (size_t k = 0; k < have->n && !h; k++)
			if (have->v[k].chain == w->chain && strcmp(have->v[k].name, w->name) == 0)
				h = &have->v[k];
		const char *what = w->chain ? "chain" : "set";
		if (!h)
			return xasprintf("%s %s is missing", what, w->name);
		if (h->count != w->count)
			return xasprintf("%s %s has %zu %s, not %zu", what, w->name, h->count,
					 w->chain ? "rules" : "elements", w->count);
	}
	for (size_t k = 0; k < have->n; k++) {
		bool known = false;
		for (size_t i = 0; i < want->n && !known; i++)
			known = want->v[i].chain == have->v[k].chain && strcmp(want->v[i].name, have->v[k].name) == 0;
		if (!known)
			return xasprintf("%s %s is not netd's", have->v[k].chain ? "chain" : "set", have->v[k].name);
	}
	return NULL;
}

int fw_table_matches(const struct fw_net *nets, size_t n, const struct fw_port *p, size_t np, char **ret_why,
		     struct err *e)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
	struct tally want = { 0 }, have = { 0 };
	struct fw_batch fb;
	int r;

	*ret_why = NULL;
	r = fw_build_all(&fb, nets, n, p, np);
	if (r < 0)
		return err_set(e, -r, "nftables batch");
	const struct nlmsghdr *nlh = mnl_nlmsg_batch_head(fb.b);
	int len = (int)mnl_nlmsg_batch_size(fb.b);
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
		tally_msg(&want, nlh);
	fw_batch_done(&fb);

	r = fw_nft_open(&nl, e);
	if (r < 0)
		goto out;
	static const uint16_t types[] = { NFT_MSG_GETCHAIN, NFT_MSG_GETRULE, NFT_MSG_GETSET };
	for (size_t i = 0; i < ARRAY_SIZE(types) && r == 0; i++)
		r = dump(nl, types[i], NULL, &have);
	/* ENOENT: no table (or no such set): the counts tell */
	for (size_t i = 0; i < have.n && (r == 0 || r == -ENOENT); i++)
		if (!have.v[i].chain)
			r = dump(nl, NFT_MSG_GETSETELEM, have.v[i].name, &have);
	if (r < 0 && r != -ENOENT) {
		err_set(e, -r, "list table inet " FW_TABLE);
		goto out;
	}
	*ret_why = difference(&want, &have);
	r = *ret_why ? 0 : 1;
out:
	free(want.v);
	free(have.v);
	return r;
}
