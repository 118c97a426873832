/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lab deploy: walk the plan. The management network through netd, node
 * containers through the runtime (in forked workers, LAB_PARALLEL at a time,
 * level by level), the mgmt attach through netd, links as veth pairs made by
 * netd's link.create directly between the two namespaces, then the nodes'
 * exec commands. The state file is written before the first change and
 * after each stage; a failure undoes everything through lab_destroy().
 */
#include <fcntl.h>
#include <net/if.h>
#include <sys/stat.h>
#include <time.h>
#include "lab.h"
#include "lab-jobs.h"
#include "netrun.h"
#include "runtime.h"

struct deploy {
	struct cli_ctx *ctx;
	const struct topo *t;
	const struct topo_plan *p;
	struct lab *l; /* nodes indexed like t->nodes */
	struct progress pr;
};

/* ---- the management network ----------------------------------------------------- */

static bool needs_mgmt(const struct topo *t)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].kind == TOPO_KIND_LINUX && t->nodes[i].netmode == TOPO_NETMODE_DEFAULT)
			return true;
	return false;
}

static int net_create(struct deploy *d, bool default_subnets, struct err *e)
{
	const struct topo_plan *p = d->p;
	_cleanup_json_ json_object *req = netd_request_new("net.create");
	json_object *subnets = json_object_new_array(), *labels = json_object_new_object();
	json_object_object_add(req, "name", json_object_new_string(p->mgmt_network));
	if (!default_subnets && strcmp(p->mgmt_ipv4_subnet, "auto") != 0)
		json_object_array_add(subnets, json_object_new_string(p->mgmt_ipv4_subnet));
	/* containerlab's default IPv6 subnet goes with its default network; a lab
	 * with a network or IPv4 subnet of its own and no IPv6 subnet gets a ULA
	 * netd picks, so that such labs can run side by side */
	bool v6_default = !d->t->mgmt.ipv6_subnet && (d->t->mgmt.network || d->t->mgmt.ipv4_subnet);
	if (!default_subnets && !v6_default && strcmp(p->mgmt_ipv6_subnet, "auto") != 0)
		json_object_array_add(subnets, json_object_new_string(p->mgmt_ipv6_subnet));
	json_object_object_add(req, "subnets", subnets);
	json_object_object_add(req, "ipv6", json_object_new_boolean(true));
	json_object_object_add(labels, "containerlab", json_object_new_string(p->lab));
	json_object_object_add(labels, "pontoon.lab-mgmt", json_object_new_string("true"));
	json_object_object_add(req, "labels", labels);
	return lab_netd(d->ctx, req, NULL, e);
}

static int mgmt_network(struct deploy *d, struct err *e)
{
	const struct topo *t = d->t;
	_cleanup_json_ json_object *req = netd_request_new("net.inspect");
	json_object *names = json_object_new_array();
	json_object_array_add(names, json_object_new_string(d->p->mgmt_network));
	json_object_object_add(req, "names", names);
	struct err ie = { 0 };
	if (lab_netd(d->ctx, req, NULL, &ie) == 0) {
		log_info("management network %s exists: the lab's nodes join it", d->p->mgmt_network);
		return 0;
	}
	int r = net_create(d, false, e);
	if (r == -EADDRINUSE && !t->mgmt.ipv4_subnet && !t->mgmt.ipv6_subnet) {
		log_warn("management network %s: %s; letting netd pick free subnets instead (set mgmt.ipv4-subnet to "
			 "choose)", d->p->mgmt_network, err_msg(e));
		err_clear(e);
		r = net_create(d, true, e);
	}
	if (r < 0)
		return err_wrap(e, "management network %s", d->p->mgmt_network);
	d->l->mgmt_created = true;
	return 0;
}

/* ---- nodes ------------------------------------------------------------------------ */

static int add_words(const char *s, char ***v, struct err *e)
{
	_cleanup_strv_ char **w = NULL;
	int r = topo_split_words(s, &w, e);
	if (r < 0)
		return r;
	strv_free(*v);
	*v = TAKE_PTR(w);
	return 0;
}

/* The node's network, as `run --network` would have it: the management
 * network (eth0, at mgmt-ipv4 or mgmt-ipv6, with the node's name as alias)
 * through the runtime's network hooks, or none, host, container:. */
static int node_network(struct deploy *d, const struct topo_node *n, struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *mode = NULL;
	char h[256] = "";
	int r;

	switch (n->netmode) {
	case TOPO_NETMODE_DEFAULT:
		c->hostname = xstrdup(n->name);
		if ((r = cli_opt_network(c, d->p->mgmt_network, e)) < 0 ||
		    (n->mgmt_ipv4 && (r = cli_opt_net(c, 0, n->mgmt_ipv4, e)) < 0) ||
		    (n->mgmt_ipv6 && (r = cli_opt_net(c, 1, n->mgmt_ipv6, e)) < 0) ||
		    (r = cli_opt_net(c, 2, n->name, e)) < 0 || (r = cli_net_opts_finish(c, e)) < 0)
			return r;
		return cli_net_resolve(c, e);
	case TOPO_NETMODE_NONE:
		c->hostname = xstrdup(n->name);
		mode = xstrdup("none");
		break;
	case TOPO_NETMODE_HOST:
		gethostname(h, sizeof(h) - 1);
		c->hostname = xstrdup(h);
		mode = xstrdup("host");
		break;
	case TOPO_NETMODE_CONTAINER: {
		char id[ID_LEN + 1];
		if (n->netmode_node >= 0)
			snprintf(id, sizeof(id), "%s", d->l->nodes[n->netmode_node].id);
		else if (rt_container_resolve(d->ctx->root, n->netmode_target, id, e) < 0)
			return err_wrap(e, "network-mode container:%s", n->netmode_target);
		mode = xasprintf("container:%s", id);
		break;
	}
	}
	if ((r = cli_opt_network(c, mode, e)) < 0)
		return r;
	return cli_net_opts_finish(c, e);
}

static int node_config(struct deploy *d, size_t i, struct rt_config *c, struct err *e)
{
	const struct topo_node *n = &d->t->nodes[i];
	int r;

	/* published on the management network (eth0), as `run -p` on the first network */
	for (char **p = n->ports; p && *p; p++) {
		struct netd_port pp;
		if (netd_port_parse(*p, &pp, e) < 0)
			return err_wrap(e, "ports");
		strv_push(&c->ports, *p);
	}
	c->name = xstrdup(d->p->nodes[i].container);
	c->image = xstrdup(n->image);
	/* as containerlab, which runs its nodes privileged: nodes are routers
	 * (sysctl net.*, ip, tc) */
	c->privileged = true;
	if (n->entrypoint && (r = add_words(n->entrypoint, &c->entrypoint, e)) < 0)
		return err_wrap(e, "entrypoint");
	if (n->cmd && (r = add_words(n->cmd, &c->cmd, e)) < 0)
		return err_wrap(e, "cmd");
	if (n->entrypoint && !n->cmd)
		c->cmd = xcalloc(1, sizeof(char *)); /* a new entrypoint clears the image's cmd (as Docker) */
	for (char **f = n->env_files; f && *f; f++)
		if ((r = rt_parse_env_file(*f, &c->env, e)) < 0)
			return err_wrap(e, "env-files");
	for (size_t k = 0; k < n->n_env; k++) {
		_cleanup_free_ char *kv = xasprintf("%s=%s", n->env[k].key, n->env[k].value);
		strv_push(&c->env, kv);
	}
	for (char **b = n->binds; b && *b; b++) {
		struct rt_bind bind;
		struct stat st;
		if ((r = rt_parse_bind(*b, &bind, e)) < 0)
			return err_wrap(e, "binds");
		c->binds = xrealloc(c->binds, (c->n_binds + 1) * sizeof(*c->binds));
		c->binds[c->n_binds++] = bind;
		if (!bind.volume && stat(bind.src, &st) < 0)
			return err_setx(e, ENOENT, "binds: source path does not exist: %s", bind.src);
	}
	for (char **h = n->extra_hosts; h && *h; h++) /* as run --add-host (before the network: it checks them) */
		if ((r = cli_opt_net(c, 7, *h, e)) < 0)
			return err_wrap(e, "extra-hosts");
	if ((r = node_network(d, n, c, e)) < 0)
		return r;
	if (c->ports && c->n_nets == 0)
		return err_setx(e, EINVAL, "ports: the node has no management network to publish them on (network-mode)");
	return 0;
}

static int node_create(struct deploy *d, struct rt_config *c, struct err *e)
{
	_cleanup_(rt_image_freep) struct rt_image *img = NULL;
	_cleanup_close_ int lock = rt_image_lock(d->ctx->root, e);
	if (lock < 0)
		return lock;
	int r = rt_image_get(d->ctx->root, c->image, &img, e);
	if (r < 0)
		return r;
	rt_config_apply_image(c, img);
	char **args = rt_config_argv(c);
	size_t n = strv_len(args);
	strv_free(args);
	if (n == 0)
		return err_setx(e, EINVAL, "no command: the image has none and the node sets no cmd");
	r = rt_container_create(d->ctx->root, c, e);
	/* network-mode none or host: no start hook writes /etc/hosts (as run) */
	if (r == 0 && c->n_nets == 0 && strncmp(c->network, "container:", 10) != 0 &&
	    (r = cli_etc_nonet(d->ctx->root, c, e)) < 0)
		(void)!rt_container_remove(d->ctx->root, c->id, true, NULL); /* undo, best effort */
	return r;
}

/* The addresses the node got on the management network: "ID IPV4 IPV6 1". */
static int node_addresses(const struct rt_config *c, char *out, size_t len, struct err *e)
{
	struct cli_ep *eps = NULL;
	size_t n = 0;
	char ip4[80] = "-", ip6[80] = "-";
	int r = cli_net_endpoints(c, &eps, &n, e);
	if (r < 0)
		return err_wrap(e, "management network");
	if (n == 0) {
		cli_eps_free(eps, n);
		return err_setx(e, ESRCH, "not attached to the management network (did it exit right away?)");
	}
	if (eps[0].ip)
		snprintf(ip4, sizeof(ip4), "%s/%d", eps[0].ip, eps[0].prefix);
	if (eps[0].ip6)
		snprintf(ip6, sizeof(ip6), "%s/%d", eps[0].ip6, eps[0].prefix6);
	snprintf(out, len, "%s %s %s 1", c->id, ip4, ip6);
	cli_eps_free(eps, n);
	return 0;
}

/* Worker: create, start, attach one node; undoes its own work on failure. */
static int node_job(void *ctx, size_t i, char *out, size_t len, struct err *e)
{
	struct deploy *d = ctx;
	const struct topo_node *n = &d->t->nodes[i];
	struct rt_config c;
	int fd = -1, r;

	if (n->startup_delay)
		sleep(n->startup_delay);
	rt_config_init(&c);
	r = node_config(d, i, &c, e);
	if (r == 0)
		r = node_create(d, &c, e);
	if (r < 0) {
		rt_config_done(&c);
		return r;
	}
	r = rt_container_start(d->ctx->root, c.id, NULL, &fd, e);
	if (fd >= 0)
		close(fd);
	if (r == 0 && n->netmode == TOPO_NETMODE_DEFAULT)
		r = node_addresses(&c, out, len, e);
	else if (r == 0)
		snprintf(out, len, "%s - - 0", c.id);
	if (r < 0)
		(void)!rt_container_remove(d->ctx->root, c.id, true, NULL); /* undo, best effort */
	rt_config_done(&c);
	return r;
}

static void node_start(void *ctx, size_t i)
{
	struct deploy *d = ctx;
	progress_set(&d->pr, i, false, "%s", d->t->nodes[i].startup_delay ? "waiting (startup-delay)" : "starting");
}

static void node_done(void *ctx, size_t i, bool ok, const char *msg)
{
	struct deploy *d = ctx;
	struct lab_node *ln = &d->l->nodes[i];
	char id[ID_LEN + 1], ip4[80], ip6[80];
	int mgmt = 0;

	if (!ok) {
		progress_set(&d->pr, i, true, "failed: %s", msg);
		return;
	}
	if (sscanf(msg, "%64s %79s %79s %d", id, ip4, ip6, &mgmt) != 4 || !id_is_valid(id)) {
		progress_set(&d->pr, i, true, "failed: bad worker report");
		return;
	}
	memcpy(ln->id, id, sizeof(ln->id));
	ln->mgmt = mgmt;
	ln->ipv4 = strcmp(ip4, "-") ? xstrdup(ip4) : NULL;
	ln->ipv6 = strcmp(ip6, "-") ? xstrdup(ip6) : NULL;
	progress_set(&d->pr, i, true, "running%s%s", ln->ipv4 ? "  " : "", ln->ipv4 ? ln->ipv4 : "");
}

/* Name the (first) node whose job failed. */
static int wrap_failed(struct deploy *d, const size_t *items, size_t n, struct err *e)
{
	for (size_t k = 0; k < n; k++)
		if (d->pr.status[items[k]] && strncmp(d->pr.status[items[k]], "failed", 6) == 0)
			return err_wrap(e, "node %s", d->t->nodes[items[k]].name);
	return -(e->code ? e->code : EIO);
}

static int deploy_nodes(struct deploy *d, struct err *e)
{
	_cleanup_free_ size_t *items = xcalloc(d->t->n_nodes + 1, sizeof(size_t));
	struct jobs j = { .ctx = d, .parallel = LAB_PARALLEL, .start = node_start, .fn = node_job, .done = node_done };
	for (unsigned level = 0; level < d->p->n_levels; level++) {
		size_t n = 0;
		for (size_t i = 0; i < d->t->n_nodes; i++)
			if (d->t->nodes[i].kind == TOPO_KIND_LINUX && d->p->nodes[i].level == level)
				items[n++] = i;
		int r = jobs_run(&j, items, n, e);
		int s = lab_save(d->l, r < 0 ? NULL : e);
		if (r < 0)
			return wrap_failed(d, items, n, e);
		if (s < 0)
			return s;
	}
	return 0;
}

/* ---- links --------------------------------------------------------------------------- */

static json_object *end_json(struct deploy *d, const struct topo_plan_end *end, struct err *e)
{
	json_object *o = json_object_new_object();
	if (end->bridge) {
		json_object_object_add(o, "bridge", json_object_new_string(d->t->nodes[end->node].name));
	} else {
		struct rt_state st;
		if (rt_state_read(d->ctx->root, d->l->nodes[end->node].id, &st, e) < 0 || st.status != RT_RUNNING) {
			json_object_put(o);
			if (!e || !e->code)
				err_setx(e, ESRCH, "node %s is not running", d->t->nodes[end->node].name);
			return NULL;
		}
		_cleanup_free_ char *ns = xasprintf("/proc/%d/ns/net", (int)st.pid);
		json_object_object_add(o, "netns", json_object_new_string(ns));
	}
	json_object_object_add(o, "ifname", json_object_new_string(end->ifname));
	if (end->mac)
		json_object_object_add(o, "mac", json_object_new_string(end->mac));
	return o;
}

static int deploy_link(struct deploy *d, size_t i, struct err *e)
{
	const struct topo_plan_link *pl = &d->p->links[i];
	/* netd takes the bridge end as b */
	const struct topo_plan_end *a = pl->a.bridge ? &pl->b : &pl->a, *b = pl->a.bridge ? &pl->a : &pl->b;
	_cleanup_json_ json_object *req = netd_request_new("link.create");
	json_object *ja = end_json(d, a, e), *jb = ja ? end_json(d, b, e) : NULL;
	if (!ja || !jb) {
		json_object_put(ja);
		return -(e && e->code ? e->code : ESRCH);
	}
	json_object_object_add(req, "a", ja);
	json_object_object_add(req, "b", jb);
	json_object_object_add(req, "mtu", json_object_new_int64(pl->mtu));
	return lab_netd(d->ctx, req, NULL, e);
}

static int deploy_links(struct deploy *d, struct err *e)
{
	for (size_t i = 0; i < d->t->n_links; i++) {
		const struct topo_link *tl = &d->t->links[i];
		int r = deploy_link(d, i, e);
		if (r < 0)
			return err_wrap(e, "link %s:%s -- %s:%s (%s:%u:%u)", tl->ep[0].node, tl->ep[0].ifname,
					tl->ep[1].node, tl->ep[1].ifname, d->t->file, tl->mark.line, tl->mark.col);
	}
	return 0;
}

/* ---- exec ---------------------------------------------------------------------------- */

static void last_line(const char *path, char *buf, size_t len)
{
	_cleanup_free_ char *data = NULL;
	size_t n = 0;
	buf[0] = 0;
	if (read_file(path, 1 << 20, &data, &n, NULL) < 0 || n == 0)
		return;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		data[--n] = 0;
	const char *s = memrchr(data, '\n', n);
	snprintf(buf, len, "%s", s ? s + 1 : data);
}

static int exec_job(void *ctx, size_t i, char *out, size_t len, struct err *e)
{
	struct deploy *d = ctx;
	const struct topo_node *n = &d->t->nodes[i];
	_cleanup_free_ char *log = xasprintf("%s/%s.exec.log", d->l->dir, n->name);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), null = open("/dev/null", O_RDONLY);
	(void)out;
	(void)len;
	if (fd < 0)
		return err_set(e, errno, "open %s", log);
	if (null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		return err_set(e, errno, "redirect exec output");
	for (char **c = n->exec; c && *c; c++) {
		_cleanup_strv_ char **argv = NULL;
		char tail[200];
		int r = topo_split_words(*c, &argv, e);
		if (r < 0)
			return err_wrap(e, "exec");
		if (!argv[0])
			continue;
		dprintf(1, "$ %s\n", *c);
		struct rt_exec x = { .argv = argv };
		int status = rt_container_exec(d->ctx->root, d->l->nodes[i].id, &x, e);
		if (status == 0)
			continue;
		last_line(log, tail, sizeof(tail));
		if (e && e->code)
			return err_wrap(e, "exec \"%s\"", *c);
		return err_setx(e, EIO, "exec \"%s\" exited with %d%s%s", *c, status, tail[0] ? ": " : "", tail);
	}
	return 0;
}

static void exec_start(void *ctx, size_t i)
{
	struct deploy *d = ctx;
	progress_set(&d->pr, i, false, "exec");
}

static void exec_done(void *ctx, size_t i, bool ok, const char *msg)
{
	struct deploy *d = ctx;
	struct lab_node *ln = &d->l->nodes[i];
	if (ok)
		progress_set(&d->pr, i, true, "running%s%s, exec done", ln->ipv4 ? "  " : "", ln->ipv4 ? ln->ipv4 : "");
	else
		progress_set(&d->pr, i, true, "failed: %s", msg);
}

static int deploy_execs(struct deploy *d, struct err *e)
{
	_cleanup_free_ size_t *items = xcalloc(d->t->n_nodes + 1, sizeof(size_t));
	struct jobs j = { .ctx = d, .parallel = LAB_PARALLEL, .start = exec_start, .fn = exec_job, .done = exec_done };
	size_t n = 0;
	for (size_t i = 0; i < d->t->n_nodes; i++)
		if (d->t->nodes[i].kind == TOPO_KIND_LINUX && d->t->nodes[i].exec && d->t->nodes[i].exec[0])
			items[n++] = i;
	int r = jobs_run(&j, items, n, e);
	return r < 0 ? wrap_failed(d, items, n, e) : 0;
}

/* ---- the whole ------------------------------------------------------------------------- */

static struct lab *lab_new(struct cli_ctx *ctx, const struct topo *t, const struct topo_plan *p)
{
	struct lab *l = xcalloc(1, sizeof(*l));
	l->ctx = ctx;
	l->name = xstrdup(t->name);
	const char *base = strrchr(t->file, '/');
	l->file = xasprintf("%s/%s", t->dir, base ? base + 1 : t->file);
	l->dir = lab_dir(ctx, t->name);
	l->mgmt_network = xstrdup(p->mgmt_network);
	l->n_nodes = t->n_nodes;
	l->nodes = xcalloc(t->n_nodes + 1, sizeof(*l->nodes));
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		struct lab_node *ln = &l->nodes[i];
		ln->name = xstrdup(n->name);
		ln->kind = xstrdup(topo_kind_name(n->kind));
		ln->image = n->image ? xstrdup(n->image) : NULL;
		ln->container = p->nodes[i].container ? xstrdup(p->nodes[i].container) : NULL;
		ln->linux_node = n->kind == TOPO_KIND_LINUX;
		ln->level = p->nodes[i].level;
	}
	l->plan = topo_plan_to_json(p);
	return l;
}

static int check_bridges(struct deploy *d, struct err *e)
{
	for (size_t i = 0; i < d->t->n_nodes; i++) {
		const struct topo_node *n = &d->t->nodes[i];
		if (n->kind == TOPO_KIND_BRIDGE && if_nametoindex(n->name) == 0)
			return err_setx(e, ENODEV,
					"node %s (%s:%u:%u): kind bridge needs the bridge %s on the host; create it first "
					"(ip link add %s type bridge && ip link set %s up)",
					n->name, d->t->file, n->mark.line, n->mark.col, n->name, n->name, n->name);
	}
	return 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int deploy_steps(struct deploy *d, struct err *e)
{
	struct timespec t0;
	int r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = check_bridges(d, e)) < 0)
		return r;
	if ((r = mkdir_p(d->l->dir, 0700, e)) < 0 || (r = lab_save(d->l, e)) < 0)
		return r;
	if (needs_mgmt(d->t) && (r = mgmt_network(d, e)) < 0)
		return r;
	log_debug("lab %s: management network ready after %.1f ms", d->t->name, ms_since(&t0));
	if ((r = lab_save(d->l, e)) < 0 || (r = deploy_nodes(d, e)) < 0)
		return r;
	log_debug("lab %s: nodes running after %.1f ms", d->t->name, ms_since(&t0));
	if ((r = deploy_links(d, e)) < 0)
		return r;
	log_debug("lab %s: links made after %.1f ms", d->t->name, ms_since(&t0));
	if ((r = deploy_execs(d, e)) < 0)
		return r;
	log_debug("lab %s: exec done after %.1f ms", d->t->name, ms_since(&t0));
	d->l->deployed = true;
	return lab_save(d->l, e);
}

int lab_deploy(struct cli_ctx *ctx, const struct topo *t, const struct topo_plan *p, struct err *e)
{
	_cleanup_(lab_freep) struct lab *l = lab_new(ctx, t, p);
	struct deploy d = { .ctx = ctx, .t = t, .p = p, .l = l };
	const char **names = xcalloc(t->n_nodes + 1, sizeof(char *));
	for (size_t i = 0; i < t->n_nodes; i++)
		names[i] = t->nodes[i].name;
	progress_init(&d.pr, names, t->n_nodes);
	free(names);
	int r = deploy_steps(&d, e);
	if (r < 0) {
		struct err ue = { 0 };
		log_info("deploy of lab %s failed: removing what it made", t->name);
		if (lab_destroy(l, true, &ue) < 0)
			log_warn("undo: %s", err_msg(&ue));
	}
	progress_done(&d.pr);
	return r;
}
