/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where in a replaced function the jump goes.  User space decides, the
 * core module checks the bytes there again inside the stopped window.
 */
#ifndef KS_PATCH_SITE_H
#define KS_PATCH_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "code/pre_object.h"

/* A function of the pre object, as the patch-site rule needs it. */
struct ks_code_fn {
	const char *name;
	uint32_t shndx;		/* its section in the pre object */
	uint64_t off;		/* its start in that section */
	uint64_t len;		/* its length */
};

/*
 * PATCHOFF for a matched function: 5 when it starts with the ftrace call
 * (which ftrace keeps rewriting, so the jump goes after it), else 0.
 * The KSPLICE_JUMP_LEN bytes there must fit in the function, must not
 * overlap a site the kernel rewrites while it runs (jump label, static
 * call, lock prefix, another ftrace site) and must not be the target of
 * a branch.  Returns 0, or -1 with a reason in err: a known limit, abort
 * cause patch_site_overlap.
 */
int ks_patch_offset(const struct ks_pre_code *pre,
		    const struct ks_code_fn *fn, unsigned int *patchoff,
		    char *err, size_t errlen);

/*
 * The same rule at create time: can each of the NR functions NAMES of
 * the pre object at PRE_PATH take the jump?  0 when all can; 1 with the
 * first refusal in err (ksplice-create refuses the update: it could only
 * ever fail to apply); -1 with err when the object cannot be read or
 * lacks one of the functions.
 */
int ks_patch_sites_check(const char *pre_path, const char *const *names,
			 size_t nr, char *err, size_t errlen);

#endif /* KS_PATCH_SITE_H */
