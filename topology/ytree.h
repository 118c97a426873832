/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bounded YAML tree built from libyaml events (private to topology/).
 *
 * Anchors and aliases are kept as shared pointers (no copies); the weight of
 * every node counts what a full walk would visit, and a document whose weight
 * exceeds TOPO_MAX_WEIGHT is refused at the alias that crosses it, so alias
 * bombs cost nothing. Merge keys (`<<: *anchor`) are resolved while building.
 * Duplicate keys, non-scalar keys, NULs, too deep nesting and too big input
 * are refused with file:line:column. */
#ifndef PONTOON_TOPOLOGY_YTREE_H
#define PONTOON_TOPOLOGY_YTREE_H

#include "topology.h"

enum ynode_type { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ynode_type type;
	char *str;	      /* Y_SCALAR: the value, NUL-terminated (no embedded NULs) */
	bool null;	      /* Y_SCALAR: a plain null ("", "~", "null") */
	struct ynode **items; /* Y_SEQ: n items; Y_MAP: n pairs, key at 2i, value at 2i+1 */
	size_t n;
	size_t weight;
	struct topo_mark mark;
};

struct ydoc {
	struct ynode *root; /* NULL for an empty document */
	struct ynode **all; /* every node, for freeing */
	size_t n_all, cap_all;
	const char *name;
};

int ydoc_load(struct ydoc *d, const char *data, size_t len, const char *name, struct err *e);
void ydoc_free(struct ydoc *d);

/* Value of key in a map, or NULL. */
struct ynode *ymap_get(const struct ynode *map, const char *key);
const char *ynode_type_name(const struct ynode *n);

#endif
