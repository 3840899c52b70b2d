// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_testupdate_badhook: the new code of update "ktest", but with a
 * post_apply hook whose address is this module's data (target_ptr), not
 * its code.  The core module must refuse it when it loads
 * (tests/vm/test_fault_bad_hook.sh).
 */
#define KTEST_BAD_HOOK 1
#include "testupdate_main.c"
