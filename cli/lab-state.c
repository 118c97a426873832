/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A deployed lab's state file; word splitting; the netd call. */
#include "lab.h"
#include "netd.h"

char *lab_dir(struct cli_ctx *ctx, const char *lab)
{
	return xasprintf("%s/labs/%s", ctx->root, lab);
}

int lab_netd(struct cli_ctx *ctx, json_object *req, json_object **ret, struct err *e)
{
	struct netd_paths p = { .root = ctx->root, .run = ctx->run };
	json_object *reply = NULL;
	int r = netd_call(&p, req, true, &reply, e);
	if (r < 0)
		return r;
	if (ret)
		*ret = reply;
	else
		json_object_put(reply);
	return 0;
}

static void put_str(json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static const char *get_str(json_object *o, const char *k)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static char *dup_str(json_object *o, const char *k)
{
	const char *s = get_str(o, k);
	return s ? xstrdup(s) : NULL;
}

int lab_save(const struct lab *l, struct err *e)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *mgmt = json_object_new_object(), *nodes = json_object_new_array();
	put_str(o, "lab", l->name);
	put_str(o, "file", l->file);
	put_str(o, "status", l->deployed ? "deployed" : "deploying");
	put_str(mgmt, "network", l->mgmt_network);
	json_object_object_add(mgmt, "created", json_object_new_boolean(l->mgmt_created));
	json_object_object_add(o, "mgmt", mgmt);
	for (size_t i = 0; i < l->n_nodes; i++) {
		const struct lab_node *n = &l->nodes[i];
		json_object *j = json_object_new_object();
		put_str(j, "name", n->name);
		put_str(j, "kind", n->kind);
		put_str(j, "image", n->image);
		put_str(j, "container", n->container);
		if (n->id[0])
			put_str(j, "id", n->id);
		put_str(j, "ipv4", n->ipv4);
		put_str(j, "ipv6", n->ipv6);
		json_object_object_add(j, "mgmt", json_object_new_boolean(n->mgmt));
		json_object_object_add(j, "level", json_object_new_int64((int64_t)n->level));
		json_object_array_add(nodes, j);
	}
	json_object_object_add(o, "nodes", nodes);
	if (l->plan)
		json_object_object_add(o, "plan", json_object_get(l->plan));
	_cleanup_free_ char *path = xasprintf("%s/state.json", l->dir);
	int r = state_write_json(path, o, e);
	return r < 0 ? err_wrap(e, "save lab %s", l->name) : 0;
}

static int node_from_json(json_object *j, struct lab_node *n, struct err *e)
{
	json_object *v;
	const char *id = get_str(j, "id");
	n->name = dup_str(j, "name");
	n->kind = dup_str(j, "kind");
	n->image = dup_str(j, "image");
	n->container = dup_str(j, "container");
	n->ipv4 = dup_str(j, "ipv4");
	n->ipv6 = dup_str(j, "ipv6");
	if (!n->name || !n->kind)
		return err_setx(e, EINVAL, "a node without name or kind");
	n->linux_node = strcmp(n->kind, "bridge") != 0;
	if (n->linux_node && !n->container)
		return err_setx(e, EINVAL, "node %s has no container name", n->name);
	if (id && !id_is_valid(id))
		return err_setx(e, EINVAL, "node %s: bad container id", n->name);
	if (id)
		snprintf(n->id, sizeof(n->id), "%s", id);
	if (json_object_object_get_ex(j, "mgmt", &v))
		n->mgmt = json_object_get_boolean(v);
	if (json_object_object_get_ex(j, "level", &v))
		n->level = (size_t)json_object_get_int64(v);
	return 0;
}

int lab_load(struct cli_ctx *ctx, const char *name, struct lab **ret, struct err *e)
{
	_cleanup_(lab_freep) struct lab *l = xcalloc(1, sizeof(*l));
	_cleanup_json_ json_object *o = NULL;
	json_object *mgmt, *nodes, *v;
	int r;

	l->ctx = ctx;
	l->dir = lab_dir(ctx, name);
	_cleanup_free_ char *path = xasprintf("%s/state.json", l->dir);
	r = state_read_json(path, &o, e);
	if (r == -ENOENT)
		return err_setx(e, ENOENT, "lab %s is not deployed", name);
	if (r < 0)
		return err_wrap(e, "lab %s", name);
	l->name = dup_str(o, "lab");
	l->file = dup_str(o, "file");
	const char *status = get_str(o, "status");
	l->deployed = status && strcmp(status, "deployed") == 0;
	if (!l->name || !json_object_object_get_ex(o, "mgmt", &mgmt) ||
	    !json_object_object_get_ex(o, "nodes", &nodes) || !json_object_is_type(nodes, json_type_array))
		return err_setx(e, EINVAL, "%s: not a lab state file", path);
	l->mgmt_network = dup_str(mgmt, "network");
	if (json_object_object_get_ex(mgmt, "created", &v))
		l->mgmt_created = json_object_get_boolean(v);
	l->n_nodes = json_object_array_length(nodes);
	l->nodes = xcalloc(l->n_nodes + 1, sizeof(*l->nodes));
	for (size_t i = 0; i < l->n_nodes; i++) {
		r = node_from_json(json_object_array_get_idx(nodes, i), &l->nodes[i], e);
		if (r < 0)
			return err_wrap(e, "%s", path);
	}
	if (json_object_object_get_ex(o, "plan", &v))
		l->plan = json_object_get(v);
	*ret = TAKE_PTR(l);
	return 0;
}

void lab_free(struct lab *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_nodes; i++) {
		struct lab_node *n = &l->nodes[i];
		free(n->name);
		free(n->kind);
		free(n->image);
		free(n->container);
		free(n->ipv4);
		free(n->ipv6);
	}
	free(l->nodes);
	free(l->name);
	free(l->file);
	free(l->dir);
	free(l->mgmt_network);
	json_object_put(l->plan);
	free(l);
}
