/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exposed ports as Docker keeps them: the image's, --expose's and the
 * container ports of -p make Config.ExposedPorts; -P publishes those that no
 * -p publishes already, on random host ports; --link names them all.
 */
#include "netd.h"
#include "netrun.h"

static bool spec_covers(const char *spec, unsigned int port, uint8_t proto)
{
	struct netd_port p;
	return netd_port_parse(spec, &p, NULL) == 0 && p.proto == proto && port >= p.cport &&
	       port < (unsigned int)p.cport + p.count;
}

void cli_exposed_add_ports(char ***exposed, char *const *ports)
{
	for (size_t i = 0; ports && ports[i]; i++) {
		struct netd_port p;
		if (netd_port_parse(ports[i], &p, NULL) < 0)
			continue;
		for (unsigned int k = 0; k < p.count; k++) {
			char s[24];
			snprintf(s, sizeof(s), "%u/%s", p.cport + k, netd_proto_name(p.proto));
			if (!strv_contains(*exposed, s))
				strv_push(exposed, s);
		}
	}
}

void cli_exposed_add_published(struct rt_config *c)
{
	cli_exposed_add_ports(&c->exposed, c->ports);
}

bool cli_port_published(const struct rt_config *c, const char *exposed)
{
	struct netd_port x;
	if (netd_port_parse(exposed, &x, NULL) < 0)
		return false;
	for (size_t i = 0; c->ports && c->ports[i]; i++)
		if (spec_covers(c->ports[i], x.cport, x.proto))
			return true;
	return false;
}
