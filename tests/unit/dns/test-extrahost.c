/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --add-host specs in Docker's forms, and hostile ones. */
#include "dns/helpers.h"

static void forms(void **state)
{
	static const struct {
		const char *in, *name, *addr;
	} ok[] = {
		{ "db:10.0.0.5", "db", "10.0.0.5" },
		{ "db=10.0.0.5", "db", "10.0.0.5" },
		{ "h6:::1", "h6", "::1" },
		{ "h6=::1", "h6", "::1" },
		{ "h6:[::1]", "h6", "::1" },
		{ "h6=[fd00::1]", "h6", "fd00::1" },
		{ "h4:[10.0.0.1]", "h4", "10.0.0.1" },
		{ "h:2001:db8::1:2", "h", "2001:db8::1:2" },
		{ "host.docker.internal:host-gateway", "host.docker.internal", "host-gateway" },
		{ "gw=host-gateway", "gw", "host-gateway" },
		{ "my_host.example:192.0.2.1", "my_host.example", "192.0.2.1" },
		{ "h:::ffff:10.0.0.1", "h", "::ffff:10.0.0.1" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		char *name = NULL, *addr = NULL;
		struct err e = { 0 };
		if (dns_extra_host_parse(ok[i].in, &name, &addr, &e) != 0)
			fail_msg("%s refused: %s", ok[i].in, err_msg(&e));
		assert_string_equal(name, ok[i].name);
		assert_string_equal(addr, ok[i].addr);
		free(name);
		free(addr);
	}
	/* the outputs are optional */
	assert_int_equal(dns_extra_host_parse("a:1.2.3.4", NULL, NULL, NULL), 0);
}

static void hostile(void **state)
{
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "", "use NAME:IP" },
		{ "nocolon", "use NAME:IP" },
		{ ":10.0.0.1", "use NAME:IP" },
		{ "=10.0.0.1", "use NAME:IP" },
		{ "h:", "not an IP address" },
		{ "h=", "not an IP address" },
		{ "h:[]", "not an IP address" },
		{ "h:[::1", "not an IP address" },
		{ "h:::1]", "not an IP address" },
		{ "h:[[::1]]", "not an IP address" },
		{ "h:10.0.0.256", "not an IP address" },
		{ "h:10.0.0.1/24", "not an IP address" },
		{ "h: 10.0.0.1", "not an IP address" },
		{ "h:host-gateway ", "not an IP address" },
		{ "h:HOST-GATEWAY", "not an IP address" },
		{ "h:fe80::1%eth0", "not an IP address" },
		{ "h:example.com", "not an IP address" },
		{ "bad name:10.0.0.1", "not a valid host name" },
		{ "a..b:10.0.0.1", "not a valid host name" },
		{ "a\nb:10.0.0.1", "not a valid host name" },
		{ "x/y=::1", "not a valid host name" },
		{ "a:b=10.0.0.1", "not a valid host name" }, /* '=' first: the name is "a:b" */
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *name = (char *)"untouched", *addr = (char *)"untouched";
		struct err e = { 0 };
		if (dns_extra_host_parse(bad[i].in, &name, &addr, &e) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i].in);
		if (!strstr(err_msg(&e), bad[i].msg))
			fail_msg("\"%s\": got \"%s\"", bad[i].in, err_msg(&e));
		assert_string_equal(name, "untouched");
		assert_string_equal(addr, "untouched");
	}
	/* a very long name is cut in the message, not refused for its length alone */
	char long_spec[2048];
	memset(long_spec, 'a', sizeof(long_spec));
	strcpy(long_spec + sizeof(long_spec) - 12, ":10.0.0.1");
	struct err e = { 0 };
	assert_int_equal(dns_extra_host_parse(long_spec, NULL, NULL, &e), -EINVAL);
	assert_true(strlen(err_msg(&e)) < 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
