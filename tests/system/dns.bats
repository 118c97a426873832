#!/usr/bin/env bats
# The embedded DNS in netd: names of containers on user networks, scoping,
# updates at attach/detach, forwarding to the host's resolvers, --internal.
# Network namespaces stand in for containers, attached through netd's
# socket as the container commands do; busybox nslookup and ping run inside
# them. The host's resolver is a dnsmasq stub on 127.0.0.53 inside the
# sandbox, named by a resolv.conf bind-mounted over /etc/resolv.conf in the
# sandbox's private mount namespace: no query leaves the sandbox.

load helpers

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

ip4() {
	ip -n "$1" -4 -o addr show dev "${2:-eth0}" | awk '{print $4}' | cut -d/ -f1
}

# lookup NS NAME SERVER [TYPE]: busybox nslookup inside NS (one A query by default).
lookup() {
	ip netns exec "$1" busybox nslookup -type="${4:-a}" -timeout=3 "$2" "$3" 2>&1
}

# ctr_lookup CONTAINER NAME [TYPE]: busybox nslookup inside a container, with its own resolv.conf.
ctr_lookup() {
	pontoon exec "$1" nslookup -type="${3:-a}" -timeout=3 "$2" 2>&1
}

ip_of() { # CONTAINER NETWORK
	pontoon inspect "$1" | jq -r ".[0].NetworkSettings.Networks[\"$2\"].IPAddress"
}

# stub_start [DNSMASQ-OPTION...]: its answers have TTL 0 (never cached) unless told.
stub_start() {
	dnsmasq --no-resolv --no-hosts --address=/only.stub/10.9.9.9 --local=/#/ "$@" \
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
	[ ! -S "$PONTOON_RUN/netd.sock" ] || netd_kill
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v '^lo$'); do
		ip link del "$l" 2>/dev/null || true
	done
	nft delete table inet pontoon 2>/dev/null || true
	rm -rf "$PONTOON_ROOT" "$PONTOON_RUN"
	mkdir -p "$PONTOON_ROOT" "$PONTOON_RUN"
	STUB_DIR=$BATS_TEST_TMPDIR
	printf 'nameserver 127.0.0.53\n' >"$STUB_DIR/host-resolv.conf"
	mount --bind "$STUB_DIR/host-resolv.conf" /etc/resolv.conf
	stub_start
	pontoon net create --subnet 10.77.0.0/24 --gateway 10.77.0.1 mynet >/dev/null
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do
		pontoon rm -f "$id" >/dev/null 2>&1
	done
	netd_stop
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
	# over TCP: two length-prefixed queries for "b" (A) on one connection, two answers with b's address
	q='\x00\x13\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01b\x00\x00\x01\x00\x01'
	printf "$q$q" >"$BATS_TEST_TMPDIR/q"
	hex=$(ip netns exec a socat -t 3 - TCP:10.77.0.1:53 <"$BATS_TEST_TMPDIR/q" | od -An -v -tx1 | tr -d ' \n')
	want=$(printf '%02x' $(echo "$bip" | tr . ' '))
	[ "$(grep -o "$want" <<<"$hex" | wc -l)" -eq 2 ] || fail "TCP answers: $hex"
	[[ "$hex" == 00??1234* ]] || fail "TCP answer does not start with its length and the query's id: $hex"
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

@test "the host's resolv.conf is re-read when it changes" {
	attach a mynet
	run lookup a only.mine 10.77.0.1
	assert_output_contains "NXDOMAIN"
	dnsmasq --no-resolv --no-hosts --address=/only.mine/10.8.8.8 --local=/#/ \
		--listen-address=127.0.0.54 --port 53 --bind-interfaces -u root --pid-file="$BATS_TEST_TMPDIR/pid2"
	wait_until 10 test -s "$BATS_TEST_TMPDIR/pid2"
	printf 'nameserver 127.0.0.54\n' >"$STUB_DIR/host-resolv.conf"
	# checked at most once a second
	wait_until 10 sh -c "ip netns exec a busybox nslookup -type=a -timeout=2 only.mine 10.77.0.1 | grep -q 10.8.8.8"
	kill "$(cat "$BATS_TEST_TMPDIR/pid2")"
}

@test "a host resolv.conf that names pontoon's own listener too: outside names still resolve through the others" {
	printf 'nameserver 10.77.0.1\nnameserver 127.0.0.53\n' >"$STUB_DIR/host-resolv.conf"
	attach a mynet
	run lookup a only.stub 10.77.0.1
	assert_status 0
	assert_output_contains "Address: 10.9.9.9"
	run lookup a nothing.example 10.77.0.1
	assert_output_contains "NXDOMAIN"
	[ "$(stub_queries nothing.example)" -eq 1 ]
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
	! ss -lun | grep -q '10.78.0.1:53 ' || false
	! ss -ltn | grep -q '10.78.0.1:53 ' || false
	ss -lun | grep -q '10.77.0.1:53 '
	attach a mynet
	attach b mynet
	run lookup a b 10.77.0.1
	assert_status 0
}

@test "a netd restart rebuilds listeners and records from the endpoints" {
	attach a mynet
	attach b mynet '"hostname":"bhost","aliases":["bee"],"dns":["127.0.0.53"]'
	netd_kill
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

# ---- real containers (pontoon run --network) ----

@test "containers: a resolves b, b.mynet, b's short id and alias with nslookup and ping" {
	pontoon run -d --name b --network mynet --network-alias bee --hostname bhost busybox sleep 300 >/dev/null
	pontoon run -d --name a --network mynet busybox sleep 300 >/dev/null
	b=$(ip_of b mynet)
	short=$(pontoon inspect b | jq -r '.[0].Id' | cut -c1-12)
	# the container's resolv.conf: the gateway, the host's search domains, ndots:0
	run pontoon exec a cat /etc/resolv.conf
	assert_output_contains "nameserver 10.77.0.1"
	assert_output_contains "options ndots:0"
	[ "$(echo "$output" | grep -c nameserver)" -eq 1 ]
	for name in b b.mynet "$short" bee bee.mynet bhost; do
		run ctr_lookup a "$name"
		assert_status 0
		assert_output_contains "Address: $b"
		run pontoon exec a ping -c1 -W3 "$name"
		assert_status 0
		assert_output_contains "$b"
	done
	[ "$(stub_queries b)" -eq 0 ]
	# the host's search domains are kept; with ndots:0 the libc resolver
	# asks the bare name first (busybox nslookup itself would only ask
	# the name with the domain appended)
	printf 'nameserver 127.0.0.53\nsearch example.test\n' >"$STUB_DIR/host-resolv.conf"
	pontoon run -d --name s --network mynet busybox sleep 300 >/dev/null
	run pontoon exec s cat /etc/resolv.conf
	assert_output_contains "search example.test"
	assert_output_contains "options ndots:0"
	run pontoon exec s ping -c1 -W3 bee
	assert_status 0
	assert_output_contains "$b"
	[ "$(stub_queries bee.example.test)" -eq 0 ]
}

@test "containers: one on another network gets NXDOMAIN for b" {
	pontoon net create --subnet 10.78.0.0/24 --gateway 10.78.0.1 othernet >/dev/null
	pontoon run -d --name b --network mynet busybox sleep 300 >/dev/null
	pontoon run -d --name c --network othernet busybox sleep 300 >/dev/null
	run pontoon exec c cat /etc/resolv.conf
	assert_output_contains "nameserver 10.78.0.1"
	run ctr_lookup c b
	assert_status 1
	assert_output_contains "NXDOMAIN"
	run ctr_lookup c b.mynet
	assert_output_contains "NXDOMAIN"
	run pontoon exec c ping -c1 -W2 b
	[ "$status" -ne 0 ]
}

@test "containers: after b leaves mynet, a gets NXDOMAIN at once" {
	pontoon run -d --name a --network mynet busybox sleep 300 >/dev/null
	pontoon run -d --name b --network mynet busybox sleep 300 >/dev/null
	run ctr_lookup a b
	assert_status 0
	pontoon net disconnect mynet b
	run ctr_lookup a b
	assert_status 1
	assert_output_contains "NXDOMAIN"
}

@test "containers: a stopped container's name goes; started again, it comes back" {
	pontoon run -d --name a --network mynet busybox sleep 300 >/dev/null
	pontoon run -d --name b --network mynet --network-alias bee busybox sleep 300 >/dev/null
	run ctr_lookup a bee
	assert_status 0
	pontoon stop -t 1 b >/dev/null
	# netd sees the init end (pidfd) and releases the endpoint
	wait_until 20 sh -c "! pontoon exec a nslookup -type=a -timeout=2 bee >/dev/null 2>&1"
	run ctr_lookup a b
	assert_output_contains "NXDOMAIN"
	pontoon start b >/dev/null
	run ctr_lookup a bee
	assert_status 0
	assert_output_contains "Address: $(ip_of b mynet)"
}

@test "containers: net connect makes the names resolve at once, on that network only" {
	pontoon net create --subnet 10.78.0.0/24 --gateway 10.78.0.1 othernet >/dev/null
	pontoon run -d --name a --network mynet busybox sleep 300 >/dev/null
	pontoon run -d --name c --network othernet busybox sleep 300 >/dev/null
	pontoon run -d --name o --network othernet busybox sleep 300 >/dev/null
	run ctr_lookup a c
	assert_output_contains "NXDOMAIN"
	pontoon net connect --alias sea mynet c
	c=$(ip_of c mynet)
	for name in c sea c.mynet; do
		run ctr_lookup a "$name"
		assert_status 0
		assert_output_contains "Address: $c"
	done
	# c now sees the names of both networks
	run ctr_lookup c a
	assert_status 0
	assert_output_contains "Address: $(ip_of a mynet)"
	run ctr_lookup c o
	assert_status 0
	# the alias belongs to mynet: o (othernet only) does not see it
	run ctr_lookup o sea
	assert_output_contains "NXDOMAIN"
	pontoon net disconnect mynet c
	run ctr_lookup a c
	assert_output_contains "NXDOMAIN"
	run ctr_lookup c a
	assert_output_contains "NXDOMAIN"
}

@test "containers: two with alias web both appear and rotate" {
	pontoon run -d --name a --network mynet busybox sleep 300 >/dev/null
	pontoon run -d --name w1 --network mynet --network-alias web busybox sleep 300 >/dev/null
	pontoon run -d --name w2 --network mynet --network-alias web busybox sleep 300 >/dev/null
	w1=$(ip_of w1 mynet) w2=$(ip_of w2 mynet)
	firsts=""
	for i in 1 2 3 4; do
		run ctr_lookup a web
		assert_status 0
		assert_output_contains "Address: $w1"
		assert_output_contains "Address: $w2"
		firsts+="$(echo "$output" | grep -m1 '^Address: 10\.77' | awk '{print $2}') "
	done
	[[ "$firsts" == *"$w1 "* && "$firsts" == *"$w2 "* ]] || fail "no rotation: $firsts"
}

@test "containers: a container started with -d resolves the moment run returns" {
	pontoon run -d --name a --network mynet busybox sleep 300 >/dev/null
	for i in 1 2 3 4 5; do
		pontoon run -d --name "d$i" --network mynet busybox sleep 300 >/dev/null
		run ctr_lookup a "d$i" # once: no retry, no wait
		assert_status 0
		assert_output_contains "Address: $(ip_of "d$i" mynet)"
	done
}

@test "containers: outside names through the host's resolver, --dns per container, nothing from --internal" {
	pontoon run -d --name a --network mynet busybox sleep 300 >/dev/null
	run ctr_lookup a only.stub
	assert_status 0
	assert_output_contains "Address: 10.9.9.9"
	dnsmasq --no-resolv --no-hosts --address=/only.mine/10.8.8.8 --local=/#/ \
		--listen-address=127.0.0.54 --port 53 --bind-interfaces -u root --pid-file="$BATS_TEST_TMPDIR/pid2"
	wait_until 10 test -s "$BATS_TEST_TMPDIR/pid2"
	pontoon run -d --name m --network mynet --dns 127.0.0.54 busybox sleep 300 >/dev/null
	run pontoon exec m cat /etc/resolv.conf
	assert_output_contains "nameserver 10.77.0.1"
	run ctr_lookup m only.mine
	kill "$(cat "$BATS_TEST_TMPDIR/pid2")"
	assert_status 0
	assert_output_contains "Address: 10.8.8.8"
	# --internal: the stub hears nothing
	pontoon net create --internal --subnet 10.79.0.0/24 --gateway 10.79.0.1 inet >/dev/null
	pontoon run -d --name i1 --network inet busybox sleep 300 >/dev/null
	pontoon run -d --name i2 --network inet busybox sleep 300 >/dev/null
	run ctr_lookup i1 i2
	assert_status 0
	run ctr_lookup i1 only.stub
	assert_output_contains "NXDOMAIN"
	run ctr_lookup i1 zz.example
	assert_output_contains "NXDOMAIN"
	[ "$(stub_queries only.stub)" -eq 1 ]
	[ "$(stub_queries zz.example)" -eq 0 ]
	# the upstream down: SERVFAIL
	stub_stop
	run ctr_lookup a only.stub
	assert_output_contains "SERVFAIL"
}

@test "containers: on the default bridge, with only a loopback resolver on the host, netd forwards" {
	pontoon run -d --name a busybox sleep 300 >/dev/null
	pontoon run -d --name b busybox sleep 300 >/dev/null
	run pontoon exec a cat /etc/resolv.conf
	assert_output_contains "nameserver 172.17.0.1"
	run ctr_lookup a only.stub
	assert_status 0
	assert_output_contains "Address: 10.9.9.9"
	# no names on the default bridge (as Docker): b is asked upstream
	run ctr_lookup a b
	assert_output_contains "NXDOMAIN"
	[ "$(stub_queries b)" -ge 1 ]
}

@test "a stalled API client does not delay answers: the resolver has its own thread" {
	attach a mynet
	attach b mynet
	bip=$(ip4 b)
	# half a request, then silence: netd serves one API client at a time
	# and waits for the rest of it (up to its 5 s I/O timeout)
	(printf '{"version":1,"op":"pi'; sleep 20) | socat -t 20 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock" >/dev/null &
	stall=$!
	# netd has taken the connection: the listening socket's queue is empty
	# and netd's end of it is open
	wait_until 10 sh -c "ss -xH state established src '$PONTOON_RUN/netd.sock' | grep -q ."
	# each lookup must end well inside netd's 5 s wait for the client
	for name in b b.mynet; do
		run timeout 3 ip netns exec a busybox nslookup -type=a -timeout=2 -retry=1 "$name" 10.77.0.1
		assert_status 0
		assert_output_contains "Address: $bip"
	done
	# the answers came while netd was still waiting for the client (it
	# says so when it gives up on it)
	! grep -q "drop a client" "$PONTOON_RUN/netd.log" || fail "netd gave up on the client before the lookups"
	wait_until 15 grep -q "drop a client" "$PONTOON_RUN/netd.log"
	kill "$stall" 2>/dev/null || true
	# and the API serves again, names still resolve
	attach c mynet
	run lookup a c 10.77.0.1
	assert_status 0
	assert_output_contains "Address: $(ip4 c)"
}

@test "outside answers are cached for their TTL, for every container; a new host resolv.conf empties the cache" {
	stub_stop
	stub_start --local-ttl=600
	attach a mynet
	attach b mynet
	for ns in a b a; do
		run lookup "$ns" only.stub 10.77.0.1
		assert_status 0
		assert_output_contains "Address: 10.9.9.9"
	done
	[ "$(stub_queries only.stub)" -eq 1 ] || fail "the stub was asked $(stub_queries only.stub) times"
	# no SOA in the stub's NXDOMAIN: not kept
	for ns in a a; do
		run lookup "$ns" nothing.example 10.77.0.1
		assert_output_contains "NXDOMAIN"
	done
	[ "$(stub_queries nothing.example)" -eq 2 ]
	# the host's resolv.conf written anew (the same resolver): asked anew,
	# once the file is looked at again (at most once a second)
	printf 'nameserver 127.0.0.53\n# rewritten\n' >"$STUB_DIR/host-resolv.conf"
	wait_until 10 sh -c "ip netns exec a busybox nslookup -type=a -timeout=2 only.stub 10.77.0.1 >/dev/null; \
		[ \$(grep -c 'query\\[.*\\] only.stub from' '$STUB_DIR/log') -ge 2 ]"
	run lookup b only.stub 10.77.0.1
	assert_output_contains "Address: 10.9.9.9"
	[ "$(stub_queries only.stub)" -eq 2 ]
}
