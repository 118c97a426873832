/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <sys/file.h>
#include "common.h"

int lock_file(const char *path, bool nonblock, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, errno, "open lock %s", path);
	while (flock(fd, LOCK_EX | (nonblock ? LOCK_NB : 0)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return err_setx(e, EWOULDBLOCK, "%s is locked by another process", path);
		return err_set(e, errno, "lock %s", path);
	}
	return TAKE_FD(fd);
}
