#!/usr/bin/env bats
# Security defaults: who may talk to netd, what a container can and cannot do
# (processes, mounts, devices, modules, sysctls, /proc), the default seccomp
# filter and what lifts it (--security-opt seccomp=unconfined, --privileged,
# --cap-add). pontoon-sectest (tests/system/helpers/sectest.c, static) is bound
# into busybox containers to make the raw syscalls.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	SECTEST=${PONTOON_BUILD_DIR:-$(dirname "$PONTOON_BIN")/..}/bin/pontoon-sectest
	[ -x "$SECTEST" ] || SECTEST=$(dirname "$PONTOON_BIN")/pontoon-sectest
	[ -x "$SECTEST" ] || fail "pontoon-sectest not built"
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do
		pontoon rm -f "$id" >/dev/null 2>&1
	done
	[ -z "${SLEEPER:-}" ] || kill "$SLEEPER" 2>/dev/null || true
	umount "$PONTOON_TEST_TMP/hostmnt" 2>/dev/null || true
	chmod 0700 "$PONTOON_TEST_TMP" "$PONTOON_RUN" 2>/dev/null || true
	[ ! -S "$PONTOON_RUN/netd.sock" ] || chmod 0600 "$PONTOON_RUN/netd.sock"
}

# sectest [RUN OPTIONS...] -- TEST...: the helper's lines inside a busybox container
sectest() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	pontoon run --rm -v "$SECTEST:/sectest:ro" "${opts[@]}" busybox /sectest "$@"
}

@test "netd's socket is 0600, root's; a non-root peer is refused even when the mode is loosened" {
	pontoon net ls >/dev/null      # starts netd
	[ "$(stat -c '%a %u' "$PONTOON_RUN/netd.sock")" = "600 0" ]
	req='{"version":1,"op":"net.ls"}'
	run setpriv --reuid=65534 --regid=65534 --clear-groups socat -t 5 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock" <<<"$req"
	[ "$status" -ne 0 ]
	assert_output_contains "Permission denied"
	# loosen every mode by hand: SO_PEERCRED still refuses the peer
	chmod 0711 "$PONTOON_TEST_TMP" "$PONTOON_RUN"
	chmod 0666 "$PONTOON_RUN/netd.sock"
	run setpriv --reuid=65534 --regid=65534 --clear-groups socat -t 5 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock" <<<"$req"
	echo "$output"
	assert_output_contains '"ok":false'
	assert_output_contains "netd serves root only (your uid is 65534)"
	[[ "$output" != *'"networks"'* ]] || fail "a non-root peer got an answer"
	grep -q "refused a client: uid 65534" "$PONTOON_RUN/netd.log"
	# root still gets its answer
	run socat -t 5 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock" <<<"$req"
	assert_output_contains '"ok":true'
}

@test "a container sees none of the host's processes, mounts or devices" {
	sleep 1000 &
	SLEEPER=$!
	mkdir -p "$PONTOON_TEST_TMP/hostmnt"
	mount -t tmpfs -o size=1m hostmarker "$PONTOON_TEST_TMP/hostmnt"
	pgrep -fx "sleep 1000" >/dev/null       # the host side sees it
	run pontoon run --rm busybox sh -c 'ps -o pid,args; cat /proc/mounts; ls /dev'
	echo "$output"
	assert_status 0
	! echo "$output" | grep -q "sleep 1000" || false
	[ "$(echo "$output" | grep -cE '^ +[0-9]+ ')" -le 2 ] || fail "the container sees host processes"   # sh and ps
	! echo "$output" | grep -q hostmarker || false
	! echo "$output" | grep -q "^[^ ]* $PONTOON_TEST_TMP" || false
	! echo "$output" | grep -qE '^(sda|vda|nvme|kmsg|mem|loop)' || false
	# a device node can be made (CAP_MKNOD, as Docker) but not opened
	if [ -d /sys/fs/cgroup/devices ]; then
		run pontoon run --rm busybox sh -c 'mknod /tmp/k c 1 11 && : < /tmp/k && echo opened'
		echo "$output"
		[ "$status" -ne 0 ]
		assert_output_contains "Operation not permitted"
		[[ "$output" != *opened* ]]
		run pontoon run --rm --privileged busybox sh -c 'mknod /tmp/k c 1 11 && : < /tmp/k && echo opened'
		assert_output_contains opened
	fi
}

@test "a container cannot load modules, change host sysctls, or use sysrq-trigger and kcore" {
	swappiness=$(cat /proc/sys/vm/swappiness)
	run pontoon run --rm -v "$SECTEST:/sectest:ro" busybox sh -c '
		/sectest init_module kexec_load reboot
		insmod /sectest 2>&1 || echo insmod-failed
		sysctl -w vm.swappiness=7 2>&1 || echo sysctl-failed
		echo 1 > /proc/sys/net/ipv4/ip_forward 2>&1 || echo forward-failed
		for f in /proc/sysrq-trigger /proc/kcore; do [ -e $f ] || echo "$f: absent"; done
		[ ! -e /proc/sysrq-trigger ] || { echo h > /proc/sysrq-trigger 2>&1 || echo sysrq-failed; }
		for f in /proc/kcore /proc/keys /proc/timer_list; do [ ! -e $f ] || echo "$f: $(wc -c < $f)"; done'
	echo "$output"
	assert_output_contains "init_module: EPERM"
	assert_output_contains "kexec_load: EPERM"
	assert_output_contains "reboot: EPERM"
	assert_output_contains insmod-failed
	assert_output_contains sysctl-failed
	assert_output_contains forward-failed
	# what this kernel has is read-only or masked (an empty file) inside
	for f in /proc/sysrq-trigger /proc/kcore; do
		[ -e $f ] || assert_output_contains "$f: absent"
	done
	[ ! -e /proc/sysrq-trigger ] || assert_output_contains sysrq-failed
	for f in /proc/kcore /proc/keys /proc/timer_list; do
		[ ! -e $f ] || assert_output_contains "$f: 0"
	done
	[ -n "$(head -c 1 /proc/keys)" ] || cat /proc/timer_list | head -c 1 | grep -q .   # the host's are not empty
	[ "$(cat /proc/sys/vm/swappiness)" = "$swappiness" ]
	# --privileged lifts the masks and read-only paths
	run pontoon run --rm --privileged busybox cat /proc/mounts
	! echo "$output" | grep -q ' /proc/kcore ' || false
	! echo "$output" | grep -qE '^proc /proc/sys proc ro,' || false
	run pontoon run --rm --privileged -v "$SECTEST:/sectest:ro" busybox /sectest reboot kexec_load
	assert_output_contains "reboot: EINVAL"      # allowed: the kernel checks the (wrong) magic
}

@test "seccomp: keyctl, user namespaces, clone3, io_uring, personality flags, mount are denied by default" {
	run sectest -- keyctl unshare-user clone-user clone3 io_uring personality mount open_by_handle_at getpid
	echo "$output"
	assert_status 0
	assert_output_contains "keyctl: EPERM"
	assert_output_contains "unshare-user: EPERM"
	assert_output_contains "clone-user: EPERM"
	assert_output_contains "clone3: ENOSYS"
	assert_output_contains "io_uring: EPERM"
	assert_output_contains "personality: EPERM"
	assert_output_contains "mount: EPERM"
	assert_output_contains "open_by_handle_at: EPERM"
	assert_output_contains "getpid: ok"
	# busybox's own applets meet the same wall
	run pontoon run --rm busybox unshare -U true
	[ "$status" -ne 0 ]
	assert_output_contains "Operation not permitted"
	# exec'd processes are filtered too
	id=$(pontoon run -d -v "$SECTEST:/sectest:ro" busybox sleep 30)
	run pontoon exec "$id" /sectest keyctl
	assert_output_contains "keyctl: EPERM"
	pontoon inspect "$id" | jq -e '.[0].HostConfig.SecurityOpt == []'
}

@test "exec loads the container's compiled filter from the cache; a damaged program is made again" {
	rm -rf "$PONTOON_ROOT/seccomp"     # the programs earlier tests made
	id=$(pontoon run -d -v "$SECTEST:/sectest:ro" busybox sleep 60)
	prog=$(ls "$PONTOON_ROOT"/seccomp/*.bpf)
	[ "$(echo "$prog" | wc -l)" -eq 1 ]
	sum=$(md5sum < "$prog")
	run pontoon exec "$id" sh -c 'grep "^Seccomp:" /proc/self/status; /sectest keyctl unshare-user io_uring mount getpid'
	echo "$output"
	assert_status 0
	assert_output_contains "Seccomp:	2"
	assert_output_contains "keyctl: EPERM"
	assert_output_contains "unshare-user: EPERM"
	assert_output_contains "io_uring: EPERM"
	assert_output_contains "mount: EPERM"
	assert_output_contains "getpid: ok"
	# the same program as the init's: no second file, none rewritten
	[ "$(ls "$PONTOON_ROOT"/seccomp/)" = "$(basename "$prog")" ]
	[ "$(md5sum < "$prog")" = "$sum" ]
	# a damaged file is refused and made again: exec stays filtered
	printf 'PNTNBPF1garbage' > "$prog"
	run pontoon exec "$id" /sectest keyctl getpid
	assert_output_contains "keyctl: EPERM"
	assert_output_contains "getpid: ok"
	[ "$(md5sum < "$prog")" = "$sum" ]
	# a flipped byte in the instructions fails the checksum the same way
	size=$(stat -c %s "$prog")
	printf '\xff' | dd of="$prog" bs=1 seek=$((size - 3)) conv=notrunc status=none
	[ "$(md5sum < "$prog")" != "$sum" ]
	run pontoon exec "$id" /sectest keyctl
	assert_output_contains "keyctl: EPERM"
	[ "$(md5sum < "$prog")" = "$sum" ]
	# an unreadable cache (the file replaced by a directory) still filters
	rm "$prog" && mkdir "$prog"
	run pontoon exec "$id" /sectest keyctl
	echo "$output"
	assert_output_contains "keyctl: EPERM"
	rmdir "$prog"
	# a filter that cannot be loaded fails the exec: nothing runs unfiltered
	PONTOON_FAULT=seccomp:1:EIO run pontoon exec "$id" sh -c 'echo ran'
	assert_status 125
	assert_output_contains "load the seccomp filter"
	[[ "$output" != *ran* ]]
}

@test "exec in --privileged, seccomp=unconfined and --cap-add SYS_ADMIN containers has their filter, or none" {
	rm -rf "$PONTOON_ROOT/seccomp"
	priv=$(pontoon run -d --privileged -v "$SECTEST:/sectest:ro" busybox sleep 60)
	unconf=$(pontoon run -d --security-opt seccomp=unconfined -v "$SECTEST:/sectest:ro" busybox sleep 60)
	admin=$(pontoon run -d --cap-add SYS_ADMIN -v "$SECTEST:/sectest:ro" busybox sleep 60)
	for id in "$priv" "$unconf"; do
		run pontoon exec "$id" sh -c 'grep "^Seccomp:" /proc/self/status; /sectest keyctl personality'
		echo "$output"
		assert_status 0
		assert_output_contains "Seccomp:	0"
		assert_output_contains "keyctl: ok"
		assert_output_contains "personality: ok"
	done
	# SYS_ADMIN's own program (lifted mount, kept keyring denial)
	run pontoon exec "$admin" sh -c 'grep "^Seccomp:" /proc/self/status; /sectest mount keyctl'
	echo "$output"
	assert_output_contains "Seccomp:	2"
	assert_output_contains "mount: ok"
	assert_output_contains "keyctl: EPERM"
	# the unconfined ones compiled nothing
	[ "$(ls "$PONTOON_ROOT"/seccomp/*.bpf | wc -l)" -eq 1 ]
}

@test "seccomp=unconfined, --privileged and --cap-add SYS_ADMIN lift the filter as in Docker" {
	run sectest --security-opt seccomp=unconfined -- keyctl clone3 io_uring personality mount unshare-user
	echo "$output"
	assert_output_contains "keyctl: ok"
	assert_output_contains "clone3: EFAULT"
	[[ "$output" != *"io_uring: EPERM"* ]]
	assert_output_contains "personality: ok"
	assert_output_contains "mount: EPERM"          # the capability is still missing
	run sectest --privileged -- keyctl mount clone3
	assert_output_contains "keyctl: ok"
	assert_output_contains "mount: ok"
	assert_output_contains "clone3: EFAULT"
	run sectest --cap-add SYS_ADMIN -- mount clone-user keyctl
	echo "$output"
	assert_output_contains "mount: ok"
	assert_output_contains "clone-user: ok"
	assert_output_contains "keyctl: EPERM"         # no capability lifts the keyring denial
	id=$(pontoon create --security-opt seccomp=unconfined busybox true)
	pontoon inspect "$id" | jq -e '.[0].HostConfig.SecurityOpt == ["seccomp=unconfined"]'
}

@test "--security-opt: profile files and unknown options are refused, nothing is created" {
	run pontoon run --rm --security-opt seccomp=/etc/profile.json busybox true
	assert_status 125
	assert_output_contains "seccomp profile files are not supported"
	run pontoon run --rm --security-opt apparmor=x busybox true
	assert_status 125
	assert_output_contains 'invalid --security-opt "apparmor=x"'
	[ -z "$(pontoon ps -aq)" ]
	run pontoon run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status
	assert_output_contains 1
}

@test "a container cannot reach another network's containers; on its own network it can" {
	pontoon net create --subnet 10.91.0.0/24 red
	pontoon net create --subnet 10.92.0.0/24 blue
	r1=$(pontoon run -d --network red --name r1 busybox sleep 60)
	pontoon run -d --network red --name r2 busybox sleep 60
	pontoon run -d --network blue --name b1 busybox sleep 60
	ip_r1=$(pontoon inspect r1 | jq -r '.[0].NetworkSettings.Networks.red.IPAddress')
	[[ "$ip_r1" == 10.91.0.* ]]
	pontoon exec r2 ping -c1 -W2 "$ip_r1"
	run pontoon exec b1 ping -c1 -W2 "$ip_r1"
	[ "$status" -ne 0 ]
	# --privileged does not open other networks either: isolation is the host's firewall
	run pontoon run --rm --privileged --network blue busybox ping -c1 -W2 "$ip_r1"
	[ "$status" -ne 0 ]
	[ -n "$r1" ]
}
