/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Node definitions (defaults, kinds, groups, nodes) and their inheritance,
 * as containerlab applies it (types/topology.go): a scalar comes from the node,
 * else its group, else its kind, else the defaults; env and labels merge
 * (node wins); binds merge by container path (node wins); env-files merge;
 * exec lists concatenate (defaults, kind, group, node); ports come whole from
 * the most specific level that has any; mgmt-ipv4/-ipv6 only from the node. */
#include <arpa/inet.h>
#include <ctype.h>
#include "dns.h"
#include "internal.h"

#define MAX_MERGE_WORK 50000000 /* string comparisons spent on inheritance */

enum ftype { F_STR, F_UINT, F_LIST, F_STRLIST, F_MAP };

struct field {
	const char *key;
	enum ftype type;
	size_t off;
};

#define FIELD(k, t, m)                                                                                                 \
	{                                                                                                              \
		k, t, offsetof(struct def, m)                                                                          \
	}
static const struct field fields[] = {
    FIELD("kind", F_STR, kind),
    FIELD("group", F_STR, group),
    FIELD("image", F_STR, image),
    FIELD("cmd", F_STR, cmd),
    FIELD("entrypoint", F_STR, entrypoint),
    FIELD("network-mode", F_STR, network_mode),
    FIELD("mgmt-ipv4", F_STR, mgmt_ipv4),
    FIELD("mgmt-ipv6", F_STR, mgmt_ipv6),
    FIELD("exec", F_STRLIST, exec),
    FIELD("binds", F_LIST, binds),
    FIELD("ports", F_LIST, ports),
    FIELD("env-files", F_LIST, env_files),
    FIELD("extra-hosts", F_LIST, extra_hosts),
    FIELD("env", F_MAP, env),
    FIELD("labels", F_MAP, labels),
    FIELD("startup-delay", F_UINT, startup_delay),
};

/* containerlab keys without effect on a Linux-container lab: accepted, with a warning. */
static const char *const ignored_keys[] = {
    "type",
    "image-pull-policy",
    "license",
    "startup-config",
    "enforce-startup-config",
    "suppress-startup-config",
    "auto-remove",
    "config",
    "certificate",
    "sandbox",
    "kernel",
    "runtime",
    "position",
    NULL,
};
/* containerlab keys that would change the container, which pontoon cannot honour yet. */
static const char *const unsupported_keys[] = {
    "user",	   "hostname",	 "volumes",	   "dns",
    "memory",	   "cpu",	 "cpu-set",	   "shm-size",
    "devices",	   "cap-add",	 "sysctls",	   "stages",
    "healthcheck", "aliases",	 "wait-for",	   "extras",
    "publish",	   "components", "restart-policy", "cgroupns-mode",
    "pid-mode",	   "tmpfs",	 "security-opts",  "privileged",
    NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

/* A Linux interface name: 1-15 bytes, no '/', ':' or whitespace, not "." or "..". */
bool valid_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static int check_field_type(struct parser *p, const struct field *f, const struct ynode *v, struct def *d)
{
	const struct ynode **slot = (const struct ynode **)((char *)d + f->off);
	uint64_t u;

	if (v->type == Y_SCALAR && v->null)
		return 0; /* unset */
	switch (f->type) {
	case F_STR:
		if (v->type != Y_SCALAR)
			return perr(p, v->mark, "\"%s\" must be a string, not a %s", f->key, ynode_type_name(v));
		break;
	case F_UINT:
		if (v->type != Y_SCALAR || parse_uint(v->str, 0, 86400, &u) < 0)
			return perr(p, v->mark, "\"%s\" must be a number of seconds from 0 to 86400", f->key);
		d->startup_delay = (unsigned)u;
		return 0;
	case F_STRLIST:
		if (v->type == Y_SCALAR)
			break;
		__attribute__((fallthrough));
	case F_LIST:
		if (v->type != Y_SEQ)
			return perr(p, v->mark, "\"%s\" must be a list of strings, not a %s", f->key,
				    ynode_type_name(v));
		for (size_t i = 0; i < v->n; i++)
			if (v->items[i]->type != Y_SCALAR || v->items[i]->null)
				return perr(p, v->items[i]->mark, "\"%s\" must be a list of strings", f->key);
		break;
	case F_MAP:
		if (v->type != Y_MAP)
			return perr(p, v->mark, "\"%s\" must be a mapping, not a %s", f->key, ynode_type_name(v));
		for (size_t i = 0; i < v->n; i += 2)
			if (v->items[i + 1]->type != Y_SCALAR)
				return perr(p, v->items[i + 1]->mark, "\"%s\": the value of \"%s\" must be a string",
					    f->key, v->items[i]->str);
		break;
	}
	*slot = v;
	return 0;
}

static int check_bind(struct parser *p, const struct ynode *b)
{
	const char *s = b->str, *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || c1 == s || c1[1] != '/' || (c2 && (!c2[1] || strchr(c2 + 1, ':'))))
		return perr(p, b->mark, "bind \"%s\" must be SOURCE:/CONTAINER/PATH[:OPTIONS]", s);
	return 0;
}

/* [IP:][HOSTPORT:]PORT[/tcp|udp|sctp], ports or ranges: the shape only; the
 * port mapper checks the rest when it applies them. */
static int check_port(struct parser *p, const struct ynode *n)
{
	const char *s = n->str, *slash = strrchr(s, '/'), *last = strrchr(s, ':');
	const char *port = last ? last + 1 : s;
	size_t len = slash ? (size_t)(slash - port) : strlen(port);
	if (slash && strcmp(slash, "/tcp") && strcmp(slash, "/udp") && strcmp(slash, "/sctp"))
		goto bad;
	if (len == 0 || strspn(port, "0123456789-") < len)
		goto bad;
	return 0;
bad:
	return perr(p, n->mark, "port \"%s\" must be [IP:]HOSTPORT:PORT[/tcp|udp|sctp]", s);
}

static int check_netmode(struct parser *p, const struct ynode *n)
{
	const char *s = n->str;
	if (!strcmp(s, "none") || !strcmp(s, "host"))
		return 0;
	if (!strncmp(s, "container:", 10) && valid_name(s + 10))
		return 0;
	return perr(p, n->mark, "network-mode \"%s\" must be none, host or container:NAME", s);
}

static int check_values(struct parser *p, const struct def *d)
{
	int r = 0;
	if (d->mgmt_ipv4 && !addr_parse(d->mgmt_ipv4->str, AF_INET, NULL))
		return perr(p, d->mgmt_ipv4->mark, "mgmt-ipv4 \"%s\" is not an IPv4 address", d->mgmt_ipv4->str);
	if (d->mgmt_ipv6 && !addr_parse(d->mgmt_ipv6->str, AF_INET6, NULL))
		return perr(p, d->mgmt_ipv6->mark, "mgmt-ipv6 \"%s\" is not an IPv6 address", d->mgmt_ipv6->str);
	if (d->network_mode)
		r = check_netmode(p, d->network_mode);
	for (size_t i = 0; r == 0 && d->binds && i < d->binds->n; i++)
		r = check_bind(p, d->binds->items[i]);
	for (size_t i = 0; r == 0 && d->ports && i < d->ports->n; i++)
		r = check_port(p, d->ports->items[i]);
	for (size_t i = 0; r == 0 && d->extra_hosts && i < d->extra_hosts->n; i++) {
		struct err he = { 0 };
		const struct ynode *h = d->extra_hosts->items[i];
		if (dns_extra_host_parse(h->str, NULL, NULL, &he) < 0)
			r = perr(p, h->mark, "extra-hosts: %s", err_msg(&he));
	}
	for (size_t i = 0; r == 0 && d->env && i < d->env->n; i += 2) {
		const struct ynode *k = d->env->items[i];
		if (!k->str[0] || strchr(k->str, '='))
			r = perr(p, k->mark, "environment variable name \"%s\" is empty or holds '='", k->str);
	}
	return r;
}

int parse_def(struct parser *p, const struct ynode *n, const char *what, struct def *d)
{
	memset(d, 0, sizeof(*d));
	if (!n || (n->type == Y_SCALAR && n->null))
		return 0;
	d->mark = n->mark;
	if (n->type != Y_MAP)
		return perr(p, n->mark, "%s must be a mapping, not a %s", what, ynode_type_name(n));
	for (size_t i = 0; i < n->n; i += 2) {
		const struct ynode *k = n->items[i], *v = n->items[i + 1];
		const struct field *f = NULL;
		int r;
		for (size_t j = 0; j < ARRAY_SIZE(fields) && !f; j++)
			if (!strcmp(fields[j].key, k->str))
				f = &fields[j];
		if (f) {
			r = check_field_type(p, f, v, d);
			if (r < 0)
				return r;
		} else if (in_list(ignored_keys, k->str)) {
			pwarn(p, k->mark, "%s: \"%s\" has no effect on a pontoon lab; ignored", what, k->str);
		} else if (in_list(unsupported_keys, k->str)) {
			return perr(p, k->mark, "%s: \"%s\" is not supported by pontoon", what, k->str);
		} else {
			return perr(p, k->mark, "%s: unknown key \"%s\"", what, k->str);
		}
	}
	return check_values(p, d);
}

/* ---- inheritance ------------------------------------------------------------ */

static const struct def *find_def(const struct named_def *defs, size_t n, const char *name)
{
	static const struct def empty;
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(defs[i].name, name))
			return &defs[i].def;
	return &empty;
}

static const char *str_of(const struct ynode *n)
{
	return n ? n->str : NULL;
}

#define FIRST(levels, field)                                                                                           \
	({                                                                                                             \
		const struct ynode *_v = NULL;                                                                         \
		for (int _i = 0; _i < 4 && !_v; _i++)                                                                  \
			_v = (levels)[_i]->field;                                                                      \
		_v;                                                                                                    \
	})

static char *resolve_path(const struct topo *t, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	if (path[0] == '~' && path[1] == '/' && getenv("HOME"))
		return xasprintf("%s/%s", getenv("HOME"), path + 2);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return xasprintf("%s/%s", t->dir, path);
}

/* Binds from defaults to node, indexed by container path: later levels replace. */
static void merge_binds(const struct topo *t, const struct def *const levels[4], struct topo_node *out)
{
	for (int l = 3; l >= 0; l--) {
		const struct ynode *b = levels[l]->binds;
		for (size_t i = 0; b && i < b->n; i++) {
			const char *s = b->items[i]->str, *dst = strchr(s, ':') + 1;
			size_t dlen = strcspn(dst, ":");
			_cleanup_free_ char *src = xstrndup(s, (size_t)(dst - 1 - s));
			_cleanup_free_ char *abs = resolve_path(t, src);
			char *bind = xasprintf("%s:%s", abs, dst);
			size_t k = 0, n = strv_len(out->binds);
			for (; k < n; k++) {
				const char *od = strchr(out->binds[k], ':') + 1;
				if (strcspn(od, ":") == dlen && !strncmp(od, dst, dlen))
					break;
			}
			if (k < n) {
				free(out->binds[k]);
				out->binds[k] = bind;
			} else {
				strv_push(&out->binds, bind);
				free(bind);
			}
		}
	}
}

void kv_set(struct topo_kv **kv, size_t *n, const char *key, const char *value)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*kv)[i].key, key)) {
			free((*kv)[i].value);
			(*kv)[i].value = xstrdup(value);
			return;
		}
	*kv = xrealloc(*kv, (*n + 1) * sizeof(**kv));
	(*kv)[*n].key = xstrdup(key);
	(*kv)[*n].value = xstrdup(value);
	(*n)++;
}

static void merge_map(const struct def *const levels[4], size_t off, struct topo_kv **kv, size_t *n)
{
	for (int l = 3; l >= 0; l--) {
		const struct ynode *m = *(const struct ynode *const *)((const char *)levels[l] + off);
		for (size_t i = 0; m && i < m->n; i += 2)
			kv_set(kv, n, m->items[i]->str, m->items[i + 1]->null ? "" : m->items[i + 1]->str);
	}
}

static void merge_lists(const struct topo *t, const struct def *const levels[4], struct topo_node *out)
{
	for (int l = 3; l >= 0; l--) {
		const struct ynode *x = levels[l]->exec, *ef = levels[l]->env_files;
		if (x && x->type == Y_SCALAR)
			strv_push(&out->exec, x->str);
		for (size_t i = 0; x && x->type == Y_SEQ && i < x->n; i++)
			strv_push(&out->exec, x->items[i]->str);
		for (size_t i = 0; ef && i < ef->n; i++) {
			_cleanup_free_ char *path = resolve_path(t, ef->items[i]->str);
			if (!strv_contains(out->env_files, path))
				strv_push(&out->env_files, path);
		}
		/* extra-hosts: every level's, defaults first, each once */
		for (size_t i = 0; levels[l]->extra_hosts && i < levels[l]->extra_hosts->n; i++)
			if (!strv_contains(out->extra_hosts, levels[l]->extra_hosts->items[i]->str))
				strv_push(&out->extra_hosts, levels[l]->extra_hosts->items[i]->str);
	}
	for (int l = 0; l < 4; l++) {
		const struct ynode *pl = levels[l]->ports;
		if (pl && pl->n > 0) {
			for (size_t i = 0; i < pl->n; i++)
				strv_push(&out->ports, pl->items[i]->str);
			break;
		}
	}
}

static const struct ynode *node_kind(struct parser *p, const struct def *nd)
{
	const struct ynode *k = nd->kind;
	if (!k && nd->group)
		k = find_def(p->groups, p->n_groups, nd->group->str)->kind;
	if (!k && p->defaults.group)
		k = find_def(p->groups, p->n_groups, p->defaults.group->str)->kind;
	return k ? k : p->defaults.kind;
}

static int resolve_kind(struct parser *p, const char *name, const struct def *nd, struct topo_node *out,
			const struct ynode **ret)
{
	const struct ynode *k = node_kind(p, nd);
	*ret = k;
	if (!k)
		return perr(p, nd->mark.line ? nd->mark : p->defaults.mark,
			    "node \"%s\" has no kind (set kind: linux or kind: bridge)", name);
	if (!strcmp(k->str, "linux"))
		out->kind = TOPO_KIND_LINUX;
	else if (!strcmp(k->str, "bridge"))
		out->kind = TOPO_KIND_BRIDGE;
	else
		return perr(p, k->mark, "node \"%s\": kind \"%s\" is not supported by pontoon (only linux and bridge)",
			    name, k->str);
	if (out->kind == TOPO_KIND_BRIDGE && !valid_ifname(name))
		return perr(p, nd->mark.line ? nd->mark : k->mark,
			    "bridge node \"%s\": its name is the host bridge's and must be a valid interface name "
			    "(at most 15 characters, no '/' or ':')",
			    name);
	return 0;
}

static void resolve_netmode(const char *s, struct topo_node *out)
{
	out->netmode_node = -1;
	if (!s)
		out->netmode = TOPO_NETMODE_DEFAULT;
	else if (!strcmp(s, "none"))
		out->netmode = TOPO_NETMODE_NONE;
	else if (!strcmp(s, "host"))
		out->netmode = TOPO_NETMODE_HOST;
	else {
		out->netmode = TOPO_NETMODE_CONTAINER;
		out->netmode_target = xstrdup(s + strlen("container:"));
	}
}

static char *dup_or_null(const struct ynode *n)
{
	return n ? xstrdup(n->str) : NULL;
}

static size_t n_of(const struct ynode *n, size_t per)
{
	return n ? (n->type == Y_SCALAR ? 1 : n->n / per) : 0;
}

/* Inheritance copies the defaults' lists into every node: bound what that
 * costs (entries copied; comparisons spent merging) before doing it, so a
 * small file cannot make a huge model. */
static int charge(struct parser *p, const char *name, const struct def *const levels[4], struct topo_mark m)
{
	size_t binds = 0, env = 0, labels = 0, files = 0, lists = 0, hosts = 0;
	for (int l = 0; l < 4; l++) {
		binds += n_of(levels[l]->binds, 1);
		env += n_of(levels[l]->env, 2);
		labels += n_of(levels[l]->labels, 2);
		files += n_of(levels[l]->env_files, 1);
		lists += n_of(levels[l]->exec, 1) + n_of(levels[l]->ports, 1);
		hosts += n_of(levels[l]->extra_hosts, 1);
	}
	p->copied += binds + env + labels + files + lists + hosts;
	p->work += binds * binds + env * env + labels * labels + files * files + hosts * hosts;
	if (p->copied > TOPO_MAX_WEIGHT || p->work > MAX_MERGE_WORK)
		return perr(p, m, "node \"%s\": the topology is too large once defaults, kinds and groups apply", name);
	return 0;
}

int resolve_node(struct parser *p, const char *name, const struct def *nd, struct topo_node *out)
{
	const struct ynode *kind, *group;
	const struct def *kdef, *gdef;
	int r;

	out->name = xstrdup(name);
	out->mark = nd->mark;
	r = resolve_kind(p, name, nd, out, &kind);
	if (r < 0)
		return r;
	kdef = find_def(p->kinds, p->n_kinds, kind->str);
	group = nd->group ? nd->group : kdef->group ? kdef->group : p->defaults.group;
	gdef = find_def(p->groups, p->n_groups, str_of(group));
	const struct def *const levels[4] = {nd, gdef, kdef, &p->defaults};
	r = charge(p, name, levels, nd->mark);
	if (r < 0)
		return r;

	out->group = dup_or_null(group);
	out->image = dup_or_null(FIRST(levels, image));
	out->cmd = dup_or_null(FIRST(levels, cmd));
	out->entrypoint = dup_or_null(FIRST(levels, entrypoint));
	out->mgmt_ipv4 = dup_or_null(nd->mgmt_ipv4);
	out->mgmt_ipv6 = dup_or_null(nd->mgmt_ipv6);
	resolve_netmode(str_of(FIRST(levels, network_mode)), out);
	for (int l = 0; l < 4 && !out->startup_delay; l++)
		out->startup_delay = levels[l]->startup_delay;
	merge_binds(p->t, levels, out);
	merge_lists(p->t, levels, out);
	merge_map(levels, offsetof(struct def, env), &out->env, &out->n_env);
	merge_map(levels, offsetof(struct def, labels), &out->labels, &out->n_labels);
	if (out->kind == TOPO_KIND_LINUX && !out->image)
		return perr(p, nd->mark.line ? nd->mark : p->defaults.mark, "node \"%s\" has no image", name);
	return 0;
}
