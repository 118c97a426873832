/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the topology parser (YAML tree, model, checks) and, for
 * files it accepts, the plan, its JSON dump, the DOT graph and the word
 * splitting of cmd, entrypoint and exec. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo *t = NULL;
	struct topo_plan *p = NULL;
	struct err e = {0};

	if (topo_parse_buffer((const char *)data, size, "fuzz.yml", "/fuzz", &t, &e) < 0) {
		/* every error names the input */
		if (strncmp(err_msg(&e), "fuzz.yml", 8) != 0)
			abort();
		return 0;
	}
	if (topo_plan_new(t, &p, &e) == 0) {
		json_object *o = topo_plan_to_json(p);
		(void)json_object_to_json_string(o);
		json_object_put(o);
		topo_plan_free(p);
	}
	free(topo_graph_dot(t));
	/* the deployer splits cmd, entrypoint and exec into words */
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		const char *one[] = { n->cmd, n->entrypoint };
		char **w = NULL;
		for (size_t k = 0; k < 2; k++)
			if (one[k] && topo_split_words(one[k], &w, NULL) == 0)
				strv_free(w);
		for (char **x = n->exec; x && *x; x++)
			if (topo_split_words(*x, &w, NULL) == 0)
				strv_free(w);
	}
	topo_free(t);
	return 0;
}
