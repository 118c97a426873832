/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Watching containers: an endpoint attached with the pid of the container's
 * init keeps a pidfd of it in netd's epoll. When the process ends - its
 * command exited, it was stopped or SIGKILLed, or its shim was killed and
 * took it along - the pidfd becomes readable and netd releases the endpoint:
 * the address goes back to the pool and the veth is deleted. Nothing needs
 * the shim (a small static binary) to speak netd's protocol.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include "daemon.h"
#include "jsonu.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

uint64_t netd_pid_start(pid_t pid)
{
	char path[40], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after the command name, which may hold spaces and parentheses */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* fields from 3 (state) on; starttime is field 22 */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	uint64_t v = strtoull(p + 1, NULL, 10);
	return v ? v : 1;
}

int netd_watch_add(struct netd *d, struct endpoint *ep, struct err *e)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = (int)syscall(SYS_pidfd_open, ep->pid, 0);
	if (fd < 0)
		return err_set(e, errno == ESRCH ? ESRCH : errno, "watch process %d of container %s", (int)ep->pid,
			       ep->name);
	/* the pid may have been reused since the attach: compare start times */
	if (ep->pid_start && netd_pid_start(ep->pid) != ep->pid_start) {
		close(fd);
		return err_setx(e, ESRCH, "process %d of container %s is gone", (int)ep->pid, ep->name);
	}
	ev.data.fd = fd;
	if (d->epfd > 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = err_set(e, errno, "watch process %d of container %s", (int)ep->pid, ep->name);
		close(fd);
		return r;
	}
	if (ep->pidfd > 0)
		close(ep->pidfd);
	ep->pidfd = fd;
	return 0;
}

void netd_watch_fired(struct netd *d, int fd)
{
	/* an event of this epoll_wait batch may name an fd closed and reused
	 * by an earlier event of the batch: trust only a pidfd that says so now */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return;
	for (size_t k = 0; k < d->nnets; k++) {
		struct network *n = d->nets[k];
		for (size_t i = 0; i < n->neps; i++) {
			if (n->eps[i]->pidfd != fd)
				continue;
			struct err e = { 0 };
			log_debug("container %s ended: releasing its endpoint on %s", n->eps[i]->name, n->name);
			if (netd_ep_release(d, n, i, &e) < 0)
				log_err(&e, "release the endpoint of an ended container");
			return;
		}
	}
	/* nobody's: an fd closed and reused in between; drop it from the set */
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void netd_watch_restore(struct netd *d)
{
	for (size_t k = 0; k < d->nnets; k++) {
		struct network *n = d->nets[k];
		for (size_t i = n->neps; i-- > 0;) {
			struct endpoint *ep = n->eps[i];
			struct err e = { 0 };
			if (ep->pid <= 0 || netd_watch_add(d, ep, &e) == 0)
				continue;
			log_info("releasing endpoint %s of %s on %s: %s", ep->hostif, ep->name, n->name, err_msg(&e));
			err_clear(&e);
			if (netd_ep_release(d, n, i, &e) < 0)
				log_err(&e, "reconcile");
		}
	}
}

int netd_release(struct netd *d, json_object *req, json_object *reply, struct err *e)
{
	json_object *released = json_object_new_array();
	const char *ctr;
	int r = release_parse(req, &ctr, e);
	json_object_object_add(reply, "released", released);
	if (r < 0)
		return r;
	for (size_t k = 0; k < d->nnets; k++) {
		struct network *n = d->nets[k];
		for (size_t i = n->neps; i-- > 0;) {
			if (strcmp(n->eps[i]->container, ctr) != 0)
				continue;
			if ((r = netd_ep_release(d, n, i, e)) < 0)
				return r;
			json_object_array_add(released, json_object_new_string(n->name));
		}
	}
	return 0;
}
