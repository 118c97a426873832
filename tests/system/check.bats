#!/usr/bin/env bats
# pontoon system check [--repair]: every kind of disagreement between state
# and kernel, made by hand, is reported (exit 1) and repaired (exit 0), and
# the check afterwards finds nothing.

load helpers

FAKE_ID=feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface

# cgroups are host-wide: empty pontoon cgroups other suites (or roots) left
# behind would be findings here too; remove them first (rmdir fails on a
# cgroup that has tasks, so running containers are never touched)
clear_stale_cgroups() {
	local dir
	for dir in /sys/fs/cgroup/*/pontoon/*/ /sys/fs/cgroup/pontoon/*/; do
		[ -d "$dir" ] && [ ! -s "$dir/cgroup.procs" ] && rmdir "$dir" 2>/dev/null || true
	done
}

setup() {
	clear_stale_cgroups
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	nft delete table inet pontoon 2>/dev/null || true
	rm -rf "$PONTOON_ROOT" "$PONTOON_RUN"
	mkdir -p "$PONTOON_ROOT" "$PONTOON_RUN"
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do pontoon rm -f "$id" >/dev/null 2>&1; done
	rmdir /sys/fs/cgroup/*/pontoon/$FAKE_ID /sys/fs/cgroup/pontoon/$FAKE_ID 2>/dev/null || true
	umount "$PONTOON_ROOT/leak" 2>/dev/null || true
	if [ -S "$PONTOON_RUN/netd.sock" ]; then
		local pid
		pid=$(netd_pid 2>/dev/null) && kill "$pid" 2>/dev/null
		wait_until 10 bash -c "[ ! -S $PONTOON_RUN/netd.sock ]" || true
	fi
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(pn-|pnv|pontoon|xpeer)'); do
		ip link del "$l" 2>/dev/null || true
	done
	nft delete table inet pontoon 2>/dev/null || true
}

# check_finds KIND OBJECT: `system check` exits 1 and names the finding;
# `--repair` fixes it; a second check finds nothing.
check_finds() {
	run pontoon system check
	echo "$output"
	assert_status 1
	echo "$output" | grep -E "^$1 +$2: " || fail "no $1 $2 in: $output"
	run pontoon system check --repair
	echo "$output"
	assert_status 0
	echo "$output" | grep -E "^$1 +$2: .*\(repaired\)$"
	run pontoon system check
	assert_status 0
	assert_output_contains "state and kernel agree"
}

@test "system check: networks (veths, bridges, endpoints, addresses, the firewall)" {
	pontoon net create --subnet 10.40.0.0/24 web
	br=$(ip -o addr show | awk '/10.40.0.1\//{print $2}')
	run pontoon system check
	assert_status 0
	assert_output_contains "state and kernel agree"

	# an orphan veth and an orphan bridge, made by hand
	ip link add pnvdeadbeef type veth peer name xpeer0
	check_finds orphan-veth pnvdeadbeef
	! ip link show pnvdeadbeef 2>/dev/null
	ip link add pn-deadbeef0 type bridge
	check_finds orphan-bridge pn-deadbeef0
	! ip link show pn-deadbeef0 2>/dev/null

	# an endpoint whose veth vanished: released, with its address
	ip netns add a
	r=$(netd '{"version":1,"op":"attach","container":"c-a","name":"a","netns":"/run/netns/a","network":"web"}')
	hostif=$(ip -o link show master "$br" | awk -F': ' '{print $2}' | sed 's/@.*//')
	ip link del "$hostif"
	check_finds lost-endpoint "$hostif"
	[ "$(pontoon net inspect web | jq '.[0].Containers | length')" -eq 0 ]

	# the network's bridge deleted by hand: made again, with its gateway address
	ip link del "$br"
	check_finds missing-bridge "$br"
	ip -o addr show dev "$br" | grep -q 10.40.0.1/24

	# an address allocated to no endpoint (a test-build hook leaks one)
	leaked=$(netd '{"version":1,"op":"debug.leak","network":"web"}' | jq -r .ip)
	[ -n "$leaked" ] && [ "$leaked" != null ]
	check_finds leaked-address "$leaked"

	# the firewall: the ruleset flushed while netd cannot re-apply it (an
	# injected nftables failure): check sees it, --repair re-applies
	netd '{"version":1,"op":"debug.fault","spec":"nft:1:EIO"}' | jq -e .ok
	nft flush ruleset
	wait_until 10 grep -q "re-apply the firewall" "$PONTOON_RUN/netd.log"
	! nft list table inet pontoon 2>/dev/null
	check_finds firewall "table inet pontoon"
	nft list set inet pontoon bridges | grep -q "$br"
	# and after a flush netd repairs by itself, which check confirms
	nft flush ruleset
	wait_until 10 bash -c "nft list set inet pontoon bridges | grep -q $br"
	run pontoon system check
	assert_status 0
}

@test "system check: containers (dead shims, orphan cgroups, mounts under the root)" {
	# a container whose shim was killed: its init lives on in its cgroups
	id=$(pontoon run -d busybox sleep 1000)
	full=$(pontoon inspect "$id" | jq -r '.[0].Id')
	shim=$(jq -r .ShimPid "$PONTOON_ROOT/containers/$full/state.json")
	[ "$shim" -gt 1 ]
	kill -9 "$shim"
	check_finds dead-container "$full"
	[ -z "$(ls -d /sys/fs/cgroup/*/pontoon/"$full" /sys/fs/cgroup/pontoon/"$full" 2>/dev/null)" ]
	! pgrep -f "sleep 1000" >/dev/null
	[ "$(pontoon inspect "$id" | jq -r '.[0].State.Status')" = exited ]
	pontoon rm "$id"

	# a cgroup of no container (an empty one is checked twice, 2 s apart)
	[ -d /sys/fs/cgroup/pids ] && cg=/sys/fs/cgroup/pids/pontoon || cg=/sys/fs/cgroup/pontoon
	mkdir -p "$cg/$FAKE_ID"
	check_finds orphan-cgroup "$cg/$FAKE_ID"
	[ ! -d "$cg/$FAKE_ID" ]

	# a mount left under the root
	mkdir -p "$PONTOON_ROOT/leak"
	mount -t tmpfs leak "$PONTOON_ROOT/leak"
	check_finds orphan-mount "$PONTOON_ROOT/leak"
	! grep -q " $PONTOON_ROOT/leak " /proc/mounts

	# files of a removed container whose deletion a crash cut short (--rm
	# containers are moved into the trash, then deleted by their shim after
	# it reported the exit); run --rm leaves none once its shim has ended
	pontoon run --rm busybox true
	wait_until 10 bash -c "[ -z \"\$(ls -A $PONTOON_ROOT/containers/.trash)\" ]"
	mkdir -p "$PONTOON_ROOT/containers/.trash/$FAKE_ID/upper/etc"
	echo x >"$PONTOON_ROOT/containers/.trash/$FAKE_ID/config.json"
	sleep 2
	check_finds trash "$PONTOON_ROOT/containers/.trash/$FAKE_ID"
	[ ! -e "$PONTOON_ROOT/containers/.trash/$FAKE_ID" ]
}

@test "system check: bad usage" {
	run pontoon system check extra
	assert_status 1
	run pontoon system check --format yaml
	assert_status 1
	assert_output_contains "only json"
	run pontoon system check --format json
	assert_status 0
	[ "$(echo "$output" | jq length)" -eq 0 ]
}
