/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --add-host: the address(es) of one spec for /etc/hosts. NAME:host-gateway
 * (Docker 20.10+) names the host as the container reaches it: the gateway of
 * its first network (the host's address on that bridge), IPv4 and, on a
 * dual-stack network, IPv6 too. A container with no network of its own
 * (--network none, host) gets the default network's gateway, as Docker's
 * default host-gateway-ip is its default bridge's address.
 */
#include "dns.h"
#include "netd.h"
#include "netrun.h"

/* The gateways of the default network, from netd (started when needed). */
static int default_gateways(char ***ret, struct err *e)
{
	_cleanup_json_ json_object *req = netd_request_new("net.inspect"), *reply = NULL;
	json_object *names = json_object_new_array(), *nets, *ipam, *cfg;
	json_object_array_add(names, json_object_new_string(CLI_DEFAULT_NET));
	json_object_object_add(req, "names", names);
	int r = cli_netd_call(req, true, &reply, e);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(reply, "networks", &nets) || json_object_array_length(nets) != 1 ||
	    !json_object_object_get_ex(json_object_array_get_idx(nets, 0), "IPAM", &ipam) ||
	    !json_object_object_get_ex(ipam, "Config", &cfg) || !json_object_is_type(cfg, json_type_array))
		return err_setx(e, EPROTO, "netd sent a malformed reply");
	for (size_t i = 0; i < json_object_array_length(cfg); i++) {
		json_object *gw;
		if (json_object_object_get_ex(json_object_array_get_idx(cfg, i), "Gateway", &gw) &&
		    json_object_is_type(gw, json_type_string) && *json_object_get_string(gw))
			strv_push(ret, json_object_get_string(gw));
	}
	return 0;
}

int cli_add_host_addrs(const char *spec, const struct cli_ep *eps, size_t n, char **ret_name, char ***ret_addrs,
		       struct err *e)
{
	_cleanup_free_ char *name = NULL, *addr = NULL;
	char **addrs = NULL;
	int r = dns_extra_host_parse(spec, &name, &addr, e);
	if (r < 0)
		return r;
	if (strcmp(addr, DNS_HOST_GATEWAY) != 0) {
		strv_push(&addrs, addr);
	} else if (n > 0) {
		if (eps[0].gateway)
			strv_push(&addrs, eps[0].gateway);
		if (eps[0].gateway6)
			strv_push(&addrs, eps[0].gateway6);
	} else if ((r = default_gateways(&addrs, e)) < 0) {
		return err_wrap(e, "--add-host %s: the default network's gateway", spec);
	}
	if (!addrs) /* an --internal network has its gateway too: not reached */
		return err_setx(e, EINVAL, "--add-host %s: the network %s has no gateway", spec,
				n > 0 ? eps[0].network : CLI_DEFAULT_NET);
	*ret_name = TAKE_PTR(name);
	*ret_addrs = addrs;
	return 0;
}
