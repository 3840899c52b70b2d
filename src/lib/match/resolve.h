/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning run-pre match results into the `resolve` lines of one target
 * (docs/sysfs-abi.md): a `func` line per replaced function and a `sym`
 * line per symbol of the new-code module's symbol list.
 */
#ifndef KS_RESOLVE_H
#define KS_RESOLVE_H

#include <stdio.h>

#include <ksplice/abi.h>

#include "match/kallsyms.h"
#include "match/kernel_text.h"
#include "package/package.h"

struct ks_resolution {
	char *lines;		/* the resolve text, '\n'-terminated lines */
	size_t len;
	enum ksplice_abort_cause cause;	/* NONE on success */
	char *message;		/* on failure: what and where, for people */
	size_t nr_funcs;	/* func lines written */
	size_t nr_syms;		/* sym lines written */
};

/*
 * Match every pre object of target T and resolve its functions and
 * symbols.  LOG (may be NULL) receives the match log.  Returns 0 when
 * out->cause is NONE, else -1 (out->cause and out->message say why).
 */
int ks_match_resolve_target(const struct ks_package *pkg, const struct ks_target *t,
		      const struct ks_kallsyms *ks,
		      const struct ks_kernel_text *text, FILE *log,
		      struct ks_resolution *out);

/*
 * Resolve lines for target T whose module is not loaded: `pending`, the
 * masked pre code of each replaced function and the symbols vmlinux
 * resolves; the core module does the rest when the module loads.
 */
int ks_pending_resolve_target(const struct ks_package *pkg,
			      const struct ks_target *t,
			      const struct ks_kallsyms *ks,
			      struct ks_resolution *out);

void ks_resolution_free(struct ks_resolution *r);

#endif /* KS_RESOLVE_H */
