/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon system: facts about pontoon and the host it runs on. */
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include "cli.h"
#include "netd.h"
#include "netrun.h"
#include "runtime.h"

static const char *cgroup_mode(void)
{
	struct statfs fs;
	if (statfs("/sys/fs/cgroup", &fs) < 0)
		return "none";
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return "v2 (unified)";
	if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return "v1 (hybrid: v1 controllers, cgroup2 at /sys/fs/cgroup/unified)";
	return "v1 (legacy)";
}

static int read_sysctl(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int cmd_info(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		CLI_HELP_OPTION,
		{ 0 },
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
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
		return cli_usage_error(cmd, "\"system info\" accepts no arguments");

	struct utsname u;
	char fwd[16] = "?", brnf[16] = "absent";
	uname(&u);
	read_sysctl("/proc/sys/net/ipv4/ip_forward", fwd, sizeof(fwd));
	read_sysctl("/proc/sys/net/bridge/bridge-nf-call-iptables", brnf, sizeof(brnf));

	_cleanup_free_ char *cgparent = rt_cgroup_parent(ctx->root);
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object_object_add(o, "Version", json_object_new_string(PONTOON_VERSION));
	json_object_object_add(o, "Root", json_object_new_string(ctx->root));
	json_object_object_add(o, "Run", json_object_new_string(ctx->run));
	json_object_object_add(o, "Kernel", json_object_new_string(u.release));
	json_object_object_add(o, "Cgroups", json_object_new_string(cgroup_mode()));
	json_object_object_add(o, "CgroupParent", json_object_new_string(cgparent));
	json_object_object_add(o, "IPForward", json_object_new_string(fwd));
	json_object_object_add(o, "BridgeNfCallIptables", json_object_new_string(brnf));
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		return CLI_EXIT_OK;
	}
	printf("Version:     %s\n", PONTOON_VERSION);
	printf("Root:        %s\n", ctx->root);
	printf("Run:         %s\n", ctx->run);
	printf("Kernel:      %s\n", u.release);
	printf("Cgroups:     %s\n", cgroup_mode());
	printf("Cgroup dir:  %s (this root's containers: [<controller>/]%s/<id>)\n", cgparent, cgparent);
	printf("IP forward:  %s\n", fwd);
	printf("bridge-nf-call-iptables: %s%s\n", brnf,
	       strcmp(brnf, "1") == 0 ? " (traffic between containers on one bridge passes the forward hooks)" : "");
	return CLI_EXIT_OK;
}

/* pontoon system check [--repair] [--format json]: netd's findings, then the runtime's. */
static int cmd_check(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		CLI_HELP_OPTION,
		{ 0 },
	};
	struct netd_paths p = { .root = ctx->root, .run = ctx->run };
	_cleanup_json_ json_object *reply = NULL, *all = json_object_new_array();
	bool repair = false, json = false;
	struct err e = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repair = true; break;
		case 'f':
			if (cli_format_json(cmd, optarg, &json) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h': return cli_help(cmd);
		default: return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"system check\" accepts no arguments");
	json_object *req = netd_request_new("check");
	json_object_object_add(req, "repair", json_object_new_boolean(repair));
	int r = netd_call(&p, req, true, &reply, &e);
	json_object_put(req);
	if (r < 0)
		return cli_fail(&e);
	json_object *f;
	if (json_object_object_get_ex(reply, "findings", &f) && json_object_is_type(f, json_type_array))
		for (size_t i = 0; i < json_object_array_length(f); i++)
			json_object_array_add(all, json_object_get(json_object_array_get_idx(f, i)));
	if (rt_check(ctx->root, repair, all, &e) < 0)
		return cli_fail(&e);
	cli_net_check_containers(ctx, repair, all);
	size_t n = json_object_array_length(all), unrepaired = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(all, i), *v;
		bool fixed = json_object_object_get_ex(o, "repaired", &v) && json_object_get_boolean(v);
		unrepaired += !fixed;
		if (json)
			continue;
		const char *s[3] = { "kind", "object", "problem" };
		for (int k = 0; k < 3; k++)
			s[k] = json_object_object_get_ex(o, s[k], &v) ? json_object_get_string(v) : "?";
		printf("%-16s %s: %s%s\n", s[0], s[1], s[2], fixed ? " (repaired)" : repair ? " (NOT repaired)" : "");
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (n == 0)
		printf("state and kernel agree\n");
	return unrepaired ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

const struct cli_command cli_system_commands[] = {
	{ .name = "info", .summary = "Show pontoon's directories and the host facts it depends on", .run = cmd_info,
	  .usage = "Usage: pontoon system info [--format json]\n"
		   "\n"
		   "Show pontoon's version, its state and runtime directories, and the host\n"
		   "facts it depends on: kernel, cgroup mode, IP forwarding, br_netfilter, and\n"
		   "the cgroup directory of this root's containers (pontoon for the default\n"
		   "root, pontoon-<16 hex of a hash of the root path> for any other).\n"
		   "\n"
		   "Options:\n"
		   "      --format json   print a JSON object\n"
		   "  -h, --help          print this help\n" },
	{ .name = "check", .summary = "Find (and --repair) disagreements between pontoon's state and the kernel",
	  .run = cmd_check,
	  .usage = "Usage: pontoon system check [--repair] [--format json]\n"
		   "\n"
		   "Compare pontoon's state with the kernel and report every disagreement, one\n"
		   "line each (KIND OBJECT: PROBLEM):\n"
		   "  orphan-veth      a pnv* veth no endpoint owns\n"
		   "  orphan-bridge    a pontoon bridge no network owns\n"
		   "  missing-bridge   a network whose bridge is gone\n"
		   "  lost-endpoint    an endpoint whose veth is gone\n"
		   "  leaked-address   an address allocated to no endpoint\n"
		   "  firewall         table inet pontoon missing, or its bridges set wrong\n"
		   "  dead-container   a container marked running whose shim is gone\n"
		   "  orphan-cgroup    a cgroup of this root (pontoon[-HASH]/<id>, see system\n"
		   "                   info) with no task and no running container\n"
		   "  orphan-mount     a mount under pontoon's root in the host's mount namespace\n"
		   "  stray-endpoint   a running container's endpoint on a network its\n"
		   "                   configuration does not name (a net connect or net\n"
		   "                   disconnect killed half-way)\n"
		   "  missing-endpoint a running container without an endpoint on a network\n"
		   "                   its configuration names\n"
		   "With --repair, fix each (delete, recreate, release, re-apply, unmount,\n"
		   "detach, attach: a container's networks follow its configuration).\n"
		   "Exit status: 0 when everything agrees (or was repaired), 1 otherwise.\n"
		   "\n"
		   "Options:\n"
		   "      --repair        fix what is found\n"
		   "      --format json   print the findings as a JSON array\n"
		   "  -h, --help          print this help\n" },
	{ 0 },
};
