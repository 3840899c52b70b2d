// SPDX-License-Identifier: GPL-2.0
/*
 * Filling in a ksplice relocation of a coming new-code module: the field
 * is computed from the verified symbol address and written through a
 * writable alias, since the module's text is already read-only when it is
 * coming.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "ksplice_internal.h"

/**
 * ksplice_apply_reloc() - write one ksplice relocation of a new-code module
 * @u: the update (for the abort message)
 * @mod: the coming new-code module; the field must lie inside it
 * @r: the relocation
 * @sym_addr: the address of the symbol it refers to
 *
 * Return: 0, or -EINVAL (bad type, field outside the module, value out of
 * range for the field) or -ENOMEM, with `message` set.
 */
int ksplice_apply_reloc(struct ksplice_update *u, struct module *mod,
			const struct ksplice_reloc *r, unsigned long sym_addr)
{
	unsigned long site = r->site;
	s64 val = (s64)sym_addr + r->addend;
	size_t len;
	u8 *alias;
	u64 v64;
	u32 v32;

	switch (r->type) {
	case R_X86_64_PC64:	/* the key field of a __jump_table entry */
		val -= (s64)site;
		len = 8;
		break;
	case R_X86_64_64:
		len = 8;
		break;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		val -= (s64)site;
		fallthrough;
	case R_X86_64_32S:
		if (val != (s64)(s32)val)
			goto overflow;
		len = 4;
		break;
	case R_X86_64_32:
		if ((u64)val != (u32)val)
			goto overflow;
		len = 4;
		break;
	default:
		ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
				  "relocation at 0x%lx in %s has unsupported type %u",
				  site, mod->name, r->type);
		return -EINVAL;
	}
	if (!within_module_core(site, mod) ||
	    !within_module_core(site + len - 1, mod)) {
		ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
				  "relocation field 0x%lx lies outside %s",
				  site, mod->name);
		return -EINVAL;
	}
	alias = ksplice_alias_map(site, len);
	if (!alias) {
		ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
				  "cannot map relocation field 0x%lx of %s",
				  site, mod->name);
		return -ENOMEM;
	}
	if (len == 8) {
		v64 = (u64)val;
		memcpy(alias, &v64, 8);
	} else {
		v32 = (u32)val;
		memcpy(alias, &v32, 4);
	}
	ksplice_alias_unmap(alias);
	return 0;

overflow:
	ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
			  "relocation type %u at 0x%lx in %s: 0x%llx does not fit in 32 bits",
			  r->type, site, mod->name, (u64)val);
	return -EINVAL;
}
