/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layer extraction end to end: the input is a (possibly compressed) tar,
 * extracted into a scratch directory next to an "outside" directory. Whatever
 * the input, nothing may appear outside the layer directory.
 */
#include <dirent.h>
#include <sys/stat.h>
#include "image-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *base, *layer, *outside;

struct memsrc {
	const uint8_t *d;
	size_t n;
	bool done;
};

static la_ssize_t mem_read(struct archive *a, void *ctx, const void **buf)
{
	struct memsrc *m = ctx;
	if (m->done)
		return 0;
	m->done = true;
	*buf = m->d;
	return (la_ssize_t)m->n;
}

static void cleanup(void)
{
	if (base && rm_rf(base, NULL) < 0)
		fprintf(stderr, "cannot remove %s\n", base);
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	if (!d)
		abort();
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memsrc m = { data, size, false };
	struct layer_source src = { .read = mem_read, .ctx = &m, .total = size };
	struct layer_result res;
	struct err e = { 0 };

	if (!base) {
		char tmpl[] = "/tmp/pontoon-fuzz-layer.XXXXXX";
		if (!mkdtemp(tmpl))
			abort();
		base = xstrdup(tmpl);
		layer = path_join(base, "layer");
		outside = path_join(base, "outside");
		if (mkdir(outside, 0755) < 0)
			abort();
		atexit(cleanup);
	}
	if (mkdir(layer, 0755) < 0)
		abort();
	(void)layer_extract(&src, layer, "fuzz", NULL, NULL, &res, &e);
	if (entries(outside) != 0 || entries(base) != 2)
		abort(); /* something escaped the layer */
	if (rm_rf(layer, NULL) < 0)
		abort();
	return 0;
}
