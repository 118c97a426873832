#!/usr/bin/env bats
# Containers with published ports: run -p/-P, pontoon port, ps, inspect,
# stop/start/rm. A namespace "out" on a veth plays another host.

load helpers
bats_require_minimum_version 1.5.0

HOST=10.98.0.1

setup() {
	ip netns add out 2>/dev/null || true
	if ! ip link show vout >/dev/null 2>&1; then
		ip link add vout type veth peer name vin netns out
		ip addr add $HOST/24 dev vout
		ip link set vout up
		ip -n out addr add 10.98.0.2/24 dev vin
		ip -n out link set vin up
		ip -n out link set lo up
	fi
}

teardown() {
	for id in $(pontoon ps -aq 2>/dev/null); do
		pontoon rm -f "$id" >/dev/null 2>&1
	done
	for n in $(pontoon net ls -q 2>/dev/null); do
		[ "$n" = bridge ] || pontoon net rm "$n" >/dev/null 2>&1 || true
	done
}

# get [NS] URL
get() {
	if [ $# -eq 2 ]; then
		ip netns exec "$1" timeout 5 busybox wget -qO- "$2"
	else
		timeout 5 busybox wget -qO- "$1"
	fi
}

# web NAME ARGS...: a busybox httpd container serving its name
web() {
	local name=$1
	shift
	pontoon run -d --name "$name" "$@" busybox sh -c "mkdir -p /www && echo $name >/www/index.html && exec httpd -f -p 80 -h /www"
}

# An image exposing 80/tcp and 53/udp whose command serves "exposed" on 80.
load_exposing_image() {
	local d=$BATS_TEST_TMPDIR/img cfg diff
	mkdir -p "$d/l/bin" "$d/l/www"
	cp /bin/busybox "$d/l/bin/busybox"
	ln -sf busybox "$d/l/bin/sh"
	echo exposed >"$d/l/www/index.html"
	(cd "$d/l" && tar --numeric-owner -cf ../layer.tar bin www)
	diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
	cat >"$d/config.tmp" <<-EOF
	{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/busybox","httpd","-f","-p","80","-h","/www"],
	 "ExposedPorts":{"80/tcp":{},"53/udp":{}}},"rootfs":{"type":"layers","diff_ids":["sha256:$diff"]}}
	EOF
	cfg=$(sha256sum "$d/config.tmp" | cut -d' ' -f1)
	mv "$d/config.tmp" "$d/$cfg.json"
	echo "[{\"Config\":\"$cfg.json\",\"RepoTags\":[\"exposing:latest\"],\"Layers\":[\"layer.tar\"]}]" >"$d/manifest.json"
	tar -C "$d" -cf "$d/image.tar" manifest.json "$cfg.json" layer.tar
	pontoon image load -q -i "$d/image.tar" >/dev/null
}

ip_of() {
	pontoon inspect "$1" | jq -r '.[0].NetworkSettings.IPAddress'
}

@test "run -p 8080:80: the port answers from outside, the host, 127.0.0.1 and another container" {
	web w1 -p 8080:80
	ip=$(ip_of w1)
	wait_until 10 sh -c "ip netns exec out timeout 5 busybox wget -qO- http://$HOST:8080/ >/dev/null"
	[ "$(get out http://$HOST:8080/)" = w1 ]
	[ "$(get http://$HOST:8080/)" = w1 ]
	[ "$(get http://127.0.0.1:8080/)" = w1 ]
	pontoon run -d --name client busybox sleep 300
	[ "$(pontoon exec client wget -qO- http://$HOST:8080/)" = w1 ]
	# port, ps and inspect
	run pontoon port w1
	assert_status 0
	[ "$output" = "80/tcp -> 0.0.0.0:8080" ]
	run pontoon port w1 80
	[ "$output" = "0.0.0.0:8080" ]
	run pontoon port w1 81/udp
	assert_status 1
	pontoon ps | grep w1 | grep -q '0.0.0.0:8080->80/tcp'
	[ "$(pontoon inspect w1 | jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort')" = 8080 ]
	nft list map inet pontoon ports4any | grep -q "tcp . 8080 : $ip . 80"
	# stop removes the mapping, start restores it, rm -f leaves nothing
	pontoon stop -t 1 w1
	wait_until 10 sh -c "! nft list map inet pontoon ports4any | grep -q 8080"
	pontoon start w1
	wait_until 10 sh -c "nft list map inet pontoon ports4any | grep -q 'tcp . 8080'"
	wait_until 10 sh -c "ip netns exec out timeout 5 busybox wget -qO- http://$HOST:8080/ >/dev/null"
	ip=$(ip_of w1)
	pontoon rm -f w1
	wait_until 10 sh -c "! nft list table inet pontoon | grep -q '$ip'"
}

@test "run -p: random ports, -P, host_ip default; conflicts fail and leave nothing" {
	# random host port, IP::CPORT
	web w2 -p 80 -p 127.0.0.1::80
	p=$(pontoon port w2 | awk -F: 'NR==1 {print $NF}')
	lo=$(pontoon port w2 | awk -F: 'NR==2 {print $NF}')
	range=$(cat /proc/sys/net/ipv4/ip_local_port_range)
	[ "$p" -ge "${range%%[[:space:]]*}" ] && [ "$p" -le "${range##*[[:space:]]}" ]
	wait_until 10 sh -c "ip netns exec out timeout 5 busybox wget -qO- http://$HOST:$p/ >/dev/null"
	[ "$(get http://127.0.0.1:$lo/)" = w2 ]
	[[ "$(pontoon port w2)" == *"127.0.0.1:$lo"* ]]
	# conflict: nothing of the second container is left, and w2 still answers
	before=$(nft list table inet pontoon | sed -E 's/ # handle [0-9]+//')
	run pontoon run -d --name w3 -p "$p:80" busybox sleep 300
	[ "$status" -ne 0 ]
	assert_output_contains "port $p/tcp is already allocated"
	[ "$before" = "$(nft list table inet pontoon | sed -E 's/ # handle [0-9]+//')" ]
	! pontoon inspect w3 >/dev/null 2>&1 || false
	[ "$(get out http://$HOST:$p/)" = w2 ]
	# a host process's port
	socat TCP-LISTEN:7070,reuseaddr,fork /dev/null &
	sp=$!
	wait_until 5 grep -q ':1B9E .* 0A ' /proc/net/tcp
	run pontoon run -d --name w4 -p 7070:80 busybox sleep 300
	kill $sp
	[ "$status" -ne 0 ]
	assert_output_contains "port 7070/tcp is already allocated"
	# -P: the image's exposed ports, on random host ports (busybox exposes none)
	pontoon run -d --name none -P busybox sleep 300
	[ -z "$(pontoon port none)" ]
	load_exposing_image
	pontoon run -d --name all -P exposing
	run pontoon port all
	[ "${#lines[@]}" -eq 2 ]
	assert_output_contains "53/udp -> 0.0.0.0:"
	pa=$(pontoon port all 80)
	wait_until 10 sh -c "ip netns exec out timeout 5 busybox wget -qO- http://$HOST:${pa##*:}/ >/dev/null"
	[ "$(get out http://$HOST:${pa##*:}/)" = exposed ]
	[ "$(pontoon inspect all | jq -r '.[0].NetworkSettings.Ports["53/udp"][0].HostIp')" = 0.0.0.0 ]
	# a range keeps its ports
	pontoon run -d --name rng -p 8100-8102:8100-8102 busybox sleep 300
	[ "$(pontoon port rng 8101)" = 0.0.0.0:8101 ]
	pontoon ps | grep rng | grep -q '0.0.0.0:8100-8102->8100-8102/tcp'
	# host_ip: the network's default bind address
	pontoon net create -o host_ip=127.0.0.1 --subnet 192.168.77.0/24 local
	web w5 --network local -p 8085:80
	[ "$(pontoon port w5)" = "80/tcp -> 127.0.0.1:8085" ]
	wait_until 10 sh -c "timeout 5 busybox wget -qO- http://127.0.0.1:8085/ >/dev/null"
	run get out http://$HOST:8085/
	[ "$status" -ne 0 ]
	# internal networks and --network none refuse -p
	pontoon net create --internal --subnet 192.168.78.0/24 closed
	run pontoon run -d --network closed -p 9999:80 busybox sleep 300
	[ "$status" -ne 0 ]
	assert_output_contains "internal"
	run pontoon run -d --network none -p 9999:80 busybox sleep 300
	[ "$status" -eq 125 ]
	run pontoon run -d -p 80:80:80 busybox sleep 300
	[ "$status" -eq 125 ]
	assert_output_contains "invalid port spec"
}

@test "after nft flush ruleset, netd re-applies its table with the port mappings: the port answers again" {
	web w1 -p 8080:80
	ip=$(ip_of w1)
	wait_until 10 sh -c "ip netns exec out timeout 5 busybox wget -qO- http://$HOST:8080/ >/dev/null"
	nft flush ruleset
	# the mapping comes back with the rest of the table, not only the base chains
	wait_until 10 sh -c "nft list map inet pontoon ports4any 2>/dev/null | grep -q 'tcp . 8080 : $ip . 80'"
	wait_until 10 sh -c "ip netns exec out timeout 5 busybox wget -qO- http://$HOST:8080/ >/dev/null"
	[ "$(get out http://$HOST:8080/)" = w1 ]
	[ "$(get http://127.0.0.1:8080/)" = w1 ]
}

@test "run -p: a range onto other ports, IPv6, a host address that is not the host's" {
	# a range onto other ports: every port answers; port/ps/inspect show it as Docker does
	pontoon run -d --name shf -p 8200-8202:80-82 busybox sh -c \
		'for p in 80 81 82; do mkdir -p /w$p && echo p$p >/w$p/index.html && httpd -p $p -h /w$p; done; exec sleep 300'
	wait_until 10 sh -c "ip netns exec out timeout 5 busybox wget -qO- http://$HOST:8202/ >/dev/null"
	[ "$(get out http://$HOST:8200/)" = p80 ]
	[ "$(get out http://$HOST:8201/)" = p81 ]
	[ "$(get out http://$HOST:8202/)" = p82 ]
	[ "$(get http://127.0.0.1:8201/)" = p81 ]
	[ "$(pontoon port shf)" = "$(printf '80/tcp -> 0.0.0.0:8200\n81/tcp -> 0.0.0.0:8201\n82/tcp -> 0.0.0.0:8202')" ]
	[ "$(pontoon port shf 81)" = 0.0.0.0:8201 ]
	pontoon ps | grep shf | grep -q '0.0.0.0:8200-8202->80-82/tcp'
	[ "$(pontoon inspect shf | jq -c '.[0].NetworkSettings.Ports["82/tcp"]')" = '[{"HostIp":"0.0.0.0","HostPort":"8202"}]' ]
	pontoon rm -f shf
	! nft list table inet pontoon | grep -q 8201 || false
	# IPv6: the wildcard is published on both families
	ip addr add 2001:db8:98::1/64 dev vout nodad 2>/dev/null || true
	ip -n out addr add 2001:db8:98::2/64 dev vin nodad 2>/dev/null || true
	pontoon net create --ipv6 --subnet 192.168.88.0/24 --subnet fd00:88::/64 six
	web w6 --network six -p 8300:80 -p '[2001:db8:98::1]:8301:80'
	wait_until 10 sh -c "ip netns exec out timeout 5 busybox wget -qO- 'http://[2001:db8:98::1]:8300/' >/dev/null"
	[ "$(get out 'http://[2001:db8:98::1]:8300/')" = w6 ]
	[ "$(get out "http://$HOST:8300/")" = w6 ]
	[ "$(get out 'http://[2001:db8:98::1]:8301/')" = w6 ]
	[ "$(pontoon port w6)" = "$(printf '80/tcp -> 0.0.0.0:8300\n80/tcp -> [::]:8300\n80/tcp -> [2001:db8:98::1]:8301')" ]
	pontoon ps | grep w6 | grep -qF '0.0.0.0:8300->80/tcp, [::]:8300->80/tcp, [2001:db8:98::1]:8301->80/tcp'
	[ "$(pontoon inspect w6 | jq -c '.[0].NetworkSettings.Ports["80/tcp"] | map(.HostIp)')" = '["0.0.0.0","::","2001:db8:98::1"]' ]
	run pontoon run -d --name lo6 --network six -p '[::1]:8302:80' busybox sleep 300
	[ "$status" -ne 0 ]
	assert_output_contains "the host address ::1 cannot be published"
	# a host address no interface has: refused like Docker's bind, nothing left
	run pontoon run -d --name nohost -p 10.99.99.99:8080:80 busybox sleep 300
	[ "$status" -ne 0 ]
	assert_output_contains "host address 10.99.99.99 is not an address of this host: Cannot assign requested address"
	! pontoon ps -a | grep -q nohost || false
	! pontoon ps -a | grep -q lo6 || false
	! nft list table inet pontoon | grep -q 10.99.99.99 || false
}

@test "run/create -p and -P with --network host: a warning (for -p, as Docker), the container runs without them" {
	pontoon net ls >/dev/null # netd up, its table in place
	run --separate-stderr pontoon run -d --name hw --network host -p 8090:8091 -p 53/udp busybox \
		sh -c "mkdir -p /www && echo hostweb >/www/index.html && exec httpd -f -p 127.0.0.1:8091 -h /www"
	[ "$status" -eq 0 ]
	[ "$stderr" = "WARNING: Published ports are discarded when using host network mode" ]
	[ "$(pontoon inspect hw | jq -r '.[0].State.Status')" = running ]
	# the container's port is the host's own; 8090 maps nothing
	wait_until 10 sh -c "timeout 5 busybox wget -qO- http://127.0.0.1:8091/ >/dev/null"
	[ "$(get http://127.0.0.1:8091/)" = hostweb ]
	run get http://127.0.0.1:8090/
	[ "$status" -ne 0 ]
	! nft list table inet pontoon | grep -qw 8090 || false
	[ -z "$(pontoon port hw)" ]
	# exposed, bound to nothing
	[ "$(pontoon inspect hw | jq '[.[0].NetworkSettings.Ports // {} | .[] | select(. != null)] | length')" = 0 ]
	[ "$(pontoon inspect hw | jq '.[0].HostConfig.PortSpecs // [] | length')" = 0 ]
	# the -p ports are still exposed (Docker's CLI adds them to ExposedPorts)
	pontoon inspect hw | jq -e '.[0].Config.ExposedPorts | has("8091/tcp") and has("53/udp")' >/dev/null
	pontoon ps | grep -w hw | grep -vq -- '->'
	# -P alone: nothing published, no warning (Docker warns for -p only)
	load_exposing_image
	run --separate-stderr pontoon create --name hp --network host -P exposing
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(pontoon inspect hp | jq -r '.[0].HostConfig.PublishAllPorts')" = false ]
	# create warns the same, and start publishes nothing
	run --separate-stderr pontoon create --name hc --network host -p 8092:80 busybox sleep 300
	[ "$status" -eq 0 ]
	[ "$stderr" = "WARNING: Published ports are discarded when using host network mode" ]
	pontoon start hc
	[ -z "$(pontoon port hc)" ]
	! nft list table inet pontoon | grep -qw 8092 || false
	# none still refuses -p: it has no ports to publish
	run pontoon run -d --network none -p 9999:80 busybox sleep 300
	[ "$status" -eq 125 ]
}
