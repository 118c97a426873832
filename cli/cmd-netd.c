/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon netd: run the network daemon. */
#include "cli.h"
#include "netd.h"
#include "runtime.h"

int cli_cmd_netd(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		CLI_HELP_OPTION,
		{ 0 },
	};
	struct netd_paths p = { .root = ctx->root, .run = ctx->run };
	struct err e = { 0 };
	bool fg = false;
	int c;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fg = true;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"netd\" accepts no arguments");
	/* after a crash netd is started again (autostart): containers whose
	 * shim died meanwhile are recovered first (marked exited, cgroups removed) */
	(void)rt_recover(ctx->root);
	if (netd_main(&p, fg, &e) < 0)
		return cli_fail(&e);
	return CLI_EXIT_OK;
}
