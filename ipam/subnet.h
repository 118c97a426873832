/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private: the allocator's fields, shared by subnet.c and json.c. */
#ifndef PONTOON_IPAM_SUBNET_H
#define PONTOON_IPAM_SUBNET_H

#include "ipam-internal.h"

struct ipam_subnet {
	struct ipam_prefix prefix;
	struct ipam_addr gateway;
	struct ipam_range range;     /* as given (has_range) */
	struct ipam_range eff_range; /* the dynamic range, usable part */
	bool has_range;
	u128 base; /* the network address */
	/* offsets from base */
	u128 u_lo, u_hi; /* usable: not network or broadcast */
	u128 r_lo, r_hi; /* dynamic range, within [u_lo, u_hi] */
	u128 gw;
	u128 cursor; /* last address handed out dynamically */
	bool has_cursor;
	u128 in_range; /* allocated offsets within [r_lo, r_hi] */
	struct ipam_set set;
};

bool subnet_in_range(const struct ipam_subnet *s, u128 off);
/* Account for an offset just added to s->set. */
void subnet_added(struct ipam_subnet *s, u128 off);

#endif
