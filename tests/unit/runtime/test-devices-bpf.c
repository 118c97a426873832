/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup-v2 device program: rule parsing (hostile rules refused), and the
 * generated BPF run by a small interpreter of the instructions it uses, for
 * the decisions the kernel would get (type, access, major, minor). Loading
 * it into the kernel is the system test's part (tests/system/devices-bpf.bats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include "runtime.h"
#include "rt-internal.h"

/* Run prog on the context; fails the test on an instruction it does not
 * know, a jump out of the program or a read outside the context. */
static int run(const struct bpf_insn *p, size_t n, const struct bpf_cgroup_dev_ctx *ctx)
{
	uint64_t reg[11] = { 0 };
	size_t pc = 0;
	for (int steps = 0; steps < 10000; steps++) {
		assert_true(pc < n);
		const struct bpf_insn *i = &p[pc++];
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			assert_int_equal(i->src_reg, BPF_REG_1); /* only from the context, while r1 holds it */
			assert_true(i->off >= 0 && (size_t)i->off + 4 <= sizeof(*ctx));
			uint32_t v;
			memcpy(&v, (const char *)ctx + i->off, 4);
			reg[i->dst_reg] = v;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			reg[i->dst_reg] = (uint32_t)(reg[i->dst_reg] & (uint32_t)i->imm);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			reg[i->dst_reg] = (uint32_t)reg[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU | BPF_MOV | BPF_K:
			reg[i->dst_reg] = (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			reg[i->dst_reg] = (uint32_t)reg[i->src_reg];
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (reg[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)reg[0];
		default:
			fail_msg("unexpected instruction code 0x%x at %zu", i->code, pc - 1);
		}
	}
	fail_msg("no exit");
	return -1;
}

static struct bpf_insn *build(const char *const *rules, size_t nr, size_t *ret_n)
{
	struct rt_dev_rule r[32] = { 0 };
	for (size_t i = 0; i < nr; i++)
		assert_int_equal(rt_dev_rule_parse(rules[i], &r[i]), 0);
	size_t n = rt_dev_bpf_build(r, nr, NULL, 0);
	struct bpf_insn *p = calloc(n, sizeof(*p));
	assert_int_equal(rt_dev_bpf_build(r, nr, p, n - 1), n); /* too small: nothing written */
	assert_int_equal(p[0].code, 0);
	assert_int_equal(rt_dev_bpf_build(r, nr, p, n), n);
	*ret_n = n;
	return p;
}

static int ask(const struct bpf_insn *p, size_t n, char type, const char *acc, uint32_t major, uint32_t minor)
{
	uint32_t a = 0;
	for (; *acc; acc++)
		a |= *acc == 'r' ? BPF_DEVCG_ACC_READ : *acc == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
	struct bpf_cgroup_dev_ctx ctx = { .access_type =
						  (a << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
					  .major = major,
					  .minor = minor };
	return run(p, n, &ctx);
}

static void default_rules(void **state)
{
	size_t n;
	(void)state;
	struct bpf_insn *p = build(rt_devices_allow, rt_devices_allow_n, &n);
	/* allowed: the standard nodes, read and write */
	assert_int_equal(ask(p, n, 'c', "rw", 1, 3), 1); /* null */
	assert_int_equal(ask(p, n, 'c', "r", 1, 5), 1); /* zero */
	assert_int_equal(ask(p, n, 'c', "w", 1, 7), 1); /* full */
	assert_int_equal(ask(p, n, 'c', "r", 1, 8), 1); /* random */
	assert_int_equal(ask(p, n, 'c', "rw", 1, 9), 1); /* urandom */
	assert_int_equal(ask(p, n, 'c', "rw", 5, 0), 1); /* tty */
	assert_int_equal(ask(p, n, 'c', "rw", 5, 1), 1); /* console */
	assert_int_equal(ask(p, n, 'c', "rw", 5, 2), 1); /* ptmx */
	assert_int_equal(ask(p, n, 'c', "rw", 136, 0), 1); /* pts/0 */
	assert_int_equal(ask(p, n, 'c', "rw", 136, 77), 1);
	/* mknod of anything */
	assert_int_equal(ask(p, n, 'c', "m", 1, 11), 1);
	assert_int_equal(ask(p, n, 'b', "m", 8, 0), 1);
	assert_int_equal(ask(p, n, 'c', "m", 4095, 1048575), 1);
	/* denied: kmsg, mem, kmem, port, the host's disks, tty1, a block device
	 * that shares a char rule's numbers, mknod together with read */
	assert_int_equal(ask(p, n, 'c', "r", 1, 11), 0);
	assert_int_equal(ask(p, n, 'c', "rw", 1, 1), 0);
	assert_int_equal(ask(p, n, 'c', "r", 1, 2), 0);
	assert_int_equal(ask(p, n, 'c', "w", 1, 4), 0);
	assert_int_equal(ask(p, n, 'b', "r", 8, 0), 0);
	assert_int_equal(ask(p, n, 'b', "rw", 254, 0), 0);
	assert_int_equal(ask(p, n, 'c', "rw", 4, 1), 0);
	assert_int_equal(ask(p, n, 'b', "r", 1, 3), 0);
	assert_int_equal(ask(p, n, 'c', "rm", 1, 11), 0);
	assert_int_equal(ask(p, n, 'c', "r", 5, 3), 0);
	assert_int_equal(ask(p, n, 'c', "r", 137, 0), 0);
	free(p);
}

static void partial_access_and_wildcards(void **state)
{
	size_t n;
	(void)state;
	const char *const rules[] = { "c 10:200 r", "b 7:* rw", "a 99:1 m" };
	struct bpf_insn *p = build(rules, 3, &n);
	assert_int_equal(ask(p, n, 'c', "r", 10, 200), 1);
	assert_int_equal(ask(p, n, 'c', "w", 10, 200), 0);
	assert_int_equal(ask(p, n, 'c', "rw", 10, 200), 0);
	assert_int_equal(ask(p, n, 'c', "m", 10, 200), 0);
	assert_int_equal(ask(p, n, 'b', "r", 7, 3), 1);
	assert_int_equal(ask(p, n, 'b', "rw", 7, 0), 1);
	assert_int_equal(ask(p, n, 'b', "m", 7, 0), 0);
	assert_int_equal(ask(p, n, 'c', "r", 7, 0), 0);
	assert_int_equal(ask(p, n, 'c', "m", 99, 1), 1); /* "a": either type */
	assert_int_equal(ask(p, n, 'b', "m", 99, 1), 1);
	assert_int_equal(ask(p, n, 'b', "m", 99, 2), 0);
	free(p);

	const char *const all[] = { "a *:* rwm" };
	p = build(all, 1, &n);
	assert_int_equal(n, 6 + 2 + 2); /* no test at all: allow */
	assert_int_equal(ask(p, n, 'b', "rwm", 8, 0), 1);
	free(p);

	p = build(NULL, 0, &n); /* no rule: deny everything */
	assert_int_equal(ask(p, n, 'c', "r", 1, 3), 0);
	free(p);
}

static void hostile_rules(void **state)
{
	struct rt_dev_rule r;
	(void)state;
	const char *bad[] = { "",
			      "c",
			      "x 1:3 r",
			      "c 1 r",
			      "c 1:3",
			      "c 1:3 ",
			      "c 1:3 q",
			      "c 1:3 rr",
			      "c a:3 r",
			      "c 1:b r",
			      "c -1:3 r",
			      "c 1:3 r extra",
			      "c 4294967296:0 r",
			      "c 1:99999999999 r",
			      "c :3 r",
			      "c 1: r",
			      "cc 1:3 r",
			      "c 1:3 rwmr" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(rt_dev_rule_parse(bad[i], &r), -EINVAL);
	assert_int_equal(rt_dev_rule_parse(NULL, &r), -EINVAL);
	assert_int_equal(rt_dev_rule_parse("c 136:* rwm", &r), 0);
	assert_int_equal(r.type, BPF_DEVCG_DEV_CHAR);
	assert_int_equal(r.major, 136);
	assert_int_equal(r.minor, -1);
	assert_int_equal(r.access, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD);
	/* every default rule parses */
	for (size_t i = 0; i < rt_devices_allow_n; i++)
		assert_int_equal(rt_dev_rule_parse(rt_devices_allow[i], &r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_rules),
		cmocka_unit_test(partial_access_and_wildcards),
		cmocka_unit_test(hostile_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
