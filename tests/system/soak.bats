#!/usr/bin/env bats
# The soak in a shortened form (bench/soak/run runs the full one): containers
# started and removed 4 at a time on two networks, each with a published
# port reached from another namespace and DNS lookups both ways; every cycle
# must succeed and the leak check (system check, veths, DNAT elements, netd's
# endpoints, cgroups, mounts, shims, processes) must find nothing.

load helpers

@test "soak (short): 24 containers, 4 at a time, 2 networks; no failure, nothing leaked" {
	local soak=${PONTOON_SOURCE_DIR:-$BATS_TEST_DIRNAME/../..}/bench/soak/run
	run "$soak" -n 24 -j 4 -N 2 -t 300
	echo "$output"
	assert_status 0
	assert_output_contains "24 of 24 containers"
	assert_output_contains "24 ok, 0 failed"
	# every line of the leak check says 0
	[ "$(echo "$output" | sed -n '/^leak check/,$p' | tail -n +2 | grep -vcE ' 0$')" -eq 0 ]
	[ "$(echo "$output" | sed -n '/^leak check/,$p' | grep -cE ' 0$')" -eq 9 ]
}
