/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bounded YAML tree from libyaml's event parser; see ytree.h. */
#include <yaml.h>
#include "ytree.h"

#define MAX_ANCHORS 1000
#define MAX_KEYS 10000		/* per mapping, merged keys included */
#define MAX_MERGE_WORK 20000000 /* key comparisons spent on merge keys */

struct anchor {
	char *name;
	struct ynode *node;
};

struct frame {
	struct ynode *node;
	char *anchor;
	size_t cap;
};

struct loader {
	struct ydoc *doc;
	struct err *e;
	struct frame stack[TOPO_MAX_DEPTH + 1];
	size_t depth;
	struct anchor anchors[MAX_ANCHORS];
	size_t n_anchors;
	size_t weight; /* what a full walk of the document visits so far */
	size_t merge_work;
	unsigned documents;
};

static struct topo_mark to_mark(yaml_mark_t m)
{
	return (struct topo_mark){.line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1};
}

static int fail_at(struct loader *l, struct topo_mark m, const char *fmt, ...) _printf_(3, 4);
static int fail_at(struct loader *l, struct topo_mark m, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_setx(l->e, EINVAL, "%s:%u:%u: %s", l->doc->name, m.line, m.col, msg);
}

static struct ynode *node_new(struct loader *l, enum ynode_type type, struct topo_mark m)
{
	struct ydoc *d = l->doc;
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->mark = m;
	n->weight = 1;
	if (d->n_all == d->cap_all) {
		d->cap_all = d->cap_all ? d->cap_all * 2 : 64;
		d->all = xrealloc(d->all, d->cap_all * sizeof(*d->all));
	}
	d->all[d->n_all++] = n;
	return n;
}

static void push_item(struct frame *f, struct ynode *item)
{
	struct ynode *n = f->node;
	if (n->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		n->items = xrealloc(n->items, f->cap * sizeof(*n->items));
	}
	n->items[n->n++] = item;
}

static int add_weight(struct loader *l, size_t w, struct topo_mark m)
{
	if (w > TOPO_MAX_WEIGHT || l->weight + w > TOPO_MAX_WEIGHT)
		return fail_at(l, m, "document too large after alias expansion (over %u nodes)", TOPO_MAX_WEIGHT);
	l->weight += w;
	return 0;
}

static int register_anchor(struct loader *l, const char *name, struct ynode *n, struct topo_mark m)
{
	if (!name)
		return 0;
	if (l->n_anchors == MAX_ANCHORS)
		return fail_at(l, m, "too many anchors (the limit is %d)", MAX_ANCHORS);
	l->anchors[l->n_anchors].name = xstrdup(name);
	l->anchors[l->n_anchors].node = n;
	l->n_anchors++;
	return 0;
}

/* Attach a finished node to the open collection (or make it the root). */
static int attach(struct loader *l, struct ynode *n)
{
	if (l->depth == 0) {
		l->doc->root = n;
		return 0;
	}
	struct frame *f = &l->stack[l->depth - 1];
	if (f->node->type == Y_MAP && f->node->n % 2 == 0 && n->type != Y_SCALAR)
		return fail_at(l, n->mark, "mapping keys must be plain strings, not a %s", ynode_type_name(n));
	push_item(f, n);
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct ynode *x = *(struct ynode *const *)a, *y = *(struct ynode *const *)b;
	int r = strcmp(x->str, y->str);
	if (r)
		return r;
	return x->mark.line != y->mark.line ? (x->mark.line < y->mark.line ? -1 : 1)
					    : (x->mark.col < y->mark.col ? -1 : x->mark.col > y->mark.col);
}

static bool mark_before(struct topo_mark a, struct topo_mark b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static bool is_merge_key(const struct ynode *k)
{
	return k->type == Y_SCALAR && strcmp(k->str, "<<") == 0;
}

/* Duplicate keys: sort the keys (by text, then position) and report the
 * earliest second occurrence, naming where the key first appeared. */
static int check_duplicates(struct loader *l, struct ynode *map)
{
	size_t nk = map->n / 2, j = 0, run = 0;
	struct ynode *dup = NULL, *first = NULL;
	if (nk > MAX_KEYS)
		return fail_at(l, map->mark, "mapping with more than %d keys", MAX_KEYS);
	if (nk < 2)
		return 0;
	_cleanup_free_ struct ynode **keys = xmalloc(nk * sizeof(*keys));
	for (size_t i = 0; i < nk; i++)
		if (!is_merge_key(map->items[2 * i]))
			keys[j++] = map->items[2 * i];
	qsort(keys, j, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < j; i++) {
		if (strcmp(keys[i]->str, keys[run]->str) != 0) {
			run = i;
			continue;
		}
		if (i == run + 1 && (!dup || mark_before(keys[i]->mark, dup->mark))) {
			dup = keys[i];
			first = keys[run];
		}
	}
	if (dup)
		return fail_at(l, dup->mark, "duplicate key \"%s\" (first at line %u, column %u)", dup->str,
			       first->mark.line, first->mark.col);
	return 0;
}

static bool map_has(const struct ynode **pairs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i += 2)
		if (strcmp(pairs[i]->str, key) == 0)
			return true;
	return false;
}

static int merge_one(struct loader *l, struct frame *f, const struct ynode *src, struct topo_mark m,
		     const struct ynode ***out, size_t *n_out)
{
	if (src->type != Y_MAP)
		return fail_at(l, m, "a merge key (<<) takes a mapping or a list of mappings, not a %s",
			       ynode_type_name(src));
	if (*n_out / 2 + src->n / 2 > MAX_KEYS)
		return fail_at(l, m, "mapping with more than %d keys after merging", MAX_KEYS);
	l->merge_work += (*n_out / 2 + 1) * (src->n / 2 + 1);
	if (l->merge_work > MAX_MERGE_WORK)
		return fail_at(l, m, "too many merge keys (<<) over large mappings");
	for (size_t i = 0; i < src->n; i += 2) {
		if (map_has(*out, *n_out, src->items[i]->str))
			continue;
		*out = xrealloc(*out, (*n_out + 2) * sizeof(**out));
		(*out)[(*n_out)++] = src->items[i];
		(*out)[(*n_out)++] = src->items[i + 1];
	}
	(void)f;
	return 0;
}

/* Resolve `<<` keys: own keys first, then merged ones not already present. */
static int resolve_merges(struct loader *l, struct frame *f)
{
	struct ynode *map = f->node;
	bool any = false;
	for (size_t i = 0; i < map->n; i += 2)
		any |= is_merge_key(map->items[i]);
	if (!any)
		return 0;
	_cleanup_free_ const struct ynode **out = xmalloc((map->n + 2) * sizeof(*out));
	size_t n_out = 0;
	for (size_t i = 0; i < map->n; i += 2)
		if (!is_merge_key(map->items[i])) {
			out[n_out++] = map->items[i];
			out[n_out++] = map->items[i + 1];
		}
	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *v = map->items[i + 1];
		int r = 0;
		if (!is_merge_key(map->items[i]))
			continue;
		if (v->type == Y_SEQ)
			for (size_t k = 0; k < v->n && r == 0; k++)
				r = merge_one(l, f, v->items[k], v->items[k]->mark, &out, &n_out);
		else
			r = merge_one(l, f, v, map->items[i]->mark, &out, &n_out);
		if (r < 0)
			return r;
	}
	free(map->items);
	map->items = (struct ynode **)TAKE_PTR(out);
	map->n = f->cap = n_out;
	return 0;
}

static int close_collection(struct loader *l)
{
	struct frame *f = &l->stack[--l->depth];
	struct ynode *n = f->node;
	int r;
	if (n->type == Y_MAP) {
		r = check_duplicates(l, n);
		if (r == 0)
			r = resolve_merges(l, f);
		if (r < 0)
			goto out;
	}
	n->weight = 1;
	for (size_t i = 0; i < n->n; i++) {
		n->weight += n->items[i]->weight;
		if (n->weight > TOPO_MAX_WEIGHT) {
			r = fail_at(l, n->mark, "document too large after alias expansion (over %u nodes)",
				    TOPO_MAX_WEIGHT);
			goto out;
		}
	}
	r = register_anchor(l, f->anchor, n, n->mark);
	if (r == 0)
		r = attach(l, n);
out:
	free(f->anchor);
	f->anchor = NULL;
	return r;
}

static int open_collection(struct loader *l, enum ynode_type type, const yaml_char_t *anchor, yaml_mark_t ym)
{
	struct topo_mark m = to_mark(ym);
	int r;
	if (l->depth == TOPO_MAX_DEPTH)
		return fail_at(l, m, "nesting deeper than %d levels", TOPO_MAX_DEPTH);
	r = add_weight(l, 1, m);
	if (r < 0)
		return r;
	l->stack[l->depth].node = node_new(l, type, m);
	l->stack[l->depth].anchor = anchor ? xstrdup((const char *)anchor) : NULL;
	l->stack[l->depth].cap = 0;
	l->depth++;
	return 0;
}

static int on_scalar(struct loader *l, const yaml_event_t *ev)
{
	struct topo_mark m = to_mark(ev->start_mark);
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct ynode *n;
	int r = add_weight(l, 1, m);
	if (r < 0)
		return r;
	if (memchr(v, '\0', len))
		return fail_at(l, m, "NUL character in a string");
	n = node_new(l, Y_SCALAR, m);
	n->str = xstrndup(v, len);
	n->null = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		  (len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") || !strcmp(n->str, "Null") ||
		   !strcmp(n->str, "NULL"));
	r = register_anchor(l, (const char *)ev->data.scalar.anchor, n, m);
	return r < 0 ? r : attach(l, n);
}

static int on_alias(struct loader *l, const yaml_event_t *ev)
{
	struct topo_mark m = to_mark(ev->start_mark);
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = l->n_anchors; i-- > 0;)
		if (strcmp(l->anchors[i].name, name) == 0) {
			int r = add_weight(l, l->anchors[i].node->weight, m);
			return r < 0 ? r : attach(l, l->anchors[i].node);
		}
	return fail_at(l, m, "unknown anchor \"%s\" (an alias must follow its complete anchor)", name);
}

static int on_event(struct loader *l, const yaml_event_t *ev, bool *done)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (l->documents++)
			return fail_at(l, to_mark(ev->start_mark), "a topology file holds one YAML document");
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(l, ev);
	case YAML_SEQUENCE_START_EVENT:
		return open_collection(l, Y_SEQ, ev->data.sequence_start.anchor, ev->start_mark);
	case YAML_MAPPING_START_EVENT:
		return open_collection(l, Y_MAP, ev->data.mapping_start.anchor, ev->start_mark);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return close_collection(l);
	case YAML_STREAM_END_EVENT:
		*done = true;
		return 0;
	default:
		return 0;
	}
}

/* Line and column (in characters) of a byte offset. */
static struct topo_mark offset_mark(const char *data, size_t off)
{
	struct topo_mark m = {1, 1};
	for (const char *p = data; p < data + off; p++) {
		if (*p == '\n') {
			m.line++;
			m.col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			m.col++;
		}
	}
	return m;
}

static int check_raw(struct loader *l, const char *data, size_t len)
{
	const char *nul = memchr(data, '\0', len);
	if (len > TOPO_MAX_FILE_SIZE)
		return err_setx(l->e, EFBIG, "%s: %zu bytes is over the limit of %u bytes for a topology file",
				l->doc->name, len, TOPO_MAX_FILE_SIZE);
	if (!nul)
		return 0;
	return fail_at(l, offset_mark(data, (size_t)(nul - data)), "NUL character: a topology file is text");
}

int ydoc_load(struct ydoc *d, const char *data, size_t len, const char *name, struct err *e)
{
	struct loader *l = xcalloc(1, sizeof(*l));
	yaml_parser_t parser;
	bool done = false;
	int r;

	memset(d, 0, sizeof(*d));
	d->name = name;
	l->doc = d;
	l->e = e;
	r = check_raw(l, data, len);
	if (r < 0) {
		free(l);
		return r;
	}
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done && r == 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_READER_ERROR) { /* no mark: a byte offset */
				r = fail_at(l, offset_mark(data, parser.problem_offset), "%s",
					    parser.problem ? parser.problem : "invalid input");
				break;
			}
			r = fail_at(l, to_mark(parser.problem_mark), "%s%s%s", parser.context ? parser.context : "",
				    parser.context ? ": " : "", parser.problem ? parser.problem : "invalid YAML");
			break;
		}
		r = on_event(l, &ev, &done);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	for (size_t i = 0; i < l->depth; i++)
		free(l->stack[i].anchor);
	for (size_t i = 0; i < l->n_anchors; i++)
		free(l->anchors[i].name);
	free(l);
	if (r < 0)
		ydoc_free(d);
	return r;
}

void ydoc_free(struct ydoc *d)
{
	for (size_t i = 0; i < d->n_all; i++) {
		free(d->all[i]->str);
		free(d->all[i]->items);
		free(d->all[i]);
	}
	free(d->all);
	d->all = NULL;
	d->n_all = d->cap_all = 0;
	d->root = NULL;
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i += 2)
		if (strcmp(map->items[i]->str, key) == 0)
			return map->items[i + 1];
	return NULL;
}

const char *ynode_type_name(const struct ynode *n)
{
	switch (n->type) {
	case Y_SCALAR:
		return "string";
	case Y_SEQ:
		return "list";
	default:
		return "mapping";
	}
}
