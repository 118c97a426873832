/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netd: the network daemon (networks, endpoints, bridges, veths, nftables)
 * and the client side of its socket.
 *
 * Protocol: $RUN/netd.sock, a SOCK_STREAM unix socket (mode 0600). A client
 * connects, writes one JSON object and shuts down its writing side; netd
 * answers with one JSON object and closes. Every request carries
 * "version": NETD_PROTO_VERSION and "op"; every reply carries "version" and
 * "ok" (true, with the op's fields; false with "error", a one-line message,
 * and "errno"). Ops:
 *
 *   ping                  -> {pid, version}
 *   net.create {name, driver?, subnets?[], gateways?[], ip_ranges?[], internal?,
 *               ipv6?, options?{}, labels?{}}                -> {id}
 *   net.ls                -> {networks: [inspect objects]}
 *   net.inspect {names[]} -> {networks: [...]}   (all or nothing)
 *   net.rm {name}         -> {id, name}
 *   net.prune             -> {removed: [names]}
 *   attach {container, name, netns, network, ip?, aliases?[], mac?,
 *           hostname?, dns?[], pid?}
 *                         -> {endpoint, network, network_id, ip, ip6?, mac, gateway,
 *                             gateway6?, prefix, prefix6?, ifname}
 *       container: its id; name: its name; netns: path of its network
 *       namespace (/proc/PID/ns/net); ip: a static address (v4 or v6);
 *       aliases: --network-alias names; hostname: the container's hostname;
 *       dns: its --dns servers (addresses), for the DNS forwarder; pid: its
 *       init, which netd watches (pidfd): when it ends, the endpoint is
 *       released. An endpoint of the same container with another pid (an
 *       earlier run netd has not seen end yet) is released first.
 *   detach {container, network}  -> {endpoint}
 *   release {container}   -> {released: [network names]}  every endpoint of it
 *   check {repair?}       -> {findings: [{kind, object, problem, repaired}]}
 *                            (state and kernel disagreements; see check.c)
 */
#ifndef PONTOON_NETD_H
#define PONTOON_NETD_H

#include "common.h"

#define NETD_PROTO_VERSION 1
/* Largest request or reply, in bytes. */
#define NETD_MSG_MAX (4u << 20)

/* The embedded DNS: netd serves UDP and TCP port 53 on every network's
 * gateway addresses (from net.create, or netd's start, to net.rm). attach
 * registers the container's name, short id (the first 12 hex digits of
 * "container"), hostname and aliases with its addresses on that network, and
 * its "dns" servers as its upstreams, before it replies; detach and release
 * remove them before they reply. The default network "bridge" holds no
 * names: its listener only forwards. See README, "Embedded DNS". */

struct netd_paths {
	const char *root; /* state: networks in root/networks */
	const char *run;  /* socket, lock, log */
};

/* Run the daemon. foreground: log to stderr and stay attached; otherwise
 * fork, and the parent returns 0 once the child answers on its socket
 * (or an error when it could not start). Returns 0 on a clean stop (SIGTERM,
 * SIGINT), or when another netd already serves the socket. */
int netd_main(const struct netd_paths *p, bool foreground, struct err *e) _wur_;

/* Send req, wait for the reply. With autostart, start netd when nothing
 * listens (fork+exec of /proc/self/exe with argv0 --root --run netd).
 * A reply with "ok": false becomes -errno with its message in e.
 * *ret is the reply (owned by the caller). */
int netd_call(const struct netd_paths *p, json_object *req, bool autostart, json_object **ret, struct err *e) _wur_;

/* A request object {"version": ..., "op": op} to fill in. */
json_object *netd_request_new(const char *op);

#endif
