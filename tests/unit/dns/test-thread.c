/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server on its own thread (dns_server_start), as netd runs it: answers
 * come while the test's thread does something else, an update made under
 * dns_server_lock is seen whole or not at all by a query, and listeners come
 * and go while queries arrive.  Loopback only: the clients bind to
 * 127.0.0.2 (a container on mynet); there is no upstream at all.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include "dns/helpers.h"

#define A_ID "aaaaaaaaaaaa"
#define B_ID "bbbbbbbbbbbb"

struct env {
	struct dns_store *store;
	struct dns_server *srv;
	uint16_t port;
};

static int udp_client(const char *ip)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Ask port on 127.0.0.1 from fd, wait for the answer (the server's thread
 * does the work); returns the rcode, or -1 when nothing came. */
static int ask(int fd, uint16_t port, const char *name, uint16_t id, char *got, size_t cap)
{
	uint8_t q[512], r[DNS_UDP_MAX];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	size_t n = make_query(q, sizeof(q), id, name, DNS_T_A, 0);
	struct dns_msg m;

	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	if (sendto(fd, q, n, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)n)
		return -1;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		ssize_t k = recv(fd, r, sizeof(r), 0);
		if (k <= 0 || dns_msg_parse(r, (size_t)k, &m) < 0)
			return -1;
		if (m.id != id)
			continue; /* a late answer to an earlier query */
		if (got)
			answer_addrs(r, (size_t)k, got, cap);
		return DNS_RCODE(m.flags);
	}
}

static int setup(void **state)
{
	struct env *env = calloc(1, sizeof(*env));
	struct dns_addr a = addr4("127.0.0.2"), b = addr4("127.0.0.4"), lo = addr4("127.0.0.1");
	struct dns_server_config cfg = { .resolv_conf = "/nonexistent/resolv.conf" };

	assert_int_equal(dns_store_new(&env->store), 0);
	assert_int_equal(dns_store_network_add(env->store, "mynet", NULL, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", A_ID, "a", NULL, NULL, &a, 1, NULL), 0);
	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", B_ID, "b", NULL, NULL, &b, 1, NULL), 0);
	assert_int_equal(dns_server_new(env->store, &cfg, &env->srv, NULL), 0);
	assert_int_equal(dns_server_listen(env->srv, &lo, 0, &env->port, NULL), 0);
	assert_int_equal(dns_server_start(env->srv, NULL), 0);
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	struct env *env = *state;
	dns_server_free(env->srv); /* stops and joins the thread */
	dns_store_free(env->store);
	free(env);
	return 0;
}

static void answers_from_its_own_thread(void **state)
{
	struct env *env = *state;
	char got[256];
	int a = udp_client("127.0.0.2");
	struct err e = { 0 };

	assert_int_equal(dns_server_start(env->srv, &e), -EALREADY);
	/* nobody here calls dns_server_process: the thread answers */
	assert_int_equal(ask(a, env->port, "b", 1, got, sizeof(got)), DNS_RCODE_NOERROR);
	assert_string_equal(got, "127.0.0.4");

	/* an update made under the lock is seen by the next query */
	struct dns_addr c = addr4("127.0.0.6");
	dns_server_lock(env->srv);
	assert_int_equal(dns_store_endpoint_add(env->store, "mynet", "cccccccccccc", "c", NULL, NULL, &c, 1, NULL), 0);
	dns_server_unlock(env->srv);
	assert_int_equal(ask(a, env->port, "c.mynet", 2, got, sizeof(got)), DNS_RCODE_NOERROR);
	assert_string_equal(got, "127.0.0.6");
	dns_server_lock(env->srv);
	assert_int_equal(dns_store_endpoint_remove(env->store, "mynet", "cccccccccccc", NULL), 0);
	dns_server_unlock(env->srv);
	assert_int_equal(ask(a, env->port, "c.mynet", 3, NULL, 0), DNS_RCODE_NXDOMAIN);

	struct dns_server_stats st;
	dns_server_get_stats(env->srv, &st);
	assert_int_equal(st.answered_local, 3);
	close(a);
}

struct asker {
	uint16_t port;
	unsigned rounds, nxdomain, lost;
	atomic_bool done;
};

static void *ask_loop(void *arg)
{
	struct asker *k = arg;
	char got[256];
	int fd = udp_client("127.0.0.2");

	for (unsigned i = 0; i < k->rounds; i++) {
		int rc = ask(fd, k->port, "b.mynet", (uint16_t)i, got, sizeof(got));
		if (rc < 0)
			k->lost++;
		else if (rc != DNS_RCODE_NOERROR || !got[0])
			k->nxdomain++;
	}
	atomic_store(&k->done, true);
	close(fd);
	return NULL;
}

/* b leaves and comes back under one lock, over and over, while another
 * thread asks for it: no answer may fall between the two. */
static void an_update_is_seen_whole(void **state)
{
	struct env *env = *state;
	struct asker k = { .port = env->port, .rounds = 400 };
	struct dns_addr b[2] = { addr4("127.0.0.4"), addr4("127.0.0.8") };
	pthread_t t;
	unsigned updates = 0;

	assert_int_equal(pthread_create(&t, NULL, ask_loop, &k), 0);
	while (!atomic_load(&k.done)) {
		dns_server_lock(env->srv);
		assert_int_equal(dns_store_endpoint_remove(env->store, "mynet", B_ID, NULL), 0);
		assert_int_equal(
			dns_store_endpoint_add(env->store, "mynet", B_ID, "b", NULL, NULL, &b[++updates % 2], 1, NULL),
			0);
		dns_server_unlock(env->srv);
		usleep(100); /* netd does other work between two updates */
	}
	pthread_join(t, NULL);
	assert_true(updates > 0);
	assert_int_equal(k.lost, 0);
	assert_int_equal(k.nxdomain, 0);
}

/* Listeners added and removed while the thread serves another one. */
static void listeners_come_and_go_while_serving(void **state)
{
	struct env *env = *state;
	struct asker k = { .port = env->port, .rounds = 200 };
	struct dns_addr other = addr4("127.0.0.7");
	pthread_t t;
	int a = udp_client("127.0.0.2");
	char got[256];

	assert_int_equal(pthread_create(&t, NULL, ask_loop, &k), 0);
	for (int i = 0; !atomic_load(&k.done) || i < 20; i++) {
		uint16_t port;
		assert_int_equal(dns_server_listen(env->srv, &other, 0, &port, NULL), 0);
		/* a query to the new listener, then it goes (maybe with
		 * another query in flight to it) */
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
		uint8_t q[512];
		size_t n = make_query(q, sizeof(q), 9, "b", DNS_T_A, 0);
		to.sin_addr = other.v4;
		assert_true(sendto(a, q, n, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)n);
		assert_int_equal(dns_server_unlisten(env->srv, &other, port, NULL), 0);
	}
	pthread_join(t, NULL);
	assert_int_equal(k.lost, 0);
	assert_int_equal(k.nxdomain, 0);
	close(a);
	a = udp_client("127.0.0.2");
	assert_int_equal(ask(a, env->port, "b", 77, got, sizeof(got)), DNS_RCODE_NOERROR);
	close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(answers_from_its_own_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(an_update_is_seen_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(listeners_come_and_go_while_serving, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
