// SPDX-License-Identifier: GPL-2.0
#define KU_NAME "ksplice_target_notrace"
#define KU_ID "kunotrace"
#include "unsafe_main.c"
