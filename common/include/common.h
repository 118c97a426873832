/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common: the pieces every pontoon module shares.
 *
 *   errors     return -errno; an optional caller-owned struct err carries a
 *              readable context chain ("create network x: add bridge pn-1: File exists")
 *   logging    levels, one line per message, to stderr (or a daemon's log fd)
 *   cleanup    __attribute__((cleanup)) helpers, TAKE_PTR / TAKE_FD
 *   memory     x*alloc: abort on out-of-memory, so call sites stay short
 *   files      atomic writes (temp + fsync + rename + fsync dir), JSON state files
 *   locks      flock(2) on a lock file
 *   parsing    strict numbers, sizes ("512m"), booleans
 *   ids        64-hex random ids, as Docker's
 *   faults     fault injection points for tests (PONTOON_FAULT, test builds only)
 */
#ifndef PONTOON_COMMON_H
#define PONTOON_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#define _wur_ __attribute__((warn_unused_result))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors ------------------------------------------------------------ */

struct err {
	int code;       /* positive errno; 0 while no error is set */
	char msg[512];  /* "context: context: cause" */
};

/* Set e (may be NULL) to code and a formatted message; the message gets
 * ": strerror(code)" appended unless it already names the cause.
 * Returns -code, so `return err_set(e, EINVAL, "bad %s", x);` reads well. */
int err_set(struct err *e, int code, const char *fmt, ...) _printf_(3, 4);
/* Like err_set, but the message is taken as complete: no strerror appended. */
int err_setx(struct err *e, int code, const char *fmt, ...) _printf_(3, 4);
/* Prepend "context: " to the message; returns -e->code (or -EIO if unset). */
int err_wrap(struct err *e, const char *fmt, ...) _printf_(2, 3);
void err_clear(struct err *e);
/* The message, or strerror of the code when no message was written. */
const char *err_msg(const struct err *e);

/* ---- logging ----------------------------------------------------------- */

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* ident prefixes every line ("pontoon"); timestamps for daemons' logs. */
void log_setup(const char *ident, bool timestamps);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* "error", "warn", "info", "debug" -> level; -EINVAL otherwise. */
int log_parse_level(const char *s);
void log_msg(enum log_level lvl, const char *fmt, ...) _printf_(2, 3);
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_get_level() >= LOG_LVL_DEBUG) \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)
/* Log e's message with a context prefix at error level; returns -e->code. */
int log_err(struct err *e, const char *fmt, ...) _printf_(2, 3);
/* Seconds since the epoch to UTC calendar fields (as gmtime_r, without the
 * time zone machinery that gmtime_r loads on its first call). */
struct utc_time {
	int year, mon, mday, hour, min, sec; /* mon 1-12 */
};
void utc_time(int64_t t, struct utc_time *ret);

/* ---- cleanup ----------------------------------------------------------- */

#define _cleanup_(f) __attribute__((cleanup(f)))
#define DEFINE_CLEANUP(type, fn) \
	static inline void fn##p(type *p) \
	{ \
		if (*p) \
			fn(*p); \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
void strv_free(char **v);
DEFINE_CLEANUP(char **, strv_free)
DEFINE_CLEANUP(json_tokener *, json_tokener_free)

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_json_ _cleanup_(json_putp)
#define _cleanup_strv_ _cleanup_(strv_freep)

#define TAKE_PTR(p) \
	({ \
		__typeof__(p) _p = (p); \
		(p) = NULL; \
		_p; \
	})
#define TAKE_FD(fd) \
	({ \
		int _fd = (fd); \
		(fd) = -EBADF; \
		_fd; \
	})

/* ---- memory: abort on OOM ------------------------------------------------ */

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
/* Append a copy of s; *v may be NULL. */
void strv_push(char ***v, const char *s);
bool strv_contains(char *const *v, const char *s);

/* ---- files --------------------------------------------------------------- */

/* Write data to path atomically: a temp file in the same directory, written
 * whole, fsync'd, renamed over path, and the directory fsync'd. On failure the
 * old file (if any) is intact and no temp file is left. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, struct err *e) _wur_;
/* Read a whole file (at most max bytes, else -EFBIG); NUL-terminated. */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct err *e) _wur_;
/* Atomic JSON state file (mode 0600, pretty-printed). */
int state_write_json(const char *path, json_object *obj, struct err *e) _wur_;
/* Parse a JSON state file; -ENOENT when missing (with e set). */
int state_read_json(const char *path, json_object **ret, struct err *e) _wur_;
/* mkdir -p with mode for the created components. */
int mkdir_p(const char *path, mode_t mode, struct err *e) _wur_;
/* rm -rf that stays on one filesystem and never follows symlinks. */
int rm_rf(const char *path, struct err *e) _wur_;
/* Join path components with '/'. */
char *path_join(const char *a, const char *b);

/* ---- locks ----------------------------------------------------------------- */

/* Open (creating) path and take an exclusive flock; returns the fd (>= 0).
 * With nonblock, -EWOULDBLOCK when someone else holds it. */
int lock_file(const char *path, bool nonblock, struct err *e) _wur_;

/* ---- parsing ------------------------------------------------------------------ */

/* Whole-string decimal unsigned integer in [min, max]. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret) _wur_;
/* Sizes as Docker takes them: "512", "512b", "64k", "32m", "1g" (binary units). */
int parse_size(const char *s, uint64_t *ret) _wur_;
/* "true"/"false"/"1"/"0"/"yes"/"no"/"on"/"off". */
int parse_bool(const char *s, bool *ret) _wur_;

/* ---- ids ---------------------------------------------------------------------- */

#define ID_LEN 64
#define SHORT_ID_LEN 12
/* 64 lowercase hex characters from getrandom(2), NUL-terminated (buf >= 65). */
int id_generate(char buf[ID_LEN + 1]) _wur_;
bool id_is_valid(const char *s);

/* ---- fault injection ---------------------------------------------------------- */

/* Sites: "netlink", "nft", "mount", "cgroup", "state" ... (free-form names).
 * PONTOON_FAULT="site:N:ERRNO[,site:N:ERRNO...]" makes the N-th call (1-based)
 * of fault_point(site) return -ERRNO (ERRNO by name, e.g. ENOSPC, or number);
 * ERRNO "KILL" makes the process SIGKILL itself there instead (crash tests).
 * Built only with PONTOON_FAULT_INJECTION; otherwise fault_point() is 0. */
#ifdef PONTOON_FAULT_INJECTION
int fault_point(const char *site);
/* Reset counters and re-read the spec (tests); spec NULL reads PONTOON_FAULT. */
void fault_reset(const char *spec);
#else
static inline int fault_point(const char *site)
{
	(void)site;
	return 0;
}
static inline void fault_reset(const char *spec)
{
	(void)spec;
}
#endif

#endif
