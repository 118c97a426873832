/* SPDX-License-Identifier: GPL-2.0-or-later */
/* docker save manifest.json, OCI index.json and image configs, with hostile JSON. */
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include "image-internal.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define HM "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HI "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HA "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static int docker(const char *json, struct manifest *m, struct err *e)
{
	return manifest_parse_docker(json, strlen(json), m, e);
}

static void docker_bad(const char *json, const char *msg)
{
	struct manifest m = { 0 };
	struct err e = { 0 };
	int r = docker(json, &m, &e);
	if (r >= 0)
		fail_msg("accepted: %s", json);
	if (!strstr(err_msg(&e), msg))
		fail_msg("%s: message \"%s\" lacks \"%s\"", json, err_msg(&e), msg);
	assert_null(m.images);
}

static void docker_manifest(void **state)
{
	struct manifest m = { 0 };
	struct err e = { 0 };

	assert_int_equal(docker("[{\"Config\":\"" H1 ".json\",\"RepoTags\":[\"busybox:latest\",\"docker.io/library/x\"],"
				"\"Layers\":[\"./a/layer.tar\",\"b/layer.tar\"]},"
				"{\"Config\":\"c.json\",\"RepoTags\":null,\"Layers\":[\"a/layer.tar\"]}]",
				&m, &e),
			 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.images[0].config, H1 ".json");
	assert_string_equal(m.images[0].layers[0], "a/layer.tar");
	assert_string_equal(m.images[0].layers[1], "b/layer.tar");
	assert_null(m.images[0].layers[2]);
	assert_string_equal(m.images[0].names[0], "busybox:latest");
	assert_string_equal(m.images[0].names[1], "x:latest");
	assert_null(m.images[1].names[0]);
	manifest_clear(&m);

	docker_bad("", "bad JSON");
	docker_bad("[", "bad JSON");
	docker_bad("[] x", "trailing data");
	docker_bad("{}", "not an array");
	docker_bad("[]", "lists 0 images");
	docker_bad("[1]", "is not an object");
	docker_bad("[{\"Layers\":[\"a\"]}]", "Config is not a string");
	docker_bad("[{\"Config\":7,\"Layers\":[\"a\"]}]", "Config is not a string");
	docker_bad("[{\"Config\":\"../../etc/shadow\",\"Layers\":[\"a\"]}]", "\"..\" in the path");
	docker_bad("[{\"Config\":\"c\",\"Layers\":[\"/etc/shadow\"]}]", "absolute path");
	docker_bad("[{\"Config\":\"c\",\"Layers\":[]}]", "no Layers");
	docker_bad("[{\"Config\":\"c\"}]", "no Layers");
	docker_bad("[{\"Config\":\"c\",\"Layers\":\"a\"}]", "not an array of strings");
	docker_bad("[{\"Config\":\"c\",\"Layers\":[1]}]", "is not a string");
	docker_bad("[{\"Config\":\"c\",\"Layers\":[\"./\"]}]", "is empty");
	docker_bad("[{\"Config\":\"c\",\"Layers\":[\"a\\u0000b\"]}]", "is not a string");
	docker_bad("[{\"Config\":\"c\",\"Layers\":[\"a\"],\"RepoTags\":[\"Bad Name\"]}]", "RepoTags");
	docker_bad("[{\"Config\":\"c\",\"Layers\":[\"a\"],\"RepoTags\":{}}]", "not an array");
	/* deep nesting is refused by the tokenizer, not by the stack */
	char deep[4000];
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	docker_bad(deep, "bad JSON");
}

struct blob {
	const char *path, *data;
};

static int lookup(void *ctx, const char *path, const char **ret, size_t *len)
{
	for (const struct blob *b = ctx; b->path; b++)
		if (strcmp(b->path, path) == 0) {
			*ret = b->data;
			*len = strlen(b->data);
			return 0;
		}
	return -ENOENT;
}

static const char manifest_json[] =
	"{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" H3 "\"},"
	"\"layers\":[{\"digest\":\"sha256:" H1 "\"},{\"digest\":\"sha256:" H2 "\"}]}";

static void oci_index(void **state)
{
	const struct blob blobs[] = {
		{ "blobs/sha256/" HM, manifest_json },
		{ "blobs/sha256/" HI, "{\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
				      "\"digest\":\"sha256:" HA "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"}},"
				      "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" HM
				      "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
				      "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" HM
				      "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}" },
		{ NULL, NULL },
	};
	const char *idx = "{\"schemaVersion\":2,\"manifests\":["
			  "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" HM "\","
			  "\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/alpine:3.20\","
			  "\"org.opencontainers.image.ref.name\":\"3.20\"}},"
			  "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" HM "\","
			  "\"annotations\":{\"org.opencontainers.image.ref.name\":\"3.20\"}},"
			  "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:" HI "\","
			  "\"annotations\":{\"org.opencontainers.image.ref.name\":\"localhost/multi:1\"}}]}";
	struct manifest m = { 0 };
	struct err e = { 0 };

	if (manifest_parse_oci(idx, strlen(idx), lookup, (void *)blobs, &m, &e) < 0)
		fail_msg("%s", err_msg(&e));
	assert_int_equal(m.n, 3);
	assert_string_equal(m.images[0].config, "blobs/sha256/" H3);
	assert_string_equal(m.images[0].layers[0], "blobs/sha256/" H1);
	assert_string_equal(m.images[0].layers[1], "blobs/sha256/" H2);
	assert_string_equal(m.images[0].names[0], "alpine:3.20");
	assert_null(m.images[1].names[0]); /* a bare tag names nothing */
	/* the nested index: the amd64 manifest only, named by the outer descriptor */
#if defined(__x86_64__)
	assert_string_equal(m.images[2].config, "blobs/sha256/" H3);
	assert_string_equal(m.images[2].names[0], "localhost/multi:1");
#endif
	manifest_clear(&m);
}

static void oci_bad(const char *idx, const struct blob *blobs, const char *msg)
{
	struct manifest m = { 0 };
	struct err e = { 0 };
	if (manifest_parse_oci(idx, strlen(idx), lookup, (void *)blobs, &m, &e) >= 0)
		fail_msg("accepted: %s", idx);
	if (!strstr(err_msg(&e), msg))
		fail_msg("%s: message \"%s\" lacks \"%s\"", idx, err_msg(&e), msg);
	assert_null(m.images);
}

static void oci_hostile(void **state)
{
	const struct blob none[] = { { NULL, NULL } };
	const struct blob self[] = {
		{ "blobs/sha256/" HI, "{\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
				      "\"digest\":\"sha256:" HI "\"}]}" },
		{ NULL, NULL },
	};
	const struct blob badm[] = {
		{ "blobs/sha256/" HM, "{\"config\":{\"digest\":\"sha256:" H3 "\"},\"layers\":[{\"digest\":\"sha256:../../x\"}]}" },
		{ "blobs/sha256/" HA, "[1]" },
		{ "blobs/sha256/" H1, "{\"config\":{\"digest\":\"md5:00\"},\"layers\":[]}" },
		{ "blobs/sha256/" H2, "{\"config\":{\"digest\":\"sha256:" H3 "\"},\"layers\":[]}" },
		{ NULL, NULL },
	};
#define DESC(h) "{\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" h "\"}]}"
	oci_bad("{", none, "bad JSON");
	oci_bad("[]", none, "not an object");
	oci_bad("{}", none, "\"manifests\" is not an array");
	oci_bad("{\"manifests\":[]}", none, "no image");
	oci_bad("{\"manifests\":[7]}", none, "is not an object");
	oci_bad(DESC(HM), none, "is not in the archive");
	oci_bad("{\"manifests\":[{\"digest\":\"sha256:../../../etc/passwd\"}]}", none, "digest is not sha256");
	oci_bad("{\"manifests\":[{\"digest\":\"sha256:" HM "/../x\"}]}", none, "digest is not sha256");
	oci_bad("{\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:" HI
		"\"}]}",
		self, "nested too deep");
	oci_bad(DESC(HM), badm, "digest is not sha256");
	oci_bad(DESC(HA), badm, "not a JSON object");
	oci_bad(DESC(H1), badm, "digest is not sha256");
	oci_bad(DESC(H2), badm, "must be an array of 1 to");
	oci_bad("{\"manifests\":[{\"digest\":\"sha256:" HM "\",\"annotations\":{\"io.containerd.image.name\":\"UP\"}}]}",
		(const struct blob[]){ { "blobs/sha256/" HM, manifest_json }, { NULL, NULL } }, "io.containerd.image.name");
#undef DESC
}

static void config_ok_and_hostile(void **state)
{
	const char *good = "{\"created\":\"2024-05-01T10:20:30.123456789+02:00\",\"config\":{\"Env\":[\"A=1\",\"PATH=/bin\"],"
			   "\"Cmd\":[\"sh\"],\"Entrypoint\":null,\"WorkingDir\":\"/w\",\"User\":\"nobody\","
			   "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{},\"8080\":{}}},"
			   "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" H1 "\"]}}";
	struct rt_image *cfg = xcalloc(1, sizeof(*cfg));
	char **ids = NULL;
	struct err e = { 0 };

	if (image_config_parse(good, strlen(good), cfg, &ids, &e) < 0)
		fail_msg("%s", err_msg(&e));
	assert_string_equal(cfg->env[1], "PATH=/bin");
	assert_string_equal(cfg->cmd[0], "sh");
	assert_null(cfg->entrypoint);
	assert_string_equal(cfg->working_dir, "/w");
	assert_string_equal(cfg->user, "nobody");
	assert_int_equal(strv_len(cfg->exposed_ports), 3);
	assert_true(strv_contains(cfg->exposed_ports, "8080/tcp"));
	assert_true(strv_contains(cfg->exposed_ports, "53/udp"));
	assert_int_equal(cfg->created, 1714551630); /* 08:20:30 UTC */
	assert_string_equal(ids[0], H1);
	strv_free(ids);
	rt_image_free(cfg);

	/* no config at all is fine: an empty image config */
	cfg = xcalloc(1, sizeof(*cfg));
	assert_int_equal(image_config_parse("{}", 2, cfg, &ids, &e), 0);
	assert_null(cfg->cmd);
	assert_null(ids);
	rt_image_free(cfg);

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "[]", "not a JSON object" },
		{ "{\"config\":[]}", "\"config\" is not an object" },
		{ "{\"config\":{\"Env\":\"A=1\"}}", "\"Env\" is not an array" },
		{ "{\"config\":{\"Env\":[\"NOEQUALS\"]}}", "not KEY=VALUE" },
		{ "{\"config\":{\"Env\":[\"=x\"]}}", "not KEY=VALUE" },
		{ "{\"config\":{\"Cmd\":[1]}}", "\"Cmd\"[0] is not a string" },
		{ "{\"config\":{\"Cmd\":[\"a\\u0000b\"]}}", "is not a string" },
		{ "{\"config\":{\"WorkingDir\":5}}", "\"WorkingDir\" is not a string" },
		{ "{\"config\":{\"WorkingDir\":\"rel\"}}", "not absolute" },
		{ "{\"config\":{\"User\":[]}}", "\"User\" is not a string" },
		{ "{\"config\":{\"ExposedPorts\":[\"80\"]}}", "\"ExposedPorts\" is not an object" },
		{ "{\"config\":{\"ExposedPorts\":{\"0/tcp\":{}}}}", "bad exposed port" },
		{ "{\"config\":{\"ExposedPorts\":{\"70000\":{}}}}", "bad exposed port" },
		{ "{\"config\":{\"ExposedPorts\":{\"80/icmp\":{}}}}", "bad exposed port" },
		{ "{\"config\":{\"ExposedPorts\":{\"80/tcp/x\":{}}}}", "bad exposed port" },
		{ "{\"rootfs\":{\"diff_ids\":\"x\"}}", "rootfs.diff_ids is not an array" },
		{ "{\"rootfs\":{\"diff_ids\":[\"sha256:xyz\"]}}", "is not sha256" },
		{ "{\"rootfs\":{\"diff_ids\":[\"md5:" H1 "\"]}}", "is not sha256" },
		{ "{} {}", "trailing data" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct rt_image c = { 0 };
		char **d = NULL;
		err_clear(&e);
		if (image_config_parse(bad[i].json, strlen(bad[i].json), &c, &d, &e) >= 0)
			fail_msg("accepted: %s", bad[i].json);
		if (!strstr(err_msg(&e), bad[i].msg))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].json, err_msg(&e), bad[i].msg);
		assert_null(c.env);
		assert_null(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(docker_manifest),
		cmocka_unit_test(oci_index),
		cmocka_unit_test(oci_hostile),
		cmocka_unit_test(config_ok_and_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
