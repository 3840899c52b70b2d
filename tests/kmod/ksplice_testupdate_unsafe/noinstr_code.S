/* SPDX-License-Identifier: GPL-2.0 */
#define KU_NAME "ksplice_target_noinstr"
#define KU_VALUE 12
#include "unsafe_code.S"
