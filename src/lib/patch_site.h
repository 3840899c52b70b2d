/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where in a replaced function the jump goes.  User space decides, the
 * core module checks the bytes there again inside the stopped window.
 */
#ifndef KS_PATCH_SITE_H
#define KS_PATCH_SITE_H

#include <stddef.h>

#include "matcher.h"

/*
 * PATCHOFF for a matched function: 5 when it starts with the ftrace call
 * (which ftrace keeps rewriting, so the jump goes after it), else 0.
 * The KSPLICE_JUMP_LEN bytes there must not overlap any other rewrite
 * site.  Returns 0, or -1 with a reason in err.
 */
int ks_patch_offset(const struct ks_pre_code *pre,
		    const struct ks_fn_match *fn, unsigned int *patchoff,
		    char *err, size_t errlen);

#endif /* KS_PATCH_SITE_H */
