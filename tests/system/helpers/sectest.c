/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pontoon-sectest: tries syscalls a container's seccomp filter decides on and
 * prints "NAME: ok" or "NAME: ERRNO" for each argument. Built static, so
 * system tests can bind it into a busybox container. Every call is harmless
 * when allowed (invalid arguments, or undone at once).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long try(const char *name)
{
	if (strcmp(name, "keyctl") == 0) /* KEYCTL_GET_KEYRING_ID of the session keyring */
		return syscall(SYS_keyctl, 0, -3, 0);
	if (strcmp(name, "unshare-user") == 0)
		return unshare(CLONE_NEWUSER);
	if (strcmp(name, "clone-user") == 0) {
		long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return pid < 0 ? -1 : 0;
	}
	if (strcmp(name, "clone3") == 0) /* a NULL args pointer: EFAULT when allowed */
		return syscall(SYS_clone3, NULL, 64);
	if (strcmp(name, "personality") == 0) {
		int old = personality(0xffffffff);
		int r = personality((unsigned long)old | ADDR_NO_RANDOMIZE);
		if (r != -1)
			personality((unsigned long)old);
		return r;
	}
	if (strcmp(name, "io_uring") == 0) /* zero entries: EINVAL when allowed */
		return syscall(SYS_io_uring_setup, 0, NULL);
	if (strcmp(name, "mount") == 0) {
		mkdir("/sectest-mnt", 0755);
		long r = mount("sectest", "/sectest-mnt", "tmpfs", 0, NULL);
		if (r == 0)
			umount("/sectest-mnt");
		return r;
	}
	if (strcmp(name, "reboot") == 0) /* a wrong magic: EINVAL when allowed */
		return syscall(SYS_reboot, 0xfee1dead, 1, 0, NULL);
	if (strcmp(name, "init_module") == 0)
		return syscall(SYS_init_module, NULL, 0, "");
	if (strcmp(name, "kexec_load") == 0) /* flags no kernel knows: EINVAL when allowed */
		return syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000ul);
	if (strcmp(name, "open_by_handle_at") == 0)
		return syscall(SYS_open_by_handle_at, -1, NULL, 0);
	if (strcmp(name, "getpid") == 0)
		return getpid();
	errno = EINVAL;
	fprintf(stderr, "pontoon-sectest: unknown test %s\n", name);
	_exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		errno = 0;
		long r = try(argv[i]);
		if (r >= 0)
			printf("%s: ok\n", argv[i]);
		else
			printf("%s: %s\n", argv[i], strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	}
	return 0;
}
