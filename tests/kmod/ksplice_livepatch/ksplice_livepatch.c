// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_livepatch: a livepatch, written the way the kernel's
 * samples/livepatch modules are, on the function that update "ktest"
 * replaces: ksplice_target_value() of module ksplice_target returns 7
 * (1 unpatched, 2 under ktest).  Livepatch redirects the function at its
 * ftrace site (+0) with an FTRACE_OPS_FL_IPMODIFY ftrace_ops, before the
 * jump ksplice writes at +5 is reached (tests/vm/
 * test_livepatch_ipmodify.sh).  Disable it through
 * /sys/kernel/livepatch/ksplice_livepatch/enabled, then rmmod.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>

static int ksplice_livepatch_value(void)
{
	return 7;
}

static struct klp_func ksplice_livepatch_funcs[] = {
	{
		.old_name = "ksplice_target_value",
		.new_func = ksplice_livepatch_value,
	}, { }
};

static struct klp_object ksplice_livepatch_objs[] = {
	{
		.name = "ksplice_target",
		.funcs = ksplice_livepatch_funcs,
	}, { }
};

static struct klp_patch ksplice_livepatch_patch = {
	.mod = THIS_MODULE,
	.objs = ksplice_livepatch_objs,
};

static int __init ksplice_livepatch_init(void)
{
	return klp_enable_patch(&ksplice_livepatch_patch);
}

static void __exit ksplice_livepatch_exit(void)
{
}

module_init(ksplice_livepatch_init);
module_exit(ksplice_livepatch_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("A livepatch on ksplice_target_value, for the ksplice tests");
