/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netd's main loop: the socket, signals, one request at a time. */
#include <fcntl.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "daemon.h"
#include "jsonu.h"

#define IO_TIMEOUT_SEC 5

static int read_all(int fd, char **ret, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap > NETD_MSG_MAX) {
				free(buf);
				return -EMSGSIZE;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static json_object *handle(struct netd *d, const char *buf, size_t len)
{
	_cleanup_json_ json_object *req = NULL;
	json_object *reply = json_object_new_object();
	const char *op = "?";
	struct err e = { 0 };
	int r;

	json_object_object_add(reply, "version", json_object_new_int(NETD_PROTO_VERSION));
	r = proto_parse(buf, len, &req, &op, &e);
	if (r == 0)
		r = netd_dispatch(d, op, req, reply, &e);
	json_object_object_add(reply, "ok", json_object_new_boolean(r == 0));
	if (r < 0) {
		log_info("%s: %s", op, err_msg(&e));
		ju_add_str(reply, "error", err_msg(&e));
		json_object_object_add(reply, "errno", json_object_new_int(-r));
	} else if (strcmp(op, "net.create") == 0 || strcmp(op, "net.rm") == 0 || strcmp(op, "net.prune") == 0) {
		log_info("%s: done", op);
	} else {
		log_debug("%s: done", op);
	}
	return reply;
}

static void serve(struct netd *d, int lfd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_SEC };
	_cleanup_close_ int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ json_object *reply = NULL;
	size_t len = 0;
	int r;

	if (fd < 0)
		return;
	/* one client cannot stall netd for long */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	r = read_all(fd, &buf, &len);
	if (r < 0) {
		log_info("drop a client: %s", strerror(-r));
		return;
	}
	if (netd_peer_refused(fd))
		return;
	reply = handle(d, buf, len);
	size_t n;
	const char *s = json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (write_all(fd, s, n) < 0 || write_all(fd, "\n", 1) < 0)
		log_info("a client left before its reply");
}

static int listen_socket(const char *run, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_free_ char *path = xasprintf("%s/netd.sock", run);
	_cleanup_close_ int fd = -EBADF;
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_setx(e, ENAMETOOLONG, "socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_set(e, errno, "socket");
	unlink(path); /* a stale one: we hold the lock, nobody else serves it */
	old = umask(0077);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return err_set(e, errno, "bind %s", path);
	if (chmod(path, 0600) < 0 || listen(fd, 64) < 0)
		return err_set(e, errno, "listen on %s", path);
	return TAKE_FD(fd);
}

static void netd_free(struct netd *d)
{
	netd_dns_stop(d);
	deleter_free(d->del);
	for (size_t i = 0; i < d->nnets; i++)
		network_free(d->nets[i]);
	free(d->nets);
	nl_close(d->nl);
	free(d->netdir);
	if (d->epfd > 0)
		close(d->epfd);
}

static int setup(struct netd *d, const struct netd_paths *p, struct err *e)
{
	int r;
	d->p = *p;
	d->netdir = path_join(p->root, "networks");
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return err_set(e, errno, "epoll");
	if ((r = mkdir_p(d->netdir, 0700, e)) < 0 || (r = nl_open(&d->nl, e)) < 0 ||
	    (r = deleter_new(&d->del, e)) < 0 || (r = netd_load(d, e)) < 0 || (r = netd_reconcile(d, e)) < 0 ||
	    (r = netd_dns_start(d, e)) < 0)
		return r;
	netd_watch_restore(d);
	return 0;
}

static int loop(struct netd *d, int lfd, int sfd, struct err *e)
{
	int ep = d->epfd;
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	_cleanup_close_ int wfd = netd_fw_watch_open(e);
	if (wfd < 0)
		return wfd;
	ev.data.fd = wfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, wfd, &ev);
	for (;;) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, ARRAY_SIZE(evs), -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, errno, "epoll_wait");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd) {
				serve(d, lfd);
				continue;
			}
			if (evs[i].data.fd == wfd) {
				netd_fw_watch_handle(d, wfd);
				continue;
			}
			if (evs[i].data.fd != sfd) {
				netd_watch_fired(d, evs[i].data.fd);
				continue;
			}
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGCHLD) {
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
				continue;
			}
			log_info("signal %s: stopping (networks and endpoints stay)", strsignal((int)si.ssi_signo));
			return 0;
		}
	}
}

/* ready: the pipe to the parent waiting for "ok" (or an error line); -1 in the foreground */
static int run_daemon(const struct netd_paths *p, int ready, struct err *e)
{
	_cleanup_free_ char *lock = xasprintf("%s/netd.lock", p->run);
	_cleanup_close_ int lfd = -EBADF, sfd = -EBADF, lk = -EBADF;
	struct netd d = { 0 };
	sigset_t mask;
	int r;

	lk = lock_file(lock, true, e);
	if (lk == -EWOULDBLOCK) {
		err_clear(e);
		log_info("another netd holds %s", lock);
		return -EALREADY;
	}
	if (lk < 0)
		return lk;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return err_set(e, errno, "signalfd");
	r = setup(&d, p, e);
	if (r == 0)
		r = lfd = listen_socket(p->run, e);
	if (r >= 0) {
		log_info("netd %s ready on %s/netd.sock (pid %d, %zu networks)", PONTOON_VERSION, p->run, getpid(),
			 d.nnets);
		if (ready >= 0) {
			if (write(ready, "ok\n", 3) != 3)
				log_warn("cannot tell the starter that netd is ready");
			close(ready);
		}
		r = loop(&d, lfd, sfd, e);
		_cleanup_free_ char *sock = xasprintf("%s/netd.sock", p->run);
		unlink(sock);
	}
	netd_free(&d);
	return r < 0 ? r : 0;
}

/* The parent half: wait for the child's "ok" or its error line. */
static int wait_ready(pid_t pid, int fd, struct err *e)
{
	char buf[600];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "ok") == 0)
		return 0;
	int status = 0;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0; /* another netd serves the socket */
	return err_setx(e, EIO, "netd could not start: %s", buf[0] ? buf : "it exited early (see its log)");
}

int netd_main(const struct netd_paths *p, bool foreground, struct err *e)
{
	int pipefd[2] = { -1, -1 }, r;
	pid_t pid;

	if ((r = mkdir_p(p->run, 0700, e)) < 0 || (r = mkdir_p(p->root, 0700, e)) < 0)
		return r;
	if (foreground) {
		log_setup("netd", true);
		r = run_daemon(p, -1, e);
		return r == -EALREADY ? err_setx(e, EALREADY, "netd is already running") : r;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	pid = fork();
	if (pid < 0)
		return err_set(e, errno, "fork");
	if (pid > 0) {
		close(pipefd[1]);
		r = wait_ready(pid, pipefd[0], e);
		close(pipefd[0]);
		return r;
	}
	/* the daemon: its own session, output to the log, and no descriptor
	 * of its starter's (a test runner waits for EOF on those) */
	close(pipefd[0]);
	if (pipefd[1] > 3)
		close_range(3, (unsigned int)pipefd[1] - 1, 0);
	close_range((unsigned int)pipefd[1] + 1, ~0U, 0);
	setsid();
	_cleanup_free_ char *log = xasprintf("%s/netd.log", p->run);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC), lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (nul >= 0 && lf >= 0) {
		dup2(nul, STDIN_FILENO);
		dup2(nul, STDOUT_FILENO);
		dup2(lf, STDERR_FILENO);
	}
	log_setup("netd", true);
	r = run_daemon(p, pipefd[1], e);
	if (r < 0 && r != -EALREADY) {
		log_error("%s", err_msg(e));
		dprintf(pipefd[1], "%s\n", err_msg(e));
	}
	_exit(r < 0 && r != -EALREADY ? 1 : 0);
}
