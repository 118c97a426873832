/* SPDX-License-Identifier: GPL-2.0-or-later */
/* topology.links: the brief form (endpoints: ["a:eth1", "b:eth1"]) and the
 * extended form (type: veth, endpoints as {node, interface, mac}), then the
 * checks that need every node: endpoints name existing nodes, no interface is
 * used twice in one namespace, eth0 stays the management interface. */
#include "internal.h"

/* Endpoint node names containerlab reserves for special links pontoon cannot make yet. */
static const char *const special_nodes[] = {"host", "mgmt-net", "macvlan", NULL};

static int set_endpoint(struct parser *p, struct topo_endpoint *ep, const char *node, const char *ifname,
			const char *mac, struct topo_mark m)
{
	for (const char *const *s = special_nodes; *s; s++)
		if (!strcmp(node, *s))
			return perr(p, m, "link endpoint \"%s:%s\": %s links are not supported by pontoon", node,
				    ifname, node);
	if (!valid_ifname(ifname))
		return perr(p, m,
			    "link endpoint \"%s:%s\": \"%s\" is not a valid interface name (1-15 characters, no "
			    "'/', ':' or spaces)",
			    node, ifname, ifname);
	if (mac && !mac_parse(mac))
		return perr(p, m,
			    "link endpoint \"%s:%s\": mac \"%s\" is not a unicast MAC address "
			    "(xx:xx:xx:xx:xx:xx)",
			    node, ifname, mac);
	ep->node = xstrdup(node);
	ep->ifname = xstrdup(ifname);
	ep->mac = mac ? xstrdup(mac) : NULL;
	ep->mark = m;
	return 0;
}

static int parse_brief_endpoint(struct parser *p, const struct ynode *n, struct topo_endpoint *ep)
{
	const char *colon = strchr(n->str, ':');
	if (!colon || colon == n->str || !colon[1])
		return perr(p, n->mark, "link endpoint \"%s\" must be NODE:INTERFACE", n->str);
	_cleanup_free_ char *node = xstrndup(n->str, (size_t)(colon - n->str));
	return set_endpoint(p, ep, node, colon + 1, NULL, n->mark);
}

static const char *scalar_of(const struct ynode *n)
{
	return n && n->type == Y_SCALAR && !n->null ? n->str : NULL;
}

static int parse_extended_endpoint(struct parser *p, const struct ynode *n, struct topo_endpoint *ep)
{
	const struct ynode *node = ymap_get(n, "node"), *ifn = ymap_get(n, "interface"), *mac = ymap_get(n, "mac");
	for (size_t i = 0; i < n->n; i += 2) {
		const char *k = n->items[i]->str;
		const struct ynode *v = n->items[i + 1];
		if (strcmp(k, "node") && strcmp(k, "interface") && strcmp(k, "mac"))
			return perr(p, n->items[i]->mark, "link endpoint: unknown key \"%s\"", k);
		if (v->type != Y_SCALAR)
			return perr(p, v->mark, "link endpoint: \"%s\" must be a string, not a %s", k,
				    ynode_type_name(v));
	}
	if (!scalar_of(node) || !scalar_of(ifn))
		return perr(p, n->mark, "link endpoint needs \"node\" and \"interface\"");
	return set_endpoint(p, ep, node->str, ifn->str, scalar_of(mac), n->mark);
}

static int parse_link_keys(struct parser *p, const struct ynode *n, struct topo_link *l, const struct ynode **ret_eps)
{
	const struct ynode *type = ymap_get(n, "type");
	*ret_eps = NULL;
	if (type && (type->type != Y_SCALAR || strcmp(type->str, "veth")))
		return perr(p, type->mark, "link type \"%s\" is not supported by pontoon (only veth)",
			    type->type == Y_SCALAR ? type->str : ynode_type_name(type));
	for (size_t i = 0; i < n->n; i += 2) {
		const char *k = n->items[i]->str;
		const struct ynode *v = n->items[i + 1];
		uint64_t mtu;
		if (!strcmp(k, "type") || !strcmp(k, "vars")) {
			continue;
		} else if (!strcmp(k, "endpoints")) {
			*ret_eps = v;
		} else if (!strcmp(k, "mtu")) {
			if (v->type != Y_SCALAR || parse_uint(v->str, 68, 65535, &mtu) < 0)
				return perr(p, v->mark, "link mtu must be a number from 68 to 65535");
			l->mtu = (unsigned)mtu;
		} else if (!strcmp(k, "labels")) {
			if (v->type != Y_MAP)
				return perr(p, v->mark, "link labels must be a mapping");
			for (size_t j = 0; j < v->n; j += 2) {
				if (v->items[j + 1]->type != Y_SCALAR)
					return perr(p, v->items[j + 1]->mark, "link label values must be strings");
				l->labels = xrealloc(l->labels, (l->n_labels + 1) * sizeof(*l->labels));
				l->labels[l->n_labels].key = xstrdup(v->items[j]->str);
				l->labels[l->n_labels++].value = xstrdup(v->items[j + 1]->str);
			}
		} else {
			return perr(p, n->items[i]->mark, "link: unknown key \"%s\"", k);
		}
	}
	return 0;
}

static int parse_link(struct parser *p, const struct ynode *n, struct topo_link *l)
{
	const struct ynode *eps;
	int r;
	if (n->type != Y_MAP)
		return perr(p, n->mark, "a link must be a mapping with \"endpoints\", not a %s", ynode_type_name(n));
	l->mark = n->mark;
	r = parse_link_keys(p, n, l, &eps);
	if (r < 0)
		return r;
	if (!eps || eps->type != Y_SEQ || eps->n != 2)
		return perr(p, eps ? eps->mark : n->mark, "a link needs \"endpoints\": a list of exactly two");
	for (int i = 0; i < 2; i++) {
		const struct ynode *ep = eps->items[i];
		if (ep->type == Y_SCALAR && !ep->null)
			r = parse_brief_endpoint(p, ep, &l->ep[i]);
		else if (ep->type == Y_MAP)
			r = parse_extended_endpoint(p, ep, &l->ep[i]);
		else
			r = perr(p, ep->mark, "link endpoint must be \"NODE:INTERFACE\" or a mapping");
		if (r < 0)
			return r;
	}
	return 0;
}

int parse_links(struct parser *p, const struct ynode *links)
{
	struct topo *t = p->t;
	if (!links || (links->type == Y_SCALAR && links->null))
		return 0;
	if (links->type != Y_SEQ)
		return perr(p, links->mark, "topology.links must be a list, not a %s", ynode_type_name(links));
	t->links = xcalloc(links->n ? links->n : 1, sizeof(*t->links));
	for (size_t i = 0; i < links->n; i++) {
		int r = parse_link(p, links->items[i], &t->links[i]);
		t->n_links = i + 1; /* freed by topo_free even when half-filled */
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- checks over all links -------------------------------------------------------- */

struct use {
	size_t ns; /* a node's namespace; SIZE_MAX: the host (ends on bridge nodes) */
	const struct topo_endpoint *ep;
};

static int use_cmp(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	int r;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	r = strcmp(x->ep->ifname, y->ep->ifname);
	if (r)
		return r;
	if (x->ep->mark.line != y->ep->mark.line)
		return x->ep->mark.line < y->ep->mark.line ? -1 : 1;
	return x->ep->mark.col < y->ep->mark.col ? -1 : x->ep->mark.col > y->ep->mark.col;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp((*(struct topo_node *const *)a)->name, (*(struct topo_node *const *)b)->name);
}

static int check_endpoint(struct parser *p, struct topo_node **by_name, struct topo_endpoint *ep)
{
	struct topo *t = p->t;
	struct topo_node key = {.name = ep->node}, *kp = &key, **found;
	const struct topo_node *n;
	found = bsearch(&kp, by_name, t->n_nodes, sizeof(*by_name), name_cmp);
	n = found ? *found : NULL;
	if (!n)
		return perr(p, ep->mark, "link endpoint \"%s:%s\": no node \"%s\" in the topology", ep->node,
			    ep->ifname, ep->node);
	ep->node_index = (size_t)(n - t->nodes);
	if (n->kind == TOPO_KIND_BRIDGE)
		return 0;
	if (n->netmode == TOPO_NETMODE_HOST || n->netmode == TOPO_NETMODE_CONTAINER)
		return perr(p, ep->mark,
			    "link endpoint \"%s:%s\": node \"%s\" shares another network namespace "
			    "(network-mode %s) and cannot have links",
			    ep->node, ep->ifname, ep->node, n->netmode == TOPO_NETMODE_HOST ? "host" : "container");
	if (n->netmode == TOPO_NETMODE_DEFAULT && !strcmp(ep->ifname, "eth0"))
		return perr(p, ep->mark,
			    "link endpoint \"%s:eth0\": eth0 is node \"%s\"'s management interface; use eth1 and up",
			    ep->node, ep->node);
	return 0;
}

int check_links(struct parser *p)
{
	struct topo *t = p->t;
	size_t n = 2 * t->n_links;
	int r;
	if (n == 0)
		return 0;
	_cleanup_free_ struct use *uses = xmalloc(n * sizeof(*uses));
	_cleanup_free_ struct topo_node **by_name = xmalloc(t->n_nodes * sizeof(*by_name));
	for (size_t i = 0; i < t->n_nodes; i++)
		by_name[i] = &t->nodes[i];
	qsort(by_name, t->n_nodes, sizeof(*by_name), name_cmp);
	for (size_t i = 0; i < t->n_links; i++)
		for (int j = 0; j < 2; j++) {
			struct topo_endpoint *ep = &t->links[i].ep[j];
			r = check_endpoint(p, by_name, ep);
			if (r < 0)
				return r;
			uses[2 * i + j].ep = ep;
			uses[2 * i + j].ns =
			    t->nodes[ep->node_index].kind == TOPO_KIND_BRIDGE ? SIZE_MAX : ep->node_index;
		}
	qsort(uses, n, sizeof(*uses), use_cmp);
	const struct use *dup = NULL, *first = NULL;
	for (size_t i = 1, run = 0; i < n; i++) {
		if (uses[i].ns != uses[run].ns || strcmp(uses[i].ep->ifname, uses[run].ep->ifname)) {
			run = i;
			continue;
		}
		if (i == run + 1 &&
		    (!dup || uses[i].ep->mark.line < dup->ep->mark.line ||
		     (uses[i].ep->mark.line == dup->ep->mark.line && uses[i].ep->mark.col < dup->ep->mark.col))) {
			dup = &uses[i];
			first = &uses[run];
		}
	}
	if (!dup)
		return 0;
	if (dup->ns == SIZE_MAX)
		return perr(
		    p, dup->ep->mark,
		    "link endpoint \"%s:%s\": host interface \"%s\" is already used by a link at line %u, column %u",
		    dup->ep->node, dup->ep->ifname, dup->ep->ifname, first->ep->mark.line, first->ep->mark.col);
	return perr(p, dup->ep->mark,
		    "link endpoint \"%s:%s\": interface \"%s\" of node \"%s\" is already used at line %u, column %u",
		    dup->ep->node, dup->ep->ifname, dup->ep->ifname, dup->ep->node, first->ep->mark.line,
		    first->ep->mark.col);
}
