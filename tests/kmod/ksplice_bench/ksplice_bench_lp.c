// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_bench_lp: the benchmark's one-function change (update bench1:
 * ksplice_bench_fn_0(x) = x + 2) as a livepatch module, written the way
 * the kernel's samples/livepatch modules are, for the side-by-side
 * comparison in tests/bench/run-bench.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>

static int ksplice_bench_lp_fn_0(int x)
{
	return x + 2;
}

static struct klp_func ksplice_bench_lp_funcs[] = {
	{
		.old_name = "ksplice_bench_fn_0",
		.new_func = ksplice_bench_lp_fn_0,
	}, { }
};

static struct klp_object ksplice_bench_lp_objs[] = {
	{
		.name = "ksplice_bench_target",
		.funcs = ksplice_bench_lp_funcs,
	}, { }
};

static struct klp_patch ksplice_bench_lp_patch = {
	.mod = THIS_MODULE,
	.objs = ksplice_bench_lp_objs,
};

static int __init ksplice_bench_lp_init(void)
{
	return klp_enable_patch(&ksplice_bench_lp_patch);
}

static void __exit ksplice_bench_lp_exit(void)
{
}

module_init(ksplice_bench_lp_init);
module_exit(ksplice_bench_lp_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("The benchmark's one-function change as a livepatch");
