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
 *   net.inspect {names[], static?[]} -> {networks: [...]}   (all or nothing)
 *       static: one element per name, null or {ip?, ip6?}: the static
 *       addresses a container will ask of that network (create's check);
 *       refused as attach would refuse them, for the family's subnet
 *       (absent, picked from a pool rather than given by the user, or the
 *       default network's), before anything else happens
 *   net.rm {names: [name]} -> {id, name}   (one name; the CLI loops)
 *   net.prune             -> {removed: [names]}
 *   attach {container, name, netns, network, ip?, ip6?, aliases?[], mac?,
 *           hostname?, dns?[], pid?, ports?[], links?[]}
 *                         -> {endpoint, network, network_id, ip, ip6?, mac, gateway,
 *                             gateway6?, prefix, prefix6?, ifname, ports[]}
 *       ports: -p specs as strings ("8080:80", "127.0.0.1::53/udp", see
 *       netd_port_parse); the reply's ports are the mappings made, each
 *       {proto, host_ip, host_port, container_port, count} (host ports
 *       chosen when the spec left them out). A conflict with another
 *       mapping or a listening host socket fails the attach with
 *       "port 8080/tcp is already allocated" and leaves nothing.
 *       container: its id; name: its name; netns: path of its network
 *       namespace (/proc/PID/ns/net); ip: a static address (v4, or v6 as
 *       requests before "ip6" existed send it); ip6: a static IPv6 address,
 *       so that one request can carry both (--ip with --ip6; an "ip" that
 *       is IPv6 together with "ip6" is refused). Each static address must
 *       lie in the network's subnet of its family, which the user gave
 *       at net.create (as Docker: not one picked from a pool, nor the
 *       default network's), not be its gateway nor
 *       taken: else the attach fails and leaves nothing. The other family,
 *       when the network has it, is allocated from its pool;
 *       aliases: --network-alias names; links: "TARGET:ALIAS" strings
 *       (net connect --link), ALIAS resolving to TARGET on this network for
 *       this container only (see dns_store_endpoint_links), kept in the
 *       endpoint's state; hostname: the container's hostname;
 *       dns: its --dns servers (addresses), for the DNS forwarder; pid: its
 *       init, which netd watches (pidfd): when it ends, the endpoint is
 *       released. An endpoint of the same container with another pid (an
 *       earlier run netd has not seen end yet) is released first.
 *   detach {container, network}  -> {endpoint}
 *   release {container}   -> {released: [network names]}  every endpoint of it
 *   link.create {a:{netns, ifname, mac?}, b:{netns, ifname, mac?} | b:{bridge, ifname, mac?}, mtu?}
 *                         -> {}   a veth pair for a lab link (netd/link.c): a's end
 *                         is created inside a's namespace (up) with its peer born
 *                         directly in b's (then set up); never made on the host and
 *                         moved. With b.bridge, b's end is a host interface enslaved
 *                         to that existing bridge. No state: the pair goes with
 *                         either namespace. mtu 0/absent: the kernel's default.
 *   check {repair?}       -> {findings: [{kind, object, problem, repaired}]}
 *                            (state and kernel disagreements; see check.c)
 */
#ifndef PONTOON_NETD_H
#define PONTOON_NETD_H

#include "common.h"
#include "ipam.h"

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

/* ---- port mappings (-p) ---- */

/* One -p mapping: host [ip]:port range -> container port range. */
struct netd_port {
	bool has_ip;          /* a host address was given; otherwise every local address */
	struct ipam_addr ip;  /* the host address */
	uint16_t hport;       /* first host port; 0: chosen by netd */
	uint16_t cport;       /* first container port */
	uint16_t count;       /* ports in the range (1 for a single port) */
	uint8_t proto;        /* IPPROTO_TCP or IPPROTO_UDP */
};

/* Parse a -p spec (pure): CPORT, HOSTPORT:CPORT, IP:HOSTPORT:CPORT,
 * IP::CPORT, each port possibly a range A-B (host and container ranges of
 * equal length), an optional /tcp or /udp suffix; an IPv6 address in
 * brackets ([::1]:8080:80). -EINVAL with a message on anything else. */
int netd_port_parse(const char *spec, struct netd_port *ret, struct err *e) _wur_;
/* The canonical spec ("0.0.0.0:8080-8081:80-81/tcp" form without the
 * address when has_ip is false); netd_port_parse reads it back. buf holds
 * at least NETD_PORT_STRLEN bytes. */
#define NETD_PORT_STRLEN 96
char *netd_port_format(const struct netd_port *p, char *buf, size_t len);
/* "tcp" or "udp". */
const char *netd_proto_name(uint8_t proto);

#endif
