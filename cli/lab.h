/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lab deployment (cli/lab-*.c): the plan of a topology walked against the
 * runtime (containers) and netd (the management network, link veths).
 *
 * State: $ROOT/labs/<lab>/state.json (atomic), written before the first
 * change and after every stage, so that `lab destroy` (or the undo of a
 * failed deploy) knows every container and network the lab made:
 *   {lab, file, status: "deploying"|"deployed", mgmt: {network, created},
 *    nodes: [{name, kind, image, container, id?, ipv4?, ipv6?, mgmt}], plan}
 * Exec output goes to $ROOT/labs/<lab>/<node>.exec.log.
 */
#ifndef PONTOON_CLI_LAB_H
#define PONTOON_CLI_LAB_H

#include "cli.h"
#include "netd.h"
#include "topology.h"

/* Lab nodes start (and stop) this many at a time. */
#define LAB_PARALLEL 4

struct lab_node {
	char *name, *kind, *image, *container;
	char id[ID_LEN + 1]; /* "" until created */
	char *ipv4, *ipv6;   /* "addr/prefix" on the management network, or NULL */
	bool mgmt;           /* attached to the management network (detach at destroy) */
	bool linux_node;
	size_t level;
};

struct lab {
	struct cli_ctx *ctx;
	char *name, *file, *dir;
	char *mgmt_network;
	bool mgmt_created;
	struct lab_node *nodes;
	size_t n_nodes;
	json_object *plan; /* the plan as deployed */
	bool deployed;
};

char *lab_dir(struct cli_ctx *ctx, const char *lab);
/* Read $ROOT/labs/<name>/state.json: -ENOENT when the lab is not deployed. */
int lab_load(struct cli_ctx *ctx, const char *name, struct lab **ret, struct err *e) _wur_;
int lab_save(const struct lab *l, struct err *e) _wur_;
void lab_free(struct lab *l);
DEFINE_CLEANUP(struct lab *, lab_free)

/* Deploy the plan (all or nothing). */
int lab_deploy(struct cli_ctx *ctx, const struct topo *t, const struct topo_plan *p, struct err *e) _wur_;
/* Remove the lab's containers, detach them, remove its management network
 * (when the lab made it), and its state (cleanup: its whole directory). */
int lab_destroy(struct lab *l, bool cleanup, struct err *e) _wur_;

/* netd, started on demand. */
int lab_netd(struct cli_ctx *ctx, json_object *req, json_object **ret, struct err *e) _wur_;

#endif
