/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client side of netd's socket, and starting netd on demand. */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include "netd.h"

#define START_TIMEOUT_MS 10000
#define RESTART_AFTER_MS 250

json_object *netd_request_new(const char *op)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int(NETD_PROTO_VERSION));
	json_object_object_add(o, "op", json_object_new_string(op));
	return o;
}

static int connect_sock(const struct netd_paths *p, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/netd.sock", p->run) >= sizeof(sa.sun_path))
		return err_setx(e, ENAMETOOLONG, "socket path %s/netd.sock is too long", p->run);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = err_set(e, errno, "connect to netd at %s", sa.sun_path);
		close(fd);
		return r;
	}
	return fd;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* fork+exec `pontoon --root R --run U netd`: it returns once netd answers. */
static int start_netd(const struct netd_paths *p, struct err *e)
{
	char lvl[16];
	const char *levels[] = { "error", "warn", "info", "debug" };
	int status, pfd[2];
	char out[600];
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	snprintf(lvl, sizeof(lvl), "%s", levels[log_get_level() > LOG_LVL_INFO ? LOG_LVL_DEBUG : LOG_LVL_INFO]);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_set(e, errno, "start netd: pipe");
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return err_set(e, errno, "start netd: fork");
	}
	if (pid == 0) {
		/* its error line comes back to us, to be reported as one line */
		dup2(pfd[1], STDERR_FILENO);
		char *argv[] = { "pontoon", "--root", (char *)p->root, "--run", (char *)p->run, "--log-level", lvl, "netd", NULL };
		/* A fault spec armed for this command is not netd's: inherited, it would
		 * fire inside the daemon at some later operation (netd's own points
		 * are armed through its debug.fault request). */
		unsetenv("PONTOON_FAULT");
		execv("/proc/self/exe", argv);
		fprintf(stderr, "pontoon: start netd: exec /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	while (len < sizeof(out) - 1 && (n = read(pfd[0], out + len, sizeof(out) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	out[len] = '\0';
	out[strcspn(out, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(e, errno, "start netd: wait");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *msg = strncmp(out, "pontoon: ", 9) == 0 ? out + 9 : out;
		return err_setx(e, EIO, "%s (log: %s/netd.log)", msg[0] ? msg : "netd could not start", p->run);
	}
	return 0;
}

static int connect_or_start(const struct netd_paths *p, bool autostart, struct err *e)
{
	int fd = connect_sock(p, e);
	long deadline;
	if (fd >= 0 || !autostart || (fd != -ENOENT && fd != -ECONNREFUSED))
		return fd;
	err_clear(e);
	int r = start_netd(p, e);
	if (r < 0)
		return r;
	/* another starter may have won the lock and still be getting ready; or
	 * the lock's holder was a netd still dying of a SIGKILL (its socket
	 * closed, its lock not yet): then nobody is starting, so start again */
	deadline = now_ms() + START_TIMEOUT_MS;
	long again = now_ms() + RESTART_AFTER_MS;
	while ((fd = connect_sock(p, e)) < 0 && (fd == -ENOENT || fd == -ECONNREFUSED) && now_ms() < deadline) {
		poll(NULL, 0, 10);
		if (now_ms() >= again) {
			err_clear(e);
			if ((r = start_netd(p, e)) < 0)
				return r;
			again = now_ms() + RESTART_AFTER_MS;
		}
	}
	return fd;
}

static int read_reply(int fd, char **ret, struct err *e)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap > NETD_MSG_MAX)
				return err_setx(e, EMSGSIZE, "netd's reply is too large");
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, errno, "read netd's reply");
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == 0)
		return err_setx(e, EPROTO, "netd closed the connection without a reply (see its log)");
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

static int check_reply(json_object *o, struct err *e)
{
	json_object *v, *msg, *code;
	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "ok", &v))
		return err_setx(e, EPROTO, "netd sent a malformed reply");
	if (json_object_get_boolean(v))
		return 0;
	int c = json_object_object_get_ex(o, "errno", &code) ? json_object_get_int(code) : EIO;
	if (c <= 0 || c > 4095)
		c = EIO;
	return err_setx(e, c, "%s",
			json_object_object_get_ex(o, "error", &msg) ? json_object_get_string(msg) : "netd failed");
}

/* Send req on a fresh connection and read the reply. */
static int call_once(const struct netd_paths *p, const char *s, size_t len, bool autostart, char **ret, struct err *e)
{
	_cleanup_close_ int fd = connect_or_start(p, autostart, e);
	if (fd < 0)
		return fd;
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, errno, "send to netd");
		s += n;
		len -= (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	return read_reply(fd, ret, e);
}

int netd_call(const struct netd_paths *p, json_object *req, bool autostart, json_object **ret, struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	const char *s = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &len);
	int r = call_once(p, s, len, autostart, &buf, e);

	/* a netd that was just killed may still have been listening: the
	 * connection was queued but never accepted, and is reset when the dying
	 * netd's socket closes (a netd that read the request and died gives
	 * EOF instead). The request was not seen: start netd and send it again. */
	for (int tries = 0; autostart && (r == -ECONNRESET || r == -EPIPE) && tries < 5; tries++) {
		err_clear(e);
		poll(NULL, 0, 20);
		r = call_once(p, s, len, autostart, &buf, e);
	}
	if (r < 0)
		return r;
	json_object *o = json_tokener_parse(buf);
	r = check_reply(o, e);
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}
