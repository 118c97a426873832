/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Environment added at start: Docker's legacy --link variables.
 *
 * The variables name the linked container's address, which is known only
 * when the linking container starts; they are not part of its configuration
 * (inspect's Config.Env does not show them, as in Docker). The CLI computes
 * them (rt_net_hooks.start_env), rt_container_start writes them to the
 * container's start-env.json, and the shim, which reads the configuration
 * the init runs with, merges them before the configured environment, which
 * wins on the same name (Docker's ReplaceOrAppendEnvValues); exec does the
 * same, so an exec'd command sees what the container's command saw.
 */
#include <ctype.h>
#include <fcntl.h>
#include "rt-internal.h"

#define START_ENV_FILE "start-env.json"

struct port {
	unsigned int num;
	char proto[8];
};

/* "80/tcp", "53/udp", "80" (tcp), "80/TCP": anything else is skipped. */
static bool port_parse(const char *s, struct port *ret)
{
	uint64_t v;
	const char *slash = strchr(s, '/');
	_cleanup_free_ char *num = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	const char *proto = slash ? slash + 1 : "tcp";
	if (parse_uint(num, 1, 65535, &v) < 0 || !*proto || strlen(proto) >= sizeof(ret->proto))
		return false;
	for (size_t i = 0; proto[i]; i++) {
		if (!isalpha((unsigned char)proto[i]))
			return false;
		ret->proto[i] = (char)tolower((unsigned char)proto[i]); /* as Docker's "80/TCP" */
	}
	ret->proto[strlen(proto)] = '\0';
	ret->num = (unsigned int)v;
	return true;
}

/* Docker's withTCPPriority: tcp first, then by protocol name, then by number. */
static int port_cmp(const void *pa, const void *pb)
{
	const struct port *a = pa, *b = pb;
	int c = strcmp(a->proto, b->proto);
	if (c == 0)
		return a->num < b->num ? -1 : a->num > b->num;
	if (strcmp(a->proto, "tcp") == 0)
		return -1;
	if (strcmp(b->proto, "tcp") == 0)
		return 1;
	return c;
}

static size_t ports_collect(char *const *ports, struct port **ret)
{
	size_t n = 0;
	struct port *v = xcalloc(strv_len(ports) + 1, sizeof(*v));
	for (size_t i = 0; ports && ports[i]; i++) {
		struct port p;
		bool dup = false;
		if (!port_parse(ports[i], &p))
			continue;
		for (size_t k = 0; k < n && !dup; k++)
			dup = v[k].num == p.num && strcmp(v[k].proto, p.proto) == 0;
		if (!dup)
			v[n++] = p;
	}
	qsort(v, n, sizeof(*v), port_cmp);
	*ret = v;
	return n;
}

static void push(char ***env, char *s)
{
	strv_push(env, s);
	free(s);
}

static void upper(char *s)
{
	for (; *s; s++)
		*s = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
}

static void port_vars(char ***env, const char *alias, const char *ip, const struct port *p)
{
	_cleanup_free_ char *up = xstrdup(p->proto);
	upper(up);
	_cleanup_free_ char *prefix = xasprintf("%s_PORT_%u_%s", alias, p->num, up);
	push(env, xasprintf("%s=%s://%s:%u", prefix, p->proto, ip, p->num));
	push(env, xasprintf("%s_ADDR=%s", prefix, ip));
	push(env, xasprintf("%s_PORT=%u", prefix, p->num));
	push(env, xasprintf("%s_PROTO=%s", prefix, p->proto));
}

static void range_vars(char ***env, const char *alias, const char *ip, const struct port *first,
		       const struct port *last)
{
	_cleanup_free_ char *up = xstrdup(first->proto);
	upper(up);
	_cleanup_free_ char *prefix = xasprintf("%s_PORT_%u_%s", alias, first->num, up);
	push(env, xasprintf("%s_START=%s://%s:%u", prefix, first->proto, ip, first->num));
	push(env, xasprintf("%s_PORT_START=%u", prefix, first->num));
	push(env, xasprintf("%s_END=%s://%s:%u", prefix, last->proto, ip, last->num));
	push(env, xasprintf("%s_PORT_END=%u", prefix, last->num));
}

char **rt_link_env(const struct rt_link_info *l)
{
	const char *base = strrchr(l->name, '/');
	_cleanup_free_ char *alias = xstrdup(base ? base + 1 : l->name);
	_cleanup_free_ struct port *ports = NULL;
	size_t n = ports_collect(l->ports, &ports);
	char **env = NULL;

	upper(alias);
	for (size_t i = 0, start = 0; i < n; i++) {
		if (i == 0)
			push(&env, xasprintf("%s_PORT=%s://%s:%u", alias, ports[0].proto, l->ip, ports[0].num));
		port_vars(&env, alias, l->ip, &ports[i]);
		/* the end of a run of consecutive ports of one protocol */
		bool next_follows = i + 1 < n && ports[i + 1].num == ports[i].num + 1 &&
				    strcmp(ports[i + 1].proto, ports[i].proto) == 0;
		if (next_follows)
			continue;
		if (i > start)
			range_vars(&env, alias, l->ip, &ports[start], &ports[i]);
		start = i + 1;
	}
	push(&env, xasprintf("%s_NAME=%s", alias, l->name));
	for (size_t i = 0; l->env && l->env[i]; i++) {
		const char *eq = strchr(l->env[i], '=');
		if (!eq || eq == l->env[i])
			continue;
		_cleanup_free_ char *key = xstrndup(l->env[i], (size_t)(eq - l->env[i]));
		if (strcmp(key, "HOME") == 0 || strcmp(key, "PATH") == 0)
			continue;
		push(&env, xasprintf("%s_ENV_%s", alias, l->env[i]));
	}
	return env;
}

static size_t key_len(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq ? (size_t)(eq - s) : strlen(s);
}

char **rt_env_merge(char *const *base, char *const *over)
{
	char **out = NULL;
	for (size_t i = 0; base && base[i]; i++)
		strv_push(&out, base[i]);
	for (size_t i = 0; over && over[i]; i++) {
		size_t k = key_len(over[i]);
		bool replaced = false;
		for (size_t j = 0; out && out[j] && !replaced; j++) {
			if (key_len(out[j]) == k && strncmp(out[j], over[i], k) == 0) {
				free(out[j]);
				out[j] = xstrdup(over[i]);
				replaced = true;
			}
		}
		if (!replaced)
			strv_push(&out, over[i]);
	}
	return out;
}

int rt_start_env_prepare(const char *root, const struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_strv_ char **env = NULL;
	int r;

	if (!c->links) /* no file then (links are fixed at create): no syscall on the common path */
		return 0;
	dir = rt_container_dir(root, c->id);
	path = path_join(dir, START_ENV_FILE);
	if (!rt_hooks.start_env) {
		if (unlink(path) < 0 && errno != ENOENT)
			return err_set(e, errno, "remove %s", path);
		return 0;
	}
	r = rt_hooks.start_env(root, c, &env, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_object *o = rt_strv_to_json(env);
	return rt_write_json(path, o, e);
}

int rt_start_env_apply(const char *root, struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *dir = rt_container_dir(root, c->id);
	_cleanup_free_ char *path = path_join(dir, START_ENV_FILE);
	_cleanup_json_ json_object *o = NULL;
	int r;

	if (!c->links)
		return 0;
	r = state_read_json(path, &o, e);
	if (r == -ENOENT) {
		err_clear(e);
		return 0;
	}
	if (r < 0)
		return r;
	if (!json_object_is_type(o, json_type_array))
		return err_setx(e, EINVAL, "%s: not an array", path);
	_cleanup_strv_ char **add = rt_strv_from_json(o);
	char **env = rt_env_merge(add, c->env);
	strv_free(c->env);
	c->env = env;
	return 0;
}
