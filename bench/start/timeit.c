/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pontoon-bench-timeit N COMMAND [ARG...]: run COMMAND N times (after one
 * warm-up run), output to /dev/null, and print "MEDIAN_MS P90_MS FAILED" from
 * CLOCK_MONOTONIC around each fork+exec+wait, so no shell or `date` process
 * is counted in the figure.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int run_once(char **argv)
{
	pid_t p = fork();
	int st;
	if (p < 0)
		return -1;
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(p, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0, failed = 0;
	if (n < 1) {
		fprintf(stderr, "usage: pontoon-bench-timeit N COMMAND [ARG...]\n");
		return 2;
	}
	double *t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	if (run_once(argv + 2) != 0)
		failed++;
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		if (run_once(argv + 2) != 0)
			failed++;
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.2f %.2f %d\n", t[n / 2], t[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], failed);
	free(t);
	return 0;
}
