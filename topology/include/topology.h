/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * topology: containerlab topology files, parsed, validated and planned.
 *
 *   parse     YAML (libyaml) into a model: lab name, prefix, management
 *             network, nodes with defaults < kinds < groups < node already
 *             applied, links. Every error names file:line:column.
 *   plan      pure data: the stages a deployer walks in order (management
 *             network, bridges, nodes by dependency level, links, exec);
 *             steps within one stage are independent and may run in parallel.
 *   graph     the topology as Graphviz DOT, SVG (libgvc) or a self-contained
 *             HTML page.
 *
 * Nothing here touches the kernel; the deployer (cli) executes the plan.
 */
#ifndef PONTOON_TOPOLOGY_H
#define PONTOON_TOPOLOGY_H

#include "common.h"

/* Hostile-input limits of the parser. */
#define TOPO_MAX_FILE_SIZE (2u << 20) /* bytes */
#define TOPO_MAX_DEPTH 32	      /* nested collections */
#define TOPO_MAX_WEIGHT 200000	      /* YAML nodes after alias expansion */

/* Containerlab's defaults. */
#define TOPO_DEFAULT_MGMT_NETWORK "clab"
#define TOPO_DEFAULT_MGMT_IPV4 "172.20.20.0/24"
#define TOPO_DEFAULT_MGMT_IPV6 "3fff:172:20:20::/64"
#define TOPO_DEFAULT_LINK_MTU 9500

/* A position in the file, 1-based (0 when not from the file). */
struct topo_mark {
	unsigned line, col;
};

struct topo_kv {
	char *key;
	char *value;
};

enum topo_kind {
	TOPO_KIND_LINUX,
	TOPO_KIND_BRIDGE, /* an existing Linux bridge named like the node */
};

enum topo_netmode {
	TOPO_NETMODE_DEFAULT,	/* the lab's management network, eth0 */
	TOPO_NETMODE_NONE,	/* loopback only (plus links) */
	TOPO_NETMODE_HOST,	/* the host's network namespace */
	TOPO_NETMODE_CONTAINER, /* another container's namespace: netmode_target */
};

struct topo_node {
	char *name;
	enum topo_kind kind;
	char *group;	  /* NULL if none */
	char *image;	  /* NULL if none (bridge nodes) */
	char *cmd;	  /* NULL: the image's */
	char *entrypoint; /* NULL: the image's */
	char **exec;	  /* NULL-terminated, may be NULL: run after all links exist */
	char **binds;	  /* "SRC:DST[:OPTS]", SRC absolute (resolved against the file's directory) */
	char **ports;	  /* Docker-style publish specs, as written */
	char **env_files; /* absolute paths */
	char **extra_hosts; /* --add-host specs (NAME:IP, NAME:host-gateway ...), every level's */
	struct topo_kv *env;
	size_t n_env;
	struct topo_kv *labels;
	size_t n_labels;
	char *mgmt_ipv4, *mgmt_ipv6; /* NULL: allocated at deploy time */
	enum topo_netmode netmode;
	char *netmode_target;	/* TOPO_NETMODE_CONTAINER: the container or lab node named */
	ssize_t netmode_node;	/* index of that node in the lab, or -1 (an outside container) */
	unsigned startup_delay; /* seconds */
	struct topo_mark mark;
};

struct topo_endpoint {
	char *node;
	size_t node_index;
	char *ifname;
	char *mac; /* NULL: random */
	struct topo_mark mark;
};

struct topo_link {
	struct topo_endpoint ep[2];
	unsigned mtu; /* 0: TOPO_DEFAULT_LINK_MTU */
	struct topo_kv *labels;
	size_t n_labels;
	struct topo_mark mark;
};

struct topo_mgmt {
	char *network;		 /* default TOPO_DEFAULT_MGMT_NETWORK */
	char *ipv4_subnet;	 /* CIDR, or "auto"; default TOPO_DEFAULT_MGMT_IPV4 */
	char *ipv6_subnet;	 /* CIDR, or "auto"; default TOPO_DEFAULT_MGMT_IPV6 */
	char *ipv4_gw, *ipv6_gw; /* NULL: the subnet's first address */
	char *bridge;		 /* NULL: chosen at deploy time */
	unsigned mtu;		 /* 0: the default */
};

struct topo {
	char *file; /* as given */
	char *dir;  /* absolute directory of the file: relative binds resolve here */
	char *name;
	char *prefix; /* NULL: the default ("<lab>-<node>"); "" or "__lab-name" as containerlab */
	struct topo_mgmt mgmt;
	struct topo_node *nodes;
	size_t n_nodes;
	struct topo_link *links;
	size_t n_links;
	char **warnings; /* keys accepted but without effect, "file:line:col: ..." */
};

/* Parse and validate a topology file. Errors: -EINVAL (bad content), -EFBIG
 * (over TOPO_MAX_FILE_SIZE), or the errno of reading it; e gets
 * "FILE:LINE:COL: what is wrong". *ret is owned by the caller (topo_free). */
int topo_parse_file(const char *path, struct topo **ret, struct err *e) _wur_;
/* The same from memory: name is used in messages, dir resolves relative paths
 * (must be absolute). data need not be NUL-terminated. */
int topo_parse_buffer(const char *data, size_t len, const char *name, const char *dir, struct topo **ret,
		      struct err *e) _wur_;
void topo_free(struct topo *t);
DEFINE_CLEANUP(struct topo *, topo_free)

const char *topo_kind_name(enum topo_kind k);
/* Container name of a node: "<lab>-<node>" by default (CLI.md; containerlab's
 * own default is "clab-<lab>-<node>"), "<prefix>-<lab>-<node>" for a prefix,
 * "<lab>-<node>" for prefix "__lab-name", "<node>" for prefix "". Caller frees. */
char *topo_container_name(const struct topo *t, const char *node);
const struct topo_node *topo_find_node(const struct topo *t, const char *name);
/* Split a cmd/entrypoint/exec string into words as a POSIX shell would:
 * blanks separate, '...' and "..." quote (\" \\ \$ \` escape inside "), a
 * backslash escapes outside quotes; no expansions. -EINVAL on an unterminated
 * quote. *ret: NULL-terminated, possibly empty (caller frees, strv_free). */
int topo_split_words(const char *s, char ***ret, struct err *e) _wur_;

/* ---- plan ------------------------------------------------------------------ */

enum topo_step_type {
	TOPO_STEP_MGMT_NETWORK, /* create (or reuse) the management network */
	TOPO_STEP_BRIDGE,	/* check that bridge node's host bridge exists */
	TOPO_STEP_NODE,		/* create and start one node's container */
	TOPO_STEP_LINK,		/* one veth pair between two namespaces or a bridge */
	TOPO_STEP_EXEC,		/* run one node's exec commands, in order */
};

struct topo_step {
	enum topo_step_type type;
	unsigned stage; /* walk stages in increasing order; steps of one stage are independent */
	size_t index;	/* TOPO_STEP_NODE/EXEC/BRIDGE: node index; TOPO_STEP_LINK: link index */
};

struct topo_plan_node {
	size_t node;		/* index in topo->nodes */
	char *container;	/* container name */
	unsigned level;		/* dependency level: 0 = needs no other node */
	struct topo_kv *labels; /* user labels + containerlab's (containerlab, clab-node-name, ...) */
	size_t n_labels;
};

struct topo_plan_end {
	size_t node;
	bool bridge;	       /* the end is a host interface enslaved to bridge `node` */
	const char *container; /* borrowed from the plan node; NULL for bridge ends */
	const char *ifname;
	const char *mac;
};

struct topo_plan_link {
	struct topo_plan_end a, b;
	unsigned mtu;
};

struct topo_plan {
	const struct topo *topo; /* borrowed: must outlive the plan */
	char *lab;
	char *lab_dir; /* "<dir>/clab-<lab>", as containerlab */
	char *mgmt_network, *mgmt_ipv4_subnet, *mgmt_ipv6_subnet;
	struct topo_plan_node *nodes; /* indexed like topo->nodes (bridge nodes have no container) */
	unsigned n_levels;
	struct topo_plan_link *links; /* indexed like topo->links */
	struct topo_step *steps;      /* ordered by stage */
	size_t n_steps;
	unsigned n_stages;
};

/* Build the plan. Fails (-ELOOP) only on a network-mode cycle, which the
 * parser already refuses. */
int topo_plan_new(const struct topo *t, struct topo_plan **ret, struct err *e) _wur_;
void topo_plan_free(struct topo_plan *p);
DEFINE_CLEANUP(struct topo_plan *, topo_plan_free)
const char *topo_step_type_name(enum topo_step_type t);
/* The plan as JSON (new reference). */
json_object *topo_plan_to_json(const struct topo_plan *p);

/* ---- graph ----------------------------------------------------------------- */

/* Graphviz DOT text of the topology (caller frees). */
char *topo_graph_dot(const struct topo *t);
/* SVG rendered by Graphviz's library from the DOT text. */
int topo_graph_svg(const struct topo *t, char **ret, size_t *ret_len, struct err *e) _wur_;
/* A self-contained HTML page embedding the SVG. */
int topo_graph_html(const struct topo *t, char **ret, size_t *ret_len, struct err *e) _wur_;

#endif
