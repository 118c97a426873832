#!/usr/bin/env bats
# Port mapping (-p) through netd: nftables DNAT maps, no proxy. Namespaces
# made with `ip netns add` stand in for containers and are attached through
# netd's socket with "ports"; a namespace "out" on a veth plays another host.

load helpers

ip4() {
	ip -n "$1" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1
}

HOST=10.99.0.1

# snap: links, addresses, the nft table and the state files: what a failed
# attach must leave as it was (link flags and counters, which change on their
# own as carriers come up, are left out).
snap() {
	ip -o link show | awk -F': ' '{print $2}'
	ip -o addr show | awk '$4 !~ /^fe80/ {print $2, $4}'
	{ nft list table inet pontoon 2>/dev/null || true; } | sed -E 's/ # handle [0-9]+//; s/counter packets [0-9]+ bytes [0-9]+//'
	find "$PONTOON_ROOT" -path '*/locks' -prune -o -type f -print | sort
	cat "$PONTOON_ROOT"/networks/*.endpoints 2>/dev/null || true
}

# unchanged BEFORE: snap equals BEFORE (the diff is shown otherwise).
unchanged() {
	local now
	now=$(snap)
	[ "$1" = "$now" ] || { diff <(echo "$1") <(echo "$now") >&2; fail "something changed"; }
}

# The host's "public" address 10.99.0.1 on a veth to namespace "out" (10.99.0.2).
make_outside() {
	ip netns add out
	ip link add vout type veth peer name vin netns out
	ip addr add $HOST/24 dev vout
	ip link set vout up
	ip -n out addr add 10.99.0.2/24 dev vin
	ip -n out link set vin up
	ip -n out link set lo up
}

# serve NS PORT TEXT: busybox httpd in NS answering TEXT on /.
serve() {
	mkdir -p "$BATS_TEST_TMPDIR/www-$1"
	echo "$3" >"$BATS_TEST_TMPDIR/www-$1/index.html"
	ip -n "$1" link set lo up
	ip netns exec "$1" busybox httpd -f -p "$2" -h "$BATS_TEST_TMPDIR/www-$1" &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	wait_until 10 ip netns exec "$1" timeout 5 busybox wget -qO- "http://127.0.0.1:$2/" >/dev/null
}

# get [NS] URL: fetch URL (from namespace NS, else from the host).
get() {
	if [ $# -eq 2 ]; then
		ip netns exec "$1" timeout 5 busybox wget -qO- "$2"
	else
		timeout 5 busybox wget -qO- "$1"
	fi
}

setup() {
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v '^lo$'); do
		ip link del "$l" 2>/dev/null || true
	done
	nft delete table inet pontoon 2>/dev/null || true
	rm -rf "$PONTOON_ROOT" "$PONTOON_RUN"
	mkdir -p "$PONTOON_ROOT" "$PONTOON_RUN"
	: >"$BATS_TEST_TMPDIR/pids"
	make_outside
	pontoon net create --subnet 192.168.50.0/24 mynet
}

teardown() {
	for p in $(cat "$BATS_TEST_TMPDIR/pids" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	netd_stop
	true
}

@test "a TCP port answers from outside, from the host (its address and 127.0.0.1) and from containers" {
	ip netns add web
	run attach web mynet '"ports":["8080:80"]'
	assert_status 0
	[ "$(echo "$output" | jq -c .ports)" = '[{"proto":"tcp","host_ip":"0.0.0.0","host_port":8080,"container_port":80,"count":1}]' ]
	serve web 80 hello-web
	[ "$(get out http://$HOST:8080/)" = hello-web ]
	[ "$(get http://$HOST:8080/)" = hello-web ]
	[ "$(get http://127.0.0.1:8080/)" = hello-web ]
	# hairpin: a container on the same network, and one on another network
	ip netns add peer
	attach peer mynet
	[ "$(get peer http://$HOST:8080/)" = hello-web ]
	pontoon net create --subnet 192.168.60.0/24 other
	ip netns add far
	attach far other
	[ "$(get far http://$HOST:8080/)" = hello-web ]
	# the outside sees the mapping, not the container: its own address is kept
	# (no masquerade for outside traffic), and nothing listens on the host
	! grep -q ':1F90 .* 0A ' /proc/net/tcp || false
	# one element, in the wildcard map; route_localnet on the bridge only
	nft list map inet pontoon ports4any | grep -q "tcp . 8080 : $(ip4 web) . 80"
	br=$(pontoon net inspect mynet | jq -r '.[0].Options["com.docker.network.bridge.name"] // empty')
	[ "$(cat /proc/sys/net/ipv4/conf/all/route_localnet)" = 0 ]
	grep -l 1 /proc/sys/net/ipv4/conf/pn-*/route_localnet | grep -q pn-
}

@test "a mapping bound to one host address answers there only" {
	ip netns add web
	run attach web mynet "\"ports\":[\"$HOST:8081:80\"]"
	assert_status 0
	[ "$(echo "$output" | jq -r '.ports[0].host_ip')" = $HOST ]
	serve web 80 bound
	[ "$(get out http://$HOST:8081/)" = bound ]
	run get http://127.0.0.1:8081/
	[ "$status" -ne 0 ]
	nft list map inet pontoon ports4 | grep -q "$HOST . tcp . 8081 : $(ip4 web) . 80"
}

@test "UDP mapping" {
	ip netns add dns
	attach dns mynet '"ports":["5353:53/udp"]'
	ip netns exec dns socat -u UDP-RECV:53 OPEN:"$BATS_TEST_TMPDIR/got",creat,append &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	sleep 0.3
	echo from-outside | ip netns exec out socat -u - UDP-SENDTO:$HOST:5353
	wait_until 10 grep -q from-outside "$BATS_TEST_TMPDIR/got"
	echo from-host | socat -u - UDP-SENDTO:127.0.0.1:5353
	wait_until 10 grep -q from-host "$BATS_TEST_TMPDIR/got"
	nft list map inet pontoon ports4any | grep -q "udp . 5353 : $(ip4 dns) . 53"
}

@test "random host ports come from the ephemeral range and work" {
	echo "40000 40010" >/proc/sys/net/ipv4/ip_local_port_range
	# a host process listening in the range is skipped (it listens before any
	# connection could take its port as a source port)
	lp=40005
	socat TCP-LISTEN:$lp,reuseaddr,fork /dev/null &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	wait_until 5 grep -q ":$(printf %04X $lp) .* 0A " /proc/net/tcp
	ip netns add web
	run attach web mynet '"ports":["80","127.0.0.1::80","81/udp"]'
	assert_status 0
	p1=$(echo "$output" | jq -r '.ports[0].host_port')
	p2=$(echo "$output" | jq -r '.ports[1].host_port')
	p3=$(echo "$output" | jq -r '.ports[2].host_port')
	for p in $p1 $p2 $p3; do [ "$p" -ge 40000 ] && [ "$p" -le 40010 ]; done
	[ "$p1" != "$p2" ] && [ "$p1" != $lp ] && [ "$p2" != $lp ]
	[ "$(echo "$output" | jq -r '.ports[1].host_ip')" = 127.0.0.1 ]
	serve web 80 random
	[ "$(get out http://$HOST:$p1/)" = random ]
	[ "$(get http://127.0.0.1:$p2/)" = random ]
	ip netns add two
	for i in 1 2 3 4 5 6 7; do
		ip netns add "r$i"
		run attach "r$i" mynet '"ports":["80"]'
		assert_status 0
		p=$(echo "$output" | jq -r '.ports[0].host_port')
		[ "$p" != $lp ] && [ "$p" != "$p1" ] && [ "$p" != "$p2" ]
	done
	# the range is full now (11 ports: p1, p2, the listener's, r1..r7 and one left)
	ip netns add r8
	attach r8 mynet '"ports":["80"]'
	ip netns add r9
	before=$(snap)
	run attach r9 mynet '"ports":["80"]'
	[ "$status" -ne 0 ]
	[[ "$output" == *"no free host port"* ]]
	unchanged "$before"
}

@test "conflicts fail cleanly: a port already mapped, a port a host process listens on" {
	ip netns add a
	ip netns add b
	attach a mynet '"ports":["8080:80"]'
	before=$(snap)
	run attach b mynet '"ports":["8090:90","8080:80"]'
	[ "$status" -ne 0 ]
	[ "$(echo "$output" | jq -r .error)" = "port 8080/tcp is already allocated" ]
	unchanged "$before"
	# a specific address clashes with the wildcard, and the other way round
	run attach b mynet "\"ports\":[\"$HOST:8080:80\"]"
	[ "$(echo "$output" | jq -r .error)" = "port 8080/tcp is already allocated" ]
	# the same port over UDP is another mapping
	attach b mynet '"ports":["8080:80/udp"]'
	detach b mynet
	wait_until 10 sh -c '[ -z "$(ip -n b -o link show dev eth0 2>/dev/null)" ]'
	# a host listener
	socat TCP-LISTEN:9090,reuseaddr,fork /dev/null &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	wait_until 5 grep -q ':2382 .* 0A ' /proc/net/tcp
	before=$(snap)
	run attach b mynet '"ports":["9090:80"]'
	[ "$(echo "$output" | jq -r .error)" = "port 9090/tcp is already allocated" ]
	unchanged "$before"
	# twice in one request
	run attach b mynet '"ports":["7000:80","7000:81"]'
	[ "$(echo "$output" | jq -r .error)" = "port 7000/tcp is already allocated" ]
	unchanged "$before"
	# bad specs and internal networks
	for spec in '"80:"' '"0:80"' '"70000:80"' '"8000-8010:80-81"' '"1.2.3:80:80"' '"80/sctp"' '"::1:80:80"'; do
		run attach b mynet "\"ports\":[$spec]"
		[ "$(echo "$output" | jq -r .ok)" = false ] || fail "accepted $spec"
		[[ "$(echo "$output" | jq -r .error)" == "invalid port spec"* ]]
	done
	pontoon net create --internal --subnet 192.168.70.0/24 closed
	before=$(snap)
	run attach b closed '"ports":["8081:80"]'
	[ "$(echo "$output" | jq -r .error)" = "network closed is internal: it cannot publish ports (-p)" ]
	unchanged "$before"
}

@test "detach removes the mappings; they survive a netd restart; a vanished endpoint loses them" {
	ip netns add web
	attach web mynet '"ports":["8080:80","9000:90/udp"]'
	ip=$(ip4 web)
	serve web 80 again
	pid=$(netd_pid)
	kill -9 "$pid"
	nft delete table inet pontoon
	pontoon net ls >/dev/null # starts netd, which reconciles
	nft list map inet pontoon ports4any | grep -q "tcp . 8080 : $ip . 80"
	[ "$(get out http://$HOST:8080/)" = again ]
	detach web mynet
	! nft list table inet pontoon | grep -q "$ip" || false
	run get out http://$HOST:8080/
	[ "$status" -ne 0 ]
	# an endpoint whose namespace died while netd was away: its ports go at the next start
	ip netns add gone
	attach gone mynet '"ports":["8088:80"]'
	netd_kill
	ip netns del gone
	wait_until 10 sh -c '! ip -o link | grep -q pnv'
	pontoon net ls >/dev/null
	wait_until 10 sh -c '! nft list table inet pontoon | grep -q 8088'
}

@test "packets to 127.0.0.0/8 from outside never reach a mapped port" {
	ip netns add web
	attach web mynet '"ports":["8080:80"]'
	serve web 80 secret
	# "out" sends to 127.0.0.2 through the host: a policy route ahead of its
	# local table, and route_localnet so its kernel lets the packet leave
	ip -n out rule add pref 10 to 127.0.0.2 lookup 100
	ip -n out route add 127.0.0.2/32 via $HOST dev vin table 100
	ip netns exec out sysctl -qw net.ipv4.conf.all.route_localnet=1
	ip netns exec out sysctl -qw net.ipv4.conf.vin.route_localnet=1
	ip -n out rule del pref 0 lookup local
	ip -n out rule add pref 100 lookup local
	count() { nft list chain inet pontoon guard | grep -o 'packets [0-9]*' | awk '{print $2}'; }
	[ "$(count)" = 0 ]
	run ip netns exec out timeout 3 busybox wget -qO- http://127.0.0.2:8080/
	[ "$output" != secret ]
	# the guard dropped them (the SYN and its retries)
	[ "$(count)" -gt 0 ]
}

@test "a port range is one interval element; its ports are kept" {
	ip netns add web
	run attach web mynet '"ports":["8000-8002:8000-8002"]'
	assert_status 0
	[ "$(echo "$output" | jq -c '.ports[0] | [.host_port, .container_port, .count]')" = '[8000,8000,3]' ]
	serve web 8001 ranged
	[ "$(get out http://$HOST:8001/)" = ranged ]
	[ "$(get http://127.0.0.1:8001/)" = ranged ]
	[ "$(nft list map inet pontoon ranges4any | grep -o ' : [0-9]' | wc -l)" = 1 ]
	nft list map inet pontoon ranges4any | grep -q "tcp . 8000-8002 : $(ip4 web)"
	# a single port inside it is taken, and so is a range over it
	ip netns add b
	before=$(snap)
	run attach b mynet '"ports":["8002:80"]'
	[ "$(echo "$output" | jq -r .error)" = "port 8002/tcp is already allocated" ]
	run attach b mynet '"ports":["7990-8000:80-90"]'
	[ "$(echo "$output" | jq -r .error)" = "port 7990/tcp is already allocated" ]
	unchanged "$before"
	detach web mynet
	! nft list map inet pontoon ranges4any | grep -q 8000 || false
}

# serve_many NS PORT...: busybox httpd on each PORT of NS answering "portPORT".
serve_many() {
	local ns=$1 p
	shift
	ip -n "$ns" link set lo up
	for p in "$@"; do
		mkdir -p "$BATS_TEST_TMPDIR/w$p"
		echo "port$p" >"$BATS_TEST_TMPDIR/w$p/index.html"
		ip netns exec "$ns" busybox httpd -f -p "$p" -h "$BATS_TEST_TMPDIR/w$p" &
		echo $! >>"$BATS_TEST_TMPDIR/pids"
	done
	for p in "$@"; do
		wait_until 10 ip netns exec "$ns" timeout 5 busybox wget -qO- "http://127.0.0.1:$p/" >/dev/null
	done
}

@test "a range onto other ports: each host port reaches its own; one element per port" {
	ip netns add web
	run attach web mynet '"ports":["8000-8010:80-90"]'
	assert_status 0
	[ "$(echo "$output" | jq -c '.ports[0] | [.host_port, .container_port, .count]')" = '[8000,80,11]' ]
	serve_many web 80 81 85 89 90 91 79
	# both ends and the middle, from outside and from the host
	for hp in 8000 8001 8005 8009 8010; do
		[ "$(get out http://$HOST:$hp/)" = "port$((hp - 7920))" ] || fail "$hp from outside"
	done
	[ "$(get http://127.0.0.1:8000/)" = port80 ]
	[ "$(get http://$HOST:8010/)" = port90 ]
	# nothing beyond the range
	run get out http://$HOST:8011/
	[ "$status" -ne 0 ]
	run get out http://$HOST:7999/
	[ "$status" -ne 0 ]
	# one element per port (nftables cannot shift a range soundly: see README)
	ip=$(ip4 web)
	[ "$(nft list map inet pontoon ports4any | grep -o "tcp . 80[0-9][0-9] : $ip . [0-9]*" | wc -l)" = 11 ]
	nft list map inet pontoon ports4any | grep -q "tcp . 8005 : $ip . 85"
	! nft list map inet pontoon ranges4any | grep -q "$ip" || false
	# a random block of host ports for a range
	ip netns add r
	run attach r mynet '"ports":["80-82"]'
	assert_status 0
	hp=$(echo "$output" | jq -r '.ports[0].host_port')
	range=$(cat /proc/sys/net/ipv4/ip_local_port_range)
	[ "$hp" -ge "${range%%[[:space:]]*}" ] && [ "$((hp + 2))" -le "${range##*[[:space:]]}" ]
	nft list map inet pontoon ports4any | grep -q "tcp . $((hp + 2)) : $(ip4 r) . 82"
	detach web mynet
	! nft list table inet pontoon | grep -q "$ip " || false
	run get out http://$HOST:8005/
	[ "$status" -ne 0 ]
}

@test "a shifted-range connection whose conntrack tuple is taken is not moved to another port" {
	# out:5555 -> the container's port 85 directly (routed), held open; then
	# out:5555 -> HOST:8005 would need the same reply tuple. A shifted-range DNAT
	# (NF_NAT_RANGE_PROTO_OFFSET) moves it to port 86; one element per port must
	# not: the second connection fails instead, as with Docker.
	ip netns add web
	attach web mynet '"ports":["8000-8010:80-90"]'
	ip=$(ip4 web)
	ip -n out route add 192.168.50.0/24 via $HOST
	ip -n web link set lo up
	for p in 85 86; do
		ip netns exec web socat TCP-LISTEN:$p,reuseaddr,fork SYSTEM:"echo at$p; sleep 20" &
		echo $! >>"$BATS_TEST_TMPDIR/pids"
	done
	wait_until 10 ip netns exec web sh -c 'grep -q ":0056 .* 0A " /proc/net/tcp && grep -q ":0055 .* 0A " /proc/net/tcp'
	ip netns exec out socat -u TCP:$ip:85,sourceport=5555,reuseaddr OPEN:"$BATS_TEST_TMPDIR/direct",creat &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	wait_until 10 grep -q at85 "$BATS_TEST_TMPDIR/direct"
	run ip netns exec out timeout 4 socat -u TCP:$HOST:8005,sourceport=5555,reuseaddr,connect-timeout=3 -
	[[ "$output" != *at86* ]] || fail "the connection was moved to port 86"
	[ "$status" -ne 0 ]
	! grep -q 'sport=5555 dport=8005 .* sport=86 ' /proc/net/nf_conntrack || false
	# another source port gets port 85 as it should
	[ "$(ip netns exec out timeout 4 socat -u TCP:$HOST:8005,connect-timeout=3 - | head -1)" = at85 ]
}

@test "a host address that is not the host's is refused and leaves nothing" {
	ip netns add web
	before=$(snap)
	run attach web mynet '"ports":["10.99.99.99:8080:80"]'
	[ "$(echo "$output" | jq -r .ok)" = false ]
	[ "$(echo "$output" | jq -r .error)" = "port 8080/tcp: host address 10.99.99.99 is not an address of this host: Cannot assign requested address" ]
	run attach web mynet '"ports":["10.99.99.98::80/udp"]'
	[ "$(echo "$output" | jq -r .error)" = "port 80/udp: host address 10.99.99.98 is not an address of this host: Cannot assign requested address" ]
	unchanged "$before"
	# every 127.0.0.0/8 address is the host's, as for bind()
	run attach web mynet '"ports":["127.0.0.2:8080:80"]'
	assert_status 0
	serve web 80 loop2
	[ "$(get http://127.0.0.2:8080/)" = loop2 ]
}

@test "IPv6: a host address, the wildcard and an outside host over IPv6; ::1 is refused" {
	ip addr add 2001:db8:99::1/64 dev vout nodad
	ip -n out addr add 2001:db8:99::2/64 dev vin nodad
	pontoon net create --ipv6 --subnet 192.168.80.0/24 --subnet fd00:80::/64 six
	ip netns add web
	before=$(snap)
	run attach web six '"ports":["[::1]:8080:80"]'
	[ "$(echo "$output" | jq -r .errno)" = 99 ]
	[[ "$(echo "$output" | jq -r .error)" == "port 80/tcp: the host address ::1 cannot be published"* ]]
	run attach web mynet '"ports":["[2001:db8:99::1]:8080:80"]'
	[ "$(echo "$output" | jq -r .error)" = "network mynet has no IPv6 subnet to publish IPv6 host addresses (--ipv6)" ]
	run attach web six '"ports":["[2001:db8:77::1]:8080:80"]'
	[ "$(echo "$output" | jq -r .error)" = "port 8080/tcp: host address 2001:db8:77::1 is not an address of this host: Cannot assign requested address" ]
	unchanged "$before"
	run attach web six '"ports":["8080:80","[2001:db8:99::1]:8081:80","0.0.0.0:8082:80","[::]:8083:80","5300:53/udp"]'
	assert_status 0
	ip6=$(echo "$output" | jq -r .ip6)
	[[ "$ip6" == fd00:80::* ]] || fail "ip6: $output"
	serve web 80 hello6
	# the wildcard answers over both families; 8082 over IPv4 only, 8083 over IPv6 only
	[ "$(get out "http://[2001:db8:99::1]:8080/")" = hello6 ]
	[ "$(get out http://$HOST:8080/)" = hello6 ]
	[ "$(get out "http://[2001:db8:99::1]:8081/")" = hello6 ]
	[ "$(get "http://[2001:db8:99::1]:8081/")" = hello6 ]
	[ "$(get out http://$HOST:8082/)" = hello6 ]
	run get out "http://[2001:db8:99::1]:8082/"
	[ "$status" -ne 0 ]
	[ "$(get out "http://[2001:db8:99::1]:8083/")" = hello6 ]
	# hairpin over IPv6: another container through the host's IPv6 address
	ip netns add peer
	attach peer six
	[ "$(get peer "http://[2001:db8:99::1]:8080/")" = hello6 ]
	run get out http://$HOST:8083/
	[ "$status" -ne 0 ]
	nft list map inet pontoon ports6any | grep -q "tcp . 8080 : $ip6 . 80"
	nft list map inet pontoon ports6 | grep -q "2001:db8:99::1 . tcp . 8081 : $ip6 . 80"
	! nft list map inet pontoon ports6any | grep -q "8082" || false
	! nft list map inet pontoon ports4any | grep -q "8083" || false
	# the families' wildcards are apart: [::]:8082 is free beside 0.0.0.0:8082;
	# an IPv6 address under the dual wildcard 8080 is not
	ip netns add b
	run attach b six '"ports":["[2001:db8:99::1]:8080:80"]'
	[ "$(echo "$output" | jq -r .error)" = "port 8080/tcp is already allocated" ]
	run attach b six '"ports":["[::]:8082:80"]'
	assert_status 0
	nft list map inet pontoon ports6any | grep -q "tcp . 8082 : $(echo "$output" | jq -r .ip6) . 80"
	detach b six
	# UDP over IPv6
	ip netns exec web socat -u UDP6-RECV:53 OPEN:"$BATS_TEST_TMPDIR/got",creat,append &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	sleep 0.3
	echo from-v6 | ip netns exec out socat -u - "UDP6-SENDTO:[2001:db8:99::1]:5300"
	wait_until 10 grep -q from-v6 "$BATS_TEST_TMPDIR/got"
	# a netd restart after a flush puts the IPv6 elements back
	netd_kill
	nft flush ruleset
	pontoon net ls >/dev/null
	nft list map inet pontoon ports6 | grep -q "2001:db8:99::1 . tcp . 8081 : $ip6 . 80"
	[ "$(get out "http://[2001:db8:99::1]:8080/")" = hello6 ]
	detach web six
	! nft list table inet pontoon | grep -q "$ip6" || false
}
