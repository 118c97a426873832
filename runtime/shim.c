/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pontoon-shim ROOT ID [--attach] [--netns PATH] [--hold] [--seccomp]
 *
 * One per running container, detached from the CLI (its own session), the
 * parent of the container's init and a child subreaper. It clones the init
 * into new pid, mount, uts, ipc (and net) namespaces, writes the container's
 * stdout/stderr to ctr.log as CRI-style records
 *     2026-01-02T03:04:05.123456789Z stdout F text
 * (P instead of F for a partial line), forwards signals to the init, and at
 * the end records the exit status, times and OOM kill in state.json, removes
 * the cgroups (and with --rm the whole container).
 *
 * fds: 0/1/2 are the attached CLI's (or /dev/null); 3 reports to the CLI:
 * "ok PID" once the command is exec'd or "err ERRNO MESSAGE"; then, attached,
 * "exit STATUS" at the very end. With --hold, once the init is cloned, the
 * shim reports "pid INIT SHIM", and after joining the cgroups waits for one
 * line on fd 4 from the CLI ("go", or anything else / EOF: give up) before it
 * lets the init exec: the CLI attaches the container's namespace to its
 * networks meanwhile. With --seccomp, fd 5 is the default seccomp filter's
 * compiled program, which the init loads last before exec. fd 6: the CLI
 * makes the container's cgroups while we start, and writes "c" there once
 * they exist (EOF: give up); we clone the init into them only then.
 */
#include <fcntl.h>
#include <poll.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include "rt-internal.h"

struct shim {
	const char *root;
	struct rt_config c;
	bool attached;
	bool wait_cli;     /* --hold: wait for the CLI's "go" (fd 4) before the init execs */
	bool netns_made;   /* we made the container's network namespace (make_netns) */
	int host_netns;    /* ours, to go back to once the init is born in that one */
	int logfd;
	int seccomp_fd;    /* --seccomp: the filter's program (RT_SECCOMP_FD), else -1 */
	int out, errp;     /* what the shim reads: pipes, or the pty master (out) */
	int relay_in;      /* attached tty with -i: fd 0 -> master */
	int hold;          /* detached -i: the write end kept open */
	bool fwd_out, fwd_err;
	pid_t child;
	int status;
	bool exited;
	int mntns;         /* the container's mount namespace, held: see hold_mntns */
};

static void report(const char *fmt, ...) _printf_(1, 2);
static void report(const char *fmt, ...)
{
	char buf[700];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(RT_REPORT_FD, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1)) < 0) {
		/* the CLI is gone: nobody to tell */
	}
}

static void log_record(struct shim *s, const char *stream, const char *data, size_t len)
{
	char ts[40];
	rt_now_rfc3339(ts);
	/* one write(2) per chunk, so records never interleave */
	size_t cap = len + 64 * (len / 16 + 2), n = 0;
	char *buf = xmalloc(cap);
	size_t tl = strlen(ts), sl = strlen(stream);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (data + i)) : len - i;
		if (n + l + tl + sl + 8 > cap) {
			cap = (n + l + tl + sl + 8) * 2;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf + n, ts, tl);
		n += tl;
		buf[n++] = ' ';
		memcpy(buf + n, stream, sl);
		n += sl;
		buf[n++] = ' ';
		buf[n++] = nl ? 'F' : 'P';
		buf[n++] = ' ';
		memcpy(buf + n, data + i, l);
		n += l;
		buf[n++] = '\n';
		i += l + (nl ? 1 : 0);
	}
	if (s->logfd >= 0 && write(s->logfd, buf, n) < 0) {
		/* a full disk must not stop the container */
	}
	free(buf);
}

static void forward(bool *ok, int fd, const char *data, size_t len)
{
	while (*ok && len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*ok = false; /* the CLI went away: keep logging */
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

/* Read one chunk; false at EOF (or EIO from a pty master with no slave left). */
static bool pump(struct shim *s, int *fd, const char *stream, int to, bool *fwd)
{
	char buf[16384];
	ssize_t n = read(*fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return false;
	}
	log_record(s, stream, buf, (size_t)n);
	if (s->attached)
		forward(fwd, to, buf, (size_t)n);
	return true;
}

static int setup_io(struct shim *s, int child_fds[3], struct err *e)
{
	if (s->c.tty) {
		int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
			return err_set(e, errno, "allocate a pseudo-terminal");
		int sl = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (sl < 0)
			return err_set(e, errno, "open the pseudo-terminal");
		struct winsize ws;
		if (s->attached && ioctl(0, TIOCGWINSZ, &ws) == 0)
			ioctl(m, TIOCSWINSZ, &ws);
		s->out = m;
		child_fds[0] = child_fds[1] = child_fds[2] = sl;
		if (s->c.stdin_open && s->attached)
			s->relay_in = 0;
		return 0;
	}
	int o[2], er[2];
	if (pipe2(o, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	s->out = o[0];
	s->errp = er[0];
	child_fds[1] = o[1];
	child_fds[2] = er[1];
	if (s->c.stdin_open && s->attached) {
		child_fds[0] = 0;
	} else if (s->c.stdin_open) {
		int in[2];
		if (pipe2(in, O_CLOEXEC) < 0)
			return err_set(e, errno, "pipe");
		child_fds[0] = in[0];
		s->hold = in[1];
	} else {
		child_fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (child_fds[0] < 0)
			return err_set(e, errno, "open /dev/null");
	}
	return 0;
}

static int clone_flags(const struct shim *s)
{
	int f = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
	if (rt_config_own_netns(&s->c) && !s->netns_made)
		f |= CLONE_NEWNET;
	return f;
}

/* The container's own network namespace, made by us while the CLI makes
 * the cgroups (the init is born in it): a new namespace costs ~1 ms, which
 * then overlaps the CLI's work instead of adding to the init's. We go back
 * to our own (leave_netns) once the init is cloned, so that the namespace
 * ends with the init, as one it made itself would. */
static int make_netns(struct shim *s, struct err *e)
{
	if (!rt_config_own_netns(&s->c))
		return 0;
	int r = fault_point("netns");
	if (r < 0)
		return err_set(e, -r, "new network namespace");
	s->host_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s->host_netns < 0)
		return err_set(e, errno, "open our network namespace");
	if (unshare(CLONE_NEWNET) < 0)
		return err_set(e, errno, "new network namespace");
	s->netns_made = true;
	return rt_loopback_up(e);
}

static void leave_netns(struct shim *s)
{
	if (s->host_netns < 0)
		return;
	if (setns(s->host_netns, CLONE_NEWNET) < 0)
		log_warn("container %.12s: cannot leave its network namespace: %s", s->c.id, strerror(errno));
	close(s->host_netns);
	s->host_netns = -1;
}

/* The CLI's word that the cgroups exist (fd 6). */
static int wait_cgroups(struct err *e)
{
	char c = 0;
	ssize_t n;
	while ((n = read(RT_CGROUP_FD, &c, 1)) < 0 && errno == EINTR)
		;
	close(RT_CGROUP_FD);
	if (n != 1 || c != 'c')
		return err_setx(e, ECANCELED, "the start was given up before the container was made");
	return 0;
}

/* --hold: wait for the CLI's word (it has the init's pid since the clone). */
static int hold_for_cli(struct err *e)
{
	char buf[8];
	size_t n = 0;
	while (n < sizeof(buf) - 1) {
		ssize_t k = read(RT_GO_FD, buf + n, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	close(RT_GO_FD);
	if (strcmp(buf, "go") != 0)
		return err_setx(e, ECANCELED, "the start was given up before the command ran");
	return 0;
}

/* A fork-like clone of the init (it runs on a copy of our stack). clone3
 * places it in its cgroup2 directory at birth (CLONE_INTO_CGROUP): moving it
 * there afterwards, through cgroup.procs, takes the kernel's threadgroup lock
 * for writing, which waits for an RCU grace period (milliseconds) while
 * holding the cgroup mutex. Where clone3 cannot (a kernel before 5.7, no
 * cgroup2 directory), a plain clone, and *born_in false: the init is moved. */
static pid_t clone_init(struct shim *s, bool *born_in)
{
	int flags = clone_flags(s);
	int cg = rt_cgroup_unified_fd(s->root, s->c.id);
	*born_in = false;
	if (cg >= 0) {
		struct clone_args ca = { .flags = (uint64_t)(flags & ~CSIGNAL) | CLONE_INTO_CGROUP,
					 .exit_signal = (uint64_t)(flags & CSIGNAL),
					 .cgroup = (uint64_t)cg };
		pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		close(cg); /* in both */
		if (pid >= 0) {
			*born_in = true;
			return pid;
		}
	}
	return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
}

static pid_t spawn_init(struct shim *s, int child_fds[3], int netns_fd, int *ret_report, struct err *e)
{
	int rp[2], go[2];
	if (pipe2(rp, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	if (pipe2(go, O_CLOEXEC) < 0) {
		close(rp[0]);
		close(rp[1]);
		return err_set(e, errno, "pipe");
	}
	bool born_in;
	pid_t pid = clone_init(s, &born_in);
	if (pid < 0) {
		int saved = errno;
		leave_netns(s);
		errno = saved;
		close(rp[0]);
		close(rp[1]);
		close(go[0]);
		close(go[1]);
		return err_set(e, errno, "clone the container's init");
	}
	if (pid == 0) {
		/* a killed shim takes its container along: no container runs
		 * unseen, and netd (watching the init) releases its endpoints */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (s->host_netns >= 0)
			close(s->host_netns);
		close(rp[0]);
		close(go[1]);
		for (int i = 0; i < 3; i++)
			if (child_fds[i] != i && dup2(child_fds[i], i) < 0)
				_exit(125);
		struct rt_init_args a = { .root = s->root, .c = &s->c, .report_fd = rp[1], .netns_fd = netns_fd,
					  .netns_made = s->netns_made, .go_fd = go[0], .seccomp_fd = s->seccomp_fd,
					  .tty = s->c.tty };
		rt_init_run(&a);
	}
	close(rp[1]);
	close(go[0]);
	leave_netns(s);
	/* the CLI attaches the networks while we join the cgroups and the
	 * child builds its root: all three at once */
	if (s->wait_cli)
		report("pid %d %d\n", pid, getpid());
	/* in parallel with the child's mounts: see init.c (on v1 the child
	 * joins its cgroups itself) */
	int r = born_in ? 0 : rt_cgroup_enter_init(s->root, s->c.id, pid, e);
	bool held = false;
	if (s->wait_cli) {
		/* its answer is read even after a failure here: the CLI writes it */
		struct err he = { 0 };
		int h = hold_for_cli(&he);
		if (r >= 0 && h < 0) {
			*e = he;
			r = h;
			held = true;
		}
	}
	bool sent = r >= 0 && write(go[1], "g", 1) == 1;
	close(go[1]);
	if (!sent) {
		/* the child may have failed first (then the write met EPIPE, or the
		 * pid was gone): its own report says why; else ours does */
		/* the child, told nothing, gives up (ECANCELED) unless it failed first */
		struct err child = { 0 };
		if (rt_read_report(rp[0], &child) < 0 && child.code != ECANCELED)
			*e = child;
		else if (r >= 0)
			err_set(e, EPIPE, "join the container's cgroups");
		else if (!held)
			err_wrap(e, "join the container's cgroups");
		close(rp[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -e->code;
	}
	*ret_report = rp[0];
	return pid;
}

static void on_signal(struct shim *s, int sfd)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			if (!s->exited)
				kill(s->child, (int)si.ssi_signo);
			continue;
		}
		int st;
		for (pid_t p; (p = waitpid(-1, &st, WNOHANG)) > 0;) {
			if (p == s->child) {
				s->status = st;
				s->exited = true;
			}
		}
	}
}

static void loop(struct shim *s, int sfd)
{
	int drain_ms = -1;
	while (!s->exited || s->out >= 0 || s->errp >= 0) {
		struct pollfd p[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = s->out, .events = POLLIN },
			{ .fd = s->errp, .events = POLLIN },
			{ .fd = s->relay_in, .events = POLLIN },
		};
		if (s->exited && drain_ms < 0)
			drain_ms = 2000; /* the namespace is dead; take what is buffered */
		int r = poll(p, 4, s->exited ? 200 : -1);
		if (r < 0 && errno != EINTR)
			break;
		if (r == 0 && s->exited && (drain_ms -= 200) <= 0)
			break;
		if (p[0].revents)
			on_signal(s, sfd);
		if (p[1].revents)
			pump(s, &s->out, "stdout", 1, &s->fwd_out);
		if (p[2].revents)
			pump(s, &s->errp, "stderr", 2, &s->fwd_err);
		if (p[3].revents) {
			char buf[4096];
			ssize_t n = read(s->relay_in, buf, sizeof(buf));
			bool ok = true;
			if (n <= 0)
				s->relay_in = -1;
			else if (s->out >= 0)
				forward(&ok, s->out, buf, (size_t)n);
		}
	}
}

/* The kernel tears a mount namespace down (every mount of it, each batch
 * with an expedited RCU grace period) when its last process exits, before
 * that exit is reported to the parent: 1-2 ms of a short container's end. We
 * hold a reference to the container's, so that its init's exit is reported
 * at once, and let go of it (release_mntns) once the exit is told. */
static void hold_mntns(struct shim *s)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)s->child);
	s->mntns = open(p, O_RDONLY | O_CLOEXEC);
}

static void release_mntns(struct shim *s)
{
	if (s->mntns >= 0)
		close(s->mntns);
	s->mntns = -1;
}

static void finish(struct shim *s, pid_t pid, const char *started)
{
	struct rt_state st = { .status = RT_EXITED, .pid = pid, .shim_pid = getpid() };
	int code = WIFEXITED(s->status) ? WEXITSTATUS(s->status) : 128 + WTERMSIG(s->status);

	st.exit_code = code;
	/* recorded in the state, which a --rm container does not keep */
	st.oom_killed = !s->c.auto_remove && rt_cgroup_oom_killed(s->root, s->c.id);
	snprintf(st.started, sizeof(st.started), "%s", started);
	rt_now_rfc3339(st.finished);
	/* with --rm the container is removed next: its final state is moot
	 * (should the removal fail, a "running" state without its shim reads
	 * as exited) */
	if (!s->c.auto_remove && rt_state_write(s->root, s->c.id, &st, NULL) < 0)
		log_warn("container %.12s: cannot record its exit status", s->c.id);
	bool hidden = false;
	if (!s->c.auto_remove) {
		(void)rt_cgroup_remove(s->root, s->c.id, NULL);
	} else {
		/* after the start that made us has let go of the container */
		int lock = rt_container_lock(s->root, s->c.id, NULL);
		if (lock >= 0 && rt_container_hide(s->root, s->c.id, s->c.name, RT_HIDE_KEEP_CGROUPS | RT_HIDE_NO_MOUNTS,
						NULL) < 0)
			log_warn("container %.12s: cannot remove it", s->c.id);
		else
			hidden = lock >= 0;
		if (lock >= 0)
			close(lock);
	}
	if (hidden) {
		/* the container is gone: its files are deleted after the exit is
		 * reported, under a title that no longer names it (the title
		 * overwrites argv, where s->root points) */
		_cleanup_free_ char *root = xstrdup(s->root);
		rt_proctitle_set("pontoon-shim");
		/* and let go of the attached CLI's stdio and report pipe, so that
		 * nobody reading them (`$(pontoon run --rm ...)`) waits for this */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; null >= 0 && fd < 3; fd++)
			dup2(null, fd);
		if (null > 2)
			close(null);
		if (s->attached)
			report("exit %d\n", code);
		close(RT_REPORT_FD);
		release_mntns(s);
		/* waits under way wait for this process to end: the status is
		 * recorded for them before it does */
		rt_exit_record(root, s->c.id, code);
		(void)rt_cgroup_remove(root, s->c.id, NULL);
		rt_container_spare_make(root);
		rt_container_trash_empty(root, s->c.id);
		return;
	}
	if (s->c.auto_remove) {
		rt_exit_record(s->root, s->c.id, code);
		(void)rt_cgroup_remove(s->root, s->c.id, NULL);
	}
	if (s->attached)
		report("exit %d\n", code);
	release_mntns(s);
}

static int shim_run(struct shim *s, const char *netns)
{
	struct err e = { 0 };
	int child_fds[3] = { -1, -1, -1 }, netns_fd = -1, rep = -1, sfd;
	_cleanup_free_ char *logp = rt_container_file(s->root, s->c.id, "ctr.log");
	sigset_t mask;

	s->logfd = open(logp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (s->logfd < 0)
		err_set(&e, errno, "open %s", logp);
	if (netns && !e.code && (netns_fd = open(netns, O_RDONLY | O_CLOEXEC)) < 0)
		err_set(&e, errno, "open %s", netns);
	if (e.code || setup_io(s, child_fds, &e) < 0)
		goto fail;
	sigemptyset(&mask);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGPIPE && sig != SIGSEGV && sig != SIGBUS &&
		    sig != SIGILL && sig != SIGFPE && sig != SIGABRT && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
			sigaddset(&mask, sig);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		err_set(&e, errno, "signalfd");
		goto fail;
	}
	if ((!netns && make_netns(s, &e) < 0) || wait_cgroups(&e) < 0)
		goto fail;
	s->child = spawn_init(s, child_fds, netns_fd, &rep, &e);
	if (s->child < 0)
		goto fail;
	hold_mntns(s);
	for (int i = 0; i < 3; i++)
		if (child_fds[i] > 2 && (i == 0 || child_fds[i] != child_fds[i - 1]))
			close(child_fds[i]);
	if (s->seccomp_fd >= 0)
		close(s->seccomp_fd); /* the init has its own */
	if (rt_read_report(rep, &e) < 0) {
		close(rep);
		waitpid(s->child, NULL, 0);
		goto fail_init; /* the exec's ENOENT and EACCES are run's 127 and 126 */
	}
	close(rep);

	struct rt_state st = { .status = RT_RUNNING, .pid = s->child, .shim_pid = getpid() };
	rt_now_rfc3339(st.started);
	if (rt_state_write(s->root, s->c.id, &st, &e) < 0) {
		kill(s->child, SIGKILL);
		waitpid(s->child, NULL, 0);
		goto fail;
	}
	report("ok %d\n", s->child);
	if (!s->attached)
		close(RT_REPORT_FD);
	loop(s, sfd);
	if (!s->exited) {
		kill(s->child, SIGKILL);
		waitpid(s->child, &s->status, 0);
	}
	finish(s, s->child, st.started);
	return 0;
fail:
	/* our own failure: its code must not read as the exec's */
	if (e.code)
		e.code = rt_setup_failure_code(&e);
fail_init:
	report("err %d %s\n", e.code ? e.code : EIO, err_msg(&e));
	return 1;
}

static char *title_start;
static size_t title_len;

void rt_proctitle_init(int argc, char **argv)
{
	if (argc < 1)
		return;
	title_start = argv[0];
	title_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
}

void rt_proctitle_set(const char *title)
{
	if (!title_start)
		return;
	memset(title_start, 0, title_len);
	strncpy(title_start, title, title_len);
}

int rt_shim_main(int argc, char **argv)
{
	struct shim s = { .logfd = -1,
			  .seccomp_fd = -1,
			  .out = -1,
			  .errp = -1,
			  .relay_in = -1,
			  .hold = -1,
			  .mntns = -1,
			  .host_netns = -1,
			  .fwd_out = true,
			  .fwd_err = true };
	const char *netns = NULL;
	struct err e = { 0 };

	signal(SIGPIPE, SIG_IGN);
	if (argc < 3 || !id_is_valid(argv[2])) {
		report("err %d usage: pontoon-shim ROOT ID [--attach] [--netns PATH]\n", EINVAL);
		return 2;
	}
	rt_proctitle_init(argc, argv);
	/* no fork to detach: the CLI does not wait for us, and when it exits we
	 * are reparented as a forked-off process would be */
	s.root = argv[1];
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--attach") == 0)
			s.attached = true;
		else if (strcmp(argv[i], "--netns") == 0 && i + 1 < argc)
			netns = argv[++i];
		else if (strcmp(argv[i], "--hold") == 0)
			s.wait_cli = true;
		else if (strcmp(argv[i], "--seccomp") == 0)
			s.seccomp_fd = RT_SECCOMP_FD;
	}
	fcntl(RT_CGROUP_FD, F_SETFD, FD_CLOEXEC);
	if (s.seccomp_fd >= 0)
		fcntl(s.seccomp_fd, F_SETFD, FD_CLOEXEC);
	fcntl(RT_REPORT_FD, F_SETFD, FD_CLOEXEC);
	if (s.wait_cli)
		fcntl(RT_GO_FD, F_SETFD, FD_CLOEXEC);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (rt_config_read(s.root, argv[2], &s.c, &e) < 0 || rt_start_env_apply(s.root, &s.c, &e) < 0) {
		report("err %d %s\n", e.code, err_msg(&e));
		return 1;
	}
	int r = shim_run(&s, netns);
	rt_config_done(&s.c);
	return r;
}
