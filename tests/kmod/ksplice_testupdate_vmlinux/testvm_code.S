/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replacement of fs/proc/cmdline.c:cmdline_proc_show() for update
 * "ktestvm": /proc/cmdline reads "ksplice " followed by the command line.
 * saved_command_line is not exported, so it is reached through a ksplice
 * PC32 relocation (symbol 0); seq_puts/seq_putc are exported and resolved
 * by the module loader as usual.
 */
#include <linux/linkage.h>

	.text
/* int ksplice_testvm_cmdline_show(struct seq_file *m, void *v) */
SYM_FUNC_START(ksplice_testvm_cmdline_show)
	pushq %rbx
	movq %rdi, %rbx
	leaq .Lprefix(%rip), %rsi
	call seq_puts
	movq %rbx, %rdi
	.byte 0x48, 0x8b, 0x35		/* mov disp32(%rip), %rsi */
SYM_INNER_LABEL(ksplice_testvm_field, SYM_L_GLOBAL)
	.long 0				/* PC32 saved_command_line - 4 */
	call seq_puts
	movq %rbx, %rdi
	movl $10, %esi
	call seq_putc
	xorl %eax, %eax
	popq %rbx
	RET
.Lshow_end:
SYM_FUNC_END(ksplice_testvm_cmdline_show)

	.section .rodata.str1.1, "aMS", @progbits, 1
.Lprefix:
	.asciz "ksplice "
.Lname:
	.asciz "cmdline_proc_show"

	.data
	.balign 8
SYM_DATA_START(ksplice_testvm_funcs)
	.quad ksplice_testvm_cmdline_show
	.quad .Lname
	.quad .Lshow_end - ksplice_testvm_cmdline_show
	.quad 0
SYM_DATA_END(ksplice_testvm_funcs)
