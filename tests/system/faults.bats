#!/usr/bin/env bats
# Fault injection sweep: for every N, the N-th pass through each fault point
# (PONTOON_FAULT=site:N:EIO) fails, along `net create` (netd's netlink, nft
# and state points, armed in the daemon) and `run --network none` (the CLI's,
# the shim's and the container init's mount, cgroup, state and seccomp
# points), until the operation gets through without reaching the N-th pass.
# Each failed operation must report an error and leave the kernel, the state
# directory, cgroups and mounts as they were. The number of fault points
# tried is printed.

load helpers

netd() {
	echo "$1" | socat -t 10 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock"
}

snapshot() {
	kernel_snapshot | sed -E 's/ (tentative|dadfailed)//g'
}

cgroup_dirs() {
	ls -d /sys/fs/cgroup/*/pontoon/"$1" /sys/fs/cgroup/pontoon/"$1" 2>/dev/null || true
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
			PONTOON_FAULT=$site:$n:EIO run pontoon run -d --name "f-$site-$n" --memory 64m --pids-limit 50 busybox true
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
