/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Topology files: the model, inheritance, names, links, and every error with
 * its file:line:column, including hostile input. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <cmocka.h>
#include "topology.h"

static struct topo *parse_ok(const char *yaml)
{
	struct topo *t = NULL;
	struct err e = {0};
	int r = topo_parse_buffer(yaml, strlen(yaml), "t.yml", "/labs/x", &t, &e);
	if (r < 0)
		fail_msg("unexpected error: %s", err_msg(&e));
	assert_non_null(t);
	return t;
}

/* Parse must fail with exactly this message. */
static void parse_err_len(const char *yaml, size_t len, int code, const char *msg)
{
	struct topo *t = NULL;
	struct err e = {0};
	int r = topo_parse_buffer(yaml, len, "t.yml", "/labs/x", &t, &e);
	assert_null(t);
	if (r != -code)
		fail_msg("expected %d, got %d (%s)", -code, r, err_msg(&e));
	assert_string_equal(err_msg(&e), msg);
}

static void parse_err(const char *yaml, const char *msg)
{
	parse_err_len(yaml, strlen(yaml), EINVAL, msg);
}

#define TWO_NODES                                                                                                      \
	"name: lab\n"                                                                                                  \
	"topology:\n"                                                                                                  \
	"  nodes:\n"                                                                                                   \
	"    a: {kind: linux, image: busybox}\n"                                                                       \
	"    b: {kind: linux, image: busybox}\n"

static const char *kv_get(const struct topo_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].value;
	return NULL;
}

static void minimal_file(void **state)
{
	struct topo *t =
	    parse_ok("name: lab1\ntopology:\n  nodes:\n    n1:\n      kind: linux\n      image: busybox\n");
	assert_string_equal(t->name, "lab1");
	assert_null(t->prefix);
	assert_int_equal(t->n_nodes, 1);
	assert_string_equal(t->nodes[0].name, "n1");
	assert_int_equal(t->nodes[0].kind, TOPO_KIND_LINUX);
	assert_string_equal(t->nodes[0].image, "busybox");
	assert_null(t->nodes[0].cmd);
	assert_int_equal(t->nodes[0].netmode, TOPO_NETMODE_DEFAULT);
	assert_int_equal(t->n_links, 0);
	assert_null(t->warnings);
	assert_int_equal(t->nodes[0].mark.line, 4);
	assert_int_equal(t->nodes[0].mark.col, 5);
	topo_free(t);
}

static void every_node_key(void **state)
{
	struct topo *t = parse_ok("name: full\n"
				  "prefix: pfx\n"
				  "mgmt:\n"
				  "  network: fullnet\n"
				  "  ipv4-subnet: 10.9.0.0/24\n"
				  "  ipv6-subnet: fd00:9::/64\n"
				  "  ipv4-gw: 10.9.0.254\n"
				  "  mtu: 1400\n"
				  "  bridge: br-full\n"
				  "topology:\n"
				  "  nodes:\n"
				  "    n1:\n"
				  "      kind: linux\n"
				  "      image: alpine:3.20\n"
				  "      cmd: sleep 9\n"
				  "      entrypoint: /bin/sh -c\n"
				  "      exec: [\"ip link\", \"true\"]\n"
				  "      binds: [\"data:/data\", \"./cfg/a.conf:/etc/a.conf:ro\", \"/abs:/abs\"]\n"
				  "      ports: [\"8080:80\", \"127.0.0.1:53:53/udp\", \"9000-9001:9000-9001\"]\n"
				  "      env: {A: \"1\", B: two, C: }\n"
				  "      env-files: [env/common.env, /etc/x.env]\n"
				  "      labels: {team: net}\n"
				  "      mgmt-ipv4: 10.9.0.11\n"
				  "      mgmt-ipv6: fd00:9::11\n"
				  "      startup-delay: 3\n"
				  "    n2:\n"
				  "      kind: linux\n"
				  "      image: busybox\n"
				  "      network-mode: container:n1\n"
				  "      group: g\n");
	const struct topo_node *n = &t->nodes[0];
	assert_string_equal(t->prefix, "pfx");
	assert_string_equal(t->mgmt.network, "fullnet");
	assert_string_equal(t->mgmt.ipv4_subnet, "10.9.0.0/24");
	assert_string_equal(t->mgmt.ipv6_subnet, "fd00:9::/64");
	assert_string_equal(t->mgmt.ipv4_gw, "10.9.0.254");
	assert_string_equal(t->mgmt.bridge, "br-full");
	assert_int_equal(t->mgmt.mtu, 1400);
	assert_string_equal(n->image, "alpine:3.20");
	assert_string_equal(n->cmd, "sleep 9");
	assert_string_equal(n->entrypoint, "/bin/sh -c");
	assert_int_equal(strv_len(n->exec), 2);
	assert_string_equal(n->exec[0], "ip link");
	assert_int_equal(strv_len(n->binds), 3);
	assert_string_equal(n->binds[0], "/labs/x/data:/data");
	assert_string_equal(n->binds[1], "/labs/x/cfg/a.conf:/etc/a.conf:ro");
	assert_string_equal(n->binds[2], "/abs:/abs");
	assert_int_equal(strv_len(n->ports), 3);
	assert_string_equal(n->ports[1], "127.0.0.1:53:53/udp");
	assert_string_equal(kv_get(n->env, n->n_env, "A"), "1");
	assert_string_equal(kv_get(n->env, n->n_env, "B"), "two");
	assert_string_equal(kv_get(n->env, n->n_env, "C"), "");
	assert_string_equal(n->env_files[0], "/labs/x/env/common.env");
	assert_string_equal(n->env_files[1], "/etc/x.env");
	assert_string_equal(kv_get(n->labels, n->n_labels, "team"), "net");
	assert_string_equal(n->mgmt_ipv4, "10.9.0.11");
	assert_string_equal(n->mgmt_ipv6, "fd00:9::11");
	assert_int_equal(n->startup_delay, 3);
	assert_int_equal(t->nodes[1].netmode, TOPO_NETMODE_CONTAINER);
	assert_string_equal(t->nodes[1].netmode_target, "n1");
	assert_int_equal(t->nodes[1].netmode_node, 0);
	assert_string_equal(t->nodes[1].group, "g");
	topo_free(t);
}

/* defaults < kinds < groups < node, as containerlab's types/topology.go. */
static void inheritance(void **state)
{
	struct topo *t = parse_ok("name: inh\n"
				  "topology:\n"
				  "  defaults:\n"
				  "    kind: linux\n"
				  "    image: img-default\n"
				  "    cmd: cmd-default\n"
				  "    env: {D: d, K: default, G: default, N: default}\n"
				  "    labels: {from: default}\n"
				  "    binds: [\"/d:/shared\", \"/d2:/only-default\"]\n"
				  "    exec: [default]\n"
				  "    ports: [\"1:1\"]\n"
				  "    env-files: [/e/common]\n"
				  "    startup-delay: 1\n"
				  "  kinds:\n"
				  "    linux:\n"
				  "      image: img-kind\n"
				  "      env: {K: kind, G: kind, N: kind}\n"
				  "      exec: [kind]\n"
				  "      binds: [\"/k:/shared\"]\n"
				  "      env-files: [/e/common, /e/kind]\n"
				  "      startup-delay: 2\n"
				  "  groups:\n"
				  "    g:\n"
				  "      image: img-group\n"
				  "      entrypoint: ep-group\n"
				  "      env: {G: group, N: group}\n"
				  "      labels: {from: group}\n"
				  "      exec: [group]\n"
				  "      ports: [\"2:2\", \"3:3\"]\n"
				  "  nodes:\n"
				  "    plain: {}\n"
				  "    grouped:\n"
				  "      group: g\n"
				  "      env: {N: node}\n"
				  "      exec: [node]\n"
				  "      binds: [\"/n:/shared\"]\n"
				  "      startup-delay: 7\n"
				  "    own:\n"
				  "      group: g\n"
				  "      image: img-node\n"
				  "      ports: [\"4:4\"]\n");
	const struct topo_node *plain = &t->nodes[0], *g = &t->nodes[1], *own = &t->nodes[2];

	assert_string_equal(plain->image, "img-kind");
	assert_string_equal(plain->cmd, "cmd-default");
	assert_null(plain->entrypoint);
	assert_string_equal(kv_get(plain->env, plain->n_env, "D"), "d");
	assert_string_equal(kv_get(plain->env, plain->n_env, "K"), "kind");
	assert_string_equal(kv_get(plain->env, plain->n_env, "N"), "kind");
	assert_int_equal(strv_len(plain->exec), 2);
	assert_string_equal(plain->exec[0], "default");
	assert_string_equal(plain->exec[1], "kind");
	assert_int_equal(strv_len(plain->ports), 1);
	assert_int_equal(plain->startup_delay, 2);
	/* binds merge by container path: the kind's /shared replaces the default's */
	assert_int_equal(strv_len(plain->binds), 2);
	assert_string_equal(plain->binds[0], "/k:/shared");
	assert_string_equal(plain->binds[1], "/d2:/only-default");
	/* env-files merge without duplicates */
	assert_int_equal(strv_len(plain->env_files), 2);
	assert_string_equal(plain->env_files[1], "/e/kind");

	assert_string_equal(g->image, "img-group");
	assert_string_equal(g->entrypoint, "ep-group");
	assert_string_equal(g->group, "g");
	assert_string_equal(kv_get(g->env, g->n_env, "D"), "d");
	assert_string_equal(kv_get(g->env, g->n_env, "K"), "kind");
	assert_string_equal(kv_get(g->env, g->n_env, "G"), "group");
	assert_string_equal(kv_get(g->env, g->n_env, "N"), "node");
	assert_string_equal(kv_get(g->labels, g->n_labels, "from"), "group");
	assert_int_equal(strv_len(g->exec), 4);
	assert_string_equal(g->exec[0], "default");
	assert_string_equal(g->exec[1], "kind");
	assert_string_equal(g->exec[2], "group");
	assert_string_equal(g->exec[3], "node");
	assert_int_equal(strv_len(g->ports), 2);
	assert_string_equal(g->ports[0], "2:2");
	assert_string_equal(g->binds[0], "/n:/shared");
	assert_int_equal(g->startup_delay, 7);

	assert_string_equal(own->image, "img-node");
	assert_int_equal(strv_len(own->ports), 1);
	assert_string_equal(own->ports[0], "4:4");
	topo_free(t);
}

/* A group may carry the kind; a kind may carry the group (containerlab). */
static void kind_and_group_cross_reference(void **state)
{
	struct topo *t = parse_ok("name: x\n"
				  "topology:\n"
				  "  groups:\n"
				  "    bridges: {kind: bridge}\n"
				  "    hosts: {kind: linux, image: busybox}\n"
				  "  kinds:\n"
				  "    linux: {group: hosts}\n"
				  "  nodes:\n"
				  "    br0: {group: bridges}\n"
				  "    h1: {group: hosts}\n"
				  "    h2: {kind: linux}\n");
	assert_int_equal(t->nodes[0].kind, TOPO_KIND_BRIDGE);
	assert_int_equal(t->nodes[1].kind, TOPO_KIND_LINUX);
	assert_string_equal(t->nodes[1].image, "busybox");
	assert_string_equal(t->nodes[2].group, "hosts");
	assert_string_equal(t->nodes[2].image, "busybox");
	topo_free(t);
}

static void container_names(void **state)
{
	struct topo *t = parse_ok(TWO_NODES);
	char *n = topo_container_name(t, "a");
	assert_string_equal(n, "lab-a");
	free(n);
	free(t->prefix);
	t->prefix = xstrdup("");
	n = topo_container_name(t, "a");
	assert_string_equal(n, "a");
	free(n);
	free(t->prefix);
	t->prefix = xstrdup("__lab-name");
	n = topo_container_name(t, "a");
	assert_string_equal(n, "lab-a");
	free(n);
	free(t->prefix);
	t->prefix = xstrdup("my");
	n = topo_container_name(t, "a");
	assert_string_equal(n, "my-lab-a");
	free(n);
	topo_free(t);

	t = parse_ok("name: lab\nprefix: \"\"\ntopology:\n  nodes:\n    a: {kind: linux, image: i}\n");
	assert_string_equal(t->prefix, "");
	topo_free(t);
	t = parse_ok("name: lab\nprefix: null\ntopology:\n  nodes:\n    a: {kind: linux, image: i}\n");
	assert_null(t->prefix);
	topo_free(t);
}

static void links_both_forms(void **state)
{
	struct topo *t = parse_ok(TWO_NODES "  links:\n"
					    "    - endpoints: [\"a:eth1\", \"b:eth1\"]\n"
					    "      mtu: 1500\n"
					    "      labels: {x: y}\n"
					    "      vars: {anything: [1, 2]}\n"
					    "    - type: veth\n"
					    "      mtu: 9000\n"
					    "      endpoints:\n"
					    "        - node: a\n"
					    "          interface: eth2\n"
					    "          mac: 02:00:00:00:00:0a\n"
					    "        - {node: b, interface: e-2}\n");
	assert_int_equal(t->n_links, 2);
	assert_string_equal(t->links[0].ep[0].node, "a");
	assert_string_equal(t->links[0].ep[0].ifname, "eth1");
	assert_int_equal(t->links[0].ep[1].node_index, 1);
	assert_int_equal(t->links[0].mtu, 1500);
	assert_string_equal(kv_get(t->links[0].labels, t->links[0].n_labels, "x"), "y");
	assert_int_equal(t->links[0].ep[1].mark.line, 7);
	assert_int_equal(t->links[0].ep[1].mark.col, 29);
	assert_string_equal(t->links[1].ep[0].ifname, "eth2");
	assert_string_equal(t->links[1].ep[0].mac, "02:00:00:00:00:0a");
	assert_string_equal(t->links[1].ep[1].ifname, "e-2");
	assert_null(t->links[1].ep[1].mac);
	assert_int_equal(t->links[1].mtu, 9000);
	topo_free(t);
}

static void bridge_and_netmodes(void **state)
{
	struct topo *t = parse_ok("name: s\n"
				  "topology:\n"
				  "  defaults: {kind: linux, image: busybox}\n"
				  "  nodes:\n"
				  "    br-lan: {kind: bridge}\n"
				  "    h1: {}\n"
				  "    iso: {network-mode: none}\n"
				  "    hostnet: {network-mode: host}\n"
				  "    side: {network-mode: \"container:h1\"}\n"
				  "    outside: {network-mode: \"container:other-container\"}\n"
				  "  links:\n"
				  "    - endpoints: [\"h1:eth1\", \"br-lan:h1-eth1\"]\n"
				  "    - endpoints: [\"iso:eth0\", \"br-lan:iso-eth0\"]\n");
	assert_int_equal(t->nodes[0].kind, TOPO_KIND_BRIDGE);
	assert_int_equal(t->nodes[2].netmode, TOPO_NETMODE_NONE);
	assert_int_equal(t->nodes[3].netmode, TOPO_NETMODE_HOST);
	assert_int_equal(t->nodes[4].netmode_node, 1);
	assert_int_equal(t->nodes[5].netmode, TOPO_NETMODE_CONTAINER);
	assert_int_equal(t->nodes[5].netmode_node, -1);
	topo_free(t);
}

static void anchors_and_merge_keys(void **state)
{
	struct topo *t = parse_ok("name: anc\n"
				  "topology:\n"
				  "  defaults: &d\n"
				  "    kind: linux\n"
				  "    image: busybox\n"
				  "  nodes:\n"
				  "    a:\n"
				  "      <<: *d\n"
				  "      image: alpine\n"
				  "      env: &env {X: \"1\"}\n"
				  "    b:\n"
				  "      env: *env\n"
				  "  links:\n"
				  "    - endpoints: [a:eth1, b:eth1]\n"
				  "      mtu: &m 1400\n"
				  "    - endpoints: [a:eth2, b:eth2]\n"
				  "      mtu: *m\n");
	assert_string_equal(t->nodes[0].image, "alpine");
	assert_string_equal(kv_get(t->nodes[1].env, t->nodes[1].n_env, "X"), "1");
	assert_int_equal(t->links[1].mtu, 1400);
	topo_free(t);
}

static void ignored_keys_warn(void **state)
{
	struct topo *t = parse_ok("name: w\n"
				  "settings: {certificate-authority: {}}\n"
				  "topology:\n"
				  "  nodes:\n"
				  "    a: {kind: linux, image: busybox, image-pull-policy: always}\n");
	assert_int_equal(strv_len(t->warnings), 2);
	assert_string_equal(t->warnings[0], "t.yml:2:11: \"settings\" has no effect on a pontoon lab; ignored");
	assert_string_equal(t->warnings[1],
			    "t.yml:5:38: node \"a\": \"image-pull-policy\" has no effect on a pontoon lab; ignored");
	topo_free(t);
	t = parse_ok(
	    "name: w\ntopology:\n  defaults: {mgmt-ipv4: 172.20.20.9}\n  nodes:\n    a: {kind: linux, image: i}\n");
	assert_int_equal(strv_len(t->warnings), 1);
	assert_string_equal(t->warnings[0], "t.yml:3:25: topology.defaults: mgmt-ipv4 applies only in a node's own "
					    "definition; ignored");
	assert_null(t->nodes[0].mgmt_ipv4);
	topo_free(t);
}

/* ---- errors -------------------------------------------------------------------- */

static void error_structure(void **state)
{
	parse_err("", "t.yml:1:1: a topology file is a mapping with \"name\" and \"topology\"");
	parse_err("- a\n", "t.yml:1:1: a topology file is a mapping with \"name\" and \"topology\"");
	parse_err("topology:\n  nodes: {a: {kind: linux, image: x}}\n", "t.yml:1:1: the topology has no \"name\"");
	parse_err("name: x\n", "t.yml:1:1: the file has no \"topology\" section");
	parse_err("name: x\ntopology: {}\n", "t.yml:2:11: the topology has no nodes (topology.nodes)");
	parse_err("name: [x]\ntopology: {}\n", "t.yml:1:7: \"name\" must be a string, not a list");
	parse_err(
	    "name: x y\ntopology: {}\n",
	    "t.yml:1:7: lab name \"x y\" must be 1-63 letters, digits, '_', '.' or '-', starting with a letter or "
	    "digit");
	parse_err("name: x\ntopology:\n  nodes: [a, b]\n", "t.yml:3:10: topology.nodes must be a mapping, not a list");
	parse_err("name: x\ntopology:\n  nodes:\n    a: [linux]\n",
		  "t.yml:4:8: node \"a\" must be a mapping, not a list");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux}\n", "t.yml:4:5: node \"a\" has no image");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {image: busybox}\n",
		  "t.yml:4:5: node \"a\" has no kind (set kind: linux or kind: bridge)");
	parse_err("name: x\ntopology:\n  nodes:\n    a b: {kind: linux, image: i}\n",
		  "t.yml:4:5: node name \"a b\" must be 1-63 letters, digits, '_', '.' or '-', starting with a letter "
		  "or digit");
	parse_err("name: x\nprefix: \"a/b\"\ntopology: {}\n", "t.yml:2:9: prefix \"a/b\" is not a valid name");
}

/* extra-hosts (run's --add-host): every level's, defaults first, each once;
 * a bad one is refused where it is written */
static void extra_hosts(void **state)
{
	struct topo *t = parse_ok("name: eh\n"
				  "topology:\n"
				  "  defaults:\n"
				  "    extra-hosts: [\"gw:host-gateway\", \"db:10.0.0.5\"]\n"
				  "  kinds:\n"
				  "    linux: {extra-hosts: [\"v6=::1\"]}\n"
				  "  nodes:\n"
				  "    a: {kind: linux, image: busybox, extra-hosts: [\"db:10.0.0.5\", \"x:[fd00::9]\"]}\n"
				  "    b: {kind: linux, image: busybox}\n");
	(void)state;
	char **a = t->nodes[0].extra_hosts, **b = t->nodes[1].extra_hosts;
	assert_int_equal(strv_len(a), 4);
	assert_string_equal(a[0], "gw:host-gateway");
	assert_string_equal(a[1], "db:10.0.0.5");
	assert_string_equal(a[2], "v6=::1");
	assert_string_equal(a[3], "x:[fd00::9]");
	assert_int_equal(strv_len(b), 3);
	topo_free(t);
	parse_err("name: x\ntopology:\n  nodes:\n    a:\n      kind: linux\n      extra-hosts: [\"ok:1.2.3.4\", \"bad\"]\n",
		  "t.yml:6:35: extra-hosts: invalid --add-host \"bad\": use NAME:IP");
	parse_err("name: x\ntopology:\n  defaults:\n    extra-hosts: [\"h:10.0.0.999\"]\n  nodes: {}\n",
		  "t.yml:4:19: extra-hosts: invalid --add-host \"h:10.0.0.999\": \"10.0.0.999\" is not an IP "
		  "address or host-gateway");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, extra-hosts: \"h:1.2.3.4\"}\n",
		  "t.yml:4:35: \"extra-hosts\" must be a list of strings, not a string");
}

static void error_unknown_and_unsupported_keys(void **state)
{
	parse_err("name: x\nlinks: []\ntopology: {}\n", "t.yml:2:1: topology file: unknown key \"links\"");
	parse_err("name: x\ntopology:\n  node: {}\n", "t.yml:3:3: topology: unknown key \"node\"");
	parse_err("name: x\ntopology:\n  nodes:\n    a:\n      kind: linux\n      mgmt_ipv4: 1.2.3.4\n",
		  "t.yml:6:7: node \"a\": unknown key \"mgmt_ipv4\"");
	parse_err("name: x\ntopology:\n  nodes:\n    a:\n      kind: linux\n      memory: 1g\n",
		  "t.yml:6:7: node \"a\": \"memory\" is not supported by pontoon");
	parse_err("name: x\ntopology:\n  defaults:\n    imagee: x\n  nodes: {}\n",
		  "t.yml:4:5: topology.defaults: unknown key \"imagee\"");
	parse_err("name: x\ntopology:\n  kinds:\n    linux: {cmdd: x}\n  nodes: {}\n",
		  "t.yml:4:13: kind \"linux\": unknown key \"cmdd\"");
	parse_err("name: x\ntopology:\n  groups:\n    g: {foo: x}\n  nodes: {}\n",
		  "t.yml:4:9: group \"g\": unknown key \"foo\"");
	parse_err("name: x\nmgmt:\n  ipv4_subnet: 10.0.0.0/24\ntopology: {}\n",
		  "t.yml:3:3: mgmt: unknown key \"ipv4_subnet\"");
	parse_err("name: x\nmgmt:\n  external-access: false\ntopology: {}\n",
		  "t.yml:3:3: mgmt: \"external-access\" is not supported by pontoon");
	parse_err(TWO_NODES "  links:\n    - endpoints: [a:eth1, b:eth1]\n      mtuu: 1\n",
		  "t.yml:8:7: link: unknown key \"mtuu\"");
	parse_err(TWO_NODES
		  "  links:\n    - type: veth\n      endpoints: [{node: a, interface: e1, ifname: x}, b:e1]\n",
		  "t.yml:8:44: link endpoint: unknown key \"ifname\"");
}

static void error_kinds(void **state)
{
	parse_err(
	    "name: x\ntopology:\n  nodes:\n    srl:\n      kind: nokia_srlinux\n      image: ghcr.io/nokia/srlinux\n",
	    "t.yml:5:13: node \"srl\": kind \"nokia_srlinux\" is not supported by pontoon (only linux and bridge)");
	/* the kind that applies is named where it was written: here in defaults */
	parse_err("name: x\ntopology:\n  defaults: {kind: ceos}\n  nodes:\n    a: {image: i}\n",
		  "t.yml:3:20: node \"a\": kind \"ceos\" is not supported by pontoon (only linux and bridge)");
	parse_err("name: x\ntopology:\n  nodes:\n    a-very-long-bridge: {kind: bridge}\n",
		  "t.yml:4:5: bridge node \"a-very-long-bridge\": its name is the host bridge's and must be a valid "
		  "interface name (at most 15 characters, no '/' or ':')");
}

static void error_types(void **state)
{
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, exec: {a: b}}\n",
		  "t.yml:4:38: \"exec\" must be a list of strings, not a mapping");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, binds: [[a]]}\n",
		  "t.yml:4:40: \"binds\" must be a list of strings");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: [i]}\n",
		  "t.yml:4:29: \"image\" must be a string, not a list");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, env: [A=1]}\n",
		  "t.yml:4:37: \"env\" must be a mapping, not a list");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, labels: {a: [1]}}\n",
		  "t.yml:4:44: \"labels\": the value of \"a\" must be a string");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, startup-delay: soon}\n",
		  "t.yml:4:47: \"startup-delay\" must be a number of seconds from 0 to 86400");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, startup-delay: -1}\n",
		  "t.yml:4:47: \"startup-delay\" must be a number of seconds from 0 to 86400");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, binds: [\"relative\"]}\n",
		  "t.yml:4:40: bind \"relative\" must be SOURCE:/CONTAINER/PATH[:OPTIONS]");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, ports: [\"80:http\"]}\n",
		  "t.yml:4:40: port \"80:http\" must be [IP:]HOSTPORT:PORT[/tcp|udp|sctp]");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, network-mode: bridge}\n",
		  "t.yml:4:46: network-mode \"bridge\" must be none, host or container:NAME");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, env: {\"A=B\": c}}\n",
		  "t.yml:4:38: environment variable name \"A=B\" is empty or holds '='");
	parse_err(TWO_NODES "  links: {a: b}\n", "t.yml:6:10: topology.links must be a list, not a mapping");
	parse_err(TWO_NODES "  links:\n    - [a:eth1, b:eth1]\n",
		  "t.yml:7:7: a link must be a mapping with \"endpoints\", not a list");
	parse_err(TWO_NODES "  links:\n    - endpoints: [a:eth1]\n",
		  "t.yml:7:18: a link needs \"endpoints\": a list of exactly two");
	parse_err(TWO_NODES "  links:\n    - endpoints: [a:eth1, b:eth1]\n      mtu: 20\n",
		  "t.yml:8:12: link mtu must be a number from 68 to 65535");
}

static void error_addresses(void **state)
{
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, mgmt-ipv4: 10.0.0.300}\n",
		  "t.yml:4:43: mgmt-ipv4 \"10.0.0.300\" is not an IPv4 address");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, mgmt-ipv4: 172.20.20.5/24}\n",
		  "t.yml:4:43: mgmt-ipv4 \"172.20.20.5/24\" is not an IPv4 address");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, mgmt-ipv6: \"fd00::g\"}\n",
		  "t.yml:4:43: mgmt-ipv6 \"fd00::g\" is not an IPv6 address");
	parse_err("name: x\nmgmt: {ipv4-subnet: 10.0.0.0/33}\ntopology: {}\n",
		  "t.yml:2:21: ipv4-subnet: invalid CIDR '10.0.0.0/33': prefix length 33 out of range 0-32");
	parse_err("name: x\nmgmt: {ipv4-subnet: 172.20.20.1/24}\ntopology: {}\n",
		  "t.yml:2:21: ipv4-subnet: invalid CIDR '172.20.20.1/24': host bits set, did you mean 172.20.20.0/24?");
	parse_err("name: x\nmgmt: {ipv6-subnet: 10.0.0.0/8}\ntopology: {}\n",
		  "t.yml:2:21: ipv6-subnet \"10.0.0.0/8\" is not an IPv6 prefix");
	parse_err("name: x\nmgmt: {ipv4-gw: fe80::1}\ntopology: {}\n",
		  "t.yml:2:17: ipv4-gw \"fe80::1\" is not an IPv4 address");
	/* outside the (default) management subnet, the gateway, or taken */
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, mgmt-ipv4: 10.1.1.1}\n",
		  "t.yml:4:5: node \"a\": mgmt-ipv4 10.1.1.1 is outside the management subnet 172.20.20.0/24");
	parse_err(
	    "name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, mgmt-ipv4: 172.20.20.255}\n",
	    "t.yml:4:5: node \"a\": mgmt-ipv4 172.20.20.255 is the network or broadcast address of 172.20.20.0/24");
	parse_err("name: x\nmgmt: {ipv4-subnet: 10.0.0.0/16}\ntopology:\n  nodes:\n    a: {kind: linux, image: i, "
		  "mgmt-ipv4: 10.0.0.0}\n",
		  "t.yml:5:5: node \"a\": mgmt-ipv4 10.0.0.0 is the network or broadcast address of 10.0.0.0/16");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, mgmt-ipv4: 172.20.20.1}\n",
		  "t.yml:4:5: node \"a\": mgmt-ipv4 172.20.20.1 is the management network's gateway");
	parse_err("name: x\ntopology:\n  defaults: {kind: linux, image: i}\n  nodes:\n"
		  "    a: {mgmt-ipv6: \"3fff:172:20:20::5\"}\n    b: {mgmt-ipv6: \"3fff:172:20:20::5\"}\n",
		  "t.yml:6:5: node \"b\": mgmt-ipv6 3fff:172:20:20::5 is already node \"a\"'s");
	parse_err(TWO_NODES "  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n      mtu: 1500\n    - type: veth\n"
			    "      endpoints: [{node: a, interface: eth2, mac: \"01:00:00:00:00:01\"}, b:eth2]\n",
		  "t.yml:10:19: link endpoint \"a:eth2\": mac \"01:00:00:00:00:01\" is not a unicast MAC address "
		  "(xx:xx:xx:xx:xx:xx)");
	/* with auto subnets only duplicates are checked */
	struct topo *t = parse_ok("name: x\nmgmt: {ipv4-subnet: auto}\ntopology:\n  nodes:\n"
				  "    a: {kind: linux, image: i, mgmt-ipv4: 10.1.1.1}\n");
	topo_free(t);
}

static void error_links(void **state)
{
	parse_err(TWO_NODES "  links:\n    - endpoints: [\"a:eth1\", \"c:eth1\"]\n",
		  "t.yml:7:29: link endpoint \"c:eth1\": no node \"c\" in the topology");
	parse_err(TWO_NODES
		  "  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n    - endpoints: [\"b:eth2\", \"a:eth1\"]\n",
		  "t.yml:8:29: link endpoint \"a:eth1\": interface \"eth1\" of node \"a\" is already used at line 7, "
		  "column 19");
	parse_err(TWO_NODES "  links:\n    - endpoints: [\"a:eth1\", \"a:eth1\"]\n",
		  "t.yml:7:29: link endpoint \"a:eth1\": interface \"eth1\" of node \"a\" is already used at line 7, "
		  "column 19");
	parse_err(TWO_NODES "  links:\n    - endpoints: [\"a:eth0\", \"b:eth1\"]\n",
		  "t.yml:7:19: link endpoint \"a:eth0\": eth0 is node \"a\"'s management interface; use eth1 and up");
	parse_err(TWO_NODES "  links:\n    - endpoints: [\"a\", \"b:eth1\"]\n",
		  "t.yml:7:19: link endpoint \"a\" must be NODE:INTERFACE");
	parse_err(TWO_NODES "  links:\n    - endpoints: [\"a:this-name-is-too-long\", \"b:eth1\"]\n",
		  "t.yml:7:19: link endpoint \"a:this-name-is-too-long\": \"this-name-is-too-long\" is not a valid "
		  "interface name (1-15 characters, no '/', ':' or spaces)");
	parse_err(TWO_NODES "  links:\n    - endpoints: [\"a:eth1\", \"host:a-uplink\"]\n",
		  "t.yml:7:29: link endpoint \"host:a-uplink\": host links are not supported by pontoon");
	parse_err(TWO_NODES "  links:\n    - type: macvlan\n      endpoints: [a:eth1, b:eth1]\n",
		  "t.yml:7:13: link type \"macvlan\" is not supported by pontoon (only veth)");
	parse_err(TWO_NODES "  links:\n    - type: veth\n      endpoints: [{node: a}, b:eth1]\n",
		  "t.yml:8:19: link endpoint needs \"node\" and \"interface\"");
	/* two bridge nodes' host-side interfaces share the host namespace */
	parse_err(
	    "name: x\ntopology:\n  defaults: {kind: linux, image: i}\n  nodes:\n"
	    "    br1: {kind: bridge}\n    br2: {kind: bridge}\n    a: {}\n    b: {}\n"
	    "  links:\n    - endpoints: [a:eth1, br1:port1]\n    - endpoints: [b:eth1, br2:port1]\n",
	    "t.yml:11:27: link endpoint \"br2:port1\": host interface \"port1\" is already used by a link at line "
	    "10, column 27");
	parse_err("name: x\ntopology:\n  defaults: {kind: linux, image: i}\n  nodes:\n"
		  "    a: {}\n    b: {network-mode: \"container:a\"}\n"
		  "  links:\n    - endpoints: [a:eth1, b:eth1]\n",
		  "t.yml:8:27: link endpoint \"b:eth1\": node \"b\" shares another network namespace (network-mode "
		  "container) and cannot have links");
}

static void error_netmode_references(void **state)
{
	parse_err("name: x\ntopology:\n  defaults: {kind: linux, image: i}\n  nodes:\n"
		  "    a: {network-mode: \"container:a\"}\n",
		  "t.yml:5:5: node \"a\": network-mode container:a names the node itself");
	parse_err("name: x\ntopology:\n  defaults: {kind: linux, image: i}\n  nodes:\n"
		  "    a: {network-mode: \"container:b\"}\n    b: {network-mode: \"container:c\"}\n"
		  "    c: {network-mode: \"container:a\"}\n",
		  "t.yml:5:5: node \"a\": network-mode container: references form a cycle");
	parse_err("name: x\ntopology:\n  defaults: {kind: linux, image: i}\n  nodes:\n"
		  "    a: {network-mode: \"container:br\"}\n    br: {kind: bridge}\n",
		  "t.yml:5:5: node \"a\": network-mode container:br names a bridge node");
}

static void error_duplicates(void **state)
{
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i}\n    b: {kind: linux, image: i}\n"
		  "    a: {kind: linux, image: j}\n",
		  "t.yml:6:5: duplicate key \"a\" (first at line 4, column 5)");
	parse_err("name: x\nname: y\ntopology: {}\n", "t.yml:2:1: duplicate key \"name\" (first at line 1, column 1)");
	parse_err("name: x\ntopology:\n  nodes:\n    a: {kind: linux, image: i, image: j}\n",
		  "t.yml:4:32: duplicate key \"image\" (first at line 4, column 22)");
}

/* ---- hostile input ------------------------------------------------------------ */

static void hostile_alias_bomb(void **state)
{
	parse_err("name: x\n"
		  "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		  "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		  "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
		  "t.yml:7:11: document too large after alias expansion (over 200000 nodes)");
	parse_err("name: x\na: *nothing\n",
		  "t.yml:2:4: unknown anchor \"nothing\" (an alias must follow its complete anchor)");
	/* a self-reference never resolves: no cycles in the tree */
	parse_err("name: x\na: &a [*a]\n",
		  "t.yml:2:8: unknown anchor \"a\" (an alias must follow its complete anchor)");
}

static void hostile_many_anchors(void **state)
{
	char *buf = xmalloc(1001 * 24 + 64), *p = buf;
	p += sprintf(p, "name: x\nl: [");
	for (int i = 0; i < 1001; i++)
		p += sprintf(p, "&a%d v,", i);
	strcpy(p, "]\n");
	parse_err(buf, "t.yml:2:7895: too many anchors (the limit is 1000)");
	free(buf);
}

/* With a list of merged mappings, the earlier one wins; the node's own keys win over all. */
static void merge_key_precedence(void **state)
{
	struct topo *t = parse_ok("name: m\n"
				  "topology:\n"
				  "  groups:\n"
				  "    unused: &a {image: from-a, cmd: a}\n"
				  "  nodes:\n"
				  "    n:\n"
				  "      <<: [*a, {image: from-b, cmd: b, entrypoint: b}]\n"
				  "      kind: linux\n"
				  "      cmd: own\n");
	assert_string_equal(t->nodes[0].image, "from-a");
	assert_string_equal(t->nodes[0].cmd, "own");
	assert_string_equal(t->nodes[0].entrypoint, "b");
	topo_free(t);
}

static void hostile_depth(void **state)
{
	char buf[256] = "name: x\na: ";
	for (int i = 0; i < 40; i++)
		strcat(buf, "[");
	parse_err(buf, "t.yml:2:35: nesting deeper than 32 levels");
}

static void hostile_size(void **state)
{
	size_t len = TOPO_MAX_FILE_SIZE + 1;
	char *big = xmalloc(len);
	memset(big, '#', len);
	parse_err_len(big, len, EFBIG, "t.yml: 2097153 bytes is over the limit of 2097152 bytes for a topology file");
	free(big);
}

static void hostile_nul(void **state)
{
	static const char yaml[] = "name: x\ntopology:\n  no\0des: {}\n";
	parse_err_len(yaml, sizeof(yaml) - 1, EINVAL, "t.yml:3:5: NUL character: a topology file is text");
	parse_err("name: \"a\\0b\"\ntopology: {}\n", "t.yml:1:7: NUL character in a string");
}

static void hostile_syntax(void **state)
{
	parse_err("name: x\ntopology: {\n", "t.yml:3:1: while parsing a flow node: did not find expected node content");
	parse_err("name: x\n  bad: indent\n", "t.yml:2:6: mapping values are not allowed in this context");
	parse_err("name: x\n---\nname: y\n", "t.yml:2:1: a topology file holds one YAML document");
	parse_err("---\n---\nname: y\n", "t.yml:2:1: a topology file holds one YAML document");
	parse_err("name: x\n? [a]\n: b\ntopology: {}\n", "t.yml:2:3: mapping keys must be plain strings, not a list");
	parse_err("name: x\n\xff\n", "t.yml:2:1: invalid leading UTF-8 octet");
}

static void hostile_many_keys(void **state)
{
	size_t n = 10001;
	char *buf = xmalloc(n * 16 + 64), *p = buf;
	p += sprintf(p, "name: x\nm: {");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "k%zu: v,", i);
	strcpy(p, "}\n");
	parse_err(buf, "t.yml:2:4: mapping with more than 10000 keys");
	free(buf);
}

/* Defaults copied into every node: a small file must not become a huge model. */
static void hostile_inheritance_amplification(void **state)
{
	char *buf = xmalloc(2000 * 16 + 150 * 16 + 128), *p = buf;
	p += sprintf(p, "name: x\ntopology:\n  defaults:\n    kind: linux\n    image: i\n    env: {");
	for (int i = 0; i < 2000; i++)
		p += sprintf(p, "k%d: v,", i);
	p += sprintf(p, "}\n  nodes:\n");
	for (int i = 0; i < 150; i++)
		p += sprintf(p, "    n%d: {}\n", i);
	parse_err(buf, "t.yml:20:5: node \"n12\": the topology is too large once defaults, kinds and groups apply");
	free(buf);
}

static void parse_file_reads_and_resolves(void **state)
{
	char dir[] = "/tmp/pontoon-topo.XXXXXX", *path;
	struct topo *t = NULL;
	struct err e = {0};
	FILE *f;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/lab.clab.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("name: f\ntopology:\n  nodes:\n    a: {kind: linux, image: i, binds: [\"./d:/d\"]}\n", f);
	fclose(f);
	assert_int_equal(topo_parse_file(path, &t, &e), 0);
	_cleanup_free_ char *want = xasprintf("%s/d:/d", dir);
	assert_string_equal(t->nodes[0].binds[0], want);
	assert_string_equal(t->dir, dir);
	topo_free(t);
	t = NULL;
	assert_int_equal(topo_parse_file("/nonexistent/x.yml", &t, &e), -ENOENT);
	assert_null(t);
	unlink(path);
	rmdir(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(minimal_file),
	    cmocka_unit_test(every_node_key),
	    cmocka_unit_test(inheritance),
	    cmocka_unit_test(kind_and_group_cross_reference),
	    cmocka_unit_test(container_names),
	    cmocka_unit_test(links_both_forms),
	    cmocka_unit_test(bridge_and_netmodes),
	    cmocka_unit_test(anchors_and_merge_keys),
	    cmocka_unit_test(ignored_keys_warn),
	    cmocka_unit_test(error_structure),
	    cmocka_unit_test(error_unknown_and_unsupported_keys),
	    cmocka_unit_test(extra_hosts),
	    cmocka_unit_test(error_kinds),
	    cmocka_unit_test(error_types),
	    cmocka_unit_test(error_addresses),
	    cmocka_unit_test(error_links),
	    cmocka_unit_test(error_netmode_references),
	    cmocka_unit_test(error_duplicates),
	    cmocka_unit_test(hostile_alias_bomb),
	    cmocka_unit_test(hostile_many_anchors),
	    cmocka_unit_test(merge_key_precedence),
	    cmocka_unit_test(hostile_depth),
	    cmocka_unit_test(hostile_size),
	    cmocka_unit_test(hostile_nul),
	    cmocka_unit_test(hostile_syntax),
	    cmocka_unit_test(hostile_many_keys),
	    cmocka_unit_test(hostile_inheritance_amplification),
	    cmocka_unit_test(parse_file_reads_and_resolves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
