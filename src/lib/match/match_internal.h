/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the matcher: the state of one comparison and the helpers that
 * match_compare.c (walking a function), match_sites.c (the rewrite sites)
 * and matcher.c (candidates, facts, the whole object) share.
 */
#ifndef KS_MATCH_INTERNAL_H
#define KS_MATCH_INTERNAL_H

#include "match/matcher.h"

#define MAX_SITE 64		/* no rewrite site is longer */

/* State of one comparison of a pre function with one running copy. */
struct cmp {
	struct ks_match *m;
	const struct ks_fn_match *fn;
	const struct ks_pre_section *sec;
	const uint8_t *pre;	/* the pre function's bytes */
	const uint8_t *run;	/* the running bytes */
	uint64_t run_addr;
	size_t local_start;	/* this candidate's facts in m->cand_facts */
	char *diff;
	size_t difflen;
	/*
	 * Relaxed mode (see compare_relaxed()): the running code may encode
	 * a branch shorter than the pre code, so it is walked with its own
	 * offset, run offset = pre offset - delta, and branch targets inside
	 * the function are checked at the end against the offset map.
	 */
	int relaxed;
	int64_t delta;
	uint64_t *targets;	/* pairs: pre offset, run offset */
	size_t nr_targets;
};

/* Facts: the committed ones and those of the current candidate. */
int km_push_fact(struct ks_match *m, const struct ks_fact *f);
int km_same_key(const struct ks_fact *a, uint32_t shndx, const char *name);
const struct ks_fact *km_known(const struct ks_match *m, size_t local_start,
			       uint32_t shndx, const char *name);

/* A branch into the function: pre offset TO_PRE lands at RUN_ADDR. */
int km_expect_target(struct cmp *c, uint64_t to_pre, uint64_t run_addr);

/* Write the report of a difference at pre offset I into c->diff. */
void km_describe(struct cmp *c, uint64_t i, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Learn from relocation fields: 1 fine, 0 contradiction, -1 no memory. */
int km_learn_reloc(struct cmp *c, const struct ks_reloc *r);
int km_learn_symbol(struct cmp *c, const struct ks_reloc *r, uint64_t S);
int km_learn_range(struct cmp *c, uint64_t from, uint64_t to);

/* The rewrite site(s) at pre offset I: 1 fine, 0 differs, -1 error. */
int km_handle_sites(struct cmp *c, const struct ks_site *s, size_t n,
		    uint64_t i);

#endif /* KS_MATCH_INTERNAL_H */
