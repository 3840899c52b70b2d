/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one helper layer of the library and the tools: whole-file reads and
 * writes (plain and atomic), mkdir -p, rm -rf, copies, and memory helpers.
 *
 * Out of memory: the x-helpers (ks_xrealloc, ks_xstrdup, ks_strfmt)
 * abort.  That is the policy of the build host (ksplice-create,
 * uptrack-publish), of the Uptrack client (it changes the kernel only
 * through ksplice-apply/remove and repairs its state from the kernel at
 * the next run) and of matching on the target (match/, done before the
 * kernel is touched).  The apply driver, once it has started changing
 * the kernel, allocates with plain calloc and reports the abort cause
 * out_of_memory instead (apply/apply.c, apply/tool_output.h).
 */
#ifndef KSPLICE_UTIL_FS_H
#define KSPLICE_UTIL_FS_H

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

/*
 * Write PATH atomically: a PATH.tmp written, fsynced and renamed over
 * PATH, the directory fsynced.  0 or -1 with errno (PATH unchanged).
 */
int ks_write_atomic(const char *path, const void *data, size_t len, int mode);
/* rename() then fsync of the target's directory.  0 or -1 with errno. */
int ks_rename_durable(const char *from, const char *to);
/* S without leading blanks and trailing blanks/newlines (in place). */
char *ks_trim(char *s);

#endif
