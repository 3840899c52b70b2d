// SPDX-License-Identifier: GPL-2.0
/*
 * Writing the new-code object with libelf.  Symbols are ordered locals
 * first as ELF requires; every replacement function and every section
 * that holds a ksplice relocation site gets a global alias
 * (__ksplice_new_K, __ksplice_sec_N, and __ksplice_hookfn_K for each hook)
 * so that the generated descriptor C
 * file (newcode_desc.c) can take their addresses.
 */
#include "newcode/newcode.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/array.h"

#include <fcntl.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct strtab {
	char *buf;
	size_t len;
};

static size_t str_add(struct strtab *t, const char *s)
{
	size_t n = strlen(s) + 1, off = t->len;

	if (!t->len) {
		t->buf = calloc(1, 1);
		t->len = 1;
		off = 1;
	}
	if (!*s)
		return 0;
	t->buf = ks_grow(t->buf, t->len, n, 1);
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return off;
}

static int sec_has_kreloc(const struct nc_object *nc, size_t sec)
{
	size_t i;

	for (i = 0; i < nc->nr_krelocs; i++)
		if (nc->krelocs[i].sec == sec)
			return 1;
	return 0;
}

static Elf_Scn *add_scn(Elf *e, struct strtab *shs, const char *name,
			GElf_Word type, GElf_Xword flags, GElf_Xword align,
			GElf_Xword entsize, void *buf, size_t size)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d;
	GElf_Shdr sh;

	if (!scn)
		return NULL;
	d = elf_newdata(scn);
	d->d_buf = buf;
	d->d_size = size;
	d->d_align = align ? align : 1;
	d->d_type = ELF_T_BYTE;
	d->d_version = EV_CURRENT;
	gelf_getshdr(scn, &sh);
	sh.sh_name = (GElf_Word)str_add(shs, name);
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addralign = align ? align : 1;
	sh.sh_entsize = entsize;
	sh.sh_size = size;
	gelf_update_shdr(scn, &sh);
	return scn;
}

int nc_write_elf(const struct nc_object *nc, const char *path,
		 char *err, size_t errlen)
{
	size_t nsyms = nc->nr_syms, i, j, nlocal = 0, k;
	struct nc_sym *syms;
	size_t *newidx;
	Elf64_Sym *symtab;
	struct strtab str = { 0 }, shs = { 0 };
	Elf64_Rela **relabufs = NULL;
	Elf *e = NULL;
	GElf_Ehdr eh;
	Elf_Scn *scn;
	int fd, ret = -1;
	size_t symtab_idx, first_rela;
	unsigned char *zero = NULL;

	/* Aliases, then order: null, locals, globals. */
	syms = calloc(nsyms + nc->nr_funcs + nc->nr_hooks + nc->nr_exports +
		      nc->nr_secs + 1, sizeof(*syms));
	newidx = calloc(nsyms + 1, sizeof(size_t));
	if (!syms || !newidx)
		abort();
	k = 1;			/* 0 is the null symbol */
	for (i = 0; i < nsyms; i++)
		if (GELF_ST_BIND(nc->syms[i].info) == STB_LOCAL) {
			newidx[i] = k;
			syms[k++] = nc->syms[i];
		}
	nlocal = k;
	for (i = 0; i < nsyms; i++)
		if (GELF_ST_BIND(nc->syms[i].info) != STB_LOCAL) {
			newidx[i] = k;
			syms[k++] = nc->syms[i];
		}
	for (i = 0; i < nc->nr_funcs; i++) {
		syms[k].name = ks_strfmt("__ksplice_new_%zu", i);
		syms[k].info = GELF_ST_INFO(STB_GLOBAL, STT_FUNC);
		syms[k].sec = nc->funcs[i].sec;
		syms[k].value = nc->funcs[i].offset;
		syms[k].size = 0;
		k++;
	}
	for (i = 0; i < nc->nr_hooks; i++) {
		syms[k].name = ks_strfmt("__ksplice_hookfn_%zu", i);
		syms[k].info = GELF_ST_INFO(STB_GLOBAL, STT_FUNC);
		syms[k].sec = nc->hooks[i].sec;
		syms[k].value = nc->hooks[i].offset;
		syms[k].size = 0;
		k++;
	}
	/* New exports: global under their own name (see newcode_desc.c). */
	for (i = 0; i < nc->nr_exports; i++) {
		syms[k].name = ks_strfmt("%s", nc->exports[i].name);
		syms[k].info = GELF_ST_INFO(STB_GLOBAL, nc->exports[i].func ?
					    STT_FUNC : STT_OBJECT);
		syms[k].sec = nc->exports[i].sec;
		syms[k].value = nc->exports[i].offset;
		syms[k].size = 0;
		k++;
	}
	for (i = 1; i <= nc->nr_secs; i++) {
		if (!sec_has_kreloc(nc, i))
			continue;
		syms[k].name = ks_strfmt("__ksplice_sec_%zu", i);
		syms[k].info = GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE);
		syms[k].sec = i;
		k++;
	}
	nsyms = k;
	symtab = calloc(nsyms, sizeof(*symtab));
	if (!symtab)
		abort();
	str_add(&str, "");
	for (i = 1; i < nsyms; i++) {
		symtab[i].st_name = (Elf64_Word)str_add(&str, syms[i].name);
		symtab[i].st_info = syms[i].info;
		symtab[i].st_shndx = (Elf64_Half)syms[i].sec;
		symtab[i].st_value = syms[i].value;
		symtab[i].st_size = syms[i].size;
	}

	elf_version(EV_CURRENT);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ks_set_err(err, errlen, "cannot create %s", path);
		goto out_free;
	}
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !gelf_newehdr(e, ELFCLASS64))
		goto elf_fail;
	gelf_getehdr(e, &eh);
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	gelf_update_ehdr(e, &eh);
	str_add(&shs, "");

	/*
	 * Sections with a size but no bytes are all zeros.  They share one
	 * zeroed buffer as large as the largest: libelf reads it only at
	 * elf_update(), so it must not move or change once handed over.
	 */
	{
		GElf_Xword zero_size = 0;

		for (i = 0; i < nc->nr_secs; i++)
			if (nc->secs[i].type != SHT_NOBITS && !nc->secs[i].data &&
			    nc->secs[i].size > zero_size)
				zero_size = nc->secs[i].size;
		if (zero_size) {
			zero = calloc(1, zero_size);
			if (!zero)
				abort();
		}
	}
	for (i = 0; i < nc->nr_secs; i++) {
		const struct nc_sec *s = &nc->secs[i];
		void *buf = s->data;

		if (s->type != SHT_NOBITS && !buf && s->size)
			buf = zero;
		if (!add_scn(e, &shs, s->name, s->type, s->flags, s->align,
			     s->entsize, s->type == SHT_NOBITS ? NULL : buf,
			     s->size))
			goto elf_fail;
		if (s->type == SHT_NOBITS) {
			GElf_Shdr sh;

			scn = elf_getscn(e, i + 1);
			gelf_getshdr(scn, &sh);
			sh.sh_size = s->size;
			gelf_update_shdr(scn, &sh);
			elf_getdata(scn, NULL)->d_size = s->size;
			elf_getdata(scn, NULL)->d_type = ELF_T_BYTE;
		}
	}
	first_rela = nc->nr_secs + 1;
	symtab_idx = first_rela;
	for (i = 0; i < nc->nr_secs; i++)
		symtab_idx += nc->secs[i].nr_relas ? 1 : 0;
	relabufs = calloc(nc->nr_secs + 1, sizeof(*relabufs));
	for (i = 0; i < nc->nr_secs; i++) {
		const struct nc_sec *s = &nc->secs[i];
		char *name;
		GElf_Shdr sh;

		if (!s->nr_relas)
			continue;
		relabufs[i] = calloc(s->nr_relas, sizeof(Elf64_Rela));
		for (j = 0; j < s->nr_relas; j++) {
			relabufs[i][j].r_offset = s->relas[j].offset;
			relabufs[i][j].r_info = ELF64_R_INFO(newidx[s->relas[j].sym],
							     s->relas[j].type);
			relabufs[i][j].r_addend = s->relas[j].addend;
		}
		name = ks_strfmt(".rela%s", s->name);
		scn = add_scn(e, &shs, name, SHT_RELA, SHF_INFO_LINK, 8,
			      sizeof(Elf64_Rela), relabufs[i],
			      s->nr_relas * sizeof(Elf64_Rela));
		free(name);
		if (!scn)
			goto elf_fail;
		elf_getdata(scn, NULL)->d_type = ELF_T_RELA;
		gelf_getshdr(scn, &sh);
		sh.sh_link = (GElf_Word)symtab_idx;
		sh.sh_info = (GElf_Word)(i + 1);
		gelf_update_shdr(scn, &sh);
	}
	scn = add_scn(e, &shs, ".symtab", SHT_SYMTAB, 0, 8, sizeof(Elf64_Sym),
		      symtab, nsyms * sizeof(Elf64_Sym));
	if (!scn)
		goto elf_fail;
	elf_getdata(scn, NULL)->d_type = ELF_T_SYM;
	{
		GElf_Shdr sh;

		gelf_getshdr(scn, &sh);
		sh.sh_link = (GElf_Word)symtab_idx + 1;
		sh.sh_info = (GElf_Word)nlocal;
		gelf_update_shdr(scn, &sh);
	}
	if (!add_scn(e, &shs, ".strtab", SHT_STRTAB, 0, 1, 0, str.buf, str.len))
		goto elf_fail;
	str_add(&shs, ".shstrtab");
	/* .shstrtab's own name must be in it before it is written. */
	{
		size_t nameoff = shs.len - strlen(".shstrtab") - 1;
		Elf_Scn *s2 = add_scn(e, &shs, "", SHT_STRTAB, 0, 1, 0, NULL, 0);
		GElf_Shdr sh;
		Elf_Data *d;

		if (!s2)
			goto elf_fail;
		d = elf_getdata(s2, NULL);
		d->d_buf = shs.buf;
		d->d_size = shs.len;
		gelf_getshdr(s2, &sh);
		sh.sh_name = (GElf_Word)nameoff;
		sh.sh_size = shs.len;
		gelf_update_shdr(s2, &sh);
		gelf_getehdr(e, &eh);
		eh.e_shstrndx = (Elf64_Half)elf_ndxscn(s2);
		gelf_update_ehdr(e, &eh);
	}
	if (elf_update(e, ELF_C_WRITE) < 0)
		goto elf_fail;
	ret = 0;
	goto out;
elf_fail:
	ks_set_err(err, errlen, "cannot write %s: %s", path, elf_errmsg(-1));
out:
	if (e)
		elf_end(e);
	close(fd);
	for (i = 0; i < nc->nr_secs; i++)
		free(relabufs ? relabufs[i] : NULL);
	free(relabufs);
out_free:
	/* Only the aliases' names were allocated here. */
	for (i = nc->nr_syms + 1; i < nsyms; i++)
		free(syms[i].name);
	free(syms);
	free(newidx);
	free(symtab);
	free(str.buf);
	free(shs.buf);
	free(zero);
	if (ret)
		unlink(path);
	return ret;
}
