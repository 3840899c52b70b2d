// SPDX-License-Identifier: GPL-2.0
/* ksplice-undo: the traditional name of ksplice-remove. */
#include "ksplice-remove.c"
