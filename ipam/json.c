/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A subnet's allocation state as JSON: the subnet, gateway, range, cursor and
 * the allocated addresses as sorted runs ("10.0.0.2-10.0.0.40"). Loading is
 * strict: anything unexpected is an error, never a crash or a huge allocation. */
#include "subnet.h"

static json_object *addr_json(int family, u128 v)
{
	char b[IPAM_ADDR_STRLEN];
	struct ipam_addr a;

	u128_to_addr(family, v, &a);
	return json_object_new_string(ipam_addr_format(&a, b, sizeof(b)));
}

/* ---- base64 (RFC 4648, padded), strict: one text per value ---------------- */

#define BLOCK_BYTES (SET_CHUNK_WORDS * 8)	/* 8192 */
#define BLOCK_B64 (((BLOCK_BYTES + 2) / 3) * 4) /* 10924 */
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void bits_to_bytes(const uint64_t *bits, uint8_t *out)
{
	for (size_t j = 0; j < BLOCK_BYTES; j++)
		out[j] = (uint8_t)(bits[j / 8] >> (8 * (j % 8)));
}

static char *b64_encode(const uint8_t *in, size_t n)
{
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v =
		    (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

/* Decode exactly BLOCK_BYTES into bits; false on any non-canonical text. */
static bool b64_decode_block(const char *s, size_t n, uint64_t *bits)
{
	uint8_t buf[BLOCK_BYTES + 2];
	size_t o = 0;

	if (n != BLOCK_B64)
		return false;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		bool last = i + 4 == n;
		for (int k = 0; k < 4; k++) {
			v[k] = b64_val(s[i + k]);
			/* BLOCK_BYTES % 3 == 2: exactly one '=' at the very end */
			if (last && k == 3 && s[i + k] == '=')
				v[k] = 0;
			else if (v[k] < 0)
				return false;
		}
		uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if (last && (s[n - 1] != '=' || (x & 0xff)))
			return false; /* the padding and the unused bits */
		buf[o++] = (uint8_t)(x >> 16);
		buf[o++] = (uint8_t)(x >> 8);
		buf[o++] = (uint8_t)x;
	}
	memset(bits, 0, BLOCK_BYTES);
	for (size_t j = 0; j < BLOCK_BYTES; j++)
		bits[j / 8] |= (uint64_t)buf[j] << (8 * (j % 8));
	return true;
}

/* ---- saving ---------------------------------------------------------------- */

/* A block of 65536 addresses goes out as a bitmap ("A+BASE64", ~10.9 KB)
 * when its runs would take more text than that (scattered static addresses). */
struct choice {
	u128 key;
	bool valid, bitmap;
};

static bool wants_bitmap(const struct ipam_subnet *s, struct choice *c, u128 key)
{
	size_t per_run = s->prefix.addr.family == AF_INET ? 14 : 24; /* "10.1.2.3", */

	if (!c->valid || c->key != key) {
		c->key = key;
		c->valid = true;
		c->bitmap = (size_t)set_chunk_runs(&s->set, key) * per_run > BLOCK_B64 + 48;
	}
	return c->bitmap;
}

static void add_run(json_object *arr, int fam, u128 lo, u128 hi)
{
	char b[IPAM_RANGE_STRLEN], x[IPAM_ADDR_STRLEN], y[IPAM_ADDR_STRLEN];
	struct ipam_addr a, z;

	u128_to_addr(fam, lo, &a);
	ipam_addr_format(&a, x, sizeof(x));
	if (lo == hi) {
		json_object_array_add(arr, json_object_new_string(x));
		return;
	}
	u128_to_addr(fam, hi, &z);
	snprintf(b, sizeof(b), "%s-%s", x, ipam_addr_format(&z, y, sizeof(y)));
	json_object_array_add(arr, json_object_new_string(b));
}

static void add_bitmap(json_object *arr, const struct ipam_subnet *s, u128 key)
{
	_cleanup_free_ uint64_t *bits = xmalloc(BLOCK_BYTES);
	_cleanup_free_ uint8_t *bytes = xmalloc(BLOCK_BYTES);
	_cleanup_free_ char *text = NULL, *el = NULL;
	char x[IPAM_ADDR_STRLEN];
	struct ipam_addr a;

	(void)set_chunk_bits(&s->set, key, bits);
	bits_to_bytes(bits, bytes);
	text = b64_encode(bytes, BLOCK_BYTES);
	u128_to_addr(s->prefix.addr.family, s->base + (key << SET_CHUNK_SHIFT), &a);
	el = xasprintf("%s+%s", ipam_addr_format(&a, x, sizeof(x)), text);
	json_object_array_add(arr, json_object_new_string(el));
}

static json_object *runs_json(const struct ipam_subnet *s)
{
	int fam = s->prefix.addr.family;
	u128 max = host_mask(fam, s->prefix.len), off = 0, end, key, ekey;
	json_object *arr = json_object_new_array();
	struct choice c = {0};

	while (set_next_set(&s->set, off, &off)) {
		key = off >> SET_CHUNK_SHIFT;
		if (wants_bitmap(s, &c, key)) {
			add_bitmap(arr, s, key);
			if (key == max >> SET_CHUNK_SHIFT)
				break;
			off = (key + 1) << SET_CHUNK_SHIFT;
			continue;
		}
		end = set_run_end(&s->set, off);
		ekey = end >> SET_CHUNK_SHIFT;
		if (ekey != key && wants_bitmap(s, &c, ekey))
			end = (ekey << SET_CHUNK_SHIFT) - 1; /* the bitmap takes the rest */
		add_run(arr, fam, s->base + off, s->base + end);
		if (end == max)
			break;
		off = end + 1;
	}
	return arr;
}

json_object *ipam_subnet_to_json(const struct ipam_subnet *s)
{
	char b[IPAM_RANGE_STRLEN];
	json_object *o = json_object_new_object();

	json_object_object_add(o, "subnet", json_object_new_string(ipam_prefix_format(&s->prefix, b, sizeof(b))));
	json_object_object_add(o, "gateway", json_object_new_string(ipam_addr_format(&s->gateway, b, sizeof(b))));
	if (s->has_range)
		json_object_object_add(o, "ip_range",
				       json_object_new_string(ipam_range_format(&s->range, b, sizeof(b))));
	if (s->has_cursor)
		json_object_object_add(o, "last", addr_json(s->prefix.addr.family, s->base + s->cursor));
	json_object_object_add(o, "allocated", runs_json(s));
	return o;
}

/* ---- loading -------------------------------------------------------------- */

struct fields {
	json_object *subnet, *gateway, *range, *last, *allocated;
};

static int get_fields(json_object *o, struct fields *f, struct err *e)
{
	if (!json_object_is_type(o, json_type_object))
		return err_setx(e, EINVAL, "subnet state: expected an object");
	json_object_object_foreach(o, key, val)
	{
		json_object **slot = !strcmp(key, "subnet")	 ? &f->subnet
				     : !strcmp(key, "gateway")	 ? &f->gateway
				     : !strcmp(key, "ip_range")	 ? &f->range
				     : !strcmp(key, "last")	 ? &f->last
				     : !strcmp(key, "allocated") ? &f->allocated
								 : NULL;
		json_type want = slot == &f->allocated ? json_type_array : json_type_string;
		char q[QUOTE_MAX];

		if (!slot)
			return err_setx(e, EINVAL, "subnet state: unknown key '%s'", quote_n(key, strlen(key), q));
		if (!json_object_is_type(val, want))
			return err_setx(e, EINVAL, "subnet state: \"%s\" must be %s", key,
					want == json_type_array ? "an array" : "a string");
		*slot = val;
	}
	if (!f->subnet || !f->gateway || !f->allocated)
		return err_setx(e, EINVAL, "subnet state: needs \"subnet\", \"gateway\" and \"allocated\"");
	return 0;
}

static int str_addr(json_object *v, struct ipam_addr *ret, struct err *e)
{
	return ipam_addr_parse_n(json_object_get_string(v), (size_t)json_object_get_string_len(v), ret, e);
}

/* One element of "allocated", after the previous one. */
struct elem {
	u128 lo, hi;	/* offsets; a bitmap covers [lo, lo + 65535] */
	uint64_t count; /* addresses it allocates */
	uint64_t *bits; /* a bitmap's block (caller's buffer), else unused */
	bool bitmap;
};

static int check_bitmap(const struct ipam_subnet *s, struct elem *el, const char *q, struct err *e)
{
	u128 max = host_mask(s->prefix.addr.family, s->prefix.len);

	el->count = 0;
	for (uint32_t w = 0; w < SET_CHUNK_WORDS; w++)
		el->count += (uint64_t)__builtin_popcountll(el->bits[w]);
	if (el->count == 0)
		return err_setx(e, EINVAL, "'%s': empty bitmap", q);
	for (uint32_t w = 0; w < SET_CHUNK_WORDS; w++) {
		for (uint64_t x = el->bits[w]; x; x &= x - 1) {
			u128 off = el->lo + w * 64 + (unsigned)__builtin_ctzll(x);
			if (off > max)
				return err_setx(e, EINVAL, "'%s': bitmap goes past the subnet", q);
			if (off < s->u_lo || off > s->u_hi || off == s->gw)
				return err_setx(e, EINVAL, "'%s' covers the network, broadcast or gateway address", q);
		}
	}
	return 0;
}

/* "A", "A-B" or "A+BASE64" (A: the first address of a block of 65536). */
static int parse_elem(const struct ipam_subnet *s, json_object *v, u128 min, struct elem *el, struct err *e)
{
	const char *str = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v), alen;
	const char *dash, *plus;
	struct ipam_addr a, b;
	char q[QUOTE_MAX];
	int r;

	if (!json_object_is_type(v, json_type_string))
		return err_setx(e, EINVAL, "not a string");
	dash = memchr(str, '-', n);
	plus = memchr(str, '+', n);
	alen = plus ? (size_t)(plus - str) : dash ? (size_t)(dash - str) : n;
	r = ipam_addr_parse_n(str, alen, &a, e);
	if (r >= 0 && dash && !plus)
		r = ipam_addr_parse_n(dash + 1, n - alen - 1, &b, e);
	else
		b = a;
	if (r < 0)
		return r;
	quote_n(str, n, q);
	if (!ipam_prefix_contains(&s->prefix, &a) || !ipam_prefix_contains(&s->prefix, &b))
		return err_setx(e, EINVAL, "'%s' is not within the subnet", q);
	el->lo = addr_to_u128(&a) - s->base;
	el->hi = addr_to_u128(&b) - s->base;
	el->bitmap = plus != NULL;
	if (el->lo < min)
		return err_setx(e, EINVAL, "'%s' is out of order or overlaps the one before", q);
	if (el->bitmap) {
		if (el->lo & ((1u << SET_CHUNK_SHIFT) - 1))
			return err_setx(e, EINVAL, "'%s': a bitmap must start at a block of 65536 addresses", q);
		if (!b64_decode_block(plus + 1, n - alen - 1, el->bits))
			return err_setx(e, EINVAL, "'%s': bad bitmap (base64 of 8192 bytes)", q);
		el->hi = el->lo + ((1u << SET_CHUNK_SHIFT) - 1);
		return check_bitmap(s, el, q, e);
	}
	if (el->lo > el->hi)
		return err_setx(e, EINVAL, "'%s' ends before it starts", q);
	if (el->lo < s->u_lo || el->hi > s->u_hi || (el->lo <= s->gw && s->gw <= el->hi))
		return err_setx(e, EINVAL, "'%s' covers the network, broadcast or gateway address", q);
	el->count = (uint64_t)(el->hi - el->lo) + 1; /* <= 2^64 - 1: not network and gateway both */
	return 0;
}

static void add_elem(struct ipam_subnet *s, const struct elem *el)
{
	u128 lo = el->lo, hi = el->hi;

	if (el->bitmap) {
		set_add_chunk(&s->set, lo >> SET_CHUNK_SHIFT, el->bits);
		for (uint32_t w = 0; w < SET_CHUNK_WORDS; w++)
			for (uint64_t x = el->bits[w]; x; x &= x - 1)
				if (subnet_in_range(s, lo + w * 64 + (unsigned)__builtin_ctzll(x)))
					s->in_range++;
		return;
	}
	set_add_range(&s->set, lo, hi);
	if (hi >= s->r_lo && lo <= s->r_hi)
		s->in_range += (hi < s->r_hi ? hi : s->r_hi) - (lo > s->r_lo ? lo : s->r_lo) + 1;
}

static int load_runs(struct ipam_subnet *s, json_object *arr, struct err *e)
{
	_cleanup_free_ uint64_t *bits = xmalloc(SET_CHUNK_WORDS * sizeof(uint64_t));
	size_t n = json_object_array_length(arr);
	struct elem el = {.bits = bits};
	u128 min = 0, total = 0;
	bool at_end = false;

	/* Check everything before taking memory for any of it. */
	for (size_t i = 0; i < n; i++) {
		if (at_end)
			return err_setx(e, EINVAL, "subnet state: allocated[%zu]: past the end of the subnet", i);
		if (parse_elem(s, json_object_array_get_idx(arr, i), min, &el, e) < 0)
			return err_wrap(e, "subnet state: allocated[%zu]", i);
		total += el.count;
		if (total > IPAM_MAX_ALLOCATED)
			return err_setx(e, E2BIG, "subnet state: more than %llu addresses allocated",
					(unsigned long long)IPAM_MAX_ALLOCATED);
		at_end = el.hi == U128_MAX;
		min = el.hi + 1;
	}
	for (size_t i = 0; i < n; i++) {
		(void)parse_elem(s, json_object_array_get_idx(arr, i), 0, &el, NULL);
		add_elem(s, &el);
	}
	set_trim(&s->set);
	return 0;
}

int ipam_subnet_from_json(json_object *o, struct ipam_subnet **ret, struct err *e)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = NULL;
	struct fields f = {0};
	struct ipam_prefix p;
	struct ipam_addr gw, last;
	struct ipam_range range;
	struct err local = {0};
	int r;

	if (!e)
		e = &local; /* err_wrap needs the code */
	r = get_fields(o, &f, e);
	if (r < 0)
		return r;
	if (ipam_prefix_parse_n(json_object_get_string(f.subnet), (size_t)json_object_get_string_len(f.subnet), 0, &p,
				e) < 0 ||
	    str_addr(f.gateway, &gw, e) < 0)
		return err_wrap(e, "subnet state");
	if (f.range && ipam_range_parse(json_object_get_string(f.range), &range, e) < 0)
		return err_wrap(e, "subnet state");
	if (f.range && strlen(json_object_get_string(f.range)) != (size_t)json_object_get_string_len(f.range))
		return err_setx(e, EINVAL, "subnet state: \"ip_range\" contains a NUL byte");
	if (gw.family != p.addr.family)
		return err_setx(e, EINVAL, "subnet state: gateway and subnet differ in family");
	r = ipam_subnet_new(&p, &gw, f.range ? &range : NULL, &s, e);
	if (r < 0)
		return err_wrap(e, "subnet state");
	if (f.last) {
		if (str_addr(f.last, &last, e) < 0)
			return err_wrap(e, "subnet state: last");
		if (!ipam_prefix_contains(&p, &last))
			return err_setx(e, EINVAL, "subnet state: last address is not within the subnet");
		s->cursor = addr_to_u128(&last) - s->base;
		s->has_cursor = true;
	}
	r = load_runs(s, f.allocated, e);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}
