/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plans of the example labs (topology/examples/) and of hand-made files:
 * node and link counts, interface names, stages, JSON dump; and their DOT. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <libgen.h>
#include <cmocka.h>
#include "topology.h"

static struct topo *load_example(const char *name)
{
	_cleanup_free_ char *src = xstrdup(__FILE__);
	_cleanup_free_ char *path = xasprintf("%s/../../../topology/examples/%s", dirname(src), name);
	struct topo *t = NULL;
	struct err e = {0};
	if (topo_parse_file(path, &t, &e) < 0)
		fail_msg("%s: %s", path, err_msg(&e));
	assert_null(t->warnings);
	return t;
}

static struct topo_plan *plan_of(const struct topo *t)
{
	struct topo_plan *p = NULL;
	struct err e = {0};
	if (topo_plan_new(t, &p, &e) < 0)
		fail_msg("plan: %s", err_msg(&e));
	return p;
}

static size_t count_steps(const struct topo_plan *p, enum topo_step_type type, unsigned stage)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_steps; i++)
		n += p->steps[i].type == type && p->steps[i].stage == stage;
	return n;
}

static const char *label(const struct topo_plan_node *pn, const char *key)
{
	for (size_t i = 0; i < pn->n_labels; i++)
		if (!strcmp(pn->labels[i].key, key))
			return pn->labels[i].value;
	return NULL;
}

/* Steps are sorted by stage and every stage has at least one step. */
static void check_stage_order(const struct topo_plan *p)
{
	for (size_t i = 1; i < p->n_steps; i++)
		assert_true(p->steps[i - 1].stage <= p->steps[i].stage);
	for (unsigned s = 0; s < p->n_stages; s++) {
		size_t n = 0;
		for (size_t i = 0; i < p->n_steps; i++)
			n += p->steps[i].stage == s;
		assert_true(n > 0);
	}
}

static void example_line(void **state)
{
	struct topo *t = load_example("line.clab.yml");
	struct topo_plan *p = plan_of(t);
	assert_string_equal(t->name, "line");
	assert_int_equal(t->n_nodes, 4);
	assert_int_equal(t->n_links, 3);
	assert_string_equal(p->mgmt_network, "line-mgmt");
	assert_string_equal(p->mgmt_ipv4_subnet, "172.20.31.0/24");
	assert_string_equal(p->mgmt_ipv6_subnet, TOPO_DEFAULT_MGMT_IPV6);
	for (size_t i = 0; i < 4; i++) {
		char want[32];
		snprintf(want, sizeof(want), "line-r%zu", i + 1);
		assert_string_equal(p->nodes[i].container, want);
		assert_string_equal(t->nodes[i].image, "busybox");
		assert_string_equal(t->nodes[i].cmd, "sleep 1000000000");
		assert_int_equal(p->nodes[i].level, 0);
	}
	/* r2 and r3 sit between two links: eth1 toward r1, eth2 toward r4 */
	assert_string_equal(p->links[1].a.container, "line-r2");
	assert_string_equal(p->links[1].a.ifname, "eth2");
	assert_string_equal(p->links[1].b.container, "line-r3");
	assert_string_equal(p->links[1].b.ifname, "eth1");
	assert_int_equal(p->links[1].mtu, TOPO_DEFAULT_LINK_MTU);
	assert_false(p->links[1].a.bridge);
	/* stages: mgmt network, nodes, links, exec */
	assert_int_equal(p->n_stages, 4);
	assert_int_equal(count_steps(p, TOPO_STEP_MGMT_NETWORK, 0), 1);
	assert_int_equal(count_steps(p, TOPO_STEP_NODE, 1), 4);
	assert_int_equal(count_steps(p, TOPO_STEP_LINK, 2), 3);
	assert_int_equal(count_steps(p, TOPO_STEP_EXEC, 3), 4);
	assert_int_equal(strv_len(t->nodes[1].exec), 4);
	assert_string_equal(t->nodes[1].exec[0], "sysctl -w net.ipv4.ip_forward=1");
	assert_string_equal(t->nodes[0].mgmt_ipv4, "172.20.31.11");
	check_stage_order(p);
	topo_plan_free(p);
	topo_free(t);
}

static void example_star(void **state)
{
	struct topo *t = load_example("star.clab.yml");
	struct topo_plan *p = plan_of(t);
	assert_int_equal(t->n_nodes, 5);
	assert_int_equal(t->nodes[0].kind, TOPO_KIND_BRIDGE);
	assert_null(p->nodes[0].container);
	assert_string_equal(p->mgmt_network, TOPO_DEFAULT_MGMT_NETWORK);
	assert_string_equal(p->mgmt_ipv4_subnet, TOPO_DEFAULT_MGMT_IPV4);
	assert_int_equal(t->n_links, 4);
	for (size_t i = 0; i < 4; i++) {
		char host[16], port[16];
		snprintf(host, sizeof(host), "star-h%zu", i + 1);
		snprintf(port, sizeof(port), "star-h%zu", i + 1);
		assert_string_equal(p->links[i].a.container, host);
		assert_string_equal(p->links[i].a.ifname, "eth1");
		assert_true(p->links[i].b.bridge);
		assert_int_equal(p->links[i].b.node, 0);
		assert_null(p->links[i].b.container);
		assert_string_equal(p->links[i].b.ifname, port);
		assert_string_equal(label(&p->nodes[i + 1], "lab"), "star");
	}
	/* mgmt, bridge check, nodes, links, exec */
	assert_int_equal(p->n_stages, 5);
	assert_int_equal(count_steps(p, TOPO_STEP_BRIDGE, 1), 1);
	assert_int_equal(count_steps(p, TOPO_STEP_NODE, 2), 4);
	assert_int_equal(count_steps(p, TOPO_STEP_LINK, 3), 4);
	assert_int_equal(count_steps(p, TOPO_STEP_EXEC, 4), 4);
	check_stage_order(p);
	topo_plan_free(p);
	topo_free(t);
}

static void example_clos(void **state)
{
	struct topo *t = load_example("clos.clab.yml");
	struct topo_plan *p = plan_of(t);
	size_t spines = 0, leaves = 0;
	assert_int_equal(t->n_nodes, 6);
	assert_int_equal(t->n_links, 8);
	for (size_t i = 0; i < t->n_nodes; i++) {
		spines += t->nodes[i].group && !strcmp(t->nodes[i].group, "spine");
		leaves += t->nodes[i].group && !strcmp(t->nodes[i].group, "leaf");
	}
	assert_int_equal(spines, 2);
	assert_int_equal(leaves, 4);
	/* prefix __lab-name: "<lab>-<node>" */
	assert_string_equal(p->nodes[0].container, "clos-spine1");
	assert_string_equal(label(&p->nodes[0], "role"), "spine");
	assert_string_equal(label(&p->nodes[0], "clab-node-group"), "spine");
	assert_string_equal(label(&p->nodes[0], "containerlab"), "clos");
	assert_string_equal(label(&p->nodes[2], "role"), "leaf");
	/* group exec first, then the node's own */
	assert_int_equal(strv_len(t->nodes[0].exec), 9);
	assert_string_equal(t->nodes[0].exec[0], "sysctl -w net.ipv4.ip_forward=1");
	assert_int_equal(strv_len(t->nodes[2].exec), 4);
	/* brief and extended links alike */
	assert_string_equal(p->links[0].a.container, "clos-spine1");
	assert_string_equal(p->links[0].a.ifname, "eth1");
	assert_string_equal(p->links[0].b.container, "clos-leaf1");
	assert_string_equal(p->links[7].a.container, "clos-spine2");
	assert_string_equal(p->links[7].a.ifname, "eth4");
	assert_string_equal(p->links[7].b.container, "clos-leaf4");
	assert_string_equal(p->links[7].b.ifname, "eth2");
	assert_int_equal(p->links[7].mtu, 1500);
	assert_int_equal(p->links[6].mtu, TOPO_DEFAULT_LINK_MTU);
	assert_int_equal(count_steps(p, TOPO_STEP_NODE, 1), 6);
	assert_int_equal(count_steps(p, TOPO_STEP_LINK, 2), 8);
	check_stage_order(p);
	topo_plan_free(p);
	topo_free(t);
}

/* network-mode container:NODE puts the dependent node one level later. */
static void netmode_levels(void **state)
{
	static const char yaml[] = "name: dep\n"
				   "topology:\n"
				   "  defaults: {kind: linux, image: busybox}\n"
				   "  nodes:\n"
				   "    c: {network-mode: \"container:b\"}\n"
				   "    b: {network-mode: \"container:a\"}\n"
				   "    a: {}\n"
				   "    z: {network-mode: \"container:elsewhere\"}\n";
	struct topo *t = NULL;
	struct err e = {0};
	assert_int_equal(topo_parse_buffer(yaml, sizeof(yaml) - 1, "dep.yml", "/d", &t, &e), 0);
	struct topo_plan *p = plan_of(t);
	assert_int_equal(p->nodes[0].level, 2);
	assert_int_equal(p->nodes[1].level, 1);
	assert_int_equal(p->nodes[2].level, 0);
	assert_int_equal(p->nodes[3].level, 0);
	assert_int_equal(p->n_levels, 3);
	assert_int_equal(count_steps(p, TOPO_STEP_NODE, 1), 2);
	assert_int_equal(count_steps(p, TOPO_STEP_NODE, 2), 1);
	assert_int_equal(count_steps(p, TOPO_STEP_NODE, 3), 1);
	assert_int_equal(p->n_stages, 4); /* no links, no exec */
	assert_string_equal(p->lab_dir, "/d/clab-dep");
	assert_string_equal(label(&p->nodes[2], "clab-topo-file"), "/d/dep.yml");
	assert_string_equal(label(&p->nodes[2], "clab-node-lab-dir"), "/d/clab-dep/a");
	topo_plan_free(p);
	topo_free(t);
}

static void plan_json(void **state)
{
	struct topo *t = load_example("star.clab.yml");
	struct topo_plan *p = plan_of(t);
	json_object *o = topo_plan_to_json(p), *v, *nodes, *links, *stages;
	assert_true(json_object_object_get_ex(o, "lab", &v));
	assert_string_equal(json_object_get_string(v), "star");
	assert_true(json_object_object_get_ex(o, "nodes", &nodes));
	assert_int_equal(json_object_array_length(nodes), 5);
	v = json_object_array_get_idx(nodes, 1);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "container")), "star-h1");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "network_mode")), "default");
	assert_int_equal(json_object_array_length(json_object_object_get(v, "exec")), 1);
	assert_true(json_object_object_get_ex(o, "links", &links));
	assert_int_equal(json_object_array_length(links), 4);
	v = json_object_object_get(json_object_array_get_idx(links, 2), "b");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "bridge")), "br-star");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "interface")), "star-h3");
	assert_true(json_object_object_get_ex(o, "stages", &stages));
	assert_int_equal(json_object_array_length(stages), 5);
	v = json_object_array_get_idx(json_object_array_get_idx(stages, 0), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "step")), "mgmt-network");
	json_object_put(o);
	topo_plan_free(p);
	topo_free(t);
}

static void graph_dot(void **state)
{
	static const char *const examples[] = {"line.clab.yml", "star.clab.yml", "clos.clab.yml"};
	for (size_t k = 0; k < ARRAY_SIZE(examples); k++) {
		struct topo *t = load_example(examples[k]);
		char *dot = topo_graph_dot(t);
		assert_true(!strncmp(dot, "graph \"", 7));
		for (size_t i = 0; i < t->n_nodes; i++) {
			_cleanup_free_ char *q = xasprintf("\"%s\" [shape=", t->nodes[i].name);
			assert_non_null(strstr(dot, q));
		}
		for (size_t i = 0; i < t->n_links; i++) {
			const struct topo_link *l = &t->links[i];
			_cleanup_free_ char *q =
			    xasprintf("\"%s\" -- \"%s\" [taillabel=\"%s\", headlabel=\"%s\"", l->ep[0].node,
				      l->ep[1].node, l->ep[0].ifname, l->ep[1].ifname);
			assert_non_null(strstr(dot, q));
		}
		free(dot);
		topo_free(t);
	}
}

/* Names with quotes or backslashes cannot break out of DOT strings. */
static void graph_dot_escapes(void **state)
{
	static const char yaml[] = "name: esc\n"
				   "topology:\n"
				   "  nodes:\n"
				   "    a: {kind: linux, image: 'evil\"] ; x [label=\"\\\\'}\n";
	struct topo *t = NULL;
	struct err e = {0};
	assert_int_equal(topo_parse_buffer(yaml, sizeof(yaml) - 1, "esc.yml", "/d", &t, &e), 0);
	char *dot = topo_graph_dot(t);
	assert_non_null(strstr(dot, "label=\"a\\nevil\\\"] ; x [label=\\\"\\\\\\\\\"]"));
	free(dot);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(example_line),	 cmocka_unit_test(example_star), cmocka_unit_test(example_clos),
	    cmocka_unit_test(netmode_levels),	 cmocka_unit_test(plan_json),	 cmocka_unit_test(graph_dot),
	    cmocka_unit_test(graph_dot_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
