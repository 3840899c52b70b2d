/* SPDX-License-Identifier: GPL-2.0 */
#define KU_NAME "ksplice_target_nokprobe"
#define KU_VALUE 32
#include "unsafe_code.S"
