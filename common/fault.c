/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection for tests: PONTOON_FAULT="site:N:ERRNO,..." makes the N-th
 * call of fault_point(site) fail with -ERRNO, or, with KILL for ERRNO, the
 * process die there by SIGKILL (crash tests). Compiled only into test builds
 * (PONTOON_FAULT_INJECTION); release builds get an inline no-op.
 */
#include <signal.h>
#include "common.h"

#ifdef PONTOON_FAULT_INJECTION
#define MAX_FAULTS 8

static struct fault {
	char site[32];
	unsigned long nth, calls;
	int code;
} faults[MAX_FAULTS];
static size_t nfaults;
static bool loaded;

static const struct {
	const char *name;
	int code;
} errnames[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EIO", EIO }, { "ENOMEM", ENOMEM },
	{ "EACCES", EACCES }, { "EBUSY", EBUSY }, { "EEXIST", EEXIST }, { "EINVAL", EINVAL },
	{ "ENOSPC", ENOSPC }, { "EAGAIN", EAGAIN }, { "ENOBUFS", ENOBUFS }, { "EFBIG", EFBIG },
	{ "EMFILE", EMFILE }, { "ENODEV", ENODEV }, { "ETIMEDOUT", ETIMEDOUT },
};

#define FAULT_KILL (-1)

static int parse_code(const char *s)
{
	uint64_t v;
	if (strcmp(s, "KILL") == 0)
		return FAULT_KILL;
	for (size_t i = 0; i < ARRAY_SIZE(errnames); i++)
		if (strcmp(s, errnames[i].name) == 0)
			return errnames[i].code;
	if (parse_uint(s, 1, 4095, &v) == 0)
		return (int)v;
	return EIO;
}

void fault_reset(const char *spec)
{
	nfaults = 0;
	loaded = true;
	if (!spec)
		spec = getenv("PONTOON_FAULT");
	if (!spec || !*spec)
		return;
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok && nfaults < MAX_FAULTS; tok = strtok_r(NULL, ",", &save)) {
		char *n = strchr(tok, ':');
		if (!n)
			continue;
		*n++ = '\0';
		char *c = strchr(n, ':');
		if (c)
			*c++ = '\0';
		uint64_t nth;
		if (parse_uint(n, 1, UINT64_MAX, &nth) < 0)
			continue;
		struct fault *f = &faults[nfaults++];
		snprintf(f->site, sizeof(f->site), "%s", tok);
		f->nth = nth;
		f->calls = 0;
		f->code = c ? parse_code(c) : EIO;
	}
}

int fault_point(const char *site)
{
	if (!loaded)
		fault_reset(NULL);
	for (size_t i = 0; i < nfaults; i++) {
		struct fault *f = &faults[i];
		if (strcmp(f->site, site) == 0 && ++f->calls == f->nth) {
			if (f->code == FAULT_KILL) {
				log_debug("fault injection: %s call %lu: SIGKILL", site, f->calls);
				kill(getpid(), SIGKILL);
			}
			log_debug("fault injection: %s call %lu fails with %s", site, f->calls, strerror(f->code));
			return -f->code;
		}
	}
	return 0;
}
#endif
