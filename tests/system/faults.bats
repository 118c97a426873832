#!/usr/bin/env bats
# Fault injection sweep: for every N, the N-th pass through each fault point
# (PONTOON_FAULT=site:N:EIO) fails, along `net create` (netd's netlink, nft
# and state points, armed in the daemon), `run --network none` (the CLI's,
# the shim's and the container init's mount, cgroup, state and seccomp
# points) and `run --rm --network NET` (netd's points and the CLI's), until the operation gets through without reaching the N-th pass.
# Each failed operation must report an error and leave the kernel, the state
# directory, cgroups and mounts as they were. The number of fault points
# tried is printed.

load helpers

# fault_run SITE N ARGS...: `run pontoon ARGS` with fault point SITE failing
# (EIO) at its N-th call: netd:X is netd's own, armed in the daemon through
# its debug.fault request; any other is the command's (PONTOON_FAULT, which
# its shim and init inherit). FAULT_RUNNER=F: F instead of bats' run.
fault_run() {
	local site=$1 n=$2 runner=${FAULT_RUNNER:-run}
	shift 2
	if [[ $site == netd:* ]]; then
		netd "{\"version\":1,\"op\":\"debug.fault\",\"spec\":\"${site#netd:}:$n:EIO\"}" | jq -e .ok >/dev/null
		"$runner" "$PONTOON_BIN" "$@"
	else
		"$runner" env "PONTOON_FAULT=$site:$n:EIO" "$PONTOON_BIN" "$@"
	fi
}

# kernel_snapshot without what moves by itself: IPv6 DAD progress, and a
# bridge's carrier, which follows its last port's background deletion
snapshot() {
	kernel_snapshot | sed -E 's/ (tentative|dadfailed)//g; s/NO-CARRIER,//; s/ state (UP|DOWN|UNKNOWN)//; s/ link\/ether [0-9a-f:]+ brd [0-9a-f:]+//'
}

# the same but for link-local addresses rather than MAC addresses: the
# kernel gives the bridges those on its own time after their first port
snapshot_nolinklocal() {
	kernel_snapshot | sed -E 's/ (tentative|dadfailed)//g; s/NO-CARRIER,//; s/ state (UP|DOWN|UNKNOWN)//' |
		grep -v 'inet6 fe80::'
}

cgroup_dirs() {
	ls -d /sys/fs/cgroup/*/pontoon*/"$1" /sys/fs/cgroup/pontoon*/"$1" 2>/dev/null || true
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do pontoon rm -f "$id" >/dev/null 2>&1; done
	if [ -S "$PONTOON_RUN/netd.sock" ]; then
		pid=$(netd '{"version":1,"op":"ping"}' | jq -r .pid) && kill "$pid" 2>/dev/null
		wait_until 10 bash -c "[ ! -S $PONTOON_RUN/netd.sock ]" || true
	fi
	nft delete table inet pontoon 2>/dev/null || true
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(pn-|pnv|pontoon)'); do
		ip link del "$l" 2>/dev/null || true
	done
}

@test "net create: every netlink, nft and state fault point fails cleanly" {
	pontoon net ls >/dev/null
	tried=0
	for site in netlink nft state; do
		for n in $(seq 1 60); do
			before=$(snapshot)
			netd "{\"version\":1,\"op\":\"debug.fault\",\"spec\":\"$site:$n:EIO\"}" | jq -e .ok >/dev/null
			if pontoon net create --subnet 10.40.0.0/24 -o icc=false faulty 2>"$BATS_TEST_TMPDIR/err"; then
				netd '{"version":1,"op":"debug.fault","spec":""}' >/dev/null
				pontoon net rm faulty
				[ "$before" = "$(snapshot)" ]
				break
			fi
			tried=$((tried + 1))
			grep -q "^pontoon: .*Input/output error" "$BATS_TEST_TMPDIR/err" || fail "$site:$n: $(cat "$BATS_TEST_TMPDIR/err")"
			after=$(snapshot)
			[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "$site:$n left something"; }
			[ "$n" -lt 60 ] || fail "net create still fails at $site:60"
		done
	done
	echo "# net create: $tried fault points tried, all clean" >&3
	[ "$tried" -ge 3 ]
}

@test "run --network none: every mount, cgroup, state, seccomp and netns fault point fails cleanly" {
	tried=0
	for site in mount cgroup state seccomp netns; do
		for n in $(seq 1 80); do
			before=$(grep -F "$PONTOON_ROOT" /proc/mounts || true)
			files_before=$(ls "$PONTOON_ROOT/containers" 2>/dev/null | grep -vE '^(names|\.mnt|\.etc-layer)$' || true)
			PONTOON_FAULT=$site:$n:EIO run pontoon run -d --network none --name "f-$site-$n" --memory 64m --pids-limit 50 busybox true
			if [ "$status" -eq 0 ]; then
				pontoon rm -f "f-$site-$n" >/dev/null
				break
			fi
			tried=$((tried + 1))
			[ "$status" -eq 125 ] || fail "$site:$n: status $status: $output"
			[[ "$output" == *"Input/output error"* ]] || fail "$site:$n: $output"
			# a failed run -d keeps its created container (as Docker): no cgroup, no mount, no process
			if pontoon inspect "f-$site-$n" >"$BATS_TEST_TMPDIR/inspect" 2>/dev/null; then
				id=$(jq -r '.[0].Id' "$BATS_TEST_TMPDIR/inspect")
				[ -z "$(cgroup_dirs "$id")" ] || fail "$site:$n left cgroups: $(cgroup_dirs "$id")"
				[ "$(pontoon inspect "$id" | jq -r '.[0].State.Running')" = false ]
				! pgrep -f "$id" >/dev/null || fail "$site:$n left processes"
				pontoon rm "$id"
				[ -z "$(cgroup_dirs "$id")" ]
			fi
			[ "$(grep -F "$PONTOON_ROOT" /proc/mounts || true)" = "$before" ] || fail "$site:$n left mounts"
			[ "$(ls "$PONTOON_ROOT/containers" | grep -vE '^(names|\.mnt|\.etc-layer)$' || true)" = "$files_before" ] ||
				fail "$site:$n left container files"
			[ -z "$(ls "$PONTOON_ROOT/containers/names")" ] || fail "$site:$n left a name"
			[ "$n" -lt 80 ] || fail "run still fails at $site:80"
		done
	done
	echo "# run --network none: $tried fault points tried, all clean" >&3
	[ "$tried" -ge 4 ]
}

@test "run --rm --network NET: every fault point of netd and of the CLI fails cleanly" {
	pontoon net create --subnet 10.45.0.0/24 mynet
	pontoon run --rm --network mynet busybox true      # images, default files: made once
	tried=0
	# netd's points (armed in the daemon), then the CLI's, shim's and init's
	for site in netd:netlink netd:nft netd:state state cgroup mount seccomp; do
		for n in $(seq 1 80); do
			before=$(snapshot)
			fault_run "$site" "$n" run --rm --network mynet busybox true
			if [ "$status" -eq 0 ]; then
				netd '{"version":1,"op":"debug.fault","spec":""}' >/dev/null
				break
			fi
			tried=$((tried + 1))
			[ "$status" -eq 125 ] || fail "$site:$n: status $status: $output"
			[[ "$output" == *"Input/output error"* ]] || fail "$site:$n: $output"
			# the shim's --rm removal and netd's release may end after the CLI returns
			wait_until 10 bash -c '[ -z "$(ls "$PONTOON_ROOT/containers" | grep -vE "^(names|\.mnt|\.etc-layer)$")" ]' ||
				fail "$site:$n left a container"
			wait_until 10 bash -c "[ \"\$(ip -o link show | grep -c pnv)\" -eq 0 ]" || fail "$site:$n left a veth"
			after=$(snapshot)
			[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "$site:$n left something"; }
			[ "$n" -lt 80 ] || fail "run still fails at $site:80"
		done
	done
	echo "# run --rm --network mynet: $tried fault points tried, all clean" >&3
	[ "$tried" -ge 5 ]
}

# what a connect may change, seen from the container: its interfaces and
# addresses (in its namespace), its networks (config), its /etc/hosts, and
# netd's endpoints on the network it is connected to
container_view() {
	local pid=$1
	nsenter -t "$pid" -n ip -o addr show | sed -E 's/ (tentative|optimistic|dadfailed)//g; s/ valid_lft.*//'
	nsenter -t "$pid" -n ip -o link show | sed -E 's/^[0-9]+: //; s/ qlen [0-9]+//'
	nsenter -t "$pid" -n ip route show
	pontoon inspect c1 | jq -c '.[0].NetworkSettings.Networks | keys'
	jq -c '.networks // .nets // empty' "$PONTOON_ROOT/containers/$(pontoon inspect c1 | jq -r '.[0].Id')/config.json"
	cat "$PONTOON_ROOT/containers/$(pontoon inspect c1 | jq -r '.[0].Id')/hosts"
	pontoon net inspect "${view_net:-netb}" | jq -c '.[0].Containers // .[0].containers // {}'
}

@test "net connect --ip --alias: every fault point of netd and of the CLI fails cleanly" {
	pontoon net create --subnet 10.46.0.0/24 neta
	pontoon net create --subnet 10.47.0.0/24 --ipv6 --subnet fd47::/64 netb
	pontoon run -d --name c1 --network neta busybox sleep 100000
	pid=$(pontoon inspect c1 | jq -r '.[0].State.Pid')
	tried=0
	for site in netd:netlink netd:nft netd:state state mount cgroup; do
		for n in $(seq 1 80); do
			before=$(snapshot_nolinklocal)
			view=$(container_view "$pid")
			fault_run "$site" "$n" net connect --ip 10.47.0.50 --alias extra netb c1
			if [ "$status" -eq 0 ]; then
				netd '{"version":1,"op":"debug.fault","spec":""}' >/dev/null
				nsenter -t "$pid" -n ip -o addr show | grep -q '10.47.0.50/24' || fail "$site:$n: connected without the address"
				pontoon exec c1 grep -q extra /etc/hosts || true
				pontoon net disconnect netb c1
				wait_until 10 bash -c "[ \"\$(ip -o link show | grep -c pnv)\" -eq 1 ]" || true
				[ "$(container_view "$pid")" = "$view" ] || fail "disconnect after $site:$n did not restore the container"
				break
			fi
			tried=$((tried + 1))
			[ "$status" -eq 1 ] || fail "$site:$n: status $status: $output"
			[[ "$output" == "pontoon: "*"Input/output error"* ]] || fail "$site:$n: $output"
			[ "$(pontoon inspect c1 | jq -r '.[0].State.Status')" = running ] || fail "$site:$n: c1 stopped"
			# netd deletes an undone veth in the background
			wait_until 10 bash -c "[ \"\$(ip -o link show | grep -c pnv)\" -eq 1 ]" || true
			after=$(snapshot_nolinklocal)
			[ "$before" = "$after" ] || { echo "# $site:$n: $output" >&3; diff <(echo "$before") <(echo "$after") >&2 || true; fail "$site:$n left something"; }
			aview=$(container_view "$pid")
			[ "$view" = "$aview" ] || { echo "# $site:$n: $output" >&3; diff <(echo "$view") <(echo "$aview") >&2 || true; fail "$site:$n changed the container"; }
			[ "$n" -lt 80 ] || fail "net connect still fails at $site:80"
		done
		echo "#   $site: $((n - 1))" >&3
	done
	echo "# net connect: $tried fault points tried, all clean" >&3
	[ "$tried" -ge 4 ]
}

@test "net disconnect: every fault point of netd and of the CLI fails cleanly (the container stays connected)" {
	pontoon net create --subnet 10.52.0.0/24 dneta
	pontoon net create --subnet 10.53.0.0/24 --ipv6 --subnet fd53::/64 dnetb
	view_net=dnetb
	pontoon run -d --name c1 --network dneta busybox sleep 100000
	pid=$(pontoon inspect c1 | jq -r '.[0].State.Pid')
	pontoon net connect --ip 10.53.0.50 --alias extra dnetb c1
	tried=0
	for site in netd:netlink netd:nft netd:state state mount cgroup; do
		for n in $(seq 1 80); do
			before=$(snapshot_nolinklocal)
			view=$(container_view "$pid")
			fault_run "$site" "$n" net disconnect dnetb c1
			if [ "$status" -eq 0 ]; then
				netd '{"version":1,"op":"debug.fault","spec":""}' >/dev/null
				# really gone: the address, the hosts line, netd's endpoint
				! nsenter -t "$pid" -n ip -o addr show | grep -q '10.53.0.50/' || fail "$site:$n: still has the address"
				! pontoon exec c1 grep -q '10.53.0.50' /etc/hosts || fail "$site:$n: hosts still lists 10.53.0.50"
				[ "$(pontoon net inspect dnetb | jq '.[0].Containers | length')" = 0 ] || fail "$site:$n: netd kept the endpoint"
				# connected again for the next site (a new interface: new MAC and index)
				pontoon net connect --ip 10.53.0.50 --alias extra dnetb c1
				nsenter -t "$pid" -n ip -o addr show | grep -q '10.53.0.50/24' || fail "reconnect after $site:$n"
				break
			fi
			tried=$((tried + 1))
			[ "$status" -eq 1 ] || fail "$site:$n: status $status: $output"
			[[ "$output" == "pontoon: "*"Input/output error"* ]] || fail "$site:$n: $output"
			[ "$(pontoon inspect c1 | jq -r '.[0].State.Status')" = running ] || fail "$site:$n: c1 stopped"
			after=$(snapshot_nolinklocal)
			[ "$before" = "$after" ] || { echo "# $site:$n: $output" >&3; diff <(echo "$before") <(echo "$after") >&2 || true; fail "$site:$n left something"; }
			aview=$(container_view "$pid")
			[ "$view" = "$aview" ] || { echo "# $site:$n: $output" >&3; diff <(echo "$view") <(echo "$aview") >&2 || true; fail "$site:$n changed the container"; }
			# still connected for real: the address answers from the network
			pontoon exec c1 grep -q '10.53.0.50' /etc/hosts || fail "$site:$n: hosts lost 10.53.0.50"
			[ "$n" -lt 80 ] || fail "net disconnect still fails at $site:80"
		done
		echo "#   $site: $((n - 1))" >&3
	done
	echo "# net disconnect: $tried fault points tried, all clean" >&3
	[ "$tried" -ge 3 ]
}

# nothing of lab f is left: containers, links, its state, its network
no_lab_left() {
	[ -z "$(pontoon ps -aq)" ] || return 1
	[ "$(ip -o link show | grep -c pnv)" -eq 0 ] || return 1
	[ ! -e "$PONTOON_ROOT/labs/f" ] || return 1
	! pontoon net ls | grep -q f-mgmt || false
}

@test "lab deploy (nodes, a link, ports, a management network): every fault point fails cleanly" {
	pontoon net ls >/dev/null
	pontoon run --rm --network none busybox true # the image and the shared files, made once
	cat >"$BATS_TEST_TMPDIR/f.clab.yml" <<-'EOF2'
	name: f
	mgmt: {network: f-mgmt, ipv4-subnet: 10.48.0.0/24}
	topology:
	  defaults: {kind: linux, image: busybox, cmd: sleep 1000000}
	  nodes:
	    a: {ports: ["8080:80"]}
	    b: {mgmt-ipv4: 10.48.0.20}
	  links:
	    - endpoints: ["a:eth1", "b:eth1"]
	EOF2
	# cgroups are the host's, shared with other roots: the deploy's own are
	# found by the ids of the containers it made (seen while it runs)
	watch_ids() {
		while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
			ls "$PONTOON_ROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true
			sleep 0.02
		done | sort -u >"$BATS_TEST_TMPDIR/ids"
	}
	deploy() {
		rm -f "$BATS_TEST_TMPDIR/stop"
		watch_ids &
		local watcher=$!
		run "$@"
		touch "$BATS_TEST_TMPDIR/stop"
		wait "$watcher"
	}
	leaked_cgroups() {
		local id
		for id in $(cat "$BATS_TEST_TMPDIR/ids"); do
			ls -d /sys/fs/cgroup/*/pontoon*/"$id" /sys/fs/cgroup/pontoon*/"$id" 2>/dev/null || true
		done
	}
	tried=0
	for site in netd:netlink netd:nft netd:state state cgroup mount seccomp; do
		for n in $(seq 1 100); do
			before=$(snapshot_nolinklocal)
			FAULT_RUNNER=deploy fault_run "$site" "$n" lab deploy -t "$BATS_TEST_TMPDIR/f.clab.yml"
			if [ "$status" -eq 0 ]; then
				netd '{"version":1,"op":"debug.fault","spec":""}' >/dev/null
				[ "$(pontoon exec f-b cat /sys/class/net/eth1/iflink)" = "$(pontoon exec f-a cat /sys/class/net/eth1/ifindex)" ] ||
					fail "deployed after $site:$n without the link"
				pontoon lab destroy -t "$BATS_TEST_TMPDIR/f.clab.yml" --cleanup
				wait_until 10 no_lab_left || true
				[ "$(snapshot_nolinklocal)" = "$before" ] || fail "destroy after $site:$n left something"
				[ -z "$(leaked_cgroups)" ] || fail "destroy after $site:$n left cgroups: $(leaked_cgroups)"
				break
			fi
			tried=$((tried + 1))
			[ "$status" -eq 1 ] || fail "$site:$n: status $status: $output"
			[[ "$output" == *"pontoon: "*"Input/output error"* ]] || fail "$site:$n: $output"
			# a worker's undo and netd's background veth deletion may end after the CLI
			wait_until 10 no_lab_left || true
			after=$(snapshot_nolinklocal)
			[ "$before" = "$after" ] || { echo "# $site:$n: $output" >&3; diff <(echo "$before") <(echo "$after") >&2 || true; fail "$site:$n left something"; }
			[ -z "$(leaked_cgroups)" ] || fail "$site:$n left cgroups: $(leaked_cgroups)"
			[ "$n" -lt 100 ] || fail "lab deploy still fails at $site:100"
		done
		echo "#   $site: $((n - 1))" >&3
	done
	echo "# lab deploy: $tried fault points tried, all clean" >&3
	[ "$tried" -ge 7 ]
}
