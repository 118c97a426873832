/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon logs: print ctr.log's records (see shim.c for the format). */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "rt-internal.h"

struct rec {
	const char *ts;
	size_t ts_len;
	bool err;
	bool full;
	const char *text;
	size_t len;
};

/* "TS STREAM F|P text" -> rec; false when the line is malformed. */
static bool parse_rec(const char *line, size_t len, struct rec *r)
{
	const char *sp1 = memchr(line, ' ', len);
	if (!sp1)
		return false;
	const char *st = sp1 + 1;
	size_t rest = len - (size_t)(st - line);
	if (rest >= 9 && memcmp(st, "stdout ", 7) == 0)
		r->err = false;
	else if (rest >= 9 && memcmp(st, "stderr ", 7) == 0)
		r->err = true;
	else
		return false;
	char tag = st[7];
	if ((tag != 'F' && tag != 'P') || (rest > 8 && st[8] != ' '))
		return false;
	r->ts = line;
	r->ts_len = (size_t)(sp1 - line);
	r->full = tag == 'F';
	r->text = rest > 9 ? st + 9 : st + rest;
	r->len = rest > 9 ? rest - 9 : 0;
	return true;
}

static void emit(const struct rec *r, bool timestamps, bool *line_start)
{
	FILE *f = r->err ? stderr : stdout;
	if (timestamps && *line_start) {
		fwrite(r->ts, 1, r->ts_len, f);
		fputc(' ', f);
	}
	fwrite(r->text, 1, r->len, f);
	if (r->full)
		fputc('\n', f);
	*line_start = r->full;
}

/* Print complete records of buf[0..len); returns the bytes consumed. */
static size_t print_from(const char *buf, size_t len, long skip_lines, bool timestamps, bool *line_start)
{
	size_t off = 0;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		if (!nl)
			break;
		struct rec r;
		if (parse_rec(buf + off, (size_t)(nl - (buf + off)), &r)) {
			if (skip_lines > 0) {
				if (r.full)
					skip_lines--;
			} else {
				emit(&r, timestamps, line_start);
			}
		}
		off = (size_t)(nl - buf) + 1;
	}
	fflush(stdout);
	fflush(stderr);
	return off;
}

static long count_lines(const char *buf, size_t len)
{
	long n = 0;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		if (!nl)
			break;
		struct rec r;
		if (parse_rec(buf + off, (size_t)(nl - (buf + off)), &r) && r.full)
			n++;
		off = (size_t)(nl - buf) + 1;
	}
	return n;
}

static bool still_running(const char *root, const char *id)
{
	struct rt_state st;
	return rt_state_read(root, id, &st, NULL) == 0 && st.status == RT_RUNNING;
}

int rt_logs_print(const char *root, const char *id, const struct rt_logs_opts *o, struct err *e)
{
	_cleanup_free_ char *path = rt_container_file(root, id, "ctr.log");
	_cleanup_free_ char *data = NULL;
	size_t len = 0, used;
	bool line_start = true;
	long skip = 0;

	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s", path);
	for (;;) {
		data = xrealloc(data, len + 65536 + 1);
		ssize_t n = read(fd, data + len, 65536);
		if (n < 0)
			return err_set(e, errno, "read %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (o->tail >= 0) {
		long total = count_lines(data, len);
		skip = total > o->tail ? total - o->tail : 0;
	}
	used = print_from(data, len, skip, o->timestamps, &line_start);
	if (!o->follow)
		return 0;
	/* keep the unconsumed tail (a record being written), then poll for more */
	memmove(data, data + used, len - used);
	len -= used;
	for (;;) {
		bool running = still_running(root, id);
		data = xrealloc(data, len + 65536 + 1);
		ssize_t n = read(fd, data + len, 65536);
		if (n > 0) {
			len += (size_t)n;
			used = print_from(data, len, 0, o->timestamps, &line_start);
			memmove(data, data + used, len - used);
			len -= used;
			continue;
		}
		if (!running)
			return 0;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
