/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The default seccomp filter: --security-opt parsing, who is confined, the
 * config round trip, and the filter itself loaded in a child process (no
 * root needed: no_new_privs suffices), checked syscall by syscall. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include "runtime.h"
#include "rt-internal.h"

static void security_opts(void **state)
{
	struct err e = { 0 };
	(void)state;
	const char *good[] = { "seccomp=unconfined", "seccomp:unconfined", "no-new-privileges", "no-new-privileges=true",
			       "no-new-privileges:true", NULL };
	for (int i = 0; good[i]; i++)
		assert_int_equal(rt_parse_security_opt(good[i], &e), 0);
	assert_int_equal(rt_parse_security_opt("seccomp=/x.json", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "profile files are not supported"));
	assert_int_equal(rt_parse_security_opt("no-new-privileges=false", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "always set"));
	const char *bad[] = { "", "seccomp", "seccomp=", "apparmor=unconfined", "label=disable", "seccomp=unconfined ",
			      "SECCOMP=unconfined", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(rt_parse_security_opt(bad[i], NULL), -EINVAL);
}

static void confined(void **state)
{
	struct rt_config c;
	(void)state;
	rt_config_init(&c);
	assert_true(rt_seccomp_confined(&c));
	strv_push(&c.security_opt, "no-new-privileges");
	assert_true(rt_seccomp_confined(&c));
	strv_push(&c.security_opt, "seccomp=unconfined");
	assert_false(rt_seccomp_confined(&c));
	strv_free(c.security_opt);
	c.security_opt = NULL;
	c.privileged = true;
	assert_false(rt_seccomp_confined(&c));
	rt_config_done(&c);
}

static void round_trip(void **state)
{
	struct rt_config c, d;
	struct err e = { 0 };
	(void)state;
	rt_config_init(&c);
	assert_int_equal(id_generate(c.id), 0);
	strv_push(&c.security_opt, "seccomp=unconfined");
	json_object *o = rt_config_to_json(&c);
	assert_int_equal(rt_config_from_json(o, &d, &e), 0);
	assert_int_equal(strv_len(d.security_opt), 1);
	assert_string_equal(d.security_opt[0], "seccomp=unconfined");
	json_object_put(o);
	rt_config_done(&c);
	rt_config_done(&d);
}

/* In a child: load the filter for caps, then run check(); the exit status is
 * the number of failed expectations. */
static int in_filtered_child(uint64_t caps, int (*check)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		void *ctx = NULL;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || rt_seccomp_build(caps, &ctx, NULL) < 0 ||
		    seccomp_load(ctx) < 0)
			_exit(100);
		rt_seccomp_free(ctx);
		_exit(check());
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

static int denied(long r, int err)
{
	return r == -1 && errno == err ? 0 : 1;
}

static int check_default(void)
{
	int bad = 0;
	bad += denied(syscall(SYS_keyctl, 0, -3, 0), EPERM);
	bad += denied(syscall(SYS_add_key, "user", "x", "y", 1, -3), EPERM);
	bad += denied(unshare(CLONE_NEWUSER), EPERM);
	bad += denied(unshare(CLONE_NEWNET), EPERM);
	bad += denied(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM);
	bad += denied(syscall(SYS_clone3, NULL, 64), ENOSYS);
	bad += denied(syscall(SYS_io_uring_setup, 0, NULL), EPERM);
	bad += denied(syscall(SYS_mount, "x", "/nonexistent", "tmpfs", 0, NULL), EPERM);
	bad += denied(syscall(SYS_setns, -1, 0), EPERM);
	bad += denied(syscall(SYS_bpf, 0, NULL, 0), EPERM);
	bad += denied(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM);
	bad += denied(syscall(SYS_open_by_handle_at, -1, NULL, 0), EPERM);
	bad += denied(syscall(SYS_personality, ADDR_NO_RANDOMIZE), EPERM);
	bad += denied(syscall(SYS_personality, READ_IMPLIES_EXEC), EPERM);
	/* still allowed: the query, PER_LINUX, harmless namespace-free unshare, fork */
	bad += syscall(SYS_personality, 0xffffffff) == -1;
	bad += syscall(SYS_personality, PER_LINUX) == -1;
	bad += unshare(CLONE_FILES) != 0;
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	bad += p < 0 || waitpid(p, NULL, 0) != p;
	return bad;
}

static int check_sys_admin(void)
{
	int bad = 0;
	/* the filter lets these through; the kernel then decides (no capability here) */
	errno = 0;
	bad += syscall(SYS_mount, "x", "/nonexistent", "tmpfs", 0, NULL) == -1 && errno == EPERM &&
	       getuid() == 0; /* as root with the filter lifted, the path is what fails */
	bad += syscall(SYS_clone3, NULL, 64) == -1 && errno == ENOSYS;
	/* no capability lifts the keyring denial */
	bad += denied(syscall(SYS_keyctl, 0, -3, 0), EPERM);
	return bad;
}

static void filter(void **state)
{
	(void)state;
	/* valgrind implements neither seccomp(2) nor filtered syscalls */
	const char *pre = getenv("LD_PRELOAD");
	if (pre && strstr(pre, "vgpreload"))
		skip();
	assert_int_equal(in_filtered_child(0, check_default), 0);
	assert_int_equal(in_filtered_child(1ull << CAP_SYS_ADMIN, check_sys_admin), 0);
}

/* The compiled program: made once under ROOT/seccomp, read back, checked,
 * made again when damaged, and loaded without libseccomp (rt_seccomp_load). */
static int check_loaded_default(void)
{
	return check_default();
}

static int in_loaded_child(int fd, int (*check)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || rt_seccomp_load(fd, NULL) < 0)
			_exit(100);
		_exit(check());
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

static void program_cache(void **state)
{
	(void)state;
	char root[] = "/tmp/pontoon-test-bpf.XXXXXX";
	assert_non_null(mkdtemp(root));
	int fd = rt_seccomp_program(root, 0, NULL);
	assert_true(fd >= 10);
	void *prog;
	size_t len;
	assert_int_equal(rt_seccomp_read(fd, &prog, &len, NULL), 0);
	assert_true(len > 0 && len % 8 == 0);
	free(prog);
	/* one file per capability set */
	int fd2 = rt_seccomp_program(root, 1ull << CAP_SYS_ADMIN, NULL);
	assert_true(fd2 >= 10);
	close(fd2);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ls %s/seccomp | grep -c '\\.bpf$' | grep -qx 2", root);
	assert_int_equal(system(cmd), 0);
	/* a damaged file (truncated, flipped byte, garbage) is refused and made again */
	snprintf(cmd, sizeof(cmd), "for f in %s/seccomp/*.bpf; do printf 'PNTNBPF1xxxx' >\"$f\"; done", root);
	assert_int_equal(system(cmd), 0);
	int bad = open(".", O_RDONLY | O_DIRECTORY);
	assert_int_equal(rt_seccomp_read(bad, &prog, &len, NULL), -EINVAL);
	close(bad);
	int fd3 = rt_seccomp_program(root, 0, NULL);
	assert_true(fd3 >= 10);
	assert_int_equal(rt_seccomp_read(fd3, &prog, &len, NULL), 0);
	free(prog);
	const char *pre = getenv("LD_PRELOAD");
	if (!pre || !strstr(pre, "vgpreload")) /* valgrind implements no seccomp(2) */
		assert_int_equal(in_loaded_child(fd3, check_loaded_default), 0);
	close(fd);
	close(fd3);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(security_opts),
		cmocka_unit_test(confined),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(filter),
		cmocka_unit_test(program_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
