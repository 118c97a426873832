/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DNS wire format (RFC 1035, EDNS0 from RFC 6891): parse and build.
 *
 * The parser trusts nothing: every read is checked against the message
 * length, a compression pointer must point before the start of the label run
 * that holds it (so a chain of pointers strictly goes backward and always
 * ends), labels are 1-63 octets, names at most 255 octets on the wire, and
 * counts must match the data exactly (no short sections, no trailing bytes).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include "dns.h"
#include "dns-internal.h"

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A label byte as text: anything that could be confused with our own names or
 * with the label separator becomes '?', which no stored name holds. */
static char label_char(uint8_t c)
{
	if (c <= 0x20 || c >= 0x7f || c == '.' || c == '\\')
		return '?';
	return (char)c;
}

/* Read the name at *off.  out may be NULL (only validate/skip). */
static int name_read(const uint8_t *pkt, size_t len, size_t *off, char *out)
{
	size_t pos = *off, run_start = *off, end = 0, wire = 1, tlen = 0;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return -EBADMSG;
		uint8_t c = pkt[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -EBADMSG;
			size_t ptr = (size_t)(c & 0x3f) << 8 | pkt[pos + 1];
			/* strictly before the run we are in, so no loop can form,
			 * and never into the header, whose bytes change between
			 * a query and its response */
			if (ptr >= run_start || ptr < DNS_HEADER_LEN)
				return -EBADMSG;
			if (!jumped) {
				end = pos + 2;
				jumped = true;
			}
			pos = run_start = ptr;
			continue;
		}
		if (c & 0xc0) /* 0x40 and 0x80: extended label types, obsolete */
			return -EBADMSG;
		if (c == 0) {
			pos++;
			break;
		}
		if (pos + 1 + c > len)
			return -EBADMSG;
		wire += 1 + (size_t)c;
		if (wire > DNS_NAME_WIRE_MAX)
			return -EBADMSG;
		if (out) {
			if (tlen)
				out[tlen++] = '.';
			for (size_t i = 0; i < c; i++)
				out[tlen++] = label_char(pkt[pos + 1 + i]);
		}
		pos += 1 + (size_t)c;
	}
	if (out)
		out[tlen] = '\0';
	*off = jumped ? end : pos;
	return 0;
}

int dns_name_decode(const uint8_t *pkt, size_t len, size_t *off, char out[DNS_NAME_TEXT_MAX])
{
	return name_read(pkt, len, off, out);
}

int dns_header_peek(const uint8_t *pkt, size_t len, uint16_t *ret_id, uint16_t *ret_flags)
{
	if (!pkt || len < DNS_HEADER_LEN)
		return -EBADMSG;
	if (ret_id)
		*ret_id = get16(pkt);
	if (ret_flags)
		*ret_flags = get16(pkt + 2);
	return 0;
}

/* A name inside rdata must end exactly where expected (at or before end). */
static int rdata_name(const uint8_t *pkt, size_t end, size_t *off, char *out)
{
	/* Pointers may lead anywhere before; the in-place part must stay in rdata. */
	return name_read(pkt, end, off, out);
}

static int rr_rdata(const uint8_t *pkt, size_t len, struct dns_rr *rr)
{
	size_t off = rr->rdata_off, end = off + rr->rdlen;
	int r;

	switch (rr->type) {
	case DNS_T_A:
		if (rr->rdlen != 4)
			return -EBADMSG;
		memcpy(&rr->u.a, pkt + off, 4);
		return 0;
	case DNS_T_AAAA:
		if (rr->rdlen != 16)
			return -EBADMSG;
		memcpy(&rr->u.aaaa, pkt + off, 16);
		return 0;
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
		r = rdata_name(pkt, end, &off, rr->u.target);
		break;
	case DNS_T_MX:
		if (rr->rdlen < 3)
			return -EBADMSG;
		rr->u.mx.pref = get16(pkt + off);
		off += 2;
		r = rdata_name(pkt, end, &off, rr->u.mx.exchange);
		break;
	case DNS_T_SRV:
		if (rr->rdlen < 7)
			return -EBADMSG;
		rr->u.srv.prio = get16(pkt + off);
		rr->u.srv.weight = get16(pkt + off + 2);
		rr->u.srv.port = get16(pkt + off + 4);
		off += 6;
		r = rdata_name(pkt, end, &off, rr->u.srv.target);
		break;
	case DNS_T_SOA:
		r = rdata_name(pkt, end, &off, rr->u.soa.mname);
		if (r >= 0)
			r = rdata_name(pkt, end, &off, rr->u.soa.rname);
		if (r >= 0 && off + 20 > end)
			return -EBADMSG;
		if (r >= 0) {
			rr->u.soa.serial = get32(pkt + off);
			rr->u.soa.refresh = get32(pkt + off + 4);
			rr->u.soa.retry = get32(pkt + off + 8);
			rr->u.soa.expire = get32(pkt + off + 12);
			rr->u.soa.minimum = get32(pkt + off + 16);
			off += 20;
		}
		break;
	default:
		return 0; /* opaque */
	}
	if (r < 0)
		return r;
	return off == end ? 0 : -EBADMSG;
}

int dns_rr_next(const uint8_t *pkt, size_t len, size_t *off, struct dns_rr *ret)
{
	size_t o = *off;
	int r;

	r = name_read(pkt, len, &o, ret->name);
	if (r < 0)
		return r;
	if (len - o < 10)
		return -EBADMSG;
	ret->type = get16(pkt + o);
	ret->class = get16(pkt + o + 2);
	ret->ttl = get32(pkt + o + 4);
	ret->rdlen = get16(pkt + o + 8);
	o += 10;
	if (len - o < ret->rdlen)
		return -EBADMSG;
	ret->rdata_off = o;
	r = rr_rdata(pkt, len, ret);
	if (r < 0)
		return r;
	*off = o + ret->rdlen;
	return 0;
}

static int parse_opt(const struct dns_rr *rr, const uint8_t *pkt, struct dns_msg *m)
{
	size_t off = rr->rdata_off, end = off + rr->rdlen;

	if (m->edns || rr->name[0] != '\0')
		return -EBADMSG;
	/* options: code(2) length(2) data; each must fit */
	while (off < end) {
		if (end - off < 4)
			return -EBADMSG;
		size_t olen = get16(pkt + off + 2);
		if (end - off - 4 < olen)
			return -EBADMSG;
		off += 4 + olen;
	}
	m->edns = true;
	m->edns_udp_size = rr->class;
	m->edns_ext_rcode = rr->ttl >> 24;
	m->edns_version = (rr->ttl >> 16) & 0xff;
	m->edns_do = rr->ttl & 0x8000;
	return 0;
}

int dns_msg_parse(const uint8_t *pkt, size_t len, struct dns_msg *ret)
{
	struct dns_msg m = { 0 };
	struct dns_rr rr;
	size_t off = DNS_HEADER_LEN;
	int r;

	if (!pkt || len < DNS_HEADER_LEN)
		return -EBADMSG;
	if (len > DNS_MSG_MAX)
		return -EMSGSIZE;
	m.id = get16(pkt);
	m.flags = get16(pkt + 2);
	m.qdcount = get16(pkt + 4);
	m.ancount = get16(pkt + 6);
	m.nscount = get16(pkt + 8);
	m.arcount = get16(pkt + 10);

	for (unsigned i = 0; i < m.qdcount; i++) {
		/* the first question is kept, the others only checked */
		r = name_read(pkt, len, &off, i == 0 ? m.q.name : NULL);
		if (r < 0)
			return r;
		if (len - off < 4)
			return -EBADMSG;
		if (i == 0) {
			m.q.type = get16(pkt + off);
			m.q.class = get16(pkt + off + 2);
		}
		off += 4;
	}
	m.q_end = m.an_off = off;

	unsigned total = (unsigned)m.ancount + m.nscount + m.arcount;
	for (unsigned i = 0; i < total; i++) {
		r = dns_rr_next(pkt, len, &off, &rr);
		if (r < 0)
			return r;
		if (rr.type == DNS_T_OPT) {
			if (i < (unsigned)m.ancount + m.nscount)
				return -EBADMSG; /* OPT only in the additional section */
			r = parse_opt(&rr, pkt, &m);
			if (r < 0)
				return r;
		}
	}
	if (off != len)
		return -EBADMSG; /* counts that claim less than the data */
	*ret = m;
	return 0;
}

/* ---- building ------------------------------------------------------------ */

/* Split a text name into labels.  Returns the number of labels, -EINVAL. */
static int split_labels(const char *name, const char *lab[128], uint8_t llen[128])
{
	size_t n = strlen(name), wire = 1;
	int nl = 0;

	if (n && name[n - 1] == '.')
		n--;
	if (n == 0)
		return 0;
	const char *p = name, *end = name + n;
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t l = dot ? (size_t)(dot - p) : (size_t)(end - p);
		if (l == 0 || l > DNS_LABEL_MAX)
			return -EINVAL;
		wire += 1 + l;
		if (wire > DNS_NAME_WIRE_MAX || nl >= 127)
			return -EINVAL;
		lab[nl] = p;
		llen[nl++] = (uint8_t)l;
		p += l;
		if (dot) {
			p++;
			if (p == end) /* "a..": already stripped one dot; this is an empty label */
				return -EINVAL;
		}
	}
	return nl;
}

int dns_name_encode(const char *name, uint8_t out[DNS_NAME_WIRE_MAX], size_t *ret_len)
{
	const char *lab[128];
	uint8_t llen[128];
	size_t o = 0;
	int n;

	if (!name)
		return -EINVAL;
	if (!strcmp(name, ".")) {
		out[0] = 0;
		*ret_len = 1;
		return 0;
	}
	n = split_labels(name, lab, llen);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		out[o++] = llen[i];
		memcpy(out + o, lab[i], llen[i]);
		o += llen[i];
	}
	out[o++] = 0;
	*ret_len = o;
	return 0;
}

void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	b->limit = limit < cap ? limit : cap;
}

static int put(struct dns_builder *b, const void *data, size_t n)
{
	if (b->len + n > b->limit)
		return -EMSGSIZE;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return 0;
}

static int put_u16(struct dns_builder *b, uint16_t v)
{
	uint8_t x[2];
	put16(x, v);
	return put(b, x, 2);
}

static int put_u32(struct dns_builder *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
	return put(b, x, 4);
}

/* Does the (trusted, our own) name at off equal labels lab[0..n)? */
static bool name_at_equals(const struct dns_builder *b, size_t off, const char *const *lab, const uint8_t *llen,
			   int n)
{
	int i = 0;
	for (int guard = 0; guard < 256 && off < b->len; guard++) {
		uint8_t c = b->buf[off];
		if ((c & 0xc0) == 0xc0) {
			if (off + 1 >= b->len)
				return false;
			off = (size_t)(c & 0x3f) << 8 | b->buf[off + 1];
			continue;
		}
		if (c == 0)
			return i == n;
		if (i >= n || c != llen[i] || off + 1 + c > b->len ||
		    strncasecmp((const char *)b->buf + off + 1, lab[i], c))
			return false;
		off += 1 + (size_t)c;
		i++;
	}
	return false;
}

static int put_name(struct dns_builder *b, const char *name)
{
	const char *lab[128];
	uint8_t llen[128];
	int n = strcmp(name, ".") ? split_labels(name, lab, llen) : 0;
	int hit = -1;
	uint16_t ptr = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && hit < 0; i++)
		for (size_t k = 0; k < b->n_comp; k++)
			if (name_at_equals(b, b->comp[k], lab + i, llen + i, n - i)) {
				hit = i;
				ptr = b->comp[k];
				break;
			}
	int upto = hit < 0 ? n : hit;
	for (int i = 0; i < upto; i++) {
		if (b->len < 0x3fff && b->n_comp < DNS_COMPRESS_MAX)
			b->comp[b->n_comp++] = (uint16_t)b->len;
		uint8_t l = llen[i];
		if (put(b, &l, 1) < 0 || put(b, lab[i], l) < 0)
			return -EMSGSIZE;
	}
	if (hit >= 0)
		return put_u16(b, 0xc000 | ptr);
	uint8_t z = 0;
	return put(b, &z, 1);
}

int dns_build_header(struct dns_builder *b, uint16_t id, uint16_t flags)
{
	uint8_t h[DNS_HEADER_LEN] = { 0 };

	if (b->len != 0)
		return -EINVAL;
	put16(h, id);
	put16(h + 2, flags);
	return put(b, h, sizeof(h));
}

void dns_builder_set_flags(struct dns_builder *b, uint16_t flags)
{
	if (b->len >= DNS_HEADER_LEN)
		put16(b->buf + 2, flags);
}

/* Start an element; on failure, dns_builder_rollback restores the state. */
struct mark {
	size_t len, n_comp;
};

static struct mark mark_of(const struct dns_builder *b)
{
	return (struct mark){ b->len, b->n_comp };
}

static int rollback(struct dns_builder *b, struct mark m, int r)
{
	b->len = m.len;
	b->n_comp = m.n_comp;
	return r;
}

int dns_build_question_raw(struct dns_builder *b, const uint8_t *q, size_t len)
{
	struct mark m = mark_of(b);
	int r;

	if (b->len != DNS_HEADER_LEN || b->counts[0])
		return -EINVAL;
	if ((r = put(b, q, len)) < 0)
		return rollback(b, m, r);
	/* the name and each of its suffixes ("x.mynet", "mynet") can be
	 * pointed at; it holds no pointer itself, and ends before len */
	for (size_t off = 0; off < len && q[off] && q[off] < 0x40 && b->n_comp < DNS_COMPRESS_MAX;
	     off += 1 + (size_t)q[off])
		b->comp[b->n_comp++] = (uint16_t)(DNS_HEADER_LEN + off);
	b->counts[0]++;
	return 0;
}

int dns_build_question(struct dns_builder *b, const char *name, uint16_t type, uint16_t class)
{
	struct mark m = mark_of(b);
	int r;

	if (b->len < DNS_HEADER_LEN || b->counts[1] || b->counts[2] || b->counts[3])
		return -EINVAL;
	if ((r = put_name(b, name)) < 0 || (r = put_u16(b, type)) < 0 || (r = put_u16(b, class)) < 0)
		return rollback(b, m, r);
	b->counts[0]++;
	return 0;
}

/* Name, type, class, ttl and rdata of rdlen bytes (written by the caller's fill). */
static int rr_begin(struct dns_builder *b, int section, const char *name, uint16_t type, uint16_t class,
		    uint32_t ttl, size_t *ret_rdlen_off)
{
	int r;

	if (section < 1 || section > 3 || b->len < DNS_HEADER_LEN)
		return -EINVAL;
	for (int s = section + 1; s <= 3; s++)
		if (b->counts[s])
			return -EINVAL; /* sections are written in order */
	if ((r = put_name(b, name)) < 0 || (r = put_u16(b, type)) < 0 || (r = put_u16(b, class)) < 0 ||
	    (r = put_u32(b, ttl)) < 0)
		return r;
	*ret_rdlen_off = b->len;
	return put_u16(b, 0);
}

static int rr_end(struct dns_builder *b, int section, size_t rdlen_off)
{
	put16(b->buf + rdlen_off, (uint16_t)(b->len - rdlen_off - 2));
	b->counts[section]++;
	return 0;
}

int dns_build_rr_qowner(struct dns_builder *b, int section, uint16_t type, uint32_t ttl, const void *rdata,
			uint16_t rdlen)
{
	uint8_t h[12];

	if (section < 1 || section > 3 || b->counts[0] != 1 || b->len < DNS_HEADER_LEN)
		return -EINVAL;
	for (int s = section + 1; s <= 3; s++)
		if (b->counts[s])
			return -EINVAL; /* sections are written in order */
	if (b->len + sizeof(h) + rdlen > b->limit)
		return -EMSGSIZE;
	put16(h, 0xc000 | DNS_HEADER_LEN);
	put16(h + 2, type);
	put16(h + 4, DNS_CLASS_IN);
	put16(h + 6, (uint16_t)(ttl >> 16));
	put16(h + 8, ttl & 0xffff);
	put16(h + 10, rdlen);
	memcpy(b->buf + b->len, h, sizeof(h));
	memcpy(b->buf + b->len + sizeof(h), rdata, rdlen);
	b->len += sizeof(h) + rdlen;
	b->counts[section]++;
	return 0;
}

int dns_build_a(struct dns_builder *b, int section, const char *name, uint32_t ttl, const struct in_addr *a)
{
	struct mark m = mark_of(b);
	size_t rdl;
	int r;

	if ((r = rr_begin(b, section, name, DNS_T_A, DNS_CLASS_IN, ttl, &rdl)) < 0 || (r = put(b, a, 4)) < 0)
		return rollback(b, m, r);
	return rr_end(b, section, rdl);
}

int dns_build_aaaa(struct dns_builder *b, int section, const char *name, uint32_t ttl, const struct in6_addr *a)
{
	struct mark m = mark_of(b);
	size_t rdl;
	int r;

	if ((r = rr_begin(b, section, name, DNS_T_AAAA, DNS_CLASS_IN, ttl, &rdl)) < 0 || (r = put(b, a, 16)) < 0)
		return rollback(b, m, r);
	return rr_end(b, section, rdl);
}

int dns_build_name_rr(struct dns_builder *b, int section, const char *name, uint16_t type, uint32_t ttl,
		      const char *target)
{
	struct mark m = mark_of(b);
	size_t rdl;
	int r;

	if ((r = rr_begin(b, section, name, type, DNS_CLASS_IN, ttl, &rdl)) < 0 || (r = put_name(b, target)) < 0)
		return rollback(b, m, r);
	return rr_end(b, section, rdl);
}

int dns_build_soa(struct dns_builder *b, int section, const char *zone, uint32_t ttl, const struct dns_soa *soa)
{
	struct mark m = mark_of(b);
	size_t rdl;
	int r;

	if ((r = rr_begin(b, section, zone, DNS_T_SOA, DNS_CLASS_IN, ttl, &rdl)) < 0 ||
	    (r = put_name(b, soa->mname)) < 0 || (r = put_name(b, soa->rname)) < 0 ||
	    (r = put_u32(b, soa->serial)) < 0 || (r = put_u32(b, soa->refresh)) < 0 ||
	    (r = put_u32(b, soa->retry)) < 0 || (r = put_u32(b, soa->expire)) < 0 || (r = put_u32(b, soa->minimum)) < 0)
		return rollback(b, m, r);
	return rr_end(b, section, rdl);
}

int dns_build_srv(struct dns_builder *b, int section, const char *name, uint32_t ttl, uint16_t prio,
		  uint16_t weight, uint16_t port, const char *target)
{
	struct mark m = mark_of(b);
	size_t rdl;
	int r;

	if ((r = rr_begin(b, section, name, DNS_T_SRV, DNS_CLASS_IN, ttl, &rdl)) < 0 ||
	    (r = put_u16(b, prio)) < 0 || (r = put_u16(b, weight)) < 0 || (r = put_u16(b, port)) < 0)
		return rollback(b, m, r);
	/* RFC 2782: the target is not compressed */
	size_t n_comp = b->n_comp;
	b->n_comp = 0;
	r = put_name(b, target);
	b->n_comp = n_comp;
	if (r < 0)
		return rollback(b, m, r);
	return rr_end(b, section, rdl);
}

int dns_build_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, bool dnssec_ok)
{
	struct mark m = mark_of(b);
	uint32_t ttl = (uint32_t)ext_rcode << 24 | (dnssec_ok ? 0x8000 : 0);
	size_t rdl;
	int r;

	if ((r = rr_begin(b, 3, ".", DNS_T_OPT, udp_size, ttl, &rdl)) < 0)
		return rollback(b, m, r);
	return rr_end(b, 3, rdl);
}

size_t dns_builder_finish(struct dns_builder *b)
{
	if (b->len < DNS_HEADER_LEN)
		return 0;
	for (int i = 0; i < 4; i++)
		put16(b->buf + 4 + 2 * i, b->counts[i]);
	return b->len;
}

/* ---- TCP framing ------------------------------------------------------------ */

int dns_tcp_frame(const uint8_t *buf, size_t len, size_t *ret_msglen)
{
	if (len < 2)
		return 0;
	size_t n = get16(buf);
	if (n < DNS_HEADER_LEN)
		return -EBADMSG;
	if (len - 2 < n)
		return 0;
	*ret_msglen = n;
	return 1;
}
