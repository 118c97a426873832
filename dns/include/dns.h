/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dns: pontoon's embedded DNS for user-defined networks.
 *
 *   wire       RFC 1035 messages: parse (bounded, every length and pointer
 *              checked, compression loops refused), encode with name
 *              compression, EDNS0 OPT, truncation (TC) and TCP framing.  Pure.
 *   store      the records: per network, container name, short id, hostname
 *              and aliases -> addresses; the asker's source address -> the
 *              networks it may see.  Pure, in memory, cheap to update.
 *   answer     one query + the store -> a response, or "forward", or "drop".
 *              Pure.
 *   server     UDP and TCP listeners, forwarding to upstream resolvers, all
 *              non-blocking behind one epoll fd a caller embeds in its loop.
 *   render     /etc/hosts and /etc/resolv.conf text for a container, and a
 *              parser for the host's resolv.conf.  Pure.
 *
 * Every function returns 0 or -errno and takes an optional struct err.
 *
 * How netd embeds it (the server on its own thread, so that a slow API
 * client never delays an answer):
 *   start            dns_store_new; dns_server_new(store, &cfg); listeners
 *                    and records as below; dns_server_start()
 *   every store update below: between dns_server_lock() and
 *                    dns_server_unlock(), so that a query sees all of it or
 *                    none of it
 *   network create   dns_store_network_add(name, {internal, ipv6});
 *                    dns_server_listen(gateway, 53) for each gateway address
 *   attach           dns_store_endpoint_add(network, id, name, hostname,
 *                    aliases, addrs); dns_store_container_upstreams(id, --dns)
 *                    -- the next query sees it, so attach can reply at once
 *   detach / rename  dns_store_endpoint_remove / dns_store_container_rename
 *   network rm       dns_server_unlisten; dns_store_network_remove
 * Listeners are never re-bound on a record change.
 */
#ifndef PONTOON_DNS_H
#define PONTOON_DNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "common.h"

/* ---- constants ------------------------------------------------------------ */

#define DNS_TTL 5               /* seconds, for every record we own (addresses change on restart) */
#define DNS_NEG_TTL 5           /* seconds a "no such name / no such record" of ours may be cached
				 * (RFC 2308: the SOA's MINIMUM and its own TTL) */
#define DNS_HEADER_LEN 12
#define DNS_UDP_MIN 512         /* UDP payload without EDNS0 (RFC 1035) */
#define DNS_UDP_MAX 4096        /* the largest EDNS0 buffer we honour or advertise */
#define DNS_MSG_MAX 65535       /* TCP: 16-bit length prefix */
#define DNS_NAME_WIRE_MAX 255   /* a name on the wire, length octets included */
#define DNS_NAME_TEXT_MAX 254   /* a name as text "a.b.c" (253 chars) + NUL */
#define DNS_LABEL_MAX 63

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_ANY = 255,
};
#define DNS_CLASS_IN 1

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
};

/* Header flag bits (host order) and fields. */
#define DNS_F_QR 0x8000
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_F_AD 0x0020
#define DNS_F_CD 0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE(flags) ((flags)&0xf)

/* ---- wire format: parsing ----------------------------------------------------- */

struct dns_question {
	char name[DNS_NAME_TEXT_MAX];   /* text, no trailing dot, "" for the root; case kept */
	uint16_t type;
	uint16_t class;
};

/* A parsed message: header, the first question, the EDNS0 OPT record, and
 * where the resource records start.  dns_msg_parse() has walked and checked
 * every section, so dns_rr_next() over [an_off, end) cannot fail on a message
 * it accepted. */
struct dns_msg {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
	struct dns_question q;          /* valid when qdcount >= 1 */
	size_t q_end;                   /* offset just past the question section */
	size_t an_off;                  /* offset of the first answer RR */
	bool edns;                      /* an OPT record was present */
	uint16_t edns_udp_size;         /* its requestor's payload size (raw) */
	uint8_t edns_version;
	bool edns_do;
	uint8_t edns_ext_rcode;
};

/* One resource record.  name and the names inside CNAME/NS/PTR/MX/SRV rdata
 * are decompressed into text; other rdata stays raw (rdata_off/rdlen). */
struct dns_rr {
	char name[DNS_NAME_TEXT_MAX];
	uint16_t type, class;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata_off;
	union {
		struct in_addr a;
		struct in6_addr aaaa;
		char target[DNS_NAME_TEXT_MAX]; /* CNAME, NS, PTR */
		struct {
			uint16_t pref;
			char exchange[DNS_NAME_TEXT_MAX];
		} mx;
		struct {
			uint16_t prio, weight, port;
			char target[DNS_NAME_TEXT_MAX];
		} srv;
		struct {
			char mname[DNS_NAME_TEXT_MAX], rname[DNS_NAME_TEXT_MAX];
			uint32_t serial, refresh, retry, expire, minimum;
		} soa;
	} u;
};

/* Parse and check a whole message (header, all questions, all RRs, the OPT
 * record).  -EBADMSG on anything malformed: short data, counts that claim more
 * than the data holds, bad pointers (forward, self, loops, out of bounds),
 * labels > 63, names > 255, rdata lengths that overrun or do not match their
 * type, more than one OPT, trailing garbage.  -EMSGSIZE when len > 65535. */
int dns_msg_parse(const uint8_t *pkt, size_t len, struct dns_msg *ret) _wur_;

/* Decode the name at *off into text (lowercase not applied); advances *off
 * past the name as it appears at that place (pointer = 2 bytes). */
int dns_name_decode(const uint8_t *pkt, size_t len, size_t *off, char out[DNS_NAME_TEXT_MAX]) _wur_;

/* Read the RR at *off and advance past it. */
int dns_rr_next(const uint8_t *pkt, size_t len, size_t *off, struct dns_rr *ret) _wur_;

/* Read just the header of a buffer (no checks but length): -EBADMSG if < 12. */
int dns_header_peek(const uint8_t *pkt, size_t len, uint16_t *ret_id, uint16_t *ret_flags) _wur_;

/* ---- wire format: building ---------------------------------------------------- */

#define DNS_COMPRESS_MAX 64

/* Writes a message into a caller's buffer.  limit is the size the message may
 * grow to (512, the client's EDNS0 size, or 65535 over TCP); an RR that would
 * pass it is not written and the call returns -EMSGSIZE, leaving the message
 * as it was, so the caller can set TC.  Names are compressed against every
 * name already written. */
struct dns_builder {
	uint8_t *buf;
	size_t cap, len, limit;
	uint16_t counts[4];     /* qd, an, ns, ar */
	size_t n_comp;
	uint16_t comp[DNS_COMPRESS_MAX]; /* offsets of names (and their suffixes) written */
};

void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, size_t limit);
/* Header with zero counts (counts are filled in by dns_builder_finish). */
int dns_build_header(struct dns_builder *b, uint16_t id, uint16_t flags) _wur_;
int dns_build_question(struct dns_builder *b, const char *name, uint16_t type, uint16_t class) _wur_;
/* An RR in section 1 (answer), 2 (authority) or 3 (additional). */
int dns_build_a(struct dns_builder *b, int section, const char *name, uint32_t ttl, const struct in_addr *a) _wur_;
int dns_build_aaaa(struct dns_builder *b, int section, const char *name, uint32_t ttl, const struct in6_addr *a) _wur_;
/* PTR, CNAME, NS: one name as rdata. */
int dns_build_name_rr(struct dns_builder *b, int section, const char *name, uint16_t type, uint32_t ttl,
		      const char *target) _wur_;
int dns_build_srv(struct dns_builder *b, int section, const char *name, uint32_t ttl, uint16_t prio,
		  uint16_t weight, uint16_t port, const char *target) _wur_;
/* SOA (RFC 1035 3.3.13): the zone's apex as owner, primary server and
 * mailbox names, and the five counters. */
struct dns_soa {
	const char *mname, *rname;
	uint32_t serial, refresh, retry, expire, minimum;
};
int dns_build_soa(struct dns_builder *b, int section, const char *zone, uint32_t ttl, const struct dns_soa *soa) _wur_;
/* OPT pseudo-RR in the additional section. */
int dns_build_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, bool dnssec_ok) _wur_;
/* Set TC and/or change flags after the fact. */
void dns_builder_set_flags(struct dns_builder *b, uint16_t flags);
/* Write the section counts; returns the message length. */
size_t dns_builder_finish(struct dns_builder *b);

/* Encode a text name ("a.b.c", "a.b.c." or "" / "." for the root) without
 * compression.  -EINVAL on empty labels, labels > 63, names > 255 on the wire. */
int dns_name_encode(const char *name, uint8_t out[DNS_NAME_WIRE_MAX], size_t *ret_len) _wur_;

/* ---- TCP framing --------------------------------------------------------------- */

/* Look at buffered TCP bytes: returns 1 with *ret_msglen set to the length of
 * the first complete message (its 2-byte prefix not counted; the message is
 * at buf + 2), 0 when more bytes are needed, -EBADMSG for a zero-length prefix or one shorter than
 * a header.  A prefix larger than the bytes present waits for more; the
 * server's idle timeout and EOF handling end such a connection. */
int dns_tcp_frame(const uint8_t *buf, size_t len, size_t *ret_msglen) _wur_;

/* ---- the record store ---------------------------------------------------------- */

/* An address (v4 or v6) in network byte order. */
struct dns_addr {
	int family;     /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* An upstream resolver: address and port. */
struct dns_upstream {
	struct sockaddr_storage ss;
	socklen_t len;
};

int dns_addr_parse(const char *s, struct dns_addr *ret) _wur_;
/* "ip" or "ip:port" / "[ip6]:port"; default_port when absent. */
int dns_upstream_parse(const char *s, uint16_t default_port, struct dns_upstream *ret) _wur_;
void dns_upstream_from_addr(const struct dns_addr *a, uint16_t port, struct dns_upstream *ret);
bool dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b);

struct dns_store;

struct dns_network_opts {
	bool internal;          /* no forwarding: outside names are NXDOMAIN */
	bool ipv6;              /* the network has IPv6 (AAAA answered) */
	bool forward_only;      /* no names of its own (the default bridge, as in
				 * Docker): its containers are askers whose
				 * queries are only forwarded */
	struct dns_addr listen[2]; /* the addresses its listeners are on (its
				 * gateways): a query that arrives on one of them
				 * is for its own containers only */
	size_t n_listen;        /* 0: its containers may ask any listener */
};

int dns_store_new(struct dns_store **ret) _wur_;
void dns_store_free(struct dns_store *s);
DEFINE_CLEANUP(struct dns_store *, dns_store_free)

/* Networks are named as the user named them ("mynet"); the name is also the
 * suffix under which its containers resolve ("web.mynet").  -EEXIST, -EINVAL
 * (not a valid DNS name).  Removing a network removes its endpoints. */
int dns_store_network_add(struct dns_store *s, const char *network, const struct dns_network_opts *opts,
			  struct err *e) _wur_;
int dns_store_network_remove(struct dns_store *s, const char *network, struct err *e) _wur_;

/* A container joins a network: id (at least 12 hex; its first 12 are the
 * short id that resolves), name and hostname (either may be NULL), aliases
 * (NULL-terminated, may be NULL), its addresses on that network.  Names are
 * matched case-insensitively.  -ENOENT (no such network), -EEXIST (already
 * on it), -EINVAL (bad name, no address), -EADDRINUSE (an address belongs to
 * another container). */
int dns_store_endpoint_add(struct dns_store *s, const char *network, const char *container_id, const char *name,
			   const char *hostname, char *const *aliases, const struct dns_addr *addrs, size_t n_addrs,
			   struct err *e) _wur_;
int dns_store_endpoint_remove(struct dns_store *s, const char *network, const char *container_id,
			      struct err *e) _wur_;
/* Rename a container on every network it is on. */
int dns_store_container_rename(struct dns_store *s, const char *container_id, const char *new_name,
			       struct err *e) _wur_;
/* The container's own upstream resolvers (its --dns), used instead of the
 * host's for the queries it sends; n == 0 goes back to the host's.  The
 * container must be on a network already (-ENOENT). */
int dns_store_container_upstreams(struct dns_store *s, const char *container_id,
				  const struct dns_upstream *ups, size_t n, struct err *e) _wur_;

/* The container's links on a network it is on (net connect --link, as
 * Docker's on user-defined networks): "TARGET:ALIAS" strings, both valid DNS
 * names; NULL clears them.  ALIAS, bare or with the network's name as
 * suffix, then resolves to whatever TARGET (a container's name, alias...)
 * resolves to on that network, for this container only, and before its
 * other names there; while TARGET resolves to nothing the alias is no name
 * at all.  -ENOENT (not on that network), -EINVAL (a bad link; none set). */
int dns_store_endpoint_links(struct dns_store *s, const char *network, const char *container_id,
			     char *const *links, struct err *e) _wur_;

size_t dns_store_count_endpoints(const struct dns_store *s);

/* Whether a query from src that arrived on the listener at dst is to be
 * answered at all: src is a container's address on a network that listens
 * on dst (or that named no listen address).  Anything else gets no reply. */
bool dns_store_serves(const struct dns_store *s, const struct dns_addr *src, const struct dns_addr *dst);

/* ---- answering (pure) ------------------------------------------------------------ */

enum dns_action {
	DNS_ACT_REPLY,          /* out holds the response */
	DNS_ACT_FORWARD,        /* not ours: ask upstream (ret_ups / ret_n_ups) */
	DNS_ACT_DROP,           /* not from a container we serve, or not a query */
};

struct dns_answer_result {
	enum dns_action action;
	size_t len;                             /* REPLY: response length */
	const struct dns_upstream *ups;         /* FORWARD: the asker's own upstreams, or NULL for the host's */
	size_t n_ups;
	struct dns_msg q;                       /* the parsed query (valid unless the query was unparsable) */
};

/* Answer one query that arrived from src.  over_tcp: the response limit is
 * 65535 rather than 512 or the client's EDNS0 size (at most DNS_UDP_MAX).
 * A response that does not fit the limit or out_cap is cut, with TC set, so
 * out_cap DNS_UDP_MAX serves UDP and DNS_MSG_MAX serves TCP. */
void dns_answer(struct dns_store *s, const struct dns_addr *src, const uint8_t *pkt, size_t len, bool over_tcp,
		uint8_t *out, size_t out_cap, struct dns_answer_result *ret);

/* Build a header-only error response echoing the query's question (rcode
 * SERVFAIL, REFUSED...); for a query that could not be parsed, only the id. */
size_t dns_error_response(const uint8_t *query, size_t qlen, int rcode, uint8_t *out, size_t out_cap);

/* ---- the server ----------------------------------------------------------------- */

struct dns_server_config {
	const char *resolv_conf;        /* host resolvers; default /etc/resolv.conf */
	uint16_t resolv_port;           /* port for resolv.conf nameservers; default 53 (tests: a stub's) */
	unsigned upstream_timeout_ms;   /* per upstream; default 2000 */
	unsigned tcp_idle_ms;           /* a TCP client silent this long is closed; default 10000 */
	unsigned max_forwards;          /* queries waiting on upstreams at once; default 1024, then REFUSED */
	unsigned max_tcp_clients;       /* default 256; the oldest idle one is closed beyond */
	unsigned cache_entries;         /* upstream answers kept at most; default 4096 */
	size_t cache_bytes;             /* and their bytes at most; default 4 MiB */
	bool no_cache;                  /* keep no upstream answer at all */
};

struct dns_server;

/* The server answers from store (which the caller keeps and updates; it is
 * read at each query, so an update is seen by the next query).  Without
 * dns_server_start the caller runs the loop (dns_server_process or
 * dns_server_run) in its own thread and may change the store between calls
 * freely. */
int dns_server_new(struct dns_store *store, const struct dns_server_config *cfg, struct dns_server **ret,
		   struct err *e) _wur_;
void dns_server_free(struct dns_server *srv);
DEFINE_CLEANUP(struct dns_server *, dns_server_free)

/* Listen with UDP and TCP on addr:port (port 0 picks one: see ret_port).
 * -EADDRINUSE etc. from bind.  Adding or removing one listener never touches
 * the others. */
int dns_server_listen(struct dns_server *srv, const struct dns_addr *addr, uint16_t port, uint16_t *ret_port,
		      struct err *e) _wur_;
int dns_server_unlisten(struct dns_server *srv, const struct dns_addr *addr, uint16_t port, struct err *e) _wur_;

/* Run the loop on a thread of its own until dns_server_free (which stops and
 * joins it); dns_server_fd/process/run are then not to be used.  From then
 * on, every change to the store is made between dns_server_lock() and
 * dns_server_unlock(): the loop handles no event meanwhile, and it takes at
 * most one event (one batch of queries) before a waiting locker gets in.
 * dns_server_listen, _unlisten and _get_stats lock by themselves (so they are
 * not to be called with the lock held).  The locking costs nothing to a
 * caller that runs the loop itself, and is safe to use there too. */
int dns_server_start(struct dns_server *srv, struct err *e) _wur_;
void dns_server_lock(struct dns_server *srv);
void dns_server_unlock(struct dns_server *srv);

/* One fd (an epoll fd) that becomes readable whenever the server has work;
 * add it to the caller's epoll set (EPOLLIN) and call dns_server_process()
 * when it fires.  dns_server_process never blocks. */
int dns_server_fd(const struct dns_server *srv);
int dns_server_process(struct dns_server *srv) _wur_;

/* Serve until *stop becomes true (checked at least every 100 ms), or for ever
 * when stop is NULL; for tests and the benchmark. */
int dns_server_run(struct dns_server *srv, volatile bool *stop) _wur_;

struct dns_server_stats {
	uint64_t queries, answered_local, forwarded, servfail, dropped, refused, tcp_conns;
	uint64_t tcp_open;      /* connections open now */
	uint64_t forwards_open; /* queries waiting on upstreams now */
	uint64_t cache_hits;    /* forwarded questions answered from the cache */
	uint64_t cache_entries; /* upstream answers in the cache now */
};
void dns_server_get_stats(struct dns_server *srv, struct dns_server_stats *ret);

/* ---- host resolv.conf and rendering ---------------------------------------------- */

#define DNS_RESOLV_MAX_NS 8
#define DNS_RESOLV_MAX_SEARCH 32
#define DNS_RESOLV_MAX_OPTIONS 32

/* The host's resolv.conf as parsed.  Lines it cannot use (bad addresses,
 * overlong names, unknown keywords) are skipped, as the libc resolver does. */
struct dns_resolv_conf {
	size_t n_ns;
	struct dns_addr ns[DNS_RESOLV_MAX_NS];
	char **search;          /* NULL-terminated (may be NULL) */
	char **options;         /* NULL-terminated (may be NULL) */
};

int dns_resolv_conf_parse(const char *text, size_t len, struct dns_resolv_conf *ret) _wur_;
/* Read and parse a file (at most 1 MiB); -ENOENT etc. with e set. */
int dns_resolv_conf_read(const char *path, struct dns_resolv_conf *ret, struct err *e) _wur_;
void dns_resolv_conf_clear(struct dns_resolv_conf *rc);

struct dns_host_entry {
	struct dns_addr addr;
	char *const *names;     /* NULL-terminated, at least one */
};

struct dns_hosts_input {
	bool ipv6;                              /* write the IPv6 localhost block */
	const char *hostname;                   /* may be NULL */
	const char *name;                       /* container name, may be NULL */
	const struct dns_addr *addrs;           /* the container's own addresses */
	size_t n_addrs;
	const struct dns_host_entry *links;     /* --link entries */
	size_t n_links;
	const struct dns_host_entry *extra;     /* --add-host entries */
	size_t n_extra;
};

/* /etc/hosts text (malloc'd).  -EINVAL when a name holds anything but
 * letters, digits, '-', '_' and '.', or is not a valid DNS name. */
int dns_render_hosts(const struct dns_hosts_input *in, char **ret, struct err *e) _wur_;

struct dns_resolv_input {
	const struct dns_resolv_conf *host;     /* the host's resolv.conf (may be NULL) */
	const struct dns_addr *embedded;        /* gateway of the first user network; NULL on the default bridge */
	const struct dns_addr *dns;             /* the container's --dns */
	size_t n_dns;
	const struct dns_addr *fallback;        /* default bridge when no resolver remains: netd's forwarder */
	bool keep_loopback;                     /* the host's loopback resolvers stay (--network host) */
};

/* /etc/resolv.conf text (malloc'd).  User networks: "nameserver <embedded>",
 * the host's search domains and options with "options ndots:0".  Default
 * bridge: --dns, else the host's resolvers minus loopback ones, else the
 * fallback; the host's search and options.  -EINVAL when no nameserver
 * remains. */
int dns_render_resolv_conf(const struct dns_resolv_input *in, char **ret, struct err *e) _wur_;

/* --add-host's special address: the host, as the container reaches it. */
#define DNS_HOST_GATEWAY "host-gateway"
/* An --add-host spec as Docker's CLI takes it: NAME:ADDR or NAME=ADDR, the
 * address IPv4 or IPv6 ("h:::1", "h=::1"), possibly in brackets
 * ("h:[::1]"), or DNS_HOST_GATEWAY; NAME a valid host name. *ret_name and
 * *ret_addr (brackets stripped; either may be NULL) are the caller's.
 * -EINVAL with a message otherwise. */
int dns_extra_host_parse(const char *s, char **ret_name, char **ret_addr, struct err *e) _wur_;

/* A name fit for DNS and /etc/hosts: labels of [A-Za-z0-9_-], 1-63 chars,
 * dots between, at most 253 chars. */
bool dns_name_is_valid(const char *name);

#endif
