/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon net: create, list, inspect and remove networks (through netd). */
#include "cli.h"
#include "netd.h"

static int call(struct cli_ctx *ctx, json_object *req, json_object **ret, struct err *e)
{
	struct netd_paths p = { .root = ctx->root, .run = ctx->run };
	return netd_call(&p, req, true, ret, e);
}

static void add_strv(json_object *req, const char *key, json_object **arr, const char *v)
{
	if (!*arr) {
		*arr = json_object_new_array();
		json_object_object_add(req, key, *arr);
	}
	json_object_array_add(*arr, json_object_new_string(v));
}

/* "KEY=VALUE" (a label may be a bare KEY) into obj. */
static int add_kv(const struct cli_command *cmd, json_object *req, const char *key, json_object **obj,
		  const char *arg, bool bare_ok)
{
	const char *eq = strchr(arg, '=');
	if ((!eq && !bare_ok) || eq == arg || arg[0] == '\0')
		return cli_usage_error(cmd, "invalid %s \"%s\": use KEY=VALUE", key, arg);
	if (!*obj) {
		*obj = json_object_new_object();
		json_object_object_add(req, key, *obj);
	}
	_cleanup_free_ char *k = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
	json_object_object_add(*obj, k, json_object_new_string(eq ? eq + 1 : ""));
	return 0;
}

static int cmd_create(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "driver", required_argument, NULL, 'd' },   { "subnet", required_argument, NULL, 's' },
		{ "gateway", required_argument, NULL, 'g' },  { "ip-range", required_argument, NULL, 'r' },
		{ "internal", no_argument, NULL, 'i' },	      { "ipv6", no_argument, NULL, '6' },
		{ "opt", required_argument, NULL, 'o' },      { "label", required_argument, NULL, 'l' },
		CLI_HELP_OPTION,			      { 0 },
	};
	_cleanup_json_ json_object *req = netd_request_new("net.create"), *reply = NULL;
	json_object *subnets = NULL, *gws = NULL, *ranges = NULL, *options = NULL, *labels = NULL;
	struct err e = { 0 };
	int c, r;

	while ((c = getopt_long(argc, argv, "+:d:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			json_object_object_add(req, "driver", json_object_new_string(optarg));
			break;
		case 's':
			add_strv(req, "subnets", &subnets, optarg);
			break;
		case 'g':
			add_strv(req, "gateways", &gws, optarg);
			break;
		case 'r':
			add_strv(req, "ip_ranges", &ranges, optarg);
			break;
		case 'i':
			json_object_object_add(req, "internal", json_object_new_boolean(true));
			break;
		case '6':
			json_object_object_add(req, "ipv6", json_object_new_boolean(true));
			break;
		case 'o':
			if ((r = add_kv(cmd, req, "options", &options, optarg, false)) != 0)
				return r;
			break;
		case 'l':
			if ((r = add_kv(cmd, req, "labels", &labels, optarg, true)) != 0)
				return r;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cmd, "\"net create\" requires exactly 1 argument: the network's name");
	json_object_object_add(req, "name", json_object_new_string(argv[optind]));
	if (call(ctx, req, &reply, &e) < 0)
		return cli_fail(&e);
	json_object *id;
	json_object_object_get_ex(reply, "id", &id);
	printf("%s\n", json_object_get_string(id));
	return CLI_EXIT_OK;
}

static const char *field(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void print_ls_json(json_object *n)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *ipam, *cfg, *v;
	bool v4 = false;
	json_object_object_add(o, "CreatedAt", json_object_new_string(field(n, "Created")));
	json_object_object_add(o, "Driver", json_object_new_string(field(n, "Driver")));
	json_object_object_add(o, "ID", json_object_new_string(field(n, "Id")));
	if (json_object_object_get_ex(n, "IPAM", &ipam) && json_object_object_get_ex(ipam, "Config", &cfg))
		for (size_t i = 0; i < json_object_array_length(cfg); i++)
			v4 |= strchr(field(json_object_array_get_idx(cfg, i), "Subnet"), '.') != NULL;
	json_object_object_add(o, "IPv4", json_object_new_boolean(v4));
	json_object_object_add(o, "IPv6", json_object_new_boolean(json_object_object_get_ex(n, "EnableIPv6", &v) &&
								   json_object_get_boolean(v)));
	json_object_object_add(o, "Internal", json_object_new_boolean(json_object_object_get_ex(n, "Internal", &v) &&
								      json_object_get_boolean(v)));
	json_object_object_get_ex(n, "Labels", &v);
	json_object_object_add(o, "Labels", json_object_get(v));
	json_object_object_add(o, "Name", json_object_new_string(field(n, "Name")));
	json_object_object_add(o, "Scope", json_object_new_string(field(n, "Scope")));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int cmd_ls(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		CLI_HELP_OPTION,
		{ 0 },
	};
	_cleanup_json_ json_object *req = netd_request_new("net.ls"), *reply = NULL;
	json_object *nets;
	bool quiet = false, json = false;
	struct err e = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'f':
			if (cli_format_json(cmd, optarg, &json) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"net ls\" accepts no arguments");
	if (call(ctx, req, &reply, &e) < 0)
		return cli_fail(&e);
	json_object_object_get_ex(reply, "networks", &nets);
	size_t n = json_object_array_length(nets);
	int w = 4;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(field(json_object_array_get_idx(nets, i), "Name"));
		w = l > w ? l : w;
	}
	if (!quiet && !json)
		printf("%-15s%-*s%-10s%s\n", "NETWORK ID", w + 3, "NAME", "DRIVER", "SCOPE");
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(nets, i);
		if (json)
			print_ls_json(o);
		else if (quiet)
			printf("%.12s\n", field(o, "Id"));
		else
			printf("%-15.12s%-*s%-10s%s\n", field(o, "Id"), w + 3, field(o, "Name"), field(o, "Driver"),
			       field(o, "Scope"));
	}
	return CLI_EXIT_OK;
}

static int cmd_inspect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { CLI_HELP_OPTION, { 0 } };
	_cleanup_json_ json_object *req = netd_request_new("net.inspect"), *reply = NULL;
	json_object *names = NULL, *nets;
	struct err e = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(cmd);
		return cli_bad_option(cmd, c, argv);
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "\"net inspect\" requires at least 1 argument");
	for (int i = optind; i < argc; i++)
		add_strv(req, "names", &names, argv[i]);
	if (call(ctx, req, &reply, &e) < 0)
		return cli_fail(&e);
	json_object_object_get_ex(reply, "networks", &nets);
	printf("%s\n", json_object_to_json_string_ext(nets, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	return CLI_EXIT_OK;
}

static int cmd_rm(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { CLI_HELP_OPTION, { 0 } };
	int c, rc = CLI_EXIT_OK;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(cmd);
		return cli_bad_option(cmd, c, argv);
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "\"net rm\" requires at least 1 argument");
	for (int i = optind; i < argc; i++) {
		_cleanup_json_ json_object *req = netd_request_new("net.rm"), *reply = NULL;
		json_object *names = NULL;
		struct err e = { 0 };
		add_strv(req, "names", &names, argv[i]);
		if (call(ctx, req, &reply, &e) < 0)
			rc = cli_fail(&e);
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}

static int cmd_prune(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, CLI_HELP_OPTION, { 0 } };
	_cleanup_json_ json_object *req = netd_request_new("net.prune"), *reply = NULL;
	json_object *removed;
	struct err e = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+:fh", opts, NULL)) != -1) {
		if (c == 'f')
			continue;
		if (c == 'h')
			return cli_help(cmd);
		return cli_bad_option(cmd, c, argv);
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"net prune\" accepts no arguments");
	if (call(ctx, req, &reply, &e) < 0)
		return cli_fail(&e);
	json_object_object_get_ex(reply, "removed", &removed);
	if (json_object_array_length(removed) > 0)
		printf("Deleted Networks:\n");
	for (size_t i = 0; i < json_object_array_length(removed); i++)
		printf("%s\n", json_object_get_string(json_object_array_get_idx(removed, i)));
	return CLI_EXIT_OK;
}

const struct cli_command cli_net_commands[] = {
	{ .name = "create", .summary = "Create a network", .run = cmd_create,
	  .usage = "Usage: pontoon net create [OPTIONS] NAME\n"
		   "\n"
		   "Create a bridge network and print its 64-hex id. Without --subnet, a subnet\n"
		   "is taken from the default pools (172.17-31.0.0/16, then 192.168.0.0/16 in\n"
		   "/20s), skipping any that overlap a network, a route or an address of the host.\n"
		   "\n"
		   "Options:\n"
		   "  -d, --driver bridge       the driver (only bridge)\n"
		   "      --subnet CIDR         the subnet: one IPv4 and, with --ipv6, one IPv6\n"
		   "      --gateway IP          the gateway of the subnet of its family (default: the first address)\n"
		   "      --ip-range CIDR       allocate container addresses from this part of the subnet\n"
		   "                            (or FIRST-LAST)\n"
		   "      --internal            no route out: no masquerade, no traffic to or from outside\n"
		   "      --ipv6                add an IPv6 subnet (a free ULA /64 of this host's /48 without an IPv6 --subnet)\n"
		   "  -o, --opt KEY=VALUE       driver options:\n"
		   "                              bridge.name=DEV   bridge device (default pn-<first 12 hex of id>)\n"
		   "                              mtu=N             MTU of the bridge and its veths\n"
		   "                              icc=true|false    traffic between containers of this network\n"
		   "                              masquerade=true|false  outbound NAT (default true)\n"
		   "                              host_ip=IP        default host address for port mappings\n"
		   "      --label KEY=VALUE     a label (repeatable)\n"
		   "  -h, --help                print this help\n" },
	{ .name = "ls", .alias = "list", .summary = "List networks", .run = cmd_ls,
	  .usage = "Usage: pontoon net ls [-q] [--format json]\n"
		   "\n"
		   "List networks: id, name, driver, scope.\n"
		   "\n"
		   "Options:\n"
		   "  -q, --quiet         print only the short ids\n"
		   "      --format json   one JSON object per line\n"
		   "  -h, --help          print this help\n" },
	{ .name = "inspect", .summary = "Show networks in detail", .run = cmd_inspect,
	  .usage = "Usage: pontoon net inspect NAME|ID...\n"
		   "\n"
		   "Print a JSON array describing the networks, shaped like `docker network\n"
		   "inspect`: Name, Id, Created, Driver, IPAM.Config, Internal, Options, Labels,\n"
		   "Containers. A unique prefix of an id works too.\n"
		   "\n"
		   "Options:\n"
		   "  -h, --help   print this help\n" },
	{ .name = "rm", .alias = "remove", .summary = "Remove networks", .run = cmd_rm,
	  .usage = "Usage: pontoon net rm NAME|ID...\n"
		   "\n"
		   "Remove networks: their bridge, firewall elements and state. A network with\n"
		   "containers attached is not removed (the error names them); neither is the\n"
		   "default network \"bridge\".\n"
		   "\n"
		   "Options:\n"
		   "  -h, --help   print this help\n" },
	{ .name = "connect", .summary = "Connect a container to a network", .run = cli_cmd_net_connect,
	  .usage = cli_net_connect_usage },
	{ .name = "disconnect", .summary = "Disconnect a container from a network", .run = cli_cmd_net_disconnect,
	  .usage = cli_net_disconnect_usage },
	{ .name = "prune", .summary = "Remove all networks without containers", .run = cmd_prune,
	  .usage = "Usage: pontoon net prune [-f]\n"
		   "\n"
		   "Remove every network that has no container attached, except the default\n"
		   "network \"bridge\", and print their names.\n"
		   "\n"
		   "Options:\n"
		   "  -f, --force  accepted for Docker compatibility (pontoon does not ask)\n"
		   "  -h, --help   print this help\n" },
	{ 0 },
};
