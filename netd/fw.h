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
/* The next message's header (name: what it is, for error reports; freed with
 * the batch), and the step past it once its payload is built. */
struct nlmsghdr *fw_batch_hdr(struct fw_batch *fb, uint16_t type, uint16_t flags, char *name);
void fw_batch_next(struct fw_batch *fb);

/* The table, sets and chains, the chains flushed and their rules re-added
 * (idempotent: running it twice gives the same ruleset). flush_sets also
 * empties every set, for a full resync. */
void fw_build_base(struct fw_batch *fb, bool flush_sets);
/* The set elements of one network, added (add) or deleted. */
void fw_build_net(struct fw_batch *fb, const struct fw_net *n, bool add);

/* The rules (exposed for unit tests): index 0..FW_NRULES-1. */
#define FW_NRULES 6
struct nftnl_rule *fw_rule_new(unsigned int i);

/* A netlink socket for nftables, bound, with room for big batches and their ACKs. */
int fw_nft_open(struct mnl_socket **ret, struct err *e) _wur_;
DEFINE_CLEANUP(struct mnl_socket *, mnl_socket_close)

/* Send a batch and read every ACK; errors name the failing items. */
int fw_batch_send(struct fw_batch *fb, struct err *e) _wur_;

/* fw-watch.c: netd is about to send a batch of `bytes` from port portid (the
 * event watcher ignores that port's events; from a big batch it does not
 * even queue them, until fw_own_batch_done). */
void fw_own_batch(uint32_t portid, size_t bytes);
void fw_own_batch_done(void);

/* Whole operations. */
int fw_sync(const struct fw_net *nets, size_t n, struct err *e) _wur_;
int fw_net_apply(const struct fw_net *n, bool add, struct err *e) _wur_;

/* ---- port mappings (fw-ports.c) ----
 *
 *   map ports4    { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }
 *   map ports4any { type inet_proto . inet_service : ipv4_addr . inet_service; }
 *   chain guard { type filter hook prerouting priority raw;
 *     meta nfproto ipv4 ip daddr 127.0.0.0/8 iifname != "lo" counter drop }
 *   chain prerouting { type nat hook prerouting priority dstnat;      (and chain output, the same)
 *     meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport map @ports4
 *     meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . th dport map @ports4any }
 *   forward, first:      ct status dnat iifname != @internal accept
 *   postrouting, last:   ct status dnat iifname @bridges oifname @bridges masquerade    (hairpin)
 *                        ct status dnat oifname @bridges ip saddr 127.0.0.0/8 masquerade (localhost)
 *
 *   map ranges4, ranges4any: the same keys as intervals (pipapo), the
 *   container's address as data: a port range (8000-8010:8000-8010) is one
 *   element, its ports kept; two more dnat rules per nat chain use them.
 *   A range onto other ports (8000-8010:80-90) is one element per port in
 *   ports4/ports4any (see README: nftables cannot shift a range soundly).
 *
 *   map ports6, ports6any, ranges6, ranges6any: the same for IPv6 (ip6
 *   addresses as key and data), four more dnat rules per nat chain.
 *
 * A mapping with a host address is one element of ports4; one on every
 * local address (0.0.0.0) one element of ports4any: the rules never grow.
 */
struct fw_port {
	bool v6;              /* IPv6: host and container addresses of 16 bytes, maps *6 */
	bool any;             /* every local address (of the family) */
	uint8_t hip[16];      /* host address (when !any) */
	uint8_t proto;        /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t hport;       /* host byte order */
	uint8_t cip[16];      /* the container's address */
	uint16_t cport;
	uint16_t count;       /* ports in a range (host ports = container ports); 0 or 1: one */
};

/* Maps, chains and rules of the port mappings (called by fw_build_base's
 * callers through fw_ports_sync; idempotent like fw_build_base). */
void fw_ports_build_base(struct fw_batch *fb, bool flush_sets);
void fw_ports_build(struct fw_batch *fb, const struct fw_port *p, size_t n, bool add);
/* The rules (unit tests): index 0..FW_PORT_NRULES-1, NULL beyond. */
#define FW_PORT_NRULES 20
struct nftnl_rule *fw_port_rule_new(unsigned int i);
/* Add or delete n mappings in one transaction. */
int fw_ports_apply(const struct fw_port *p, size_t n, bool add, struct err *e) _wur_;
/* fw_sync plus every mapping, in one transaction (reconciliation). */
int fw_sync_all(const struct fw_net *nets, size_t n, const struct fw_port *p, size_t np, struct err *e) _wur_;
/* fw_sync_all's batch, built into *fb (fw_batch_done it) but not sent. */
int fw_build_all(struct fw_batch *fb, const struct fw_net *nets, size_t n, const struct fw_port *p, size_t np) _wur_;

/* fw-match.c: 1 when table inet pontoon holds fw_sync_all's chains with as
 * many rules and its sets with as many elements; 0 when not (*ret_why: the
 * first difference, to free); -errno when the table cannot be listed. */
int fw_table_matches(const struct fw_net *nets, size_t n, const struct fw_port *p, size_t np, char **ret_why,
		     struct err *e) _wur_;

#endif
