/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks of every unit test.  A failed check is printed with its
 * file and line and counted in failures, and the test goes on, so one
 * run shows every check that fails; each test exits non-zero when
 * failures > 0.
 *   CHECK(cond)              prints the condition itself;
 *   CHECK_MSG(cond, fmt, ...) prints a printf message instead, for the
 *                            values a bare condition would not show.
 */
#ifndef KSPLICE_TESTS_CHECK_H
#define KSPLICE_TESTS_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			__LINE__, #cond); \
		failures++; \
	} \
} while (0)

#define CHECK_MSG(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		failures++; \
	} \
} while (0)

#endif
