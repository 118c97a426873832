/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runtime, images: the image store under $ROOT/images/.
 *
 *   $ROOT/images/index.json        images (id -> names, layers, config) and layers (digest -> size)
 *   $ROOT/images/layers/<hex>/     one layer: a plain directory tree, overlayfs whiteouts already
 *                                  converted (char device 0:0, trusted.overlay.opaque=y); <hex> is
 *                                  the sha256 of the layer's uncompressed tar (Docker's diff_id)
 *   $ROOT/images/tmp/              extractions in progress (each dir flock'ed by its writer)
 *   $ROOT/images/lock              flock: every change of the store holds it
 *
 * Layers are stored once and shared between images. Loads extract into tmp/,
 * sync, and only then rename the layers into layers/ and write the index, all
 * under the lock: a failed or refused load leaves the store as it was.
 * Readers (rt_image_get, rt_image_list) need no lock: index.json is replaced
 * atomically and a layer dir never changes once it is in layers/ (until
 * rt_image_remove deletes its last image; see rt_image_lock).
 *
 * The image "busybox" (= "busybox:latest") always exists: the first
 * rt_image_get() of it makes it from the host's static busybox (/bin/busybox,
 * Debian busybox-static): applet links, /etc/passwd, /etc/group, /tmp, /root,
 * /home, Cmd ["sh"]. Creation is locked and atomic, so concurrent runs are safe.
 */
#ifndef PONTOON_RT_IMAGE_H
#define PONTOON_RT_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include "common.h"

#define RT_IMAGE_BUSYBOX "busybox"
#define RT_IMAGE_DEFAULT_TAG "latest"

struct rt_image {
	char id[ID_LEN + 1]; /* sha256 of the image config: 64 lowercase hex */
	char **names;        /* "name:tag"..., NULL-terminated (empty when untagged) */
	char **layers;       /* absolute paths of the layer dirs, LOWEST first, NULL-terminated */
	char **diff_ids;     /* "sha256:<hex>" of each layer, same order as layers */
	int64_t created;     /* unix seconds */
	uint64_t size;       /* bytes: the sum of the layers' file sizes */
	/* The image config (as `docker inspect` .Config); NULL when the image does not set it. */
	char **env;           /* "KEY=VALUE"... */
	char **cmd;           /* argv */
	char **entrypoint;    /* argv */
	char *working_dir;    /* absolute path */
	char *user;           /* "uid", "uid:gid", "name" or "name:group" as given */
	char **exposed_ports; /* "80/tcp", "53/udp"... */
};

/* Frees img and everything it points to; NULL is fine. */
void rt_image_free(struct rt_image *img);
DEFINE_CLEANUP(struct rt_image *, rt_image_free)

/* Resolve ref to an image: "name", "name:tag" (tag defaults to latest), a full
 * 64-hex id (optionally "sha256:"-prefixed) or a unique id prefix (at least 4
 * hex). "busybox" and "busybox:latest" are created on first use.
 * -ENOENT "no such image: REF"; -EINVAL a malformed ref or an ambiguous prefix.
 * *ret is owned by the caller (rt_image_free). */
int rt_image_get(const char *root, const char *ref, struct rt_image **ret, struct err *e) _wur_;

/* Make the busybox image unless it exists (what rt_image_get does for "busybox").
 * -ENOENT when the host has no static busybox (install busybox-static). */
int rt_image_ensure_busybox(const char *root, struct err *e) _wur_;

/* All images, newest first, as a NULL-terminated array (rt_image_list_free);
 * an empty store gives an empty array. Does not create busybox. */
int rt_image_list(const char *root, struct rt_image ***ret, struct err *e) _wur_;
void rt_image_list_free(struct rt_image **list);
DEFINE_CLEANUP(struct rt_image **, rt_image_list_free)

/* Progress of a long load or import, called per layer (done == total at its end). */
typedef void (*rt_image_progress_fn)(void *userdata, const char *layer, uint64_t done, uint64_t total);

/* Import a root filesystem tarball (plain, gzip, xz, bzip2 or zstd) read from
 * fd as a one-layer image named ref ("name[:tag]"; the name moves from any
 * image that had it). The entries are checked as rt_archive_check_* say.
 * *ret_id (may be NULL): the new image's 64-hex id, caller frees. */
int rt_image_import(const char *root, int fd, const char *ref, rt_image_progress_fn progress, void *userdata,
		    char **ret_id, struct err *e) _wur_;

/* Load a `docker save` archive (manifest.json + layer tars) or an OCI image
 * layout archive (oci-layout, index.json, blobs/sha256/...), plain or
 * compressed, from path ("-" or NULL: read fd, which is then spooled to a
 * temporary file). Each layer stays a layer; whiteouts are converted; each
 * layer's digest is checked against the config's rootfs.diff_ids.
 * All-or-nothing: on any failure the store is unchanged.
 * *ret_loaded (may be NULL): "Loaded image: name:tag" / "Loaded image ID: sha256:<hex>"
 * lines as docker prints them, NULL-terminated, caller frees (strv_free). */
int rt_image_load(const char *root, const char *path, int fd, rt_image_progress_fn progress, void *userdata,
		  char ***ret_loaded, struct err *e) _wur_;

/* Remove ref as `docker rmi` does: "name[:tag]" removes that name, and the image
 * when it was its last name; an id removes the image (with several names only
 * when force). An image that a container uses ($ROOT/containers/<id>/config.json
 * with "ImageID") is never deleted, even with force: -EBUSY "image is in use by
 * container <12hex>" (with force, the name alone is removed and the image stays).
 * Layers no other image uses are deleted with the image.
 * *ret_lines (may be NULL): "Untagged: name:tag" / "Deleted: sha256:<hex>" lines. */
int rt_image_remove(const char *root, const char *ref, bool force, char ***ret_lines, struct err *e) _wur_;

/* Give the image ref the name "name[:tag]" too, as `docker tag` does (the name
 * moves from any image that had it). -ENOENT, -EINVAL as rt_image_get. */
int rt_image_tag(const char *root, const char *ref, const char *name, struct err *e) _wur_;

/* Take the store's lock (returns an fd to close to release it). A container
 * creator may hold it between rt_image_get() and writing its config.json, so
 * that an `image rm` running at the same time sees the new container. The
 * rt_image_* functions work while the calling process holds it (they notice,
 * instead of waiting for themselves); taking it again while holding it gives
 * a copy of the same lock. */
int rt_image_lock(const char *root, struct err *e) _wur_;

/* ---- references ------------------------------------------------------------ */

/* Split "name[:tag]" as Docker does ("localhost:5000/a/b:v1" -> "localhost:5000/a/b",
 * "v1"); the tag defaults to "latest". Names: lowercase components
 * [a-z0-9]+([._-]|__)[a-z0-9]+... separated by '/', an optional registry host[:port]
 * first; tags: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. Digests ("@sha256:") are refused.
 * -EINVAL with a message naming what is wrong. */
int rt_image_ref_parse(const char *ref, char **ret_name, char **ret_tag, struct err *e) _wur_;

/* ---- archive entry checks (used by import and load; exported for tests) -------- */

/* Check and normalise an entry path of a layer tar: "./a//b/" -> "a/b".
 * Refused (-EINVAL, message naming the entry): absolute paths, ".." components,
 * empty names, NUL bytes or names longer than PATH_MAX. The root itself ("./")
 * gives "" (*ret_clean = ""). */
int rt_archive_check_path(const char *name, char **ret_clean, struct err *e) _wur_;

/* Check a symlink's target, entry being its normalised path: a relative target
 * must not climb above the layer root ("a/l" -> "../../etc" is refused). Absolute
 * targets are kept: at run time they name paths inside the container's root
 * (writing *through* any symlink during extraction is refused separately). */
int rt_archive_check_symlink(const char *entry, const char *target, struct err *e) _wur_;

/* Check a hard link's target (a path in the same archive, as rt_archive_check_path);
 * *ret_clean: the normalised target. */
int rt_archive_check_hardlink(const char *entry, const char *target, char **ret_clean, struct err *e) _wur_;

#endif
