/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's init, from clone to exec: network namespace, cgroups,
 * cgroup namespace, hostname, root filesystem, limits, user, capabilities,
 * no_new_privs, then the command (or the tiny init with --init). Any failure
 * is written to the report pipe as "ERRNO message", and the child exits.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "rt-internal.h"

void rt_report_error(int fd, const struct err *e)
{
	char buf[600];
	int n = snprintf(buf, sizeof(buf), "%d %s", e->code ? e->code : EIO, err_msg(e));
	if (n > 0 && write(fd, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1)) < 0) {
		/* nobody to tell */
	}
}

int rt_read_report(int fd, struct err *e)
{
	char buf[600];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, errno, "read the container's report");
		}
		len += (size_t)n;
	}
	if (len == 0)
		return 0;
	buf[len] = '\0';
	char *msg = NULL;
	long code = strtol(buf, &msg, 10);
	if (code <= 0 || code > 4095)
		code = EIO;
	return err_setx(e, (int)code, "%s", msg && *msg == ' ' ? msg + 1 : buf);
}

void rt_rlimits_apply(void)
{
	/* containerd's default RLIMIT_NOFILE, clamped to what we may raise to */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = 1048576;
		if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
			want = rl.rlim_max;
		rl.rlim_cur = rl.rlim_max = want;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static const char *env_get(char **env, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, k) == 0 && env[i][k] == '=')
			return env[i] + k + 1;
	return NULL;
}

int rt_exec_command(char **argv, char **env, struct err *e)
{
	const char *path;
	bool eacces = false;

	if (!argv || !argv[0] || !argv[0][0])
		return err_setx(e, EINVAL, "no command specified");
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, env);
		int saved = errno == ENOEXEC || errno == EPERM || errno == EISDIR ? EACCES : errno;
		return err_set(e, saved, "exec: \"%s\"", argv[0]);
	}
	path = env_get(env, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	_cleanup_free_ char *dirs = xstrdup(path);
	for (char *p = dirs, *d; (d = strsep(&p, ":"));) {
		_cleanup_free_ char *full = xasprintf("%s/%s", *d ? d : ".", argv[0]);
		execve(full, argv, env);
		if (errno == EACCES || errno == EISDIR || errno == ENOEXEC)
			eacces = true;
	}
	if (eacces)
		return err_setx(e, EACCES, "exec: \"%s\": permission denied", argv[0]);
	return err_setx(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", argv[0]);
}

_Noreturn void rt_tiny_init(pid_t child)
{
	sigset_t all;
	int status = 0;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		for (pid_t p; (p = waitpid(-1, &status, WNOHANG)) > 0;) {
			if (p != child)
				continue;
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		}
	}
}

static int setup_identity(const struct rt_config *c, int seccomp_fd, char ***env, struct err *e)
{
	uint64_t caps;
	bool root_user = true;
	_cleanup_free_ char *home = NULL;
	int r = rt_caps_compute(c, &caps, e);

	if (r < 0)
		return r;
	rt_rlimits_apply();
	if (c->workdir && *c->workdir && chdir(c->workdir) < 0)
		return err_set(e, errno, "chdir to the working directory %s", c->workdir);
	r = rt_caps_bound(caps, e);
	if (r < 0)
		return r;
	r = rt_user_switch(c->user, &root_user, &home, e);
	if (r < 0)
		return r;
	if (!env_get(*env, "HOME")) {
		_cleanup_free_ char *h = xasprintf("HOME=%s", home);
		strv_push(env, h);
	}
	r = rt_caps_apply(caps, root_user, e);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(e, errno, "no_new_privs");
	if (!rt_seccomp_confined(c))
		return 0;
	if (seccomp_fd < 0)
		return err_setx(e, EINVAL, "internal: the shim passed no seccomp filter");
	return rt_seccomp_load(seccomp_fd, e);
}

/* A new network namespace starts with lo down; Docker's containers have it
 * up (the kernel then gives it 127.0.0.1/8 and ::1). */
int rt_loopback_up(struct err *e)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, errno, "socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return err_set(e, errno, "get the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return err_set(e, errno, "bring lo up");
	return 0;
}

static int init_setup(const struct rt_init_args *a, char ***env, struct err *e)
{
	const struct rt_config *c = a->c;
	int r;

	/* v1: into our cgroups before anything else (see rt_cgroup_enter) */
	if ((r = rt_cgroup_enter_init(a->root, c->id, 0, e)) < 0)
		return err_wrap(e, "join the container's cgroups");
	if (a->netns_fd >= 0 && setns(a->netns_fd, CLONE_NEWNET) < 0)
		return err_set(e, errno, "join the network namespace of %s", c->network);
	if (rt_config_own_netns(c) && !a->netns_made && (r = rt_loopback_up(e)) < 0)
		return r;
	if (sethostname(c->hostname, strlen(c->hostname)) < 0)
		return err_set(e, errno, "set the hostname");
	r = rt_rootfs_setup(a->root, c, e);
	if (r >= 0)
		r = rt_rootfs_finish(c, e);
	if (r < 0)
		return err_wrap(e, "root filesystem");
	/* We were born in our cgroup2 directory (CLONE_INTO_CGROUP); where the
	 * kernel could not, the shim moves us there while we build the root
	 * (the move waits for an RCU grace period). With --hold the CLI
	 * attaches our networks meanwhile. Nothing of the command runs before
	 * both are done. */
	char go;
	if (read(a->go_fd, &go, 1) != 1)
		return err_setx(e, ECANCELED, "the shim could not put the container into its cgroups");
	close(a->go_fd);
	if (unshare(CLONE_NEWCGROUP) < 0)
		return err_set(e, errno, "new cgroup namespace");
	if (a->tty && !c->init) {
		if (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)
			return err_set(e, errno, "set the controlling terminal");
	}
	for (size_t i = 0; c->env && c->env[i]; i++)
		strv_push(env, c->env[i]);
	return setup_identity(c, a->seccomp_fd, env, e);
}

_Noreturn void rt_init_run(const struct rt_init_args *a)
{
	struct err e = { 0 };
	_cleanup_strv_ char **env = NULL;
	_cleanup_strv_ char **argv = rt_config_argv(a->c);
	sigset_t none;
	int r;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	r = init_setup(a, &env, &e);
	if (r < 0)
		goto setup_fail;
	if (a->c->init) {
		/* named before the fork: the command (which may be `ps`) must never
		 * see pid 1 under its old name */
		prctl(PR_SET_NAME, "init", 0, 0, 0);
		rt_proctitle_set("init");
		/* signals blocked before the fork: a command that ends at once
		 * must leave its SIGCHLD pending for rt_tiny_init, not discarded
		 * (default action) before it blocks them; it then waited forever */
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		pid_t child = fork();
		if (child < 0) {
			err_set(&e, errno, "fork the command under --init");
			goto setup_fail;
		}
		if (child > 0) {
			close(a->report_fd);
			rt_tiny_init(child);
		}
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (a->tty && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)) {
			err_set(&e, errno, "set the controlling terminal");
			goto setup_fail;
		}
	}
	rt_exec_command(argv, env, &e);
	rt_report_error(a->report_fd, &e);
	_exit(e.code == ENOENT ? 127 : e.code == EACCES ? 126 : 125);
setup_fail:
	e.code = rt_setup_failure_code(&e);
	rt_report_error(a->report_fd, &e);
	_exit(125);
}

int rt_setup_failure_code(const struct err *e)
{
	/* the message keeps the real cause; the code must not read as exec's */
	return e->code == ENOENT || e->code == EACCES || e->code == 0 ? EINVAL : e->code;
}
