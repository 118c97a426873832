/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The image store: busybox, lookups, rm and its in-use check, leftovers swept. */
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "image-internal.h"

static int setup(void **state)
{
	char tmpl[] = "/tmp/pontoon-unit.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	*state = xstrdup(tmpl);
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(rm_rf(*state, NULL), 0);
	free(*state);
	return 0;
}

static void need_busybox(void)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) < 0)
		skip();
}

static void busybox_made_once_and_found_every_way(void **state)
{
	const char *root = *state;
	_cleanup_(rt_image_freep) struct rt_image *a = NULL, *b = NULL, *c = NULL;
	_cleanup_(rt_image_list_freep) struct rt_image **list = NULL;
	struct err e = { 0 };
	struct stat st;

	need_busybox();
	assert_int_equal(rt_image_list(root, &list, &e), 0);
	assert_null(list[0]);
	rt_image_list_free(TAKE_PTR(list));
	if (rt_image_get(root, "busybox", &a, &e) < 0)
		fail_msg("%s", err_msg(&e));
	assert_string_equal(a->names[0], "busybox:latest");
	assert_null(a->names[1]);
	assert_string_equal(a->cmd[0], "sh");
	assert_null(a->cmd[1]);
	assert_non_null(a->env);
	assert_null(a->entrypoint);
	assert_null(a->working_dir);
	assert_int_equal(strv_len(a->layers), 1);
	assert_int_equal(strncmp(a->diff_ids[0], "sha256:", 7), 0);
	assert_non_null(strstr(a->layers[0], a->diff_ids[0] + 7));
	_cleanup_free_ char *sh = path_join(a->layers[0], "bin/sh");
	assert_int_equal(lstat(sh, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_true(a->size > 100000);
	/* a second get finds the same image; ids and unique prefixes work */
	assert_int_equal(rt_image_get(root, "docker.io/library/busybox:latest", &b, &e), 0);
	assert_string_equal(a->id, b->id);
	_cleanup_free_ char *pfx = xasprintf("sha256:%.8s", a->id);
	assert_int_equal(rt_image_get(root, pfx, &c, &e), 0);
	assert_string_equal(a->id, c->id);
	assert_int_equal(rt_image_ensure_busybox(root, &e), 0);
	assert_int_equal(rt_image_list(root, &list, &e), 0);
	assert_non_null(list[0]);
	assert_null(list[1]);
	/* not found, bad refs */
	struct rt_image *none = NULL;
	assert_int_equal(rt_image_get(root, "nothere", &none, &e), -ENOENT);
	assert_string_equal(err_msg(&e), "no such image: nothere");
	assert_int_equal(rt_image_get(root, "busybox:1.0", &none, &e), -ENOENT);
	assert_int_equal(rt_image_get(root, "Not A Ref", &none, &e), -EINVAL);
	assert_int_equal(rt_image_get(root, "abc", &none, &e), -ENOENT); /* too short to be an id prefix */
	assert_null(none);
}

static void rm_refused_while_a_container_uses_the_image(void **state)
{
	const char *root = *state;
	_cleanup_(rt_image_freep) struct rt_image *img = NULL;
	_cleanup_strv_ char **lines = NULL;
	struct err e = { 0 };
	char cid[ID_LEN + 1];

	need_busybox();
	assert_int_equal(rt_image_get(root, "busybox", &img, &e), 0);
	assert_int_equal(id_generate(cid), 0);
	_cleanup_free_ char *cdir = xasprintf("%s/containers/%s", root, cid);
	_cleanup_free_ char *cfg = path_join(cdir, "config.json");
	_cleanup_free_ char *json = xasprintf("{\"ImageID\": \"%s\", \"Name\": \"x\"}", img->id);
	assert_int_equal(mkdir_p(cdir, 0700, &e), 0);
	assert_int_equal(write_file_atomic(cfg, json, strlen(json), 0600, &e), 0);
	/* a container dir without a config, or with a broken one, is no user */
	_cleanup_free_ char *junk = xasprintf("%s/containers/junk", root);
	assert_int_equal(mkdir_p(junk, 0700, &e), 0);

	assert_int_equal(rt_image_remove(root, "busybox", false, &lines, &e), -EBUSY);
	_cleanup_free_ char *want = xasprintf("image is in use by container %.12s", cid);
	assert_non_null(strstr(err_msg(&e), want));
	assert_int_equal(rt_image_remove(root, img->id, true, &lines, &e), -EBUSY);
	assert_null(lines);
	assert_int_equal(access(img->layers[0], F_OK), 0);

	assert_int_equal(unlink(cfg), 0);
	assert_int_equal(rt_image_remove(root, "busybox", false, &lines, &e), 0);
	assert_string_equal(lines[0], "Untagged: busybox:latest");
	assert_int_equal(strncmp(lines[1], "Deleted: sha256:", 16), 0);
	assert_int_equal(access(img->layers[0], F_OK), -1);
}

static void leftovers_are_swept_and_a_failed_commit_changes_nothing(void **state)
{
	const char *root = *state;
	_cleanup_(rt_image_freep) struct rt_image *img = NULL;
	struct store_tmp live = { .fd = -1 };
	struct err e = { 0 };

	need_busybox();
	/* a dead writer's tmp dir and an orphan layer (renamed in, index never written) */
	_cleanup_free_ char *dead = xasprintf("%s/images/tmp/dead", root);
	_cleanup_free_ char *orphan = xasprintf("%s/images/layers/%064d", root, 0);
	assert_int_equal(mkdir_p(dead, 0700, &e), 0);
	assert_int_equal(mkdir_p(orphan, 0700, &e), 0);
	assert_int_equal(store_tmp_new(root, &live, false, &e), 0);
#ifdef PONTOON_FAULT_INJECTION
	/* a failure writing the index: nothing stored, no layer left behind */
	fault_reset("image-index:1:EIO");
	assert_true(rt_image_get(root, "busybox", &img, &e) < 0);
	fault_reset("");
	assert_null(img);
	_cleanup_free_ char *layers = xasprintf("%s/images/layers", root);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(orphan, F_OK), -1);
	assert_int_equal(access(live.path, F_OK), 0); /* a live writer's dir stays */
	assert_int_equal(rmdir(layers), 0);           /* empty */
	_cleanup_free_ char *index = xasprintf("%s/images/index.json", root);
	assert_int_equal(access(index, F_OK), -1);
#endif
	assert_int_equal(rt_image_get(root, "busybox", &img, &e), 0);
	store_tmp_done(&live);
}

/* A container creator holds the lock around rt_image_get: busybox is made, not waited for. */
static void works_while_the_caller_holds_the_lock(void **state)
{
	const char *root = *state;
	_cleanup_(rt_image_freep) struct rt_image *img = NULL;
	_cleanup_strv_ char **lines = NULL;
	struct err e = { 0 };

	need_busybox();
	alarm(60); /* a self-deadlock ends the test instead of hanging it */
	int lock = rt_image_lock(root, &e);
	assert_true(lock >= 0);
	int again = rt_image_lock(root, &e); /* a copy of the same lock */
	assert_true(again >= 0);
	close(again);
	if (rt_image_get(root, "busybox", &img, &e) < 0)
		fail_msg("%s", err_msg(&e));
	assert_int_equal(rt_image_remove(root, "busybox", false, &lines, &e), 0);
	assert_int_equal(rt_image_ensure_busybox(root, &e), 0);
	close(lock);
	alarm(0);
	/* released: another process can take it */
	pid_t pid = fork();
	if (pid == 0) {
		int fd = rt_image_lock(root, NULL);
		_exit(fd >= 0 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void damaged_index_is_an_error(void **state)
{
	const char *root = *state;
	struct rt_image *img = NULL;
	struct rt_image **list = NULL;
	struct err e = { 0 };
	static const char *const bad[] = {
		"{\"Images\":{},\"Layers\":[]}",
		"{\"Images\":{\"x\":{}},\"Layers\":{}}",
		"{\"Images\":{\"" "0000000000000000000000000000000000000000000000000000000000000000" "\":{\"Names\":[],"
		"\"Layers\":[\"" "1111111111111111111111111111111111111111111111111111111111111111" "\"],\"Created\":0,"
		"\"Config\":{}}},\"Layers\":{}}",
		"{\"Images\":{},\"Layers\":{\"zz\":{\"Size\":1}}}",
		"[1,2",
	};
	_cleanup_free_ char *dir = path_join(root, "images");
	_cleanup_free_ char *index = path_join(dir, "index.json");

	assert_int_equal(mkdir_p(dir, 0700, &e), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(write_file_atomic(index, bad[i], strlen(bad[i]), 0600, &e), 0);
		assert_int_equal(rt_image_get(root, "x", &img, &e), -EBADMSG);
		assert_int_equal(rt_image_list(root, &list, &e), -EBADMSG);
		assert_null(img);
		assert_null(list);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(busybox_made_once_and_found_every_way, setup, teardown),
		cmocka_unit_test_setup_teardown(rm_refused_while_a_container_uses_the_image, setup, teardown),
		cmocka_unit_test_setup_teardown(leftovers_are_swept_and_a_failed_commit_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(damaged_index_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(works_while_the_caller_holds_the_lock, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
