// SPDX-License-Identifier: GPL-2.0
/* New-code module of update bench100: the first 100 benchmark functions. */
#define BENCH_NR 100
#include "bench_update.h"
