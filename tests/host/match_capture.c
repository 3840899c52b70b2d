// SPDX-License-Identifier: GPL-2.0
/*
 * Host check of the matcher against running-kernel text captured from a
 * guest (scripts/capture-run-text): every function of the given pre
 * objects must match its running copy, except __weak functions that
 * another file overrides and freed __init code; and one byte altered
 * outside any rewrite site must be caught as no_match with a report.
 *
 * Usage: match_capture CAPTURE_DIR|live SCOPE OBJECT...
 * "live" reads /proc/kallsyms and /proc/kcore (in a guest, as root) and
 * leaves out the altered-byte check (the running code is not altered).
 * Exit: 0 pass, 1 fail, 77 capture or objects missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "match/kallsyms.h"
#include "match/kernel_text.h"
#include "match/matcher.h"
#include "code/pre_object.h"

struct totals {
	size_t fns, matched, ambiguous, weak_overridden, freed, failed;
	size_t told_apart;	/* several equal copies, one chosen by facts */
	size_t seen[8], rewritten[8];
};

static int match_one(const char *path, const struct ks_kallsyms *ks,
		     const struct ks_kernel_text *text, const char *scope,
		     struct totals *t, int verbose)
{
	struct ks_pre_code pre;
	struct ks_match m;
	struct totals o = { 0 };
	char err[512];

	if (ks_pre_open(path, &pre, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (ks_match_object(&m, &pre, ks, text, scope, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		ks_pre_close(&pre);
		return -1;
	}
	for (size_t i = 0; i < m.nr_fns; i++) {
		struct ks_fn_match *fn = &m.fns[i];

		o.fns++;
		switch (fn->status) {
		case KS_FN_MATCHED: {
			size_t equal = 0;

			o.matched++;
			for (size_t j = 0; j < fn->nr_cands; j++)
				equal += fn->cands[j].equal;
			if (equal > 1) {
				o.told_apart++;
				if (verbose)
					printf("  %s: %zu equal running copies, "
					       "told apart by other matches\n",
					       fn->name, equal);
			}
			break;
		}
		case KS_FN_AMBIGUOUS:
			/* code equal to several: matched, address undecided */
			o.ambiguous++;
			if (verbose)
				printf("  ambiguous: %s\n", fn->report);
			break;
		case KS_FN_FREED:
			o.freed++;
			break;
		case KS_FN_NO_MATCH:
			if (fn->weak) {
				o.weak_overridden++;
				printf("  __weak, overridden elsewhere: %s\n",
				       fn->name);
				break;
			}
			/* fall through */
		case KS_FN_NOT_FOUND:
			o.failed++;
			printf("  FAILED (%s): %s\n", ks_fn_status_name(fn->status),
			       fn->report ? fn->report : fn->name);
			break;
		}
	}
	printf("%s: %zu functions: %zu matched uniquely, %zu matched "
	       "ambiguously, %zu __weak overridden, %zu freed __init, "
	       "%zu failed\n", path, o.fns, o.matched, o.ambiguous,
	       o.weak_overridden, o.freed, o.failed);
	t->fns += o.fns;
	t->matched += o.matched;
	t->ambiguous += o.ambiguous;
	t->weak_overridden += o.weak_overridden;
	t->freed += o.freed;
	t->failed += o.failed;
	t->told_apart += o.told_apart;
	for (int k = 0; k < 8; k++) {
		t->seen[k] += m.sites_seen[k];
		t->rewritten[k] += m.sites_rewritten[k];
	}
	ks_match_free(&m);
	ks_pre_close(&pre);
	return 0;
}

/*
 * Alter one byte of a matched function's running copy, outside every
 * rewrite site and relocation field, and expect no_match naming it.
 */
static int altered_byte(const char *path, const struct ks_kallsyms *ks,
			struct ks_kernel_text *text, const char *scope)
{
	struct ks_pre_code pre;
	struct ks_match m;
	char err[512], fname[256] = "", want[300];
	uint64_t addr = 0, pick = 0;
	uint8_t *byte = NULL, saved;
	int ok = 0;

	if (ks_pre_open(path, &pre, err, sizeof(err)) ||
	    ks_match_object(&m, &pre, ks, text, scope, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* The longest uniquely matched function. */
	for (size_t i = 0; i < m.nr_fns; i++) {
		struct ks_fn_match *fn = &m.fns[i];

		if (fn->status == KS_FN_MATCHED && fn->len > pick) {
			pick = fn->len;
			snprintf(fname, sizeof(fname), "%s", fn->name);
			addr = fn->run->addr;
		}
	}
	struct ks_fn_match *fn = ks_match_fn(&m, fname);
	const struct ks_pre_section *sec = &pre.secs[fn->shndx];
	/* A byte in the middle, away from sites and relocation fields. */
	for (uint64_t off = fn->len / 2; off < fn->len; off++) {
		uint64_t o = fn->off + off;
		int clear = !ks_pre_reloc_at(sec, o);

		for (size_t s = 0; s < sec->nr_sites && clear; s++)
			if (o >= sec->sites[s].off &&
			    o < sec->sites[s].off + sec->sites[s].len)
				clear = 0;
		for (size_t g = 0; g < text->nr_segs && clear && !byte; g++)
			if (addr + off >= text->segs[g].vaddr &&
			    addr + off < text->segs[g].vaddr + text->segs[g].len)
				byte = text->segs[g].data + (addr + off -
							     text->segs[g].vaddr);
		if (byte) {
			pick = off;
			break;
		}
	}
	ks_match_free(&m);
	if (!byte) {
		fprintf(stderr, "no byte to alter in %s\n", fname);
		ks_pre_close(&pre);
		return -1;
	}
	saved = *byte;
	*byte ^= 0x5a;
	printf("altered %s+0x%llx (0x%llx): %02x -> %02x\n", fname,
	       (unsigned long long)pick, (unsigned long long)(addr + pick),
	       saved, *byte);
	if (ks_match_object(&m, &pre, ks, text, scope, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		*byte = saved;
		ks_pre_close(&pre);
		return -1;
	}
	fn = ks_match_fn(&m, fname);
	snprintf(want, sizeof(want), "%s+0x", fname);
	if (fn->status == KS_FN_NO_MATCH && fn->report &&
	    strstr(fn->report, want)) {
		printf("caught as expected:\n%s\n", fn->report);
		ok = 1;
	} else {
		printf("NOT caught: %s is %s\n", fname, ks_fn_status_name(fn->status));
	}
	*byte = saved;
	ks_match_free(&m);
	ks_pre_close(&pre);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct ks_kallsyms ks;
	struct ks_kernel_text text;
	struct totals t = { 0 };
	char path[4096], err[512];
	int verbose = getenv("VERBOSE") != NULL, rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CAPTURE_DIR SCOPE OBJECT...\n", argv[0]);
		return 2;
	}
	int live = !strcmp(argv[1], "live");

	snprintf(path, sizeof(path), "%s/kallsyms", argv[1]);
	if (live)
		snprintf(path, sizeof(path), "/proc/kallsyms");
	else if (access(path, R_OK)) {
		printf("no capture in %s (run scripts/capture-run-text)\n", argv[1]);
		return 77;
	}
	if (ks_kallsyms_load(path, &ks, err, sizeof(err)) ||
	    (live ? ks_text_open_kcore(&text, "/proc/kcore", err, sizeof(err)) :
	     ks_text_open_capture(&text, argv[1], err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (int i = 3; i < argc; i++)
		if (match_one(argv[i], &ks, &text, argv[2], &t, verbose))
			rc = 1;
	printf("TOTAL: %zu functions: %zu matched uniquely + %zu matched "
	       "ambiguously = %.1f%% of the %zu that should; %zu __weak "
	       "overridden, %zu freed __init, %zu failed\n", t.fns, t.matched,
	       t.ambiguous,
	       t.fns - t.weak_overridden - t.freed ?
	       100.0 * (t.matched + t.ambiguous) /
	       (t.fns - t.weak_overridden - t.freed) : 0.0,
	       t.fns - t.weak_overridden - t.freed, t.weak_overridden, t.freed,
	       t.failed);
	printf("%zu of the unique matches had several byte-equal running "
	       "copies and were told apart by what other matches learned\n",
	       t.told_apart);
	printf("rewrite sites in equal comparisons (seen / bytes differed):");
	for (int k = 0; k < 8; k++)
		printf("%s %s %zu/%zu", k ? "," : "", ks_site_kind_name(k),
		       t.seen[k], t.rewritten[k]);
	printf("\n");
	if (t.failed)
		rc = 1;
	if (!live && altered_byte(argv[3], &ks, &text, argv[2]))
		rc = 1;
	ks_text_close(&text);
	ks_kallsyms_free(&ks);
	return rc;
}
