/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may talk to netd. The socket is 0600 in a 0700 directory, so only its
 * owner can connect; SO_PEERCRED makes that hold even if the mode is
 * loosened by hand (or the socket is passed on): a peer whose uid is neither
 * root nor netd's own gets one error reply and is closed; its request is
 * read (so that its write does not fail first) but never parsed.
 */
#include <sys/socket.h>
#include "daemon.h"
#include "jsonu.h"

bool netd_peer_refused(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char buf[256];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof(cred) &&
	    (cred.uid == 0 || cred.uid == geteuid()))
		return false;
	if (len != sizeof(cred))
		cred.uid = (uid_t)-1, cred.pid = 0;
	log_warn("refused a client: uid %d (pid %d) is not root", (int)cred.uid, (int)cred.pid);
	int n = snprintf(buf, sizeof(buf),
			 "{\"version\":%d,\"ok\":false,\"errno\":%d,\"error\":\"permission denied: netd serves root only (your uid is %d)\"}\n",
			 NETD_PROTO_VERSION, EACCES, (int)cred.uid);
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("the refused client left");
	return true;
}
