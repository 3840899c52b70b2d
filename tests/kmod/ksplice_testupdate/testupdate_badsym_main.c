// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_testupdate_badsym: the new code of update "ktest", but its
 * relocation 1 (target_ptr) names symbol 1 of a one-entry symbol table.
 * The core module must refuse it whatever resolve lines were written
 * (tests/vm/test_fault_pending.sh).
 */
#define KTEST_RELOC1_SYM 1
#include "testupdate_main.c"
