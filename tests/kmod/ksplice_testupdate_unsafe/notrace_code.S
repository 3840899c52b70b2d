/* SPDX-License-Identifier: GPL-2.0 */
#define KU_NAME "ksplice_target_notrace"
#define KU_VALUE 52
#include "unsafe_code.S"
