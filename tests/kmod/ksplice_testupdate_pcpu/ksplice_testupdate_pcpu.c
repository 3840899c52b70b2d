// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_testupdate_pcpu: a hand-written new-code module for update
 * "kpcpu" of target ksplice_target, with no function and one symbol:
 * ksplice_target_pcpu, a static per-CPU variable of the target, which
 * kallsyms gives as a per-CPU pointer into the target's per-CPU region.
 *   reloc 0: R_X86_64_64 in pcpu_ptr (readable as a parameter)
 *   pcpu_sum (parameter): the sum over possible CPUs of the variable
 *   pcpu_ptr points to, as the target's own pcpu_sum computes it
 */
#include <linux/cpumask.h>
#include <linux/elf.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <ksplice/abi.h>

/* Filled by the core module with the per-CPU pointer of the variable. */
static unsigned long pcpu_ptr;
module_param(pcpu_ptr, ulong, 0444);
MODULE_PARM_DESC(pcpu_ptr, "per-CPU pointer of ksplice_target_pcpu");

static int pcpu_sum_get(char *buf, const struct kernel_param *kp)
{
	unsigned long __percpu *p = (unsigned long __percpu *)pcpu_ptr;
	unsigned long sum = 0;
	int cpu;

	if (!p)
		return -ENOENT;
	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(p, cpu);
	return sysfs_emit(buf, "%lu\n", sum);
}

static const struct kernel_param_ops pcpu_sum_ops = { .get = pcpu_sum_get };
module_param_cb(pcpu_sum, &pcpu_sum_ops, NULL, 0444);

#define KT_PTR(p) ((__u64)(unsigned long)(p))

static struct ksplice_symbol ksplice_testupdate_pcpu_symbols[] = {
	{ .name = KT_PTR("ksplice_target_pcpu"),
	  .flags = KSPLICE_SYM_LOCAL | KSPLICE_SYM_DATA },
};

static struct ksplice_reloc ksplice_testupdate_pcpu_relocs[] = {
	{ .site = KT_PTR(&pcpu_ptr), .sym = 0, .type = R_X86_64_64,
	  .addend = 0 },
};

struct ksplice_update_desc __ksplice_update_desc __used = {
	.abi_version = KSPLICE_ABI_VERSION,
	.nr_relocs = ARRAY_SIZE(ksplice_testupdate_pcpu_relocs),
	.nr_symbols = ARRAY_SIZE(ksplice_testupdate_pcpu_symbols),
	.id = KT_PTR("kpcpu"),
	.target = KT_PTR("ksplice_target"),
	.description = KT_PTR("test update: a per-CPU symbol of a module"),
	.relocs = KT_PTR(ksplice_testupdate_pcpu_relocs),
	.symbols = KT_PTR(ksplice_testupdate_pcpu_symbols),
};

static int __init ksplice_testupdate_pcpu_init(void)
{
	return ksplice_new_code_init(THIS_MODULE);
}

static void __exit ksplice_testupdate_pcpu_exit(void)
{
	ksplice_new_code_exit(THIS_MODULE);
}

module_init(ksplice_testupdate_pcpu_init);
module_exit(ksplice_testupdate_pcpu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hand-written ksplice new-code module: a per-CPU symbol");
