#!/usr/bin/env bats
# Firewall reloads and bridge limits: netd re-applies table inet pontoon when
# another program wipes or edits it (nftables change events), and refuses an
# attach past a bridge's port limit with a clear error. Namespaces attached
# through netd's socket stand in for containers, as in net.bats.

load helpers

attach() {
	local r
	r=$(netd "{\"version\":1,\"op\":\"attach\",\"container\":\"c-$1\",\"name\":\"$1\",\"netns\":\"/run/netns/$1\",\"network\":\"$2\"${3:+,$3}}")
	echo "$r"
	[ "$(echo "$r" | jq -r .ok)" = true ]
}

ip4() {
	ip -n "$1" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1
}

can_ping() {
	ip netns exec "$1" busybox ping -c1 -W1 "$2" >/dev/null 2>&1
}

# the number of times netd re-applied its table
reapplied() {
	grep -c "re-applied" "$PONTOON_RUN/netd.log" || true
}

# table_complete: our table with its chains and this network's elements
table_complete() {
	local t
	t=$(nft list table inet pontoon 2>/dev/null) || return 1
	[[ "$t" == *"chain forward"* && "$t" == *"chain postrouting"* && "$t" == *masquerade* ]] || return 1
	[[ "$t" == *"$BR_A"* && "$t" == *"192.168.0.0/16"* ]]
}

# an "outside" host with no route back to container subnets: only NAT lets replies return
outside_up() {
	ip netns add outside
	ip link add vout type veth peer name eth0 netns outside
	ip addr add 10.99.0.1/24 dev vout
	ip link set vout up
	ip -n outside addr add 10.99.0.2/24 dev eth0
	ip -n outside link set eth0 up
}

setup() {
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	nft delete table inet pontoon 2>/dev/null || true
	rm -rf "$PONTOON_ROOT" "$PONTOON_RUN"
	mkdir -p "$PONTOON_ROOT" "$PONTOON_RUN"
}

teardown() {
	netd_stop
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(pn-|pnv|pontoon|vout)'); do
		ip link del "$l" 2>/dev/null || true
	done
	nft delete table inet pontoon 2>/dev/null || true
}

@test "nft flush ruleset, delete table, delete element: netd re-applies its table; isolation and masquerade work again" {
	outside_up
	pontoon net create --subnet 192.168.0.0/16 netA
	pontoon net create --subnet 10.50.0.0/24 netB
	BR_A=$(pontoon net inspect netA | jq -r '.[0].Options["com.docker.network.bridge.name"] // .[0].Bridge // empty')
	[ -n "$BR_A" ] || BR_A=$(ip -o addr show | awk '/192.168.0.1\//{print $2}')
	ip netns add a
	ip netns add b
	attach a netA
	attach b netB
	can_ping a 10.99.0.2
	! can_ping b "$(ip4 a)" || false
	table_complete
	# netd's own changes never look like a reload to it
	[ "$(reapplied)" -eq 0 ]

	nft flush ruleset
	wait_until 10 table_complete
	[ "$(reapplied)" -eq 1 ]
	! can_ping b "$(ip4 a)" || false                   # isolation is back
	can_ping a 10.99.0.2                      # and masquerade (no route back without it)
	ip netns exec outside socat -u UDP-RECVFROM:9999 SYSTEM:'echo $SOCAT_PEERADDR >'"$BATS_TEST_TMPDIR/peer" &
	sleep 0.3
	echo hello | ip netns exec a socat - UDP-SENDTO:10.99.0.2:9999
	wait_until 5 test -s "$BATS_TEST_TMPDIR/peer"
	[ "$(cat "$BATS_TEST_TMPDIR/peer")" = 10.99.0.1 ]

	nft delete table inet pontoon
	wait_until 10 table_complete
	[ "$(reapplied)" -eq 2 ]
	! can_ping b "$(ip4 a)" || false

	nft delete element inet pontoon bridges "{ $BR_A }"
	wait_until 10 bash -c "nft list set inet pontoon bridges | grep -q $BR_A"
	[ "$(reapplied)" -eq 3 ]

	# a rule someone adds to our table is taken out again
	rules=$(nft list chain inet pontoon forward | grep -c .)
	nft add rule inet pontoon forward meta mark 0x1234 accept
	wait_until 10 bash -c "! nft list chain inet pontoon forward | grep -q 0x00001234"
	[ "$(nft list chain inet pontoon forward | grep -c .)" -eq "$rules" ]
	! can_ping b "$(ip4 a)" || false

	# other tables are not our business: no re-apply
	n=$(reapplied)
	nft add table inet other
	nft delete table inet other
	sleep 0.5
	[ "$(reapplied)" -eq "$n" ]
	# and netd's own work afterwards still does not trigger one
	pontoon net create --subnet 10.51.0.0/24 netC
	pontoon net rm netC
	sleep 0.5
	[ "$(reapplied)" -eq "$n" ]
}

@test "a bridge takes 1,023 ports: the next attach is refused with a clear error and leaves nothing" {
	pontoon net create --subnet 10.200.0.0/20 big
	br=$(ip -o addr show | awk '/10.200.0.1\//{print $2}')
	# eight namespaces with up to 128 interfaces each (eth0, eth1, ...)
	for k in 0 1 2 3 4 5 6 7; do ip netns add n$k; done
	for i in $(seq 1 1023); do
		echo "{\"version\":1,\"op\":\"attach\",\"container\":\"c-$i\",\"name\":\"c$i\",\"netns\":\"/run/netns/n$((i % 8))\",\"network\":\"big\"}"
	done | while read -r req; do
		netd "$req" | grep -q '"ok":true' || { echo "attach failed: $req" >&2; exit 1; }
	done
	[ "$(ip -o link show master "$br" | wc -l)" -eq 1023 ]
	before=$(ip -o link show | wc -l)
	r=$(netd '{"version":1,"op":"attach","container":"c-1024","name":"c1024","netns":"/run/netns/n0","network":"big"}')
	echo "$r"
	[ "$(echo "$r" | jq -r .ok)" = false ]
	[ "$(echo "$r" | jq -r .errno)" -eq 54 ]     # EXFULL, but in words:
	[[ "$(echo "$r" | jq -r .error)" == "network big is full: its bridge $br has 1023 ports, the most a Linux bridge takes"* ]]
	[ "$(ip -o link show | wc -l)" -eq "$before" ]
	[ "$(pontoon net inspect big | jq '.[0].Containers | length')" -eq 1023 ] ||
		[ "$(grep -c '^+' "$PONTOON_ROOT"/networks/*.endpoints)" -ge 1023 ]
	# a port freed is a port to take
	r=$(netd '{"version":1,"op":"detach","container":"c-7","network":"big"}')
	[ "$(echo "$r" | jq -r .ok)" = true ]
	attach n0 big
}

# the number of elements of a map of ours
map_elems() {
	nft -j list map inet pontoon "$1" | jq '[.nftables[].map.elem // empty | length] | add // 0'
}

@test "netd's own large transaction (40,000 port-map elements) overflows nothing and is not taken for a reload" {
	pontoon net create --ipv6 --subnet 10.60.0.0/16 --subnet fd00:60::/64 big
	ip netns add a
	# a range onto other ports is one element per port and family: 2 x 20,000
	attach a big '"ports":["2000-21999:3000-22999"]'
	[ "$(map_elems ports4any)" -eq 20000 ]
	[ "$(map_elems ports6any)" -eq 20000 ]
	r=$(netd '{"version":1,"op":"detach","container":"c-a","network":"big"}')
	[ "$(echo "$r" | jq -r .ok)" = true ]
	[ "$(map_elems ports4any)" -eq 0 ]
	# the watcher has read whatever was queued once a foreign change is re-applied
	nft delete table inet pontoon
	wait_until 10 bash -c "nft list map inet pontoon ports6any >/dev/null 2>&1"
	cat "$PONTOON_RUN/netd.log"
	! grep -q overflowed "$PONTOON_RUN/netd.log" || false
	[ "$(reapplied)" -eq 1 ]
}

overflows() {
	grep -c "events overflowed" "$PONTOON_RUN/netd.log" || true
}

@test "lost nftables events (queue overflow): netd checks its table once and re-applies it only when it differs" {
	# a small event queue (128 KiB: netd's own small batches fit), and netd
	# stopped while another program commits 5,000 elements (~0.5 MiB of events)
	PONTOON_NFT_EVENTS_RCVBUF=65536 pontoon net create --subnet 10.61.0.0/24 small
	grep -q "receive buffer of 65536 bytes" "$PONTOON_RUN/netd.log" || skip "not a fault-injection build"
	ip netns add a
	attach a small '"ports":["8080:80","9000-9005:9000-9005"]'
	[ "$(map_elems ports4any)" -eq 1 ]
	pid=$(netd_pid)
	printf 'add table inet other\nadd set inet other s { type inet_service; }\nadd element inet other s { %s }\n' \
		"$(seq -s, 1 5000)" >"$BATS_TEST_TMPDIR/other.nft"
	[ "$(overflows)" -eq 0 ]
	kill -STOP "$pid"
	nft -f "$BATS_TEST_TMPDIR/other.nft"
	kill -CONT "$pid"
	wait_until 10 grep -q "table inet pontoon checked: as netd wrote it" "$PONTOON_RUN/netd.log"
	[ "$(overflows)" -eq 1 ]
	[ "$(reapplied)" -eq 0 ]

	# the same, with one of our elements deleted inside that transaction
	printf 'flush set inet other s\nadd element inet other s { %s }\ndelete element inet pontoon masq4 { 10.61.0.0/24 }\n' \
		"$(seq -s, 1 5000)" >"$BATS_TEST_TMPDIR/other2.nft"
	kill -STOP "$pid"
	nft -f "$BATS_TEST_TMPDIR/other2.nft"
	! nft list set inet pontoon masq4 | grep -q 10.61.0.0/24 || false
	kill -CONT "$pid"
	wait_until 10 bash -c "nft list set inet pontoon masq4 | grep -q 10.61.0.0/24"
	grep -q "table inet pontoon differs (set masq4 has" "$PONTOON_RUN/netd.log"
	[ "$(overflows)" -eq 2 ]
	[ "$(reapplied)" -eq 1 ]
	nft delete table inet other
}
