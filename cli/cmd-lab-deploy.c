/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon lab deploy | destroy | inspect | exec. */
#include <dirent.h>
#include "lab.h"
#include "runtime.h"

#define FOR_OPTS(cmd, shortopts, opts) \
	for (int c_; opterr = 0, (c_ = getopt_long(argc, argv, "+:" shortopts, opts, NULL)) != -1;) \
		switch (c_)

static int load_topo(const char *file, struct topo **ret)
{
	struct err e = { 0 };
	if (topo_parse_file(file, ret, &e) < 0)
		return cli_fail(&e);
	for (char **w = (*ret)->warnings; w && *w; w++)
		log_warn("%s", *w);
	return 0;
}

/* One deploy/destroy of a lab at a time: flock on $RUN/lab-<name>.lock. */
static int lab_lock(struct cli_ctx *ctx, const char *name, struct err *e)
{
	int r = mkdir_p(ctx->run, 0700, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = xasprintf("%s/lab-%s.lock", ctx->run, name);
	r = lock_file(path, true, e);
	if (r == -EWOULDBLOCK || r == -EAGAIN) {
		err_clear(e);
		return err_setx(e, EBUSY, "lab %s: another deploy or destroy of it is running", name);
	}
	return r;
}

static const char *node_state(struct cli_ctx *ctx, const struct lab_node *n)
{
	struct rt_state st;
	if (!n->id[0] || rt_state_read(ctx->root, n->id, &st, NULL) < 0)
		return "missing";
	return rt_status_name(st.status);
}

static void print_table(struct cli_ctx *ctx, const struct lab *l)
{
	printf("%-24s %-7s %-16s %-8s %-20s %s\n", "NAME", "KIND", "IMAGE", "STATE", "IPV4 ADDRESS", "IPV6 ADDRESS");
	for (size_t i = 0; i < l->n_nodes; i++) {
		const struct lab_node *n = &l->nodes[i];
		if (!n->linux_node)
			continue;
		printf("%-24s %-7s %-16s %-8s %-20s %s\n", n->container, n->kind, n->image ? n->image : "-",
		       node_state(ctx, n), n->ipv4 ? n->ipv4 : "N/A", n->ipv6 ? n->ipv6 : "N/A");
	}
}

static json_object *lab_json(struct cli_ctx *ctx, const struct lab *l)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < l->n_nodes; i++) {
		const struct lab_node *n = &l->nodes[i];
		if (!n->linux_node)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "lab_name", json_object_new_string(l->name));
		json_object_object_add(o, "labPath", json_object_new_string(l->file ? l->file : ""));
		json_object_object_add(o, "name", json_object_new_string(n->container));
		json_object_object_add(o, "node", json_object_new_string(n->name));
		json_object_object_add(o, "container_id", json_object_new_string(n->id));
		json_object_object_add(o, "image", json_object_new_string(n->image ? n->image : ""));
		json_object_object_add(o, "kind", json_object_new_string(n->kind));
		json_object_object_add(o, "state", json_object_new_string(node_state(ctx, n)));
		json_object_object_add(o, "ipv4_address", json_object_new_string(n->ipv4 ? n->ipv4 : "N/A"));
		json_object_object_add(o, "ipv6_address", json_object_new_string(n->ipv6 ? n->ipv6 : "N/A"));
		json_object_array_add(a, o);
	}
	return a;
}

static int destroy_one(struct cli_ctx *ctx, const char *name, bool cleanup, bool missing_ok)
{
	_cleanup_(lab_freep) struct lab *l = NULL;
	struct err e = { 0 };
	_cleanup_close_ int lock = lab_lock(ctx, name, &e);
	if (lock < 0)
		return cli_fail(&e);
	int r = lab_load(ctx, name, &l, &e);
	if (r == -ENOENT && missing_ok) {
		if (cleanup) {
			_cleanup_free_ char *dir = lab_dir(ctx, name);
			if (rm_rf(dir, &e) < 0)
				return cli_fail(&e);
		}
		return CLI_EXIT_OK;
	}
	if (r < 0 || lab_destroy(l, cleanup, &e) < 0)
		return cli_fail(&e);
	log_info("lab %s destroyed", name);
	return CLI_EXIT_OK;
}

static int deploy(struct cli_ctx *ctx, const char *file, bool reconfigure)
{
	_cleanup_(topo_freep) struct topo *t = NULL;
	_cleanup_(topo_plan_freep) struct topo_plan *p = NULL;
	_cleanup_(lab_freep) struct lab *old = NULL;
	struct err e = { 0 };

	if (load_topo(file, &t) != 0)
		return CLI_EXIT_FAIL;
	if (topo_plan_new(t, &p, &e) < 0)
		return cli_fail(&e);
	_cleanup_close_ int lock = lab_lock(ctx, t->name, &e);
	if (lock < 0)
		return cli_fail(&e);
	int r = lab_load(ctx, t->name, &old, &e);
	if (r == 0 && !reconfigure) {
		log_error("lab %s is deployed already: destroy it first, or deploy with --reconfigure", t->name);
		return CLI_EXIT_FAIL;
	}
	if (r < 0 && r != -ENOENT)
		return cli_fail(&e);
	err_clear(&e);
	if (old && lab_destroy(old, false, &e) < 0)
		return cli_fail(&e);
	log_info("deploying lab %s (%zu nodes, %zu links)", t->name, t->n_nodes, t->n_links);
	if (lab_deploy(ctx, t, p, &e) < 0) {
		log_error("lab %s: %s", t->name, err_msg(&e));
		return CLI_EXIT_FAIL;
	}
	_cleanup_(lab_freep) struct lab *l = NULL;
	if (lab_load(ctx, t->name, &l, &e) < 0)
		return cli_fail(&e);
	print_table(ctx, l);
	return CLI_EXIT_OK;
}

int cli_lab_deploy(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "topo", required_argument, NULL, 't' }, { "reconfigure", no_argument, NULL, 'c' }, CLI_HELP_OPTION, { 0 },
	};
	const char *file = NULL;
	bool reconf = false;
	FOR_OPTS(cmd, "t:ch", opts) {
	case 't': file = optarg; break;
	case 'c': reconf = true; break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"lab deploy\" accepts no arguments");
	if (!file)
		return cli_usage_error(cmd, "a topology file is required: -t FILE");
	return deploy(ctx, file, reconf);
}

static int destroy_all(struct cli_ctx *ctx, bool cleanup)
{
	_cleanup_free_ char *dir = xasprintf("%s/labs", ctx->root);
	DIR *d = opendir(dir);
	int ret = CLI_EXIT_OK;
	if (!d)
		return CLI_EXIT_OK; /* no lab ever */
	_cleanup_strv_ char **names = NULL;
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_name[0] != '.')
			strv_push(&names, de->d_name);
	closedir(d);
	for (char **n = names; n && *n; n++)
		if (destroy_one(ctx, *n, cleanup, true) != CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
	return ret;
}

int cli_lab_destroy(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "topo", required_argument, NULL, 't' }, { "cleanup", no_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' }, CLI_HELP_OPTION, { 0 },
	};
	const char *file = NULL;
	bool cleanup = false, all = false;
	_cleanup_(topo_freep) struct topo *t = NULL;
	FOR_OPTS(cmd, "t:cah", opts) {
	case 't': file = optarg; break;
	case 'c': cleanup = true; break;
	case 'a': all = true; break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"lab destroy\" accepts no arguments");
	if (!file == !all)
		return cli_usage_error(cmd, "give either -t FILE or --all");
	if (all)
		return destroy_all(ctx, cleanup);
	if (load_topo(file, &t) != 0)
		return CLI_EXIT_FAIL;
	return destroy_one(ctx, t->name, cleanup, true);
}

int cli_lab_inspect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "topo", required_argument, NULL, 't' }, { "format", required_argument, NULL, 'f' }, CLI_HELP_OPTION, { 0 },
	};
	const char *file = NULL, *format = "table";
	_cleanup_(topo_freep) struct topo *t = NULL;
	_cleanup_(lab_freep) struct lab *l = NULL;
	struct err e = { 0 };
	FOR_OPTS(cmd, "t:f:h", opts) {
	case 't': file = optarg; break;
	case 'f': format = optarg; break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"lab inspect\" accepts no arguments");
	if (!file)
		return cli_usage_error(cmd, "a topology file is required: -t FILE");
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error(cmd, "--format must be table or json, not \"%s\"", format);
	if (load_topo(file, &t) != 0)
		return CLI_EXIT_FAIL;
	if (lab_load(ctx, t->name, &l, &e) < 0)
		return cli_fail(&e);
	if (strcmp(format, "json") == 0) {
		_cleanup_json_ json_object *o = json_object_new_object();
		json_object_object_add(o, l->name, lab_json(ctx, l));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		print_table(ctx, l);
	}
	return CLI_EXIT_OK;
}

static int exec_node(struct cli_ctx *ctx, const struct lab_node *n, char **args, bool header)
{
	struct rt_exec x = { .argv = args };
	struct err e = { 0 };
	if (header) {
		printf("--- %s ---\n", n->name);
		fflush(stdout);
	}
	if (!n->id[0]) {
		log_error("node %s has no container", n->name);
		return CLI_EXIT_RUNTIME;
	}
	int status = rt_container_exec(ctx->root, n->id, &x, &e);
	if (e.code)
		log_error("node %s: %s", n->name, err_msg(&e));
	return status;
}

int cli_lab_exec(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "topo", required_argument, NULL, 't' }, { "node", required_argument, NULL, 'n' },
		{ "cmd", required_argument, NULL, 'c' }, CLI_HELP_OPTION, { 0 },
	};
	const char *file = NULL, *node = NULL, *cmdline = NULL;
	_cleanup_(topo_freep) struct topo *t = NULL;
	_cleanup_(lab_freep) struct lab *l = NULL;
	_cleanup_strv_ char **args = NULL;
	struct err e = { 0 };
	int ret = 0, matched = 0;
	FOR_OPTS(cmd, "t:n:c:h", opts) {
	case 't': file = optarg; break;
	case 'n': node = optarg; break;
	case 'c': cmdline = optarg; break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (!file)
		return cli_usage_error(cmd, "a topology file is required: -t FILE");
	if (!cmdline == (optind >= argc))
		return cli_usage_error(cmd, "give the command either as arguments or with --cmd, once");
	if (cmdline && topo_split_words(cmdline, &args, &e) < 0)
		return cli_fail(&e);
	for (int i = optind; i < argc; i++)
		strv_push(&args, argv[i]);
	if (!args || !args[0])
		return cli_usage_error(cmd, "the command is empty");
	if (load_topo(file, &t) != 0)
		return CLI_EXIT_FAIL;
	if (lab_load(ctx, t->name, &l, &e) < 0)
		return cli_fail(&e);
	for (size_t i = 0; i < l->n_nodes; i++) {
		if (!l->nodes[i].linux_node || (node && strcmp(node, l->nodes[i].name) != 0))
			continue;
		matched++;
		int s = exec_node(ctx, &l->nodes[i], args, !node);
		if (s != 0)
			ret = s;
	}
	if (node && !matched) {
		log_error("lab %s has no container node \"%s\"", l->name, node);
		return CLI_EXIT_FAIL;
	}
	return ret;
}

const char cli_lab_deploy_usage[] =
	"Usage: pontoon lab deploy -t FILE [--reconfigure]\n"
	       "\n"
	       "Deploy the lab a containerlab topology file describes. In order: the management\n"
	       "network (through netd; mgmt.network, default \"clab\", with mgmt.ipv4-subnet,\n"
	       "default 172.20.20.0/24, and mgmt.ipv6-subnet; when a default subnet overlaps one\n"
	       "in use, netd picks free ones and deploy says so; an existing network of that name\n"
	       "is joined); bridge nodes' host bridges must exist; then the node containers,\n"
	       "named <lab>-<node> (or as `prefix` says), 4 at a time, each privileged (as\n"
	       "containerlab's) with eth0 on the management network at its mgmt-ipv4 (or an\n"
	       "allocated address); nodes with network-mode container:NODE start after NODE;\n"
	       "then each link as a veth pair made directly between the two nodes' namespaces\n"
	       "(or between a node and a bridge node's host bridge) with the interface names,\n"
	       "MACs and MTU (default 9500) the file gives; last, each node's exec commands,\n"
	       "in order (output in $ROOT/labs/<lab>/<node>.exec.log). A line per node shows\n"
	       "progress. When anything fails (a bad image, a link that cannot be made, an\n"
	       "exec command that exits non-zero) deploy says which node or link, removes all\n"
	       "it made and exits 1. On success it prints the table `lab inspect` prints.\n"
	       "The lab's state is kept in $ROOT/labs/<lab>/state.json.\n"
	       "\n"
	       "Options:\n"
	       "  -t, --topo FILE     the topology file (containerlab YAML)\n"
	       "  -c, --reconfigure   destroy the lab first when it is deployed already\n"
	       "                      (otherwise that is an error)\n"
	       "  -h, --help          print this help\n";

const char cli_lab_destroy_usage[] =
	"Usage: pontoon lab destroy (-t FILE | --all) [--cleanup]\n"
	       "\n"
	       "Remove the nodes' containers (and with them every link), detach them from the\n"
	       "management network and remove that network when the lab created it and no\n"
	       "other container uses it. A lab that is not deployed is not an error.\n"
	       "\n"
	       "Options:\n"
	       "  -t, --topo FILE     the topology file of the lab\n"
	       "  -a, --all           every deployed lab\n"
	       "  -c, --cleanup       also remove the lab's directory ($ROOT/labs/<lab>: state\n"
	       "                      and exec logs)\n"
	       "  -h, --help          print this help\n";

const char cli_lab_inspect_usage[] =
	"Usage: pontoon lab inspect -t FILE [--format table|json]\n"
	       "\n"
	       "A table of the lab's container nodes: container name, kind, image, state\n"
	       "(running, exited, created, missing) and the IPv4 and IPv6 addresses on the\n"
	       "management network. --format json prints {\"<lab>\": [{lab_name, labPath,\n"
	       "name, node, container_id, image, kind, state, ipv4_address, ipv6_address}]}.\n"
	       "\n"
	       "Options:\n"
	       "  -t, --topo FILE       the topology file of the lab\n"
	       "  -f, --format FORMAT   table (default) or json\n"
	       "  -h, --help            print this help\n";

const char cli_lab_exec_usage[] =
	"Usage: pontoon lab exec -t FILE [--node NODE] (COMMAND [ARG...] | --cmd \"COMMAND ...\")\n"
	       "\n"
	       "Run COMMAND in every container node of the lab (each output headed by\n"
	       "\"--- NODE ---\"), or in NODE only (its output as is). Exit status: the\n"
	       "command's (the last non-zero one over several nodes).\n"
	       "\n"
	       "Options:\n"
	       "  -t, --topo FILE     the topology file of the lab\n"
	       "  -n, --node NODE     only this node (its name in the file)\n"
	       "  -c, --cmd STRING    the command as one string, split into words as a shell\n"
	       "                      would (quotes, backslashes; no expansions)\n"
	       "  -h, --help          print this help\n";
