/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtnetlink over libmnl: the handle, request/ACK talk, builders, operations. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <time.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

int nl_open(struct nl **ret, struct err *e)
{
	struct nl *nl = xcalloc(1, sizeof(*nl));
	int one = 1;

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		free(nl);
		return err_set(e, errno, "open netlink socket");
	}
	/* Best effort: older kernels lack them, the ACK still carries errno. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = err_set(e, errno, "bind netlink socket");
		mnl_socket_close(nl->sock);
		free(nl);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*ret = nl;
	return 0;
}

int nl_netns_enter(int nsfd, int *ret_self, struct err *e)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return err_set(e, errno, "open own network namespace");
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		int r = err_set(e, errno, "enter network namespace");
		close(self);
		return r;
	}
	*ret_self = self;
	return 0;
}

void nl_netns_leave(int self)
{
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Staying in the wrong namespace would misdirect every later request. */
		log_error("cannot return to own network namespace: %m");
		abort();
	}
	close(self);
}

int nl_open_netns(int nsfd, struct nl **ret, struct err *e)
{
	int self = -1, r = nl_netns_enter(nsfd, &self, e);
	if (r < 0)
		return r;
	r = nl_open(ret, e);
	nl_netns_leave(self);
	return r;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

struct talk {
	mnl_cb_t cb;
	void *data;
	struct err *e;
	char extack[256];
};

static int talk_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	/* extended ACK: with CAP_ACK the original message is not echoed back */
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(err->msg);
		const struct nlattr *attr;
		mnl_attr_for_each(attr, nlh, off)
		{
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(t->extack, sizeof(t->extack), "%s", mnl_attr_get_str(attr));
		}
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

static int talk_done_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_STOP;
}

static int talk_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static int talk_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/* The control array replaces libmnl's defaults: it must handle ERROR and DONE. */
static mnl_cb_t talk_ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = talk_noop_cb,
	[NLMSG_ERROR] = talk_error_cb,
	[NLMSG_DONE] = talk_done_cb,
	[NLMSG_OVERRUN] = talk_noop_cb,
};

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct err *e)
{
	static __thread char buf[32768];
	struct talk t = { .cb = cb, .data = data, .e = e };
	uint32_t seq;
	ssize_t n;
	int r;

	r = nl->no_faults ? 0 : fault_point("netlink");
	if (r < 0)
		return err_set(e, -r, "netlink request (injected)");
	nlh->nlmsg_seq = seq = ++nl->seq;
	if (seq == 0)
		nlh->nlmsg_seq = seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return err_set(e, errno, "netlink send");
	do {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, errno, "netlink receive");
		}
		r = mnl_cb_run2(buf, (size_t)n, seq, nl->portid, talk_data_cb, &t, talk_ctl_cbs, ARRAY_SIZE(talk_ctl_cbs));
	} while (r == MNL_CB_OK);
	if (r < 0) {
		int code = errno ? errno : EIO;
		if (t.extack[0])
			return err_set(e, code, "kernel: %s", t.extack);
		return err_set(e, code, "kernel");
	}
	return 0;
}

/* ---- builders ---- */

/* libmnl (1.0.4) leaves an attribute's alignment padding as the buffer had
 * it: those bytes go to the kernel, so they are zeroed here. */
void nl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	size_t pad = MNL_ALIGN(len) - len;
	mnl_attr_put(nlh, type, len, data);
	memset((char *)nlh + nlh->nlmsg_len - pad, 0, pad);
}

static void put_strz(struct nlmsghdr *nlh, uint16_t type, const char *s)
{
	nl_attr_put(nlh, type, strlen(s) + 1, s);
}

static struct nlmsghdr *msg_new(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

struct nlmsghdr *nl_msg_bridge_new(void *buf, const char *name, uint32_t mtu, const uint8_t mac[6])
{
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		nl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *nl_msg_veth_new(void *buf, const char *host, const char *peer, int nsfd, uint32_t mtu,
				 const uint8_t *peer_mac, uint32_t master)
{
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	put_strz(nlh, IFLA_IFNAME, host);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's own ifinfomsg; it stays down until it is configured inside. */
	struct ifinfomsg *pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	put_strz(nlh, IFLA_IFNAME, peer);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (peer_mac)
		nl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *nl_msg_link_del(void *buf, uint32_t ifindex, const char *name)
{
	struct nlmsghdr *nlh = msg_new(buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)ifindex;
	if (!ifindex && name)
		put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

struct nlmsghdr *nl_msg_link_get(void *buf, const char *name)
{
	struct nlmsghdr *nlh = msg_new(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	/* a single get answers with the link and, asked for, an ACK to end on */
	if (name)
		put_strz(nlh, IFLA_IFNAME, name);
	nlh->nlmsg_flags |= name ? NLM_F_ACK : NLM_F_DUMP;
	return nlh;
}

struct nlmsghdr *nl_msg_link_up(void *buf, uint32_t ifindex)
{
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)ifindex;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	return nlh;
}

struct nlmsghdr *nl_msg_addr(void *buf, bool add, uint32_t ifindex, const struct nl_addr *a)
{
	struct nlmsghdr *nlh = msg_new(buf, add ? RTM_NEWADDR : RTM_DELADDR,
				       NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0));
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = a->family == AF_INET ? 4 : 16;
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_index = ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	/* No duplicate address detection: IPAM already made the address unique. */
	if (a->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	nl_attr_put(nlh, IFA_LOCAL, len, a->b);
	nl_attr_put(nlh, IFA_ADDRESS, len, a->b);
	return nlh;
}

struct nlmsghdr *nl_msg_default_route(void *buf, uint32_t ifindex, const struct nl_addr *gw)
{
	struct nlmsghdr *nlh = msg_new(buf, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)gw->family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	nl_attr_put(nlh, RTA_GATEWAY, gw->family == AF_INET ? 4 : 16, gw->b);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nlh;
}

/* ---- operations ---- */

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_OK;
		break;
	case IFLA_MASTER:
	case IFLA_MTU:
	case IFLA_LINK_NETNSID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_OK;
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_OK;
		break;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

struct link_list {
	struct nl_link *v;
	size_t n;
	bool one; /* nl_link_index: keep only the first */
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_list *l = data;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nl_link k = { .ifindex = (uint32_t)ifm->ifi_index, .link_netnsid = -1, .up = ifm->ifi_flags & IFF_UP };

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb) < 0)
		return MNL_CB_OK;
	if (tb[IFLA_IFNAME])
		snprintf(k.name, sizeof(k.name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER])
		k.master = mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_MTU])
		k.mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_LINK_NETNSID])
		k.link_netnsid = (int)mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1] = { 0 };
		if (mnl_attr_parse_nested(tb[IFLA_LINKINFO], info_attr_cb, info) >= 0 && info[IFLA_INFO_KIND])
			snprintf(k.kind, sizeof(k.kind), "%s", mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
	if (l->one && l->n > 0)
		return MNL_CB_OK;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = k;
	return MNL_CB_OK;
}

int nl_link_index(struct nl *nl, const char *name, uint32_t *ret, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct link_list l = { .one = true };
	int r = nl_talk(nl, nl_msg_link_get(buf, name), link_cb, &l, e);
	if (r == 0 && l.n == 0)
		r = err_set(e, ENODEV, "link %s", name);
	if (r == 0)
		*ret = l.v[0].ifindex;
	free(l.v);
	return r;
}

int nl_link_dump(struct nl *nl, struct nl_link **ret, size_t *ret_n, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct link_list l = { 0 };
	int r;
	do {
		l.n = 0;
		r = nl_talk(nl, nl_msg_link_get(buf, NULL), link_cb, &l, e);
	} while (r == -EINTR); /* NLM_F_DUMP_INTR: the table changed under the dump */
	if (r < 0) {
		free(l.v);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

int nl_link_del(struct nl *nl, uint32_t ifindex, const char *name, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = nl_talk(nl, nl_msg_link_del(buf, ifindex, name), NULL, NULL, e);
	return r < 0 ? err_wrap(e, "delete link %s", name ? name : "?") : 0;
}

int nl_bridge_add(struct nl *nl, const char *name, uint32_t mtu, const uint8_t mac[6], uint32_t *ret_ifindex,
		  struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = nl_talk(nl, nl_msg_bridge_new(buf, name, mtu, mac), NULL, NULL, e);
	if (r < 0)
		return err_wrap(e, "create bridge %s", name);
	r = nl_link_index(nl, name, ret_ifindex, e);
	return r < 0 ? err_wrap(e, "create bridge %s", name) : 0;
}

int nl_addr_add(struct nl *nl, uint32_t ifindex, const struct nl_addr *a, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], s[64];
	int r = nl_talk(nl, nl_msg_addr(buf, true, ifindex, a), NULL, NULL, e);
	return r < 0 ? err_wrap(e, "add address %s", nl_addr_fmt(a, true, s, sizeof(s))) : 0;
}

int nl_link_set_up(struct nl *nl, uint32_t ifindex, const char *name, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = nl_talk(nl, nl_msg_link_up(buf, ifindex), NULL, NULL, e);
	return r < 0 ? err_wrap(e, "set %s up", name) : 0;
}

int nl_link_set_master(struct nl *nl, uint32_t ifindex, uint32_t master, const char *name, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg_link_up(buf, ifindex);
	mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	int r = nl_talk(nl, nlh, NULL, NULL, e);
	return r < 0 ? err_wrap(e, "attach %s to its bridge", name) : 0;
}

int nl_default_route_add(struct nl *nl, uint32_t ifindex, const struct nl_addr *gw, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], s[64];
	int r = nl_talk(nl, nl_msg_default_route(buf, ifindex, gw), NULL, NULL, e);
	if (r == -EEXIST) {
		err_clear(e);
		return r;
	}
	return r < 0 ? err_wrap(e, "add default route via %s", nl_addr_fmt(gw, false, s, sizeof(s))) : 0;
}

struct prefix_list {
	struct nl_addr *v;
	size_t n;
};

static void prefix_push(struct prefix_list *l, int family, const void *addr, uint8_t prefix)
{
	struct nl_addr a = { .family = family, .prefix = prefix };
	memcpy(a.b, addr, family == AF_INET ? 4 : 16);
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = a;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;

	if (nlh->nlmsg_type != RTM_NEWADDR || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(attr) == IFA_ADDRESS && mnl_attr_get_payload_len(attr) == len) {
			prefix_push(data, ifa->ifa_family, mnl_attr_get_payload(attr), ifa->ifa_prefixlen);
			break;
		}
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t len = rtm->rtm_family == AF_INET ? 4 : 16;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_dst_len == 0 || rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm))
	{
		if (mnl_attr_get_type(attr) == RTA_DST && mnl_attr_get_payload_len(attr) == len) {
			prefix_push(data, rtm->rtm_family, mnl_attr_get_payload(attr), rtm->rtm_dst_len);
			break;
		}
	}
	return MNL_CB_OK;
}

int nl_prefix_dump(struct nl *nl, struct nl_addr **ret, size_t *ret_n, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct prefix_list l = { 0 };
	struct nlmsghdr *nlh;
	int r;

	nlh = msg_new(buf, RTM_GETADDR, NLM_F_DUMP);
	((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg)))->ifa_family = AF_UNSPEC;
	r = nl_talk(nl, nlh, addr_cb, &l, e);
	if (r == 0) {
		nlh = msg_new(buf, RTM_GETROUTE, NLM_F_DUMP);
		((struct rtmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg)))->rtm_family = AF_UNSPEC;
		r = nl_talk(nl, nlh, route_cb, &l, e);
	}
	if (r < 0) {
		free(l.v);
		return err_wrap(e, "list host addresses and routes");
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

int nl_sysctl_write(const char *path, const char *value, struct err *e)
{
	_cleanup_free_ char *p = xasprintf("/proc/sys/%s", path);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);
	if (fd < 0 || write(fd, value, len) != (ssize_t)len)
		return err_set(e, errno ? errno : EIO, "write sysctl %s", path);
	return 0;
}

int nl_sysctl_read(const char *path, char *buf, size_t len)
{
	_cleanup_free_ char *p = xasprintf("/proc/sys/%s", path);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

const char *nl_addr_fmt(const struct nl_addr *a, bool with_prefix, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];
	if (!inet_ntop(a->family, a->b, s, sizeof(s)))
		snprintf(s, sizeof(s), "?");
	if (with_prefix)
		snprintf(buf, len, "%s/%u", s, a->prefix);
	else
		snprintf(buf, len, "%s", s);
	return buf;
}
