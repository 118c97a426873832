#!/usr/bin/env bats
# Containers on networks: run --network, the default bridge, --link, net
# connect/disconnect, static addresses, /etc files, release at the end.

load helpers
bats_require_minimum_version 1.5.0

cgroup_dirs() { # ID or ID-prefix*
	ls -d /sys/fs/cgroup/*/pontoon*/$1 /sys/fs/cgroup/pontoon*/$1 2>/dev/null || true
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do
		pontoon rm -f "$id" >/dev/null 2>&1
	done
	for n in $(pontoon net ls -q 2>/dev/null); do
		[ "$n" = bridge ] || pontoon net rm "$n" >/dev/null 2>&1 || true
	done
}

ip_of() { # CONTAINER NETWORK
	pontoon inspect "$1" | jq -r ".[0].NetworkSettings.Networks[\"$2\"].IPAddress"
}

# endpoints_gone: no pnv veth, no endpoint in netd's view
endpoints_gone() {
	[ -z "$(ip -o link show | grep pnv)" ] &&
		[ "$(pontoon net inspect bridge | jq '.[0].Containers | length')" = 0 ]
}

@test "seed: two busybox containers on a user network ping each other by address" {
	pontoon net create --driver bridge --subnet 192.168.0.0/16 --gateway 192.168.0.1 mynet
	pontoon run -d --name a --network mynet busybox sleep 300
	pontoon run -d --name b --network mynet busybox sleep 300
	a=$(ip_of a mynet)
	b=$(ip_of b mynet)
	[[ $a == 192.168.* ]] || fail "a has $a"
	[[ $b == 192.168.* ]] || fail "b has $b"
	[ "$a" != "$b" ]
	pontoon exec a ping -c1 -W2 "$b"
	pontoon exec b ping -c1 -W2 "$a"
	# eth0 inside, with the address and the default route through the gateway
	run pontoon exec a ip -o -4 addr show eth0
	assert_output_contains "$a/16"
	run pontoon exec a ip route
	assert_output_contains "default via 192.168.0.1"
	# no IPv6 on a network without it (not even a link-local address)
	run pontoon exec a ip -o -6 addr show dev eth0
	[ -z "$output" ] || fail "IPv6 on eth0: $output"
	# --network container:a shares a's interface, /etc/hosts and resolv.conf
	run pontoon run --rm --network container:a busybox sh -c 'ip -o -4 addr show eth0; cat /etc/hosts /etc/resolv.conf'
	assert_output_contains "$a/16"
	assert_output_contains "nameserver 192.168.0.1"
	[ "$(echo "$output" | grep -c "$a")" -ge 2 ]
}

@test "several --network at run (eth0, eth1), an IPv6 network, the route through the first" {
	pontoon net create --subnet 10.91.0.0/24 n1
	pontoon net create --ipv6 --subnet 10.92.0.0/24 --subnet fd00:92::/64 n6
	pontoon run -d --name a --network n1 --network n6 busybox sleep 300
	run pontoon exec a ip -o -4 addr show eth0
	assert_output_contains "10.91.0."
	run pontoon exec a ip -o -4 addr show eth1
	assert_output_contains "10.92.0."
	run pontoon exec a ip -o -6 addr show eth1
	assert_output_contains "fd00:92::"
	run pontoon exec a ip route
	assert_output_contains "default via 10.91.0.1"
	[ "$(pontoon inspect a | jq -r '.[0].NetworkSettings.Networks | keys | join(",")')" = n1,n6 ]
	pontoon run -d --name b --network n6 busybox sleep 300
	b6=$(pontoon inspect b | jq -r '.[0].NetworkSettings.Networks.n6.GlobalIPv6Address')
	[[ $b6 == fd00:92::* ]] || fail "b has $b6"
	wait_until 10 pontoon exec a ping -c1 -W1 "$b6"
	[ "$(pontoon net inspect n6 | jq -r '.[0].Containers | length')" = 2 ]
	run pontoon run --rm --network n1 --network n1 busybox true
	assert_status 125
	run pontoon run --rm --network n1 --network none busybox true
	assert_status 125
}

@test "default bridge: containers ping by address; --link by name, one way only" {
	pontoon run -d --name web busybox sleep 300
	pontoon run -d --name other busybox sleep 300
	web=$(ip_of web bridge)
	other=$(ip_of other bridge)
	[[ $web == 172.17.* ]] || fail "web has $web"
	pontoon exec other ping -c1 -W2 "$web"
	[ "$(pontoon inspect web | jq -r '.[0].NetworkSettings.IPAddress')" = "$web" ]
	[ "$(pontoon inspect web | jq -r '.[0].NetworkSettings.Networks.bridge.Gateway')" = 172.17.0.1 ]
	[ "$(pontoon inspect web | jq -r '.[0].HostConfig.NetworkMode')" = bridge ]
	pontoon run -d --name client --link web:w busybox sleep 300
	pontoon exec client ping -c1 -W2 web
	pontoon exec client ping -c1 -W2 w
	run pontoon exec client cat /etc/hosts
	assert_output_contains "$web"
	# one way: web knows nothing of client
	run pontoon exec web cat /etc/hosts
	[[ "$output" != *client* ]] || fail "web's hosts names client: $output"
	# a link to a container that does not run: refused, nothing left
	run pontoon run --rm --link nosuch busybox true
	assert_status 125
	assert_output_contains nosuch
	# on a user-defined network --link is a DNS name for this container only
	# (netopts.bats): no variables, and its target need not run yet (Docker)
	pontoon net create n1
	run pontoon run --rm --network n1 --link web busybox env
	assert_status 0
	[[ "$output" != *WEB_* ]] || fail "variables on a user-defined network: $output"
}

@test "/etc/hostname, /etc/hosts and /etc/resolv.conf; the user's own lines survive an update" {
	pontoon net create --subnet 10.77.0.0/24 n1
	pontoon net create --subnet 10.78.0.0/24 n2
	pontoon run -d --name a --hostname alpha --network n1 --add-host db.example:10.1.2.3 \
		--dns-search corp.example busybox sleep 300
	run pontoon exec a cat /etc/hostname
	[ "$output" = alpha ]
	run pontoon exec a cat /etc/hosts
	assert_output_contains "127.0.0.1"
	assert_output_contains "$(ip_of a n1)"
	assert_output_contains alpha
	assert_output_contains "10.1.2.3"
	assert_output_contains db.example
	# user network: netd's DNS on the gateway, ndots:0
	run pontoon exec a cat /etc/resolv.conf
	assert_output_contains "nameserver 10.77.0.1"
	assert_output_contains "ndots:0"
	assert_output_contains "corp.example"
	# the user's line stays when pontoon rewrites the file
	pontoon exec a sh -c 'echo "10.9.9.9 mine" >> /etc/hosts'
	pontoon net connect n2 a
	run pontoon exec a cat /etc/hosts
	assert_output_contains "10.9.9.9 mine"
	assert_output_contains "$(ip_of a n2)"
	# a resolv.conf the user changed is theirs
	pontoon exec a sh -c 'echo "nameserver 10.5.5.5" > /etc/resolv.conf'
	pontoon net disconnect n2 a
	run pontoon exec a cat /etc/resolv.conf
	[ "$output" = "nameserver 10.5.5.5" ]
	run pontoon exec a cat /etc/hosts
	assert_output_contains "10.9.9.9 mine"
	# default bridge: --dns
	run pontoon run --rm --dns 10.8.8.8 busybox cat /etc/resolv.conf
	assert_output_contains "nameserver 10.8.8.8"
	[[ "$output" != *ndots:0* ]]
	# --network none: no resolver, but --add-host
	run pontoon run --rm --network none busybox cat /etc/resolv.conf
	[[ "$output" != *nameserver* ]]
	run pontoon run --rm --network none --add-host gw.example:10.3.3.3 busybox cat /etc/hosts
	assert_output_contains "10.3.3.3"
	assert_output_contains gw.example
}

@test "net connect adds eth1 live and it reaches the other network; disconnect removes it" {
	pontoon net create --subnet 10.81.0.0/24 n1
	pontoon net create --subnet 10.82.0.0/24 n2
	pontoon run -d --name a --network n1 busybox sleep 300
	pontoon run -d --name b --network n2 busybox sleep 300
	pontoon run -d --name c --network n2 busybox sleep 300
	b=$(ip_of b n2)
	# different networks cannot reach each other
	run pontoon exec a ping -c1 -W1 "$b"
	[ "$status" -ne 0 ]
	pontoon net connect n2 a
	run pontoon exec a ip -o -4 addr show eth1
	assert_output_contains "10.82.0."
	pontoon exec a ping -c1 -W2 "$b"
	[ "$(pontoon net inspect n2 | jq -r '.[0].Containers | length')" = 3 ]
	# b still cannot reach c's network... it is on it; but a's n1 address is not reachable from b
	run pontoon exec b ping -c1 -W1 "$(ip_of a n1)"
	[ "$status" -ne 0 ]
	pontoon net disconnect n2 a
	run pontoon exec a ip -o link show eth1
	[ "$status" -ne 0 ]
	run pontoon exec a ping -c1 -W1 "$b"
	[ "$status" -ne 0 ]
	[ "$(pontoon net inspect n2 | jq -r '.[0].Containers | length')" = 2 ]
	[ "$(pontoon inspect a | jq -r '.[0].NetworkSettings.Networks | keys | join(",")')" = n1 ]
	# errors: twice, not connected, unknown network
	pontoon net connect n2 a
	run pontoon net connect n2 a
	assert_status 1
	assert_output_contains "already connected"
	run pontoon net disconnect n1 b
	assert_status 1
	assert_output_contains "not connected"
	run pontoon net connect nosuch a
	assert_status 1
	assert_output_contains "not found"
	# disconnected from its only network: inspect lists none (found by crash.bats)
	pontoon net disconnect n2 c
	[ "$(pontoon inspect c | jq -r '.[0].NetworkSettings.Networks | length')" = 0 ]
	pontoon net connect n2 c
	# net rm of a network with containers names them
	run pontoon net rm n2
	assert_status 1
	assert_output_contains b
}

@test "net connect on a stopped container applies at start; stop releases, start re-attaches" {
	pontoon net create --subnet 10.83.0.0/24 n1
	pontoon net create --subnet 10.84.0.0/24 n2
	pontoon create --name a --network n1 --ip 10.83.0.50 busybox sleep 300
	pontoon net connect --alias aa n2 a
	[ "$(pontoon net inspect n2 | jq -r '.[0].Containers | length')" = 0 ]
	pontoon start a
	[ "$(ip_of a n1)" = 10.83.0.50 ]
	run pontoon exec a ip -o -4 addr show eth1
	assert_output_contains "10.84.0."
	[ "$(pontoon inspect a | jq -r '.[0].NetworkSettings.Networks.n2.Aliases[0]')" = aa ]
	pontoon stop -t 1 a
	# the kernel deletes the veths with the namespace, in the background
	wait_until 10 sh -c '! ip -o link show | grep -q pnv' || fail "veths left: $(ip -o link show | grep pnv)"
	[ "$(pontoon net inspect n1 | jq -r '.[0].Containers | length')" = 0 ]
	[ "$(pontoon inspect a | jq -r '.[0].NetworkSettings.Networks.n1.IPAddress')" = "" ]
	pontoon start a
	[ "$(ip_of a n1)" = 10.83.0.50 ]
	pontoon restart -t 1 a
	[ "$(ip_of a n1)" = 10.83.0.50 ]
	pontoon exec a ping -c1 -W2 10.83.0.1
	pontoon net disconnect n2 a
	pontoon stop -t 1 a
	pontoon start a
	run pontoon exec a ip -o link show eth1
	[ "$status" -ne 0 ]
}

@test "static --ip honoured; outside the subnet, taken or the gateway: refused, nothing made" {
	pontoon net create --subnet 10.85.0.0/24 n1
	pontoon run -d --name a --network n1 --ip 10.85.0.10 busybox sleep 300
	[ "$(ip_of a n1)" = 10.85.0.10 ]
	pontoon exec a ip -o -4 addr show eth0 | grep -q "10.85.0.10/24"
	before=$(kernel_snapshot; pontoon ps -aq; pontoon net inspect n1 | jq -c '.[0].Containers')
	for ip in 10.86.0.5 10.85.0.10 10.85.0.1; do
		run pontoon run -d --network n1 --ip "$ip" busybox sleep 300
		assert_status 125
		[ "${#lines[@]}" -eq 1 ] || fail "more than one line: $output"
		assert_output_contains "$ip"
		after=$(kernel_snapshot; pontoon ps -aq; pontoon net inspect n1 | jq -c '.[0].Containers')
		[ "$before" = "$after" ] || fail "--ip $ip left: $(diff <(echo "$before") <(echo "$after"))"
	done
	# on the default bridge, as Docker: user-defined networks only
	run pontoon run --rm --ip 172.17.0.99 busybox true
	assert_status 125
	assert_output_contains "user defined networks"
	# bad spellings
	for opt in "--ip 10.85.0" "--mac-address zz" "--add-host nocolon" "--dns x.y" "--network-alias -bad" "--network a/b"; do
		run pontoon run --rm --network n1 $opt busybox true
		assert_status 125
	done
	run pontoon run --rm --network nosuch busybox true
	assert_status 125
	assert_output_contains "network nosuch not found"
	# --mac-address and --network-alias
	run pontoon run --rm --network n1 --mac-address 02:11:22:33:44:55 busybox cat /sys/class/net/eth0/address
	[ "$output" = 02:11:22:33:44:55 ]
}

@test "a container that dies, is SIGKILLed, or whose shim is killed has its endpoints released" {
	pontoon net create --subnet 10.87.0.0/24 n1
	pontoon run -d --name a --network n1 busybox sh -c 'sleep 0.5'
	wait_until 20 eval '[ "$(pontoon net inspect n1 | jq ".[0].Containers | length")" = 0 ]'
	pontoon run -d --name b --network n1 busybox sleep 300
	pontoon kill -s KILL b
	wait_until 20 eval '[ "$(pontoon net inspect n1 | jq ".[0].Containers | length")" = 0 ]'
	pontoon run -d --name c --network n1 busybox sleep 300
	shim=$(pontoon inspect c | jq -r '.[0].State.ShimPid')
	[ "$shim" -gt 0 ]
	kill -KILL "$shim"
	wait_until 20 eval '[ "$(pontoon net inspect n1 | jq ".[0].Containers | length")" = 0 ]'
	wait_until 20 eval '[ -z "$(ip -o link show | grep pnv)" ]'
	# netd restarted while a container ran, which then ends: released at its start
	pontoon run -d --name d --network n1 busybox sleep 300
	netd_pid=$(pgrep -f "netd" | head -1)
	[ -n "$netd_pid" ]
	kill -KILL "$(cat /proc/$netd_pid/status | awk '/^Pid/{print $2}')"
	pontoon kill -s KILL d
	sleep 0.5
	wait_until 20 eval '[ "$(pontoon net inspect n1 | jq ".[0].Containers | length")" = 0 ]'
	wait_until 20 eval '[ -z "$(ip -o link show | grep pnv)" ]'
}

@test "100 run --rm on one network, then rm -f of all: nothing left" {
	pontoon net create --subnet 10.88.0.0/24 n1
	ids=()
	for i in $(seq 1 100); do
		ids+=("$(pontoon run --rm --network n1 busybox hostname)")
	done
	for i in 1 2 3; do
		ids+=("$(pontoon run -d --network n1 busybox sleep 300)")
	done
	ids+=("$(pontoon create --network n1 busybox true)")
	pontoon rm -f $(pontoon ps -aq)
	wait_until 30 eval '[ -z "$(ip -o link show | grep pnv)" ]'
	[ "$(pontoon net inspect n1 | jq '.[0].Containers | length')" = 0 ]
	[ -z "$(nft list table inet pontoon | grep -E '10\.88\.0\.[0-9]+[^/0-9]')" ] || fail "nft elements left"
	! grep -q "$PONTOON_ROOT/containers/[0-9a-f]" /proc/mounts || false
	# cgroups are host-global: look for ours only
	for id in "${ids[@]}"; do
		[ ${#id} -ge 12 ] || fail "no id: $id"
		[ -z "$(cgroup_dirs "${id:0:12}*")" ] || fail "cgroups left: $(cgroup_dirs "${id:0:12}*")"
	done
	[ -z "$(ls "$PONTOON_ROOT/containers" | grep -v names)" ]
	# every address is free again: the whole pool is allocatable
	run pontoon run --rm --network n1 --ip 10.88.0.2 busybox true
	assert_status 0
	pontoon net rm n1
}

@test "a failure injected in netd at each step of run's attach leaves nothing" {
	pontoon net create --subnet 10.89.0.0/24 n1
	pontoon run --rm --network n1 busybox true
	# netd deletes the veth of a container that ended in the background
	wait_until 20 eval '[ -z "$(ip -o link show | grep pnv)" ]'
	netd() { echo "$1" | socat -t 10 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock"; }
	state() {
		# links by name: a bridge's carrier follows its ports with a delay
		# (and its IPv6 link-local address passes DAD meanwhile)
		ip -o link show | awk '{print $2}'
		ip -o addr show | grep -v 'scope link'
		nft list table inet pontoon | sed -E 's/ # handle [0-9]+//'
		grep -F "$PONTOON_TEST_TMP" /proc/mounts || true
		find "$PONTOON_ROOT" -path '*/locks' -prune -o -type f -print | grep -v '\.endpoints$' | sort
		pontoon ps -aq
		pontoon net inspect n1 | jq -c '.[0].Containers'
	}
	failures=0
	for site in netlink state; do
		for n in 1 2 3 4 5 6 7 8 9 10; do
			before=$(state)
			netd "{\"version\":1,\"op\":\"debug.fault\",\"spec\":\"$site:$n:EIO\"}" | jq -e .ok >/dev/null
			run pontoon run -d --network n1 busybox sleep 300
			netd '{"version":1,"op":"debug.fault","spec":""}' >/dev/null
			if [ "$status" -eq 0 ]; then
				pontoon rm -f "$output" >/dev/null
				wait_until 20 eval '[ -z "$(ip -o link show | grep pnv)" ]'
				break
			fi
			assert_status 125
			assert_output_contains "Input/output error"
			failures=$((failures + 1))
			wait_until 20 eval '[ -z "$(ip -o link show | grep pnv)" ]'
			after=$(state)
			[ "$before" = "$after" ] || fail "$site:$n left: $(diff <(echo "$before") <(echo "$after"))"
		done
	done
	[ "$failures" -ge 4 ] || fail "only $failures injected failures"
}
