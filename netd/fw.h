/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pontoon's nftables table, through libnftnl (STYLE §7):
 *
 *   table inet pontoon {
 *     set bridges  { type ifname; }             every pontoon bridge
 *     set icc      { type ifname . ifname; }    "br . br" for networks with icc=true
 *     set internal { type ifname; }             bridges of --internal networks
 *     set masq4    { type ipv4_addr; flags interval; }   subnets to masquerade
 *     set masq6    { type ipv6_addr; flags interval; }
 *     chain forward { type filter hook forward priority filter; policy accept;
 *       iifname . oifname @icc accept           same bridge, icc allowed
 *       iifname @bridges oifname @bridges drop  between networks; icc=false
 *       iifname @internal drop                  --internal: nothing leaves...
 *       oifname @internal drop                  ...and nothing enters from outside
 *     }
 *     chain postrouting { type nat hook postrouting priority srcnat;
 *       meta nfproto ipv4 ip saddr @masq4 oifname != @bridges masquerade
 *       meta nfproto ipv6 ip6 saddr @masq6 oifname != @bridges masquerade
 *     }
 *   }
 *
 * Rules never grow with networks: a network is a handful of set elements.
 * (A later port-mapping change adds prerouting/output DNAT chains keyed by
 * concatenated maps beside these.) Every change is one batch transaction.
 */
#ifndef NETD_FW_H
#define NETD_FW_H

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include "common.h"
#include "nl.h"

#define FW_TABLE "pontoon"

/* What the firewall needs to know about one network. */
struct fw_net {
	const char *bridge;
	bool icc, internal, masquerade;
	const struct nl_addr *sub4, *sub6; /* NULL when absent */
};

/* A batch under construction: messages and, per sequence number, a name for
 * error reports ("add element pn-1 to set bridges"). */
struct fw_batch {
	struct mnl_nlmsg_batch *b;
	void *buf;
	uint32_t seq0, seq;
	char **names; /* names[seq - seq0] */
	size_t nmsgs;
};

int fw_batch_init(struct fw_batch *fb, size_t size);
void fw_batch_done(struct fw_batch *fb);
/* Begin/end markers. */
void fw_batch_begin(struct fw_batch *fb);
void fw_batch_end(struct fw_batch *fb);

/* The table, sets and chains, the chains flushed and their rules re-added
 * (idempotent: running it twice gives the same ruleset). flush_sets also
 * empties every set, for a full resync. */
void fw_build_base(struct fw_batch *fb, bool flush_sets);
/* The set elements of one network, added (add) or deleted. */
void fw_build_net(struct fw_batch *fb, const struct fw_net *n, bool add);

/* The rules (exposed for unit tests): index 0..FW_NRULES-1. */
#define FW_NRULES 6
struct nftnl_rule *fw_rule_new(unsigned int i);

/* Send a batch and read every ACK; errors name the failing items. */
int fw_batch_send(struct fw_batch *fb, struct err *e) _wur_;

/* fw-watch.c: the port of each batch netd sends, so that the event watcher
 * can tell its own transactions from other programs'. */
void fw_note_own_port(uint32_t portid);

/* Whole operations. */
int fw_sync(const struct fw_net *nets, size_t n, struct err *e) _wur_;
int fw_net_apply(const struct fw_net *n, bool add, struct err *e) _wur_;

#endif
