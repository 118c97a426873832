/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The endpoint journal of a network (see daemon.h). */
#include <fcntl.h>
#include "daemon.h"

#define JOURNAL_MAX (64u << 20)

static char *journal_path(struct netd *d, const struct network *n)
{
	return xasprintf("%s/%s.endpoints", d->netdir, n->id);
}

static int journal_open(struct netd *d, struct network *n, struct err *e)
{
	if (n->jfd > 0)
		return 0;
	_cleanup_free_ char *path = journal_path(d, n);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, errno, "open %s", path);
	if (fd == 0) { /* 0 means "not open" here; never happens with stdin open */
		int fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		if (fd2 < 0)
			return err_set(e, errno, "open %s", path);
		fd = fd2;
	}
	n->jfd = fd;
	return 0;
}

/* Everything live, as a new journal (atomic, fsync'd: it is rare). */
static int journal_compact(struct netd *d, struct network *n, struct err *e)
{
	_cleanup_free_ char *path = journal_path(d, n);
	size_t cap = 256, len = 0;
	_cleanup_free_ char *buf = xmalloc(cap);
	int r;

	for (size_t i = 0; i < n->neps; i++) {
		_cleanup_json_ json_object *o = endpoint_to_state(n->eps[i]);
		size_t l;
		const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l);
		while (len + l + 3 > cap)
			buf = xrealloc(buf, cap *= 2);
		buf[len++] = '+';
		memcpy(buf + len, s, l);
		len += l;
		buf[len++] = '\n';
	}
	r = write_file_atomic(path, buf, len, 0600, e);
	if (r < 0)
		return r;
	if (n->jfd > 0)
		close(n->jfd);
	n->jfd = 0;
	n->jlines = n->neps;
	return 0;
}

static int journal_append(struct netd *d, struct network *n, const char *rec, size_t len, struct err *e)
{
	int r = journal_open(d, n, e);
	if (r < 0)
		return r;
	r = fault_point("state");
	if (r < 0)
		return err_set(e, -r, "write endpoint journal of %s", n->name);
	/* one write: a killed netd leaves the record whole or absent */
	ssize_t w = write(n->jfd, rec, len);
	if (w != (ssize_t)len) {
		r = err_set(e, w < 0 ? errno : EIO, "write endpoint journal of %s", n->name);
		if (w > 0) {
			/* a torn record: start over from what is live */
			close(n->jfd);
			n->jfd = 0;
		}
		return r;
	}
	n->jlines++;
	return 0;
}

static void maybe_compact(struct netd *d, struct network *n)
{
	struct err e = { 0 };
	if (n->jlines > 4 * n->neps + 1024 && journal_compact(d, n, &e) < 0)
		log_err(&e, "compact the endpoint journal of %s", n->name);
}

int netd_ep_save(struct netd *d, struct network *n, const struct endpoint *ep, struct err *e)
{
	_cleanup_json_ json_object *o = endpoint_to_state(ep);
	size_t l;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l);
	_cleanup_free_ char *rec = xmalloc(l + 3);
	rec[0] = '+';
	memcpy(rec + 1, s, l);
	rec[l + 1] = '\n';
	int r = journal_append(d, n, rec, l + 2, e);
	if (r == 0)
		maybe_compact(d, n);
	return r;
}

int netd_ep_unlink(struct netd *d, struct network *n, const struct endpoint *ep, struct err *e)
{
	char rec[ID_LEN + 3];
	snprintf(rec, sizeof(rec), "-%s\n", ep->id);
	int r = journal_append(d, n, rec, strlen(rec), e);
	if (r == 0)
		maybe_compact(d, n);
	return r;
}

static void drop_endpoint(struct network *n, const char *id)
{
	for (size_t i = 0; i < n->neps; i++) {
		struct endpoint *ep = n->eps[i];
		if (strcmp(ep->id, id) != 0)
			continue;
		if (ep->has4)
			UNDO(ipam_subnet_release(n->sub4, &ep->ip4, NULL));
		if (ep->has6)
			UNDO(ipam_subnet_release(n->sub6, &ep->ip6, NULL));
		memmove(&n->eps[i], &n->eps[i + 1], (n->neps - i - 1) * sizeof(*n->eps));
		n->neps--;
		endpoint_free(ep);
		return;
	}
}

static int replay_line(struct network *n, char *line, struct err *e)
{
	if (line[0] == '-') {
		if (!id_is_valid(line + 1))
			return err_setx(e, EINVAL, "bad endpoint id");
		drop_endpoint(n, line + 1);
		return 0;
	}
	if (line[0] != '+')
		return err_setx(e, EINVAL, "unknown record");
	_cleanup_json_ json_object *o = json_tokener_parse(line + 1);
	struct endpoint *ep = NULL;
	int r = o ? endpoint_from_state(o, &ep, e) : err_setx(e, EINVAL, "not JSON");
	if (r == 0)
		r = network_add_endpoint(n, ep, e);
	if (r < 0)
		endpoint_free(ep);
	return r;
}

void netd_journal_load(struct netd *d, struct network *n)
{
	_cleanup_free_ char *path = journal_path(d, n), *buf = NULL;
	struct err e = { 0 };
	size_t len = 0, lineno = 0;
	int r = read_file(path, JOURNAL_MAX, &buf, &len, &e);

	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_err(&e, "network %s: endpoints lost", n->name);
		return;
	}
	for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		lineno++;
		if (!nl) {
			log_warn("%s: line %zu: a record cut short, dropped", path, lineno);
			break;
		}
		*nl = '\0';
		err_clear(&e);
		if (replay_line(n, p, &e) < 0)
			log_err(&e, "%s: line %zu dropped", path, lineno);
	}
	if (journal_compact(d, n, &e) < 0)
		log_err(&e, "compact %s", path);
}

void netd_state_unlink(struct netd *d, const struct network *n)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", d->netdir, n->id);
	_cleanup_free_ char *jpath = journal_path(d, n);
	/* the journal first: without the network file it means nothing */
	if (unlink(jpath) < 0 && errno != ENOENT)
		log_warn("remove %s: %m", jpath);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("remove %s: %m", path);
}
