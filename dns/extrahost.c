/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --add-host specs, as Docker's CLI reads them (pure; fuzzed). */
#include "dns.h"

int dns_extra_host_parse(const char *s, char **ret_name, char **ret_addr, struct err *e)
{
	/* NAME=ADDR first (Docker 25+), else split at the first ':' (so that
	 * "h:::1" is h and ::1) */
	const char *sep = strchr(s, '=');
	if (!sep)
		sep = strchr(s, ':');
	if (!sep || sep == s)
		return err_setx(e, EINVAL, "invalid --add-host \"%.256s\": use NAME:IP", s);
	_cleanup_free_ char *name = xstrndup(s, (size_t)(sep - s));
	if (!dns_name_is_valid(name))
		return err_setx(e, EINVAL, "invalid --add-host \"%.256s\": \"%.256s\" is not a valid host name", s,
				name);
	const char *v = sep + 1;
	size_t len = strlen(v);
	_cleanup_free_ char *addr = NULL;
	/* [ADDR]: brackets are stripped (meant for IPv6, allowed for IPv4) */
	if (len > 2 && v[0] == '[' && v[len - 1] == ']')
		addr = xstrndup(v + 1, len - 2);
	else
		addr = xstrdup(v);
	struct dns_addr a;
	if (strcmp(addr, DNS_HOST_GATEWAY) != 0 && dns_addr_parse(addr, &a) < 0)
		return err_setx(e, EINVAL, "invalid --add-host \"%.256s\": \"%.256s\" is not an IP address or %s", s,
				addr, DNS_HOST_GATEWAY);
	if (ret_name)
		*ret_name = TAKE_PTR(name);
	if (ret_addr)
		*ret_addr = TAKE_PTR(addr);
	return 0;
}
