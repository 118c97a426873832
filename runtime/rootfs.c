/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's root filesystem, built inside its own mount namespace by
 * the cloned init: overlay of the image layers, /proc, /sys, a minimal /dev,
 * bind mounts and volumes, /etc/{hostname,hosts,resolv.conf}, pivot_root,
 * then Docker's masked and read-only paths. Every target inside the root is
 * resolved with openat2(RESOLVE_IN_ROOT), so a symlink in an image can never
 * point a mount outside the root.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include "rt-internal.h"

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	while (*path == '/')
		path++;
	return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
}

/* Open path inside rootfd (O_PATH), creating missing directories, and the
 * last component as a directory (dir) or an empty file. */
int rt_open_target(int rootfd, const char *path, bool dir, struct err *e)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t n = strlen(p);

	int fd = openat2_in_root(rootfd, p, O_PATH);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return err_set(e, errno, "open %s in the container", path);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char saved = p[i];
		p[i] = '\0';
		int cfd = openat2_in_root(rootfd, p, O_PATH);
		if (cfd < 0 && errno == ENOENT) {
			char *slash = strrchr(p, '/');
			*slash = '\0';
			_cleanup_close_ int parent = openat2_in_root(rootfd, p, O_PATH | O_DIRECTORY);
			*slash = '/';
			if (parent < 0)
				return err_set(e, errno, "open parent of %s in the container", p);
			bool last = saved == '\0';
			if (!last || dir) {
				if (mkdirat(parent, slash + 1, 0755) < 0 && errno != EEXIST)
					return err_set(e, errno, "mkdir %s in the container", p);
			} else {
				/* mknodat takes a plain name under an O_PATH parent */
				if (mknodat(parent, slash + 1, S_IFREG | 0644, 0) < 0 && errno != EEXIST)
					return err_set(e, errno, "create %s in the container", p);
			}
		} else if (cfd < 0) {
			return err_set(e, errno, "open %s in the container", p);
		} else {
			close(cfd);
		}
		p[i] = saved;
	}
	fd = openat2_in_root(rootfd, path, O_PATH);
	if (fd < 0)
		return err_set(e, errno, "open %s in the container", path);
	return fd;
}

static int do_mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data,
		    struct err *e)
{
	int r = fault_point("mount");
	if (r < 0)
		return err_set(e, -r, "mount %s on %s", fstype ? fstype : src, target);
	if (mount(src, target, fstype, flags, data) < 0)
		return err_set(e, errno, "mount %s on %s", fstype ? fstype : src, target);
	return 0;
}

/* mount onto a target inside the root, resolved safely */
static int mount_in(int rootfd, const char *src, const char *dst, const char *fstype, unsigned long flags,
		    const char *data, bool dir, struct err *e)
{
	char proc[64];
	_cleanup_close_ int fd = rt_open_target(rootfd, dst, dir, e);
	if (fd < 0)
		return fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int r = do_mount(src, proc, fstype, flags, data, e);
	if (r < 0)
		return err_wrap(e, "%s", dst);
	if ((flags & MS_BIND) && (flags & MS_RDONLY)) {
		/* a bind ignores MS_RDONLY: remount to make it read-only */
		_cleanup_close_ int fd2 = openat2_in_root(rootfd, dst, O_PATH);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd2);
		if (fd2 < 0 || mount(NULL, proc, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | (flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)), NULL) < 0)
			return err_set(e, errno, "remount %s read-only", dst);
	}
	return 0;
}

int rt_mount_overlay(const char *root, const struct rt_config *c, const char *target, struct err *e)
{
	_cleanup_free_ char *upper = rt_container_file(root, c->id, "upper");
	_cleanup_free_ char *work = rt_container_file(root, c->id, "work");
	_cleanup_free_ char *etc = xasprintf("%s/containers/" RT_SHARED_ETC, root);
	size_t n = strv_len(c->layers), len = strlen(etc) + 1;
	char *data;

	if (n == 0)
		return err_setx(e, EINVAL, "the image has no layers");
	for (size_t i = 0; i < n; i++) {
		if (strpbrk(c->layers[i], ":,") || c->layers[i][0] != '/')
			return err_setx(e, EINVAL, "layer path \"%s\" cannot be used in an overlay", c->layers[i]);
		len += strlen(c->layers[i]) + 1;
	}
	len += strlen(upper) + strlen(work) + 64; /* and ",volatile" */
	if (len > 4000)
		return err_setx(e, E2BIG, "too many image layers for one overlay mount");
	data = xmalloc(len);
	/* overlayfs lists the top layer first; on top of the image, the layer
	 * holding the mount points of /etc/{hostname,hosts,resolv.conf}, so
	 * that binding them never copies /etc up into the container's layer */
	char *p = data + sprintf(data, "lowerdir=%s:", etc);
	for (size_t i = n; i > 0; i--)
		p += sprintf(p, "%s%s", c->layers[i - 1], i > 1 ? ":" : "");
	p += sprintf(p, ",upperdir=%s,workdir=%s", upper, work);
	/* a --rm container's layer is never mounted again: "volatile" spares
	 * the syncs of the upper filesystem, and its unmount a sync of the
	 * whole disk (Podman does the same); a kernel before 5.10 has no such
	 * option */
	int r;
	if (c->auto_remove) {
		strcpy(p, ",volatile");
		r = do_mount("overlay", target, "overlay", 0, data, e);
		*p = '\0';
		if (r == -EINVAL && mount("overlay", target, "overlay", 0, data) == 0) {
			err_clear(e);
			r = 0;
		}
	} else {
		r = do_mount("overlay", target, "overlay", 0, data, e);
	}
	free(data);
	return r;
}

static int make_dev(int rootfd, struct err *e)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} devs[] = { { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 } };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" }, { "/proc/kcore", "core" },
	};
	_cleanup_close_ int dev = openat2_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
	int r;

	if (dev < 0)
		return err_set(e, errno, "open /dev in the container");
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		if (mknodat(dev, devs[i].name, S_IFCHR | 0666, makedev(devs[i].maj, devs[i].min)) < 0)
			return err_set(e, errno, "mknod /dev/%s", devs[i].name);
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0)
			return err_set(e, errno, "symlink /dev/%s", links[i][1]);
	r = mount_in(rootfd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620,gid=5", true, e);
	if (r >= 0)
		r = mount_in(rootfd, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
			     true, e);
	if (r >= 0)
		r = mount_in(rootfd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true, e);
	return r;
}

static int mount_binds(const char *root, int rootfd, const struct rt_config *c, struct err *e)
{
	for (size_t i = 0; i < c->n_binds; i++) {
		const struct rt_bind *b = &c->binds[i];
		_cleanup_free_ char *src = b->volume ? rt_volume_path(root, b->src) : xstrdup(b->src);
		struct stat st;
		if (stat(src, &st) < 0)
			return err_set(e, errno, "bind source %s", src);
		int r = mount_in(rootfd, src, b->dst, NULL, MS_BIND | MS_REC | (b->ro ? MS_RDONLY : 0), NULL,
				 S_ISDIR(st.st_mode), e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int mount_etc(const char *root, int rootfd, const struct rt_config *c, struct err *e)
{
	static const char *const files[] = { "hostname", "hosts", "resolv.conf" };
	/* --network container:ID shares that container's hosts and resolv.conf
	 * (as Docker): its network's names and resolver are ours too */
	const char *peer = strncmp(c->network, "container:", 10) == 0 && id_is_valid(c->network + 10) ? c->network + 10
													   : NULL;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *src = rt_container_file(root, peer && i > 0 ? peer : c->id, files[i]);
		_cleanup_free_ char *dst = xasprintf("/etc/%s", files[i]);
		bool user_bound = false;
		for (size_t j = 0; j < c->n_binds; j++)
			user_bound |= strcmp(c->binds[j].dst, dst) == 0;
		if (user_bound)
			continue;
		int r = mount_in(rootfd, src, dst, NULL, MS_BIND, NULL, false, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int rt_rootfs_setup(const char *root, const struct rt_config *c, struct err *e)
{
	/* every container mounts its root here, each in its own mount namespace */
	_cleanup_free_ char *target = xasprintf("%s/containers/" RT_SHARED_MNT, root);
	_cleanup_close_ int rootfd = -EBADF;
	int r;

	/* nothing mounted here may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(e, errno, "make / private");
	r = rt_mount_overlay(root, c, target, e);
	if (r < 0)
		return r;
	rootfd = open(target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_set(e, errno, "open %s", target);
	r = mount_in(rootfd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true, e);
	if (r >= 0)
		r = mount_in(rootfd, "sysfs", "/sys", "sysfs",
			     MS_NOSUID | MS_NODEV | MS_NOEXEC | (c->privileged ? 0 : MS_RDONLY), NULL, true, e);
	if (r >= 0)
		r = mount_in(rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", true, e);
	if (r >= 0)
		r = make_dev(rootfd, e);
	if (r >= 0)
		r = mount_etc(root, rootfd, c, e);
	if (r >= 0)
		r = mount_binds(root, rootfd, c, e);
	if (r >= 0 && c->workdir && *c->workdir) {
		/* as Docker: the working directory is created when missing */
		_cleanup_close_ int wd = rt_open_target(rootfd, c->workdir, true, e);
		r = wd < 0 ? wd : 0;
	}
	if (r < 0)
		return r;
	if (chdir(target) < 0)
		return err_set(e, errno, "chdir %s", target);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_set(e, errno, "pivot_root %s", target);
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(e, errno, "detach the old root");
	if (chdir("/") < 0)
		return err_set(e, errno, "chdir /");
	return 0;
}

/* After pivot_root: Docker's masked and read-only paths, and --read-only. */
int rt_rootfs_finish(const struct rt_config *c, struct err *e)
{
	static const char *const masked[] = {
		"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
		"/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
	};
	static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
	struct stat st;

	if (!c->privileged) {
		for (size_t i = 0; i < ARRAY_SIZE(masked); i++) {
			if (stat(masked[i], &st) < 0)
				continue;
			int r = S_ISDIR(st.st_mode) ? do_mount("tmpfs", masked[i], "tmpfs", MS_RDONLY, "size=0", e)
						    : do_mount("/dev/null", masked[i], NULL, MS_BIND, NULL, e);
			if (r < 0)
				return r;
		}
		for (size_t i = 0; i < ARRAY_SIZE(readonly); i++) {
			if (stat(readonly[i], &st) < 0)
				continue;
			int r = do_mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL, e);
			if (r >= 0 && mount(NULL, readonly[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
				r = err_set(e, errno, "remount %s read-only", readonly[i]);
			if (r < 0)
				return r;
		}
	}
	if (c->read_only && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return err_set(e, errno, "remount / read-only");
	return 0;
}

char *rt_volume_path(const char *root, const char *name)
{
	return xasprintf("%s/volumes/%s/_data", root, name);
}
