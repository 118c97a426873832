/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table of top-level commands; each group points at its own table. */
#include "cli.h"

const struct cli_command cli_commands[] = {
	{ .name = "net", .alias = "network", .summary = "Manage networks", .sub = cli_net_commands },
	{ .name = "netd", .summary = "Run the network daemon", .run = cli_cmd_netd,
	  .usage = "Usage: pontoon netd [--foreground]\n"
		   "\n"
		   "Run the network daemon, which owns networks, endpoints, bridges and the\n"
		   "nftables table inet pontoon, and serves requests on $RUN/netd.sock. Other\n"
		   "commands start it on demand; only one runs per --run directory. Without\n"
		   "--foreground it detaches, logs to $RUN/netd.log, and returns once it answers.\n"
		   "SIGTERM stops it; networks and endpoints stay.\n"
		   "\n"
		   "Options:\n"
		   "      --foreground   stay attached and log to stderr (for a service manager)\n"
		   "  -h, --help         print this help\n" },
	{ .name = "system", .summary = "Show information about pontoon and this host", .sub = cli_system_commands },
	{ .name = "lab", .summary = "Labs from containerlab topology files", .sub = cli_lab_commands },
	{ .name = "image", .summary = "Manage images: ls, import, load, rm", .sub = cli_image_commands },
	{ .name = "version", .summary = "Show the pontoon version", .no_root = true, .run = cli_cmd_version,
	  .usage = "Usage: pontoon version\n\nShow the pontoon version.\n" },
	{ 0 },
};
