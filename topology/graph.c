/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The topology as a picture: DOT written here, SVG laid out and rendered by
 * Graphviz's library (libgvc, the "dot" engine), HTML a page embedding it. */
#include <dlfcn.h>
#include <pthread.h>
#include <graphviz/gvc.h>
#include "topology.h"

/* libgvc is loaded when an SVG is first asked for, not linked: linking it
 * would make every pontoon command load Graphviz and its dependencies. The
 * pointers have the types of Graphviz's own declarations. */
#define GVC_FUNCS(X) X(gvContext) X(gvFreeContext) X(gvLayout) X(gvFreeLayout) \
	X(gvRenderData) X(gvFreeRenderData) X(agmemread) X(agclose)
static struct {
#define X(f) __typeof__(f) *f;
	GVC_FUNCS(X)
#undef X
} gv;
static const char *gv_error;
static pthread_once_t gv_once = PTHREAD_ONCE_INIT;

static void gv_load(void)
{
	/* Debian 12's soname; the unversioned name where the -dev package is installed */
	void *h = dlopen("libgvc.so.6", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libgvc.so", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		gv_error = xstrdup(dlerror());
		return;
	}
	/* agmemread and agclose come from libcgraph, a dependency of libgvc:
	 * dlsym on the handle searches its dependencies too */
#define X(f) \
	*(void **)&gv.f = dlsym(h, #f); \
	if (!gv.f) { \
		gv_error = "missing symbol " #f; \
		return; \
	}
	GVC_FUNCS(X)
#undef X
}

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
/* Graphviz 2.43 and fontconfig keep caches they never free, even after
 * gvFreeContext(); LeakSanitizer reads this when the sanitizer builds exit.
 * Only frames inside those two libraries are exempt. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\nleak:libcgraph.so\nleak:libfontconfig.so\n";
}
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	buf_add(b, s, strlen(s));
	free(s);
}

/* A DOT double-quoted string's contents: quotes and backslashes escaped,
 * control characters dropped (names and images come from the file). */
static void dot_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_add(b, "\\", 1);
		if ((unsigned char)*s >= 0x20)
			buf_add(b, s, 1);
	}
}

static void dot_quoted(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	dot_escape(b, s);
	buf_add(b, "\"", 1);
}

static void dot_node(struct buf *b, const struct topo_node *n, const char *indent)
{
	buf_add(b, indent, strlen(indent));
	dot_quoted(b, n->name);
	if (n->kind == TOPO_KIND_BRIDGE) {
		buf_printf(b, " [shape=ellipse, style=filled, fillcolor=\"#f6e3b4\", label=\"");
		dot_escape(b, n->name);
		buf_printf(b, "\\nbridge\"];\n");
		return;
	}
	buf_printf(b, " [shape=box, style=\"rounded,filled\", fillcolor=\"#d7e8f7\", label=\"");
	dot_escape(b, n->name);
	buf_add(b, "\\n", 2);
	dot_escape(b, n->image);
	if (n->mgmt_ipv4) {
		buf_add(b, "\\n", 2);
		dot_escape(b, n->mgmt_ipv4);
	}
	if (n->mgmt_ipv6) {
		buf_add(b, "\\n", 2);
		dot_escape(b, n->mgmt_ipv6);
	}
	buf_printf(b, "\"];\n");
}

/* Nodes grouped by `group` into clusters, the rest at top level. */
static void dot_nodes(struct buf *b, const struct topo *t)
{
	for (size_t i = 0; i < t->n_nodes; i++) {
		const char *g = t->nodes[i].group;
		bool first = true;
		if (!g)
			continue;
		for (size_t k = 0; k < i && first; k++)
			first = !(t->nodes[k].group && !strcmp(t->nodes[k].group, g));
		if (!first)
			continue;
		buf_printf(b, "\tsubgraph \"cluster_%zu\" {\n\t\tlabel=", i);
		dot_quoted(b, g);
		buf_printf(b, ";\n\t\tstyle=\"rounded,dashed\";\n\t\tcolor=\"#9aa7b4\";\n");
		for (size_t k = i; k < t->n_nodes; k++)
			if (t->nodes[k].group && !strcmp(t->nodes[k].group, g))
				dot_node(b, &t->nodes[k], "\t\t");
		buf_printf(b, "\t}\n");
	}
	for (size_t i = 0; i < t->n_nodes; i++)
		if (!t->nodes[i].group)
			dot_node(b, &t->nodes[i], "\t");
}

char *topo_graph_dot(const struct topo *t)
{
	struct buf b = {0};
	buf_printf(&b, "graph ");
	dot_quoted(&b, t->name);
	buf_printf(&b, " {\n\tgraph [label=\"lab ");
	dot_escape(&b, t->name);
	buf_printf(&b, "\", labelloc=t, fontname=\"Helvetica\", fontsize=16, nodesep=0.6, ranksep=1.0];\n"
		       "\tnode [fontname=\"Helvetica\", fontsize=11];\n"
		       "\tedge [fontname=\"Helvetica\", fontsize=9, labelfontsize=9, labeldistance=2.2, "
		       "color=\"#44546a\"];\n");
	dot_nodes(&b, t);
	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		buf_add(&b, "\t", 1);
		dot_quoted(&b, l->ep[0].node);
		buf_add(&b, " -- ", 4);
		dot_quoted(&b, l->ep[1].node);
		buf_add(&b, " [taillabel=", 12);
		dot_quoted(&b, l->ep[0].ifname);
		buf_add(&b, ", headlabel=", 12);
		dot_quoted(&b, l->ep[1].ifname);
		if (l->mtu)
			buf_printf(&b, ", label=\"mtu %u\"", l->mtu);
		buf_printf(&b, "];\n");
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		if (n->netmode_node < 0)
			continue;
		buf_add(&b, "\t", 1);
		dot_quoted(&b, n->name);
		buf_add(&b, " -- ", 4);
		dot_quoted(&b, t->nodes[n->netmode_node].name);
		buf_printf(&b, " [style=dashed, label=\"shared netns\"];\n");
	}
	buf_printf(&b, "}\n");
	return b.s;
}

int topo_graph_svg(const struct topo *t, char **ret, size_t *ret_len, struct err *e)
{
	_cleanup_free_ char *dot = topo_graph_dot(t);
	GVC_t *gvc;
	Agraph_t *g;
	char *data = NULL;
	unsigned int len = 0;
	int r = 0;

	pthread_once(&gv_once, gv_load);
	if (gv_error)
		return err_setx(e, ELIBACC, "cannot load Graphviz's library (package libgvc6): %s", gv_error);
	gvc = gv.gvContext();
	if (!gvc)
		return err_setx(e, ENOMEM, "graphviz: cannot create a context");
	g = gv.agmemread(dot);
	if (!g) {
		gv.gvFreeContext(gvc);
		return err_setx(e, EINVAL, "graphviz: cannot read the generated graph");
	}
	if (gv.gvLayout(gvc, g, "dot") != 0) {
		r = err_setx(e, EIO, "graphviz: layout failed (is the \"dot\" layout plugin installed?)");
	} else {
		if (gv.gvRenderData(gvc, g, "svg", &data, &len) != 0 || !data)
			r = err_setx(e, EIO, "graphviz: SVG rendering failed");
		else {
			*ret = xstrndup(data, len);
			*ret_len = len;
		}
		if (data)
			gv.gvFreeRenderData(data);
		gv.gvFreeLayout(gvc, g);
	}
	gv.agclose(g);
	gv.gvFreeContext(gvc);
	return r;
}

static void html_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			buf_printf(b, "&amp;");
			break;
		case '<':
			buf_printf(b, "&lt;");
			break;
		case '>':
			buf_printf(b, "&gt;");
			break;
		case '"':
			buf_printf(b, "&quot;");
			break;
		default:
			buf_add(b, s, 1);
		}
	}
}

static void html_cell(struct buf *b, const char *s)
{
	buf_printf(b, "<td>");
	html_escape(b, s ? s : "");
	buf_printf(b, "</td>");
}

static void html_tables(struct buf *b, const struct topo *t)
{
	buf_printf(b, "<h2>Nodes</h2>\n<table>\n<tr><th>node</th><th>kind</th><th>container</th><th>image</th>"
		      "<th>mgmt IPv4</th><th>mgmt IPv6</th></tr>\n");
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		_cleanup_free_ char *c = n->kind == TOPO_KIND_LINUX ? topo_container_name(t, n->name) : NULL;
		buf_printf(b, "<tr>");
		html_cell(b, n->name);
		html_cell(b, topo_kind_name(n->kind));
		html_cell(b, c);
		html_cell(b, n->image);
		html_cell(b, n->mgmt_ipv4);
		html_cell(b, n->mgmt_ipv6);
		buf_printf(b, "</tr>\n");
	}
	buf_printf(b, "</table>\n<h2>Links</h2>\n<table>\n<tr><th>a</th><th>b</th><th>MTU</th></tr>\n");
	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		_cleanup_free_ char *a = xasprintf("%s:%s", l->ep[0].node, l->ep[0].ifname);
		_cleanup_free_ char *z = xasprintf("%s:%s", l->ep[1].node, l->ep[1].ifname);
		_cleanup_free_ char *mtu = xasprintf("%u", l->mtu ? l->mtu : TOPO_DEFAULT_LINK_MTU);
		buf_printf(b, "<tr>");
		html_cell(b, a);
		html_cell(b, z);
		html_cell(b, mtu);
		buf_printf(b, "</tr>\n");
	}
	buf_printf(b, "</table>\n");
}

int topo_graph_html(const struct topo *t, char **ret, size_t *ret_len, struct err *e)
{
	_cleanup_free_ char *svg = NULL;
	size_t svg_len;
	struct buf b = {0};
	const char *start;
	int r = topo_graph_svg(t, &svg, &svg_len, e);
	if (r < 0)
		return r;
	start = strstr(svg, "<svg"); /* drop the XML prolog and doctype: the page is HTML */
	buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>lab ");
	html_escape(&b, t->name);
	buf_printf(&b, "</title>\n<style>\n"
		       "body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #1f2933; }\n"
		       "svg { max-width: 100%%; height: auto; }\n"
		       "table { border-collapse: collapse; margin-bottom: 2em; }\n"
		       "th, td { border: 1px solid #cbd2d9; padding: 0.3em 0.8em; text-align: left; }\n"
		       "th { background: #eef2f6; }\n"
		       "</style>\n</head>\n<body>\n<h1>lab ");
	html_escape(&b, t->name);
	buf_printf(&b, "</h1>\n<div class=\"graph\">\n%s\n</div>\n", start ? start : svg);
	html_tables(&b, t);
	buf_printf(&b, "</body>\n</html>\n");
	*ret_len = b.len;
	*ret = b.s;
	return 0;
}
