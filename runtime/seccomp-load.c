/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading the default seccomp filter from its compiled BPF program (made by
 * seccomp.c, cached under $ROOT/seccomp/): what the container's init does
 * just before exec. No libseccomp here, so the static shim carries none.
 *
 * File format: a 24-byte header ("PNTNBPF1", the number of instructions
 * (u32), 4 zero bytes, the FNV-1a 64 of the instructions (u64), host byte
 * order), then the instructions (struct sock_filter).
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "rt-internal.h"

#define BPF_MAGIC "PNTNBPF1"

struct bpf_header {
	char magic[8];
	uint32_t len;
	uint32_t zero;
	uint64_t sum;
};

static uint64_t fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

void rt_seccomp_header(void *hdr, const void *prog, size_t len)
{
	struct bpf_header h = { .len = (uint32_t)(len / sizeof(struct sock_filter)) };
	memcpy(h.magic, BPF_MAGIC, 8);
	h.sum = fnv1a(prog, len);
	memcpy(hdr, &h, sizeof(h));
}

size_t rt_seccomp_header_size(void)
{
	return sizeof(struct bpf_header);
}

int rt_seccomp_read(int fd, void **ret_prog, size_t *ret_len, struct err *e)
{
	struct bpf_header h;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_set(e, errno, "seccomp program");
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h.magic, BPF_MAGIC, 8) != 0 || h.zero ||
	    h.len == 0 || h.len > BPF_MAXINSNS ||
	    (size_t)st.st_size != sizeof(h) + (size_t)h.len * sizeof(struct sock_filter))
		return err_setx(e, EINVAL, "seccomp program: not a valid program file");
	size_t len = (size_t)h.len * sizeof(struct sock_filter);
	void *prog = xmalloc(len);
	if (pread(fd, prog, len, sizeof(h)) != (ssize_t)len || fnv1a(prog, len) != h.sum) {
		free(prog);
		return err_setx(e, EINVAL, "seccomp program: damaged (checksum)");
	}
	*ret_prog = prog;
	*ret_len = len;
	return 0;
}

int rt_seccomp_load(int fd, struct err *e)
{
	void *insns = NULL;
	size_t len = 0;
	int r = fault_point("seccomp");
	if (r < 0)
		return err_set(e, -r, "load the seccomp filter");
	r = rt_seccomp_read(fd, &insns, &len, e);
	if (r < 0)
		return err_wrap(e, "load the seccomp filter");
	struct sock_fprog prog = { .len = (unsigned short)(len / sizeof(struct sock_filter)), .filter = insns };
	r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
	/* as libseccomp: prctl where seccomp(2) is missing (before 3.17, valgrind) */
	if (r == -ENOSYS)
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ? -errno : 0;
	free(insns);
	if (r < 0)
		return err_set(e, -r, "load the seccomp filter");
	return 0;
}
