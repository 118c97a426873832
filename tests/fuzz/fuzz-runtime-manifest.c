/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON of image archives: the input is tried as docker save's
 * manifest.json, as an OCI index.json (every blob lookup answering with the
 * input itself, so nested indexes and manifests are fuzzed too), and as an
 * image config. What is accepted must be well-formed.
 */
#include "image-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(void *ctx, const char *path, const char **ret, size_t *len)
{
	const struct { const char *d; size_t n; } *in = ctx;
	if (strncmp(path, "blobs/sha256/", 13) != 0 || !is_hex(path + 13, ID_LEN, ID_LEN))
		abort(); /* the parser only ever asks for digests it checked */
	*ret = in->d;
	*len = in->n;
	return 0;
}

/* Relative, and no ".." component. */
static bool path_ok(const char *s)
{
	if (*s == '/')
		return false;
	for (const char *p = s; *p;) {
		const char *q = strchrnul(p, '/');
		if (q - p == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p = *q ? q + 1 : q;
	}
	return true;
}

static void check(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!m->images[i].config || !*m->images[i].config || !path_ok(m->images[i].config) || !m->images[i].layers || !m->images[i].layers[0])
			abort();
		for (char **l = m->images[i].layers; *l; l++)
			if (!path_ok(*l))
				abort();
		for (char **n = m->images[i].names; n && *n; n++)
			if (!strchr(*n, ':'))
				abort();
	}
	manifest_clear(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct { const char *d; size_t n; } in = { (const char *)data, size };
	struct manifest m = { 0 };
	struct rt_image cfg = { 0 };
	char **ids = NULL;
	struct err e = { 0 };

	if (manifest_parse_docker((const char *)data, size, &m, &e) == 0)
		check(&m);
	if (manifest_parse_oci((const char *)data, size, lookup, &in, &m, &e) == 0)
		check(&m);
	if (image_config_parse((const char *)data, size, &cfg, &ids, &e) == 0) {
		if (cfg.working_dir && cfg.working_dir[0] != '/')
			abort();
		for (char **v = cfg.env; v && *v; v++)
			if (!strchr(*v, '='))
				abort();
		for (char **v = ids; v && *v; v++)
			if (!is_hex(*v, ID_LEN, ID_LEN))
				abort();
		strv_free(ids);
		strv_free(cfg.env);
		strv_free(cfg.cmd);
		strv_free(cfg.entrypoint);
		free(cfg.working_dir);
		free(cfg.user);
		strv_free(cfg.exposed_ports);
	}
	return 0;
}
