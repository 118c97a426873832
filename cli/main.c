/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon: global options, the root check, and dispatch to the commands. */
#include <sys/capability.h>
#include "cli.h"
#include "netrun.h"

#define DEFAULT_ROOT "/var/lib/pontoon"
#define DEFAULT_RUN "/run/pontoon"

static const char main_usage[] =
	"Usage: pontoon [OPTIONS] COMMAND [ARG...]\n"
	"\n"
	"Containers and networks on nftables and raw netlink, Docker-style.\n"
	"\n"
	"Options:\n"
	"      --root DIR          state directory (default " DEFAULT_ROOT ", env PONTOON_ROOT)\n"
	"      --run DIR           runtime directory for sockets and pids (default " DEFAULT_RUN ", env PONTOON_RUN)\n"
	"      --log-level LEVEL   error, warn, info or debug (default warn)\n"
	"  -v, --version           print the version and exit\n"
	"  -h, --help              print this help and exit\n";

static void print_commands(FILE *f, const char *prefix, const struct cli_command *cmds)
{
	fprintf(f, "\nCommands:\n");
	for (const struct cli_command *c = cmds; c->name; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
	fprintf(f, "\nRun 'pontoon %sCOMMAND --help' for more information on a command.\n", prefix);
}

int cli_help(const struct cli_command *cmd)
{
	fputs(cmd->usage ? cmd->usage : "", stdout);
	return CLI_EXIT_OK;
}

static const char *cmd_path;  /* "net create": for messages */

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pontoon: %s\nSee 'pontoon %s --help'.\n", msg, cmd_path ? cmd_path : cmd->name);
	return CLI_EXIT_USAGE;
}

int cli_format_json(const struct cli_command *cmd, const char *arg, bool *json)
{
	if (strcmp(arg, "json") != 0)
		return cli_usage_error(cmd, "unknown --format \"%s\": only json is supported", arg);
	*json = true;
	return 0;
}

int cli_bad_option(const struct cli_command *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];
	if (c == ':')
		return cli_usage_error(cmd, "option %s needs an argument", opt);
	if (optopt && optopt != '?')
		return cli_usage_error(cmd, "unknown shorthand flag: '%c' in -%c", optopt, optopt);
	return cli_usage_error(cmd, "unknown flag: %s", opt);
}

int cli_fail(struct err *e)
{
	log_error("%s", err_msg(e));
	return CLI_EXIT_FAIL;
}

static bool have_privileges(void)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t net = CAP_CLEAR, sys = CAP_CLEAR;
	if (!caps)
		return geteuid() == 0;
	cap_get_flag(caps, CAP_NET_ADMIN, CAP_EFFECTIVE, &net);
	cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &sys);
	cap_free(caps);
	return net == CAP_SET && sys == CAP_SET;
}

static const struct cli_command *find(const struct cli_command *cmds, const char *name)
{
	for (const struct cli_command *c = cmds; c->name; c++)
		if (strcmp(c->name, name) == 0 || (c->alias && strcmp(c->alias, name) == 0))
			return c;
	return NULL;
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0;
}

int cli_cmd_version(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	(void)ctx;
	if (argc > 1)
		return is_help(argv[1]) ? cli_help(cmd) : cli_usage_error(cmd, "\"version\" accepts no arguments");
	printf("pontoon version %s\n", PONTOON_VERSION);
	return CLI_EXIT_OK;
}

static int dispatch(struct cli_ctx *ctx, const struct cli_command *cmds, const char *prefix, int argc, char **argv)
{
	static char path[128];
	const struct cli_command *c;

	if (argc < 1 || is_help(argv[0])) {
		FILE *f = argc < 1 ? stderr : stdout;
		if (prefix[0] == '\0')
			fputs(main_usage, f);
		else
			fprintf(f, "Usage: pontoon %sCOMMAND\n", prefix);
		print_commands(f, prefix, cmds);
		return argc < 1 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	c = find(cmds, argv[0]);
	if (!c) {
		fprintf(stderr, "pontoon: unknown command \"%s%s\"\nSee 'pontoon %s--help'.\n", prefix, argv[0], prefix);
		return CLI_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s%s", prefix, c->name);
	cmd_path = path;
	if (c->sub) {
		char sub_prefix[sizeof(path) + 2];
		snprintf(sub_prefix, sizeof(sub_prefix), "%s ", path);
		return dispatch(ctx, c->sub, sub_prefix, argc - 1, argv + 1);
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || (!c->h_is_option && strcmp(argv[1], "-h") == 0)))
		return cli_help(c);
	if (!c->no_root && !have_privileges()) {
		log_error("\"%s\" needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): run it as root or with sudo", path);
		return CLI_EXIT_FAIL;
	}
	optind = 0; /* reset getopt for the command's own parsing (0: full re-init in glibc) */
	return c->run(ctx, c, argc, argv);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "run", required_argument, NULL, 'U' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_ctx ctx = {
		.root = getenv("PONTOON_ROOT"),
		.run = getenv("PONTOON_RUN"),
		.argv0 = argv[0],
	};
	int c, lvl;

	log_setup("pontoon", false);
	if (!ctx.root || !*ctx.root)
		ctx.root = DEFAULT_ROOT;
	if (!ctx.run || !*ctx.run)
		ctx.run = DEFAULT_RUN;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'R':
			ctx.root = optarg;
			break;
		case 'U':
			ctx.run = optarg;
			break;
		case 'l':
			lvl = log_parse_level(optarg);
			if (lvl < 0) {
				log_error("invalid --log-level \"%s\": use error, warn, info or debug", optarg);
				return CLI_EXIT_USAGE;
			}
			log_set_level((enum log_level)lvl);
			break;
		case 'v':
			printf("pontoon version %s\n", PONTOON_VERSION);
			return CLI_EXIT_OK;
		case 'h':
			fputs(main_usage, stdout);
			print_commands(stdout, "", cli_commands);
			return CLI_EXIT_OK;
		case ':':
			log_error("option %s needs an argument\nSee 'pontoon --help'.", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		default:
			log_error("unknown flag: %s\nSee 'pontoon --help'.", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (ctx.root[0] != '/' || ctx.run[0] != '/') {
		log_error("--root and --run must be absolute paths");
		return CLI_EXIT_USAGE;
	}
	cli_netrun_init(&ctx);
	return dispatch(&ctx, cli_commands, "", argc - optind, argv + optind);
}
