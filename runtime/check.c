/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runtime's half of `pontoon system check`: where the containers' state
 * and the host disagree, and with repair, making them agree.
 *
 *   dead-container   state.json says running, its shim is gone   -> what is left in its
 *                    cgroups killed, marked exited (255), cgroups removed; also
 *                    done by rt_recover at netd's start
 *   orphan-cgroup    <parent>/<id> with no task, of no running container -> removed
 *   orphan-mount     a mount under $ROOT in the host's namespace -> detached
 *   trash            files of a removed container left in containers/.trash -> deleted
 *
 * Containers mount their roots inside their own mount namespaces, so no
 * mount under $ROOT belongs on the host. cgroups are host-wide, but each
 * root has its own parent directory (rt_cgroup_parent), and only that one is
 * looked at: another root's containers are never this root's orphans. A
 * cgroup with tasks is never touched, and an empty one only when it is still
 * empty ORPHAN_SETTLE_SEC later: it may be a container of this root that is
 * being started by another command (created, not yet entered; cgroupfs has no
 * creation time to tell).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include "rt-internal.h"

#define ORPHAN_SETTLE_SEC 2

void rt_check_found(json_object *arr, bool repair, const char *kind, const char *object, int repair_r,
		    const char *problem)
{
	if (!arr)
		return; /* rt_recover: repairs, reports nothing */
	json_object *o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "object", json_object_new_string(object));
	json_object_object_add(o, "problem", json_object_new_string(problem));
	json_object_object_add(o, "repaired", json_object_new_boolean(repair && repair_r >= 0));
	json_object_array_add(arr, o);
}

/* SIGKILL what is left in the container's cgroups (its init outlives a
 * killed shim); the cgroup, not a remembered pid, says what is the container's. */
static void kill_leftovers(const char *root, const char *id)
{
	static const char *const ctls[] = { "memory", "pids", "cpu" };
	for (size_t i = 0; i < ARRAY_SIZE(ctls); i++) {
		_cleanup_free_ char *dir = rt_cgroup_path(root, id, ctls[i]);
		_cleanup_free_ char *p = path_join(dir, "cgroup.procs");
		_cleanup_fclose_ FILE *f = fopen(p, "re");
		long pid;
		while (f && fscanf(f, "%ld", &pid) == 1)
			if (pid > 1)
				kill((pid_t)pid, SIGKILL);
	}
}

/* Marked running, its shim gone (reread under the container's lock: a start
 * may have made it run again meanwhile). */
static bool dead(const char *root, const char *id, struct rt_state *s)
{
	_cleanup_free_ char *path = rt_container_file(root, id, "state.json");
	_cleanup_json_ json_object *o = NULL;
	if (state_read_json(path, &o, NULL) < 0)
		return false;
	rt_state_parse(o, s);
	return s->status == RT_RUNNING && !rt_shim_alive(s->shim_pid);
}

/* The container's lock without waiting: -EAGAIN when another command holds it. */
static int trylock(const char *root, const char *id)
{
	_cleanup_free_ char *dir = rt_container_dir(root, id);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EAGAIN : -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* wait: for the lock (system check); else a container another command holds
 * is left to it (netd's start: that command may be the one waiting for
 * netd, to attach the very container). */
static int repair_dead(const char *root, const char *id, struct rt_state *s, bool wait)
{
	_cleanup_close_ int lock = wait ? rt_container_lock(root, id, NULL) : trylock(root, id);
	if (lock < 0)
		return lock;
	if (!dead(root, id, s))
		return -EAGAIN; /* started again meanwhile: nothing to repair */
	pid_t shim = s->shim_pid;
	s->status = RT_EXITED;
	s->exit_code = 255;
	rt_now_rfc3339(s->finished);
	snprintf(s->error, sizeof(s->error), "the container's shim (pid %d) is gone", shim);
	int r = rt_state_write(root, id, s, NULL);
	kill_leftovers(root, id);
	return r < 0 ? r : rt_cgroup_remove(root, id, NULL);
}

static size_t check_containers(const char *root, bool repair, json_object *arr, bool wait)
{
	_cleanup_strv_ char **ids = NULL;
	size_t n = 0;
	if (rt_container_list(root, &ids, NULL) < 0)
		return 0;
	for (size_t i = 0; ids && ids[i]; i++) {
		struct rt_state s;
		char msg[128];
		if (!dead(root, ids[i], &s))
			continue;
		snprintf(msg, sizeof(msg), "marked running, but its shim (pid %d) is gone", s.shim_pid);
		int r = repair ? repair_dead(root, ids[i], &s, wait) : 0;
		if (r == -EAGAIN)
			continue; /* running again, or busy (not waited for) */
		rt_check_found(arr, repair, "dead-container", ids[i], r, msg);
		n += r >= 0;
	}
	return n;
}

int rt_recover(const char *root)
{
	size_t n = check_containers(root, true, NULL, false);
	if (n)
		log_info("recovered %zu container%s whose shim was gone (marked exited, cgroups removed)", n,
			 n == 1 ? "" : "s");
	return (int)n;
}

static bool running_here(const char *root, const char *id)
{
	struct rt_state s;
	return rt_state_read(root, id, &s, NULL) == 0 && s.status == RT_RUNNING;
}

/* Tasks in a pid namespace of our own do not see the others' pids in
 * cgroup.procs: ask the kernel's counters instead (v2: cgroup.events
 * "populated"; v1: the pids controller's pids.current for that id). */
static bool has_tasks(const char *root, const char *dir)
{
	const char *id = strrchr(dir, '/') + 1;
	_cleanup_free_ char *events = path_join(dir, "cgroup.events");
	_cleanup_free_ char *piddir = rt_cgroup_path(root, id, "pids");
	_cleanup_free_ char *pids = path_join(piddir, "pids.current");
	_cleanup_free_ char *procs = path_join(dir, "cgroup.procs");
	_cleanup_free_ char *data = NULL;
	size_t len;

	if (read_file(events, 4096, &data, &len, NULL) == 0)
		return strstr(data, "populated 0") == NULL;
	if (read_file(pids, 64, &data, &len, NULL) == 0)
		return strtoul(data, NULL, 10) > 0;
	_cleanup_fclose_ FILE *f = fopen(procs, "re");
	return !f || fgetc(f) != EOF; /* unreadable: assume busy */
}

/* Empty cgroups of no running container of ours under parent, into *cands. */
static void cgroup_candidates(const char *root, const char *parent, char ***cands)
{
	DIR *d = opendir(parent);
	for (struct dirent *de; d && (de = readdir(d));) {
		_cleanup_free_ char *dir = path_join(parent, de->d_name);
		struct stat st;
		if (!id_is_valid(de->d_name) || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (!has_tasks(root, dir) && !running_here(root, de->d_name))
			strv_push(cands, dir);
	}
	if (d)
		closedir(d);
}

static void check_cgroups(const char *root, bool repair, json_object *arr)
{
	_cleanup_strv_ char **cands = NULL;
	_cleanup_free_ char *parent = rt_cgroup_parent(root);
	_cleanup_free_ char *v2 = xasprintf("/sys/fs/cgroup/%s", parent);
	DIR *d = opendir("/sys/fs/cgroup");
	cgroup_candidates(root, v2, &cands);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/%s/%s", de->d_name, parent);
		cgroup_candidates(root, p, &cands);
	}
	if (d)
		closedir(d);
	if (!cands)
		goto out;
	struct timespec ts = { ORPHAN_SETTLE_SEC, 0 };
	nanosleep(&ts, NULL);
	for (size_t i = 0; cands[i]; i++) {
		const char *id = strrchr(cands[i], '/') + 1;
		if (access(cands[i], F_OK) < 0 || has_tasks(root, cands[i]) || running_here(root, id))
			continue;
		int r = repair && rmdir(cands[i]) < 0 ? -errno : 0;
		rt_check_found(arr, repair, "orphan-cgroup", cands[i], r, "no task, and no running container owns it");
	}
out:
	if (repair)
		rt_cgroup_remove_parent(root);
}

/* Mount points in /proc/self/mountinfo under root, deepest first. */
static void check_mounts(const char *root, bool repair, json_object *arr)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_strv_ char **mps = NULL;
	char line[4096];
	size_t rl = strlen(root);

	while (f && fgets(line, sizeof(line), f)) {
		char *fields[5] = { 0 }, *p = line;
		int n = 0;
		for (char *tok; n < 5 && (tok = strsep(&p, " "));)
			fields[n++] = tok;
		if (n < 5 || strncmp(fields[4], root, rl) != 0 || (fields[4][rl] != '/' && fields[4][rl] != '\0'))
			continue;
		strv_push(&mps, fields[4]); /* octal escapes (\040) kept: such paths are reported, not touched */
	}
	for (size_t i = strv_len(mps); i-- > 0;) {
		bool escaped = strchr(mps[i], '\\') != NULL;
		int r = repair && (escaped || umount2(mps[i], MNT_DETACH) < 0) ? -(escaped ? EINVAL : errno) : 0;
		rt_check_found(arr, repair, "orphan-mount", mps[i], r, "mounted under pontoon's root in the host's mount namespace");
	}
}

/* What a crash left in the trash of removed containers (rt_container_hide);
 * an entry moved there in the last seconds is being deleted by its shim. */
void rt_trash_sweep(const char *root, bool repair, json_object *arr)
{
	_cleanup_free_ char *trash = xasprintf("%s/containers/" RT_TRASH, root);
	DIR *d = opendir(trash);
	for (struct dirent *de; d && (de = readdir(d));) {
		_cleanup_free_ char *p = path_join(trash, de->d_name);
		struct stat st;
		if (de->d_name[0] == '.' || lstat(p, &st) < 0 || time(NULL) - st.st_ctime < ORPHAN_SETTLE_SEC)
			continue;
		int r = repair ? rm_rf(p, NULL) : 0;
		rt_check_found(arr, repair, "trash", p, r, "files of a removed container, not deleted");
	}
	if (d)
		closedir(d);
}

int rt_check(const char *root, bool repair, json_object *findings, struct err *e)
{
	if (!json_object_is_type(findings, json_type_array))
		return err_setx(e, EINVAL, "internal: findings must be an array");
	check_containers(root, repair, findings, true);
	check_cgroups(root, repair, findings);
	check_mounts(root, repair, findings);
	rt_trash_sweep(root, repair, findings);
	return 0;
}
