// SPDX-License-Identifier: GPL-2.0
/*
 * Writable aliases of read-only kernel text: the physical pages behind an
 * address range mapped a second time, writable, with vmap().  The same
 * trick text_poke() uses, without its IPIs, so the writes can happen
 * inside stop_machine.  Aliases are made and removed outside the window.
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
