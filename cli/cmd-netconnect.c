/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon net connect / net disconnect: a container joins or leaves a network,
 * live when it runs, in its configuration (applied at the next start) always. */
#include "cli.h"
#include "dns.h"
#include "ipam.h"
#include "netd.h"
#include "netrun.h"
#include "runtime.h"

const char cli_net_connect_usage[] =
	"Usage: pontoon net connect [OPTIONS] NETWORK CONTAINER\n"
	"\n"
	"Connect a container to a network. A running container gets a new interface\n"
	"(eth1, eth2, ...) at once, with its address and /etc/hosts updated; a created\n"
	"or stopped one is connected when it starts. The default route stays with the\n"
	"first network.\n"
	"\n"
	"Options:\n"
	"      --ip ADDR         static IPv4 address in the network's subnet\n"
	"                        (user-defined networks with a subnet given at\n"
	"                        net create --subnet only, as Docker)\n"
	"      --ip6 ADDR        static IPv6 address in the network's IPv6 subnet; with\n"
	"                        --ip, both are the container's\n"
	"      --alias NAME      another DNS name of the container on this network\n"
	"                        (repeatable; user-defined networks only)\n"
	"      --link CONTAINER[:ALIAS]  ALIAS (default: CONTAINER) resolves, through\n"
	"                        this network's DNS and for this container only, to\n"
	"                        CONTAINER's address on the network; it follows\n"
	"                        CONTAINER's restarts and resolves nothing while\n"
	"                        CONTAINER is not on the network (repeatable;\n"
	"                        user-defined networks only; no environment variables\n"
	"                        nor /etc/hosts lines: those are run --link's on bridge)\n"
	"  -h, --help            print this help\n";

const char cli_net_disconnect_usage[] =
	"Usage: pontoon net disconnect [OPTIONS] NETWORK CONTAINER\n"
	"\n"
	"Disconnect a container from a network: a running container loses that\n"
	"interface at once (its address goes back to the network's pool and its\n"
	"/etc/hosts line goes away); a stopped one is not connected at its next start.\n"
	"\n"
	"Options:\n"
	"  -f, --force   also when netd has no endpoint for it (the network is removed\n"
	"                from the container's configuration regardless)\n"
	"  -h, --help    print this help\n";

/* Rewrite the /etc files of a running container from its endpoints now. */
static int refresh_etc(struct cli_ctx *ctx, const struct rt_config *c, struct err *e)
{
	struct cli_ep *eps = NULL;
	size_t n = 0;
	int r = cli_net_endpoints(c, &eps, &n, e);
	if (r == 0)
		r = cli_etc_update(ctx->root, c, eps, n, e);
	cli_eps_free(eps, n);
	return r;
}

static int check_mode(const struct rt_config *c, const char *what, struct err *e)
{
	if (strcmp(c->network, "host") == 0 || strncmp(c->network, "container:", 10) == 0)
		return err_setx(e, EINVAL, "container %s uses --network %s: it cannot be %s", c->name, c->network, what);
	if (strcmp(c->network, "none") == 0 && c->n_nets == 0)
		return err_setx(e, EINVAL, "container %s has --network none: it cannot be %s", c->name, what);
	return 0;
}

static int do_connect(struct cli_ctx *ctx, const char *net, const char *ref, struct rt_netconf *want, struct err *e)
{
	char id[ID_LEN + 1];
	struct rt_config c;
	struct rt_config probe;
	struct rt_state st;
	struct cli_ep ep = { 0 };
	int r;

	if ((r = rt_container_resolve(ctx->root, ref, id, e)) < 0)
		return r;
	_cleanup_close_ int lock = rt_container_lock(ctx->root, id, e);
	if (lock < 0)
		return lock;
	if ((r = rt_config_read(ctx->root, id, &c, e)) < 0)
		return r;
	if ((r = rt_state_read(ctx->root, id, &st, e)) < 0 || (r = check_mode(&c, "connected to a network", e)) < 0)
		goto out;
	/* the network's own name (and it exists) */
	rt_config_init(&probe);
	probe.network = xstrdup(net);
	probe.nets = xcalloc(1, sizeof(*probe.nets));
	probe.nets[0].name = xstrdup(net);
	probe.nets[0].ip = want->ip ? xstrdup(want->ip) : NULL;
	probe.nets[0].ip6 = want->ip6 ? xstrdup(want->ip6) : NULL;
	probe.n_nets = 1;
	r = cli_net_resolve(&probe, e);
	if (r == 0) {
		free(want->name);
		want->name = xstrdup(probe.nets[0].name);
	}
	rt_config_done(&probe);
	if (r < 0)
		goto out;
	if (rt_config_net_find(&c, want->name) >= 0) {
		r = err_setx(e, EEXIST, "container %s is already connected to network %s", c.name, want->name);
		goto out;
	}
	if (strcmp(want->name, CLI_DEFAULT_NET) == 0 && (want->ip || want->ip6 || want->aliases || want->links)) {
		r = err_setx(e, EINVAL, "--ip, --ip6, --alias and --link are supported on user-defined networks only");
		goto out;
	}
	if (st.status == RT_RUNNING) {
		r = cli_net_attach(&c, want, st.pid, &ep, e);
		if (r == -EEXIST) {
			/* netd has an endpoint the configuration does not name: a
			 * connect or disconnect killed half-way left it; replaced */
			err_clear(e);
			if ((r = cli_net_detach(c.id, want->name, e)) == 0)
				r = cli_net_attach(&c, want, st.pid, &ep, e);
		}
		if (r < 0)
			goto out;
	}
	c.nets = xrealloc(c.nets, (c.n_nets + 1) * sizeof(*c.nets));
	c.nets[c.n_nets++] = *want;
	memset(want, 0, sizeof(*want));
	r = rt_config_write(ctx->root, &c, e);
	if (r < 0 && st.status == RT_RUNNING)
		(void)!cli_net_detach(c.id, ep.network, NULL); /* undo */
	if (r == 0 && st.status == RT_RUNNING) {
		struct cli_etc_saved saved;
		cli_etc_save(ctx->root, c.id, &saved);
		if ((r = refresh_etc(ctx, &c, e)) < 0) {
			/* undo all of it: the files, the endpoint, the configuration */
			cli_etc_restore(ctx->root, c.id, &saved);
			(void)!cli_net_detach(c.id, ep.network, NULL);
			rt_netconf_done(&c.nets[--c.n_nets]);
			(void)!rt_config_write(ctx->root, &c, NULL);
		}
		cli_etc_saved_done(&saved);
	}
out:
	cli_ep_done(&ep);
	rt_config_done(&c);
	return r;
}

int cli_cmd_net_connect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "ip", required_argument, NULL, 'i' }, { "ip6", required_argument, NULL, '6' },
					      { "alias", required_argument, NULL, 'a' },
					      { "link", required_argument, NULL, 'l' },
					      CLI_HELP_OPTION,
					      { 0 } };
	struct rt_netconf want = { 0 };
	struct err e = { 0 };
	struct ipam_addr a;
	int c, r;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case '6':
			/* as run's --ip and --ip6: one address of each family */
			if (ipam_addr_parse(optarg, &a, NULL) < 0 || a.family != (c == 'i' ? AF_INET : AF_INET6)) {
				rt_netconf_done(&want);
				return cli_usage_error(cmd, "invalid %s \"%s\": not an IPv%c address",
						       c == 'i' ? "--ip" : "--ip6", optarg, c == 'i' ? '4' : '6');
			}
			free(c == 'i' ? want.ip : want.ip6);
			*(c == 'i' ? &want.ip : &want.ip6) = xstrdup(optarg);
			break;
		case 'a':
			if (!dns_name_is_valid(optarg)) {
				rt_netconf_done(&want);
				return cli_usage_error(cmd, "invalid --alias \"%s\"", optarg);
			}
			if (!strv_contains(want.aliases, optarg))
				strv_push(&want.aliases, optarg);
			break;
		case 'l':
			if (cli_link_check(optarg, &e) < 0) {
				rt_netconf_done(&want);
				return cli_usage_error(cmd, "%s", err_msg(&e));
			}
			if (!strv_contains(want.links, optarg))
				strv_push(&want.links, optarg);
			break;
		case 'h':
			rt_netconf_done(&want);
			return cli_help(cmd);
		default:
			rt_netconf_done(&want);
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (argc - optind != 2) {
		rt_netconf_done(&want);
		return cli_usage_error(cmd, "\"net connect\" requires exactly 2 arguments: NETWORK CONTAINER");
	}
	r = do_connect(ctx, argv[optind], argv[optind + 1], &want, &e);
	rt_netconf_done(&want);
	return r < 0 ? cli_fail(&e) : CLI_EXIT_OK;
}

/* All or nothing: the configuration and the /etc files change first (their
 * old contents kept), the endpoint goes last, so that a failure at any step
 * puts back what the earlier ones changed and the container stays connected
 * (a detach cannot be undone exactly: a re-attach may get other addresses). */
static int disconnect_one(struct cli_ctx *ctx, struct rt_config *c, size_t i, bool running, bool force, struct err *e)
{
	struct rt_netconf gone = c->nets[i];
	struct cli_etc_saved saved = { 0 };
	int r;

	memmove(&c->nets[i], &c->nets[i + 1], (c->n_nets - i - 1) * sizeof(*c->nets));
	c->n_nets--;
	if (running)
		cli_etc_save(ctx->root, c->id, &saved);
	r = rt_config_write(ctx->root, c, e);
	if (r == 0 && running) {
		r = refresh_etc(ctx, c, e);
		if (r == 0) {
			r = cli_net_detach(c->id, gone.name, e);
			if (r == -ENOENT && force) {
				err_clear(e);
				r = 0;
			}
		}
		if (r < 0)
			cli_etc_restore(ctx->root, c->id, &saved);
	}
	/* back into its place, for the undo or for rt_config_done */
	c->nets = xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
	memmove(&c->nets[i + 1], &c->nets[i], (c->n_nets - i) * sizeof(*c->nets));
	c->nets[i] = gone;
	c->n_nets++;
	if (r < 0 && running)
		(void)!rt_config_write(ctx->root, c, NULL);
	cli_etc_saved_done(&saved);
	return r;
}

static int do_disconnect(struct cli_ctx *ctx, const char *net, const char *ref, bool force, struct err *e)
{
	char id[ID_LEN + 1];
	struct rt_config c;
	struct rt_state st;
	ssize_t i;
	int r;

	if ((r = rt_container_resolve(ctx->root, ref, id, e)) < 0)
		return r;
	_cleanup_close_ int lock = rt_container_lock(ctx->root, id, e);
	if (lock < 0)
		return lock;
	if ((r = rt_config_read(ctx->root, id, &c, e)) < 0)
		return r;
	if ((r = rt_state_read(ctx->root, id, &st, e)) < 0 || (r = check_mode(&c, "disconnected", e)) < 0)
		goto out;
	i = rt_config_net_find(&c, net);
	if (i < 0) {
		/* by id or id prefix: the network's own name */
		struct rt_config probe;
		rt_config_init(&probe);
		probe.network = xstrdup(net);
		probe.nets = xcalloc(1, sizeof(*probe.nets));
		probe.nets[0].name = xstrdup(net);
		probe.n_nets = 1;
		bool known = cli_net_resolve(&probe, NULL) == 0;
		if (known)
			i = rt_config_net_find(&c, probe.nets[0].name);
		/* not in the configuration, but netd has an endpoint there (a
		 * disconnect killed before its detach): the detach finishes it */
		if (known && i < 0 && st.status == RT_RUNNING && cli_net_detach(c.id, probe.nets[0].name, NULL) == 0) {
			rt_config_done(&probe);
			r = refresh_etc(ctx, &c, e);
			goto out;
		}
		rt_config_done(&probe);
	}
	if (i < 0) {
		r = err_setx(e, ENOENT, "container %s is not connected to network %s", c.name, net);
		goto out;
	}
	r = disconnect_one(ctx, &c, (size_t)i, st.status == RT_RUNNING, force, e);
out:
	rt_config_done(&c);
	return r;
}

int cli_cmd_net_disconnect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, CLI_HELP_OPTION, { 0 } };
	struct err e = { 0 };
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': return cli_help(cmd);
		default: return cli_bad_option(cmd, c, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(cmd, "\"net disconnect\" requires exactly 2 arguments: NETWORK CONTAINER");
	if (do_disconnect(ctx, argv[optind], argv[optind + 1], force, &e) < 0)
		return cli_fail(&e);
	return CLI_EXIT_OK;
}

/* ---- system check: the containers' endpoints and their configurations ----------- */

/* A net connect or net disconnect killed between its steps (netd's endpoint,
 * the container's configuration) leaves them apart; the configuration is
 * what the user asked for, so repair makes netd follow it:
 *   stray-endpoint    an endpoint on a network the configuration does not
 *                     name (a connect killed before its config write, a
 *                     disconnect killed after it)          -> detached
 *   missing-endpoint  a configured network with no endpoint (e.g. after a
 *                     lost-endpoint repair)                  -> attached
 * Only running containers: netd releases a dead init's endpoints itself. */

/* The names of the networks in ls (a net.ls reply) holding an endpoint of id. */
static char **nets_holding(json_object *ls, const char *id)
{
	json_object *nets, *ctrs, *name;
	char **v = NULL;
	if (!json_object_object_get_ex(ls, "networks", &nets) || !json_object_is_type(nets, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		json_object *n = json_object_array_get_idx(nets, i);
		if (json_object_object_get_ex(n, "Containers", &ctrs) && json_object_object_get_ex(ctrs, id, NULL) &&
		    json_object_object_get_ex(n, "Name", &name))
			strv_push(&v, json_object_get_string(name));
	}
	return v;
}

static bool nets_agree(const struct rt_config *c, char *const *have)
{
	if (strv_len(have) != c->n_nets)
		return false;
	for (size_t i = 0; i < c->n_nets; i++)
		if (!strv_contains(have, c->nets[i].name))
			return false;
	return true;
}

static int net_ls(json_object **ret)
{
	_cleanup_json_ json_object *req = netd_request_new("net.ls");
	return cli_netd_call(req, true, ret, NULL);
}

/* One container that disagreed in the first look: looked at again under its
 * lock (a connect or disconnect in progress finishes first), and repaired. */
static void check_container(struct cli_ctx *ctx, const char *id, bool repair, json_object *arr)
{
	_cleanup_close_ int lock = rt_container_lock(ctx->root, id, NULL);
	_cleanup_json_ json_object *ls = NULL;
	_cleanup_strv_ char **have = NULL;
	struct rt_config c;
	struct rt_state st;
	bool changed = false;

	if (lock < 0 || rt_state_read(ctx->root, id, &st, NULL) < 0 || st.status != RT_RUNNING)
		return;
	if (rt_config_read(ctx->root, id, &c, NULL) < 0)
		return;
	if (net_ls(&ls) < 0)
		goto out;
	have = nets_holding(ls, id);
	/* an init that ended meanwhile has its endpoints released: not a finding */
	if (nets_agree(&c, have) || cli_init_dead(st.pid))
		goto out;
	for (size_t i = 0; have && have[i]; i++) {
		if (rt_config_net_find(&c, have[i]) >= 0)
			continue;
		int r = repair ? cli_net_detach(id, have[i], NULL) : 0;
		_cleanup_free_ char *msg = xasprintf("%s has an endpoint on network %s, which its configuration does not name",
						     c.name, have[i]);
		rt_check_found(arr, repair, "stray-endpoint", id, r, msg);
		changed |= repair && r >= 0;
	}
	for (size_t i = 0; i < c.n_nets; i++) {
		if (strv_contains(have, c.nets[i].name))
			continue;
		struct cli_ep ep = { 0 };
		int r = repair ? cli_net_attach(&c, &c.nets[i], st.pid, &ep, NULL) : 0;
		cli_ep_done(&ep);
		if (r < 0 && cli_init_dead(st.pid))
			break; /* ended meanwhile */
		_cleanup_free_ char *msg = xasprintf("%s runs without an endpoint on network %s, which its configuration names",
						     c.name, c.nets[i].name);
		rt_check_found(arr, repair, "missing-endpoint", id, r, msg);
		changed |= repair && r >= 0;
	}
	if (changed)
		(void)!refresh_etc(ctx, &c, NULL); /* its /etc/hosts follows its endpoints */
out:
	rt_config_done(&c);
}

void cli_net_check_containers(struct cli_ctx *ctx, bool repair, json_object *arr)
{
	_cleanup_strv_ char **ids = NULL;
	_cleanup_json_ json_object *ls = NULL;

	if (rt_container_list(ctx->root, &ids, NULL) < 0 || !ids || net_ls(&ls) < 0)
		return;
	/* a first look without locks; only who disagrees is looked at again */
	for (size_t i = 0; ids[i]; i++) {
		struct rt_config c;
		struct rt_state st;
		if (rt_state_read(ctx->root, ids[i], &st, NULL) < 0 || st.status != RT_RUNNING ||
		    rt_config_read(ctx->root, ids[i], &c, NULL) < 0)
			continue;
		_cleanup_strv_ char **have = nets_holding(ls, ids[i]);
		bool agree = nets_agree(&c, have);
		rt_config_done(&c);
		if (!agree)
			check_container(ctx, ids[i], repair, arr);
	}
}
