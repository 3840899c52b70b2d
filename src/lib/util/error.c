// SPDX-License-Identifier: GPL-2.0
/* Error text into buffers and messages (util/error.h). */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void ks_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int ks_set_failure(enum ksplice_abort_cause *cause, char **msg,
		   enum ksplice_abort_cause c, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	free(*msg);
	*msg = m;
	*cause = c;
	return -1;
}
