// SPDX-License-Identifier: GPL-2.0
/*
 * Other rewriters of kernel text: jump labels, inline static calls and
 * ftrace each own sites whose bytes they later rewrite, checking first
 * that the bytes are theirs (and BUG()ing or disabling ftrace when they
 * are not).  A ksplice jump must never cover such a site, so every patch
 * site is checked against their tables before an apply.  Also here: the
 * code no jump may go into at all (ksplice_check_unsafe_site()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/static_call_types.h>
#include "ksplice_internal.h"

/* Longest instruction any of them rewrites (a 5-byte jump or call). */
#define KSPLICE_FOREIGN_SITE_LEN 5

static bool ksplice_overlaps(unsigned long a, unsigned long b)
{
	/* [a, a + 5) and [b, b + 5) intersect */
	return a < b + KSPLICE_FOREIGN_SITE_LEN &&
		b < a + KSPLICE_JUMP_LEN;
}

static unsigned long ksplice_jump_table_hit(struct jump_entry *start,
					    struct jump_entry *stop,
					    unsigned long site)
{
	struct jump_entry *e;

	for (e = start; e && e < stop; e++)
		if (ksplice_overlaps(site, jump_entry_code(e)))
			return jump_entry_code(e);
	return 0;
}

static unsigned long ksplice_static_call_hit(struct static_call_site *start,
					     struct static_call_site *stop,
					     unsigned long site)
{
	struct static_call_site *s;
	unsigned long addr;

	for (s = start; s && s < stop; s++) {
		addr = (unsigned long)((long)s->addr + (long)&s->addr);
		if (ksplice_overlaps(site, addr))
			return addr;
	}
	return 0;
}

/**
 * ksplice_check_foreign_sites() - is a patch site free of others' sites?
 * @u: the update (for the abort message)
 * @m: the module holding the patch site, NULL for vmlinux
 * @f: the function whose patch site is checked
 *
 * Return: 0, or -EBUSY with abort cause patch_site_overlap (a known
 * limit, not a mismatch) and a message naming the owner of the
 * overlapping site.
 */
int ksplice_check_foreign_sites(struct ksplice_update *u, struct module *m,
				struct ksplice_func_site *f)
{
	const struct ksplice_kernel_syms *k = &ksplice_ksyms;
	unsigned long site = f->addr + f->patchoff, hit;
	const char *owner;

	if (m) {
		hit = ksplice_jump_table_hit(m->jump_entries,
					     m->jump_entries +
					     m->num_jump_entries, site);
	} else {
		hit = ksplice_jump_table_hit(k->jump_table_start,
					     k->jump_table_stop, site);
	}
	owner = "a jump label";
	if (!hit) {
		owner = "a static call";
		if (m)
			hit = ksplice_static_call_hit(m->static_call_sites,
						      m->static_call_sites +
						      m->num_static_call_sites,
						      site);
		else
			hit = ksplice_static_call_hit(k->static_call_start,
						      k->static_call_stop,
						      site);
	}
	if (!hit && k->ftrace_location_range) {
		owner = "an ftrace";
		hit = k->ftrace_location_range(site,
					       site + KSPLICE_JUMP_LEN - 1);
	}
	if (!hit)
		return 0;
	ksplice_set_abort(u, KSPLICE_ABORT_PATCH_SITE_OVERLAP,
			  "%s site at 0x%lx overlaps the patch site of %s at 0x%lx+%u; it would be rewritten under the jump",
			  owner, hit, f->name, f->addr, f->patchoff);
	return -EBUSY;
}

static bool ksplice_in_text(unsigned long addr, const void *start,
			    unsigned int size)
{
	return start && addr - (unsigned long)start < size;
}

/**
 * ksplice_check_unsafe_site() - may this function take a jump at all?
 * @u: the update (for the abort message)
 * @m: the target module, NULL for vmlinux
 * @f: the function
 *
 * Code in .noinstr.text, .entry.text and .kprobes.text, and the functions
 * on the kprobe blacklist, may run in NMI, #MC or exception entry: before
 * RCU watches, on an entry stack, with the user's page tables (which map
 * the entry text but no module), or inside kprobes' own int3 handling.
 * A jump there sends such code into a module compiled with none of those
 * constraints; and such code may already be inside the five bytes, on
 * any CPU, while they are written (docs/design.md, "Writing the jump").
 * noinstr functions have no fentry site, so the jump would go at their
 * very first byte.
 *
 * Return: 0, or -EPERM with abort cause unsafe_site and a message naming
 * the function and the reason.
 */
int ksplice_check_unsafe_site(struct ksplice_update *u, struct module *m,
			      struct ksplice_func_site *f)
{
	const struct ksplice_kernel_syms *k = &ksplice_ksyms;
	unsigned long a = f->addr;
	const char *why = NULL;

	if (m) {
		if (ksplice_in_text(a, m->noinstr_text_start,
				    m->noinstr_text_size))
			why = "in .noinstr.text (noinstr)";
		else if (ksplice_in_text(a, m->kprobes_text_start,
					 m->kprobes_text_size))
			why = "in .kprobes.text (__kprobes)";
	} else if (a >= k->noinstr_start && a < k->noinstr_end) {
		why = "in .noinstr.text (noinstr)";
	} else if (a >= k->entry_start && a < k->entry_end) {
		why = "in .entry.text";
	} else if (a >= k->kprobes_start && a < k->kprobes_end) {
		why = "in .kprobes.text (__kprobes)";
	}
	if (!why && k->within_kprobe_blacklist(a))
		why = "on the kprobe blacklist (NOKPROBE_SYMBOL)";
	if (!why)
		return 0;
	ksplice_set_abort(u, KSPLICE_ABORT_UNSAFE_SITE,
			  "%s at 0x%lx is %s: it may run in NMI or exception entry, where neither the jump nor the code it leads to is safe",
			  f->name, a, why);
	return -EPERM;
}
