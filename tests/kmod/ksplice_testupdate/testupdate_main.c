// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_testupdate: a hand-written new-code module, shaped like the
 * ones ksplice-create makes, for the kernel-side tests.  Update id
 * "ktest", target module ksplice_target:
 *   function 0: ksplice_target_value  -> returns ksplice_target_base + 1
 *   function 1: ksplice_target_sleepy -> waits while parameter `hold` is
 *               set (parameter `waiting` is 1 meanwhile), else returns
 *   symbol 0:   ksplice_target_base (static data of the target)
 *   reloc 0:    PC32 in the new ksplice_target_value
 *   reloc 1:    R_X86_64_64 in target_ptr (readable as a parameter)
 */
#include <linux/elf.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/wait.h>
#include <ksplice/abi.h>

#include "testupdate.h"

/* Filled by the core module with &ksplice_target_base. */
static unsigned long target_ptr;
module_param(target_ptr, ulong, 0444);
MODULE_PARM_DESC(target_ptr, "address of ksplice_target_base (R_X86_64_64)");

static DECLARE_WAIT_QUEUE_HEAD(ksplice_testupdate_wq);
static bool hold;
static int waiting;

static int hold_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	wake_up(&ksplice_testupdate_wq);
	return ret;
}

static const struct kernel_param_ops hold_ops = {
	.set = hold_set,
	.get = param_get_bool,
};

module_param_cb(hold, &hold_ops, &hold, 0644);
MODULE_PARM_DESC(hold, "make the new ksplice_target_sleepy wait");
module_param(waiting, int, 0444);
MODULE_PARM_DESC(waiting, "1 while a task waits in the new code");

void ksplice_testupdate_wait(void)
{
	WRITE_ONCE(waiting, 1);
	wait_event_idle(ksplice_testupdate_wq, !READ_ONCE(hold));
	WRITE_ONCE(waiting, 0);
}

/* Update "ktest2" is built from the same files (testupdate2_*). */
#ifndef KTEST_ID
#define KTEST_ID "ktest"
#define KTEST_DESCRIPTION "test update: ksplice_target_value returns 2"
#endif

#define KT_PTR(p) ((__u64)(unsigned long)(p))

/* ksplice_testupdate_badsym names a symbol beyond the table (1). */
#ifndef KTEST_RELOC1_SYM
#define KTEST_RELOC1_SYM 0
#endif

static struct ksplice_symbol ksplice_testupdate_symbols[] = {
	{ .name = KT_PTR("ksplice_target_base"),
	  .flags = KSPLICE_SYM_LOCAL | KSPLICE_SYM_DATA },
};

static struct ksplice_reloc ksplice_testupdate_relocs[] = {
	{ .site = KT_PTR(ksplice_testupdate_value_field), .sym = 0,
	  .type = R_X86_64_PC32, .addend = -4 },
	{ .site = KT_PTR(&target_ptr), .sym = KTEST_RELOC1_SYM,
	  .type = R_X86_64_64, .addend = 0 },
};

struct ksplice_update_desc __ksplice_update_desc __used = {
	.abi_version = KSPLICE_ABI_VERSION,
	.nr_funcs = ARRAY_SIZE(ksplice_testupdate_funcs),
	.nr_relocs = ARRAY_SIZE(ksplice_testupdate_relocs),
	.nr_symbols = ARRAY_SIZE(ksplice_testupdate_symbols),
	.id = KT_PTR(KTEST_ID),
	.target = KT_PTR("ksplice_target"),
	.description = KT_PTR(KTEST_DESCRIPTION),
	.funcs = KT_PTR(ksplice_testupdate_funcs),
	.relocs = KT_PTR(ksplice_testupdate_relocs),
	.symbols = KT_PTR(ksplice_testupdate_symbols),
};

static int __init ksplice_testupdate_init(void)
{
	return ksplice_new_code_init(THIS_MODULE);
}

static void __exit ksplice_testupdate_exit(void)
{
	ksplice_new_code_exit(THIS_MODULE);
}

module_init(ksplice_testupdate_init);
module_exit(ksplice_testupdate_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hand-written ksplice new-code module for the tests");
