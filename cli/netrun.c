/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Containers on networks: the runtime's network hooks (attach a starting
 * container's namespace to its networks through netd, release them when it
 * ends), and the container's /etc/hosts and /etc/resolv.conf.
 *
 * The runtime knows nothing of netd: rt_container_start calls the attach hook
 * between the init's clone and its exec, with the init's pid; the hook asks
 * netd to attach /proc/PID/ns/net to each network of the container (eth0,
 * eth1, ... in order), then writes the /etc files, which the init has bound
 * into its root. netd watches the init's pid and releases the endpoints when
 * it ends; stop and rm also ask for the release at once.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include "cli.h"
#include "dns.h"
#include "ipam.h"
#include "netd.h"
#include "netrun.h"
#include "runtime.h"

static struct netd_paths paths;

void cli_ep_done(struct cli_ep *x)
{
	free(x->network);
	free(x->network_id);
	free(x->endpoint);
	free(x->ip);
	free(x->ip6);
	free(x->gateway);
	free(x->gateway6);
	strv_free(x->ports);
	free(x->mac);
	memset(x, 0, sizeof(*x));
}

void cli_eps_free(struct cli_ep *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cli_ep_done(&v[i]);
	free(v);
}

static char *jstr(json_object *o, const char *k)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return *json_object_get_string(v) ? xstrdup(json_object_get_string(v)) : NULL;
}

static int jint(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) ? json_object_get_int(v) : 0;
}

static void ep_from_reply(json_object *r, struct cli_ep *x)
{
	x->network = jstr(r, "network");
	x->network_id = jstr(r, "network_id");
	x->endpoint = jstr(r, "endpoint");
	x->ip = jstr(r, "ip");
	x->ip6 = jstr(r, "ip6");
	x->gateway = jstr(r, "gateway");
	x->gateway6 = jstr(r, "gateway6");
	x->mac = jstr(r, "mac");
	x->prefix = jint(r, "prefix");
	x->prefix6 = jint(r, "prefix6");
}

int cli_netd_call(json_object *req, bool autostart, json_object **ret, struct err *e)
{
	return netd_call(&paths, req, autostart, ret, e);
}

static json_object *strv_arr(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

int cli_net_attach(const struct rt_config *c, const struct rt_netconf *nc, pid_t pid, struct cli_ep *ret,
		   struct err *e)
{
	_cleanup_json_ json_object *req = netd_request_new("attach"), *reply = NULL;
	_cleanup_free_ char *netns = xasprintf("/proc/%d/ns/net", (int)pid);
	int r;

	json_object_object_add(req, "container", json_object_new_string(c->id));
	json_object_object_add(req, "name", json_object_new_string(c->name));
	json_object_object_add(req, "netns", json_object_new_string(netns));
	json_object_object_add(req, "network", json_object_new_string(nc->name));
	json_object_object_add(req, "pid", json_object_new_int(pid));
	if (c->hostname)
		json_object_object_add(req, "hostname", json_object_new_string(c->hostname));
	/* one static address goes in "ip" whatever its family (what every netd
	 * takes); "ip6" only with both */
	if (nc->ip || nc->ip6)
		json_object_object_add(req, "ip", json_object_new_string(nc->ip ? nc->ip : nc->ip6));
	if (nc->ip && nc->ip6)
		json_object_object_add(req, "ip6", json_object_new_string(nc->ip6));
	if (nc->mac)
		json_object_object_add(req, "mac", json_object_new_string(nc->mac));
	if (nc->aliases)
		json_object_object_add(req, "aliases", strv_arr(nc->aliases));
	if (nc->links) {
		/* netd takes TARGET:ALIAS (the alias defaults to the target's name) */
		json_object *l = json_object_new_array();
		for (size_t i = 0; nc->links[i]; i++) {
			const char *s = nc->links[i], *colon = strchr(s, ':');
			_cleanup_free_ char *pair = colon ? xstrdup(s) : xasprintf("%s:%s", s, s);
			json_object_array_add(l, json_object_new_string(pair));
		}
		json_object_object_add(req, "links", l);
	}
	if (c->dns)
		json_object_object_add(req, "dns", strv_arr(c->dns));
	if (nc == &c->nets[0] && (c->ports || c->publish_all)) {
		/* published on the first network, as Docker does */
		json_object *pa = strv_arr(c->ports);
		for (size_t i = 0; c->publish_all && c->exposed && c->exposed[i]; i++)
			if (!cli_port_published(c, c->exposed[i])) /* as Docker's -P */
				json_object_array_add(pa, json_object_new_string(c->exposed[i]));
		json_object_object_add(req, "ports", pa);
	}
	r = netd_call(&paths, req, true, &reply, e);
	if (r < 0)
		return err_wrap(e, "attach to network %s", nc->name);
	ep_from_reply(reply, ret);
	return 0;
}

int cli_net_detach(const char *id, const char *network, struct err *e)
{
	_cleanup_json_ json_object *req = netd_request_new("detach"), *reply = NULL;
	json_object_object_add(req, "container", json_object_new_string(id));
	json_object_object_add(req, "network", json_object_new_string(network));
	return netd_call(&paths, req, true, &reply, e);
}

/* Every endpoint the container has now, in the order of its config's networks. */
int cli_net_endpoints(const struct rt_config *c, struct cli_ep **ret, size_t *ret_n, struct err *e)
{
	_cleanup_json_ json_object *req = netd_request_new("net.inspect"), *reply = NULL;
	json_object *names = json_object_new_array(), *nets;
	struct cli_ep *v = xcalloc(c->n_nets + 1, sizeof(*v));
	size_t n = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	for (size_t i = 0; i < c->n_nets; i++)
		json_object_array_add(names, json_object_new_string(c->nets[i].name));
	json_object_object_add(req, "names", names);
	if (c->n_nets == 0) {
		*ret = v;
		return 0;
	}
	r = netd_call(&paths, req, true, &reply, e);
	if (r < 0 || !json_object_object_get_ex(reply, "networks", &nets)) {
		free(v);
		return r < 0 ? r : err_setx(e, EPROTO, "netd sent no networks");
	}
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		json_object *net = json_object_array_get_idx(nets, i), *ctrs, *me, *cfg;
		if (!json_object_object_get_ex(net, "Containers", &ctrs) || !json_object_object_get_ex(ctrs, c->id, &me))
			continue;
		struct cli_ep *x = &v[n++];
		x->network = jstr(net, "Name");
		x->network_id = jstr(net, "Id");
		x->endpoint = jstr(me, "EndpointID");
		x->mac = jstr(me, "MacAddress");
		json_object *pv;
		if (json_object_object_get_ex(me, "Ports", &pv) && json_object_is_type(pv, json_type_array))
			for (size_t k = 0; k < json_object_array_length(pv); k++)
				strv_push(&x->ports, json_object_get_string(json_object_array_get_idx(pv, k)));
		_cleanup_free_ char *a4 = jstr(me, "IPv4Address"), *a6 = jstr(me, "IPv6Address");
		if (a4 && strchr(a4, '/')) {
			x->prefix = atoi(strchr(a4, '/') + 1);
			x->ip = xstrndup(a4, (size_t)(strchr(a4, '/') - a4));
		}
		if (a6 && strchr(a6, '/')) {
			x->prefix6 = atoi(strchr(a6, '/') + 1);
			x->ip6 = xstrndup(a6, (size_t)(strchr(a6, '/') - a6));
		}
		json_object *ipam;
		if (json_object_object_get_ex(net, "IPAM", &ipam) && json_object_object_get_ex(ipam, "Config", &cfg)) {
			for (size_t k = 0; k < json_object_array_length(cfg); k++) {
				char *gw = jstr(json_object_array_get_idx(cfg, k), "Gateway");
				if (gw && strchr(gw, ':') && !x->gateway6)
					x->gateway6 = gw;
				else if (gw && !strchr(gw, ':') && !x->gateway)
					x->gateway = gw;
				else
					free(gw);
			}
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* ---- /etc/hosts and /etc/resolv.conf ------------------------------------------ */

static char *ctr_file(const char *root, const char *id, const char *name)
{
	_cleanup_free_ char *dir = rt_container_dir(root, id);
	return path_join(dir, name);
}

/* In place (the file is bind-mounted into the container: a rename would not
 * be seen there). */
static int write_in_place(const char *path, const char *text, struct err *e)
{
	int r = fault_point("state"); /* tests: as any state write */
	if (r < 0)
		return err_set(e, -r, "write %s", path);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0)
		return err_set(e, errno, "write %s", path);
	if (write(fd, text, len) != (ssize_t)len)
		return err_set(e, errno ? errno : ENOSPC, "write %s", path);
	return 0;
}

static bool line_in(const char *text, const char *line, size_t len)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l == len && memcmp(p, line, len) == 0)
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

/*
 * /etc/hosts: pontoon owns the lines it wrote last time (kept beside it as
 * hosts.pontoon); lines the user added in the container are kept, after the
 * new ones, as Docker adds and removes only its own entries.
 */
static int update_hosts(const char *root, const char *id, const char *fresh, struct err *e)
{
	_cleanup_free_ char *path = ctr_file(root, id, "hosts"), *mine = ctr_file(root, id, "hosts.pontoon");
	_cleanup_free_ char *cur = NULL, *last = NULL;
	size_t len;
	char *out;
	int r;

	if (read_file(path, 1 << 20, &cur, &len, NULL) < 0)
		cur = xstrdup("");
	if (read_file(mine, 1 << 20, &last, &len, NULL) < 0)
		last = NULL;
	size_t cap = strlen(fresh) + strlen(cur) + 2, n = strlen(fresh);
	out = xmalloc(cap);
	memcpy(out, fresh, n);
	/* no record of ours (first start): the file is the one create wrote */
	for (const char *p = last ? cur : ""; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l > 0 && !line_in(last, p, l) && !line_in(fresh, p, l)) {
			memcpy(out + n, p, l);
			n += l;
			out[n++] = '\n';
		}
		p = nl ? nl + 1 : p + l;
	}
	out[n] = '\0';
	r = write_in_place(path, out, e);
	free(out);
	if (r == 0)
		r = write_in_place(mine, fresh, e);
	return r;
}

/* /etc/resolv.conf: as Docker, once the user changed it, it is theirs. */
static int update_resolv(const char *root, const char *id, const char *fresh, struct err *e)
{
	_cleanup_free_ char *path = ctr_file(root, id, "resolv.conf");
	_cleanup_free_ char *mine = ctr_file(root, id, "resolv.conf.pontoon");
	_cleanup_free_ char *cur = NULL, *last = NULL;
	size_t len;

	if (read_file(mine, 1 << 20, &last, &len, NULL) == 0 && read_file(path, 1 << 20, &cur, &len, NULL) == 0 &&
	    strcmp(cur, last) != 0)
		return 0;
	int r = write_in_place(path, fresh, e);
	if (r == 0)
		r = write_in_place(mine, fresh, e);
	return r;
}

static int parse_addr(const char *s, struct dns_addr *ret)
{
	return s ? dns_addr_parse(s, ret) : -EINVAL;
}

/* --add-host NAME:IP, --link (entries already resolved to "IP NAME [ALIAS]") */
struct host_entries {
	struct dns_host_entry *v;
	char ***names;
	size_t n;
};

static void entries_done(struct host_entries *h)
{
	for (size_t i = 0; i < h->n; i++)
		strv_free(h->names[i]);
	free(h->names);
	free(h->v);
}

static int entries_add(struct host_entries *h, const char *ip, char **names, struct err *e)
{
	struct dns_addr a;
	if (parse_addr(ip, &a) < 0) {
		strv_free(names);
		return err_setx(e, EINVAL, "invalid address \"%s\"", ip);
	}
	h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	h->names = xrealloc(h->names, (h->n + 1) * sizeof(*h->names));
	h->names[h->n] = names;
	h->v[h->n].addr = a;
	h->v[h->n].names = names;
	h->n++;
	return 0;
}

static int add_hosts_entries(const struct rt_config *c, const struct cli_ep *eps, size_t n, struct host_entries *h,
			     struct err *e)
{
	for (size_t i = 0; c->add_hosts && c->add_hosts[i]; i++) {
		_cleanup_free_ char *name = NULL;
		_cleanup_strv_ char **addrs = NULL;
		int r = cli_add_host_addrs(c->add_hosts[i], eps, n, &name, &addrs, e);
		for (size_t k = 0; r == 0 && addrs[k]; k++) {
			char **names = NULL;
			strv_push(&names, name);
			r = entries_add(h, addrs[k], names, e);
		}
		if (r < 0)
			return err_wrap(e, "--add-host %s", c->add_hosts[i]);
	}
	return 0;
}

/* --link CONTAINER:ALIAS: the linked container's address on the default bridge. */
static int link_entries(const char *root, const struct rt_config *c, struct host_entries *h, struct err *e)
{
	for (size_t i = 0; c->links && c->links[i]; i++) {
		const char *s = c->links[i], *colon = strchr(s, ':');
		_cleanup_free_ char *ref = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
		char id[ID_LEN + 1];
		struct rt_config lc;
		struct cli_ep *eps = NULL;
		size_t n = 0;
		int r = rt_container_resolve(root, ref, id, e);
		if (r < 0)
			return err_wrap(e, "--link %s", s);
		if ((r = rt_config_read(root, id, &lc, e)) < 0)
			return err_wrap(e, "--link %s", s);
		r = cli_net_endpoints(&lc, &eps, &n, e);
		const char *ip = NULL;
		for (size_t k = 0; r == 0 && k < n; k++)
			if (strcmp(eps[k].network, "bridge") == 0)
				ip = eps[k].ip;
		if (r == 0 && !ip)
			r = err_setx(e, EINVAL, "--link %s: container %s is not running on the default network bridge", s,
				     ref);
		if (r == 0) {
			char **names = NULL;
			if (colon && colon[1])
				strv_push(&names, colon + 1);
			if (!strv_contains(names, lc.name))
				strv_push(&names, lc.name);
			if (lc.hostname && !strv_contains(names, lc.hostname))
				strv_push(&names, lc.hostname);
			r = entries_add(h, ip, names, e);
		}
		cli_eps_free(eps, n);
		rt_config_done(&lc);
		if (r < 0)
			return r;
	}
	return 0;
}

static int render_hosts(const char *root, const struct rt_config *c, const struct cli_ep *eps, size_t n,
			char **ret, struct err *e)
{
	struct host_entries links = { 0 }, extra = { 0 };
	struct dns_addr *own = xcalloc(2 * n + 1, sizeof(*own));
	struct dns_hosts_input in = { .ipv6 = true, .hostname = c->hostname, .name = c->name };
	size_t k = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (parse_addr(eps[i].ip, &own[k]) == 0)
			k++;
		if (parse_addr(eps[i].ip6, &own[k]) == 0)
			k++;
	}
	r = link_entries(root, c, &links, e);
	if (r == 0)
		r = add_hosts_entries(c, eps, n, &extra, e);
	if (r == 0) {
		in.addrs = own;
		in.n_addrs = k;
		in.links = links.v;
		in.n_links = links.n;
		in.extra = extra.v;
		in.n_extra = extra.n;
		r = dns_render_hosts(&in, ret, e);
	}
	entries_done(&links);
	entries_done(&extra);
	free(own);
	return r;
}

static int render_resolv(const struct rt_config *c, const struct cli_ep *eps, size_t n, char **ret, struct err *e)
{
	struct dns_resolv_conf host = { 0 };
	struct dns_addr embedded, fallback, *dns = xcalloc(strv_len(c->dns) + 1, sizeof(*dns));
	struct dns_resolv_input in = { 0 };
	bool have_host = dns_resolv_conf_read("/etc/resolv.conf", &host, NULL) == 0;
	char **saved_search = host.search, **saved_opts = host.options;
	size_t nd = 0;
	int r;

	for (size_t i = 0; c->dns && c->dns[i]; i++)
		if (dns_addr_parse(c->dns[i], &dns[nd]) == 0)
			nd++;
	for (size_t i = 0; i < n && !in.embedded; i++)
		if (strcmp(eps[i].network, "bridge") != 0 && parse_addr(eps[i].gateway, &embedded) == 0)
			in.embedded = &embedded;
	for (size_t i = 0; i < n; i++)
		if (strcmp(eps[i].network, "bridge") == 0 && parse_addr(eps[i].gateway, &fallback) == 0)
			in.fallback = &fallback;
	if (c->dns_search)
		host.search = c->dns_search;
	if (c->dns_opt)
		host.options = c->dns_opt;
	in.host = have_host || c->dns_search || c->dns_opt ? &host : NULL;
	in.keep_loopback = n == 0; /* no network of its own: --network host's (or none's) */
	in.dns = dns;
	in.n_dns = nd;
	r = dns_render_resolv_conf(&in, ret, e);
	host.search = saved_search;
	host.options = saved_opts;
	if (have_host)
		dns_resolv_conf_clear(&host);
	free(dns);
	return r;
}

int cli_etc_update(const char *root, const struct rt_config *c, const struct cli_ep *eps, size_t n, struct err *e)
{
	_cleanup_free_ char *hosts = NULL, *resolv = NULL;
	int r = render_hosts(root, c, eps, n, &hosts, e);
	if (r == 0)
		r = update_hosts(root, c->id, hosts, e);
	if (r == 0 && n > 0) {
		r = render_resolv(c, eps, n, &resolv, e);
		if (r == 0)
			r = update_resolv(root, c->id, resolv, e);
	}
	return r < 0 ? err_wrap(e, "container %s: /etc files", c->name) : 0;
}

static const char *const etc_files[CLI_ETC_FILES] = { "hosts", "hosts.pontoon", "resolv.conf", "resolv.conf.pontoon" };

void cli_etc_save(const char *root, const char *id, struct cli_etc_saved *s)
{
	size_t len;
	for (size_t i = 0; i < CLI_ETC_FILES; i++) {
		_cleanup_free_ char *path = ctr_file(root, id, etc_files[i]);
		s->data[i] = NULL;
		if (read_file(path, 1 << 20, &s->data[i], &len, NULL) < 0)
			s->data[i] = NULL;
	}
}

void cli_etc_restore(const char *root, const char *id, const struct cli_etc_saved *s)
{
	for (size_t i = 0; i < CLI_ETC_FILES; i++) {
		_cleanup_free_ char *path = ctr_file(root, id, etc_files[i]);
		if (s->data[i])
			(void)!write_in_place(path, s->data[i], NULL);
		else
			(void)unlink(path);
	}
}

void cli_etc_saved_done(struct cli_etc_saved *s)
{
	for (size_t i = 0; i < CLI_ETC_FILES; i++)
		free(s->data[i]);
}

int cli_etc_nonet(const char *root, const struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *hosts = NULL, *resolv = NULL;
	int r = 0;
	if (c->add_hosts && (r = render_hosts(root, c, NULL, 0, &hosts, e)) == 0)
		r = update_hosts(root, c->id, hosts, e);
	if (r == 0 && (c->dns || c->dns_search || c->dns_opt) && (r = render_resolv(c, NULL, 0, &resolv, e)) == 0)
		r = update_resolv(root, c->id, resolv, e);
	return r < 0 ? err_wrap(e, "container %s: /etc files", c->name) : 0;
}

/* ---- the runtime's hooks --------------------------------------------------------- */

static bool attach_failed;

/* Gone, a zombie its shim has not reaped yet, or exiting (its namespaces
 * are released before it becomes a zombie). */
bool cli_init_dead(pid_t pid)
{
	char path[40], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (readlink(path, buf, sizeof(buf)) < 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return true;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p && (p[2] == 'Z' || p[2] == 'X');
}

void cli_net_attach_failed_set(void)
{
	attach_failed = true;
}

bool cli_net_attach_failed(void)
{
	/* cli_init_dead() can miss an init that is still exiting: the shim's report
	 * (read by the runtime after the hook) says who failed first */
	return attach_failed && !rt_start_failed_in_init();
}

static int hook_attach(const char *root, const struct rt_config *c, pid_t pid, pid_t shim_pid, struct err *e)
{
	struct cli_ep *eps = xcalloc(c->n_nets + 1, sizeof(*eps));
	size_t n = 0;
	int r = 0;

	(void)shim_pid;
	for (; n < c->n_nets && r == 0; n++)
		r = cli_net_attach(c, &c->nets[n], pid, &eps[n], e);
	if (r < 0)
		n--;
	if (r == 0)
		r = cli_etc_update(root, c, eps, n, e);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			(void)!cli_net_detach(c->id, eps[i].network, NULL); /* undo; netd also sees the init die */
		/* an init that died meanwhile failed on its own (the runtime
		 * reports its error): not the network's doing */
		attach_failed = !cli_init_dead(pid);
		/* run's 127 and 126 mean "command not found / not executable" */
		if (e && (e->code == ENOENT || e->code == EACCES))
			e->code = e->code == ENOENT ? ENXIO : EPERM;
	}
	cli_eps_free(eps, n);
	return r;
}

static void hook_release(const char *root, const char *id)
{
	_cleanup_json_ json_object *req = netd_request_new("release"), *reply = NULL;
	(void)root;
	json_object_object_add(req, "container", json_object_new_string(id));
	/* no netd running: nothing to release (it reconciles when it starts) */
	(void)!netd_call(&paths, req, false, &reply, NULL);
}

void cli_netrun_init(const struct cli_ctx *ctx)
{
	static const struct rt_net_hooks hooks = { .attach = hook_attach,
						   .release = hook_release,
						   .start_env = cli_link_start_env };
	paths.root = ctx->root;
	paths.run = ctx->run;
	rt_set_net_hooks(&hooks);
}

/* ---- create and inspect ------------------------------------------------------------ */

int cli_net_resolve(struct rt_config *c, struct err *e)
{
	_cleanup_json_ json_object *req = netd_request_new("net.inspect"), *reply = NULL;
	_cleanup_json_ json_object *st = json_object_new_array();
	json_object *names = json_object_new_array(), *nets;
	bool any_static = false;
	int r;

	if (c->n_nets == 0) {
		json_object_put(names);
		return 0;
	}
	for (size_t i = 0; i < c->n_nets; i++) {
		const struct rt_netconf *nc = &c->nets[i];
		json_object *s = NULL;
		json_object_array_add(names, json_object_new_string(nc->name));
		/* netd refuses a static address where attach would (a subnet
		 * picked from a pool): at create, as Docker, not at start */
		if (nc->ip || nc->ip6) {
			s = json_object_new_object();
			if (nc->ip)
				json_object_object_add(s, "ip", json_object_new_string(nc->ip));
			if (nc->ip6)
				json_object_object_add(s, "ip6", json_object_new_string(nc->ip6));
			any_static = true;
		}
		json_object_array_add(st, s);
	}
	json_object_object_add(req, "names", names);
	if (any_static)
		json_object_object_add(req, "static", json_object_get(st));
	r = netd_call(&paths, req, true, &reply, e);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(reply, "networks", &nets) || json_object_array_length(nets) != c->n_nets)
		return err_setx(e, EPROTO, "netd sent a malformed reply");
	for (size_t i = 0; i < c->n_nets; i++) {
		char *name = jstr(json_object_array_get_idx(nets, i), "Name");
		if (!name)
			return err_setx(e, EPROTO, "netd sent a malformed reply");
		for (size_t k = 0; k < i; k++)
			if (strcmp(c->nets[k].name, name) == 0) {
				free(name);
				return err_setx(e, EINVAL, "network %s is given twice", c->nets[k].name);
			}
		free(c->nets[i].name);
		c->nets[i].name = name;
	}
	if (strcmp(c->network, "none") != 0 && strcmp(c->network, "host") != 0) {
		free(c->network);
		c->network = xstrdup(c->nets[0].name);
	}
	return 0;
}

static json_object *jstr_or_empty(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *net_entry(const struct rt_config *c, const struct rt_netconf *nc, const struct cli_ep *x)
{
	json_object *o = json_object_new_object(), *ipam = NULL, *dnsn = json_object_new_array();
	if (nc->ip || nc->ip6) {
		ipam = json_object_new_object();
		if (nc->ip)
			json_object_object_add(ipam, "IPv4Address", json_object_new_string(nc->ip));
		if (nc->ip6)
			json_object_object_add(ipam, "IPv6Address", json_object_new_string(nc->ip6));
	}
	json_object_object_add(o, "IPAMConfig", ipam);
	json_object_object_add(o, "Links", nc->links ? strv_arr(nc->links)
				  : c->links && strcmp(nc->name, CLI_DEFAULT_NET) == 0 ? strv_arr(c->links)
											: NULL);
	json_object_object_add(o, "Aliases", strv_arr(nc->aliases));
	json_object_object_add(o, "MacAddress", jstr_or_empty(x ? x->mac : nc->mac));
	json_object_object_add(o, "NetworkID", jstr_or_empty(x ? x->network_id : NULL));
	json_object_object_add(o, "EndpointID", jstr_or_empty(x ? x->endpoint : NULL));
	json_object_object_add(o, "Gateway", jstr_or_empty(x ? x->gateway : NULL));
	json_object_object_add(o, "IPAddress", jstr_or_empty(x ? x->ip : NULL));
	json_object_object_add(o, "IPPrefixLen", json_object_new_int(x ? x->prefix : 0));
	json_object_object_add(o, "IPv6Gateway", jstr_or_empty(x ? x->gateway6 : NULL));
	json_object_object_add(o, "GlobalIPv6Address", jstr_or_empty(x ? x->ip6 : NULL));
	json_object_object_add(o, "GlobalIPv6PrefixLen", json_object_new_int(x ? x->prefix6 : 0));
	if (strcmp(nc->name, CLI_DEFAULT_NET) != 0) {
		json_object_array_add(dnsn, json_object_new_string(c->name));
		for (size_t i = 0; nc->aliases && nc->aliases[i]; i++)
			json_object_array_add(dnsn, json_object_new_string(nc->aliases[i]));
		if (x) {
			char s[SHORT_ID_LEN + 1];
			snprintf(s, sizeof(s), "%.*s", SHORT_ID_LEN, c->id);
			json_object_array_add(dnsn, json_object_new_string(s));
		}
	}
	json_object_object_add(o, "DNSNames", json_object_array_length(dnsn) ? dnsn : NULL);
	if (!json_object_array_length(dnsn))
		json_object_put(dnsn);
	return o;
}

json_object *cli_net_settings(const struct rt_config *c, pid_t pid)
{
	json_object *o = json_object_new_object(), *nets = json_object_new_object();
	struct cli_ep *eps = NULL;
	size_t n = 0;
	const struct cli_ep *dflt = NULL;

	if (pid > 0 && c->n_nets > 0 && cli_net_endpoints(c, &eps, &n, NULL) < 0)
		n = 0;
	for (size_t i = 0; i < c->n_nets; i++) {
		const struct cli_ep *x = NULL;
		for (size_t k = 0; k < n && !x; k++)
			if (strcmp(eps[k].network, c->nets[i].name) == 0)
				x = &eps[k];
		if (x && strcmp(x->network, CLI_DEFAULT_NET) == 0)
			dflt = x;
		json_object_object_add(nets, c->nets[i].name, net_entry(c, &c->nets[i], x));
	}
	/* none and host are listed as networks (as Docker); a user network the
	 * container was disconnected from is not (NetworkMode still names it) */
	if (c->n_nets == 0 && c->network && (strcmp(c->network, "none") == 0 || strcmp(c->network, "host") == 0))
		json_object_object_add(nets, c->network, net_entry(c, &(struct rt_netconf){ .name = c->network }, NULL));
	_cleanup_free_ char *key = pid > 0 && rt_config_own_netns(c) ? xasprintf("/proc/%d/ns/net", (int)pid) : NULL;
	json_object_object_add(o, "Bridge", json_object_new_string(""));
	json_object_object_add(o, "SandboxKey", jstr_or_empty(key));
	json_object_object_add(o, "Ports", cli_ports_settings(c, pid));
	json_object_object_add(o, "Gateway", jstr_or_empty(dflt ? dflt->gateway : NULL));
	json_object_object_add(o, "IPAddress", jstr_or_empty(dflt ? dflt->ip : NULL));
	json_object_object_add(o, "IPPrefixLen", json_object_new_int(dflt ? dflt->prefix : 0));
	json_object_object_add(o, "MacAddress", jstr_or_empty(dflt ? dflt->mac : NULL));
	json_object_object_add(o, "Networks", nets);
	cli_eps_free(eps, n);
	return o;
}
