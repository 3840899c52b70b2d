// SPDX-License-Identifier: GPL-2.0
/* New-code module of update bench1: the first 1 benchmark functions. */
#define BENCH_NR 1
#include "bench_update.h"
