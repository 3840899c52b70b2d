/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How ksplice-apply, ksplice-remove and ksplice-view report an outcome:
 * for people (the cause's paragraph and the precise message), with
 * --raw-errors (the cause name, then the message) or with --json.
 */
#ifndef KS_TOOL_OUTPUT_H
#define KS_TOOL_OUTPUT_H

#include <stdio.h>

#include <ksplice/abi.h>

#include "util/cli.h"
#include "util/error.h"

enum ks_output_mode { KS_OUT_HUMAN, KS_OUT_RAW, KS_OUT_JSON };

/*
 * getopt_long's answer OPT that no case of ksplice-apply or
 * ksplice-remove took: 'r' (--raw-errors) and 'j' (--json) set *MODE
 * and give -1 (go on parsing); anything else is ks_cli_help()'s, an
 * exit status.
 */
int ks_output_option(int opt, enum ks_output_mode *mode, ks_usage_fn *usage);

struct ks_outcome {
	enum ksplice_abort_cause cause;	/* NONE: success */
	char *message;		/* precise reason (ours or the kernel's) */
	char *conflicts;	/* code_busy: "PID COMM FUNCTION" lines */
	char *notes;		/* things the user should know, '\n'-separated */
	int already;		/* "already applied": a notice, not an error */
};

/* Set O's cause and message (printf-style); returns -1 for convenience. */
#define ks_outcome_fail(o, c, ...)					\
	ks_set_failure(&(o)->cause, &(o)->message, (c), __VA_ARGS__)
void ks_outcome_note(struct ks_outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ks_outcome_free(struct ks_outcome *o);


/*
 * Report the outcome of ACTION ("apply", "remove") of update ID; on
 * success in human mode print SUCCESS_TEXT.  Returns the exit status.
 */
int ks_report(enum ks_output_mode mode, const char *action, const char *id,
	      const struct ks_outcome *o, const char *success_text);

/*
 * Exit status of ksplice-apply, ksplice-remove and ksplice-undo run by a
 * user other than root: nothing was tried (not an abort cause: the
 * kernel was never asked).
 */
#define KS_EXIT_NOT_ROOT 4

/*
 * Report that ACTION of update ID (may be NULL) needs root, in MODE
 * (--json: cause "not_root"); returns KS_EXIT_NOT_ROOT.
 */
int ks_report_not_root(enum ks_output_mode mode, const char *action,
		       const char *id, const char *message);

/* Exit status when the update file named on the command line cannot be
 * opened: like a usage error, nothing was tried. */
#define KS_EXIT_NO_FILE 2

/*
 * If PATH cannot be opened for reading, report it in MODE as PROG: PATH:
 * the system's reason (--json: cause "no_such_file", also for other
 * errors such as EACCES) and return KS_EXIT_NO_FILE; otherwise return 0.
 * A file that exists but is not an update is ks_package_open()'s to
 * judge (invalid_update).
 */
int ks_report_unreadable(enum ks_output_mode mode, const char *prog,
			 const char *action, const char *path);

#endif /* KS_TOOL_OUTPUT_H */
