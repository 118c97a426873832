#!/usr/bin/env bats
# Network options of run, create and net connect beyond the basics of
# netrun.bats: --ip with --ip6 on a dual-stack network, --link's environment
# variables, --add-host with host-gateway and IPv6 addresses.

load helpers
bats_require_minimum_version 1.5.0

teardown() {
	if [ -n "${RESOLV_BOUND:-}" ]; then
		umount /etc/resolv.conf
		RESOLV_BOUND=
	fi
	for id in $(pontoon ps -aq 2>/dev/null); do
		pontoon rm -f "$id" >/dev/null 2>&1
	done
	for n in $(pontoon net ls -q 2>/dev/null); do
		[ "$n" = bridge ] || pontoon net rm "$n" >/dev/null 2>&1 || true
	done
}

net_field() { # CONTAINER NETWORK FIELD
	pontoon inspect "$1" | jq -r ".[0].NetworkSettings.Networks[\"$2\"].$3"
}

# veths_settled: as many pnv* veths as netd has endpoints (the veths of
# released endpoints are deleted in the background)
veths_settled() {
	local eps=0 n
	for n in $(pontoon net ls -q); do
		eps=$((eps + $(pontoon net inspect "$n" | jq '.[0].Containers | length')))
	done
	[ "$(ip -o link show | grep -c pnv)" = "$eps" ]
}

# what a refused attach must leave as it was
snapshot() { # NETWORK
	kernel_snapshot
	pontoon ps -aq
	pontoon net inspect "$1" | jq -c '.[0].Containers'
}

@test "--ip with --ip6 on a dual-stack network: both honoured, kept across a restart" {
	pontoon net create --ipv6 --subnet 192.168.77.0/24 --subnet fd00:77::/64 ds
	pontoon run -d --name a --network ds --ip 192.168.77.10 --ip6 fd00:77::10 busybox sleep 300
	run pontoon exec a ip -o addr show eth0
	assert_output_contains "192.168.77.10/24"
	assert_output_contains "fd00:77::10/64"
	[ "$(net_field a ds IPAddress)" = 192.168.77.10 ]
	[ "$(net_field a ds GlobalIPv6Address)" = fd00:77::10 ]
	[ "$(net_field a ds IPAMConfig.IPv4Address)" = 192.168.77.10 ]
	[ "$(net_field a ds IPAMConfig.IPv6Address)" = fd00:77::10 ]
	# only --ip6: the IPv4 address comes from the pool
	pontoon run -d --name b --network ds --ip6 fd00:77::20 busybox sleep 300
	[ "$(net_field b ds GlobalIPv6Address)" = fd00:77::20 ]
	[[ "$(net_field b ds IPAddress)" == 192.168.77.* ]]
	# only --ip: the IPv6 address comes from the pool
	pontoon run -d --name c --network ds --ip 192.168.77.30 busybox sleep 300
	[ "$(net_field c ds IPAddress)" = 192.168.77.30 ]
	[[ "$(net_field c ds GlobalIPv6Address)" == fd00:77::* ]]
	# both families carry traffic between them
	wait_until 10 pontoon exec b ping -c1 -W1 fd00:77::10
	pontoon exec b ping -c1 -W2 192.168.77.10
	pontoon exec a ping -c1 -W2 192.168.77.30
	[ "$(pontoon net inspect ds | jq -r '.[0].Containers | length')" = 3 ]
	# stop releases both addresses, start takes the same static ones again
	pontoon stop -t 1 a
	[ "$(pontoon net inspect ds | jq -r '.[0].Containers | length')" = 2 ]
	pontoon start a
	run pontoon exec a ip -o addr show eth0
	assert_output_contains "192.168.77.10/24"
	assert_output_contains "fd00:77::10/64"
}

@test "--ip with --ip6: either one outside its subnet, taken or a gateway is refused and leaves nothing" {
	pontoon net create --ipv6 --subnet 192.168.78.0/24 --subnet fd00:78::/64 ds
	pontoon net create --subnet 10.79.0.0/24 four
	pontoon run -d --name a --network ds --ip 192.168.78.10 --ip6 fd00:78::10 busybox sleep 300
	before=$(snapshot ds)
	for pair in "192.168.79.5 fd00:78::5 192.168.79.5" "192.168.78.5 fd00:79::5 fd00:79::5" \
		"192.168.78.10 fd00:78::5 192.168.78.10" "192.168.78.5 fd00:78::10 fd00:78::10" \
		"192.168.78.1 fd00:78::5 192.168.78.1" "192.168.78.5 fd00:78::1 fd00:78::1"; do
		set -- $pair
		run pontoon run -d --network ds --ip "$1" --ip6 "$2" busybox sleep 300
		assert_status 125
		[ "${#lines[@]}" -eq 1 ] || fail "more than one line: $output"
		assert_output_contains "$3"
		after=$(snapshot ds)
		[ "$before" = "$after" ] || fail "--ip $1 --ip6 $2 left: $(diff <(echo "$before") <(echo "$after"))"
	done
	# the IPv4 address of a refused pair went back to the pool: it can be taken now
	pontoon run -d --name b --network ds --ip 192.168.78.5 --ip6 fd00:78::5 busybox sleep 300
	# --ip6 on a network without IPv6
	run pontoon run --rm --network four --ip6 fd00:78::6 busybox true
	assert_status 125
	assert_output_contains "has no IPv6 subnet"
	# the wrong family in either option
	run pontoon run --rm --network ds --ip fd00:78::7 busybox true
	assert_status 125
	run pontoon run --rm --network ds --ip6 192.168.78.7 busybox true
	assert_status 125
	# the default bridge takes no static address, as in Docker
	run pontoon run --rm --ip6 fd00:78::8 busybox true
	assert_status 125
	assert_output_contains "user defined networks"
}

@test "net connect --ip --ip6: live on a running container, at start on a stopped one; refusals leave nothing" {
	pontoon net create --ipv6 --subnet 192.168.80.0/24 --subnet fd00:80::/64 ds
	pontoon net create --subnet 10.81.0.0/24 four
	pontoon run -d --name peer --network ds --ip 192.168.80.2 --ip6 fd00:80::2 busybox sleep 300
	pontoon run -d --name a --network four busybox sleep 300
	pontoon net connect --ip 192.168.80.30 --ip6 fd00:80::30 ds a
	run pontoon exec a ip -o addr show eth1
	assert_output_contains "192.168.80.30/24"
	assert_output_contains "fd00:80::30/64"
	[ "$(net_field a ds IPAMConfig.IPv6Address)" = fd00:80::30 ]
	wait_until 10 pontoon exec a ping -c1 -W1 fd00:80::2
	pontoon exec a ping -c1 -W2 192.168.80.2
	# refused: taken, gateway, outside, wrong family; nothing changes
	pontoon run -d --name b --network four busybox sleep 300
	before=$(snapshot ds; net_field b ds IPAddress)
	for args in "--ip 192.168.80.31 --ip6 fd00:80::30" "--ip 192.168.80.1 --ip6 fd00:80::31" \
		"--ip 192.168.80.31 --ip6 fd00:81::31" "--ip6 192.168.80.31" "--ip fd00:80::31"; do
		run pontoon net connect $args ds b
		[ "$status" -ne 0 ] || fail "net connect $args was accepted"
		after=$(snapshot ds; net_field b ds IPAddress)
		[ "$before" = "$after" ] || fail "net connect $args left: $(diff <(echo "$before") <(echo "$after"))"
	done
	run pontoon exec b ip -o link show eth1
	[ "$status" -ne 0 ]
	# a created container: recorded, applied at its start
	pontoon create --name c --network four busybox sleep 300
	pontoon net connect --ip 192.168.80.40 --ip6 fd00:80::40 ds c
	pontoon start c
	run pontoon exec c ip -o addr show eth1
	assert_output_contains "192.168.80.40/24"
	assert_output_contains "fd00:80::40/64"
}

@test "--link sets Docker's environment variables: ports, name, the linked container's env" {
	pontoon run -d --name web -e FOO=bar -e "SPACED=a b" -p 8080:80 -p 5353:53/udp -p 7000-7002:7000-7002 \
		busybox sleep 300
	ip=$(pontoon inspect web | jq -r '.[0].NetworkSettings.IPAddress')
	[[ $ip == 172.* ]] || fail "web has $ip"
	pontoon run -d --name app --link web:my-db --link web -e MY_DB_ENV_FOO=mine busybox sleep 300
	run pontoon exec app env
	assert_status 0
	env_out=$output
	for want in "MY_DB_NAME=/app/my-db" "MY_DB_PORT=tcp://$ip:80" \
		"MY_DB_PORT_80_TCP=tcp://$ip:80" "MY_DB_PORT_80_TCP_ADDR=$ip" "MY_DB_PORT_80_TCP_PORT=80" \
		"MY_DB_PORT_80_TCP_PROTO=tcp" "MY_DB_PORT_53_UDP=udp://$ip:53" "MY_DB_PORT_53_UDP_PROTO=udp" \
		"MY_DB_PORT_7001_TCP_ADDR=$ip" "MY_DB_PORT_7000_TCP_START=tcp://$ip:7000" \
		"MY_DB_PORT_7000_TCP_PORT_END=7002" "MY_DB_ENV_SPACED=a b" "WEB_NAME=/app/web" \
		"WEB_PORT=tcp://$ip:80" "WEB_ENV_FOO=bar" "MY_DB_ENV_FOO=mine"; do
		grep -qxF "$want" <<<"$env_out" || fail "no $want in: $env_out"
	done
	# HOME and PATH of the linked container are not passed; the own env wins
	! grep -q "_ENV_PATH=\|_ENV_HOME=" <<<"$env_out" || false
	[ "$(grep -c '^MY_DB_ENV_FOO=' <<<"$env_out")" = 1 ]
	# the variables are the start's, not the configuration's (as Docker)
	[ "$(pontoon inspect app | jq '[.[0].Config.Env[] | select(startswith("WEB_"))] | length')" = 0 ]
	# the command itself sees them (exec above gets them as the init did)
	run pontoon run --rm --link web:w busybox sh -c 'echo $W_PORT_80_TCP_ADDR $W_NAME'
	assert_status 0
	[[ $output == "$ip /"*"/w" ]] || fail "got $output"
	# a new start takes the linked container's address of now
	pontoon stop -t 1 app
	pontoon stop -t 1 web
	pontoon run -d --name other busybox sleep 300 # takes web's old address
	pontoon start web
	ip2=$(pontoon inspect web | jq -r '.[0].NetworkSettings.IPAddress')
	[ "$ip2" != "$ip" ]
	pontoon start app
	run pontoon exec app env
	grep -qxF "MY_DB_PORT_80_TCP_ADDR=$ip2" <<<"$output" || fail "after restart: $output"
	# a link to no container: refused at create (as Docker), and run leaves no container behind
	ids=$(pontoon ps -aq | sort)
	run pontoon run -d --link nosuch busybox true
	assert_status 125
	assert_output_contains nosuch
	run pontoon create --link nosuch:x busybox true
	assert_status 125
	assert_output_contains "--link nosuch:x"
	[ "$(pontoon ps -aq | sort)" = "$ids" ]
	# a linked container that does not run: the start fails, nothing is left
	pontoon stop -t 1 app
	pontoon stop -t 1 web
	wait_until 10 veths_settled
	before=$(kernel_snapshot)
	run pontoon start app
	[ "$status" -ne 0 ]
	assert_output_contains "not running"
	[ "$(pontoon inspect app | jq -r '.[0].State.Status')" = exited ]
	[ "$before" = "$(kernel_snapshot)" ] || fail "the failed start left: $(diff <(echo "$before") <(kernel_snapshot))"
}

gateway_of() { # NETWORK [INDEX]
	pontoon net inspect "$1" | jq -r ".[0].IPAM.Config[${2:-0}].Gateway"
}

@test "--add-host: host-gateway is the first network's gateway; IPv6 forms; host and none modes" {
	gw=$(pontoon run --rm busybox true >/dev/null; gateway_of bridge)
	[[ $gw == *.*.*.* ]] || fail "bridge gateway $gw"
	run pontoon run --rm --add-host host.docker.internal:host-gateway busybox \
		sh -c 'grep host.docker.internal /etc/hosts; ping -c1 -W2 host.docker.internal >/dev/null && echo reached'
	assert_status 0
	[ "${lines[0]}" = "$gw	host.docker.internal" ] || fail "got $output"
	[ "${lines[1]}" = reached ]
	# a dual-stack user network: both of its gateways
	pontoon net create --ipv6 --subnet 192.168.82.0/24 --subnet fd00:82::/64 ds
	pontoon run -d --name a --network ds --add-host gw:host-gateway --add-host "v6:[fd00::9]" \
		--add-host w=::2 --add-host x:::3 --add-host y=10.9.9.9 busybox sleep 300
	run pontoon exec a cat /etc/hosts
	for line in "192.168.82.1	gw" "fd00:82::1	gw" "fd00::9	v6" "::2	w" "::3	x" "10.9.9.9	y"; do
		grep -qxF "$line" <<<"$output" || fail "no \"$line\" in: $output"
	done
	# stored as Docker's CLI sends them: NAME:ADDR, no brackets
	[ "$(pontoon inspect a | jq -c '.[0].HostConfig.ExtraHosts')" = \
		'["gw:host-gateway","v6:fd00::9","w:::2","x:::3","y:10.9.9.9"]' ]
	wait_until 10 pontoon exec a ping -c1 -W1 fd00:82::1
	# net connect keeps host-gateway on the first network
	pontoon net connect bridge a
	run pontoon exec a grep -w gw /etc/hosts
	[ "$output" = "$(printf '192.168.82.1\tgw\nfd00:82::1\tgw')" ] || fail "after connect: $output"
	# --network none: the default network's gateway; host: the entries, as Docker, not the host's file
	run pontoon run --rm --network none --add-host gw:host-gateway busybox grep -w gw /etc/hosts
	[ "$output" = "$gw	gw" ] || fail "none: $output"
	run pontoon run --rm --network host --add-host foo:10.1.2.3 busybox grep -w foo /etc/hosts
	[ "$output" = "10.1.2.3	foo" ] || fail "host: $output"
	# with container:NAME the hosts file is that container's: refused, as in Docker
	run pontoon run --rm --network container:a --add-host foo:10.1.2.3 busybox true
	assert_status 125
	assert_output_contains "conflicting options"
	# bad forms are refused before anything is made (once the veths of the
	# --rm runs above, deleted in the background, are gone)
	wait_until 10 veths_settled
	before=$(kernel_snapshot)
	for spec in "h:[::1" "h:host-gw" "h:" ":10.0.0.1" "h=[]" "a b:10.0.0.1"; do
		run pontoon run --rm --add-host "$spec" busybox true
		assert_status 125
		assert_output_contains "--add-host"
	done
	[ "$before" = "$(kernel_snapshot)" ]
}

@test "lab deploy: extra-hosts (host-gateway too) and mgmt-ipv4 with mgmt-ipv6" {
	mkdir -p "$BATS_TEST_TMPDIR/eh"
	cat >"$BATS_TEST_TMPDIR/eh/eh.clab.yml" <<-'EOF2'
	name: eh
	mgmt: {network: eh-mgmt, ipv4-subnet: 172.20.46.0/24, ipv6-subnet: "fd00:46::/64"}
	topology:
	  defaults: {kind: linux, image: busybox, cmd: sleep 1000000, extra-hosts: ["gw:host-gateway"]}
	  nodes:
	    a:
	      mgmt-ipv4: 172.20.46.10
	      mgmt-ipv6: "fd00:46::10"
	      extra-hosts: ["db=10.46.0.5", "v6:[fd00:46::99]"]
	    h:
	      network-mode: host
	      extra-hosts: ["foo:10.1.2.3"]
	EOF2
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/eh/eh.clab.yml"
	assert_status 0
	run pontoon exec eh-a ip -o addr show eth0
	assert_output_contains "172.20.46.10/24"
	assert_output_contains "fd00:46::10/64"
	run pontoon exec eh-a cat /etc/hosts
	for line in "172.20.46.1	gw" "fd00:46::1	gw" "10.46.0.5	db" "fd00:46::99	v6"; do
		grep -qxF "$line" <<<"$output" || fail "no \"$line\" in: $output"
	done
	pontoon exec eh-a ping -c1 -W2 gw >/dev/null
	run pontoon exec eh-h grep -w foo /etc/hosts
	[ "$output" = "10.1.2.3	foo" ] || fail "host-mode node: $output"
	run pontoon lab destroy -t "$BATS_TEST_TMPDIR/eh/eh.clab.yml" --cleanup
	assert_status 0
	# a bad entry is refused with its place in the file, before anything is made
	before=$(settled_snapshot)
	printf 'name: bad\ntopology:\n  nodes:\n    a: {kind: linux, image: busybox, extra-hosts: ["x:1.2.3"]}\n' \
		>"$BATS_TEST_TMPDIR/eh/bad.clab.yml"
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/eh/bad.clab.yml"
	[ "$status" -ne 0 ]
	assert_output_contains "bad.clab.yml:4:"
	assert_output_contains "extra-hosts"
	diff <(echo "$before") <(kernel_snapshot) || fail "the refused deploy changed the above"
}

@test "--network name=NET,ip=,ip6=,alias=,mac-address=: per-network settings, as Docker 25+" {
	pontoon net create --subnet 10.83.0.0/24 n1
	pontoon net create --ipv6 --subnet 192.168.84.0/24 --subnet fd00:84::/64 n2
	pontoon run -d --name a --network name=n1,ip=10.83.0.20,alias=one \
		--network "name=n2, ip=192.168.84.20, IP6=fd00:84::20, alias=two, mac-address=02:00:00:00:84:20" \
		busybox sleep 300
	run pontoon exec a ip -o addr show eth0
	assert_output_contains "10.83.0.20/24"
	run pontoon exec a ip -o addr show eth1
	assert_output_contains "192.168.84.20/24"
	assert_output_contains "fd00:84::20/64"
	[ "$(pontoon exec a cat /sys/class/net/eth1/address)" = 02:00:00:00:84:20 ]
	[ "$(net_field a n2 IPAMConfig.IPv6Address)" = fd00:84::20 ]
	[ "$(net_field a n2 'Aliases | join(",")')" = two ]
	# the aliases are names on their own network only
	pontoon run -d --name b --network n2 busybox sleep 300
	pontoon run -d --name c --network n1 busybox sleep 300
	pontoon exec b nslookup two | grep -q 192.168.84.20
	pontoon exec c nslookup one | grep -q 10.83.0.20
	! pontoon exec c nslookup two || false
	# the plain options and the long form of the first network cannot both say
	run pontoon run --rm --network name=n1,ip=10.83.0.21 --ip 10.83.0.22 busybox true
	assert_status 125
	assert_output_contains "conflicting options"
	# the plain options still go to the first network, the long form to its own
	pontoon run -d --name d --ip 10.83.0.30 --network n1 --network name=n2,ip6=fd00:84::30 busybox sleep 300
	[ "$(net_field d n1 IPAddress)" = 10.83.0.30 ]
	[ "$(net_field d n2 GlobalIPv6Address)" = fd00:84::30 ]
	# refusals before anything is made
	before=$(kernel_snapshot)
	for spec in name=bridge,ip=172.17.0.50 name=bridge,alias=x name=n1,color=red name=n1,ip=fd00::1 \
		ip=10.83.0.5 name=none,ip=10.0.0.1 name=n1,driver-opt=a=b; do
		run pontoon run --rm --network "$spec" busybox true
		assert_status 125
		[ "${#lines[@]}" -eq 1 ] || fail "$spec: $output"
	done
	[ "$before" = "$(kernel_snapshot)" ]
}

@test "--dns options with --network host and none (as Docker); refused with container:" {
	printf 'nameserver 127.0.0.53\nsearch host.example\noptions edns0\n' >"$BATS_TEST_TMPDIR/host-resolv.conf"
	mount --bind "$BATS_TEST_TMPDIR/host-resolv.conf" /etc/resolv.conf
	RESOLV_BOUND=1
	# host: --dns replaces the servers, --dns-search and --dns-option the rest
	run pontoon run --rm --network host --dns 10.9.9.9 --dns-search corp.example busybox cat /etc/resolv.conf
	assert_status 0
	[ "$output" = "$(printf 'nameserver 10.9.9.9\nsearch corp.example\noptions edns0')" ] || fail "host: $output"
	# the host's loopback resolver stays: it is the container's own loopback here
	run pontoon run --rm --network host --dns-option ndots:2 busybox cat /etc/resolv.conf
	[ "$output" = "$(printf 'nameserver 127.0.0.53\nsearch host.example\noptions ndots:2')" ] || fail "host: $output"
	# without them, the host's files as they are
	[ "$(pontoon run --rm --network host busybox cat /etc/resolv.conf)" = "$(cat /etc/resolv.conf)" ]
	[ "$(pontoon run --rm --network host --dns 10.9.9.9 busybox cat /etc/hosts)" = "$(cat /etc/hosts)" ]
	# none: the same
	run pontoon run --rm --network none --dns 10.9.9.8 busybox cat /etc/resolv.conf
	assert_status 0
	assert_output_contains "nameserver 10.9.9.8"
	# container: shares that container's file
	pontoon run -d --name a --network none busybox sleep 300
	run pontoon run --rm --network container:a --dns 10.9.9.7 busybox true
	assert_status 125
	assert_output_contains "conflicting options"
	# and --link has nothing to link on with host, as in Docker
	run pontoon run --rm --network host --link a busybox true
	assert_status 125
}

@test "--expose and -p make Config.ExposedPorts; -P publishes what no -p does; --link names them" {
	pontoon create --name e --expose 7000-7001/udp --expose 9000 -p 8080:80 busybox true
	[ "$(pontoon inspect e | jq -c '.[0].Config.ExposedPorts | keys')" = '["7000/udp","7001/udp","80/tcp","9000/tcp"]' ]
	# -P: 9000 and the UDP pair on random host ports, 80 only on 8080
	pontoon run -d --name p -P --expose 9000 -p 8081:80 busybox sleep 300
	run pontoon port p
	assert_status 0
	[ "$(grep -c '^80/tcp' <<<"$output")" = 1 ] || fail "80 twice: $output"
	grep -q '^80/tcp -> 0.0.0.0:8081$' <<<"$output" || fail "$output"
	grep -q '^9000/tcp -> 0.0.0.0:[0-9]' <<<"$output" || fail "$output"
	hp=$(pontoon inspect p | jq -r '.[0].NetworkSettings.Ports["9000/tcp"][0].HostPort')
	nft list map inet pontoon ports4any | grep -q "tcp . $hp :" || fail "no DNAT for $hp"
	# the link variables name --expose'd ports too
	run pontoon run --rm --link p:px busybox sh -c 'echo $PX_PORT_9000_TCP_PORT'
	[ "$output" = 9000 ]
	# refused: bad specs, and with container: (no ports of its own)
	for spec in 80/sctp 8080:80 0 x-1; do
		run pontoon create --expose "$spec" busybox true
		assert_status 125
		assert_output_contains "--expose"
	done
	run pontoon create --network container:p --expose 80 busybox true
	assert_status 125
}

@test "--ip/--ip6 on a network whose subnet netd picked: refused as Docker, at run, create, the long form and net connect" {
	msg="pontoon: user specified IP address is supported only when connecting to networks with user configured subnets"
	pontoon net create auto
	pontoon net create --ipv6 --subnet 10.91.0.0/24 half # IPv6 from the ULA pool
	sub=$(pontoon net inspect auto | jq -r '.[0].IPAM.Config[0].Subnet')
	ip=${sub%.0/*}.50
	ula=$(pontoon net inspect half | jq -r '.[0].IPAM.Config[] | select(.Subnet | contains(":")) | .Subnet')
	ip6=${ula%/*}50
	pontoon run -d --name a --network half busybox sleep 300
	# settled: the earlier tests' removed containers go in the background
	# (and the bridges' carrier, which follows their last port's deletion)
	view() {
		settled_snapshot | sed -E 's/NO-CARRIER,//; s/ state (UP|DOWN|UNKNOWN)//'
		pontoon ps -aq
		pontoon net inspect auto half | jq -c '.[].Containers'
	}
	before=$(view)
	for args in "--network auto --ip $ip" "--ip $ip --network auto" "--network name=auto,ip=$ip" \
		"--network half --ip6 $ip6" "--network name=half,ip6=$ip6"; do
		for cmd in run create; do
			run pontoon $cmd --name x $args busybox sleep 300
			[ "$status" -eq 125 ] || fail "$cmd $args: status $status: $output"
			[ "$output" = "$msg" ] || fail "$cmd $args: $output"
			after=$(view)
			[ "$before" = "$after" ] || fail "$cmd $args left: $(diff <(echo "$before") <(echo "$after"))"
		done
	done
	# the family whose subnet the user gave still takes a static address
	pontoon run -d --name b --network half --ip 10.91.0.50 busybox sleep 300
	pontoon exec b ip -o -4 addr show eth0 | grep -q '10.91.0.50/24'
	! pontoon exec b ip -o -6 addr show eth0 | grep -q "$ip6/" || false
	# net connect: a running container and a created one; neither is connected
	pontoon create --name c --network half busybox sleep 300
	for ctr in a c; do
		cfg=$(pontoon inspect $ctr | jq -c '.[0].NetworkSettings.Networks | keys')
		run pontoon net connect --ip "$ip" auto $ctr
		[ "$status" -eq 1 ] && [ "$output" = "$msg" ] || fail "connect $ctr: $status: $output"
		[ "$(pontoon inspect $ctr | jq -c '.[0].NetworkSettings.Networks | keys')" = "$cfg" ]
	done
	! pontoon exec a ip link show eth1 2>/dev/null || false
	[ "$(pontoon net inspect auto | jq '.[0].Containers | length')" = 0 ]
	# without a static address the pool's subnet is fine
	pontoon net connect auto a
	pontoon exec a ip -o -4 addr show eth1 | grep -q "inet ${sub%.0/*}\."
}

@test "a network state from before user_subnet4/6 counts as the user's (what worked keeps working); the default network's never" {
	pontoon net create auto
	id=$(pontoon net inspect auto | jq -r '.[0].Id')
	bid=$(pontoon net inspect bridge | jq -r '.[0].Id')
	sub=$(pontoon net inspect auto | jq -r '.[0].IPAM.Config[0].Subnet')
	ip=${sub%.0/*}.60
	f=$PONTOON_ROOT/networks/$id.json
	[ "$(jq .user_subnet4 "$f")" = false ]
	run pontoon run --rm --network auto --ip "$ip" busybox true
	[ "$status" -eq 125 ]
	netd_stop
	for x in "$f" "$PONTOON_ROOT/networks/$bid.json"; do
		jq 'del(.user_subnet4, .user_subnet6)' "$x" >"$x.new" && mv "$x.new" "$x"
	done
	[ "$(pontoon run --rm --network auto --ip "$ip" busybox ip -o -4 addr show eth0 | grep -c "$ip/")" = 1 ]
	# the default network is refused by netd itself, not only by the CLI
	run netd "{\"version\":1,\"op\":\"net.inspect\",\"names\":[\"bridge\"],\"static\":[{\"ip\":\"172.17.0.99\"}]}"
	[ "$(echo "$output" | jq -r .error)" = "user specified IP address is supported on user defined networks only" ]
	run netd "{\"version\":1,\"op\":\"net.inspect\",\"names\":[\"auto\"],\"static\":[{\"ip\":\"$ip\"}]}"
	[ "$(echo "$output" | jq -r .ok)" = true ]
}

@test "net connect --link and run --link on a user-defined network: the alias resolves for that container only, follows its target" {
	pontoon net create --subnet 10.93.0.0/24 la
	pontoon net create --subnet 10.94.0.0/24 lb
	pontoon run -d --name web --network lb --ip 10.94.0.10 busybox sleep 300
	pontoon run -d --name cli --network la busybox sleep 300
	pontoon run -d --name other --network la busybox sleep 300
	pontoon net connect --link web:db --link later lb cli
	pontoon net connect lb other
	pontoon exec cli nslookup db | grep -q 10.94.0.10
	pontoon exec cli nslookup db.lb | grep -q 10.94.0.10
	[ "$(net_field cli lb 'Links | join(",")')" = web:db,later ]
	# the alias is cli's own: other, on the same network, has no such name
	! pontoon exec other nslookup db 2>/dev/null | grep -q 10.94.0.10 || false
	pontoon exec other nslookup web | grep -q 10.94.0.10
	# no environment variables, no /etc/hosts line (those are bridge links')
	! pontoon exec cli grep -qw db /etc/hosts || false
	! pontoon exec cli env | grep -q '^DB_' || false
	# it follows its target: gone from the network, back at another address
	pontoon net disconnect lb web
	! pontoon exec cli nslookup db 2>/dev/null | grep -q 10.94.0.10 || false
	pontoon net connect --ip 10.94.0.77 lb web
	pontoon exec cli nslookup db | grep -q 10.94.0.77
	# a link to a container that does not exist yet (as Docker): it resolves
	# once that container is on the network, by its name
	! pontoon exec cli nslookup later 2>/dev/null | grep -q 10.94.0.88 || false
	pontoon run -d --name later --network lb --ip 10.94.0.88 busybox sleep 300
	pontoon exec cli nslookup later | grep -q 10.94.0.88
	# netd's restart keeps it (the endpoint's state)
	netd_kill
	pontoon net ls >/dev/null
	wait_until 10 sh -c "pontoon exec cli nslookup db | grep -q 10.94.0.77"
	# a created container gets it at its start
	pontoon create --name cs --network la busybox sleep 300
	pontoon net connect --link web:store lb cs
	pontoon start cs
	pontoon exec cs nslookup store | grep -q 10.94.0.77
	# run --link on a user-defined network: the same, on its first network
	pontoon run -d --name rl --network lb --link web:dbx busybox sleep 300
	pontoon exec rl nslookup dbx | grep -q 10.94.0.77
	! pontoon exec rl env | grep -q '^DBX_' || false
	[ "$(net_field rl lb 'Links | join(",")')" = web:dbx ]
	! pontoon exec later nslookup dbx 2>/dev/null | grep -q 10.94.0.77 || false
	# refused: the default network (its links are run --link's), bad specs
	pontoon run -d --name bc busybox sleep 300
	run pontoon net connect --link web:x bridge cli
	[ "$status" -ne 0 ] && [[ "$output" == *"user-defined networks only"* ]] || fail "$output"
	run pontoon net connect --link web:a..b lb bc
	[ "$status" -ne 0 ] && [[ "$output" == *"not a valid alias"* ]] || fail "$output"
	[ "$(pontoon inspect bc | jq -c '.[0].NetworkSettings.Networks | keys')" = '["bridge"]' ]
	# disconnect takes the alias away with the network
	pontoon net disconnect lb cli
	! pontoon exec cli nslookup db 2>/dev/null | grep -q 10.94.0.77 || false
}
