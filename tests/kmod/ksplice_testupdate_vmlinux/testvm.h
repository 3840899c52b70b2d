/* SPDX-License-Identifier: GPL-2.0 */
/* Symbols of testvm_code.S used by testvm_main.c. */
#ifndef KSPLICE_TESTVM_H
#define KSPLICE_TESTVM_H

#include <ksplice/abi.h>

/* The function table: the replacement's address and size. */
extern struct ksplice_func ksplice_testvm_funcs[1];
/* The rip-relative displacement to saved_command_line. */
extern char ksplice_testvm_field[];

#endif
