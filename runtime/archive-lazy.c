/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libarchive, loaded on first use: see archive-lazy.h. */
#include <dlfcn.h>
#include <pthread.h>
#include "common.h"
#define ARCHIVE_LAZY_IMPL
#include "archive-lazy.h"

/* Debian 12's soname; the unversioned name works where the -dev package is installed. */
static const char *const sonames[] = { "libarchive.so.13", "libarchive.so" };
static struct archive_lib lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static _Noreturn void load_failed(const char *what)
{
	log_error("cannot load libarchive (package libarchive13): %s", what);
	_exit(127);
}

static void load(void)
{
	void *h = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(sonames) && !h; i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		load_failed(dlerror());
#define X(f) \
	*(void **)&lib.f = dlsym(h, #f); \
	if (!lib.f) \
		load_failed("missing symbol " #f);
	ARCHIVE_FUNCS(X)
#undef X
}

const struct archive_lib *archive_lib(void)
{
	pthread_once(&once, load);
	return &lib;
}
