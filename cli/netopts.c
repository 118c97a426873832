/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run/create's network options into struct rt_config, checked as Docker does. */
#include <ctype.h>
#include "dns.h"
#include "ipam.h"
#include "netrun.h"

/* Options that apply to "the first network" are kept until the end: the
 * user may give them before --network. */
static struct {
	char *ip, *ip6, *mac;
	char **aliases;
	bool named; /* a --network NET was given */
} pending;

static void pending_done(void)
{
	free(pending.ip);
	free(pending.ip6);
	free(pending.mac);
	strv_free(pending.aliases);
	memset(&pending, 0, sizeof(pending));
}

static bool special_mode(const char *s)
{
	return strcmp(s, "none") == 0 || strcmp(s, "host") == 0 || strncmp(s, "container:", 10) == 0;
}

/* --network name=NET,alias=A,ip=IP,ip6=IP6,mac-address=MAC (Docker 25+). */
static int opt_network_long(struct rt_config *c, const char *arg, struct err *e)
{
	struct rt_netconf n;
	int r = rt_parse_network_long(arg, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; n.aliases && n.aliases[i] && r == 0; i++)
		if (!dns_name_is_valid(n.aliases[i]))
			r = err_setx(e, EINVAL, "invalid --network %s: alias \"%s\" is not a valid name", arg,
				     n.aliases[i]);
	if (r == 0 && c->network && special_mode(c->network))
		r = err_setx(e, EINVAL, "conflicting options: --network %s cannot be combined with --network %s", arg,
			     c->network);
	if (r == 0 && rt_config_net_find(c, n.name) >= 0)
		r = err_setx(e, EINVAL, "--network %s is given twice", n.name);
	if (r < 0) {
		rt_netconf_done(&n);
		return r;
	}
	if (!c->network)
		c->network = xstrdup(n.name);
	c->nets = xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
	c->nets[c->n_nets++] = n;
	return 0;
}

int cli_opt_network(struct rt_config *c, const char *arg, struct err *e)
{
	if (rt_network_is_long(arg))
		return opt_network_long(c, arg, e);
	int r = rt_parse_network(arg, e);
	if (r < 0)
		return r;
	bool special = special_mode(arg);
	if (c->network && (special || special_mode(c->network)))
		return err_setx(e, EINVAL, "conflicting options: --network %s cannot be combined with --network %s", arg,
				c->network);
	if (!special && rt_config_net_find(c, arg) >= 0)
		return err_setx(e, EINVAL, "--network %s is given twice", arg);
	if (!c->network)
		c->network = xstrdup(arg);
	if (special)
		return 0;
	c->nets = xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
	c->nets[c->n_nets++] = (struct rt_netconf){ .name = xstrdup(arg) };
	return 0;
}

static int mac_check(const char *s, struct err *e)
{
	unsigned int v[6];
	char end;
	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return err_setx(e, EINVAL, "invalid --mac-address \"%s\": use six hex pairs (02:42:ac:11:00:02)", s);
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return err_setx(e, EINVAL, "invalid --mac-address \"%s\": use six hex pairs (02:42:ac:11:00:02)", s);
	if (v[0] & 1)
		return err_setx(e, EINVAL, "invalid --mac-address %s: a multicast address", s);
	return 0;
}

static int ip_check(const char *opt, const char *s, int family, struct err *e)
{
	struct ipam_addr a;
	if (ipam_addr_parse(s, &a, NULL) < 0 || (family && a.family != family))
		return err_setx(e, EINVAL, "invalid %s \"%s\": not an IPv%c address", opt, s, family == AF_INET6 ? '6' : '4');
	return 0;
}

int cli_link_check(const char *s, struct err *e)
{
	const char *colon = strchr(s, ':');
	_cleanup_free_ char *ref = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	if (!*ref || rt_parse_name(ref, NULL) < 0)
		return err_setx(e, EINVAL, "invalid --link \"%s\": use CONTAINER[:ALIAS]", s);
	if (colon && !dns_name_is_valid(colon + 1))
		return err_setx(e, EINVAL, "invalid --link \"%s\": \"%s\" is not a valid alias", s, colon + 1);
	return 0;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* As Docker's CLI: stored as NAME:ADDR, brackets stripped (ExtraHosts). */
static int add_host_norm(const char *s, char **ret, struct err *e)
{
	_cleanup_free_ char *name = NULL, *addr = NULL;
	int r = dns_extra_host_parse(s, &name, &addr, e);
	if (r == 0)
		*ret = xasprintf("%s:%s", name, addr);
	return r;
}

int cli_opt_net(struct rt_config *c, int which, const char *arg, struct err *e)
{
	_cleanup_free_ char *norm = NULL;
	int r = 0;
	switch (which) {
	case 0:
		if ((r = ip_check("--ip", arg, AF_INET, e)) == 0)
			set_str(&pending.ip, arg);
		break;
	case 1:
		if ((r = ip_check("--ip6", arg, AF_INET6, e)) == 0)
			set_str(&pending.ip6, arg);
		break;
	case 2:
		if (!dns_name_is_valid(arg))
			return err_setx(e, EINVAL, "invalid --network-alias \"%s\"", arg);
		if (!strv_contains(pending.aliases, arg))
			strv_push(&pending.aliases, arg);
		break;
	case 3:
		if ((r = mac_check(arg, e)) == 0)
			set_str(&pending.mac, arg);
		break;
	case 4:
		if ((r = ip_check("--dns", arg, 0, e)) == 0)
			strv_push(&c->dns, arg);
		break;
	case 5:
		if (!dns_name_is_valid(arg) && strcmp(arg, ".") != 0)
			return err_setx(e, EINVAL, "invalid --dns-search \"%s\"", arg);
		strv_push(&c->dns_search, arg);
		break;
	case 6:
		if (!*arg || strpbrk(arg, " \t\n"))
			return err_setx(e, EINVAL, "invalid --dns-option \"%s\"", arg);
		strv_push(&c->dns_opt, arg);
		break;
	case 7:
		if ((r = add_host_norm(arg, &norm, e)) == 0)
			strv_push(&c->add_hosts, norm);
		break;
	case 8:
		if ((r = cli_link_check(arg, e)) == 0)
			strv_push(&c->links, arg);
		break;
	default:
		return err_setx(e, EINVAL, "internal: network option %d", which);
	}
	return r;
}

static int finish(struct rt_config *c, struct err *e)
{
	bool first_opts = pending.ip || pending.ip6 || pending.mac || pending.aliases;
	if (!c->network) {
		int r = cli_opt_network(c, CLI_DEFAULT_NET, e);
		if (r < 0)
			return r;
	}
	if (c->n_nets == 0 && c->add_hosts && strncmp(c->network, "container:", 10) == 0)
		return err_setx(e, EINVAL,
				"conflicting options: custom host-to-IP mapping (--add-host) and the network "
				"mode %s (the hosts file is that container's)",
				c->network);
	if (c->n_nets == 0) {
		/* as Docker: --dns options go with none and host (their own
		 * resolv.conf), not with container: (that container's) */
		bool dns = c->dns || c->dns_search || c->dns_opt;
		const char *what = first_opts ? "--ip, --ip6, --mac-address and --network-alias" :
				   c->links ? "--link" :
				   dns && strncmp(c->network, "container:", 10) == 0 ? "--dns options" : NULL;
		if (what)
			return err_setx(e, EINVAL, "conflicting options: %s need a network, not --network %s", what,
					c->network);
		return 0;
	}
	struct rt_netconf *n = &c->nets[0];
	bool dflt = strcmp(n->name, CLI_DEFAULT_NET) == 0;
	/* as Docker: the plain options are the first network's, unless its
	 * long form already says */
	const char *both = pending.ip && n->ip		   ? "--ip and the ip"
			   : pending.ip6 && n->ip6	   ? "--ip6 and the ip6"
			   : pending.mac && n->mac	   ? "--mac-address and the mac-address"
			   : pending.aliases && n->aliases ? "--network-alias and the alias"
							   : NULL;
	if (both)
		return err_setx(e, EINVAL, "conflicting options: cannot specify both %s of --network name=%s", both,
				n->name);
	for (size_t i = 0; i < c->n_nets; i++) {
		struct rt_netconf *x = &c->nets[i];
		if (strcmp(x->name, CLI_DEFAULT_NET) != 0)
			continue;
		if (x->ip || x->ip6)
			return err_setx(e, EINVAL,
					"user specified IP address is supported on user defined networks only");
		if (x->aliases)
			return err_setx(e, EINVAL,
					"network-scoped aliases are supported for user-defined networks only");
	}
	if (dflt && (pending.ip || pending.ip6))
		return err_setx(e, EINVAL, "user specified IP address is supported on user defined networks only");
	if (dflt && pending.aliases)
		return err_setx(e, EINVAL, "network-scoped aliases are supported for user-defined networks only");
	/* as Docker: on a user-defined network, a link is a name of the linked
	 * container in the network's DNS for this container only (no
	 * environment variables, no /etc/hosts line) */
	if (c->links && !dflt)
		n->links = TAKE_PTR(c->links);
	if (pending.ip)
		n->ip = TAKE_PTR(pending.ip);
	if (pending.ip6)
		n->ip6 = TAKE_PTR(pending.ip6);
	if (pending.mac)
		n->mac = TAKE_PTR(pending.mac);
	if (pending.aliases)
		n->aliases = TAKE_PTR(pending.aliases);
	return 0;
}

int cli_net_opts_finish(struct rt_config *c, struct err *e)
{
	int r = finish(c, e);
	pending_done();
	return r;
}
