#!/usr/bin/env bats
# A pure cgroup-v2 host, as far as this machine can be one: inside the
# sandbox's private mount namespace, the cgroup2 hierarchy (a hybrid host's
# /sys/fs/cgroup/unified) is mounted on /sys/fs/cgroup itself, so that
# pontoon sees a unified hierarchy there and takes its v2 paths: the init
# born in its cgroup2 directory (clone3 CLONE_INTO_CGROUP), the device rules
# as a BPF program only (the v1 devices controller is out of sight, so
# nothing else refuses), and a limit the hierarchy has no controller for
# refused rather than ignored. The hierarchy has no controllers here (they
# are bound to the v1 mounts).

load helpers

setup() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
		[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] ||
			skip "no hybrid cgroup2 hierarchy to stand in for a v2 host"
		mount -t cgroup2 none /sys/fs/cgroup
	fi
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do pontoon rm -f "$id" >/dev/null 2>&1; done
	true
}

@test "cgroup v2: the init is born in the container's cgroup, which goes with it" {
	id=$(pontoon run -d busybox sleep 100000)
	pid=$(pontoon inspect "$id" | jq -r '.[0].State.Pid')
	parent=$(cgroup_parent)
	[ -d "/sys/fs/cgroup/$parent/$id" ] || fail "no /sys/fs/cgroup/$parent/$id"
	grep -qx "0::/$parent/$id" /proc/"$pid"/cgroup || fail "the init is in $(cat /proc/"$pid"/cgroup)"
	grep -qx "$pid" "/sys/fs/cgroup/$parent/$id/cgroup.procs"
	# exec'd processes join it too
	run pontoon exec "$id" cat /proc/self/cgroup
	assert_status 0
	# the container sees its own cgroup as the root (cgroup namespace)
	assert_output_contains "0::/"
	pontoon rm -f "$id"
	[ ! -e "/sys/fs/cgroup/$parent/$id" ] || fail "its cgroup is left"
	# a --rm container's, right after its exit is reported
	short=$(pontoon run --rm busybox hostname)
	wait_until 5 eval '[ -z "$(ls -d /sys/fs/cgroup/"$parent"/"$short"* 2>/dev/null)" ]' ||
		fail "left: $(ls -d /sys/fs/cgroup/"$parent"/"$short"*)"
}

@test "cgroup v2: the device allow-list is the BPF program alone" {
	read -r maj min < <(host_disk) || skip "no block device on this host"
	run pontoon run --rm busybox sh -c "mknod /tmp/disk b $maj $min && echo made && head -c1 /tmp/disk >/dev/null && echo opened"
	echo "$output"
	assert_output_contains made
	[[ "$output" != *opened* ]] || fail "the host's disk $maj:$min was opened"
	run pontoon run --rm busybox sh -c 'echo x >/dev/null && head -c4 /dev/urandom | wc -c'
	assert_status 0
	[ "$output" = 4 ]
	# --privileged: no program, so the same open works
	run pontoon run --rm --privileged busybox sh -c "mknod /tmp/disk b $maj $min && head -c1 /tmp/disk >/dev/null && echo opened"
	assert_output_contains opened
}

@test "cgroup v2: a limit without its controller is refused, and leaves nothing" {
	parent=$(cgroup_parent)
	grep -qw memory /sys/fs/cgroup/cgroup.controllers && skip "this cgroup2 hierarchy has the memory controller"
	run pontoon run --rm --memory 32m busybox true
	assert_status 125
	assert_output_contains "memory"
	[ -z "$(ls "/sys/fs/cgroup/$parent" 2>/dev/null | grep -E '^[0-9a-f]{64}$')" ] ||
		fail "cgroups left: $(ls "/sys/fs/cgroup/$parent")"
	[ -z "$(pontoon ps -aq)" ]
}
