// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_testupdate2: update "ktest2", the same new code as "ktest" but
 * ksplice_target_value returns ksplice_target_base + 2; applied over
 * "ktest" it tests updates stacked on the same functions.
 */
#define KTEST_ID "ktest2"
#define KTEST_DESCRIPTION "test update: ksplice_target_value returns 3"
#include "testupdate_main.c"
