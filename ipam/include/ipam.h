/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipam: IP address management, pure (no syscalls, no I/O).
 *
 *   addresses  struct ipam_addr (IPv4 or IPv6), strict parse and format
 *   prefixes   struct ipam_prefix (CIDR), strict parse ("did you mean ...?"),
 *              contains / overlaps, first usable / broadcast / nth address
 *   ranges     struct ipam_range (first..last), for --ip-range
 *   conflicts  a requested subnet against the networks, on-link routes and
 *              host addresses in use; the error names the one it hits
 *   pools      Docker's default address pools (configurable {base, size}),
 *              ipam_pool_pick() takes the first free subnet of them
 *   subnets    struct ipam_subnet: the allocator of one subnet (gateway,
 *              dynamic round-robin allocation, static reservations, release),
 *              sparse, so an IPv6 /64 costs memory only for what is taken;
 *              saved to and loaded from compact JSON (runs of addresses)
 *
 * Conventions: functions return 0 (or a documented count) on success and
 * -errno on failure, with a readable message in the optional struct err.
 * Outputs (ret...) are written only on success.
 *
 * Errors used:
 *   -EINVAL         malformed input (address, CIDR, range, JSON), or a
 *                   request outside the subnet
 *   -EAFNOSUPPORT   families do not match (IPv4 address in an IPv6 subnet)
 *   -EADDRINUSE     a static address already allocated; a subnet that
 *                   overlaps one in use (ipam_conflict_check)
 *   -EADDRNOTAVAIL  a static address that is reserved (network, broadcast,
 *                   gateway)
 *   -ENOSPC         no free address in the range; pools exhausted
 *   -ENOENT         releasing an address that is not allocated
 *   -E2BIG          a JSON state or range beyond IPAM_MAX_ALLOCATED
 */
#ifndef PONTOON_IPAM_H
#define PONTOON_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "common.h"

/* ---- addresses --------------------------------------------------------- */

/* Longest formatted address ("ffff:ffff:...:255.255.255.255") + NUL: 46. */
#define IPAM_ADDR_STRLEN 46
/* Address + "/128". */
#define IPAM_PREFIX_STRLEN (IPAM_ADDR_STRLEN + 4)
/* "first-last". */
#define IPAM_RANGE_STRLEN (2 * IPAM_ADDR_STRLEN)

struct ipam_addr {
	int family;    /* AF_INET or AF_INET6 */
	uint8_t b[16]; /* network byte order; AF_INET uses b[0..3], rest zero */
};

/* Number of address bits: 32 or 128 (0 for an unknown family). */
unsigned ipam_family_bits(int family);

/* Parse a whole string as an IPv4 ("10.0.0.1", no leading zeros, no short
 * forms) or IPv6 ("fd00::1", no zone) address. -EINVAL with a message that
 * quotes the input otherwise (empty, too long, junk). */
int ipam_addr_parse(const char *s, struct ipam_addr *ret, struct err *e) _wur_;
/* The same over n bytes that need not be NUL-terminated; a NUL byte inside
 * them is an error ("contains a NUL byte"). */
int ipam_addr_parse_n(const char *s, size_t n, struct ipam_addr *ret, struct err *e) _wur_;
/* Canonical text (RFC 5952 for IPv6) into buf (>= IPAM_ADDR_STRLEN); returns
 * buf. An invalid family formats as "?". */
char *ipam_addr_format(const struct ipam_addr *a, char *buf, size_t size);
/* Orders by family (IPv4 first), then numerically: <0, 0, >0. */
int ipam_addr_cmp(const struct ipam_addr *a, const struct ipam_addr *b);
bool ipam_addr_equal(const struct ipam_addr *a, const struct ipam_addr *b);
/* Helpers for netd, which speaks in_addr/in6_addr bytes. */
void ipam_addr_from_v4(uint32_t be_addr, struct ipam_addr *ret);
void ipam_addr_from_bytes(int family, const void *bytes, struct ipam_addr *ret);

/* ---- prefixes (CIDR) ---------------------------------------------------- */

struct ipam_prefix {
	struct ipam_addr addr; /* the network address: host bits are zero */
	unsigned len;	       /* 0..32 or 0..128 */
};

/* Strict CIDR: "10.0.0.0/8", "fd00::/64". Errors (-EINVAL), each quoting the
 * input: empty, NUL byte, missing "/len", bad address, length not a decimal
 * number or out of range ("prefix length 33 out of range 0-32"), and host bits
 * set: "invalid CIDR '192.168.1.5/16': host bits set, did you mean
 * 192.168.0.0/16?". */
int ipam_prefix_parse(const char *s, struct ipam_prefix *ret, struct err *e) _wur_;

enum {
	/* Keep the host bits ("10.0.0.5/24" as an interface address): ret->addr
	 * is then the address as written, not the network. */
	IPAM_PARSE_HOST_BITS = 1 << 0,
	/* A bare address is a host prefix (/32 or /128). */
	IPAM_PARSE_BARE_ADDR = 1 << 1,
};
/* ipam_prefix_parse over n bytes (NUL inside is an error), with flags. */
int ipam_prefix_parse_n(const char *s, size_t n, unsigned flags, struct ipam_prefix *ret, struct err *e) _wur_;
/* "10.0.0.0/8" into buf (>= IPAM_PREFIX_STRLEN); returns buf. */
char *ipam_prefix_format(const struct ipam_prefix *p, char *buf, size_t size);
/* Build a prefix from an address and length, clearing the host bits. -EINVAL
 * when len is beyond the family's bits. */
int ipam_prefix_make(const struct ipam_addr *a, unsigned len, struct ipam_prefix *ret) _wur_;
bool ipam_prefix_equal(const struct ipam_prefix *a, const struct ipam_prefix *b);

/* Relations. Different families never contain or overlap each other. */
bool ipam_prefix_contains(const struct ipam_prefix *p, const struct ipam_addr *a);
/* outer contains all of inner. */
bool ipam_prefix_contains_prefix(const struct ipam_prefix *outer, const struct ipam_prefix *inner);
bool ipam_prefix_overlaps(const struct ipam_prefix *a, const struct ipam_prefix *b);

/* Number of addresses, saturated at UINT64_MAX (an IPv6 /64 or wider). */
uint64_t ipam_prefix_size(const struct ipam_prefix *p);
/* The last address (IPv4: the broadcast address of len <= 30). */
void ipam_prefix_last(const struct ipam_prefix *p, struct ipam_addr *ret);
/* IPv4 broadcast address; -ENOENT for IPv6 and for /31 and /32, which have
 * none (RFC 3021). */
int ipam_prefix_broadcast(const struct ipam_prefix *p, struct ipam_addr *ret) _wur_;
/* First address a host may use, and so the default gateway: network + 1;
 * the network address itself for IPv4 /31, /32 and IPv6 /127, /128. */
void ipam_prefix_first_usable(const struct ipam_prefix *p, struct ipam_addr *ret);
/* Last address a host may use: broadcast - 1 for IPv4 len <= 30, else the
 * last address. */
void ipam_prefix_last_usable(const struct ipam_prefix *p, struct ipam_addr *ret);
/* The n-th address of p (0 is the network address); -ERANGE past its end. */
int ipam_prefix_nth(const struct ipam_prefix *p, uint64_t n, struct ipam_addr *ret) _wur_;
/* The network and broadcast addresses are never handed to hosts (IPv4
 * len <= 30: both; IPv6 len <= 126: the subnet-router anycast address). */
bool ipam_prefix_is_reserved(const struct ipam_prefix *p, const struct ipam_addr *a);

/* ---- ranges (--ip-range) --------------------------------------------------- */

struct ipam_range {
	struct ipam_addr first, last; /* same family, first <= last */
};

/* "10.0.0.128/25" (strict CIDR, as Docker's --ip-range) or
 * "10.0.0.10-10.0.0.20" (as Podman's). -EINVAL on anything else, or when
 * first > last or the families differ. */
int ipam_range_parse(const char *s, struct ipam_range *ret, struct err *e) _wur_;
void ipam_range_from_prefix(const struct ipam_prefix *p, struct ipam_range *ret);
/* The CIDR when the range is exactly one (a single address as /32 or /128),
 * else "first-last"; ipam_range_parse reads it back. Returns buf. */
char *ipam_range_format(const struct ipam_range *r, char *buf, size_t size);
bool ipam_range_contains(const struct ipam_range *r, const struct ipam_addr *a);

/* ---- conflicts ------------------------------------------------------------- */

/* Something that holds addresses: a network's subnet, an on-link host route,
 * an address on a host interface (as a /32 or /128, or with its prefix). */
struct ipam_used {
	const char *what; /* for the message: "network 'web'", "route dev eth0" */
	struct ipam_prefix prefix;
};

/* Check req against used[0..n). On the first overlap: -EADDRINUSE with
 * "subnet 10.0.0.0/24 overlaps with network 'web' (10.0.0.0/16)", and
 * *ret_index (may be NULL) set to its index. 0 when free.
 * Callers leave default routes (0.0.0.0/0, ::/0) out: they overlap everything. */
int ipam_conflict_check(const struct ipam_prefix *req, const struct ipam_used *used, size_t n, size_t *ret_index,
			struct err *e) _wur_;

/* ---- pools -------------------------------------------------------------------- */

/* A pool: base split into subnets of length size (Docker's
 * default-address-pools {"base": "172.80.0.0/16", "size": 24}). */
struct ipam_pool {
	struct ipam_prefix base;
	unsigned size; /* base.len <= size <= family bits */
};

/* Docker's local default pools, in order: 172.17.0.0/16 (the default bridge
 * takes it first), 172.18.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/16 in
 * /20s: 31 subnets. IPv4 only. */
extern const struct ipam_pool ipam_default_pools[];
extern const size_t ipam_default_pools_n;

/* "base=172.80.0.0/16,size=24" (Docker's --default-address-pool syntax; the
 * keys in either order). -EINVAL on a bad base (strict CIDR), size not in
 * [base.len, bits], unknown or repeated keys. */
int ipam_pool_parse(const char *s, struct ipam_pool *ret, struct err *e) _wur_;
/* Pools as JSON [{"base": "...", "size": N}, ...]: strict, -EINVAL naming the
 * bad element. *ret is xmalloc'd (free()), *ret_n >= 1. */
int ipam_pools_from_json(json_object *arr, struct ipam_pool **ret, size_t *ret_n, struct err *e) _wur_;

/* An IPv6 pool of unique local addresses (RFC 4193): fdXX:XXXX:XXXX::/48 in
 * /64s, the 40-bit global ID taken from a hash of seed (say the host's
 * machine id), as Docker derives its default IPv6 pool from the host ID. The
 * same seed always gives the same pool. */
void ipam_ula_pool(const void *seed, size_t n, struct ipam_pool *ret);

/* The first subnet of family (AF_INET or AF_INET6), in pool order and within a
 * pool in address order, that overlaps nothing in used[0..n_used). -ENOSPC
 * when none is left: "all predefined address pools have been fully subnetted
 * (31 subnets in 7 pools, ...): remove unused networks or configure wider
 * pools". Time: O(pools * n_used^2) at worst, whatever the pools' sizes. */
int ipam_pool_pick(const struct ipam_pool *pools, size_t n_pools, int family, const struct ipam_used *used,
		   size_t n_used, struct ipam_prefix *ret, struct err *e) _wur_;

/* ---- subnet allocator -------------------------------------------------------- */

/* Upper bound on the addresses one subnet may hold allocated (bounds the
 * memory a hostile JSON state can make us spend). */
#define IPAM_MAX_ALLOCATED (UINT64_C(1) << 32)

struct ipam_subnet;

/* A new allocator for subnet, with nothing allocated.
 * gateway: NULL for the default (ipam_prefix_first_usable); else it must lie
 *   in the subnet and not be the network or broadcast address (-EINVAL).
 * ip_range: NULL for the whole subnet; else dynamic allocation is restricted
 *   to it. It must lie within the subnet (-EINVAL) and hold at least one
 *   address that is neither reserved nor the gateway.
 * Static reservations may use any usable address of the subnet. */
int ipam_subnet_new(const struct ipam_prefix *subnet, const struct ipam_addr *gateway,
		    const struct ipam_range *ip_range, struct ipam_subnet **ret, struct err *e) _wur_;
void ipam_subnet_free(struct ipam_subnet *s);
DEFINE_CLEANUP(struct ipam_subnet *, ipam_subnet_free)

const struct ipam_prefix *ipam_subnet_prefix(const struct ipam_subnet *s);
const struct ipam_addr *ipam_subnet_gateway(const struct ipam_subnet *s);
/* The dynamic range (the usable part of the subnet when none was given). */
const struct ipam_range *ipam_subnet_range(const struct ipam_subnet *s);

/* Dynamic allocation: the next free address of the range after the last one
 * handed out by this function, wrapping to the range's start (round robin, as
 * libnetwork's serial mode and CNI host-local), so a just released address is
 * not reused at once. Static reservations do not move that cursor. Never the
 * network, broadcast or gateway address. -ENOSPC "no free address in subnet
 * 10.0.0.0/24 (range ...)" when full (or at IPAM_MAX_ALLOCATED). */
int ipam_subnet_alloc(struct ipam_subnet *s, struct ipam_addr *ret, struct err *e) _wur_;
/* Static allocation (--ip, --aux-address): a anywhere in the subnet (not
 * only the range). Also -ENOSPC at IPAM_MAX_ALLOCATED.
 * -EAFNOSUPPORT wrong family, -EINVAL outside the subnet, -EADDRNOTAVAIL the
 * network/broadcast/gateway address, -EADDRINUSE already allocated; each with
 * a message that says which. */
int ipam_subnet_reserve(struct ipam_subnet *s, const struct ipam_addr *a, struct err *e) _wur_;
/* Give a back. -ENOENT when it is not allocated (also for the gateway), -EINVAL
 * outside the subnet, -EAFNOSUPPORT wrong family. */
int ipam_subnet_release(struct ipam_subnet *s, const struct ipam_addr *a, struct err *e) _wur_;
bool ipam_subnet_is_allocated(const struct ipam_subnet *s, const struct ipam_addr *a);
/* Allocated addresses (static and dynamic; not the gateway). */
uint64_t ipam_subnet_count_allocated(const struct ipam_subnet *s);
/* Addresses still free for dynamic allocation (saturated at UINT64_MAX). */
uint64_t ipam_subnet_count_free(const struct ipam_subnet *s);
/* Iterate allocated addresses in order: the first one after *after (from the
 * start when after is NULL). -ENOENT when there is none. */
int ipam_subnet_next_allocated(const struct ipam_subnet *s, const struct ipam_addr *after, struct ipam_addr *ret) _wur_;
/* Bytes of memory the allocator holds (for the benchmark). */
size_t ipam_subnet_memory(const struct ipam_subnet *s);

/* State as JSON (new reference):
 *   {"subnet": "10.0.0.0/24", "gateway": "10.0.0.1",
 *    "ip_range": "10.0.0.128/25",            (only when given)
 *    "last": "10.0.0.130",                   (cursor; only once something was handed out)
 *    "allocated": ["10.0.0.2-10.0.0.40", "10.0.0.77"]}   (sorted runs)
 * A block of 65536 addresses whose runs would take more text than its bitmap
 * is written "A+BASE64": A the block's first address, BASE64 its 8192 bytes
 * (bit k of byte j: address A + 8j + k). */
json_object *ipam_subnet_to_json(const struct ipam_subnet *s);
/* Load and validate strictly: every field typed and parsed strictly, no unknown
 * keys, runs sorted, disjoint, inside the subnet, never covering the network,
 * broadcast or gateway address; at most IPAM_MAX_ALLOCATED addresses (-E2BIG).
 * -EINVAL with a message naming the bad field otherwise. */
int ipam_subnet_from_json(json_object *o, struct ipam_subnet **ret, struct err *e) _wur_;

#endif
