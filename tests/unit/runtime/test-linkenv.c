/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --link's environment variables (Docker's form) and the merge with the
 * configured environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "runtime.h"

static void assert_env(char **got, const char *const *want)
{
	size_t n = 0;
	for (; want[n]; n++) {
		if (!got || !got[n])
			fail_msg("missing #%zu %s", n, want[n]);
		if (strcmp(got[n], want[n]) != 0)
			fail_msg("#%zu: got %s, want %s", n, got[n], want[n]);
	}
	if (got && got[n])
		fail_msg("extra #%zu %s", n, got[n]);
}

static void docker_form(void **state)
{
	(void)state;
	char *env[] = { "PATH=/usr/bin", "HOME=/root", "FOO=bar", "lower_case=1", "EMPTY=", "A=b=c", "novalue", NULL };
	char *ports[] = { "53/udp", "80/TCP", "443", NULL };
	struct rt_link_info l = { .name = "/app/my-db", .ip = "172.17.0.2", .env = env, .ports = ports };
	char **got = rt_link_env(&l);
	static const char *const want[] = {
		"MY_DB_PORT=tcp://172.17.0.2:80",
		"MY_DB_PORT_80_TCP=tcp://172.17.0.2:80",
		"MY_DB_PORT_80_TCP_ADDR=172.17.0.2",
		"MY_DB_PORT_80_TCP_PORT=80",
		"MY_DB_PORT_80_TCP_PROTO=tcp",
		"MY_DB_PORT_443_TCP=tcp://172.17.0.2:443",
		"MY_DB_PORT_443_TCP_ADDR=172.17.0.2",
		"MY_DB_PORT_443_TCP_PORT=443",
		"MY_DB_PORT_443_TCP_PROTO=tcp",
		"MY_DB_PORT_53_UDP=udp://172.17.0.2:53",
		"MY_DB_PORT_53_UDP_ADDR=172.17.0.2",
		"MY_DB_PORT_53_UDP_PORT=53",
		"MY_DB_PORT_53_UDP_PROTO=udp",
		"MY_DB_NAME=/app/my-db",
		"MY_DB_ENV_FOO=bar",
		"MY_DB_ENV_lower_case=1",
		"MY_DB_ENV_EMPTY=",
		"MY_DB_ENV_A=b=c",
		NULL,
	};
	assert_env(got, want);
	strv_free(got);
}

static void ranges_and_edges(void **state)
{
	(void)state;
	/* a run of consecutive ports gets _START/_END; duplicates and junk are dropped */
	char *ports[] = { "7002/tcp", "7000/tcp", "7001/tcp", "7001/tcp", "9000/udp", "9001/udp", "x/tcp",
			  "0/tcp", "70000/tcp", "80/t1", "80/", "", "/tcp", NULL };
	struct rt_link_info l = { .name = "/a/web", .ip = "10.0.0.5", .ports = ports };
	char **got = rt_link_env(&l);
	static const char *const want[] = {
		"WEB_PORT=tcp://10.0.0.5:7000",
		"WEB_PORT_7000_TCP=tcp://10.0.0.5:7000",
		"WEB_PORT_7000_TCP_ADDR=10.0.0.5",
		"WEB_PORT_7000_TCP_PORT=7000",
		"WEB_PORT_7000_TCP_PROTO=tcp",
		"WEB_PORT_7001_TCP=tcp://10.0.0.5:7001",
		"WEB_PORT_7001_TCP_ADDR=10.0.0.5",
		"WEB_PORT_7001_TCP_PORT=7001",
		"WEB_PORT_7001_TCP_PROTO=tcp",
		"WEB_PORT_7002_TCP=tcp://10.0.0.5:7002",
		"WEB_PORT_7002_TCP_ADDR=10.0.0.5",
		"WEB_PORT_7002_TCP_PORT=7002",
		"WEB_PORT_7002_TCP_PROTO=tcp",
		"WEB_PORT_7000_TCP_START=tcp://10.0.0.5:7000",
		"WEB_PORT_7000_TCP_PORT_START=7000",
		"WEB_PORT_7000_TCP_END=tcp://10.0.0.5:7002",
		"WEB_PORT_7000_TCP_PORT_END=7002",
		"WEB_PORT_9000_UDP=udp://10.0.0.5:9000",
		"WEB_PORT_9000_UDP_ADDR=10.0.0.5",
		"WEB_PORT_9000_UDP_PORT=9000",
		"WEB_PORT_9000_UDP_PROTO=udp",
		"WEB_PORT_9001_UDP=udp://10.0.0.5:9001",
		"WEB_PORT_9001_UDP_ADDR=10.0.0.5",
		"WEB_PORT_9001_UDP_PORT=9001",
		"WEB_PORT_9001_UDP_PROTO=udp",
		"WEB_PORT_9000_UDP_START=udp://10.0.0.5:9000",
		"WEB_PORT_9000_UDP_PORT_START=9000",
		"WEB_PORT_9000_UDP_END=udp://10.0.0.5:9001",
		"WEB_PORT_9000_UDP_PORT_END=9001",
		"WEB_NAME=/a/web",
		NULL,
	};
	assert_env(got, want);
	strv_free(got);

	/* no ports, no env: the name only */
	struct rt_link_info bare = { .name = "/a/db.1", .ip = "10.0.0.6" };
	got = rt_link_env(&bare);
	assert_env(got, (const char *const[]){ "DB.1_NAME=/a/db.1", NULL });
	strv_free(got);
}

static void merge(void **state)
{
	(void)state;
	char *base[] = { "DB_NAME=/a/db", "DB_PORT=tcp://10.0.0.2:80", NULL };
	char *over[] = { "PATH=/bin", "DB_PORT=mine", "X=1", NULL };
	char **got = rt_env_merge(base, over);
	assert_env(got, (const char *const[]){ "DB_NAME=/a/db", "DB_PORT=mine", "PATH=/bin", "X=1", NULL });
	strv_free(got);
	got = rt_env_merge(NULL, over);
	assert_env(got, (const char *const[]){ "PATH=/bin", "DB_PORT=mine", "X=1", NULL });
	strv_free(got);
	got = rt_env_merge(base, NULL);
	assert_env(got, (const char *const[]){ "DB_NAME=/a/db", "DB_PORT=tcp://10.0.0.2:80", NULL });
	strv_free(got);
	/* a name that is a prefix of another is not the same name */
	char *b2[] = { "DB=1", NULL }, *o2[] = { "DB_X=2", NULL };
	got = rt_env_merge(b2, o2);
	assert_env(got, (const char *const[]){ "DB=1", "DB_X=2", NULL });
	strv_free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(docker_form),
		cmocka_unit_test(ranges_and_edges),
		cmocka_unit_test(merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
