// SPDX-License-Identifier: GPL-2.0
/* Reading a pre object and its rewrite-site tables; see pre_object.h. */
#include "code/pre_object.h"
#include "util/error.h"
#include "util/array.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *ks_site_kind_name(enum ks_site_kind k)
{
	static const char *const names[] = {
		[KS_SITE_FENTRY] = "ftrace call",
		[KS_SITE_RETURN] = "return thunk",
		[KS_SITE_RETPOLINE] = "retpoline thunk",
		[KS_SITE_STATIC_CALL] = "static call",
		[KS_SITE_ALTERNATIVE] = "alternative",
		[KS_SITE_PARAVIRT] = "paravirt",
		[KS_SITE_JUMP_LABEL] = "jump label",
		[KS_SITE_SMP_LOCK] = "lock prefix",
	};
	return (unsigned int)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

unsigned int ks_reloc_size(uint32_t type)
{
	switch (type) {
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
		return 4;
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	default:
		return 0;
	}
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct ks_reloc *x = a, *y = b;

	return (x->off > y->off) - (x->off < y->off);
}

static int cmp_site(const void *a, const void *b)
{
	const struct ks_site *x = a, *y = b;

	if (x->off != y->off)
		return (x->off > y->off) - (x->off < y->off);
	return (int)x->kind - (int)y->kind;
}

static int add_site(struct ks_pre_section *s, const struct ks_site *site)
{
	struct ks_site *n = ks_try_grow(s->sites, s->nr_sites, 1, sizeof(*n));

	if (!n)
		return -1;
	s->sites = n;
	s->sites[s->nr_sites++] = *site;
	return 0;
}

const struct ks_reloc *ks_pre_reloc_at(const struct ks_pre_section *s,
				       uint64_t off)
{
	size_t lo = 0, hi = s->nr_relocs;

	/* last relocation with r.off <= off */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->relocs[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct ks_reloc *r = &s->relocs[lo - 1];
	unsigned int sz = ks_reloc_size(r->type);

	return off < r->off + (sz ? sz : 1) ? r : NULL;
}

/* Where a table field's relocation points: section and offset. */
static int reloc_target(const struct ks_pre_code *o,
			const struct ks_reloc *r, uint32_t *shndx,
			uint64_t *off)
{
	const struct ks_pre_sym *s = &o->syms[r->sym];

	if (s->shndx == SHN_UNDEF || s->shndx >= o->nr_secs)
		return -1;
	*shndx = s->shndx;
	*off = s->value + r->addend;
	return 0;
}

static const struct ks_reloc *table_field(const struct ks_pre_section *t,
					  uint64_t off)
{
	const struct ks_reloc *r = ks_pre_reloc_at(t, off);

	return r && r->off == off ? r : NULL;
}

static int thunk_reg(const char *name)
{
	static const char *const regs[] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	const char *p = "__x86_indirect_thunk_";

	if (strncmp(name, p, strlen(p)))
		return -1;
	for (int i = 0; i < 16; i++)
		if (!strcmp(name + strlen(p), regs[i]))
			return i;
	return -1;
}

/*
 * Read one rewrite table.  Every table entry names its site by a
 * relocation at FIELD within an entry of ENTSIZE bytes.
 */
static int read_table(struct ks_pre_code *o, const char *tname,
		      size_t entsize, enum ks_site_kind kind)
{
	struct ks_pre_section *t = NULL;

	for (size_t i = 0; i < o->nr_secs; i++)
		if (!strcmp(o->secs[i].name, tname))
			t = &o->secs[i];
	if (!t || !t->data)
		return 0;
	for (uint64_t e = 0; e + entsize <= t->size; e += entsize) {
		const struct ks_reloc *r = table_field(t, e);
		struct ks_site site = { .kind = kind };
		struct ks_pre_section *s;
		uint32_t shndx;

		if (!r || reloc_target(o, r, &shndx, &site.off))
			continue;
		s = &o->secs[shndx];
		if (!s->data || site.off >= s->size)
			continue;
		switch (kind) {
		case KS_SITE_ALTERNATIVE: {
			const struct ks_reloc *rr = table_field(t, e + 4);
			uint32_t rsec;

			site.len = t->data[e + 10];
			site.repl_len = t->data[e + 11];
			if (!rr || reloc_target(o, rr, &rsec, &site.repl_off))
				continue;
			break;
		}
		case KS_SITE_PARAVIRT:
			site.len = t->data[e + 9];
			break;
		case KS_SITE_JUMP_LABEL: {
			const struct ks_reloc *tr = table_field(t, e + 4);
			unsigned char op = s->data[site.off];

			/* 2-byte forms: jmp rel8 or the 2-byte nop 66 90 */
			site.len = (op == 0xeb || op == 0x66) ? 2 : 5;
			if (!tr || reloc_target(o, tr, &site.target_shndx,
						&site.target_off))
				site.target_shndx = 0;
			break;
		}
		case KS_SITE_SMP_LOCK:
			site.len = 1;
			break;
		case KS_SITE_RETURN:
		case KS_SITE_RETPOLINE:
		case KS_SITE_STATIC_CALL: {
			unsigned char op = s->data[site.off];
			const struct ks_reloc *cr;

			/*
			 * call/jmp rel32, or a 6-byte jcc rel32; thunk calls
			 * may carry a cs prefix (-mindirect-branch-cs-prefix).
			 */
			site.len = 0;
			if (op == 0x2e && site.off + 1 < s->size) {
				site.len = 1;
				op = s->data[site.off + 1];
			}
			site.len += op == 0x0f ? 6 : 5;
			cr = ks_pre_reloc_at(s, site.off + site.len - 4);
			site.reg = -1;
			if (kind == KS_SITE_RETPOLINE && cr)
				site.reg = thunk_reg(o->syms[cr->sym].name);
			break;
		}
		default:
			break;
		}
		if (site.off + site.len > s->size)
			continue;
		if (add_site(s, &site))
			return -1;
	}
	return 0;
}

static int read_fentry_sites(struct ks_pre_code *o)
{
	for (size_t i = 0; i < o->nr_secs; i++) {
		struct ks_pre_section *s = &o->secs[i];

		if (!(s->flags & SHF_EXECINSTR) || !s->data)
			continue;
		for (size_t j = 0; j < s->nr_relocs; j++) {
			const struct ks_reloc *r = &s->relocs[j];
			struct ks_site site = { .kind = KS_SITE_FENTRY, .len = 5 };

			if (!o->syms[r->sym].name || r->off > s->size ||
			    strcmp(o->syms[r->sym].name, "__fentry__") ||
			    r->off < 1 || s->data[r->off - 1] != 0xe8)
				continue;
			site.off = r->off - 1;
			if (add_site(s, &site))
				return -1;
		}
	}
	return 0;
}

/*
 * Static call trampolines (.static_call.text, "jmp func; ud1"): the
 * kernel rewrites their first instruction to a jmp anywhere, or a ret.
 */
static int read_trampolines(struct ks_pre_code *o)
{
	for (size_t i = 0; i < o->nr_syms; i++) {
		const struct ks_pre_sym *sym = &o->syms[i];
		struct ks_site site = { .kind = KS_SITE_STATIC_CALL, .len = 5 };
		struct ks_pre_section *s;

		if (sym->type != STT_FUNC || sym->shndx == SHN_UNDEF ||
		    sym->shndx >= o->nr_secs)
			continue;
		s = &o->secs[sym->shndx];
		if (strcmp(s->name, ".static_call.text") || !s->data ||
		    sym->value + 5 > s->size || s->data[sym->value] != 0xe9)
			continue;
		site.off = sym->value;
		if (add_site(s, &site))
			return -1;
	}
	return 0;
}

static int load_elf(struct ks_pre_code *o, char *err, size_t errlen)
{
	Elf *e = o->elf;
	size_t shnum, shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_kind(e) != ELF_K_ELF || elf_getshdrnum(e, &shnum) ||
	    elf_getshdrstrndx(e, &shstrndx)) {
		ks_set_err(err, errlen, "%s is not an ELF object", o->path);
		return -1;
	}
	if (shnum == 0) {
		ks_set_err(err, errlen, "%s has no sections", o->path);
		return -1;
	}
	o->secs = calloc(shnum, sizeof(*o->secs));
	if (!o->secs)
		goto oom;
	o->nr_secs = shnum;
	o->secs[0].name = "";	/* the null section */
	while ((scn = elf_nextscn(e, scn))) {
		size_t idx = elf_ndxscn(scn);
		struct ks_pre_section *s = &o->secs[idx];
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		s->name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!s->name)
			s->name = "";
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->size = sh.sh_size;
		if (sh.sh_type != SHT_NOBITS && (d = elf_getdata(scn, NULL)))
			s->data = d->d_buf;
		if (sh.sh_type == SHT_SYMTAB) {
			size_t n;

			if (sh.sh_entsize != sizeof(Elf64_Sym) || o->syms) {
				ks_set_err(err, errlen, "%s: malformed symbol table",
					   o->path);
				return -1;
			}
			n = sh.sh_size / sh.sh_entsize;
			d = elf_getdata(scn, NULL);
			if (!d || d->d_size != sh.sh_size) {
				ks_set_err(err, errlen, "%s: cannot read its symbols",
					   o->path);
				return -1;
			}
			o->syms = calloc(n ? n : 1, sizeof(*o->syms));
			if (!o->syms)
				goto oom;
			o->nr_syms = n;
			for (size_t i = 0; i < n; i++) {
				GElf_Sym sym;
				const char *nm;

				if (!gelf_getsym(d, i, &sym))
					continue;
				nm = elf_strptr(e, sh.sh_link, sym.st_name);
				o->syms[i].name = nm ? nm : "";
				o->syms[i].shndx = sym.st_shndx;
				o->syms[i].value = sym.st_value;
				o->syms[i].size = sym.st_size;
				o->syms[i].type = GELF_ST_TYPE(sym.st_info);
				o->syms[i].bind = GELF_ST_BIND(sym.st_info);
			}
		}
	}
	/* Relocations, attached to the section they apply to. */
	scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		struct ks_pre_section *s;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    sh.sh_info >= shnum)
			continue;
		s = &o->secs[sh.sh_info];
		if (sh.sh_entsize != sizeof(Elf64_Rela) || s->relocs) {
			ks_set_err(err, errlen,
				   "%s: malformed relocations for section %zu",
				   o->path, (size_t)sh.sh_info);
			return -1;
		}
		d = elf_getdata(scn, NULL);
		if (!d || d->d_size != sh.sh_size) {
			ks_set_err(err, errlen, "%s: cannot read relocations",
				   o->path);
			return -1;
		}
		n = sh.sh_size / sh.sh_entsize;
		s->relocs = calloc(n ? n : 1, sizeof(*s->relocs));
		if (!s->relocs)
			goto oom;
		for (size_t i = 0; i < n; i++) {
			GElf_Rela ra;

			if (!gelf_getrela(d, i, &ra))
				continue;
			if (GELF_R_SYM(ra.r_info) >= o->nr_syms)
				continue;
			s->relocs[s->nr_relocs].off = ra.r_offset;
			s->relocs[s->nr_relocs].type = GELF_R_TYPE(ra.r_info);
			s->relocs[s->nr_relocs].sym = GELF_R_SYM(ra.r_info);
			s->relocs[s->nr_relocs].addend = ra.r_addend;
			s->nr_relocs++;
		}
		if (s->nr_relocs)
			qsort(s->relocs, s->nr_relocs, sizeof(*s->relocs),
			      cmp_reloc);
	}
	o->altrepl_shndx = -1;
	for (size_t i = 0; i < o->nr_secs; i++) {
		if (!strcmp(o->secs[i].name, ".altinstr_replacement"))
			o->altrepl_shndx = (int)i;
		/* Section symbols get their section's name, for messages. */
	}
	for (size_t i = 0; i < o->nr_syms; i++)
		if (o->syms[i].type == STT_SECTION && o->syms[i].shndx < o->nr_secs)
			o->syms[i].name = o->secs[o->syms[i].shndx].name;
	if (read_fentry_sites(o) || read_trampolines(o) ||
	    read_table(o, ".altinstructions", 12, KS_SITE_ALTERNATIVE) ||
	    read_table(o, ".parainstructions", 16, KS_SITE_PARAVIRT) ||
	    read_table(o, ".retpoline_sites", 4, KS_SITE_RETPOLINE) ||
	    read_table(o, ".return_sites", 4, KS_SITE_RETURN) ||
	    read_table(o, ".static_call_sites", 8, KS_SITE_STATIC_CALL) ||
	    read_table(o, "__jump_table", 16, KS_SITE_JUMP_LABEL) ||
	    read_table(o, ".smp_locks", 4, KS_SITE_SMP_LOCK))
		goto oom;
	for (size_t i = 0; i < o->nr_secs; i++)
		if (o->secs[i].nr_sites)
			qsort(o->secs[i].sites, o->secs[i].nr_sites,
		      sizeof(struct ks_site), cmp_site);
	return 0;
oom:
	ks_set_err(err, errlen, "out of memory reading %s", o->path);
	return -1;
}

int ks_pre_open(const char *path, struct ks_pre_code *o,
		char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	elf_version(EV_CURRENT);
	o->path = strdup(path);
	o->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!o->path || o->fd < 0) {
		ks_set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		ks_pre_close(o);
		return -1;
	}
	o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
	if (!o->elf) {
		ks_set_err(err, errlen, "%s: %s", path, elf_errmsg(-1));
		ks_pre_close(o);
		return -1;
	}
	if (load_elf(o, err, errlen)) {
		ks_pre_close(o);
		return -1;
	}
	return 0;
}

void ks_pre_close(struct ks_pre_code *o)
{
	for (size_t i = 0; i < o->nr_secs; i++) {
		free(o->secs[i].relocs);
		free(o->secs[i].sites);
	}
	free(o->secs);
	free(o->syms);
	if (o->elf)
		elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	free(o->path);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

long ks_pre_find_sym(const struct ks_pre_code *o, const char *name)
{
	for (size_t i = 0; i < o->nr_syms; i++)
		if (o->syms[i].shndx != SHN_UNDEF &&
		    (o->syms[i].type == STT_FUNC || o->syms[i].type == STT_OBJECT) &&
		    !strcmp(o->syms[i].name, name))
			return (long)i;
	return -1;
}
