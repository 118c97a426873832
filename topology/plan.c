/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The deploy plan: pure data a deployer walks stage by stage.
 *
 *   stage 0            the management network
 *   next (if any)      bridge nodes: their host bridges must exist
 *   one per level      node containers; level 0 needs no other node, level k
 *                      shares the namespace of a level k-1 node (network-mode
 *                      container:NODE)
 *   next (if any)      every link: one veth pair each
 *   last (if any)      exec commands, per node, once all links exist
 *
 * Steps of one stage are independent of each other. */
#include "topology.h"
#include "internal.h"

const char *topo_step_type_name(enum topo_step_type t)
{
	static const char *const names[] = {
	    [TOPO_STEP_MGMT_NETWORK] = "mgmt-network",
	    [TOPO_STEP_BRIDGE] = "bridge",
	    [TOPO_STEP_NODE] = "node",
	    [TOPO_STEP_LINK] = "link",
	    [TOPO_STEP_EXEC] = "exec",
	};
	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "?";
}

/* Levels by network-mode dependencies; the parser refused cycles. */
static int compute_levels(const struct topo *t, struct topo_plan *p, struct err *e)
{
	for (size_t i = 0; i < t->n_nodes; i++) {
		unsigned level = 0;
		for (ssize_t k = t->nodes[i].netmode_node; k >= 0; k = t->nodes[k].netmode_node)
			if (++level > t->n_nodes)
				return err_setx(e, ELOOP, "node \"%s\": network-mode references form a cycle",
						t->nodes[i].name);
		p->nodes[i].level = level;
		if (t->nodes[i].kind == TOPO_KIND_LINUX && level + 1 > p->n_levels)
			p->n_levels = level + 1;
	}
	return 0;
}

static void plan_node(const struct topo *t, struct topo_plan *p, size_t i, const char *topo_file)
{
	const struct topo_node *n = &t->nodes[i];
	struct topo_plan_node *pn = &p->nodes[i];
	pn->node = i;
	if (n->kind != TOPO_KIND_LINUX)
		return;
	pn->container = topo_container_name(t, n->name);
	for (size_t k = 0; k < n->n_labels; k++)
		kv_set(&pn->labels, &pn->n_labels, n->labels[k].key, n->labels[k].value);
	/* containerlab's own labels, which tools filter on; they win over the file's */
	_cleanup_free_ char *node_dir = xasprintf("%s/%s", p->lab_dir, n->name);
	kv_set(&pn->labels, &pn->n_labels, "containerlab", t->name);
	kv_set(&pn->labels, &pn->n_labels, "clab-node-name", n->name);
	kv_set(&pn->labels, &pn->n_labels, "clab-node-kind", topo_kind_name(n->kind));
	if (n->group)
		kv_set(&pn->labels, &pn->n_labels, "clab-node-group", n->group);
	kv_set(&pn->labels, &pn->n_labels, "clab-node-lab-dir", node_dir);
	kv_set(&pn->labels, &pn->n_labels, "clab-topo-file", topo_file);
}

static void plan_end(const struct topo *t, const struct topo_plan *p, const struct topo_endpoint *ep,
		     struct topo_plan_end *end)
{
	end->node = ep->node_index;
	end->bridge = t->nodes[ep->node_index].kind == TOPO_KIND_BRIDGE;
	end->container = p->nodes[ep->node_index].container;
	end->ifname = ep->ifname;
	end->mac = ep->mac;
}

static void add_step(struct topo_plan *p, enum topo_step_type type, unsigned stage, size_t index)
{
	p->steps = xrealloc(p->steps, (p->n_steps + 1) * sizeof(*p->steps));
	p->steps[p->n_steps++] = (struct topo_step){.type = type, .stage = stage, .index = index};
	if (stage + 1 > p->n_stages)
		p->n_stages = stage + 1;
}

static void plan_steps(const struct topo *t, struct topo_plan *p)
{
	unsigned stage = 0;
	bool any;

	add_step(p, TOPO_STEP_MGMT_NETWORK, stage++, 0);
	any = false;
	for (size_t i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].kind == TOPO_KIND_BRIDGE) {
			add_step(p, TOPO_STEP_BRIDGE, stage, i);
			any = true;
		}
	stage += any;
	for (unsigned level = 0; level < p->n_levels; level++, stage++)
		for (size_t i = 0; i < t->n_nodes; i++)
			if (t->nodes[i].kind == TOPO_KIND_LINUX && p->nodes[i].level == level)
				add_step(p, TOPO_STEP_NODE, stage, i);
	for (size_t i = 0; i < t->n_links; i++)
		add_step(p, TOPO_STEP_LINK, stage, i);
	stage += t->n_links > 0;
	for (size_t i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].kind == TOPO_KIND_LINUX && t->nodes[i].exec)
			add_step(p, TOPO_STEP_EXEC, stage, i);
}

int topo_plan_new(const struct topo *t, struct topo_plan **ret, struct err *e)
{
	_cleanup_(topo_plan_freep) struct topo_plan *p = xcalloc(1, sizeof(*p));
	const char *base = strrchr(t->file, '/');
	_cleanup_free_ char *topo_file = xasprintf("%s/%s", t->dir, base ? base + 1 : t->file);
	int r;

	p->topo = t;
	p->lab = xstrdup(t->name);
	p->lab_dir = xasprintf("%s/clab-%s", t->dir, t->name);
	p->mgmt_network = xstrdup(t->mgmt.network ? t->mgmt.network : TOPO_DEFAULT_MGMT_NETWORK);
	p->mgmt_ipv4_subnet = xstrdup(t->mgmt.ipv4_subnet ? t->mgmt.ipv4_subnet : TOPO_DEFAULT_MGMT_IPV4);
	p->mgmt_ipv6_subnet = xstrdup(t->mgmt.ipv6_subnet ? t->mgmt.ipv6_subnet : TOPO_DEFAULT_MGMT_IPV6);
	p->nodes = xcalloc(t->n_nodes + 1, sizeof(*p->nodes));
	p->links = xcalloc(t->n_links + 1, sizeof(*p->links));
	r = compute_levels(t, p, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->n_nodes; i++)
		plan_node(t, p, i, topo_file);
	for (size_t i = 0; i < t->n_links; i++) {
		plan_end(t, p, &t->links[i].ep[0], &p->links[i].a);
		plan_end(t, p, &t->links[i].ep[1], &p->links[i].b);
		p->links[i].mtu = t->links[i].mtu ? t->links[i].mtu : TOPO_DEFAULT_LINK_MTU;
	}
	plan_steps(t, p);
	*ret = TAKE_PTR(p);
	return 0;
}

void topo_plan_free(struct topo_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->nodes && i < p->topo->n_nodes; i++) {
		free(p->nodes[i].container);
		for (size_t k = 0; k < p->nodes[i].n_labels; k++) {
			free(p->nodes[i].labels[k].key);
			free(p->nodes[i].labels[k].value);
		}
		free(p->nodes[i].labels);
	}
	free(p->nodes);
	free(p->links);
	free(p->steps);
	free(p->lab);
	free(p->lab_dir);
	free(p->mgmt_network);
	free(p->mgmt_ipv4_subnet);
	free(p->mgmt_ipv6_subnet);
	free(p);
}

/* ---- JSON ------------------------------------------------------------------------- */

static void add_str(json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *kv_json(const struct topo_kv *kv, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, kv[i].key, json_object_new_string(kv[i].value));
	return o;
}

static const char *netmode_str(const struct topo_node *n, char *buf, size_t len)
{
	static const char *const names[] = {"default", "none", "host", "container"};
	if (n->netmode != TOPO_NETMODE_CONTAINER)
		return names[n->netmode];
	snprintf(buf, len, "container:%s", n->netmode_target);
	return buf;
}

static json_object *node_json(const struct topo_plan *p, size_t i)
{
	const struct topo_node *n = &p->topo->nodes[i];
	const struct topo_plan_node *pn = &p->nodes[i];
	json_object *o = json_object_new_object();
	char buf[96];
	add_str(o, "name", n->name);
	add_str(o, "kind", topo_kind_name(n->kind));
	add_str(o, "group", n->group);
	if (n->kind == TOPO_KIND_BRIDGE)
		return o;
	add_str(o, "container", pn->container);
	add_str(o, "image", n->image);
	add_str(o, "cmd", n->cmd);
	add_str(o, "entrypoint", n->entrypoint);
	add_str(o, "network_mode", netmode_str(n, buf, sizeof(buf)));
	add_str(o, "mgmt_ipv4", n->mgmt_ipv4);
	add_str(o, "mgmt_ipv6", n->mgmt_ipv6);
	json_object_object_add(o, "level", json_object_new_int((int)pn->level));
	json_object_object_add(o, "startup_delay", json_object_new_int((int)n->startup_delay));
	json_object_object_add(o, "binds", strv_json(n->binds));
	json_object_object_add(o, "ports", strv_json(n->ports));
	json_object_object_add(o, "extra_hosts", strv_json(n->extra_hosts));
	json_object_object_add(o, "env", kv_json(n->env, n->n_env));
	json_object_object_add(o, "env_files", strv_json(n->env_files));
	json_object_object_add(o, "labels", kv_json(pn->labels, pn->n_labels));
	json_object_object_add(o, "exec", strv_json(n->exec));
	return o;
}

static json_object *end_json(const struct topo_plan *p, const struct topo_plan_end *end)
{
	json_object *o = json_object_new_object();
	add_str(o, "node", p->topo->nodes[end->node].name);
	add_str(o, end->bridge ? "bridge" : "container", end->bridge ? p->topo->nodes[end->node].name : end->container);
	add_str(o, "interface", end->ifname);
	add_str(o, "mac", end->mac);
	return o;
}

static json_object *step_json(const struct topo_plan *p, const struct topo_step *s)
{
	json_object *o = json_object_new_object();
	add_str(o, "step", topo_step_type_name(s->type));
	if (s->type == TOPO_STEP_LINK)
		json_object_object_add(o, "link", json_object_new_int((int)s->index));
	else if (s->type != TOPO_STEP_MGMT_NETWORK)
		add_str(o, "node", p->topo->nodes[s->index].name);
	return o;
}

json_object *topo_plan_to_json(const struct topo_plan *p)
{
	const struct topo *t = p->topo;
	json_object *o = json_object_new_object(), *mgmt = json_object_new_object();
	json_object *nodes = json_object_new_array(), *links = json_object_new_array(),
		    *stages = json_object_new_array();

	add_str(o, "lab", p->lab);
	add_str(o, "lab_dir", p->lab_dir);
	add_str(mgmt, "network", p->mgmt_network);
	add_str(mgmt, "ipv4_subnet", p->mgmt_ipv4_subnet);
	add_str(mgmt, "ipv6_subnet", p->mgmt_ipv6_subnet);
	add_str(mgmt, "ipv4_gw", t->mgmt.ipv4_gw);
	add_str(mgmt, "ipv6_gw", t->mgmt.ipv6_gw);
	add_str(mgmt, "bridge", t->mgmt.bridge);
	if (t->mgmt.mtu)
		json_object_object_add(mgmt, "mtu", json_object_new_int((int)t->mgmt.mtu));
	json_object_object_add(o, "mgmt", mgmt);
	for (size_t i = 0; i < t->n_nodes; i++)
		json_object_array_add(nodes, node_json(p, i));
	json_object_object_add(o, "nodes", nodes);
	for (size_t i = 0; i < t->n_links; i++) {
		json_object *l = json_object_new_object();
		json_object_object_add(l, "a", end_json(p, &p->links[i].a));
		json_object_object_add(l, "b", end_json(p, &p->links[i].b));
		json_object_object_add(l, "mtu", json_object_new_int((int)p->links[i].mtu));
		json_object_array_add(links, l);
	}
	json_object_object_add(o, "links", links);
	for (unsigned s = 0; s < p->n_stages; s++) {
		json_object *st = json_object_new_array();
		for (size_t i = 0; i < p->n_steps; i++)
			if (p->steps[i].stage == s)
				json_object_array_add(st, step_json(p, &p->steps[i]));
		json_object_array_add(stages, st);
	}
	json_object_object_add(o, "stages", stages);
	return o;
}
