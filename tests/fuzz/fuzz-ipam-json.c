/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: loading a subnet's JSON state. What loads must save to the same
 * text, load again, and keep working (allocate, release). */
#include "ipam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new();
	_cleanup_json_ json_object *o = NULL, *saved = NULL, *again = NULL;
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = NULL, *t = NULL;
	struct ipam_addr a;
	uint64_t n;

	if (size > 1 << 16)
		return 0;
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (!o || ipam_subnet_from_json(o, &s, NULL) < 0)
		return 0;
	saved = ipam_subnet_to_json(s);
	if (ipam_subnet_from_json(saved, &t, NULL) < 0)
		__builtin_trap();
	again = ipam_subnet_to_json(t);
	if (strcmp(json_object_to_json_string(saved), json_object_to_json_string(again)))
		__builtin_trap();
	n = ipam_subnet_count_allocated(t);
	if (ipam_subnet_alloc(t, &a, NULL) == 0) {
		if (!ipam_subnet_is_allocated(t, &a) || ipam_subnet_count_allocated(t) != n + 1 ||
		    ipam_addr_equal(&a, ipam_subnet_gateway(t)) || ipam_prefix_is_reserved(ipam_subnet_prefix(t), &a))
			__builtin_trap();
		if (ipam_subnet_release(t, &a, NULL) < 0 || ipam_subnet_count_allocated(t) != n)
			__builtin_trap();
	}
	return 0;
}
