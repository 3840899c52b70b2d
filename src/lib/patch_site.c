// SPDX-License-Identifier: GPL-2.0
/* Choosing the patch offset; see patch_site.h. */
#include "patch_site.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

#include <ksplice/abi.h>

#include "x86_decode.h"

/*
 * Where a branch of the function lands, as an offset into it, or -1 if
 * the instruction at P is not a branch into the function.
 */
static long long branch_into(const struct ks_pre_section *sec,
			     const struct ks_fn_match *fn, uint64_t i,
			     unsigned int len)
{
	const uint8_t *p = sec->data + fn->off + i;
	int32_t d;

	if (len == 2 && (p[0] == 0xeb || (p[0] >= 0x70 && p[0] <= 0x7f)))
		return (long long)(i + 2 + (int8_t)p[1]);
	if (!((len == 5 && (p[0] == 0xe9 || p[0] == 0xe8)) ||
	      (len == 6 && p[0] == 0x0f && p[1] >= 0x80 && p[1] <= 0x8f)))
		return -1;
	/*
	 * With a relocation it goes to another section (the assembler
	 * resolves branches inside the function's own section itself).
	 */
	if (ks_pre_reloc_at(sec, fn->off + i + len - 4))
		return -1;
	memcpy(&d, p + len - 4, 4);
	return (long long)(i + len + d);
}

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
	/*
	 * Nothing may branch into the middle of the jump: that code would
	 * run half an instruction of it.
	 */
	for (uint64_t i = 0; i < fn->len; ) {
		unsigned int l = ks_x86_insn_len(sec->data + fn->off + i,
						 fn->len - i);
		long long to;

		if (!l)
			break;
		to = branch_into(sec, fn, i, l);
		if (to > (long long)off && to < (long long)off + KSPLICE_JUMP_LEN) {
			snprintf(err, errlen, "%s: the instruction at offset "
				 "%llu branches to offset %lld, inside the "
				 "%d-byte jump that would go at offset %u; this "
				 "function cannot be replaced safely", fn->name,
				 (unsigned long long)i, to, KSPLICE_JUMP_LEN, off);
			return -1;
		}
		i += l;
	}
	*patchoff = off;
	return 0;
}
