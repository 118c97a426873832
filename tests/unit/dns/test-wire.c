/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DNS wire codec: round trips, compression, EDNS0, truncation, TCP
 * framing, and hostile packets (truncated, loops, oversized labels and names,
 * counts that lie, bad rdata). */
#include "dns/helpers.h"

static void query_round_trip(void **state)
{
	uint8_t buf[512];
	struct dns_msg m;
	size_t n = make_query(buf, sizeof(buf), 0xbeef, "Web.MyNet", DNS_T_AAAA, 1232);

	assert_int_equal(dns_msg_parse(buf, n, &m), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_true(m.flags & DNS_F_RD);
	assert_false(m.flags & DNS_F_QR);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.arcount, 1);
	assert_string_equal(m.q.name, "Web.MyNet"); /* case kept */
	assert_int_equal(m.q.type, DNS_T_AAAA);
	assert_int_equal(m.q.class, DNS_CLASS_IN);
	assert_true(m.edns);
	assert_int_equal(m.edns_udp_size, 1232);
	assert_int_equal(m.edns_version, 0);
	/* header(12) + 3web5mynet0(11) + type/class(4) + OPT(11) */
	assert_int_equal(n, 12 + 11 + 4 + 11);
}

static void compression_both_ways(void **state)
{
	uint8_t buf[512];
	struct dns_builder b;
	struct in_addr a = { htonl(0x0a000002) };
	struct dns_msg m;
	struct dns_rr rr;

	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_build_header(&b, 1, DNS_F_QR), 0);
	assert_int_equal(dns_build_question(&b, "www.example.com", DNS_T_A, DNS_CLASS_IN), 0);
	size_t after_q = b.len;
	assert_int_equal(dns_build_name_rr(&b, 1, "www.example.com", DNS_T_CNAME, 60, "web.example.com"), 0);
	/* owner: pointer (2); rdata: "web" + pointer to "example.com" = 4 + 2 */
	assert_int_equal(b.len - after_q, 2 + 10 + 6);
	assert_int_equal(dns_build_a(&b, 1, "WEB.example.com", 60, &a), 0);
	assert_int_equal(dns_build_name_rr(&b, 1, "2.0.0.10.in-addr.arpa", DNS_T_PTR, 60, "web.example.com"), 0);
	size_t n = dns_builder_finish(&b);

	assert_int_equal(dns_msg_parse(buf, n, &m), 0);
	assert_int_equal(m.ancount, 3);
	size_t off = m.an_off;
	assert_int_equal(dns_rr_next(buf, n, &off, &rr), 0);
	assert_string_equal(rr.name, "www.example.com");
	assert_string_equal(rr.u.target, "web.example.com");
	assert_int_equal(rr.ttl, 60);
	assert_int_equal(dns_rr_next(buf, n, &off, &rr), 0);
	assert_string_equal(rr.name, "web.example.com"); /* compressed against the CNAME target */
	assert_int_equal(rr.type, DNS_T_A);
	assert_memory_equal(&rr.u.a, &a, 4);
	assert_int_equal(off < n, true);
}

static void srv_record_round_trip(void **state)
{
	uint8_t buf[512];
	struct dns_builder b;
	struct dns_msg m;
	struct dns_rr rr;

	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_build_header(&b, 7, DNS_F_QR), 0);
	assert_int_equal(dns_build_question(&b, "_http._tcp.web", DNS_T_SRV, DNS_CLASS_IN), 0);
	assert_int_equal(dns_build_srv(&b, 1, "_http._tcp.web", 5, 10, 20, 8080, "web.mynet"), 0);
	size_t n = dns_builder_finish(&b);
	assert_int_equal(dns_msg_parse(buf, n, &m), 0);
	size_t off = m.an_off;
	assert_int_equal(dns_rr_next(buf, n, &off, &rr), 0);
	assert_int_equal(rr.u.srv.prio, 10);
	assert_int_equal(rr.u.srv.weight, 20);
	assert_int_equal(rr.u.srv.port, 8080);
	assert_string_equal(rr.u.srv.target, "web.mynet");
}

static void soa_record_round_trip(void **state)
{
	uint8_t buf[512];
	struct dns_builder b;
	struct dns_msg m;
	struct dns_rr rr;
	struct dns_soa soa = { "mynet", "hostmaster.mynet", 7, 3600, 600, 86400, 5 };

	(void)state;
	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_build_header(&b, 7, DNS_F_QR | DNS_RCODE_NXDOMAIN), 0);
	assert_int_equal(dns_build_question(&b, "nope.mynet", DNS_T_A, DNS_CLASS_IN), 0);
	assert_int_equal(dns_build_soa(&b, 2, "mynet", 5, &soa), 0);
	size_t n = dns_builder_finish(&b);
	/* owner, mname and the tail of rname are pointers into the question */
	assert_int_equal(n, 12 + 16 + 2 + 10 + 2 + 13 + 20);
	assert_int_equal(dns_msg_parse(buf, n, &m), 0);
	assert_int_equal(m.nscount, 1);
	size_t off = m.an_off;
	assert_int_equal(dns_rr_next(buf, n, &off, &rr), 0);
	assert_int_equal(rr.type, DNS_T_SOA);
	assert_string_equal(rr.name, "mynet");
	assert_string_equal(rr.u.soa.mname, "mynet");
	assert_string_equal(rr.u.soa.rname, "hostmaster.mynet");
	assert_int_equal(rr.u.soa.serial, 7);
	assert_int_equal(rr.u.soa.refresh, 3600);
	assert_int_equal(rr.u.soa.retry, 600);
	assert_int_equal(rr.u.soa.expire, 86400);
	assert_int_equal(rr.u.soa.minimum, 5);
	/* rdata one byte short of the counters, or one byte longer than the
	 * record: refused (rdlen's low byte sits just before the 35 bytes
	 * of rdata) */
	uint8_t bad[512];
	assert_int_equal(buf[n - 37], 0);
	assert_int_equal(buf[n - 36], 35);
	memcpy(bad, buf, n);
	bad[n - 36] = 34;
	assert_int_equal(dns_msg_parse(bad, n - 1, &m), -EBADMSG);
	bad[n - 36] = 36;
	bad[n] = 0;
	assert_int_equal(dns_msg_parse(bad, n + 1, &m), -EBADMSG);
	/* an rname whose pointer leads forward, past itself: refused */
	memcpy(bad, buf, n);
	bad[n - 22] = 0xc0;
	bad[n - 21] = (uint8_t)(n - 5);
	assert_int_equal(dns_msg_parse(bad, n, &m), -EBADMSG);
	assert_int_equal(dns_msg_parse(buf, n, &m), 0);
	/* a builder too small for it leaves the message as it was */
	dns_builder_init(&b, buf, sizeof(buf), 12 + 16 + 30);
	assert_int_equal(dns_build_header(&b, 7, DNS_F_QR), 0);
	assert_int_equal(dns_build_question(&b, "nope.mynet", DNS_T_A, DNS_CLASS_IN), 0);
	assert_int_equal(dns_build_soa(&b, 2, "mynet", 5, &soa), -EMSGSIZE);
	assert_int_equal(b.len, 12 + 16);
	assert_int_equal(b.counts[2], 0);
}

static void builder_limit_rolls_back(void **state)
{
	uint8_t buf[4096];
	struct dns_builder b;
	struct in_addr a = { htonl(0x0a000001) };
	int r = 0, added = 0;

	dns_builder_init(&b, buf, sizeof(buf), DNS_UDP_MIN);
	assert_int_equal(dns_build_header(&b, 1, DNS_F_QR), 0);
	assert_int_equal(dns_build_question(&b, "web", DNS_T_A, DNS_CLASS_IN), 0);
	while ((r = dns_build_a(&b, 1, "web", 5, &a)) == 0)
		added++;
	assert_int_equal(r, -EMSGSIZE);
	assert_true(b.len <= DNS_UDP_MIN);
	/* 12 + 9 question; each A = 2 + 10 + 4 = 16 */
	assert_int_equal(added, (DNS_UDP_MIN - 21) / 16);
	size_t n = dns_builder_finish(&b);
	struct dns_msg m;
	assert_int_equal(dns_msg_parse(buf, n, &m), 0);
	assert_int_equal(m.ancount, added);
}

static void name_limits(void **state)
{
	uint8_t w[DNS_NAME_WIRE_MAX];
	char name[400];
	size_t n;

	memset(name, 'a', 63);
	name[63] = '\0';
	assert_int_equal(dns_name_encode(name, w, &n), 0);
	assert_int_equal(n, 65);
	name[63] = 'a';
	name[64] = '\0';
	assert_int_equal(dns_name_encode(name, w, &n), -EINVAL); /* label of 64 */

	/* 4 labels of 63 = 4*64 + 1 = 257 octets on the wire: too long */
	n = 0;
	for (int i = 0; i < 4; i++) {
		memset(name + n, 'b', 63);
		n += 63;
		name[n++] = '.';
	}
	name[n - 1] = '\0';
	assert_int_equal(dns_name_encode(name, w, &n), -EINVAL);
	/* 3 x 63 + 1 x 61 = 253 chars, 255 octets: the largest */
	name[3 * 64 + 61] = '\0';
	assert_int_equal(strlen(name), 253);
	assert_int_equal(dns_name_encode(name, w, &n), 0);
	assert_int_equal(n, 255);

	assert_int_equal(dns_name_encode("a..b", w, &n), -EINVAL);
	assert_int_equal(dns_name_encode(".a", w, &n), -EINVAL);
	assert_int_equal(dns_name_encode("a.b.", w, &n), 0);
	assert_int_equal(dns_name_encode(".", w, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(dns_name_encode("", w, &n), 0);
	assert_int_equal(n, 1);
}

/* Every proper prefix of a valid message must be refused, none may crash. */
static void truncated_anywhere_is_refused(void **state)
{
	uint8_t buf[512];
	struct dns_builder b;
	struct in6_addr a6 = IN6ADDR_LOOPBACK_INIT;
	struct dns_msg m;

	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_build_header(&b, 1, DNS_F_QR), 0);
	assert_int_equal(dns_build_question(&b, "a.example", DNS_T_AAAA, DNS_CLASS_IN), 0);
	assert_int_equal(dns_build_name_rr(&b, 1, "a.example", DNS_T_CNAME, 5, "b.example"), 0);
	assert_int_equal(dns_build_aaaa(&b, 1, "b.example", 5, &a6), 0);
	assert_int_equal(dns_build_opt(&b, 4096, 0, true), 0);
	size_t n = dns_builder_finish(&b);
	assert_int_equal(dns_msg_parse(buf, n, &m), 0);
	assert_true(m.edns_do);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dns_msg_parse(buf, i, &m), -EBADMSG);
	/* and one byte too many: counts that claim less than the data */
	buf[n] = 0;
	assert_int_equal(dns_msg_parse(buf, n + 1, &m), -EBADMSG);
}

static const uint8_t hdr_q1[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };

static size_t with_header(uint8_t *buf, const uint8_t *body, size_t n)
{
	memcpy(buf, hdr_q1, sizeof(hdr_q1));
	memcpy(buf + 12, body, n);
	return 12 + n;
}

static void compression_loops_are_refused(void **state)
{
	uint8_t buf[128];
	struct dns_msg m;

	/* pointer to itself */
	static const uint8_t self[] = { 0xc0, 12, 0, 1, 0, 1 };
	assert_int_equal(dns_msg_parse(buf, with_header(buf, self, sizeof(self)), &m), -EBADMSG);
	/* a label, then a pointer back to that label: a -> a -> a ... */
	static const uint8_t back[] = { 1, 'a', 0xc0, 12, 0, 1, 0, 1 };
	assert_int_equal(dns_msg_parse(buf, with_header(buf, back, sizeof(back)), &m), -EBADMSG);
	/* forward pointer */
	static const uint8_t fwd[] = { 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1 };
	assert_int_equal(dns_msg_parse(buf, with_header(buf, fwd, sizeof(fwd)), &m), -EBADMSG);
	/* pointer into the header */
	static const uint8_t hdr[] = { 0xc0, 4, 0, 1, 0, 1 };
	assert_int_equal(dns_msg_parse(buf, with_header(buf, hdr, sizeof(hdr)), &m), -EBADMSG);
	/* pointer cut in half */
	static const uint8_t half[] = { 0xc0 };
	assert_int_equal(dns_msg_parse(buf, with_header(buf, half, sizeof(half)), &m), -EBADMSG);
	/* two answers whose names point at each other */
	static const uint8_t a[] = { 0x12, 0x34, 0x81, 0x00, 0, 0, 0, 2, 0, 0, 0, 0,
				     /* 12 */ 0xc0, 24, 0, 1, 0, 1, 0, 0, 0, 5, 0, 0,
				     /* 24 */ 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 0 };
	assert_int_equal(dns_msg_parse(a, sizeof(a), &m), -EBADMSG);
	/* extended label types 0x40 and 0x80 */
	static const uint8_t ext[] = { 0x41, 'a', 0, 0, 1, 0, 1 };
	assert_int_equal(dns_msg_parse(buf, with_header(buf, ext, sizeof(ext)), &m), -EBADMSG);
	static const uint8_t ext2[] = { 0x81, 'a', 0, 0, 1, 0, 1 };
	assert_int_equal(dns_msg_parse(buf, with_header(buf, ext2, sizeof(ext2)), &m), -EBADMSG);
}

static void a_valid_pointer_chain_is_followed(void **state)
{
	/* answer 1 at 28 is "b" + ptr(12 = "example"); answer 2 = ptr(28) */
	static const uint8_t pkt[] = { 0x12, 0x34, 0x81, 0x00, 0, 1, 0, 2, 0, 0, 0, 0,
				       /* 12 */ 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
				       /* 25 pad? no: 25 is answer 1 */ 1, 'b', 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4,
				       10, 0, 0, 1,
				       /* 43 */ 0xc0, 25, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, 2 };
	struct dns_msg m;
	struct dns_rr rr;

	assert_int_equal(dns_msg_parse(pkt, sizeof(pkt), &m), 0);
	size_t off = m.an_off;
	assert_int_equal(dns_rr_next(pkt, sizeof(pkt), &off, &rr), 0);
	assert_string_equal(rr.name, "b.example");
	assert_int_equal(dns_rr_next(pkt, sizeof(pkt), &off, &rr), 0);
	assert_string_equal(rr.name, "b.example");
	assert_int_equal(off, sizeof(pkt));
}

static void oversized_names_are_refused(void **state)
{
	uint8_t buf[600];
	struct dns_msg m;
	size_t n = 12;

	memcpy(buf, hdr_q1, 12);
	/* 5 labels of 63: 320 octets */
	for (int i = 0; i < 5; i++) {
		buf[n++] = 63;
		memset(buf + n, 'x', 63);
		n += 63;
	}
	buf[n++] = 0;
	memcpy(buf + n, "\0\1\0\1", 4);
	n += 4;
	assert_int_equal(dns_msg_parse(buf, n, &m), -EBADMSG);

	/* a long name reached through pointers: 200 octets + ptr to 200 more */
	static uint8_t p2[12 + 2 * 256 + 8];
	memcpy(p2, "\x12\x34\x81\0\0\0\0\2\0\0\0\0", 12);
	n = 12;
	size_t first = n;
	for (int i = 0; i < 3; i++) {
		p2[n++] = 60;
		memset(p2 + n, 'y', 60);
		n += 60;
	}
	p2[n++] = 0; /* 184 octets, fine on its own */
	memcpy(p2 + n, "\0\1\0\1\0\0\0\5\0\0", 10);
	n += 10;
	for (int i = 0; i < 2; i++) {
		p2[n++] = 60;
		memset(p2 + n, 'z', 60);
		n += 60;
	}
	p2[n++] = 0xc0;
	p2[n++] = (uint8_t)first; /* 122 + 184 = 306 octets */
	memcpy(p2 + n, "\0\1\0\1\0\0\0\5\0\0", 10);
	n += 10;
	assert_int_equal(dns_msg_parse(p2, n, &m), -EBADMSG);
}

static void counts_that_lie_are_refused(void **state)
{
	uint8_t buf[512], bad[512];
	struct dns_msg m;
	size_t n = make_query(buf, sizeof(buf), 1, "web", DNS_T_A, 0);

	memcpy(bad, buf, n);
	bad[5] = 2; /* two questions, one present */
	assert_int_equal(dns_msg_parse(bad, n, &m), -EBADMSG);
	memcpy(bad, buf, n);
	bad[7] = 1; /* one answer, none present */
	assert_int_equal(dns_msg_parse(bad, n, &m), -EBADMSG);
	memcpy(bad, buf, n);
	bad[4] = 0xff; bad[5] = 0xff; /* 65535 questions */
	assert_int_equal(dns_msg_parse(bad, n, &m), -EBADMSG);
	memcpy(bad, buf, n);
	bad[11] = 0xff; /* 255 additional */
	assert_int_equal(dns_msg_parse(bad, n, &m), -EBADMSG);
	memcpy(bad, buf, n);
	bad[5] = 0; /* no question, but bytes left */
	assert_int_equal(dns_msg_parse(bad, n, &m), -EBADMSG);
	assert_int_equal(dns_msg_parse(buf, 11, &m), -EBADMSG);
	assert_int_equal(dns_msg_parse(NULL, 0, &m), -EBADMSG);
	assert_int_equal(dns_msg_parse(buf, 70000, &m), -EMSGSIZE);
}

static void bad_rdata_is_refused(void **state)
{
	struct dns_msg m;
	/* A record with rdlen 5 */
	static const uint8_t a5[] = { 0, 1, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1, 0, 0, 0, 5,
				      0, 5, 1, 2, 3, 4, 5 };
	assert_int_equal(dns_msg_parse(a5, sizeof(a5), &m), -EBADMSG);
	/* rdlen past the end */
	static const uint8_t over[] = { 0, 1, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 16, 0, 1, 0, 0, 0, 5,
					0, 9, 1, 2, 3 };
	assert_int_equal(dns_msg_parse(over, sizeof(over), &m), -EBADMSG);
	/* CNAME whose name runs past its rdata */
	static const uint8_t cn[] = { 0, 1, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 5, 0, 1, 0, 0, 0, 5,
				      0, 2, 1, 'b', 0 };
	assert_int_equal(dns_msg_parse(cn, sizeof(cn), &m), -EBADMSG);
	/* CNAME whose name ends before its rdata does */
	static const uint8_t cn2[] = { 0, 1, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 5, 0, 1, 0, 0, 0, 5,
				       0, 4, 1, 'b', 0, 9 };
	assert_int_equal(dns_msg_parse(cn2, sizeof(cn2), &m), -EBADMSG);
	/* OPT in the answer section */
	static const uint8_t opt_an[] = { 0, 1, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(dns_msg_parse(opt_an, sizeof(opt_an), &m), -EBADMSG);
	/* two OPT records */
	static const uint8_t opt2[] = { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0,
					0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(dns_msg_parse(opt2, sizeof(opt2), &m), -EBADMSG);
	/* OPT option whose length overruns the rdata */
	static const uint8_t optlen[] = { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 6,
					  0, 10, 0, 8, 1, 2 };
	assert_int_equal(dns_msg_parse(optlen, sizeof(optlen), &m), -EBADMSG);
	/* OPT with a non-root owner */
	static const uint8_t optname[] = { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 'a', 0, 0, 41, 0x10, 0, 0, 0, 0, 0,
					   0, 0 };
	assert_int_equal(dns_msg_parse(optname, sizeof(optname), &m), -EBADMSG);
	/* SOA with too little rdata */
	static const uint8_t soa[] = { 0, 1, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 6, 0, 1, 0, 0, 0, 5, 0, 4, 0, 0,
				       1, 2 };
	assert_int_equal(dns_msg_parse(soa, sizeof(soa), &m), -EBADMSG);
}

static void odd_label_bytes_never_match_text(void **state)
{
	/* a label holding a dot and a space: text replaces them with '?' */
	static const uint8_t q[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'b', '.', 'm', ' ', 'x', 0, 0, 1, 0, 1 };
	struct dns_msg m;
	assert_int_equal(dns_msg_parse(q, sizeof(q), &m), 0);
	assert_string_equal(m.q.name, "b?m?x");
}

static void tcp_framing(void **state)
{
	uint8_t buf[1024];
	size_t n1 = make_query(buf + 2, 500, 1, "a", DNS_T_A, 0);
	size_t mlen;

	buf[0] = 0;
	buf[1] = (uint8_t)n1;
	size_t n2 = make_query(buf + 4 + n1, 500, 2, "b", DNS_T_A, 0);
	buf[2 + n1] = 0;
	buf[3 + n1] = (uint8_t)n2;
	size_t total = 4 + n1 + n2;

	assert_int_equal(dns_tcp_frame(buf, 0, &mlen), 0);
	assert_int_equal(dns_tcp_frame(buf, 1, &mlen), 0);
	assert_int_equal(dns_tcp_frame(buf, 2 + n1 - 1, &mlen), 0); /* prefix larger than the data: wait */
	assert_int_equal(dns_tcp_frame(buf, total, &mlen), 1);
	assert_int_equal(mlen, n1);
	assert_int_equal(dns_tcp_frame(buf + 2 + n1, total - 2 - n1, &mlen), 1);
	assert_int_equal(mlen, n2);

	uint8_t zero[4] = { 0, 0, 0, 0 };
	assert_int_equal(dns_tcp_frame(zero, 4, &mlen), -EBADMSG);
	uint8_t small[4] = { 0, 5, 1, 2 };
	assert_int_equal(dns_tcp_frame(small, 4, &mlen), -EBADMSG);
	uint8_t huge[4] = { 0xff, 0xff, 1, 2 };
	assert_int_equal(dns_tcp_frame(huge, 4, &mlen), 0);
}

static void upstream_and_addr_parsing(void **state)
{
	struct dns_upstream u;
	struct sockaddr_in *sin = (struct sockaddr_in *)&u.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&u.ss;

	assert_int_equal(dns_upstream_parse("127.0.0.1:5353", 53, &u), 0);
	assert_int_equal(ntohs(sin->sin_port), 5353);
	assert_int_equal(dns_upstream_parse("10.0.0.1", 53, &u), 0);
	assert_int_equal(ntohs(sin->sin_port), 53);
	assert_int_equal(dns_upstream_parse("[::1]:5300", 53, &u), 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 5300);
	assert_int_equal(dns_upstream_parse("fd00::53", 53, &u), 0);
	assert_int_equal(ntohs(sin6->sin6_port), 53);
	assert_int_equal(dns_upstream_parse("1.2.3.4:0", 53, &u), -EINVAL);
	assert_int_equal(dns_upstream_parse("1.2.3.4:65536", 53, &u), -EINVAL);
	assert_int_equal(dns_upstream_parse("[::1", 53, &u), -EINVAL);
	assert_int_equal(dns_upstream_parse("[::1]x", 53, &u), -EINVAL);
	assert_int_equal(dns_upstream_parse("host:53", 53, &u), -EINVAL);
	assert_int_equal(dns_upstream_parse("", 53, &u), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_round_trip),
		cmocka_unit_test(compression_both_ways),
		cmocka_unit_test(srv_record_round_trip),
		cmocka_unit_test(soa_record_round_trip),
		cmocka_unit_test(builder_limit_rolls_back),
		cmocka_unit_test(name_limits),
		cmocka_unit_test(truncated_anywhere_is_refused),
		cmocka_unit_test(compression_loops_are_refused),
		cmocka_unit_test(a_valid_pointer_chain_is_followed),
		cmocka_unit_test(oversized_names_are_refused),
		cmocka_unit_test(counts_that_lie_are_refused),
		cmocka_unit_test(bad_rdata_is_refused),
		cmocka_unit_test(odd_label_bytes_never_match_text),
		cmocka_unit_test(tcp_framing),
		cmocka_unit_test(upstream_and_addr_parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
