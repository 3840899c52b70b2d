/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer targets: the input as a NUL-terminated string,
 * or written to a private file for parsers that take a path.
 */
#ifndef KSPLICE_FUZZ_COMMON_H
#define KSPLICE_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A per-process scratch directory under $TMPDIR (or /tmp). */
static inline const char *fuzz_dir(void)
{
	static char dir[4096];

	if (!dir[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/ksplice-fuzz-%d", t ? t : "/tmp",
			 (int)getpid());
		if (mkdir(dir, 0700) && access(dir, W_OK))
			abort();
	}
	return dir;
}

/* Write the input to DIR/NAME; returns the path (static buffer). */
static inline const char *fuzz_file(const char *name, const uint8_t *data,
				    size_t size)
{
	static char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	return path;
}

#endif
