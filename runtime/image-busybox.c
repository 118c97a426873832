/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in image "busybox": made on first use from the host's static
 * busybox (Debian busybox-static). Its root is written as a tar in memory and
 * extracted like any other layer, so it gets a real diff_id, and the same
 * busybox binary always gives the same layer and image id.
 */
#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "image-internal.h"

extern char **environ;

static const char *const busybox_paths[] = { "/bin/busybox", "/usr/bin/busybox" };

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
			     "bin:x:2:2:bin:/bin:/bin/false\n"
			     "sys:x:3:3:sys:/dev:/bin/false\n"
			     "sync:x:4:100:sync:/bin:/bin/sync\n"
			     "mail:x:8:8:mail:/var/spool/mail:/bin/false\n"
			     "www-data:x:33:33:www-data:/var/www:/bin/false\n"
			     "operator:x:37:37:Operator:/var:/bin/false\n"
			     "nobody:x:65534:65534:nobody:/home:/bin/false\n";
static const char group[] = "root:x:0:\n"
			    "daemon:x:1:\n"
			    "bin:x:2:\n"
			    "sys:x:3:\n"
			    "adm:x:4:\n"
			    "tty:x:5:\n"
			    "disk:x:6:\n"
			    "wheel:x:10:root\n"
			    "mail:x:8:\n"
			    "www-data:x:33:\n"
			    "users:x:100:\n"
			    "nogroup:x:65534:\n";

/* A dynamically linked busybox would not run inside the image: no PT_INTERP allowed. */
static int check_static(int fd, const char *path, struct err *e)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 256)
		return err_setx(e, ENOEXEC, "%s is not a 64-bit ELF executable", path);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) != (ssize_t)sizeof(ph))
			return err_setx(e, ENOEXEC, "%s: truncated ELF program headers", path);
		if (ph.p_type == PT_INTERP)
			return err_setx(e, ENOEXEC,
					"%s is dynamically linked; the busybox image needs the static one: install "
					"busybox-static",
					path);
	}
	return 0;
}

/* `busybox --list-full`: the applets' paths ("usr/bin/wget"), one a line. */
static int list_applets(const char *bb, char **ret, struct err *e)
{
	int p[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)bb, (char *)"--list-full", NULL };
	_cleanup_free_ char *buf = xmalloc(65536);
	size_t len = 0;
	int status, r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	r = posix_spawn(&pid, bb, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return err_set(e, r, "run %s --list-full", bb);
	}
	for (ssize_t n; len < 65535 && (n = read(p[0], buf + len, 65535 - len)) != 0;) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0 || len >= 65535)
		return err_setx(e, EIO, "%s --list-full failed", bb);
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

struct membuf {
	char *data;
	size_t len, cap;
};

static la_ssize_t mem_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct membuf *m = ctx;
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->data = xrealloc(m->data, m->cap);
	}
	memcpy(m->data + m->len, buf, n);
	m->len += n;
	return (la_ssize_t)n;
}

static int add(struct archive *a, const char *path, mode_t type, mode_t perm, const char *link, const void *data,
	       size_t len, time_t mtime)
{
	struct archive_entry *ent = archive_entry_new();
	int r;

	archive_entry_set_pathname(ent, path);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, perm);
	archive_entry_set_mtime(ent, mtime, 0);
	if (link)
		archive_entry_set_symlink(ent, link);
	if (type == AE_IFREG)
		archive_entry_set_size(ent, (la_int64_t)len);
	r = archive_write_header(a, ent);
	if (r == ARCHIVE_OK && len && archive_write_data(a, data, len) != (la_ssize_t)len)
		r = ARCHIVE_FATAL;
	archive_entry_free(ent);
	return r == ARCHIVE_OK ? 0 : -EIO;
}

static int build_tar(const char *bb, const char *bin, size_t bin_len, time_t mtime, struct membuf *out,
		     struct err *e)
{
	static const struct {
		const char *path;
		mode_t perm;
	} dirs[] = { { "bin", 0755 },     { "dev", 0755 },  { "etc", 0755 },      { "home", 0755 },
		     { "proc", 0555 },    { "root", 0700 }, { "sbin", 0755 },      { "sys", 0555 },
		     { "tmp", 01777 },    { "usr", 0755 },  { "usr/bin", 0755 },   { "usr/sbin", 0755 },
		     { "var", 0755 },     { "var/spool", 0755 }, { "var/spool/mail", 0755 }, { "var/www", 0755 } };
	_cleanup_free_ char *applets = NULL;
	struct archive *a = archive_write_new();
	int r = 0;

	if (list_applets(bb, &applets, e) < 0) {
		archive_write_free(a);
		return -e->code;
	}
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open(a, out, NULL, mem_write, NULL) != ARCHIVE_OK) {
		archive_write_free(a);
		return err_setx(e, EIO, "busybox image: cannot write its tar");
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(dirs); i++)
		r = add(a, dirs[i].path, AE_IFDIR, dirs[i].perm, NULL, NULL, 0, mtime);
	if (r == 0)
		r = add(a, "bin/busybox", AE_IFREG, 0755, NULL, bin, bin_len, mtime);
	if (r == 0)
		r = add(a, "etc/passwd", AE_IFREG, 0644, NULL, passwd, sizeof(passwd) - 1, mtime);
	if (r == 0)
		r = add(a, "etc/group", AE_IFREG, 0644, NULL, group, sizeof(group) - 1, mtime);
	char *save = NULL;
	for (char *l = strtok_r(applets, "\n", &save); r == 0 && l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *clean = NULL;
		if (rt_archive_check_path(l, &clean, NULL) < 0 || !*clean || strcmp(clean, "bin/busybox") == 0)
			continue;
		r = add(a, clean, AE_IFLNK, 0777, "/bin/busybox", NULL, 0, mtime);
	}
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = -EIO;
	if (r < 0)
		err_setx(e, EIO, "busybox image: cannot write its tar: %s", archive_error_string(a));
	archive_write_free(a);
	return r;
}

struct memsrc {
	const char *data;
	size_t len;
	bool done;
};

static la_ssize_t mem_read(struct archive *a, void *ctx, const void **buf)
{
	struct memsrc *m = ctx;
	if (m->done)
		return 0;
	m->done = true;
	*buf = m->data;
	return (la_ssize_t)m->len;
}

static int find_busybox(const char **ret_path, int *ret_fd, struct err *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(busybox_paths); i++) {
		int fd = open(busybox_paths[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*ret_path = busybox_paths[i];
			*ret_fd = fd;
			return 0;
		}
	}
	return err_setx(e, ENOENT, "no busybox binary at /bin/busybox: install busybox-static");
}

static int make_busybox(const char *root, struct err *e)
{
	const char *bb = busybox_paths[0];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *bin = NULL;
	size_t bin_len;
	struct stat st;
	struct membuf tar = { 0 };
	struct store_tmp tmp = { .fd = -1 };
	struct new_layer layer = { 0 };
	struct new_image img = { 0 };
	struct rt_image cfg = { 0 };
	char *cmd[] = { (char *)"sh", NULL };
	char *env[] = { (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int r;

	r = find_busybox(&bb, &fd, e);
	if (r == 0)
		r = check_static(fd, bb, e);
	if (r == 0 && fstat(fd, &st) < 0)
		r = err_set(e, errno, "stat %s", bb);
	if (r == 0)
		r = read_file(bb, 64u << 20, &bin, &bin_len, e);
	if (r < 0)
		return r;
	r = build_tar(bb, bin, bin_len, st.st_mtime, &tar, e);
	if (r == 0)
		r = store_tmp_new(root, &tmp, true, e);
	if (r == 0) {
		struct memsrc m = { .data = tar.data, .len = tar.len };
		struct layer_source src = { .read = mem_read, .ctx = &m, .total = tar.len };
		layer.path = path_join(tmp.path, "layer");
		if (mkdir(layer.path, 0755) < 0)
			r = err_set(e, errno, "mkdir %s", layer.path);
		else
			r = layer_extract(&src, layer.path, "busybox", NULL, NULL, &layer.res, e);
	}
	if (r == 0) {
		cfg.cmd = cmd;
		cfg.env = env;
		cfg.created = st.st_mtime;
		img.config = image_config_json(&cfg);
		img.created = st.st_mtime;
		strv_push(&img.layers, layer.res.hex);
		strv_push(&img.names, RT_IMAGE_BUSYBOX ":" RT_IMAGE_DEFAULT_TAG);
		image_make_id(&cfg, img.layers, img.id);
		r = store_commit(root, &layer, 1, &img, 1, true, e);
	}
	if (r < 0)
		err_wrap(e, "make the busybox image from %s", bb);
	new_image_clear(&img);
	free(layer.path);
	store_tmp_done(&tmp);
	free(tar.data);
	return r;
}

int rt_image_ensure_busybox(const char *root, struct err *e)
{
	const char *name = RT_IMAGE_BUSYBOX ":" RT_IMAGE_DEFAULT_TAG;
	if (store_has_name(root, name))
		return 0;
	_cleanup_close_ int lock = store_lock(root, e);
	if (lock < 0 && lock != STORE_LOCK_HELD)
		return lock;
	if (store_has_name(root, name)) /* made by someone else while we waited */
		return 0;
	return make_busybox(root, e);
}
