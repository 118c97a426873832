#!/usr/bin/env bats
# Device rules on cgroup v2: the container's cgroup2 directory (pure v2:
# /sys/fs/cgroup/PARENT/ID; hybrid: /sys/fs/cgroup/unified/PARENT/ID, PARENT per root) carries
# a BPF_CGROUP_DEVICE program with Docker's allow-list. On a hybrid host the
# kernel runs that program and then the v1 devices rules; the test lifts the
# v1 rules of the container, so that only the program can refuse, and checks
# that it does: any node may be made (mknod), but only null, zero, full,
# random, urandom, tty, console, ptmx and pts opened. --privileged has no
# program. On a hybrid host the program is attached only where asked
# (PONTOON_DEVICES_BPF=1), the v1 devices controller holding the rules.

load helpers

setup() {
	export PONTOON_DEVICES_BPF=1
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do pontoon rm -f "$id" >/dev/null 2>&1; done
	true
}

# cg2 ID: the container's cgroup2 directory.
cg2() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo "/sys/fs/cgroup/$(cgroup_parent)/$1"
	else
		echo "/sys/fs/cgroup/unified/$(cgroup_parent)/$1"
	fi
}

# lift_v1 ID: the container's v1 devices cgroup (if any) allows everything.
lift_v1() {
	local d=/sys/fs/cgroup/devices/$(cgroup_parent)/$1
	if [ -d "$d" ]; then
		echo a >"$d/devices.allow"
		grep -qx 'a \*:\* rwm' "$d/devices.list"
	fi
}

@test "cgroup v2: the device allow-list is a BPF program on the container's cgroup2 directory" {
	[ -f /sys/fs/cgroup/cgroup.controllers ] || [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] ||
		skip "no cgroup2 hierarchy"
	read -r maj min < <(host_disk) || skip "no block device on this host"
	id=$(pontoon run -d busybox sleep 100000)
	pid=$(pontoon inspect "$id" | jq -r '.[0].State.Pid')
	[ -d "$(cg2 "$id")" ] || fail "no cgroup2 directory $(cg2 "$id")"
	grep -qx "0::/$(cgroup_parent)/$id" /proc/"$pid"/cgroup || fail "the init is not in it: $(cat /proc/"$pid"/cgroup)"
	lift_v1 "$id"

	# mknod of anything is allowed; opening the host's disk or /dev/kmsg is not
	run pontoon exec "$id" sh -c "mknod /tmp/disk b $maj $min && echo made && head -c1 /tmp/disk >/dev/null && echo opened"
	echo "$output"
	assert_output_contains made
	assert_output_contains "Operation not permitted"
	[[ "$output" != *opened* ]] || fail "the host's disk $maj:$min was opened"
	run pontoon exec "$id" sh -c 'mknod /tmp/kmsg c 1 11 && echo made && : </tmp/kmsg && echo opened'
	assert_output_contains made
	[[ "$output" != *opened* ]] || fail "/dev/kmsg (1:11) was opened"
	run pontoon exec "$id" sh -c 'mknod /tmp/mem c 1 1 && : </tmp/mem && echo opened'
	[[ "$output" != *opened* ]] || fail "/dev/mem (1:1) was opened"
	# what the allow-list gives still works, made anew or in /dev
	run pontoon exec "$id" sh -c 'echo x >/dev/null && head -c4 /dev/zero | wc -c && head -c4 /dev/urandom | wc -c &&
		mknod /tmp/null c 1 3 && echo y >/tmp/null && : </dev/full && echo ok'
	echo "$output"
	assert_status 0
	assert_output_contains ok
	# and a new process of the container (exec) is in the cgroup too
	run pontoon exec "$id" cat /proc/self/cgroup
	assert_output_contains "0::/"
	# the container's first command runs under the program from its start
	run pontoon run --rm busybox sh -c "mknod /tmp/disk b $maj $min && head -c1 /tmp/disk >/dev/null && echo opened"
	[[ "$output" != *opened* ]] || fail "the host's disk was opened by a new container's first command"

	# --privileged: no program, no v1 rules: the same open works
	pid_priv=$(pontoon run -d --privileged busybox sleep 100000)
	run pontoon exec "$pid_priv" sh -c "mknod /tmp/disk b $maj $min && head -c1 /tmp/disk >/dev/null && echo opened"
	echo "$output"
	assert_output_contains opened
	[ -d "$(cg2 "$pid_priv")" ]

	# rm takes the cgroup2 directory away with the program
	pontoon rm -f "$id" "$pid_priv"
	[ ! -e "$(cg2 "$id")" ] || fail "$(cg2 "$id") is left"
	[ ! -e "$(cg2 "$pid_priv")" ]
}

@test "hybrid host: the v1 devices controller holds the rules, no program unless PONTOON_DEVICES_BPF=1" {
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && [ -d /sys/fs/cgroup/devices ] ||
		skip "not a hybrid host with a v1 devices controller"
	read -r maj min < <(host_disk) || skip "no block device on this host"
	unset PONTOON_DEVICES_BPF
	id=$(pontoon run -d busybox sleep 100000)
	pid=$(pontoon inspect "$id" | jq -r '.[0].State.Pid')
	# born in its unified directory all the same
	grep -qx "0::/$(cgroup_parent)/$id" /proc/"$pid"/cgroup || fail "not in its cgroup2 directory: $(cat /proc/"$pid"/cgroup)"
	run pontoon exec "$id" sh -c "mknod /tmp/disk b $maj $min && head -c1 /tmp/disk >/dev/null && echo opened"
	assert_output_contains "Operation not permitted"
	[[ "$output" != *opened* ]] || fail "the host's disk was opened under the v1 rules"
	# with the v1 rules lifted nothing else refuses: no program was attached
	lift_v1 "$id"
	run pontoon exec "$id" sh -c "head -c1 /tmp/disk >/dev/null && echo opened"
	assert_output_contains opened
}
