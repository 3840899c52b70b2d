/* SPDX-License-Identifier: GPL-2.0 */
/* Symbols of keyed_code.S used by keyed_main.c. */
#ifndef KSPLICE_KEYED_H
#define KSPLICE_KEYED_H

#include <ksplice/abi.h>

/* The function table: the replacement's address and size. */
extern struct ksplice_func ksplice_keyed_funcs[1];

#endif
