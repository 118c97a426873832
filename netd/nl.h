/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink over libmnl: one handle per network namespace, one request and
 * one ACK at a time (STYLE §6), message builders free of I/O so unit tests can
 * look at what they produce.
 */
#ifndef NETD_NL_H
#define NETD_NL_H

#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include "common.h"

/* Best-effort calls on undo paths, where a failure has nowhere better to go. */
#define UNDO(x) \
	do { \
		int _undo_r = (x); \
		(void)_undo_r; \
	} while (0)

struct nl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
	bool no_faults; /* a background thread's handle: fault points are counted on the main thread only */
};

/* An IPv4 or IPv6 address with a prefix length (family AF_INET or AF_INET6). */
struct nl_addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	};
	uint8_t prefix;
};

/* Open a route socket in the caller's network namespace. */
int nl_open(struct nl **ret, struct err *e) _wur_;
/* Switch this thread into the namespace nsfd (*ret_self: the way back), and
 * back (aborts if it cannot: staying would misdirect every later request). */
int nl_netns_enter(int nsfd, int *ret_self, struct err *e) _wur_;
void nl_netns_leave(int self);
/* Open one inside the namespace nsfd refers to (setns there and back). */
int nl_open_netns(int nsfd, struct nl **ret, struct err *e) _wur_;
void nl_close(struct nl *nl);
DEFINE_CLEANUP(struct nl *, nl_close)

/* Send nlh (seq set here), run cb on data replies until ACK/DONE.
 * Kernel errors land in e with the extack text when there is one. */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct err *e) _wur_;

/* ---- builders: fill buf (MNL_SOCKET_BUFFER_SIZE bytes) and return the message ---- */
/* mnl_attr_put with the padding after the payload zeroed (every byte sent is defined). */
void nl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data);
struct nlmsghdr *nl_msg_bridge_new(void *buf, const char *name, uint32_t mtu, const uint8_t mac[6]);
/* A veth pair: host end `host` (up, enslaved to master when > 0), the peer
 * `peer` born inside the namespace nsfd (down), with peer_mac when non-NULL. */
struct nlmsghdr *nl_msg_veth_new(void *buf, const char *host, const char *peer, int nsfd, uint32_t mtu,
				 const uint8_t *peer_mac, uint32_t master);
struct nlmsghdr *nl_msg_link_del(void *buf, uint32_t ifindex, const char *name);
struct nlmsghdr *nl_msg_link_get(void *buf, const char *name);
struct nlmsghdr *nl_msg_link_up(void *buf, uint32_t ifindex);
/* RTM_NEWADDR (add true, CREATE|EXCL, NODAD for IPv6) or RTM_DELADDR. */
struct nlmsghdr *nl_msg_addr(void *buf, bool add, uint32_t ifindex, const struct nl_addr *a);
/* A default route via gw out of ifindex (CREATE|EXCL). */
struct nlmsghdr *nl_msg_default_route(void *buf, uint32_t ifindex, const struct nl_addr *gw);

/* ---- operations ---- */
struct nl_link {
	char name[16];
	char kind[16];
	uint32_t ifindex, master, mtu;
	int link_netnsid; /* a veth's peer namespace id, -1 when in the same one */
	bool up;
};
/* ifindex of a link by name: -ENODEV when absent. */
int nl_link_index(struct nl *nl, const char *name, uint32_t *ret, struct err *e) _wur_;
/* Every link: *ret is an xmalloc'd array. */
int nl_link_dump(struct nl *nl, struct nl_link **ret, size_t *ret_n, struct err *e) _wur_;
int nl_link_del(struct nl *nl, uint32_t ifindex, const char *name, struct err *e) _wur_;
int nl_bridge_add(struct nl *nl, const char *name, uint32_t mtu, const uint8_t mac[6], uint32_t *ret_ifindex,
		  struct err *e) _wur_;
int nl_addr_add(struct nl *nl, uint32_t ifindex, const struct nl_addr *a, struct err *e) _wur_;
int nl_link_set_up(struct nl *nl, uint32_t ifindex, const char *name, struct err *e) _wur_;
/* Enslave ifindex to master (and set it up). */
int nl_link_set_master(struct nl *nl, uint32_t ifindex, uint32_t master, const char *name, struct err *e) _wur_;
/* Default route via gw: -EEXIST (e cleared) when one is there already. */
int nl_default_route_add(struct nl *nl, uint32_t ifindex, const struct nl_addr *gw, struct err *e) _wur_;
/* Every IPv4 and IPv6 address and route prefix on the host (routes: not default). */
int nl_prefix_dump(struct nl *nl, struct nl_addr **ret, size_t *ret_n, struct err *e) _wur_;

/* Write a sysctl under /proc/sys (path relative to it), in the caller's netns. */
int nl_sysctl_write(const char *path, const char *value, struct err *e) _wur_;
int nl_sysctl_read(const char *path, char *buf, size_t len);

/* Format as "addr/prefix" (with_prefix) or "addr"; buf >= 64 bytes. */
const char *nl_addr_fmt(const struct nl_addr *a, bool with_prefix, char *buf, size_t len);

#endif
