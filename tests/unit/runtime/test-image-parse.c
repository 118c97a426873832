/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image references, archive entry checks, sha256: pure parsing with hostile input. */
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <limits.h>
#include "image-internal.h"

static void sha256_fips_vectors(void **state)
{
	char hex[65];
	struct digest s;
	static const char *const abc448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	digest_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	digest_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_hex(abc448, strlen(abc448), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a', fed in uneven pieces across block boundaries */
	_cleanup_free_ char *a = xmalloc(1000000);
	memset(a, 'a', 1000000);
	digest_init(&s);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 7 % 997 + 1)
		digest_update(&s, a + off, off + step > 1000000 ? 1000000 - off : step);
	digest_final_hex(&s, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* lengths around the padding boundary (55, 56, 63, 64 bytes) agree piecewise and whole */
	for (size_t n = 54; n <= 66; n++) {
		char h1[65], h2[65];
		digest_hex(a, n, h1);
		digest_init(&s);
		digest_update(&s, a, n / 2);
		digest_update(&s, a + n / 2, n - n / 2);
		digest_final_hex(&s, h2);
		assert_string_equal(h1, h2);
	}
}

static void ref_ok(const char *ref, const char *name, const char *tag)
{
	_cleanup_free_ char *n = NULL, *t = NULL;
	struct err e = { 0 };
	int r = rt_image_ref_parse(ref, &n, &t, &e);
	if (r < 0)
		fail_msg("%s: %s", ref, err_msg(&e));
	assert_string_equal(n, name);
	assert_string_equal(t, tag);
}

static void ref_bad(const char *ref, const char *msg)
{
	char *n = NULL, *t = NULL;
	struct err e = { 0 };
	assert_int_equal(rt_image_ref_parse(ref, &n, &t, &e), -EINVAL);
	assert_null(n);
	assert_null(t);
	if (!strstr(err_msg(&e), msg))
		fail_msg("%s: message \"%s\" lacks \"%s\"", ref ? ref : "(null)", err_msg(&e), msg);
}

static void refs_parse_as_docker_does(void **state)
{
	ref_ok("busybox", "busybox", "latest");
	ref_ok("busybox:1.36", "busybox", "1.36");
	ref_ok("my/app:v1.2-rc_3", "my/app", "v1.2-rc_3");
	ref_ok("localhost:5000/a/b:v1", "localhost:5000/a/b", "v1");
	ref_ok("localhost:5000/a/b", "localhost:5000/a/b", "latest");
	ref_ok("localhost/x", "localhost/x", "latest");
	ref_ok("registry.example.com/team/app", "registry.example.com/team/app", "latest");
	ref_ok("docker.io/library/alpine:3.20", "alpine", "3.20");
	ref_ok("docker.io/someone/tool", "someone/tool", "latest");
	ref_ok("a__b.c-d---e", "a__b.c-d---e", "latest");
	ref_ok("0196036cf05a", "0196036cf05a", "latest");
	ref_ok("x:_tag", "x", "_tag");

	ref_bad("", "empty");
	ref_bad(NULL, "empty");
	ref_bad("Busybox", "not a valid name component");
	ref_bad("a/../b", "not a valid name component");
	ref_bad("/abs", "not a valid name component");
	ref_bad("a//b", "not a valid name component");
	ref_bad("a/", "not a valid name component");
	ref_bad("a_", "not a valid name component");
	ref_bad("a___b", "not a valid name component");
	ref_bad("-a", "not a valid name component");
	ref_bad("a b", "not a valid name component");
	ref_bad("a\nb", "not a valid name component");
	ref_bad("x:", "bad tag");
	ref_bad("x:.tag", "bad tag");
	ref_bad("x:a/b", "not a valid name component"); /* the ':' is then in a component */
	ref_bad("x:ta g", "bad tag");
	ref_bad(":tag", "1 to 255");
	ref_bad("busybox@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "digests");
	ref_bad("-bad.host:5000/x", "not a valid name component");
	ref_bad("host:99999999/x", "not a valid name component");
	char big[400];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ref_bad(big, "1 to 255");
	char tag[200] = "x:";
	memset(tag + 2, 't', 130);
	tag[132] = '\0';
	ref_bad(tag, "bad tag");

	_cleanup_free_ char *norm = image_ref_normalise("docker.io/library/busybox", NULL);
	assert_string_equal(norm, "busybox:latest");
}

static void path_ok(const char *name, const char *clean)
{
	_cleanup_free_ char *c = NULL;
	struct err e = { 0 };
	if (rt_archive_check_path(name, &c, &e) < 0)
		fail_msg("%s: %s", name, err_msg(&e));
	assert_string_equal(c, clean);
}

static void path_bad(const char *name, const char *msg)
{
	char *c = NULL;
	struct err e = { 0 };
	assert_int_equal(rt_archive_check_path(name, &c, &e), -EINVAL);
	assert_null(c);
	if (!strstr(err_msg(&e), msg))
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(&e), msg);
}

static void archive_paths_hostile_names(void **state)
{
	path_ok("etc/passwd", "etc/passwd");
	path_ok("./etc//passwd", "etc/passwd");
	path_ok("./", "");
	path_ok(".", "");
	path_ok("a/./b/", "a/b");
	path_ok("..a/b..", "..a/b..");
	path_ok("...", "...");
	path_ok(".wh..wh..opq", ".wh..wh..opq");

	path_bad("", "empty name");
	path_bad(NULL, "empty name");
	path_bad("/etc/passwd", "absolute path");
	path_bad("//etc", "absolute path");
	path_bad("..", "\"..\" in the path");
	path_bad("../etc/passwd", "\"..\" in the path");
	path_bad("a/../../etc", "\"..\" in the path");
	path_bad("a/..", "\"..\" in the path");
	path_bad("./../x", "\"..\" in the path");
	path_bad("a/b/../c", "\"..\" in the path");
	/* control bytes are shown escaped in the message */
	path_bad("../\x1b[2Jx", "\\x1b[2Jx");
	char *big = xmalloc(PATH_MAX + 10);
	memset(big, 'a', PATH_MAX + 9);
	big[PATH_MAX + 9] = '\0';
	path_bad(big, "longer than");
	free(big);
}

static void symlink_targets(void **state)
{
	struct err e = { 0 };
	assert_int_equal(rt_archive_check_symlink("bin/sh", "busybox", &e), 0);
	assert_int_equal(rt_archive_check_symlink("bin/sh", "/bin/busybox", &e), 0);
	assert_int_equal(rt_archive_check_symlink("etc/localtime", "/usr/share/zoneinfo/UTC", &e), 0);
	assert_int_equal(rt_archive_check_symlink("usr/lib/x", "../../lib/x", &e), 0);
	assert_int_equal(rt_archive_check_symlink("a/b/c", "../../d/../e", &e), 0);
	assert_int_equal(rt_archive_check_symlink("lib", "usr/lib", &e), 0);

	assert_int_equal(rt_archive_check_symlink("up", "..", &e), -EINVAL);
	assert_string_equal(err_msg(&e), "archive entry \"up\": symlink target \"..\" escapes the root");
	assert_int_equal(rt_archive_check_symlink("usr/lib/x", "../../../etc/shadow", &e), -EINVAL);
	assert_int_equal(rt_archive_check_symlink("a/b", "c/../../..", &e), -EINVAL);
	assert_int_equal(rt_archive_check_symlink("a", "./../x", &e), -EINVAL);
	assert_int_equal(rt_archive_check_symlink("a", "", &e), -EINVAL);
	assert_int_equal(rt_archive_check_symlink("a", NULL, &e), -EINVAL);
}

static void hardlink_targets(void **state)
{
	_cleanup_free_ char *c = NULL;
	char *none = NULL;
	struct err e = { 0 };

	assert_int_equal(rt_archive_check_hardlink("bin/b", "./bin//a", &c, &e), 0);
	assert_string_equal(c, "bin/a");
	assert_int_equal(rt_archive_check_hardlink("x", "../../etc/shadow", &none, &e), -EINVAL);
	assert_non_null(strstr(err_msg(&e), "hard link target escapes the root"));
	assert_int_equal(rt_archive_check_hardlink("x", "/etc/shadow", &none, &e), -EINVAL);
	assert_int_equal(rt_archive_check_hardlink("x", "./", &none, &e), -EINVAL);
	assert_int_equal(rt_archive_check_hardlink("x", "", &none, &e), -EINVAL);
	assert_null(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_fips_vectors),
		cmocka_unit_test(refs_parse_as_docker_does),
		cmocka_unit_test(archive_paths_hostile_names),
		cmocka_unit_test(symlink_targets),
		cmocka_unit_test(hardlink_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
