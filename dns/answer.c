/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One query in, one decision out: a response built from the store, "forward
 * upstream", or "drop".  Pure: no sockets, no clock.
 *
 * What is answered (the asker is the container owning the source address;
 * "visible" means on a network that container is on):
 *   - A/AAAA for a visible container's name, short id, hostname or alias,
 *     bare or with the network name as suffix ("web", "web.mynet"), with
 *     every address of every matching container, rotated per query;
 *     AAAA only on networks with IPv6;
 *   - any other type for such a name: empty NOERROR (MX as Docker; the
 *     name exists, so NXDOMAIN would be a lie);
 *   - PTR for a visible container's address: "<name>.<network>";
 *   - other names under a visible network's name: NXDOMAIN;
 *   - every negative answer we are authoritative for (NXDOMAIN, and NOERROR
 *     with no record of the type asked: "NODATA") carries the zone's SOA in
 *     the authority section, with DNS_NEG_TTL as its TTL and MINIMUM, so a
 *     caching resolver knows how long it may remember it (RFC 2308).  The
 *     zone: the network's name for "x.mynet"; a bare name ("b") or a
 *     reverse name we own is its own apex, since no common parent of such
 *     names is ours.  The serial changes with every update of the store;
 *   - everything else is forwarded, unless every network of the asker is
 *     internal: then NXDOMAIN;
 *   - a forward_only network (the default bridge) has no names: its
 *     containers only get forwarding;
 *   - the asker's link aliases on a network (net connect --link) are
 *     looked up before the names there, as their targets, for the asker
 *     only.
 * Queries from addresses the store does not know are dropped: the server is
 * never an open resolver.
 */
#include <arpa/inet.h>
#include <strings.h>
#include "dns.h"
#include "dns-internal.h"

#define MAX_HITS 16
#define MAX_ANSWER_ADDRS 256

struct hit {
	const struct store_net *net;
	struct store_name *name;
	bool suffixed;                  /* found as "name.network" */
};

static bool parse_octet(const char *s, size_t n, unsigned max, unsigned *ret)
{
	unsigned v = 0;
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "4.3.2.1.in-addr.arpa" / 32 nibbles + "ip6.arpa" (lowercase) -> address */
static bool reverse_addr(const char *lname, struct dns_addr *ret)
{
	size_t n = strlen(lname);
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";

	memset(ret, 0, sizeof(*ret));
	if (n > sizeof(v4) - 1 && !strcmp(lname + n - (sizeof(v4) - 1), v4)) {
		const char *p = lname, *end = lname + n - (sizeof(v4) - 1);
		uint8_t b[4];
		for (int i = 3; i >= 0; i--) {
			const char *dot = i ? memchr(p, '.', (size_t)(end - p)) : end;
			unsigned v;
			if (!dot || !parse_octet(p, (size_t)(dot - p), 255, &v))
				return false;
			b[i] = (uint8_t)v;
			p = dot + 1;
		}
		if (p != end + 1)
			return false;
		ret->family = AF_INET;
		memcpy(&ret->v4, b, 4);
		return true;
	}
	if (n == 63 + sizeof(v6) - 1 && !strcmp(lname + 63, v6)) {
		for (int i = 0; i < 32; i++) {
			int h = hexval(lname[2 * i]);
			if (h < 0 || (i < 31 && lname[2 * i + 1] != '.'))
				return false;
			uint8_t *byte = &ret->v6.s6_addr[15 - i / 2];
			*byte |= (uint8_t)(i % 2 ? h << 4 : h);
		}
		ret->family = AF_INET6;
		return true;
	}
	return false;
}

static bool net_visible(const struct store_ctr *c, const struct store_net *n)
{
	for (const struct store_ep *ep = c->eps; ep; ep = ep->ctr_next)
		if (ep->net == n)
			return true;
	return false;
}

/* Is lname the network's name, or under it?  Then we are authoritative. */
static bool in_zone(const char *lname, size_t len, const struct store_net *n)
{
	if (len == n->name_len)
		return !strcmp(lname, n->name);
	return len > n->name_len && lname[len - n->name_len - 1] == '.' && !strcmp(lname + len - n->name_len, n->name);
}

/* lname[0..len) on ep's network, for ep's container: its link alias first
 * (what the link's target is there; nothing while the target is not on the
 * network, as Docker: the alias hides the name), else the name itself. */
static struct store_name *lookup(const struct store_ep *ep, const char *lname, size_t len)
{
	for (size_t i = 0; ep->links && ep->links[i] && ep->links[i + 1]; i += 2)
		if (strlen(ep->links[i]) == len && !memcmp(ep->links[i], lname, len))
			return store_find_name(ep->net, ep->links[i + 1], strlen(ep->links[i + 1]));
	return store_find_name(ep->net, lname, len);
}

static size_t find_hits(const struct store_ctr *c, const char *lname, size_t len, struct hit *hits,
			const struct store_net **ret_zone, bool *ret_forwardable)
{
	size_t nh = 0;

	*ret_zone = NULL;
	*ret_forwardable = false;
	for (const struct store_ep *ep = c->eps; ep; ep = ep->ctr_next) {
		const struct store_net *n = ep->net;
		struct store_name *x;
		if (!n->internal)
			*ret_forwardable = true;
		if (n->forward_only)
			continue;
		if ((x = lookup(ep, lname, len)) && nh < MAX_HITS)
			hits[nh++] = (struct hit){ n, x, false };
		if (in_zone(lname, len, n)) {
			size_t l = len - n->name_len - 1;
			if (!*ret_zone)
				*ret_zone = n;
			if (len > n->name_len && (x = lookup(ep, lname, l)) && nh < MAX_HITS)
				hits[nh++] = (struct hit){ n, x, true };
		}
	}
	return nh;
}

/* Every address of the hits in one family, deduplicated. */
static size_t collect_addrs(const struct hit *hits, size_t nh, int family, struct dns_addr *out)
{
	size_t n = 0;

	for (size_t h = 0; h < nh; h++) {
		if (family == AF_INET6 && !hits[h].net->ipv6)
			continue;
		for (size_t i = 0; i < hits[h].name->n; i++) {
			const struct store_ep *ep = hits[h].name->eps[i];
			for (size_t k = 0; k < ep->n_addrs && n < MAX_ANSWER_ADDRS; k++) {
				if (ep->addrs[k].family != family)
					continue;
				bool dup = false;
				for (size_t j = 0; j < n && !dup; j++)
					dup = dns_addr_equal(&out[j], &ep->addrs[k]);
				if (!dup)
					out[n++] = ep->addrs[k];
			}
		}
	}
	return n;
}

struct reply {
	struct dns_builder b;
	const struct dns_msg *q;
	size_t limit;
	uint16_t flags;
	uint32_t serial;
};

static int reply_begin(struct reply *rp, const uint8_t *pkt, const struct dns_msg *q, bool over_tcp, uint8_t *out,
		       size_t cap, int rcode, bool aa)
{
	size_t limit = DNS_UDP_MIN;

	if (over_tcp)
		limit = DNS_MSG_MAX;
	else if (q->edns && q->edns_udp_size > DNS_UDP_MIN)
		limit = q->edns_udp_size < DNS_UDP_MAX ? q->edns_udp_size : DNS_UDP_MAX;
	rp->q = q;
	rp->limit = limit;
	rp->flags = DNS_F_QR | DNS_F_RA | (q->flags & (DNS_F_RD | DNS_F_CD)) | (aa ? DNS_F_AA : 0) | (uint16_t)rcode;
	/* room for our OPT record (11 bytes) is kept back until the end */
	dns_builder_init(&rp->b, out, cap, limit - (q->edns ? 11 : 0));
	if (dns_build_header(&rp->b, q->id, rp->flags) < 0)
		return -EMSGSIZE;
	return dns_build_question_raw(&rp->b, pkt + DNS_HEADER_LEN, q->q_end - DNS_HEADER_LEN);
}

static size_t reply_end(struct reply *rp, uint8_t ext_rcode)
{
	if (rp->q->edns) {
		rp->b.limit = rp->limit < rp->b.cap ? rp->limit : rp->b.cap;
		if (dns_build_opt(&rp->b, DNS_UDP_MAX, ext_rcode, rp->q->edns_do) < 0)
			return 0;
	}
	return dns_builder_finish(&rp->b);
}

static void truncated(struct reply *rp)
{
	rp->flags |= DNS_F_TC;
	dns_builder_set_flags(&rp->b, rp->flags);
}

/* The zone's SOA in the authority section of a negative answer.  Left out
 * when it does not fit (the answer stays right, only not cacheable). */
static void add_soa(struct reply *rp, const char *apex)
{
	char rname[DNS_NAME_TEXT_MAX];
	struct dns_soa soa = { .mname = apex, .rname = rname, .serial = rp->serial, .refresh = 3600,
			       .retry = 600, .expire = 86400, .minimum = DNS_NEG_TTL };

	/* no server transfers these zones: the counters only need to be sane */
	if (strlen(apex) + sizeof("hostmaster.") > DNS_NAME_TEXT_MAX)
		soa.rname = apex;
	else
		snprintf(rname, sizeof(rname), "hostmaster.%s", apex);
	if (dns_build_soa(&rp->b, 2, apex, DNS_NEG_TTL, &soa) < 0)
		log_debug("dns: no room for the SOA of %s", apex);
}

static void answer_addrs(struct reply *rp, struct hit *hits, size_t nh)
{
	struct dns_addr addrs[MAX_ANSWER_ADDRS];
	uint16_t t = rp->q->q.type;
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		int fam = pass == 0 ? AF_INET : AF_INET6;
		if ((fam == AF_INET && t != DNS_T_A && t != DNS_T_ANY) ||
		    (fam == AF_INET6 && t != DNS_T_AAAA && t != DNS_T_ANY))
			continue;
		n = collect_addrs(hits, nh, fam, addrs);
		if (!n)
			continue;
		size_t start = hits[0].name->rr++ % n;
		for (size_t i = 0; i < n; i++) {
			const struct dns_addr *a = &addrs[(start + i) % n];
			/* the owner is the question's name, as asked */
			int r = fam == AF_INET ? dns_build_rr_qowner(&rp->b, 1, DNS_T_A, DNS_TTL, &a->v4, 4)
					       : dns_build_rr_qowner(&rp->b, 1, DNS_T_AAAA, DNS_TTL, &a->v6, 16);
			if (r < 0) {
				truncated(rp);
				return;
			}
		}
	}
}

/* Build the reply for one of our names. */
static size_t reply_own(struct reply *rp, const char *lname, struct hit *hits, size_t nh)
{
	answer_addrs(rp, hits, nh);
	if (!rp->b.counts[1] && !(rp->flags & DNS_F_TC)) /* NODATA */
		add_soa(rp, hits[0].suffixed ? hits[0].net->name : lname);
	return reply_end(rp, 0);
}

static void set_reply(struct dns_answer_result *ret, size_t len)
{
	ret->action = len ? DNS_ACT_REPLY : DNS_ACT_DROP;
	ret->len = len;
}

/* PTR: returns true when decided (reply built), false to go on. */
static bool try_ptr(struct dns_store *s, const struct store_ctr *asker, const uint8_t *pkt, const char *lname,
		    bool over_tcp, uint8_t *out, size_t cap, struct dns_answer_result *ret)
{
	struct dns_addr a;
	struct reply rp;
	char target[DNS_NAME_TEXT_MAX];

	if (!reverse_addr(lname, &a))
		return false;
	const struct store_ep *ep = store_find_addr(s, &a);
	if (!ep || ep->net->forward_only)
		return false;
	if (!net_visible(asker, ep->net)) {
		if (reply_begin(&rp, pkt, &ret->q, over_tcp, out, cap, DNS_RCODE_NXDOMAIN, true) < 0) {
			set_reply(ret, 0);
		} else {
			rp.serial = store_serial(s);
			add_soa(&rp, lname);
			set_reply(ret, reply_end(&rp, 0));
		}
		return true;
	}
	const char *name = ep->ctr->display_name ? ep->ctr->display_name : ep->ctr->short_id;
	if ((size_t)snprintf(target, sizeof(target), "%s.%s", name, ep->net->name) >= sizeof(target))
		snprintf(target, sizeof(target), "%s", name);
	if (reply_begin(&rp, pkt, &ret->q, over_tcp, out, cap, DNS_RCODE_NOERROR, true) < 0) {
		set_reply(ret, 0);
		return true;
	}
	if (dns_build_name_rr(&rp.b, 1, lname, DNS_T_PTR, DNS_TTL, target) < 0)
		truncated(&rp);
	set_reply(ret, reply_end(&rp, 0));
	return true;
}

/* A header-only answer; with a zone (authoritative NXDOMAIN), its SOA. */
static void reply_rcode(const uint8_t *pkt, bool over_tcp, uint8_t *out, size_t cap, int rcode,
			const struct store_net *zone, uint32_t serial, uint8_t ext_rcode, struct dns_answer_result *ret)
{
	struct reply rp;

	if (reply_begin(&rp, pkt, &ret->q, over_tcp, out, cap, rcode, zone != NULL) < 0) {
		set_reply(ret, 0);
		return;
	}
	rp.serial = serial;
	if (zone)
		add_soa(&rp, zone->name);
	set_reply(ret, reply_end(&rp, ext_rcode));
}

void dns_answer(struct dns_store *s, const struct dns_addr *src, const uint8_t *pkt, size_t len, bool over_tcp,
		uint8_t *out, size_t out_cap, struct dns_answer_result *ret)
{
	const struct store_ep *asker_ep = store_find_addr(s, src);
	char lname[DNS_NAME_TEXT_MAX];
	struct hit hits[MAX_HITS];
	const struct store_net *zone;
	uint16_t flags;
	bool forwardable;

	/* not a memset of the whole: the parsed query in it is large */
	ret->action = DNS_ACT_DROP;
	ret->len = 0;
	ret->ups = NULL;
	ret->n_ups = 0;
	ret->q.qdcount = 0;
	ret->q.q.name[0] = '\0';
	if (!asker_ep || dns_header_peek(pkt, len, NULL, &flags) < 0 || (flags & DNS_F_QR))
		return;
	const struct store_ctr *asker = asker_ep->ctr;
	if (dns_msg_parse(pkt, len, &ret->q) < 0) {
		set_reply(ret, dns_error_response(pkt, len, DNS_RCODE_FORMERR, out, out_cap));
		return;
	}
	if (DNS_OPCODE(ret->q.flags) != 0) {
		set_reply(ret, dns_error_response(pkt, len, DNS_RCODE_NOTIMP, out, out_cap));
		return;
	}
	if (ret->q.qdcount != 1) {
		set_reply(ret, dns_error_response(pkt, len, DNS_RCODE_FORMERR, out, out_cap));
		return;
	}
	if (ret->q.edns && ret->q.edns_version > 0) { /* BADVERS = 16: extended rcode 1, header rcode 0 */
		reply_rcode(pkt, over_tcp, out, out_cap, 0, NULL, 0, 1, ret);
		return;
	}

	dns_lower(ret->q.q.name, lname, sizeof(lname));
	size_t llen = strlen(lname);
	if (ret->q.q.class == DNS_CLASS_IN || ret->q.q.class == 255 /* ANY */) {
		if (ret->q.q.type == DNS_T_PTR && try_ptr(s, asker, pkt, lname, over_tcp, out, out_cap, ret))
			return;
		size_t nh = find_hits(asker, lname, llen, hits, &zone, &forwardable);
		if (nh) {
			struct reply rp;
			if (reply_begin(&rp, pkt, &ret->q, over_tcp, out, out_cap, DNS_RCODE_NOERROR, true) < 0) {
				set_reply(ret, 0);
				return;
			}
			rp.serial = store_serial(s);
			set_reply(ret, reply_own(&rp, lname, hits, nh));
			return;
		}
	} else {
		find_hits(asker, "", 0, hits, &zone, &forwardable);
		zone = NULL;
	}
	if (zone || !forwardable) {
		reply_rcode(pkt, over_tcp, out, out_cap, DNS_RCODE_NXDOMAIN, zone, store_serial(s), 0, ret);
		return;
	}
	ret->action = DNS_ACT_FORWARD;
	ret->ups = asker->n_ups ? asker->ups : NULL;
	ret->n_ups = asker->n_ups;
}

size_t dns_error_response(const uint8_t *query, size_t qlen, int rcode, uint8_t *out, size_t out_cap)
{
	struct dns_builder b;
	struct dns_msg m;
	uint16_t id, flags;

	if (dns_header_peek(query, qlen, &id, &flags) < 0)
		return 0;
	dns_builder_init(&b, out, out_cap, DNS_UDP_MIN);
	flags = DNS_F_QR | DNS_F_RA | (flags & (DNS_F_RD | DNS_F_CD | 0x7800)) | (uint16_t)(rcode & 0xf);
	if (dns_build_header(&b, id, flags) < 0)
		return 0;
	if (dns_msg_parse(query, qlen, &m) == 0 && m.qdcount == 1 &&
	    dns_build_question_raw(&b, query + DNS_HEADER_LEN, m.q_end - DNS_HEADER_LEN) < 0)
		return 0;
	return dns_builder_finish(&b);
}
