#!/usr/bin/env bats
# The embedded resolver listens on every user network's gateway address; it
# must answer nothing (no reply at all, not even REFUSED) to a source that is
# not a container it serves on that network: a namespace on the bridge with
# an address pontoon did not allocate, the host itself, a container of
# another network asking this network's gateway, and an outside host routed
# to the bridge through the host. Nor is it an open resolver: none of them
# gets a forwarded name, and no such query reaches the host's resolver (a
# dnsmasq stub on 127.0.0.53 inside the sandbox, as in dns.bats).
# Queries are raw DNS messages sent with socat over UDP and TCP; the number
# of bytes that come back is what is checked, with the served containers as
# the control that the same query does get an answer.

load helpers

stub_start() {
	dnsmasq --no-resolv --no-hosts --address=/only.stub/10.9.9.9 --local=/#/ \
		--listen-address=127.0.0.53 --port 53 --bind-interfaces -u root \
		--pid-file="$BATS_TEST_TMPDIR/pid" --log-queries --log-facility="$BATS_TEST_TMPDIR/log"
	wait_until 10 test -s "$BATS_TEST_TMPDIR/pid"
}

# stub_queries NAME: how many queries for NAME reached the stub.
stub_queries() {
	grep -c "query\[.*\] $1 from" "$BATS_TEST_TMPDIR/log" || true
}

setup() {
	printf 'nameserver 127.0.0.53\n' >"$BATS_TEST_TMPDIR/host-resolv.conf"
	mount --bind "$BATS_TEST_TMPDIR/host-resolv.conf" /etc/resolv.conf
	stub_start
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do pontoon rm -f "$id" >/dev/null 2>&1; done
	netd_stop
	[ -s "$BATS_TEST_TMPDIR/pid" ] && kill "$(cat "$BATS_TEST_TMPDIR/pid")" 2>/dev/null
	umount /etc/resolv.conf 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns"; done
	true
}

# qname NAME: NAME in DNS wire format, as printf escapes.
qname() {
	local label out=
	local IFS=.
	for label in $1; do out+=$(printf '\\x%02x%s' "${#label}" "$label"); done
	echo "$out\\x00"
}

# ask [CMD-PREFIX...] -- SERVER NAME udp|tcp [SOCAT-ADDRESS-OPTIONS]: send one
# A query for NAME to SERVER:53 (through CMD-PREFIX, e.g. ip netns exec NS),
# print the number of bytes of the reply (0: none within 2 s).
ask() {
	local pre=()
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	local server=$1 name=$2 proto=$3 opts=${4:+,$4}
	local q
	q="\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00$(qname "$name")\\x00\\x01\\x00\\x01"
	if [ "$proto" = udp ]; then
		printf "$q" | "${pre[@]}" socat -t 2 - "UDP:$server:53$opts" 2>/dev/null | wc -c
	else
		local len=$((12 + ${#name} + 2 + 4))
		printf "$(printf '\\x%02x\\x%02x' $((len >> 8)) $((len & 255)))$q" |
			"${pre[@]}" socat -t 2 - "TCP:$server:53,connect-timeout=2$opts" 2>/dev/null | wc -c
	fi
}

# silent WHO [CMD-PREFIX...] -- SERVER: no reply over UDP or TCP, for a
# container's name, for a forwarded name, and none of it reaches the stub.
silent() {
	local who=$1 n
	shift
	local stub_before
	stub_before=$(stub_queries only.stub)
	for proto in udp tcp; do
		for name in alpha gamma only.stub; do
			n=$(ask "$@" "$name" "$proto")
			[ "$n" -eq 0 ] || fail "$who got $n bytes back for $name over $proto"
		done
	done
	[ "$(stub_queries only.stub)" -eq "$stub_before" ] || fail "$who's query was forwarded to the host's resolver"
}

# bridge NETWORK: its bridge device.
bridge() {
	pontoon net inspect "$1" | jq -r '.[0].Options["bridge.name"]'
}

# in_ctr CONTAINER: a command prefix that runs in the container's network namespace only.
in_ctr() {
	echo nsenter -t "$(pontoon inspect "$1" | jq -r '.[0].State.Pid')" -n
}

@test "the DNS listener answers only the containers it serves" {
	pontoon net create --subnet 10.60.0.0/24 neta
	pontoon net create --subnet 10.61.0.0/24 netb
	pontoon run -d --name alpha --network neta busybox sleep 100000
	pontoon run -d --name gamma --network netb busybox sleep 100000

	# the control: the served containers get answers, over UDP and TCP, with
	# their own names and the forwarded one
	for proto in udp tcp; do
		[ "$(ask $(in_ctr alpha) -- 10.60.0.1 alpha $proto)" -gt 12 ] || fail "alpha: no answer over $proto"
		[ "$(ask $(in_ctr gamma) -- 10.61.0.1 gamma $proto)" -gt 12 ] || fail "gamma: no answer over $proto"
	done
	[ "$(ask $(in_ctr alpha) -- 10.60.0.1 only.stub udp)" -gt 12 ]
	[ "$(stub_queries only.stub)" -eq 1 ]
	pontoon exec alpha nslookup -type=a -timeout=3 alpha | grep -q 'Address: 10.60.0.2'

	# 1. a namespace on neta's bridge with an address pontoon did not allocate
	ip netns add rogue
	ip link add rg0 type veth peer name eth0 netns rogue
	ip link set rg0 master "$(bridge neta)" up
	ip -n rogue addr add 10.60.0.200/24 dev eth0
	ip -n rogue link set eth0 up
	ip -n rogue link set lo up
	ip netns exec rogue busybox ping -c1 -W3 10.60.0.1 >/dev/null # it does reach the gateway
	silent rogue ip netns exec rogue -- 10.60.0.1
	silent rogue ip netns exec rogue -- 10.61.0.1

	# 2. the host itself: from the gateway's own address, from loopback, from another address
	ip addr add 10.99.0.1/32 dev lo
	silent host -- 10.60.0.1
	silent "host from 127.0.0.1" -- 10.60.0.1 bind=127.0.0.1
	for proto in udp tcp; do
		for name in alpha only.stub; do
			[ "$(ask -- 10.60.0.1 $name $proto bind=10.99.0.1)" -eq 0 ] || fail "the host from 10.99.0.1 got an answer over $proto"
			[ "$(ask -- 10.61.0.1 $name $proto bind=10.99.0.1)" -eq 0 ] || fail "the host from 10.99.0.1 got an answer over $proto"
		done
	done

	# 3. a container of another network asking this network's gateway
	silent "gamma (netb) at neta's gateway" $(in_ctr gamma) -- 10.60.0.1
	silent "alpha (neta) at netb's gateway" $(in_ctr alpha) -- 10.61.0.1

	# 4. an outside host routed to the bridges through the host (no spoofing)
	ip netns add outside
	ip link add out0 type veth peer name eth0 netns outside
	ip addr add 192.168.77.1/24 dev out0
	ip link set out0 up
	ip -n outside addr add 192.168.77.2/24 dev eth0
	ip -n outside link set eth0 up
	ip -n outside route add default via 192.168.77.1
	ip netns exec outside busybox ping -c1 -W3 10.60.0.1 >/dev/null # it does reach the gateway
	silent outside ip netns exec outside -- 10.60.0.1
	silent outside ip netns exec outside -- 10.61.0.1

	# and the served containers are still answered
	[ "$(ask $(in_ctr alpha) -- 10.60.0.1 alpha udp)" -gt 12 ]
	[ "$(ask $(in_ctr gamma) -- 10.61.0.1 gamma tcp)" -gt 12 ]
	[ "$(stub_queries only.stub)" -eq 1 ]
}
