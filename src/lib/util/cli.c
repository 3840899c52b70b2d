// SPDX-License-Identifier: GPL-2.0
/* The tools' help and usage errors (util/cli.h). */
#include "util/cli.h"

#include <errno.h>

#ifndef KSPLICE_VERSION
#error "KSPLICE_VERSION is set by the Makefile from the file VERSION"
#endif

int ks_cli_version(void)
{
	printf("%s %s\n", program_invocation_short_name, KSPLICE_VERSION);
	return 0;
}

int ks_cli_help(int opt, ks_usage_fn *usage)
{
	if (opt == KS_OPT_VERSION)
		return ks_cli_version();
	if (opt == 'h') {
		usage(stdout);
		return 0;
	}
	return ks_cli_usage(usage);
}

int ks_cli_usage(ks_usage_fn *usage)
{
	usage(stderr);
	return 2;
}
