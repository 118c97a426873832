/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities (libcap) and the container's user, as Docker sets them. */
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include "rt-internal.h"

/* Docker's default set (moby oci/caps/defaults.go). */
static const int default_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
	CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

static int last_cap(void)
{
	/* the running kernel's, which may know more or fewer than our headers */
	int n = (int)cap_max_bits();
	return n > 0 && n <= 64 ? n - 1 : CAP_LAST_CAP;
}

static uint64_t all_caps(void)
{
	int last = last_cap();
	return last >= 63 ? ~0ull : (1ull << (last + 1)) - 1;
}

static int mask_of(char *const *names, bool *ret_all, uint64_t *ret, struct err *e)
{
	uint64_t m = 0;
	*ret_all = false;
	for (size_t i = 0; names && names[i]; i++) {
		int cap;
		int r = rt_parse_cap(names[i], &cap, e);
		if (r < 0)
			return r;
		if (cap < 0)
			*ret_all = true;
		else
			m |= 1ull << cap;
	}
	*ret = m;
	return 0;
}

int rt_caps_compute(const struct rt_config *c, uint64_t *ret_mask, struct err *e)
{
	uint64_t add, drop, m = 0;
	bool add_all, drop_all;
	int r;

	if (c->privileged) {
		*ret_mask = all_caps();
		return 0;
	}
	r = mask_of(c->cap_add, &add_all, &add, e);
	if (r >= 0)
		r = mask_of(c->cap_drop, &drop_all, &drop, e);
	if (r < 0)
		return r;
	if (add_all) {
		m = all_caps() & ~drop;
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
			m |= 1ull << default_caps[i];
		m = drop_all ? 0 : m & ~drop;
		m |= add;
	}
	*ret_mask = m & all_caps();
	return 0;
}

int rt_caps_bound(uint64_t mask, struct err *e)
{
	int last = last_cap();

	for (int cap = 0; cap <= last; cap++)
		if (!(mask & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return err_set(e, errno, "drop capability %d from the bounding set", cap);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return 0;
}

int rt_caps_apply(uint64_t mask, bool root_user, struct err *e)
{
	int last = last_cap();

	if (!root_user)
		return 0; /* setuid to a non-root user already cleared permitted and effective */
	cap_t caps = cap_init(), have = cap_get_proc();
	if (!caps || !have) {
		cap_free(caps);
		cap_free(have);
		return err_set(e, errno, "cap_init");
	}
	for (int cap = 0; cap <= last; cap++) {
		cap_flag_value_t v_have = CAP_CLEAR;
		/* root here may lack some (e.g. CAP_SYS_RESOURCE): keep what we have */
		cap_get_flag(have, cap, CAP_PERMITTED, &v_have);
		if (!(mask & (1ull << cap)) || v_have != CAP_SET)
			continue;
		cap_value_t v = cap;
		cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
		cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
		cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
	}
	int r = cap_set_proc(caps);
	int saved = errno;
	cap_free(caps);
	cap_free(have);
	if (r < 0)
		return err_set(e, saved, "set capabilities");
	return 0;
}

/* ---- users ----------------------------------------------------------- */

struct pwent {
	char name[64];
	uid_t uid;
	gid_t gid;
	char home[256];
};

/* Find by name or by number in a passwd(5)/group(5)-shaped file; field 2 is the id. */
static bool lookup(const char *file, const char *key, bool numeric, struct pwent *ret)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		char *fields[7] = { 0 }, *p = line;
		int n = 0;
		line[strcspn(line, "\n")] = '\0';
		for (char *tok; n < 7 && (tok = strsep(&p, ":"));)
			fields[n++] = tok;
		if (n < 3)
			continue;
		if (numeric ? strcmp(fields[2], key) != 0 : strcmp(fields[0], key) != 0)
			continue;
		snprintf(ret->name, sizeof(ret->name), "%s", fields[0]);
		ret->uid = (uid_t)strtoul(fields[2], NULL, 10);
		ret->gid = n > 3 ? (gid_t)strtoul(fields[3], NULL, 10) : 0;
		snprintf(ret->home, sizeof(ret->home), "%s", n > 5 && *fields[5] ? fields[5] : "/");
		return true;
	}
	return false;
}

/* Supplementary groups: every group in /etc/group listing the user. */
static size_t supplementary(const char *user, gid_t primary, gid_t *out, size_t max)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/group", "re");
	char line[4096];
	size_t n = 0;
	out[n++] = primary;
	while (f && user[0] && fgets(line, sizeof(line), f) && n < max) {
		char *fields[4] = { 0 }, *p = line;
		int k = 0;
		line[strcspn(line, "\n")] = '\0';
		for (char *tok; k < 4 && (tok = strsep(&p, ":"));)
			fields[k++] = tok;
		if (k < 4)
			continue;
		for (char *m = fields[3], *tok; (tok = strsep(&m, ","));)
			if (strcmp(tok, user) == 0)
				out[n++] = (gid_t)strtoul(fields[2], NULL, 10);
	}
	return n;
}

int rt_user_switch(const char *spec, bool *ret_root, char **ret_home, struct err *e)
{
	_cleanup_free_ char *u = xstrdup(spec && *spec ? spec : "0");
	char *g = strchr(u, ':');
	struct pwent pw = { .uid = 0, .gid = 0, .home = "/" };
	gid_t groups[64];
	size_t ngroups;

	if (g)
		*g++ = '\0';
	bool numeric = u[0] >= '0' && u[0] <= '9';
	if (!lookup("/etc/passwd", u, numeric, &pw)) {
		if (!numeric)
			return err_setx(e, ENOENT, "unable to find user %s: no matching entries in passwd file", u);
		pw.uid = (uid_t)strtoul(u, NULL, 10);
		pw.name[0] = '\0';
	}
	if (g) {
		struct pwent gr;
		bool gnum = g[0] >= '0' && g[0] <= '9';
		if (lookup("/etc/group", g, gnum, &gr))
			pw.gid = gr.uid; /* field 2 of group(5) is the gid */
		else if (gnum)
			pw.gid = (gid_t)strtoul(g, NULL, 10);
		else
			return err_setx(e, ENOENT, "unable to find group %s: no matching entries in group file", g);
	}
	ngroups = supplementary(pw.name, pw.gid, groups, ARRAY_SIZE(groups));
	if (setgroups(ngroups, groups) < 0)
		return err_set(e, errno, "setgroups");
	if (setresgid(pw.gid, pw.gid, pw.gid) < 0)
		return err_set(e, errno, "setgid %u", pw.gid);
	if (setresuid(pw.uid, pw.uid, pw.uid) < 0)
		return err_set(e, errno, "setuid %u", pw.uid);
	*ret_root = pw.uid == 0;
	*ret_home = xstrdup(pw.home);
	return 0;
}
