/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded parallel jobs in forked children, and per-node progress lines. */
#ifndef PONTOON_CLI_LAB_JOBS_H
#define PONTOON_CLI_LAB_JOBS_H

#include <stdarg.h>
#include "common.h"

#define LAB_JOBS_MAX 16

struct progress {
	bool tty, quiet;
	size_t n, width, drawn;
	char **names, **status;
};
void progress_init(struct progress *pr, const char *const *names, size_t n);
void progress_done(struct progress *pr);
/* Set item i's status; final: print it (plain output shows final states only). */
void progress_set(struct progress *pr, size_t i, bool final, const char *fmt, ...) _printf_(4, 5);

struct jobs {
	void *ctx;
	size_t parallel;
	bool keep_going; /* after a failure, still run the rest (destroy) */
	/* In the parent, before the fork. */
	void (*start)(void *ctx, size_t item);
	/* In the child: out (a line) goes to done() on success, e on failure. */
	int (*fn)(void *ctx, size_t item, char *out, size_t len, struct err *e);
	/* In the parent: ok and the child's out line or error message. */
	void (*done)(void *ctx, size_t item, bool ok, const char *msg);
};
/* Run the items; returns 0, or the first failure (its message in e) once
 * every started job has finished. */
int jobs_run(const struct jobs *j, const size_t *items, size_t n, struct err *e) _wur_;

#endif
