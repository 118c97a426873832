/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLI's side of a container's life: start (cgroups + shim), kill, stop, wait. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include "rt-internal.h"

#ifndef PONTOON_LIBEXECDIR
#define PONTOON_LIBEXECDIR "/usr/local/libexec/pontoon"
#endif

char *rt_shim_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			char *p = xasprintf("%s/pontoon-shim", self);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(PONTOON_LIBEXECDIR "/pontoon-shim");
}

struct rt_net_hooks rt_hooks;
/* The last start's attach failed because the init had already failed on its own. */
static bool init_failed_first;

bool rt_start_failed_in_init(void)
{
	return init_failed_first;
}

void rt_set_net_hooks(const struct rt_net_hooks *h)
{
	rt_hooks = h ? *h : (struct rt_net_hooks){ 0 };
}

/* One line from the shim's report pipe (unbuffered: the fd is passed on). */
static ssize_t read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

static int netns_of(const char *root, const struct rt_config *c, char **ret, struct err *e)
{
	char id[ID_LEN + 1];
	struct rt_state st;
	*ret = NULL;
	if (strncmp(c->network, "container:", 10) != 0)
		return 0;
	int r = rt_container_resolve(root, c->network + 10, id, e);
	if (r >= 0)
		r = rt_state_read(root, id, &st, e);
	if (r < 0)
		return err_wrap(e, "--network %s", c->network);
	if (st.status != RT_RUNNING)
		return err_setx(e, EINVAL, "cannot join the network of container %s: it is not running", c->network + 10);
	*ret = xasprintf("/proc/%d/ns/net", st.pid);
	return 0;
}

/* posix_spawn (vfork-like: the CLI's page tables are not copied) of the
 * shim in its own session, stdio the attached fds or /dev/null, the report
 * pipe as fd 3. The CLI never waits for it (it reads the report pipe): when
 * the CLI exits, the shim is reparented to the nearest subreaper. */
static int exec_shim(const char *shim, char **argv, int report, int go, int bpf, int cg, const struct rt_attach *a,
		     pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	if (a && a->attached) {
		/* the attach fds are the CLI's 0, 1, 2 (dup2 onto itself clears close-on-exec) */
		posix_spawn_file_actions_adddup2(&fa, a->in, 0);
		posix_spawn_file_actions_adddup2(&fa, a->out, 1);
		posix_spawn_file_actions_adddup2(&fa, a->err, 2);
	} else {
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
		posix_spawn_file_actions_adddup2(&fa, 0, 1);
		posix_spawn_file_actions_adddup2(&fa, 0, 2);
	}
	posix_spawn_file_actions_adddup2(&fa, report, RT_REPORT_FD);
	if (go >= 0)
		posix_spawn_file_actions_adddup2(&fa, go, RT_GO_FD);
	if (bpf >= 0)
		posix_spawn_file_actions_adddup2(&fa, bpf, RT_SECCOMP_FD);
	posix_spawn_file_actions_adddup2(&fa, cg, RT_CGROUP_FD); /* cg >= 10: not clobbered above */
	sigemptyset(&none);
	sigfillset(&dflt);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawn(ret_pid, shim, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -r;
}

/* --hold: the shim said "pid INIT SHIM"; run the attach hook, then tell it
 * to go on (or not). Returns the hook's result. */
static int run_hook(const char *root, const struct rt_config *c, const char *line, int go, struct err *e)
{
	char *end;
	long pid = strtol(line + 4, &end, 10), shim_pid = strtol(end, NULL, 10);
	int r = pid > 0 && shim_pid > 0 ? 0 : err_setx(e, EPROTO, "the shim sent \"%s\"", line);
	if (r == 0)
		r = rt_hooks.attach(root, c, (pid_t)pid, (pid_t)shim_pid, e);
	/* a shim that died meanwhile must not take us along with SIGPIPE */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	if (write(go, r == 0 ? "go\n" : "no\n", 3) != 3 && r == 0)
		r = err_set(e, errno, "release the container's init");
	sigaction(SIGPIPE, &old, NULL);
	close(go);
	return r;
}

/* A failure of ours, not of the container's command: its code must not read
 * as the exec's ENOENT or EACCES (run's 127 and 126). */
static int not_exec_failure(int r, struct err *e)
{
	if (e && e->code) {
		e->code = rt_setup_failure_code(e);
		return -e->code;
	}
	return r == -ENOENT || r == -EACCES ? -EINVAL : r;
}

/* A pipe whose read end is at fd 10 or above (see exec_shim). */
static int cgroup_pipe(int ret[2], struct err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	ret[0] = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
	int saved = errno;
	close(p[0]);
	if (ret[0] < 0) {
		close(p[1]);
		return err_set(e, saved, "pipe");
	}
	ret[1] = p[1];
	return 0;
}

/* While the shim starts, make the container's cgroups, then tell it ("c"),
 * or give up (EOF). A shim that died first has its report for the cause. */
static int make_cgroups(const char *root, const struct rt_config *c, int cg, struct err *e)
{
	int r = rt_cgroup_create(root, c, e);
	if (r >= 0) {
		struct sigaction ign = { .sa_handler = SIG_IGN }, old;
		sigaction(SIGPIPE, &ign, &old);
		if (write(cg, "c", 1) != 1) {
			/* the shim is gone: its report says why */
		}
		sigaction(SIGPIPE, &old, NULL);
	}
	close(cg);
	return r;
}

static int spawn_shim(const char *root, const struct rt_config *c, const char *netns, int bpf,
		      const struct rt_attach *a, int *ret_fd, pid_t *ret_pid, struct err *e)
{
	_cleanup_free_ char *shim = rt_shim_path();
	char *argv[10] = { "pontoon-shim", (char *)root, (char *)c->id, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	int n = 3, p[2], g[2] = { -1, -1 }, cg[2] = { -1, -1 };
	bool have_line = false;
	char line[700];

	if (a && a->attached)
		argv[n++] = "--attach";
	if (netns) {
		argv[n++] = "--netns";
		argv[n++] = (char *)netns;
	}
	if (bpf >= 0)
		argv[n++] = "--seccomp";
	/* the report pipe first: the go pipe's fds are then above fd 4, which
	 * the report's dup2 onto fd 3 cannot clobber */
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	if (rt_hooks.attach && c->n_nets > 0) {
		argv[n++] = "--hold";
		if (pipe2(g, O_CLOEXEC) < 0) {
			close(p[0]);
			close(p[1]);
			return err_set(e, errno, "pipe");
		}
	}
	pid_t child;
	int r = cgroup_pipe(cg, e);
	if (r < 0) {
		close(p[0]);
		close(p[1]);
		if (g[0] >= 0) {
			close(g[0]);
			close(g[1]);
		}
		return r;
	}
	r = exec_shim(shim, argv, p[1], g[0], bpf, cg[0], a, &child);
	close(p[1]);
	close(cg[0]);
	if (g[0] >= 0)
		close(g[0]);
	if (r < 0) {
		close(p[0]);
		close(cg[1]);
		if (g[1] >= 0)
			close(g[1]);
		return not_exec_failure(err_set(e, -r, "start the shim %s", shim), e);
	}
	r = make_cgroups(root, c, cg[1], e);
	if (r < 0) {
		close(p[0]);
		if (g[1] >= 0)
			close(g[1]);
		return not_exec_failure(r, e);
	}
	if (g[1] >= 0) {
		have_line = read_line(p[0], line, sizeof(line)) > 0;
		if (have_line && strncmp(line, "pid ", 4) == 0) {
			r = run_hook(root, c, line, g[1], e);
			have_line = false;
		} else {
			close(g[1]); /* the shim failed before it held: that line is its error */
		}
		if (r < 0) {
			/* the shim's "err": the init's own failure, when it failed
			 * first, is the cause; else ours says why */
			if (read_line(p[0], line, sizeof(line)) > 4 && strncmp(line, "err ", 4) == 0 &&
			    strtol(line + 4, NULL, 10) != ECANCELED) {
				have_line = true;
				init_failed_first = true;
			} else {
				close(p[0]);
				return r;
			}
		}
	}
	if (!have_line && read_line(p[0], line, sizeof(line)) <= 0) {
		close(p[0]);
		return err_setx(e, EIO, "the shim %s did not start (is it installed?)", shim);
	}
	if (strncmp(line, "ok ", 3) == 0) {
		*ret_pid = (pid_t)strtol(line + 3, NULL, 10);
		*ret_fd = p[0];
		return 0;
	}
	close(p[0]);
	char *msg = NULL;
	long code = strncmp(line, "err ", 4) == 0 ? strtol(line + 4, &msg, 10) : EIO;
	if (code <= 0 || code > 4095)
		code = EIO;
	return err_setx(e, (int)code, "%s", msg && *msg == ' ' ? msg + 1 : line);
}

int rt_container_start(const char *root, const char *id, const struct rt_attach *a, int *ret_report, struct err *e)
{
	struct rt_config c;
	struct rt_state st;
	_cleanup_free_ char *netns = NULL;
	pid_t pid;
	int fd = -1, r;

	*ret_report = -1;
	_cleanup_close_ int lock = rt_container_lock(root, id, e);
	if (lock < 0)
		return lock;
	r = rt_state_read(root, id, &st, e);
	if (r < 0)
		return r;
	if (st.status == RT_RUNNING)
		return 0;
	r = rt_config_read(root, id, &c, e);
	if (r < 0)
		return r;
	r = netns_of(root, &c, &netns, e);
	/* the default seccomp filter, compiled once (the init only loads it) */
	_cleanup_close_ int bpf = -1;
	uint64_t caps;
	if (r >= 0 && rt_seccomp_confined(&c) && (r = rt_caps_compute(&c, &caps, e)) >= 0)
		r = bpf = rt_seccomp_program(root, caps, e);
	if (r >= 0)
		r = rt_start_env_prepare(root, &c, e); /* --link's variables */
	if (r < 0) {
		rt_config_done(&c);
		return not_exec_failure(r, e);
	}
	/* the cgroups are made while the shim starts (spawn_shim) */
	r = spawn_shim(root, &c, netns, bpf, a, &fd, &pid, e);
	if (r < 0) {
		if (rt_hooks.release && c.n_nets > 0)
			rt_hooks.release(root, id); /* attached, then the command failed */
		(void)rt_cgroup_remove(root, id, NULL);
		rt_config_done(&c);
		return r;
	}
	rt_config_done(&c);
	if (a && a->attached)
		*ret_report = fd;
	else
		close(fd);
	return 0;
}

int rt_wait_report(int fd, int *ret_status, struct err *e)
{
	char line[64];
	if (read_line(fd, line, sizeof(line)) > 5 && strncmp(line, "exit ", 5) == 0) {
		*ret_status = (int)strtol(line + 5, NULL, 10);
		return 0;
	}
	return err_setx(e, EIO, "the container's shim ended without reporting an exit status");
}

int rt_container_kill(const char *root, const char *id, int sig, struct err *e)
{
	struct rt_state st;
	int r = rt_state_read(root, id, &st, e);
	if (r < 0)
		return r;
	if (st.status != RT_RUNNING)
		return err_setx(e, EINVAL, "cannot kill container %.12s: it is not running", id);
	if (kill(st.pid, sig) < 0)
		return err_set(e, errno, "kill container %.12s", id);
	return 0;
}

int rt_container_stop(const char *root, const char *id, int timeout, struct err *e)
{
	struct rt_config c;
	struct rt_state st;
	int r = rt_state_read(root, id, &st, e);
	if (r < 0)
		return r;
	if (st.status != RT_RUNNING)
		return 0;
	r = rt_config_read(root, id, &c, e);
	if (r < 0)
		return r;
	int sig = c.stop_signal > 0 ? c.stop_signal : SIGTERM;
	if (timeout < 0)
		timeout = c.stop_timeout;
	rt_config_done(&c);
	if (kill(st.pid, sig) == 0 && rt_wait_pid_exit(st.shim_pid, timeout * 1000) == 0) {
		if (rt_hooks.release)
			rt_hooks.release(root, id);
		return 0;
	}
	kill(st.pid, SIGKILL);
	if (rt_wait_pid_exit(st.shim_pid, 30000) < 0)
		return err_setx(e, ETIMEDOUT, "container %.12s did not stop after SIGKILL", id);
	if (rt_hooks.release)
		rt_hooks.release(root, id);
	return 0;
}

int rt_container_wait(const char *root, const char *id, int *ret_code, struct err *e)
{
	struct rt_state st;
	int r = rt_state_read(root, id, &st, e);
	if (r < 0)
		return r;
	if (st.status == RT_RUNNING) {
		r = rt_wait_pid_exit(st.shim_pid, -1);
		if (r < 0)
			return err_set(e, -r, "wait for container %.12s", id);
		r = rt_state_read(root, id, &st, e);
		if (r == -ENOENT) {
			/* removed on exit (--rm): its shim left the status for us */
			if (rt_exit_recorded(root, id, ret_code) < 0)
				return err_setx(e, ENOENT, "container %.12s was removed; its exit status is unknown", id);
			return 0;
		}
		if (r < 0)
			return r;
	}
	*ret_code = st.exit_code;
	return 0;
}
