/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-ipam: IPAM figures (see bench/ipam/run).
 *
 *   bench-ipam                    the in-process figures: a /16 allocated one by
 *                                 one; alloc/release in a /8 with 1,000,000 taken;
 *                                 memory; JSON size and load time
 *   bench-ipam oneshot STATE      one process = load STATE (JSON), allocate one
 *                                 address, save STATE atomically (fsync'd): the
 *                                 work of one CNI host-local ADD
 *   bench-ipam spawn N CMD...     run CMD N times (stdin from $BENCH_STDIN, env
 *                                 CNI_CONTAINERID=bench<i>), print the median wall
 *                                 time in microseconds
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include "ipam.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct ipam_subnet *subnet(const char *cidr)
{
	struct ipam_subnet *s = NULL;
	struct ipam_prefix p;
	struct err e = {0};

	if (ipam_prefix_parse(cidr, &p, &e) < 0 || ipam_subnet_new(&p, NULL, NULL, &s, &e) < 0) {
		fprintf(stderr, "bench-ipam: %s\n", err_msg(&e));
		exit(1);
	}
	return s;
}

static void must(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "bench-ipam: %s: %s\n", what, strerror(-r));
		exit(1);
	}
}

/* Allocate every address of a /16, one by one; median over runs. */
static void bench_slash16(void)
{
	double t[21];

	for (size_t run = 0; run < ARRAY_SIZE(t); run++) {
		_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = subnet("10.20.0.0/16");
		struct ipam_addr a;
		unsigned n = 0;
		double t0 = now_us();

		while (ipam_subnet_alloc(s, &a, NULL) == 0)
			n++;
		t[run] = now_us() - t0;
		if (n != 65533) {
			fprintf(stderr, "bench-ipam: /16 gave %u addresses\n", n);
			exit(1);
		}
	}
	printf("alloc_all_slash16_ms %.3f   (65533 addresses, median of %zu runs; target < 20)\n",
	       median(t, ARRAY_SIZE(t)) / 1e3, ARRAY_SIZE(t));
}

#define TAKEN 1000000
#define BATCH 1000
#define BATCHES 200

/* A /8 with 1,000,000 taken, either by dynamic allocation (runs) or by
 * static requests at random addresses (scattered). */
static struct ipam_subnet *slash8(bool scattered)
{
	struct ipam_subnet *s = subnet("10.0.0.0/8");
	struct ipam_addr a;
	unsigned seed = 42;

	while (ipam_subnet_count_allocated(s) < TAKEN) {
		if (!scattered) {
			must(ipam_subnet_alloc(s, &a, NULL), "alloc");
			continue;
		}
		must(ipam_prefix_nth(ipam_subnet_prefix(s), 2 + (uint64_t)rand_r(&seed) % 16777212, &a), "nth");
		(void)!ipam_subnet_reserve(s, &a, NULL);
	}
	return s;
}

static void bench_slash8(bool scattered)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = slash8(scattered);
	const char *tag = scattered ? "scattered" : "runs";
	static struct ipam_addr batch[BATCH], dyn[BATCH];
	double ta[BATCHES], tr[BATCHES], t0;
	unsigned seed = 7;
	size_t mem;

	for (size_t b = 0; b < BATCHES; b++) {
		/* BATCH allocations, timed together */
		t0 = now_us();
		for (size_t i = 0; i < BATCH; i++)
			must(ipam_subnet_alloc(s, &dyn[i], NULL), "alloc");
		ta[b] = (now_us() - t0) * 1e3 / BATCH;
		/* release as many random taken addresses (not the ones just
		 * allocated: a release lands anywhere), then take them back */
		for (size_t i = 0; i < BATCH; i++) {
			struct ipam_addr a;
			do
				must(ipam_prefix_nth(ipam_subnet_prefix(s), 2 + (uint64_t)rand_r(&seed) % 16777212, &a),
				     "nth");
			while (!ipam_subnet_is_allocated(s, &a));
			batch[i] = a;
		}
		t0 = now_us();
		for (size_t i = 0; i < BATCH; i++)
			(void)!ipam_subnet_release(s, &batch[i], NULL);
		tr[b] = (now_us() - t0) * 1e3 / BATCH;
		/* back to TAKEN: the released ones are taken again, the batch of
		 * dynamic ones given back */
		for (size_t i = 0; i < BATCH; i++) {
			int r = ipam_subnet_reserve(s, &batch[i], NULL);
			must(r == -EADDRINUSE ? 0 : r, "reserve"); /* a duplicate pick */
		}
		for (size_t i = 0; i < BATCH; i++)
			must(ipam_subnet_release(s, &dyn[i], NULL), "release");
	}
	mem = ipam_subnet_memory(s);
	printf("slash8_%s_alloc_ns %.0f   (median over %d batches of %d, %llu taken; target < 1000)\n", tag,
	       median(ta, BATCHES), BATCHES, BATCH, (unsigned long long)ipam_subnet_count_allocated(s));
	printf("slash8_%s_release_ns %.0f   (random taken address; target < 1000)\n", tag, median(tr, BATCHES));
	printf("slash8_%s_memory_bytes %zu   (%.3f bits per address of the /8; target <= 1 + constant)\n", tag, mem,
	       (double)mem * 8 / 16777216.0);

	/* JSON */
	_cleanup_json_ json_object *o = ipam_subnet_to_json(s);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	double tl[9];
	for (size_t i = 0; i < ARRAY_SIZE(tl); i++) {
		_cleanup_(ipam_subnet_freep) struct ipam_subnet *t = NULL;
		_cleanup_json_ json_object *p = NULL;
		t0 = now_us();
		p = json_tokener_parse(text);
		must(p ? ipam_subnet_from_json(p, &t, NULL) : -EINVAL, "load");
		tl[i] = now_us() - t0;
		if (ipam_subnet_count_allocated(t) != ipam_subnet_count_allocated(s))
			exit(1);
	}
	printf("slash8_%s_json_bytes %zu\n", tag, len);
	printf("slash8_%s_json_load_ms %.2f   (parse + validate + build, median of %zu)\n", tag,
	       median(tl, ARRAY_SIZE(tl)) / 1e3, ARRAY_SIZE(tl));
}

/* One host-local-like ADD: load, allocate, save durably. */
static int oneshot(const char *path)
{
	_cleanup_(ipam_subnet_freep) struct ipam_subnet *s = NULL;
	_cleanup_json_ json_object *o = NULL, *out = NULL;
	struct ipam_addr a;
	struct err e = {0};
	char b[IPAM_ADDR_STRLEN];
	int fd;

	fd = lock_file(xasprintf("%s.lock", path), false, &e); /* leaked on purpose: the process ends */
	if (fd < 0 || state_read_json(path, &o, &e) < 0 || ipam_subnet_from_json(o, &s, &e) < 0 ||
	    ipam_subnet_alloc(s, &a, &e) < 0)
		goto fail;
	out = ipam_subnet_to_json(s);
	if (state_write_json(path, out, &e) < 0)
		goto fail;
	printf("%s\n", ipam_addr_format(&a, b, sizeof(b)));
	return 0;
fail:
	fprintf(stderr, "bench-ipam: %s\n", err_msg(&e));
	return 1;
}

static int spawn(int n, char **argv)
{
	const char *in = getenv("BENCH_STDIN");
	_cleanup_free_ double *t = xcalloc((size_t)n, sizeof(double));

	for (int i = 0; i < n; i++) {
		char id[32];
		double t0 = now_us();
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			int nul = open("/dev/null", O_WRONLY);
			int fd = in ? open(in, O_RDONLY) : -1;
			snprintf(id, sizeof(id), "bench%d", i);
			setenv("CNI_CONTAINERID", id, 1);
			if (fd >= 0)
				dup2(fd, 0);
			dup2(nul, 1);
			execvp(argv[0], argv);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "bench-ipam: %s failed\n", argv[0]);
			return 1;
		}
		t[i] = now_us() - t0;
	}
	printf("%.0f\n", median(t, (size_t)n));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "oneshot"))
		return oneshot(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "spawn"))
		return spawn(atoi(argv[2]), argv + 3);
	if (argc != 1) {
		fprintf(stderr, "usage: bench-ipam [oneshot STATE | spawn N CMD...]\n");
		return 2;
	}
	bench_slash16();
	bench_slash8(false);
	bench_slash8(true);
	return 0;
}
