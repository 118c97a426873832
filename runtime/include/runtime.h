/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runtime: containers.
 *
 *   options     parsers for what users type (sizes, cpus, cpusets, capabilities,
 *               -v specs, user specs, signals, names); pure, unit-tested, fuzzed
 *   config      struct rt_config <-> $ROOT/containers/<id>/config.json
 *   store       containers on disk: create, look up by name or id prefix, list,
 *               state.json (status, pids, exit code, times), remove
 *   lifecycle   start (spawns the shim), stop, kill, wait, exec
 *   shim        pontoon-shim: parent of the container's init (see shim.c)
 *
 * A container's root is an overlay of its image's layers under its own
 * upper/work directories, mounted inside the container's mount namespace, so
 * that it vanishes with the namespace and can never leak onto the host.
 */
#ifndef PONTOON_RUNTIME_H
#define PONTOON_RUNTIME_H

#include <sys/types.h>
#include "common.h"
#include "rt-image.h"

/* ---- options ------------------------------------------------------------ */

struct rt_bind {
	char *src;   /* host path (absolute) or volume name */
	char *dst;   /* absolute path in the container */
	bool ro;
	bool volume; /* src is a named volume under $ROOT/volumes/ */
};

/* "SRC:DST[:ro|rw]" (SRC absolute: a bind; otherwise a volume name). */
int rt_parse_bind(const char *s, struct rt_bind *ret, struct err *e) _wur_;
void rt_bind_done(struct rt_bind *b);
/* "--cpus 0.5": CPUs as a decimal with up to 9 fractional digits -> nano-CPUs. */
int rt_parse_cpus(const char *s, uint64_t *ret_nano, struct err *e) _wur_;
/* "0-2,4": validated CPU list (canonical copy returned). */
int rt_parse_cpuset(const char *s, char **ret, struct err *e) _wur_;
/* --memory: a size of at least 6 MiB (as Docker). */
int rt_parse_memory(const char *s, uint64_t *ret, struct err *e) _wur_;
/* --pids-limit: N > 0, or 0/-1 for unlimited (ret -1). */
int rt_parse_pids_limit(const char *s, int64_t *ret, struct err *e) _wur_;
/* "NET_ADMIN", "CAP_NET_ADMIN", "net_admin" -> capability number; "ALL" -> -1. */
int rt_parse_cap(const char *s, int *ret, struct err *e) _wur_;
/* "user", "1000", "user:group", "1000:1000": validated, not resolved. */
int rt_parse_user(const char *s, struct err *e) _wur_;
/* --security-opt: seccomp=unconfined, no-new-privileges (always on); others refused. */
int rt_parse_security_opt(const char *s, struct err *e) _wur_;
/* "TERM", "SIGTERM", "15" -> signal number. */
int rt_parse_signal(const char *s, int *ret, struct err *e) _wur_;
/* Container names as Docker's: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (<= 128). */
int rt_parse_name(const char *s, struct err *e) _wur_;
/* Hostnames: RFC 1123 labels, <= 63 characters in all (the UTS limit). */
int rt_parse_hostname(const char *s, struct err *e) _wur_;
/* "KEY=VALUE"; "KEY" alone takes the value from the host environment (or
 * is dropped when unset, ret NULL). */
int rt_parse_env(const char *s, char **ret, struct err *e) _wur_;
/* --network: "none", "host", "container:NAME", or a network's name or id
 * (checked by netd at start). */
int rt_parse_network(const char *s, struct err *e) _wur_;
/* --network's long form (netopt.c): name=NET[,alias=A]...[,ip=IPv4][,ip6=IPv6]
 * [,mac-address=MAC], Docker's per-network settings; keys case-insensitive,
 * space around keys and values trimmed (as Docker). The name must be a network (not
 * none, host or container:), checked as rt_parse_network does. */
bool rt_network_is_long(const char *s);
struct rt_netconf;
int rt_parse_network_long(const char *s, struct rt_netconf *ret, struct err *e) _wur_;
/* --expose PORT[-PORT][/tcp|/udp]: each port appended to *ret as "N/proto"
 * (once). */
int rt_parse_expose(const char *s, char ***ret, struct err *e) _wur_;
/* Lines of an --env-file (comments, blank lines skipped) appended to *env. */
int rt_parse_env_file(const char *path, char ***env, struct err *e) _wur_;

/* ---- configuration ------------------------------------------------------ */

/* One network the container is (to be) attached to, as the user asked. */
struct rt_netconf {
	char *name;     /* the network's name (or id) */
	char *ip;       /* --ip / --ip6 (NULL: allocated) */
	char *ip6;
	char **aliases; /* --network-alias / net connect --alias */
	char *mac;      /* --mac-address (first network only) */
	char **links;   /* CONTAINER[:ALIAS] on a user-defined network (net connect
			 * --link, run --link there): names for this container only */
};
void rt_netconf_done(struct rt_netconf *n);

struct rt_config {
	char id[ID_LEN + 1];
	char *name;
	char *created;    /* RFC 3339 */
	char *image;      /* what the user typed */
	char *image_id;   /* 64 hex */
	char **layers;    /* absolute layer directories, lowest first */
	char *hostname;
	char *user;       /* "" = the image's or root */
	char **env;
	char **entrypoint;
	char **cmd;
	char *workdir;
	char **exposed;   /* the image's exposed ports ("80/tcp") */
	bool tty, stdin_open, auto_remove, read_only, privileged, init;
	char **cap_add, **cap_drop;
	char **security_opt; /* "seccomp=unconfined", "no-new-privileges" */
	struct rt_bind *binds;
	size_t n_binds;
	uint64_t memory;     /* bytes, 0 = unlimited */
	uint64_t nano_cpus;  /* 0 = unlimited */
	int64_t pids_limit;  /* <= 0: unlimited */
	char *cpuset;        /* NULL = all */
	char *network;       /* "none", "host", "container:<id>", or the first network's name */
	struct rt_netconf *nets; /* the networks, in order (eth0, eth1, ...); empty for none/host/container: */
	size_t n_nets;
	char **dns, **dns_search, **dns_opt; /* --dns, --dns-search, --dns-option */
	char **add_hosts;    /* --add-host "NAME:IP" */
	char **links;        /* --link "CONTAINER:ALIAS" (default bridge) */
	char **ports;        /* -p specs as given (published on the first network) */
	bool publish_all;    /* -P: every exposed port on a random host port */
	int stop_signal;
	int stop_timeout;    /* seconds */
};

void rt_config_init(struct rt_config *c);
void rt_config_done(struct rt_config *c);
/* The argv the container runs: entrypoint + cmd (caller frees the vector). */
char **rt_config_argv(const struct rt_config *c);
json_object *rt_config_to_json(const struct rt_config *c);
int rt_config_from_json(json_object *o, struct rt_config *c, struct err *e) _wur_;
/* The container gets its own network namespace (not host, not container:). */
bool rt_config_own_netns(const struct rt_config *c);
/* The index of network name in c->nets, or -1. */
ssize_t rt_config_net_find(const struct rt_config *c, const char *name);
/* Fill what the user left unset from the image (env, cmd, entrypoint, workdir, user). */
void rt_config_apply_image(struct rt_config *c, const struct rt_image *img);

/* ---- state --------------------------------------------------------------- */

enum rt_status { RT_CREATED, RT_RUNNING, RT_EXITED };

struct rt_state {
	enum rt_status status;
	pid_t pid;        /* the container's init, in pontoon's pid namespace */
	pid_t shim_pid;
	int exit_code;
	bool oom_killed;
	char started[40];  /* RFC 3339 with nanoseconds; "" = never */
	char finished[40];
	char error[256];
};

const char *rt_status_name(enum rt_status s);
/* Read state.json; a "running" container whose shim is gone reads as exited. */
int rt_state_read(const char *root, const char *id, struct rt_state *ret, struct err *e) _wur_;
int rt_state_write(const char *root, const char *id, const struct rt_state *s, struct err *e) _wur_;
json_object *rt_state_to_json(const struct rt_state *s);
void rt_now_rfc3339(char buf[40]);
/* ts as RFC 3339 UTC with nanoseconds ("2026-01-02T03:04:05.123456789Z"). */
void rt_rfc3339(const struct timespec *ts, char buf[40]);

/* The default state directory; its containers' cgroups are pontoon/<id>. */
#define RT_DEFAULT_ROOT "/var/lib/pontoon"
/* The cgroup directory (below each hierarchy) holding root's containers:
 * "pontoon" for RT_DEFAULT_ROOT, else "pontoon-" and 16 hex digits of a
 * hash (FNV-1a) of root's canonical path (caller frees). */
char *rt_cgroup_parent(const char *root);

/* `pontoon system check` (check.c): containers marked running whose shim is
 * gone, orphan cgroups, mounts under root on the host; each appended to
 * findings as {kind, object, problem, repaired}; repaired when repair. */
int rt_check(const char *root, bool repair, json_object *findings, struct err *e) _wur_;
/* One finding appended to findings (none when it is NULL): repaired when
 * repair and repair_r >= 0 (also the CLI's own checks). */
void rt_check_found(json_object *findings, bool repair, const char *kind, const char *object, int repair_r,
		    const char *problem);
/* The dead-container repair alone, quietly (netd's start, after a crash):
 * containers marked running whose shim is gone are marked exited and their
 * cgroups removed. Returns how many. */
int rt_recover(const char *root);

/* ---- store ---------------------------------------------------------------- */

/* $ROOT/containers/<id> (caller frees). */
char *rt_container_dir(const char *root, const char *id);
/* Full id from a name, full id or unique id prefix. -ENOENT / -EINVAL (ambiguous). */
int rt_container_resolve(const char *root, const char *ref, char ret_id[ID_LEN + 1], struct err *e) _wur_;
/* All container ids (NULL-terminated; caller frees), newest first. */
int rt_container_list(const char *root, char ***ret_ids, struct err *e) _wur_;
int rt_config_read(const char *root, const char *id, struct rt_config *ret, struct err *e) _wur_;
/* Rewrite config.json of an existing container (net connect/disconnect);
 * hold rt_container_lock around the read, change and write. */
int rt_config_write(const char *root, const struct rt_config *c, struct err *e) _wur_;
/* flock(2) on the container's directory: start, rm, the shim's --rm removal
 * and changes of its config take it. Returns the fd (close it to unlock). */
int rt_container_lock(const char *root, const char *id, struct err *e) _wur_;
/* Allocate the id (c->id), check the name, make the directory, config.json,
 * state.json, hostname, hosts and resolv.conf. All or nothing. */
int rt_container_create(const char *root, struct rt_config *c, struct err *e) _wur_;
/* Remove everything of a container that is not running: cgroups, mounts, its
 * directory. With force, a running one is killed first. */
int rt_container_remove(const char *root, const char *id, bool force, struct err *e) _wur_;

/* ---- lifecycle -------------------------------------------------------------- */

/* What the runtime calls to put a container on its networks; runtime knows
 * no netd, the CLI fills these in (rt_set_net_hooks) at its start. */
struct rt_net_hooks {
	/* After the init is cloned (its namespace is /proc/PID/ns/net) and before
	 * it execs: attach, write the /etc files. On failure it undoes its own
	 * work, and the start fails with its error. */
	int (*attach)(const char *root, const struct rt_config *c, pid_t pid, pid_t shim_pid, struct err *e);
	/* After the container ended (stop, kill, rm): release its endpoints.
	 * Best effort (netd also notices the end by itself). */
	void (*release)(const char *root, const char *id);
	/* Before the shim starts, for a container with --link: the environment
	 * added to its configured one (Docker's link variables, see
	 * rt_link_env). An error fails the start (nothing is made yet). */
	int (*start_env)(const char *root, const struct rt_config *c, char ***ret, struct err *e);
};

/* One --link, for its environment variables. */
struct rt_link_info {
	const char *name;    /* "/<linking container's name>/<alias>" */
	const char *ip;      /* the linked container's address on the default network */
	char *const *env;    /* its configured environment (KEY=VALUE) */
	char *const *ports;  /* its exposed ports ("80/tcp", "53/udp", "80") */
};
/* Docker's variables for one link (pure): <ALIAS>_PORT=tcp://IP:PORT of the
 * lowest port (TCP first), <ALIAS>_PORT_<N>_<PROTO>{,_ADDR,_PORT,_PROTO} per
 * port, _START/_PORT_START/_END/_PORT_END per run of consecutive ports,
 * <ALIAS>_NAME, <ALIAS>_ENV_<KEY> for its environment but HOME and PATH;
 * ALIAS upper-cased with '-' as '_'. Caller frees. */
char **rt_link_env(const struct rt_link_info *l);
/* base with each of over replacing the entry of the same name, or appended
 * (Docker's ReplaceOrAppendEnvValues). Caller frees. */
char **rt_env_merge(char *const *base, char *const *over);
/* After a failed rt_container_start: true when the attach hook failed because
 * the container's init had already failed on its own (its error is the one
 * reported), so the failure is not the network's. */
bool rt_start_failed_in_init(void);
void rt_set_net_hooks(const struct rt_net_hooks *h);

struct rt_attach {
	int in, out, err;  /* the CLI's fds the container is attached to, -1: none */
	bool attached;     /* foreground: the caller waits for the exit status */
};

/* Start a created or exited container: cgroups, then the shim, which clones
 * the init. Returns when the command has been exec'd (or failed: -ENOENT
 * not found, -EACCES cannot exec, with e set). *ret_report is the shim's report
 * fd to wait on with rt_wait_report() when attached (else -1). */
int rt_container_start(const char *root, const char *id, const struct rt_attach *a, int *ret_report,
		       struct err *e) _wur_;
/* Read the exit status the shim reports at the end of an attached run. */
int rt_wait_report(int fd, int *ret_status, struct err *e) _wur_;
int rt_container_kill(const char *root, const char *id, int sig, struct err *e) _wur_;
/* SIGTERM (or the configured signal), then SIGKILL after timeout seconds. */
int rt_container_stop(const char *root, const char *id, int timeout, struct err *e) _wur_;
/* Block until the container is not running; its exit code. */
int rt_container_wait(const char *root, const char *id, int *ret_code, struct err *e) _wur_;

struct rt_exec {
	char **argv;
	char **env;   /* extra KEY=VALUE */
	const char *workdir;
	const char *user;
	bool tty, interactive;
};
/* Run a command in a running container; returns its exit status (or 125/126/127). */
int rt_container_exec(const char *root, const char *id, const struct rt_exec *x, struct err *e);

/* ---- logs ------------------------------------------------------------------ */

struct rt_logs_opts {
	bool follow, timestamps;
	long tail; /* -1: all */
};
int rt_logs_print(const char *root, const char *id, const struct rt_logs_opts *o, struct err *e) _wur_;

/* ---- the shim ---------------------------------------------------------------- */

/* pontoon-shim's main. */
int rt_shim_main(int argc, char **argv);
/* Where pontoon-shim lives: next to /proc/self/exe, else PONTOON_LIBEXECDIR. */
char *rt_shim_path(void);

#endif
