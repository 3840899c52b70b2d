/* SPDX-License-Identifier: GPL-2.0 */
/* Replacement code of update bench100 (bench_code.inc). */
#include "bench_code.inc"
