/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lab destroy: detach each node from the management network and remove its
 * container (LAB_PARALLEL at a time, nodes sharing another's namespace
 * first). The links go with the namespaces: a veth pair is deleted when
 * either end's namespace dies, a bridge node's host end with it. Then the
 * management network, when the lab made it and nothing else uses it, and
 * the state (with --cleanup the lab's directory).
 */
#include "lab.h"
#include "lab-jobs.h"
#include "runtime.h"

struct destroy {
	struct lab *l;
	struct progress pr;
};

static int detach(struct lab *l, const struct lab_node *n, const char *id, struct err *e)
{
	_cleanup_json_ json_object *req = netd_request_new("detach");
	json_object_object_add(req, "container", json_object_new_string(id));
	json_object_object_add(req, "network", json_object_new_string(l->mgmt_network));
	int r = lab_netd(l->ctx, req, NULL, e);
	if (r == -ENOENT) {
		err_clear(e);
		return 0;
	}
	return r < 0 ? err_wrap(e, "detach %s from %s", n->container, l->mgmt_network) : 0;
}

static int destroy_job(void *ctx, size_t i, char *out, size_t len, struct err *e)
{
	struct destroy *d = ctx;
	struct lab_node *n = &d->l->nodes[i];
	char id[ID_LEN + 1];
	int r;

	(void)out;
	(void)len;
	if (n->id[0]) {
		memcpy(id, n->id, sizeof(id));
	} else {
		/* a deploy that crashed before it recorded the id: the name is the lab's */
		r = rt_container_resolve(d->l->ctx->root, n->container, id, e);
		if (r == -ENOENT) {
			err_clear(e);
			return 0;
		}
		if (r < 0)
			return r;
	}
	if (n->mgmt || !n->id[0]) {
		r = detach(d->l, n, id, e);
		if (r < 0 && n->mgmt)
			return r;
		err_clear(e);
	}
	r = rt_container_remove(d->l->ctx->root, id, true, e);
	if (r == -ENOENT) {
		err_clear(e);
		return 0;
	}
	return r;
}

static void destroy_done(void *ctx, size_t i, bool ok, const char *msg)
{
	struct destroy *d = ctx;
	if (ok) {
		d->l->nodes[i].id[0] = 0;
		d->l->nodes[i].mgmt = false;
	}
	if (ok)
		progress_set(&d->pr, i, true, "removed");
	else
		progress_set(&d->pr, i, true, "failed: %s", msg);
}

/* Remove the management network when this lab made it (or another lab did,
 * as its label says) and no container uses it any more. */
static int remove_mgmt(struct lab *l, struct err *e)
{
	_cleanup_json_ json_object *req = netd_request_new("net.inspect"), *reply = NULL;
	json_object *names = json_object_new_array(), *nets, *labels;
	json_object_array_add(names, json_object_new_string(l->mgmt_network));
	json_object_object_add(req, "names", names);
	struct err ie = { 0 };
	if (lab_netd(l->ctx, req, &reply, &ie) < 0)
		return 0; /* gone already */
	bool ours = l->mgmt_created;
	if (json_object_object_get_ex(reply, "networks", &nets) && json_object_array_length(nets) == 1 &&
	    json_object_object_get_ex(json_object_array_get_idx(nets, 0), "labels", &labels))
		ours |= json_object_object_get_ex(labels, "pontoon.lab-mgmt", NULL);
	if (!ours)
		return 0;
	_cleanup_json_ json_object *rm = netd_request_new("net.rm");
	json_object *rmnames = json_object_new_array();
	json_object_array_add(rmnames, json_object_new_string(l->mgmt_network));
	json_object_object_add(rm, "names", rmnames);
	int r = lab_netd(l->ctx, rm, NULL, e);
	if (r == -EBUSY) {
		log_info("management network %s stays: other containers use it (%s)", l->mgmt_network, err_msg(e));
		err_clear(e);
		return 0;
	}
	return r < 0 ? err_wrap(e, "remove management network %s", l->mgmt_network) : 0;
}

static int destroy_nodes(struct destroy *d, struct err *e)
{
	struct lab *l = d->l;
	_cleanup_free_ size_t *items = xcalloc(l->n_nodes + 1, sizeof(size_t));
	struct jobs j = { .ctx = d, .parallel = LAB_PARALLEL, .keep_going = true, .fn = destroy_job, .done = destroy_done };
	size_t max = 0;
	int ret = 0;

	for (size_t i = 0; i < l->n_nodes; i++)
		if (l->nodes[i].linux_node && l->nodes[i].level > max)
			max = l->nodes[i].level;
	/* deepest first: a node sharing another's namespace goes before it */
	for (size_t level = max + 1; level-- > 0;) {
		size_t n = 0;
		for (size_t i = 0; i < l->n_nodes; i++)
			if (l->nodes[i].linux_node && l->nodes[i].level == level &&
			    (l->nodes[i].id[0] || !l->deployed))
				items[n++] = i;
		int r = jobs_run(&j, items, n, ret < 0 ? NULL : e);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int lab_destroy(struct lab *l, bool cleanup, struct err *e)
{
	struct destroy d = { .l = l };
	const char **names = xcalloc(l->n_nodes + 1, sizeof(char *));
	int r, r2;

	for (size_t i = 0; i < l->n_nodes; i++)
		names[i] = l->nodes[i].name;
	progress_init(&d.pr, names, l->n_nodes);
	free(names);
	d.pr.quiet = !d.pr.tty; /* plain output: say only what failed */
	r = destroy_nodes(&d, e);
	progress_done(&d.pr);
	if (r < 0) {
		/* keep the state: what is left is still listed there for another try */
		r2 = lab_save(l, NULL);
		(void)r2;
		return err_wrap(e, "destroy lab %s", l->name);
	}
	if (l->mgmt_network && (r = remove_mgmt(l, e)) < 0)
		return r;
	_cleanup_free_ char *state = xasprintf("%s/state.json", l->dir);
	if (cleanup) {
		r = rm_rf(l->dir, e);
		return r < 0 ? err_wrap(e, "remove %s", l->dir) : 0;
	}
	if (unlink(state) < 0 && errno != ENOENT)
		return err_set(e, errno, "remove %s", state);
	return 0;
}
