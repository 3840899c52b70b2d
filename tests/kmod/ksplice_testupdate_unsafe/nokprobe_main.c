// SPDX-License-Identifier: GPL-2.0
#define KU_NAME "ksplice_target_nokprobe"
#define KU_ID "kunokprobe"
#include "unsafe_main.c"
