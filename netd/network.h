/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Networks and endpoints in memory, their state files and their JSON views. */
#ifndef NETD_NETWORK_H
#define NETD_NETWORK_H

#include <net/if.h>
#include "common.h"
#include "ipam.h"
#include "netd.h"
#include "nl.h"

#define NETD_DEFAULT_NET "bridge"
#define NETD_DEFAULT_BRIDGE "pontoon0"
#define NETD_NAME_MAX 128

struct endpoint {
	char id[ID_LEN + 1];
	char *container; /* the container's id */
	char *name;      /* the container's name */
	char *netns;     /* path of its network namespace */
	char ifname[IFNAMSIZ]; /* inside: eth0, eth1, ... */
	char hostif[IFNAMSIZ]; /* host end: pnv<8 hex of id> */
	bool has4, has6;
	struct ipam_addr ip4, ip6;
	uint8_t mac[6];
	char **aliases;
	char **links;    /* net connect --link: "TARGET:ALIAS", names for this container only */
	struct netd_port *ports; /* published ports, host ports resolved */
	size_t nports;
	char *hostname;  /* the container's hostname (NULL: none given) */
	char **dns;      /* the container's --dns servers */
	pid_t pid;       /* the container's init (0: not known); its exit releases the endpoint */
	uint64_t pid_start; /* its start time (/proc/PID/stat), against pid reuse */
	int pidfd;       /* watched in netd's loop (0: none) */
};

struct network {
	char id[ID_LEN + 1];
	char *name;
	char created[40];       /* RFC 3339, UTC */
	char bridge[IFNAMSIZ];
	struct ipam_subnet *sub4, *sub6; /* NULL when the family is absent */
	/* the subnet of that family was the user's (net create --subnet), not
	 * picked from a pool: only then may a container ask for a static
	 * address in it (Docker's rule) */
	bool user4, user6;
	bool internal, ipv6, icc, masquerade;
	bool creating;          /* state written before the kernel work: a crash rolls it back */
	uint32_t mtu;           /* 0: the kernel's default */
	bool has_host_ip;
	struct ipam_addr host_ip;
	json_object *labels;    /* object of strings (owned) */
	json_object *options;   /* the -o options as given (owned) */
	struct endpoint **eps;
	size_t neps;
	uint32_t ifindex;       /* the bridge's, at run time (not saved) */
	int jfd;                /* the endpoint journal, open for appending (0: not yet) */
	size_t jlines;          /* records in it */
};

/* What `net create` asked for, validated but not yet allocated. */
struct net_spec {
	char *name;
	bool has_sub4, has_sub6, has_gw4, has_gw6, has_range4, has_range6;
	struct ipam_prefix sub4, sub6;
	struct ipam_addr gw4, gw6;
	struct ipam_range range4, range6;
	bool internal, ipv6, icc, masquerade;
	uint32_t mtu;
	char bridge[IFNAMSIZ]; /* empty: pn-<12 hex of id> */
	bool has_host_ip;
	struct ipam_addr host_ip;
	json_object *labels, *options;
};

void net_spec_done(struct net_spec *s);
/* Parse and validate a net.create request (pure: no kernel, no files). */
int net_spec_parse(json_object *req, struct net_spec *ret, struct err *e) _wur_;
/* One -o option into spec ("bridge.name", "mtu", "icc", "masquerade",
 * "host_ip", or Docker's com.docker.network.bridge.* spellings). */
int net_spec_option(struct net_spec *s, const char *key, const char *value, struct err *e) _wur_;
bool net_name_valid(const char *name);
bool net_ifname_valid(const char *name);

void network_free(struct network *n);
DEFINE_CLEANUP(struct network *, network_free)
void endpoint_free(struct endpoint *ep);

/* The network's state file (configuration; endpoints live in their own
 * files), and back (strict: -EINVAL naming the bad field). */
json_object *network_to_state(const struct network *n);
int network_from_state(json_object *o, struct network **ret, struct err *e) _wur_;
/* One endpoint's state file, and back (strict). */
json_object *endpoint_to_state(const struct endpoint *ep);
int endpoint_from_state(json_object *o, struct endpoint **ret, struct err *e) _wur_;
/* Add a loaded endpoint: its addresses are reserved in the network's IPAM
 * (-EADDRINUSE and friends when they cannot be), a repeated container or
 * id is -EEXIST. Takes ep on success. */
int network_add_endpoint(struct network *n, struct endpoint *ep, struct err *e) _wur_;
/* `docker network inspect` shape. */
json_object *network_to_inspect(const struct network *n);

/* Published ports as the array of canonical specs, and back (absent: none). */
json_object *netd_ports_to_json(const struct netd_port *p, size_t n);
int netd_ports_from_json(json_object *o, struct netd_port **ret, size_t *ret_n, struct err *e) _wur_;

/* The firewall's view of a network. */
struct fw_net;
void network_fw(const struct network *n, struct fw_net *ret, struct nl_addr *ret4, struct nl_addr *ret6);
void ipam_to_nl(const struct ipam_addr *a, unsigned prefix, struct nl_addr *ret);

/* Whether a static address of family may be asked for on n: -EINVAL with
 * Docker's message when that subnet was picked from a pool (or n is the
 * default network). */
int network_static_ok(const struct network *n, int family, struct err *e) _wur_;

/* Subnet/gateway text of a family, "" when absent. */
const char *network_subnet_str(const struct network *n, int family, char *buf, size_t len);

#endif
