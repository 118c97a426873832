#!/usr/bin/env bats
# Containers on networks: run --network, the default bridge, --link, net
# connect/disconnect, static addresses, /etc files, release at the end.

load helpers
bats_require_minimum_version 1.5.0

cgroup_dirs() {
	ls -d /sys/fs/cgroup/*/pontoon/"$1" /sys/fs/cgroup/pontoon/"$1" 2>/dev/null || true
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
}
