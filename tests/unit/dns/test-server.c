/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real server loop, in-process, on loopback only: clients bind to
 * 127.0.0.2 / 127.0.0.3 / 127.0.0.5 to play containers on different networks,
 * and a stub upstream written here listens on 127.0.0.1.  The test pumps the
 * server's epoll fd and the stub in one thread, so store updates between
 * queries need no locking.  No packet leaves 127.0.0.0/8: the server's host
 * resolv.conf is a temporary file naming 127.0.0.1.
 */
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include "dns/helpers.h"

#define A_ID "aaaaaaaaaaaa"
#define B_ID "bbbbbbbbbbbb"
#define C_ID "cccccccccccc"
#define D_ID "dddddddddddd"

struct env {
	struct dns_store *store;
	struct dns_server *srv;
	uint16_t port;
	int stub_fd, stub_tcp_fd;
	uint16_t stub_port;
	unsigned stub_tcp_queries;
	unsigned stub_queries;
	bool stub_silent;
	char resolv[64];
};

static unsigned cache_entries_cfg; /* for the next setup: 0 is the default */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int bound_socket(int type, const char *ip, uint16_t port, uint16_t *ret_port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (ret_port) {
		assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
		*ret_port = ntohs(sin.sin_port);
	}
	return fd;
}

/* The stub upstream's answer: outside.example -> 192.0.2.1, big.example ->
 * 100 addresses (over UDP: truncated, TC), servfail.example -> SERVFAIL,
 * pos-N.example -> 192.0.2.(100+N), short.example -> 192.0.2.9 for 1 s,
 * neg.example -> NXDOMAIN with an SOA (negative TTL 10), anything else
 * NXDOMAIN without one.  TTL 30 unless said. */
static size_t stub_answer_more(const struct dns_msg *m, uint8_t *out, size_t cap)
{
	struct dns_builder b;
	struct dns_soa soa = { "ns.example", "hostmaster.example", 1, 3600, 600, 86400, 10 };
	unsigned k;
	char c;

	dns_builder_init(&b, out, cap, cap);
	if (!strcasecmp(m->q.name, "neg.example")) {
		assert_int_equal(dns_build_header(&b, m->id, DNS_F_QR | DNS_F_RA | DNS_RCODE_NXDOMAIN), 0);
		assert_int_equal(dns_build_question(&b, m->q.name, m->q.type, m->q.class), 0);
		assert_int_equal(dns_build_soa(&b, 2, "example", 30, &soa), 0);
		return dns_builder_finish(&b);
	}
	bool pos = sscanf(m->q.name, "pos-%u.exampl%c", &k, &c) == 2 && c == 'e' && k < 100;
	if (!pos && strcasecmp(m->q.name, "short.example"))
		return 0;
	struct in_addr a = { htonl(pos ? 0xc0000264 + k : 0xc0000209) };
	assert_int_equal(dns_build_header(&b, m->id, DNS_F_QR | DNS_F_RA), 0);
	assert_int_equal(dns_build_question(&b, m->q.name, m->q.type, m->q.class), 0);
	assert_int_equal(dns_build_a(&b, 1, m->q.name, pos ? 30 : 1, &a), 0);
	return dns_builder_finish(&b);
}

static size_t stub_answer(const struct dns_msg *m, bool tcp, uint8_t *out, size_t cap)
{
	struct dns_builder b;
	size_t more = stub_answer_more(m, out, cap);
	if (more)
		return more;
	bool known = !strcasecmp(m->q.name, "outside.example"), big = !strcasecmp(m->q.name, "big.example");
	int rcode = known || big ? 0 : !strcasecmp(m->q.name, "servfail.example") ? DNS_RCODE_SERVFAIL
										 : DNS_RCODE_NXDOMAIN;
	uint16_t flags = DNS_F_QR | DNS_F_RA | (uint16_t)rcode | (big && !tcp ? DNS_F_TC : 0);

	dns_builder_init(&b, out, cap, cap);
	assert_int_equal(dns_build_header(&b, m->id, flags), 0);
	assert_int_equal(dns_build_question(&b, m->q.name, m->q.type, m->q.class), 0);
	for (uint32_t i = 0; m->q.type == DNS_T_A && ((known && i < 1) || (big && tcp && i < 100)); i++) {
		struct in_addr a = { htonl(0xc0000201 + i) }; /* 192.0.2.1 ... */
		assert_int_equal(dns_build_a(&b, 1, m->q.name, 30, &a), 0);
	}
	return dns_builder_finish(&b);
}

static void stub_serve(struct env *env)
{
	uint8_t q[512], out[512];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct dns_msg m;
	ssize_t n = recvfrom(env->stub_fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);

	if (n <= 0)
		return;
	/* whatever reaches the stub came from loopback */
	assert_int_equal(from.ss_family, AF_INET);
	assert_int_equal(ntohl(((struct sockaddr_in *)&from)->sin_addr.s_addr) >> 24, 127);
	env->stub_queries++;
	if (env->stub_silent || dns_msg_parse(q, (size_t)n, &m) < 0)
		return;
	size_t len = stub_answer(&m, false, out, sizeof(out));
	assert_true(sendto(env->stub_fd, out, len, 0, (struct sockaddr *)&from, flen) == (ssize_t)len);
}

/* One TCP connection: one length-prefixed query, one answer, close. */
static void stub_serve_tcp(struct env *env)
{
	uint8_t q[514], out[4096];
	struct dns_msg m;
	int fd = accept(env->stub_tcp_fd, NULL, NULL);

	assert_true(fd >= 0);
	assert_int_equal(recv(fd, q, 2, MSG_WAITALL), 2);
	size_t n = (size_t)q[0] << 8 | q[1];
	assert_true(n <= 512);
	assert_int_equal(recv(fd, q + 2, n, MSG_WAITALL), (ssize_t)n);
	env->stub_tcp_queries++;
	assert_int_equal(dns_msg_parse(q + 2, n, &m), 0);
	size_t len = stub_answer(&m, true, out + 2, sizeof(out) - 2);
	out[0] = (uint8_t)(len >> 8);
	out[1] = len & 0xff;
	assert_int_equal(send(fd, out, len + 2, 0), (ssize_t)(len + 2));
	close(fd);
}

/* Run the server (and the stub) until fd is readable or timeout_ms pass. */
static bool pump_until(struct env *env, int fd, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	while (now_ms() < end) {
		struct pollfd p[4] = { { dns_server_fd(env->srv), POLLIN, 0 }, { fd, POLLIN, 0 },
				       { env->stub_tcp_fd, POLLIN, 0 }, { env->stub_fd, POLLIN, 0 } };
		assert_true(poll(p, env->stub_fd >= 0 ? 4 : 3, 10) >= 0);
		assert_int_equal(dns_server_process(env->srv), 0);
		if (env->stub_fd >= 0 && (p[3].revents & POLLIN))
			stub_serve(env);
		if (p[2].revents & POLLIN)
			stub_serve_tcp(env);
		if (p[1].revents)
			return true;
	}
	return false;
}

static int udp_client(const char *ip)
{
	return bound_socket(SOCK_DGRAM, ip, 0, NULL);
}

/* Ask over UDP from fd; returns the reply's length, 0 if none came. */
static size_t ask_udp(struct env *env, int fd, const char *name, uint16_t type, uint16_t id, uint8_t *resp,
		      int timeout_ms)
{
	uint8_t q[512];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(env->port) };
	size_t n = make_query(q, sizeof(q), id, name, type, 0);

	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	assert_true(sendto(fd, q, n, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)n);
	if (!pump_until(env, fd, timeout_ms))
		return 0;
	ssize_t k = recv(fd, resp, DNS_UDP_MAX, 0);
	assert_true(k > 0);
	return (size_t)k;
}

static int rcode_of(const uint8_t *resp, size_t n, uint16_t id)
{
	struct dns_msg m;
	assert_int_equal(dns_msg_parse(resp, n, &m), 0);
	assert_int_equal(m.id, id);
	return DNS_RCODE(m.flags);
}

static void write_resolv(struct env *env, const char *text)
{
	FILE *f = fopen(env->resolv, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct env *env = calloc(1, sizeof(*env));
	struct dns_network_opts sealed = { .internal = true };
	struct dns_addr a = addr4("127.0.0.2"), b = addr4("127.0.0.4"), c = addr4("127.0.0.3"),
			d = addr4("127.0.0.5"), lo = addr4("127.0.0.1");
	char *alias[] = { "db", NULL };

	assert_int_equal(dns_store_new(&env->store), 0);
	assert_int_equal(dns_store_network_add(env->store, "mynet", NULL, NULL), 0);
	assert_int_equal(dns_store_network_add(env->store, "other", NULL, NULL), 0);
	assert_int_equal(dns_store_network_add(env->store, "sealed", &sealed, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", A_ID, "a", NULL, NULL, &a, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", B_ID, "b", NULL, alias, &b, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(env->store, "other", C_ID, "c", NULL, NULL, &c, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(env->store, "sealed", D_ID, "d", NULL, NULL, &d, 1, NULL), 0);

	env->stub_fd = bound_socket(SOCK_DGRAM, "127.0.0.1", 0, &env->stub_port);
	env->stub_tcp_fd = bound_socket(SOCK_STREAM, "127.0.0.1", env->stub_port, NULL);
	assert_int_equal(listen(env->stub_tcp_fd, 8), 0);
	snprintf(env->resolv, sizeof(env->resolv), "/tmp/pontoon-dns-resolv.XXXXXX");
	int fd = mkstemp(env->resolv);
	assert_true(fd >= 0);
	close(fd);
	write_resolv(env, "nameserver 127.0.0.1\n");
	struct dns_server_config cfg = { .resolv_conf = env->resolv, .resolv_port = env->stub_port,
					 .upstream_timeout_ms = 200, .tcp_idle_ms = 2000,
					 .cache_entries = cache_entries_cfg };
	assert_int_equal(dns_server_new(env->store, &cfg, &env->srv, NULL), 0);
	assert_int_equal(dns_server_listen(env->srv, &lo, 0, &env->port, NULL), 0);
	assert_true(env->port != 0);
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	struct env *env = *state;
	dns_server_free(env->srv);
	dns_store_free(env->store);
	if (env->stub_fd >= 0)
		close(env->stub_fd);
	close(env->stub_tcp_fd);
	unlink(env->resolv);
	free(env);
	return 0;
}

static void resolves_names_and_scopes_them(void **state)
{
	struct env *env = *state;
	uint8_t r[DNS_UDP_MAX];
	char got[256];
	int a = udp_client("127.0.0.2"), c = udp_client("127.0.0.3");
	size_t n;

	const char *names[] = { "b", "b.mynet", "bbbbbbbbbbbb", "db", "DB.mynet" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		n = ask_udp(env, a, names[i], DNS_T_A, (uint16_t)(100 + i), r, 2000);
		assert_int_equal(rcode_of(r, n, (uint16_t)(100 + i)), DNS_RCODE_NOERROR);
		answer_addrs(r, n, got, sizeof(got));
		assert_string_equal(got, "127.0.0.4");
	}
	assert_int_equal(env->stub_queries, 0); /* local names never go upstream */

	/* c on another network: b is forwarded, and the stub knows no b */
	n = ask_udp(env, c, "b", DNS_T_A, 7, r, 2000);
	assert_int_equal(rcode_of(r, n, 7), DNS_RCODE_NXDOMAIN);
	assert_int_equal(env->stub_queries, 1);

	/* removal takes effect for the very next query */
	assert_int_equal(dns_store_endpoint_remove(env->store, "mynet", B_ID, NULL), 0);
	n = ask_udp(env, a, "b.mynet", DNS_T_A, 8, r, 2000);
	assert_int_equal(rcode_of(r, n, 8), DNS_RCODE_NXDOMAIN);
	n = ask_udp(env, a, "b", DNS_T_A, 9, r, 2000);
	assert_int_equal(rcode_of(r, n, 9), DNS_RCODE_NXDOMAIN); /* from the stub */

	/* and so does an addition, with no listener re-bound */
	struct dns_addr b2 = addr4("127.0.0.40");
	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", B_ID, "b", NULL, NULL, &b2, 1, NULL), 0);
	n = ask_udp(env, a, "b", DNS_T_A, 10, r, 2000);
	answer_addrs(r, n, got, sizeof(got));
	assert_string_equal(got, "127.0.0.40");
	close(a);
	close(c);
}

static void round_robin_over_the_wire(void **state)
{
	struct env *env = *state;
	uint8_t r[DNS_UDP_MAX];
	char first[256], second[256];
	char *web[] = { "web", NULL };
	struct dns_addr w1 = addr4("127.0.1.1"), w2 = addr4("127.0.1.2");
	int a = udp_client("127.0.0.2");

	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", "111111111111", "w1", NULL, web, &w1, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", "222222222222", "w2", NULL, web, &w2, 1, NULL), 0);
	size_t n = ask_udp(env, a, "web", DNS_T_A, 1, r, 2000);
	answer_addrs(r, n, first, sizeof(first));
	n = ask_udp(env, a, "web", DNS_T_A, 2, r, 2000);
	answer_addrs(r, n, second, sizeof(second));
	assert_int_equal(strlen(first), strlen("127.0.1.1 127.0.1.2"));
	assert_string_not_equal(first, second);
	close(a);
}

static void forwards_outside_names(void **state)
{
	struct env *env = *state;
	uint8_t r[DNS_UDP_MAX];
	char got[256];
	int a = udp_client("127.0.0.2");

	size_t n = ask_udp(env, a, "outside.example", DNS_T_A, 0x5151, r, 2000);
	assert_int_equal(rcode_of(r, n, 0x5151), DNS_RCODE_NOERROR); /* client's id restored */
	answer_addrs(r, n, got, sizeof(got));
	assert_string_equal(got, "192.0.2.1");
	assert_int_equal(env->stub_queries, 1);

	/* the stub answers SERVFAIL and there is no other upstream */
	n = ask_udp(env, a, "servfail.example", DNS_T_A, 3, r, 2000);
	assert_int_equal(rcode_of(r, n, 3), DNS_RCODE_SERVFAIL);

	/* an internal network's container: NXDOMAIN, nothing reaches the stub */
	int d = udp_client("127.0.0.5");
	unsigned before = env->stub_queries;
	n = ask_udp(env, d, "outside.example", DNS_T_A, 4, r, 2000);
	assert_int_equal(rcode_of(r, n, 4), DNS_RCODE_NXDOMAIN);
	n = ask_udp(env, d, "d", DNS_T_A, 5, r, 2000);
	answer_addrs(r, n, got, sizeof(got));
	assert_string_equal(got, "127.0.0.5");
	assert_int_equal(env->stub_queries, before);

	/* an address the store does not know gets nothing at all */
	int stranger = udp_client("127.0.0.9");
	assert_int_equal(ask_udp(env, stranger, "outside.example", DNS_T_A, 6, r, 300), 0);
	assert_int_equal(env->stub_queries, before);
	struct dns_server_stats st;
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.dropped, 1);
	close(a);
	close(d);
	close(stranger);
}

static void servfail_when_upstreams_fail(void **state)
{
	struct env *env = *state;
	uint8_t r[DNS_UDP_MAX];
	char got[256];
	int a = udp_client("127.0.0.2");
	size_t n;

	/* a silent upstream: SERVFAIL after the per-upstream timeout (200 ms) */
	env->stub_silent = true;
	n = ask_udp(env, a, "outside.example", DNS_T_A, 1, r, 3000);
	assert_int_equal(rcode_of(r, n, 1), DNS_RCODE_SERVFAIL);
	env->stub_silent = false;

	/* fail-over: the container's own list, a silent one first */
	uint16_t silent_port;
	int silent = bound_socket(SOCK_DGRAM, "127.0.0.1", 0, &silent_port);
	struct dns_upstream ups[2];
	char spec[64];
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", silent_port);
	assert_int_equal(dns_upstream_parse(spec, 53, &ups[0]), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", env->stub_port);
	assert_int_equal(dns_upstream_parse(spec, 53, &ups[1]), 0);
	assert_int_equal(dns_store_container_upstreams(env->store, A_ID, ups, 2, NULL), 0);
	n = ask_udp(env, a, "outside.example", DNS_T_A, 2, r, 3000);
	assert_int_equal(rcode_of(r, n, 2), DNS_RCODE_NOERROR);
	answer_addrs(r, n, got, sizeof(got));
	assert_string_equal(got, "192.0.2.1");
	uint8_t junk[512];
	assert_true(recv(silent, junk, sizeof(junk), MSG_DONTWAIT) > 0); /* it was asked first */
	close(silent);

	/* our own listener as an upstream is skipped: no loop, SERVFAIL */
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", env->port);
	assert_int_equal(dns_upstream_parse(spec, 53, &ups[0]), 0);
	assert_int_equal(dns_store_container_upstreams(env->store, A_ID, ups, 1, NULL), 0);
	n = ask_udp(env, a, "outside.example", DNS_T_A, 3, r, 3000);
	assert_int_equal(rcode_of(r, n, 3), DNS_RCODE_SERVFAIL);
	assert_int_equal(dns_store_container_upstreams(env->store, A_ID, NULL, 0, NULL), 0);

	/* the stub is gone: ICMP port unreachable ends it at once */
	close(env->stub_fd);
	env->stub_fd = -1;
	n = ask_udp(env, a, "outside.example", DNS_T_A, 4, r, 3000);
	assert_int_equal(rcode_of(r, n, 4), DNS_RCODE_SERVFAIL);
	close(a);
}

static void too_many_waiting_forwards_are_refused(void **state)
{
	struct env *env = *state;
	struct dns_addr lo = addr4("127.0.0.1");
	struct dns_server_config cfg = { .resolv_conf = env->resolv, .resolv_port = env->stub_port,
					 .upstream_timeout_ms = 300, .max_forwards = 1 };
	uint8_t r[DNS_UDP_MAX];
	int a = udp_client("127.0.0.2");

	/* a second server on the same store, allowing one waiting forward */
	dns_server_free(env->srv);
	assert_int_equal(dns_server_new(env->store, &cfg, &env->srv, NULL), 0);
	assert_int_equal(dns_server_listen(env->srv, &lo, 0, &env->port, NULL), 0);
	env->stub_silent = true;
	size_t n = ask_udp(env, a, "outside.example", DNS_T_A, 1, r, 50); /* waits on the silent stub */
	assert_int_equal(n, 0);
	n = ask_udp(env, a, "outside.example", DNS_T_A, 2, r, 200);
	assert_int_equal(rcode_of(r, n, 2), DNS_RCODE_REFUSED);
	/* local names are still answered meanwhile */
	n = ask_udp(env, a, "b", DNS_T_A, 3, r, 200);
	assert_int_equal(rcode_of(r, n, 3), DNS_RCODE_NOERROR);
	/* the first one ends in SERVFAIL after its timeout */
	assert_true(pump_until(env, a, 2000));
	n = (size_t)recv(a, r, sizeof(r), 0);
	assert_int_equal(rcode_of(r, n, 1), DNS_RCODE_SERVFAIL);
	struct dns_server_stats st;
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.servfail, 1);
	assert_int_equal(st.forwards_open, 0);
	close(a);
}

static void resolv_conf_is_reread(void **state)
{
	struct env *env = *state;
	uint8_t r[DNS_UDP_MAX];
	int a = udp_client("127.0.0.2");

	size_t n = ask_udp(env, a, "outside.example", DNS_T_A, 1, r, 2000);
	assert_int_equal(rcode_of(r, n, 1), DNS_RCODE_NOERROR);
	/* no resolver at all any more */
	write_resolv(env, "# nothing\n");
	struct timespec ts = { 1, 200000000 }; /* the file is looked at once a second */
	nanosleep(&ts, NULL);
	n = ask_udp(env, a, "outside.example", DNS_T_A, 2, r, 2000);
	assert_int_equal(rcode_of(r, n, 2), DNS_RCODE_SERVFAIL);
	assert_int_equal(env->stub_queries, 1);
	write_resolv(env, "nameserver 127.0.0.1\nsearch x\n");
	nanosleep(&ts, NULL);
	n = ask_udp(env, a, "outside.example", DNS_T_A, 3, r, 2000);
	assert_int_equal(rcode_of(r, n, 3), DNS_RCODE_NOERROR);
	close(a);
}

static int tcp_client(struct env *env, const char *ip)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(env->port) };
	int fd = bound_socket(SOCK_STREAM, ip, 0, NULL);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0); /* the backlog accepts it */
	return fd;
}

/* Read one length-prefixed message; 0 on EOF. */
static size_t tcp_read_msg(struct env *env, int fd, uint8_t *buf)
{
	size_t have = 0, need = 2;
	while (have < need) {
		if (!pump_until(env, fd, 3000))
			fail_msg("no TCP answer");
		ssize_t k = recv(fd, buf + have, need - have, MSG_DONTWAIT);
		if (k == 0 || (k < 0 && errno == ECONNRESET)) /* closed (RST if our bytes were unread) */
			return 0;
		if (k < 0 && errno == EAGAIN)
			continue;
		assert_true(k > 0);
		have += (size_t)k;
		if (have == 2 && need == 2)
			need = 2 + ((size_t)buf[0] << 8 | buf[1]);
	}
	return need - 2;
}

static void tcp_several_queries_on_one_connection(void **state)
{
	struct env *env = *state;
	uint8_t out[2048], r[DNS_MSG_MAX + 2];
	char got[256];
	int fd = tcp_client(env, "127.0.0.2");
	size_t n1 = make_query(out + 2, 500, 11, "b", DNS_T_A, 0);
	out[0] = 0;
	out[1] = (uint8_t)n1;
	size_t n2 = make_query(out + 4 + n1, 500, 12, "outside.example", DNS_T_A, 0);
	out[2 + n1] = 0;
	out[3 + n1] = (uint8_t)n2;
	size_t n3 = make_query(out + 6 + n1 + n2, 500, 13, "db.mynet", DNS_T_A, 0);
	out[4 + n1 + n2] = 0;
	out[5 + n1 + n2] = (uint8_t)n3;
	size_t total = 6 + n1 + n2 + n3;

	/* all three in one write, the last one split across two */
	assert_true(send(fd, out, total - 5, 0) == (ssize_t)(total - 5));
	pump_until(env, fd, 100);
	assert_true(send(fd, out + total - 5, 5, 0) == 5);
	bool seen[3] = { false, false, false };
	for (int i = 0; i < 3; i++) {
		size_t n = tcp_read_msg(env, fd, r);
		assert_true(n > 0);
		uint16_t id = (uint16_t)(r[2] << 8 | r[3]);
		assert_true(id >= 11 && id <= 13);
		seen[id - 11] = true;
		assert_int_equal(rcode_of(r + 2, n, id), DNS_RCODE_NOERROR);
		answer_addrs(r + 2, n, got, sizeof(got));
		assert_string_equal(got, id == 12 ? "192.0.2.1" : "127.0.0.4");
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	/* the client closes: so does the server */
	shutdown(fd, SHUT_WR);
	assert_int_equal(tcp_read_msg(env, fd, r), 0);
	close(fd);
}

static void truncated_upstream_answers_are_fetched_over_tcp(void **state)
{
	struct env *env = *state;
	uint8_t out[600], r[DNS_MSG_MAX + 2];
	struct dns_msg m;
	int a = udp_client("127.0.0.2");

	/* a UDP client gets the truncated answer as it came (it retries over TCP) */
	size_t n = ask_udp(env, a, "big.example", DNS_T_A, 1, r, 2000);
	assert_int_equal(dns_msg_parse(r, n, &m), 0);
	assert_true(m.flags & DNS_F_TC);
	assert_int_equal(env->stub_tcp_queries, 0);
	/* a TCP client gets all of it: the server asked the stub again over TCP */
	int fd = tcp_client(env, "127.0.0.2");
	n = make_query(out + 2, 500, 0x7777, "big.example", DNS_T_A, 0);
	out[0] = 0;
	out[1] = (uint8_t)n;
	assert_true(send(fd, out, n + 2, 0) == (ssize_t)(n + 2));
	n = tcp_read_msg(env, fd, r);
	assert_int_equal(dns_msg_parse(r + 2, n, &m), 0);
	assert_int_equal(m.id, 0x7777);
	assert_false(m.flags & DNS_F_TC);
	assert_int_equal(m.ancount, 100);
	assert_int_equal(env->stub_tcp_queries, 1);
	close(fd);
	close(a);
}

static void tcp_hostile_clients(void **state)
{
	struct env *env = *state;
	uint8_t r[DNS_MSG_MAX + 2];
	struct dns_server_stats st;

	/* a length prefix larger than the data, then EOF: closed, no spin */
	int fd = tcp_client(env, "127.0.0.2");
	uint8_t partial[] = { 0x01, 0x00, 0x12, 0x34, 0x01 };
	assert_true(send(fd, partial, sizeof(partial), 0) == sizeof(partial));
	shutdown(fd, SHUT_WR);
	assert_int_equal(tcp_read_msg(env, fd, r), 0);
	close(fd);
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.queries, 0);

	/* a zero length prefix: closed */
	fd = tcp_client(env, "127.0.0.2");
	uint8_t zero[] = { 0, 0, 0, 0 };
	assert_true(send(fd, zero, sizeof(zero), 0) == sizeof(zero));
	assert_int_equal(tcp_read_msg(env, fd, r), 0);
	close(fd);

	/* a stranger's connection is closed without an answer */
	fd = tcp_client(env, "127.0.0.9");
	size_t n = make_query(r + 2, 500, 1, "b", DNS_T_A, 0);
	r[0] = 0;
	r[1] = (uint8_t)n;
	(void)!send(fd, r, n + 2, MSG_NOSIGNAL);
	assert_int_equal(tcp_read_msg(env, fd, r), 0);
	close(fd);

	/* a client that half-closes, then resets its connection while its query
	 * waits on a silent upstream: closed at once, not kept (with epoll
	 * reporting the reset again and again) until the forward times out */
	env->stub_silent = true;
	fd = tcp_client(env, "127.0.0.2");
	n = make_query(r + 2, 500, 2, "outside.example", DNS_T_A, 0);
	r[0] = 0;
	r[1] = (uint8_t)n;
	assert_true(send(fd, r, n + 2, 0) == (ssize_t)(n + 2));
	for (int i = 0; i < 20 && env->stub_queries == 0; i++)
		pump_until(env, -1, 10);
	assert_int_equal(env->stub_queries, 1);
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.tcp_open, 1);
	assert_int_equal(st.forwards_open, 1);
	shutdown(fd, SHUT_WR); /* EOF: the server stops reading, the answer is still owed */
	pump_until(env, -1, 30);
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.tcp_open, 1);
	struct linger lg = { 1, 0 };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(fd); /* RST */
	pump_until(env, -1, 50);
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.tcp_open, 0);
	assert_int_equal(st.forwards_open, 1); /* its forward ends on its own */
	pump_until(env, -1, 400);
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.forwards_open, 0);
	env->stub_silent = false;

	/* a silent client is closed after the idle timeout (2 s here) */
	fd = tcp_client(env, "127.0.0.2");
	uint64_t t0 = now_ms();
	assert_int_equal(tcp_read_msg(env, fd, r), 0);
	assert_true(now_ms() - t0 >= 1500);
	close(fd);
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.tcp_conns, 4);
	assert_int_equal(st.tcp_open, 0);
}

static void ipv6_listener_and_asker(void **state)
{
	struct env *env = *state;
	struct dns_addr lo6 = addr4("::1");
	struct sockaddr_in6 me = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT }, to = me;
	uint8_t q[512], r[DNS_UDP_MAX];
	char got[256];
	uint16_t port;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		if (fd >= 0)
			close(fd);
		skip(); /* no IPv6 loopback here */
	}
	assert_int_equal(dns_server_listen(env->srv, &lo6, 0, &port, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", "666666666666", "six", NULL, NULL, &lo6, 1, NULL),
			 0);
	to.sin6_port = htons(port);
	size_t n = make_query(q, sizeof(q), 0x66, "b", DNS_T_A, 0);
	assert_true(sendto(fd, q, n, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)n);
	assert_true(pump_until(env, fd, 2000));
	ssize_t k = recv(fd, r, sizeof(r), 0);
	assert_true(k > 0);
	assert_int_equal(rcode_of(r, (size_t)k, 0x66), DNS_RCODE_NOERROR);
	answer_addrs(r, (size_t)k, got, sizeof(got));
	assert_string_equal(got, "127.0.0.4");
	/* and a PTR for it from a v4 neighbour */
	int a = udp_client("127.0.0.2");
	k = (ssize_t)ask_udp(env, a, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa", DNS_T_PTR,
			     0x67, r, 2000);
	answer_addrs(r, (size_t)k, got, sizeof(got));
	assert_string_equal(got, "six.mynet");
	close(a);
	close(fd);
}

static void listeners_come_and_go(void **state)
{
	struct env *env = *state;
	struct dns_addr other = addr4("127.0.0.7"), lo = addr4("127.0.0.1");
	uint16_t port;
	uint8_t r[DNS_UDP_MAX];
	int a = udp_client("127.0.0.2");

	assert_int_equal(dns_server_listen(env->srv, &other, 0, &port, NULL), 0);
	struct err e = { 0 };
	assert_int_equal(dns_server_listen(env->srv, &lo, env->port, NULL, &e), -EADDRINUSE);
	assert_non_null(strstr(err_msg(&e), "127.0.0.1"));
	assert_int_equal(dns_server_unlisten(env->srv, &other, port, NULL), 0);
	assert_int_equal(dns_server_unlisten(env->srv, &other, port, NULL), -ENOENT);
	/* the first listener never noticed */
	size_t n = ask_udp(env, a, "b", DNS_T_A, 1, r, 2000);
	assert_int_equal(rcode_of(r, n, 1), DNS_RCODE_NOERROR);
	close(a);
}

/* The first answer in r: its TTL (and the question as echoed). */
static uint32_t first_ttl(const uint8_t *r, size_t n, char *qname)
{
	struct dns_msg m;
	struct dns_rr rr;
	size_t off;

	assert_int_equal(dns_msg_parse(r, n, &m), 0);
	if (qname)
		strcpy(qname, m.q.name);
	off = m.an_off;
	assert_true(m.ancount + m.nscount > 0);
	assert_int_equal(dns_rr_next(r, n, &off, &rr), 0);
	return rr.ttl;
}

static void upstream_answers_are_cached(void **state)
{
	struct env *env = *state;
	uint8_t r[DNS_UDP_MAX];
	char got[256], qname[DNS_NAME_TEXT_MAX];
	int a = udp_client("127.0.0.2"), b = udp_client("127.0.0.4");
	struct dns_server_stats st;
	size_t n;

	n = ask_udp(env, a, "outside.example", DNS_T_A, 1, r, 2000);
	assert_int_equal(rcode_of(r, n, 1), DNS_RCODE_NOERROR);
	assert_int_equal(env->stub_queries, 1);
	/* again, from another container with the same upstreams, in another
	 * case: from the cache, with this query's id and question */
	n = ask_udp(env, b, "OUTSIDE.example", DNS_T_A, 2, r, 2000);
	assert_int_equal(rcode_of(r, n, 2), DNS_RCODE_NOERROR);
	answer_addrs(r, n, got, sizeof(got));
	assert_string_equal(got, "192.0.2.1");
	assert_true(first_ttl(r, n, qname) <= 30);
	assert_string_equal(qname, "OUTSIDE.example");
	assert_int_equal(env->stub_queries, 1);
	/* another type is another question */
	n = ask_udp(env, a, "outside.example", DNS_T_AAAA, 3, r, 2000);
	assert_int_equal(env->stub_queries, 2);
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.cache_entries, 1); /* NODATA without an SOA: not kept */

	/* NXDOMAIN with an SOA: kept (RFC 2308); without one: not kept */
	for (uint16_t i = 0; i < 2; i++) {
		n = ask_udp(env, a, "neg.example", DNS_T_A, (uint16_t)(10 + i), r, 2000);
		assert_int_equal(rcode_of(r, n, (uint16_t)(10 + i)), DNS_RCODE_NXDOMAIN);
		assert_true(first_ttl(r, n, NULL) <= 30);
	}
	assert_int_equal(env->stub_queries, 3);
	for (uint16_t i = 0; i < 2; i++) {
		n = ask_udp(env, a, "nothing.example", DNS_T_A, (uint16_t)(20 + i), r, 2000);
		assert_int_equal(rcode_of(r, n, (uint16_t)(20 + i)), DNS_RCODE_NXDOMAIN);
	}
	assert_int_equal(env->stub_queries, 5);
	/* SERVFAIL never */
	for (uint16_t i = 0; i < 2; i++) {
		n = ask_udp(env, a, "servfail.example", DNS_T_A, (uint16_t)(30 + i), r, 2000);
		assert_int_equal(rcode_of(r, n, (uint16_t)(30 + i)), DNS_RCODE_SERVFAIL);
	}
	assert_int_equal(env->stub_queries, 7);

	/* a TTL of 1 s: gone after it */
	n = ask_udp(env, a, "short.example", DNS_T_A, 40, r, 2000);
	n = ask_udp(env, a, "short.example", DNS_T_A, 41, r, 2000);
	assert_int_equal(env->stub_queries, 8);
	struct timespec ts = { 1, 200000000 };
	nanosleep(&ts, NULL);
	n = ask_udp(env, a, "short.example", DNS_T_A, 42, r, 2000);
	assert_int_equal(rcode_of(r, n, 42), DNS_RCODE_NOERROR);
	assert_int_equal(env->stub_queries, 9);
	/* the TTLs served count down: outside.example was kept a second ago */
	n = ask_udp(env, a, "outside.example", DNS_T_A, 43, r, 2000);
	assert_true(first_ttl(r, n, NULL) < 30);
	assert_int_equal(env->stub_queries, 9);

	/* the host's resolvers change (the same one, written anew): asked anew */
	write_resolv(env, "nameserver 127.0.0.1\n# changed\n");
	nanosleep(&ts, NULL);
	n = ask_udp(env, a, "outside.example", DNS_T_A, 44, r, 2000);
	assert_int_equal(rcode_of(r, n, 44), DNS_RCODE_NOERROR);
	assert_int_equal(env->stub_queries, 10);

	/* a container with its own --dns (an upstream nobody answers at):
	 * its scope is another, the host's cached answer is not its answer */
	struct dns_upstream dead;
	assert_int_equal(dns_upstream_parse("127.0.0.1:1", 53, &dead), 0);
	assert_int_equal(dns_store_container_upstreams(env->store, "bbbbbbbbbbbb", &dead, 1, NULL), 0);
	n = ask_udp(env, b, "outside.example", DNS_T_A, 45, r, 3000);
	assert_int_equal(rcode_of(r, n, 45), DNS_RCODE_SERVFAIL);
	close(a);
	close(b);
}

static int setup_small_cache(void **state)
{
	cache_entries_cfg = 2;
	int r = setup(state);
	cache_entries_cfg = 0;
	return r;
}

static void the_cache_is_bounded(void **state)
{
	struct env *env = *state;
	uint8_t r[DNS_UDP_MAX];
	int a = udp_client("127.0.0.2");
	struct dns_server_stats st;
	size_t n;

	for (unsigned i = 1; i <= 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "pos-%u.example", i);
		n = ask_udp(env, a, name, DNS_T_A, (uint16_t)i, r, 2000);
		assert_int_equal(rcode_of(r, n, (uint16_t)i), DNS_RCODE_NOERROR);
	}
	assert_int_equal(env->stub_queries, 3);
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.cache_entries, 2);
	/* pos-1 went first (least recently used); pos-3 is there */
	n = ask_udp(env, a, "pos-3.example", DNS_T_A, 4, r, 2000);
	assert_int_equal(env->stub_queries, 3);
	n = ask_udp(env, a, "pos-1.example", DNS_T_A, 5, r, 2000);
	assert_int_equal(rcode_of(r, n, 5), DNS_RCODE_NOERROR);
	assert_int_equal(env->stub_queries, 4);
	close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(resolves_names_and_scopes_them, setup, teardown),
		cmocka_unit_test_setup_teardown(round_robin_over_the_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(forwards_outside_names, setup, teardown),
		cmocka_unit_test_setup_teardown(servfail_when_upstreams_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(too_many_waiting_forwards_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(resolv_conf_is_reread, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_several_queries_on_one_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_upstream_answers_are_fetched_over_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_hostile_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(ipv6_listener_and_asker, setup, teardown),
		cmocka_unit_test_setup_teardown(listeners_come_and_go, setup, teardown),
		cmocka_unit_test_setup_teardown(upstream_answers_are_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(the_cache_is_bounded, setup_small_cache, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
