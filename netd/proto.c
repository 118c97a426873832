/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Requests on netd's socket: strict parsing, no side effects (fuzzed). */
#include <ctype.h>
#include <limits.h>
#include "daemon.h"
#include "jsonu.h"

static const char *const ops[] = { "ping", "net.create", "net.ls", "net.inspect", "net.rm", "net.prune",
				   "attach", "detach", "release", "link.create",
				   "check", /* pontoon system check */
#ifdef PONTOON_FAULT_INJECTION
				   "debug.leak", /* test builds: allocate an address no endpoint holds */
				   "debug.fault", /* test builds: arm fault points in the daemon */
#endif
				   NULL };

int proto_parse(const char *buf, size_t len, json_object **ret_req, const char **ret_op, struct err *e)
{
	_cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new_ex(32);
	_cleanup_json_ json_object *o = NULL;
	const char *op = NULL;
	uint32_t version = 0;
	int r;

	if (len == 0)
		return err_setx(e, EINVAL, "empty request");
	if (len > NETD_MSG_MAX)
		return err_setx(e, EMSGSIZE, "request larger than %u bytes", NETD_MSG_MAX);
	if (memchr(buf, '\0', len))
		return err_setx(e, EINVAL, "request contains a NUL byte");
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success)
		return err_setx(e, EINVAL, "request is not valid JSON");
	/* nothing but white space after the object */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (!isspace((unsigned char)buf[i]))
			return err_setx(e, EINVAL, "trailing data after the request");
	if (!json_object_is_type(o, json_type_object))
		return err_setx(e, EINVAL, "request must be a JSON object");
	if ((r = ju_u32(o, "version", &version, e)) < 0 || (r = ju_str(o, "op", true, &op, e)) < 0)
		return r;
	if (version != NETD_PROTO_VERSION)
		return err_setx(e, EPROTO, "protocol version %u not supported (netd speaks %d)", version,
				NETD_PROTO_VERSION);
	for (size_t i = 0; ops[i]; i++) {
		if (strcmp(ops[i], op) == 0) {
			*ret_op = ops[i];
			*ret_req = TAKE_PTR(o);
			return 0;
		}
	}
	return err_setx(e, EOPNOTSUPP, "unknown op \"%.64s\"", op);
}

static bool container_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

static int mac_parse(const char *s, uint8_t m[6], struct err *e)
{
	unsigned int v[6];
	char end;
	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return err_setx(e, EINVAL, "invalid MAC address \"%.32s\"", s);
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	if (m[0] & 1)
		return err_setx(e, EINVAL, "invalid MAC address %s: multicast", s);
	return 0;
}

void attach_req_done(struct attach_req *a)
{
	strv_free(a->aliases);
	a->aliases = NULL;
	strv_free(a->links);
	a->links = NULL;
	free(a->ports);
	a->ports = NULL;
	strv_free(a->dns);
	a->dns = NULL;
}

static int dns_parse(json_object *req, char ***ret, struct err *e)
{
	json_object *arr;
	int r = ju_array(req, "dns", &arr, e);
	for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		struct ipam_addr a;
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v) ||
		    ipam_addr_parse(json_object_get_string(v), &a, NULL) < 0)
			r = err_setx(e, EINVAL, "invalid dns server at position %zu", i);
		else
			strv_push(ret, json_object_get_string(v));
	}
	return r;
}

static bool hostname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-.", s[i]))
			return false;
	return true;
}

static int aliases_parse(json_object *req, char ***ret, struct err *e)
{
	json_object *arr;
	int r = ju_array(req, "aliases", &arr, e);
	for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		const char *s = json_object_get_string(v);
		if (!json_object_is_type(v, json_type_string) || strlen(s) != (size_t)json_object_get_string_len(v) ||
		    !net_name_valid(s))
			r = err_setx(e, EINVAL, "invalid alias at position %zu", i);
		else
			strv_push(ret, s);
	}
	return r;
}

/* "links": ["TARGET:ALIAS", ...]: a container's name (or id) and a name. */
static int links_parse(json_object *req, char ***ret, struct err *e)
{
	json_object *arr;
	int r = ju_array(req, "links", &arr, e);
	for (size_t i = 0; r == 0 && arr && i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		const char *s = json_object_get_string(v), *colon = s ? strchr(s, ':') : NULL;
		_cleanup_free_ char *target = colon ? xstrndup(s, (size_t)(colon - s)) : NULL;
		if (!json_object_is_type(v, json_type_string) || strlen(s) != (size_t)json_object_get_string_len(v) ||
		    !colon || !net_name_valid(target) || !net_name_valid(colon + 1))
			r = err_setx(e, EINVAL, "invalid link at position %zu: use TARGET:ALIAS", i);
		else
			strv_push(ret, s);
	}
	return r;
}

/* "ports": ["8080:80", ...] (at most 4096). */
static int ports_parse(json_object *req, struct netd_port **ret, size_t *ret_n, struct err *e)
{
	json_object *arr;
	size_t n;
	int r = ju_array(req, "ports", &arr, e);
	if (r < 0 || !arr)
		return r;
	n = json_object_array_length(arr);
	if (n > 4096)
		return err_setx(e, EINVAL, "too many ports (%zu, at most 4096)", n);
	*ret = xcalloc(n + 1, sizeof(**ret));
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
			return err_setx(e, EINVAL, "\"ports\" must hold strings");
		if ((r = netd_port_parse(json_object_get_string(v), &(*ret)[i], e)) < 0)
			return r;
	}
	*ret_n = n;
	return 0;
}

/* "ip6" (protocol version 1 since --ip with --ip6): a static IPv6 address
 * beside a static IPv4 one in "ip". An "ip" that is IPv6 (the older form)
 * moves here, so that has_ip is IPv4 only from now on. */
static int static_ip6(struct attach_req *a, const char *ip6, struct err *e)
{
	int r;
	if (ip6) {
		if ((r = ipam_addr_parse(ip6, &a->ip6, e)) < 0)
			return err_wrap(e, "invalid ip6");
		if (a->ip6.family != AF_INET6)
			return err_setx(e, EINVAL, "invalid ip6 \"%.64s\": not an IPv6 address", ip6);
		if (a->has_ip && a->ip.family == AF_INET6)
			return err_setx(e, EINVAL, "two static IPv6 addresses (ip and ip6): give one");
		a->has_ip6 = true;
	} else if (a->has_ip && a->ip.family == AF_INET6) {
		a->ip6 = a->ip;
		a->has_ip6 = true;
		a->has_ip = false;
	}
	return 0;
}

int attach_parse(json_object *req, struct attach_req *ret, struct err *e)
{
	static const char *const keys[] = { "version", "op", "container", "name", "netns", "network",
					    "ip", "ip6", "aliases", "mac", "hostname", "dns", "pid", "ports", "links",
					    NULL };
	struct attach_req a = { 0 };
	const char *ip = NULL, *ip6 = NULL, *mac = NULL;
	uint32_t pid = 0;
	int r;

	if ((r = ju_only(req, keys, "attach", e)) < 0 || (r = ju_str(req, "container", true, &a.container, e)) < 0 ||
	    (r = ju_str(req, "name", true, &a.name, e)) < 0 || (r = ju_str(req, "netns", true, &a.netns, e)) < 0 ||
	    (r = ju_str(req, "network", true, &a.network, e)) < 0 || (r = ju_str(req, "ip", false, &ip, e)) < 0 ||
	    (r = ju_str(req, "mac", false, &mac, e)) < 0 || (r = ju_str(req, "hostname", false, &a.hostname, e)) < 0 ||
	    (r = ju_u32(req, "pid", &pid, e)) < 0 || (r = ju_str(req, "ip6", false, &ip6, e)) < 0)
		return r;
	if (pid > INT_MAX)
		return err_setx(e, EINVAL, "invalid pid");
	a.pid = (pid_t)pid;
	if (a.hostname && !hostname_valid(a.hostname))
		return err_setx(e, EINVAL, "invalid hostname \"%.64s\"", a.hostname);
	if (!container_id_valid(a.container))
		return err_setx(e, EINVAL, "invalid container id");
	if (!net_name_valid(a.name))
		return err_setx(e, EINVAL, "invalid container name \"%.64s\"", a.name);
	if (a.netns[0] != '/' || strlen(a.netns) >= PATH_MAX)
		return err_setx(e, EINVAL, "netns must be an absolute path");
	if (ip && (r = ipam_addr_parse(ip, &a.ip, e)) < 0)
		return err_wrap(e, "invalid ip");
	a.has_ip = ip;
	if ((r = static_ip6(&a, ip6, e)) < 0)
		return r;
	if (mac && (r = mac_parse(mac, a.mac, e)) < 0)
		return r;
	a.has_mac = mac;
	if ((r = aliases_parse(req, &a.aliases, e)) < 0 || (r = links_parse(req, &a.links, e)) < 0 ||
	    (r = dns_parse(req, &a.dns, e)) < 0 ||
	    (r = ports_parse(req, &a.ports, &a.nports, e)) < 0) {
		attach_req_done(&a);
		return r;
	}
	*ret = a;
	return 0;
}

int detach_parse(json_object *req, struct detach_req *ret, struct err *e)
{
	static const char *const keys[] = { "version", "op", "container", "network", NULL };
	struct detach_req d = { 0 };
	int r;
	if ((r = ju_only(req, keys, "detach", e)) < 0 || (r = ju_str(req, "container", true, &d.container, e)) < 0 ||
	    (r = ju_str(req, "network", true, &d.network, e)) < 0)
		return r;
	if (!container_id_valid(d.container))
		return err_setx(e, EINVAL, "invalid container id");
	*ret = d;
	return 0;
}

int release_parse(json_object *req, const char **ret, struct err *e)
{
	static const char *const keys[] = { "version", "op", "container", NULL };
	int r;
	if ((r = ju_only(req, keys, "release", e)) < 0 || (r = ju_str(req, "container", true, ret, e)) < 0)
		return r;
	if (!container_id_valid(*ret))
		return err_setx(e, EINVAL, "invalid container id");
	return 0;
}

static int names_array(json_object *req, char ***ret, struct err *e)
{
	json_object *arr;
	char **v = NULL;
	int r;
	if ((r = ju_array(req, "names", &arr, e)) < 0)
		return r;
	if (!arr || json_object_array_length(arr) == 0)
		return err_setx(e, EINVAL, "\"names\" must list at least one network");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *s = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(s, json_type_string) ||
		    strlen(json_object_get_string(s)) != (size_t)json_object_get_string_len(s)) {
			strv_free(v);
			return err_setx(e, EINVAL, "\"names\" must hold strings");
		}
		strv_push(&v, json_object_get_string(s));
	}
	*ret = v;
	return 0;
}

int names_parse(json_object *req, char ***ret, struct err *e)
{
	static const char *const keys[] = { "version", "op", "names", NULL };
	int r = ju_only(req, keys, "request", e);
	return r < 0 ? r : names_array(req, ret, e);
}

/* One "static" element: null, or {ip?, ip6?} (an IPv4 and an IPv6 address). */
static int static_one(json_object *o, unsigned *ret, struct err *e)
{
	static const char *const keys[] = { "ip", "ip6", NULL };
	const char *ip = NULL, *ip6 = NULL;
	struct ipam_addr a;
	int r;
	*ret = 0;
	if (!o || json_object_is_type(o, json_type_null))
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return err_setx(e, EINVAL, "\"static\" must hold objects or null");
	if ((r = ju_only(o, keys, "static", e)) < 0 || (r = ju_str(o, "ip", false, &ip, e)) < 0 ||
	    (r = ju_str(o, "ip6", false, &ip6, e)) < 0)
		return r;
	if (ip && (ipam_addr_parse(ip, &a, NULL) < 0 || a.family != AF_INET))
		return err_setx(e, EINVAL, "invalid static ip \"%.64s\": not an IPv4 address", ip);
	if (ip6 && (ipam_addr_parse(ip6, &a, NULL) < 0 || a.family != AF_INET6))
		return err_setx(e, EINVAL, "invalid static ip6 \"%.64s\": not an IPv6 address", ip6);
	*ret = (ip ? NETD_STATIC4 : 0) | (ip6 ? NETD_STATIC6 : 0);
	return 0;
}

int inspect_parse(json_object *req, char ***ret, unsigned **ret_static, struct err *e)
{
	static const char *const keys[] = { "version", "op", "names", "static", NULL };
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ unsigned *st = NULL;
	json_object *arr;
	int r;
	if ((r = ju_only(req, keys, "request", e)) < 0 || (r = names_array(req, &names, e)) < 0 ||
	    (r = ju_array(req, "static", &arr, e)) < 0)
		return r;
	if (arr && json_object_array_length(arr) != strv_len(names))
		return err_setx(e, EINVAL, "\"static\" must have one element per name");
	if (arr) {
		st = xcalloc(strv_len(names), sizeof(*st));
		for (size_t i = 0; i < strv_len(names); i++)
			if ((r = static_one(json_object_array_get_idx(arr, i), &st[i], e)) < 0)
				return r;
	}
	*ret = TAKE_PTR(names);
	*ret_static = TAKE_PTR(st);
	return 0;
}
