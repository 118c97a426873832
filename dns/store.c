/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record store: networks, the containers on them and the names each
 * answers to, in memory.  Every update is a few hash-table operations, so
 * netd applies it before it replies to attach/detach and the next query sees
 * it; nothing here touches a socket.
 *
 * Indexes: per network, name -> endpoints (container name, short id,
 * hostname, aliases); globally, address -> endpoint (who is asking) and
 * container id -> container.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include "dns.h"
#include "dns-internal.h"

struct addr_slot {
	struct dns_addr addr;
	struct store_ep *ep;
	struct addr_slot *hnext;
};

struct dns_store {
	struct store_net *nets;
	struct store_ctr **ctrs;        /* hash by id */
	size_t n_ctrb;
	struct addr_slot **addrs;       /* hash by address */
	size_t n_addrb, n_addrs;
	size_t n_eps;
	uint32_t serial;                /* changes with every update: the SOA's serial */
};

static uint64_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h;
}

bool dns_lower(const char *in, char *out, size_t cap)
{
	size_t i;
	for (i = 0; in[i]; i++) {
		if (i + 1 >= cap)
			return false;
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[i] = '\0';
	return true;
}

static char *lower_dup(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

bool dns_name_is_valid(const char *name)
{
	size_t n, l = 0;

	if (!name || !(n = strlen(name)) || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];
		if (c == '.' || c == '\0') {
			if (l == 0 || l > DNS_LABEL_MAX)
				return false;
			l = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			return false;
		l++;
	}
	return true;
}

/* ---- addresses --------------------------------------------------------------- */

int dns_addr_parse(const char *s, struct dns_addr *ret)
{
	struct dns_addr a = { 0 };

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.v6) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret = a;
	return 0;
}

bool dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

static uint64_t addr_hash(const struct dns_addr *a)
{
	return a->family == AF_INET ? hash_bytes(&a->v4, 4) : hash_bytes(&a->v6, 16);
}

void dns_upstream_from_addr(const struct dns_addr *a, uint16_t port, struct dns_upstream *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ret->ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->v4;
		ret->len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ret->ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a->v6;
		ret->len = sizeof(*sin6);
	}
}

int dns_upstream_parse(const char *s, uint16_t default_port, struct dns_upstream *ret)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	struct dns_addr a;
	uint64_t p = default_port;
	size_t n;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		n = (size_t)(close - s - 1);
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		port = close[1] ? close + 2 : NULL;
	} else if (strchr(s, ':') == strrchr(s, ':') && strchr(s, ':')) {
		const char *colon = strchr(s, ':');
		n = (size_t)(colon - s);
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, n);
		host[n] = '\0';
		port = colon + 1;
	} else {
		if (strlen(s) >= sizeof(host))
			return -EINVAL;
		strcpy(host, s);
	}
	if (dns_addr_parse(host, &a) < 0)
		return -EINVAL;
	if (port && parse_uint(port, 1, 65535, &p) < 0)
		return -EINVAL;
	dns_upstream_from_addr(&a, (uint16_t)p, ret);
	return 0;
}

/* ---- name tables ---------------------------------------------------------------- */

static void table_grow(struct name_table *t)
{
	size_t nb = t->nb ? t->nb * 2 : 16;
	struct store_name **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < t->nb; i++)
		for (struct store_name *e = t->b[i], *next; e; e = next) {
			next = e->hnext;
			size_t h = e->hash & (nb - 1);
			e->hnext = b[h];
			b[h] = e;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

struct store_name *store_find_name(const struct store_net *n, const char *lname, size_t len)
{
	const struct name_table *t = &n->names;
	if (!t->nb)
		return NULL;
	uint64_t h = hash_bytes(lname, len);
	for (struct store_name *e = t->b[h & (t->nb - 1)]; e; e = e->hnext)
		if (e->hash == h && e->len == len && !memcmp(e->name, lname, len))
			return e;
	return NULL;
}

static void name_link(struct store_net *n, const char *lname, struct store_ep *ep)
{
	struct name_table *t = &n->names;
	struct store_name *e = store_find_name(n, lname, strlen(lname));

	if (!e) {
		if (t->n >= t->nb)
			table_grow(t);
		e = xcalloc(1, sizeof(*e));
		e->name = xstrdup(lname);
		e->len = strlen(lname);
		e->hash = hash_bytes(lname, e->len);
		size_t h = e->hash & (t->nb - 1);
		e->hnext = t->b[h];
		t->b[h] = e;
		t->n++;
	}
	for (size_t i = 0; i < e->n; i++)
		if (e->eps[i] == ep)
			return;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 2;
		e->eps = xrealloc(e->eps, e->cap * sizeof(*e->eps));
	}
	e->eps[e->n++] = ep;
}

static void name_unlink(struct store_net *n, const char *lname, struct store_ep *ep)
{
	struct name_table *t = &n->names;
	if (!t->nb)
		return;
	struct store_name **pp = &t->b[hash_bytes(lname, strlen(lname)) & (t->nb - 1)];
	for (; *pp; pp = &(*pp)->hnext) {
		struct store_name *e = *pp;
		if (strcmp(e->name, lname))
			continue;
		for (size_t i = 0; i < e->n; i++)
			if (e->eps[i] == ep) {
				memmove(e->eps + i, e->eps + i + 1, (e->n - i - 1) * sizeof(*e->eps));
				e->n--;
				break;
			}
		if (e->n == 0) {
			*pp = e->hnext;
			free(e->name);
			free(e->eps);
			free(e);
			t->n--;
		}
		return;
	}
}

/* The names an endpoint answers to (deduplication is done by name_link). */
static void ep_names_apply(struct store_ep *ep, bool link)
{
	if (ep->net->forward_only)
		return;
	const char *names[3] = { ep->ctr->name, ep->ctr->short_id, ep->ctr->hostname };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i]) {
			if (link)
				name_link(ep->net, names[i], ep);
			else
				name_unlink(ep->net, names[i], ep);
		}
	for (char **a = ep->aliases; a && *a; a++) {
		if (link)
			name_link(ep->net, *a, ep);
		else
			name_unlink(ep->net, *a, ep);
	}
}

/* ---- store ----------------------------------------------------------------------- */

int dns_store_new(struct dns_store **ret)
{
	struct dns_store *s = xcalloc(1, sizeof(*s));
	s->n_ctrb = 64;
	s->ctrs = xcalloc(s->n_ctrb, sizeof(*s->ctrs));
	s->n_addrb = 64;
	s->addrs = xcalloc(s->n_addrb, sizeof(*s->addrs));
	*ret = s;
	return 0;
}

static struct store_net *net_find(const struct dns_store *s, const char *name)
{
	for (struct store_net *n = s->nets; n; n = n->next)
		if (!strcasecmp(n->name, name))
			return n;
	return NULL;
}

struct store_net *store_networks(const struct dns_store *s)
{
	return s->nets;
}

static struct store_ctr *ctr_find(const struct dns_store *s, const char *id)
{
	for (struct store_ctr *c = s->ctrs[hash_bytes(id, strlen(id)) & (s->n_ctrb - 1)]; c; c = c->hnext)
		if (!strcmp(c->id, id))
			return c;
	return NULL;
}

struct store_ep *store_find_addr(const struct dns_store *s, const struct dns_addr *a)
{
	for (struct addr_slot *x = s->addrs[addr_hash(a) & (s->n_addrb - 1)]; x; x = x->hnext)
		if (dns_addr_equal(&x->addr, a))
			return x->ep;
	return NULL;
}

static void addr_index_grow(struct dns_store *s)
{
	size_t nb = s->n_addrb * 2;
	struct addr_slot **b = xcalloc(nb, sizeof(*b));
	for (size_t i = 0; i < s->n_addrb; i++)
		for (struct addr_slot *x = s->addrs[i], *next; x; x = next) {
			next = x->hnext;
			size_t h = addr_hash(&x->addr) & (nb - 1);
			x->hnext = b[h];
			b[h] = x;
		}
	free(s->addrs);
	s->addrs = b;
	s->n_addrb = nb;
}

static void addr_index_add(struct dns_store *s, const struct dns_addr *a, struct store_ep *ep)
{
	if (s->n_addrs >= s->n_addrb)
		addr_index_grow(s);
	struct addr_slot *x = xcalloc(1, sizeof(*x));
	x->addr = *a;
	x->ep = ep;
	size_t h = addr_hash(a) & (s->n_addrb - 1);
	x->hnext = s->addrs[h];
	s->addrs[h] = x;
	s->n_addrs++;
}

static void addr_index_del(struct dns_store *s, const struct dns_addr *a, const struct store_ep *ep)
{
	for (struct addr_slot **pp = &s->addrs[addr_hash(a) & (s->n_addrb - 1)]; *pp; pp = &(*pp)->hnext)
		if ((*pp)->ep == ep && dns_addr_equal(&(*pp)->addr, a)) {
			struct addr_slot *x = *pp;
			*pp = x->hnext;
			free(x);
			s->n_addrs--;
			return;
		}
}

static void ctr_unlink_free(struct dns_store *s, struct store_ctr *c)
{
	for (struct store_ctr **pp = &s->ctrs[hash_bytes(c->id, strlen(c->id)) & (s->n_ctrb - 1)]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	free(c->name);
	free(c->hostname);
	free(c->display_name);
	free(c->ups);
	free(c);
}

static void ep_free(struct dns_store *s, struct store_ep *ep)
{
	struct store_net *n = ep->net;
	struct store_ctr *c = ep->ctr;

	ep_names_apply(ep, false);
	for (size_t i = 0; i < ep->n_addrs; i++)
		addr_index_del(s, &ep->addrs[i], ep);
	if (ep->net_prev)
		ep->net_prev->net_next = ep->net_next;
	else
		n->eps = ep->net_next;
	if (ep->net_next)
		ep->net_next->net_prev = ep->net_prev;
	for (struct store_ep **pp = &c->eps; *pp; pp = &(*pp)->ctr_next)
		if (*pp == ep) {
			*pp = ep->ctr_next;
			break;
		}
	if (!c->eps)
		ctr_unlink_free(s, c);
	strv_free(ep->aliases);
	strv_free(ep->links);
	free(ep->addrs);
	free(ep);
	s->n_eps--;
}

int dns_store_network_add(struct dns_store *s, const char *network, const struct dns_network_opts *opts,
			  struct err *e)
{
	if (!dns_name_is_valid(network))
		return err_setx(e, EINVAL, "network name \"%s\" is not a valid DNS name", network ? network : "");
	if (net_find(s, network))
		return err_setx(e, EEXIST, "network \"%s\" is already in the DNS store", network);
	struct store_net *n = xcalloc(1, sizeof(*n));
	n->name = lower_dup(network);
	n->name_len = strlen(n->name);
	if (opts) {
		n->internal = opts->internal;
		n->forward_only = opts->forward_only;
		n->ipv6 = opts->ipv6;
		n->n_listen = opts->n_listen < ARRAY_SIZE(n->listen) ? opts->n_listen : ARRAY_SIZE(n->listen);
		memcpy(n->listen, opts->listen, n->n_listen * sizeof(n->listen[0]));
	}
	n->next = s->nets;
	s->nets = n;
	s->serial++;
	return 0;
}

static void net_free(struct dns_store *s, struct store_net *n)
{
	while (n->eps)
		ep_free(s, n->eps);
	free(n->names.b);
	free(n->name);
	free(n);
}

int dns_store_network_remove(struct dns_store *s, const char *network, struct err *e)
{
	for (struct store_net **pp = &s->nets; *pp; pp = &(*pp)->next)
		if (!strcasecmp((*pp)->name, network)) {
			struct store_net *n = *pp;
			*pp = n->next;
			net_free(s, n);
			s->serial++;
			return 0;
		}
	return err_setx(e, ENOENT, "no network \"%s\" in the DNS store", network);
}

void dns_store_free(struct dns_store *s)
{
	if (!s)
		return;
	while (s->nets) {
		struct store_net *n = s->nets;
		s->nets = n->next;
		net_free(s, n);
	}
	free(s->ctrs);
	free(s->addrs);
	free(s);
}

static bool id_prefix_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < SHORT_ID_LEN || n > ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)id[i]) || isupper((unsigned char)id[i]))
			return false;
	return true;
}

static int check_endpoint_args(struct dns_store *s, const char *id, const char *name, const char *hostname,
			       char *const *aliases, const struct dns_addr *addrs, size_t n_addrs, struct err *e)
{
	if (!id_prefix_valid(id))
		return err_setx(e, EINVAL, "container id \"%s\" is not 12 to 64 lowercase hex digits", id ? id : "");
	if (name && !dns_name_is_valid(name))
		return err_setx(e, EINVAL, "container name \"%s\" is not a valid DNS name", name);
	if (hostname && !dns_name_is_valid(hostname))
		return err_setx(e, EINVAL, "hostname \"%s\" is not a valid DNS name", hostname);
	for (char *const *a = aliases; a && *a; a++)
		if (!dns_name_is_valid(*a))
			return err_setx(e, EINVAL, "alias \"%s\" is not a valid DNS name", *a);
	if (!n_addrs || !addrs)
		return err_setx(e, EINVAL, "container %.12s has no address", id);
	for (size_t i = 0; i < n_addrs; i++) {
		if (addrs[i].family != AF_INET && addrs[i].family != AF_INET6)
			return err_setx(e, EINVAL, "container %.12s: address of unknown family", id);
		struct store_ep *other = store_find_addr(s, &addrs[i]);
		if (other) {
			char buf[INET6_ADDRSTRLEN];
			inet_ntop(addrs[i].family, &addrs[i].v4, buf, sizeof(buf));
			return err_setx(e, EADDRINUSE, "address %s already belongs to container %s", buf,
					other->ctr->short_id);
		}
	}
	return 0;
}

static struct store_ctr *ctr_get(struct dns_store *s, const char *id, const char *name, const char *hostname)
{
	struct store_ctr *c = ctr_find(s, id);
	if (c)
		return c;
	c = xcalloc(1, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->short_id, sizeof(c->short_id), "%.12s", id);
	c->name = name ? lower_dup(name) : NULL;
	c->display_name = name ? xstrdup(name) : NULL;
	c->hostname = hostname ? lower_dup(hostname) : NULL;
	size_t h = hash_bytes(id, strlen(id)) & (s->n_ctrb - 1);
	c->hnext = s->ctrs[h];
	s->ctrs[h] = c;
	return c;
}

int dns_store_endpoint_add(struct dns_store *s, const char *network, const char *container_id, const char *name,
			   const char *hostname, char *const *aliases, const struct dns_addr *addrs, size_t n_addrs,
			   struct err *e)
{
	struct store_net *n = net_find(s, network ? network : "");
	int r;

	if (!n)
		return err_setx(e, ENOENT, "no network \"%s\" in the DNS store", network ? network : "");
	r = check_endpoint_args(s, container_id, name, hostname, aliases, addrs, n_addrs, e);
	if (r < 0)
		return r;
	struct store_ctr *c = ctr_find(s, container_id);
	for (struct store_ep *ep = c ? c->eps : NULL; ep; ep = ep->ctr_next)
		if (ep->net == n)
			return err_setx(e, EEXIST, "container %.12s is already on network \"%s\"", container_id,
					network);
	c = ctr_get(s, container_id, name, hostname);

	struct store_ep *ep = xcalloc(1, sizeof(*ep));
	ep->ctr = c;
	ep->net = n;
	for (char *const *a = aliases; a && *a; a++) {
		_cleanup_free_ char *l = lower_dup(*a);
		if (!strv_contains(ep->aliases, l))
			strv_push(&ep->aliases, l);
	}
	ep->addrs = xmalloc(n_addrs * sizeof(*addrs));
	memcpy(ep->addrs, addrs, n_addrs * sizeof(*addrs));
	ep->n_addrs = n_addrs;
	for (size_t i = 0; i < n_addrs; i++)
		addr_index_add(s, &addrs[i], ep);
	ep->net_next = n->eps;
	if (n->eps)
		n->eps->net_prev = ep;
	n->eps = ep;
	ep->ctr_next = c->eps;
	c->eps = ep;
	ep_names_apply(ep, true);
	s->n_eps++;
	s->serial++;
	return 0;
}

int dns_store_endpoint_remove(struct dns_store *s, const char *network, const char *container_id, struct err *e)
{
	struct store_ctr *c = container_id ? ctr_find(s, container_id) : NULL;

	for (struct store_ep *ep = c ? c->eps : NULL; ep; ep = ep->ctr_next)
		if (!strcasecmp(ep->net->name, network ? network : "")) {
			ep_free(s, ep);
			s->serial++;
			return 0;
		}
	return err_setx(e, ENOENT, "container %.12s is not on network \"%s\" in the DNS store",
			container_id ? container_id : "", network ? network : "");
}

int dns_store_container_rename(struct dns_store *s, const char *container_id, const char *new_name,
			       struct err *e)
{
	struct store_ctr *c = container_id ? ctr_find(s, container_id) : NULL;

	if (!c)
		return err_setx(e, ENOENT, "no container %.12s in the DNS store", container_id ? container_id : "");
	if (new_name && !dns_name_is_valid(new_name))
		return err_setx(e, EINVAL, "container name \"%s\" is not a valid DNS name", new_name);
	for (struct store_ep *ep = c->eps; ep; ep = ep->ctr_next)
		ep_names_apply(ep, false);
	free(c->name);
	free(c->display_name);
	c->name = new_name ? lower_dup(new_name) : NULL;
	c->display_name = new_name ? xstrdup(new_name) : NULL;
	for (struct store_ep *ep = c->eps; ep; ep = ep->ctr_next)
		ep_names_apply(ep, true);
	s->serial++;
	return 0;
}

int dns_store_container_upstreams(struct dns_store *s, const char *container_id, const struct dns_upstream *ups,
				  size_t n, struct err *e)
{
	struct store_ctr *c = container_id ? ctr_find(s, container_id) : NULL;

	if (!c)
		return err_setx(e, ENOENT, "no container %.12s in the DNS store", container_id ? container_id : "");
	if (n > DNS_RESOLV_MAX_NS)
		return err_setx(e, EINVAL, "container %.12s: more than %d DNS servers", container_id,
				DNS_RESOLV_MAX_NS);
	free(c->ups);
	c->ups = NULL;
	c->n_ups = 0;
	if (n) {
		c->ups = xmalloc(n * sizeof(*ups));
		memcpy(c->ups, ups, n * sizeof(*ups));
		c->n_ups = n;
	}
	return 0;
}

int dns_store_endpoint_links(struct dns_store *s, const char *network, const char *container_id,
			     char *const *links, struct err *e)
{
	struct store_ctr *c = container_id ? ctr_find(s, container_id) : NULL;
	struct store_ep *ep = c ? c->eps : NULL;
	char **v = NULL;

	while (ep && strcasecmp(ep->net->name, network ? network : "") != 0)
		ep = ep->ctr_next;
	if (!ep)
		return err_setx(e, ENOENT, "container %.12s is not on network \"%s\" in the DNS store",
				container_id ? container_id : "", network ? network : "");
	for (size_t i = 0; links && links[i]; i++) {
		const char *colon = strchr(links[i], ':');
		_cleanup_free_ char *target = colon ? xstrndup(links[i], (size_t)(colon - links[i])) : NULL;
		if (!colon || !dns_name_is_valid(target) || !dns_name_is_valid(colon + 1)) {
			strv_free(v);
			return err_setx(e, EINVAL, "invalid link \"%.300s\": use TARGET:ALIAS, both DNS names",
					links[i]);
		}
		_cleanup_free_ char *la = lower_dup(colon + 1), *lt = lower_dup(target);
		strv_push(&v, la);
		strv_push(&v, lt);
	}
	strv_free(ep->links);
	ep->links = v;
	s->serial++;
	return 0;
}

size_t dns_store_count_endpoints(const struct dns_store *s)
{
	return s->n_eps;
}

bool dns_store_serves(const struct dns_store *s, const struct dns_addr *src, const struct dns_addr *dst)
{
	const struct store_ep *ep = store_find_addr(s, src);
	if (!ep)
		return false;
	if (ep->net->n_listen == 0)
		return true;
	for (size_t i = 0; i < ep->net->n_listen; i++)
		if (dns_addr_equal(&ep->net->listen[i], dst))
			return true;
	return false;
}

uint32_t store_serial(const struct dns_store *s)
{
	return s->serial;
}
