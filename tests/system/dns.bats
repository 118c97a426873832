#!/usr/bin/env bats
# The embedded DNS in netd: names of containers on user networks, scoping,
# updates at attach/detach, forwarding to the host's resolvers, --internal.
# Network namespaces stand in for containers, attached through netd's
# socket as the container commands do; busybox nslookup and ping run inside
# them. The host's resolver is a dnsmasq stub on 127.0.0.53 inside the
# sandbox, named by a resolv.conf bind-mounted over /etc/resolv.conf in the
# sandbox's private mount namespace: no query leaves the sandbox.

load helpers

netd() {
	echo "$1" | socat -t 10 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock"
}

# cid NAME: a 64-hex container id derived from the name.
cid() {
	echo -n "$1" | sha256sum | cut -c1-64
}

# attach NS NETWORK [EXTRA-JSON]: a namespace NS (created when missing) joins NETWORK as container NS.
attach() {
	local r
	[ -e "/run/netns/$1" ] || ip netns add "$1"
	r=$(netd "{\"version\":1,\"op\":\"attach\",\"container\":\"$(cid "$1")\",\"name\":\"$1\",\"netns\":\"/run/netns/$1\",\"network\":\"$2\"${3:+,$3}}")
	[ "$(echo "$r" | jq -r .ok)" = true ] || fail "attach $1 $2: $r"
}

detach() {
	local r
	r=$(netd "{\"version\":1,\"op\":\"detach\",\"container\":\"$(cid "$1")\",\"network\":\"$2\"}")
	[ "$(echo "$r" | jq -r .ok)" = true ] || fail "detach: $r"
}

netd_pid() {
	netd '{"version":1,"op":"ping"}' | jq -r .pid
}

ip4() {
	ip -n "$1" -4 -o addr show dev "${2:-eth0}" | awk '{print $4}' | cut -d/ -f1
}

# lookup NS NAME SERVER [TYPE]: busybox nslookup inside NS (one A query by default).
lookup() {
	ip netns exec "$1" busybox nslookup -type="${4:-a}" -timeout=3 "$2" "$3" 2>&1
}

stub_start() {
	dnsmasq --no-resolv --no-hosts --address=/only.stub/10.9.9.9 --local=/#/ \
		--listen-address=127.0.0.53 --port 53 --bind-interfaces -u root \
		--pid-file="$STUB_DIR/pid" --log-queries --log-facility="$STUB_DIR/log"
	wait_until 10 test -s "$STUB_DIR/pid"
}

stub_stop() {
	[ -s "$STUB_DIR/pid" ] && kill "$(cat "$STUB_DIR/pid")" 2>/dev/null
	rm -f "$STUB_DIR/pid"
	true
}

# stub_queries NAME: how many queries for NAME reached the stub.
stub_queries() {
	grep -c "query\[.*\] $1 from" "$STUB_DIR/log" || true
}

setup() {
	if [ -S "$PONTOON_RUN/netd.sock" ]; then
		local pid
		pid=$(netd_pid 2>/dev/null) && kill -9 "$pid" 2>/dev/null
	fi
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v '^lo$'); do
		ip link del "$l" 2>/dev/null || true
	done
	nft delete table inet pontoon 2>/dev/null || true
	rm -rf "$PONTOON_ROOT" "$PONTOON_RUN"
	mkdir -p "$PONTOON_ROOT" "$PONTOON_RUN"
	STUB_DIR=$BATS_TEST_TMPDIR
	printf 'nameserver 127.0.0.53\nsearch example.test\n' >"$STUB_DIR/host-resolv.conf"
	mount --bind "$STUB_DIR/host-resolv.conf" /etc/resolv.conf
	stub_start
	pontoon net create --subnet 10.77.0.0/24 --gateway 10.77.0.1 mynet >/dev/null
}

teardown() {
	if [ -S "$PONTOON_RUN/netd.sock" ]; then
		local pid
		pid=$(netd_pid 2>/dev/null) && kill "$pid" 2>/dev/null
	fi
	stub_stop
	umount /etc/resolv.conf 2>/dev/null
	true
}

@test "a resolves b, b.mynet, b's short id, hostname and alias; ping by name" {
	attach a mynet
	attach b mynet '"hostname":"bhost","aliases":["bee"]'
	bip=$(ip4 b)
	for name in b b.mynet B.MyNet "$(cid b | cut -c1-12)" bhost bee bee.mynet; do
		run lookup a "$name" 10.77.0.1
		assert_status 0
		assert_output_contains "Address: $bip"
	done
	# through the libc resolver, with the resolv.conf a container gets
	printf 'nameserver 10.77.0.1\noptions ndots:0\n' >"$BATS_TEST_TMPDIR/ctr-resolv.conf"
	run ip netns exec a unshare -m sh -c \
		"mount --bind $BATS_TEST_TMPDIR/ctr-resolv.conf /etc/resolv.conf && busybox ping -c1 -W3 b && busybox ping -c1 -W3 bee.mynet"
	assert_status 0
	assert_output_contains "$bip"
	# PTR: the address names b on mynet
	run lookup a "$(echo "$bip" | awk -F. '{print $4"."$3"."$2"."$1}').in-addr.arpa" 10.77.0.1 ptr
	assert_output_contains "b.mynet"
	# names pontoon owns never reach the upstream
	[ "$(stub_queries b)" -eq 0 ]
	[ "$(stub_queries bee)" -eq 0 ]
	# UDP and TCP listeners on the gateway, in the host namespace
	ss -lun | grep -q '10.77.0.1:53 '
	ss -ltn | grep -q '10.77.0.1:53 '
}

@test "a container on another network gets NXDOMAIN for b" {
	pontoon net create --subnet 10.78.0.0/24 --gateway 10.78.0.1 othernet >/dev/null
	attach a mynet
	attach b mynet
	attach c othernet
	run lookup c b 10.78.0.1
	assert_status 1
	assert_output_contains "NXDOMAIN"
	[[ "$output" != *"$(ip4 b)"* ]] || fail "c sees b: $output"
	run lookup c b.mynet 10.78.0.1
	assert_output_contains "NXDOMAIN"
	# c asking mynet's listener is still c: it does not see b there either
	run lookup c b 10.77.0.1
	[[ "$output" != *"Address: $(ip4 b)"* ]] || fail "c sees b through mynet's listener: $output"
	# a container on both networks sees both
	attach d mynet
	attach d othernet
	run lookup d c 10.77.0.1
	assert_status 0
	assert_output_contains "Address: $(ip4 c)"
	run lookup d b 10.78.0.1
	assert_output_contains "Address: $(ip4 b)"
}

@test "after detach, b is NXDOMAIN at once; attach makes it resolve before the reply" {
	attach a mynet
	attach b mynet
	run lookup a b 10.77.0.1
	assert_status 0
	detach b mynet
	run lookup a b 10.77.0.1
	assert_status 1
	assert_output_contains "NXDOMAIN"
	# no polling: the name resolves on the first query after attach replies
	for i in 1 2 3; do
		attach "n$i" mynet
		run lookup a "n$i" 10.77.0.1
		assert_status 0
		assert_output_contains "Address: $(ip4 "n$i")"
	done
}

@test "two containers with alias web: both addresses, rotated" {
	attach a mynet
	attach w1 mynet '"aliases":["web"]'
	attach w2 mynet '"aliases":["web"]'
	w1=$(ip4 w1) w2=$(ip4 w2)
	firsts=""
	for i in 1 2 3 4; do
		run lookup a web 10.77.0.1
		assert_status 0
		assert_output_contains "Address: $w1"
		assert_output_contains "Address: $w2"
		firsts+="$(echo "$output" | grep -m1 '^Address: 10\.' | awk '{print $2}') "
	done
	# round-robin: each address comes first sometimes
	[[ "$firsts" == *"$w1 "* && "$firsts" == *"$w2 "* ]] || fail "no rotation: $firsts"
}

@test "outside names go to the host's resolver; --dns replaces it per container; SERVFAIL when it is down" {
	attach a mynet
	run lookup a only.stub 10.77.0.1
	assert_status 0
	assert_output_contains "Address: 10.9.9.9"
	[ "$(stub_queries only.stub)" -ge 1 ]
	run lookup a nothing.example 10.77.0.1
	assert_output_contains "NXDOMAIN"
	# --dns: a second stub on 127.0.0.54 knows another name; the host's does not
	dnsmasq --no-resolv --no-hosts --address=/only.mine/10.8.8.8 --local=/#/ \
		--listen-address=127.0.0.54 --port 53 --bind-interfaces -u root --pid-file="$BATS_TEST_TMPDIR/pid2"
	wait_until 10 test -s "$BATS_TEST_TMPDIR/pid2"
	attach m mynet '"dns":["127.0.0.54"]'
	run lookup m only.mine 10.77.0.1
	kill "$(cat "$BATS_TEST_TMPDIR/pid2")"
	assert_status 0
	assert_output_contains "Address: 10.8.8.8"
	[ "$(stub_queries only.mine)" -eq 0 ]
	run lookup a only.mine 10.77.0.1
	assert_output_contains "NXDOMAIN"
	# the upstream stopped: SERVFAIL (an unreachable port fails over at once), names still answer
	stub_stop
	run lookup a only.stub 10.77.0.1
	assert_output_contains "SERVFAIL"
	attach b mynet
	run lookup a b 10.77.0.1
	assert_status 0
}

@test "an --internal network forwards nothing: outside names are NXDOMAIN and never reach the stub" {
	pontoon net create --internal --subnet 10.79.0.0/24 --gateway 10.79.0.1 inet >/dev/null
	attach i1 inet
	attach i2 inet
	run lookup i1 i2 10.79.0.1
	assert_status 0
	assert_output_contains "Address: $(ip4 i2)"
	run lookup i1 only.stub 10.79.0.1
	assert_output_contains "NXDOMAIN"
	run lookup i1 i2.example 10.79.0.1
	assert_output_contains "NXDOMAIN"
	[ "$(stub_queries only.stub)" -eq 0 ]
	[ "$(stub_queries i2.example)" -eq 0 ]
}

@test "the default bridge has no names but forwards; nobody else is answered" {
	attach a bridge
	attach b bridge
	run lookup a b 172.17.0.1
	assert_output_contains "NXDOMAIN"   # from the stub: pontoon holds no names here
	[ "$(stub_queries b)" -ge 1 ]
	run lookup a only.stub 172.17.0.1
	assert_output_contains "Address: 10.9.9.9"
	# a namespace that is no container of pontoon's is never answered (not an open resolver)
	ip netns add stranger
	ip link add sx type veth peer name sy netns stranger
	ip link set sx master pontoon0 up
	ip -n stranger addr add 172.17.200.200/16 dev sy
	ip -n stranger link set sy up
	ip netns exec stranger busybox ping -c1 -W3 172.17.0.1 >/dev/null
	run lookup stranger only.stub 172.17.0.1
	[ "$status" -ne 0 ]
	[[ "$output" != *"10.9.9.9"* ]] || fail "a stranger got an answer: $output"
	run busybox nslookup -type=a -timeout=1 only.stub 10.77.0.1
	[[ "$output" != *"10.9.9.9"* ]] || fail "the host got an answer: $output"
	[ "$(stub_queries only.stub)" -eq 1 ]
}

@test "net rm closes the network's listeners; the others stay" {
	pontoon net create --subnet 10.78.0.0/24 --gateway 10.78.0.1 othernet >/dev/null
	ss -lun | grep -q '10.78.0.1:53 '
	pontoon net rm othernet >/dev/null
	! ss -lun | grep -q '10.78.0.1:53 '
	! ss -ltn | grep -q '10.78.0.1:53 '
	ss -lun | grep -q '10.77.0.1:53 '
	attach a mynet
	attach b mynet
	run lookup a b 10.77.0.1
	assert_status 0
}

@test "a netd restart rebuilds listeners and records from the endpoints" {
	attach a mynet
	attach b mynet '"hostname":"bhost","aliases":["bee"],"dns":["127.0.0.53"]'
	kill -9 "$(netd_pid)"
	pontoon net ls >/dev/null # starts netd again
	for name in b bhost bee; do
		run lookup a "$name" 10.77.0.1
		assert_status 0
		assert_output_contains "Address: $(ip4 b)"
	done
	run lookup b only.stub 10.77.0.1
	assert_output_contains "Address: 10.9.9.9"
	detach b mynet
	run lookup a b 10.77.0.1
	assert_output_contains "NXDOMAIN"
}

@test "attach refuses a bad hostname or dns server and leaves nothing" {
	ip netns add a
	before=$(kernel_snapshot)
	for extra in '"hostname":"bad host"' '"hostname":"a/b"' '"dns":["not-an-ip"]' '"dns":[1]'; do
		r=$(netd "{\"version\":1,\"op\":\"attach\",\"container\":\"$(cid a)\",\"name\":\"a\",\"netns\":\"/run/netns/a\",\"network\":\"mynet\",$extra}")
		[ "$(echo "$r" | jq -r .ok)" = false ] || fail "accepted $extra: $r"
	done
	[ "$before" = "$(kernel_snapshot)" ]
}

@test "IPv6 networks: a listener on the IPv6 gateway, AAAA answers" {
	pontoon net create --ipv6 --subnet 10.81.0.0/24 --subnet fd81::/64 v6net >/dev/null
	attach a v6net
	attach b v6net
	ss -lun | grep -q '\[fd81::1\]:53 '
	b6=$(ip -n b -6 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1)
	[ -n "$b6" ]
	run lookup a b 10.81.0.1 aaaa
	assert_status 0
	assert_output_contains "Address: $b6"
	run ip netns exec a busybox nslookup -type=a -timeout=3 b fd81::1
	assert_status 0
	assert_output_contains "Address: $(ip4 b)"
	# mynet has no IPv6: a name that exists answers AAAA with nothing, not NXDOMAIN
	attach c mynet
	attach d mynet
	run lookup c d 10.77.0.1 aaaa
	[[ "$output" != *NXDOMAIN* ]] || fail "AAAA of an existing name is NXDOMAIN: $output"
}

@test "a user network whose gateway port 53 is taken is not created, and leaves nothing" {
	# another program holds 10.82.0.1:53 (freebind: before the address exists)
	socat -u UDP4-RECV:53,bind=10.82.0.1,ip-freebind OPEN:/dev/null &
	holder=$!
	wait_until 10 sh -c "ss -lun | grep -q '10.82.0.1:53 '"
	before=$(kernel_snapshot)
	run pontoon net create --subnet 10.82.0.0/24 --gateway 10.82.0.1 busy
	kill "$holder"
	assert_status 1
	assert_output_contains "embedded DNS cannot listen"
	[ "$before" = "$(kernel_snapshot)" ]
	run pontoon net inspect busy
	assert_status 1
}
