/* SPDX-License-Identifier: GPL-2.0 */
/* New code of ksplice_testupdate_badsym: that of "ktest". */
#include "testupdate_code.S"
