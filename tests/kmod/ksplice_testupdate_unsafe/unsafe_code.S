/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replacement of KU_NAME (a function of ksplice_target): returns KU_VALUE,
 * one more than the original.  Included by the *_code.S wrappers.
 */
#include <linux/linkage.h>

	.text
SYM_FUNC_START(ksplice_unsafe_new)
	movl $KU_VALUE, %eax
	RET
.Lend:
SYM_FUNC_END(ksplice_unsafe_new)

	.section .rodata.str1.1, "aMS", @progbits, 1
.Lname:
	.asciz KU_NAME

	.data
	.balign 8
SYM_DATA_START(ksplice_unsafe_funcs)
	.quad ksplice_unsafe_new
	.quad .Lname
	.quad .Lend - ksplice_unsafe_new
	.quad 0
SYM_DATA_END(ksplice_unsafe_funcs)
