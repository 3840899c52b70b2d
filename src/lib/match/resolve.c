// SPDX-License-Identifier: GPL-2.0
/* Resolution of one target's functions and symbols; see resolve.h. */
#include "match/resolve.h"

#include <elf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "match/matcher.h"
#include "code/patch_site.h"
#include "code/pre_object.h"
#include "code/x86_decode.h"
#include "util/array.h"
#include "util/error.h"

struct obj_match {
	struct ks_pre_code pre;
	struct ks_match m;
	int opened, matched;
};

/* R's cause and message (printf-style); -1 */
#define fail(r, c, ...)							\
	ks_set_failure(&(r)->cause, &(r)->message, (c), __VA_ARGS__)

static int emit(struct ks_resolution *r, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	char *nb = ks_try_grow(r->lines, r->len, (size_t)n + 1, 1);

	if (!nb) {
		free(line);
		return -1;
	}
	r->lines = nb;
	memcpy(r->lines + r->len, line, n + 1);
	r->len += n;
	free(line);
	return 0;
}

static int find_object(const struct ks_target *t, const char *object)
{
	for (size_t i = 0; i < t->nr_objects; i++)
		if (object && !strcmp(t->objects[i].object, object))
			return (int)i;
	return t->nr_objects == 1 ? 0 : -1;
}

/* kallsyms entries of NAME in scope; *one gets one of them. */
static size_t count_in(const struct ks_kallsyms *ks, const char *name,
		       const char *scope, const struct ks_ksym **one)
{
	struct ks_ksym **k;
	size_t n = ks_kallsyms_by_name(ks, name, &k), c = 0;

	for (size_t i = 0; i < n; i++)
		if (!scope ? 1 : ks_ksym_in_scope(k[i], scope)) {
			c++;
			*one = k[i];
		}
	return c;
}

/* A global symbol: learned by matching, else unique by name in kallsyms. */
static int resolve_global(const struct ks_target *t, struct obj_match *om,
			  const struct ks_kallsyms *ks, const char *name,
			  uint64_t *addr, char **why)
{
	const char *tiers[] = { t->name, "vmlinux", NULL };
	const struct ks_ksym *one = NULL;

	for (size_t o = 0; o < t->nr_objects; o++)
		for (size_t i = 0; om[o].matched && i < om[o].m.nr_facts; i++)
			if (!om[o].m.facts[i].shndx &&
			    !strcmp(om[o].m.facts[i].name, name)) {
				*addr = om[o].m.facts[i].addr;
				return 0;
			}
	for (int tier = 0; tier < 3; tier++) {
		size_t n = count_in(ks, name, tier < 2 ? tiers[tier] : NULL, &one);

		if (n == 1) {
			*addr = one->addr;
			return 0;
		}
		if (n > 1) {
			if (asprintf(why, "%s: %zu running symbols of that name "
				     "in %s, and no match tells which one",
				     name, n, tier < 2 ? tiers[tier] :
				     "the kernel and its modules") < 0)
				*why = NULL;
			return -1;
		}
	}
	if (asprintf(why, "%s: no running symbol of that name", name) < 0)
		*why = NULL;
	return -1;
}

/*
 * The whole pre object must be the running code, not only the functions
 * the update replaces: a function that exists in the running kernel but
 * differs means the source is not the running kernel's (say, another
 * Debian version that changed a neighbour).  __weak functions are exempt:
 * another file may override them.
 */
static int check_objects(const struct ks_target *t, struct obj_match *om,
			 struct ks_resolution *r)
{
	for (size_t o = 0; o < t->nr_objects; o++)
		for (size_t i = 0; i < om[o].m.nr_fns; i++) {
			const struct ks_fn_match *fn = &om[o].m.fns[i];

			if (fn->status == KS_FN_NO_MATCH && !fn->weak)
				return fail(r, KSPLICE_ABORT_NO_MATCH,
					    "%s (in %s) is not the running code:\n%s",
					    t->objects[o].object, t->name,
					    fn->report);
		}
	return 0;
}

/*
 * `cold` lines for the cold pieces of FN (NAME.cold, NAME.cold.N: code GCC
 * moved out of the function into .text.unlikely.NAME): the kernel checks
 * them for sleeping tasks as part of the function (issue 15).  Each must
 * have been found in the running kernel; a piece the stack check could
 * not see would let a task asleep in it run old code after the apply.
 */
static int resolve_cold(const struct ks_target *t, struct obj_match *om,
			const struct ks_func_entry *f,
			const struct ks_fn_match *fn, struct ks_resolution *r)
{
	const struct ks_pre_code *pre = &om->pre;
	size_t len = strlen(fn->name);

	for (size_t i = 0; i < pre->nr_syms; i++) {
		const struct ks_pre_sym *s = &pre->syms[i];
		const struct ks_fn_match *c;

		if (s->type != STT_FUNC || strncmp(s->name, fn->name, len) ||
		    strncmp(s->name + len, ".cold", 5) ||
		    (s->name[len + 5] && s->name[len + 5] != '.'))
			continue;
		c = ks_match_fn(&om->m, s->name);
		if (!c || c->status != KS_FN_MATCHED)
			return fail(r, c && c->status == KS_FN_NO_MATCH ?
				    KSPLICE_ABORT_NO_MATCH :
				    KSPLICE_ABORT_FAILED_TO_FIND,
				    "%s: its cold piece %s was not found in the "
				    "running kernel: %s", f->name, s->name,
				    c && c->report ? c->report : "no match");
		/*
		 * The piece's own size, as matched, not the running symbol's:
		 * a module's last text symbol (cold pieces often are) gets its
		 * size from whatever kallsyms finds next, and the kernel and
		 * /proc/kallsyms do not agree on that (usbtv_audio_init.cold,
		 * 0x18 bytes: 0x362 here, 0x33e in the kernel).
		 */
		if (emit(r, "cold %s %d 0x%llx %llu\n", t->name, f->desc_index,
			 (unsigned long long)c->run->addr,
			 (unsigned long long)s->size))
			return fail(r, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
	}
	return 0;
}

static int resolve_funcs(const struct ks_target *t, struct obj_match *om,
			 const struct ks_kernel_text *text,
			 struct ks_resolution *r)
{
	for (size_t i = 0; i < t->nr_funcs; i++) {
		const struct ks_func_entry *f = &t->funcs[i];
		int o = find_object(t, f->object);
		struct ks_fn_match *fn;
		unsigned int patchoff;
		uint8_t bytes[KSPLICE_JUMP_LEN];
		char hex[3 * KSPLICE_JUMP_LEN + 1], err[512];

		if (f->kind == KS_FUNC_NEW || f->desc_index < 0)
			continue;
		if (o < 0 || !om[o].matched)
			return fail(r, KSPLICE_ABORT_INVALID_UPDATE,
				    "%s: the update carries no pre object %s for it",
				    f->name, f->object ? f->object : "(none)");
		fn = ks_match_fn(&om[o].m, f->name);
		/*
		 * A deleted function that is not in the running kernel as
		 * its own function needs no stub; the kernel leaves a stub
		 * without a func line alone.
		 */
		if (f->kind == KS_FUNC_DELETED &&
		    (!fn || fn->status != KS_FN_MATCHED))
			continue;
		if (!fn)
			return fail(r, KSPLICE_ABORT_INVALID_UPDATE,
				    "%s: not a function of the pre object %s",
				    f->name, t->objects[o].object);
		switch (fn->status) {
		case KS_FN_MATCHED:
			break;
		case KS_FN_NO_MATCH:
			return fail(r, KSPLICE_ABORT_NO_MATCH, "%s", fn->report);
		default:
			return fail(r, KSPLICE_ABORT_FAILED_TO_FIND, "%s",
				    fn->report ? fn->report : fn->name);
		}
		/* A known limit, not a fault: its own cause (issue 23). */
		if (ks_patch_offset(&om[o].pre, &(struct ks_code_fn){
					    fn->name, fn->shndx, fn->off,
					    fn->len }, &patchoff, err,
				    sizeof(err)))
			return fail(r, KSPLICE_ABORT_PATCH_SITE_OVERLAP, "%s",
				    err);
		if (ks_text_read(text, fn->run->addr + patchoff, bytes,
				 sizeof(bytes)))
			return fail(r, KSPLICE_ABORT_UNEXPECTED,
				    "%s: cannot read the running code at 0x%llx",
				    f->name, (unsigned long long)fn->run->addr);
		for (size_t b = 0; b < sizeof(bytes); b++)
			snprintf(hex + 2 * b, 3, "%02x", bytes[b]);
		if (emit(r, "func %s %d 0x%llx %llu %u %s\n", t->name,
			 f->desc_index, (unsigned long long)fn->run->addr,
			 (unsigned long long)fn->run->size, patchoff, hex))
			return fail(r, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
		if (resolve_cold(t, &om[o], f, fn, r))
			return -1;
		r->nr_funcs++;
	}
	return 0;
}

static int resolve_syms(const struct ks_target *t, struct obj_match *om,
			const struct ks_kallsyms *ks, struct ks_resolution *r)
{
	for (size_t i = 0; i < t->nr_syms; i++) {
		const struct ks_symref *s = &t->syms[i];
		uint64_t addr = 0;
		char *why = NULL;
		int ok;

		if (s->flags & KSPLICE_SYM_LOCAL) {
			int o = find_object(t, s->object);
			const struct ks_ksym *one = NULL;

			ok = o >= 0 && om[o].matched &&
			     !ks_match_sym_addr(&om[o].m, s->name, &addr);
			/* Not learned, but the only one of its name: no guess. */
			if (!ok && count_in(ks, s->name, t->name, &one) == 1) {
				addr = one->addr;
				ok = 1;
			}
			if (!ok) {
				struct ks_fn_match *fn = o >= 0 && om[o].matched ?
					ks_match_fn(&om[o].m, s->name) : NULL;

				return fail(r, fn && fn->status == KS_FN_NO_MATCH ?
					    KSPLICE_ABORT_NO_MATCH :
					    KSPLICE_ABORT_FAILED_TO_FIND,
					    "static symbol %s of %s: %s", s->name,
					    s->object ? s->object : "?",
					    fn && fn->report ? fn->report :
					    "matching its object did not tell "
					    "where it is, and several running "
					    "symbols have that name");
			}
		} else if (resolve_global(t, om, ks, s->name, &addr, &why)) {
			fail(r, KSPLICE_ABORT_FAILED_TO_FIND, "%s",
			     why ? why : s->name);
			free(why);
			return -1;
		}
		if (emit(r, "sym %s %zu 0x%llx\n", t->name, i,
			 (unsigned long long)addr))
			return fail(r, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
		r->nr_syms++;
	}
	return 0;
}

int ks_match_resolve_target(const struct ks_package *pkg, const struct ks_target *t,
		      const struct ks_kallsyms *ks,
		      const struct ks_kernel_text *text, FILE *log,
		      struct ks_resolution *out)
{
	struct obj_match *om = calloc(t->nr_objects ? t->nr_objects : 1,
				      sizeof(*om));
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!om)
		return fail(out, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
	for (size_t o = 0; o < t->nr_objects; o++) {
		char err[512], *path = ks_package_path(pkg, t->objects[o].path);

		if (!path || ks_pre_open(path, &om[o].pre, err, sizeof(err))) {
			fail(out, KSPLICE_ABORT_INVALID_UPDATE, "%s",
			     path ? err : "out of memory");
			free(path);
			goto done;
		}
		free(path);
		om[o].opened = 1;
		if (log)
			fprintf(log, "== matching %s against %s\n",
				t->objects[o].object, t->name);
		if (ks_match_object(&om[o].m, &om[o].pre, ks, text, t->name,
				    log, err, sizeof(err))) {
			fail(out, KSPLICE_ABORT_OUT_OF_MEMORY, "%s", err);
			goto done;
		}
		om[o].matched = 1;
		if (log) {
			size_t counts[5] = { 0 };

			for (size_t i = 0; i < om[o].m.nr_fns; i++)
				counts[om[o].m.fns[i].status]++;
			fprintf(log, "== %s: %zu functions: %zu matched, %zu "
				"ambiguous, %zu no_match, %zu not found, %zu "
				"freed\n", t->objects[o].object, om[o].m.nr_fns,
				counts[KS_FN_MATCHED], counts[KS_FN_AMBIGUOUS],
				counts[KS_FN_NO_MATCH], counts[KS_FN_NOT_FOUND],
				counts[KS_FN_FREED]);
		}
	}
	if (check_objects(t, om, out) || resolve_funcs(t, om, text, out) ||
	    resolve_syms(t, om, ks, out))
		goto done;
	out->cause = KSPLICE_ABORT_NONE;
	rc = 0;
done:
	for (size_t o = 0; o < t->nr_objects; o++) {
		if (om[o].matched)
			ks_match_free(&om[o].m);
		if (om[o].opened)
			ks_pre_close(&om[o].pre);
	}
	free(om);
	return rc;
}

void ks_resolution_free(struct ks_resolution *r)
{
	free(r->lines);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

/*
 * Resolve lines for a target module that is not loaded (docs/sysfs-abi.md,
 * `pending`): the kernel matches and splices it when the module comes.
 * Each replaced function goes as its pre bytes with every relocation
 * field and every rewrite site masked ("xx"); symbols the running
 * vmlinux has exactly once are resolved now, the others (the module's
 * own) by name in the module when it comes.
 */
static int pending_func(const struct ks_target *t, const struct ks_pre_code *pre,
			const struct ks_func_entry *f, struct ks_resolution *r)
{
	long si = ks_pre_find_sym(pre, f->name);
	const struct ks_pre_sym *s = si >= 0 ? &pre->syms[si] : NULL;
	const struct ks_pre_section *sec;
	struct ks_code_fn fn = { 0 };
	unsigned int patchoff;
	unsigned char *mask;
	char err[512];

	if (!s || s->type != STT_FUNC || s->shndx >= pre->nr_secs ||
	    !pre->secs[s->shndx].data || !s->size)
		return fail(r, KSPLICE_ABORT_INVALID_UPDATE,
			    "%s: not a function of the pre object %s", f->name,
			    pre->path);
	sec = &pre->secs[s->shndx];
	fn.name = s->name;
	fn.shndx = s->shndx;
	fn.off = s->value;
	fn.len = s->size;
	if (ks_patch_offset(pre, &fn, &patchoff, err, sizeof(err)))
		return fail(r, KSPLICE_ABORT_PATCH_SITE_OVERLAP, "%s", err);
	mask = calloc(1, s->size);
	if (!mask)
		return fail(r, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
	for (size_t i = 0; i < sec->nr_relocs; i++) {
		uint64_t o = sec->relocs[i].off, e = o + ks_reloc_size(sec->relocs[i].type);

		for (uint64_t b = o; b < e; b++)
			if (b >= s->value && b < s->value + s->size)
				mask[b - s->value] = 1;
	}
	for (size_t i = 0; i < sec->nr_sites; i++) {
		uint64_t o = sec->sites[i].off, e = o + sec->sites[i].len;

		for (uint64_t b = o; b < e; b++)
			if (b >= s->value && b < s->value + s->size)
				mask[b - s->value] = 1;
	}
	if (emit(r, "pfunc %s %d %llu %u\n", t->name, f->desc_index,
		 (unsigned long long)s->size, patchoff)) {
		free(mask);
		return fail(r, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
	}
	for (uint64_t at = 0; at < s->size; at += 512) {
		uint64_t n = s->size - at < 512 ? s->size - at : 512;
		char hex[1025];

		for (uint64_t b = 0; b < n; b++) {
			if (mask[at + b])
				memcpy(hex + 2 * b, "xx", 2);
			else
				snprintf(hex + 2 * b, 3, "%02x",
					 sec->data[s->value + at + b]);
		}
		hex[2 * n] = '\0';
		if (emit(r, "pcode %s %d %llu %s\n", t->name, f->desc_index,
			 (unsigned long long)at, hex)) {
			free(mask);
			return fail(r, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
		}
	}
	free(mask);
	r->nr_funcs++;
	return 0;
}

int ks_pending_resolve_target(const struct ks_package *pkg,
			      const struct ks_target *t,
			      const struct ks_kallsyms *ks,
			      struct ks_resolution *out)
{
	struct ks_pre_code *pre = calloc(t->nr_objects ? t->nr_objects : 1,
					 sizeof(*pre));
	size_t opened = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!pre)
		return fail(out, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
	for (; opened < t->nr_objects; opened++) {
		char err[512], *path = ks_package_path(pkg, t->objects[opened].path);

		if (!path || ks_pre_open(path, &pre[opened], err, sizeof(err))) {
			fail(out, KSPLICE_ABORT_INVALID_UPDATE, "%s",
			     path ? err : "out of memory");
			free(path);
			goto done;
		}
		free(path);
	}
	if (emit(out, "pending %s\n", t->name)) {
		fail(out, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < t->nr_funcs; i++) {
		const struct ks_func_entry *f = &t->funcs[i];
		int o = find_object(t, f->object);

		/* Deleted functions' stubs are left out (optional). */
		if (f->kind != KS_FUNC_CHANGED)
			continue;
		if (o < 0) {
			fail(out, KSPLICE_ABORT_INVALID_UPDATE,
			     "%s: the update carries no pre object for it", f->name);
			goto done;
		}
		if (pending_func(t, &pre[o], f, out))
			goto done;
	}
	for (size_t i = 0; i < t->nr_syms; i++) {
		const struct ks_symref *s = &t->syms[i];
		const struct ks_ksym *one = NULL;

		if (s->flags & KSPLICE_SYM_LOCAL ||
		    count_in(ks, s->name, "vmlinux", &one) != 1)
			continue;
		if (emit(out, "sym %s %zu 0x%llx\n", t->name, i,
			 (unsigned long long)one->addr)) {
			fail(out, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
			goto done;
		}
		out->nr_syms++;
	}
	out->cause = KSPLICE_ABORT_NONE;
	rc = 0;
done:
	for (size_t o = 0; o < opened; o++)
		ks_pre_close(&pre[o]);
	free(pre);
	return rc;
}
