/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon image: ls, import, load, rm. */
#include <fcntl.h>
#include <time.h>
#include "cli.h"
#include "rt-image.h"

/* Docker's sizes: decimal units, three significant digits ("1.98MB"). */
static void human_size(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	size_t u = 0;
	while (v >= 1000 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.3g%s", v, units[u]);
}

/* Docker's "2 weeks ago". */
static void human_since(int64_t created, char *buf, size_t len)
{
	int64_t s = (int64_t)time(NULL) - created;
	int64_t m = s / 60, h = s / 3600;

	if (s < 1)
		snprintf(buf, len, "Less than a second ago");
	else if (s == 1)
		snprintf(buf, len, "1 second ago");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds ago", (long long)s);
	else if (m == 1)
		snprintf(buf, len, "About a minute ago");
	else if (m < 60)
		snprintf(buf, len, "%lld minutes ago", (long long)m);
	else if (h == 1)
		snprintf(buf, len, "About an hour ago");
	else if (h < 48)
		snprintf(buf, len, "%lld hours ago", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%lld days ago", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks ago", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lld months ago", (long long)(h / 24 / 30));
	else
		snprintf(buf, len, "%lld years ago", (long long)(h / 24 / 365));
}

/* "busybox:latest" -> repository "busybox", tag "latest" (the tag follows the last ':' after the last '/'). */
static void split_name(const char *name, char **repo, char **tag)
{
	const char *slash = strrchr(name, '/');
	const char *colon = strrchr(slash ? slash : name, ':');
	*repo = colon ? xstrndup(name, (size_t)(colon - name)) : xstrdup(name);
	*tag = xstrdup(colon ? colon + 1 : "<none>");
}

static void ls_json_row(const struct rt_image *img, const char *repo, const char *tag, bool no_trunc)
{
	char size[32], since[64], at[64];
	time_t t = (time_t)img->created;
	struct tm tm;
	_cleanup_json_ json_object *o = json_object_new_object();

	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	human_size(img->size, size, sizeof(size));
	human_since(img->created, since, sizeof(since));
	char id[ID_LEN + 8];
	snprintf(id, sizeof(id), no_trunc ? "sha256:%s" : "%.12s", img->id);
	json_object_object_add(o, "ID", json_object_new_string(id));
	json_object_object_add(o, "Repository", json_object_new_string(repo));
	json_object_object_add(o, "Tag", json_object_new_string(tag));
	json_object_object_add(o, "CreatedAt", json_object_new_string(at));
	json_object_object_add(o, "CreatedSince", json_object_new_string(since));
	json_object_object_add(o, "Size", json_object_new_string(size));
	json_object_object_add(o, "Layers", json_object_new_int((int)strv_len(img->layers)));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void ls_row(const struct rt_image *img, const char *name, bool quiet, bool json, bool no_trunc)
{
	_cleanup_free_ char *repo = NULL, *tag = NULL;
	char size[32], since[64];

	if (name)
		split_name(name, &repo, &tag);
	else
		repo = xstrdup("<none>"), tag = xstrdup("<none>");
	if (quiet) {
		printf(no_trunc ? "sha256:%s\n" : "%.12s\n", img->id);
		return;
	}
	if (json) {
		ls_json_row(img, repo, tag, no_trunc);
		return;
	}
	human_size(img->size, size, sizeof(size));
	human_since(img->created, since, sizeof(since));
	if (no_trunc)
		printf("%-24s %-12s sha256:%-64s %-24s %s\n", repo, tag, img->id, since, size);
	else
		printf("%-24s %-12s %-.12s   %-24s %s\n", repo, tag, img->id, since, size);
}

static int cmd_ls(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		{ "no-trunc", no_argument, NULL, 'n' },
		CLI_HELP_OPTION,
		{ 0 },
	};
	bool quiet = false, json = false, no_trunc = false;
	_cleanup_(rt_image_list_freep) struct rt_image **list = NULL;
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
		case 'n':
			no_trunc = true;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"image ls\" accepts no arguments");
	if (rt_image_list(ctx->root, &list, &e) < 0)
		return cli_fail(&e);
	if (!quiet && !json)
		printf(no_trunc ? "%-24s %-12s %-71s %-24s %s\n" : "%-24s %-12s %-14s %-24s %s\n", "REPOSITORY", "TAG",
		       "IMAGE ID", "CREATED", "SIZE");
	for (struct rt_image **p = list; *p; p++) {
		if (!(*p)->names[0])
			ls_row(*p, NULL, quiet, json, no_trunc);
		for (char **n = (*p)->names; *n; n++)
			ls_row(*p, *n, quiet, json, no_trunc);
	}
	return CLI_EXIT_OK;
}

static json_object *strv_json(char *const *v)
{
	if (!v)
		return NULL;
	json_object *a = json_object_new_array();
	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* Shaped like `docker image inspect`, with the layer dirs as GraphDriver.Data.LowerDir
 * (overlayfs order: the topmost layer first). */
static json_object *inspect_json(const struct rt_image *img)
{
	json_object *o = json_object_new_object(), *cfg = json_object_new_object();
	json_object *rootfs = json_object_new_object(), *gd = json_object_new_object(), *data = json_object_new_object();
	char when[32], id[ID_LEN + 8];
	time_t t = (time_t)img->created;
	struct tm tm;
	size_t n = strv_len(img->layers);
	_cleanup_free_ char *lower = xstrdup("");

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(id, sizeof(id), "sha256:%s", img->id);
	json_object_object_add(o, "Id", json_object_new_string(id));
	json_object_object_add(o, "RepoTags", strv_json(img->names));
	json_object_object_add(o, "Created", json_object_new_string(when));
	json_object_object_add(o, "Size", json_object_new_int64((int64_t)img->size));
	json_object_object_add(cfg, "Env", strv_json(img->env));
	json_object_object_add(cfg, "Cmd", strv_json(img->cmd));
	json_object_object_add(cfg, "Entrypoint", strv_json(img->entrypoint));
	json_object_object_add(cfg, "WorkingDir", json_object_new_string(img->working_dir ? img->working_dir : ""));
	json_object_object_add(cfg, "User", json_object_new_string(img->user ? img->user : ""));
	json_object *ports = json_object_new_object();
	for (char **p = img->exposed_ports; p && *p; p++)
		json_object_object_add(ports, *p, json_object_new_object());
	json_object_object_add(cfg, "ExposedPorts", ports);
	json_object_object_add(o, "Config", cfg);
	json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "Layers", strv_json(img->diff_ids));
	json_object_object_add(o, "RootFS", rootfs);
	for (size_t i = n; i > 0; i--) {
		char *l = xasprintf("%s%s%s", lower, i == n ? "" : ":", img->layers[i - 1]);
		free(lower);
		lower = l;
	}
	json_object_object_add(data, "LowerDir", json_object_new_string(lower));
	json_object_object_add(gd, "Name", json_object_new_string("overlay"));
	json_object_object_add(gd, "Data", data);
	json_object_object_add(o, "GraphDriver", gd);
	return o;
}

static int cmd_inspect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_HELP_OPTION,
		{ 0 },
	};
	_cleanup_json_ json_object *arr = json_object_new_array();
	int c, rc = CLI_EXIT_OK;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(cmd);
		return cli_bad_option(cmd, c, argv);
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "\"image inspect\" needs at least one image");
	for (int i = optind; i < argc; i++) {
		_cleanup_(rt_image_freep) struct rt_image *img = NULL;
		struct err e = { 0 };
		if (rt_image_get(ctx->root, argv[i], &img, &e) < 0) {
			rc = cli_fail(&e);
			continue;
		}
		json_object_array_add(arr, inspect_json(img));
	}
	printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	return rc;
}

struct progress {
	bool on;
	bool open; /* a line without its newline yet */
};

static void show_progress(void *userdata, const char *layer, uint64_t done, uint64_t total)
{
	struct progress *p = userdata;
	char d[32], t[32], label[16];
	const char *l = strncmp(layer, "blobs/sha256/", 13) == 0 ? layer + 13 : layer;

	if (!p->on)
		return;
	snprintf(label, sizeof(label), "%.12s", l);
	human_size(done, d, sizeof(d));
	if (total && done <= total) {
		human_size(total, t, sizeof(t));
		fprintf(stderr, "\r%-12s: loading %s/%s   ", label, d, t);
	} else {
		fprintf(stderr, "\r%-12s: loading %s   ", label, d);
	}
	p->open = true;
	if (total && done == total) {
		fputc('\n', stderr);
		p->open = false;
	}
	fflush(stderr);
}

static void progress_end(struct progress *p)
{
	if (p->open)
		fputc('\n', stderr);
	p->open = false;
}

static int cmd_import(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		CLI_HELP_OPTION,
		{ 0 },
	};
	struct progress prog = { .on = isatty(STDERR_FILENO) };
	_cleanup_free_ char *id = NULL;
	_cleanup_close_ int fd = -1;
	struct err e = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			prog.on = false;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(cmd, "\"image import\" needs a tarball (or -) and a NAME[:TAG]");
	const char *src = argv[optind], *ref = argv[optind + 1];
	char *name = NULL, *tag = NULL;
	if (rt_image_ref_parse(ref, &name, &tag, &e) < 0)
		return cli_fail(&e);
	free(name);
	free(tag);
	if (strcmp(src, "-") == 0) {
		if (isatty(STDIN_FILENO))
			return cli_usage_error(cmd, "standard input is a terminal: pipe the tarball in, or give its path");
		fd = dup(STDIN_FILENO);
	} else {
		fd = open(src, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err_set(&e, errno, "open %s", src);
			return cli_fail(&e);
		}
	}
	int r = rt_image_import(ctx->root, fd, ref, show_progress, &prog, &id, &e);
	progress_end(&prog);
	if (r < 0)
		return cli_fail(&e);
	printf("sha256:%s\n", id);
	return CLI_EXIT_OK;
}

static int cmd_load(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		CLI_HELP_OPTION,
		{ 0 },
	};
	struct progress prog = { .on = isatty(STDERR_FILENO) };
	_cleanup_strv_ char **lines = NULL;
	const char *input = "-";
	struct err e = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+:i:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			input = optarg;
			break;
		case 'q':
			prog.on = false;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"image load\" accepts no arguments (the archive is given with -i)");
	if (strcmp(input, "-") == 0 && isatty(STDIN_FILENO))
		return cli_usage_error(cmd, "no archive: give one with -i ARCHIVE or on standard input");
	if (strcmp(input, "-") != 0 && access(input, R_OK) < 0) {
		err_set(&e, errno, "open %s", input);
		return cli_fail(&e);
	}
	int r = rt_image_load(ctx->root, input, STDIN_FILENO, show_progress, &prog, &lines, &e);
	progress_end(&prog);
	if (r < 0)
		return cli_fail(&e);
	for (char **l = lines; *l; l++)
		printf("%s\n", *l);
	return CLI_EXIT_OK;
}

static int cmd_rm(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		CLI_HELP_OPTION,
		{ 0 },
	};
	bool force = false;
	int c, rc = CLI_EXIT_OK;

	while ((c = getopt_long(argc, argv, "+:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "\"image rm\" needs at least one image");
	for (int i = optind; i < argc; i++) {
		_cleanup_strv_ char **lines = NULL;
		struct err e = { 0 };
		if (rt_image_remove(ctx->root, argv[i], force, &lines, &e) < 0) {
			rc = cli_fail(&e);
			continue;
		}
		for (char **l = lines; l && *l; l++)
			printf("%s\n", *l);
	}
	return rc;
}

static int cmd_tag(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_HELP_OPTION,
		{ 0 },
	};
	struct err e = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(cmd);
		return cli_bad_option(cmd, c, argv);
	}
	if (argc - optind != 2)
		return cli_usage_error(cmd, "\"image tag\" needs an image and a new NAME[:TAG]");
	if (rt_image_tag(ctx->root, argv[optind], argv[optind + 1], &e) < 0)
		return cli_fail(&e);
	return CLI_EXIT_OK;
}

const struct cli_command cli_image_commands[] = {
	{ .name = "ls", .alias = "list", .summary = "List images", .run = cmd_ls,
	  .usage = "Usage: pontoon image ls [-q] [--no-trunc] [--format json]\n"
		   "\n"
		   "List the images in the store: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE,\n"
		   "one row per name (an image without a name shows <none>). The built-in\n"
		   "busybox image appears once something has used it.\n"
		   "\n"
		   "Options:\n"
		   "  -q, --quiet         only the image ids\n"
		   "      --no-trunc      full ids (sha256:<64 hex>)\n"
		   "      --format json   one JSON object per row (ID, Repository, Tag, CreatedAt,\n"
		   "                      CreatedSince, Size, Layers)\n"
		   "  -h, --help          print this help\n" },
	{ .name = "import", .summary = "Make an image from a root filesystem tarball", .run = cmd_import,
	  .usage = "Usage: pontoon image import [-q] TARBALL|- NAME[:TAG]\n"
		   "\n"
		   "Make a one-layer image from a root filesystem tarball (plain, gzip, bzip2,\n"
		   "xz or zstd), read from TARBALL or, with -, from standard input, as\n"
		   "`docker import` does. The image gets the name NAME:TAG (tag latest by\n"
		   "default), taking it from any image that had it, and an empty config.\n"
		   "Prints the new image's id.\n"
		   "\n"
		   "Entries with absolute paths or \"..\", symlinks climbing out of the root,\n"
		   "hard links to outside it, entries written through a symlink, and device\n"
		   "nodes are refused, naming the entry; nothing is stored then.\n"
		   "\n"
		   "Options:\n"
		   "  -q, --quiet   no progress on a terminal\n"
		   "  -h, --help    print this help\n" },
	{ .name = "load", .summary = "Load images from a docker save or OCI archive", .run = cmd_load,
	  .usage = "Usage: pontoon image load [-q] [-i ARCHIVE]\n"
		   "\n"
		   "Load the images of a `docker save` archive (manifest.json and layer tars)\n"
		   "or an OCI image layout archive (index.json, blobs/sha256/...), plain or\n"
		   "compressed, from ARCHIVE or standard input. Each layer stays a layer,\n"
		   "stored once however many images share it; whiteouts (.wh.NAME,\n"
		   ".wh..wh..opq) become overlayfs whiteouts; each layer's digest must match\n"
		   "the image config's rootfs.diff_ids. The image config's Env, Cmd,\n"
		   "Entrypoint, WorkingDir, User and ExposedPorts are kept.\n"
		   "\n"
		   "All or nothing: an archive with a hostile entry (see 'image import\n"
		   "--help') or any other error leaves the store unchanged.\n"
		   "\n"
		   "Options:\n"
		   "  -i, --input ARCHIVE   read ARCHIVE instead of standard input\n"
		   "  -q, --quiet           no per-layer progress on a terminal\n"
		   "  -h, --help            print this help\n" },
	{ .name = "inspect", .summary = "Show images' details as JSON", .run = cmd_inspect,
	  .usage = "Usage: pontoon image inspect IMAGE...\n"
		   "\n"
		   "Print a JSON array shaped like `docker image inspect`: Id, RepoTags,\n"
		   "Created, Size, Config (Env, Cmd, Entrypoint, WorkingDir, User,\n"
		   "ExposedPorts), RootFS.Layers (the layers' digests), and\n"
		   "GraphDriver.Data.LowerDir: the layer directories in overlayfs order\n"
		   "(topmost first). IMAGE is NAME[:TAG] or an id or unique id prefix;\n"
		   "busybox is made on first use, as for run.\n"
		   "\n"
		   "Options:\n"
		   "  -h, --help   print this help\n" },
	{ .name = "tag", .summary = "Give an image another name", .run = cmd_tag,
	  .usage = "Usage: pontoon image tag IMAGE NAME[:TAG]\n"
		   "\n"
		   "Give IMAGE (a name, an id or a unique id prefix) the name NAME:TAG (tag\n"
		   "latest by default) as well, as `docker tag` does; the name moves from any\n"
		   "image that had it. Useful for images loaded without a name.\n"
		   "\n"
		   "Options:\n"
		   "  -h, --help   print this help\n" },
	{ .name = "rm", .alias = "remove", .summary = "Remove images", .run = cmd_rm,
	  .usage = "Usage: pontoon image rm [-f] IMAGE...\n"
		   "\n"
		   "Remove images as `docker rmi` does. IMAGE is NAME[:TAG] or an id (a unique\n"
		   "prefix will do). A name is removed from its image, and the image with its\n"
		   "last name; an id removes the image and all its names. Layers that no other\n"
		   "image uses are deleted with it.\n"
		   "\n"
		   "An image used by a container (running or not) is never deleted:\n"
		   "\"image is in use by container <id>\"; remove the container first.\n"
		   "\n"
		   "Options:\n"
		   "  -f, --force   remove by id an image that has several names; for an image\n"
		   "                in use, remove just the name given (the image stays)\n"
		   "  -h, --help    print this help\n" },
	{ 0 },
};
