/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The embedded DNS inside netd: the dns/ library's store and server, fed
 * from netd's networks and endpoints. Records change in memory before an
 * attach or detach replies, so the next query sees them; listeners are added
 * when a network is created (or loaded at start) and removed with it, never
 * re-bound on a record change.
 *
 * The server answers on a thread of its own, so a slow API client (netd
 * serves one request at a time) never delays an answer; every store change
 * here is made under dns_server_lock, all of one attach or detach at once.
 */
#include <ctype.h>
#include "daemon.h"
#include "dns.h"

#define DNS_PORT 53

static void dns_lock(struct netd *d)
{
	dns_server_lock(d->dnssrv);
}

static void dns_unlock(struct netd *d)
{
	dns_server_unlock(d->dnssrv);
}

static bool is_default(const struct network *n)
{
	return strcmp(n->name, NETD_DEFAULT_NET) == 0;
}

/* The store needs at least 12 hex digits (its short id resolves). */
static bool hex_id(const char *id)
{
	size_t n = strlen(id);
	if (n < SHORT_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)id[i]))
			return false;
	return true;
}

/* The network's gateway addresses, v4 first. */
static size_t gateways(const struct network *n, struct dns_addr out[2])
{
	const struct ipam_subnet *subs[] = { n->sub4, n->sub6 };
	size_t k = 0;
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		const struct ipam_addr *g;
		if (!subs[i])
			continue;
		g = ipam_subnet_gateway(subs[i]);
		out[k] = (struct dns_addr){ .family = g->family };
		memcpy(g->family == AF_INET ? (void *)&out[k].v4 : (void *)&out[k].v6, g->b,
		       g->family == AF_INET ? 4 : 16);
		k++;
	}
	return k;
}

static int listen_gateways(struct netd *d, struct network *n, struct err *e)
{
	struct dns_addr gw[2];
	size_t k = gateways(n, gw);
	for (size_t i = 0; i < k; i++) {
		int r = dns_server_listen(d->dnssrv, &gw[i], DNS_PORT, NULL, e);
		if (r < 0) {
			while (i-- > 0)
				UNDO(dns_server_unlisten(d->dnssrv, &gw[i], DNS_PORT, NULL));
			return r;
		}
	}
	return 0;
}

int netd_dns_net_add(struct netd *d, struct network *n, struct err *e)
{
	struct dns_network_opts o = { .internal = n->internal, .ipv6 = n->sub6, .forward_only = is_default(n) };
	int r;

	if (!d->dns)
		return 0;
	/* its listeners answer its own containers only, not those of another
	 * network that route a query to this gateway through the host */
	o.n_listen = gateways(n, o.listen);
	dns_lock(d);
	r = dns_store_network_add(d->dns, n->name, &o, e);
	dns_unlock(d);
	if (r < 0)
		return err_wrap(e, "network %s: embedded DNS", n->name);
	r = listen_gateways(d, n, e);
	if (r < 0 && is_default(n)) {
		/* the default network works without its forwarder */
		log_err(e, "network %s: its DNS forwarder cannot listen on the gateway", n->name);
		err_clear(e);
		return 0;
	}
	if (r < 0) {
		dns_lock(d);
		UNDO(dns_store_network_remove(d->dns, n->name, NULL));
		dns_unlock(d);
		return err_wrap(e, "network %s: embedded DNS cannot listen on its gateway, port %d", n->name, DNS_PORT);
	}
	return 0;
}

void netd_dns_net_remove(struct netd *d, struct network *n)
{
	struct dns_addr gw[2];
	size_t k;
	if (!d->dns)
		return;
	k = gateways(n, gw);
	for (size_t i = 0; i < k; i++)
		(void)!dns_server_unlisten(d->dnssrv, &gw[i], DNS_PORT, NULL); /* absent when listen failed */
	dns_lock(d);
	(void)!dns_store_network_remove(d->dns, n->name, NULL);
	dns_unlock(d);
}

static void ep_addrs(const struct endpoint *ep, struct dns_addr out[2], size_t *ret_n)
{
	const struct ipam_addr *a[] = { ep->has4 ? &ep->ip4 : NULL, ep->has6 ? &ep->ip6 : NULL };
	size_t k = 0;
	for (size_t i = 0; i < ARRAY_SIZE(a); i++) {
		if (!a[i])
			continue;
		out[k] = (struct dns_addr){ .family = a[i]->family };
		memcpy(a[i]->family == AF_INET ? (void *)&out[k].v4 : (void *)&out[k].v6, a[i]->b,
		       a[i]->family == AF_INET ? 4 : 16);
		k++;
	}
	*ret_n = k;
}

static int set_upstreams(struct netd *d, const struct endpoint *ep, struct err *e)
{
	struct dns_upstream ups[DNS_RESOLV_MAX_NS];
	size_t n = 0;
	for (size_t i = 0; ep->dns && ep->dns[i] && n < ARRAY_SIZE(ups); i++) {
		if (dns_upstream_parse(ep->dns[i], DNS_PORT, &ups[n]) < 0)
			return err_setx(e, EINVAL, "invalid dns server %s", ep->dns[i]);
		n++;
	}
	return dns_store_container_upstreams(d->dns, ep->container, ups, n, e);
}

/* The links whose names can be DNS names (the others are left out, as
 * aliases are: they could never be asked for). */
static int set_links(struct netd *d, struct network *n, const struct endpoint *ep, struct err *e)
{
	_cleanup_strv_ char **v = NULL;
	for (size_t i = 0; ep->links[i]; i++) {
		const char *colon = strchr(ep->links[i], ':');
		_cleanup_free_ char *target = colon ? xstrndup(ep->links[i], (size_t)(colon - ep->links[i])) : NULL;
		if (colon && dns_name_is_valid(target) && dns_name_is_valid(colon + 1))
			strv_push(&v, ep->links[i]);
	}
	return dns_store_endpoint_links(d->dns, n->name, ep->container, v, e);
}

static const char *dns_ok(const char *name)
{
	return name && dns_name_is_valid(name) ? name : NULL;
}

int netd_dns_ep_add(struct netd *d, struct network *n, struct endpoint *ep, struct err *e)
{
	_cleanup_strv_ char **aliases = NULL;
	struct dns_addr addrs[2];
	size_t na;
	int r;

	if (!d->dns || !hex_id(ep->container))
		return 0;
	ep_addrs(ep, addrs, &na);
	/* names that cannot be DNS names ("a..b") are left out, not refused:
	 * the container still runs, by its other names */
	for (size_t i = 0; ep->aliases && ep->aliases[i]; i++)
		if (dns_name_is_valid(ep->aliases[i]))
			strv_push(&aliases, ep->aliases[i]);
	dns_lock(d); /* the names and the --dns servers at once */
	r = dns_store_endpoint_add(d->dns, n->name, ep->container, dns_ok(ep->name), dns_ok(ep->hostname), aliases,
				   addrs, na, e);
	if (r == 0 && ep->links) {
		r = set_links(d, n, ep, e);
		if (r < 0)
			UNDO(dns_store_endpoint_remove(d->dns, n->name, ep->container, NULL));
	}
	if (r == 0 && ep->dns) {
		r = set_upstreams(d, ep, e);
		if (r < 0)
			UNDO(dns_store_endpoint_remove(d->dns, n->name, ep->container, NULL));
	}
	dns_unlock(d);
	if (r == -ENOENT) {
		/* its DNS could not be set up at netd's start (logged then) */
		log_warn("network %s has no embedded DNS: %s is not registered", n->name, ep->name);
		err_clear(e);
		return 0;
	}
	return r < 0 ? err_wrap(e, "register %s in the embedded DNS", ep->name) : 0;
}

void netd_dns_ep_remove(struct netd *d, struct network *n, struct endpoint *ep)
{
	if (!d->dns || !hex_id(ep->container))
		return;
	dns_lock(d);
	(void)!dns_store_endpoint_remove(d->dns, n->name, ep->container, NULL);
	dns_unlock(d);
}

void netd_dns_stop(struct netd *d)
{
	dns_server_free(d->dnssrv);
	dns_store_free(d->dns);
	d->dnssrv = NULL;
	d->dns = NULL;
}

/* At start, after reconciliation: every network and endpoint the state
 * holds. A network or endpoint that cannot be registered is logged and kept
 * (its names do not resolve); netd serves the rest. */
int netd_dns_start(struct netd *d, struct err *e)
{
	struct dns_server_config cfg = { 0 };
	int r;

	if ((r = dns_store_new(&d->dns)) < 0)
		return err_set(e, -r, "dns store");
	r = dns_server_new(d->dns, &cfg, &d->dnssrv, e);
	if (r < 0) {
		netd_dns_stop(d);
		return err_wrap(e, "start the embedded DNS");
	}
	for (size_t i = 0; i < d->nnets; i++) {
		struct network *n = d->nets[i];
		struct err e2 = { 0 };
		if (netd_dns_net_add(d, n, &e2) < 0) {
			log_err(&e2, "reconcile");
			continue;
		}
		for (size_t k = 0; k < n->neps; k++)
			if (netd_dns_ep_add(d, n, n->eps[k], &e2) < 0)
				log_err(&e2, "reconcile");
	}
	r = dns_server_start(d->dnssrv, e);
	if (r < 0) {
		netd_dns_stop(d);
		return err_wrap(e, "start the embedded DNS");
	}
	return 0;
}
