/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for what an upstream resolver sends back, as the cache of
 * upstream answers takes it: the input is the answer; the question it
 * repeats (when it parses) is asked as a client would, the answer offered to
 * the cache (which reads every record's TTL and the SOA of a negative
 * answer), and asked again from it.  Invariants: whatever the cache hands
 * out parses, carries the asking query's id and question, and no TTL in it
 * is larger than in the answer it came from; the cache never holds more
 * than its bound (2 here: the answer is offered under three scopes, so
 * the oldest goes).  The cache is emptied before each input.
 */
#include <assert.h>
#include <ctype.h>
#include "../../dns/server-internal.h"

static struct dns_store *store;
static struct dns_server *srv;
static uint8_t out[DNS_MSG_MAX];

static void setup(void)
{
	struct dns_server_config cfg = { .resolv_conf = "/nonexistent/resolv.conf", .cache_entries = 2 };

	if (dns_store_new(&store) < 0 || dns_server_new(store, &cfg, &srv, NULL) < 0)
		abort();
}

/* The largest TTL in a parsed message's records (OPT aside). */
static uint32_t max_ttl(const uint8_t *msg, size_t len, const struct dns_msg *m)
{
	size_t off = m->an_off;
	uint32_t max = 0;
	struct dns_rr rr;

	for (unsigned i = 0; i < (unsigned)m->ancount + m->nscount + m->arcount; i++) {
		assert(dns_rr_next(msg, len, &off, &rr) == 0);
		if (rr.type != DNS_T_OPT && rr.ttl > max)
			max = rr.ttl;
	}
	return max;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg a, q, r;
	struct dns_builder b;
	struct dns_upstream up;
	uint8_t query[DNS_UDP_MIN], key[CACHE_KEY_MAX];

	if (!srv)
		setup();
	if (dns_msg_parse(data, size, &a) < 0 || a.qdcount != 1 || strchr(a.q.name, '?'))
		return 0;
	/* the client's query for the question the answer repeats, in upper case */
	char name[DNS_NAME_TEXT_MAX];
	for (size_t i = 0; i <= strlen(a.q.name); i++)
		name[i] = (char)toupper((unsigned char)a.q.name[i]);
	dns_builder_init(&b, query, sizeof(query), sizeof(query));
	if (dns_build_header(&b, 0x7777, a.flags & (DNS_F_RD | DNS_F_CD)) < 0 ||
	    dns_build_question(&b, name, a.q.type, a.q.class) < 0)
		return 0;
	size_t qlen = dns_builder_finish(&b);
	assert(dns_msg_parse(query, qlen, &q) == 0);
	cache_flush(srv);
	size_t klen = 0;
	for (int i = 0; i < 3; i++) {
		char u[32];
		snprintf(u, sizeof(u), "127.0.0.1:%d", 5300 + i);
		(void)!dns_upstream_parse(u, 53, &up);
		klen = cache_key(&q, &up, 1, key, sizeof(key));
		assert(klen > 0);
		cache_store(srv, key, klen, data, size);
		assert(srv->cache_n <= 2);
	}
	size_t n = cache_lookup(srv, key, klen, query, &q, out, sizeof(out));
	if (!n)
		return 0;
	assert(dns_msg_parse(out, n, &r) == 0);
	assert(r.id == 0x7777 && r.q_end == q.q_end && !memcmp(out + DNS_HEADER_LEN, query + DNS_HEADER_LEN,
								q.q_end - DNS_HEADER_LEN));
	assert(max_ttl(out, n, &r) <= max_ttl(data, size, &a));
	return 0;
}
