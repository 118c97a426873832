/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netattach: attach a fresh network namespace to a bridge network and
 * detach it again, N times, three ways:
 *
 *   bare     the netlink requests alone (veth with its peer born inside the
 *            namespace and enslaved, address, link up, default route;
 *            detach: a synchronous RTM_DELLINK) -- the kernel's own cost
 *   pontoon  an attach/detach request to a running netd (JSON over its
 *            socket, IPAM, state file, nftables untouched per endpoint)
 *   cni      the CNI bridge plugin with host-local IPAM and ipMasq, as a
 *            runtime calls it (fork+exec, config on stdin)
 *
 * Namespaces are made and dropped outside the timed part. Run it through
 * bench/netattach/run, which puts everything inside private namespaces.
 *
 *   netattach-bench ITERATIONS ROOT RUN NETWORK CNI_PATH CNI_DATADIR
 */
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "netd.h"
#include "nl.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what, struct err *e)
{
	fprintf(stderr, "netattach: %s: %s\n", what, e ? err_msg(e) : strerror(errno));
	exit(1);
}

/* A named namespace at /run/netns/NAME, as `ip netns add` makes it. */
static void netns_add(const char *name)
{
	_cleanup_free_ char *path = xasprintf("/run/netns/%s", name);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd;
	fd = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0444);
	if (self < 0 || fd < 0)
		die(path, NULL);
	close(fd);
	if (unshare(CLONE_NEWNET) < 0 || mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		die("make a namespace", NULL);
	if (setns(self, CLONE_NEWNET) < 0)
		die("return to the bench namespace", NULL);
	close(self);
}

static void netns_del(const char *name)
{
	_cleanup_free_ char *path = xasprintf("/run/netns/%s", name);
	umount2(path, MNT_DETACH);
	unlink(path);
}

/* ---- bare ---- */

struct bare {
	struct nl *nl;
	uint32_t br;
};

static void bare_setup(struct bare *b)
{
	struct err e = { 0 };
	struct nl_addr gw = { .family = AF_INET, .prefix = 16, .b = { 10, 78, 0, 1 } };
	if (nl_open(&b->nl, &e) < 0 || nl_bridge_add(b->nl, "benchbr0", 0, NULL, &b->br, &e) < 0 ||
	    nl_addr_add(b->nl, b->br, &gw, &e) < 0)
		die("bare setup", &e);
}

static void bare_attach(struct bare *b, const char *ns, int i)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], host[16];
	_cleanup_free_ char *path = xasprintf("/run/netns/%s", ns);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_(nl_closep) struct nl *in = NULL;
	struct nl_addr a = { .family = AF_INET, .prefix = 16, .b = { 10, 78, (uint8_t)(2 + i / 250), (uint8_t)(2 + i % 250) } };
	struct nl_addr gw = { .family = AF_INET, .b = { 10, 78, 0, 1 } };
	struct err e = { 0 };
	uint32_t idx;

	snprintf(host, sizeof(host), "bvb%d", i);
	if (nl_talk(b->nl, nl_msg_veth_new(buf, host, "eth0", fd, 0, NULL, b->br), NULL, NULL, &e) < 0 ||
	    nl_open_netns(fd, &in, &e) < 0 || nl_link_index(in, "eth0", &idx, &e) < 0 ||
	    nl_addr_add(in, idx, &a, &e) < 0 || nl_link_set_up(in, idx, "eth0", &e) < 0 ||
	    nl_default_route_add(in, idx, &gw, &e) < 0)
		die("bare attach", &e);
}

static void bare_detach(struct bare *b, int i)
{
	char host[16];
	struct err e = { 0 };
	snprintf(host, sizeof(host), "bvb%d", i);
	if (nl_link_del(b->nl, 0, host, &e) < 0)
		die("bare detach", &e);
}

/* ---- pontoon ---- */

static void pontoon_call(const struct netd_paths *p, json_object *req, char hostif[16])
{
	_cleanup_json_ json_object *reply = NULL;
	struct err e = { 0 };
	json_object *ep;
	if (netd_call(p, req, false, &reply, &e) < 0)
		die("netd request", &e);
	json_object_put(req);
	if (hostif && json_object_object_get_ex(reply, "endpoint", &ep))
		snprintf(hostif, 16, "pnv%.8s", json_object_get_string(ep));
}

static void pontoon_attach(const struct netd_paths *p, const char *net, const char *ns, char hostif[16])
{
	json_object *req = netd_request_new("attach");
	_cleanup_free_ char *path = xasprintf("/run/netns/%s", ns);
	json_object_object_add(req, "container", json_object_new_string(ns));
	json_object_object_add(req, "name", json_object_new_string(ns));
	json_object_object_add(req, "netns", json_object_new_string(path));
	json_object_object_add(req, "network", json_object_new_string(net));
	pontoon_call(p, req, hostif);
}

static void pontoon_detach(const struct netd_paths *p, const char *net, const char *ns)
{
	json_object *req = netd_request_new("detach");
	json_object_object_add(req, "container", json_object_new_string(ns));
	json_object_object_add(req, "network", json_object_new_string(net));
	pontoon_call(p, req, NULL);
}

/* netd deletes the host veth in the background after detach returns; let
 * it finish (untimed) so the next attach is measured alone, as bare's is. */
static void settle(const char *hostif)
{
	for (int i = 0; i < 5000 && if_nametoindex(hostif) != 0; i++)
		usleep(1000);
}

/* ---- CNI ---- */

static void cni(const char *cmd, const char *cni_path, const char *datadir, const char *ns)
{
	_cleanup_free_ char *conf = xasprintf(
		"{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"type\":\"bridge\",\"bridge\":\"cnibr0\","
		"\"isGateway\":true,\"ipMasq\":true,\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.79.0.0/16\","
		"\"dataDir\":\"%s\"}}",
		datadir);
	_cleanup_free_ char *plugin = xasprintf("%s/bridge", cni_path);
	int in[2], status;
	pid_t pid;

	if (pipe(in) < 0)
		die("pipe", NULL);
	pid = fork();
	if (pid == 0) {
		char env_cmd[32], env_id[64], env_ns[128], env_path[256];
		snprintf(env_cmd, sizeof(env_cmd), "CNI_COMMAND=%s", cmd);
		snprintf(env_id, sizeof(env_id), "CNI_CONTAINERID=%s", ns);
		snprintf(env_ns, sizeof(env_ns), "CNI_NETNS=/run/netns/%s", ns);
		snprintf(env_path, sizeof(env_path), "CNI_PATH=%s", cni_path);
		char *envp[] = { env_cmd, env_id, env_ns, "CNI_IFNAME=eth0", env_path,
				 "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		char *argv[] = { plugin, NULL };
		dup2(in[0], STDIN_FILENO);
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		execve(plugin, argv, envp);
		_exit(127);
	}
	close(in[0]);
	if (write(in[1], conf, strlen(conf)) < 0)
		die("write CNI config", NULL);
	close(in[1]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "netattach: CNI %s failed (status %d)\n", cmd, status);
		exit(1);
	}
}

/* ---- figures ---- */

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct stat2 {
	double med, p90;
};

static struct stat2 stats(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return (struct stat2){ v[n / 2], v[(n * 9) / 10] };
}

enum { BARE, PONTOON, CNI, NWAYS };

int main(int argc, char **argv)
{
	static const char *const names[] = { "bare kernel (netlink only)", "pontoon netd", "CNI bridge + host-local" };
	struct netd_paths p;
	struct bare b = { 0 };
	struct stat2 at[NWAYS], de[NWAYS];
	int n;

	if (argc != 7) {
		fprintf(stderr, "usage: netattach-bench ITERATIONS ROOT RUN NETWORK CNI_PATH CNI_DATADIR\n");
		return 2;
	}
	n = atoi(argv[1]);
	if (n < 10)
		n = 10;
	p = (struct netd_paths){ .root = argv[2], .run = argv[3] };
	bool have_cni = access(argv[5], X_OK) == 0;
	double *ta = xcalloc((size_t)n, sizeof(double)), *td = xcalloc((size_t)n, sizeof(double));

	bare_setup(&b);
	for (int way = 0; way < NWAYS; way++) {
		if (way == CNI && !have_cni)
			break;
		for (int i = 0; i < n; i++) {
			char ns[32], hostif[16] = "";
			snprintf(ns, sizeof(ns), "b%d-%d", way, i);
			netns_add(ns);
			double t0 = now_ms();
			if (way == BARE)
				bare_attach(&b, ns, i);
			else if (way == PONTOON)
				pontoon_attach(&p, argv[4], ns, hostif);
			else
				cni("ADD", argv[5], argv[6], ns);
			double t1 = now_ms();
			if (way == BARE)
				bare_detach(&b, i);
			else if (way == PONTOON)
				pontoon_detach(&p, argv[4], ns);
			else
				cni("DEL", argv[5], argv[6], ns);
			double t2 = now_ms();
			ta[i] = t1 - t0;
			td[i] = t2 - t1;
			if (way == PONTOON)
				settle(hostif);
			netns_del(ns);
		}
		at[way] = stats(ta, n);
		de[way] = stats(td, n);
	}
	printf("netattach: attach and detach of a network namespace, %d iterations each (ms)\n\n", n);
	printf("%-28s %14s %10s %14s %10s\n", "", "attach median", "p90", "detach median", "p90");
	for (int way = 0; way < NWAYS; way++) {
		if (way == CNI && !have_cni) {
			printf("%-28s %s\n", names[way], "(not installed: scripts/deps --bench)");
			continue;
		}
		printf("%-28s %14.3f %10.3f %14.3f %10.3f\n", names[way], at[way].med, at[way].p90, de[way].med,
		       de[way].p90);
	}
	printf("\npontoon / bare kernel, attach median: %.2fx (target <= 1.5x)\n", at[PONTOON].med / at[BARE].med);
	printf("bare kernel / pontoon, detach median: %.0fx faster (netd answers, then deletes the veth in a\n"
	       "  background thread; the next attach is measured after that deletion ends, as the bare one is)\n",
	       de[BARE].med / de[PONTOON].med);
	if (have_cni) {
		printf("CNI / pontoon, attach median: %.1fx faster (target >= 30x)\n", at[CNI].med / at[PONTOON].med);
		printf("CNI / pontoon, detach median: %.1fx faster\n", de[CNI].med / de[PONTOON].med);
	}
	nl_close(b.nl);
	free(ta);
	free(td);
	return 0;
}
