// SPDX-License-Identifier: GPL-2.0
/* Overflow-checked array growth (util/array.h). */
#include "util/array.h"

#include <stdint.h>
#include <stdlib.h>

void *ks_try_grow(void *arr, size_t n, size_t more, size_t size)
{
	size_t count = n + more, bytes;

	/* n + more wrapped, or count * size would */
	if (count < n || (size && count > SIZE_MAX / size))
		return NULL;
	bytes = count * size;
	/* realloc(p, 0) may free p and return NULL: keep one byte instead */
	return realloc(arr, bytes ? bytes : 1);
}

void ks_free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void *ks_grow(void *arr, size_t n, size_t more, size_t size)
{
	void *p = ks_try_grow(arr, n, more, size);

	if (!p)
		abort();
	return p;
}
