/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup directory of a root's containers: "pontoon" for the default
 * root, "pontoon-<16 hex>" for any other, the same for every spelling of one
 * root, different for different roots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "runtime.h"
#include "rt-internal.h"

static bool is_scoped(const char *p)
{
	if (strncmp(p, "pontoon-", 8) != 0 || strlen(p) != 8 + 16)
		return false;
	for (const char *c = p + 8; *c; c++)
		if (!strchr("0123456789abcdef", *c))
			return false;
	return true;
}

static void default_root_keeps_pontoon(void **state)
{
	(void)state;
	_cleanup_free_ char *p = rt_cgroup_parent(RT_DEFAULT_ROOT);
	assert_string_equal(p, "pontoon");
}

static void other_roots_are_scoped(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/pontoon-cg-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	_cleanup_free_ char *a = rt_cgroup_parent(tmpl);
	_cleanup_free_ char *slash = xasprintf("%s/", tmpl);
	_cleanup_free_ char *dots = xasprintf("%s/./", tmpl);
	_cleanup_free_ char *b = rt_cgroup_parent(slash);
	_cleanup_free_ char *c = rt_cgroup_parent(dots);
	_cleanup_free_ char *d = rt_cgroup_parent("/nonexistent/pontoon-root");
	_cleanup_free_ char *a2 = rt_cgroup_parent(tmpl);

	assert_true(is_scoped(a));
	assert_string_equal(a, b); /* one root, spelled three ways */
	assert_string_equal(a, c);
	assert_string_equal(a, a2);
	assert_true(is_scoped(d));
	assert_string_not_equal(a, d);
	assert_int_equal(rmdir(tmpl), 0);
}

static void paths_under_the_parent(void **state)
{
	(void)state;
	_cleanup_free_ char *parent = rt_cgroup_parent("/srv/p1");
	_cleanup_free_ char *path = rt_cgroup_path("/srv/p1", "abc", "pids");
	_cleanup_free_ char *base = rt_cgroup_base("/srv/p1", "pids");
	_cleanup_free_ char *want = xasprintf("/%s/abc", parent);
	assert_non_null(strstr(path, want));
	assert_int_equal(strncmp(path, base, strlen(base)), 0);
	assert_string_equal(path + strlen(base), "/abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_root_keeps_pontoon),
		cmocka_unit_test(other_roots_are_scoped),
		cmocka_unit_test(paths_under_the_parent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
