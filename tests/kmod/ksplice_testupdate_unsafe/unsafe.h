/* SPDX-License-Identifier: GPL-2.0 */
/* Symbols of unsafe_code.S used by unsafe_main.c. */
#ifndef KSPLICE_UNSAFE_H
#define KSPLICE_UNSAFE_H

#include <ksplice/abi.h>

/* The function table: the replacement's address and size. */
extern struct ksplice_func ksplice_unsafe_funcs[1];

#endif
