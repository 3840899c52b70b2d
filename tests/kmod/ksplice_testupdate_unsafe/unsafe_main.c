// SPDX-License-Identifier: GPL-2.0
/*
 * New code of update KU_ID (target ksplice_target), replacing KU_NAME, a
 * function ksplice must refuse to patch (or, for kunotrace, one it may
 * patch at offset 0).  Included by the *_main.c wrappers.
 */
#include <linux/module.h>
#include <ksplice/abi.h>
#include "unsafe.h"

#define KT_PTR(p) ((__u64)(unsigned long)(p))

struct ksplice_update_desc __ksplice_update_desc __used = {
	.abi_version = KSPLICE_ABI_VERSION,
	.nr_funcs = 1,
	.id = KT_PTR(KU_ID),
	.target = KT_PTR("ksplice_target"),
	.description = KT_PTR("test update: replaces " KU_NAME),
	.funcs = KT_PTR(ksplice_unsafe_funcs),
};

static int __init ksplice_unsafe_init(void)
{
	return ksplice_new_code_init(THIS_MODULE);
}

static void __exit ksplice_unsafe_exit(void)
{
	ksplice_new_code_exit(THIS_MODULE);
}

module_init(ksplice_unsafe_init);
module_exit(ksplice_unsafe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hand-written ksplice new-code module: " KU_NAME);
