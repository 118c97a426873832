/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layer extraction: whiteout conversion, digests, and hostile tars (needs root for mknod/xattrs). */
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <dirent.h>
#include "image-internal.h"

/* the entry tables below leave trailing fields out on purpose */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct tarbuf {
	char *data;
	size_t len, cap;
};

static la_ssize_t tb_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct tarbuf *t = ctx;
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->data = xrealloc(t->data, t->cap);
	}
	memcpy(t->data + t->len, buf, n);
	t->len += n;
	return (la_ssize_t)n;
}

/* One entry: type 'f' file (content in arg), 'd' dir, 'l' symlink (target), 'h' hard link
 * (target), 'b'/'c' device (arg "maj:min"). */
struct ent {
	char type;
	const char *path, *arg;
	mode_t perm;
	int uid;
	const char *xattr; /* name; the value is a file capability (cap_net_raw+ep) */
};

/* struct vfs_cap_data, revision 2, little-endian: effective, permitted CAP_NET_RAW (13). */
static const unsigned char fcap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00 };

static struct tarbuf make_tar(const struct ent *ents, bool gzip)
{
	struct tarbuf t = { 0 };
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1); /* no padding: the same tar bytes, compressed or not */
	if (gzip)
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open(a, &t, NULL, tb_write, NULL), ARCHIVE_OK);
	for (const struct ent *x = ents; x->path; x++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, x->path);
		archive_entry_set_perm(e, x->perm ? x->perm : 0644);
		archive_entry_set_uid(e, x->uid);
		archive_entry_set_mtime(e, 1000000000, 0);
		switch (x->type) {
		case 'f':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)strlen(x->arg));
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, x->arg);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, x->arg);
			break;
		default: {
			unsigned maj, min;
			sscanf(x->arg, "%u:%u", &maj, &min);
			archive_entry_set_filetype(e, x->type == 'b' ? AE_IFBLK : AE_IFCHR);
			archive_entry_set_rdevmajor(e, maj);
			archive_entry_set_rdevminor(e, min);
		}
		}
		if (x->xattr)
			archive_entry_xattr_add_entry(e, x->xattr, fcap, sizeof(fcap));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (x->type == 'f')
			assert_int_equal(archive_write_data(a, x->arg, strlen(x->arg)), (la_ssize_t)strlen(x->arg));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return t;
}

struct memsrc {
	struct tarbuf *t;
	bool done;
};

static la_ssize_t mem_read(struct archive *a, void *ctx, const void **buf)
{
	struct memsrc *m = ctx;
	if (m->done)
		return 0;
	m->done = true;
	*buf = m->t->data;
	return (la_ssize_t)m->t->len;
}

struct fixture {
	char *base, *layer, *outside;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char tmpl[] = "/tmp/pontoon-unit.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	f->base = xstrdup(tmpl);
	f->layer = path_join(f->base, "layer");
	f->outside = path_join(f->base, "outside");
	assert_int_equal(mkdir(f->layer, 0755), 0);
	assert_int_equal(mkdir(f->outside, 0755), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(rm_rf(f->base, NULL), 0);
	free(f->base);
	free(f->layer);
	free(f->outside);
	free(f);
	return 0;
}

static int extract(struct fixture *f, struct tarbuf *t, struct layer_result *res, struct err *e)
{
	struct memsrc m = { .t = t };
	struct layer_source src = { .read = mem_read, .ctx = &m, .total = t->len };
	return layer_extract(&src, f->layer, "test", NULL, NULL, res, e);
}

static size_t count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void whiteouts_become_overlay_whiteouts(void **state)
{
	struct fixture *f = *state;
	const struct ent ents[] = {
		{ 'd', "a/", NULL, 0755, 0 },
		{ 'f', "a/keep", "keep", 0644, 0 },
		{ 'f', "a/.wh.gone", "", 0644, 0 },
		{ 'f', "./d/.wh..wh..opq", "", 0644, 0 }, /* d/ made on the way */
		{ 'f', "d/new", "new!", 0600, 0 },
		{ 'f', "a/.wh.keep2", "", 0644, 0 },
		{ 'f', "a/keep2", "k2", 0644, 0 }, /* a later entry replaces the whiteout */
		{ 'c', "a/wh0", "0:0", 0, 0 },      /* an overlay whiteout already */
		{ 0 },
	};
	struct tarbuf t = make_tar(ents, false);
	struct layer_result res;
	struct err e = { 0 };
	struct stat st;
	char val[8] = "";
	char hex[65];

	need_root();
	if (extract(f, &t, &res, &e) < 0)
		fail_msg("%s", err_msg(&e));
	/* a/ keeps its own mtime although entries were added into it afterwards */
	_cleanup_free_ char *adir = path_join(f->layer, "a");
	assert_int_equal(stat(adir, &st), 0);
	assert_int_equal(st.st_mtime, 1000000000);
	_cleanup_free_ char *gone = path_join(f->layer, "a/gone");
	assert_int_equal(lstat(gone, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 0);
	assert_int_equal(minor(st.st_rdev), 0);
	_cleanup_free_ char *wh = path_join(f->layer, "a/.wh.gone");
	assert_int_equal(lstat(wh, &st), -1);
	_cleanup_free_ char *k2 = path_join(f->layer, "a/keep2");
	assert_int_equal(lstat(k2, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	_cleanup_free_ char *d = path_join(f->layer, "d");
	assert_int_equal(getxattr(d, "trusted.overlay.opaque", val, sizeof(val)), 1);
	assert_int_equal(val[0], 'y');
	assert_int_equal(count(d), 1);
	_cleanup_free_ char *n = path_join(f->layer, "d/new");
	assert_int_equal(stat(n, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_mtime, 1000000000);
	_cleanup_free_ char *w0 = path_join(f->layer, "a/wh0");
	assert_int_equal(lstat(w0, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* the digest is the tar's, the size the files' bytes */
	digest_hex(t.data, t.len, hex);
	assert_string_equal(res.hex, hex);
	assert_int_equal(res.size, 4 + 4 + 2);
	free(t.data);
}

static void gzip_digest_is_of_the_uncompressed_tar(void **state)
{
	struct fixture *f = *state;
	const struct ent ents[] = { { 'f', "x", "hello", 04755, 1000 }, { 'l', "y", "x", 0777, 0 }, { 0 } };
	struct tarbuf plain = make_tar(ents, false), gz = make_tar(ents, true);
	struct layer_result res;
	struct err e = { 0 };
	struct stat st;
	char hex[65];

	need_root();
	assert_true(gz.len < 2 || memcmp(gz.data, "\x1f\x8b", 2) == 0);
	if (extract(f, &gz, &res, &e) < 0)
		fail_msg("%s", err_msg(&e));
	digest_hex(plain.data, plain.len, hex);
	assert_string_equal(res.hex, hex);
	/* owner set before mode: the setuid bit survives chown */
	_cleanup_free_ char *x = path_join(f->layer, "x");
	assert_int_equal(stat(x, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(st.st_uid, 1000);
	free(plain.data);
	free(gz.data);
}

static void file_capabilities_survive_and_trusted_xattrs_do_not_pass(void **state)
{
	struct fixture *f = *state;
	const struct ent ents[] = {
		{ 'f', "ping", "elf", 0755, 1000, "security.capability" },
		{ 'd', "dir", NULL, 0755, 1000, "user.note" },
		{ 'f', "evil", "x", 0644, 0, "trusted.overlay.redirect" },
		{ 0 },
	};
	struct tarbuf t = make_tar(ents, false);
	struct layer_result res;
	struct err e = { 0 };
	unsigned char got[64];

	need_root();
	if (extract(f, &t, &res, &e) < 0)
		fail_msg("%s", err_msg(&e));
	_cleanup_free_ char *ping = path_join(f->layer, "ping");
	_cleanup_free_ char *dir = path_join(f->layer, "dir");
	_cleanup_free_ char *evil = path_join(f->layer, "evil");
	/* set after the chown to uid 1000, so the kernel did not drop it */
	assert_int_equal(getxattr(ping, "security.capability", got, sizeof(got)), sizeof(fcap));
	assert_memory_equal(got, fcap, sizeof(fcap));
	struct stat st;
	assert_int_equal(stat(ping, &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(getxattr(dir, "user.note", got, sizeof(got)), sizeof(fcap));
	assert_int_equal(getxattr(evil, "trusted.overlay.redirect", got, sizeof(got)), -1);
	free(t.data);
}

static void hostile(struct fixture *f, const struct ent *ents, const char *msg)
{
	struct tarbuf t = make_tar(ents, false);
	struct layer_result res;
	struct err e = { 0 };

	assert_int_equal(rm_rf(f->layer, NULL), 0);
	assert_int_equal(mkdir(f->layer, 0755), 0);
	if (extract(f, &t, &res, &e) >= 0)
		fail_msg("accepted a tar that should fail with \"%s\"", msg);
	if (!strstr(err_msg(&e), msg))
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(&e), msg);
	assert_int_equal(count(f->outside), 0);
	free(t.data);
}

static void hostile_tars_are_refused(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *abs_out = xstrdup(f->outside);
	_cleanup_free_ char *abs_file = path_join(f->outside, "x");

	need_root();
	hostile(f, (struct ent[]){ { 'f', "../outside/x", "x", 0, 0 }, { 0 } }, "\"..\" in the path");
	hostile(f, (struct ent[]){ { 'f', abs_file, "x", 0, 0 }, { 0 } }, "absolute path");
	hostile(f, (struct ent[]){ { 'l', "l", abs_out, 0777, 0 }, { 'f', "l/x", "x", 0, 0 }, { 0 } },
		"goes through the symlink \"l\"");
	hostile(f, (struct ent[]){ { 'l', "l", "../outside", 0777, 0 }, { 0 } }, "escapes the root");
	hostile(f, (struct ent[]){ { 'd', "a", NULL, 0755, 0 }, { 'l', "a/b", "../../outside", 0777, 0 }, { 0 } },
		"escapes the root");
	/* a symlink in the middle of a path, even one staying inside */
	hostile(f, (struct ent[]){ { 'd', "real", NULL, 0755, 0 }, { 'l', "in", "real", 0777, 0 },
				   { 'f', "in/x", "x", 0, 0 }, { 0 } },
		"goes through the symlink \"in\"");
	hostile(f, (struct ent[]){ { 'h', "h", "../outside/x", 0, 0 }, { 0 } }, "hard link target escapes the root");
	hostile(f, (struct ent[]){ { 'h', "h", abs_file, 0, 0 }, { 0 } }, "hard link target escapes the root");
	hostile(f, (struct ent[]){ { 'h', "h", "missing", 0, 0 }, { 0 } }, "is not in the layer");
	hostile(f, (struct ent[]){ { 'l', "l", abs_out, 0777, 0 }, { 'h', "h", "l/x", 0, 0 }, { 0 } },
		"goes through the symlink \"l\"");
	hostile(f, (struct ent[]){ { 'b', "sda", "8:0", 0600, 0 }, { 0 } }, "device node (block 8:0) refused");
	hostile(f, (struct ent[]){ { 'c', "null", "1:3", 0600, 0 }, { 0 } }, "device node (char 1:3) refused");
	hostile(f, (struct ent[]){ { 'f', "a", "x", 0, 0 }, { 'f', "a/b", "x", 0, 0 }, { 0 } }, "is not a directory");
	hostile(f, (struct ent[]){ { 'f', ".wh..", "", 0, 0 }, { 0 } }, "bad whiteout name");
}

static void not_a_tar(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = { .data = xstrdup("this is not a tar archive, not at all, not even close......."), .len = 60 };
	struct layer_result res;
	struct err e = { 0 };
	assert_true(extract(f, &t, &res, &e) < 0);
	assert_non_null(strstr(err_msg(&e), "tar"));
	free(t.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(whiteouts_become_overlay_whiteouts, setup, teardown),
		cmocka_unit_test_setup_teardown(gzip_digest_is_of_the_uncompressed_tar, setup, teardown),
		cmocka_unit_test_setup_teardown(file_capabilities_survive_and_trusted_xattrs_do_not_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_tars_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(not_a_tar, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
