/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dns/: the server's private state, shared by server.c and forward.c. */
#ifndef PONTOON_DNS_SERVER_INTERNAL_H
#define PONTOON_DNS_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include "dns.h"
#include "dns-internal.h"

#define UDP_BATCH 32
#define CACHE_BUCKETS 4096
#define CACHE_KEY_MAX 512
#define TCP_OUT_MAX (256 * 1024)

enum handle_kind { H_UDP, H_TCP_LISTEN, H_CONN, H_FWD, H_TIMER, H_WAKE };

/* What an epoll event points at: the first member of each object. */
struct handle {
	enum handle_kind kind;
};

struct listener {
	struct handle udp_h, tcp_h;
	struct dns_addr addr;
	uint16_t port;
	int udp_fd, tcp_fd;
	bool dead;                      /* closed; freed at the end of the round */
	struct listener *next;
};

struct tcp_conn {
	struct handle h;
	int fd;
	struct dns_addr peer;
	struct dns_addr local;          /* the listener's address it connected to */
	uint8_t *in;                    /* 2 + DNS_MSG_MAX */
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_cap;
	uint32_t events;                /* current epoll interest */
	uint64_t deadline;              /* idle */
	unsigned pending;               /* forwards waiting to answer on it */
	bool eof, dead;
	struct tcp_conn *prev, *next;   /* by deadline, oldest first */
};

struct fwd {
	struct handle h;
	int fd;                         /* UDP (or TCP) socket connected to ups[idx] */
	bool tcp;                       /* retrying over TCP after a truncated answer */
	uint8_t *tbuf;                  /* TCP: 2 + DNS_MSG_MAX, the answer being read */
	size_t tlen, tsent;
	uint16_t client_id, our_id;
	char qname[DNS_NAME_TEXT_MAX];
	uint16_t qtype, qclass;
	size_t client_limit;            /* UDP: the client's payload size */
	uint8_t ckey[CACHE_KEY_MAX];    /* its key in the answer cache (0 long: not kept) */
	size_t cklen;
	uint8_t *query;
	size_t qlen;
	struct dns_upstream ups[DNS_RESOLV_MAX_NS];
	size_t n_ups, idx;
	uint64_t deadline;
	/* the client: a TCP connection, or a UDP listener socket + address */
	struct tcp_conn *conn;
	int udp_fd;
	struct sockaddr_storage client;
	socklen_t client_len;
	bool dead;
	struct fwd *prev, *next;        /* by deadline, earliest first */
};

struct dns_server {
	struct dns_store *store;
	struct dns_server_config cfg;
	int epfd, timerfd;
	uint64_t timer_armed;           /* deadline the timer is set for, UINT64_MAX: none */
	struct handle timer_h;
	struct listener *listeners;
	struct listener *dead_listeners;
	struct tcp_conn *conns_head, *conns_tail;
	size_t n_conns;
	struct fwd *fwd_head, *fwd_tail;
	size_t n_fwd;
	struct tcp_conn *dead_conns;
	struct fwd *dead_fwds;
	/* host resolvers, from cfg.resolv_conf */
	struct dns_upstream host_ups[DNS_RESOLV_MAX_NS];
	size_t n_host_ups;
	struct stat resolv_st;
	bool resolv_seen;
	uint64_t resolv_checked;
	struct dns_server_stats stats;
	/* cache.c: upstream answers */
	struct cache_entry **cache_b;
	struct cache_entry *cache_head, *cache_tail;
	size_t cache_n, cache_bytes;
	uint8_t *bufs;                  /* UDP_BATCH * DNS_UDP_MAX in, same out */
	uint8_t *big;                   /* DNS_MSG_MAX: TCP answers, upstream replies */
	/* dns_server_start: the loop's own thread.  It holds lock for reading
	 * while it handles an event (it is the only reader); every other
	 * thread takes it for writing (dns_server_lock), and a waiting writer
	 * goes before the loop's next event. */
	pthread_rwlock_t lock;
	bool threaded;
	pthread_t thread;
	int wakefd;                     /* eventfd: stop the thread */
	struct handle wake_h;
	atomic_bool stop;
};

uint64_t srv_now_ms(void);
void srv_epoll_set(struct dns_server *srv, int fd, struct handle *h, uint32_t events, bool add);
void srv_conn_maybe_finish(struct dns_server *srv, struct tcp_conn *c);
void srv_tcp_send(struct dns_server *srv, struct tcp_conn *c, const uint8_t *msg, size_t len);
void srv_udp_send(struct dns_server *srv, int fd, const struct sockaddr_storage *to, socklen_t tolen,
		  const uint8_t *msg, size_t len);

/* cache.c */
struct cache_entry;
size_t cache_key(const struct dns_msg *q, const struct dns_upstream *ups, size_t n_ups, uint8_t *key, size_t cap);
/* A kept answer for key, as the reply to query q (its id and question,
 * TTLs counted down) in out; 0 when there is none (or it does not fit cap). */
size_t cache_lookup(struct dns_server *srv, const uint8_t *key, size_t klen, const uint8_t *query,
		    const struct dns_msg *q, uint8_t *out, size_t cap);
void cache_store(struct dns_server *srv, const uint8_t *key, size_t klen, const uint8_t *msg, size_t len);
void cache_flush(struct dns_server *srv);
void cache_free(struct dns_server *srv);

/* forward.c */
void fwd_start(struct dns_server *srv, const uint8_t *query, size_t len, const struct dns_answer_result *res,
	       struct tcp_conn *conn, int udp_fd, const struct sockaddr_storage *client, socklen_t client_len);
void fwd_event(struct dns_server *srv, struct fwd *f, uint32_t events);
void fwd_timeouts(struct dns_server *srv, uint64_t now);
void fwd_conn_gone(struct dns_server *srv, struct tcp_conn *c);
void fwd_free_all(struct dns_server *srv);
void fwd_reap(struct dns_server *srv);

#endif
