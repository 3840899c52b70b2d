/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The new-code object: the changed and new functions of one post object
 * plus what they need (strings, changed read-only data, new variables)
 * and the special-section entries that describe them.  Relocations to
 * symbols exported by the target kernel stay ordinary undefined-symbol
 * relocations; every other reference outside the object is removed and
 * listed as a ksplice relocation (struct ksplice_reloc), resolved at
 * apply time from the run-pre match.
 */
#ifndef KSPLICE_NEWCODE_H
#define KSPLICE_NEWCODE_H

#include "diff/elf_object.h"
#include "diff/objdiff.h"

/*
 * Exported symbols of the target kernel (Module.symvers), and those the
 * parts of the update being made add (ks_exports_add).
 */
struct ks_exports {
	char **names;		/* sorted */
	char **ns;		/* namespace per name ("" for none) */
	char **mods;		/* exporting module ("vmlinux", "ext4", ...) */
	char **added_by;	/* the part (target) adding it, NULL: the kernel's */
	size_t n;
};

int ks_exports_load(const char *symvers, struct ks_exports *ex,
		    char *err, size_t errlen);
/* Namespace of an exported symbol ("" if none), or NULL if not exported. */
const char *ks_exports_find(const struct ks_exports *ex, const char *name);
/* The module exporting name ('-' as '_'), or NULL if not exported. */
const char *ks_exports_module(const struct ks_exports *ex, const char *name);
/*
 * An export that part TARGET of the update adds, from its new-code
 * module MODULE: the other parts link against it like any export.
 */
void ks_exports_add(struct ks_exports *ex, const char *name,
		    const char *module, const char *target);
/* The part adding export name, or NULL (the kernel's, or not exported). */
const char *ks_exports_added_by(const struct ks_exports *ex,
				const char *name);
void ks_exports_free(struct ks_exports *ex);

struct nc_rela {
	GElf_Addr offset;
	unsigned int type;
	size_t sym;		/* index in nc_object.syms */
	GElf_Sxword addend;
};

struct nc_sec {
	char *name;
	GElf_Word type;
	GElf_Xword flags, align, entsize;
	unsigned char *data;	/* NULL for NOBITS */
	GElf_Xword size;
	struct nc_rela *relas;
	size_t nr_relas;
	/* Where it comes from in the post object. */
	size_t src_sec;
	GElf_Addr src_start;
	size_t secsym;		/* its section symbol */
	char *alias;		/* global symbol at offset 0, or NULL */
};

struct nc_sym {
	char *name;
	unsigned char info;	/* GELF_ST_INFO */
	size_t sec;		/* index+1 in nc_object.secs, 0 = undefined */
	GElf_Addr value;
	GElf_Xword size;
	/*
	 * A global the patch adds (in the post object, not the pre one):
	 * the running kernel has no symbol of that name, so the update's
	 * other objects link to this copy (nc_link_added), and its other
	 * parts too (nc_link_parts).
	 */
	int added;
};

/* A reference resolved by ksplice at apply time. */
struct nc_kreloc {
	size_t sec;		/* nc section holding the field */
	GElf_Addr offset;
	unsigned int type;
	size_t ksym;		/* index in nc_object.ksyms */
	GElf_Sxword addend;
};

struct nc_ksym {
	char *name;		/* pre (kallsyms) name */
	unsigned int flags;	/* KSPLICE_SYM_* */
	char *object;		/* pre object for local symbols */
};

/* One replaced function (struct ksplice_func). */
struct nc_func {
	char *name;		/* kallsyms name of the pre function */
	size_t sec;		/* nc section holding the replacement */
	GElf_Addr offset;
	GElf_Xword new_size, old_size;
};

/* A hook (include/ksplice/hooks.h) of the update: struct ksplice_hook. */
struct nc_hook {
	unsigned int kind;	/* enum ksplice_hook_kind */
	size_t sec;		/* nc section holding the hook function */
	GElf_Addr offset;
	char *name;		/* the hook function, for notes */
};

/* A deleted function replaced by a reporting stub (desc `deleted`). */
struct nc_deleted {
	char *name;		/* kallsyms name of the pre function */
	char *object;		/* its object */
	GElf_Xword old_size;
};

/*
 * A symbol the patch newly exports (EXPORT_SYMBOL in the post object),
 * or a link: a private export of something the patch adds, for the
 * update's other parts only (nc_link_parts).
 */
struct nc_export {
	char *name;
	int gpl;		/* EXPORT_SYMBOL_GPL */
	size_t sec;		/* nc section holding it */
	GElf_Addr offset;
	int func;		/* a function (else data) */
	int link;		/* a private export for the update's parts */
};

struct nc_object {
	/*
	 * The target ("vmlinux" or a module name), set by the caller; NULL
	 * is vmlinux.  References to a module target's own exports become
	 * ksplice relocations, so the new code loads without the module
	 * (an update for a module that is not loaded yet).
	 */
	const char *target;
	struct nc_sec *secs;
	size_t nr_secs;
	struct nc_sym *syms;
	size_t nr_syms;
	struct nc_kreloc *krelocs;
	size_t nr_krelocs;
	struct nc_ksym *ksyms;
	size_t nr_ksyms;
	struct nc_func *funcs;
	size_t nr_funcs;
	struct nc_hook *hooks;
	size_t nr_hooks;
	struct nc_deleted *deleted;
	size_t nr_deleted;
	struct nc_export *exports;
	size_t nr_exports;
	char **namespaces;	/* symbol namespaces the module must import */
	size_t nr_namespaces;
	char **notes;
	size_t nr_notes;
};

/*
 * Add what one diffed object contributes (objpath: its path in the tree,
 * e.g. fs/ext4/mballoc.o).  Several objects of one target go into the
 * same nc_object.  Returns 0, -1 with err on failure, or 1 with err set
 * when the change must be refused (e.g. an alternative replacement that
 * refers to a non-exported symbol).
 */
int nc_add_object(struct nc_object *nc, const struct ks_diff *d,
		  const char *objpath, const struct ks_exports *ex,
		  char *err, size_t errlen);

/*
 * After the last nc_add_object of a target: a reference of one object
 * to a function or variable another object of the same update adds
 * becomes an ordinary relocation against that definition, since there is
 * nothing of that name in the running kernel to resolve it against.
 * Returns how many references it linked.
 */
size_t nc_link_added(struct nc_object *nc);
/* The carried definition (index in syms) of an added global, or -1. */
long nc_added_definition(const struct nc_object *nc, const char *name);
/*
 * Whether the post object of d defines a global name that its pre object
 * does not: a name the patch adds (or moves into this file).
 */
int nc_diff_adds(const struct ks_diff *d, const char *name);
/*
 * Whether the post object of d adds a global variable that nc_add_object
 * carries even when no changed code of d uses it (another file or part
 * may): an object with no changed function still has new code then.
 */
int nc_diff_adds_data(const struct ks_diff *d);
/* An undefined symbol (index in syms) for name, from namespace ns. */
size_t nc_undef_sym(struct nc_object *nc, const char *name, const char *ns);
/* An ordinary relocation in nc section sec (index+1) against sym. */
void nc_add_rela(struct nc_object *nc, size_t sec, GElf_Addr off,
		 unsigned int type, size_t sym, GElf_Sxword addend);
/* Forget the ksplice symbols no ksplice relocation refers to any more. */
void nc_drop_unused_ksyms(struct nc_object *nc);
/*
 * The names the post object of d exports anew (EXPORT_SYMBOL of a symbol
 * that neither the pre object nor the kernel, ex, exports), owned: what
 * nc_add_object makes the new-code module export.
 */
size_t nc_added_exports(const struct ks_diff *d, const struct ks_exports *ex,
			char ***names);

/* Write the relocatable object (libelf). */
int nc_write_elf(const struct nc_object *nc, const char *path,
		 char *err, size_t errlen);

/* Write the C file defining __ksplice_update_desc. */
int nc_write_desc(const struct nc_object *nc, const char *path,
		  const char *id, const char *target, const char *description,
		  char *err, size_t errlen);

void nc_free(struct nc_object *nc);

/* "pre_apply" etc. (include/ksplice/abi.h's list); "?" out of range. */
const char *nc_hook_kind_name(unsigned int kind);

#endif
