/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The endpoint journal: records, replay, torn and hostile lines, compaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include "daemon.h"

static struct network *net_new(void)
{
	struct network *n = xcalloc(1, sizeof(*n));
	struct ipam_prefix p;
	assert_int_equal(id_generate(n->id), 0);
	n->name = xstrdup("j");
	n->labels = json_object_new_object();
	n->options = json_object_new_object();
	assert_int_equal(ipam_prefix_parse("10.6.0.0/24", &p, NULL), 0);
	assert_int_equal(ipam_subnet_new(&p, NULL, NULL, &n->sub4, NULL), 0);
	return n;
}

static struct endpoint *ep_new(struct network *n, const char *ctr)
{
	struct endpoint *ep = xcalloc(1, sizeof(*ep));
	assert_int_equal(id_generate(ep->id), 0);
	ep->container = xstrdup(ctr);
	ep->name = xstrdup(ctr);
	ep->netns = xstrdup("/run/netns/x");
	snprintf(ep->ifname, sizeof(ep->ifname), "eth0");
	snprintf(ep->hostif, sizeof(ep->hostif), "pnv%.8s", ep->id);
	assert_int_equal(ipam_subnet_alloc(n->sub4, &ep->ip4, NULL), 0);
	ep->has4 = true;
	return ep;
}

static void add(struct network *n, struct endpoint *ep)
{
	n->eps = xrealloc(n->eps, (n->neps + 1) * sizeof(*n->eps));
	n->eps[n->neps++] = ep;
}

static void journal_replays_attach_and_detach(void **state)
{
	char tmpl[] = "/tmp/pontoon-journal.XXXXXX";
	struct netd d = { 0 };
	struct err e = { 0 };
	assert_non_null(mkdtemp(tmpl));
	d.netdir = tmpl;

	struct network *n = net_new();
	struct endpoint *a = ep_new(n, "a"), *b = ep_new(n, "b"), *c = ep_new(n, "c");
	for (struct endpoint *x = a; x; x = x == a ? b : x == b ? c : NULL) {
		assert_int_equal(netd_ep_save(&d, n, x, &e), 0);
		add(n, x);
	}
	/* b leaves (the test keeps it in n, which frees it) */
	assert_int_equal(netd_ep_unlink(&d, n, b, &e), 0);

	/* a torn record at the end and a hostile one in the middle */
	_cleanup_free_ char *path = xasprintf("%s/%s.endpoints", tmpl, n->id);
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	const char junk[] = "*nonsense\n-notanid\n+{\"id\":1}\n+{\"id\":\"";
	assert_int_equal(write(fd, junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
	close(fd);

	struct network *m = net_new();
	memcpy(m->id, n->id, sizeof(m->id));
	netd_journal_load(&d, m);
	assert_int_equal(m->neps, 2);
	assert_string_equal(m->eps[0]->container, "a");
	assert_string_equal(m->eps[1]->container, "c");
	assert_true(ipam_subnet_is_allocated(m->sub4, &a->ip4));
	assert_false(ipam_subnet_is_allocated(m->sub4, &b->ip4));
	assert_true(ipam_subnet_is_allocated(m->sub4, &c->ip4));

	/* compacted: two records, and loading again gives the same */
	_cleanup_free_ char *buf = NULL;
	size_t len;
	assert_int_equal(read_file(path, 1 << 20, &buf, &len, &e), 0);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, 2);
	struct network *k = net_new();
	memcpy(k->id, n->id, sizeof(k->id));
	netd_journal_load(&d, k);
	assert_int_equal(k->neps, 2);

	/* a repeated container is refused on replay */
	assert_int_equal(netd_ep_save(&d, k, k->eps[0], &e), 0);
	struct network *r = net_new();
	memcpy(r->id, n->id, sizeof(r->id));
	netd_journal_load(&d, r);
	assert_int_equal(r->neps, 2);

	netd_state_unlink(&d, n);
	assert_int_equal(access(path, F_OK), -1);
	network_free(n);
	network_free(m);
	network_free(k);
	network_free(r);
	assert_int_equal(rmdir(tmpl), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(journal_replays_attach_and_detach),
	};
	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
