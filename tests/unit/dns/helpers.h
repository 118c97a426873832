/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared helpers for the dns unit tests (header-only). */
#ifndef PONTOON_TEST_DNS_HELPERS_H
#define PONTOON_TEST_DNS_HELPERS_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "dns.h"

/* A query for name/type; edns_size 0 means no OPT record. */
static inline size_t make_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t type,
				uint16_t edns_size)
{
	struct dns_builder b;
	dns_builder_init(&b, buf, cap, cap);
	assert_int_equal(dns_build_header(&b, id, DNS_F_RD), 0);
	assert_int_equal(dns_build_question(&b, name, type, DNS_CLASS_IN), 0);
	if (edns_size)
		assert_int_equal(dns_build_opt(&b, edns_size, 0, false), 0);
	return dns_builder_finish(&b);
}

static inline struct dns_addr addr4(const char *s)
{
	struct dns_addr a;
	assert_int_equal(dns_addr_parse(s, &a), 0);
	return a;
}

/* The addresses in the answer section, as text, joined by spaces. */
static inline void answer_addrs(const uint8_t *pkt, size_t len, char *out, size_t cap)
{
	struct dns_msg m;
	struct dns_rr rr;
	size_t off, used = 0;

	out[0] = '\0';
	assert_int_equal(dns_msg_parse(pkt, len, &m), 0);
	off = m.an_off;
	for (unsigned i = 0; i < m.ancount; i++) {
		char a[DNS_NAME_TEXT_MAX] = "";
		assert_int_equal(dns_rr_next(pkt, len, &off, &rr), 0);
		if (rr.type == DNS_T_A)
			inet_ntop(AF_INET, &rr.u.a, a, sizeof(a));
		else if (rr.type == DNS_T_AAAA)
			inet_ntop(AF_INET6, &rr.u.aaaa, a, sizeof(a));
		else if (rr.type == DNS_T_PTR || rr.type == DNS_T_CNAME)
			snprintf(a, sizeof(a), "%s", rr.u.target);
		used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? " " : "", a);
		assert_true(used < cap);
	}
}

#endif
