/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A relocatable x86-64 ELF object read with libelf into plain memory:
 * sections with their bytes and RELA entries, symbols with names.  The
 * differ and the new-code writer work on this model, never on libelf
 * handles, so an object can be closed right after it is read.
 */
#ifndef KSPLICE_ELF_OBJECT_H
#define KSPLICE_ELF_OBJECT_H

#include <gelf.h>
#include <stddef.h>

struct ks_rela {
	GElf_Addr offset;	/* in the section the relocation applies to */
	unsigned int type;	/* R_X86_64_* */
	size_t sym;		/* index in ks_object.syms */
	GElf_Sxword addend;
	/*
	 * In code: how many bytes of the instruction follow the field (an
	 * immediate after a RIP-relative displacement, as in cmpb $0,
	 * flag(%rip)), or KS_TAIL_UNKNOWN (data, or code that does not
	 * decode).
	 */
	unsigned int tail;
};
#define KS_TAIL_UNKNOWN 255u

struct ks_section {
	char *name;
	GElf_Shdr sh;
	unsigned char *data;	/* NULL for SHT_NOBITS */
	struct ks_rela *relas;	/* sorted by offset */
	size_t nr_relas;
	size_t index;		/* ELF section index */
};

struct ks_symbol {
	char *name;		/* "" for unnamed; section name for STT_SECTION */
	GElf_Sym sym;
	size_t index;		/* ELF symbol index */
};

struct ks_object {
	char *path;
	struct ks_section *secs;	/* indexed by ELF section index */
	size_t nr_secs;
	struct ks_symbol *syms;		/* indexed by ELF symbol index */
	size_t nr_syms;
};

/* Read an object; 0 or -1 with a sentence in err. */
int ks_object_read(const char *path, struct ks_object *obj,
		   char *err, size_t errlen);
void ks_object_free(struct ks_object *obj);

/* Section of a symbol, or NULL if undefined/absolute/common. */
const struct ks_section *ks_sym_section(const struct ks_object *obj,
					const struct ks_symbol *s);
/* Index of the section named name, or 0. */
size_t ks_find_section(const struct ks_object *obj, const char *name);
/* Symbol index of a defined FUNC/OBJECT named name, or 0. */
size_t ks_find_symbol(const struct ks_object *obj, const char *name);
/*
 * The named FUNC/OBJECT symbol of section sec that covers offset off
 * (off == sym value for zero-sized symbols), or 0.
 */
size_t ks_symbol_at(const struct ks_object *obj, size_t sec, GElf_Addr off);

static inline int ks_sym_type(const struct ks_symbol *s)
{
	return GELF_ST_TYPE(s->sym.st_info);
}

static inline int ks_sym_bind(const struct ks_symbol *s)
{
	return GELF_ST_BIND(s->sym.st_info);
}

/* Is the relocation PC-relative (its addend includes the field size)? */
int ks_rela_is_pcrel(unsigned int type);
/* Size in bytes of the field a relocation writes. */
unsigned int ks_rela_size(unsigned int type);

#endif
