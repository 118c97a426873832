/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network operations: create, remove, list; the kernel side of a network. */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "daemon.h"
#include "fw.h"
#include "jsonu.h"

struct network *netd_find_name(struct netd *d, const char *name)
{
	for (size_t i = 0; i < d->nnets; i++)
		if (strcmp(d->nets[i]->name, name) == 0)
			return d->nets[i];
	return NULL;
}

struct network *netd_find(struct netd *d, const char *key)
{
	struct network *named = netd_find_name(d, key), *prefix_hit = NULL;
	size_t hits = 0, len = strlen(key);
	if (named)
		return named;
	for (size_t i = 0; i < d->nnets; i++) {
		if (strcmp(d->nets[i]->id, key) == 0)
			return d->nets[i];
		if (len > 0 && strncmp(d->nets[i]->id, key, len) == 0) {
			prefix_hit = d->nets[i];
			hits++;
		}
	}
	return hits == 1 ? prefix_hit : NULL;
}

int netd_net_save(struct netd *d, struct network *n, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", d->netdir, n->id);
	_cleanup_json_ json_object *o = network_to_state(n);
	int r = state_write_json(path, o, e);
	return r < 0 ? err_wrap(e, "save network %s", n->name) : 0;
}

static void bridge_mac(const struct network *n, uint8_t mac[6])
{
	/* Locally administered, stable (from the id): the bridge keeps it when
	 * ports come and go, instead of taking the lowest port's. */
	mac[0] = 0x02;
	for (int i = 1; i < 6; i++) {
		char h[3] = { n->id[2 * i], n->id[2 * i + 1], 0 };
		mac[i] = (uint8_t)strtoul(h, NULL, 16);
	}
}

static int add_gateways(struct netd *d, struct network *n, bool exist_ok, struct err *e)
{
	struct ipam_subnet *subs[] = { n->sub4, n->sub6 };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		struct nl_addr a;
		if (!subs[i])
			continue;
		ipam_to_nl(ipam_subnet_gateway(subs[i]), ipam_subnet_prefix(subs[i])->len, &a);
		int r = nl_addr_add(d->nl, n->ifindex, &a, e);
		if (r == -EEXIST && exist_ok)
			err_clear(e);
		else if (r < 0)
			return r;
	}
	return 0;
}

int netd_net_kernel_up(struct netd *d, struct network *n, bool exist_ok, struct err *e)
{
	uint8_t mac[6];
	struct fw_net fw;
	struct nl_addr a4, a6;
	bool made = false;
	int r;

	bridge_mac(n, mac);
	r = nl_bridge_add(d->nl, n->bridge, n->mtu, mac, &n->ifindex, e);
	if (r == -EEXIST && exist_ok) {
		err_clear(e);
		r = nl_link_index(d->nl, n->bridge, &n->ifindex, e);
		if (r == 0)
			r = nl_link_set_up(d->nl, n->ifindex, n->bridge, e);
	} else if (r == -EEXIST) {
		return err_setx(e, EEXIST, "a link named %s exists already: choose another -o bridge.name", n->bridge);
	} else {
		/* even when the request failed: it may have failed after the kernel made it */
		made = true;
	}
	if (r == 0)
		r = add_gateways(d, n, exist_ok, e);
	if (r == 0 && !exist_ok) {
		network_fw(n, &fw, &a4, &a6);
		r = fw_net_apply(&fw, true, e);
	}
	if (r < 0 && made)
		UNDO(nl_link_del(d->nl, 0, n->bridge, NULL));
	return r;
}

void netd_forwarding(struct netd *d)
{
	bool v4 = false, v6 = false;
	char cur[8];
	struct err e = { 0 };
	for (size_t i = 0; i < d->nnets; i++) {
		v4 |= !d->nets[i]->internal;
		v6 |= !d->nets[i]->internal && d->nets[i]->sub6;
	}
	if (v4 && nl_sysctl_read("net/ipv4/ip_forward", cur, sizeof(cur)) == 0 && strcmp(cur, "1") != 0) {
		if (nl_sysctl_write("net/ipv4/ip_forward", "1", &e) < 0)
			log_err(&e, "turn on IPv4 forwarding");
		else
			log_info("turned on net.ipv4.ip_forward: non-internal networks need it");
	}
	if (v6 && nl_sysctl_read("net/ipv6/conf/all/forwarding", cur, sizeof(cur)) == 0 && strcmp(cur, "1") != 0) {
		if (nl_sysctl_write("net/ipv6/conf/all/forwarding", "1", &e) < 0)
			log_err(&e, "turn on IPv6 forwarding");
		else
			log_info("turned on net.ipv6.conf.all.forwarding: IPv6 networks need it");
	}
}

/* What a new subnet must not overlap: the networks, plus (for defaults) the
 * host's addresses and routes. */
static size_t used_prefixes(struct netd *d, bool host, struct ipam_used **ret, struct nl_addr **ret_host)
{
	struct nl_addr *hp = NULL;
	size_t nh = 0, n = 0;
	struct ipam_used *u;
	if (host && nl_prefix_dump(d->nl, &hp, &nh, NULL) < 0)
		nh = 0;
	u = xcalloc(2 * d->nnets + nh + 1, sizeof(*u));
	for (size_t i = 0; i < d->nnets; i++) {
		struct ipam_subnet *s[] = { d->nets[i]->sub4, d->nets[i]->sub6 };
		for (size_t k = 0; k < 2; k++) {
			if (!s[k])
				continue;
			u[n].what = d->nets[i]->name;
			u[n++].prefix = *ipam_subnet_prefix(s[k]);
		}
	}
	for (size_t i = 0; i < nh; i++) {
		struct ipam_addr a;
		ipam_addr_from_bytes(hp[i].family, hp[i].b, &a);
		if (ipam_prefix_make(&a, hp[i].prefix, &u[n].prefix) == 0)
			u[n++].what = "a host address or route";
	}
	*ret = u;
	*ret_host = hp;
	return n;
}

static int pick_subnets(struct netd *d, struct net_spec *s, struct err *e)
{
	_cleanup_free_ struct ipam_used *u = NULL;
	_cleanup_free_ struct nl_addr *hp = NULL;
	size_t nu = used_prefixes(d, !s->has_sub4, &u, &hp), at;
	char what[160];
	int r;

	if (s->has_sub4) {
		r = ipam_conflict_check(&s->sub4, u, nu, &at, e);
	} else {
		r = ipam_pool_pick(ipam_default_pools, ipam_default_pools_n, AF_INET, u, nu, &s->sub4, e);
		s->has_sub4 = r == 0;
	}
	if (r == 0 && s->has_sub6) {
		r = ipam_conflict_check(&s->sub6, u, nu, &at, e);
	} else if (r == 0 && s->ipv6) {
		/* a ULA /64 of this host's /48 (from its machine id), as Docker does */
		_cleanup_free_ char *seed = NULL;
		size_t len = 0;
		struct ipam_pool ula;
		if (read_file("/etc/machine-id", 4096, &seed, &len, NULL) < 0) {
			seed = xstrdup("pontoon");
			len = strlen(seed);
		}
		ipam_ula_pool(seed, len, &ula);
		r = ipam_pool_pick(&ula, 1, AF_INET6, u, nu, &s->sub6, e);
		s->has_sub6 = r == 0;
	}
	if (r == -EADDRINUSE) {
		snprintf(what, sizeof(what), "%s", err_msg(e));
		return err_setx(e, EADDRINUSE, "%s", what);
	}
	return r;
}

static int network_from_spec(struct netd *d, struct net_spec *s, struct network **ret, struct err *e)
{
	_cleanup_(network_freep) struct network *n = xcalloc(1, sizeof(*n));
	struct timespec ts;
	struct tm tm;
	int r;

	r = id_generate(n->id);
	if (r < 0)
		return err_set(e, -r, "generate network id");
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(n->created, sizeof(n->created), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(n->created + strlen(n->created), sizeof(n->created) - strlen(n->created), ".%09ldZ", ts.tv_nsec);
	n->name = xstrdup(s->name);
	if (s->bridge[0])
		snprintf(n->bridge, sizeof(n->bridge), "%s", s->bridge);
	else
		snprintf(n->bridge, sizeof(n->bridge), "pn-%.12s", n->id);
	n->internal = s->internal;
	n->ipv6 = s->ipv6;
	n->icc = s->icc;
	n->masquerade = s->masquerade;
	n->mtu = s->mtu;
	n->has_host_ip = s->has_host_ip;
	n->host_ip = s->host_ip;
	n->labels = json_object_get(s->labels);
	n->options = s->options ? json_object_get(s->options) : json_object_new_object();
	r = ipam_subnet_new(&s->sub4, s->has_gw4 ? &s->gw4 : NULL, s->has_range4 ? &s->range4 : NULL, &n->sub4, e);
	if (r < 0)
		return r;
	if (s->ipv6) {
		r = ipam_subnet_new(&s->sub6, s->has_gw6 ? &s->gw6 : NULL, s->has_range6 ? &s->range6 : NULL, &n->sub6,
				    e);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(n);
	return 0;
}

static void nets_append(struct netd *d, struct network *n)
{
	d->nets = xrealloc(d->nets, (d->nnets + 1) * sizeof(*d->nets));
	d->nets[d->nnets++] = n;
}

static void nets_drop(struct netd *d, struct network *n)
{
	for (size_t i = 0; i < d->nnets; i++) {
		if (d->nets[i] == n) {
			memmove(&d->nets[i], &d->nets[i + 1], (d->nnets - i - 1) * sizeof(*d->nets));
			d->nnets--;
			return;
		}
	}
}

/* The state is written first with "creating": a crash in the middle is
 * rolled back at the next start; a failure here is undone at once. */
static int net_create(struct netd *d, struct net_spec *s, json_object *reply, struct err *e)
{
	_cleanup_(network_freep) struct network *n = NULL;
	struct fw_net fw;
	struct nl_addr a4, a6;
	int r;

	if (netd_find_name(d, s->name))
		return err_setx(e, EEXIST, "network with name %s already exists", s->name);
	for (size_t i = 0; s->bridge[0] && i < d->nnets; i++)
		if (strcmp(d->nets[i]->bridge, s->bridge) == 0)
			return err_setx(e, EEXIST, "bridge %s is used by network %s", s->bridge, d->nets[i]->name);
	bool user4 = s->has_sub4, user6 = s->has_sub6; /* before the pools fill them in */
	if ((r = pick_subnets(d, s, e)) < 0 || (r = network_from_spec(d, s, &n, e)) < 0)
		return r;
	n->user4 = user4;
	n->user6 = user6 && n->sub6;
	n->creating = true;
	if ((r = netd_net_save(d, n, e)) < 0)
		return r;
	r = netd_net_kernel_up(d, n, false, e);
	if (r == 0) {
		n->creating = false;
		r = netd_net_save(d, n, e);
		if (r < 0) {
			network_fw(n, &fw, &a4, &a6);
			UNDO(fw_net_apply(&fw, false, NULL));
			UNDO(nl_link_del(d->nl, n->ifindex, n->bridge, NULL));
		}
	}
	if (r < 0) {
		netd_state_unlink(d, n);
		return r;
	}
	ju_add_str(reply, "id", n->id);
	nets_append(d, n);
	r = netd_dns_net_add(d, n, e);
	if (r < 0) {
		UNDO(netd_net_remove(d, TAKE_PTR(n), NULL));
		return r;
	}
	TAKE_PTR(n);
	netd_forwarding(d);
	return 0;
}

int netd_net_create_default(struct netd *d, struct err *e)
{
	struct net_spec s = { .icc = true, .masquerade = true };
	_cleanup_json_ json_object *reply = json_object_new_object();
	int r;
	s.name = xstrdup(NETD_DEFAULT_NET);
	s.labels = json_object_new_object();
	snprintf(s.bridge, sizeof(s.bridge), "%s", NETD_DEFAULT_BRIDGE);
	r = net_create(d, &s, reply, e);
	net_spec_done(&s);
	return r < 0 ? err_wrap(e, "create the default network") : 0;
}

int netd_net_remove(struct netd *d, struct network *n, struct err *e)
{
	struct fw_net fw;
	struct nl_addr a4, a6;
	int r;

	network_fw(n, &fw, &a4, &a6);
	r = fw_net_apply(&fw, false, e);
	/* ENOENT: some element was gone already, and the batch did nothing:
	 * rebuild the sets from the state once the network is out of it */
	bool resync = r == -ENOENT;
	if (r < 0 && !resync)
		return err_wrap(e, "remove network %s", n->name);
	err_clear(e);
	r = nl_link_del(d->nl, 0, n->bridge, e);
	if (r == -ENODEV) {
		err_clear(e);
	} else if (r < 0) {
		if (!resync)
			UNDO(fw_net_apply(&fw, true, NULL));
		return err_wrap(e, "remove network %s", n->name);
	}
	netd_dns_net_remove(d, n);
	netd_state_unlink(d, n);
	nets_drop(d, n);
	network_free(n);
	struct err e2 = { 0 };
	if (resync && netd_fw_sync(d, &e2) < 0)
		log_err(&e2, "resync the nftables table");
	return 0;
}

static int net_busy(const struct network *n, struct err *e)
{
	char names[256] = "";
	size_t len = 0;
	for (size_t i = 0; i < n->neps && len < sizeof(names) - 1; i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", n->eps[i]->name);
	return err_setx(e, EBUSY, "network %s has active endpoints (%s): disconnect them first", n->name, names);
}

static int op_rm(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	_cleanup_strv_ char **names = NULL;
	struct network *n;
	int r = names_parse(req, &names, e);
	if (r < 0)
		return r;
	if (strv_len(names) != 1)
		return err_setx(e, EINVAL, "net.rm takes one name");
	n = netd_find(d, names[0]);
	if (!n)
		return err_setx(e, ENOENT, "network %s not found", names[0]);
	if (strcmp(n->name, NETD_DEFAULT_NET) == 0)
		return err_setx(e, EPERM, "%s is a pre-defined network and cannot be removed", n->name);
	if (n->neps)
		return net_busy(n, e);
	ju_add_str(reply, "id", n->id);
	ju_add_str(reply, "name", n->name);
	return netd_net_remove(d, n, e);
}

static int op_prune(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	json_object *removed = json_object_new_array();
	int r = 0;
	json_object_object_add(reply, "removed", removed);
	for (size_t i = d->nnets; i-- > 0 && r == 0;) {
		struct network *n = d->nets[i];
		if (n->neps || strcmp(n->name, NETD_DEFAULT_NET) == 0)
			continue;
		_cleanup_free_ char *name = xstrdup(n->name);
		r = netd_net_remove(d, n, e);
		if (r == 0)
			json_object_array_add(removed, json_object_new_string(name));
	}
	return r;
}

static int net_cmp(const void *a, const void *b)
{
	return strcmp((*(struct network *const *)a)->name, (*(struct network *const *)b)->name);
}

static int op_ls(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	json_object *arr = json_object_new_array();
	_cleanup_free_ struct network **v = xmalloc((d->nnets + 1) * sizeof(*v));
	memcpy(v, d->nets, d->nnets * sizeof(*v));
	qsort(v, d->nnets, sizeof(*v), net_cmp);
	for (size_t i = 0; i < d->nnets; i++)
		json_object_array_add(arr, network_to_inspect(v[i]));
	json_object_object_add(reply, "networks", arr);
	return 0;
}

static int op_inspect(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ unsigned *st = NULL;
	_cleanup_json_ json_object *arr = json_object_new_array();
	int r = inspect_parse(req, &names, &st, e);
	if (r < 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		struct network *n = netd_find(d, names[i]);
		if (!n)
			return err_setx(e, ENOENT, "network %s not found", names[i]);
		if (st && (st[i] & NETD_STATIC4) && (r = network_static_ok(n, AF_INET, e)) < 0)
			return r;
		if (st && (st[i] & NETD_STATIC6) && (r = network_static_ok(n, AF_INET6, e)) < 0)
			return r;
		json_object_array_add(arr, network_to_inspect(n));
	}
	json_object_object_add(reply, "networks", TAKE_PTR(arr));
	return 0;
}

static int op_create(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	struct net_spec s;
	int r = net_spec_parse(req, &s, e);
	if (r < 0)
		return r;
	r = net_create(d, &s, reply, e);
	net_spec_done(&s);
	return r;
}

static int op_ping(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	json_object_object_add(reply, "pid", json_object_new_int(getpid()));
	ju_add_str(reply, "pontoon", PONTOON_VERSION);
	return 0;
}

#ifdef PONTOON_FAULT_INJECTION
/* {"spec": "netlink:2:EIO"}: what PONTOON_FAULT would say, from now on. */
static int op_fault(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	const char *spec = "";
	int r = ju_str(req, "spec", true, &spec, e);
	if (r < 0)
		return r;
	fault_reset(spec);
	return 0;
}
#endif

int netd_dispatch(struct netd *d, const char *op, json_object *req, json_object *reply, struct err *e)
{
	static const struct {
		const char *op;
		int (*fn)(struct netd *, json_object *, json_object *, struct err *);
	} table[] = {
		{ "ping", op_ping },	      { "net.create", op_create }, { "net.ls", op_ls },
		{ "net.inspect", op_inspect }, { "net.rm", op_rm },	   { "net.prune", op_prune },
		{ "attach", netd_attach },     { "detach", netd_detach },  { "release", netd_release },
		{ "link.create", netd_link_create },
		{ "check", netd_check },
#ifdef PONTOON_FAULT_INJECTION
		{ "debug.leak", netd_debug_leak },
		{ "debug.fault", op_fault },
#endif
	};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].op, op) == 0)
			return table[i].fn(d, req, reply, e);
	return err_setx(e, EOPNOTSUPP, "unknown op \"%s\"", op);
}
