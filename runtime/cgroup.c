/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroups. v2 when /sys/fs/cgroup is the unified hierarchy (controllers in
 * cgroup.controllers); otherwise v1, one directory per controller:
 * /sys/fs/cgroup/<controller>/<parent>/<id>. A requested limit that cannot be
 * applied is an error; creation is all or nothing.
 *
 * cgroups are host-wide, pontoon's roots are not: each root has its own
 * parent directory (rt_cgroup_parent), "pontoon" for the default root and
 * "pontoon-<16 hex>" for any other, so that one root's check and repair never
 * take another root's containers for orphans.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include "rt-internal.h"

#define CG_ROOT "/sys/fs/cgroup"

/* v1 controllers pontoon uses; cpuset only when --cpuset-cpus is given. */
static const char *const v1_ctls[] = { "memory", "cpu", "cpuacct", "pids", "cpuset", "devices", "unified" };
/* "unified": a hybrid host's cgroup2 hierarchy at /sys/fs/cgroup/unified, with
 * no controllers; joined as runc does (the init is born in it: shim.c), and
 * where the BPF device program goes if v1 has no devices controller
 * (devices-bpf.c) */

static bool is_v2(void)
{
	static int v2 = -1;
	struct statfs fs;
	if (v2 < 0)
		v2 = statfs(CG_ROOT, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
	return v2;
}

char *rt_cgroup_parent(const char *root)
{
	/* one CLI or shim serves one root: remember the last answer (pontoon
	 * runs parallel work in processes, never threads: no lock) */
	static char *last_root, *last_parent;
	if (last_root && strcmp(last_root, root) == 0)
		return xstrdup(last_parent);
	_cleanup_free_ char *canon = realpath(root, NULL);
	const char *r = canon ? canon : root;
	free(last_root);
	free(last_parent);
	last_root = xstrdup(root);
	if (strcmp(r, RT_DEFAULT_ROOT) == 0) {
		last_parent = xstrdup("pontoon");
	} else {
		/* FNV-1a, 64 bits: no crypto library in the static shim */
		uint64_t h = 0xcbf29ce484222325ULL;
		for (const char *p = r; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
		last_parent = xasprintf("pontoon-%016llx", (unsigned long long)h);
	}
	return xstrdup(last_parent);
}

/* /sys/fs/cgroup[/<controller>]/<parent>: where a root's container cgroups are. */
char *rt_cgroup_base(const char *root, const char *controller)
{
	_cleanup_free_ char *parent = rt_cgroup_parent(root);
	if (is_v2())
		return xasprintf(CG_ROOT "/%s", parent);
	return xasprintf(CG_ROOT "/%s/%s", controller ? controller : "", parent);
}

char *rt_cgroup_path(const char *root, const char *id, const char *controller)
{
	_cleanup_free_ char *base = rt_cgroup_base(root, controller);
	return path_join(base, id);
}

static int write_str(const char *dir, const char *file, const char *val, struct err *e)
{
	_cleanup_free_ char *p = path_join(dir, file);
	int r = fault_point("cgroup");
	if (r < 0)
		return err_set(e, -r, "write %s", p);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s", p);
	ssize_t n = write(fd, val, strlen(val));
	int saved = errno;
	close(fd);
	if (n < 0)
		return err_set(e, saved, "write \"%s\" to %s", val, p);
	return 0;
}

static int read_str(const char *dir, const char *file, char *buf, size_t len)
{
	_cleanup_free_ char *p = path_join(dir, file);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The configuration sets a limit of controller ctl. */
static bool limit_set(const struct rt_config *c, const char *ctl)
{
	return (strcmp(ctl, "memory") == 0 && c->memory) || (strcmp(ctl, "cpu") == 0 && c->nano_cpus) ||
	       (strcmp(ctl, "pids") == 0 && c->pids_limit > 0) || (strcmp(ctl, "cpuset") == 0 && c->cpuset);
}

static bool v1_wanted(const struct rt_config *c, const char *ctl)
{
	return strcmp(ctl, "cpuset") != 0 || c->cpuset;
}

/* cpuset v1: a new cgroup starts with empty cpus/mems; copy the parent's. */
static int cpuset_inherit(const char *parent, const char *dir, struct err *e)
{
	char buf[256];
	for (int i = 0; i < 2; i++) {
		const char *f = i ? "cpuset.mems" : "cpuset.cpus";
		if (read_str(dir, f, buf, sizeof(buf)) == 0 && buf[0])
			continue;
		if (read_str(parent, f, buf, sizeof(buf)) < 0)
			return err_set(e, EIO, "read %s/%s", parent, f);
		int r = write_str(dir, f, buf, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int mkdir_cg(const char *path, struct err *e)
{
	int r = fault_point("cgroup");
	if (r < 0)
		return err_set(e, -r, "create cgroup %s", path);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return err_set(e, errno, "create cgroup %s", path);
	return 0;
}

static int apply_v1(const char *root, const struct rt_config *c, const char *ctl, const char *dir, struct err *e)
{
	char buf[64];
	int r = 0;
	if (strcmp(ctl, "memory") == 0 && c->memory) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c->memory);
		r = write_str(dir, "memory.limit_in_bytes", buf, e);
		/* as Docker: memory+swap = twice the memory when swap accounting exists */
		_cleanup_free_ char *sw = path_join(dir, "memory.memsw.limit_in_bytes");
		if (r >= 0 && access(sw, F_OK) == 0) {
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c->memory * 2);
			r = write_str(dir, "memory.memsw.limit_in_bytes", buf, e);
		}
	} else if (strcmp(ctl, "cpu") == 0 && c->nano_cpus) {
		r = write_str(dir, "cpu.cfs_period_us", "100000", e);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(c->nano_cpus / 10000));
		if (r >= 0)
			r = write_str(dir, "cpu.cfs_quota_us", buf, e);
	} else if (strcmp(ctl, "pids") == 0 && c->pids_limit > 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)c->pids_limit);
		r = write_str(dir, "pids.max", buf, e);
	} else if (strcmp(ctl, "cpuset") == 0 && c->cpuset) {
		r = write_str(dir, "cpuset.cpus", c->cpuset, e);
	} else if (strcmp(ctl, "devices") == 0 && !c->privileged) {
		r = rt_cgroup_devices_v1(dir, e);
	} else if (strcmp(ctl, "unified") == 0 && !c->privileged) {
		/* a hybrid host: the v1 devices cgroup, made just before, holds
		 * the rules, as runc has it; the cgroup2 program only where that
		 * controller is missing, or asked for (PONTOON_DEVICES_BPF=1: both
		 * apply, the kernel runs the program first) */
		_cleanup_free_ char *v1 = rt_cgroup_path(root, c->id, "devices");
		const char *force = getenv("PONTOON_DEVICES_BPF");
		bool have_v1 = access(v1, F_OK) == 0;
		if (have_v1 && !(force && strcmp(force, "1") == 0))
			return 0;
		r = rt_cgroup_devices_bpf(dir, e);
		if ((r == -ENOSYS || r == -EOPNOTSUPP || r == -EINVAL || r == -EPERM) && have_v1) {
			log_debug("%s; the v1 devices cgroup applies", err_msg(e));
			err_clear(e);
			r = 0;
		}
	}
	return r;
}

static int create_v1(const char *root, const struct rt_config *c, struct err *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(v1_ctls); i++) {
		const char *ctl = v1_ctls[i];
		_cleanup_free_ char *mnt = xasprintf(CG_ROOT "/%s", ctl);
		_cleanup_free_ char *parent = rt_cgroup_base(root, ctl);
		_cleanup_free_ char *dir = rt_cgroup_path(root, c->id, ctl);
		struct statfs fs;
		int r;

		if (!v1_wanted(c, ctl))
			continue;
		bool unified = strcmp(ctl, "unified") == 0;
		if (statfs(mnt, &fs) < 0 || fs.f_type != (unified ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC)) {
			if (limit_set(c, ctl))
				return err_setx(e, ENOTSUP, "the %s cgroup controller is not available at %s", ctl, mnt);
			continue;
		}
		/* the root's parent goes with its last container: another
		 * command may remove it between the two mkdirs; then again */
		for (int tries = 0;; tries++) {
			r = mkdir_cg(parent, e);
			if (r >= 0 && strcmp(ctl, "cpuset") == 0)
				r = cpuset_inherit(mnt, parent, e);
			if (r >= 0)
				r = mkdir_cg(dir, e);
			if (r != -ENOENT || tries >= 3)
				break;
		}
		if (r >= 0 && strcmp(ctl, "cpuset") == 0)
			r = cpuset_inherit(parent, dir, e);
		if (r >= 0)
			r = apply_v1(root, c, ctl, dir, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* word, whole, in a space-separated list */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

static int create_v2(const char *root, const struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *parent = rt_cgroup_base(root, NULL);
	_cleanup_free_ char *dir = rt_cgroup_path(root, c->id, NULL);
	char ctls[256] = "", buf[64];
	int r;

	if (read_str(CG_ROOT, "cgroup.controllers", ctls, sizeof(ctls)) < 0)
		return err_setx(e, ENOTSUP, "cgroup v2 without cgroup.controllers");
	/* a limit that cannot be applied is an error, named as such */
	static const char *const need[] = { "memory", "cpu", "pids", "cpuset" };
	for (size_t i = 0; i < ARRAY_SIZE(need); i++)
		if (limit_set(c, need[i]) && !has_word(ctls, need[i]))
			return err_setx(e, ENOTSUP, "the %s cgroup controller is not available in " CG_ROOT " (cgroup v2)",
					need[i]);
	for (int tries = 0;; tries++) { /* see create_v1 */
		r = mkdir_cg(parent, e);
		if (r < 0)
			return r;
		static const char *const want[] = { "memory", "cpu", "pids", "cpuset" };
		for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
			_cleanup_free_ char *plus = xasprintf("+%s", want[i]);
			if (!strstr(ctls, want[i]))
				continue;
			(void)write_str(CG_ROOT, "cgroup.subtree_control", plus, NULL);
			(void)write_str(parent, "cgroup.subtree_control", plus, NULL);
		}
		r = mkdir_cg(dir, e);
		if (r >= 0)
			break;
		if (r != -ENOENT || tries >= 3)
			return r;
	}
	if (!c->privileged)
		r = rt_cgroup_devices_bpf(dir, e);
	if (r < 0)
		return r;
	if (c->memory) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c->memory);
		r = write_str(dir, "memory.max", buf, e);
		/* as Docker: as much swap as memory, where swap accounting exists */
		if (r >= 0)
			(void)write_str(dir, "memory.swap.max", buf, NULL);
	}
	if (r >= 0 && c->nano_cpus) {
		snprintf(buf, sizeof(buf), "%llu 100000", (unsigned long long)(c->nano_cpus / 10000));
		r = write_str(dir, "cpu.max", buf, e);
	}
	if (r >= 0 && c->pids_limit > 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)c->pids_limit);
		r = write_str(dir, "pids.max", buf, e);
	}
	if (r >= 0 && c->cpuset)
		r = write_str(dir, "cpuset.cpus", c->cpuset, e);
	return r;
}

int rt_cgroup_create(const char *root, const struct rt_config *c, struct err *e)
{
	int r = is_v2() ? create_v2(root, c, e) : create_v1(root, c, e);
	if (r < 0) {
		(void)rt_cgroup_remove(root, c->id, NULL);
		return err_wrap(e, "cgroup limits");
	}
	return 0;
}

/* which: ENTER_V1 the v1 controllers, ENTER_UNIFIED a hybrid host's cgroup2
 * directory (or v2's only one) */
enum { ENTER_V1 = 1, ENTER_UNIFIED = 2 };

static int enter(const char *root, const char *id, pid_t pid, int which, struct err *e)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < (is_v2() ? 1 : ARRAY_SIZE(v1_ctls)); i++) {
		bool unified = is_v2() || strcmp(v1_ctls[i], "unified") == 0;
		if (!(which & (unified ? ENTER_UNIFIED : ENTER_V1)))
			continue;
		_cleanup_free_ char *dir = rt_cgroup_path(root, id, v1_ctls[i]);
		if (access(dir, F_OK) < 0)
			continue;
		/* v1, pid 0: the calling thread alone ("tasks"), which the kernel
		 * moves without its global threadgroup lock: the write side of
		 * that lock waits for an RCU grace period, milliseconds on a busy
		 * host. cgroup2 moves whole processes only. */
		int r = write_str(dir, pid == 0 && !unified ? "tasks" : "cgroup.procs", buf, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int rt_cgroup_enter(const char *root, const char *id, pid_t pid, struct err *e)
{
	return enter(root, id, pid, ENTER_V1 | ENTER_UNIFIED, e);
}

int rt_cgroup_unified_fd(const char *root, const char *id)
{
	_cleanup_free_ char *dir = rt_cgroup_path(root, id, is_v2() ? NULL : "unified");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int rt_cgroup_enter_init(const char *root, const char *id, pid_t pid, struct err *e)
{
	if (pid == 0)
		return is_v2() ? 0 : enter(root, id, 0, ENTER_V1, e);
	return enter(root, id, pid, ENTER_UNIFIED, e);
}

int rt_cgroup_remove(const char *root, const char *id, struct err *e)
{
	int ret = 0;
	for (size_t i = 0; i < (is_v2() ? 1 : ARRAY_SIZE(v1_ctls)); i++) {
		_cleanup_free_ char *dir = rt_cgroup_path(root, id, v1_ctls[i]);
		/* tasks of a just-killed container leave their cgroup asynchronously */
		for (int tries = 0; rmdir(dir) < 0; tries++) {
			if (errno == ENOENT)
				break;
			if (errno != EBUSY || tries >= 200) {
				ret = err_set(e, errno, "remove cgroup %s", dir);
				break;
			}
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	rt_cgroup_remove_parent(root);
	return ret;
}

void rt_cgroup_remove_parent(const char *root)
{
	_cleanup_free_ char *parent = rt_cgroup_parent(root);
	if (strcmp(parent, "pontoon") == 0)
		return; /* the default root's stays, as Docker's docker/ */
	for (size_t i = 0; i < (is_v2() ? 1 : ARRAY_SIZE(v1_ctls)); i++) {
		_cleanup_free_ char *dir = rt_cgroup_base(root, v1_ctls[i]);
		(void)rmdir(dir); /* EBUSY while it has containers */
	}
}

bool rt_cgroup_oom_killed(const char *root, const char *id)
{
	_cleanup_free_ char *dir = rt_cgroup_path(root, id, "memory");
	_cleanup_free_ char *data = NULL;
	_cleanup_free_ char *p = path_join(dir, is_v2() ? "memory.events" : "memory.oom_control");
	size_t len;
	if (read_file(p, 4096, &data, &len, NULL) < 0)
		return false;
	char *k = strstr(data, "oom_kill ");
	return k && strtoull(k + 9, NULL, 10) > 0;
}
