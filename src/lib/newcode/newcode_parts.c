// SPDX-License-Identifier: GPL-2.0
/* Links between the parts of one update: see newcode_parts.h. */
#include "newcode/newcode_parts.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/array.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ksplice/abi.h>

/*
 * modpost refuses to version an imported name of MODULE_NAME_LEN (56 on
 * x86-64) characters or more: struct modversion_info holds it in 56
 * bytes with its NUL.
 */
#define NC_LINK_NAME_MAX 55

char *nc_link_alias(const char *id, const char *name)
{
	char *a = ks_strfmt("__ksplice_%s_%s", id, name);
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	const char *p;

	if (strlen(a) <= NC_LINK_NAME_MAX)
		return a;
	free(a);
	/* The id is in the hash: two updates never export the same name. */
	for (p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ '/') * 0x100000001b3ULL;
	for (p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return ks_strfmt("__ksplice_%016llx", (unsigned long long)h);
}

/*
 * The one part other than user whose new code carries name as a global
 * the patch adds: its index, with *def the symbol; -1 if none; -2 with
 * err set if two do.
 */
static long definer(const struct nc_part *parts, size_t n, size_t user,
		    const char *name, long *def, char *err, size_t errlen)
{
	long found = -1;
	size_t d;

	for (d = 0; d < n; d++) {
		long s = d == user ? -1 : nc_added_definition(parts[d].nc, name);

		if (s < 0)
			continue;
		if (found >= 0) {
			ks_set_err(err, errlen, "the %s part's new code uses %s, which both the %s and the %s parts add: it cannot tell which one it means",
				   parts[user].target, name, parts[found].target,
				   parts[d].target);
			return -2;
		}
		found = (long)d;
		*def = s;
	}
	return found;
}

/* The definer's private export of its symbol def (created once). */
static const char *export_link(struct nc_object *nc, long def,
			       const char *alias)
{
	const struct nc_sym *s = &nc->syms[def];
	struct nc_export *x;
	size_t i;

	for (i = 0; i < nc->nr_exports; i++)
		if (nc->exports[i].link && !strcmp(nc->exports[i].name, alias))
			return nc->exports[i].name;
	x = KS_PUSH_ZERO(nc->exports, nc->nr_exports);
	x->name = ks_xstrdup(alias);
	x->gpl = 1;
	x->sec = s->sec;
	x->offset = s->value;
	x->func = GELF_ST_TYPE(s->info) == STT_FUNC;
	x->link = 1;
	return x->name;
}

static void note_link(struct nc_link **links, size_t *nr, size_t user,
		      size_t def_part, const char *name, const char *alias,
		      int func)
{
	struct nc_link *l;
	size_t i;

	for (i = 0; i < *nr; i++)
		if ((*links)[i].user == user && !strcmp((*links)[i].name, name))
			return;
	*links = ks_grow(*links, *nr, 1, sizeof(**links));
	l = &(*links)[(*nr)++];
	l->user = user;
	l->definer = def_part;
	l->name = ks_xstrdup(name);
	l->alias = ks_xstrdup(alias);
	l->func = func;
}

/* Link part u's references to what the other parts add. */
static void link_user(struct nc_part *parts, size_t n, size_t u,
		      const char *id, struct nc_link **links, size_t *nr)
{
	struct nc_object *nc = parts[u].nc;
	size_t i, kept = 0;
	char err[8];		/* unused: two definers were refused before */

	for (i = 0; i < nc->nr_krelocs; i++) {
		struct nc_kreloc k = nc->krelocs[i];
		const struct nc_ksym *ks = &nc->ksyms[k.ksym];
		long def = -1, d = ks->flags & KSPLICE_SYM_LOCAL ? -1 :
			definer(parts, n, u, ks->name, &def, err, sizeof(err));
		char *alias;
		const char *exp;

		if (d < 0) {
			nc->krelocs[kept++] = k;
			continue;
		}
		alias = nc_link_alias(id, ks->name);
		exp = export_link(parts[d].nc, def, alias);
		nc_add_rela(nc, k.sec, k.offset, k.type,
			    nc_undef_sym(nc, exp, NULL), k.addend);
		note_link(links, nr, u, (size_t)d, ks->name, exp,
			  GELF_ST_TYPE(parts[d].nc->syms[def].info) == STT_FUNC);
		free(alias);
	}
	nc->nr_krelocs = kept;
	nc_drop_unused_ksyms(nc);
}

/*
 * A name left for ksplice to resolve that the patch adds to one of the
 * update's objects, and that none of them had before: the running kernel
 * has no such symbol (or an unrelated one of that name), so apply could
 * only fail or, worse, find the wrong one.
 */
static int unlinkable(const struct nc_diffed *objs, size_t nr_objs,
		      const char *user, const char *name, char *err,
		      size_t errlen)
{
	const struct nc_diffed *adder = NULL;
	size_t o;

	for (o = 0; o < nr_objs; o++) {
		if (ks_find_symbol(objs[o].diff->pre, name))
			return 0;
		if (!adder && nc_diff_adds(objs[o].diff, name))
			adder = &objs[o];
	}
	if (!adder)
		return 0;
	ks_set_err(err, errlen, "the %s part's new code uses %s, which the patch adds to %s (the %s part), but the new code does not carry it (new functions and new variables of .data, .bss, .rodata and per-CPU sections are carried; other special variables, like __read_mostly ones, are not), and the running kernel has no symbol of that name to use instead",
		   user, name, adder->object, adder->target);
	return 1;
}

int nc_link_parts(struct nc_part *parts, size_t n,
		  const struct nc_diffed *objs, size_t nr_objs, const char *id,
		  struct nc_link **links, size_t *nr_links, char *err,
		  size_t errlen)
{
	size_t u, i;
	long def;

	*links = NULL;
	*nr_links = 0;
	/* A name two other parts add: refused before anything is linked. */
	for (u = 0; u < n; u++)
		for (i = 0; i < parts[u].nc->nr_ksyms; i++) {
			const struct nc_ksym *ks = &parts[u].nc->ksyms[i];

			if (ks->flags & KSPLICE_SYM_LOCAL)
				continue;
			if (definer(parts, n, u, ks->name, &def, err,
				    errlen) == -2)
				return 1;
		}
	for (u = 0; u < n; u++)
		link_user(parts, n, u, id, links, nr_links);
	/* What still names an added global could not be resolved at apply. */
	for (u = 0; u < n; u++)
		for (i = 0; i < parts[u].nc->nr_ksyms; i++) {
			const struct nc_ksym *ks = &parts[u].nc->ksyms[i];

			if (!(ks->flags & KSPLICE_SYM_LOCAL) &&
			    unlinkable(objs, nr_objs, parts[u].target,
				       ks->name, err, errlen))
				return 1;
		}
	return 0;
}

void nc_links_free(struct nc_link *links, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(links[i].name);
		free(links[i].alias);
	}
	free(links);
}

static long part_named(const struct nc_part *parts, size_t n,
		       const char *target)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(parts[i].target, target))
			return (long)i;
	return -1;
}

/*
 * need[u * n + d]: a name part u takes from part d's new code, or NULL.
 * Parts that need each other: name them in err, following the needs
 * from the first part left until one repeats.
 */
static void name_cycle(const struct nc_part *parts, size_t n,
		       const char **need, const int *done, char *err,
		       size_t errlen)
{
	size_t *path = ks_grow(NULL, n, 1, sizeof(size_t));
	size_t len = 0, u = 0, d, i, start = 0;
	int *seen = calloc(n ? n : 1, sizeof(int));
	size_t used;

	while (u < n && done[u])
		u++;
	while (u < n && !seen[u]) {
		seen[u] = 1;
		path[len++] = u;
		for (d = 0; d < n && (done[d] || !need[u * n + d]); d++)
			;
		u = d;
	}
	for (i = 0; i < len; i++)
		if (path[i] == u)
			start = i;
	used = (size_t)snprintf(err, errlen, "the parts of the update use each other's new code (");
	for (i = start; i < len && used < errlen; i++) {
		size_t a = path[i], b = i + 1 < len ? path[i + 1] : u;

		used += (size_t)snprintf(err + used, errlen - used,
					 "%s%s uses %s from the %s part",
					 i > start ? ", " : "", parts[a].target,
					 need[a * n + b], parts[b].target);
	}
	if (used < errlen)
		snprintf(err + used, errlen - used, "): each part's new-code module would have to be loaded before the other; put what they share into one of them");
	free(path);
	free(seen);
}

int nc_part_order(const struct nc_part *parts, size_t n,
		  const struct ks_exports *ex, const struct nc_link *links,
		  size_t nr_links, size_t *order, char *err, size_t errlen)
{
	const char **need = calloc(n * n + 1, sizeof(*need));
	int *done = calloc(n + 1, sizeof(int));
	size_t u, d, i, k;
	int ret = 0;

	if (!need || !done)
		abort();
	for (u = 0; u < n; u++) {
		const struct nc_object *nc = parts[u].nc;

		for (i = 0; i < nc->nr_syms; i++) {
			const char *by = nc->syms[i].sec ? NULL :
				ks_exports_added_by(ex, nc->syms[i].name);
			long p = by ? part_named(parts, n, by) : -1;

			if (p >= 0 && (size_t)p != u && !need[u * n + p])
				need[u * n + p] = nc->syms[i].name;
		}
	}
	for (i = 0; i < nr_links; i++)
		if (!need[links[i].user * n + links[i].definer])
			need[links[i].user * n + links[i].definer] = links[i].name;
	/* Each round, the first part left whose needs are all loaded. */
	for (k = 0; k < n && !ret; k++) {
		for (u = 0; u < n; u++) {
			if (done[u])
				continue;
			for (d = 0; d < n && (done[d] || !need[u * n + d]); d++)
				;
			if (d == n)
				break;
		}
		if (u == n) {
			name_cycle(parts, n, need, done, err, errlen);
			ret = 1;
			break;
		}
		done[u] = 1;
		order[k] = u;
	}
	free(need);
	free(done);
	return ret;
}
