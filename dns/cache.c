/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cache of upstream answers: what a forwarded query got back, kept for
 * as long as its TTLs allow, so the same question from the same scope is
 * answered at once the next time instead of going upstream again.
 *
 * Key: the question (lowercase name, type, class), the query's flags that
 * change an answer (RD, CD, EDNS0 present, DO), and the scope: the upstream
 * resolvers it was asked of, in order (a container's --dns, or the host's).
 * Kept: NOERROR with answers for the smallest TTL of its records; NODATA and
 * NXDOMAIN only with an SOA in the authority section, for the smaller of its
 * TTL and MINIMUM (RFC 2308: no SOA, no negative caching); never SERVFAIL,
 * REFUSED or a truncated answer.  Every TTL is capped at CACHE_TTL_MAX, and
 * is counted down when an entry is served (RFC 1035 7.3).  Bounded by entry
 * count and bytes (the least recently used go first); flushed whole when the
 * host's resolvers change.
 */
#include <ctype.h>
#include <strings.h>
#include "server-internal.h"

#define CACHE_TTL_MAX 3600
#define CACHE_MAX_TTLS 256      /* an answer with more records is not kept */

struct cache_entry {
	struct cache_entry *hnext;
	struct cache_entry *prev, *next;        /* LRU: most recent first */
	uint64_t hash;
	uint8_t *key;
	size_t klen;
	uint8_t *msg;
	size_t len;
	size_t q_end;                           /* the question ends here */
	uint64_t stored_ms, expires_ms;
	size_t n_ttl;
	uint16_t *ttl_off;                      /* where each record's TTL is */
};

static uint64_t hash_key(const uint8_t *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 1099511628211ULL;
	return h;
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t cache_key(const struct dns_msg *q, const struct dns_upstream *ups, size_t n_ups, uint8_t *key, size_t cap)
{
	size_t k = 0, nl = strlen(q->q.name);

	if (cap < 6 + nl + n_ups * 19)
		return 0;
	key[k++] = (uint8_t)((q->flags & DNS_F_RD ? 1 : 0) | (q->flags & DNS_F_CD ? 2 : 0) | (q->edns ? 4 : 0) |
			     (q->edns_do ? 8 : 0));
	key[k++] = (uint8_t)(q->q.type >> 8);
	key[k++] = (uint8_t)q->q.type;
	key[k++] = (uint8_t)(q->q.class >> 8);
	key[k++] = (uint8_t)q->q.class;
	key[k++] = (uint8_t)n_ups;
	for (size_t i = 0; i < n_ups; i++) {
		const struct sockaddr_storage *ss = &ups[i].ss;
		if (ss->ss_family == AF_INET) {
			const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
			key[k++] = 4;
			memcpy(key + k, &s->sin_port, 2);
			memcpy(key + k + 2, &s->sin_addr, 4);
			k += 6;
		} else {
			const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
			key[k++] = 6;
			memcpy(key + k, &s->sin6_port, 2);
			memcpy(key + k + 2, &s->sin6_addr, 16);
			k += 18;
		}
	}
	for (size_t i = 0; i < nl; i++) /* '?' for odd bytes: such names are never kept */
		key[k++] = (uint8_t)tolower((unsigned char)q->q.name[i]);
	return k;
}

static void lru_unlink(struct dns_server *srv, struct cache_entry *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->cache_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		srv->cache_tail = c->prev;
	c->prev = c->next = NULL;
}

static void lru_push(struct dns_server *srv, struct cache_entry *c)
{
	c->prev = NULL;
	c->next = srv->cache_head;
	if (srv->cache_head)
		srv->cache_head->prev = c;
	else
		srv->cache_tail = c;
	srv->cache_head = c;
}

static void entry_drop(struct dns_server *srv, struct cache_entry *c)
{
	struct cache_entry **pp = &srv->cache_b[c->hash & (CACHE_BUCKETS - 1)];
	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	lru_unlink(srv, c);
	srv->cache_n--;
	srv->cache_bytes -= c->len + c->klen;
	free(c->key);
	free(c->msg);
	free(c->ttl_off);
	free(c);
}

void cache_flush(struct dns_server *srv)
{
	while (srv->cache_head)
		entry_drop(srv, srv->cache_head);
}

void cache_free(struct dns_server *srv)
{
	cache_flush(srv);
	free(srv->cache_b);
	srv->cache_b = NULL;
}

static struct cache_entry *find(struct dns_server *srv, const uint8_t *key, size_t klen, uint64_t h)
{
	if (!srv->cache_b)
		return NULL;
	for (struct cache_entry *c = srv->cache_b[h & (CACHE_BUCKETS - 1)]; c; c = c->hnext)
		if (c->hash == h && c->klen == klen && !memcmp(c->key, key, klen))
			return c;
	return NULL;
}

size_t cache_lookup(struct dns_server *srv, const uint8_t *key, size_t klen, const uint8_t *query,
		    const struct dns_msg *q, uint8_t *out, size_t cap)
{
	uint64_t h = hash_key(key, klen), now = srv_now_ms();
	struct cache_entry *c = find(srv, key, klen, h);

	if (!c)
		return 0;
	if (now >= c->expires_ms) {
		entry_drop(srv, c);
		return 0;
	}
	/* the question, as this client asked it, is as long as the stored one
	 * (the same name up to case, type and class, no pointer in either) */
	if (c->len > cap || c->q_end != q->q_end)
		return 0;
	memcpy(out, c->msg, c->len);
	out[0] = (uint8_t)(q->id >> 8);
	out[1] = (uint8_t)q->id;
	memcpy(out + DNS_HEADER_LEN, query + DNS_HEADER_LEN, c->q_end - DNS_HEADER_LEN);
	uint32_t age = (uint32_t)((now - c->stored_ms) / 1000);
	for (size_t i = 0; i < c->n_ttl; i++) {
		uint32_t t = get32(c->msg + c->ttl_off[i]);
		put32(out + c->ttl_off[i], t > age ? t - age : 0);
	}
	lru_unlink(srv, c);
	lru_push(srv, c);
	srv->stats.cache_hits++;
	return c->len;
}

/* How long msg may be kept (0: not at all), and where its TTLs are. */
static uint32_t answer_ttl(const uint8_t *msg, size_t len, const struct dns_msg *m, uint16_t *ttl_off, size_t *ret_n)
{
	int rcode = DNS_RCODE(m->flags);
	uint32_t ttl = CACHE_TTL_MAX;
	bool soa = false;
	size_t off = m->an_off, n = 0;
	unsigned total = (unsigned)m->ancount + m->nscount + m->arcount;
	struct dns_rr rr;

	if ((m->flags & DNS_F_TC) || (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN) || m->qdcount != 1 ||
	    strchr(m->q.name, '?') || total > CACHE_MAX_TTLS)
		return 0;
	for (unsigned i = 0; i < total; i++) {
		if (dns_rr_next(msg, len, &off, &rr) < 0)
			return 0;
		if (rr.type == DNS_T_OPT)
			continue; /* its "TTL" holds flags */
		ttl_off[n++] = (uint16_t)(rr.rdata_off - 6);
		if (rr.ttl < ttl)
			ttl = rr.ttl;
		if (rr.type == DNS_T_SOA && i >= m->ancount && i < (unsigned)m->ancount + m->nscount) {
			soa = true;
			if (rr.u.soa.minimum < ttl)
				ttl = rr.u.soa.minimum;
		}
	}
	if ((rcode == DNS_RCODE_NXDOMAIN || m->ancount == 0) && !soa)
		return 0;
	*ret_n = n;
	return ttl;
}

void cache_store(struct dns_server *srv, const uint8_t *key, size_t klen, const uint8_t *msg, size_t len)
{
	uint16_t offs[CACHE_MAX_TTLS];
	struct dns_msg m;
	size_t n = 0;

	if (!srv->cfg.cache_entries || !klen || len > DNS_MSG_MAX || dns_msg_parse(msg, len, &m) < 0)
		return;
	uint32_t ttl = answer_ttl(msg, len, &m, offs, &n);
	if (!ttl || len + klen > srv->cfg.cache_bytes)
		return;
	uint64_t h = hash_key(key, klen), now = srv_now_ms();
	struct cache_entry *old = find(srv, key, klen, h);
	if (old)
		entry_drop(srv, old);
	if (!srv->cache_b)
		srv->cache_b = xcalloc(CACHE_BUCKETS, sizeof(*srv->cache_b));
	while (srv->cache_tail &&
	       (srv->cache_n >= srv->cfg.cache_entries || srv->cache_bytes + len + klen > srv->cfg.cache_bytes))
		entry_drop(srv, srv->cache_tail);
	struct cache_entry *c = xcalloc(1, sizeof(*c));
	c->hash = h;
	c->key = xmalloc(klen);
	memcpy(c->key, key, klen);
	c->klen = klen;
	c->msg = xmalloc(len);
	memcpy(c->msg, msg, len);
	c->len = len;
	c->q_end = m.q_end;
	c->stored_ms = now;
	c->expires_ms = now + (uint64_t)ttl * 1000;
	c->n_ttl = n;
	c->ttl_off = xmalloc((n ? n : 1) * sizeof(*c->ttl_off));
	memcpy(c->ttl_off, offs, n * sizeof(*offs));
	c->hnext = srv->cache_b[h & (CACHE_BUCKETS - 1)];
	srv->cache_b[h & (CACHE_BUCKETS - 1)] = c;
	lru_push(srv, c);
	srv->cache_n++;
	srv->cache_bytes += len + klen;
}
