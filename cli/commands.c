/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table of top-level commands; each group points at its own table. */
#include "cli.h"

const struct cli_command cli_commands[] = {
	/* containers */
	{ .name = "run", .summary = "Create and run a container", .run = cli_cmd_run, .usage = cli_run_usage, .h_is_option = true },
	{ .name = "create", .summary = "Create a container without starting it", .run = cli_cmd_create, .usage = cli_create_usage, .h_is_option = true },
	{ .name = "start", .summary = "Start containers", .run = cli_cmd_start,
	  .usage = "Usage: pontoon start [-a] CONTAINER...\n\nStart created or stopped containers.\n\n"
		   "Options:\n  -a, --attach   attach to the container's output and exit with its status\n"
		   "  -h, --help     print this help\n" },
	{ .name = "stop", .summary = "Stop containers (SIGTERM, then SIGKILL)", .run = cli_cmd_stop,
	  .usage = "Usage: pontoon stop [-t SECONDS] CONTAINER...\n\nSend the stop signal (SIGTERM unless --stop-signal),\n"
		   "then SIGKILL after the timeout.\n\n"
		   "Options:\n  -t, --time SECONDS   wait this long before SIGKILL (default: --stop-timeout, 10)\n"
		   "  -h, --help           print this help\n" },
	{ .name = "kill", .summary = "Send a signal to containers", .run = cli_cmd_kill,
	  .usage = "Usage: pontoon kill [-s SIGNAL] CONTAINER...\n\nSend a signal (default SIGKILL) to the containers' init.\n\n"
		   "Options:\n  -s, --signal SIG   name (TERM, SIGTERM) or number\n  -h, --help         print this help\n" },
	{ .name = "restart", .summary = "Restart containers", .run = cli_cmd_restart,
	  .usage = "Usage: pontoon restart [-t SECONDS] CONTAINER...\n\nStop, then start the containers.\n\n"
		   "Options:\n  -t, --time SECONDS   wait this long before SIGKILL\n  -h, --help           print this help\n" },
	{ .name = "rm", .summary = "Remove containers", .run = cli_cmd_rm,
	  .usage = "Usage: pontoon rm [-f] CONTAINER...\n\nRemove stopped containers: cgroups, mounts, state, writable layer.\n\n"
		   "Options:\n  -f, --force   kill a running container first\n  -h, --help    print this help\n" },
	{ .name = "ps", .summary = "List containers", .run = cli_cmd_ps,
	  .usage = "Usage: pontoon ps [-a] [-q] [--format json]\n\nList running containers (all with -a), newest first.\n\n"
		   "Options:\n  -a, --all         include stopped and created containers\n"
		   "  -q, --quiet       print the short ids only\n      --format json print a JSON array\n"
		   "  -h, --help        print this help\n" },
	{ .name = "exec", .summary = "Run a command in a running container", .run = cli_cmd_exec,
	  .usage = "Usage: pontoon exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
		   "Run COMMAND in the container's namespaces and cgroups, with its environment,\n"
		   "user and capabilities. Exit status: the command's; 125, 126, 127 as run.\n\n"
		   "Options:\n  -i, --interactive     keep stdin open\n  -t, --tty             allocate a pseudo-terminal\n"
		   "  -e, --env KEY=VALUE   set an environment variable\n  -w, --workdir DIR     working directory\n"
		   "  -u, --user USER       user name or uid[:gid]\n  -h, --help            print this help\n" },
	{ .name = "logs", .summary = "Show a container's output", .run = cli_cmd_logs,
	  .usage = "Usage: pontoon logs [-f] [--tail N] [-t] CONTAINER\n\n"
		   "Print what the container wrote to stdout and stderr (each to its own stream).\n\n"
		   "Options:\n  -f, --follow       keep printing new output until the container stops\n"
		   "  -n, --tail N       only the last N lines (or all)\n  -t, --timestamps   prefix each line with its time (RFC 3339)\n"
		   "  -h, --help         print this help\n" },
	{ .name = "inspect", .summary = "Show containers' configuration and state as JSON", .run = cli_cmd_inspect,
	  .usage = "Usage: pontoon inspect CONTAINER...\n\nPrint a JSON array, shaped like docker inspect: Id, Name, State,\n"
		   "Config, HostConfig, GraphDriver, Mounts...\n\nOptions:\n  -h, --help   print this help\n" },
	{ .name = "port", .summary = "List a container's published ports", .run = cli_cmd_port,
	  .usage = "Usage: pontoon port CONTAINER [PORT[/PROTO]]\n\n"
		   "List the container's port mappings (\"80/tcp -> 0.0.0.0:8080\"), or the host\n"
		   "addresses and ports of one container port (PROTO: tcp, the default, or udp).\n\n"
		   "Options:\n  -h, --help   print this help\n" },
	{ .name = "wait", .summary = "Wait for containers to stop; print their exit codes", .run = cli_cmd_wait,
	  .usage = "Usage: pontoon wait CONTAINER...\n\nBlock until each container stops, then print its exit code.\n\n"
		   "Options:\n  -h, --help   print this help\n" },
	/* images, networks, labs */
	{ .name = "image", .summary = "Manage images: ls, import, load, rm", .sub = cli_image_commands },
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
	{ .name = "version", .summary = "Show the pontoon version", .no_root = true, .run = cli_cmd_version,
	  .usage = "Usage: pontoon version\n\nShow the pontoon version.\n" },
	{ 0 },
};
