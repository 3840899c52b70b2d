/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CHECK() for the unit tests: a failed condition is printed with its file
 * and line and counted in failures, and the test goes on, so one run shows
 * every check that fails.  Each test exits non-zero when failures > 0.
 */
#ifndef KSPLICE_UNIT_CHECK_H
#define KSPLICE_UNIT_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			__LINE__, #cond); \
		failures++; \
	} \
} while (0)

#endif
