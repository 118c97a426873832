/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon run, pontoon create: options into a struct rt_config, then the runtime. */
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include "cli.h"
#include "netd.h"
#include "netrun.h"
#include "runtime.h"

#define RUN_OPTIONS \
	"Options:\n" \
	"  -d, --detach               run in the background and print the container id\n" \
	"  -i, --interactive          keep stdin open\n" \
	"  -t, --tty                  allocate a pseudo-terminal\n" \
	"      --rm                   remove the container when it exits\n" \
	"      --name NAME            name the container\n" \
	"  -h, --hostname NAME        the container's hostname (default: its short id)\n" \
	"      --network NET          connect to network NET (default: bridge, the default\n" \
	"                             network); repeat it for more (eth0, eth1, ...); or\n" \
	"                             none (loopback only), host (the host's network) or\n" \
	"                             container:NAME (the network of a running container);\n" \
	"                             or name=NET,ip=IP,ip6=IP,alias=A,mac-address=MAC\n" \
	"                             (all but name optional): that network's settings\n" \
	"      --ip ADDR              static IPv4 address on the first network (user-defined\n" \
	"                             networks only; inside the subnet, free, not the gateway;\n" \
	"                             a subnet given at net create --subnet, as Docker)\n" \
	"      --ip6 ADDR             static IPv6 address on the first network (an IPv6\n" \
	"                             network; with --ip, both are the container's)\n" \
	"      --network-alias NAME   another DNS name on the first network (repeatable;\n" \
	"                             user-defined networks only)\n" \
	"      --mac-address MAC      MAC address of the first network's interface\n" \
	"      --dns ADDR             DNS server for /etc/resolv.conf (repeatable)\n" \
	"      --dns-search DOMAIN    search domain for /etc/resolv.conf (repeatable)\n" \
	"      --dns-option OPT       option line entry for /etc/resolv.conf (repeatable)\n" \
	"      --add-host NAME:IP     add a line to /etc/hosts (repeatable); also NAME=IP,\n" \
	"                             NAME:[IPv6], and NAME:host-gateway for the host's\n" \
	"                             address on the first network (its gateway)\n" \
	"      --link CTR[:ALIAS]     /etc/hosts entry for a running container on the default\n" \
	"                             network bridge, under its name and ALIAS, and Docker's\n" \
	"                             ALIAS_PORT_..., ALIAS_NAME, ALIAS_ENV_... variables\n" \
	"                             (repeatable). On a user-defined first network, as\n" \
	"                             Docker: ALIAS resolves to CTR there through the\n" \
	"                             network's DNS for this container only (no variables)\n" \
	"  -e, --env KEY[=VALUE]      set an environment variable (KEY alone: the host's value)\n" \
	"      --env-file FILE        read KEY=VALUE lines from FILE\n" \
	"  -v, --volume SRC:DST[:ro]  bind a host path (absolute SRC) or a named volume\n" \
	"  -w, --workdir DIR          working directory inside the container\n" \
	"  -u, --user USER[:GROUP]    user name or uid (and group name or gid)\n" \
	"      --entrypoint CMD       override the image's entrypoint\n" \
	"  -m, --memory SIZE          memory limit (e.g. 512m, 1g; at least 6m)\n" \
	"      --cpus N               CPU limit (e.g. 0.5)\n" \
	"      --pids-limit N         process limit (-1: none)\n" \
	"      --cpuset-cpus LIST     CPUs the container may use (e.g. 0-1,3)\n" \
	"      --cap-add CAP          add a capability (or ALL)\n" \
	"      --cap-drop CAP         drop a capability (or ALL)\n" \
	"      --privileged           all capabilities, no masked paths, /sys writable\n" \
	"      --read-only            mount the root filesystem read-only\n" \
	"      --security-opt OPT     seccomp=unconfined: no seccomp filter (--privileged\n" \
	"                             implies it); no-new-privileges (always set)\n" \
	"      --init                 run a tiny init as pid 1 that reaps zombies and forwards signals\n" \
	"      --stop-timeout S       seconds stop waits before SIGKILL (default 10)\n" \
	"      --stop-signal SIG      signal stop sends first (default SIGTERM)\n" \
	"  -p, --publish SPEC         publish a port: [IP:][HOSTPORT]:CPORT[/tcp|/udp], CPORT,\n" \
	"                             IP::CPORT, ranges 8000-8010:80-90; IPv6 as [ADDR]:8080:80\n" \
	"  -P, --publish-all          publish every exposed port (the image's, --expose) that\n" \
	"                             no -p publishes on a random host port; with --network\n" \
	"                             host, -p and -P are discarded (-p with a warning)\n" \
	"      --expose PORT[-PORT][/tcp|/udp]  expose a port or range without publishing it\n" \
	"      --help                 print this help\n"

const char cli_run_usage[] =
	"Usage: pontoon run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
	"\n"
	"Create a container from IMAGE and run COMMAND in it (default: the image's).\n"
	"Exit status: the command's; 125 when pontoon failed, 126 when the command\n"
	"cannot be executed, 127 when it is not found.\n"
	"\n" RUN_OPTIONS;

const char cli_create_usage[] =
	"Usage: pontoon create [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
	"\n"
	"Create a container from IMAGE without starting it; print its id.\n"
	"\n" RUN_OPTIONS;

enum {
	OPT_RM = 256, OPT_NAME, OPT_NETWORK, OPT_ENV_FILE, OPT_ENTRYPOINT, OPT_CPUS, OPT_PIDS, OPT_CPUSET,
	OPT_CAP_ADD, OPT_CAP_DROP, OPT_PRIVILEGED, OPT_READ_ONLY, OPT_INIT, OPT_STOP_TIMEOUT, OPT_STOP_SIGNAL,
	OPT_HELP, OPT_NEEDS_BRIDGE, OPT_IP, OPT_IP6, OPT_ALIAS, OPT_MAC, OPT_DNS, OPT_DNS_SEARCH, OPT_DNS_OPT,
	OPT_ADD_HOST, OPT_LINK, OPT_SECURITY_OPT, OPT_EXPOSE,
};

struct run_opts {
	struct rt_config c;
	bool detach;
	bool entrypoint_set;
};

static int parse_one(const struct cli_command *cmd, struct run_opts *o, int c, const char *arg, struct err *e)
{
	struct rt_config *cf = &o->c;
	int r = 0;
	switch (c) {
	case 'd': o->detach = true; break;
	case 'i': cf->stdin_open = true; break;
	case 't': cf->tty = true; break;
	case OPT_RM: cf->auto_remove = true; break;
	case OPT_PRIVILEGED: cf->privileged = true; break;
	case OPT_READ_ONLY: cf->read_only = true; break;
	case OPT_INIT: cf->init = true; break;
	case OPT_NAME:
		r = rt_parse_name(arg, e);
		free(cf->name);
		cf->name = xstrdup(arg);
		break;
	case 'h':
		r = rt_parse_hostname(arg, e);
		free(cf->hostname);
		cf->hostname = xstrdup(arg);
		break;
	case OPT_NETWORK: r = cli_opt_network(cf, arg, e); break;
	case OPT_IP:
	case OPT_IP6:
	case OPT_ALIAS:
	case OPT_MAC:
	case OPT_DNS:
	case OPT_DNS_SEARCH:
	case OPT_DNS_OPT:
	case OPT_ADD_HOST:
	case OPT_LINK: r = cli_opt_net(cf, c - OPT_IP, arg, e); break;
	case 'e': {
		char *v = NULL;
		r = rt_parse_env(arg, &v, e);
		if (v)
			strv_push(&cf->env, v);
		free(v);
		break;
	}
	case OPT_ENV_FILE: r = rt_parse_env_file(arg, &cf->env, e); break;
	case OPT_EXPOSE: r = rt_parse_expose(arg, &cf->exposed, e); break;
	case 'v': {
		struct rt_bind b;
		r = rt_parse_bind(arg, &b, e);
		if (r >= 0) {
			cf->binds = xrealloc(cf->binds, (cf->n_binds + 1) * sizeof(*cf->binds));
			cf->binds[cf->n_binds++] = b;
		}
		break;
	}
	case 'w':
		if (arg[0] != '/')
			return err_setx(e, EINVAL, "the working directory \"%s\" must be an absolute path", arg);
		free(cf->workdir);
		cf->workdir = xstrdup(arg);
		break;
	case 'u':
		r = rt_parse_user(arg, e);
		free(cf->user);
		cf->user = xstrdup(arg);
		break;
	case OPT_ENTRYPOINT:
		strv_free(cf->entrypoint);
		cf->entrypoint = xcalloc(1, sizeof(char *)); /* empty: no entrypoint */
		if (*arg)
			strv_push(&cf->entrypoint, arg);
		o->entrypoint_set = true;
		break;
	case 'm': r = rt_parse_memory(arg, &cf->memory, e); break;
	case OPT_CPUS: r = rt_parse_cpus(arg, &cf->nano_cpus, e); break;
	case OPT_PIDS: r = rt_parse_pids_limit(arg, &cf->pids_limit, e); break;
	case OPT_CPUSET:
		free(cf->cpuset);
		cf->cpuset = NULL;
		r = rt_parse_cpuset(arg, &cf->cpuset, e);
		break;
	case OPT_CAP_ADD:
	case OPT_CAP_DROP: {
		int cap;
		r = rt_parse_cap(arg, &cap, e);
		if (r >= 0)
			strv_push(c == OPT_CAP_ADD ? &cf->cap_add : &cf->cap_drop, arg);
		break;
	}
	case OPT_STOP_TIMEOUT: {
		uint64_t v;
		if (parse_uint(arg, 0, 86400, &v) < 0)
			return err_setx(e, EINVAL, "invalid --stop-timeout \"%s\": use seconds", arg);
		cf->stop_timeout = (int)v;
		break;
	}
	case OPT_STOP_SIGNAL: r = rt_parse_signal(arg, &cf->stop_signal, e); break;
	case OPT_SECURITY_OPT:
		r = rt_parse_security_opt(arg, e);
		if (r >= 0)
			strv_push(&cf->security_opt, arg);
		break;
	default:
		(void)cmd;
		return err_setx(e, EINVAL, "internal: option %d", c);
	}
	return r;
}

/* Parse argv into o; returns the index of IMAGE, or -1 after printing the error. */
static int parse_run(const struct cli_command *cmd, int argc, char **argv, struct run_opts *o, int *ret_exit)
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' }, { "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' }, { "rm", no_argument, NULL, OPT_RM },
		{ "name", required_argument, NULL, OPT_NAME }, { "hostname", required_argument, NULL, 'h' },
		{ "network", required_argument, NULL, OPT_NETWORK }, { "net", required_argument, NULL, OPT_NETWORK },
		{ "env", required_argument, NULL, 'e' }, { "env-file", required_argument, NULL, OPT_ENV_FILE },
		{ "volume", required_argument, NULL, 'v' }, { "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' }, { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
		{ "memory", required_argument, NULL, 'm' }, { "cpus", required_argument, NULL, OPT_CPUS },
		{ "pids-limit", required_argument, NULL, OPT_PIDS }, { "cpuset-cpus", required_argument, NULL, OPT_CPUSET },
		{ "cap-add", required_argument, NULL, OPT_CAP_ADD }, { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
		{ "privileged", no_argument, NULL, OPT_PRIVILEGED }, { "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "init", no_argument, NULL, OPT_INIT }, { "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
		{ "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL }, { "help", no_argument, NULL, OPT_HELP },
		{ "ip", required_argument, NULL, OPT_IP }, { "ip6", required_argument, NULL, OPT_IP6 },
		{ "network-alias", required_argument, NULL, OPT_ALIAS }, { "net-alias", required_argument, NULL, OPT_ALIAS },
		{ "link", required_argument, NULL, OPT_LINK }, { "mac-address", required_argument, NULL, OPT_MAC },
		{ "publish", required_argument, NULL, 'p' }, { "publish-all", no_argument, NULL, 'P' },
		{ "dns", required_argument, NULL, OPT_DNS }, { "add-host", required_argument, NULL, OPT_ADD_HOST },
		{ "dns-search", required_argument, NULL, OPT_DNS_SEARCH }, { "dns-option", required_argument, NULL, OPT_DNS_OPT },
		{ "dns-opt", required_argument, NULL, OPT_DNS_OPT },
		{ "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
		{ "expose", required_argument, NULL, OPT_EXPOSE },
		{ 0 },
	};
	struct err e = { 0 };
	int c, idx = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:ditv:e:h:w:u:m:p:P", opts, &idx)) != -1) {
		if (c == OPT_HELP) {
			*ret_exit = cli_help(cmd);
			return -1;
		}
		if (c == '?' || c == ':') {
			cli_bad_option(cmd, c, argv);
			*ret_exit = CLI_EXIT_RUNTIME;
			return -1;
		}
		if (c == 'p' || c == 'P') {
			struct netd_port pp;
			if (c == 'p' && netd_port_parse(optarg, &pp, &e) < 0) {
				log_error("%s", err_msg(&e));
				*ret_exit = CLI_EXIT_RUNTIME;
				return -1;
			}
			if (c == 'p')
				strv_push(&o->c.ports, optarg);
			else
				o->c.publish_all = true;
			continue;
		}
		if (c == OPT_NEEDS_BRIDGE) {
			const char *name = argv[optind - 1];
			log_error("%s: publishing ports is not available in this version", name);
			*ret_exit = CLI_EXIT_RUNTIME;
			return -1;
		}
		if (parse_one(cmd, o, c, optarg, &e) < 0) {
			log_error("%s", err_msg(&e));
			*ret_exit = CLI_EXIT_RUNTIME;
			return -1;
		}
	}
	if (cli_net_opts_finish(&o->c, &e) < 0) {
		log_error("%s", err_msg(&e));
		*ret_exit = CLI_EXIT_RUNTIME;
		return -1;
	}
	if (o->c.exposed && o->c.network && strncmp(o->c.network, "container:", 10) == 0) {
		log_error("conflicting options: --expose and the network mode %s", o->c.network);
		*ret_exit = CLI_EXIT_RUNTIME;
		return -1;
	}
	if ((o->c.ports || o->c.publish_all) && o->c.n_nets == 0 && strcmp(o->c.network, "host") == 0) {
		/* as Docker: a warning when -p was given, and the container runs
		 * with none of them (nor -P's): it has the host's ports */
		if (o->c.ports)
			fprintf(stderr, "WARNING: Published ports are discarded when using host network mode\n");
		cli_exposed_add_published(&o->c);
		strv_free(o->c.ports);
		o->c.ports = NULL;
		o->c.publish_all = false;
	}
	if ((o->c.ports || o->c.publish_all) && o->c.n_nets == 0) {
		log_error("-p/-P publish ports of a bridge network: --network %s has none",
			  o->c.network ? o->c.network : "none");
		*ret_exit = CLI_EXIT_RUNTIME;
		return -1;
	}
	cli_exposed_add_published(&o->c); /* ExposedPorts, as Docker */
	if (optind >= argc) {
		cli_usage_error(cmd, "\"%s\" requires at least 1 argument: IMAGE", cmd->name);
		*ret_exit = CLI_EXIT_RUNTIME;
		return -1;
	}
	return optind;
}

/* Check what only the host can tell: bind sources exist, the joined container exists. */
static int check_host(struct cli_ctx *ctx, struct rt_config *c, struct err *e)
{
	for (size_t i = 0; i < c->n_binds; i++) {
		struct stat st;
		if (!c->binds[i].volume && stat(c->binds[i].src, &st) < 0)
			return err_setx(e, ENOENT, "invalid mount config: bind source path does not exist: %s", c->binds[i].src);
	}
	if (c->network && strncmp(c->network, "container:", 10) == 0) {
		char id[ID_LEN + 1];
		int r = rt_container_resolve(ctx->root, c->network + 10, id, e);
		if (r < 0)
			return err_wrap(e, "--network %s", c->network);
		if (c->hostname)
			return err_setx(e, EINVAL, "conflicting options: --hostname and --network container:NAME");
		free(c->network);
		c->network = xasprintf("container:%s", id);
	}
	for (size_t i = 0; c->links && c->links[i]; i++) { /* as Docker: --link names a container at create */
		const char *colon = strchr(c->links[i], ':');
		_cleanup_free_ char *ref =
			colon ? xstrndup(c->links[i], (size_t)(colon - c->links[i])) : xstrdup(c->links[i]);
		char id[ID_LEN + 1];
		if (rt_container_resolve(ctx->root, ref, id, e) < 0)
			return err_wrap(e, "--link %s", c->links[i]);
	}
	if (c->network && strcmp(c->network, "host") == 0 && !c->hostname) {
		char h[256];
		if (gethostname(h, sizeof(h)) == 0)
			c->hostname = xstrdup(h);
	}
	return 0;
}

static int make_volumes(struct cli_ctx *ctx, const struct rt_config *c, struct err *e)
{
	for (size_t i = 0; i < c->n_binds; i++) {
		if (!c->binds[i].volume)
			continue;
		_cleanup_free_ char *p = xasprintf("%s/volumes/%s/_data", ctx->root, c->binds[i].src);
		int r = mkdir_p(p, 0755, e);
		if (r < 0)
			return err_wrap(e, "volume %s", c->binds[i].src);
	}
	return 0;
}

/* Resolve the image, create the container; prints nothing. */
static int create_container(struct cli_ctx *ctx, struct run_opts *o, int argc, char **argv, int img_idx, struct err *e)
{
	_cleanup_(rt_image_freep) struct rt_image *img = NULL;
	int r;

	o->c.image = xstrdup(argv[img_idx]);
	if (img_idx + 1 < argc) {
		for (int i = img_idx + 1; i < argc; i++)
			strv_push(&o->c.cmd, argv[i]);
	} else if (o->entrypoint_set) {
		/* --entrypoint clears the image's Cmd too (as Docker) */
		o->c.cmd = xcalloc(1, sizeof(char *));
	}
	r = check_host(ctx, &o->c, e);
	if (r >= 0)
		r = cli_net_resolve(&o->c, e);
	if (r < 0)
		return r;
	/* under the store's lock until config.json exists, so that a concurrent
	 * `image rm` either sees the container or has removed the image first */
	_cleanup_close_ int lock = rt_image_lock(ctx->root, e);
	if (lock < 0)
		return lock;
	r = rt_image_get(ctx->root, o->c.image, &img, e);
	if (r < 0)
		return r;
	rt_config_apply_image(&o->c, img);
	char **args = rt_config_argv(&o->c);
	size_t n = strv_len(args);
	strv_free(args);
	if (n == 0)
		return err_setx(e, EINVAL, "no command specified");
	r = rt_container_create(ctx->root, &o->c, e);
	if (r < 0)
		return r;
	r = make_volumes(ctx, &o->c, e);
	/* --network none or host: no start hook writes /etc/hosts; --add-host
	 * goes in now (with host, as Docker: localhost lines and these, not a
	 * copy of the host's file) */
	if (r >= 0 && o->c.n_nets == 0 && strncmp(o->c.network, "container:", 10) != 0)
		r = cli_etc_nonet(ctx->root, &o->c, e); /* and --dns, as Docker does with host */
	if (r < 0) {
		(void)!rt_container_remove(ctx->root, o->c.id, true, NULL); /* best effort */
		return r;
	}
	return 0;
}

static int start_exit_code(const struct err *e)
{
	return e->code == ENOENT ? CLI_EXIT_NOT_FOUND : e->code == EACCES ? CLI_EXIT_CANNOT_EXEC : CLI_EXIT_RUNTIME;
}

static pid_t proxied_pid;

static void proxy_signal(int sig)
{
	if (proxied_pid > 0)
		kill(proxied_pid, sig);
}

/* Foreground: the shim writes the container's output to our stdout/stderr;
 * we forward signals and wait for its exit status. */
int cli_run_attached(struct cli_ctx *ctx, const char *id, bool tty, bool rm)
{
	struct rt_attach a = { .in = 0, .out = 1, .err = 2, .attached = true };
	struct termios saved, raw;
	bool raw_mode = tty && isatty(0) && tcgetattr(0, &saved) == 0;
	struct err e = { 0 };
	struct rt_state st;
	int fd, status = 0, r;

	r = rt_container_start(ctx->root, id, &a, &fd, &e);
	if (r < 0) {
		int code = start_exit_code(&e);
		log_error("%s", err_msg(&e));
		if (rm)
			(void)!rt_container_remove(ctx->root, id, true, NULL); /* best effort */
		return code;
	}
	if (rt_state_read(ctx->root, id, &st, NULL) == 0 && st.status == RT_RUNNING)
		proxied_pid = st.pid;
	struct sigaction sa = { .sa_handler = proxy_signal, .sa_flags = SA_RESTART };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	if (raw_mode) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	r = rt_wait_report(fd, &status, &e);
	if (raw_mode)
		tcsetattr(0, TCSANOW, &saved);
	close(fd);
	if (r < 0) {
		/* the shim died; the state says what it could */
		if (rt_state_read(ctx->root, id, &st, NULL) == 0 && st.status == RT_EXITED)
			return st.exit_code;
		log_error("%s", err_msg(&e));
		return CLI_EXIT_RUNTIME;
	}
	return status;
}

static int run_or_create(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv, bool start)
{
	struct run_opts o = { 0 };
	struct err e = { 0 };
	int code = 0, idx;

	rt_config_init(&o.c);
	idx = parse_run(cmd, argc, argv, &o, &code);
	if (idx < 0)
		goto out;
	if (!start)
		o.detach = true;
	if (create_container(ctx, &o, argc, argv, idx, &e) < 0) {
		log_error("%s", err_msg(&e));
		code = CLI_EXIT_RUNTIME;
		goto out;
	}
	if (!start) {
		printf("%s\n", o.c.id);
		goto out;
	}
	if (!o.detach) {
		fflush(stdout);
		code = cli_run_attached(ctx, o.c.id, o.c.tty, o.c.auto_remove);
		if (cli_net_attach_failed() && !o.c.auto_remove)
			(void)!rt_container_remove(ctx->root, o.c.id, true, NULL); /* best effort */
		goto out;
	}
	int fd;
	if (rt_container_start(ctx->root, o.c.id, NULL, &fd, &e) < 0) {
		code = start_exit_code(&e);
		log_error("%s", err_msg(&e));
		if (o.c.auto_remove || cli_net_attach_failed())
			(void)!rt_container_remove(ctx->root, o.c.id, true, NULL); /* best effort */
		goto out;
	}
	printf("%s\n", o.c.id);
out:
	rt_config_done(&o.c);
	return code;
}

int cli_cmd_run(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	return run_or_create(ctx, cmd, argc, argv, true);
}

int cli_cmd_create(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	return run_or_create(ctx, cmd, argc, argv, false);
}
