// SPDX-License-Identifier: GPL-2.0
/* Choosing the patch offset; see patch_site.h. */
#include "patch_site.h"

#include <stdio.h>

#include <ksplice/abi.h>

int ks_patch_offset(const struct ks_pre_code *pre,
		    const struct ks_fn_match *fn, unsigned int *patchoff,
		    char *err, size_t errlen)
{
	const struct ks_pre_section *sec = &pre->secs[fn->shndx];
	unsigned int off = 0;

	for (size_t i = 0; i < sec->nr_sites; i++)
		if (sec->sites[i].off == fn->off &&
		    sec->sites[i].kind == KS_SITE_FENTRY)
			off = sec->sites[i].len;
	if (fn->len < off + KSPLICE_JUMP_LEN) {
		snprintf(err, errlen, "%s is only %llu bytes long: no room for "
			 "a %d-byte jump at offset %u", fn->name,
			 (unsigned long long)fn->len, KSPLICE_JUMP_LEN, off);
		return -1;
	}
	for (size_t i = 0; i < sec->nr_sites; i++) {
		const struct ks_site *s = &sec->sites[i];
		uint64_t a = fn->off + off, b = a + KSPLICE_JUMP_LEN;

		if (s->off == fn->off && s->kind == KS_SITE_FENTRY)
			continue;
		if (s->off < b && s->off + s->len > a) {
			snprintf(err, errlen, "%s: the jump at offset %u would "
				 "overlap a %s site at offset %llu (%u bytes), "
				 "which the kernel rewrites itself; this "
				 "function cannot be replaced safely",
				 fn->name, off, ks_site_kind_name(s->kind),
				 (unsigned long long)(s->off - fn->off), s->len);
			return -1;
		}
	}
	*patchoff = off;
	return 0;
}
