/* SPDX-License-Identifier: GPL-2.0 */
/* The code of ksplice_testupdate_badhook: that of ksplice_testupdate. */
#include "testupdate_code.S"
