/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Networks: the create spec, state files and the inspect view. */
#include <arpa/inet.h>
#include <ctype.h>
#include "fw.h"
#include "jsonu.h"
#include "network.h"

bool net_name_valid(const char *s)
{
	/* Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	size_t n = strlen(s);
	if (n == 0 || n > NETD_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

bool net_ifname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) || !isprint((unsigned char)s[i]))
			return false;
	return true;
}

void net_spec_done(struct net_spec *s)
{
	free(s->name);
	json_object_put(s->labels);
	json_object_put(s->options);
	*s = (struct net_spec){ 0 };
}

static int opt_bool(const char *key, const char *value, bool *ret, struct err *e)
{
	if (parse_bool(value, ret) < 0)
		return err_setx(e, EINVAL, "invalid value \"%s\" for option %s: use true or false", value, key);
	return 0;
}

int net_spec_option(struct net_spec *s, const char *key, const char *value, struct err *e)
{
	static const char docker[] = "com.docker.network.bridge.";
	const char *k = key;
	uint64_t mtu;

	if (strncmp(k, docker, sizeof(docker) - 1) == 0)
		k += sizeof(docker) - 1;
	else if (strcmp(k, "com.docker.network.driver.mtu") == 0)
		k = "mtu";
	if (strcmp(k, "bridge.name") == 0 || strcmp(k, "name") == 0) {
		if (!net_ifname_valid(value))
			return err_setx(e, EINVAL, "invalid bridge name \"%s\": 1-15 characters, no '/', ':' or spaces",
					value);
		snprintf(s->bridge, sizeof(s->bridge), "%s", value);
	} else if (strcmp(k, "mtu") == 0) {
		if (parse_uint(value, 68, 65535, &mtu) < 0)
			return err_setx(e, EINVAL, "invalid mtu \"%s\": a number from 68 to 65535", value);
		s->mtu = (uint32_t)mtu;
	} else if (strcmp(k, "icc") == 0 || strcmp(k, "enable_icc") == 0) {
		return opt_bool(key, value, &s->icc, e);
	} else if (strcmp(k, "masquerade") == 0 || strcmp(k, "enable_ip_masquerade") == 0) {
		return opt_bool(key, value, &s->masquerade, e);
	} else if (strcmp(k, "host_ip") == 0 || strcmp(k, "host_binding_ipv4") == 0) {
		struct err sub = { 0 };
		if (ipam_addr_parse(value, &s->host_ip, &sub) < 0)
			return err_setx(e, EINVAL, "invalid host_ip: %s", err_msg(&sub));
		s->has_host_ip = true;
	} else {
		return err_setx(e, EINVAL,
				"unknown option \"%s\": use bridge.name, mtu, icc, masquerade or host_ip", key);
	}
	return 0;
}

/* The i-th string of an array, parsed by family into one of two slots. */
static int spec_strings(json_object *req, const char *key, const char *what, int (*parse)(const char *, void *, int *, struct err *),
			void *slot4, void *slot6, bool *has4, bool *has6, struct err *e)
{
	json_object *arr;
	int r = ju_array(req, key, &arr, e);
	if (r < 0 || !arr)
		return r;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		int family = 0;
		if (!json_object_is_type(v, json_type_string))
			return err_setx(e, EINVAL, "\"%s\" must hold strings", key);
		const char *s = json_object_get_string(v);
		if (strlen(s) != (size_t)json_object_get_string_len(v))
			return err_setx(e, EINVAL, "%s contains a NUL byte", what);
		/* parse into a scratch slot first, then place it by family */
		union {
			struct ipam_prefix p;
			struct ipam_range rg;
			struct ipam_addr a;
		} tmp;
		r = parse(s, &tmp, &family, e);
		if (r < 0)
			return r;
		bool *has = family == AF_INET ? has4 : has6;
		if (*has)
			return err_setx(e, EINVAL, "more than one IPv%c %s", family == AF_INET ? '4' : '6', what);
		*has = true;
		memcpy(family == AF_INET ? slot4 : slot6, &tmp,
		       strcmp(key, "subnets") == 0 ? sizeof(struct ipam_prefix)
		       : strcmp(key, "gateways") == 0 ? sizeof(struct ipam_addr)
						    : sizeof(struct ipam_range));
	}
	return 0;
}

static int parse_subnet(const char *s, void *ret, int *family, struct err *e)
{
	struct ipam_prefix *p = ret;
	int r = ipam_prefix_parse(s, p, e);
	if (r < 0)
		return err_wrap(e, "invalid --subnet");
	*family = p->addr.family;
	if ((*family == AF_INET && p->len > 30) || (*family == AF_INET6 && p->len > 126))
		return err_setx(e, EINVAL, "invalid --subnet %s: too small for a gateway and a container", s);
	return 0;
}

static int parse_gateway(const char *s, void *ret, int *family, struct err *e)
{
	struct ipam_addr *a = ret;
	int r = ipam_addr_parse(s, a, e);
	if (r < 0)
		return err_wrap(e, "invalid --gateway");
	*family = a->family;
	return 0;
}

static int parse_range(const char *s, void *ret, int *family, struct err *e)
{
	struct ipam_range *rg = ret;
	int r = ipam_range_parse(s, rg, e);
	if (r < 0)
		return err_wrap(e, "invalid --ip-range");
	*family = rg->first.family;
	return 0;
}

static int spec_check(struct net_spec *s, struct err *e)
{
	char a[IPAM_ADDR_STRLEN];
	if ((s->has_gw4 && !s->has_sub4) || (s->has_gw6 && !s->has_sub6))
		return err_setx(e, EINVAL, "--gateway %s needs a --subnet of its family",
				ipam_addr_format(s->has_gw4 && !s->has_sub4 ? &s->gw4 : &s->gw6, a, sizeof(a)));
	if ((s->has_range4 && !s->has_sub4) || (s->has_range6 && !s->has_sub6))
		return err_setx(e, EINVAL, "--ip-range needs a --subnet of its family");
	if (s->has_sub6 && !s->ipv6)
		return err_setx(e, EINVAL, "--subnet %s is IPv6: add --ipv6",
				ipam_prefix_format(&s->sub6, a, sizeof(a)));
	if (s->has_gw4 && !ipam_prefix_contains(&s->sub4, &s->gw4))
		return err_setx(e, EINVAL, "gateway %s is outside the subnet", ipam_addr_format(&s->gw4, a, sizeof(a)));
	if (s->has_gw6 && !ipam_prefix_contains(&s->sub6, &s->gw6))
		return err_setx(e, EINVAL, "gateway %s is outside the subnet", ipam_addr_format(&s->gw6, a, sizeof(a)));
	return 0;
}

static int spec_options(struct net_spec *s, json_object *opts, struct err *e)
{
	if (!opts)
		return 0;
	json_object_object_foreach(opts, k, v)
	{
		int r = net_spec_option(s, k, json_object_get_string(v), e);
		if (r < 0)
			return r;
	}
	s->options = json_object_get(opts);
	return 0;
}

int net_spec_parse(json_object *req, struct net_spec *ret, struct err *e)
{
	static const char *const keys[] = { "version", "op", "name", "driver", "subnets", "gateways", "ip_ranges",
					    "internal", "ipv6", "options", "labels", NULL };
	struct net_spec s = { .icc = true, .masquerade = true };
	const char *name = NULL, *driver = "bridge";
	json_object *opts, *labels;
	int r;

	if ((r = ju_only(req, keys, "net.create", e)) < 0 || (r = ju_str(req, "name", true, &name, e)) < 0 ||
	    (r = ju_str(req, "driver", false, &driver, e)) < 0 || (r = ju_bool(req, "internal", &s.internal, e)) < 0 ||
	    (r = ju_bool(req, "ipv6", &s.ipv6, e)) < 0 || (r = ju_strmap(req, "options", &opts, e)) < 0 ||
	    (r = ju_strmap(req, "labels", &labels, e)) < 0)
		return r;
	if (!net_name_valid(name))
		return err_setx(e, EINVAL, "invalid network name \"%.*s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
				NETD_NAME_MAX, name);
	if (strcmp(driver, "bridge") != 0)
		return err_setx(e, EINVAL, "unknown driver \"%.32s\": only bridge is supported", driver);
	if ((r = spec_strings(req, "subnets", "subnet", parse_subnet, &s.sub4, &s.sub6, &s.has_sub4, &s.has_sub6, e)) <
		    0 ||
	    (r = spec_strings(req, "gateways", "gateway", parse_gateway, &s.gw4, &s.gw6, &s.has_gw4, &s.has_gw6, e)) <
		    0 ||
	    (r = spec_strings(req, "ip_ranges", "ip range", parse_range, &s.range4, &s.range6, &s.has_range4,
			      &s.has_range6, e)) < 0)
		return r;
	if ((r = spec_options(&s, opts, e)) < 0) {
		net_spec_done(&s);
		return r;
	}
	if ((r = spec_check(&s, e)) < 0) {
		net_spec_done(&s);
		return r;
	}
	s.name = xstrdup(name);
	s.labels = labels ? json_object_get(labels) : json_object_new_object();
	*ret = s;
	return 0;
}

/* ---- networks ---- */

void endpoint_free(struct endpoint *ep)
{
	if (!ep)
		return;
	free(ep->container);
	free(ep->name);
	free(ep->netns);
	strv_free(ep->aliases);
	strv_free(ep->links);
	free(ep->ports);
	free(ep->hostname);
	strv_free(ep->dns);
	if (ep->pidfd > 0)
		close(ep->pidfd);
	free(ep);
}

void network_free(struct network *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->neps; i++)
		endpoint_free(n->eps[i]);
	free(n->eps);
	ipam_subnet_free(n->sub4);
	ipam_subnet_free(n->sub6);
	json_object_put(n->labels);
	json_object_put(n->options);
	if (n->jfd > 0)
		close(n->jfd);
	free(n->name);
	free(n);
}

void ipam_to_nl(const struct ipam_addr *a, unsigned prefix, struct nl_addr *ret)
{
	*ret = (struct nl_addr){ .family = a->family, .prefix = (uint8_t)prefix };
	memcpy(ret->b, a->b, 16);
}

void network_fw(const struct network *n, struct fw_net *ret, struct nl_addr *ret4, struct nl_addr *ret6)
{
	*ret = (struct fw_net){ .bridge = n->bridge, .icc = n->icc, .internal = n->internal,
				.masquerade = n->masquerade };
	if (n->sub4) {
		const struct ipam_prefix *p = ipam_subnet_prefix(n->sub4);
		ipam_to_nl(&p->addr, p->len, ret4);
		ret->sub4 = ret4;
	}
	if (n->sub6) {
		const struct ipam_prefix *p = ipam_subnet_prefix(n->sub6);
		ipam_to_nl(&p->addr, p->len, ret6);
		ret->sub6 = ret6;
	}
}

static const char *mac_fmt(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static int mac_parse(const char *s, uint8_t m[6])
{
	unsigned int v[6];
	char end;
	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

static json_object *strv_json(char **v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

json_object *endpoint_to_state(const struct endpoint *ep)
{
	json_object *o = json_object_new_object();
	char a[IPAM_ADDR_STRLEN], m[18];
	ju_add_str(o, "id", ep->id);
	ju_add_str(o, "container", ep->container);
	ju_add_str(o, "name", ep->name);
	ju_add_str(o, "netns", ep->netns);
	ju_add_str(o, "ifname", ep->ifname);
	ju_add_str(o, "hostif", ep->hostif);
	if (ep->has4)
		ju_add_str(o, "ip4", ipam_addr_format(&ep->ip4, a, sizeof(a)));
	if (ep->has6)
		ju_add_str(o, "ip6", ipam_addr_format(&ep->ip6, a, sizeof(a)));
	ju_add_str(o, "mac", mac_fmt(ep->mac, m));
	json_object_object_add(o, "aliases", strv_json(ep->aliases));
	if (ep->nports)
		json_object_object_add(o, "ports", netd_ports_to_json(ep->ports, ep->nports));
	if (ep->hostname)
		ju_add_str(o, "hostname", ep->hostname);
	if (ep->dns)
		json_object_object_add(o, "dns", strv_json(ep->dns));
	if (ep->links)
		json_object_object_add(o, "links", strv_json(ep->links));
	if (ep->pid > 0) {
		json_object_object_add(o, "pid", json_object_new_int(ep->pid));
		json_object_object_add(o, "pid_start", json_object_new_int64((int64_t)ep->pid_start));
	}
	return o;
}

/* The subnet's configuration only: which addresses are taken follows from
 * the endpoints, each in its own file. */
static json_object *subnet_config(const struct ipam_subnet *s)
{
	json_object *o = ipam_subnet_to_json(s);
	json_object_object_add(o, "allocated", json_object_new_array());
	json_object_object_del(o, "last");
	return o;
}

json_object *network_to_state(const struct network *n)
{
	json_object *o = json_object_new_object();
	char a[IPAM_ADDR_STRLEN];
	ju_add_str(o, "id", n->id);
	ju_add_str(o, "name", n->name);
	ju_add_str(o, "created", n->created);
	ju_add_str(o, "driver", "bridge");
	ju_add_str(o, "bridge", n->bridge);
	json_object_object_add(o, "internal", json_object_new_boolean(n->internal));
	json_object_object_add(o, "ipv6", json_object_new_boolean(n->ipv6));
	json_object_object_add(o, "icc", json_object_new_boolean(n->icc));
	json_object_object_add(o, "masquerade", json_object_new_boolean(n->masquerade));
	if (n->creating)
		json_object_object_add(o, "creating", json_object_new_boolean(true));
	json_object_object_add(o, "mtu", json_object_new_int64(n->mtu));
	if (n->has_host_ip)
		ju_add_str(o, "host_ip", ipam_addr_format(&n->host_ip, a, sizeof(a)));
	json_object_object_add(o, "labels", json_object_get(n->labels));
	json_object_object_add(o, "options", json_object_get(n->options));
	if (n->sub4)
		json_object_object_add(o, "ipam4", subnet_config(n->sub4));
	if (n->sub6)
		json_object_object_add(o, "ipam6", subnet_config(n->sub6));
	if (n->sub4)
		json_object_object_add(o, "user_subnet4", json_object_new_boolean(n->user4));
	if (n->sub6)
		json_object_object_add(o, "user_subnet6", json_object_new_boolean(n->user6));
	return o;
}

static int copy_ifname(json_object *o, const char *key, char dst[IFNAMSIZ], struct err *e)
{
	const char *s = NULL;
	int r = ju_str(o, key, true, &s, e);
	if (r < 0)
		return r;
	if (!net_ifname_valid(s))
		return err_setx(e, EINVAL, "\"%s\": invalid interface name", key);
	snprintf(dst, IFNAMSIZ, "%s", s);
	return 0;
}

/* Fields added after the first version of the state: optional. */
static int optional_fields(json_object *o, struct endpoint *ep, struct err *e)
{
	const char *hn = NULL;
	json_object *dns, *links, *v;
	int r;
	if ((r = ju_str(o, "hostname", false, &hn, e)) < 0 || (r = ju_array(o, "dns", &dns, e)) < 0 ||
	    (r = ju_array(o, "links", &links, e)) < 0)
		return r;
	for (size_t i = 0; links && i < json_object_array_length(links); i++) {
		v = json_object_array_get_idx(links, i);
		if (!json_object_is_type(v, json_type_string) || !strchr(json_object_get_string(v), ':'))
			return err_setx(e, EINVAL, "\"links\" must hold TARGET:ALIAS strings");
		strv_push(&ep->links, json_object_get_string(v));
	}
	if (hn)
		ep->hostname = xstrdup(hn);
	for (size_t i = 0; dns && i < json_object_array_length(dns); i++) {
		v = json_object_array_get_idx(dns, i);
		if (!json_object_is_type(v, json_type_string))
			return err_setx(e, EINVAL, "\"dns\" must hold strings");
		strv_push(&ep->dns, json_object_get_string(v));
	}
	if (json_object_object_get_ex(o, "pid", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0 ||
		    json_object_get_int64(v) > INT32_MAX)
			return err_setx(e, EINVAL, "bad \"pid\"");
		ep->pid = (pid_t)json_object_get_int64(v);
		if (json_object_object_get_ex(o, "pid_start", &v) && json_object_is_type(v, json_type_int))
			ep->pid_start = (uint64_t)json_object_get_int64(v);
	}
	return 0;
}

int endpoint_from_state(json_object *o, struct endpoint **ret, struct err *e)
{
	struct endpoint *ep = xcalloc(1, sizeof(*ep));
	const char *id = NULL, *ctr = NULL, *name = NULL, *ns = NULL, *ip4 = NULL, *ip6 = NULL, *mac = NULL;
	json_object *al;
	int r;

	if ((r = ju_str(o, "id", true, &id, e)) < 0 || (r = ju_str(o, "container", true, &ctr, e)) < 0 ||
	    (r = ju_str(o, "name", true, &name, e)) < 0 || (r = ju_str(o, "netns", true, &ns, e)) < 0 ||
	    (r = ju_str(o, "ip4", false, &ip4, e)) < 0 || (r = ju_str(o, "ip6", false, &ip6, e)) < 0 ||
	    (r = ju_str(o, "mac", true, &mac, e)) < 0 || (r = copy_ifname(o, "ifname", ep->ifname, e)) < 0 ||
	    (r = copy_ifname(o, "hostif", ep->hostif, e)) < 0 || (r = ju_array(o, "aliases", &al, e)) < 0)
		goto fail;
	r = -EINVAL;
	if (!id_is_valid(id) || mac_parse(mac, ep->mac) < 0) {
		err_setx(e, EINVAL, "bad endpoint id or mac");
		goto fail;
	}
	memcpy(ep->id, id, sizeof(ep->id));
	if ((ip4 && (r = ipam_addr_parse(ip4, &ep->ip4, e)) < 0) || (ip6 && (r = ipam_addr_parse(ip6, &ep->ip6, e)) < 0))
		goto fail;
	ep->has4 = ip4;
	ep->has6 = ip6;
	for (size_t i = 0; al && i < json_object_array_length(al); i++) {
		json_object *v = json_object_array_get_idx(al, i);
		if (!json_object_is_type(v, json_type_string)) {
			r = err_setx(e, EINVAL, "\"aliases\" must hold strings");
			goto fail;
		}
		strv_push(&ep->aliases, json_object_get_string(v));
	}
	if ((r = netd_ports_from_json(o, &ep->ports, &ep->nports, e)) < 0)
		goto fail;
	ep->container = xstrdup(ctr);
	ep->name = xstrdup(name);
	ep->netns = xstrdup(ns);
	if (optional_fields(o, ep, e) < 0) {
		r = -EINVAL;
		goto fail;
	}
	*ret = ep;
	return 0;
fail:
	endpoint_free(ep);
	return r;
}

static int load_subnet(json_object *o, const char *key, int family, struct ipam_subnet **ret, struct err *e)
{
	json_object *v;
	int r;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	r = ipam_subnet_from_json(v, ret, e);
	if (r < 0)
		return err_wrap(e, "\"%s\"", key);
	if (ipam_subnet_prefix(*ret)->addr.family != family)
		return err_setx(e, EINVAL, "\"%s\": wrong address family", key);
	return 0;
}

static int network_fields(json_object *o, struct network *n, struct err *e)
{
	const char *id = NULL, *name = NULL, *created = "", *hip = NULL;
	json_object *labels, *opts;
	int r;

	if ((r = ju_str(o, "id", true, &id, e)) < 0 || (r = ju_str(o, "name", true, &name, e)) < 0 ||
	    (r = ju_str(o, "created", false, &created, e)) < 0 || (r = copy_ifname(o, "bridge", n->bridge, e)) < 0 ||
	    (r = ju_bool(o, "internal", &n->internal, e)) < 0 || (r = ju_bool(o, "ipv6", &n->ipv6, e)) < 0 ||
	    (r = ju_bool(o, "icc", &n->icc, e)) < 0 || (r = ju_bool(o, "masquerade", &n->masquerade, e)) < 0 ||
	    (r = ju_bool(o, "creating", &n->creating, e)) < 0 || (r = ju_u32(o, "mtu", &n->mtu, e)) < 0 ||
	    (r = ju_str(o, "host_ip", false, &hip, e)) < 0 || (r = ju_strmap(o, "labels", &labels, e)) < 0 ||
	    (r = ju_strmap(o, "options", &opts, e)) < 0)
		return r;
	if (!id_is_valid(id) || !net_name_valid(name))
		return err_setx(e, EINVAL, "bad network id or name");
	if (hip && (r = ipam_addr_parse(hip, &n->host_ip, e)) < 0)
		return r;
	n->has_host_ip = hip;
	memcpy(n->id, id, sizeof(n->id));
	n->name = xstrdup(name);
	snprintf(n->created, sizeof(n->created), "%s", created);
	n->labels = labels ? json_object_get(labels) : json_object_new_object();
	n->options = opts ? json_object_get(opts) : json_object_new_object();
	return 0;
}

int network_from_state(json_object *o, struct network **ret, struct err *e)
{
	_cleanup_(network_freep) struct network *n = xcalloc(1, sizeof(*n));
	int r;

	if (!json_object_is_type(o, json_type_object))
		return err_setx(e, EINVAL, "not a JSON object");
	if ((r = network_fields(o, n, e)) < 0 || (r = load_subnet(o, "ipam4", AF_INET, &n->sub4, e)) < 0 ||
	    (r = load_subnet(o, "ipam6", AF_INET6, &n->sub6, e)) < 0)
		return r;
	if (!n->sub4 && !n->sub6)
		return err_setx(e, EINVAL, "no subnet");
	/* States written before user_subnet4/6 existed: the subnet counts as
	 * the user's, so that what worked before (a container's --ip on such a
	 * network) still starts; the default network's is never the user's. */
	n->user4 = n->user6 = strcmp(n->name, NETD_DEFAULT_NET) != 0;
	if ((r = ju_bool(o, "user_subnet4", &n->user4, e)) < 0 || (r = ju_bool(o, "user_subnet6", &n->user6, e)) < 0)
		return r;
	*ret = TAKE_PTR(n);
	return 0;
}

int network_add_endpoint(struct network *n, struct endpoint *ep, struct err *e)
{
	int r = 0;
	for (size_t i = 0; i < n->neps; i++)
		if (strcmp(n->eps[i]->container, ep->container) == 0 || strcmp(n->eps[i]->id, ep->id) == 0)
			return err_setx(e, EEXIST, "endpoint %.12s repeats container %s", ep->id, ep->container);
	if (ep->has4 && (!n->sub4 || (r = ipam_subnet_reserve(n->sub4, &ep->ip4, e)) < 0))
		return r < 0 ? r : err_setx(e, EINVAL, "endpoint %.12s: IPv4 address without a subnet", ep->id);
	if (ep->has6 && (!n->sub6 || (r = ipam_subnet_reserve(n->sub6, &ep->ip6, e)) < 0)) {
		if (ep->has4)
			UNDO(ipam_subnet_release(n->sub4, &ep->ip4, NULL));
		return r < 0 ? r : err_setx(e, EINVAL, "endpoint %.12s: IPv6 address without a subnet", ep->id);
	}
	n->eps = xrealloc(n->eps, (n->neps + 1) * sizeof(*n->eps));
	n->eps[n->neps++] = ep;
	return 0;
}

int network_static_ok(const struct network *n, int family, struct err *e)
{
	if (!(family == AF_INET ? n->sub4 : n->sub6))
		return err_setx(e, EINVAL, "network %s has no IPv%c subnet", n->name, family == AF_INET ? '4' : '6');
	if (strcmp(n->name, NETD_DEFAULT_NET) == 0)
		return err_setx(e, EINVAL, "user specified IP address is supported on user defined networks only");
	if (!(family == AF_INET ? n->user4 : n->user6))
		return err_setx(e, EINVAL, "user specified IP address is supported only when connecting to networks "
					   "with user configured subnets");
	return 0;
}

const char *network_subnet_str(const struct network *n, int family, char *buf, size_t len)
{
	struct ipam_subnet *s = family == AF_INET ? n->sub4 : n->sub6;
	buf[0] = '\0';
	if (s)
		ipam_prefix_format(ipam_subnet_prefix(s), buf, len);
	return buf;
}

static json_object *ipam_config(const struct ipam_subnet *s)
{
	json_object *c = json_object_new_object();
	char b[IPAM_RANGE_STRLEN];
	ju_add_str(c, "Subnet", ipam_prefix_format(ipam_subnet_prefix(s), b, sizeof(b)));
	ju_add_str(c, "Gateway", ipam_addr_format(ipam_subnet_gateway(s), b, sizeof(b)));
	/* IPRange only when one was given, as Docker shows it */
	json_object *st = ipam_subnet_to_json(s), *v;
	if (json_object_object_get_ex(st, "ip_range", &v))
		ju_add_str(c, "IPRange", json_object_get_string(v));
	json_object_put(st);
	return c;
}

static json_object *effective_options(const struct network *n)
{
	json_object *o = json_object_new_object();
	char b[IPAM_ADDR_STRLEN];
	json_object_object_foreach(n->options, k, v)
	{
		json_object_object_add(o, k, json_object_get(v));
	}
	ju_add_str(o, "bridge.name", n->bridge);
	ju_add_str(o, "icc", n->icc ? "true" : "false");
	ju_add_str(o, "masquerade", n->masquerade ? "true" : "false");
	if (n->mtu) {
		snprintf(b, sizeof(b), "%u", n->mtu);
		ju_add_str(o, "mtu", b);
	}
	if (n->has_host_ip)
		ju_add_str(o, "host_ip", ipam_addr_format(&n->host_ip, b, sizeof(b)));
	return o;
}

json_object *network_to_inspect(const struct network *n)
{
	json_object *o = json_object_new_object(), *ipam = json_object_new_object(), *cfg = json_object_new_array();
	json_object *ctrs = json_object_new_object();
	char a[IPAM_PREFIX_STRLEN], m[18];

	ju_add_str(o, "Name", n->name);
	ju_add_str(o, "Id", n->id);
	ju_add_str(o, "Created", n->created);
	ju_add_str(o, "Scope", "local");
	ju_add_str(o, "Driver", "bridge");
	json_object_object_add(o, "EnableIPv6", json_object_new_boolean(n->ipv6));
	ju_add_str(ipam, "Driver", "default");
	json_object_object_add(ipam, "Options", json_object_new_object());
	if (n->sub4)
		json_object_array_add(cfg, ipam_config(n->sub4));
	if (n->sub6)
		json_object_array_add(cfg, ipam_config(n->sub6));
	json_object_object_add(ipam, "Config", cfg);
	json_object_object_add(o, "IPAM", ipam);
	json_object_object_add(o, "Internal", json_object_new_boolean(n->internal));
	json_object_object_add(o, "Attachable", json_object_new_boolean(false));
	for (size_t i = 0; i < n->neps; i++) {
		const struct endpoint *ep = n->eps[i];
		json_object *c = json_object_new_object();
		char b[IPAM_ADDR_STRLEN];
		ju_add_str(c, "Name", ep->name);
		ju_add_str(c, "EndpointID", ep->id);
		ju_add_str(c, "MacAddress", mac_fmt(ep->mac, m));
		a[0] = '\0';
		if (ep->has4)
			snprintf(a, sizeof(a), "%s/%u", ipam_addr_format(&ep->ip4, b, sizeof(b)),
				 ipam_subnet_prefix(n->sub4)->len);
		ju_add_str(c, "IPv4Address", a);
		a[0] = '\0';
		if (ep->has6)
			snprintf(a, sizeof(a), "%s/%u", ipam_addr_format(&ep->ip6, b, sizeof(b)),
				 ipam_subnet_prefix(n->sub6)->len);
		ju_add_str(c, "IPv6Address", a);
		if (ep->nports)
			json_object_object_add(c, "Ports", netd_ports_to_json(ep->ports, ep->nports));
		json_object_object_add(ctrs, ep->container, c);
	}
	json_object_object_add(o, "Containers", ctrs);
	json_object_object_add(o, "Options", effective_options(n));
	json_object_object_add(o, "Labels", json_object_get(n->labels));
	return o;
}
