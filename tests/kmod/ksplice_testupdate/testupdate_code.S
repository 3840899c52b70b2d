/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replacement code of update "ktest", in assembly so that the field
 * the core module must fill (a rip-relative displacement to the target
 * module's static ksplice_target_base) is at a known place and carries no
 * ELF relocation the module loader would try to resolve.
 */
#include <linux/linkage.h>

/* What the new ksplice_target_value adds (2 in update "ktest2"). */
#ifndef KTEST_INC
#define KTEST_INC 1
#endif

	.text
/* int ksplice_testupdate_value(void): ksplice_target_base + KTEST_INC */
SYM_FUNC_START(ksplice_testupdate_value)
	.byte 0x8b, 0x05		/* mov disp32(%rip), %eax */
SYM_INNER_LABEL(ksplice_testupdate_value_field, SYM_L_GLOBAL)
	.long 0				/* PC32, filled by ksplice */
	addl $KTEST_INC, %eax
	RET
.Lvalue_end:
SYM_FUNC_END(ksplice_testupdate_value)

/*
 * void ksplice_testupdate_sleepy(void): waits in the new code instead
 * (ksplice_testupdate_wait(), C, in this module), only while this
 * module's `hold` parameter is set.
 */
SYM_FUNC_START(ksplice_testupdate_sleepy)
	jmp ksplice_testupdate_wait
.Lsleepy_end:
SYM_FUNC_END(ksplice_testupdate_sleepy)

	.section .rodata.str1.1, "aMS", @progbits, 1
.Lname_value:
	.asciz "ksplice_target_value"
.Lname_sleepy:
	.asciz "ksplice_target_sleepy"

/* struct ksplice_func ksplice_testupdate_funcs[2] */
	.data
	.balign 8
SYM_DATA_START(ksplice_testupdate_funcs)
	.quad ksplice_testupdate_value
	.quad .Lname_value
	.quad .Lvalue_end - ksplice_testupdate_value
	.quad 0
	.quad ksplice_testupdate_sleepy
	.quad .Lname_sleepy
	.quad .Lsleepy_end - ksplice_testupdate_sleepy
	.quad 0
SYM_DATA_END(ksplice_testupdate_funcs)
