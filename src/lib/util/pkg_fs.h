/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small file-system helpers shared by the package code and ksplice-create:
 * whole-file reads and writes, mkdir -p, rm -rf of a private temp tree.
 */
#ifndef KSPLICE_PKG_FS_H
#define KSPLICE_PKG_FS_H

#include <stddef.h>

/* Read a whole file; NUL-terminated, length in *len if len. NULL on error. */
char *ks_read_file(const char *path, size_t *len);
/* Write (create or truncate) a file. 0 or -1 with errno. */
int ks_write_file(const char *path, const void *buf, size_t len);
/* mkdir -p; 0 or -1 with errno. */
int ks_mkdir_p(const char *path, unsigned int mode);
/* mkdir -p of the directory part of path. */
int ks_mkdir_parent(const char *path);
/* rm -rf; never follows symlinks. 0 or -1. */
int ks_rmtree(const char *path);
/* Copy a regular file. 0 or -1. */
int ks_copy_file(const char *src, const char *dst);
/* realloc and strdup (NULL as "") that abort on out-of-memory. */
void *ks_xrealloc(void *p, size_t n);
char *ks_xstrdup(const char *s);
/* asprintf that aborts on out-of-memory. */
char *ks_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
