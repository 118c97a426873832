/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pontoon command: shared types of the command files (cmd-*.c). */
#ifndef PONTOON_CLI_H
#define PONTOON_CLI_H

#include <getopt.h>
#include "common.h"

/* Exit codes, as CLI.md says (run/exec: the command's own status otherwise). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,
	CLI_EXIT_USAGE = 1,     /* docker exits 1 on a user error too (125 for run) */
	CLI_EXIT_RUNTIME = 125, /* pontoon itself failed (run/exec) */
	CLI_EXIT_CANNOT_EXEC = 126,
	CLI_EXIT_NOT_FOUND = 127,
};

struct cli_ctx {
	const char *root; /* --root / PONTOON_ROOT, default /var/lib/pontoon */
	const char *run;  /* --run / PONTOON_RUN, default /run/pontoon */
	const char *argv0;
};

struct cli_command {
	const char *name;
	const char *alias;   /* e.g. "network" for "net", NULL if none */
	const char *summary; /* one line for the command list */
	const char *usage;   /* full --help text: "Usage: ..." then options */
	int (*run)(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv);
	const struct cli_command *sub; /* a group ("net", "image"): its commands, ending in {0} */
	bool no_root;                  /* runs without root (help, version) */
	bool h_is_option;              /* -h is one of its options (run/create: --hostname), not --help */
};

/* Print cmd's --help text to stdout; returns 0. */
int cli_help(const struct cli_command *cmd);
/* "pontoon <cmd>: <msg>\nSee 'pontoon <cmd> --help'." on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...) _printf_(2, 3);
/* Log e as the one error line "pontoon: <msg>"; returns CLI_EXIT_FAIL. */
int cli_fail(struct err *e);
/* Standard getopt_long loop prelude: "+" (stop at the first operand), ":" (report missing args). */
#define CLI_HELP_OPTION { "help", no_argument, NULL, 'h' }
/* --format ARG: only "json" is supported; sets *json, or reports a usage
 * error and returns CLI_EXIT_USAGE. */
int cli_format_json(const struct cli_command *cmd, const char *arg, bool *json);
/* Report getopt's '?' and ':' results as usage errors. */
int cli_bad_option(const struct cli_command *cmd, int c, char **argv);

/* The top-level commands, defined in commands.c. */
extern const struct cli_command cli_commands[];

/* Commands, one file each. */
extern const struct cli_command cli_system_commands[];
extern const struct cli_command cli_lab_commands[];
/* lab deploy/destroy/inspect/exec (cmd-lab-deploy.c) */
#define CLI_LAB_RUN_COMMANDS(X) X(deploy) X(destroy) X(inspect) X(exec)
#define CLI_DECLARE_LAB_CMD(n) \
	int cli_lab_##n(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv); \
	extern const char cli_lab_##n##_usage[];
CLI_LAB_RUN_COMMANDS(CLI_DECLARE_LAB_CMD)
extern const struct cli_command cli_image_commands[];
int cli_cmd_version(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv);
extern const struct cli_command cli_net_commands[];
int cli_cmd_netd(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv);
/* net connect / net disconnect (cmd-netconnect.c) */
extern const char cli_net_connect_usage[], cli_net_disconnect_usage[];
int cli_cmd_net_connect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv);
int cli_cmd_net_disconnect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv);

/* Containers (cmd-run.c, cmd-container.c). */
extern const char cli_run_usage[], cli_create_usage[];
#define CLI_CONTAINER_COMMANDS(X) \
	X(run) X(create) X(start) X(stop) X(kill) X(restart) X(rm) X(ps) X(exec) X(logs) X(inspect) X(wait)
/* Published ports (cmd-port.c). */
int cli_cmd_port(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv);
struct rt_config;
/* inspect's NetworkSettings.Ports, and ps's PORTS text (pid: the running init, 0 when not running). */
json_object *cli_ports_settings(const struct rt_config *c, pid_t pid);
char *cli_ports_text(const struct rt_config *c, pid_t pid);
#define CLI_DECLARE_CMD(n) int cli_cmd_##n(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv);
CLI_CONTAINER_COMMANDS(CLI_DECLARE_CMD)
/* Start a container attached to our stdio; returns run's exit status. */
int cli_run_attached(struct cli_ctx *ctx, const char *id, bool tty, bool rm);

#endif
