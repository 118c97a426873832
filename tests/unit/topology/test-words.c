/* SPDX-License-Identifier: GPL-2.0-or-later */
/* topo_split_words: cmd/entrypoint/exec strings into argv, shell-style. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <cmocka.h>
#include "topology.h"

/* words joined by '|' */
static char *split(const char *s)
{
	char **v = NULL;
	struct err e = { 0 };
	if (topo_split_words(s, &v, &e) < 0)
		return xasprintf("ERR %s", err_msg(&e));
	char *out = xstrdup("");
	for (size_t i = 0; v[i]; i++) {
		char *n = xasprintf("%s%s%s", out, i ? "|" : "", v[i]);
		free(out);
		out = n;
	}
	strv_free(v);
	return out;
}

static void words(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "   \t\n ", "" },
		{ "sleep 1000", "sleep|1000" },
		{ "  ip   addr add 10.0.0.1/24 dev eth1 ", "ip|addr|add|10.0.0.1/24|dev|eth1" },
		{ "sh -c 'echo a  b; exit 3'", "sh|-c|echo a  b; exit 3" },
		{ "echo \"a \\\"b\\\" $x \\n\"", "echo|a \"b\" $x \\n" },
		{ "echo a\\ b c", "echo|a b|c" },
		{ "echo ''", "echo|" },
		{ "echo \"\"x", "echo|x" },
		{ "a'b'\"c\"d", "abcd" },
		{ "x \\", "x|\\" },
		{ "echo 'unterminated", "ERR unterminated ' quote in \"echo 'unterminated\"" },
		{ "echo \"unterminated", "ERR unterminated \" quote in \"echo \"unterminated\"" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *got = split(cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("split(%s) = \"%s\", want \"%s\"", cases[i].in, got, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
