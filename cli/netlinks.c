/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --link's environment variables (the runtime's start_env hook): for each
 * link, the linked container's address on the default network (from netd),
 * its exposed and published ports and its environment, turned into Docker's
 * <ALIAS>_PORT..., <ALIAS>_NAME, <ALIAS>_ENV_... by rt_link_env. As in
 * Docker, the linked container must be running on the default network, or
 * the start fails.
 */
#include "netd.h"
#include "netrun.h"

/* The ports a link names: the image's exposed ones and every container port
 * of -p (Docker adds those to ExposedPorts), as "N/proto". */
static char **link_ports(const struct rt_config *lc)
{
	char **v = NULL;
	for (size_t i = 0; lc->exposed && lc->exposed[i]; i++)
		strv_push(&v, lc->exposed[i]);
	cli_exposed_add_ports(&v, lc->ports);
	return v;
}

static int one_link(const char *root, const struct rt_config *c, const char *spec, char ***env, struct err *e)
{
	const char *colon = strchr(spec, ':');
	_cleanup_free_ char *ref = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	const char *alias = colon && colon[1] ? colon + 1 : ref;
	char id[ID_LEN + 1];
	struct rt_config lc;
	struct cli_ep *eps = NULL;
	size_t n = 0;
	int r;

	if ((r = rt_container_resolve(root, ref, id, e)) < 0 || (r = rt_config_read(root, id, &lc, e)) < 0)
		return err_wrap(e, "--link %s", spec);
	r = cli_net_endpoints(&lc, &eps, &n, e);
	const char *ip = NULL;
	for (size_t k = 0; r == 0 && k < n; k++)
		if (strcmp(eps[k].network, CLI_DEFAULT_NET) == 0)
			ip = eps[k].ip;
	if (r == 0 && !ip)
		r = err_setx(e, EINVAL, "--link %s: container %s is not running on the default network bridge", spec,
			     ref);
	if (r == 0) {
		_cleanup_free_ char *name = xasprintf("/%s/%s", c->name, alias);
		_cleanup_strv_ char **ports = link_ports(&lc);
		struct rt_link_info l = { .name = name, .ip = ip, .env = lc.env, .ports = ports };
		_cleanup_strv_ char **add = rt_link_env(&l);
		for (size_t i = 0; add && add[i]; i++)
			strv_push(env, add[i]);
	}
	cli_eps_free(eps, n);
	rt_config_done(&lc);
	return r;
}

int cli_link_start_env(const char *root, const struct rt_config *c, char ***ret, struct err *e)
{
	char **env = NULL;
	for (size_t i = 0; c->links && c->links[i]; i++) {
		int r = one_link(root, c, c->links[i], &env, e);
		if (r < 0) {
			strv_free(env);
			/* as a failed attach: run removes the container it made, and
			 * its 127/126 mean "command not found / not executable" */
			cli_net_attach_failed_set();
			r = r == -ENOENT ? -ENXIO : r == -EACCES ? -EPERM : r;
			if (e)
				e->code = -r;
			return r;
		}
	}
	*ret = env;
	return 0;
}
