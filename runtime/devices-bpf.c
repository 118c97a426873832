/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program attached
 * to the container's cgroup2 directory, the v2 counterpart of the v1 devices
 * controller (which a cgroup2 directory does not have). The kernel runs it at
 * every mknod and open of a device node by a task in the cgroup, with
 * (type, access, major, minor); it returns 1 to allow, 0 to deny (EPERM).
 * On a hybrid host the program is honoured too (the kernel runs the BPF
 * programs, then the v1 rules), so both apply there.
 *
 * The program is built from rule strings in the v1 syntax ("c 1:3 rwm",
 * "b *:* m") and loaded with bpf(2) directly: no libbpf. Its shape:
 *
 *     r2 = ctx->access_type & 0xffff     device type (BPF_DEVCG_DEV_*)
 *     r3 = ctx->access_type >> 16        access asked (BPF_DEVCG_ACC_*)
 *     r4 = ctx->major, r5 = ctx->minor
 *     per rule: each test that fails jumps to the next rule
 *         if r2 != TYPE                   (unless the rule is for both types)
 *         if r3 & ~ACCESS != 0            (unless the rule allows rwm)
 *         if r4 != MAJOR, if r5 != MINOR  (unless "*")
 *         return 1
 *     return 0
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include "rt-internal.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU_K(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV_X(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define JNE_K(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

int rt_dev_rule_parse(const char *s, struct rt_dev_rule *r)
{
	char type, acc[8], maj[16], min[16];
	char tail;
	uint64_t v;

	*r = (struct rt_dev_rule){ .major = -1, .minor = -1 };
	if (!s || sscanf(s, "%c %15[^:]:%15s %7s %c", &type, maj, min, acc, &tail) != 4)
		return -EINVAL;
	if (type != 'a' && type != 'b' && type != 'c')
		return -EINVAL;
	r->type = type == 'a' ? 0 : type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
	if (strcmp(maj, "*") != 0) {
		if (parse_uint(maj, 0, INT32_MAX, &v) < 0)
			return -EINVAL;
		r->major = (int32_t)v;
	}
	if (strcmp(min, "*") != 0) {
		if (parse_uint(min, 0, INT32_MAX, &v) < 0)
			return -EINVAL;
		r->minor = (int32_t)v;
	}
	if (!acc[0])
		return -EINVAL;
	for (const char *a = acc; *a; a++) {
		const char *letters = "mrw";
		const char *at = strchr(letters, *a);
		int bit = at ? 1 << (at - letters) : 0; /* MKNOD, READ, WRITE */
		_Static_assert(BPF_DEVCG_ACC_READ == 2 && BPF_DEVCG_ACC_WRITE == 4 && BPF_DEVCG_ACC_MKNOD == 1,
			       "the kernel's access bits");
		if (!bit || (r->access & bit))
			return -EINVAL;
		r->access |= bit;
	}
	return 0;
}

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

static size_t rule_len(const struct rt_dev_rule *r)
{
	size_t n = 2; /* return 1 */
	n += r->type ? 1 : 0;
	n += r->access != ACC_ALL ? 3 : 0;
	n += (r->major >= 0 ? 1 : 0) + (r->minor >= 0 ? 1 : 0);
	return n;
}

size_t rt_dev_bpf_build(const struct rt_dev_rule *rules, size_t n, struct bpf_insn *out, size_t cap)
{
	size_t need = 6 + 2, k = 0;
	for (size_t i = 0; i < n; i++)
		need += rule_len(&rules[i]);
	if (!out || cap < need)
		return need;
	out[k++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	out[k++] = ALU_K(BPF_AND, BPF_REG_2, 0xffff);
	out[k++] = LDX_W(BPF_REG_3, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	out[k++] = ALU_K(BPF_RSH, BPF_REG_3, 16);
	out[k++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	out[k++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t i = 0; i < n; i++) {
		const struct rt_dev_rule *r = &rules[i];
		size_t next = k + rule_len(r);
#define TO_NEXT ((int16_t)(next - (k + 1)))
		if (r->type)
			out[k] = JNE_K(BPF_REG_2, r->type, TO_NEXT), k++;
		if (r->access != ACC_ALL) {
			out[k++] = MOV_X(BPF_REG_1, BPF_REG_3);
			out[k++] = ALU_K(BPF_AND, BPF_REG_1, ~r->access & ACC_ALL);
			out[k] = JNE_K(BPF_REG_1, 0, TO_NEXT), k++;
		}
		if (r->major >= 0)
			out[k] = JNE_K(BPF_REG_4, r->major, TO_NEXT), k++;
		if (r->minor >= 0)
			out[k] = JNE_K(BPF_REG_5, r->minor, TO_NEXT), k++;
#undef TO_NEXT
		out[k++] = ALU_K(BPF_MOV, BPF_REG_0, 1);
		out[k++] = EXIT();
	}
	out[k++] = ALU_K(BPF_MOV, BPF_REG_0, 0);
	out[k++] = EXIT();
	return k;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

/* Load the program for rules; the verifier's log goes into the message when it refuses. */
static int prog_load(const struct rt_dev_rule *rules, size_t n, struct err *e)
{
	size_t cnt = rt_dev_bpf_build(rules, n, NULL, 0);
	_cleanup_free_ struct bpf_insn *insns = xcalloc(cnt, sizeof(*insns));
	char log[1024] = "";
	union bpf_attr attr;

	rt_dev_bpf_build(rules, n, insns, cnt);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.expected_attach_type = BPF_CGROUP_DEVICE;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uintptr_t) "GPL";
	/* without a log first: a log (even of a success) costs a second
	 * verification when it does not fit */
	int fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0 && fd != -ENOMEM && fd != -EPERM) { /* again, for the verifier's word */
		attr.log_buf = (uintptr_t)log;
		attr.log_size = sizeof(log);
		attr.log_level = 1;
		int again = sys_bpf(BPF_PROG_LOAD, &attr);
		if (again >= 0)
			fd = again;
	}
	if (fd < 0)
		return err_set(e, -fd, "load the BPF device program%s%s", log[0] ? ": " : "", log);
	return fd;
}

int rt_cgroup_devices_bpf(const char *dir, struct err *e)
{
	struct rt_dev_rule rules[32];
	size_t n = 0;
	union bpf_attr attr;

	int r = fault_point("cgroup");
	if (r < 0)
		return err_set(e, -r, "attach the device rules to %s", dir);
	for (size_t i = 0; i < rt_devices_allow_n && n < ARRAY_SIZE(rules); i++)
		if (rt_dev_rule_parse(rt_devices_allow[i], &rules[n]) == 0)
			n++;
	_cleanup_close_ int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return err_set(e, errno, "open %s", dir);
	_cleanup_close_ int prog = prog_load(rules, n, e);
	if (prog < 0)
		return prog;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cg;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI; /* with whatever the parents have (all must allow) */
	r = sys_bpf(BPF_PROG_ATTACH, &attr);
	if (r < 0)
		return err_set(e, -r, "attach the BPF device program to %s", dir);
	return 0; /* the attachment keeps the program; it goes with the cgroup */
}
