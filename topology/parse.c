/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Topology files: the top level, the management network, nodes, and the
 * checks that span them (addresses, network-mode references). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include "internal.h"

int perr(struct parser *p, struct topo_mark m, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_setx(p->e, EINVAL, "%s:%u:%u: %s", p->doc.name, m.line, m.col, msg);
}

void pwarn(struct parser *p, struct topo_mark m, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	_cleanup_free_ char *w = xasprintf("%s:%u:%u: %s", p->doc.name, m.line, m.col, msg);
	strv_push(&p->t->warnings, w);
}

/* A scalar value (NULL when absent or null), or an error for another type. */
static int get_str(struct parser *p, const struct ynode *map, const char *key, const char **ret)
{
	const struct ynode *v = ymap_get(map, key);
	*ret = NULL;
	if (!v || (v->type == Y_SCALAR && v->null))
		return 0;
	if (v->type != Y_SCALAR)
		return perr(p, v->mark, "\"%s\" must be a string, not a %s", key, ynode_type_name(v));
	*ret = v->str;
	return 0;
}

static int check_keys(struct parser *p, const struct ynode *map, const char *what, const char *const *known,
		      const char *const *unsupported)
{
	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->items[i];
		bool ok = false;
		for (const char *const *s = known; *s && !ok; s++)
			ok = !strcmp(*s, k->str);
		for (const char *const *s = unsupported; s && *s && !ok; s++)
			if (!strcmp(*s, k->str))
				return perr(p, k->mark, "%s: \"%s\" is not supported by pontoon", what, k->str);
		if (!ok)
			return perr(p, k->mark, "%s: unknown key \"%s\"", what, k->str);
	}
	return 0;
}

static const struct ynode *want_map(struct parser *p, const struct ynode *n, const char *what, int *r)
{
	*r = 0;
	if (!n || (n->type == Y_SCALAR && n->null))
		return NULL;
	if (n->type != Y_MAP)
		*r = perr(p, n->mark, "%s must be a mapping, not a %s", what, ynode_type_name(n));
	return n;
}

/* ---- mgmt ------------------------------------------------------------------------- */

static int parse_subnet(struct parser *p, const struct ynode *mgmt, const char *key, int family, char **ret)
{
	const char *s;
	struct ipam_prefix a;
	struct err e = {0};
	int r = get_str(p, mgmt, key, &s);
	if (r < 0 || !s)
		return r;
	if (strcmp(s, "auto") && ipam_prefix_parse(s, &a, &e) < 0)
		return perr(p, ymap_get(mgmt, key)->mark, "%s: %s", key, err_msg(&e));
	if (strcmp(s, "auto") && a.addr.family != family)
		return perr(p, ymap_get(mgmt, key)->mark, "%s \"%s\" is not an %s prefix", key, s,
			    family == AF_INET ? "IPv4" : "IPv6");
	*ret = xstrdup(s);
	return 0;
}

static int parse_gw(struct parser *p, const struct ynode *mgmt, const char *key, int family, char **ret)
{
	const char *s;
	int r = get_str(p, mgmt, key, &s);
	if (r < 0 || !s)
		return r;
	if (!addr_parse(s, family, NULL))
		return perr(p, ymap_get(mgmt, key)->mark, "%s \"%s\" is not an %s address", key, s,
			    family == AF_INET ? "IPv4" : "IPv6");
	*ret = xstrdup(s);
	return 0;
}

static int parse_mgmt(struct parser *p, const struct ynode *n)
{
	static const char *const known[] = {"network", "ipv4-subnet", "ipv6-subnet", "ipv4-gw",
					    "ipv6-gw", "bridge",      "mtu",	     NULL};
	static const char *const unsupported[] = {"ipv4-range",	 "ipv6-range",	     "external-access",
						  "driver-opts", "skip-when-unused", NULL};
	struct topo_mgmt *m = &p->t->mgmt;
	const char *s;
	int r;
	const struct ynode *mgmt = want_map(p, n, "mgmt", &r);
	if (r < 0 || !mgmt)
		return r;
	r = check_keys(p, mgmt, "mgmt", known, unsupported);
	if (r == 0 && (r = get_str(p, mgmt, "network", &s)) == 0 && s) {
		if (!valid_name(s))
			return perr(p, ymap_get(mgmt, "network")->mark, "mgmt network name \"%s\" is not valid", s);
		m->network = xstrdup(s);
	}
	if (r == 0 && (r = get_str(p, mgmt, "bridge", &s)) == 0 && s) {
		if (!valid_ifname(s))
			return perr(p, ymap_get(mgmt, "bridge")->mark,
				    "mgmt bridge \"%s\" is not a valid interface name", s);
		m->bridge = xstrdup(s);
	}
	if (r == 0 && (r = get_str(p, mgmt, "mtu", &s)) == 0 && s) {
		uint64_t mtu;
		if (parse_uint(s, 68, 65535, &mtu) < 0)
			return perr(p, ymap_get(mgmt, "mtu")->mark, "mgmt mtu must be a number from 68 to 65535");
		m->mtu = (unsigned)mtu;
	}
	if (r == 0)
		r = parse_subnet(p, mgmt, "ipv4-subnet", AF_INET, &m->ipv4_subnet);
	if (r == 0)
		r = parse_subnet(p, mgmt, "ipv6-subnet", AF_INET6, &m->ipv6_subnet);
	if (r == 0)
		r = parse_gw(p, mgmt, "ipv4-gw", AF_INET, &m->ipv4_gw);
	if (r == 0)
		r = parse_gw(p, mgmt, "ipv6-gw", AF_INET6, &m->ipv6_gw);
	return r;
}

/* ---- nodes -------------------------------------------------------------------------- */

/* containerlab takes management addresses from the node itself only. */
static void warn_node_only(struct parser *p, const struct def *d, const char *what)
{
	if (d->mgmt_ipv4)
		pwarn(p, d->mgmt_ipv4->mark, "%s: mgmt-ipv4 applies only in a node's own definition; ignored", what);
	if (d->mgmt_ipv6)
		pwarn(p, d->mgmt_ipv6->mark, "%s: mgmt-ipv6 applies only in a node's own definition; ignored", what);
}

static int parse_named_defs(struct parser *p, const struct ynode *n, const char *what, struct named_def **ret,
			    size_t *ret_n)
{
	int r;
	const struct ynode *map = want_map(p, n, what, &r);
	if (r < 0 || !map)
		return r;
	*ret = xcalloc(map->n / 2 + 1, sizeof(**ret));
	for (size_t i = 0; i < map->n; i += 2) {
		char label[128];
		snprintf(label, sizeof(label), "%.*s \"%.64s\"", (int)strlen(what) - 1, what, map->items[i]->str);
		(*ret)[i / 2].name = map->items[i]->str;
		r = parse_def(p, map->items[i + 1], label, &(*ret)[i / 2].def);
		if (r < 0)
			return r;
		warn_node_only(p, &(*ret)[i / 2].def, label);
		*ret_n = i / 2 + 1;
	}
	return 0;
}

static int link_netmode(struct parser *p, size_t i, const struct named_def *defs)
{
	struct topo *t = p->t;
	struct topo_node *n = &t->nodes[i];
	const struct topo_node *target;
	if (n->netmode != TOPO_NETMODE_CONTAINER)
		return 0;
	target = topo_find_node(t, n->netmode_target);
	if (!target)
		return 0; /* a container outside the lab: checked when deploying */
	if (target == n)
		return perr(p, defs[i].def.mark, "node \"%s\": network-mode container:%s names the node itself",
			    n->name, n->netmode_target);
	if (target->kind == TOPO_KIND_BRIDGE)
		return perr(p, defs[i].def.mark, "node \"%s\": network-mode container:%s names a bridge node", n->name,
			    n->netmode_target);
	n->netmode_node = target - t->nodes;
	return 0;
}

static int check_netmode_cycles(struct parser *p, const struct named_def *defs)
{
	struct topo *t = p->t;
	for (size_t i = 0; i < t->n_nodes; i++) {
		ssize_t k = t->nodes[i].netmode_node;
		for (size_t steps = 0; k >= 0; steps++, k = t->nodes[k].netmode_node)
			if ((size_t)k == i || steps > t->n_nodes)
				return perr(p, defs[i].def.mark,
					    "node \"%s\": network-mode container: references form a cycle",
					    t->nodes[i].name);
	}
	return 0;
}

static int parse_nodes(struct parser *p, const struct ynode *n, struct topo_mark where)
{
	struct topo *t = p->t;
	int r;
	const struct ynode *map = want_map(p, n, "topology.nodes", &r);
	if (r < 0)
		return r;
	if (!map || map->n == 0)
		return perr(p, n ? n->mark : where, "the topology has no nodes (topology.nodes)");
	_cleanup_free_ struct named_def *defs = xcalloc(map->n / 2, sizeof(*defs));
	t->nodes = xcalloc(map->n / 2, sizeof(*t->nodes));
	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *key = map->items[i];
		char label[96];
		if (!valid_name(key->str))
			return perr(p, key->mark,
				    "node name \"%s\" must be 1-63 letters, digits, '_', '.' or '-', starting with a "
				    "letter or digit",
				    key->str);
		snprintf(label, sizeof(label), "node \"%s\"", key->str);
		defs[i / 2].name = key->str;
		r = parse_def(p, map->items[i + 1], label, &defs[i / 2].def);
		if (r < 0)
			return r;
		defs[i / 2].def.mark = key->mark;
	}
	for (size_t i = 0; i < map->n / 2; i++) {
		t->n_nodes = i + 1;
		r = resolve_node(p, defs[i].name, &defs[i].def, &t->nodes[i]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		r = link_netmode(p, i, defs);
		if (r < 0)
			return r;
	}
	return check_netmode_cycles(p, defs);
}

/* ---- management addresses ----------------------------------------------------------- */

struct mgmt_check {
	int family;
	const char *subnet, *gw, *key;
};

static int check_mgmt_family(struct parser *p, const struct mgmt_check *c)
{
	struct topo *t = p->t;
	struct ipam_prefix net = {0};
	struct ipam_addr gw = {0};
	bool have_net = c->subnet && strcmp(c->subnet, "auto") && ipam_prefix_parse(c->subnet, &net, NULL) == 0;
	_cleanup_free_ struct ipam_addr *seen = xcalloc(t->n_nodes + 1, sizeof(*seen));
	_cleanup_free_ size_t *who = xcalloc(t->n_nodes + 1, sizeof(*who));
	size_t n_seen = 0;

	if (have_net) {
		ipam_prefix_first_usable(&net, &gw);
		if (c->gw)
			addr_parse(c->gw, c->family, &gw);
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		const char *s = c->family == AF_INET ? t->nodes[i].mgmt_ipv4 : t->nodes[i].mgmt_ipv6;
		struct ipam_addr a;
		if (!s || !addr_parse(s, c->family, &a))
			continue;
		if (have_net && !ipam_prefix_contains(&net, &a))
			return perr(p, t->nodes[i].mark, "node \"%s\": %s %s is outside the management subnet %s",
				    t->nodes[i].name, c->key, s, c->subnet);
		if (have_net && ipam_prefix_is_reserved(&net, &a))
			return perr(p, t->nodes[i].mark, "node \"%s\": %s %s is the network or broadcast address of %s",
				    t->nodes[i].name, c->key, s, c->subnet);
		if (have_net && ipam_addr_equal(&a, &gw))
			return perr(p, t->nodes[i].mark, "node \"%s\": %s %s is the management network's gateway",
				    t->nodes[i].name, c->key, s);
		for (size_t k = 0; k < n_seen; k++)
			if (ipam_addr_equal(&seen[k], &a))
				return perr(p, t->nodes[i].mark, "node \"%s\": %s %s is already node \"%s\"'s",
					    t->nodes[i].name, c->key, s, t->nodes[who[k]].name);
		who[n_seen] = i;
		seen[n_seen++] = a;
	}
	return 0;
}

static int check_mgmt(struct parser *p)
{
	const struct topo_mgmt *m = &p->t->mgmt;
	struct mgmt_check v4 = {AF_INET, m->ipv4_subnet ? m->ipv4_subnet : TOPO_DEFAULT_MGMT_IPV4, m->ipv4_gw,
				"mgmt-ipv4"};
	struct mgmt_check v6 = {AF_INET6, m->ipv6_subnet ? m->ipv6_subnet : TOPO_DEFAULT_MGMT_IPV6, m->ipv6_gw,
				"mgmt-ipv6"};
	int r = check_mgmt_family(p, &v4);
	return r < 0 ? r : check_mgmt_family(p, &v6);
}

/* ---- top level ---------------------------------------------------------------------- */

static int parse_top(struct parser *p, const struct ynode *root)
{
	static const char *const top_known[] = {"name", "prefix", "mgmt", "topology", "settings", "debug", NULL};
	static const char *const topo_known[] = {"defaults", "kinds", "groups", "nodes", "links", NULL};
	struct topo *t = p->t;
	const char *s = NULL;
	const struct ynode *topo, *settings;
	int r;

	if (!root || root->type != Y_MAP)
		return perr(p, root ? root->mark : (struct topo_mark){1, 1},
			    "a topology file is a mapping with \"name\" and \"topology\"");
	r = check_keys(p, root, "topology file", top_known, NULL);
	if (r == 0)
		r = get_str(p, root, "name", &s);
	if (r < 0)
		return r;
	if (!s)
		return perr(p, root->mark, "the topology has no \"name\"");
	if (!valid_name(s))
		return perr(
		    p, ymap_get(root, "name")->mark,
		    "lab name \"%s\" must be 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit",
		    s);
	t->name = xstrdup(s);
	r = get_str(p, root, "prefix", &s);
	if (r < 0)
		return r;
	if (s && s[0] && strcmp(s, "__lab-name") && !valid_name(s))
		return perr(p, ymap_get(root, "prefix")->mark, "prefix \"%s\" is not a valid name", s);
	t->prefix = s ? xstrdup(s) : NULL;
	settings = ymap_get(root, "settings");
	if (settings && !(settings->type == Y_SCALAR && settings->null))
		pwarn(p, settings->mark, "\"settings\" has no effect on a pontoon lab; ignored");
	r = parse_mgmt(p, ymap_get(root, "mgmt"));
	if (r < 0)
		return r;
	topo = want_map(p, ymap_get(root, "topology"), "topology", &r);
	if (r < 0)
		return r;
	if (!topo)
		return perr(p, root->mark, "the file has no \"topology\" section");
	r = check_keys(p, topo, "topology", topo_known, NULL);
	if (r == 0)
		r = parse_def(p, ymap_get(topo, "defaults"), "topology.defaults", &p->defaults);
	if (r == 0)
		warn_node_only(p, &p->defaults, "topology.defaults");
	if (r == 0)
		r = parse_named_defs(p, ymap_get(topo, "kinds"), "kinds", &p->kinds, &p->n_kinds);
	if (r == 0)
		r = parse_named_defs(p, ymap_get(topo, "groups"), "groups", &p->groups, &p->n_groups);
	if (r == 0)
		r = parse_nodes(p, ymap_get(topo, "nodes"), topo->mark);
	if (r == 0)
		r = check_mgmt(p);
	if (r == 0)
		r = parse_links(p, ymap_get(topo, "links"));
	if (r == 0)
		r = check_links(p);
	return r;
}

int topo_parse_buffer(const char *data, size_t len, const char *name, const char *dir, struct topo **ret, struct err *e)
{
	struct parser p = {.e = e};
	_cleanup_(topo_freep) struct topo *t = xcalloc(1, sizeof(*t));
	int r;

	t->file = xstrdup(name);
	t->dir = xstrdup(dir);
	p.t = t;
	r = ydoc_load(&p.doc, data, len, t->file, e);
	if (r < 0)
		return r;
	r = parse_top(&p, p.doc.root);
	ydoc_free(&p.doc);
	free(p.kinds);
	free(p.groups);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(t);
	return 0;
}

int topo_parse_file(const char *path, struct topo **ret, struct err *e)
{
	_cleanup_free_ char *data = NULL, *copy = xstrdup(path), *abs = NULL;
	size_t len;
	struct stat st;
	int r;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > TOPO_MAX_FILE_SIZE)
		return err_setx(e, EFBIG, "%s: %llu bytes is over the limit of %u bytes for a topology file", path,
				(unsigned long long)st.st_size, TOPO_MAX_FILE_SIZE);
	r = read_file(path, TOPO_MAX_FILE_SIZE, &data, &len, e);
	if (r == -EFBIG)
		return err_setx(e, EFBIG, "%s: over the limit of %u bytes for a topology file", path,
				TOPO_MAX_FILE_SIZE);
	if (r < 0)
		return err_wrap(e, "read topology file %s", path);
	abs = realpath(dirname(copy), NULL);
	if (!abs)
		return err_set(e, errno, "resolve the directory of %s", path);
	return topo_parse_buffer(data, len, path, abs, ret, e);
}

static void kv_free(struct topo_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static void node_free(struct topo_node *n)
{
	free(n->name);
	free(n->group);
	free(n->image);
	free(n->cmd);
	free(n->entrypoint);
	strv_free(n->exec);
	strv_free(n->binds);
	strv_free(n->ports);
	strv_free(n->extra_hosts);
	strv_free(n->env_files);
	kv_free(n->env, n->n_env);
	kv_free(n->labels, n->n_labels);
	free(n->mgmt_ipv4);
	free(n->mgmt_ipv6);
	free(n->netmode_target);
}

void topo_free(struct topo *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_nodes; i++)
		node_free(&t->nodes[i]);
	free(t->nodes);
	for (size_t i = 0; i < t->n_links; i++) {
		for (int j = 0; j < 2; j++) {
			free(t->links[i].ep[j].node);
			free(t->links[i].ep[j].ifname);
			free(t->links[i].ep[j].mac);
		}
		kv_free(t->links[i].labels, t->links[i].n_labels);
	}
	free(t->links);
	free(t->mgmt.network);
	free(t->mgmt.ipv4_subnet);
	free(t->mgmt.ipv6_subnet);
	free(t->mgmt.ipv4_gw);
	free(t->mgmt.ipv6_gw);
	free(t->mgmt.bridge);
	strv_free(t->warnings);
	free(t->name);
	free(t->prefix);
	free(t->file);
	free(t->dir);
	free(t);
}

const char *topo_kind_name(enum topo_kind k)
{
	return k == TOPO_KIND_BRIDGE ? "bridge" : "linux";
}

char *topo_container_name(const struct topo *t, const char *node)
{
	/* CLI.md: "<lab>-<node>" by default (containerlab's default adds "clab-") */
	if (!t->prefix || !strcmp(t->prefix, "__lab-name"))
		return xasprintf("%s-%s", t->name, node);
	if (!t->prefix[0])
		return xstrdup(node);
	return xasprintf("%s-%s-%s", t->prefix, t->name, node);
}

const struct topo_node *topo_find_node(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return &t->nodes[i];
	return NULL;
}
