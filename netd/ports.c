/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Published ports of endpoints: defaults, random host ports, conflicts (with
 * other mappings and with sockets host processes listen on), and their
 * nftables elements. A host port is "taken" for a protocol when another
 * mapping or a listening socket holds it on the same address or on a
 * wildcard one.
 */
#include <netinet/in.h>
#include <sys/random.h>
#include "daemon.h"
#include "fw.h"
#include "jsonu.h"

json_object *netd_ports_to_json(const struct netd_port *p, size_t n)
{
	json_object *arr = json_object_new_array();
	char buf[NETD_PORT_STRLEN];
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(netd_port_format(&p[i], buf, sizeof(buf))));
	return arr;
}

int netd_ports_from_json(json_object *o, struct netd_port **ret, size_t *ret_n, struct err *e)
{
	json_object *arr;
	size_t n;
	int r = ju_array(o, "ports", &arr, e);
	*ret = NULL;
	*ret_n = 0;
	if (r < 0 || !arr)
		return r;
	n = json_object_array_length(arr);
	*ret = xcalloc(n + 1, sizeof(**ret));
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			r = err_setx(e, EINVAL, "\"ports\" must hold strings");
		else
			r = netd_port_parse(json_object_get_string(v), &(*ret)[i], e);
		if (r < 0 || (*ret)[i].hport == 0) {
			free(TAKE_PTR(*ret));
			return r < 0 ? r : err_setx(e, EINVAL, "a saved port has no host port");
		}
	}
	*ret_n = n;
	return 0;
}

static bool addr_any(const struct netd_port *p)
{
	static const uint8_t zero[16];
	return !p->has_ip || memcmp(p->ip.b, zero, 16) == 0;
}

/* Do two mappings claim a common host address, port and protocol? */
static bool ports_clash(const struct netd_port *a, const struct netd_port *b)
{
	if (a->proto != b->proto)
		return false;
	if ((unsigned)a->hport + a->count <= b->hport || (unsigned)b->hport + b->count <= a->hport)
		return false;
	/* 0.0.0.0:8080 and [::]:8080 (or any two addresses of two families) coexist */
	if (a->has_ip && b->has_ip && a->ip.family != b->ip.family)
		return false;
	return addr_any(a) || addr_any(b) || (a->ip.family == b->ip.family && memcmp(a->ip.b, b->ip.b, 16) == 0);
}

/* ---- host sockets: /proc/net/{tcp,udp}{,6} of netd's (the host's) namespace ---- */

struct listener {
	uint8_t proto;
	bool any;
	int family;    /* of b: AF_INET (also for v4-mapped IPv6) or AF_INET6 */
	uint8_t b[16];
	uint16_t port;
};

static void read_proc(const char *file, uint8_t proto, bool v6, struct listener **v, size_t *n)
{
	_cleanup_(fclosep) FILE *f = fopen(file, "re");
	char line[512], addr[40];
	unsigned int port, st;
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f))
		return;
	while (fgets(line, sizeof(line), f)) {
		struct listener l = { .proto = proto, .family = AF_INET };
		if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", addr, &port, &st) != 3)
			continue;
		/* TCP: LISTEN (0x0A); UDP: any bound socket (unconnected: 0x07) */
		if ((proto == IPPROTO_TCP && st != 0x0A) || (proto == IPPROTO_UDP && st != 0x07))
			continue;
		l.port = (uint16_t)port;
		if (v6) {
			/* four host-order 32-bit words */
			if (strlen(addr) != 32)
				continue;
			l.any = strspn(addr, "0") == 32;
			if (!l.any && strncmp(addr, "0000000000000000FFFF0000", 24) == 0) {
				uint32_t w = (uint32_t)strtoul(addr + 24, NULL, 16);
				memcpy(l.b, &w, 4);
			} else if (!l.any) {
				for (int k = 0; k < 4; k++) {
					char w8[9];
					uint32_t w;
					memcpy(w8, addr + 8 * k, 8);
					w8[8] = 0;
					w = (uint32_t)strtoul(w8, NULL, 16);
					memcpy(l.b + 4 * k, &w, 4);
				}
				l.family = AF_INET6;
			}
		} else {
			uint32_t w = (uint32_t)strtoul(addr, NULL, 16);
			memcpy(l.b, &w, 4);
			l.any = w == 0;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = l;
	}
}

static size_t listeners(struct listener **ret)
{
	size_t n = 0;
	*ret = NULL;
	read_proc("/proc/net/tcp", IPPROTO_TCP, false, ret, &n);
	read_proc("/proc/net/tcp6", IPPROTO_TCP, true, ret, &n);
	read_proc("/proc/net/udp", IPPROTO_UDP, false, ret, &n);
	read_proc("/proc/net/udp6", IPPROTO_UDP, true, ret, &n);
	return n;
}

static bool listener_clash(const struct listener *l, const struct netd_port *p)
{
	if (l->proto != p->proto || l->port < p->hport || l->port >= (unsigned)p->hport + p->count)
		return false;
	return l->any || addr_any(p) || (l->family == p->ip.family && memcmp(l->b, p->ip.b, 16) == 0);
}

/* ---- resolving a request ---- */

struct taken {
	const struct netd_port **maps;
	size_t nmaps;
	struct listener *ls;
	size_t nls;
};

static bool is_taken(const struct taken *t, const struct netd_port *p, const struct netd_port *mine, size_t nmine)
{
	for (size_t i = 0; i < t->nmaps; i++)
		if (ports_clash(t->maps[i], p))
			return true;
	for (size_t i = 0; i < nmine; i++)
		if (ports_clash(&mine[i], p))
			return true;
	for (size_t i = 0; i < t->nls; i++)
		if (listener_clash(&t->ls[i], p))
			return true;
	return false;
}

static void ephemeral_range(unsigned int *lo, unsigned int *hi)
{
	char buf[64] = "";
	_cleanup_(fclosep) FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	*lo = 32768;
	*hi = 60999;
	if (f && fgets(buf, sizeof(buf), f) && sscanf(buf, "%u %u", lo, hi) == 2 && *lo >= 1 && *hi <= 65535 &&
	    *lo <= *hi)
		return;
	*lo = 32768;
	*hi = 60999;
}

/* A free block of p->count host ports in the ephemeral range, from a random start. */
static int pick_random(const struct taken *t, struct netd_port *p, const struct netd_port *mine, size_t nmine,
		       struct err *e)
{
	unsigned int lo, hi, span, start = 0;
	ephemeral_range(&lo, &hi);
	if (hi - lo + 1 < p->count)
		return err_setx(e, EADDRINUSE, "no %u free ports in the ephemeral range %u-%u", p->count, lo, hi);
	span = hi - lo + 2 - p->count;
	if (getrandom(&start, sizeof(start), 0) != sizeof(start))
		start = (unsigned int)getpid();
	for (unsigned int k = 0; k < span; k++) {
		p->hport = (uint16_t)(lo + (start + k) % span);
		if (!is_taken(t, p, mine, nmine))
			return 0;
	}
	p->hport = 0;
	return err_setx(e, EADDRINUSE, "no free host port for %u/%s in the ephemeral range %u-%u", p->cport,
			netd_proto_name(p->proto), lo, hi);
}

static void collect_maps(struct netd *d, struct taken *t)
{
	for (size_t i = 0; i < d->nnets; i++)
		for (size_t k = 0; k < d->nets[i]->neps; k++) {
			const struct endpoint *ep = d->nets[i]->eps[k];
			for (size_t j = 0; j < ep->nports; j++) {
				t->maps = xrealloc(t->maps, (t->nmaps + 1) * sizeof(*t->maps));
				t->maps[t->nmaps++] = &ep->ports[j];
			}
		}
}

/* A host address must be one of the host's: bind() says so (EADDRNOTAVAIL,
 * Docker's "cannot assign requested address"), for every 127.0.0.0/8 too. */
static int check_host_addr(const struct netd_port *p, struct err *e)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	char a[IPAM_ADDR_STRLEN];
	int fd, r = 0;
	if (addr_any(p))
		return 0;
	if (p->ip.family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, p->ip.b, 4);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, p->ip.b, 16);
		len = sizeof(*in6);
	}
	fd = socket(p->ip.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, errno, "socket");
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		r = err_set(e, errno, "port %u/%s: host address %s is not an address of this host",
			    p->hport ? p->hport : p->cport, netd_proto_name(p->proto),
			    ipam_addr_format(&p->ip, a, sizeof(a)));
	close(fd);
	return r;
}

static int check_one(struct network *n, const struct endpoint *ep, const struct netd_port *p, struct err *e)
{
	bool v6 = p->has_ip && p->ip.family == AF_INET6;
	static const uint8_t loop6[16] = { [15] = 1 };
	if (v6 && memcmp(p->ip.b, loop6, 16) == 0)
		return err_setx(e, EADDRNOTAVAIL,
				"port %u/%s: the host address ::1 cannot be published: Linux does not route IPv6 "
				"loopback traffic to other interfaces (there is no route_localnet for IPv6); use "
				"127.0.0.1 or [::]",
				p->cport, netd_proto_name(p->proto));
	if (p->has_ip && !v6 && !ep->has4)
		return err_setx(e, EINVAL, "network %s has no IPv4 subnet to publish ports from", n->name);
	if (v6 && !ep->has6)
		return err_setx(e, EINVAL, "network %s has no IPv6 subnet to publish IPv6 host addresses (--ipv6)",
				n->name);
	return check_host_addr(p, e);
}

int netd_ports_prepare(struct netd *d, struct network *n, struct endpoint *ep, const struct attach_req *a,
		       struct err *e)
{
	struct taken t = { 0 };
	_cleanup_free_ struct netd_port *v = NULL;
	int r = 0;

	if (a->nports == 0)
		return 0;
	if (n->internal)
		return err_setx(e, EINVAL, "network %s is internal: it cannot publish ports (-p)", n->name);
	v = xcalloc(a->nports, sizeof(*v));
	collect_maps(d, &t);
	t.nls = listeners(&t.ls);
	for (size_t i = 0; i < a->nports && r == 0; i++) {
		v[i] = a->ports[i];
		if (!v[i].has_ip && n->has_host_ip) {
			v[i].has_ip = true;
			v[i].ip = n->host_ip;
		}
		if ((r = check_one(n, ep, &v[i], e)) < 0)
			break;
		if (v[i].hport == 0)
			r = pick_random(&t, &v[i], v, i, e);
		else if (is_taken(&t, &v[i], v, i))
			r = err_setx(e, EADDRINUSE, "port %u/%s is already allocated", v[i].hport,
				     netd_proto_name(v[i].proto));
	}
	free(t.maps);
	free(t.ls);
	if (r < 0)
		return r;
	ep->ports = TAKE_PTR(v);
	ep->nports = a->nports;
	return 0;
}

/* Is p published over IPv4 / IPv6? An address says which; without one (or
 * with the wildcard of a family) every family the endpoint has. */
static bool on_family(const struct endpoint *ep, const struct netd_port *p, int family)
{
	if (family == AF_INET ? !ep->has4 : !ep->has6)
		return false;
	return !p->has_ip || p->ip.family == family;
}

void netd_port_to_fw(const struct endpoint *ep, const struct netd_port *p, struct fw_port **f, size_t *n)
{
	bool shift = p->count > 1 && p->hport != p->cport;
	unsigned int each = shift ? p->count : 1;
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		if (!on_family(ep, p, family))
			continue;
		*f = xrealloc(*f, (*n + each) * sizeof(**f));
		for (unsigned int k = 0; k < each; k++) {
			struct fw_port *x = &(*f)[(*n)++];
			*x = (struct fw_port){ .v6 = fam,
					       .any = addr_any(p),
					       .proto = p->proto,
					       .hport = (uint16_t)(p->hport + k),
					       .cport = (uint16_t)(p->cport + k),
					       .count = shift ? 1 : p->count };
			if (!x->any)
				memcpy(x->hip, p->ip.b, 16);
			memcpy(x->cip, fam ? ep->ip6.b : ep->ip4.b, 16);
		}
	}
}

/* 127.0.0.1:PORT from the host is DNATed out through the bridge with its
 * loopback source (then masqueraded): the bridge must route it. Only
 * pontoon's bridges get this, never "all". */
static void route_localnet(const struct network *n)
{
	_cleanup_free_ char *p = xasprintf("net/ipv4/conf/%s/route_localnet", n->bridge);
	struct err e = { 0 };
	if (nl_sysctl_write(p, "1", &e) < 0)
		log_err(&e, "set route_localnet on %s", n->bridge);
}

int netd_ports_kernel(struct netd *d, struct network *n, const struct endpoint *ep, bool add, struct err *e)
{
	_cleanup_free_ struct fw_port *f = NULL;
	size_t nf = 0;
	int r;
	if (ep->nports == 0)
		return 0;
	for (size_t i = 0; i < ep->nports; i++)
		netd_port_to_fw(ep, &ep->ports[i], &f, &nf);
	if (add)
		route_localnet(n);
	r = fw_ports_apply(f, nf, add, e);
	return r < 0 ? err_wrap(e, "%s ports of %s", add ? "publish" : "unpublish", ep->name) : 0;
}

size_t netd_ports_all(struct netd *d, struct fw_port **ret)
{
	size_t n = 0;
	*ret = NULL;
	for (size_t i = 0; i < d->nnets; i++) {
		struct network *net = d->nets[i];
		bool any = false;
		for (size_t k = 0; k < net->neps; k++) {
			const struct endpoint *ep = net->eps[k];
			if (ep->nports == 0)
				continue;
			for (size_t j = 0; j < ep->nports; j++)
				netd_port_to_fw(ep, &ep->ports[j], ret, &n);
			any = true;
		}
		if (any)
			route_localnet(net);
	}
	return n;
}

void netd_ports_reply(const struct endpoint *ep, json_object *reply)
{
	json_object *arr = json_object_new_array();
	char a[IPAM_ADDR_STRLEN];
	for (size_t i = 0; i < ep->nports; i++) {
		const struct netd_port *p = &ep->ports[i];
		json_object *o = json_object_new_object();
		ju_add_str(o, "proto", netd_proto_name(p->proto));
		ju_add_str(o, "host_ip", p->has_ip ? ipam_addr_format(&p->ip, a, sizeof(a)) : "0.0.0.0");
		json_object_object_add(o, "host_port", json_object_new_int(p->hport));
		json_object_object_add(o, "container_port", json_object_new_int(p->cport));
		json_object_object_add(o, "count", json_object_new_int(p->count));
		json_object_array_add(arr, o);
	}
	json_object_object_add(reply, "ports", arr);
}
