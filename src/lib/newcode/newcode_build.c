// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing what goes into the new-code object and rewriting its
 * relocations: see newcode.h.  Everything is copied out of the post
 * object into nc_* structures; newcode_elf.c writes them out.
 */
#include "newcode/newcode.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/array.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ksplice/abi.h>

/* ---- exports ---------------------------------------------------------- */

/* qsort has no context argument: the names being sorted. */
static char **sort_names;

static int cmp_idx(const void *a, const void *b)
{
	return strcmp(sort_names[*(const size_t *)a],
		      sort_names[*(const size_t *)b]);
}

int ks_exports_load(const char *symvers, struct ks_exports *ex,
		    char *err, size_t errlen)
{
	char *text = ks_read_file(symvers, NULL), *line, *save = NULL;
	char **names = NULL, **ns = NULL, **mods = NULL;
	size_t n = 0, i, *idx;

	memset(ex, 0, sizeof(*ex));
	if (!text) {
		ks_set_err(err, errlen, "cannot read %s", symvers);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[5] = { 0 };
		int k = 0;
		char *p = line;

		/* crc \t name \t module \t export-type \t namespace */
		while (k < 5) {
			f[k++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (k < 4)
			continue;
		names = ks_grow(names, n, 1, sizeof(char *));
		ns = ks_grow(ns, n, 1, sizeof(char *));
		mods = ks_grow(mods, n, 1, sizeof(char *));
		names[n] = ks_xstrdup(f[1]);
		ns[n] = ks_xstrdup(k == 5 ? f[4] : "");
		/* fs/ext4/ext4 -> ext4 */
		mods[n] = ks_xstrdup(strrchr(f[2], '/') ? strrchr(f[2], '/') + 1 :
				  f[2]);
		for (char *c = mods[n]; *c; c++)
			if (*c == '-')
				*c = '_';
		n++;
	}
	free(text);
	idx = ks_grow(NULL, 0, n, sizeof(size_t));
	for (i = 0; i < n; i++)
		idx[i] = i;
	sort_names = names;
	qsort(idx, n, sizeof(size_t), cmp_idx);
	ex->names = ks_grow(NULL, 0, n, sizeof(char *));
	ex->ns = ks_grow(NULL, 0, n, sizeof(char *));
	ex->mods = ks_grow(NULL, 0, n, sizeof(char *));
	for (i = 0; i < n; i++) {
		ex->names[i] = names[idx[i]];
		ex->ns[i] = ns[idx[i]];
		ex->mods[i] = mods[idx[i]];
	}
	ex->n = n;
	free(idx);
	free(names);
	free(ns);
	free(mods);
	return 0;
}

static long exports_index(const struct ks_exports *ex, const char *name)
{
	size_t lo = 0, hi = ex->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(ex->names[mid], name);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const char *ks_exports_find(const struct ks_exports *ex, const char *name)
{
	long i = exports_index(ex, name);

	return i < 0 ? NULL : ex->ns[i];
}

const char *ks_exports_module(const struct ks_exports *ex, const char *name)
{
	long i = exports_index(ex, name);

	return i < 0 || !ex->mods ? NULL : ex->mods[i];
}

const char *ks_exports_added_by(const struct ks_exports *ex,
				const char *name)
{
	long i = exports_index(ex, name);

	return i < 0 || !ex->added_by ? NULL : ex->added_by[i];
}

void ks_exports_add(struct ks_exports *ex, const char *name,
		    const char *module, const char *target)
{
	size_t at = 0, i;

	if (exports_index(ex, name) >= 0)
		return;
	while (at < ex->n && strcmp(ex->names[at], name) < 0)
		at++;
	ex->names = ks_grow(ex->names, ex->n, 1, sizeof(char *));
	ex->ns = ks_grow(ex->ns, ex->n, 1, sizeof(char *));
	ex->mods = ks_grow(ex->mods, ex->n, 1, sizeof(char *));
	if (!ex->added_by) {
		/* the kernel's own exports: added by no part */
		ex->added_by = ks_grow(NULL, ex->n, 1, sizeof(char *));
		memset(ex->added_by, 0, (ex->n + 1) * sizeof(char *));
	} else {
		ex->added_by = ks_grow(ex->added_by, ex->n, 1, sizeof(char *));
	}
	for (i = ex->n; i > at; i--) {
		ex->names[i] = ex->names[i - 1];
		ex->ns[i] = ex->ns[i - 1];
		ex->mods[i] = ex->mods[i - 1];
		ex->added_by[i] = ex->added_by[i - 1];
	}
	ex->names[at] = ks_xstrdup(name);
	ex->ns[at] = ks_xstrdup("");
	ex->mods[at] = ks_xstrdup(module);
	ex->added_by[at] = ks_xstrdup(target);
	ex->n++;
}

void ks_exports_free(struct ks_exports *ex)
{
	size_t i;

	for (i = 0; i < ex->n; i++) {
		free(ex->names[i]);
		free(ex->ns[i]);
		free(ex->mods ? ex->mods[i] : NULL);
		free(ex->added_by ? ex->added_by[i] : NULL);
	}
	free(ex->names);
	free(ex->ns);
	free(ex->mods);
	free(ex->added_by);
	memset(ex, 0, sizeof(*ex));
}

/* ---- the builder ------------------------------------------------------ */

struct builder {
	struct nc_object *nc;
	const struct ks_diff *d;
	const struct ks_object *post;
	const char *objpath;
	const struct ks_exports *ex;
	size_t first_sec;	/* nc sections before this object's */
	char *err;
	size_t errlen;
	int status;		/* 0, -1 error, 1 refused */
};

static void fail(struct builder *b, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct builder *b, int status, const char *fmt, ...)
{
	va_list ap;

	if (b->status)
		return;
	b->status = status;
	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
}

static size_t add_sym(struct nc_object *nc, const char *name,
		      unsigned char info, size_t sec, GElf_Addr value,
		      GElf_Xword size)
{
	struct nc_sym *s = KS_PUSH_ZERO(nc->syms, nc->nr_syms);

	s->name = ks_xstrdup(name);
	s->info = info;
	s->sec = sec;
	s->value = value;
	s->size = size;
	return nc->nr_syms - 1;
}

size_t nc_undef_sym(struct nc_object *nc, const char *name, const char *ns)
{
	size_t i;

	for (i = 0; i < nc->nr_syms; i++)
		if (!nc->syms[i].sec && !strcmp(nc->syms[i].name, name))
			return i;
	if (ns && *ns) {
		int have = 0;

		for (i = 0; i < nc->nr_namespaces; i++)
			have |= !strcmp(nc->namespaces[i], ns);
		if (!have)
			*KS_PUSH_ZERO(nc->namespaces, nc->nr_namespaces) = ks_xstrdup(ns);
	}
	return add_sym(nc, name, GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE), 0, 0, 0);
}

static size_t ksym(struct builder *b, const char *name, unsigned int flags,
		   const char *object)
{
	struct nc_object *nc = b->nc;
	struct nc_ksym *k;
	size_t i;

	for (i = 0; i < nc->nr_ksyms; i++) {
		k = &nc->ksyms[i];
		if (!strcmp(k->name, name) && k->flags == flags &&
		    (!k->object == !object) &&
		    (!object || !strcmp(k->object, object)))
			return i;
	}
	k = KS_PUSH_ZERO(nc->ksyms, nc->nr_ksyms);
	k->name = ks_xstrdup(name);
	k->flags = flags;
	k->object = object ? ks_xstrdup(object) : NULL;
	return nc->nr_ksyms - 1;
}

/* The nc section of this object that holds post section sec at off. */
static size_t piece_at(struct builder *b, size_t sec, GElf_Addr off)
{
	size_t i;

	for (i = b->first_sec; i < b->nc->nr_secs; i++) {
		const struct nc_sec *s = &b->nc->secs[i];

		if (s->src_sec == sec && off >= s->src_start &&
		    (off < s->src_start + s->size ||
		     (s->size == 0 && off == s->src_start)))
			return i + 1;
	}
	return 0;
}

static size_t new_sec(struct builder *b, const struct ks_section *src,
		      GElf_Addr start, GElf_Xword size)
{
	struct nc_object *nc = b->nc;
	struct nc_sec *s = KS_PUSH_ZERO(nc->secs, nc->nr_secs);
	size_t idx = nc->nr_secs;

	s->name = ks_xstrdup(src->name);
	s->type = src->sh.sh_type;
	/* Kernel sections must not keep SHF_GROUP or link-order bits. */
	s->flags = src->sh.sh_flags & (SHF_ALLOC | SHF_WRITE | SHF_EXECINSTR |
				       SHF_MERGE | SHF_STRINGS);
	s->align = src->sh.sh_addralign ? src->sh.sh_addralign : 1;
	s->entsize = src->sh.sh_entsize;
	s->size = size;
	s->src_sec = src->index;
	s->src_start = start;
	if (src->data && size) {
		s->data = ks_xrealloc(NULL, size);
		memcpy(s->data, src->data + start, size);
	}
	nc->secs[idx - 1].secsym = add_sym(nc, "",
		GELF_ST_INFO(STB_LOCAL, STT_SECTION), idx, 0, 0);
	return idx;
}

static void add_rela(struct nc_sec *s, GElf_Addr off, unsigned int type,
		     size_t sym, GElf_Sxword addend)
{
	struct nc_rela *r = KS_PUSH_ZERO(s->relas, s->nr_relas);

	r->offset = off;
	r->type = type;
	r->sym = sym;
	r->addend = addend;
}

void nc_add_rela(struct nc_object *nc, size_t sec, GElf_Addr off,
		 unsigned int type, size_t sym, GElf_Sxword addend)
{
	add_rela(&nc->secs[sec - 1], off, type, sym, addend);
}

static int only_symbol(const struct ks_object *o, size_t sec, size_t sym)
{
	size_t i;

	for (i = 1; i < o->nr_syms; i++) {
		const struct ks_symbol *s = &o->syms[i];
		int t = ks_sym_type(s);

		if (i != sym && s->sym.st_shndx == sec &&
		    (t == STT_FUNC || t == STT_OBJECT) &&
		    s->sym.st_value != o->syms[sym].sym.st_value)
			return 0;
	}
	return 1;
}

/* A symbol of object o named name (any type), or 0. */
static size_t sym_named(const struct ks_object *o, const char *name)
{
	size_t i;

	for (i = 1; i < o->nr_syms; i++)
		if (o->syms[i].sym.st_shndx != SHN_UNDEF &&
		    !strcmp(o->syms[i].name, name))
			return i;
	return 0;
}

static void process_relas(struct builder *b, size_t nsec, GElf_Addr lo,
			  GElf_Addr hi, int strict);

/* Add nc symbol for post symbol s, carried to nc section p at value. */
static void add_carried_sym(struct builder *b, const struct ks_symbol *s,
			    size_t p, GElf_Addr value)
{
	size_t i = add_sym(b->nc, s->name,
			   GELF_ST_INFO(STB_LOCAL, ks_sym_type(s)), p, value,
			   s->sym.st_size);

	b->nc->syms[i].added = ks_sym_bind(s) != STB_LOCAL &&
			       !sym_named(b->d->pre, s->name);
}

/* Carry a whole post section (strings, anonymous constants, code). */
static size_t carry_section(struct builder *b, size_t sec)
{
	const struct ks_section *src = &b->post->secs[sec];
	size_t p = piece_at(b, sec, 0), i;

	if (p && b->nc->secs[p - 1].size == src->sh.sh_size)
		return p;
	p = new_sec(b, src, 0, src->sh.sh_size);
	for (i = 1; i < b->post->nr_syms; i++) {
		const struct ks_symbol *s = &b->post->syms[i];
		int t = ks_sym_type(s);

		if (s->sym.st_shndx == sec && s->name[0] &&
		    (t == STT_FUNC || t == STT_OBJECT))
			add_carried_sym(b, s, p, s->sym.st_value);
	}
	process_relas(b, p, 0, src->sh.sh_size, 0);
	return p;
}

/* Carry one function or object of the post object. */
static size_t carry_symbol(struct builder *b, size_t sym)
{
	const struct ks_symbol *s = &b->post->syms[sym];
	const struct ks_section *src = &b->post->secs[s->sym.st_shndx];
	size_t p;

	if (only_symbol(b->post, src->index, sym))
		return carry_section(b, src->index);
	p = piece_at(b, src->index, s->sym.st_value);
	if (p)
		return p;
	p = new_sec(b, src, s->sym.st_value, s->sym.st_size);
	add_carried_sym(b, s, p, 0);
	process_relas(b, p, s->sym.st_value, s->sym.st_value + s->sym.st_size,
		      0);
	return p;
}

/* Must the new code carry its own copy of post symbol sym? */
static int must_carry(struct builder *b, size_t sym)
{
	const struct ks_symbol *s = &b->post->syms[sym];
	const struct ks_section *sec = ks_sym_section(b->post, s);

	if (b->d->carry[sym] || !b->d->map[sym])
		return 1;
	/* __func__ strings: constant text whose address nobody compares. */
	if (!strncmp(s->name, "__func__.", 9) ||
	    !strncmp(s->name, "__PRETTY_FUNCTION__.", 20))
		return 1;
	/*
	 * Compound literals in read-only data: anonymous constants, so a
	 * copy serves as well, and their numbered names repeat across the
	 * objects of a module (mlx5_ib has several __compound_literal.6),
	 * so the running one often cannot be told apart.
	 */
	if (!strncmp(s->name, "__compound_literal.", 19) && sec &&
	    !(sec->sh.sh_flags & SHF_WRITE))
		return 1;
	/* Dynamic debug descriptors: the module registers its own. */
	return sec && !strncmp(sec->name, "__dyndbg", 8);
}

/*
 * An export the new code may link against as an ordinary undefined
 * symbol: exported, and not by the module target itself (whose symbols
 * are resolved by ksplice, so the new code loads without the module).
 */
static const char *usable_export(struct builder *b, const char *name)
{
	const char *ns = ks_exports_find(b->ex, name);
	const char *mod = ks_exports_module(b->ex, name);
	const char *by = ks_exports_added_by(b->ex, name);

	/* this part's own new export: its own code, linked inside */
	if (ns && by && b->nc->target && !strcmp(by, b->nc->target))
		return NULL;

	if (ns && b->nc->target && strcmp(b->nc->target, "vmlinux") && mod &&
	    !strcmp(mod, b->nc->target))
		return NULL;
	return ns;
}

/*
 * Rewrite one relocation of the post object found at (nc section nsec,
 * offset off).  strict: a reference ksplice would have to resolve is
 * refused (alternatives are applied before ksplice sees the module).
 */
static void rewrite(struct builder *b, size_t nsec, GElf_Addr off,
		    const struct ks_section *from, const struct ks_rela *r,
		    int strict)
{
	const struct ks_object *post = b->post;
	const struct ks_symbol *s = &post->syms[r->sym];
	struct ks_reltarget t;
	const char *ns, *name;
	unsigned int flags = 0;
	const char *object = NULL;
	GElf_Sxword addend = r->addend;	/* the kreloc's, if it is one */
	size_t p;
	struct nc_kreloc *k;

	ks_resolve_target(post, from, r, &t);
	if (s->sym.st_shndx == SHN_UNDEF) {
		ns = usable_export(b, s->name);
		if (ns) {
			add_rela(&b->nc->secs[nsec - 1], off, r->type,
				 nc_undef_sym(b->nc, s->name, ns), r->addend);
			return;
		}
		name = s->name;
		goto kreloc;
	}
	if (t.str) {
		p = carry_section(b, t.sec);
		add_rela(&b->nc->secs[nsec - 1], off, r->type,
			 b->nc->secs[p - 1].secsym,
			 r->addend + (GElf_Sxword)s->sym.st_value);
		return;
	}
	if (t.sym) {
		const struct ks_symbol *n = &post->syms[t.sym];
		GElf_Sxword loc = (GElf_Sxword)n->sym.st_value + t.off;
		size_t pre;

		if (ks_sec_is_init(&post->secs[n->sym.st_shndx])) {
			fail(b, 1, "new code refers to __init/__exit symbol %s",
			     n->name);
			return;
		}
		if (must_carry(b, t.sym)) {
			p = carry_symbol(b, t.sym);
			add_rela(&b->nc->secs[nsec - 1], off, r->type,
				 b->nc->secs[p - 1].secsym,
				 loc - (GElf_Sxword)b->nc->secs[p - 1].src_start +
				 t.bias);
			return;
		}
		pre = b->d->map[t.sym];
		name = b->d->pre->syms[pre].name;
		if (ks_sym_bind(n) != STB_LOCAL &&
		    (ns = usable_export(b, name))) {
			add_rela(&b->nc->secs[nsec - 1], off, r->type,
				 nc_undef_sym(b->nc, name, ns), t.off + t.bias);
			return;
		}
		if (ks_sym_bind(&b->d->pre->syms[pre]) == STB_LOCAL) {
			flags |= KSPLICE_SYM_LOCAL;
			object = b->objpath;
		}
		if (ks_sym_type(n) != STT_FUNC)
			flags |= KSPLICE_SYM_DATA;
		addend = t.off + t.bias;
		goto kreloc;
	}
	/* An unnamed place in a section. */
	if (t.sec) {
		const struct ks_section *ts = &post->secs[t.sec];

		if (!(ts->sh.sh_flags & SHF_WRITE) && !ks_sec_is_init(ts) &&
		    (ts->sh.sh_flags & SHF_ALLOC)) {
			p = carry_section(b, t.sec);
			add_rela(&b->nc->secs[nsec - 1], off, r->type,
				 b->nc->secs[p - 1].secsym,
				 r->addend + (GElf_Sxword)s->sym.st_value);
			return;
		}
		fail(b, 1, "new code refers to unnamed data in section %s",
		     ts->name);
		return;
	}
	fail(b, -1, "cannot resolve a relocation in %s", from->name);
	return;
kreloc:
	if (strict)
		goto refuse;
	k = KS_PUSH_ZERO(b->nc->krelocs, b->nc->nr_krelocs);
	k->sec = nsec;
	k->offset = off;
	k->type = r->type;
	k->ksym = ksym(b, name, flags, object);
	k->addend = addend;
	/* The loader leaves the field alone; ksplice fills it. */
	if (b->nc->secs[nsec - 1].data)
		memset(b->nc->secs[nsec - 1].data + off, 0,
		       ks_rela_size(r->type));
	return;
refuse:
	fail(b, 1, "an alternative replacement in %s refers to %s, which the kernel does not export; it cannot be resolved before the loader applies alternatives",
	     b->objpath, name);
}

/* Rewrite the relocations of post section range [lo, hi) of nc sec. */
static void process_relas(struct builder *b, size_t nsec, GElf_Addr lo,
			  GElf_Addr hi, int strict)
{
	size_t src = b->nc->secs[nsec - 1].src_sec;
	GElf_Addr start = b->nc->secs[nsec - 1].src_start;
	const struct ks_section *from = &b->post->secs[src];
	size_t i;

	for (i = 0; i < from->nr_relas && !b->status; i++) {
		const struct ks_rela *r = &from->relas[i];

		if (r->offset < lo || r->offset >= hi)
			continue;
		rewrite(b, nsec, r->offset - start, from, r, strict);
	}
}

/* ---- special sections ------------------------------------------------- */

struct special {
	const char *name;
	GElf_Xword entsize;
};

/* Entry sizes in 6.1 x86-64; the key (the code address) is at offset 0. */
static const struct special specials[] = {
	{ "__mcount_loc", 8 },
	{ "__jump_table", 16 },		/* struct jump_entry */
	{ ".static_call_sites", 8 },	/* struct static_call_site */
	{ ".altinstructions", 12 },	/* struct alt_instr */
	{ ".parainstructions", 16 },	/* struct paravirt_patch_site */
	{ "__ex_table", 12 },		/* struct exception_table_entry */
	{ "__bug_table", 12 },		/* struct bug_entry, relative */
	{ ".retpoline_sites", 4 },
	{ ".return_sites", 4 },
	{ ".smp_locks", 4 },
	{ ".orc_unwind_ip", 4 },	/* with .orc_unwind, 6 bytes each */
};

/* The code location a special-section relocation points to, or -1. */
static long long code_loc(struct builder *b, const struct ks_section *from,
			  const struct ks_rela *r, size_t *sec)
{
	struct ks_reltarget t;

	ks_resolve_target(b->post, from, r, &t);
	if (!t.sec || !ks_sec_is_text(&b->post->secs[t.sec]))
		return -1;
	*sec = t.sec;
	if (t.sym)
		return (long long)b->post->syms[t.sym].sym.st_value + t.off;
	return t.off;
}

/*
 * A field of a kept site-table entry that points into code this object
 * carries becomes an ordinary relocation against the carried piece.
 * rewrite() goes by the symbol instead, and a function carried without
 * being changed (one the patch newly exports, a hook that exists
 * already) has a running namesake: the field would become a ksplice
 * relocation to the running function, zero until the module comes,
 * after the module loader (apply_returns(), the ORC sort) and ftrace
 * have read it, and then naming code the table does not describe.
 * Returns whether the field was relocated here.
 */
static int relocate_to_carried(struct builder *b, size_t out, GElf_Addr ooff,
			       const struct ks_section *src,
			       const struct ks_rela *r)
{
	struct ks_reltarget t;
	size_t csec = 0, p;
	long long loc = code_loc(b, src, r, &csec);

	if (loc < 0 || !(p = piece_at(b, csec, (GElf_Addr)loc)))
		return 0;
	ks_resolve_target(b->post, src, r, &t);
	add_rela(&b->nc->secs[out - 1], ooff, r->type,
		 b->nc->secs[p - 1].secsym,
		 (GElf_Sxword)(loc - (long long)b->nc->secs[p - 1].src_start) +
		 t.bias);
	return 1;
}

static const struct ks_rela *rela_at(const struct ks_section *s, GElf_Addr off)
{
	size_t i;

	for (i = 0; i < s->nr_relas; i++)
		if (s->relas[i].offset == off)
			return &s->relas[i];
	return NULL;
}

static void filter_special(struct builder *b, const struct special *sp)
{
	size_t si = ks_find_section(b->post, sp->name), orc = 0, repl = 0;
	const struct ks_section *src, *orcsrc = NULL;
	size_t out = 0, orcout = 0, replout = 0;
	GElf_Addr off;

	if (!si)
		return;
	src = &b->post->secs[si];
	if (!strcmp(sp->name, ".orc_unwind_ip")) {
		orc = ks_find_section(b->post, ".orc_unwind");
		orcsrc = orc ? &b->post->secs[orc] : NULL;
	}
	if (!strcmp(sp->name, ".altinstructions"))
		repl = ks_find_section(b->post, ".altinstr_replacement");
	for (off = 0; off + sp->entsize <= src->sh.sh_size && !b->status;
	     off += sp->entsize) {
		const struct ks_rela *key = rela_at(src, off);
		size_t csec = 0, i;
		long long loc;
		struct nc_sec *o;
		GElf_Addr ooff;

		if (!key)
			continue;
		/* Keep the entry only if it describes carried code. */
		loc = code_loc(b, src, key, &csec);
		if (loc < 0 || !piece_at(b, csec, (GElf_Addr)loc))
			continue;
		if (!out) {
			out = new_sec(b, src, 0, 0);
			b->nc->secs[out - 1].entsize = sp->entsize;
		}
		/* Before the entry's own relocations point into it. */
		if (repl && !replout)
			replout = new_sec(b, &b->post->secs[repl], 0,
					  b->post->secs[repl].sh.sh_size);
		o = &b->nc->secs[out - 1];
		ooff = o->size;
		o->data = ks_grow(o->data, o->size, sp->entsize, 1);
		memcpy(o->data + ooff, src->data + off, sp->entsize);
		o->size += sp->entsize;
		for (i = 0; i < src->nr_relas; i++) {
			const struct ks_rela *r = &src->relas[i];

			if (r->offset < off || r->offset >= off + sp->entsize)
				continue;
			if (!relocate_to_carried(b, out, ooff + (r->offset - off),
						 src, r))
				rewrite(b, out, ooff + (r->offset - off), src,
					r, 0);
		}
		if (orcsrc && orcsrc->data &&
		    (off / 4 + 1) * 6 <= orcsrc->sh.sh_size) {
			struct nc_sec *oo;

			if (!orcout) {
				orcout = new_sec(b, orcsrc, 0, 0);
				b->nc->secs[orcout - 1].entsize = 6;
			}
			oo = &b->nc->secs[orcout - 1];
			oo->data = ks_grow(oo->data, oo->size, 6, 1);
			memcpy(oo->data + oo->size, orcsrc->data + off / 4 * 6, 6);
			oo->size += 6;
		}
		if (repl) {
			/* The replacement instructions of this entry. */
			const struct ks_rela *rr = rela_at(src, off + 4);
			unsigned char len = src->data[off + 11];
			GElf_Addr ro;

			if (!rr || b->post->syms[rr->sym].sym.st_shndx != repl)
				continue;
			ro = (GElf_Addr)((GElf_Sxword)b->post->syms[rr->sym].sym.st_value +
					 rr->addend);
			process_relas(b, replout, ro, ro + len, 1);
		}
	}
}

/* ---- hooks and deleted functions ------------------------------------- */

#define HOOK_NAME(sym, str) str,
static const char *const hook_kinds[] = { KSPLICE_HOOK_KINDS(HOOK_NAME) };
#undef HOOK_NAME

const char *nc_hook_kind_name(unsigned int kind)
{
	return kind < KSPLICE_HOOK_COUNT ? hook_kinds[kind] : "?";
}

/*
 * The hooks the patch declares: each macro of include/ksplice/hooks.h
 * leaves a pointer to the hook function in section .ksplice_hook.KIND.
 * The function is carried (it is new code) and listed in the
 * descriptor's hook table; the pointer section itself is not carried.
 */
static void collect_hooks(struct builder *b)
{
	const struct ks_object *post = b->post;
	size_t si, i, k;

	for (si = 1; si < post->nr_secs && !b->status; si++) {
		const struct ks_section *s = &post->secs[si];
		const char *kind;

		if (strncmp(s->name, ".ksplice_hook.", 14))
			continue;
		kind = s->name + 14;
		for (k = 0; k < KSPLICE_HOOK_COUNT; k++)
			if (!strcmp(kind, hook_kinds[k]))
				break;
		if (k == KSPLICE_HOOK_COUNT) {
			fail(b, 1, "%s: unknown hook section %s", b->objpath,
			     s->name);
			return;
		}
		for (i = 0; i < s->nr_relas && !b->status; i++) {
			struct ks_reltarget t;
			const struct ks_symbol *fn;
			struct nc_hook *h;
			size_t p;

			ks_resolve_target(post, s, &s->relas[i], &t);
			fn = t.sym ? &post->syms[t.sym] : NULL;
			if (!fn || ks_sym_type(fn) != STT_FUNC || t.off ||
			    s->relas[i].type != R_X86_64_64) {
				fail(b, 1, "%s: a %s hook that is not a function of the patched file",
				     b->objpath, kind);
				return;
			}
			p = carry_symbol(b, t.sym);
			h = KS_PUSH_ZERO(b->nc->hooks, b->nc->nr_hooks);
			h->kind = (unsigned int)k;
			h->sec = p;
			h->offset = fn->sym.st_value - b->nc->secs[p - 1].src_start;
			h->name = ks_xstrdup(fn->name);
		}
	}
}

/*
 * Whether post symbol k is the __ksymtab_ entry of an export the patch
 * adds: not in the pre object, not exported by the kernel (an export
 * that another part of this update adds is not the kernel's).
 */
static int added_export(const struct ks_diff *d, const struct ks_exports *ex,
			const struct ks_symbol *k)
{
	const char *name = k->name + 10;

	return !strncmp(k->name, "__ksymtab_", 10) &&
	       ks_sym_section(d->post, k) && !sym_named(d->pre, k->name) &&
	       (!ks_exports_find(ex, name) || ks_exports_added_by(ex, name));
}

int nc_diff_adds(const struct ks_diff *d, const char *name)
{
	size_t i;

	if (sym_named(d->pre, name))
		return 0;
	for (i = 1; i < d->post->nr_syms; i++) {
		const struct ks_symbol *s = &d->post->syms[i];

		if (s->sym.st_shndx != SHN_UNDEF && ks_sym_bind(s) != STB_LOCAL &&
		    !strcmp(s->name, name))
			return 1;
	}
	return 0;
}

size_t nc_added_exports(const struct ks_diff *d, const struct ks_exports *ex,
			char ***names)
{
	size_t i, n = 0;

	*names = NULL;
	for (i = 1; i < d->post->nr_syms; i++) {
		if (!added_export(d, ex, &d->post->syms[i]))
			continue;
		KS_PUSH(*names, n, ks_xstrdup(d->post->syms[i].name + 10));
	}
	return n;
}

/*
 * Exports the patch adds (EXPORT_SYMBOL leaves __ksymtab_NAME in the
 * object): the new-code module exports the carried symbol under its
 * name, so modules loaded after the update can link against it.
 * Exports the running kernel already has stay where they are.
 */
static void collect_exports(struct builder *b)
{
	const struct ks_object *post = b->post;
	size_t i;

	for (i = 1; i < post->nr_syms && !b->status; i++) {
		const struct ks_symbol *k = &post->syms[i];
		const struct ks_section *ksec = ks_sym_section(post, k);
		const char *name = k->name + 10;
		struct nc_export *x;
		size_t sym, p;

		if (!added_export(b->d, b->ex, k))
			continue;
		sym = sym_named(post, name);
		if (!sym || ks_sym_bind(&post->syms[sym]) == STB_LOCAL) {
			fail(b, 1, "%s: the patch exports %s, which it does not define",
			     b->objpath, name);
			return;
		}
		if (strncmp(ksec->name, "___ksymtab+", 11) &&
		    strncmp(ksec->name, "___ksymtab_gpl+", 15)) {
			fail(b, 1, "%s: export of %s in section %s is not supported",
			     b->objpath, name, ksec->name);
			return;
		}
		p = carry_symbol(b, sym);
		x = KS_PUSH_ZERO(b->nc->exports, b->nc->nr_exports);
		x->name = ks_xstrdup(name);
		x->gpl = !strncmp(ksec->name, "___ksymtab_gpl+", 15);
		x->sec = p;
		x->offset = post->syms[sym].sym.st_value -
			    b->nc->secs[p - 1].src_start;
		x->func = ks_sym_type(&post->syms[sym]) == STT_FUNC;
	}
}

/*
 * Is post symbol i of d a global variable the patch adds that the new
 * code carries whether or not it is used: another file or part of the
 * same fix may use one that this file's changed code does not
 * (nc_link_added, nc_link_parts).  Per-CPU ones too: the module loader
 * gives each CPU a copy of a module's .data..percpu.  Other special
 * sections ('..' in the name: read-mostly, aligned, per-CPU subsections)
 * are left to the references, since a module's copy would not get their
 * treatment.
 */
static int added_data(const struct ks_diff *d, size_t i)
{
	static const char *const prefixes[] = { ".data.", ".bss.", ".rodata." };
	const struct ks_symbol *s = &d->post->syms[i];
	const struct ks_section *sec = ks_sym_section(d->post, s);
	size_t j;
	int plain = 0;

	if (ks_sym_type(s) != STT_OBJECT || ks_sym_bind(s) == STB_LOCAL ||
	    !sec || sym_named(d->pre, s->name))
		return 0;
	if (strstr(sec->name, ".."))
		return !strcmp(sec->name, ".data..percpu");
	for (j = 0; j < sizeof(prefixes) / sizeof(prefixes[0]); j++)
		plain |= !strncmp(sec->name, prefixes[j], strlen(prefixes[j]));
	return plain;
}

int nc_diff_adds_data(const struct ks_diff *d)
{
	size_t i;

	for (i = 1; i < d->post->nr_syms; i++)
		if (added_data(d, i))
			return 1;
	return 0;
}

static void carry_added_data(struct builder *b)
{
	size_t i;

	for (i = 1; i < b->post->nr_syms && !b->status; i++)
		if (added_data(b->d, i))
			carry_symbol(b, i);
}

static void add_deleted(struct builder *b, const struct ks_diff_func *f)
{
	const struct ks_symbol *s = &b->d->pre->syms[f->pre_sym];
	struct nc_deleted *x;

	/* Another file may override a __weak function: leave it alone. */
	if (ks_sym_bind(s) == STB_WEAK)
		return;
	/*
	 * A global function may have callers the update does not replace:
	 * another file (rcu_momentary_dyntick_idle(), renamed by a fix to
	 * kernel/rcu/tree.c, is still called by stop_machine's loop) or a
	 * module.  A stub would turn their calls into failures, so the
	 * running function stays as it is for them.
	 */
	if (ks_sym_bind(s) == STB_GLOBAL) {
		*KS_PUSH_ZERO(b->nc->notes, b->nc->nr_notes) = ks_strfmt(
			"%s is deleted by the patch but is global: code the update does not replace may still call it, so the running function is kept",
			s->name);
		return;
	}
	x = KS_PUSH_ZERO(b->nc->deleted, b->nc->nr_deleted);
	x->name = ks_xstrdup(s->name);
	x->object = ks_xstrdup(b->objpath);
	x->old_size = s->sym.st_size;
}

int nc_add_object(struct nc_object *nc, const struct ks_diff *d,
		  const char *objpath, const struct ks_exports *ex,
		  char *err, size_t errlen)
{
	struct builder b = {
		.nc = nc, .d = d, .post = d->post, .objpath = objpath,
		.ex = ex, .first_sec = nc->nr_secs, .err = err,
		.errlen = errlen,
	};
	size_t i, code_end;

	/* The changed and new functions, and what they pull in. */
	for (i = 0; i < d->nr_funcs && !b.status; i++) {
		const struct ks_diff_func *f = &d->funcs[i];
		size_t p;
		struct nc_func *nf;

		if (f->kind == KS_FUNC_DELETED) {
			add_deleted(&b, f);
			continue;
		}
		p = carry_symbol(&b, f->post_sym);
		if (b.status || f->kind != KS_FUNC_CHANGED)
			continue;
		nf = KS_PUSH_ZERO(nc->funcs, nc->nr_funcs);
		nf->name = ks_xstrdup(f->pre_name);
		nf->sec = p;
		nf->offset = d->post->syms[f->post_sym].sym.st_value -
			     nc->secs[p - 1].src_start;
		nf->new_size = d->post->syms[f->post_sym].sym.st_size;
		nf->old_size = d->pre->syms[f->pre_sym].sym.st_size;
	}
	if (!b.status)
		carry_added_data(&b);
	if (!b.status)
		collect_hooks(&b);
	if (!b.status)
		collect_exports(&b);
	/* .cold pieces of carried functions. */
	for (i = 1; i < d->post->nr_syms && !b.status; i++)
		if (d->carry[i] &&
		    ks_sym_type(&d->post->syms[i]) == STT_FUNC)
			carry_symbol(&b, i);
	code_end = nc->nr_secs;
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]) && !b.status; i++)
		filter_special(&b, &specials[i]);
	/*
	 * Code first carried by a table entry's reference (the tables are
	 * filtered one after the other) would miss the entries of the
	 * tables already done: a jump label never patched.  Only the
	 * alternatives' replacements are carried there, on purpose.
	 */
	for (i = code_end; i < nc->nr_secs && !b.status; i++)
		if ((nc->secs[i].flags & SHF_EXECINSTR) &&
		    strcmp(nc->secs[i].name, ".altinstr_replacement"))
			fail(&b, -1, "%s: %s was carried only for a site table entry, so the other tables have no entries for it",
			     objpath, nc->secs[i].name);
	return b.status;
}

long nc_added_definition(const struct nc_object *nc, const char *name)
{
	size_t i;

	for (i = 0; i < nc->nr_syms; i++)
		if (nc->syms[i].added && nc->syms[i].sec &&
		    !strcmp(nc->syms[i].name, name))
			return (long)i;
	return -1;
}

size_t nc_link_added(struct nc_object *nc)
{
	size_t i, kept = 0, linked = 0;

	for (i = 0; i < nc->nr_krelocs; i++) {
		struct nc_kreloc k = nc->krelocs[i];
		const struct nc_ksym *ks = &nc->ksyms[k.ksym];
		long def = ks->flags & KSPLICE_SYM_LOCAL ? -1 :
			   nc_added_definition(nc, ks->name);

		if (def < 0) {
			nc->krelocs[kept++] = k;
			continue;
		}
		add_rela(&nc->secs[k.sec - 1], k.offset, k.type, (size_t)def,
			 k.addend);
		linked++;
	}
	nc->nr_krelocs = kept;
	nc_drop_unused_ksyms(nc);
	return linked;
}

/* Names nothing refers to any more must not be looked up at apply. */
void nc_drop_unused_ksyms(struct nc_object *nc)
{
	size_t *renum = ks_grow(NULL, nc->nr_ksyms, 1, sizeof(size_t));
	size_t i, nk = 0;

	for (i = 0; i < nc->nr_ksyms; i++)
		renum[i] = (size_t)-1;
	for (i = 0; i < nc->nr_krelocs; i++)
		renum[nc->krelocs[i].ksym] = 0;	/* still used */
	for (i = 0; i < nc->nr_ksyms; i++) {
		if (renum[i] == (size_t)-1) {
			free(nc->ksyms[i].name);
			free(nc->ksyms[i].object);
			continue;
		}
		renum[i] = nk;
		nc->ksyms[nk++] = nc->ksyms[i];
	}
	nc->nr_ksyms = nk;
	for (i = 0; i < nc->nr_krelocs; i++)
		nc->krelocs[i].ksym = renum[nc->krelocs[i].ksym];
	free(renum);
}

void nc_free(struct nc_object *nc)
{
	size_t i;

	for (i = 0; i < nc->nr_secs; i++) {
		free(nc->secs[i].data);
		free(nc->secs[i].relas);
		free(nc->secs[i].alias);
	}
	KS_FREE_EACH(nc->secs, nc->nr_secs, name);
	KS_FREE_EACH(nc->syms, nc->nr_syms, name);
	free(nc->krelocs);
	for (i = 0; i < nc->nr_ksyms; i++)
		free(nc->ksyms[i].object);
	KS_FREE_EACH(nc->ksyms, nc->nr_ksyms, name);
	KS_FREE_EACH(nc->funcs, nc->nr_funcs, name);
	KS_FREE_EACH(nc->hooks, nc->nr_hooks, name);
	for (i = 0; i < nc->nr_deleted; i++)
		free(nc->deleted[i].object);
	KS_FREE_EACH(nc->deleted, nc->nr_deleted, name);
	KS_FREE_EACH(nc->exports, nc->nr_exports, name);
	ks_free_strv(nc->namespaces, nc->nr_namespaces);
	ks_free_strv(nc->notes, nc->nr_notes);
	memset(nc, 0, sizeof(*nc));
}
