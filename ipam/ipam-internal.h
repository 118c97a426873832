/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to ipam/: 128-bit address arithmetic and the sparse address set. */
#ifndef PONTOON_IPAM_INTERNAL_H
#define PONTOON_IPAM_INTERNAL_H

#include "ipam.h"

/* Addresses as numbers: IPv4 in the low 32 bits. GCC and clang both have it
 * on every 64-bit target we build for. */
typedef unsigned __int128 u128;
#define U128_MAX (~(u128)0)

u128 addr_to_u128(const struct ipam_addr *a);
void u128_to_addr(int family, u128 v, struct ipam_addr *ret);
/* The host-part mask of a prefix of length len in family. */
u128 host_mask(int family, unsigned len);
/* Quote untrusted text for an error message: printable ASCII kept, the rest
 * as \xNN, cut at 64 bytes with "...". buf >= QUOTE_MAX. */
#define QUOTE_MAX (64 * 4 + 8)
const char *quote_n(const char *s, size_t n, char *buf);

/* ---- sparse set of offsets (set.c) ------------------------------------- */
/* Offsets are grouped in chunks of 2^16; a chunk is a sorted array of 16-bit
 * offsets while small (<= 4096: no bigger than its bitmap), a bitmap of
 * 65536 bits when dense, or "full" with no storage at all; absent when empty.
 * The chunk directory is sorted by key. So memory is at most ~1 bit per
 * address of the chunks in use, and a sparse IPv6 /64 costs 2 bytes per
 * address taken. */
struct chunk;
struct ipam_set {
	struct chunk *v;
	size_t n, cap;
	uint64_t count; /* offsets in the set */
};

void set_free(struct ipam_set *s);
bool set_test(const struct ipam_set *s, u128 off);
/* 1 when added, 0 when already there. */
int set_add(struct ipam_set *s, u128 off);
/* 1 when removed, 0 when absent. */
int set_del(struct ipam_set *s, u128 off);
/* Add every offset of [lo, hi]; the caller ensured none is present yet. */
void set_add_range(struct ipam_set *s, u128 lo, u128 hi);
/* Smallest offset in [lo, hi] not in the set; false when all are. */
bool set_next_clear(const struct ipam_set *s, u128 lo, u128 hi, u128 *ret);
/* Smallest offset >= lo in the set; false when none. */
bool set_next_set(const struct ipam_set *s, u128 lo, u128 *ret);
/* End of the run of set offsets that starts at off (which is set). */
u128 set_run_end(const struct ipam_set *s, u128 off);
/* Whole chunks (keys are offset >> SET_CHUNK_SHIFT), for JSON bitmaps. */
#define SET_CHUNK_SHIFT 16
#define SET_CHUNK_WORDS 1024
/* Number of runs of set offsets in the chunk (0 when absent). */
uint32_t set_chunk_runs(const struct ipam_set *s, u128 key);
/* The chunk as 65536 bits, bit i of word w being offset w * 64 + i; false
 * when it is absent. */
bool set_chunk_bits(const struct ipam_set *s, u128 key, uint64_t bits[SET_CHUNK_WORDS]);
/* Add a chunk that the set does not hold yet (nothing for all-zero bits). */
void set_add_chunk(struct ipam_set *s, u128 key, const uint64_t bits[SET_CHUNK_WORDS]);
/* Give back the directory's spare capacity (after a bulk load). */
void set_trim(struct ipam_set *s);
size_t set_memory(const struct ipam_set *s);

#endif
