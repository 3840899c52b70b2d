// SPDX-License-Identifier: GPL-2.0
/* Choosing the patch offset; see patch_site.h. */
#include "code/patch_site.h"
#include "util/error.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

#include <ksplice/abi.h>

#include "code/x86_decode.h"

/*
 * Sites whose bytes the kernel may rewrite after a jump was written over
 * them: jump labels and static calls whenever their key or target
 * changes; lock prefixes when a kernel that booted with one CPU brings
 * up another (alternatives_enable_smp() turns every recorded "ds" back
 * into "lock": a byte of the jump's displacement that happens to be 0x3e
 * would become 0xf0, and a prefix the jump covered would be restored as
 * the one-CPU "ds" on reverse); an ftrace site other than the function's
 * own whenever tracing is switched.  Alternatives, paravirt calls and
 * retpoline and return thunks are rewritten once, at boot or when their
 * module is loaded, before the matcher reads them and before any jump
 * can be written (the core module splices a module that comes later
 * after its loader applied them); a jump over them saves the bytes that
 * are there and puts them back on reverse, like any other code.
 */
static int rewritten_at_run_time(enum ks_site_kind k)
{
	switch (k) {
	case KS_SITE_JUMP_LABEL:
	case KS_SITE_STATIC_CALL:
	case KS_SITE_SMP_LOCK:
	case KS_SITE_FENTRY:
		return 1;
	default:
		return 0;
	}
}

/*
 * Where a branch of the function lands, as an offset into it, or -1 if
 * the instruction at P is not a branch into the function.
 */
static long long branch_into(const struct ks_pre_section *sec,
			     const struct ks_code_fn *fn, uint64_t i,
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

/*
 * Does code of another section branch into the middle of the jump at
 * OFF of FN?  GCC moves a function's unlikely blocks into a sibling
 * section (foo.cold in .text.unlikely.foo), and they jump back into the
 * function; such a branch is a relocation against the function's
 * section (or a symbol in it), since the assembler cannot resolve it.
 * Any PC-relative reference from another section counts, not only a
 * branch: an address taken of a place inside the jump is as bad.  The
 * reference lands at S + A + 4 (the field is the last four bytes of the
 * instruction, P cancels out).  0, or -1 with the reason in err.
 */
static int sibling_branch_into(const struct ks_pre_code *pre,
			       const struct ks_code_fn *fn, unsigned int off,
			       char *err, size_t errlen)
{
	uint64_t a = fn->off + off, b = a + KSPLICE_JUMP_LEN;

	for (size_t si = 0; si < pre->nr_secs; si++) {
		const struct ks_pre_section *sec = &pre->secs[si];

		if (si == fn->shndx || !(sec->flags & SHF_EXECINSTR))
			continue;
		for (size_t i = 0; i < sec->nr_relocs; i++) {
			const struct ks_reloc *r = &sec->relocs[i];
			const struct ks_pre_sym *s;
			long long to;
			const char *by = NULL;

			if ((r->type != R_X86_64_PC32 &&
			     r->type != R_X86_64_PLT32) || r->sym >= pre->nr_syms)
				continue;
			s = &pre->syms[r->sym];
			if (s->shndx != fn->shndx)
				continue;
			to = (long long)(s->value + r->addend + 4);
			if (to <= (long long)a || to >= (long long)b)
				continue;
			/* Name the piece the reference is in, if it has one. */
			for (size_t k = 0; k < pre->nr_syms && !by; k++)
				if (pre->syms[k].shndx == si &&
				    pre->syms[k].type == STT_FUNC &&
				    r->off >= pre->syms[k].value &&
				    r->off < pre->syms[k].value + pre->syms[k].size)
					by = pre->syms[k].name;
			ks_set_err(err, errlen, "%s: %s (%s) branches to offset "
				   "%lld, inside the %d-byte jump that would go "
				   "at offset %u; this function cannot be "
				   "replaced safely", fn->name, sec->name,
				   by ? by : "no function", to - (long long)fn->off,
				   KSPLICE_JUMP_LEN, off);
			return -1;
		}
	}
	return 0;
}

int ks_patch_offset(const struct ks_pre_code *pre,
		    const struct ks_code_fn *fn, unsigned int *patchoff,
		    char *err, size_t errlen)
{
	const struct ks_pre_section *sec = &pre->secs[fn->shndx];
	unsigned int off = 0;

	for (size_t i = 0; i < sec->nr_sites; i++)
		if (sec->sites[i].off == fn->off &&
		    sec->sites[i].kind == KS_SITE_FENTRY)
			off = sec->sites[i].len;
	if (fn->len < off + KSPLICE_JUMP_LEN) {
		ks_set_err(err, errlen, "%s is only %llu bytes long: no room for "
			   "a %d-byte jump at offset %u", fn->name,
			   (unsigned long long)fn->len, KSPLICE_JUMP_LEN, off);
		return -1;
	}
	for (size_t i = 0; i < sec->nr_sites; i++) {
		const struct ks_site *s = &sec->sites[i];
		uint64_t a = fn->off + off, b = a + KSPLICE_JUMP_LEN;

		if ((s->off == fn->off && s->kind == KS_SITE_FENTRY) ||
		    !rewritten_at_run_time(s->kind))
			continue;
		if (s->off < b && s->off + s->len > a) {
			ks_set_err(err, errlen, "%s: the jump at offset %u would "
				   "overlap a %s site at offset %llu (%u byte%s), "
				   "which the kernel rewrites while it runs; this "
				   "function cannot be replaced safely",
				   fn->name, off, ks_site_kind_name(s->kind),
				   (unsigned long long)(s->off - fn->off), s->len,
				   s->len == 1 ? "" : "s");
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
			ks_set_err(err, errlen, "%s: the instruction at offset "
				   "%llu branches to offset %lld, inside the "
				   "%d-byte jump that would go at offset %u; this "
				   "function cannot be replaced safely", fn->name,
				   (unsigned long long)i, to, KSPLICE_JUMP_LEN, off);
			return -1;
		}
		i += l;
	}
	if (sibling_branch_into(pre, fn, off, err, errlen))
		return -1;
	*patchoff = off;
	return 0;
}

int ks_patch_sites_check(const char *pre_path, const char *const *names,
			 size_t nr, char *err, size_t errlen)
{
	struct ks_pre_code pre;
	int ret = 0;

	if (ks_pre_open(pre_path, &pre, err, errlen))
		return -1;
	for (size_t i = 0; i < nr && !ret; i++) {
		const struct ks_pre_sym *s = NULL;
		struct ks_code_fn fn = { 0 };
		unsigned int off;
		size_t si;

		for (si = 0; si < pre.nr_syms; si++)
			if (pre.syms[si].type == STT_FUNC &&
			    pre.syms[si].shndx < pre.nr_secs &&
			    !strcmp(pre.syms[si].name, names[i]))
				break;
		if (si < pre.nr_syms)
			s = &pre.syms[si];
		if (!s || !pre.secs[s->shndx].data ||
		    s->value >= pre.secs[s->shndx].size) {
			ks_set_err(err, errlen, "%s: not a function of %s",
				   names[i], pre_path);
			ret = -1;
			break;
		}
		/* As the matcher sees it (add_fn() in matcher.c). */
		fn.name = s->name;
		fn.shndx = s->shndx;
		fn.off = s->value;
		fn.len = s->size ? s->size : pre.secs[s->shndx].size - s->value;
		if (ks_patch_offset(&pre, &fn, &off, err, errlen))
			ret = 1;
	}
	ks_pre_close(&pre);
	return ret;
}
