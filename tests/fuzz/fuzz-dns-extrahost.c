/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --add-host specs: parsing never crashes, and what parses is a valid name
 * and an address (or host-gateway) that parse again as NAME:ADDR. */
#include <stdlib.h>
#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[512];
	char *name = NULL, *addr = NULL, *name2 = NULL, *addr2 = NULL;
	struct dns_addr a;
	struct err e = { 0 };
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (dns_extra_host_parse(s, &name, &addr, &e) < 0)
		return 0;
	if (!dns_name_is_valid(name) || (strcmp(addr, DNS_HOST_GATEWAY) != 0 && dns_addr_parse(addr, &a) < 0))
		abort();
	char *norm = xasprintf("%s:%s", name, addr);
	if (dns_extra_host_parse(norm, &name2, &addr2, &e) < 0 || strcmp(name, name2) || strcmp(addr, addr2))
		abort();
	free(norm);
	free(name);
	free(addr);
	free(name2);
	free(addr2);
	return 0;
}
