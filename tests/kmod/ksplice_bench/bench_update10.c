// SPDX-License-Identifier: GPL-2.0
/* New-code module of update bench10: the first 10 benchmark functions. */
#define BENCH_NR 10
#include "bench_update.h"
