/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running kernel's symbols, read from /proc/kallsyms (or a captured
 * copy).  kallsyms has no sizes: a symbol's size is the distance to the
 * next higher address in the same scope, as the kernel's own
 * kallsyms_lookup_size_offset() computes it.
 */
#ifndef KS_KALLSYMS_H
#define KS_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ks_ksym {
	uint64_t addr;
	uint64_t size;		/* to the next symbol in the same scope */
	char type;		/* t, T, d, D, b, ... */
	const char *name;
	const char *module;	/* NULL for vmlinux */
};

struct ks_kallsyms {
	struct ks_ksym *syms;	/* sorted by (module, addr) */
	size_t nr;
	struct ks_ksym **by_name;	/* sorted by name */
	struct ks_ksym **by_addr;	/* sorted by address, all scopes */
	char *text;		/* the file, names point into it */
};

int ks_kallsyms_load(const char *path, struct ks_kallsyms *ks,
		     char *err, size_t errlen);
void ks_kallsyms_free(struct ks_kallsyms *ks);

/*
 * The entries named NAME: *first is set to the first of them in by_name,
 * the count is returned (0 if none).
 */
size_t ks_kallsyms_by_name(const struct ks_kallsyms *ks, const char *name,
			   struct ks_ksym ***first);

/* Is the symbol inside SCOPE ("vmlinux" or a module name)? */
int ks_ksym_in_scope(const struct ks_ksym *s, const char *scope);

/* Is ADDR the start of a symbol named NAME (in any scope)? */
int ks_kallsyms_has_at(const struct ks_kallsyms *ks, const char *name,
		       uint64_t addr);

/* The symbol containing ADDR, or NULL; *off gets the offset into it. */
const struct ks_ksym *ks_kallsyms_lookup(const struct ks_kallsyms *ks,
					 uint64_t addr, uint64_t *off);

/* Is any symbol of module MOD listed (i.e. is the module loaded)? */
int ks_kallsyms_module_loaded(const struct ks_kallsyms *ks, const char *mod);

#endif /* KS_KALLSYMS_H */
