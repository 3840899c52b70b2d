/* SPDX-License-Identifier: GPL-2.0 */
#define KU_NAME "ksplice_target_kprobes"
#define KU_VALUE 22
#include "unsafe_code.S"
