// SPDX-License-Identifier: GPL-2.0
#define KU_NAME "ksplice_target_noinstr"
#define KU_ID "kunoinstr"
#include "unsafe_main.c"
