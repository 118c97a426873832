/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --network's long form: name=NET,alias=A,ip=IP,ip6=IP6,mac-address=MAC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "runtime.h"

static void long_form(void **state)
{
	struct rt_netconf n;
	struct err e = { 0 };
	(void)state;

	assert_false(rt_network_is_long("mynet"));
	assert_true(rt_network_is_long("name=mynet"));
	assert_int_equal(rt_parse_network_long("name=n1,alias=web,alias=w,alias=web,ip=10.0.0.5,ip6=fd00::5,"
					       "mac-address=02:42:0a:00:00:05",
					       &n, &e),
			 0);
	assert_string_equal(n.name, "n1");
	assert_int_equal(strv_len(n.aliases), 2);
	assert_string_equal(n.aliases[1], "w");
	assert_string_equal(n.ip, "10.0.0.5");
	assert_string_equal(n.ip6, "fd00::5");
	assert_string_equal(n.mac, "02:42:0a:00:00:05");
	rt_netconf_done(&n);
	/* keys in any case and order, space around them trimmed; values keep their case */
	assert_int_equal(rt_parse_network_long(" IP = 10.1.0.9 , Name=MyNet", &n, &e), 0);
	assert_string_equal(n.name, "MyNet");
	assert_string_equal(n.ip, "10.1.0.9");
	assert_null(n.ip6);
	assert_null(n.aliases);
	assert_null(n.mac);
	rt_netconf_done(&n);
	assert_int_equal(rt_parse_network_long("name=n", &n, &e), 0);
	rt_netconf_done(&n);
}

static void hostile(void **state)
{
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "ip=10.0.0.1", "no name=NETWORK" },
		{ "name=", "empty --network" },
		{ "name=n,name=m", "\"name\" is given twice" },
		{ "name=n,ip=10.0.0.1,ip=10.0.0.2", "\"ip\" is given twice" },
		{ "name=n,ip=fd00::1", "not an IPv4 address" },
		{ "name=n,ip6=10.0.0.1", "not an IPv6 address" },
		{ "name=n,ip=10.0.0.256", "not an IPv4 address" },
		{ "name=n,mac-address=01:00:5e:00:00:01", "multicast" },
		{ "name=n,mac-address=zz", "six hex pairs" },
		{ "name=n,alias=", "an empty alias" },
		{ "name=n,driver-opt=x=y", "not supported by pontoon" },
		{ "name=n,link-local-ip=169.254.0.1", "not supported by pontoon" },
		{ "name=n,gw-priority=1", "not supported by pontoon" },
		{ "name=n,color=red", "unknown field \"color\"" },
		{ "name=n,", "is not KEY=VALUE" },
		{ "name=n,,ip=10.0.0.1", "is not KEY=VALUE" },
		{ "name=n,=x", "is not KEY=VALUE" },
		{ "name=n,junk", "is not KEY=VALUE" },
		{ "name=\"n\"", "quotes" },
		{ "name=n\n,ip=10.0.0.1", "line breaks" },
		{ "name=none", "need a network, not none" },
		{ "name=host", "need a network, not host" },
		{ "name=container:x", "need a network" },
		{ "name=a/b", "invalid --network" },
		{ "name=-a", "invalid --network" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct rt_netconf n = { 0 };
		struct err e = { 0 };
		if (rt_parse_network_long(bad[i].in, &n, &e) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i].in);
		if (!strstr(err_msg(&e), bad[i].msg))
			fail_msg("\"%s\": got \"%s\"", bad[i].in, err_msg(&e));
		assert_null(n.name);
	}
}

static void expose(void **state)
{
	char **v = NULL;
	struct err e = { 0 };
	(void)state;
	assert_int_equal(rt_parse_expose("80", &v, &e), 0);
	assert_int_equal(rt_parse_expose("53/udp", &v, &e), 0);
	assert_int_equal(rt_parse_expose("7000-7002/tcp", &v, &e), 0);
	assert_int_equal(rt_parse_expose("80/tcp", &v, &e), 0); /* once */
	assert_int_equal(rt_parse_expose("65535", &v, &e), 0);
	assert_int_equal(rt_parse_expose("53/UDP", &v, &e), 0); /* Docker lower-cases it */
	assert_int_equal(strv_len(v), 6);
	assert_string_equal(v[0], "80/tcp");
	assert_string_equal(v[1], "53/udp");
	assert_string_equal(v[2], "7000/tcp");
	assert_string_equal(v[4], "7002/tcp");
	assert_string_equal(v[5], "65535/tcp");
	static const char *const bad[] = { "", "0", "65536", "80/sctp", "80/tcpx", "80/", "/tcp", "8080:80",
					   "1.2.3.4:80", "90-80", "80-", "-80", "80-90-100", "x", "80 ", "+80", NULL };
	for (size_t i = 0; bad[i]; i++) {
		err_clear(&e);
		if (rt_parse_expose(bad[i], &v, &e) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_non_null(strstr(err_msg(&e), "--expose"));
	}
	assert_int_equal(strv_len(v), 6); /* nothing added by a refusal */
	strv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(long_form),
		cmocka_unit_test(hostile),
		cmocka_unit_test(expose),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
