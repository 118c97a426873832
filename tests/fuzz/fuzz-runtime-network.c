/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --network's long form, and --link's variables from hostile exposed ports
 * and environments: never a crash; what parses names a network. */
#include <stdlib.h>
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_netconf n;
	struct err e = { 0 };
	if (size > 4096)
		return 0;
	char *s = xstrndup((const char *)data, size);
	if (rt_parse_network_long(s, &n, &e) == 0) {
		if (!n.name || rt_parse_network(n.name, NULL) < 0)
			abort();
		rt_netconf_done(&n);
	}
	/* the same bytes as lines: exposed ports, then the environment */
	char **lines = NULL;
	for (char *p = s, *nl; p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		strv_push(&lines, p);
	}
	struct rt_link_info l = { .name = "/a/b-c", .ip = "10.0.0.2", .env = lines, .ports = lines };
	char **env = rt_link_env(&l);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], "B_C_", 4) != 0)
			abort();
	char **merged = rt_env_merge(env, lines);
	strv_free(merged);
	strv_free(env);
	strv_free(lines);
	free(s);
	return 0;
}
