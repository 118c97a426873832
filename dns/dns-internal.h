/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dns/: shared between the store, the answerer and the server; not public. */
#ifndef PONTOON_DNS_INTERNAL_H
#define PONTOON_DNS_INTERNAL_H

#include "dns.h"

struct store_net;
struct store_ctr;

/* A container on one network. */
struct store_ep {
	struct store_ctr *ctr;
	struct store_net *net;
	char **aliases;                 /* lowercase, NULL-terminated */
	char **links;                   /* this container's own names for others on the
					 * network (net connect --link): ALIAS, TARGET
					 * pairs, lowercase, NULL-terminated; NULL: none */
	struct dns_addr *addrs;
	size_t n_addrs;
	struct store_ep *net_next, *net_prev;   /* the network's endpoints */
	struct store_ep *ctr_next;              /* the container's endpoints */
};

struct store_ctr {
	char id[ID_LEN + 1];
	char short_id[SHORT_ID_LEN + 1];
	char *name;                     /* lowercase, may be NULL */
	char *hostname;                 /* lowercase, may be NULL */
	char *display_name;             /* name as given (for PTR answers) */
	struct dns_upstream *ups;
	size_t n_ups;
	struct store_ep *eps;
	struct store_ctr *hnext;
};

/* A name on a network and every endpoint that answers to it. */
struct store_name {
	uint64_t hash;                  /* of name: compared before the text */
	size_t len;
	char *name;
	struct store_ep **eps;
	size_t n, cap;
	unsigned rr;                    /* round-robin counter */
	struct store_name *hnext;
};

struct name_table {
	struct store_name **b;
	size_t nb, n;
};

struct store_net {
	char *name;                     /* lowercase */
	size_t name_len;
	bool internal, ipv6, forward_only;
	struct dns_addr listen[2];      /* see dns_network_opts */
	size_t n_listen;
	struct name_table names;
	struct store_ep *eps;
	struct store_net *next;
};

/* The asker: its container and the networks it may see. */
struct store_ep *store_find_addr(const struct dns_store *s, const struct dns_addr *a);
struct store_name *store_find_name(const struct store_net *n, const char *lname, size_t len);
struct store_net *store_networks(const struct dns_store *s);
uint32_t store_serial(const struct dns_store *s);

/* Copy one question as it came in a query (already checked by
 * dns_msg_parse: starts at offset 12 and holds no pointer), right after the
 * header. */
int dns_build_question_raw(struct dns_builder *b, const uint8_t *q, size_t len);

/* An RR whose owner is the question's name (a pointer to it: no name is
 * looked at), with rdata as given.  Rolls back and returns -EMSGSIZE when it
 * does not fit, as the other builders. */
int dns_build_rr_qowner(struct dns_builder *b, int section, uint16_t type, uint32_t ttl, const void *rdata,
			uint16_t rdlen);

/* lowercase copy with length check; false when it does not fit */
bool dns_lower(const char *in, char *out, size_t cap);

#endif
