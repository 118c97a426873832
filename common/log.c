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

void utc_time(int64_t t, struct utc_time *ret)
{
	/* days to civil date: the proleptic Gregorian calendar in 400-year eras */
	int64_t days = t / 86400, secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	ret->year = (int)(yoe + era * 400 + (m <= 2));
	ret->mon = (int)m;
	ret->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	ret->hour = (int)(secs / 3600);
	ret->min = (int)(secs / 60 % 60);
	ret->sec = (int)(secs % 60);
}

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n = 0;

	if (lvl > level)
		return;
	if (stamps) {
		struct timespec ts;
		struct utc_time u;
		clock_gettime(CLOCK_REALTIME, &ts);
		utc_time(ts.tv_sec, &u);
		n += (size_t)snprintf(line, sizeof(line),
				      "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", u.year % 10000, u.mon, u.mday,
				      u.hour, u.min, u.sec, ts.tv_nsec / 1000000, ident, names[lvl]);
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
