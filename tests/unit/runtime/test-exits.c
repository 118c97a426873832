/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exit records of --rm containers ($ROOT/exits): written and read back, and
 * pruned only when the stamp says the last prune is a minute old, so that a
 * shim's exit does not read the whole directory each time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "runtime.h"
#include "rt-internal.h"

static void prune_due(void **state)
{
	(void)state;
	time_t now = 1700000000;
	assert_true(rt_exits_prune_due(now, 0)); /* never pruned: no stamp */
	assert_false(rt_exits_prune_due(now, now));
	assert_false(rt_exits_prune_due(now, now - 1));
	assert_false(rt_exits_prune_due(now, now - 59));
	assert_true(rt_exits_prune_due(now, now - 60));
	assert_true(rt_exits_prune_due(now, now - 100000));
	assert_false(rt_exits_prune_due(now, now + 1)); /* mtimes run ahead of time(2) */
	assert_true(rt_exits_prune_due(now, now + 3600)); /* the clock went back */
	assert_false(rt_exits_expired(now, now));
	assert_false(rt_exits_expired(now, now - 600));
	assert_true(rt_exits_expired(now, now - 601));
	assert_false(rt_exits_expired(now, now + 10));
}

static char root[] = "/tmp/pontoon-test-exits.XXXXXX";

static char *exits_file(const char *name)
{
	return xasprintf("%s/exits/%s", root, name);
}

static void age_file(const char *name, time_t age)
{
	_cleanup_free_ char *p = exits_file(name);
	struct timespec t[2] = { { .tv_sec = time(NULL) - age }, { .tv_sec = time(NULL) - age } };
	assert_int_equal(utimensat(AT_FDCWD, p, t, 0), 0);
}

/* a file in exits/ whose mtime is age seconds ago */
static void make_aged(const char *name, time_t age)
{
	_cleanup_free_ char *p = exits_file(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "1\n", 2), 2);
	close(fd);
	age_file(name, age);
}

static bool exists(const char *name)
{
	_cleanup_free_ char *p = exits_file(name);
	return access(p, F_OK) == 0;
}

static void records_and_pruning(void **state)
{
	(void)state;
	int code = -1;
	assert_non_null(mkdtemp(root));
	assert_int_equal(rt_exit_recorded(root, "a1", &code), -ENOENT);
	/* the first record makes the directory and the stamp */
	rt_exit_record(root, "a1", 3);
	assert_int_equal(rt_exit_recorded(root, "a1", &code), 0);
	assert_int_equal(code, 3);
	assert_true(exists(".pruned"));

	/* old records (and a crash's temporary file) stay while the stamp is fresh */
	make_aged("old1", 700);
	make_aged(".old2", 700);
	make_aged("young", 100);
	rt_exit_record(root, "a2", 0);
	assert_true(exists("old1"));
	assert_true(exists(".old2"));

	/* a minute later the next exit prunes what is over ten minutes old */
	age_file(".pruned", 61);
	rt_exit_record(root, "a3", 255);
	assert_false(exists("old1"));
	assert_false(exists(".old2"));
	assert_true(exists("young"));
	assert_true(exists("a1") && exists("a2") && exists("a3") && exists(".pruned"));
	assert_int_equal(rt_exit_recorded(root, "a3", &code), 0);
	assert_int_equal(code, 255);
	/* and the stamp is new again */
	struct stat sb;
	_cleanup_free_ char *stamp = exits_file(".pruned");
	assert_int_equal(stat(stamp, &sb), 0);
	assert_true(time(NULL) - sb.st_mtime < 5);
	make_aged("old3", 700);
	rt_exit_record(root, "a4", 1);
	assert_true(exists("old3"));

	/* a stamp in the future (the clock went back) does not stop pruning */
	age_file(".pruned", -3600);
	rt_exit_record(root, "a5", 1);
	assert_false(exists("old3"));

	/* no stamp at all (a root from before stamps): pruned */
	make_aged("old4", 700);
	assert_int_equal(unlink(stamp), 0);
	rt_exit_record(root, "a6", 1);
	assert_false(exists("old4"));
	assert_true(exists(".pruned"));

	/* a damaged record is refused, not misread */
	_cleanup_free_ char *bad = exits_file("bad");
	FILE *f = fopen(bad, "w");
	assert_non_null(f);
	fputs("300\n", f);
	fclose(f);
	assert_int_equal(rt_exit_recorded(root, "bad", &code), -EBADMSG);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prune_due),
		cmocka_unit_test(records_and_pruning),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
