# Loaded by every system suite (`load helpers`). Suites run only inside the
# private namespaces of tests/system/sandbox; loaded anywhere else, this
# refuses to go on, so no test can touch the host's networks.
#
# Write a negated assertion as `! cmd || false`: a bare `! cmd` that is not
# the test's last command never fails it (errexit ignores negated commands).
if [ "${PONTOON_SANDBOX:-}" != inside ] || [ "$(readlink /proc/self/ns/net)" = "$(readlink "${PONTOON_HOST_NETNS:-/nonexistent}" 2>/dev/null)" ]; then
	echo "system suites run inside the sandbox: tests/system/sandbox $BATS_TEST_FILENAME" >&2
	exit 1
fi

PONTOON_BIN=${PONTOON_BIN:-pontoon}

# pontoon ARGS...: the binary under test (with the sandbox's --root/--run from the environment).
pontoon() {
	"$PONTOON_BIN" "$@"
}

# fail MESSAGE: fail the test with a message.
fail() {
	echo "$@" >&2
	return 1
}

# assert_output_contains STR: the last `run` printed STR.
assert_output_contains() {
	[[ "$output" == *"$1"* ]] || fail "expected output to contain '$1', got: $output"
}

# assert_status N: the last `run` exited N.
assert_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1, got $status; output: $output"
}

# kernel_snapshot: what an operation may change, one text blob (links, addresses,
# nft table, mounts, pontoon's state directory); compare before and after a
# failing operation to prove it left nothing behind.
kernel_snapshot() {
	ip -o link show | sed -E 's/^[0-9]+: //; s/ qlen [0-9]+//'
	# DAD flags change on their own a moment after an address is added
	ip -o addr show | sed -E 's/ (tentative|optimistic|dadfailed)//g'
	nft list table inet pontoon 2>/dev/null | sed -E 's/ # handle [0-9]+//'
	grep -F "$PONTOON_TEST_TMP" /proc/mounts || true
	find "$PONTOON_ROOT" -path '*/locks' -prune -o -type f -print 2>/dev/null | sort
}

# settled_snapshot: kernel_snapshot once two takes 0.2 s apart agree (removed
# containers' files and veths go in the background for a moment); netd's
# check request first, which waits for its queued veth deletions (under load
# they may pause for longer than 0.2 s)
settled_snapshot() {
	local a b i
	[ -S "$PONTOON_RUN/netd.sock" ] && netd '{"version":1,"op":"check"}' >/dev/null 2>&1
	a=$(kernel_snapshot)
	for i in $(seq 50); do
		sleep 0.2
		b=$(kernel_snapshot)
		[ "$a" != "$b" ] || break
		a=$b
	done
	printf '%s\n' "$a"
}

# cgroup_parent: the cgroup directory of this root's containers (pontoon-HASH
# for the sandbox's root), under each v1 controller or the v2 root.
cgroup_parent() {
	pontoon system info --format json | jq -r .CgroupParent
}

# wait_until SECONDS COMMAND...: retry COMMAND every 50 ms until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.05
	done
}

# ---- netd's socket API, for suites that attach plain namespaces ----

# netd REQUEST-JSON: send one request to netd, print the reply.
netd() {
	echo "$1" | socat -t 10 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock"
}

netd_pid() {
	netd '{"version":1,"op":"ping"}' | jq -r .pid
}

# pid_gone PID: the process has exited (a zombie counts: its sockets are closed)
pid_gone() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$st" = Z ] || [ "$st" = X ]
}

# netd_kill: SIGKILL netd and wait until it is gone, so that the next command
# cannot reach the dying daemon's socket (and get "connection reset")
netd_kill() {
	local pid
	pid=$(netd_pid 2>/dev/null) || return 0
	kill -9 "$pid" 2>/dev/null || return 0
	wait_until 10 pid_gone "$pid"
}

# netd_stop: SIGTERM netd (if it runs) and wait until its socket is gone
netd_stop() {
	local pid
	[ -S "$PONTOON_RUN/netd.sock" ] || return 0
	pid=$(netd_pid 2>/dev/null) && kill "$pid" 2>/dev/null
	wait_until 10 bash -c "[ ! -S $PONTOON_RUN/netd.sock ]" || true
}

# attach NS NETWORK [EXTRA-JSON]: attach namespace NS (container id "c-NS").
attach() {
	local r
	r=$(netd "{\"version\":1,\"op\":\"attach\",\"container\":\"c-$1\",\"name\":\"$1\",\"netns\":\"/run/netns/$1\",\"network\":\"$2\"${3:+,$3}}")
	echo "$r"
	[ "$(echo "$r" | jq -r .ok)" = true ]
}

detach() {
	local r
	r=$(netd "{\"version\":1,\"op\":\"detach\",\"container\":\"c-$1\",\"network\":\"$2\"}")
	[ "$(echo "$r" | jq -r .ok)" = true ] || fail "detach: $r"
}

# a block device of the host: MAJOR MINOR
host_disk() {
	local d
	for d in /sys/dev/block/*; do
		d=${d##*/}
		echo "${d%%:*} ${d##*:}"
		return 0
	done
	return 1
}
