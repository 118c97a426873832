/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image store: $ROOT/images/index.json, layers/<hex>/, tmp/, lock.
 *
 * index.json:
 *   { "Images": { "<id>": { "Names": ["busybox:latest"], "Layers": ["<hex>", ...],
 *                           "Created": <unix seconds>, "Config": { "Env": [...], "Cmd": [...],
 *                           "Entrypoint": [...], "WorkingDir": "/", "User": "...",
 *                           "ExposedPorts": ["80/tcp"] } } },
 *     "Layers": { "<hex>": { "Size": <bytes> } } }
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include "image-internal.h"

#define INDEX_MAX (64u << 20)

static char *images_dir(const char *root)
{
	return path_join(root, "images");
}

/* The store lock this process took last: a second flock on a new open file
 * description would wait for ourselves, so functions called while the caller
 * holds the lock (rt_image_get making busybox under a container creator's
 * lock) must see that they have it already. */
static struct {
	int fd;
	dev_t dev;
	ino_t ino;
} held = { -1, 0, 0 };

static bool held_by_us(const char *path)
{
	struct stat a, b;
	if (held.fd < 0 || fstat(held.fd, &a) < 0 || a.st_dev != held.dev || a.st_ino != held.ino)
		return false;
	return stat(path, &b) == 0 && b.st_dev == a.st_dev && b.st_ino == a.st_ino;
}

int rt_image_lock(const char *root, struct err *e)
{
	_cleanup_free_ char *dir = images_dir(root);
	_cleanup_free_ char *path = path_join(dir, "lock");
	struct stat st;

	if (held_by_us(path)) { /* same open file description: closing the copy keeps the lock */
		int fd = fcntl(held.fd, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? err_set(e, errno, "lock %s", path) : fd;
	}
	if (mkdir_p(dir, 0700, e) < 0)
		return err_wrap(e, "image store");
	int fd = lock_file(path, false, e);
	if (fd >= 0 && fstat(fd, &st) == 0) {
		held.fd = fd;
		held.dev = st.st_dev;
		held.ino = st.st_ino;
	}
	return fd;
}

int store_lock(const char *root, struct err *e)
{
	_cleanup_free_ char *dir = images_dir(root);
	_cleanup_free_ char *path = path_join(dir, "lock");
	return held_by_us(path) ? STORE_LOCK_HELD : rt_image_lock(root, e);
}

int store_tmp_new(const char *root, struct store_tmp *ret, bool locked, struct err *e)
{
	_cleanup_close_ int lock = locked ? STORE_LOCK_HELD : store_lock(root, e);
	_cleanup_free_ char *dir = images_dir(root);
	_cleanup_free_ char *tmp = path_join(dir, "tmp");
	_cleanup_free_ char *path = path_join(tmp, "XXXXXX");
	if (lock < 0 && lock != STORE_LOCK_HELD)
		return lock;
	if (mkdir_p(tmp, 0700, e) < 0)
		return err_wrap(e, "image store");
	if (!mkdtemp(path))
		return err_set(e, errno, "create a directory in %s", tmp);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* made and flock'ed under the store lock, so the sweep (which runs under
	 * it too) never sees it unlocked */
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		int r = -errno;
		rmdir(path);
		return err_set(e, -r, "lock %s", path);
	}
	ret->path = TAKE_PTR(path);
	ret->fd = TAKE_FD(fd);
	return 0;
}

void store_tmp_done(struct store_tmp *t)
{
	if (!t->path)
		return;
	if (rm_rf(t->path, NULL) < 0)
		log_debug("cannot remove %s", t->path);
	close(t->fd);
	free(t->path);
	t->path = NULL;
	t->fd = -1;
}

/* Under the store lock: remove what dead writers left in tmp/, and layer dirs the
 * index does not know (a crash between renaming a layer in and writing the index). */
static void store_sweep(const char *root, json_object *layers)
{
	_cleanup_free_ char *dir = images_dir(root);
	const char *subs[] = { "tmp", "layers" };

	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *sub = path_join(dir, subs[i]);
		DIR *d = opendir(sub);
		struct dirent *de;
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			_cleanup_free_ char *p = path_join(sub, de->d_name);
			if (i == 1) {
				if (json_object_object_get_ex(layers, de->d_name, NULL))
					continue;
			} else {
				_cleanup_close_ int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
					continue; /* a live writer's */
			}
			log_debug("image store: removing leftover %s", p);
			if (rm_rf(p, NULL) < 0)
				log_warn("image store: cannot remove leftover %s", p);
		}
		closedir(d);
	}
}

static json_object *index_new(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "Images", json_object_new_object());
	json_object_object_add(o, "Layers", json_object_new_object());
	return o;
}

static json_object *get(json_object *o, const char *key);

static bool is_array_of(json_object *a, bool hex)
{
	if (!a || !json_object_is_type(a, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);
		if (!json_object_is_type(s, json_type_string) || (hex && !is_hex(json_object_get_string(s), 64, 64)))
			return false;
	}
	return true;
}

/* The index is ours, but a damaged one must give an error, not a crash. */
static const char *index_check(json_object *imgs, json_object *layers)
{
	json_object_object_foreach(layers, hex, l) {
		if (!is_hex(hex, 64, 64) || !json_object_is_type(l, json_type_object) ||
		    !json_object_is_type(get(l, "Size"), json_type_int))
			return "bad layer entry";
	}
	json_object_object_foreach(imgs, id, o) {
		json_object *ls = get(o, "Layers"), *cfg = get(o, "Config");
		if (!is_hex(id, 64, 64) || !json_object_is_type(o, json_type_object) || !is_array_of(get(o, "Names"), false) ||
		    !is_array_of(ls, true) || !json_object_is_type(get(o, "Created"), json_type_int) ||
		    !json_object_is_type(cfg, json_type_object))
			return "bad image entry";
		for (size_t i = 0; i < json_object_array_length(ls); i++)
			if (!get(layers, json_object_get_string(json_object_array_get_idx(ls, i))))
				return "an image names a layer the index does not have";
	}
	return NULL;
}

static int index_load(const char *root, json_object **ret, struct err *e)
{
	_cleanup_free_ char *dir = images_dir(root);
	_cleanup_free_ char *path = path_join(dir, "index.json");
	_cleanup_json_ json_object *o = NULL;
	json_object *imgs, *layers;
	struct err sub = { 0 };
	int r = state_read_json(path, &o, &sub);

	if (r == -ENOENT) {
		*ret = index_new();
		return 0;
	}
	if (r < 0) {
		if (e)
			*e = sub;
		return err_wrap(e, "image store");
	}
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "Images", &imgs) ||
	    !json_object_object_get_ex(o, "Layers", &layers) || !json_object_is_type(imgs, json_type_object) ||
	    !json_object_is_type(layers, json_type_object))
		return err_setx(e, EBADMSG, "image store: %s is not an image index", path);
	const char *bad = index_check(imgs, layers);
	if (bad)
		return err_setx(e, EBADMSG, "image store: %s is damaged: %s", path, bad);
	*ret = TAKE_PTR(o);
	return 0;
}

static int index_save(const char *root, json_object *idx, struct err *e)
{
	_cleanup_free_ char *dir = images_dir(root);
	_cleanup_free_ char *path = path_join(dir, "index.json");
	if (fault_point("image-index") < 0)
		return err_setx(e, EIO, "write %s: injected fault", path);
	return state_write_json(path, idx, e) < 0 ? err_wrap(e, "image store") : 0;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* NULL when absent or not an array of strings (the index is ours; be lenient). */
static char **strv_from_json(json_object *arr)
{
	char **v = NULL;
	if (!arr || !json_object_is_type(arr, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *s = json_object_array_get_idx(arr, i);
		if (json_object_is_type(s, json_type_string))
			strv_push(&v, json_object_get_string(s));
	}
	if (!v)
		v = xcalloc(1, sizeof(char *));
	return v;
}

static char *str_from_json(json_object *s)
{
	return s && json_object_is_type(s, json_type_string) ? xstrdup(json_object_get_string(s)) : NULL;
}

void rt_image_free(struct rt_image *img)
{
	if (!img)
		return;
	strv_free(img->names);
	strv_free(img->layers);
	strv_free(img->diff_ids);
	strv_free(img->env);
	strv_free(img->cmd);
	strv_free(img->entrypoint);
	free(img->working_dir);
	free(img->user);
	strv_free(img->exposed_ports);
	free(img);
}

void rt_image_list_free(struct rt_image **list)
{
	if (!list)
		return;
	for (struct rt_image **p = list; *p; p++)
		rt_image_free(*p);
	free(list);
}

static struct rt_image *image_from_index(const char *root, json_object *idx, const char *id)
{
	json_object *o = get(get(idx, "Images"), id), *cfg = get(o, "Config"), *layers = get(o, "Layers");
	_cleanup_free_ char *ldir = images_dir(root);
	struct rt_image *img = xcalloc(1, sizeof(*img));

	snprintf(img->id, sizeof(img->id), "%s", id);
	img->names = strv_from_json(get(o, "Names"));
	if (!img->names)
		img->names = xcalloc(1, sizeof(char *));
	img->layers = xcalloc(1, sizeof(char *));
	img->diff_ids = xcalloc(1, sizeof(char *));
	for (size_t i = 0; layers && i < json_object_array_length(layers); i++) {
		const char *hex = json_object_get_string(json_object_array_get_idx(layers, i));
		_cleanup_free_ char *rel = xasprintf("layers/%s", hex);
		_cleanup_free_ char *p = path_join(ldir, rel);
		_cleanup_free_ char *d = xasprintf("sha256:%s", hex);
		strv_push(&img->layers, p);
		strv_push(&img->diff_ids, d);
		img->size += (uint64_t)json_object_get_int64(get(get(get(idx, "Layers"), hex), "Size"));
	}
	img->created = json_object_get_int64(get(o, "Created"));
	img->env = strv_from_json(get(cfg, "Env"));
	img->cmd = strv_from_json(get(cfg, "Cmd"));
	img->entrypoint = strv_from_json(get(cfg, "Entrypoint"));
	img->working_dir = str_from_json(get(cfg, "WorkingDir"));
	img->user = str_from_json(get(cfg, "User"));
	img->exposed_ports = strv_from_json(get(cfg, "ExposedPorts"));
	return img;
}

static bool names_contain(json_object *img, const char *name)
{
	json_object *names = get(img, "Names");
	for (size_t i = 0; names && i < json_object_array_length(names); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name) == 0)
			return true;
	return false;
}

/* Find ref in idx: by name:tag first, then by id or unique id prefix.
 * *ret_id points into idx; *ret_name (may be NULL) is the name matched, caller frees. */
static int index_find(json_object *idx, const char *ref, const char **ret_id, char **ret_name, struct err *e)
{
	_cleanup_free_ char *name = NULL, *tag = NULL, *key = NULL;
	struct err perr = { 0 };
	json_object *imgs = get(idx, "Images");
	const char *hex = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
	const char *found = NULL;

	if (rt_image_ref_parse(ref, &name, &tag, &perr) == 0) {
		key = xasprintf("%s:%s", name, tag);
		json_object_object_foreach(imgs, id, o) {
			if (names_contain(o, key)) {
				*ret_id = id;
				if (ret_name)
					*ret_name = TAKE_PTR(key);
				return 0;
			}
		}
	}
	if (!is_hex(hex, 4, ID_LEN)) {
		if (perr.code)
			return e ? (*e = perr, -perr.code) : -perr.code;
		return err_setx(e, ENOENT, "no such image: %s", ref);
	}
	json_object_object_foreach(imgs, id, o) {
		(void)o;
		if (strncmp(id, hex, strlen(hex)) == 0) {
			if (found)
				return err_setx(e, EINVAL, "image id prefix \"%s\" is ambiguous", ref);
			found = id;
		}
	}
	if (!found)
		return err_setx(e, ENOENT, "no such image: %s", ref);
	*ret_id = found;
	if (ret_name)
		*ret_name = NULL;
	return 0;
}

static bool is_busybox_ref(const char *ref)
{
	_cleanup_free_ char *name = NULL, *tag = NULL;
	if (rt_image_ref_parse(ref, &name, &tag, NULL) < 0)
		return false;
	return strcmp(name, RT_IMAGE_BUSYBOX) == 0 && strcmp(tag, RT_IMAGE_DEFAULT_TAG) == 0;
}

int rt_image_get(const char *root, const char *ref, struct rt_image **ret, struct err *e)
{
	for (int attempt = 0;; attempt++) {
		_cleanup_json_ json_object *idx = NULL;
		const char *id;
		int r = index_load(root, &idx, e);
		if (r < 0)
			return r;
		r = index_find(idx, ref, &id, NULL, e);
		if (r == 0) {
			*ret = image_from_index(root, idx, id);
			return 0;
		}
		if (r != -ENOENT || attempt > 0 || !is_busybox_ref(ref))
			return r;
		err_clear(e);
		r = rt_image_ensure_busybox(root, e);
		if (r < 0)
			return r;
	}
}

bool store_has_name(const char *root, const char *name)
{
	_cleanup_json_ json_object *idx = NULL;
	if (index_load(root, &idx, NULL) < 0)
		return false;
	json_object_object_foreach(get(idx, "Images"), id, o) {
		(void)id;
		if (names_contain(o, name))
			return true;
	}
	return false;
}

static int cmp_created(const void *a, const void *b)
{
	const struct rt_image *x = *(struct rt_image *const *)a, *y = *(struct rt_image *const *)b;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return strcmp(x->id, y->id);
}

int rt_image_list(const char *root, struct rt_image ***ret, struct err *e)
{
	_cleanup_json_ json_object *idx = NULL;
	int r = index_load(root, &idx, e);
	if (r < 0)
		return r;
	json_object *imgs = get(idx, "Images");
	size_t n = 0;
	struct rt_image **list = xcalloc((size_t)json_object_object_length(imgs) + 1, sizeof(*list));
	json_object_object_foreach(imgs, id, o) {
		(void)o;
		list[n++] = image_from_index(root, idx, id);
	}
	qsort(list, n, sizeof(*list), cmp_created);
	*ret = list;
	return 0;
}

void new_image_clear(struct new_image *img)
{
	json_object_put(img->config);
	strv_free(img->names);
	strv_free(img->layers);
	memset(img, 0, sizeof(*img));
}

static void add_strv(json_object *o, const char *key, char *const *v)
{
	if (!v)
		return;
	json_object *arr = json_object_new_array();
	for (; *v; v++)
		json_object_array_add(arr, json_object_new_string(*v));
	json_object_object_add(o, key, arr);
}

json_object *image_config_json(const struct rt_image *cfg)
{
	json_object *o = json_object_new_object();
	add_strv(o, "Env", cfg->env);
	add_strv(o, "Cmd", cfg->cmd);
	add_strv(o, "Entrypoint", cfg->entrypoint);
	if (cfg->working_dir)
		json_object_object_add(o, "WorkingDir", json_object_new_string(cfg->working_dir));
	if (cfg->user)
		json_object_object_add(o, "User", json_object_new_string(cfg->user));
	add_strv(o, "ExposedPorts", cfg->exposed_ports);
	return o;
}

void image_make_id(const struct rt_image *cfg, char *const *diff_hex, char id[65])
{
	_cleanup_json_ json_object *doc = json_object_new_object();
	json_object *rootfs = json_object_new_object(), *ids = json_object_new_array();
	char when[32];
	time_t t = (time_t)cfg->created;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
#if defined(__x86_64__)
	json_object_object_add(doc, "architecture", json_object_new_string("amd64"));
#elif defined(__aarch64__)
	json_object_object_add(doc, "architecture", json_object_new_string("arm64"));
#endif
	json_object_object_add(doc, "config", image_config_json(cfg));
	json_object_object_add(doc, "created", json_object_new_string(when));
	json_object_object_add(doc, "os", json_object_new_string("linux"));
	for (char *const *h = diff_hex; h && *h; h++) {
		_cleanup_free_ char *d = xasprintf("sha256:%s", *h);
		json_object_array_add(ids, json_object_new_string(d));
	}
	json_object_object_add(rootfs, "diff_ids", ids);
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(doc, "rootfs", rootfs);
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	digest_hex(s, strlen(s), id);
}

static void names_remove(json_object *img, const char *name)
{
	json_object *names = get(img, "Names");
	for (size_t i = 0; names && i < json_object_array_length(names); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name) == 0) {
			json_object_array_del_idx(names, i, 1);
			return;
		}
}

static void index_add_image(json_object *idx, const struct new_image *img)
{
	json_object *imgs = get(idx, "Images");
	json_object_object_foreach(imgs, id, o) {
		(void)id;
		for (char **n = img->names; n && *n; n++)
			names_remove(o, *n);
	}
	json_object *mine = get(imgs, img->id);
	if (!mine) {
		mine = json_object_new_object();
		json_object_object_add(mine, "Names", json_object_new_array());
		add_strv(mine, "Layers", img->layers);
		json_object_object_add(mine, "Created", json_object_new_int64(img->created));
		json_object_object_add(mine, "Config", json_object_get(img->config));
		json_object_object_add(imgs, img->id, mine);
	}
	for (char **n = img->names; n && *n; n++)
		json_object_array_add(get(mine, "Names"), json_object_new_string(*n));
}

static int fsync_path(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 || fsync(fd) < 0 ? -errno : 0;
}

/* Rename the new layers into layers/; on failure rename back what was moved. */
static int move_layers(const char *root, json_object *idx, struct new_layer *layers, size_t n, bool *moved,
		       struct err *e)
{
	_cleanup_free_ char *dir = images_dir(root);
	_cleanup_free_ char *ldir = path_join(dir, "layers");
	json_object *known = get(idx, "Layers");

	if (mkdir_p(ldir, 0700, e) < 0)
		return err_wrap(e, "image store");
	for (size_t i = 0; i < n; i++) {
		if (get(known, layers[i].res.hex))
			continue; /* stored already: this copy is dropped with its tmp dir */
		_cleanup_free_ char *dst = path_join(ldir, layers[i].res.hex);
		if (rename(layers[i].path, dst) < 0) {
			int r = err_set(e, errno, "image store: move layer %s into %s", layers[i].res.hex, ldir);
			for (size_t k = 0; k < i; k++)
				if (moved[k]) {
					_cleanup_free_ char *back = path_join(ldir, layers[k].res.hex);
					if (rename(back, layers[k].path) < 0)
						log_warn("image store: cannot move %s back", back);
					moved[k] = false;
				}
			return r;
		}
		moved[i] = true;
		json_object *l = json_object_new_object();
		json_object_object_add(l, "Size", json_object_new_int64((int64_t)layers[i].res.size));
		json_object_object_add(known, layers[i].res.hex, l);
	}
	if (fsync_path(ldir) < 0)
		return err_set(e, errno, "image store: sync %s", ldir);
	return 0;
}

int store_commit(const char *root, struct new_layer *layers, size_t nlayers, struct new_image *imgs, size_t nimgs,
		 bool locked, struct err *e)
{
	_cleanup_close_ int lock = locked ? STORE_LOCK_HELD : store_lock(root, e);
	_cleanup_json_ json_object *idx = NULL;
	_cleanup_free_ bool *moved = xcalloc(nlayers + 1, sizeof(bool));
	int r;

	if (lock < 0 && lock != STORE_LOCK_HELD)
		return lock;
	r = index_load(root, &idx, e);
	if (r < 0)
		return r;
	store_sweep(root, get(idx, "Layers"));
	r = move_layers(root, idx, layers, nlayers, moved, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nimgs; i++) {
		for (char **h = imgs[i].layers; h && *h; h++)
			if (!get(get(idx, "Layers"), *h)) {
				r = err_setx(e, EINVAL, "image %.12s: layer %s is missing", imgs[i].id, *h);
				goto undo;
			}
		index_add_image(idx, &imgs[i]);
	}
	r = index_save(root, idx, e);
	if (r == 0)
		return 0;
undo:
	for (size_t k = 0; k < nlayers; k++)
		if (moved[k]) {
			_cleanup_free_ char *dir = images_dir(root);
			_cleanup_free_ char *rel = xasprintf("layers/%s", layers[k].res.hex);
			_cleanup_free_ char *p = path_join(dir, rel);
			if (rename(p, layers[k].path) < 0)
				log_warn("image store: cannot move %s back", p);
		}
	return r;
}

/* The first container whose config.json names image id, as 12 hex; NULL if none. */
static char *image_user(const char *root, const char *id)
{
	_cleanup_free_ char *cdir = path_join(root, "containers");
	DIR *d = opendir(cdir);
	struct dirent *de;
	char *user = NULL;

	if (!d)
		return NULL;
	while (!user && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *rel = xasprintf("%s/config.json", de->d_name);
		_cleanup_free_ char *p = path_join(cdir, rel);
		_cleanup_json_ json_object *cfg = NULL;
		if (state_read_json(p, &cfg, NULL) < 0)
			continue;
		json_object *img = get(cfg, "ImageID");
		if (img && json_object_is_type(img, json_type_string) && strcmp(json_object_get_string(img), id) == 0)
			user = xstrndup(de->d_name, SHORT_ID_LEN);
	}
	closedir(d);
	return user;
}

/* Delete image id from idx, and the layers no other image uses (their dirs
 * after the index is written). */
static int delete_image(const char *root, json_object *idx, const char *id, struct store_tmp *trash, char ***lines,
			struct err *e)
{
	json_object *imgs = get(idx, "Images"), *known = get(idx, "Layers");
	_cleanup_strv_ char **gone = NULL;
	_cleanup_free_ char *key = xstrdup(id);
	json_object *layers = get(get(imgs, key), "Layers");

	for (size_t i = 0; layers && i < json_object_array_length(layers); i++) {
		const char *hex = json_object_get_string(json_object_array_get_idx(layers, i));
		bool used = false;
		json_object_object_foreach(imgs, other, o) {
			json_object *ol = get(o, "Layers");
			if (strcmp(other, key) == 0)
				continue;
			for (size_t k = 0; !used && ol && k < json_object_array_length(ol); k++)
				used = strcmp(json_object_get_string(json_object_array_get_idx(ol, k)), hex) == 0;
		}
		if (!used && !strv_contains(gone, hex))
			strv_push(&gone, hex);
	}
	json_object_object_del(imgs, key);
	for (char **h = gone; h && *h; h++)
		json_object_object_del(known, *h);
	int r = index_save(root, idx, e);
	if (r < 0)
		return r;
	/* out of layers/ now; the (possibly long) rm -rf runs after the lock is released */
	_cleanup_free_ char *dir = images_dir(root);
	for (char **h = gone; h && *h; h++) {
		_cleanup_free_ char *rel = xasprintf("layers/%s", *h);
		_cleanup_free_ char *p = path_join(dir, rel);
		_cleanup_free_ char *dst = trash->path ? path_join(trash->path, *h) : NULL;
		if (!trash->path && store_tmp_new(root, trash, true, NULL) == 0)
			dst = path_join(trash->path, *h);
		if (dst && rename(p, dst) == 0)
			continue;
		if (rm_rf(p, NULL) < 0)
			log_warn("image store: cannot remove layer %s (removed at the next change)", p);
	}
	_cleanup_free_ char *line = xasprintf("Deleted: sha256:%s", key);
	strv_push(lines, line);
	return 0;
}

static int remove_locked(const char *root, json_object *idx, const char *ref, bool force, struct store_tmp *trash,
			 char ***lines, struct err *e)
{
	_cleanup_free_ char *name = NULL, *id = NULL, *user = NULL;
	const char *found;
	int r = index_find(idx, ref, &found, &name, e);
	if (r < 0)
		return r;
	id = xstrdup(found);
	json_object *img = get(get(idx, "Images"), id);
	json_object *names = get(img, "Names");
	size_t nnames = names ? json_object_array_length(names) : 0;

	if (name && nnames > 1) {
		names_remove(img, name);
		_cleanup_free_ char *line = xasprintf("Untagged: %s", name);
		strv_push(lines, line);
		return index_save(root, idx, e);
	}
	if (!name && nnames > 1 && !force)
		return err_setx(e, EBUSY,
				"unable to delete %.12s (must be forced): the image is referenced by %zu names",
				id, nnames);
	user = image_user(root, id);
	if (user && !(force && name))
		return err_setx(e, EBUSY, "unable to remove image %s: image is in use by container %s", ref, user);
	while (names && json_object_array_length(names) > 0) {
		_cleanup_free_ char *line =
			xasprintf("Untagged: %s", json_object_get_string(json_object_array_get_idx(names, 0)));
		strv_push(lines, line);
		json_object_array_del_idx(names, 0, 1);
	}
	if (user) /* forced: the name goes, the image stays while the container lives */
		return index_save(root, idx, e);
	return delete_image(root, idx, id, trash, lines, e);
}

int rt_image_remove(const char *root, const char *ref, bool force, char ***ret_lines, struct err *e)
{
	_cleanup_close_ int lock = store_lock(root, e);
	_cleanup_json_ json_object *idx = NULL;
	_cleanup_strv_ char **lines = NULL;
	struct store_tmp trash = { .fd = -1 };
	int r;

	if (lock < 0 && lock != STORE_LOCK_HELD)
		return lock;
	r = index_load(root, &idx, e);
	if (r < 0)
		return r;
	store_sweep(root, get(idx, "Layers"));
	r = remove_locked(root, idx, ref, force, &trash, &lines, e);
	closep(&lock); /* unlocked: the trash is removed without holding up others */
	lock = -EBADF;
	store_tmp_done(&trash);
	if (r < 0)
		return r;
	if (ret_lines)
		*ret_lines = TAKE_PTR(lines);
	return 0;
}

int rt_image_tag(const char *root, const char *ref, const char *name, struct err *e)
{
	_cleanup_free_ char *norm = image_ref_normalise(name, e);
	_cleanup_json_ json_object *idx = NULL;
	const char *id;
	int r;

	if (!norm)
		return e ? -e->code : -EINVAL;
	if (is_busybox_ref(ref)) {
		r = rt_image_ensure_busybox(root, e);
		if (r < 0)
			return r;
	}
	_cleanup_close_ int lock = store_lock(root, e);
	if (lock < 0 && lock != STORE_LOCK_HELD)
		return lock;
	r = index_load(root, &idx, e);
	if (r < 0)
		return r;
	r = index_find(idx, ref, &id, NULL, e);
	if (r < 0)
		return r;
	json_object *img = get(get(idx, "Images"), id);
	if (names_contain(img, norm))
		return 0;
	json_object_object_foreach(get(idx, "Images"), other, o) {
		(void)other;
		names_remove(o, norm);
	}
	json_object_array_add(get(img, "Names"), json_object_new_string(norm));
	return index_save(root, idx, e);
}
