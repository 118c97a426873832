#!/usr/bin/env bats
# pontoon system check [--repair]: every kind of disagreement between state
# and kernel, made by hand, is reported (exit 1) and repaired (exit 0), and
# the check afterwards finds nothing.

load helpers

FAKE_ID=feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface

# in_root_b COMMAND...: COMMAND with a second pontoon root (its own state, run
# directory and cgroup parent) and, for its netd, a network namespace of its
# own, so the two netds do not share bridges and tables. nsenter, not ip netns
# exec: that one remounts /sys, hiding the cgroup hierarchies.
in_root_b() {
	PONTOON_ROOT=$PONTOON_TEST_TMP/root-b PONTOON_RUN=$PONTOON_TEST_TMP/run-b \
		nsenter --net=/run/netns/root-b "$@"
}

setup() {
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	nft delete table inet pontoon 2>/dev/null || true
	rm -rf "$PONTOON_ROOT" "$PONTOON_RUN"
	mkdir -p "$PONTOON_ROOT" "$PONTOON_RUN"
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do pontoon rm -f "$id" >/dev/null 2>&1; done
	rmdir /sys/fs/cgroup/*/pontoon*/$FAKE_ID /sys/fs/cgroup/pontoon*/$FAKE_ID 2>/dev/null || true
	if [ -d "$PONTOON_TEST_TMP/root-b" ]; then
		for id in $(in_root_b "$PONTOON_BIN" ps -aq 2>/dev/null); do in_root_b "$PONTOON_BIN" rm -f "$id" >/dev/null 2>&1; done
		pid=$(echo '{"version":1,"op":"ping"}' |
			socat -t 5 - "UNIX-CONNECT:$PONTOON_TEST_TMP/run-b/netd.sock" 2>/dev/null | jq -r .pid)
		[ -n "$pid" ] && [ "$pid" != null ] && kill "$pid" 2>/dev/null
		rm -rf "$PONTOON_TEST_TMP/root-b" "$PONTOON_TEST_TMP/run-b"
	fi
	umount "$PONTOON_ROOT/leak" 2>/dev/null || true
	netd_stop
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
	! ip link show pnvdeadbeef 2>/dev/null || false
	ip link add pn-deadbeef0 type bridge
	check_finds orphan-bridge pn-deadbeef0
	! ip link show pn-deadbeef0 2>/dev/null || false

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
	! nft list table inet pontoon 2>/dev/null || false
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
	[ -z "$(ls -d /sys/fs/cgroup/*/pontoon*/"$full" /sys/fs/cgroup/pontoon*/"$full" 2>/dev/null)" ]
	! pgrep -fx "sleep 1000" >/dev/null || false
	[ "$(pontoon inspect "$id" | jq -r '.[0].State.Status')" = exited ]
	pontoon rm "$id"

	# a killed shim and then a killed netd: netd's next start recovers the
	# container (marked exited, cgroups removed) before any check
	id=$(pontoon run -d busybox sleep 1000)
	full=$(pontoon inspect "$id" | jq -r '.[0].Id')
	shim=$(jq -r .ShimPid "$PONTOON_ROOT/containers/$full/state.json")
	pid=$(netd_pid)
	kill -9 "$shim" "$pid"
	wait_until 10 bash -c "! pgrep -fx 'sleep 1000' >/dev/null"
	[ -n "$(ls -d /sys/fs/cgroup/*/pontoon*/"$full" /sys/fs/cgroup/pontoon*/"$full" 2>/dev/null)" ]
	[ "$(jq -r .Status "$PONTOON_ROOT/containers/$full/state.json")" = running ]
	pontoon net ls >/dev/null # netd started again
	[ "$(netd_pid)" != "$pid" ]
	[ -z "$(ls -d /sys/fs/cgroup/*/pontoon*/"$full" /sys/fs/cgroup/pontoon*/"$full" 2>/dev/null)" ]
	[ "$(jq -r .Status "$PONTOON_ROOT/containers/$full/state.json")" = exited ]
	run pontoon system check
	assert_status 0
	# the same, but the next command is the container's own start, which
	# holds its lock while netd starts: netd's recovery leaves it to the start
	shim=$(jq -r .ShimPid "$PONTOON_ROOT/containers/$full/state.json")
	pontoon start "$id"
	shim=$(jq -r .ShimPid "$PONTOON_ROOT/containers/$full/state.json")
	pid=$(netd_pid)
	kill -9 "$shim" "$pid"
	wait_until 10 bash -c "! pgrep -fx 'sleep 1000' >/dev/null"
	timeout 30 "$PONTOON_BIN" start "$id"
	[ "$(pontoon inspect "$id" | jq -r '.[0].State.Status')" = running ]
	pontoon exec "$id" true
	run pontoon system check
	assert_status 0
	pontoon rm -f "$id"

	# a cgroup of no container (an empty one is checked twice, 2 s apart)
	[ -d /sys/fs/cgroup/pids ] && cg=/sys/fs/cgroup/pids/$(cgroup_parent) || cg=/sys/fs/cgroup/$(cgroup_parent)
	mkdir -p "$cg/$FAKE_ID"
	check_finds orphan-cgroup "$cg/$FAKE_ID"
	[ ! -d "$cg/$FAKE_ID" ]

	# a mount left under the root
	mkdir -p "$PONTOON_ROOT/leak"
	mount -t tmpfs leak "$PONTOON_ROOT/leak"
	check_finds orphan-mount "$PONTOON_ROOT/leak"
	! grep -q " $PONTOON_ROOT/leak " /proc/mounts || false

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
	# the next removal of any container deletes what a killed one left
	mkdir -p "$PONTOON_ROOT/containers/.trash/$FAKE_ID/upper/etc"
	sleep 2
	id=$(pontoon create busybox true)
	pontoon rm "$id"
	[ ! -e "$PONTOON_ROOT/containers/.trash/$FAKE_ID" ]
}

@test "system check right after a container ended: its endpoint is released, not a lost-endpoint finding" {
	pontoon net create --subnet 10.41.0.0/24 web
	id=$(pontoon run -d --network web busybox sleep 1000)
	pid=$(pontoon inspect "$id" | jq -r '.[0].State.Pid')
	hostif=$(pontoon inspect "$id" | jq -r '.[0].NetworkSettings.Networks.web.EndpointID' >/dev/null;
		ip -o link show | awk -F': ' '/pnv/{print $2}' | sed 's/@.*//')
	[ -n "$hostif" ]
	# the check request reaches netd before the end of the container does:
	# netd stopped, the check sent, then the container killed (its veth goes
	# with its namespace), then netd let go; it sees both in one batch
	npid=$(netd_pid)
	kill -STOP "$npid"
	pontoon system check >"$BATS_TEST_TMPDIR/check.out" 2>&1 &
	cpid=$!
	sleep 1
	kill -9 "$pid"
	wait_until 10 bash -c "! ip link show $hostif >/dev/null 2>&1"
	kill -CONT "$npid"
	rc=0
	wait "$cpid" || rc=$?
	cat "$BATS_TEST_TMPDIR/check.out"
	! grep -q lost-endpoint "$BATS_TEST_TMPDIR/check.out" || false
	[ "$(pontoon net inspect web | jq '.[0].Containers | length')" -eq 0 ]
	run pontoon system check
	assert_status 0
	pontoon rm -f "$id"
}

@test "system check: a container's endpoints follow its configuration (connect, disconnect killed half-way; an endpoint lost); the next connect or disconnect finishes a killed one" {
	pontoon net create --subnet 10.42.1.0/24 k1
	pontoon net create --subnet 10.42.2.0/24 k2
	id=$(pontoon run -d --name ka --network k1 busybox sleep 1000)
	pid=$(pontoon inspect ka | jq -r '.[0].State.Pid')
	addrs() { nsenter -t "$pid" -n ip -o -4 addr show | awk '{print $4}' | grep '^10\.42\.' | sort | xargs; }
	on_k2() { pontoon net inspect k2 | jq '.[0].Containers | length'; }

	# net connect killed after netd's attach, before the configuration names k2
	run env PONTOON_FAULT=state:1:KILL "$PONTOON_BIN" net connect k2 ka
	assert_status 137
	[ "$(on_k2)" -eq 1 ]
	[ "$(pontoon inspect ka | jq -r '.[0].NetworkSettings.Networks | keys | join(" ")')" = k1 ]
	check_finds stray-endpoint "$id"
	[ "$(on_k2)" -eq 0 ]
	[ "$(addrs)" = 10.42.1.2/24 ]
	# killed again: the next net connect replaces the stray endpoint
	run env PONTOON_FAULT=state:1:KILL "$PONTOON_BIN" net connect k2 ka
	assert_status 137
	pontoon net connect k2 ka
	[ "$(on_k2)" -eq 1 ]
	[ "$(addrs | wc -w)" -eq 2 ]
	[ "$(pontoon inspect ka | jq -r '.[0].NetworkSettings.Networks | keys | join(" ")')" = "k1 k2" ]
	run pontoon system check
	assert_status 0
	# a net disconnect killed before netd's detach: the next one finishes it
	run env PONTOON_FAULT=state:2:KILL "$PONTOON_BIN" net disconnect k2 ka
	assert_status 137
	[ "$(on_k2)" -eq 1 ]
	pontoon net disconnect k2 ka
	[ "$(on_k2)" -eq 0 ]
	[ "$(addrs)" = 10.42.1.2/24 ]
	run pontoon system check
	assert_status 0

	# net disconnect killed after the configuration's write (state write 1),
	# at its /etc/hosts (2), before netd's detach
	pontoon net connect k2 ka
	[ "$(addrs | wc -w)" -eq 2 ]
	run env PONTOON_FAULT=state:2:KILL "$PONTOON_BIN" net disconnect k2 ka
	assert_status 137
	[ "$(on_k2)" -eq 1 ]
	check_finds stray-endpoint "$id"
	[ "$(on_k2)" -eq 0 ]
	[ "$(addrs)" = 10.42.1.2/24 ]

	# an endpoint gone behind the CLI's back: attached again, and it works
	netd "{\"version\":1,\"op\":\"detach\",\"container\":\"$id\",\"network\":\"k1\"}" | jq -e .ok
	[ -z "$(addrs)" ]
	check_finds missing-endpoint "$id"
	ip=$(addrs)
	[[ $ip == 10.42.1.*/24 ]]
	pontoon exec ka ping -c 1 -W 2 10.42.1.1
	pontoon exec ka grep -q "^${ip%/*}[[:space:]]" /etc/hosts
	pontoon rm -f ka
}

@test "system check: each root has its own cgroups; repair in one leaves the other's alone" {
	ip netns add root-b
	nsenter --net=/run/netns/root-b ip link set lo up
	mkdir -p "$PONTOON_TEST_TMP/root-b" "$PONTOON_TEST_TMP/run-b"
	pa=$(cgroup_parent)
	pb=$(in_root_b "$PONTOON_BIN" system info --format json | jq -r .CgroupParent)
	[[ "$pa" == pontoon-* ]] && [[ "$pb" == pontoon-* ]] && [ "$pa" != "$pb" ]
	# the default root keeps pontoon/<id>; a path spelled otherwise is the same root
	[ "$(pontoon --root /var/lib/pontoon system info --format json | jq -r .CgroupParent)" = pontoon ]
	[ "$(pontoon --root "$PONTOON_ROOT/" system info --format json | jq -r .CgroupParent)" = "$pa" ]
	[ -d /sys/fs/cgroup/pids ] && base=/sys/fs/cgroup/pids || base=/sys/fs/cgroup

	# a running container in each root, and an empty cgroup of no container in B
	a=$(pontoon run -d --network none busybox sleep 1000)
	b=$(in_root_b "$PONTOON_BIN" run -d --network none busybox sleep 1000)
	[ -d "$base/$pa/$a" ] && [ -d "$base/$pb/$b" ]
	[ ! -e "$base/$pa/$b" ] && [ ! -e "$base/$pb/$a" ]
	mkdir "$base/$pb/$FAKE_ID"

	# A's check sees nothing of B's: not its orphan, not its container
	run pontoon system check --repair
	echo "$output"
	assert_status 0
	assert_output_contains "state and kernel agree"
	[ -d "$base/$pb/$FAKE_ID" ] && [ -d "$base/$pb/$b" ]
	in_root_b "$PONTOON_BIN" exec "$b" true

	# B's own check finds (and removes) its orphan, and leaves A's container alone
	run in_root_b "$PONTOON_BIN" system check --repair
	echo "$output"
	assert_status 0
	echo "$output" | grep -E "^orphan-cgroup +$base/$pb/$FAKE_ID: .*\(repaired\)$"
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[ ! -e "$base/$pb/$FAKE_ID" ] && [ -d "$base/$pa/$a" ]
	pontoon exec "$a" true

	# a killed shim in B: its container is B's to repair, A's check ignores it
	shim=$(jq -r .ShimPid "$PONTOON_TEST_TMP/root-b/containers/$b/state.json")
	kill -9 "$shim"
	run pontoon system check
	assert_status 0
	run in_root_b "$PONTOON_BIN" system check --repair
	echo "$output"
	echo "$output" | grep -E "^dead-container +$b: .*\(repaired\)$"
	[ ! -e "$base/$pb/$b" ]
	# the last container of a root gone, its parent goes too (not the default root's)
	in_root_b "$PONTOON_BIN" rm "$b"
	[ ! -e "$base/$pb" ]
	pontoon rm -f "$a"
	[ ! -e "$base/$pa" ]
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
