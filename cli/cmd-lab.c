/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon lab: containerlab topology files. */
#include "cli.h"
#include "topology.h"

/* Parse FILE, printing the parser's warnings; logs the error itself. */
static int load_topology(const char *file, struct topo **ret)
{
	struct err e = {0};
	int r = topo_parse_file(file, ret, &e);
	if (r < 0)
		return cli_fail(&e);
	for (char **w = (*ret)->warnings; w && *w; w++)
		log_warn("%s", *w);
	return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcasecmp(s + n - m, suffix) == 0;
}

static int render(const struct topo *t, const char *out, struct err *e)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = 0;

	if (!out || has_suffix(out, ".dot") || has_suffix(out, ".gv")) {
		data = topo_graph_dot(t);
		len = strlen(data);
	} else if (has_suffix(out, ".svg")) {
		r = topo_graph_svg(t, &data, &len, e);
	} else {
		r = topo_graph_html(t, &data, &len, e);
	}
	if (r < 0)
		return r;
	if (!out) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return err_set(e, errno ? errno : EIO, "write to standard output");
		return 0;
	}
	r = write_file_atomic(out, data, len, 0644, e);
	return r < 0 ? err_wrap(e, "write %s", out) : 0;
}

static int cmd_graph(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"topo", required_argument, NULL, 't'},
	    {"output", required_argument, NULL, 'o'},
	    CLI_HELP_OPTION,
	    {0},
	};
	const char *file = NULL, *out = NULL;
	_cleanup_(topo_freep) struct topo *t = NULL;
	struct err e = {0};
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "+:t:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			file = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"lab graph\" accepts no arguments");
	if (!file)
		return cli_usage_error(cmd, "a topology file is required: -t FILE");
	if (out && !has_suffix(out, ".dot") && !has_suffix(out, ".gv") && !has_suffix(out, ".svg") &&
	    !has_suffix(out, ".html") && !has_suffix(out, ".htm"))
		return cli_usage_error(cmd, "output \"%s\" must end in .dot, .svg or .html", out);
	if (load_topology(file, &t) != 0)
		return CLI_EXIT_FAIL;
	if (render(t, out, &e) < 0)
		return cli_fail(&e);
	return CLI_EXIT_OK;
}

const struct cli_command cli_lab_commands[] = {
    {.name = "deploy",
     .summary = "Deploy a lab: management network, node containers, links, exec",
     .run = cli_lab_deploy,
     .usage = cli_lab_deploy_usage},
    {.name = "destroy",
     .summary = "Remove a lab's containers, links and management network",
     .run = cli_lab_destroy,
     .usage = cli_lab_destroy_usage},
    {.name = "inspect",
     .summary = "List a lab's nodes: kind, image, state, management addresses",
     .run = cli_lab_inspect,
     .usage = cli_lab_inspect_usage},
    {.name = "exec",
     .summary = "Run a command in a lab's nodes",
     .run = cli_lab_exec,
     .usage = cli_lab_exec_usage},
    {.name = "graph",
     .summary = "Draw a lab's topology as DOT, SVG or HTML",
     .run = cmd_graph,
     .no_root = true,
     .usage = "Usage: pontoon lab graph -t FILE [-o OUT.dot|OUT.svg|OUT.html]\n"
	      "\n"
	      "Draw the topology of a containerlab file: its nodes (boxes for linux\n"
	      "containers with name, image and management address; ellipses for bridge\n"
	      "nodes; dashed frames for groups) and its links, labelled with the interface\n"
	      "name at each end. The output format follows OUT's extension: .dot\n"
	      "(Graphviz source), .svg (laid out by Graphviz) or .html (a self-contained\n"
	      "page with the SVG and tables of nodes and links). Without -o, the DOT\n"
	      "source goes to standard output. Needs no root and changes nothing.\n"
	      "\n"
	      "Options:\n"
	      "  -t, --topo FILE     the topology file (containerlab YAML)\n"
	      "  -o, --output OUT    write to OUT instead of printing DOT\n"
	      "  -h, --help          print this help\n"},
    {0},
};
