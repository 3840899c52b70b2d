/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The closed set of abort causes (include/ksplice/abi.h) with, for each,
 * the paragraph the tools show to people.  docs/abort-causes.md holds the
 * same text.
 */
#ifndef KS_ABORT_CAUSES_H
#define KS_ABORT_CAUSES_H

#include <ksplice/abi.h>

/* "no_match" etc.; "unexpected" for out-of-range values. */
const char *ks_abort_name(enum ksplice_abort_cause c);

/* What happened and what the user can do, in a few sentences. */
const char *ks_abort_paragraph(enum ksplice_abort_cause c);

/* The cause named NAME (surrounding white space ignored), or -1. */
int ks_abort_from_name(const char *name);

/* The tools' exit status for a cause: KSPLICE_EXIT_BASE + cause. */
int ks_abort_exit_status(enum ksplice_abort_cause c);

#endif /* KS_ABORT_CAUSES_H */
