/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/dns: pontoon's resolver with a synthetic store, for dnsperf.
 *
 *   dns-bench-server serve PORT N HOSTS QUERIES
 *       N containers c0..c(N-1) on network "bench" (10.88.x.y); the asker
 *       127.0.0.1 is a container on it too (dnsperf sends from there).
 *       Writes the same names as a hosts file for the peers (HOSTS) and a
 *       dnsperf query file of the bare names (QUERIES: the one form every
 *       peer answers itself), then serves on 127.0.0.1:PORT until SIGTERM.
 *   dns-bench-server update ROUNDS
 *       The time from dns_store_endpoint_add() returning to a client on
 *       127.0.0.2 holding the answer for the new name, over a real UDP socket
 *       through the real server loop: prints the median and p99 in us.
 *   dns-bench-server watch SERVER NAME TIMEOUT_MS READY_FILE
 *       Ask SERVER:53 for NAME (A) over and over (a new query 0.2 ms after
 *       each negative answer) until an answer holds an address; creates
 *       READY_FILE after the first answer of any kind, and prints the
 *       wall-clock time of the positive answer in microseconds since the
 *       epoch (bench/dns/run compares it with `run -d` returning).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include "dns.h"

static volatile bool stop;

static void on_term(int sig)
{
	(void)sig;
	stop = true;
}

static struct dns_addr addr_n(unsigned i)
{
	struct dns_addr a = { .family = AF_INET };
	a.v4.s_addr = htonl(0x0a580000u + 2 + i); /* 10.88.0.2 + i */
	return a;
}

static void add_or_die(struct dns_store *s, unsigned i, const struct dns_addr *a)
{
	char id[16], name[32];
	struct err e = { 0 };

	snprintf(id, sizeof(id), "%012x", 0x100000u + i);
	snprintf(name, sizeof(name), "c%u", i);
	if (dns_store_endpoint_add(s, "bench", id, name, NULL, NULL, a, 1, &e) < 0) {
		fprintf(stderr, "dns-bench-server: %s\n", err_msg(&e));
		exit(1);
	}
}

static struct dns_store *make_store(void)
{
	struct dns_store *s;
	struct dns_addr lo;

	if (dns_store_new(&s) < 0 || dns_store_network_add(s, "bench", NULL, NULL) < 0)
		exit(1);
	(void)!dns_addr_parse("127.0.0.1", &lo);
	if (dns_store_endpoint_add(s, "bench", "0000000000aa", "client", NULL, NULL, &lo, 1, NULL) < 0)
		exit(1);
	return s;
}

static int serve(int argc, char **argv)
{
	uint64_t port, n;
	struct err e = { 0 };
	struct dns_server *srv;
	struct dns_addr lo;

	if (argc != 6 || parse_uint(argv[2], 1, 65535, &port) < 0 || parse_uint(argv[3], 1, 60000, &n) < 0)
		return 2;
	struct dns_store *s = make_store();
	FILE *hosts = fopen(argv[4], "w"), *queries = fopen(argv[5], "w");
	if (!hosts || !queries)
		return 1;
	for (unsigned i = 0; i < n; i++) {
		struct dns_addr a = addr_n(i);
		char ab[INET_ADDRSTRLEN];
		add_or_die(s, i, &a);
		inet_ntop(AF_INET, &a.v4, ab, sizeof(ab));
		fprintf(hosts, "%s c%u c%u.bench\n", ab, i, i);
		fprintf(queries, "c%u A\n", i);
	}
	fclose(hosts);
	fclose(queries);
	(void)!dns_addr_parse("127.0.0.1", &lo);
	/* no host resolvers: every name in the query file is local */
	struct dns_server_config cfg = { .resolv_conf = "/nonexistent" };
	if (dns_server_new(s, &cfg, &srv, &e) < 0 || dns_server_listen(srv, &lo, (uint16_t)port, NULL, &e) < 0) {
		fprintf(stderr, "dns-bench-server: %s\n", err_msg(&e));
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	printf("ready\n");
	fflush(stdout);
	int r = dns_server_run(srv, &stop);
	struct dns_server_stats st;
	dns_server_get_stats(srv, &st);
	fprintf(stderr, "dns-bench-server: %llu queries, %llu answered locally, %llu dropped\n",
		(unsigned long long)st.queries, (unsigned long long)st.answered_local,
		(unsigned long long)st.dropped);
	dns_server_free(srv);
	dns_store_free(s);
	return r < 0 ? 1 : 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int update(int argc, char **argv)
{
	uint64_t rounds;
	struct dns_server *srv;
	struct dns_addr lo, asker;
	uint16_t port;

	if (argc != 3 || parse_uint(argv[2], 1, 100000, &rounds) < 0)
		return 2;
	struct dns_store *s = make_store();
	(void)!dns_addr_parse("127.0.0.1", &lo);
	(void)!dns_addr_parse("127.0.0.2", &asker);
	if (dns_store_endpoint_add(s, "bench", "0000000000bb", "asker", NULL, NULL, &asker, 1, NULL) < 0)
		return 1;
	struct dns_server_config cfg = { .resolv_conf = "/nonexistent" };
	if (dns_server_new(s, &cfg, &srv, NULL) < 0 || dns_server_listen(srv, &lo, 0, &port, NULL) < 0)
		return 1;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET }, to = { .sin_family = AF_INET, .sin_port = htons(port) };
	me.sin_addr = asker.v4;
	to.sin_addr = lo.v4;
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		return 1;
	uint64_t *t = calloc(rounds, sizeof(*t));
	for (unsigned i = 0; i < rounds; i++) {
		uint8_t q[512], r[512];
		char name[32];
		struct dns_builder b;
		struct dns_addr a = addr_n(i);
		snprintf(name, sizeof(name), "c%u", i);
		dns_builder_init(&b, q, sizeof(q), sizeof(q));
		if (dns_build_header(&b, (uint16_t)i, DNS_F_RD) < 0 || dns_build_question(&b, name, DNS_T_A, 1) < 0)
			return 1;
		size_t qn = dns_builder_finish(&b);
		uint64_t t0 = now_ns();
		add_or_die(s, i, &a); /* what netd does at attach */
		if (send(fd, q, qn, 0) < 0)
			return 1;
		for (;;) { /* the server loop and the client, as netd's loop would run it */
			struct pollfd p[2] = { { dns_server_fd(srv), POLLIN, 0 }, { fd, POLLIN, 0 } };
			poll(p, 2, 1000);
			if (dns_server_process(srv) < 0)
				return 1;
			if (p[1].revents & POLLIN)
				break;
		}
		ssize_t k = recv(fd, r, sizeof(r), 0);
		t[i] = now_ns() - t0;
		struct dns_msg m;
		if (k <= 0 || dns_msg_parse(r, (size_t)k, &m) < 0 || m.ancount != 1) {
			fprintf(stderr, "dns-bench-server: c%u did not resolve at once\n", i);
			return 1;
		}
	}
	qsort(t, rounds, sizeof(*t), cmp_u64);
	printf("update_to_answer_us median %.1f p99 %.1f\n", t[rounds / 2] / 1000.0, t[rounds * 99 / 100] / 1000.0);
	free(t);
	close(fd);
	dns_server_free(srv);
	dns_store_free(s);
	return 0;
}

static int ask(int fd, const char *name, uint16_t id, bool *ret_found)
{
	uint8_t q[512], r[4096];
	struct dns_builder b;
	struct dns_msg m;
	dns_builder_init(&b, q, sizeof(q), sizeof(q));
	if (dns_build_header(&b, id, DNS_F_RD) < 0 || dns_build_question(&b, name, DNS_T_A, 1) < 0)
		return -EINVAL;
	if (send(fd, q, dns_builder_finish(&b), 0) < 0)
		return -errno;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 20) <= 0) {
			*ret_found = false; /* lost: ask again */
			return 0;
		}
		ssize_t k = recv(fd, r, sizeof(r), 0);
		if (k > 0 && dns_msg_parse(r, (size_t)k, &m) == 0 && m.id == id) {
			*ret_found = DNS_RCODE(m.flags) == DNS_RCODE_NOERROR && m.ancount > 0;
			return 1;
		}
	}
}

static int watch(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct timespec ts;
	uint64_t deadline;
	bool ready = false, found = false;
	int fd;

	if (argc != 6 || inet_pton(AF_INET, argv[2], &to.sin_addr) != 1)
		return 2;
	deadline = now_ns() + strtoull(argv[4], NULL, 10) * 1000000ull;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		return 1;
	for (uint16_t id = 1; !found && now_ns() < deadline; id++) {
		int r = ask(fd, argv[3], id, &found);
		if (r < 0 && r != -ECONNREFUSED)
			return 1;
		if (r == 1 && !ready) {
			FILE *f = fopen(argv[5], "w");
			if (f)
				fclose(f);
			ready = true;
		}
		if (!found) {
			struct timespec nap = { 0, 200000 };
			nanosleep(&nap, NULL);
		}
	}
	if (!found) {
		fprintf(stderr, "dns-bench-server: %s did not resolve in time\n", argv[3]);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%llu\n", (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "watch"))
		return watch(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "update"))
		return update(argc, argv);
	fprintf(stderr, "usage: dns-bench-server serve PORT N HOSTS QUERIES | update ROUNDS | watch SERVER NAME TIMEOUT_MS READY\n");
	return 2;
}
