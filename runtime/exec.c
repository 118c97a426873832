/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pontoon exec: a new process in a running container. The caller joins the
 * container's pid namespace for its children only (and leaves it again); its
 * child, born there and in the container's cgroup2 directory, joins the v1
 * cgroups and the other namespaces (cgroup, ipc, uts, net, mnt), takes the
 * container's environment, user, capabilities, no_new_privs and the default
 * seccomp filter, and execs: one process, no intermediate that forks again.
 * The filter is the init's: the program compiled once per capability set
 * under $ROOT/seccomp (rt_seccomp_program, opened here before the clone),
 * which the child only loads.
 */
#include <fcntl.h>
#include <poll.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include "rt-internal.h"

static const char *const ns_names[] = { "cgroup", "ipc", "uts", "net", "pid", "mnt" };
#define N_NS 6
#define NS_PID 4 /* joined by the caller, for its child */

/* What the CLI prepares for the child that execs. */
struct exec_ctx {
	const struct rt_config *c;
	const struct rt_exec *x;
	uint64_t caps;  /* the container's capability set (rt_caps_compute) */
	int seccomp_fd; /* the default filter's program; -1: none (unconfined) */
	int slave;      /* the pty's slave with -t, else -1 */
	int report;     /* "ERRNO message" on failure; close-on-exec */
	bool born_in;   /* cloned into the container's cgroup2 directory */
};

static char **exec_env(const struct rt_config *c, char *const *extra)
{
	char **env = NULL;
	for (size_t i = 0; c->env && c->env[i]; i++) {
		size_t k = strcspn(c->env[i], "=");
		bool overridden = false;
		for (size_t j = 0; extra && extra[j]; j++)
			overridden |= strncmp(extra[j], c->env[i], k) == 0 && extra[j][k] == '=';
		if (!overridden)
			strv_push(&env, c->env[i]);
	}
	for (size_t j = 0; extra && extra[j]; j++)
		strv_push(&env, extra[j]);
	return env;
}

static _Noreturn void exec_in_container(const struct exec_ctx *ctx)
{
	const struct rt_config *c = ctx->c;
	const struct rt_exec *x = ctx->x;
	struct err e = { 0 };
	_cleanup_strv_ char **env = exec_env(c, x->env);
	_cleanup_free_ char *home = NULL;
	const char *wd = x->workdir ? x->workdir : c->workdir && *c->workdir ? c->workdir : "/";
	int slave = ctx->slave, report = ctx->report;
	bool root_user = true;

	if (slave >= 0) {
		setsid();
		for (int i = 0; i < 3; i++)
			dup2(slave, i);
		ioctl(0, TIOCSCTTY, 0);
	} else if (!x->interactive) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
	}
	rt_rlimits_apply();
	if (chdir(wd) < 0) {
		err_set(&e, errno, "chdir to %s", wd);
		goto fail;
	}
	/* failures before exec are pontoon's (125), whatever their errno */
	if (rt_caps_bound(ctx->caps, &e) < 0 || rt_user_switch(x->user ? x->user : c->user, &root_user, &home, &e) < 0)
		goto fail;
	bool has_home = false;
	for (size_t i = 0; env && env[i]; i++)
		has_home |= strncmp(env[i], "HOME=", 5) == 0;
	if (!has_home) {
		_cleanup_free_ char *h = xasprintf("HOME=%s", home);
		strv_push(&env, h);
	}
	if (rt_caps_apply(ctx->caps, root_user, &e) < 0)
		goto fail;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err_set(&e, errno, "no_new_privs");
		goto fail;
	}
	if (ctx->seccomp_fd >= 0 && rt_seccomp_load(ctx->seccomp_fd, &e) < 0)
		goto fail;
	rt_exec_command(x->argv, env, &e);
	rt_report_error(report, &e);
	_exit(e.code == ENOENT ? 127 : e.code == EACCES ? 126 : 125);
fail:
	e.code = rt_setup_failure_code(&e);
	rt_report_error(report, &e);
	_exit(125);
}

static _Noreturn void join_and_exec(const char *root, const struct exec_ctx *ctx, int nsfd[N_NS])
{
	struct err e = { 0 };

	/* v1: as a thread ("tasks"), as the init joins; the cgroup2 directory
	 * (v2's, a hybrid host's unified one) through cgroup.procs only where
	 * clone3 could not place us there (fork_into_cgroup) */
	const char *id = ctx->c->id;
	if ((ctx->born_in ? rt_cgroup_enter_init(root, id, 0, &e) : rt_cgroup_enter(root, id, 0, &e)) < 0)
		goto fail;
	for (int i = 0; i < N_NS; i++) {
		if (i != NS_PID && setns(nsfd[i], 0) < 0) {
			err_set(&e, errno, "join the container's %s namespace", ns_names[i]);
			goto fail;
		}
	}
	exec_in_container(ctx);
fail:
	e.code = rt_setup_failure_code(&e);
	rt_report_error(ctx->report, &e);
	_exit(125);
}

static void relay(int master, pid_t child)
{
	struct termios saved, raw;
	bool tty = isatty(0) && tcgetattr(0, &saved) == 0;
	int in = 0;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = master, .events = POLLIN }, { .fd = in, .events = POLLIN } };
		char buf[8192];
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (write(1, buf, (size_t)n) < 0)
				break;
		}
		if (p[1].revents) {
			ssize_t n = read(in, buf, sizeof(buf));
			if (n <= 0)
				in = -1;
			else if (write(master, buf, (size_t)n) < 0)
				break;
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	(void)child;
}

/* fork(), but born in the container's cgroup2 directory (CLONE_INTO_CGROUP):
 * joining it afterwards through cgroup.procs takes the kernel's threadgroup
 * lock for writing, which waits for an RCU grace period (milliseconds on a
 * loaded host) under the cgroup mutex; the shim clones the init the same way. Until it execs,
 * the child differs from fork's only in glibc's cached thread id: raise()
 * and abort() would aim at the parent (only xmalloc's out-of-memory abort
 * could get there). Falls back to fork() where clone3 cannot (a kernel
 * before 5.7, no cgroup2 directory). */
static pid_t fork_into_cgroup(const char *root, const char *id, bool *born_in)
{
	int cg = rt_cgroup_unified_fd(root, id);
	*born_in = false;
	if (cg >= 0) {
		struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cg };
		pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		close(cg); /* in both */
		if (pid >= 0) {
			*born_in = true;
			return pid;
		}
	}
	return fork();
}

/* The child that execs, born in the container's pid namespace: setns(2)
 * of a pid namespace changes only where the caller's next children are
 * born, and we change it back for the caller's later ones (a lab deploy's
 * next node, its shims). */
static pid_t spawn(const char *root, const char *id, struct exec_ctx *ctx, int nsfd[N_NS], struct err *e)
{
	_cleanup_close_ int self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return err_set(e, errno, "open /proc/self/ns/pid");
	if (setns(nsfd[NS_PID], CLONE_NEWPID) < 0)
		return err_set(e, errno, "join the container's pid namespace");
	pid_t pid = fork_into_cgroup(root, id, &ctx->born_in);
	if (pid == 0)
		join_and_exec(root, ctx, nsfd);
	int saved = errno;
	if (setns(self, CLONE_NEWPID) < 0) {
		int r = err_set(e, errno, "leave the container's pid namespace");
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return r;
	}
	return pid < 0 ? err_set(e, saved, "fork") : pid;
}

/* The capability set and, unless the container is unconfined, the default
 * filter's program, from the same cache as the container's start: compiling
 * it with libseccomp took ~5 M instructions per exec. */
static int exec_identity(const char *root, struct exec_ctx *ctx, struct err *e)
{
	int r = rt_caps_compute(ctx->c, &ctx->caps, e);
	if (r < 0 || !rt_seccomp_confined(ctx->c))
		return r;
	r = rt_seccomp_program(root, ctx->caps, e);
	if (r < 0)
		return r;
	ctx->seccomp_fd = r;
	return 0;
}

int rt_container_exec(const char *root, const char *id, const struct rt_exec *x, struct err *e)
{
	struct rt_config c;
	struct rt_state st;
	struct exec_ctx ctx = { .c = &c, .x = x, .seccomp_fd = -1, .slave = -1, .report = -1 };
	int nsfd[N_NS], rp[2], master = -1, slave = -1, status = 0, r;

	r = rt_state_read(root, id, &st, e);
	if (r < 0)
		return 125;
	if (st.status != RT_RUNNING) {
		err_setx(e, EINVAL, "container %.12s is not running", id);
		return 125;
	}
	if (rt_config_read(root, id, &c, e) < 0)
		return 125;
	/* --link's variables, as the init got them; the identity */
	if (rt_start_env_apply(root, &c, e) < 0 || exec_identity(root, &ctx, e) < 0) {
		rt_config_done(&c);
		return 125;
	}
	for (int i = 0; i < N_NS; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", st.pid, ns_names[i]);
		nsfd[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (nsfd[i] < 0)
			r = err_set(e, errno, "open %s", p);
	}
	if (r >= 0 && x->tty) {
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
		    (slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
			r = err_set(e, errno, "allocate a pseudo-terminal");
		struct winsize ws;
		if (r >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	if (r >= 0 && pipe2(rp, O_CLOEXEC) < 0)
		r = err_set(e, errno, "pipe");
	ctx.slave = slave;
	ctx.report = r >= 0 ? rp[1] : -1;
	pid_t child = r >= 0 ? spawn(root, id, &ctx, nsfd, e) : -1;
	if (child < 0 && r >= 0) {
		r = (int)child;
		close(rp[0]);
		close(rp[1]);
	}
	for (int i = 0; i < N_NS; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	if (ctx.seccomp_fd >= 0)
		close(ctx.seccomp_fd);
	if (slave >= 0)
		close(slave);
	if (r >= 0) {
		close(rp[1]);
		r = rt_read_report(rp[0], e);
		close(rp[0]);
		if (r >= 0 && master >= 0)
			relay(master, child);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (master >= 0)
		close(master);
	rt_config_done(&c);
	if (r < 0)
		return e->code == ENOENT ? 127 : e->code == EACCES ? 126 : 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
