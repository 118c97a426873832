/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Endpoints: attach a network namespace to a network, and detach it. */
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include "daemon.h"
#include "jsonu.h"

/* eth0, eth1, ...: the lowest index no endpoint in that namespace uses. */
static void pick_ifname(struct netd *d, const char *netns, char ret[IFNAMSIZ])
{
	for (unsigned int i = 0;; i++) {
		bool used = false;
		snprintf(ret, IFNAMSIZ, "eth%u", i);
		for (size_t k = 0; k < d->nnets && !used; k++)
			for (size_t j = 0; j < d->nets[k]->neps && !used; j++)
				used = strcmp(d->nets[k]->eps[j]->netns, netns) == 0 &&
				       strcmp(d->nets[k]->eps[j]->ifname, ret) == 0;
		if (!used)
			return;
	}
}

static int open_netns(const char *path, struct err *e)
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

static int alloc_addrs(struct network *n, struct endpoint *ep, const struct attach_req *a, struct err *e)
{
	int r = 0;
	if (a->has_ip6 && (r = network_static_ok(n, AF_INET6, e)) < 0)
		return r;
	if (a->has_ip && (r = network_static_ok(n, AF_INET, e)) < 0)
		return r;
	if (a->has_ip) {
		r = ipam_subnet_reserve(n->sub4, &a->ip, e);
		ep->ip4 = a->ip;
	} else if (n->sub4) {
		r = ipam_subnet_alloc(n->sub4, &ep->ip4, e);
	}
	if (r < 0)
		return err_wrap(e, "network %s", n->name);
	ep->has4 = n->sub4;
	if (n->sub6) {
		if (a->has_ip6) {
			r = ipam_subnet_reserve(n->sub6, &a->ip6, e);
			ep->ip6 = a->ip6;
		} else {
			r = ipam_subnet_alloc(n->sub6, &ep->ip6, e);
		}
		if (r < 0) {
			if (ep->has4)
				UNDO(ipam_subnet_release(n->sub4, &ep->ip4, NULL));
			return err_wrap(e, "network %s", n->name);
		}
		ep->has6 = true;
	}
	return 0;
}

static void release_addrs(struct network *n, struct endpoint *ep)
{
	if (ep->has4)
		UNDO(ipam_subnet_release(n->sub4, &ep->ip4, NULL));
	if (ep->has6)
		UNDO(ipam_subnet_release(n->sub6, &ep->ip6, NULL));
}

/* Inside the namespace: addresses, link up, default route. IPv6 is turned
 * off on the link unless the network has it (multicast to every port of a
 * big bridge otherwise slows every attach). */
static int configure_inside(struct network *n, struct endpoint *ep, int nsfd, struct err *e)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	struct nl_addr a, gw;
	uint32_t idx;
	int self, r;

	r = nl_netns_enter(nsfd, &self, e);
	if (r < 0)
		return r;
	r = nl_open(&nl, e);
	if (r == 0 && !ep->has6) {
		_cleanup_free_ char *p = xasprintf("net/ipv6/conf/%s/disable_ipv6", ep->ifname);
		UNDO(nl_sysctl_write(p, "1", NULL)); /* absent when IPv6 is off: fine */
	}
	nl_netns_leave(self);
	if (r < 0)
		return r;
	if ((r = nl_link_index(nl, ep->ifname, &idx, e)) < 0)
		return r;
	if (ep->has4) {
		ipam_to_nl(&ep->ip4, ipam_subnet_prefix(n->sub4)->len, &a);
		if ((r = nl_addr_add(nl, idx, &a, e)) < 0)
			return r;
	}
	if (ep->has6) {
		ipam_to_nl(&ep->ip6, ipam_subnet_prefix(n->sub6)->len, &a);
		if ((r = nl_addr_add(nl, idx, &a, e)) < 0)
			return r;
	}
	if ((r = nl_link_set_up(nl, idx, ep->ifname, e)) < 0)
		return r;
	if (n->internal)
		return 0; /* no route out */
	struct ipam_subnet *subs[] = { ep->has4 ? n->sub4 : NULL, ep->has6 ? n->sub6 : NULL };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		if (!subs[i])
			continue;
		ipam_to_nl(ipam_subnet_gateway(subs[i]), 0, &gw);
		r = nl_default_route_add(nl, idx, &gw, e);
		if (r < 0 && r != -EEXIST) /* EEXIST: an earlier network gives the route */
			return r;
	}
	return 0;
}

static int attach_kernel(struct netd *d, struct network *n, struct endpoint *ep, int nsfd, struct err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = nl_talk(d->nl, nl_msg_veth_new(buf, ep->hostif, ep->ifname, nsfd, n->mtu, ep->mac, n->ifindex), NULL,
			NULL, e);
	if (r < 0)
		return err_wrap(e, "create veth %s (%s inside)", ep->hostif, ep->ifname);
	r = configure_inside(n, ep, nsfd, e);
	if (r < 0) {
		err_wrap(e, "configure %s inside %s", ep->ifname, ep->netns);
		UNDO(nl_link_del(d->nl, 0, ep->hostif, NULL));
	}
	return r;
}

static void endpoint_mac(struct endpoint *ep, const struct attach_req *a)
{
	if (a->has_mac) {
		memcpy(ep->mac, a->mac, 6);
	} else if (ep->has4) {
		/* as Docker: 02:42 and the IPv4 address, unique within the network */
		ep->mac[0] = 0x02;
		ep->mac[1] = 0x42;
		memcpy(ep->mac + 2, ep->ip4.b, 4);
	} else {
		ep->mac[0] = 0x02;
		for (int i = 1; i < 6; i++) {
			char h[3] = { ep->id[2 * i], ep->id[2 * i + 1], 0 };
			ep->mac[i] = (uint8_t)strtoul(h, NULL, 16);
		}
	}
}

static void reply_endpoint(const struct network *n, const struct endpoint *ep, json_object *reply)
{
	char a[IPAM_ADDR_STRLEN], m[18];
	const uint8_t *x = ep->mac;
	ju_add_str(reply, "endpoint", ep->id);
	ju_add_str(reply, "network", n->name);
	ju_add_str(reply, "network_id", n->id);
	ju_add_str(reply, "ifname", ep->ifname);
	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", x[0], x[1], x[2], x[3], x[4], x[5]);
	ju_add_str(reply, "mac", m);
	if (ep->has4) {
		ju_add_str(reply, "ip", ipam_addr_format(&ep->ip4, a, sizeof(a)));
		ju_add_str(reply, "gateway", ipam_addr_format(ipam_subnet_gateway(n->sub4), a, sizeof(a)));
		json_object_object_add(reply, "prefix", json_object_new_int((int)ipam_subnet_prefix(n->sub4)->len));
	}
	if (ep->has6) {
		ju_add_str(reply, "ip6", ipam_addr_format(&ep->ip6, a, sizeof(a)));
		ju_add_str(reply, "gateway6", ipam_addr_format(ipam_subnet_gateway(n->sub6), a, sizeof(a)));
		json_object_object_add(reply, "prefix6", json_object_new_int((int)ipam_subnet_prefix(n->sub6)->len));
	}
}

static int do_attach(struct netd *d, struct network *n, struct attach_req *a, json_object *reply, struct err *e)
{
	_cleanup_close_ int nsfd = -EBADF;
	struct endpoint *ep;
	int r;

	for (size_t i = 0; i < n->neps; i++) {
		if (strcmp(n->eps[i]->container, a->container) != 0)
			continue;
		/* an earlier run of the container whose end netd has not handled yet */
		if (a->pid > 0 && n->eps[i]->pid != a->pid) {
			log_info("releasing endpoint %s of %s on %s: the container runs again", n->eps[i]->hostif,
				 n->eps[i]->name, n->name);
			if ((r = netd_ep_release(d, n, i, e)) < 0)
				return r;
			break;
		}
		return err_setx(e, EEXIST, "container %s is already attached to network %s", a->name, n->name);
	}
	if ((r = netd_bridge_room(n, e)) < 0)
		return r;
	nsfd = open_netns(a->netns, e);
	if (nsfd < 0)
		return nsfd;
	ep = xcalloc(1, sizeof(*ep));
	if ((r = id_generate(ep->id)) < 0) {
		free(ep);
		return err_set(e, -r, "generate endpoint id");
	}
	snprintf(ep->hostif, sizeof(ep->hostif), "pnv%.8s", ep->id);
	ep->container = xstrdup(a->container);
	ep->name = xstrdup(a->name);
	ep->netns = xstrdup(a->netns);
	ep->aliases = TAKE_PTR(a->aliases);
	ep->links = TAKE_PTR(a->links);
	ep->dns = TAKE_PTR(a->dns);
	ep->hostname = a->hostname ? xstrdup(a->hostname) : NULL;
	ep->pid = a->pid;
	if (ep->pid > 0 && (ep->pid_start = netd_pid_start(ep->pid)) == 0) {
		endpoint_free(ep);
		return err_setx(e, ESRCH, "container %s: its process %d is gone", a->name, (int)a->pid);
	}
	pick_ifname(d, a->netns, ep->ifname);
	if ((r = alloc_addrs(n, ep, a, e)) < 0) {
		endpoint_free(ep);
		return r;
	}
	if ((r = netd_ports_prepare(d, n, ep, a, e)) < 0) {
		release_addrs(n, ep);
		endpoint_free(ep);
		return r;
	}
	endpoint_mac(ep, a);
	/* a link of this namespace still being deleted could hold the name */
	deleter_wait(d->del, a->netns);
	r = netd_dns_ep_add(d, n, ep, e); /* resolvable from the reply on */
	if (r == 0) {
		r = attach_kernel(d, n, ep, nsfd, e);
		if (r == 0 && (r = netd_ports_kernel(d, n, ep, true, e)) < 0)
			UNDO(nl_link_del(d->nl, 0, ep->hostif, NULL));
		if (r < 0)
			netd_dns_ep_remove(d, n, ep);
	}
	if (r == 0) {
		r = netd_ep_save(d, n, ep, e);
		if (r < 0) {
			UNDO(netd_ports_kernel(d, n, ep, false, NULL));
			UNDO(nl_link_del(d->nl, 0, ep->hostif, NULL));
			netd_dns_ep_remove(d, n, ep);
		}
	}
	if (r == 0) {
		n->eps = xrealloc(n->eps, (n->neps + 1) * sizeof(*n->eps));
		n->eps[n->neps++] = ep;
	}
	if (r < 0) {
		release_addrs(n, ep);
		endpoint_free(ep);
		return r;
	}
	if (ep->pid > 0 && (r = netd_watch_add(d, ep, e)) < 0) {
		/* it died while we attached it */
		UNDO(netd_ep_release(d, n, n->neps - 1, NULL));
		return r;
	}
	reply_endpoint(n, ep, reply);
	netd_ports_reply(ep, reply);
	return 0;
}

int netd_attach(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	struct attach_req a;
	struct network *n;
	int r = attach_parse(req, &a, e);
	if (r < 0)
		return r;
	n = netd_find(d, a.network);
	if (!n)
		r = err_setx(e, ENOENT, "network %s not found", a.network);
	else
		r = do_attach(d, n, &a, reply, e);
	attach_req_done(&a);
	return r;
}

/* The endpoint leaves the state (the journal) first; its veth goes in the background
 * (a synchronous delete waits ~20 ms for the kernel). A crash before the
 * deletion leaves a pnv* link the state does not know: reconciliation
 * deletes it at the next start. */
int netd_detach(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	struct detach_req q;
	struct network *n;
	struct endpoint *ep = NULL;
	size_t i;
	int r = detach_parse(req, &q, e);
	if (r < 0)
		return r;
	n = netd_find(d, q.network);
	if (!n)
		return err_setx(e, ENOENT, "network %s not found", q.network);
	for (i = 0; i < n->neps && !ep; i++)
		if (strcmp(n->eps[i]->container, q.container) == 0)
			ep = n->eps[i];
	if (!ep)
		return err_setx(e, ENOENT, "container %s is not attached to network %s", q.container, n->name);
	ju_add_str(reply, "endpoint", ep->id);
	return netd_ep_release(d, n, i - 1, e);
}

int netd_ep_release(struct netd *d, struct network *n, size_t i, struct err *e)
{
	struct endpoint *ep = n->eps[i];
	struct err pe = { 0 };
	int r;
	/* a failure leaves elements the full resync at the next start drops */
	if (netd_ports_kernel(d, n, ep, false, &pe) < 0)
		log_err(&pe, "release %s from %s", ep->name, n->name);
	r = netd_ep_unlink(d, n, ep, e);
	if (r < 0)
		return r;
	memmove(&n->eps[i], &n->eps[i + 1], (n->neps - i - 1) * sizeof(*n->eps));
	n->neps--;
	netd_dns_ep_remove(d, n, ep); /* NXDOMAIN from the reply on */
	release_addrs(n, ep);
	deleter_push(d->del, ep->hostif, ep->netns);
	endpoint_free(ep);
	return 0;
}
