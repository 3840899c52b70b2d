// SPDX-License-Identifier: GPL-2.0
/*
 * Struct and union layouts from DWARF (elfutils libdw), compared between
 * the pre and post objects of a patch.  See type_layout.h.
 */
#include "diff/type_layout.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/array.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 8

static unsigned long long udata(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute a;
	Dwarf_Word w = 0;

	if (dwarf_attr_integrate(die, at, &a))
		dwarf_formudata(&a, &w);
	return w;
}

/* A type in a few words: what a member's slot holds. */
static char *type_text(Dwarf_Die *die, int depth)
{
	Dwarf_Die t;
	Dwarf_Attribute a;
	const char *name;
	char *inner, *s;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) ||
	    !dwarf_formref_die(&a, &t))
		return ks_xstrdup("void");
	name = dwarf_diename(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_pointer_type:
		return ks_xstrdup("*");
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		return depth < MAX_DEPTH ? type_text(&t, depth + 1) :
					   ks_xstrdup("?");
	case DW_TAG_array_type: {
		Dwarf_Die sub;
		unsigned long long n = 0;

		if (dwarf_child(&t, &sub) == 0)
			n = dwarf_hasattr(&sub, DW_AT_count) ?
			    udata(&sub, DW_AT_count) :
			    udata(&sub, DW_AT_upper_bound) + 1;
		inner = depth < MAX_DEPTH ? type_text(&t, depth + 1) :
					    ks_xstrdup("?");
		s = ks_strfmt("%s[%llu]", inner, n);
		free(inner);
		return s;
	}
	case DW_TAG_structure_type:
		return name ? ks_strfmt("struct %s", name) :
			      ks_strfmt("struct {%llu}",
					udata(&t, DW_AT_byte_size));
	case DW_TAG_union_type:
		return name ? ks_strfmt("union %s", name) :
			      ks_strfmt("union {%llu}",
					udata(&t, DW_AT_byte_size));
	case DW_TAG_enumeration_type:
		return ks_strfmt("enum %s:%llu", name ? name : "",
				 udata(&t, DW_AT_byte_size));
	default:
		return ks_xstrdup(name ? name : "?");
	}
}

/* The struct or union a member's type is, through cv-qualifiers. */
static int member_aggregate(Dwarf_Die *m, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	Dwarf_Die t = *m;
	int i;

	for (i = 0; i < MAX_DEPTH; i++) {
		if (!dwarf_attr_integrate(&t, DW_AT_type, &a) ||
		    !dwarf_formref_die(&a, out))
			return 0;
		switch (dwarf_tag(out)) {
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
			return 1;
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
			t = *out;
			continue;
		default:
			return 0;
		}
	}
	return 0;
}

static unsigned long long member_bit_offset(Dwarf_Die *m)
{
	if (dwarf_hasattr(m, DW_AT_data_bit_offset))
		return udata(m, DW_AT_data_bit_offset);
	return 8 * udata(m, DW_AT_data_member_location);
}

/*
 * The members of an aggregate at base (bits); an anonymous struct or
 * union member is flattened into its parent, as C reads it.
 */
static void add_members(struct ks_layout *l, Dwarf_Die *agg,
			unsigned long long base, int depth)
{
	Dwarf_Die m, inner;

	if (dwarf_child(agg, &m) != 0)
		return;
	do {
		struct ks_member *x;
		const char *name;
		unsigned long long off;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		name = dwarf_diename(&m);
		off = base + member_bit_offset(&m);
		if (!name && depth < MAX_DEPTH && member_aggregate(&m, &inner) &&
		    !dwarf_diename(&inner)) {
			add_members(l, &inner, off, depth + 1);
			continue;
		}
		l->members = ks_grow(l->members, l->nr_members, 1,
				     sizeof(*l->members));
		x = &l->members[l->nr_members++];
		x->name = ks_xstrdup(name);
		x->type = type_text(&m, 0);
		x->bit_offset = off;
		x->bit_size = udata(&m, DW_AT_bit_size);
	} while (dwarf_siblingof(&m, &m) == 0);
}

static void add_layout(struct ks_layouts *ls, const char *kind,
		       const char *name, Dwarf_Die *agg)
{
	struct ks_layout *l;

	l = KS_PUSH_ZERO(ls->v, ls->n);
	l->name = ks_strfmt("%s %s", kind, name);
	l->size = udata(agg, DW_AT_byte_size);
	add_members(l, agg, 0, 0);
}

static void walk(struct ks_layouts *ls, Dwarf_Die *die, int depth)
{
	Dwarf_Die c, t;
	Dwarf_Attribute a;

	if (dwarf_child(die, &c) != 0)
		return;
	do {
		const char *name = dwarf_diename(&c);
		int tag = dwarf_tag(&c);

		if ((tag == DW_TAG_structure_type ||
		     tag == DW_TAG_union_type) && name &&
		    !dwarf_hasattr(&c, DW_AT_declaration))
			add_layout(ls, tag == DW_TAG_structure_type ?
				   "struct" : "union", name, &c);
		/* typedef struct { ... } name_t; */
		if (tag == DW_TAG_typedef && name &&
		    dwarf_attr(&c, DW_AT_type, &a) &&
		    dwarf_formref_die(&a, &t) &&
		    (dwarf_tag(&t) == DW_TAG_structure_type ||
		     dwarf_tag(&t) == DW_TAG_union_type) &&
		    !dwarf_diename(&t) && !dwarf_hasattr(&t, DW_AT_declaration))
			add_layout(ls, "typedef", name, &t);
		/* Types declared inside functions and other types too. */
		if (depth < MAX_DEPTH && (tag == DW_TAG_subprogram ||
					  tag == DW_TAG_lexical_block ||
					  tag == DW_TAG_structure_type ||
					  tag == DW_TAG_union_type))
			walk(ls, &c, depth + 1);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static int cmp_layout(const void *a, const void *b)
{
	const struct ks_layout *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int same_layout(const struct ks_layout *a, const struct ks_layout *b)
{
	size_t i;

	if (a->size != b->size || a->nr_members != b->nr_members)
		return 0;
	for (i = 0; i < a->nr_members; i++) {
		const struct ks_member *x = &a->members[i], *y = &b->members[i];

		if (strcmp(x->name, y->name) || strcmp(x->type, y->type) ||
		    x->bit_offset != y->bit_offset ||
		    x->bit_size != y->bit_size)
			return 0;
	}
	return 1;
}

static void free_layout(struct ks_layout *l)
{
	size_t i;

	for (i = 0; i < l->nr_members; i++) {
		free(l->members[i].name);
		free(l->members[i].type);
	}
	free(l->members);
	free(l->name);
}

/* One layout per name: a name declared twice the same way is kept once. */
static void dedup(struct ks_layouts *ls)
{
	size_t i, k = 0;

	qsort(ls->v, ls->n, sizeof(*ls->v), cmp_layout);
	for (i = 0; i < ls->n; i++) {
		if (k && !strcmp(ls->v[k - 1].name, ls->v[i].name) &&
		    same_layout(&ls->v[k - 1], &ls->v[i])) {
			free_layout(&ls->v[i]);
			continue;
		}
		ls->v[k++] = ls->v[i];
	}
	ls->n = k;
}

int ks_layouts_read(const char *path, struct ks_layouts *l, char *err,
		    size_t errlen)
{
	static char *debuginfo_path;
	static const Dwfl_Callbacks cb = {
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
		.debuginfo_path = &debuginfo_path,
	};
	Dwfl *dwfl = dwfl_begin(&cb);
	Dwfl_Module *mod;
	Dwarf *dw;
	Dwarf_Addr bias;
	Dwarf_Off off = 0, next;
	size_t hsize;

	memset(l, 0, sizeof(*l));
	if (!dwfl) {
		ks_set_err(err, errlen, "libdwfl: %s", dwfl_errmsg(-1));
		return -1;
	}
	mod = dwfl_report_offline(dwfl, "", path, -1);
	if (!mod || dwfl_report_end(dwfl, NULL, NULL)) {
		ks_set_err(err, errlen, "%s: cannot read its debug information: %s",
			   path, dwfl_errmsg(-1));
		dwfl_end(dwfl);
		return -1;
	}
	dw = dwfl_module_getdwarf(mod, &bias);
	while (dw && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL,
				  NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu))
			walk(l, &cu, 0);
		off = next;
	}
	dwfl_end(dwfl);
	dedup(l);
	return 0;
}

void ks_layouts_free(struct ks_layouts *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free_layout(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static const struct ks_layout *find(const struct ks_layouts *ls,
				    const char *name)
{
	struct ks_layout key = { .name = (char *)name };

	return ls->n ? bsearch(&key, ls->v, ls->n, sizeof(*ls->v),
			       cmp_layout) : NULL;
}

/*
 * Does post describe a's name with a's layout?  (Two types of one name,
 * say in two functions, are both kept; either may match.)
 */
static int has_same(const struct ks_layouts *post, const struct ks_layout *a)
{
	const struct ks_layout *f = find(post, a->name), *p;

	if (!f)
		return 0;
	for (p = f; p >= post->v && !strcmp(p->name, a->name); p--)
		if (same_layout(p, a))
			return 1;
	for (p = f + 1; p < post->v + post->n && !strcmp(p->name, a->name); p++)
		if (same_layout(p, a))
			return 1;
	return 0;
}

static const struct ks_member *member(const struct ks_layout *l,
				      const char *name)
{
	size_t i;

	for (i = 0; i < l->nr_members; i++)
		if (!strcmp(l->members[i].name, name))
			return &l->members[i];
	return NULL;
}

static int allowed_name(const char *name, char *const allowed[], size_t n)
{
	const char *bare = strchr(name, ' ') + 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(allowed[i], name) || !strcmp(allowed[i], bare))
			return 1;
	return 0;
}

/* s + sep + part, freeing both (owned). */
static char *append(char *s, const char *sep, char *part)
{
	char *t = ks_strfmt("%s%s%s", s, sep, part);

	free(s);
	free(part);
	return t;
}

/* What changed in one type, in a sentence (owned). */
static char *describe(const struct ks_layout *a, const struct ks_layout *b)
{
	char *s = ks_xstrdup(a->name);
	const char *sep = ": ";
	size_t i, shown = 0, more = 0;

	if (a->size != b->size) {
		s = append(s, sep, ks_strfmt("size %llu -> %llu", a->size,
					     b->size));
		sep = ", ";
	}
	for (i = 0; i < b->nr_members; i++) {
		const struct ks_member *y = &b->members[i];
		const struct ks_member *x = *y->name ? member(a, y->name) : NULL;
		char *t = NULL;

		if (!*y->name)
			continue;
		if (!x)
			t = ks_strfmt("member %s added at byte %llu", y->name,
				      y->bit_offset / 8);
		else if (strcmp(x->type, y->type))
			t = ks_strfmt("member %s is %s, was %s", y->name,
				      y->type, x->type);
		else if (x->bit_offset != y->bit_offset)
			t = ks_strfmt("member %s moved from byte %llu to %llu",
				      y->name, x->bit_offset / 8,
				      y->bit_offset / 8);
		if (t && shown == 4) {
			free(t);
			more++;
		} else if (t) {
			s = append(s, sep, t);
			sep = ", ";
			shown++;
		}
	}
	for (i = 0; i < a->nr_members; i++) {
		if (!*a->members[i].name || member(b, a->members[i].name))
			continue;
		if (shown == 4) {
			more++;
			continue;
		}
		s = append(s, sep, ks_strfmt("member %s removed",
					     a->members[i].name));
		sep = ", ";
		shown++;
	}
	if (more)
		s = append(s, sep, ks_strfmt("%zu more", more));
	return s;
}

char *ks_layouts_compare(const struct ks_layouts *pre,
			 const struct ks_layouts *post,
			 char *const allowed[], size_t nr_allowed,
			 size_t *count)
{
	char *out = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < pre->n; i++) {
		const struct ks_layout *a = &pre->v[i], *b = find(post, a->name);
		char *d, *t;

		if (!b || has_same(post, a) ||
		    allowed_name(a->name, allowed, nr_allowed))
			continue;
		d = describe(a, b);
		t = out ? ks_strfmt("%s; %s", out, d) : ks_xstrdup(d);
		free(d);
		free(out);
		out = t;
		(*count)++;
	}
	return out;
}
