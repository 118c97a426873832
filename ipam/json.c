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

static json_object *runs_json(const struct ipam_subnet *s)
{
	int fam = s->prefix.addr.family;
	json_object *arr = json_object_new_array();
	char b[IPAM_RANGE_STRLEN], x[IPAM_ADDR_STRLEN], y[IPAM_ADDR_STRLEN];
	struct ipam_addr a, z;
	u128 off = 0, end;

	while (set_next_set(&s->set, off, &off)) {
		end = set_run_end(&s->set, off);
		u128_to_addr(fam, s->base + off, &a);
		ipam_addr_format(&a, x, sizeof(x));
		if (end == off) {
			json_object_array_add(arr, json_object_new_string(x));
		} else {
			u128_to_addr(fam, s->base + end, &z);
			snprintf(b, sizeof(b), "%s-%s", x, ipam_addr_format(&z, y, sizeof(y)));
			json_object_array_add(arr, json_object_new_string(b));
		}
		if (end == host_mask(fam, s->prefix.len))
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
	json_object_object_foreach(o, key, val) {
		json_object **slot = !strcmp(key, "subnet")    ? &f->subnet
				     : !strcmp(key, "gateway")   ? &f->gateway
				     : !strcmp(key, "ip_range")  ? &f->range
				     : !strcmp(key, "last")      ? &f->last
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

/* One run "A" or "A-B" of s, after prev (the previous run's end + 1, or 0). */
static int parse_run(const struct ipam_subnet *s, json_object *v, u128 min, u128 *lo, u128 *hi, struct err *e)
{
	const char *str = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	const char *dash = json_object_is_type(v, json_type_string) ? memchr(str, '-', n) : NULL;
	struct ipam_addr a, b;
	char q[QUOTE_MAX];
	int r;

	if (!json_object_is_type(v, json_type_string))
		return err_setx(e, EINVAL, "not a string");
	r = ipam_addr_parse_n(str, dash ? (size_t)(dash - str) : n, &a, e);
	if (r >= 0 && dash)
		r = ipam_addr_parse_n(dash + 1, n - (size_t)(dash - str) - 1, &b, e);
	else
		b = a;
	if (r < 0)
		return r;
	quote_n(str, n, q);
	if (!ipam_prefix_contains(&s->prefix, &a) || !ipam_prefix_contains(&s->prefix, &b))
		return err_setx(e, EINVAL, "'%s' is not within the subnet", q);
	*lo = addr_to_u128(&a) - s->base;
	*hi = addr_to_u128(&b) - s->base;
	if (*lo > *hi)
		return err_setx(e, EINVAL, "'%s' ends before it starts", q);
	if (*lo < min)
		return err_setx(e, EINVAL, "'%s' is out of order or overlaps the run before", q);
	if (*lo < s->u_lo || *hi > s->u_hi || (*lo <= s->gw && s->gw <= *hi))
		return err_setx(e, EINVAL, "'%s' covers the network, broadcast or gateway address", q);
	return 0;
}

static int load_runs(struct ipam_subnet *s, json_object *arr, struct err *e)
{
	size_t n = json_object_array_length(arr);
	u128 min = 0, lo, hi, total = 0;

	/* Check everything before taking memory for any of it. */
	for (size_t i = 0; i < n; i++) {
		if (parse_run(s, json_object_array_get_idx(arr, i), min, &lo, &hi, e) < 0)
			return err_wrap(e, "subnet state: allocated[%zu]", i);
		total += hi - lo + 1;
		if (total > IPAM_MAX_ALLOCATED)
			return err_setx(e, E2BIG, "subnet state: more than %llu addresses allocated",
					(unsigned long long)IPAM_MAX_ALLOCATED);
		min = hi + 1;
	}
	for (size_t i = 0; i < n; i++) {
		(void)parse_run(s, json_object_array_get_idx(arr, i), 0, &lo, &hi, NULL);
		set_add_range(&s->set, lo, hi);
		if (hi >= s->r_lo && lo <= s->r_hi)
			s->in_range += (hi < s->r_hi ? hi : s->r_hi) - (lo > s->r_lo ? lo : s->r_lo) + 1;
	}
	set_trim(&s->set);
	return 0;
}

int ipam_subnet_from_json(json_object *o, struct ipam_subnet **ret, struct err *e)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = NULL;
	struct fields f = { 0 };
	struct ipam_prefix p;
	struct ipam_addr gw, last;
	struct ipam_range range;
	int r;

	r = get_fields(o, &f, e);
	if (r < 0)
		return r;
	if (ipam_prefix_parse_n(json_object_get_string(f.subnet), (size_t)json_object_get_string_len(f.subnet), 0,
				&p, e) < 0 ||
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
