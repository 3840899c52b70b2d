// SPDX-License-Identifier: GPL-2.0
/* The object differ: see objdiff.h. */
#include "diff/objdiff.h"
#include "util/fs.h"
#include "util/array.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ks_sec_is_text(const struct ks_section *s)
{
	return (s->sh.sh_flags & SHF_EXECINSTR) != 0;
}

int ks_sec_is_init(const struct ks_section *s)
{
	return !strncmp(s->name, ".init.", 6) || !strncmp(s->name, ".exit.", 6) ||
	       !strcmp(s->name, ".init.text") || !strcmp(s->name, ".exit.text");
}

int ks_sec_is_strings(const struct ks_section *s)
{
	return (s->sh.sh_flags & (SHF_MERGE | SHF_STRINGS)) ==
	       (SHF_MERGE | SHF_STRINGS);
}

int ks_sym_is_cold_piece(const char *name)
{
	const char *c = strstr(name, ".cold");

	if (!c)
		return 0;
	c += 5;
	if (*c == '\0')
		return 1;
	if (*c != '.')
		return 0;
	for (c++; *c; c++)
		if (!isdigit((unsigned char)*c))
			return 0;
	return 1;
}

/* Name without GCC's numbers: foo.isra.0 -> foo.isra, x.12 -> x. */
static char *canonical(const char *name)
{
	char *out = ks_xrealloc(NULL, strlen(name) + 1), *o = out;
	const char *p = name;

	while (*p) {
		const char *q;

		if (*p == '.' && p != name) {
			for (q = p + 1; isdigit((unsigned char)*q); q++)
				;
			if (q > p + 1 && (*q == '.' || *q == '\0')) {
				p = q;
				continue;
			}
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static int is_named(const struct ks_symbol *s)
{
	int t = ks_sym_type(s);

	return (t == STT_FUNC || t == STT_OBJECT) && s->name[0] &&
	       s->sym.st_shndx != SHN_UNDEF;
}

/* The only named symbol of a section, or 0 if there are none or several. */
static size_t sole_symbol(const struct ks_object *o, size_t sec)
{
	size_t i, found = 0;

	for (i = 1; i < o->nr_syms; i++) {
		const struct ks_symbol *s = &o->syms[i];

		if (s->sym.st_shndx != sec || !is_named(s))
			continue;
		if (found && o->syms[found].sym.st_value != s->sym.st_value)
			return 0;
		if (!found || ks_sym_bind(s) == STB_GLOBAL)
			found = i;
	}
	return found;
}

void ks_resolve_target(const struct ks_object *o, const struct ks_section *from,
		       const struct ks_rela *r, struct ks_reltarget *t)
{
	const struct ks_symbol *s = &o->syms[r->sym];
	const struct ks_section *sec = ks_sym_section(o, s);
	GElf_Sxword toff, k, base;
	int in_code = from && ks_sec_is_text(from) && ks_rela_is_pcrel(r->type);
	size_t y = 0;

	memset(t, 0, sizeof(*t));
	t->sec = sec ? sec->index : 0;
	if (ks_sym_type(s) != STT_SECTION &&
	    (!sec || ks_sym_type(s) == STT_FUNC || ks_sym_type(s) == STT_OBJECT)) {
		t->sym = r->sym;
		t->off = r->addend;
		return;
	}
	/* Section symbols and local labels (.LC6): a place in a section. */
	/*
	 * A PC-relative field in an instruction is relative to the end of
	 * the instruction: the target is addend + 4, plus the immediate
	 * that may follow the displacement (the relocation's tail).  When
	 * the instruction did not decode, the first symbol up to 4 bytes
	 * further is taken.  In data the target is the addend itself.
	 */
	toff = (GElf_Sxword)s->sym.st_value + r->addend +
	       (in_code ? (GElf_Sxword)ks_rela_size(r->type) : 0);
	if (in_code && r->tail != KS_TAIL_UNKNOWN) {
		toff += r->tail;
		in_code = 0;	/* exact: no search */
	}
	/*
	 * The bias is where the field points (symbol plus addend) less the
	 * target: -4 and the tail in code, 0 in data.  Measured from the
	 * symbol's value, so that a local label (.LC1, kept for strings the
	 * linker merges) at another place in another build is the same.
	 */
	base = (GElf_Sxword)(s->sym.st_value + (GElf_Addr)r->addend);
	if (sec && ks_sec_is_strings(sec) && sec->data && toff >= 0 &&
	    (GElf_Xword)toff < sec->sh.sh_size) {
		t->str = (const char *)sec->data + toff;
		t->off = toff;
		t->bias = base - toff;
		return;
	}
	if (sec) {
		y = sole_symbol(o, sec->index);
		for (k = 0; !y && k <= (in_code ? 4 : 0); k++)
			y = ks_symbol_at(o, sec->index, (GElf_Addr)(toff + k));
	}
	if (y) {
		t->sym = y;
		t->off = toff - (GElf_Sxword)o->syms[y].sym.st_value;
		t->bias = base - toff;
		return;
	}
	t->off = toff;
	t->bias = base - toff;
}

/* ---- correlation ------------------------------------------------------ */

static int same_kind(const struct ks_symbol *a, const struct ks_symbol *b)
{
	return ks_sym_type(a) == ks_sym_type(b);
}

/*
 * A numbered static (foo.12, __func__.3, _rs.7): GCC numbers them per
 * file in order of appearance, so the same name in pre and post may be
 * two different variables.  They are correlated through use instead.
 */
static int is_numbered_static(const struct ks_symbol *s)
{
	char *c;
	int numbered;

	if (ks_sym_type(s) != STT_OBJECT || ks_sym_bind(s) != STB_LOCAL)
		return 0;
	c = canonical(s->name);
	numbered = strcmp(c, s->name) != 0;
	free(c);
	return numbered;
}

static int pre_taken(const struct ks_diff *d, size_t pre_sym)
{
	size_t j;

	for (j = 1; j < d->post->nr_syms; j++)
		if (d->map[j] == pre_sym)
			return 1;
	return 0;
}

static void map_by_name(struct ks_diff *d, int numbered_too)
{
	const struct ks_object *pre = d->pre, *post = d->post;
	size_t i, j;

	/* Exact names first, then unique canonical names. */
	for (i = 1; i < post->nr_syms; i++) {
		const struct ks_symbol *s = &post->syms[i];
		size_t hit = 0, n = 0;

		if (!is_named(s) || d->map[i] ||
		    (!numbered_too && is_numbered_static(s)))
			continue;
		for (j = 1; j < pre->nr_syms; j++)
			if (is_named(&pre->syms[j]) &&
			    same_kind(s, &pre->syms[j]) &&
			    !strcmp(s->name, pre->syms[j].name)) {
				hit = j;
				n++;
			}
		if (n == 1 && !pre_taken(d, hit))
			d->map[i] = hit;
	}
	for (i = 1; i < post->nr_syms; i++) {
		const struct ks_symbol *s = &post->syms[i];
		char *c;
		size_t hit = 0, n = 0, npost = 0;

		if (!is_named(s) || d->map[i])
			continue;
		c = canonical(s->name);
		for (j = 1; j < post->nr_syms; j++) {
			char *c2;

			if (!is_named(&post->syms[j]) || d->map[j])
				continue;
			c2 = canonical(post->syms[j].name);
			npost += !strcmp(c, c2);
			free(c2);
		}
		for (j = 1; j < pre->nr_syms; j++) {
			char *c2;

			if (!is_named(&pre->syms[j]) || pre_taken(d, j) ||
			    !same_kind(s, &pre->syms[j]))
				continue;
			c2 = canonical(pre->syms[j].name);
			if (!strcmp(c, c2)) {
				hit = j;
				n++;
			}
			free(c2);
		}
		free(c);
		if (n == 1 && npost == 1)
			d->map[i] = hit;
	}
}

/* Range of a function's relocations in its section. */
static void func_relas(const struct ks_object *o, size_t sym, size_t *first,
		       size_t *count)
{
	const struct ks_symbol *s = &o->syms[sym];
	const struct ks_section *sec = &o->secs[s->sym.st_shndx];
	size_t i;

	*first = 0;
	*count = 0;
	for (i = 0; i < sec->nr_relas; i++) {
		GElf_Addr off = sec->relas[i].offset;

		if (off < s->sym.st_value ||
		    off >= s->sym.st_value + s->sym.st_size)
			continue;
		if (!*count)
			*first = i;
		(*count)++;
	}
}

/*
 * The distinct numbered statics a function refers to, in order of first
 * use (at most max).
 */
static size_t statics_used(const struct ks_object *o, size_t fsym,
			   size_t *out, size_t max)
{
	const struct ks_section *sec = &o->secs[o->syms[fsym].sym.st_shndx];
	size_t f0, fn, i, j, n = 0;

	func_relas(o, fsym, &f0, &fn);
	for (i = f0; i < f0 + fn && n < max; i++) {
		struct ks_reltarget t;
		int seen = 0;

		ks_resolve_target(o, sec, &sec->relas[i], &t);
		if (!t.sym || !is_numbered_static(&o->syms[t.sym]))
			continue;
		for (j = 0; j < n; j++)
			seen |= out[j] == t.sym;
		if (!seen)
			out[n++] = t.sym;
	}
	return n;
}

/*
 * Pair numbered statics through the correlated functions that use them:
 * the k-th distinct static of a canonical name that post function F uses
 * is the k-th one of that name that pre function F uses.
 */
static void map_by_use(struct ks_diff *d)
{
	const struct ks_object *pre = d->pre, *post = d->post;
	enum { MAX = 256 };
	size_t a[MAX], b[MAX];
	size_t i, progress = 1;

	while (progress) {
		progress = 0;
		for (i = 1; i < post->nr_syms; i++) {
			size_t na, nb, x, y;

			if (!d->map[i] || ks_sym_type(&post->syms[i]) != STT_FUNC)
				continue;
			na = statics_used(post, i, a, MAX);
			nb = statics_used(pre, d->map[i], b, MAX);
			for (x = 0; x < na; x++) {
				char *cx;
				size_t k = 0, kk;

				if (d->map[a[x]])
					continue;
				cx = canonical(post->syms[a[x]].name);
				/* rank of a[x] among same-named statics */
				for (y = 0; y < x; y++) {
					char *cy = canonical(post->syms[a[y]].name);

					k += !strcmp(cx, cy);
					free(cy);
				}
				for (y = 0, kk = 0; y < nb; y++) {
					char *cy = canonical(pre->syms[b[y]].name);
					int same = !strcmp(cx, cy);

					free(cy);
					if (!same)
						continue;
					if (kk++ != k)
						continue;
					if (!pre_taken(d, b[y]) &&
					    same_kind(&post->syms[a[x]],
						      &pre->syms[b[y]])) {
						d->map[a[x]] = b[y];
						progress = 1;
					}
					break;
				}
				free(cx);
			}
		}
	}
}

/* ---- comparison ------------------------------------------------------- */

/* Bytes of [start, start+size) in sec, relocation fields masked to 0. */
static unsigned char *masked(const struct ks_section *sec, GElf_Addr start,
			     GElf_Xword size)
{
	unsigned char *b = calloc(1, size ? size : 1);
	size_t i;

	if (!b)
		abort();
	if (sec->data)
		memcpy(b, sec->data + start, size);
	for (i = 0; i < sec->nr_relas; i++) {
		const struct ks_rela *r = &sec->relas[i];
		GElf_Addr o = r->offset, e = o + ks_rela_size(r->type);

		if (o < start || e > start + size)
			continue;
		memset(b + (o - start), 0, e - o);
	}
	return b;
}

static int targets_equal(const struct ks_diff *d, const struct ks_reltarget *a,
			 const struct ks_reltarget *b)
{
	const struct ks_object *pre = d->pre, *post = d->post;

	if (a->bias != b->bias)
		return 0;
	if (a->str || b->str)
		return a->str && b->str && !strcmp(a->str, b->str);
	if (a->sym && b->sym) {
		const struct ks_symbol *x = &post->syms[a->sym];
		const struct ks_symbol *y = &pre->syms[b->sym];

		if (a->off != b->off)
			return 0;
		if (x->sym.st_shndx == SHN_UNDEF || y->sym.st_shndx == SHN_UNDEF)
			return x->sym.st_shndx == y->sym.st_shndx &&
			       !strcmp(x->name, y->name);
		/* A carried read-only object counts as a different target. */
		if (ks_sym_type(x) == STT_OBJECT && d->carry[a->sym])
			return 0;
		return d->map[a->sym] == b->sym;
	}
	if (a->sym || b->sym)
		return 0;
	/* Anonymous places: merged constants by value, others by offset. */
	if (!a->sec || !b->sec)
		return 0;
	{
		const struct ks_section *x = &post->secs[a->sec];
		const struct ks_section *y = &pre->secs[b->sec];
		GElf_Xword n = x->sh.sh_entsize;

		if ((x->sh.sh_flags & SHF_MERGE) && n && x->data && y->data &&
		    n == y->sh.sh_entsize && a->off >= 0 && b->off >= 0 &&
		    (GElf_Xword)a->off + n <= x->sh.sh_size &&
		    (GElf_Xword)b->off + n <= y->sh.sh_size)
			return !memcmp(x->data + a->off, y->data + b->off, n);
		return a->off == b->off && !strcmp(x->name, y->name);
	}
}

/*
 * How a post range compares with a pre range: the same, different only
 * in line numbers the patches moved (objdiff_lines.h), or different.
 * Ordered so that the worse of two verdicts is the larger.
 */
enum { LN_SAME, LN_MOVED, LN_DIFFER };

static int worse(int a, int b)
{
	return a > b ? a : b;
}

/* a post, b pre; lines_ok: a "FILE:LINE" string may have moved. */
static int target_verdict(const struct ks_diff *d,
			  const struct ks_reltarget *a,
			  const struct ks_reltarget *b, int lines_ok)
{
	if (targets_equal(d, a, b))
		return LN_SAME;
	if (lines_ok && d->lines && a->str && b->str && a->bias == b->bias &&
	    ks_strings_lines_moved(b->str, a->str, d->lines))
		return LN_MOVED;
	return LN_DIFFER;
}

/*
 * Compare a post range with a pre range: bytes (unless !bytes) and
 * relocations.  With lines_ok (a function), moved lines are LN_MOVED.
 */
static int range_verdict(const struct ks_diff *d, size_t post_sec,
			 GElf_Addr pstart, GElf_Xword psize, size_t pre_sec,
			 GElf_Addr qstart, GElf_Xword qsize, int bytes,
			 int lines_ok)
{
	const struct ks_section *ps = &d->post->secs[post_sec];
	const struct ks_section *qs = &d->pre->secs[pre_sec];
	unsigned char *a, *b;
	size_t i, j;
	int v = LN_SAME;

	if (psize != qsize ||
	    (ps->sh.sh_type == SHT_NOBITS) != (qs->sh.sh_type == SHT_NOBITS))
		return LN_DIFFER;
	if (bytes) {
		a = masked(ps, pstart, psize);
		b = masked(qs, qstart, qsize);
		if (memcmp(a, b, psize))
			v = lines_ok && ks_only_lines_differ(b, a, psize,
							     d->src_lines) ?
			    LN_MOVED : LN_DIFFER;
		free(a);
		free(b);
		if (v == LN_DIFFER)
			return v;
	}
	i = 0;
	j = 0;
	for (;;) {
		struct ks_reltarget ta, tb;

		while (i < ps->nr_relas && (ps->relas[i].offset < pstart ||
		       ps->relas[i].offset >= pstart + psize))
			i++;
		while (j < qs->nr_relas && (qs->relas[j].offset < qstart ||
		       qs->relas[j].offset >= qstart + qsize))
			j++;
		if (i == ps->nr_relas || j == qs->nr_relas)
			return i == ps->nr_relas && j == qs->nr_relas ?
			       v : LN_DIFFER;
		if (ps->relas[i].offset - pstart != qs->relas[j].offset - qstart ||
		    ps->relas[i].type != qs->relas[j].type)
			return LN_DIFFER;
		ks_resolve_target(d->post, ps, &ps->relas[i], &ta);
		ks_resolve_target(d->pre, qs, &qs->relas[j], &tb);
		v = worse(v, target_verdict(d, &ta, &tb, lines_ok));
		if (v == LN_DIFFER)
			return v;
		i++;
		j++;
	}
}

static int range_equal(const struct ks_diff *d, size_t post_sec,
		       GElf_Addr pstart, GElf_Xword psize, size_t pre_sec,
		       GElf_Addr qstart, GElf_Xword qsize, int bytes)
{
	return range_verdict(d, post_sec, pstart, psize, pre_sec, qstart,
			     qsize, bytes, 0) == LN_SAME;
}

static int sym_equal(const struct ks_diff *d, size_t post_sym, size_t pre_sym)
{
	const struct ks_symbol *x = &d->post->syms[post_sym];
	const struct ks_symbol *y = &d->pre->syms[pre_sym];

	return range_equal(d, x->sym.st_shndx, x->sym.st_value,
			   x->sym.st_size, y->sym.st_shndx, y->sym.st_value,
			   y->sym.st_size, 1);
}

/* ---- __bug_table ------------------------------------------------------ */

/*
 * WARN*() and BUG*() leave a ud2 in the code and describe it in a
 * struct bug_entry in __bug_table (arch/x86/include/asm/bug.h): on 6.1
 * x86-64 with CONFIG_GENERIC_BUG_RELATIVE_POINTERS and
 * CONFIG_DEBUG_BUGVERBOSE, bug_addr_disp and file_disp (PC32 relocations
 * at +0 and +4), line at +8 and flags at +10, 12 bytes.  The entries are
 * part of the function: a change of flags (WARN_ON to WARN_ON_ONCE, a
 * taint) or file is a change although the code is the same, and a moved
 * line is a line.  A table of another layout is not compared.
 */
#define BUG_ENTRY_SIZE 12

struct ks_bug_entry {
	size_t shndx;		/* section of the ud2 (0: unknown) */
	GElf_Addr addr;		/* its offset there */
	unsigned int line, flags;
	const struct ks_section *sec;	/* the __bug_table */
	const struct ks_rela *file;	/* relocation of file_disp */
};

struct ks_bug_table {
	struct ks_bug_entry *e;
	size_t n;
	int usable;
};

static unsigned int u16_at(const unsigned char *p)
{
	return (unsigned int)p[0] | (unsigned int)p[1] << 8;
}

static struct ks_bug_table *read_bugs(const struct ks_object *o)
{
	struct ks_bug_table *t = calloc(1, sizeof(*t));
	size_t si, k;

	if (!t)
		abort();
	t->usable = 1;
	for (si = 1; si < o->nr_secs && t->usable; si++) {
		const struct ks_section *s = &o->secs[si];
		size_t n = s->sh.sh_size / BUG_ENTRY_SIZE;

		if (strcmp(s->name, "__bug_table"))
			continue;
		if (!s->data || s->sh.sh_size % BUG_ENTRY_SIZE ||
		    s->nr_relas != 2 * n) {
			t->usable = 0;
			break;
		}
		for (k = 0; k < n; k++) {
			const struct ks_rela *ra = &s->relas[2 * k];
			const struct ks_rela *rf = &s->relas[2 * k + 1];
			const struct ks_symbol *y = &o->syms[ra->sym];
			struct ks_bug_entry *e;

			if (ra->offset != k * BUG_ENTRY_SIZE ||
			    rf->offset != k * BUG_ENTRY_SIZE + 4 ||
			    ra->type != R_X86_64_PC32 ||
			    rf->type != R_X86_64_PC32) {
				t->usable = 0;
				break;
			}
			e = KS_PUSH_ZERO(t->e, t->n);
			/* In data, "1b - ." targets the symbol plus addend. */
			if (y->sym.st_shndx != SHN_UNDEF &&
			    y->sym.st_shndx < o->nr_secs) {
				e->shndx = y->sym.st_shndx;
				e->addr = y->sym.st_value + (GElf_Addr)ra->addend;
			}
			e->line = u16_at(s->data + k * BUG_ENTRY_SIZE + 8);
			e->flags = u16_at(s->data + k * BUG_ENTRY_SIZE + 10);
			e->sec = s;
			e->file = rf;
		}
	}
	return t;
}

static void free_bugs(struct ks_bug_table *t)
{
	if (t)
		free(t->e);
	free(t);
}

/* Is entry e's ud2 inside function symbol f (any of its names)? */
static int bug_in(const struct ks_bug_entry *e, const struct ks_symbol *f)
{
	return e->shndx == f->sym.st_shndx && e->addr >= f->sym.st_value &&
	       e->addr < f->sym.st_value + f->sym.st_size;
}

/* Post function i's bug entries against pre function j's, in order. */
static int bug_verdict(const struct ks_diff *d, size_t i, size_t j)
{
	const struct ks_bug_table *tp = d->bugs[1], *tq = d->bugs[0];
	const struct ks_symbol *fx = &d->post->syms[i], *fy = &d->pre->syms[j];
	size_t a = 0, b = 0;
	int v = LN_SAME;

	if (!tp || !tq || !tp->usable || !tq->usable)
		return LN_SAME;
	for (;; a++, b++) {
		const struct ks_bug_entry *x, *y;
		struct ks_reltarget ta, tb;

		while (a < tp->n && !bug_in(&tp->e[a], fx))
			a++;
		while (b < tq->n && !bug_in(&tq->e[b], fy))
			b++;
		if (a == tp->n || b == tq->n)
			return a == tp->n && b == tq->n ? v : LN_DIFFER;
		x = &tp->e[a];
		y = &tq->e[b];
		if (x->addr - fx->sym.st_value != y->addr - fy->sym.st_value ||
		    x->flags != y->flags)
			return LN_DIFFER;
		ks_resolve_target(d->post, x->sec, x->file, &ta);
		ks_resolve_target(d->pre, y->sec, y->file, &tb);
		if (!targets_equal(d, &ta, &tb))
			return LN_DIFFER;
		if (x->line == y->line)
			continue;
		/* The line of __FILE__, moved by that file's hunks. */
		if (!ta.str ||
		    !ks_line_moved(ks_line_maps_find(d->lines, ta.str),
				   (long)y->line, (long)x->line))
			return LN_DIFFER;
		v = LN_MOVED;
	}
}

/* A mapped function: bytes, relocations and __bug_table entries. */
static int func_verdict(const struct ks_diff *d, size_t post_sym,
			size_t pre_sym)
{
	const struct ks_symbol *x = &d->post->syms[post_sym];
	const struct ks_symbol *y = &d->pre->syms[pre_sym];
	int v = range_verdict(d, x->sym.st_shndx, x->sym.st_value,
			      x->sym.st_size, y->sym.st_shndx,
			      y->sym.st_value, y->sym.st_size, 1, 1);

	return v == LN_DIFFER ? v : worse(v, bug_verdict(d, post_sym, pre_sym));
}

static void note(struct ks_diff *d, char *text)
{
	KS_PUSH(d->notes, d->nr_notes, text);
}

static void add_func(struct ks_diff *d, size_t post_sym, size_t pre_sym,
		     enum ks_func_kind kind)
{
	struct ks_diff_func *f;

	d->funcs = ks_grow(d->funcs, d->nr_funcs, 1, sizeof(*d->funcs));
	f = &d->funcs[d->nr_funcs++];
	f->post_sym = post_sym;
	f->pre_sym = pre_sym;
	f->kind = kind;
	f->name = post_sym ? d->post->syms[post_sym].name :
			     d->pre->syms[pre_sym].name;
	f->pre_name = pre_sym ? d->pre->syms[pre_sym].name : NULL;
}

/* Sections whose writable content the kernel itself rewrites or that
 * describe code rather than hold program state. */
static int data_exempt(const struct ks_section *s)
{
	return !strncmp(s->name, "__dyndbg", 8) ||
	       !strcmp(s->name, ".data.once") ||
	       !strncmp(s->name, "__tracepoint", 12) ||
	       !strncmp(s->name, "_ftrace", 7) ||
	       !strncmp(s->name, ".ref.data", 9);
}

static int is_func(const struct ks_object *o, size_t i)
{
	const struct ks_symbol *s = &o->syms[i];
	const struct ks_section *sec = ks_sym_section(o, s);

	return ks_sym_type(s) == STT_FUNC && sec && ks_sec_is_text(sec) &&
	       s->name[0];
}

/*
 * Another name of a function an earlier symbol already names (same
 * section, same place): module_init() without __init makes init_module an
 * alias of the init function.  One function gets one entry, or two
 * entries would put two jumps on one place.
 */
static int is_func_alias(const struct ks_object *o, size_t i)
{
	const struct ks_symbol *s = &o->syms[i];
	size_t k;

	for (k = 1; k < i; k++)
		if (is_func(o, k) &&
		    o->syms[k].sym.st_shndx == s->sym.st_shndx &&
		    o->syms[k].sym.st_value == s->sym.st_value)
			return 1;
	return 0;
}

static int is_rodata_obj(const struct ks_object *o, size_t i)
{
	const struct ks_symbol *s = &o->syms[i];
	const struct ks_section *sec = ks_sym_section(o, s);

	return is_named(s) && ks_sym_type(s) == STT_OBJECT && sec &&
	       !(sec->sh.sh_flags & (SHF_WRITE | SHF_EXECINSTR)) &&
	       (sec->sh.sh_flags & SHF_ALLOC);
}

static int is_rw_obj(const struct ks_object *o, size_t i)
{
	const struct ks_symbol *s = &o->syms[i];
	const struct ks_section *sec = ks_sym_section(o, s);

	return is_named(s) && ks_sym_type(s) == STT_OBJECT && sec &&
	       (sec->sh.sh_flags & SHF_WRITE) && (sec->sh.sh_flags & SHF_ALLOC);
}

/* Parent function of a .cold piece (foo.cold.3 -> foo), or 0. */
static size_t cold_parent(const struct ks_object *o, size_t i)
{
	const char *n = o->syms[i].name;
	const char *c = strstr(n, ".cold");
	size_t j;

	for (j = 1; j < o->nr_syms; j++)
		if (is_func(o, j) && strlen(o->syms[j].name) == (size_t)(c - n) &&
		    !strncmp(o->syms[j].name, n, (size_t)(c - n)))
			return j;
	return 0;
}

/*
 * Did the patch say (ksplice_data_changed(var), include/ksplice/hooks.h)
 * that a hook takes care of variable name's changed initial value?  The
 * macro leaves the name as a string in section .ksplice_data_changed.
 */
static int data_change_annotated(const struct ks_object *post,
				 const char *name)
{
	size_t si = ks_find_section(post, ".ksplice_data_changed");
	const struct ks_section *s = si ? &post->secs[si] : NULL;
	char *c = canonical(name);
	GElf_Xword off = 0;
	int found = 0;

	while (s && s->data && off < s->sh.sh_size && !found) {
		const char *p = (const char *)s->data + off;
		size_t n = strnlen(p, s->sh.sh_size - off);

		found = n && (!strcmp(p, name) || !strcmp(p, c));
		off += n + 1;
	}
	free(c);
	return found;
}

int ks_diff_objects(const struct ks_object *pre, const struct ks_object *post,
		    struct ks_diff *d, char *err, size_t errlen)
{
	return ks_diff_objects_lines(pre, post, NULL, NULL, d, err, errlen);
}

int ks_diff_objects_lines(const struct ks_object *pre,
			  const struct ks_object *post,
			  const struct ks_line_maps *lines, const char *src,
			  struct ks_diff *d, char *err, size_t errlen)
{
	size_t i, j;
	int again;
	unsigned char *changed;
	char *moved = NULL;
	size_t moved_len = 0, nmoved = 0;
	FILE *mf = open_memstream(&moved, &moved_len);

	(void)err;
	(void)errlen;
	memset(d, 0, sizeof(*d));
	d->pre = pre;
	d->post = post;
	d->lines = lines;
	d->src_lines = ks_line_maps_find(lines, src);
	d->bugs[0] = read_bugs(pre);
	d->bugs[1] = read_bugs(post);
	d->map = calloc(post->nr_syms, sizeof(size_t));
	d->carry = calloc(post->nr_syms, 1);
	changed = calloc(post->nr_syms, 1);
	if (!d->map || !d->carry || !changed)
		abort();
	/*
	 * Functions and plain names first; numbered statics through the
	 * functions that use them; what is left by unique or equal name.
	 */
	map_by_name(d, 0);
	map_by_use(d);
	map_by_name(d, 1);

	/* Writable data: a changed initial value cannot be done live. */
	for (i = 1; i < post->nr_syms && !d->refusal; i++) {
		const struct ks_section *sec;

		if (!is_rw_obj(post, i) || !d->map[i])
			continue;
		sec = ks_sym_section(post, &post->syms[i]);
		if (data_exempt(sec) || ks_sec_is_init(sec))
			continue;
		if (sym_equal(d, i, d->map[i]))
			continue;
		if (data_change_annotated(post, post->syms[i].name))
			note(d, ks_strfmt("the initial value of variable '%s' changed; the running variable keeps its value (the patch says a hook converts it)",
					  post->syms[i].name));
		else
			d->refusal = ks_strfmt(
				"the initial value of variable '%s' changed; "
				"the running variable would keep its old value. "
				"Convert it in a hook and say so with "
				"ksplice_data_changed(%s) (include/ksplice/hooks.h)",
				post->syms[i].name, post->syms[i].name);
	}

	/*
	 * Read-only objects and functions: iterate because a changed
	 * read-only object changes every function that refers to it.
	 */
	do {
		again = 0;
		for (i = 1; i < post->nr_syms; i++) {
			int is_f = is_func(post, i);

			if (changed[i] == 1 || (!is_f && !is_rodata_obj(post, i)))
				continue;
			if (ks_sec_is_init(ks_sym_section(post, &post->syms[i])))
				continue;
			if (d->map[i]) {
				int v = is_f ? func_verdict(d, i, d->map[i]) :
					sym_equal(d, i, d->map[i]) ? LN_SAME :
					LN_DIFFER;

				if (v == LN_SAME)
					continue;
				if (v == LN_MOVED) {
					/* Not a change; named in a note. */
					changed[i] = 2;
					continue;
				}
			}
			changed[i] = 1;
			d->carry[i] = 1;
			again = 1;
		}
	} while (again);

	/* A changed .cold piece means its parent changed. */
	for (i = 1; i < post->nr_syms; i++) {
		size_t p;

		if (changed[i] != 1 || !is_func(post, i) ||
		    !ks_sym_is_cold_piece(post->syms[i].name))
			continue;
		p = cold_parent(post, i);
		if (p)
			changed[p] = d->carry[p] = 1;
	}

	for (i = 1; i < post->nr_syms; i++) {
		const struct ks_section *sec = ks_sym_section(post, &post->syms[i]);

		if (!is_func(post, i) || ks_sym_is_cold_piece(post->syms[i].name))
			continue;
		if (ks_sec_is_init(sec)) {
			if (!d->map[i] || !sym_equal(d, i, d->map[i]))
				note(d, ks_strfmt("%s is __init/__exit code: ignored (it has run or never will)",
						  post->syms[i].name));
			continue;
		}
		if (changed[i] != 1 || is_func_alias(post, i))
			continue;
		add_func(d, i, d->map[i],
			 d->map[i] ? KS_FUNC_CHANGED : KS_FUNC_NEW);
	}
	/* Pre functions nobody maps to are deleted. */
	for (j = 1; j < pre->nr_syms; j++) {
		int mapped = 0;

		if (!is_func(pre, j) || ks_sym_is_cold_piece(pre->syms[j].name) ||
		    ks_sec_is_init(ks_sym_section(pre, &pre->syms[j])) ||
		    is_func_alias(pre, j))
			continue;
		for (i = 1; i < post->nr_syms && !mapped; i++)
			mapped = d->map[i] == j;
		if (!mapped)
			add_func(d, 0, j, KS_FUNC_DELETED);
	}
	/* Carried pieces of changed functions come along. */
	for (i = 1; i < post->nr_syms; i++) {
		size_t p;

		if (is_func(post, i) && ks_sym_is_cold_piece(post->syms[i].name)) {
			p = cold_parent(post, i);
			if (p && d->carry[p])
				d->carry[i] = 1;
		}
	}
	for (i = 1; i < post->nr_syms && mf; i++)
		if (changed[i] == 2)
			fprintf(mf, "%s%s", nmoved++ ? ", " : "",
				post->syms[i].name);
	free(changed);
	if (mf && !fclose(mf) && nmoved)
		note(d, ks_strfmt("%zu function(s) differ only in line numbers the patch moved (__LINE__) and are left out: %s",
				  nmoved, moved));
	free(moved);
	/* The hunks are the caller's, the bug tables only for the diff. */
	d->lines = NULL;
	d->src_lines = NULL;
	free_bugs(d->bugs[0]);
	free_bugs(d->bugs[1]);
	d->bugs[0] = d->bugs[1] = NULL;
	return 0;
}

void ks_diff_free(struct ks_diff *d)
{
	size_t i;

	for (i = 0; i < d->nr_notes; i++)
		free(d->notes[i]);
	free(d->notes);
	free(d->funcs);
	free(d->map);
	free(d->carry);
	free(d->refusal);
	free_bugs(d->bugs[0]);
	free_bugs(d->bugs[1]);
	memset(d, 0, sizeof(*d));
}
