/* SPDX-License-Identifier: GPL-2.0 */
/* Replacement of ksplice_target_keyed() for update "kkeyed": returns 4. */
#include <linux/linkage.h>

	.text
SYM_FUNC_START(ksplice_keyed_new)
	movl $4, %eax
	RET
.Lend:
SYM_FUNC_END(ksplice_keyed_new)

	.section .rodata.str1.1, "aMS", @progbits, 1
.Lname:
	.asciz "ksplice_target_keyed"

	.data
	.balign 8
SYM_DATA_START(ksplice_keyed_funcs)
	.quad ksplice_keyed_new
	.quad .Lname
	.quad .Lend - ksplice_keyed_new
	.quad 0
SYM_DATA_END(ksplice_keyed_funcs)
