/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * link.create: a veth pair between two network namespaces (a lab's link), or
 * between a namespace and a host bridge (a lab's bridge node). The pair is
 * made by one RTM_NEWLINK sent inside a's namespace whose peer is born in b's
 * namespace (or on the host, enslaved to the bridge): no end ever appears
 * on the host under a temporary name, and nothing is moved afterwards.
 * The links vanish with the namespaces; netd keeps no state about them.
 */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>
#include <sys/statfs.h>
#include "daemon.h"
#include "jsonu.h"

static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return false;
	return true;
}

static int mac_read(const char *s, uint8_t mac[6], struct err *e)
{
	unsigned v[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6 ||
	    strlen(s) != 17)
		return err_setx(e, EINVAL, "invalid MAC address \"%.32s\"", s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)
		return err_setx(e, EINVAL, "MAC address %s is a multicast address", s);
	return 0;
}

static int end_parse(json_object *req, const char *key, bool may_bridge, struct link_end *ret, struct err *e)
{
	static const char *const keys[] = { "netns", "bridge", "ifname", "mac", NULL };
	json_object *o;
	const char *mac = NULL;
	int r;

	if (!json_object_object_get_ex(req, key, &o) || !json_object_is_type(o, json_type_object))
		return err_setx(e, EINVAL, "\"%s\" must be an object", key);
	if ((r = ju_only(o, keys, key, e)) < 0 || (r = ju_str(o, "netns", false, &ret->netns, e)) < 0 ||
	    (r = ju_str(o, "bridge", false, &ret->bridge, e)) < 0 ||
	    (r = ju_str(o, "ifname", true, &ret->ifname, e)) < 0 || (r = ju_str(o, "mac", false, &mac, e)) < 0)
		return err_wrap(e, "%s", key);
	if (!ifname_valid(ret->ifname))
		return err_setx(e, EINVAL, "%s: invalid interface name \"%.32s\"", key, ret->ifname);
	if (ret->bridge && (!may_bridge || ret->netns))
		return err_setx(e, EINVAL, "%s: only b may name a bridge, and then no netns", key);
	if (ret->bridge && !ifname_valid(ret->bridge))
		return err_setx(e, EINVAL, "%s: invalid bridge name \"%.32s\"", key, ret->bridge);
	if (!ret->bridge && (!ret->netns || ret->netns[0] != '/' || strlen(ret->netns) >= PATH_MAX))
		return err_setx(e, EINVAL, "%s: netns must be an absolute path", key);
	if (mac && (r = mac_read(mac, ret->mac, e)) < 0)
		return err_wrap(e, "%s", key);
	ret->has_mac = mac;
	return 0;
}

int link_parse(json_object *req, struct link_req *ret, struct err *e)
{
	static const char *const keys[] = { "version", "op", "a", "b", "mtu", NULL };
	int r;

	*ret = (struct link_req){ 0 };
	if ((r = ju_only(req, keys, "link.create", e)) < 0 || (r = end_parse(req, "a", false, &ret->a, e)) < 0 ||
	    (r = end_parse(req, "b", true, &ret->b, e)) < 0 || (r = ju_u32(req, "mtu", &ret->mtu, e)) < 0)
		return r;
	if (ret->mtu && (ret->mtu < 68 || ret->mtu > 65535))
		return err_setx(e, EINVAL, "mtu %u out of range (68-65535)", ret->mtu);
	if (ret->b.netns && strcmp(ret->a.netns, ret->b.netns) == 0 && strcmp(ret->a.ifname, ret->b.ifname) == 0)
		return err_setx(e, EINVAL, "both ends are %s in the same namespace", ret->a.ifname);
	return 0;
}

static int netns_open(const char *path, struct err *e)
{
	struct statfs fs;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open network namespace %s", path);
	if (fstatfs(fd, &fs) < 0 || fs.f_type != NSFS_MAGIC) {
		close(fd);
		return err_setx(e, EINVAL, "%s is not a network namespace", path);
	}
	return fd;
}

/* Bring ifname up inside the namespace nsfd. */
static int up_inside(int nsfd, const char *ifname, struct err *e)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	uint32_t idx;
	int r = nl_open_netns(nsfd, &nl, e);
	if (r < 0)
		return r;
	if ((r = nl_link_index(nl, ifname, &idx, e)) < 0)
		return r;
	return nl_link_set_up(nl, idx, ifname, e);
}

/* The pair: `first` created by nl (up), `second` born in nsfd_second (down,
 * set up afterwards). master: a bridge ifindex for `first`, or 0. */
static int veth_pair(struct nl *nl, const struct link_end *first, const struct link_end *second, int nsfd_second,
		     uint32_t mtu, uint32_t master, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg_veth_new(buf, first->ifname, second->ifname, nsfd_second, mtu,
					       second->has_mac ? second->mac : NULL, master);
	if (first->has_mac)
		nl_attr_put(nlh, IFLA_ADDRESS, 6, first->mac); /* the first end's own address */
	int r = nl_talk(nl, nlh, NULL, NULL, e);
	if (r < 0)
		return err_wrap(e, "create veth %s <-> %s", first->ifname, second->ifname);
	r = up_inside(nsfd_second, second->ifname, e);
	if (r < 0) {
		uint32_t idx;
		if (nl_link_index(nl, first->ifname, &idx, NULL) == 0)
			UNDO(nl_link_del(nl, idx, first->ifname, NULL)); /* takes the peer with it */
	}
	return r;
}

static int link_create_bridge(struct netd *d, const struct link_req *l, int nsfd_a, struct err *e)
{
	uint32_t master;
	struct nl_link *links = NULL;
	size_t n = 0;
	bool is_bridge = false;
	int r = nl_link_index(d->nl, l->b.bridge, &master, e);
	if (r == -ENODEV)
		return err_setx(e, ENODEV, "bridge %s does not exist on the host", l->b.bridge);
	if (r < 0)
		return r;
	if ((r = nl_link_dump(d->nl, &links, &n, e)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (links[i].ifindex == master)
			is_bridge = strcmp(links[i].kind, "bridge") == 0;
	free(links);
	if (!is_bridge)
		return err_setx(e, EINVAL, "%s is not a bridge", l->b.bridge);
	/* the host end is made (up, enslaved) by netd; a's end is born inside */
	return veth_pair(d->nl, &l->b, &l->a, nsfd_a, l->mtu, master, e);
}

int netd_link_create(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	struct link_req l;
	_cleanup_close_ int nsa = -1, nsb = -1;
	int r = link_parse(req, &l, e);

	(void)reply;
	if (r < 0)
		return r;
	if ((nsa = netns_open(l.a.netns, e)) < 0)
		return nsa;
	if (l.b.bridge)
		return link_create_bridge(d, &l, nsa, e);
	if ((nsb = netns_open(l.b.netns, e)) < 0)
		return nsb;
	_cleanup_(nl_closep) struct nl *nl = NULL;
	if ((r = nl_open_netns(nsa, &nl, e)) < 0)
		return r;
	return veth_pair(nl, &l.a, &l.b, nsb, l.mtu, 0, e);
}
