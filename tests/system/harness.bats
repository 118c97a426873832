#!/usr/bin/env bats
# The harness itself: suites run in private namespaces and the host sees nothing.

load helpers

@test "the suite runs in its own network, mount and pid namespaces" {
	[ "$(readlink /proc/self/ns/net)" != "$(readlink "$PONTOON_HOST_NETNS")" ]
	# pid namespace: pid 1 is the sandbox shell, not the host's init
	run cat /proc/1/cmdline
	assert_output_contains sandbox
	# only loopback exists in a fresh network namespace
	run ip -o link show
	[ "${#lines[@]}" -eq 1 ]
	assert_output_contains "lo:"
}

@test "a bridge and an nft table made inside are not visible on the host" {
	ip link add pn-harness type bridge
	ip link show pn-harness
	nft add table inet pontoon
	nft list table inet pontoon
	run nsenter --net="$PONTOON_HOST_NETNS" ip link show pn-harness
	[ "$status" -ne 0 ]
	run nsenter --net="$PONTOON_HOST_NETNS" nft list table inet pontoon
	[ "$status" -ne 0 ]
}

@test "a mount made inside is not visible on the host" {
	mkdir -p "$PONTOON_TEST_TMP/m"
	mount -t tmpfs harness-tmpfs "$PONTOON_TEST_TMP/m"
	grep -q harness-tmpfs /proc/self/mounts
	run nsenter --mount="$PONTOON_HOST_MNTNS" grep -c harness-tmpfs /proc/self/mounts
	[ "$output" = 0 ]
}

@test "pontoon runs with the sandbox's private --root and --run" {
	run pontoon system info --format json
	assert_status 0
	[ "$(echo "$output" | jq -r .Root)" = "$PONTOON_ROOT" ]
	[ "$(echo "$output" | jq -r .Run)" = "$PONTOON_RUN" ]
	[[ "$PONTOON_ROOT" == /tmp/pontoon-test.* ]]
}
