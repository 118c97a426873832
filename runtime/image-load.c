/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * image import (a root filesystem tarball) and image load (docker save or
 * OCI image layout archives).
 *
 * load reads the archive twice: first the small JSON entries (manifest.json,
 * index.json, configs, OCI manifests), then the layers the manifest names,
 * each extracted into the load's temporary directory. Only when every layer
 * is extracted and matches the config's diff_ids are they moved into the store
 * and the index written (store_commit). Input from a pipe is spooled to the
 * temporary directory first.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "image-internal.h"

#define JSON_ENTRY_MAX (4u << 20)
#define JSON_TOTAL_MAX (64u << 20)
#define BUF_SIZE 65536

/* ---- sources for layer_extract --------------------------------------------------- */

struct fd_src {
	int fd;
	char buf[BUF_SIZE];
};

static la_ssize_t fd_read(struct archive *a, void *ctx, const void **buf)
{
	struct fd_src *s = ctx;
	for (;;) {
		ssize_t n = read(s->fd, s->buf, sizeof(s->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(a, errno, "read: %s", strerror(errno));
			return -1;
		}
		*buf = s->buf;
		return n;
	}
}

struct entry_src {
	struct archive *outer;
	char buf[BUF_SIZE];
};

static la_ssize_t entry_read(struct archive *a, void *ctx, const void **buf)
{
	struct entry_src *s = ctx;
	la_ssize_t n = archive_read_data(s->outer, s->buf, sizeof(s->buf));
	if (n < 0) {
		archive_set_error(a, archive_errno(s->outer) ? archive_errno(s->outer) : EIO, "%s",
				  archive_error_string(s->outer) ? archive_error_string(s->outer) : "read error");
		return -1;
	}
	*buf = s->buf;
	return n;
}

/* ---- import ------------------------------------------------------------------------ */

int rt_image_import(const char *root, int fd, const char *ref, rt_image_progress_fn progress, void *userdata,
		    char **ret_id, struct err *e)
{
	_cleanup_free_ char *name = image_ref_normalise(ref, e);
	_cleanup_free_ struct fd_src *fs = xcalloc(1, sizeof(*fs));
	struct store_tmp tmp = { .fd = -1 };
	struct new_layer layer = { 0 };
	struct new_image img = { 0 };
	struct rt_image cfg = { 0 };
	struct stat st;
	int r;

	if (!name)
		return e ? -e->code : -EINVAL;
	fs->fd = fd;
	struct layer_source src = { .read = fd_read, .ctx = fs };
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		src.total = (uint64_t)st.st_size;
	r = store_tmp_new(root, &tmp, false, e);
	if (r < 0)
		return r;
	layer.path = path_join(tmp.path, "layer");
	if (mkdir(layer.path, 0755) < 0)
		r = err_set(e, errno, "mkdir %s", layer.path);
	else
		r = layer_extract(&src, layer.path, "rootfs", progress, userdata, &layer.res, e);
	if (r == 0) {
		cfg.created = (int64_t)time(NULL);
		img.config = image_config_json(&cfg);
		img.created = cfg.created;
		strv_push(&img.layers, layer.res.hex);
		strv_push(&img.names, name);
		image_make_id(&cfg, img.layers, img.id);
		r = store_commit(root, &layer, 1, &img, 1, false, e);
	}
	if (r == 0 && ret_id)
		*ret_id = xstrdup(img.id);
	if (r < 0)
		err_wrap(e, "import %s", name);
	new_image_clear(&img);
	free(layer.path);
	store_tmp_done(&tmp);
	return r;
}

/* ---- load ---------------------------------------------------------------------------- */

struct blobs {
	char **paths;
	char **data;
	size_t *lens;
	size_t n, total;
	char **link_from, **link_to; /* symlinks and hard links in the archive (docker save's legacy layer.tar) */
};

static void blobs_clear(struct blobs *b)
{
	strv_free(b->link_from);
	strv_free(b->link_to);
	strv_free(b->paths);
	for (size_t i = 0; i < b->n; i++)
		free(b->data[i]);
	free(b->data);
	free(b->lens);
	memset(b, 0, sizeof(*b));
}

/* Follow the archive's own links from path (at most a few hops); the result points into b or is path. */
static const char *resolve(const struct blobs *b, const char *path)
{
	for (int hop = 0; hop < 8; hop++) {
		size_t i;
		for (i = 0; b->link_from && b->link_from[i] && strcmp(b->link_from[i], path) != 0; i++)
			;
		if (!b->link_from || !b->link_from[i])
			break;
		path = b->link_to[i];
	}
	return path;
}

/* A symlink's target as an archive path: relative to the link's directory, lexically;
 * NULL when it is absolute or climbs out. */
static char *link_target(const char *link, const char *target)
{
	const char *slash = strrchr(link, '/');
	_cleanup_free_ char *joined = slash ? xasprintf("%.*s/%s", (int)(slash - link), link, target) : xstrdup(target);
	_cleanup_strv_ char **parts = NULL;
	char *save = NULL, *out;
	size_t n = 0, len = 0;

	if (target[0] == '/')
		return NULL;
	for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			if (n == 0)
				return NULL;
			free(parts[--n]);
			parts[n] = NULL;
			continue;
		}
		strv_push(&parts, c);
		n++;
	}
	for (size_t i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	out = xcalloc(1, len + 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	return out;
}

static int blob_lookup(void *ctx, const char *path, const char **ret_data, size_t *ret_len)
{
	struct blobs *b = ctx;
	path = resolve(b, path);
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->paths[i], path) == 0) {
			*ret_data = b->data[i];
			*ret_len = b->lens[i];
			return 0;
		}
	return -ENOENT;
}

static int open_outer(const char *file, const char *path, struct archive **ret, struct err *e)
{
	struct archive *a = archive_read_new();
	if (!a)
		abort();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, file, BUF_SIZE) != ARCHIVE_OK) {
		int r = err_setx(e, EINVAL, "%s: not a tar archive: %s", path, archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

static void record_link(struct blobs *b, const char *name, struct archive_entry *ent)
{
	_cleanup_free_ char *to = NULL;
	if (archive_entry_hardlink(ent)) {
		if (rt_archive_check_path(archive_entry_hardlink(ent), &to, NULL) < 0)
			return; /* such a link is never followed */
	} else if (archive_entry_filetype(ent) == AE_IFLNK && archive_entry_symlink(ent))
		to = link_target(name, archive_entry_symlink(ent));
	if (to && *to) {
		strv_push(&b->link_from, name);
		strv_push(&b->link_to, to);
	}
}

/* The next regular-file entry of the outer archive, its normalised path in
 * *ret_path; links on the way are recorded in links (when not NULL). */
static int next_file(struct archive *a, const char *path, struct archive_entry **ent, char **ret_path,
		     struct blobs *links, struct err *e)
{
	for (;;) {
		_cleanup_free_ char *name = NULL;
		int r = archive_read_next_header(a, ent);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return err_setx(e, EINVAL, "%s: bad archive: %s", path, archive_error_string(a));
		if (rt_archive_check_path(archive_entry_pathname(*ent), &name, e) < 0)
			return err_wrap(e, "%s", path);
		if (archive_entry_filetype(*ent) != AE_IFREG || archive_entry_hardlink(*ent)) {
			if (links)
				record_link(links, name, *ent);
			continue;
		}
		*ret_path = TAKE_PTR(name);
		return 1;
	}
}

static int read_json_entries(const char *file, const char *path, struct blobs *b, struct err *e)
{
	struct archive *a = NULL;
	struct archive_entry *ent;
	int r;

	if (open_outer(file, path, &a, e) < 0)
		return -e->code;
	for (;;) {
		_cleanup_free_ char *name = NULL;
		r = next_file(a, path, &ent, &name, b, e);
		if (r <= 0)
			break;
		la_int64_t size = archive_entry_size(ent);
		if (size <= 0 || size > (la_int64_t)JSON_ENTRY_MAX)
			continue;
		char *buf = xmalloc((size_t)size + 1);
		la_ssize_t n = archive_read_data(a, buf, (size_t)size);
		if (n != size) {
			free(buf);
			r = err_setx(e, EINVAL, "%s: read %s: %s", path, name,
				     n < 0 ? archive_error_string(a) : "short entry");
			break;
		}
		buf[size] = '\0';
		size_t k = strspn(buf, " \t\r\n");
		if (buf[k] != '{' && buf[k] != '[') {
			free(buf);
			continue;
		}
		if (b->total + (size_t)size > JSON_TOTAL_MAX) {
			free(buf);
			r = err_setx(e, EFBIG, "%s: more than %u MiB of metadata", path, JSON_TOTAL_MAX >> 20);
			break;
		}
		b->total += (size_t)size;
		strv_push(&b->paths, name);
		b->data = xrealloc(b->data, (b->n + 1) * sizeof(char *));
		b->lens = xrealloc(b->lens, (b->n + 1) * sizeof(size_t));
		b->data[b->n] = buf;
		b->lens[b->n++] = (size_t)size;
	}
	archive_read_free(a);
	return r;
}

static int plan_load(const char *path, struct blobs *b, struct manifest *m, struct err *e)
{
	const char *data;
	size_t len;

	if (blob_lookup(b, "manifest.json", &data, &len) == 0)
		return manifest_parse_docker(data, len, m, e) < 0 ? err_wrap(e, "%s", path) : 0;
	if (blob_lookup(b, "index.json", &data, &len) == 0)
		return manifest_parse_oci(data, len, blob_lookup, b, m, e) < 0 ? err_wrap(e, "%s", path) : 0;
	return err_setx(e, EINVAL,
			"%s: not a docker save or OCI image archive (no manifest.json or index.json); a root "
			"filesystem tarball is loaded with 'pontoon image import'",
			path);
}

struct load {
	const char *root;
	const char *file; /* what is read */
	const char *path; /* its name in messages */
	struct store_tmp tmp;
	struct blobs blobs;
	struct manifest man;
	char **wanted;            /* unique layer entry paths */
	struct new_layer *layers; /* per wanted path */
	bool *done;
	rt_image_progress_fn progress;
	void *userdata;
};

static int extract_layers(struct load *l, struct err *e)
{
	_cleanup_free_ struct entry_src *src = xcalloc(1, sizeof(*src));
	struct archive_entry *ent;
	size_t n = strv_len(l->wanted);
	int r;

	if (open_outer(l->file, l->path, &src->outer, e) < 0)
		return -e->code;
	for (;;) {
		_cleanup_free_ char *name = NULL;
		r = next_file(src->outer, l->path, &ent, &name, NULL, e);
		if (r <= 0)
			break;
		size_t i;
		for (i = 0; i < n && strcmp(l->wanted[i], name) != 0; i++)
			;
		if (i == n || l->done[i])
			continue;
		struct layer_source ls = { .read = entry_read, .ctx = src, .total = (uint64_t)archive_entry_size(ent) };
		l->layers[i].path = xasprintf("%s/layer%zu", l->tmp.path, i);
		if (mkdir(l->layers[i].path, 0755) < 0) {
			r = err_set(e, errno, "mkdir %s", l->layers[i].path);
			break;
		}
		r = layer_extract(&ls, l->layers[i].path, name, l->progress, l->userdata, &l->layers[i].res, e);
		if (r < 0) {
			err_wrap(e, "%s: layer %s", l->path, name);
			break;
		}
		l->done[i] = true;
	}
	archive_read_free(src->outer);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!l->done[i])
			r = err_setx(e, EINVAL, "%s: layer %s named in the manifest is not in the archive", l->path,
				     l->wanted[i]);
	return r;
}

static int build_image(struct load *l, struct manifest_image *mi, struct new_image *img, struct err *e)
{
	const char *data;
	size_t len;
	struct rt_image cfg = { 0 };
	_cleanup_strv_ char **ids = NULL;
	int r;

	if (blob_lookup(&l->blobs, mi->config, &data, &len) < 0)
		return err_setx(e, EINVAL, "%s: image config %s is not in the archive", l->path, mi->config);
	r = image_config_parse(data, len, &cfg, &ids, e);
	if (r < 0)
		return err_wrap(e, "%s: %s", l->path, mi->config);
	digest_hex(data, len, img->id); /* Docker's image id: the digest of the config */
	img->config = image_config_json(&cfg);
	img->created = cfg.created;
	img->names = strv_len(mi->names) ? mi->names : NULL;
	mi->names = NULL;
	img->layers = xcalloc(1, sizeof(char *));
	size_t k = 0;
	for (char **p = mi->layers; *p; p++, k++) {
		size_t i;
		for (i = 0; strcmp(l->wanted[i], resolve(&l->blobs, *p)) != 0; i++)
			;
		strv_push(&img->layers, l->layers[i].res.hex);
		if (ids && (!ids[k] || strcmp(ids[k], l->layers[i].res.hex) != 0))
			r = err_setx(e, EINVAL, "%s: layer %s has digest sha256:%s, but the image config says %s%s",
				     l->path, *p, l->layers[i].res.hex, ids[k] ? "sha256:" : "", ids[k] ? ids[k] : "fewer layers");
		if (r < 0)
			break;
	}
	if (r == 0 && ids && ids[k])
		r = err_setx(e, EINVAL, "%s: the image config lists %zu layers, the manifest %zu", l->path, strv_len(ids), k);
	strv_free(cfg.env);
	strv_free(cfg.cmd);
	strv_free(cfg.entrypoint);
	free(cfg.working_dir);
	free(cfg.user);
	strv_free(cfg.exposed_ports);
	return r;
}

static int spool(struct load *l, int fd, char **ret_path, struct err *e)
{
	_cleanup_free_ char *p = path_join(l->tmp.path, "archive");
	_cleanup_close_ int out = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	char buf[BUF_SIZE];

	if (out < 0)
		return err_set(e, errno, "create %s", p);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, errno, "read the archive from standard input");
		if (n == 0)
			break;
		for (ssize_t w = 0; w < n;) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));
			if (k < 0 && errno != EINTR)
				return err_set(e, errno, "write %s", p);
			w += k > 0 ? k : 0;
		}
	}
	*ret_path = TAKE_PTR(p);
	return 0;
}

static int do_load(struct load *l, char ***lines, struct err *e)
{
	size_t nimg;
	int r;

	if (read_json_entries(l->file, l->path, &l->blobs, e) < 0 || plan_load(l->path, &l->blobs, &l->man, e) < 0)
		return -e->code;
	l->wanted = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < l->man.n; i++)
		for (char **p = l->man.images[i].layers; *p; p++)
			if (!strv_contains(l->wanted, resolve(&l->blobs, *p)))
				strv_push(&l->wanted, resolve(&l->blobs, *p));
	l->layers = xcalloc(strv_len(l->wanted) + 1, sizeof(*l->layers));
	l->done = xcalloc(strv_len(l->wanted) + 1, sizeof(bool));
	r = extract_layers(l, e);
	if (r < 0)
		return r;
	nimg = l->man.n;
	struct new_image *imgs = xcalloc(nimg, sizeof(*imgs));
	for (size_t i = 0; r == 0 && i < nimg; i++)
		r = build_image(l, &l->man.images[i], &imgs[i], e);
	if (r == 0)
		r = store_commit(l->root, l->layers, strv_len(l->wanted), imgs, nimg, false, e);
	for (size_t i = 0; i < nimg; i++) {
		if (r == 0) {
			for (char **n = imgs[i].names; n && *n; n++) {
				_cleanup_free_ char *line = xasprintf("Loaded image: %s", *n);
				strv_push(lines, line);
			}
			if (!imgs[i].names) {
				_cleanup_free_ char *line = xasprintf("Loaded image ID: sha256:%s", imgs[i].id);
				strv_push(lines, line);
			}
		}
		new_image_clear(&imgs[i]);
	}
	free(imgs);
	return r;
}

int rt_image_load(const char *root, const char *path, int fd, rt_image_progress_fn progress, void *userdata,
		  char ***ret_loaded, struct err *e)
{
	struct load l = { .root = root, .tmp = { .fd = -1 }, .progress = progress, .userdata = userdata };
	_cleanup_free_ char *spooled = NULL;
	_cleanup_strv_ char **lines = NULL;
	struct err local = { 0 };
	int r;

	if (!e)
		e = &local;
	r = store_tmp_new(root, &l.tmp, false, e);
	if (r < 0)
		return r;
	struct stat st;
	if (!path || strcmp(path, "-") == 0) {
		r = spool(&l, fd, &spooled, e);
		l.file = spooled;
		l.path = "standard input";
	} else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a pipe or device can be read once only: spool it for the two passes */
		_cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC);
		r = in < 0 ? err_set(e, errno, "open %s", path) : spool(&l, in, &spooled, e);
		l.file = spooled;
		l.path = path;
	} else {
		l.file = l.path = path;
	}
	if (r == 0)
		r = do_load(&l, &lines, e);
	for (size_t i = 0; l.layers && l.wanted && i < strv_len(l.wanted); i++)
		free(l.layers[i].path);
	free(l.layers);
	free(l.done);
	strv_free(l.wanted);
	manifest_clear(&l.man);
	blobs_clear(&l.blobs);
	store_tmp_done(&l.tmp);
	if (r == 0 && ret_loaded) {
		if (!lines)
			lines = xcalloc(1, sizeof(char *));
		*ret_loaded = TAKE_PTR(lines);
	}
	return r;
}
