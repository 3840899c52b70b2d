/* SPDX-License-Identifier: GPL-2.0 */
/* New code of update "ktest2": see testupdate2_main.c. */
#define KTEST_INC 2
#include "testupdate_code.S"
