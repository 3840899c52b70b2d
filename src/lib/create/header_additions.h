/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether a change to a header only adds declarations of new names.
 *
 * A fix often adds a helper to a header used across the kernel
 * (fib_info_hold_safe() in include/net/ip_fib.h, a prototype of
 * dev_warn_probe() in include/linux/dev_printk.h) and calls it from the
 * file it fixes.  Which objects include such a header is known only to a
 * full build (--prebuild), but none is needed when the change cannot
 * alter any existing object: it inserts whole file-scope declarations
 * (function prototypes and definitions, #define, extern variables,
 * forward struct declarations, #if blocks around them) and removes
 * nothing, and no code of the old tree mentions a name it declares
 * (the caller checks that part against the whole source tree).
 */
#ifndef KSPLICE_HEADER_ADDITIONS_H
#define KSPLICE_HEADER_ADDITIONS_H

#include <stddef.h>

/*
 * 1 when post is pre with only whole file-scope declarations inserted;
 * *names (owned, each and the array) are the names they declare.  0 when
 * not, with why saying what stands in the way ("line 12 of the new
 * header: ...").
 */
int ks_header_additions(const char *pre, const char *post, char ***names,
			size_t *n, char *why, size_t whylen);

/*
 * Whether code of the source tree mentions one of the names: 1 with
 * *name and *file (owned; file tree-relative) for the first use found,
 * 0 for none, -1 when the search could not run.  Every .c, .h and .S
 * file counts, so a mention in a comment is one too (it errs on the
 * side of refusing).
 */
int ks_names_in_tree(const char *tree, char *const names[], size_t n,
		     const char *log, char **name, char **file);

#endif
