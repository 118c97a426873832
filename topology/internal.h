/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private helpers of topology/: the parser's context and checks. */
#ifndef PONTOON_TOPOLOGY_INTERNAL_H
#define PONTOON_TOPOLOGY_INTERNAL_H

#include "ipam.h"
#include "ytree.h"

/* A node definition as written at one level (defaults, a kind, a group, a
 * node): pointers into the YAML tree, types already checked. */
struct def {
	const struct ynode *kind, *group, *image, *cmd, *entrypoint, *network_mode, *mgmt_ipv4, *mgmt_ipv6;
	const struct ynode *exec, *binds, *ports, *env_files; /* lists (exec: also one string) */
	const struct ynode *env, *labels;		      /* mappings */
	const struct ynode *extra_hosts;		      /* list: --add-host specs */
	unsigned startup_delay;
	struct topo_mark mark;
};

struct named_def {
	const char *name;
	struct def def;
};

struct parser {
	struct ydoc doc;
	struct topo *t;
	struct err *e;
	struct def defaults;
	struct named_def *kinds, *groups;
	size_t n_kinds, n_groups;
	size_t copied, work; /* inheritance budget, see parse-def.c */
};

int perr(struct parser *p, struct topo_mark m, const char *fmt, ...) _printf_(3, 4);
void pwarn(struct parser *p, struct topo_mark m, const char *fmt, ...) _printf_(3, 4);

/* parse-def.c */
int parse_def(struct parser *p, const struct ynode *n, const char *what, struct def *d);
int resolve_node(struct parser *p, const char *name, const struct def *nd, struct topo_node *out);
bool valid_name(const char *s);
bool valid_ifname(const char *s);

/* parse-links.c */
int parse_links(struct parser *p, const struct ynode *links);
/* Set key to value in a key/value list (replacing an existing key). */
void kv_set(struct topo_kv **kv, size_t *n, const char *key, const char *value);
int check_links(struct parser *p);

/* addr.c: an address of one family, strictly (ipam's parser); ret may be NULL. */
bool addr_parse(const char *s, int family, struct ipam_addr *ret);
bool mac_parse(const char *s);

#endif
