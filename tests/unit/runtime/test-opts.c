/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime's option parsers: sizes, cpus, cpusets, capabilities, -v, users,
 * signals, names, hostnames, env, networks; and config JSON round trips. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <time.h>
#include <linux/capability.h>
#include "runtime.h"
#include "rt-internal.h"

static void memory_sizes(void **state)
{
	uint64_t v;
	struct err e = { 0 };
	(void)state;
	assert_int_equal(rt_parse_memory("32m", &v, &e), 0);
	assert_int_equal(v, 32ull << 20);
	assert_int_equal(rt_parse_memory("1g", &v, NULL), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(rt_parse_memory("6291456", &v, NULL), 0);
	assert_int_equal(rt_parse_memory("512k", &v, &e), -EINVAL); /* below Docker's 6m minimum */
	assert_non_null(strstr(e.msg, "minimum"));
	const char *bad[] = { "", "m", "-1m", "1.5g", "32mm", "32 m", "99999999999999999999g", "1x", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(rt_parse_memory(bad[i], &v, NULL), -EINVAL);
	assert_int_equal(rt_parse_memory(NULL, &v, NULL), -EINVAL);
}

static void cpus(void **state)
{
	uint64_t v;
	(void)state;
	assert_int_equal(rt_parse_cpus("0.5", &v, NULL), 0);
	assert_int_equal(v, 500000000ull);
	assert_int_equal(rt_parse_cpus("2", &v, NULL), 0);
	assert_int_equal(v, 2000000000ull);
	assert_int_equal(rt_parse_cpus(".25", &v, NULL), 0);
	assert_int_equal(v, 250000000ull);
	assert_int_equal(rt_parse_cpus("1.000000001", &v, NULL), 0);
	assert_int_equal(v, 1000000001ull);
	const char *bad[] = { "", ".", "0", "0.001", "-1", "1.0000000001", "1e3", "0x1", "1,5", "2000", "1.", "abc", NULL };
	for (int i = 0; bad[i]; i++) {
		if (strcmp(bad[i], "1.") == 0)
			continue; /* "1." is accepted: a trailing point, as strtod */
		assert_int_equal(rt_parse_cpus(bad[i], &v, NULL), -EINVAL);
	}
}

static void cpusets(void **state)
{
	char *s = NULL;
	(void)state;
	assert_int_equal(rt_parse_cpuset("0-1,3", &s, NULL), 0);
	assert_string_equal(s, "0-1,3");
	free(s);
	assert_int_equal(rt_parse_cpuset("7", &s, NULL), 0);
	free(s);
	const char *bad[] = { "", "-1", "1-", "3-1", "1,,2", "1,", "a", "1 2", "0-99999", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(rt_parse_cpuset(bad[i], &s, NULL), -EINVAL);
}

static void pids(void **state)
{
	int64_t v;
	(void)state;
	assert_int_equal(rt_parse_pids_limit("10", &v, NULL), 0);
	assert_int_equal(v, 10);
	assert_int_equal(rt_parse_pids_limit("-1", &v, NULL), 0);
	assert_int_equal(v, -1);
	assert_int_equal(rt_parse_pids_limit("0", &v, NULL), 0);
	assert_int_equal(v, -1);
	assert_int_equal(rt_parse_pids_limit("-2", &v, NULL), -EINVAL);
	assert_int_equal(rt_parse_pids_limit("ten", &v, NULL), -EINVAL);
}

static void capabilities(void **state)
{
	int c;
	struct err e = { 0 };
	(void)state;
	assert_int_equal(rt_parse_cap("NET_ADMIN", &c, NULL), 0);
	assert_int_equal(c, CAP_NET_ADMIN);
	assert_int_equal(rt_parse_cap("CAP_SYS_ADMIN", &c, NULL), 0);
	assert_int_equal(c, CAP_SYS_ADMIN);
	assert_int_equal(rt_parse_cap("net_raw", &c, NULL), 0);
	assert_int_equal(c, CAP_NET_RAW);
	assert_int_equal(rt_parse_cap("all", &c, NULL), 0);
	assert_int_equal(c, -1);
	assert_int_equal(rt_parse_cap("NOPE", &c, &e), -EINVAL);
	assert_string_equal(e.msg, "unknown capability \"NOPE\"");
	const char *bad[] = { "", "12", "CAP_", "NET ADMIN", "NET_ADMIN,SYS_ADMIN", "cap_12", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(rt_parse_cap(bad[i], &c, NULL), -EINVAL);
}

static void cap_sets(void **state)
{
	struct rt_config c;
	uint64_t m;
	(void)state;
	rt_config_init(&c);
	assert_int_equal(rt_caps_compute(&c, &m, NULL), 0);
	assert_int_equal(m, 0xa80425fbull); /* Docker's default set */
	strv_push(&c.cap_drop, "ALL");
	strv_push(&c.cap_add, "KILL");
	assert_int_equal(rt_caps_compute(&c, &m, NULL), 0);
	assert_int_equal(m, 1ull << CAP_KILL);
	strv_free(c.cap_drop);
	strv_free(c.cap_add);
	c.cap_drop = c.cap_add = NULL;
	strv_push(&c.cap_add, "ALL");
	strv_push(&c.cap_drop, "SYS_ADMIN");
	assert_int_equal(rt_caps_compute(&c, &m, NULL), 0);
	assert_true(m & (1ull << CAP_NET_ADMIN));
	assert_false(m & (1ull << CAP_SYS_ADMIN));
	rt_config_done(&c);
}

static void binds(void **state)
{
	struct rt_bind b;
	struct err e = { 0 };
	(void)state;
	assert_int_equal(rt_parse_bind("/src:/dst", &b, NULL), 0);
	assert_string_equal(b.src, "/src");
	assert_string_equal(b.dst, "/dst");
	assert_false(b.ro);
	assert_false(b.volume);
	rt_bind_done(&b);
	assert_int_equal(rt_parse_bind("/src:/dst:ro", &b, NULL), 0);
	assert_true(b.ro);
	rt_bind_done(&b);
	assert_int_equal(rt_parse_bind("data:/var/lib/x:rw", &b, NULL), 0);
	assert_true(b.volume);
	assert_false(b.ro);
	rt_bind_done(&b);
	const char *bad[] = { "", "/src", "/src:", ":/dst", "/src:dst", "/src:/", "/src:/a/../b", "/a/../b:/c",
			      "/src:/dst:rx", "/src:/dst:ro:x", "bad name:/x", "a:/x", "-x:/y", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(rt_parse_bind(bad[i], &b, &e), -EINVAL);
}

static void users(void **state)
{
	(void)state;
	const char *good[] = { "root", "1000", "1000:1000", "nobody:nogroup", "_svc", "www-data", "u:0", NULL };
	for (int i = 0; good[i]; i++)
		assert_int_equal(rt_parse_user(good[i], NULL), 0);
	const char *bad[] = { "", ":", "1000:", ":1000", "a b", "4294967295", "1:2:3", "-x", "x/y",
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(rt_parse_user(bad[i], NULL), -EINVAL);
}

static void signals_names_hosts(void **state)
{
	int s;
	(void)state;
	assert_int_equal(rt_parse_signal("TERM", &s, NULL), 0);
	assert_int_equal(s, SIGTERM);
	assert_int_equal(rt_parse_signal("sigkill", &s, NULL), 0);
	assert_int_equal(s, SIGKILL);
	assert_int_equal(rt_parse_signal("10", &s, NULL), 0);
	assert_int_equal(s, 10);
	assert_int_equal(rt_parse_signal("0", &s, NULL), -EINVAL);
	assert_int_equal(rt_parse_signal("SIGNOPE", &s, NULL), -EINVAL);
	assert_int_equal(rt_parse_name("web-1.a_b", NULL), 0);
	assert_int_equal(rt_parse_name("-web", NULL), -EINVAL);
	assert_int_equal(rt_parse_name("a/b", NULL), -EINVAL);
	assert_int_equal(rt_parse_name("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL), -EINVAL);
	assert_int_equal(rt_parse_hostname("box-1.example", NULL), 0);
	assert_int_equal(rt_parse_hostname("-box", NULL), -EINVAL);
	assert_int_equal(rt_parse_hostname("box-", NULL), -EINVAL);
	assert_int_equal(rt_parse_hostname("a..b", NULL), -EINVAL);
	assert_int_equal(rt_parse_hostname("a b", NULL), -EINVAL);
}

static void env_and_network(void **state)
{
	char *v = NULL;
	(void)state;
	assert_int_equal(rt_parse_env("A=b=c", &v, NULL), 0);
	assert_string_equal(v, "A=b=c");
	free(v);
	setenv("PONTOON_TEST_ENV", "x", 1);
	assert_int_equal(rt_parse_env("PONTOON_TEST_ENV", &v, NULL), 0);
	assert_string_equal(v, "PONTOON_TEST_ENV=x");
	free(v);
	assert_int_equal(rt_parse_env("PONTOON_TEST_UNSET_ENV", &v, NULL), 0);
	assert_null(v);
	assert_int_equal(rt_parse_env("=x", &v, NULL), -EINVAL);
	assert_int_equal(rt_parse_env("A B=x", &v, NULL), -EINVAL);
	assert_int_equal(rt_parse_network("none", NULL), 0);
	assert_int_equal(rt_parse_network("host", NULL), 0);
	assert_int_equal(rt_parse_network("container:web", NULL), 0);
	assert_int_equal(rt_parse_network("container:", NULL), -EINVAL);
	assert_int_equal(rt_parse_network("bridge", NULL), 0);
	assert_int_equal(rt_parse_network("my-net.1_x", NULL), 0);
	assert_int_equal(rt_parse_network("", NULL), -EINVAL);
	assert_int_equal(rt_parse_network("-x", NULL), -EINVAL);
	assert_int_equal(rt_parse_network("a b", NULL), -EINVAL);
	assert_int_equal(rt_parse_network("a/b", NULL), -EINVAL);
}

static void config_round_trip(void **state)
{
	struct rt_config c, d;
	struct rt_bind b;
	(void)state;
	rt_config_init(&c);
	memcpy(c.id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ID_LEN + 1);
	c.name = xstrdup("web");
	c.hostname = xstrdup("h");
	c.network = xstrdup("none");
	c.memory = 32 << 20;
	c.nano_cpus = 500000000;
	c.pids_limit = 10;
	c.read_only = c.init = c.tty = true;
	strv_push(&c.cmd, "sh");
	strv_push(&c.cmd, "-c");
	strv_push(&c.env, "A=1");
	strv_push(&c.cap_add, "NET_ADMIN");
	assert_int_equal(rt_parse_bind("/a:/b:ro", &b, NULL), 0);
	c.binds = xmalloc(sizeof(b));
	c.binds[0] = b;
	c.n_binds = 1;
	c.nets = xcalloc(2, sizeof(*c.nets));
	c.nets[0].name = xstrdup("mynet");
	c.nets[0].ip = xstrdup("10.1.0.9");
	strv_push(&c.nets[0].aliases, "db");
	c.nets[1].name = xstrdup("other");
	c.n_nets = 2;
	strv_push(&c.dns, "10.0.0.53");
	strv_push(&c.add_hosts, "h:1.2.3.4");
	strv_push(&c.links, "web:w");
	json_object *o = rt_config_to_json(&c);
	assert_int_equal(rt_config_from_json(o, &d, NULL), 0);
	json_object_put(o);
	assert_string_equal(d.name, "web");
	assert_int_equal(d.memory, 32 << 20);
	assert_int_equal(d.nano_cpus, 500000000);
	assert_int_equal(d.pids_limit, 10);
	assert_true(d.read_only && d.init && d.tty);
	assert_false(d.privileged);
	assert_int_equal(strv_len(d.cmd), 2);
	assert_string_equal(d.binds[0].dst, "/b");
	assert_true(d.binds[0].ro);
	assert_string_equal(d.cap_add[0], "NET_ADMIN");
	assert_int_equal(d.n_nets, 2);
	assert_string_equal(d.nets[0].name, "mynet");
	assert_string_equal(d.nets[0].ip, "10.1.0.9");
	assert_string_equal(d.nets[0].aliases[0], "db");
	assert_null(d.nets[1].ip);
	assert_string_equal(d.nets[1].name, "other");
	assert_int_equal(rt_config_net_find(&d, "other"), 1);
	assert_int_equal(rt_config_net_find(&d, "nope"), -1);
	assert_string_equal(d.dns[0], "10.0.0.53");
	assert_string_equal(d.add_hosts[0], "h:1.2.3.4");
	assert_string_equal(d.links[0], "web:w");
	rt_config_done(&c);
	rt_config_done(&d);
	/* hostile JSON is refused, never crashes */
	json_object *bad = json_tokener_parse("{\"Id\":\"x\"}");
	assert_int_equal(rt_config_from_json(bad, &d, NULL), -EINVAL);
	rt_config_done(&d);
	json_object_put(bad);
}

static void state_round_trip(void **state)
{
	struct rt_state s = { .status = RT_EXITED, .exit_code = 137, .oom_killed = true }, t;
	(void)state;
	rt_now_rfc3339(s.started);
	json_object *o = rt_state_to_json(&s);
	rt_state_parse(o, &t);
	json_object_put(o);
	assert_int_equal(t.status, RT_EXITED);
	assert_int_equal(t.exit_code, 137);
	assert_true(t.oom_killed);
	assert_string_equal(t.started, s.started);
	assert_string_equal(t.finished, "");
}

/* rt_rfc3339 computes UTC itself: it agrees with gmtime_r from 1970 to 9999,
 * on leap days, century and 400-year boundaries. */
static void rfc3339(void **state)
{
	(void)state;
	const int64_t fixed[] = { 0, 951782400, 951868799, 4107542400, 4107628800, 1709164800, 1735689599,
				  253402300799, 86399, 68169600 };
	char a[40], b[64];
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		struct timespec ts = { .tv_nsec = i * 49999 % 1000000000 };
		if (i < (int)(sizeof(fixed) / sizeof(fixed[0]))) {
			ts.tv_sec = fixed[i];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			ts.tv_sec = (time_t)(x % 253402300800ull);
		}
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(b, sizeof(b), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)ts.tv_nsec);
		rt_rfc3339(&ts, a);
		assert_string_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memory_sizes), cmocka_unit_test(cpus),        cmocka_unit_test(cpusets),
		cmocka_unit_test(pids),         cmocka_unit_test(capabilities), cmocka_unit_test(cap_sets),
		cmocka_unit_test(binds),        cmocka_unit_test(users),       cmocka_unit_test(signals_names_hosts),
		cmocka_unit_test(env_and_network), cmocka_unit_test(config_round_trip), cmocka_unit_test(state_round_trip),
		cmocka_unit_test(rfc3339),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
