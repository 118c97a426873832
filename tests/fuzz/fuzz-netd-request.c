/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netd's API request parser: the envelope, then each op's strict parser, and
 * the network state parser on the same bytes. Never crashes, never leaks. */
#include "daemon.h"
#include "network.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	json_object *req = NULL;
	const char *op = NULL;

	if (proto_parse((const char *)data, size, &req, &op, &e) == 0) {
		struct net_spec s;
		struct attach_req a;
		struct detach_req d;
		char **names = NULL;
		struct network *n = NULL;
		if (strcmp(op, "net.create") == 0 && net_spec_parse(req, &s, &e) == 0)
			net_spec_done(&s);
		if (strcmp(op, "attach") == 0 && attach_parse(req, &a, &e) == 0)
			attach_req_done(&a);
		struct link_req l;
		if (strcmp(op, "link.create") == 0)
			(void)!link_parse(req, &l, &e);
		if (strcmp(op, "detach") == 0)
			(void)!detach_parse(req, &d, &e);
		const char *ctr;
		if (strcmp(op, "release") == 0)
			(void)!release_parse(req, &ctr, &e);
		if (names_parse(req, &names, &e) == 0)
			strv_free(names);
		unsigned *st = NULL;
		if (inspect_parse(req, &names, &st, &e) == 0) {
			strv_free(names);
			free(st);
		}
		struct endpoint *ep = NULL;
		if (endpoint_from_state(req, &ep, &e) == 0) {
			json_object_put(endpoint_to_state(ep));
			endpoint_free(ep);
		}
		if (network_from_state(req, &n, &e) == 0) {
			json_object_put(network_to_state(n));
			json_object_put(network_to_inspect(n));
			network_free(n);
		}
		json_object_put(req);
	}
	return 0;
}
