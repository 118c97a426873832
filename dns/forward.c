/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Forwarding names we do not own to upstream resolvers.
 *
 * Upstreams: the asker's own (its --dns), else the host's resolv.conf minus
 * our own listen addresses (re-read when its inode, size or mtime changes,
 * checked at most once a second).  Each query gets its own UDP socket,
 * connected to one upstream (the kernel then drops datagrams from any other
 * source), a fresh random ID, and a per-upstream timeout.  A reply counts
 * only if it parses, has our ID, comes from that upstream and repeats the
 * question; SERVFAIL, REFUSED, a timeout or ICMP unreachable move on to the
 * next upstream, and when none is left the client gets SERVFAIL.  The answer
 * is relayed with the client's ID restored (over UDP, cut to the client's
 * payload size with TC set when it is larger).  A truncated (TC) answer for a
 * client that asked over TCP is asked again of the same upstream over TCP, so
 * large answers reach clients that retry over TCP as RFC 7766 says they do.
 */
#include <arpa/inet.h>
#include <strings.h>
#include <sys/epoll.h>
#include "server-internal.h"

static void fwd_unlink(struct dns_server *srv, struct fwd *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		srv->fwd_head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		srv->fwd_tail = f->prev;
	f->prev = f->next = NULL;
}

static void fwd_append(struct dns_server *srv, struct fwd *f)
{
	f->prev = srv->fwd_tail;
	f->next = NULL;
	if (srv->fwd_tail)
		srv->fwd_tail->next = f;
	else
		srv->fwd_head = f;
	srv->fwd_tail = f;
}

static void fwd_done(struct dns_server *srv, struct fwd *f)
{
	if (f->dead)
		return;
	f->dead = true;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->conn) {
		struct tcp_conn *c = f->conn;
		f->conn = NULL;
		c->pending--;
		srv_conn_maybe_finish(srv, c);
	}
	fwd_unlink(srv, f);
	srv->n_fwd--;
	f->next = srv->dead_fwds;
	srv->dead_fwds = f;
}

void fwd_reap(struct dns_server *srv)
{
	while (srv->dead_fwds) {
		struct fwd *f = srv->dead_fwds;
		srv->dead_fwds = f->next;
		free(f->query);
		free(f->tbuf);
		free(f);
	}
}

void fwd_free_all(struct dns_server *srv)
{
	while (srv->fwd_head)
		fwd_done(srv, srv->fwd_head);
	fwd_reap(srv);
}

void fwd_conn_gone(struct dns_server *srv, struct tcp_conn *c)
{
	for (struct fwd *f = srv->fwd_head; f; f = f->next)
		if (f->conn == c) {
			f->conn = NULL;
			c->pending--;
		}
}

/* Send msg to the client of f (UDP or TCP). */
static void reply_client(struct dns_server *srv, struct fwd *f, uint8_t *msg, size_t len)
{
	if (f->udp_fd >= 0) {
		if (len > f->client_limit) {
			/* too big for the client's buffer: header + question, TC */
			struct dns_msg m;
			if (dns_msg_parse(msg, len, &m) < 0 || m.qdcount != 1)
				return;
			msg[2] |= DNS_F_TC >> 8;
			for (int i = 6; i < 12; i++)
				msg[i] = 0;
			len = m.q_end;
		}
		srv_udp_send(srv, f->udp_fd, &f->client, f->client_len, msg, len);
	} else if (f->conn) {
		srv_tcp_send(srv, f->conn, msg, len);
	}
}

static void fail_client(struct dns_server *srv, struct fwd *f, int rcode)
{
	uint8_t out[DNS_UDP_MIN];
	/* f->query has our ID; the error response must carry the client's */
	f->query[0] = f->client_id >> 8;
	f->query[1] = f->client_id & 0xff;
	size_t n = dns_error_response(f->query, f->qlen, rcode, out, sizeof(out));
	if (rcode == DNS_RCODE_SERVFAIL)
		srv->stats.servfail++;
	if (n)
		reply_client(srv, f, out, n);
}

/* ---- host resolvers ------------------------------------------------------------ */

static bool is_own_listener(const struct dns_server *srv, const struct dns_upstream *u)
{
	for (const struct listener *l = srv->listeners; l; l = l->next) {
		struct dns_upstream mine;
		dns_upstream_from_addr(&l->addr, l->port, &mine);
		if (mine.len == u->len && !memcmp(&mine.ss, &u->ss, u->len))
			return true;
	}
	return false;
}

static void host_upstreams_reload(struct dns_server *srv)
{
	uint64_t now = srv_now_ms();
	struct stat st;

	if (srv->resolv_seen && now - srv->resolv_checked < 1000)
		return;
	srv->resolv_checked = now;
	if (stat(srv->cfg.resolv_conf, &st) < 0) {
		srv->n_host_ups = 0;
		srv->resolv_seen = false;
		return;
	}
	if (srv->resolv_seen && st.st_ino == srv->resolv_st.st_ino && st.st_size == srv->resolv_st.st_size &&
	    st.st_mtim.tv_sec == srv->resolv_st.st_mtim.tv_sec && st.st_mtim.tv_nsec == srv->resolv_st.st_mtim.tv_nsec)
		return;
	struct dns_resolv_conf rc;
	if (dns_resolv_conf_read(srv->cfg.resolv_conf, &rc, NULL) < 0) {
		srv->n_host_ups = 0;
		return;
	}
	srv->resolv_st = st;
	srv->resolv_seen = true;
	srv->n_host_ups = 0;
	cache_flush(srv); /* what they answered is theirs: the new ones are asked anew */
	for (size_t i = 0; i < rc.n_ns; i++)
		dns_upstream_from_addr(&rc.ns[i], srv->cfg.resolv_port, &srv->host_ups[srv->n_host_ups++]);
	dns_resolv_conf_clear(&rc);
	log_debug("dns: %zu upstream(s) from %s", srv->n_host_ups, srv->cfg.resolv_conf);
}

/* ---- the exchange ------------------------------------------------------------------ */

/* Send to ups[idx], moving on while sending fails; false when none is left. */
static bool fwd_try(struct dns_server *srv, struct fwd *f)
{
	for (; f->idx < f->n_ups; f->idx++) {
		const struct dns_upstream *u = &f->ups[f->idx];
		if (f->fd >= 0)
			close(f->fd);
		f->tcp = false;
		f->fd = socket(u->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (f->fd < 0)
			continue;
		if (connect(f->fd, (const struct sockaddr *)&u->ss, u->len) < 0 ||
		    send(f->fd, f->query, f->qlen, MSG_NOSIGNAL) < 0) {
			close(f->fd);
			f->fd = -1;
			continue;
		}
		srv_epoll_set(srv, f->fd, &f->h, EPOLLIN, true);
		f->deadline = srv_now_ms() + srv->cfg.upstream_timeout_ms;
		fwd_unlink(srv, f);
		fwd_append(srv, f);
		return true;
	}
	return false;
}

static void fwd_next(struct dns_server *srv, struct fwd *f)
{
	f->idx++;
	if (!fwd_try(srv, f)) {
		fail_client(srv, f, DNS_RCODE_SERVFAIL);
		fwd_done(srv, f);
	}
}

void fwd_start(struct dns_server *srv, const uint8_t *query, size_t len, const struct dns_answer_result *res,
	       struct tcp_conn *conn, int udp_fd, const struct sockaddr_storage *client, socklen_t client_len)
{
	const struct dns_upstream *ups = res->ups;
	size_t n = res->n_ups;

	struct fwd *f = xcalloc(1, sizeof(*f));
	f->h.kind = H_FWD;
	f->fd = -1;
	f->udp_fd = udp_fd;
	f->conn = conn;
	if (conn)
		conn->pending++;
	else {
		memcpy(&f->client, client, client_len);
		f->client_len = client_len;
	}
	f->client_id = res->q.id;
	f->query = xmalloc(len);
	memcpy(f->query, query, len);
	f->qlen = len;
	snprintf(f->qname, sizeof(f->qname), "%s", res->q.q.name);
	f->qtype = res->q.q.type;
	f->qclass = res->q.q.class;
	f->client_limit = DNS_UDP_MIN;
	if (res->q.edns && res->q.edns_udp_size > DNS_UDP_MIN)
		f->client_limit = res->q.edns_udp_size;
	fwd_append(srv, f);
	srv->n_fwd++;

	if (!ups) {
		host_upstreams_reload(srv);
		ups = srv->host_ups;
		n = srv->n_host_ups;
	}
	for (size_t i = 0; i < n && f->n_ups < DNS_RESOLV_MAX_NS; i++)
		if (!is_own_listener(srv, &ups[i]))
			f->ups[f->n_ups++] = ups[i];
	/* asked before, of the same upstreams, and still fresh */
	if (srv->cfg.cache_entries && f->n_ups) {
		f->cklen = cache_key(&res->q, f->ups, f->n_ups, f->ckey, sizeof(f->ckey));
		size_t k = f->cklen ? cache_lookup(srv, f->ckey, f->cklen, query, &res->q, srv->big, DNS_MSG_MAX) : 0;
		if (k) {
			reply_client(srv, f, srv->big, k);
			fwd_done(srv, f);
			return;
		}
	}
	if (srv->n_fwd > srv->cfg.max_forwards) {
		srv->stats.refused++;
		fail_client(srv, f, DNS_RCODE_REFUSED);
		fwd_done(srv, f);
		return;
	}
	f->our_id = (uint16_t)arc4random();
	f->query[0] = f->our_id >> 8;
	f->query[1] = f->our_id & 0xff;
	srv->stats.forwarded++;
	if (!fwd_try(srv, f)) {
		fail_client(srv, f, DNS_RCODE_SERVFAIL);
		fwd_done(srv, f);
	}
}

static bool reply_matches(const struct fwd *f, const struct dns_msg *m)
{
	return m->id == f->our_id && (m->flags & DNS_F_QR) && m->qdcount == 1 && m->q.type == f->qtype &&
	       m->q.class == f->qclass && !strcasecmp(m->q.name, f->qname);
}

/* The same upstream again over TCP (RFC 7766), for a TCP client whose answer
 * came back truncated over UDP. */
static void fwd_tcp_start(struct dns_server *srv, struct fwd *f)
{
	const struct dns_upstream *u = &f->ups[f->idx];

	close(f->fd);
	f->tcp = true;
	f->tlen = f->tsent = 0;
	if (!f->tbuf)
		f->tbuf = xmalloc(2 + DNS_MSG_MAX);
	f->fd = socket(u->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0 || (connect(f->fd, (const struct sockaddr *)&u->ss, u->len) < 0 && errno != EINPROGRESS)) {
		fwd_next(srv, f);
		return;
	}
	srv_epoll_set(srv, f->fd, &f->h, EPOLLOUT, true);
	f->deadline = srv_now_ms() + srv->cfg.upstream_timeout_ms;
	fwd_unlink(srv, f);
	fwd_append(srv, f);
}

/* A whole answer from ups[idx] (UDP datagram or TCP message). */
static void fwd_answer(struct dns_server *srv, struct fwd *f, uint8_t *buf, size_t len)
{
	struct dns_msg m;

	if (dns_msg_parse(buf, len, &m) < 0 || !reply_matches(f, &m)) {
		if (f->tcp) /* a TCP stream cannot carry anything else: give up on it */
			fwd_next(srv, f);
		return; /* UDP: not the answer to our question, keep waiting */
	}
	int rcode = DNS_RCODE(m.flags);
	if (rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED) {
		fwd_next(srv, f);
		return;
	}
	if ((m.flags & DNS_F_TC) && !f->tcp && f->conn) {
		fwd_tcp_start(srv, f);
		return;
	}
	if (f->cklen)
		cache_store(srv, f->ckey, f->cklen, buf, len);
	buf[0] = f->client_id >> 8;
	buf[1] = f->client_id & 0xff;
	reply_client(srv, f, buf, len);
	fwd_done(srv, f);
}

static void fwd_tcp_event(struct dns_server *srv, struct fwd *f, uint32_t events)
{
	size_t mlen;

	if (f->tsent < 2 + f->qlen) {
		int err = 0;
		socklen_t el = sizeof(err);
		if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			fwd_next(srv, f);
			return;
		}
		uint8_t msg[2 + DNS_MSG_MAX];
		msg[0] = (uint8_t)(f->qlen >> 8);
		msg[1] = f->qlen & 0xff;
		memcpy(msg + 2, f->query, f->qlen);
		ssize_t k = send(f->fd, msg + f->tsent, 2 + f->qlen - f->tsent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0 && errno != EAGAIN) {
			fwd_next(srv, f);
			return;
		}
		f->tsent += k > 0 ? (size_t)k : 0;
		if (f->tsent == 2 + f->qlen)
			srv_epoll_set(srv, f->fd, &f->h, EPOLLIN, false);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	ssize_t k = recv(f->fd, f->tbuf + f->tlen, 2 + DNS_MSG_MAX - f->tlen, MSG_DONTWAIT);
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (k <= 0) { /* closed or failed before a whole answer */
		fwd_next(srv, f);
		return;
	}
	f->tlen += (size_t)k;
	int r = dns_tcp_frame(f->tbuf, f->tlen, &mlen);
	if (r < 0)
		fwd_next(srv, f);
	else if (r > 0)
		fwd_answer(srv, f, f->tbuf + 2, mlen);
}

void fwd_event(struct dns_server *srv, struct fwd *f, uint32_t events)
{
	uint8_t *buf = srv->big;
	struct sockaddr_storage from;

	if (f->dead)
		return;
	if (f->tcp) {
		fwd_tcp_event(srv, f, events);
		return;
	}
	for (int i = 0; i < 8 && !f->dead && !f->tcp; i++) {
		socklen_t flen = sizeof(from);
		ssize_t k = recvfrom(f->fd, buf, DNS_MSG_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (k < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fwd_next(srv, f); /* ECONNREFUSED: nobody at that port */
			return;
		}
		const struct dns_upstream *u = &f->ups[f->idx];
		if (flen != u->len || memcmp(&from, &u->ss, flen))
			continue;
		fwd_answer(srv, f, buf, (size_t)k);
	}
}

void fwd_timeouts(struct dns_server *srv, uint64_t now)
{
	while (srv->fwd_head && srv->fwd_head->deadline <= now)
		fwd_next(srv, srv->fwd_head);
}
