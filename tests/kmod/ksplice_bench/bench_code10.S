/* SPDX-License-Identifier: GPL-2.0 */
/* Replacement code of update bench10 (bench_code.inc). */
#include "bench_code.inc"
