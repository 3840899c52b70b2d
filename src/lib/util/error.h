/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error text, the two ways the library hands it back:
 *  - into a caller's buffer (the err, errlen parameters): ks_set_err;
 *  - as a heap message beside an abort cause (the apply outcome, the
 *    match resolution): ks_set_failure.
 */
#ifndef KSPLICE_UTIL_ERROR_H
#define KSPLICE_UTIL_ERROR_H

#include <stddef.h>

#include <ksplice/abi.h>

/*
 * Format into ERR (ERRLEN bytes, cut short if longer).  ERR NULL or
 * ERRLEN 0: nothing, so callers that do not want the text pass NULL, 0.
 */
void ks_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * *CAUSE set to C and *MSG replaced by the formatted text, the old one
 * freed after the formatting (so an argument may point into it).  Out
 * of memory leaves *MSG NULL rather than aborting: the callers run on
 * the target and still report their abort cause (util/fs.h).  Returns
 * -1, so that a failing step can return it.
 */
int ks_set_failure(enum ksplice_abort_cause *cause, char **msg,
		   enum ksplice_abort_cause c, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
