/* SPDX-License-Identifier: GPL-2.0 */
/* Symbols of testupdate_code.S used by testupdate_main.c. */
#ifndef KSPLICE_TESTUPDATE_H
#define KSPLICE_TESTUPDATE_H

#include <ksplice/abi.h>

/* The function table: the replacements' addresses and sizes. */
extern struct ksplice_func ksplice_testupdate_funcs[2];
/* The rip-relative displacement in the new ksplice_target_value. */
extern char ksplice_testupdate_value_field[];

/* Where the new ksplice_target_sleepy waits (testupdate_main.c). */
void ksplice_testupdate_wait(void);

#endif
