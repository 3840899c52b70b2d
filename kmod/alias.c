// SPDX-License-Identifier: GPL-2.0
/*
 * Writable aliases of read-only kernel text: the physical pages behind an
 * address range mapped a second time, writable, with vmap().  The same
 * trick text_poke() uses, without its IPIs, so the writes can happen
 * inside stop_machine.  Aliases are made and removed outside the window,
 * but only around it: an alias is a writable mapping of kernel text that
 * every CPU can use, so it lives only while text_mutex is held for the
 * one write it is made for (docs/design.md, "Writable aliases").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>
#include "ksplice_internal.h"

/* Module text lives in the module area, mapped page by page like vmalloc. */
static bool ksplice_is_vmapped(unsigned long addr)
{
	return (addr >= MODULES_VADDR && addr < MODULES_END) ||
		is_vmalloc_addr((void *)addr);
}

/**
 * ksplice_alias_map() - map the pages holding [@addr, @addr + @len) writable
 * @addr: start of the range (core kernel text or module memory)
 * @len: length of the range, at most one page
 *
 * Return: the writable address that corresponds to @addr, or NULL (with a
 * pr_err) when a page cannot be found or mapped.
 */
u8 *ksplice_alias_map(unsigned long addr, size_t len)
{
	struct page *pages[2];
	unsigned long first = addr & PAGE_MASK;
	unsigned int i, nr = ((addr + len - 1) & PAGE_MASK) == first ? 1 : 2;
	void *map;

	if (!len || len > PAGE_SIZE || ksplice_should_fail())
		return NULL;
	for (i = 0; i < nr; i++) {
		unsigned long p = first + i * PAGE_SIZE;

		pages[i] = ksplice_is_vmapped(p) ? vmalloc_to_page((void *)p) :
			virt_to_page((void *)p);
		if (!pages[i]) {
			pr_err("no page behind 0x%lx\n", p);
			return NULL;
		}
	}
	map = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	if (!map) {
		pr_err("cannot map a writable alias of 0x%lx\n", addr);
		return NULL;
	}
	ksplice_debug_alias(1);
	return (u8 *)map + offset_in_page(addr);
}

/**
 * ksplice_alias_unmap() - remove an alias made by ksplice_alias_map()
 * @alias: the pointer it returned (NULL is ignored)
 */
void ksplice_alias_unmap(u8 *alias)
{
	if (!alias)
		return;
	vunmap((void *)((unsigned long)alias & PAGE_MASK));
	ksplice_debug_alias(-1);
}

/**
 * ksplice_alias_unmap_target() - remove the aliases of a target's sites
 * @t: the target (functions without an alias are skipped)
 */
void ksplice_alias_unmap_target(struct ksplice_target *t)
{
	struct ksplice_func_site *f;

	list_for_each_entry(f, &t->funcs, list) {
		ksplice_alias_unmap(f->alias);
		f->alias = NULL;
	}
}

/**
 * ksplice_alias_map_target() - map the patch site of each of a target's
 *	functions writable, into &ksplice_func_site.alias
 * @u: the update (for the abort message)
 * @t: a target whose patch sites are in memory, with no alias mapped
 *
 * Caller holds text_mutex, and unmaps with ksplice_alias_unmap_target()
 * as soon as the jumps are written.
 *
 * Return: 0, or -ENOMEM with abort cause out_of_memory and none of @t's
 * aliases left mapped.
 */
int ksplice_alias_map_target(struct ksplice_update *u,
			     struct ksplice_target *t)
{
	struct ksplice_func_site *f;
	unsigned long site;

	list_for_each_entry(f, &t->funcs, list) {
		site = f->addr + f->patchoff;
		f->alias = ksplice_alias_map(site, KSPLICE_JUMP_LEN);
		if (!f->alias) {
			ksplice_alias_unmap_target(t);
			ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
					  "cannot map a writable alias of %s at 0x%lx",
					  f->name, site);
			return -ENOMEM;
		}
	}
	return 0;
}
