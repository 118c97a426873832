/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "check" op (`pontoon system check`): where netd's state and the kernel
 * disagree, and with repair, making them agree again.
 *
 *   orphan-veth      a pnv* veth no endpoint owns          -> deleted
 *   orphan-bridge    a pontoon bridge no network owns      -> deleted
 *   missing-bridge   a network whose bridge is gone        -> made again
 *   lost-endpoint    an endpoint whose host link is gone   -> released (and its addresses)
 *   leaked-address   allocated, but no endpoint holds it   -> released
 *   firewall         table inet pontoon missing, or its bridges set differs -> table re-applied
 */
#include <net/if.h>
#include <poll.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <libnftnl/common.h>
#include "daemon.h"
#include "fw.h"
#include "jsonu.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

struct report {
	json_object *arr;
	bool repair;
	size_t n;
};

static void found(struct report *rp, const char *kind, const char *object, int repair_r, const char *fmt, ...)
	_printf_(5, 6);
static void found(struct report *rp, const char *kind, const char *object, int repair_r, const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ju_add_str(o, "kind", kind);
	ju_add_str(o, "object", object);
	ju_add_str(o, "problem", msg);
	json_object_object_add(o, "repaired", json_object_new_boolean(rp->repair && repair_r >= 0));
	json_object_array_add(rp->arr, o);
	rp->n++;
	log_info("check: %s %s: %s%s", kind, object, msg, rp->repair ? (repair_r >= 0 ? " (repaired)" : " (repair failed)") : "");
}

static bool owned_veth(struct netd *d, const char *name)
{
	for (size_t k = 0; k < d->nnets; k++)
		for (size_t j = 0; j < d->nets[k]->neps; j++)
			if (strcmp(d->nets[k]->eps[j]->hostif, name) == 0)
				return true;
	return false;
}

static bool owned_bridge(struct netd *d, const char *name)
{
	for (size_t k = 0; k < d->nnets; k++)
		if (strcmp(d->nets[k]->bridge, name) == 0)
			return true;
	return false;
}

static bool link_present(const struct nl_link *links, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(links[i].name, name) == 0)
			return true;
	return false;
}

static void check_links(struct netd *d, struct report *rp, const struct nl_link *links, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct nl_link *l = &links[i];
		bool veth = strcmp(l->kind, "veth") == 0 && strncmp(l->name, "pnv", 3) == 0;
		bool bridge = strcmp(l->kind, "bridge") == 0 &&
			      (strncmp(l->name, "pn-", 3) == 0 || strcmp(l->name, NETD_DEFAULT_BRIDGE) == 0);
		if ((veth && !owned_veth(d, l->name)) || (bridge && !owned_bridge(d, l->name)))
			found(rp, veth ? "orphan-veth" : "orphan-bridge", l->name,
			      rp->repair ? nl_link_del(d->nl, l->ifindex, l->name, NULL) : 0,
			      veth ? "no endpoint owns this veth" : "no network owns this bridge");
	}
	for (size_t k = 0; k < d->nnets; k++) {
		struct network *net = d->nets[k];
		if (net->creating || link_present(links, n, net->bridge))
			continue;
		struct err e2 = { 0 };
		int r = rp->repair ? netd_net_kernel_up(d, net, true, &e2) : 0;
		found(rp, "missing-bridge", net->bridge, r, "the bridge of network %s is gone", net->name);
	}
}

static void check_endpoints(struct netd *d, struct report *rp, const struct nl_link *links, size_t n)
{
	for (size_t k = 0; k < d->nnets; k++) {
		struct network *net = d->nets[k];
		for (size_t j = net->neps; j-- > 0;) {
			struct endpoint *ep = net->eps[j];
			char hostif[IFNAMSIZ], msg[300];
			if (link_present(links, n, ep->hostif))
				continue;
			snprintf(hostif, sizeof(hostif), "%s", ep->hostif);
			snprintf(msg, sizeof(msg), "endpoint of container %s on network %s: its link is gone", ep->name,
				 net->name);
			/* releasing frees ep (journal, addresses, its watch) */
			found(rp, "lost-endpoint", hostif, rp->repair ? netd_ep_release(d, net, j, NULL) : 0, "%s", msg);
		}
	}
}

static bool held(const struct network *net, const struct ipam_addr *a)
{
	if (net->has_host_ip && ipam_addr_equal(&net->host_ip, a))
		return true;
	for (size_t j = 0; j < net->neps; j++) {
		const struct endpoint *ep = net->eps[j];
		if ((ep->has4 && ipam_addr_equal(&ep->ip4, a)) || (ep->has6 && ipam_addr_equal(&ep->ip6, a)))
			return true;
	}
	return false;
}

static void check_addresses(struct netd *d, struct report *rp)
{
	for (size_t k = 0; k < d->nnets; k++) {
		struct network *net = d->nets[k];
		struct ipam_subnet *subs[2] = { net->sub4, net->sub6 };
		for (int f = 0; f < 2; f++) {
			struct ipam_addr a, prev;
			bool first = true;
			while (subs[f] && ipam_subnet_next_allocated(subs[f], first ? NULL : &prev, &a) == 0) {
				first = false;
				prev = a;
				if (held(net, &a))
					continue;
				char s[IPAM_ADDR_STRLEN];
				ipam_addr_format(&a, s, sizeof(s));
				found(rp, "leaked-address", s, rp->repair ? ipam_subnet_release(subs[f], &a, NULL) : 0,
				      "allocated on network %s, but no endpoint holds it", net->name);
			}
		}
	}
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	return nftnl_set_elems_nlmsg_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* The names in set "bridges" of our table; -ENOENT when the table or set is missing. */
static int bridges_set(char ***ret)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t seq = 1, portid;
	int r = -ENOMEM;

	if (!nl || !s || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "bridges");
	memset(buf, 0, sizeof(buf)); /* libmnl leaves the request's padding as it is, and it is sent */
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP | NLM_F_ACK, seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			r = -errno;
			goto out;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, portid, elems_cb, s);
		if (r < 0) {
			r = -errno;
			goto out;
		}
		if (r == MNL_CB_STOP)
			break;
	}
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	for (struct nftnl_set_elem *el = it ? nftnl_set_elems_iter_next(it) : NULL; el; el = nftnl_set_elems_iter_next(it)) {
		uint32_t len = 0;
		const char *key = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &len);
		if (key && len > 0) {
			_cleanup_free_ char *k = xstrndup(key, len < IFNAMSIZ ? len : IFNAMSIZ);
			strv_push(ret, k);
		}
	}
	nftnl_set_elems_iter_destroy(it);
	r = 0;
out:
	if (s)
		nftnl_set_free(s);
	if (nl)
		mnl_socket_close(nl);
	return r;
}

static void check_firewall(struct netd *d, struct report *rp)
{
	_cleanup_strv_ char **have = NULL;
	struct err e2 = { 0 };
	const char *problem = NULL, *object = "table inet " FW_TABLE;
	char what[64];
	int r = bridges_set(&have);

	if (r < 0) {
		problem = r == -ENOENT ? "missing" : "cannot be read";
	} else {
		for (size_t k = 0; k < d->nnets && !problem; k++)
			if (!d->nets[k]->creating && !strv_contains(have, d->nets[k]->bridge)) {
				snprintf(what, sizeof(what), "set bridges lacks %s", d->nets[k]->bridge);
				problem = what;
			}
		for (size_t i = 0; have && have[i] && !problem; i++)
			if (!owned_bridge(d, have[i])) {
				snprintf(what, sizeof(what), "set bridges holds %.16s, which no network owns", have[i]);
				problem = what;
			}
	}
	if (problem)
		found(rp, "firewall", object, rp->repair ? netd_fw_sync(d, &e2) : 0, "%s", problem);
}

/* Containers that ended a moment ago: their pidfd is readable, but the main
 * loop has not yet released their endpoints (the check request came first in
 * the same batch). Not a disagreement: release them now, as the watch would,
 * instead of reporting their links gone. */
static void settle_watches(struct netd *d)
{
	for (size_t k = 0; k < d->nnets; k++) {
		struct network *net = d->nets[k];
		for (size_t j = net->neps; j-- > 0;) {
			if (j >= net->neps) /* a release shifted the array */
				continue;
			struct pollfd p = { .fd = net->eps[j]->pidfd, .events = POLLIN };
			if (p.fd > 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
				netd_watch_fired(d, p.fd);
		}
	}
}

int netd_check(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	static const char *const keys[] = { "version", "op", "repair", NULL };
	_cleanup_free_ struct nl_link *links = NULL;
	struct report rp = { .arr = json_object_new_array() };
	size_t n;
	int r;

	if ((r = ju_only(req, keys, "check", e)) < 0 || (r = ju_bool(req, "repair", &rp.repair, e)) < 0) {
		json_object_put(rp.arr);
		return r;
	}
	settle_watches(d);
	deleter_wait(d->del, NULL); /* veths being deleted are not orphans */
	if ((r = nl_link_dump(d->nl, &links, &n, e)) < 0) {
		json_object_put(rp.arr);
		return r;
	}
	check_endpoints(d, &rp, links, n);
	check_links(d, &rp, links, n);
	check_addresses(d, &rp);
	check_firewall(d, &rp);
	json_object_object_add(reply, "findings", rp.arr);
	return 0;
}

#ifdef PONTOON_FAULT_INJECTION
int netd_debug_leak(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	const char *name = NULL;
	struct ipam_addr a;
	char s[IPAM_ADDR_STRLEN];
	int r = ju_str(req, "network", true, &name, e);
	if (r < 0)
		return r;
	struct network *n = netd_find(d, name);
	if (!n || !n->sub4)
		return err_setx(e, ENOENT, "network %s with IPv4 not found", name);
	r = ipam_subnet_alloc(n->sub4, &a, e);
	if (r < 0)
		return r;
	ju_add_str(reply, "ip", ipam_addr_format(&a, s, sizeof(s)));
	return 0;
}
#endif
