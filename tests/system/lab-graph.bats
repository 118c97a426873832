#!/usr/bin/env bats
# pontoon lab graph: every example lab drawn as DOT, SVG and HTML; the output
# is checked with Graphviz's own dot and with xmllint, and must name every
# node and every interface (counted, one label per link end).

load helpers

examples=$BATS_TEST_DIRNAME/../../topology/examples

setup() {
	out=$PONTOON_TEST_TMP/graph
	mkdir -p "$out"
}

# expect EXAMPLE: sets nodes (names) and ifaces ("name count" per interface label).
expect() {
	case $1 in
	line)
		nodes="r1 r2 r3 r4"
		ifaces="eth1:4 eth2:2"
		;;
	star)
		nodes="br-star h1 h2 h3 h4"
		ifaces="eth1:4 star-h1:1 star-h2:1 star-h3:1 star-h4:1"
		;;
	clos)
		nodes="spine1 spine2 leaf1 leaf2 leaf3 leaf4"
		ifaces="eth1:6 eth2:6 eth3:2 eth4:2"
		;;
	esac
}

# check_svg FILE EXAMPLE: well-formed XML naming every node and interface.
check_svg() {
	local file=$1 n i name count got
	expect "$2"
	xmllint --noout "$file" || fail "$file is not well-formed XML"
	grep -q '<svg' "$file" || fail "$file has no <svg> element"
	# Graphviz writes '-' as a character reference
	sed 's/&#45;/-/g' "$file" >"$file.txt"
	for n in $nodes; do
		grep -q ">$n</text>" "$file.txt" || fail "$file does not name node $n"
	done
	for i in $ifaces; do
		name=${i%:*} count=${i#*:}
		got=$(grep -c ">$name</text>" "$file.txt")
		[ "$got" -eq "$count" ] || fail "$file labels $name $got times, expected $count"
	done
}

@test "DOT of every example is valid Graphviz input naming every node and interface" {
	for ex in line star clos; do
		run pontoon lab graph -t "$examples/$ex.clab.yml" -o "$out/$ex.dot"
		assert_status 0
		[ -s "$out/$ex.dot" ]
		# Graphviz's own parser and layout accept it
		dot -Tsvg "$out/$ex.dot" -o "$out/$ex-cli.svg" || fail "dot rejected $ex.dot"
		check_svg "$out/$ex-cli.svg" "$ex"
		# without -o the same DOT goes to standard output
		run pontoon lab graph -t "$examples/$ex.clab.yml"
		assert_status 0
		[ "$output" = "$(cat "$out/$ex.dot")" ] || fail "stdout differs from $ex.dot"
	done
}

@test "SVG of every example is well-formed and names every node and interface" {
	for ex in line star clos; do
		run pontoon lab graph -t "$examples/$ex.clab.yml" -o "$out/$ex.svg"
		assert_status 0
		check_svg "$out/$ex.svg" "$ex"
	done
	# node labels carry the image and the management address
	grep -q '>busybox</text>' "$out/line.svg.txt"
	grep -q '>172.20.31.11</text>' "$out/line.svg.txt"
	# the spine and leaf groups are drawn as clusters
	grep -q '>spine</text>' "$out/clos.svg"
	grep -q '>leaf</text>' "$out/clos.svg"
}

@test "HTML of every example is a self-contained page embedding the SVG" {
	for ex in line star clos; do
		run pontoon lab graph -t "$examples/$ex.clab.yml" -o "$out/$ex.html"
		assert_status 0
		head -1 "$out/$ex.html" | grep -qx '<!DOCTYPE html>'
		# the embedded SVG, cut out, is well-formed and complete
		sed -n '/<svg/,/<\/svg>/p' "$out/$ex.html" >"$out/$ex-embedded.svg"
		check_svg "$out/$ex-embedded.svg" "$ex"
		# nothing is fetched from elsewhere: no scripts, stylesheets or images by reference
		! grep -Eiq '<script|<link|<img|<iframe| src=' "$out/$ex.html" || fail "$ex.html references other files"
		grep -q '<table>' "$out/$ex.html"
	done
	grep -q '<td>line-r1</td>' "$out/line.html"
	grep -q '<td>clos-leaf4</td>' "$out/clos.html"
	grep -q '<td>star-h3</td>' "$out/star.html" || grep -q '<td>h3:eth1</td>' "$out/star.html"
}

@test "graph needs no privileges" {
	# with every capability dropped, root-only commands refuse ...
	run setpriv --bounding-set=-all --inh-caps=-all pontoon system info
	assert_status 1
	assert_output_contains "needs root"
	# ... but graph draws
	run setpriv --bounding-set=-all --inh-caps=-all pontoon lab graph -t "$examples/star.clab.yml" -o "$out/star.svg"
	assert_status 0
	xmllint --noout "$out/star.svg"
}

@test "graph refuses bad arguments" {
	run pontoon lab graph
	assert_status 1
	assert_output_contains "a topology file is required: -t FILE"
	run pontoon lab graph -t "$examples/line.clab.yml" -o "$out/line.png"
	assert_status 1
	assert_output_contains 'must end in .dot, .svg or .html'
	[ ! -e "$out/line.png" ]
	run pontoon lab graph -t "$out/missing.yml"
	assert_status 1
	assert_output_contains "missing.yml"
	run pontoon lab --help
	assert_status 0
	assert_output_contains "graph"
}

@test "a hostile or wrong topology fails with file:line:column and writes nothing" {
	printf 'name: bad\ntopology:\n  nodes:\n    a: {kind: linux, image: busybox}\n  links:\n    - endpoints: ["a:eth1", "b:eth1"]\n' >"$out/bad.yml"
	run pontoon lab graph -t "$out/bad.yml" -o "$out/bad.svg"
	assert_status 1
	[ "$output" = "pontoon: $out/bad.yml:6:29: link endpoint \"b:eth1\": no node \"b\" in the topology" ] ||
		fail "unexpected: $output"
	[ ! -e "$out/bad.svg" ]

	# an alias bomb is refused at once
	{
		echo 'name: bomb'
		echo 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'
		prev=a
		for l in b c d e f g h; do
			echo "$l: &$l [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
			prev=$l
		done
	} >"$out/bomb.yml"
	run timeout 5 pontoon lab graph -t "$out/bomb.yml"
	assert_status 1
	assert_output_contains "document too large after alias expansion"

	# a file over the size limit
	head -c 3000000 /dev/zero | tr '\0' '#' >"$out/huge.yml"
	run pontoon lab graph -t "$out/huge.yml"
	assert_status 1
	assert_output_contains "over the limit of 2097152 bytes"

	# a kind pontoon does not run
	printf 'name: k\ntopology:\n  nodes:\n    srl: {kind: nokia_srlinux, image: srl}\n' >"$out/kind.yml"
	run pontoon lab graph -t "$out/kind.yml"
	assert_status 1
	assert_output_contains 'kind.yml:4:17: node "srl": kind "nokia_srlinux" is not supported by pontoon'
}
