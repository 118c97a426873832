#!/usr/bin/env bats
# pontoon lab deploy/inspect/exec/destroy with the examples in
# topology/examples: real containers, the management network through netd,
# links as veth pairs between the nodes' namespaces, traffic across them.

load helpers

EXAMPLES=$BATS_TEST_DIRNAME/../../topology/examples

setup() {
	pontoon lab destroy --all --cleanup >/dev/null 2>&1 || true
	for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v '^lo$'); do
		ip link del "$l" 2>/dev/null || true
	done
	# netd up (with its default network's bridge) before any snapshot
	pontoon net ls >/dev/null
	# and the busybox image with the runtime's shared files, which stay
	pontoon run --rm --network none busybox true
}

teardown() {
	pontoon lab destroy --all --cleanup >/dev/null 2>&1 || true
	netd_stop
	true
}

# in LAB NODE CMD...: run CMD in the lab's node (by its container name).
on() {
	local lab=$1 node=$2
	shift 2
	pontoon exec "$lab-$node" "$@"
}

# pid of a lab node's container (pontoon inspect).
node_pid() {
	pontoon inspect "$1" | jq -r '.[0].State.Pid'
}

# kernel_snapshot without netd's default bridge, whose carrier and link-local
# address settle on their own time (the labs never use it)
snapshot() {
	kernel_snapshot | grep -v pontoon0
}

# sysfs LAB NODE FILE: /sys/class/net/FILE inside the node (its own sysfs).
sysfs() {
	pontoon exec "$1-$2" cat "/sys/class/net/$3"
}

# link_ok LAB A IFA B IFB: A's IFA and B's IFB are the two ends of one veth pair.
link_ok() {
	local ia ib
	ia=$(sysfs "$1" "$2" "$3/iflink") || return 1
	ib=$(sysfs "$1" "$4" "$5/ifindex") || return 1
	[ "$ia" = "$ib" ] || { echo "$2:$3 peer index $ia, $4:$5 index $ib"; return 1; }
	ia=$(sysfs "$1" "$2" "$3/ifindex")
	ib=$(sysfs "$1" "$4" "$5/iflink")
	[ "$ia" = "$ib" ]
}

no_lab_objects() {
	[ "$(pontoon ps -a -q | wc -l)" -eq 0 ] || { pontoon ps -a; return 1; }
	! ip -o link show | grep -vE ': (lo|pontoon0):' || return 1
	[ ! -e "$PONTOON_ROOT/labs/$1" ] || return 1
	! pontoon net ls | grep -q "$2" || return 1
}

@test "line: deploy, every node runs, links are pairs, traffic crosses every link and the routers" {
	before=$(snapshot)
	run pontoon lab deploy -t "$EXAMPLES/line.clab.yml"
	assert_status 0
	for n in r1 r2 r3 r4; do
		[ "$(pontoon inspect line-$n | jq -r '.[0].State.Status')" = running ]
	done
	[ "$(on line r3 hostname)" = r3 ]
	link_ok line r1 eth1 r2 eth1
	link_ok line r2 eth2 r3 eth1
	link_ok line r3 eth2 r4 eth1
	# MTU: the default 9500
	[ "$(sysfs line r1 eth1/mtu)" = 9500 ]
	# every link, then across the routers (r2 and r3 forward: sysctl worked)
	on line r1 ping -c1 -W2 10.0.12.2
	on line r2 ping -c1 -W2 10.0.23.3
	on line r3 ping -c1 -W2 10.0.34.4
	on line r1 ping -c1 -W2 10.0.34.4
	# the management network: eth0 at the file's address, reachable from the host
	run on line r2 ip -4 -o addr show dev eth0
	assert_output_contains 172.20.31.12/24
	busybox ping -c1 -W2 172.20.31.14
	on line r1 ping -c1 -W2 172.20.31.13
	# nodes resolve each other by node name and container name (netd's DNS on the management network)
	[ "$(on line r1 ping -4 -c1 -W2 r4 | head -1 | grep -oE '172\.20\.31\.14')" = 172.20.31.14 ]
	[ "$(on line r4 ping -4 -c1 -W2 line-r2 | head -1 | grep -oE '172\.20\.31\.12')" = 172.20.31.12 ]

	run pontoon lab inspect -t "$EXAMPLES/line.clab.yml" --format json
	assert_status 0
	[ "$(echo "$output" | jq -r '.line | length')" = 4 ]
	[ "$(echo "$output" | jq -r '.line[] | select(.node=="r3") | .ipv4_address')" = 172.20.31.13/24 ]
	[ "$(echo "$output" | jq -r '.line[] | select(.node=="r3") | .state')" = running ]
	run pontoon lab inspect -t "$EXAMPLES/line.clab.yml"
	assert_output_contains line-r4
	assert_output_contains 172.20.31.14/24

	run pontoon lab exec -t "$EXAMPLES/line.clab.yml" --node r4 ip -o addr show dev eth1
	assert_status 0
	assert_output_contains 10.0.34.4/24
	run pontoon lab exec -t "$EXAMPLES/line.clab.yml" --cmd "cat /proc/sys/net/ipv4/ip_forward"
	assert_output_contains "--- r3 ---"
	# r2 and r3 forward (their exec); r1 and r4 keep what a new namespace
	# gets (the host's setting: 1 where Docker or netd runs on it)
	fwd=$(echo "$output" | awk '/^--- r[1-4] ---$/ { n = $2; next } n { print n "=" $1; n = "" }' | sort | xargs)
	base=$(unshare --net cat /proc/sys/net/ipv4/ip_forward)
	[ "$fwd" = "r1=$base r2=1 r3=1 r4=$base" ] || fail "ip_forward: $fwd (host: $base)"

	# deployed already: refused; --reconfigure redeploys
	run pontoon lab deploy -t "$EXAMPLES/line.clab.yml"
	assert_status 1
	assert_output_contains "deployed already"
	run pontoon lab deploy -t "$EXAMPLES/line.clab.yml" --reconfigure
	assert_status 0
	on line r1 ping -c1 -W2 10.0.34.4

	run pontoon lab graph -t "$EXAMPLES/line.clab.yml"
	assert_status 0
	assert_output_contains 'graph "line" {'

	run pontoon lab destroy -t "$EXAMPLES/line.clab.yml" --cleanup
	assert_status 0
	wait_until 10 no_lab_objects line line-mgmt
	[ "$(snapshot)" = "$before" ] || diff <(echo "$before") <(snapshot)
}

@test "star: links end on the host bridge; the hosts reach each other through it" {
	run pontoon lab deploy -t "$EXAMPLES/star.clab.yml"
	assert_status 1
	assert_output_contains "br-star"
	[ "$(pontoon ps -a -q | wc -l)" -eq 0 ]

	ip link add br-star type bridge
	ip link set br-star up
	run pontoon lab deploy -t "$EXAMPLES/star.clab.yml"
	assert_status 0
	for h in 1 2 3 4; do
		ip -o link show star-h$h | grep -q "master br-star"
		[ "$(ip -o link show star-h$h | cut -d: -f1)" = "$(sysfs star h$h eth1/iflink)" ]
	done
	on star h1 ping -c1 -W2 192.168.50.12
	on star h4 ping -c1 -W2 192.168.50.13
	# the default management network (clab, 172.20.20.0/24)
	run pontoon lab inspect -t "$EXAMPLES/star.clab.yml" --format json
	[ "$(echo "$output" | jq -r '.star[0].ipv4_address')" != N/A ]
	pontoon net inspect clab | jq -e '.[0].IPAM.Config[0].Subnet == "172.20.20.0/24"' ||
		pontoon net inspect clab | grep -q 172.20.20.0/24

	run pontoon lab destroy -t "$EXAMPLES/star.clab.yml" --cleanup
	assert_status 0
	wait_until 10 bash -c '! ip -o link show | grep -q star-h'
	ip link show br-star
	! pontoon net ls | grep -q clab || false
	[ ! -e "$PONTOON_ROOT/labs/star" ]
	ip link del br-star
}

@test "clos: every leaf reaches every other leaf's loopback through spine1; destroy leaves nothing" {
	before=$(snapshot)
	run pontoon lab deploy -t "$EXAMPLES/clos.clab.yml"
	assert_status 0
	for l in 1 2 3 4; do
		link_ok clos spine1 eth$l leaf$l eth1
		link_ok clos spine2 eth$l leaf$l eth2
	done
	[ "$(sysfs clos spine2 eth4/mtu)" = 1500 ]
	for l in 1 2 3 4; do
		on clos spine1 ping -c1 -W2 10.1.$l.1
		on clos spine2 ping -c1 -W2 10.2.$l.1
	done
	on clos leaf1 ping -c1 -W2 10.0.0.4
	on clos leaf3 ping -c1 -W2 10.0.0.2
	# a second lab beside it, with its own management network
	run pontoon lab deploy -t "$EXAMPLES/line.clab.yml"
	assert_status 0
	on line r1 ping -c1 -W2 10.0.34.4
	on clos leaf2 ping -c1 -W2 10.0.0.3
	pontoon lab destroy -t "$EXAMPLES/line.clab.yml" --cleanup
	run pontoon lab destroy -t "$EXAMPLES/clos.clab.yml" --cleanup
	assert_status 0
	wait_until 10 no_lab_objects clos clos-mgmt
	[ "$(snapshot)" = "$before" ] || diff <(echo "$before") <(snapshot)
}

@test "a failed deploy (bad image, then a failing exec) names the node and undoes everything" {
	before=$(snapshot)
	mkdir -p "$BATS_TEST_TMPDIR/bad"
	cat >"$BATS_TEST_TMPDIR/bad/bad.clab.yml" <<-'EOF'
	name: bad
	topology:
	  defaults: {kind: linux, image: busybox, cmd: sleep 1000000}
	  nodes:
	    a: {}
	    b: {}
	    c: {image: no-such-image}
	  links:
	    - endpoints: ["a:eth1", "b:eth1"]
	EOF
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/bad/bad.clab.yml"
	assert_status 1
	assert_output_contains "no-such-image"
	wait_until 10 no_lab_objects bad clab
	[ "$(snapshot)" = "$before" ] || diff <(echo "$before") <(snapshot)

	cat >"$BATS_TEST_TMPDIR/bad/bad.clab.yml" <<-'EOF'
	name: bad
	topology:
	  defaults: {kind: linux, image: busybox, cmd: sleep 1000000}
	  nodes:
	    a: {exec: ["ip addr add 10.9.9.1/24 dev eth1"]}
	    b: {exec: ["ip addr add 10.9.9.2/24 dev eth7"]}
	  links:
	    - endpoints: ["a:eth1", "b:eth1"]
	EOF
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/bad/bad.clab.yml"
	assert_status 1
	assert_output_contains "node b"
	assert_output_contains "eth7"
	wait_until 10 no_lab_objects bad clab
	[ "$(snapshot)" = "$before" ] || diff <(echo "$before") <(snapshot)
}

@test "lab commands: usage errors, a lab that is not deployed" {
	run pontoon lab deploy
	assert_status 1
	assert_output_contains "-t FILE"
	run pontoon lab destroy -t "$EXAMPLES/line.clab.yml" --all
	assert_status 1
	run pontoon lab inspect -t "$EXAMPLES/line.clab.yml"
	assert_status 1
	assert_output_contains "not deployed"
	run pontoon lab destroy -t "$EXAMPLES/line.clab.yml"
	assert_status 0
	run pontoon lab exec -t "$EXAMPLES/line.clab.yml"
	assert_status 1
}

@test "a link that cannot be made names the link and undoes everything" {
	before=$(snapshot)
	ip link add br-x type bridge
	mkdir -p "$BATS_TEST_TMPDIR/l"
	# the bridge side is named like netd's bridge, which exists on the host
	cat >"$BATS_TEST_TMPDIR/l/l.clab.yml" <<-'EOF2'
	name: l
	topology:
	  defaults: {kind: linux, image: busybox, cmd: sleep 1000000}
	  nodes:
	    br-x: {kind: bridge}
	    a: {}
	    b: {}
	  links:
	    - endpoints: ["a:eth1", "b:eth1"]
	    - endpoints: ["b:eth2", "br-x:pontoon0"]
	EOF2
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/l/l.clab.yml"
	assert_status 1
	assert_output_contains "link b:eth2 -- br-x:pontoon0"
	ip link del br-x
	wait_until 10 no_lab_objects l clab
	[ "$(snapshot)" = "$before" ] || diff <(echo "$before") <(snapshot)
}

@test "node options: network-mode container:NODE, startup-delay, env, binds, cmd with quotes" {
	mkdir -p "$BATS_TEST_TMPDIR/o/data"
	echo hello >"$BATS_TEST_TMPDIR/o/data/greeting"
	cat >"$BATS_TEST_TMPDIR/o/o.clab.yml" <<-'EOF2'
	name: o
	mgmt: {network: o-mgmt, ipv4-subnet: 172.20.44.0/24}
	topology:
	  defaults: {kind: linux, image: busybox}
	  nodes:
	    a:
	      cmd: sh -c 'echo "started $GREETING" > /tmp/log; exec sleep 1000000'
	      env: {GREETING: "hi there"}
	      binds: ["data:/data:ro"]
	      mgmt-ipv4: 172.20.44.10
	    b:
	      network-mode: container:a
	      cmd: sleep 1000000
	      startup-delay: 1
	    c:
	      network-mode: none
	      cmd: sleep 1000000
	      exec: ["ip addr add 10.44.0.2/24 dev eth1"]
	  links:
	    - endpoints: ["a:eth1", "c:eth1"]
	      mtu: 1400
	EOF2
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/o/o.clab.yml"
	assert_status 0
	[ "$(pontoon exec o-a cat /tmp/log)" = "started hi there" ]
	[ "$(pontoon exec o-a cat /data/greeting)" = hello ]
	! pontoon exec o-a touch /data/x || false
	# b shares a's namespace: the same eth0 address and eth1
	run pontoon exec o-b ip -4 -o addr show dev eth0
	assert_output_contains 172.20.44.10/24
	[ "$(pontoon exec o-b cat /sys/class/net/eth1/mtu)" = 1400 ]
	# c has no management interface, only lo and its link
	[ "$(pontoon exec o-c ls /sys/class/net | sort | tr '\n' ' ')" = "eth1 lo " ]
	pontoon exec o-a ip addr add 10.44.0.1/24 dev eth1
	pontoon exec o-b ping -c1 -W2 10.44.0.2
	# b started after a, at least a second later
	sa=$(pontoon inspect o-a | jq -r '.[0].State.StartedAt')
	sb=$(pontoon inspect o-b | jq -r '.[0].State.StartedAt')
	[ "$(date -d "$sb" +%s%N)" -ge "$(( $(date -d "$sa" +%s%N) + 1000000000 ))" ]
	run pontoon lab destroy -t "$BATS_TEST_TMPDIR/o/o.clab.yml" --cleanup
	assert_status 0
	wait_until 10 no_lab_objects o o-mgmt
}

@test "netd link.create refuses what is not a namespace, and a missing bridge" {
	nd() { echo "$1" | socat -t 10 - "UNIX-CONNECT:$PONTOON_RUN/netd.sock"; }
	ip netns add x
	r=$(nd '{"version":1,"op":"link.create","a":{"netns":"/etc/passwd","ifname":"e1"},"b":{"netns":"/run/netns/x","ifname":"e2"}}')
	[ "$(echo "$r" | jq -r .ok)" = false ]
	[[ "$(echo "$r" | jq -r .error)" == *"not a network namespace"* ]]
	r=$(nd '{"version":1,"op":"link.create","a":{"netns":"/run/netns/x","ifname":"e1"},"b":{"bridge":"nosuchbr","ifname":"e2"}}')
	[[ "$(echo "$r" | jq -r .error)" == *"bridge nosuchbr does not exist"* ]]
	r=$(nd '{"version":1,"op":"link.create","a":{"netns":"/run/netns/x","ifname":"e1"},"b":{"bridge":"lo","ifname":"e2"}}')
	[[ "$(echo "$r" | jq -r .error)" == *"lo is not a bridge"* ]]
	# nothing made anywhere
	[ "$(ip -n x -o link show | wc -l)" = 1 ]
	! ip link show e2 2>/dev/null || false
	# a good one: both ends in their namespaces, up, none on the host
	ip netns add y
	r=$(nd '{"version":1,"op":"link.create","a":{"netns":"/run/netns/x","ifname":"e1","mac":"02:00:00:00:00:0a"},"b":{"netns":"/run/netns/y","ifname":"e2"},"mtu":1600}')
	[ "$(echo "$r" | jq -r .ok)" = true ]
	ip -n x -o link show e1 | grep -q "mtu 1600"
	ip -n x -o link show e1 | grep -q "[<,]UP[,>]"
	ip -n x -o link show e1 | grep -q 02:00:00:00:00:0a
	ip -n y -o link show e2 | grep -q "[<,]UP[,>]"
	ip -n y -o link show e2 | grep -q "mtu 1600"
	! ip link show e1 2>/dev/null || false
	ip netns del x
	ip netns del y
}

@test "a deploy killed half-way is destroyed completely" {
	before=$(snapshot)
	mkdir -p "$BATS_TEST_TMPDIR/k"
	cat >"$BATS_TEST_TMPDIR/k/k.clab.yml" <<-'EOF2'
	name: k
	topology:
	  defaults: {kind: linux, image: busybox, cmd: sleep 1000000}
	  nodes:
	    a: {}
	    b: {startup-delay: 3}
	  links:
	    - endpoints: ["a:eth1", "b:eth1"]
	EOF2
	pontoon lab deploy -t "$BATS_TEST_TMPDIR/k/k.clab.yml" >/dev/null 2>&1 &
	pid=$!
	wait_until 60 bash -c '[ "$(pontoon ps -q | wc -l)" -ge 1 ]'
	kill -9 $pid
	wait $pid || true
	# b's worker still creates b (by name: its id never reached the state),
	# then releases the lab's lock; destroy waits for that and removes both
	run pontoon lab destroy -t "$BATS_TEST_TMPDIR/k/k.clab.yml"
	assert_output_contains "another deploy or destroy"
	wait_until 60 pontoon lab destroy -t "$BATS_TEST_TMPDIR/k/k.clab.yml" --cleanup
	wait_until 10 no_lab_objects k clab
	[ "$(snapshot)" = "$before" ] || diff <(echo "$before") <(snapshot)
}

@test "the default management subnet in use elsewhere: deploy says so and takes a free one" {
	pontoon net create --subnet 172.20.20.0/24 other >/dev/null
	mkdir -p "$BATS_TEST_TMPDIR/d"
	cat >"$BATS_TEST_TMPDIR/d/d.clab.yml" <<-'EOF2'
	name: d
	topology:
	  nodes:
	    a: {kind: linux, image: busybox, cmd: sleep 1000000}
	EOF2
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/d/d.clab.yml"
	assert_status 0
	assert_output_contains "172.20.20.0/24"
	assert_output_contains "free subnets"
	ip4=$(pontoon lab inspect -t "$BATS_TEST_TMPDIR/d/d.clab.yml" --format json | jq -r '.d[0].ipv4_address')
	[ "$ip4" != N/A ]
	[[ "$ip4" != 172.20.20.* ]]
	# a subnet the file sets that overlaps is an error, and nothing is made
	cat >"$BATS_TEST_TMPDIR/d/e.clab.yml" <<-'EOF2'
	name: e
	mgmt: {network: e-mgmt, ipv4-subnet: 172.20.20.0/25}
	topology:
	  nodes:
	    a: {kind: linux, image: busybox, cmd: sleep 1000000}
	EOF2
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/d/e.clab.yml"
	assert_status 1
	assert_output_contains "management network e-mgmt"
	! pontoon net ls | grep -q e-mgmt || false
	[ "$(pontoon ps -a -q | wc -l)" -eq 1 ]
	pontoon lab destroy -t "$BATS_TEST_TMPDIR/d/d.clab.yml" --cleanup
	pontoon net rm other
}

@test "node ports are published on the management network; destroy removes them" {
	mkdir -p "$BATS_TEST_TMPDIR/p"
	cat >"$BATS_TEST_TMPDIR/p/p.clab.yml" <<-'EOF2'
	name: pl
	topology:
	  nodes:
	    web:
	      kind: linux
	      image: busybox
	      cmd: sh -c "mkdir -p /www && echo pl-web >/www/index.html && exec httpd -f -p 80 -h /www"
	      ports: ["8089:80"]
	    alone:
	      kind: linux
	      image: busybox
	      network-mode: none
	      ports: ["8090:80"]
	EOF2
	# a node without the management network cannot publish: refused, nothing left
	before=$(kernel_snapshot)
	run pontoon lab deploy -t "$BATS_TEST_TMPDIR/p/p.clab.yml"
	[ "$status" -ne 0 ]
	assert_output_contains "alone"
	assert_output_contains "no management network"
	[ "$before" = "$(kernel_snapshot)" ]
	sed -i '/alone:/,$d' "$BATS_TEST_TMPDIR/p/p.clab.yml"
	pontoon lab deploy -t "$BATS_TEST_TMPDIR/p/p.clab.yml"
	nft list map inet pontoon ports4any | grep -q 'tcp . 8089'
	wait_until 10 sh -c "timeout 5 busybox wget -qO- http://127.0.0.1:8089/ >/dev/null"
	[ "$(timeout 5 busybox wget -qO- http://127.0.0.1:8089/)" = pl-web ]
	pontoon lab destroy -t "$BATS_TEST_TMPDIR/p/p.clab.yml" --cleanup
	wait_until 10 sh -c "! nft list map inet pontoon ports4any | grep -q 8089"
}
