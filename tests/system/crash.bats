#!/usr/bin/env bats
# Crash recovery: a seeded random churn of run -d (with -p), rm -f, stop,
# start, net connect and net disconnect on three networks, during which
# netd, the CLI and containers' shims are SIGKILLed at random points: at a
# random moment of an operation, at a chosen fault point
# (PONTOON_FAULT=SITE:N:KILL, the debug.fault request for netd), or between
# two operations. netd comes back by autostart or by hand. Afterwards the
# state and the kernel must agree, and nothing may have leaked:
#   - system check --repair fixes what a crash may leave (dead containers,
#     a container's endpoints apart from its configuration, a removed
#     container's files in the trash), and then
#     system check finds nothing;
#   - every endpoint netd holds is a pnv* veth on its bridge, the address is
#     inside the container's namespace, the container runs, and is on the
#     networks its configuration names (no more, no fewer); every published
#     port of an endpoint is one DNAT map element and there is no other;
#   - the cgroups of this root are exactly the running containers', each
#     running container has one shim and one init, no mount under the root;
#   - once everything is removed: no endpoint, veth, map element, cgroup or
#     process (addresses: netd's check compares its allocators with its
#     endpoints, leaked-address).
# The seed is printed; PONTOON_CRASH_SEED=N replays the same operations and
# crash points (where a timed SIGKILL lands depends on the machine's speed);
# PONTOON_CRASH_OPS=N sets the number of operations (default 120);
# PONTOON_CRASH_LOG=FILE keeps the operations' log (what each printed).

load helpers

NETS=(c0 c1 c2)
MAXC=8          # containers at most (keeps the run short)
PORT0=31000     # host ports: PORT0 + the operation's number, never reused
OPSLOG=${PONTOON_CRASH_LOG:-$BATS_TEST_TMPDIR/ops.log}

setup() {
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	nft delete table inet pontoon 2>/dev/null || true
	rm -rf "$PONTOON_ROOT" "$PONTOON_RUN"
	mkdir -p "$PONTOON_ROOT" "$PONTOON_RUN"
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do timeout 60 "$PONTOON_BIN" rm -f "$id" >/dev/null 2>&1; done
	local pid
	pid=$(netd_pid 2>/dev/null) && [ -n "$pid" ] && [ "$pid" != null ] && kill "$pid" 2>/dev/null
	wait_until 10 bash -c "[ ! -S $PONTOON_RUN/netd.sock ]" || true
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(pn-|pnv|pontoon)'); do
		ip link del "$l" 2>/dev/null || true
	done
	nft delete table inet pontoon 2>/dev/null || true
}

# say LINE: into the operations' log, and on fd 3 (bats' output) with
# PONTOON_CRASH_VERBOSE=1.
say() {
	[ -n "${PONTOON_CRASH_VERBOSE:-}" ] && echo "# $*" >&3
	echo "$*" >>"$OPSLOG"
}

# p ARGS...: pontoon with a time limit; its output to the log, status returned.
p() {
	timeout 60 "$PONTOON_BIN" "$@" >>"$OPSLOG" 2>&1 </dev/null
}

running_ids() {
	"$PONTOON_BIN" ps --format json 2>/dev/null | jq -r '.[].Id' 2>/dev/null
}

all_ids() {
	"$PONTOON_BIN" ps -a --format json 2>/dev/null | jq -r '.[].Id' 2>/dev/null
}

# pick VAR WORDS...: VAR set to one of the words (seeded); false when none.
# Never in $(...): a subshell's RANDOM is seeded anew, not from the seed.
pick() {
	local -n _var=$1
	shift
	[ $# -gt 0 ] || return 1
	local a=("$@")
	_var=${a[RANDOM % ${#a[@]}]}
}

netd_alive_pid() {
	local pid
	pid=$(echo '{"version":1,"op":"ping"}' | socat -t 5 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock" 2>/dev/null | jq -r .pid 2>/dev/null)
	[ -n "$pid" ] && [ "$pid" != null ] && echo "$pid"
}

kill_netd() {
	local pid
	pid=$(netd_alive_pid) || return 0
	kill -9 "$pid"
	say "  SIGKILL netd ($pid)"
	# gone before the next operation: it must be started again, not reused
	wait_until 10 bash -c "[ ! -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"
}

kill_shim() {
	local id shim
	pick id $(running_ids) || return 0
	shim=$(jq -r .ShimPid "$PONTOON_ROOT/containers/$id/state.json" 2>/dev/null)
	[ -n "$shim" ] && [ "$shim" -gt 1 ] 2>/dev/null || return 0
	kill -9 "$shim" 2>/dev/null || true
	say "  SIGKILL shim $shim of ${id:0:12}"
}

# nets_of ID: the networks the container is on.
nets_of() {
	pontoon inspect "$1" 2>/dev/null | jq -r '.[0].NetworkSettings.Networks // {} | keys[]'
}

# One operation, chosen by the seed: the command line in $OP. connect and
# disconnect pick a network the container is not on / is on.
choose_op() {
	local n=$1 ids id net r on
	ids=$(running_ids)
	r=$((RANDOM % 100))
	if [ $r -lt 35 ] && [ "$(echo "$ids" | grep -c .)" -lt $MAXC ]; then
		pick net "${NETS[@]}"
		if [ $((RANDOM % 2)) -eq 0 ]; then
			OP="run -d --network $net -p $((PORT0 + n)):80 busybox sleep 7777"
		else
			OP="run -d --network $net busybox sleep 7777"
		fi
	elif [ $r -lt 50 ] && pick id $(pontoon ps -aq 2>/dev/null); then
		OP="rm -f $id"
	elif [ $r -lt 56 ] && pick id $ids; then
		OP="stop -t 1 $id"
	elif [ $r -lt 62 ] && pick id $(comm -23 <(all_ids | sort) <(echo "$ids" | sort)); then
		OP="start $id"
	elif [ $r -lt 78 ] && pick id $ids && on=$(nets_of "$id") &&
		pick net $(printf '%s\n' "${NETS[@]}" | grep -vxF "$on"); then
		OP="net connect $net $id"
	elif pick id $ids && pick net $(nets_of "$id"); then
		OP="net disconnect $net $id"
	else
		OP="net ls"
	fi
}

# One step: the operation, and (by the seed) one crash: netd, the CLI or the
# new container's shim SIGKILLed at a random moment during it; netd, or the
# CLI and what it starts (shim, init), dying at a chosen fault point (the
# N-th netlink request, nftables batch, state write, cgroup write, mount);
# netd or a running container's shim SIGKILLed after it.
step() {
	local n=$1 crash=$((RANDOM % 100)) delay=$((RANDOM % 40)) nth=$((RANDOM % 8 + 1)) opid cli shims shim site
	local env=() pid
	choose_op "$n"
	if [ $crash -lt 12 ] || { [ $crash -ge 28 ] && [ $crash -lt 34 ]; }; then
		say "$n: $OP"
		shims=$(pgrep -x pontoon-shim | sort)
		# shellcheck disable=SC2086
		( exec timeout 60 "$PONTOON_BIN" $OP >>"$OPSLOG" 2>&1 </dev/null ) &
		opid=$!
		sleep "0.$(printf %03d $((delay * 3)))"
		if [ $crash -lt 12 ]; then
			kill_netd
		elif [ $crash -lt 31 ] && cli=$(pgrep -P $opid); then
			kill -9 "$cli" && say "  SIGKILL the CLI ($cli)"
		elif [ $crash -ge 31 ] && shim=$(comm -13 <(echo "$shims") <(pgrep -x pontoon-shim | sort) | head -1) &&
			[ -n "$shim" ]; then
			kill -9 "$shim" && say "  SIGKILL the new shim $shim"
		fi
		wait $opid || say "  (failed: $?)"
		return 0
	fi
	if [ $crash -lt 20 ]; then
		pick site netlink nft state
		# netd must be up to be armed (the CLI would start a new, unarmed one)
		p net ls || say "  (netd autostart failed: $?)"
		netd "{\"version\":1,\"op\":\"debug.fault\",\"spec\":\"$site:$nth:KILL\"}" >/dev/null
		say "$n: $OP   [netd dies at $site:$nth]"
	elif [ $crash -lt 28 ]; then
		pick site state cgroup mount seccomp
		env=(env "PONTOON_FAULT=$site:$nth:KILL")
		say "$n: $OP   [the CLI, its shim and init die at $site:$nth]"
	else
		say "$n: $OP"
	fi
	# shellcheck disable=SC2086
	"${env[@]}" timeout 60 "$PONTOON_BIN" $OP >>"$OPSLOG" 2>&1 </dev/null || say "  (failed: $?)"
	if [ $crash -lt 20 ] && pid=$(netd_alive_pid); then
		netd '{"version":1,"op":"debug.fault","spec":""}' >/dev/null # not reached: disarmed
	elif [ $crash -ge 34 ] && [ $crash -lt 44 ]; then
		kill_netd
		# started again by hand half the time, else by the next command
		if [ $((RANDOM % 2)) -eq 0 ]; then
			p net ls || say "  (netd autostart failed: $?)"
		fi
	elif [ $crash -ge 44 ] && [ $crash -lt 52 ]; then
		kill_shim
	fi
}

# The cgroup directories of this root's containers (one controller's).
cgroup_ids() {
	local base
	[ -d /sys/fs/cgroup/pids ] && base=/sys/fs/cgroup/pids || base=/sys/fs/cgroup
	base=$base/$(cgroup_parent)
	[ -d "$base" ] || return 0
	find "$base" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort
}

# Every network's endpoints as netd holds them: "ID NET IP/LEN PORTS...".
endpoints() {
	pontoon net inspect "${NETS[@]}" |
		jq -r '.[] | .Name as $n | .Containers | to_entries[] |
			"\(.key) \($n) \(.value.IPv4Address) \(.value.Ports // [] | join(","))"' | sort
}

# The kernel and the state agree (see the top of this file).
assert_agreement() {
	local eps running id net ip ports pid veths want got cg cfg have
	eps=$(endpoints)
	running=$(running_ids | sort)
	echo "networks:"; pontoon net ls 2>&1
	echo "endpoints:"; echo "$eps"
	echo "running:"; echo "$running"

	# one pnv* veth per endpoint, each on a pontoon bridge
	veths=$(ip -o link show type veth | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -c '^pnv' || true)
	[ "$veths" -eq "$(echo "$eps" | grep -c .)" ] || fail "$veths veths for $(echo "$eps" | grep -c .) endpoints"
	ip -o link show type veth | grep pnv | grep -vqE 'master (pn-|pontoon0)' && fail "a veth outside the bridges"

	# every endpoint: its container runs, its address is in the namespace
	want=""
	while read -r id net ip ports; do
		[ -n "$id" ] || continue
		echo "$running" | grep -qx "$id" || fail "endpoint of $id on $net, which does not run"
		pid=$(pontoon inspect "$id" | jq -r '.[0].State.Pid')
		nsenter -t "$pid" -n ip -o -4 addr show | grep -qF " ${ip} " ||
			fail "$id has no $ip on $net inside: $(nsenter -t "$pid" -n ip -o -4 addr show)"
		for m in ${ports//,/ }; do
			want+="tcp . ${m%%:*} : ${ip%/*} . 80"$'\n'
		done
	done <<<"$eps"
	# every running container is on the networks its config names, no more
	for id in $running; do
		cfg=$(nets_of "$id" | sort | xargs)
		have=$(echo "$eps" | awk -v id="$id" '$1 == id { print $2 }' | sort | xargs)
		[ "$cfg" = "$have" ] || fail "$id: configured on [$cfg], netd has it on [$have]"
	done
	# and the DNAT map holds exactly the endpoints' ports
	got=$(nft -j list map inet pontoon ports4any |
		jq -r '.nftables[] | select(.map) | .map.elem // [] | .[] |
			"\(.[0].concat[0]) . \(.[0].concat[1]) : \(.[1].concat[0]) . \(.[1].concat[1])"' | sort)
	[ "$(echo "$want" | grep . | sort)" = "$got" ] || fail "port map: want [$want] got [$got]"
	[ -z "$(nft -j list map inet pontoon ports4 | jq -r '.nftables[] | select(.map) | .map.elem // [] | .[]')" ]

	# the root's cgroups are the running containers'; one shim and one init each
	cg=$(cgroup_ids)
	[ "$cg" = "$running" ] || fail "cgroups [$cg] != running [$running]"
	[ "$(pgrep -fc '^sleep 7777$' || true)" -eq "$(echo "$running" | grep -c .)" ] ||
		fail "$(pgrep -fc '^sleep 7777$') inits for $(echo "$running" | grep -c .) running containers"
	[ "$(pgrep -c pontoon-shim || true)" -eq "$(echo "$running" | grep -c .)" ] || fail "shims: $(pgrep -a pontoon-shim)"
	! grep -F "$PONTOON_ROOT" /proc/mounts || fail "mounts under the root"
}

@test "crash recovery: seeded churn with netd and shims SIGKILLed; state and kernel agree, nothing leaks" {
	local seed=${PONTOON_CRASH_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
	local ops=${PONTOON_CRASH_OPS:-120}
	echo "# crash churn: seed $seed, $ops operations (PONTOON_CRASH_SEED=$seed reproduces)" >&3
	RANDOM=$seed
	pontoon net create --subnet 10.61.0.0/24 c0
	pontoon net create --subnet 10.61.1.0/24 c1
	pontoon net create --subnet 10.61.2.0/24 c2

	for ((n = 1; n <= ops; n++)); do
		step "$n"
	done
	crashes=$(grep -cE 'SIGKILL|dies at' "$OPSLOG" || true)
	echo "# crashes: $crashes ($(grep -c 'SIGKILL netd' "$OPSLOG" || true) netd SIGKILLs)" >&3
	[ "$crashes" -gt 0 ]

	# netd back (autostart), then what a crash may leave: containers whose
	# shim was killed are dead-container (and their cgroups), a CLI killed
	# between making a container's cgroups and its shim leaves them empty
	# (orphan-cgroup), a net connect or disconnect killed between netd's
	# endpoint and the container's configuration leaves a stray endpoint (or,
	# netd killed as it detached, a missing one), an rm killed after moving
	# the container into the trash leaves its files there (trash), until
	# repaired or the next removal; anything else is a bug
	pontoon net ls >/dev/null
	run pontoon system check --format json
	echo "$output"
	bad=$(echo "$output" | jq -r '.[] | select(.kind | IN("dead-container", "orphan-cgroup", "stray-endpoint",
		"missing-endpoint", "trash") | not) |
		"\(.kind) \(.object): \(.problem)"')
	[ -z "$bad" ] || fail "before repair, findings other than killed shims: $bad"
	run pontoon system check --repair
	echo "$output"
	assert_status 0
	run pontoon system check
	assert_status 0
	assert_output_contains "state and kernel agree"
	assert_agreement

	# netd once more killed and restarted: it finds the same
	kill_netd
	pontoon net ls >/dev/null
	run pontoon system check
	assert_status 0
	assert_agreement

	# everything removed: nothing left anywhere
	for id in $(pontoon ps -aq); do pontoon rm -f "$id"; done
	run pontoon system check
	assert_status 0
	assert_agreement
	[ -z "$(endpoints)" ]
	[ -z "$(cgroup_ids)" ]
	[ -z "$(ip -o link show type veth)" ]
	! pgrep -fx 'sleep 7777' || false
	for net in "${NETS[@]}"; do
		pontoon net rm "$net"
	done
	[ -z "$(nft -j list map inet pontoon ports4any | jq -r '.nftables[] | select(.map) | .map.elem // [] | .[]')" ]
}

@test "netd SIGKILLed: the very next command starts it again (20 times)" {
	# the command may reach the dying netd's socket before it closes: its
	# connection is reset unseen, and the client starts netd and asks again
	pontoon net create --subnet 10.62.0.0/24 k0
	for i in $(seq 20); do
		pid=$(netd_alive_pid)
		kill -9 "$pid"
		run pontoon net inspect k0
		assert_status 0
		[ "$(echo "$output" | jq -r '.[0].Name')" = k0 ]
		[ "$(netd_alive_pid)" != "$pid" ]
	done
}
