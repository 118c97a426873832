#!/usr/bin/env bats
# pontoon net and netd: bridges, endpoints, isolation, NAT, bad input,
# crashes. Namespaces made with `ip netns add` stand in for containers and are
# attached through netd's socket (socat), as the container commands will.

load helpers

# ip4 NS: the address of eth0 in NS.
ip4() {
	ip -n "$1" -4 -o addr show dev "${2:-eth0}" | awk '{print $4}' | cut -d/ -f1
}

can_ping() {
	ip netns exec "$1" busybox ping -c1 -W1 "$2" >/dev/null 2>&1
}

# Everything back to nothing: no netd, no links but lo, no table, no state.
setup() {
	[ ! -S "$PONTOON_RUN/netd.sock" ] || netd_kill
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v '^lo$'); do
		ip link del "$l" 2>/dev/null || true
	done
	nft delete table inet pontoon 2>/dev/null || true
	rm -rf "$PONTOON_ROOT" "$PONTOON_RUN"
	mkdir -p "$PONTOON_ROOT" "$PONTOON_RUN"
}

teardown() {
	netd_stop
	true
}

@test "net create makes a bridge with the gateway address; ls and inspect show it" {
	run pontoon net create --subnet 192.168.0.0/16 --gateway 192.168.0.1 --label team=blue mynet
	assert_status 0
	id=$output
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	br=pn-${id:0:12}
	ip -o addr show dev "$br" | grep -q 'inet 192.168.0.1/16'
	ip -d link show "$br" | grep -q bridge
	# the default network exists from netd's first start, on pontoon0
	ip -o addr show dev pontoon0 | grep -q 'inet 172.17.0.1/16'
	nft list set inet pontoon bridges | grep -q "\"$br\""
	nft list set inet pontoon masq4 | grep -q 192.168.0.0/16
	[ -f "$PONTOON_ROOT/networks/$id.json" ]

	run pontoon net inspect mynet
	assert_status 0
	[ "$(echo "$output" | jq -r '.[0].Id')" = "$id" ]
	[ "$(echo "$output" | jq -r '.[0].IPAM.Config[0].Subnet')" = 192.168.0.0/16 ]
	[ "$(echo "$output" | jq -r '.[0].IPAM.Config[0].Gateway')" = 192.168.0.1 ]
	[ "$(echo "$output" | jq -r '.[0].Driver')" = bridge ]
	[ "$(echo "$output" | jq -r '.[0].Internal')" = false ]
	[ "$(echo "$output" | jq -r '.[0].Labels.team')" = blue ]
	[ "$(echo "$output" | jq -r '.[0].Options["bridge.name"]')" = "$br" ]
	run pontoon network inspect "${id:0:12}"
	assert_status 0

	run pontoon net ls
	assert_status 0
	[[ "${lines[0]}" == "NETWORK ID"*NAME*DRIVER*SCOPE ]]
	assert_output_contains "${id:0:12}   mynet    bridge    local"
	assert_output_contains "   bridge   bridge    local"
	run pontoon net ls -q
	[ "${#lines[@]}" -eq 2 ]
	run pontoon net ls --format json
	[ "$(echo "$output" | jq -r 'select(.Name=="mynet").ID')" = "$id" ]

	run pontoon net rm mynet
	assert_status 0
	! ip link show "$br" 2>/dev/null || false
	! nft list set inet pontoon bridges | grep -q "$br" || false
	! nft list set inet pontoon masq4 | grep -q 192.168.0.0/16 || false
	[ ! -f "$PONTOON_ROOT/networks/$id.json" ]
}

@test "net create without --subnet skips pools used by networks or the host" {
	ip link add dummyhost type bridge
	ip addr add 172.18.5.1/24 dev dummyhost
	run pontoon net create a
	assert_status 0
	# 172.17 is the default network's, 172.18 overlaps a host address
	[ "$(pontoon net inspect a | jq -r '.[0].IPAM.Config[0].Subnet')" = 172.19.0.0/16 ]
	run pontoon net create -o bridge.name=br-custom -o mtu=1400 -o icc=false b
	assert_status 0
	ip -o link show br-custom | grep -q 'mtu 1400'
	[ "$(pontoon net inspect b | jq -r '.[0].IPAM.Config[0].Subnet')" = 172.20.0.0/16 ]
	[ "$(pontoon net inspect b | jq -r '.[0].Options.icc')" = false ]
	run pontoon net create --ipv6 --subnet fd00:1::/64 --subnet 10.30.0.0/24 --ip-range 10.30.0.128/25 six
	assert_status 0
	ip -o addr show | grep -q 'fd00:1::1/64'
	run pontoon net inspect six
	[ "$(echo "$output" | jq -r '.[0].EnableIPv6')" = true ]
	[ "$(echo "$output" | jq -r '.[0].IPAM.Config[0].IPRange')" = 10.30.0.128/25 ]
	# an element gone behind netd's back: removing the network still leaves the sets clean
	abr=$(pontoon net inspect a | jq -r '.[0].Options["bridge.name"]')
	nft delete element inet pontoon masq4 '{ 172.19.0.0/16 }'
	run pontoon net prune
	assert_status 0
	assert_output_contains "Deleted Networks:"
	[ "$(pontoon net ls -q | wc -l)" -eq 1 ]
	! ip link show br-custom 2>/dev/null || false
	! nft list set inet pontoon bridges | grep -q "$abr" || false
	[ "$(nft -j list set inet pontoon bridges | jq -c '.nftables[1].set.elem')" = '["pontoon0"]' ]
}

@test "two namespaces on one network reach each other and the gateway; detach removes the veth" {
	pontoon net create --subnet 192.168.0.0/16 --gateway 192.168.0.1 mynet
	ip netns add a
	ip netns add b
	run attach a mynet
	assert_status 0
	[ "$(echo "$output" | jq -r .ifname)" = eth0 ]
	[ "$(echo "$output" | jq -r .gateway)" = 192.168.0.1 ]
	[ "$(echo "$output" | jq -r .prefix)" = 16 ]
	ep=$(echo "$output" | jq -r .endpoint)
	attach b mynet '"ip":"192.168.7.7","aliases":["web"],"mac":"02:42:aa:bb:cc:dd"'
	[ "$(ip4 a)" = 192.168.0.2 ]
	[ "$(ip4 b)" = 192.168.7.7 ]
	ip -n b link show eth0 | grep -q 'link/ether 02:42:aa:bb:cc:dd'
	ip -n a link show eth0 | grep -q 'link/ether 02:42:c0:a8:00:02' 
	ip -n a route show default | grep -q 'via 192.168.0.1 dev eth0'
	ip link show "pnv${ep:0:8}" | grep -q "master pn-"
	can_ping a 192.168.7.7
	can_ping b 192.168.0.2
	can_ping a 192.168.0.1
	# inspect lists both
	run pontoon net inspect mynet
	[ "$(echo "$output" | jq -r '.[0].Containers["c-b"].IPv4Address')" = 192.168.7.7/16 ]
	# attaching twice is refused; a second network gives eth1
	run attach a mynet
	assert_status 1
	pontoon net create --subnet 10.9.0.0/24 second
	run attach a second
	assert_status 0
	[ "$(echo "$output" | jq -r .ifname)" = eth1 ]
	detach a second
	detach a mynet
	wait_until 5 bash -c "! ip link show pnv${ep:0:8} 2>/dev/null"
	wait_until 5 bash -c "! ip -n a link show eth0 2>/dev/null"
	! can_ping b 192.168.0.2 || false
	[ "$(pontoon net inspect mynet | jq '.[0].Containers | length')" = 1 ]
}

@test "IPv6: endpoints of an --ipv6 network get both families; IPv4-only links have IPv6 off" {
	pontoon net create --ipv6 --subnet fd00:1::/64 --subnet 10.30.0.0/24 --ip-range 10.30.0.128/25 six
	nft list set inet pontoon masq6 | grep -q 'fd00:1::/64'
	ip netns add a
	ip netns add b
	run attach a six
	assert_status 0
	[ "$(echo "$output" | jq -r .ip6)" = fd00:1::2 ]
	[ "$(echo "$output" | jq -r .gateway6)" = fd00:1::1 ]
	# IPv4 from the --ip-range
	ip=$(echo "$output" | jq -r .ip)
	[[ "$ip" == 10.30.0.* ]] && [ "${ip##*.}" -ge 128 ]
	attach b six
	ip -n a -6 -o addr show dev eth0 | grep -q 'fd00:1::2/64'
	ip -n a -6 route show default | grep -q 'via fd00:1::1'
	ip netns exec a busybox ping -6 -c1 -W2 fd00:1::3 >/dev/null
	ip netns exec a busybox ping -6 -c1 -W2 fd00:1::1 >/dev/null
	[ "$(pontoon net inspect six | jq -r '.[0].Containers["c-b"].IPv6Address')" = fd00:1::3/64 ]
	pontoon net create --subnet 10.31.0.0/24 four
	ip netns add c
	attach c four
	[ "$(ip netns exec c cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)" = 1 ]
	[ "$(ip netns exec a cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)" = 0 ]
	# --ipv6 without an IPv6 subnet: distinct ULA /64s
	pontoon net create --ipv6 u1
	pontoon net create --ipv6 u2
	s1=$(pontoon net inspect u1 | jq -r '.[0].IPAM.Config[1].Subnet')
	s2=$(pontoon net inspect u2 | jq -r '.[0].IPAM.Config[1].Subnet')
	[[ "$s1" == fd*::/64 ]] && [[ "$s2" == fd*::/64 ]] && [ "$s1" != "$s2" ]
}

@test "a namespace on another network cannot reach them (and can once our rules are gone)" {
	pontoon net create --subnet 192.168.0.0/16 netA
	pontoon net create --subnet 10.50.0.0/24 netB
	ip netns add a
	ip netns add b
	attach a netA
	attach b netB
	# routing works: b reaches a's gateway (the host) ...
	can_ping b 192.168.0.1
	# ... but not a itself
	! can_ping b "$(ip4 a)" || false
	! can_ping a "$(ip4 b)" || false
	# the test can fail: without pontoon's forward rules the packets pass
	# (netd stopped first: a running netd puts them back at once, see firewall.bats)
	kill "$(netd_pid)"
	wait_until 5 bash -c "[ ! -S $PONTOON_RUN/netd.sock ]"
	nft flush chain inet pontoon forward
	can_ping b "$(ip4 a)"
	# netd restores them when it starts again
	pontoon net ls >/dev/null
	! can_ping b "$(ip4 a)" || false
}

@test "icc=false: containers of one network cannot talk, but reach the gateway" {
	pontoon net create --subnet 10.60.0.0/24 -o icc=false quiet
	pontoon net create --subnet 10.61.0.0/24 chatty
	for n in a b; do ip netns add $n; attach $n quiet; done
	for n in c d; do ip netns add $n; attach $n chatty; done
	! can_ping a "$(ip4 b)" || false
	can_ping a 10.60.0.1
	can_ping c "$(ip4 d)"
}

@test "--internal: containers talk to each other but nothing leaves the network" {
	# an "outside" host reachable from the host namespace
	ip netns add outside
	ip link add vout type veth peer name eth0 netns outside
	ip addr add 10.99.0.1/24 dev vout
	ip link set vout up
	ip -n outside addr add 10.99.0.2/24 dev eth0
	ip -n outside link set eth0 up
	ip -n outside route add default via 10.99.0.1
	pontoon net create --internal --subnet 10.70.0.0/24 closed
	[ "$(pontoon net inspect closed | jq -r '.[0].Internal')" = true ]
	! nft list set inet pontoon masq4 | grep -q 10.70.0.0 || false
	for n in a b; do ip netns add $n; attach $n closed; done
	can_ping a "$(ip4 b)"
	[ -z "$(ip -n a route show default)" ]
	# even with a route out, the forward chain stops it
	ip -n a route add default via 10.70.0.1
	! can_ping a 10.99.0.2 || false
	# and the outside cannot reach in
	ip -n outside route add 10.70.0.0/24 via 10.99.0.1
	! can_ping outside "$(ip4 a)" || false
}

@test "masquerade: the outside sees the host's address; masquerade=false does not NAT" {
	ip netns add outside
	ip link add vout type veth peer name eth0 netns outside
	ip addr add 10.99.0.1/24 dev vout
	ip link set vout up
	ip -n outside addr add 10.99.0.2/24 dev eth0
	ip -n outside link set eth0 up
	# no route back to the container subnets: only NAT lets replies return
	pontoon net create --subnet 192.168.0.0/16 natted
	pontoon net create --subnet 10.80.0.0/24 -o masquerade=false plain
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	ip netns add a
	ip netns add b
	attach a natted
	attach b plain
	can_ping a 10.99.0.2
	! can_ping b 10.99.0.2 || false
	# the source address the outside sees
	ip netns exec outside socat -u UDP-RECVFROM:9999 SYSTEM:'echo $SOCAT_PEERADDR >'"$BATS_TEST_TMPDIR/peer" &
	sleep 0.3
	echo hello | ip netns exec a socat - UDP-SENDTO:10.99.0.2:9999
	wait_until 5 test -s "$BATS_TEST_TMPDIR/peer"
	[ "$(cat "$BATS_TEST_TMPDIR/peer")" = 10.99.0.1 ]
}

# snapshot: kernel_snapshot without the kernel's own IPv6 DAD progress.
snapshot() {
	kernel_snapshot | sed -E 's/ (tentative|dadfailed)//g'
}

# expect_unchanged COMMAND...: the command fails with one line and changes nothing.
expect_unchanged() {
	local before after
	before=$(snapshot)
	run "$@"
	[ "$status" -eq 1 ] || fail "expected failure of $*, got $status: $output"
	[ "${#lines[@]}" -eq 1 ] || fail "expected one line from $*, got: $output"
	[[ "$output" == "pontoon: "* ]] || fail "expected 'pontoon: ...', got: $output"
	after=$(snapshot)
	[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "$* changed something"; }
}

@test "bad input gives one line and changes nothing" {
	pontoon net create --subnet 192.168.0.0/16 --gateway 192.168.0.1 mynet
	ip netns add a
	attach a mynet
	expect_unchanged pontoon net create --subnet 192.168.5.0/24 overlap
	assert_output_contains "overlaps"
	expect_unchanged pontoon net create --subnet 10.0.0.0/33 badcidr
	expect_unchanged pontoon net create --subnet 10.0.0.5/24 hostbits
	assert_output_contains "10.0.0.0/24"
	expect_unchanged pontoon net create --subnet nonsense bad
	expect_unchanged pontoon net create --subnet 10.1.0.0/24 --gateway 10.2.0.1 gwout
	assert_output_contains "outside the subnet"
	expect_unchanged pontoon net create --subnet 10.3.0.0/24 mynet
	assert_output_contains "already exists"
	expect_unchanged pontoon net create -o mtu=12 badmtu
	expect_unchanged pontoon net create -o nosuch=1 badopt
	expect_unchanged pontoon net create -d macvlan baddriver
	expect_unchanged pontoon net create 'bad name'
	expect_unchanged pontoon net create -o bridge.name=pontoon0 dupbridge
	expect_unchanged pontoon net rm mynet
	assert_output_contains "active endpoints (a)"
	expect_unchanged pontoon net rm nosuchnet
	assert_output_contains "not found"
	expect_unchanged pontoon net rm bridge
	expect_unchanged pontoon net inspect nosuchnet
	# bad requests on the socket: an error reply, nothing changed
	before=$(snapshot)
	for req in 'not json' '{"version":1}' '{"version":2,"op":"ping"}' '{"version":1,"op":"nope"}' \
		'{"version":1,"op":"attach","container":"x","name":"x","netns":"/run/netns/none","network":"mynet"}' \
		'{"version":1,"op":"attach","container":"x","name":"x","netns":"/etc/passwd","network":"mynet"}' \
		'{"version":1,"op":"attach","container":"y","name":"y","netns":"/run/netns/a","network":"nosuch"}' \
		'{"version":1,"op":"attach","container":"z","name":"z","netns":"/run/netns/a","network":"mynet","ip":"10.0.0.1"}' \
		'{"version":1,"op":"detach","container":"q","network":"mynet"}'; do
		r=$(netd "$req")
		[ "$(echo "$r" | jq -r .ok)" = false ] || fail "accepted: $req"
		[ -n "$(echo "$r" | jq -r .error)" ]
	done
	[ "$before" = "$(snapshot)" ]
}

@test "net create with a failure injected at each step leaves nothing" {
	pontoon net ls >/dev/null
	for site in netlink nft state; do
		for n in 1 2 3 4 5 6 7 8; do
			before=$(snapshot)
			netd "{\"version\":1,\"op\":\"debug.fault\",\"spec\":\"$site:$n:EIO\"}" | jq -e .ok >/dev/null
			if pontoon net create --subnet 10.40.0.0/24 faulty 2>"$BATS_TEST_TMPDIR/err"; then
				netd '{"version":1,"op":"debug.fault","spec":""}' >/dev/null
				pontoon net rm faulty
				[ "$before" = "$(snapshot)" ]
				break
			fi
			grep -q "Input/output error" "$BATS_TEST_TMPDIR/err"
			after=$(snapshot)
			[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "$site:$n left something"; }
		done
	done
	# attach too
	pontoon net create --subnet 10.41.0.0/24 n2
	ip netns add a
	# links by name (a bridge's carrier and IPv6 link-local come with its first port)
	objects() {
		ip -o link show | awk '{print $2}'
		ip -n a -o link show | awk '{print $2}'
		ip -n a -o addr show
		nft list table inet pontoon | sed -E 's/ # handle [0-9]+//'
		cat "$PONTOON_ROOT"/networks/*.json
		cat "$PONTOON_ROOT"/networks/*.endpoints 2>/dev/null || true
	}
	for n in 1 2 3 4 5 6; do
		before=$(objects)
		netd "{\"version\":1,\"op\":\"debug.fault\",\"spec\":\"netlink:$n:EIO\"}" >/dev/null
		if attach a n2 >/dev/null; then
			break
		fi
		after=$(objects)
		[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "attach netlink:$n left something"; }
	done
	[[ "$(ip4 a)" == 10.41.0.* ]]
	# the state write of an attach fails: the veth goes again
	ip netns add b
	before=$(objects; ip -n b -o link show | awk '{print $2}')
	netd '{"version":1,"op":"debug.fault","spec":"state:1:EIO"}' >/dev/null
	run attach b n2
	assert_status 1
	after=$(objects; ip -n b -o link show | awk '{print $2}')
	[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "attach state:1 left something"; }
	# and a failed detach keeps the endpoint
	netd '{"version":1,"op":"debug.fault","spec":"state:1:EIO"}' >/dev/null
	run detach a n2
	assert_status 1
	can_ping a 10.41.0.1
	[ "$(pontoon net inspect n2 | jq '.[0].Containers | length')" = 1 ]
}

@test "netd killed with SIGKILL, then restarted: state and kernel agree, nothing leaked" {
	pontoon net create --subnet 192.168.0.0/16 keep
	half=$(pontoon net create --subnet 10.124.0.0/24 half)
	ip netns add a
	ip netns add b
	attach a keep
	attach b keep
	netd_kill
	# while it is down: a namespace dies, and pontoon-looking leftovers appear
	ip netns del b
	ip link add pnvdeadbeef type veth peer name tmp0
	ip link add pn-0123456789ab type bridge
	nft add element inet pontoon bridges '{ "pn-gone" }'
	nft add element inet pontoon masq4 '{ 10.123.0.0/16 }'
	rm -f "$PONTOON_RUN/netd.sock"
	# a network caught half-created (netd writes "creating" first)
	f=$PONTOON_ROOT/networks/$half.json
	jq '.creating = true' "$f" >"$f.new" && mv "$f.new" "$f"

	run pontoon net ls
	assert_status 0
	assert_output_contains keep
	[[ "$output" != *half* ]]
	[ ! -f "$f" ]
	wait_until 5 bash -c "! ip link show pnvdeadbeef 2>/dev/null"
	! ip link show pn-0123456789ab 2>/dev/null || false
	! ip link show "pn-${half:0:12}" 2>/dev/null || false
	! nft list set inet pontoon masq4 | grep -q 10.124.0.0 || false
	! nft list set inet pontoon bridges | grep -q pn-gone || false
	! nft list set inet pontoon masq4 | grep -q 10.123.0.0 || false
	# a survives; b's endpoint was released
	run pontoon net inspect keep
	[ "$(echo "$output" | jq -r '.[0].Containers | keys | join(",")')" = c-a ]
	can_ping a 192.168.0.1
	# every pnv link is an endpoint in the state, and the reverse
	[ "$(ip -o link show | grep -c pnv)" -eq 1 ]
	# bridge, address and elements come back if they vanished
	br=$(pontoon net inspect keep | jq -r '.[0].Options["bridge.name"]')
	netd_kill
	rm -f "$PONTOON_RUN/netd.sock"
	nft delete table inet pontoon
	ip addr flush dev "$br"
	pontoon net ls >/dev/null
	ip -o addr show dev "$br" | grep -q 192.168.0.1/16
	nft list set inet pontoon bridges | grep -q "\"$br\""
	can_ping a 192.168.0.1
	# even the bridge itself: recreated, and a's veth enslaved to it again
	netd_kill
	rm -f "$PONTOON_RUN/netd.sock"
	ip link del "$br"
	touch "$PONTOON_ROOT/networks/$(printf 'e%.0s' {1..64}).endpoints"
	pontoon net ls >/dev/null
	ip -o link show master "$br" | grep -q pnv
	can_ping a 192.168.0.1
	[ ! -e "$PONTOON_ROOT/networks/$(printf 'e%.0s' {1..64}).endpoints" ]
}

@test "networks named like the start of another's id all come back after netd's restart" {
	# sixteen networks named 0..f: every network's id starts with one of
	# those names, whatever order netd reads their files in at its start
	# (a name that was an id prefix of a network read before it was taken
	# for a repeat, and the network ignored)
	for d in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
		pontoon net create --subnet "10.91.$((16#$d)).0/24" "$d" >/dev/null
	done
	names() { pontoon net ls --format json | jq -r .Name | grep -vx bridge | sort | xargs; }
	want=$(names)
	[ "$want" = "0 1 2 3 4 5 6 7 8 9 a b c d e f" ]
	pid=$(netd_pid)
	kill -9 "$pid"
	wait_until 10 bash -c "[ ! -d /proc/$pid ]"
	got=$(names)
	[ "$got" = "$want" ] || fail "after the restart: [$got], before: [$want]"
	grep -q "repeats another" "$PONTOON_RUN/netd.log" && fail "netd ignored a network: $(grep 'repeats another' "$PONTOON_RUN/netd.log")"
	# each name finds its own network, not the one whose id starts with it
	for d in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
		[ "$(pontoon net inspect "$d" | jq -r '.[0].Name')" = "$d" ]
	done
	for d in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do pontoon net rm "$d" >/dev/null; done
}

@test "netd's lock held a moment by a process that is no netd (a netd dying of SIGKILL): the command starts netd once it is free" {
	pontoon net create --subnet 10.92.0.0/24 held
	netd_stop
	# the starter finds the lock taken and no socket: it starts netd again
	# until one gets the lock, instead of waiting for a netd nobody starts
	flock "$PONTOON_RUN/netd.lock" sleep 1 &
	fpid=$!
	wait_until 5 bash -c "flock -n $PONTOON_RUN/netd.lock true; [ \$? -eq 1 ]"
	run timeout 8 "$PONTOON_BIN" net inspect held
	assert_status 0
	[ "$(echo "$output" | jq -r '.[0].Name')" = held ]
	wait "$fpid"
	pontoon net rm held
}

@test "netd: one instance, SIGTERM stops it and networks stay, a clear error when it cannot start" {
	pontoon net create --subnet 10.90.0.0/24 stay
	pid=$(netd_pid)
	run pontoon netd
	assert_status 0
	[ "$(netd_pid)" = "$pid" ]
	[ "$(stat -c %a "$PONTOON_RUN/netd.sock")" = 600 ]
	grep -q "ready on" "$PONTOON_RUN/netd.log"
	kill "$pid"
	wait_until 5 bash -c "[ ! -S $PONTOON_RUN/netd.sock ]"
	ip -o addr show | grep -q 10.90.0.1/24
	run pontoon net ls
	assert_output_contains stay
	[ "$(netd_pid)" != "$pid" ]
	# a state directory netd cannot use
	kill "$(netd_pid)"
	wait_until 5 bash -c "[ ! -S $PONTOON_RUN/netd.sock ]"
	run pontoon --root /proc/version net ls
	assert_status 1
	[ "${#lines[@]}" -eq 1 ]
	assert_output_contains "netd.log"
}
