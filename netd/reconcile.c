/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * At start: load the state, then make the kernel agree with it. What the
 * state says must exist is recreated (bridges, gateway addresses, the nft
 * table and its elements); what pontoon made and the state no longer knows
 * is removed (pnv* veths without an endpoint, pn-* bridges without a
 * network, half-created networks); endpoints whose veth is gone (their
 * namespace died while netd was away) are released.
 */
#include <dirent.h>
#include "daemon.h"
#include "fw.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && strcmp(s + n - k, suffix) == 0;
}

static int load_one(struct netd *d, const char *file)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", d->netdir, file);
	_cleanup_json_ json_object *o = NULL;
	struct network *n;
	struct err e = { 0 };
	int r;

	r = state_read_json(path, &o, &e);
	if (r == 0)
		r = network_from_state(o, &n, &e);
	if (r < 0) {
		/* keep the file for a human to look at; it is not ours to drop */
		log_err(&e, "ignore network state %s", path);
		return 0;
	}
	if (!has_suffix(file, ".json") || strncmp(file, n->id, ID_LEN) != 0 || netd_find_name(d, n->name)) {
		log_error("ignore network state %s: its id or name does not match or repeats another", path);
		network_free(n);
		return 0;
	}
	netd_journal_load(d, n);
	d->nets = xrealloc(d->nets, (d->nnets + 1) * sizeof(*d->nets));
	d->nets[d->nnets++] = n;
	return 0;
}

/* A journal whose network file is gone (removed between the two unlinks). */
static void drop_orphan_journals(struct netd *d)
{
	DIR *dir = opendir(d->netdir);
	struct dirent *de;
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!has_suffix(de->d_name, ".endpoints"))
			continue;
		bool known = false;
		for (size_t i = 0; i < d->nnets && !known; i++)
			known = strncmp(de->d_name, d->nets[i]->id, ID_LEN) == 0 && de->d_name[ID_LEN] == '.';
		if (!known) {
			_cleanup_free_ char *p = xasprintf("%s/%s", d->netdir, de->d_name);
			log_info("removing %s: no network owns it", p);
			unlink(p);
		}
	}
	closedir(dir);
}

int netd_load(struct netd *d, struct err *e)
{
	DIR *dir = opendir(d->netdir);
	struct dirent *de;
	if (!dir)
		return err_set(e, errno, "open %s", d->netdir);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (has_suffix(de->d_name, ".tmp")) {
			/* a write cut short by a crash; the file it was replacing is intact */
			_cleanup_free_ char *p = xasprintf("%s/%s", d->netdir, de->d_name);
			unlink(p);
			continue;
		}
		if (has_suffix(de->d_name, ".json"))
			load_one(d, de->d_name);
	}
	closedir(dir);
	drop_orphan_journals(d);
	return 0;
}

static struct endpoint *find_hostif(struct netd *d, const char *name)
{
	for (size_t i = 0; i < d->nnets; i++)
		for (size_t k = 0; k < d->nets[i]->neps; k++)
			if (strcmp(d->nets[i]->eps[k]->hostif, name) == 0)
				return d->nets[i]->eps[k];
	return NULL;
}

static bool is_bridge_of_network(struct netd *d, const char *name)
{
	for (size_t i = 0; i < d->nnets; i++)
		if (strcmp(d->nets[i]->bridge, name) == 0)
			return true;
	return false;
}

/* Networks a crash caught half-created: undo. */
static void drop_creating(struct netd *d)
{
	for (size_t i = d->nnets; i-- > 0;) {
		struct network *n = d->nets[i];
		struct err e = { 0 };
		if (!n->creating)
			continue;
		log_info("rolling back network %s: netd stopped while creating it", n->name);
		/* its firewall elements vanish with the full resync below */
		if (nl_link_del(d->nl, 0, n->bridge, &e) < 0 && e.code != ENODEV)
			log_err(&e, "roll back network %s", n->name);
		netd_state_unlink(d, n);
		memmove(&d->nets[i], &d->nets[i + 1], (d->nnets - i - 1) * sizeof(*d->nets));
		d->nnets--;
		network_free(n);
	}
}

/* Stale links, and endpoints whose link is gone. */
static int sweep_links(struct netd *d, struct err *e)
{
	_cleanup_free_ struct nl_link *links = NULL;
	size_t n;
	int r = nl_link_dump(d->nl, &links, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const struct nl_link *l = &links[i];
		bool stale_veth = strncmp(l->name, "pnv", 3) == 0 && strcmp(l->kind, "veth") == 0 &&
				  !find_hostif(d, l->name);
		bool stale_bridge = strcmp(l->kind, "bridge") == 0 &&
				    (strncmp(l->name, "pn-", 3) == 0 || strcmp(l->name, NETD_DEFAULT_BRIDGE) == 0) &&
				    !is_bridge_of_network(d, l->name);
		if (stale_veth) {
			log_info("removing %s: no endpoint owns it", l->name);
			deleter_push(d->del, l->name, "");
		} else if (stale_bridge) {
			struct err e2 = { 0 };
			log_info("removing bridge %s: no network owns it", l->name);
			if (nl_link_del(d->nl, l->ifindex, l->name, &e2) < 0)
				log_err(&e2, "reconcile");
		}
	}
	for (size_t k = 0; k < d->nnets; k++) {
		struct network *net = d->nets[k];
		for (size_t j = net->neps; j-- > 0;) {
			struct endpoint *ep = net->eps[j];
			const struct nl_link *l = NULL;
			for (size_t i = 0; i < n && !l; i++)
				if (strcmp(links[i].name, ep->hostif) == 0)
					l = &links[i];
			if (l) {
				/* a bridge recreated above has lost its ports: enslave them again */
				struct err e2 = { 0 };
				if (net->ifindex && (l->master != net->ifindex || !l->up) &&
				    nl_link_set_master(d->nl, l->ifindex, net->ifindex, l->name, &e2) < 0)
					log_err(&e2, "reconcile");
				continue;
			}
			struct err e2 = { 0 };
			log_info("releasing endpoint %s of %s on %s: its link is gone", ep->hostif, ep->name, net->name);
			if (netd_ports_kernel(d, net, ep, false, &e2) < 0) {
				log_err(&e2, "reconcile");
				err_clear(&e2);
			}
			if (netd_ep_unlink(d, net, ep, &e2) < 0) {
				log_err(&e2, "reconcile");
				continue;
			}
			if (ep->has4)
				UNDO(ipam_subnet_release(net->sub4, &ep->ip4, NULL));
			if (ep->has6)
				UNDO(ipam_subnet_release(net->sub6, &ep->ip6, NULL));
			memmove(&net->eps[j], &net->eps[j + 1], (net->neps - j - 1) * sizeof(*net->eps));
			net->neps--;
			endpoint_free(ep);
		}
	}
	return 0;
}

/* The whole table from the state: sync it (check false) or compare it
 * with the kernel's (check true: fw_table_matches' result). */
static int fw_whole(struct netd *d, bool check, char **ret_why, struct err *e)
{
	struct fw_net *fw = xcalloc(d->nnets + 1, sizeof(*fw));
	struct nl_addr *a = xcalloc(2 * d->nnets + 2, sizeof(*a));
	for (size_t i = 0; i < d->nnets; i++)
		network_fw(d->nets[i], &fw[i], &a[2 * i], &a[2 * i + 1]);
	/* the port mappings too: the base rebuild flushes the chains they live in */
	struct fw_port *ports;
	size_t nports = netd_ports_all(d, &ports);
	int r = check ? fw_table_matches(fw, d->nnets, ports, nports, ret_why, e)
		      : fw_sync_all(fw, d->nnets, ports, nports, e);
	free(ports);
	free(fw);
	free(a);
	return r;
}

int netd_fw_sync(struct netd *d, struct err *e)
{
	return fw_whole(d, false, NULL, e);
}

int netd_fw_matches(struct netd *d, char **ret_why, struct err *e)
{
	return fw_whole(d, true, ret_why, e);
}

int netd_reconcile(struct netd *d, struct err *e)
{
	int r;

	drop_creating(d);
	for (size_t i = 0; i < d->nnets; i++) {
		struct err e2 = { 0 };
		if (netd_net_kernel_up(d, d->nets[i], true, &e2) < 0)
			log_err(&e2, "bring up network %s", d->nets[i]->name);
	}
	r = netd_fw_sync(d, e);
	if (r < 0)
		return r;
	r = sweep_links(d, e);
	if (r < 0)
		return err_wrap(e, "reconcile links");
	if (!netd_find_name(d, NETD_DEFAULT_NET)) {
		r = netd_net_create_default(d, e);
		if (r < 0)
			return r;
	}
	netd_forwarding(d);
	return 0;
}
