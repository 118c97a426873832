/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server: UDP and TCP listeners, TCP connections, a timer, all
 * non-blocking behind one epoll fd that a caller (netd) adds to its own loop.
 *
 * UDP: queries are read and answered in batches (recvmmsg/sendmmsg).  TCP:
 * several queries per connection (RFC 7766), answered in order for local
 * names, as they come for forwarded ones; a connection idle for tcp_idle_ms
 * is closed, and one that sends EOF stops being polled for input at once, so
 * a half-sent message can never make the loop spin.
 *
 * Threads: the loop runs in the caller's thread (dns_server_process) or in
 * its own (dns_server_start), so that nothing the caller does (netd serving
 * a slow API client) delays an answer.  The loop holds srv->lock for reading
 * while it handles one event; the other thread changes the store and the
 * listeners under the lock for writing.  The lock prefers writers, so an
 * update waits for at most one event (one batch of queries), and a query
 * sees the store either before or after an update, never half of one.  A
 * listener removed while the loop holds its event in hand is only marked
 * dead and closed; it is freed at the end of the loop's round.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include "server-internal.h"

uint64_t srv_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void srv_epoll_set(struct dns_server *srv, int fd, struct handle *h, uint32_t events, bool add)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };
	/* cannot fail for a valid fd we own short of ENOMEM; then the object
	 * is simply not polled and its timeout ends it */
	if (epoll_ctl(srv->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) < 0)
		log_debug("dns: epoll_ctl fd %d: %m", fd);
}

static void sockaddr_to_addr(const struct sockaddr_storage *ss, struct dns_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->family = AF_INET;
		a->v4 = ((const struct sockaddr_in *)ss)->sin_addr;
	} else if (ss->ss_family == AF_INET6) {
		a->family = AF_INET6;
		a->v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
}

int dns_server_new(struct dns_store *store, const struct dns_server_config *cfg, struct dns_server **ret,
		   struct err *e)
{
	_cleanup_free_ struct dns_server *srv = xcalloc(1, sizeof(*srv));

	srv->store = store;
	if (cfg)
		srv->cfg = *cfg;
	if (!srv->cfg.resolv_conf)
		srv->cfg.resolv_conf = "/etc/resolv.conf";
	if (!srv->cfg.resolv_port)
		srv->cfg.resolv_port = 53;
	if (!srv->cfg.upstream_timeout_ms)
		srv->cfg.upstream_timeout_ms = 2000;
	if (!srv->cfg.tcp_idle_ms)
		srv->cfg.tcp_idle_ms = 10000;
	if (!srv->cfg.max_forwards)
		srv->cfg.max_forwards = 1024;
	if (!srv->cfg.max_tcp_clients)
		srv->cfg.max_tcp_clients = 256;
	if (!srv->cfg.cache_entries)
		srv->cfg.cache_entries = 4096;
	if (!srv->cfg.cache_bytes)
		srv->cfg.cache_bytes = 4 << 20;
	if (srv->cfg.no_cache)
		srv->cfg.cache_entries = 0;
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0)
		return err_set(e, errno, "dns: epoll_create1");
	srv->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (srv->timerfd < 0) {
		int r = err_set(e, errno, "dns: timerfd_create");
		close(srv->epfd);
		return r;
	}
	srv->timer_h.kind = H_TIMER;
	srv->wakefd = -1;
	pthread_rwlockattr_t la;
	pthread_rwlockattr_init(&la);
	pthread_rwlockattr_setkind_np(&la, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&srv->lock, &la);
	pthread_rwlockattr_destroy(&la);
	srv->timer_armed = UINT64_MAX;
	srv_epoll_set(srv, srv->timerfd, &srv->timer_h, EPOLLIN, true);
	srv->bufs = xmalloc(2 * UDP_BATCH * DNS_UDP_MAX);
	srv->big = xmalloc(DNS_MSG_MAX);
	*ret = TAKE_PTR(srv);
	return 0;
}

static void conn_free(struct tcp_conn *c)
{
	free(c->in);
	free(c->out);
	free(c);
}

static void listener_close(struct listener *l)
{
	if (l->udp_fd >= 0)
		close(l->udp_fd);
	if (l->tcp_fd >= 0)
		close(l->tcp_fd);
	free(l);
}

static void conn_unlink(struct dns_server *srv, struct tcp_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		srv->conns_tail = c->prev;
	c->prev = c->next = NULL;
}

static void conn_append(struct dns_server *srv, struct tcp_conn *c)
{
	c->prev = srv->conns_tail;
	c->next = NULL;
	if (srv->conns_tail)
		srv->conns_tail->next = c;
	else
		srv->conns_head = c;
	srv->conns_tail = c;
}

/* Close now; the memory goes at the end of this round of events. */
static void conn_close(struct dns_server *srv, struct tcp_conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	fwd_conn_gone(srv, c);
	close(c->fd);
	c->fd = -1;
	conn_unlink(srv, c);
	srv->n_conns--;
	c->next = srv->dead_conns;
	srv->dead_conns = c;
}

static void thread_stop(struct dns_server *srv);

void dns_server_free(struct dns_server *srv)
{
	if (!srv)
		return;
	thread_stop(srv);
	while (srv->conns_head)
		conn_close(srv, srv->conns_head);
	fwd_free_all(srv);
	cache_free(srv);
	while (srv->dead_conns) {
		struct tcp_conn *c = srv->dead_conns;
		srv->dead_conns = c->next;
		conn_free(c);
	}
	while (srv->listeners) {
		struct listener *l = srv->listeners;
		srv->listeners = l->next;
		listener_close(l);
	}
	while (srv->dead_listeners) {
		struct listener *l = srv->dead_listeners;
		srv->dead_listeners = l->next;
		listener_close(l);
	}
	pthread_rwlock_destroy(&srv->lock);
	close(srv->timerfd);
	close(srv->epfd);
	free(srv->bufs);
	free(srv->big);
	free(srv);
}

static int bind_socket(const struct dns_addr *addr, uint16_t port, int type, struct err *e)
{
	struct dns_upstream sa;
	_cleanup_close_ int fd = socket(addr->family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return err_set(e, errno, "socket");
	if (addr->family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return err_set(e, errno, "IPV6_V6ONLY");
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return err_set(e, errno, "SO_REUSEADDR");
	dns_upstream_from_addr(addr, port, &sa);
	if (bind(fd, (struct sockaddr *)&sa.ss, sa.len) < 0)
		return err_set(e, errno, "bind");
	if (type == SOCK_STREAM && listen(fd, 128) < 0)
		return err_set(e, errno, "listen");
	return TAKE_FD(fd);
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

int dns_server_listen(struct dns_server *srv, const struct dns_addr *addr, uint16_t port, uint16_t *ret_port,
		      struct err *e)
{
	char ab[INET6_ADDRSTRLEN] = "?";

	if (!addr || (addr->family != AF_INET && addr->family != AF_INET6))
		return err_setx(e, EINVAL, "dns: listen address of unknown family");
	inet_ntop(addr->family, &addr->v4, ab, sizeof(ab));
	struct listener *l = xcalloc(1, sizeof(*l));
	l->udp_h.kind = H_UDP;
	l->tcp_h.kind = H_TCP_LISTEN;
	l->addr = *addr;
	l->tcp_fd = -1;
	l->udp_fd = bind_socket(addr, port, SOCK_DGRAM, e);
	if (l->udp_fd < 0) {
		listener_close(l);
		return err_wrap(e, "dns: listen on %s:%u/udp", ab, port);
	}
	/* the TCP listener takes the port UDP got, so both answer on one port */
	l->port = bound_port(l->udp_fd);
	l->tcp_fd = bind_socket(addr, l->port, SOCK_STREAM, e);
	if (l->tcp_fd < 0) {
		listener_close(l);
		return err_wrap(e, "dns: listen on %s:%u/tcp", ab, port);
	}
	dns_server_lock(srv);
	srv_epoll_set(srv, l->udp_fd, &l->udp_h, EPOLLIN, true);
	srv_epoll_set(srv, l->tcp_fd, &l->tcp_h, EPOLLIN, true);
	l->next = srv->listeners;
	srv->listeners = l;
	dns_server_unlock(srv);
	if (ret_port)
		*ret_port = l->port;
	return 0;
}

int dns_server_unlisten(struct dns_server *srv, const struct dns_addr *addr, uint16_t port, struct err *e)
{
	dns_server_lock(srv);
	for (struct listener **pp = &srv->listeners; *pp; pp = &(*pp)->next) {
		struct listener *l = *pp;
		if (dns_addr_equal(&l->addr, addr) && l->port == port) {
			*pp = l->next;
			/* closing removes the fds from the epoll set; an event
			 * already taken from it may still point here */
			close(l->udp_fd);
			close(l->tcp_fd);
			l->udp_fd = l->tcp_fd = -1;
			l->dead = true;
			l->next = srv->dead_listeners;
			srv->dead_listeners = l;
			dns_server_unlock(srv);
			return 0;
		}
	}
	dns_server_unlock(srv);
	return err_setx(e, ENOENT, "dns: not listening there");
}

int dns_server_fd(const struct dns_server *srv)
{
	return srv->epfd;
}

void dns_server_get_stats(struct dns_server *srv, struct dns_server_stats *ret)
{
	dns_server_lock(srv);
	*ret = srv->stats;
	ret->tcp_open = srv->n_conns;
	ret->forwards_open = srv->n_fwd;
	ret->cache_entries = srv->cache_n;
	dns_server_unlock(srv);
}

void dns_server_lock(struct dns_server *srv)
{
	pthread_rwlock_wrlock(&srv->lock);
}

void dns_server_unlock(struct dns_server *srv)
{
	pthread_rwlock_unlock(&srv->lock);
}

/* ---- UDP --------------------------------------------------------------------- */

void srv_udp_send(struct dns_server *srv, int fd, const struct sockaddr_storage *to, socklen_t tolen,
		  const uint8_t *msg, size_t len)
{
	(void)srv;
	/* a full socket buffer drops the answer, as the network would; the
	 * client retries */
	if (sendto(fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to, tolen) < 0)
		log_debug("dns: udp send: %m");
}

static void udp_event(struct dns_server *srv, struct listener *l)
{
	struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
	struct iovec iin[UDP_BATCH], iout[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	uint8_t *ibuf = srv->bufs, *obuf = srv->bufs + UDP_BATCH * DNS_UDP_MAX;

	if (l->dead)
		return;
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < UDP_BATCH; i++) {
			iin[i] = (struct iovec){ ibuf + i * DNS_UDP_MAX, DNS_UDP_MAX };
			in[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &from[i], .msg_namelen = sizeof(from[i]),
							       .msg_iov = &iin[i], .msg_iovlen = 1 } };
		}
		int n = recvmmsg(l->udp_fd, in, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		int nout = 0;
		for (int i = 0; i < n; i++) {
			struct dns_answer_result res;
			struct dns_addr src;
			if (in[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue; /* larger than any query we accept */
			sockaddr_to_addr(&from[i], &src);
			srv->stats.queries++;
			if (!dns_store_serves(srv->store, &src, &l->addr)) { /* not a container of this network */
				srv->stats.dropped++;
				continue;
			}
			uint8_t *o = obuf + nout * DNS_UDP_MAX;
			dns_answer(srv->store, &src, iin[i].iov_base, in[i].msg_len, false, o, DNS_UDP_MAX, &res);
			if (res.action == DNS_ACT_DROP) {
				srv->stats.dropped++;
			} else if (res.action == DNS_ACT_FORWARD) {
				fwd_start(srv, iin[i].iov_base, in[i].msg_len, &res, NULL, l->udp_fd, &from[i],
					  in[i].msg_hdr.msg_namelen);
			} else {
				srv->stats.answered_local++;
				iout[nout] = (struct iovec){ o, res.len };
				out[nout] = (struct mmsghdr){ .msg_hdr = { .msg_name = &from[i],
									   .msg_namelen = in[i].msg_hdr.msg_namelen,
									   .msg_iov = &iout[nout], .msg_iovlen = 1 } };
				nout++;
			}
		}
		for (int sent = 0; sent < nout;) {
			int k = sendmmsg(l->udp_fd, out + sent, (unsigned)(nout - sent), MSG_DONTWAIT | MSG_NOSIGNAL);
			if (k <= 0) {
				sent++; /* skip the one that failed (e.g. EPERM by a firewall) */
				continue;
			}
			sent += k;
		}
		if (n < UDP_BATCH)
			return;
	}
}

/* ---- TCP --------------------------------------------------------------------- */

static void conn_touch(struct dns_server *srv, struct tcp_conn *c)
{
	c->deadline = srv_now_ms() + srv->cfg.tcp_idle_ms;
	conn_unlink(srv, c);
	conn_append(srv, c);
}

static void conn_update_events(struct dns_server *srv, struct tcp_conn *c)
{
	uint32_t ev = (c->eof ? 0 : EPOLLIN) | (c->out_len ? EPOLLOUT : 0);
	if (ev != c->events) {
		c->events = ev;
		srv_epoll_set(srv, c->fd, &c->h, ev, false);
	}
}

/* Done with a connection that said EOF once nothing more is owed to it. */
void srv_conn_maybe_finish(struct dns_server *srv, struct tcp_conn *c)
{
	if (!c->dead && c->eof && !c->pending && !c->out_len)
		conn_close(srv, c);
}

static void conn_flush(struct dns_server *srv, struct tcp_conn *c)
{
	while (c->out_len) {
		ssize_t k = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(srv, c);
			return;
		}
		memmove(c->out, c->out + k, c->out_len - (size_t)k);
		c->out_len -= (size_t)k;
	}
	conn_update_events(srv, c);
	srv_conn_maybe_finish(srv, c);
}

void srv_tcp_send(struct dns_server *srv, struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	if (c->dead)
		return;
	if (c->out_len + 2 + len > TCP_OUT_MAX) { /* a client that does not read its answers */
		conn_close(srv, c);
		return;
	}
	if (c->out_len + 2 + len > c->out_cap) {
		c->out_cap = c->out_len + 2 + len + 4096;
		c->out = xrealloc(c->out, c->out_cap);
	}
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = len & 0xff;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len += 2 + len;
	conn_touch(srv, c);
	conn_flush(srv, c);
}

static void tcp_accept(struct dns_server *srv, struct listener *l)
{
	if (l->dead)
		return;
	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(l->tcp_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct dns_addr peer;
		sockaddr_to_addr(&ss, &peer);
		if (!dns_store_serves(srv->store, &peer, &l->addr)) { /* not a container of this network */
			srv->stats.dropped++;
			close(fd);
			continue;
		}
		if (srv->n_conns >= srv->cfg.max_tcp_clients)
			conn_close(srv, srv->conns_head); /* the longest idle */
		struct tcp_conn *c = xcalloc(1, sizeof(*c));
		c->h.kind = H_CONN;
		c->fd = fd;
		c->peer = peer;
		c->local = l->addr;
		c->in = xmalloc(2 + DNS_MSG_MAX);
		c->events = EPOLLIN;
		srv->n_conns++;
		srv->stats.tcp_conns++;
		conn_append(srv, c);
		conn_touch(srv, c);
		srv_epoll_set(srv, fd, &c->h, EPOLLIN, true);
	}
}

/* Answer every complete message in the input buffer. */
static void conn_messages(struct dns_server *srv, struct tcp_conn *c)
{
	size_t off = 0, mlen;
	int r;

	while (!c->dead && (r = dns_tcp_frame(c->in + off, c->in_len - off, &mlen)) != 0) {
		struct dns_answer_result res;
		if (r < 0) {
			conn_close(srv, c);
			return;
		}
		const uint8_t *msg = c->in + off + 2;
		off += 2 + mlen;
		srv->stats.queries++;
		if (dns_store_serves(srv->store, &c->peer, &c->local))
			dns_answer(srv->store, &c->peer, msg, mlen, true, srv->big, DNS_MSG_MAX, &res);
		else
			res.action = DNS_ACT_DROP; /* it left the network since it connected */
		if (res.action == DNS_ACT_DROP) {
			srv->stats.dropped++;
			conn_close(srv, c);
			return;
		}
		if (res.action == DNS_ACT_FORWARD) {
			fwd_start(srv, msg, mlen, &res, c, -1, NULL, 0);
		} else {
			srv->stats.answered_local++;
			srv_tcp_send(srv, c, srv->big, res.len);
		}
	}
	if (c->dead)
		return;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

static void conn_event(struct dns_server *srv, struct tcp_conn *c, uint32_t events)
{
	if (c->dead)
		return;
	/* Reset or both directions shut: nothing can be delivered any more.
	 * (HUP and ERR are reported whatever the interest mask, so leaving the
	 * connection open would report them again at once, for ever.) */
	if (events & (EPOLLHUP | EPOLLERR)) {
		conn_close(srv, c);
		return;
	}
	if (events & EPOLLOUT)
		conn_flush(srv, c);
	if (c->dead || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->eof)
		return;
	size_t room = 2 + DNS_MSG_MAX - c->in_len;
	if (room == 0) { /* cannot happen: a full buffer always holds a whole message */
		conn_close(srv, c);
		return;
	}
	ssize_t k = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
	if (k < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(srv, c);
		return;
	}
	if (k == 0) {
		/* EOF: whatever partial message is left will never complete;
		 * stop polling for input (no busy loop on a readable EOF) and
		 * close once the answers owed are sent */
		c->eof = true;
		c->in_len = 0;
		conn_update_events(srv, c);
		srv_conn_maybe_finish(srv, c);
		return;
	}
	c->in_len += (size_t)k;
	conn_touch(srv, c);
	conn_messages(srv, c);
}

static void conn_timeouts(struct dns_server *srv, uint64_t now)
{
	for (struct tcp_conn *c = srv->conns_head, *next; c && c->deadline <= now; c = next) {
		next = c->next;
		if (c->pending) { /* its forwards end on their own timeouts */
			conn_touch(srv, c);
			continue;
		}
		conn_close(srv, c);
	}
}

/* ---- the loop ------------------------------------------------------------------ */

/* Arm the timer for the earliest deadline; a syscall only when it changes. */
static void timer_rearm(struct dns_server *srv, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct itimerspec its = { 0 };

	if (srv->conns_head)
		next = srv->conns_head->deadline;
	if (srv->fwd_head && srv->fwd_head->deadline < next)
		next = srv->fwd_head->deadline;
	if (next == srv->timer_armed && (next == UINT64_MAX || next > now))
		return;
	srv->timer_armed = next;
	if (next != UINT64_MAX) {
		uint64_t d = next > now ? next - now : 1;
		its.it_value.tv_sec = (time_t)(d / 1000);
		its.it_value.tv_nsec = (long)(d % 1000) * 1000000;
	}
	timerfd_settime(srv->timerfd, 0, &its, NULL);
}

static void reap(struct dns_server *srv)
{
	while (srv->dead_listeners) {
		struct listener *l = srv->dead_listeners;
		srv->dead_listeners = l->next;
		listener_close(l);
	}
	while (srv->dead_conns) {
		struct tcp_conn *c = srv->dead_conns;
		srv->dead_conns = c->next;
		conn_free(c);
	}
	fwd_reap(srv);
}

static void handle_event(struct dns_server *srv, const struct epoll_event *ev)
{
	struct handle *h = ev->data.ptr;

	switch (h->kind) {
	case H_UDP:
		udp_event(srv, (struct listener *)((char *)h - offsetof(struct listener, udp_h)));
		break;
	case H_TCP_LISTEN:
		tcp_accept(srv, (struct listener *)((char *)h - offsetof(struct listener, tcp_h)));
		break;
	case H_CONN:
		conn_event(srv, (struct tcp_conn *)h, ev->events);
		break;
	case H_FWD:
		fwd_event(srv, (struct fwd *)h, ev->events);
		break;
	case H_TIMER: {
		uint64_t ticks;
		if (read(srv->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			log_debug("dns: timerfd read: %m");
		srv->timer_armed = UINT64_MAX; /* fired: disarmed */
		break;
	}
	case H_WAKE: {
		uint64_t v;
		if (read(srv->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			log_debug("dns: eventfd read: %m");
		break;
	}
	}
}

static int process(struct dns_server *srv, int timeout_ms)
{
	struct epoll_event ev[64];
	int n = epoll_wait(srv->epfd, ev, (int)ARRAY_SIZE(ev), timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	/* the lock for each event, so that a writer waits for one at most */
	for (int i = 0; i < n; i++) {
		pthread_rwlock_rdlock(&srv->lock);
		handle_event(srv, &ev[i]);
		pthread_rwlock_unlock(&srv->lock);
	}
	pthread_rwlock_rdlock(&srv->lock);
	uint64_t now = srv_now_ms();
	fwd_timeouts(srv, now);
	conn_timeouts(srv, now);
	reap(srv);
	timer_rearm(srv, now);
	pthread_rwlock_unlock(&srv->lock);
	return 0;
}

int dns_server_process(struct dns_server *srv)
{
	return process(srv, 0);
}

static void *thread_main(void *arg)
{
	struct dns_server *srv = arg;

	while (!atomic_load(&srv->stop)) {
		int r = process(srv, -1);
		if (r < 0) { /* cannot happen with a valid epoll fd; do not spin */
			log_warn("dns: %s", strerror(-r));
			usleep(100 * 1000);
		}
	}
	return NULL;
}

int dns_server_start(struct dns_server *srv, struct err *e)
{
	sigset_t all, old;
	int r;

	if (srv->threaded)
		return err_setx(e, EALREADY, "dns: the server thread runs already");
	srv->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->wakefd < 0)
		return err_set(e, errno, "dns: eventfd");
	srv->wake_h.kind = H_WAKE;
	srv_epoll_set(srv, srv->wakefd, &srv->wake_h, EPOLLIN, true);
	atomic_store(&srv->stop, false);
	/* signals stay with the caller's threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&srv->thread, NULL, thread_main, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		close(srv->wakefd);
		srv->wakefd = -1;
		return err_set(e, r, "dns: start the server thread");
	}
	srv->threaded = true;
	return 0;
}

static void thread_stop(struct dns_server *srv)
{
	uint64_t one = 1;

	if (srv->threaded) {
		atomic_store(&srv->stop, true);
		if (write(srv->wakefd, &one, sizeof(one)) < 0)
			log_warn("dns: wake the server thread: %m");
		pthread_join(srv->thread, NULL);
		srv->threaded = false;
	}
	if (srv->wakefd >= 0)
		close(srv->wakefd);
	srv->wakefd = -1;
}

int dns_server_run(struct dns_server *srv, volatile bool *stop)
{
	while (!stop || !*stop) {
		int r = process(srv, 100);
		if (r < 0)
			return r;
	}
	return 0;
}
