/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime, images: what the image files share (private to runtime/). */
#ifndef PONTOON_RT_IMAGE_INTERNAL_H
#define PONTOON_RT_IMAGE_INTERNAL_H

#include "archive-lazy.h"
#include <nettle/sha2.h>
#include "rt-image.h"

/* ---- sha256 (image-sha256.c, over nettle) ---------------------------------- */

struct digest {
	struct sha256_ctx ctx;
};
void digest_init(struct digest *s);
void digest_update(struct digest *s, const void *data, size_t n);
/* 64 lowercase hex and a NUL; s is used up. */
void digest_final_hex(struct digest *s, char out[65]);
void digest_hex(const void *data, size_t n, char out[65]);

bool is_hex(const char *s, size_t min, size_t max);

/* ---- layer extraction (layer-extract.c) -------------------------------------- */

/* Where a layer's bytes come from: a libarchive read callback (as archive_read_open's). */
struct layer_source {
	archive_read_callback *read;
	void *ctx;
	uint64_t total; /* bytes the source will give, 0 when unknown (for progress) */
};

struct layer_result {
	char hex[65];  /* sha256 of the uncompressed tar */
	uint64_t size; /* bytes of regular files */
};

/* Extract one layer tar (plain or compressed) from src into the existing,
 * empty directory dir. Entries are checked (rt_archive_check_*); whiteouts are
 * converted; nothing is written outside dir (every parent is opened one
 * component at a time with O_NOFOLLOW, and an entry that would go through a
 * symlink is refused). The data are synced (syncfs) before returning. */
int layer_extract(const struct layer_source *src, const char *dir, const char *label, rt_image_progress_fn progress,
		  void *userdata, struct layer_result *ret, struct err *e) _wur_;

/* ---- the store (image-store.c) ------------------------------------------------- */

/* Take the store lock unless this process holds it already: an fd to close,
 * or STORE_LOCK_HELD (negative, so _cleanup_close_ ignores it); or -errno. */
#define STORE_LOCK_HELD (-EALREADY)
int store_lock(const char *root, struct err *e) _wur_;

/* A temporary directory under $ROOT/images/tmp, flock'ed while it lives, so a
 * sweep by another process (under the store lock) leaves it alone. */
struct store_tmp {
	char *path;
	int fd; /* the directory, flock'ed */
};
/* locked: the caller holds the store lock (else it is taken for a moment). */
int store_tmp_new(const char *root, struct store_tmp *ret, bool locked, struct err *e) _wur_;
/* Remove it (rm -rf) and release it. */
void store_tmp_done(struct store_tmp *t);

struct new_layer {
	struct layer_result res;
	char *path; /* the extracted tree, inside a store_tmp */
};

struct new_image {
	json_object *config; /* {Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts} (owned) */
	int64_t created;
	char id[65];
	char **names;  /* normalised "name:tag" */
	char **layers; /* hex digests, lowest first; each in the new layers or already stored */
};
void new_image_clear(struct new_image *img);

/* Whether some image has this normalised "name:tag" (no lock; false on any error). */
bool store_has_name(const char *root, const char *name);

/* Commit images (and their new layers) to the store: with the store lock held
 * (locked: the caller holds it), renames the new layers into layers/ (a layer
 * already there is kept and the new copy dropped), moves the names from older
 * images, and writes the index. All-or-nothing. */
int store_commit(const char *root, struct new_layer *layers, size_t nlayers, struct new_image *imgs, size_t nimgs,
		 bool locked, struct err *e) _wur_;

/* Build the image config object and its id from the parsed config fields. */
json_object *image_config_json(const struct rt_image *cfg);
/* Docker-style config document ({architecture, os, created, config, rootfs}) and
 * its sha256 as the image id, for images pontoon makes itself (import, busybox). */
void image_make_id(const struct rt_image *cfg, char *const *diff_hex, char id[65]);

/* ---- archives of images (image-manifest.c) ------------------------------------ */

/* One image as an archive's manifest describes it. */
struct manifest_image {
	char *config;  /* normalised entry path of the config blob */
	char **layers; /* normalised entry paths of the layer tars, lowest first */
	char **names;  /* normalised "name:tag" */
};
struct manifest {
	struct manifest_image *images;
	size_t n;
};
void manifest_clear(struct manifest *m);

/* docker save's manifest.json: [{"Config": "...", "RepoTags": [...], "Layers": [...]}]. */
int manifest_parse_docker(const char *json, size_t len, struct manifest *ret, struct err *e) _wur_;

/* OCI layout: index.json, with the blobs (manifests, nested indexes) looked up by lookup(). */
typedef int (*blob_lookup_fn)(void *ctx, const char *path, const char **ret_data, size_t *ret_len);
int manifest_parse_oci(const char *index_json, size_t len, blob_lookup_fn lookup, void *ctx, struct manifest *ret,
		       struct err *e) _wur_;

/* An image config blob: fills cfg's env, cmd, entrypoint, working_dir, user,
 * exposed_ports and created, and *ret_diff_ids (hex digests, NULL when absent). */
int image_config_parse(const char *json, size_t len, struct rt_image *cfg, char ***ret_diff_ids, struct err *e) _wur_;

/* Parse JSON text strictly (one value, nothing after it). */
int json_parse_strict(const char *buf, size_t len, json_object **ret, struct err *e) _wur_;

/* Normalise an image name for storing: "docker.io/library/x:t" -> "x:t". */
char *image_ref_normalise(const char *ref, struct err *e);

#endif
