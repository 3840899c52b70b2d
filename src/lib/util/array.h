/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arrays grown in place: the one overflow-checked grow behind every
 * "realloc to n + 1 and append" of the library and the tools, so no call
 * site multiplies a count by a size on its own.
 *
 * Out of memory follows util/fs.h: ks_grow and KS_PUSH abort (build
 * host, Uptrack, match); ks_try_grow returns NULL and leaves the array as
 * it was, for the callers that return -1 or report out_of_memory.
 * An element count times its size that does not fit in a size_t is
 * treated as out of memory.
 */
#ifndef KSPLICE_UTIL_ARRAY_H
#define KSPLICE_UTIL_ARRAY_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ARR (N elements of SIZE bytes) resized to hold N + MORE; aborts. */
void *ks_grow(void *arr, size_t n, size_t more, size_t size);
/* The same, or NULL (ARR untouched and still valid) on overflow or OOM. */
void *ks_try_grow(void *arr, size_t n, size_t more, size_t size);

/*
 * Append one element (the rest of the arguments, so a compound literal's
 * commas need no parentheses) to ARR of N elements; N is incremented.
 * ARR and N are evaluated more than once: plain lvalues only.
 */
#define KS_PUSH(arr, n, ...)						\
	((arr) = ks_grow((arr), (n), 1, sizeof(*(arr))),		\
	 (arr)[(n)++] = (__VA_ARGS__))

/* Append one zeroed element to ARR of N elements; its address. */
#define KS_PUSH_ZERO(arr, n)						\
	((arr) = ks_grow((arr), (n), 1, sizeof(*(arr))),		\
	 memset(&(arr)[(n)], 0, sizeof(*(arr))), &(arr)[(n)++])

/* N owned strings and the array that holds them (NULL: like free()). */
void ks_free_strv(char **v, size_t n);

/*
 * Free the FIELD (an owned pointer) of each of ARR's N elements, then
 * ARR; an element that owns more frees the rest first.
 */
#define KS_FREE_EACH(arr, n, field)					\
	do {								\
		for (size_t i_ = 0; (arr) && i_ < (n); i_++)		\
			free((arr)[i_].field);				\
		free(arr);						\
	} while (0)

#endif
