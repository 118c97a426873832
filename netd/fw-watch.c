/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firewall reloads: `nft flush ruleset`, `systemctl restart nftables` or a
 * firewalld reload wipe table inet pontoon under running networks. netd
 * listens to nftables' own change events (NFNLGRP_NFTABLES on a netlink
 * socket in its epoll loop); when a transaction it did not make touched its
 * table, it re-applies the whole table in one transaction, at once.
 *
 * Each transaction's events end with NFT_MSG_NEWGEN, whose netlink port id is
 * the committing socket's: netd remembers the ports of its own batches
 * (fw_note_own_port) and ignores those. If the event queue overflows
 * (ENOBUFS), netd cannot know what it missed and re-applies anyway; that is
 * idempotent.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include "daemon.h"
#include "fw.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#define OWN_PORTS 16

static uint32_t own_ports[OWN_PORTS];
static unsigned own_next;
/* a foreign transaction touched our table; set until its NEWGEN */
static bool touched;

void fw_note_own_port(uint32_t portid)
{
	own_ports[own_next++ % OWN_PORTS] = portid;
}

static bool own_port(uint32_t portid)
{
	for (unsigned i = 0; i < OWN_PORTS; i++)
		if (own_ports[i] == portid && portid != 0)
			return true;
	return false;
}

int netd_fw_watch_open(struct err *e)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int grp = NFNLGRP_NFTABLES, size = 1 << 20;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);

	if (fd < 0)
		return err_set(e, errno, "nftables event socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return err_set(e, errno, "listen to nftables events");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return TAKE_FD(fd);
}

/* The table an nf_tables event is about: attribute 1 of every object's
 * message (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
 * NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE). */
static bool about_our_table(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)) || g->nfgen_family != NFPROTO_INET)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		if (mnl_attr_get_type(a) != 1)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return false;
		return strcmp(mnl_attr_get_str(a), FW_TABLE) == 0;
	}
	return false;
}

/* Read every queued event; true when the table must be re-applied. */
static bool drain(int fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool drift = false;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			log_info("nftables events overflowed: re-applying table inet " FW_TABLE);
			drift = true;
			touched = false;
			continue;
		}
		if (n <= 0)
			return drift;
		int len = (int)n;
		for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
				continue;
			int msg = NFNL_MSG_TYPE(nlh->nlmsg_type);
			if (msg == NFT_MSG_NEWGEN) {
				if (touched && !own_port(nlh->nlmsg_pid)) {
					log_info("table inet " FW_TABLE " was changed by another program (netlink port %u): re-applying it",
						 nlh->nlmsg_pid);
					drift = true;
				}
				touched = false;
			} else if (!own_port(nlh->nlmsg_pid) && about_our_table(nlh)) {
				touched = true;
			}
		}
	}
}

void netd_fw_watch_handle(struct netd *d, int fd)
{
	struct err e = { 0 };
	if (!drain(fd))
		return;
	if (netd_fw_sync(d, &e) < 0) /* the whole table, port mappings included */
		log_err(&e, "re-apply the firewall");
	else
		log_info("table inet " FW_TABLE " re-applied (%zu networks)", d->nnets);
	/* our own transaction's events are queued by now: skip them */
	(void)drain(fd);
}
