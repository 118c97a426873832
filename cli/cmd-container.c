/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon start, stop, kill, restart, rm, ps, exec, logs, inspect, wait. */
#include <signal.h>
#include <time.h>
#include "cli.h"
#include "netrun.h"
#include "runtime.h"

/* getopt loop prelude shared by the commands below */
#define FOR_OPTS(cmd, shortopts, opts) \
	for (int c_; opterr = 0, (c_ = getopt_long(argc, argv, "+:" shortopts, opts, NULL)) != -1;) \
		switch (c_)

static int resolve(struct cli_ctx *ctx, const char *ref, char id[ID_LEN + 1])
{
	struct err e = { 0 };
	if (rt_container_resolve(ctx->root, ref, id, &e) < 0) {
		log_error("%s", err_msg(&e));
		return -1;
	}
	return 0;
}

static int need_args(const struct cli_command *cmd, int argc, int min)
{
	if (argc - optind < min)
		return cli_usage_error(cmd, "\"%s\" requires at least %d argument%s", cmd->name, min, min > 1 ? "s" : "");
	return 0;
}

/* Act on each CONTAINER argument (from optind): resolve it, then act; a
 * failure is logged as one line and the others still go on, as Docker does.
 * Exit status 1 when any failed. */
typedef int (*container_act)(struct cli_ctx *ctx, const char *id, const char *ref, void *data, struct err *e);

static int each_container(struct cli_ctx *ctx, int argc, char **argv, container_act act, void *data)
{
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		char id[ID_LEN + 1];
		struct err e = { 0 };
		if (resolve(ctx, argv[i], id) < 0) {
			rc = CLI_EXIT_FAIL;
			continue;
		}
		if (act(ctx, id, argv[i], data, &e) < 0) {
			log_error("%s", err_msg(&e));
			rc = CLI_EXIT_FAIL;
		}
	}
	return rc;
}

static int start_one(struct cli_ctx *ctx, const char *id, const char *ref, void *data, struct err *e)
{
	int fd;
	(void)data;
	if (rt_container_start(ctx->root, id, NULL, &fd, e) < 0)
		return err_wrap(e, "start %s", ref);
	printf("%s\n", ref);
	return 0;
}

int cli_cmd_start(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "attach", no_argument, NULL, 'a' }, CLI_HELP_OPTION, { 0 } };
	bool attach = false;
	FOR_OPTS(cmd, "ah", opts) {
	case 'a': attach = true; break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (need_args(cmd, argc, 1))
		return CLI_EXIT_USAGE;
	if (attach && argc - optind != 1)
		return cli_usage_error(cmd, "you cannot start and attach multiple containers at once");
	if (attach) {
		char id[ID_LEN + 1];
		struct err e = { 0 };
		struct rt_config c;
		if (resolve(ctx, argv[optind], id) < 0)
			return CLI_EXIT_FAIL;
		if (rt_config_read(ctx->root, id, &c, &e) < 0)
			return cli_fail(&e);
		bool tty = c.tty, rm = c.auto_remove;
		rt_config_done(&c);
		return cli_run_attached(ctx, id, tty, rm);
	}
	return each_container(ctx, argc, argv, start_one, NULL);
}

struct stop_args {
	const struct cli_command *cmd;
	int timeout;
	bool restart;
};

static int stop_one(struct cli_ctx *ctx, const char *id, const char *ref, void *data, struct err *e)
{
	const struct stop_args *a = data;
	int fd;
	if (rt_container_stop(ctx->root, id, a->timeout, e) < 0 ||
	    (a->restart && rt_container_start(ctx->root, id, NULL, &fd, e) < 0))
		return err_wrap(e, "%s %s", a->cmd->name, ref);
	printf("%s\n", ref);
	return 0;
}

static int stop_like(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv, bool restart)
{
	static const struct option opts[] = { { "time", required_argument, NULL, 't' }, { "timeout", required_argument, NULL, 't' },
					      CLI_HELP_OPTION, { 0 } };
	int timeout = -1;
	uint64_t v;
	FOR_OPTS(cmd, "t:h", opts) {
	case 't':
		if (parse_uint(optarg, 0, 86400, &v) < 0)
			return cli_usage_error(cmd, "invalid -t \"%s\": use seconds", optarg);
		timeout = (int)v;
		break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (need_args(cmd, argc, 1))
		return CLI_EXIT_USAGE;
	struct stop_args a = { .cmd = cmd, .timeout = timeout, .restart = restart };
	return each_container(ctx, argc, argv, stop_one, &a);
}

int cli_cmd_stop(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	return stop_like(ctx, cmd, argc, argv, false);
}

int cli_cmd_restart(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	return stop_like(ctx, cmd, argc, argv, true);
}

static int kill_one(struct cli_ctx *ctx, const char *id, const char *ref, void *data, struct err *e)
{
	if (rt_container_kill(ctx->root, id, *(int *)data, e) < 0)
		return -e->code;
	printf("%s\n", ref);
	return 0;
}

int cli_cmd_kill(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "signal", required_argument, NULL, 's' }, CLI_HELP_OPTION, { 0 } };
	int sig = SIGKILL;
	struct err e = { 0 };
	FOR_OPTS(cmd, "s:h", opts) {
	case 's':
		if (rt_parse_signal(optarg, &sig, &e) < 0)
			return cli_usage_error(cmd, "%s", err_msg(&e));
		break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (need_args(cmd, argc, 1))
		return CLI_EXIT_USAGE;
	return each_container(ctx, argc, argv, kill_one, &sig);
}

static int rm_one(struct cli_ctx *ctx, const char *id, const char *ref, void *data, struct err *e)
{
	if (rt_container_remove(ctx->root, id, *(bool *)data, e) < 0)
		return -e->code;
	printf("%s\n", ref);
	return 0;
}

int cli_cmd_rm(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { "volumes", no_argument, NULL, 'v' },
					      CLI_HELP_OPTION, { 0 } };
	bool force = false;
	FOR_OPTS(cmd, "fvh", opts) {
	case 'f': force = true; break;
	case 'v': break; /* named volumes outlive containers; anonymous ones do not exist here */
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (need_args(cmd, argc, 1))
		return CLI_EXIT_USAGE;
	return each_container(ctx, argc, argv, rm_one, &force);
}

/* ---- ps ------------------------------------------------------------------ */

static time_t parse_time(const char *s)
{
	struct tm tm = { 0 };
	if (!s || !*s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

static void human_duration(char *buf, size_t len, time_t secs)
{
	if (secs < 1)
		snprintf(buf, len, "Less than a second");
	else if (secs < 60)
		snprintf(buf, len, "%ld second%s", (long)secs, secs == 1 ? "" : "s");
	else if (secs < 3600)
		snprintf(buf, len, "%ld minute%s", (long)secs / 60, secs / 60 == 1 ? "" : "s");
	else if (secs < 86400 * 2)
		snprintf(buf, len, "%ld hour%s", (long)secs / 3600, secs / 3600 == 1 ? "" : "s");
	else
		snprintf(buf, len, "%ld days", (long)secs / 86400);
}

static void status_text(const struct rt_state *st, char *buf, size_t len)
{
	char d[64];
	time_t now = time(NULL);
	if (st->status == RT_RUNNING) {
		human_duration(d, sizeof(d), now - parse_time(st->started));
		snprintf(buf, len, "Up %s", d);
	} else if (st->status == RT_EXITED) {
		human_duration(d, sizeof(d), now - parse_time(st->finished));
		snprintf(buf, len, "Exited (%d) %s ago", st->exit_code, d);
	} else {
		snprintf(buf, len, "Created");
	}
}

static char *command_text(const struct rt_config *c)
{
	_cleanup_strv_ char **argv = rt_config_argv(c);
	size_t n = 0;
	char *s = xstrdup("");
	for (size_t i = 0; argv && argv[i]; i++) {
		char *t = xasprintf("%s%s%s", s, i ? " " : "", argv[i]);
		free(s);
		s = t;
		n++;
	}
	return s;
}

static void ps_row(const struct rt_config *c, const struct rt_state *st, bool json, json_object *arr)
{
	char status[128], created[64];
	_cleanup_free_ char *cmd = command_text(c);
	_cleanup_free_ char *ports = cli_ports_text(c, st->status == RT_RUNNING ? st->pid : 0);
	status_text(st, status, sizeof(status));
	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "Id", json_object_new_string(c->id));
		json_object_object_add(o, "Names", json_object_new_string(c->name ? c->name : ""));
		json_object_object_add(o, "Image", json_object_new_string(c->image ? c->image : ""));
		json_object_object_add(o, "ImageID", json_object_new_string(c->image_id ? c->image_id : ""));
		json_object_object_add(o, "Command", json_object_new_string(cmd));
		json_object_object_add(o, "Created", json_object_new_string(c->created ? c->created : ""));
		json_object_object_add(o, "State", json_object_new_string(rt_status_name(st->status)));
		json_object_object_add(o, "Status", json_object_new_string(status));
		json_object_object_add(o, "Pid", json_object_new_int(st->status == RT_RUNNING ? st->pid : 0));
		json_object_object_add(o, "ExitCode", json_object_new_int(st->exit_code));
		json_object_object_add(o, "Ports", json_object_new_string(ports));
		json_object_array_add(arr, o);
		return;
	}
	human_duration(created, sizeof(created), time(NULL) - parse_time(c->created));
	char quoted[24];
	snprintf(quoted, sizeof(quoted), "\"%.18s%s\"", cmd, strlen(cmd) > 18 ? "…" : "");
	printf("%-14.12s %-15.15s %-22s %-20s %-28s %-7s %s\n", c->id, c->image ? c->image : "", quoted,
	       strcat(created, " ago"), status, ports, c->name ? c->name : "");
}

int cli_cmd_ps(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { "quiet", no_argument, NULL, 'q' },
					      { "format", required_argument, NULL, 'f' }, CLI_HELP_OPTION, { 0 } };
	bool all = false, quiet = false, json = false;
	_cleanup_strv_ char **ids = NULL;
	_cleanup_json_ json_object *arr = json_object_new_array();
	struct err e = { 0 };
	FOR_OPTS(cmd, "aqh", opts) {
	case 'a': all = true; break;
	case 'q': quiet = true; break;
	case 'f':
		if (cli_format_json(cmd, optarg, &json) != 0)
			return CLI_EXIT_USAGE;
		break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (optind < argc)
		return cli_usage_error(cmd, "\"ps\" accepts no arguments");
	if (rt_container_list(ctx->root, &ids, &e) < 0)
		return cli_fail(&e);
	if (!quiet && !json)
		printf("%-14s %-15s %-22s %-20s %-28s %-7s %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS",
		       "PORTS", "NAMES");
	for (size_t i = 0; ids && ids[i]; i++) {
		struct rt_config c;
		struct rt_state st;
		if (rt_config_read(ctx->root, ids[i], &c, NULL) < 0)
			continue; /* being created or removed right now */
		if (rt_state_read(ctx->root, ids[i], &st, NULL) == 0 && (all || st.status == RT_RUNNING)) {
			if (quiet)
				printf("%.12s\n", ids[i]);
			else
				ps_row(&c, &st, json, arr);
		}
		rt_config_done(&c);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	return CLI_EXIT_OK;
}

/* ---- inspect ---------------------------------------------------------------- */

static json_object *inspect_one(struct cli_ctx *ctx, const char *id, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/containers/%s/config.json", ctx->root, id);
	json_object *o = NULL, *v;
	struct rt_state st;
	struct rt_config c;

	if (state_read_json(path, &o, e) < 0 || rt_state_read(ctx->root, id, &st, e) < 0 ||
	    rt_config_from_json(o, &c, e) < 0) {
		json_object_put(o);
		return NULL;
	}
	_cleanup_strv_ char **argv = rt_config_argv(&c);
	json_object_object_add(o, "Path", json_object_new_string(argv && argv[0] ? argv[0] : ""));
	json_object *args = json_object_new_array();
	for (size_t i = 1; argv && argv[0] && argv[i]; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(o, "Args", args);
	json_object_object_add(o, "State", rt_state_to_json(&st));
	_cleanup_free_ char *name = xasprintf("/%s", c.name ? c.name : "");
	json_object_object_add(o, "Name", json_object_new_string(name));
	_cleanup_free_ char *img = xasprintf("sha256:%s", c.image_id ? c.image_id : "");
	json_object_object_add(o, "Image", json_object_new_string(img));
	if (json_object_object_get_ex(o, "Config", &v))
		json_object_object_add(v, "Image", json_object_new_string(c.image ? c.image : ""));
	/* GraphDriver as Docker's overlay2 shows it */
	json_object *gd = json_object_new_object(), *data = json_object_new_object();
	_cleanup_free_ char *lower = xstrdup("");
	for (size_t i = strv_len(c.layers); i > 0; i--) {
		char *t = xasprintf("%s%s%s", lower, *lower ? ":" : "", c.layers[i - 1]);
		free(lower);
		lower = t;
	}
	_cleanup_free_ char *upper = xasprintf("%s/containers/%s/upper", ctx->root, id);
	_cleanup_free_ char *work = xasprintf("%s/containers/%s/work", ctx->root, id);
	_cleanup_free_ char *merged = xasprintf("%s/containers/.mnt", ctx->root);
	json_object_object_add(data, "LowerDir", json_object_new_string(lower));
	json_object_object_add(data, "UpperDir", json_object_new_string(upper));
	json_object_object_add(data, "WorkDir", json_object_new_string(work));
	json_object_object_add(data, "MergedDir", json_object_new_string(merged));
	json_object_object_add(gd, "Name", json_object_new_string("overlay2"));
	json_object_object_add(gd, "Data", data);
	json_object_object_add(o, "GraphDriver", gd);
	json_object *mounts = json_object_new_array();
	for (size_t i = 0; i < c.n_binds; i++) {
		json_object *m = json_object_new_object();
		_cleanup_free_ char *src = c.binds[i].volume ? xasprintf("%s/volumes/%s/_data", ctx->root, c.binds[i].src)
							     : xstrdup(c.binds[i].src);
		json_object_object_add(m, "Type", json_object_new_string(c.binds[i].volume ? "volume" : "bind"));
		if (c.binds[i].volume)
			json_object_object_add(m, "Name", json_object_new_string(c.binds[i].src));
		json_object_object_add(m, "Source", json_object_new_string(src));
		json_object_object_add(m, "Destination", json_object_new_string(c.binds[i].dst));
		json_object_object_add(m, "RW", json_object_new_boolean(!c.binds[i].ro));
		json_object_array_add(mounts, m);
	}
	json_object_object_add(o, "Mounts", mounts);
	_cleanup_free_ char *logp = xasprintf("%s/containers/%s/ctr.log", ctx->root, id);
	json_object_object_add(o, "LogPath", json_object_new_string(logp));
	json_object_object_add(o, "RestartCount", json_object_new_int(0));
	json_object_object_del(o, "Layers");
	json_object_object_del(o, "Networks");
	json_object_object_add(o, "NetworkSettings", cli_net_settings(&c, st.status == RT_RUNNING ? st.pid : 0));
	rt_config_done(&c);
	return o;
}

int cli_cmd_inspect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { CLI_HELP_OPTION, { 0 } };
	_cleanup_json_ json_object *arr = json_object_new_array();
	int rc = 0;
	FOR_OPTS(cmd, "h", opts) {
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (need_args(cmd, argc, 1))
		return CLI_EXIT_USAGE;
	for (int i = optind; i < argc; i++) {
		char id[ID_LEN + 1];
		struct err e = { 0 };
		json_object *o;
		if (resolve(ctx, argv[i], id) < 0 || !(o = inspect_one(ctx, id, &e))) {
			if (e.code)
				log_error("%s", err_msg(&e));
			rc = CLI_EXIT_FAIL;
			continue;
		}
		json_object_array_add(arr, o);
	}
	printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	return rc;
}

/* ---- exec, logs, wait ---------------------------------------------------------- */

int cli_cmd_exec(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' }, { "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' }, CLI_HELP_OPTION, { 0 },
	};
	struct rt_exec x = { 0 };
	_cleanup_strv_ char **env = NULL;
	struct err e = { 0 };
	char id[ID_LEN + 1];
	FOR_OPTS(cmd, "ite:w:u:h", opts) {
	case 'i': x.interactive = true; break;
	case 't': x.tty = true; break;
	case 'e': {
		char *v = NULL;
		if (rt_parse_env(optarg, &v, &e) < 0) {
			log_error("%s", err_msg(&e));
			return CLI_EXIT_RUNTIME;
		}
		if (v)
			strv_push(&env, v);
		free(v);
		break;
	}
	case 'w':
		if (optarg[0] != '/') {
			log_error("the working directory \"%s\" must be an absolute path", optarg);
			return CLI_EXIT_RUNTIME;
		}
		x.workdir = optarg;
		break;
	case 'u':
		if (rt_parse_user(optarg, &e) < 0) {
			log_error("%s", err_msg(&e));
			return CLI_EXIT_RUNTIME;
		}
		x.user = optarg;
		break;
	case 'h': return cli_help(cmd);
	default: cli_bad_option(cmd, c_, argv); return CLI_EXIT_RUNTIME;
	}
	if (argc - optind < 2) {
		cli_usage_error(cmd, "\"exec\" requires at least 2 arguments: CONTAINER COMMAND");
		return CLI_EXIT_RUNTIME;
	}
	if (resolve(ctx, argv[optind], id) < 0)
		return CLI_EXIT_RUNTIME;
	x.argv = argv + optind + 1;
	x.env = env;
	fflush(stdout);
	int code = rt_container_exec(ctx->root, id, &x, &e);
	if (e.code)
		log_error("%s", err_msg(&e));
	return code;
}

int cli_cmd_logs(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "follow", no_argument, NULL, 'f' }, { "tail", required_argument, NULL, 'n' },
					      { "timestamps", no_argument, NULL, 't' }, CLI_HELP_OPTION, { 0 } };
	struct rt_logs_opts o = { .tail = -1 };
	struct err e = { 0 };
	char id[ID_LEN + 1];
	uint64_t v;
	FOR_OPTS(cmd, "fn:th", opts) {
	case 'f': o.follow = true; break;
	case 't': o.timestamps = true; break;
	case 'n':
		if (strcmp(optarg, "all") == 0)
			o.tail = -1;
		else if (parse_uint(optarg, 0, INT32_MAX, &v) == 0)
			o.tail = (long)v;
		else
			return cli_usage_error(cmd, "invalid --tail \"%s\": use a number of lines or all", optarg);
		break;
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (argc - optind != 1)
		return cli_usage_error(cmd, "\"logs\" requires exactly 1 argument: CONTAINER");
	if (resolve(ctx, argv[optind], id) < 0)
		return CLI_EXIT_FAIL;
	if (rt_logs_print(ctx->root, id, &o, &e) < 0)
		return cli_fail(&e);
	return CLI_EXIT_OK;
}

static int wait_one(struct cli_ctx *ctx, const char *id, const char *ref, void *data, struct err *e)
{
	int code;
	(void)ref;
	(void)data;
	if (rt_container_wait(ctx->root, id, &code, e) < 0)
		return -e->code;
	printf("%d\n", code);
	fflush(stdout);
	return 0;
}

int cli_cmd_wait(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { CLI_HELP_OPTION, { 0 } };
	FOR_OPTS(cmd, "h", opts) {
	case 'h': return cli_help(cmd);
	default: return cli_bad_option(cmd, c_, argv);
	}
	if (need_args(cmd, argc, 1))
		return CLI_EXIT_USAGE;
	return each_container(ctx, argc, argv, wait_one, NULL);
}
