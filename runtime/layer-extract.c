/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Extract one layer tar into a directory, safely:
 *
 *   source --(libarchive: decompress, format "raw")--> tar bytes --(sha256)-->
 *          --(libarchive: tar reader)--> entries --> the directory
 *
 * The digest is taken of the uncompressed tar as it streams by (Docker's
 * diff_id). Each entry's name is checked (archive-check.c: no "..", not
 * absolute); its parent directory is opened one component at a time with
 * O_NOFOLLOW, so nothing is ever written through a symlink or outside the
 * directory; the entry itself is created with O_EXCL/O_NOFOLLOW
 * semantics. Whiteouts become overlayfs whiteouts: ".wh.NAME" a character
 * device 0:0 named NAME, ".wh..wh..opq" the xattr trusted.overlay.opaque=y on
 * its directory. Device nodes other than whiteouts are refused.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include "image-internal.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define PROGRESS_STEP (1u << 20)

struct chain {
	const struct layer_source *src;
	struct archive *raw;
	struct digest sha;
	uint64_t consumed; /* source bytes, for progress */
	uint64_t next_report;
	const char *label;
	rt_image_progress_fn progress;
	void *userdata;
	char buf[65536];
};

struct extract {
	const char *dir;
	int rootfd;
	char *cache_path; /* the last parent opened, and its fd */
	int cache_fd;
	uint64_t size;
	char **dirs;               /* directories with their entry's times, set again at the end */
	struct timespec *dir_times; /* (adding entries into a directory changed its mtime) */
	size_t ndirs;
};

static la_ssize_t src_read(struct archive *a, void *ctx, const void **buf)
{
	struct chain *c = ctx;
	la_ssize_t n = c->src->read(a, c->src->ctx, buf);
	if (n > 0) {
		c->consumed += (uint64_t)n;
		if (c->progress && c->consumed >= c->next_report) {
			c->progress(c->userdata, c->label, c->consumed, c->src->total);
			c->next_report = c->consumed + PROGRESS_STEP;
		}
	}
	return n;
}

/* The tar reader's input: decompressed bytes, hashed on the way. */
static la_ssize_t tar_read(struct archive *a, void *ctx, const void **buf)
{
	struct chain *c = ctx;
	la_ssize_t n = archive_read_data(c->raw, c->buf, sizeof(c->buf));
	if (n < 0) {
		archive_set_error(a, archive_errno(c->raw) ? archive_errno(c->raw) : EIO, "%s",
				  archive_error_string(c->raw) ? archive_error_string(c->raw) : "read error");
		return -1;
	}
	digest_update(&c->sha, c->buf, (size_t)n);
	*buf = c->buf;
	return n;
}

/* Open one component (no '/', never "." or "..") of a path inside the layer as
 * a directory, never following a symlink: -ELOOP for a symlink, -ENOTDIR for
 * anything else that is not a directory. */
static int open_component(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0)
		return fd;
	if (errno != ENOTDIR && errno != ELOOP)
		return -errno;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return -ELOOP;
	return -ENOTDIR;
}

/* Open dir (a normalised relative path, "" for the root) inside the layer,
 * creating missing components (0755); never through a symlink. */
static int open_dir(struct extract *x, const char *dir, const char *entry, struct err *e)
{
	if (x->cache_path && strcmp(x->cache_path, dir) == 0)
		return x->cache_fd;
	_cleanup_close_ int fd = openat(x->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *walk = xstrdup(dir);
	char *save = NULL;

	if (fd < 0)
		return err_set(e, errno, "open %s", x->dir);
	for (char *c = strtok_r(walk, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int nfd = open_component(fd, c);
		if (nfd == -ENOENT) {
			if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
				return err_set(e, errno, "archive entry \"%s\": create directory \"%s\"", entry, c);
			nfd = open_component(fd, c);
		}
		if (nfd == -ELOOP)
			return err_setx(e, EINVAL, "archive entry \"%s\": its path goes through the symlink \"%s\"",
					entry, c);
		if (nfd == -ENOTDIR)
			return err_setx(e, EINVAL, "archive entry \"%s\": \"%s\" in its path is not a directory", entry,
					c);
		if (nfd < 0)
			return err_set(e, -nfd, "archive entry \"%s\": open \"%s\"", entry, c);
		closep(&fd);
		fd = nfd;
	}
	if (x->cache_path)
		close(x->cache_fd);
	free(x->cache_path);
	x->cache_path = xstrdup(dir);
	x->cache_fd = TAKE_FD(fd);
	return x->cache_fd;
}

static void cache_drop(struct extract *x)
{
	if (x->cache_path)
		close(x->cache_fd);
	free(x->cache_path);
	x->cache_path = NULL;
	x->cache_fd = -1;
}

/* Make room for base in pfd: an earlier entry of this layer with the same name
 * is replaced (the later entry wins, as tar does), except a directory by a directory. */
static int clear_name(struct extract *x, int pfd, const char *base, const char *clean, bool keep_dir, struct err *e)
{
	struct stat st;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_set(e, errno, "archive entry \"%s\": stat", clean);
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 1;
		_cleanup_free_ char *p = path_join(x->dir, clean);
		cache_drop(x);
		return rm_rf(p, e) < 0 ? err_wrap(e, "archive entry \"%s\": replace directory", clean) : 0;
	}
	if (unlinkat(pfd, base, 0) < 0)
		return err_set(e, errno, "archive entry \"%s\": replace", clean);
	return 0;
}

static bool xattr_allowed(const char *name)
{
	/* trusted.* (overlay's own attributes among them) and security labels are
	 * not taken from an archive; file capabilities and user attributes are. */
	return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0;
}

static int set_xattrs(int fd, struct archive_entry *ent, const char *clean, struct err *e)
{
	const char *name;
	const void *val;
	size_t len;

	archive_entry_xattr_reset(ent);
	while (archive_entry_xattr_next(ent, &name, &val, &len) == ARCHIVE_OK) {
		if (!xattr_allowed(name)) {
			log_debug("archive entry \"%s\": xattr %s not applied", clean, name);
			continue;
		}
		if (fsetxattr(fd, name, val, len, 0) < 0)
			return err_set(e, errno, "archive entry \"%s\": set xattr %s", clean, name);
	}
	return 0;
}

static int set_meta(int pfd, const char *base, struct archive_entry *ent, const char *clean, struct err *e)
{
	int64_t uid = archive_entry_uid(ent), gid = archive_entry_gid(ent);
	mode_t type = archive_entry_filetype(ent);
	struct timespec ts[2] = {
		{ .tv_sec = archive_entry_mtime(ent), .tv_nsec = archive_entry_mtime_nsec(ent) },
	};

	if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
		return err_setx(e, EINVAL, "archive entry \"%s\": bad owner %lld:%lld", clean, (long long)uid,
				(long long)gid);
	ts[1] = ts[0];
	/* owner before mode: chown clears the set-id bits */
	if (fchownat(pfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(e, errno, "archive entry \"%s\": chown", clean);
	if (type != AE_IFLNK && fchmodat(pfd, base, archive_entry_perm(ent) & 07777, 0) < 0)
		return err_set(e, errno, "archive entry \"%s\": chmod", clean);
	if (!archive_entry_mtime_is_set(ent))
		return 0;
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(e, errno, "archive entry \"%s\": set times", clean);
	return 0;
}

static int write_data(struct archive *tar, int fd, const char *clean, struct err *e)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(tar, &buf, &len, &off)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *p = buf;
		int f = fault_point("image-write"); /* tests: a full disk mid-layer */
		if (f < 0)
			return err_set(e, -f, "archive entry \"%s\": write", clean);
		while (len > 0) {
			ssize_t n = pwrite(fd, p, len, off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return err_set(e, errno, "archive entry \"%s\": write", clean);
			}
			p += n;
			off += n;
			len -= (size_t)n;
		}
	}
	if (r != ARCHIVE_EOF)
		return err_setx(e, EIO, "archive entry \"%s\": %s", clean, archive_error_string(tar));
	return 0;
}

static int make_file(struct extract *x, struct archive *tar, struct archive_entry *ent, int pfd, const char *base,
		     const char *clean, struct err *e)
{
	_cleanup_close_ int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, errno, "archive entry \"%s\": create", clean);
	if (write_data(tar, fd, clean, e) < 0)
		return -e->code;
	if (ftruncate(fd, archive_entry_size(ent)) < 0)
		return err_set(e, errno, "archive entry \"%s\": truncate", clean);
	x->size += (uint64_t)archive_entry_size(ent);
	/* xattrs after the owner: chown drops security.capability */
	if (set_meta(pfd, base, ent, clean, e) < 0)
		return -e->code;
	return set_xattrs(fd, ent, clean, e);
}

static int make_dir(struct archive_entry *ent, int pfd, const char *base, const char *clean, bool exists,
		    struct err *e)
{
	if (!exists && mkdirat(pfd, base, 0700) < 0)
		return err_set(e, errno, "archive entry \"%s\": mkdir", clean);
	if (set_meta(pfd, base, ent, clean, e) < 0)
		return -e->code;
	if (archive_entry_xattr_count(ent) > 0) {
		_cleanup_close_ int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_set(e, errno, "archive entry \"%s\": open", clean);
		return set_xattrs(fd, ent, clean, e);
	}
	return 0;
}

static int make_hardlink(struct extract *x, struct archive_entry *ent, int pfd, const char *base, const char *clean,
			 struct err *e)
{
	_cleanup_free_ char *target = NULL;
	if (rt_archive_check_hardlink(clean, archive_entry_hardlink(ent), &target, e) < 0)
		return -e->code;
	char *slash = strrchr(target, '/');
	const char *tbase = slash ? slash + 1 : target;
	_cleanup_free_ char *tdir = slash ? xstrndup(target, (size_t)(slash - target)) : xstrdup("");
	/* open_dir may replace the cached parent: reopen the entry's own parent afterwards */
	_cleanup_free_ char *pdir = NULL;
	const char *ps = strrchr(clean, '/');
	pdir = ps ? xstrndup(clean, (size_t)(ps - clean)) : xstrdup("");
	int tfd = open_dir(x, tdir, clean, e);
	if (tfd < 0)
		return tfd;
	_cleanup_close_ int tfd_own = fcntl(tfd, F_DUPFD_CLOEXEC, 3);
	if (tfd_own < 0)
		return err_set(e, errno, "archive entry \"%s\"", clean);
	pfd = open_dir(x, pdir, clean, e);
	if (pfd < 0)
		return pfd;
	struct stat st;
	if (fstatat(tfd_own, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_setx(e, EINVAL, "archive entry \"%s\": hard link target \"%s\" is not in the layer", clean,
				target);
	if (S_ISDIR(st.st_mode))
		return err_setx(e, EINVAL, "archive entry \"%s\": hard link to a directory", clean);
	if (strcmp(target, clean) == 0)
		return 0; /* a link to itself: nothing to do */
	if (clear_name(x, pfd, base, clean, false, e) < 0)
		return -e->code;
	if (linkat(tfd_own, tbase, pfd, base, 0) < 0)
		return err_set(e, errno, "archive entry \"%s\": link to \"%s\"", clean, target);
	return 0;
}

static int make_whiteout(struct extract *x, struct archive_entry *ent, int pfd, const char *base, const char *clean,
			 struct err *e)
{
	if (strcmp(base, WH_OPAQUE) == 0) {
		_cleanup_close_ int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return err_set(e, errno, "archive entry \"%s\": mark the directory opaque", clean);
		return 0;
	}
	const char *name = base + strlen(WH_PREFIX);
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_setx(e, EINVAL, "archive entry \"%s\": bad whiteout name", clean);
	_cleanup_free_ char *target = xstrndup(clean, (size_t)(base - clean));
	char *full = xasprintf("%s%s", target, name);
	free(target);
	target = full;
	if (clear_name(x, pfd, name, target, false, e) < 0)
		return -e->code;
	if (mknodat(pfd, name, S_IFCHR, makedev(0, 0)) < 0)
		return err_set(e, errno, "archive entry \"%s\": create whiteout", clean);
	if (fchownat(pfd, name, (uid_t)archive_entry_uid(ent), (gid_t)archive_entry_gid(ent), AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(e, errno, "archive entry \"%s\": chown", clean);
	return 0;
}

static int make_special(struct archive_entry *ent, int pfd, const char *base, const char *clean, struct err *e)
{
	mode_t type = archive_entry_filetype(ent);
	dev_t dev = 0;

	if (type == AE_IFCHR || type == AE_IFBLK) {
		unsigned maj = (unsigned)archive_entry_rdevmajor(ent), min = (unsigned)archive_entry_rdevminor(ent);
		if (type == AE_IFBLK || maj != 0 || min != 0)
			return err_setx(e, EINVAL, "archive entry \"%s\": device node (%s %u:%u) refused", clean,
					type == AE_IFBLK ? "block" : "char", maj, min);
	} else if (type != AE_IFIFO) {
		return err_setx(e, EINVAL, "archive entry \"%s\": unsupported file type 0%o", clean, (unsigned)type);
	}
	if (mknodat(pfd, base, (type == AE_IFCHR ? S_IFCHR : S_IFIFO) | 0600, dev) < 0)
		return err_set(e, errno, "archive entry \"%s\": mknod", clean);
	return set_meta(pfd, base, ent, clean, e);
}

static int extract_entry(struct extract *x, struct archive *tar, struct archive_entry *ent, struct err *e)
{
	_cleanup_free_ char *clean = NULL, *dir = NULL;
	mode_t type = archive_entry_filetype(ent);
	int r;

	if (rt_archive_check_path(archive_entry_pathname(ent), &clean, e) < 0)
		return -e->code;
	if (!*clean)
		return 0; /* "./": the layer root itself */
	char *slash = strrchr(clean, '/');
	const char *base = slash ? slash + 1 : clean;
	dir = slash ? xstrndup(clean, (size_t)(slash - clean)) : xstrdup("");
	int pfd = open_dir(x, dir, clean, e);
	if (pfd < 0)
		return pfd;
	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0)
		return make_whiteout(x, ent, pfd, base, clean, e);
	if (archive_entry_hardlink(ent))
		return make_hardlink(x, ent, pfd, base, clean, e);
	if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(ent);
		if (rt_archive_check_symlink(clean, target, e) < 0)
			return -e->code;
	}
	r = clear_name(x, pfd, base, clean, type == AE_IFDIR, e);
	if (r < 0)
		return r;
	pfd = open_dir(x, dir, clean, e); /* clear_name may have dropped the cache */
	if (pfd < 0)
		return pfd;
	switch (type) {
	case AE_IFREG:
		return make_file(x, tar, ent, pfd, base, clean, e);
	case AE_IFDIR:
		if (archive_entry_mtime_is_set(ent)) {
			x->dir_times = xrealloc(x->dir_times, (x->ndirs + 1) * sizeof(*x->dir_times));
			x->dir_times[x->ndirs].tv_sec = archive_entry_mtime(ent);
			x->dir_times[x->ndirs++].tv_nsec = archive_entry_mtime_nsec(ent);
			strv_push(&x->dirs, clean);
		}
		return make_dir(ent, pfd, base, clean, r == 1, e);
	case AE_IFLNK:
		if (symlinkat(archive_entry_symlink(ent), pfd, base) < 0)
			return err_set(e, errno, "archive entry \"%s\": symlink", clean);
		return set_meta(pfd, base, ent, clean, e);
	default:
		return make_special(ent, pfd, base, clean, e);
	}
}

/* Deepest first, so setting a directory's times does not disturb its parent's. */
static void restore_dir_times(struct extract *x)
{
	for (size_t i = x->ndirs; i > 0; i--) {
		struct timespec ts[2] = { x->dir_times[i - 1], x->dir_times[i - 1] };
		char *clean = x->dirs[i - 1], *slash = strrchr(clean, '/');
		_cleanup_free_ char *dir = slash ? xstrndup(clean, (size_t)(slash - clean)) : xstrdup("");
		const char *base = slash ? slash + 1 : clean;
		struct stat st;
		int pfd = open_dir(x, dir, clean, NULL);
		if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue; /* replaced by a later entry */
		if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
			log_debug("cannot set the times of %s", clean);
	}
}

static struct archive *raw_reader(void)
{
	struct archive *a = archive_read_new();
	if (!a)
		abort();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	return a;
}

static int extract_all(struct extract *x, struct chain *c, struct err *e)
{
	struct archive *tar = archive_read_new();
	struct archive_entry *ent;
	int r;

	if (!tar)
		abort();
	archive_read_support_format_tar(tar);
	if (archive_read_open(tar, c, NULL, tar_read, NULL) != ARCHIVE_OK) {
		r = err_setx(e, EINVAL, "not a tar archive: %s", archive_error_string(tar));
		archive_read_free(tar);
		return r;
	}
	for (;;) {
		r = archive_read_next_header(tar, &ent);
		if (r == ARCHIVE_EOF) {
			r = 0;
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			r = err_setx(e, EINVAL, "bad tar archive: %s", archive_error_string(tar));
			break;
		}
		r = extract_entry(x, tar, ent, e);
		if (r < 0)
			break;
	}
	archive_read_free(tar);
	return r;
}

int layer_extract(const struct layer_source *src, const char *dir, const char *label, rt_image_progress_fn progress,
		  void *userdata, struct layer_result *ret, struct err *e)
{
	_cleanup_free_ struct chain *c = xcalloc(1, sizeof(*c));
	struct extract x = { .dir = dir, .cache_fd = -1 };
	struct archive_entry *ent;
	struct err local = { 0 };
	int r;

	if (!e)
		e = &local;
	c->src = src;
	c->label = label;
	c->progress = progress;
	c->userdata = userdata;
	digest_init(&c->sha);
	x.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.rootfd < 0)
		return err_set(e, errno, "open %s", dir);
	c->raw = raw_reader();
	if (archive_read_open(c->raw, c, NULL, src_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(c->raw, &ent) != ARCHIVE_OK) {
		r = err_setx(e, EINVAL, "cannot read the layer: %s",
			     archive_error_string(c->raw) ? archive_error_string(c->raw) : "empty");
		goto out;
	}
	r = extract_all(&x, c, e);
	if (r == 0)
		restore_dir_times(&x);
	/* the tar's end may leave padding unread: the digest covers the whole stream */
	for (la_ssize_t n; r == 0 && (n = archive_read_data(c->raw, c->buf, sizeof(c->buf))) != 0;) {
		if (n < 0) {
			r = err_setx(e, EIO, "read the layer: %s", archive_error_string(c->raw));
			break;
		}
		digest_update(&c->sha, c->buf, (size_t)n);
	}
	if (r == 0 && syncfs(x.rootfd) < 0)
		r = err_set(e, errno, "sync %s", dir);
	if (r == 0) {
		digest_final_hex(&c->sha, ret->hex);
		ret->size = x.size;
		if (progress)
			progress(userdata, label, c->consumed, c->consumed);
	}
out:
	strv_free(x.dirs);
	free(x.dir_times);
	cache_drop(&x);
	close(x.rootfd);
	archive_read_free(c->raw);
	return r;
}
