/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Published ports: `pontoon port`, ps's PORTS column, inspect's NetworkSettings.Ports. */
#include <getopt.h>
#include <netinet/in.h>
#include "cli.h"
#include "netd.h"
#include "netrun.h"
#include "runtime.h"

/* The container's mappings now (netd's view; none when it is not running). */
static struct netd_port *published(const struct rt_config *c, pid_t pid, size_t *ret_n)
{
	struct cli_ep *eps = NULL;
	struct netd_port *v = NULL;
	size_t n = 0, k = 0;
	*ret_n = 0;
	if (pid <= 0 || c->n_nets == 0 || (!c->ports && !c->publish_all))
		return NULL;
	if (cli_net_endpoints(c, &eps, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; eps[i].ports && eps[i].ports[j]; j++) {
			v = xrealloc(v, (k + 2) * sizeof(*v));
			if (netd_port_parse(eps[i].ports[j], &v[k], NULL) < 0)
				continue;
			if (v[k].has_ip || (eps[i].ip && !eps[i].ip6)) {
				k++;
				continue;
			}
			/* every local address: 0.0.0.0 and [::] on an IPv6 network, as Docker */
			v[k + 1] = v[k];
			v[k + 1].has_ip = true;
			v[k + 1].ip = (struct ipam_addr){ .family = AF_INET6 };
			if (eps[i].ip) {
				v[k].has_ip = false;
				k++;
			} else {
				v[k] = v[k + 1];
			}
			k++;
		}
	cli_eps_free(eps, n);
	*ret_n = k;
	return v;
}

static const char *host_ip(const struct netd_port *p, char *buf, size_t len)
{
	if (!p->has_ip)
		return "0.0.0.0";
	return ipam_addr_format(&p->ip, buf, len);
}

/* {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": null} as Docker. */
json_object *cli_ports_settings(const struct rt_config *c, pid_t pid)
{
	json_object *o = json_object_new_object();
	size_t n;
	_cleanup_free_ struct netd_port *v = published(c, pid, &n);
	for (size_t i = 0; c->exposed && c->exposed[i]; i++)
		json_object_object_add(o, c->exposed[i], NULL);
	for (size_t i = 0; i < n; i++) {
		for (unsigned k = 0; k < v[i].count; k++) {
			char key[24], hp[8], a[IPAM_ADDR_STRLEN];
			json_object *arr, *b = json_object_new_object();
			snprintf(key, sizeof(key), "%u/%s", v[i].cport + k, netd_proto_name(v[i].proto));
			snprintf(hp, sizeof(hp), "%u", v[i].hport + k);
			json_object_object_add(b, "HostIp", json_object_new_string(host_ip(&v[i], a, sizeof(a))));
			json_object_object_add(b, "HostPort", json_object_new_string(hp));
			if (!json_object_object_get_ex(o, key, &arr) || !arr) {
				arr = json_object_new_array();
				json_object_object_add(o, key, arr);
			}
			json_object_array_add(arr, b);
		}
	}
	return o;
}

/* "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp" ("" when none). */
char *cli_ports_text(const struct rt_config *c, pid_t pid)
{
	size_t n;
	_cleanup_free_ struct netd_port *v = published(c, pid, &n);
	char *s = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char a[IPAM_ADDR_STRLEN], h[16], cp[16];
		if (v[i].count > 1) {
			snprintf(h, sizeof(h), "%u-%u", v[i].hport, v[i].hport + v[i].count - 1);
			snprintf(cp, sizeof(cp), "%u-%u", v[i].cport, v[i].cport + v[i].count - 1);
		} else {
			snprintf(h, sizeof(h), "%u", v[i].hport);
			snprintf(cp, sizeof(cp), "%u", v[i].cport);
		}
		char *t = xasprintf(v[i].has_ip && v[i].ip.family == AF_INET6 ? "%s%s[%s]:%s->%s/%s" : "%s%s%s:%s->%s/%s",
				    s, i ? ", " : "", host_ip(&v[i], a, sizeof(a)), h, cp, netd_proto_name(v[i].proto));
		free(s);
		s = t;
	}
	return s;
}

/* PORT[/PROTO] -> port and protocol (0 when PROTO is absent). */
static int filter_parse(const char *s, unsigned *port, uint8_t *proto, struct err *e)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	*proto = 0;
	if (end == s || v == 0 || v > 65535 || (*end && *end != '/'))
		return err_setx(e, EINVAL, "invalid port \"%s\": PORT[/PROTO]", s);
	if (*end == '/') {
		if (strcmp(end + 1, "tcp") == 0)
			*proto = IPPROTO_TCP;
		else if (strcmp(end + 1, "udp") == 0)
			*proto = IPPROTO_UDP;
		else
			return err_setx(e, EINVAL, "invalid protocol \"%s\": tcp or udp", end + 1);
	}
	*port = (unsigned)v;
	return 0;
}

static int print_ports(const struct rt_config *c, pid_t pid, const char *filter, struct err *e)
{
	unsigned want = 0;
	uint8_t proto = 0;
	size_t n, shown = 0;
	int r;
	if (filter && (r = filter_parse(filter, &want, &proto, e)) < 0)
		return r;
	_cleanup_free_ struct netd_port *v = published(c, pid, &n);
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < v[i].count; k++) {
			char a[IPAM_ADDR_STRLEN];
			unsigned cp = v[i].cport + k;
			if (filter && (cp != want || (proto && proto != v[i].proto) || (!proto && v[i].proto != IPPROTO_TCP)))
				continue;
			if (!filter)
				printf("%u/%s -> ", cp, netd_proto_name(v[i].proto));
			printf(v[i].has_ip && v[i].ip.family == AF_INET6 ? "[%s]:%u\n" : "%s:%u\n", host_ip(&v[i], a, sizeof(a)),
			       v[i].hport + k);
			shown++;
		}
	if (filter && !shown)
		return err_setx(e, ENOENT, "no public port '%s%s' published for %s", filter, proto ? "" : "/tcp", c->name);
	return 0;
}

int cli_cmd_port(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { CLI_HELP_OPTION, { 0 } };
	char id[ID_LEN + 1];
	struct rt_config c;
	struct rt_state st;
	struct err e = { 0 };
	int r;
	int c_;
	opterr = 0;
	while ((c_ = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c_ == 'h')
			return cli_help(cmd);
		return cli_bad_option(cmd, c_, argv);
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error(cmd, "\"port\" takes CONTAINER and an optional PORT[/PROTO]");
	if (rt_container_resolve(ctx->root, argv[optind], id, &e) < 0 || rt_config_read(ctx->root, id, &c, &e) < 0)
		return cli_fail(&e);
	r = rt_state_read(ctx->root, id, &st, &e);
	if (r == 0)
		r = print_ports(&c, st.status == RT_RUNNING ? st.pid : 0, argc - optind == 2 ? argv[optind + 1] : NULL, &e);
	rt_config_done(&c);
	return r < 0 ? cli_fail(&e) : 0;
}
