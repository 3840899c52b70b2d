// SPDX-License-Identifier: GPL-2.0
/* Error text into buffers and messages (util/error.h). */
#include "util/error.h"

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

void ks_vset_msg(char **msg, const char *fmt, va_list ap)
{
	char *m = NULL;

	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	free(*msg);
	*msg = m;
}
