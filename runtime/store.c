/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Containers on disk: $ROOT/containers/<id>/{config.json,state.json,...} and
 * $ROOT/containers/names/<name> (a symlink to the id, see name_target():
 * created with symlink(2), which fails when the name exists, so two creates
 * never share a name).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "rt-internal.h"

char *rt_container_dir(const char *root, const char *id)
{
	return xasprintf("%s/containers/%s", root, id);
}

char *rt_container_file(const char *root, const char *id, const char *name)
{
	return xasprintf("%s/containers/%s/%s", root, id, name);
}

static char *name_link(const char *root, const char *name)
{
	return xasprintf("%s/containers/names/%s", root, name);
}

/* A name link's target is its container's id, as the 43 base64url
 * characters of the id's 32 bytes: ext4 keeps a target of up to 59 bytes in
 * the inode itself (a "fast" symlink), while the 64 hex characters needed a
 * data block, whose allocation took 3-9 ms here. Links of both forms are read. */
#define NAME_TARGET_LEN 43
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void name_target(const char *id, char out[NAME_TARGET_LEN + 1])
{
	unsigned char raw[ID_LEN / 2];
	for (size_t i = 0; i < sizeof(raw); i++) {
		unsigned v;
		sscanf(id + 2 * i, "%2x", &v);
		raw[i] = (unsigned char)v;
	}
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < sizeof(raw); i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[n++] = b64url[(acc << (6 - bits)) & 63];
	out[n] = '\0';
}

/* The id a name link points to (either form); false if it is no such link. */
static bool read_name_link(const char *link, char ret_id[ID_LEN + 1])
{
	char t[ID_LEN + 2];
	ssize_t l = readlink(link, t, sizeof(t) - 1);
	if (l == ID_LEN) {
		t[l] = '\0';
		memcpy(ret_id, t, ID_LEN + 1);
		return id_is_valid(ret_id);
	}
	if (l != NAME_TARGET_LEN)
		return false;
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (ssize_t i = 0; i < l; i++) {
		const char *p = memchr(b64url, t[i], 64);
		if (!p || !t[i])
			return false;
		acc = (acc << 6) | (uint32_t)(p - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			snprintf(ret_id + n, 3, "%02x", (acc >> bits) & 0xff);
			n += 2;
		}
	}
	return n == ID_LEN && (acc & ((1u << bits) - 1)) == 0 && id_is_valid(ret_id);
}

bool rt_shim_alive(pid_t pid)
{
	char path[64], buf[512];
	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) S ...": a zombie shim has finished */
	char *rp = strrchr(buf, ')');
	if (!strstr(buf, "(pontoon-shim)") || !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X')
		return false;
	return true;
}

int rt_wait_pid_exit(pid_t pid, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return errno == ESRCH ? 0 : -errno;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;
	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	close(fd);
	return r > 0 ? 0 : -ETIMEDOUT;
}

int rt_state_read(const char *root, const char *id, struct rt_state *ret, struct err *e)
{
	_cleanup_free_ char *path = rt_container_file(root, id, "state.json");
	_cleanup_json_ json_object *o = NULL;
	int r = state_read_json(path, &o, NULL);
	if (r == -ENOENT) {
		_cleanup_free_ char *cfg = rt_container_file(root, id, "config.json");
		if (access(cfg, F_OK) < 0)
			return err_setx(e, ENOENT, "no such container: %.12s", id);
		memset(ret, 0, sizeof(*ret));
		ret->status = RT_CREATED;
		return 0;
	}
	if (r < 0)
		return state_read_json(path, &o, e);
	rt_state_parse(o, ret);
	if (ret->status == RT_RUNNING && !rt_shim_alive(ret->shim_pid)) {
		/* the shim writes "exited" before it exits; it may have just done so */
		_cleanup_json_ json_object *again = NULL;
		if (state_read_json(path, &again, NULL) == 0)
			rt_state_parse(again, ret);
		if (ret->status == RT_RUNNING) {
			ret->status = RT_EXITED;
			ret->exit_code = 255;
			snprintf(ret->error, sizeof(ret->error), "the container's shim (pid %d) is gone", ret->shim_pid);
		}
	}
	return 0;
}

int rt_config_read(const char *root, const char *id, struct rt_config *ret, struct err *e)
{
	_cleanup_free_ char *path = rt_container_file(root, id, "config.json");
	_cleanup_json_ json_object *o = NULL;
	int r = state_read_json(path, &o, e);
	if (r < 0)
		return r;
	return rt_config_from_json(o, ret, e);
}

int rt_container_resolve(const char *root, const char *ref, char ret_id[ID_LEN + 1], struct err *e)
{
	_cleanup_free_ char *link = NULL;
	_cleanup_free_ char *dirpath = xasprintf("%s/containers", root);
	size_t n = ref ? strlen(ref) : 0;
	int found = 0;

	if (n == 0 || n > 128 || strchr(ref, '/'))
		return err_setx(e, ENOENT, "no such container: %s", ref ? ref : "");
	link = name_link(root, ref);
	if (read_name_link(link, ret_id))
		return 0;
	DIR *d = opendir(dirpath);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (!id_is_valid(de->d_name) || strncmp(de->d_name, ref, n) != 0)
			continue;
		if (found++ == 0)
			memcpy(ret_id, de->d_name, ID_LEN + 1);
	}
	if (d)
		closedir(d);
	if (found == 1)
		return 0;
	if (found > 1)
		return err_setx(e, EINVAL, "multiple containers match the prefix \"%s\": give more of the id", ref);
	return err_setx(e, ENOENT, "no such container: %s", ref);
}

struct entry {
	char id[ID_LEN + 1];
	struct timespec t;
};

static int by_time_desc(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->t.tv_sec != y->t.tv_sec)
		return x->t.tv_sec < y->t.tv_sec ? 1 : -1;
	return x->t.tv_nsec < y->t.tv_nsec ? 1 : x->t.tv_nsec > y->t.tv_nsec ? -1 : 0;
}

int rt_container_list(const char *root, char ***ret_ids, struct err *e)
{
	_cleanup_free_ char *dirpath = xasprintf("%s/containers", root);
	_cleanup_free_ struct entry *v = NULL;
	size_t n = 0;
	char **ids = NULL;
	DIR *d = opendir(dirpath);

	if (!d) {
		*ret_ids = NULL;
		return errno == ENOENT ? 0 : err_set(e, errno, "open %s", dirpath);
	}
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;
		if (!id_is_valid(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memcpy(v[n].id, de->d_name, ID_LEN + 1);
		v[n++].t = st.st_mtim;
	}
	closedir(d);
	/* the directory's mtime changes with its files: sort by config.json's */
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = rt_container_file(root, v[i].id, "config.json");
		struct stat st;
		if (stat(p, &st) == 0)
			v[i].t = st.st_mtim;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), by_time_desc);
	for (size_t i = 0; i < n; i++)
		strv_push(&ids, v[i].id);
	*ret_ids = ids;
	return 0;
}

/* The files of a new container's directory: written in place, as nothing
 * reads them before config.json, written last (and atomically), exists. */
static int write_text(const char *root, const char *id, const char *name, const char *text, struct err *e)
{
	_cleanup_free_ char *p = rt_container_file(root, id, name);
	size_t len = strlen(text);
	int r = fault_point("state");
	if (r < 0)
		return err_set(e, -r, "write %s", p);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, errno, "create %s", p);
	ssize_t n = write(fd, text, len);
	if (n != (ssize_t)len)
		return err_set(e, n < 0 ? errno : ENOSPC, "write %s", p);
	return 0;
}

static int copy_host_file(const char *root, const char *id, const char *name, const char *src, const char *fallback,
			  struct err *e)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (read_file(src, 1 << 20, &data, &len, NULL) < 0)
		return write_text(root, id, name, fallback, e);
	return write_text(root, id, name, data, e);
}

static int write_etc_files(const char *root, const struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *hostname = xasprintf("%s\n", c->hostname);
	_cleanup_free_ char *hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
					       "127.0.1.1\t%s\n", c->hostname);
	int r = write_text(root, c->id, "hostname", hostname, e);
	if (r < 0)
		return r;
	if (strcmp(c->network, "host") == 0) {
		r = copy_host_file(root, c->id, "hosts", "/etc/hosts", hosts, e);
		if (r >= 0)
			r = copy_host_file(root, c->id, "resolv.conf", "/etc/resolv.conf", "", e);
		return r;
	}
	r = write_text(root, c->id, "hosts", hosts, e);
	if (r >= 0)
		r = write_text(root, c->id, "resolv.conf", "# no network: --network none\n", e);
	return r;
}

/* dir, with the empty upper/ and work/ of the overlay */
static int make_dir_tree(const char *dir, struct err *e)
{
	static const char *const sub[] = { "upper", "work" };
	int r = mkdir_p(dir, 0700, e);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(sub); i++) {
		_cleanup_free_ char *p = path_join(dir, sub[i]);
		if (mkdir(p, 0755) < 0)
			r = err_set(e, errno, "mkdir %s", p);
	}
	return r;
}

static int make_dirs(const char *root, const char *id, struct err *e)
{
	_cleanup_free_ char *dir = rt_container_dir(root, id);
	_cleanup_free_ char *spare = xasprintf("%s/containers/" RT_SPARE, root);
	/* the spare tree made ahead, if there is one (another start may take it first) */
	if (syscall(SYS_renameat2, AT_FDCWD, spare, AT_FDCWD, dir, RENAME_NOREPLACE) == 0)
		return 0;
	return make_dir_tree(dir, e);
}

void rt_container_spare_make(const char *root)
{
	_cleanup_free_ char *spare = xasprintf("%s/containers/" RT_SPARE, root);
	if (access(spare, F_OK) == 0)
		return;
	/* made in the trash, which `system check` empties should we die here */
	_cleanup_free_ char *tmp = xasprintf("%s/containers/" RT_TRASH "/spare-%d", root, (int)getpid());
	if (make_dir_tree(tmp, NULL) < 0 ||
	    syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, spare, RENAME_NOREPLACE) < 0)
		(void)!rm_rf(tmp, NULL);
}

static int create_files(const char *root, struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *cfg = rt_container_file(root, c->id, "config.json");
	_cleanup_free_ char *logp = rt_container_file(root, c->id, "ctr.log");
	_cleanup_json_ json_object *o = NULL;
	int r = make_dirs(root, c->id, e);

	if (r < 0)
		return r;
	r = write_etc_files(root, c, e);
	if (r < 0)
		return r;
	int fd = open(logp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, errno, "create %s", logp);
	close(fd);
	/* no state.json yet: the container is "created" until its first start */
	/* config.json last: a directory without it is an unfinished create */
	o = rt_config_to_json(c);
	return rt_write_json(cfg, o, e);
}

/* ext4 puts a new directory in its parent's block group, and then every
 * inode made under it there too; with no journal, allocating an inode
 * skips, one by one, the inodes of that group deleted in the last seconds
 * (minutes, while their table block is dirty). Containers are made and
 * removed in quick succession (a dozen inodes each), and so are files in
 * whatever else lives near $ROOT: the scan took ~20% of the CPU time of a
 * container start here. The "top directory" flag (chattr +T) spreads the
 * containers' directories over the groups instead. Best effort: other file
 * systems ignore or refuse it. */
static void containers_topdir(const char *root)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", root);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int flags = 0;
	if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & FS_TOPDIR_FL)) {
		flags |= FS_TOPDIR_FL;
		(void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
}

int rt_shared_dirs(const char *root, struct err *e)
{
	static const char *const files[] = { "hostname", "hosts", "resolv.conf" };
	_cleanup_free_ char *mnt = xasprintf("%s/containers/" RT_SHARED_MNT, root);
	_cleanup_free_ char *etc = xasprintf("%s/containers/" RT_SHARED_ETC "/etc", root);
	struct stat st;

	if (stat(mnt, &st) == 0 && stat(etc, &st) == 0)
		return 0;
	containers_topdir(root);
	int r = mkdir_p(mnt, 0755, e);
	if (r >= 0)
		r = mkdir_p(etc, 0755, e);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = path_join(etc, files[i]);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			r = err_set(e, errno, "create %s", p);
		else
			close(fd);
	}
	return r;
}

/* A name whose container has no config.json (a create or remove that
 * crashed half-way) is free again. */
static bool stale_name(const char *root, const char *link)
{
	char target[ID_LEN + 1];
	if (!read_name_link(link, target))
		return false;
	_cleanup_free_ char *cfg = rt_container_file(root, target, "config.json");
	_cleanup_free_ char *dir = rt_container_dir(root, target);
	struct stat st;
	if (access(cfg, F_OK) == 0)
		return false;
	/* a create in progress has a young directory: leave it alone */
	if (stat(dir, &st) == 0 && time(NULL) - st.st_mtime < 60)
		return false;
	(void)!rm_rf(dir, NULL);
	return true;
}

int rt_container_create(const char *root, struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *names = xasprintf("%s/containers/names", root);
	_cleanup_free_ char *link = NULL;
	char created[40];
	int r;

	r = id_generate(c->id);
	if (r < 0)
		return err_set(e, -r, "generate a container id");
	if (!c->name)
		c->name = xasprintf("pontoon_%.*s", 12, c->id);
	if (!c->hostname)
		c->hostname = xstrndup(c->id, SHORT_ID_LEN);
	if (!c->network)
		c->network = xstrdup("none");
	rt_now_rfc3339(created);
	free(c->created);
	c->created = xstrdup(created);
	r = mkdir_p(names, 0700, e);
	if (r >= 0)
		r = rt_shared_dirs(root, e);
	if (r < 0)
		return err_wrap(e, "create container");
	link = name_link(root, c->name);
	char target[NAME_TARGET_LEN + 1];
	name_target(c->id, target);
	r = symlink(target, link) < 0 ? -errno : 0;
	if (r == -EEXIST && stale_name(root, link)) {
		unlink(link);
		r = symlink(target, link) < 0 ? -errno : 0;
	}
	if (r == -EEXIST)
		return err_setx(e, EEXIST, "the container name \"%s\" is already in use: remove that container or choose another name", c->name);
	if (r < 0)
		return err_set(e, -r, "create container: name link %s", link);
	r = fault_point("state");
	if (r == 0)
		r = create_files(root, c, e);
	else
		err_set(e, -r, "create container %s", c->name);
	if (r < 0) {
		_cleanup_free_ char *dir = rt_container_dir(root, c->id);
		(void)!rm_rf(dir, NULL); /* best effort */
		unlink(link);
		return err_wrap(e, "create container");
	}
	return 0;
}

/* Defensive: unmount anything still mounted under the container's directory
 * (the rootfs lives in the container's own mount namespace, so normally none). */
static void umount_under(const char *dir)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mounts", "re");
	char line[4096];
	char **found = NULL;
	size_t n = strlen(dir);
	while (f && fgets(line, sizeof(line), f)) {
		char *mp = strchr(line, ' ');
		if (!mp)
			continue;
		mp++;
		mp[strcspn(mp, " ")] = '\0';
		if (strncmp(mp, dir, n) == 0 && (mp[n] == '/' || mp[n] == '\0'))
			strv_push(&found, mp);
	}
	for (size_t i = strv_len(found); i > 0; i--)
		umount2(found[i - 1], MNT_DETACH);
	strv_free(found);
}

int rt_container_lock(const char *root, const char *id, struct err *e)
{
	_cleanup_free_ char *dir = rt_container_dir(root, id);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? err_setx(e, ENOENT, "no such container: %.12s", id) : err_set(e, errno, "open %s", dir);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int r = err_set(e, errno, "lock %s", dir);
			close(fd);
			return r;
		}
	}
	return fd;
}

int rt_container_remove(const char *root, const char *id, bool force, struct err *e)
{
	struct rt_state st;
	int lock = rt_container_lock(root, id, e);
	if (lock < 0)
		return lock;
	int r = rt_state_read(root, id, &st, e);
	if (r == 0 && st.status == RT_RUNNING) {
		if (!force) {
			close(lock);
			return err_setx(e, EBUSY, "cannot remove container %.12s: it is running: stop it first or use rm -f", id);
		}
		/* unlocked while it dies: its shim takes the lock to record the end */
		close(lock);
		kill(st.pid, SIGKILL);
		if (rt_wait_pid_exit(st.shim_pid, 10000) < 0)
			return err_setx(e, ETIMEDOUT, "container %.12s did not stop after SIGKILL", id);
		lock = rt_container_lock(root, id, e);
		if (lock == -ENOENT) {
			err_clear(e);
			return 0; /* it was a --rm container: its shim removed it */
		}
		if (lock < 0)
			return lock;
	} else if (r < 0 && r != -ENOENT) { /* ENOENT: a half-made container, remove it */
		close(lock);
		return r;
	}
	err_clear(e);
	r = rt_container_purge(root, id, e);
	close(lock);
	if (r == 0 && rt_hooks.release)
		rt_hooks.release(root, id);
	return r;
}

static char *trash_path(const char *root, const char *name)
{
	return xasprintf("%s/containers/" RT_TRASH "/%s", root, name);
}

int rt_container_hide(const char *root, const char *id, const char *name, unsigned flags, struct err *e)
{
	struct rt_config c = { 0 };
	int r = flags & RT_HIDE_KEEP_CGROUPS ? 0 : rt_cgroup_remove(root, id, e);
	if (r < 0)
		return err_wrap(e, "remove container %.12s", id);
	_cleanup_free_ char *dir = rt_container_dir(root, id);
	_cleanup_free_ char *trash = xasprintf("%s/containers/" RT_TRASH, root);
	_cleanup_free_ char *to = trash_path(root, id);
	_cleanup_free_ char *name_to = xasprintf("%s.name", to);
	bool have_trash = mkdir(trash, 0700) == 0 || errno == EEXIST;
	if (!(flags & RT_HIDE_NO_MOUNTS))
		umount_under(dir);
	if (!name && rt_config_read(root, id, &c, NULL) == 0)
		name = c.name;
	if (name) {
		_cleanup_free_ char *link = name_link(root, name);
		char target[ID_LEN + 1];
		if (read_name_link(link, target) && strcmp(target, id) == 0 && (!have_trash || rename(link, name_to) < 0))
			unlink(link);
	}
	rt_config_done(&c);
	if (have_trash && rename(dir, to) == 0)
		return 0;
	r = rm_rf(dir, e);
	if (r < 0 && r != -ENOENT)
		return err_wrap(e, "remove container %.12s", id);
	return 0;
}

void rt_container_trash_empty(const char *root, const char *id)
{
	_cleanup_free_ char *to = trash_path(root, id);
	_cleanup_free_ char *name_to = xasprintf("%s.name", to);
	(void)!rm_rf(to, NULL); /* best effort: system check removes what is left */
	unlink(name_to);
	rt_trash_sweep(root, true, NULL); /* and what a killed remover left */
}

int rt_container_purge(const char *root, const char *id, struct err *e)
{
	int r = rt_container_hide(root, id, NULL, 0, e);
	if (r >= 0)
		rt_container_trash_empty(root, id);
	return r;
}
