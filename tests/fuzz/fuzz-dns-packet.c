/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the DNS wire parser and everything a packet reaches:
 * dns_msg_parse, dns_rr_next over every record it accepted, the answerer
 * (with a small store, as UDP and as TCP), error responses, and the TCP
 * framing of the same bytes taken as a stream.  Invariants: a message the
 * parser accepts can be walked without error (SOA rdata included), and
 * every response the answerer builds parses again, fits its limit, and
 * carries at most the one SOA of a negative answer in its authority
 * section.
 */
#include <assert.h>
#include "dns.h"

static struct dns_store *store;
static uint8_t out[DNS_MSG_MAX];

static void setup(void)
{
	struct dns_network_opts v6 = { .ipv6 = true };
	struct dns_addr a, b[2], w;
	char *alias[] = { "db", "web", NULL };
	char *web[] = { "web", NULL };

	if (dns_store_new(&store) < 0 || dns_store_network_add(store, "mynet", &v6, NULL) < 0)
		abort();
	(void)!dns_addr_parse("10.0.0.2", &a);
	(void)!dns_addr_parse("10.0.0.3", &b[0]);
	(void)!dns_addr_parse("fd00::3", &b[1]);
	(void)!dns_addr_parse("10.0.0.4", &w);
	if (dns_store_endpoint_add(store, "mynet", "aaaaaaaaaaaa", "a", NULL, NULL, &a, 1, NULL) < 0 ||
	    dns_store_endpoint_add(store, "mynet", "bbbbbbbbbbbb", "b", "bhost", alias, b, 2, NULL) < 0 ||
	    dns_store_endpoint_add(store, "mynet", "cccccccccccc", "c", NULL, web, &w, 1, NULL) < 0)
		abort();
}

static void check_walk(const uint8_t *data, size_t size)
{
	struct dns_msg m;
	struct dns_rr rr;

	if (dns_msg_parse(data, size, &m) < 0)
		return;
	size_t off = m.an_off;
	for (unsigned i = 0; i < (unsigned)m.ancount + m.nscount + m.arcount; i++)
		assert(dns_rr_next(data, size, &off, &rr) == 0);
	assert(off == size);
	if (m.qdcount) {
		uint8_t w[DNS_NAME_WIRE_MAX];
		size_t n;
		if (!strchr(m.q.name, '?'))
			assert(dns_name_encode(m.q.name, w, &n) == 0);
	}
}

static void check_answer(const uint8_t *data, size_t size, bool tcp)
{
	struct dns_answer_result res;
	struct dns_addr src;
	struct dns_msg m;

	(void)!dns_addr_parse("10.0.0.2", &src);
	dns_answer(store, &src, data, size, tcp, out, sizeof(out), &res);
	if (res.action != DNS_ACT_REPLY)
		return;
	assert(res.len >= DNS_HEADER_LEN);
	assert(tcp || res.len <= DNS_UDP_MAX);
	assert(dns_msg_parse(out, res.len, &m) == 0);
	assert(m.flags & DNS_F_QR);
	struct dns_rr rr;
	size_t off = m.an_off;
	for (unsigned i = 0; i < m.ancount; i++)
		assert(dns_rr_next(out, res.len, &off, &rr) == 0);
	assert(m.nscount <= 1);
	for (unsigned i = 0; i < m.nscount; i++) {
		assert(dns_rr_next(out, res.len, &off, &rr) == 0);
		assert(rr.type == DNS_T_SOA && rr.ttl == DNS_NEG_TTL && rr.u.soa.minimum == DNS_NEG_TTL);
		assert(m.ancount == 0 && (m.flags & DNS_F_AA));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t mlen, off = 0;

	if (!store)
		setup();
	check_walk(data, size);
	check_answer(data, size, false);
	check_answer(data, size, true);
	size_t n = dns_error_response(data, size, DNS_RCODE_SERVFAIL, out, DNS_UDP_MIN);
	assert(n == 0 || n >= DNS_HEADER_LEN);
	/* the same bytes as a TCP stream */
	int r;
	while ((r = dns_tcp_frame(data + off, size - off, &mlen)) > 0) {
		check_walk(data + off + 2, mlen);
		off += 2 + mlen;
	}
	return 0;
}
