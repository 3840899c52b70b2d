// SPDX-License-Identifier: GPL-2.0
#define KU_NAME "ksplice_target_kprobes"
#define KU_ID "kukprobes"
#include "unsafe_main.c"
