/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exit records of removed containers: $ROOT/exits/<id> holds the exit code
 * of a `run --rm` container, written by its shim just before it removes the
 * container, so that a `pontoon wait` that was already waiting reports the
 * real status (as Docker's does) instead of a guess. They are only hints:
 * written without fsync, and pruned by the next shim after EXIT_KEEP_S.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "rt-internal.h"

#define EXIT_KEEP_S 600

static void exits_prune(int dfd)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;
	struct stat sb;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - sb.st_mtime > EXIT_KEEP_S)
			(void)unlinkat(dfd, de->d_name, 0);
	closedir(d);
}

void rt_exit_record(const char *root, const char *id, int code)
{
	_cleanup_free_ char *dir = xasprintf("%s/exits", root);
	_cleanup_close_ int dfd = -1;
	char tmp[ID_LEN + 8], buf[16];
	int fd, n = snprintf(buf, sizeof(buf), "%d\n", code);

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	exits_prune(dfd);
	snprintf(tmp, sizeof(tmp), ".%.*s", ID_LEN, id);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	bool ok = write(fd, buf, (size_t)n) == n;
	close(fd);
	if (!ok || renameat(dfd, tmp, dfd, id) < 0)
		(void)unlinkat(dfd, tmp, 0);
}

int rt_exit_recorded(const char *root, const char *id, int *ret_code)
{
	_cleanup_free_ char *path = xasprintf("%s/exits/%s", root, id);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[16];
	uint64_t v;

	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (parse_uint(buf, 0, 255, &v) < 0)
		return -EBADMSG;
	*ret_code = (int)v;
	return 0;
}
