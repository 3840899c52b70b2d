/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Applying and removing an update through the core module's sysfs
 * interface.  ksplice-apply and ksplice-remove are thin front ends.
 */
#ifndef KS_APPLY_H
#define KS_APPLY_H

#include <stdio.h>

#include "apply/tool_output.h"

struct ks_apply_opts {
	int partial;		/* skip module targets that are not loaded */
	FILE *debug;		/* match log, or NULL */
};

/*
 * Apply UPDATE.tar.gz.  Fills out (and *id, caller frees); returns 0 on
 * success.  On any failure everything done is undone.
 */
int ks_apply(const char *tarball, const struct ks_apply_opts *opts,
	     char **id, struct ks_outcome *out);

/* Reverse and unload update ID.  Returns 0 on success. */
int ks_remove(const char *id, struct ks_outcome *out);

/* The ids of loaded updates, newest applied first (caller frees). */
char **ks_updates_newest_first(size_t *n);

#endif /* KS_APPLY_H */
