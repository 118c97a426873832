/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table of top-level commands; each group points at its own table. */
#include "cli.h"

const struct cli_command cli_commands[] = {
	{ .name = "system", .summary = "Show information about pontoon and this host", .sub = cli_system_commands },
	{ .name = "lab", .summary = "Labs from containerlab topology files", .sub = cli_lab_commands },
	{ .name = "image", .summary = "Manage images: ls, import, load, rm", .sub = cli_image_commands },
	{ .name = "version", .summary = "Show the pontoon version", .no_root = true, .run = cli_cmd_version,
	  .usage = "Usage: pontoon version\n\nShow the pontoon version.\n" },
	{ 0 },
};
