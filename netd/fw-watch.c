/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firewall reloads: `nft flush ruleset`, `systemctl restart nftables` or a
 * firewalld reload wipe table inet pontoon under running networks. netd
 * listens to nftables' own change events (NFNLGRP_NFTABLES on a netlink
 * socket in its epoll loop); when a transaction it did not make touched its
 * table, it re-applies the whole table in one transaction, at once.
 *
 * Each transaction's events end with NFT_MSG_NEWGEN; every event carries the
 * netlink port id of the committing socket. netd's own big transactions must
 * not reach the queue at all: a 120,000-element port-map transaction is as
 * many events, which overflowed the socket (ENOBUFS) and made netd re-apply a
 * table nobody else had touched. So while netd sends a big batch, a socket filter
 * on the event socket drops every event of its sending socket's port, in the
 * kernel (fw_own_batch, fw_own_batch_done); the events of small batches are
 * queued and ignored here by the ports of the last batches.
 * If the queue overflows all the same (another program's huge transaction),
 * netd cannot know what it missed: it checks once whether its table is still
 * what it wrote, and re-applies it only if not.
 */
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <stddef.h>
#include <endian.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include "daemon.h"
#include "fw.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#define OWN_PORTS 16
/* room for the events of a burst of other programs' transactions */
#define EVENT_RCVBUF (32 << 20)

static uint32_t own_ports[OWN_PORTS];
static unsigned own_next;
/* a foreign transaction touched our table; set until its NEWGEN */
static bool touched;
/* the event socket (-1 when netd does not watch: tests, benchmarks) */
static int watch_fd = -1;

/* Attaching a filter costs ~17 us (it is compiled): small batches, whose
 * events fit the queue many times over, are told apart in userspace. */
#define FILTER_MIN_BATCH (1 << 20)
static bool filtering;

void fw_own_batch(uint32_t portid, size_t bytes)
{
	/* cBPF loads are big-endian: compare with the port's bytes as such. All
	 * the events of one transaction come from one port, so an skb of several
	 * coalesced messages is judged by its first. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htobe32(portid), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = code };

	own_ports[own_next++ % OWN_PORTS] = portid;
	if (watch_fd < 0 || bytes < FILTER_MIN_BATCH)
		return;
	filtering = setsockopt(watch_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0;
	if (!filtering)
		log_warn("nftables events: cannot filter out netd's own: %s", strerror(errno));
}

void fw_own_batch_done(void)
{
	/* the batch's events were delivered inside its sendmsg: let every port
	 * through again (another program may get this port number next) */
	int zero = 0;
	if (filtering)
		(void)setsockopt(watch_fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero));
	filtering = false;
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
	int grp = NFNLGRP_NFTABLES, size = EVENT_RCVBUF;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);

	if (fd < 0)
		return err_set(e, errno, "nftables event socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return err_set(e, errno, "listen to nftables events");
#ifdef PONTOON_FAULT_INJECTION
	/* tests make the queue overflow with a small one */
	const char *env = getenv("PONTOON_NFT_EVENTS_RCVBUF");
	uint64_t v;
	if (env && parse_uint(env, 1, INT_MAX, &v) == 0 && (size = (int)v))
		log_info("nftables events: a receive buffer of %d bytes (PONTOON_NFT_EVENTS_RCVBUF)", size);
#endif
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	watch_fd = fd;
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

enum drift { NO_DRIFT, OVERFLOW, DRIFT };

/* Read every queued event: DRIFT when another program changed the table,
 * OVERFLOW when events were lost (and those read showed no change). */
static enum drift drain(int fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	enum drift drift = NO_DRIFT;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			if (drift == NO_DRIFT)
				drift = OVERFLOW;
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
					drift = DRIFT;
				}
				touched = false;
			} else if (!own_port(nlh->nlmsg_pid) && about_our_table(nlh)) {
				touched = true;
			}
		}
	}
}

/* After lost events: is the table still what netd wrote? */
static bool still_ours(struct netd *d)
{
	struct err e = { 0 };
	_cleanup_free_ char *why = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = netd_fw_matches(d, &why, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (r < 0) {
		log_err(&e, "nftables events overflowed; check table inet " FW_TABLE);
		log_info("re-applying table inet " FW_TABLE);
		return false;
	}
	if (r == 0) {
		log_info("nftables events overflowed and table inet " FW_TABLE
			 " differs (%s; checked in %ld ms): re-applying it",
			 why, ms);
		return false;
	}
	log_info("nftables events overflowed; table inet " FW_TABLE " checked: as netd wrote it (%ld ms)", ms);
	return true;
}

void netd_fw_watch_handle(struct netd *d, int fd)
{
	struct err e = { 0 };
	enum drift drift = drain(fd);
	if (drift == NO_DRIFT || (drift == OVERFLOW && still_ours(d)))
		return;
	/* the whole table, port mappings included; its own events never reach
	 * the queue (fw_own_batch), so whatever is queued next is another's */
	if (netd_fw_sync(d, &e) < 0)
		log_err(&e, "re-apply the firewall");
	else
		log_info("table inet " FW_TABLE " re-applied (%zu networks)", d->nnets);
}
