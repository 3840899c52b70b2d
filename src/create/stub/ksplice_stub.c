// SPDX-License-Identifier: GPL-2.0
/*
 * The init and exit of every new-code module that ksplice-create builds.
 * The core module attaches the module to its prepared update while the
 * module is coming; init fails unless that happened, so the new code
 * never runs with unresolved references.
 */
#include <linux/module.h>
#include "ksplice_abi.h"

static int __init ksplice_stub_init(void)
{
	return ksplice_new_code_init(THIS_MODULE);
}

static void __exit ksplice_stub_exit(void)
{
	ksplice_new_code_exit(THIS_MODULE);
}

module_init(ksplice_stub_init);
module_exit(ksplice_stub_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Ksplice update: new code");
