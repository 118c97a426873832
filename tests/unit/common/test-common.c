/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <dirent.h>
#include "common.h"

static char *tmpdir_new(void)
{
	char tmpl[] = "/tmp/pontoon-unit.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void err_chain_reads_outermost_first(void **state)
{
	struct err e = { 0 };
	assert_int_equal(err_set(&e, EEXIST, "add bridge %s", "pn-1a2b"), -EEXIST);
	assert_int_equal(err_wrap(&e, "create network \"%s\"", "x"), -EEXIST);
	assert_string_equal(err_msg(&e), "create network \"x\": add bridge pn-1a2b: File exists");
	assert_int_equal(e.code, EEXIST);
}

static void err_setx_has_no_strerror_and_null_is_fine(void **state)
{
	struct err e = { 0 };
	assert_int_equal(err_setx(&e, EINVAL, "bad CIDR \"%s\"", "1.2.3.4/33"), -EINVAL);
	assert_string_equal(err_msg(&e), "bad CIDR \"1.2.3.4/33\"");
	/* callers that only want the code pass NULL */
	assert_int_equal(err_set(NULL, ENOENT, "x"), -ENOENT);
	assert_int_equal(err_wrap(NULL, "y"), -EIO);
	/* a negative or zero code is normalised, never 0 once set */
	assert_int_equal(err_set(&e, -ENOSPC, "full"), -ENOSPC);
	assert_int_equal(err_set(&e, 0, "?"), -EIO);
	err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(err_msg(&e), "unknown error");
}

static void err_wrap_truncates_instead_of_overflowing(void **state)
{
	struct err e = { 0 };
	char big[1000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_setx(&e, EIO, "%s", big);
	for (int i = 0; i < 20; i++)
		err_wrap(&e, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	assert_int_equal(e.code, EIO);
}

static void atomic_write_replaces_whole_file(void **state)
{
	_cleanup_free_ char *dir = tmpdir_new();
	_cleanup_free_ char *path = path_join(dir, "f.json");
	_cleanup_free_ char *buf = NULL;
	size_t len;

	assert_int_equal(write_file_atomic(path, "old", 3, 0600, NULL), 0);
	assert_int_equal(write_file_atomic(path, "new!", 4, 0644, NULL), 0);
	assert_int_equal(read_file(path, 100, &buf, &len, NULL), 0);
	assert_int_equal(len, 4);
	assert_string_equal(buf, "new!");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(rm_rf(dir, NULL), 0);
}

/* A real failure mid-write: RLIMIT_FSIZE makes write(2) fail with EFBIG
 * after the first 64 KiB chunk; the old file must be intact, no temp left. */
static void atomic_write_failing_midway_keeps_old_file(void **state)
{
	_cleanup_free_ char *dir = tmpdir_new();
	_cleanup_free_ char *path = path_join(dir, "state.json");
	_cleanup_free_ char *buf = NULL;
	struct rlimit old, lim = { .rlim_cur = 100000, .rlim_max = RLIM_INFINITY };
	struct err e = { 0 };
	size_t len, big = 1 << 20;
	char *data = xmalloc(big);

	memset(data, 'x', big);
	assert_int_equal(write_file_atomic(path, "{\"v\":1}", 7, 0600, NULL), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int r = write_file_atomic(path, data, big, 0600, &e);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	free(data);
	assert_int_equal(r, -EFBIG);
	assert_non_null(strstr(err_msg(&e), "state.json"));
	assert_int_equal(read_file(path, 100, &buf, &len, NULL), 0);
	assert_string_equal(buf, "{\"v\":1}");
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(rm_rf(dir, NULL), 0);
}

/* ERRNO "KILL": the N-th call SIGKILLs the process (crash tests). */
static void fault_kill_kills_at_the_nth_call(void **state)
{
#ifdef PONTOON_FAULT_INJECTION
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fault_reset("x:2:KILL");
		if (fault_point("x") != 0 || fault_point("y") != 0)
			_exit(3);
		(void)fault_point("x");
		_exit(4); /* not reached */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
#endif
	(void)state;
}

static void atomic_write_fault_injection_keeps_old_file(void **state)
{
#ifdef PONTOON_FAULT_INJECTION
	_cleanup_free_ char *dir = tmpdir_new();
	_cleanup_free_ char *path = path_join(dir, "s.json");
	_cleanup_free_ char *buf = NULL;
	size_t big = 300000;
	char *data = xcalloc(1, big);

	assert_int_equal(write_file_atomic(path, "keep", 4, 0600, NULL), 0);
	fault_reset("state:3:ENOSPC"); /* the third 64 KiB chunk fails */
	assert_int_equal(write_file_atomic(path, data, big, 0600, NULL), -ENOSPC);
	fault_reset("");
	free(data);
	assert_int_equal(read_file(path, 100, &buf, NULL, NULL), 0);
	assert_string_equal(buf, "keep");
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(rm_rf(dir, NULL), 0);
#else
	skip();
#endif
}

static void atomic_write_into_missing_dir_fails_cleanly(void **state)
{
	struct err e = { 0 };
	assert_int_equal(write_file_atomic("/nonexistent-pontoon/x", "a", 1, 0600, &e), -ENOENT);
	assert_non_null(strstr(err_msg(&e), "/nonexistent-pontoon/x"));
}

static void json_state_round_trip(void **state)
{
	_cleanup_free_ char *dir = tmpdir_new();
	_cleanup_free_ char *path = path_join(dir, "net.json");
	_cleanup_json_ json_object *o = json_object_new_object();
	_cleanup_json_ json_object *back = NULL;

	json_object_object_add(o, "Name", json_object_new_string("my/net \"q\" \xc3\xa9"));
	json_object_object_add(o, "Count", json_object_new_int64(INT64_MAX));
	json_object *a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("192.168.0.0/16"));
	json_object_object_add(o, "Subnets", a);
	assert_int_equal(state_write_json(path, o, NULL), 0);
	assert_int_equal(state_read_json(path, &back, NULL), 0);
	assert_true(json_object_equal(o, back));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(rm_rf(dir, NULL), 0);
}

static void json_state_rejects_corrupt_files(void **state)
{
	static const char *const bad[] = { "", "{", "{\"a\":1", "{\"a\":1} x", "[1,2", "nul", "\"unterminated" };
	_cleanup_free_ char *dir = tmpdir_new();
	_cleanup_free_ char *path = path_join(dir, "bad.json");

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_object *o = NULL;
		struct err e = { 0 };
		assert_int_equal(write_file_atomic(path, bad[i], strlen(bad[i]), 0600, NULL), 0);
		assert_int_equal(state_read_json(path, &o, &e), -EBADMSG);
		assert_null(o);
		assert_non_null(strstr(err_msg(&e), "bad.json"));
	}
	json_object *o = NULL;
	assert_int_equal(state_read_json("/nonexistent-pontoon.json", &o, NULL), -ENOENT);
	assert_int_equal(rm_rf(dir, NULL), 0);
}

static void read_file_honours_limit(void **state)
{
	_cleanup_free_ char *dir = tmpdir_new();
	_cleanup_free_ char *path = path_join(dir, "f");
	char *buf = NULL;
	assert_int_equal(write_file_atomic(path, "0123456789", 10, 0600, NULL), 0);
	assert_int_equal(read_file(path, 5, &buf, NULL, NULL), -EFBIG);
	assert_null(buf);
	assert_int_equal(rm_rf(dir, NULL), 0);
}

static void parse_numbers_sizes_bools(void **state)
{
	uint64_t v;
	bool b;

	assert_int_equal(parse_uint("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_uint("", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_uint("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_uint("1x", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_uint(" 1", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_uint("101", 0, 100, &v), -ERANGE);
	assert_int_equal(parse_uint("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_int_equal(parse_uint(NULL, 0, 1, &v), -EINVAL);

	assert_int_equal(parse_size("512m", &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(parse_size("1G", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(parse_size("64kb", &v), 0);
	assert_int_equal(v, 64ull << 10);
	assert_int_equal(parse_size("100", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(parse_size("m", &v), -EINVAL);
	assert_int_equal(parse_size("1.5g", &v), -EINVAL);
	assert_int_equal(parse_size("12q", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999t", &v), -ERANGE);

	assert_int_equal(parse_bool("true", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("OFF", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("maybe", &b), -EINVAL);
}

static void ids_are_64_hex_and_distinct(void **state)
{
	char a[ID_LEN + 1], b[ID_LEN + 1];
	assert_int_equal(id_generate(a), 0);
	assert_int_equal(id_generate(b), 0);
	assert_true(id_is_valid(a));
	assert_string_not_equal(a, b);
	assert_false(id_is_valid("abc"));
	assert_false(id_is_valid(NULL));
	a[5] = 'G';
	assert_false(id_is_valid(a));
}

static void lock_excludes_second_holder(void **state)
{
	_cleanup_free_ char *dir = tmpdir_new();
	_cleanup_free_ char *path = path_join(dir, "lock");
	int fd1 = lock_file(path, false, NULL);
	assert_true(fd1 >= 0);
	/* flock locks belong to the open file description: a second open conflicts */
	assert_int_equal(lock_file(path, true, NULL), -EWOULDBLOCK);
	close(fd1);
	int fd2 = lock_file(path, true, NULL);
	assert_true(fd2 >= 0);
	close(fd2);
	assert_int_equal(rm_rf(dir, NULL), 0);
}

static void mkdir_p_and_rm_rf(void **state)
{
	_cleanup_free_ char *dir = tmpdir_new();
	_cleanup_free_ char *deep = path_join(dir, "a/b/c");
	_cleanup_free_ char *file = path_join(dir, "a/b/f");
	_cleanup_free_ char *link = path_join(dir, "a/escape");
	assert_int_equal(mkdir_p(deep, 0700, NULL), 0);
	assert_int_equal(mkdir_p(deep, 0700, NULL), 0); /* idempotent */
	assert_int_equal(write_file_atomic(file, "x", 1, 0600, NULL), 0);
	assert_int_equal(mkdir_p(file, 0700, NULL), -ENOTDIR);
	/* rm_rf never follows a symlink out of the tree */
	assert_int_equal(symlink("/etc", link), 0);
	assert_int_equal(rm_rf(dir, NULL), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(access("/etc/passwd", F_OK), 0);
	assert_int_equal(rm_rf(dir, NULL), 0); /* missing is fine */
}

static void strv_helpers(void **state)
{
	_cleanup_strv_ char **v = NULL;
	assert_int_equal(strv_len(v), 0);
	strv_push(&v, "a");
	strv_push(&v, "b");
	assert_int_equal(strv_len(v), 2);
	assert_true(strv_contains(v, "b"));
	assert_false(strv_contains(v, "c"));
	_cleanup_free_ char *p = path_join("/a//", "/b");
	assert_string_equal(p, "/a/b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(err_chain_reads_outermost_first),
		cmocka_unit_test(err_setx_has_no_strerror_and_null_is_fine),
		cmocka_unit_test(err_wrap_truncates_instead_of_overflowing),
		cmocka_unit_test(atomic_write_replaces_whole_file),
		cmocka_unit_test(atomic_write_failing_midway_keeps_old_file),
		cmocka_unit_test(atomic_write_fault_injection_keeps_old_file),
		cmocka_unit_test(fault_kill_kills_at_the_nth_call),
		cmocka_unit_test(atomic_write_into_missing_dir_fails_cleanly),
		cmocka_unit_test(json_state_round_trip),
		cmocka_unit_test(json_state_rejects_corrupt_files),
		cmocka_unit_test(read_file_honours_limit),
		cmocka_unit_test(parse_numbers_sizes_bools),
		cmocka_unit_test(ids_are_64_hex_and_distinct),
		cmocka_unit_test(lock_excludes_second_holder),
		cmocka_unit_test(mkdir_p_and_rm_rf),
		cmocka_unit_test(strv_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
