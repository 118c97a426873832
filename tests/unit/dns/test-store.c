/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record store and the answerer: names, suffixes, scoping by the asker's
 * address, round robin, PTR, AAAA/MX empty answers, internal networks,
 * truncation, updates. */
#include <strings.h>
#include "dns/helpers.h"

#define ID_A "aaaaaaaaaaaa00000000000000000000000000000000000000000000000000a1"
#define ID_B "bbbbbbbbbbbb00000000000000000000000000000000000000000000000000b2"
#define ID_C "cccccccccccc"
#define ID_D "dddddddddddd"
#define ID_W1 "111111111111"
#define ID_W2 "222222222222"

struct fx {
	struct dns_store *s;
	uint8_t q[512], out[DNS_MSG_MAX];
	struct dns_answer_result res;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct dns_network_opts v6 = { .ipv6 = true }, internal = { .internal = true };
	struct dns_addr a = addr4("10.0.0.2"), b[2] = { addr4("10.0.0.3"), addr4("fd00::3") };
	struct dns_addr c = addr4("10.1.0.2"), d = addr4("10.2.0.2");
	char *b_alias[] = { "db", "Cache", NULL };

	assert_int_equal(dns_store_new(&f->s), 0);
	assert_int_equal(dns_store_network_add(f->s, "mynet", &v6, NULL), 0);
	assert_int_equal(dns_store_network_add(f->s, "other", NULL, NULL), 0);
	assert_int_equal(dns_store_network_add(f->s, "sealed", &internal, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", ID_A, "a", NULL, NULL, &a, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", ID_B, "b", "bhost", b_alias, b, 2, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "other", ID_C, "c", NULL, NULL, &c, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "sealed", ID_D, "d", NULL, NULL, &d, 1, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	dns_store_free(f->s);
	free(f);
	return 0;
}

/* Ask name/type from src; returns the action and leaves the reply in f. */
static enum dns_action ask(struct fx *f, const char *src, const char *name, uint16_t type, uint16_t edns,
			   bool tcp)
{
	struct dns_addr a = addr4(src);
	size_t n = make_query(f->q, sizeof(f->q), 0x4242, name, type, edns);
	dns_answer(f->s, &a, f->q, n, tcp, f->out, sizeof(f->out), &f->res);
	return f->res.action;
}

static int rcode(struct fx *f)
{
	struct dns_msg m;
	assert_int_equal(f->res.action, DNS_ACT_REPLY);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_int_equal(m.id, 0x4242);
	assert_true(m.flags & DNS_F_QR);
	return DNS_RCODE(m.flags);
}

static const char *addrs_of(struct fx *f)
{
	static char buf[4096];
	answer_addrs(f->out, f->res.len, buf, sizeof(buf));
	return buf;
}

static void names_resolve_on_the_same_network(void **state)
{
	struct fx *f = *state;
	const char *names[] = { "b", "B", "b.mynet", "B.MyNet.", "bbbbbbbbbbbb", "bbbbbbbbbbbb.mynet", "bhost",
				"db", "cache", "db.mynet" };
	struct dns_msg m;
	struct dns_rr rr;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		assert_int_equal(ask(f, "10.0.0.2", names[i], DNS_T_A, 0, false), DNS_ACT_REPLY);
		assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
		assert_string_equal(addrs_of(f), "10.0.0.3");
	}
	/* authoritative, TTL as documented, the question's case echoed */
	assert_int_equal(ask(f, "10.0.0.2", "B.MyNet", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_true(m.flags & DNS_F_AA);
	assert_true(m.flags & DNS_F_RD);
	assert_string_equal(m.q.name, "B.MyNet");
	size_t off = m.an_off;
	assert_int_equal(dns_rr_next(f->out, f->res.len, &off, &rr), 0);
	assert_string_equal(rr.name, "B.MyNet");
	assert_int_equal(rr.ttl, DNS_TTL);
	/* a 13-hex prefix of the id is not a name (the short id only, as Docker) */
	assert_int_equal(ask(f, "10.0.0.2", "bbbbbbbbbbbb0", DNS_T_A, 0, false), DNS_ACT_FORWARD);
}

static void other_networks_do_not_see(void **state)
{
	struct fx *f = *state;
	/* c is on "other": b is not its business; outside names go upstream */
	assert_int_equal(ask(f, "10.1.0.2", "b", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "10.1.0.2", "b.mynet", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "10.1.0.2", "c", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.1.0.2");
	/* an unknown name under a network the asker is on: NXDOMAIN, not forwarded */
	assert_int_equal(ask(f, "10.0.0.2", "nope.mynet", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(f, "10.0.0.2", "mynet", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	/* an address the store does not know: dropped, never answered */
	assert_int_equal(ask(f, "192.0.2.9", "b", DNS_T_A, 0, false), DNS_ACT_DROP);
	assert_int_equal(ask(f, "192.0.2.9", "example.com", DNS_T_A, 0, false), DNS_ACT_DROP);
}

static void internal_networks_never_forward(void **state)
{
	struct fx *f = *state;
	assert_int_equal(ask(f, "10.2.0.2", "example.com", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(f, "10.2.0.2", "d", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.2.0.2");
	/* a container on an internal and a normal network may forward */
	struct dns_addr d2 = addr4("10.1.0.9");
	assert_int_equal(dns_store_endpoint_add(f->s, "other", ID_D, "d", NULL, NULL, &d2, 1, NULL), 0);
	assert_int_equal(ask(f, "10.2.0.2", "example.com", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_null(f->res.ups);
}

static void forward_only_networks_have_no_names(void **state)
{
	struct fx *f = *state;
	struct dns_network_opts fo = { .forward_only = true };
	struct dns_addr e = addr4("172.17.0.2"), g = addr4("172.17.0.3");

	assert_int_equal(dns_store_network_add(f->s, "bridge", &fo, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "bridge", "eeeeeeeeeeee", "e", NULL, NULL, &e, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "bridge", "ffffffffffff", "g", NULL, NULL, &g, 1, NULL), 0);
	/* e is an asker: outside names are forwarded for it */
	assert_int_equal(ask(f, "172.17.0.2", "example.com", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	/* but its neighbours have no names there, as on Docker's default bridge */
	assert_int_equal(ask(f, "172.17.0.2", "g", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "172.17.0.2", "g.bridge", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "172.17.0.2", "3.0.17.172.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_FORWARD);
	/* on a user network too, it resolves there as usual */
	struct dns_addr e2 = addr4("10.0.0.20");
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "eeeeeeeeeeee", "e", NULL, NULL, &e2, 1, NULL), 0);
	assert_int_equal(ask(f, "172.17.0.2", "b", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.0.0.3");
	assert_int_equal(ask(f, "10.0.0.2", "e", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.0.0.20");
}

static void aaaa_mx_and_other_types(void **state)
{
	struct fx *f = *state;
	struct dns_msg m;

	/* mynet has IPv6 and b has an IPv6 address */
	assert_int_equal(ask(f, "10.0.0.2", "b", DNS_T_AAAA, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "fd00::3");
	assert_int_equal(ask(f, "10.0.0.2", "b", DNS_T_ANY, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.0.0.3 fd00::3");
	/* a has none: empty NOERROR, since the name exists */
	assert_int_equal(ask(f, "10.0.0.2", "a", DNS_T_AAAA, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_int_equal(m.ancount, 0);
	/* "other" has no IPv6: AAAA empty even if an address were there */
	assert_int_equal(ask(f, "10.1.0.2", "c", DNS_T_AAAA, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_string_equal(addrs_of(f), "");
	/* MX (and TXT...) for a container name: empty NOERROR, as Docker */
	assert_int_equal(ask(f, "10.0.0.2", "b", DNS_T_MX, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_int_equal(m.ancount, 0);
	assert_true(m.flags & DNS_F_AA);
	assert_int_equal(ask(f, "10.0.0.2", "b", DNS_T_TXT, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
}

static void ptr_for_visible_addresses(void **state)
{
	struct fx *f = *state;
	assert_int_equal(ask(f, "10.0.0.2", "3.0.0.10.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_string_equal(addrs_of(f), "b.mynet");
	assert_int_equal(ask(f, "10.0.0.2", "3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa",
			     DNS_T_PTR, 0, false),
			 DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "b.mynet");
	/* c cannot see b: NXDOMAIN for b's address, not its name */
	assert_int_equal(ask(f, "10.1.0.2", "3.0.0.10.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_string_equal(addrs_of(f), "");
	/* an address that is not ours goes upstream; a malformed one too */
	assert_int_equal(ask(f, "10.0.0.2", "8.8.8.8.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "10.0.0.2", "03.0.0.10.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "10.0.0.2", "256.0.0.10.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "10.0.0.2", "0.0.10.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_FORWARD);
}

static void shared_alias_round_robin(void **state)
{
	struct fx *f = *state;
	char *web[] = { "web", NULL };
	struct dns_addr w1 = addr4("10.0.0.11"), w2 = addr4("10.0.0.12");
	char first[64], second[64];

	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", ID_W1, "w1", NULL, web, &w1, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", ID_W2, "w2", NULL, web, &w2, 1, NULL), 0);
	assert_int_equal(ask(f, "10.0.0.2", "web", DNS_T_A, 0, false), DNS_ACT_REPLY);
	snprintf(first, sizeof(first), "%s", addrs_of(f));
	assert_int_equal(ask(f, "10.0.0.2", "web", DNS_T_A, 0, false), DNS_ACT_REPLY);
	snprintf(second, sizeof(second), "%s", addrs_of(f));
	assert_true(!strcmp(first, "10.0.0.11 10.0.0.12") || !strcmp(first, "10.0.0.12 10.0.0.11"));
	assert_true(!strcmp(second, "10.0.0.11 10.0.0.12") || !strcmp(second, "10.0.0.12 10.0.0.11"));
	assert_string_not_equal(first, second); /* rotated */
	assert_int_equal(ask(f, "10.0.0.2", "web", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), first);
	/* the suffix form is the same set */
	assert_int_equal(ask(f, "10.0.0.2", "web.mynet", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(strlen(addrs_of(f)), strlen(first));
}

static void updates_take_effect_at_once(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dns_store_count_endpoints(f->s), 4);
	assert_int_equal(dns_store_endpoint_remove(f->s, "mynet", ID_B, NULL), 0);
	assert_int_equal(dns_store_count_endpoints(f->s), 3);
	assert_int_equal(ask(f, "10.0.0.2", "b", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "10.0.0.2", "b.mynet", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(f, "10.0.0.2", "3.0.0.10.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_FORWARD);
	/* b's address no longer identifies an asker */
	assert_int_equal(ask(f, "10.0.0.3", "a", DNS_T_A, 0, false), DNS_ACT_DROP);
	assert_int_equal(dns_store_endpoint_remove(f->s, "mynet", ID_B, NULL), -ENOENT);

	/* rename */
	assert_int_equal(dns_store_container_rename(f->s, ID_A, "alpha", NULL), 0);
	assert_int_equal(ask(f, "10.1.0.2", "c", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(ask(f, "10.0.0.2", "alpha.mynet", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.0.0.2");
	assert_int_equal(ask(f, "10.0.0.2", "a.mynet", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(f, "10.0.0.2", "aaaaaaaaaaaa", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.0.0.2");

	/* removing a network removes its endpoints */
	assert_int_equal(dns_store_network_remove(f->s, "mynet", NULL), 0);
	assert_int_equal(ask(f, "10.0.0.2", "alpha", DNS_T_A, 0, false), DNS_ACT_DROP);
	assert_int_equal(dns_store_count_endpoints(f->s), 2);
	assert_int_equal(dns_store_network_remove(f->s, "mynet", NULL), -ENOENT);
}

static void bad_updates_are_refused(void **state)
{
	struct fx *f = *state;
	struct err e = { 0 };
	struct dns_addr x = addr4("10.0.0.50"), a = addr4("10.0.0.2");
	char *bad_alias[] = { "ok", "not ok", NULL };
	char *long_alias[] = { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL };

	assert_int_equal(dns_store_endpoint_add(f->s, "nonet", "eeeeeeeeeeee", "e", NULL, NULL, &x, 1, &e), -ENOENT);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "eeeeeeeeeeee", "e", NULL, NULL, &a, 1, &e),
			 -EADDRINUSE);
	assert_non_null(strstr(err_msg(&e), "10.0.0.2"));
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", ID_A, "a", NULL, NULL, &x, 1, &e), -EEXIST);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "eeeeeeeeeeee", "e\nx", NULL, NULL, &x, 1, &e),
			 -EINVAL);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "eeeeeeeeeeee", "e", NULL, bad_alias, &x, 1, &e),
			 -EINVAL);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "eeeeeeeeeeee", "e", NULL, long_alias, &x, 1, &e),
			 -EINVAL);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "eeee", "e", NULL, NULL, &x, 1, &e), -EINVAL);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "EEEEEEEEEEEE", "e", NULL, NULL, &x, 1, &e), -EINVAL);
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "eeeeeeeeeeee", "e", NULL, NULL, NULL, 0, &e), -EINVAL);
	assert_int_equal(dns_store_network_add(f->s, "mynet", NULL, &e), -EEXIST);
	assert_int_equal(dns_store_network_add(f->s, "bad net", NULL, &e), -EINVAL);
	assert_int_equal(dns_store_container_rename(f->s, "ffffffffffff", "x", &e), -ENOENT);
	assert_int_equal(dns_store_container_rename(f->s, ID_A, "bad name", &e), -EINVAL);
	assert_int_equal(dns_store_count_endpoints(f->s), 4);
}

static void asker_upstreams(void **state)
{
	struct fx *f = *state;
	struct dns_upstream u;

	assert_int_equal(dns_upstream_parse("127.0.0.1:5353", 53, &u), 0);
	assert_int_equal(dns_store_container_upstreams(f->s, ID_A, &u, 1, NULL), 0);
	assert_int_equal(ask(f, "10.0.0.2", "example.com", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(f->res.n_ups, 1);
	assert_memory_equal(&f->res.ups[0], &u, sizeof(u));
	assert_int_equal(f->res.q.id, 0x4242);
	assert_string_equal(f->res.q.q.name, "example.com");
	/* b keeps the host's */
	assert_int_equal(ask(f, "10.0.0.3", "example.com", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_null(f->res.ups);
	assert_int_equal(dns_store_container_upstreams(f->s, ID_A, NULL, 0, NULL), 0);
	assert_int_equal(ask(f, "10.0.0.2", "example.com", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_null(f->res.ups);
	assert_int_equal(dns_store_container_upstreams(f->s, "ffffffffffff", &u, 1, NULL), -ENOENT);
}

/* net connect --link TARGET:ALIAS: the alias resolves to the target on that
 * network, for the linking container only, before its other names there. */
static void link_aliases_are_the_askers_own(void **state)
{
	struct fx *f = *state;
	char *links[] = { "b:Store", "gone:ghost", "b:a", NULL };
	struct dns_addr x = addr4("10.0.0.9");

	assert_int_equal(dns_store_endpoint_links(f->s, "mynet", ID_A, links, NULL), 0);
	const char *as_b[] = { "store", "STORE", "store.mynet", "a" };
	for (size_t i = 0; i < ARRAY_SIZE(as_b); i++) {
		assert_int_equal(ask(f, "10.0.0.2", as_b[i], DNS_T_A, 0, false), DNS_ACT_REPLY);
		assert_string_equal(addrs_of(f), "10.0.0.3");
	}
	assert_int_equal(ask(f, "10.0.0.2", "store", DNS_T_AAAA, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "fd00::3");
	/* another container on the network: no such name ("a" is a itself) */
	assert_int_equal(ask(f, "10.0.0.3", "store", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "10.0.0.3", "a", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.0.0.2");
	/* a target that is not on the network (yet): the alias is no name... */
	assert_int_equal(ask(f, "10.0.0.2", "ghost", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	/* ... until it joins (Docker's links on user-defined networks follow
	 * their target: restarts, new addresses) */
	assert_int_equal(dns_store_endpoint_add(f->s, "mynet", "eeeeeeeeeeee", "gone", NULL, NULL, &x, 1, NULL), 0);
	assert_int_equal(ask(f, "10.0.0.2", "ghost", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.0.0.9");
	assert_int_equal(dns_store_endpoint_remove(f->s, "mynet", "eeeeeeeeeeee", NULL), 0);
	assert_int_equal(ask(f, "10.0.0.2", "ghost", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	/* scoped to the network: c (on "other") is linked to nothing there */
	assert_int_equal(dns_store_endpoint_links(f->s, "other", ID_C, links, NULL), 0);
	assert_int_equal(ask(f, "10.1.0.2", "store", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	/* bad links set nothing; unknown containers and networks are -ENOENT */
	char *bad1[] = { "b", NULL }, *bad2[] = { "b:a..b", NULL }, *bad3[] = { ":x", NULL };
	assert_int_equal(dns_store_endpoint_links(f->s, "mynet", ID_A, bad1, NULL), -EINVAL);
	assert_int_equal(dns_store_endpoint_links(f->s, "mynet", ID_A, bad2, NULL), -EINVAL);
	assert_int_equal(dns_store_endpoint_links(f->s, "mynet", ID_A, bad3, NULL), -EINVAL);
	assert_int_equal(ask(f, "10.0.0.2", "store", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(dns_store_endpoint_links(f->s, "other", ID_A, links, NULL), -ENOENT);
	assert_int_equal(dns_store_endpoint_links(f->s, "mynet", "ffffffffffff", links, NULL), -ENOENT);
	/* cleared */
	assert_int_equal(dns_store_endpoint_links(f->s, "mynet", ID_A, NULL, NULL), 0);
	assert_int_equal(ask(f, "10.0.0.2", "store", DNS_T_A, 0, false), DNS_ACT_FORWARD);
	assert_int_equal(ask(f, "10.0.0.2", "a", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_string_equal(addrs_of(f), "10.0.0.2");
}

static void truncation_and_edns(void **state)
{
	struct fx *f = *state;
	char *many[] = { "many", NULL };
	struct dns_msg m;

	for (int i = 0; i < 100; i++) {
		char id[13];
		struct dns_addr x;
		snprintf(id, sizeof(id), "%012x", 0xabc000 + i);
		x.family = AF_INET;
		x.v4.s_addr = htonl(0x0a030000 + (uint32_t)i);
		assert_int_equal(dns_store_endpoint_add(f->s, "mynet", id, NULL, NULL, many, &x, 1, NULL), 0);
	}
	/* plain UDP: 512 bytes, TC set */
	assert_int_equal(ask(f, "10.0.0.2", "many", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_true(f->res.len <= 512);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_true(m.flags & DNS_F_TC);
	assert_true(m.ancount > 0 && m.ancount < 100);
	/* EDNS 4096: all fit, with our OPT record */
	assert_int_equal(ask(f, "10.0.0.2", "many", DNS_T_A, 4096, false), DNS_ACT_REPLY);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_false(m.flags & DNS_F_TC);
	assert_int_equal(m.ancount, 100);
	assert_true(m.edns);
	/* EDNS 600: cut at 600 including the OPT record */
	assert_int_equal(ask(f, "10.0.0.2", "many", DNS_T_A, 600, false), DNS_ACT_REPLY);
	assert_true(f->res.len <= 600 && f->res.len > 512);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_true(m.flags & DNS_F_TC);
	assert_true(m.edns);
	/* EDNS below 512 counts as 512 */
	assert_int_equal(ask(f, "10.0.0.2", "many", DNS_T_A, 100, false), DNS_ACT_REPLY);
	assert_true(f->res.len <= 512 && f->res.len > 400);
	/* TCP: everything */
	assert_int_equal(ask(f, "10.0.0.2", "many", DNS_T_A, 0, true), DNS_ACT_REPLY);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_false(m.flags & DNS_F_TC);
	assert_int_equal(m.ancount, 100);
}

/* The authority section of f's reply: how many SOA records, the first in *ret. */
static unsigned soa_of(struct fx *f, struct dns_rr *ret)
{
	struct dns_msg m;
	struct dns_rr rr;
	size_t off;
	unsigned n = 0;

	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	off = m.an_off;
	for (unsigned i = 0; i < m.ancount; i++)
		assert_int_equal(dns_rr_next(f->out, f->res.len, &off, &rr), 0);
	for (unsigned i = 0; i < m.nscount; i++) {
		assert_int_equal(dns_rr_next(f->out, f->res.len, &off, &rr), 0);
		assert_int_equal(rr.type, DNS_T_SOA);
		if (n++ == 0)
			*ret = rr;
	}
	return n;
}

static void negative_answers_carry_the_zone_soa(void **state)
{
	struct fx *f = *state;
	struct dns_rr soa;
	struct dns_msg m;

	/* NXDOMAIN under a network: the network is the zone */
	assert_int_equal(ask(f, "10.0.0.2", "nope.mynet", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_int_equal(soa_of(f, &soa), 1);
	assert_true(!strcasecmp(soa.name, "mynet")); /* in the question's case: compressed */
	assert_int_equal(soa.class, DNS_CLASS_IN);
	assert_int_equal(soa.ttl, DNS_NEG_TTL);
	assert_int_equal(soa.u.soa.minimum, DNS_NEG_TTL);
	assert_string_equal(soa.u.soa.mname, "mynet");
	assert_string_equal(soa.u.soa.rname, "hostmaster.mynet");
	assert_true(soa.u.soa.refresh && soa.u.soa.retry && soa.u.soa.expire);
	uint32_t serial = soa.u.soa.serial;

	/* NODATA: the name exists, the type does not; a bare name is its own apex */
	assert_int_equal(ask(f, "10.0.0.2", "a", DNS_T_AAAA, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_int_equal(soa_of(f, &soa), 1);
	assert_true(!strcasecmp(soa.name, "a"));
	assert_int_equal(soa.ttl, DNS_NEG_TTL);
	assert_int_equal(ask(f, "10.0.0.2", "A.MyNet", DNS_T_MX, 0, false), DNS_ACT_REPLY);
	assert_int_equal(soa_of(f, &soa), 1);
	assert_true(!strcasecmp(soa.name, "mynet"));
	assert_int_equal(ask(f, "10.1.0.2", "c", DNS_T_AAAA, 0, true), DNS_ACT_REPLY); /* over TCP too */
	assert_int_equal(soa_of(f, &soa), 1);
	assert_true(!strcasecmp(soa.name, "c"));

	/* PTR for an address the asker may not see: the reverse name */
	assert_int_equal(ask(f, "10.1.0.2", "3.0.0.10.in-addr.arpa", DNS_T_PTR, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_int_equal(soa_of(f, &soa), 1);
	assert_true(!strcasecmp(soa.name, "3.0.0.10.in-addr.arpa"));

	/* positive answers have none; nor has a NXDOMAIN we are not the
	 * authority for (an outside name on an internal network), nor BADVERS */
	assert_int_equal(ask(f, "10.0.0.2", "b", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(soa_of(f, &soa), 0);
	assert_int_equal(ask(f, "10.2.0.2", "example.com", DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_int_equal(soa_of(f, &soa), 0);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_false(m.flags & DNS_F_AA);

	/* an update changes the serial */
	assert_int_equal(dns_store_endpoint_remove(f->s, "mynet", ID_A, NULL), 0);
	assert_int_equal(ask(f, "10.0.0.3", "nope.mynet", DNS_T_A, 1232, false), DNS_ACT_REPLY);
	assert_int_equal(soa_of(f, &soa), 1);
	assert_int_not_equal(soa.u.soa.serial, serial);

	/* the longest name there is, under mynet: the SOA still fits 512
	 * (it is compressed against the question) and the reply parses */
	char big[DNS_NAME_TEXT_MAX];
	snprintf(big, sizeof(big), "%.63s.%.63s.%.63s.%.55s.mynet", ID_B ID_B, ID_B ID_B, ID_B ID_B, ID_B ID_B);
	assert_int_equal(strlen(big), 253);
	assert_int_equal(ask(f, "10.0.0.3", big, DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_true(f->res.len <= DNS_UDP_MIN);
	assert_int_equal(soa_of(f, &soa), 1);
	assert_true(!strcasecmp(soa.name, "mynet"));
	/* a network named with 245 characters: "hostmaster." would pass 253,
	 * so the mailbox is the zone itself */
	char longnet[246];
	memset(longnet, 'n', 245);
	longnet[245] = '\0';
	for (int i = 60; i < 200; i += 61)
		longnet[i] = '.';
	assert_int_equal(dns_store_network_add(f->s, longnet, NULL, NULL), 0);
	struct dns_addr e = addr4("10.5.0.2");
	assert_int_equal(dns_store_endpoint_add(f->s, longnet, "eeeeeeeeeeee", "e", NULL, NULL, &e, 1, NULL), 0);
	char q[DNS_NAME_TEXT_MAX];
	snprintf(q, sizeof(q), "x.%s", longnet);
	assert_int_equal(ask(f, "10.5.0.2", q, DNS_T_A, 0, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(f), DNS_RCODE_NXDOMAIN);
	assert_int_equal(soa_of(f, &soa), 1);
	assert_string_equal(soa.u.soa.rname, longnet);
}

static void malformed_queries(void **state)
{
	struct fx *f = *state;
	struct dns_addr a = addr4("10.0.0.2");
	uint8_t q[512];
	struct dns_msg m;
	size_t n = make_query(q, sizeof(q), 0x4242, "b", DNS_T_A, 0);

	/* garbage after a valid header: FORMERR with the id */
	q[5] = 3;
	dns_answer(f->s, &a, q, n, false, f->out, sizeof(f->out), &f->res);
	assert_int_equal(rcode(f), DNS_RCODE_FORMERR);
	/* a response is never answered */
	n = make_query(q, sizeof(q), 0x4242, "b", DNS_T_A, 0);
	q[2] |= 0x80;
	dns_answer(f->s, &a, q, n, false, f->out, sizeof(f->out), &f->res);
	assert_int_equal(f->res.action, DNS_ACT_DROP);
	/* fewer than 12 bytes */
	dns_answer(f->s, &a, q, 5, false, f->out, sizeof(f->out), &f->res);
	assert_int_equal(f->res.action, DNS_ACT_DROP);
	/* opcode UPDATE: NOTIMP */
	n = make_query(q, sizeof(q), 0x4242, "b", DNS_T_A, 0);
	q[2] |= 5 << 3;
	dns_answer(f->s, &a, q, n, false, f->out, sizeof(f->out), &f->res);
	assert_int_equal(rcode(f), DNS_RCODE_NOTIMP);
	/* EDNS version 1: BADVERS */
	n = make_query(q, sizeof(q), 0x4242, "b", DNS_T_A, 1232);
	q[n - 11 + 6] = 1; /* OPT ttl: ext-rcode, version */
	dns_answer(f->s, &a, q, n, false, f->out, sizeof(f->out), &f->res);
	assert_int_equal(rcode(f), 0);
	assert_int_equal(dns_msg_parse(f->out, f->res.len, &m), 0);
	assert_int_equal(m.edns_ext_rcode, 1);
	assert_int_equal(m.ancount, 0);
}

/* A listener answers only the containers of its own network; a network
 * that named no listen address (as here in setup) is answered anywhere. */
static void listeners_serve_their_network_only(void **state)
{
	struct fx *f = *state;
	struct dns_network_opts gw = { .n_listen = 2, .listen = { addr4("10.5.0.1"), addr4("fd05::1") } };
	struct dns_addr e = addr4("10.5.0.2"), e6 = addr4("fd05::2"), a = addr4("10.0.0.2");
	struct dns_addr gw4 = addr4("10.5.0.1"), gw6 = addr4("fd05::1"), other = addr4("10.0.0.1");
	struct dns_addr stranger = addr4("10.5.0.200");
	struct dns_addr both[2] = { e, e6 };

	assert_int_equal(dns_store_network_add(f->s, "gated", &gw, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "gated", "eeeeeeeeeeee", "e", NULL, NULL, both, 2, NULL), 0);
	assert_true(dns_store_serves(f->s, &e, &gw4));
	assert_true(dns_store_serves(f->s, &e6, &gw6));
	assert_true(dns_store_serves(f->s, &e, &gw6)); /* either of its network's listeners */
	assert_false(dns_store_serves(f->s, &e, &other)); /* another network's listener */
	assert_false(dns_store_serves(f->s, &stranger, &gw4)); /* no container */
	assert_true(dns_store_serves(f->s, &a, &gw4)); /* mynet named no listen address */
	assert_true(dns_store_serves(f->s, &a, &other));
	/* a container of another network that has its own listener */
	struct dns_network_opts gw2 = { .n_listen = 1, .listen = { addr4("10.6.0.1") } };
	struct dns_addr g = addr4("10.6.0.2"), gw2a = addr4("10.6.0.1");
	assert_int_equal(dns_store_network_add(f->s, "gated2", &gw2, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(f->s, "gated2", "ffffffffffff", "g", NULL, NULL, &g, 1, NULL), 0);
	assert_true(dns_store_serves(f->s, &g, &gw2a));
	assert_false(dns_store_serves(f->s, &g, &gw4));
	assert_false(dns_store_serves(f->s, &e, &gw2a));
	assert_int_equal(dns_store_endpoint_remove(f->s, "gated", "eeeeeeeeeeee", NULL), 0);
	assert_false(dns_store_serves(f->s, &e, &gw4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(names_resolve_on_the_same_network, setup, teardown),
		cmocka_unit_test_setup_teardown(other_networks_do_not_see, setup, teardown),
		cmocka_unit_test_setup_teardown(internal_networks_never_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(forward_only_networks_have_no_names, setup, teardown),
		cmocka_unit_test_setup_teardown(aaaa_mx_and_other_types, setup, teardown),
		cmocka_unit_test_setup_teardown(ptr_for_visible_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(shared_alias_round_robin, setup, teardown),
		cmocka_unit_test_setup_teardown(updates_take_effect_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_updates_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(asker_upstreams, setup, teardown),
		cmocka_unit_test_setup_teardown(link_aliases_are_the_askers_own, setup, teardown),
		cmocka_unit_test_setup_teardown(truncation_and_edns, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(listeners_serve_their_network_only, setup, teardown),
		cmocka_unit_test_setup_teardown(negative_answers_carry_the_zone_soa, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
