/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netd's private pieces: the daemon context, ops, request parsing, the
 * background link deleter, reconciliation. */
#ifndef NETD_DAEMON_H
#define NETD_DAEMON_H

#include "netd.h"
#include "network.h"
#include "nl.h"

struct deleter;
struct dns_store;
struct dns_server;
struct fw_port;

struct netd {
	struct netd_paths p;
	char *netdir; /* root/networks */
	struct network **nets;
	size_t nnets;
	struct nl *nl; /* host namespace */
	struct deleter *del;
	struct dns_store *dns;     /* the embedded DNS (resolver.c); NULL until started */
	struct dns_server *dnssrv;
	int epfd;  /* the main loop's epoll; endpoints' pidfds are in it */
};

/* ---- who may connect (peer.c) ---- */
/* True when the peer is neither root nor netd's own uid (SO_PEERCRED); it has
 * been sent an error reply. */
bool netd_peer_refused(int fd);

/* ---- pontoon system check (check.c) ---- */
/* {repair?} -> {findings: [{kind, object, problem, repaired}]} */
int netd_check(struct netd *d, json_object *req, json_object *reply, struct err *e) _wur_;

#ifdef PONTOON_FAULT_INJECTION
/* debug.leak {network}: allocate an address without an endpoint (tests of check). */
int netd_debug_leak(struct netd *d, json_object *req, json_object *reply, struct err *e) _wur_;
#endif

/* ---- bridge limits (limits.c) ---- */
/* -EXFULL with a clear message when n's bridge has no port left. */
int netd_bridge_room(const struct network *n, struct err *e) _wur_;

/* ---- firewall reloads (fw-watch.c) ---- */
/* A socket on nftables' change events; -errno on failure. */
int netd_fw_watch_open(struct err *e) _wur_;
/* Read the queued events; re-apply the table when another program changed it. */
void netd_fw_watch_handle(struct netd *d, int fd);

/* ---- requests (pure) ---- */

/* Parse one request: JSON object, protocol version, known op.
 * *ret_req is a new reference, *ret_op its op name (inside *ret_req). */
int proto_parse(const char *buf, size_t len, json_object **ret_req, const char **ret_op, struct err *e) _wur_;

struct attach_req {
	const char *container, *name, *netns, *network; /* inside the request object */
	bool has_ip, has_mac;
	struct ipam_addr ip;  /* static IPv4 address (has_ip) */
	uint8_t mac[6];
	bool has_ip6;
	struct ipam_addr ip6; /* static IPv6 address ("ip6", or an IPv6 "ip") */
	char **aliases;
	char **links;            /* "TARGET:ALIAS" (net connect --link) */
	struct netd_port *ports; /* -p specs as asked */
	size_t nports;
	const char *hostname; /* optional */
	char **dns;           /* optional: addresses */
	pid_t pid;            /* optional (0): the container's init, watched */
};
int attach_parse(json_object *req, struct attach_req *ret, struct err *e) _wur_;
void attach_req_done(struct attach_req *a);
struct detach_req {
	const char *container, *network;
};
int detach_parse(json_object *req, struct detach_req *ret, struct err *e) _wur_;
/* release {container}: its container id. */
int release_parse(json_object *req, const char **ret, struct err *e) _wur_;
/* net.inspect {names: [..]} / net.rm {name}: the names. */
int names_parse(json_object *req, char ***ret, struct err *e) _wur_;
/* net.inspect {names: [..], static?: [null | {ip?, ip6?}, ..]}: the names,
 * and (NULL without "static") per name which families a container asks a
 * static address of (create's check, as attach would refuse them). */
#define NETD_STATIC4 1u
#define NETD_STATIC6 2u
int inspect_parse(json_object *req, char ***ret, unsigned **ret_static, struct err *e) _wur_;

/* Run one parsed request; fills reply's fields on success. */
int netd_dispatch(struct netd *d, const char *op, json_object *req, json_object *reply, struct err *e) _wur_;

/* ---- networks (ops.c) ---- */
struct network *netd_find(struct netd *d, const char *name_or_id);
/* The network of exactly this name (no id nor id prefix): whether a name is
 * taken. */
struct network *netd_find_name(struct netd *d, const char *name);
/* The network file: atomic and fsync'd (networks outlive reboots). */
int netd_net_save(struct netd *d, struct network *n, struct err *e) _wur_;

/* ---- endpoint journal (journal.c) ----
 * A network's endpoints live in $ROOT/networks/<id>.endpoints, one line per
 * change: "+{endpoint}" at attach, "-<endpoint id>" at detach, each one
 * write(2) to a file kept open (O_APPEND), not fsync'd: endpoints do not
 * outlive a reboot, and a killed netd loses nothing the page cache holds.
 * That keeps the state write of an attach at ~10 us, where creating or
 * renaming a file costs 0.2-0.6 ms on ext4. The journal is replayed and
 * rewritten compactly at start, and when it grows past its live entries. */
int netd_ep_save(struct netd *d, struct network *n, const struct endpoint *ep, struct err *e) _wur_;
int netd_ep_unlink(struct netd *d, struct network *n, const struct endpoint *ep, struct err *e) _wur_;
/* Replay n's journal into n->eps (bad or repeated entries are dropped and
 * logged), then rewrite it compactly. */
void netd_journal_load(struct netd *d, struct network *n);
/* Remove a network's state file and its journal. */
void netd_state_unlink(struct netd *d, const struct network *n);
/* Bridge, addresses, firewall elements; exist_ok for reconciliation. */
int netd_net_kernel_up(struct netd *d, struct network *n, bool exist_ok, struct err *e) _wur_;
/* Turn on forwarding when a non-internal network needs it (logged). */
void netd_forwarding(struct netd *d);
int netd_net_create_default(struct netd *d, struct err *e) _wur_;
int netd_net_remove(struct netd *d, struct network *n, struct err *e) _wur_;

/* ---- endpoints (endpoint.c) ---- */
int netd_attach(struct netd *d, json_object *req, json_object *reply, struct err *e) _wur_;
int netd_detach(struct netd *d, json_object *req, json_object *reply, struct err *e) _wur_;

/* ---- port mappings (ports.c) ---- */
/* Resolve a's ports for ep on n (defaults, random host ports, conflicts with
 * other mappings and listening host sockets) into ep->ports. */
int netd_ports_prepare(struct netd *d, struct network *n, struct endpoint *ep, const struct attach_req *a,
		       struct err *e) _wur_;
/* Add or delete ep's mappings in the kernel (one transaction). */
int netd_ports_kernel(struct netd *d, struct network *n, const struct endpoint *ep, bool add, struct err *e) _wur_;
/* Every mapping of every endpoint, for a full resync. */
size_t netd_ports_all(struct netd *d, struct fw_port **ret);
void netd_ports_reply(const struct endpoint *ep, json_object *reply);
/* p's nftables elements, appended to *f (*n of them): one per address family
 * p is published on (no address: each family ep has); a range onto other
 * ports (8000-8010:80-90) one element per port. */
void netd_port_to_fw(const struct endpoint *ep, const struct netd_port *p, struct fw_port **f, size_t *n);
/* Drop n's endpoint at index i: journal, addresses, link (in the background). */
int netd_ep_release(struct netd *d, struct network *n, size_t i, struct err *e) _wur_;

/* ---- watching containers (watch.c) ----
 * An endpoint attached with a pid holds a pidfd of it in netd's epoll; when
 * the process ends (stopped, killed, its shim killed), netd releases the
 * endpoint by itself. At start, endpoints whose process is gone (or whose
 * pid now names another process) are released. */
/* Open ep's pidfd and watch it; -ESRCH when the process is gone. */
int netd_watch_add(struct netd *d, struct endpoint *ep, struct err *e) _wur_;
/* An fd of the epoll that is none of the loop's own: a pidfd became readable. */
void netd_watch_fired(struct netd *d, int fd);
/* After load: watch every endpoint's process, release the dead ones. */
void netd_watch_restore(struct netd *d);
/* The start time of pid (field 22 of /proc/PID/stat), 0 when gone. */
uint64_t netd_pid_start(pid_t pid);
/* release {container}: every endpoint of a container, on every network. */
int netd_release(struct netd *d, json_object *req, json_object *reply, struct err *e) _wur_;

/* ---- lab links (link.c) ---- */
struct link_end {
	const char *netns;  /* NULL for a bridge end */
	const char *bridge; /* b only: the host bridge this end is enslaved to */
	const char *ifname;
	bool has_mac;
	uint8_t mac[6];
};

struct link_req {
	struct link_end a, b;
	uint32_t mtu;
};
/* link.create's request (pure; strings point into req). */
int link_parse(json_object *req, struct link_req *ret, struct err *e) _wur_;
int netd_link_create(struct netd *d, json_object *req, json_object *reply, struct err *e) _wur_;

/* ---- reconciliation (reconcile.c) ---- */
int netd_load(struct netd *d, struct err *e) _wur_;
int netd_reconcile(struct netd *d, struct err *e) _wur_;
/* The whole nftables table from the state, in one transaction. */
int netd_fw_sync(struct netd *d, struct err *e) _wur_;
/* 1 when the kernel's table matches the state (fw_table_matches), 0 when not
 * (*ret_why says how, to free), -errno when it cannot tell. */
int netd_fw_matches(struct netd *d, char **ret_why, struct err *e) _wur_;

/* ---- the embedded DNS (resolver.c) ----
 * One dns_server for every network: UDP+TCP port 53 on each network's
 * gateway addresses (host namespace), records per endpoint. User networks
 * answer their containers' names; the default network is forward-only
 * (no names, as in Docker; its containers may use the forwarder when the
 * host has only loopback resolvers). Every function is a no-op before
 * netd_dns_start. */
int netd_dns_start(struct netd *d, struct err *e) _wur_;
void netd_dns_stop(struct netd *d);
/* Register the network and listen on its gateways; the default network's
 * listener failing is only logged. */
int netd_dns_net_add(struct netd *d, struct network *n, struct err *e) _wur_;
void netd_dns_net_remove(struct netd *d, struct network *n);
/* The endpoint's names (container name, short id, hostname, aliases) and
 * its --dns upstreams. Containers whose id is not hex get no records. */
int netd_dns_ep_add(struct netd *d, struct network *n, struct endpoint *ep, struct err *e) _wur_;
void netd_dns_ep_remove(struct netd *d, struct network *n, struct endpoint *ep);

/* ---- background link deletion (deleter.c) ---- */
int deleter_new(struct deleter **ret, struct err *e) _wur_;
/* Queue a host link for deletion; netns is the path of the namespace its peer
 * lives in (deleter_wait waits for it). */
void deleter_push(struct deleter *dl, const char *hostif, const char *netns);
/* Wait until no deletion for netns (NULL: any) is pending. */
void deleter_wait(struct deleter *dl, const char *netns);
/* Drain and stop the worker. */
void deleter_free(struct deleter *dl);

#endif
