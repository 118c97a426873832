#!/usr/bin/env bats
# pontoon image: the store, busybox, import, load (docker save and OCI), rm,
# and the refusal of hostile archives.

load helpers

BB=/bin/busybox
W=$PONTOON_TEST_TMP/work
IMAGES=$PONTOON_ROOT/images

setup() {
	mkdir -p "$W"
}

teardown() {
	umount "$W/merged" 2>/dev/null || true
}

# store_state: everything in the image store but the lock file, for
# before/after comparisons of failed operations.
store_state() {
	find "$IMAGES" -mindepth 1 ! -name lock -printf '%P %y %s\n' 2>/dev/null | sort
	cat "$IMAGES/index.json" 2>/dev/null || true
}

# layer_tar DIR OUT: a layer tar of DIR's contents without a "./" prefix; prints its sha256.
layer_tar() {
	(cd "$1" && tar --sort=name --numeric-owner -cf "$2" $(ls -A))
	sha256sum "$2" | cut -d' ' -f1
}

# Two layers from busybox files: the second deletes a/gone (whiteout) and
# replaces d/ (opaque), adds etc/added and a hard link to it.
make_layers() {
	local l1=$W/l1 l2=$W/l2
	rm -rf "$l1" "$l2"
	mkdir -p "$l1"/{bin,etc,a,d/sub} "$l2"/{a,d,etc}
	cp "$BB" "$l1/bin/busybox"
	ln -s busybox "$l1/bin/sh"
	ln -s /bin/busybox "$l1/bin/ls"
	ln -s /bin/busybox "$l1/bin/cat"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$l1/etc/passwd"
	echo keep >"$l1/a/keep"
	echo gone >"$l1/a/gone"
	echo old1 >"$l1/d/old1"
	echo old2 >"$l1/d/sub/old2"
	: >"$l2/a/.wh.gone"
	: >"$l2/d/.wh..wh..opq"
	echo new >"$l2/d/new"
	echo added >"$l2/etc/added"
	ln "$l2/etc/added" "$l2/etc/added-link"
	DIFF1=$(layer_tar "$l1" "$W/layer1.tar")
	DIFF2=$(layer_tar "$l2" "$W/layer2.tar")
}

# config_json DIFF...: an image config naming these layers.
config_json() {
	local ids
	ids=$(printf '"sha256:%s",' "$@")
	cat <<-EOF
	{"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05.123Z",
	 "config":{"Env":["PATH=/bin","FOO=bar"],"Cmd":["sh","-c","echo hi"],"Entrypoint":null,
	           "WorkingDir":"/a","User":"1000:1000","ExposedPorts":{"80/tcp":{},"53/udp":{}}},
	 "rootfs":{"type":"layers","diff_ids":[${ids%,}]}}
	EOF
}

# save_archive OUT TAGS DIFF...: a `docker save` archive of $W/layer1.tar, $W/layer2.tar
# (TAGS: one or more names separated by spaces).
save_archive() {
	local out=$1 tags d=$W/save cfg
	tags=$(printf '"%s",' $2)
	rm -rf "$d" && mkdir -p "$d/l1" "$d/l2"
	cp "$W/layer1.tar" "$d/l1/layer.tar"
	cp "$W/layer2.tar" "$d/l2/layer.tar"
	shift 2
	config_json "$@" >"$d/config.tmp"
	cfg=$(sha256sum "$d/config.tmp" | cut -d' ' -f1)
	mv "$d/config.tmp" "$d/$cfg.json"
	echo "[{\"Config\":\"$cfg.json\",\"RepoTags\":[${tags%,}],\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]" >"$d/manifest.json"
	tar -C "$d" -cf "$out" manifest.json "$cfg.json" l1 l2
	CONFIG_ID=$cfg
}

@test "busybox is made on first use: applets, passwd, group, and it runs chrooted" {
	run pontoon image ls -q
	assert_status 0
	[ -z "$output" ]
	run pontoon image inspect busybox
	assert_status 0
	layer=$(echo "$output" | jq -r '.[0].GraphDriver.Data.LowerDir')
	[ "$(echo "$output" | jq -r '.[0].RepoTags[0]')" = busybox:latest ]
	[ "$(echo "$output" | jq -c '.[0].Config.Cmd')" = '["sh"]' ]
	[ "$layer" = "$IMAGES/layers/$(ls "$IMAGES/layers")" ]
	# every applet busybox lists is there, as a link to /bin/busybox
	for a in $($BB --list-full); do
		[ "$a" = bin/busybox ] && continue
		[ "$(readlink "$layer/$a")" = /bin/busybox ] || fail "applet $a missing"
	done
	cmp "$BB" "$layer/bin/busybox"
	grep -q '^root:x:0:0:' "$layer/etc/passwd"
	grep -q '^nobody:x:65534:65534:' "$layer/etc/passwd"
	grep -q '^nogroup:x:65534:' "$layer/etc/group"
	[ "$(stat -c %a "$layer/tmp")" = 1777 ]
	[ -d "$layer/root" ] && [ -d "$layer/home" ]
	run chroot "$layer" /bin/sh -c 'echo ok; id -un; ls /bin/busybox'
	assert_status 0
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" = root ]
	# the layer's name is the digest of its tar, and busybox:latest is the same image
	id=$(pontoon image inspect busybox | jq -r '.[0].Id')
	[ "$(pontoon image inspect busybox:latest | jq -r '.[0].Id')" = "$id" ]
	[ "$(pontoon image inspect "${id:7:10}" | jq -r '.[0].Id')" = "$id" ]
	run pontoon image ls
	assert_output_contains busybox
}

@test "busybox creation is race-safe: parallel first uses make one image" {
	pids=()
	for i in 1 2 3 4 5 6; do
		pontoon image inspect busybox >"$W/out$i" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	ids=$(for i in 1 2 3 4 5 6; do jq -r '.[0].Id' "$W/out$i"; done | sort -u)
	[ "$(echo "$ids" | wc -l)" -eq 1 ] || fail "ids: $ids"
	[ "$(ls "$IMAGES/layers" | wc -l)" -eq 1 ]
	[ -z "$(ls -A "$IMAGES/tmp")" ]
	[ "$(pontoon image ls -q | wc -l)" -eq 1 ]
}

@test "image load: a docker save archive with two layers and whiteouts" {
	make_layers
	save_archive "$W/save.tar" test/two:v1 "$DIFF1" "$DIFF2"
	# through a pipe given as a path (read once, so spooled for the two passes)
	run bash -c "cat '$W/save.tar' | '$PONTOON_BIN' image load -i /dev/stdin"
	assert_status 0
	[ "$output" = "Loaded image: test/two:v1" ]
	[ -z "$(ls -A "$IMAGES/tmp")" ]
	run pontoon image load -i "$W/save.tar"
	assert_status 0
	[ "$output" = "Loaded image: test/two:v1" ]
	run pontoon image inspect test/two:v1
	assert_status 0
	# the image id is the digest of the config, as Docker's
	[ "$(echo "$output" | jq -r '.[0].Id')" = "sha256:$CONFIG_ID" ]
	[ "$(echo "$output" | jq -c '.[0].RootFS.Layers')" = "[\"sha256:$DIFF1\",\"sha256:$DIFF2\"]" ]
	[ "$(echo "$output" | jq -c '.[0].Config.Cmd')" = '["sh","-c","echo hi"]' ]
	[ "$(echo "$output" | jq -c '.[0].Config.Env')" = '["PATH=/bin","FOO=bar"]' ]
	[ "$(echo "$output" | jq -r '.[0].Config.WorkingDir')" = /a ]
	[ "$(echo "$output" | jq -r '.[0].Config.User')" = 1000:1000 ]
	[ "$(echo "$output" | jq -c '.[0].Config.ExposedPorts | keys')" = '["53/udp","80/tcp"]' ]
	[ "$(echo "$output" | jq -r '.[0].Created')" = 2024-01-02T03:04:05Z ]
	lower=$(echo "$output" | jq -r '.[0].GraphDriver.Data.LowerDir')
	L1=$IMAGES/layers/$DIFF1 L2=$IMAGES/layers/$DIFF2
	[ "$lower" = "$L2:$L1" ]
	# layer 1 as it was
	cmp "$BB" "$L1/bin/busybox"
	[ "$(readlink "$L1/bin/sh")" = busybox ]
	[ -f "$L1/a/gone" ] && [ -f "$L1/d/sub/old2" ]
	# layer 2: whiteout = char device 0:0, opaque dir = trusted.overlay.opaque=y
	[ "$(stat -c '%F %t:%T' "$L2/a/gone")" = "character special file 0:0" ]
	[ ! -e "$L2/a/.wh.gone" ]
	[ "$(getfattr --only-values -n trusted.overlay.opaque "$L2/d")" = y ]
	[ ! -e "$L2/d/.wh..wh..opq" ]
	[ "$(stat -c %h "$L2/etc/added")" = 2 ]
	[ "$(stat -c %i "$L2/etc/added")" = "$(stat -c %i "$L2/etc/added-link")" ]
	# the kernel's view: an overlay of the layers shows the merged result
	mkdir -p "$W/merged"
	mount -t overlay overlay -o "lowerdir=$lower" "$W/merged"
	[ "$(cat "$W/merged/a/keep")" = keep ]
	[ ! -e "$W/merged/a/gone" ]
	[ ! -e "$W/merged/d/old1" ] && [ ! -e "$W/merged/d/sub" ]
	[ "$(cat "$W/merged/d/new")" = new ]
	[ "$(cat "$W/merged/etc/added")" = added ]
	run chroot "$W/merged" /bin/sh -c 'echo ok; ls /a'
	assert_status 0
	[ "$output" = "$(printf 'ok\nkeep')" ]
	umount "$W/merged"
	[ -z "$(ls -A "$IMAGES/tmp")" ]
}

@test "image load: layer.tar entries that are links to blobs (docker save of Docker 25+)" {
	make_layers
	d=$W/linked
	rm -rf "$d" && mkdir -p "$d/blobs/sha256" "$d/l1" "$d/l2"
	cp "$W/layer1.tar" "$d/blobs/sha256/$DIFF1"
	cp "$W/layer2.tar" "$d/blobs/sha256/$DIFF2"
	ln -s "../blobs/sha256/$DIFF1" "$d/l1/layer.tar"
	ln "$d/blobs/sha256/$DIFF2" "$d/l2/layer.tar"
	config_json "$DIFF1" "$DIFF2" >"$d/config.json"
	echo '[{"Config":"config.json","RepoTags":["linked:1"],"Layers":["l1/layer.tar","l2/layer.tar"]}]' >"$d/manifest.json"
	tar -C "$d" -cf "$W/linked.tar" blobs l1 l2 config.json manifest.json
	run pontoon image load -i "$W/linked.tar"
	assert_status 0
	[ "$output" = "Loaded image: linked:1" ]
	[ "$(pontoon image inspect linked:1 | jq -c '.[0].RootFS.Layers')" = "[\"sha256:$DIFF1\",\"sha256:$DIFF2\"]" ]
	[ "$(stat -c '%F' "$IMAGES/layers/$DIFF2/a/gone")" = "character special file" ]
}

@test "image load: an OCI layout archive (gzip layers) shares layers with the same content" {
	make_layers
	save_archive "$W/save.tar" test/two:v1 "$DIFF1" "$DIFF2"
	pontoon image load -i "$W/save.tar"
	nlayers=$(ls "$IMAGES/layers" | wc -l)
	# OCI: blobs/sha256/<digest of the blob>; layer 1 gzip'ed, one more layer on top
	o=$W/oci
	rm -rf "$o" && mkdir -p "$o/blobs/sha256" "$W/l3/etc"
	echo three >"$W/l3/etc/three"
	DIFF3=$(layer_tar "$W/l3" "$W/layer3.tar")
	gzip -c "$W/layer1.tar" >"$W/layer1.tar.gz"
	g1=$(sha256sum "$W/layer1.tar.gz" | cut -d' ' -f1)
	cp "$W/layer1.tar.gz" "$o/blobs/sha256/$g1"
	cp "$W/layer3.tar" "$o/blobs/sha256/$DIFF3"
	config_json "$DIFF1" "$DIFF3" >"$W/cfg"
	c=$(sha256sum "$W/cfg" | cut -d' ' -f1)
	cp "$W/cfg" "$o/blobs/sha256/$c"
	cat >"$W/man" <<-EOF
	{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
	 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$c","size":1},
	 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$g1","size":1},
	           {"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$DIFF3","size":1}]}
	EOF
	m=$(sha256sum "$W/man" | cut -d' ' -f1)
	cp "$W/man" "$o/blobs/sha256/$m"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
	cat >"$o/index.json" <<-EOF
	{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
	 "digest":"sha256:$m","size":1,"annotations":{"io.containerd.image.name":"docker.io/library/oci-test:1.0",
	 "org.opencontainers.image.ref.name":"1.0"}}]}
	EOF
	tar -C "$o" -czf "$W/oci.tar.gz" oci-layout index.json blobs
	# from standard input this time
	run pontoon image load <"$W/oci.tar.gz"
	assert_status 0
	[ "$output" = "Loaded image: oci-test:1.0" ]
	[ "$(pontoon image inspect oci-test:1.0 | jq -c '.[0].RootFS.Layers')" = "[\"sha256:$DIFF1\",\"sha256:$DIFF3\"]" ]
	# layer 1 is stored once: only layer 3 is new
	[ "$(ls "$IMAGES/layers" | wc -l)" -eq $((nlayers + 1)) ]
	[ "$(cat "$IMAGES/layers/$DIFF3/etc/three")" = three ]
	# removing one image keeps the layer the other still uses
	run pontoon image rm oci-test:1.0
	assert_status 0
	assert_output_contains "Untagged: oci-test:1.0"
	assert_output_contains "Deleted: sha256:$c"
	[ ! -e "$IMAGES/layers/$DIFF3" ]
	[ -d "$IMAGES/layers/$DIFF1" ]
	[ -z "$(ls -A "$IMAGES/tmp")" ]
}

@test "image load refuses a layer whose digest differs from the config, and stores nothing" {
	make_layers
	pontoon image inspect busybox >/dev/null
	before=$(store_state)
	save_archive "$W/bad.tar" test/bad:v1 "$DIFF1" "$DIFF1"
	run pontoon image load -i "$W/bad.tar"
	assert_status 1
	assert_output_contains "l2/layer.tar has digest sha256:$DIFF2, but the image config says sha256:$DIFF1"
	[ "$(store_state)" = "$before" ]
	# an archive that is neither format
	tar -C "$W" -cf "$W/plain.tar" l1
	run pontoon image load -i "$W/plain.tar"
	assert_status 1
	assert_output_contains "no manifest.json or index.json"
	run pontoon image load -i "$W/missing.tar"
	assert_status 1
	[ "$(store_state)" = "$before" ]
}

@test "a failure while committing a load leaves the store as it was" {
	make_layers
	save_archive "$W/save.tar" test/two:v1 "$DIFF1" "$DIFF2"
	pontoon image inspect busybox >/dev/null
	before=$(store_state)
	PONTOON_FAULT=image-index:1:EIO run pontoon image load -i "$W/save.tar"
	assert_status 1
	[ "$(store_state)" = "$before" ]
	# the disk fills up in the middle of a layer
	PONTOON_FAULT=image-write:12:ENOSPC run pontoon image load -i "$W/save.tar"
	assert_status 1
	assert_output_contains "No space left on device"
	[ "$(store_state)" = "$before" ]
	PONTOON_FAULT=image-write:2:ENOSPC run pontoon image import "$W/layer1.tar" x
	assert_status 1
	[ "$(store_state)" = "$before" ]
	run pontoon image load -i "$W/save.tar"
	assert_status 0
}

# hostile_check ARCHIVE MESSAGE: import and load (wrapped as the top layer of a
# docker save archive) are both refused naming the entry, and the store is unchanged.
hostile_check() {
	local before
	before=$(store_state)
	run pontoon image import "$1" evil
	assert_status 1
	assert_output_contains "$2"
	[ "$(store_state)" = "$before" ] || fail "import changed the store"
	cp "$1" "$W/layer2.tar"
	d2=$(sha256sum "$1" | cut -d' ' -f1)
	save_archive "$W/evil-save.tar" evil:save "$DIFF1" "$d2"
	run pontoon image load -i "$W/evil-save.tar"
	assert_status 1
	assert_output_contains "$2"
	[ "$(store_state)" = "$before" ] || fail "load changed the store"
	[ -z "$(ls -A "$PONTOON_TEST_TMP/outside")" ] || fail "something was written outside: $(ls -A "$PONTOON_TEST_TMP/outside")"
}

@test "hostile archives are refused: .. paths, absolute paths, escaping links, device nodes" {
	make_layers
	pontoon image inspect busybox >/dev/null
	out=$PONTOON_TEST_TMP/outside
	mkdir -p "$out" "$W/h/src" "$W/h/src2/link"
	cd "$W/h"
	echo x >src/f
	# ../ path, absolute path
	tar -C src -P --transform 's,^,../../../outside/,' -cf dotdot.tar f
	hostile_check dotdot.tar 'archive entry "../../../outside/f": ".." in the path'
	tar -C src -P --transform "s,^,$out/," -cf abs.tar f
	hostile_check abs.tar "archive entry \"$out/f\": absolute path"
	# an absolute symlink, then an entry through it
	ln -s "$out" src/link
	echo pwned >src2/link/pwned
	tar -cf symlink.tar -C src link -C ../src2 link/pwned
	hostile_check symlink.tar 'archive entry "link/pwned": its path goes through the symlink "link"'
	rm src/link
	# a relative symlink climbing out of the root
	ln -s ../../outside src/up
	tar -C src -cf up.tar up
	hostile_check up.tar 'archive entry "up": symlink target "../../outside" escapes the root'
	rm src/up
	# a hard link to a file outside
	echo secret >"$W/secret"
	ln src/f src/hl
	tar -C src -P --transform "s,^f\$,../../secret,RS" -cf hardlink.tar f hl
	hostile_check hardlink.tar 'archive entry "hl": hard link target escapes the root'
	tar -C src -P --transform "s,^f\$,$W/secret,RS" -cf hardlink2.tar f hl
	hostile_check hardlink2.tar 'archive entry "hl": hard link target escapes the root'
	rm src/hl
	# device nodes (other than whiteouts)
	mkdir -p dev/dev
	mknod dev/dev/sda b 8 0
	tar -C dev -cf blk.tar dev
	hostile_check blk.tar 'archive entry "dev/sda": device node (block 8:0) refused'
	rm dev/dev/sda
	mknod dev/dev/mem c 1 1
	tar -C dev -cf chr.tar dev
	hostile_check chr.tar 'archive entry "dev/mem": device node (char 1:1) refused'
	[ "$(cat "$W/secret")" = secret ]
}

@test "image import: a root filesystem tarball, from a file or standard input, gzip or not" {
	mkdir -p "$W/rfs/bin" "$W/rfs/etc"
	cp "$BB" "$W/rfs/bin/busybox"
	ln -s busybox "$W/rfs/bin/sh"
	echo hello >"$W/rfs/etc/motd"
	tar -C "$W/rfs" -cf "$W/rfs.tar" .
	d=$(sha256sum "$W/rfs.tar" | cut -d' ' -f1)
	run pontoon image import "$W/rfs.tar" imp/one:v1
	assert_status 0
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	id=${output#sha256:}
	[ "$(pontoon image inspect imp/one:v1 | jq -r '.[0].RootFS.Layers[0]')" = "sha256:$d" ]
	run bash -c "gzip -c '$W/rfs.tar' | '$PONTOON_BIN' image import - imp/two"
	assert_status 0
	img=$(pontoon image inspect imp/two:latest)
	[ "$(echo "$img" | jq -r '.[0].RootFS.Layers[0]')" = "sha256:$d" ]
	layer=$(echo "$img" | jq -r '.[0].GraphDriver.Data.LowerDir')
	[ "$layer" = "$IMAGES/layers/$d" ]
	run chroot "$layer" /bin/sh -c 'echo ok; /bin/busybox cat /etc/motd'
	assert_status 0
	[ "$output" = "$(printf 'ok\nhello')" ]
	# not a tarball, a bad name: refused, nothing stored
	before=$(store_state)
	run bash -c "echo 'not a tar' | '$PONTOON_BIN' image import - junk"
	assert_status 1
	run pontoon image import "$W/rfs.tar" 'Bad/Name'
	assert_status 1
	assert_output_contains 'invalid reference "Bad/Name"'
	[ "$(store_state)" = "$before" ]
}

@test "image ls and rm: names, tags, ids, images in use" {
	# a store of its own, so that the end can check it is empty
	export PONTOON_ROOT=$PONTOON_TEST_TMP/root-rm
	IMAGES=$PONTOON_ROOT/images
	mkdir -p "$W/rfs/etc"
	echo one >"$W/rfs/etc/one"
	tar -C "$W/rfs" -cf "$W/rfs.tar" .
	id=$(pontoon image import "$W/rfs.tar" app:v1)
	id=${id#sha256:}
	echo two >"$W/rfs/etc/two"
	tar -C "$W/rfs" -cf "$W/rfs2.tar" .
	id2=$(pontoon image import "$W/rfs2.tar" app:v2)
	id2=${id2#sha256:}
	run pontoon image ls
	assert_status 0
	[ "${lines[0]}" = "$(printf '%-24s %-12s %-14s %-24s %s' REPOSITORY TAG 'IMAGE ID' CREATED SIZE)" ]
	assert_output_contains "app                      v1           ${id:0:12}"
	assert_output_contains "app                      v2           ${id2:0:12}"
	run pontoon image ls --format json
	assert_status 0
	[ "$(echo "$output" | jq -rs '[.[] | select(.Repository == "app")] | map(.Tag) | sort | join(",")')" = "v1,v2" ]
	run pontoon image ls -q --no-trunc
	assert_output_contains "sha256:$id"
	# the name moves to a newer image; the old one stays, untagged, until removed
	echo three >"$W/rfs/etc/three"
	tar -C "$W/rfs" -cf "$W/rfs3.tar" .
	id3=$(pontoon image import "$W/rfs3.tar" app:v2)
	id3=${id3#sha256:}
	[ "$(pontoon image inspect app:v2 | jq -r '.[0].Id')" = "sha256:$id3" ]
	[ "$(pontoon image inspect "$id2" | jq -c '.[0].RepoTags')" = "[]" ]
	run pontoon image ls
	assert_output_contains "<none>                   <none>       ${id2:0:12}"
	run pontoon image rm "$id2"
	assert_status 0
	[ "$output" = "Deleted: sha256:$id2" ]
	# an image in use by a container is not deleted, even with -f
	cid=$(printf 'c%.0s' {1..64})
	mkdir -p "$PONTOON_ROOT/containers/$cid"
	echo "{\"ImageID\":\"$id\"}" >"$PONTOON_ROOT/containers/$cid/config.json"
	run pontoon image rm app:v1
	assert_status 1
	assert_output_contains "image is in use by container ${cid:0:12}"
	run pontoon image rm -f "$id"
	assert_status 1
	assert_output_contains "in use by container"
	d=$(pontoon image inspect "$id" | jq -r '.[0].RootFS.Layers[0]')
	d=${d#sha256:}
	[ -d "$IMAGES/layers/$d" ]
	rm -r "$PONTOON_ROOT/containers/$cid"
	run pontoon image rm "${id:0:12}"
	assert_status 0
	[ "$output" = "$(printf 'Untagged: app:v1\nDeleted: sha256:%s' "$id")" ]
	[ ! -e "$IMAGES/layers/$d" ]
	run pontoon image rm app:v1
	assert_status 1
	assert_output_contains "no such image: app:v1"
	# two names on one image: by name untags, by id needs -f
	make_layers
	save_archive "$W/multi.tar" "multi:a multi:b" "$DIFF1" "$DIFF2"
	run pontoon image load -i "$W/multi.tar"
	[ "$output" = "$(printf 'Loaded image: multi:a\nLoaded image: multi:b')" ]
	run pontoon image rm "$CONFIG_ID"
	assert_status 1
	assert_output_contains "must be forced"
	run pontoon image rm multi:a
	assert_status 0
	[ "$output" = "Untagged: multi:a" ]
	run pontoon image load -i "$W/multi.tar"
	run pontoon image rm -f "$CONFIG_ID"
	assert_status 0
	[ "$output" = "$(printf 'Untagged: multi:a\nUntagged: multi:b\nDeleted: sha256:%s' "$CONFIG_ID")" ] || fail "got: $output"
	run pontoon image rm -f app:v2 nothere
	assert_status 1
	assert_output_contains "Untagged: app:v2"
	assert_output_contains "no such image: nothere"
	[ -z "$(pontoon image ls -q)" ]
	[ -z "$(ls -A "$IMAGES/layers")" ]
}

@test "image tag: another name for an image, moving it from its old image" {
	export PONTOON_ROOT=$PONTOON_TEST_TMP/root-tag
	run pontoon image tag busybox mybox:1
	assert_status 0
	id=$(pontoon image inspect busybox | jq -r '.[0].Id')
	[ "$(pontoon image inspect mybox:1 | jq -r '.[0].Id')" = "$id" ]
	[ "$(pontoon image inspect busybox | jq -c '.[0].RepoTags')" = '["busybox:latest","mybox:1"]' ]
	mkdir -p "$W/tagfs/etc" && echo t >"$W/tagfs/etc/t"
	tar -C "$W/tagfs" -cf "$W/tag.tar" .
	other=$(pontoon image import "$W/tag.tar" other:1)
	run pontoon image tag "${other:7:12}" mybox:1
	assert_status 0
	[ "$(pontoon image inspect mybox:1 | jq -r '.[0].Id')" = "$other" ]
	[ "$(pontoon image inspect busybox | jq -c '.[0].RepoTags')" = '["busybox:latest"]' ]
	run pontoon image tag nothere x
	assert_status 1
	assert_output_contains "no such image: nothere"
	run pontoon image tag busybox 'Bad:Name'
	assert_status 1
	assert_output_contains "invalid reference"
}

@test "image commands: usage errors and help" {
	run pontoon image load -i
	assert_status 1
	run pontoon image import onlyone
	assert_status 1
	assert_output_contains "needs a tarball"
	run pontoon image rm
	assert_status 1
	run pontoon image ls --format yaml
	assert_status 1
	for c in ls import load inspect tag rm; do
		run pontoon image $c --help
		assert_status 0
		assert_output_contains "Usage: pontoon image $c"
	done
	run pontoon image inspect 'bad@sha256:00'
	assert_status 1
	assert_output_contains "digests are not supported"
}
