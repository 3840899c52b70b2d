// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_testupdate_vmlinux: a hand-written new-code module for update
 * "ktestvm" of target vmlinux:
 *   function 0: cmdline_proc_show (static in fs/proc/cmdline.c)
 *   symbol 0:   saved_command_line (not exported)
 *   reloc 0:    PC32 in the replacement
 */
#include <linux/elf.h>
#include <linux/module.h>
#include <ksplice/abi.h>
#include "testvm.h"

#define KT_PTR(p) ((__u64)(unsigned long)(p))

static struct ksplice_symbol ksplice_testvm_symbols[] = {
	{ .name = KT_PTR("saved_command_line"), .flags = KSPLICE_SYM_DATA },
};

static struct ksplice_reloc ksplice_testvm_relocs[] = {
	{ .site = KT_PTR(ksplice_testvm_field), .sym = 0,
	  .type = R_X86_64_PC32, .addend = -4 },
};

struct ksplice_update_desc __ksplice_update_desc __used = {
	.abi_version = KSPLICE_ABI_VERSION,
	.nr_funcs = ARRAY_SIZE(ksplice_testvm_funcs),
	.nr_relocs = ARRAY_SIZE(ksplice_testvm_relocs),
	.nr_symbols = ARRAY_SIZE(ksplice_testvm_symbols),
	.id = KT_PTR("ktestvm"),
	.target = KT_PTR("vmlinux"),
	.description = KT_PTR("test update: /proc/cmdline starts with ksplice"),
	.funcs = KT_PTR(ksplice_testvm_funcs),
	.relocs = KT_PTR(ksplice_testvm_relocs),
	.symbols = KT_PTR(ksplice_testvm_symbols),
};

static int __init ksplice_testvm_init(void)
{
	return ksplice_new_code_init(THIS_MODULE);
}

static void __exit ksplice_testvm_exit(void)
{
	ksplice_new_code_exit(THIS_MODULE);
}

module_init(ksplice_testvm_init);
module_exit(ksplice_testvm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hand-written ksplice new-code module for vmlinux tests");
