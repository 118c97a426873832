/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsers for what users type on the command line: pure, strict, fuzzed. */
#include <ctype.h>
#include <signal.h>
#include <strings.h>
#include <sys/capability.h>
#include "runtime.h"

void rt_bind_done(struct rt_bind *b)
{
	free(b->src);
	free(b->dst);
	b->src = b->dst = NULL;
}

static bool path_is_clean(const char *p)
{
	/* absolute, no "..", no empty components beyond "//" collapse */
	if (p[0] != '/')
		return false;
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s += n;
	}
	return true;
}

static bool volume_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 128 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

int rt_parse_bind(const char *s, struct rt_bind *ret, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(s ? s : "");
	char *parts[4] = { 0 };
	int n = 0;

	for (char *p = copy, *tok; (tok = strsep(&p, ":"));) {
		if (n == 4)
			break;
		parts[n++] = tok;
	}
	if (n < 2 || n > 3)
		return err_setx(e, EINVAL, "invalid volume spec \"%s\": use SRC:DST[:ro]", s ? s : "");
	if (n == 3 && strcmp(parts[2], "ro") != 0 && strcmp(parts[2], "rw") != 0)
		return err_setx(e, EINVAL, "invalid volume spec \"%s\": mode must be ro or rw", s);
	if (!parts[0][0] || !parts[1][0])
		return err_setx(e, EINVAL, "invalid volume spec \"%s\": empty source or destination", s);
	if (!path_is_clean(parts[1]) || strcmp(parts[1], "/") == 0)
		return err_setx(e, EINVAL, "invalid volume spec \"%s\": destination must be an absolute path other than / without ..", s);
	if (strlen(parts[1]) > 1024 || strlen(parts[0]) > 1024)
		return err_setx(e, EINVAL, "invalid volume spec: path too long");
	bool volume = parts[0][0] != '/';
	if (volume && !volume_name_ok(parts[0]))
		return err_setx(e, EINVAL, "invalid volume name \"%s\": use [a-zA-Z0-9][a-zA-Z0-9_.-]+, or an absolute host path", parts[0]);
	if (!volume && !path_is_clean(parts[0]))
		return err_setx(e, EINVAL, "invalid volume spec \"%s\": source must not contain ..", s);
	ret->src = xstrdup(parts[0]);
	ret->dst = xstrdup(parts[1]);
	ret->ro = n == 3 && strcmp(parts[2], "ro") == 0;
	ret->volume = volume;
	return 0;
}

int rt_parse_cpus(const char *s, uint64_t *ret_nano, struct err *e)
{
	uint64_t whole = 0, frac = 0;
	size_t i = 0, nfrac = 0;

	if (!s || (!isdigit((unsigned char)s[0]) && s[0] != '.'))
		goto bad;
	for (; isdigit((unsigned char)s[i]); i++) {
		if (whole > 1000000)
			goto bad;
		whole = whole * 10 + (uint64_t)(s[i] - '0');
	}
	if (s[i] == '.') {
		for (i++; isdigit((unsigned char)s[i]); i++, nfrac++) {
			if (nfrac >= 9)
				goto bad;
			frac = frac * 10 + (uint64_t)(s[i] - '0');
		}
		if (nfrac == 0 && i == 1)
			goto bad;
	}
	if (s[i] != '\0')
		goto bad;
	for (; nfrac < 9; nfrac++)
		frac *= 10;
	uint64_t nano = whole * 1000000000ull + frac;
	/* the CFS quota has a 1 ms floor at a 100 ms period */
	if (nano < 10000000ull)
		return err_setx(e, EINVAL, "invalid --cpus \"%s\": at least 0.01", s);
	if (nano > 1024ull * 1000000000ull)
		return err_setx(e, EINVAL, "invalid --cpus \"%s\": at most 1024", s);
	*ret_nano = nano;
	return 0;
bad:
	return err_setx(e, EINVAL, "invalid --cpus \"%s\": use a decimal number such as 0.5 or 2", s ? s : "");
}

int rt_parse_cpuset(const char *s, char **ret, struct err *e)
{
	const char *p = s;
	if (!s || !*s || strlen(s) > 256)
		goto bad;
	while (*p) {
		uint64_t a = 0, b;
		size_t n = 0;
		for (; isdigit((unsigned char)*p); p++, n++) {
			a = a * 10 + (uint64_t)(*p - '0');
			if (a > 8191)
				goto bad;
		}
		if (!n)
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			b = 0;
			n = 0;
			for (; isdigit((unsigned char)*p); p++, n++) {
				b = b * 10 + (uint64_t)(*p - '0');
				if (b > 8191)
					goto bad;
			}
			if (!n || b < a)
				goto bad;
		}
		if (*p == ',') {
			p++;
			if (!*p)
				goto bad;
		} else if (*p) {
			goto bad;
		}
	}
	*ret = xstrdup(s);
	return 0;
bad:
	return err_setx(e, EINVAL, "invalid --cpuset-cpus \"%s\": use a CPU list such as 0-1,3", s ? s : "");
}

int rt_parse_memory(const char *s, uint64_t *ret, struct err *e)
{
	uint64_t v;
	if (!s || parse_size(s, &v) < 0)
		return err_setx(e, EINVAL, "invalid --memory \"%s\": use a size such as 512m or 1g", s ? s : "");
	if (v < 6ull << 20)
		return err_setx(e, EINVAL, "invalid --memory \"%s\": the minimum is 6m", s);
	if (v > 1ull << 50)
		return err_setx(e, EINVAL, "invalid --memory \"%s\": too large", s);
	*ret = v;
	return 0;
}

int rt_parse_pids_limit(const char *s, int64_t *ret, struct err *e)
{
	uint64_t v;
	if (s && strcmp(s, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	if (!s || parse_uint(s, 0, 4194304, &v) < 0)
		return err_setx(e, EINVAL, "invalid --pids-limit \"%s\": use a number of processes, or -1 for no limit", s ? s : "");
	*ret = v == 0 ? -1 : (int64_t)v;
	return 0;
}

int rt_parse_cap(const char *s, int *ret, struct err *e)
{
	char name[64];
	cap_value_t v;

	if (!s || !*s || strlen(s) > 40)
		goto bad;
	if (strcasecmp(s, "ALL") == 0) {
		*ret = -1;
		return 0;
	}
	snprintf(name, sizeof(name), "%s%s", strncasecmp(s, "CAP_", 4) == 0 ? "" : "cap_", s);
	for (char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			goto bad;
		*p = (char)tolower((unsigned char)*p);
	}
	/* cap_from_name also takes numbers; Docker takes names only */
	if (cap_from_name(name, &v) < 0 || isdigit((unsigned char)name[4]) || v < 0 || v > CAP_LAST_CAP)
		goto bad;
	*ret = v;
	return 0;
bad:
	return err_setx(e, EINVAL, "unknown capability \"%s\"", s ? s : "");
}

static bool name_ok(const char *s, size_t len)
{
	/* user and group names as shadow-utils accepts them */
	if (len == 0 || len > 32 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]) && !(s[i] == '$' && i == len - 1))
			return false;
	return true;
}

static bool id_or_name_ok(const char *s, size_t len)
{
	char buf[16];
	uint64_t v;
	if (len > 0 && isdigit((unsigned char)s[0])) {
		if (len >= sizeof(buf))
			return false;
		memcpy(buf, s, len);
		buf[len] = '\0';
		return parse_uint(buf, 0, 4294967294u, &v) == 0;
	}
	return name_ok(s, len);
}

int rt_parse_user(const char *s, struct err *e)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	if (!s || !*s)
		goto bad;
	if (!colon) {
		if (!id_or_name_ok(s, strlen(s)))
			goto bad;
		return 0;
	}
	if (!id_or_name_ok(s, (size_t)(colon - s)) || !id_or_name_ok(colon + 1, strlen(colon + 1)))
		goto bad;
	return 0;
bad:
	return err_setx(e, EINVAL, "invalid user \"%s\": use NAME|UID[:GROUP|GID]", s ? s : "");
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL }, { "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
	{ "SEGV", SIGSEGV }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int rt_parse_signal(const char *s, int *ret, struct err *e)
{
	uint64_t v;
	const char *n = s;

	if (!s || !*s)
		goto bad;
	if (parse_uint(s, 1, 64, &v) == 0) {
		*ret = (int)v;
		return 0;
	}
	if (strncasecmp(n, "SIG", 3) == 0)
		n += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
		if (strcasecmp(n, signals[i].name) == 0) {
			*ret = signals[i].sig;
			return 0;
		}
	}
bad:
	return err_setx(e, EINVAL, "invalid signal \"%s\"", s ? s : "");
}

int rt_parse_name(const char *s, struct err *e)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 128 || !isalnum((unsigned char)s[0]))
		goto bad;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			goto bad;
	/* a name that looks like a full id would shadow id lookups */
	if (id_is_valid(s))
		goto bad;
	return 0;
bad:
	return err_setx(e, EINVAL, "invalid container name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", s ? s : "");
}

int rt_parse_hostname(const char *s, struct err *e)
{
	size_t n = s ? strlen(s) : 0, label = 0;
	if (n < 1 || n > 63)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				goto bad;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && !(s[i] == '-' && label > 0) && s[i] != '_')
			goto bad;
		label++;
	}
	if (label == 0 || s[n - 1] == '-')
		goto bad;
	return 0;
bad:
	return err_setx(e, EINVAL, "invalid hostname \"%s\"", s ? s : "");
}

int rt_parse_env(const char *s, char **ret, struct err *e)
{
	const char *eq = s ? strchr(s, '=') : NULL;
	size_t klen = eq ? (size_t)(eq - s) : (s ? strlen(s) : 0);

	if (!s || klen == 0)
		return err_setx(e, EINVAL, "invalid environment variable \"%s\": use KEY=VALUE", s ? s : "");
	for (size_t i = 0; i < klen; i++)
		if (isspace((unsigned char)s[i]))
			return err_setx(e, EINVAL, "invalid environment variable \"%s\": whitespace in the name", s);
	if (eq) {
		*ret = xstrdup(s);
		return 0;
	}
	const char *v = getenv(s);
	*ret = v ? xasprintf("%s=%s", s, v) : NULL;
	return 0;
}

int rt_parse_network(const char *s, struct err *e)
{
	if (!s || !*s)
		return err_setx(e, EINVAL, "empty --network");
	if (strcmp(s, "none") == 0 || strcmp(s, "host") == 0)
		return 0;
	if (strncmp(s, "container:", 10) == 0) {
		if (!s[10])
			return err_setx(e, EINVAL, "invalid --network \"%s\": name a container", s);
		return 0;
	}
	/* a network's name or id: netd knows whether it exists */
	size_t n = strlen(s);
	if (n > 128 || !isalnum((unsigned char)s[0]))
		return err_setx(e, EINVAL, "invalid --network \"%.140s\"", s);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return err_setx(e, EINVAL, "invalid --network \"%.140s\"", s);
	return 0;
}

int rt_parse_env_file(const char *path, char ***env, struct err *e)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r = read_file(path, 1 << 20, &data, &len, e);
	if (r < 0)
		return err_wrap(e, "read --env-file");
	for (char *p = data, *line; (line = strsep(&p, "\n"));) {
		line[strcspn(line, "\r")] = '\0';
		while (isspace((unsigned char)*line))
			line++;
		if (!*line || *line == '#')
			continue;
		_cleanup_free_ char *v = NULL;
		r = rt_parse_env(line, &v, e);
		if (r < 0)
			return err_wrap(e, "%s", path);
		if (v)
			strv_push(env, v);
	}
	return 0;
}
