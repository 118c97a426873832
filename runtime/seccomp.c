/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default seccomp filter (libseccomp), compiled once per capability set
 * into $ROOT/seccomp/ (rt_seccomp_program); the container's init and exec'd
 * processes load that program just before exec (seccomp-load.c).
 *
 * Docker's default profile is an allow-list of ~350 syscalls; what it keeps
 * out are the syscalls that reach kernel-global state no namespace covers:
 * the keyring, kernel modules and kexec, reboot, the clocks, swap, process
 * accounting, BPF and perf events, mounts, new namespaces (user namespaces
 * above all, the door to most kernel attack surface), open_by_handle_at (the
 * "shocker" escape), io_uring, personality flags that weaken ASLR, and old
 * debugging interfaces. pontoon states those denials directly: the filter
 * allows by default and answers EPERM to each listed syscall, except where
 * the container holds the capability that Docker's profile ties it to
 * (--cap-add SYS_ADMIN allows mount, as in Docker). Syscalls of other ABIs
 * (i386, x32 on x86_64) are filtered alike; any other ABI is killed.
 * --privileged and --security-opt seccomp=unconfined load no filter.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <seccomp.h>
#include <sys/utsname.h>
#include <linux/capability.h>
#include "rt-internal.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define CAPB(c) (1ull << (c))
#define ALWAYS 0ull /* no capability lifts it */

struct denial {
	const char *name;
	uint64_t lifted_by; /* any of these capabilities allows the syscall */
};

static const struct denial denials[] = {
	/* the kernel keyring is not namespaced */
	{ "keyctl", ALWAYS }, { "add_key", ALWAYS }, { "request_key", ALWAYS },
	/* modules, kexec, reboot */
	{ "init_module", CAPB(CAP_SYS_MODULE) }, { "finit_module", CAPB(CAP_SYS_MODULE) },
	{ "delete_module", CAPB(CAP_SYS_MODULE) }, { "create_module", CAPB(CAP_SYS_MODULE) },
	{ "query_module", CAPB(CAP_SYS_MODULE) }, { "get_kernel_syms", CAPB(CAP_SYS_MODULE) },
	{ "kexec_load", CAPB(CAP_SYS_BOOT) }, { "kexec_file_load", CAPB(CAP_SYS_BOOT) },
	{ "reboot", CAPB(CAP_SYS_BOOT) },
	/* the host's clocks */
	{ "settimeofday", CAPB(CAP_SYS_TIME) }, { "stime", CAPB(CAP_SYS_TIME) },
	{ "clock_settime", CAPB(CAP_SYS_TIME) }, { "clock_settime64", CAPB(CAP_SYS_TIME) },
	{ "clock_adjtime", CAPB(CAP_SYS_TIME) }, { "clock_adjtime64", CAPB(CAP_SYS_TIME) },
	/* host-wide accounting, swap, quotas, logs, ttys, raw I/O */
	{ "acct", CAPB(CAP_SYS_PACCT) }, { "swapon", CAPB(CAP_SYS_ADMIN) }, { "swapoff", CAPB(CAP_SYS_ADMIN) },
	{ "quotactl", CAPB(CAP_SYS_ADMIN) }, { "syslog", CAPB(CAP_SYSLOG) }, { "vhangup", CAPB(CAP_SYS_TTY_CONFIG) },
	{ "iopl", CAPB(CAP_SYS_RAWIO) }, { "ioperm", CAPB(CAP_SYS_RAWIO) },
	/* BPF programs and perf events see the whole kernel */
	{ "bpf", CAPB(CAP_SYS_ADMIN) | CAPB(CAP_BPF) },
	{ "perf_event_open", CAPB(CAP_SYS_ADMIN) | CAPB(CAP_PERFMON) },
	{ "lookup_dcookie", CAPB(CAP_SYS_ADMIN) }, { "fanotify_init", CAPB(CAP_SYS_ADMIN) },
	/* mounts, both APIs, and other namespaces */
	{ "mount", CAPB(CAP_SYS_ADMIN) }, { "umount", CAPB(CAP_SYS_ADMIN) }, { "umount2", CAPB(CAP_SYS_ADMIN) },
	{ "pivot_root", CAPB(CAP_SYS_ADMIN) }, { "fsopen", CAPB(CAP_SYS_ADMIN) }, { "fsconfig", CAPB(CAP_SYS_ADMIN) },
	{ "fsmount", CAPB(CAP_SYS_ADMIN) }, { "fspick", CAPB(CAP_SYS_ADMIN) }, { "move_mount", CAPB(CAP_SYS_ADMIN) },
	{ "open_tree", CAPB(CAP_SYS_ADMIN) }, { "mount_setattr", CAPB(CAP_SYS_ADMIN) },
	{ "setns", CAPB(CAP_SYS_ADMIN) },
	/* file handles bypass the mount namespace ("shocker") */
	{ "open_by_handle_at", CAPB(CAP_DAC_READ_SEARCH) },
	/* userfaultfd stretches kernel race windows */
	{ "userfaultfd", CAPB(CAP_SYS_PTRACE) },
	/* io_uring: a second syscall interface, much of the recent kernel CVEs */
	{ "io_uring_setup", ALWAYS }, { "io_uring_enter", ALWAYS }, { "io_uring_register", ALWAYS },
	/* obsolete interfaces nothing in a container needs */
	{ "uselib", ALWAYS }, { "ustat", ALWAYS }, { "sysfs", ALWAYS }, { "_sysctl", ALWAYS },
	{ "nfsservctl", ALWAYS }, { "vm86", ALWAYS }, { "vm86old", ALWAYS },
};

/* Namespace flags of clone(2) and unshare(2): without CAP_SYS_ADMIN a
 * container may create none (in particular no user namespace). */
static const uint64_t ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

static bool kernel_before(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

static int deny(scmp_filter_ctx ctx, const char *name, int errno_ret, unsigned n, const struct scmp_arg_cmp *cmp,
		struct err *e)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a syscall libseccomp knows on any of our ABIs */
	int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((uint32_t)errno_ret), nr, n, cmp);
	if (r < 0)
		return err_set(e, -r, "seccomp rule for %s", name);
	return 0;
}

static int add_namespace_rules(scmp_filter_ctx ctx, struct err *e)
{
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ns_flags) && r >= 0; i++) {
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
		r = deny(ctx, "clone", EPERM, 1, &c, e);
		if (r >= 0)
			r = deny(ctx, "unshare", EPERM, 1, &c, e);
	}
	if (r >= 0) {
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWTIME, CLONE_NEWTIME);
		r = deny(ctx, "unshare", EPERM, 1, &c, e);
	}
	/* clone3 passes its flags in memory, out of a filter's reach: ENOSYS
	 * makes the C library fall back to clone(2), which is checked above */
	if (r >= 0)
		r = deny(ctx, "clone3", ENOSYS, 0, NULL, e);
	return r;
}

/* personality(2): only PER_LINUX, PER_LINUX32, UNAME26 and the query
 * 0xffffffff, as Docker; other flags (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC,
 * MMAP_PAGE_ZERO ...) weaken the container's own hardening. A flag bit is
 * refused when set without bit 31, which only the query has. */
static int add_personality_rules(scmp_filter_ctx ctx, struct err *e)
{
	const uint64_t allowed = 0x0008 | 0x0020000, query = 0x80000000u;
	for (int bit = 0; bit < 31; bit++) {
		uint64_t b = 1ull << bit;
		if (b & allowed)
			continue;
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, b | query, b);
		int r = deny(ctx, "personality", EPERM, 1, &c, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static void add_compat_arches(scmp_filter_ctx ctx)
{
	uint32_t native = seccomp_arch_native();
	/* a kernel that lacks an ABI rejects its syscalls anyway: failure is harmless */
	if (native == SCMP_ARCH_X86_64) {
		(void)seccomp_arch_add(ctx, SCMP_ARCH_X86);
		(void)seccomp_arch_add(ctx, SCMP_ARCH_X32);
	} else if (native == SCMP_ARCH_AARCH64) {
		(void)seccomp_arch_add(ctx, SCMP_ARCH_ARM);
	}
}

int rt_seccomp_build(uint64_t caps, void **ret_ctx, struct err *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0;

	if (!ctx)
		return err_setx(e, ENOMEM, "seccomp_init failed");
	add_compat_arches(ctx);
	for (size_t i = 0; i < ARRAY_SIZE(denials) && r >= 0; i++)
		if (!(caps & denials[i].lifted_by))
			r = deny(ctx, denials[i].name, EPERM, 0, NULL, e);
	if (r >= 0 && !(caps & CAPB(CAP_SYS_ADMIN)))
		r = add_namespace_rules(ctx, e);
	if (r >= 0)
		r = add_personality_rules(ctx, e);
	/* before 4.8 a ptraced process could bypass seccomp */
	if (r >= 0 && kernel_before(4, 8) && !(caps & CAPB(CAP_SYS_PTRACE))) {
		const char *pt[] = { "ptrace", "process_vm_readv", "process_vm_writev", "kcmp" };
		for (size_t i = 0; i < ARRAY_SIZE(pt) && r >= 0; i++)
			r = deny(ctx, pt[i], EPERM, 0, NULL, e);
	}
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*ret_ctx = ctx;
	return 0;
}

void rt_seccomp_free(void *ctx)
{
	if (ctx)
		seccomp_release(ctx);
}

bool rt_seccomp_confined(const struct rt_config *c)
{
	if (c->privileged)
		return false;
	return !strv_contains(c->security_opt, "seccomp=unconfined") &&
	       !strv_contains(c->security_opt, "seccomp:unconfined");
}

/* What the program for caps depends on: the capabilities, the rules (the
 * denial table; FILTER_REV for the rules written as code), the kernel
 * (kernel_before) and libseccomp's version. */
#define FILTER_REV 1
static uint64_t program_key(uint64_t caps)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	uint64_t h = 0xcbf29ce484222325ull;
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%d %llx %s %u.%u.%u %zu", FILTER_REV, (unsigned long long)caps,
			 uname(&u) == 0 ? u.release : "", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
			 ARRAY_SIZE(denials));
	for (int i = 0; i < n && i < (int)sizeof(buf); i++)
		h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
	for (size_t i = 0; i < ARRAY_SIZE(denials); i++) {
		for (const char *c = denials[i].name; *c; c++)
			h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
		h = (h ^ denials[i].lifted_by) * 0x100000001b3ull;
	}
	return h;
}

static bool write_all(int fd, const void *a, size_t al, const void *b, size_t bl)
{
	return write(fd, a, al) == (ssize_t)al && write(fd, b, bl) == (ssize_t)bl;
}

/* Compile the filter for caps: a memfd holding the program file, also
 * stored at path (atomically: a temporary file renamed) when it can be;
 * a root where it cannot (read-only, full) only compiles at every start. */
static int make_program(const char *path, uint64_t caps, struct err *e)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp%d", path, (int)getpid());
	_cleanup_free_ char *raw = NULL;
	void *ctx = NULL;
	size_t len = 0;
	int r = rt_seccomp_build(caps, &ctx, e);
	if (r < 0)
		return r;
	/* seccomp_export_bpf writes to an fd: a memfd, then header + program */
	_cleanup_close_ int mfd = memfd_create("pontoon-bpf", MFD_CLOEXEC);
	if (mfd < 0 || (r = seccomp_export_bpf(ctx, mfd)) < 0) {
		r = mfd < 0 ? -errno : r;
		rt_seccomp_free(ctx);
		return err_set(e, -r, "compile the seccomp filter");
	}
	rt_seccomp_free(ctx);
	struct stat st;
	if (fstat(mfd, &st) < 0 || st.st_size <= 0 || st.st_size > (1 << 20))
		return err_setx(e, EIO, "compile the seccomp filter: no program");
	len = (size_t)st.st_size;
	raw = xmalloc(len);
	if (pread(mfd, raw, len, 0) != (ssize_t)len)
		return err_set(e, errno ? errno : EIO, "compile the seccomp filter");
	char hdr[64];
	size_t hl = rt_seccomp_header_size();
	rt_seccomp_header(hdr, raw, len);
	int out = memfd_create("pontoon-bpf", MFD_CLOEXEC);
	if (out < 0 || !write_all(out, hdr, hl, raw, len)) {
		r = err_set(e, errno ? errno : EIO, "compile the seccomp filter");
		if (out >= 0)
			close(out);
		return r;
	}
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 && (!write_all(fd, hdr, hl, raw, len) || rename(tmp, path) < 0))
		unlink(tmp);
	return out;
}

int rt_seccomp_program(const char *root, uint64_t caps, struct err *e)
{
	_cleanup_free_ char *dir = xasprintf("%s/seccomp", root);
	_cleanup_free_ char *path = xasprintf("%s/%016llx.bpf", dir, (unsigned long long)program_key(caps));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		void *prog = NULL;
		size_t len = 0;
		if (rt_seccomp_read(fd, &prog, &len, NULL) == 0) {
			free(prog);
		} else {
			close(fd); /* damaged (a crash while it was written): made again */
			fd = -1;
		}
	}
	if (fd < 0) {
		(void)!mkdir_p(dir, 0700, NULL);
		fd = make_program(path, caps, e);
		if (fd < 0)
			return err_wrap(e, "the seccomp filter");
	}
	/* above the fds the shim's spawn moves into place */
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	int r = high < 0 ? err_set(e, errno, "dup") : high;
	close(fd);
	return r;
}

int rt_parse_security_opt(const char *s, struct err *e)
{
	if (strcmp(s, "seccomp=unconfined") == 0 || strcmp(s, "seccomp:unconfined") == 0 ||
	    strcmp(s, "no-new-privileges") == 0 || strcmp(s, "no-new-privileges=true") == 0 ||
	    strcmp(s, "no-new-privileges:true") == 0)
		return 0;
	if (strncmp(s, "seccomp=", 8) == 0 || strncmp(s, "seccomp:", 8) == 0)
		return err_setx(e, EINVAL,
				"--security-opt \"%s\": seccomp profile files are not supported; use seccomp=unconfined to lift the default filter",
				s);
	if (strncmp(s, "no-new-privileges", 17) == 0)
		return err_setx(e, EINVAL, "--security-opt \"%s\": no_new_privs is always set in pontoon's containers", s);
	return err_setx(e, EINVAL,
			"invalid --security-opt \"%s\": pontoon takes seccomp=unconfined and no-new-privileges", s);
}

static int cg_write(const char *path, const char *val, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s", path);
	if (write(fd, val, strlen(val)) < 0)
		return err_set(e, errno, "write \"%s\" to %s", val, path);
	return 0;
}

/* Docker's default device rules: a container may create any device node but
 * open only these, so a node of the host's disk made with CAP_MKNOD is useless. */
const char *const rt_devices_allow[] = {
	"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
};
const size_t rt_devices_allow_n = ARRAY_SIZE(rt_devices_allow);

int rt_cgroup_devices_v1(const char *dir, struct err *e)
{
	const char *const *allow = rt_devices_allow;
	_cleanup_free_ char *deny = path_join(dir, "devices.deny");
	_cleanup_free_ char *allowp = path_join(dir, "devices.allow");
	int r = fault_point("cgroup");
	if (r < 0)
		return err_set(e, -r, "write %s", deny);
	r = cg_write(deny, "a", e);
	if (r < 0)
		return r;
	/* one rule per write(2), all through one open file */
	_cleanup_close_ int fd = open(allowp, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "open %s", allowp);
	for (size_t i = 0; i < rt_devices_allow_n; i++)
		if (write(fd, allow[i], strlen(allow[i])) < 0)
			return err_set(e, errno, "write \"%s\" to %s", allow[i], allowp);
	return 0;
}
