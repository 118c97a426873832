/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's resolv.conf parser (hostile input) and the rendering of a
 * container's /etc/hosts and /etc/resolv.conf. */
#include "dns/helpers.h"

static void parse(const char *text, struct dns_resolv_conf *rc)
{
	assert_int_equal(dns_resolv_conf_parse(text, strlen(text), rc), 0);
}

static void resolv_conf_ordinary(void **state)
{
	struct dns_resolv_conf rc;
	char a[INET6_ADDRSTRLEN];

	parse("# generated\n"
	      "domain corp.example\n"
	      "search corp.example lab.example.\n"
	      "nameserver 192.0.2.53\n"
	      "nameserver   2001:db8::53  # v6\n"
	      "nameserver 127.0.0.53\n"
	      "options edns0 ndots:2\n"
	      "options timeout:1 edns0\n",
	      &rc);
	assert_int_equal(rc.n_ns, 3);
	inet_ntop(AF_INET, &rc.ns[0].v4, a, sizeof(a));
	assert_string_equal(a, "192.0.2.53");
	assert_int_equal(rc.ns[1].family, AF_INET6);
	assert_int_equal(strv_len(rc.search), 2);
	assert_string_equal(rc.search[0], "corp.example");
	assert_string_equal(rc.search[1], "lab.example");
	assert_int_equal(strv_len(rc.options), 3);
	assert_string_equal(rc.options[0], "edns0");
	assert_string_equal(rc.options[1], "ndots:2");
	assert_string_equal(rc.options[2], "timeout:1");
	dns_resolv_conf_clear(&rc);

	/* the last of domain/search wins */
	parse("search a.example b.example\ndomain c.example\n", &rc);
	assert_int_equal(strv_len(rc.search), 1);
	assert_string_equal(rc.search[0], "c.example");
	dns_resolv_conf_clear(&rc);
}

static void resolv_conf_hostile(void **state)
{
	struct dns_resolv_conf rc;
	char big[20000];

	/* nothing usable, no crash */
	parse("", &rc);
	assert_int_equal(rc.n_ns, 0);
	assert_null(rc.search);
	dns_resolv_conf_clear(&rc);
	parse("nameserver\nnameserver 999.1.1.1\nnameserver fe80::1%eth0\nnameserver x\n"
	      "search bad..name -ok- good.example\noptions \"quoted\" ok:1 $(x)\n; comment nameserver 1.1.1.1\n"
	      "nameserver1.1.1.1\n\n\r\n\t \n",
	      &rc);
	assert_int_equal(rc.n_ns, 0);
	assert_int_equal(strv_len(rc.search), 2);
	assert_string_equal(rc.search[0], "-ok-");
	assert_string_equal(rc.search[1], "good.example");
	assert_int_equal(strv_len(rc.options), 1);
	assert_string_equal(rc.options[0], "ok:1");
	dns_resolv_conf_clear(&rc);

	/* no trailing newline, CRLF, and a NUL byte inside a line */
	static const char withnul[] = "nameserver 10.0.0.1\r\nnameserver 10.0.0.2\0 junk\nnameserver 10.0.0.3";
	assert_int_equal(dns_resolv_conf_parse(withnul, sizeof(withnul) - 1, &rc), 0);
	assert_int_equal(rc.n_ns, 3);
	dns_resolv_conf_clear(&rc);

	/* more nameservers than kept; a very long line; a huge search list */
	size_t n = 0;
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "nameserver 10.0.0.%d\n", i + 1);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "search");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, " d%d.example", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\noptions ");
	memset(big + n, 'x', 5000);
	n += 5000;
	assert_int_equal(dns_resolv_conf_parse(big, n, &rc), 0);
	assert_int_equal(rc.n_ns, DNS_RESOLV_MAX_NS);
	assert_int_equal(strv_len(rc.search), DNS_RESOLV_MAX_SEARCH);
	assert_null(rc.options);
	dns_resolv_conf_clear(&rc);
	assert_int_equal(dns_resolv_conf_parse(NULL, 3, &rc), -EINVAL);
}

static void hosts_file(void **state)
{
	struct dns_addr own[2] = { addr4("10.0.0.2"), addr4("fd00::2") };
	char *link_names[] = { "db", "db-alias", NULL };
	char *extra_names[] = { "host.internal", NULL };
	struct dns_host_entry links[] = { { addr4("172.17.0.5"), link_names } };
	struct dns_host_entry extra[] = { { addr4("192.0.2.1"), extra_names } };
	struct dns_hosts_input in = { .ipv6 = true, .hostname = "abc123", .name = "web", .addrs = own, .n_addrs = 2,
				      .links = links, .n_links = 1, .extra = extra, .n_extra = 1 };
	_cleanup_free_ char *text = NULL;

	assert_int_equal(dns_render_hosts(&in, &text, NULL), 0);
	assert_string_equal(text, "127.0.0.1\tlocalhost\n"
				  "::1\tlocalhost ip6-localhost ip6-loopback\n"
				  "fe00::0\tip6-localnet\n"
				  "ff00::0\tip6-mcastprefix\n"
				  "ff02::1\tip6-allnodes\n"
				  "ff02::2\tip6-allrouters\n"
				  "10.0.0.2\tabc123 web\n"
				  "fd00::2\tabc123 web\n"
				  "172.17.0.5\tdb db-alias\n"
				  "192.0.2.1\thost.internal\n");
	free(TAKE_PTR(text));

	/* no IPv6 block; hostname equal to the name is written once */
	struct dns_hosts_input in2 = { .hostname = "web", .name = "WEB", .addrs = own, .n_addrs = 1 };
	assert_int_equal(dns_render_hosts(&in2, &text, NULL), 0);
	assert_string_equal(text, "127.0.0.1\tlocalhost\n10.0.0.2\tweb\n");
	free(TAKE_PTR(text));

	/* a name that would inject a line is refused */
	struct err e = { 0 };
	char *evil[] = { "x\n1.2.3.4 bank.example", NULL };
	struct dns_host_entry bad[] = { { addr4("192.0.2.1"), evil } };
	struct dns_hosts_input in3 = { .extra = bad, .n_extra = 1 };
	assert_int_equal(dns_render_hosts(&in3, &text, &e), -EINVAL);
	assert_non_null(strstr(err_msg(&e), "--add-host"));
	assert_null(text);
	struct dns_host_entry none[] = { { addr4("192.0.2.1"), NULL } };
	struct dns_hosts_input in4 = { .links = none, .n_links = 1 };
	assert_int_equal(dns_render_hosts(&in4, &text, &e), -EINVAL);
	struct dns_hosts_input in5 = { .hostname = "bad host" };
	assert_int_equal(dns_render_hosts(&in5, &text, &e), -EINVAL);
}

static void resolv_conf_user_network(void **state)
{
	struct dns_resolv_conf host;
	struct dns_addr gw = addr4("10.0.0.1"), mine = addr4("192.0.2.99");
	_cleanup_free_ char *text = NULL;

	parse("nameserver 127.0.0.53\nsearch corp.example\noptions edns0 ndots:3 trust-ad\n", &host);
	/* the gateway, the host's search domains and options, ndots:0;
	 * --dns goes to the embedded server, not into the file */
	struct dns_resolv_input in = { .host = &host, .embedded = &gw, .dns = &mine, .n_dns = 1 };
	assert_int_equal(dns_render_resolv_conf(&in, &text, NULL), 0);
	assert_string_equal(text, "nameserver 10.0.0.1\nsearch corp.example\noptions edns0 trust-ad ndots:0\n");
	free(TAKE_PTR(text));
	dns_resolv_conf_clear(&host);

	struct dns_resolv_input bare = { .embedded = &gw };
	assert_int_equal(dns_render_resolv_conf(&bare, &text, NULL), 0);
	assert_string_equal(text, "nameserver 10.0.0.1\noptions ndots:0\n");
}

static void resolv_conf_default_bridge(void **state)
{
	struct dns_resolv_conf host;
	struct dns_addr fb = addr4("172.17.0.1"), d[2] = { addr4("192.0.2.1"), addr4("192.0.2.2") };
	_cleanup_free_ char *text = NULL;
	struct err e = { 0 };

	parse("nameserver 127.0.0.53\nnameserver ::1\nnameserver 192.0.2.53\nsearch lan\noptions rotate\n", &host);
	struct dns_resolv_input in = { .host = &host, .fallback = &fb };
	assert_int_equal(dns_render_resolv_conf(&in, &text, NULL), 0);
	assert_string_equal(text, "nameserver 192.0.2.53\nsearch lan\noptions rotate\n");
	free(TAKE_PTR(text));

	struct dns_resolv_input withdns = { .host = &host, .dns = d, .n_dns = 2 };
	assert_int_equal(dns_render_resolv_conf(&withdns, &text, NULL), 0);
	assert_string_equal(text, "nameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch lan\noptions rotate\n");
	free(TAKE_PTR(text));
	dns_resolv_conf_clear(&host);

	/* only loopback resolvers on the host: netd's forwarder, never 8.8.8.8 */
	parse("nameserver 127.0.0.53\n", &host);
	assert_int_equal(dns_render_resolv_conf(&in, &text, NULL), 0);
	assert_string_equal(text, "nameserver 172.17.0.1\n");
	free(TAKE_PTR(text));
	in.fallback = NULL;
	assert_int_equal(dns_render_resolv_conf(&in, &text, &e), -EINVAL);
	assert_null(text);
	dns_resolv_conf_clear(&host);
	/* --network host: the host's loopback resolvers are the container's too */
	parse("nameserver 127.0.0.53\nnameserver ::1\nnameserver 192.0.2.9\n", &host);
	struct dns_resolv_input hostnet = { .host = &host, .keep_loopback = true };
	assert_int_equal(dns_render_resolv_conf(&hostnet, &text, NULL), 0);
	assert_string_equal(text, "nameserver 127.0.0.53\nnameserver ::1\nnameserver 192.0.2.9\n");
	free(TAKE_PTR(text));
	dns_resolv_conf_clear(&host);
}

static void resolv_conf_from_a_file(void **state)
{
	char path[] = "/tmp/pontoon-resolv.XXXXXX";
	struct dns_resolv_conf rc;
	struct err e = { 0 };
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "nameserver 192.0.2.1\n", 21), 21);
	close(fd);
	assert_int_equal(dns_resolv_conf_read(path, &rc, NULL), 0);
	assert_int_equal(rc.n_ns, 1);
	dns_resolv_conf_clear(&rc);
	unlink(path);
	assert_int_equal(dns_resolv_conf_read(path, &rc, &e), -ENOENT);
	assert_non_null(strstr(err_msg(&e), path));
}

static void name_validity(void **state)
{
	assert_true(dns_name_is_valid("web"));
	assert_true(dns_name_is_valid("my_db-1.example"));
	assert_false(dns_name_is_valid(""));
	assert_false(dns_name_is_valid(NULL));
	assert_false(dns_name_is_valid("a..b"));
	assert_false(dns_name_is_valid("a."));
	assert_false(dns_name_is_valid("a b"));
	assert_false(dns_name_is_valid("a?b"));
	assert_false(dns_name_is_valid("ä"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resolv_conf_ordinary),
		cmocka_unit_test(resolv_conf_hostile),
		cmocka_unit_test(hosts_file),
		cmocka_unit_test(resolv_conf_user_network),
		cmocka_unit_test(resolv_conf_default_bridge),
		cmocka_unit_test(resolv_conf_from_a_file),
		cmocka_unit_test(name_validity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
