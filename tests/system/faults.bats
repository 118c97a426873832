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

# kernel_snapshot without what moves by itself: IPv6 DAD progress, and a
# bridge's carrier, which follows its last port's background deletion
snapshot() {
	kernel_snapshot | sed -E 's/ (tentative|dadfailed)//g; s/NO-CARRIER,//; s/ state (UP|DOWN|UNKNOWN)//; s/ link\/ether [0-9a-f:]+ brd [0-9a-f:]+//'
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

@test "run --network none: every mount, cgroup, state and seccomp fault point fails cleanly" {
	tried=0
	for site in mount cgroup state seccomp; do
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
			if [[ $site == netd:* ]]; then
				netd "{\"version\":1,\"op\":\"debug.fault\",\"spec\":\"${site#netd:}:$n:EIO\"}" | jq -e .ok >/dev/null
				run pontoon run --rm --network mynet busybox true
			else
				PONTOON_FAULT=$site:$n:EIO run pontoon run --rm --network mynet busybox true
			fi
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
