#!/usr/bin/env bats
# Containers: run, isolation, limits, capabilities, the lifecycle commands, and
# that nothing is left behind. cgroup directories are host-global even in the
# sandbox, so every test that makes a container checks they are removed.

load helpers
bats_require_minimum_version 1.5.0

# cgroup_dirs ID: the container's cgroup directories that exist (v1 or v2)
cgroup_dirs() {
	ls -d /sys/fs/cgroup/*/pontoon*/"$1" /sys/fs/cgroup/pontoon*/"$1" 2>/dev/null || true
}

# assert_gone ID: no directory, cgroup, mount or process of the container
assert_gone() {
	[ ! -e "$PONTOON_ROOT/containers/$1" ] || fail "directory of $1 left"
	[ -z "$(cgroup_dirs "$1")" ] || fail "cgroups left: $(cgroup_dirs "$1")"
	! grep -q "$1" /proc/mounts || fail "mounts left: $(grep "$1" /proc/mounts)"
	! pgrep -f "$1" >/dev/null || fail "processes left: $(pgrep -af "$1")"
}

full_id() {
	pontoon inspect "$1" | jq -r '.[0].Id'
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do
		local full
		full=$(full_id "$id")
		pontoon rm -f "$id" >/dev/null 2>&1
		assert_gone "$full"
	done
}

@test "run --rm prints the output and exits with the command's status, leaving nothing" {
	run pontoon run --rm busybox sh -c 'echo hi; exit 3'
	assert_status 3
	[ "$output" = hi ]
	[ -z "$(ls "$PONTOON_ROOT/containers" | grep -v names)" ]
	[ -z "$(ls "$PONTOON_ROOT/containers/names")" ]
	! grep -q "$PONTOON_ROOT/containers" /proc/mounts || false
	# by its short id (the default hostname): no process left, and its
	# (empty) cgroups go right after the exit is reported
	short=$(pontoon run --rm --memory 64m busybox hostname)
	[ ${#short} -eq 12 ]
	! pgrep -f "$short" >/dev/null || false
	wait_until 5 eval '[ -z "$(ls -d /sys/fs/cgroup/*/pontoon*/"$short"* /sys/fs/cgroup/pontoon*/"$short"* 2>/dev/null)" ]' ||
		fail "cgroups left: $(ls -d /sys/fs/cgroup/*/pontoon*/"$short"* /sys/fs/cgroup/pontoon*/"$short"* 2>/dev/null)"
}

@test "run's exit codes: 127 not found, 126 not executable, 125 pontoon's own failure" {
	run -127 pontoon run --rm busybox nosuchcommand
	assert_output_contains "executable file not found"
	run pontoon run --rm busybox /etc
	assert_status 126
	run pontoon run --rm --memory 1x busybox true
	assert_status 125
	run pontoon run --rm -u nosuchuser busybox true
	assert_status 125
	assert_output_contains "unable to find user nosuchuser"
	run pontoon run --rm nosuchimage true
	assert_status 125
	[ -z "$(ls "$PONTOON_ROOT/containers" | grep -v names)" ]
}

@test "the command is pid 1; hostname, processes and mounts are the container's own" {
	run pontoon run --rm busybox ps -o pid,args
	assert_status 0
	echo "$output" | grep -E '^ +1 ps -o pid,args$'
	[ "${#lines[@]}" -eq 2 ]                               # a header and itself: no host process
	[ "$(pontoon run --rm --hostname box1 busybox hostname)" = box1 ]
	run pontoon run --rm busybox cat /proc/mounts
	! echo "$output" | grep -q "$PONTOON_TEST_TMP/tmp" || false      # host mounts invisible
	echo "$output" | grep -E '^overlay / overlay '
	echo "$output" | grep -E '^sysfs /sys sysfs ro,'
	echo "$output" | grep -E '^proc /proc/sys proc ro,'
	# the default hostname is the short id
	id=$(pontoon run -d busybox sleep 30)
	[ "$(pontoon exec "$id" hostname)" = "${id:0:12}" ]
	[ "$(hostname)" != "${id:0:12}" ]
}

@test "/dev is minimal and the masked paths are masked" {
	run pontoon run --rm busybox sh -c 'ls /dev; cat /proc/kcore | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/domainname'
	echo "$output"
	for d in null zero full random urandom tty ptmx pts shm mqueue; do
		echo "$output" | grep -qx "$d" || fail "/dev/$d missing"
	done
	! echo "$output" | grep -qx sda || false
	! echo "$output" | grep -qx vda || false
	echo "$output" | grep -qx 0        # kcore masked with /dev/null, /sys/firmware empty
	assert_output_contains "Read-only file system"
}

@test "--memory 32m: a memory hog is OOM-killed and inspect says so" {
	run pontoon run --name hog --memory 32m busybox sh -c 'x=a; while true; do x=$x$x; done'
	assert_status 137
	run pontoon inspect hog
	[ "$(echo "$output" | jq '.[0].State.OOMKilled')" = true ]
	[ "$(echo "$output" | jq '.[0].State.ExitCode')" = 137 ]
	[ "$(echo "$output" | jq '.[0].HostConfig.Memory')" = 33554432 ]
	id=$(full_id hog)
	pontoon rm hog
	assert_gone "$id"
}

@test "--pids-limit 10 stops a fork bomb" {
	run pontoon run --rm --pids-limit 10 busybox sh -c 'for i in $(seq 30); do sleep 5 & done; echo started'
	assert_output_contains "can't fork"
	[ "$status" -ne 0 ]
	# without the limit the same loop works
	run pontoon run --rm busybox sh -c 'for i in $(seq 30); do sleep 0.1 & done; wait; echo started'
	assert_status 0
}

@test "--cpus 0.5 holds two busy loops to about half a core (the cgroup's own counters)" {
	id=$(pontoon run -d --cpus 0.5 busybox sh -c 'while :; do :; done & while :; do :; done')
	cg=$(pontoon system info --format json | jq -r .CgroupParent)
	acct=/sys/fs/cgroup/cpuacct/$cg/$id/cpuacct.usage
	[ -e "$acct" ] || acct=/sys/fs/cgroup/$cg/$id/cpu.stat
	u0=$(awk '/usage_usec/{print $2*1000; exit} !/ /{print; exit}' "$acct"); t0=$(date +%s%N)
	sleep 2
	u1=$(awk '/usage_usec/{print $2*1000; exit} !/ /{print; exit}' "$acct"); t1=$(date +%s%N)
	ratio=$(( (u1 - u0) * 100 / (t1 - t0) ))
	echo "cpu: ${ratio}% of one core"
	[ "$ratio" -le 65 ]   # unlimited, two loops would take up to 200%
	[ "$ratio" -ge 10 ]
	pontoon rm -f "$id"
	assert_gone "$id"
}

@test "--cpuset-cpus pins the container; a CPU the host lacks is an error that leaves nothing" {
	run pontoon run --rm --cpuset-cpus 0 busybox grep Cpus_allowed_list /proc/self/status
	assert_status 0
	assert_output_contains "	0"
	run pontoon run --rm --cpuset-cpus 4000 busybox true
	assert_status 125
	assert_output_contains cpuset
	[ -z "$(ls "$PONTOON_ROOT/containers" | grep -v names)" ]
}

@test "capabilities: Docker's default set; --cap-add, --cap-drop, --privileged" {
	run pontoon run --rm busybox ip link add pn-x type bridge
	[ "$status" -ne 0 ]
	assert_output_contains "Operation not permitted"
	run pontoon run --rm --cap-add NET_ADMIN busybox ip link add pn-x type bridge
	assert_status 0
	run pontoon run --rm busybox grep CapEff /proc/self/status
	assert_output_contains 00000000a80425fb
	run pontoon run --rm --cap-drop CHOWN --cap-drop net_raw busybox grep CapBnd /proc/self/status
	assert_output_contains 00000000a80405fa
	run pontoon run --rm --cap-drop ALL --cap-add KILL busybox grep CapEff /proc/self/status
	assert_output_contains 0000000000000020
	run pontoon run --rm --privileged busybox ip link add pn-x type bridge
	assert_status 0
	run pontoon run --rm busybox grep NoNewPrivs /proc/self/status
	assert_output_contains 1
	run pontoon run --rm --cap-add NOPE busybox true
	assert_status 125
	assert_output_contains 'unknown capability "NOPE"'
}

@test "-u, -w, -e, --env-file, --read-only, --entrypoint" {
	run pontoon run --rm -u 1000:1000 busybox sh -c 'id -u; id -g; grep CapEff /proc/self/status'
	[ "${lines[0]}" = 1000 ] && [ "${lines[1]}" = 1000 ]
	assert_output_contains 0000000000000000
	run pontoon run --rm -u nobody busybox id -un
	[ "$output" = nobody ]
	echo 'FROMFILE=yes' > "$BATS_TEST_TMPDIR/env"
	run pontoon run --rm -w /made/here -e FOO=bar --env-file "$BATS_TEST_TMPDIR/env" busybox sh -c 'pwd; echo $FOO $FROMFILE'
	[ "${lines[0]}" = /made/here ] && [ "${lines[1]}" = "bar yes" ]
	run pontoon run --rm --read-only busybox touch /x
	[ "$status" -ne 0 ]
	assert_output_contains "Read-only file system"
	run pontoon run --rm --entrypoint echo busybox a b
	[ "$output" = "a b" ]
}

@test "-v: bind mounts (ro and rw), a missing source is an error, named volumes persist" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	echo hello > "$BATS_TEST_TMPDIR/src/f"
	run pontoon run --rm -v "$BATS_TEST_TMPDIR/src:/data:ro" busybox sh -c 'cat /data/f; echo x > /data/g'
	assert_output_contains hello
	assert_output_contains "Read-only file system"
	[ ! -e "$BATS_TEST_TMPDIR/src/g" ]
	run pontoon run --rm -v "$BATS_TEST_TMPDIR/src:/data" busybox sh -c 'echo x > /data/g'
	[ -e "$BATS_TEST_TMPDIR/src/g" ]
	run pontoon run --rm -v /nonexistent/dir:/data busybox true
	assert_status 125
	assert_output_contains "bind source path does not exist"
	pontoon run --rm -v vol1:/v busybox sh -c 'echo kept > /v/f'
	[ "$(pontoon run --rm -v vol1:/v busybox cat /v/f)" = kept ]
	[ -e "$PONTOON_ROOT/volumes/vol1/_data/f" ]
	run pontoon run --rm -v 'bad:path' busybox true
	assert_status 125
	! grep -q "$BATS_TEST_TMPDIR/src" /proc/mounts || false
}

@test "run -d, ps, exec, logs -f, stop -t 1 of a process that ignores SIGTERM" {
	id=$(pontoon run -d --name web busybox sh -c 'trap "" TERM; i=0; while :; do echo line $i; i=$((i+1)); sleep 0.1; done')
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	run pontoon ps
	assert_output_contains "${id:0:12}"
	assert_output_contains web
	[ "$(pontoon ps -q)" = "${id:0:12}" ]
	[ "$(pontoon ps --format json | jq -r '.[0].State')" = running ]
	run pontoon exec web sh -c 'echo in $(hostname); exit 4'
	assert_status 4
	[ "$output" = "in ${id:0:12}" ]
	run pontoon exec -e X=1 -w /tmp web sh -c 'echo $X $(pwd); ps -o pid,args | grep -c "sh -c trap"'
	assert_output_contains "1 /tmp"
	run -127 pontoon exec web nosuch
	# logs -f follows new lines
	timeout 1 pontoon logs -f web > "$BATS_TEST_TMPDIR/follow" || true
	n=$(grep -c '^line ' "$BATS_TEST_TMPDIR/follow")
	[ "$n" -ge 5 ]
	run pontoon logs --tail 2 web
	[ "${#lines[@]}" -eq 2 ]
	run pontoon logs -t --tail 1 web
	[[ "$output" =~ ^20[0-9-]+T[0-9:.]+Z\ line\ [0-9]+$ ]]
	start=$(date +%s%N)
	run pontoon stop -t 1 web
	assert_status 0
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$elapsed" -ge 900 ]
	[ "$(pontoon inspect web | jq '.[0].State.ExitCode')" = 137 ]
	[ "$(pontoon inspect web | jq -r '.[0].State.Status')" = exited ]
	[ -z "$(cgroup_dirs "$id")" ]
	! pontoon ps -q | grep -q . || false
	pontoon ps -a | grep -q "Exited (137)"
	pontoon rm web
	assert_gone "$id"
}

@test "stop of a process that handles SIGTERM is quick; kill -s; restart; wait; --init forwards signals" {
	id=$(pontoon run -d busybox sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done')
	start=$(date +%s%N)
	pontoon stop "${id:0:8}"
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ]
	[ "$(pontoon inspect "$id" | jq '.[0].State.ExitCode')" = 0 ]
	pontoon restart "$id"
	[ "$(pontoon inspect "$id" | jq -r '.[0].State.Status')" = running ]
	pid=$(pontoon inspect "$id" | jq '.[0].State.Pid')
	kill -0 "$pid"
	pontoon kill -s TERM "$id"
	run pontoon wait "$id"
	[ "$output" = 0 ]
	! kill -0 "$pid" 2>/dev/null || false
	[ -z "$(cgroup_dirs "$id")" ]
	pontoon rm "$id"
	assert_gone "$id"
	# pid 1 ignores signals it has no handler for; under --init the command is
	# not pid 1, gets USR1 forwarded and dies of it (128 + 10)
	id=$(pontoon run -d --init busybox sleep 100)
	pontoon kill -s USR1 "$id"
	run timeout 10 "$PONTOON_BIN" wait "$id"
	[ "$output" = 138 ]
	pontoon rm "$id"
	assert_gone "$id"
}

@test "wait on a --rm container reports its real exit status; wait on a removed one fails" {
	id=$(pontoon run -d --rm busybox sh -c 'sleep 1; exit 7')
	run timeout 20 "$PONTOON_BIN" wait "$id"
	assert_status 0
	[ "$output" = 7 ]
	assert_gone "$id"
	[ -f "$PONTOON_ROOT/exits/$id" ]
	run pontoon wait "$id"
	assert_status 1
	assert_output_contains "no such container"
	# records are pruned after 10 minutes, by a shim that finds the last
	# prune (the stamp) a minute old; the others leave the directory alone
	[ -f "$PONTOON_ROOT/exits/.pruned" ]
	echo 9 > "$PONTOON_ROOT/exits/old"
	touch -d '-20 minutes' "$PONTOON_ROOT/exits/old"
	# (wait returns when the shim has ended, its record written)
	id2=$(pontoon run -d --rm busybox sleep 1)
	[ "$(timeout 20 "$PONTOON_BIN" wait "$id2")" = 0 ]
	[ -f "$PONTOON_ROOT/exits/old" ]
	touch -d '-2 minutes' "$PONTOON_ROOT/exits/.pruned"
	id3=$(pontoon run -d --rm busybox sleep 1)
	[ "$(timeout 20 "$PONTOON_BIN" wait "$id3")" = 0 ]
	[ ! -e "$PONTOON_ROOT/exits/old" ]
	[ -f "$PONTOON_ROOT/exits/$id" ] && [ -f "$PONTOON_ROOT/exits/$id2" ] && [ -f "$PONTOON_ROOT/exits/$id3" ]
	[ "$(stat -c %Y "$PONTOON_ROOT/exits/.pruned")" -gt "$(date -d '-1 minute' +%s)" ]
}

@test "rm refuses a running container; rm -f kills and removes it all" {
	id=$(pontoon run -d --memory 64m --pids-limit 50 busybox sleep 1000)
	[ -n "$(cgroup_dirs "$id")" ]
	pid=$(pontoon inspect "$id" | jq '.[0].State.Pid')
	run pontoon rm "$id"
	assert_status 1
	assert_output_contains "is running"
	run pontoon rm -f "$id"
	assert_status 0
	! kill -0 "$pid" 2>/dev/null || false
	assert_gone "$id"
	run pontoon inspect "$id"
	assert_status 1
	assert_output_contains "no such container"
}

@test "names and id prefixes resolve as Docker's; a taken name is refused" {
	id=$(pontoon create --name same busybox true)
	run pontoon create --name same busybox true
	assert_status 125
	assert_output_contains "already in use"
	[ "$(pontoon inspect same | jq -r '.[0].Name')" = /same ]
	[ "$(pontoon inspect "${id:0:5}" | jq -r '.[0].Id')" = "$id" ]
	[ "$(pontoon inspect same | jq -r '.[0].State.Status')" = created ]
	[ "$(pontoon inspect same | jq -r '.[0].ImageID')" = "$(pontoon inspect same | jq -r '.[0].Image' | sed 's/sha256://')" ]
	pontoon start -a same
	[ "$(pontoon inspect same | jq -r '.[0].State.Status')" = exited ]
	# the name link keeps the id inside its inode (43 base64url characters);
	# a link of the older form (the 64 hex characters) still resolves
	[ "$(readlink "$PONTOON_ROOT/containers/names/same" | wc -c)" -eq 44 ]
	ln -sfn "$id" "$PONTOON_ROOT/containers/names/same"
	[ "$(pontoon inspect same | jq -r '.[0].Id')" = "$id" ]
	pontoon rm same
	[ ! -L "$PONTOON_ROOT/containers/names/same" ]
	run pontoon rm same
	assert_status 1
}

@test "--network: none, host, container:NAME; options needing a network are refused with them" {
	run pontoon run --rm --network none busybox ip -o link
	[ "${#lines[@]}" -eq 1 ]
	assert_output_contains "lo:"
	assert_output_contains "UP"
	# loopback works, as in Docker: a server and a client on 127.0.0.1
	run pontoon run --rm --network none busybox sh -c 'ip -o addr show lo; (echo pong | nc -l -p 7777 &) ; sleep 0.3; nc 127.0.0.1 7777 </dev/null'
	assert_output_contains "127.0.0.1/8"
	assert_output_contains pong
	ip link add pn-hostlink type bridge
	run pontoon run --rm --network host busybox ip -o link
	assert_output_contains pn-hostlink
	ip link del pn-hostlink
	id=$(pontoon run -d --network none --cap-add NET_ADMIN busybox sh -c 'ip link add pn-shared type bridge; sleep 100')
	sleep 0.3
	run pontoon run --rm --network "container:${id:0:12}" busybox ip -o link
	assert_output_contains pn-shared
	for opt in "--ip 10.0.0.2" "--network-alias x" "--link web"; do
		run pontoon run --rm --network none $opt busybox true
		assert_status 125
		assert_output_contains "network"
	done
	run pontoon run --rm --network container:nosuch busybox true
	assert_status 125
}

@test "-i passes stdin; -t gives a terminal; --init is pid 1 and reaps" {
	run bash -c "echo through-stdin | '$PONTOON_BIN' run --rm -i busybox cat"
	[ "$output" = through-stdin ]
	run bash -c "echo ignored | '$PONTOON_BIN' run --rm busybox cat"
	[ "$output" = "" ]
	run script -qec "'$PONTOON_BIN' run --rm -t busybox sh -c 'test -t 0 && test -t 1 && echo tty-ok'" /dev/null
	assert_output_contains tty-ok
	run pontoon run --rm --init busybox sh -c 'ps -o pid,comm | awk "\$1==1{print \$2}"'
	[ "$output" = init ]
	run pontoon run --rm --init busybox ps -o pid,args
	echo "$output" | grep -E '^ +1 init$'
	! echo "$output" | grep -q "$PONTOON_ROOT" || false   # no host path shows inside
	# an orphaned zombie under --init is reaped
	run pontoon run --rm --init busybox sh -c '(sleep 0.2 &) ; sleep 0.6; ps -o stat | grep -c Z'
	[ "$output" = 0 ]
}

@test "the shim survives the CLI and logs with timestamps; state.json records the exit" {
	id=$(pontoon run -d busybox sh -c 'echo out; echo err >&2; sleep 0.3; exit 5')
	run timeout 10 "$PONTOON_BIN" wait "$id"
	[ "$output" = 5 ]
	[ "$(pontoon logs "$id" 2>/dev/null)" = out ]
	[ "$(pontoon logs "$id" 2>&1 >/dev/null)" = err ]
	grep -E '^20[0-9-]+T[0-9:.]+Z stdout F out$' "$PONTOON_ROOT/containers/$id/ctr.log"
	st=$PONTOON_ROOT/containers/$id/state.json
	[ "$(jq -r .Status "$st")" = exited ]
	[ "$(jq .ExitCode "$st")" = 5 ]
	[ "$(jq -r .FinishedAt "$st")" != "0001-01-01T00:00:00Z" ]
	[ "$(jq -r .ImageID "$PONTOON_ROOT/containers/$id/config.json" | grep -cE '^[0-9a-f]{64}$')" = 1 ]
}

@test "exec -i passes stdin, exec -t gives a terminal, exec -u switches user" {
	id=$(pontoon run -d busybox sleep 100)
	run bash -c "echo via-exec | '$PONTOON_BIN' exec -i $id cat"
	[ "$output" = via-exec ]
	run script -qec "'$PONTOON_BIN' exec -t $id sh -c 'test -t 0 && echo exec-tty-ok'" /dev/null
	assert_output_contains exec-tty-ok
	[ "$(pontoon exec -u nobody "$id" id -un)" = nobody ]
	[ "$(pontoon exec "$id" grep NoNewPrivs /proc/self/status | tr -d '\t ')" = NoNewPrivs:1 ]
	# the exec'd process is in the container's cgroups
	run pontoon exec "$id" cat /proc/self/cgroup
	assert_output_contains "memory:/"
	! echo "$output" | grep -q "$id" || false   # its cgroup namespace hides the path
	# seen from the host: in each of the init's, v1 and cgroup2 alike
	pontoon exec "$id" sleep 77 &
	local cli=$!
	wait_until 10 pgrep -x -f "sleep 77"
	local ep init
	ep=$(pgrep -x -f "sleep 77")
	init=$(pontoon inspect "$id" | jq '.[0].State.Pid')
	grep "$id" "/proc/$init/cgroup" | sort > "$BATS_TEST_TMPDIR/init.cg"
	grep "$id" "/proc/$ep/cgroup" | sort > "$BATS_TEST_TMPDIR/exec.cg"
	cat "$BATS_TEST_TMPDIR/init.cg"
	[ -s "$BATS_TEST_TMPDIR/init.cg" ]
	diff "$BATS_TEST_TMPDIR/init.cg" "$BATS_TEST_TMPDIR/exec.cg"
	if ls -d /sys/fs/cgroup/unified/pontoon*/"$id" /sys/fs/cgroup/pontoon*/"$id" >/dev/null 2>&1; then
		grep -q "^0::.*$id" "$BATS_TEST_TMPDIR/exec.cg"   # cgroup2's (clone3 places it there)
	fi
	kill "$ep"
	wait "$cli" || true
}

@test "crash repair: a vanished shim reads as exited; a half-created container frees its name" {
	id=$(pontoon run -d --name crashy busybox sleep 100)
	shim=$(pontoon inspect "$id" | jq '.[0].State.ShimPid')
	pid=$(pontoon inspect "$id" | jq '.[0].State.Pid')
	kill -9 "$shim"
	kill -9 "$pid"
	wait_until 5 bash -c "! kill -0 $pid 2>/dev/null"
	[ "$(pontoon inspect crashy | jq -r '.[0].State.Status')" = exited ]
	pontoon rm crashy
	assert_gone "$id"
	# a create that crashed before config.json: the name is taken over once stale
	id=$(pontoon create --name half busybox true)
	rm "$PONTOON_ROOT/containers/$id/config.json"
	touch -d '2 minutes ago' "$PONTOON_ROOT/containers/$id"
	new=$(pontoon create --name half busybox true)
	[ "$new" != "$id" ]
	[ ! -e "$PONTOON_ROOT/containers/$id" ]
	pontoon rm half
}

@test "a failing run leaves no directory, cgroup or mount (fault injection)" {
	# cgroups are host-global (other suites may run containers meanwhile), so
	# they are checked by id: a failed `run -d --name` keeps its created container
	PONTOON_FAULT=cgroup:3:EIO run pontoon run -d --name f1 --memory 64m busybox true
	assert_status 125
	id=$(full_id f1)
	[ -z "$(cgroup_dirs "$id")" ]
	[ "$(pontoon inspect f1 | jq -r '.[0].State.Status')" = created ]
	pontoon rm f1
	assert_gone "$id"
	# a mount inside the new namespaces fails: the shim reports it, the CLI undoes the rest
	PONTOON_FAULT=mount:4:EIO run pontoon run -d --name f2 --pids-limit 20 busybox true
	assert_status 125
	assert_output_contains "mount"
	id=$(full_id f2)
	[ -z "$(cgroup_dirs "$id")" ]
	pontoon rm f2
	assert_gone "$id"
	# with --rm, nothing at all is left
	PONTOON_FAULT=state:1:ENOSPC run pontoon run --rm busybox true
	assert_status 125
	PONTOON_FAULT=mount:4:EIO run pontoon run --rm busybox true
	assert_status 125
	run pontoon run --rm -v /nonexistent:/x busybox true
	assert_status 125
	[ -z "$(ls "$PONTOON_ROOT/containers" | grep -v names)" ]
	[ -z "$(ls "$PONTOON_ROOT/containers/names")" ]
	! grep -q "$PONTOON_ROOT/containers" /proc/mounts || false
}

# A `docker save` archive of two layers made from busybox files: the second
# deletes a/gone (whiteout) and replaces d/ (opaque); the config sets Env,
# Cmd, WorkingDir and User. Prints nothing; writes $1.
make_save_archive() {
	local w=$BATS_TEST_TMPDIR/save l1 l2 d1 d2 cfg
	l1=$w/l1 l2=$w/l2
	mkdir -p "$l1"/{bin,etc,a,d} "$l2"/{a,d} "$w/out/l1" "$w/out/l2"
	cp /bin/busybox "$l1/bin/busybox"
	for a in sh ls cat id pwd echo; do ln -s busybox "$l1/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' >"$l1/etc/passwd"
	printf 'root:x:0:\nuser:x:1000:\n' >"$l1/etc/group"
	echo keep >"$l1/a/keep"
	echo gone >"$l1/a/gone"
	echo old >"$l1/d/old"
	: >"$l2/a/.wh.gone"
	: >"$l2/d/.wh..wh..opq"
	echo new >"$l2/d/new"
	(cd "$l1" && tar --numeric-owner -cf "$w/out/l1/layer.tar" $(ls -A))
	(cd "$l2" && tar --numeric-owner -cf "$w/out/l2/layer.tar" $(ls -A))
	d1=$(sha256sum "$w/out/l1/layer.tar" | cut -d' ' -f1)
	d2=$(sha256sum "$w/out/l2/layer.tar" | cut -d' ' -f1)
	cat >"$w/out/config.json" <<-EOC
	{"architecture":"amd64","os":"linux",
	 "config":{"Env":["PATH=/bin","FROM_IMAGE=yes"],"Cmd":["sh","-c","echo default-cmd; id -u; pwd"],
	           "WorkingDir":"/a","User":"1000"},
	 "rootfs":{"type":"layers","diff_ids":["sha256:$d1","sha256:$d2"]}}
	EOC
	cfg=$(sha256sum "$w/out/config.json" | cut -d' ' -f1)
	mv "$w/out/config.json" "$w/out/$cfg.json"
	echo "[{\"Config\":\"$cfg.json\",\"RepoTags\":[\"layered:1\"],\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]" >"$w/out/manifest.json"
	tar -C "$w/out" -cf "$1" manifest.json "$cfg.json" l1 l2
}

@test "a loaded two-layer image: the container sees the merged layers and runs with the image's config" {
	make_save_archive "$BATS_TEST_TMPDIR/layered.tar"
	pontoon image load -i "$BATS_TEST_TMPDIR/layered.tar"
	run pontoon run --rm layered:1
	assert_status 0
	[ "${lines[0]}" = default-cmd ] && [ "${lines[1]}" = 1000 ] && [ "${lines[2]}" = /a ]
	run pontoon run --rm -u 0 layered:1 sh -c 'ls /a; ls /d; echo $FROM_IMAGE'
	[ "$output" = "$(printf 'keep\nnew\nyes')" ]
	# the container's writes go to its own layer, never to the image's
	pontoon run --rm -u 0 layered:1 sh -c 'echo changed > /a/keep; rm /d/new'
	[ "$(pontoon run --rm -u 0 layered:1 cat /a/keep /d/new)" = "$(printf 'keep\nnew')" ]
	# an image a container uses cannot be removed
	id=$(pontoon create layered:1)
	run pontoon image rm layered:1
	[ "$status" -ne 0 ]
	assert_output_contains "${id:0:12}"
	pontoon rm "$id"
	pontoon image rm layered:1
}

@test "concurrent starts of one container make one shim; concurrent rm -f leave nothing" {
	id=$(pontoon create busybox sleep 100)
	for i in 1 2 3 4; do pontoon start "$id" >/dev/null & done
	wait
	[ "$(pgrep -fc "pontoon-shim .*$id")" -eq 1 ]
	for i in 1 2 3; do pontoon rm -f "$id" >/dev/null 2>&1 & done
	wait
	assert_gone "$id"
}

@test "run -h is --hostname, as in Docker; --help prints the help" {
	run pontoon run --rm -h myhost busybox hostname
	assert_status 0
	[ "$output" = myhost ]
	run pontoon run --help
	assert_status 0
	assert_output_contains "Usage: pontoon run"
}
