/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exit records of removed containers: $ROOT/exits/<id> holds the exit code
 * of a `run --rm` container, written by its shim just before it removes the
 * container, so that a `pontoon wait` that was already waiting reports the
 * real status (as Docker's does) instead of a guess. They are only hints:
 * written without fsync, and pruned by a later shim after EXIT_KEEP_S.
 *
 * Pruning reads the whole directory, so a shim does it only when the stamp
 * file's mtime says the last prune is EXIT_PRUNE_EVERY_S old (or as far in
 * the future: the clock went back); the others just stat the stamp. A record
 * thus lives EXIT_KEEP_S to EXIT_KEEP_S + EXIT_PRUNE_EVERY_S, and with
 * short-lived containers the directory holds about as many records as
 * exits in that time.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "rt-internal.h"

#define EXIT_KEEP_S 600
#define EXIT_PRUNE_EVERY_S 60
#define EXIT_STAMP ".pruned"

bool rt_exits_prune_due(time_t now, time_t stamp)
{
	/* a file's mtime may run a tick ahead of time(2): the clock went back
	 * only when the stamp is well in the future */
	return stamp <= 0 || stamp > now + EXIT_PRUNE_EVERY_S || now - stamp >= EXIT_PRUNE_EVERY_S;
}

bool rt_exits_expired(time_t now, time_t mtime)
{
	return now - mtime > EXIT_KEEP_S;
}

static void exits_prune(int dfd)
{
	struct dirent *de;
	struct stat sb;
	time_t now = time(NULL);

	if (!rt_exits_prune_due(now, fstatat(dfd, EXIT_STAMP, &sb, AT_SYMLINK_NOFOLLOW) == 0 ? sb.st_mtime : 0))
		return;
	/* the stamp first: concurrent shims see it and skip */
	int fd = openat(dfd, EXIT_STAMP, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)futimens(fd, NULL);
		close(fd);
	}
	int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	/* records, and temporary files (".ID") a crash left behind */
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, EXIT_STAMP) != 0 && fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    rt_exits_expired(now, sb.st_mtime))
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
