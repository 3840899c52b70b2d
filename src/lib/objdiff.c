// SPDX-License-Identifier: GPL-2.0
/* The object differ: see objdiff.h. */
#include "objdiff.h"
#include "pkg_fs.h"

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
	GElf_Sxword toff, k;
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
	if (sec && ks_sec_is_strings(sec) && sec->data && toff >= 0 &&
	    (GElf_Xword)toff < sec->sh.sh_size) {
		t->str = (const char *)sec->data + toff;
		t->off = toff;
		t->bias = r->addend - toff;
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
		t->bias = r->addend - toff;
		return;
	}
	t->off = toff;
	t->bias = r->addend - toff;
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

/* Compare a post range with a pre range: bytes and relocations. */
static int range_equal(const struct ks_diff *d, size_t post_sec,
		       GElf_Addr pstart, GElf_Xword psize, size_t pre_sec,
		       GElf_Addr qstart, GElf_Xword qsize, int bytes)
{
	const struct ks_section *ps = &d->post->secs[post_sec];
	const struct ks_section *qs = &d->pre->secs[pre_sec];
	unsigned char *a, *b;
	size_t i, j;
	int eq;

	if (psize != qsize ||
	    (ps->sh.sh_type == SHT_NOBITS) != (qs->sh.sh_type == SHT_NOBITS))
		return 0;
	a = masked(ps, pstart, psize);
	b = masked(qs, qstart, qsize);
	eq = !bytes || !memcmp(a, b, psize);
	free(a);
	free(b);
	if (!eq)
		return 0;
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
			return i == ps->nr_relas && j == qs->nr_relas;
		if (ps->relas[i].offset - pstart != qs->relas[j].offset - qstart ||
		    ps->relas[i].type != qs->relas[j].type)
			return 0;
		ks_resolve_target(d->post, ps, &ps->relas[i], &ta);
		ks_resolve_target(d->pre, qs, &qs->relas[j], &tb);
		if (!targets_equal(d, &ta, &tb))
			return 0;
		i++;
		j++;
	}
}

static int sym_equal(const struct ks_diff *d, size_t post_sym, size_t pre_sym)
{
	const struct ks_symbol *x = &d->post->syms[post_sym];
	const struct ks_symbol *y = &d->pre->syms[pre_sym];

	return range_equal(d, x->sym.st_shndx, x->sym.st_value,
			   x->sym.st_size, y->sym.st_shndx, y->sym.st_value,
			   y->sym.st_size, 1);
}

/* Same relocations, bytes different only in moved line numbers? */
static int only_lines_moved(const struct ks_diff *d, size_t post_sym,
			    size_t pre_sym)
{
	const struct ks_symbol *x = &d->post->syms[post_sym];
	const struct ks_symbol *y = &d->pre->syms[pre_sym];
	unsigned char *a, *b;
	int ret;

	if (!d->lines || x->sym.st_size != y->sym.st_size ||
	    !range_equal(d, x->sym.st_shndx, x->sym.st_value, x->sym.st_size,
			 y->sym.st_shndx, y->sym.st_value, y->sym.st_size, 0))
		return 0;
	b = masked(&d->post->secs[x->sym.st_shndx], x->sym.st_value,
		   x->sym.st_size);
	a = masked(&d->pre->secs[y->sym.st_shndx], y->sym.st_value,
		   y->sym.st_size);
	ret = ks_only_lines_differ(a, b, x->sym.st_size, d->lines);
	free(a);
	free(b);
	return ret;
}

static void note(struct ks_diff *d, char *text)
{
	d->notes = ks_xrealloc(d->notes, (d->nr_notes + 1) * sizeof(char *));
	d->notes[d->nr_notes++] = text;
}

static void add_func(struct ks_diff *d, size_t post_sym, size_t pre_sym,
		     enum ks_func_kind kind)
{
	struct ks_diff_func *f;

	d->funcs = ks_xrealloc(d->funcs, (d->nr_funcs + 1) * sizeof(*d->funcs));
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
	return ks_diff_objects_lines(pre, post, NULL, d, err, errlen);
}

int ks_diff_objects_lines(const struct ks_object *pre,
			  const struct ks_object *post,
			  const struct ks_line_map *lines, struct ks_diff *d,
			  char *err, size_t errlen)
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
			if (!d->map[i] || !sym_equal(d, i, d->map[i])) {
				if (is_f && d->map[i] &&
				    only_lines_moved(d, i, d->map[i])) {
					/* Not a change; named in a note. */
					changed[i] = 2;
					continue;
				}
				changed[i] = 1;
				d->carry[i] = 1;
				again = 1;
			}
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
	memset(d, 0, sizeof(*d));
}
