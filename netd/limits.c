/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bridge limits. A Linux bridge numbers its ports in 10 bits with 0 reserved
 * (BR_MAX_PORTS = 1024), so it takes 1,023 ports; the 1,024th enslave fails
 * with EXFULL, which the kernel reports as "Exchange full". netd refuses that
 * attach itself, before creating anything, and says why.
 * (firewall.bats attaches 1,023 endpoints for real: ~15 s.)
 */
#include "daemon.h"

#define NETD_BRIDGE_MAX_PORTS 1023

int netd_bridge_room(const struct network *n, struct err *e)
{
	size_t max = NETD_BRIDGE_MAX_PORTS;
	if (n->neps < max)
		return 0;
	return err_setx(e, EXFULL,
			"network %s is full: its bridge %s has %zu ports, the most a Linux bridge takes; "
			"put further containers on another network",
			n->name, n->bridge, max);
}
