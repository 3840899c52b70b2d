/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A benchmark new-code module, shaped like the ones ksplice-create makes:
 * update "benchBENCH_NR" of target ksplice_bench_target replaces
 * ksplice_bench_fn_0 .. ksplice_bench_fn_(BENCH_NR - 1).  No symbols, no
 * ksplice relocations.  Included by bench_update{1,10,100}.c.
 */
#include <linux/module.h>
#include <ksplice/abi.h>

extern struct ksplice_func ksplice_bench_funcs[100];

#define BENCH_PTR(p) ((__u64)(unsigned long)(p))

struct ksplice_update_desc __ksplice_update_desc __used = {
	.abi_version = KSPLICE_ABI_VERSION,
	.nr_funcs = BENCH_NR,
	.id = BENCH_PTR("bench" __stringify(BENCH_NR)),
	.target = BENCH_PTR("ksplice_bench_target"),
	.description = BENCH_PTR("benchmark: " __stringify(BENCH_NR) " functions"),
	.funcs = BENCH_PTR(ksplice_bench_funcs),
};

static int __init ksplice_bench_update_init(void)
{
	return ksplice_new_code_init(THIS_MODULE);
}

static void __exit ksplice_bench_update_exit(void)
{
	ksplice_new_code_exit(THIS_MODULE);
}

module_init(ksplice_bench_update_init);
module_exit(ksplice_bench_update_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksplice benchmark new-code module");
