// SPDX-License-Identifier: GPL-2.0
/* Reading relocatable objects with libelf: see elf_object.h. */
#include "diff/elf_object.h"
#include "util/error.h"
#include "util/fs.h"
#include "code/x86_decode.h"

#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		abort();
	return p;
}

static int cmp_rela(const void *a, const void *b)
{
	const struct ks_rela *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int ks_rela_is_pcrel(unsigned int type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 ||
	       type == R_X86_64_PC64 || type == R_X86_64_GOTPCREL ||
	       type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX;
}

unsigned int ks_rela_size(unsigned int type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	default:
		return 4;
	}
}

/* The lowest function start in section sec above off, or size. */
static GElf_Addr next_func_start(const struct ks_object *obj, size_t sec,
				 GElf_Addr off, GElf_Addr size)
{
	GElf_Addr best = size;
	size_t i;

	for (i = 1; i < obj->nr_syms; i++) {
		const GElf_Sym *y = &obj->syms[i].sym;

		if (GELF_ST_TYPE(y->st_info) == STT_FUNC && y->st_shndx == sec &&
		    y->st_value > off && y->st_value < best)
			best = y->st_value;
	}
	return best;
}

/*
 * Fill in the tail of every relocation in a code section, decoding the
 * instructions from the section's start and again from every function
 * start (so that undecodable bytes cost one function at most).  The
 * target of a PC-relative field is addend + 4 + tail: without the tail,
 * packed one-byte variables (the .data.once flags of WARN_ONCE and
 * pr_*_once) are mistaken for their neighbours.
 */
static void find_tails(struct ks_object *obj, struct ks_section *s)
{
	GElf_Addr pc = 0, size = s->sh.sh_size;
	GElf_Addr resync = next_func_start(obj, s->index, 0, size);
	size_t i = 0;

	while (i < s->nr_relas && pc < size) {
		unsigned int len = ks_x86_insn_len(s->data + pc, size - pc);
		GElf_Addr end = pc + len;

		if (!len || end > resync) {
			/* Not code, or decoded across a function start. */
			pc = len && pc < resync ? resync : pc + 1;
			if (pc >= resync)
				resync = next_func_start(obj, s->index, pc, size);
			continue;
		}
		for (; i < s->nr_relas && s->relas[i].offset < end; i++) {
			GElf_Addr fe = s->relas[i].offset +
				       ks_rela_size(s->relas[i].type);

			if (s->relas[i].offset >= pc && fe <= end)
				s->relas[i].tail = (unsigned int)(end - fe);
		}
		pc = end;
		if (pc >= resync)
			resync = next_func_start(obj, s->index, pc, size);
	}
}

int ks_object_read(const char *path, struct ks_object *obj,
		   char *err, size_t errlen)
{
	int fd;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx, i;
	GElf_Ehdr eh;
	int ret = -1;

	memset(obj, 0, sizeof(*obj));
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ks_set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    eh.e_type != ET_REL || eh.e_machine != EM_X86_64 ||
	    gelf_getclass(elf) != ELFCLASS64) {
		ks_set_err(err, errlen, "%s is not an x86-64 relocatable object",
			   path);
		goto out;
	}
	if (elf_getshdrnum(elf, &obj->nr_secs) ||
	    elf_getshdrstrndx(elf, &shstrndx)) {
		ks_set_err(err, errlen, "%s: %s", path, elf_errmsg(-1));
		goto out;
	}
	if (obj->nr_secs == 0) {
		ks_set_err(err, errlen, "%s has no sections", path);
		goto out;
	}
	obj->path = ks_xstrdup(path);
	obj->secs = xcalloc(obj->nr_secs, sizeof(*obj->secs));
	obj->secs[0].name = ks_xstrdup("");
	while ((scn = elf_nextscn(elf, scn))) {
		size_t idx = elf_ndxscn(scn);
		struct ks_section *s = &obj->secs[idx];
		Elf_Data *d;

		s->index = idx;
		gelf_getshdr(scn, &s->sh);
		s->name = ks_xstrdup(elf_strptr(elf, shstrndx, s->sh.sh_name));
		if (s->sh.sh_type == SHT_NOBITS || s->sh.sh_size == 0)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || d->d_size != s->sh.sh_size) {
			ks_set_err(err, errlen, "%s: cannot read section %s", path,
				   s->name);
			goto out;
		}
		s->data = xcalloc(1, d->d_size);
		memcpy(s->data, d->d_buf, d->d_size);
	}
	/* Symbols, then relocations (which need the symbol count). */
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		struct ks_section *s = &obj->secs[elf_ndxscn(scn)];
		Elf_Data *d;

		if (s->sh.sh_type != SHT_SYMTAB)
			continue;
		if (obj->syms) {
			ks_set_err(err, errlen, "%s has two symbol tables", path);
			goto out;
		}
		d = elf_getdata(scn, NULL);
		obj->nr_syms = s->sh.sh_size / sizeof(Elf64_Sym);
		obj->syms = xcalloc(obj->nr_syms, sizeof(*obj->syms));
		for (i = 0; i < obj->nr_syms; i++) {
			struct ks_symbol *y = &obj->syms[i];

			gelf_getsym(d, (int)i, &y->sym);
			y->index = i;
			if (GELF_ST_TYPE(y->sym.st_info) == STT_SECTION &&
			    y->sym.st_shndx < obj->nr_secs)
				y->name = ks_xstrdup(obj->secs[y->sym.st_shndx].name);
			else
				y->name = ks_xstrdup(elf_strptr(elf, s->sh.sh_link,
							     y->sym.st_name));
		}
	}
	if (!obj->syms) {
		ks_set_err(err, errlen, "%s has no symbol table", path);
		goto out;
	}
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		struct ks_section *r = &obj->secs[elf_ndxscn(scn)];
		struct ks_section *t;
		Elf_Data *d;
		size_t n;

		if (r->sh.sh_type == SHT_REL) {
			ks_set_err(err, errlen, "%s uses REL relocations", path);
			goto out;
		}
		if (r->sh.sh_type != SHT_RELA || r->sh.sh_info >= obj->nr_secs)
			continue;
		t = &obj->secs[r->sh.sh_info];
		if (t->relas) {
			ks_set_err(err, errlen, "%s: two relocation sections for %s",
				   path, t->name);
			goto out;
		}
		d = elf_getdata(scn, NULL);
		n = r->sh.sh_size / sizeof(Elf64_Rela);
		t->relas = xcalloc(n, sizeof(*t->relas));
		t->nr_relas = n;
		for (i = 0; i < n; i++) {
			GElf_Rela ra;

			gelf_getrela(d, (int)i, &ra);
			t->relas[i].offset = ra.r_offset;
			t->relas[i].type = (unsigned int)GELF_R_TYPE(ra.r_info);
			t->relas[i].sym = GELF_R_SYM(ra.r_info);
			t->relas[i].addend = ra.r_addend;
			t->relas[i].tail = KS_TAIL_UNKNOWN;
			if (t->relas[i].sym >= obj->nr_syms) {
				ks_set_err(err, errlen, "%s: bad relocation in %s",
					   path, r->name);
				goto out;
			}
		}
		qsort(t->relas, n, sizeof(*t->relas), cmp_rela);
	}
	for (i = 1; i < obj->nr_secs; i++)
		if ((obj->secs[i].sh.sh_flags & SHF_EXECINSTR) &&
		    obj->secs[i].data && obj->secs[i].nr_relas)
			find_tails(obj, &obj->secs[i]);
	ret = 0;
out:
	if (elf)
		elf_end(elf);
	close(fd);
	if (ret)
		ks_object_free(obj);
	return ret;
}

void ks_object_free(struct ks_object *obj)
{
	size_t i;

	for (i = 0; i < obj->nr_secs; i++) {
		free(obj->secs[i].name);
		free(obj->secs[i].data);
		free(obj->secs[i].relas);
	}
	for (i = 0; i < obj->nr_syms; i++)
		free(obj->syms[i].name);
	free(obj->secs);
	free(obj->syms);
	free(obj->path);
	memset(obj, 0, sizeof(*obj));
}

const struct ks_section *ks_sym_section(const struct ks_object *obj,
					const struct ks_symbol *s)
{
	if (s->sym.st_shndx == SHN_UNDEF || s->sym.st_shndx >= SHN_LORESERVE ||
	    s->sym.st_shndx >= obj->nr_secs)
		return NULL;
	return &obj->secs[s->sym.st_shndx];
}

size_t ks_find_section(const struct ks_object *obj, const char *name)
{
	size_t i;

	for (i = 1; i < obj->nr_secs; i++)
		if (!strcmp(obj->secs[i].name, name))
			return i;
	return 0;
}

size_t ks_find_symbol(const struct ks_object *obj, const char *name)
{
	size_t i;

	for (i = 1; i < obj->nr_syms; i++) {
		const struct ks_symbol *s = &obj->syms[i];
		int t = ks_sym_type(s);

		if ((t == STT_FUNC || t == STT_OBJECT) &&
		    s->sym.st_shndx != SHN_UNDEF && !strcmp(s->name, name))
			return i;
	}
	return 0;
}

size_t ks_symbol_at(const struct ks_object *obj, size_t sec, GElf_Addr off)
{
	size_t i, best = 0;

	for (i = 1; i < obj->nr_syms; i++) {
		const struct ks_symbol *s = &obj->syms[i];
		int t = ks_sym_type(s);

		if ((t != STT_FUNC && t != STT_OBJECT) || s->sym.st_shndx != sec ||
		    !s->name[0])
			continue;
		if (off >= s->sym.st_value &&
		    (off < s->sym.st_value + s->sym.st_size ||
		     (s->sym.st_size == 0 && off == s->sym.st_value))) {
			/* Prefer a global name when aliases overlap. */
			if (!best || ks_sym_bind(s) == STB_GLOBAL)
				best = i;
		}
	}
	return best;
}
