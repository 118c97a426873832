/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <time.h>
#include "common.h"

static enum log_level level = LOG_LVL_WARN;
static const char *ident = "pontoon";
static bool stamps;

static const char *const names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_setup(const char *id, bool timestamps)
{
	ident = id;
	stamps = timestamps;
}

void log_set_level(enum log_level lvl)
{
	level = lvl;
}

enum log_level log_get_level(void)
{
	return level;
}

int log_parse_level(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (s && strcmp(s, names[i]) == 0)
			return (int)i;
	if (s && strcmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	return -EINVAL;
}

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n = 0;

	if (lvl > level)
		return;
	if (stamps) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n += strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += snprintf(line + n, sizeof(line) - n, ".%03ldZ %s %s: ", ts.tv_nsec / 1000000, ident, names[lvl]);
	} else if (lvl == LOG_LVL_ERROR) {
		n += snprintf(line + n, sizeof(line) - n, "%s: ", ident);
	} else {
		n += snprintf(line + n, sizeof(line) - n, "%s: %s: ", ident, names[lvl]);
	}
	if (n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	/* one write per line, so lines of concurrent writers never interleave */
	size_t len = strnlen(line, sizeof(line) - 2);
	line[len++] = '\n';
	int saved = errno;
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nowhere left to report it */
	}
	errno = saved;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}

int log_err(struct err *e, const char *fmt, ...)
{
	char ctx[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (ctx[0])
		log_error("%s: %s", ctx, err_msg(e));
	else
		log_error("%s", err_msg(e));
	return e && e->code ? -e->code : -EIO;
}
