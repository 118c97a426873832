/* SPDX-License-Identifier: GPL-2.0-or-later */
/* struct rt_config and struct rt_state <-> JSON (config.json, state.json). */
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include "runtime.h"
#include "rt-internal.h"

void rt_config_init(struct rt_config *c)
{
	memset(c, 0, sizeof(*c));
	c->stop_signal = SIGTERM;
	c->stop_timeout = 10;
	c->pids_limit = -1;
}

void rt_netconf_done(struct rt_netconf *n)
{
	free(n->name);
	free(n->ip);
	free(n->ip6);
	strv_free(n->aliases);
	strv_free(n->links);
	free(n->mac);
	memset(n, 0, sizeof(*n));
}

bool rt_config_own_netns(const struct rt_config *c)
{
	return !c->network || (strcmp(c->network, "host") != 0 && strncmp(c->network, "container:", 10) != 0);
}

ssize_t rt_config_net_find(const struct rt_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_nets; i++)
		if (strcmp(c->nets[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

void rt_config_done(struct rt_config *c)
{
	free(c->name);
	free(c->created);
	free(c->image);
	free(c->image_id);
	strv_free(c->layers);
	free(c->hostname);
	free(c->user);
	strv_free(c->env);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	free(c->workdir);
	strv_free(c->exposed);
	strv_free(c->ports);
	strv_free(c->cap_add);
	strv_free(c->cap_drop);
	strv_free(c->security_opt);
	for (size_t i = 0; i < c->n_binds; i++)
		rt_bind_done(&c->binds[i]);
	free(c->binds);
	free(c->cpuset);
	free(c->network);
	for (size_t i = 0; i < c->n_nets; i++)
		rt_netconf_done(&c->nets[i]);
	free(c->nets);
	strv_free(c->dns);
	strv_free(c->dns_search);
	strv_free(c->dns_opt);
	strv_free(c->add_hosts);
	strv_free(c->links);
	rt_config_init(c);
}

char **rt_config_argv(const struct rt_config *c)
{
	char **v = NULL;
	for (size_t i = 0; c->entrypoint && c->entrypoint[i]; i++)
		strv_push(&v, c->entrypoint[i]);
	for (size_t i = 0; c->cmd && c->cmd[i]; i++)
		strv_push(&v, c->cmd[i]);
	return v;
}

json_object *rt_strv_to_json(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

char **rt_strv_from_json(json_object *a)
{
	char **v = NULL;
	if (!a || !json_object_is_type(a, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);
		if (json_object_is_type(s, json_type_string))
			strv_push(&v, json_object_get_string(s));
	}
	return v;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static char *get_str(json_object *o, const char *k)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	return *s ? xstrdup(s) : NULL;
}

static int64_t get_int(json_object *o, const char *k, int64_t def)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

static bool get_bool(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static json_object *get_obj(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static json_object *nets_to_json(const struct rt_config *c)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < c->n_nets; i++) {
		const struct rt_netconf *n = &c->nets[i];
		json_object *o = json_object_new_object();
		add_str(o, "Name", n->name);
		add_str(o, "IPv4Address", n->ip);
		add_str(o, "IPv6Address", n->ip6);
		add_str(o, "MacAddress", n->mac);
		json_object_object_add(o, "Aliases", rt_strv_to_json(n->aliases));
		if (n->links)
			json_object_object_add(o, "Links", rt_strv_to_json(n->links));
		json_object_array_add(a, o);
	}
	return a;
}

static char *get_str(json_object *o, const char *k);
static json_object *get_obj(json_object *o, const char *k);

static int nets_from_json(json_object *a, struct rt_config *c, struct err *e)
{
	for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct rt_netconf n = { 0 };
		if (!json_object_is_type(o, json_type_object) || !(n.name = get_str(o, "Name")))
			return err_setx(e, EINVAL, "malformed container config: Networks[%zu]", i);
		n.ip = get_str(o, "IPv4Address");
		n.ip6 = get_str(o, "IPv6Address");
		n.mac = get_str(o, "MacAddress");
		n.aliases = rt_strv_from_json(get_obj(o, "Aliases"));
		n.links = rt_strv_from_json(get_obj(o, "Links"));
		c->nets = xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
		c->nets[c->n_nets++] = n;
	}
	return 0;
}

json_object *rt_config_to_json(const struct rt_config *c)
{
	json_object *o = json_object_new_object(), *cfg = json_object_new_object(), *hc = json_object_new_object();
	json_object *binds = json_object_new_array(), *ports = json_object_new_object();

	add_str(o, "Id", c->id);
	add_str(o, "Name", c->name);
	add_str(o, "Created", c->created);
	add_str(o, "Image", c->image);
	add_str(o, "ImageID", c->image_id);
	json_object_object_add(o, "Layers", rt_strv_to_json(c->layers));

	add_str(cfg, "Hostname", c->hostname);
	add_str(cfg, "User", c->user);
	json_object_object_add(cfg, "Env", rt_strv_to_json(c->env));
	json_object_object_add(cfg, "Entrypoint", rt_strv_to_json(c->entrypoint));
	json_object_object_add(cfg, "Cmd", rt_strv_to_json(c->cmd));
	add_str(cfg, "WorkingDir", c->workdir);
	add_str(cfg, "Image", c->image);
	json_object_object_add(cfg, "Tty", json_object_new_boolean(c->tty));
	json_object_object_add(cfg, "OpenStdin", json_object_new_boolean(c->stdin_open));
	for (size_t i = 0; c->exposed && c->exposed[i]; i++)
		json_object_object_add(ports, c->exposed[i], json_object_new_object());
	json_object_object_add(cfg, "ExposedPorts", ports);
	json_object_object_add(cfg, "StopSignal", json_object_new_int(c->stop_signal));
	json_object_object_add(cfg, "StopTimeout", json_object_new_int(c->stop_timeout));
	json_object_object_add(o, "Config", cfg);

	for (size_t i = 0; i < c->n_binds; i++) {
		_cleanup_free_ char *b = xasprintf("%s:%s%s", c->binds[i].src, c->binds[i].dst, c->binds[i].ro ? ":ro" : "");
		json_object_array_add(binds, json_object_new_string(b));
	}
	json_object_object_add(hc, "Binds", binds);
	add_str(hc, "NetworkMode", c->network ? c->network : "none");
	json_object_object_add(hc, "Memory", json_object_new_int64((int64_t)c->memory));
	json_object_object_add(hc, "NanoCpus", json_object_new_int64((int64_t)c->nano_cpus));
	json_object_object_add(hc, "PidsLimit", json_object_new_int64(c->pids_limit));
	add_str(hc, "CpusetCpus", c->cpuset);
	json_object_object_add(hc, "CapAdd", rt_strv_to_json(c->cap_add));
	json_object_object_add(hc, "CapDrop", rt_strv_to_json(c->cap_drop));
	json_object_object_add(hc, "SecurityOpt", rt_strv_to_json(c->security_opt));
	json_object_object_add(hc, "Privileged", json_object_new_boolean(c->privileged));
	json_object_object_add(hc, "ReadonlyRootfs", json_object_new_boolean(c->read_only));
	json_object_object_add(hc, "Init", json_object_new_boolean(c->init));
	json_object_object_add(hc, "AutoRemove", json_object_new_boolean(c->auto_remove));
	json_object_object_add(hc, "Dns", rt_strv_to_json(c->dns));
	json_object_object_add(hc, "DnsSearch", rt_strv_to_json(c->dns_search));
	json_object_object_add(hc, "DnsOptions", rt_strv_to_json(c->dns_opt));
	json_object_object_add(hc, "ExtraHosts", rt_strv_to_json(c->add_hosts));
	json_object_object_add(hc, "Links", rt_strv_to_json(c->links));
	json_object_object_add(hc, "PortSpecs", rt_strv_to_json(c->ports));
	json_object_object_add(hc, "PublishAllPorts", json_object_new_boolean(c->publish_all));
	json_object_object_add(o, "HostConfig", hc);
	json_object_object_add(o, "Networks", nets_to_json(c));
	return o;
}

int rt_config_from_json(json_object *o, struct rt_config *c, struct err *e)
{
	json_object *cfg = get_obj(o, "Config"), *hc = get_obj(o, "HostConfig"), *binds;
	_cleanup_free_ char *id = get_str(o, "Id");

	rt_config_init(c);
	if (!id || !id_is_valid(id) || !cfg || !hc)
		return err_setx(e, EINVAL, "malformed container config");
	memcpy(c->id, id, ID_LEN + 1);
	c->name = get_str(o, "Name");
	c->created = get_str(o, "Created");
	c->image = get_str(o, "Image");
	c->image_id = get_str(o, "ImageID");
	c->layers = rt_strv_from_json(get_obj(o, "Layers"));
	c->hostname = get_str(cfg, "Hostname");
	c->user = get_str(cfg, "User");
	c->env = rt_strv_from_json(get_obj(cfg, "Env"));
	c->entrypoint = rt_strv_from_json(get_obj(cfg, "Entrypoint"));
	c->cmd = rt_strv_from_json(get_obj(cfg, "Cmd"));
	c->workdir = get_str(cfg, "WorkingDir");
	c->tty = get_bool(cfg, "Tty");
	c->stdin_open = get_bool(cfg, "OpenStdin");
	c->stop_signal = (int)get_int(cfg, "StopSignal", SIGTERM);
	c->stop_timeout = (int)get_int(cfg, "StopTimeout", 10);
	json_object *ports = get_obj(cfg, "ExposedPorts");
	if (ports && json_object_is_type(ports, json_type_object)) {
		json_object_object_foreach(ports, k, v) {
			(void)v;
			strv_push(&c->exposed, k);
		}
	}
	c->ports = rt_strv_from_json(get_obj(hc, "PortSpecs"));
	c->publish_all = get_bool(hc, "PublishAllPorts");
	binds = get_obj(hc, "Binds");
	for (size_t i = 0; binds && json_object_is_type(binds, json_type_array) && i < json_object_array_length(binds); i++) {
		struct rt_bind b;
		if (rt_parse_bind(json_object_get_string(json_object_array_get_idx(binds, i)), &b, e) < 0)
			return err_wrap(e, "container config");
		c->binds = xrealloc(c->binds, (c->n_binds + 1) * sizeof(*c->binds));
		c->binds[c->n_binds++] = b;
	}
	c->network = get_str(hc, "NetworkMode");
	c->memory = (uint64_t)get_int(hc, "Memory", 0);
	c->nano_cpus = (uint64_t)get_int(hc, "NanoCpus", 0);
	c->pids_limit = get_int(hc, "PidsLimit", -1);
	c->cpuset = get_str(hc, "CpusetCpus");
	c->cap_add = rt_strv_from_json(get_obj(hc, "CapAdd"));
	c->cap_drop = rt_strv_from_json(get_obj(hc, "CapDrop"));
	c->security_opt = rt_strv_from_json(get_obj(hc, "SecurityOpt"));
	c->privileged = get_bool(hc, "Privileged");
	c->read_only = get_bool(hc, "ReadonlyRootfs");
	c->init = get_bool(hc, "Init");
	c->auto_remove = get_bool(hc, "AutoRemove");
	if (!c->network)
		c->network = xstrdup("none");
	c->dns = rt_strv_from_json(get_obj(hc, "Dns"));
	c->dns_search = rt_strv_from_json(get_obj(hc, "DnsSearch"));
	c->dns_opt = rt_strv_from_json(get_obj(hc, "DnsOptions"));
	c->add_hosts = rt_strv_from_json(get_obj(hc, "ExtraHosts"));
	c->links = rt_strv_from_json(get_obj(hc, "Links"));
	return nets_from_json(get_obj(o, "Networks"), c, e);
}

static char **strv_copy(char *const *v)
{
	char **r = NULL;
	for (size_t i = 0; v && v[i]; i++)
		strv_push(&r, v[i]);
	return r;
}

static bool env_has(char *const *env, const char *kv)
{
	size_t k = strcspn(kv, "=");
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], kv, k) == 0 && env[i][k] == '=')
			return true;
	return false;
}

void rt_config_apply_image(struct rt_config *c, const struct rt_image *img)
{
	char **env = NULL;

	free(c->image_id);
	c->image_id = xstrdup(img->id);
	strv_free(c->layers);
	c->layers = strv_copy(img->layers);
	/* the image's env first, then the user's overriding it */
	for (size_t i = 0; img->env && img->env[i]; i++)
		if (!env_has(c->env, img->env[i]))
			strv_push(&env, img->env[i]);
	for (size_t i = 0; c->env && c->env[i]; i++)
		strv_push(&env, c->env[i]);
	if (!env_has(env, "PATH="))
		strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_free(c->env);
	c->env = env;
	/* Docker: --entrypoint resets the image's Cmd; a user Cmd replaces the image's */
	if (!c->entrypoint)
		c->entrypoint = strv_copy(img->entrypoint);
	if (!c->cmd)
		c->cmd = strv_copy(img->cmd);
	if (!c->workdir && img->working_dir && *img->working_dir)
		c->workdir = xstrdup(img->working_dir);
	if (!c->user && img->user && *img->user)
		c->user = xstrdup(img->user);
	/* the image's, with --expose and -p's (Docker merges them) */
	for (size_t i = 0; img->exposed_ports && img->exposed_ports[i]; i++)
		if (!strv_contains(c->exposed, img->exposed_ports[i]))
			strv_push(&c->exposed, img->exposed_ports[i]);
}

/* ---- state ------------------------------------------------------------ */

const char *rt_status_name(enum rt_status s)
{
	switch (s) {
	case RT_CREATED:
		return "created";
	case RT_RUNNING:
		return "running";
	default:
		return "exited";
	}
}

void rt_rfc3339(const struct timespec *ts, char buf[40])
{
	/* utc_time, not gmtime_r, whose first call in a process loads the local
	 * time zone (/etc/localtime and its parser): syscalls, and code the
	 * static shim would carry for nothing else */
	struct utc_time u;
	utc_time(ts->tv_sec, &u);
	snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", u.year % 10000, u.mon, u.mday, u.hour, u.min, u.sec,
		 (unsigned)ts->tv_nsec % 1000000000u);
}

void rt_now_rfc3339(char buf[40])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	rt_rfc3339(&ts, buf);
}

json_object *rt_state_to_json(const struct rt_state *s)
{
	json_object *o = json_object_new_object();
	add_str(o, "Status", rt_status_name(s->status));
	json_object_object_add(o, "Running", json_object_new_boolean(s->status == RT_RUNNING));
	json_object_object_add(o, "Pid", json_object_new_int(s->status == RT_RUNNING ? s->pid : 0));
	json_object_object_add(o, "ShimPid", json_object_new_int(s->status == RT_RUNNING ? s->shim_pid : 0));
	json_object_object_add(o, "ExitCode", json_object_new_int(s->exit_code));
	json_object_object_add(o, "OOMKilled", json_object_new_boolean(s->oom_killed));
	add_str(o, "Error", s->error);
	add_str(o, "StartedAt", s->started[0] ? s->started : "0001-01-01T00:00:00Z");
	add_str(o, "FinishedAt", s->finished[0] ? s->finished : "0001-01-01T00:00:00Z");
	return o;
}

/*
 * A container's files are written atomically (temporary file + rename(2)), so
 * no reader and no crash of pontoon ever sees half a file, but without
 * fsync(2): on this kind of host (ext4 with discard) each fsync costs ~8 ms,
 * more than a whole container start. After a power loss the newest state may
 * be lost; rt_state_read() repairs "running" without a live shim to "exited",
 * and a container whose config.json is missing or empty is ignored by ps.
 */
int rt_write_file(const char *path, const char *data, size_t len, struct err *e)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp%d", path, (int)getpid());
	int r = fault_point("state");
	if (r < 0)
		return err_set(e, -r, "write %s", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); /* the dir is 0700 */
	if (fd < 0)
		return err_set(e, errno, "write %s", tmp);
	ssize_t n = write(fd, data, len);
	int saved = errno;
	close(fd);
	if (n != (ssize_t)len || rename(tmp, path) < 0) {
		saved = n < 0 ? saved : n != (ssize_t)len ? ENOSPC : errno;
		unlink(tmp);
		return err_set(e, saved, "write %s", path);
	}
	return 0;
}

int rt_write_json(const char *path, json_object *o, struct err *e)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	return rt_write_file(path, s, strlen(s), e);
}

int rt_config_write(const char *root, const struct rt_config *c, struct err *e)
{
	_cleanup_free_ char *path = rt_container_file(root, c->id, "config.json");
	_cleanup_json_ json_object *o = rt_config_to_json(c);
	return rt_write_json(path, o, e);
}

int rt_state_write(const char *root, const char *id, const struct rt_state *s, struct err *e)
{
	_cleanup_free_ char *path = rt_container_file(root, id, "state.json");
	_cleanup_json_ json_object *o = rt_state_to_json(s);
	return rt_write_json(path, o, e);
}

static void copy_str(char *dst, size_t n, json_object *o, const char *k)
{
	_cleanup_free_ char *v = get_str(o, k);
	snprintf(dst, n, "%s", v && strncmp(v, "0001-", 5) != 0 ? v : "");
}

int rt_state_parse(json_object *o, struct rt_state *s)
{
	_cleanup_free_ char *st = get_str(o, "Status");
	memset(s, 0, sizeof(*s));
	s->status = !st || strcmp(st, "created") == 0 ? RT_CREATED : strcmp(st, "running") == 0 ? RT_RUNNING : RT_EXITED;
	s->pid = (pid_t)get_int(o, "Pid", 0);
	s->shim_pid = (pid_t)get_int(o, "ShimPid", 0);
	s->exit_code = (int)get_int(o, "ExitCode", 0);
	s->oom_killed = get_bool(o, "OOMKilled");
	copy_str(s->started, sizeof(s->started), o, "StartedAt");
	copy_str(s->finished, sizeof(s->finished), o, "FinishedAt");
	copy_str(s->error, sizeof(s->error), o, "Error");
	return 0;
}
