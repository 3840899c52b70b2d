// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_testupdate_keyed: new code of update "kkeyed" (target
 * ksplice_target), replacing ksplice_target_keyed, whose first bytes after
 * the fentry site are a jump label site.
 */
#include <linux/module.h>
#include <ksplice/abi.h>
#include "keyed.h"

#define KT_PTR(p) ((__u64)(unsigned long)(p))

struct ksplice_update_desc __ksplice_update_desc __used = {
	.abi_version = KSPLICE_ABI_VERSION,
	.nr_funcs = ARRAY_SIZE(ksplice_keyed_funcs),
	.id = KT_PTR("kkeyed"),
	.target = KT_PTR("ksplice_target"),
	.description = KT_PTR("test update: patch site over a jump label"),
	.funcs = KT_PTR(ksplice_keyed_funcs),
};

static int __init ksplice_keyed_init(void)
{
	return ksplice_new_code_init(THIS_MODULE);
}

static void __exit ksplice_keyed_exit(void)
{
	ksplice_new_code_exit(THIS_MODULE);
}

module_init(ksplice_keyed_init);
module_exit(ksplice_keyed_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hand-written ksplice new-code module: jump label overlap");
