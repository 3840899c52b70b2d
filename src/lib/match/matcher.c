// SPDX-License-Identifier: GPL-2.0
/*
 * Run-pre matching of a whole pre object: candidates by name, the
 * fixpoint that tells equal copies apart by learned facts, the reports.
 * The comparison itself is in match_compare.c and match_sites.c.
 */
#include <gelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "util/error.h"
#include "code/x86_decode.h"
#include "util/array.h"

const char *ks_fn_status_name(enum ks_fn_status s)
{
	switch (s) {
	case KS_FN_MATCHED: return "matched";
	case KS_FN_AMBIGUOUS: return "ambiguous";
	case KS_FN_NO_MATCH: return "no_match";
	case KS_FN_NOT_FOUND: return "not_found";
	case KS_FN_FREED: return "freed";
	}
	return "?";
}

/* State of one comparison of a pre function with one running copy. */
static int is_freed_section(const char *name, const char *scope)
{
	if (!strncmp(name, ".init.", 6) || !strcmp(name, ".init.text"))
		return 1;
	/* Built-in __exit code is discarded at link time. */
	return !strcmp(scope, "vmlinux") && !strncmp(name, ".exit.", 6);
}

static int add_fn(struct ks_match *m, long idx)
{
	const struct ks_pre_sym *s = &m->pre->syms[idx];
	const struct ks_pre_section *sec = &m->pre->secs[s->shndx];
	struct ks_fn_match *n = ks_try_grow(m->fns, m->nr_fns, 1, sizeof(*n));

	if (!n)
		return -1;
	m->fns = n;
	n = &m->fns[m->nr_fns++];
	memset(n, 0, sizeof(*n));
	n->sym = idx;
	n->name = s->name;
	n->shndx = s->shndx;
	n->off = s->value;
	n->len = s->size ? s->size : sec->size - s->value;
	n->weak = s->bind == STB_WEAK;
	n->status = KS_FN_NOT_FOUND;
	return 0;
}

/*
 * Stacked updates: when another ksplice update already replaced the
 * running function, its patch site (offset 5 after an ftrace site, or 0)
 * holds `jmp rel32` to the replacement in that update's new-code module,
 * a function of the same name.  The pre code of an update built on top
 * of that one is then compared with the replacement: that is the code
 * that runs.  Returns the replacement's address, or 0.
 */
static uint64_t replaced_by(const struct ks_match *m, const struct ks_ksym *k,
			    const char *name)
{
	static const unsigned int offs[] = { 5, 0 };

	for (size_t i = 0; i < 2; i++) {
		uint8_t b[5];
		int32_t rel;
		uint64_t to, off;
		const struct ks_ksym *t;

		if (ks_text_read(m->text, k->addr + offs[i], b, sizeof(b)) ||
		    b[0] != 0xe9)
			continue;
		memcpy(&rel, b + 1, sizeof(rel));
		to = k->addr + offs[i] + 5 + (uint64_t)(int64_t)rel;
		t = ks_kallsyms_lookup(m->ks, to, &off);
		/* Several names may share the address (__ksplice_new_K). */
		if (t && !off && t->module &&
		    !strncmp(t->module, "ksplice_", 8) &&
		    ks_kallsyms_has_at(m->ks, name, to))
			return to;
	}
	return 0;
}

static int candidates(struct ks_match *m, struct ks_fn_match *fn)
{
	struct ks_ksym **k;
	size_t nk = ks_kallsyms_by_name(m->ks, fn->name, &k);
	uint8_t *buf;

	buf = malloc(fn->len ? fn->len : 1);
	fn->cands = calloc(nk ? nk : 1, sizeof(*fn->cands));
	if (!buf || !fn->cands) {
		free(buf);
		return -1;
	}
	for (size_t j = 0; j < nk; j++) {
		struct ks_candidate *cd;
		char diff[1024];
		uint64_t at;
		int eq;

		if (!ks_ksym_in_scope(k[j], m->scope) ||
		    !strchr("tTwW", k[j]->type))
			continue;
		cd = &fn->cands[fn->nr_cands++];
		cd->ksym = k[j];
		cd->facts_start = m->nr_cand_facts;
		at = replaced_by(m, k[j], fn->name);
		if (at && m->log)
			fprintf(m->log, "%s at 0x%llx is replaced by a ksplice update: comparing with its replacement at 0x%llx\n",
				fn->name, (unsigned long long)k[j]->addr,
				(unsigned long long)at);
		if (!at)
			at = k[j]->addr;
		if (ks_text_read(m->text, at, buf, fn->len)) {
			snprintf(diff, sizeof(diff), "%s: cannot read %llu bytes "
				 "of running code at 0x%llx", fn->name,
				 (unsigned long long)fn->len,
				 (unsigned long long)at);
			eq = 0;
		} else {
			eq = ks_match_compare(m, fn, buf, at, diff,
					      sizeof(diff));
		}
		if (eq < 0) {
			free(buf);
			return -1;
		}
		if (!eq)
			m->nr_cand_facts = cd->facts_start;
		cd->equal = eq;
		cd->nr_facts = m->nr_cand_facts - cd->facts_start;
		cd->diff = eq ? NULL : strdup(diff);
		if (m->log)
			fprintf(m->log, "compare %s with 0x%llx: %s%s\n", fn->name,
				(unsigned long long)k[j]->addr,
				eq ? "equal" : "differs: ", eq ? "" : diff);
	}
	free(buf);
	return 0;
}

/* Do a candidate's facts agree with the committed ones? */
static int consistent(const struct ks_match *m, const struct ks_candidate *cd)
{
	for (size_t i = 0; i < cd->nr_facts; i++) {
		const struct ks_fact *f = &m->cand_facts[cd->facts_start + i];

		for (size_t j = 0; j < m->nr_facts; j++)
			if (km_same_key(&m->facts[j], f->shndx, f->name) &&
			    m->facts[j].addr != f->addr)
				return 0;
	}
	return 1;
}

static int commit(struct ks_match *m, struct ks_fn_match *fn,
		  const struct ks_candidate *cd)
{
	struct ks_fact *n = ks_try_grow(m->facts, m->nr_facts, cd->nr_facts,
					sizeof(*n));

	if (!n && cd->nr_facts)
		return -1;
	if (n)
		m->facts = n;
	for (size_t i = 0; i < cd->nr_facts; i++) {
		const struct ks_fact *f = &m->cand_facts[cd->facts_start + i];

		if (!km_known(m, m->nr_cand_facts, f->shndx, f->name))
			m->facts[m->nr_facts++] = *f;
	}
	fn->status = KS_FN_MATCHED;
	fn->run = cd->ksym;
	if (m->log)
		fprintf(m->log, "matched %s at 0x%llx\n", fn->name,
			(unsigned long long)cd->ksym->addr);
	return 0;
}

static char *fmt_report(struct ks_fn_match *fn, const char *scope)
{
	size_t cap = 256, len;
	char *r;

	for (size_t j = 0; j < fn->nr_cands; j++)
		cap += (fn->cands[j].diff ? strlen(fn->cands[j].diff) : 0) + 64;
	r = malloc(cap);
	if (!r)
		return NULL;
	if (fn->status == KS_FN_AMBIGUOUS) {
		len = snprintf(r, cap, "%s: the pre code equals several running "
			       "functions in %s and nothing learned tells them "
			       "apart:", fn->name, scope);
		for (size_t j = 0; j < fn->nr_cands; j++)
			if (fn->cands[j].equal)
				len += snprintf(r + len, cap - len, " 0x%llx",
						(unsigned long long)fn->cands[j].ksym->addr);
		return r;
	}
	if (fn->status == KS_FN_NOT_FOUND) {
		snprintf(r, cap, "%s: no function of that name in %s", fn->name,
			 scope);
		return r;
	}
	if (fn->nr_cands == 1)
		len = snprintf(r, cap, "%s: the pre code does not match the "
			       "running function of that name in %s", fn->name,
			       scope);
	else
		len = snprintf(r, cap, "%s: the pre code matches none of the "
			       "%zu running functions of that name in %s",
			       fn->name, fn->nr_cands, scope);
	for (size_t j = 0; j < fn->nr_cands; j++)
		len += snprintf(r + len, cap - len, "\n  %s",
				fn->cands[j].diff ? fn->cands[j].diff :
				"(equal, but contradicts what other matches learned)");
	return r;
}

int ks_match_object(struct ks_match *m, const struct ks_pre_code *pre,
		    const struct ks_kallsyms *ks,
		    const struct ks_kernel_text *text, const char *scope,
		    FILE *log, char *err, size_t errlen)
{
	int progress;

	memset(m, 0, sizeof(*m));
	m->pre = pre;
	m->ks = ks;
	m->text = text;
	m->scope = scope;
	m->log = log;
	for (size_t i = 0; i < pre->nr_syms; i++) {
		const struct ks_pre_sym *s = &pre->syms[i];

		if (s->type != STT_FUNC || !s->name[0] || s->shndx == SHN_UNDEF ||
		    s->shndx >= pre->nr_secs ||
		    !(pre->secs[s->shndx].flags & SHF_EXECINSTR) ||
		    !pre->secs[s->shndx].data)
			continue;
		if (add_fn(m, (long)i))
			goto oom;
	}
	for (size_t i = 0; i < m->nr_fns; i++) {
		struct ks_fn_match *fn = &m->fns[i];

		if (is_freed_section(pre->secs[fn->shndx].name, scope)) {
			fn->status = KS_FN_FREED;
			continue;
		}
		if (candidates(m, fn))
			goto oom;
	}
	/*
	 * Commit the functions with exactly one equal, consistent candidate;
	 * what they teach may narrow the others down.  Repeat until nothing
	 * changes.
	 */
	do {
		progress = 0;
		for (size_t i = 0; i < m->nr_fns; i++) {
			struct ks_fn_match *fn = &m->fns[i];
			const struct ks_candidate *only = NULL;
			size_t viable = 0;

			if (fn->status != KS_FN_NOT_FOUND || !fn->nr_cands)
				continue;
			for (size_t j = 0; j < fn->nr_cands; j++)
				if (fn->cands[j].equal &&
				    consistent(m, &fn->cands[j])) {
					viable++;
					only = &fn->cands[j];
				}
			if (viable == 1) {
				if (commit(m, fn, only))
					goto oom;
				progress = 1;
			}
		}
	} while (progress);
	for (size_t i = 0; i < m->nr_fns; i++) {
		struct ks_fn_match *fn = &m->fns[i];
		size_t viable = 0;

		if (fn->status != KS_FN_NOT_FOUND)
			continue;
		for (size_t j = 0; j < fn->nr_cands; j++)
			viable += fn->cands[j].equal && consistent(m, &fn->cands[j]);
		if (!fn->nr_cands)
			fn->status = KS_FN_NOT_FOUND;
		else if (viable > 1)
			fn->status = KS_FN_AMBIGUOUS;
		else
			fn->status = KS_FN_NO_MATCH;
		fn->report = fmt_report(fn, scope);
		if (m->log && fn->report)
			fprintf(m->log, "%s\n", fn->report);
	}
	return 0;
oom:
	ks_set_err(err, errlen, "out of memory while matching %s", pre->path);
	return -1;
}

void ks_match_free(struct ks_match *m)
{
	for (size_t i = 0; i < m->nr_fns; i++) {
		for (size_t j = 0; j < m->fns[i].nr_cands; j++)
			free(m->fns[i].cands[j].diff);
		free(m->fns[i].cands);
		free(m->fns[i].report);
	}
	free(m->fns);
	free(m->facts);
	free(m->cand_facts);
	memset(m, 0, sizeof(*m));
}

struct ks_fn_match *ks_match_fn(struct ks_match *m, const char *name)
{
	for (size_t i = 0; i < m->nr_fns; i++)
		if (!strcmp(m->fns[i].name, name))
			return &m->fns[i];
	return NULL;
}

int ks_match_sym_addr(const struct ks_match *m, const char *name,
		      uint64_t *addr)
{
	long idx = ks_pre_find_sym(m->pre, name);
	const struct ks_pre_sym *s;

	if (idx < 0)
		return -1;
	s = &m->pre->syms[idx];
	for (size_t i = 0; i < m->nr_facts; i++)
		if (m->facts[i].shndx == s->shndx) {
			*addr = m->facts[i].addr + s->value;
			return 0;
		}
	return -1;
}

