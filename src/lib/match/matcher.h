/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run-pre matching: find each function of a pre object in the running
 * kernel, byte for byte except at the places the kernel rewrote at boot or
 * load (recognised from the pre object's own tables), and learn from the
 * relocation fields where every symbol the code refers to lives.
 *
 * Ambiguity (several running functions of the same name equal to the pre
 * code) is resolved only by facts learned from other matches, never by
 * guessing.
 */
#ifndef KS_MATCHER_H
#define KS_MATCHER_H

#include <stdint.h>
#include <stdio.h>

#include "match/kallsyms.h"
#include "match/kernel_text.h"
#include "code/pre_object.h"

enum ks_fn_status {
	KS_FN_MATCHED,		/* exactly one running copy */
	KS_FN_AMBIGUOUS,	/* several running copies equal it */
	KS_FN_NO_MATCH,		/* candidates exist, none equal it */
	KS_FN_NOT_FOUND,	/* no running symbol of that name in scope */
	KS_FN_FREED,		/* __init/__exit code: gone after boot */
};

const char *ks_fn_status_name(enum ks_fn_status s);

struct ks_candidate {
	const struct ks_ksym *ksym;
	int equal;		/* bytes equal up to the rewrite sites */
	size_t facts_start;	/* its learned facts in ks_match.cand_facts */
	size_t nr_facts;
	char *diff;		/* first difference, when !equal */
};

/*
 * A learned fact: the running address of a section of the pre object
 * (shndx != 0; its start), or of an undefined symbol (by name).
 */
struct ks_fact {
	uint32_t shndx;
	const char *name;
	uint64_t addr;
	const char *why;	/* the function whose match taught it */
};

struct ks_fn_match {
	long sym;		/* index in the pre object's symbols */
	const char *name;
	uint32_t shndx;
	uint64_t off;		/* in the section */
	uint64_t len;		/* bytes compared */
	int weak;
	enum ks_fn_status status;
	struct ks_candidate *cands;
	size_t nr_cands;
	const struct ks_ksym *run;	/* MATCHED: the running function */
	char *report;		/* NO_MATCH / AMBIGUOUS: why, for people */
};

struct ks_match {
	const struct ks_pre_code *pre;
	const struct ks_kallsyms *ks;
	const struct ks_kernel_text *text;
	const char *scope;	/* "vmlinux" or a module name */
	FILE *log;		/* --debug output, or NULL */
	struct ks_fn_match *fns;
	size_t nr_fns;
	struct ks_fact *facts;	/* committed */
	size_t nr_facts;
	struct ks_fact *cand_facts;	/* per candidate, see ks_candidate */
	size_t nr_cand_facts;
	/* statistics over equal comparisons, by enum ks_site_kind */
	size_t sites_seen[8];		/* rewrite sites passed */
	size_t sites_rewritten[8];	/* of which the bytes differed */
};

/*
 * Match every function of PRE against the running kernel (SCOPE).  Always
 * fills M; returns 0, or -1 on a resource error (message in err).
 */
int ks_match_object(struct ks_match *m, const struct ks_pre_code *pre,
		    const struct ks_kallsyms *ks,
		    const struct ks_kernel_text *text, const char *scope,
		    FILE *log, char *err, size_t errlen);
void ks_match_free(struct ks_match *m);

/* The match of function NAME, or NULL if the object has no such function. */
struct ks_fn_match *ks_match_fn(struct ks_match *m, const char *name);

/*
 * Running address of a symbol defined in the pre object (function or
 * variable), from what matching learned.  0 on success, -1 if unknown.
 */
int ks_match_sym_addr(const struct ks_match *m, const char *name,
		      uint64_t *addr);

/*
 * Compare one pre function with the running bytes RUN as if at RUN_ADDR
 * (the core of the matcher; exposed for unit tests).  Learned facts are
 * appended to m->cand_facts.  Returns 1 if equal; 0 if not, with a
 * description of the first difference in diff.
 */
int ks_match_compare(struct ks_match *m, const struct ks_fn_match *fn,
		     const uint8_t *run, uint64_t run_addr,
		     char *diff, size_t difflen);

#endif /* KS_MATCHER_H */
