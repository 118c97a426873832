/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ports-bench [RUNS]: in the current (private) network namespace, the time
 * to add N port mappings to pontoon's table in one transaction (N = 1, 100,
 * 1,000, 10,000; median of RUNS), and the time to add one mapping to an empty
 * map and to a map of 10,000 (median of 4 * RUNS). Prints "name median_us". */
#include <netinet/in.h>
#include <time.h>
#include "fw.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void fill(struct fw_port *p, size_t n, unsigned first)
{
	for (size_t i = 0; i < n; i++) {
		unsigned k = first + (unsigned)i;
		p[i] = (struct fw_port){ .any = true, .proto = IPPROTO_TCP, .hport = (uint16_t)(1024 + k % 60000),
					 .cport = 80 };
		/* a container per mapping: 10.(k / 65536).x.y */
		p[i].cip[0] = 10;
		p[i].cip[1] = (uint8_t)(k >> 16);
		p[i].cip[2] = (uint8_t)(k >> 8);
		p[i].cip[3] = (uint8_t)k;
		if (k >= 60000)
			p[i].proto = IPPROTO_UDP;
	}
}

static void must(int r, struct err *e, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "ports-bench: %s: %s\n", what, err_msg(e));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1, 100, 1000, 10000 };
	int runs = argc > 1 ? atoi(argv[1]) : 11;
	struct err e = { 0 };
	struct fw_port *p = xcalloc(10001, sizeof(*p)), one;
	double *t = xcalloc((size_t)runs * 4 + 1, sizeof(*t));

	if (runs < 1)
		runs = 1;
	must(fw_sync_all(NULL, 0, NULL, 0, &e), &e, "set up the table");
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		fill(p, sizes[s], 0);
		for (int r = 0; r < runs; r++) {
			double t0 = now_us();
			must(fw_ports_apply(p, sizes[s], true, &e), &e, "add");
			t[r] = now_us() - t0;
			must(fw_ports_apply(p, sizes[s], false, &e), &e, "delete");
		}
		printf("add_%zu %.1f\n", sizes[s], median(t, (size_t)runs));
	}
	/* one mapping into an empty map, then into a map of 10,000 */
	fill(&one, 1, 10000);
	for (int k = 0; k < 2; k++) {
		if (k == 1) {
			fill(p, 10000, 0);
			must(fw_ports_apply(p, 10000, true, &e), &e, "add 10000");
		}
		for (int r = 0; r < runs * 4; r++) {
			double t0 = now_us();
			must(fw_ports_apply(&one, 1, true, &e), &e, "add one");
			t[r] = now_us() - t0;
			must(fw_ports_apply(&one, 1, false, &e), &e, "delete one");
		}
		printf("%s %.1f\n", k ? "one_beside_10000" : "one_into_empty", median(t, (size_t)runs * 4));
	}
	free(p);
	free(t);
	return 0;
}
