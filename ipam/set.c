/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A sparse set of 128-bit offsets, in chunks of 2^16 (in the manner of
 * Roaring bitmaps): a chunk is a sorted array of 16-bit offsets while it holds
 * few (an array of 4096 is as big as the bitmap), a bitmap when dense, and
 * takes no storage at all when full. Empty chunks are dropped. The directory
 * of chunks is an array sorted by key, found by binary search. */
#include "ipam-internal.h"

#define CHUNK_SHIFT 16
#define CHUNK_SIZE (1u << CHUNK_SHIFT)
#define CHUNK_LAST (CHUNK_SIZE - 1)
#define ARRAY_MAX 4096u	 /* an array of more would be bigger than the bitmap */
#define ARRAY_BACK 2048u /* a bitmap this sparse goes back to an array */
#define WORDS (CHUNK_SIZE / 64)
#define KEY_MAX (U128_MAX >> CHUNK_SHIFT)

enum { C_ARRAY, C_BITMAP, C_FULL };

/* 32 bytes: the key is split so that the struct needs only 8-byte alignment
 * (a u128 member would pad it to 48). */
struct chunk {
	uint64_t key_lo, key_hi;
	uint32_t count; /* 1..CHUNK_SIZE */
	uint16_t cap;	/* array capacity, in entries (<= ARRAY_MAX) */
	uint8_t kind;
	union {
		uint16_t *arr;
		uint64_t *bits;
	};
};

static inline u128 ckey(const struct chunk *c)
{
	return ((u128)c->key_hi << 64) | c->key_lo;
}

/* ---- array chunks ------------------------------------------------------ */

/* First index with arr[i] >= x. */
static uint32_t arr_lower(const struct chunk *c, uint32_t x)
{
	uint32_t lo = 0, hi = c->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (c->arr[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* arr[p] == x is set: the last y such that x..y are all set. Entries are
 * sorted and distinct, so arr[p+k] - k is non-decreasing; binary search the
 * largest k with arr[p+k] == x + k. */
static uint32_t arr_run_end(const struct chunk *c, uint32_t p)
{
	uint32_t x = c->arr[p], lo = 0, hi = c->count - 1 - p;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;
		if (c->arr[p + mid] == x + mid)
			lo = mid;
		else
			hi = mid - 1;
	}
	return x + lo;
}

static void to_bitmap(struct chunk *c)
{
	uint64_t *bits = xcalloc(WORDS, sizeof(uint64_t));

	if (c->kind == C_FULL) {
		memset(bits, 0xff, WORDS * sizeof(uint64_t));
	} else {
		for (uint32_t i = 0; i < c->count; i++)
			bits[c->arr[i] >> 6] |= UINT64_C(1) << (c->arr[i] & 63);
		free(c->arr);
	}
	c->bits = bits;
	c->kind = C_BITMAP;
	c->cap = 0;
}

static void to_array(struct chunk *c)
{
	uint16_t *arr = xmalloc(ARRAY_MAX * sizeof(uint16_t));
	uint32_t n = 0;

	for (uint32_t w = 0; w < WORDS; w++)
		for (uint64_t x = c->bits[w]; x; x &= x - 1)
			arr[n++] = (uint16_t)(w * 64 + (uint32_t)__builtin_ctzll(x));
	free(c->bits);
	c->arr = arr;
	c->cap = ARRAY_MAX;
	c->kind = C_ARRAY;
}

/* ---- chunk operations ----------------------------------------------------- */

static bool chunk_test(const struct chunk *c, uint32_t x)
{
	uint32_t p;

	switch (c->kind) {
	case C_FULL:
		return true;
	case C_BITMAP:
		return (c->bits[x >> 6] >> (x & 63)) & 1;
	default:
		p = arr_lower(c, x);
		return p < c->count && c->arr[p] == x;
	}
}

static int chunk_add(struct chunk *c, uint32_t x)
{
	uint32_t p;

	if (c->kind == C_FULL)
		return 0;
	if (c->kind == C_ARRAY) {
		p = arr_lower(c, x);
		if (p < c->count && c->arr[p] == x)
			return 0;
		if (c->count < ARRAY_MAX) {
			if (c->count == c->cap) {
				c->cap = (uint16_t)(c->cap ? c->cap * 2 : 4);
				c->arr = xrealloc(c->arr, c->cap * sizeof(uint16_t));
			}
			memmove(c->arr + p + 1, c->arr + p, (c->count - p) * sizeof(uint16_t));
			c->arr[p] = (uint16_t)x;
			c->count++;
			return 1;
		}
		to_bitmap(c);
	}
	if ((c->bits[x >> 6] >> (x & 63)) & 1)
		return 0;
	c->bits[x >> 6] |= UINT64_C(1) << (x & 63);
	if (++c->count == CHUNK_SIZE) {
		free(c->bits);
		c->bits = NULL;
		c->kind = C_FULL;
	}
	return 1;
}

static int chunk_del(struct chunk *c, uint32_t x)
{
	uint32_t p;

	if (c->kind == C_ARRAY) {
		p = arr_lower(c, x);
		if (p == c->count || c->arr[p] != x)
			return 0;
		memmove(c->arr + p, c->arr + p + 1, (c->count - p - 1) * sizeof(uint16_t));
		c->count--;
		if (c->cap > 16 && c->count * 4 < c->cap) {
			c->cap = (uint16_t)(c->cap / 2);
			c->arr = xrealloc(c->arr, c->cap * sizeof(uint16_t));
		}
		return 1;
	}
	if (c->kind == C_FULL)
		to_bitmap(c);
	if (!((c->bits[x >> 6] >> (x & 63)) & 1))
		return 0;
	c->bits[x >> 6] &= ~(UINT64_C(1) << (x & 63));
	if (--c->count <= ARRAY_BACK)
		to_array(c);
	return 1;
}

/* Scan bitmap words from x for a bit equal to want. */
static bool bits_scan(const uint64_t *bits, uint32_t x, bool want, uint32_t *ret)
{
	uint32_t w = x >> 6;
	uint64_t v = (want ? bits[w] : ~bits[w]) & (~UINT64_C(0) << (x & 63));

	for (;;) {
		if (v) {
			*ret = w * 64 + (uint32_t)__builtin_ctzll(v);
			return true;
		}
		if (++w == WORDS)
			return false;
		v = want ? bits[w] : ~bits[w];
	}
}

static bool chunk_next_clear(const struct chunk *c, uint32_t x, uint32_t *ret)
{
	uint32_t p, end;

	switch (c->kind) {
	case C_FULL:
		return false;
	case C_BITMAP:
		return bits_scan(c->bits, x, false, ret);
	default:
		p = arr_lower(c, x);
		if (p == c->count || c->arr[p] != x) {
			*ret = x;
			return true;
		}
		end = arr_run_end(c, p);
		if (end == CHUNK_LAST)
			return false;
		*ret = end + 1;
		return true;
	}
}

static bool chunk_next_set(const struct chunk *c, uint32_t x, uint32_t *ret)
{
	uint32_t p;

	switch (c->kind) {
	case C_FULL:
		*ret = x;
		return true;
	case C_BITMAP:
		return bits_scan(c->bits, x, true, ret);
	default:
		p = arr_lower(c, x);
		if (p == c->count)
			return false;
		*ret = c->arr[p];
		return true;
	}
}

/* ---- the directory ---------------------------------------------------------- */

/* Lower bound of key in the directory. */
static size_t dir_lower(const struct ipam_set *s, u128 key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ckey(&s->v[mid]) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct chunk *dir_find(const struct ipam_set *s, u128 key)
{
	size_t i = dir_lower(s, key);

	return i < s->n && ckey(&s->v[i]) == key ? &s->v[i] : NULL;
}

static struct chunk *dir_insert(struct ipam_set *s, size_t i, u128 key, int kind)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
	s->n++;
	memset(&s->v[i], 0, sizeof(s->v[i]));
	s->v[i].key_lo = (uint64_t)key;
	s->v[i].key_hi = (uint64_t)(key >> 64);
	s->v[i].kind = (uint8_t)kind;
	return &s->v[i];
}

static void chunk_storage_free(struct chunk *c)
{
	if (c->kind == C_ARRAY)
		free(c->arr);
	else if (c->kind == C_BITMAP)
		free(c->bits);
}

void set_free(struct ipam_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		chunk_storage_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

bool set_test(const struct ipam_set *s, u128 off)
{
	const struct chunk *c = dir_find(s, off >> CHUNK_SHIFT);

	return c && chunk_test(c, (uint32_t)(off & CHUNK_LAST));
}

int set_add(struct ipam_set *s, u128 off)
{
	u128 key = off >> CHUNK_SHIFT;
	size_t i = dir_lower(s, key);
	struct chunk *c = i < s->n && ckey(&s->v[i]) == key ? &s->v[i] : dir_insert(s, i, key, C_ARRAY);
	int r = chunk_add(c, (uint32_t)(off & CHUNK_LAST));

	s->count += (uint64_t)r;
	return r;
}

int set_del(struct ipam_set *s, u128 off)
{
	size_t i = dir_lower(s, off >> CHUNK_SHIFT);
	int r;

	if (i == s->n || ckey(&s->v[i]) != off >> CHUNK_SHIFT)
		return 0;
	r = chunk_del(&s->v[i], (uint32_t)(off & CHUNK_LAST));
	s->count -= (uint64_t)r;
	if (s->v[i].count == 0) {
		chunk_storage_free(&s->v[i]);
		memmove(s->v + i, s->v + i + 1, (s->n - i - 1) * sizeof(*s->v));
		s->n--;
	}
	return r;
}

void set_add_range(struct ipam_set *s, u128 lo, u128 hi)
{
	for (u128 key = lo >> CHUNK_SHIFT;; key++) {
		u128 base = key << CHUNK_SHIFT;
		uint32_t a = lo > base ? (uint32_t)(lo - base) : 0;
		uint32_t b = hi - base < CHUNK_LAST ? (uint32_t)(hi - base) : CHUNK_LAST;
		size_t i = dir_lower(s, key);

		if (a == 0 && b == CHUNK_LAST && (i == s->n || ckey(&s->v[i]) != key)) {
			dir_insert(s, i, key, C_FULL)->count = CHUNK_SIZE;
			s->count += CHUNK_SIZE;
		} else {
			for (uint32_t x = a; x <= b; x++)
				set_add(s, base + x);
		}
		if (key == hi >> CHUNK_SHIFT)
			break;
	}
}

bool set_next_clear(const struct ipam_set *s, u128 lo, u128 hi, u128 *ret)
{
	size_t i = dir_lower(s, lo >> CHUNK_SHIFT);
	u128 x = lo;

	while (x <= hi) {
		u128 key = x >> CHUNK_SHIFT;
		uint32_t r;

		while (i < s->n && ckey(&s->v[i]) < key)
			i++;
		if (i == s->n || ckey(&s->v[i]) != key) {
			*ret = x;
			return true;
		}
		if (chunk_next_clear(&s->v[i], (uint32_t)(x & CHUNK_LAST), &r)) {
			x = (key << CHUNK_SHIFT) | r;
			if (x > hi)
				return false;
			*ret = x;
			return true;
		}
		if (key == hi >> CHUNK_SHIFT)
			return false;
		x = (key + 1) << CHUNK_SHIFT;
		i++;
	}
	return false;
}

bool set_next_set(const struct ipam_set *s, u128 lo, u128 *ret)
{
	size_t i = dir_lower(s, lo >> CHUNK_SHIFT);
	uint32_t r;

	if (i < s->n && ckey(&s->v[i]) == lo >> CHUNK_SHIFT) {
		if (chunk_next_set(&s->v[i], (uint32_t)(lo & CHUNK_LAST), &r)) {
			*ret = (ckey(&s->v[i]) << CHUNK_SHIFT) | r;
			return true;
		}
		i++;
	}
	if (i == s->n || !chunk_next_set(&s->v[i], 0, &r))
		return false;
	*ret = (ckey(&s->v[i]) << CHUNK_SHIFT) | r;
	return true;
}

u128 set_run_end(const struct ipam_set *s, u128 off)
{
	size_t i = dir_lower(s, off >> CHUNK_SHIFT);
	uint32_t r;

	for (;;) {
		const struct chunk *c = &s->v[i];
		u128 key = ckey(c);

		if (chunk_next_clear(c, (uint32_t)(off & CHUNK_LAST), &r))
			return ((key << CHUNK_SHIFT) | r) - 1;
		/* set up to the chunk's end: does the next chunk go on? */
		if (key == KEY_MAX || i + 1 == s->n || ckey(&s->v[i + 1]) != key + 1 || !chunk_test(&s->v[i + 1], 0))
			return (key << CHUNK_SHIFT) | CHUNK_LAST;
		off = (key + 1) << CHUNK_SHIFT;
		i++;
	}
}

/* ---- whole chunks, for the JSON bitmaps ------------------------------------ */

uint32_t set_chunk_runs(const struct ipam_set *s, u128 key)
{
	const struct chunk *c = dir_find(s, key);
	uint32_t runs = 0;
	uint64_t carry = 0;

	if (!c)
		return 0;
	switch (c->kind) {
	case C_FULL:
		return 1;
	case C_BITMAP:
		/* a run starts where a bit is set and the one below it is not */
		for (uint32_t w = 0; w < WORDS; w++) {
			uint64_t x = c->bits[w];
			runs += (uint32_t)__builtin_popcountll(x & ~((x << 1) | carry));
			carry = x >> 63;
		}
		return runs;
	default:
		for (uint32_t i = 0; i < c->count; i++)
			runs += i == 0 || c->arr[i] != c->arr[i - 1] + 1;
		return runs;
	}
}

bool set_chunk_bits(const struct ipam_set *s, u128 key, uint64_t bits[SET_CHUNK_WORDS])
{
	const struct chunk *c = dir_find(s, key);

	if (!c)
		return false;
	if (c->kind == C_FULL) {
		memset(bits, 0xff, WORDS * sizeof(uint64_t));
	} else if (c->kind == C_BITMAP) {
		memcpy(bits, c->bits, WORDS * sizeof(uint64_t));
	} else {
		memset(bits, 0, WORDS * sizeof(uint64_t));
		for (uint32_t i = 0; i < c->count; i++)
			bits[c->arr[i] >> 6] |= UINT64_C(1) << (c->arr[i] & 63);
	}
	return true;
}

void set_add_chunk(struct ipam_set *s, u128 key, const uint64_t bits[SET_CHUNK_WORDS])
{
	size_t i = dir_lower(s, key);
	uint32_t n = 0;
	struct chunk *c;

	for (uint32_t w = 0; w < WORDS; w++)
		n += (uint32_t)__builtin_popcountll(bits[w]);
	if (n == 0)
		return;
	c = dir_insert(s, i, key, C_BITMAP);
	c->bits = xmalloc(WORDS * sizeof(uint64_t));
	memcpy(c->bits, bits, WORDS * sizeof(uint64_t));
	c->count = n;
	s->count += n;
	if (n == CHUNK_SIZE) {
		free(c->bits);
		c->bits = NULL;
		c->kind = C_FULL;
	} else if (n <= ARRAY_MAX) {
		to_array(c);
		c->arr = xrealloc(c->arr, (n < 4 ? 4 : n) * sizeof(uint16_t));
		c->cap = (uint16_t)(n < 4 ? 4 : n);
	}
}

void set_trim(struct ipam_set *s)
{
	if (s->cap > s->n) {
		s->cap = s->n;
		s->v = s->n ? xrealloc(s->v, s->n * sizeof(*s->v)) : (free(s->v), NULL);
	}
}

size_t set_memory(const struct ipam_set *s)
{
	size_t m = s->cap * sizeof(*s->v);

	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].kind == C_ARRAY)
			m += s->v[i].cap * sizeof(uint16_t);
		else if (s->v[i].kind == C_BITMAP)
			m += WORDS * sizeof(uint64_t);
	}
	return m;
}
