/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime's private interfaces between its files. */
#ifndef PONTOON_RT_INTERNAL_H
#define PONTOON_RT_INTERNAL_H

#include "runtime.h"

/* The shim's fd 3: its report to the CLI ("ok PID", "err ERRNO MSG", "exit N"). */
#define RT_REPORT_FD 3
/* With --hold: the CLI's word to go on ("go\n") once the init is cloned. */
#define RT_GO_FD 4
/* With --seccomp: the default filter's program file (rt_seccomp_program). */
#define RT_SECCOMP_FD 5
/* "c" from the CLI once the container's cgroups exist (it makes them while
 * the shim starts); EOF or anything else: give up. */
#define RT_CGROUP_FD 6
/* The hooks set by rt_set_net_hooks (all NULL by default). */
extern struct rt_net_hooks rt_hooks;

/* linkenv.c: for a container with --link, rt_container_start asks the
 * start_env hook and writes the container's start-env.json; the shim merges
 * it into the configuration its init runs with, exec into its command's. */
int rt_start_env_prepare(const char *root, const struct rt_config *c, struct err *e) _wur_;
int rt_start_env_apply(const char *root, struct rt_config *c, struct err *e) _wur_;

json_object *rt_strv_to_json(char *const *v);
char **rt_strv_from_json(json_object *a);
int rt_state_parse(json_object *o, struct rt_state *s);
/* Atomic (rename) but not fsync'd writes of a container's files: see config.c. */
int rt_write_file(const char *path, const char *data, size_t len, struct err *e) _wur_;
int rt_write_json(const char *path, json_object *o, struct err *e) _wur_;

/* cgroups: v2 when the unified hierarchy has the controllers, else v1 under
 * /sys/fs/cgroup/<controller>/<parent>/<id>, parent per root (rt_cgroup_parent). */
int rt_cgroup_create(const char *root, const struct rt_config *c, struct err *e) _wur_;
/* Move pid into every cgroup of the container; pid 0: the calling thread,
 * which must be its process's only one (v1 moves it as a thread: cheaper). */
int rt_cgroup_enter(const char *root, const char *id, pid_t pid, struct err *e) _wur_;
/* A new container init's join, in two halves: the init itself (pid 0) joins
 * the v1 controllers' cgroups as a thread, first thing after the clone; the
 * shim (pid: the init's) moves it into the cgroup2 directory (v2's, or a
 * hybrid host's unified one) meanwhile, while it builds its root. The shim
 * does that only where clone3 could not place the init there at birth
 * (CLONE_INTO_CGROUP, rt_cgroup_unified_fd). */
int rt_cgroup_enter_init(const char *root, const char *id, pid_t pid, struct err *e) _wur_;
/* The container's cgroup2 directory (v2's, or a hybrid host's unified one),
 * opened for clone3's CLONE_INTO_CGROUP; -errno when it has none. */
int rt_cgroup_unified_fd(const char *root, const char *id);
/* Remove the container's cgroups (waits briefly for dying tasks); best effort. */
int rt_cgroup_remove(const char *root, const char *id, struct err *e);
bool rt_cgroup_oom_killed(const char *root, const char *id);
/* v1 devices controller (seccomp.c, beside the other default denials):
 * nothing but null, zero, full, random, urandom, tty, console, ptmx and pts
 * may be read or written; any device node may be created (mknod). */
int rt_cgroup_devices_v1(const char *dir, struct err *e) _wur_;
/* Those rules, in the v1 syntax ("c 1:3 rwm"), for both. */
extern const char *const rt_devices_allow[];
extern const size_t rt_devices_allow_n;
/* cgroup v2 (devices-bpf.c): the same rules as a BPF_CGROUP_DEVICE program
 * attached to the container's cgroup2 directory dir. */
int rt_cgroup_devices_bpf(const char *dir, struct err *e) _wur_;
/* One rule: type 0 (both), BPF_DEVCG_DEV_BLOCK or _CHAR; access a mask of
 * BPF_DEVCG_ACC_*; major, minor -1 for "*". */
struct rt_dev_rule {
	int type, access;
	int32_t major, minor;
};
int rt_dev_rule_parse(const char *s, struct rt_dev_rule *r) _wur_;
struct bpf_insn;
/* The program for rules into out (cap instructions); returns its length
 * (with out NULL or too small: the length it needs, nothing written). */
size_t rt_dev_bpf_build(const struct rt_dev_rule *rules, size_t n, struct bpf_insn *out, size_t cap);
/* A container's cgroup directory under controller (ignored on v2). */
char *rt_cgroup_path(const char *root, const char *id, const char *controller);
/* The directory of all the root's container cgroups under controller. */
char *rt_cgroup_base(const char *root, const char *controller);
/* Remove the root's parent directories when they are empty (not the default
 * root's "pontoon"), so that short-lived roots (tests) leave nothing. */
void rt_cgroup_remove_parent(const char *root);

/* The container's side, run in the cloned child: mounts, pivot_root, limits,
 * identity, capabilities, then exec. Never returns; writes "ERRNO message"
 * to report_fd (close-on-exec) on failure. */
struct rt_init_args {
	const char *root;
	const struct rt_config *c;
	int report_fd;
	int netns_fd;  /* -1: own (or host) network */
	bool netns_made; /* own network: the shim made it (lo is up); we were born in it */
	int go_fd;     /* one byte once the shim has put us in our cgroups */
	int seccomp_fd; /* the filter's program (-1: no filter) */
	bool tty;
};
_Noreturn void rt_init_run(const struct rt_init_args *a);
/* Bring lo up in the calling thread's network namespace (a new one has it
 * down; Docker's containers have it up). */
int rt_loopback_up(struct err *e) _wur_;

/* Capabilities: the set the container keeps (Docker's default, --cap-add,
 * --cap-drop, --privileged), applied to bounding, permitted, effective,
 * inheritable and ambient sets as Docker does. */
int rt_caps_compute(const struct rt_config *c, uint64_t *ret_mask, struct err *e) _wur_;
/* First the bounding set (needs CAP_SETPCAP: before the user switch)... */
int rt_caps_bound(uint64_t mask, struct err *e) _wur_;
/* ...then, after it, permitted/effective/inheritable for root. */
int rt_caps_apply(uint64_t mask, bool root_user, struct err *e) _wur_;
/* seccomp.c: the default filter (denials, some lifted by the capabilities in
 * caps), loaded last before exec unless --privileged or seccomp=unconfined. */
bool rt_seccomp_confined(const struct rt_config *c);
/* The default filter for caps compiled to BPF, from $ROOT/seccomp/ (made
 * and stored there on first use; a damaged file is made again): an fd of
 * the program file (close-on-exec, >= 10), which the shim passes to the
 * init as RT_SECCOMP_FD, and exec's child loads (rt_seccomp_load). */
int rt_seccomp_program(const char *root, uint64_t caps, struct err *e) _wur_;
/* seccomp-load.c (no libseccomp): read and check a program file; load it
 * (the "seccomp" fault point). */
int rt_seccomp_read(int fd, void **ret_prog, size_t *ret_len, struct err *e) _wur_;
int rt_seccomp_load(int fd, struct err *e) _wur_;
void rt_seccomp_header(void *hdr, const void *prog, size_t len);
size_t rt_seccomp_header_size(void);
/* The filter as a libseccomp context (scmp_filter_ctx), for tests. */
int rt_seccomp_build(uint64_t caps, void **ret_ctx, struct err *e) _wur_;
void rt_seccomp_free(void *ctx);
/* Exit status and report code of a failure before exec: ENOENT and EACCES
 * mean "command not found / not executable" (127/126) only from exec itself. */
int rt_setup_failure_code(const struct err *e);

/* Resolve and switch to "user[:group]" by the container's /etc/passwd and
 * /etc/group (read after pivot_root). */
int rt_user_switch(const char *spec, bool *ret_root, char **ret_home, struct err *e) _wur_;

/* Find argv[0] in PATH of env (as execvp would) and exec it; returns on failure
 * with -errno (ENOENT: not found, EACCES: cannot execute). */
int rt_exec_command(char **argv, char **env, struct err *e);
/* Apply the rlimits pontoon sets, clamped to the inherited hard limits. */
void rt_rlimits_apply(void);
/* The tiny init (--init): pid 1 forwards signals to child and reaps; exits with its status. */
_Noreturn void rt_tiny_init(pid_t child);

/* The shim's command line as ps shows it: remembered at start, replaced in
 * the --init process, whose /proc/PID/cmdline would else show host paths. */
void rt_proctitle_init(int argc, char **argv);
void rt_proctitle_set(const char *title);

/* Write "ERRNO message" on fd (best effort). */
void rt_report_error(int fd, const struct err *e);
/* Read "ERRNO message" from an exec report pipe; 0 on EOF (exec'd). */
int rt_read_report(int fd, struct err *e);

/* Shared by all containers, under $ROOT/containers/: the directory each
 * container's root is mounted on (in its own mount namespace), and a
 * read-only top layer with empty etc/{hostname,hosts,resolv.conf}. */
#define RT_SHARED_MNT ".mnt"
#define RT_SHARED_ETC ".etc-layer"
int rt_shared_dirs(const char *root, struct err *e) _wur_;

/* rootfs.c */
int rt_open_target(int rootfd, const char *path, bool dir, struct err *e);
int rt_mount_overlay(const char *root, const struct rt_config *c, const char *target, struct err *e);
/* Before pivot_root (in the new mount namespace): everything, then pivot. */
int rt_rootfs_setup(const char *root, const struct rt_config *c, struct err *e);
/* After: masked paths, read-only paths, --read-only. */
int rt_rootfs_finish(const struct rt_config *c, struct err *e);
char *rt_volume_path(const char *root, const char *name);

/* flock(2) on the container's directory: start, rm and the shim's --rm
 * removal take it, so that two of them never race. Returns the fd. */
int rt_container_lock(const char *root, const char *id, struct err *e) _wur_;

/* Remove a container that is known not to run (the shim at its end). */
int rt_container_purge(const char *root, const char *id, struct err *e) _wur_;
/* The same in two steps. rt_container_hide: its cgroups removed (unless
 * RT_HIDE_KEEP_CGROUPS), its name link and directory moved (renamed) into
 * $ROOT/containers/.trash, where no lookup sees them: the container is gone.
 * rt_container_trash_empty: the moved files deleted. On ext4 mounted with
 * discard, each block freed is a synchronous discard, ~1-4 ms per directory
 * here: the shim of a --rm container reports the exit between the two, and
 * removes the cgroups (empty: its init is reaped) after the report too.
 * What a crash left in the trash (an entry older than a few seconds: its
 * remover is gone) is deleted by the next rt_container_trash_empty of any
 * container, and by `system check --repair` (rt_trash_sweep); empty cgroups
 * of no container by `system check`. */
#define RT_TRASH ".trash"
/* A new container's directory is a tree made ahead, when there is one:
 * $ROOT/containers/.spare (with empty upper/ and work/), renamed into place.
 * On this ext4 a new directory among the containers' costs 0.5-1 ms or more
 * (its block group's bitmaps read from the disk: see rt_shared_dirs); the
 * shim of a --rm container makes the next one after its exit is reported. */
#define RT_SPARE ".spare"
void rt_container_spare_make(const char *root);
/* name: the container's (NULL: read from its configuration). The shim,
 * whose container's mounts were all in its own mount namespace, passes
 * RT_HIDE_NO_MOUNTS: nothing of it is mounted in the host's. */
enum { RT_HIDE_KEEP_CGROUPS = 1, RT_HIDE_NO_MOUNTS = 2 };
int rt_container_hide(const char *root, const char *id, const char *name, unsigned flags, struct err *e) _wur_;
void rt_container_trash_empty(const char *root, const char *id);
/* The trash's entries older than ORPHAN_SETTLE_SEC: each deleted when
 * repair, and reported to findings (none when NULL) as "trash". */
void rt_trash_sweep(const char *root, bool repair, json_object *findings);

/* Exit code of a container removed on exit (--rm), for a `wait` that was
 * waiting on it (runtime/exits.c). Best effort, no fsync. */
void rt_exit_record(const char *root, const char *id, int code);
int rt_exit_recorded(const char *root, const char *id, int *ret_code);
/* rt_exit_record prunes the records when the last prune (stamp: its time,
 * 0 for none) is a minute old; a record expires after ten minutes. */
bool rt_exits_prune_due(time_t now, time_t stamp);
bool rt_exits_expired(time_t now, time_t mtime);

/* Host-side paths of a container's files. */
char *rt_container_file(const char *root, const char *id, const char *name);
bool rt_shim_alive(pid_t pid);
int rt_wait_pid_exit(pid_t pid, int timeout_ms);

#endif
