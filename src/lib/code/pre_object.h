/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pre object (the unpatched source compiled with -ffunction-sections
 * -fdata-sections) as the matcher sees it: its sections, symbols,
 * relocations, and every place of its code the kernel rewrites at boot or
 * module load, read from the object's own tables.
 */
#ifndef KS_PRE_OBJECT_H
#define KS_PRE_OBJECT_H

#include <stddef.h>
#include <stdint.h>

/* The kinds of places the kernel rewrites in its own code. */
enum ks_site_kind {
	KS_SITE_FENTRY,		/* call __fentry__: nop, or a trampoline call */
	KS_SITE_RETURN,		/* jmp __x86_return_thunk (.return_sites) */
	KS_SITE_RETPOLINE,	/* call/jmp/jcc __x86_indirect_thunk_REG */
	KS_SITE_STATIC_CALL,	/* call/jmp __SCT__NAME (.static_call_sites) */
	KS_SITE_ALTERNATIVE,	/* .altinstructions original */
	KS_SITE_PARAVIRT,	/* .parainstructions */
	KS_SITE_JUMP_LABEL,	/* __jump_table code */
	KS_SITE_SMP_LOCK,	/* .smp_locks: lock prefix, or ds on UP */
};

const char *ks_site_kind_name(enum ks_site_kind k);

struct ks_site {
	uint64_t off;		/* in its section */
	uint32_t len;
	enum ks_site_kind kind;
	/* ALTERNATIVE: the replacement in .altinstr_replacement */
	uint64_t repl_off;
	uint32_t repl_len;
	/* JUMP_LABEL: where the jump goes (section index and offset) */
	uint32_t target_shndx;
	uint64_t target_off;
	/* RETPOLINE: the register number (0 = rax ... 15 = r15) */
	int reg;
};

struct ks_reloc {
	uint64_t off;		/* in the section */
	uint32_t type;		/* R_X86_64_* */
	uint32_t sym;		/* index in ks_pre_object.syms */
	int64_t addend;
};

struct ks_pre_section {
	const char *name;
	uint32_t type;		/* SHT_* */
	uint64_t flags;		/* SHF_* */
	uint64_t size;
	const unsigned char *data;	/* NULL for NOBITS */
	struct ks_reloc *relocs;	/* sorted by offset */
	size_t nr_relocs;
	struct ks_site *sites;		/* sorted by offset */
	size_t nr_sites;
};

struct ks_pre_sym {
	const char *name;	/* "" for section symbols */
	uint32_t shndx;		/* SHN_UNDEF for undefined */
	uint64_t value;
	uint64_t size;
	unsigned char type;	/* STT_* */
	unsigned char bind;	/* STB_* */
};

struct ks_pre_code {
	char *path;
	void *elf;		/* Elf * */
	int fd;
	struct ks_pre_section *secs;
	size_t nr_secs;
	struct ks_pre_sym *syms;
	size_t nr_syms;
	int altrepl_shndx;	/* .altinstr_replacement, or -1 */
};

int ks_pre_open(const char *path, struct ks_pre_code *o,
		char *err, size_t errlen);
void ks_pre_close(struct ks_pre_code *o);

/* Index of a defined symbol by name (FUNC or OBJECT), or -1. */
long ks_pre_find_sym(const struct ks_pre_code *o, const char *name);

/* Relocation in SEC covering byte OFF, or NULL. */
const struct ks_reloc *ks_pre_reloc_at(const struct ks_pre_section *s,
				       uint64_t off);

/* Size in bytes of the field a relocation of TYPE writes (0: unknown). */
unsigned int ks_reloc_size(uint32_t type);

#endif /* KS_PRE_OBJECT_H */
