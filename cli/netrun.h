/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Containers on networks (netrun.c): netd's side of a container, its /etc files. */
#ifndef PONTOON_CLI_NETRUN_H
#define PONTOON_CLI_NETRUN_H

#include "cli.h"
#include "runtime.h"

/* One endpoint of a container, as netd reports it. */
struct cli_ep {
	char *network, *network_id, *endpoint;
	char *ip, *ip6, *gateway, *gateway6, *mac; /* NULL when absent */
	int prefix, prefix6;
	char **ports; /* published ports, canonical -p specs with the host ports netd chose */
};
void cli_ep_done(struct cli_ep *x);
void cli_eps_free(struct cli_ep *v, size_t n);

/* Set the runtime's network hooks; remember ctx's paths for netd. */
void cli_netrun_init(const struct cli_ctx *ctx);
/* netd_call with the paths of cli_netrun_init. */
int cli_netd_call(json_object *req, bool autostart, json_object **ret, struct err *e) _wur_;
/* Attach the namespace of pid to network nc of container c. */
int cli_net_attach(const struct rt_config *c, const struct rt_netconf *nc, pid_t pid, struct cli_ep *ret,
		   struct err *e) _wur_;
int cli_net_detach(const char *id, const char *network, struct err *e) _wur_;
/* The container's endpoints now (none when it is not running). */
int cli_net_endpoints(const struct rt_config *c, struct cli_ep **ret, size_t *ret_n, struct err *e) _wur_;
/* Rewrite /etc/hosts and /etc/resolv.conf from eps (keeping the user's edits). */
int cli_etc_update(const char *root, const struct rt_config *c, const struct cli_ep *eps, size_t n,
		   struct err *e) _wur_;
/* The container's /etc files (and pontoon's records of them) as they are,
 * to put back as they were when a change fails half-way. */
#define CLI_ETC_FILES 4
struct cli_etc_saved {
	char *data[CLI_ETC_FILES]; /* NULL: the file did not exist */
};
void cli_etc_save(const char *root, const char *id, struct cli_etc_saved *s);
void cli_etc_restore(const char *root, const char *id, const struct cli_etc_saved *s);
void cli_etc_saved_done(struct cli_etc_saved *s);

/* The runtime's start_env hook (netlinks.c): --link's environment variables. */
int cli_link_start_env(const char *root, const struct rt_config *c, char ***ret, struct err *e) _wur_;

/* One --add-host spec for /etc/hosts (addhost.c): its name and address(es);
 * host-gateway is the first endpoint's gateway(s) (of eps, n; the default
 * network's when n is 0). */
int cli_add_host_addrs(const char *spec, const struct cli_ep *eps, size_t n, char **ret_name, char ***ret_addrs,
		       struct err *e) _wur_;

/* A container with no network of its own (--network none or host), at
 * create: /etc/hosts with its --add-host entries (else the file stays as
 * create made it: the host's copy with host), /etc/resolv.conf from its
 * --dns options over the host's (loopback resolvers kept). */
int cli_etc_nonet(const char *root, const struct rt_config *c, struct err *e) _wur_;

/* Exposed ports (expose.c): -p's container ports added to c->exposed, as
 * Docker's ExposedPorts; whether an exposed "80/tcp" is published by a -p
 * already (-P skips it). */
void cli_exposed_add_published(struct rt_config *c);
/* The same for any list: each container port of the -p specs in ports, as
 * "N/proto", added to *exposed unless there already. */
void cli_exposed_add_ports(char ***exposed, char *const *ports);
bool cli_port_published(const struct rt_config *c, const char *exposed);

/* The last start failed in the network attach (run then removes the
 * container it made: nothing is left of a refused --ip). */
bool cli_net_attach_failed(void);
/* A failure of the network side before the init exists (--link's variables). */
void cli_net_attach_failed_set(void);
/* The container's init (pid) is gone, a zombie, or exiting: netd releases
 * (or has released) its endpoints. */
bool cli_init_dead(pid_t pid);
/* system check's part (cmd-netconnect.c): each running container has an
 * endpoint on exactly the networks its configuration names; with repair,
 * stray endpoints detached, missing ones attached. Findings go into arr. */
void cli_net_check_containers(struct cli_ctx *ctx, bool repair, json_object *arr);
/* Before create: the networks exist (netd says), by their names. */
int cli_net_resolve(struct rt_config *c, struct err *e) _wur_;
/* inspect's NetworkSettings (pid: the running init, 0 when not running). */
json_object *cli_net_settings(const struct rt_config *c, pid_t pid);

/* Options of run/create (netopts.c). --network NET (repeatable) */
int cli_opt_network(struct rt_config *c, const char *arg, struct err *e) _wur_;
/* which: 0 --ip, 1 --ip6, 2 --network-alias, 3 --mac-address, 4 --dns,
 * 5 --dns-search, 6 --dns-option, 7 --add-host, 8 --link */
int cli_opt_net(struct rt_config *c, int which, const char *arg, struct err *e) _wur_;
/* A --link CONTAINER[:ALIAS]: a container name or id, a DNS name. */
int cli_link_check(const char *s, struct err *e) _wur_;
/* After all options: the default network, and what goes with what. */
int cli_net_opts_finish(struct rt_config *c, struct err *e) _wur_;
/* The default network's name. */
#define CLI_DEFAULT_NET "bridge"

#endif
