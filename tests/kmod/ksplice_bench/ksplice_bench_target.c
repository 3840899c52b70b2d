// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_bench_target: 100 small functions for the pause-time benchmark,
 * ksplice_bench_fn_N(x) = x + N + 1 (the updates make it x + N + 2).
 *
 * Parameters (/sys/module/ksplice_bench_target/parameters/):
 *   info      write N, then read "ADDR SIZE HEX" of ksplice_bench_fn_N:
 *             its kallsyms address and size and its first 16 bytes
 *   sum       read: the sum of ksplice_bench_fn_N(0) over all N
 *             (5050 unpatched, one more for each function replaced)
 *   callrate  read: calls per second of ksplice_bench_fn_0, timed over
 *             5,000,000 direct calls
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#define BENCH_FN(n) \
	noinline int ksplice_bench_fn_##n(int x) { return x + n + 1; }
/* 0..99 */
BENCH_FN(0) BENCH_FN(1) BENCH_FN(2) BENCH_FN(3) BENCH_FN(4)
BENCH_FN(5) BENCH_FN(6) BENCH_FN(7) BENCH_FN(8) BENCH_FN(9)
BENCH_FN(10) BENCH_FN(11) BENCH_FN(12) BENCH_FN(13) BENCH_FN(14)
BENCH_FN(15) BENCH_FN(16) BENCH_FN(17) BENCH_FN(18) BENCH_FN(19)
BENCH_FN(20) BENCH_FN(21) BENCH_FN(22) BENCH_FN(23) BENCH_FN(24)
BENCH_FN(25) BENCH_FN(26) BENCH_FN(27) BENCH_FN(28) BENCH_FN(29)
BENCH_FN(30) BENCH_FN(31) BENCH_FN(32) BENCH_FN(33) BENCH_FN(34)
BENCH_FN(35) BENCH_FN(36) BENCH_FN(37) BENCH_FN(38) BENCH_FN(39)
BENCH_FN(40) BENCH_FN(41) BENCH_FN(42) BENCH_FN(43) BENCH_FN(44)
BENCH_FN(45) BENCH_FN(46) BENCH_FN(47) BENCH_FN(48) BENCH_FN(49)
BENCH_FN(50) BENCH_FN(51) BENCH_FN(52) BENCH_FN(53) BENCH_FN(54)
BENCH_FN(55) BENCH_FN(56) BENCH_FN(57) BENCH_FN(58) BENCH_FN(59)
BENCH_FN(60) BENCH_FN(61) BENCH_FN(62) BENCH_FN(63) BENCH_FN(64)
BENCH_FN(65) BENCH_FN(66) BENCH_FN(67) BENCH_FN(68) BENCH_FN(69)
BENCH_FN(70) BENCH_FN(71) BENCH_FN(72) BENCH_FN(73) BENCH_FN(74)
BENCH_FN(75) BENCH_FN(76) BENCH_FN(77) BENCH_FN(78) BENCH_FN(79)
BENCH_FN(80) BENCH_FN(81) BENCH_FN(82) BENCH_FN(83) BENCH_FN(84)
BENCH_FN(85) BENCH_FN(86) BENCH_FN(87) BENCH_FN(88) BENCH_FN(89)
BENCH_FN(90) BENCH_FN(91) BENCH_FN(92) BENCH_FN(93) BENCH_FN(94)
BENCH_FN(95) BENCH_FN(96) BENCH_FN(97) BENCH_FN(98) BENCH_FN(99)

#define BENCH_REF(n) ksplice_bench_fn_##n,
static int (*const ksplice_bench_fns[100])(int) = {
	BENCH_REF(0) BENCH_REF(1) BENCH_REF(2) BENCH_REF(3) BENCH_REF(4)
	BENCH_REF(5) BENCH_REF(6) BENCH_REF(7) BENCH_REF(8) BENCH_REF(9)
	BENCH_REF(10) BENCH_REF(11) BENCH_REF(12) BENCH_REF(13) BENCH_REF(14)
	BENCH_REF(15) BENCH_REF(16) BENCH_REF(17) BENCH_REF(18) BENCH_REF(19)
	BENCH_REF(20) BENCH_REF(21) BENCH_REF(22) BENCH_REF(23) BENCH_REF(24)
	BENCH_REF(25) BENCH_REF(26) BENCH_REF(27) BENCH_REF(28) BENCH_REF(29)
	BENCH_REF(30) BENCH_REF(31) BENCH_REF(32) BENCH_REF(33) BENCH_REF(34)
	BENCH_REF(35) BENCH_REF(36) BENCH_REF(37) BENCH_REF(38) BENCH_REF(39)
	BENCH_REF(40) BENCH_REF(41) BENCH_REF(42) BENCH_REF(43) BENCH_REF(44)
	BENCH_REF(45) BENCH_REF(46) BENCH_REF(47) BENCH_REF(48) BENCH_REF(49)
	BENCH_REF(50) BENCH_REF(51) BENCH_REF(52) BENCH_REF(53) BENCH_REF(54)
	BENCH_REF(55) BENCH_REF(56) BENCH_REF(57) BENCH_REF(58) BENCH_REF(59)
	BENCH_REF(60) BENCH_REF(61) BENCH_REF(62) BENCH_REF(63) BENCH_REF(64)
	BENCH_REF(65) BENCH_REF(66) BENCH_REF(67) BENCH_REF(68) BENCH_REF(69)
	BENCH_REF(70) BENCH_REF(71) BENCH_REF(72) BENCH_REF(73) BENCH_REF(74)
	BENCH_REF(75) BENCH_REF(76) BENCH_REF(77) BENCH_REF(78) BENCH_REF(79)
	BENCH_REF(80) BENCH_REF(81) BENCH_REF(82) BENCH_REF(83) BENCH_REF(84)
	BENCH_REF(85) BENCH_REF(86) BENCH_REF(87) BENCH_REF(88) BENCH_REF(89)
	BENCH_REF(90) BENCH_REF(91) BENCH_REF(92) BENCH_REF(93) BENCH_REF(94)
	BENCH_REF(95) BENCH_REF(96) BENCH_REF(97) BENCH_REF(98) BENCH_REF(99)
};

static unsigned int ksplice_bench_info_idx;

static int info_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	if (n >= ARRAY_SIZE(ksplice_bench_fns))
		return -EINVAL;
	ksplice_bench_info_idx = n;
	return 0;
}

static int info_get(char *buf, const struct kernel_param *kp)
{
	void *fn = ksplice_bench_fns[ksplice_bench_info_idx];
	char sym[KSYM_SYMBOL_LEN], *slash;
	unsigned long size = 0;

	sprint_symbol(sym, (unsigned long)fn);
	slash = strchr(sym, '/');
	if (slash && sscanf(slash + 1, "%lx", &size) != 1)
		size = 0;
	return sysfs_emit(buf, "0x%lx %lu %16phN\n", (unsigned long)fn, size,
			  fn);
}

static int sum_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int sum = 0;

	for (i = 0; i < ARRAY_SIZE(ksplice_bench_fns); i++)
		sum += ksplice_bench_fns[i](0);
	return sysfs_emit(buf, "%d\n", sum);
}

#define BENCH_CALLS 5000000

static int callrate_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	u64 start, ns;
	int sum = 0;

	start = ktime_get_ns();
	for (i = 0; i < BENCH_CALLS; i++)
		sum += ksplice_bench_fn_0(i);	/* a direct call */
	ns = ktime_get_ns() - start;
	/* keep the loop: its result is printed */
	return sysfs_emit(buf, "%llu %d\n",
			  div64_u64((u64)BENCH_CALLS * NSEC_PER_SEC, ns ?: 1),
			  sum & 1);
}

static const struct kernel_param_ops info_ops = {
	.set = info_set,
	.get = info_get,
};
static const struct kernel_param_ops sum_ops = { .get = sum_get };
static const struct kernel_param_ops callrate_ops = { .get = callrate_get };

module_param_cb(info, &info_ops, NULL, 0600);
module_param_cb(sum, &sum_ops, NULL, 0444);
module_param_cb(callrate, &callrate_ops, NULL, 0444);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Target of the ksplice pause-time benchmark");
