/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded parallel jobs for lab deploy/destroy: each job runs in a forked
 * child (the runtime's calls are process-safe, not thread-safe), which
 * reports one line through a pipe: "0<result>" or "1<error>". Progress: one
 * line per job, redrawn in place on a terminal, plain lines otherwise.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include "lab-jobs.h"

void progress_init(struct progress *pr, const char *const *names, size_t n)
{
	*pr = (struct progress){ .tty = isatty(STDERR_FILENO), .n = n };
	struct winsize ws;
	/* redrawing in place needs the whole block on the screen */
	if (pr->tty && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && n + 2 > ws.ws_row)
		pr->tty = false;
	pr->names = xcalloc(n + 1, sizeof(char *));
	pr->status = xcalloc(n + 1, sizeof(char *));
	pr->width = 4;
	for (size_t i = 0; i < n; i++) {
		pr->names[i] = xstrdup(names[i] ? names[i] : "");
		if (strlen(pr->names[i]) > pr->width)
			pr->width = strlen(pr->names[i]);
	}
}

void progress_done(struct progress *pr)
{
	strv_free(pr->names);
	for (size_t i = 0; i < pr->n; i++)
		free(pr->status[i]);
	free(pr->status);
}

static void redraw(struct progress *pr)
{
	size_t shown = 0;
	if (pr->drawn)
		fprintf(stderr, "\033[%zuA", pr->drawn);
	for (size_t i = 0; i < pr->n; i++) {
		if (!pr->status[i])
			continue;
		fprintf(stderr, "\r\033[K  %-*s  %s\n", (int)pr->width, pr->names[i], pr->status[i]);
		shown++;
	}
	pr->drawn = shown;
	fflush(stderr);
}

void progress_set(struct progress *pr, size_t i, bool final, const char *fmt, ...)
{
	va_list ap;
	if (i >= pr->n)
		return;
	free(pr->status[i]);
	va_start(ap, fmt);
	if (vasprintf(&pr->status[i], fmt, ap) < 0)
		abort();
	va_end(ap);
	if (pr->quiet)
		return;
	if (pr->tty) {
		/* lines appear in the order jobs start: keep a job's line where it is */
		redraw(pr);
	} else if (final) {
		fprintf(stderr, "%s: %s\n", pr->names[i], pr->status[i]);
	}
}

struct running {
	pid_t pid;
	int fd;
	size_t item;
	char buf[1024];
	size_t len;
};

static void child(const struct jobs *j, size_t item, int fd)
{
	char out[900] = "";
	struct err e = { 0 };
	int r = j->fn(j->ctx, item, out, sizeof(out), &e);
	_cleanup_free_ char *msg = r < 0 ? xasprintf("1%s", err_msg(&e)) : xasprintf("0%s", out);
	size_t len = strlen(msg), off = 0;
	while (off < len) {
		ssize_t n = write(fd, msg + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	_exit(r < 0 ? 1 : 0);
}

static int launch(const struct jobs *j, size_t item, struct running *run, struct err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_set(e, errno, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		child(j, item, p[1]);
	}
	close(p[1]);
	*run = (struct running){ .pid = pid, .fd = p[0], .item = item };
	return 0;
}

/* Read what a child reports; true when it is finished (EOF). */
static bool drain(struct running *run)
{
	ssize_t n = read(run->fd, run->buf + run->len, sizeof(run->buf) - 1 - run->len);
	if (n > 0) {
		run->len += (size_t)n;
		if (run->len < sizeof(run->buf) - 1)
			return false;
	} else if (n < 0 && errno == EINTR) {
		return false;
	}
	run->buf[run->len] = 0;
	return true;
}

static void finish(const struct jobs *j, struct running *run, int *ret, struct err *e)
{
	int status;
	close(run->fd);
	while (waitpid(run->pid, &status, 0) < 0 && errno == EINTR)
		;
	bool ok = run->len > 0 && run->buf[0] == '0';
	const char *msg = run->len > 0 ? run->buf + 1 : "the worker died without a report";
	if (j->done)
		j->done(j->ctx, run->item, ok, msg);
	if (!ok && *ret == 0)
		*ret = err_setx(e, EIO, "%s", msg);
}

int jobs_run(const struct jobs *j, const size_t *items, size_t n, struct err *e)
{
	struct running run[LAB_JOBS_MAX];
	size_t next = 0, active = 0, width = j->parallel ? j->parallel : 1;
	int ret = 0;

	if (width > LAB_JOBS_MAX)
		width = LAB_JOBS_MAX;
	while (active > 0 || (next < n && (ret == 0 || j->keep_going))) {
		while (active < width && next < n && (ret == 0 || j->keep_going)) {
			if (j->start)
				j->start(j->ctx, items[next]);
			int r = launch(j, items[next], &run[active], e);
			if (r < 0) {
				ret = ret ? ret : r;
				break;
			}
			next++;
			active++;
		}
		if (active == 0)
			break;
		struct pollfd pfd[LAB_JOBS_MAX];
		for (size_t i = 0; i < active; i++)
			pfd[i] = (struct pollfd){ .fd = run[i].fd, .events = POLLIN };
		if (poll(pfd, active, -1) < 0 && errno != EINTR)
			return err_set(e, errno, "poll");
		for (size_t i = active; i-- > 0;) {
			if (!pfd[i].revents || !drain(&run[i]))
				continue;
			finish(j, &run[i], &ret, e);
			run[i] = run[--active];
		}
	}
	return ret;
}
