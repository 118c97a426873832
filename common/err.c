/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common.h"

static int vset(struct err *e, int code, bool add_cause, const char *fmt, va_list ap)
{
	if (code <= 0)
		code = code < 0 ? -code : EIO;
	if (!e)
		return -code;
	e->code = code;
	int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (add_cause && n >= 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(code));
	return -code;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(e, code, true, fmt, ap);
	va_end(ap);
	return r;
}

int err_setx(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(e, code, false, fmt, ap);
	va_end(ap);
	return r;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	char ctx[256], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return -EIO;
	if (e->code <= 0)
		e->code = EIO;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* "ctx: old", cut at the buffer's end: the outermost context matters most */
	const char *parts[] = { ctx, ": ", old[0] ? old : strerror(e->code) };
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		size_t l = strnlen(parts[i], sizeof(e->msg) - 1 - n);
		memcpy(e->msg + n, parts[i], l);
		n += l;
	}
	e->msg[n] = '\0';
	return -e->code;
}

void err_clear(struct err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

const char *err_msg(const struct err *e)
{
	if (!e || e->code == 0)
		return "unknown error";
	return e->msg[0] ? e->msg : strerror(e->code);
}
