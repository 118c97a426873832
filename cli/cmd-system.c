/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon system: facts about pontoon and the host it runs on. */
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include "cli.h"

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
			if (strcmp(optarg, "json") != 0)
				return cli_usage_error(cmd, "unknown --format \"%s\": only json is supported", optarg);
			json = true;
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

	_cleanup_json_ json_object *o = json_object_new_object();
	json_object_object_add(o, "Version", json_object_new_string(PONTOON_VERSION));
	json_object_object_add(o, "Root", json_object_new_string(ctx->root));
	json_object_object_add(o, "Run", json_object_new_string(ctx->run));
	json_object_object_add(o, "Kernel", json_object_new_string(u.release));
	json_object_object_add(o, "Cgroups", json_object_new_string(cgroup_mode()));
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
	printf("IP forward:  %s\n", fwd);
	printf("bridge-nf-call-iptables: %s%s\n", brnf,
	       strcmp(brnf, "1") == 0 ? " (traffic between containers on one bridge passes the forward hooks)" : "");
	return CLI_EXIT_OK;
}

const struct cli_command cli_system_commands[] = {
	{ .name = "info", .summary = "Show pontoon's directories and the host facts it depends on", .run = cmd_info,
	  .usage = "Usage: pontoon system info [--format json]\n"
		   "\n"
		   "Show pontoon's version, its state and runtime directories, and the host\n"
		   "facts it depends on: kernel, cgroup mode, IP forwarding, br_netfilter.\n"
		   "\n"
		   "Options:\n"
		   "      --format json   print a JSON object\n"
		   "  -h, --help          print this help\n" },
	{ 0 },
};
