/* SPDX-License-Identifier: GPL-2.0 */
/* Small file helpers shared by the uptrack commands. */
#ifndef UPTRACK_UTIL_H
#define UPTRACK_UTIL_H

#include <stddef.h>

/* Read a whole file (NUL-terminated; *len without the NUL). NULL + errno. */
char *ut_read_file(const char *path, size_t *len);

/*
 * Replace PATH with DATA atomically: write PATH.tmp, fsync it, rename it
 * over PATH, fsync the directory.  A crash leaves the old or the new file,
 * never a mixture.  Returns 0 or -1 with errno.
 */
int ut_write_atomic(const char *path, const void *data, size_t len, int mode);

/* Rename FROM to TO and fsync TO's directory (FROM must be fsync'ed). */
int ut_rename_durable(const char *from, const char *to);

/* mkdir -p with mode. */
int ut_mkdirs(const char *path, int mode);

/* malloc'ed printf; aborts on out of memory. */
char *ut_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ut_strdup(const char *s);
void *ut_xrealloc(void *p, size_t n);

/* Trim leading/trailing blanks in place; returns the start. */
char *ut_trim(char *s);

#endif /* UPTRACK_UTIL_H */
