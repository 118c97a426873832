/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON of image archives: docker save's manifest.json, the OCI image
 * layout's index.json and manifests, and image config blobs. Pure parsing of
 * outside input: every field is type-checked and bounded, and anything wrong
 * is refused with a message that names it.
 */
#include <time.h>
#include "image-internal.h"

#define MAX_IMAGES 1000
#define MAX_LAYERS 500  /* overlayfs takes at most ~500 lower dirs */
#define MAX_STRV 10000
#define MAX_NESTING 2   /* index -> index -> manifest */

int json_parse_strict(const char *buf, size_t len, json_object **ret, struct err *e)
{
	if (len > INT32_MAX)
		return err_setx(e, EFBIG, "JSON document too large");
	_cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new_ex(32);
	if (!tok)
		return err_setx(e, ENOMEM, "out of memory");
	json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	if (!o || je != json_tokener_success) {
		json_object_put(o);
		return err_setx(e, EBADMSG, "bad JSON: %s",
				je == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(je));
	}
	size_t off = json_tokener_get_parse_end(tok);
	while (off < len && strchr(" \t\r\n", buf[off]))
		off++;
	if (off != len) {
		json_object_put(o);
		return err_setx(e, EBADMSG, "bad JSON: trailing data");
	}
	*ret = o;
	return 0;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A JSON string without NUL bytes; NULL otherwise. */
static const char *str(json_object *o)
{
	if (!o || !json_object_is_type(o, json_type_string))
		return NULL;
	const char *s = json_object_get_string(o);
	return strlen(s) == (size_t)json_object_get_string_len(o) ? s : NULL;
}

/* An array of strings (null and absent: *ret = NULL). */
static int strv_field(json_object *obj, const char *key, const char *what, char ***ret, struct err *e)
{
	json_object *arr = get(obj, key);
	_cleanup_strv_ char **v = NULL;

	*ret = NULL;
	if (!arr || json_object_is_type(arr, json_type_null))
		return 0;
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) > MAX_STRV)
		return err_setx(e, EINVAL, "%s: \"%s\" is not an array of strings", what, key);
	v = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		const char *s = str(json_object_array_get_idx(arr, i));
		if (!s)
			return err_setx(e, EINVAL, "%s: \"%s\"[%zu] is not a string", what, key, i);
		strv_push(&v, s);
	}
	*ret = TAKE_PTR(v);
	return 0;
}

void manifest_clear(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->images[i].config);
		strv_free(m->images[i].layers);
		strv_free(m->images[i].names);
	}
	free(m->images);
	m->images = NULL;
	m->n = 0;
}

static struct manifest_image *manifest_add(struct manifest *m)
{
	m->images = xrealloc(m->images, (m->n + 1) * sizeof(*m->images));
	memset(&m->images[m->n], 0, sizeof(*m->images));
	return &m->images[m->n++];
}

static int clean_path(const char *p, const char *what, char **ret, struct err *e)
{
	if (!p)
		return err_setx(e, EINVAL, "%s is not a string", what);
	if (rt_archive_check_path(p, ret, e) < 0)
		return err_wrap(e, "%s", what);
	if (!**ret) {
		free(*ret);
		*ret = NULL;
		return err_setx(e, EINVAL, "%s is empty", what);
	}
	return 0;
}

static int add_name(struct manifest_image *img, const char *ref, struct err *e)
{
	_cleanup_free_ char *n = image_ref_normalise(ref, e);
	if (!n)
		return -e->code;
	if (!strv_contains(img->names, n))
		strv_push(&img->names, n);
	return 0;
}

static int docker_image(json_object *o, size_t i, struct manifest_image *img, struct err *e)
{
	char what[64];
	_cleanup_strv_ char **tags = NULL, **layers = NULL;

	snprintf(what, sizeof(what), "manifest.json[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		return err_setx(e, EINVAL, "%s is not an object", what);
	if (clean_path(str(get(o, "Config")), "manifest.json: Config", &img->config, e) < 0)
		return -e->code;
	if (strv_field(o, "RepoTags", what, &tags, e) < 0 || strv_field(o, "Layers", what, &layers, e) < 0)
		return -e->code;
	if (!layers || !layers[0])
		return err_setx(e, EINVAL, "%s: no Layers", what);
	if (strv_len(layers) > MAX_LAYERS)
		return err_setx(e, EINVAL, "%s: more than %d layers", what, MAX_LAYERS);
	img->layers = xcalloc(1, sizeof(char *));
	for (char **l = layers; *l; l++) {
		_cleanup_free_ char *c = NULL;
		if (clean_path(*l, "manifest.json: Layers", &c, e) < 0)
			return -e->code;
		strv_push(&img->layers, c);
	}
	img->names = xcalloc(1, sizeof(char *));
	for (char **t = tags; t && *t; t++)
		if (add_name(img, *t, e) < 0)
			return err_wrap(e, "%s: RepoTags", what);
	return 0;
}

int manifest_parse_docker(const char *json, size_t len, struct manifest *ret, struct err *e)
{
	struct err local = { 0 };
	_cleanup_json_ json_object *o = NULL;
	struct manifest m = { 0 };
	int r;

	if (!e)
		e = &local;

	if (json_parse_strict(json, len, &o, e) < 0)
		return err_wrap(e, "manifest.json");
	if (!json_object_is_type(o, json_type_array))
		return err_setx(e, EINVAL, "manifest.json is not an array");
	size_t n = json_object_array_length(o);
	if (n == 0 || n > MAX_IMAGES)
		return err_setx(e, EINVAL, "manifest.json lists %zu images", n);
	for (size_t i = 0; i < n; i++) {
		r = docker_image(json_object_array_get_idx(o, i), i, manifest_add(&m), e);
		if (r < 0) {
			manifest_clear(&m);
			return r;
		}
	}
	*ret = m;
	return 0;
}

/* "sha256:<64 hex>" -> "blobs/sha256/<hex>" */
static int blob_path(json_object *desc, const char *what, char **ret, struct err *e)
{
	const char *d = str(get(desc, "digest"));
	if (!d || strncmp(d, "sha256:", 7) != 0 || !is_hex(d + 7, ID_LEN, ID_LEN))
		return err_setx(e, EINVAL, "%s: digest is not sha256:<64 hex>", what);
	*ret = xasprintf("blobs/sha256/%s", d + 7);
	return 0;
}

static bool is_index_type(const char *mt)
{
	return mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
		      strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

static bool platform_ok(json_object *desc)
{
	json_object *p = get(desc, "platform");
	const char *os = str(get(p, "os")), *arch = str(get(p, "architecture"));
#if defined(__aarch64__)
	const char *mine = "arm64";
#else
	const char *mine = "amd64";
#endif
	return !p || ((!os || strcmp(os, "linux") == 0) && (!arch || strcmp(arch, mine) == 0));
}

static int lookup_json(blob_lookup_fn lookup, void *ctx, const char *path, json_object **ret, struct err *e)
{
	const char *data;
	size_t len;
	if (lookup(ctx, path, &data, &len) < 0)
		return err_setx(e, ENOENT, "%s is not in the archive", path);
	if (json_parse_strict(data, len, ret, e) < 0)
		return err_wrap(e, "%s", path);
	if (!json_object_is_type(*ret, json_type_object))
		return err_setx(e, EINVAL, "%s is not a JSON object", path);
	return 0;
}

static int oci_manifest(json_object *desc, blob_lookup_fn lookup, void *ctx, struct manifest_image *img,
			struct err *e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *m = NULL;

	if (blob_path(desc, "index.json: manifest", &path, e) < 0 || lookup_json(lookup, ctx, path, &m, e) < 0)
		return -e->code;
	if (blob_path(get(m, "config"), path, &img->config, e) < 0)
		return err_wrap(e, "config");
	json_object *layers = get(m, "layers");
	if (!layers || !json_object_is_type(layers, json_type_array) || json_object_array_length(layers) == 0 ||
	    json_object_array_length(layers) > MAX_LAYERS)
		return err_setx(e, EINVAL, "%s: \"layers\" must be an array of 1 to %d descriptors", path, MAX_LAYERS);
	img->layers = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < json_object_array_length(layers); i++) {
		_cleanup_free_ char *lp = NULL;
		if (blob_path(json_object_array_get_idx(layers, i), path, &lp, e) < 0)
			return err_wrap(e, "layer %zu", i);
		strv_push(&img->layers, lp);
	}
	return 0;
}

/* Names from a descriptor's annotations: containerd's full name, or the OCI
 * ref.name when it is a whole reference (not just a tag). */
static int oci_names(json_object *desc, struct manifest_image *img, struct err *e)
{
	json_object *ann = get(desc, "annotations");
	const char *full = str(get(ann, "io.containerd.image.name"));
	const char *ref = str(get(ann, "org.opencontainers.image.ref.name"));

	if (!img->names)
		img->names = xcalloc(1, sizeof(char *));
	if (full)
		return add_name(img, full, e) < 0 ? err_wrap(e, "index.json: annotation io.containerd.image.name") : 0;
	if (ref && (strchr(ref, ':') || strchr(ref, '/')))
		return add_name(img, ref, e) < 0 ? err_wrap(e, "index.json: annotation org.opencontainers.image.ref.name")
						 : 0;
	return 0;
}

static int oci_index(json_object *idx, const char *what, int depth, json_object *outer_desc, blob_lookup_fn lookup,
		     void *ctx, struct manifest *m, struct err *e)
{
	json_object *list = get(idx, "manifests");
	if (!list || !json_object_is_type(list, json_type_array) || json_object_array_length(list) > MAX_IMAGES)
		return err_setx(e, EINVAL, "%s: \"manifests\" is not an array", what);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *desc = json_object_array_get_idx(list, i);
		const char *mt = str(get(desc, "mediaType"));
		if (!json_object_is_type(desc, json_type_object))
			return err_setx(e, EINVAL, "%s: manifests[%zu] is not an object", what, i);
		if (is_index_type(mt)) {
			_cleanup_free_ char *path = NULL;
			_cleanup_json_ json_object *sub = NULL;
			if (depth >= MAX_NESTING)
				return err_setx(e, EINVAL, "%s: indexes nested too deep", what);
			if (blob_path(desc, what, &path, e) < 0 || lookup_json(lookup, ctx, path, &sub, e) < 0)
				return -e->code;
			size_t before = m->n;
			int r = oci_index(sub, path, depth + 1, desc, lookup, ctx, m, e);
			if (r < 0)
				return r;
			if (m->n > before + 1) /* a multi-platform index: keep the first for this host */
				for (size_t k = before + 1; k < m->n; k++) {
					free(m->images[k].config);
					strv_free(m->images[k].layers);
					strv_free(m->images[k].names);
				}
			m->n = m->n > before ? before + 1 : before;
			continue;
		}
		if (depth > 0 && !platform_ok(desc))
			continue;
		if (m->n >= MAX_IMAGES)
			return err_setx(e, EINVAL, "%s: too many images", what);
		struct manifest_image *img = manifest_add(m);
		if (oci_manifest(desc, lookup, ctx, img, e) < 0 || oci_names(outer_desc ? outer_desc : desc, img, e) < 0)
			return -e->code;
	}
	return 0;
}

int manifest_parse_oci(const char *index_json, size_t len, blob_lookup_fn lookup, void *ctx, struct manifest *ret,
		       struct err *e)
{
	struct err local = { 0 };
	_cleanup_json_ json_object *idx = NULL;
	struct manifest m = { 0 };

	if (!e)
		e = &local;

	if (json_parse_strict(index_json, len, &idx, e) < 0)
		return err_wrap(e, "index.json");
	if (!json_object_is_type(idx, json_type_object))
		return err_setx(e, EINVAL, "index.json is not an object");
	if (oci_index(idx, "index.json", 0, NULL, lookup, ctx, &m, e) < 0) {
		manifest_clear(&m);
		return -e->code;
	}
	if (m.n == 0) {
		manifest_clear(&m);
		return err_setx(e, EINVAL, "index.json lists no image for this platform");
	}
	*ret = m;
	return 0;
}

/* RFC 3339 ("2024-05-01T10:20:30.123456789Z", "...+02:00") -> unix seconds; 0 if unparsable. */
static int64_t parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!p)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	int64_t t = (int64_t)timegm(&tm);
	if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && p[3] == ':') {
		int h = (p[1] - '0') * 10 + (p[2] - '0'), m = (p[4] - '0') * 10 + (p[5] - '0');
		t -= (p[0] == '+' ? 1 : -1) * (int64_t)(h * 3600 + m * 60);
	}
	return t;
}

/* "80", "80/tcp", "53/udp", "9/sctp" -> "80/tcp" ...; NULL if malformed. */
static char *port_normalise(const char *s)
{
	const char *slash = strchr(s, '/');
	_cleanup_free_ char *num = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	const char *proto = slash ? slash + 1 : "tcp";
	uint64_t port;
	if (parse_uint(num, 1, 65535, &port) < 0)
		return NULL;
	if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
		return NULL;
	return xasprintf("%u/%s", (unsigned)port, proto);
}

static int config_fields(json_object *c, struct rt_image *cfg, struct err *e)
{
	json_object *wd = get(c, "WorkingDir"), *user = get(c, "User"), *ports = get(c, "ExposedPorts");

	if (strv_field(c, "Env", "image config", &cfg->env, e) < 0 ||
	    strv_field(c, "Cmd", "image config", &cfg->cmd, e) < 0 ||
	    strv_field(c, "Entrypoint", "image config", &cfg->entrypoint, e) < 0)
		return -e->code;
	for (char **v = cfg->env; v && *v; v++)
		if (!strchr(*v, '=') || **v == '=')
			return err_setx(e, EINVAL, "image config: Env entry \"%.64s\" is not KEY=VALUE", *v);
	if (wd && !json_object_is_type(wd, json_type_null)) {
		if (!str(wd))
			return err_setx(e, EINVAL, "image config: \"WorkingDir\" is not a string");
		if (*str(wd) && str(wd)[0] != '/')
			return err_setx(e, EINVAL, "image config: WorkingDir \"%.64s\" is not absolute", str(wd));
		cfg->working_dir = *str(wd) ? xstrdup(str(wd)) : NULL;
	}
	if (user && !json_object_is_type(user, json_type_null)) {
		if (!str(user))
			return err_setx(e, EINVAL, "image config: \"User\" is not a string");
		cfg->user = *str(user) ? xstrdup(str(user)) : NULL;
	}
	if (ports && !json_object_is_type(ports, json_type_null)) {
		if (!json_object_is_type(ports, json_type_object) || json_object_object_length(ports) > MAX_STRV)
			return err_setx(e, EINVAL, "image config: \"ExposedPorts\" is not an object");
		cfg->exposed_ports = xcalloc(1, sizeof(char *));
		json_object_object_foreach(ports, key, val) {
			(void)val;
			_cleanup_free_ char *p = port_normalise(key);
			if (!p)
				return err_setx(e, EINVAL, "image config: bad exposed port \"%.32s\"", key);
			if (!strv_contains(cfg->exposed_ports, p))
				strv_push(&cfg->exposed_ports, p);
		}
	}
	return 0;
}

static int diff_ids(json_object *o, char ***ret, struct err *e)
{
	json_object *ids = get(get(o, "rootfs"), "diff_ids");
	*ret = NULL;
	if (!ids)
		return 0;
	if (!json_object_is_type(ids, json_type_array) || json_object_array_length(ids) > MAX_LAYERS)
		return err_setx(e, EINVAL, "image config: rootfs.diff_ids is not an array");
	_cleanup_strv_ char **v = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		const char *d = str(json_object_array_get_idx(ids, i));
		if (!d || strncmp(d, "sha256:", 7) != 0 || !is_hex(d + 7, ID_LEN, ID_LEN))
			return err_setx(e, EINVAL, "image config: rootfs.diff_ids[%zu] is not sha256:<64 hex>", i);
		strv_push(&v, d + 7);
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int image_config_parse(const char *json, size_t len, struct rt_image *cfg, char ***ret_diff_ids, struct err *e)
{
	struct err local = { 0 };
	_cleanup_json_ json_object *o = NULL;
	struct rt_image tmp = { 0 };
	_cleanup_strv_ char **ids = NULL;

	if (!e)
		e = &local;

	if (json_parse_strict(json, len, &o, e) < 0)
		return err_wrap(e, "image config");
	if (!json_object_is_type(o, json_type_object))
		return err_setx(e, EINVAL, "image config is not a JSON object");
	json_object *c = get(o, "config");
	if (c && !json_object_is_type(c, json_type_null) && !json_object_is_type(c, json_type_object))
		return err_setx(e, EINVAL, "image config: \"config\" is not an object");
	if ((c && config_fields(c, &tmp, e) < 0) || diff_ids(o, &ids, e) < 0) {
		strv_free(tmp.env);
		strv_free(tmp.cmd);
		strv_free(tmp.entrypoint);
		free(tmp.working_dir);
		free(tmp.user);
		strv_free(tmp.exposed_ports);
		return -e->code;
	}
	tmp.created = parse_time(str(get(o, "created")));
	cfg->env = tmp.env;
	cfg->cmd = tmp.cmd;
	cfg->entrypoint = tmp.entrypoint;
	cfg->working_dir = tmp.working_dir;
	cfg->user = tmp.user;
	cfg->exposed_ports = tmp.exposed_ports;
	cfg->created = tmp.created;
	*ret_diff_ids = TAKE_PTR(ids);
	return 0;
}
