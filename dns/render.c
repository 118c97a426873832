/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's resolv.conf (parse) and a container's /etc/hosts and
 * /etc/resolv.conf (render).  Pure: text in, text out.
 *
 * The parser reads what the libc resolver reads (resolv.conf(5)):
 * "nameserver ADDR" (at most DNS_RESOLV_MAX_NS), "domain D" / "search D..."
 * (the last such line wins), "options OPT..." (accumulate); comments start
 * with '#' or ';'.  Whatever it cannot use is skipped, never fatal: the file
 * is outside input and may hold anything.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include "dns.h"
#include "dns-internal.h"

void dns_resolv_conf_clear(struct dns_resolv_conf *rc)
{
	if (!rc)
		return;
	strv_free(rc->search);
	strv_free(rc->options);
	memset(rc, 0, sizeof(*rc));
}

/* Next whitespace-separated token in [*p, end); NULL at the end. */
static const char *next_token(const char **p, const char *end, size_t *ret_len)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f'))
		s++;
	const char *t = s;
	while (t < end && !(*t == ' ' || *t == '\t' || *t == '\r' || *t == '\v' || *t == '\f'))
		t++;
	*p = t;
	*ret_len = (size_t)(t - s);
	return t > s ? s : NULL;
}

static bool tok_is(const char *t, size_t n, const char *word)
{
	return t && n == strlen(word) && !memcmp(t, word, n);
}

static void parse_nameserver(struct dns_resolv_conf *rc, const char *t, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct dns_addr a;

	/* a scoped address (fe80::1%eth0) names an interface of the host's
	 * namespace; it cannot be used from elsewhere, so it is skipped */
	if (!t || n >= sizeof(buf) || rc->n_ns >= DNS_RESOLV_MAX_NS)
		return;
	memcpy(buf, t, n);
	buf[n] = '\0';
	if (dns_addr_parse(buf, &a) < 0)
		return;
	rc->ns[rc->n_ns++] = a;
}

static void parse_search(struct dns_resolv_conf *rc, const char **p, const char *end, bool single)
{
	const char *t;
	size_t n;

	strv_free(rc->search);
	rc->search = NULL;
	while ((t = next_token(p, end, &n))) {
		char buf[DNS_NAME_TEXT_MAX + 1];
		if (n && t[n - 1] == '.')
			n--; /* "example.com." is the same domain */
		if (n == 0 || n >= sizeof(buf))
			continue;
		memcpy(buf, t, n);
		buf[n] = '\0';
		if (dns_name_is_valid(buf) && !strv_contains(rc->search, buf) &&
		    strv_len(rc->search) < DNS_RESOLV_MAX_SEARCH)
			strv_push(&rc->search, buf);
		if (single)
			break;
	}
}

static bool option_is_valid(const char *t, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr(":._-", t[i]))
			return false;
	return true;
}

static void parse_options(struct dns_resolv_conf *rc, const char **p, const char *end)
{
	const char *t;
	size_t n;

	while ((t = next_token(p, end, &n))) {
		char buf[65];
		if (!option_is_valid(t, n) || strv_len(rc->options) >= DNS_RESOLV_MAX_OPTIONS)
			continue;
		memcpy(buf, t, n);
		buf[n] = '\0';
		if (!strv_contains(rc->options, buf))
			strv_push(&rc->options, buf);
	}
}

int dns_resolv_conf_parse(const char *text, size_t len, struct dns_resolv_conf *ret)
{
	struct dns_resolv_conf rc = { 0 };
	const char *p = text, *end = text + len;

	if (!text && len)
		return -EINVAL;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lend = nl ? nl : end;
		/* a NUL inside a line ends it, as for the libc resolver's fgets */
		const char *nul = memchr(p, '\0', (size_t)(lend - p));
		const char *q = p, *t;
		size_t n;

		if (nul)
			lend = nul;
		t = next_token(&q, lend, &n);
		if (t && *t != '#' && *t != ';') {
			if (tok_is(t, n, "nameserver")) {
				t = next_token(&q, lend, &n);
				parse_nameserver(&rc, t, n);
			} else if (tok_is(t, n, "search") || tok_is(t, n, "domain")) {
				parse_search(&rc, &q, lend, tok_is(t, n, "domain"));
			} else if (tok_is(t, n, "options")) {
				parse_options(&rc, &q, lend);
			}
		}
		p = nl ? nl + 1 : end;
	}
	*ret = rc;
	return 0;
}

int dns_resolv_conf_read(const char *path, struct dns_resolv_conf *ret, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file(path, 1 << 20, &text, &len, e);

	if (r < 0)
		return err_wrap(e, "read %s", path);
	return dns_resolv_conf_parse(text, len, ret);
}

/* ---- rendering --------------------------------------------------------------- */

struct text {
	char *buf;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...) _printf_(2, 3);
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		int n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->buf = xrealloc(t->buf, t->cap);
	}
}

static const char *addr_str(const struct dns_addr *a, char buf[INET6_ADDRSTRLEN])
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->v4 : (const void *)&a->v6, buf,
		       INET6_ADDRSTRLEN))
		return NULL;
	return buf;
}

static int add_entry(struct text *t, const struct dns_host_entry *h, struct err *e)
{
	char ab[INET6_ADDRSTRLEN];

	if (!addr_str(&h->addr, ab))
		return err_setx(e, EINVAL, "hosts entry with an address of unknown family");
	if (!h->names || !h->names[0])
		return err_setx(e, EINVAL, "hosts entry for %s without a name", ab);
	for (char *const *n = h->names; *n; n++)
		if (!dns_name_is_valid(*n))
			return err_setx(e, EINVAL, "\"%s\" is not a valid host name", *n);
	text_add(t, "%s\t", ab);
	for (char *const *n = h->names; *n; n++)
		text_add(t, "%s%s", *n, n[1] ? " " : "\n");
	return 0;
}

int dns_render_hosts(const struct dns_hosts_input *in, char **ret, struct err *e)
{
	struct text t = { 0 };
	char ab[INET6_ADDRSTRLEN];
	int r;

	if ((in->hostname && !dns_name_is_valid(in->hostname)) || (in->name && !dns_name_is_valid(in->name)))
		return err_setx(e, EINVAL, "\"%s\" is not a valid host name",
				in->hostname && !dns_name_is_valid(in->hostname) ? in->hostname : in->name);
	text_add(&t, "127.0.0.1\tlocalhost\n");
	if (in->ipv6)
		text_add(&t, "::1\tlocalhost ip6-localhost ip6-loopback\n"
			     "fe00::0\tip6-localnet\n"
			     "ff00::0\tip6-mcastprefix\n"
			     "ff02::1\tip6-allnodes\n"
			     "ff02::2\tip6-allrouters\n");
	for (size_t i = 0; i < in->n_addrs; i++) {
		if (!addr_str(&in->addrs[i], ab)) {
			free(t.buf);
			return err_setx(e, EINVAL, "container address of unknown family");
		}
		if (!in->hostname && !in->name)
			continue;
		text_add(&t, "%s\t%s", ab, in->hostname ? in->hostname : in->name);
		if (in->hostname && in->name && strcasecmp(in->hostname, in->name))
			text_add(&t, " %s", in->name);
		text_add(&t, "\n");
	}
	for (size_t i = 0; i < in->n_links; i++)
		if ((r = add_entry(&t, &in->links[i], e)) < 0) {
			free(t.buf);
			return err_wrap(e, "link");
		}
	for (size_t i = 0; i < in->n_extra; i++)
		if ((r = add_entry(&t, &in->extra[i], e)) < 0) {
			free(t.buf);
			return err_wrap(e, "--add-host");
		}
	*ret = t.buf;
	return 0;
}

static bool addr_is_loopback(const struct dns_addr *a)
{
	if (a->family == AF_INET)
		return (ntohl(a->v4.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->v6);
}

static void add_search_options(struct text *t, const struct dns_resolv_conf *host, bool ndots0)
{
	if (host && host->search && host->search[0]) {
		text_add(t, "search");
		for (char **s = host->search; *s; s++)
			text_add(t, " %s", *s);
		text_add(t, "\n");
	}
	bool any = false;
	for (char **o = host ? host->options : NULL; o && *o; o++) {
		if (ndots0 && !strncmp(*o, "ndots:", 6))
			continue;
		text_add(t, "%s %s", any ? "" : "options", *o);
		any = true;
	}
	if (ndots0) {
		text_add(t, "%s ndots:0", any ? "" : "options");
		any = true;
	}
	if (any)
		text_add(t, "\n");
}

int dns_render_resolv_conf(const struct dns_resolv_input *in, char **ret, struct err *e)
{
	struct text t = { 0 };
	char ab[INET6_ADDRSTRLEN];
	size_t written = 0;

	if (in->embedded) {
		if (!addr_str(in->embedded, ab))
			return err_setx(e, EINVAL, "embedded DNS address of unknown family");
		text_add(&t, "nameserver %s\n", ab);
		written = 1;
	} else if (in->n_dns) {
		for (size_t i = 0; i < in->n_dns; i++, written++) {
			if (!addr_str(&in->dns[i], ab)) {
				free(t.buf);
				return err_setx(e, EINVAL, "--dns address of unknown family");
			}
			text_add(&t, "nameserver %s\n", ab);
		}
	} else {
		for (size_t i = 0; in->host && i < in->host->n_ns; i++) {
			if ((!in->keep_loopback && addr_is_loopback(&in->host->ns[i])) || !addr_str(&in->host->ns[i], ab))
				continue;
			text_add(&t, "nameserver %s\n", ab);
			written++;
		}
		if (!written && in->fallback && addr_str(in->fallback, ab)) {
			text_add(&t, "nameserver %s\n", ab);
			written++;
		}
	}
	if (!written) {
		free(t.buf);
		return err_setx(e, EINVAL, "no usable nameserver for the container's resolv.conf");
	}
	add_search_options(&t, in->host, in->embedded != NULL);
	*ret = t.buf;
	return 0;
}
