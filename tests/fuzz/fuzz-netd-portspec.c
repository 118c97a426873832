/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -p specs: parse never crashes; what parses formats to a spec that parses
 * back to the same mapping. */
#include <stdlib.h>
#include "netd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], buf[NETD_PORT_STRLEN];
	struct netd_port p, q;
	struct err e = { 0 };
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (netd_port_parse(s, &p, &e) < 0)
		return 0;
	if (p.count == 0 || p.cport == 0 || (unsigned)p.cport + p.count - 1 > 65535 ||
	    (p.hport && (unsigned)p.hport + p.count - 1 > 65535))
		abort();
	netd_port_format(&p, buf, sizeof(buf));
	if (netd_port_parse(buf, &q, &e) < 0 || memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	return 0;
}
